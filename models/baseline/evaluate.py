#!/usr/bin/python3
"""Evaluate a SynthScope TorchScript patch detector on the held-out split with the engine's policy.

Policy (as engine/patch_grid.cpp, engine/glcm.cpp): the full-resolution image (reflect-padded if a side
is smaller than P) is cut into ceil(L/P) patches per axis, first at 0, last ending at L, the rest spread
evenly; every patch goes through the model (float32 NCHW RGB in [0,1]); GLCM contrast of each patch
(PIL-rounded ITU-R 601 grey, skimage graycomatrix distance 5, angle 0, 256 levels, symmetric, normed)
ranks the patches; the verdict is the mean synthetic probability (1 - p(authentic)) over the top-k.
Attribution = argmax over the 7 attribution generator classes of the mean top-k probability vector.

Conditions: the original files, and the whole image re-encoded as JPEG 90, 65 and 40 (PIL, 4:2:0).

Usage:
  nice -n 10 /usr/bin/python3 models/baseline/evaluate.py --data ../shared/data \
      --model models/baseline/baseline.pt --manifest models/baseline/baseline.json \
      --split models/baseline/split.csv --out models/baseline/eval_results.json --update-manifest
"""
import argparse
import csv
import io
import json
import os
import sys
import time

import numpy as np
import torch
from PIL import Image
from skimage.feature import graycomatrix, graycoprops

sys.dont_write_bytecode = True  # no __pycache__ in models/baseline
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import ATTRIBUTION, class_of, domain_of  # noqa: E402


def axis_positions(length, patch):
    n = (length - patch + patch - 1) // patch + 1
    if n == 1:
        return [0]
    return [int(np.floor(i * (length - patch) / (n - 1) + 0.5)) for i in range(n)]


def grey_pil(rgb):
    r, g, b = (rgb[..., i].astype(np.uint32) for i in range(3))
    return ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16).astype(np.uint8)


def glcm_contrast(grey8):
    m = graycomatrix(grey8, [5], [0], levels=256, symmetric=True, normed=True)
    return float(graycoprops(m, "contrast")[0, 0])


def jpeg_image(rgb, q):
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=int(q))
    buf.seek(0)
    with Image.open(buf) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def grid_patches(rgb, P):
    """The engine's patch grid: an image smaller than a patch padded by reflection, then the P x P patches
    of the minimal-overlap grid (uint8 N x P x P x 3) and each one's GLCM contrast."""
    h, w = rgb.shape[:2]
    if h < P or w < P:
        rgb = np.pad(rgb, ((0, max(0, P - h)), (0, max(0, P - w)), (0, 0)), mode="reflect")
        h, w = rgb.shape[:2]
    grey = grey_pil(rgb)
    patches, contrasts = [], []
    for y in axis_positions(h, P):
        for x in axis_positions(w, P):
            patches.append(rgb[y:y + P, x:x + P])
            contrasts.append(glcm_contrast(np.ascontiguousarray(grey[y:y + P, x:x + P])))
    return np.stack(patches), contrasts


def analyse(model, rgb, P, top_k, batch):
    patches, contrasts = grid_patches(rgb, P)
    x = torch.from_numpy(patches.astype(np.float32) / 255.0).permute(0, 3, 1, 2).contiguous()
    with torch.no_grad():
        prob = torch.cat([model(x[i:i + batch]) for i in range(0, len(x), batch)]).numpy()
    order = sorted(range(len(contrasts)), key=lambda i: -contrasts[i])[:top_k]  # stable: ties by index
    sel = prob[order]
    return {
        "syn": float(np.mean(1.0 - sel[:, 0])),
        "mean_prob": sel.mean(0),
        "syn_all_patches": float(np.mean(1.0 - prob[:, 0])),
        "n_patches": len(patches),
    }


def logit(p):
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)  # as engine/model_manifest.cpp
    return np.log(p / (1 - p))


def apply_calibration(cal, raw):
    """The manifest's verdict.calibration, exactly as the engine applies it (VerdictCalibration::apply)."""
    if not cal:
        return float(raw)
    return float(1.0 / (1.0 + np.exp(-(cal["slope"] * logit(raw) + cal["intercept"]))))


