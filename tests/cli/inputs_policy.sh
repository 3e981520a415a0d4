#!/usr/bin/env bash
# CLI tests for bad inputs, the same in every command: each bad file reported once and listed as skipped, the others processed, exit 2; FIFOs refused at once; hidden files; escaped names; -z; empty files; --lenient counts; --max-bytes.
set -u
: "${OVL_BIN:?}" "${OVL_SRC:?}"
command -v jq >/dev/null || { echo "jq not installed: skipped"; exit 77; }
cd "$OVL_SRC"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
. "$(dirname "$0")/../checks.sh"
# name, expected status, command... (stdout to $t/out, stderr to $t/err); at most 10 s, so a
# command that would hang on a FIFO fails instead of hanging the suite.
status_is() {
  local name=$1 want=$2; shift 2
  timeout 10 "$@" >"$t/out" 2>"$t/err"; local st=$?
  if [ "$st" = "$want" ]; then ok "$name"; else bad "$name: status $st, want $want; stderr: $(head -3 "$t/err")"; fi
}
# name, file, expected content (exact)
same() { if [ "$(cat "$2")" = "$3" ]; then ok "$1"; else bad "$1"; diff <(printf '%s\n' "$3") "$2" | head -10; fi; }

c=$t/c
mkdir -p "$c"
cp fixtures/reuse/source.txt "$c/a.txt"
cp fixtures/reuse/copy.txt "$c/b.txt"
cp fixtures/bad/utf8_bad.txt "$c/u.txt"
cp fixtures/bad/binary.bin "$c/bin.txt"
mkfifo "$t/fifo"

# ---- Each bad file once on stderr, in the JSON report's skipped, others processed, exit 2 ----
status_is "scan with a missing file: 2" 2 "$OVL_BIN" scan --format json "$c/a.txt" "$c/b.txt" "$t/none.txt"
same "scan: the missing file once on stderr" "$t/err" "overlap: $t/none.txt: No such file or directory"
[ "$(jq -c '[(.pairs | length), .skipped]' "$t/out")" = "[1,[{\"path\":\"$t/none.txt\",\"message\":\"No such file or directory\",\"byte\":null}]]" ] &&
  ok "scan: the pair reported, the file skipped" || bad "scan: $(jq -c '[(.pairs | length), .skipped]' "$t/out")"

"$OVL_BIN" index add --db "$t/i.db" "$c/a.txt" >/dev/null
status_is "check: a binary and an undecodable file do not stop the batch" 2 \
  "$OVL_BIN" check --db "$t/i.db" --format json "$c/bin.txt" "$c/b.txt" "$c/u.txt"
same "check: each bad file once on stderr" "$t/err" "overlap: $c/bin.txt: byte 15: NUL byte: binary data, not text
overlap: $c/u.txt: byte 19: invalid UTF-8 sequence"
jq -e --arg c "$c" '(.pairs | length) == 1 and .documents[0].path == $c + "/b.txt" and
    .skipped == [{"path": ($c + "/bin.txt"), "message": "byte 15: NUL byte: binary data, not text", "byte": 15},
                 {"path": ($c + "/u.txt"), "message": "byte 19: invalid UTF-8 sequence", "byte": 19}]' "$t/out" >/dev/null &&
  ok "check: b.txt checked, the two others in skipped" || bad "check JSON: $(jq -c '{skipped, n: (.pairs | length)}' "$t/out")"
"$OVL_BIN" check --db "$t/i.db" "$c/bin.txt" "$c/b.txt" 2>/dev/null | grep -qx "== skipped $c/bin.txt: byte 15: NUL byte: binary data, not text" &&
  ok "check text: a skipped line" || bad "check text: no skipped line"

status_is "dedup with a bad file: 2" 2 "$OVL_BIN" dedup --format json "$c/a.txt" "$c/b.txt" "$c/u.txt"
same "dedup: the bad file once on stderr" "$t/err" "overlap: $c/u.txt: byte 19: invalid UTF-8 sequence
overlap: dedup: no near-duplicates among the 2 documents read"
[ "$(jq -c .skipped "$t/out")" = "[{\"path\":\"$c/u.txt\",\"message\":\"byte 19: invalid UTF-8 sequence\",\"byte\":19}]" ] &&
  ok "dedup JSON: skipped" || bad "dedup JSON skipped: $(jq -c .skipped "$t/out")"
