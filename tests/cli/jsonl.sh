#!/usr/bin/env bash
# CLI tests for JSON lines corpora: records as documents (plain, gzip, zstd), bad records named by file and line, dedup --format jsonl, check and index add.
set -u
: "${OVL_BIN:?}" "${OVL_SRC:?}"
cd "$OVL_SRC"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
. "$(dirname "$0")/../checks.sh"
check() { # name, expected, actual
  if [ "$2" = "$3" ]; then ok "$1"; else bad "$1"; diff -u <(printf '%s\n' "$2") <(printf '%s\n' "$3") | head -20; fi
}
rec() { jq -Rs -c --argjson id "$1" '{id:$id,text:.}' "$2"; } # id (JSON), file

# The same two texts as files and as records: the same passages, named FILE#ID.
mkdir "$t/files"
cp fixtures/reuse/source.txt "$t/files/a"
cp fixtures/reuse/copy.txt "$t/files/b"
{ rec '"a"' fixtures/reuse/source.txt; rec '"b"' fixtures/reuse/copy.txt; } >"$t/c.jsonl"
gzip -c "$t/c.jsonl" >"$t/c.jsonl.gz"
zstd -q -c "$t/c.jsonl" >"$t/c.jsonl.zst"
"$OVL_BIN" scan "$t/files" --format jsonl | sed "s|$t/files/|X|g" >"$t/files.out"
grep -q '"passages":3' "$t/files.out" && ok "the files share 3 passages" || bad "files scan"
for f in c.jsonl c.jsonl.gz c.jsonl.zst; do
  out=$("$OVL_BIN" scan "$t/$f" --format jsonl); st=$?
  check "$f: the same passages as the files" "$(cat "$t/files.out")" "$(sed "s|$t/$f#|X|g" <<<"$out")"
  [ "$st" = 1 ] && ok "$f: status 1" || bad "$f: status $st"
done
check "records named FILE#ID in the text report" "[0] $t/c.jsonl.gz#a · 843 chars · 239 reused · ratio 0.2835
    without quotations 0.2835 (0 quoted chars) · without references 0.2835 (0 chars of references)
    source [1] $t/c.jsonl.gz#b · 239 chars · 0.2835
    section (before the first heading) · 18 chars · 0 reused · 0.0000
    section 摘 要 · 106 chars · 0 reused · 0.0000
    section Abstract · 217 chars · 0 reused · 0.0000
    section 一、社区养老服务的现状 · 191 chars · 92 reused · 0.4817
    section 二、存在的主要问题 · 164 chars · 147 reused · 0.8963
    section 三、完善社区养老服务的路径 · 147 chars · 0 reused · 0.0000
[1] $t/c.jsonl.gz#b · 392 chars · 234 reused · ratio 0.5969
    without quotations 0.5969 (0 quoted chars) · without references 0.5969 (0 chars of references)
    source [0] $t/c.jsonl.gz#a · 234 chars · 0.5969" \
  "$("$OVL_BIN" scan "$t/c.jsonl.gz" | sed -n 2,13p)"
# compare and dump open a record by the name a scan gives it, FILE#ID (any compression).
"$OVL_BIN" compare --format json "$t/files/a" "$t/files/b" | jq -c .passages >"$t/cmp.files"
for f in c.jsonl c.jsonl.gz c.jsonl.zst; do
  check "compare $f#a $f#b: the files' passages" "$(cat "$t/cmp.files")" \
    "$("$OVL_BIN" compare --format json "$t/$f#a" "$t/$f#b" | jq -c .passages)"
done
check "dump of a record" "$("$OVL_BIN" dump "$t/files/b" | sed "s|$t/files/b|X|")" \
  "$("$OVL_BIN" dump "$t/c.jsonl#b" | sed "s|$t/c.jsonl#b|X|")"
"$OVL_BIN" compare "$t/c.jsonl#a" "$t/c.jsonl#zz" >/dev/null 2>"$t/err"; st=$?
check "compare of a missing record: status 2, named" "2 overlap: $t/c.jsonl#zz: no record with id \"zz\"" "$st $(cat "$t/err")"
# Two gzip members (cat a.gz b.gz) are one stream of records.
{ head -1 "$t/c.jsonl" | gzip -c; tail -1 "$t/c.jsonl" | gzip -c; } >"$t/m.jsonl.gz"
check "concatenated gzip members" "$(cat "$t/files.out")" \
  "$("$OVL_BIN" scan "$t/m.jsonl.gz" --format jsonl | sed "s|$t/m.jsonl.gz#|X|g")"
# Other field names.
jq -c '{name:.id,body:.text}' "$t/c.jsonl" >"$t/o.jsonl"
check "--text-field and --id-field" "$(cat "$t/files.out")" \
  "$("$OVL_BIN" scan "$t/o.jsonl" --text-field body --id-field name --format jsonl | sed "s|$t/o.jsonl#|X|g")"

