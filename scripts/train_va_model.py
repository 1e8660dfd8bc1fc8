#!/usr/bin/python3
"""Train the img2music image model on two human-rated sets: OASIS and Emotion6.

Cross-validation (5 folds: OASIS grouped by theme, Emotion6 stratified by folder; writes the
out-of-fold predictions, metrics and same-run ridge baselines):
    /usr/bin/python3 scripts/train_va_model.py --mode cv [--cache-dir build/cache]
Final model on all images, exported to models/img2music.pt (uses models/cv_results.json for
the reference distribution, the CV metrics and the penalties):
    /usr/bin/python3 scripts/train_va_model.py --mode final [--cache-dir build/cache]

Data: --shared DIR, else $IMG2MUSIC_SHARED, else <repo>/../shared.
Method (see models/README.md): one (valence, arousal) head per rated set on shared frozen
multi-layer features and class-name words (ImageNet class probabilities x GloVe vectors of the
class names; the sets' scales and raters differ, so their targets are never pooled),
an emotion head trained on Emotion6's rater distributions, mirror TTA; the exported model
returns the Emotion6 head and the emotions, [N, 2 + 7]. Optional fine-tuning (--epochs N) of
the upper stages on cached frozen-stage activations, with early stopping on an inner split.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from img2music_model import SCRIPT_VERSION  # noqa: E402
from img2music_model import backbones, corpus, data, export, metadata  # noqa: E402
from img2music_model.metrics import axis_metrics, emotion_metrics, quantiles  # noqa: E402
from img2music_model.train import (Predictions, Targets, build_cache, log_fn, predict_raw, ridge_oof,  # noqa: E402
                                   train_net)

DEFAULTS = {  # per-architecture defaults (models/README.md says how they were measured)
    # MobileNet: frozen multi-layer probe at 320 px; fine-tuning blocks 12-13 measured worse.
    "mobilenet_v1_075": {"freeze": 12, "taps": "5,11", "input_size": 320, "views": 2, "epochs": 0},
    "vgg19_bn": {"freeze": 4, "taps": "2,3", "input_size": 224, "views": 8, "epochs": 20},
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=("cv", "final", "cache"), required=True,
                   help="cv: cross-validation; final: train and export; cache: only build the --cache-dir cache")
    p.add_argument("--datasets", default="oasis,emotion6",
                   help="rated sets to train on, comma separated (default both: oasis,emotion6)")
    p.add_argument("--no-emotions", dest="emotions", action="store_false",
                   help="no emotion-distribution output (the model then returns [N, 2])")
    p.add_argument("--emotion-weight", type=float, default=0.5,
                   help="weight of the emotion KL divergence beside the VA mean squared error")
    p.add_argument("--arch", default="mobilenet_v1_075", help="mobilenet_v1_075 (alias mobilenet_v1) or vgg19_bn")
    p.add_argument("--shared", default=None, help="the shared data folder (default $IMG2MUSIC_SHARED or ../shared)")
    p.add_argument("--backbone-weights", default=None,
                   help="vgg19_bn: torchvision vgg19_bn-c79401a0.pth; mobilenet: TF.js folder (default: in --shared)")
    p.add_argument("--random-init", action="store_true", help="no ImageNet weights (tests, benchmarks)")
    p.add_argument("--no-class-words", dest="class_words", action="store_false",
                   help="without the class-name word features (ImageNet classes x GloVe; MobileNet with weights only)")
    p.add_argument("--vgg-head", choices=("pooled", "classifier"), default="pooled")
    p.add_argument("--input-size", type=int, default=None, help="default: 320 (mobilenet), 224 (vgg19_bn)")
    p.add_argument("--resize-shorter", type=int, default=None, help="default: the input size")
    p.add_argument("--freeze", type=int, default=None, help="number of frozen stages (mobilenet: 14 stages, vgg: 5)")
    p.add_argument("--taps", default=None, help="comma list of frozen stages pooled into the head ('' for none)")
    p.add_argument("--views", type=int, default=None,
                   help="cached views per image (0: inference view, 1: mirror, then random crops); default 2 "
                        "(mobilenet, probe only) or 8 (vgg19_bn, fine-tuned)")
    p.add_argument("--jitter", type=float, default=0.1)
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--cv-grouping", choices=("theme", "none"), default="theme",
                   help="theme: OASIS themes never straddle folds (default, honest); none: plain random "
                        "folds, only to compare with figures from the literature")
    p.add_argument("--val-fraction", type=float, default=0.15)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=None,
                   help="fine-tuning schedule length (max epochs); 0 = the linear probe alone (default for mobilenet; "
                        "20 for vgg19_bn)")
    p.add_argument("--patience", type=int, default=5)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr-top", type=float, default=3e-5)
    p.add_argument("--lr-head", type=float, default=1e-4)
    p.add_argument("--weight-decay", type=float, default=1e-2)
    p.add_argument("--dropout", type=float, default=0.2)
    p.add_argument("--loss", choices=("mse", "ccc", "ccc+mse"), default="mse")
    p.add_argument("--no-tta", action="store_true", help="no mirror test-time augmentation")
    p.add_argument("--no-lp-init", action="store_true",
                   help="start fine-tuning from a random head instead of the ridge linear probe (LP-FT)")
    p.add_argument("--lp-alpha", type=float, default=None,
                   help="final mode: ridge alpha of the linear probe (default: median of the CV folds' choices)")
    p.add_argument("--final-epochs", type=int, default=None,
                   help="final mode: stop after this epoch (default: median best CV epoch from --cv-results)")
    p.add_argument("--limit", type=int, default=0, help="use only N images, evenly spaced (smoke tests)")
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    p.add_argument("--cv-out", default=None, help="cv mode: results JSON (default models/cv_results.json)")
    p.add_argument("--cv-results", default=None, help="final mode: CV results JSON (default models/cv_results.json)")
    p.add_argument("--out", default=None, help="final mode: model file (default models/img2music.pt)")
    p.add_argument("--name", default=None)
    p.add_argument("--cache-dir", default=None,
                   help="keep the frozen-stage activation cache here and reuse it (e.g. build/cache)")
    a = p.parse_args(argv)
    a.arch = backbones.canonical_arch(a.arch)
    d = DEFAULTS[a.arch]
    for key in ("freeze", "input_size", "views", "epochs"):
        if getattr(a, key) is None:
            setattr(a, key, d[key])
    if a.taps is None:
        a.taps = d["taps"]
    a.tap_list = [int(t) for t in a.taps.split(",") if t.strip()]
    a.dataset_list = tuple(sorted(d.strip() for d in a.datasets.split(",") if d.strip()))
    if "emotion6" not in a.dataset_list:
        a.emotions = False  # only Emotion6 has rated emotion distributions
    if a.resize_shorter is None:
        a.resize_shorter = a.input_size
    models_dir = os.path.join(data.REPO_ROOT, "models")
    a.cv_out = a.cv_out or os.path.join(models_dir, "cv_results.json")
    a.cv_results = a.cv_results or os.path.join(models_dir, "cv_results.json")
    a.out = a.out or os.path.join(models_dir, "img2music.pt")
    a.name = a.name or ("%s-%s" % (a.arch, "+".join(a.dataset_list)) + ("-random-init" if a.random_init else ""))
    return a


def config_of(a, data_sha: str) -> dict:
    """Everything that determines the trained weights (compared between cv and final runs)."""
    return {"arch": a.arch, "random_init": a.random_init, "vgg_head": a.vgg_head, "input_size": a.input_size,
            "resize_shorter": a.resize_shorter, "freeze": a.freeze, "taps": a.tap_list, "views": a.views,
            "jitter": a.jitter, "folds": a.folds, "cv_grouping": a.cv_grouping, "val_fraction": a.val_fraction,
            "seed": a.seed,
            "epochs": a.epochs, "patience": a.patience, "batch": a.batch, "lr_top": a.lr_top,
            "lr_head": a.lr_head, "weight_decay": a.weight_decay, "dropout": a.dropout, "loss": a.loss,
            "tta": not a.no_tta, "lp_init": not a.no_lp_init, "limit": a.limit, "script_version": SCRIPT_VERSION,
            "datasets": list(a.dataset_list), "emotions": a.emotions, "emotion_weight": a.emotion_weight,
            "class_words": a.class_words, "data_sha256": data_sha}


def hp_of(a) -> dict:
    return {"epochs": a.epochs, "patience": a.patience, "batch": a.batch, "lr_top": a.lr_top, "lr_head": a.lr_head,
            "weight_decay": a.weight_decay, "loss": a.loss, "tta": not a.no_tta, "lp_init": not a.no_lp_init,
            "lp_alpha": a.lp_alpha, "emotion_weight": a.emotion_weight if a.emotions else 0.0}


CACHE_FORMAT = 2  # bump when what build_cache stores changes


def setup(a, log=log_fn):
    torch.set_num_threads(a.threads)
    torch.use_deterministic_algorithms(True)
    try:
        import cv2
        cv2.setNumThreads(1)
    except ImportError:
        pass
    shared = data.shared_dir(a.shared)
    for name in a.dataset_list:
        if not corpus.available(shared, name):
            raise SystemExit("%s not found in %s (use --shared or $%s)" % (name, shared, data.ENV_SHARED))
    C = corpus.load(shared, a.dataset_list, a.limit)
    data_sha = C.combined_sha()
    net, prov = backbones.build_vanet(a.arch, shared, a.backbone_weights, a.random_init, a.freeze, a.tap_list,
                                      a.vgg_head, a.dropout, not a.no_tta, a.seed, n_va_heads=len(corpus.DATASETS),
                                      n_emotions=len(data.EMOTIONS) if a.emotions else 0, class_words=a.class_words)
    # Asked for, the words come only with a backbone that has its ImageNet classifier (here
    # MobileNet with weights): the configuration records what the network got.
    a.class_words = backbones.uses_class_words(net)
    norm = backbones.MOBILENET_PREPROCESS if a.arch == "mobilenet_v1_075" else backbones.IMAGENET_PREPROCESS
    spec = metadata.preprocess_block(a.input_size, norm, "shorter_side", a.resize_shorter, "area")
    log("%s: %s, data sha256 %s, %s, %d threads" % (
        a.arch, ", ".join("%s %d images" % (n, len(C.indices(n))) for n in C.names()), data_sha[:16], prov,
        a.threads))
    t0 = time.time()
    key = {"arch": a.arch, "prov": prov, "vgg_head": a.vgg_head, "freeze": a.freeze, "taps": a.tap_list,
           "spec": spec, "views": a.views, "jitter": a.jitter, "seed": a.seed, "data_sha256": C.data_sha,
           "cache_format": CACHE_FORMAT}
    cache_file = None
    if a.cache_dir:
        import hashlib
        digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:20]
        cache_file = os.path.join(a.cache_dir, "%s-%s.pt" % (a.arch, digest))
    if cache_file and os.path.isfile(cache_file) and not a.random_init:
        maps, taps = torch.load(cache_file)
        secs, vps = time.time() - t0, 0.0
        log("cache: loaded %s" % cache_file)
    else:
        maps, taps, secs, vps = build_cache(net, [r["path"] for r in C.rows], spec, a.views, a.seed, a.jitter, log=log)
        if cache_file and not a.random_init:
            os.makedirs(a.cache_dir, exist_ok=True)
            torch.save((maps, taps), cache_file + ".tmp")
            os.replace(cache_file + ".tmp", cache_file)
            log("cache: wrote %s" % cache_file)
    log("cache: %d x %d views, map %s, taps %d, %.1f s (%.1f views/s)"
        % (maps.shape[0], maps.shape[1], tuple(maps.shape[2:]), taps.shape[2], secs, vps))
    return dict(shared=shared, corpus=C, y=C.y, data_sha=data_sha, net=net, prov=prov, spec=spec,
                maps=maps, taps=taps, cache_s=round(time.time() - t0, 1), cache_vps=round(vps, 1))


def frozen_features(S) -> np.ndarray:
    """Pretrained network's pooled features (last block and taps) of every image's inference
    view: the ridge baselines' features, without fine-tuning and without class-name words."""
    base = S["net"]
    out = []
    with torch.no_grad():
        for s in range(0, len(S["y"]), 128):
            b = torch.arange(s, min(s + 128, len(S["y"])))
            out.append(torch.cat([base.top(S["maps"][b, 0].float()), S["taps"][b, 0]], 1))
    return torch.cat(out).numpy()


