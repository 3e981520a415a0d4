#!/usr/bin/env bash
# Each public header compiles on its own (included twice) as C11 with -pedantic, also as the
# library sees it (OVL_BUILDING), and as C++.
set -euo pipefail
: "${OVL_SRC:?}"
cc=${CC:-cc} cxx=${CXX:-c++}
command -v "$cxx" >/dev/null || { echo "headers: no C++ compiler ($cxx)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
for h in "$OVL_SRC"/include/overlap.h "$OVL_SRC"/include/overlap/*.h; do
  rel=${h#"$OVL_SRC"/include/}
  printf '#include "%s"\n#include "%s"\n' "$rel" "$rel" > "$tmp/tu.c"
  warn="-pedantic -Wall -Wextra -Werror"
  $cc -std=c11 $warn -fsyntax-only -I"$OVL_SRC/include" "$tmp/tu.c" ||
    { echo "headers: $rel does not compile alone as C11"; exit 1; }
  $cc -std=c11 $warn -fsyntax-only -DOVL_BUILDING -I"$OVL_SRC/include" "$tmp/tu.c" ||
    { echo "headers: $rel does not compile alone as C11 with OVL_BUILDING"; exit 1; }
  $cxx -std=c++11 $warn -fsyntax-only -x c++ -I"$OVL_SRC/include" "$tmp/tu.c" ||
    { echo "headers: $rel does not compile alone as C++"; exit 1; }
  n=$((n + 1))
done
[ "$n" -ge 10 ] || { echo "headers: found only $n headers"; exit 1; }
echo "headers ok: $n headers as C11 and C++"
