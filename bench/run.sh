#!/usr/bin/env bash
# Builds and runs the benchmarks and prints their tables as markdown (not part of the tests).
#
#   usage: bench/run.sh                   the full run: about 15 minutes on 2 cores, plus about
#                                         5 minutes the first time to generate the test video;
#                                         run it on an idle machine
#          BENCH_QUICK=1 bench/run.sh     a quick try (about 3 minutes): 100 images, 16 for
#                                         vgg19_bn, 200/400 inputs for memory, a 1-minute video;
#                                         its figures are not comparable with a full run's
#
# Environment (all optional):
#   BENCH_QUICK=1        the quick sizes above
#   BENCH_ROUNDS         alternated runs of img2music and the Python reference in the throughput
#                        table, the fastest of each counting (default 2, quick 1)
#   BENCH_SECTIONS       which tables, any of: songs throughput precision cold rss video server photos (default: all)
#   BENCH_PHOTOS, BENCH_HEIC, BENCH_HEIC_PLAIN   how many 12 MP JPEGs, HEICs with a thumbnail and
#                        HEICs without one the photos section uses (200, 200, 200: the issue's count;
#                        fewer without a thumbnail weigh the start-up more: 0.76x libheif at 20)
#   BENCH_PHOTOS_FORMATS the photos section's rows: "jpeg heic" (default), or one of them
#   BENCH_VIDEO_SECONDS  the video's length (default 600, quick 60): generating 10 minutes of
#                        1080p H.264 takes about 5 minutes on 2 busy cores (bench/make_video.py)
#   BENCH_SCENE_SECONDS  a new mood in the video this often (default 30, quick 7.5)
#   BENCH_SKIP_SETUP=1   do not run scripts/setup.sh (which installs packages and builds every
#                        target); only (re)build the benchmark programs and use build/ as it is
#   BENCH_BUILD_JOBS     parallel jobs for that build (default: nproc)
#   BENCH_PY_WORKERS, BENCH_PY_THREADS   the Python reference's DataLoader workers and torch
#                        threads (default: one per core, its own defaults)
#   BUILD_DIR            build directory (default build), as for scripts/setup.sh
#   IMG2MUSIC_SHARED     the shared data folder (default ../shared): the OASIS images
#
# Generated files are cached in BUILD_DIR/bench/ (the vgg19_bn export, the test video) and
# reused when present; everything else goes to a temporary folder removed at exit.
set -euo pipefail
cd "$(dirname "$0")/.."

export LC_ALL=C   # "." as the decimal point in $EPOCHREALTIME, awk and printf; byte-order sort
# The same OpenMP environment for every program measured: img2music's launcher sets PASSIVE
# unless a policy is set, and a stray OMP_NUM_THREADS would change every figure.
unset OMP_WAIT_POLICY OMP_NUM_THREADS

build=${BUILD_DIR:-build}
bin=$build/img2music
cache=$build/bench
shared=${IMG2MUSIC_SHARED:-../shared}
oasis=$shared/data/oasis/images
sections=" ${BENCH_SECTIONS:-songs throughput precision cold rss video server photos} "
quick=${BENCH_QUICK:-0}
cores=$(nproc)

# Sizes. vgg19_bn does about 2 images/s on 2 cores, so it gets a subset of the images.
if [ "$quick" = 1 ]; then
  n_images=100 n_vgg=16 raw_batches=10 cold_runs=5 rss_counts="200 400" video_seconds=60 scene_seconds=7.5
  server_latency=100 server_load=500 photos_jpeg=40 photos_heic=8 photos_heic_plain=8
else
  n_images=900 n_vgg=48 raw_batches=40 cold_runs=7 rss_counts="1000 10000" video_seconds=600 scene_seconds=30
  server_latency=500 server_load=5000
  photos_jpeg=200 photos_heic=200 photos_heic_plain=200  # x265 (ultrafast) encodes a 12 MP photo in 1.5 s of CPU, once
