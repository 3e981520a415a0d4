#!/usr/bin/env bash
# CLI golden tests for `overlap compare` in its three formats on fixtures/reuse (planted passages:
# re-wrapped, edited and moved, Traditional script) and fixtures/moves (sentences swapped inside a
# passage): byte-for-byte output and exit status 1.
set -u
: "${OVL_BIN:?}" "${OVL_SRC:?}"
cd "$OVL_SRC"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
# fixtures/reuse (golden compare.*) and fixtures/moves (golden compare-moves.*: two sentences
# swap places inside one reused stretch; one passage whose moved sentence is shown).
# To regenerate after an intended change: run each command below from the source directory
# with -o tests/golden/<name>.<ext>, then read the result before committing it.
for set in "compare fixtures/reuse/source.txt fixtures/reuse/copy.txt" \
           "compare-moves fixtures/moves/a.txt fixtures/moves/b.txt"; do
  read -r name a b <<<"$set"
  for fmt in text json html; do
    ext=$fmt
    [ "$fmt" = text ] && ext=txt
    args=(compare "$a" "$b" --format "$fmt")
    [ "$fmt" = text ] && args+=(--color=never)
    "$OVL_BIN" "${args[@]}" >"$tmp/out.$ext" 2>"$tmp/err"
    status=$?
    if [ "$status" != 1 ]; then
      echo "FAIL $name $fmt: exit status $status (want 1: reuse found)"; cat "$tmp/err"; fail=1
    elif [ -s "$tmp/err" ]; then
      echo "FAIL $name $fmt: unexpected stderr"; cat "$tmp/err"; fail=1
    elif ! cmp -s "tests/golden/$name.$ext" "$tmp/out.$ext"; then
      echo "FAIL $name $fmt: differs from tests/golden/$name.$ext"
      diff -u "tests/golden/$name.$ext" "$tmp/out.$ext" | head -40; fail=1
    else
      echo "ok   $name $fmt"
    fi
  done
done
# The moved sentence, exactly: characters 165-244 of A (line 3) are at 240-319 of B.
if ! grep -qx 'moved: A:3-3 chars 165-244 ~ B:3-3 chars 240-319: Survey teams installed pressure sensors beneath…' \
     <("$OVL_BIN" compare fixtures/moves/a.txt fixtures/moves/b.txt --color=never); then
  echo "FAIL compare-moves: no moved line for the swapped sentence"; fail=1
fi
exit $fail
