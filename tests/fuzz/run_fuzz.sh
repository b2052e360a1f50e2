#!/usr/bin/env bash
# Issue 7: runs every libFuzzer harness (tests/fuzz/fuzz_*.cpp) for SECONDS each, starting from the seed
# corpus in tests/fuzz/corpus/<harness>/ (never modified: new inputs go to the build folder), and prints
# executions, corpus growth and crashes per harness. Short in CI (the fuzz_short CTest test: 10 s each),
# long as a benchmark (e.g. 600). Builds build-fuzz/ with clang++ first unless SYNTHSCOPE_FUZZ_NO_BUILD=1.
# Usage: tests/fuzz/run_fuzz.sh SECONDS [HARNESS...]
# A crash leaves its input in build-fuzz/fuzz-artifacts/<harness>/; once fixed, copy it to
# tests/fuzz/regressions/<harness>/ so the normal build replays it (fuzz_regressions_<harness>).
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
seconds=${1:?usage: run_fuzz.sh SECONDS [HARNESS...]}
shift
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=(image_decode manifest npy fingerprint jpeg_analysis metadata case_file helper_answer)
build=${SYNTHSCOPE_FUZZ_BUILD_DIR:-$here/build-fuzz}

if [ "${SYNTHSCOPE_FUZZ_NO_BUILD:-0}" != 1 ]; then
  cmake -S "$here" -B "$build" -DSYNTHSCOPE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j "${SYNTHSCOPE_JOBS:-2}" >/dev/null
fi

# detect_leaks=0: a leak is not what these runs look for, and Exiv2/Qt keep one-off static state.
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
status=0
printf '%-14s %12s %10s %8s %8s\n' harness executions exec/s corpus crashes
for h in "${harnesses[@]}"; do
  work="$build/fuzz-corpus/$h"
  artifacts="$build/fuzz-artifacts/$h"
  mkdir -p "$work" "$artifacts"
  seeds=("$here/tests/fuzz/corpus/$h")  # and every crash kept as a regression, so it stays fixed here too
  [ -d "$here/tests/fuzz/regressions/$h" ] && seeds+=("$here/tests/fuzz/regressions/$h")
  dict=()
  [ -f "$here/tests/fuzz/$h.dict" ] && dict=(-dict="$here/tests/fuzz/$h.dict")
  log="$build/fuzz-$h.log"
  before=$(find "$artifacts" -type f | wc -l)
  # -rss_limit_mb: an input that makes a parser take over 2 GB is a bug (a decompression bomb let through).
  # -timeout: one input taking over 10 s is a hang.
  set +e
  "$build/tests/fuzz/fuzz_$h" "$work" "${seeds[@]}" "${dict[@]}" \
      -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(find "$work" -type f | wc -l)
  crashes=$(( $(find "$artifacts" -type f | wc -l) - before ))
  printf '%-14s %12s %10s %8s %8s\n' "$h" "${execs:-?}" "${speed:-?}" "$corpus" "$crashes"
  if [ $rc -ne 0 ] || [ "$crashes" -ne 0 ]; then
    status=1
    echo "--- $h failed (exit $rc); log: $log" >&2
    grep -m 20 -E 'ERROR|SUMMARY|fuzz check failed|Test unit written|deadly signal|terminate' "$log" >&2 || true
  fi
done
exit $status
