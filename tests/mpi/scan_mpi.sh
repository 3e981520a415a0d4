#!/usr/bin/env bash
# CLI tests for overlap-mpi: `mpirun -n 1..4 overlap-mpi scan` writes the bytes `overlap scan` writes, for every format; failures end the job with status 2 and no report.
set -u
: "${OVL_BIN:?}" "${OVL_MPI_BIN:?}" "${OVL_MPIEXEC:?}"
bindir=$(dirname "$OVL_BIN")
gen="$bindir/bench/ovl-gen"
[ -x "$gen" ] || { echo "ovl-gen not built: skipped"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
. "$(dirname "$0")/../checks.sh"
. "$(dirname "$0")/../words.sh"
. "$(dirname "$0")/../mpirun.sh"

# ---- A corpus with everything the scan reports --------------------------------------------
# Generated English with planted reuse (sources and suspicious documents) ...
"$gen" --seed 11 --lang en --docs 16 --out "$t/c" >/dev/null 2>&1 || { bad "ovl-gen failed"; exit 1; }
mkdir -p "$t/c/extra" "$t/tpl"
# ... identical copies (two of one file) and a near copy (a few words changed) ...
cp "$t/c/src/00000.txt" "$t/c/extra/copy-a.txt"
cp "$t/c/src/00000.txt" "$t/c/extra/copy-b.txt"
sed -e '0,/ the / s// a /' -e '0,/ of / s// in /' "$t/c/src/00001.txt" >"$t/c/extra/near.txt"
# ... recurring text: one notice in ten files of their own words (a family with --max-df 4) ...
notice="Permission is hereby granted to any person obtaining a copy of this document to read it, \
print it and pass it on unchanged, provided that this notice and the name of its author stay \
with every copy, and that no fee beyond the cost of the copy is asked for it by anyone."
for i in 0 1 2 3 4 5 6 7 8 9; do
  { sed -n "$((i * 3 + 1)),$((i * 3 + 40))p" "$t/c/susp/0000$((i % 8)).txt" | tr 'a-m' 'n-za-m'
    echo; echo "$notice"; echo; } >"$t/c/extra/notice-$i.txt"
done
# ... a file that cannot be read (binary) and a template (--ignore) from a source.
printf 'binary\0data\0' >"$t/c/extra/binary.dat"
sed -n '1,30p' "$t/c/src/00002.txt" >"$t/tpl/template.txt"

# One process, then 1 to 4 ranks, for each format and several option sets.
variants=(
  "--max-df 4"
  "--max-df 4 --passages all --ignore $t/tpl -j 1"
  "--no-families --top 2 --near-copies 0 --min-ratio 0.01"
  "--max-df 4 --families 1 --whole-tokens 100000 --min-hits 2"
  "--max-df 4 --bands 3 --rows 5 --ignore $t/tpl"
)
v=0
for opts in "${variants[@]}"; do
  v=$((v + 1))
  for fmt in text json jsonl html; do
    # shellcheck disable=SC2086
    "$OVL_BIN" scan --format "$fmt" --color never $opts -o "$t/one.$fmt" "$t/c" 2>"$t/one.err"
    st1=$?
    for n in 1 2 3 4; do
      # shellcheck disable=SC2086
      mpi "$n" scan --format "$fmt" --color never $opts -o "$t/mpi.$fmt" "$t/c" >"$t/mpi.out" 2>"$t/mpi.err"
      stn=$?
      if [ "$st1" = "$stn" ] && cmp -s "$t/one.$fmt" "$t/mpi.$fmt"; then
        ok "variant $v ($opts) $fmt -n $n: identical bytes, status $stn"
      else
        bad "variant $v ($opts) $fmt -n $n: status $stn (one process $st1), $(cmp "$t/one.$fmt" "$t/mpi.$fmt" 2>&1 | head -1); $(grep overlap "$t/mpi.err" | head -2)"
      fi
    done
  done
done
# Band keys exchanged in rounds of one document per destination (--key-round 1):
# every rank's records split over many rounds, spooled in the order of one round.
opts="--max-df 4 --ignore $t/tpl --passages all"
# shellcheck disable=SC2086
"$OVL_BIN" scan --format jsonl $opts -o "$t/one.jsonl" "$t/c" 2>/dev/null
for n in 1 3; do
  # shellcheck disable=SC2086
  OVERLAP_MPI_STATS="$t/rounds.$n" mpi "$n" scan --format jsonl $opts --key-round 1 \
    -o "$t/mpi.jsonl" "$t/c" >/dev/null 2>&1
  cmp -s "$t/one.jsonl" "$t/mpi.jsonl" && ok "keys in rounds of one document, -n $n: identical bytes" ||
    bad "keys in rounds of one document, -n $n: $(cmp "$t/one.jsonl" "$t/mpi.jsonl" 2>&1 | head -1)"
done
# ... and those rounds are many: the keys phase held (one round) a small part of what it sent.
held=$(awk '$1 == "keys" {print $6}' "$t/rounds.3")
sent=$(awk '$1 == "keys" {print $4}' "$t/rounds.3")
[ -n "$held" ] && [ -n "$sent" ] && [ "$sent" -gt 0 ] && [ $((held * 4)) -lt "$sent" ] &&
  ok "keys in rounds: held $held bytes of $sent sent" || bad "keys in rounds: held $held of $sent sent"

# ... and the documents were fingerprinted in batches of that size, each batch's keys sent
# before the next was read: the fingerprint phase held less than with one default batch.
# shellcheck disable=SC2086
OVERLAP_MPI_STATS="$t/default.3" mpi 3 scan --format jsonl $opts -o "$t/mpi.jsonl" "$t/c" >/dev/null 2>&1
fp1=$(awk '$1 == "fingerprint" {print $6}' "$t/rounds.3")
fpd=$(awk '$1 == "fingerprint" {print $6}' "$t/default.3")
[ -n "$fp1" ] && [ -n "$fpd" ] && [ $((fp1 * 2)) -lt "$fpd" ] &&
  ok "fingerprints in batches: held $fp1 bytes with rounds of one document, $fpd in one batch" ||
  bad "fingerprints in batches: held $fp1 bytes with rounds of one document, $fpd in one batch"
# Each rank's peak memory by the end of each phase: as many figures as ranks, never falling.
peaks=$(awk -F'\t' 'NR > 1 {print $7}' "$t/rounds.3" | tr '\n' ' ')
awk -F'\t' 'NR > 1 {n = split($7, v, ","); if (n != 3) exit 1; for (k = 1; k <= 3; k++) {
  if (v[k] < 1000000 || v[k] < last[k]) exit 1; last[k] = v[k] }} END {if (NR != 7) exit 1}' "$t/rounds.3" &&
  ok "peak memory per rank and phase: $peaks" || bad "peak memory per rank and phase: $peaks"
