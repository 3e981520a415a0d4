#!/usr/bin/env bash
# real_en.sh - builds the real English corpus (doc texts and man pages of this machine) and times overlap scan, sim_text and datasketch on it at 16 MB, 64 MB and whole.
#
# usage: bench/real_en.sh [--sizes 16,64] [--seed N] [--timeout S] [--rebuild] [--build-only]
#                         [--skip overlap,sim_text,datasketch]
#   corpus     bench/data/real-en-full/doc/  every prose text file of /usr/share/doc (.gz
#                                            decompressed; as bench/fetch_real.sh's real-en/doc)
#              bench/data/real-en-full/man/  every English man page of /usr/share/man/man*/
#                                            rendered by groff -man -Tutf8 as plain UTF-8 (no
#                                            overstrike, no escapes; .so stubs left out)
#              built once and reused (--rebuild builds it again); file count and bytes printed.
#   subsets    bench/data/real-en-<N>M/: whole files in the order of SHA-1(seed, relative path)
#              (bench/real_subset.py), each kept while the subset stays within N x 10^6 bytes
#   --sizes L  subset sizes in MB (default 16,64); the whole corpus always comes last
#   --seed N   subset seed (default 1)
#   --timeout S  limit of each tool run in seconds (default 900); a run that hits it shows "> S"
#   --skip L   tools to leave out
# env: OVL_BUILD  build directory holding overlap (default build)
#      JOBS       overlap scan -j (default 2)
#      OVL_SCAN_ARGS  more options of overlap scan (default none: the plain defaults, which
#                 count recurring text; --no-recurring-text to leave the count out)
#      DATASKETCH_SRC  a datasketch source tree (the folder holding datasketch/); datasketch is
#                 not in Debian: without it that tool is skipped with a message
#      PYTHON     interpreter with python3-numpy and python3-scipy (default /usr/bin/python3)
# Per size, the tools run one after another: overlap scan -jJOBS --format jsonl, Debian's
# sim_text -p -t 1 -R (package similarity-tester), then datasketch MinHash 128 + MinHashLSH 0.5
# over blank-line paragraphs (bench/minhash_peer.py: candidates only, one core). Each is timed
# by GNU time (wall, user+sys, peak RSS). Reports and logs go to bench/out/real-en/.
# Exit status: 0 done (a missing tool is skipped with a message), 2 trouble.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=$ROOT/bench/data
SIZES=16,64 SEED=1 TIMEOUT=900 REBUILD=0 BUILD_ONLY=0 SKIP=""
while [ $# -gt 0 ]; do
  case $1 in
    --sizes) SIZES=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --rebuild) REBUILD=1; shift ;;
    --build-only) BUILD_ONLY=1; shift ;;
    --skip) SKIP=$2; shift 2 ;;
    -h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "real_en.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
