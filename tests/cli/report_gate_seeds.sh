#!/usr/bin/env bash
# --fail-above as a gate on the seed papers 003 and 004, which share about 2% (short quoted
# policy phrases): compare exits 0 with --fail-above 0.1 and 1 with 0.01, and -q prints
# nothing. Skips visibly when the seeds (../shared/seeds) are absent.
set -u
: "${OVL_BIN:?}" "${OVL_SRC:?}"
seeds=${OVL_SEEDS:-$OVL_SRC/../shared/seeds}
a=$(ls "$seeds"/003_*.txt 2>/dev/null | head -1)
b=$(ls "$seeds"/004_*.txt 2>/dev/null | head -1)
if [ -z "$a" ] || [ -z "$b" ]; then
  echo "skip: the seed papers 003 and 004 are not in $seeds"
  exit 77
fi
fail=0
check() { # want-status description command...
  local want=$1 what=$2; shift 2
  out=$("$@" 2>&1); st=$?
  if [ "$st" != "$want" ]; then echo "FAIL $what: exit $st, want $want"; echo "$out" | head -5; fail=1
  else echo "ok   $what"; fi
}
check 0 "compare 003 004 --fail-above 0.1" "$OVL_BIN" compare "$a" "$b" --fail-above 0.1
check 1 "compare 003 004 --fail-above 0.01" "$OVL_BIN" compare "$a" "$b" --fail-above 0.01
check 1 "compare 003 004 (reuse found)" "$OVL_BIN" compare "$a" "$b"
out=$("$OVL_BIN" compare "$a" "$b" -q --fail-above 0.01)
[ -z "$out" ] && echo "ok   -q prints nothing" || { echo "FAIL -q printed: ${out:0:80}"; fail=1; }
# The ratio the gate compares: 003's reuse ratio from the JSON report, between 0.01 and 0.1.
ratio=$("$OVL_BIN" compare "$a" "$b" --format json | grep -m1 '"reuse_ratio"' | tr -dc '0-9.')
awk -v r="$ratio" 'BEGIN { exit !(r > 0.01 && r < 0.1) }' && echo "ok   003's ratio $ratio" ||
  { echo "FAIL 003's ratio $ratio not between 0.01 and 0.1"; fail=1; }
exit $fail
