#!/usr/bin/env bash
# Issue 7: builds the CLI and the GoogleTest suite with AddressSanitizer + UndefinedBehaviorSanitizer in
# build-asan/ and runs the unit tests (every GoogleTest case, the CLI tests included) under them.
# LibTorch, Qt and OpenCV are Debian's uninstrumented builds: ASan still checks every access our code
# makes, and UBSan every operation it compiles. Suppressions, each with its reason:
# tests/sanitize/lsan.supp and tests/sanitize/README.md.
# Usage: packaging/sanitize.sh [ctest -R regex]   (default: every GoogleTest case, i.e. not the GUI ones)
# Slow: about 3x the normal test time; run it with nice on a shared machine.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
BUILD_DIR=${SYNTHSCOPE_ASAN_BUILD_DIR:-build-asan}
JOBS=${SYNTHSCOPE_JOBS:-2}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYNTHSCOPE_SANITIZE=ON \
      -DSYNTHSCOPE_BUILD_GUI=OFF -DSYNTHSCOPE_BUILD_TESTS=ON
cmake --build "$BUILD_DIR" -j "$JOBS" --target synthscope engine_tests fuzz_replay

# halt_on_error: the first report fails the test. detect_leaks with the suppressions in lsan.supp (leaks
# inside the uninstrumented libraries' one-off initialisation, not ours).
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=0:${SYNTHSCOPE_EXTRA_ASAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$here/tests/sanitize/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$here/tests/sanitize/ubsan.supp"
cd "$BUILD_DIR"
ctest --output-on-failure -j "$JOBS" --timeout 1800 -R "${1:-^[A-Za-z]+\\.|^fuzz_regressions}" 2>&1 | tee sanitize-ctest.log
