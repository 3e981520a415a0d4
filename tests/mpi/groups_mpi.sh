#!/usr/bin/env bash
# CLI tests for overlap-mpi's --group and --group-by-dir: pairs of one group dropped where their band keys meet (each record carrying its document's group id), the bytes of `overlap scan` on 1-4 ranks, no rank holding every document's group id.
set -u
: "${OVL_BIN:?}" "${OVL_MPI_BIN:?}" "${OVL_MPIEXEC:?}"
bindir=$(dirname "$OVL_BIN")
gen="$bindir/bench/ovl-gen"
[ -x "$gen" ] || { echo "ovl-gen not built: skipped"; exit 77; }
command -v jq >/dev/null || { echo "jq not installed: skipped"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
. "$(dirname "$0")/../checks.sh"
. "$(dirname "$0")/../mpirun.sh"

# 80 documents with planted reuse (40 sources, 40 suspicious documents) dealt over four
# directories and their sub-directories, so that some reusing pairs have both documents in
# one directory (one group with --group-by-dir, or with --group's first directory).
"$gen" --seed 11 --lang en --docs 40 --out "$t/c" >/dev/null 2>&1 || { bad "ovl-gen failed"; exit 1; }
k=0
for f in "$t"/c/src/*.txt "$t"/c/susp/*.txt; do
  d="$t/g/d$((k % 4))"
  [ $((k % 3)) = 0 ] && d="$d/sub"
  mkdir -p "$d"
  cp "$f" "$d/f$k.txt"
  k=$((k + 1))
done
docs=$k

pairs() { jq '.pairs | length' "$1"; }
# A column of OVERLAP_MPI_STATS's figures by its name: "phase value" lines.
col() { awk -F'\t' -v name="$2" 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == name) c = i; next}
  {print $1, (c ? $c : "")}' "$1"; }
"$OVL_BIN" scan --format json -o "$t/none.json" "$t/g" 2>/dev/null
p0=$(pairs "$t/none.json")
set -f # (the regex goes to overlap as it is)
gopts=("--group-by-dir" "--group ^.*/d([0-9])/" "--group-by-dir --lenient")
for opts in "${gopts[@]}"; do
  # One process: the groups remove pairs (those of two documents of one group).
  # shellcheck disable=SC2086
  "$OVL_BIN" scan --format json $opts -o "$t/one.json" "$t/g" 2>"$t/one.err"
  st1=$?
  p1=$(pairs "$t/one.json")
  [ -n "$p1" ] && [ -n "$p0" ] && [ "$p1" -gt 0 ] && [ "$p1" -lt "$p0" ] &&
    ok "$opts, one process: $p1 pairs, $p0 without groups" || bad "$opts, one process: $p1 pairs, $p0 without groups"
  for fmt in json text; do
    # shellcheck disable=SC2086
    [ "$fmt" = json ] || "$OVL_BIN" scan --format "$fmt" --color never $opts -o "$t/one.$fmt" "$t/g" 2>/dev/null
    for n in 1 2 3 4; do
      # shellcheck disable=SC2086
      OVERLAP_MPI_STATS="$t/stats.$n" mpi "$n" scan --format "$fmt" --color never $opts -o "$t/mpi.$fmt" "$t/g" \
        >/dev/null 2>"$t/mpi.err"
      stn=$?
      # The most group ids (and keys) a rank held in any phase, of the corpus's documents.
      held=$(col "$t/stats.$n" groups_held_max | awk '$2 + 0 > m {m = $2 + 0} END {print m + 0}')
      if [ "$st1" = "$stn" ] && cmp -s "$t/one.$fmt" "$t/mpi.$fmt"; then
        ok "$opts $fmt -n $n: identical bytes, status $stn, group ids held $held of $docs"
      else
        bad "$opts $fmt -n $n: status $stn (one process $st1), $(cmp "$t/one.$fmt" "$t/mpi.$fmt" 2>&1 | head -1); $(grep overlap "$t/mpi.err" | head -2)"
      fi
    done
  done
  # Every rank held its share's ids: one rank all of them, three ranks each less than the
  # corpus's documents (its share's ids, and while they were numbered its keys and those
  # it numbered for the others), and none after the band keys were sent.
  h1=$(col "$t/stats.1" groups_held_max | awk '$1 == "fingerprint" {print $2}')
  col "$t/stats.3" groups_held_max | awk -v docs="$docs" '$2 == "" || $2 + 0 >= docs ||
    ($1 != "fingerprint" && $1 != "keys" && $2 != 0) {bad = 1}
    $1 == "fingerprint" && $2 + 0 < 1 {bad = 1} END {exit bad || NR != 6}' &&
    [ -n "$h1" ] && [ "$h1" -ge "$docs" ] &&
    ok "$opts: group ids held, 3 ranks: $(col "$t/stats.3" groups_held_max | tr '\n' ';')(1 rank: $h1) of $docs" ||
    bad "$opts: group ids held, 3 ranks: $(col "$t/stats.3" groups_held_max | tr '\n' ';')(1 rank: $h1) of $docs"
done
set +f
# Without groups no rank holds any.
OVERLAP_MPI_STATS="$t/stats.none" mpi 3 scan --format json -o "$t/mpi.json" "$t/g" >/dev/null 2>&1
cmp -s "$t/none.json" "$t/mpi.json" &&
  col "$t/stats.none" groups_held_max | awk '$2 != "0" {bad = 1} END {exit bad || NR != 6}' &&
  ok "no groups, -n 3: identical bytes, no group ids held" ||
  bad "no groups, -n 3: $(cmp "$t/none.json" "$t/mpi.json" 2>&1 | head -1) $(col "$t/stats.none" groups_held_max | tr '\n' ' ')"

finish
