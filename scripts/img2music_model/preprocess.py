#!/usr/bin/python3
"""Python mirror of the img2music preprocessing (docs/model-contract.md, "Preprocessing").

Self-contained (numpy + cv2 only) so that it also runs as a script.

Library use:
    from img2music_model.preprocess import preprocess_file
    x = preprocess_file("photo.jpg", spec)   # float32 [3, H, W], RGB, normalised

CLI (used by the C++ test that compares both pipelines):
    /usr/bin/python3 scripts/img2music_model/preprocess.py --spec SPEC IMAGE OUT

  SPEC  a JSON object: either the `preprocess` block itself or a whole img2music.json
        (its `preprocess` key is used); `@path` reads the JSON from a file.
  OUT   `*.npy`: numpy array float32 [3, H, W];
        anything else: raw little-endian float32, C order [3, H, W] (plane R, then G, then B),
        no header, 3*H*W*4 bytes.
  Exit status 0 on success, 2 on a bad spec, 1 if the image cannot be decoded.

Exact steps (they define the reference behaviour):
  1. Decode. JPEG (file starts FF D8): cv2 IMREAD_COLOR, which applies EXIF orientation and
     converts grey / CMYK to colour. Other formats: IMREAD_UNCHANGED, then
     16-bit -> 8-bit as round(v / 257) (all channels, alpha included); 1 channel -> grey
     replicated; 2 channels (grey + alpha) and 4 channels (colour + alpha) -> composited over
     white: out = round((c * a + 255 * (255 - a)) / 255) (no ties can occur). Result: 8-bit RGB.
  2. Resize. "shorter_side": s = resize_shorter / min(h, w); the shorter side becomes exactly
     resize_shorter, the longer one floor(longer * s + 0.5); then centre crop
     input_height x input_width at offset floor((size - crop) / 2).
     "stretch": resize straight to input_height x input_width.
     Interpolation: "area" = cv2.INTER_AREA, "linear" = cv2.INTER_LINEAR. No resize call
     when the size is already right.
  3. Normalise in float32: x[c] = (pixel[c] * pixel_scale - mean[c]) / std[c], c in R, G, B.
"""
import json
import math
import sys

import cv2
import numpy as np

INTERPOLATIONS = {"area": cv2.INTER_AREA, "linear": cv2.INTER_LINEAR}
RESIZES = ("shorter_side", "stretch")


class DecodeError(Exception):
    pass


def check_spec(spec: dict) -> dict:
    """Validate a preprocess block (same rules as the C++ loader); return it."""
    if "preprocess" in spec and isinstance(spec["preprocess"], dict):
        spec = spec["preprocess"]
    h, w = spec["input_height"], spec["input_width"]
    for v in (h, w):
        if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 4096:
            raise ValueError("input size must be an integer in 1..4096")
    if spec["resize"] not in RESIZES:
        raise ValueError("resize must be one of %s" % (RESIZES,))
    if spec["interpolation"] not in INTERPOLATIONS:
        raise ValueError("interpolation must be one of %s" % (tuple(INTERPOLATIONS),))
    if spec["resize"] == "shorter_side":
        rs = spec["resize_shorter"]
        if not isinstance(rs, int) or isinstance(rs, bool) or not max(h, w) <= rs <= 4096:
            raise ValueError("resize_shorter must be an integer >= max(input_height, input_width)")
    if not float(spec["pixel_scale"]) > 0:
        raise ValueError("pixel_scale must be > 0")
    if len(spec["mean"]) != 3 or not all(math.isfinite(float(m)) for m in spec["mean"]):
        raise ValueError("mean: three finite numbers")
    if len(spec["std"]) != 3 or not all(math.isfinite(float(s)) and float(s) > 0 for s in spec["std"]):
        raise ValueError("std: three finite positive numbers")
    return spec


def _to_8bit(img: np.ndarray) -> np.ndarray:
    if img.dtype == np.uint8:
        return img
    if img.dtype == np.uint16:
        return np.rint(img.astype(np.float64) / 257.0).astype(np.uint8)
    raise DecodeError("unsupported sample type %s" % img.dtype)