def ridge_baselines(S, folds: np.ndarray, k: int) -> dict:
    """Frozen multi-layer features + ridge, the same folds: (a) each dataset alone, (b) both sets'
    [0, 1] targets pooled naively into one ridge (the trap the per-dataset heads avoid)."""
    C = S["corpus"]
    X = frozen_features(S)
    out = {"features": "frozen multi-layer GAP (%d dims), inference view, no TTA" % X.shape[1]}
    pooled = ridge_oof(X, C.y, folds, k)
    for n in C.names():
        m = C.dataset == corpus.DATASETS.index(n)
        alone = ridge_oof(X, C.y, folds, k, train_mask=m, test_mask=m)
        out[n] = {"alone": axis_metrics(alone[m], C.y[m])}
        if len(C.names()) > 1:
            out[n]["both_pooled"] = axis_metrics(pooled[m], C.y[m])
    return out


def emotion_baseline(C, folds: np.ndarray, k: int) -> np.ndarray:
    """Out-of-fold 'always the training folds' mean distribution'."""
    pred = np.zeros_like(C.emotions)
    for f in range(k):
        te = (folds == f) & C.has_emotions
        tr = (folds != f) & C.has_emotions
        if te.any():
            pred[te] = C.emotions[tr].mean(0)
    return pred


