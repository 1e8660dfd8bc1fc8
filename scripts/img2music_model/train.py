"""Training on cached frozen-stage activations.

Compute plan (2-core CPU): the frozen stages are run once per augmented view of every image
(`build_cache`); their last feature map (float16) and pooled taps are kept in memory. Each
epoch then draws one random cached view per training image and fine-tunes only the trainable
stages + head on it, which is ~10x cheaper than running the whole network. The frozen stages
never see a label, so one cache serves every cross-validation fold without leakage.
"""
import copy
import time
from typing import Callable, Dict, List, Optional

import numpy as np
import torch

from . import augment
from .metrics import axis_metrics, pearson
from .preprocess import decode_file, normalise


def log_fn(msg: str) -> None:
    print(msg, flush=True)


def build_cache(net, paths: List[str], spec: Dict, n_views: int, seed: int, jitter: float = 0.1,
                batch: int = 32, log: Callable = log_fn):
    """-> (maps float16 [N, V, C, h, w], taps float32 [N, V, D], seconds, views/s)."""
    t0 = time.time()
    maps, taps = None, None
    pending, where = [], []
    net.eval()

    def flush():
        nonlocal maps, taps
        x = torch.from_numpy(normalise(np.stack(pending), spec))
        with torch.no_grad():
            m, t = net.frozen(x)
        if maps is None:
            maps = torch.zeros((len(paths), n_views) + tuple(m.shape[1:]), dtype=torch.float16)
            taps = torch.zeros((len(paths), n_views, t.shape[1]), dtype=torch.float32)
        for k, (i, v) in enumerate(where):
            maps[i, v] = m[k].half()
            taps[i, v] = t[k]
        pending.clear()
        where.clear()

    for i, p in enumerate(paths):
        views = augment.make_views(decode_file(p), spec, n_views, seed * 100003 + i, jitter)
        for v in range(n_views):
            pending.append(views[v])
            where.append((i, v))
            if len(pending) == batch:
                flush()
        if (i + 1) % 150 == 0:
            el = time.time() - t0
            log("  cache: %d/%d images, %.1f views/s" % (i + 1, len(paths), (i + 1) * n_views / el))
    if pending:
        flush()
    el = time.time() - t0
    return maps, taps, el, len(paths) * n_views / el


