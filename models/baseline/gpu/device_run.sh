#!/usr/bin/env bash
# Trains the baseline on the GPU machine (the device tool's `run`), from the project root there, with
# the images that models/baseline/gpu/pack_data.py packed into .gpu_data/ (an ignored folder, sent in
# parts through `carry`: the machine cannot see ../shared). models/baseline/README.md ("On a GPU")
# gives the calls in order.
#
#   device_run.sh unpack            unpacks every part that has arrived (checked against parts.txt)
#   device_run.sh train ARGS...     unpacks, checks that every part is there, then runs train.py ARGS
#                                   (with --data and --out set here) and puts what it wrote into $OUT
#   device_run.sh parallel "NAME: ARGS" "NAME: ARGS"...
#                                   the same, several trainings at once (the GPU has room; the CPU
#                                   cores that make the crops are shared out with --workers), each into
#                                   $OUT/NAME; then times the exported networks on the GPU
#                                   (gpu/time_inference.py) and keeps only what cannot be rebuilt here,
#                                   since a call returns at most 8 files: checkpoint.pth, train_info.json,
#                                   train.log, and the first run's baseline.pt (does LibTorch 1.13 load
#                                   what PyTorch 2.x saved?); gpu/export_checkpoint.py exports the
#                                   checkpoints again here
#
# The parts are unpacked inside the checkout (.gpu_data/data), where a warm machine keeps ignored files
# from one call to the next; a fresh machine starts bare, so all parts must arrive on the same one.
set -euo pipefail
cd "$(dirname "$0")/../../.."
here=.gpu_data
data=$here/data
py=${PYTHON:-python3}
out=${OUT:-/tmp/synthscope-gpu-out}

unpack() {
  [ -f "$here/parts.txt" ] || { echo "device_run: no $here/parts.txt (carry it with every part)"; exit 2; }
  mkdir -p "$data"
  while read -r name sum; do
    [ -f "$here/$name.done" ] && continue
    [ -f "$here/$name" ] || continue
    echo "$sum  $here/$name" | sha256sum -c --quiet - || { echo "device_run: $name arrived damaged"; exit 2; }
    tar -xf "$here/$name" -C "$data"
    rm -f "$here/$name"  # unpacked: its room is free for the next part
    touch "$here/$name.done"
    echo "device_run: unpacked $name"
  done <"$here/parts.txt"
  local missing=""
  while read -r name sum; do [ -f "$here/$name.done" ] || missing="$missing $name"; done <"$here/parts.txt"
  if [ -n "$missing" ]; then echo "device_run: still to come:$missing"; else echo "device_run: every part is here"; fi
  [ -z "$missing" ]
}

# Unpacks every part, or stops; then says what the machine has (GPU, PyTorch, Pillow with WebP).
prepare() {
  unpack || { echo "device_run: not training: parts are missing"; exit 2; }
  mkdir -p "$out"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  "$py" -c 'import torch, PIL, PIL.features, numpy; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), "PIL", PIL.__version__, "webp", PIL.features.check("webp"))'
}

# The split is computed from labels.csv's rows: it must be the one the test split was measured with.
# check_split DIR LABEL: fails (status 3) when DIR/split.csv differs from models/baseline/split.csv.
check_split() {
  [ -f "$1/split.csv" ] || return 0
  cmp -s "$1/split.csv" models/baseline/split.csv && echo "device_run: $2split identical to models/baseline/split.csv" \
    || { echo "device_run: $2THE SPLIT DIFFERS from models/baseline/split.csv"; return 3; }
}

case "${1:-}" in
  unpack)
    unpack || true  # a part still to come is the normal state between calls
    ;;
  train)
    shift
    prepare
    status=0
    PYTHONUNBUFFERED=1 "$py" models/baseline/train.py --data "$data" --out "$out" --device auto "$@" 2>&1 \
      | tee "$out/train.log" || status=$?
    check_split "$out" "" || status=3
    ls -l "$out"
    exit $status
    ;;
  parallel)
    shift
    prepare
    names=() pids=()
    for spec in "$@"; do
      name=${spec%%:*}
      args=${spec#*:}
      mkdir -p "$out/$name"
      # shellcheck disable=SC2086  # the spec's arguments are split on purpose
      PYTHONUNBUFFERED=1 "$py" models/baseline/train.py --data "$data" --out "$out/$name" --device auto $args \
        >"$out/$name/train.log" 2>&1 &
      names+=("$name") pids+=($!)
    done
    status=0
    for i in "${!pids[@]}"; do
      name=${names[$i]}
      wait "${pids[$i]}" || { echo "device_run: $name failed"; status=1; }
      echo "== $name"; tail -n 25 "$out/$name/train.log"
      check_split "$out/$name" "$name: " || status=3
    done
    pts=()
    for name in "${names[@]}"; do [ -f "$out/$name/baseline.pt" ] && pts+=("$out/$name/baseline.pt"); done
    timeout 60 "$py" models/baseline/gpu/time_inference.py models/baseline/baseline.pt "${pts[@]}" 2>&1 \
      | tee "$out/time_inference.log" || true
    # The first run's TorchScript file comes back too: whether LibTorch 1.13 loads what PyTorch 2.x saved.
    for name in "${names[@]}"; do
      rm -f "$out/$name/split.csv" "$out/$name/baseline.json"
      [ "$name" = "${names[0]}" ] || rm -f "$out/$name/baseline.pt"
    done
    ls -lR "$out"
    exit $status
    ;;
  *)
    echo "usage: $0 unpack | train TRAIN_PY_ARGS... | parallel \"NAME: TRAIN_PY_ARGS\"..." >&2
    exit 2
    ;;
esac
