#!/usr/bin/env python3
"""Train SynthScope's learned denoiser: a small blind colour DnCNN (Zhang et al. 2017), exported as a
TorchScript denoiser with a `synthscope-denoiser/1` manifest (engine/denoiser.h).

Why: the Deep Image Fingerprint fingerprints (../shared/data/dif_fingerprints) were learned against the
noise residuals of the authors' own DnCNN, whose weights are not published. A small CNN denoiser trained
on low noise levels leaves residuals more like theirs than our fixed filters do: on DIF's samples, their
fingerprints then classify 75.8% correctly, against 70.8% with non-local means (models/denoiser/README.md).

Data: the *training* part of models/baseline/split.csv among ../shared/data/real (BSDS and the classic
test photos), so that no image held out for the detector's or the fingerprints' tests is seen; nothing
generated is used (the denoiser must not learn what a generator looks like). Noise: additive white
Gaussian, sigma drawn per patch uniformly in [0, --sigma-max] (grey levels of 255), as for DnCNN-B/CBSD.

Usage (from the repository root; Debian's python3 has torch):
  /usr/bin/python3 models/denoiser/train_dncnn.py --sigma-max 15 --steps 3500
Writes dncnn_s.pt, dncnn_s.json (sha256 and measured PSNR filled in) and train_log.json to --out.
"""

import argparse
import csv
import hashlib
import json
import math
import os
import sys
import time

if os.environ.get("PYTHONHASHSEED") != "0":  # byte-stable TorchScript output (see tests/models)
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from torch import nn  # noqa: E402