fi
video_seconds=${BENCH_VIDEO_SECONDS:-$video_seconds}   # a shorter video where 10 minutes take too long to generate
scene_seconds=${BENCH_SCENE_SECONDS:-$scene_seconds}
rounds=${BENCH_ROUNDS:-$([ "$quick" = 1 ] && echo 1 || echo 2)}
# (The quick video changes mood every 7.5 s, so that its one minute still shows all eight moods
# of bench/make_video.py and has about the bitrate of the full video.)
raw_policies="PASSIVE default"  # img2music's OpenMP wait policy, and libgomp's own default

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- helpers -----------------------------------------------------------------------------

want() { [[ $sections == *" $1 "* ]]; }
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", b - a }'; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }   # calc FORMAT EXPRESSION
larger() { calc %.1f "($1 > $2) ? $1 : $2"; }       # larger A B
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
verdict() { if awk "BEGIN { exit !($1) }"; then echo ok; else echo "**miss**"; fi; }   # verdict CONDITION
with_commas() { echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
# Last line of a log, on one line and without "|", for a table cell.
reason() { tail -n 1 "$1" 2>/dev/null | tr '|\r' '/ ' | cut -c1-160; }

# run_timed IN OUT ERR CMD...: runs CMD with stdin IN, stdout OUT, stderr ERR under
# /usr/bin/time; sets WALL (seconds, from $EPOCHREALTIME: /usr/bin/time's %e has only 10 ms),
# RSS_MB (peak resident set, decimal MB), CPU_S (user + system CPU seconds: on a shared machine
# the part least disturbed by other work) and STATUS. Never fails itself.
run_timed() {
  local in=$1 out=$2 err=$3
  shift 3
  local t0 t1
  t0=$(now)
  STATUS=0
  /usr/bin/time -f '%M
cpu %U %S' -o "$tmp/rss" "$@" <"$in" >"$out" 2>"$err" || STATUS=$?
  t1=$(now)
  WALL=$(elapsed "$t0" "$t1")
  RSS_MB=$(awk '/^[0-9]+$/ { printf "%.0f", $1 * 1.024 / 1000 }' "$tmp/rss")  # KiB -> 1000-byte MB
  CPU_S=$(awk '/^cpu / { printf "%.1f", $2 + $3 }' "$tmp/rss")                # user + system seconds
}

# model_label MODEL.pt: "name (arch, HxW)" from the model's img2music.json.
model_label() {
  /usr/bin/python3 - "$1" <<'EOF'
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
m = json.loads(z.read(next(n for n in z.namelist() if n.endswith("extra/img2music.json"))))
p = m["preprocess"]
print("%s (%s, %dx%d)" % (m["name"], m["arch"], p["input_height"], p["input_width"]))
EOF
}

# cpu_busy_seconds: CPU time the whole machine has spent busy since boot (from /proc/stat).
cpu_busy_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '/^cpu / { print ($2 + $3 + $4 + $7 + $8 + $9) / hz; exit }' /proc/stat
}

# children_cpu_seconds: user + system CPU time of this script's finished children. `times` has
# to run in this shell (in a pipe or $(...) it would report a subshell's children: none).
children_cpu_seconds() {
  times >"$tmp/times"
  tail -n 1 "$tmp/times" | awk '{ for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); s += t[1] * 60 + t[2] } print s }'
}

# report_interference START_BUSY START_CHILDREN START_TIME: how much CPU other processes used
# while the benchmarks ran: the machine's busy time minus what this script's children used.
report_interference() {
  local busy mine wall
  busy=$(awk -v a="$1" -v b="$(cpu_busy_seconds)" 'BEGIN { print b - a }')
  children_cpu_seconds >"$tmp/children1"  # not in $(...): see children_cpu_seconds
  mine=$(awk -v a="$2" -v b="$(cat "$tmp/children1")" 'BEGIN { print b - a }')
  wall=$(elapsed "$3" "$(now)")
  awk -v busy="$busy" -v mine="$mine" -v wall="$wall" -v cores="$cores" 'BEGIN {
    other = busy - mine; if (other < 0) other = 0
    share = other / (wall * cores)
    printf "Other processes used %.0f s of CPU during the %.0f s run (%.0f %% of the %d cores)%s.\n",
      other, wall, 100 * share, cores, (share > 0.05) ? ": the figures above are disturbed" : ""
  }'
}

