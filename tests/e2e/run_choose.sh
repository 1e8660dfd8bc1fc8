#!/usr/bin/env bash
# End-to-end tests of choosing and explaining songs through the real binary: every filter on the
# 24-song test table (checked against the table itself), --one-per-artist, --diversity
# (deterministic, more spread), --explain, the ids and links formats, and --plot's picture.
#   usage: run_choose.sh BINARY TESTS_DIR
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh" "$1" "$2"

run() { "$bin" --model data/models/tiny_va.pt --songs data/songs_small.csv --threads 2 --align none -f jsonl "$@"; }
# check NAME FILTER-ARGS... -- PYTHON predicate over a table row `s` (all values strings)
check_filter() {
    local name=$1
    shift
    local args=()
    while [ "$1" != -- ]; do args+=("$1"); shift; done
    run --top 24 -q "${args[@]}" data/images/split.png >"$tmp/out" 2>"$tmp/err" || { fail "$name: exit $?: $(cat "$tmp/err")"; return; }
    if /usr/bin/python3 - "$tmp/out" "$2" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open("data/songs_small.csv", encoding="utf-8")))
keep = eval("lambda s: " + sys.argv[2])
want = {r["id"] for r in rows if keep(r)}
got = [s["id"] for s in json.loads(open(sys.argv[1]).read())["songs"]]
sys.exit(0 if set(got) == want and len(got) == len(want) else (print(sorted(got), sorted(want)) or 1))
PY
    then pass; else fail "$name"; fi
}
check_filter "genre" --genre Pop,rock -- "s['genre'] in ('pop', 'rock')"
check_filter "genre repeated" --genre pop --genre edm -- "s['genre'] in ('pop', 'edm')"
check_filter "min popularity" --min-popularity 50 -- "int(s['popularity']) >= 50"
check_filter "year range" --year 1995-2001 -- "1995 <= int(s['year']) <= 2001"
check_filter "year open" --year 2005- -- "int(s['year']) >= 2005"
check_filter "one year" --year 1993 -- "int(s['year']) == 1993"
check_filter "exclude artist" --exclude-artist "neon harbor" --exclude-artist "Sol Y Mar" -- "s['artist'] not in ('Neon Harbor', 'Sol Y Mar')"
check_filter "all together" --genre pop,rock,edm --year 1990-2010 --min-popularity 35 -- \
    "s['genre'] in ('pop','rock','edm') and 1990 <= int(s['year']) <= 2010 and int(s['popularity']) >= 35"

# --- nothing passes: exit 2, one clear line, nothing on stdout ---
run --genre polka data/images/red.png >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] && [ ! -s "$tmp/out" ] && grep -q "^img2music: no song in data/songs_small.csv passes --genre polka (nothing to recommend)$" "$tmp/err" &&
    pass || fail "empty filter: $(cat "$tmp/err")"
# --- fewer than --top pass: shorter lists and a note ---
run --top 10 --genre pop data/images/red.png >"$tmp/out" 2>"$tmp/err" && pass || fail "short lists exit $?"
grep -q "^img2music: note: only [0-9]* songs pass --genre pop; lists will be shorter than --top 10$" "$tmp/err" && pass || fail "note: $(cat "$tmp/err")"

# --- one per artist, diversity ---
/usr/bin/python3 - "$bin" <<'PY' && pass || fail "one-per-artist / diversity"
import json, math, subprocess, sys
def songs(*args):
    out = subprocess.run([sys.argv[1], "--model", "data/models/tiny_va.pt", "--songs", "data/songs_small.csv", "--align", "none",
                          "-f", "jsonl", "--top", "6", *args, "data/images/split.png"], capture_output=True, check=True, text=True).stdout
    return json.loads(out)["songs"]
def spread(ss):
    return min(math.dist((a["valence"], a["arousal"]), (b["valence"], b["arousal"])) for i, a in enumerate(ss) for b in ss[i + 1:])
plain, varied = songs(), songs("--diversity", "0.8")
assert varied == songs("--diversity", "0.8"), "diversity is not deterministic"
assert varied[0]["id"] == plain[0]["id"], "the nearest song should always come first"
assert spread(varied) > spread(plain), (spread(varied), spread(plain))
artists = [s["artist"] for s in songs("--one-per-artist", "--top", "6")]
assert len(set(artists)) == len(artists)
PY

# --- --explain: a why per song, its distance the song's distance ---
run --top 3 --explain data/images/red.png data/images/grey.png >"$tmp/out" 2>"$tmp/err" && pass || fail "explain exit $?"
/usr/bin/python3 -c "
import json, re, sys
for line in open('$tmp/out'):
    for s in json.loads(line)['songs']:
        m = re.search(r'\(distance ([0-9.]+), mostly (valence|arousal)\)$', s['why'])
        assert m and abs(float(m.group(1)) - s['distance']) < 6e-4, s
        assert s['why'].startswith(('both ', 'image ')), s
" && pass || fail "explain content: $(head -c 400 "$tmp/out")"
"$bin" --model data/models/tiny_va.pt --songs data/songs_small.csv --top 2 --explain -f table data/images/red.png | grep -q "^        why: " &&
    pass || fail "explain in the table"

# --- ids and links, for piping songs onward ---
run --top 3 -f ids data/images/red.png data/images/grey.png >"$tmp/out" 2>&1 && pass || fail "ids exit"
[ "$(wc -l <"$tmp/out")" = 6 ] && grep -qx "t24" "$tmp/out" && pass || fail "ids: $(cat "$tmp/out")"
run --top 24 -f links data/images/red.png >"$tmp/out" 2>&1 && pass || fail "links exit"
[ -s "$tmp/out" ] && ! grep -qv '^https://open.spotify.com/track/[A-Za-z0-9]\{22\}$' "$tmp/out" && pass || fail "links: $(cat "$tmp/out")"

# --- --plot: a big, non-blank PNG; results still on stdout ---
run --top 3 --plot "$tmp/plot.png" data/images/red.png data/images/grey.png data/images/teal.jpg >"$tmp/out" 2>"$tmp/err" && pass || fail "plot exit $?: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/out")" = 3 ] && pass || fail "plot: records on stdout"
/usr/bin/python3 -c "
import cv2, sys
im = cv2.imread('$tmp/plot.png')
assert im is not None and im.shape[0] >= 800 and im.shape[1] >= 800, None if im is None else im.shape
assert im.std() > 20 and len({tuple(p) for p in im.reshape(-1, 3)[::97]}) > 50
" && pass || fail "plot picture"

summary "choosing and explaining songs"
