"""Matching space: aligning query VA (images) with the catalogue's VA, and hub statistics.

Alignment modes (per axis, independently), the reference for ``--align`` in the binary:

* ``none``     -- the query point as is.
* ``minmax``   -- x' = cmin + (x - qmin) / (qmax - qmin) * (cmax - cmin), with qmin/qmax the
                  query (reference) distribution's min/max and cmin/cmax the catalogue's.
* ``quantile`` -- x' = F_cat^-1(F_ref(x)), as a piecewise-linear map between two sets of
                  ``KNOTS`` = 101 quantiles, at p = 0, 0.01, ..., 1 (numpy's default "linear"
                  quantile: h = (n - 1) p, q = s[floor h] + (h - floor h)(s[floor h + 1] - s[floor h])
                  over the sorted values s). Reference knots that tie are merged into one knot
                  whose catalogue value is the mean of theirs; x outside the reference range is
                  clamped to the end knots.

* ``quantile2d`` -- (proposed; not in the issue) conditional quantile mapping, which also
                  aligns the joint distribution: valence as in ``quantile``; arousal by the
                  ``quantile`` map between the reference songs/queries and the catalogue songs
                  of the same valence decile (``BINS`` = 10 bins, edges = the reference's and
                  the catalogue's own valence deciles, value v goes to bin
                  min(#{edges[1..9] <= v}, 9)).

Nearest neighbours: Euclidean distance in (valence, arousal); ties broken by catalogue row.
"""
import csv
import io
import json

import numpy as np

KNOTS = 101
BINS = 10
MODES = ("none", "minmax", "quantile", "quantile2d")


def quantile_knots(values, knots=KNOTS):
    return np.quantile(np.asarray(values, float), np.linspace(0.0, 1.0, knots))


def knot_map(ref_knots, cat_knots):
    """Merge tied reference knots; returns strictly increasing xs and their ys."""
    xs, ys = [], []
    i = 0
    ref_knots, cat_knots = np.asarray(ref_knots, float), np.asarray(cat_knots, float)
    while i < len(ref_knots):
        j = i
        while j + 1 < len(ref_knots) and ref_knots[j + 1] == ref_knots[i]:
            j += 1
        xs.append(ref_knots[i])
        ys.append(float(np.mean(cat_knots[i:j + 1])))
        i = j + 1
    return np.array(xs), np.array(ys)


def align_axis(x, ref, cat, mode):
    x = np.asarray(x, float)
    if mode == "none":
        return x.copy()
    if mode == "minmax":
        qlo, qhi = float(np.min(ref)), float(np.max(ref))
        clo, chi = float(np.min(cat)), float(np.max(cat))
        if qhi <= qlo:
            return np.full_like(x, (clo + chi) / 2)
        return clo + (x - qlo) / (qhi - qlo) * (chi - clo)
    if mode == "quantile":
        xs, ys = knot_map(quantile_knots(ref), quantile_knots(cat))
        if len(xs) == 1:
            return np.full_like(x, ys[0])
        return np.interp(x, xs, ys)   # clamps outside [xs[0], xs[-1]]
    raise ValueError("unknown alignment mode: %s" % mode)


def _bins(v, values):
    edges = np.quantile(np.asarray(values, float), np.linspace(0, 1, BINS + 1))[1:-1]
    return np.minimum(np.searchsorted(edges, v, side="right"), BINS - 1)


def align(queries, catalogue, mode, reference=None):
    """queries, catalogue: (n, 2) arrays (valence, arousal); reference defaults to queries."""
    ref = queries if reference is None else reference
    if mode == "quantile2d":
        v = align_axis(queries[:, 0], ref[:, 0], catalogue[:, 0], "quantile")
        qb, rb = _bins(queries[:, 0], ref[:, 0]), _bins(ref[:, 0], ref[:, 0])
        cb = _bins(catalogue[:, 0], catalogue[:, 0])
        a = np.empty(len(queries))
        for b in range(BINS):
            m = qb == b
            if m.any():
                a[m] = align_axis(queries[m, 1], ref[rb == b, 1], catalogue[cb == b, 1], "quantile")
        return np.column_stack([v, a])
    return np.column_stack([align_axis(queries[:, k], ref[:, k], catalogue[:, k], mode)
                            for k in range(2)])


def topk(queries, catalogue, k=10, block=256):
    out = np.empty((len(queries), k), dtype=np.int64)
    for s in range(0, len(queries), block):
        q = queries[s:s + block]
        d = ((q[:, None, :] - catalogue[None, :, :]) ** 2).sum(-1)
        for i in range(len(q)):
            # exact: take everything within the k-th distance, then sort by (distance, row)
            kth = np.partition(d[i], k - 1)[k - 1]
            cand = np.nonzero(d[i] <= kth)[0]
            cand = cand[np.lexsort((cand, d[i][cand]))][:k]
            out[s + i] = cand
    return out


def hub_stats(lists):
    flat = lists.ravel()
    counts = np.bincount(flat)
    return {"lists": int(len(lists)), "slots": int(flat.size),
            "max_lists_per_song": int(counts.max()),
            "distinct_songs": int((counts > 0).sum()),
            "songs_in_more_than_20": int((counts > 20).sum())}


# ---- readers ---------------------------------------------------------------------------

def read_table_va(path):
    with io.open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    return rows, np.array([[float(r["valence"]), float(r["arousal"])] for r in rows])


def read_queries(path):
    """CSV with valence/arousal columns, or JSONL of objects with valence/arousal (records
    whose 'valence'/'arousal' are missing are skipped)."""
    with io.open(path, encoding="utf-8-sig", newline="") as f:
        text = f.read()
    pts = []
    if path.endswith(".jsonl") or text.lstrip().startswith("{"):
        for line in text.splitlines():
            line = line.strip()
            if not line:
                continue
            o = json.loads(line)
            if "valence" in o and "arousal" in o:
                pts.append((float(o["valence"]), float(o["arousal"])))
    else:
        for r in csv.DictReader(io.StringIO(text.replace("\r\n", "\n").replace("\r", "\n"))):
            pts.append((float(r["valence"]), float(r["arousal"])))
    return np.array(pts, float)


def read_oasis(path):
    """OASIS.csv (CR line ends): mean valence/arousal (1-7), min-max scaled over the set."""
    with io.open(path, encoding="utf-8-sig", newline="") as f:
        text = f.read().replace("\r\n", "\n").replace("\r", "\n")
    rows = list(csv.DictReader(io.StringIO(text)))
    va = np.array([[float(r["Valence_mean"]), float(r["Arousal_mean"])] for r in rows])
    return (va - va.min(0)) / (va.max(0) - va.min(0))
