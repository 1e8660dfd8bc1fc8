#!/usr/bin/env bash
# End-to-end tests of the real img2music binary: golden outputs in every format, stdin input,
# exit codes, one-line error messages, closed pipes. Uses the tiny test model (valence = mean
# red, arousal = mean saturation) and a 24-song test table, so every number can be checked.
#   usage: run_e2e.sh BINARY TESTS_DIR        (UPDATE_GOLDEN=1 rewrites the golden files)
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh" "$1" "$2"

model=data/models/tiny_va.pt
songs=data/songs_small.csv
run() { "$bin" --model "$model" --songs "$songs" --threads 2 "$@"; }
inputs=(data/images/red.png data/images/grey.png data/images/split.png data/images/teal.jpg data/missing.png data/images/rgba.png)

# expect_exit CODE NAME -- command...
expect_exit() {
    local want=$1 name=$2
    shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    if [ "$got" = "$want" ]; then pass; else fail "$name: exit $got, expected $want; stderr: $(head -3 "$tmp/err")"; fi
}
expect_stderr() {  # NAME PATTERN: the last command's stderr has exactly one line matching PATTERN
    if [ "$(grep -c -- "$2" "$tmp/err")" = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ]; then pass; else fail "$1: stderr was: $(cat "$tmp/err")"; fi
}
golden() {  # NAME FILE: compare FILE with golden/NAME
    if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then cp "$2" "golden/$1"; fi
    if cmp -s "$2" "golden/$1"; then pass; else fail "golden/$1 differs:"; diff "golden/$1" "$2" | head -20; fi
}

# --- golden outputs, every format; the missing file fails in place (exit 1) ---
for fmt in jsonl json csv tsv table; do
    expect_exit 1 "format $fmt" -- run --top 3 --format "$fmt" "${inputs[@]}"
    golden "basic.$fmt" "$tmp/out"
    expect_stderr "format $fmt stderr" "^img2music: data/missing.png: No such file or directory$"
done
expect_exit 0 "align none" -- run --top 3 --align none --format jsonl data/images/red.png data/images/split.png
golden "align_none.jsonl" "$tmp/out"
expect_exit 0 "align minmax" -- run --top 3 --align minmax --format jsonl data/images/red.png data/images/split.png
golden "align_minmax.jsonl" "$tmp/out"

# --- a model with emotions ([N, 2 + k]): the same songs, plus the distribution in every format ---
emo_run() { "$bin" --model data/models/emotions_va.pt --songs "$songs" --threads 2 --top 3 "$@"; }
expect_exit 0 "emotions jsonl" -- emo_run --format jsonl data/images/red.png data/images/grey.png
golden "emotions.jsonl" "$tmp/out"
expect_exit 0 "emotions explain" -- emo_run --format jsonl --explain data/images/red.png
if grep -q '"mood":"energetic and pleasant, feels like anger (100%)"' "$tmp/out"; then pass; else fail "emotions explain: $(cat "$tmp/out")"; fi
expect_exit 0 "emotions csv" -- emo_run --format csv data/images/red.png
golden "emotions.csv" "$tmp/out"
expect_exit 0 "emotions table" -- emo_run --format table data/images/grey.png
if grep -qx '  feels like anger (33%) and calm (33%)' "$tmp/out"; then pass; else fail "emotions table: $(cat "$tmp/out")"; fi
expect_exit 0 "emotions: songs as without them" -- emo_run --format ids data/images/red.png data/images/grey.png
cp "$tmp/out" "$tmp/emotion_ids"
expect_exit 0 "no emotions: songs" -- run --top 3 --format ids data/images/red.png data/images/grey.png
if cmp -s "$tmp/out" "$tmp/emotion_ids"; then pass; else fail "a model with emotions picked other songs"; fi

# --- jsonl is the default when stdout is not a terminal ---
expect_exit 1 "default format" -- run --top 3 "${inputs[@]}"
golden "basic.jsonl" "$tmp/out"

