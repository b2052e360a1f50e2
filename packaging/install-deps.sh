#!/usr/bin/env bash
# Installs the Debian 12 packages SynthScope needs to build, test and run. Idempotent: it installs only
# what is missing, and does nothing (quickly) when everything is there.
# Usage: packaging/install-deps.sh [--check]   (--check: only report what is missing, exit 1 if anything is)
set -euo pipefail

PACKAGES=(
  cmake g++ make pkg-config       # build tools
  dpkg-dev                         # dpkg-shlibdeps: the Debian package's dependencies (packaging/deb.sh)
  qt6-base-dev                     # Qt 6 Core/Gui/Widgets/Test (JSON, threads, GUI, PDF)
  libqcustomplot-dev               # plots in the GUI
  libopencv-dev                    # image decoding, patch maths, colour maps
  libtorch-dev                     # LibTorch (TorchScript inference, CPU build)
  libexiv2-dev                     # EXIF/XMP/IPTC metadata
  libjpeg-dev                      # JPEG quantisation tables
  libsqlite3-dev                   # case store (batch results)
  libheif-dev                      # HEIF/HEIC and AVIF images (phone photos)
  poppler-utils                    # pdftotext/pdftoppm: the PDF report test
  libgtest-dev                     # unit tests
  clang libclang-rt-14-dev         # libFuzzer harnesses (tests/fuzz/, issue 7)
  xvfb xauth                       # GUI tests without a display
  python3-torch python3-skimage python3-numpy python3-pil  # fixture, export and benchmark scripts (Debian's /usr/bin/python3)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi
echo "install-deps: missing: ${missing[*]}"
[ "${1:-}" = "--check" ] && exit 1

if [ "$(id -u)" -eq 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo apt-get update -q
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "install-deps: not root. Please run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
