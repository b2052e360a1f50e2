#!/usr/bin/python3
"""Fits the verdict's calibration with the generator fingerprints' evidence (the shipped baseline's).

The verdict today is Platt-calibrated from the detector alone: p = sigmoid(a * logit(raw) + c), where raw
is the top-5 mean synthetic probability. This measures the same logistic calibration with fingerprint
evidence as extra terms, fitted on the validation split (classes weighted 50/50, as evaluate.py fits the
shipped calibration) and measured once on the held-out test split and on the camera-resolution wallpaper
photos and digital-art wallpapers of models/eval_sets:

    p = sigmoid(a * logit(raw) + b1 * E_stylegan2 + b2 * E_art [+ b3 * E_binary] + c)

E_g is a fingerprint's log-likelihood ratio fake / real (`synthscope fingerprint attribute`'s evidence);
E_art is the log of the mean likelihood ratio over the seven art generators' fingerprints (a mixture);
E_binary needs a fingerprint of binary/'s unnamed diffusion model, which this script builds from the
train split when --binary is given (it is not shipped). Every score comes from the C++ engine
(`synthscope analyze --verdict-only --json` for raw, `synthscope fingerprint attribute --json` for the
evidence); the script only fits and scores.

    /usr/bin/python3 models/baseline/fit_verdict_fingerprints.py --synthscope build/app/synthscope [--binary]
        [--write-manifest models/baseline/baseline.json]

--write-manifest puts the fit (without --binary: the shipped library has no binary fingerprint) into the
manifest's verdict.calibration, where the engine applies it (ImageAnalyzer::fingerprintTermsFor).
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate import roc_auc  # noqa: E402  (one ROC AUC for the recipes: ties count one half)

ART = ["dalle_mini", "disco_diffusion", "glid3xl", "ldm", "midjourney_2022", "sd_dreamstudio_2022", "vqgan"]


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def scores(args, name, files, libraries):
    """raw verdict probability and fingerprint evidence per file, cached in --work."""
    an = os.path.join(args.work, "analyze_%s.json" % name)
    if not os.path.exists(an):
        run([args.synthscope, "analyze", "--model", args.model, "--verdict-only", "--quiet", "--json", an] + files)
    raw = {r["image"]["path"]: r["verdict"]["raw_synthetic_probability"] for r in json.load(open(an))["results"]}
    evidence = {f: {} for f in raw}
    for i, lib in enumerate(libraries):
        fp = os.path.join(args.work, "fingerprints%d_%s.json" % (i, name))
        if not os.path.exists(fp):
            run([args.synthscope, "fingerprint", "attribute", "--library", lib, "--top", "100", "--json", fp] + files)
        for r in json.load(open(fp))["results"]:
            if r["path"] in evidence:
                evidence[r["path"]].update({m["generator"]: m["evidence"] for m in r["ranking"]})
    return raw, evidence


def features(raw, evidence, paths, binary):
    p = np.clip(np.array([raw[f] for f in paths]), 1e-6, 1 - 1e-6)
    cols = [np.log(p / (1 - p)),
            np.array([evidence[f]["stylegan2"] for f in paths]),
            np.array([np.log(np.mean([np.exp(evidence[f][g]) for g in ART])) for f in paths])]
    if binary:
        cols.append(np.array([evidence[f]["binary_diffusion"] for f in paths]))
    return np.stack(cols, 1)


def fit(X, y, l2):
    """Logistic regression by Newton's method, classes weighted 50/50."""
    X = np.c_[X, np.ones(len(X))]
    w = np.zeros(X.shape[1])
    sw = np.where(y == 1, 0.5 / y.sum(), 0.5 / (1 - y).sum()) * len(y)
    for _ in range(50):
        p = 1 / (1 + np.exp(-X @ w))
        grad = X.T @ (sw * (p - y)) + l2 * w
        hess = (X.T * (sw * p * (1 - p))) @ X + l2 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    return w


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--synthscope", default="build/app/synthscope")
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--model", default="models/baseline/baseline.json")
    ap.add_argument("--fingerprints", default="models/fingerprints")
    ap.add_argument("--split", default="models/baseline/split.csv")
    ap.add_argument("--work", default="/tmp/synthscope-verdict-fingerprints")
    ap.add_argument("--binary", action="store_true", help="also build and use a fingerprint of binary/'s diffusion model")
    ap.add_argument("--l2", type=float, default=10.0, help="ridge penalty of the fit (1e-3 and 10 were tried)")
    ap.add_argument("--write-manifest", default="", help="write the fit into this manifest's verdict.calibration")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    data = os.path.abspath(args.data)
    rows = {os.path.join(data, r["file"]): r for r in csv.DictReader(open(os.path.join(data, "labels.csv")))}
    split = {os.path.join(data, r["file"]): r["split"] for r in csv.DictReader(open(args.split))}
    libraries = [args.fingerprints]
    if args.binary:
        lib = os.path.join(args.work, "binary_library")
        if not os.path.exists(os.path.join(lib, "binary_diffusion.npy")):
            for label in ("fake", "real"):
                d = os.path.join(args.work, "binary_%s_train" % label)
                os.makedirs(d, exist_ok=True)
                for f, s in split.items():
                    if s == "train" and "/binary/%s/" % label in f and not os.path.exists(os.path.join(d, os.path.basename(f))):
                        os.symlink(f, os.path.join(d, os.path.basename(f)))
            run([args.synthscope, "fingerprint", "build", "--fakes", os.path.join(args.work, "binary_fake_train"),
                 "--reals", os.path.join(args.work, "binary_real_train"), "--name", "binary_diffusion", "--out", lib,
                 "--method", "mean", "--residual", "highpass", "--clip", "3"])
        libraries.append(lib)

    sets = {}
    for name in ("val", "test"):
        files = sorted(f for f, s in split.items() if s == name)
        raw, ev = scores(args, name, files, libraries)
        sets[name] = (features(raw, ev, files, args.binary), np.array([rows[f]["label"] == "fake" for f in files], float),
                      [os.path.relpath(f, data).rsplit("/", 1)[0] for f in files])
    for name in ("wallpaper_photos", "wallpaper_graphics"):
        with open(os.path.join("models/eval_sets", name + ".csv")) as fh:
            listed = [r for r in csv.DictReader(fh) if os.path.exists(r["file"])]
        files = [r["file"] for r in listed]
        if files:
            raw, ev = scores(args, name, files, libraries)
            sets[name] = (features(raw, ev, files, args.binary), np.zeros(len(files)), [r["source"] for r in listed])

    Xv, yv, _ = sets["val"]
    if args.write_manifest:
        if args.binary:
            sys.exit("--write-manifest: the binary fingerprint is not in the shipped library; fit without --binary")
        w = fit(Xv, yv, args.l2)
        with open(args.write_manifest) as fh:
            manifest = json.load(fh)
        library = os.path.relpath(os.path.abspath(args.fingerprints), os.path.dirname(os.path.abspath(args.write_manifest)))
        manifest.setdefault("verdict", {})["calibration"] = {
            "method": "platt", "slope": round(float(w[0]), 6), "intercept": round(float(w[3]), 6),
            "fingerprints": {"library": library, "terms": [
                {"generators": ["stylegan2"], "weight": round(float(w[1]), 6)},
                {"generators": ART, "weight": round(float(w[2]), 6)}]},
            "fitted_on": "val split of models/baseline/split.csv (%d images), with the fingerprints of %s, classes weighted 50/50, "
                         "ridge %g; models/baseline/fit_verdict_fingerprints.py, %s" % (len(yv), args.fingerprints, args.l2,
                                                                                        time.strftime("%Y-%m-%d"))}
        with open(args.write_manifest, "w") as fh:
            json.dump(manifest, fh, indent=2)
            fh.write("\n")
        print("wrote the calibration into %s" % args.write_manifest)
    for label, cols in (("detector alone (the shipped calibration's form)", [0]), ("with the fingerprints", list(range(Xv.shape[1])))):
        w = fit(Xv[:, cols], yv, args.l2 if len(cols) > 1 else 1e-3)
        names = (["logit", "stylegan2", "art mixture"] + (["binary"] if args.binary else []))[:len(cols)] + ["intercept"]
        print("%s: weights %s" % (label, ", ".join("%s %.3f" % (n, v) for n, v in zip(names, w))))
        for name, (X, y, folder) in sets.items():
            z = np.c_[X[:, cols], np.ones(len(X))] @ w
            flagged = z > 0
            if name.startswith("wallpaper"):
                by_package = ", ".join("%s %d/%d" % (pkg, flagged[[f == pkg for f in folder]].sum(), folder.count(pkg))
                                       for pkg in sorted(set(folder)))
                print("  %-20s flagged %.3f (n=%d: %s)" % (name, flagged.mean(), len(y), by_package))
                continue
            tpr, fpr = flagged[y == 1].mean(), flagged[y == 0].mean()
            pairs = ""
            for pair in ("faces", "binary"):
                m = np.array([f.startswith(pair + "/") for f in folder])
                pairs += "  %s AUC %.3f" % (pair, roc_auc(z[m], y[m]))
            print("  %-20s balanced accuracy %.3f  ROC AUC %.3f  TPR %.3f  FPR %.3f%s"
                  % (name, 0.5 * (tpr + 1 - fpr), roc_auc(z, y), tpr, fpr, pairs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