def _ccc_loss(p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    pm, tm = p.mean(0), t.mean(0)
    cov = ((p - pm) * (t - tm)).mean(0)
    c = 2 * cov / (p.var(0, unbiased=False) + t.var(0, unbiased=False) + (pm - tm) ** 2 + 1e-8)
    return (1 - c).mean()


def loss_fn(kind: str, p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    mse = ((p - t) ** 2).mean()
    if kind == "mse":
        return mse
    if kind == "ccc":
        return _ccc_loss(p, t)
    if kind == "ccc+mse":
        return _ccc_loss(p, t) + 4.0 * mse
    raise ValueError(kind)


def predict_cached(net, maps, taps, idx: np.ndarray, tta: bool = True, batch: int = 128) -> np.ndarray:
    """Clamped predictions from the cache: view 0 (the inference view), averaged with view 1
    (its mirror) when tta — the same as the exported module's mirror TTA."""
    net.eval()
    out = []
    views = [0, 1] if (tta and maps.shape[1] > 1) else [0]
    with torch.no_grad():
        for s in range(0, len(idx), batch):
            b = torch.as_tensor(idx[s:s + batch])
            y = sum(net.from_frozen(maps[b, v].float(), taps[b, v]) for v in views) / len(views)
            out.append(y.clamp(0, 1).numpy())
    return np.concatenate(out) if out else np.zeros((0, 2), np.float32)


def _score(pred: np.ndarray, y: np.ndarray) -> float:
    return 0.5 * (pearson(pred[:, 0], y[:, 0]) + pearson(pred[:, 1], y[:, 1]))


def train_net(base_net, maps, taps, y: np.ndarray, train_idx: np.ndarray, val_idx: Optional[np.ndarray],
              hp: Dict, seed: int, log: Callable = log_fn):
    """Fine-tune a copy of base_net (trainable stages + head) on cached views.
    hp: epochs, patience, batch, lr_top, lr_head, weight_decay, loss, tta.
    With val_idx, early stopping on the mean Pearson r of the inner validation split (best
    epoch restored); without, trains exactly hp['epochs'] epochs.
    Returns (net, info)."""
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    net = copy.deepcopy(base_net)
    y_t = torch.from_numpy(y)
    n_views = maps.shape[1]
    # fixed standardisation of the head's input, from the training images' inference view
    with torch.no_grad():
        feats = torch.cat([net.features(maps[torch.as_tensor(train_idx[s:s + 256]), 0].float(),
                                        taps[torch.as_tensor(train_idx[s:s + 256]), 0])
                           for s in range(0, len(train_idx), 256)])
        net.head.set_standardisation(feats)
        last = net.head.fc[-1]
        torch.nn.init.normal_(last.weight, std=0.01)
        last.bias.copy_(y_t[torch.as_tensor(train_idx)].mean(0))
    lp_info = None
    if hp.get("lp_init") and len(net.head.fc) == 1:
        lp_info = _linear_probe_init(net, maps, taps, y, train_idx, val_idx, hp)
    top_params = [p for p in net.top.parameters()]
    head_params = [p for p in net.head.parameters()]
    for p in top_params + head_params:
        p.requires_grad_(True)
    opt = torch.optim.AdamW([{"params": top_params, "lr": hp["lr_top"]},
                             {"params": head_params, "lr": hp["lr_head"]}], weight_decay=hp["weight_decay"])
    epochs = hp["epochs"]
    bs = hp["batch"]
    steps_per_epoch = int(np.ceil(len(train_idx) / bs))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[hp["lr_top"], hp["lr_head"]],
                                                total_steps=epochs * steps_per_epoch, pct_start=0.1,
                                                anneal_strategy="cos", div_factor=10.0, final_div_factor=100.0)
    best = (-np.inf, 0, None)
    if lp_info is not None and val_idx is not None and len(val_idx):
        # epoch 0 = the linear probe itself: fine-tuning must beat it on the inner validation split
        best = (_score(predict_cached(net, maps, taps, val_idx, hp["tta"]), y[val_idx]), 0,
                copy.deepcopy(net.state_dict()))
    history = []
    bad = 0
    t0 = time.time()
    n_seen = 0
    for ep in range(1, epochs + 1):
        net.train_mode()
        perm = train_idx[rng.permutation(len(train_idx))]
        vsel = rng.randint(0, n_views, size=len(perm))
        tot = 0.0
        for s in range(0, len(perm), bs):
            b = torch.as_tensor(perm[s:s + bs])
            v = torch.as_tensor(vsel[s:s + bs])
            out = net.from_frozen(maps[b, v].float(), taps[b, v])
            loss = loss_fn(hp["loss"], out, y_t[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss) * len(b)
            n_seen += len(b)
        rec = {"epoch": ep, "loss": round(tot / len(perm), 5)}
        if val_idx is not None and len(val_idx):
            pv = predict_cached(net, maps, taps, val_idx, hp["tta"])
            sc = _score(pv, y[val_idx])
            rec["val_r"] = round(sc, 4)
            if sc > best[0] + 1e-4:
                best = (sc, ep, copy.deepcopy(net.state_dict()))
                bad = 0
            else:
                bad += 1
        history.append(rec)
        log("    epoch %d %s" % (ep, " ".join("%s=%s" % kv for kv in rec.items() if kv[0] != "epoch")))
        if val_idx is not None and bad >= hp["patience"]:
            break
        if hp.get("stop_after") and ep >= hp["stop_after"]:
            break
    el = time.time() - t0
    if best[2] is not None:
        net.load_state_dict(best[2])
    net.eval()
    info = {"best_epoch": best[1] if best[2] is not None else len(history), "epochs_run": len(history),
            "linear_probe": lp_info,
            "best_val_r": None if best[2] is None else round(best[0], 4),
            "seconds": round(el, 1), "train_views_per_s": round(n_seen / max(el, 1e-9), 1)}
    return net, info


def _ridge_solve(X: np.ndarray, Y: np.ndarray, alpha: float) -> np.ndarray:
    d = X.shape[1]
    return np.linalg.solve(X.T @ X + alpha * np.eye(d), X.T @ Y)


def _linear_probe_init(net, maps, taps, y, train_idx, val_idx, hp) -> Dict:
    """LP-FT (Kumar et al. 2022): set the linear head to the ridge solution on the frozen
    features of the training images (inference view + mirror) before fine-tuning, so that
    fine-tuning starts from a good head instead of distorting the features with a random one.
    The ridge alpha is chosen on the inner validation split (first of the grid without one)."""
    def feats(idx, v):
        with torch.no_grad():
            out = [net.features(maps[torch.as_tensor(idx[s:s + 256]), v].float(),
                                taps[torch.as_tensor(idx[s:s + 256]), v]) for s in range(0, len(idx), 256)]
            z = torch.cat(out)
            return ((z - net.head.mu) / net.head.sigma).double().numpy()
    X = np.concatenate([feats(train_idx, 0), feats(train_idx, 1)])
    Y = np.concatenate([y[train_idx], y[train_idx]]).astype(np.float64)
    ym = Y.mean(0)
    grid = hp.get("lp_alphas", [300.0, 1000.0, 3000.0, 10000.0, 30000.0])
    scores = []
    if val_idx is not None and len(val_idx):
        Xv = 0.5 * (feats(val_idx, 0) + feats(val_idx, 1))
        for a in grid:
            W = _ridge_solve(X, Y - ym, 2 * a)
            scores.append(_score(Xv @ W + ym, y[val_idx]))
        alpha = grid[int(np.argmax(scores))]
    else:
        alpha = hp.get("lp_alpha") or grid[len(grid) // 2]
    W = _ridge_solve(X, Y - ym, 2 * alpha)
    last = net.head.fc[-1]
    with torch.no_grad():
        last.weight.copy_(torch.from_numpy(W.T).float())
        last.bias.copy_(torch.from_numpy(ym).float())
    return {"alpha": alpha, "val_scores": [round(s, 4) for s in scores]}


def ridge_baseline(feats_fn, y: np.ndarray, folds: np.ndarray, k: int) -> Dict:
    """Frozen features + ridge (alpha by efficient LOO on the training part only), same folds."""
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    X = feats_fn()
    oof = np.zeros_like(y)
    for f in range(k):
        te, tr = folds == f, folds != f
        m = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-1, 5, 25)))
        m.fit(X[tr], y[tr])
        oof[te] = np.clip(m.predict(X[te]), 0, 1)
    return {"metrics": axis_metrics(oof, y), "dim": int(X.shape[1])}
