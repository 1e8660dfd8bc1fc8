#!/usr/bin/python3
"""Export an *untrained* img2music model (random or ImageNet backbone, random head) as TorchScript
with valid img2music.json metadata — for plumbing tests of the C++ binary, not for use.

    /usr/bin/python3 scripts/export_model.py --arch vgg19_bn --random-init --input-size 64 --out X.pt
    /usr/bin/python3 scripts/export_model.py --arch mobilenet_v1_075 --out X.pt   # ImageNet backbone

The trained, shipped model is made by scripts/train_va_model.py --mode final.
A small --input-size (>= 32) keeps the vgg19_bn file fast to run (the file is ~80 MB: its
20 M convolution weights). The reference distribution is a uniform placeholder
(linspace(0, 1, 101)) unless --no-reference.
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from img2music_model import backbones, data, export, metadata  # noqa: E402

DEFAULT_FREEZE_TAPS = {"mobilenet_v1_075": (12, [5, 11]), "vgg19_bn": (4, [2, 3])}


def build_untrained(arch, input_size=224, random_init=True, backbone_weights=None, shared=None, seed=0,
                    tta=True, vgg_head="pooled"):
    """-> (net in eval mode, metadata dict without reference distribution)."""
    arch = backbones.canonical_arch(arch)
    freeze, taps = DEFAULT_FREEZE_TAPS[arch]
    net, prov = backbones.build_vanet(arch, shared, backbone_weights, random_init, freeze, taps, vgg_head,
                                      0.2, tta, seed)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        x = torch.randn(8, 3, input_size, input_size, generator=g)
        m, t = net.frozen(x)
        net.head.set_standardisation(net.features(m, t))
        last = net.head.fc[-1]
        last.weight.copy_(torch.randn(last.weight.shape, generator=g) * (0.1 / last.weight.shape[1] ** 0.5))
        last.bias.fill_(0.5)
    norm = backbones.MOBILENET_PREPROCESS if arch == "mobilenet_v1_075" else backbones.IMAGENET_PREPROCESS
    spec = metadata.preprocess_block(input_size, norm, "shorter_side", input_size, "area")
    name = "%s-untrained%s" % (arch, "-random-init" if random_init else "")
    meta = metadata.build(name, arch, spec, {"data": "none (untrained head)", "backbone_weights": prov,
                                             "seed": seed, "training_script": "scripts/export_model.py"})
    return net.eval(), meta


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", default="vgg19_bn")
    p.add_argument("--random-init", action="store_true")
    p.add_argument("--backbone-weights", default=None)
    p.add_argument("--shared", default=None)
    p.add_argument("--input-size", type=int, default=224)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-tta", action="store_true")
    p.add_argument("--no-reference", action="store_true")
    p.add_argument("--vgg-head", choices=("pooled", "classifier"), default="pooled")
    p.add_argument("--out", required=True)
    a = p.parse_args(argv)
    torch.set_num_threads(2)
    shared = data.shared_dir(a.shared)
    net, meta = build_untrained(a.arch, a.input_size, a.random_init, a.backbone_weights, shared, a.seed,
                                not a.no_tta, a.vgg_head)
    if not a.no_reference:
        u = [float(v) for v in np.round(np.linspace(0, 1, 101), 6)]
        meta["reference_distribution"] = {"description": "uniform placeholder (untrained model)",
                                          "valence": u, "arousal": list(u)}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    export.save(net, meta, a.out)
    print("wrote %s (%.1f MB)" % (a.out, os.path.getsize(a.out) / 1e6))
    return 0


if __name__ == "__main__":
    export.reexec_with_fixed_hash_seed()
    sys.exit(main())
