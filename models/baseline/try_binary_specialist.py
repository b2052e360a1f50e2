#!/usr/bin/python3
"""Tried, not adopted: is there a low-level trace in binary/ (an unnamed diffusion model vs ImageNet/COCO
photos, both resized to 256 px and JPEG'd alike at the source) that the baseline's network could learn?

The baseline catches binary/'s fakes 14-17 % of the time and its same-source ROC AUC is 0.50 on test and
0.47-0.49 on val, so binary/ is diluted among nine generator classes and JPEG'd again in training down to
q40. This trains the same PatchNet (residual input, width 16) on binary/ alone, real vs fake, on the train
split of models/baseline/split.csv, and reports validation ROC AUC as training goes: with no re-encoding
(the source's own JPEG only; both classes share the same quantisation tables, so there is no format
shortcut inside binary/) or with the baseline's JPEG q40-100 (--jpeg-aug). The whole 256-px image goes
through the network (it is fully convolutional with global pooling).

    /usr/bin/python3 models/baseline/try_binary_specialist.py [--jpeg-aug] [--time-budget 600]
"""
import argparse
import csv
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate import roc_auc  # noqa: E402
from train import PatchNet, jpeg, load_rgb, to_tensor  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--split", default="models/baseline/split.csv")
    ap.add_argument("--jpeg-aug", action="store_true", help="re-encode every crop at JPEG q40-100, as the baseline")
    ap.add_argument("--patch", type=int, default=96)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--time-budget", type=float, default=600)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval-every", type=int, default=250)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)

    split = {r["file"]: r["split"] for r in csv.DictReader(open(args.split))}
    sets = {"train": ([], []), "val": ([], [])}
    for r in csv.DictReader(open(os.path.join(args.data, "labels.csv"))):
        if r["file"].startswith("binary/") and split.get(r["file"]) in sets:
            imgs, ys = sets[split[r["file"]]]
            imgs.append(load_rgb(os.path.join(args.data, r["file"])))
            ys.append(1 if r["label"] == "fake" else 0)
    (tr_x, tr_y), (va_x, va_y) = sets["train"], sets["val"]
    print("binary/: %d train (%d fake), %d val (%d fake)" % (len(tr_x), sum(tr_y), len(va_x), sum(va_y)), flush=True)
    fakes = [i for i, y in enumerate(tr_y) if y == 1]
    reals = [i for i, y in enumerate(tr_y) if y == 0]

    net = PatchNet(n_classes=2, width=16, residual=True)
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    val_batch = to_tensor(va_x)

    def evaluate():
        net.eval()
        with torch.no_grad():
            p = torch.softmax(net(val_batch), dim=1)[:, 1].numpy()
        net.train()
        return roc_auc(p, va_y)

    t0 = time.time()
    for step in range(1, args.steps + 1):
        lr = 2e-3 * 0.5 * (1 + math.cos(math.pi * step / args.steps))
        for g in opt.param_groups:
            g["lr"] = lr
        batch, ys = [], []
        for k in range(32):
            pool = fakes if k % 2 else reals
            img = tr_x[pool[int(rng.integers(len(pool)))]]
            h, w = img.shape[:2]
            y0, x0 = int(rng.integers(0, h - args.patch + 1)), int(rng.integers(0, w - args.patch + 1))
            crop = img[y0:y0 + args.patch, x0:x0 + args.patch]
            if rng.random() < 0.5:
                crop = crop[:, ::-1]
            crop = np.ascontiguousarray(crop)
            if args.jpeg_aug:
                crop = jpeg(crop, rng.integers(40, 101))
            batch.append(crop)
            ys.append(k % 2)
        loss = torch.nn.functional.cross_entropy(net(to_tensor(batch)), torch.tensor(ys))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % args.eval_every == 0 or step == args.steps:
            print("step %5d  %4.0fs  loss %.4f  val ROC AUC %.3f" % (step, time.time() - t0, loss.item(), evaluate()), flush=True)
        if time.time() - t0 > args.time_budget:
            print("time budget reached at step %d: val ROC AUC %.3f" % (step, evaluate()), flush=True)
            break


if __name__ == "__main__":
    main()
