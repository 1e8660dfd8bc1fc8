"""TorchScript export round trip, metadata schema, reproducible files, and the shipped model.

Run: /usr/bin/python3 -m unittest tests/scripts/test_model_export.py
The shipped-model and ImageNet-backbone parts need ../shared / models/img2music.pt: skipped
without ../shared, FAIL without it when CI=true.
"""
import copy
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import unittest
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "scripts"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shared_data import require_shared  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import export_model  # noqa: E402
from img2music_model import data, export, metadata  # noqa: E402
from img2music_model.preprocess import preprocess_file  # noqa: E402

SHIPPED = os.path.join(REPO, "models", "img2music.pt")
REQUIRED_TOP = ("format", "format_version", "name", "arch", "outputs", "preprocess")
REQUIRED_PP = ("input_height", "input_width", "resize", "interpolation", "pixel_scale", "mean", "std")


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class RoundTripTest(unittest.TestCase):
    def setUp(self):
        torch.set_num_threads(2)
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def roundtrip(self, net, meta, size):
        path = os.path.join(self.tmp.name, "m.pt")
        export.save(net, meta, path)
        m, meta2 = export.load(path)
        self.assertEqual(meta2, json.loads(metadata.dumps(meta)))
        with zipfile.ZipFile(path) as z:  # the way any zip reader sees it
            names = [n for n in z.namelist() if n.endswith("/extra/img2music.json")]
            self.assertEqual(len(names), 1)
            self.assertEqual(json.loads(z.read(names[0]).decode()), meta2)
            self.assertFalse(any(n.endswith(".debug_pkl") for n in z.namelist()))
        x = torch.randn(3, 3, size, size, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            eager, scripted = net(x), m(x)
        self.assertEqual(tuple(scripted.shape), (3, 2))
        self.assertEqual(scripted.dtype, torch.float32)
        self.assertLessEqual(float((eager - scripted).abs().max()), 1e-4)
        # no dependence on batch composition
        with torch.no_grad():
            self.assertLessEqual(float((m(x[:1]) - scripted[:1]).abs().max()), 1e-5)
        return path

    def test_vgg19_bn_random_init(self):
        net, meta = export_model.build_untrained("vgg19_bn", 48, random_init=True)
        self.roundtrip(net, meta, 48)

    def test_mobilenet_random_init_no_tta(self):
        net, meta = export_model.build_untrained("mobilenet_v1_075", 96, random_init=True, tta=False)
        self.roundtrip(net, meta, 96)

    def test_mobilenet_imagenet_on_real_image(self):
        shared = require_shared()
        net, meta = export_model.build_untrained("mobilenet_v1_075", 224, random_init=False, shared=shared)
        path = self.roundtrip(net, meta, 224)
        m, _ = export.load(path)
        img = os.path.join(data.oasis_dir(shared), "images", "Monkey 3.jpg")
        x = torch.from_numpy(preprocess_file(img, meta["preprocess"]))[None]
        with torch.no_grad():
            self.assertLessEqual(float((net(x) - m(x)).abs().max()), 1e-4)

    def test_cli_reproducible_bytes(self):
        outs = []
        for i in range(2):
            out = os.path.join(self.tmp.name, "r%d.pt" % i)
            r = subprocess.run([sys.executable, os.path.join(REPO, "scripts", "export_model.py"), "--arch",
                                "mobilenet_v1_075", "--random-init", "--input-size", "64", "--out", out],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            outs.append(out)
        # same archive root name for both files to compare bytes: copy under one name
        with zipfile.ZipFile(outs[0]) as a, zipfile.ZipFile(outs[1]) as b:
            self.assertEqual([n.split("/", 1)[1] for n in a.namelist()], [n.split("/", 1)[1] for n in b.namelist()])
            for na, nb in zip(a.namelist(), b.namelist()):
                self.assertEqual(a.read(na), b.read(nb), na)
        _, meta = export.load(outs[0])
        self.assertEqual(meta["reference_distribution"]["description"], "uniform placeholder (untrained model)")


class MetadataSchemaTest(unittest.TestCase):
    def good(self):
        pp = metadata.preprocess_block(224, {"pixel_scale": 1 / 127.5, "mean": [1, 1, 1], "std": [1, 1, 1]})
        q = [i / 100 for i in range(101)]
        return metadata.build("n", "mobilenet_v1_075", pp, {"seed": 0},
                              reference_distribution={"valence": q, "arousal": list(q)})

    def test_good_passes(self):
        meta = self.good()
        metadata.validate(meta)
        self.assertEqual(meta["provenance"]["training_script"], "scripts/train_va_model.py")

    def test_bad_rejected(self):
        breakers = [
            lambda m: m.update(format="x"), lambda m: m.update(format_version=2),
            lambda m: m.update(format_version=True), lambda m: m.update(name=""),
            lambda m: m.pop("arch"), lambda m: m.update(outputs=["arousal", "valence"]),
            lambda m: m["preprocess"].pop("std"), lambda m: m["preprocess"].update(resize_shorter=100),
            lambda m: m["preprocess"].update(input_width=5000), lambda m: m["preprocess"].update(std=[1, -1, 1]),
            lambda m: m["preprocess"].update(mean=[1, float("nan"), 1]),
            lambda m: m["reference_distribution"]["valence"].reverse(),
            lambda m: m["reference_distribution"].update(arousal=[0.5]),
            lambda m: m["reference_distribution"]["arousal"].__setitem__(3, float("inf")),
        ]
        for i, brk in enumerate(breakers):
            m = copy.deepcopy(self.good())
            brk(m)
            with self.assertRaises(ValueError, msg="breaker %d" % i):
                metadata.validate(m)


class ShippedModelTest(unittest.TestCase):
    """models/img2music.pt: the file the C++ binary loads by default."""

    @classmethod
    def setUpClass(cls):
        cls.shared = require_shared()
        if not os.path.isfile(SHIPPED):
            raise AssertionError("%s missing: build it with scripts/train_va_model.py --mode final" % SHIPPED)
        cls.model, cls.meta = export.load(SHIPPED)

    def test_size(self):
        self.assertLessEqual(os.path.getsize(SHIPPED), 15 * 1024 * 1024)

    def test_metadata_fields(self):
        m = self.meta
        for k in REQUIRED_TOP:
            self.assertIn(k, m)
        for k in REQUIRED_PP:
            self.assertIn(k, m["preprocess"])
        self.assertEqual(m["arch"], "mobilenet_v1_075")
        rd = m["reference_distribution"]
        for ax in ("valence", "arousal"):
            q = rd[ax]
            self.assertEqual(len(q), 101)
            self.assertTrue(all(q[i] <= q[i + 1] for i in range(100)))
            self.assertTrue(0.0 <= q[0] and q[100] <= 1.0)
            for name in ("emotion6", "oasis"):
                for k in ("pearson_r", "ccc", "rmse"):
                    self.assertIn(k, m["metrics"]["cv"][name][ax])
        self.assertIn("out-of-fold", rd["description"])
        ts = m["target_scale"]
        self.assertLess(ts["valence"]["min"], ts["valence"]["max"])
        self.assertIn("Emotion6", ts["description"])  # the everyday-photo scale
        self.assertEqual(m["emotions"], list(data.EMOTIONS))
        for k in ("training_script", "script_version", "data", "data_sha256", "backbone_weights", "seed"):
            self.assertIn(k, m["provenance"])
        by_set = m["provenance"]["data_sha256_by_dataset"]
        odir, edir = data.oasis_dir(self.shared), data.emotion6_dir(self.shared)
        self.assertEqual(by_set["oasis"], data.data_sha256(odir, data.load_oasis(odir)))
        self.assertEqual(by_set["emotion6"], data.emotion6_sha256(edir, data.load_emotion6(edir)))
        self.assertNotIn("time", json.dumps(m).lower().replace("timing", ""))

    def test_outputs_on_real_images(self):
        odir = os.path.join(data.oasis_dir(self.shared), "images")
        names = ["Acorns 1", "Zebra 1", "Monkey 3"]
        x = torch.from_numpy(np.stack([preprocess_file(os.path.join(odir, n + ".jpg"), self.meta["preprocess"])
                                       for n in names]))
        with torch.no_grad():
            y = self.model(x)
            y1 = self.model(x[1:2])
        self.assertEqual(tuple(y.shape), (3, 2 + len(data.EMOTIONS)))
        self.assertTrue(bool(torch.isfinite(y).all() and (y >= 0).all() and (y <= 1).all()))
        self.assertTrue(torch.allclose(y[:, 2:].sum(1), torch.ones(3), atol=1e-5))
        self.assertLessEqual(float((y[1] - y1[0]).abs().max()), 1e-5)


if __name__ == "__main__":
    unittest.main()
