#!/usr/bin/python3
"""Hub figures for each --align mode, measured through the real binary (issue 4, matching space).

Runs `img2music --align MODE --top K --format jsonl` over each image set (the 900 OASIS images,
the 990 Emotion6 photos) for each mode and reports, per set, over its K x N recommended slots:
the most lists any one song appears in, and how many distinct songs fill them. Targets (top 10):
no song in more than 20 lists of either set, at least half of each set's slots distinct.

    /usr/bin/python3 scripts/measure_alignment.py [--binary build/img2music] [--shared ../shared]
                                                  [--sets oasis,emotion6] [--json FILE]
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


IMAGE_SETS = {"oasis": ("data/oasis/images/*.jpg", 900), "emotion6": ("data/emotion6_dev/images/*/*.jpg", 990)}


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
    ap.add_argument("--sets", default="oasis,emotion6", help="image sets, comma separated")
    ap.add_argument("--json", help="also write the figures here")
    a = ap.parse_args(argv)
    figures = {}
    print("| set | align | max lists per song (target <= 20) | distinct songs (target >= half the slots) | slots | seconds |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name in a.sets.split(","):
        pattern, expected = IMAGE_SETS[name]
        images = sorted(glob.glob(os.path.join(a.shared, pattern)))
        if len(images) != expected:
            sys.exit(f"expected {expected} images for {name} under {a.shared}/{pattern}, found {len(images)}")
        for mode in a.modes.split(","):
            start = time.time()
            out = subprocess.run([a.binary, "--align", mode, "--top", str(a.top), "--format", "jsonl", "-"],
                                 input="\n".join(images).encode(), capture_output=True, check=True).stdout
            records = [json.loads(line) for line in out.decode().splitlines()]
            assert len(records) == expected and all("songs" in r for r in records)
            s = hub_stats(records)
            s["seconds"] = round(time.time() - start, 1)
            figures.setdefault(name, {})[mode] = s
            print(f"| {name} | {mode} | {s['max_lists_per_song']} | {s['distinct_songs']} | {s['slots']} | {s['seconds']} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(figures, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