# warm_cache LIST: reads every file LIST names once, so that no timed run pays for the disk and
# the first program timed is not at a disadvantage to the next (the figures are warm-cache ones).
warm_cache() {
  sort -u "$1" | tr '\n' '\0' | xargs -0 -r cat >/dev/null
}

# first_images N: the first N OASIS images by name, or, past 900, the 900 again and again.
first_images() {
  awk -v n="$1" '{ p[NR] = $0 } END { for (i = 0; i < n; i++) print p[i % NR + 1] }' "$tmp/oasis_all"
}

build_programs() {
  if [ "${BENCH_SKIP_SETUP:-0}" = 1 ]; then
    # Configure again so that new bench targets exist, then build only the benchmarks.
    cmake -S . -B "$build" >/dev/null
    cmake --build "$build" -j "${BENCH_BUILD_JOBS:-$cores}" --target song_table_bench forward_bench heif_decode_bench >"$tmp/build.log" 2>&1 ||
      { tail -20 "$tmp/build.log" >&2; exit 1; }
  else
    BUILD_DIR=$build scripts/setup.sh >/dev/null
  fi
}

print_header() {
  local cpu isa mem load
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  # The widest vector extension: LibTorch's kernels (and so every figure) depend on it.
  isa=$(grep -m1 '^flags' /proc/cpuinfo | grep -ow -e avx512f -e avx2 | sort | tail -n 1 || true)
  mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  echo "# img2music benchmarks"
  echo
  echo "- machine: $cores cores (nproc), ${cpu:-unknown CPU}${isa:+ ($isa)}, $mem RAM, $(uname -sr)"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown) (working tree not checked)"
  echo "- load average at start: $load$(awk -v l="${load%% *}" 'BEGIN { if (l > 0.5) print " (not idle: figures are noisy)" }')"
  if [ "$quick" = 1 ]; then
    echo "- mode: **quick** (BENCH_QUICK=1): small sizes, not comparable with a full run"
  else
    echo "- mode: full"
  fi
  echo
}

# --- song table (song_table_bench) -------------------------------------------------------

section_songs() {
  echo "## Song table and nearest-song search (song_table_bench)"
  echo
  "$build/bench/song_table_bench" data/songs.csv
  echo
}

# --- (a) throughput: img2music vs the Python reference vs the raw forward pass -----------

# vgg19_bn from random init (there are no ImageNet weights here), exported by the project's own
# script as tests/e2e/run_architectures.sh does, but at the full 224x224 input. About 80 MB.
vgg_model() {
  local f=$cache/vgg19_bn_random_224.pt
  if [ ! -s "$f" ]; then
    mkdir -p "$cache"
    /usr/bin/python3 scripts/export_model.py --arch vgg19_bn --random-init --out "$f.tmp.pt" >"$tmp/export.log" 2>&1 ||
      { echo "export of vgg19_bn failed: $(reason "$tmp/export.log")" >&2; return 1; }
    mv "$f.tmp.pt" "$f"
  fi
  echo "$f"
}

# raw_forward MODEL BATCHES WARMUP TAG: the best images/s of forward_bench over the OpenMP
# wait policies (one process each: libgomp reads the policy when it is loaded), "n/a" when all
# failed; writes "POLICY images/s" per policy to $tmp/raw_TAG for the notes.
raw_forward() {
  local model=$1 batches=$2 warmup=$3 tag=$4 best="" policy line ips
  local policy_env=()
  : >"$tmp/raw_$tag"
  for policy in $raw_policies; do
    policy_env=()  # "default": OMP_WAIT_POLICY is unset (see the top of this script)
    if [ "$policy" != default ]; then policy_env=("OMP_WAIT_POLICY=$policy"); fi
    if line=$(env "${policy_env[@]}" "$build/bench/forward_bench" "$model" --batch 8 --batches "$batches" \
                --warmup "$warmup" 2>"$tmp/raw.err"); then
      ips=$(sed -n 's/^images_per_s=\([0-9.]*\) .*/\1/p' <<<"$line")
      echo "$policy $ips" >>"$tmp/raw_$tag"
      if [ -z "$best" ] || awk "BEGIN { exit !($ips > $best) }"; then best=$ips; fi
    else
      echo "$policy failed: $(reason "$tmp/raw.err")" >>"$tmp/raw_$tag"
    fi
  done
  if [ -n "$best" ]; then calc %.1f "$best"; else echo n/a; fi
}

