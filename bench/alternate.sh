#!/usr/bin/env bash
# alternate.sh - runs two commands in turn (A B A B ...) and prints each one's median wall, CPU and peak memory, and the ratios A/B taken pair by pair: a side-by-side figure that holds on a machine whose speed drifts.
#
# usage: bench/alternate.sh [-n RUNS] [--warmup W] -- COMMAND_A ... -- COMMAND_B ...
#   -n RUNS     measured runs of each (default 3)
#   --warmup W  pairs run first and not counted (default 1: the files read, the caches warm)
# Each command's output goes to /dev/null; it is timed by GNU time (wall, user + system, peak
# RSS). Prints one line per run, then min, median and max of each figure and of the ratios.
# Example (the real English corpus against sim_text, as in the README):
#   bench/alternate.sh -n 3 -- build/overlap scan -j2 --format jsonl -o /tmp/r.jsonl \
#     bench/data/real-en-full -- sim_text -p -t 1 -R bench/data/real-en-full
# Exit status: 0, or 2 when the arguments are wrong or GNU time is missing (a command's own
# failing status is printed, not fatal: overlap exits 2 when some files are undecodable).
set -euo pipefail

RUNS=3 WARMUP=1
while [ $# -gt 0 ]; do
  case $1 in
    -n) RUNS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "alternate.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
A=() B=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do A+=("$1"); shift; done
[ $# -gt 0 ] && shift
B=("$@")
[ ${#A[@]} -gt 0 ] && [ ${#B[@]} -gt 0 ] || { echo "alternate.sh: give -- COMMAND_A ... -- COMMAND_B ..." >&2; exit 2; }
case $RUNS$WARMUP in *[!0-9]*) echo "alternate.sh: -n and --warmup take counts" >&2; exit 2 ;; esac
[ "$RUNS" -ge 1 ] || { echo "alternate.sh: -n must be at least 1" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "alternate.sh: needs GNU time (apt-get install time)" >&2; exit 2; }

tf=$(mktemp)
trap 'rm -f "$tf"' EXIT
# one run of "$@" -> "wall cpu peak_MB status"
run() {
  /usr/bin/time -f '%e %U %S %M %x' -o "$tf" "$@" >/dev/null 2>&1 || true
  # (GNU time puts "Command exited with non-zero status N" before the figures)
  tail -n 1 "$tf" | awk '{printf "%.2f %.2f %.0f %d", $1, $2 + $3, $4 / 1024, $5}'
}
rows=()
for ((i = 0; i < WARMUP + RUNS; i++)); do
  read -r aw ac am as <<<"$(run "${A[@]}")"
  read -r bw bc bm bs <<<"$(run "${B[@]}")"
  [ "$i" -lt "$WARMUP" ] && continue
  printf 'run %d: A %s s wall, %s s CPU, %s MB, status %s; B %s s wall, %s s CPU, %s MB, status %s\n' \
    $((i - WARMUP + 1)) "$aw" "$ac" "$am" "$as" "$bw" "$bc" "$bm" "$bs"
  rows+=("$aw $ac $am $bw $bc $bm")
done
printf '%s\n' "${rows[@]}" | awk '
  { for (k = 1; k <= 6; k++) v[k, NR] = $k; r[1, NR] = $4 > 0 ? $1 / $4 : 0; r[2, NR] = $5 > 0 ? $2 / $5 : 0 }
  function stat(name, arr, k,    i, j, t, n, a) {
    n = NR
    for (i = 1; i <= n; i++) a[i] = arr[k, i]
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    printf "%-12s min %9.3f  median %9.3f  max %9.3f\n", name, a[1], (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2), a[n]
  }
  END {
    stat("A wall s", v, 1); stat("A CPU s", v, 2); stat("A peak MB", v, 3)
    stat("B wall s", v, 4); stat("B CPU s", v, 5); stat("B peak MB", v, 6)
    stat("A/B wall", r, 1); stat("A/B CPU", r, 2)
  }'
