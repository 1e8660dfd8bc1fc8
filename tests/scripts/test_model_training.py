"""One-epoch smoke training on 20 OASIS images for each architecture, through the real CLI code
(cross-validation, final training, export), plus determinism.

Run: /usr/bin/python3 -m unittest tests/scripts/test_model_training.py
Needs ../shared: skipped without it, FAILS without it when CI=true.
"""
import json
import os
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "scripts"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shared_data import require_shared  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import train_va_model as T  # noqa: E402
from img2music_model import data, export  # noqa: E402
from img2music_model.train import predict_cached, train_net  # noqa: E402


def quiet(msg):
    pass


SMOKE = ["--limit", "20", "--views", "2", "--epochs", "1", "--folds", "5", "--threads", "2"]


class SmokeTrainingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.shared = require_shared()
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def check_model(self, path, arch, size, cv):
        m, meta = export.load(path)
        self.assertEqual(meta["arch"], arch)
        self.assertEqual(meta["preprocess"]["input_height"], size)
        rd = meta["reference_distribution"]
        self.assertEqual(len(rd["valence"]), 101)
        self.assertEqual(len(rd["arousal"]), 101)
        if cv:
            self.assertIn("out-of-fold", rd["description"])
            for ax in ("valence", "arousal"):
                self.assertEqual(set(meta["metrics"]["cv"][ax]), {"pearson_r", "ccc", "rmse"})
        else:
            self.assertIn("NOT cross-validated", rd["description"])
        with torch.no_grad():
            y = m(torch.randn(3, 3, size, size))
        self.assertEqual(tuple(y.shape), (3, 2))
        self.assertTrue(bool((y >= 0).all() and (y <= 1).all()))

    def test_mobilenet_cv_then_final(self):
        cvj = os.path.join(self.tmp.name, "cv_mn.json")
        out = os.path.join(self.tmp.name, "mn.pt")
        cache = ["--cache-dir", os.path.join(self.tmp.name, "cache")]  # final reuses the CV run's cache
        T.run_cv(T.parse_args(["--mode", "cv", "--shared", self.shared, "--cv-out", cvj] + SMOKE + cache), log=quiet)
        with open(cvj) as f:
            cv = json.load(f)
        self.assertEqual(len(cv["oof"]), 20)
        self.assertEqual(len(cv["folds"]), 5)
        # theme groups never straddle folds
        fold_of = {}
        for o in cv["oof"]:
            g = data.theme_group(o["name"])
            self.assertEqual(fold_of.setdefault(g, o["fold"]), o["fold"])
        self.assertIn("frozen_last_layer_gap_ridge", cv["baselines"])
        res = T.run_final(T.parse_args(["--mode", "final", "--shared", self.shared, "--cv-results", cvj,
                                        "--out", out] + SMOKE + cache), log=quiet)
        self.assertEqual(res["meta"]["training"]["final_epochs"], cv["final_epochs"])
        self.check_model(out, "mobilenet_v1_075", 224, cv=True)

    def test_vgg19_bn_random_init_small_input(self):
        out = os.path.join(self.tmp.name, "vgg.pt")
        T.run_final(T.parse_args(["--mode", "final", "--arch", "vgg19_bn", "--random-init", "--input-size", "64",
                                  "--shared", self.shared, "--cv-results", os.path.join(self.tmp.name, "none.json"),
                                  "--out", out] + SMOKE), log=quiet)
        self.check_model(out, "vgg19_bn", 64, cv=False)

    def test_deterministic(self):
        a = T.parse_args(["--mode", "cv", "--shared", self.shared, "--arch", "vgg19_bn", "--random-init",
                          "--input-size", "32"] + SMOKE)
        S = T.setup(a, log=quiet)
        idx = np.arange(14)
        hp = T.hp_of(a)
        preds = []
        for _ in range(2):
            net, _info = train_net(S["net"], S["maps"], S["taps"], S["y"], idx[:10], idx[10:], hp, 0, quiet)
            preds.append(predict_cached(net, S["maps"], S["taps"], np.arange(20)))
        self.assertTrue(np.array_equal(preds[0], preds[1]))


if __name__ == "__main__":
    unittest.main()
