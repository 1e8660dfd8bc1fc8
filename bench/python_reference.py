#!/usr/bin/python3
"""Python reference for bench/run.sh: img2music's job done the way the original Img2Music
project (2023) did it, so the C++ binary has a fair baseline to be compared with.

    find IMAGES -name '*.jpg' | /usr/bin/python3 bench/python_reference.py --model M.pt --out R.jsonl

Reads image paths from stdin (one a line, like `img2music -`), writes one JSON Lines record per
image in input order (same keys and rounding as `img2music -f jsonl`), and prints its settings
and timings on stderr. The work, all with the stock PyTorch tooling of that project:

  - decode with PIL (alpha composited over white, as img2music does), then the torchvision
    transforms that match the model's `img2music.json` preprocess block, read from the .pt with
    torch.jit.load(..., _extra_files=...): Resize (shorter side, BOX = area averaging, or
    BILINEAR), CenterCrop, ToTensor, Normalize (mean and std rescaled so that ToTensor's /255
    gives exactly `(pixel * pixel_scale - mean) / std`);
  - a torch.utils.data.DataLoader with worker processes (default: one per core) and the same
    batch size as img2music (8); the main process runs the TorchScript model from
    torch.jit.load in eval mode under torch.inference_mode, with torch.set_num_threads(cores);
  - the same `--align quantile` mapping as img2music (the model's reference quantiles onto the
    song table's) and a vectorised numpy nearest-song search over data/songs.csv (Euclidean in
    valence-arousal, top k, ties to the earlier song).

It is meant to be a reasonable implementation, not a slow one: nothing is done per pixel in
Python, the model is the very same file, and decoding overlaps inference in the workers.
Not done (the original project did not either): torch.jit.freeze, EXIF orientation.
"""
import argparse
import csv
import json
import math
import os
import sys
import time

T_START = time.perf_counter()  # before the heavy imports: they are part of the job's cost

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from torch.utils.data import DataLoader, Dataset  # noqa: E402
from torchvision import transforms  # noqa: E402
from torchvision.transforms import InterpolationMode  # noqa: E402

EXTRA = "img2music.json"
INTERPOLATION = {"area": InterpolationMode.BOX, "linear": InterpolationMode.BILINEAR}


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def build_transform(pp: dict) -> transforms.Compose:
    """torchvision equivalent of the model's preprocess block (docs/model-contract.md)."""
    h, w = pp["input_height"], pp["input_width"]
    interp = INTERPOLATION[pp["interpolation"]]
    if pp["resize"] == "shorter_side":
        steps = [transforms.Resize(pp["resize_shorter"], interpolation=interp), transforms.CenterCrop((h, w))]
    else:  # "stretch"
        steps = [transforms.Resize((h, w), interpolation=interp)]
    # ToTensor divides by 255; fold pixel_scale into mean and std so the result is
    # (pixel * pixel_scale - mean) / std.
    k = 255.0 * float(pp["pixel_scale"])
    mean = [m / k for m in pp["mean"]]
    std = [s / k for s in pp["std"]]
    return transforms.Compose(steps + [transforms.ToTensor(), transforms.Normalize(mean, std)])


def open_rgb(path: str) -> Image.Image:
    with Image.open(path) as im:
        if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
            im = im.convert("RGBA")
            white = Image.new("RGBA", im.size, (255, 255, 255, 255))
            return Image.alpha_composite(white, im).convert("RGB")
        return im.convert("RGB")


class ImageList(Dataset):
    """Path i -> (tensor, error). A file that cannot be read gives a zero tensor and its error,
    so that, as in img2music, one bad file does not stop the batch."""

    def __init__(self, paths, transform, shape):
        self.paths, self.transform, self.shape = paths, transform, shape

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        try:
            return self.transform(open_rgb(self.paths[i])), ""
        except (OSError, ValueError) as e:
            return torch.zeros(self.shape), str(e) or type(e).__name__


def load_songs(path: str):
    """-> (rows as dicts, float32 [S, 2] valence-arousal)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    va = np.array([[float(r["valence"]), float(r["arousal"])] for r in rows], dtype=np.float32)
    return rows, va


def quantile_map(reference, catalogue):
    """img2music's --align quantile for one axis (src/alignment.cpp): knots at the reference
    quantiles, mapped to the catalogue's values at the same quantiles; tied knots merge."""
    ref = np.asarray(reference, dtype=np.float64)
    cq = np.quantile(catalogue.astype(np.float64), np.linspace(0.0, 1.0, 101))
    targets = np.quantile(cq, np.arange(len(ref)) / (len(ref) - 1))
    knots, values = np.unique(ref, return_inverse=True)
    merged = np.bincount(values, weights=targets) / np.bincount(values)
    return knots.astype(np.float32), merged.astype(np.float32)


