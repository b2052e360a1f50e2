#!/usr/bin/python3
"""Times exported patch networks (TorchScript, as the engine loads them) on the GPU machine, for the
README's GPU figures: patches per second at inference batch 32 and 256 in fp32 (TF32 allowed, as
LibTorch's defaults do for convolutions) and under bf16 autocast, and the time of the network's part of
a 12-megapixel (4000 x 3000) image's grid. It measures the network only: no decoding, no GLCM, no
heatmap (the C++ engine's own timings are `synthscope bench`'s, on the CPU).

    python3 models/baseline/gpu/time_inference.py models/baseline/baseline.pt OTHER.pt...

The patch side is read from train_info.json beside each file."""
import json
import math
import os
import sys
import time

import torch


def patch_of(pt):
    with open(os.path.join(os.path.dirname(pt), "train_info.json")) as fh:
        return int(json.load(fh)["patch"])


def timed(fn, reps):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(reps):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - t) / reps


def main():
    if not torch.cuda.is_available():
        sys.exit("no CUDA device")
    dev = torch.device("cuda")
    print("device:", torch.cuda.get_device_name(0), "torch", torch.__version__)
    for pt in sys.argv[1:]:
        p = patch_of(pt)
        net = torch.jit.load(pt, map_location=dev).eval()
        n12 = math.ceil(4000 / p) * math.ceil(3000 / p)
        print("%s: patch %d, a 12 MP grid is %d patches" % (pt, p, n12))
        for batch in (32, 256):
            x = torch.rand(batch, 3, p, p, device=dev)
            with torch.no_grad():
                s32 = timed(lambda: net(x), 20)
                try:
                    with torch.autocast("cuda", dtype=torch.bfloat16):
                        s16 = timed(lambda: net(x), 20)
                except Exception as e:  # a scripted, frozen graph may refuse autocast
                    s16 = float("nan")
                    print("  bf16 autocast failed:", str(e).splitlines()[0])
            print("  batch %3d: fp32 %.2f ms (%.0f patches/s, 12 MP %.0f ms); bf16 autocast %.2f ms (%.0f patches/s)"
                  % (batch, s32 * 1e3, batch / s32, n12 / batch * s32 * 1e3, s16 * 1e3, batch / s16))
        x = torch.rand(256, 3, p, p)
        cpu = torch.jit.load(pt, map_location="cpu").eval()
        with torch.no_grad():
            cpu(x)
            t = time.perf_counter()
            cpu(x)
            s = time.perf_counter() - t
        print("  CPU (%d threads) batch 256: %.0f ms (%.0f patches/s)" % (torch.get_num_threads(), s * 1e3, 256 / s))


if __name__ == "__main__":
    main()
