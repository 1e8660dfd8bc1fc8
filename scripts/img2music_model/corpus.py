"""The training corpus: both human-rated sets side by side, each on its own scale.

OASIS (900 stock photos, 1-7 Likert, ~100 US raters) and Emotion6 (990 everyday Flickr photos,
1-9 SAM, 15 raters) rate valence and arousal with different instruments, people and pictures, so
their numbers are never pooled as if they meant the same thing: every row keeps its dataset's own
[0, 1] target, and the network has one (valence, arousal) head per dataset on shared features
(see backbones.MultiHead). Emotion6 rows also carry the raters' emotion distribution.

Rows are ordered OASIS first, then Emotion6, each sorted as its loader returns it; folds are
theme-grouped for OASIS and stratified by search-word folder for Emotion6, with the same k, so
one cross-validation fold holds out part of both sets at once.
"""
import hashlib
import os
from typing import Dict, List

import numpy as np

from . import data

# Head order: head 0 is what the exported model returns, on Emotion6's scale (everyday photos).
DATASETS = ("emotion6", "oasis")
SHIPPED_HEAD = 0


class Corpus:
    def __init__(self, rows: List[Dict], y: np.ndarray, dataset: np.ndarray, emotions: np.ndarray,
                 has_emotions: np.ndarray, scales: Dict, data_sha: Dict):
        self.rows = rows                  # dicts: dataset, name, group, stratum, path, ...
        self.y = y                        # float32 [N, 2], each row on its own dataset's [0, 1] scale
        self.dataset = dataset            # int64 [N], index into DATASETS
        self.emotions = emotions          # float32 [N, 7] rater distribution (zeros where unknown)
        self.has_emotions = has_emotions  # bool [N]
        self.scales = scales              # dataset name -> target_scale block
        self.data_sha = data_sha          # dataset name -> sha256 over its table and used images

    def __len__(self) -> int:
        return len(self.rows)

    def indices(self, name: str) -> np.ndarray:
        return np.where(self.dataset == DATASETS.index(name))[0]

    def names(self) -> List[str]:
        return [n for n in DATASETS if len(self.indices(n))]

    def combined_sha(self) -> str:
        h = hashlib.sha256()
        for n in sorted(self.data_sha):
            h.update(("%s %s\n" % (n, self.data_sha[n])).encode())
        return h.hexdigest()

    def folds(self, k: int, seed: int, oasis_grouping: str = "theme") -> np.ndarray:
        """Fold (0..k-1) per row: OASIS grouped by theme (or by image with 'none'), Emotion6
        stratified by folder."""
        out = np.zeros(len(self.rows), dtype=np.int64)
        for n in self.names():
            idx = self.indices(n)
            if n == "oasis":
                key = [self.rows[i]["group"] if oasis_grouping == "theme" else self.rows[i]["name"] for i in idx]
                out[idx] = data.make_folds(key, k, seed)
            else:
                out[idx] = data.stratified_folds([self.rows[i]["stratum"] for i in idx], k, seed)
        return out

    def inner_split(self, idx: np.ndarray, val_fraction: float, seed: int, oasis_grouping: str = "theme"):
        """(train, val) of the training indices idx, each dataset split its own way."""
        tr, va = [], []
        for n in self.names():
            sub = idx[self.dataset[idx] == DATASETS.index(n)]
            if not len(sub):
                continue
            if n == "oasis":
                key = [self.rows[i]["group"] if oasis_grouping == "theme" else self.rows[i]["name"]
                       for i in range(len(self.rows))]
                a, b = data.inner_split(key, sub, val_fraction, seed)
            else:
                a, b = data.inner_split_stratified([r["stratum"] for r in self.rows], sub, val_fraction, seed)
            tr.append(a)
            va.append(b)
        return np.sort(np.concatenate(tr)), np.sort(np.concatenate(va))


def _evenly(rows: List[Dict], limit: int) -> List[Dict]:
    if not limit or limit >= len(rows):
        return rows
    sel = np.unique(np.linspace(0, len(rows) - 1, limit).round().astype(int))
    return [rows[i] for i in sel]


def load(shared: str, datasets=("oasis", "emotion6"), limit: int = 0) -> Corpus:
    """Both sets (or those named), `limit` images of each (evenly spaced) for smoke tests."""
    unknown = set(datasets) - set(DATASETS)
    if unknown:
        raise ValueError("unknown dataset(s) %s (choose from %s)" % (", ".join(sorted(unknown)), ", ".join(DATASETS)))
    rows: List[Dict] = []
    ys, scales, shas = [], {}, {}
    if "oasis" in datasets:
        odir = data.oasis_dir(shared)
        all_rows = data.load_oasis(odir)
        scales["oasis"] = data.target_scale(all_rows)  # always the 900 images' min/max
        sub = _evenly(all_rows, limit)
        for r in sub:
            r["dataset"] = "oasis"
            r["stratum"] = r["category"]
        ys.append(data.scaled_targets(sub, scales["oasis"]))
        shas["oasis"] = data.data_sha256(odir, sub)
        rows += sub
    if "emotion6" in datasets:
        edir = data.emotion6_dir(shared)
        sub = _evenly(data.load_emotion6(edir), limit)
        for r in sub:
            r["dataset"] = "emotion6"
        scales["emotion6"] = data.emotion6_scale()
        ys.append(data.scaled_targets(sub, scales["emotion6"]))
        shas["emotion6"] = data.emotion6_sha256(edir, sub)
        rows += sub
    y = np.concatenate(ys).astype(np.float32)
    ds = np.array([DATASETS.index(r["dataset"]) for r in rows], dtype=np.int64)
    emo = np.zeros((len(rows), len(data.EMOTIONS)), dtype=np.float32)
    has = np.zeros(len(rows), dtype=bool)
    for i, r in enumerate(rows):
        if "emotions" in r:
            emo[i] = r["emotions"]
            has[i] = True
    return Corpus(rows, y, ds, emo, has, scales, shas)


def available(shared: str, name: str) -> bool:
    """Whether the named set's ratings table is under `shared`."""
    if name == "oasis":
        return os.path.isfile(os.path.join(data.oasis_dir(shared), "OASIS.csv"))
    return os.path.isfile(os.path.join(data.emotion6_dir(shared), "ground_truth.txt"))
