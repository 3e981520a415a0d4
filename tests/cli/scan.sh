#!/usr/bin/env bash
# CLI tests for `overlap scan`: passages as compare finds them, thread-count independence, bad files, groups, exit statuses.
set -u
: "${OVL_BIN:?}" "${OVL_SRC:?}"
command -v jq >/dev/null || { echo "jq not installed: skipped"; exit 77; }
cd "$OVL_SRC"
gen="$(dirname "$OVL_BIN")/bench/ovl-gen"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
. "$(dirname "$0")/../checks.sh"
. "$(dirname "$0")/../words.sh"
# name, expected status, command... (stdout to $t/out, stderr to $t/err)
status_is() {
  local name=$1 want=$2; shift 2
  "$@" >"$t/out" 2>"$t/err"; local st=$?
  if [ "$st" = "$want" ]; then ok "$name"; else bad "$name: status $st, want $want; stderr: $(head -3 "$t/err")"; fi
}
# Passages of pair (a, b) in a scan JSON report, with doc ids replaced by 0 and 1 so they
# compare equal to `overlap compare A B --format json`.
pair_passages() { # file, id_a, id_b
  jq -c --argjson a "$2" --argjson b "$3" \
    '[.passages[] | select(.a.doc == $a and .b.doc == $b) | .a.doc = 0 | .b.doc = 1]' "$1"
}

# ---- Project fixtures: one pair --------------------------------------------------------
mkdir -p "$t/reuse"
cp fixtures/reuse/copy.txt fixtures/reuse/source.txt "$t/reuse/"
status_is "fixtures: reuse found" 1 "$OVL_BIN" scan --format json "$t/reuse"
cp "$t/out" "$t/fix.json"
"$OVL_BIN" compare --format json "$t/reuse/copy.txt" "$t/reuse/source.txt" >"$t/cmp.json"
want=$(jq -c '.passages' "$t/cmp.json")
got=$(pair_passages "$t/fix.json" 0 1)
[ -n "$want" ] && [ "$want" != "[]" ] && [ "$got" = "$want" ] && ok "fixtures: passages = compare" ||
  bad "fixtures: passages differ from compare: $got vs $want"
[ "$(jq -r '[.documents[].path] | join(" ")' "$t/fix.json")" = "$t/reuse/copy.txt $t/reuse/source.txt" ] &&
  ok "fixtures: documents in path order" || bad "fixtures: documents $(jq -c '[.documents[].path]' "$t/fix.json")"
jq -e '.params | .threshold == 0.3 and .bands == 16 and .rows == 3 and .k_cjk == 4 and .k_word == 3
       and .num_hashes == 128 and .seed == 0 and .max_df == 50 and .min_hits == 1' "$t/fix.json" >/dev/null &&
  ok "fixtures: params" || bad "fixtures: params $(jq -c .params "$t/fix.json")"
# JSON lines: a pair record, then one passage per line, the same passages, ids and pair
# records as the JSON report.
"$OVL_BIN" scan --format jsonl "$t/reuse" >"$t/fix.jsonl"
[ "$(jq -c 'select(has("pair") | not)' "$t/fix.jsonl" | wc -l)" = "$(jq '.passages | length' "$t/fix.json")" ] &&
  [ "$(jq -c 'select(has("pair") | not) | del(.a_path, .b_path)' "$t/fix.jsonl")" = "$(jq -c '.passages[]' "$t/fix.json")" ] &&
  [ "$(jq -r 'select(has("pair") | not) | .a_path' "$t/fix.jsonl" | sort -u)" = "$t/reuse/copy.txt" ] &&
  [ "$(head -1 "$t/fix.jsonl" | jq -c .pair)" = "$(jq -c '.pairs[0]' "$t/fix.json")" ] &&
  ok "jsonl: pair record, then one passage per line" || bad "jsonl differs from json"
jq -e '.pairs | length == 1 and .[0].passages == 3 and .[0].a_path == "'"$t/reuse/copy.txt"'"
       and .[0].a_reused_chars > 0 and .[0].b_ratio > 0 and .[0].top_similarity == 1.0' "$t/fix.json" >/dev/null &&
  ok "json: pair record" || bad "json pair record: $(jq -c .pairs "$t/fix.json")"
# --pair-passages N: a pair's N longest passages (both sides' characters) in document
# order; its record still counts them all.
"$OVL_BIN" scan --format json --pair-passages 2 "$t/reuse" >"$t/pp2.json"
want=$(jq -c '[.passages | to_entries | sort_by(-((.value.a.char_end - .value.a.char_start) +
               (.value.b.char_end - .value.b.char_start)), .key) | .[0:2] | sort_by(.key)[] | .value]' "$t/fix.json")
[ "$(jq -c .passages "$t/pp2.json")" = "$want" ] && [ "$(jq '.passages | length' "$t/pp2.json")" = 2 ] &&
  [ "$(jq '.pairs[0].passages' "$t/pp2.json")" = 3 ] && [ "$(jq '.params.pair_passages' "$t/pp2.json")" = 2 ] &&
  [ "$(jq '.params.pair_passages' "$t/fix.json")" = 50 ] &&
  ok "--pair-passages 2: the two longest, in order, all counted" ||
  bad "--pair-passages 2: $(jq -c '[.passages[] | [.a.char_start, .a.char_end]]' "$t/pp2.json") want $want"
[ "$("$OVL_BIN" scan --format json --passages all "$t/reuse" | jq '.params.pair_passages')" = 0 ] &&
  ok "--passages all lists every passage of a pair" || bad "--passages all: pair_passages not 0"
status_is "--pair-passages 0 refused" 2 "$OVL_BIN" scan --pair-passages 0 "$t/reuse"

# HTML: both documents shown whole, their passages marked.
"$OVL_BIN" scan --format html -o "$t/fix.html" "$t/reuse"
[ "$(grep -c 'data-pair=' "$t/fix.html")" -ge 6 ] && grep -q "copy.txt" "$t/fix.html" &&
  ok "html report" || bad "html report: $(grep -c 'data-pair=' "$t/fix.html") marks"
# Text: header names both documents.
"$OVL_BIN" scan "$t/reuse" >"$t/fix.txt"
grep -q "^overlap .* 2 documents" "$t/fix.txt" && ok "text report" || bad "text report: $(head -2 "$t/fix.txt")"