# The round size given as --key-round=SIZE (a default-sized round here), and refused when not
# a size, as overlap's other size options are.
# shellcheck disable=SC2086
mpi 2 scan --format jsonl $opts --key-round=64K -o "$t/mpi.jsonl" "$t/c" >/dev/null 2>&1
cmp -s "$t/one.jsonl" "$t/mpi.jsonl" && ok "--key-round=64K, -n 2: identical bytes" ||
  bad "--key-round=64K, -n 2: $(cmp "$t/one.jsonl" "$t/mpi.jsonl" 2>&1 | head -1)"
mpi 2 scan --format jsonl --key-round 12X "$t/c" >"$t/out" 2>"$t/err"
st=$?
[ "$st" = 2 ] && grep -q "^overlap: --key-round: '12X' is not a size" "$t/err" &&
  ok "--key-round 12X: status 2, message" || bad "--key-round 12X: status $st, $(head -2 "$t/err")"
# -j beyond the cores a rank may run on (its CPU affinity; no test machine has 512) is told,
# once, and the report is the same; -j 1 is not.
# shellcheck disable=SC2086
mpi 2 scan --format jsonl $opts -j 512 -o "$t/mpi.jsonl" "$t/c" >/dev/null 2>"$t/err"
# shellcheck disable=SC2086
mpi 2 scan --format jsonl $opts -j 1 -o "$t/mpi1.jsonl" "$t/c" >/dev/null 2>"$t/err1"
[ "$(grep -c '^overlap: scan: -j 512, but a rank may run on [0-9]* cores\{0,1\} only: its threads take turns' "$t/err")" = 1 ] &&
  ! grep -q 'take turns' "$t/err1" && cmp -s "$t/one.jsonl" "$t/mpi.jsonl" && cmp -s "$t/one.jsonl" "$t/mpi1.jsonl" &&
  ok "-j beyond a rank's cores: told once, same report" ||
  bad "-j beyond a rank's cores: $(grep 'take turns' "$t/err" "$t/err1" | head -3) $(cmp "$t/one.jsonl" "$t/mpi.jsonl" 2>&1 | head -1)"

