#!/usr/bin/env bash
# The main job: installs what is missing, builds, then analyses the given images or folders
# (default: the DIF Stable Diffusion 1.4 samples in ../shared/data/dif/sd14) and writes
# build/analysis.json and heatmaps into build/heatmaps/.
# Usage: packaging/run.sh [IMAGE|FOLDER ...]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
"$here/packaging/build.sh"
BUILD_DIR=${SYNTHSCOPE_BUILD_DIR:-build}
cd "$here"
if [ $# -eq 0 ]; then set -- "$here/../shared/data/dif/sd14"; fi
# The workstation GUI is started when there is a display and it has been built (issue 4);
# until then, and without a display, the command-line analysis runs.
if [ -n "${DISPLAY:-}" ] && [ -x "$BUILD_DIR/app/synthscope-gui" ]; then
  exec "$BUILD_DIR/app/synthscope-gui" "$@"
fi
exec "$BUILD_DIR/app/synthscope" analyze "$@" --json "$BUILD_DIR/analysis.json" --heatmap-dir "$BUILD_DIR/heatmaps"