# Bad records: each named by file and line on stderr and in the report, the others read, exit 2.
{
  rec '"src"' fixtures/reuse/source.txt                    # 1
  echo '{"id":"b"}'                                       # 2 no text
  echo 'not json'                                         # 3
  echo '   '                                              # 4 blank: skipped
  rec '"src"' fixtures/ingest/english.txt                  # 5 the id of line 1 again
  rec 7 fixtures/reuse/copy.txt                            # 6 a number id
  rec 7 fixtures/ingest/english.txt                        # 7 the same number
  echo '{"id":[1],"text":"x"}'                            # 8
  echo '["text"]'                                         # 9
  echo '{"id":"c","text":5}'                              # 10
  printf '{"id":"d","text":"a\\u0000b"}\n'                # 11
  echo '{"id":"e","text":"x","text":"y"}'                 # 12
  jq -Rs -c '{text:.}' fixtures/ingest/english.txt         # 13 no id: named by its line
  printf '{"id":"last","text":"no line break at the end"}' # 14
} >"$t/bad.jsonl"
errs="overlap: $t/bad.jsonl: line 2: no \"text\" field
overlap: $t/bad.jsonl: line 3: invalid JSON: '[' or '{' expected near 'not' (column 3)
overlap: $t/bad.jsonl: line 5: duplicate id \"src\" (first on line 1)
overlap: $t/bad.jsonl: line 7: duplicate id \"7\" (first on line 6)
overlap: $t/bad.jsonl: line 8: \"id\" is not a non-empty string or a number
overlap: $t/bad.jsonl: line 9: not a JSON object
overlap: $t/bad.jsonl: line 10: \"text\" is not a string
overlap: $t/bad.jsonl: line 11: \"text\" holds a NUL character (\\u0000)
overlap: $t/bad.jsonl: line 12: invalid JSON: duplicate object key near '\"text\"' (column 27)"
"$OVL_BIN" scan "$t/bad.jsonl" --format json -o "$t/bad.json" 2>"$t/err"; st=$?
check "bad records on stderr, in line order" "$errs" "$(cat "$t/err")"
[ "$st" = 2 ] && ok "scan: status 2 with bad records" || bad "scan: status $st"
check "bad records in the JSON report with offsets" \
  "$t/bad.jsonl 2071 line 2: no \"text\" field
$t/bad.jsonl 2082 line 3: invalid JSON: '[' or '{' expected near 'not' (column 3)
$t/bad.jsonl 2095 line 5: duplicate id \"src\" (first on line 1)" \
  "$(jq -r '.skipped[:3][] | "\(.path) \(.byte) \(.message)"' "$t/bad.json")"
check "the good records are documents (line order)" "$t/bad.jsonl#src $t/bad.jsonl#7 $t/bad.jsonl#13 $t/bad.jsonl#last" \
  "$("$OVL_BIN" dedup "$t/bad.jsonl" 2>/dev/null | tail -n +2 | cut -f4 | tr '\n' ' ' | sed 's/ $//')"
pos='[.passages[] | [.a.byte_start, .a.byte_end, .a.line_start, .b.byte_start, .b.byte_end, .b.line_start] | map(tostring) | join(" ")] | join(", ")'
check "positions are offsets in the decoded text field (as in the files)" \
  "$("$OVL_BIN" scan "$t/files" --format json | jq -r "$pos")" "$(jq -r "$pos" "$t/bad.json")"

# dedup --format jsonl: every record with file, id and line; the duplicate pair clustered.
{ rec '"x1"' fixtures/ingest/english.txt; rec '"y"' fixtures/reuse/source.txt
  rec 2 fixtures/ingest/english.txt; } >"$t/d.jsonl"