# rate_round BEST ALL N STDIN STDOUT STDERR CMD...: one timed run of CMD over N images; its
# images/s is appended to the variable named ALL ("a, b") and the variable named BEST keeps the
# larger. A failed run sets BEST to "n/a (…)" and returns 1.
rate_round() {
  local -n best=$1 all=$2
  local n=$3 stdin=$4 stdout=$5 stderr=$6
  shift 6
  run_timed "$stdin" "$stdout" "$stderr" "$@"
  if [ "$STATUS" != 0 ]; then
    best="n/a (exit $STATUS: $(reason "$stderr"))"
    return 1
  fi
  local rate
  rate=$(calc %.1f "$n / $WALL")
  all+="${all:+, }$rate"
  best=$(larger "$rate" "${best:-0}")
}

# throughput_row MODEL N LABEL TAG RAW_BATCHES RAW_WARMUP: one table row (N images through
# img2music and the Python reference, RAW_BATCHES timed batches of 8 through forward_bench);
# the details go to $tmp/notes.
throughput_row() {
  local model=$1 n=$2 label=$3 tag=$4 raw_batches_for=$5 warmup=$6
  local list=$tmp/list_$tag ours=$tmp/ours_$tag.jsonl ref=$tmp/ref_$tag.jsonl
  local ours_ips py_ips raw_ips vs_py vs_raw images
  first_images "$n" >"$list"
  warm_cache "$list"

  local py_args=(--model "$model" --songs data/songs.csv --top 10 --batch-size 8 --out "$ref")
  if [ -n "${BENCH_PY_WORKERS:-}" ]; then py_args+=(--workers "$BENCH_PY_WORKERS"); fi
  if [ -n "${BENCH_PY_THREADS:-}" ]; then py_args+=(--threads "$BENCH_PY_THREADS"); fi
  # img2music and the Python reference alternate, $rounds runs each, and each side's fastest
  # counts: this machine's speed drifts by 10-20 % from minute to minute, and one run of each
  # put the ratio anywhere from 2.9x to 3.7x (docs/performance.md, 2026-12-05).
  local round ours_all="" py_all=""
  ours_ips="" py_ips=""
  for ((round = 0; round < rounds; round++)); do
    rate_round ours_ips ours_all "$n" "$list" "$ours" "$tmp/ours_$tag.err" "$bin" - --model "$model" --top 10 -f jsonl || break
    rate_round py_ips py_all "$n" "$list" /dev/null "$tmp/ref_$tag.err" /usr/bin/python3 bench/python_reference.py "${py_args[@]}" || break
  done
  sed -n 's/^python_reference: settings: //p' "$tmp/ref_$tag.err" >"$tmp/py_settings"

  raw_ips=$(raw_forward "$model" "$raw_batches_for" "$warmup" "$tag")

  vs_py=n/a vs_raw=n/a
  if [[ $ours_ips =~ ^[0-9.]+$ && $py_ips =~ ^[0-9.]+$ ]]; then
    vs_py="$(calc %.2f "$ours_ips / $py_ips")× ($(verdict "$ours_ips / $py_ips >= 3"))"
  fi
  if [[ $ours_ips =~ ^[0-9.]+$ && $raw_ips =~ ^[0-9.]+$ ]]; then
    vs_raw="$(calc %.0f "100 * $ours_ips / $raw_ips") % ($(verdict "$ours_ips / $raw_ips >= 0.9"))"
  fi
  images=$n
  if [ "$n" -lt 900 ]; then images="$n of 900 (the first by name)"; fi
  local ours_cell=$ours_ips py_cell=$py_ips
  if [ "$rounds" -gt 1 ] && [[ $ours_ips =~ ^[0-9.]+$ && $py_ips =~ ^[0-9.]+$ ]]; then
    ours_cell="$ours_ips (runs: $ours_all)" py_cell="$py_ips (runs: $py_all)"
  fi
  echo "| $label | $images | $ours_cell | $py_cell | $raw_ips | $vs_py | $vs_raw |"

  {
    printf -- "- %s: raw forward by OpenMP wait policy (images/s): %s" "$label" "$(tr '\n' ';' <"$tmp/raw_$tag" | sed 's/;$//; s/;/; /g')"
    if [ -s "$ours" ] && [ -s "$ref" ]; then
      printf "; same job? img2music vs Python: %s" "$(/usr/bin/python3 bench/compare_outputs.py "$ours" "$ref" || true)"
    fi
    echo
  } >>"$tmp/notes"
}

