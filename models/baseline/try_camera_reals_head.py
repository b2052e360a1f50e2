#!/usr/bin/python3
"""Would camera-resolution photos as extra reals lower the camera-photo false positives of baseline 0.4?

The shipped network flags 47% of the 34 camera-resolution wallpaper photos (models/eval_sets), while it
flags 11% of the held-out reals; the cause measured so far is content (picturesque photos read as the
art generators of attribution/), not size. No camera photo was in its training data. Training the two
networks again needs a GPU; refitting only their last layer (a 512 -> 10 linear map over the pooled
features, about 5k numbers each) does not, and says whether such photos carry anything the features can
use.

What it does, all on the CPU:
  1. rebuilds the two networks of models/baseline/baseline.pt from its frozen constants (checked against
     the TorchScript output) and computes their pooled features for random crops, JPEG-augmented as in
     training (train.random_crop), of the train and val splits and of the 34 camera photos (cached in
     --work);
  2. refits each network's last layer (weighted cross-entropy with the training's sampling weights, and a
     pull towards the shipped weights) with the camera photos of two wallpaper packages as one more real
     source, and scores the third package's photos (cross-validation by package: the packages differ in
     what they show and how they were edited); prints, per fold, the crops called synthetic before and
     after, and the val split's crop-level balanced accuracy before and after;
  3. with --export DIR: writes the refit on all 34 photos (or only --packages) as DIR/baseline.pt, the
     ensemble in the shipped form (mean of two softmax outputs), for the engine's own measurement.

    /usr/bin/python3 models/baseline/try_camera_reals_head.py [--export DIR --packages mate-backgrounds,...]
"""
import argparse
import csv
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402  (read_labels, random_crop, load_rgb, pad_to, CLASSES)
from evaluate import roc_auc  # noqa: E402

P = 192
STRIDES = [1, 2, 1, 2, 1, 2, 1, 2]
REAL_W = {"faces/real": 0.30, "binary/real": 0.30, "real/bsds": 0.25, "real/classic": 0.10, "dif_real": 0.05}


class FrozenEnsemble(torch.nn.Module):
    """The two networks of the shipped file, rebuilt from its constants (BatchNorm already folded)."""

    def __init__(self, consts):
        super().__init__()
        c = [consts["c%d" % i] for i in range(36)]
        self.bodies = torch.nn.ModuleList()
        self.heads = torch.nn.ModuleList()
        for n in range(2):
            layers = []
            for i, s in enumerate(STRIDES):
                w, b = c[n * 18 + 2 * i], c[n * 18 + 2 * i + 1]
                conv = torch.nn.Conv2d(w.shape[1], w.shape[0], 3, stride=s, padding=1)
                conv.weight.data.copy_(w)
                conv.bias.data.copy_(b)
                layers += [conv, torch.nn.ReLU()]
            self.bodies.append(torch.nn.Sequential(*layers))
            head = torch.nn.Linear(c[n * 18 + 16].shape[1], c[n * 18 + 16].shape[0])
            head.weight.data.copy_(c[n * 18 + 16])
            head.bias.data.copy_(c[n * 18 + 17])
            self.heads.append(head)

    @staticmethod
    def prepare(x):
        hp = x - F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
        return torch.cat([(x - 0.5) * 4.0, hp * 16.0], dim=1)

    def features(self, x):
        x0 = self.prepare(x)
        return [body(x0).mean(dim=(2, 3)) for body in self.bodies]

    def forward(self, x):
        x0 = self.prepare(x)
        total = torch.zeros(0)
        n = 0
        for body, head in zip(self.bodies, self.heads):
            p = torch.softmax(head(body(x0).mean(dim=(2, 3))), dim=1)
            total = p if n == 0 else total + p
            n += 1
        return total / n


def load_ensemble(path):
    m = torch.jit.load(path)
    consts = m.code_with_constants[1].const_mapping
    net = FrozenEnsemble(consts).eval()
    x = torch.rand(4, 3, P, P)
    with torch.no_grad():
        diff = (net(x) - m(x)).abs().max().item()
    if diff > 1e-5:
        sys.exit("rebuilt ensemble differs from the TorchScript file by %g" % diff)
    return net


