#!/usr/bin/env bash
# bench_smoke.sh - seconds-long run of the benchmark harness (bench/run.sh --quick) on the test build: every section runs and the accuracy pipeline finds verbatim copies.
set -euo pipefail
: "${OVL_BUILD:?}" "${OVL_SRC:?}"
for t in bench/ovl-gen bench/ovl-eval bench/bench_stages; do
  [ -x "$OVL_BUILD/$t" ] || { echo "skip: $OVL_BUILD/$t not built (OVL_BUILD_BENCH=OFF?)"; exit 77; }
done
command -v python3 >/dev/null || { echo "skip: bench/eval.sh needs python3"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
log=$out/run.log
OVL_OUT=$out bash "$OVL_SRC/bench/run.sh" --quick --build "$OVL_BUILD" >"$log" 2>&1 || {
  cat "$log"; echo "FAIL: run.sh --quick exited $?"; exit 1; }

fail() { cat "$log"; echo "FAIL: $*"; exit 1; }
for s in machine ingest stages fingerprint scan index "accuracy: en"; do
  grep -q "^== $s" "$log" || fail "section '$s' missing"
done
# Every stage of bench_stages reports a positive throughput for English (always generated).
en_stages=$(sed -n '/^en: /,/^  report/p' "$log")
for st in ingest fingerprint candidates align report; do
  mbs=$(awk -v s="$st" '$1 == s {print $5}' <<<"$en_stages")
  [ -n "$mbs" ] || fail "bench_stages en: no '$st' row"
  awk -v v="$mbs" 'BEGIN {exit !(v > 0)}' || fail "bench_stages en: $st throughput '$mbs'"
done
# The generated truth must be found again: verbatim copies are the floor of any detector, so
# a recall under 0.9 there means the harness lost its way (paths, pairs, report parsing).
acc=$(sed -n '/^== accuracy: en/,$p' "$log")
row=$(awk '$1 == "verbatim" {print; exit}' <<<"$acc")
[ -n "$row" ] || fail "eval en: no verbatim row"
awk '{exit !($4 >= 0.9 && $4 <= 1 && $8 >= 0 && $8 <= 1)}' <<<"$row" || fail "eval en: verbatim row '$row'"
awk '$1 == "all" {found = 1; if (!($8 > 0 && $8 <= 1)) exit 1} END {exit !found}' <<<"$acc" ||
  fail "eval en: no plagdet in (0,1] for all cases"
grep -q -- '--min-words 8 \*' <<<"$acc" || fail "eval en: default setting row missing"
# Generated corpora and reports stay in the output directory given, never in the tree.
[ -d "$out/eval-en-s1/corpus/susp" ] || fail "eval.sh did not write under OVL_OUT"
# bench/alternate.sh: two commands in turn, a line per measured run and the medians; a
# command that fails is told, not fatal; wrong arguments are refused.
alt=$(bash "$OVL_SRC/bench/alternate.sh" -n 3 --warmup 0 -- sleep 0.3 -- sh -c 'sleep 0.1; exit 3' 2>&1) ||
  { echo "$alt"; fail "alternate.sh exited $?"; }
[ "$(grep -c '^run [123]: A .* status 0; B .* status 3$' <<<"$alt")" = 3 ] || { echo "$alt"; fail "alternate.sh: run lines"; }
awk '$1 == "A/B" && $2 == "wall" {found = 1; if (!($6 > 1.5 && $6 < 4)) exit 1} END {exit !found}' <<<"$alt" ||
  { echo "$alt"; fail "alternate.sh: A/B wall median not about 3"; }
bash "$OVL_SRC/bench/alternate.sh" -n 2 -- true >/dev/null 2>&1 && fail "alternate.sh took one command"
echo "bench smoke ok: $(awk '$1 == "all" {print "en plagdet " $8; exit}' <<<"$acc")"
