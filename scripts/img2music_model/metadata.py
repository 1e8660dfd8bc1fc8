"""img2music.json: construction and the loader's validation rules (docs/model-contract.md)."""
import json
import math
import re
from typing import Dict, List, Optional

from . import SCRIPT_VERSION
from .preprocess import check_spec

FORMAT = "img2music-model"
FORMAT_VERSION = 1
OUTPUTS = ["valence", "arousal"]


def preprocess_block(input_size: int, norm: Dict, resize: str = "shorter_side",
                     resize_shorter: Optional[int] = None, interpolation: str = "area") -> Dict:
    block = {"input_height": int(input_size), "input_width": int(input_size), "resize": resize}
    if resize == "shorter_side":
        block["resize_shorter"] = int(resize_shorter or input_size)
    block["interpolation"] = interpolation
    block["pixel_scale"] = float(norm["pixel_scale"])
    block["mean"] = [float(v) for v in norm["mean"]]
    block["std"] = [float(v) for v in norm["std"]]
    return check_spec(block)


def build(name: str, arch: str, preprocess: Dict, provenance: Dict, target_scale: Optional[Dict] = None,
          reference_distribution: Optional[Dict] = None, metrics: Optional[Dict] = None,
          training: Optional[Dict] = None, emotions: Optional[List[str]] = None) -> Dict:
    """emotions: names of the k extra outputs (a probability distribution) after valence and
    arousal, for a model that returns [N, 2 + k]; None for a [N, 2] model."""
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "name": name, "arch": arch,
            "outputs": list(OUTPUTS), "preprocess": preprocess}
    if emotions:
        meta["emotions"] = list(emotions)
    if target_scale is not None:
        meta["target_scale"] = target_scale
    if reference_distribution is not None:
        meta["reference_distribution"] = reference_distribution
    if metrics is not None:
        meta["metrics"] = metrics
    prov = {"training_script": "scripts/train_va_model.py", "script_version": SCRIPT_VERSION}
    prov.update(provenance)
    meta["provenance"] = prov
    if training is not None:
        meta["training"] = training
    validate(meta)
    return meta


def dumps(meta: Dict) -> str:
    """Canonical text (sorted keys) so that rebuilds are byte-identical."""
    return json.dumps(meta, indent=1, sort_keys=True, ensure_ascii=True) + "\n"


def validate(meta: Dict) -> None:
    """Raise ValueError unless meta satisfies the strict loader rules of the contract."""
    def need(cond, msg):
        if not cond:
            raise ValueError("img2music.json: " + msg)

    need(isinstance(meta, dict), "not an object")
    need(meta.get("format") == FORMAT, "format must be %r" % FORMAT)
    fv = meta.get("format_version")
    need(fv == FORMAT_VERSION and not isinstance(fv, bool), "format_version must be 1")
    for k in ("arch", "name"):
        need(isinstance(meta.get(k), str) and meta[k] != "", "%s must be a non-empty string" % k)
    need(meta.get("outputs") == OUTPUTS, "outputs must be %r" % OUTPUTS)
    emo = meta.get("emotions")
    if emo is not None:
        need(isinstance(emo, list) and 1 <= len(emo) <= 64, "emotions must be a list of 1..64 names")
        need(all(isinstance(e, str) and re.fullmatch(r"[a-z][a-z0-9_]{0,31}", e) for e in emo),
             "emotion names must be lower-case identifiers of at most 32 characters")
        need(len(set(emo)) == len(emo), "emotion names must be distinct")
    need(isinstance(meta.get("preprocess"), dict), "preprocess block missing")
    try:
        check_spec(meta["preprocess"])
    except (KeyError, ValueError, TypeError) as e:
        raise ValueError("img2music.json: preprocess: %s" % e)
    rd = meta.get("reference_distribution")
    if rd is not None:
        need(isinstance(rd, dict), "reference_distribution must be an object")
        v, a = rd.get("valence"), rd.get("arousal")
        need(isinstance(v, list) and isinstance(a, list), "reference_distribution needs valence and arousal arrays")
        need(len(v) == len(a) and len(v) >= 2, "reference arrays: same length >= 2")
        for arr in (v, a):
            need(all(isinstance(q, (int, float)) and not isinstance(q, bool) and math.isfinite(q) for q in arr),
                 "reference values must be finite numbers")
            need(all(arr[i] <= arr[i + 1] for i in range(len(arr) - 1)), "reference arrays must be non-decreasing")
