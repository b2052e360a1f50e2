#!/usr/bin/python3
"""How the image verdict should be made from patch probabilities: an ablation on the validation split.

For every image of the chosen split, every patch of the engine's grid is scored once (and once more
flipped horizontally); the script then prints the ROC AUC of the image score made from the top-k GLCM
patches for several k (0 = all patches), as a mean of probabilities or of logits, with and without the
flipped copy, overall and per source (faces, binary, the rest). AUC needs no threshold, so no
calibration is involved. Used to decide whether to leave the SuSy policy (top 5); see README.md.

Usage (from the project root):
  /usr/bin/python3 models/baseline/ablate_aggregation.py --which val
"""
import argparse
import csv
import os
import sys
import time

import numpy as np
import torch
from PIL import Image

sys.dont_write_bytecode = True  # no __pycache__ in models/baseline
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate import grid_patches, jpeg_image, roc_auc  # noqa: E402

SOURCES = {
    "faces": lambda f: f.startswith("faces/"),
    "binary": lambda f: f.startswith("binary/"),
    "rest": lambda f: not (f.startswith("faces/") or f.startswith("binary/")),
}


def patch_scores(model, rgb, P):
    """Synthetic probability of every grid patch, plain and flipped, and the patches' GLCM contrasts."""
    patches, contrast = grid_patches(rgb, P)
    x = torch.from_numpy(patches.astype(np.float32) / 255.0).permute(0, 3, 1, 2).contiguous()
    with torch.no_grad():
        plain = torch.cat([model(x[i:i + 64]) for i in range(0, len(x), 64)])
        flipped = torch.cat([model(torch.flip(x[i:i + 64], dims=[3])) for i in range(0, len(x), 64)])
    return (1 - plain[:, 0]).numpy(), (1 - flipped[:, 0]).numpy(), np.array(contrast)


def image_score(syn, contrast, k, mode):
    order = np.argsort(-contrast, kind="stable")  # ties by index, as the engine
    sel = syn[order[:k]] if k else syn
    if mode == "logit":
        p = np.clip(sel, 1e-6, 1 - 1e-6)
        return float(1 / (1 + np.exp(-np.mean(np.log(p / (1 - p))))))
    return float(np.mean(sel))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--model", default="models/baseline/baseline.pt")
    ap.add_argument("--split", default="models/baseline/split.csv")
    ap.add_argument("--which", default="val", help="split to measure on (choose on val, never on test)")
    ap.add_argument("--quality", default="orig", help="orig, or a JPEG quality to re-encode at first")
    ap.add_argument("--patch", type=int, default=96)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = torch.jit.load(args.model).eval()
    with open(args.split, newline="") as fh:
        split = {r["file"]: r["split"] for r in csv.DictReader(fh)}
    with open(os.path.join(args.data, "labels.csv"), newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if split.get(r["file"]) == args.which]

    t0 = time.time()
    scored = []
    for r in rows:
        with Image.open(os.path.join(args.data, r["file"])) as im:
            rgb = np.asarray(im.convert("RGB"), dtype=np.uint8)
        if args.quality != "orig":
            rgb = jpeg_image(rgb, int(args.quality))
        scored.append((r["file"], r["label"] == "fake") + patch_scores(model, rgb, args.patch))
    print("%d images of the %s split scored in %.0f s; median %d patches per image"
          % (len(scored), args.which, time.time() - t0, np.median([len(s[2]) for s in scored])))

    fake = [s[1] for s in scored]
    for flip in (False, True):
        for mode in ("mean", "logit"):
            for k in (1, 3, 5, 10, 20, 0):
                score = [image_score((s[2] + s[3]) / 2 if flip else s[2], s[4], k, mode) for s in scored]
                per_source = []
                for name, belongs in SOURCES.items():
                    idx = [i for i, s in enumerate(scored) if belongs(s[0])]
                    per_source.append("%s %.3f" % (name, roc_auc([score[i] for i in idx], [fake[i] for i in idx])))
                print("flip %-3s %-5s top-%-3s AUC %.3f | %s" % ("yes" if flip else "no", mode, k or "all",
                                                                 roc_auc(score, fake), "  ".join(per_source)))


if __name__ == "__main__":
    sys.exit(main())
