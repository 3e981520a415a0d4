/* bench_walk_mpi.c - ovl_corpus_add_paths_mpi timed alone: each rank's wall and CPU seconds, peak memory and share of the entries (bench/README.md, the walk in parts). */
#include "overlap/scan_mpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank = 0, ranks = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    ovl_walk_opts wo = OVL_WALK_OPTS_INIT;
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--list-round") == 0) {
        wo.list_round = (size_t)strtoull(argv[2], NULL, 10);
        first = 3;
    }
    if (argc <= first) {
        if (rank == 0)
            fprintf(stderr, "usage: mpirun -n N bench_walk_mpi [--list-round NAMES] PATH...\n");
        MPI_Finalize();
        return 2;
    }
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_corpus *c = ovl_corpus_new();
    if (!ctx || !c)
        MPI_Abort(MPI_COMM_WORLD, 2);
    MPI_Barrier(MPI_COMM_WORLD);
    double c0 = cpu_seconds(), t0 = MPI_Wtime();
    int rc = ovl_corpus_add_paths_mpi(ctx, MPI_COMM_WORLD, c, (const char *const *)argv + first,
                                      (size_t)(argc - first), &wo);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double mine[5] = {MPI_Wtime() - t0, cpu_seconds() - c0, (double)ovl_corpus_count(c),
                      (double)ovl_corpus_mpi_total(c, NULL), (double)ru.ru_maxrss / 1024.0};
    double *all = rank == 0 ? malloc(sizeof mine * (size_t)ranks) : NULL;
    MPI_Gather(mine, 5, MPI_DOUBLE, all, 5, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (rank == 0 && rc != OVL_OK)
        fprintf(stderr, "bench_walk_mpi: %s\n", ovl_ctx_message(ctx));
    for (int p = 0; rank == 0 && all && p < ranks; p++)
        printf("rank %d: %.3f s wall, %.3f s CPU, peak %.1f MB, %.0f of %.0f entries\n", p, all[5 * p],
               all[5 * p + 1], all[5 * p + 4], all[5 * p + 2], all[5 * p + 3]);
    free(all);
    ovl_corpus_free(c);
    ovl_ctx_free(ctx);
    MPI_Finalize();
    return rank == 0 && rc != OVL_OK ? 2 : 0;
}
