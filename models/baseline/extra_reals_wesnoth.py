#!/usr/bin/python3
"""Human-made digital paintings as extra authentic training images (train.py --extra-reals), against the
content shortcut: in ../shared/data every fake of attribution/ is art and every real is a photo, so a model
can learn "art = fake". Battle for Wesnoth's artwork (Debian package wesnoth-1.16-data, GPL) is painted by
people: unit portraits and story landscapes.

Portraits have a transparent background: the largest fully opaque square around the figure's centroid is
kept (at least 112 px). Opaque images of at least 300 px are kept whole. User-interface pictures, maps and
mostly flat images (grey standard deviation under 25, or over half the pixels within 4 levels of the
median) are left out. Writes the crops as PNG and `extra_reals.csv` (column file) into OUT, which should
lie outside the repository (the images are not ours to ship).

Usage (from the project root):
  apt-get install wesnoth-1.16-data
  /usr/bin/python3 models/baseline/extra_reals_wesnoth.py --out /tmp/art_reals
"""
import argparse
import os

import numpy as np
from PIL import Image

ROOT = "/usr/share/games/wesnoth/1.16"
SKIP = ("dialogs", "off-map", "misc", "themes", "lobby", "help", "/maps/", "schedule", "terrain")


def opaque_square(im):
    """The largest fully opaque square centred on the opaque pixels' centroid, or None."""
    a = np.asarray(im.getchannel("A")) == 255
    h, w = a.shape
    ys, xs = np.nonzero(a)
    if len(ys) < 96 * 96:
        return None
    cy, cx = int(ys.mean()), int(xs.mean())
    holes = np.pad(np.cumsum(np.cumsum(~a, 0), 1), ((1, 0), (1, 0)))  # integral image of transparent pixels

    def fits(r):
        y0, y1, x0, x1 = cy - r, cy + r, cx - r, cx + r
        if y0 < 0 or x0 < 0 or y1 > h or x1 > w:
            return False
        return holes[y1, x1] - holes[y0, x1] - holes[y1, x0] + holes[y0, x0] == 0

    lo, hi = 0, min(h, w) // 2
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid - 1)
    return (cx - lo, cy - lo, cx + lo, cy + lo) if 2 * lo >= 112 else None


def mostly_flat(rgb):
    g = np.asarray(rgb.convert("L"), dtype=np.float32)
    return g.std() < 25 or (np.abs(g - np.median(g)) < 4).mean() > 0.5


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    kept = []
    for folder, _, names in sorted(os.walk(ROOT)):
        for name in sorted(names):
            path = os.path.join(folder, name)
            if not name.lower().endswith((".png", ".jpg", ".jpeg", ".webp")) or any(s in path for s in SKIP):
                continue
            try:
                with Image.open(path) as im:
                    im.load()
                    if min(im.size) < 160:
                        continue
                    if im.mode == "P":
                        im = im.convert("RGBA")
                    if im.mode == "RGBA" and np.asarray(im.getchannel("A")).min() < 255:
                        box = opaque_square(im)
                        if box is None:
                            continue
                        rgb, tag = im.convert("RGB").crop(box), "crop"
                    elif min(im.size) >= 300:
                        rgb, tag = im.convert("RGB"), "full"
                    else:
                        continue
            except OSError:
                continue
            if mostly_flat(rgb):
                continue
            out = os.path.join(args.out, tag + "_" + path[len(ROOT) + 1:].replace("/", "_").rsplit(".", 1)[0] + ".png")
            rgb.save(out)
            kept.append(out)
    with open(os.path.join(args.out, "extra_reals.csv"), "w") as fh:
        fh.write("file\n" + "".join(f + "\n" for f in sorted(kept)))
    print("%d images in %s" % (len(kept), args.out))


if __name__ == "__main__":
    main()
