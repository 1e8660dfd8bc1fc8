"""Read a TF.js *layers* model folder (model.json + raw little-endian float32 shards) and
convert the Keras MobileNet v1 weights in it into :class:`mobilenet_v1.MobileNetV1`.

Keras -> PyTorch layouts:
  Conv2D kernel          [kh, kw, in, out] -> [out, in, kh, kw]
  DepthwiseConv2D kernel [kh, kw, C, 1]    -> [C, 1, kh, kw]
  conv_preds (1x1 conv)  [1, 1, in, out]   -> Linear weight [out, in]
  BatchNormalization gamma/beta/moving_mean/moving_variance -> weight/bias/running_mean/running_var
"""
import json
import os
from typing import Dict

import numpy as np
import torch

from .mobilenet_v1 import MobileNetV1

_DTYPES = {"float32": "<f4", "int32": "<i4"}


def read_tfjs_weights(folder: str) -> Dict[str, np.ndarray]:
    """All weights of a TF.js layers model, by Keras name (e.g. 'conv1/kernel')."""
    with open(os.path.join(folder, "model.json"), "r", encoding="utf-8") as f:
        model = json.load(f)
    out: Dict[str, np.ndarray] = {}
    for group in model["weightsManifest"]:
        parts = []
        for p in group["paths"]:
            with open(os.path.join(folder, p), "rb") as fh:
                parts.append(fh.read())
        buf = b"".join(parts)
        off = 0
        for w in group["weights"]:
            dt = np.dtype(_DTYPES[w.get("dtype", "float32")])
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            arr = np.frombuffer(buf, dtype=dt, count=n, offset=off).reshape(w["shape"])
            off += n * dt.itemsize
            out[w["name"]] = arr.astype(np.float32)
        if off != len(buf):
            raise ValueError("weight group %s: %d bytes used of %d" % (group["paths"], off, len(buf)))
    return out


def _alpha_from_weights(w: Dict[str, np.ndarray]) -> float:
    return w["conv1/kernel"].shape[3] / 32.0


def _load_bn(bn: torch.nn.BatchNorm2d, w: Dict[str, np.ndarray], name: str) -> None:
    bn.weight.data.copy_(torch.from_numpy(w[name + "/gamma"]))
    bn.bias.data.copy_(torch.from_numpy(w[name + "/beta"]))
    bn.running_mean.data.copy_(torch.from_numpy(w[name + "/moving_mean"]))
    bn.running_var.data.copy_(torch.from_numpy(w[name + "/moving_variance"]))


def mobilenet_from_tfjs(folder: str, with_classifier: bool = True) -> MobileNetV1:
    """Build a MobileNetV1 in eval mode with the Keras ImageNet weights from `folder`."""
    w = read_tfjs_weights(folder)
    alpha = _alpha_from_weights(w)
    ncls = w["conv_preds/kernel"].shape[3] if with_classifier else 0
    net = MobileNetV1(alpha=alpha, num_classes=ncls)
    used = set()

    def take(name):
        used.add(name)
        return w[name]

    net.stem.conv.weight.data.copy_(torch.from_numpy(take("conv1/kernel").transpose(3, 2, 0, 1).copy()))
    _load_bn(net.stem.bn, w, "conv1_bn")
    used.update("conv1_bn/" + s for s in ("gamma", "beta", "moving_mean", "moving_variance"))
    for i, blk in enumerate(net.blocks, start=1):
        dwk = take("conv_dw_%d/depthwise_kernel" % i)  # [3,3,C,1]
        blk.dw.conv.weight.data.copy_(torch.from_numpy(dwk.transpose(2, 3, 0, 1).copy()))
        _load_bn(blk.dw.bn, w, "conv_dw_%d_bn" % i)
        pwk = take("conv_pw_%d/kernel" % i)  # [1,1,in,out]
        blk.pw.conv.weight.data.copy_(torch.from_numpy(pwk.transpose(3, 2, 0, 1).copy()))
        _load_bn(blk.pw.bn, w, "conv_pw_%d_bn" % i)
        for bn in ("conv_dw_%d_bn" % i, "conv_pw_%d_bn" % i):
            used.update(bn + "/" + s for s in ("gamma", "beta", "moving_mean", "moving_variance"))
    if with_classifier:
        k = take("conv_preds/kernel")  # [1,1,in,out]
        net.classifier.weight.data.copy_(torch.from_numpy(k[0, 0].T.copy()))
        net.classifier.bias.data.copy_(torch.from_numpy(take("conv_preds/bias")))
    else:
        used.update(("conv_preds/kernel", "conv_preds/bias"))
    missing = set(w) - used
    if missing:
        raise ValueError("unconverted weights: %s" % sorted(missing))
    return net.eval()


def tfjs_labels(folder: str):
    path = os.path.join(folder, "metadata.json")
    with open(path, "r", encoding="utf-8") as f:
        return json.load(f)["labels"]
