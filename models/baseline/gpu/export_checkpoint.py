#!/usr/bin/python3
"""Exports a checkpoint (or an ensemble of several) that train.py wrote elsewhere (the GPU machine: gpu/device_run.sh parallel) with
this machine's PyTorch, so that the TorchScript file the engine loads is written by the same PyTorch
generation as Debian's LibTorch 1.13, and beside it a manifest the engine loads as it is (calibration and
figures still to fit: fit_verdict_fingerprints.py, evaluate).

    /usr/bin/python3 models/baseline/gpu/export_checkpoint.py --run RUN_DIR --out OUT_DIR \
        --recipe "models/baseline/train.py ARGS (as run there)"

RUN_DIR holds checkpoint.pth and train_info.json (the run's width, patch, residual input); OUT_DIR gets
baseline.pt, baseline.json and train_info.json (the run's, with this export's sha256, size and PyTorch).
With several --run (same patch size) the exported network is their ensemble: the mean of their softmax
outputs, one TorchScript file the engine loads like any other (train_info.json then lists the runs).
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


class MeanOfSoftmax(torch.nn.Module):
    """An ensemble: the mean of its members' softmax probabilities (still probabilities)."""

    def __init__(self, members):
        super().__init__()
        self.members = torch.nn.ModuleList(members)

    def forward(self, x):
        total = torch.zeros(0)  # replaced by the first member's output (TorchScript wants one type)
        n = 0
        for m in self.members:  # TorchScript unrolls a loop over a ModuleList
            total = m(x) if n == 0 else total + m(x)
            n += 1
        return total / n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True, nargs="+", help="one run folder, or several for an ensemble")
    ap.add_argument("--out", required=True)
    ap.add_argument("--recipe", required=True, help="the training command as it ran, for the manifest's provenance")
    ap.add_argument("--manifest-template", default="models/baseline/baseline.json")
    args = ap.parse_args()

    infos, nets = [], []
    for run in args.run:
        with open(os.path.join(run, "train_info.json")) as fh:
            info = json.load(fh)
        ckpt = torch.load(os.path.join(run, "checkpoint.pth"), map_location="cpu")
        net = train.PatchNet(width=info["width"], residual=info["residual"])
        net.load_state_dict(ckpt["state_dict"])
        infos.append(info)
        nets.append(train.SoftmaxWrapper(net.eval()).eval())
    if len({i["patch"] for i in infos}) != 1:
        sys.exit("an ensemble's runs must share one patch size")
    wrapped = nets[0] if len(nets) == 1 else MeanOfSoftmax(nets).eval()
    info = dict(infos[0])
    if len(infos) > 1:  # the members' own figures (steps, losses...) stay with each member
        info = {k: infos[0][k] for k in ("classes", "patch", "width", "residual", "hold_out")}
        info["params"] = sum(i["params"] for i in infos)
        info["ensemble_of"] = infos
    os.makedirs(args.out, exist_ok=True)
    pt_path = os.path.join(args.out, "baseline.pt")
    torch.jit.freeze(torch.jit.script(wrapped)).save(pt_path)

    x = torch.rand(16, 3, info["patch"], info["patch"], generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = torch.stack([n(x) for n in nets]).mean(0)
        diff = (torch.jit.load(pt_path)(x) - expected).abs().max().item()
    print("export check max|diff| = %.2e" % diff)
    if diff > 1e-4:
        sys.exit("the exported network does not compute what the checkpoint does")

    if "torch" in info:  # a single run: the PyTorch it was trained with (an ensemble's members keep theirs)
        info["trained_with_torch"] = info["torch"]
    info["torch"] = torch.__version__
    info["sha256"] = hashlib.sha256(open(pt_path, "rb").read()).hexdigest()
    info["size_bytes"] = os.path.getsize(pt_path)
    with open(os.path.join(args.out, "train_info.json"), "w") as fh:
        json.dump(info, fh, indent=2)
    # train.write_manifest takes the run's options as an argparse namespace; the recipe is replaced below
    run_args = argparse.Namespace(manifest_template=args.manifest_template, hold_out=info.get("hold_out"), out=args.out)
    train.write_manifest(run_args, info)
    with open(os.path.join(args.out, "baseline.json")) as fh:
        m = json.load(fh)
    m["provenance"]["recipe"] = args.recipe
    with open(os.path.join(args.out, "baseline.json"), "w") as fh:
        json.dump(m, fh, indent=2)
        fh.write("\n")
    if len(args.run) == 1 and os.path.abspath(args.run[0]) != os.path.abspath(args.out):
        shutil.copy(os.path.join(args.run[0], "train.log"), args.out)
    print(json.dumps(info))


if __name__ == "__main__":
    main()
