#!/usr/bin/env bash
# The page of `img2music serve` in real headless Chromium (tests/web/page_test.mjs, playwright-core
# from tests/web/node_modules, installed by scripts/test.sh with `npm ci`): a real photo through
# the page gets songs, a filter changes them, a video gets its timeline; screenshots at desktop
# and phone width must show the page (many colours, not one colour everywhere).
# Without Chromium or the npm package it fails when CI=true, and otherwise prints SKIP and exits
# 77 (ctest: skipped). With UPDATE_SCREENSHOT=1 the full-page desktop screenshot becomes docs/server.png.
#   usage: run_web.sh BINARY SOURCE_DIR
set -u
bin=$(realpath "$1")
src=$(realpath "$2")

skip() {
    if [ "${CI:-}" = true ]; then echo "FAIL: $1"; exit 1; fi
    echo "SKIP: $1"
    exit 77
}
[ -x /usr/bin/chromium ] || skip "chromium is not installed (scripts/test.sh installs it)"
command -v node >/dev/null || skip "node is not installed (scripts/test.sh installs it)"
[ -d "$src/tests/web/node_modules/playwright-core" ] || skip "playwright-core is not installed (npm ci --prefix tests/web)"
photo="$src/../shared/data/photos/skimage/coffee.png"
[ -f "$photo" ] || skip "no sample photo at $photo (../shared)"

tmp=$(mktemp -d)
server=
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

"$bin" serve --port 0 --model "$src/models/img2music.pt" --songs "$src/data/songs.csv" 2>"$tmp/server.log" &
server=$!
for _ in $(seq 1 600); do
    grep -q 'http://' "$tmp/server.log" && break
    kill -0 "$server" 2>/dev/null || { echo "FAIL: the server did not start: $(cat "$tmp/server.log")"; exit 1; }
    sleep 0.1
done
url=$(grep -o 'http://[0-9.:]*' "$tmp/server.log" | head -1)
[ -n "$url" ] || { echo "FAIL: no address from the server"; exit 1; }

# An animated GIF: two seconds of a moving test card (ffmpeg CLI, installed by scripts/test.sh).
gif="$tmp/animated.gif"
ffmpeg -loglevel error -f lavfi -i testsrc=size=160x120:rate=5 -t 2 "$gif" || { echo "FAIL: cannot make $gif with ffmpeg"; exit 1; }
timeout 240 node "$src/tests/web/page_test.mjs" "$url" "$photo" "$src/tests/data/videos/moods.mp4" "$tmp" "$gif" || exit 1

/usr/bin/python3 - "$tmp/desktop.png" 1280 900 "$tmp/phone.png" 390 844 <<'PY' || exit 1
import sys

import cv2
import numpy as np

failed = False
for path, w, h in zip(sys.argv[1::3], sys.argv[2::3], sys.argv[3::3]):
    img = cv2.imread(path)
    if img is None:
        print(f"FAIL: {path} does not decode")
        failed = True
        continue
    problems = []
    if img.shape[:2] != (int(h), int(w)):
        problems.append(f"{img.shape[1]}x{img.shape[0]}, expected {w}x{h}")
    colours, counts = np.unique(img.reshape(-1, 3), axis=0, return_counts=True)
    if len(colours) < 200:
        problems.append(f"only {len(colours)} colours")
    if counts.max() > 0.9 * counts.sum():
        problems.append("one colour covers over 90 % of it")
    if problems:
        print(f"FAIL: screenshot {path}: " + "; ".join(problems))
        failed = True
    else:
        print(f"ok   screenshot {w}x{h}: {len(colours)} colours")
sys.exit(1 if failed else 0)
PY
if [ "${UPDATE_SCREENSHOT:-0}" = 1 ]; then
    cp "$tmp/desktop-full.png" "$src/docs/server.png"
    echo "wrote docs/server.png"
fi
echo "PASS"
