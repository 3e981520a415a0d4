#!/usr/bin/env bash
# bench_scan_memory.sh - peak memory of `overlap scan` as its output grows: documents sharing many passages with each other.
#
# usage: bench/bench_scan_memory.sh [DOCS...]   (default: 40 80 160)
# env:   OVL_BUILD  build directory holding overlap (default: build)
#        OVL_BASE   another overlap binary (e.g. a build from before the corpus engine) run on
#                   the same corpora with --max-df 0 (its other defaults): its peak beside ours
# Each corpus has DOCS documents made of the same 30 paragraphs of made-up words (seeded) in a
# different order, each document with its own edits and filler, so every pair shares about 30
# passages: the passages grow with DOCS^2 while the input grows with DOCS. Families and near
# copies are turned off and every passage is written (--max-df 0 --near-copies 0 --passages
# all), so the scan must align and report all of them. Prints documents, MB in, passages,
# MB out, seconds and peak RSS (GNU time); then the peak of the same scan writing the passages
# of one pair only (--top 1: the same alignment, almost no output) and, with OVL_BASE, the
# other binary's peak. Corpora go to bench/data/scan-mem-<DOCS>/.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
build=${OVL_BUILD:-$src/build}
case $build in /*) ;; *) build=$src/$build ;; esac
bin=$build/overlap
[ -x "$bin" ] || { echo "bench_scan_memory: build overlap first ($build)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench_scan_memory: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
[ $# -gt 0 ] || set -- 40 80 160
printf '%6s %8s %10s %8s %8s %9s %10s %9s\n' docs MB_in passages MB_out seconds peak_MB top1_peak base_peak
for n in "$@"; do
  dir=$src/bench/data/scan-mem-$n
  if [ ! -d "$dir" ]; then
    mkdir -p "$dir"
    awk -v n="$n" -v dir="$dir" 'function rnd() { x = (x * 1103515245 + 12345) % 2147483648; return x }
      function words(k,   s, i) { s = ""; for (i = 0; i < k; i++) s = s sprintf("%sq%d", (i ? " " : ""), rnd() % 60000) (i % 11 == 10 ? "." : ""); return s }
      BEGIN {
        x = 12345
        for (p = 0; p < 30; p++) para[p] = words(80)
        for (d = 0; d < n; d++) {
          f = sprintf("%s/d%04d.txt", dir, d)
          for (p = 0; p < 30; p++) ord[p] = p
          for (p = 29; p > 0; p--) { q = rnd() % (p + 1); t = ord[p]; ord[p] = ord[q]; ord[q] = t }
          for (p = 0; p < 30; p++) {
            line = para[ord[p]]
            # one edited word per paragraph, different in each document
            m = split(line, w, " "); w[rnd() % m + 1] = sprintf("e%d", rnd() % 1000000)
            s = w[1]; for (i = 2; i <= m; i++) s = s " " w[i]
            print words(40) "\n\n" s "\n" > f
          }
          close(f)
        }
      }'
  fi
  mb=$(du -sb "$dir" | awk '{printf "%.1f", $1 / 1e6}')
  out=$(mktemp) tv=$(mktemp)
  /usr/bin/time -v "$bin" scan --no-progress -j2 --max-df 0 --near-copies 0 --passages all \
    --format jsonl -o "$out" "$dir" 2>"$tv" >/dev/null
  st=$?
  [ "$st" -le 1 ] || { echo "bench_scan_memory: scan failed ($st)" >&2; tail -3 "$tv" >&2; exit 2; }
  passages=$(grep -vc '^{"pair"' "$out")
  mbout=$(du -sb "$out" | awk '{printf "%.1f", $1 / 1e6}')
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$tv")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$tv")
  peak() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.0f", $1 / 1024}'; }
  top1=$(peak "$bin" scan --no-progress -j2 --max-df 0 --near-copies 0 --top 1 --format jsonl -o "$out" "$dir")
  base=-
  [ -n "${OVL_BASE:-}" ] && base=$(peak "$OVL_BASE" scan --no-progress -j2 --max-df 0 --format jsonl -o "$out" "$dir")
  printf '%6s %8s %10s %8s %8s %9s %10s %9s\n' "$n" "$mb" "$passages" "$mbout" "$secs" "$rss" "$top1" "$base"
  rm -f "$out" "$tv"
done
