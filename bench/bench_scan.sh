#!/usr/bin/env bash
# bench_scan.sh - times `overlap scan` on generated Chinese corpora of given sizes (seconds, MB/s, peak RSS, pairs).
#
# usage: bench/bench_scan.sh [SIZE_MB...]   (default: 64; e.g. 64 256 1024)
# env:   OVL_BUILD  build directory holding overlap and bench/ovl-gen (default: build)
#        JOBS       -j for the scan (default 2)
# Corpora are generated once (seeded, so the same every time) into bench/data/scan-zh-<N>M/
# (git-ignored) from ../shared/corpora/csl; the script exits 77 when that is missing.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
build=${OVL_BUILD:-$src/build}
case $build in /*) ;; *) build=$src/$build ;; esac
bin=$build/overlap
gen=$build/bench/ovl-gen
jobs=${JOBS:-2}
csl=${OVL_CSL:-$src/../shared/corpora/csl}
[ -x "$bin" ] && [ -x "$gen" ] || { echo "bench_scan: build overlap and ovl-gen first ($build)" >&2; exit 2; }
[ -f "$csl/abstracts.txt" ] || { echo "bench_scan: $csl/abstracts.txt missing; skipped" >&2; exit 77; }
[ -x /usr/bin/time ] || { echo "bench_scan: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
[ $# -gt 0 ] || set -- 64

printf '%8s %9s %8s %9s %8s %7s\n' "size_MB" "seconds" "MB/s" "peak_MB" "pairs" "files"
for mb in "$@"; do
  dir=$src/bench/data/scan-zh-${mb}M
  if [ ! -f "$dir/truth.tsv" ]; then
    OVL_CSL=$csl "$gen" --seed 1 --lang zh --bytes "${mb}M" --out "$dir" >/dev/null ||
      { echo "bench_scan: ovl-gen failed for ${mb} MB" >&2; exit 2; }
  fi
  files=$(find "$dir/src" "$dir/susp" -type f | wc -l)
  bytes=$(find "$dir/src" "$dir/susp" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
  out=$(mktemp)
  tv=$(mktemp)
  sync
  /usr/bin/time -v "$bin" scan --no-progress --passages all --format jsonl -o "$out" -j"$jobs" "$dir/src" "$dir/susp" \
    2>"$tv" >/dev/null
  st=$?
  if [ "$st" -gt 1 ]; then
    echo "bench_scan: scan failed (status $st) on ${mb} MB:" >&2; tail -5 "$tv" >&2; rm -f "$out" "$tv"; exit 2
  fi
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$tv")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$tv")
  # Pairs: the pair records of the JSON lines.
  pairs=$(grep -c '^{"pair"' "$out")
  awk -v mb="$bytes" -v s="$secs" -v r="$rss" -v p="$pairs" -v f="$files" \
    'BEGIN {m = mb / 1048576; printf "%8.1f %9.2f %8.2f %9s %8s %7s\n", m, s, (s > 0 ? m / s : 0), r, p, f}'
  rm -f "$out" "$tv"
done
