#!/usr/bin/python3
"""Tried, not adopted: the look's network as a real/fake detector, alone and as a term of the verdict.

The same MobileNetV2 stages as fit_look.py (mobilenet_v2_nsfwjs.py), pooled, but over the image's native
centre 224x224 crop (no resize: generator traces survive; images under 224 px are enlarged, bicubic), in
[-1, 1]. Train split: each image as it is and once as JPEG at a random quality in [40, 100], both classes
alike; val and test: as they are and at JPEG q65 (Pillow). A logistic regression (classes weighted 50/50,
ridge on the weights: 10, 100, 1000 printed) is trained on the train split and measured on val, test and
the wallpaper sets of models/eval_sets. Then its score joins 0.4's verdict terms (the raw logit and the
fingerprint evidence, from fit_verdict_fingerprints.py's cache of the C++ engine's scores) in a logistic
calibration, five-fold cross-validated on val (5 repeats) and fitted on val for the test split.

    /usr/bin/python3 models/baseline/fit_verdict_fingerprints.py --work /tmp/synthscope-verdict-fingerprints
    /usr/bin/python3 models/look/try_look_verdict.py [--ridge 100]       # 10.5 min on two cores
"""
import argparse
import csv
import io
import os
import random
import sys

import numpy as np
import torch
from PIL import Image

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "baseline"))
import fit_verdict_fingerprints as verdict  # noqa: E402
import mobilenet_v2_nsfwjs  # noqa: E402
from evaluate import roc_auc  # noqa: E402
from fit_look import STAGES  # noqa: E402


def centre_crop(im):
    w, h = im.size
    if min(w, h) < 224:
        s = 224 / min(w, h)
        im = im.resize((max(224, round(w * s)), max(224, round(h * s))), Image.BICUBIC)
        w, h = im.size
    x, y = (w - 224) // 2, (h - 224) // 2
    return np.asarray(im.crop((x, y, x + 224, y + 224)))


def fit_detector(X, y, ridge):
    """Logistic regression by Newton's method, classes weighted 50/50, ridge on the weights (not the bias)."""
    X = np.c_[X, np.ones(len(X))]
    w = np.zeros(X.shape[1])
    sw = np.where(y == 1, 0.5 / y.sum(), 0.5 / (1 - y).sum()) * len(y)
    penalty = np.r_[np.ones(len(w) - 1), 1e-6]
    for _ in range(30):
        p = 1 / (1 + np.exp(-np.clip(X @ w, -30, 30)))
        step = np.linalg.solve((X.T * (sw * p * (1 - p))) @ X + ridge * np.diag(penalty),
                               X.T @ (sw * (p - y)) + ridge * np.r_[w[:-1], 0])
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w


def jpeg(im, q):
    b = io.BytesIO()
    im.save(b, "JPEG", quality=q)
    b.seek(0)
    return Image.open(b).convert("RGB")


