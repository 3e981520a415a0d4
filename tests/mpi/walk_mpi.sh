#!/usr/bin/env bash
# CLI tests for overlap-mpi's walk in parts (directories listed by the ranks their paths pick, level after level): a deep tree with every kind of walk problem gives one process's bytes and messages on 1-4 ranks, and no rank lists every directory.
set -u
: "${OVL_BIN:?}" "${OVL_MPI_BIN:?}" "${OVL_MPIEXEC:?}"
bindir=$(dirname "$OVL_BIN")
gen="$bindir/bench/ovl-gen"
[ -x "$gen" ] || { echo "ovl-gen not built: skipped"; exit 77; }
t=$(mktemp -d)
trap 'chmod -R u+rwx "$t" 2>/dev/null; rm -rf "$t"' EXIT
. "$(dirname "$0")/../checks.sh"
. "$(dirname "$0")/../mpirun.sh"
"$gen" --seed 12 --lang en --docs 16 --out "$t/c" >/dev/null 2>&1 || { bad "ovl-gen failed"; exit 1; }

# ---- A deep tree ---------------------------------------------------------------------------
# Seven levels, names that sort around '/' (a, a b, a-b, a.b, a0: one process walks a's
# subtree before "a b"), files on every level, a directory that cannot be listed (mode 000:
# when not root) and one whose path is too long to open (every user), symbolic links to a
# directory (not followed), to a file (taken) and to nothing, a FIFO, hidden files, empty
# directories, JSON lines files with bad records (plain and compressed) on several levels.
w="$t/w/tree"
mkdir -p "$w/a/b/c/d/e/f/g" "$w/a b/x" "$w/a-b/y/z" "$w/a.b" "$w/a0" "$w/.hid/deep" "$w/empty/e1/e2" \
  "$w/a/b/locked/in" "$w/z"
dirs=("a" "a/b" "a/b/c" "a/b/c/d" "a/b/c/d/e" "a/b/c/d/e/f" "a/b/c/d/e/f/g" "a b" "a b/x" "a-b" "a-b/y"
  "a-b/y/z" "a.b" "a0" ".hid/deep" "z")
