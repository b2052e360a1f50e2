#!/usr/bin/python3
"""Region analysis on spliced images: does `synthscope analyze --region` find a generated part that the
whole-image verdict misses, and how often does it flag an untouched part of the same picture?

Each composite is a held-out real photo (real/bsds, test split of models/baseline/split.csv, turned to
landscape when it is portrait: 481x321) with the centre 224x224 of a held-out fake pasted in, without
resizing or blending, at the left (16,48) or the right (241,48). Both squares are analysed as regions of
every composite, so each composite gives one pasted region and one untouched one of the same size; the
whole composite and the photo alone are analysed too. A user's selection is never exact: the pasted
square is also analysed inside a 256x256 region, 16 px of the photo around it. And where the whole
verdict does not flag a picture, its warmest patch in the heatmap is analysed alone, as a user who selects
by colour would: on the photos alone this measures the selection's own bias. Each square region is
analysed with its control parts (region_controls.h: here the one 224x224 part that fits beside it, which
covers most of the other square), and "stands out" counts a flagged region none of whose controls is. Written as lossless PNG in a temporary folder; the
data stays in ../shared/data.

A hard-edged paste is the easy case. Inpainting blends its edges and matches the photo's noise; there is
no such data here, so this measures the mechanism, not how well local edits in the wild are found.
Two steps towards it: --feather N blends the square into the photo over its outer N pixels (a linear
ramp of opacity, as a soft brush or an inpainting mask's feathered edge), and --jpeg Q saves each
composite (and each photo alone) as JPEG at quality Q, as a spliced picture is usually passed on;
--regions-only skips the warmest-patch selection (the selection's bias, measured on the photos alone).

    /usr/bin/python3 bench/splice_regions.py --synthscope build/app/synthscope [--per-family 40]
        [--feather 32] [--jpeg 90] [--regions-only]
"""
import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile

from PIL import Image

HOST = (481, 321)
SIDE = 224
LEFT = (16, 48)
RIGHT = (241, 48)
SPREAD_NOTE = 0.25  # ui/verdict_panel.cpp
MARGIN = 16  # the wider selection: 256x256, still inside the 481x321 photo
FAMILIES = {  # what the baseline was trained to name, grouped as in the README
    "art generators (attribution/)": lambda f: f.startswith("attribution/"),
    "StyleGAN2 faces": lambda f: f.startswith("faces/"),
    "unnamed diffusion (binary/, dif/)": lambda f: f.startswith("binary/") or f.startswith("dif/"),
}


