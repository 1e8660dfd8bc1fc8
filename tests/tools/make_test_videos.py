"""Writes the tiny checked-in test videos (tests/data/videos) with OpenCV's writer.

  moods.mp4   64x48, 5 fps, 90 s (mp4v): 0-30 s dark grey, 30-60 s saturated red, 60-90 s grey-blue.
              With tests/data/models/tiny_va.pt (valence = mean red, arousal = mean saturation)
              the three stretches give three clearly different moods, so the binary must cut
              at 30 s and 60 s; each frame also carries a little moving texture.
  short.avi   64x48, 10 fps, 4 s (MJPG): shorter than any --min-segment, one segment.

usage: /usr/bin/python3 tests/tools/make_test_videos.py OUT_DIR
"""
import os
import sys

import cv2
import numpy as np


def write(path, fourcc, fps, seconds, colour_at):
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), fps, (64, 48))
    if not writer.isOpened():
        sys.exit(f"cannot write {path}")
    for i in range(int(round(fps * seconds))):
        frame = np.empty((48, 64, 3), np.uint8)
        frame[:] = colour_at(i / fps)  # BGR
        x = (i * 3) % 56
        frame[20:28, x:x + 8] = np.clip(frame[20:28, x:x + 8].astype(int) + 12, 0, 255)
        writer.write(frame)
    writer.release()


def moods(t):
    if t < 30:
        return (40, 40, 40)
    if t < 60:
        return (20, 20, 230)
    return (200, 150, 120)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    write(os.path.join(out, "moods.mp4"), "mp4v", 5, 90, moods)
    write(os.path.join(out, "short.avi"), "MJPG", 10, 4, lambda t: (90, 160, 60))


if __name__ == "__main__":
    main()