def feature_bank(net, crops, batch=32):
    f0, f1 = [], []
    with torch.no_grad():
        for i in range(0, len(crops), batch):
            x = train.to_tensor(crops[i:i + batch])
            a, b = net.features(x)
            f0.append(a.numpy())
            f1.append(b.numpy())
    return np.concatenate(f0), np.concatenate(f1)


def build_bank(args, net):
    path = os.path.join(args.work, "bank.npz")
    if os.path.exists(path):
        return dict(np.load(path, allow_pickle=True))
    rng = np.random.default_rng(7)
    rows = train.read_labels(args.data)
    with open(args.split, newline="") as fh:
        shipped = {r["file"]: r["split"] for r in csv.DictReader(fh)}
    if any(shipped.get(r["file"]) != r["split"] for r in rows):
        sys.exit("the split differs from " + args.split)
    crops, cls, dom, split, src = [], [], [], [], []
    for r in rows:
        if r["split"] not in ("train", "val"):
            continue
        img = train.pad_to(train.load_rgb(os.path.join(args.data, r["file"])), P)
        for _ in range(args.crops):
            crops.append(train.random_crop(img, P, rng))
            cls.append(train.CLASSES.index(r["cls"]))
            dom.append(r["domain"])
            split.append(r["split"])
            src.append(r["file"])
    with open(args.photos, newline="") as fh:
        photos = [r for r in csv.DictReader(fh)]
    for r in photos:
        img = train.load_rgb(r["file"])
        for k in range(args.photo_crops + args.photo_plain):
            if k < args.photo_crops:
                crops.append(train.random_crop(img, P, rng))  # augmented like every training crop
                split.append("camera")
            else:
                h, w = img.shape[:2]
                y, x = int(rng.integers(0, h - P + 1)), int(rng.integers(0, w - P + 1))
                crops.append(np.ascontiguousarray(img[y:y + P, x:x + P]))  # as the file holds it
                split.append("camera_plain")
            cls.append(0)
            dom.append("camera:" + r["source"])
            src.append(r["file"])
    t0 = time.time()
    print("features of %d crops..." % len(crops), flush=True)
    f0, f1 = feature_bank(net, crops)
    print("  %.0f s" % (time.time() - t0), flush=True)
    bank = dict(f0=f0, f1=f1, cls=np.array(cls), dom=np.array(dom), split=np.array(split), src=np.array(src))
    np.savez(path, **bank)
    return bank


def sample_weights(bank, mask, camera_mask, camera_weight):
    """The training's sampling as weights: half authentic (spread over the real sub-sources, the camera photos
    one more), half fake (the same for each generator class)."""
    w = np.zeros(len(bank["cls"]))
    real_w = dict(REAL_W)
    if camera_mask is not None and camera_mask.any():
        real_w["camera"] = camera_weight
    total = sum(real_w.values())
    dom = np.where(camera_mask if camera_mask is not None else False, "camera", bank["dom"])
    for d, v in real_w.items():
        sel = mask & (bank["cls"] == 0) & (dom == d)
        if sel.any():
            w[sel] = 0.5 * v / total / sel.sum()
    for c in range(1, len(train.CLASSES)):
        sel = mask & (bank["cls"] == c)
        if sel.any():
            w[sel] = 0.5 / (len(train.CLASSES) - 1) / sel.sum()
    return w


