#!/usr/bin/env bash
# The man page and bash completion stay in step with the flags: every flag `img2music --help`
# lists is in the generated man page and offered by the generated completion (build/img2music.bash,
# from `img2music --print-completion bash`), every flag with a value set in --help ({a,b,c}, from
# the library's name tables) completes to exactly that set, and completion offers files rightly.
#   usage: run_completion.sh BINARY SOURCE_DIR MAN_PAGE COMPLETION   (MAN_PAGE 'none': the build makes none)
set -u
completion=$(realpath -m "$4")  # before lib.sh enters SOURCE_DIR
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh" "$1" "$2"
man_page=$3

"$bin" --help >"$tmp/help" && pass || fail "--help exit $?"
mapfile -t flags < <(grep -oE -- '(^|[ ,])--[a-z0-9-]+' "$tmp/help" | sed 's/^[ ,]*//' | sort -u)
[ "${#flags[@]}" -ge 28 ] && pass || fail "only ${#flags[@]} flags found in --help"

"$bin" --print-completion bash >"$tmp/completion" && pass || fail "--print-completion bash exit $?"
[ -f "$completion" ] || { fail "no completion at $completion (build the completion target)"; summary "man page and completion"; exit; }
cmp -s "$tmp/completion" "$completion" && pass || fail "$completion is not what --print-completion bash prints now"
! "$bin" --help | grep -q -- --print-completion && pass || fail "--help shows the hidden --print-completion"
# shellcheck source=/dev/null
source "$completion"
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
# Every value set --help shows ("--align TEXT:{none,minmax,quantile}") is what completion offers.
sets=0
while read -r flag values; do
    sets=$((sets + 1))
    [ "$(complete_words img2music "$flag" "" | paste -sd,)" = "$values" ] && pass ||
        fail "$flag completes to '$(complete_words img2music "$flag" "" | paste -sd,)', --help says {$values}"
done < <(sed -nE 's/^ *(-[a-z0-9],)?(--[a-z0-9-]+) [A-Z]+:\{([a-z0-9,]+)\}.*/\2 \3/p' "$tmp/help")
[ "$sets" -ge 2 ] && pass || fail "only $sets value sets found in --help"
[ "$(complete_words img2music -f j | tr '\n' ' ')" = "jsonl json " ] && pass || fail "-f j: $(complete_words img2music -f j)"
[ "$(complete_words img2music --align q)" = "quantile" ] && pass || fail "--align q"
mkdir -p "$tmp/c/dir"
touch "$tmp/c/a.JPG" "$tmp/c/b.mp4" "$tmp/c/notes.txt"
[ "$(complete_words img2music "$tmp/c/" | sort | sed "s#$tmp/c/##" | tr '\n' ' ')" = "a.JPG b.mp4 dir " ] && pass ||
    fail "inputs: $(complete_words img2music "$tmp/c/")"
# `img2music serve`: the subcommand completes, and so does every flag its --help lists.
[ "$(complete_words img2music se)" = "serve" ] && pass || fail "se: $(complete_words img2music se)"
"$bin" serve --help >"$tmp/serve_help" && pass || fail "serve --help exit $?"
mapfile -t serve_flags < <(grep -oE -- '(^|[ ,])--[a-z0-9-]+' "$tmp/serve_help" | sed 's/^[ ,]*//' | sort -u)
[ "${#serve_flags[@]}" -ge 15 ] && pass || fail "only ${#serve_flags[@]} flags found in serve --help"
for flag in "${serve_flags[@]}"; do
    complete_words img2music serve "$flag" | grep -qx -- "$flag" && pass || fail "completion does not offer serve $flag"
done
# The man page (help2man's reading of --help-all) holds serve's flags, after its name.
if [ -f "$man_page" ]; then
    sed -n '/^serve$/,$p' "$man_page" >"$tmp/man_serve"
    grep -q 'Serve recommendations over HTTP' "$tmp/man_serve" && pass || fail "man page lacks the subcommand serve"
    for flag in "${serve_flags[@]}"; do
        case $flag in --help | --help-all) continue ;; esac
        grep -q -- "$(printf '%s' "$flag" | sed 's/-/\\\\-/g')" "$tmp/man_serve" && pass || fail "man page lacks serve $flag"
    done
fi
[ "$(complete_words img2music serve --align q)" = "quantile" ] && pass || fail "serve --align q"

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
