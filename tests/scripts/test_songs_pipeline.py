"""The song-table pipeline on a small subset, end to end, twice: a valid table, same bytes.

    /usr/bin/python3 -m unittest tests/scripts/test_songs_pipeline.py    (~30 s)
"""
import csv
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shared_data import require_shared  # noqa: E402
from img2music_songs import paths  # noqa: E402

COLUMNS = ["id", "spotify_id", "artist", "track", "album", "genre", "subgenre", "year",
           "popularity", "valence", "arousal", "va_source"]


def build_small(out):
    cmd = [sys.executable, os.path.join(ROOT, "scripts", "build_song_table.py"),
           "--limit-seed", "300", "--limit-spotify", "1000", "--fast", "--quiet",
           "--out", out, "--report", ""]
    subprocess.run(cmd, check=True, cwd=ROOT)
    with open(out, "rb") as f:
        return f.read()


def check_table(test, data):
    text = data.decode("utf-8")
    test.assertFalse(text.startswith("\ufeff"))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    test.assertEqual(rows[0], COLUMNS)
    ids = set()
    for r in rows[1:]:
        test.assertEqual(len(r), len(COLUMNS))
        d = dict(zip(COLUMNS, r))
        test.assertTrue(d["artist"].strip() and d["track"].strip(), r)
        test.assertNotIn(d["id"], ids)
        ids.add(d["id"])
        test.assertTrue(d["spotify_id"] == "" or len(d["spotify_id"]) == 22, r)
        if d["spotify_id"]:
            test.assertEqual(d["id"], "sp:" + d["spotify_id"])
        else:
            test.assertRegex(d["id"], r"^h:[0-9a-f]{16}$")
        for k in ("valence", "arousal"):
            v = float(d[k])
            test.assertTrue(0.0 <= v <= 1.0, r)
        if d["year"]:
            test.assertTrue(1900 <= int(d["year"]) <= 2100)
        if d["popularity"]:
            test.assertTrue(0 <= int(d["popularity"]) <= 100)
        src = d["va_source"].split("/")
        test.assertEqual(len(src), 2, r)
        for s in src:
            test.assertIn(s, ("spotify", "blend", "m2e_stack", "m2e_audio"))
    return rows


class SmallPipeline(unittest.TestCase):
    def test_small_build_is_valid_and_deterministic(self):
        require_shared(self)
        with tempfile.TemporaryDirectory() as d:
            a = build_small(os.path.join(d, "a.csv"))
            b = build_small(os.path.join(d, "b.csv"))
        rows = check_table(self, a)
        # 300 seed songs + the unique songs among 1,000 Spotify rows, less the overlap
        self.assertGreater(len(rows) - 1, 1000)
        self.assertLess(len(rows) - 1, 1300)
        self.assertEqual(hashlib.sha256(a).hexdigest(), hashlib.sha256(b).hexdigest())


if __name__ == "__main__":
    unittest.main()