# --- '-' reads newline-separated paths from stdin, mixed with arguments, in order ---
printf '%s\n' "${inputs[@]:1}" >"$tmp/list"
expect_exit 1 "stdin list" -- bash -c "\"\$0\" --model $model --songs $songs --top 3 --format jsonl ${inputs[0]} - <\"\$1\"" "$bin" "$tmp/list"
golden "basic.jsonl" "$tmp/out"

# --- -0 reads NUL-separated paths (names may hold newlines); directories expand, sorted ---
mkdir -p "$tmp/dir/sub"
cp data/images/red.png "$tmp/dir/b.PNG"
cp data/images/grey.png "$tmp/dir/a.png"
cp data/images/split.png "$tmp/dir/sub/c.png"
cp data/images/red.png "$tmp/dir/new
line.png"
printf '%s\0' "$tmp/dir/new
line.png" "$tmp/dir/a.png" >"$tmp/list0"
expect_exit 0 "stdin -0" -- bash -c "\"\$0\" --model $model --songs $songs --format jsonl -0 - <\"\$1\"" "$bin" "$tmp/list0"
[ "$(wc -l <"$tmp/out")" = 2 ] && grep -q 'new\\nline.png' "$tmp/out" && pass || fail "stdin -0: $(cat "$tmp/out")"
expect_exit 0 "directory" -- run --format tsv --top 1 "$tmp/dir"
[ "$(cut -f1 "$tmp/out" | tail -n +2 | tr '\n' '|')" = "$tmp/dir/a.png|$tmp/dir/b.PNG|$tmp/dir/new line.png|" ] && pass || fail "directory order: $(cut -f1 "$tmp/out")"
expect_exit 0 "directory -r" -- run --format jsonl --top 1 -r "$tmp/dir"
[ "$(wc -l <"$tmp/out")" = 4 ] && tail -1 "$tmp/out" | grep -q 'sub/c.png' && pass || fail "directory -r: $(cat "$tmp/out")"

# --- streaming: a record is written before stdin is closed ---
mkfifo "$tmp/stream"
("$bin" --model "$model" --songs "$songs" --format jsonl - <"$tmp/stream" >"$tmp/stream.out" 2>&1) &
exec 4>"$tmp/stream"
printf '%s\n' data/images/red.png >&4
for _ in $(seq 100); do [ -s "$tmp/stream.out" ] && break; sleep 0.1; done
[ "$(wc -l <"$tmp/stream.out")" = 1 ] && pass || fail "streaming: no record before stdin closed"
exec 4>&-
wait

# --- record count equals input count, also with every input failing ---
expect_exit 1 "nan model" -- "$bin" --model data/models/nan_output.pt --songs "$songs" --format jsonl data/images/red.png data/images/grey.png
if [ "$(grep -c '"error":"the model produced a non-finite value"' "$tmp/out")" = 2 ]; then pass; else fail "nan model records: $(cat "$tmp/out")"; fi
printf 'not an image' >"$tmp/fake.jpg"
: >"$tmp/empty.png"
expect_exit 1 "bad images" -- run --format jsonl "$tmp/fake.jpg" data/images/red.png "$tmp/empty.png" data
if [ "$(wc -l <"$tmp/out")" = 4 ] && sed -n 2p "$tmp/out" | grep -q '"songs"' && [ "$(wc -l <"$tmp/err")" = 3 ]; then pass; else fail "bad images: $(cat "$tmp/out" "$tmp/err")"; fi
grep -q "^img2music: data: no images or videos found (not recursive: 3 subdirectories not searched)$" "$tmp/err" && pass || fail "directory message: $(cat "$tmp/err")"
grep -q "fake.jpg: not a supported image, or corrupt$" "$tmp/err" && pass || fail "fake image message"
grep -q "empty.png: empty file$" "$tmp/err" && pass || fail "empty file message"

