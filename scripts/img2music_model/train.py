"""Training on cached frozen-stage activations.

Compute plan (2-core CPU): the frozen stages are run once per augmented view of every image
(`build_cache`); their last feature map (float16) and pooled taps are kept in memory. Each
epoch then draws one random cached view per training image and fine-tunes only the trainable
stages + head on it, which is ~10x cheaper than running the whole network. The frozen stages
never see a label, so one cache serves every cross-validation fold without leakage.

Targets (`Targets`): each row's (valence, arousal) on its own dataset's scale, trained through
that dataset's head only (multi-task: one head per rated set on shared features), and, where
known, the raters' emotion distribution, trained with cross-entropy (= KL divergence + a
constant) on the emotion logits.
"""
import copy
import time
from typing import Callable, Dict, List, Optional

import numpy as np
import torch

from . import augment
from .metrics import emotion_metrics, pearson
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


class Targets:
    """What each cached row is trained towards (see corpus.Corpus)."""

    def __init__(self, y: np.ndarray, dataset: Optional[np.ndarray] = None, emotions: Optional[np.ndarray] = None,
                 has_emotions: Optional[np.ndarray] = None):
        self.y = y.astype(np.float32)                        # [N, 2]
        self.dataset = (np.zeros(len(y), np.int64) if dataset is None else dataset)  # [N] head index
        self.emotions = emotions                             # [N, K] or None
        self.has_emotions = (np.zeros(len(y), bool) if has_emotions is None else has_emotions)

    @classmethod
    def of(cls, corpus) -> "Targets":
        return cls(corpus.y, corpus.dataset, corpus.emotions, corpus.has_emotions)


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


def own_head_va(raw: torch.Tensor, dataset: torch.Tensor) -> torch.Tensor:
    """[B, 2H + K] raw outputs -> [B, 2]: each row's (valence, arousal) from its dataset's head."""
    cols = (2 * dataset)[:, None] + torch.arange(2)[None, :]
    return raw.gather(1, cols)


def predict_raw(net, maps, taps, idx: np.ndarray, tta: bool = True, batch: int = 128) -> np.ndarray:
    """Raw outputs of every head from the cache: view 0 (the inference view), averaged with view 1
    (its mirror) when tta, as the exported module's mirror TTA does."""
    net.eval()
    out = []
    views = [0, 1] if (tta and maps.shape[1] > 1) else [0]
    with torch.no_grad():
        for s in range(0, len(idx), batch):
            b = torch.as_tensor(idx[s:s + batch])
            out.append((sum(net.from_frozen(maps[b, v].float(), taps[b, v]) for v in views) / len(views)).numpy())
    n_out = 2 * net.head.n_va_heads + net.head.n_emotions
    return np.concatenate(out) if out else np.zeros((0, n_out), np.float32)


class Predictions:
    """Decoded predict_raw output for rows idx: own-head VA, head-0 (shipped) VA, emotions."""

    def __init__(self, net, raw: np.ndarray, dataset: np.ndarray):
        self.own = np.clip(np.stack([raw[np.arange(len(raw)), 2 * dataset],
                                     raw[np.arange(len(raw)), 2 * dataset + 1]], 1), 0, 1)
        self.shipped = np.clip(raw[:, 0:2], 0, 1)
        k = net.head.n_emotions
        if k:
            z = raw[:, 2 * net.head.n_va_heads:2 * net.head.n_va_heads + k].astype(np.float64)
            z = np.exp(z - z.max(1, keepdims=True))
            self.emotions = (z / z.sum(1, keepdims=True)).astype(np.float32)
        else:
            self.emotions = None


def predict_cached(net, maps, taps, idx: np.ndarray, tta: bool = True, batch: int = 128,
                   dataset: Optional[np.ndarray] = None) -> np.ndarray:
    """Clamped (valence, arousal) [len(idx), 2]: each row from its dataset's head (dataset: [N]
    head index of every cached row; default head 0)."""
    raw = predict_raw(net, maps, taps, idx, tta, batch)
    ds = np.zeros(len(idx), np.int64) if dataset is None else dataset[idx]
    return Predictions(net, raw, ds).own


def _score(pred: np.ndarray, y: np.ndarray, dataset: np.ndarray) -> float:
    """Early-stopping score: mean Pearson r over both axes of every dataset present, each on its
    own head (so the larger set does not decide alone)."""
    parts = []
    for d in np.unique(dataset):
        m = dataset == d
        if m.sum() > 2:
            parts.append(0.5 * (pearson(pred[m, 0], y[m, 0]) + pearson(pred[m, 1], y[m, 1])))
    return float(np.mean(parts)) if parts else 0.0


