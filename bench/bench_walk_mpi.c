/* bench_walk_mpi.c - ovl_corpus_add_paths_mpi timed alone: each rank's wall and CPU seconds and its share of the entries (bench/README.md, the walk in parts). */
#include "overlap/scan_mpi.h"

#include <stdio.h>
#include <stdlib.h>
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
    if (argc < 2) {
        if (rank == 0)
            fprintf(stderr, "usage: mpirun -n N bench_walk_mpi PATH...\n");
        MPI_Finalize();
        return 2;
    }
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_corpus *c = ovl_corpus_new();
    if (!ctx || !c)
        MPI_Abort(MPI_COMM_WORLD, 2);
    MPI_Barrier(MPI_COMM_WORLD);
    double c0 = cpu_seconds(), t0 = MPI_Wtime();
    int rc = ovl_corpus_add_paths_mpi(ctx, MPI_COMM_WORLD, c, (const char *const *)argv + 1, (size_t)argc - 1, NULL);
    double mine[4] = {MPI_Wtime() - t0, cpu_seconds() - c0, (double)ovl_corpus_count(c),
                      (double)ovl_corpus_mpi_total(c, NULL)};
    double *all = rank == 0 ? malloc(sizeof mine * (size_t)ranks) : NULL;
    MPI_Gather(mine, 4, MPI_DOUBLE, all, 4, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (rank == 0 && rc != OVL_OK)
        fprintf(stderr, "bench_walk_mpi: %s\n", ovl_ctx_message(ctx));
    for (int p = 0; rank == 0 && all && p < ranks; p++)
        printf("rank %d: %.3f s wall, %.3f s CPU, %.0f of %.0f entries\n", p, all[4 * p], all[4 * p + 1],
               all[4 * p + 2], all[4 * p + 3]);
    free(all);
    ovl_corpus_free(c);
    ovl_ctx_free(ctx);
    MPI_Finalize();
    return rank == 0 && rc != OVL_OK ? 2 : 0;
}