def fit_platt(raw, fake):
    """Platt scaling with both classes weighted equally (a 50/50 prior): Newton's method on the weighted
    logistic loss of z = logit(raw). Returns (slope, intercept)."""
    z = logit(raw)
    y = np.asarray(fake, dtype=np.float64)
    w = np.where(y > 0, 0.5 / max(1, y.sum()), 0.5 / max(1, (1 - y).sum()))
    a, b = 1.0, 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-(a * z + b)))
        g = np.array([np.sum(w * (p - y) * z), np.sum(w * (p - y))])
        h = np.sum(w * p * (1 - p))
        H = np.array([[np.sum(w * p * (1 - p) * z * z), np.sum(w * p * (1 - p) * z)],
                      [np.sum(w * p * (1 - p) * z), h]]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(H, g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-10:
            break
    return float(a), float(b)


def roc_auc(scores, labels):
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=bool)
    n_pos, n_neg = y.sum(), (~y).sum()
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    i = 0
    while i < len(s):  # average ranks for ties
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i:j + 1]] = 0.5 * (i + j) + 1
        i = j + 1
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def r3(v):
    return None if v is None else round(float(v), 3)


def metrics(recs, classes, band):
    y = np.array([r["fake"] for r in recs])
    s = np.array([r["syn"] for r in recs])
    tpr = float(np.mean(s[y] > 0.5)) if y.any() else None
    tnr = float(np.mean(s[~y] <= 0.5)) if (~y).any() else None
    out = {
        "n_images": int(len(recs)), "n_fake": int(y.sum()), "n_real": int((~y).sum()),
        "balanced_accuracy": r3(0.5 * (tpr + tnr)) if tpr is not None and tnr is not None else None,
        "tpr_fake": r3(tpr), "tnr_real": r3(tnr),
        "roc_auc": r3(roc_auc(s, y)),
        "inconclusive_rate": r3(np.mean((s >= band[0]) & (s <= band[1]))),
        "roc_auc_all_patches_mean": r3(roc_auc([r["syn_all_patches"] for r in recs], y)),
    }
    gens = sorted({r["generator"] for r in recs if r["fake"]})
    out["recall_per_generator"] = {
        g: {"recall": r3(np.mean([r["syn"] > 0.5 for r in recs if r["fake"] and r["generator"] == g])),
            "n": sum(1 for r in recs if r["fake"] and r["generator"] == g)} for g in gens}
    doms = sorted({r["domain"] for r in recs if not r["fake"]})
    out["specificity_per_real_source"] = {
        d: {"tnr": r3(np.mean([r["syn"] <= 0.5 for r in recs if not r["fake"] and r["domain"] == d])),
            "n": sum(1 for r in recs if not r["fake"] and r["domain"] == d)} for d in doms}
    # content-matched pairs: real and fake of the same origin (no content shortcut possible)
    pairs = {"faces (faces/real vs stylegan2)": ("faces/real", "faces/fake"),
             "binary (binary/real vs binary/fake)": ("binary/real", "binary/fake"),
             "dif (dif 0_real vs 1_fake)": ("dif_real", "dif_fake")}
    out["roc_auc_same_source"] = {}
    for name, (dr, df) in pairs.items():
        sub = [r for r in recs if r["domain"] in (dr, df)]
        out["roc_auc_same_source"][name] = r3(roc_auc([r["syn"] for r in sub], [r["domain"] == df for r in sub]))
    att = [r for r in recs if r["file"].startswith("attribution/")]  # the 7-generator attribution set only
    idx = [classes.index(g) for g in ATTRIBUTION]
    hits = [ATTRIBUTION[int(np.argmax(r["mean_prob"][idx]))] == r["generator"] for r in att]
    out["attribution_top1_7gen"] = r3(np.mean(hits)) if att else None
    out["attribution_n"] = len(att)
    out["attribution_recall_per_generator"] = {
        g: r3(np.mean([h for h, r in zip(hits, att) if r["generator"] == g])) for g in ATTRIBUTION
        if any(r["generator"] == g for r in att)}
    # confusion among the attribution generators (rows: truth, cols: predicted)
    conf = np.zeros((len(ATTRIBUTION), len(ATTRIBUTION)), dtype=int)
    for r in att:
        conf[ATTRIBUTION.index(r["generator"]), int(np.argmax(r["mean_prob"][idx]))] += 1
    out["attribution_confusion"] = conf.tolist()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--model", default="models/baseline/baseline.pt")
    ap.add_argument("--manifest", default="models/baseline/baseline.json")
    ap.add_argument("--split", default="models/baseline/split.csv")
    ap.add_argument("--which", default="test", help="split to evaluate (test = held-out)")
    ap.add_argument("--qualities", default="orig,90,65,40")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0, help="debug: only the first N images")
    ap.add_argument("--out", default="models/baseline/eval_results.json")
    ap.add_argument("--update-manifest", action="store_true", help="write the figures into the manifest's accuracy")
    ap.add_argument("--date", default=time.strftime("%Y-%m-%d"), help="date written into the manifest (default: today)")
    ap.add_argument("--exclude-class", default="", help="leave out the images of this class (a leave-one-generator-out model's held-out generator)")
    ap.add_argument("--fit-calibration", action="store_true",
                    help="fit the verdict's Platt calibration on this split (use --which val) and write it into the manifest")
    args = ap.parse_args()
    if args.fit_calibration and args.which == "test":
        sys.exit("--fit-calibration must not use the test split (pass --which val)")
    torch.set_num_threads(args.threads)

    with open(args.manifest) as fh:
        man = json.load(fh)
    classes = man["classes"]
    P = int(man["input"]["size"])
    top_k = int(man["patch_policy"]["verdict_top_k"])
    band = man.get("verdict", {}).get("inconclusive_band", [0.35, 0.65])
    assert man["output"] == "softmax" and man["input"]["normalization"]["type"] == "none"
    assert classes[0] == man["authentic_class"]
    model = torch.jit.load(args.model).eval()
    # When fitting, score raw; otherwise score exactly what the engine reports (calibrated if the manifest says so).
    calibration = None if args.fit_calibration else man.get("verdict", {}).get("calibration")
    if calibration and "fingerprints" in calibration:
        sys.exit("this manifest's verdict adds the generator fingerprints' evidence, which only the engine computes: "
                 "measure it with `synthscope evaluate`, fit it with fit_verdict_fingerprints.py")

    with open(args.split, newline="") as fh:
        split = {r["file"]: r["split"] for r in csv.DictReader(fh)}
    with open(os.path.join(args.data, "labels.csv"), newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if split.get(r["file"]) == args.which]
    if args.exclude_class:
        rows = [r for r in rows if class_of(r) != args.exclude_class]
    if args.limit:
        rows = rows[:args.limit]
    conds = args.qualities.split(",")
    recs = {c: [] for c in conds}
    t0 = time.time()
    checked = False
    for n, r in enumerate(rows):
        with Image.open(os.path.join(args.data, r["file"])) as im:
            rgb = np.asarray(im.convert("RGB"), dtype=np.uint8)
        if not checked:  # skimage GLCM contrast == mean squared horizontal difference (engine's closed form)
            g = grey_pil(rgb)[:P, :P].astype(np.float64)
            assert abs(glcm_contrast(grey_pil(rgb)[:P, :P]) - np.mean((g[:, :-5] - g[:, 5:]) ** 2)) < 1e-6
            checked = True
        for c in conds:
            img = rgb if c == "orig" else jpeg_image(rgb, int(c))
            a = analyse(model, img, P, top_k, int(man["inference"]["batch_size"]))
            a["raw"] = a["syn"]
            a["syn"] = apply_calibration(calibration, a["raw"])
            gen = ("dif/" + r["generator"]) if r["file"].startswith("dif/") else r["generator"]
            a.update(file=r["file"], fake=r["label"] == "fake", generator=gen, domain=domain_of(r),
                     cls=class_of(r))
            recs[c].append(a)
        if (n + 1) % 100 == 0:
            print("%d/%d images, %.0fs" % (n + 1, len(rows), time.time() - t0), flush=True)

    if args.fit_calibration:
        base = recs[conds[0]]
        slope, intercept = fit_platt([a["raw"] for a in base], [a["fake"] for a in base])
        cal = {"method": "platt", "slope": round(slope, 6), "intercept": round(intercept, 6),
               "fitted_on": "%s split of models/baseline/split.csv (%d images%s, %s), classes weighted 50/50, %s"
                            % (args.which, len(base), ", without " + args.exclude_class if args.exclude_class else "",
                               "original files" if conds[0] == "orig" else "JPEG q" + conds[0], args.date)}
        before = metrics(base, classes, band)["balanced_accuracy"]
        for a in base:
            a["syn"] = apply_calibration(cal, a["raw"])
        print("calibration on %s: slope %.4f intercept %.4f; balanced accuracy %s -> %s"
              % (args.which, slope, intercept, before, metrics(base, classes, band)["balanced_accuracy"]), flush=True)
        man.setdefault("verdict", {})["calibration"] = cal
        with open(args.manifest, "w") as fh:
            json.dump(man, fh, indent=2)
            fh.write("\n")
        return 0

    results = {
        "measured_with": "models/baseline/evaluate.py (Python, torch %s), engine patch policy, top-%d GLCM patches"
                         % (torch.__version__, top_k),
        "split": "%s split of models/baseline/split.csv" % args.which,
        "date": args.date,
        "conditions": {},
    }
    for c in conds:
        key = "original files" if c == "orig" else "re-encoded JPEG q%s" % c
        results["conditions"][key] = metrics(recs[c], classes, band)
    results["seconds"] = round(time.time() - t0)
    with open(args.out, "w") as fh:
        json.dump(results, fh, indent=1)
    # also per-image scores for later comparison with the C++ engine
    with open(os.path.splitext(args.out)[0] + "_per_image.csv", "w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["file", "condition", "synthetic_prob_top%d" % top_k, "raw_synthetic_prob_top%d" % top_k, "top_class"])
        for c in conds:
            for a in recs[c]:
                wr.writerow([a["file"], c, "%.6f" % a["syn"], "%.6f" % a["raw"], classes[int(np.argmax(a["mean_prob"]))]])

    for key, m in results["conditions"].items():
        print("%-22s bacc %s  auc %s  tpr %s  tnr %s  att_top1 %s" % (
            key, m["balanced_accuracy"], m["roc_auc"], m["tpr_fake"], m["tnr_real"], m["attribution_top1_7gen"]))

    if args.update_manifest:
        compact = {
            "note": "measured in Python (models/baseline/evaluate.py) on the held-out test split of "
                    "models/baseline/split.csv (split by source group; never trained on), engine patch policy "
                    "(grid of %dpx patches, verdict = mean synthetic prob of the top-%d GLCM-contrast patches%s, "
                    "threshold 0.5), %s" % (P, top_k, ", Platt-calibrated as verdict.calibration" if calibration else "",
                                            args.date),
            "caveat": man.get("accuracy", {}).get("caveat"),  # hand-written, kept across re-runs
            "date": args.date,
            "test_images": results["conditions"]["original files" if "orig" in conds else
                                                  list(results["conditions"])[0]]["n_images"],
        }
        for key, m in results["conditions"].items():
            compact[key] = {
                "balanced_accuracy": m["balanced_accuracy"], "roc_auc": m["roc_auc"],
                "tpr_fake": m["tpr_fake"], "tnr_real": m["tnr_real"],
                "recall_per_generator": {g: v["recall"] for g, v in m["recall_per_generator"].items()},
                "tnr_per_real_source": {d: v["tnr"] for d, v in m["specificity_per_real_source"].items()},
                "roc_auc_same_source": m["roc_auc_same_source"],
                "attribution_top1_7_generators": m["attribution_top1_7gen"],
            }
        if compact["caveat"] is None:
            del compact["caveat"]
        man["accuracy"] = compact
        with open(args.manifest, "w") as fh:
            json.dump(man, fh, indent=2)
            fh.write("\n")
        print("manifest accuracy updated", flush=True)


if __name__ == "__main__":
    sys.exit(main())
