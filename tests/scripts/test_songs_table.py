"""The shipped data/songs.csv: schema, ranges, unique ids, nothing but ids/metadata/VA, and
its agreement with the Deezer listeners (needs ../shared).

    /usr/bin/python3 -m unittest tests/scripts/test_songs_table.py    (~5 s)
"""
import csv
import io
import os
import sys
import unittest

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shared_data import require_shared  # noqa: E402
from img2music_songs import calibration, paths  # noqa: E402

TABLE = os.path.join(ROOT, "data", "songs.csv")
COLUMNS = ["id", "spotify_id", "artist", "track", "album", "genre", "subgenre", "year",
           "popularity", "valence", "arousal", "va_source"]
SOURCES = ("spotify", "blend", "m2e_stack", "m2e_audio")


def load():
    with open(TABLE, "rb") as f:
        data = f.read()
    return data, list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


class ShippedTable(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data, rows = load()
        cls.header, cls.rows = rows[0], rows[1:]
        cls.dicts = [dict(zip(cls.header, r)) for r in cls.rows]

    def test_schema(self):
        self.assertFalse(self.data.startswith(b"\xef\xbb\xbf"))
        self.assertNotIn(b"\r", self.data)
        self.assertEqual(self.header, COLUMNS)
        for r in self.rows:
            self.assertEqual(len(r), len(COLUMNS), r)
        # one physical line per record (no newlines inside fields)
        self.assertEqual(self.data.count(b"\n"), len(self.rows) + 1)

    def test_size(self):
        self.assertGreater(len(self.rows), 25000)
        self.assertLess(len(self.rows), 32000)
        self.assertLess(len(self.data), 6 * 1024 * 1024)

    def test_ids_unique_and_stable_form(self):
        ids = [d["id"] for d in self.dicts]
        self.assertEqual(len(ids), len(set(ids)))
        for d in self.dicts:
            if d["spotify_id"]:
                self.assertEqual(len(d["spotify_id"]), 22)
                self.assertEqual(d["id"], "sp:" + d["spotify_id"])
            else:
                self.assertRegex(d["id"], r"^h:[0-9a-f]{16}$")
        sp = [d["spotify_id"] for d in self.dicts if d["spotify_id"]]
        self.assertEqual(len(sp), len(set(sp)))

    def test_values(self):
        for d in self.dicts:
            self.assertTrue(d["artist"].strip() and d["track"].strip(), d)
            for k in ("valence", "arousal"):
                v = float(d[k])
                self.assertTrue(0.0 <= v <= 1.0, d)
            if d["year"]:
                self.assertTrue(1900 <= int(d["year"]) <= 2100, d)
            if d["popularity"]:
                self.assertTrue(0 <= int(d["popularity"]) <= 100, d)
            src = d["va_source"].split("/")
            self.assertEqual(len(src), 2, d)
            for s in src:
                self.assertIn(s, SOURCES)

    def test_no_long_text(self):
        # ids, metadata and VA only: no field looks like a lyric
        for r in self.rows:
            for x in r:
                self.assertLess(len(x), 300, r)

    def test_agrees_with_deezer_listeners(self):
        require_shared(self)
        sys.path.insert(0, os.path.join(ROOT, "scripts"))
        import pandas as pd
        from img2music_songs import normalize
        dz = pd.read_csv(paths.shared_path("deezer"), dtype={"spotify_track_id": str})
        by_id = {d["spotify_id"]: d for d in self.dicts if d["spotify_id"]}
        by_key = {normalize.song_key(d["artist"], d["track"]): d for d in self.dicts}
        v, a, hv, ha = [], [], [], []
        for r in dz.itertuples(index=False):
            d = by_id.get(r.spotify_track_id) or by_key.get(normalize.song_key(r.artist, r.track))
            if d:
                v.append(float(d["valence"]))
                a.append(float(d["arousal"]))
                hv.append(r.human_valence)
                ha.append(r.human_arousal)
        self.assertGreater(len(v), 1000)
        self.assertGreaterEqual(calibration.pearson(v, hv), 0.40)
        self.assertGreaterEqual(calibration.pearson(a, ha), 0.38)


if __name__ == "__main__":
    unittest.main()
