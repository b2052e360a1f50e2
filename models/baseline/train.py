#!/usr/bin/python3
"""Train and export the SynthScope baseline patch detector + attributor (CPU, TorchScript).

Recipe (see README.md in this folder):
  * classes: "authentic", the 7 generators of attribution/, "stylegan2" (faces/fake) and
    "other_diffusion" (binary/fake + dif/*/1_fake);
  * deterministic train / val / test split by *source group* (prompt folder for attribution/,
    generator folder for dif/, picture identity for real/classic, file otherwise), written to
    split.csv; the test split is never read by this script except to write split.csv;
  * random P x P crops of the full-resolution image (no resizing), random horizontal flip;
  * format-shortcut countermeasure: every crop of BOTH classes is JPEG re-encoded at a random
    quality in [40, 100], and with probability 0.5 (again for both classes) the 8-aligned region
    around the crop is JPEG-compressed first (double compression), so that JPEG traces carry no label;
  * class-balanced sampling: 50 % authentic (spread over the real sub-sources), 50 % fake
    (uniform over the 9 generator classes);
  * small CNN (~0.6 M parameters, BatchNorm + ReLU, strided 3x3 convs, global average pooling);
  * export: eval mode, torch.jit.script + freeze (BatchNorm folded), forward takes float32 NCHW RGB
    in [0, 1] of side P and returns softmax probabilities; beside it a manifest (baseline.json) the
    engine loads as it is, without calibration or figures until evaluate.py adds them.

Usage:
  nice -n 10 /usr/bin/python3 models/baseline/train.py --data ../shared/data --out models/baseline \
      --patch 96 --steps 3000 --time-budget 2100 --threads 1 --val-every 500
"""
import argparse
import csv
import hashlib
import io
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image, ImageFilter

CLASSES = [
    "authentic",
    "dalle_mini",
    "disco_diffusion",
    "glid3xl",
    "ldm",
    "midjourney_2022",
    "sd_dreamstudio_2022",
    "vqgan",
    "stylegan2",
    "other_diffusion",
]
ATTRIBUTION = CLASSES[1:8]
SPLIT_SEED = "synthscope-baseline-split-v1"
SPLIT_FRACTIONS = (0.70, 0.10)  # train, val; the rest (0.20) is the held-out test split

# real/classic holds the same pictures in several test sets (Set12 vs classic5 vs Set5):
# group them by picture so that a picture never lands in two splits.
CLASSIC_ALIASES = {
    "Set12/03.png": "peppers", "classic5/peppers.bmp": "peppers",
    "Set12/08.png": "lena", "classic5/lena.bmp": "lena",
    "Set12/09.png": "barbara", "classic5/barbara.bmp": "barbara",
    "Set12/10.png": "boats", "classic5/boats.bmp": "boats",
    "Set12/05.png": "monarch", "Set5/HR/butterfly.png": "monarch",
}


# ----------------------------------------------------------------------------- data / split
def class_of(row):
    f = row["file"]
    if row["label"] == "real":
        return "authentic"
    if f.startswith("attribution/"):
        return f.split("/")[1]
    if f.startswith("faces/fake/"):
        return "stylegan2"
    if f.startswith("dif/dalle_mini/1_fake/"):
        return "dalle_mini"                            # the same model as attribution/dalle_mini
    if f.startswith("binary/fake/") or (f.startswith("dif/") and "/1_fake/" in f):
        return "other_diffusion"
    raise ValueError("no class for " + f)


def domain_of(row):
    """Sub-source used for balanced sampling and for reporting."""
    f = row["file"]
    if f.startswith("dif/"):
        return "dif_real" if row["label"] == "real" else "dif_fake"
    parts = f.split("/")
    return parts[0] + "/" + parts[1]


def group_of(row):
    f, sp = row["file"], row["source_path"]
    if f.startswith("attribution/"):
        return "prompt:" + sp.split("/")[-2]          # same prompt rendered by several generators
    if f.startswith("dif/"):
        return "dif:" + f.split("/")[1]                # content-matched reals and fakes stay together
    if f.startswith("real/classic/"):
        key = sp.split("testsets/", 1)[-1]
        return "classic:" + CLASSIC_ALIASES.get(key, key)
    return "file:" + row["source"] + ":" + sp


