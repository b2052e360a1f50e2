#!/usr/bin/python3
"""Chooses the attribution fusion's two numbers on the validation split: the fingerprints' weight and the
offset of the classes that name no generator (engine/attribution_fusion.h).

The analysis names one generator per image: the first of

    log p_detector(g) + w * E_g           for each named generator g (E_g: its fingerprint's evidence)
    log p_detector(u) + b                 for each class u that names none (the baseline's other_diffusion)

An attribution/ image told "a generator the model has no name for" is attributed wrongly; an image of an
unnamed model (binary/'s, DIF's dalle_2, glide, mj, sd14, sd21) told a named generator is too. So w and b
are chosen together on every fake of the validation split, by the mean of three accuracies (the seven
attribution/ generators; StyleGAN2; the unnamed models), averaged over the original files and JPEG q65
copies (Pillow, 4:2:0), on a grid. Every score comes from the C++ engine (`synthscope analyze
--verdict-only --json` for the class probabilities, `synthscope fingerprint attribute --json` for the
evidence); the script only combines them as the engine does and counts.

    /usr/bin/python3 models/baseline/fit_attribution_fusion.py --synthscope build/app/synthscope \
        [--model models/baseline/baseline.json] [--write-manifest models/baseline/baseline.json]

--test also prints the chosen pair's figures on the held-out test split (do this once, after choosing).
"""
import argparse
import csv
import datetime
import json
import os
import subprocess

import numpy as np
from PIL import Image

ART = ["dalle_mini", "disco_diffusion", "glid3xl", "ldm", "midjourney_2022", "sd_dreamstudio_2022", "vqgan"]
HERE = os.path.dirname(os.path.abspath(__file__))
FLOOR = 1e-6  # as the engine: a class the detector rules out stays finite


def truth_of(labels_row):
    """The answer the analysis should give for a fake: a named generator, or None for an unnamed model."""
    folder, generator = labels_row["file"].split("/")[0], labels_row["generator"]
    if folder == "attribution":
        return generator
    if folder == "faces":
        return "stylegan2"
    if folder == "dif" and generator == "dalle_mini":
        return "dalle_mini"
    return None  # binary/'s unnamed diffusion model, DIF's dalle_2, glide, mj, sd14, sd21


def condition_paths(args, condition, files):
    """The files as analysed under a condition: the originals, or JPEG q65 copies (Pillow, 4:2:0) made once in --work."""
    paths = []
    for f in files:
        src = os.path.join(args.data, f)
        if condition == "original":
            paths.append(src)
            continue
        out = os.path.join(args.work, "q65", f.replace("/", "__") + ".jpg")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        if not os.path.exists(out):
            Image.open(src).convert("RGB").save(out, quality=65)
        paths.append(out)
    return paths


