#!/usr/bin/python3
"""The published SuSy inference recipe in Python: the reference `synthscope bench --reference` runs beside
the engine (issue 8).

What it reproduces (HPAI-BSC/SuSy model card example, and the repository's evaluation grid):
  * decode with PIL: Image.open(path).convert("RGB") (the repository's loaders do the same);
  * the patch grid of the repository's evaluation code: ceil(L/224) patches per axis, the first at 0, the
    last ending at the edge, spread evenly (the same grid as the engine, so both classify the same
    patches; the model card's example uses the floor grid W//224 x H//224 instead);
  * per patch, as in the model card: image.crop -> np.array, then PILToTensor + torchvision Grayscale,
    skimage graycomatrix(grey, [5], [0], 256, symmetric=True, normed=True), graycoprops(..., "contrast");
  * the 5 highest-contrast patches (np.argsort(...)[::-1][:5]) as one batch, uint8 NCHW / 255, through
    torch.jit.load(model) in eval mode under no_grad: that is the first verdict;
  * then the other patches, in batches of --batch-size, for the full heatmap (the card classifies only
    the top 5; the full grid is what SynthScope's heatmap needs).

What it does not do: EXIF orientation (the engine applies it; the generated benchmark JPEGs carry none),
and nothing is optimised (no freezing, no channels-last, no lower precision): it is the recipe as
published. Run it with Debian's Python, which has the same PyTorch (1.13) that SynthScope links:

  /usr/bin/python3 bench/susy_reference.py --model susy_random.pt --threads 2 --json out.json IMG...

Timings per image are the median over --repeat runs, after one untimed warm-up analysis of the first
image (both sides of the benchmark warm up the same way). With --serve it analyses the paths it reads on
stdin, one JSON line each: `synthscope bench --reference` uses that to alternate the reference's runs
with the engine's, so that both see the same load on a shared machine. Peak memory is the process's VmHWM, reset
before each image through /proc/self/clear_refs.
"""

import argparse
import json
import math
import os
import resource
import statistics
import sys
import time

import numpy as np
import torch
from PIL import Image
from skimage.feature import graycomatrix, graycoprops

try:
    from torchvision import transforms

    _to_grey = transforms.Compose([transforms.PILToTensor(), transforms.Grayscale()])
    GREY = "torchvision PILToTensor + Grayscale"
except ImportError:  # python3-torchvision not installed: the same arithmetic, written out
    def _to_grey(patch_image):
        t = torch.from_numpy(np.array(patch_image)).permute(2, 0, 1)
        r, g, b = t.unbind(0)
        return (0.2989 * r + 0.587 * g + 0.114 * b).to(torch.uint8).unsqueeze(0)

    GREY = "torchvision Grayscale arithmetic (torchvision not installed)"

PATCH = 224  # SuSy's; --patch-size and --top-k exist so the benchmark's own tests can use tiny models
TOP_K = 5


def axis_positions(length, patch):
    """The engine's gridAxisPositions with stride = patch (round half away from zero, as std::lround)."""
    n = (length - patch + patch - 1) // patch + 1
    if n == 1:
        return [0]
    return [int(math.floor(i * (length - patch) / (n - 1) + 0.5)) for i in range(n)]


def reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_mb():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def classify(model, patches, logits=False):
    batch = torch.from_numpy(np.transpose(patches, (0, 3, 1, 2))) / 255.0
    with torch.no_grad():
        out = model(batch)
    return torch.softmax(out, 1) if logits else out


def analyse(model, path, batch_size, logits=False, authentic=0):
    t = {}
    t0 = time.perf_counter()
    image = Image.open(path).convert("RGB")
    t["decode_s"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    width, height = image.size
    xs, ys = axis_positions(width, PATCH), axis_positions(height, PATCH)
    patches = np.zeros((len(xs) * len(ys), PATCH, PATCH, 3), dtype=np.uint8)
    for j, y in enumerate(ys):
        for i, x in enumerate(xs):
            patches[j * len(xs) + i] = np.array(image.crop((x, y, x + PATCH, y + PATCH)))
    t["crop_s"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    contrasts = []
    for patch in patches:
        grey = _to_grey(Image.fromarray(patch)).squeeze(0)
        glcm = graycomatrix(grey.numpy(), [5], [0], 256, symmetric=True, normed=True)
        contrasts.append(graycoprops(glcm, "contrast")[0, 0])
    t["glcm_s"] = time.perf_counter() - t2

    t3 = time.perf_counter()
    order = np.argsort(contrasts)[::-1]
    top = order[:TOP_K]
    top_probs = classify(model, patches[top], logits)
    t["topk_inference_s"] = time.perf_counter() - t3
    t["first_verdict_s"] = time.perf_counter() - t0

    rest = np.sort(order[TOP_K:])
    for start in range(0, len(rest), batch_size):
        classify(model, patches[rest[start:start + batch_size]], logits)
    t["full_s"] = time.perf_counter() - t0

    synthetic = float((1.0 - top_probs[:, authentic]).mean())
    return t, {"width": width, "height": height, "patches": int(len(patches)), "top_k": [int(i) for i in top],
               "synthetic_probability": synthetic}


def serve(run):
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "grey": GREY}), flush=True)
    for line in sys.stdin:
        path = line.rstrip("\n")
        if not path:
            continue
        reset_peak_rss()
        timing, info = run(path)
        print(json.dumps({"path": path, **info, **timing, "peak_rss_mb": peak_rss_mb()}), flush=True)
    return 0


def main():
    global PATCH, TOP_K
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("images", nargs="+")
    ap.add_argument("--model", required=True, help="TorchScript file (e.g. SuSy.pt, or the random-weight export)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--json", help="write the results here (default: stdout)")
    ap.add_argument("--patch-size", type=int, default=PATCH)
    ap.add_argument("--top-k", type=int, default=TOP_K)
    ap.add_argument("--authentic-index", type=int, default=0, help="class index of 'authentic'")
    ap.add_argument("--logits", action="store_true", help="the model returns logits (softmax them)")
    ap.add_argument("--serve", action="store_true",
                    help="after the warm-up on the first image, analyse each image path read from stdin once and "
                         "answer one JSON line (synthscope bench interleaves these runs with its own)")
    args = ap.parse_args()
    PATCH, TOP_K = args.patch_size, args.top_k

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    model = torch.jit.load(args.model)
    model.eval()

    run = lambda path: analyse(model, path, args.batch_size, args.logits, args.authentic_index)
    run(args.images[0])  # warm-up, untimed
    if args.serve:
        return serve(run)
    results = []
    for path in args.images:
        runs, info, peaks = [], None, []
        for _ in range(max(1, args.repeat)):
            reset_peak_rss()
            timing, info = run(path)
            peaks.append(peak_rss_mb())
            runs.append(timing)
        median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        median["runs_first_verdict_s"] = [r["first_verdict_s"] for r in runs]
        median["runs_full_s"] = [r["full_s"] for r in runs]
        results.append({"path": path, **info, **median, "peak_rss_mb": max(peaks)})
        print(f"reference {os.path.basename(path)}: first verdict {median['first_verdict_s']:.3f} s, "
              f"full {median['full_s']:.2f} s ({info['patches'] / median['full_s']:.1f} patches/s)", file=sys.stderr)

    out = {"format": "synthscope-bench-reference/1", "recipe": "SuSy model card (PIL, skimage GLCM, PyTorch)",
           "torch": torch.__version__, "threads": torch.get_num_threads(), "batch_size": args.batch_size,
           "grey": GREY, "repeat": args.repeat, "results": results}
    text = json.dumps(out, indent=1)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