# Pair records merged on rank 0 from every rank's sorted run, a record per request with
# --key-round 1: all of them listed (above, --passages all), or the first few, the rest
# counted (pairs_unlisted) from the ranks' runs without being sent.
for lopts in "--max-df 4 --pairs 3 --top 2" "--pairs 7 --top 5 --min-ratio 0.02 --pair-passages 3"; do
  for fmt in json text; do
    # shellcheck disable=SC2086
    "$OVL_BIN" scan --format "$fmt" $lopts -o "$t/one.$fmt" "$t/c" 2>"$t/one.err"
    grep '^overlap' "$t/one.err" >"$t/one.msg"
    for n in 2 3 4; do
      # shellcheck disable=SC2086
      mpi "$n" scan --format "$fmt" $lopts --key-round 1 -o "$t/mpi.$fmt" "$t/c" >/dev/null 2>"$t/mpi.err"
      grep '^overlap' "$t/mpi.err" >"$t/mpi.msg"
      cmp -s "$t/one.$fmt" "$t/mpi.$fmt" && cmp -s "$t/one.msg" "$t/mpi.msg" &&
        ok "records merged a record at a time ($lopts) $fmt -n $n: identical bytes and messages" ||
        bad "records merged a record at a time ($lopts) $fmt -n $n: $(cmp "$t/one.$fmt" "$t/mpi.$fmt" 2>&1 | head -1) $(diff "$t/one.msg" "$t/mpi.msg" | head -3)"
    done
  done
done
# ... and with the default round, windows of --pairs records (7: more than one per rank).
# shellcheck disable=SC2086
mpi 3 scan --format json $lopts -o "$t/mpi.json" "$t/c" >/dev/null 2>"$t/mpi.err"
grep '^overlap' "$t/mpi.err" >"$t/mpi.msg"
cmp -s "$t/one.json" "$t/mpi.json" && cmp -s "$t/one.msg" "$t/mpi.msg" &&
  ok "records merged in windows of --pairs records ($lopts) -n 3: identical bytes and messages" ||
  bad "records merged in windows of --pairs records ($lopts) -n 3: $(cmp "$t/one.json" "$t/mpi.json" 2>&1 | head -1)"
# (The pairs left out are counted: "N pairs listed, M more with passages not listed".)
grep -q "^overlap: scan: 7 pairs listed, [1-9][0-9]* more" "$t/one.msg" && ok "the merge's corpus has unlisted pairs" ||
  bad "the merge's corpus has no unlisted pairs: $(cat "$t/one.msg")"
# ... and no rank held every record: with 4 ranks and 3 listed, the results phase held less
# than rank 0 held with every record listed (its own run, then every record; windows of one
# record).
# shellcheck disable=SC2086
OVERLAP_MPI_STATS="$t/all.4" mpi 4 scan --format json --max-df 4 --pairs all --key-round 1 -o "$t/mpi.json" "$t/c" >/dev/null 2>&1
OVERLAP_MPI_STATS="$t/few.4" mpi 4 scan --format json --max-df 4 --pairs 3 --key-round 1 -o "$t/mpi.json" "$t/c" >/dev/null 2>&1
ha=$(awk '$1 == "results" {print $6}' "$t/all.4")
hf=$(awk '$1 == "results" {print $6}' "$t/few.4")
[ -n "$ha" ] && [ -n "$hf" ] && [ "$hf" -gt 0 ] && [ "$hf" -lt "$ha" ] &&
  ok "results held: $hf bytes with 3 pairs listed, $ha with all" ||
  bad "results held: $hf bytes with 3 pairs listed, $ha with all"

# A rank without pair records of its own: the one pair is of rank 1's share (c and d, by
# bytes), aligned there, so rank 0 merges only the other rank's run.
mkdir -p "$t/lone"
cp "$t/c/src/00000.txt" "$t/lone/a.txt"
cp "$t/c/src/00006.txt" "$t/lone/b.txt"
cp "$t/c/src/00005.txt" "$t/lone/c.txt"
{ head -12 "$t/c/src/00005.txt"; tail -15 "$t/c/src/00004.txt"; } >"$t/lone/d.txt"
"$OVL_BIN" scan --format json -o "$t/one.json" "$t/lone" 2>/dev/null
for n in 2 3; do
  mpi "$n" scan --format json -o "$t/mpi.json" "$t/lone" >/dev/null 2>&1
  st=$?
  jq -e '[.pairs[] | [.a, .b]] == [[0, 1]] and ([.documents[].path] | map(split("/") | last)) == ["c.txt", "d.txt"]' \
    "$t/one.json" >/dev/null && cmp -s "$t/one.json" "$t/mpi.json" &&
    ok "rank 0 without pair records, -n $n: identical bytes, status $st" ||
    bad "rank 0 without pair records, -n $n: status $st, $(cmp "$t/one.json" "$t/mpi.json" 2>&1 | head -1)"
done