skip() { case ",$SKIP," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
PY=${PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || PY=$(command -v python3 || true)
[ -n "$PY" ] || { echo "real_en.sh: needs python3" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "real_en.sh: needs GNU time (apt-get install time)" >&2; exit 2; }
. "$ROOT/bench/real_common.sh"

# ---- corpus ------------------------------------------------------------------------------------
FULL=$DATA/real-en-full
render_man() { # PAGE OUTDIR: one man page to OUTDIR/manN_NAME.txt
  local f=$1 out=$2 sec name tmp
  sec=$(basename "$(dirname "$f")")
  name=$(basename "${f%.gz}")
  tmp=$out/.${sec}_$name.$$
  # A page that only includes another (.so) is a copy of it.
  if zcat -f -- "$f" | grep -v '^\.\\"' | head -3 | grep -q '^\.so '; then return 0; fi
  zcat -f -- "$f" | GROFF_NO_SGR=1 timeout 60 groff -k -t -man -Tutf8 -P-cbou 2>/dev/null |
    sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' -e 's/.\x08//g' -e 's/\x08//g' >"$tmp" || true
  if is_text "$tmp"; then mv -- "$tmp" "$out/${sec}_$name.txt"; else rm -f -- "$tmp"; fi
}
export -f render_man is_text

if [ $REBUILD -eq 1 ] || [ ! -f "$FULL.complete" ]; then
  command -v groff >/dev/null || { echo "real_en.sh: needs groff (apt-get install groff-base)" >&2; exit 2; }
  echo "building $FULL ..." >&2
  rm -rf "$FULL" "$FULL.complete"
  mkdir -p "$FULL"
  doc_texts "$FULL/doc"
  mkdir -p "$FULL/man"
  # Only the top-level man1..man9 folders: the per-language folders beside them are translations.
  find /usr/share/man -mindepth 2 -maxdepth 2 -path '/usr/share/man/man*/*' -type f | LC_ALL=C sort |
    xargs -r -d '\n' -P "$(nproc)" -n 50 bash -c 'for f; do render_man "$f" "$0"; done' "$FULL/man"
  touch "$FULL.complete"
  rm -rf "$DATA"/real-en-[0-9]*M
fi
echo "corpus: $(size_of "$FULL") ($(find "$FULL" -type f -printf '%s\n' | awk '{s += $1} END {print s}') bytes): doc/ $(size_of "$FULL/doc"), man/ $(size_of "$FULL/man")"

IFS=, read -r -a SZ <<<"$SIZES"
LABELS=() DIRS=()
for s in "${SZ[@]}"; do
  d=$DATA/real-en-${s}M
  if [ ! -d "$d" ]; then
    "$PY" "$ROOT/bench/real_subset.py" "$SEED" "$(awk -v s="$s" 'BEGIN {printf "%d", s * 1e6}')" "$FULL" "$d" >/dev/null
  fi
  LABELS+=("${s} MB") DIRS+=("$d")
  echo "subset ${s} MB (seed $SEED): $(size_of "$d")"
done
LABELS+=(whole) DIRS+=("$FULL")
[ $BUILD_ONLY -eq 0 ] || exit 0

# ---- runs --------------------------------------------------------------------------------------
OUT=${OVL_OUT:-$ROOT/bench/out}/real-en
mkdir -p "$OUT"
BUILD=${OVL_BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
OVL=$BUILD/overlap
JOBS=${JOBS:-2}
OVL_SCAN_ARGS=${OVL_SCAN_ARGS-}
load() { cut -d' ' -f1-3 /proc/loadavg; }
TOOLS=()
if ! skip overlap; then
  if [ -x "$OVL" ]; then TOOLS+=(overlap); else echo "overlap: skipped: $OVL not built"; fi
fi
if ! skip sim_text; then
  if command -v sim_text >/dev/null; then TOOLS+=(sim_text)
  else echo "sim_text: skipped: not installed (apt-get install similarity-tester)"; fi
fi
if ! skip datasketch; then
  if [ -z "${DATASKETCH_SRC:-}" ] || [ ! -f "$DATASKETCH_SRC/datasketch/__init__.py" ]; then
    echo "datasketch: skipped: set DATASKETCH_SRC to a datasketch source tree (the folder holding datasketch/)"
  elif ! PYTHONPATH=$DATASKETCH_SRC "$PY" -c 'import datasketch' 2>/dev/null; then
    echo "datasketch: skipped: $PY cannot import it (apt-get install python3-numpy python3-scipy)"
  else TOOLS+=(datasketch); fi
fi

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo)"
if [ -x "$OVL" ]; then
  # The commit of the source tree the build was configured from, when it is known.
  srcdir=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD/CMakeCache.txt" 2>/dev/null || true)
  commit=""
  if [ -n "$srcdir" ] && commit=$(git -C "$srcdir" rev-parse --short HEAD 2>/dev/null); then
    git -C "$srcdir" diff --quiet HEAD 2>/dev/null || commit="$commit + local changes"
    commit=", source at commit $commit"
  fi
  echo "overlap: $("$OVL" --version), $OVL (built $(date -u -r "$OVL" +%Y-%m-%dT%H:%MZ))$commit"
fi
echo "date:    $(date -u +%Y-%m-%dT%H:%MZ), timeout ${TIMEOUT} s per run, load $(load)"

# GNU time's report -> "wall cpu peak_MB status"
times_of() {
  awk -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, t, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + t[i] }
    /User time/ { c += $2 } /System time/ { c += $2 } /Maximum resident/ { r = $2 } /Exit status/ { s = $2 }
    END { printf "%.2f %.2f %.0f %d", w, c, r / 1024, s }' "$1"
}

RES=$OUT/results.tsv
printf 'size\tfiles\tbytes\ttool\twall\tcpu\tpeak_mb\tstatus\tout_bytes\tpairs\tpassages\tnote\n' >"$RES"
row() { printf '%s\t' "$@" | sed 's/\t$//' >>"$RES"; echo >>"$RES"; }
fmt_row() { # one results.tsv line -> a printed row
  awk -F'\t' -v T="$TIMEOUT" '{
    w = $5; c = $6; if ($8 == 124) { w = "> " T; c = ">" $6 }
    printf "%-6s %6s %8.1f  %-10s %9s %9s %8s %9s %9s %10s  %s\n", $1, $2, $3 / 1e6, $4, w, c, $7, $9, $10, $11, $12 }' <<<"$1"
}
HDR=$(printf "%-6s %6s %8s  %-10s %9s %9s %8s %9s %9s %10s  %s" size files MB tool "wall s" "CPU s" "peak MB" "out MB" pairs passages note)

