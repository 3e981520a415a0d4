#!/usr/bin/env bash
# CLI tests for index add's metas update, -q, -j, progress, --include/--exclude, and check --include-meta: exact outputs and statuses.
set -u
: "${OVL_BIN:?}" "${OVL_SRC:?}"
command -v jq >/dev/null || { echo "jq not installed: skipped"; exit 77; }
cd "$OVL_SRC"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
. "$(dirname "$0")/../checks.sh"
status_is() {
  local name=$1 want=$2; shift 2
  "$@" >"$t/out" 2>"$t/err"; local st=$?
  if [ "$st" = "$want" ]; then ok "$name"; else bad "$name: status $st, want $want; stderr: $(head -3 "$t/err")"; fi
}
same() { if [ "$(cat "$2")" = "$3" ]; then ok "$1"; else bad "$1"; diff <(printf '%s\n' "$3") "$2" | head -10; fi; }

c=$t/c
mkdir -p "$c/sub"
cp fixtures/reuse/source.txt "$c/s1.txt"
cp fixtures/reuse/source.txt "$c/sub/s2.txt"
cp fixtures/ingest/english.txt "$c/e.txt"
cp fixtures/ingest/paper.utf8.txt "$c/sub/p.md"
cp fixtures/bad/utf8_bad.txt "$c/u.txt"
copy=fixtures/reuse/copy.txt

# ---- Re-adding with new --meta updates the document's metas ---------------------------------
status_is "add with a meta" 0 "$OVL_BIN" index add --db "$t/m.db" --meta author=Wang "$c/s1.txt"
status_is "re-add with new metas" 0 "$OVL_BIN" index add --db "$t/m.db" --meta author=Li --meta year=2020 "$c/s1.txt"
same "updated, said so" "$t/out" "updated   $c/s1.txt
0 added, 0 replaced, 1 updated, 0 unchanged, 0 failed"
"$OVL_BIN" index list --db "$t/m.db" | cut -f1,6 >"$t/out"
same "author replaced, year added" "$t/out" "$c/s1.txt	author=Li,year=2020"
status_is "re-add with the same meta" 0 "$OVL_BIN" index add --db "$t/m.db" --meta author=Li "$c/s1.txt"
same "unchanged" "$t/out" "unchanged $c/s1.txt
0 added, 0 replaced, 1 unchanged, 0 failed"
status_is "re-add without metas" 0 "$OVL_BIN" index add --db "$t/m.db" "$c/s1.txt"
"$OVL_BIN" index list --db "$t/m.db" --format json | jq -c '.[0].metas' >"$t/out"
same "metas kept" "$t/out" '[{"key":"author","value":"Li"},{"key":"year","value":"2020"}]'
status_is "verify after updates" 0 "$OVL_BIN" index verify --db "$t/m.db" --deep

# ---- check --include-meta: only those sources ------------------------------------------------
"$OVL_BIN" index add --db "$t/m.db" --meta author=Zhao "$c/sub/s2.txt" >/dev/null
status_is "check --include-meta author=Li" 1 "$OVL_BIN" check --db "$t/m.db" --format json --include-meta author=Li "$copy"
jq -c '[[.documents[].path], .params.include_meta]' "$t/out" >"$t/j"
same "only the Li source" "$t/j" "[[\"$copy\",\"$c/s1.txt\"],[\"author=Li\"]]"
status_is "two values of one key: either" 1 "$OVL_BIN" check --db "$t/m.db" --format json --include-meta author=Zhao --include-meta author=Li "$copy"
[ "$(jq '.documents | length' "$t/out")" = 3 ] && ok "both sources" || bad "either: $(jq -c '[.documents[].path]' "$t/out")"
status_is "two keys: both needed" 1 "$OVL_BIN" check --db "$t/m.db" --format json --include-meta author=Li --include-meta year=2020 "$copy"
[ "$(jq -c '[.documents[].path]' "$t/out")" = "[\"$copy\",\"$c/s1.txt\"]" ] && ok "Li and 2020" || bad "both keys: $(jq -c '[.documents[].path]' "$t/out")"
status_is "no source tagged so: no reuse" 0 "$OVL_BIN" check --db "$t/m.db" --include-meta author=Li --include-meta year=2019 "$copy"
status_is "include and exclude together" 0 "$OVL_BIN" check --db "$t/m.db" --include-meta author=Li --exclude-meta year=2020 "$copy"
status_is "--include-meta without =" 2 "$OVL_BIN" check --db "$t/m.db" --include-meta Li "$copy"
same "its message" "$t/err" "overlap: check: --include-meta wants KEY=VALUE, not 'Li'"