# img2music with -j 1 and -j 2 on the same images (a cluster job or container pinned to one
# core gets -j 1's worth): one thread should run at about half of two threads' speed.
threads_rows() {
  local list=$tmp/list_threads j ips1="" ips
  first_images "$n_images" >"$list"
  warm_cache "$list"
  echo "| \`img2music - --top 10 -f jsonl -j N\` (shipped model) | images | images/s | vs -j 2 (goal ≥ 0.45×) |"
  echo "|---|---:|---:|---:|"
  for j in 2 1; do
    run_timed "$list" /dev/null "$tmp/threads.err" "$bin" - --top 10 -f jsonl -j "$j"
    if [ "$STATUS" != 0 ]; then
      echo "| -j $j | $n_images | n/a (exit $STATUS: $(reason "$tmp/threads.err")) | |"
      continue
    fi
    ips=$(calc %.1f "$n_images / $WALL")
    if [ "$j" = 2 ]; then
      ips1=$ips
      echo "| -j 2 | $n_images | $ips | 1× |"
    else
      echo "| -j 1 | $n_images | $ips | $(calc %.2f "$ips / $ips1")× ($(verdict "$ips / $ips1 >= 0.45")) |"
    fi
  done
}

section_throughput() {
  local vgg
  : >"$tmp/notes"
  echo "## (a) Throughput: img2music vs the Python reference vs the raw forward pass"
  echo
  echo "OASIS images (500×400 JPEG), paths on stdin, \`--top 10\`, JSON Lines to a file, batch 8 everywhere."
  echo "img2music (\`img2music - --top 10 -f jsonl\`) and the Python reference (bench/python_reference.py) are"
  echo "timed as whole processes, start to exit (imports, model and song table loading included),"
  echo "$rounds run(s) of each, alternated, the fastest of each side counting (the others in parentheses);"
  echo "raw forward is forward_bench: VaModel::predict on random batches of 8 already in memory, after"
  echo "warm-up, the faster of OMP_WAIT_POLICY=PASSIVE (what img2music runs with) and libgomp's default."
  echo
  echo "| model | images | img2music (images/s) | Python (images/s) | raw forward (images/s) | img2music / Python (goal ≥ 3×) | img2music / raw (goal ≥ 90 %) |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  throughput_row models/img2music.pt "$n_images" "shipped: $(model_label models/img2music.pt)" shipped "$raw_batches" 3
  local py_settings
  py_settings=$(cat "$tmp/py_settings")
  if vgg=$(vgg_model); then
    throughput_row "$vgg" "$n_vgg" "$(model_label "$vgg"), random init (a subset: slow on $cores cores)" vgg \
      "$(( (n_vgg + 7) / 8 ))" 1
  else
    echo "| vgg19_bn | n/a (export failed, see stderr) | | | | | |"
  fi
  echo
  threads_rows
  echo
  echo "Python reference settings: ${py_settings:-n/a}."
  echo
  cat "$tmp/notes"
  echo
}

# --- (a2) precision: float32 against bfloat16 ---------------------------------------------

