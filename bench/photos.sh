# bench/run.sh's photos section (sourced by it; uses its helpers): camera-sized photos.
#   12 MP JPEGs: img2music beside the Python reference (PIL + torchvision + DataLoader);
#   12 MP HEICs with an iPhone's 320x240 thumbnail and without one: img2music beside libheif's
#   own full decode (bench/heif_decode_bench, one process per core).
# The photos are generated once into BUILD_DIR/bench/ (bench/make_photos.py, heif-enc).

section_photos() {
  local n_jpeg=${BENCH_PHOTOS:-$photos_jpeg} n_heic=${BENCH_HEIC:-$photos_heic} n_plain=${BENCH_HEIC_PLAIN:-$photos_heic_plain}
  local dir=$cache/photos_${n_jpeg} heic_dir=$cache/heic_t320_${n_heic}
  n_plain=$((n_plain < n_heic ? n_plain : n_heic))
  local formats=${BENCH_PHOTOS_FORMATS:-jpeg heic}
  echo "## (e) Camera photos: 4032×3024 JPEG (quality 92) and HEIC, shipped model, \`img2music - --top 10 -f jsonl\`"
  echo
  if [ ! -s "$dir/photo_$(printf %03d $((n_jpeg - 1))).jpg" ]; then
    echo "(generating $n_jpeg photos in $dir with bench/make_photos.py: a one-time cost, cached)" >&2
    /usr/bin/python3 bench/make_photos.py --sources "$tmp/oasis_all" --count "$n_jpeg" --out "$dir" 2>"$tmp/photos.err" ||
      { echo "photo generation failed: $(reason "$tmp/photos.err")"; echo; return; }
  fi
  if ! command -v heif-enc >/dev/null; then
    echo "(no heif-enc: install libheif-examples for the HEIC rows)" >&2
  else
    mkdir -p "$heic_dir"
    local i f
    for ((i = 0; i < n_heic; i++)); do
      # x265's ultrafast preset keeps the one-time encoding short (about 1.5 s of CPU a photo;
      # it also decodes faster than a phone's HEVC); a 320×240 thumbnail as an iPhone stores.
      # n_plain of them again without a thumbnail. Files already there are kept.
      f=$(printf %03d "$i")
      [ -s "$heic_dir/thumb_$f.heic" ] ||
        heif-enc -q 50 -p preset=ultrafast -t 320 -o "$heic_dir/thumb_$f.heic" "$dir/photo_$f.jpg" >/dev/null ||
        { echo "heif-enc failed" >&2; break; }
      [ "$i" -ge "$n_plain" ] || [ -s "$heic_dir/plain_$f.heic" ] ||
        heif-enc -q 50 -p preset=ultrafast -o "$heic_dir/plain_$f.heic" "$dir/photo_$f.jpg" >/dev/null ||
        { echo "heif-enc failed" >&2; break; }
    done
  fi
  local mb
  mb=$(du -sm "$dir" | cut -f1)
  echo "| input | photos | img2music (photos/s) | baseline | baseline (photos/s) | ratio | goal |"
  echo "|---|---:|---:|---|---:|---:|---|"

  local ours_ps py_ps ours_rss
  # JPEG: img2music vs the Python reference (BENCH_PHOTOS_FORMATS=heic leaves it out).
  if [[ " $formats " == *" jpeg "* ]]; then
    find "$dir" -name 'photo_*.jpg' | sort | head -n "$n_jpeg" >"$tmp/photos_list"
    warm_cache "$tmp/photos_list"
    run_timed "$tmp/photos_list" "$tmp/photos_ours.jsonl" "$tmp/photos_ours.err" "$bin" - --top 10 -f jsonl
    ours_ps=n/a
    if [ "$STATUS" = 0 ]; then ours_ps=$(calc %.1f "$n_jpeg / $WALL"); fi
    ours_rss=$RSS_MB
    run_timed "$tmp/photos_list" /dev/null "$tmp/photos_ref.err" /usr/bin/python3 bench/python_reference.py \
      --model models/img2music.pt --songs data/songs.csv --top 10 --batch-size 8 --out "$tmp/photos_ref.jsonl"
    py_ps=n/a
    if [ "$STATUS" = 0 ]; then py_ps=$(calc %.1f "$n_jpeg / $WALL"); fi
    local ratio=n/a goal="≥ 30 photos/s and ≥ 4× Python"
    if [[ $ours_ps =~ ^[0-9.]+$ && $py_ps =~ ^[0-9.]+$ ]]; then
      ratio="$(calc %.2f "$ours_ps / $py_ps")×"
      goal="$goal: $(verdict "$ours_ps >= 30 && $ours_ps / $py_ps >= 4")"
    fi
    echo "| JPEG 4032×3024 q92 ($mb MB in all) | $n_jpeg | $ours_ps | Python reference | $py_ps | $ratio | $goal |"
  fi

  # HEIC: img2music vs libheif's full decode, each with one process or thread per core.
  if [ -s "$heic_dir/plain_000.heic" ]; then
    local kind label
    local count
    for kind in thumb plain; do
      count=$n_heic
      if [ "$kind" = plain ]; then count=$n_plain; fi
      find "$heic_dir" -name "${kind}_*.heic" | sort | head -n "$count" >"$tmp/heic_list"
      warm_cache "$tmp/heic_list"
      run_timed "$tmp/heic_list" "$tmp/heic_ours.jsonl" "$tmp/heic_ours.err" "$bin" - --top 10 -f jsonl
      ours_ps=n/a
      if [ "$STATUS" = 0 ]; then ours_ps=$(calc %.2f "$count / $WALL"); fi
      split -n "r/$cores" "$tmp/heic_list" "$tmp/heic_part_"
      local t0 t1 base_ps
      t0=$(now)
      for part in "$tmp"/heic_part_*; do "$build/bench/heif_decode_bench" <"$part" >/dev/null & done
      wait
      t1=$(now)
      rm -f "$tmp"/heic_part_*
      base_ps=$(calc %.2f "$count / $(elapsed "$t0" "$t1")")
      if [ "$kind" = thumb ]; then
        label="HEIC 4032×3024 with a 320×240 thumbnail (iPhone)"
        goal="≥ 15 photos/s: $(verdict "$ours_ps >= 15")"
      else
        label="HEIC 4032×3024 without a thumbnail"
        goal="≥ libheif / 1.1: $(verdict "$ours_ps >= $base_ps / 1.1")"
      fi
      echo "| $label | $count | $ours_ps | libheif full decode ($cores processes) | $base_ps | $(calc %.2f "$ours_ps / $base_ps")× | $goal |"
    done
  fi
  echo
  if [[ " $formats " == *" jpeg "* ]]; then
    echo "img2music peak RSS on the JPEGs: ${ours_rss:-n/a} MB. Same answers? img2music vs Python on the JPEGs:" \
      "$(/usr/bin/python3 bench/compare_outputs.py "$tmp/photos_ours.jsonl" "$tmp/photos_ref.jsonl" 2>/dev/null || echo n/a)."
  fi
  echo
}
