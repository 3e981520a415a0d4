#!/usr/bin/env bash
# CLI golden tests for `overlap dump`, --version/--help, and error messages with byte offsets.
set -u
: "${OVL_BIN:?}" "${OVL_SRC:?}"
cd "$OVL_SRC"
fail=0
check() { # name, expected file, actual output
  if ! diff -u "$2" <(printf '%s\n' "$3") >/dev/null; then
    echo "FAIL $1"; diff -u "$2" <(printf '%s\n' "$3") | head -20; fail=1
  else echo "ok   $1"; fi
}
expect() { # name, expected status, expected stderr, command...
  local name=$1 want_status=$2 want_err=$3; shift 3
  local err status
  err=$("$@" 2>&1 >/dev/null); status=$?
  if [ "$status" != "$want_status" ] || [ "$err" != "$want_err" ]; then
    echo "FAIL $name: status $status (want $want_status), stderr '$err' (want '$want_err')"; fail=1
  else echo "ok   $name"; fi
}

check "dump json gb18030" tests/golden/dump_paper_gb18030.json "$("$OVL_BIN" dump --format json fixtures/ingest/paper.gb18030.txt)"
check "dump text english" tests/golden/dump_english.txt "$("$OVL_BIN" dump --sentences fixtures/ingest/english.txt)"
# The Big5 (Traditional) copy normalizes to the same paragraph texts as the GB18030 one.
a=$("$OVL_BIN" dump --format json fixtures/ingest/paper.big5.txt | grep '"text"')
b=$("$OVL_BIN" dump --format json fixtures/ingest/paper.gb18030.txt | grep '"text"')
[ "$a" = "$b" ] && echo "ok   big5 = gb18030 texts" || { echo "FAIL big5 texts differ"; fail=1; }

expect "invalid GB18030" 2 "overlap: fixtures/bad/gb18030_bad.txt: byte 8: invalid GB18030 sequence" \
  "$OVL_BIN" dump fixtures/bad/gb18030_bad.txt
expect "invalid UTF-8" 2 "overlap: fixtures/bad/utf8_bad.txt: byte 19: invalid UTF-8 sequence" \
  "$OVL_BIN" dump fixtures/bad/utf8_bad.txt
expect "binary" 2 "overlap: fixtures/bad/binary.bin: byte 15: NUL byte: binary data, not text" \
  "$OVL_BIN" dump fixtures/bad/binary.bin
expect "missing file" 2 "overlap: fixtures/none.txt: No such file or directory" "$OVL_BIN" dump fixtures/none.txt
expect "unknown encoding" 2 "overlap: fixtures/ingest/english.txt: unsupported encoding 'KLINGON'" \
  "$OVL_BIN" dump --encoding klingon fixtures/ingest/english.txt
expect "bad format" 2 "overlap: dump: --format must be text or json, not 'xml'" \
  "$OVL_BIN" dump --format xml fixtures/ingest/english.txt
expect "unknown command" 2 "overlap: unknown command 'frobnicate' (see 'overlap --help')" "$OVL_BIN" frobnicate
expect "lenient" 0 "" "$OVL_BIN" dump --lenient fixtures/bad/gb18030_bad.txt
[ "$("$OVL_BIN" dump --lenient fixtures/bad/gb18030_bad.txt | sed -n 2p)" = "replaced: 1 invalid sequences" ] \
  && echo "ok   lenient count" || { echo "FAIL lenient count"; fail=1; }

v=$("$OVL_BIN" --version)
[[ "$v" =~ ^overlap\ [0-9]+\.[0-9]+\.[0-9]+$ ]] && echo "ok   --version" || { echo "FAIL --version: $v"; fail=1; }
h=$("$OVL_BIN" --help)
for c in compare scan dedup index check dump; do
  grep -q "^  $c " <<<"$h" || { echo "FAIL --help lacks $c"; fail=1; }
  "$OVL_BIN" "$c" --help | grep -q "^usage: overlap $c" || { echo "FAIL $c --help"; fail=1; }
done
echo "ok   help"
exit $fail
