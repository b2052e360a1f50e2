#!/usr/bin/python3
"""The confidence of the generator the analysis names: one temperature T for the attribution combination
(engine/attribution_fusion.h), fitted on the validation split so that "ldm, 80%" is right about 80% of
the time.

The combination adds log-probabilities of three sources (detector, fingerprints, look) as if they were
independent; they are not, so its softmax is overconfident. Dividing every candidate's score by T before
the softmax changes no ranking (the generator named, and every accuracy, stay as they are) and only the
probabilities shown. T is the maximum-likelihood one on every fake of the val split (original files and
JPEG q65 copies, as the combination's other numbers were chosen); the truth of an image of an unnamed
model is the class that names none (other_diffusion).

Every score is the C++ engine's: `synthscope analyze --verdict-only --json` over the files (cached in
--work) gives each candidate's detector share, fingerprint evidence and look probability
(combined_attribution.contributions), from which the scores are rebuilt exactly as the engine makes them.
Reported, before and after: negative log-likelihood of the truth, the top answer's mean confidence
against its accuracy, and the expected calibration error of that confidence (10 bins). --test prints the
same on the held-out test split (do it once, after choosing); --write-manifest puts T into the manifest
(attribution.temperature).

    /usr/bin/python3 models/look/fit_attribution_temperature.py --synthscope build/app/synthscope [--test] \
        [--write-manifest models/baseline/baseline.json]
"""
import argparse
import csv
import json
import os
import subprocess
import sys

import numpy as np
from scipy.optimize import minimize_scalar

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "baseline"))
import fit_attribution_fusion as fusion  # noqa: E402

CONDITIONS = ("original", "q65")


