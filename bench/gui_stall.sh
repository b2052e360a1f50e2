#!/usr/bin/env bash
# Longest GUI event-loop stall while a large image is analysed: makes a 12-megapixel JPEG (a BSDS photo
# upscaled to 4000x3000 with Pillow from Debian's python3-pil), opens it in the real application under
# Xvfb with the default model, waits for the full heatmap and the forensic panels, and prints the
# longest gap in the event loop (a 5 ms timer's lateness). Run 3 times; the machine should be quiet.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="$here/${SYNTHSCOPE_BUILD_DIR:-build}"
work=$(mktemp -d)
/usr/bin/python3 - "$here/../shared/data/real/bsds/006a0d332fb6.jpg" "$work/big12mp.jpg" <<'PY'
import sys
from PIL import Image
Image.open(sys.argv[1]).resize((4000, 3000), Image.LANCZOS).save(sys.argv[2], quality=92)
PY
for run in 1 2 3; do
  "$here/tests/gui/e2e_screenshots.sh" "$build/app/synthscope-gui" "$work/shots" "$work/big12mp.jpg" | grep "stall"
done
rm -rf "$work"