# The model's convolutions in float32 and in bfloat16 (--precision), each beside the other in the
# same run: the raw forward pass at batch 1 (a server's request) and 4 (the CLI's batch for the
# 320 px model), the whole CLI on the OASIS images, and how far the answers move.
section_precision() {
  local list=$tmp/list_precision p b line ips wall_f32="" wall_b16=""
  echo "## (a2) Precision: the convolutions in float32 and in bfloat16"
  echo
  if ! line=$("$build/bench/forward_bench" models/img2music.pt --batch 1 --batches 3 --warmup 1 --precision bfloat16 2>&1); then
    echo "bfloat16 does not run on this CPU ($(tail -n 1 <<<"$line" | cut -c1-160)): float32 only, nothing to compare."
    echo
    return 0
  fi
  echo "Raw forward pass (forward_bench, shipped model, random batches in memory, median of the timed batches):"
  echo
  echo "| batch | float32 (ms per batch) | bfloat16 (ms per batch) | speed-up |"
  echo "|---:|---:|---:|---:|"
  for b in 1 4; do
    local ms_f32="" ms_b16=""
    for p in float32 bfloat16; do
      line=$("$build/bench/forward_bench" models/img2music.pt --batch "$b" --batches "$raw_batches" --warmup 3 --precision "$p" 2>/dev/null) || line=""
      ips=$(sed -n 's/.* median_batch_s=\([0-9.]*\) .*/\1/p' <<<"$line")
      if [ "$p" = float32 ]; then ms_f32=$(calc %.1f "1000 * ${ips:-0}"); else ms_b16=$(calc %.1f "1000 * ${ips:-0}"); fi
    done
    echo "| $b | $ms_f32 | $ms_b16 | $(calc %.2f "$ms_f32 / $ms_b16")× |"
  done
  echo
  first_images "$n_images" >"$list"
  warm_cache "$list"
  echo "| \`img2music - --top 10 -f jsonl --precision P\` | images | wall | images/s | peak RSS |"
  echo "|---|---:|---:|---:|---:|"
  for p in float32 bfloat16; do
    run_timed "$list" "$tmp/precision_$p.jsonl" "$tmp/precision.err" "$bin" - --top 10 -f jsonl --precision "$p"
    if [ "$STATUS" != 0 ]; then
      echo "| $p | $n_images | n/a (exit $STATUS: $(reason "$tmp/precision.err")) | | |"
      continue
    fi
    if [ "$p" = float32 ]; then wall_f32=$WALL; else wall_b16=$WALL; fi
    echo "| $p | $n_images | $(calc %.2f "$WALL") s | $(calc %.1f "$n_images / $WALL") | $RSS_MB MB |"
  done
  echo
  if [ -n "$wall_f32" ] && [ -n "$wall_b16" ]; then
    echo "bfloat16 against float32, whole runs: $(calc %.2f "$wall_f32 / $wall_b16")× faster; answers:" \
      "$(/usr/bin/python3 bench/compare_outputs.py "$tmp/precision_bfloat16.jsonl" "$tmp/precision_float32.jsonl" || true)."
    echo
  fi
}

# --- (b) cold start ----------------------------------------------------------------------

