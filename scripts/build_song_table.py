#!/usr/bin/python3
"""Build data/songs.csv, the song catalogue img2music ships (issue 4).

    /usr/bin/python3 scripts/build_song_table.py            # the shipped table (~5-10 min)
    /usr/bin/python3 scripts/build_song_table.py --limit-seed 300 --limit-spotify 1000 \
        --fast --out /tmp/songs.csv                          # smoke test (~15 s)

Inputs are read from ../shared (or --shared DIR, or $IMG2MUSIC_SHARED); nothing from there
is written out except ids, metadata and VA. See docs/music-model.md.
"""
import argparse
import os
import sys

# OpenMP busy-waiting on a shared 2-core machine makes HistGradientBoosting crawl; one
# thread is also what makes the floating-point sums reproducible.
os.environ.setdefault("OMP_NUM_THREADS", "1")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from img2music_songs import paths, pipeline  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", help="the shared data folder (default $IMG2MUSIC_SHARED or ../shared)")
    ap.add_argument("--out", default=os.path.join(paths.REPO_ROOT, "data", "songs.csv"))
    ap.add_argument("--report", default=os.path.join(paths.REPO_ROOT, "build", "song_table_report.json"),
                    help="JSON with every measured figure ('' for none)")
    ap.add_argument("--limit-seed", type=int, help="use only the first N seed songs")
    ap.add_argument("--limit-spotify", type=int, help="use only the first M Spotify rows")
    ap.add_argument("--fast", action="store_true", help="a few trees per model (tests)")
    ap.add_argument("--jobs", type=int, default=2, help="threads for the forests (default 2)")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    log = (lambda *x: None) if a.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    cat, report = pipeline.build(a.shared, a.limit_seed, a.limit_spotify, a.fast, a.jobs, log)
    d = os.path.dirname(os.path.abspath(a.out))
    os.makedirs(d, exist_ok=True)
    n = pipeline.save(cat, report, a.out, a.report or None)
    log("wrote %s: %d songs, %d bytes" % (a.out, len(cat), n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
