"""Both architectures seen the same way: a list of *stages* (input -> feature map), of which the
first `n_frozen` are frozen (their output is cached during training), the rest + a head are
fine-tuned.

  mobilenet_v1_075: stages = [conv1, block 1, ..., block 13]  (14 stages, Keras ImageNet weights)
  vgg19_bn:         stages = the 5 conv stages of torchvision's vgg19_bn.features (each ends
                    with its max-pool); ImageNet weights from --backbone-weights, else random.

`VANet` is the full network that is exported: frozen stages (+ pooled "taps" of chosen frozen
stages, i.e. multi-layer features), trainable stages, pooling, head, optional mirror TTA,
clamp to [0, 1].
"""
import os
import re
from typing import List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn

from .data import sha256_file
from .mobilenet_v1 import MobileNetV1

ARCHES = ("mobilenet_v1_075", "vgg19_bn")
ALIASES = {"mobilenet_v1": "mobilenet_v1_075", "mobilenet": "mobilenet_v1_075", "vgg": "vgg19_bn"}
VGG19_BN_SHA256_PREFIX = "c79401a0"

MOBILENET_PREPROCESS = {"pixel_scale": 1.0 / 127.5, "mean": [1.0, 1.0, 1.0], "std": [1.0, 1.0, 1.0]}
IMAGENET_PREPROCESS = {"pixel_scale": 1.0 / 255.0, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}


def canonical_arch(name: str) -> str:
    name = ALIASES.get(name, name)
    if name not in ARCHES:
        raise ValueError("unknown arch %r (choose from %s)" % (name, ", ".join(ARCHES)))
    return name


def mobilenet_stages(tfjs_folder: Optional[str]):
    """-> (stages, provenance, (ImageNet classifier, its 1,000 labels) or None without weights)."""
    if tfjs_folder is None:
        net = MobileNetV1(0.75, 0)
        prov = "random initialisation (no ImageNet weights)"
        return [net.stem] + list(net.blocks), prov, None
    from .tfjs import mobilenet_from_tfjs, tfjs_labels
    net = mobilenet_from_tfjs(tfjs_folder, with_classifier=True)
    prov = ("Keras MobileNet v1 alpha=0.75 224 ImageNet-1k (TF.js layers folder "
            "mobilenet_v1_0.75_224_tfjs, model.json sha256 %s)"
            % sha256_file(os.path.join(tfjs_folder, "model.json"))[:16])
    return [net.stem] + list(net.blocks), prov, (net.classifier, tfjs_labels(tfjs_folder))


class ClassWords(nn.Module):
    """What the picture shows, in words: the ImageNet classifier's probabilities over its classes
    (from the pooled last block, as the classifier was trained) times each class name's GloVe
    vector -> [N, 100]. Words carry what the pixels of 990 rated photos cannot teach a probe:
    that a roller coaster and a fire engine are close to each other and far from a pillow.
    Fixed (buffers): no rating ever moves them."""

    def __init__(self, classifier: nn.Linear, vectors: torch.Tensor):
        super().__init__()
        self.register_buffer("weight", classifier.weight.detach().clone().float())
        self.register_buffer("bias", classifier.bias.detach().clone().float())
        self.register_buffer("vectors", vectors.float())

    def forward(self, g: torch.Tensor) -> torch.Tensor:
        return torch.softmax(nn.functional.linear(g, self.weight, self.bias), dim=1) @ self.vectors


class NoClassWords(nn.Module):
    def forward(self, g: torch.Tensor) -> torch.Tensor:
        return g.new_zeros([g.shape[0], 0])


def class_name_vectors(labels: List[str], glove_file: str) -> torch.Tensor:
    """[K, 100]: per ImageNet label ("great white shark, white shark, man-eater, ..."), the mean
    GloVe vector of the words of its first name that has any in GloVe; zeros when none has."""
    from .data import glove_vectors
    names = [[re.findall(r"[a-z]+", n) for n in label.lower().split(",")] for label in labels]
    glove = glove_vectors(glove_file, {w for label in names for n in label for w in n})
    if not glove:
        raise ValueError("%s: none of the class names' words is in it (not a GloVe text file?)" % glove_file)
    dim = len(next(iter(glove.values())))
    out = torch.zeros(len(labels), dim, dtype=torch.float64)
    for k, label in enumerate(names):
        for n in label:
            found = [glove[w] for w in n if w in glove]
            if found:
                out[k] = torch.from_numpy(np.mean(found, 0))
                break
    return out


