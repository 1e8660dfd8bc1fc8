#!/usr/bin/env bash
# Runs every test:
#   1. sets up and builds (scripts/setup.sh), then ctest runs the C++ unit tests, the end-to-end
#      tests of the binary (golden outputs, bad-input suite) and the Python script tests;
#   2. the unit and end-to-end tests again in an AddressSanitizer + UBSan build (build-asan/);
#   3. each libFuzzer target for FUZZ_SECONDS (default 20) on its seed corpus (scripts/fuzz.sh).
# IMG2MUSIC_QUICK=1 runs step 1 only. Extra arguments go to the first ctest (e.g. -R unit).
set -euo pipefail
cd "$(dirname "$0")/.."
# Test-only packages, so users do not get them: chromium (headless rendering of the HTML report
# and the server's page), curl and jq (docs/server.md's examples, run by the server's test),
# libheif-examples (heif-enc for the HEIC/AVIF tests, the bad-input suite and the benchmarks),
# ffmpeg (the CLI writes the test videos of every codec).
IMG2MUSIC_EXTRA_PACKAGES="chromium curl jq libheif-examples ffmpeg ${IMG2MUSIC_EXTRA_PACKAGES:-}" scripts/setup.sh
# playwright-core drives that Chromium for the server page's test (tests/web, pinned by its lock
# file). It needs Node.js 20 or later, which this machine kind has (Debian 12's is 18).
if command -v npm >/dev/null 2>&1; then
  npm ci --prefix tests/web --no-audit --no-fund --silent
elif [ "${CI:-}" = true ]; then
  echo "test: npm is missing; the server page's browser test will fail" >&2
fi
if [ "${CI:-}" = true ] && [ ! -d ../shared ]; then
  echo "test: ../shared is missing; the data and model tests will fail" >&2
fi

(cd build && ctest --output-on-failure -j "$(nproc)" "$@")
[ "${IMG2MUSIC_QUICK:-0}" = 1 ] && exit 0

echo "test: unit and end-to-end tests under AddressSanitizer + UndefinedBehaviorSanitizer" >&2
BUILD_DIR=build-asan BUILD_TYPE=RelWithDebInfo CMAKE_ARGS="-DIMG2MUSIC_SANITIZE=ON -DIMG2MUSIC_BUILD_BENCH=OFF" scripts/setup.sh
# LeakSanitizer's tracer itself crashes at exit once LibTorch has started its OpenMP threads,
# so runs of real models (shipped, exports) keep ASan and UBSan but not leak checking.
# tests/lsan.supp: leaks inside third-party libraries the tests use (each says which and why).
lsan_suppressions="$PWD/tests/lsan.supp"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS="suppressions=$lsan_suppressions" UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j "$(nproc)" -R "unit|e2e" -E "shipped|preprocess|exports")
(cd build-asan && ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j "$(nproc)" -R "shipped|exports")

echo "test: fuzzing" >&2
scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
