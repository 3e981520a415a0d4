#!/usr/bin/env bash
# bench_index_add.sh - times `overlap index add` of many small files (10-40 words each), to show add is linear in documents.
#
# usage: bench/bench_index_add.sh [FILES...]   (default: 100000; e.g. 25000 50000 100000)
# env:   OVL_BUILD  build directory holding overlap (default: build)
# The files are generated once (seeded awk, so the same every time) into
# bench/out/index-add-<N>/ (git-ignored): English-like words from a fixed 3,000-word
# vocabulary, 10 to 40 per file, 1,000 files per subdirectory. Each run adds them to a new
# index and prints wall seconds, documents per second, microseconds per document and peak RSS;
# for a linear add, microseconds per document stay flat as FILES grows.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
build=${OVL_BUILD:-$src/build}
case $build in /*) ;; *) build=$src/$build ;; esac
bin=$build/overlap
[ -x "$bin" ] || { echo "bench_index_add: build overlap first ($build)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench_index_add: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
[ $# -gt 0 ] || set -- 100000

printf '%8s %9s %9s %9s %8s\n' "files" "seconds" "docs/s" "us/doc" "peak_MB"
for n in "$@"; do
  dir=$src/bench/out/index-add-$n
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    awk -v n="$n" -v dir="$dir" 'BEGIN {
      srand(20261129);
      split("th er on an re he in ed nd ha at en es of or nt ea ti to it st io le is ou ar as de rt ve", syl, " ");
      for (w = 1; w <= 3000; w++) {
        k = 1 + int(rand() * 3); s = "";
        for (j = 0; j < k; j++) s = s syl[1 + int(rand() * 30)];
        voc[w] = s;
      }
      for (f = 0; f < n; f++) {
        sub_ = sprintf("%s/%03d", dir, int(f / 1000));
        if (f % 1000 == 0) system("mkdir -p " sub_);
        path = sprintf("%s/%06d.txt", sub_, f);
        words = 10 + int(rand() * 31); line = "";
        for (j = 0; j < words; j++) line = line (j ? " " : "") voc[1 + int(rand() * 3000)];
        print line "." > path;
        close(path);
      }
    }' || { echo "bench_index_add: generating $n files failed" >&2; exit 2; }
    touch "$dir/.done"
  fi
  db=$(mktemp -u "${TMPDIR:-/tmp}/bench-index-add-XXXXXX.db")
  tv=$(mktemp)
  sync
  /usr/bin/time -v "$bin" index add --db "$db" "$dir" >/dev/null 2>"$tv"
  st=$?
  if [ "$st" -ne 0 ]; then
    echo "bench_index_add: index add failed (status $st):" >&2; tail -5 "$tv" >&2; rm -f "$db"* "$tv"; exit 2
  fi
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$tv")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$tv")
  awk -v n="$n" -v s="$secs" -v r="$rss" \
    'BEGIN {printf "%8d %9.2f %9.0f %9.1f %8s\n", n, s, (s > 0 ? n / s : 0), s * 1e6 / n, r}'
  rm -f "$db" "$db-wal" "$db-shm" "$tv"
done
