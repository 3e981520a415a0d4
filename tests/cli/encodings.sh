#!/usr/bin/env bash
# CLI tests for legacy encodings: Shift_JIS, EUC-JP, EUC-KR, dense Latin-1/Windows-1252 and BOM-less UTF-16 detected and decoded like their UTF-8 originals; per-file encodings; a clear refusal.
set -u
: "${OVL_BIN:?}" "${OVL_SRC:?}"
cd "$OVL_SRC"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
. "$(dirname "$0")/../checks.sh"
check() { # name, expected, actual
  if [ "$2" = "$3" ]; then ok "$1"; else bad "$1"; diff -u <(printf '%s\n' "$2") <(printf '%s\n' "$3") | head -20; fi
}
e=fixtures/encodings
conv() { iconv -f UTF-8 -t "$2" "$e/$1.txt" >"$t/$1.$2.txt"; } # text, encoding
for x in japanese:SHIFT_JIS japanese:EUC-JP korean:EUC-KR japanese:UTF-16LE japanese:UTF-16BE \
         korean:UTF-16LE korean:UTF-16BE french:WINDOWS-1252 german:ISO-8859-1 \
         dense-accents:WINDOWS-1252 dense-accents:ISO-8859-1; do
  conv "${x%%:*}" "${x#*:}"
done
# The UTF-16 copies have no BOM and no ASCII but their line breaks (NULs on one side only).
[ "$(head -c2 "$t/japanese.UTF-16LE.txt" | od -An -tx1 | tr -d ' ')" = "3057" ] && ok "no BOM" || bad "BOM"

# Detected: dump's first line names the encoding.
check "detected encodings" "$t/japanese.SHIFT_JIS.txt: SHIFT_JIS, 835 bytes, 422 chars, 9 lines, 5 paragraphs
$t/japanese.EUC-JP.txt: EUC-JP, 835 bytes, 422 chars, 9 lines, 5 paragraphs
$t/korean.EUC-KR.txt: EUC-KR, 737 bytes, 428 chars, 9 lines, 5 paragraphs
$t/japanese.UTF-16LE.txt: UTF-16LE, 844 bytes, 422 chars, 9 lines, 5 paragraphs
$t/japanese.UTF-16BE.txt: UTF-16BE, 844 bytes, 422 chars, 9 lines, 5 paragraphs
$t/korean.UTF-16LE.txt: UTF-16LE, 856 bytes, 428 chars, 9 lines, 5 paragraphs
$t/korean.UTF-16BE.txt: UTF-16BE, 856 bytes, 428 chars, 9 lines, 5 paragraphs
$t/french.WINDOWS-1252.txt: WINDOWS-1252, 733 bytes, 733 chars, 10 lines, 5 paragraphs
$t/german.ISO-8859-1.txt: WINDOWS-1252, 737 bytes, 737 chars, 10 lines, 5 paragraphs
$t/dense-accents.WINDOWS-1252.txt: WINDOWS-1252, 447 bytes, 447 chars, 5 lines, 2 paragraphs
$t/dense-accents.ISO-8859-1.txt: WINDOWS-1252, 447 bytes, 447 chars, 5 lines, 2 paragraphs" \
  "$(for f in japanese.SHIFT_JIS japanese.EUC-JP korean.EUC-KR japanese.UTF-16LE japanese.UTF-16BE \
       korean.UTF-16LE korean.UTF-16BE french.WINDOWS-1252 german.ISO-8859-1 dense-accents.WINDOWS-1252 \
       dense-accents.ISO-8859-1; do "$OVL_BIN" dump "$t/$f.txt" | head -1; done)"

# Decoded right: the same characters as the UTF-8 original (dump --format json's text).
txt() { "$OVL_BIN" dump "$1" --format json | jq -r '.text'; }
for f in japanese.SHIFT_JIS japanese.EUC-JP korean.EUC-KR japanese.UTF-16LE japanese.UTF-16BE korean.UTF-16LE \
         korean.UTF-16BE french.WINDOWS-1252 german.ISO-8859-1 dense-accents.WINDOWS-1252 dense-accents.ISO-8859-1; do
  check "$f: the text of the original" "$(txt "$e/${f%%.*}.txt")" "$(txt "$t/$f.txt")"
done

# The same passages as the UTF-8 one: compare the original with each copy (characters and
# lines; bytes differ by encoding), and a scan of original + copies.
pos='[.passages[] | [.a.char_start, .a.char_end, .a.line_start, .a.line_end, .b.char_start, .b.char_end, .b.line_start, .b.line_end] | map(tostring) | join(" ")] | join(", ")'
cp "$e/japanese.txt" "$t/japanese.copy.txt"
cp "$e/korean.txt" "$t/korean.copy.txt"
for f in japanese.SHIFT_JIS japanese.EUC-JP japanese.UTF-16LE korean.EUC-KR korean.UTF-16BE; do
  want=$("$OVL_BIN" compare "$e/${f%%.*}.txt" "$t/${f%%.*}.copy.txt" --format json | jq -r "$pos")
  out=$("$OVL_BIN" compare "$e/${f%%.*}.txt" "$t/$f.txt" --format json); st=$?
  check "$f: the passages of the UTF-8 copy" "$want" "$(jq -r "$pos" <<<"$out")"
  [ "$st" = 1 ] && ok "$f: status 1" || bad "$f: status $st"
