#!/usr/bin/env bash
# Runs every test: sets up and builds (scripts/setup.sh), then ctest runs the C++ unit tests,
# the end-to-end tests of the binary and the Python script tests.
#   usage: scripts/test.sh [extra ctest arguments, e.g. -R unit]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build_dir=${BUILD_DIR:-build}
# Tests that need ../shared fail (not skip) when it is missing under CI=true.
if [ "${CI:-}" = true ] && [ ! -d ../shared ]; then
  echo "test: ../shared is missing; the data and model tests need it" >&2
fi
cd "$build_dir"
ctest --output-on-failure -j "$(nproc)" "$@"
