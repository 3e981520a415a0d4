#!/usr/bin/env bash
# bench_compare.sh - `overlap compare` of two large real-English documents sharing ~80% of their paragraphs, timed against Debian's `sim_text -n`.
#
# usage: bench/bench_compare.sh [--mb N] [--seed N] [--runs N] [--build DIR] [--base BIN] [--gen-only]
#   --mb N       size of document A in MB (10^6 bytes; default 10)
#   --seed N     seed of the paragraph drop/edit/add/shuffle (default 1)
#   --runs N     timed rounds; each round runs overlap (and --base), then sim_text (default 3)
#   --build DIR  build directory holding overlap (default build)
#   --base BIN   a second overlap binary (e.g. one built before a change): timed in the same
#                rounds, and its JSON report must be byte-identical to DIR's
#   --gen-only   only write the documents and print their paths
# The pair is written once into bench/data/compare-en-<N>M-s<SEED>/ (git-ignored): English
# paragraphs from this machine's man pages (section 1, rendered with `groff -man -Tutf8`, 40%)
# and /usr/share/doc texts (READMEs, changelogs, copyright files), in sorted path order until there
# is enough. A is those paragraphs; B drops 10%, edits 10% (a tenth of their words replaced,
# deleted or doubled), moves 10% elsewhere and adds 10% new paragraphs from the rest of the
# pool. The same machine and seed give the same bytes; another machine's packages give
# another, similar pair. Needs groff, python3, GNU time; sim_text (package similarity-tester)
# is timed when installed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MB=10 SEED=1 RUNS=3 BUILD=$ROOT/build BASE="" GENONLY=0
while [ $# -gt 0 ]; do
  case $1 in
    --mb) MB=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    --base) BASE=$2; shift 2 ;;
    --gen-only) GENONLY=1; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench_compare: unknown option $1" >&2; exit 2 ;;
  esac
done
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
OVL=$BUILD/overlap
command -v groff >/dev/null && command -v python3 >/dev/null ||
  { echo "bench_compare: needs groff and python3" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench_compare: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }

DIR=$ROOT/bench/data/compare-en-${MB}M-s$SEED
A=$DIR/a.txt B=$DIR/b.txt
if [ ! -s "$B" ]; then
  mkdir -p "$DIR"
  pool=$DIR/pool.txt
  need=$(python3 -c "print(int(float('$MB') * 1.3e6))")
  : >"$pool"
  # Man pages (prose; at most 2 per name prefix, so one big family such as a cloud SDK's
  # thousands of pages does not fill the document) up to 40%, then /usr/share/doc texts;
  # each file's paragraphs in order.
  export LC_ALL=C
  while IFS= read -r f; do
    [ "$(stat -c %s "$pool")" -ge $((need * 2 / 5)) ] && break
    zcat -f "$f" 2>/dev/null | groff -man -Tutf8 -P-cbou 2>/dev/null >>"$pool" || true
    printf '\n\n' >>"$pool"
  done < <(find /usr/share/man/man1 -name '*.1*' -type f | sort |
           awk '{n = $0; sub(/.*\//, "", n); sub(/[-.].*/, "", n); if (++seen[n] <= 2) print}')
  while IFS= read -r f; do
    [ "$(stat -c %s "$pool")" -ge "$need" ] && break
    zcat -f "$f" 2>/dev/null >>"$pool" || true
    printf '\n\n' >>"$pool"
  done < <(find /usr/share/doc -type f \( -name 'README*' -o -name 'NEWS*' -o -name 'changelog*' \
             -o -name 'copyright' -o -name '*.txt' \) ! -name '*.html*' | sort)
  python3 - "$pool" "$A" "$B" "$MB" "$SEED" <<'EOF'
import random, re, sys
pool, pa, pb, mb, seed = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
text = open(pool, encoding='utf-8', errors='replace').read()
paras = [p.strip('\n') for p in re.split(r'\n[ \t]*\n', text)]
paras = [p for p in paras if re.search(r'[A-Za-z]{2}', p)]
target = int(mb * 1e6)
a, size, i = [], 0, 0
while i < len(paras) and size < target:
    a.append(paras[i]); size += len(paras[i].encode()) + 2; i += 1
extra = paras[i:] or paras
rng = random.Random(seed)
r = rng.random  # only random() is used: its sequence is stable across Python versions
def edit(p):
    w = p.split(' ')
    out = []
    for x in w:
        u = r()
        if u < 0.033: out.append(w[int(r() * len(w))])   # replaced
        elif u < 0.066: pass                                # deleted
        elif u < 0.1: out += [x, x]                         # doubled
        else: out.append(x)
    return ' '.join(out)