# ---- index add -q, --include/--exclude, progress ----------------------------------------------
status_is "add -q with a bad file" 2 "$OVL_BIN" index add --db "$t/q.db" -q "$c"
[ ! -s "$t/out" ] && ok "-q: nothing on stdout" || bad "-q printed: $(cat "$t/out")"
same "-q: the bad file still on stderr" "$t/err" "overlap: $c/u.txt: byte 19: invalid UTF-8 sequence"
status_is "add --include '*.txt' --exclude sub" 0 "$OVL_BIN" index add --db "$t/g.db" --include '*.txt' --exclude sub --exclude u.txt "$c"
same "only the matching files" "$t/out" "added     $c/e.txt
added     $c/s1.txt
2 added, 0 replaced, 0 unchanged, 0 failed"
"$OVL_BIN" index add --db "$t/p.db" --progress -j1 "$c/s1.txt" "$c/e.txt" >/dev/null 2>"$t/err"
grep -q "index add: 1/2" "$t/err" && ok "--progress: index add: k/n on stderr" || bad "--progress: $(cat -A "$t/err")"
"$OVL_BIN" index add --db "$t/p2.db" "$c/s1.txt" >/dev/null 2>"$t/err"
[ ! -s "$t/err" ] && ok "no progress when stderr is not a terminal" || bad "progress drawn: $(cat -A "$t/err")"

# ---- -j: the same index, output and messages for any N -----------------------------------------
for j in 1 2 4; do
  "$OVL_BIN" index add --db "$t/j$j.db" -j$j --meta k=v "$c" >"$t/add.$j" 2>"$t/err.$j"; echo $? >"$t/st.$j"
  "$OVL_BIN" index list --db "$t/j$j.db" | cut -f1-4,6 >"$t/list.$j"
  "$OVL_BIN" check --db "$t/j$j.db" --format json "$copy" >"$t/chk.$j"
done
for j in 2 4; do
  cmp -s "$t/add.1" "$t/add.$j" && cmp -s "$t/err.1" "$t/err.$j" && cmp -s "$t/st.1" "$t/st.$j" &&
    cmp -s "$t/list.1" "$t/list.$j" && cmp -s "$t/chk.1" "$t/chk.$j" && ok "-j$j: as -j1" || bad "-j$j differs from -j1"
done
same "-j1: what was added" "$t/add.1" "added     $c/e.txt
added     $c/s1.txt
added     $c/sub/p.md
added     $c/sub/s2.txt
4 added, 0 replaced, 0 unchanged, 1 failed"
[ "$(cat "$t/st.1")" = 2 ] && [ "$(cat "$t/err.1")" = "overlap: $c/u.txt: byte 19: invalid UTF-8 sequence" ] &&
  ok "-j: the bad file once, exit 2" || bad "-j status $(cat "$t/st.1"): $(cat "$t/err.1")"
"$OVL_BIN" index add --db "$t/j2.db" -j2 --meta k=w "$c/s1.txt" "$c/e.txt" >"$t/out" 2>/dev/null
same "-j2 re-add with a new meta: updated" "$t/out" "updated   $c/e.txt
updated   $c/s1.txt
0 added, 0 replaced, 2 updated, 0 unchanged, 0 failed"
status_is "verify the -j4 index" 0 "$OVL_BIN" index verify --db "$t/j4.db" --deep
finish