# ---- Files, filters, groups ----------------------------------------------------------------
status_is "exclude leaves one document: no reuse" 0 "$OVL_BIN" scan --exclude 'copy*' "$t/reuse"
status_is "include that matches nothing: trouble" 2 "$OVL_BIN" scan --include '*.md' "$t/reuse"
grep -qx "overlap: scan: no files to read" "$t/err" && ok "no files message" || bad "no files message: $(cat "$t/err")"
mkdir -p "$t/g/x" "$t/g/y"
cp fixtures/reuse/copy.txt "$t/g/x/"; cp fixtures/reuse/source.txt "$t/g/x/"
status_is "group-by-dir: same directory not compared" 0 "$OVL_BIN" scan --group-by-dir "$t/g"
status_is "group regex: same group not compared" 0 "$OVL_BIN" scan --group '/g/([a-z])/' "$t/g"
mv "$t/g/x/source.txt" "$t/g/y/"
status_is "group-by-dir: different directories compared" 1 "$OVL_BIN" scan --group-by-dir "$t/g"
status_is "group regex: different groups compared" 1 "$OVL_BIN" scan --group '/g/([a-z])/' "$t/g"

# An undecodable file is reported with its byte offset and skipped; the rest is scanned.
mkdir -p "$t/badc"
cp fixtures/reuse/copy.txt fixtures/reuse/source.txt "$t/badc/"
printf 'plain start \xff\xfe and more' >"$t/badc/broken.txt"
status_is "undecodable file skipped, reuse still reported, status 2" 2 "$OVL_BIN" scan --format json "$t/badc"
[ "$(cat "$t/err")" = "overlap: $t/badc/broken.txt: byte 12: invalid UTF-8 sequence" ] &&
  ok "undecodable file message" || bad "undecodable file message: $(cat "$t/err")"
[ "$(jq '.documents | length' "$t/out")" = 2 ] && ok "others scanned" || bad "others scanned"
[ "$(jq -c '.skipped' "$t/out")" = "[{\"path\":\"$t/badc/broken.txt\",\"message\":\"byte 12: invalid UTF-8 sequence\",\"byte\":12}]" ] &&
  ok "the report lists the skipped file" || bad "skipped: $(jq -c .skipped "$t/out")"
status_is "nothing readable: trouble" 2 "$OVL_BIN" scan "$t/badc/broken.txt" "$t/nonexistent"
grep -q "none of the 1 file could be read" "$t/err" && grep -q "nonexistent: No such file" "$t/err" &&
  ok "nothing readable messages" || bad "nothing readable messages: $(cat "$t/err")"

# Bad LSH parameters: a clear message, status 2.
status_is "threshold 0" 2 "$OVL_BIN" scan --threshold 0 "$t/reuse"
grep -qx "overlap: scan: LSH threshold must be strictly between 0 and 1, not 0" "$t/err" &&
  ok "threshold 0 message" || bad "threshold 0 message: $(cat "$t/err")"
