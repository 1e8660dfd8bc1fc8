"""The song-table build, end to end (called by scripts/build_song_table.py)."""
import json
import os
import time

import numpy as np
import pandas as pd

from . import audio, calibration, catalogue, lyrics, normalize, paths, regressors, selection, writer

AXES = ("valence", "arousal")
LABEL = {"valence": "valence", "arousal": "energy"}


class AudioModel:
    """Audio-only Music2Emotion stacks (one per axis) with their scaler; outputs on the
    Spotify scale (the min-max label mapped back), clipped to [0, 1]."""

    def fit(self, train, fast=False, n_jobs=1):
        self.scaler = audio.AudioScaler().fit(train)
        X = self.scaler.transform(train)
        self.models, self.span = {}, {}
        for axis in AXES:
            y = train[LABEL[axis]].to_numpy(float)
            self.span[axis] = (y.min(), y.max())
            self.models[axis] = regressors.stack(axis, fast, n_jobs).fit(X, regressors.minmax_label(y))
        return self

    def unscale(self, axis, p):
        lo, hi = self.span[axis]
        return np.clip(lo + p * (hi - lo), 0.0, 1.0)

    def predict(self, df, axis):
        return self.unscale(axis, self.models[axis].predict(self.scaler.transform(df)))


def map_deezer(dz, cat):
    """Catalogue row index for each Deezer row (-1 when absent): by Spotify id, then by
    the normalised key of the Deezer artist/title, then of the Spotify table's."""
    by_id = {s: i for i, s in enumerate(cat.spotify_id) if s}
    by_key = {k: i for i, k in enumerate(cat.nkey)}
    out = []
    for r in dz.itertuples(index=False):
        i = by_id.get(r.spotify_track_id, -1)
        if i < 0:
            i = by_key.get(normalize.song_key(r.artist, r.track), -1)
        if i < 0 and isinstance(r.track_name, str):
            i = by_key.get(normalize.song_key(r.track_artist, r.track_name), -1)
        out.append(i)
    return np.array(out, dtype=int)


def deezer_scores(values, dz, idx):
    """Pearson r of catalogue values against the Deezer humans, on the mapped rows."""
    ok = idx >= 0
    res = {}
    for axis in AXES:
        v = np.full(len(dz), np.nan)
        v[ok] = values[axis][idx[ok]]
        h = dz[calibration.HUMAN_COLUMN[axis]].to_numpy(float)
        split = dz.source_split.to_numpy()
        res[axis] = {"all": calibration.pearson(v, h),
                     "train_val": calibration.pearson(v[split != "test"], h[split != "test"]),
                     "test": calibration.pearson(v[split == "test"], h[split == "test"]),
                     "n": int(np.isfinite(v).sum())}
    return res


