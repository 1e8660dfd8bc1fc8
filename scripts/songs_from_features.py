#!/usr/bin/python3
"""Bring your own catalogue: a CSV/JSON of songs with audio features -> an img2music song table.

    /usr/bin/python3 scripts/songs_from_features.py my_songs.csv -o my_table.csv
    img2music --songs my_table.csv ...

Input: CSV (or JSON array / {"songs": [...]}) with `artist` and `track` (also accepted:
track_artist/artists, track_name/name/title) and, per row, either
  * Spotify's `valence` and `energy`, or
  * the 8 audio features danceability, key, loudness, mode, speechiness, instrumentalness,
    liveness, tempo (Spotify Web API conventions: key 0-11, loudness dB, tempo BPM).
Optional: spotify_id (or track_id), album, genre, subgenre, year, popularity.

Each row gets VA by the same rule as data/songs.csv: Spotify's own valence and energy (the
candidates measured best against human ratings, docs/music-model.md), else the
Music2Emotion audio-only stack. The regressors are refitted from
../shared on each run (deterministic, about a minute; see docs/music-model.md for why no
fitted model is stored); --shared / $IMG2MUSIC_SHARED locate it.
"""
import argparse
import io
import json
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from img2music_songs import audio, calibration, catalogue, normalize, paths, pipeline, selection, writer  # noqa: E402

ALIASES = {"artist": ["artist", "track_artist", "artists", "artist_name"],
           "track": ["track", "track_name", "name", "title", "song"],
           "spotify_id": ["spotify_id", "track_id"],
           "album": ["album", "track_album_name", "album_name"],
           "genre": ["genre", "playlist_genre"], "subgenre": ["subgenre", "playlist_subgenre"],
           "year": ["year"], "popularity": ["popularity", "track_popularity"]}


def read_input(path):
    if path.lower().endswith(".json"):
        with io.open(path, encoding="utf-8-sig") as f:
            data = json.load(f)
        if isinstance(data, dict):
            data = data["songs"]
        df = pd.DataFrame(data)
    else:
        df = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    df.columns = [str(c).strip().lower() for c in df.columns]
    out = pd.DataFrame(index=df.index)
    for name, alts in ALIASES.items():
        col = next((c for c in alts if c in df.columns), None)
        out[name] = df[col] if col else (np.nan if name in ("year", "popularity") else "")
    if "year" not in df.columns and "track_album_release_date" in df.columns:
        out["year"] = pd.to_numeric(df.track_album_release_date.astype(str).str[:4], errors="coerce")
    for c in set(audio.FEATURES) | set(calibration.FEATURES):
        out[c] = pd.to_numeric(df[c], errors="coerce") if c in df.columns else np.nan
    for c in ("artist", "track", "album", "genre", "subgenre", "spotify_id"):
        out[c] = out[c].fillna("").astype(str).str.strip()
    bad = (out.artist == "") | (out.track == "")
    if bad.any():
        raise SystemExit("%s: %d rows without artist or track (first: row %d)"
                         % (path, bad.sum(), int(np.nonzero(bad.to_numpy())[0][0]) + 2))
    return out.reset_index(drop=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--shared")
    ap.add_argument("--fast", action="store_true", help="a few trees (tests only)")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args(argv)
    P = lambda k: paths.shared_path(k, a.shared)
    df = read_input(a.input)

    # The shipped table's measured choice (docs/music-model.md, section 3): Spotify's own value
    # on both axes; the audio-only stack for rows without it.
    order, cand = {}, {}
    need_audio = False
    for axis in pipeline.AXES:
        cand[axis] = {"spotify": df[pipeline.LABEL[axis]].to_numpy(float)}
        order[axis] = ["spotify", "m2e_audio"]
        need_audio |= bool(np.isnan(cand[axis]["spotify"]).any())
    have_audio = df[audio.FEATURES].notna().all(axis=1).to_numpy()
    for axis in pipeline.AXES:
        cand[axis]["m2e_audio"] = np.full(len(df), np.nan)
    if need_audio and have_audio.any():
        seed = catalogue.load_seed(P("seed_lyric"))
        seed = seed.assign(nkey=[normalize.song_key(x, y) for x, y in zip(seed.artist, seed.track)])
        seed = seed.drop_duplicates("nkey")
        am = pipeline.AudioModel().fit(seed, a.fast, a.jobs)
        for axis in pipeline.AXES:
            cand[axis]["m2e_audio"][have_audio] = am.predict(df[have_audio], axis)
    vals, srcs = {}, {}
    for axis in pipeline.AXES:
        vals[axis], srcs[axis] = selection.choose(cand[axis], order[axis])
    missing = np.isnan(vals["valence"]) | np.isnan(vals["arousal"])
    if missing.any():
        raise SystemExit("%d rows have neither valence/energy nor the 8 audio features (first: row %d)"
                         % (missing.sum(), int(np.nonzero(missing)[0][0]) + 2))
    df["valence"], df["arousal"] = vals["valence"], vals["arousal"]
    df["va_source"] = [v + "/" + x for v, x in zip(srcs["valence"], srcs["arousal"])]
    ids, seen = [], {}
    for s, ar, tr in zip(df.spotify_id, df.artist, df.track):
        i = normalize.song_id(s if len(s) == 22 else "", normalize.song_key(ar, tr))
        seen[i] = seen.get(i, 0) + 1
        ids.append(i if seen[i] == 1 else "%s~%d" % (i, seen[i]))
    df["id"] = ids
    df["spotify_id"] = [s if len(s) == 22 else "" for s in df.spotify_id]
    n = writer.write(df, a.out)
    print("wrote %s: %d songs, %d bytes (%s)" % (a.out, len(df), n, df.va_source.value_counts().to_dict()),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