# ---- The file list walked in parts: each rank examines the files its path hash picks, ------
# the entries sorted over the ranks and sent to their shares; the numbering and the report
# are one process's. A tree of nested directories (files of every rank's share in several
# of them, names whose path order is not the walk's order: "a-b" sorts before "a/"), copies
# across the tree, a file that cannot be read, empty files, a JSON lines file with a bad
# record (a problem of the walk, told in walk order), a hidden file, a path that does not
# exist.
w="$t/walk"
mkdir -p "$w/tree/a/b/c" "$w/tree/a-b" "$w/tree/z/y" "$w/tree/.hid" "$w/tpl"
k=0
for f in "$t"/c/src/*.txt "$t"/c/susp/*.txt; do
  case $((k % 5)) in
    0) d=a ;; 1) d=a/b ;; 2) d=a/b/c ;; 3) d=a-b ;; *) d=z/y ;;
  esac
  cp "$f" "$w/tree/$d/f$k.txt"
  k=$((k + 1))
done
cp "$t/c/src/00003.txt" "$w/tree/z/copy.txt"
cp "$t/c/src/00003.txt" "$w/tree/a/b/c/copy.txt"
cp "$t/c/susp/00001.txt" "$w/tree/.hid/seen-with-hidden.txt"
cp "$t/c/susp/00002.txt" "$w/tree/a/.hidden.txt"
printf 'binary\0data\0' >"$w/tree/a-b/binary.dat"
: >"$w/tree/z/empty.txt" # (warned of, on rank 0 whichever rank's share it is in)
: >"$w/tree/a/b/empty.txt"
{ printf '{"id": "r1", "text": "%s"}\n' "$(head -c 2000 "$t/c/src/00004.txt" | tr -d '"\\\n')"
  echo '{"id": "r2", "text": '
  printf '{"id": "r3", "text": "%s"}\n' "$(head -c 2000 "$t/c/susp/00003.txt" | tr -d '"\\\n')"; } >"$w/tree/a/recs.jsonl"
# (Records of a compressed file are held in memory: their text travels with their entries.)
gzip -c "$w/tree/a/recs.jsonl" >"$w/tree/z/y/zipped.jsonl.gz"
sed -n '1,30p' "$t/c/src/00002.txt" >"$w/tpl/template.txt"
wvariants=(
  ""
  "--hidden --max-df 4"
  "--include *.txt --exclude c"
  "--group-by-dir --passages all"
  "--group ^.*/(a|z)/"
  "--ignore $w/tpl --near-copies 0"
)
v=0
set -f # (the options' globs go to overlap as they are)
# The paths are given relative to $t: the rank that examines a file is picked by its path's
# hash, so a path under a random temporary name dealt the files out differently in every run,
# and in some runs one rank of three examined and then received nearly all 29 (the check on
# what a rank held below failed one run in several).
for opts in "${wvariants[@]}"; do
  v=$((v + 1))
  for fmt in json text; do
    # shellcheck disable=SC2086
    (cd "$t" && "$OVL_BIN" scan --format "$fmt" --color never $opts -o "$t/one.$fmt" walk/tree walk/missing 2>"$t/one.err")
    st1=$?
    grep '^overlap' "$t/one.err" >"$t/one.msg"
    for n in 1 2 3 4; do
      # shellcheck disable=SC2086
      (cd "$t" && OVERLAP_MPI_STATS="$t/walk.stats" mpi "$n" scan --format "$fmt" --color never $opts \
        -o "$t/mpi.$fmt" walk/tree walk/missing >/dev/null 2>"$t/mpi.err")
      stn=$?
      grep '^overlap' "$t/mpi.err" >"$t/mpi.msg"
      # (No rank held every path: the most a rank held in the fingerprint phase, which
      # includes the walk, is under the corpus's documents from 3 ranks on.)
      parts=$(awk -F'\t' '$1 == "fingerprint" {print $10 " of " $11}' "$t/walk.stats")
      held=$(awk -F'\t' '$1 == "fingerprint" {print ($10 != "" && $10 + 0 < $11 + 0) ? 1 : 0}' "$t/walk.stats")
      [ "$n" -lt 3 ] && held=1 # (2 ranks: a rank's examined files and those it receives
                               # while they are sorted are about all of them)
      if [ "$st1" = "$stn" ] && cmp -s "$t/one.$fmt" "$t/mpi.$fmt" && cmp -s "$t/one.msg" "$t/mpi.msg" && [ "$held" = 1 ]; then
        ok "walk in parts $v ($opts) $fmt -n $n: identical bytes and messages, status $stn, paths held $parts"
      else
        bad "walk in parts $v ($opts) $fmt -n $n: status $stn (one process $st1), paths held $parts, $(cmp "$t/one.$fmt" "$t/mpi.$fmt" 2>&1 | head -1) $(diff "$t/one.msg" "$t/mpi.msg" | head -4)"
      fi
    done
  done
