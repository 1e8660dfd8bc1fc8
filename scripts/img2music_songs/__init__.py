"""img2music song-table pipeline (issue 4).

One concept per module:

* ``paths``       -- where the ../shared inputs live (flags, IMG2MUSIC_SHARED)
* ``normalize``   -- artist/title normalisation and stable song ids
* ``catalogue``   -- seed + Spotify merge and de-duplication
* ``audio``       -- the 8 Music2Emotion audio features (log, then min-max)
* ``lyrics``      -- lyric VA (NRC-VAD) and lyric embedding (GloVe mean -> PCA 11)
* ``regressors``  -- the Music2Emotion stacks, their 5-fold CV
* ``calibration`` -- measurement against the Deezer human VA and the calibrated blend
* ``selection``   -- which VA each song carries (va_source)
* ``writer``      -- the deterministic CSV writer
* ``matching``    -- query/catalogue alignment and hub statistics

Nothing derived from lyric text or the NRC-VAD lexicon leaves these modules except
the fitted regressors' predictions; the shipped table holds ids, metadata and VA only.
"""
