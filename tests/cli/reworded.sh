#!/usr/bin/env bash
# The reworded mode from the command line on fixtures/reworded (four sentences reworded, no
# exact run long enough): compare finds nothing by default and with --no-reworded, one passage
# with --reworded (its score and "reworded": true in JSON, the mode in the params), none with a
# --min-score above its score; scan takes the options too.
set -u
: "${OVL_BIN:?}" "${OVL_SRC:?}"
cd "$OVL_SRC"
command -v python3 >/dev/null || { echo "skip: python3 reads the JSON"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
a=fixtures/reworded/en_a.txt
b=fixtures/reworded/en_b.txt
check() { # description expected-summary compare-args...
  local d=$1 w=$2; shift 2
  "$OVL_BIN" compare "$a" "$b" --format json "$@" >"$tmp/out.json" 2>"$tmp/err"
  local st=$?
  local got
  got=$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
ps = j["passages"]
print(j["params"]["mode"], j["params"]["min_score"], len(ps),
      " ".join("%d-%d/%d-%d:%.4f:%s" % (p["a"]["char_start"], p["a"]["char_end"], p["b"]["char_start"],
               p["b"]["char_end"], p["score"], p.get("reworded", False)) for p in ps))' "$tmp/out.json" 2>&1)
  if [ "$got" != "$w" ]; then
    echo "FAIL $d: got '$got' (status $st), want '$w'"; cat "$tmp/err"; fail=1
  else
    echo "ok   $d"
  fi
}
check "compare (exact mode by default)" "exact 0.0 0 "
check "compare --no-reworded" "exact 0.0 0 " --no-reworded
check "compare --reworded" "reworded 0.0 1 26-402/52-458:0.5579:True" --reworded
check "compare --reworded --min-score 0.5" "reworded 0.5 1 26-402/52-458:0.5579:True" --reworded --min-score 0.5
check "compare --reworded --min-score 0.6" "reworded 0.6 0 " --reworded --min-score 0.6
check "compare --reworded --no-reworded (the last wins)" "exact 0.0 0 " --reworded --no-reworded
"$OVL_BIN" compare "$a" "$b" --min-score 2 >"$tmp/out" 2>"$tmp/err"
st=$?
if [ "$st" != 2 ] || ! grep -q 'min-score' "$tmp/err"; then
  echo "FAIL --min-score 2: status $st, stderr '$(cat "$tmp/err")'"; fail=1
else
  echo "ok   --min-score 2 refused"
fi
mkdir -p "$tmp/c"
cp "$a" "$b" "$tmp/c/"
"$OVL_BIN" scan --reworded --no-progress -j 1 --format json "$tmp/c" >"$tmp/scan.json" 2>"$tmp/err"
mode=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["params"]["mode"])' "$tmp/scan.json" 2>&1)
if [ "$mode" != reworded ]; then echo "FAIL scan --reworded: params mode '$mode'"; cat "$tmp/err"; fail=1; else echo "ok   scan --reworded: params mode"; fi
for cmd in compare check scan; do
  if "$OVL_BIN" "$cmd" --help | grep -q -- '--reworded'; then echo "ok   $cmd --help lists --reworded"; else echo "FAIL $cmd --help"; fail=1; fi
done
exit $fail
