#!/usr/bin/env bash
# Sets up img2music on Debian 12: installs the Debian packages it needs (only those missing),
# then configures and builds a Release build in build/. Safe to run again: it does only what
# is left to do.
#   usage: scripts/setup.sh            (BUILD_DIR, BUILD_TYPE, CMAKE_ARGS and
#                                       IMG2MUSIC_EXTRA_PACKAGES may be set)
set -euo pipefail
cd "$(dirname "$0")/.."

# Build: compiler, CMake and the C++ libraries. Scripts: Debian's Python with torch & co.
packages=(
  cmake g++ make pkg-config help2man
  libtorch-dev libopencv-dev libeigen3-dev nlohmann-json3-dev libcli11-dev catch2 libcsv-dev nettle-dev libutfcpp-dev
  libcpp-httplib-dev   # img2music serve
  libturbojpeg0-dev libheif-dev libgif-dev liblcms2-dev zlib1g-dev   # image decoding: scaled JPEG; HEIC/AVIF (libheif1 brings the libde265, dav1d and aom decoders); GIF; ICC profiles
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev   # video (src/decode/ffmpeg_video.cpp)
  python3 python3-numpy python3-torch python3-torchvision python3-opencv python3-sklearn python3-pandas python3-pil
  clang libclang-rt-14-dev   # scripts/fuzz.sh: libFuzzer, ASan, UBSan
)
# Callers may ask for more: scripts/test.sh adds chromium (the HTML report's browser test).
# shellcheck disable=SC2206  # a list of package names on purpose
packages+=(${IMG2MUSIC_EXTRA_PACKAGES:-})

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  if [ "$(id -u)" = 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "setup: cannot install ${missing[*]}: not root and no password-less sudo." >&2
    echo "setup: as root run: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build_dir=${BUILD_DIR:-build}
# shellcheck disable=SC2086  # CMAKE_ARGS is a list of words on purpose
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
echo "setup: built $build_dir/img2music" >&2