def engine_results(args, split, condition, files):
    """The engine's analysis of each file (or its JPEG q65 copy, as fit_attribution_fusion.py makes them)."""
    paths = fusion.condition_paths(args, condition, files)
    analysis = os.path.join(args.work, "analyze_%s_%s.json" % (split, condition))
    if not os.path.exists(analysis):
        subprocess.run([args.synthscope, "analyze", "--model", args.model, "--verdict-only", "--quiet", "--json", analysis] + paths,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    by_path = {os.path.realpath(r["image"]["path"]): r for r in json.load(open(analysis))["results"]}
    return [by_path[os.path.realpath(p)] for p in paths]


def candidate_scores(result):
    """{candidate: score} as attribution_fusion.cpp makes them, from the result's contributions; None
    when the analysis made no combination (then the engine shows the detector's own ranking)."""
    c = result["verdict"].get("combined_attribution")
    if not c:
        return None
    w, b, v = c["fingerprint_weight"], c["unnamed_offset"], c["look_weight"]
    unnamed = set(c["unnamed"])
    scores = {}
    for k in c["contributions"]:
        s = np.log(k["detector"] + fusion.FLOOR) + (b if k["name"] in unnamed else w * k.get("evidence", 0.0))
        if v > 0 and "look" in k:
            s += v * np.log(k["look"])
        scores[k["name"]] = s
    return scores


def check_against_engine(result, scores):
    """The rebuilt scores must give the engine's own probabilities (at its temperature)."""
    c = result["verdict"]["combined_attribution"]
    t = c.get("temperature", 1.0)
    names = list(scores)
    z = np.array([scores[n] for n in names]) / t
    p = np.exp(z - z.max())
    p /= p.sum()
    engine = {r["class"]: r["probability"] for r in c["ranking"]}
    worst = max(abs(p[i] - engine[n]) for i, n in enumerate(names))
    if worst > 1e-6:
        sys.exit("the rebuilt scores differ from the engine's probabilities by %g: the script and attribution_fusion.cpp disagree" % worst)


def rows_of(args, labels, split, files):
    """(scores, truth) for every file and condition whose truth is among its candidates."""
    rows = {}
    for condition in CONDITIONS:
        out, skipped = [], 0
        for f, result in zip(files, engine_results(args, split, condition, files)):
            scores = candidate_scores(result)
            truth = fusion.truth_of(labels[f]) or "other_diffusion"
            if scores is None or truth not in scores:
                skipped += 1
                continue
            check_against_engine(result, scores)
            out.append((scores, truth))
        rows[condition] = out
        if skipped:
            print("  %s %s: %d images without a combination or with their truth among no candidates, left out" % (split, condition, skipped))
    return rows


def measure(rows, t):
    """NLL of the truth, the top answer's mean confidence and accuracy, ECE (10 equal-width bins)."""
    nll, confidence, right = [], [], []
    for scores, truth in rows:
        names = list(scores)
        z = np.array([scores[n] for n in names]) / t
        z -= z.max()
        logp = z - np.log(np.exp(z).sum())
        nll.append(-logp[names.index(truth)])
        top = int(np.argmax(logp))
        confidence.append(float(np.exp(logp[top])))
        right.append(names[top] == truth)
    confidence, right = np.array(confidence), np.array(right, float)
    bins = np.minimum((confidence * 10).astype(int), 9)
    ece = sum(abs(confidence[bins == i].mean() - right[bins == i].mean()) * (bins == i).mean() for i in range(10) if (bins == i).any())
    return {"nll": float(np.mean(nll)), "confidence": float(confidence.mean()), "accuracy": float(right.mean()), "ece": float(ece),
            "n": len(rows), "at_least_0.99": float((confidence >= 0.99).mean())}


def group_of(truth):
    return "stylegan2" if truth == "stylegan2" else "unnamed" if truth == "other_diffusion" else "art7"


def report(name, rows, t):
    for label, temperature in (("T = 1 (before)", 1.0), ("T = %.2f" % t, t)):
        m = measure(rows, temperature)
        print("  %-13s %-15s n=%4d  NLL %.3f  top answer: accuracy %.3f, mean confidence %.3f, ECE %.3f, shown >= 99%%: %.2f" % (
            name, label, m["n"], m["nll"], m["accuracy"], m["confidence"], m["ece"], m["at_least_0.99"]))
        groups = []
        for g in ("art7", "stylegan2", "unnamed"):
            sub = [r for r in rows if group_of(r[1]) == g]
            if sub:
                k = measure(sub, temperature)
                groups.append("%s %.3f / %.3f (n=%d)" % (g, k["accuracy"], k["confidence"], k["n"]))
        print("  %-13s %-15s accuracy / mean confidence: %s" % ("", "", ", ".join(groups)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--synthscope", default=os.path.join(HERE, "..", "..", "build", "app", "synthscope"))
    ap.add_argument("--model", default=os.path.join(HERE, "..", "baseline", "baseline.json"))
    ap.add_argument("--split", default=os.path.join(HERE, "..", "baseline", "split.csv"))
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "shared", "data"))
    ap.add_argument("--work", default="/tmp/synthscope-attribution-temperature")
    ap.add_argument("--test", action="store_true")
    ap.add_argument("--write-manifest", metavar="MANIFEST")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    labels = {r["file"]: r for r in csv.DictReader(open(os.path.join(args.data, "labels.csv")))}
    split = {r["file"]: r["split"] for r in csv.DictReader(open(args.split))}
    fakes = {name: sorted(f for f in split if split[f] == name and labels[f]["label"] == "fake") for name in ("val", "test")}

    val = rows_of(args, labels, "val", fakes["val"])
    both = val["original"] + val["q65"]
    fit = minimize_scalar(lambda t: measure(both, t)["nll"], bounds=(0.2, 10.0), method="bounded")
    t = round(float(fit.x), 2)
    print("temperature %.2f (maximum likelihood on val, originals and JPEG q65 together)" % t)
    for condition in CONDITIONS:
        report("val " + condition, val[condition], t)
    if args.test:
        test = rows_of(args, labels, "test", fakes["test"])
        for condition in CONDITIONS:
            report("test " + condition, test[condition], t)
    if args.write_manifest:
        manifest = json.load(open(args.write_manifest))
        manifest["attribution"]["temperature"] = t
        m = measure(both, t)
        manifest["attribution"]["temperature_fitted_on"] = (
            "every fake of the val split of models/baseline/split.csv, original and JPEG q65 (%d combinations): maximum likelihood; "
            "ECE of the named generator's confidence %.3f (%.3f at T = 1); models/look/fit_attribution_temperature.py" % (
                m["n"], m["ece"], measure(both, 1.0)["ece"]))
        with open(args.write_manifest, "w") as out:
            json.dump(manifest, out, indent=2)
            out.write("\n")
        print("wrote attribution.temperature %.2f into %s" % (t, args.write_manifest))


if __name__ == "__main__":
    main()