done
set +f
# ... which has what it is meant to cover.
"$OVL_BIN" scan --format json --group-by-dir "$w/tree" "$w/missing" >"$t/one.json" 2>"$t/one.err"
jq -e '(.copies | length) >= 1 and (.pairs | length) >= 5 and ([.skipped[]?.path] | any(endswith("binary.dat")))
       and ([.documents[].path] | any(endswith("recs.jsonl#r3")))' "$t/one.json" >/dev/null &&
  grep -q 'recs.jsonl: line 2' "$t/one.err" && grep -q 'walk/missing' "$t/one.err" &&
  ok "the tree: copies, pairs, a file that cannot be read, records, a bad record, a missing path" ||
  bad "the tree lacks something: $(jq -c '{c: (.copies | length), p: (.pairs | length), s: .skipped}' "$t/one.json") $(head -3 "$t/one.err")"
# Every rank's share of paths, not the whole list: on 3 ranks, over 33 documents of which
# the report names 5 (3 pairs), no rank held every path in any phase, and once the walk was
# done a rank held its share (at most half of them).
mkdir -p "$w/flat/p/q" "$w/flat/r"
k=0
for f in "$t"/c/src/*.txt; do
  case $((k % 3)) in 0) d=p ;; 1) d=p/q ;; *) d=r ;; esac
  h=$(($(wc -l <"$f") / 2))
  head -n "$h" "$f" >"$w/flat/$d/h$k.txt"
  tail -n +$((h + 1)) "$f" >"$w/flat/$d/t$k.txt"
  k=$((k + 1))
done
{ cat "$w/flat/r/h2.txt"; echo; tail -5 "$t/c/susp/00000.txt"; } >"$w/flat/p/q/pair.txt"
# (Relative paths, as above: the same ranks examine the same files in every run.)
(cd "$t" && "$OVL_BIN" scan --format json --no-families -o "$t/one.json" walk/flat 2>/dev/null)
(cd "$t" && OVERLAP_MPI_STATS="$t/paths.3" mpi 3 scan --format json --no-families -o "$t/mpi.json" walk/flat \
  >/dev/null 2>&1)
jq -e '(.pairs | length) == 3 and (.documents | length) == 5' "$t/one.json" >/dev/null && cmp -s "$t/one.json" "$t/mpi.json" &&
awk -F'\t' 'NR > 1 && ($10 == "" || $10 + 0 >= $11 + 0 || $11 != 33) {bad = 1}
  $1 == "keys" && $10 * 2 > $11 {bad = 1} END {exit bad || NR != 7}' "$t/paths.3" &&
  ok "paths held per rank, 3 ranks: $(awk -F'\t' 'NR > 1 {printf "%s %s of %s; ", $1, $10, $11}' "$t/paths.3")" ||
  bad "paths held per rank, 3 ranks: $(awk -F'\t' 'NR > 1 {printf "%s %s of %s; ", $1, $10, $11}' "$t/paths.3")"
# More ranks than files: two files on four ranks (two ranks with no document).
mkdir -p "$w/two/d"
cp "$t/c/src/00000.txt" "$w/two/x.txt"
{ head -20 "$t/c/src/00000.txt"; tail -10 "$t/c/susp/00000.txt"; } >"$w/two/d/y.txt"
"$OVL_BIN" scan --format json -o "$t/one.json" "$w/two" 2>/dev/null
st1=$?
for n in 3 4; do
  mpi "$n" scan --format json -o "$t/mpi.json" "$w/two" >/dev/null 2>&1
  stn=$?
  jq -e '(.pairs | length) == 1' "$t/one.json" >/dev/null && [ "$st1" = "$stn" ] && cmp -s "$t/one.json" "$t/mpi.json" &&
    ok "two files on $n ranks: identical bytes, status $stn" ||
    bad "two files on $n ranks: status $stn (one process $st1), $(cmp "$t/one.json" "$t/mpi.json" 2>&1 | head -1)"
done

# Families widened over the text beside their occurrences and families of one text joined
# (src/family.c reads the documents again): a notice whose first line the fingerprint merges
# with each file's own lines, in 60 files of their own words (one process: one family holding
# the whole notice). The rank owning its text reads those documents again, fetched from the
# ranks holding them. (rwords, line: tests/words.sh.)
mkdir -p "$t/wide"
for d in $(seq 0 59); do
  { rwords $((27000 + d)) 150; echo; echo; echo "Files: $(line $((28000 + d)) 10)"
    echo "Copyright: 2024 $(line $((29000 + d)) 11)"; echo
    echo "$(line 91 7)."; echo; echo "$(line 92 7)."; echo; echo "$(line 93 5):"; echo
    rwords 94 48; echo; echo; rwords $((35000 + d)) 150; } >"$t/wide/n$(printf %03d "$d").txt"
done
"$OVL_BIN" scan --format jsonl --passages all --max-df 20 -o "$t/one.jsonl" "$t/wide" 2>/dev/null
st1=$?
first=$(line 91 7)
jq -e --arg f "$first" 'select(has("family")) | .family | .documents == 60 and (.text | startswith($f))' \
  "$t/one.jsonl" >/dev/null || bad "widened family: one process does not give the whole notice"
for n in 2 3; do
  mpi "$n" scan --format jsonl --passages all --max-df 20 -o "$t/mpi.jsonl" "$t/wide" >/dev/null 2>&1
  stn=$?
  [ "$st1" = "$stn" ] && cmp -s "$t/one.jsonl" "$t/mpi.jsonl" &&
    ok "a family widened over its notice's first line on $n ranks: identical bytes, status $stn" ||
    bad "widened family on $n ranks: status $stn (one process $st1), $(cmp "$t/one.jsonl" "$t/mpi.jsonl" 2>&1 | head -1)"
done

# Families built and widened by the ranks owning their texts (src/mpi/famunits.c): ten
# notices, each in 6 of 30 files between words of their own, make ten families, whose texts
# fall to different ranks; the report is one process's, and some rank besides rank 0 builds
# families from occurrences it owns (families_input, per rank on the pairs row).
mkdir -p "$t/own"
for d in $(seq 0 29); do
  { rwords $((40000 + d)) 120; echo; echo; rwords $((500 + d % 10)) 60; echo; echo
    rwords $((41000 + d)) 120; echo; echo; rwords $((500 + (d + 3) % 10)) 60; echo; echo
    rwords $((42000 + d)) 120; } >"$t/own/f$(printf %02d "$d").txt"
done
"$OVL_BIN" scan --format json --max-df 4 -o "$t/one.json" "$t/own" 2>/dev/null
st1=$?
jq -e '(.families | length) == 10 and ([.families[] | .documents == 6] | all)' "$t/one.json" >/dev/null ||
  bad "ten notices: one process gives $(jq -c '[.families[] | .documents]' "$t/one.json" 2>&1)"
for n in 2 3; do
  OVERLAP_MPI_STATS="$t/own.$n" mpi "$n" scan --format json --max-df 4 -o "$t/mpi.json" "$t/own" >/dev/null 2>&1
  stn=$?
  fin=$(awk -F'\t' '$1 == "pairs" { print $16 }' "$t/own.$n")
  [ "$st1" = "$stn" ] && cmp -s "$t/one.json" "$t/mpi.json" &&
    echo "$fin" | awk -F, -v n="$n" '{ o = 0; for (k = 2; k <= NF; k++) o += $k > 0; exit !(NF == n && o >= 1) }' &&
    ok "ten families built by the ranks owning their texts on $n ranks: identical bytes, families input per rank $fin" ||
    bad "ten families on $n ranks: status $stn (one process $st1), families input per rank '$fin', $(cmp "$t/one.json" "$t/mpi.json" 2>&1 | head -1)"
  # The classes of recurring chunks are merged and resolved where their key groups pick
  # (src/mpi/classes.c): every class on one rank, none on all of them.
  cls=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i }
                    $1 == "pairs" { print $c["family_classes"] " " $c["family_units"] }' "$t/own.$n")
  echo "$cls" | awk -v n="$n" '{ k = split($1, v, ","); s = 0; most = 0
      for (i = 1; i <= k; i++) { s += v[i]; if (v[i] > most) most = v[i] }
      exit !(k == n && $2 > 0 && s == $2 && most < $2) }' &&
    ok "the classes of recurring chunks resolved over $n ranks: per rank ${cls% *} of ${cls#* }" ||
    bad "the classes over $n ranks: per rank and in all '$cls'"
done

# Families of one text joined by the ranks owning them (src/mpi/famsame.c): a template whose
# first window differs from page to page (tests/words.sh, template_pages) makes three
# families in one process's build, one family of 260 documents once joined. Their texts fall
# to different ranks: the members go to the rank owning the first (family_members_moved), and
# the report is one process's.
template_pages "$t/tpl" "$t/tplt"
"$OVL_BIN" scan --format jsonl --passages all -o "$t/one.jsonl" "$t/tpl" 2>/dev/null
st1=$?
jq -se '[.[] | select(has("family"))] | length == 1 and .[0].family.documents == 260' "$t/one.jsonl" >/dev/null ||
  bad "template of three first windows: one process does not give one family of 260"
for n in 2 3; do
  OVERLAP_MPI_STATS="$t/tpl.$n" mpi "$n" scan --format jsonl --passages all -o "$t/mpi.jsonl" "$t/tpl" >/dev/null 2>&1
  stn=$?
  moved=$(awk -F'\t' 'NR == 1 { for (k = 1; k <= NF; k++) c[$k] = k } $1 == "pairs" { print $c["family_members_moved"] }' "$t/tpl.$n")
  [ "$st1" = "$stn" ] && cmp -s "$t/one.jsonl" "$t/mpi.jsonl" && [ "${moved:-0}" -ge 1 ] &&
    ok "families of one text joined by the ranks owning them on $n ranks: identical bytes, $moved moved to their first's rank" ||
    bad "template's families on $n ranks: status $stn (one process $st1), moved '$moved', $(cmp "$t/one.jsonl" "$t/mpi.jsonl" 2>&1 | head -1)"
done

# The options struct through the library (tests/mpi/scan_mpi_api.c): NULL, key rounds of one
# document, group keys of two ranks numbered as one group, version 1 still read, group ids and
# keys both refused, an unknown version refused on every rank; the documents a rank holds: its share
# and those of its pairs, fetched from the ranks that read them (docs_held, docs_fetched);
# the corpus walked in parts (ovl_corpus_add_paths_mpi): shares, problems, paths held; the
# families' documents read a window of entries and records at a time; the families' units
# joined by every rank in step.
if [ -n "${OVL_MPI_API:-}" ]; then
  for n in 1 3; do
    ASAN_OPTIONS=$mpi_asan timeout 300 "$OVL_MPIEXEC" -n "$n" --oversubscribe "$OVL_MPI_API" >"$t/api.out" 2>"$t/api.err"
    st=$?
    sed "s/^\(ok  \|FAIL\) /\1 -n $n: /" "$t/api.out"
    [ "$st" = 0 ] && [ "$(grep -c '^ok' "$t/api.out")" = 16 ] && ! grep -q '^FAIL' "$t/api.out" ||
      bad "scan_mpi_api -n $n: status $st, $(grep -c '^ok' "$t/api.out") checks passed"
  done
else
  bad "OVL_MPI_API (the scan_mpi_api program) not given"
fi

# The corpus has what the comparison is meant to cover.
"$OVL_BIN" scan --format json --max-df 4 "$t/c" >"$t/one.json" 2>/dev/null
jq -e '(.families | length) >= 1 and (.copies | length) >= 2 and (.pairs | length) >= 10
       and ([.skipped[]?.path] | any(endswith("binary.dat")))' "$t/one.json" >/dev/null &&
  ok "corpus: families, identical and near copies, pairs and a file that cannot be read" ||
  bad "corpus lacks something: $(jq -c '{f: (.families | length), c: (.copies | length), p: (.pairs | length), s: .skipped}' "$t/one.json")"
# Standard output too (rank 0 writes, the others write nothing).
"$OVL_BIN" scan --format json --max-df 4 "$t/c" >"$t/one.stdout" 2>/dev/null
mpi 3 scan --format json --max-df 4 "$t/c" >"$t/mpi.stdout" 2>/dev/null
cmp -s "$t/one.stdout" "$t/mpi.stdout" && ok "standard output: identical with 3 ranks" ||
  bad "standard output differs with 3 ranks"
# The problem is told once, as the one-process scan tells it.
"$OVL_BIN" scan --max-df 4 -o "$t/one.txt" "$t/c" 2>"$t/one.err"
mpi 4 scan --max-df 4 -o "$t/mpi.txt" "$t/c" 2>"$t/mpi.err"
grep '^overlap' "$t/one.err" >"$t/one.msg"
grep '^overlap' "$t/mpi.err" >"$t/mpi.msg"
[ -s "$t/one.msg" ] && cmp -s "$t/one.msg" "$t/mpi.msg" && ok "problems on stderr: once, as one process says them" ||
  bad "stderr differs: $(head -3 "$t/mpi.msg") vs $(head -3 "$t/one.msg")"

# ---- Copy groups written as they are merged: rank 0 asks the owners for the names of a
# window of members at a time (--key-round 1: one document a window) and drops them once
# their groups are written, so its report run holds the documents the report names besides
# the copies. A group of 250 copies spread over every rank's share, three small ones, a near
# copy; the report is one process's in every format.
y="$t/cpy"
mkdir -p "$y/a" "$y/m/n" "$y/z"
for f in "$t"/c/src/*.txt; do cp "$f" "$y/a/s-${f##*/}"; done
for f in "$t"/c/susp/*.txt; do cp "$f" "$y/a/u-${f##*/}"; done
for i in $(seq 1 250); do cp "$t/c/src/00000.txt" "$y/m/n/k$i.txt"; done
for i in 1 2 3; do cp "$t/c/susp/00003.txt" "$y/z/s$i.txt"; cp "$t/c/src/00004.txt" "$y/m/v$i.txt"; done
sed -e '0,/ the / s// a /' -e '0,/ of / s// in /' "$t/c/src/00001.txt" >"$y/z/near.txt"
"$OVL_BIN" scan --format json -o "$t/one.json" "$y" 2>/dev/null
ncopies=$(jq '[.copies[].paths | length - 1] | add' "$t/one.json")
jq -e '(.copies | length) == 4 and ([.copies[].paths | length] | max) == 251 and any(.copies[]; .identical == false)
       and (.pairs | length) >= 5' "$t/one.json" >/dev/null &&
  ok "copy groups: $ncopies copies in 4 groups, one of 251 files, one of near copies" ||
  bad "copy groups corpus lacks something: $(jq -c '{c: [.copies[].paths | length], p: (.pairs | length)}' "$t/one.json")"
