#!/usr/bin/env bash
# eval.sh - accuracy of overlap on a seeded ovl-gen corpus: PAN text alignment (compare on given pairs) and scan pair retrieval.
#
# usage: bench/eval.sh [--quick] [--no-grid] [--obfuscation LIST] [--args 'OPTS'] SEED LANG [CASES]
#   SEED   ovl-gen seed;  LANG zh|en;  CASES at least this many planted cases (default 100)
#   --quick    smallest grids (smoke test)       --no-grid  defaults only, no parameter comparison
#   --args 'OPTS'  extra options for every compare (e.g. --reworded); output dir gets a suffix
#   --obfuscation LIST  ovl-gen's kinds (e.g. double,reword; default all); output dir gets -LIST
# Environment: OVL_BUILD (build dir with overlap and bench/ovl-gen, bench/ovl-eval; default
# build-bench), OVL_OUT (output root; default bench/out), OVL_CSL (CSL corpus dir).
# Exit status: 0 done, 2 trouble, 77 zh asked for and the CSL corpus is absent.
#
# Text alignment follows the PAN setup: the detector is handed (suspicious, source) pairs - every
# pair truth.tsv names plus as many sampled pairs without reuse - and `overlap compare` reports
# passages, scored by ovl-eval (plagdet, precision, recall, granularity per obfuscation kind).
# Detections lying on the generator's shared boilerplate paragraphs (boilerplate.tsv: text that
# is not a case, which a detector "may legitimately report or ignore") are dropped before
# scoring, and counted. Retrieval: `overlap scan` over the whole corpus, scored as document pairs.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${OVL_BUILD:-$ROOT/build-bench}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
OUTROOT=${OVL_OUT:-$ROOT/bench/out}
case $OUTROOT in /*) ;; *) OUTROOT=$PWD/$OUTROOT ;; esac
OVL=${OVL_BIN:-$BUILD/overlap}
case $OVL in /*) ;; *) OVL=$PWD/$OVL ;; esac
GEN=$BUILD/bench/ovl-gen
EVAL=$BUILD/bench/ovl-eval
QUICK=0 GRID=1 OBF="" CARGS=""
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1; shift ;;
    --no-grid) GRID=0; shift ;;
    --obfuscation) OBF=$2; shift 2 ;;
    --args) CARGS=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "eval.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -ge 2 ] || { sed -n '4,6p' "$0" | sed 's/^# //' >&2; exit 2; }
SEED=$1 LANG_=$2 CASES=${3:-100}
case $LANG_ in zh|en) ;; *) echo "eval.sh: LANG must be zh or en" >&2; exit 2 ;; esac
for b in "$OVL" "$GEN" "$EVAL"; do
  [ -x "$b" ] || { echo "eval.sh: $b not built (cmake --build $BUILD)" >&2; exit 2; }
done
command -v python3 >/dev/null || { echo "eval.sh: needs python3 (JSON filtering)" >&2; exit 2; }
export LC_ALL=C

CSUF=$(printf '%s' "$CARGS" | tr -c 'A-Za-z0-9.' '-' | sed 's/^-*//')
OUT=$OUTROOT/eval-$LANG_-s$SEED${OBF:+-${OBF//[,+]/-}}${CSUF:+-$CSUF}
GENOBF=(); [ -z "$OBF" ] || GENOBF=(--obfuscation "$OBF")
CORPUS=$OUT/corpus
rm -rf "$OUT"
mkdir -p "$OUT"

now() { date +%s.%N; }
# User + system seconds of all finished child processes so far (the `times` builtin): CPU work
# survives a loaded machine better than wall time.
# Called without a subshell (a forked shell counts no children), it sets CHILD_CPU.
child_cpu() {
  times >"$OUT/.times"
  CHILD_CPU=$(tail -1 "$OUT/.times" | awk '{ for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); c += t[1] * 60 + t[2] } print c }')
}
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }

# ---- corpus: grow the document count until the truth holds CASES cases --------------------
docs=$(( CASES / 2 + 5 ))
while :; do
  rm -rf "$CORPUS"
  set +e
  "$GEN" --seed "$SEED" --lang "$LANG_" --docs "$docs" "${GENOBF[@]}" --out "$CORPUS" 2>"$OUT/gen.log"
  rc=$?
  set -e
  if [ $rc -eq 77 ]; then
    echo "eval.sh: zh skipped: the CSL corpus is absent ($(cat "$OUT/gen.log"))"
    rm -rf "$OUT"
    exit 77
  fi
  [ $rc -eq 0 ] || { cat "$OUT/gen.log" >&2; exit 2; }
  ncases=$(grep -vc '^#' "$CORPUS/truth.tsv" || true)
  [ "$ncases" -ge "$CASES" ] && break
  docs=$(( docs + docs / 4 + 1 ))
done
echo "== eval $LANG_ seed $SEED: $(sed 's/^ovl-gen: //' "$OUT/gen.log")"
echo "   machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# Labels joined by '+' become "mixed" so the per-kind table has one row per single kind.
awk -F'\t' 'BEGIN{OFS="\t"} /^#/ {print; next} { if (index($7, "+")) $7 = "mixed"; print }' \
  "$CORPUS/truth.tsv" >"$OUT/truth-kinds.tsv"

# ---- pairs: every true pair, plus as many sampled (susp, src) pairs without a case ---------
cut -f1,4 "$CORPUS/truth.tsv" | grep -v '^#' | sort -u >"$OUT/pairs-true.tsv"
npos=$(wc -l <"$OUT/pairs-true.tsv")
(cd "$CORPUS" && ls susp) | sed 's|^|susp/|' >"$OUT/susp.list"
(cd "$CORPUS" && ls src) | sed 's|^|src/|' >"$OUT/src.list"
awk -F'\t' -v seed="$SEED" -v want="$npos" '
  FILENAME == ARGV[1] { pos[$1 "\t" $2] = 1; next }
  FILENAME == ARGV[2] { s[ns++] = $1; next }
  { r[nr++] = $1 }
  END {
    srand(seed); got = 0
    for (t = 0; got < want && t < want * 50; t++) {
      p = s[int(rand() * ns)] "\t" r[int(rand() * nr)]
      if (!(p in pos) && !(p in seen)) { seen[p] = 1; print p; got++ }
    }
  }' "$OUT/pairs-true.tsv" "$OUT/susp.list" "$OUT/src.list" >"$OUT/pairs-neg.tsv"
cat "$OUT/pairs-true.tsv" "$OUT/pairs-neg.tsv" >"$OUT/pairs.tsv"
echo "   pairs given to compare: $npos with reuse + $(wc -l <"$OUT/pairs-neg.tsv") without"

# Drops passages lying (>= half on each side) on boilerplate.tsv spans; prints the count.
filter_boilerplate() { # DIR_IN DIR_OUT
  python3 - "$CORPUS/boilerplate.tsv" "$1" "$2" <<'PY'
import json, os, sys
bp, din, dout = sys.argv[1:4]
spans = {}
for line in open(bp, encoding="utf-8"):
    if line.startswith("#") or not line.strip():
        continue
    f = line.rstrip("\n").split("\t")
    spans.setdefault("/".join(f[0].split("/")[-2:]), []).append((int(f[1]), int(f[1]) + int(f[2])))
def on_bp(key, s, e):
    cover = sum(max(0, min(e, b) - max(s, a)) for a, b in spans.get(key, ()))
    return e > s and 2 * cover >= e - s
os.makedirs(dout, exist_ok=True)
dropped = 0
for name in sorted(os.listdir(din)):
    rep = json.load(open(os.path.join(din, name), encoding="utf-8"))
    keys = {d["id"]: "/".join(d["path"].split("/")[-2:]) for d in rep["documents"]}
    keep = []
    for p in rep["passages"]:
        a, b = p["a"], p["b"]
        if on_bp(keys[a["doc"]], a["char_start"], a["char_end"]) and \
           on_bp(keys[b["doc"]], b["char_start"], b["char_end"]):
            dropped += 1
        else:
            keep.append(p)
    rep["passages"] = keep
    json.dump(rep, open(os.path.join(dout, name), "w", encoding="utf-8"))
print(dropped)
PY
}

# One summary line from ovl-eval --json: overall measures and pair figures.
summ() { # EVAL_JSON -> "P R gran plagdet pairP pairR"
  python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))["overall"]