class DnCNN(nn.Module):
    """conv+ReLU, (depth-2) x [conv+BN+ReLU], conv. Predicts the noise; forward returns it (output "noise")."""

    def __init__(self, depth: int, width: int):
        super().__init__()
        layers = [nn.Conv2d(3, width, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(width, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True)]
        layers.append(nn.Conv2d(width, 3, 3, padding=1))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


def fold_batchnorm(model: DnCNN) -> nn.Module:
    """The same network with each BatchNorm folded into the convolution before it (inference only)."""
    folded = []
    mods = list(model.body)
    i = 0
    while i < len(mods):
        m = mods[i]
        if isinstance(m, nn.Conv2d) and i + 1 < len(mods) and isinstance(mods[i + 1], nn.BatchNorm2d):
            bn = mods[i + 1]
            conv = nn.Conv2d(m.in_channels, m.out_channels, 3, padding=1, bias=True)
            scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            conv.weight.data = m.weight.data * scale[:, None, None, None]
            conv.bias.data = bn.bias.data - bn.running_mean * scale
            folded.append(conv)
            i += 2
        else:
            folded.append(m)
            i += 1
    return nn.Sequential(*folded).eval()


class ReflectPadded(nn.Module):
    """Runs the network on the input padded by reflection and crops the result back: the convolutions'
    zero padding would otherwise leave a border artefact (as wide as the receptive radius) that is the same
    in every whole-image residual, and correlates across unrelated images of the same size."""

    def __init__(self, body: nn.Module, pad: int):
        super().__init__()
        self.body = body
        self.pad = pad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[2], x.shape[3]
        p = min(self.pad, h - 1, w - 1)
        if p < 1:
            return self.body(x)
        y = self.body(torch.nn.functional.pad(x, [p, p, p, p], mode="reflect"))
        return y[:, :, p:p + h, p:p + w]


def load_split_images(data_root: str, split_csv: str, part: str):
    images, names = [], []
    with open(split_csv, newline="") as f:
        for row in csv.DictReader(f):
            if row["split"] != part or not row["file"].startswith("real/"):
                continue
            img = Image.open(os.path.join(data_root, row["file"])).convert("RGB")
            images.append(np.asarray(img, dtype=np.uint8))
            names.append(row["file"])
    return images, names


def random_batch(images, rng: np.random.Generator, batch: int, size: int):
    out = np.empty((batch, size, size, 3), dtype=np.float32)
    for b in range(batch):
        img = images[rng.integers(len(images))]
        h, w = img.shape[:2]
        y, x = rng.integers(h - size + 1), rng.integers(w - size + 1)
        crop = img[y:y + size, x:x + size]
        k = int(rng.integers(8))  # one of the 8 flips/rotations
        crop = np.rot90(crop, k % 4)
        if k >= 4:
            crop = crop[:, ::-1]
        out[b] = crop / 255.0
    return torch.from_numpy(out).permute(0, 3, 1, 2).contiguous()


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = float(torch.mean((a.clamp(0, 1) - b) ** 2))
    return 10 * math.log10(1.0 / max(mse, 1e-12))


def evaluate(model: nn.Module, images, sigmas, crop: int = 160, seed: int = 7):
    """Mean PSNR of denoised centre crops of the validation photos at each fixed sigma (noise seeded)."""
    gen = torch.Generator().manual_seed(seed)
    result = {}
    with torch.no_grad():
        for s in sigmas:
            vals, noisy_vals = [], []
            for img in images:
                h, w = img.shape[:2]
                c = min(crop, h, w)
                y, x = (h - c) // 2, (w - c) // 2
                clean = torch.from_numpy(img[y:y + c, x:x + c].astype(np.float32) / 255).permute(2, 0, 1)[None]
                noisy = clean + torch.randn(clean.shape, generator=gen) * (s / 255)
                vals.append(psnr(noisy - model(noisy), clean))
                noisy_vals.append(psnr(noisy, clean))
            result[str(s)] = {"denoised_psnr": round(float(np.mean(vals)), 2),
                              "noisy_psnr": round(float(np.mean(noisy_vals)), 2)}
    return result


def sha256_of(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.normpath(os.path.join(here, "..", ".."))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(repo, "..", "shared", "data"))
    ap.add_argument("--split", default=os.path.join(repo, "models", "baseline", "split.csv"))
    ap.add_argument("--out", default=here)
    ap.add_argument("--name", default="dncnn_s")
    ap.add_argument("--depth", type=int, default=12)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--patch", type=int, default=48)
    ap.add_argument("--batch", type=int, default=24)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--sigma-max", type=float, default=50.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bench", type=int, default=0, help="only time this many steps and exit")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    train, train_names = load_split_images(args.data, args.split, "train")
    val, val_names = load_split_images(args.data, args.split, "val")
    print(f"{len(train)} training photos, {len(val)} validation photos", flush=True)

    model = DnCNN(args.depth, args.width)
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    # step decay: x0.1 at 60% and 85% of the run
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, [int(args.steps * 0.6), int(args.steps * 0.85)], 0.1)
    steps = args.bench or args.steps
    log, t0, running = [], time.time(), 0.0
    model.train()
    for step in range(1, steps + 1):
        clean = random_batch(train, rng, args.batch, args.patch)
        sigma = torch.rand(args.batch, 1, 1, 1) * (args.sigma_max / 255)
        noise = torch.randn_like(clean) * sigma
        loss = torch.mean((model(clean + noise) - noise) ** 2)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        running += float(loss)
        if step % 100 == 0 or step == steps:
            elapsed = time.time() - t0
            entry = {"step": step, "loss": running / (100 if step % 100 == 0 else step % 100), "seconds": round(elapsed, 1)}
            log.append(entry)
            running = 0.0
            print(f"step {step}/{steps} loss {entry['loss']:.3e} {elapsed / step:.2f} s/step", flush=True)
    if args.bench:
        return 0

    model.eval()
    inference = ReflectPadded(fold_batchnorm(model), args.depth)  # receptive radius: one pixel per layer
    sigmas = [5, 15, 25, 50]
    val_psnr = evaluate(inference, val, sigmas)
    print("validation PSNR:", json.dumps(val_psnr), flush=True)

    os.makedirs(args.out, exist_ok=True)
    pt = os.path.join(args.out, args.name + ".pt")
    torch.jit.script(inference).save(pt)
    # the saved module must give what the folded network gives (and the training network too)
    check = torch.rand(1, 3, 40, 56)
    loaded = torch.jit.load(pt)
    with torch.no_grad():
        p = args.depth
        expected = model(torch.nn.functional.pad(check, [p, p, p, p], mode="reflect"))[:, :, p:-p, p:-p]
        err = float((loaded(check) - expected).abs().max())
    if err > 1e-4:
        print(f"exported module differs from the trained one by {err}", file=sys.stderr)
        return 1
    manifest = {
        "format": "synthscope-denoiser/1",
        "name": args.name,
        "description": f"Blind colour DnCNN ({args.depth} layers, {args.width} channels, {params} parameters, reflection "
                       f"padded), trained here on natural photos with Gaussian noise sigma 0-{args.sigma_max:g}",
        "weights": args.name + ".pt",
        "sha256": sha256_of(pt),
        "input": {"range": [0, 1], "channels": 3, "pad_multiple": 1},
        "output": "noise",
        "provenance": {
            "source": "trained by SynthScope: models/denoiser/train_dncnn.py",
            "license": "same as SynthScope",
            "training_data": f"{len(train)} photos of ../shared/data/real (BSDS, classic) in the 'train' part of "
                             "models/baseline/split.csv; no generated image",
            "recipe": " ".join(["/usr/bin/python3", "models/denoiser/train_dncnn.py"] + sys.argv[1:]),
            "parameters": params,
            "validation_psnr_db": val_psnr,
            "validation_images": f"{len(val)} photos of the 'val' part of the same split, 160x160 centre crops",
        },
    }
    with open(os.path.join(args.out, args.name + ".json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    with open(os.path.join(args.out, "train_log.json"), "w", encoding="utf-8") as f:
        json.dump({"args": vars(args), "log": log, "validation_psnr_db": val_psnr,
                   "train_images": train_names}, f, indent=1)
        f.write("\n")
    print(f"wrote {pt} ({os.path.getsize(pt)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
