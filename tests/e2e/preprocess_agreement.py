#!/usr/bin/python3
"""The C++ preprocessing and its Python mirror (used for training) agree on real images.

Runs tests/tools/preprocess_dump (C++) and scripts/img2music_model/preprocess.py on the same
images under several specs and requires max |difference| <= 1e-5 (bytes match; the rest is
float rounding of the normalisation).
  usage: preprocess_agreement.py DUMP_BINARY PROJECT_DIR
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

SPECS = [
    {"input_height": 224, "input_width": 224, "resize": "shorter_side", "resize_shorter": 224, "interpolation": "area",
     "pixel_scale": 2 / 255, "mean": [1, 1, 1], "std": [1, 1, 1]},
    {"input_height": 224, "input_width": 224, "resize": "shorter_side", "resize_shorter": 256, "interpolation": "linear",
     "pixel_scale": 1 / 255, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]},
    {"input_height": 96, "input_width": 128, "resize": "stretch", "interpolation": "area",
     "pixel_scale": 1 / 255, "mean": [0, 0, 0], "std": [1, 1, 1]},
]


def main():
    dump, root = sys.argv[1], sys.argv[2]
    os.chdir(root)
    sys.path.insert(0, "scripts")
    from img2music_model.preprocess import preprocess_file  # noqa: E402

    images = sorted(glob.glob("tests/data/images/*"))
    shared = sorted(glob.glob("../shared/data/photos/*/*.jpg") + glob.glob("../shared/data/photos/*/*.png"))[:8]
    shared += sorted(glob.glob("../shared/data/oasis/images/*.jpg"))[:6] + glob.glob("../shared/data/oasis/images/Monkey 3.jpg")
    if os.environ.get("CI") == "true" and not shared:
        print("FAIL: ../shared photos missing")
        return 1
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cpp.bin")
        for spec in SPECS:
            h, w = spec["input_height"], spec["input_width"]
            for image in images + shared:
                subprocess.run([dump, json.dumps(spec), image, out], check=True)
                cpp = np.fromfile(out, dtype="<f4").reshape(3, h, w)
                py = preprocess_file(image, spec)
                diff = float(np.abs(cpp - py).max())
                if diff <= 1e-5:
                    passed += 1
                else:
                    failed += 1
                    print(f"FAIL: {image} spec {spec['resize']}/{spec['interpolation']}: max diff {diff}")
    print(f"preprocess agreement: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
