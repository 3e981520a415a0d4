#!/usr/bin/env bash
# CLI golden tests for `overlap compare` in its three formats on fixtures/reuse (planted passages:
# re-wrapped, edited and moved, Traditional script): byte-for-byte output and exit status 1.
set -u
: "${OVL_BIN:?}" "${OVL_SRC:?}"
cd "$OVL_SRC"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
a=fixtures/reuse/source.txt
b=fixtures/reuse/copy.txt
# To regenerate after an intended change: run each command below from the source directory
# with -o tests/golden/compare.<ext>, then read the result before committing it.
for fmt in text json html; do
  ext=$fmt
  [ "$fmt" = text ] && ext=txt
  args=(compare "$a" "$b" --format "$fmt")
  [ "$fmt" = text ] && args+=(--color=never)
  "$OVL_BIN" "${args[@]}" >"$tmp/out.$ext" 2>"$tmp/err"
  status=$?
  if [ "$status" != 1 ]; then
    echo "FAIL compare $fmt: exit status $status (want 1: reuse found)"; cat "$tmp/err"; fail=1
  elif [ -s "$tmp/err" ]; then
    echo "FAIL compare $fmt: unexpected stderr"; cat "$tmp/err"; fail=1
  elif ! cmp -s "tests/golden/compare.$ext" "$tmp/out.$ext"; then
    echo "FAIL compare $fmt: differs from tests/golden/compare.$ext"
    diff -u "tests/golden/compare.$ext" "$tmp/out.$ext" | head -40; fail=1
  else
    echo "ok   compare $fmt"
  fi
done
exit $fail