def align(x: np.ndarray, axis_map) -> np.ndarray:
    knots, values = axis_map
    if len(knots) == 1:
        return np.full_like(x, values[0])
    return np.interp(x, knots, values).astype(np.float32)  # clamps outside the knots, as img2music


def nearest(points: np.ndarray, queries: np.ndarray, k: int):
    """Top-k nearest songs for each query: (indices [B, k], distances [B, k]), nearest first,
    ties to the lower index."""
    d = np.sqrt(((queries[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))  # [B, S]
    part = np.argpartition(d, k - 1, axis=1)[:, :k]
    idx = np.empty_like(part)
    for b in range(len(queries)):
        cand = part[b]
        idx[b] = cand[np.lexsort((cand, d[b, cand]))]
    return idx, np.take_along_axis(d, idx, axis=1)


def r4(x) -> float:
    return round(float(x), 4)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="models/img2music.pt")
    p.add_argument("--songs", default="data/songs.csv")
    p.add_argument("--top", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=8, help="images per forward pass (img2music's default: 8)")
    p.add_argument("--workers", type=int, default=cores(), help="DataLoader worker processes (default: one per core)")
    p.add_argument("--threads", type=int, default=cores(), help="torch.set_num_threads (default: one per core)")
    p.add_argument("--align", choices=("quantile", "none"), default="quantile")
    p.add_argument("--out", default="-", help="JSON Lines output (default stdout)")
    a = p.parse_args(argv)

    torch.set_num_threads(a.threads)
    paths = [line.rstrip("\n") for line in sys.stdin if line.rstrip("\n")]
    extra = {EXTRA: ""}
    model = torch.jit.load(a.model, map_location="cpu", _extra_files=extra)
    model.eval()
    meta = json.loads(extra[EXTRA])
    pp = meta["preprocess"]
    rows, song_va = load_songs(a.songs)
    ref = meta.get("reference_distribution")
    maps = None
    if a.align == "quantile" and ref is not None:
        maps = (quantile_map(ref["valence"], song_va[:, 0]), quantile_map(ref["arousal"], song_va[:, 1]))

    shape = (3, pp["input_height"], pp["input_width"])
    loader = DataLoader(ImageList(paths, build_transform(pp), shape), batch_size=a.batch_size, shuffle=False,
                        num_workers=a.workers)
    out = sys.stdout if a.out == "-" else open(a.out, "w", encoding="utf-8")
    t_loop = time.perf_counter()
    n = failures = 0
    with torch.inference_mode():
        for x, errors in loader:
            y = model(x).float().numpy()
            ok = np.isfinite(y).all(axis=1)
            y = np.clip(np.nan_to_num(y), 0.0, 1.0)
            q = y if maps is None else np.stack([align(y[:, 0], maps[0]), align(y[:, 1], maps[1])], axis=1)
            idx, dist = nearest(song_va, q, a.top)
            for b in range(len(y)):
                rec = {"input": paths[n]}
                if errors[b] or not ok[b]:
                    rec["error"] = errors[b] or "model produced a non-finite value"
                    failures += 1
                else:
                    rec.update(valence=r4(y[b, 0]), arousal=r4(y[b, 1]))
                    if maps is not None:
                        rec.update(aligned_valence=r4(q[b, 0]), aligned_arousal=r4(q[b, 1]))
                    rec["songs"] = [{"rank": r + 1, "id": rows[i]["id"], "artist": rows[i]["artist"],
                                     "track": rows[i]["track"], "album": rows[i]["album"],
                                     "valence": r4(song_va[i, 0]), "arousal": r4(song_va[i, 1]),
                                     "distance": r4(dist[b, r])} for r, i in enumerate(idx[b])]
                out.write(json.dumps(rec, ensure_ascii=False) + "\n")
                n += 1
    out.flush()
    if out is not sys.stdout:
        out.close()
    t_end = time.perf_counter()
    loop = t_end - t_loop
    print("python_reference: settings: PIL + torchvision Resize/CenterCrop/ToTensor/Normalize, DataLoader(batch_size=%d, "
          "num_workers=%d), torch.set_num_threads(%d), torch.jit.load (not frozen), inference_mode, numpy top-%d, "
          "align %s; torch %s" % (a.batch_size, a.workers, a.threads, a.top, a.align if maps else "none",
                                  torch.__version__), file=sys.stderr)
    print("python_reference: %d images, %d failed; %.2f s in the loop (%.1f images/s), %.2f s from start"
          % (n, failures, loop, n / loop if loop > 0 else math.nan, t_end - T_START), file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