p = o["pairs"]
print("%.4f %.4f %.4f %.4f %.4f %.4f %d %d" % (o["precision"], o["recall"], o["granularity"], o["plagdet"],
      p["precision"], p["recall"], p["found"], p["hit"]))' "$1"
}

# ---- text alignment: compare on the pairs, at each aligner setting -----------------------------
if [ "$LANG_" = zh ]; then OPT=--min-chars; DEF=20; VALS="15 20 30"; else OPT=--min-words; DEF=8; VALS="6 8 12"; fi
[ $GRID -eq 1 ] || VALS=$DEF
[ $QUICK -eq 0 ] || VALS=$DEF
printf '%s\n' "--- text alignment (overlap compare --format json on given pairs)" >"$OUT/summary.txt"
printf '%-16s %8s %8s %8s %8s %9s %9s %10s %8s\n' setting precision recall granul plagdet "wall s" "cpu s" pairs/cpu-s bp_drop \
  >>"$OUT/summary.txt"
npairs=$(wc -l <"$OUT/pairs.tsv")
for v in $VALS; do
  rdir=$OUT/compare$OPT-$v
  mkdir -p "$rdir/raw"
  t0=$(now); child_cpu; c0=$CHILD_CPU
  i=0 trouble=0
  while IFS=$'\t' read -r s r; do
    i=$((i + 1))
    set +e
    (cd "$CORPUS" && "$OVL" compare "$s" "$r" --format json $OPT "$v" $CARGS -o "$rdir/raw/$(printf %05d $i).json")
    rc=$?
    set -e
    [ $rc -le 1 ] || trouble=$((trouble + 1))
  done <"$OUT/pairs.tsv"
  secs=$(elapsed "$t0")
  child_cpu
  cpu=$(awk -v a="$c0" -v b="$CHILD_CPU" 'BEGIN{printf "%.2f", b - a}')
  [ $trouble -eq 0 ] || echo "eval.sh: compare failed on $trouble pairs ($rdir)" >&2
  [ -n "$(ls -A "$rdir/raw")" ] || { echo "eval.sh: no report written; see above" >&2; exit 2; }
  dropped=$(filter_boilerplate "$rdir/raw" "$rdir/filtered")
  "$EVAL" --truth "$OUT/truth-kinds.tsv" "$rdir"/filtered/*.json >"$rdir/kinds.txt"
  "$EVAL" --truth "$CORPUS/truth.tsv" "$rdir"/filtered/*.json >"$rdir/labels.txt"
  "$EVAL" --truth "$CORPUS/truth.tsv" --json "$rdir"/filtered/*.json >"$rdir/eval.json"
  read -r P R G PD _ <<<"$(summ "$rdir/eval.json")"
  mark=""; [ "$v" = "$DEF" ] && mark=" *"
  printf '%-16s %8s %8s %8s %8s %9s %9s %10.1f %8s\n' "$OPT $v$mark" "$P" "$R" "$G" "$PD" "$secs" "$cpu" \
    "$(awk -v n="$npairs" -v s="$cpu" 'BEGIN{print (s > 0 ? n / s : 0)}')" "$dropped" >>"$OUT/summary.txt"
done
echo
echo "--- per obfuscation kind, defaults ($OPT $DEF; label 'mixed' = 2-3 kinds combined; full labels in $OUT/compare$OPT-$DEF/labels.txt)"
cat "$OUT/compare$OPT-$DEF/kinds.txt"
echo
cat "$OUT/summary.txt"
echo "(* = default; wall s / cpu s: the whole loop, one overlap process per pair, one thread)"

# ---- retrieval: overlap scan over the whole corpus ------------------------------------------
echo
if ! "$OVL" scan --help >"$OUT/scan-help.txt" 2>&1; then
  echo "--- retrieval: skipped: 'overlap scan --help' fails in this build ($(head -1 "$OUT/scan-help.txt"))"
  exit 0
fi
help=$(cat "$OUT/scan-help.txt")
has() { grep -q -- "$1" <<<"$help"; }
# Option spellings are read from the help text so the grid follows the command as it is.
KOPT=""
if [ "$LANG_" = en ]; then for o in --shingle-words --k-word; do has "$o" && { KOPT=$o; break; }; done
else for o in --shingle --k-cjk; do has "$o" && { KOPT=$o; break; }; done; fi
HOPT=""; for o in --num-hashes --hashes --minhash; do has "$o" && { HOPT=$o; break; }; done
TOPT=""; for o in --lsh-threshold --threshold; do has "$o" && { TOPT=$o; break; }; done
# One thread, so settings compare on CPU work; susp and src as groups (has a suspicious document
# reused a source?), so source-source pairs are neither computed nor scored.
THR=""; grep -qE -- "(^|[ ,])-j( |,|$)" <<<"$help" && THR="-j 1"
has --group-by-dir && THR="$THR --group-by-dir"
has --no-progress && THR="$THR --no-progress"
scan_run() { # NAME [OPTS...] -> appends a row
  local name=$1; shift
  local d=$OUT/scan-$name
  mkdir -p "$d/raw"
  local t0; t0=$(now)
  set +e
  (cd "$CORPUS" && /usr/bin/time -f '%M %U %S' -o "$d/rss" "$OVL" scan $THR "$@" --format json -o "$d/raw/scan.json" susp src \
    2>"$d/stderr")
  local rc=$?
  set -e
  local secs; secs=$(elapsed "$t0")
  if [ $rc -gt 1 ]; then
    printf '%-22s failed (exit %d): %s\n' "$name" $rc "$(head -1 "$d/stderr")" >>"$OUT/scan.txt"
    return
  fi
  local dropped; dropped=$(filter_boilerplate "$d/raw" "$d/filtered")
  "$EVAL" --truth "$CORPUS/truth.tsv" --json "$d/filtered/scan.json" >"$d/eval.json"
  read -r P R G PD PP PR PF PH <<<"$(summ "$d/eval.json")"
  local rss cpu
  read -r rss cpu <<<"$(tail -1 "$d/rss" | awk '{printf "%d %.2f", $1 / 1024, $2 + $3}')"
  printf '%-22s %8s %8s %6s %6s %8s %8s %8s %8s %8s %7s\n' "$name" "$PP" "$PR" "$PF" "$PH" "$P" "$R" "$PD" "$secs" \
    "$cpu" "$rss" >>"$OUT/scan.txt"
}
ntrue=$(wc -l <"$OUT/pairs-true.tsv")
{
  echo "--- retrieval: overlap scan $THR --format json susp src ($ntrue true document pairs; boilerplate-only passages dropped)"
  printf '%-22s %8s %8s %6s %6s %8s %8s %8s %8s %8s %7s\n' setting pair_P pair_R found hit char_P char_R plagdet "wall s" "cpu s" "RSS MB"
} >"$OUT/scan.txt"
scan_run defaults
if [ $GRID -eq 1 ] && [ $QUICK -eq 0 ]; then
  if [ -n "$KOPT" ]; then for k in 3 4 5; do scan_run "$KOPT=$k" "$KOPT" "$k"; done
  else echo "(no shingle-length option in 'overlap scan --help': k grid skipped)" >>"$OUT/scan.txt"; fi
  if [ -n "$HOPT" ]; then for K in 64 128 256; do scan_run "$HOPT=$K" "$HOPT" "$K"; done
  else echo "(no MinHash-count option in 'overlap scan --help': K grid skipped)" >>"$OUT/scan.txt"; fi
  if [ -n "$TOPT" ]; then for t in 0.2 0.3 0.5; do scan_run "$TOPT=$t" "$TOPT" "$t"; done
  else echo "(no --lsh-threshold in 'overlap scan --help': threshold grid skipped)" >>"$OUT/scan.txt"; fi
  if has --min-hits; then for m in 1 2 3; do scan_run "--min-hits=$m" --min-hits "$m"; done; fi
fi
cat "$OUT/scan.txt"
echo "(pair_P/pair_R: document pairs; char_*: PAN character measures of scan's passages over the whole corpus)"
