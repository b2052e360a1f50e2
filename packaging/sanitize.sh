#!/usr/bin/env bash
# Issue 7: builds the CLI and the GoogleTest suite with AddressSanitizer + UndefinedBehaviorSanitizer in
# build-asan/ and runs the unit tests (every GoogleTest case, the CLI tests included) under them.
# LibTorch, Qt and OpenCV are Debian's uninstrumented builds: ASan still checks every access our code
# makes (and LeakSanitizer every allocation, theirs included), UBSan every operation our code compiles.
# One leak suppression (packaging/lsan.supp: libx265, the tests' HEIC encoder). Child processes (the CLI tests
# run build-asan/app/synthscope) inherit the options, so a report there fails the test through its exit code.
# Usage: packaging/sanitize.sh [ctest -R regex]   (default: every GoogleTest case and the fuzz regressions,
# i.e. all but the GUI tests, which are not built here)
# Slow (13 min of tests on 2 busy cores, plus the build); run it with nice on a shared machine.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
BUILD_DIR=${SYNTHSCOPE_ASAN_BUILD_DIR:-build-asan}
JOBS=${SYNTHSCOPE_JOBS:-2}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYNTHSCOPE_SANITIZE=ON \
      -DSYNTHSCOPE_BUILD_GUI=OFF -DSYNTHSCOPE_BUILD_TESTS=ON
cmake --build "$BUILD_DIR" -j "$JOBS" --target synthscope engine_tests fuzz_replay

# halt_on_error: the first report fails the test.
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:strict_string_checks=1:${SYNTHSCOPE_EXTRA_ASAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$here/packaging/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
cd "$BUILD_DIR"
ctest --output-on-failure -j "$JOBS" --timeout 1800 -R "${1:-^[A-Za-z]+\\.|^fuzz_regressions}" 2>&1 | tee sanitize-ctest.log