def scores(args, split, condition, files):
    """Per file: the verdict's class probabilities and the fingerprints' evidence, cached in --work."""
    paths = condition_paths(args, condition, files)
    analysis = os.path.join(args.work, "analyze_%s_%s.json" % (split, condition))
    evidence = os.path.join(args.work, "fingerprints_%s_%s.json" % (split, condition))
    quiet = dict(check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not os.path.exists(analysis):
        subprocess.run([args.synthscope, "analyze", "--model", args.model, "--verdict-only", "--quiet", "--json", analysis] + paths, **quiet)
    if not os.path.exists(evidence):
        subprocess.run([args.synthscope, "fingerprint", "attribute", "--library", args.library, "--top", "100",
                        "--json", evidence] + paths, **quiet)
    # keyed by the real path, so that a caller that spells --data differently reads the same cache
    classes = {os.path.realpath(r["image"]["path"]): {c["class"]: c["probability"] for c in r["verdict"]["classes"]}
               for r in json.load(open(analysis))["results"]}
    fingerprints = {os.path.realpath(r["path"]): {m["generator"]: m["evidence"] for m in r["ranking"]}
                    for r in json.load(open(evidence))["results"]}
    return [(classes[os.path.realpath(p)], fingerprints[os.path.realpath(p)]) for p in paths]


def answers(rows, manifest, w, b, looks=None, v=0.0, look_answers=()):
    """The engine's combination (attribution_fusion.cpp) for each (class probabilities, evidence). With
    looks (one log-probability row per image, in the order of look_answers) each candidate the look
    names also gets v times its log-probability, as the engine adds the look model's (look_model.h)."""
    mapping = manifest.get("generators", {})
    out = []
    for i, (probabilities, evidence) in enumerate(rows):
        candidates = {}  # name -> (summed probability, unnamed?)
        for c in manifest["classes"]:
            if c == manifest["authentic_class"]:
                continue
            g = mapping.get(c, c)
            name, unnamed = (c, True) if g is None else (g, False)
            p, _ = candidates.get(name, (0.0, unnamed))
            candidates[name] = (p + probabilities.get(c, 0.0), unnamed)
        total = sum(p for p, _ in candidates.values())
        best, best_score = None, -np.inf
        for name in sorted(candidates):  # the engine's map order, so ties break alike
            p, unnamed = candidates[name]
            s = np.log(p / total + FLOOR) + (b if unnamed else w * evidence.get(name, 0.0))
            if looks is not None and name in look_answers:
                s += v * looks[i][look_answers.index(name)]
            if s > best_score:
                best, best_score = name, s
        out.append(None if candidates[best][1] else best)
    return out


def accuracies(truths, told):
    groups = {"art7": [], "stylegan2": [], "unnamed": []}
    for t, a in zip(truths, told):
        key = "unnamed" if t is None else "stylegan2" if t == "stylegan2" else "art7"
        groups[key].append(t == a)
    return {k: (float(np.mean(v)) if v else float("nan"), len(v)) for k, v in groups.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--synthscope", default="build/app/synthscope")
    ap.add_argument("--model", default=os.path.join(HERE, "baseline.json"))
    ap.add_argument("--library", default=os.path.join(HERE, "..", "fingerprints"))
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "shared", "data"))
    ap.add_argument("--split", default=os.path.join(HERE, "split.csv"))
    ap.add_argument("--work", default="/tmp/synthscope-attribution-fusion")
    ap.add_argument("--test", action="store_true", help="also print the chosen pair's figures on the test split")
    ap.add_argument("--write-manifest", metavar="MANIFEST")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    manifest = json.load(open(args.model))
    labels = {r["file"]: r for r in csv.DictReader(open(os.path.join(args.data, "labels.csv")))}
    split = {r["file"]: r["split"] for r in csv.DictReader(open(args.split))}

    def data(name):
        files = sorted(f for f, s in split.items() if s == name and labels[f]["label"] == "fake")
        truths = [truth_of(labels[f]) for f in files]
        return truths, {c: scores(args, name, c, files) for c in ("original", "q65")}

    truths, rows = data("val")
    grid = []
    for w in np.round(np.arange(0.3, 1.21, 0.1), 2):
        for b in np.round(np.arange(0.0, -3.01, -0.25), 2):
            per = {c: accuracies(truths, answers(rows[c], manifest, w, b)) for c in rows}
            mean = float(np.mean([np.mean([a for a, _ in per[c].values()]) for c in per]))
            grid.append((mean, w, b, per))
    grid.sort(key=lambda g: -g[0])
    print("validation fakes: %s" % {k: n for k, (_, n) in grid[0][3]["original"].items()})
    print("   w      b   mean   art7 orig/q65   stylegan2   unnamed")
    for mean, w, b, per in grid[:12]:
        o, q = per["original"], per["q65"]
        print("%4.1f %6.2f  %.3f   %.3f / %.3f   %.3f / %.3f   %.3f / %.3f" % (
            w, b, mean, o["art7"][0], q["art7"][0], o["stylegan2"][0], q["stylegan2"][0], o["unnamed"][0], q["unnamed"][0]))
    # The best mean, and among pairs within 0.005 of it the one nearest the middle of that plateau.
    plateau = [g for g in grid if g[0] >= grid[0][0] - 0.005]
    mw, mb = np.mean([g[1] for g in plateau]), np.mean([g[2] for g in plateau])
    chosen = min(plateau, key=lambda g: (g[1] - mw) ** 2 + ((g[2] - mb) / 2.5) ** 2)
    mean, w, b, per = chosen
    print("chosen: weight %.1f, unnamed offset %.2f (validation mean %.3f; plateau of %d pairs)" % (w, b, mean, len(plateau)))

    if args.test:
        test_truths, test_rows = data("test")
        for c in test_rows:
            print("test %s: %s" % (c, accuracies(test_truths, answers(test_rows[c], manifest, w, b))))

    if args.write_manifest:
        write_choice(args.write_manifest, w, b, per["original"], mean, "with the fingerprints of models/fingerprints",
                     "models/baseline/fit_attribution_fusion.py")


def write_choice(path, w, b, original, mean, sources, script, look=None):
    """Writes the chosen weight and offset (and the look's entry, when given) into the manifest at path, with
    a fitted_on line saying what they were chosen on; the rest of the manifest stays as it is."""
    m = json.load(open(path))
    a = m.setdefault("attribution", {})
    a["fingerprint_weight"], a["unnamed_offset"] = float(w), float(b)
    if look is not None:
        a["look"] = look
    a["fitted_on"] = (
        "every fake of the val split of models/baseline/split.csv (%d attribution/, %d StyleGAN2, %d of unnamed models), "
        "original and JPEG q65, %s: mean accuracy %.3f over the three groups "
        "(original: attribution/ %.3f, StyleGAN2 %.3f, unnamed %.3f); %s, %s"
        % (original["art7"][1], original["stylegan2"][1], original["unnamed"][1], sources, mean, original["art7"][0],
           original["stylegan2"][0], original["unnamed"][0], script, datetime.date.today().isoformat()))
    with open(path, "w") as f:
        json.dump(m, f, indent=2)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
