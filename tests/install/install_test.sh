#!/usr/bin/env bash
# packaging.install: `cmake --install` into a fresh prefix, then the installed CLI must find the installed
# models (not the source tree's) and use the installed fingerprints in its verdict, as a user of the
# Debian package would (packaging/CMakeLists.txt, engine/model_registry.h).
# Usage: install_test.sh BUILD_DIR IMAGE SOURCE_MODELS_DIR
set -euo pipefail
build=$1 image=$2 source_models=$3
prefix=$(mktemp -d /tmp/synthscope-install.XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" > "$prefix.log" 2>&1 || { cat "$prefix.log"; rm -f "$prefix.log"; exit 1; }
rm -f "$prefix.log"

fail() { echo "FAIL: $*" >&2; exit 1; }
models="$prefix/share/synthscope/models"
for f in bin/synthscope libexec/synthscope/synthscope-decode share/applications/synthscope.desktop share/icons/hicolor/scalable/apps/synthscope.svg \
         share/synthscope/models/baseline/baseline.pt share/synthscope/models/baseline/baseline.json \
         share/synthscope/models/fingerprints/stylegan2.npy share/synthscope/models/fingerprints/stylegan2.json \
         share/synthscope/models/denoiser/dncnn_s.pt share/synthscope/models/susy/susy.json \
         share/synthscope/models/look/look.pt; do
  [ -f "$prefix/$f" ] || fail "not installed: $f"
done
# Developer files stay in the source tree.
for f in baseline/train.py baseline/split.csv fingerprints/build.sh; do
  [ ! -e "$models/$f" ] || fail "installed a developer file: $f"
done

# A clean environment: no model folders from the user's settings or home.
run() { env -u SYNTHSCOPE_MODELS -u SYNTHSCOPE_FINGERPRINTS -u SYNTHSCOPE_DENOISER HOME="$prefix/home" "$prefix/bin/synthscope" "$@"; }
listing=$(run models)
echo "$listing"
echo "$listing" | grep -q "^  $models\$" || fail "the installed models folder is not searched"
echo "$listing" | grep -q "^  $source_models\$" && fail "an installed copy still searches the source tree"
echo "$listing" | grep -E "^  baseline " | grep -q "installed .*$models/baseline/baseline.json" \
  || fail "the baseline is not taken from the installed models"

# Pictures and metadata are read by the installed helper, in processes of their own (engine/decoder_process.h).
run --version | grep -qF "($(realpath "$prefix")/libexec/synthscope/synthscope-decode)" \
  || { run --version; fail "the installed CLI does not use the installed decoder helper"; }

run analyze "$image" --verdict-only --json "$prefix/result.json" --quiet
grep -q '"fingerprint_terms"' "$prefix/result.json" || fail "the verdict did not use the installed fingerprints"
grep -q "$models/baseline/baseline.json" "$prefix/result.json" || fail "the result does not name the installed manifest"
grep -q '"log_probabilities"' "$prefix/result.json" || fail "the attribution did not use the installed look model"
grep -q "look model could not be used" "$prefix/result.json" && fail "the installed look model did not load"
echo "install test: ok"
