#!/usr/bin/env bash
# Regenerates the README's screenshots with the real application and the default model: the same
# end-to-end script the test suite runs (tests/gui/e2e_screenshots.sh), on two images of ../shared/data.
# Prints the longest event-loop stall measured while they were analysed.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
"$here/packaging/build.sh" >/dev/null
data="$here/../shared/data"
"$here/tests/gui/e2e_screenshots.sh" "$here/${SYNTHSCOPE_BUILD_DIR:-build}/app/synthscope-gui" "$here/docs/screenshots" \
  "$data/real/bsds/006a0d332fb6.jpg" "$data/dif/mj/1_fake/959091a2e886.png"
rm -f "$here/docs/screenshots/run.log"
