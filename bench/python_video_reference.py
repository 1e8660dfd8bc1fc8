#!/usr/bin/python3
"""The Python reference for video: OpenCV's VideoCapture read loop, as the original project read
videos (every frame decoded and converted to BGR by read(); one kept per --every seconds, the
first at or after each mark). The model is left out, so this is a lower bound on the reference's
time: decoding alone.

    /usr/bin/python3 bench/python_video_reference.py VIDEO [--every 1]

Prints "python_video_reference: frames=N samples=M" on stderr.
"""
import argparse
import sys

import cv2


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("video")
    p.add_argument("--every", type=float, default=1.0)
    a = p.parse_args(argv)
    capture = cv2.VideoCapture(a.video, cv2.CAP_FFMPEG)
    if not capture.isOpened():
        print("python_video_reference: cannot open %s" % a.video, file=sys.stderr)
        return 1
    frames = samples = 0
    next_mark = 0.0
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        t = capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
        frames += 1
        if t + 1e-6 >= next_mark:
            samples += 1
            while next_mark <= t + 1e-6:
                next_mark += a.every
    print("python_video_reference: frames=%d samples=%d" % (frames, samples), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
