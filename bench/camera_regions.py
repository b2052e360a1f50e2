#!/usr/bin/python3
"""Regions of camera-resolution photos: how often is an untouched part of a real camera photo called
generated when it is analysed alone (Analysis > Analyse Selected Region, `analyze --region`)?

The whole-image verdict flags about half of the camera-resolution wallpaper photos of
models/eval_sets/wallpaper_photos.csv (the README's worst failure). A region of such a photo is analysed
with the same detector on fewer patches, so it cannot be expected to do better; this measures by how
much, for a few region sizes at the centre of each photo (the part a user most often asks about), and
for the whole photo on the same run; and how often such a region "stands out" from its control parts
(flagged while none of them is), which is a false alarm here since nothing is pasted. Needs the wallpaper packages (README, "False positives on real
photos"); photos that are missing are skipped and counted.

With --paste N the same photos carry a generated part: the centre NxN of a held-out fake (test split of
models/baseline/split.csv, families in turn as in bench/splice_regions.py) pasted without resizing or
blending at each photo's centre, written as lossless PNG in a temporary folder. The centred regions then
hold the paste (a selection drawn loosely around it when larger): how often is it flagged, and how often
does it stand out from its control parts (at a smaller size for the regions with no room beside them)?

    /usr/bin/python3 bench/camera_regions.py --synthscope build/app/synthscope [--sides 224,512,1024] [--json out.json]
        [--paste 256]
"""
import argparse
import csv
import json
import math
import os
import random
import subprocess
import sys
import tempfile

from PIL import Image, ImageOps


def analyse(synthscope, paths, json_path, region=None):
    """{path: (verdict label, synthetic probability, region_controls)} of `synthscope analyze --verdict-only`
    over paths (of the region when given, with its default control parts; {} for a whole photo)."""
    command = [synthscope, "analyze", *paths, "--quiet", "--verdict-only", "--json", json_path]
    if region:
        command += ["--region", "%d,%d,%d,%d" % region]
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(json_path) as f:
        return {r["image"]["path"]: (r["verdict"]["label"], r["verdict"]["synthetic_probability"], r.get("region_controls", {}))
                for r in json.load(f)["results"]}