def refit(feats, labels, weights, w0, b0, pull, steps=200):
    x = torch.from_numpy(feats).float()
    y = torch.from_numpy(labels).long()
    sw = torch.from_numpy(weights).float()
    W = w0.detach().clone().requires_grad_(True)
    b = b0.detach().clone().requires_grad_(True)
    opt = torch.optim.LBFGS([W, b], max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = (F.cross_entropy(F.linear(x, W, b), y, reduction="none") * sw).sum() / sw.sum()
        loss = loss + pull * ((W - w0) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return W.detach(), b.detach()


def probs(bank, heads, mask):
    p = 0
    for n in range(2):
        W, b = heads[n]
        p = p + torch.softmax(F.linear(torch.from_numpy(bank["f%d" % n][mask]).float(), W, b), dim=1)
    return (p / 2).numpy()


def balanced(bank, heads, mask):
    """Crop-level balanced accuracy at 0.5 and ROC AUC (synthetic = 1 - p(authentic))."""
    p = probs(bank, heads, mask)
    synth = 1 - p[:, 0]
    real = bank["cls"][mask] == 0
    return 0.5 * ((synth[real] < 0.5).mean() + (synth[~real] >= 0.5).mean()), roc_auc(synth, (~real).astype(float))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--model", default="models/baseline/baseline.pt")
    ap.add_argument("--split", default="models/baseline/split.csv")
    ap.add_argument("--photos", default="models/eval_sets/wallpaper_photos.csv")
    ap.add_argument("--work", default="/tmp/synthscope-camera-head")
    ap.add_argument("--crops", type=int, default=2, help="augmented crops per train/val image")
    ap.add_argument("--photo-crops", type=int, default=24, help="augmented crops per camera photo (training)")
    ap.add_argument("--photo-plain", type=int, default=8, help="plain crops per camera photo (scoring)")
    ap.add_argument("--camera-weight", type=float, nargs="+", default=[0.1, 0.3])
    ap.add_argument("--pull", type=float, nargs="+", default=[1e-3, 1e-2])
    ap.add_argument("--export", default="", help="write the refit on --packages as DIR/baseline.pt")
    ap.add_argument("--packages", default="", help="the packages whose photos the exported refit uses (default all; none: no photo)")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    torch.set_num_threads(2)

    net = load_ensemble(args.model)
    bank = build_bank(args, net)
    shipped = [(h.weight.detach().clone(), h.bias.detach().clone()) for h in net.heads]
    is_train = bank["split"] == "train"
    is_val = bank["split"] == "val"
    camera_aug = bank["split"] == "camera"
    camera_plain = bank["split"] == "camera_plain"
    packages = sorted({d.split(":", 1)[1] for d in bank["dom"] if d.startswith("camera:")})

    def fit(camera_train, cw, pull):
        mask = is_train | camera_train
        w = sample_weights(bank, mask, camera_train, cw)
        return [refit(bank["f%d" % n][mask], bank["cls"][mask], w[mask], shipped[n][0], shipped[n][1], pull) for n in range(2)]

    ba0, auc0 = balanced(bank, shipped, is_val)
    print("shipped heads: val crops balanced accuracy %.3f (ROC AUC %.3f)" % (ba0, auc0))
    for pkg in packages:
        sel = camera_plain & (bank["dom"] == "camera:" + pkg)
        print("  %s: plain crops flagged %.3f" % (pkg, (1 - probs(bank, shipped, sel)[:, 0] >= 0.5).mean()))
    if not args.export:  # the cross-validation by package; an export only refits
        no_camera = np.zeros_like(is_train)
        for pull in args.pull:
            heads = fit(no_camera, 0, pull)
            ba, auc = balanced(bank, heads, is_val)
            print("refit without camera photos, pull %g: val %.3f (ROC AUC %.3f)" % (pull, ba, auc), flush=True)
            for cw in args.camera_weight:
                line, vals = [], []
                for pkg in packages:
                    held = "camera:" + pkg
                    heads = fit(camera_aug & (bank["dom"] != held), cw, pull)
                    sel = camera_plain & (bank["dom"] == held)
                    line.append("%s %.3f" % (pkg.split("-")[0], (1 - probs(bank, heads, sel)[:, 0] >= 0.5).mean()))
                    vals.append(balanced(bank, heads, is_val))
                print("  camera weight %g: held-out package flagged: %s; val %s" % (
                    cw, ", ".join(line), ", ".join("%.3f (%.3f)" % v for v in vals)), flush=True)

    if args.export:
        use = set() if args.packages == "none" else set(args.packages.split(",")) if args.packages else set(packages)
        camera_train = camera_aug & np.isin(bank["dom"], ["camera:" + p for p in use])
        heads = fit(camera_train, args.camera_weight[0], args.pull[0])
        with torch.no_grad():
            for n in range(2):
                net.heads[n].weight.copy_(heads[n][0])
                net.heads[n].bias.copy_(heads[n][1])
        os.makedirs(args.export, exist_ok=True)
        frozen = torch.jit.freeze(torch.jit.script(net.eval()))
        out = os.path.join(args.export, "baseline.pt")
        frozen.save(out)
        print("wrote %s (camera photos of %s, weight %g, pull %g)" % (out, ",".join(sorted(use)), args.camera_weight[0], args.pull[0]))


if __name__ == "__main__":
    main()
