#!/usr/bin/python3
"""Train the img2music image -> (valence, arousal) model on OASIS.

Cross-validation (5 folds grouped by OASIS theme; writes OOF predictions + metrics):
    /usr/bin/python3 scripts/train_va_model.py --mode cv
Final model on all 900 images, exported to models/img2music.pt (uses models/cv_results.json
for the reference distribution, the CV metrics and the number of epochs):
    /usr/bin/python3 scripts/train_va_model.py --mode final

Data: --shared DIR, else $IMG2MUSIC_SHARED, else <repo>/../shared.
Method (see models/README.md): frozen lower stages run once per augmented view and cached;
upper stages + head fine-tuned on the cached activations; early stopping on an inner
validation split (theme-grouped) inside the training folds; mirror TTA.
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
from img2music_model import backbones, data, export, metadata  # noqa: E402
from img2music_model.metrics import axis_metrics, quantiles  # noqa: E402
from img2music_model.train import build_cache, predict_cached, ridge_baseline, train_net, log_fn  # noqa: E402

DEFAULTS = {  # per-architecture defaults: frozen stages, taps
    "mobilenet_v1_075": {"freeze": 12, "taps": "5,11"},
    "vgg19_bn": {"freeze": 4, "taps": "2,3"},
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=("cv", "final"), required=True)
    p.add_argument("--arch", default="mobilenet_v1_075", help="mobilenet_v1_075 (alias mobilenet_v1) or vgg19_bn")
    p.add_argument("--shared", default=None, help="the shared data folder (default $IMG2MUSIC_SHARED or ../shared)")
    p.add_argument("--backbone-weights", default=None,
                   help="vgg19_bn: torchvision vgg19_bn-c79401a0.pth; mobilenet: TF.js folder (default: in --shared)")
    p.add_argument("--random-init", action="store_true", help="no ImageNet weights (tests, benchmarks)")
    p.add_argument("--vgg-head", choices=("pooled", "classifier"), default="pooled")
    p.add_argument("--input-size", type=int, default=224)
    p.add_argument("--resize-shorter", type=int, default=None, help="default: the input size")
    p.add_argument("--freeze", type=int, default=None, help="number of frozen stages (mobilenet: 14 stages, vgg: 5)")
    p.add_argument("--taps", default=None, help="comma list of frozen stages pooled into the head ('' for none)")
    p.add_argument("--views", type=int, default=8, help="cached views per image (0: inference view, 1: mirror)")
    p.add_argument("--jitter", type=float, default=0.1)
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--cv-grouping", choices=("theme", "none"), default="theme",
                   help="theme: OASIS themes never straddle folds (default, honest); none: plain random "
                        "folds, only to compare with figures from the literature")
    p.add_argument("--val-fraction", type=float, default=0.15)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=20, help="schedule length (max epochs)")
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
    if a.freeze is None:
        a.freeze = d["freeze"]
    if a.taps is None:
        a.taps = d["taps"]
    a.tap_list = [int(t) for t in a.taps.split(",") if t.strip()]
    if a.resize_shorter is None:
        a.resize_shorter = a.input_size
    models_dir = os.path.join(data.REPO_ROOT, "models")
    a.cv_out = a.cv_out or os.path.join(models_dir, "cv_results.json")
    a.cv_results = a.cv_results or os.path.join(models_dir, "cv_results.json")
    a.out = a.out or os.path.join(models_dir, "img2music.pt")
    a.name = a.name or ("%s-oasis" % a.arch + ("-random-init" if a.random_init else ""))
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
            "data_sha256": data_sha}


def hp_of(a) -> dict:
    return {"epochs": a.epochs, "patience": a.patience, "batch": a.batch, "lr_top": a.lr_top, "lr_head": a.lr_head,
            "weight_decay": a.weight_decay, "loss": a.loss, "tta": not a.no_tta, "lp_init": not a.no_lp_init,
            "lp_alpha": a.lp_alpha}


def setup(a, log=log_fn):
    torch.set_num_threads(a.threads)
    torch.use_deterministic_algorithms(True)
    try:
        import cv2
        cv2.setNumThreads(1)
    except ImportError:
        pass
    shared = data.shared_dir(a.shared)
    odir = data.oasis_dir(shared)
    if not os.path.isfile(os.path.join(odir, "OASIS.csv")):
        raise SystemExit("OASIS not found in %s (use --shared or $%s)" % (odir, data.ENV_SHARED))
    rows_all = data.load_oasis(odir)
    scale = data.target_scale(rows_all)  # always the 900 images' min/max
    rows = rows_all
    if a.limit:
        sel = np.unique(np.linspace(0, len(rows_all) - 1, a.limit).round().astype(int))
        rows = [rows_all[i] for i in sel]
    y = data.scaled_targets(rows, scale)
    data_sha = data.data_sha256(odir, rows)
    net, prov = backbones.build_vanet(a.arch, shared, a.backbone_weights, a.random_init, a.freeze, a.tap_list,
                                      a.vgg_head, a.dropout, not a.no_tta, a.seed)
    norm = backbones.MOBILENET_PREPROCESS if a.arch == "mobilenet_v1_075" else backbones.IMAGENET_PREPROCESS
    spec = metadata.preprocess_block(a.input_size, norm, "shorter_side", a.resize_shorter, "area")
    log("%s: %d images, data sha256 %s, %s, %d threads" % (a.arch, len(rows), data_sha[:16], prov, a.threads))
    t0 = time.time()
    key = {"arch": a.arch, "prov": prov, "vgg_head": a.vgg_head, "freeze": a.freeze, "taps": a.tap_list,
           "spec": spec, "views": a.views, "jitter": a.jitter, "seed": a.seed, "data_sha256": data_sha,
           "script_version": SCRIPT_VERSION}
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
        maps, taps, secs, vps = build_cache(net, [r["path"] for r in rows], spec, a.views, a.seed, a.jitter, log=log)
        if cache_file and not a.random_init:
            os.makedirs(a.cache_dir, exist_ok=True)
            torch.save((maps, taps), cache_file + ".tmp")
            os.replace(cache_file + ".tmp", cache_file)
    log("cache: %d x %d views, map %s, taps %d, %.1f s (%.1f views/s)"
        % (maps.shape[0], maps.shape[1], tuple(maps.shape[2:]), taps.shape[2], secs, vps))
    return dict(shared=shared, rows=rows, y=y, scale=scale, data_sha=data_sha, net=net, prov=prov, spec=spec,
                maps=maps, taps=taps, cache_s=round(time.time() - t0, 1), cache_vps=round(vps, 1))


def run_cv(a, log=log_fn) -> dict:
    t_start = time.time()
    S = setup(a, log)
    rows, y = S["rows"], S["y"]
    groups = [r["group"] if a.cv_grouping == "theme" else r["name"] for r in rows]
    folds = data.make_folds(groups, a.folds, a.seed)
    oof = np.zeros_like(y)
    fold_info = []
    hp = hp_of(a)
    for f in range(a.folds):
        test = np.where(folds == f)[0]
        trval = np.where(folds != f)[0]
        tr, va = data.inner_split(groups, trval, a.val_fraction, a.seed + 1000 + f)
        log("fold %d: train %d, inner val %d, test %d" % (f, len(tr), len(va), len(test)))
        net, info = train_net(S["net"], S["maps"], S["taps"], y, tr, va, hp, a.seed + f, log)
        oof[test] = predict_cached(net, S["maps"], S["taps"], test, not a.no_tta)
        info.update({"fold": f, "n_test": int(len(test)), "n_train": int(len(tr)), "n_val": int(len(va)),
                     "metrics": axis_metrics(oof[test], y[test])})
        fold_info.append(info)
        log("fold %d: %s (best epoch %d, %.0f s)"
            % (f, json.dumps(info["metrics"]), info["best_epoch"], info["seconds"]))
    metrics = axis_metrics(oof, y)
    log("CV out-of-fold: %s" % json.dumps(metrics))

    # frozen baselines with the same folds (pretrained network, no fine-tuning, inference view)
    base = S["net"]

    def feats(with_taps):
        def f():
            with torch.no_grad():
                idx = np.arange(len(rows))
                out = []
                for s in range(0, len(idx), 128):
                    b = torch.as_tensor(idx[s:s + 128])
                    z = base.features(S["maps"][b, 0].float(), S["taps"][b, 0])
                    out.append(z if with_taps else z[:, :z.shape[1] - S["taps"].shape[2]])
                return torch.cat(out).numpy()
        return f
    baselines = {"frozen_last_layer_gap_ridge": ridge_baseline(feats(False), y, folds, a.folds),
                 "frozen_multilayer_gap_ridge": ridge_baseline(feats(True), y, folds, a.folds)}
    log("baselines: %s" % json.dumps(baselines))
    best_epochs = [fi["best_epoch"] for fi in fold_info]
    res = {"config": config_of(a, S["data_sha"]), "backbone_weights": S["prov"], "target_scale": S["scale"],
           "metrics": metrics, "folds": fold_info, "baselines": baselines,
           "final_epochs": int(np.median(best_epochs)),
           "final_lp_alpha": (float(np.median([fi["linear_probe"]["alpha"] for fi in fold_info]))
                              if fold_info and fold_info[0].get("linear_probe") else None),
           "timing": {"cache_seconds": S["cache_s"], "cache_views_per_s": S["cache_vps"],
                      "total_seconds": round(time.time() - t_start, 1), "threads": a.threads},
           "oof": [{"name": r["name"], "fold": int(folds[i]), "valence": round(float(oof[i, 0]), 6),
                    "arousal": round(float(oof[i, 1]), 6)} for i, r in enumerate(rows)]}
    os.makedirs(os.path.dirname(os.path.abspath(a.cv_out)), exist_ok=True)
    with open(a.cv_out, "w", encoding="utf-8") as fh:
        json.dump(res, fh, indent=1, sort_keys=True)
        fh.write("\n")
    log("wrote %s (%.1f min)" % (a.cv_out, (time.time() - t_start) / 60))
    return res


def run_final(a, log=log_fn) -> dict:
    t_start = time.time()
    S = setup(a, log)
    y = S["y"]
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
    log("final: %d images, schedule %d epochs, stopping after epoch %d" % (len(y), a.epochs, stop))
    if hp.get("lp_init") and hp.get("lp_alpha") is None and cv is not None:
        hp["lp_alpha"] = cv.get("final_lp_alpha")
    hp_stop = dict(hp)
    hp_stop["patience"] = 10 ** 9
    net, info = train_net_stop(S, hp_stop, stop, a.seed, log)
    fitted = predict_cached(net, S["maps"], S["taps"], np.arange(len(y)), not a.no_tta)
    if cv is not None:
        ref_v = [o["valence"] for o in cv["oof"]]
        ref_a = [o["arousal"] for o in cv["oof"]]
        ref_desc = "out-of-fold predictions on the %d OASIS images (%d-fold CV, grouping: %s)" % (
            len(ref_v), a.folds, a.cv_grouping)
        metrics = {"cv": cv["metrics"], "cv_folds": a.folds, "cv_grouping": a.cv_grouping,
                   "cv_per_fold": [dict(fold=f["fold"], **f["metrics"]) for f in cv["folds"]],
                   "baseline_frozen_ridge": cv["baselines"]["frozen_last_layer_gap_ridge"]["metrics"]}
    else:
        ref_v, ref_a = fitted[:, 0], fitted[:, 1]
        ref_desc = ("NOT cross-validated: the final model's own (in-sample) predictions on its %d training "
                    "images; narrower than on unseen images" % len(y))
        metrics = {"train_fit": axis_metrics(fitted, y)}
    ref = {"description": ref_desc, "valence": quantiles(ref_v), "arousal": quantiles(ref_a)}
    prov = {"data": "OASIS (Kurdi, Lozano & Banaji 2017), %d images" % len(y), "data_sha256": S["data_sha"],
            "backbone_weights": S["prov"], "seed": a.seed}
    training = {k: v for k, v in config_of(a, S["data_sha"]).items() if k not in ("data_sha256", "script_version")}
    training["final_epochs"] = stop
    training["final_lp_alpha"] = hp.get("lp_alpha")
    meta = metadata.build(a.name, a.arch, S["spec"], prov, S["scale"], ref, metrics, training)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    sm = export.save(net, meta, a.out)
    # consistency: exported module on the real pipeline vs the cached-activation predictions
    from img2music_model.preprocess import preprocess_file
    k = min(8, len(y))
    x = torch.from_numpy(np.stack([preprocess_file(S["rows"][i]["path"], S["spec"]) for i in range(k)]))
    with torch.no_grad():
        d_eager = float((sm(x) - net(x)).abs().max())
        d_cache = float(np.abs(sm(x).numpy() - fitted[:k]).max())
    log("export: scripted vs eager max |diff| %.2e; vs cached (float16) pipeline %.2e" % (d_eager, d_cache))
    size = os.path.getsize(a.out)
    log("wrote %s (%.2f MB), train fit %s, %.1f min" % (a.out, size / 1e6, json.dumps(axis_metrics(fitted, y)),
                                                       (time.time() - t_start) / 60))
    return {"meta": meta, "info": info, "seconds": round(time.time() - t_start, 1), "size": size}


def train_net_stop(S, hp, stop, seed, log):
    """Train on all images with the CV schedule (same length), stopping after epoch `stop`."""
    hp = dict(hp)
    hp["stop_after"] = stop
    return train_net(S["net"], S["maps"], S["taps"], S["y"], np.arange(len(S["y"])), None, hp, seed, log)


def main(argv=None):
    a = parse_args(argv)
    if a.mode == "cv":
        run_cv(a)
    else:
        run_final(a)


if __name__ == "__main__":
    export.reexec_with_fixed_hash_seed()
    main()