def crop_features(work, data_dir, split_csv):
    """The native centre crops' pooled features of every image of split_csv and of the wallpaper sets, cached
    in work: (paths, splits, tags, standardised features, fake?, source folder). Train images come once as
    they are and once as JPEG at a random quality in [40, 100]; the others as they are and at JPEG q65."""
    data = os.path.realpath(data_dir)
    split = {os.path.join(data, r["file"]): r["split"] for r in csv.DictReader(open(split_csv))}
    items = list(split.items())
    for name in ("wallpaper_photos", "wallpaper_graphics"):
        items += [(r["file"], name) for r in csv.DictReader(open(os.path.join(HERE, "..", "eval_sets", name + ".csv")))
                  if os.path.exists(r["file"])]
    label = {os.path.join(data, r["file"]): r["label"] == "fake" for r in csv.DictReader(open(os.path.join(data, "labels.csv")))}

    cache = os.path.join(work, "verdict_crop_features.npz")
    if not os.path.exists(cache):
        net = mobilenet_v2_nsfwjs.load(work, STAGES)
        rng = random.Random(0)
        keys, feats, batch = [], [], []

        def flush():
            if batch:
                x = torch.tensor(np.stack(batch)).permute(0, 3, 1, 2).float() / 127.5 - 1
                with torch.no_grad():
                    feats.extend(torch.cat([o.mean((2, 3)) for o in net(x)], 1).numpy())
                batch.clear()
        for n, (path, s) in enumerate(items):
            im = Image.open(path).convert("RGB")
            variants = [("original", im), ("jpeg", jpeg(im, rng.randint(40, 100)))] if s == "train" else \
                [("original", im), ("q65", jpeg(im, 65))]
            for tag, v in variants:
                batch.append(centre_crop(v))
                keys.append((path, s, tag))
            if len(batch) >= 32:
                flush()
            if n % 500 == 0:
                print("features: %d of %d images" % (n, len(items)), flush=True)
        flush()
        np.savez(cache, paths=[k[0] for k in keys], splits=[k[1] for k in keys], tags=[k[2] for k in keys],
                 feats=np.array(feats, np.float32))
    z = np.load(cache)
    paths, splits, tags, X = list(z["paths"]), z["splits"], z["tags"], z["feats"]
    y = np.array([label.get(p, False) for p in paths], float)
    source = np.array([os.path.relpath(p, data).split("/")[0] if p.startswith(data) else "wallpaper" for p in paths])
    train = splits == "train"
    X = (X - X[train].mean(0)) / (X[train].std(0) + 1e-6)
    return paths, splits, tags, X, y, source, split, label


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default="/tmp/synthscope-look")
    ap.add_argument("--verdict-work", default="/tmp/synthscope-verdict-fingerprints", help="fit_verdict_fingerprints.py's --work")
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "shared", "data"))
    ap.add_argument("--split", default=os.path.join(HERE, "..", "baseline", "split.csv"))
    ap.add_argument("--ridge", type=float, default=100.0, help="the one joined to the verdict (chosen on val: 100)")
    args = ap.parse_args()
    torch.set_num_threads(2)
    paths, splits, tags, X, y, source, split, label = crop_features(args.work, args.data, args.split)
    train = splits == "train"

    scores = {}
    for ridge in sorted({10.0, 100.0, 1000.0, args.ridge}):
        w = fit_detector(X[train], y[train], ridge)
        s = np.c_[X, np.ones(len(X))] @ w
        scores[ridge] = s
        print("ridge %g (features alone):" % ridge)
        for part in ("val", "test"):
            for tag in ("original", "q65"):
                m = (splits == part) & (tags == tag)
                fl = s[m] > 0
                pairs = "  ".join("%s AUC %.3f" % (p, roc_auc(s[m][source[m] == p], y[m][source[m] == p])) for p in ("faces", "binary", "dif"))
                print("  %-4s %-8s balanced accuracy %.3f  ROC AUC %.3f  %s" % (
                    part, tag, 0.5 * (fl[y[m] == 1].mean() + 1 - fl[y[m] == 0].mean()), roc_auc(s[m], y[m]), pairs))
        for part in ("wallpaper_photos", "wallpaper_graphics"):
            m = (splits == part) & (tags == "original")
            print("  %s flagged %.3f (n=%d)" % (part, (s[m] > 0).mean(), m.sum()))

    # Joined to 0.4's verdict terms (the engine's scores), the features' score as one more term.
    look = {(p, t): v for p, t, v in zip(paths, tags, scores[args.ridge])}

    class Cached:  # fit_verdict_fingerprints.scores reads its cache with these
        work, synthscope, model = args.verdict_work, "", ""
    sets = {}
    for part in ("val", "test"):
        files = sorted(f for f, s in split.items() if s == part)
        raw, ev = verdict.scores(Cached, part, files, [os.path.join(HERE, "..", "fingerprints")])
        sets[part] = (np.c_[verdict.features(raw, ev, files, False), [look[(f, "original")] for f in files]],
                      np.array([label[f] for f in files], float))
    for part in ("wallpaper_photos", "wallpaper_graphics"):
        files = list(dict.fromkeys(p for p, s in zip(paths, splits) if s == part))
        raw, ev = verdict.scores(Cached, part, files, [os.path.join(HERE, "..", "fingerprints")])
        sets[part] = (np.c_[verdict.features(raw, ev, files, False), [look[(f, "original")] for f in files]], np.zeros(len(files)))
    Xv, yv = sets["val"]
    rng = np.random.default_rng(0)
    for cols, name in (([0, 1, 2], "0.4's terms"), ([0, 1, 2, 3], "0.4's terms + the look's score")):
        accuracies = []
        for _ in range(5):
            idx = rng.permutation(len(yv))
            pred = np.zeros(len(yv))
            for fold in np.array_split(idx, 5):
                rest = np.setdiff1d(idx, fold)
                w = verdict.fit(Xv[rest][:, cols], yv[rest], 10.0)
                pred[fold] = np.c_[Xv[fold][:, cols], np.ones(len(fold))] @ w
            fl = pred > 0
            accuracies.append(0.5 * (fl[yv == 1].mean() + 1 - fl[yv == 0].mean()))
        w = verdict.fit(Xv[:, cols], yv, 10.0)
        print("%s: val balanced accuracy, 5-fold CV x5: %.3f" % (name, np.mean(accuracies)))
        for part in ("test", "wallpaper_photos", "wallpaper_graphics"):
            Xs, ys = sets[part]
            s = np.c_[Xs[:, cols], np.ones(len(Xs))] @ w
            fl = s > 0
            if part == "test":
                print("  test balanced accuracy %.3f  ROC AUC %.3f" % (0.5 * (fl[ys == 1].mean() + 1 - fl[ys == 0].mean()), roc_auc(s, ys)))
            else:
                print("  %s flagged %.3f" % (part, fl.mean()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
