#!/bin/sh
# Issue 8's benchmark: the engine beside the published SuSy recipe in Python (bench/susy_reference.py), on
# the SuSy architecture with random weights (exported here by models/susy/export_random.py: 50 MB, never
# committed) and JPEGs of 8.3 and 17.9 megapixels tiled from ../shared/data/real/bsds into a temporary
# folder. Prints the table; the JSON goes to BUILD/bench/susy_bench.json.
#
#   bench/susy_bench.sh [BUILD_DIR] [more `synthscope bench` options, e.g. --repeat 5 --megapixels 12,100]
#
# Run it from the repository root with the build done (packaging/build.sh). The machine should be quiet:
# the table prints the load average before and after.
set -eu
build=${1:-build}
[ $# -gt 0 ] && shift
model="$build/bench/susy_random.pt"
mkdir -p "$build/bench"
[ -f "$model" ] || /usr/bin/python3 models/susy/export_random.py "$model" --seed 0
exec "$build/app/synthscope" bench --weights "$model" --threads 2 --precision fp32,bf16 --reference --repeat 3 \
    --json "$build/bench/susy_bench.json" "$@"
