"""Where the script tests find ../shared: a test that needs it skips when it is missing, and
fails instead under CI=true, where a missing data folder is a broken setup, not a reason to
pass. Import it after putting this folder on sys.path."""
import os
import sys
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "scripts"))


def require_shared(test=None):
    """Returns the shared folder ($IMG2MUSIC_SHARED or ../shared). `test` is accepted for the
    callers that pass their TestCase; the outcome is the same exception either way."""
    from img2music_model import data
    shared = data.shared_dir()
    if not os.path.isfile(os.path.join(data.oasis_dir(shared), "OASIS.csv")):
        msg = "shared data not found at %s (set IMG2MUSIC_SHARED)" % shared
        if os.environ.get("CI") == "true":
            raise AssertionError(msg + "; CI=true: the data is required")
        raise unittest.SkipTest(msg)
    return shared
