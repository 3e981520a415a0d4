#!/usr/bin/env bash
# bench_json_tail.sh - peak memory of `overlap scan --format json` on a corpus made of large groups of identical files, where the report's "copies" section is most of the output.
#
# usage: bench/bench_json_tail.sh DIR [GROUPS [MEMBERS [ROUNDS]]]   (default: 200 groups of 500, 2 rounds)
# env:   OVL_BUILD  build directory holding overlap (default: build)
#        OVL_BASE   another overlap binary, run alternately with ours on the same corpus; its
#                   report must be the same bytes
# DIR receives the corpus (GROUPS directories of MEMBERS identical files with long names, each
# group its own made-up text; made once) and the reports. Prints, per run, the binary, CPU
# seconds (user + system), peak RSS (GNU time) and the report's size.
set -u
[ $# -ge 1 ] || { sed -n '3,9p' "$0" >&2; exit 2; }
src=$(cd "$(dirname "$0")/.." && pwd)
build=${OVL_BUILD:-$src/build}
case $build in /*) ;; *) build=$src/$build ;; esac
bin=$build/overlap
[ -x "$bin" ] || { echo "bench_json_tail: build overlap first ($build)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench_json_tail: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
dir=$1 groups=${2:-200} members=${3:-500} rounds=${4:-2}
corpus=$dir/copies-${groups}x$members
if [ ! -e "$corpus/.complete" ]; then
  rm -rf "$corpus"
  mkdir -p "$corpus"
  awk -v g="$groups" -v m="$members" -v dir="$corpus" 'function rnd() { x = (x * 1103515245 + 12345) % 2147483648; return x }
    BEGIN {
      x = 4242
      for (i = 0; i < g; i++) {
        d = sprintf("%s/group-%04d", dir, i)
        system("mkdir -p " d)
        text = ""
        for (w = 0; w < 120; w++) text = text sprintf("%sw%d", (w ? " " : ""), rnd() % 50000) (w % 12 == 11 ? ".\n" : "")
        for (k = 0; k < m; k++) {
          f = sprintf("%s/member-%05d-of-an-archive-that-holds-the-same-file-many-times.txt", d, k)
          printf "%s\n", text > f
          close(f)
        }
      }
    }'
  touch "$corpus/.complete"
fi
printf '%-8s %5s %10s %9s %9s\n' binary round cpu_s peak_MB out_MB
for ((r = 1; r <= rounds; r++)); do
  for side in base ours; do
    b=$bin
    if [ $side = base ]; then [ -n "${OVL_BASE:-}" ] || continue; b=$OVL_BASE; fi
    out=$dir/report-$side.json
    /usr/bin/time -f "%U %S %M" -o "$dir/time-$side" "$b" scan "$corpus" --format json -o "$out" 2>"$dir/err-$side"
    rc=$?
    [ $rc -le 1 ] || { cat "$dir/err-$side" >&2; echo "bench_json_tail: $side exited $rc" >&2; exit 1; }
    read -r u s m < <(tail -n 1 "$dir/time-$side") # after "Command exited with non-zero status 1"
    printf '%-8s %5d %10.2f %9.1f %9.1f\n' $side "$r" "$(echo "$u + $s" | bc)" "$(echo "$m / 1024" | bc -l)" \
      "$(echo "$(stat -c %s "$out") / 1048576" | bc -l)"
  done
  if [ -n "${OVL_BASE:-}" ]; then
    cmp -s "$dir/report-base.json" "$dir/report-ours.json" && echo "round $r: reports identical" ||
      { echo "bench_json_tail: round $r: the reports differ" >&2; exit 1; }
  fi
done