k=0
for f in "$t"/c/src/*.txt "$t"/c/susp/*.txt; do
  cp "$f" "$w/${dirs[$((k % ${#dirs[@]}))]}/f$k.txt"
  k=$((k + 1))
done
cp "$t/c/src/00003.txt" "$w/a/b/c/d/e/copy.txt"
cp "$t/c/src/00004.txt" "$w/a/b/.hidden.txt"
cp "$t/c/src/00005.txt" "$w/a/b/locked/in/unseen.txt"
: >"$w/a-b/y/empty.txt"
printf 'binary\0data\0' >"$w/a b/binary.dat"
recs() { # id prefix, source file: three records, the second one bad
  printf '{"id": "%s1", "text": "%s"}\n' "$1" "$(head -c 1500 "$2" | tr -d '"\\\n')"
  echo '{"id": "bad", "text": '
  printf '{"id": "%s3", "text": "%s"}\n' "$1" "$(tail -c 1500 "$2" | tr -d '"\\\n')"
}
recs r "$t/c/src/00006.txt" >"$w/a/b/c/d/recs.jsonl"
recs s "$t/c/susp/00007.txt" >"$w/a-b/recs.jsonl"
recs u "$t/c/src/00008.txt" | gzip -c >"$w/a.b/zipped.jsonl.gz"
ln -s ../a "$w/z/link-to-a"
ln -s ../a/b/c/d/e/copy.txt "$w/z/link-to-file.txt"
ln -s nowhere "$w/z/dangling.txt"
ln -s ../../.. "$w/a/b/c/d/loop"
mkfifo "$w/a/fifo" "$t/w/fifo"
chmod 000 "$w/a/b/locked/in"
# A chain of directories longer than PATH_MAX (4096 on Linux) from the top, with a file on
# the way: the one that cannot be opened is a problem (one process: its lstat says so).
long=$(printf 'n%.0s' $(seq 200))
chain="$w/a0"
for i in $(seq 24); do chain="$chain/$long"; done
mkdir -p "$chain" 2>/dev/null || { bad "mkdir of a long chain failed"; }
(cd "$w/a0/$long/$long" && cp "$t/c/susp/00009.txt" deep.txt)

set -f # (the options' globs go to overlap as they are)
wvariants=(
  ""
  "--hidden --exclude d --passages all"
  "--include *.txt --group-by-dir"
)
args=("$w" "$t/w/missing" "$w/a/b" "$t/w/fifo") # (a b's files given twice: dropped)
v=0
for opts in "${wvariants[@]}"; do
  v=$((v + 1))
  for fmt in json text; do
    [ "$fmt" = text ] && [ "$v" != 1 ] && continue
    # shellcheck disable=SC2086
    "$OVL_BIN" scan --format "$fmt" --color never $opts -o "$t/one.$fmt" "${args[@]}" 2>"$t/one.err"
    st1=$?
    grep '^overlap' "$t/one.err" >"$t/one.msg"
    for n in 1 2 3 4; do
      # shellcheck disable=SC2086
      OVERLAP_MPI_STATS="$t/walk.stats" mpi "$n" scan --format "$fmt" --color never $opts -o "$t/mpi.$fmt" \
        "${args[@]}" >/dev/null 2>"$t/mpi.err"
      stn=$?
      grep '^overlap' "$t/mpi.err" >"$t/mpi.msg"
      listed=$(awk -F'\t' '$1 == "fingerprint" {print $12}' "$t/walk.stats")
      if [ "$st1" = "$stn" ] && cmp -s "$t/one.$fmt" "$t/mpi.$fmt" && cmp -s "$t/one.msg" "$t/mpi.msg"; then
        ok "deep tree $v ($opts) $fmt -n $n: identical bytes and messages, status $stn, directories listed $listed"
      else
        bad "deep tree $v ($opts) $fmt -n $n: status $stn (one process $st1), $(cmp "$t/one.$fmt" "$t/mpi.$fmt" 2>&1 | head -1) $(diff "$t/one.msg" "$t/mpi.msg" | cut -c1-200 | head -6)"
      fi
    done
  done
done
# The same walk with directories listed in rounds of one and of two names per rank (a
# directory's listing carried on over rounds, ranks done with their directories while others
# still list): one process's bytes and messages.
for lr in 1 2; do
  "$OVL_BIN" scan --format json -o "$t/one.json" "${args[@]}" 2>"$t/one.err"
  st1=$?
  grep '^overlap' "$t/one.err" >"$t/one.msg"
  for n in 2 3 4; do
    mpi "$n" scan --format json --list-round "$lr" -o "$t/mpi.json" "${args[@]}" >/dev/null 2>"$t/mpi.err"
    stn=$?
    grep '^overlap' "$t/mpi.err" >"$t/mpi.msg"
    [ "$st1" = "$stn" ] && cmp -s "$t/one.json" "$t/mpi.json" && cmp -s "$t/one.msg" "$t/mpi.msg" &&
      ok "deep tree, --list-round $lr, -n $n: identical bytes and messages, status $stn" ||
      bad "deep tree, --list-round $lr, -n $n: status $stn (one process $st1), $(cmp "$t/one.json" "$t/mpi.json" 2>&1 | head -1) $(diff "$t/one.msg" "$t/mpi.msg" | cut -c1-200 | head -6)"
  done
done
set +f
# ... which has what it is meant to cover (one process's documents, from dedup's list of
# every document, and its messages).
"$OVL_BIN" dedup "${args[@]}" 2>"$t/one.err" | cut -f4 | sed "s|^$w/||" >"$t/one.docs"
locked=1
[ "$(id -u)" = 0 ] || grep -q 'locked/in: Permission denied' "$t/one.err" || locked=0
want="a/b/c/d/recs.jsonl#r3 a.b/zipped.jsonl.gz#u1 z/link-to-file.txt a/b/c/d/e/f/g/f6.txt a0/f13.txt"
have=1
for d in $want; do grep -qxF "$d" "$t/one.docs" || have=0; done
grep -qx 'a b/x/f8.txt' "$t/one.docs" && grep -q "$long/deep.txt\$" "$t/one.docs" || have=0
unseen='link-to-a|loop|fifo|\.hid|#bad'
[ "$(id -u)" = 0 ] || unseen="$unseen|unseen" # (root lists a directory of mode 000)
grep -qE "$unseen" "$t/one.docs" && have=0
[ "$have" = 1 ] && [ "$locked" = 1 ] && grep -q 'w/missing: No such file or directory' "$t/one.err" &&
  grep -q 'w/fifo: not a regular file' "$t/one.err" && grep -q 'n: File name too long' "$t/one.err" &&
  [ "$(grep -c 'recs.jsonl: line 2' "$t/one.err")" = 3 ] && grep -q 'zipped.jsonl.gz: line 2' "$t/one.err" &&
  ok "the deep tree: records and bad records on several levels, links, a missing path, a FIFO, a path too long" ||
  bad "the deep tree lacks something: $(tr '\n' ' ' <"$t/one.docs" | cut -c1-600) $(cut -c1-120 "$t/one.err" | head -8)"

# ---- A random tree ---------------------------------------------------------------------------
# Names of 1-3 characters from bytes below and above '/' (space, !, #, +, -, ., 0, ~, a
# UTF-8 letter), directories five deep, a bad JSON lines record in many of them (a message
# each, whose order is the walk's), dangling links: -n 2..4 say the same as one process.
python3 -c 'import os, random, sys
random.seed(3)
chars = ["a", "b", "-", ".", " ", "!", "+", "0", "~", "\u00e9", "_", "#"]
def make(d, depth):
    os.makedirs(d, exist_ok=True)
    for _ in range(random.randint(3, 8)):
        n = "".join(random.choice(chars) for _ in range(random.randint(1, 3)))
        p = os.path.join(d, "x" + n if n.startswith(".") else n)
        r = random.random()
        if os.path.lexists(p):
            continue
        if r < 0.4 and depth < 5:
            make(p, depth + 1)
        elif r < 0.6:
            open(p + ".jsonl", "w").write("{\"id\": \"1\", \"text\": \"some words here\"}\n{\"id\": \n")
        elif r < 0.7:
            os.symlink("nowhere", p + "-dangling.txt")
        else:
            open(p + ".txt", "w").write("some words here and there " * random.randint(1, 5))
make(sys.argv[1], 0)' "$t/rnd" || bad "the random tree could not be made"
"$OVL_BIN" scan --format json -o "$t/one.json" "$t/rnd" "$t/rnd/a" 2>"$t/one.err"
st1=$?
grep '^overlap' "$t/one.err" >"$t/one.msg"
for n in 2 3 4; do
  # (-n 3 lists in rounds of three names)
  lr=""
  [ "$n" = 3 ] && lr="--list-round 3"
  # shellcheck disable=SC2086
  mpi "$n" scan --format json $lr -o "$t/mpi.json" "$t/rnd" "$t/rnd/a" >/dev/null 2>"$t/mpi.err"
  stn=$?
  grep '^overlap' "$t/mpi.err" >"$t/mpi.msg"
  [ "$(wc -l <"$t/one.msg")" -gt 100 ] && [ "$st1" = "$stn" ] && cmp -s "$t/one.json" "$t/mpi.json" &&
    cmp -s "$t/one.msg" "$t/mpi.msg" &&
    ok "random tree -n $n $lr: identical bytes and $(wc -l <"$t/one.msg") messages, status $stn, $(find "$t/rnd" -type d | wc -l) directories" ||
    bad "random tree -n $n: status $stn (one process $st1), $(wc -l <"$t/one.msg") messages, $(cmp "$t/one.json" "$t/mpi.json" 2>&1 | head -1) $(diff "$t/one.msg" "$t/mpi.msg" | head -4)"
done

# ---- No rank lists every directory ---------------------------------------------------------
# 30 directories (the top, d0-d9, d0-d9/s0, d0-d8/s1): on 3 ranks each lists fewer than 30 and
# together they list each once; one rank lists all 30.
d30="$t/thirty"
for i in 0 1 2 3 4 5 6 7 8 9; do mkdir -p "$d30/d$i/s0"; [ "$i" = 9 ] || mkdir -p "$d30/d$i/s1"; done
cp "$t/c/src/00000.txt" "$d30/d3/s1/x.txt"
{ head -20 "$t/c/src/00000.txt"; tail -10 "$t/c/susp/00000.txt"; } >"$d30/d7/s0/y.txt"
[ "$(find "$d30" -type d | wc -l)" = 30 ] || bad "the 30-directory tree has $(find "$d30" -type d | wc -l)"
"$OVL_BIN" scan --format json -o "$t/one.json" "$d30" 2>/dev/null
for n in 1 3; do
  OVERLAP_MPI_STATS="$t/dirs.$n" mpi "$n" scan --format json -o "$t/mpi.json" "$d30" >/dev/null 2>&1
  listed=$(awk -F'\t' '$1 == "fingerprint" {print $12}' "$t/dirs.$n")
  if [ "$n" = 1 ]; then want='$1 == 30 && NF == 1'; else want='$1 < 30 && $2 < 30 && $3 < 30 && $1 + $2 + $3 == 30 && NF == 3'; fi
  cmp -s "$t/one.json" "$t/mpi.json" && jq -e '(.pairs | length) == 1' "$t/one.json" >/dev/null &&
    echo "$listed" | awk -F, "{exit !($want)}" &&
    ok "directories listed on $n rank(s): $listed of 30, identical bytes" ||
    bad "directories listed on $n rank(s): '$listed' of 30 (wanted: $want), $(cmp "$t/one.json" "$t/mpi.json" 2>&1 | head -1)"
done

# ---- A large directory is never held whole ---------------------------------------------------
# 3,000 files in one directory, listed by one rank: in rounds of 100 names no rank holds more
# than its round and what the ranks send it in one (100 a rank); at the default round (64K)
# the rank listing it holds all 3,000 names at once.
big="$t/big"
mkdir -p "$big"
python3 -c 'import sys
for i in range(3000):
    open("%s/f%04d.txt" % (sys.argv[1], i), "w").write("note %d of the large directory: %s\n" % (i, " ".join("w%d" % ((i * 7 + k) % 50) for k in range(12))))' "$big" ||
  bad "the large directory could not be made"
"$OVL_BIN" scan --format json -o "$t/one.json" "$big" 2>/dev/null
for n in 2 3; do
  for lr in 100 ""; do
    # shellcheck disable=SC2086
    OVERLAP_MPI_STATS="$t/big.stats" mpi "$n" scan --format json ${lr:+--list-round $lr} -o "$t/mpi.json" "$big" \
      >/dev/null 2>&1
    held=$(awk -F'\t' '$1 == "fingerprint" {print $17}' "$t/big.stats")
    if [ -n "$lr" ]; then want="k > 0 && k <= $lr * ($n + 1)"; else want="k >= 3000"; fi
    most=$(echo "$held" | tr , '\n' | sort -n | tail -1)
    cmp -s "$t/one.json" "$t/mpi.json" && jq -e '(.pairs | length) == 50 and (.copies | length) > 0' "$t/one.json" >/dev/null &&
      echo "$most" | awk "{k = \$1; exit !($want)}" &&
      ok "3,000 names in one directory, -n $n, round ${lr:-64K}: names held per rank $held, identical bytes" ||
      bad "3,000 names in one directory, -n $n, round ${lr:-64K}: names held per rank '$held' (wanted $want), $(cmp "$t/one.json" "$t/mpi.json" 2>&1 | head -1)"
  done
done
mpi 2 scan --format json --list-round 12X "$big" >"$t/out" 2>"$t/err"
st=$?
[ "$st" = 2 ] && grep -q "^overlap: --list-round: '12X' is not a count" "$t/err" && [ ! -s "$t/out" ] &&
  ok "--list-round 12X refused, status 2" || bad "--list-round 12X: status $st, $(head -2 "$t/err")"

finish