for fmt in text json jsonl html; do
  "$OVL_BIN" scan --format "$fmt" --color never -o "$t/one.$fmt" "$y" 2>"$t/one.err"
  st1=$?
  grep '^overlap' "$t/one.err" >"$t/one.msg"
  for n in 1 2 3 4; do
    OVERLAP_MPI_STATS="$t/cpy.stats" mpi "$n" scan --format "$fmt" --color never --key-round 1 -o "$t/mpi.$fmt" \
      "$y" >/dev/null 2>"$t/mpi.err"
    stn=$?
    grep '^overlap' "$t/mpi.err" >"$t/mpi.msg"
    # (From 2 ranks on, rank 0's share is under the copies: the most documents a rank held
    # in the results phase, its share and its report run, is too.)
    held=$(awk -F'\t' '$1 == "results" {print $8}' "$t/cpy.stats")
    under=1
    [ "$n" -gt 1 ] && { [ -n "$held" ] && [ "$held" -lt "$ncopies" ] || under=0; }
    if [ "$st1" = "$stn" ] && cmp -s "$t/one.$fmt" "$t/mpi.$fmt" && cmp -s "$t/one.msg" "$t/mpi.msg" && [ "$under" = 1 ]; then
      ok "copy groups a window at a time, $fmt -n $n: identical bytes and messages, status $stn, results held $held documents ($ncopies copies)"
    else
      bad "copy groups a window at a time, $fmt -n $n: status $stn (one process $st1), results held $held documents ($ncopies copies), $(cmp "$t/one.$fmt" "$t/mpi.$fmt" 2>&1 | head -1) $(diff "$t/one.msg" "$t/mpi.msg" | head -3)"
    fi
  done
