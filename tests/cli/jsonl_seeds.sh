#!/usr/bin/env bash
# The seed papers as a JSON lines corpus (plain, gzip, zstd) give the same passages as the seed files themselves; skipped (77) without ../shared/seeds.
set -u
: "${OVL_BIN:?}" "${OVL_SRC:?}" "${OVL_SEEDS:?}"
if ! ls "$OVL_SEEDS"/*.txt >/dev/null 2>&1; then
  echo "SKIP: no seed papers in $OVL_SEEDS"
  exit 77
fi
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
. "$(dirname "$0")/../checks.sh"
# One record per seed file, in name order, its id the file's name.
mkdir "$t/seeds"
for f in "$OVL_SEEDS"/*.txt; do
  cp "$f" "$t/seeds/"
  jq -Rs -c --arg id "$(basename "$f")" '{id:$id,text:.}' "$f"
done >"$t/seeds.jsonl"
gzip -c "$t/seeds.jsonl" >"$t/seeds.jsonl.gz"
zstd -q -c "$t/seeds.jsonl" >"$t/seeds.jsonl.zst"
n=$(ls "$t/seeds" | wc -l)
[ "$(wc -l <"$t/seeds.jsonl")" = "$n" ] && ok "$n records" || bad "record count"
for fmt in jsonl text; do
  "$OVL_BIN" scan "$t/seeds" --format $fmt --passages all | sed "s|$t/seeds/|SEED:|g" >"$t/files.$fmt"
  grep -q 'SEED:' "$t/files.$fmt" && ok "seed files: passages found ($fmt)" || bad "seed files: no passages"
  for f in seeds.jsonl seeds.jsonl.gz seeds.jsonl.zst; do
    "$OVL_BIN" scan "$t/$f" --format $fmt --passages all | sed "s|$t/$f#|SEED:|g" >"$t/$f.$fmt"
    if cmp -s "$t/files.$fmt" "$t/$f.$fmt"; then ok "$f: the same passages as the seed files ($fmt)"
    else bad "$f ($fmt)"; diff "$t/files.$fmt" "$t/$f.$fmt" | head -10; fi
  done
done
finish
