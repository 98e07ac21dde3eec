#!/bin/bash
# report JSON [FILE...]: sends one result, followed by the contents of its files
report() {
    local json=$1
    shift
    printf 'result %d\n%s' "$(printf '%s' "$json" | wc -c)" "$json" >&"$ATEX_TEST_CONTROL"
    cat -- "$@" >&"$ATEX_TEST_CONTROL"
}

comparison=$(mktemp)
trap 'rm -f "$comparison"' EXIT
printf 'checked at %s\nexpected: 42\nactual:   41\n' "$(date -u +%FT%TZ)" > "$comparison"
report "$(printf '{"status": "pass", "name": "environment", "note": "bash %s"}' "$BASH_VERSION")"
report "$(printf '{"status": "fail", "note": "expected 42, got 41", "files": [{"name": "comparison.txt", "length": %d}]}' "$(wc -c < "$comparison")")" "$comparison"
echo "the answer was off by one; see comparison.txt"
exit 1
