#!/usr/bin/env bash
# Checks formatting (clang-format) and runs clang-tidy over the project's C++ sources.
#   usage: scripts/lint.sh [--fix]     (needs a configured build/ for compile_commands.json)
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t sources < <(git ls-files 'src/*.cpp' 'src/*.hpp' 'include/*.hpp' 'tests/unit/*.cpp' 'tests/fuzz/*.cpp' 'tests/tools/*.cpp' 'bench/*.cpp')
if [ "${1:-}" = --fix ]; then
  clang-format -i "${sources[@]}"
else
  clang-format --dry-run --Werror "${sources[@]}"
fi
mapfile -t units < <(git ls-files 'src/*.cpp')
clang-tidy -p build --quiet "${units[@]}"