def vgg19_bn_model(weights_path: Optional[str]):
    import torchvision
    m = torchvision.models.vgg19_bn(weights=None)
    if weights_path is None:
        return m, "random initialisation (no ImageNet weights)"
    digest = sha256_file(weights_path)
    if not digest.startswith(VGG19_BN_SHA256_PREFIX):
        raise ValueError("%s: sha256 %s... does not start with %s (expected torchvision's "
                         "vgg19_bn-c79401a0.pth)" % (weights_path, digest[:12], VGG19_BN_SHA256_PREFIX))
    m.load_state_dict(torch.load(weights_path, map_location="cpu"))
    return m, "torchvision vgg19_bn ImageNet-1k (vgg19_bn-c79401a0.pth, sha256 %s)" % digest[:16]


def vgg_stages(model) -> List[nn.Module]:
    stages, cur = [], []
    for layer in model.features:
        cur.append(layer)
        if isinstance(layer, nn.MaxPool2d):
            stages.append(nn.Sequential(*cur))
            cur = []
    return stages


def stage_channels(stages: List[nn.Module], input_size: int = 64) -> List[int]:
    x = torch.zeros(1, 3, input_size, input_size)
    out = []
    with torch.no_grad():
        for s in stages:
            s.eval()
            x = s(x)
            out.append(x.shape[1])
    return out


class Frozen(nn.Module):
    """Frozen stages; returns (last map, concatenated global-average-pooled taps)."""

    def __init__(self, stages: List[nn.Module], taps: List[int]):
        super().__init__()
        self.stages = nn.ModuleList(stages)
        self.taps = list(taps)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        pooled: List[torch.Tensor] = []
        i = 0
        for s in self.stages:
            x = s(x)
            if i in self.taps:
                pooled.append(x.mean(dim=(2, 3)))
            i += 1
        if len(pooled) == 0:
            return x, x.new_zeros([x.shape[0], 0])
        return x, torch.cat(pooled, 1)


class Top(nn.Module):
    """Trainable stages, then global average pooling -> vector."""

    def __init__(self, stages: List[nn.Module]):
        super().__init__()
        self.stages = nn.Sequential(*stages)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.stages(x).mean(dim=(2, 3))


class VGGClassifierTop(nn.Module):
    """The original project's head path: trainable stages, avgpool 7x7, classifier[0:6] -> 4096."""

    def __init__(self, stages: List[nn.Module], vgg):
        super().__init__()
        self.stages = nn.Sequential(*stages)
        self.avgpool = vgg.avgpool
        self.fc = nn.Sequential(*list(vgg.classifier.children())[:6])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.avgpool(self.stages(x)), 1))


class Head(nn.Module):
    """Fixed standardisation (buffers set from training features), dropout, linear layer(s) ->
    [N, 2 * n_va_heads + n_emotions]: a (valence, arousal) pair per rated dataset (head 0 first),
    then emotion logits. One linear map serves all of them, so they share the features."""

    def __init__(self, dim: int, hidden: int = 0, dropout: float = 0.2, n_va_heads: int = 1, n_emotions: int = 0):
        super().__init__()
        self.register_buffer("mu", torch.zeros(dim))
        self.register_buffer("sigma", torch.ones(dim))
        self.drop = nn.Dropout(dropout)
        self.n_va_heads = n_va_heads
        self.n_emotions = n_emotions
        n_out = 2 * n_va_heads + n_emotions
        if hidden > 0:  # original vgg19_bn head: Linear(4096,500) -> Linear(500,n_out)
            self.fc = nn.Sequential(nn.Linear(dim, hidden), nn.Linear(hidden, n_out))
        else:
            self.fc = nn.Sequential(nn.Linear(dim, n_out))

    def set_standardisation(self, feats: torch.Tensor) -> None:
        self.mu.copy_(feats.mean(0))
        self.sigma.copy_(feats.std(0).clamp_min(1e-3))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.fc(self.drop((z - self.mu) / self.sigma))


