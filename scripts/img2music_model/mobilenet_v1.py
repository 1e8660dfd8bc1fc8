"""MobileNet v1 (Howard et al. 2017) laid out like the Keras application model.

Differences from a "PyTorch-style" MobileNet that matter when loading Keras weights:
  * stride-2 convolutions use TensorFlow "same" padding (for even inputs: one pixel on the
    bottom/right only), stride-1 ones the convolution's own symmetric padding k // 2 (identical
    to "same" for odd k);
  * batch-norm epsilon 1e-3;
  * ReLU6 activations;
  * input is RGB scaled as x / 127.5 - 1.
The module is TorchScript-scriptable (padding is computed from the runtime shape).
"""
from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F

BN_EPS = 1e-3


def _depth(c: int, alpha: float) -> int:
    return int(c * alpha)


class TFSamePad(nn.Module):
    """TensorFlow 'SAME' padding for a square kernel k and stride s."""

    def __init__(self, k: int, s: int):
        super().__init__()
        self.k = k
        self.s = s

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ih = x.shape[2]
        iw = x.shape[3]
        oh = (ih + self.s - 1) // self.s
        ow = (iw + self.s - 1) // self.s
        ph = max((oh - 1) * self.s + self.k - ih, 0)
        pw = max((ow - 1) * self.s + self.k - iw, 0)
        return F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])


class ConvBNReLU6(nn.Module):
    def __init__(self, cin: int, cout: int, k: int, stride: int, groups: int = 1):
        super().__init__()
        # At stride 1 "same" is symmetric, so the convolution pads by itself: a separate pad is
        # a full copy of the feature map (about 5 % of a forward pass on the CPU) for nothing.
        # At stride 2 the padding depends on the input's size and is asymmetric: TFSamePad.
        symmetric = stride == 1
        self.pad = nn.Identity() if symmetric else TFSamePad(k, stride)
        self.conv = nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2 if symmetric else 0, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=BN_EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu6(self.bn(self.conv(self.pad(x))))


class DWSBlock(nn.Module):
    """Depthwise 3x3 (+BN+ReLU6) then pointwise 1x1 (+BN+ReLU6)."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.dw = ConvBNReLU6(cin, cin, 3, stride, groups=cin)
        self.pw = ConvBNReLU6(cin, cout, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pw(self.dw(x))


# (output channels at alpha=1, stride) for conv_dw_1 .. conv_dw_13
BLOCK_SPECS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
               (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]


class MobileNetV1(nn.Module):
    """stem = Keras conv1, blocks[i] = Keras conv_dw_{i+1}/conv_pw_{i+1}, classifier = conv_preds."""

    def __init__(self, alpha: float = 0.75, num_classes: int = 1000):
        super().__init__()
        self.alpha = alpha
        c = _depth(32, alpha)
        self.stem = ConvBNReLU6(3, c, 3, 2)
        blocks: List[nn.Module] = []
        for cout, s in BLOCK_SPECS:
            co = _depth(cout, alpha)
            blocks.append(DWSBlock(c, co, s))
            c = co
        self.blocks = nn.ModuleList(blocks)
        self.num_features = c
        self.classifier = nn.Linear(c, num_classes) if num_classes > 0 else nn.Identity()

    def block_channels(self) -> List[int]:
        return [b.pw.conv.out_channels for b in self.blocks]

    def features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for b in self.blocks:
            x = b(x)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (softmax not applied)."""
        x = self.features(x).mean(dim=(2, 3))
        return self.classifier(x)
