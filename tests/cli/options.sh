#!/usr/bin/env bash
# CLI tests for option parsing: "--" ends options, every spelling of a value, missing operands named, unknown, misplaced and ambiguous options refused with exit 2.
set -u
: "${OVL_BIN:?}" "${OVL_SRC:?}"
command -v jq >/dev/null || { echo "jq not installed: skipped"; exit 77; }
cd "$OVL_SRC"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
. "$(dirname "$0")/../checks.sh"
# name, expected status, expected first line of stderr (exact), command...
expect() {
  local name=$1 want=$2 msg=$3; shift 3
  "$@" >"$t/out" 2>"$t/err"; local st=$?
  if [ "$st" = "$want" ] && [ "$(head -1 "$t/err")" = "$msg" ]; then ok "$name"
  else bad "$name: status $st (want $want), stderr '$(head -1 "$t/err")' (want '$msg')"; fi
}

mkdir -p "$t/c"
cp fixtures/reuse/source.txt "$t/c/a.txt"
cp fixtures/reuse/copy.txt "$t/c/b.txt"
cp fixtures/reuse/copy.txt "$t/-b.txt"

# "--" ends the options: a file named -b.txt after it is a document.
( cd "$t" && "$OVL_BIN" compare --format json -- c/a.txt -b.txt >out.json ); st=$?
[ "$st" = 1 ] && [ "$(jq -r '.documents[1].path' "$t/out.json")" = "-b.txt" ] && ok "-- then a name starting with -" ||
  bad "--: status $st, $(head -c 200 "$t/out.json")"
expect "without --, -b.txt is an option" 2 "overlap: compare: unknown option '-b' (see 'overlap compare --help')" \
  sh -c "cd '$t' && '$OVL_BIN' compare c/a.txt -b.txt"

# -j2, -j 2, --jobs=2, --jobs 2: one option, one report; options after operands too.
"$OVL_BIN" scan --format json -j1 "$t/c" >"$t/j.ref"
for spell in "-j2" "-j 2" "--jobs=2" "--jobs 2" "--jo 2"; do
  # shellcheck disable=SC2086
  "$OVL_BIN" scan "$t/c" --format=json $spell >"$t/j.out"; st=$?
  [ "$st" = 1 ] && cmp -s "$t/j.ref" "$t/j.out" && ok "scan $spell" || bad "scan $spell: status $st or report differs"
done
expect "-j bad value" 2 "overlap: -j: 'x' is not a whole number from 1 to 1024" "$OVL_BIN" scan -jx "$t/c"

# A missing operand is named.
expect "compare: missing B" 2 "overlap: compare: missing B" "$OVL_BIN" compare "$t/c/a.txt"
expect "compare: missing A and B" 2 "overlap: compare: missing A and B" "$OVL_BIN" compare --format json
expect "compare: a third" 2 "overlap: compare: two documents, A and B (a third: 'x')" "$OVL_BIN" compare a b x
expect "scan: missing PATH" 2 "overlap: scan: missing PATH" "$OVL_BIN" scan -j2
expect "dedup: missing PATH" 2 "overlap: dedup: missing PATH" "$OVL_BIN" dedup
expect "dump: missing FILE" 2 "overlap: dump: missing FILE" "$OVL_BIN" dump --sentences
expect "check: missing DOC" 2 "overlap: check: missing DOC" "$OVL_BIN" check --db "$t/x.db"
expect "check: missing --db" 2 "overlap: check: --db FILE is required" "$OVL_BIN" check "$t/c/a.txt"
expect "index add: missing PATH" 2 "overlap: index add: missing PATH" "$OVL_BIN" index add --db "$t/x.db"
expect "no command" 2 "overlap: missing COMMAND" "$OVL_BIN"
[ ! -e "$t/x.db" ] && ok "no index created by refused commands" || bad "an index was created"

# Unknown options, options of other commands, missing and unwanted values: refused, exit 2.
expect "compare -j" 2 "overlap: compare: unknown option '-j' (see 'overlap compare --help')" \
  "$OVL_BIN" compare -j2 "$t/c/a.txt" "$t/c/b.txt"
expect "compare --jobs=2" 2 "overlap: compare: unknown option '--jobs' (see 'overlap compare --help')" \
  "$OVL_BIN" compare --jobs=2 "$t/c/a.txt" "$t/c/b.txt"
expect "dump --ignore" 2 "overlap: dump: unknown option '--ignore' (see 'overlap dump --help')" \
  "$OVL_BIN" dump --ignore x "$t/c/a.txt"
