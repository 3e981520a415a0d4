#!/usr/bin/env bash
# The report options of compare, check and scan on fixtures/reuse (A 239 of 843 characters
# reused, 0.2835; B 234 of 392, 0.5969) and fixtures/editor: --fail-above gates on the
# largest document ratio, -q prints nothing, --stat leaves out the passages in every format,
# --with-text adds the passages' text, CSV has one row per pair.
set -u
: "${OVL_BIN:?}" "${OVL_SRC:?}"
cd "$OVL_SRC"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
a=fixtures/reuse/source.txt
b=fixtures/reuse/copy.txt
want() { # status description command...
  local w=$1 d=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local st=$?
  if [ "$st" != "$w" ]; then echo "FAIL $d: exit $st, want $w"; head -3 "$tmp/err"; fail=1; else echo "ok   $d"; fi
}
want 1 "compare --fail-above 0.5 (B's 0.5969 is above)" "$OVL_BIN" compare "$a" "$b" --fail-above 0.5
want 0 "compare --fail-above 0.6 (nothing above)" "$OVL_BIN" compare "$a" "$b" --fail-above 0.6
want 1 "compare -q" "$OVL_BIN" compare "$a" "$b" -q
[ -s "$tmp/out" ] && { echo "FAIL -q wrote a report"; fail=1; }
want 2 "compare --fail-above 2 (not a ratio)" "$OVL_BIN" compare "$a" "$b" --fail-above 2
want 1 "compare -q -o FILE" "$OVL_BIN" compare "$a" "$b" -q -o "$tmp/r.txt"
grep -q '^== \[0\]' "$tmp/r.txt" || { echo "FAIL -q -o: no report in the file"; fail=1; }
want 1 "compare --stat" "$OVL_BIN" compare "$a" "$b" --stat --color never
grep -q '^@@' "$tmp/out" && { echo "FAIL --stat: passages in the text report"; fail=1; }
grep -q '^    source \[1\] fixtures/reuse/copy.txt · 239 chars · 0.2835$' "$tmp/out" ||
  { echo "FAIL --stat: no source line"; fail=1; }
want 1 "compare --stat --format json" "$OVL_BIN" compare "$a" "$b" --stat --format json
grep -q '"passages": \[\],' "$tmp/out" || { echo "FAIL --stat json: passages not empty"; fail=1; }
grep -q '"passages": 3,' "$tmp/out" || { echo "FAIL --stat json: the pair record lost"; fail=1; }
want 1 "compare --with-text" "$OVL_BIN" compare "$a" "$b" --with-text --format json
[ "$(grep -c '"edits": \[' "$tmp/out")" = 3 ] || { echo "FAIL --with-text: not 3 edit lists"; fail=1; }
grep -q '"op": "insert",' "$tmp/out" || { echo "FAIL --with-text: no insertion"; fail=1; }
want 1 "compare --format csv" "$OVL_BIN" compare "$a" "$b" --format csv
printf 'a,a_path,b,b_path,passages,a_chars,a_reused_chars,a_ratio,b_chars,b_reused_chars,b_ratio,top_similarity,error\r\n0,"%s",1,"%s",3,843,239,0.2835,392,234,0.5969,1.0000,\r\n' "$a" "$b" >"$tmp/want.csv"
cmp -s "$tmp/want.csv" "$tmp/out" || { echo "FAIL csv:"; cat -A "$tmp/out"; fail=1; }
# scan: the gate sees the pair ratios.
mkdir "$tmp/c"
cp "$a" "$b" "$tmp/c/"
want 1 "scan --fail-above 0.5" "$OVL_BIN" scan "$tmp/c" --fail-above 0.5 -q
want 0 "scan --fail-above 0.6" "$OVL_BIN" scan "$tmp/c" --fail-above 0.6 -q
[ -s "$tmp/out" ] && { echo "FAIL scan -q wrote a report"; fail=1; }
want 1 "scan --format csv" "$OVL_BIN" scan "$tmp/c" --format csv
[ "$(wc -l <"$tmp/out")" = 2 ] || { echo "FAIL scan csv: not a header and one row"; fail=1; }
exit $fail
