#!/usr/bin/python3
"""Camera-sized test photos for bench/run.sh's photos section: N JPEGs of 4032x3024 at quality
92, each a different source photo upscaled (bicubic) with sensor-like noise added, so that they
are not trivially compressible (about 2 MB each).

    /usr/bin/python3 bench/make_photos.py --sources LIST --count 200 --out DIR

LIST: source image paths, one a line (used in turn, mirrored on the second pass and after).
"""
import argparse
import os

import numpy as np
from PIL import Image, ImageOps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", required=True)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    sources = [line.strip() for line in open(args.sources) if line.strip()]
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(args.count):
        with Image.open(sources[i % len(sources)]) as src:
            im = src.convert("RGB")
        if (i // len(sources)) % 2 == 1:
            im = ImageOps.mirror(im)
        im = im.resize((4032, 3024), Image.BICUBIC)
        pixels = np.asarray(im, dtype=np.int16)
        pixels = pixels + rng.normal(0, 4, pixels.shape).astype(np.int16)
        out = os.path.join(args.out, "photo_%03d.jpg" % i)
        Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(out + ".tmp", "JPEG", quality=92)
        os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