def build(shared=None, limit_seed=None, limit_spotify=None, fast=False, n_jobs=2, log=print):
    t0 = time.time()
    P = lambda k: paths.shared_path(k, shared)
    sp = catalogue.load_spotify(P("spotify"), limit_spotify)
    seed = catalogue.load_seed(P("seed_lyric"), limit_seed)
    cat = catalogue.build(seed, sp)
    log("catalogue: %d songs (%d seed, %d with a Spotify id) [%.0fs]"
        % (len(cat), (cat.seed_index >= 0).sum(), (cat.spotify_id != "").sum(), time.time() - t0))
    report = {"songs": int(len(cat)), "seed_songs": int((cat.seed_index >= 0).sum()),
              "spotify_rows_unique": int(len(sp)),
              "seed_matched_to_spotify": int(((cat.seed_index >= 0) & (cat.spotify_id != "")).sum()),
              "fast": bool(fast), "limit_seed": limit_seed, "limit_spotify": limit_spotify}

    # --- Music2Emotion on the seed songs (the only ones with lyrics) -------------------
    tr_mask = (cat.seed_index >= 0).to_numpy()
    train = cat[tr_mask].reset_index(drop=True)
    texts = seed.set_index("seed_index").loc[train.seed_index, "lyrics_body"].tolist()
    lex = lyrics.load_nrc_vad(P("nrc_vad"))
    lva = lyrics.lyric_va(texts, lex)
    del lex
    emb = lyrics.lyric_embedding(texts, P("glove"))
    lpca = lyrics.pca11(emb).transform(emb)
    del emb, texts
    A = audio.AudioScaler().fit(train).transform(train)
    cv, oof = {}, {}
    for axis in AXES:
        y = regressors.minmax_label(train[LABEL[axis]])
        for variant, audio_only in (("lyrics", False), ("audio", True)):
            X = regressors.features(axis, A, lpca, lva, audio_only)
            m, o = regressors.cross_validate(axis, X, y, fast, n_jobs)
            cv["%s/%s" % (axis, variant)] = m
            oof[(axis, variant)] = o["stack"]
            log("CV %s %-6s stack R2 %.3f RMSE %.3f  linear R2 %.3f [%.0fs]"
                % (axis, variant, m["stack"]["r2"], m["stack"]["rmse"], m["linear"]["r2"],
                   time.time() - t0))
    report["cv"] = cv
    am = AudioModel().fit(train, fast, n_jobs)
    cand = {axis: {} for axis in AXES}
    for axis in AXES:
        cand[axis]["spotify"] = cat[LABEL[axis]].to_numpy(float)
        stack_v = np.full(len(cat), np.nan)
        stack_v[tr_mask] = am.unscale(axis, oof[(axis, "lyrics")])
        cand[axis]["m2e_stack"] = stack_v
        audio_v = am.predict(cat, axis)
        audio_v[tr_mask] = am.unscale(axis, oof[(axis, "audio")])
        cand[axis]["m2e_audio"] = audio_v
    log("regressors done [%.0fs]" % (time.time() - t0))

    # --- measurement against the Deezer listeners ---------------------------------------
    dz = calibration.load_deezer(P("deezer"), P("spotify"))
    blends, blend_rows = {}, {}
    for axis in AXES:
        blends[axis], blend_rows[axis] = calibration.choose_blend(dz, axis)
        cand[axis]["blend"] = blends[axis].predict(cat)
    idx = map_deezer(dz, cat)
    meas = {name: deezer_scores({a: cand[a][name] for a in AXES}, dz, idx)
            for name in ["spotify", "blend", "m2e_stack", "m2e_audio"]}
    order = {}
    tv = (dz.source_split != "test").to_numpy()
    dtv = dz[tv].reset_index(drop=True)
    for axis in AXES:
        # Paired comparisons with Spotify's own value on the Deezer train+validation songs
        # (see selection.py). The blend: its grouped out-of-fold predictions, from the Deezer
        # rows' own Spotify features; a regressor: on the catalogue songs it covers.
        h = dz[calibration.HUMAN_COLUMN[axis]].to_numpy(float)
        chosen = next(r for r in blend_rows[axis] if r.get("chosen"))
        gains = {}
        if chosen["columns"] == [LABEL[axis]]:
            gains["blend"] = None        # reduced to Spotify's own value: nothing to add
        else:
            oof_b = calibration.grouped_oof(dtv, axis, chosen["columns"])
            gains["blend"] = calibration.paired_gain(oof_b, dtv[LABEL[axis]], dtv[calibration.HUMAN_COLUMN[axis]])
            dts = dz[~tv]
            gains["blend"]["test_gain"] = (calibration.pearson(blends[axis].predict(dts), dts[calibration.HUMAN_COLUMN[axis]])
                                           - calibration.pearson(dts[LABEL[axis]], dts[calibration.HUMAN_COLUMN[axis]]))
        for n in ("m2e_stack", "m2e_audio"):
            ok = tv & (idx >= 0)
            v = np.full(len(dz), np.nan)
            v[ok] = cand[axis][n][idx[ok]]
            base = np.full(len(dz), np.nan)
            base[ok] = cand[axis]["spotify"][idx[ok]]
            have = np.isfinite(v)
            gains[n] = (calibration.paired_gain(v[have], base[have], h[have])
                        if have.sum() >= 30 else None)
            if gains[n] is not None:
                test_ok = ~tv & (idx >= 0)
                vt = cand[axis][n][idx[test_ok]]
                bt = cand[axis]["spotify"][idx[test_ok]]
                keep = np.isfinite(vt) & np.isfinite(bt)
                gains[n]["test_gain"] = (calibration.pearson(vt[keep], h[test_ok][keep])
                                         - calibration.pearson(bt[keep], h[test_ok][keep])
                                         if keep.sum() >= 30 else None)
        order[axis] = selection.rank(gains)
        report.setdefault("ranking", {})[axis] = {"order": order[axis], "gains_vs_spotify": gains}
    vals, srcs = {}, {}
    for axis in AXES:
        vals[axis], srcs[axis] = selection.choose(cand[axis], order[axis])
    cat["valence"], cat["arousal"] = vals["valence"], vals["arousal"]
    cat["va_source"] = [v + "/" + a for v, a in zip(srcs["valence"], srcs["arousal"])]
    shipped = deezer_scores({a: vals[a] for a in AXES}, dz, idx)
    report["deezer"] = {"candidates": meas, "shipped": shipped,
                        "blend_sets": blend_rows,
                        "blend": {a: blends[a].describe() for a in AXES},
                        "deezer_rows": int(len(dz)), "deezer_rows_in_table": int((idx >= 0).sum())}
    report["va_source_counts"] = cat.va_source.value_counts().to_dict()
    log("shipped vs Deezer: valence r %.3f, arousal r %.3f (n=%d) [%.0fs]"
        % (shipped["valence"]["all"], shipped["arousal"]["all"], shipped["valence"]["n"],
           time.time() - t0))
    report["build_seconds"] = round(time.time() - t0, 1)
    return cat, report


def save(cat, report, out_csv, out_report=None):
    nbytes = writer.write(cat, out_csv)
    report["table_bytes"] = nbytes
    if out_report:
        d = os.path.dirname(out_report)
        if d:
            os.makedirs(d, exist_ok=True)
        with open(out_report, "w") as f:
            json.dump(report, f, indent=1, sort_keys=True, default=float)
    return nbytes
