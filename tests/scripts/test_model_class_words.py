"""Class-name word features (backbones.ClassWords): the ImageNet classifier's probabilities times
each class name's GloVe vector. Fast: a tiny GloVe file and a 3-class classifier, then the real
MobileNet build where ../shared is present.

Run: /usr/bin/python3 -m unittest tests/scripts/test_model_class_words.py
"""
import gzip
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

from img2music_model import backbones, data, export  # noqa: E402


def tiny_glove(folder):
    path = os.path.join(folder, "glove.txt.gz")
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("white 1 0 0\nshark 0 1 0\nroller 0 0 2\ncoaster 0 0 4\npillow 5 5 5\n")
    return path


class ClassNameVectorsTest(unittest.TestCase):
    def test_mean_of_the_first_name_with_words_else_zeros(self):
        with tempfile.TemporaryDirectory() as tmp:
            labels = ["great white shark, white shark, Carcharodon carcharias",  # first name: 'white', 'shark' (no 'great')
                      "tench, Tinca tinca, roller coaster",  # no word in the first two names: the third
                      "axolotl, Ambystoma mexicanum"]  # none at all
            v = backbones.class_name_vectors(labels, tiny_glove(tmp)).numpy()
        np.testing.assert_allclose(v[0], [0.5, 0.5, 0.0])
        np.testing.assert_allclose(v[1], [0.0, 0.0, 3.0])
        np.testing.assert_allclose(v[2], [0.0, 0.0, 0.0])

    def test_a_file_without_any_of_the_words_is_a_clear_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaisesRegex(ValueError, "none of the class names' words"):
                backbones.class_name_vectors(["axolotl, Ambystoma mexicanum"], tiny_glove(tmp))

    def test_glove_vectors_reads_only_the_words_asked(self):
        with tempfile.TemporaryDirectory() as tmp:
            got = data.glove_vectors(tiny_glove(tmp), {"shark", "pillow", "absent"})
        self.assertEqual(sorted(got), ["pillow", "shark"])
        np.testing.assert_allclose(got["pillow"], [5, 5, 5])


class ClassWordsModuleTest(unittest.TestCase):
    def test_probability_weighted_vectors_against_a_brute_force_sum(self):
        torch.manual_seed(3)
        classifier = torch.nn.Linear(6, 4)
        vectors = torch.randn(4, 5, dtype=torch.float64)
        words = backbones.ClassWords(classifier, vectors)
        g = torch.randn(7, 6)
        got = words(g)
        for i in range(7):
            logits = classifier(g[i]).detach().double()
            p = torch.exp(logits - logits.max())
            p /= p.sum()
            want = sum(p[k] * vectors[k] for k in range(4))
            np.testing.assert_allclose(got[i].numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
        # buffers, not parameters: fine-tuning never moves them, and they script and save
        self.assertEqual(list(words.parameters()), [])
        scripted = torch.jit.script(words)
        torch.testing.assert_close(scripted(g), got)

    def test_without_words_the_features_have_none(self):
        net, _ = backbones.build_vanet("mobilenet_v1_075", random_init=True, n_frozen=12, taps=[5, 11],
                                       class_words=True)
        self.assertFalse(backbones.uses_class_words(net))  # no ImageNet weights, no classifier
        m, t = net.frozen(torch.zeros(2, 3, 64, 64))
        self.assertEqual(net.features(m, t).shape[1], 768 + 192 + 384)


class MobileNetClassWordsTest(unittest.TestCase):
    def test_real_weights_add_100_word_dimensions_that_follow_the_picture(self):
        shared = require_shared(self)
        net, _ = backbones.build_vanet("mobilenet_v1_075", shared, n_frozen=12, taps=[5, 11], class_words=True)
        self.assertTrue(backbones.uses_class_words(net))
        self.assertEqual(tuple(net.words.vectors.shape), (1000, 100))
        # most class names have GloVe words (the rest are Latin or rare names)
        self.assertGreater(int((net.words.vectors.abs().sum(1) > 0).sum()), 850)  # 880 of 1,000
        from img2music_model.metadata import preprocess_block
        from img2music_model.preprocess import preprocess_file
        spec = preprocess_block(224, backbones.MOBILENET_PREPROCESS, "shorter_side", 224, "area")
        odir = data.oasis_dir(shared)
        x = torch.from_numpy(np.stack([preprocess_file(os.path.join(odir, "images", n + ".jpg"), spec)
                                       for n in ("Zebra 1", "Acorns 1")]))
        with torch.no_grad():
            m, t = net.frozen(x)
            z = net.features(m, t)
        self.assertEqual(z.shape[1], 768 + 192 + 384 + 100)
        glove = data.glove_vectors(data.glove_path(shared), {"zebra", "acorn"})
        words = z[:, -100:].double().numpy()

        def cos(a, b):
            return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
        self.assertGreater(cos(words[0], glove["zebra"]), cos(words[0], glove["acorn"]))
        self.assertGreater(cos(words[1], glove["acorn"]), cos(words[1], glove["zebra"]))
        with tempfile.TemporaryDirectory() as tmp:  # the scripted model carries them
            scripted = export.script_model(net)
            path = os.path.join(tmp, "w.pt")
            scripted.save(path)
            loaded = torch.jit.load(path)
            torch.testing.assert_close(loaded(x), net(x))


if __name__ == "__main__":
    unittest.main()