expect "dedup --shingle (a scan option)" 2 "overlap: dedup: unknown option '--shingle' (see 'overlap dedup --help')" \
  "$OVL_BIN" dedup --shingle 4 "$t/c"
expect "missing value (long)" 2 "overlap: scan: --format needs a value" "$OVL_BIN" scan "$t/c" --format
expect "missing value (short)" 2 "overlap: compare: -o needs a value" "$OVL_BIN" compare "$t/c/a.txt" "$t/c/b.txt" -o
expect "value to a flag" 2 "overlap: scan: --lenient takes no value" "$OVL_BIN" scan --lenient=yes "$t/c"
expect "ambiguous" 2 "overlap: scan: option '--min' is ambiguous (--min-hits, --min-ratio, --min-chars, --min-words, --min-score)" \
  "$OVL_BIN" scan --min 3 "$t/c"
expect "overlap --bogus" 2 "overlap: unknown option '--bogus' (see 'overlap --help')" "$OVL_BIN" --bogus scan
expect "unknown command" 2 "overlap: unknown command 'scna' (see 'overlap --help')" "$OVL_BIN" scna x
# An index action refuses what another action uses.
expect "index add --deep" 2 "overlap: index add: does not take --deep (for index verify)" \
  "$OVL_BIN" index add --db "$t/x.db" --deep "$t/c"
expect "index remove --seed" 2 "overlap: index remove: does not take --seed (for index add)" \
  "$OVL_BIN" index remove --db "$t/x.db" --seed 3 "$t/c"
expect "index list -j" 2 "overlap: index list: does not take -j (for index add)" \
  "$OVL_BIN" index list --db "$t/x.db" -j2
expect "index list -x" 2 "overlap: index list: unknown option '-x' (see 'overlap index list --help')" \
  "$OVL_BIN" index list --db "$t/x.db" -x
[ ! -e "$t/x.db" ] && ok "still no index" || bad "an index was created"

# --help and -h: exit 0, on stdout, wherever they come.
for cmd in compare scan dedup check dump "index" "index add"; do
  # shellcheck disable=SC2086
  "$OVL_BIN" $cmd --help >"$t/h" 2>"$t/herr"; st=$?
  [ "$st" = 0 ] && grep -q '^usage: overlap' "$t/h" && [ ! -s "$t/herr" ] && ok "$cmd --help" || bad "$cmd --help: $st"
done
# Every --help ends with examples: an "examples:" line, then only "  overlap ..." lines.
for cmd in "" compare scan dedup check dump index; do
  # shellcheck disable=SC2086
  "$OVL_BIN" $cmd --help | awk '/^examples:$/ { e = 1; n = 0; next } e && !/^  overlap / { bad = 1 } e { n++ }
    END { exit !(e && n >= 2 && !bad) }' && ok "'overlap $cmd --help' ends with examples" || bad "'overlap $cmd --help': no examples at the end"
done
"$OVL_BIN" scan "$t/c" -h >"$t/h"; [ $? = 0 ] && grep -q '^usage: overlap scan' "$t/h" && ok "scan PATH -h" || bad "scan PATH -h"

# One meaning per name: the old spellings still work and say so once on stderr.
"$OVL_BIN" scan --format json --threshold 0.5 "$t/c" >"$t/th.old" 2>"$t/th.err"; st=$?
"$OVL_BIN" scan --format json --lsh-threshold 0.5 "$t/c" >"$t/th.new" 2>"$t/th.nerr"
[ "$st" = 1 ] && cmp -s "$t/th.old" "$t/th.new" && [ "$(jq .params.threshold "$t/th.new")" = 0.5 ] &&
  [ "$(cat "$t/th.err")" = "overlap: scan: --threshold is now --lsh-threshold (the old name still works for now)" ] &&
  [ ! -s "$t/th.nerr" ] && ok "scan --threshold: --lsh-threshold with a warning" ||
  bad "scan --threshold: status $st, stderr '$(cat "$t/th.err")'"
"$OVL_BIN" dedup --threshold 0.3 "$t/c" >"$t/dd.old" 2>"$t/dd.err"; st=$?
"$OVL_BIN" dedup --min-similarity 0.3 "$t/c" >"$t/dd.new" 2>"$t/dd.nerr"; st2=$?
[ "$st" = "$st2" ] && cmp -s "$t/dd.old" "$t/dd.new" &&
  [ "$(head -1 "$t/dd.err")" = "overlap: dedup: --threshold is now --min-similarity (the old name still works for now)" ] &&
  ! grep -q threshold "$t/dd.nerr" && ok "dedup --threshold: --min-similarity with a warning" ||
  bad "dedup --threshold: $st/$st2, '$(head -1 "$t/dd.err")'"
finish
