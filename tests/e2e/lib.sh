# Shared by the end-to-end scripts:  source "$(dirname "$0")/lib.sh" BINARY DIR
# Sets $bin (absolute), enters DIR, makes $tmp (removed on exit), and counts checks with
# pass / fail "why"; summary NAME prints the closing "N passed, N failed" line and sets the status.
bin=$(realpath "$1")
cd "$2" || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() {
    failed=$((failed + 1))
    echo "FAIL: $*"
}
summary() {
    echo "$1: $passed passed, $failed failed"
    [ "$failed" = 0 ]
}