# --- usage errors and unusable resources: exit 2 with one clear line ---
expect_exit 2 "no input" -- run
expect_exit 2 "top 0" -- run --top 0 data/images/red.png
expect_exit 2 "top -1" -- run --top -1 data/images/red.png
expect_exit 2 "top > table" -- run --top 25 data/images/red.png
expect_stderr "top > table message" "^img2music: --top 25 is larger than the song table (24 songs in data/songs_small.csv)$"
expect_exit 2 "unknown format" -- run --format xml data/images/red.png
expect_exit 2 "unknown flag" -- run --frobnicate data/images/red.png
expect_exit 2 "missing model" -- "$bin" --model "$tmp/none.pt" --songs "$songs" data/images/red.png
expect_exit 2 "bad shape model" -- "$bin" --model data/models/bad_shape.pt --songs "$songs" data/images/red.png
expect_stderr "bad shape message" "bad_shape.pt: model output has shape \[1, 3\] for a batch of 1, expected \[1, 2\]$"
# The CLI checks the model on its first batch: a broken one is still refused before any record,
# whatever comes first (an input that is missing or does not decode, or no input at all), in
# every format, and with --output no file is left.
for first in data/missing.png "$tmp/fake.jpg"; do
    for fmt in jsonl json csv; do
        expect_exit 2 "bad shape model after $first, $fmt" -- "$bin" --model data/models/bad_shape.pt --songs "$songs" -f "$fmt" "$first" data/images/red.png
        expect_stderr "bad shape model after $first, $fmt: message" "bad_shape.pt: model output has shape \[1, 3\] for a batch of 1, expected \[1, 2\]$"
        if [ ! -s "$tmp/out" ]; then pass; else fail "bad shape model after $first, $fmt: output $(cat "$tmp/out")"; fi
    done
done
expect_exit 2 "bad shape model, no input" -- "$bin" --model data/models/bad_shape.pt --songs "$songs" - </dev/null
expect_stderr "bad shape model, no input: message" "bad_shape.pt: model output has shape \[1, 3\] for a batch of 1, expected \[1, 2\]$"
expect_exit 2 "bad shape model, --output" -- "$bin" --model data/models/bad_shape.pt --songs "$songs" -o "$tmp/bad.json" data/missing.png
if [ ! -e "$tmp/bad.json" ] && [ -z "$(ls "$tmp" | grep -F bad.json)" ]; then pass; else fail "bad shape model, --output: left $(ls "$tmp")"; fi
expect_exit 2 "model without metadata" -- "$bin" --model data/models/no_metadata.pt --songs "$songs" data/images/red.png
expect_stderr "no metadata message" "no_metadata.pt: no img2music.json metadata inside the model"
expect_exit 2 "image as model" -- "$bin" --model data/images/red.png --songs "$songs" data/images/red.png
expect_stderr "image as model message" "red.png: not a loadable TorchScript model"
printf 'id,artist,track,valence\n1,a,b,0.5\n' >"$tmp/bad.csv"
expect_exit 2 "bad table" -- "$bin" --model "$model" --songs "$tmp/bad.csv" data/images/red.png
expect_stderr "bad table message" "bad.csv:1: missing required column 'arousal'$"
printf 'id,artist,track,valence,arousal\n1,a,b,0.5,0.5\n2,c,d,NaN,0.5\n' >"$tmp/nan.csv"
expect_exit 2 "NaN in table" -- "$bin" --model "$model" --songs "$tmp/nan.csv" data/images/red.png
expect_stderr "NaN in table message" "nan.csv:3: valence is not finite: 'NaN'$"
expect_exit 2 "align without reference" -- "$bin" --model data/models/no_reference.pt --songs "$songs" --align quantile data/images/red.png
expect_exit 0 "default align without reference" -- "$bin" --model data/models/no_reference.pt --songs "$songs" data/images/red.png
expect_stderr "default align note" "note: .*no reference distribution"

