#!/usr/bin/env bash
# Rebuilds the shipped fingerprint library (models/fingerprints/<generator>.npy + .json + previews) from
# the *training* part of models/baseline/split.csv, so that the held-out test images are never used:
# for each generator of ../shared/data/attribution, the training-free method (mean high-pass residual of
# the generator's 256x256 centre crops minus that of the BSDS training photos, clipped at 3 robust
# standard deviations), the setting that measured best in `synthscope fingerprint crossval` (README);
# and StyleGAN2 (faces/fake) the same way against the real faces.
# Usage: models/fingerprints/build.sh [SYNTHSCOPE_BINARY] [DATA_ROOT]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bin="${1:-$repo/build/app/synthscope}"
data="$(cd "${2:-$repo/../shared/data}" && pwd)"
split="$repo/models/baseline/split.csv"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Folders of symbolic links to the training images of one prefix of split.csv.
link_train() {  # prefix dest
    mkdir -p "$2"
    tr -d "\r" <"$split" | grep "^$1/.*,train$" | cut -d, -f1 | while read -r f; do ln -s "$data/$f" "$2/"; done
}
link_train real/bsds "$work/reals"
for dir in "$data"/attribution/*/; do
    gen="$(basename "$dir")"
    link_train "attribution/$gen" "$work/$gen"
    echo "== $gen: $(ls "$work/$gen" | wc -l) images, $(ls "$work/reals" | wc -l) real"
    "$bin" fingerprint build --fakes "$work/$gen" --reals "$work/reals" --name "$gen" --out "$here" \
        --method mean --residual highpass --clip 3
done
# StyleGAN2 (faces/fake) against the real faces it is paired with (faces/real, the same 300-px framing),
# rather than BSDS: the faces are the only reals that look like its images.
link_train faces/fake "$work/stylegan2"
link_train faces/real "$work/faces_real"
echo "== stylegan2: $(ls "$work/stylegan2" | wc -l) images, $(ls "$work/faces_real" | wc -l) real"
"$bin" fingerprint build --fakes "$work/stylegan2" --reals "$work/faces_real" --name stylegan2 --out "$here" \
    --method mean --residual highpass --clip 3

