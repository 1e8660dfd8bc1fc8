#!/usr/bin/env bash
# The shipped model and song table load and give in-range values on real photos
# (../shared/data/photos). Fails, never skips, when something is missing.
#   usage: run_shipped.sh BINARY PROJECT_DIR
set -u
bin=$(realpath "$1")
cd "$2" || exit 2
photos=../shared/data/photos
for f in models/img2music.pt data/songs.csv; do
  [ -f "$f" ] || { echo "FAIL: shipped file $f is missing"; exit 1; }
done
[ -d "$photos" ] || { echo "FAIL: $photos is missing (../shared must sit beside the project)"; exit 1; }
mapfile -t inputs < <(find "$photos" -type f \( -iname '*.jpg' -o -iname '*.png' \) | sort)
[ ${#inputs[@]} -ge 10 ] || { echo "FAIL: expected at least 10 photos in $photos"; exit 1; }
out=$("$bin" --top 10 --format jsonl "${inputs[@]}")
status=$?
[ $status = 0 ] || { echo "FAIL: exit $status"; exit 1; }
/usr/bin/python3 - "$out" "${#inputs[@]}" <<'PY' || exit 1
import json, sys
lines = sys.argv[1].splitlines()
n = int(sys.argv[2])
assert len(lines) == n, f"{len(lines)} records for {n} photos"
vals = []
for line in lines:
    r = json.loads(line)
    assert "error" not in r, r
    for key in ("valence", "arousal"):
        assert 0.0 <= r[key] <= 1.0, (r["input"], key, r[key])
    assert len(r["songs"]) == 10, r["input"]
    for s in r["songs"]:
        assert 0.0 <= s["valence"] <= 1.0 and 0.0 <= s["arousal"] <= 1.0
    assert [s["rank"] for s in r["songs"]] == list(range(1, 11))
    assert all(a["distance"] <= b["distance"] for a, b in zip(r["songs"], r["songs"][1:]))
    vals.append((r["valence"], r["arousal"]))
    # the shipped model also gives the Emotion6 emotion distribution
    emo = r["emotions"]
    assert list(emo) == ["anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral"], emo
    assert all(0.0 <= p <= 1.0 for p in emo.values()) and abs(sum(emo.values()) - 1.0) < 2e-3, emo
# A model that answers the same for every photo is broken, whatever its range.
spread_v = max(v for v, _ in vals) - min(v for v, _ in vals)
spread_a = max(a for _, a in vals) - min(a for _, a in vals)
assert spread_v > 0.1 and spread_a > 0.05, (spread_v, spread_a)
print(f"shipped: {n} photos, valence spread {spread_v:.3f}, arousal spread {spread_a:.3f}: 1 passed, 0 failed")
PY
# One thread runs the same convolution kernels as two (va_model.cpp routes them all to oneDNN),
# so the answers do not depend on --threads.
[ "$("$bin" --top 10 --format jsonl --threads 1 "${inputs[@]:0:4}")" = "$(printf '%s\n' "$out" | head -n 4)" ] ||
  { echo "FAIL: --threads 1 answers differ from the default's"; exit 1; }
echo "shipped: --threads 1 gives the default's answers: 1 passed, 0 failed"
# --precision: float32 and the default (bfloat16 where the CPU has it) agree closely, the choice
# is reported by --version, and a wrong value is a usage error.
f32=$("$bin" --top 10 --format jsonl --precision float32 "${inputs[@]:0:6}") || { echo "FAIL: --precision float32 failed"; exit 1; }
/usr/bin/python3 - "$(printf '%s\n' "$out" | head -n 6)" "$f32" <<'PY' || exit 1
import json, sys
default = [json.loads(l) for l in sys.argv[1].splitlines()]
exact = [json.loads(l) for l in sys.argv[2].splitlines()]
assert [r["input"] for r in default] == [r["input"] for r in exact]
worst = max(abs(a[k] - b[k]) for a, b in zip(default, exact) for k in ("valence", "arousal"))
assert worst <= 0.03, worst
print(f"shipped: --precision float32 within {worst:.4f} of the default: 1 passed, 0 failed")
PY
"$bin" --version --precision float32 | grep -q '^  precision: float32$' || { echo "FAIL: --version does not report the precision"; exit 1; }
err=$("$bin" --precision half "${inputs[0]}" 2>&1 >/dev/null); status=$?
[ $status = 2 ] && [[ $err == *"--precision"*"half not in {auto,float32,bfloat16}"* ]] ||
  { echo "FAIL: --precision half: exit $status, $err"; exit 1; }
echo "shipped: --precision reported by --version, a bad value refused: 1 passed, 0 failed"
