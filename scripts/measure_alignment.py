#!/usr/bin/python3
"""Hub figures for each --align mode, measured through the real binary (issue 4, matching space).

Runs `img2music --align MODE --top K --format jsonl` over the 900 OASIS images for each mode and
reports, over the K x 900 recommended slots: the most lists any one song appears in, and how
many distinct songs fill them. Targets (top 10): no song in more than 20 lists, at least half
of the 9,000 slots distinct.

    /usr/bin/python3 scripts/measure_alignment.py [--binary build/img2music] [--shared ../shared]
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from img2music_songs import matching  # noqa: E402


def hub_stats(records):
    """matching.hub_stats over the binary's records (song ids numbered in order of appearance)."""
    number = {}
    lists = np.array([[number.setdefault(s["id"], len(number)) for s in r["songs"]] for r in records])
    stats = matching.hub_stats(lists)
    stats["most_listed"] = list(number)[int(np.bincount(lists.ravel()).argmax())]  # dicts keep insertion order
    return stats


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default="build/img2music")
    ap.add_argument("--shared", default=os.environ.get("IMG2MUSIC_SHARED", "../shared"))
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--modes", default="none,minmax,quantile")
    ap.add_argument("--json", help="also write the figures here")
    a = ap.parse_args(argv)
    images = sorted(glob.glob(os.path.join(a.shared, "data/oasis/images/*.jpg")))
    if len(images) != 900:
        sys.exit(f"expected 900 OASIS images under {a.shared}/data/oasis/images, found {len(images)}")
    figures = {}
    print(f"| align | max lists per song (target <= 20) | distinct songs of {a.top * 900} (target >= {a.top * 450}) | seconds |")
    print("| --- | ---: | ---: | ---: |")
    for mode in a.modes.split(","):
        start = time.time()
        out = subprocess.run([a.binary, "--align", mode, "--top", str(a.top), "--format", "jsonl", "-"],
                             input="\n".join(images).encode(), capture_output=True, check=True).stdout
        records = [json.loads(line) for line in out.decode().splitlines()]
        assert len(records) == 900 and all("songs" in r for r in records)
        s = hub_stats(records)
        s["seconds"] = round(time.time() - start, 1)
        figures[mode] = s
        print(f"| {mode} | {s['max_lists_per_song']} | {s['distinct_songs']} | {s['seconds']} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(figures, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
