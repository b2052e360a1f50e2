#!/usr/bin/python3
"""Tried, not adopted: hand-made noise features for attribution alone (the seven attribution/ generators).

Per image: the grey residual's power spectrum (64-px Hann tiles, half-overlapping, log, on one half-plane)
at full resolution ("full") and pooled 2x2 ("pooled"); the spectra of the two chroma residuals (B - grey,
R - grey; "chroma"); per-channel residual spread, kurtosis and cross-channel correlation ("stats").
A multinomial L2 logistic regression is trained on attribution/'s train split of split.csv, either on the
original PNGs or on them plus JPEG 90 and 65 copies; its regularisation is chosen on val; top-1 accuracy
is reported on the test split at original files, JPEG 90 and JPEG 65.

Usage (from the project root; about 4 minutes on two cores):
  /usr/bin/python3 models/baseline/try_attribution_features.py --data ../shared/data
"""
import argparse
import csv
import io
import os
import sys

import numpy as np
from PIL import Image
from scipy import ndimage

sys.dont_write_bytecode = True  # no __pycache__ in models/baseline
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from try_spectral_lr import TILE, WINDOW, fit_logistic  # noqa: E402

QUALITIES = {"orig": None, "q90": 90, "q65": 65}
FEATURE_SETS = (["pooled"], ["full"], ["stats"], ["chroma"], ["full", "chroma", "stats"])


def jpeg(img, q):
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=q)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def log_spectrum(channel):
    residual = channel - ndimage.uniform_filter(channel, 3)
    power, tiles = np.zeros((TILE, TILE)), 0
    for y in range(0, residual.shape[0] - TILE + 1, TILE // 2):
        for x in range(0, residual.shape[1] - TILE + 1, TILE // 2):
            t = residual[y:y + TILE, x:x + TILE]
            power += np.abs(np.fft.fft2((t - t.mean()) * WINDOW)) ** 2
            tiles += 1
    return np.fft.fftshift(np.log(power / tiles + 1e-3))


def centred(v):
    return v - v.mean()


def features(img):
    rgb = np.asarray(img, np.float32)
    grey = np.asarray(img.convert("L"), np.float32)
    s = log_spectrum(grey)
    chroma = np.concatenate([log_spectrum(rgb[..., 2] - grey)[:TILE // 2 + 1].ravel(),
                             log_spectrum(rgb[..., 0] - grey)[:TILE // 2 + 1].ravel()])
    res = [c - ndimage.uniform_filter(c, 3) for c in (rgb[..., 0], rgb[..., 1], rgb[..., 2])]
    spread = [np.log(r.std() + 1e-3) for r in res]
    corr = [np.corrcoef(res[i].ravel(), res[j].ravel())[0, 1] for i, j in ((0, 1), (0, 2), (1, 2))]
    kurt = [np.log(((r - r.mean()) ** 4).mean() / (r.var() ** 2 + 1e-9)) for r in res]
    return {"full": centred(s[:TILE // 2 + 1].ravel()),
            "pooled": centred(s.reshape(TILE // 2, 2, TILE // 2, 2).mean((1, 3))[:TILE // 4 + 1].ravel()),
            "chroma": centred(chroma),
            "stats": np.array(spread + corr + kurt)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--split", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "split.csv"))
    args = ap.parse_args()
    split = {r["file"]: r["split"] for r in csv.DictReader(open(args.split))}
    rows = [r for r in csv.DictReader(open(os.path.join(args.data, "labels.csv"))) if r["file"].startswith("attribution/")]
    gens = sorted({r["generator"] for r in rows})
    items = []
    for r in rows:
        img = Image.open(os.path.join(args.data, r["file"])).convert("RGB")
        items.append({"gen": gens.index(r["generator"]), "split": split[r["file"]],
                      **{cond: features(jpeg(img, q) if q else img) for cond, q in QUALITIES.items()}})
    print("images:", {s: sum(i["split"] == s for i in items) for s in ("train", "val", "test")}, flush=True)

    def matrix(which, cond, keys):
        chosen = [i for i in items if i["split"] == which]
        return np.array([np.concatenate([i[cond][k] for k in keys]) for i in chosen]), np.array([i["gen"] for i in chosen])

    for keys in FEATURE_SETS:
        for train_conds in (["orig"], ["orig", "q90", "q65"]):
            parts = [matrix("train", c, keys) for c in train_conds]
            X, y = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
            mu, sd = X.mean(0), X.std(0) + 1e-6
            Xv, yv = matrix("val", "orig", keys)
            best = None
            for lam in (1e-4, 1e-3, 1e-2, 1e-1):
                predict = fit_logistic((X - mu) / sd, y, lam, len(gens))
                acc = (predict((Xv - mu) / sd).argmax(1) == yv).mean()
                if best is None or acc > best[0]:
                    best = (acc, lam, predict)
            acc, lam, predict = best
            test = []
            for cond in QUALITIES:
                Xt, yt = matrix("test", cond, keys)
                test.append((predict((Xt - mu) / sd).argmax(1) == yt).mean())
            print(f"{'+'.join(keys):20s} trained on {'+'.join(train_conds):12s} lambda {lam:g}  val {acc:.3f}  "
                  f"test original {test[0]:.3f}  q90 {test[1]:.3f}  q65 {test[2]:.3f}", flush=True)


if __name__ == "__main__":
    main()
