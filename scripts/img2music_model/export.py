"""TorchScript export with the img2music.json extra file, and reading it back.

Reproducible files: torch.jit.save writes `*.debug_pkl` records (source ranges for error
messages) that embed the absolute path of the Python sources, so the archive is rewritten
without them (entries in the same order, stored, fixed 1980-01-01 timestamps). TorchScript
loads such archives normally; only error messages lose Python source locations.
"""
import io
import json
import os
import sys
import zipfile
from typing import Dict, Tuple

import torch

from . import metadata as md

EXTRA = "img2music.json"


def script_model(net: torch.nn.Module) -> torch.jit.ScriptModule:
    net.eval()
    return torch.jit.script(net)


def save(net: torch.nn.Module, meta: Dict, path: str) -> torch.jit.ScriptModule:
    """Script `net` (eval mode), probe it, save with metadata. Returns the scripted module."""
    md.validate(meta)
    sm = script_model(net)
    pp = meta["preprocess"]
    probe = torch.zeros(2, 3, pp["input_height"], pp["input_width"])
    with torch.no_grad():
        out = sm(probe)
    width = 2 + len(meta.get("emotions") or [])
    if tuple(out.shape) != (2, width) or out.dtype != torch.float32:
        raise RuntimeError("exported model must map [N,3,H,W] -> float32 [N,%d], got %s" % (width, tuple(out.shape)))
    buf = io.BytesIO()
    torch.jit.save(sm, buf, _extra_files={EXTRA: md.dumps(meta)})
    _write_without_debug(buf.getvalue(), path)
    return sm


def _write_without_debug(archive: bytes, path: str) -> None:
    src = zipfile.ZipFile(io.BytesIO(archive))
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            if info.filename.endswith(".debug_pkl"):
                continue
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_STORED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    import os
    os.replace(tmp, path)


def load(path: str) -> Tuple[torch.jit.ScriptModule, Dict]:
    extra = {EXTRA: ""}
    m = torch.jit.load(path, map_location="cpu", _extra_files=extra)
    meta = json.loads(extra[EXTRA])
    md.validate(meta)
    return m, meta


def reexec_with_fixed_hash_seed() -> None:
    """TorchScript writes some class attributes in Python set order: a script that saves models
    calls this first, so that rebuilding gives a byte-identical file. Replaces the process."""
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PYTHONHASHSEED="0"))