def train_net(base_net, maps, taps, T: Targets, train_idx: np.ndarray, val_idx: Optional[np.ndarray],
              hp: Dict, seed: int, log: Callable = log_fn):
    """Fine-tune a copy of base_net (trainable stages + head) on cached views.
    hp: epochs, patience, batch, lr_top, lr_head, weight_decay, loss, tta, emotion_weight.
    With val_idx, early stopping on the inner validation split's _score (best epoch restored);
    without, trains exactly hp['epochs'] epochs (or stops after hp['stop_after']).
    Returns (net, info)."""
    if isinstance(T, np.ndarray):
        T = Targets(T)
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    net = copy.deepcopy(base_net)
    y_t = torch.from_numpy(T.y)
    ds_t = torch.from_numpy(T.dataset)
    n_heads, k_emo = net.head.n_va_heads, net.head.n_emotions
    emo_t = torch.from_numpy(T.emotions) if (k_emo and T.emotions is not None) else None
    has_t = torch.from_numpy(T.has_emotions)
    w_emo = float(hp.get("emotion_weight", 0.0)) if emo_t is not None else 0.0
    n_views = maps.shape[1]
    # fixed standardisation of the head's input, from the training images' inference view
    with torch.no_grad():
        feats = torch.cat([net.features(maps[torch.as_tensor(train_idx[s:s + 256]), 0].float(),
                                        taps[torch.as_tensor(train_idx[s:s + 256]), 0])
                           for s in range(0, len(train_idx), 256)])
        net.head.set_standardisation(feats)
        last = net.head.fc[-1]
        torch.nn.init.normal_(last.weight, std=0.01)
        last.bias.zero_()
        for h in range(n_heads):
            rows = train_idx[T.dataset[train_idx] == h]
            if len(rows):
                last.bias[2 * h:2 * h + 2] = y_t[torch.as_tensor(rows)].mean(0)
    lp_info = None
    if hp.get("lp_init") and len(net.head.fc) == 1:
        lp_info = _linear_probe_init(net, maps, taps, T, train_idx, val_idx, hp)
    if hp["epochs"] == 0:  # the probe alone: nothing is fine-tuned
        net.eval()
        return net, {"best_epoch": 0, "epochs_run": 0, "linear_probe": lp_info, "best_val_r": None, "seconds": 0.0,
                     "train_views_per_s": 0.0}
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

    def val_score():
        return _score(predict_cached(net, maps, taps, val_idx, hp["tta"], dataset=T.dataset), T.y[val_idx],
                      T.dataset[val_idx])

    best = (-np.inf, 0, None)
    if lp_info is not None and val_idx is not None and len(val_idx):
        # epoch 0 = the linear probe itself: fine-tuning must beat it on the inner validation split
        best = (val_score(), 0, copy.deepcopy(net.state_dict()))
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
            loss = loss_fn(hp["loss"], own_head_va(out, ds_t[b]), y_t[b])
            if w_emo > 0:
                m = has_t[b]
                if bool(m.any()):
                    logits = out[m][:, 2 * n_heads:2 * n_heads + k_emo]
                    ce = -(emo_t[b][m] * torch.log_softmax(logits, 1)).sum(1).mean()
                    loss = loss + w_emo * ce * (float(m.sum()) / len(b))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss) * len(b)
            n_seen += len(b)
        rec = {"epoch": ep, "loss": round(tot / len(perm), 5)}
        if val_idx is not None and len(val_idx):
            sc = val_score()
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


