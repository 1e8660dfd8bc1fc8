#!/usr/bin/python3
"""Checks that two JSON Lines outputs (img2music's and bench/python_reference.py's) did the same
job: same inputs in the same order, close predictions, mostly the same songs. bench/run.sh
prints the one-line summary under its throughput table; a benchmark of two programs that
disagree would compare nothing.

    /usr/bin/python3 bench/compare_outputs.py OURS.jsonl REFERENCE.jsonl

Prints e.g. "900 records, 0 errors; |Δ valence| mean 0.0021 max 0.0140, |Δ arousal| mean
0.0019 max 0.0120; top-1 song the same for 71 %, top-10 overlap 8.1 of 10". The predictions
differ a little because the resizers differ (OpenCV INTER_AREA vs PIL BOX) and img2music runs
a frozen graph; exit status 1 when the records do not line up or a mean difference is > 0.02.
"""
import json
import sys


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main(argv) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    ours, ref = read(argv[0]), read(argv[1])
    if len(ours) != len(ref) or any(a["input"] != b["input"] for a, b in zip(ours, ref)):
        print("records do not line up: %d vs %d" % (len(ours), len(ref)))
        return 1
    both = [(a, b) for a, b in zip(ours, ref) if "error" not in a and "error" not in b]
    errors = len(ours) - len(both)
    if not both:
        print("%d records, all with errors" % len(ours))
        return 1
    dv = [abs(a["valence"] - b["valence"]) for a, b in both]
    da = [abs(a["arousal"] - b["arousal"]) for a, b in both]
    top1 = sum(a["songs"][0]["id"] == b["songs"][0]["id"] for a, b in both) / len(both)
    k = min(len(both[0][0]["songs"]), len(both[0][1]["songs"]))
    overlap = sum(len({s["id"] for s in a["songs"][:k]} & {s["id"] for s in b["songs"][:k]}) for a, b in both) / len(both)
    mean_v, mean_a = sum(dv) / len(dv), sum(da) / len(da)
    # An untrained model (the benchmark's random-init vgg19_bn) can give the same clamped output
    # for every image: then agreement proves nothing, and the line says so.
    constant = len({(a["valence"], a["arousal"]) for a, _ in both}) == 1
    print("%d records, %d with errors; |Δ valence| mean %.4f max %.4f, |Δ arousal| mean %.4f max %.4f; "
          "top-1 song the same for %.0f %%, top-%d overlap %.1f of %d%s"
          % (len(ours), errors, mean_v, max(dv), mean_a, max(da), 100 * top1, k, overlap, k,
             " (but the model predicts (%.4g, %.4g) for every image: this comparison says nothing)"
             % (both[0][0]["valence"], both[0][0]["arousal"]) if constant else ""))
    return 0 if max(mean_v, mean_a) <= 0.02 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
