#!/usr/bin/python3
"""Tried, not adopted: the classical frequency detector (residual power spectrum + logistic regression).

Each image's grey residual (pixel minus its 3x3 mean) is cut into 64-px tiles; their Hann-windowed power
spectra are averaged, log-scaled, pooled 2x2 and kept on one half-plane (the spectrum of a real signal is
point-symmetric): 544 features per image, centred on their mean so that overall noise level does not count.
Training images (train split of split.csv) are JPEG re-encoded twice at a random quality in [40, 100], both
classes alike, as train.py does; validation and test images are used as they are and at JPEG q65.
An L2-regularised logistic regression (balanced classes) detects, a multinomial one attributes among the
seven attribution/ generators; each regularisation strength is printed so the choice can be made on val.

Usage (from the project root; about 3 minutes on two cores):
  /usr/bin/python3 models/baseline/try_spectral_lr.py --data ../shared/data
"""
import argparse
import csv
import os
import random
import sys

import numpy as np
import torch
from PIL import Image
from scipy import ndimage

sys.dont_write_bytecode = True  # no __pycache__ in models/baseline
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate import jpeg_image, roc_auc  # noqa: E402
from train import ATTRIBUTION  # noqa: E402

TILE = 64
WINDOW = np.outer(np.hanning(TILE), np.hanning(TILE)).astype(np.float32)


def spectrum_features(rgb):
    grey = np.asarray(Image.fromarray(rgb).convert("L"), dtype=np.float32)
    residual = grey - ndimage.uniform_filter(grey, 3)
    power = np.zeros((TILE, TILE), np.float32)
    tiles = 0
    for y in range(0, residual.shape[0] - TILE + 1, TILE):
        for x in range(0, residual.shape[1] - TILE + 1, TILE):
            t = residual[y:y + TILE, x:x + TILE]
            power += np.abs(np.fft.fft2((t - t.mean()) * WINDOW)) ** 2
            tiles += 1
    logp = np.fft.fftshift(np.log(power / tiles + 1e-3))
    pooled = logp.reshape(TILE // 2, 2, TILE // 2, 2).mean((1, 3))
    f = pooled[:TILE // 4 + 1].ravel()
    return f - f.mean()


def fit_logistic(X, y, lam, classes):
    """L2 logistic regression by L-BFGS; binary (classes == 1, balanced weights) or multinomial."""
    Xt = torch.tensor(X, dtype=torch.float64)
    W = torch.zeros(X.shape[1], classes, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(classes, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([W, b], max_iter=500, line_search_fn="strong_wolfe")
    if classes == 1:
        yt = torch.tensor(y, dtype=torch.float64)
        w = torch.where(yt == 1, 0.5 / yt.mean(), 0.5 / (1 - yt.mean()))

        def data_loss():
            z = (Xt @ W + b)[:, 0]
            return (w * torch.nn.functional.binary_cross_entropy_with_logits(z, yt, reduction="none")).mean()
    else:
        yt = torch.tensor(y, dtype=torch.long)

        def data_loss():
            return torch.nn.functional.cross_entropy(Xt @ W + b, yt)

    def closure():
        opt.zero_grad()
        loss = data_loss() + lam * (W ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return lambda Z: (torch.tensor(Z, dtype=torch.float64) @ W + b).detach().numpy()


def balanced_accuracy(scores, fake, threshold):
    return ((scores[fake] >= threshold).mean() + (scores[~fake] < threshold).mean()) / 2


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--split", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "split.csv"))
    args = ap.parse_args()

    split = {r["file"]: r["split"] for r in csv.DictReader(open(args.split))}
    rows = list(csv.DictReader(open(os.path.join(args.data, "labels.csv"))))
    rng = random.Random(1)
    feats = []  # per image: [view 0, view 1]; train: two random JPEGs; val/test: original, JPEG q65
    for r in rows:
        with Image.open(os.path.join(args.data, r["file"])) as im:
            rgb = np.asarray(im.convert("RGB"), dtype=np.uint8)
        if split[r["file"]] == "train":
            views = [jpeg_image(rgb, rng.randint(40, 100)) for _ in range(2)]
        else:
            views = [rgb, jpeg_image(rgb, 65)]
        feats.append([spectrum_features(v) for v in views])
    X = np.array(feats)
    which = np.array([split[r["file"]] for r in rows])
    fake = np.array([r["label"] == "fake" for r in rows])
    family = np.array([r["file"].split("/")[0] for r in rows])
    gen = np.array([ATTRIBUTION.index(r["generator"]) if r["file"].startswith("attribution/") else -1 for r in rows])
    tr, va, te = which == "train", which == "val", which == "test"

    Xtr = np.concatenate([X[tr, 0], X[tr, 1]])
    mu, sd = Xtr.mean(0), Xtr.std(0) + 1e-6
    Z = (X - mu) / sd
    print("detection (threshold balanced on val); same-source AUC on test originals")
    for lam in (1e-4, 1e-3, 1e-2, 1e-1):
        score = fit_logistic(np.concatenate([Z[tr, 0], Z[tr, 1]]), np.concatenate([fake[tr], fake[tr]]), lam, 1)
        sv = score(Z[va, 0])[:, 0]
        threshold = max(np.sort(sv), key=lambda t: balanced_accuracy(sv, fake[va], t))
        line = [f"lambda {lam:g}: val AUC {roc_auc(sv, fake[va]):.3f}"]
        for view, name in ((0, "original"), (1, "q65")):
            st = score(Z[te, view])[:, 0]
            line.append(f"{name} AUC {roc_auc(st, fake[te]):.3f} bal.acc {balanced_accuracy(st, fake[te], threshold):.3f}")
        st = score(Z[te, 0])[:, 0]
        for fam in ("faces", "binary", "dif"):
            m = family[te] == fam
            line.append(f"{fam} {roc_auc(st[m], fake[te][m]):.3f}")
        print("  " + "; ".join(line))
    print(f"attribution top-1 among {len(ATTRIBUTION)} generators")
    att = gen >= 0
    for lam in (1e-4, 1e-3, 1e-2, 1e-1):
        m = tr & att
        predict = fit_logistic(np.concatenate([Z[m, 0], Z[m, 1]]), np.concatenate([gen[m], gen[m]]), lam, len(ATTRIBUTION))
        line = [f"lambda {lam:g}:"]
        for name, m in (("val", va & att), ("test", te & att)):
            for view, cond in ((0, "original"), (1, "q65")):
                line.append(f"{name} {cond} {(predict(Z[m, view]).argmax(1) == gen[m]).mean():.3f}")
        print("  " + " ".join(line))


if __name__ == "__main__":
    main()