out=$("$OVL_BIN" dedup "$t/d.jsonl" --format jsonl); st=$?
check "dedup --format jsonl" \
  "{\"action\":\"keep\",\"cluster\":1,\"similarity\":1.0,\"path\":\"$t/d.jsonl#x1\",\"file\":\"$t/d.jsonl\",\"id\":\"x1\",\"line\":1,\"kept_path\":\"$t/d.jsonl#x1\",\"kept_file\":\"$t/d.jsonl\",\"kept_id\":\"x1\",\"kept_line\":1}
{\"action\":\"drop\",\"cluster\":1,\"similarity\":0.9966,\"path\":\"$t/d.jsonl#2\",\"file\":\"$t/d.jsonl\",\"id\":\"2\",\"line\":3,\"kept_path\":\"$t/d.jsonl#x1\",\"kept_file\":\"$t/d.jsonl\",\"kept_id\":\"x1\",\"kept_line\":1}
{\"action\":\"keep\",\"cluster\":null,\"similarity\":null,\"path\":\"$t/d.jsonl#y\",\"file\":\"$t/d.jsonl\",\"id\":\"y\",\"line\":2,\"kept_path\":\"$t/d.jsonl#y\",\"kept_file\":\"$t/d.jsonl\",\"kept_id\":\"y\",\"kept_line\":2}" "$out"
[ "$st" = 1 ] && ok "dedup: status 1" || bad "dedup: status $st"
check "dedup tsv names records FILE#ID" "drop	1	$t/d.jsonl#2	$t/d.jsonl#x1" \
  "$("$OVL_BIN" dedup "$t/d.jsonl" | grep drop | cut -f1,2,4,5)"
# Records are UTF-8 whatever --encoding says: --lenient counts no replacement in them (it
# used to count the non-ASCII bytes, decoding them again as ASCII).
printf '{"id":"a","text":"caf\\u00e9 au lait"}\n{"id":"b","text":"na\\u00efve"}\n' >"$t/u.jsonl"
"$OVL_BIN" dedup "$t/u.jsonl" --encoding ASCII --lenient --format json 2>"$t/err" >"$t/u.json"
check "--lenient: records read as UTF-8, nothing replaced" "[]
overlap: dedup: --lenient: 0 invalid byte sequences replaced with U+FFFD in 0 files" \
  "$(jq -c .replaced "$t/u.json"; grep -- --lenient "$t/err")"

# index add takes each record; check reads records of a .jsonl argument as documents.
"$OVL_BIN" index add --db "$t/i.db" "$t/c.jsonl.zst" >"$t/add.out"; st=$?
check "index add: one entry per record" "added     $t/c.jsonl.zst#a
added     $t/c.jsonl.zst#b
2 added, 0 replaced, 0 unchanged, 0 failed" "$(cat "$t/add.out")"
out=$("$OVL_BIN" check --db "$t/i.db" "$t/c.jsonl" --format json); st=$?
check "check: each record against the index" "$t/c.jsonl#a $t/c.jsonl.zst#a 1
$t/c.jsonl#a $t/c.jsonl.zst#b 3
$t/c.jsonl#b $t/c.jsonl.zst#a 3
$t/c.jsonl#b $t/c.jsonl.zst#b 1" \
  "$(jq -r '.pairs[] | "\(.a_path) \(.b_path) \(.passages)"' <<<"$out")"
[ "$st" = 1 ] && ok "check: status 1" || bad "check: status $st"
# A bad record of a checked file is skipped as a bad DOC is: on stderr and in skipped[].
{ head -1 "$t/c.jsonl"; echo '{"id":"z"}'; } >"$t/cb.jsonl"
printf 'caf\xe9\n' >"$t/latin.txt"
out=$("$OVL_BIN" check --db "$t/i.db" "$t/cb.jsonl" "$t/latin.txt" --encoding UTF-8 --format json 2>"$t/err"); st=$?
check "check: bad record and bad DOC on stderr" "overlap: $t/cb.jsonl: line 2: no \"text\" field
overlap: $t/latin.txt: byte 3: invalid UTF-8 sequence" "$(cat "$t/err")"
check "check: both in skipped, the good record checked" "$t/cb.jsonl line 2: no \"text\" field $(($(head -1 "$t/c.jsonl" | wc -c)))
$t/latin.txt byte 3: invalid UTF-8 sequence 3
$t/cb.jsonl#a" "$(jq -r '(.skipped[] | "\(.path) \(.message) \(.byte)"), .documents[0].path' <<<"$out")"
[ "$st" = 2 ] && ok "check with a bad record: status 2" || bad "check with a bad record: status $st"

# Damaged compressed files: the records before the fault are read, the fault is named.
head -c 800 "$t/c.jsonl.gz" >"$t/cut.jsonl.gz"
"$OVL_BIN" scan "$t/cut.jsonl.gz" >/dev/null 2>"$t/err"; st=$?
check "truncated gzip" "overlap: $t/cut.jsonl.gz: gzip stream truncated after 800 bytes
overlap: scan: no files to read" "$(cat "$t/err")"
[ "$st" = 2 ] && ok "truncated gzip: status 2" || bad "truncated gzip: status $st"
printf 'not zstd at all' >"$t/junk.jsonl.zst"
"$OVL_BIN" scan "$t/junk.jsonl.zst" >/dev/null 2>"$t/err"; st=$?
check "not zstd" "overlap: $t/junk.jsonl.zst: zstd: damaged data near compressed byte 0 (Unknown frame descriptor)
overlap: scan: no files to read" "$(cat "$t/err")"
[ "$st" = 2 ] && ok "not zstd: status 2" || bad "not zstd: status $st"

finish
