#!/usr/bin/env python3
"""Export the SuSy architecture with random (seeded) weights as TorchScript.

Usage: python3 export_random.py OUT.pt [--seed 0]

The file is a stand-in for the published SuSy.pt (same modules, same input/output contract:
float32 NCHW RGB [0,1] 224x224 in, softmax [N,6] out) so that C++ tests can exercise the LibTorch
loader on the real architecture without downloading the weights. Its predictions are meaningless.
BatchNorm running statistics are left at their defaults (mean 0, var 1); the module is saved in
eval mode.
"""

import argparse
import os
import sys

# TorchScript serialises some per-module constant sets in hash order; pin the hash seed so the same
# seed gives a byte-identical file.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from susy_arch import SuSy, count_parameters  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="output TorchScript file (.pt)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    model = SuSy().eval()

    try:
        scripted = torch.jit.script(model)
        how = "script"
    except Exception as e:  # pragma: no cover - fallback only
        print(f"torch.jit.script failed ({e}); tracing instead", file=sys.stderr)
        scripted = torch.jit.trace(model, torch.rand(1, 3, 224, 224))
        how = "trace"
    scripted.eval()

    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    scripted.save(args.out)

    # sanity check: reload and run one patch
    loaded = torch.jit.load(args.out)
    with torch.no_grad():
        p = loaded(torch.rand(1, 3, 224, 224))
    if tuple(p.shape) != (1, 6) or abs(float(p.sum()) - 1.0) > 1e-4:
        print(f"unexpected output {p}", file=sys.stderr)
        return 1
    print(f"wrote {args.out} ({how}, seed {args.seed}, {count_parameters(model):,} parameters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
