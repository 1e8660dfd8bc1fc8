#!/usr/bin/env bash
# End-to-end tests of videos and frame sequences through the real binary: segment records,
# --frames timestamps, --min-segment, --sequence in natural name order, videos found in
# directories, no song repeated within a video, bad videos failing in place. Uses the tiny test
# model (valence = mean red, arousal = mean saturation) and the checked-in test videos
# (tests/tools/make_test_videos.py): moods.mp4 is 30 s grey, 30 s red, 30 s grey-blue.
#   usage: run_video.sh BINARY TESTS_DIR        (UPDATE_GOLDEN=1 rewrites the golden files)
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh" "$1" "$2"

run() { "$bin" --model data/models/tiny_va.pt --songs data/songs_small.csv --threads 2 --align none "$@"; }
py() { /usr/bin/python3 -c "$@"; }
golden() {  # NAME FILE
    if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then cp "$2" "golden/$1"; fi
    if cmp -s "$2" "golden/$1"; then pass; else fail "golden/$1 differs:"; diff "golden/$1" "$2" | head -20; fi
}
check() {  # NAME PYTHON-EXPRESSION over `recs` (the JSON Lines of $tmp/out)
    if py "import json,sys; recs=[json.loads(l) for l in open('$tmp/out')]; sys.exit(0 if ($2) else 1)"; then pass; else
        fail "$1: $(head -c 600 "$tmp/out")"
    fi
}

# --- default: one record per mood segment, cut where the colour changes ---
run --top 5 -f jsonl data/videos/moods.mp4 >"$tmp/out" 2>"$tmp/err" && pass || fail "segments exit $?: $(cat "$tmp/err")"
[ -s "$tmp/err" ] && fail "segments: stderr not empty: $(cat "$tmp/err")" || pass
golden video_segments.jsonl "$tmp/out"
check "three segments" "[(r['segment'], r['start'], r['end']) for r in recs] == [(0, 0.0, 30.0), (1, 30.0, 60.0), (2, 60.0, 90.0)]"
check "segment fields" "all(list(r)[:6] == ['input', 'segment', 'start', 'end', 'valence', 'arousal'] for r in recs)"
check "no song repeats" "len({s['id'] for r in recs for s in r['songs']}) == sum(len(r['songs']) for r in recs) == 15"
check "red segment is pleasant and excited" "recs[1]['valence'] > 0.8 and recs[1]['arousal'] > 0.8 and recs[0]['arousal'] < 0.1"

# --- --frames: one record per sampled frame, exact times ---
run --top 2 -f jsonl --frames --every 10 data/videos/moods.mp4 >"$tmp/out" 2>"$tmp/err" && pass || fail "frames exit $?"
golden video_frames.jsonl "$tmp/out"
# moods.mp4 has a keyframe every 2.4 s: each mark 0, 10, 20, ... takes the nearest keyframe (within 5 s), at its real time.
check "frames every 10 s" "len(recs) == 9 and all(abs(r['time'] - 10 * k) <= 1.2 and r['frame'] == round(5 * r['time']) for k, r in enumerate(recs))"
check "frames on keyframes" "[r['time'] for r in recs][:3] == [0.0, 9.6, 19.2]"
# short.avi is MJPEG (every frame a keyframe): the frame at each mark.
run --top 1 -f jsonl --frames --every 0.5 data/videos/short.avi >"$tmp/out" 2>"$tmp/err" && pass || fail "frames 0.5 exit $?"
check "frames every 0.5 s at 10 fps" "[(r['frame'], r['time']) for r in recs] == [(5 * k, k / 2) for k in range(8)]"
run --top 1 -f csv --frames --every 30 data/videos/moods.mp4 >"$tmp/out" 2>&1 && pass || fail "frames csv exit $?"
[ "$(cut -d, -f1-3 "$tmp/out" | tr '\n' ' ')" = "input,frame,time data/videos/moods.mp4,0,0.000 data/videos/moods.mp4,150,30.000 data/videos/moods.mp4,300,60.000 " ] &&
    pass || fail "frames csv: $(cat "$tmp/out")"

# --- --min-segment: longer than the video gives one segment; a short video is one segment ---
run --top 3 -f jsonl --min-segment 100 data/videos/moods.mp4 >"$tmp/out" 2>"$tmp/err" && pass || fail "min-segment exit $?"
check "one long segment" "len(recs) == 1 and recs[0]['start'] == 0.0 and recs[0]['end'] == 90.0"
run --top 3 -f jsonl data/videos/short.avi >"$tmp/out" 2>"$tmp/err" && pass || fail "short exit $?"
check "short video one segment" "len(recs) == 1 and recs[0]['end'] == 4.0"
run --top 3 -f jsonl --min-segment 40 data/videos/moods.mp4 >"$tmp/out" 2>"$tmp/err" && pass || fail "min-segment 40 exit $?"
check "segments at least 40 s" "all(r['end'] - r['start'] >= 40 for r in recs) and recs[-1]['end'] == 90.0"

