#!/usr/bin/env bash
# CLI tests for `overlap dedup`: planted near-duplicates cluster (across encodings too), distinct documents do not; exact TSV.
set -u
: "${OVL_BIN:?}" "${OVL_SRC:?}"
cd "$OVL_SRC"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
. "$(dirname "$0")/../checks.sh"
check() { # name, expected, actual
  if [ "$2" = "$3" ]; then ok "$1"; else bad "$1"; diff -u <(printf '%s\n' "$2") <(printf '%s\n' "$3") | head -20; fi
}

d=$t/c
mkdir -p "$d/sub"
# a1/a2: the same note, a2 with two words changed and one removed (shorter).
cp fixtures/ingest/english.txt "$d/a1.txt"
sed -e 's/rarely/seldom/' -e 's/weekday/week/' -e 's/ pooled/ had pooled/' -e 's/Most borrowers/Borrowers/' \
  fixtures/ingest/english.txt >"$d/a2.txt"
cmp -s "$d/a1.txt" "$d/a2.txt" && bad "a2 should differ from a1"
# b, b2: copy.txt reuses part of source.txt, far below 0.8 of source: not duplicates.
cp fixtures/reuse/source.txt "$d/b.txt"
cp fixtures/reuse/copy.txt "$d/b2.txt"
# c1, sub/c2, sub/c3: one paper in UTF-8, GB18030 and Big5 (Traditional): duplicates once decoded.
cp fixtures/ingest/paper.utf8.txt "$d/c1.txt"
cp fixtures/ingest/paper.gb18030.txt "$d/sub/c2.txt"
cp fixtures/ingest/paper.big5.txt "$d/sub/c3.txt"

# The list: a header row, every document (those in no cluster kept, cluster -), the similarity
# to the kept one; columns 1, 2, 4 and 5 checked exactly, similarity by shape. The kept document:
# a1 (longer than a2), c1 (equal lengths: first path).
lst() { cut -f1,2,4,5; } # the list without the similarity column
want="action	cluster	path	kept
keep	1	$d/a1.txt	$d/a1.txt
drop	1	$d/a2.txt	$d/a1.txt
keep	2	$d/c1.txt	$d/c1.txt
drop	2	$d/sub/c2.txt	$d/c1.txt
drop	2	$d/sub/c3.txt	$d/c1.txt
keep	-	$d/b.txt	$d/b.txt
keep	-	$d/b2.txt	$d/b2.txt"
out=$("$OVL_BIN" dedup -j2 "$d"); st=$?
check "every document listed (tsv)" "$want" "$(lst <<<"$out")"
check "similarity column" "similarity 1.0000 num 1.0000 num num - -" \
  "$(cut -f3 <<<"$out" | sed -E 's/^0\.(8|9)[0-9]{3}$/num/' | tr '\n' ' ' | sed 's/ $//')"
[ "$st" = 1 ] && ok "status 1 when duplicates" || bad "status $st"
for j in 1 4; do
  check "same list with -j$j" "$out" "$("$OVL_BIN" dedup -j$j "$d")"
done

# --keep longest picks the longer copy even when it comes later in path order.
printf 'Preface.\n\n' | cat - fixtures/ingest/english.txt >"$d/sub/a3.txt"
want3="action	cluster	path	kept
drop	1	$d/a1.txt	$d/sub/a3.txt
drop	1	$d/a2.txt	$d/sub/a3.txt
keep	1	$d/sub/a3.txt	$d/sub/a3.txt
keep	2	$d/c1.txt	$d/c1.txt
drop	2	$d/sub/c2.txt	$d/c1.txt
drop	2	$d/sub/c3.txt	$d/c1.txt
keep	-	$d/b.txt	$d/b.txt
keep	-	$d/b2.txt	$d/b2.txt"
check "keep longest" "$want3" "$("$OVL_BIN" dedup "$d" | lst)"
want4="action	cluster	path	kept
keep	1	$d/a1.txt	$d/a1.txt
drop	1	$d/a2.txt	$d/a1.txt
drop	1	$d/sub/a3.txt	$d/a1.txt
keep	2	$d/c1.txt	$d/c1.txt
drop	2	$d/sub/c2.txt	$d/c1.txt
drop	2	$d/sub/c3.txt	$d/c1.txt
keep	-	$d/b.txt	$d/b.txt
keep	-	$d/b2.txt	$d/b2.txt"
check "keep first" "$want4" "$("$OVL_BIN" dedup --keep first "$d" | lst)"

# A ratio above 1 is refused.
"$OVL_BIN" dedup --threshold 1.5 "$d" >/dev/null 2>&1
[ $? = 2 ] && ok "threshold above 1 refused" || bad "threshold above 1 accepted"
# With the whole of a1 and a2 required, the edited copy no longer qualifies.
out=$("$OVL_BIN" dedup --threshold 0.999 "$d" | lst | grep "a2.txt")
[ "$out" = "keep	-	$d/a2.txt	$d/a2.txt" ] && ok "threshold 0.999 leaves the edited copy alone" ||
  bad "threshold 0.999: $out"

# JSON: same clusters, with the pair ratios.
if command -v jq >/dev/null; then
  js=$("$OVL_BIN" dedup --format json "$d")
  check "json kept" "$d/sub/a3.txt $d/c1.txt" "$(jq -r '[.clusters[].kept] | join(" ")' <<<"$js")"
  check "json actions" "drop drop keep keep drop drop" \
    "$(jq -r '[.clusters[].documents[].action] | join(" ")' <<<"$js")"
  jq -e '[.clusters[].pairs[] | .ratio_a >= 0.8 and .ratio_b >= 0.8] | all and length >= 4' <<<"$js" >/dev/null &&
    ok "json pair ratios" || bad "json pair ratios: $(jq -c '[.clusters[].pairs[]]' <<<"$js")"
fi

# No duplicates: status 0, every document kept, and a word on stderr.
out=$("$OVL_BIN" dedup "$d/b.txt" "$d/b2.txt" "$d/a1.txt" 2>"$t/err"); st=$?
[ "$st" = 0 ] && [ "$(lst <<<"$out" | tail -n +2 | cut -f1,2 | sort -u)" = "keep	-" ] &&
  [ "$(wc -l <<<"$out")" = 4 ] && grep -qx "overlap: dedup: no near-duplicates among the 3 documents read" "$t/err" &&
  ok "distinct documents: all kept, said on stderr, status 0" || bad "distinct: status $st, '$out' $(cat "$t/err")"
# A file name with a newline and tabs cannot forge a row.
mkdir -p "$t/forge"
cp fixtures/ingest/english.txt "$t/forge/a.txt"
cp fixtures/ingest/english.txt "$t/forge/b.txt
drop	9	important.txt	x"
out=$("$OVL_BIN" dedup "$t/forge")
[ "$(wc -l <<<"$out")" = 3 ] && ! grep -q "^drop	9" <<<"$out" &&
  grep -qF "b.txt\ndrop\t9\timportant.txt\tx" <<<"$out" && ok "forged file name escaped" ||
  bad "forged file name: $out"
"$OVL_BIN" dedup --keep biggest "$d" >/dev/null 2>&1
[ $? = 2 ] && ok "bad --keep refused" || bad "bad --keep accepted"
finish
