#!/usr/bin/python3
"""Packs the training and validation images of ../shared/data into parts small enough to travel to the
GPU machine (the device tool carries at most 64 MiB per call, the working tree included), for
models/baseline/gpu/device_run.sh.

The device machine cannot see ../shared. train.py reads labels.csv (every row: the split is computed
from all of them) and decodes only the train and val images, so only those travel, under their own
paths. Lossless files (PNG, TIFF, BMP) travel as lossless WebP under their original names (Pillow opens
a file by its content, not its name): the pixels train.py decodes there are the ones it decodes here,
which this script checks file by file. JPEGs travel as they are (their bytes are the data).
The test split never travels.

    /usr/bin/python3 models/baseline/gpu/pack_data.py --data ../shared/data --out .gpu_data

writes .gpu_data/part1.tar ... partN.tar (each under --part-mib) and .gpu_data/parts.txt (one line per
part: name, sha256); the README beside train.py says which `run` call carries which part.
"""
import argparse
import csv
import hashlib
import io
import os
import sys
import tarfile

import numpy as np
from PIL import Image

LOSSLESS = (".png", ".tif", ".tiff", ".bmp")


def load_rgb(path):
    """As train.py's load_rgb: what training sees of a file."""
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8).copy()


def travelling_bytes(path):
    """The bytes that travel for one image, and whether they were re-encoded."""
    if not path.lower().endswith(LOSSLESS):
        with open(path, "rb") as fh:
            return fh.read(), False
    rgb = load_rgb(path)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "WEBP", lossless=True, quality=50, method=4)  # method 6 packs 2 % smaller, 30x slower
    data = buf.getvalue()
    with Image.open(io.BytesIO(data)) as back:
        if not np.array_equal(np.asarray(back.convert("RGB")), rgb):
            raise SystemExit("lossless WebP changed the pixels of %s" % path)
    return data, True


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--split", default="models/baseline/split.csv", help="which files are train / val / test")
    ap.add_argument("--out", default=".gpu_data")
    ap.add_argument("--part-mib", type=float, default=28.0,
                    help="largest part; the working tree (about 17 MiB) travels with each")
    args = ap.parse_args()

    with open(os.path.join(args.data, "labels.csv"), newline="") as fh:
        rows = list(csv.DictReader(fh))
    with open(args.split, newline="") as fh:
        split = {r["file"]: r["split"] for r in csv.DictReader(fh)}
    missing = [r["file"] for r in rows if r["file"] not in split]
    if missing:
        raise SystemExit("%d files of labels.csv are not in %s (e.g. %s): re-run train.py here first"
                         % (len(missing), args.split, missing[0]))
    files = sorted(r["file"] for r in rows if split[r["file"]] in ("train", "val"))

    os.makedirs(args.out, exist_ok=True)
    for old in os.listdir(args.out):
        if old.startswith("part") and (old.endswith(".tar") or old == "parts.txt"):
            os.remove(os.path.join(args.out, old))
    limit = int(args.part_mib * (1 << 20))
    parts, current, size = [], None, 0
    reencoded = before = after = 0

    def add(name, data):
        nonlocal current, size
        if current is None or (size + len(data) + 1024 > limit and size > 0):
            if current is not None:
                current.close()
            parts.append(os.path.join(args.out, "part%d.tar" % (len(parts) + 1)))
            current, size = tarfile.open(parts[-1], "w"), 0
        info = tarfile.TarInfo(name)
        info.size = len(data)
        current.addfile(info, io.BytesIO(data))
        size += len(data) + 1024

    with open(os.path.join(args.data, "labels.csv"), "rb") as fh:
        add("labels.csv", fh.read())  # every row, test rows too: the split is computed from all of them
    for i, f in enumerate(files):
        path = os.path.join(args.data, f)
        data, changed = travelling_bytes(path)
        reencoded += changed
        before += os.path.getsize(path)
        after += len(data)
        add(f, data)
        if (i + 1) % 500 == 0:
            print("%d / %d images" % (i + 1, len(files)), flush=True)
    current.close()
    with open(os.path.join(args.out, "parts.txt"), "w") as fh:
        for p in parts:
            fh.write("%s %s\n" % (os.path.basename(p), sha256(p)))
    print("%d train + val images (%d re-encoded as lossless WebP): %.1f MiB -> %.1f MiB in %d parts of at most %.0f MiB:"
          % (len(files), reencoded, before / 2 ** 20, after / 2 ** 20, len(parts), args.part_mib))
    for p in parts:
        print("  %s  %.1f MiB" % (p, os.path.getsize(p) / 2 ** 20))
    return 0


if __name__ == "__main__":
    sys.exit(main())
