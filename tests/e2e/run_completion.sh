#!/usr/bin/env bash
# The man page and bash completion stay in step with the flags: every flag `img2music --help`
# lists is in the generated man page and offered by completions/img2music.bash, and completion
# offers the right values for a few flags.
#   usage: run_completion.sh BINARY SOURCE_DIR MAN_PAGE    (MAN_PAGE 'none': the build makes none)
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh" "$1" "$2"
man_page=$3

"$bin" --help >"$tmp/help" && pass || fail "--help exit $?"
mapfile -t flags < <(grep -oE -- '(^|[ ,])--[a-z0-9-]+' "$tmp/help" | sed 's/^[ ,]*//' | sort -u)
[ "${#flags[@]}" -ge 28 ] && pass || fail "only ${#flags[@]} flags found in --help"

# shellcheck source=/dev/null
source completions/img2music.bash
complete_words() {  # the words of a command line, the last one being completed
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMPREPLY=()
    _img2music
    printf '%s\n' "${COMPREPLY[@]}"
}
for flag in "${flags[@]}"; do
    complete_words img2music "$flag" | grep -qx -- "$flag" && pass || fail "completion does not offer $flag"
    if [ -f "$man_page" ]; then
        grep -q -- "$(printf '%s' "$flag" | sed 's/-/\\\\-/g')" "$man_page" && pass || fail "man page lacks $flag"
    fi
done
[ "$(complete_words img2music -f j | tr '\n' ' ')" = "jsonl json " ] && pass || fail "-f j: $(complete_words img2music -f j)"
[ "$(complete_words img2music --align q)" = "quantile" ] && pass || fail "--align q"
mkdir -p "$tmp/c/dir"
touch "$tmp/c/a.JPG" "$tmp/c/b.mp4" "$tmp/c/notes.txt"
[ "$(complete_words img2music "$tmp/c/" | sort | sed "s#$tmp/c/##" | tr '\n' ' ')" = "a.JPG b.mp4 dir " ] && pass ||
    fail "inputs: $(complete_words img2music "$tmp/c/")"

if [ "$man_page" = none ]; then
    echo "SKIP: this build configuration makes no man page (sanitizer and fuzz builds; the release build checks it)"
elif [ -f "$man_page" ]; then
    grep -q '^\.TH IMG2MUSIC "1"' "$man_page" && pass || fail "man page header: $(head -3 "$man_page")"
    grep -q "Exit status" "$man_page" && pass || fail "man page lacks the exit status"
elif [ "${CI:-}" = true ]; then
    fail "no man page at $man_page (help2man missing?)"
else
    echo "SKIP: no man page at $man_page"
fi
summary "man page and completion"
