#!/usr/bin/env bash
# CLI tests for overlap-mpi's copy groups: a chain of near copies whose links cross every rank's share and identical groups led by the first and the last ranks are found and written as one process writes them, each rank holding only the copies of the groups it leads.
set -u
: "${OVL_BIN:?}" "${OVL_MPI_BIN:?}" "${OVL_MPIEXEC:?}"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
. "$(dirname "$0")/../checks.sh"
. "$(dirname "$0")/../words.sh"
. "$(dirname "$0")/../mpirun.sh"

# ---- The corpus ------------------------------------------------------------------------------
# 16 versions of a text, each the last 29 lines of the one before and a new line: a version is
# a near copy of the next (29 of 31 lines shared: similarity about 0.94) but not of versions a
# few steps away (0.33 to the last), so the group is one only through its links. Their names
# scatter them over the name order (version k is file c-NN with NN = 7k mod 16), so each link
# crosses shares; 40 files of their own words lie between them.
mkdir -p "$t/c"
for k in $(seq 0 15); do
  name=$(printf 'c-%02d' $(((7 * k) % 16)))
  for l in $(seq 0 29); do line $((500 + k + l)) 12; echo; done >"$t/c/$name-v$(printf %02d "$k").txt"
done
for i in $(seq 0 39); do
  rwords $((700 + i)) 360 >"$t/c/$(printf 'c-%02d' $((i % 16)))-own-$(printf %02d "$i").txt"
done
# Identical copies: a group whose first is the corpus's first file (5 more scattered over the
# shares), one whose first is near the end (3 more after it, on the last share).
rwords 900 300 >"$t/c/a-first.txt"
for x in 03 06 09 12 15; do cp "$t/c/a-first.txt" "$t/c/c-$x-copy.txt"; done
rwords 901 300 >"$t/c/z-0.txt"
for x in 1 2 3; do cp "$t/c/z-0.txt" "$t/c/z-$x.txt"; done
near=0.85
ncopies=$((15 + 5 + 3))

# ---- One process: the groups this corpus holds --------------------------------------------------
"$OVL_BIN" scan --format json --near-copies "$near" -o "$t/one.json" "$t/c" 2>"$t/one.err"
st1=$?
groups=$(jq -c '[.copies[] | {n: (.paths | length), first: (.paths[0] | sub(".*/"; "")), identical,
                 low: ((.similarity // [1]) | min)}]' "$t/one.json")
want='[{"n":6,"first":"a-first.txt","identical":true,"low":1},'
want=$want'{"n":16,"first":"c-00-v00.txt","identical":false,"low":LOW},'
want=$want'{"n":4,"first":"z-0.txt","identical":true,"low":1}]'
low=$(jq '.copies[1].similarity | min' "$t/one.json")
# (Status 0: copies alone are not reuse between documents.)
if [ "$st1" = 0 ] && [ "$groups" = "${want/LOW/$low}" ] && jq -e --argjson s "$near" '.copies[1].similarity | min < $s' "$t/one.json" >/dev/null; then
  ok "one process: the chain of 16 versions is one group (its least similarity to the first $low, under $near), identical groups of 6 and 4"
else
  bad "one process: status $st1, groups $groups"
fi

# ---- 1 to 4 ranks: the same bytes; each rank holds the copies of the groups it leads ----------
for fmt in jsonl json text; do
  "$OVL_BIN" scan --format "$fmt" --color never --near-copies "$near" -o "$t/one.$fmt" "$t/c" 2>/dev/null
  for n in 1 2 3 4; do
    OVERLAP_MPI_STATS="$t/st.$n" mpi "$n" scan --format "$fmt" --color never --near-copies "$near" \
      -o "$t/mpi.$fmt" "$t/c" >/dev/null 2>"$t/mpi.err"
    stn=$?
    if [ "$stn" = "$st1" ] && cmp -s "$t/one.$fmt" "$t/mpi.$fmt"; then
      ok "$fmt -n $n: identical bytes, status $stn"
    else
      bad "$fmt -n $n: status $stn, $(cmp "$t/one.$fmt" "$t/mpi.$fmt" 2>&1 | head -1); $(grep overlap "$t/mpi.err" | head -2)"
    fi
    [ "$fmt" = jsonl ] || continue
    read -r led rounds < <(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i }
                                      $1 == "fingerprint" { print $c["copies_led"], $c["near_rounds"] }' "$t/st.$n")
    IFS=, read -r -a per <<<"$led"
    sum=0 most=0 leading=0
    for x in "${per[@]}"; do
      sum=$((sum + x)); [ "$x" -gt "$most" ] && most=$x; [ "$x" -gt 0 ] && leading=$((leading + 1))
    done
    # (From 2 ranks on the chain's first and the corpus's first are on rank 0 and z-0 on the
    # last rank: at least two ranks lead groups, and none holds every copy.)
    if [ "${#per[@]}" = "$n" ] && [ "$sum" = "$ncopies" ] && { [ "$n" = 1 ] || { [ "$leading" -ge 2 ] && [ "$most" -lt "$ncopies" ]; }; } &&
      [ "$rounds" -ge 3 ]; then
      ok "-n $n: copies held by the ranks leading their groups: $led of $ncopies; near-copy firsts found in $rounds rounds"
    else
      bad "-n $n: copies held per rank $led (of $ncopies), $rounds rounds"
    fi
  done
done

# ---- Copy groups written a window of one document at a time (--key-round 1) ------------------
for n in 2 3; do
  mpi "$n" scan --format jsonl --near-copies "$near" --key-round 1 -o "$t/mpi.jsonl" "$t/c" >/dev/null 2>&1
  cmp -s "$t/one.jsonl" "$t/mpi.jsonl" && ok "--key-round 1 -n $n: identical bytes" ||
    bad "--key-round 1 -n $n: $(cmp "$t/one.jsonl" "$t/mpi.jsonl" 2>&1 | head -1)"
done
finish
