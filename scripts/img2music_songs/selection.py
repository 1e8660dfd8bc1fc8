"""Which VA each song carries.

Spotify's own value is the default. Another candidate replaces it only when it agrees with
the Deezer listeners better on the train+validation songs it covers, measured as the paired
difference in Pearson r (the blend by its out-of-fold predictions), with the one-sided 95 %
bootstrap lower bound of that difference above zero, and confirmed on the Deezer ``test``
split it was not chosen on: there it must not agree with people less than Spotify's value
(a gain that vanishes on held-out songs was fitted to noise). Candidates that pass are
ordered by the difference. The others follow Spotify's value, as fall-backs for songs without it.
Candidates:

* ``spotify``   -- Spotify's own valence / energy
* ``blend``     -- the calibrated linear blend of Spotify features (``calibration``)
* ``m2e_stack`` -- Music2Emotion stack with lyric features, out-of-fold (seed songs only)
* ``m2e_audio`` -- Music2Emotion audio-only stack (out-of-fold for the songs it trained on)

Each song gets, per axis, the best-ranked candidate it has a value for.
``va_source`` = "<valence candidate>/<arousal candidate>".
"""
import numpy as np

ORDER_FALLBACK = ["blend", "spotify", "m2e_stack", "m2e_audio"]


def rank(gains, default="spotify"):
    """gains: name -> {"gain", "lower95"} vs the default (None when unmeasurable)."""
    def key(n):
        return (-round(gains[n]["gain"], 6), ORDER_FALLBACK.index(n))
    measured = [n for n in gains if gains[n] is not None]
    def confirmed(n):
        held_out = gains[n].get("test_gain")
        return gains[n]["lower95"] > 0 and (held_out is None or held_out >= 0)
    better = sorted((n for n in measured if confirmed(n)), key=key)
    worse = sorted((n for n in measured if not confirmed(n)), key=key)
    unmeasured = [n for n in ORDER_FALLBACK if n in gains and gains[n] is None]
    return better + [default] + worse + unmeasured


def choose(candidates, order):
    """candidates: name -> array (nan where unavailable). Returns values, source names."""
    n = len(next(iter(candidates.values())))
    val = np.full(n, np.nan)
    src = np.array([""] * n, dtype=object)
    for name in order:
        v = candidates[name]
        take = np.isnan(val) & np.isfinite(v)
        val[take] = v[take]
        src[take] = name
    return val, src
