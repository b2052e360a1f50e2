#!/usr/bin/env bash
# Configures and builds SynthScope in build/ (Release, two parallel jobs by default: the machines we
# target have two cores, and each LibTorch translation unit needs ~1.5 GB to compile).
# Usage: packaging/build.sh [extra cmake -D options]
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"
BUILD_DIR=${SYNTHSCOPE_BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$BUILD_DIR" -j "${SYNTHSCOPE_JOBS:-2}"