done
check "the passage found" "0 420 1 9 0 420 1 9" \
  "$("$OVL_BIN" compare "$e/japanese.txt" "$t/japanese.SHIFT_JIS.txt" --format json | jq -r "$pos")"
mkdir "$t/scan"
cp "$e/japanese.txt" "$t/japanese.SHIFT_JIS.txt" "$t/korean.EUC-KR.txt" "$e/korean.txt" "$t/scan/"
check "scan: each original and its copy are identical once decoded" "japanese.SHIFT_JIS.txt japanese.txt 422 true
korean.EUC-KR.txt korean.txt 428 true" \
  "$("$OVL_BIN" scan "$t/scan" --format json | jq -r '.copies[] | "\([.paths[] | sub(".*/"; "")] | join(" ")) \(.chars) \(.identical)"')"

# Per-file encodings: --encoding-a/--encoding-b for compare, --encoding-of GLOB=NAME elsewhere.
out=$("$OVL_BIN" compare "$t/japanese.EUC-JP.txt" "$t/japanese.SHIFT_JIS.txt" --encoding-a EUC-JP \
      --encoding-b SHIFT_JIS --format json); st=$?
check "--encoding-a/-b: used and in params" '"EUC-JP" "SHIFT_JIS" 1' \
  "$(jq -r '"\"\(.params.encoding_a)\" \"\(.params.encoding_b)\" \(.passages | length)"' <<<"$out")"
"$OVL_BIN" compare "$e/japanese.txt" "$t/japanese.EUC-JP.txt" --encoding-b SHIFT_JIS >/dev/null 2>"$t/err"; st=$?
check "--encoding-b applies to B only" "overlap: $t/japanese.EUC-JP.txt: byte 3: invalid SHIFT_JIS sequence" "$(cat "$t/err")"
[ "$st" = 2 ] && ok "wrong --encoding-b: status 2" || bad "wrong --encoding-b: status $st"
head -5 "$e/japanese.txt" | iconv -f UTF-8 -t EUC-JP >"$t/scan/old.dat" # a part: a pair, not a copy
check "--encoding-of GLOB=NAME" "old.dat EUC-JP" \
  "$("$OVL_BIN" scan "$t/scan" --encoding-of '*.dat=EUC-JP' --format json | jq -r '.documents[] | select(.path | endswith(".dat")) | "\(.path | sub(".*/"; "")) \(.encoding)"' | sort -u)"
"$OVL_BIN" scan "$t/scan" --encoding-of "$t/scan/old.dat=SHIFT_JIS" >/dev/null 2>"$t/err"; st=$?
check "--encoding-of: a wrong encoding names the file" "overlap: $t/scan/old.dat: byte 3: invalid SHIFT_JIS sequence" "$(cat "$t/err")"
[ "$st" = 2 ] && ok "wrong --encoding-of: status 2" || bad "wrong --encoding-of: status $st"
"$OVL_BIN" scan "$t/scan" --encoding-of 'noequals' >/dev/null 2>"$t/err"; st=$?
check "--encoding-of without =" "overlap: --encoding-of wants GLOB=ENCODING, not 'noequals'" "$(cat "$t/err")"

"$OVL_BIN" index add --db "$t/i.db" "$e/japanese.txt" >/dev/null
cp "$t/japanese.EUC-JP.txt" "$t/submission.old"
check "check --encoding-of" '"EUC-JP" 1' \
  "$("$OVL_BIN" check --db "$t/i.db" "$t/submission.old" --encoding-of '*.old=EUC-JP' --format json | jq -r '"\"\(.documents[0].encoding)\" \(.passages | length)"')"
"$OVL_BIN" index add --db "$t/i.db" "$e/korean.txt" --encoding-of '*=EUC-KR' 2>"$t/err"; st=$?
check "index add refuses --encoding-of" "overlap: index add: does not take --encoding-of (the index reads every document with one encoding)" "$(cat "$t/err")"
[ "$st" = 2 ] && ok "index add --encoding-of: status 2" || bad "index add --encoding-of: status $st"

# Nothing fits: a Shift_JIS file with a stray byte is refused, naming what it looks like.
{ head -c 300 "$t/japanese.SHIFT_JIS.txt"; printf '\200'; tail -c +301 "$t/japanese.SHIFT_JIS.txt"; } >"$t/broken.txt"
"$OVL_BIN" dump "$t/broken.txt" >/dev/null 2>"$t/err"; st=$?
check "refused with what it probably is" \
  "overlap: $t/broken.txt: byte 300: invalid GB18030 sequence (not valid in any encoding tried; it looks most like SHIFT_JIS)" \
  "$(cat "$t/err")"
[ "$st" = 2 ] && ok "refused: status 2" || bad "refused: status $st"
finish
