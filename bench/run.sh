#!/usr/bin/env bash
# Builds and runs the benchmarks and prints their tables (not part of the tests).
#   usage: bench/run.sh            (run from anywhere; uses build/)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
echo "## Song table and nearest-song search ($(nproc) cores, $(date -u +%Y-%m-%d))"
build/bench/song_table_bench data/songs.csv