def run_cv(a, log=log_fn) -> dict:
    t_start = time.time()
    S = setup(a, log)
    C = S["corpus"]
    T = Targets.of(C)
    folds = C.folds(a.folds, a.seed, a.cv_grouping)
    n_out = 2 * S["net"].head.n_va_heads + S["net"].head.n_emotions
    raw = np.zeros((len(C), n_out), np.float32)
    fold_info = []
    hp = hp_of(a)
    for f in range(a.folds):
        test = np.where(folds == f)[0]
        trval = np.where(folds != f)[0]
        tr, va = C.inner_split(trval, a.val_fraction, a.seed + 1000 + f, a.cv_grouping)
        if a.epochs == 0:
            tr = trval  # no early stopping: the probe trains on the whole training part (va only picks penalties)
        log("fold %d: train %d, inner val %d, test %d" % (f, len(tr), len(va), len(test)))
        net, info = train_net(S["net"], S["maps"], S["taps"], T, tr, va, hp, a.seed + f, log)
        raw[test] = predict_raw(net, S["maps"], S["taps"], test, not a.no_tta)
        P = Predictions(net, raw[test], C.dataset[test])
        info.update({"fold": f, "n_test": int(len(test)), "n_train": int(len(tr)), "n_val": int(len(va)),
                     "metrics": {n: axis_metrics(P.own[C.dataset[test] == corpus.DATASETS.index(n)],
                                                 C.y[test][C.dataset[test] == corpus.DATASETS.index(n)])
                                 for n in C.names()}})
        fold_info.append(info)
        log("fold %d: %s (best epoch %d, %.0f s)"
            % (f, json.dumps(info["metrics"]), info["best_epoch"], info["seconds"]))
    P = Predictions(S["net"], raw, C.dataset)
    metrics, shipped_head = {}, {}
    for n in C.names():
        m = C.dataset == corpus.DATASETS.index(n)
        metrics[n] = axis_metrics(P.own[m], C.y[m])
        shipped_head[n] = axis_metrics(P.shipped[m], C.y[m])
    emo = None
    if P.emotions is not None and C.has_emotions.any():
        m = C.has_emotions
        emo = {"model": emotion_metrics(P.emotions[m], C.emotions[m]),
               "baseline_training_mean": emotion_metrics(emotion_baseline(C, folds, a.folds)[m], C.emotions[m]),
               "names": list(data.EMOTIONS)}
    log("CV out-of-fold (own heads): %s" % json.dumps(metrics))
    log("CV out-of-fold (shipped head %s on every set): %s" % (corpus.DATASETS[corpus.SHIPPED_HEAD],
                                                              json.dumps(shipped_head)))
    if emo:
        log("CV emotions: %s" % json.dumps(emo))
    baselines = ridge_baselines(S, folds, a.folds)
    log("baselines: %s" % json.dumps(baselines))
    best_epochs = [fi["best_epoch"] for fi in fold_info]
    lp = [fi["linear_probe"] for fi in fold_info if fi.get("linear_probe")]
    res = {"config": config_of(a, S["data_sha"]), "backbone_weights": S["prov"], "target_scale": C.scales,
           "datasets": {n: {"images": int(len(C.indices(n))), "data_sha256": C.data_sha[n]} for n in C.names()},
           "shipped_head": corpus.DATASETS[corpus.SHIPPED_HEAD],
           "metrics": metrics, "metrics_shipped_head": shipped_head, "emotions": emo,
           "folds": fold_info, "baselines": baselines,
           "final_epochs": int(np.median(best_epochs)),
           "final_lp_alpha": ({h: float(np.median([p["alpha"][h] for p in lp if h in p["alpha"]]))
                               for h in lp[0]["alpha"]} if lp else None),
           "final_emotion_l2": (float(np.median([p["emotion_l2"] for p in lp])) if lp and "emotion_l2" in lp[0]
                                else None),
           "timing": {"cache_seconds": S["cache_s"], "cache_views_per_s": S["cache_vps"],
                      "total_seconds": round(time.time() - t_start, 1), "threads": a.threads},
           "oof": [oof_record(C, P, folds, i) for i in range(len(C))]}
    os.makedirs(os.path.dirname(os.path.abspath(a.cv_out)), exist_ok=True)
    with open(a.cv_out, "w", encoding="utf-8") as fh:
        json.dump(res, fh, indent=1, sort_keys=True)
        fh.write("\n")
    log("wrote %s (%.1f min)" % (a.cv_out, (time.time() - t_start) / 60))
    return res


