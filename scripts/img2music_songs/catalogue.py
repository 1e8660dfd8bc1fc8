"""The catalogue: the 4,096 seed songs merged with the TidyTuesday Spotify table.

1. Spotify rows are de-duplicated by ``track_id`` (a track appears once per playlist;
   the first appearance in file order gives genre/subgenre).
2. Then by normalised artist + title (``normalize.song_key``), keeping the most popular
   (ties: first in file order).
3. Seed songs are de-duplicated by the same key (first kept) and matched to the Spotify
   songs by it: a match contributes spotify_id, genre, subgenre, year and popularity and
   becomes one row (the seed's artist/track/album text and audio features are kept, since
   the lyric features belong to them).

Row order: seed songs in seed order, then the remaining Spotify songs in file order.
"""
import numpy as np
import pandas as pd

from . import normalize

AUDIO_COLUMNS = ["danceability", "energy", "key", "loudness", "mode", "speechiness",
                 "instrumentalness", "liveness", "valence", "tempo"]


def load_spotify(path, limit=None):
    df = pd.read_csv(path, dtype={"track_id": str}, keep_default_na=False, na_values=[""])
    if limit is not None:
        df = df.iloc[:limit]
    df = df.dropna(subset=["track_id", "track_name", "track_artist"])
    df = df[(df.track_name.str.strip() != "") & (df.track_artist.str.strip() != "")]
    df = df.drop_duplicates("track_id", keep="first").reset_index(drop=True)
    df["order"] = np.arange(len(df))
    df["nkey"] = [normalize.song_key(a, t) for a, t in zip(df.track_artist, df.track_name)]
    # keep the most popular per key; ties -> first in file order (stable sort)
    df = df.sort_values(["nkey", "track_popularity", "order"], ascending=[True, False, True],
                        kind="mergesort")
    df = df.drop_duplicates("nkey", keep="first").sort_values("order", kind="mergesort")
    year = pd.to_numeric(df.track_album_release_date.astype(str).str[:4], errors="coerce")
    out = pd.DataFrame({
        "spotify_id": df.track_id.values,
        "artist": df.track_artist.str.strip().values,
        "track": df.track_name.str.strip().values,
        "album": df.track_album_name.fillna("").astype(str).str.strip().values,
        "genre": df.playlist_genre.fillna("").values,
        "subgenre": df.playlist_subgenre.fillna("").values,
        "year": year.values,
        "popularity": df.track_popularity.values.astype(float),
        "nkey": df.nkey.values,
        "acousticness": df.acousticness.values.astype(float),
    })
    for c in AUDIO_COLUMNS:
        out[c] = df[c].values.astype(float)
    return out.reset_index(drop=True)


def load_seed(path, limit=None):
    """Seed rows with their positional index (the seed CSVs are row-aligned)."""
    df = pd.read_csv(path, keep_default_na=False)
    df["seed_index"] = np.arange(len(df))
    if limit is not None:
        df = df.iloc[:limit]
    return df


def build(seed, spotify):
    """Merge; returns the catalogue DataFrame (internal columns included)."""
    seed = seed.copy()
    seed["nkey"] = [normalize.song_key(a, t) for a, t in zip(seed.artist, seed.track)]
    seed = seed.drop_duplicates("nkey", keep="first")
    by_key = spotify.set_index("nkey")
    # secondary match: first credited artist + title, when that pair is unique on both sides
    def k2(k):
        a, t = k.split("\t", 1)
        return normalize.first_artist(a) + "\t" + t
    sp_k2 = pd.Series(spotify.nkey.values, index=[k2(k) for k in spotify.nkey])
    sp_k2 = sp_k2[~sp_k2.index.duplicated(keep=False)]
    seed_k2 = pd.Series([k2(k) for k in seed.nkey], index=seed.index)
    uniq2 = ~seed_k2.duplicated(keep=False)
    exact = seed.nkey.isin(by_key.index)
    alt = (~exact) & uniq2 & seed_k2.isin(sp_k2.index)
    seed.loc[alt, "nkey"] = sp_k2.loc[seed_k2[alt]].values
    seed = seed.drop_duplicates("nkey", keep="first")
    matched = seed.nkey.isin(by_key.index).values
    rows = pd.DataFrame({
        "spotify_id": "",
        "artist": seed.artist.str.strip().values,
        "track": seed.track.str.strip().values,
        "album": seed.album.astype(str).str.strip().values,
        "genre": "", "subgenre": "",
        "year": np.nan, "popularity": np.nan,
        "nkey": seed.nkey.values,
        "acousticness": np.nan,
        "seed_index": seed.seed_index.values,
    })
    for c in AUDIO_COLUMNS:
        rows[c] = seed[c].values.astype(float)
    if matched.any():
        m = by_key.loc[seed.nkey.values[matched]]
        for c in ["spotify_id", "genre", "subgenre", "year", "popularity", "acousticness"]:
            rows.loc[matched, c] = m[c].values
    rest = spotify[~spotify.nkey.isin(set(seed.nkey))].copy()
    rest["seed_index"] = -1
    cat = pd.concat([rows, rest[rows.columns]], ignore_index=True)
    cat["id"] = [normalize.song_id(s, k) for s, k in zip(cat.spotify_id, cat.nkey)]
    dup = cat.id.duplicated()
    if dup.any():  # cannot happen with the key de-duplication above; keep it honest
        raise RuntimeError("duplicate ids: %s" % list(cat.id[dup][:5]))
    cat["seed_index"] = cat.seed_index.astype(int)
    return cat
