#!/usr/bin/env bash
# run.sh - the one benchmark command: builds a Release tree, then throughput per stage, scan scaling, index and accuracy, one table per section.
#
# usage: bench/run.sh [--sizes 64,256,1024] [--quick] [--build DIR] [--skip SECTIONS] [--seed N]
#   --sizes L     corpus sizes in MB for the scan scaling runs (default 64,256,1024); the first
#                 (at most 64) is also the size of the ingest / stage / fingerprint runs
#   --quick       tiny sizes and grids (a few seconds; what tests/cli/bench_smoke.sh runs)
#   --build DIR   use an existing build (with bench tools) instead of configuring build-bench/
#   --skip L      comma list of sections to leave out: ingest,stages,fp,scan,index,eval
# Output: tables on stdout; generated corpora and reports under bench/out/ (git-ignored).
# Exit status: 0 done (sections whose tool is missing are skipped with a note), 2 trouble.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZES=64,256,1024 QUICK=0 BUILD="" SKIP="" SEED=1
while [ $# -gt 0 ]; do
  case $1 in
    --sizes) SIZES=$2; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --build) BUILD=$2; shift 2 ;;
    --skip) SKIP=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ $QUICK -eq 1 ]; then SIZES=1,2; fi
OUT=${OVL_OUT:-$ROOT/bench/out}
mkdir -p "$OUT"
skip() { case ",$SKIP," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
section() { printf '\n== %s\n' "$*"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# ---- build ---------------------------------------------------------------------------------
if [ -z "$BUILD" ]; then
  BUILD=$ROOT/build-bench
  echo "building Release into $BUILD ..." >&2
  # gcc 12 at -O3 raises maybe-uninitialized false positives that -O2 builds do not; they must
  # not stop a benchmark build (the normal and sanitizer builds keep -Werror for them).
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DOVL_BUILD_BENCH=ON \
    -DCMAKE_C_FLAGS="-Wno-error=maybe-uninitialized" >"$OUT/build.log" 2>&1 &&
    cmake --build "$BUILD" -j"$(nproc)" >>"$OUT/build.log" 2>&1 ||
    { tail -20 "$OUT/build.log" >&2; echo "run.sh: build failed (log: $OUT/build.log)" >&2; exit 2; }
fi
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
OVL=$BUILD/overlap
B=$BUILD/bench
[ -x "$OVL" ] && [ -x "$B/ovl-gen" ] || { echo "run.sh: $BUILD lacks overlap or bench/ovl-gen" >&2; exit 2; }
export OVL_BUILD=$BUILD OVL_OUT=$OUT

# ---- machine -------------------------------------------------------------------------------
section machine
echo "cpu:     $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "memory:  $(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo)"
echo "load:    $(load) (1/5/15 min; other work on the machine slows wall times, CPU seconds less so)"
echo "build:   $(grep -m1 CMAKE_BUILD_TYPE: "$BUILD/CMakeCache.txt" | cut -d= -f2), overlap $("$OVL" --version | cut -d' ' -f2), $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$ROOT" && git diff --quiet HEAD 2>/dev/null || echo ' + local changes')"
echo "date:    $(date -u +%Y-%m-%dT%H:%MZ)"

IFS=, read -r -a SZ <<<"$SIZES"
small=${SZ[0]}
[ "$small" -le 64 ] || small=64
reps=3
[ $QUICK -eq 0 ] || reps=1

# ---- ingest ----------------------------------------------------------------------------------
if ! skip ingest; then
  section "ingest: decode + normalize + segment ($small MB per language, best of $reps, one thread; load $(load))"
  if [ -x "$B/bench_ingest" ]; then "$B/bench_ingest" "$small" "$reps"; else echo "skipped: bench_ingest not built"; fi
fi

# ---- stages ----------------------------------------------------------------------------------
if ! skip stages; then
  ssz=$small
  [ $QUICK -eq 0 ] || ssz=0.5
  section "stages: each stage timed alone on a generated corpus ($ssz MB per language, one thread; load $(load))"
  if [ -x "$B/bench_stages" ]; then
    for l in zh en; do "$B/bench_stages" --lang "$l" --seed "$SEED" "$ssz"; done
  else
    echo "skipped: bench_stages not built"
  fi
fi

# ---- fingerprint -----------------------------------------------------------------------------
if ! skip fp; then
  section "fingerprint: shingles + MinHash + band keys ($small MB, best of $reps; load $(load))"
  if [ -x "$B/bench_fp" ]; then "$B/bench_fp" "$small" "$reps"; else echo "skipped: bench_fp not built"; fi
fi

# ---- scan scaling ------------------------------------------------------------------------------
if ! skip scan; then
  section "scan: overlap scan over generated corpora of growing size (load $(load))"
  growth() { # appends "t-ratio/MB exponent" columns to a table whose $1 is MB and $2 seconds
    awk 'NR == 1 { print $0 "   t-ratio/MB exponent"; next }
         $1 + 0 > 0 && $2 + 0 > 0 {
           if (m0 > 0 && $1 > m0) printf "%s %12.2f %9.2f\n", $0, ($2 / s0) / ($1 / m0), log($2 / s0) / log($1 / m0)
           else printf "%s %12s %9s\n", $0, "-", "-"
           m0 = $1; s0 = $2; next }
         { print }'
  }
  if ! "$OVL" scan --help >"$OUT/scan-help.txt" 2>&1; then
    echo "skipped: 'overlap scan' is not available in this build"
  else
    sopt=""
    grep -q -- --no-progress "$OUT/scan-help.txt" && sopt=--no-progress
    langs="zh en"
    if [ -f "$ROOT/bench/bench_scan.sh" ] && [ $QUICK -eq 0 ]; then
      # The scan engineer's script (zh, corpora kept in bench/data/scan-zh-<N>M/).
      echo "zh (bench/bench_scan.sh ${SZ[*]}, -j${JOBS:-2}):"
      set +e
      OVL_BUILD=$BUILD bash "$ROOT/bench/bench_scan.sh" "${SZ[@]}" | growth
      rc=${PIPESTATUS[0]}
      set -e
      [ "$rc" -eq 0 ] || echo "note: bench/bench_scan.sh exited $rc"
      langs=en
    fi
    printf '%-4s %8s %6s %9s %9s %8s %8s %8s %12s %9s\n' lang MB docs "wall s" "cpu s" "MB/s" "RSS MB" pairs t-ratio/MB exponent
    for l in $langs; do
      prev_mb="" prev_s=""
      for s in "${SZ[@]}"; do
        c=$OUT/scan-corpus-$l-$s
        rm -rf "$c"
        set +e
        "$B/ovl-gen" --seed "$SEED" --lang "$l" --bytes "${s}M" --out "$c" 2>"$OUT/gen.log"
        rc=$?
        set -e
        if [ $rc -eq 77 ]; then echo "$l: skipped (CSL corpus absent)"; break; fi
        [ $rc -eq 0 ] || { cat "$OUT/gen.log" >&2; exit 2; }
        mb=$(du -sb "$c/src" "$c/susp" | awk '{s += $1} END {printf "%.1f", s / 1e6}')
        docs=$(( $(ls "$c/src" | wc -l) + $(ls "$c/susp" | wc -l) ))
        set +e
        (cd "$c" && /usr/bin/time -v "$OVL" scan $sopt --passages all --format jsonl -o "$c.jsonl" src susp) 2>"$OUT/scan-$l-$s.time" >/dev/null
        rc=$?
        set -e
        if [ $rc -gt 1 ]; then
          echo "$l $s MB: scan failed (exit $rc): $(grep -v '^\s' "$OUT/scan-$l-$s.time" | head -2)"
          rm -rf "$c" "$c.jsonl"
          continue
        fi
        pairs=$(grep -c '^{"pair"' "$c.jsonl")
        read -r wall cpu rss <<<"$(awk -F': ' '
          /Elapsed \(wall clock\)/ { n = split($2, t, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + t[i] }
          /User time/ { c += $2 } /System time/ { c += $2 } /Maximum resident/ { r = $2 }
          END { printf "%.2f %.2f %.0f", w, c, r / 1024 }' "$OUT/scan-$l-$s.time")"
        growth=- expo=-
        if [ -n "$prev_s" ]; then
          read -r growth expo <<<"$(awk -v s0="$prev_s" -v s1="$wall" -v m0="$prev_mb" -v m1="$mb" 'BEGIN {
            if (s0 > 0 && s1 > 0 && m1 > m0) printf "%.2f %.2f", (s1 / s0) / (m1 / m0), log(s1 / s0) / log(m1 / m0); else print "- -" }')"
        fi
        printf '%-4s %8s %6s %9s %9s %8.1f %8s %8s %12s %9s\n' "$l" "$mb" "$docs" "$wall" "$cpu" \
          "$(awk -v m="$mb" -v w="$wall" 'BEGIN{print (w > 0 ? m / w : 0)}')" "$rss" "$pairs" "$growth" "$expo"
        prev_mb=$mb prev_s=$wall
        rm -rf "$c" "$c.jsonl" # a 1 GB corpus per size and language is not worth keeping
      done
    done
    echo "(default -j = all cores; t-ratio/MB = (seconds / previous seconds) / (MB / previous MB),"
    echo " 1.0 = linear growth; exponent = log(time ratio) / log(size ratio): 1 linear, 2 quadratic)"
  fi
fi

# ---- index -------------------------------------------------------------------------------------
if ! skip index; then
  section "index: persistent SQLite corpus index (load $(load))"
  if [ -x "$B/bench_index" ]; then
    iargs=()
    [ $QUICK -eq 0 ] || iargs=(--paragraphs 2000 --reps 1)
    for l in zh en; do
      echo "$l:"
      set +e
      "$B/bench_index" --lang "$l" --db "$OUT/bench_index-$l.db" "${iargs[@]}"
      rc=$?
      set -e
      [ $rc -eq 0 ] || echo "note: bench_index --lang $l exited $rc"
      rm -f "$OUT/bench_index-$l.db"*
    done
  else
    echo "skipped: bench_index not built"
  fi
fi

# ---- accuracy ----------------------------------------------------------------------------------
if ! skip eval; then
  for l in zh en; do
    section "accuracy: $l, seed $SEED (bench/eval.sh; load $(load))"
    set +e
    if [ $QUICK -eq 1 ]; then bash "$ROOT/bench/eval.sh" --quick "$SEED" "$l" 12
    else bash "$ROOT/bench/eval.sh" "$SEED" "$l" 100; fi
    rc=$?
    set -e
    [ $rc -eq 0 ] || [ $rc -eq 77 ] || { echo "run.sh: eval.sh $l failed (exit $rc)" >&2; exit 2; }
  done
fi