# cold_row LABEL GOAL CMD...: median, min and max wall time of $cold_runs runs, after one
# untimed run (so the page cache holds LibTorch and the model: a warm-cache cold start).
cold_row() {
  local label=$1 goal=$2 i t0 t1 status=0
  shift 2
  "$@" >/dev/null 2>&1 </dev/null || status=$?
  if [ "$status" != 0 ]; then
    echo "| $label | n/a (exit $status) | | | $goal |"
    return
  fi
  : >"$tmp/cold"
  for ((i = 0; i < cold_runs; i++)); do
    t0=$(now)
    "$@" >/dev/null 2>&1 </dev/null || true
    t1=$(now)
    elapsed "$t0" "$t1" >>"$tmp/cold"
  done
  local med lo hi
  med=$(median <"$tmp/cold")
  lo=$(sort -g "$tmp/cold" | head -n 1)
  hi=$(sort -g "$tmp/cold" | tail -n 1)
  local check=""
  if [ -n "$goal" ]; then check=" ($(verdict "$med <= ${goal#≤ }"))"; fi
  echo "| $label | $(calc %.3f "$med") s | $(calc %.3f "$lo")–$(calc %.3f "$hi") s | $cold_runs | ${goal:+$goal s}$check |"
}

section_cold() {
  local image
  image=$(first_images 1)
  echo "## (b) Cold start (process start to output; page cache warm)"
  echo
  echo "| command | median | min–max | runs | goal |"
  echo "|---|---:|---:|---:|---|"
  cold_row "one image: \`img2music IMG --top 10 -f jsonl\` (shipped model and song table; IMG = $(basename "$image"))" "≤ 0.7" \
    "$bin" "$image" --top 10 -f jsonl
  cold_row "\`img2music --help\` (loading LibTorch: the floor)" "" "$bin" --help
  echo
}

# --- (c) peak memory ---------------------------------------------------------------------

section_rss() {
  local count first_rss="" list goal
  echo "## (c) Peak memory of the whole process (\`/usr/bin/time -f %M\`)"
  echo
  echo "\`img2music - --top 10 -f jsonl\`, shipped model, paths on stdin cycling through the 900 OASIS images"
  echo "(so past 900 the inputs repeat), output to a file. MB = 10⁶ bytes."
  echo
  echo "| inputs | peak RSS | wall | images/s | goal |"
  echo "|---:|---:|---:|---:|---|"
  for count in $rss_counts; do
    list=$tmp/rss_list
    first_images "$count" >"$list"
    warm_cache "$list"
    run_timed "$list" "$tmp/rss_out.jsonl" "$tmp/rss.err" "$bin" - --top 10 -f jsonl
    if [ "$STATUS" != 0 ] || [ -z "$RSS_MB" ]; then
      echo "| $(with_commas "$count") | n/a (exit $STATUS: $(reason "$tmp/rss.err")) | | | |"
      continue
    fi
    goal="≤ 400 MB: $(verdict "$RSS_MB <= 400")"
    if [ -n "$first_rss" ]; then
      # "No higher than the smaller run", with 2 % for the noise of page and allocator rounding.
      goal="$goal; ≤ the first row + 2 %: $(verdict "$RSS_MB <= $first_rss * 1.02")"
    fi
    echo "| $(with_commas "$count") | $RSS_MB MB | $(calc %.1f "$WALL") s | $(calc %.1f "$count / $WALL") | $goal |"
    if [ -z "$first_rss" ]; then first_rss=$RSS_MB; fi
  done
  echo
}

# --- (d) video ---------------------------------------------------------------------------

section_video() {
  local video=$cache/video_h264_1080p30_phone_${video_seconds}s_scenes${scene_seconds}s.mp4 records goal label ffmpeg_s every02_goal
  echo "## (d) Video: a phone-style 1080p30 H.264 file"
  echo
  if [ ! -s "$video" ]; then
    mkdir -p "$cache"
    echo "(generating $video with bench/make_video.py: a one-time cost, cached)" >&2
    /usr/bin/python3 bench/make_video.py --seconds "$video_seconds" --scene-seconds "$scene_seconds" --out "$video" 2>"$tmp/video_make.err" ||
      { echo "video generation failed: $(reason "$tmp/video_make.err")"; echo; return; }
  fi
  local mb mbit
  mb=$(calc %.0f "$(stat -c %s "$video") / 1e6")
  mbit=$(calc %.1f "$(stat -c %s "$video") * 8 / 1e6 / $video_seconds")
  label="$(calc %g "$video_seconds / 60") min, 1920×1080, 30 fps, H.264 as phones write it (libx264 superfast, High profile, no B-frames, a keyframe every 1 s) in .mp4, $mb MB ($mbit Mbit/s), a new mood every $scene_seconds s (bench/make_video.py; 8 distinct scenes, repeated by stream copy)"
  echo "$label. All rows in the same run, page cache warm. MB = 10⁶ bytes."
  echo
  echo "| command | wall | CPU (user + system) | peak RSS | records | goal |"
  echo "|---|---:|---:|---:|---:|---|"
  cat "$video" >/dev/null  # warm cache, as for the images

  # The baselines: FFmpeg decoding every frame (what any sampling faster than the keyframes must
  # pay), and the Python reference's read loop.
  run_timed /dev/null /dev/null "$tmp/ffmpeg.err" ffmpeg -v error -threads 2 -i "$video" -f null -
  ffmpeg_s=$WALL
  local ffmpeg_cpu=$CPU_S
  echo "| \`ffmpeg -threads 2 -i VIDEO -f null -\` (every frame decoded: the baseline) | $(calc %.1f "$WALL") s | $CPU_S s | $RSS_MB MB | | |"
  run_timed /dev/null /dev/null "$tmp/pyvideo.err" /usr/bin/python3 bench/python_video_reference.py "$video" --every 1
  local py_s=$WALL
  echo "| Python reference: OpenCV \`VideoCapture.read()\` loop, one frame kept per second, no model (bench/python_video_reference.py) | $(calc %.1f "$WALL") s | $CPU_S s | $RSS_MB MB | | |"

  # The goal is 15 s for 10 minutes; a shorter video gets its share of it.
  goal=$(calc %.1f "15 * $video_seconds / 600")
  run_timed /dev/null "$tmp/video_out.jsonl" "$tmp/video.err" "$bin" "$video" --every 1 -f jsonl
  records=$(wc -l <"$tmp/video_out.jsonl")
  if [ "$STATUS" = 0 ]; then
    echo "| \`img2music VIDEO --every 1 -f jsonl\` (segments) | $(calc %.1f "$WALL") s ($(calc %.1f "$py_s / $WALL")× the Python loop) | $CPU_S s | $RSS_MB MB | $records | ≤ $goal s ($(verdict "$WALL <= $goal")); ≤ 400 MB ($(verdict "$RSS_MB <= 400")) |"
  else
    echo "| \`img2music VIDEO --every 1\` | n/a (error: exit $STATUS: $(reason "$tmp/video.err")) | | | $records | ≤ $goal s |"
  fi
  run_timed /dev/null "$tmp/video_frames.jsonl" "$tmp/video.err" "$bin" "$video" --every 1 --frames -f jsonl
  records=$(wc -l <"$tmp/video_frames.jsonl")
  local on_keys
  on_keys=$(/usr/bin/python3 -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; print(sum(1 for x in r if x['frame'] % 30 == 0))" "$tmp/video_frames.jsonl" 2>/dev/null || echo "?")
  echo "| \`img2music VIDEO --every 1 --frames -f jsonl\` ($on_keys of $records samples on keyframes) | $(calc %.1f "$WALL") s | $CPU_S s | $RSS_MB MB | $records | ≤ $goal s ($(verdict "$WALL <= $goal")) |"
  every02_goal=$(calc %.1f "$ffmpeg_s * 1.1")
  run_timed /dev/null "$tmp/video_02.jsonl" "$tmp/video.err" "$bin" "$video" --every 0.2 -f jsonl
  records=$(wc -l <"$tmp/video_02.jsonl")
  echo "| \`img2music VIDEO --every 0.2 -f jsonl\` (more samples than keyframes) | $(calc %.1f "$WALL") s ($(calc %.2f "$WALL / $ffmpeg_s")× FFmpeg's) | $CPU_S s ($(calc %.2f "$CPU_S / $ffmpeg_cpu")× FFmpeg's) | $RSS_MB MB | $records | ≤ FFmpeg's every frame + 10 % = $every02_goal s ($(verdict "$WALL <= $every02_goal")); ≤ 400 MB ($(verdict "$RSS_MB <= 400")) |"
  echo
}

# --- (f) img2music serve ----------------------------------------------------------------

section_server() {
  /usr/bin/python3 bench/server_bench.py "$bin" "$oasis" "$n_images" "$server_latency" "$server_load" "$build/bench/forward_bench"
}

# --- (g) camera photos: bench/photos.sh ---------------------------------------------------

# shellcheck source=bench/photos.sh
source bench/photos.sh  # the working directory is the checkout (see the top)

# --- main --------------------------------------------------------------------------------

main() {
  build_programs
  find "$oasis" -maxdepth 1 -type f -iname '*.jpg' | sort >"$tmp/oasis_all"
  local count
  count=$(wc -l <"$tmp/oasis_all")
  if [ "$count" = 0 ]; then
    echo "bench/run.sh: no OASIS images in $oasis (set IMG2MUSIC_SHARED)" >&2
    exit 1
  fi
  [ "$count" = 900 ] || echo "bench/run.sh: warning: $count OASIS images in $oasis, expected 900" >&2
  local busy0 children0 t0
  busy0=$(cpu_busy_seconds)
  children_cpu_seconds >"$tmp/children0"
  children0=$(cat "$tmp/children0")
  t0=$(now)
  print_header
  want songs && section_songs
  want throughput && section_throughput
  want precision && section_precision
  want cold && section_cold
  want rss && section_rss
  want video && section_video
  want server && section_server
  want photos && section_photos
  report_interference "$busy0" "$children0" "$t0"
  return 0
}

main "$@"
