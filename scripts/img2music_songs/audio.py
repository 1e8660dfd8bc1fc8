"""The 8 Music2Emotion audio features, preprocessed as the original project did.

Reverse-engineered from ``song_music_8_characteristics.csv`` (exact to 1e-15):
speechiness, instrumentalness and liveness are log-transformed as log(x + m + 0.1), m the
training minimum; then every feature is min-max scaled with the training min/max.
"""
import numpy as np

FEATURES = ["danceability", "key", "loudness", "mode", "speechiness",
            "instrumentalness", "liveness", "tempo"]
LOGGED = ["speechiness", "instrumentalness", "liveness"]


class AudioScaler:
    def fit(self, df):
        self.offset = {c: float(df[c].min()) + 0.1 for c in LOGGED}
        t = self._log(df)
        self.lo = {c: float(t[c].min()) for c in FEATURES}
        self.hi = {c: float(t[c].max()) for c in FEATURES}
        return self

    def _log(self, df):
        t = {c: np.asarray(df[c], dtype=float) for c in FEATURES}
        for c in LOGGED:
            t[c] = np.log(np.maximum(t[c] + self.offset[c], 1e-6))
        return t

    def transform(self, df):
        t = self._log(df)
        cols = []
        for c in FEATURES:
            span = self.hi[c] - self.lo[c]
            cols.append((t[c] - self.lo[c]) / (span if span > 0 else 1.0))
        return np.column_stack(cols)

    def to_dict(self):
        return {"offset": self.offset, "lo": self.lo, "hi": self.hi}
