#!/usr/bin/python3
"""Hub statistics of top-k song lists for a set of query VA points, per alignment mode.

    /usr/bin/python3 scripts/measure_matching.py --oasis            # the 900 OASIS human ratings
    /usr/bin/python3 scripts/measure_matching.py --queries preds.jsonl [--reference ref.csv]

Queries: a CSV with valence,arousal columns or JSONL (e.g. the binary's output). --oasis uses
../shared/data/oasis/OASIS.csv, mean ratings min-max scaled to [0,1] over the 900 images.
The alignment's reference distribution is the queries' own unless --reference is given
(the binary uses the model's reference distribution from its metadata).
Reports, per mode: max number of lists any one song is in, distinct songs among all slots.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from img2music_songs import matching, paths  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--queries", help="CSV or JSONL with valence/arousal")
    g.add_argument("--oasis", action="store_true", help="OASIS human ratings as queries")
    ap.add_argument("--reference", help="reference distribution for alignment (default: the queries)")
    ap.add_argument("--shared", help="shared data folder (for --oasis)")
    ap.add_argument("--table", default=os.path.join(paths.REPO_ROOT, "data", "songs.csv"))
    ap.add_argument("-k", type=int, default=10)
    ap.add_argument("--modes", default=",".join(matching.MODES))
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    a = ap.parse_args(argv)
    q = matching.read_oasis(paths.shared_path("oasis", a.shared)) if a.oasis else matching.read_queries(a.queries)
    ref = matching.read_queries(a.reference) if a.reference else None
    _, cat = matching.read_table_va(a.table)
    res = {}
    for mode in a.modes.split(","):
        lists = matching.topk(matching.align(q, cat, mode, ref), cat, a.k)
        res[mode] = matching.hub_stats(lists)
    if a.json:
        print(json.dumps(res, indent=1))
    else:
        print("%-9s %6s %6s %10s %9s" % ("align", "lists", "slots", "max/song", "distinct"))
        for m, r in res.items():
            print("%-9s %6d %6d %10d %9d" % (m, r["lists"], r["slots"], r["max_lists_per_song"], r["distinct_songs"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
