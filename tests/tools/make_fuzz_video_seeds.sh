#!/usr/bin/env bash
# Writes the seed corpus of the video fuzz target (tests/fuzz/corpus/video): tiny clips (32x24,
# 1 s at 10 fps, a keyframe every 4 frames) in each container and codec the reader handles, each
# prefixed with the fuzz target's control byte (0x03: keyframe sampling every 0.1 s).
#   usage: tests/tools/make_fuzz_video_seeds.sh [OUT_DIR]      (needs the ffmpeg CLI)
set -euo pipefail
out=${1:-$(dirname "$0")/../fuzz/corpus/video}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
while read -r name args; do
  # shellcheck disable=SC2086  # the codec arguments are words on purpose
  ffmpeg -v error -y -f lavfi -i testsrc2=s=32x24:r=10:d=1 -pix_fmt yuv420p $args -g 4 "$tmp/$name" </dev/null
  { printf '\003'; cat "$tmp/$name"; } >"$out/$name"
done <<'LIST'
h264.mp4 -c:v libx264 -preset ultrafast -bf 2
hevc.mp4 -c:v libx265 -preset ultrafast -x265-params log-level=none
vp9.webm -c:v libvpx-vp9 -deadline realtime
mpeg4.avi -c:v mpeg4
mjpeg.avi -c:v mjpeg
h264.mkv -c:v libx264 -preset ultrafast
LIST
