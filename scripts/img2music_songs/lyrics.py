"""Lyric features for the Music2Emotion model (computed in memory, never shipped).

* lyric VA: NRC-VAD valence and arousal of the lyric's words, weighted by their counts
  (mean over the word occurrences found in the lexicon; 0.5, 0.5 when none is).
* lyric embedding: count-weighted mean of GloVe 100-d vectors, reduced by PCA to 11.
"""
import gzip
import io
import re
from collections import Counter

import numpy as np
from sklearn.decomposition import PCA

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?")


def tokens(text):
    out = []
    for t in _TOKEN.findall(str(text).lower()):
        out.append(t)
        if "'" in t:               # "don't" -> also "dont"/"don","t" are not useful;
            out[-1] = t.replace("'", "")  # NRC-VAD and GloVe spell most without it
    return out


def load_nrc_vad(path):
    """word -> (valence, arousal). UTF-8 BOM, CRLF, whitespace separated, header line;
    multi-word terms keep their spaces (the last three fields are the scores)."""
    lex = {}
    with io.open(path, encoding="utf-8-sig", newline="") as f:
        for i, line in enumerate(f):
            parts = line.strip().split()
            if len(parts) < 4:
                continue
            try:
                v, a = float(parts[-3]), float(parts[-2])
            except ValueError:      # header
                continue
            lex[" ".join(parts[:-3])] = (v, a)
    return lex


def load_glove(path, vocab=None):
    """word -> row, matrix (float64). Only words in ``vocab`` when given."""
    words, vecs = {}, []
    opener = gzip.open if path.endswith(".gz") else io.open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split(" ")
            w = parts[0]
            if vocab is not None and w not in vocab:
                continue
            if w in words:
                continue
            words[w] = len(vecs)
            vecs.append(np.asarray(parts[1:], dtype=np.float64))
    return words, np.vstack(vecs) if vecs else np.zeros((0, 100))


def lyric_va(texts, lex):
    out = np.full((len(texts), 2), 0.5)
    for i, text in enumerate(texts):
        cnt = Counter(t for t in tokens(text) if t in lex)
        n = sum(cnt.values())
        if n:
            out[i, 0] = sum(lex[w][0] * c for w, c in cnt.items()) / n
            out[i, 1] = sum(lex[w][1] * c for w, c in cnt.items()) / n
    return out


def lyric_embedding(texts, glove_path):
    counts = [Counter(tokens(t)) for t in texts]
    vocab = set()
    for c in counts:
        vocab.update(c)
    words, mat = load_glove(glove_path, vocab)
    out = np.zeros((len(texts), mat.shape[1] if len(mat) else 100))
    for i, c in enumerate(counts):
        idx = [(words[w], n) for w, n in c.items() if w in words]
        if idx:
            rows = np.array([r for r, _ in idx])
            wts = np.array([n for _, n in idx], dtype=float)
            out[i] = wts @ mat[rows] / wts.sum()
    return out


def pca11(emb_train, seed=0):
    return PCA(n_components=11, svd_solver="full", random_state=seed).fit(emb_train)
