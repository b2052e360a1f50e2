#!/usr/bin/env bash
# Installs what is missing, builds everything with the tests, and runs the whole suite with CTest.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
"$here/packaging/build.sh" -DSYNTHSCOPE_BUILD_TESTS=ON
cd "$here/${SYNTHSCOPE_BUILD_DIR:-build}"
ctest --output-on-failure -j "${SYNTHSCOPE_JOBS:-2}" --timeout 600