status_is "dedup --format jsonl with a bad file: 2" 2 "$OVL_BIN" dedup --format jsonl "$c/a.txt" "$c/b.txt" "$c/u.txt"
[ "$(tail -1 "$t/out")" = "{\"action\":\"skip\",\"cluster\":null,\"similarity\":null,\"path\":\"$c/u.txt\",\"message\":\"byte 19: invalid UTF-8 sequence\",\"byte\":19}" ] &&
  [ "$(grep -c '"action":"keep"' "$t/out")" = 2 ] &&
  ok "dedup JSON lines: a skip row for the bad file" || bad "dedup JSON lines: $(cat "$t/out")"

status_is "index add with a bad file: 2" 2 "$OVL_BIN" index add --db "$t/j.db" "$c/a.txt" "$c/u.txt"
same "index add: the bad file once, the other added" "$t/err" "overlap: $c/u.txt: byte 19: invalid UTF-8 sequence"
grep -qx "1 added, 0 replaced, 0 unchanged, 1 failed" "$t/out" && ok "index add: summary" || bad "index add: $(cat "$t/out")"

status_is "compare: both bad" 2 "$OVL_BIN" compare "$t/none.txt" "$c/u.txt"
same "compare: each reported" "$t/err" "overlap: $t/none.txt: No such file or directory
overlap: $c/u.txt: byte 19: invalid UTF-8 sequence"

# ---- A FIFO given as an argument is refused at once by every command -----------------------
for cmd in "compare $c/a.txt $t/fifo" "compare $t/fifo $c/a.txt" "dump $t/fifo" "check --db $t/i.db $t/fifo" \
           "scan $c/a.txt $t/fifo" "dedup $c/a.txt $t/fifo" "index add --db $t/k.db $t/fifo"; do
  # shellcheck disable=SC2086
  status_is "FIFO refused: $cmd" 2 "$OVL_BIN" $cmd
  grep -q "^overlap: $t/fifo: not a regular file$" "$t/err" && ok "FIFO message: ${cmd%% *}" || bad "FIFO message: $(cat "$t/err")"
done

# ---- Hidden files and folders: the same in scan, dedup and index add -------------------------
h=$t/h
mkdir -p "$h/.git"
cp "$c/a.txt" "$h/a.txt"; cp "$c/b.txt" "$h/.b.txt"; cp "$c/b.txt" "$h/.git/b.txt"
status_is "scan skips hidden" 0 "$OVL_BIN" scan --format json "$h"
[ "$(jq '.documents | length' "$t/out")" = 0 ] && ok "scan: no hidden document" || bad "scan hidden: $(jq -c .documents "$t/out")"
status_is "scan --hidden" 1 "$OVL_BIN" scan --hidden "$h"
"$OVL_BIN" dedup "$h" 2>/dev/null | cut -f4 >"$t/dd"
same "dedup skips hidden" "$t/dd" "path
$h/a.txt"
"$OVL_BIN" dedup --hidden "$h" 2>/dev/null | cut -f4 | sort >"$t/dd"
same "dedup --hidden" "$t/dd" "$h/.b.txt
$h/.git/b.txt
$h/a.txt
path"
"$OVL_BIN" index add --db "$t/h.db" "$h" >"$t/out"
same "index add skips hidden" "$t/out" "added     $h/a.txt
1 added, 0 replaced, 0 unchanged, 0 failed"
"$OVL_BIN" index add --db "$t/h2.db" --hidden "$h" | tail -1 >"$t/out"
same "index add --hidden" "$t/out" "3 added, 0 replaced, 0 unchanged, 0 failed"

