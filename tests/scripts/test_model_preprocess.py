"""Python preprocessing mirror (scripts/img2music_model/preprocess.py) and its CLI.

Run: /usr/bin/python3 -m unittest tests/scripts/test_model_preprocess.py
The OASIS part needs ../shared: skipped without it, FAILS without it when CI=true.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "scripts"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shared_data import require_shared  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from img2music_model import data  # noqa: E402
from img2music_model import preprocess as pp  # noqa: E402

CLI = os.path.join(REPO, "scripts", "img2music_model", "preprocess.py")
MOBILENET = {"input_height": 224, "input_width": 224, "resize": "shorter_side", "resize_shorter": 224,
             "interpolation": "area", "pixel_scale": 1 / 127.5, "mean": [1.0, 1.0, 1.0], "std": [1.0, 1.0, 1.0]}
IDENT = {"input_height": 4, "input_width": 6, "resize": "stretch", "interpolation": "linear",
         "pixel_scale": 1.0, "mean": [0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0]}


class DecodeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, img):
        path = os.path.join(self.tmp.name, name)
        self.assertTrue(cv2.imwrite(path, img))
        return path

    def test_png_alpha_over_white_and_rgb_order(self):
        img = np.zeros((4, 6, 4), np.uint8)
        img[..., 2] = 255  # red (BGRA)
        img[..., 3] = 128
        img[0, 0, 3] = 0     # fully transparent -> white
        img[0, 1, 3] = 255   # opaque -> pure red
        rgb = pp.decode_file(self.write("a.png", img))
        self.assertEqual(rgb.shape, (4, 6, 3))
        self.assertEqual(tuple(rgb[1, 1]), (255, 127, 127))  # round(255*127/255) = 127
        self.assertEqual(tuple(rgb[0, 0]), (255, 255, 255))
        self.assertEqual(tuple(rgb[0, 1]), (255, 0, 0))

    def test_16bit_scaled_by_257(self):
        img = np.zeros((2, 3, 3), np.uint16)
        img[0, 0] = 65535
        img[0, 1] = 257 * 100
        img[0, 2] = 257 * 100 + 128  # 100.498 -> 100
        rgb = pp.decode_file(self.write("b.png", img))
        self.assertEqual(tuple(rgb[0, 0]), (255, 255, 255))
        self.assertEqual(tuple(rgb[0, 1]), (100, 100, 100))
        self.assertEqual(tuple(rgb[0, 2]), (100, 100, 100))

    def test_grey_png_and_jpeg_to_rgb(self):
        g = np.full((5, 5), 77, np.uint8)
        for name in ("g.png", "g.jpg"):
            rgb = pp.decode_file(self.write(name, g))
            self.assertEqual(rgb.shape, (5, 5, 3))
            self.assertTrue(np.all(rgb[..., 0] == rgb[..., 1]) and np.all(rgb[..., 1] == rgb[..., 2]))

    def test_grey_alpha_png(self):
        ga = np.zeros((2, 2, 2), np.uint8)  # grey + alpha (cv2 cannot write such a PNG): test the compositing
        ga[..., 0] = 0
        ga[..., 1] = 0
        rgb = pp._over_white(ga[..., :1], ga[..., 1])
        self.assertTrue(np.all(rgb == 255))

    def test_undecodable(self):
        path = os.path.join(self.tmp.name, "x.jpg")
        with open(path, "wb") as f:
            f.write(b"\xff\xd8 not really a jpeg")
        with self.assertRaises(pp.DecodeError):
            pp.decode_file(path)


class ResizeNormaliseTest(unittest.TestCase):
    def test_shorter_side_crop_offsets(self):
        rgb = np.random.RandomState(0).randint(0, 256, (400, 500, 3)).astype(np.uint8)
        out = pp.resize_rgb(rgb, MOBILENET)
        ref = cv2.resize(rgb, (280, 224), interpolation=cv2.INTER_AREA)[:, 28:252]
        self.assertTrue(np.array_equal(out, ref))
        # portrait 500x333: width -> 224, height round(500*224/333 = 336.34) = 336, offset 56
        rgb = np.random.RandomState(1).randint(0, 256, (500, 333, 3)).astype(np.uint8)
        out = pp.resize_rgb(rgb, MOBILENET)
        ref = cv2.resize(rgb, (224, 336), interpolation=cv2.INTER_AREA)[56:280]
        self.assertTrue(np.array_equal(out, ref))

    def test_round_half_up_and_floor_offset(self):
        # 224 x 225 -> shorter 100: longer = 225*100/224 = 100.446 -> 100; 200x301 -> 150.5 -> 151
        spec = dict(MOBILENET, input_height=100, input_width=100, resize_shorter=100)
        rgb = np.zeros((200, 301, 3), np.uint8)
        rgb[:, 150:] = 255
        ref = cv2.resize(rgb, (151, 100), interpolation=cv2.INTER_AREA)[:, 25:125]
        self.assertTrue(np.array_equal(pp.resize_rgb(rgb, spec), ref))

    def test_stretch_linear(self):
        rgb = np.random.RandomState(2).randint(0, 256, (40, 30, 3)).astype(np.uint8)
        out = pp.resize_rgb(rgb, IDENT)
        self.assertTrue(np.array_equal(out, cv2.resize(rgb, (6, 4), interpolation=cv2.INTER_LINEAR)))

    def test_normalise_values_chw(self):
        spec = dict(IDENT, pixel_scale=1 / 255.0, mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
        rgb = np.zeros((4, 6, 3), np.uint8)
        rgb[..., 0], rgb[..., 1], rgb[..., 2] = 255, 0, 128
        x = pp.preprocess_rgb(rgb, spec)
        self.assertEqual(x.shape, (3, 4, 6))
        self.assertEqual(x.dtype, np.float32)
        self.assertAlmostEqual(float(x[0, 0, 0]), (1 - 0.485) / 0.229, places=5)
        self.assertAlmostEqual(float(x[1, 0, 0]), (0 - 0.456) / 0.224, places=5)
        self.assertAlmostEqual(float(x[2, 0, 0]), (128 / 255 - 0.406) / 0.225, places=5)
        m = pp.preprocess_rgb(rgb, dict(IDENT, pixel_scale=1 / 127.5, mean=[1, 1, 1], std=[1, 1, 1]))
        self.assertAlmostEqual(float(m[0, 0, 0]), 1.0, places=6)
        self.assertAlmostEqual(float(m[1, 0, 0]), -1.0, places=6)

    def test_bad_specs(self):
        for bad in (dict(MOBILENET, resize_shorter=200), dict(MOBILENET, resize="crop"),
                    dict(MOBILENET, interpolation="cubic"), dict(MOBILENET, std=[1, 0, 1]),
                    dict(MOBILENET, pixel_scale=0), dict(MOBILENET, input_height=0),
                    dict(MOBILENET, mean=[0, 0])):
            with self.assertRaises(ValueError):
                pp.check_spec(bad)


class CLITest(unittest.TestCase):
    def test_npy_and_raw_outputs(self):
        with tempfile.TemporaryDirectory() as tmp:
            img = np.random.RandomState(3).randint(0, 256, (60, 80, 3)).astype(np.uint8)
            src = os.path.join(tmp, "in.png")
            cv2.imwrite(src, img)
            spec = dict(MOBILENET, input_height=32, input_width=32, resize_shorter=40)
            ref = pp.preprocess_file(src, spec)
            whole = json.dumps({"format": "img2music-model", "preprocess": spec})
            for out_name, spec_text in (("o.npy", json.dumps(spec)), ("o.bin", whole)):
                out = os.path.join(tmp, out_name)
                r = subprocess.run([sys.executable, CLI, "--spec", spec_text, src, out],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
                self.assertEqual(r.returncode, 0, r.stderr)
                got = np.load(out) if out_name.endswith(".npy") else \
                    np.fromfile(out, dtype="<f4").reshape(3, 32, 32)
                self.assertTrue(np.array_equal(got, ref))
            r = subprocess.run([sys.executable, CLI, "--spec", '{"resize": "x"}', src, os.path.join(tmp, "z")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            self.assertEqual(r.returncode, 2)
            r = subprocess.run([sys.executable, CLI, "--spec", json.dumps(spec), os.path.join(tmp, "none.png"),
                                os.path.join(tmp, "z")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            self.assertEqual(r.returncode, 1)


class OasisImagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.shared = require_shared()

    def test_monkey3_is_png_with_alpha(self):
        path = os.path.join(data.oasis_dir(self.shared), "images", "Monkey 3.jpg")
        with open(path, "rb") as f:
            self.assertEqual(f.read(4), b"\x89PNG")
        rgb = pp.decode_file(path)
        self.assertEqual(rgb.shape, (400, 500, 3))
        x = pp.preprocess_file(path, MOBILENET)
        self.assertEqual(x.shape, (3, 224, 224))
        self.assertTrue(np.all(np.isfinite(x)) and x.min() >= -1 and x.max() <= 1)

    def test_oasis_table(self):
        rows = data.load_oasis(data.oasis_dir(self.shared))
        self.assertEqual(len(rows), 900)
        self.assertTrue(all(os.path.isfile(r["path"]) for r in rows))
        names = {r["name"] for r in rows}
        self.assertIn("Crosswalk 1", names)
        self.assertIn("War 2", names)
        groups = {r["group"] for r in rows}
        self.assertIn("Beach", groups)
        self.assertNotIn("Beach 1", groups)


if __name__ == "__main__":
    unittest.main()
