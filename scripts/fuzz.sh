#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (AddressSanitizer + UBSan) in build-fuzz/ and runs
# each on its seed corpus (tests/fuzz/corpus/<target>) for a bounded time. Fails on any crash,
# leak-free abort, timeout or sanitizer report; the reproducer lands in build-fuzz/artifacts/.
# A crash found becomes a regression test: add the reproducer to the seed corpus (and a unit test).
#   usage: scripts/fuzz.sh [SECONDS_PER_TARGET]      (default 20; FUZZ_JOBS workers each)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
build=build-fuzz
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIMG2MUSIC_FUZZ=ON \
  -DIMG2MUSIC_BUILD_TESTS=OFF -DIMG2MUSIC_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target fuzz_song_table fuzz_model_metadata fuzz_image fuzz_server_params fuzz_heif fuzz_exif fuzz_video fuzz_gif fuzz_icc >/dev/null
mkdir -p "$build/artifacts"
status=0
for target in song_table model_metadata image server_params heif exif video gif icc; do
  work="$build/corpus/$target"  # grows as the fuzzer learns; the seeds stay untouched
  mkdir -p "$work"
  log="$build/fuzz_$target.log"
  # OpenCV's own pixel limit, read once when it is loaded (the launcher sets it for img2music):
  # the backstop for formats without a declared size, kept small so a valid huge image is cheap.
  if OPENCV_IO_MAX_IMAGE_PIXELS=16777216 ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp" "$build/fuzz_$target" "$work" "tests/fuzz/corpus/$target" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=3072 -print_final_stats=1 \
      -artifact_prefix="$build/artifacts/$target-" >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    echo "fuzz $target: ${seconds}s, $runs executions, no findings"
  else
    echo "fuzz $target: FINDING (see $log and $build/artifacts/)"
    tail -30 "$log"
    status=1
  fi
done
exit $status
