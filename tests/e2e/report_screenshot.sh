#!/usr/bin/env bash
# The HTML report (--report) renders in a real browser: the binary writes a report of the test
# images, headless Chromium takes a screenshot of its index.html, and the screenshot must have
# the window's size and show the page (many colours, no one colour everywhere, the plot's and
# thumbnails' colours present), not a blank or error page.
# Without Chromium it fails when CI=true, and otherwise prints SKIP and exits 77 (ctest: skipped).
#   usage: report_screenshot.sh BINARY SOURCE_DIR
set -u
bin=$(realpath "$1")
src=$(realpath "$2")

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    if [ "${CI:-}" = true ]; then
        echo "FAIL: chromium is not installed (scripts/test.sh installs it)"
        exit 1
    fi
    echo "SKIP: chromium is not installed (scripts/test.sh installs it)"
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Exit 1 is fine: some test images are meant to fail; the report lists them.
"$bin" --model "$src/tests/data/models/tiny_va.pt" --songs "$src/tests/data/songs_small.csv" --report "$tmp/report" \
    "$src"/tests/data/images/*.png "$src/tests/data/videos/moods.mp4" -f jsonl >/dev/null 2>"$tmp/err"
status=$?
if [ $status != 0 ] && [ $status != 1 ]; then
    echo "FAIL: img2music exited $status: $(head -3 "$tmp/err")"
    exit 1
fi
for f in index.html plot.png; do
    [ -s "$tmp/report/$f" ] || { echo "FAIL: the report has no $f"; exit 1; }
done

# A private profile keeps the run from touching (or depending on) the user's browser state.
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$tmp/profile" --window-size=1280,2000 \
    --screenshot="$tmp/shot.png" "file://$tmp/report/index.html" >"$tmp/browser.log" 2>&1
status=$?
if [ $status != 0 ] || [ ! -s "$tmp/shot.png" ]; then
    echo "FAIL: chromium exited $status without a screenshot: $(tail -3 "$tmp/browser.log")"
    exit 1
fi

/usr/bin/python3 - "$tmp/shot.png" <<'PY'
import sys

import cv2
import numpy as np

img = cv2.imread(sys.argv[1])
problems = []
if img is None:
    print("FAIL: the screenshot does not decode")
    sys.exit(1)
if img.shape[:2] != (2000, 1280):
    problems.append(f"screenshot is {img.shape[1]}x{img.shape[0]}, expected 1280x2000")
pixels = img.reshape(-1, 3)
colours, counts = np.unique(pixels, axis=0, return_counts=True)
top_share = counts.max() / len(pixels)
hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)
vivid = int(((hsv[..., 1] > 120) & (hsv[..., 2] > 80)).sum())
# A text-only page has a few hundred colours (anti-aliasing); the plot and thumbnails bring thousands.
if len(colours) < 1000:
    problems.append(f"only {len(colours)} distinct colours")
if top_share > 0.85:
    problems.append(f"one colour covers {top_share:.0%} of the page")
if vivid < 1000:
    problems.append(f"only {vivid} vivid pixels: the plot's markers and the thumbnails are missing")
for p in problems:
    print("FAIL:", p)
print(f"report screenshot: {len(colours)} colours, top colour {top_share:.0%}, {vivid} vivid pixels: "
      f"{0 if problems else 1} passed, {len(problems)} failed")
sys.exit(1 if problems else 0)
PY