b, moved = [], []
for p in a:
    u = r()
    if u < 0.1: continue
    if u < 0.2: p = edit(p)
    if r() < 0.1: moved.append(p); continue
    b.append(p)
for p in moved:
    b.insert(int(r() * (len(b) + 1)), p)
for k in range(len(a) // 10):
    b.insert(int(r() * (len(b) + 1)), extra[int(r() * len(extra))])
open(pa, 'w', encoding='utf-8').write('\n\n'.join(a) + '\n')
open(pb, 'w', encoding='utf-8').write('\n\n'.join(b) + '\n')
EOF
  rm -f "$pool"
fi
if [ $GENONLY -eq 1 ]; then echo "$A"; echo "$B"; exit 0; fi
[ -x "$OVL" ] || { echo "bench_compare: $OVL missing (build first)" >&2; exit 2; }

echo "A: $A ($(stat -c %s "$A") bytes)  B: $B ($(stat -c %s "$B") bytes)"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
# One timed run: prints "wall_s peak_MB cpu_s" (cpu: user + system, steadier than wall on a
# loaded machine).
timed() {
  local tag=$1; shift
  /usr/bin/time -f '%e %M %U %S' -o "$OUT/$tag.time" "$@" >/dev/null 2>"$OUT/$tag.err" || {
    local st=$?
    # overlap exits 1 when it finds reuse, sim_text 0.
    [ $st -eq 1 ] || { echo "bench_compare: $* failed ($st)" >&2; cat "$OUT/$tag.err" >&2; exit 2; }
  }
  tail -n 1 "$OUT/$tag.time" | awk '{printf "%.2f %.0f %.2f\n", $1, $2 / 1024, $3 + $4}'
}
have_sim=0
command -v sim_text >/dev/null && have_sim=1
[ $have_sim -eq 1 ] || echo "bench_compare: sim_text not installed (apt-get install similarity-tester); timing overlap only" >&2
printf '%-9s %5s %9s %8s %8s\n' tool run wall_s peak_MB cpu_s
row() { printf '%-9s %5s %9s %8s %8s\n' "$@" | tee -a "$OUT/rows"; }
for r in $(seq 1 "$RUNS"); do
  row overlap "$r" $(timed ovl "$OVL" compare "$A" "$B" --format json -o "$OUT/new.json")
  if [ -n "$BASE" ]; then
    row base "$r" $(timed base "$BASE" compare "$A" "$B" --format json -o "$OUT/base.json")
  fi
  if [ $have_sim -eq 1 ]; then
    row sim_text "$r" $(timed sim sim_text -n "$A" "$B")
  fi
done
# Best wall and CPU time and largest peak of each tool, and each against sim_text's best.
awk '{ if (!($1 in w) || $3 < w[$1]) w[$1] = $3; if (!($1 in c) || $5 < c[$1]) c[$1] = $5;
       if ($4 > m[$1]) m[$1] = $4; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
     END { for (i = 1; i <= n; i++) { t = order[i];
             printf "best %-9s %6.2f s wall %6.2f s CPU %6d MB", t, w[t], c[t], m[t];
             if ("sim_text" in w && t != "sim_text" && w["sim_text"] > 0 && c["sim_text"] > 0)
               printf "  (%.1fx sim_text wall, %.1fx CPU)", w[t] / w["sim_text"], c[t] / c["sim_text"];
             printf "\n" } }' "$OUT/rows"
echo "passages: $(grep -o '"similarity"' "$OUT/new.json" | wc -l)"
if [ -n "$BASE" ]; then
  # The version string in the report may differ between the two binaries; nothing else may.
  if cmp -s <(sed 's/"overlap_version": *"[^"]*"//' "$OUT/new.json") \
            <(sed 's/"overlap_version": *"[^"]*"//' "$OUT/base.json"); then
    echo "reports: identical to --base"
  elif python3 - "$OUT/new.json" "$OUT/base.json" <<'EOF'
import json, sys
new, base = (json.load(open(f)) for f in sys.argv[1:3])
# The passages' "pieces" (added within schema 1: the moves inside a passage whose sentences
# were shuffled) may be new on one side; nothing else may differ.
n = [sum('pieces' in p for p in d['passages']) for d in (new, base)]
for d in (new, base):
    d.pop('overlap_version', None)
    for p in d['passages']:
        p.pop('pieces', None)
if new != base:
    sys.exit(1)
print(f"reports: identical to --base but for the pieces of {n[0]} passages ({n[1]} in --base)")
EOF
  then :
  else
    echo "reports: DIFFER from --base" >&2; exit 1
  fi
fi
