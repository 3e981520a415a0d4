#!/usr/bin/env bash
# CLI tests for overlap-mpi scan --lenient: the replaced byte sequences counted where each rank read its share, told by rank 0 in document order, the bytes and messages of `overlap scan --lenient` on 1-4 ranks, the corpus walked in parts (no rank holding every file list entry).
set -u
: "${OVL_BIN:?}" "${OVL_MPI_BIN:?}" "${OVL_MPIEXEC:?}"
bindir=$(dirname "$OVL_BIN")
gen="$bindir/bench/ovl-gen"
[ -x "$gen" ] || { echo "ovl-gen not built: skipped"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
. "$(dirname "$0")/../checks.sh"
. "$(dirname "$0")/../mpirun.sh"

# 48 documents with planted reuse dealt over directories; invalid byte sequences (1 to 3)
# put in every UTF-8 one of about a third of them, in several directories, so that every
# rank's share has some; an identical copy of such a file, and a file that cannot be read.
"$gen" --seed 13 --lang en --docs 24 --out "$t/c" >/dev/null 2>&1 || { bad "ovl-gen failed"; exit 1; }
k=0 total=0 files=0
: >"$t/want"
for f in "$t"/c/src/*.txt "$t"/c/susp/*.txt; do
  d="$t/g/d$((k % 3))"
  [ $((k % 4)) = 0 ] && d="$d/sub"
  mkdir -p "$d"
  g="$d/f$(printf %02d $k).txt"
  if [ $((k % 3)) = $((k % 2)) ] && iconv -f UTF-8 -t UTF-8 "$f" >/dev/null 2>&1 && ! grep -q "$(printf '\r')" "$f"; then
    r=$((k % 5 % 3 + 1))
    # (First, after valid UTF-8 sequences: a damaged UTF-8 file, not Windows-1252.)
    { printf 'caf\xc3\xa9, d\xc3\xa9j\xc3\xa0 vu \xe2\x80\x94 '
      case $r in 1) printf '\xff\n' ;; 2) printf '\xfe x \x80\n' ;; *) printf '\xc3 \xff \xe4\xb8\n' ;; esac
      cat "$f"; } >"$g"
    echo "$g $r" >>"$t/want"
    total=$((total + r)) files=$((files + 1))
  else
    cp "$f" "$g"
  fi
  k=$((k + 1))
done
docs=$k
f0=$(head -1 "$t/want")
cp "${f0% *}" "$t/g/d2/copy.txt"
echo "$t/g/d2/copy.txt ${f0##* }" >>"$t/want"
printf 'binary\0data\0' >"$t/g/d1/binary.dat"
total=$((total + ${f0##* })) files=$((files + 1)) docs=$((docs + 2))
plural() { [ "$1" = 1 ] && echo "$1 $2" || echo "$1 ${2}s"; }
want_total="overlap: scan: --lenient: $(plural "$total" "invalid byte sequence") replaced with U+FFFD in $(plural "$files" file)"

# One process first: a line per file with replacements (its exact count), in name order,
# after the problem, then the total.
"$OVL_BIN" scan --lenient --format json -o "$t/one.json" "$t/g" 2>"$t/one.err"
grep -- '--lenient: [0-9]* invalid byte sequences\? replaced with U+FFFD$' "$t/one.err" |
  sed -e 's/^overlap: //' -e 's/: --lenient: / /' -e 's/ invalid byte.*//' >"$t/got"
[ "$(LC_ALL=C sort "$t/got")" = "$(LC_ALL=C sort "$t/want")" ] && [ "$(tail -1 "$t/one.err")" = "$want_total" ] &&
  [ "$files" -ge 8 ] && grep -q 'binary.dat: byte 6: NUL byte' "$t/one.err" &&
  [ "$(grep -c . "$t/one.err")" = $((files + 2)) ] && [ "$(head -1 "$t/one.err" | grep -c binary.dat)" = 1 ] &&
  ok "one process: the problem, then $files lines with their counts, then the total ($total sequences)" ||
  bad "one process: $(diff <(LC_ALL=C sort "$t/want") <(LC_ALL=C sort "$t/got") | head -4), last: $(tail -1 "$t/one.err"), want: $want_total"

# 1 to 4 ranks: the same report, messages and status; windows of one file (--key-round 1)
# and the default.
for kr in "" "--key-round 1"; do
  for fmt in json text; do
    # shellcheck disable=SC2086
    "$OVL_BIN" scan --lenient --format "$fmt" --color never -o "$t/one.$fmt" "$t/g" 2>"$t/one.err"
    st1=$?
    grep '^overlap' "$t/one.err" >"$t/one.msg"
    for n in 1 2 3 4; do
      # shellcheck disable=SC2086
      OVERLAP_MPI_STATS="$t/stats.$n" mpi "$n" scan --lenient --format "$fmt" --color never $kr -o "$t/mpi.$fmt" \
        "$t/g" >/dev/null 2>"$t/mpi.err"
      stn=$?
      grep '^overlap' "$t/mpi.err" >"$t/mpi.msg"
      if [ "$st1" = "$stn" ] && cmp -s "$t/one.$fmt" "$t/mpi.$fmt" && cmp -s "$t/one.msg" "$t/mpi.msg"; then
        ok "--lenient $kr $fmt -n $n: identical bytes and messages, status $stn"
      else
        bad "--lenient $kr $fmt -n $n: status $stn (one process $st1), $(cmp "$t/one.$fmt" "$t/mpi.$fmt" 2>&1 | head -1) $(diff "$t/one.msg" "$t/mpi.msg" | head -4)"
      fi
    done
  done
done

# Walked in parts with --lenient too: on 3 ranks no rank held every file list entry from the
# walk to the balance, and after the walk a rank held about its share (at most half); before,
# --lenient made every rank walk the whole tree and hold every entry throughout. (The runs
# that align and report add the entries of their pairs' documents, most of this corpus.)
# (The tree given relative to $t: the rank examining each file, picked by its path's hash, is
# then the same in every run; under a random temporary name a rank of three could examine
# and then receive nearly every entry.)
(cd "$t" && "$OVL_BIN" scan --lenient --format json -o "$t/one.json" g 2>/dev/null)
(cd "$t" && OVERLAP_MPI_STATS="$t/paths.3" mpi 3 scan --lenient --format json -o "$t/mpi.json" g >/dev/null 2>&1)
awk -F'\t' -v docs="$docs" 'NR > 1 && $1 != "align" && $1 != "results" && ($10 == "" || $10 + 0 >= $11 + 0 || $11 != docs) {bad = 1}
  ($1 == "keys" || $1 == "pairs") && $10 * 2 > $11 {bad = 1} END {exit bad || NR != 7}' "$t/paths.3" &&
  cmp -s "$t/one.json" "$t/mpi.json" &&
  ok "--lenient, paths held per rank, 3 ranks: $(awk -F'\t' 'NR > 1 {printf "%s %s of %s; ", $1, $10, $11}' "$t/paths.3")" ||
  bad "--lenient, paths held per rank, 3 ranks: $(awk -F'\t' 'NR > 1 {printf "%s %s of %s; ", $1, $10, $11}' "$t/paths.3")"

finish