status_is "threshold 1" 2 "$OVL_BIN" scan --threshold 1 "$t/reuse"
status_is "threshold nan" 2 "$OVL_BIN" scan --threshold nan "$t/reuse"
status_is "unknown format" 2 "$OVL_BIN" scan --format xml "$t/reuse"
status_is "verbose S-curve" 1 "$OVL_BIN" scan -v --threshold 0.5 "$t/reuse"
grep -q "P(candidate | chunk similarity 0.5) = " "$t/err" && [ "$(grep -c "P(candidate" "$t/err")" = 9 ] &&
  ok "verbose S-curve lines" || bad "verbose: $(cat "$t/err")"

# ---- Generated corpus: same bytes for any thread count -----------------------------------
if [ -x "$gen" ] && "$gen" --seed 7 --lang en --docs 12 --out "$t/gen" >/dev/null 2>&1; then
  for fmt in json text jsonl; do
    for j in 1 2 4; do
      "$OVL_BIN" scan --format "$fmt" -j "$j" "$t/gen/src" "$t/gen/susp" >"$t/gen.$fmt.$j"
    done
    cmp -s "$t/gen.$fmt.1" "$t/gen.$fmt.2" && cmp -s "$t/gen.$fmt.1" "$t/gen.$fmt.4" &&
      ok "generated: $fmt identical for -j1 -j2 -j4" || bad "generated: $fmt differs between -j"
  done
  # Every planted case's pair is reported.
  miss=0 cases=0
  while IFS=$'\t' read -r susp _ _ src _; do
    case $susp in '#'*) continue ;; esac
    cases=$((cases + 1))
    jq -e --arg a "$t/gen/$src" --arg b "$t/gen/$susp" \
      '[.documents[] | select(.path == $a or .path == $b) | .id] as $ids | ($ids | length) == 2 and
       ([.passages[] | select(.a.doc == $ids[0] and .b.doc == $ids[1])] | length) > 0' \
      "$t/gen.json.1" >/dev/null || miss=$((miss + 1))
  done <"$t/gen/truth.tsv"
  [ "$cases" -gt 5 ] && [ "$miss" = 0 ] && ok "generated: all $cases planted pairs found" || bad "generated: $miss planted pairs missed"
  # Long documents sharing one passage far from their starts: scan aligns only around the
  # colliding chunks, and must still report what compare finds on the whole documents.
  # Fillers of pseudo-random words share nothing (the generated sources share boilerplate).
  filler() { awk -v s="$1" 'BEGIN { x = s; for (l = 0; l < 40; l++) { line = "";
    for (w = 0; w < 12; w++) { x = (x * 1103515245 + 12345) % 2147483648; line = line " w" int(x / 65536) % 50000 }
    print line "." } }'; }
  srcs=("$t"/gen/src/*.txt)
  mkdir -p "$t/long"
  head -c 3000 "${srcs[5]}" >"$t/planted"
  { filler 1; filler 2; filler 3; cat "$t/planted"; echo; filler 4; } >"$t/long/a.txt"
  { filler 5; filler 6; echo; cat "$t/planted"; filler 7; filler 8; } >"$t/long/b.txt"
  "$OVL_BIN" scan --format json "$t/long" >"$t/long.json"
  "$OVL_BIN" compare --format json "$t/long/a.txt" "$t/long/b.txt" >"$t/long.cmp.json"
  want=$(jq -c '.passages' "$t/long.cmp.json")
  got=$(pair_passages "$t/long.json" 0 1)
  [ "$(jq length <<<"$want")" -ge 1 ] && [ "$got" = "$want" ] &&
    [ "$(jq '.passages[0].a.tok_start // .passages[0].a.char_start' "$t/long.cmp.json")" -gt 1000 ] &&
    ok "generated: planted passage in long documents = compare" ||
    bad "generated: planted passage differs from compare: $got vs $want"
  # Pairs in order of reused characters (a side + b side), most first.
  jq -e '[.passages[] | [.a.doc, .b.doc]] | unique | length > 1' "$t/gen.json.1" >/dev/null &&
    ok "generated: several pairs" || bad "generated: several pairs"
else
  echo "skip generated corpus (no ovl-gen at $gen)"
fi

# Every pair scan reports, compared with `overlap compare` on the same two files: with
# --whole-tokens covering the documents, the same passages; by default (alignment around the
# colliding chunks) every passage scan reports is one compare reports.
if [ -f "$t/gen.json.1" ]; then
  "$OVL_BIN" scan --format json --whole-tokens 1000000 "$t/gen/src" "$t/gen/susp" >"$t/gen.whole.json"
  npairs=$(jq '.pairs | length' "$t/gen.whole.json")
  diffs=0 notsub=0
  for k in $(seq 0 $((npairs - 1))); do
    read -r ia ib pa pb < <(jq -r --argjson k "$k" '.pairs[$k] | "\(.a) \(.b) \(.a_path) \(.b_path)"' "$t/gen.whole.json")
    # compare also shows the pieces that moved inside a passage; scan gives the passages only.
    "$OVL_BIN" compare --format json "$pa" "$pb" | jq '.passages |= map(del(.pieces))' >"$t/pc.json"
    [ "$(pair_passages "$t/gen.whole.json" "$ia" "$ib")" = "$(jq -c '.passages' "$t/pc.json")" ] || diffs=$((diffs + 1))
    read -r da db < <(jq -r --arg a "$pa" --arg b "$pb" '[(.documents[] | select(.path == $a) | .id), (.documents[] | select(.path == $b) | .id)] | "\(.[0]) \(.[1])"' "$t/gen.json.1")
    jq -e --slurpfile c "$t/pc.json" --argjson a "${da:-0}" --argjson b "${db:-0}" \
      '[.passages[] | select(.a.doc == $a and .b.doc == $b) | .a.doc = 0 | .b.doc = 1] - $c[0].passages | length == 0' \
      "$t/gen.json.1" >/dev/null || notsub=$((notsub + 1))
  done
  [ "$npairs" -gt 5 ] && [ "$diffs" = 0 ] && ok "generated: all $npairs pairs = compare (--whole-tokens)" ||
    bad "generated: $diffs of $npairs pairs differ from compare with --whole-tokens"
  [ "$notsub" = 0 ] && ok "generated: default passages are compare's" || bad "generated: $notsub pairs with passages compare does not give"
elif [ -x "$gen" ]; then
  bad "generated: no scan report to compare with compare"
else
  echo "skip scan = compare on generated pairs (no ovl-gen at $gen)"
fi

# A failed run leaves an existing report as it was (the report goes through a temporary file).
echo "previous report" >"$t/keep.json"
status_is "nothing readable: trouble, -o file kept" 2 "$OVL_BIN" scan --format json -o "$t/keep.json" "$t/badc/broken.txt"
[ "$(cat "$t/keep.json")" = "previous report" ] && [ -z "$(ls "$t" | grep 'keep.json.tmp')" ] &&
  ok "failed run: previous report intact, no temporary left" || bad "failed run touched the report"
status_is "bad file among good ones: report written, status 2" 2 "$OVL_BIN" scan --format json -o "$t/keep.json" "$t/badc"
[ "$(jq '.pairs | length' "$t/keep.json")" = 1 ] && ok "bad file among good ones: pairs reported" ||
  bad "bad file among good ones: $(head -c 200 "$t/keep.json")"
# A FIFO given as an argument is refused at once, not read forever.
mkfifo "$t/fifo"
status_is "fifo refused" 2 timeout 10 "$OVL_BIN" scan "$t/fifo" "$t/reuse"
grep -qx "overlap: $t/fifo: not a regular file" "$t/err" && ok "fifo message" || bad "fifo message: $(cat "$t/err")"

# --ignore: text found in a template is not reuse; what two documents share besides is.
mkdir -p "$t/ign/c" "$t/ign/t"
words() { awk -v s="$1" -v n="$2" 'BEGIN { x = s; for (w = 0; w < n; w++) {
  x = (x * 1103515245 + 12345) % 2147483648; printf "v%d%s", int(x / 65536) % 90000, (w % 12 == 11 ? ".\n" : " ") } }'; }
words 11 120 >"$t/ign/t/template.txt"
for d in 0 1 2 3 4 5; do
  { words $((100 + d)) 150; echo; echo; cat "$t/ign/t/template.txt"; echo; echo; words $((200 + d)) 150
    echo; echo; [ "$d" -lt 2 ] && words 17 60; echo; echo; words $((300 + d)) 150; } >"$t/ign/c/d$d.txt"
done
"$OVL_BIN" scan --format jsonl "$t/ign/c" >"$t/ign.all"
"$OVL_BIN" scan --format jsonl --ignore "$t/ign/t" "$t/ign/c" >"$t/ign.jsonl" 2>"$t/ign.err"
[ "$(grep -c '^{"pair"' "$t/ign.all")" = 15 ] && [ "$(grep -c '^{"pair"' "$t/ign.jsonl")" = 1 ] &&
  [ "$(jq -r 'select(has("pair")) | .pair.a_path + " " + .pair.b_path' "$t/ign.jsonl")" = "$t/ign/c/d0.txt $t/ign/c/d1.txt" ] &&
  ok "--ignore: template pairs gone, the private pair stays" ||
  bad "--ignore: $(grep -c '^{"pair"' "$t/ign.all") / $(grep -c '^{"pair"' "$t/ign.jsonl") pairs"
grep -q "characters of the corpus found in the --ignore files" "$t/ign.err" && ok "--ignore: says how much" ||
  bad "--ignore message: $(cat "$t/ign.err")"
# compare and check --ignore cut the template out of the passage it shares with the private
# text, as scan does.
"$OVL_BIN" compare --format json "$t/ign/c/d0.txt" "$t/ign/c/d1.txt" >"$t/ign.cmp0.json"
"$OVL_BIN" compare --format json --ignore "$t/ign/t" "$t/ign/c/d0.txt" "$t/ign/c/d1.txt" >"$t/ign.cmp.json" 2>"$t/ign.cmp.err"
full=$(jq '.pairs[0].a_reused_chars' "$t/ign.cmp0.json"); cut=$(jq '.pairs[0].a_reused_chars' "$t/ign.cmp.json")
scanned=$(jq 'select(has("pair")) | .pair.a_reused_chars' "$t/ign.jsonl")
[ "$cut" -gt 0 ] && [ "$cut" -lt "$full" ] && [ "$cut" = "$scanned" ] &&
  grep -q "found in the --ignore files; 1 passage cut out of them" "$t/ign.cmp.err" &&
  ok "compare --ignore: $full -> $cut characters, as scan" || bad "compare --ignore: $full -> $cut (scan $scanned): $(cat "$t/ign.cmp.err")"
"$OVL_BIN" index add --db "$t/ign.db" "$t/ign/c/d1.txt" >/dev/null
"$OVL_BIN" check --db "$t/ign.db" --format json --ignore "$t/ign/t" "$t/ign/c/d0.txt" >"$t/ign.chk.json"
[ "$(jq '.pairs[0].a_reused_chars' "$t/ign.chk.json")" = "$cut" ] && ok "check --ignore: as compare" ||
  bad "check --ignore: $(jq -c '.pairs' "$t/ign.chk.json")"
# --pairs N: the N pairs with most reused characters listed, the rest counted.
"$OVL_BIN" scan --format jsonl --pairs 3 "$t/ign/c" >"$t/pairs3.jsonl" 2>"$t/pairs3.err"
[ "$(grep -c '^{"pair"' "$t/pairs3.jsonl")" = 3 ] && [ "$(grep '^{"pair"' "$t/ign.all" | head -3)" = "$(grep '^{"pair"' "$t/pairs3.jsonl")" ] &&
  grep -qx "overlap: scan: 3 pairs listed, 12 more with passages not listed (--pairs all lists them)" "$t/pairs3.err" &&
  ok "--pairs 3: the first 3 pairs, 12 counted" || bad "--pairs 3: $(grep -c '^{"pair"' "$t/pairs3.jsonl") pairs; $(cat "$t/pairs3.err")"
status_is "--pairs 0 refused" 2 "$OVL_BIN" scan --pairs 0 "$t/ign/c"
# One passage planted in 200 documents: one family of 200 documents (100 occurrences listed by
# default, all with --passages all), no pair; two documents sharing a private passage: a pair.
# (rwords: tests/words.sh.)
mkdir -p "$t/fam"
rwords 31 120 >"$t/fam/planted"
for d in $(seq 0 199); do
  { rwords $((1000 + d)) 150; echo; echo; cat "$t/fam/planted"; echo; echo; rwords $((2000 + d)) 150; } >"$t/fam/lic$(printf %03d "$d").txt"
done
for d in 0 1; do { rwords $((3000 + d)) 150; echo; echo; rwords 33 60; echo; echo; rwords $((4000 + d)) 150; } >"$t/fam/own$d.txt"; done
rm "$t/fam/planted"
"$OVL_BIN" scan --format jsonl "$t/fam" >"$t/fam.jsonl"
"$OVL_BIN" scan --format jsonl --passages all "$t/fam" >"$t/fam.all.jsonl"
[ "$(grep -c '^{"family"' "$t/fam.jsonl")" = 1 ] && [ "$(jq -r 'select(has("family")) | .family | "\(.documents) \(.spans | length)"' "$t/fam.jsonl")" = "200 100" ] &&
  [ "$(jq -r 'select(has("family")) | .family.spans | length' "$t/fam.all.jsonl")" = 200 ] &&
  [ "$(jq -r 'select(has("pair")) | .pair.a_path + " " + .pair.b_path' "$t/fam.jsonl")" = "$t/fam/own0.txt $t/fam/own1.txt" ] &&
  ok "planted in 200: one family of 200 (100 listed), the private pair" ||
  bad "planted in 200: $(grep -c '^{"family"' "$t/fam.jsonl") families, $(jq -c 'select(has("family")) | [.family.documents, (.family.spans | length)]' "$t/fam.jsonl"), pairs $(jq -c 'select(has("pair")) | [.pair.a_path, .pair.b_path]' "$t/fam.jsonl")"
# Different recurring texts are different families, even where they meet (issue 10: one text
# each). A is planted in 200 documents and B right after it in 100 of them (A stands alone in
# half of its documents: B is not part of it); the paragraph S is in 200 other documents,
# followed by X in 100 of them and by Y in the other 100 (S never stands alone: it is the part
# X and Y share, as the MIT grant of permission is shared by the Expat and X11 disclaimers, and
# each occurrence is one of the text S begins: one family of 200 whose text holds S and X); E
# is in 100 more and F, E with every tenth word changed, in 100 more (each window of E shares
# a band key or two with F's, as two versions of a licence notice do). Five families, and no
# pair.
mkdir -p "$t/fam2" "$t/fam2t"
rwords 41 120 >"$t/fam2t/A"; rwords 42 120 >"$t/fam2t/B"; rwords 43 30 >"$t/fam2t/S"
rwords 44 90 >"$t/fam2t/X"; rwords 45 90 >"$t/fam2t/Y"; rwords 46 120 >"$t/fam2t/E"
awk 'BEGIN { RS = " "; ORS = " " } { if (NR % 10 == 5) sub(/^r/, "v"); print }' "$t/fam2t/E" >"$t/fam2t/F"
for d in $(seq 0 199); do
  { rwords $((5000 + d)) 150; echo; echo; cat "$t/fam2t/A"; echo; echo
    [ "$d" -lt 100 ] && { cat "$t/fam2t/B"; echo; echo; }
    rwords $((6000 + d)) 150; } >"$t/fam2/ab$(printf %03d "$d").txt"
  x=$([ "$d" -lt 100 ] && echo X || echo Y)
  { rwords $((7000 + d)) 150; echo; echo; cat "$t/fam2t/S"; echo; echo; cat "$t/fam2t/$x"; echo; echo
    rwords $((8000 + d)) 150; } >"$t/fam2/s$(printf %03d "$d").txt"
  x=$([ "$d" -lt 100 ] && echo E || echo F)
  { rwords $((9000 + d)) 150; echo; echo; cat "$t/fam2t/$x"; echo; echo; rwords $((10000 + d)) 150; } >"$t/fam2/ef$(printf %03d "$d").txt"
done
first8() { tr -s ' \n' '  ' <"$1" | cut -d' ' -f1-8; }
# fam_tags FILE.jsonl NAME=WORDS...: each family of the report as "DOCUMENTS NAME+NAME;" (the
# names whose words its text holds, whitespace runs read as one space), sorted.
fam_tags() {
  local f=$1 kv args=() tags=""
  shift
  for kv; do
    args+=(--arg "${kv%%=*}" "${kv#*=}")
    tags+="${tags:+, }{k: \"${kv%%=*}\", s: \$${kv%%=*}}"
  done
  jq -r "${args[@]}" "select(has(\"family\")) | .family | .documents as \$n | (.text | gsub(\"\\\\s+\"; \" \")) as \$t | \"\\(\$n) \" + ([$tags] | map(select(.s as \$s | \$t | contains(\$s)) | .k) | join(\"+\"))" \
    "$f" | sort | tr '\n' ';'
}
"$OVL_BIN" scan --format jsonl "$t/fam2" >"$t/fam2.jsonl"
# Each family: its documents and the texts whose first eight words its text holds.
got=$(fam_tags "$t/fam2.jsonl" A="$(first8 "$t/fam2t/A")" B="$(first8 "$t/fam2t/B")" S="$(first8 "$t/fam2t/S")" \
  X="$(first8 "$t/fam2t/X")" Y="$(first8 "$t/fam2t/Y")" E="$(first8 "$t/fam2t/E")" F="$(first8 "$t/fam2t/F")")
[ "$got" = "100 B;100 E;100 F;200 A;200 S+X;" ] && [ "$(grep -c '^{"pair"' "$t/fam2.jsonl")" = 0 ] &&
  ok "texts that meet or differ in a few words: five families, a shared part with its text, no pair" ||
  bad "one text each: families $got want 100 B;100 E;100 F;200 A;200 S+X; $(grep -c '^{"pair"' "$t/fam2.jsonl") pairs"
# Two texts that differ in one word (as the GPL-2 and GPL-3 notices do: "version 2" and
# "version 3"), each in more than --max-df documents, are two families; a text planted
# re-wrapped, or under a copyright line of its document's own, in half of its documents is
# one; a template of two paragraphs with a field of each document's own between them (a name
# line) is one.
mkdir -p "$t/fam3" "$t/fam3t"
rwords 51 48 >"$t/fam3t/G"
awk '{ for (i = 1; i <= NF; i++) if (++n == 30) $i = "version3"; print }' "$t/fam3t/G" >"$t/fam3t/H"
rwords 61 36 >"$t/fam3t/T1"; rwords 62 36 >"$t/fam3t/T2"; rwords 63 36 >"$t/fam3t/T3"
rwords 71 48 >"$t/fam3t/P1"; rwords 72 48 >"$t/fam3t/P2"
for d in $(seq 0 199); do
  x=$([ "$d" -lt 60 ] && echo H || echo G)
  { rwords $((11000 + d)) 150; echo; echo; cat "$t/fam3t/$x"; echo; echo; rwords $((12000 + d)) 150; } >"$t/fam3/gh$(printf %03d "$d").txt"
  { rwords $((13000 + d)) 150; echo; echo
    if [ "$d" -lt 100 ]; then cat "$t/fam3t/T1"; echo; echo; cat "$t/fam3t/T2"; echo; echo; cat "$t/fam3t/T3"
    else { echo "Copyright $(rwords $((14000 + d)) $((1 + d % 3)))"; cat "$t/fam3t/T1"; } | tr '\n' ' ' | fold -s -w 40; echo; echo
      tr '\n' ' ' <"$t/fam3t/T2" | fold -s -w 40; echo; echo; tr '\n' ' ' <"$t/fam3t/T3" | fold -s -w 40; fi
    echo; echo; rwords $((15000 + d)) 150; } >"$t/fam3/t$(printf %03d "$d").txt"
  [ "$d" -lt 150 ] && { rwords $((16000 + d)) 150; echo; echo; cat "$t/fam3t/P1"; echo; echo
    echo "Name: $(rwords $((17000 + d)) 2)"; echo; cat "$t/fam3t/P2"; echo; echo; rwords $((18000 + d)) 150; } >"$t/fam3/p$(printf %03d "$d").txt"
done
"$OVL_BIN" scan --format jsonl "$t/fam3" >"$t/fam3.jsonl"
w2830() { tr -s ' \n' '  ' <"$1" | cut -d' ' -f28-31; }
got=$(fam_tags "$t/fam3.jsonl" G="$(w2830 "$t/fam3t/G")" H="$(w2830 "$t/fam3t/H")" T1="$(first8 "$t/fam3t/T1")" \
  T2="$(first8 "$t/fam3t/T2")" T3="$(first8 "$t/fam3t/T3")" P1="$(first8 "$t/fam3t/P1")" P2="$(first8 "$t/fam3t/P2")")
[ "$got" = "140 G;150 P1+P2;200 T1+T2+T3;60 H;" ] && [ "$(grep -c '^{"pair"' "$t/fam3.jsonl")" = 0 ] &&
  ok "a word apart: two families; re-wrapped or under a line of its own: one; two pieces around a field: one" ||
  bad "a word apart / re-wrapped / two pieces: families $got want 140 G;150 P1+P2;200 T1+T2+T3;60 H; $(grep -c '^{"pair"' "$t/fam3.jsonl") pairs"
# A paragraph shared by two texts goes with the text beside it, occurrence by occurrence (the
# GPL's warranty paragraph after the first paragraph of the GPL-2 notice in some documents and
# of the GPL-3 one in others): V2 in 120 documents and V3 (V2 with its 30th word changed) in
# 80, each followed by a name line of the document's own and W; W is in no family of its own.
# Two texts that sit side by side in a few of their documents (U then Z in 40 of 150 each) stay
# two families. A text T that a heading precedes in 100 of its documents and X follows in the
# other 100 is one family, named by T, not by the heading (a piece no longer than a field).
mkdir -p "$t/fam4" "$t/fam4t"
rwords 81 48 >"$t/fam4t/V2"
awk '{ for (i = 1; i <= NF; i++) if (++n == 30) $i = "version3"; print }' "$t/fam4t/V2" >"$t/fam4t/V3"
rwords 82 60 >"$t/fam4t/W"; rwords 83 60 >"$t/fam4t/U"; rwords 84 60 >"$t/fam4t/Z"
rwords 85 60 >"$t/fam4t/T"; rwords 86 60 >"$t/fam4t/X"
for d in $(seq 0 199); do
  x=$([ "$d" -lt 120 ] && echo V2 || echo V3)
  { rwords $((19000 + d)) 150; echo; echo; cat "$t/fam4t/$x"; echo; echo "Name: $(rwords $((20000 + d)) 2)"; echo
    cat "$t/fam4t/W"; echo; echo; rwords $((21000 + d)) 150; } >"$t/fam4/v$(printf %03d "$d").txt"
done
for d in $(seq 0 259); do
  { rwords $((22000 + d)) 150; echo; echo
    [ "$d" -lt 150 ] && { cat "$t/fam4t/U"; echo; echo; }
    [ "$d" -lt 150 ] && [ "$d" -ge 40 ] && { rwords $((23000 + d)) 150; echo; echo; }
    [ "$d" -lt 40 ] || [ "$d" -ge 150 ] && { cat "$t/fam4t/Z"; echo; echo; }
    rwords $((24000 + d)) 150; } >"$t/fam4/u$(printf %03d "$d").txt"
done
for d in $(seq 0 199); do
  { rwords $((25000 + d)) 150; echo; echo
    if [ "$d" -lt 100 ]; then echo "GLOBAL FLAGS"; echo; cat "$t/fam4t/T"; else cat "$t/fam4t/T"; echo; echo; cat "$t/fam4t/X"; fi
    echo; echo; rwords $((26000 + d)) 150; } >"$t/fam4/h$(printf %03d "$d").txt"
done
"$OVL_BIN" scan --format jsonl "$t/fam4" >"$t/fam4.jsonl"
got=$(fam_tags "$t/fam4.jsonl" V2="$(w2830 "$t/fam4t/V2")" V3="$(w2830 "$t/fam4t/V3")" W="$(first8 "$t/fam4t/W")" \
  U="$(first8 "$t/fam4t/U")" Z="$(first8 "$t/fam4t/Z")" T="$(first8 "$t/fam4t/T")" X="$(first8 "$t/fam4t/X")" \
  H="GLOBAL FLAGS")
[ "$got" = "120 V2+W;150 U;150 Z;200 T+X;80 V3+W;" ] && [ "$(grep -c '^{"pair"' "$t/fam4.jsonl")" = 0 ] &&
  ok "a paragraph two texts share: with each, occurrence by occurrence; neighbours in a few documents: apart; a heading: no name" ||
  bad "shared paragraph / neighbours / heading: families $got want 120 V2+W;150 U;150 Z;200 T+X;80 V3+W; $(grep -c '^{"pair"' "$t/fam4.jsonl") pairs"
# bench/family_neighbours.py reads who sits beside a family from the JSON report: Z after U in
# the 40 documents holding both, nothing before it.
"$OVL_BIN" scan --format json --families 0 --passages all -o "$t/fam4.json" "$t/fam4" 2>/dev/null
uid=$(jq -r --arg u "$(first8 "$t/fam4t/U")" '.families[] | select(.text | gsub("\\s+"; " ") | startswith($u)) | .id' "$t/fam4.json")
zid=$(jq -r --arg z "$(first8 "$t/fam4t/Z")" '.families[] | select(.text | gsub("\\s+"; " ") | startswith($z)) | .id' "$t/fam4.json")
nb=$(python3 "$OVL_SRC/bench/family_neighbours.py" "$t/fam4.json" "$uid" 2>&1 | tail -n +2)
[ -n "$uid" ] && [ -n "$zid" ] && [ "$(echo "$nb" | awk '{print $1, $2, $4}')" = "40 after $zid:" ] &&
  ok "family_neighbours.py: Z after U in 40 documents" || bad "family_neighbours.py: U=$uid Z=$zid: $nb"
# A notice whose first short lines sit beside each file's own lines (a Debian copyright file's
# "Files:" and "Copyright:" fields before the Apache-2.0 notice): the fingerprint merges the
# first line with them into a chunk whose keys recur nowhere, so the family's chunks begin at
# the second line. The family is widened over the text beside its occurrences that two thirds
# of them share word for word: one family of 150 documents whose text is the whole notice,
# N1 to the end of its body, and nothing of the files' own lines.
mkdir -p "$t/fam5" "$t/fam5t"
echo "$(line 91 7)." >"$t/fam5t/N1"; echo "$(line 92 7)." >"$t/fam5t/N2"; echo "$(line 93 5):" >"$t/fam5t/N3"
rwords 94 48 >"$t/fam5t/NB"
for d in $(seq 0 149); do
  { rwords $((27000 + d)) 150; echo; echo; echo "Files: $(line $((28000 + d)) 10)"
    echo "Copyright: 2024 $(line $((29000 + d)) 11)"; echo
    for x in N1 N2 N3; do cat "$t/fam5t/$x"; echo; done
    cat "$t/fam5t/NB"; echo; echo; rwords $((35000 + d)) 150; } >"$t/fam5/n$(printf %03d "$d").txt"
done
"$OVL_BIN" scan --format jsonl --passages all "$t/fam5" >"$t/fam5.jsonl"
want=$(cat "$t/fam5t/N1" "$t/fam5t/N2" "$t/fam5t/N3" "$t/fam5t/NB" | tr -s ' \n' '  ' | sed 's/[ .]*$//')
got=$(jq -r 'select(has("family")) | .family | "\(.documents) \(.spans | length) \(.text | gsub("\\s+"; " "))"' "$t/fam5.jsonl")
[ "$(grep -c '^{"family"' "$t/fam5.jsonl")" = 1 ] && [ "$got" = "150 150 $want" ] &&
  ok "a notice whose first line is merged with each file's own: one family of 150, the whole notice" ||
  bad "notice beside the files' own lines: got '$got', want '150 150 $want'"
# The same notice where a line of the document's own stands for N1 in one document in four
# (a notice that some files begin otherwise): three quarters of the occurrences share N1, so the
# family is widened over it, though 3 of the 8 occurrences spread over the family that were
# read first (documents 0, 56 and 112) are of the others; the sample is 16, read as worth
# reading every occurrence for when half of it agrees (6 of the 16 are of the others).
mkdir -p "$t/famw"
for d in $(seq 0 149); do
  { rwords $((27000 + d)) 150; echo; echo; echo "Files: $(line $((28000 + d)) 10)"
    echo "Copyright: 2024 $(line $((29000 + d)) 11)"; echo
    if [ $((d % 4)) = 0 ]; then echo "$(line $((36000 + d)) 7)."; else cat "$t/fam5t/N1"; fi
    for x in N2 N3; do cat "$t/fam5t/$x"; echo; done
    cat "$t/fam5t/NB"; echo; echo; rwords $((35000 + d)) 150; } >"$t/famw/n$(printf %03d "$d").txt"
done
"$OVL_BIN" scan --format jsonl --passages all "$t/famw" >"$t/famw.jsonl"
got=$(jq -r 'select(has("family")) | .family | "\(.documents) \(.spans | length) \(.text | gsub("\\s+"; " "))"' "$t/famw.jsonl")
[ "$(grep -c '^{"family"' "$t/famw.jsonl")" = 1 ] && [ "$got" = "150 150 $want" ] &&
  ok "the notice with a line of its own in one document in four: widened over N1 all the same" ||
  bad "notice with N1 in three quarters: got '$got', want '150 150 $want'"
# A text followed in some documents by a paragraph and in others by the same paragraph with
# a word changed, each in more than --max-df documents (the GPL-2 notice's first paragraph
# followed by "This program is distributed ..." or "This package is distributed ..."), and
# another text (G3: G2 with its 30th word changed, as the GPL-3 notice) followed by either:
# neither paragraph follows G2 in two thirds of G2's documents, but the two together do, as
# texts alike (most of their key groups shared); so each notice is one family with its
# paragraph, G2 in 120 documents and G3 in 120, and the paragraph is in no family of its own.
mkdir -p "$t/famk" "$t/famkt"
rwords 95 48 >"$t/famkt/G2"
awk '{ for (i = 1; i <= NF; i++) if (++n == 30) $i = "version3"; print }' "$t/famkt/G2" >"$t/famkt/G3"
rwords 96 40 >"$t/famkt/W"
awk '{ for (i = 1; i <= NF; i++) if (++n == 2) $i = "package"; print }' "$t/famkt/W" >"$t/famkt/Wp"
for d in $(seq 0 239); do
  g=$([ "$d" -lt 120 ] && echo G2 || echo G3)
  w=$([ $((d % 2)) = 0 ] && echo W || echo Wp)
  { rwords $((37000 + d)) 150; echo; echo; cat "$t/famkt/$g"; echo; echo; cat "$t/famkt/$w"; echo; echo
    rwords $((38000 + d)) 150; } >"$t/famk/g$(printf %03d "$d").txt"
done
"$OVL_BIN" scan --format jsonl "$t/famk" >"$t/famk.jsonl"
w1017() { tr -s ' \n' '  ' <"$1" | cut -d' ' -f10-17; }
got=$(fam_tags "$t/famk.jsonl" G2="$(w2830 "$t/famkt/G2")" G3="$(w2830 "$t/famkt/G3")" W="$(w1017 "$t/famkt/W")")
[ "$got" = "120 G2+W;120 G3+W;" ] && [ "$(grep -c '^{"pair"' "$t/famk.jsonl")" = 0 ] &&
  ok "a text followed by a paragraph or by it with a word changed: one family with either, per text" ||
  bad "text followed by a paragraph alike: families $got want 120 G2+W;120 G3+W; $(grep -c '^{"pair"' "$t/famk.jsonl") pairs"
# A template whose first window differs from page to page (tests/words.sh, template_pages):
# each window is a text of its own in more than --max-df documents, and each named a family of
# the template before; it is one family of 260 documents.
template_pages "$t/fam6" "$t/fam6t"
"$OVL_BIN" scan --format jsonl --passages all "$t/fam6" >"$t/fam6.jsonl"
got=$(fam_tags "$t/fam6.jsonl" A="$(first8 "$t/fam6t/A")" B1="$(first8 "$t/fam6t/B1")" B2="$(first8 "$t/fam6t/B2")")
[ "$got" = "260 A+B1+B2;" ] && [ "$(jq -r 'select(has("family")) | .family.spans | length' "$t/fam6.jsonl")" = 260 ] &&
  [ "$(grep -c '^{"pair"' "$t/fam6.jsonl")" = 0 ] &&
  ok "a template whose first window differs from page to page: one family of 260" ||
  bad "template with three first windows: families $got want 260 A+B1+B2; $(grep -c '^{"pair"' "$t/fam6.jsonl") pairs"
# Standard input as a document: compare - B, dump -, check --db X -.
"$OVL_BIN" compare --format json fixtures/reuse/source.txt fixtures/reuse/copy.txt | jq -c .passages >"$t/in.want"
"$OVL_BIN" compare --format json fixtures/reuse/source.txt - <fixtures/reuse/copy.txt | jq -c .passages >"$t/in.got"
cmp -s "$t/in.want" "$t/in.got" && ok "compare A -: the same passages" || bad "compare A - differs"
[ "$("$OVL_BIN" dump - <fixtures/reuse/copy.txt | head -1 | cut -d: -f1)" = "-" ] && ok "dump -" || bad "dump -"
"$OVL_BIN" check --db "$t/ign.db" --format json - <"$t/ign/c/d0.txt" | jq -e '.documents[0].path == "-" and (.pairs | length) == 1' >/dev/null &&
  ok "check --db X -" || bad "check --db X -"
status_is "compare - -: refused" 2 "$OVL_BIN" compare - -
status_is "compare A: missing B named" 2 "$OVL_BIN" compare fixtures/reuse/copy.txt
grep -q "^overlap: compare: missing B$" "$t/err" && ok "missing B message" || bad "missing B message: $(head -1 "$t/err")"
# Identical files: read once, reported once as a group of copies.
mkdir -p "$t/cp"
cp fixtures/reuse/source.txt "$t/cp/a.txt"; cp fixtures/reuse/source.txt "$t/cp/b.txt"
cp fixtures/reuse/source.txt "$t/cp/c.txt"; cp fixtures/reuse/copy.txt "$t/cp/d.txt"
"$OVL_BIN" scan --format json "$t/cp" >"$t/cp.json"
jq -e --arg p "$t/cp" '(.copies | length) == 1 and .copies[0].paths == [$p + "/a.txt", $p + "/b.txt", $p + "/c.txt"]
       and (.pairs | length) == 1 and .pairs[0].a_path == $p + "/a.txt" and .pairs[0].b_path == $p + "/d.txt"' \
  "$t/cp.json" >/dev/null && ok "copies: one group, one pair" || bad "copies: $(jq -c '{copies, pairs: [.pairs[] | [.a_path, .b_path]]}' "$t/cp.json")"

# Per-document figures of the segmentation (issue 12's gap): the submission of the editor's
# fixture scanned with its three sources gets the ratios without quotations and without
# references and its sections, as `check` gives them (tests/cli/check_editor_golden.sh
# computes those from the text: 260/471 reused, 231/440 without the 31 quoted characters,
# 162/365 without the 106 of the reference list), in JSON and text. With --top 1 only the
# documents of the first pair (participation, submission) are read again for them.
mkdir -p "$t/ed"
cp fixtures/editor/sources/*.txt fixtures/editor/submission.txt "$t/ed/"
"$OVL_BIN" scan --format json "$t/ed" >"$t/ed.json"
"$OVL_BIN" scan --color never "$t/ed" >"$t/ed.txt"
"$OVL_BIN" scan --format json --top 1 "$t/ed" >"$t/ed.top1.json"
"$OVL_BIN" index add --db "$t/ed.db" fixtures/editor/sources >/dev/null
"$OVL_BIN" check --db "$t/ed.db" --format json fixtures/editor/submission.txt >"$t/ed.check.json"
sub_fig='.documents[] | select(.path | endswith("submission.txt")) | [.chars, .reused_chars, .quoted_chars, .ratio_without_quotes, .reference_chars, .ratio_without_references, [.sections[] | [.title, .char_start, .char_end, .reused_chars, .ratio]]]'
got=$(jq -c "$sub_fig" "$t/ed.json")
want='[471,260,31,0.525,106,0.4438,[["",0,17,0,0],["摘要",17,73,0,0],["一、问题的提出",73,186,67,0.5929],["二、更新实践中的主要做法",186,318,95,0.7197],["三、结论与建议",318,365,0,0],["参考文献",365,471,98,0.9245]]]'
[ "$got" = "$want" ] && [ "$(jq -c "$sub_fig" "$t/ed.check.json")" = "$want" ] &&
  ok "scan JSON: the submission's ratios without quotations/references and sections, as check" ||
  bad "scan JSON figures: $got; check: $(jq -c "$sub_fig" "$t/ed.check.json")"
grep -qxF '    without quotations 0.5250 (31 quoted chars) · without references 0.4438 (106 chars of references)' "$t/ed.txt" &&
  grep -qxF '    section 二、更新实践中的主要做法 · 132 chars · 95 reused · 0.7197' "$t/ed.txt" &&
  grep -qxF '    section 参考文献 · 106 chars · 98 reused · 0.9245' "$t/ed.txt" &&
  ok "scan text: the same figures and sections" || bad "scan text: $(grep -A8 'submission.txt ·' "$t/ed.txt" | head -9)"
[ "$(jq -c '[.documents[] | [(.path | split("/") | last), has("sections"), has("ratio_without_quotes")]]' "$t/ed.top1.json")" = \
  '[["funding.txt",false,false],["maintenance.txt",false,false],["participation.txt",true,true],["submission.txt",true,true]]' ] &&
  ok "scan --top 1: figures of the segmentation for the first pair's documents only" ||
  bad "scan --top 1: $(jq -c '[.documents[] | [(.path | split("/") | last), has("sections")]]' "$t/ed.top1.json")"

# ---- Seeds ----------------------------------------------------------------------------------
seeds=${OVL_SEEDS:-../shared/seeds}
if [ -f "$seeds/000_3545a2c9416daa4f.txt" ]; then
  for j in 1 2 4; do "$OVL_BIN" scan --include '*.txt' --format json -j$j "$seeds" >"$t/seeds.$j"; done
  cmp -s "$t/seeds.1" "$t/seeds.2" && cmp -s "$t/seeds.1" "$t/seeds.4" && ok "seeds: identical for -j1 -j2 -j4" ||
    bad "seeds: output depends on -j"
  ida=$(jq '.documents[] | select(.path | endswith("000_3545a2c9416daa4f.txt")) | .id' "$t/seeds.1")
  idb=$(jq '.documents[] | select(.path | endswith("001_39ade8f5ccf4c5f9.txt")) | .id' "$t/seeds.1")
  "$OVL_BIN" compare --format json "$seeds"/000_3545a2c9416daa4f.txt "$seeds"/001_39ade8f5ccf4c5f9.txt >"$t/cmp01.json"
  want=$(jq -c '.passages' "$t/cmp01.json")
  got=$(pair_passages "$t/seeds.1" "${ida:-9}" "${idb:-9}")
  [ "$(jq length <<<"$want")" -ge 5 ] && [ "$got" = "$want" ] && ok "seeds: 000/001 passages = compare" ||
    bad "seeds: 000/001 passages differ from compare ($(jq length <<<"$got") vs $(jq length <<<"$want"))"
  # The first pair reported is 000/001 (most reused characters).
  [ "$(jq -c '[.passages[0].a.doc, .passages[0].b.doc]' "$t/seeds.1")" = "[$ida,$idb]" ] &&
    ok "seeds: 000/001 first" || bad "seeds: 000/001 not first"
  other=$(jq --argjson a "$ida" --argjson b "$idb" \
    '[.passages[] | select((.a.doc == $a and .b.doc == $b) | not) | .a.char_end - .a.char_start] | add // 0' "$t/seeds.1")
  [ "$other" -lt 300 ] && ok "seeds: other pairs only short phrases ($other chars)" ||
    bad "seeds: other pairs report $other chars"
else
  echo "skip seeds (not found at $seeds)"
fi
finish