def held_out(data, split_file):
    split = {}
    with open(split_file, newline="") as f:
        for row in csv.DictReader(f):
            split[row["file"]] = row["split"].strip()
    reals, fakes = [], []
    with open(os.path.join(data, "labels.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if split.get(row["file"]) != "test":
                continue
            if row["label"] == "real" and row["file"].startswith("real/bsds/"):
                reals.append(row["file"])
            elif row["label"] == "fake":
                fakes.append(row["file"])
    return sorted(reals), sorted(fakes)


def landscape(image):
    return image.transpose(Image.Transpose.ROTATE_90) if image.height > image.width else image


def centre(image, side):
    x, y = (image.width - side) // 2, (image.height - side) // 2
    return image.crop((x, y, x + side, y + side))


def analyse(synthscope, paths, json_path, region=None, verdict_only=True):
    """{path: result} of `synthscope analyze` over paths, of the region (x, y, w, h) when given."""
    command = [synthscope, "analyze", *paths, "--quiet", "--json", json_path] + (["--verdict-only"] if verdict_only else [])
    if region:
        command += ["--region", "%d,%d,%d,%d" % region]
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL)
    with open(json_path) as f:
        return {r["image"]["path"]: r for r in json.load(f)["results"]}


def feather_mask(side, ramp):
    """An L mask of side x side: opaque inside, falling linearly to transparent over the outer ramp pixels."""
    mask = Image.new("L", (side, side), 255)
    if ramp <= 0:
        return mask
    pixels = mask.load()
    for y in range(side):
        for x in range(side):
            d = min(x, y, side - 1 - x, side - 1 - y)  # distance to the nearest edge
            if d < ramp:
                pixels[x, y] = int(round(255 * (d + 0.5) / ramp))
    return mask


def save(image, path_stem, jpeg):
    path = path_stem + (".jpg" if jpeg else ".png")
    if jpeg:
        image.save(path, quality=jpeg)
    else:
        image.save(path)
    return path


def square(corner, margin=0):
    return (corner[0] - margin, corner[1] - margin, SIDE + 2 * margin, SIDE + 2 * margin)


def labels(results):
    return {path: r["verdict"]["label"] for path, r in results.items()}


def stands_out(results):
    """{path: whether the region stands out from its control parts}: flagged while none of them is (the
    engine's own answer, region_controls.h)."""
    return {path: bool(r.get("region_controls", {}).get("stands_out")) for path, r in results.items()}


def warmest_part_labels(synthscope, results, tmp, name):
    """Each picture whose whole verdict is not "synthetic", its warmest patch of the heatmap analysed alone:
    what a user who selects by the heatmap's colour gets. Grouped by place, one run per place. Returns
    ({path: label}, {path: whether it stands out from its control parts})."""
    places = {}
    for path, r in results.items():
        if r["verdict"]["label"] == "synthetic":
            continue
        p = max((p for p in r["patches"] if "synthetic_probability" in p), key=lambda p: p["synthetic_probability"])
        places.setdefault((p["x"], p["y"], p["size"], p["size"]), []).append(path)
    out, out_standing = {}, {}
    for i, (rect, paths) in enumerate(sorted(places.items())):
        results = analyse(synthscope, paths, os.path.join(tmp, "%s-warmest-%d.json" % (name, i)), rect)
        out.update(labels(results))
        out_standing.update(stands_out(results))
    return out, out_standing


def rate(labels, label="synthetic"):
    return sum(l == label for l in labels) / max(1, len(labels))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--synthscope", default=os.path.join(here, "..", "build", "app", "synthscope"))
    p.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data"))
    p.add_argument("--split", default=os.path.join(here, "..", "models", "baseline", "split.csv"))
    p.add_argument("--per-family", type=int, default=40)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--json", help="write the figures and every composite's labels here")
    p.add_argument("--feather", type=int, default=0, help="blend the pasted square's outer N pixels into the photo (0: hard edge)")
    p.add_argument("--jpeg", type=int, default=0, help="save composites and photos as JPEG at this quality (0: PNG)")
    p.add_argument("--regions-only", action="store_true", help="skip the warmest-patch selection")
    a = p.parse_args()
    mask = feather_mask(SIDE, a.feather)

    reals, fakes = held_out(a.data, a.split)
    rng = random.Random(a.seed)
    chosen = []
    for family, member in FAMILIES.items():
        pool = [f for f in fakes if member(f)]
        chosen += [(family, f) for f in rng.sample(pool, min(a.per_family, len(pool)))]
    rng.shuffle(chosen)

    with tempfile.TemporaryDirectory(prefix="synthscope-splice-") as tmp:
        hosts, composites = [], []  # composites: (path, family, fake, side)
        for i, (family, fake) in enumerate(chosen):
            host_file = reals[i % len(reals)]
            host = landscape(Image.open(os.path.join(a.data, host_file)).convert("RGB"))
            if host.size != HOST:
                continue
            host_path = os.path.join(tmp, "host-%03d" % (i % len(reals))) + (".jpg" if a.jpeg else ".png")
            if not os.path.exists(host_path):
                save(host, host_path.rsplit(".", 1)[0], a.jpeg)
                hosts.append(host_path)
            piece = Image.open(os.path.join(a.data, fake)).convert("RGB")
            if min(piece.size) < SIDE:
                continue
            side = "left" if i % 2 == 0 else "right"
            host.paste(centre(piece, SIDE), LEFT if side == "left" else RIGHT, mask)
            path = save(host, os.path.join(tmp, "composite-%03d" % i), a.jpeg)
            composites.append((path, family, fake, side))

        paths = [c[0] for c in composites]
        print("%d composites of %d held-out photos and %d held-out fakes; analysing..." % (len(paths), len(hosts), len(paths)),
              file=sys.stderr)
        whole_results = analyse(a.synthscope, paths, os.path.join(tmp, "whole.json"), verdict_only=False)
        left_results = analyse(a.synthscope, paths, os.path.join(tmp, "left.json"), square(LEFT))
        right_results = analyse(a.synthscope, paths, os.path.join(tmp, "right.json"), square(RIGHT))
        left, right = labels(left_results), labels(right_results)
        left_out, right_out = stands_out(left_results), stands_out(right_results)
        left_wide = labels(analyse(a.synthscope, paths, os.path.join(tmp, "left-wide.json"), square(LEFT, MARGIN)))
        right_wide = labels(analyse(a.synthscope, paths, os.path.join(tmp, "right-wide.json"), square(RIGHT, MARGIN)))
        alone_results = analyse(a.synthscope, hosts, os.path.join(tmp, "hosts.json"), verdict_only=False)
        composite_warmest, composite_warmest_out = ({}, {}) if a.regions_only else warmest_part_labels(a.synthscope, whole_results,
                                                                                                        tmp, "composites")
        host_warmest, host_warmest_out = ({}, {}) if a.regions_only else warmest_part_labels(a.synthscope, alone_results, tmp, "hosts")
    whole, alone = labels(whole_results), labels(alone_results)
    whole_spread = {p: r["verdict"]["spread"] for p, r in whole_results.items()}
    alone_spread = {p: r["verdict"]["spread"] for p, r in alone_results.items()}

    rows = []
    for path, family, fake, side in composites:
        pasted, untouched, wide = (left, right, left_wide) if side == "left" else (right, left, right_wide)
        pasted_out, untouched_out = (left_out, right_out) if side == "left" else (right_out, left_out)
        rows.append({"fake": fake, "family": family, "side": side, "whole": whole.get(path, "failed"),
                     "pasted_region": pasted.get(path, "failed"), "untouched_region": untouched.get(path, "failed"),
                     "wide_region": wide.get(path, "failed"), "pasted_stands_out": pasted_out.get(path, False),
                     "untouched_stands_out": untouched_out.get(path, False)})
    figures = {}
    print("%-36s %4s %14s %14s %16s %18s" % ("family", "n", "whole flagged", "region pasted", "region untouched",
                                            "wider region pasted"))
    for family in list(FAMILIES) + ["all"]:
        sel = [r for r in rows if family == "all" or r["family"] == family]
        f = {"n": len(sel), "whole_flagged": rate([r["whole"] for r in sel]),
             "pasted_region_flagged": rate([r["pasted_region"] for r in sel]),
             "untouched_region_flagged": rate([r["untouched_region"] for r in sel]),
             "pasted_region_inconclusive": rate([r["pasted_region"] for r in sel], "inconclusive"),
             "wide_region_flagged": rate([r["wide_region"] for r in sel]),
             "pasted_stands_out": rate([r["pasted_stands_out"] for r in sel], True),
             "untouched_stands_out": rate([r["untouched_stands_out"] for r in sel], True)}
        figures[family] = f
        print("%-36s %4d %14.3f %14.3f %16.3f %18.3f   stands out from its controls: pasted %.3f, untouched %.3f"
              % (family, f["n"], f["whole_flagged"], f["pasted_region_flagged"], f["untouched_region_flagged"],
                 f["wide_region_flagged"], f["pasted_stands_out"], f["untouched_stands_out"]))
    host_rate = rate(list(alone.values()))
    print("the %d photos alone, whole image flagged: %.3f" % (len(alone), host_rate))

    # The verdict panel's note that the deciding patches disagree (spread above 0.25), which points to
    # region analysis: how often it appears where the whole verdict did not flag the picture.
    def note(labels, spreads):
        missed = [p for p, l in labels.items() if l != "synthetic"]
        return sum(spreads[p] > SPREAD_NOTE for p in missed), len(missed)
    composite_note, host_note = note(whole, whole_spread), note(alone, alone_spread)
    print("'the deciding patches disagree' where the whole verdict did not flag: composites %d of %d, photos alone %d of %d"
          % (*composite_note, *host_note))
    # Choosing the part by its colour in the heatmap is circular: the warmest part of a real photo is
    # the part most likely to look generated.
    warmest = {"composites": (rate(list(composite_warmest.values())), len(composite_warmest)),
               "hosts": (rate(list(host_warmest.values())), len(host_warmest)),
               "composites_stand_out": (rate(list(composite_warmest_out.values()), True), len(composite_warmest_out)),
               "hosts_stand_out": (rate(list(host_warmest_out.values()), True), len(host_warmest_out))}
    if not a.regions_only:
        print("the warmest patch analysed alone, where the whole verdict did not flag: composites %.3f of %d, photos alone %.3f of %d"
              % (*warmest["composites"], *warmest["hosts"]))
        print("... and standing out from its control parts: composites %.3f of %d, photos alone %.3f of %d"
              % (*warmest["composites_stand_out"], *warmest["hosts_stand_out"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"feather": a.feather, "jpeg": a.jpeg, "figures": figures, "hosts_flagged": host_rate, "hosts": len(alone),
                       "spread_note": {"composites": composite_note, "hosts": host_note},
                       "warmest_patch_flagged": warmest, "composites": rows}, f, indent=1)


if __name__ == "__main__":
    main()
