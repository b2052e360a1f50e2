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
# Analysis > Analyse Selected Region, shown with synthscope-gui --region: a held-out BSDS photo with the
# centre of a held-out Midjourney image pasted in (as bench/splice_regions.py makes them), its pasted square
# analysed alone in a second tab; the shot is of the first tab (the whole picture, the region outlined
# with its verdict, and its error levels).
/usr/bin/python3 - "$data" "$work/composite.png" <<'PY'
import sys
from PIL import Image
data, out = sys.argv[1:3]
host = Image.open(data + "/real/bsds/06b23ab82cc2.jpg").convert("RGB")
host = host.transpose(Image.Transpose.ROTATE_90) if host.height > host.width else host
fake = Image.open(data + "/attribution/midjourney_2022/02126f26bdad.png").convert("RGB")
x, y = (fake.width - 224) // 2, (fake.height - 224) // 2
host.paste(fake.crop((x, y, x + 224, y + 224)), (241, 48))
host.save(out)
PY
"$here/tests/gui/e2e_screenshots.sh" "$build/app/synthscope-gui" "$work/region-shots" --region 241,48,224,224 "$work/composite.png" >/dev/null
cp "$work/region-shots/forensics-jpeg.png" "$here/docs/screenshots/region.png"
