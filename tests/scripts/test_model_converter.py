"""MobileNet v1 TF.js -> PyTorch conversion: ImageNet labels of two OASIS pictures.

Run: /usr/bin/python3 -m unittest tests/scripts/test_model_converter.py
Needs ../shared (or $IMG2MUSIC_SHARED): skipped without it, FAILS without it when CI=true.
"""
import os
import subprocess
import sys
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "scripts"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shared_data import require_shared  # noqa: E402

import torch  # noqa: E402

from img2music_model import backbones, data  # noqa: E402
from img2music_model.metadata import preprocess_block  # noqa: E402
from img2music_model.mobilenet_v1 import ConvBNReLU6, TFSamePad  # noqa: E402
from img2music_model.preprocess import preprocess_file  # noqa: E402


class TFSamePadTest(unittest.TestCase):
    def test_stride2_pads_bottom_right_only_for_even_input(self):
        x = torch.zeros(1, 1, 224, 224)
        self.assertEqual(tuple(TFSamePad(3, 2)(x).shape), (1, 1, 225, 225))
        x = torch.arange(16.0).reshape(1, 1, 4, 4)
        y = TFSamePad(3, 2)(x)
        self.assertTrue(torch.equal(y[0, 0, :4, :4], x[0, 0]))  # no pad on top/left
        self.assertEqual(float(y[0, 0, 4].abs().sum() + y[0, 0, :, 4].abs().sum()), 0.0)

    def test_stride1_symmetric(self):
        self.assertEqual(tuple(TFSamePad(3, 1)(torch.zeros(1, 1, 7, 7)).shape), (1, 1, 9, 9))
        self.assertEqual(tuple(TFSamePad(1, 1)(torch.zeros(1, 1, 7, 7)).shape), (1, 1, 7, 7))

    def test_stride1_layers_pad_inside_the_convolution_exactly_as_same_padding(self):
        # The layers skip the separate pad at stride 1 (a copy of the map) and let the
        # convolution pad: same numbers as TF "same" padding followed by an unpadded convolution,
        # odd and even sizes, depthwise and full, on seeded data.
        torch.manual_seed(0)
        for k, groups, size in ((3, 8, 9), (3, 8, 10), (1, 1, 7), (3, 1, 6)):
            layer = ConvBNReLU6(8, 8, k, 1, groups=groups).eval()
            self.assertIsInstance(layer.pad, torch.nn.Identity)
            x = torch.randn(2, 8, size, size)
            with torch.no_grad():
                reference = torch.nn.functional.conv2d(TFSamePad(k, 1)(x), layer.conv.weight, None, 1, 0, 1, groups)
                reference = torch.nn.functional.relu6(layer.bn(reference))
                self.assertTrue(torch.allclose(layer(x), reference, atol=1e-6), (k, groups, size))
        self.assertIsInstance(ConvBNReLU6(8, 8, 3, 2).pad, TFSamePad)  # stride 2: asymmetric


class ConverterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.shared = require_shared()
        from img2music_model.tfjs import mobilenet_from_tfjs, tfjs_labels
        torch.set_num_threads(2)
        cls.folder = data.mobilenet_dir(cls.shared)
        cls.net = mobilenet_from_tfjs(cls.folder, with_classifier=True)
        cls.labels = tfjs_labels(cls.folder)
        cls.spec = preprocess_block(224, backbones.MOBILENET_PREPROCESS)

    def top1(self, name):
        path = os.path.join(data.oasis_dir(self.shared), "images", name + ".jpg")
        x = torch.from_numpy(preprocess_file(path, self.spec))[None]
        with torch.no_grad():
            p = self.net(x).softmax(1)[0]
        i = int(p.argmax())
        return self.labels[i].split(",")[0].strip(), float(p[i])

    def test_acorn(self):
        label, p = self.top1("Acorns 1")
        self.assertEqual(label, "acorn")
        self.assertGreater(p, 0.5)

    def test_zebra(self):
        label, p = self.top1("Zebra 1")
        self.assertEqual(label, "zebra")
        self.assertGreater(p, 0.5)

    def test_shapes_and_parameter_count(self):
        self.assertEqual(len(self.labels), 1000)
        self.assertEqual(tuple(self.net.stem.conv.weight.shape), (24, 3, 3, 3))
        self.assertEqual(tuple(self.net.blocks[0].dw.conv.weight.shape), (24, 1, 3, 3))
        self.assertEqual(tuple(self.net.blocks[12].pw.conv.weight.shape), (768, 768, 1, 1))
        self.assertEqual(self.net.blocks[0].dw.bn.eps, 1e-3)
        # every converted number comes from the TF.js file and vice versa
        from img2music_model.tfjs import read_tfjs_weights
        total = sum(w.size for w in read_tfjs_weights(self.folder).values())
        n = sum(p.numel() for p in self.net.parameters()) + sum(b.numel() for n_, b in self.net.named_buffers()
                                                                 if not n_.endswith("num_batches_tracked"))
        self.assertEqual(n, total)

    def test_cli_check(self):
        img = os.path.join(data.oasis_dir(self.shared), "images", "Zebra 1.jpg")
        out = subprocess.run([sys.executable, os.path.join(REPO, "scripts", "convert_mobilenet.py"),
                              "--shared", self.shared, "--check", img],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(": zebra", out.stdout)


if __name__ == "__main__":
    unittest.main()
