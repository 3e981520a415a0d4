# checks.sh - ok and bad for the shell tests (sourced): each check's line as it runs, and with finish the failed ones again at the end, where a log cut in the middle still shows them.
fail=0
failed=""
ok() { echo "ok   $1"; }
bad() {
  echo "FAIL $1"
  fail=1
  failed="$failed
FAIL $1"
}
# Ends the test: status 1 when any check failed, after listing them once more.
finish() {
  [ "$fail" = 0 ] || printf 'checks failed:%s\n' "$failed"
  exit "$fail"
}
