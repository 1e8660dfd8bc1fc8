"""Bring-your-own catalogue (scripts/songs_from_features.py) and the key normalisation.

    /usr/bin/python3 -m unittest tests/scripts/test_songs_byo.py    (~30 s)
"""
import csv
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
from img2music_songs import normalize, paths  # noqa: E402

AUDIO = "danceability,key,loudness,mode,speechiness,instrumentalness,liveness,tempo"


class Normalisation(unittest.TestCase):
    def test_same_recording(self):
        k = normalize.song_key
        self.assertEqual(k("The Beatles", "Help! - Remastered 2009"), k("Beatles", "Help!"))
        self.assertEqual(k("Queen", "Bohemian Rhapsody - 2011 Remastered Version"), k("queen", "Bohemian Rhapsody"))
        self.assertEqual(k("Beyoncé feat. Jay-Z", "Crazy in Love [feat. Jay-Z]"), k("Beyonce", "Crazy In Love"))
        self.assertEqual(k("X", "Song (with Y) - Radio Edit"), k("X", "song"))
        self.assertEqual(k("A", "Don't Stop"), k("a", "Dont Stop"))

    def test_other_recordings_stay_apart(self):
        k = normalize.song_key
        self.assertNotEqual(k("X", "Song - Live"), k("X", "Song"))
        self.assertNotEqual(k("X", "Song - Kygo Remix"), k("X", "Song"))
        self.assertNotEqual(k("X", "Song - Acoustic"), k("X", "Song"))

    def test_ids(self):
        self.assertEqual(normalize.song_id("6f807x0ima9a1j3VPbc7VN", "x"), "sp:6f807x0ima9a1j3VPbc7VN")
        self.assertEqual(normalize.song_id("", "a\tb"), normalize.song_id("", "a\tb"))
        self.assertRegex(normalize.song_id("", "a\tb"), r"^h:[0-9a-f]{16}$")


class BringYourOwn(unittest.TestCase):
    def test_features_to_table(self):
        require_shared(self)
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "mine.csv")
            with open(src, "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["artist", "track"] + AUDIO.split(",") + ["valence", "energy"])
                # with Spotify valence/energy
                w.writerow(["Me", "Happy song", 0.8, 5, -5.0, 1, 0.05, 0.0, 0.1, 128.0, 0.9, 0.8])
                # audio features only: the audio-only regressor fills in
                w.writerow(["Me", "Other song", 0.3, 2, -14.0, 0, 0.04, 0.5, 0.1, 70.0, "", ""])
            out = os.path.join(d, "table.csv")
            subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "songs_from_features.py"),
                            src, "-o", out, "--fast"], check=True, cwd=ROOT,
                           stderr=subprocess.DEVNULL)
            with open(out, encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[0]["valence"], "0.9000")
        self.assertNotIn("m2e_audio", rows[0]["va_source"])
        self.assertEqual(rows[1]["va_source"], "m2e_audio/m2e_audio")
        for r in rows:
            self.assertTrue(0 <= float(r["valence"]) <= 1 and 0 <= float(r["arousal"]) <= 1)
            self.assertRegex(r["id"], r"^h:[0-9a-f]{16}$")


if __name__ == "__main__":
    unittest.main()
