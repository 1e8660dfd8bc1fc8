"""Smoke training on tiny subsets of both rated sets (20 OASIS + 20 Emotion6 images) for each
architecture, through the real CLI code (cross-validation, final training, export): the default
probe-only recipe and one fine-tuning epoch, emotions, per-dataset folds, plus determinism.

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
from img2music_model.train import Targets, predict_raw, train_net  # noqa: E402


def quiet(msg):
    pass


SMOKE = ["--limit", "20", "--views", "2", "--epochs", "1", "--folds", "5", "--threads", "2"]
# The shipped recipe's own settings (320 px, probe only) on the same tiny subsets.
PROBE = ["--limit", "20", "--folds", "5", "--threads", "2"]


class SmokeTrainingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.shared = require_shared()
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def check_model(self, path, arch, size, cv, emotions=0):
        m, meta = export.load(path)
        self.assertEqual(meta["arch"], arch)
        self.assertEqual(meta["preprocess"]["input_height"], size)
        rd = meta["reference_distribution"]
        self.assertEqual(len(rd["valence"]), 101)
        self.assertEqual(len(rd["arousal"]), 101)
        if cv:
            self.assertIn("out-of-fold", rd["description"])
            for name in ("oasis", "emotion6"):
                for ax in ("valence", "arousal"):
                    self.assertEqual(set(meta["metrics"]["cv"][name][ax]), {"pearson_r", "ccc", "rmse"})
        else:
            self.assertIn("NOT cross-validated", rd["description"])
        self.assertEqual(len(meta.get("emotions") or []), emotions)
        with torch.no_grad():
            y = m(torch.randn(3, 3, size, size))
        self.assertEqual(tuple(y.shape), (3, 2 + emotions))
        self.assertTrue(bool((y[:, :2] >= 0).all() and (y[:, :2] <= 1).all()))
        if emotions:
            self.assertTrue(bool((y[:, 2:] >= 0).all()))
            self.assertTrue(torch.allclose(y[:, 2:].sum(1), torch.ones(3), atol=1e-5))
        return meta

    def check_cv(self, cv, n_per_set):
        self.assertEqual(len(cv["oof"]), 2 * n_per_set)
        self.assertEqual(len(cv["folds"]), 5)
        by_set = {}
        for o in cv["oof"]:
            by_set.setdefault(o["dataset"], []).append(o)
        self.assertEqual(sorted(by_set), ["emotion6", "oasis"])
        # OASIS themes never straddle folds; Emotion6 folds are balanced within each folder
        fold_of = {}
        for o in by_set["oasis"]:
            g = data.theme_group(o["name"])
            self.assertEqual(fold_of.setdefault(g, o["fold"]), o["fold"])
        per_folder = {}
        for o in by_set["emotion6"]:
            per_folder.setdefault(o["name"].split("/")[0], []).append(o["fold"])
        for folds in per_folder.values():
            counts = np.bincount(folds, minlength=5)
            self.assertLessEqual(counts.max() - counts.min(), 1)
        for name in ("oasis", "emotion6"):
            self.assertIn("alone", cv["baselines"][name])
            self.assertIn("both_pooled", cv["baselines"][name])
            self.assertIn(name, cv["metrics"])
        self.assertLess(cv["emotions"]["model"]["kl"], 10)
        self.assertIn("baseline_training_mean", cv["emotions"])
        self.assertEqual(len(by_set["emotion6"][0]["emotions"]), 7)

    def test_mobilenet_cv_then_final(self):
        cvj = os.path.join(self.tmp.name, "cv_mn.json")
        out = os.path.join(self.tmp.name, "mn.pt")
        # final reuses the CV run's cache; 224 px and one fine-tuning epoch: the fine-tuning path
        cache = ["--cache-dir", os.path.join(self.tmp.name, "cache"), "--input-size", "224"]
        T.run_cv(T.parse_args(["--mode", "cv", "--shared", self.shared, "--cv-out", cvj] + SMOKE + cache), log=quiet)
        with open(cvj) as f:
            cv = json.load(f)
        self.check_cv(cv, 20)
        res = T.run_final(T.parse_args(["--mode", "final", "--shared", self.shared, "--cv-results", cvj,
                                        "--out", out] + SMOKE + cache), log=quiet)
        self.assertEqual(res["meta"]["training"]["final_epochs"], cv["final_epochs"])
        meta = self.check_model(out, "mobilenet_v1_075", 224, cv=True, emotions=7)
        self.assertEqual(meta["emotions"], list(data.EMOTIONS))
        self.assertIn("(rating - 1) / 8", meta["target_scale"]["description"])

    def test_probe_recipe_defaults(self):
        """The shipped recipe (320 px, two views, no fine-tuning) end to end, byte-identical twice."""
        cvj = os.path.join(self.tmp.name, "cv_probe.json")
        cache = ["--cache-dir", os.path.join(self.tmp.name, "cache_probe")]
        T.run_cv(T.parse_args(["--mode", "cv", "--shared", self.shared, "--cv-out", cvj] + PROBE + cache), log=quiet)
        with open(cvj) as f:
            cv = json.load(f)
        self.check_cv(cv, 20)
        self.assertEqual(cv["final_epochs"], 0)
        outs = []
        for k in range(2):
            outs.append(os.path.join(self.tmp.name, "probe%d.pt" % k))
            T.run_final(T.parse_args(["--mode", "final", "--shared", self.shared, "--cv-results", cvj,
                                      "--out", outs[-1]] + PROBE + cache), log=quiet)
        self.check_model(outs[0], "mobilenet_v1_075", 320, cv=True, emotions=7)
        with open(outs[0], "rb") as f0, open(outs[1], "rb") as f1:
            self.assertEqual(f0.read(), f1.read())

    def test_vgg19_bn_random_init_small_input(self):
        out = os.path.join(self.tmp.name, "vgg.pt")
        T.run_final(T.parse_args(["--mode", "final", "--arch", "vgg19_bn", "--random-init", "--input-size", "64",
                                  "--shared", self.shared, "--cv-results", os.path.join(self.tmp.name, "none.json"),
                                  "--out", out] + SMOKE), log=quiet)
        self.check_model(out, "vgg19_bn", 64, cv=False, emotions=7)

    def test_deterministic(self):
        a = T.parse_args(["--mode", "cv", "--shared", self.shared, "--arch", "vgg19_bn", "--random-init",
                          "--input-size", "32"] + SMOKE)
        S = T.setup(a, log=quiet)
        targets = Targets.of(S["corpus"])
        idx = np.arange(len(S["y"]))
        tr, va = idx[idx % 3 != 0], idx[idx % 3 == 0]
        hp = T.hp_of(a)
        preds = []
        for _ in range(2):
            net, _info = train_net(S["net"], S["maps"], S["taps"], targets, tr, va, hp, 0, quiet)
            preds.append(predict_raw(net, S["maps"], S["taps"], idx))
        self.assertTrue(np.array_equal(preds[0], preds[1]))


if __name__ == "__main__":
    unittest.main()
