#!/usr/bin/python3
"""Convert the Keras MobileNet v1 (alpha 0.75, 224) TF.js layers folder into a PyTorch state dict.

    /usr/bin/python3 scripts/convert_mobilenet.py [--src DIR] [--out build/mobilenet_v1_075.pth]
        [--check IMAGE ...]

--src defaults to <shared>/weights/mobilenet_v1_0.75_224_tfjs (shared: --shared, $IMG2MUSIC_SHARED,
or <repo>/../shared). --check prints the top-3 ImageNet labels of images (contract preprocessing,
x / 127.5 - 1). The training script converts on the fly; the .pth file is only a convenience and
must not be committed (derived from third-party weights, kept out of the repository).
Load it with: net = MobileNetV1(0.75, 1000); net.load_state_dict(torch.load(path)).
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from img2music_model import backbones, data  # noqa: E402
from img2music_model.metadata import preprocess_block  # noqa: E402
from img2music_model.preprocess import preprocess_file  # noqa: E402
from img2music_model.tfjs import mobilenet_from_tfjs, tfjs_labels  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shared", default=None)
    p.add_argument("--src", default=None)
    p.add_argument("--out", default=None)
    p.add_argument("--check", nargs="*", default=[])
    a = p.parse_args(argv)
    src = a.src or data.mobilenet_dir(data.shared_dir(a.shared))
    net = mobilenet_from_tfjs(src, with_classifier=True)
    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        torch.save(net.state_dict(), a.out)
        print("wrote %s" % a.out)
    if a.check:
        labels = tfjs_labels(src)
        spec = preprocess_block(224, backbones.MOBILENET_PREPROCESS)
        for path in a.check:
            x = torch.from_numpy(preprocess_file(path, spec))[None]
            with torch.no_grad():
                prob = net(x).softmax(1)[0]
            v, i = prob.topk(3)
            print("%s: %s" % (path, "; ".join("%s %.3f" % (labels[j], float(q)) for q, j in zip(v, i))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
