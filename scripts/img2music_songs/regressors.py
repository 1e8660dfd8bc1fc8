"""Music2Emotion rebuilt with scikit-learn.

valence: Stacking(GradientBoosting, RandomForest, ExtraTrees) over
         8 audio features (log, min-max) + lyric PCA-11 + lyric VA (NRC-VAD)
arousal: Stacking(GradientBoosting, RandomForest, HistGradientBoosting) over
         8 audio features + lyric VA
audio-only variants: the same stacks over the 8 audio features alone.
Labels: Spotify valence and energy, min-max scaled over the training songs.
Meta-learner: non-negative least squares (LinearRegression(positive=True)) on 5-fold
out-of-fold base predictions. Every random_state is fixed: fits are deterministic.
"""
import numpy as np
from sklearn.ensemble import (ExtraTreesRegressor, GradientBoostingRegressor,
                              HistGradientBoostingRegressor, RandomForestRegressor,
                              StackingRegressor)
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import KFold

SEED = 20230417


def base_models(axis, fast=False, n_jobs=1):
    n = 8 if fast else 100
    gb = GradientBoostingRegressor(n_estimators=n if fast else 150, learning_rate=0.1,
                                   max_depth=3, subsample=0.8, random_state=SEED)
    rf = RandomForestRegressor(n_estimators=n, min_samples_leaf=3, max_features=0.5,
                               random_state=SEED, n_jobs=n_jobs)
    if axis == "valence":
        third = ("et", ExtraTreesRegressor(n_estimators=n, min_samples_leaf=3, max_features=0.7,
                                           random_state=SEED, n_jobs=n_jobs))
    else:
        third = ("hgb", HistGradientBoostingRegressor(max_iter=n if fast else 150,
                                                      learning_rate=0.1, max_leaf_nodes=15,
                                                      min_samples_leaf=20, random_state=SEED))
    return [("gb", gb), ("rf", rf), third]


def stack(axis, fast=False, n_jobs=1):
    return StackingRegressor(base_models(axis, fast, n_jobs),
                             final_estimator=LinearRegression(positive=True),
                             cv=KFold(5, shuffle=True, random_state=SEED + 1), n_jobs=1)


def features(axis, audio, lyric_pca=None, lyric_va=None, audio_only=False):
    """Design matrix for one axis (lyric parts omitted for the audio-only variant)."""
    if audio_only:
        return audio
    if axis == "valence":
        return np.column_stack([audio, lyric_pca, lyric_va])
    return np.column_stack([audio, lyric_va])


def minmax_label(y):
    y = np.asarray(y, dtype=float)
    return (y - y.min()) / (y.max() - y.min())


def cross_validate(axis, X, y, fast=False, n_jobs=1, folds=5):
    """5-fold CV of the stack, each base model (fitted inside the stack on the outer
    training part) and a linear baseline. Returns (metrics, oof predictions dict)."""
    kf = KFold(folds, shuffle=True, random_state=SEED)
    names = [n for n, _ in base_models(axis)]
    oof = {k: np.zeros(len(y)) for k in ["stack", "linear"] + names}
    for tr, te in kf.split(X):
        st = stack(axis, fast, n_jobs).fit(X[tr], y[tr])
        oof["stack"][te] = st.predict(X[te])
        for name in names:
            oof[name][te] = st.named_estimators_[name].predict(X[te])
        oof["linear"][te] = LinearRegression().fit(X[tr], y[tr]).predict(X[te])
    metrics = {k: {"r2": float(r2_score(y, p)),
                   "rmse": float(np.sqrt(mean_squared_error(y, p)))} for k, p in oof.items()}
    return metrics, oof
