#!/usr/bin/env bash
# `overlap index` and `overlap check` end to end: add/unchanged/replaced/remove output and exit
# statuses, undecodable files, parameter mismatch and foreign files, --exclude-source/--exclude-meta,
# the same report for any --jobs.
set -euo pipefail
: "${OVL_BIN:?}" "${OVL_FIXTURES:?}"
command -v jq >/dev/null || { echo "jq not installed: skipped"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cd "$t"
fail() { echo "FAIL: $*"; exit 1; }
expect_status() { # expected command...
  local want=$1; shift
  set +e; "$@" >out.txt 2>err.txt; local got=$?; set -e
  [ "$got" = "$want" ] || { cat out.txt err.txt; fail "$* exited $got, expected $want"; }
}

mkdir -p corpus/web corpus/book
cp "$OVL_FIXTURES/reuse/source.txt" corpus/web/source.txt
cp "$OVL_FIXTURES/reuse/source.txt" corpus/book/source.txt
cp "$OVL_FIXTURES/ingest/english.txt" corpus/book/english.txt
printf 'valid text \xff\xfe then bad bytes\n' > bad.txt

# add: directories walked in name order; the undecodable file is reported with its byte offset,
# the others are added, and the exit status is 2.
expect_status 0 "$OVL_BIN" index add --db idx.db --meta kind=book corpus/book
expect_status 2 "$OVL_BIN" index add --db idx.db --encoding UTF-8 --meta kind=web corpus/web bad.txt
grep -q "^added     $t/corpus/web/source.txt$" out.txt || fail "web source not added: $(cat out.txt)"
grep -q "bad.txt: byte 11" err.txt || fail "bad.txt error: $(cat err.txt)"
grep -q "^1 added, 0 replaced, 0 unchanged, 1 failed$" out.txt || fail "summary: $(cat out.txt)"
expect_status 0 "$OVL_BIN" index add --db idx.db corpus
[ "$(grep -c '^unchanged ' out.txt)" = 3 ] || fail "second add not unchanged: $(cat out.txt)"
[ "$(jq length < <("$OVL_BIN" index list --db idx.db --format json))" = 3 ] || fail "list count"
"$OVL_BIN" index list --db idx.db --format json | jq -e '.[0].path | endswith("corpus/book/english.txt")' >/dev/null \
  || fail "list not sorted by path"
"$OVL_BIN" index list --db idx.db --format json \
  | jq -e '[.[] | select(.metas == [{"key":"kind","value":"web"}])] | length == 1' >/dev/null || fail "metas"

# check: both copies of the source are found; exclusions drop one or both.
expect_status 1 "$OVL_BIN" check --db idx.db --format json "$OVL_FIXTURES/reuse/copy.txt"
[ "$(jq '.documents | length' out.txt)" = 3 ] || fail "expected copy + 2 sources: $(jq -c '.documents' out.txt)"
jq -e '.documents[1].path | endswith("corpus/book/source.txt")' out.txt >/dev/null || fail "sources not in path order"
jq -e '[.passages[].a.doc] | all(. == 0)' out.txt >/dev/null || fail "a must be the checked document"
# Sources are aligned by several threads: the report is the same for any number.
cp out.txt check-default.json
for j in 1 3; do
  expect_status 1 "$OVL_BIN" check --db idx.db --format json -j "$j" "$OVL_FIXTURES/reuse/copy.txt"
  cmp -s out.txt check-default.json || fail "check -j $j differs from the default"
done
expect_status 1 "$OVL_BIN" check --db idx.db --format json --exclude-meta kind=web "$OVL_FIXTURES/reuse/copy.txt"
[ "$(jq -r '.documents[1:][].path' out.txt)" = "$t/corpus/book/source.txt" ] || fail "exclude-meta: $(jq -c .documents out.txt)"
expect_status 1 "$OVL_BIN" check --db idx.db --format json --exclude-source '*/book/*' "$OVL_FIXTURES/reuse/copy.txt"
[ "$(jq -r '.documents[1:][].path' out.txt)" = "$t/corpus/web/source.txt" ] || fail "exclude-source: $(jq -c .documents out.txt)"
expect_status 0 "$OVL_BIN" check --db idx.db --exclude-source '*/book/*' --exclude-meta kind=web \
  "$OVL_FIXTURES/reuse/copy.txt"

# A changed file at the same path replaces the entry; remove by file and by directory.
printf 'Completely different content now.\n' > corpus/web/source.txt
expect_status 0 "$OVL_BIN" index add --db idx.db corpus/web
grep -q "^replaced  $t/corpus/web/source.txt$" out.txt || fail "not replaced: $(cat out.txt)"
expect_status 0 "$OVL_BIN" index remove --db idx.db corpus/web/source.txt
expect_status 2 "$OVL_BIN" index remove --db idx.db corpus/web/source.txt
grep -q "not in index" err.txt || fail "remove of absent path: $(cat err.txt)"
expect_status 0 "$OVL_BIN" index remove --db idx.db corpus/book
[ "$(grep -c '^removed ' out.txt)" = 2 ] || fail "directory remove: $(cat out.txt)"
expect_status 0 "$OVL_BIN" index stats --db idx.db
grep -q "^documents      0$" out.txt || fail "stats after removes: $(cat out.txt)"
expect_status 0 "$OVL_BIN" index verify --db idx.db --deep

# Parameters are fixed at creation.
expect_status 0 "$OVL_BIN" index add --db seed1.db --seed 1 corpus/book
expect_status 2 "$OVL_BIN" check --db seed1.db --seed 2 "$OVL_FIXTURES/reuse/copy.txt"
grep -qx "overlap: index seed1.db was built with seed 1, not 2" err.txt || fail "mismatch: $(cat err.txt)"
expect_status 2 "$OVL_BIN" index add --db seed1.db --no-fold-traditional corpus/book
grep -qx "overlap: index seed1.db was built with fold_traditional 1, not 0" err.txt || fail "fold: $(cat err.txt)"
expect_status 0 "$OVL_BIN" index add --db seed1.db --seed 1 corpus/book

# Foreign files are refused and left alone.
cp "$OVL_FIXTURES/reuse/copy.txt" notes.txt
expect_status 2 "$OVL_BIN" index add --db notes.txt corpus
grep -qx "overlap: notes.txt is not an overlap index (not an SQLite database)" err.txt || fail "foreign: $(cat err.txt)"
cmp -s notes.txt "$OVL_FIXTURES/reuse/copy.txt" || fail "foreign file modified"
expect_status 2 "$OVL_BIN" check --db missing.db "$OVL_FIXTURES/reuse/copy.txt"
grep -qx "overlap: index missing.db does not exist" err.txt || fail "missing: $(cat err.txt)"
[ ! -e missing.db ] || fail "check created an index"
# An option an action does not use is refused, not ignored.
expect_status 2 "$OVL_BIN" index list --db idx.db --meta author=Wang
grep -qx "overlap: index list: does not take --meta (for index add)" err.txt || fail "list --meta: $(cat err.txt)"
expect_status 2 "$OVL_BIN" index stats --db idx.db --format json
grep -qx "overlap: index stats: does not take --format (for index list)" err.txt || fail "stats --format: $(cat err.txt)"
expect_status 2 "$OVL_BIN" index list --db idx.db --deep
expect_status 2 "$OVL_BIN" index verify --db idx.db --seed 3
echo ok
