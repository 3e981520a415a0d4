#!/usr/bin/env bash
# A corpus read as files and as JSON lines records (plain, gzip, zstd): the same pairs, and the wall time and peak memory of each.
# Usage: OVL_BUILD=build bash bench/bench_jsonl.sh FILE   (each line of FILE becomes one document)
set -euo pipefail
bin=${OVL_BUILD:-build}/overlap
src=${1:?a text file, one document per line}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir "$t/files"
awk -v d="$t/files" '{ f = sprintf("%s/%06d.txt", d, NR); print > f; close(f) }' "$src"
for f in "$t"/files/*.txt; do jq -Rs -c --arg id "$(basename "$f")" '{id:$id,text:.}' "$f"; done >"$t/c.jsonl"
gzip -c "$t/c.jsonl" >"$t/c.jsonl.gz"
zstd -q -c "$t/c.jsonl" >"$t/c.jsonl.zst"
echo "$(ls "$t/files" | wc -l) documents, $(du -sk "$t/c.jsonl" | cut -f1) KiB as JSON lines," \
  "$(du -sk "$t/c.jsonl.gz" | cut -f1) KiB gzip, $(du -sk "$t/c.jsonl.zst" | cut -f1) KiB zstd"
printf '| input | pairs | wall | peak memory | same output as the files |\n| --- | ---: | ---: | ---: | --- |\n'
for x in files c.jsonl c.jsonl.gz c.jsonl.zst; do
  /usr/bin/time -f '%e %M' -o "$t/time" "$bin" scan "$t/$x" -j2 --format jsonl >"$t/out.$x" || true
  sed -e "s|$t/files/||g" -e "s|$t/$x#||g" "$t/out.$x" >"$t/norm.$x"
  same=$(cmp -s "$t/norm.files" "$t/norm.$x" && echo yes || echo NO)
  read -r wall kb < <(tail -1 "$t/time")
  printf '| %s | %s | %s s | %s MB | %s |\n' "$x" "$(grep -c '^{"pair"' "$t/out.$x" || true)" "$wall" "$((kb / 1024))" "$same"
done
