#!/usr/bin/env bash
# Regenerates the README's screenshots with the real application and the default model: the same
# end-to-end script the test suite runs (tests/gui/e2e_screenshots.sh), on two images of ../shared/data.
# Prints the longest event-loop stall measured while they were analysed.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
"$here/packaging/build.sh" >/dev/null
data="$here/../shared/data"
build="$here/${SYNTHSCOPE_BUILD_DIR:-build}"
# A small case for the case browser's screenshot: DIF's Midjourney set (10 real, 10 generated) and a
# file that is not an image, so that a failure shows too; with the robustness check, so that its column is filled.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$data/dif/mj" "$work/mj"
echo "not an image" >"$work/mj/broken.png"
"$build/app/synthscope" batch "$work/mj" --case "$work/mj-case.sqlite" --robustness --quiet >/dev/null || true
"$here/tests/gui/e2e_screenshots.sh" "$build/app/synthscope-gui" "$here/docs/screenshots" --case "$work/mj-case.sqlite" \
  "$data/real/bsds/006a0d332fb6.jpg" "$data/dif/mj/1_fake/959091a2e886.png"
rm -f "$here/docs/screenshots/run.log"
