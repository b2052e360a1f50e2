#!/usr/bin/python3
"""Exports a checkpoint that train.py wrote elsewhere (the GPU machine: gpu/device_run.sh parallel) with
this machine's PyTorch, so that the TorchScript file the engine loads is written by the same PyTorch
generation as Debian's LibTorch 1.13, and beside it a manifest the engine loads as it is (calibration and
figures still to fit: fit_verdict_fingerprints.py, evaluate).

    /usr/bin/python3 models/baseline/gpu/export_checkpoint.py --run RUN_DIR --out OUT_DIR \
        --recipe "models/baseline/train.py ARGS (as run there)"

RUN_DIR holds checkpoint.pth and train_info.json (the run's width, patch, residual input); OUT_DIR gets
baseline.pt, baseline.json and train_info.json (the run's, with this export's sha256, size and PyTorch).
"""
import argparse
import hashlib
import json
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import train  # noqa: E402  (PatchNet, SoftmaxWrapper, write_manifest)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--recipe", required=True, help="the training command as it ran, for the manifest's provenance")
    ap.add_argument("--manifest-template", default="models/baseline/baseline.json")
    args = ap.parse_args()

    with open(os.path.join(args.run, "train_info.json")) as fh:
        info = json.load(fh)
    ckpt = torch.load(os.path.join(args.run, "checkpoint.pth"), map_location="cpu")
    net = train.PatchNet(width=info["width"], residual=info["residual"])
    net.load_state_dict(ckpt["state_dict"])
    net.eval()
    wrapped = train.SoftmaxWrapper(net).eval()
    os.makedirs(args.out, exist_ok=True)
    pt_path = os.path.join(args.out, "baseline.pt")
    torch.jit.freeze(torch.jit.script(wrapped)).save(pt_path)

    x = torch.rand(16, 3, info["patch"], info["patch"], generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        diff = (torch.jit.load(pt_path)(x) - wrapped(x)).abs().max().item()
    print("export check max|diff| = %.2e" % diff)
    if diff > 1e-4:
        sys.exit("the exported network does not compute what the checkpoint does")

    info["trained_with_torch"] = info.get("torch")
    info["torch"] = torch.__version__
    info["sha256"] = hashlib.sha256(open(pt_path, "rb").read()).hexdigest()
    info["size_bytes"] = os.path.getsize(pt_path)
    with open(os.path.join(args.out, "train_info.json"), "w") as fh:
        json.dump(info, fh, indent=2)
    # train.write_manifest reads the run's options from an argparse namespace and the recipe from argv
    run_args = argparse.Namespace(manifest_template=args.manifest_template, hold_out=info.get("hold_out"), out=args.out)
    sys.argv = ["train.py"] + args.recipe.split()[1:]
    train.write_manifest(run_args, info)
    with open(os.path.join(args.out, "baseline.json")) as fh:
        m = json.load(fh)
    m["provenance"]["recipe"] = args.recipe
    with open(os.path.join(args.out, "baseline.json"), "w") as fh:
        json.dump(m, fh, indent=2)
        fh.write("\n")
    for f in ("train.log",):
        if os.path.isfile(os.path.join(args.run, f)) and os.path.abspath(args.run) != os.path.abspath(args.out):
            shutil.copy(os.path.join(args.run, f), args.out)
    print(json.dumps(info))


if __name__ == "__main__":
    main()
