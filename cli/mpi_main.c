/* mpi_main.c - overlap-mpi: `overlap scan` with its options and formats, run over MPI ranks (rank 0 writes). */
#include "cli.h"

#include "overlap/scan_mpi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEY_ROUND_MAX ((uint64_t)1 << 40)

static ovl_scan_mpi_stats stats;
static ovl_scan_mpi_opts mopts = OVL_SCAN_MPI_OPTS_INIT;
static int entered; /* this rank called the MPI scan (collective: all or none must) */

static int scan_mpi(ovl_ctx *ctx, const ovl_corpus *c, const ovl_scan_opts *o,
                    const ovl_scan_sink *sink, ovl_scan_summary *sum)
{
    entered = 1;
    return ovl_scan_mpi(ctx, MPI_COMM_WORLD, c, o, &mopts, sink, sum, &stats);
}

/* Takes overlap-mpi's own options out of the scan's arguments (before any "--"):
 * --key-round BYTES, the band keys a rank packs per round of the key exchange. Returns the
 * arguments left, or -1 (told on standard error) when one is wrong. */
static int own_options(int argc, char **argv)
{
    int k = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (strcmp(a, "--") == 0) {
            while (i < argc)
                argv[k++] = argv[i++];
            break;
        }
        if (strncmp(a, "--key-round=", 12) == 0)
            v = a + 12;
        else if (strcmp(a, "--key-round") == 0)
            v = i + 1 < argc ? argv[++i] : "";
        else {
            argv[k++] = argv[i];
            continue;
        }
        if (cli_parse_size(v, KEY_ROUND_MAX, &mopts.key_round) != 0) {
            /* (One write: mpirun's own notices must not cut it.) */
            fprintf(stderr, "overlap: --key-round: '%s' is not a size from 0 to %llu bytes (digits, "
                            "then K, M or G for KiB, MiB, GiB)\n", v, (unsigned long long)KEY_ROUND_MAX);
            return -1;
        }
    }
    argv[k] = NULL;
    return k;
}

/* OVERLAP_MPI_STATS=FILE: per phase, the seconds rank 0 spent, the bytes sent by all ranks
 * and by the rank that sent most, the most any rank held, each rank's peak resident bytes by
 * the end of the phase (comma-separated in rank order), the most document records a rank
 * held and the records all ranks received from others (tab-separated columns).
 * Collective: every rank sends rank 0 its peaks. */
static void write_stats(const char *path, int rank, int ranks)
{
    uint64_t *peaks = rank == 0 ? calloc((size_t)ranks * OVL_SCAN_MPI_PHASES, sizeof *peaks) : NULL;
    MPI_Gather(stats.rss_peak, OVL_SCAN_MPI_PHASES, MPI_UINT64_T, peaks, OVL_SCAN_MPI_PHASES,
               MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (rank != 0)
        return;
    if (!peaks) {
        cli_error("%s: out of memory for the MPI figures", path);
        return;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        cli_error("%s: cannot write the MPI figures", path);
        free(peaks);
        return;
    }
    fprintf(f, "phase\tranks\tseconds\tsent_total\tsent_max\theld_max\trss_peak\tdocs_held_max\tdocs_fetched\n");
    for (int p = 0; p < OVL_SCAN_MPI_PHASES; p++) {
        fprintf(f, "%s\t%d\t%.3f\t%llu\t%llu\t%llu\t", ovl_scan_mpi_phase(p), stats.ranks,
                stats.seconds[p], (unsigned long long)stats.sent_total[p],
                (unsigned long long)stats.sent_max[p], (unsigned long long)stats.held_max[p]);
        for (int k = 0; k < ranks; k++)
            fprintf(f, "%s%llu", k ? "," : "", (unsigned long long)peaks[(size_t)k * OVL_SCAN_MPI_PHASES + p]);
        fprintf(f, "\t%llu\t%llu\n", (unsigned long long)stats.docs_held_max[p],
                (unsigned long long)stats.docs_fetched_total[p]);
    }
    free(peaks);
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
                            "         [--key-round BYTES]\n"
                            "Rank 0 writes the report; every rank must see the same files.\n"
                            "--key-round: band keys a rank packs per round of the key exchange\n"
                            "  (default 16M; K, M, G suffixes).\n");
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
    int left = own_options(argc - 1, argv + 1);
    if (left < 0) {
        /* Every rank parsed the same arguments: all stop here, rank 0 with the status. */
        MPI_Finalize();
        return rank == 0 ? CLI_EXIT_TROUBLE : 0;
    }
    int status = cmd_scan(left, argv + 1);
    if (!entered) {
        /* It stopped before the scan (bad output path, no files...): the ranks that went on
         * wait for it in the scan, so the job ends here. */
        int size = 1;
        MPI_Comm_size(MPI_COMM_WORLD, &size);
        if (size > 1) {
            if (rank != 0) {
                /* Rank 0 says why when it stopped too: let it speak first. */
                sleep(1);
                FILE *e = err >= 0 ? fdopen(err, "w") : NULL;
                if (e)
                    fprintf(e, "overlap-mpi: rank %d stopped before the scan\n", rank), fflush(e);
            }
            MPI_Abort(MPI_COMM_WORLD, status ? status : CLI_EXIT_TROUBLE);
        }
    }
    /* Rank 0's environment decides (mpirun need not pass it to remote ranks). */
    const char *sp = getenv("OVERLAP_MPI_STATS");
    int want = sp && *sp && stats.ranks;
    MPI_Bcast(&want, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (want)
        write_stats(sp, rank, stats.ranks);
    fflush(stdout);
    MPI_Finalize();
    /* The status is rank 0's (the scan gave every rank the same result). mpirun ends the job
     * as soon as a rank exits non-zero, which can cut rank 0's standard output still on its
     * way: only rank 0 returns it. */
    return rank == 0 ? status : 0;
}