done
# ... and with the default window (every group in one), the corpus not walked in parts.
for opts in "" "--lenient"; do
  # shellcheck disable=SC2086
  "$OVL_BIN" scan --format jsonl $opts -o "$t/one.jsonl" "$y" 2>/dev/null
  # shellcheck disable=SC2086
  mpi 3 scan --format jsonl $opts -o "$t/mpi.jsonl" "$y" >/dev/null 2>&1
  cmp -s "$t/one.jsonl" "$t/mpi.jsonl" && ok "copy groups in one window ($opts) -n 3: identical bytes" ||
    bad "copy groups in one window ($opts) -n 3: $(cmp "$t/one.jsonl" "$t/mpi.jsonl" 2>&1 | head -1)"
done

# ---- Failures: status 2, a clear message, the old report left in place --------------------
echo "previous report" >"$t/keep.json"
mkdir -p "$t/other/sub"
cp "$t/c/src/00003.txt" "$t/other/sub/"
# Ranks that do not see the same files (MPMD: rank 0 and rank 1 given other directories).
ASAN_OPTIONS=$mpi_asan timeout 300 "$OVL_MPIEXEC" --oversubscribe -n 1 "$OVL_MPI_BIN" scan --format json -o "$t/keep.json" "$t/c" : \
  -n 1 "$OVL_MPI_BIN" scan --format json -o "$t/keep.json" "$t/other" >"$t/out" 2>"$t/err"
st=$?
[ "$st" = 2 ] && grep -q "overlap: scan: rank 0: the ranks do not see the same files" "$t/err" &&
  [ "$(cat "$t/keep.json")" = "previous report" ] && [ -z "$(ls "$t" | grep 'keep.json.tmp')" ] &&
  ok "ranks seeing other files: status 2, message, old report kept" ||
  bad "ranks seeing other files: status $st, $(grep overlap "$t/err" | head -2), report: $(head -c 40 "$t/keep.json")"
# A report path rank 0 cannot write: the job ends (status 2), no rank waits for it.
mpi 2 scan --format json -o "$t/no/such/dir/r.json" "$t/c" >"$t/out" 2>"$t/err"
st=$?
[ "$st" = 2 ] && grep -q "overlap: .*no/such/dir/r.json" "$t/err" && ok "unwritable report path: status 2" ||
  bad "unwritable report path: status $st, $(grep overlap "$t/err" | head -2)"

finish
