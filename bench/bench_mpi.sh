#!/usr/bin/env bash
# bench_mpi.sh - overlap scan against overlap-mpi on 1 and 2 ranks: wall time, CPU seconds and peak memory per rank, bytes sent between ranks per phase, and whether the reports are the same bytes.
# Usage: OVL_BUILD=build bash bench/bench_mpi.sh [ROUNDS] CORPUS_DIR...
#   (build with -DOVL_MPI=ON; e.g. bench/data/scan-zh-<N> from bench_scan.sh and
#   bench/data/real-en-full from real_en.sh). Each round runs, alternately: overlap scan -j2,
#   mpirun -n 1 overlap-mpi scan -j2, mpirun -n 2 overlap-mpi scan -j1 (2 cores in all; each
#   rank bound to its -j cores with --map-by slot:PE=J);
#   OVL_MPI_RUNS="one 1 2" names the runs (e.g. "2": two ranks only, compared with a report
#   already there). Per run: each rank's peak memory by the end of each phase.
# Writes ${OVL_BENCH_OUT:-bench/out/mpi}/<corpus>.<run>.<round>.{jsonl,time.<rank>,phases}.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${OVL_BUILD:-build}
rounds=1
if [[ ${1:-} =~ ^[0-9]+$ ]]; then rounds=$1; shift; fi
[ $# -gt 0 ] || { sed -n '3,7p' "$0" >&2; exit 2; }
[ -x "$build/overlap-mpi" ] || { echo "bench_mpi: $build/overlap-mpi missing: configure with -DOVL_MPI=ON" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out=${OVL_BENCH_OUT:-bench/out/mpi}
runs=${OVL_MPI_RUNS:-one 1 2}
mkdir -p "$out"
opts=(--format jsonl --no-progress)
# One rank's wall time, peak RSS and CPU seconds: /usr/bin/time around each rank, named by
# its rank.
rank_time='exec /usr/bin/time -f "%e %M %U %S" -o "$0.$OMPI_COMM_WORLD_RANK" "$@"'
# The machine may be shared: its load is printed beside each run.
load() { cut -d' ' -f1-3 /proc/loadavg; }
for dir in "$@"; do
  name=$(basename "$dir")
  size=$(find "$dir" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.1f MB", s / 1e6}')
  files=$(find "$dir" -type f | wc -l)
  echo "== $name: $files files, $size"
  for r in $(seq 1 "$rounds"); do
    base="$out/$name.one.$r"
    if [[ " $runs " == *" one "* ]]; then
      /usr/bin/time -f "%e %M %U %S" -o "$base.time.0" "$build/overlap" scan "${opts[@]}" -v -j 2 -o "$base.jsonl" \
        "$dir" 2>"$base.err" || true
      read -r wall rss usr sys < <(tail -1 "$base.time.0") # (after "Command exited with non-zero status 1")
      printf '%-8s round %d  wall %7.1f s  cpu %7.1f s  peak rank 0 %6.0f MB  load %s\n' "one" "$r" "$wall" \
        "$(awk -v u="$usr" -v s="$sys" 'BEGIN {print u + s}')" "$((rss / 1024))" "$(load)"
      grep -h 'seconds:' "$base.err" | sed 's/^overlap: scan: /    /' || true
    fi
    for n in $runs; do
      [ "$n" = one ] && continue
      base="$out/$name.n$n.$r"
      j=$((2 / n))
      # (Each rank bound to its j cores: by default Open MPI binds each of one or two ranks to
      # a single core, where -j2 ran its threads in turn.)
      OVERLAP_MPI_STATS="$base.phases" /usr/bin/time -f "%e" -o "$base.wall" \
        mpirun -n "$n" --oversubscribe --map-by "slot:PE=$j" sh -c "$rank_time" "$base.time" \
        "$build/overlap-mpi" scan "${opts[@]}" -j "$j" -o "$base.jsonl" "$dir" 2>"$base.err" || true
      peaks=$(for k in $(seq 0 $((n - 1))); do tail -1 "$base.time.$k" | awk '{printf "%.0f ", $2 / 1024}'; done)
      cpus=$(for k in $(seq 0 $((n - 1))); do tail -1 "$base.time.$k" | awk '{printf "%.1f ", $3 + $4}'; done)
      same=differs
      cmp -s "$base.jsonl" "$out/$name.one.$r.jsonl" && same="identical to one process"
      printf '%-8s round %d  wall %7.1f s  cpu per rank s: %s peak per rank MB: %s load %s  report %s\n' \
        "n=$n" "$r" "$(tail -1 "$base.wall")" "$cpus" "$peaks" "$(load)" "$same"
      # The peaks in MB (the last column: bytes per rank, by the end of each phase).
      awk -F'\t' 'BEGIN {OFS = "\t"} NR == 1 {$7 = "peak_MB_per_rank"} NR > 1 {n = split($7, v, ",");
        $7 = ""; for (k = 1; k <= n; k++) $7 = $7 (k > 1 ? "," : "") sprintf("%.0f", v[k] / 1048576)} {print}' \
        "$base.phases" | column -t | sed 's/^/    /'
    done
  done
done
