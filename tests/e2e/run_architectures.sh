#!/usr/bin/env bash
# The binary loads and runs models of both architectures the training script exports:
# a vgg19_bn (random init, small input; ~80 MB, made here, never committed) and a mobilenet_v1_075.
#   usage: run_architectures.sh BINARY PROJECT_DIR
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh" "$1" "$2"
for arch in vgg19_bn mobilenet_v1_075; do
  args=(--arch "$arch" --input-size 64 --out "$tmp/$arch.pt")
  [ "$arch" = vgg19_bn ] && args+=(--random-init)
  if ! /usr/bin/python3 scripts/export_model.py "${args[@]}" >"$tmp/export.log" 2>&1; then
    fail "export $arch: $(tail -3 "$tmp/export.log")"
    continue
  fi
  out=$("$bin" --model "$tmp/$arch.pt" --songs tests/data/songs_small.csv --top 3 --format jsonl \
        tests/data/images/red.png tests/data/images/split.png 2>"$tmp/err")
  status=$?
  if [ $status = 0 ] && /usr/bin/python3 -c '
import json, sys
recs = [json.loads(l) for l in sys.argv[1].splitlines()]
assert len(recs) == 2 and all(0 <= r["valence"] <= 1 and 0 <= r["arousal"] <= 1 and len(r["songs"]) == 3 for r in recs), recs
' "$out"; then
    pass
  else
    fail "$arch through the binary: exit $status, $(cat "$tmp/err") $out"
  fi
  "$bin" --model "$tmp/$arch.pt" --songs tests/data/songs_small.csv --version | grep -q "arch: $arch" && pass || fail "$arch --version"
done
summary architectures
