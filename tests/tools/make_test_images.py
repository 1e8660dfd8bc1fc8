#!/usr/bin/python3
"""Writes the small images the C++ tests use (all made here; no third-party pictures).

32x32 images go through the 32x32 test model without resizing, so the tiny model's answers
(valence = mean red, arousal = mean saturation) can be computed by hand:
  red.png        (255, 0, 0)                         -> valence 1.0,    arousal 1.0
  grey.png       (128, 128, 128)                     -> valence 0.5020, arousal 0.0
  split.png      left (200, 100, 50), right (50, 100, 200) -> valence 0.4902, arousal 0.75
  teal.jpg       (0, 128, 128) as JPEG (lossy: near those values)
  grey16.png     16-bit grey 32768                   -> 8-bit 127
  rgba.png       (0, 0, 255) at alpha 0 left half, 255 right half (left composites to white)
  palette.png    an indexed-colour PNG (written by hand: OpenCV writes no palettes)
  exif_rot6.jpg  64x32 JPEG with EXIF orientation 6 (rotate 90 clockwise): decodes 32x64
Usage: /usr/bin/python3 tests/tools/make_test_images.py OUT_DIR
"""
import os
import struct
import sys
import zlib

import cv2
import numpy as np


def bgr(r, g, b):
    return (b, g, r)


def solid(rgb, w=32, h=32):
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = bgr(*rgb)
    return img


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def palette_png(path):
    """32x32, 2-colour palette: top half orange (255,128,0), bottom half blue (0,0,255)."""
    w = h = 32
    raw = b"".join(b"\x00" + bytes([0 if y < h // 2 else 1] * w) for y in range(h))
    data = b"\x89PNG\r\n\x1a\n"
    data += png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0))
    data += png_chunk(b"PLTE", bytes([255, 128, 0, 0, 0, 255]))
    data += png_chunk(b"IDAT", zlib.compress(raw, 9))
    data += png_chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def with_exif_orientation(jpeg_bytes, orientation):
    """Inserts an APP1 Exif segment holding only the Orientation tag after SOI."""
    tiff = b"MM\x00\x2a\x00\x00\x00\x08"  # big-endian TIFF header, IFD at offset 8
    tiff += struct.pack(">H", 1)  # one entry
    tiff += struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0)  # Orientation, SHORT, count 1
    tiff += struct.pack(">I", 0)  # no next IFD
    payload = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg_bytes[:2] + app1 + jpeg_bytes[2:]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    cv2.imwrite(os.path.join(out, "red.png"), solid((255, 0, 0)))
    cv2.imwrite(os.path.join(out, "grey.png"), solid((128, 128, 128)))
    split = solid((200, 100, 50))
    split[:, 16:] = bgr(50, 100, 200)
    cv2.imwrite(os.path.join(out, "split.png"), split)
    cv2.imwrite(os.path.join(out, "teal.jpg"), solid((0, 128, 128)), [cv2.IMWRITE_JPEG_QUALITY, 95])
    cv2.imwrite(os.path.join(out, "grey16.png"), np.full((32, 32), 32768, np.uint16))
    rgba = np.zeros((32, 32, 4), np.uint8)
    rgba[:, :] = (255, 0, 0, 0)  # BGRA: blue, transparent
    rgba[:, 16:, 3] = 255
    cv2.imwrite(os.path.join(out, "rgba.png"), rgba)
    palette_png(os.path.join(out, "palette.png"))
    wide = solid((255, 0, 0), w=64, h=32)
    wide[:, 32:] = bgr(0, 0, 255)
    ok, enc = cv2.imencode(".jpg", wide, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    with open(os.path.join(out, "exif_rot6.jpg"), "wb") as f:
        f.write(with_exif_orientation(enc.tobytes(), 6))


if __name__ == "__main__":
    main()
