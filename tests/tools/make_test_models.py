#!/usr/bin/python3
"""Writes the tiny TorchScript models the C++ tests run through the real binary.

Their answers are predictable from the pixels, so golden outputs can be checked by hand:
  tiny_va.pt       valence = mean red, arousal = mean HSV saturation (both 0..1)
  bad_shape.pt     returns [N, 3]               (must be refused at load)
  nan_output.pt    returns NaN for every image  (each input must fail, the run goes on)
  no_metadata.pt   valid module, no img2music.json (must be refused at load)
  no_reference.pt  like tiny_va.pt without reference_distribution (--align needs it)
  view_va.pt       tiny_va.pt's answers through x.view(), which needs contiguous NCHW input
                   (the C++ side must fall back from channels-last)
  emotions_va.pt   tiny_va.pt's answers, then 3 emotions ("anger", "calm", "sadness") = the mean
                   red, green and blue shares of the picture (grey: 1/3 each) -> [N, 5]
  emotions_short.pt  names 3 emotions but returns [N, 2] (must be refused at load)

Usage: /usr/bin/python3 tests/tools/make_test_models.py OUT_DIR
Deterministic: same bytes on every run (no timestamps, no random weights).
"""
import json
import os
import sys

import torch


class MeanRedSaturation(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: [N, 3, H, W] RGB in [0, 1] (pixel_scale 1/255, mean 0, std 1)
        red = x[:, 0].mean(dim=(1, 2))
        mx = x.max(dim=1).values
        mn = x.min(dim=1).values
        sat = torch.where(mx > 0, (mx - mn) / mx.clamp(min=1e-6), torch.zeros_like(mx)).mean(dim=(1, 2))
        return torch.stack([red, sat], dim=1)


class ViewedMeanRedSaturation(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # view() throws on a channels-last tensor: the layout this model cannot take.
        flat = x.view(x.shape[0], 3, x.shape[2] * x.shape[3])
        red = flat[:, 0].mean(dim=1)
        mx = flat.max(dim=1).values
        mn = flat.min(dim=1).values
        sat = torch.where(mx > 0, (mx - mn) / mx.clamp(min=1e-6), torch.zeros_like(mx)).mean(dim=1)
        return torch.stack([red, sat], dim=1)


class MeanRedSaturationEmotions(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.va = MeanRedSaturation()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rgb = x.mean(dim=(2, 3)) + 1e-6
        return torch.cat([self.va(x), rgb / rgb.sum(dim=1, keepdim=True)], dim=1)


class BadShape(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3))  # [N, 3]


class NanOutput(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.full([x.shape[0], 2], float("nan"))


def metadata(name, reference=True, emotions=None):
    meta = {
        "format": "img2music-model",
        "format_version": 1,
        "name": name,
        "arch": "test-mean-red-saturation",
        "outputs": ["valence", "arousal"],
        "preprocess": {
            "input_height": 32, "input_width": 32,
            "resize": "stretch", "interpolation": "area",
            "pixel_scale": 1.0 / 255.0,
            "mean": [0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0],
        },
        "target_scale": {"description": "test model: no training data"},
        "metrics": {},
        "provenance": {"training_script": "tests/tools/make_test_models.py", "script_version": "1"},
    }
    if emotions:
        meta["emotions"] = list(emotions)
    if reference:
        # A reference squeezed into [0.25, 0.75] so that minmax/quantile alignment visibly differ.
        q = [0.25 + 0.5 * i / 100 for i in range(101)]
        meta["reference_distribution"] = {"description": "synthetic, uniform on [0.25, 0.75]", "valence": q, "arousal": q}
    return json.dumps(meta, sort_keys=True)


def save(module, path, meta_text):
    scripted = torch.jit.script(module)
    extra = {} if meta_text is None else {"img2music.json": meta_text}
    torch.jit.save(scripted, path, _extra_files=extra)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    save(MeanRedSaturation(), os.path.join(out, "tiny_va.pt"), metadata("tiny-va"))
    save(MeanRedSaturation(), os.path.join(out, "no_reference.pt"), metadata("tiny-va-noref", reference=False))
    save(ViewedMeanRedSaturation(), os.path.join(out, "view_va.pt"), metadata("tiny-va-view"))
    save(BadShape(), os.path.join(out, "bad_shape.pt"), metadata("bad-shape"))
    save(NanOutput(), os.path.join(out, "nan_output.pt"), metadata("nan-output"))
    save(MeanRedSaturation(), os.path.join(out, "no_metadata.pt"), None)
    rgb_emotions = ("anger", "calm", "sadness")
    save(MeanRedSaturationEmotions(), os.path.join(out, "emotions_va.pt"), metadata("tiny-va-emotions", emotions=rgb_emotions))
    save(MeanRedSaturation(), os.path.join(out, "emotions_short.pt"), metadata("tiny-va-emotions-short", emotions=rgb_emotions))


if __name__ == "__main__":
    main()
