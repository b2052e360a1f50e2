#!/usr/bin/env bash
# Builds the Debian package (build/synthscope_<version>_<arch>.deb) from a Release build: the two
# executables, the project's models and fingerprints, the desktop entry and icon. Its dependencies are
# worked out from the binaries by dpkg-shlibdeps (dpkg-dev).
# Usage: packaging/deb.sh            then: sudo apt-get install ./build/synthscope_*.deb
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
"$here/packaging/build.sh"
cd "$here/${SYNTHSCOPE_BUILD_DIR:-build}"
cpack -G DEB
ls -l "$PWD"/synthscope_*.deb
