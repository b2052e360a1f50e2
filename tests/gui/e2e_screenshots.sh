#!/usr/bin/env bash
# End-to-end: starts the real synthscope-gui under Xvfb, opens an image, waits until its heatmap is
# complete, saves screenshots of the main views and checks they show a picture, then reports the
# longest event-loop stall. Used by ctest (with the test fixture model) and by
# packaging/screenshots.sh (with the real model) for the README's screenshots.
# Usage: e2e_screenshots.sh GUI_BINARY OUT_DIR [--model M] IMAGE...
set -euo pipefail
gui=$1; out=$2; shift 2
rm -rf "$out"; mkdir -p "$out"
log="$out/run.log"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
timeout 300 xvfb-run -a -s "-screen 0 1600x1000x24" "$gui" --screenshot-dir "$out" --quit-when-done --measure-stall "$@" >"$log" 2>&1
cat "$log" | grep -v XDG_RUNTIME_DIR || true
for shot in main-window.png patch-grid-zoomed.png heatmap-image.png; do
  [ -s "$out/$shot" ] || { echo "e2e: $shot was not written"; exit 1; }
done
# A screenshot of a blank or failed window compresses to almost nothing; a real one does not.
size=$(stat -c %s "$out/main-window.png")
[ "$size" -gt 60000 ] || { echo "e2e: main-window.png is only $size bytes: nothing drawn?"; exit 1; }
grep -q "event-loop stall" "$log" || { echo "e2e: no stall figure"; exit 1; }
echo "e2e: screenshots in $out"