for i in "${!DIRS[@]}"; do
  dir=${DIRS[$i]} label=${LABELS[$i]} tag=${LABELS[$i]// /}
  dir=$(cd "$dir" && pwd -P) # a corpus folder may be a symbolic link to a shared copy
  files=$(find "$dir" -type f | wc -l)
  bytes=$(find "$dir" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
  # Read once before the tools: the first would otherwise pay for the disk and the others
  # find the files in the page cache (a cold whole corpus cost overlap 14 s of its 30).
  find "$dir" -type f -print0 | xargs -0 cat >/dev/null
  echo
  echo "== $label: $files files, $bytes bytes (load $(load))"
  echo "$HDR"
  for tool in "${TOOLS[@]}"; do
    tf=$OUT/$tool-$tag.time
    sync
    case $tool in
      overlap)
        rep=$OUT/overlap-$tag.jsonl
        rm -f "$rep"
        # --progress into phase_times.py gives the phase split; -v the final counts.
        set +e
        /usr/bin/time -v -o "$tf" timeout "$TIMEOUT" "$OVL" scan -j"$JOBS" --format jsonl -o "$rep" \
          $OVL_SCAN_ARGS --progress -v "$dir" 2>&1 >/dev/null |
          "$PY" "$ROOT/bench/phase_times.py" >"$OUT/overlap-$tag.phases" 2>"$OUT/overlap-$tag.log"
        set -e
        read -r wall cpu peak st <<<"$(times_of "$tf")"
        obytes=- pairs=- passages=- note=""
        if [ -f "$rep" ]; then
          obytes=$(awk -v b="$(stat -c %s "$rep")" 'BEGIN {printf "%.1f", b / 1e6}')
          # JSON lines: {"pair":...} heads a pair, {"a_path":...} is a passage; builds that group
          # identical files and recurring text also write {"copies":...} and {"family":...}.
          read -r pairs passages copies families <<<"$(awk '
            /^\{"pair":/ { p++ } /^\{"a_path":/ { q++ } /^\{"copies":/ { c++ } /^\{"family":/ { f++ }
            END { printf "%d %d %d %d", p, q, c, f }' "$rep")"
          [ "$copies" -eq 0 ] || note="$copies groups of copies, "
          [ "$families" -eq 0 ] || note="$note$families families, "
        fi
        note=$note$(grep -o '[0-9]* candidate pairs' "$OUT/overlap-$tag.log" | tail -1 || true)
        # The report lists the pairs with most reuse (--pairs, default 10,000); -v counts the rest.
        unl=$(grep -o '[0-9]* more not listed' "$OUT/overlap-$tag.log" | tail -1 | cut -d' ' -f1 || true)
        [ -z "$unl" ] || [ "$unl" -eq 0 ] || note="$note, $unl more pairs with passages not listed"
        # Exit 2 with a report: some files could not be read or decoded (Latin-1 changelogs);
        # every other pair is still reported, so the figures stand and the count is noted.
        if [ "$st" -gt 1 ] && [ "$st" -ne 124 ]; then
          bad=$(grep -vc '^overlap: scan:' "$OUT/overlap-$tag.log" || true)
          note="$note; exit $st, $bad files refused (see overlap-$tag.log)"
        fi
        # The whole-corpus report can be gigabytes: counted, then removed.
        rm -f "$rep"
        ;;
      sim_text)
        set +e
        /usr/bin/time -v -o "$tf" timeout "$TIMEOUT" sim_text -p -t 1 -R "$dir" >"$OUT/sim_text-$tag.txt" 2>"$OUT/sim_text-$tag.log"
        set -e
        read -r wall cpu peak st <<<"$(times_of "$tf")"
        obytes=$(awk -v b="$(stat -c %s "$OUT/sim_text-$tag.txt")" 'BEGIN {printf "%.1f", b / 1e6}')
        pairs=$(grep -c ' consists for ' "$OUT/sim_text-$tag.txt" || true) passages=- note="pairs = percentage lines"
        ;;
      datasketch)
        set +e
        /usr/bin/time -v -o "$tf" timeout "$TIMEOUT" env PYTHONPATH="$DATASKETCH_SRC" OMP_NUM_THREADS=1 \
          OPENBLAS_NUM_THREADS=1 "$PY" "$ROOT/bench/minhash_peer.py" "$dir" >"$OUT/datasketch-$tag.txt" 2>"$OUT/datasketch-$tag.log"
        set -e
        read -r wall cpu peak st <<<"$(times_of "$tf")"
        obytes=- passages=-
        pairs=$(awk '{print $6}' "$OUT/datasketch-$tag.txt")
        note="$(awk '{print $4}' "$OUT/datasketch-$tag.txt") paragraphs; pairs = candidate paragraph pairs"
        [ -n "$pairs" ] || pairs=-
        [ "$st" -eq 0 ] || [ "$st" -eq 124 ] || note="exit $st: $(tail -1 "$OUT/datasketch-$tag.log")"
        ;;
    esac
    row "$label" "$files" "$bytes" "$tool" "$wall" "$cpu" "$peak" "$st" "$obytes" "$pairs" "$passages" "$note"
    fmt_row "$(tail -1 "$RES")"
  done
  if [ -s "$OUT/overlap-$tag.phases" ]; then
    # Phases as spans: each runs from its first progress record to the next phase's first
    # (the last to the scan's exit); the time before the first record is reading and setup.
    awk '/^phase/ { n++; name[n] = $2; first[n] = $3; cnt[n] = $5 } /^end/ { e = $2 }
      END { if (n == 0) exit; printf "overlap phases (s): start %.1f", first[1]
            for (i = 1; i <= n; i++) printf ", %s %.1f (%s)", name[i], (i < n ? first[i + 1] : e) - first[i], cnt[i]
            printf ", total %.1f\n", e }' "$OUT/overlap-$tag.phases"
  fi
  [ ! -s "$OUT/overlap-$tag.log" ] ||
    sed -n 's/^overlap: scan: \([0-9]* of [0-9]* documents read.*\)/overlap -v: \1/p' "$OUT/overlap-$tag.log"
done

# ---- ratios and growth -------------------------------------------------------------------------
echo
echo "== in the same run: overlap / sim_text and overlap / datasketch (wall, CPU)"
awk -F'\t' 'NR > 1 { k = $1 SUBSEP $4; w[k] = $5; c[k] = $6; t[k] = $8; if (!($1 in seen)) { seen[$1] = 1; o[++n] = $1 } }
  function r(a, b) { return (b > 0 && a > 0) ? sprintf("%.2f", a / b) : "-" }
  function mark(s, x) { return t[s SUBSEP x] == 124 ? ">" : "" }
  END { for (i = 1; i <= n; i++) { s = o[i]
    printf "%-6s vs sim_text: wall %s%s, CPU %s%s;   vs datasketch: wall %s, CPU %s\n", s,
      mark(s, "overlap"), r(w[s SUBSEP "overlap"], w[s SUBSEP "sim_text"]), mark(s, "overlap"), r(c[s SUBSEP "overlap"], c[s SUBSEP "sim_text"]),
      r(w[s SUBSEP "overlap"], w[s SUBSEP "datasketch"]), r(c[s SUBSEP "overlap"], c[s SUBSEP "datasketch"]) } }' "$RES"
echo "CPU growth exponent, log(CPU ratio) / log(bytes ratio), from ${LABELS[0]} to the whole corpus:"
awk -F'\t' -v first="${LABELS[0]}" 'NR > 1 && $1 == first { c0[$4] = $6; b0 = $3 }
  NR > 1 && $1 == "whole" { c1[$4] = $6; b1 = $3; t1[$4] = $8 }
  END { for (x in c1) if (c0[x] > 0 && c1[x] > 0 && b1 > b0)
    printf "  %-10s %s%.2f\n", x, (t1[x] == 124 ? ">= " : ""), log(c1[x] / c0[x]) / log(b1 / b0) }' "$RES"
echo "(results: $RES; overlap stderr and phases, sim_text and datasketch outputs in $OUT/)"