class VANet(nn.Module):
    """Image [N,3,H,W] (normalised per the metadata) -> [N, 2 + k]: (valence, arousal) of head 0
    clamped to [0, 1], then (with k = n_emotions > 0) the emotion distribution (softmax). The
    other datasets' heads are used in training and cross-validation only."""

    def __init__(self, frozen: Frozen, top: nn.Module, head: Head, tta_flip: bool = True,
                 words: Optional[nn.Module] = None):
        super().__init__()
        self.frozen = frozen
        self.top = top
        self.words = words if words is not None else NoClassWords()
        self.head = head
        self.tta_flip = tta_flip
        self.emotion_start = 2 * head.n_va_heads
        self.n_emotions = head.n_emotions

    def features(self, m: torch.Tensor, taps: torch.Tensor) -> torch.Tensor:
        g = self.top(m)
        return torch.cat([g, taps, self.words(g)], 1)

    def from_frozen(self, m: torch.Tensor, taps: torch.Tensor) -> torch.Tensor:
        """Raw outputs of every head (unclamped VA, emotion logits) from frozen-part outputs;
        used in training on cached maps."""
        return self.head(self.features(m, taps))

    def raw(self, x: torch.Tensor) -> torch.Tensor:
        m, taps = self.frozen(x)
        return self.from_frozen(m, taps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.raw(x)
        if self.tta_flip:
            y = 0.5 * (y + self.raw(torch.flip(x, [3])))
        va = y[:, 0:2].clamp(0.0, 1.0)
        if self.n_emotions == 0:
            return va
        emo = torch.softmax(y[:, self.emotion_start:self.emotion_start + self.n_emotions], dim=1)
        return torch.cat([va, emo], 1)

    def train_mode(self) -> None:
        """Frozen part and all batch-norms in eval mode (running statistics kept), dropout on."""
        self.eval()
        self.head.drop.train()
        for p in self.frozen.parameters():
            p.requires_grad_(False)


def build_stages(arch: str, shared: Optional[str], backbone_weights: Optional[str], random_init: bool):
    """-> (stages, provenance, vgg model or None, (ImageNet classifier, labels) or None)."""
    arch = canonical_arch(arch)
    if arch == "mobilenet_v1_075":
        if backbone_weights is None and not random_init:
            from .data import mobilenet_dir
            backbone_weights = mobilenet_dir(shared)
        stages, prov, classes = mobilenet_stages(None if random_init else backbone_weights)
        return stages, prov, None, classes
    if backbone_weights is None and not random_init:
        raise ValueError("vgg19_bn needs --backbone-weights vgg19_bn-c79401a0.pth (or --random-init)")
    vgg, prov = vgg19_bn_model(None if random_init else backbone_weights)
    return vgg_stages(vgg), prov, vgg, None


def build_vanet(arch: str, shared: Optional[str] = None, backbone_weights: Optional[str] = None,
                random_init: bool = False, n_frozen: int = 12, taps: Optional[List[int]] = None,
                vgg_head: str = "pooled", dropout: float = 0.2, tta_flip: bool = True, seed: int = 0,
                n_va_heads: int = 1, n_emotions: int = 0, class_words: bool = False):
    """Full network + provenance string. taps: indices of frozen stages to pool (multi-layer);
    n_va_heads: one (valence, arousal) head per rated dataset; n_emotions: emotion logits;
    class_words: ClassWords features, where the backbone has its ImageNet classifier
    (MobileNet with weights; uses_class_words(net) says whether it got them)."""
    torch.manual_seed(seed)
    stages, prov, vgg, classes = build_stages(arch, shared, backbone_weights, random_init)
    if not 0 <= n_frozen < len(stages):
        raise ValueError("n_frozen must be in 0..%d" % (len(stages) - 1))
    taps = sorted(set(taps or []))
    if any(t >= n_frozen or t < 0 for t in taps):
        raise ValueError("taps must index frozen stages (0..%d)" % (n_frozen - 1))
    chans = stage_channels(stages)
    frozen = Frozen(stages[:n_frozen], taps)
    if vgg is not None and vgg_head == "classifier":
        top = VGGClassifierTop(stages[n_frozen:], vgg)
        dim, hidden = 4096, 500
    else:
        top = Top(stages[n_frozen:])
        dim, hidden = chans[-1], 0
    dim += sum(chans[t] for t in taps)
    words = None
    if class_words and classes is not None:
        from .data import glove_path, shared_dir
        classifier, labels = classes
        words = ClassWords(classifier, class_name_vectors(labels, glove_path(shared_dir(shared))))
        dim += words.vectors.shape[1]
    head = Head(dim, hidden, dropout, n_va_heads, n_emotions)
    net = VANet(frozen, top, head, tta_flip, words)
    net.eval()
    return net, prov


def uses_class_words(net: VANet) -> bool:
    return isinstance(net.words, ClassWords)