def pasted_composites(a, photos, sizes, tmp):
    """Each photo with a held-out fake's centre pasted at its centre (--paste): (paths, sizes, rows) of the
    composites, each row naming its photo and fake."""
    import splice_regions  # the held-out fakes and their families, as the splice benchmark picks them (beside this file)
    _, fakes = splice_regions.held_out(a.data, a.split)
    by_family = [sorted(f for f in fakes if member(f)) for member in splice_regions.FAMILIES.values()]
    rng = random.Random(a.seed)
    for family in by_family:
        rng.shuffle(family)
    paths, out_sizes, rows = [], {}, {}
    used = [0] * len(by_family)
    for i, photo in enumerate(photos):
        family = i % len(by_family)
        while True:  # the family's next fake large enough for the paste
            fake_file = by_family[family][used[family]]
            used[family] += 1
            with Image.open(os.path.join(a.data, fake_file)) as fake:
                if min(fake.size) >= a.paste:
                    part = splice_regions.centre(fake.convert("RGB"), a.paste)
                    break
        with Image.open(photo) as image:
            composite = ImageOps.exif_transpose(image).convert("RGB")
        w, h = composite.size
        composite.paste(part, ((w - a.paste) // 2, (h - a.paste) // 2))
        path = os.path.join(tmp, "composite-%02d.png" % i)
        composite.save(path)
        paths.append(path)
        out_sizes[path] = (w, h)
        rows[path] = {"size": [w, h], "photo": photo, "fake": fake_file}
    return paths, out_sizes, rows


def first_rule(rows, sides, figures):
    """The engine's first rule for "stands out" (until 2026-12-04), beside the rule now, for comparisons at
    the region's own size: flagged while no control is flagged. Now the region stands out when it is flagged
    and above every control (RegionControls::standOut); at a smaller size the first rule is kept."""
    for side in sides:
        key, controls = "centre_%d" % side, "controls_%d" % side
        same_size = [r for r in rows.values() if key in r and r[controls].get("parts") and not r[controls].get("inside")]
        n = sum(key in r for r in rows.values())
        if not n:
            continue
        first = sum(r[key] == "synthetic" and all(c["label"] != "synthetic" for c in r[controls]["parts"]) for r in same_size)
        now = sum(bool(r[controls].get("stands_out")) for r in same_size)
        print("%s: of the %d same-size comparisons, standing out by the first rule (no control flagged) %d of %d = %.3f, "
              "by the rule now (above every control) %d" % (key, len(same_size), first, n, first / n, now))
        figures[key]["stands_out_first_rule_same_size"] = first / n


def wilson(k, n, z=1.96):
    if n == 0:
        return (0.0, 0.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--synthscope", default=os.path.join(here, "..", "build", "app", "synthscope"))
    p.add_argument("--photos", default=os.path.join(here, "..", "models", "eval_sets", "wallpaper_photos.csv"))
    p.add_argument("--sides", default="224,512,1024", help="region sides in pixels, each a centred square")
    p.add_argument("--json", help="write the figures and every photo's labels here")
    p.add_argument("--paste", type=int, default=0, help="paste the centre NxN of a held-out fake at each photo's centre")
    p.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data"))
    p.add_argument("--split", default=os.path.join(here, "..", "models", "baseline", "split.csv"))
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    sides = [int(s) for s in a.sides.split(",")]

    with open(a.photos, newline="") as f:
        listed = [row["file"] for row in csv.DictReader(f)]
    photos = [path for path in listed if os.path.exists(path)]
    if not photos:
        sys.exit("none of the photos of %s is installed (README: apt-get install mate-backgrounds ...)" % a.photos)
    # Sizes as analysed: after the EXIF orientation, as the engine turns them.
    sizes = {}
    for path in photos:
        with Image.open(path) as image:
            sizes[path] = ImageOps.exif_transpose(image).size

    rows = {path: {"size": list(sizes[path])} for path in photos}
    with tempfile.TemporaryDirectory(prefix="synthscope-camera-regions-") as tmp:
        if a.paste:
            photos, sizes, rows = pasted_composites(a, photos, sizes, tmp)
        for path, (label, _, _) in analyse(a.synthscope, photos, os.path.join(tmp, "whole.json")).items():
            rows[path]["whole"] = label
        for side in sides:
            groups = {}  # one run per region: photos of the same size share it
            for path, (w, h) in sizes.items():
                if w >= side and h >= side:
                    groups.setdefault(((w - side) // 2, (h - side) // 2, side, side), []).append(path)
            for i, (region, paths) in enumerate(sorted(groups.items())):
                for path, (label, p, controls) in analyse(a.synthscope, paths, os.path.join(tmp, "r%d-%d.json" % (side, i)),
                                                       region).items():
                    rows[path]["centre_%d" % side] = label
                    rows[path]["p_centre_%d" % side] = p
                    rows[path]["controls_%d" % side] = controls

    figures = {}
    print("%d of %d listed photos installed" % (len(photos), len(listed)))
    print("%-22s %4s %8s %16s %13s" % ("analysed", "n", "flagged", "95% interval", "inconclusive"))
    for key in ["whole"] + ["centre_%d" % s for s in sides]:
        labels = [r[key] for r in rows.values() if key in r]
        k = sum(l == "synthetic" for l in labels)
        lo, hi = wilson(k, len(labels))
        figures[key] = {"n": len(labels), "flagged": k / max(1, len(labels)), "interval": [lo, hi],
                        "inconclusive": sum(l == "inconclusive" for l in labels) / max(1, len(labels))}
        print("%-22s %4d %8.3f %7.2f-%-8.2f %13.3f" % (key, len(labels), figures[key]["flagged"], lo, hi,
                                                        figures[key]["inconclusive"]))
    # Whether a region's verdict follows the whole photo's: flagged regions of photos the whole verdict
    # did not flag are the ones a region adds.
    for side in sides:
        key = "centre_%d" % side
        both = [r for r in rows.values() if key in r]
        added = sum(r[key] == "synthetic" and r["whole"] != "synthetic" for r in both)
        removed = sum(r[key] != "synthetic" and r["whole"] == "synthetic" for r in both)
        print("%s: flagged where the whole photo was not %d, not flagged where it was %d (of %d)" % (key, added, removed, len(both)))
        figures[key]["flagged_where_whole_not"] = added
        figures[key]["not_flagged_where_whole_was"] = removed
    # The control parts (region_controls.h): a flagged region "stands out" (the engine's stands_out) when
    # none of its controls is flagged (and, compared at a smaller size, one of its own parts is); on these
    # photos nothing is pasted, so every region that stands out is a false alarm.
    for side in sides:
        key, controls = "centre_%d" % side, "controls_%d" % side
        both = [r for r in rows.values() if key in r]
        out = sum(bool(r[controls].get("stands_out")) for r in both)
        compared = sum(bool(r[controls].get("parts")) for r in both)
        smaller = sum(bool(r[controls].get("inside")) for r in both)
        parts = [c["label"] for r in both for c in r[controls].get("parts", [])]
        flagged_parts = sum(c == "synthetic" for c in parts)
        lo, hi = wilson(out, len(both))
        print("%s: stands out from its controls %d of %d = %.3f [%.2f-%.2f]; compared %d (at a smaller size %d); "
              "control parts flagged %d of %d" % (key, out, len(both), out / max(1, len(both)), lo, hi, compared, smaller,
                                                 flagged_parts, len(parts)))
        figures[key]["stands_out"] = out / max(1, len(both))
        figures[key]["stands_out_interval"] = [lo, hi]
        figures[key]["compared"] = compared
        figures[key]["compared_at_a_smaller_size"] = smaller
        figures[key]["control_parts"] = len(parts)
        figures[key]["control_parts_flagged"] = flagged_parts
    first_rule(rows, sides, figures)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"installed": len(photos), "listed": len(listed), "figures": figures, "photos": rows}, f, indent=1)


if __name__ == "__main__":
    main()
