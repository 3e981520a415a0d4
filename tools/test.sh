#!/usr/bin/env bash
# The whole test suite: a normal build (with overlap-mpi; `--no-mpi` without) and an ASan+UBSan build, every CTest test in both; and a Release build that must compile.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh "$@"
# Open MPI refuses root unless told (a CI container runs as root).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
jobs=$(nproc)
echo "== normal build: ctest" >&2
ctest --test-dir build --output-on-failure -j"$jobs"
# The sanitizer build has overlap-mpi too (unless --no-mpi): its ranks run under both
# sanitizers, without the leak check, which Open MPI's own allocations at exit would fail
# (tests/mpi/scan_mpi.sh turns it off for mpirun only).
mpi=ON
for a in "$@"; do [ "$a" = --no-mpi ] && mpi=OFF; done
echo "== sanitizer build (AddressSanitizer + UndefinedBehaviorSanitizer): ctest" >&2
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DOVL_SANITIZE=ON -DOVL_BUILD_BENCH=ON -DOVL_MPI=$mpi >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" -E cli_html_chromium
# A Release build (-O3) inlines more and warns differently: it must compile under -Werror too.
echo "== Release build (-O3): the library and the CLI compile" >&2
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j"$jobs" --target overlap overlap_cli >/dev/null