def _hash01(group):
    h = hashlib.sha256((SPLIT_SEED + "|" + group).encode()).digest()
    return int.from_bytes(h[:8], "big") / 2.0 ** 64


def family_of(row):
    """Groups are split separately inside each family so every family gets the exact fractions."""
    g = row["group"]
    return row["domain"] if g.startswith("file:") else g.split(":", 1)[0]


def assign_splits(rows):
    """Deterministic split: inside each family, groups ordered by a seeded hash, first 70 % train,
    next 10 % val, last 20 % test (cumulative rounding)."""
    fam = {}
    for r in rows:
        fam.setdefault(family_of(r), set()).add(r["group"])
    where = {}
    for groups in fam.values():
        order = sorted(groups, key=lambda g: (_hash01(g), g))
        n = len(order)
        n_train = int(round(SPLIT_FRACTIONS[0] * n))
        n_trval = int(round((SPLIT_FRACTIONS[0] + SPLIT_FRACTIONS[1]) * n))
        for i, g in enumerate(order):
            where[g] = "train" if i < n_train else ("val" if i < n_trval else "test")
    for r in rows:
        r["split"] = where[r["group"]]


def read_labels(data_dir):
    with open(os.path.join(data_dir, "labels.csv"), newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["cls"] = class_of(r)
        r["domain"] = domain_of(r)
        r["group"] = group_of(r)
    assign_splits(rows)
    return rows


def read_extra_reals(path):
    """Human-made images from outside ../shared/data (a CSV with a "file" column of absolute paths), all
    authentic, in a family of their own ("extra_real"), split 70/10/20 by the same seeded hash."""
    with open(path, newline="") as fh:
        files = [r["file"] for r in csv.DictReader(fh)]
    return [{"file": f, "label": "real", "generator": "real", "source": "extra", "source_path": f, "cls": "authentic",
             "domain": "extra_real", "group": "file:extra:" + f} for f in files]


def write_extra_test(rows, path):
    """The extra reals of the test split, as a labels CSV for `synthscope evaluate` (never trained on)."""
    with open(path, "w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["file", "label", "generator", "source"])
        for r in rows:
            if r["domain"] == "extra_real" and r["split"] == "test":
                wr.writerow([r["file"], "real", "real", "extra"])


def write_logo_split(rows, hold_out, path):
    """Leave-one-generator-out evaluation set: every image of the held-out class (none was trained on,
    whatever its split) as "logo", plus the held-out test split's real images as "logo" for the false
    positives; the rest "unused". For `synthscope evaluate labels.csv --split PATH --split-name logo`."""
    with open(path, "w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["file", "split"])
        for r in sorted(rows, key=lambda r: r["file"]):
            use = r["cls"] == hold_out or (r["cls"] == "authentic" and r["split"] == "test")
            wr.writerow([r["file"], "logo" if use else "unused"])


def load_rgb(path):
    with Image.open(path) as im:
        im = im.convert("RGB")  # L / RGBA -> RGB (alpha dropped, as the engine does)
        return np.asarray(im, dtype=np.uint8).copy()


def pad_to(img, p):
    h, w = img.shape[:2]
    if h >= p and w >= p:
        return img
    ph, pw = max(0, p - h), max(0, p - w)
    return np.pad(img, ((0, ph), (0, pw), (0, 0)), mode="reflect")


def jpeg(arr, q):
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG", quality=int(q))
    buf.seek(0)
    with Image.open(buf) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def random_tone(crop, rng):
    """Random contrast (about the crop's mean grey), brightness and saturation, as a photographer's or a
    camera's tone curve would change them: contrast x0.6-1.6 and saturation x0.6-1.6 (log-uniform),
    brightness x0.85-1.15."""
    x = crop.astype(np.float32)
    grey = x @ np.array([0.299, 0.587, 0.114], np.float32)
    x = grey[..., None] + np.exp(rng.uniform(np.log(0.6), np.log(1.6))) * (x - grey[..., None])  # saturation
    mean = grey.mean()
    x = mean + np.exp(rng.uniform(np.log(0.6), np.log(1.6))) * (x - mean)  # contrast
    x = x * rng.uniform(0.85, 1.15)  # brightness
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def random_crop(img, p, rng, double_jpeg_p=0.5, q_range=(40, 100), blur_p=0.0, tone_p=0.0):
    """Crop without resizing; JPEG both classes alike. With probability blur_p (both classes alike) the
    crop is first blurred (Gaussian, sigma 0.4-1.5 px), as optics, defocus and in-camera noise reduction
    leave camera-resolution photos: so that smooth detail carries no label. With probability tone_p (both
    classes alike) its contrast, brightness and saturation are changed (random_tone) before the JPEG step,
    so that tone carries no label: the art generators' renders are more contrasted than the training
    photos, and the model had learned that (a real photo with its contrast raised 1.3x was flagged
    0.43 of the time instead of 0.19)."""
    h, w = img.shape[:2]
    y = int(rng.integers(0, h - p + 1))
    x = int(rng.integers(0, w - p + 1))
    if rng.random() < double_jpeg_p:
        # first compression on the image's own 8x8 grid, over the region covering the crop
        y0, x0 = (y // 8) * 8, (x // 8) * 8
        y1, x1 = min(h, y + p), min(w, x + p)
        region = jpeg(np.ascontiguousarray(img[y0:y1, x0:x1]), rng.integers(60, 101))
        crop = region[y - y0:y - y0 + p, x - x0:x - x0 + p]
    else:
        crop = img[y:y + p, x:x + p]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    if blur_p > 0 and rng.random() < blur_p:  # no draw at all when off: the sampling stays as before
        sigma = float(rng.uniform(0.4, 1.5))
        crop = np.asarray(Image.fromarray(np.ascontiguousarray(crop)).filter(ImageFilter.GaussianBlur(sigma)))
    if tone_p > 0 and rng.random() < tone_p:  # no draw at all when off
        crop = random_tone(crop, rng)
    crop = jpeg(np.ascontiguousarray(crop), rng.integers(q_range[0], q_range[1] + 1))
    return crop


# ----------------------------------------------------------------------------- model
def conv_bn(cin, cout, stride):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class PatchNet(nn.Module):
    """Input: float32 NCHW RGB in [0,1]. Output: logits (train) / softmax (exported wrapper)."""

    def __init__(self, n_classes=len(CLASSES), width=16, residual=False):
        super().__init__()
        w = width
        self.residual = residual
        self.features = nn.Sequential(
            conv_bn(6 if residual else 3, w, 1),  # full resolution first: keep high-frequency traces
            conv_bn(w, 2 * w, 2),
            conv_bn(2 * w, 2 * w, 1),
            conv_bn(2 * w, 4 * w, 2),
            conv_bn(4 * w, 4 * w, 1),
            conv_bn(4 * w, 8 * w, 2),
            conv_bn(8 * w, 8 * w, 1),
            conv_bn(8 * w, 16 * w, 2),
        )
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(16 * w, n_classes)

    def forward(self, x):
        if self.residual:
            # Fixed high-pass input beside the colours: the pixel minus its 3x3 mean. Generator traces
            # live in this residual while content dominates the raw values; giving it to the first
            # layer directly makes a small model learn them sooner.
            hp = x - F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
            x = torch.cat([(x - 0.5) * 4.0, hp * 16.0], dim=1)
        else:
            x = (x - 0.5) * 4.0
        x = self.features(x)
        x = torch.mean(x, dim=(2, 3))
        return self.fc(self.dropout(x))


class SoftmaxWrapper(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.softmax(self.net(x), dim=1)


def to_tensor(batch_uint8):
    """A list of HWC uint8 crops -> float32 NCHW in [0, 1]."""
    return to_float_nchw(torch.from_numpy(np.stack(batch_uint8)))


class CropStream(torch.utils.data.IterableDataset):
    """Endless training batches from `sample` for a DataLoader's worker processes (--workers): on a GPU the
    crops and their JPEG re-encoding, not the network, limit the speed. Each worker reseeds the sampler's
    generator (`reseed_worker`), so that no two workers draw the same crops."""

    def __init__(self, sample, batch):
        super().__init__()
        self.sample, self.batch = sample, batch

    def __iter__(self):
        # uint8 NHWC, made float on the training device (to_float_nchw): a quarter of the bytes through
        # the workers' shared memory and the host-to-GPU copy, which at GPU speeds is what limits
        while True:
            xs, ys = zip(*[self.sample() for _ in range(self.batch)])
            yield torch.from_numpy(np.stack(xs)), torch.tensor(ys)


def to_float_nchw(x_uint8):
    """uint8 NHWC (a batch tensor) -> float32 NCHW in [0, 1], divided in float32."""
    return (x_uint8.float() / 255.0).permute(0, 3, 1, 2).contiguous()


def pick_device(name):
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        sys.exit("--device cuda: no CUDA device is available to this PyTorch")
    return torch.device(name)


# ----------------------------------------------------------------------------- training
def auto_steps_window(workers):
    """--steps 0: the steps timed to size the schedule. With worker processes the window starts after the
    batches they prefetched while the training started (4 each; twice that, for the pinning queue and a
    margin) are used up, and is longer, since a step then takes milliseconds: timing the prefetched
    batches would plan too many steps for the budget."""
    if workers == 0:
        return 20, 70
    start = 20 + 4 * workers * 2
    return start, start + 500


AUTO_STEPS_WARMUP = 150       # --steps 0: warm-up steps, fixed because the schedule's length is not yet known


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--out", default="models/baseline")
    ap.add_argument("--patch", type=int, default=96)
    ap.add_argument("--steps", type=int, default=3000,
                    help="optimizer steps (the LR schedule spans them); 0: as many as fit --time-budget, measured "
                         "over a window of steps (auto_steps_window), for a machine whose speed is not known in advance")
    ap.add_argument("--time-budget", type=float, default=40 * 60, help="seconds; stops early if exceeded")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--val-every", type=int, default=500)
    ap.add_argument("--residual", action="store_true", help="add the fixed high-pass residual input (v2)")
    ap.add_argument("--sampling", choices=["source", "paired"], default="source",
                    help="source: 50%% authentic spread over real sources, 50%% fake uniform over classes (0.2); "
                         "paired: a source pair first (faces, binary, dif, art), then real/fake 50/50 inside it")
    ap.add_argument("--blur-p", type=float, default=0.0,
                    help="probability of a Gaussian blur of a training crop, both classes alike (0.3 tried)")
    ap.add_argument("--tone-p", type=float, default=0.0,
                    help="probability of a random contrast/brightness/saturation change, both classes alike (0.8 tried)")
    ap.add_argument("--extra-reals", default="",
                    help="CSV (column file, absolute paths) of human-made images to add as authentic, split 70/10/20")
    ap.add_argument("--extra-real-weight", type=float, default=0.25,
                    help="their share of the authentic draws before renormalising (the others sum to 1)")
    ap.add_argument("--hold-out", default="", help="leave-one-generator-out: never train on this class")
    ap.add_argument("--manifest-template", default="models/baseline/baseline.json",
                    help="manifest whose fields the new weights' manifest copies (all paths are relative to the project root)")
    ap.add_argument("--benchmark", type=int, default=0, help="only time N steps and exit")
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default="cpu",
                    help="where the network trains (auto: CUDA when available); the export is always on the CPU")
    ap.add_argument("--workers", type=int, default=0,
                    help="processes that make the training crops (0: in the training loop, the reproducible default)")
    args = ap.parse_args()
    if args.hold_out and args.hold_out not in CLASSES[1:]:
        sys.exit("--hold-out must be one of " + ", ".join(CLASSES[1:]))
    if not os.path.isfile(args.manifest_template):  # found out now, not after the training
        sys.exit("no manifest template at %s (run from the project root or give --manifest-template)"
                 % args.manifest_template)

    torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed input sizes: let cuDNN pick its fastest kernels once
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.out, exist_ok=True)
    P = args.patch
    t0 = time.time()

    rows = read_labels(args.data)
    with open(os.path.join(args.out, "split.csv"), "w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["file", "split"])
        for r in sorted(rows, key=lambda r: r["file"]):
            wr.writerow([r["file"], r["split"]])
    if args.extra_reals:  # split on their own, after split.csv is written: the shared data's split is unchanged
        extra = read_extra_reals(args.extra_reals)
        assign_splits(extra)
        write_extra_test(extra, os.path.join(args.out, "extra_reals_test.csv"))
        rows += extra
    if args.hold_out:
        write_logo_split(rows, args.hold_out, os.path.join(args.out, "logo_split.csv"))
    counts = {}
    for r in rows:
        counts.setdefault(r["split"], {}).setdefault(r["cls"], 0)
        counts[r["split"]][r["cls"]] += 1
    print("split counts:", json.dumps(counts, sort_keys=True), flush=True)

    # preload train + val images once (the test split is not decoded here)
    imgs = {}
    for r in rows:
        if r["split"] in ("train", "val"):
            imgs[r["file"]] = pad_to(load_rgb(os.path.join(args.data, r["file"])), P)
    print("decoded %d images in %.1fs" % (len(imgs), time.time() - t0), flush=True)

    train = [r for r in rows if r["split"] == "train"]
    val = [r for r in rows if r["split"] == "val"]

    # sampling pools: authentic by sub-source, fakes by class (other_diffusion: binary vs dif)
    real_w = {"faces/real": 0.30, "binary/real": 0.30, "real/bsds": 0.25, "real/classic": 0.10, "dif_real": 0.05}
    if args.extra_reals:
        real_w["extra_real"] = args.extra_real_weight  # renormalised below
    real_pools = {d: [r["file"] for r in train if r["domain"] == d] for d in real_w}
    train_classes = [c for c in CLASSES[1:] if c != args.hold_out]
    # DIF's fakes of a named generator join that generator's pool; the other_diffusion ones form a pool of
    # their own, drawn a quarter of the time (labels.csv lists attribution/ before dif/, so pools keep
    # the order they had when the dif files were appended).
    is_dif_other = lambda r: r["domain"] == "dif_fake" and r["cls"] == "other_diffusion"  # noqa: E731
    fake_pools = {c: [r["file"] for r in train if r["cls"] == c and not is_dif_other(r)] for c in train_classes}
    dif_fake = [r["file"] for r in train if is_dif_other(r)]
    real_doms = [d for d in real_w if real_pools[d]]
    rw = np.array([real_w[d] for d in real_doms])
    rw /= rw.sum()
    cls_idx = {c: i for i, c in enumerate(CLASSES)}

    # --sampling paired: pick a source pair first, then real or fake 50/50 inside it, so that no content
    # (faces, ImageNet/COCO photos, art) is seen mostly under one label: the source sampling above shows
    # faces/real six times as often as StyleGAN2, which teaches "faces are real".
    pair_w = {"faces": 0.25, "binary": 0.25, "dif": 0.05, "art": 0.45}
    pair_real = {"faces": {"faces/real": 1.0}, "binary": {"binary/real": 1.0}, "dif": {"dif_real": 1.0},
                 "art": {"real/bsds": 0.25, "real/classic": 0.10}}
    pair_fake = {
        "faces": {c: fake_pools[c] for c in ["stylegan2"] if c in fake_pools},
        "binary": {"other_diffusion": [f for f in fake_pools.get("other_diffusion", []) if f.startswith("binary/")]},
        "dif": {"dif": [r["file"] for r in train if r["domain"] == "dif_fake" and r["cls"] in train_classes]},
        "art": {c: fake_pools[c] for c in ATTRIBUTION if c in fake_pools},
    }
    cls_of_file = {r["file"]: r["cls"] for r in train}
    pairs = [k for k in pair_w if any(pair_fake[k].values())]  # a held-out generator can empty a pair
    pw = np.array([pair_w[k] for k in pairs])
    pw /= pw.sum()
    pair_real_p = {k: np.array(list(pair_real[k].values())) / sum(pair_real[k].values()) for k in pairs}
    pair_fake_groups = {k: [g for g in pair_fake[k] if pair_fake[k][g]] for k in pairs}

    def sample_paired():
        k = pairs[int(rng.choice(len(pairs), p=pw))]
        if rng.random() < 0.5:
            doms = list(pair_real[k])
            pool = real_pools[doms[int(rng.choice(len(doms), p=pair_real_p[k]))]]
        else:
            groups = pair_fake_groups[k]
            pool = pair_fake[k][groups[int(rng.integers(0, len(groups)))]]
        f = pool[int(rng.integers(0, len(pool)))]
        return random_crop(imgs[f], P, rng, blur_p=args.blur_p, tone_p=args.tone_p), cls_idx[cls_of_file[f]]

    def sample():
        if args.sampling == "paired":
            return sample_paired()
        if rng.random() < 0.5:
            d = real_doms[int(rng.choice(len(real_doms), p=rw))]
            pool, y = real_pools[d], 0
        else:
            c = train_classes[int(rng.integers(0, len(train_classes)))]
            pool = fake_pools[c]
            if c == "other_diffusion" and dif_fake and rng.random() < 0.25:
                pool = dif_fake
            y = cls_idx[c]
        f = pool[int(rng.integers(0, len(pool)))]
        return random_crop(imgs[f], P, rng, blur_p=args.blur_p, tone_p=args.tone_p), y

    # fixed validation crops (2 per val image, seeded)
    vrng = np.random.default_rng(args.seed + 1)
    vx, vy = [], []
    for r in val:
        if r["cls"] == args.hold_out:
            continue
        for _ in range(2):
            vx.append(random_crop(imgs[r["file"]], P, vrng))
            vy.append(cls_idx[r["cls"]])
    vX = to_tensor(vx)
    vY = torch.tensor(vy)

    net = PatchNet(width=args.width, residual=args.residual).to(device)
    vX_dev, vY_dev = vX.to(device), vY.to(device)
    n_params = sum(p.numel() for p in net.parameters())
    print("params: %d" % n_params, flush=True)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    auto_steps = args.steps == 0
    if auto_steps:
        args.steps = 10 ** 9  # until the speed is measured; only the warm-up's learning rates are used before
    warm = AUTO_STEPS_WARMUP if auto_steps else max(1, args.steps // 40)
    window = auto_steps_window(args.workers)

    def lr_at(s):
        if s < warm:
            return args.lr * (s + 1) / warm
        return args.lr * 0.5 * (1 + math.cos(math.pi * (s - warm) / max(1, args.steps - warm)))

    def evaluate_val():
        net.eval()
        with torch.no_grad():
            logits = torch.cat([net(vX_dev[i:i + 256]) for i in range(0, len(vX_dev), 256)]).cpu()
        net.train()
        loss = F.cross_entropy(logits, vY).item()
        prob = torch.softmax(logits, 1)
        syn = 1 - prob[:, 0]
        is_fake = vY != 0
        tpr = (syn[is_fake] > 0.5).float().mean().item()
        tnr = (syn[~is_fake] <= 0.5).float().mean().item()
        acc = (prob.argmax(1) == vY).float().mean().item()
        att = [i for i in range(len(vY)) if 1 <= int(vY[i]) <= 7]
        att_acc = (prob[att, 1:8].argmax(1) + 1 == vY[att]).float().mean().item() if att else float("nan")
        return loss, 0.5 * (tpr + tnr), acc, att_acc

    stream = CropStream(sample, args.batch)
    if args.workers > 0:
        def reseed_worker(worker_id):
            rng.bit_generator.state = np.random.default_rng([args.seed, 1000 + worker_id]).bit_generator.state

        batches = iter(torch.utils.data.DataLoader(stream, batch_size=None, num_workers=args.workers, worker_init_fn=reseed_worker,
                                                   prefetch_factor=4, pin_memory=device.type == "cuda"))
    else:
        batches = iter(stream)  # in this process: the same crops, in the same order, as before --workers

    best = (float("inf"), None, -1)
    t_train = time.time()
    run_loss, run_n = 0.0, 0
    steps_done = 0
    for step in range(args.steps):  # with --steps 0, `last` below ends it once the schedule's length is set
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        x, y = next(batches)
        x, y = to_float_nchw(x.to(device, non_blocking=True)), y.to(device, non_blocking=True)
        loss = F.cross_entropy(net(x), y, label_smoothing=0.05)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        run_loss += loss.item()
        run_n += 1
        steps_done = step + 1
        if auto_steps and steps_done == window[0]:
            t_window = time.time()
        if auto_steps and steps_done == window[1]:
            per_step = (time.time() - t_window) / (window[1] - window[0])
            left = args.time_budget - (time.time() - t_train)
            # 5 % kept for the validation passes, so that the schedule ends before the budget does
            args.steps = steps_done + max(1, int(0.95 * left / per_step))
            print("--steps 0: %.4f s/step, so %d steps fit the %.0f s budget" % (per_step, args.steps, args.time_budget),
                  flush=True)
        if args.benchmark and steps_done >= args.benchmark:
            dt = time.time() - t_train
            print("benchmark: %.3f s/step" % (dt / steps_done), flush=True)
            return
        last = steps_done == args.steps or time.time() - t_train > args.time_budget
        if steps_done % args.val_every == 0 or last:
            vl, vb, va, vatt = evaluate_val()
            print("step %5d  %.0fs  lr %.2e  train_loss %.4f  val_loss %.4f  val_bacc %.3f  val_acc %.3f  val_att %.3f"
                  % (steps_done, time.time() - t_train, lr_at(step), run_loss / run_n, vl, vb, va, vatt), flush=True)
            run_loss, run_n = 0.0, 0
            if vl < best[0]:
                best = (vl, {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}, steps_done)
        if last:
            if steps_done < args.steps:
                print("time budget reached at step %d" % steps_done, flush=True)
            break
    train_s = time.time() - t_train
    print("training done: %d steps in %.0fs; best val_loss %.4f at step %d" % (steps_done, train_s, best[0], best[2]),
          flush=True)

    # Keep the weights before exporting: scripting reads this file's source again, and an export that
    # fails must not lose the training (load checkpoint.pth into PatchNet and call export()).
    torch.save({"state_dict": best[1], "best_step": best[2], "best_val_loss": best[0]},
               os.path.join(args.out, "checkpoint.pth"))
    export(net, best[1], args, vX, n_params, steps_done, best, train_s, t0)


def export(net, state_dict, args, vX, n_params, steps_done, best, train_s, t0):
    P = args.patch
    net = net.cpu()
    net.load_state_dict(state_dict)
    net.eval()
    wrapped = SoftmaxWrapper(net).eval()
    scripted = torch.jit.freeze(torch.jit.script(wrapped))
    pt_path = os.path.join(args.out, "baseline.pt")
    scripted.save(pt_path)
    reloaded = torch.jit.load(pt_path)
    with torch.no_grad():
        diff = (reloaded(vX[:64]) - wrapped(vX[:64])).abs().max().item()
    print("export check max|diff| = %.2e" % diff, flush=True)
    sha = hashlib.sha256(open(pt_path, "rb").read()).hexdigest()
    info = {
        "classes": CLASSES, "patch": P, "params": n_params, "steps": steps_done, "best_step": best[2],
        "best_val_loss": best[0], "train_seconds": round(train_s), "total_seconds": round(time.time() - t0),
        "threads": args.threads, "device": args.device, "workers": args.workers, "batch": args.batch, "lr": args.lr, "width": args.width, "seed": args.seed,
        "residual": args.residual, "hold_out": args.hold_out or None, "sampling": args.sampling, "blur_p": args.blur_p,
        "tone_p": args.tone_p,
        "extra_reals": args.extra_reals or None,
        "sha256": sha, "size_bytes": os.path.getsize(pt_path), "torch": torch.__version__,
    }
    with open(os.path.join(args.out, "train_info.json"), "w") as fh:
        json.dump(info, fh, indent=2)
    write_manifest(args, info)
    print(json.dumps(info), flush=True)


def write_manifest(args, info):
    """A manifest the engine loads as it is, beside the weights: --manifest-template (the shipped one) with
    this run's weights, patch size and provenance. Its calibration and accuracy are dropped (they belonged
    to other weights): `evaluate.py --fit-calibration` and `evaluate.py --update-manifest` fill them again."""
    with open(args.manifest_template) as fh:
        m = json.load(fh)
    m["name"] = "baseline-logo-" + args.hold_out if args.hold_out else "baseline"
    m["description"] = ("leave-one-generator-out model, never trained on " + args.hold_out if args.hold_out
                        else "SynthScope CPU baseline (retrained; see README)")
    m["weights"] = "baseline.pt"
    m["sha256"] = info["sha256"]
    m["input"]["size"] = info["patch"]
    m.get("verdict", {}).pop("calibration", None)
    m["provenance"]["recipe"] = "models/baseline/train.py " + " ".join(sys.argv[1:])
    if args.hold_out:
        m["provenance"]["training_data"] += "; without any image of " + args.hold_out
    m["accuracy"] = {"note": "not measured yet (models/baseline/evaluate.py --update-manifest)"}
    with open(os.path.join(args.out, "baseline.json"), "w") as fh:
        json.dump(m, fh, indent=2)
        fh.write("\n")


if __name__ == "__main__":
    sys.exit(main())