def oof_record(C, P, folds, i: int) -> dict:
    rec = {"dataset": C.rows[i]["dataset"], "name": C.rows[i]["name"], "fold": int(folds[i]),
           "valence": round(float(P.own[i, 0]), 6), "arousal": round(float(P.own[i, 1]), 6),
           "shipped_valence": round(float(P.shipped[i, 0]), 6), "shipped_arousal": round(float(P.shipped[i, 1]), 6)}
    if P.emotions is not None:
        rec["emotions"] = [round(float(v), 4) for v in P.emotions[i]]
    return rec


def run_final(a, log=log_fn) -> dict:
    t_start = time.time()
    S = setup(a, log)
    C = S["corpus"]
    T = Targets.of(C)
    cv = None
    if a.cv_results and os.path.isfile(a.cv_results):
        with open(a.cv_results, encoding="utf-8") as fh:
            cand = json.load(fh)
        mine = config_of(a, S["data_sha"])
        if cand.get("config") == mine:
            cv = cand
        else:
            diff = sorted(k for k in set(mine) | set(cand.get("config", {})) if mine.get(k) != cand["config"].get(k))
            log("WARNING: %s was made with another configuration (%s); not used" % (a.cv_results, ", ".join(diff)))
    stop = a.final_epochs or (cv["final_epochs"] if cv else a.epochs)
    hp = hp_of(a)
    log("final: %d images, schedule %d epochs, stopping after epoch %d" % (len(C), a.epochs, stop))
    if hp.get("lp_init") and hp.get("lp_alpha") is None and cv is not None:
        hp["lp_alpha"] = cv.get("final_lp_alpha")
    if cv is not None:
        hp["lp_emotion_l2_final"] = cv.get("final_emotion_l2")
    hp["patience"] = 10 ** 9
    hp["stop_after"] = stop
    net, info = train_net(S["net"], S["maps"], S["taps"], T, np.arange(len(C)), None, hp, a.seed, log)
    all_idx = np.arange(len(C))
    fitted = Predictions(net, predict_raw(net, S["maps"], S["taps"], all_idx, not a.no_tta), C.dataset)
    shipped_name = corpus.DATASETS[corpus.SHIPPED_HEAD]
    if cv is not None:
        ref_v = [o["shipped_valence"] for o in cv["oof"]]
        ref_a = [o["shipped_arousal"] for o in cv["oof"]]
        ref_desc = ("out-of-fold predictions of the shipped (%s-scale) head on the %s (%d-fold CV)"
                    % (shipped_name, " + ".join("%d %s" % (d["images"], n) for n, d in sorted(cv["datasets"].items())),
                       a.folds))
        metrics = {"cv": cv["metrics"], "cv_shipped_head": cv["metrics_shipped_head"], "cv_folds": a.folds,
                   "cv_grouping": {"oasis": a.cv_grouping, "emotion6": "stratified by folder"},
                   "cv_emotions": cv.get("emotions"), "baselines_frozen_ridge": cv["baselines"]}
    else:
        ref_v, ref_a = fitted.shipped[:, 0], fitted.shipped[:, 1]
        ref_desc = ("NOT cross-validated: the final model's own (in-sample) predictions on its %d training "
                    "images; narrower than on unseen images" % len(C))
        metrics = {"train_fit": {n: axis_metrics(fitted.own[C.dataset == corpus.DATASETS.index(n)],
                                                 C.y[C.dataset == corpus.DATASETS.index(n)]) for n in C.names()}}
    ref = {"description": ref_desc, "valence": quantiles(ref_v), "arousal": quantiles(ref_a)}
    described = {"oasis": "OASIS (Kurdi, Lozano & Banaji 2017)", "emotion6": "Emotion6 (Peng et al. 2015), half"}
    prov = {"data": "; ".join("%s, %d images" % (described[n], len(C.indices(n))) for n in C.names()),
            "data_sha256": S["data_sha"], "data_sha256_by_dataset": C.data_sha,
            "backbone_weights": S["prov"], "seed": a.seed}
    training = {k: v for k, v in config_of(a, S["data_sha"]).items() if k not in ("data_sha256", "script_version")}
    training["final_epochs"] = stop
    training["final_lp_alpha"] = hp.get("lp_alpha")
    scale = C.scales.get(shipped_name) or next(iter(C.scales.values()))
    emotions = list(data.EMOTIONS) if net.head.n_emotions else None
    meta = metadata.build(a.name, a.arch, S["spec"], prov, scale, ref, metrics, training, emotions=emotions)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    sm = export.save(net, meta, a.out)
    # consistency: exported module on the real pipeline vs the cached-activation predictions
    from img2music_model.preprocess import preprocess_file
    k = min(8, len(C))
    x = torch.from_numpy(np.stack([preprocess_file(C.rows[i]["path"], S["spec"]) for i in range(k)]))
    with torch.no_grad():
        d_eager = float((sm(x) - net(x)).abs().max())
        d_cache = float(np.abs(sm(x).numpy()[:, :2] - fitted.shipped[:k]).max())
    log("export: scripted vs eager max |diff| %.2e; vs cached (float16) pipeline %.2e" % (d_eager, d_cache))
    size = os.path.getsize(a.out)
    log("wrote %s (%.2f MB), %.1f min" % (a.out, size / 1e6, (time.time() - t_start) / 60))
    return {"meta": meta, "info": info, "seconds": round(time.time() - t_start, 1), "size": size}


def main(argv=None):
    a = parse_args(argv)
    if a.mode == "cache":
        if not a.cache_dir:
            raise SystemExit("--mode cache needs --cache-dir")
        setup(a)
    elif a.mode == "cv":
        run_cv(a)
    else:
        run_final(a)


if __name__ == "__main__":
    export.reexec_with_fixed_hash_seed()
    main()
