"""OASIS data: location of ../shared, ratings table, theme groups, folds, data checksum."""
import csv
import hashlib
import io
import os
import re
from typing import Dict, List, Optional

import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENV_SHARED = "IMG2MUSIC_SHARED"


def shared_dir(arg: Optional[str] = None) -> str:
    """--shared flag, else $IMG2MUSIC_SHARED, else <repo root>/../shared."""
    if arg:
        return arg
    if os.environ.get(ENV_SHARED):
        return os.environ[ENV_SHARED]
    return os.path.normpath(os.path.join(REPO_ROOT, "..", "shared"))


def oasis_dir(shared: str) -> str:
    return os.path.join(shared, "data", "oasis")


def mobilenet_dir(shared: str) -> str:
    return os.path.join(shared, "weights", "mobilenet_v1_0.75_224_tfjs")


def glove_path(shared: str) -> str:
    return os.path.join(shared, "data", "lexicons", "glove6B_100d_top45k.txt.gz")


def glove_vectors(path: str, words) -> Dict[str, np.ndarray]:
    """The GloVe vectors of `words` (those the file has), read from the gzipped text file."""
    import gzip
    wanted, out = set(words), {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            word, _, rest = line.partition(" ")
            if word in wanted:
                out[word] = np.array(rest.split(), dtype=np.float64)
    return out


def theme_group(name: str) -> str:
    """'Beach 2' -> 'Beach' (themes of one subject share a group)."""
    return re.sub(r"\s*\d+$", "", name.strip())


def _read_text_any_newline(path: str) -> str:
    with open(path, "rb") as f:
        raw = f.read()
    text = raw.decode("utf-8-sig")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def load_oasis(odir: str) -> List[Dict]:
    """Rows of OASIS.csv (CR line ends, unnamed first column, trailing spaces stripped):
    dicts with name, group, category, path, valence, arousal (1-7 means)."""
    text = _read_text_any_newline(os.path.join(odir, "OASIS.csv"))
    rows = list(csv.reader(io.StringIO(text)))
    header = [h.strip() for h in rows[0]]
    col = {h: i for i, h in enumerate(header)}
    out = []
    for r in rows[1:]:
        if not r or not any(c.strip() for c in r):
            continue
        name = r[col["Theme"]].strip()
        path = os.path.join(odir, "images", name + ".jpg")
        out.append(dict(id=r[0].strip(), name=name, group=theme_group(name),
                        category=r[col["Category"]].strip(), path=path,
                        valence=float(r[col["Valence_mean"]]), arousal=float(r[col["Arousal_mean"]])))
    return out


def target_scale(rows: List[Dict]) -> Dict:
    v = [r["valence"] for r in rows]
    a = [r["arousal"] for r in rows]
    return {"description": "OASIS mean rating (1-7 Likert) min-max scaled over the %d images" % len(rows),
            "valence": {"min": min(v), "max": max(v)}, "arousal": {"min": min(a), "max": max(a)}}


def scaled_targets(rows: List[Dict], scale: Dict) -> np.ndarray:
    """[N, 2] float32 in [0, 1]."""
    out = np.zeros((len(rows), 2), dtype=np.float32)
    for i, r in enumerate(rows):
        for j, k in enumerate(("valence", "arousal")):
            lo, hi = scale[k]["min"], scale[k]["max"]
            out[i, j] = (r[k] - lo) / (hi - lo)
    return out


def sha256_file(path: str) -> str:
    """Hex SHA-256 of a file, read in 1 MB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def data_sha256(odir: str, rows: List[Dict]) -> str:
    """sha256 over 'OASIS.csv <sha256>\\n' then '<image file name> <sha256>\\n' for the used images
    in sorted name order."""
    h = hashlib.sha256()
    h.update(("OASIS.csv %s\n" % sha256_file(os.path.join(odir, "OASIS.csv"))).encode())
    for r in sorted(rows, key=lambda r: os.path.basename(r["path"])):
        h.update(("%s %s\n" % (os.path.basename(r["path"]), sha256_file(r["path"]))).encode())
    return h.hexdigest()


def _group_partition(groups: List[str], n_parts: int, seed: int) -> np.ndarray:
    """Assign each item a part 0..n_parts-1 so that groups never straddle parts: groups in a
    seeded random order, largest first (stable), each to the part with the fewest items so far."""
    rng = np.random.RandomState(seed)
    uniq = sorted(set(groups))
    order = [uniq[i] for i in rng.permutation(len(uniq))]
    size = {g: 0 for g in uniq}
    for g in groups:
        size[g] += 1
    order.sort(key=lambda g: -size[g])  # stable: ties keep the random order
    load = [0] * n_parts
    part_of = {}
    for g in order:
        p = int(np.argmin(load))
        part_of[g] = p
        load[p] += size[g]
    return np.array([part_of[g] for g in groups], dtype=np.int64)


def make_folds(groups: List[str], k: int, seed: int) -> np.ndarray:
    """Fold index (0..k-1) for each item, grouped by theme."""
    return _group_partition(groups, k, seed)


def inner_split(groups: List[str], idx: np.ndarray, val_fraction: float, seed: int):
    """Split training indices idx into (train, val) by group; val is about val_fraction."""
    n_parts = max(2, int(round(1.0 / val_fraction)))
    parts = _group_partition([groups[i] for i in idx], n_parts, seed)
    return idx[parts != 0], idx[parts == 0]


# --- Emotion6 (Peng et al. 2015): everyday Flickr photos, 1-9 SAM ratings, emotion distributions ---

EMOTIONS = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")
SAM_MIN, SAM_MAX = 1.0, 9.0  # Emotion6's valence and arousal are means on 1-9 SAM scales


def emotion6_dir(shared: str) -> str:
    return os.path.join(shared, "data", "emotion6_dev")


def load_emotion6(edir: str) -> List[Dict]:
    """Rows of ground_truth.txt (tab separated, one header line): dicts with name ('joy/12'),
    group (the name: every photo is its own group), stratum (the search-word folder), path,
    valence, arousal (1-9 means) and emotions (the 7 rater probabilities in EMOTIONS order)."""
    text = _read_text_any_newline(os.path.join(edir, "ground_truth.txt"))
    lines = [ln for ln in text.split("\n") if ln.strip()]
    header = [h.strip().strip("[]") for h in lines[0].split("\t")]
    want = ["image_filename", "valence", "arousal"] + ["prob. " + e for e in EMOTIONS]
    if header != want:
        raise ValueError("%s/ground_truth.txt: unexpected header %r" % (edir, header))
    out = []
    for ln in lines[1:]:
        f = ln.split("\t")
        if len(f) != len(want):
            raise ValueError("%s/ground_truth.txt: %d fields in %r" % (edir, len(f), ln))
        rel = f[0].strip()
        name = os.path.splitext(rel)[0]
        emo = [float(v) for v in f[3:]]
        total = sum(emo)
        out.append(dict(name=name, group=name, stratum=rel.split("/")[0], path=os.path.join(edir, "images", rel),
                        valence=float(f[1]), arousal=float(f[2]), emotions=[e / total for e in emo]))
    out.sort(key=lambda r: r["name"])
    return out


def emotion6_scale() -> Dict:
    return {"description": "Emotion6 mean rating on the 1-9 SAM scale, mapped linearly: (rating - 1) / 8",
            "valence": {"min": SAM_MIN, "max": SAM_MAX}, "arousal": {"min": SAM_MIN, "max": SAM_MAX}}


def emotion6_sha256(edir: str, rows: List[Dict]) -> str:
    """Like data_sha256, over ground_truth.txt and the used images (relative paths, sorted)."""
    h = hashlib.sha256()
    h.update(("ground_truth.txt %s\n" % sha256_file(os.path.join(edir, "ground_truth.txt"))).encode())
    for r in sorted(rows, key=lambda r: r["name"]):
        h.update(("%s %s\n" % (os.path.relpath(r["path"], os.path.join(edir, "images")),
                               sha256_file(r["path"]))).encode())
    return h.hexdigest()


def stratified_folds(strata: List[str], k: int, seed: int) -> np.ndarray:
    """Fold index (0..k-1) for each item: each stratum is shuffled (seeded) and dealt round-robin,
    the deal starting where the previous stratum's ended, so folds are balanced per stratum."""
    rng = np.random.RandomState(seed)
    folds = np.zeros(len(strata), dtype=np.int64)
    start = 0
    for s in sorted(set(strata)):
        idx = np.array([i for i, t in enumerate(strata) if t == s])
        idx = idx[rng.permutation(len(idx))]
        folds[idx] = (start + np.arange(len(idx))) % k
        start = (start + len(idx)) % k
    return folds


def inner_split_stratified(strata: List[str], idx: np.ndarray, val_fraction: float, seed: int):
    """Split training indices idx into (train, val), stratified; val is about val_fraction."""
    n_parts = max(2, int(round(1.0 / val_fraction)))
    parts = stratified_folds([strata[i] for i in idx], n_parts, seed)
    return idx[parts != 0], idx[parts == 0]