# --- --model-sha256 pins the model file ---
sum=$(sha256sum "$model" | cut -d' ' -f1)
expect_exit 0 "pinned model" -- run --model-sha256 "$sum" data/images/red.png
expect_exit 2 "pinned model mismatch" -- run --model-sha256 "$(printf '0%.0s' $(seq 64))" data/images/red.png
expect_stderr "pin mismatch message" "tiny_va.pt: sha256 is $sum, not the pinned 0\{64\}; refusing to load it$"
expect_exit 2 "pin not hex" -- run --model-sha256 xyz data/images/red.png

# --- environment variables choose the defaults ---
expect_exit 0 "env defaults" -- env IMG2MUSIC_MODEL="$model" IMG2MUSIC_SONGS="$songs" "$bin" --top 3 --format jsonl data/images/red.png
if [ "$(head -1 golden/basic.jsonl)" = "$(cat "$tmp/out")" ]; then pass; else fail "env defaults output"; fi

# --- a closed pipe ends the run quietly with exit 0 ---
many=()
for _ in $(seq 200); do many+=(data/images/red.png); done
run --format jsonl "${many[@]}" 2>"$tmp/err" | head -1 >/dev/null
status=${PIPESTATUS[0]}
if [ "$status" = 0 ] && [ ! -s "$tmp/err" ]; then pass; else fail "closed pipe: exit $status, stderr $(cat "$tmp/err")"; fi

# --- --output writes atomically; a failed run leaves the previous file untouched ---
expect_exit 1 "output file" -- run --top 3 --output "$tmp/picks.csv" "${inputs[@]}"
[ ! -s "$tmp/out" ] && cmp -s "$tmp/picks.csv" golden/basic.csv && pass || fail "output file content (by extension: csv)"
expect_exit 2 "output kept on failure" -- "$bin" --model data/models/bad_shape.pt --songs "$songs" --output "$tmp/picks.csv" data/images/red.png
cmp -s "$tmp/picks.csv" golden/basic.csv && pass || fail "previous output file was changed"
[ -z "$(find "$tmp" -name 'picks.csv.tmp.*')" ] && pass || fail "temporary files left behind"
expect_exit 2 "output into missing directory" -- run --output "$tmp/no/such/dir/x.jsonl" data/images/red.png
expect_stderr "output directory message" "x.jsonl: cannot create a temporary file beside it: No such file or directory$"

# --- Ctrl-C: the run stops after the batch in hand, records complete, exit 130 ---
mkfifo "$tmp/fifo"
("$bin" --model "$model" --songs "$songs" --format jsonl --batch-size 1 - <"$tmp/fifo" >"$tmp/int.out" 2>"$tmp/int.err"; echo $? >"$tmp/int.code") &
exec 3>"$tmp/fifo"
printf '%s\n' data/images/red.png data/images/grey.png >&3
for _ in $(seq 50); do [ "$(wc -l <"$tmp/int.out")" -ge 2 ] && break; sleep 0.1; done
pkill -INT -f -- "--songs $songs --format jsonl --batch-size 1 -" || true
for _ in $(seq 50); do [ -s "$tmp/int.code" ] && break; sleep 0.1; done
exec 3>&-
wait
if [ "$(cat "$tmp/int.code")" = 130 ] && [ "$(wc -l <"$tmp/int.out")" = 2 ] && grep -q "interrupted" "$tmp/int.err"; then pass; else fail "interrupt: code $(cat "$tmp/int.code"), $(wc -l <"$tmp/int.out") records, $(cat "$tmp/int.err")"; fi

# --- help and version ---
expect_exit 0 "help" -- "$bin" --help
grep -q "Exit status" "$tmp/out" && grep -q -- "--top" "$tmp/out" && grep -q "find frames" "$tmp/out" && pass || fail "help text"
expect_exit 0 "version" -- "$bin" --model "$model" --songs "$songs" --version
grep -q "name: tiny-va" "$tmp/out" && grep -q "count: 24" "$tmp/out" && pass || fail "version text: $(cat "$tmp/out")"

summary e2e