# --- images and videos mixed keep input order; a bad video fails in place, the rest goes on ---
printf 'not a video\n' >"$tmp/broken.mp4"
run --top 2 -f jsonl data/images/red.png data/videos/short.avi "$tmp/broken.mp4" data/images/grey.png >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] && pass || fail "mixed: expected exit 1"
check "mixed order" "[r['input'].rsplit('/', 1)[-1] for r in recs] == ['red.png', 'short.avi', 'broken.mp4', 'grey.png'] and 'error' in recs[2]"
[ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "^img2music: $tmp/broken.mp4: cannot open as a video" "$tmp/err" && pass ||
    fail "bad video message: $(cat "$tmp/err")"

# --- a directory walk finds videos next to images ---
mkdir -p "$tmp/walk/sub"
cp data/images/red.png "$tmp/walk/a.png"
cp data/videos/short.avi "$tmp/walk/sub/b.AVI"
run --top 2 -f jsonl -r "$tmp/walk" >"$tmp/out" 2>"$tmp/err" && pass || fail "walk exit $?"
check "walk finds the video" "[r['input'][len('$tmp/walk/'):] for r in recs] == ['a.png', 'sub/b.AVI'] and recs[1]['segment'] == 0"

# --- --sequence: a folder of frames is one video, frames in natural name order at --fps ---
mkdir -p "$tmp/seq"
cp data/images/grey.png "$tmp/seq/f1.png"
cp data/images/red.png "$tmp/seq/f2.png"
cp data/images/teal.jpg "$tmp/seq/f10.png"
printf 'x' >"$tmp/seq/notes.txt"
run --top 1 -f jsonl --sequence --frames --fps 2 --every 0.5 "$tmp/seq" >"$tmp/out" 2>"$tmp/err" && pass || fail "sequence exit $?: $(cat "$tmp/err")"
check "sequence natural order" "[(r['input'].rsplit('/', 1)[-1], r['frame'], r['time']) for r in recs] == [('f1.png', 0, 0.0), ('f2.png', 1, 0.5), ('f10.png', 2, 1.0)]"
run --top 2 -f jsonl --sequence --fps 2 "$tmp/seq" >"$tmp/out" 2>"$tmp/err" && pass || fail "sequence segments exit $?"
check "sequence one segment" "len(recs) == 1 and recs[0]['input'] == '$tmp/seq' and recs[0]['end'] == 1.5"
run --top 1 -f jsonl --sequence --fps 1 --every 2 --frames "$tmp/seq" >"$tmp/out" 2>"$tmp/err" && pass || fail "sequence every exit $?"
check "sequence sampled every 2 s" "[r['frame'] for r in recs] == [0, 2]"

# --- an animated GIF is a short video (its frames at their own delays), a still GIF an image ---
# Generated here (PIL): red 0.5 s, green 0.3 s, red 0.2 s; named .png to show detection by content.
py "from PIL import Image
fr = [Image.new('RGB', (24, 16), c) for c in ('red', 'green', 'red')]
fr[0].save('$tmp/anim.png', format='GIF', save_all=True, append_images=fr[1:], duration=[500, 300, 200])
Image.new('RGB', (24, 16), 'red').save('$tmp/still.gif')"
run --top 2 -f jsonl "$tmp/anim.png" "$tmp/still.gif" >"$tmp/out" 2>"$tmp/err" && pass || fail "gif exit $?: $(cat "$tmp/err")"
check "animated GIF one segment" "len(recs) == 2 and (recs[0]['segment'], recs[0]['start'], recs[0]['end']) == (0, 0.0, 1.0)"
check "still GIF an image" "'segment' not in recs[1] and recs[1]['valence'] > 0.9"
run --top 1 -f jsonl --frames --every 0.1 "$tmp/anim.png" >"$tmp/out" 2>"$tmp/err" && pass || fail "gif frames exit $?: $(cat "$tmp/err")"
check "animated GIF frames at their delays" "[(r['frame'], r['time']) for r in recs] == [(0, 0.0), (1, 0.5), (2, 0.8)]"
check "animated GIF frame colours" "[r['valence'] > 0.9 for r in recs] == [True, False, True]"

# --- flags are checked ---
for bad in "--every 0" "--every -1" "--fps 0" "--min-segment -5"; do
    # shellcheck disable=SC2086
    run $bad data/videos/short.avi >"$tmp/out" 2>"$tmp/err"
    [ $? = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && pass || fail "$bad: $(cat "$tmp/err")"
done

summary "video e2e"
