#!/usr/bin/env bash
# oom_sweep.sh - allocation-failure sweep: compare, scan, index add and check on small inputs, with the Nth allocation failing, for every N until a run makes no allocation fail (dedup, index list and index verify --deep for every STRIDE-th N, to keep the sweep's time); each run ends with "out of memory" and exit status 2 (or, when the failure was recovered from, the same output as without it), never a crash, a leak (in the sanitizer build) or a partial output file.
# OVL_OOM_JOBS (default 2) sweeps run side by side, each taking every OVL_OOM_JOBS-th N.
set -euo pipefail
: "${OVL_BUILD:?}" "${OVL_FIXTURES:?}"
BIN=$OVL_BUILD/tests/overlap-oom
[ -x "$BIN" ] || { echo "skip: $BIN not built"; exit 77; }
JOBS=${OVL_OOM_JOBS:-2}
STRIDE=1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cd "$t"
fail() { echo "FAIL: $*"; exit 1; }
# The sanitizer build reports a leak through its exit status; make it one no command uses.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=99"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}exitcode=99"

mkdir corpus
cp "$OVL_FIXTURES/reuse/source.txt" corpus/a.txt
cp "$OVL_FIXTURES/reuse/copy.txt" corpus/b.txt
head -c 600 "$OVL_FIXTURES/ingest/english.txt" > corpus/c.txt
"$OVL_BUILD/overlap" index add --db base.db corpus/a.txt corpus/c.txt >/dev/null
# dedup's corpus: a.txt and a copy one character apart (a cluster to report), and b.txt.
mkdir dd
cp corpus/a.txt corpus/b.txt dd/
sed '3s/。/！/' corpus/a.txt > dd/a2.txt

# worker NAME W OUT PREP COMMAND...: runs N = W*STRIDE+1, then every JOBS*STRIDE-th, in directory w$W (where
# OUT is the file the command writes, "" for none, and PREP resets state before each run),
# until a run in which no allocation failed; writes its tallies to w$W/tally.
worker() {
  local name=$1 w=$2 out=$3 prep=$4; shift 4
  local n=$((w * STRIDE + 1)) failed=0 recovered=0 got
  cd "w$w"
  while :; do
    rm -f fired; [ -z "$out" ] || rm -f "$out"; eval "$prep"
    set +e
    OVL_OOM_FAIL=$n OVL_OOM_REPORT=$PWD/fired "$BIN" "$@" >run.stdout 2>run.stderr
    got=$?
    set -e
    if [ ! -e fired ]; then
      # Past the last allocation: the run is the reference run again, and this worker is done.
      [ "$got" = "$want" ] || { cat run.stderr; fail "$name: run without a failure exited $got"; }
      break
    fi
    if [ "$got" = 2 ]; then
      grep -q "out of memory" run.stderr ||
        { cat run.stderr; fail "$name: allocation $n: exit 2 without 'out of memory'"; }
      if [ -n "$out" ]; then
        [ ! -e "$out" ] || fail "$name: allocation $n: $out written by a failed run"
        ! ls "$out".tmp* >/dev/null 2>&1 || fail "$name: allocation $n: temporary output left"
      fi
      failed=$((failed + 1))
    elif [ "$got" = "$want" ]; then
      # Recovered (an allocation that only makes things faster, say): the same result.
      [ -z "$out" ] || cmp -s "$out" ../ref.out || fail "$name: allocation $n: recovered with another output"
      recovered=$((recovered + 1))
    else
      cat run.stderr; fail "$name: allocation $n: exit status $got"
    fi
    n=$((n + JOBS * STRIDE))
  done
  echo "$failed $recovered" > tally
}

# sweep NAME OUT PREP -- COMMAND...
sweep() {
  local name=$1 out=$2 prep=$3; shift 4
  rm -f ref.out; eval "$prep"
  set +e; OVL_OOM_COUNT=$t/count "$BIN" "$@" >ref.stdout 2>ref.stderr; want=$?; set -e
  [ "$want" -le 1 ] || { cat ref.stderr; fail "$name: reference run exited $want"; }
  [ -z "$out" ] || cp "$out" ref.out
  local pids=() w
  for ((w = 0; w < JOBS; w++)); do
    rm -rf "w$w"; mkdir "w$w"; ln -s ../corpus "w$w/corpus"; ln -s ../dd "w$w/dd"; cp base.db "w$w/"
    worker "$name" "$w" "$out" "$prep" "$@" &
    pids+=($!)
  done
  local bad=0
  for w in "${pids[@]}"; do wait "$w" || bad=1; done
  [ "$bad" = 0 ] || fail "$name: see above"
  local failed=0 recovered=0 f r
  for ((w = 0; w < JOBS; w++)); do
    read -r f r < "w$w/tally"
    failed=$((failed + f)) recovered=$((recovered + r))
  done
  echo "$name: $(cat count) allocations$([ "$STRIDE" = 1 ] || echo ", 1 in $STRIDE made to fail"), $failed runs ended with out of memory, $recovered recovered"
}

sweep compare out.json "" -- compare corpus/a.txt corpus/b.txt --format json -o out.json
sweep compare-html out.html "" -- compare corpus/a.txt corpus/b.txt --format html -o out.html
sweep scan out.json "" -- scan corpus -j1 --format json -o out.json
sweep index-add "" "rm -f new.db new.db-wal new.db-shm" -- index add --db new.db corpus
sweep check out.json "" -- check --db base.db corpus/b.txt -j1 --format json -o out.json
# Sampled: about 230, 140 and 160 runs instead of 455, 2,700 and 3,100 (most of the last two
# are SQLite's allocations, which the full index add and check sweeps already walk).
STRIDE=2 sweep dedup out.json "" -- dedup dd -j1 --format json -o out.json
STRIDE=20 sweep index-list "" "" -- index list --db base.db
STRIDE=20 sweep index-verify "" "" -- index verify --db base.db --deep
echo "oom sweep ok"
