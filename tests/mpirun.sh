# mpirun.sh - how the MPI shell tests launch overlap-mpi (sourced by tests/mpi/*.sh): mpi RANKS ARGS... runs it under mpirun, at most 300 seconds.
# Root may run Open MPI only when told; more ranks than cores need --oversubscribe.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# In the sanitizer build the ranks run under AddressSanitizer and UndefinedBehaviorSanitizer
# like every other test, but without the leak check: Open MPI leaves its own allocations at
# exit (in components it has unloaded by then, so no suppression can name them).
mpi_asan=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
mpi() { # ranks, overlap-mpi arguments...
  local n=$1
  shift
  ASAN_OPTIONS=$mpi_asan timeout 300 "$OVL_MPIEXEC" -n "$n" --oversubscribe "$OVL_MPI_BIN" "$@"
}
