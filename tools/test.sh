#!/usr/bin/env bash
# The whole test suite: a normal build (with overlap-mpi; `--no-mpi` without) and an ASan+UBSan build, every CTest test in both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh "$@"
# Open MPI refuses root unless told (a CI container runs as root).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
jobs=$(nproc)
echo "== normal build: ctest" >&2
ctest --test-dir build --output-on-failure -j"$jobs"
# The sanitizer build leaves MPI out: Open MPI's own allocations would drown the leak check.
echo "== sanitizer build (AddressSanitizer + UndefinedBehaviorSanitizer): ctest" >&2
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DOVL_SANITIZE=ON -DOVL_BUILD_BENCH=ON >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" -E cli_html_chromium
