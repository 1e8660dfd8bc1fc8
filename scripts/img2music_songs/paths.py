"""Locations of the inputs in ../shared (never copied into the repository)."""
import os

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

RELATIVE = {
    "seed_lyric": "data/seed/song_lyric.csv",
    "spotify": "data/spotify/tidytuesday_spotify_songs.csv",
    "deezer": "data/music_human/deezer_mood_x_spotify.csv",
    "nrc_vad": "data/seed/NRC-VAD-Lexicon.txt",
    "glove": "data/lexicons/glove6B_100d_top45k.txt.gz",
    "oasis": "data/oasis/OASIS.csv",
}


def shared_dir(override=None):
    """--shared flag > $IMG2MUSIC_SHARED > <repo>/../shared."""
    if override:
        return os.path.abspath(override)
    env = os.environ.get("IMG2MUSIC_SHARED")
    if env:
        return os.path.abspath(env)
    return os.path.abspath(os.path.join(REPO_ROOT, "..", "shared"))


def shared_path(key, shared=None):
    return os.path.join(shared_dir(shared), RELATIVE[key])
