"""Measurement against people: the Deezer Mood Detection songs' human VA.

``deezer_mood_x_spotify.csv`` gives, for 1,046 songs found in the Spotify table, the
listeners' valence and arousal (tags mapped through word ratings, standardised). Every
VA candidate is scored by Pearson r against them.

The calibrated blend: a linear model of a few Spotify audio features predicting the human
valence (arousal), fitted on the Deezer ``train`` + ``validation`` splits only; the
``test`` split (175 songs) is never used for fitting or choosing, so the shipped table's
r on it is an honest out-of-sample figure. The feature set is chosen by repeated, grouped
(by track) 5-fold CV on train+validation among a handful of pre-declared nested sets,
taking the smallest set within ``TOL`` of the best CV r (simpler generalises better to
other human ratings). The linear score is mapped to [0, 1] by min-max over every unique
track of the Spotify table (clipped for songs outside that range): linear, so Pearson r is
the score's own, and without the pile-up at 0 and 1 that an affine rescale plus clipping
would create (ties there make hub songs in the matching space).
Inputs are features every catalogue row has (seed rows lack acousticness), so the blend
applies to every song and to bring-your-own catalogues.
"""
import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression

FEATURES = ["valence", "energy", "danceability", "loudness", "mode", "speechiness",
            "instrumentalness", "liveness", "tempo"]
CANDIDATE_SETS = {
    "valence": [["valence"],
                ["valence", "energy"],
                ["valence", "energy", "danceability"],
                ["valence", "energy", "danceability", "mode"],
                ["valence", "energy", "danceability", "mode", "loudness"],
                FEATURES],
    "arousal": [["energy"],
                ["energy", "valence"],
                ["energy", "valence", "loudness"],
                ["energy", "valence", "loudness", "danceability"],
                ["energy", "valence", "loudness", "danceability", "tempo"],
                FEATURES],
}
SPOTIFY_COLUMN = {"valence": "valence", "arousal": "energy"}
HUMAN_COLUMN = {"valence": "human_valence", "arousal": "human_arousal"}
TOL = 0.01
REPEATS = 20
SEED = 7


def pearson(a, b):
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3:
        return float("nan")
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


def load_deezer(path, spotify_path):
    """Deezer rows with the full Spotify audio features of their track (by track id); the
    unique Spotify tracks (the blend's range reference) in ``.attrs["reference"]``."""
    dz = pd.read_csv(path, dtype={"spotify_track_id": str})
    sp = pd.read_csv(spotify_path, dtype={"track_id": str}).drop_duplicates("track_id")
    sp = sp.dropna(subset=FEATURES).set_index("track_id")[FEATURES + ["track_name", "track_artist"]]
    dz = dz.join(sp, on="spotify_track_id")
    dz = dz.dropna(subset=FEATURES).reset_index(drop=True)
    dz.attrs["reference"] = sp[FEATURES].reset_index(drop=True)
    return dz


class Blend:
    """z-scored linear model -> Spotify scale -> clip [0, 1]."""

    def __init__(self, axis, columns):
        self.axis, self.columns = axis, list(columns)

    def fit(self, df, reference=None):
        """reference: the songs whose score range maps to [0, 1] (default: the Spotify
        table's unique tracks carried by load_deezer, else ``df``)."""
        X = df[self.columns].to_numpy(float)
        self.mu, self.sd = X.mean(0), X.std(0)
        self.lr = LinearRegression().fit((X - self.mu) / self.sd, df[HUMAN_COLUMN[self.axis]])
        if reference is None:
            reference = df.attrs.get("reference", df)
        raw = self._raw(reference)
        self.a = 1.0 / (raw.max() - raw.min())
        self.b = -raw.min() * self.a
        return self

    def _raw(self, df):
        X = df[self.columns].to_numpy(float)
        return self.lr.predict((X - self.mu) / self.sd)

    def predict(self, df):
        return np.clip(self.a * self._raw(df) + self.b, 0.0, 1.0)

    def describe(self):
        """Coefficients on the raw features of the final [0,1] output (before clipping)."""
        w = self.a * self.lr.coef_ / self.sd
        c = self.a * (self.lr.intercept_ - (self.lr.coef_ * self.mu / self.sd).sum()) + self.b
        return {"intercept": float(c), **{k: float(v) for k, v in zip(self.columns, w)}}


def grouped_oof(df, axis, columns, folds=5, seed=SEED):
    """Out-of-fold blend predictions (one grouped 5-fold split)."""
    groups = df.spotify_track_id.to_numpy()
    uniq = np.unique(groups)
    fold_of = dict(zip(uniq, np.random.RandomState(seed).permutation(len(uniq)) % folds))
    f = np.array([fold_of[g] for g in groups])
    oof = np.zeros(len(df))
    for k in range(folds):
        tr, te = f != k, f == k
        oof[te] = Blend(axis, columns).fit(df[tr], df.attrs.get("reference")).predict(df[te])
    return oof


def paired_gain(pred, base, human, n_boot=2000, seed=SEED):
    """r(pred, human) - r(base, human) on the same songs, with the 5th percentile of its
    bootstrap distribution (a one-sided 95 % lower bound)."""
    pred, base, human = (np.asarray(x, float) for x in (pred, base, human))
    ok = np.isfinite(pred) & np.isfinite(base) & np.isfinite(human)
    pred, base, human = pred[ok], base[ok], human[ok]
    d = pearson(pred, human) - pearson(base, human)
    rng = np.random.RandomState(seed)
    boots = []
    for _ in range(n_boot):
        i = rng.randint(0, len(pred), len(pred))
        boots.append(pearson(pred[i], human[i]) - pearson(base[i], human[i]))
    return {"n": int(ok.sum()), "gain": float(d), "lower95": float(np.percentile(boots, 5))}


def grouped_cv_r(df, axis, columns, repeats=REPEATS, folds=5, seed=SEED):
    """Pooled out-of-fold Pearson r, folds grouped by Spotify track; mean and sd over repeats."""
    groups = df.spotify_track_id.to_numpy()
    uniq = np.unique(groups)
    rs = []
    for rep in range(repeats):
        rng = np.random.RandomState(seed + rep)
        fold_of = dict(zip(uniq, rng.permutation(len(uniq)) % folds))
        f = np.array([fold_of[g] for g in groups])
        oof = np.zeros(len(df))
        for k in range(folds):
            tr, te = f != k, f == k
            oof[te] = Blend(axis, columns).fit(df[tr], df.attrs.get("reference")).predict(df[te])
        rs.append(pearson(oof, df[HUMAN_COLUMN[axis]]))
    return float(np.mean(rs)), float(np.std(rs))


def choose_blend(dz, axis):
    """Returns (chosen Blend fitted on train+validation, report rows)."""
    fit = dz[dz.source_split != "test"]
    test = dz[dz.source_split == "test"]
    rows = []
    for cols in CANDIDATE_SETS[axis]:
        m, s = grouped_cv_r(fit, axis, cols)
        b = Blend(axis, cols).fit(fit)
        rows.append({"columns": cols, "cv_r": m, "cv_sd": s,
                     "test_r": pearson(b.predict(test), test[HUMAN_COLUMN[axis]]),
                     "fit_r": pearson(b.predict(fit), fit[HUMAN_COLUMN[axis]])})
    best = max(r["cv_r"] for r in rows)
    chosen = next(r for r in rows if r["cv_r"] >= best - TOL)
    chosen["chosen"] = True
    return Blend(axis, chosen["columns"]).fit(fit), rows
