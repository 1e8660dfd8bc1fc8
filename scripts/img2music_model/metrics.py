"""Pearson r, Lin's concordance correlation coefficient (CCC) and RMSE, per axis."""
from typing import Dict

import numpy as np

AXES = ("valence", "arousal")


def pearson(p: np.ndarray, t: np.ndarray) -> float:
    p = np.asarray(p, np.float64)
    t = np.asarray(t, np.float64)
    pc, tc = p - p.mean(), t - t.mean()
    d = np.sqrt((pc * pc).sum() * (tc * tc).sum())
    return float((pc * tc).sum() / d) if d > 0 else 0.0


def ccc(p: np.ndarray, t: np.ndarray) -> float:
    p = np.asarray(p, np.float64)
    t = np.asarray(t, np.float64)
    cov = ((p - p.mean()) * (t - t.mean())).mean()
    d = p.var() + t.var() + (p.mean() - t.mean()) ** 2
    return float(2 * cov / d) if d > 0 else 0.0


def rmse(p: np.ndarray, t: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(p, np.float64) - np.asarray(t, np.float64)) ** 2)))


def axis_metrics(pred: np.ndarray, target: np.ndarray) -> Dict[str, Dict[str, float]]:
    """pred, target: [N, 2] -> {"valence": {"pearson_r", "ccc", "rmse"}, "arousal": {...}}."""
    out = {}
    for j, ax in enumerate(AXES):
        out[ax] = {"pearson_r": round(pearson(pred[:, j], target[:, j]), 4),
                   "ccc": round(ccc(pred[:, j], target[:, j]), 4),
                   "rmse": round(rmse(pred[:, j], target[:, j]), 4)}
    return out


def quantiles(x: np.ndarray, n: int = 101):
    """n ascending quantiles q0..q100 (linear interpolation), rounded to 6 decimals."""
    q = np.quantile(np.asarray(x, np.float64), np.linspace(0.0, 1.0, n))
    q = np.maximum.accumulate(np.round(q, 6))
    return [float(v) for v in q]


def emotion_metrics(pred: np.ndarray, target: np.ndarray, eps: float = 1e-6) -> Dict[str, float]:
    """pred, target: [N, K] distributions -> mean KL(target || pred) in nats (pred floored at eps,
    renormalised) and top-1 agreement (the most likely emotion is the raters' most chosen; a tie
    among the raters counts when pred's top is any of the tied ones)."""
    p = np.asarray(pred, np.float64)
    t = np.asarray(target, np.float64)
    p = np.maximum(p, eps)
    p /= p.sum(1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = np.where(t > 0, t * np.log(t / p), 0.0).sum(1)
    top = p.argmax(1)
    agree = t[np.arange(len(t)), top] >= t.max(1) - 1e-9
    return {"kl": round(float(kl.mean()), 4), "top1": round(float(agree.mean()), 4)}
