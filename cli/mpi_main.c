/* mpi_main.c - overlap-mpi: `overlap scan` with its options and formats, run over MPI ranks (rank 0 writes). */
#include "cli.h"

#include "overlap/scan_mpi.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ovl_scan_mpi_stats stats;
static int entered; /* this rank called the MPI scan (collective: all or none must) */

static int scan_mpi(ovl_ctx *ctx, const ovl_corpus *c, const ovl_scan_opts *o,
                    const ovl_scan_sink *sink, ovl_scan_summary *sum)
{
    entered = 1;
    return ovl_scan_mpi(ctx, MPI_COMM_WORLD, c, o, sink, sum, &stats);
}

/* OVERLAP_MPI_STATS=FILE: per phase, the seconds rank 0 spent, the bytes sent by all ranks
 * and by the rank that sent most, and the most any rank held (tab-separated). */
static void write_stats(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        cli_error("%s: cannot write the MPI figures", path);
        return;
    }
    fprintf(f, "phase\tranks\tseconds\tsent_total\tsent_max\theld_max\n");
    for (int p = 0; p < OVL_SCAN_MPI_PHASES; p++)
        fprintf(f, "%s\t%d\t%.3f\t%llu\t%llu\t%llu\n", ovl_scan_mpi_phase(p), stats.ranks,
                stats.seconds[p], (unsigned long long)stats.sent_total[p],
                (unsigned long long)stats.sent_max[p], (unsigned long long)stats.held_max[p]);
    if (fclose(f) != 0)
        cli_error("%s: cannot write the MPI figures", path);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (argc < 2 || strcmp(argv[1], "scan") != 0) {
        if (rank == 0)
            fprintf(stderr, "usage: mpirun -n N overlap-mpi scan DIR... [options of 'overlap scan']\n"
                            "Rank 0 writes the report; every rank must see the same files.\n");
        MPI_Finalize();
        return CLI_EXIT_TROUBLE;
    }
    cli_scan_fn = scan_mpi;
    int err = dup(2);
    if (rank != 0) {
        /* Rank 0 reports: the others' messages would repeat its own. */
        cli_scan_writes = 0;
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            MPI_Abort(MPI_COMM_WORLD, CLI_EXIT_TROUBLE);
    }
    int status = cmd_scan(argc - 1, argv + 1);
    if (!entered) {
        /* It stopped before the scan (bad output path, no files...): the ranks that went on
         * wait for it in the scan, so the job ends here. */
        int size = 1;
        MPI_Comm_size(MPI_COMM_WORLD, &size);
        if (size > 1) {
            if (rank != 0 && err >= 0) {
                FILE *e = fdopen(err, "w");
                if (e)
                    fprintf(e, "overlap-mpi: rank %d stopped before the scan (do all ranks see the "
                               "same files?)\n", rank), fflush(e);
            }
            MPI_Abort(MPI_COMM_WORLD, status ? status : CLI_EXIT_TROUBLE);
        }
    }
    /* mpirun exits with the status of a rank that failed: every rank gives rank 0's. */
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    const char *sp = getenv("OVERLAP_MPI_STATS");
    if (rank == 0 && sp && *sp && stats.ranks)
        write_stats(sp);
    MPI_Finalize();
    return status;
}