def _softmax_regression(X: np.ndarray, P: np.ndarray, l2: float, iters: int = 200):
    """Multinomial logistic regression on soft targets P (rows sum to 1), L2 penalty l2 * |W|^2 / 2
    per row; deterministic full-batch L-BFGS. -> (W [d, K], b [K])."""
    Xt = torch.from_numpy(X).double()
    Pt = torch.from_numpy(P).double()
    W = torch.zeros(X.shape[1], P.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.log(Pt.mean(0).clamp_min(1e-6)).clone().requires_grad_(True)
    opt = torch.optim.LBFGS([W, b], max_iter=iters, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = -(Pt * torch.log_softmax(Xt @ W + b, 1)).sum(1).mean() + 0.5 * l2 * (W * W).sum() / len(X)
        loss.backward()
        return loss
    opt.step(closure)
    return W.detach().numpy(), b.detach().numpy()


def _linear_probe_init(net, maps, taps, T: Targets, train_idx, val_idx, hp) -> Dict:
    """LP-FT (Kumar et al. 2022): set the linear head to the probe solution on the frozen features
    of the training images (mean of the inference view and its mirror) before fine-tuning, so that fine-tuning starts
    from a good head instead of distorting the features with a random one. Each dataset's VA head
    is a ridge fit on that dataset's rows (penalty by leave-one-out on the training part, or with
    hp['lp_select'] == 'val' on the inner validation split), the emotion head a soft-label softmax
    regression (penalty on the inner validation split); the grid's middle without either."""
    def feats(idx, v):
        with torch.no_grad():
            out = [net.features(maps[torch.as_tensor(idx[s:s + 256]), v].float(),
                                taps[torch.as_tensor(idx[s:s + 256]), v]) for s in range(0, len(idx), 256)]
            z = torch.cat(out)
            return ((z - net.head.mu) / net.head.sigma).double().numpy()
    grid = hp.get("lp_alphas", [float(a) for a in np.round(np.logspace(-1, 5, 25), 2)])
    last = net.head.fc[-1]
    has_val = val_idx is not None and len(val_idx) > 0
    info = {"alpha": {}, "val_scores": {}}
    for h in range(net.head.n_va_heads):
        tr = train_idx[T.dataset[train_idx] == h]
        if not len(tr):
            continue
        va = val_idx[T.dataset[val_idx] == h] if has_val else np.zeros(0, np.int64)
        # Each head is fitted on its own dataset's standardisation (ridge is not scale invariant,
        # and the shared one mixes both sets), then folded into the shared one exactly below.
        # The head is linear, so the mirror TTA's mean output is the output on the two views' mean
        # features: fit on exactly that, once per image (leave-one-out stays honest).
        X = 0.5 * (feats(tr, 0) + feats(tr, 1))
        m_d, s_d = X.mean(0), np.maximum(X.std(0), 1e-3)
        X = (X - m_d) / s_d
        Y = T.y[tr].astype(np.float64)
        ym = Y.mean(0)
        scores = []
        if hp.get("lp_select", "loo") == "loo" and len(tr) > 10:
            # efficient leave-one-out over the whole training part
            from sklearn.linear_model import RidgeCV
            alpha = float(RidgeCV(alphas=grid).fit(X, Y).alpha_)
        elif len(va) > 2:
            Xv = (0.5 * (feats(va, 0) + feats(va, 1)) - m_d) / s_d
            for a in grid:
                W = _ridge_solve(X, Y - ym, a)
                scores.append(_score(Xv @ W + ym, T.y[va], np.zeros(len(va), np.int64)))
            alpha = grid[int(np.argmax(scores))]
        else:
            given = hp.get("lp_alpha")
            alpha = (given.get(str(h)) if isinstance(given, dict) else given) or grid[len(grid) // 2]
        W = _ridge_solve(X, Y - ym, alpha)  # X is centred: (x - m_d) / s_d
        bias = ym - (m_d / s_d) @ W
        with torch.no_grad():
            last.weight[2 * h:2 * h + 2] = torch.from_numpy((W / s_d[:, None]).T).float()
            last.bias[2 * h:2 * h + 2] = torch.from_numpy(bias).float()
        info["alpha"][str(h)] = alpha
        info["val_scores"][str(h)] = [round(s, 4) for s in scores]
    k = net.head.n_emotions
    if k and T.emotions is not None:
        tr = train_idx[T.has_emotions[train_idx]]
        va = val_idx[T.has_emotions[val_idx]] if has_val else np.zeros(0, np.int64)
        if len(tr):
            def stacked(rows):
                return (np.concatenate([feats(rows, 0), feats(rows, 1)]),
                        np.concatenate([T.emotions[rows], T.emotions[rows]]).astype(np.float64))
            X, P = stacked(tr)
            l2_grid = hp.get("lp_emotion_l2", [30.0, 100.0, 300.0, 1000.0])
            kls = []
            if len(va) > 2:
                # the penalty is chosen without the validation rows (train_idx may include them
                # when nothing is fine-tuned), then the head is fitted on all of train_idx
                Xs, Ps = stacked(np.setdiff1d(tr, va))
                Xv = 0.5 * (feats(va, 0) + feats(va, 1))
                for l2 in l2_grid:
                    W, b = _softmax_regression(Xs, Ps, l2)
                    z = Xv @ W + b
                    q = np.exp(z - z.max(1, keepdims=True))
                    q /= q.sum(1, keepdims=True)
                    kls.append(emotion_metrics(q, T.emotions[va])["kl"])
                l2 = l2_grid[int(np.argmin(kls))]
            else:
                l2 = hp.get("lp_emotion_l2_final") or l2_grid[len(l2_grid) // 2]
            W, b = _softmax_regression(X, P, l2)
            s0 = 2 * net.head.n_va_heads
            with torch.no_grad():
                last.weight[s0:s0 + k] = torch.from_numpy(W.T).float()
                last.bias[s0:s0 + k] = torch.from_numpy(b).float()
            info["emotion_l2"] = l2
            info["emotion_val_kl"] = [round(v, 4) for v in kls]
    return info


def ridge_oof(X: np.ndarray, y: np.ndarray, folds: np.ndarray, k: int, train_mask: Optional[np.ndarray] = None,
              test_mask: Optional[np.ndarray] = None) -> np.ndarray:
    """Out-of-fold ridge predictions (StandardScaler + RidgeCV, alpha by efficient leave-one-out
    on the training part only). Rows outside train_mask never train; only test_mask rows are
    predicted (others stay 0)."""
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    train_mask = np.ones(len(y), bool) if train_mask is None else train_mask
    test_mask = np.ones(len(y), bool) if test_mask is None else test_mask
    oof = np.zeros_like(y)
    for f in range(k):
        te, tr = (folds == f) & test_mask, (folds != f) & train_mask
        if not te.any():
            continue
        m = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-1, 5, 25)))
        m.fit(X[tr], y[tr])
        oof[te] = np.clip(m.predict(X[te]), 0, 1)
    return oof
