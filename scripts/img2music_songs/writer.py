"""Deterministic CSV writer for data/songs.csv (UTF-8, RFC 4180, LF line ends, no BOM)."""
import csv
import io
import math

COLUMNS = ["id", "spotify_id", "artist", "track", "album", "genre", "subgenre", "year",
           "popularity", "valence", "arousal", "va_source"]


def _int(x):
    if x is None or (isinstance(x, float) and math.isnan(x)) or x == "":
        return ""
    return str(int(x))


def _text(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    # one physical line per record: a newline inside a title would be legal RFC 4180
    # but helps nobody
    return " ".join(str(x).split())


def to_bytes(df):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(COLUMNS)
    for r in df.itertuples(index=False):
        w.writerow([r.id, r.spotify_id, _text(r.artist), _text(r.track), _text(r.album),
                    _text(r.genre), _text(r.subgenre), _int(r.year), _int(r.popularity),
                    "%.4f" % r.valence, "%.4f" % r.arousal, r.va_source])
    return buf.getvalue().encode("utf-8")


def write(df, path):
    data = to_bytes(df)
    with open(path, "wb") as f:
        f.write(data)
    return len(data)