def _over_white(col: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    a = alpha.astype(np.float64)[..., None]
    out = (col.astype(np.float64) * a + 255.0 * (255.0 - a)) / 255.0
    return np.rint(out).astype(np.uint8)


def decode_bytes(data: bytes) -> np.ndarray:
    """Encoded image bytes -> uint8 RGB [H, W, 3]."""
    buf = np.frombuffer(data, dtype=np.uint8)
    if data[:2] == b"\xff\xd8":
        img = cv2.imdecode(buf, cv2.IMREAD_COLOR)
        if img is None:
            raise DecodeError("cannot decode JPEG")
        return np.ascontiguousarray(img[:, :, ::-1])
    img = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise DecodeError("cannot decode image")
    img = _to_8bit(img)
    if img.ndim == 2:
        img = img[:, :, None]
    c = img.shape[2]
    if c == 1:
        rgb = np.repeat(img, 3, axis=2)
    elif c == 2:
        rgb = np.repeat(_over_white(img[:, :, :1], img[:, :, 1]), 3, axis=2)
    elif c == 3:
        rgb = img[:, :, ::-1]
    elif c == 4:
        rgb = _over_white(img[:, :, 2::-1], img[:, :, 3])
    else:
        raise DecodeError("unsupported channel count %d" % c)
    return np.ascontiguousarray(rgb)


def decode_file(path: str) -> np.ndarray:
    with open(path, "rb") as f:
        return decode_bytes(f.read())


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def resize_rgb(rgb: np.ndarray, spec: dict) -> np.ndarray:
    """uint8 RGB [h, w, 3] -> uint8 RGB [input_height, input_width, 3] (steps 2 of the contract)."""
    spec = check_spec(spec)
    th, tw = spec["input_height"], spec["input_width"]
    interp = INTERPOLATIONS[spec["interpolation"]]
    h, w = rgb.shape[:2]
    if spec["resize"] == "stretch":
        nh, nw = th, tw
    else:
        rs = spec["resize_shorter"]
        if h <= w:
            nh, nw = rs, max(1, _round_half_up(w * rs / h))
        else:
            nw, nh = rs, max(1, _round_half_up(h * rs / w))
    if (nh, nw) != (h, w):
        rgb = cv2.resize(rgb, (nw, nh), interpolation=interp)
    if spec["resize"] == "shorter_side":
        y0 = (nh - th) // 2
        x0 = (nw - tw) // 2
        rgb = rgb[y0:y0 + th, x0:x0 + tw]
    return np.ascontiguousarray(rgb)


def normalise(rgb: np.ndarray, spec: dict) -> np.ndarray:
    """uint8 RGB [H, W, 3] (or [N, H, W, 3]) -> float32 [3, H, W] (or [N, 3, H, W])."""
    spec = check_spec(spec)
    scale = np.float32(spec["pixel_scale"])
    mean = np.asarray(spec["mean"], dtype=np.float32)
    std = np.asarray(spec["std"], dtype=np.float32)
    x = (rgb.astype(np.float32) * scale - mean) / std
    return np.ascontiguousarray(np.moveaxis(x, -1, -3)).astype(np.float32)


def preprocess_rgb(rgb: np.ndarray, spec: dict) -> np.ndarray:
    return normalise(resize_rgb(rgb, spec), spec)


def preprocess_file(path: str, spec: dict) -> np.ndarray:
    return preprocess_rgb(decode_file(path), spec)


def _main(argv) -> int:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--spec", required=True, help="JSON preprocess block or img2music.json; @file to read one")
    p.add_argument("image")
    p.add_argument("out", help="*.npy, or raw little-endian float32 CHW otherwise")
    a = p.parse_args(argv)
    try:
        text = open(a.spec[1:], encoding="utf-8").read() if a.spec.startswith("@") else a.spec
        spec = check_spec(json.loads(text))
    except (ValueError, KeyError, TypeError, OSError) as e:
        print("preprocess: bad spec: %s" % e, file=sys.stderr)
        return 2
    try:
        x = preprocess_file(a.image, spec)
    except (DecodeError, OSError) as e:
        print("preprocess: %s: %s" % (a.image, e), file=sys.stderr)
        return 1
    if a.out.endswith(".npy"):
        np.save(a.out, x)
    else:
        with open(a.out, "wb") as f:
            f.write(x.astype("<f4").tobytes(order="C"))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
