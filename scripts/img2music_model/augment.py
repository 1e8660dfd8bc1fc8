"""Deterministic augmented views of one image, all at the model's input size.

view 0: exactly the contract preprocessing (resize + centre crop), the view used at inference;
view 1: its horizontal mirror (flip TTA);
views 2..: random resized crop (50-100 % of the picture's area, aspect within 3/4..4/3 of the
target's), mirror with p = 0.5, mild colour jitter (brightness, contrast, saturation each
x U(1 - j, 1 + j), j = 0.1 by default). Mild on purpose: colour and brightness carry valence
and arousal, strong jitter would change the label.
"""
import math

import cv2
import numpy as np

from .preprocess import INTERPOLATIONS, resize_rgb


def _jitter(img: np.ndarray, rng: np.random.RandomState, j: float) -> np.ndarray:
    x = img.astype(np.float32)
    b, c, s = (rng.uniform(1 - j, 1 + j) for _ in range(3))
    x = x * b
    mean = x.mean()
    x = (x - mean) * c + mean
    grey = x @ np.array([0.299, 0.587, 0.114], np.float32)
    x = (x - grey[..., None]) * s + grey[..., None]
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def random_view(rgb: np.ndarray, spec: dict, rng: np.random.RandomState,
                min_area: float = 0.5, jitter: float = 0.1) -> np.ndarray:
    th, tw = spec["input_height"], spec["input_width"]
    h, w = rgb.shape[:2]
    area = h * w * rng.uniform(min_area, 1.0)
    ratio = (tw / th) * math.exp(rng.uniform(math.log(3 / 4), math.log(4 / 3)))
    cw = int(round(min(w, math.sqrt(area * ratio))))
    ch = int(round(min(h, math.sqrt(area / ratio))))
    x0 = rng.randint(0, w - cw + 1)
    y0 = rng.randint(0, h - ch + 1)
    crop = rgb[y0:y0 + ch, x0:x0 + cw]
    interp = INTERPOLATIONS[spec["interpolation"]]
    out = cv2.resize(crop, (tw, th), interpolation=interp)
    if rng.rand() < 0.5:
        out = out[:, ::-1]
    if jitter > 0:
        out = _jitter(out, rng, jitter)
    return np.ascontiguousarray(out)


def make_views(rgb: np.ndarray, spec: dict, n_views: int, seed: int, jitter: float = 0.1) -> np.ndarray:
    """uint8 [n_views, H, W, 3]; n_views >= 1."""
    base = resize_rgb(rgb, spec)
    views = [base]
    if n_views > 1:
        views.append(np.ascontiguousarray(base[:, ::-1]))
    rng = np.random.RandomState(seed)
    while len(views) < n_views:
        views.append(random_view(rgb, spec, rng, jitter=jitter))
    return np.stack(views[:n_views])
