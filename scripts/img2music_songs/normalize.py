"""Artist/title normalisation (for de-duplication and matching) and stable ids.

The normalised key is deliberately conservative: it removes what does not change the
recording (case, accents, punctuation, featured artists, remaster/edition/radio-edit
tags) and keeps what does (remixes, live, acoustic, extended mixes are other recordings).
"""
import hashlib
import re
import unicodedata

# A version tag that names the same recording. Matched against a " - suffix" or a
# bracketed group, case-insensitively, after accents are removed.
_SAME_RECORDING = re.compile(
    r"^(?:"
    r"(?:\d{4} )?(?:digital(?:ly)? )?remaster(?:ed|izado|izada)?(?: \d{4})?(?: version| edition| mix)?(?: \d{4})?"
    r"|(?:\d{4} )?remastered (?:album |single )?version"
    r"|(?:explicit |clean |original |edited )?(?:album|single|lp|ep|radio|45|mono|stereo) (?:version|edit|mix)"
    r"|radio edit|single edit|edit|edited|explicit|clean|mono|stereo|original version|main"
    r"|(?:original|radio|extended|album|club) mix|extended(?: version| edit)?"
    r"|(?:from|taken from|de) .+"           # "From "Armageddon" Soundtrack"
    r"|bonus track|spotify singles?"
    r")$"
)
_FEAT = re.compile(r"\s*[\(\[]\s*(?:feat\.?|ft\.?|featuring|with)\s[^\)\]]*[\)\]]")
_FEAT_BARE = re.compile(r"\s+(?:feat\.?|ft\.?|featuring)\s.*$")
_BRACKET = re.compile(r"\s*[\(\[]([^\)\]]*)[\)\]]")


def fold(text):
    """Lower case, accents removed (NFKD, combining marks dropped), ß -> ss."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.lower().replace("ß", "ss").strip()


def _squash(text):
    text = text.replace("&", " and ").replace("+", " and ")
    text = re.sub(r"[\"'’`´]", "", text)          # don't -> dont
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return " ".join(text.split())


def norm_title(title):
    t = fold(title)
    t = _FEAT.sub("", t)
    # bracketed version tags: "(Remastered 2009)", "[Radio Edit]"
    t = _BRACKET.sub(lambda m: "" if _SAME_RECORDING.match(m.group(1).strip()) else m.group(0), t)
    # " - Remastered 2011", possibly several (" - Single Version - Mono")
    while True:
        parts = t.rsplit(" - ", 1)
        if len(parts) == 2 and _SAME_RECORDING.match(parts[1].strip()):
            t = parts[0]
        else:
            break
    t = _FEAT_BARE.sub("", t)
    out = _squash(t)
    return out or _squash(fold(title))


def norm_artist(artist):
    a = fold(artist)
    a = _FEAT.sub("", a)
    a = _FEAT_BARE.sub("", a)
    a = re.sub(r"\s*[,;/]\s*", " and ", a)
    a = _squash(a)
    if a.startswith("the "):
        a = a[4:]
    return a


def first_artist(norm_artist_text):
    """First of several credited artists ("a and b", "a, b", "a x b") -- for the seed's
    secondary match only; de-duplication uses the full key."""
    return re.split(r" (?:and|x|with|vs) ", norm_artist_text)[0]


def song_key(artist, title):
    return norm_artist(artist) + "\t" + norm_title(title)


def song_id(spotify_id, key):
    """Stable id: 'sp:' + Spotify id when known, else 'h:' + 16 hex of sha1(normalised key)."""
    if spotify_id:
        return "sp:" + spotify_id
    return "h:" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