# ---- Names cannot forge rows nor reach the terminal raw -------------------------------------
f=$t/f
mkdir -p "$f"
cp fixtures/ingest/english.txt "$f/important.txt"
forged=$'b.txt\ndrop\t9\timportant.txt\tx'
cp fixtures/reuse/copy.txt "$f/$forged"
status_is "dedup: two distinct documents" 0 "$OVL_BIN" dedup "$f"
same "dedup: the forged name is one escaped field, no drop row" "$t/out" "action	cluster	similarity	path	kept
keep	-	-	$f/b.txt\\ndrop\\t9\\timportant.txt\\tx	$f/b.txt\\ndrop\\t9\\timportant.txt\\tx
keep	-	-	$f/important.txt	$f/important.txt"
"$OVL_BIN" dedup -z "$f" 2>/dev/null >"$t/z"
[ "$(tr -cd '\0' <"$t/z" | wc -c)" = 15 ] &&
  [ "$(tr '\0' '\n' <"$t/z" | sed -n 6,10p)" = "keep
-
-
$f/$forged" ] && ok "dedup -z: five NUL-ended fields a row, the name as it is" || { bad "dedup -z"; cat -A "$t/z"; }
status_is "dedup -z --format json refused" 2 "$OVL_BIN" dedup --null --format json "$f"
same "its message" "$t/err" "overlap: dedup: -z is for the tsv list, not --format json"
esc=$'\e]0;pwned\a\e[31mred.txt'
cp fixtures/reuse/copy.txt "$f/$esc"
status_is "escape sequences in a name: missing-file message" 2 "$OVL_BIN" compare "$c/a.txt" "$f/$esc.gone"
same "stderr: the escape sequence escaped" "$t/err" "overlap: $f/\\x1B]0;pwned\\x07\\x1B[31mred.txt.gone: No such file or directory"
status_is "a library message quoting a name" 2 "$OVL_BIN" check --db "$f/$esc.db" "$c/a.txt"
same "it is escaped too" "$t/err" "overlap: index $f/\\x1B]0;pwned\\x07\\x1B[31mred.txt.db does not exist"
"$OVL_BIN" index add --db "$t/e.db" "$f/$esc" >"$t/out"
same "index add: the name escaped" "$t/out" "added     $f/\\x1B]0;pwned\\x07\\x1B[31mred.txt
1 added, 0 replaced, 0 unchanged, 0 failed"
"$OVL_BIN" index list --db "$t/e.db" | cut -f1 >"$t/out"
same "index list: the name escaped" "$t/out" "$f/\\x1B]0;pwned\\x07\\x1B[31mred.txt"
[ "$("$OVL_BIN" index list --db "$t/e.db" -z | tr '\0' '\n' | head -1)" = "$f/$esc" ] &&
  [ "$("$OVL_BIN" index list --db "$t/e.db" -z | tr -cd '\0' | wc -c)" = 6 ] && ok "index list -z: raw name, 6 NUL-ended fields" ||
  bad "index list -z"
status_is "index list -z --format json refused" 2 "$OVL_BIN" index list --db "$t/e.db" -z --format json
same "its message" "$t/err" "overlap: index list: -z is for the text list, not --format json"
"$OVL_BIN" dump "$f/$esc" | head -1 | cut -d: -f1 >"$t/out"
same "dump: the name escaped" "$t/out" "$f/\\x1B]0;pwned\\x07\\x1B[31mred.txt"
"$OVL_BIN" index verify --db "$t/e.db" >"$t/out"
same "index verify: ok" "$t/out" "$t/e.db: ok"
"$OVL_BIN" compare "$c/a.txt" "$f/$esc" >"$t/out" 2>&1
! grep -q $'\e' "$t/out" && ok "compare text report: no raw escape" || bad "compare report has a raw ESC"

# ---- Empty files: a warning, the run goes on --------------------------------------------
: >"$t/empty.txt"
status_is "compare with an empty file" 0 "$OVL_BIN" compare "$c/a.txt" "$t/empty.txt"
same "compare: warning" "$t/err" "overlap: $t/empty.txt: warning: empty file"
status_is "scan with an empty file" 1 "$OVL_BIN" scan "$c/a.txt" "$c/b.txt" "$t/empty.txt"
same "scan: warning" "$t/err" "overlap: $t/empty.txt: warning: empty file"
status_is "dedup with an empty file" 0 "$OVL_BIN" dedup "$c/a.txt" "$t/empty.txt"
grep -qx "overlap: $t/empty.txt: warning: empty file" "$t/err" && ok "dedup: warning" || bad "dedup: $(cat "$t/err")"
status_is "index add with an empty file" 0 "$OVL_BIN" index add --db "$t/m.db" "$t/empty.txt"
same "index add: warning" "$t/err" "overlap: $t/empty.txt: warning: empty file"
status_is "check with an empty file" 0 "$OVL_BIN" check --db "$t/i.db" "$t/empty.txt"
same "check: warning" "$t/err" "overlap: $t/empty.txt: warning: empty file"
status_is "dump an empty file" 0 "$OVL_BIN" dump "$t/empty.txt"
same "dump: warning" "$t/err" "overlap: $t/empty.txt: warning: empty file"

# ---- --lenient: the replaced bytes counted by every command ---------------------------------
l=$t/l
mkdir -p "$l"
cp fixtures/bad/utf8_bad.txt "$l/u.txt"
cp "$c/a.txt" "$l/a.txt"
msg="overlap: $l/u.txt: --lenient: 2 invalid byte sequences replaced with U+FFFD"
status_is "compare --lenient" 0 "$OVL_BIN" compare --lenient --format json "$l/a.txt" "$l/u.txt"
same "compare: count on stderr" "$t/err" "$msg"
[ "$(jq -c '[.documents[] | .replaced]' "$t/out")" = "[null,2]" ] && ok "compare JSON: replaced" || bad "compare JSON: $(jq -c .documents "$t/out")"
status_is "check --lenient" 0 "$OVL_BIN" check --db "$t/i.db" --lenient --format json "$l/u.txt"
same "check: count on stderr" "$t/err" "$msg"
[ "$(jq '.documents[0].replaced' "$t/out")" = 2 ] && ok "check JSON: replaced" || bad "check JSON: $(jq -c .documents "$t/out")"
cp fixtures/reuse/copy.txt "$l/b.txt"
printf '\xff' >>"$l/b.txt"
status_is "scan --lenient: JSON" 1 "$OVL_BIN" scan --lenient --format json "$l"
[ "$(jq -c '[.documents[] | [(.path | split("/") | last), .replaced]]' "$t/out")" = '[["a.txt",null],["b.txt",1]]' ] &&
  ok "scan JSON: replaced per document" || bad "scan JSON: $(jq -c .documents "$t/out")"
rm "$l/b.txt"
status_is "scan --lenient" 0 "$OVL_BIN" scan --lenient "$l"
same "scan: count on stderr" "$t/err" "$msg
overlap: scan: --lenient: 2 invalid byte sequences replaced with U+FFFD in 1 file"
status_is "dedup --lenient" 0 "$OVL_BIN" dedup --lenient --format json "$l"
same "dedup: count on stderr" "$t/err" "$msg
overlap: dedup: --lenient: 2 invalid byte sequences replaced with U+FFFD in 1 file
overlap: dedup: no near-duplicates among the 2 documents read"
[ "$(jq -c .replaced "$t/out")" = "[{\"path\":\"$l/u.txt\",\"sequences\":2}]" ] && ok "dedup JSON: replaced" || bad "dedup JSON: $(jq -c .replaced "$t/out")"
status_is "index add --lenient" 0 "$OVL_BIN" index add --db "$t/n.db" --lenient "$l"
same "index add: count on stderr" "$t/err" "$msg
overlap: index add: --lenient: 2 invalid byte sequences replaced with U+FFFD"
"$OVL_BIN" dump --lenient "$l/u.txt" | grep -qx "replaced: 2 invalid sequences" && ok "dump: count in its output" || bad "dump --lenient"

# scan --lenient: the counts are the scan's own (phase 1 decodes every file, copies too), one
# line per file in name order after every problem, then the total; a file the scan refused is
# not counted (before, every file was read again for the counts, that one too: "3 ... in 2").
m=$t/lm
mkdir -p "$m/sub"
cp fixtures/bad/utf8_bad.txt "$m/u.txt"
{ cat fixtures/reuse/copy.txt; printf 'x\xffy \xfe\xc3'; } >"$m/b.txt"
cp "$m/b.txt" "$m/sub/b-copy.txt"
{ cat fixtures/reuse/source.txt; printf '\x80\x81'; } >"$m/sub/s.txt"
cp fixtures/reuse/source.txt "$m/clean.txt"
cp fixtures/bad/binary.bin "$m/sub/bin.txt"
status_is "scan --lenient: several files" 2 "$OVL_BIN" scan --lenient --color never "$m"
same "scan --lenient: per file in name order, then the total" "$t/err" "overlap: $m/sub/bin.txt: byte 15: NUL byte: binary data, not text
overlap: $m/b.txt: --lenient: 3 invalid byte sequences replaced with U+FFFD
overlap: $m/sub/b-copy.txt: --lenient: 3 invalid byte sequences replaced with U+FFFD
overlap: $m/sub/s.txt: --lenient: 2 invalid byte sequences replaced with U+FFFD
overlap: $m/u.txt: --lenient: 2 invalid byte sequences replaced with U+FFFD
overlap: scan: --lenient: 10 invalid byte sequences replaced with U+FFFD in 4 files"
status_is "scan --lenient -q --format jsonl -j 1" 2 "$OVL_BIN" scan --lenient -q --format jsonl -j 1 "$m"
same "scan --lenient: the same lines with -q, any format, one thread" "$t/err" "overlap: $m/sub/bin.txt: byte 15: NUL byte: binary data, not text
overlap: $m/b.txt: --lenient: 3 invalid byte sequences replaced with U+FFFD
overlap: $m/sub/b-copy.txt: --lenient: 3 invalid byte sequences replaced with U+FFFD
overlap: $m/sub/s.txt: --lenient: 2 invalid byte sequences replaced with U+FFFD
overlap: $m/u.txt: --lenient: 2 invalid byte sequences replaced with U+FFFD
overlap: scan: --lenient: 10 invalid byte sequences replaced with U+FFFD in 4 files"
status_is "scan --lenient --max-bytes: a file refused" 2 "$OVL_BIN" scan --lenient --max-bytes 1500 "$m/b.txt" "$m/sub/s.txt"
same "scan --lenient: a refused file is not counted" "$t/err" "overlap: $m/sub/s.txt: input of $(wc -c <"$m/sub/s.txt") bytes exceeds the limit of 1500 bytes for one document
overlap: $m/b.txt: --lenient: 3 invalid byte sequences replaced with U+FFFD
overlap: scan: --lenient: 3 invalid byte sequences replaced with U+FFFD in 1 file"

# dedup and index add --lenient: the counts are the library's own (ovl_dedup_doc.replaced, the
# add event's replaced), not those of a second decoding in the CLI: the same lines, in the
# same places. A file refused by --max-bytes is not counted (before, dedup's second read
# counted it: "5 ... in 2 files" below); index add counts what it stores, so a file it leaves
# unchanged, not decoded again, is not counted (before, every run counted every file).
status_is "dedup --lenient: several files" 2 "$OVL_BIN" dedup --lenient --format json "$m"
same "dedup --lenient: per file in name order after the problems, then the total" "$t/err" "overlap: $m/sub/bin.txt: byte 15: NUL byte: binary data, not text
overlap: $m/b.txt: --lenient: 3 invalid byte sequences replaced with U+FFFD
overlap: $m/sub/b-copy.txt: --lenient: 3 invalid byte sequences replaced with U+FFFD
overlap: $m/sub/s.txt: --lenient: 2 invalid byte sequences replaced with U+FFFD
overlap: $m/u.txt: --lenient: 2 invalid byte sequences replaced with U+FFFD
overlap: dedup: --lenient: 10 invalid byte sequences replaced with U+FFFD in 4 files"
[ "$(jq -c --arg m "$m/" '[.replaced[] | [(.path | ltrimstr($m)), .sequences]]' "$t/out")" = '[["b.txt",3],["sub/b-copy.txt",3],["sub/s.txt",2],["u.txt",2]]' ] &&
  ok "dedup JSON: replaced per file" || bad "dedup JSON: $(jq -c .replaced "$t/out")"
status_is "dedup --lenient --max-bytes: a file refused" 2 "$OVL_BIN" dedup --lenient --max-bytes 1500 --format json "$m/b.txt" "$m/sub/s.txt"
same "dedup --lenient: a refused file is not counted" "$t/err" "overlap: $m/sub/s.txt: input of $(wc -c <"$m/sub/s.txt") bytes exceeds the limit of 1500 bytes for one document
overlap: $m/b.txt: --lenient: 3 invalid byte sequences replaced with U+FFFD
overlap: dedup: --lenient: 3 invalid byte sequences replaced with U+FFFD in 1 file
overlap: dedup: no near-duplicates among the 1 document read"
[ "$(jq -c .replaced "$t/out")" = "[{\"path\":\"$m/b.txt\",\"sequences\":3}]" ] &&
  ok "dedup JSON: the refused file not in replaced" || bad "dedup JSON: $(jq -c .replaced "$t/out")"
status_is "index add --lenient: several files" 2 "$OVL_BIN" index add --db "$t/lm.db" --lenient --max-bytes 2010 -j 2 "$m"
same "index add --lenient: each file's count after its line, refused files not counted" "$t/err" "overlap: $m/b.txt: --lenient: 3 invalid byte sequences replaced with U+FFFD
overlap: $m/sub/b-copy.txt: --lenient: 3 invalid byte sequences replaced with U+FFFD
overlap: $m/sub/bin.txt: byte 15: NUL byte: binary data, not text
overlap: $m/sub/s.txt: input of $(wc -c <"$m/sub/s.txt") bytes exceeds the limit of 2010 bytes for one document
overlap: $m/u.txt: --lenient: 2 invalid byte sequences replaced with U+FFFD
overlap: index add: --lenient: 8 invalid byte sequences replaced with U+FFFD"
same "index add --lenient: stdout" "$t/out" "added     $m/b.txt
added     $m/clean.txt
added     $m/sub/b-copy.txt
added     $m/u.txt
4 added, 0 replaced, 0 unchanged, 2 failed"
{ cat fixtures/bad/utf8_bad.txt; printf 'z\xff'; } >"$m/u.txt"
status_is "index add --lenient again, u.txt changed" 2 "$OVL_BIN" index add --db "$t/lm.db" --lenient --max-bytes 2010 -j 1 "$m"
same "index add --lenient: unchanged files not counted, the replaced one counted" "$t/err" "overlap: $m/sub/bin.txt: byte 15: NUL byte: binary data, not text
overlap: $m/sub/s.txt: input of $(wc -c <"$m/sub/s.txt") bytes exceeds the limit of 2010 bytes for one document
overlap: $m/u.txt: --lenient: 3 invalid byte sequences replaced with U+FFFD
overlap: index add: --lenient: 3 invalid byte sequences replaced with U+FFFD"
same "index add --lenient again: stdout" "$t/out" "unchanged $m/b.txt
unchanged $m/clean.txt
unchanged $m/sub/b-copy.txt
replaced  $m/u.txt
0 added, 1 replaced, 3 unchanged, 2 failed"

# ---- --max-bytes: a larger input is refused, named, the others processed ----
m=$t/m
mkdir -p "$m"
cp fixtures/reuse/source.txt "$m/a.txt"   # 2009 bytes
cp fixtures/reuse/copy.txt "$m/b.txt"     # 1142 bytes
status_is "compare --max-bytes 2000: 2" 2 "$OVL_BIN" compare --max-bytes 2000 "$m/a.txt" "$m/b.txt"
same "compare: the file too large named" "$t/err" "overlap: $m/a.txt: input of 2009 bytes exceeds the limit of 2000 bytes for one document"
status_is "compare --max-bytes 2009: reuse found" 1 "$OVL_BIN" compare --max-bytes 2009 "$m/a.txt" "$m/b.txt"
status_is "compare --max-bytes=1K: 2" 2 "$OVL_BIN" compare --max-bytes=1K "$m/a.txt" "$m/b.txt"
same "compare: 1K is 1024 bytes, both files named" "$t/err" "overlap: $m/a.txt: input of 2009 bytes exceeds the limit of 1024 bytes for one document
overlap: $m/b.txt: input of 1142 bytes exceeds the limit of 1024 bytes for one document"
status_is "scan --max-bytes 1500: 2" 2 "$OVL_BIN" scan --format json --max-bytes 1500 "$m"
same "scan: the file too large once on stderr" "$t/err" "overlap: $m/a.txt: input of 2009 bytes exceeds the limit of 1500 bytes for one document"
[ "$(jq -c '.skipped' "$t/out")" = "[{\"path\":\"$m/a.txt\",\"message\":\"input of 2009 bytes exceeds the limit of 1500 bytes for one document\",\"byte\":null}]" ] &&
  ok "scan: a.txt in skipped" || bad "scan: $(jq -c '.skipped' "$t/out")"
status_is "scan --max-bytes 2k: both read, reuse found" 1 "$OVL_BIN" scan --max-bytes 2k "$m"
status_is "index add --max-bytes 1500: 2" 2 "$OVL_BIN" index add --db "$t/mb.db" --max-bytes 1500 "$m"
same "index add: the file too large named" "$t/err" "overlap: $m/a.txt: input of 2009 bytes exceeds the limit of 1500 bytes for one document"
status_is "dump --max-bytes 0: no limit" 0 "$OVL_BIN" dump --max-bytes 0 "$m/a.txt"
status_is "--max-bytes 5G: over 4 GiB, refused" 2 "$OVL_BIN" dump --max-bytes 5G "$m/a.txt"
same "--max-bytes: the bad value named" "$t/err" "overlap: --max-bytes: '5G' is not a size from 0 to 4294967280 bytes (digits, then K, M or G for KiB, MiB, GiB)"
status_is "--max-bytes 1X: refused" 2 "$OVL_BIN" dump --max-bytes 1X "$m/a.txt"
finish
