#!/usr/bin/env bash
# MPI test of the classes of recurring chunks merged and resolved over the ranks (src/mpi/classes.c): on 1-4 ranks, the classes_mpi program's seeded corpora give every unit, own flag, fragment and kin of one process's ovl__fclasses_roots.
set -u
: "${OVL_MPIEXEC:?}" "${OVL_MPI_CLASSES:?}"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
. "$(dirname "$0")/../checks.sh"
. "$(dirname "$0")/../mpirun.sh"

for n in 1 2 3 4; do
  ASAN_OPTIONS=$mpi_asan timeout 300 "$OVL_MPIEXEC" -n "$n" --oversubscribe "$OVL_MPI_CLASSES" >"$t/out" 2>"$t/err"
  st=$?
  cat "$t/out"
  # Eight seeds, one line each; all must pass and none may be missing.
  [ "$st" = 0 ] && [ "$(grep -c '^ok ' "$t/out")" = 8 ] && ! grep -q '^FAIL' "$t/out" &&
    ok "classes resolved on $n ranks as in one process (8 seeds)" ||
    bad "classes on $n ranks: status $st, $(grep -c '^ok ' "$t/out") of 8 passed; $(head -3 "$t/err")"
done
finish
