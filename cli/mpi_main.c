/* mpi_main.c - overlap-mpi: `overlap scan` with its options and formats, run over MPI ranks (rank 0 writes). */
#include "cli.h"

#include "overlap/scan_mpi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEY_ROUND_MAX ((uint64_t)1 << 40)
#define LIST_ROUND_MAX ((uint64_t)1 << 32)

static ovl_scan_mpi_stats stats;
static ovl_scan_mpi_opts mopts = OVL_SCAN_MPI_OPTS_INIT;
static uint64_t list_round; /* --list-round (0: the library's default) */
static int entered; /* this rank called the MPI scan (collective: all or none must) */

static int scan_mpi(ovl_ctx *ctx, const ovl_corpus *c, const ovl_scan_opts *o,
                    const ovl_scan_sink *sink, ovl_scan_summary *sum)
{
    entered = 1;
    /* -j beyond the cores a rank is bound to only makes its threads take turns: Open MPI
     * binds each of one or two ranks to one core unless told otherwise. */
    int cores = (int)ovl_cores(), fewest = 0, rank = 0;
    MPI_Allreduce(&cores, &fewest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0 && o->threads > 1 && (unsigned)fewest < o->threads)
        cli_error("scan: -j %u, but a rank may run on %d core%s only: its threads take turns (mpirun binds "
                  "each of one or two ranks to one core by default; --map-by slot:PE=%u binds %u to each)",
                  o->threads, fewest, fewest == 1 ? "" : "s", o->threads, o->threads);
    return ovl_scan_mpi(ctx, MPI_COMM_WORLD, c, o, &mopts, sink, sum, &stats);
}

/* ---- the corpus walked in parts: each rank holds its share of the file list ---- */

static int walk_parts(ovl_ctx *ctx, ovl_corpus *c, const char *const *paths, size_t npaths, const ovl_walk_opts *wo)
{
    ovl_walk_opts w = *wo;
    w.list_round = (size_t)list_round;
    return ovl_corpus_add_paths_mpi(ctx, MPI_COMM_WORLD, c, paths, npaths, &w);
}

static size_t count_parts(const ovl_corpus *c) { return ovl_corpus_mpi_total(c, NULL); }

/* Every rank's bytes to rank 0 (MPI_Gatherv; there *lens[p] of rank p, in rank order); NULL
 * on the other ranks, and on every rank when rank 0 is out of memory. Collective. */
static char *gather(const char *mine, int len, int **lens)
{
    int P = 1, rank = 0, bad = 0, total = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &P);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int *l = rank == 0 ? calloc((size_t)P, sizeof *l) : NULL, *at = rank == 0 ? calloc((size_t)P, sizeof *at) : NULL;
    bad = rank == 0 && (!l || !at);
    MPI_Bcast(&bad, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (bad) {
        free(l), free(at);
        return NULL;
    }
    MPI_Gather(&len, 1, MPI_INT, l, 1, MPI_INT, 0, MPI_COMM_WORLD);
    for (int p = 0; rank == 0 && p < P; p++)
        at[p] = total, total += l[p];
    char *all = rank == 0 ? malloc(total ? (size_t)total : 1) : NULL;
    bad = rank == 0 && !all;
    MPI_Bcast(&bad, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!bad)
        MPI_Gatherv(mine, len, MPI_CHAR, all, l, at, MPI_CHAR, 0, MPI_COMM_WORLD);
    free(at);
    if (bad || rank != 0) {
        free(all), free(l);
        return NULL;
    }
    *lens = l;
    return all;
}

/* Rank 0 warns of every empty file, in document order (the other ranks' messages are not
 * shown: their names come to it). */
static void warn_empty_parts(const ovl_corpus *c)
{
    int rank = 0, P = 1, *lens = NULL;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &P);
    size_t len = 0;
    for (size_t i = 0; i < ovl_corpus_count(c); i++)
        if (ovl_corpus_size(c, i) == 0)
            len += strlen(ovl_corpus_name(c, i)) + 1;
    char *mine = malloc(len ? len : 1), *all = NULL;
    len = 0;
    for (size_t i = 0; mine && i < ovl_corpus_count(c); i++)
        if (ovl_corpus_size(c, i) == 0) {
            size_t l = strlen(ovl_corpus_name(c, i)) + 1;
            memcpy(mine + len, ovl_corpus_name(c, i), l);
            len += l;
        }
    /* (Only rank 0 gets the names: it prints them.) */
    all = gather(mine ? mine : "", mine ? (int)len : 0, &lens);
    size_t total = 0;
    for (int p = 0; all && p < P; p++)
        total += (size_t)lens[p];
    for (size_t at = 0; rank == 0 && all && at < total; at += strlen(all + at) + 1)
        cli_path_msg(all + at, "warning: empty file");
    free(mine);
    free(all);
    free(lens);
}

/* The group keys of this rank's share, given to the scan (mopts.group_keys), which numbers
 * them over the ranks; freed once the scan is done. A document whose key is its
 * predecessor's shares its string (a share is in name order: a directory's files are
 * together). */
static char **share_keys;
static size_t nshare_keys;

static void free_keys(void)
{
    for (size_t i = 0; share_keys && i < nshare_keys; i++)
        if (i == 0 || share_keys[i] != share_keys[i - 1])
            free(share_keys[i]);
    free(share_keys);
    share_keys = NULL;
    nshare_keys = 0;
    mopts.group_keys = NULL;
}

static int groups_parts(const ovl_corpus *c, const char *regex, int by_dir)
{
    size_t mine = ovl_corpus_count(c);
    if (!regex && !by_dir)
        return 0;
    regex_t re;
    if (regex && cli_group_compile(regex, &re) != 0)
        return -1; /* (every rank stops here: the same regex) */
    int bad = !(share_keys = calloc(mine ? mine : 1, sizeof *share_keys));
    nshare_keys = bad ? 0 : mine;
    for (size_t i = 0; !bad && i < mine; i++) {
        const char *start = NULL;
        size_t len = 0;
        if (!cli_group_key(ovl_corpus_name(c, i), regex ? &re : NULL, by_dir, &start, &len))
            continue;
        const char *prev = i ? share_keys[i - 1] : NULL;
        if (prev && strlen(prev) == len && memcmp(prev, start, len) == 0)
            share_keys[i] = share_keys[i - 1];
        else if (!(share_keys[i] = malloc(len + 1)))
            bad = 1;
        else
            memcpy(share_keys[i], start, len), share_keys[i][len] = '\0';
    }
    if (regex)
        regfree(&re);
    if (bad) {
        /* (The scan is collective: this rank stops before it, and the job ends.) */
        free_keys();
        cli_error("out of memory");
        return -1;
    }
    mopts.group_keys = (const char *const *)share_keys;
    return 0;
}

static const cli_scan_parts parts = {walk_parts, count_parts, warn_empty_parts, groups_parts};

/* Takes overlap-mpi's own options out of the scan's arguments (before any "--"):
 * --key-round BYTES, the band keys a rank packs per round of the key exchange, and
 * --list-round NAMES, the names a rank lists of its directories per round of the walk.
 * Returns the arguments left, or -1 (told on standard error) when one is wrong. */
static int own_options(int argc, char **argv)
{
    int k = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = NULL, *opt = NULL;
        if (strcmp(a, "--") == 0) {
            while (i < argc)
                argv[k++] = argv[i++];
            break;
        }
        static const char *const own[] = {"--key-round", "--list-round"};
        for (int o = 0; o < 2 && !opt; o++) {
            size_t ol = strlen(own[o]);
            if (strncmp(a, own[o], ol) == 0 && a[ol] == '=')
                opt = own[o], v = a + ol + 1;
            else if (strcmp(a, own[o]) == 0)
                opt = own[o], v = i + 1 < argc ? argv[++i] : "";
        }
        if (!opt) {
            argv[k++] = argv[i];
            continue;
        }
        int keys = opt == own[0];
        uint64_t max = keys ? KEY_ROUND_MAX : LIST_ROUND_MAX;
        if (cli_parse_size(v, max, keys ? &mopts.key_round : &list_round) != 0) {
            /* (One write: mpirun's own notices must not cut it.) */
            fprintf(stderr, "overlap: %s: '%s' is not a %s from 0 to %llu%s (digits, then K, M or G for %s)\n",
                    opt, v, keys ? "size" : "count", (unsigned long long)max, keys ? " bytes" : "",
                    keys ? "KiB, MiB, GiB" : "2^10, 2^20, 2^30 names");
            return -1;
        }
    }
    argv[k] = NULL;
    return k;
}

/* OVERLAP_MPI_STATS=FILE: per phase, the seconds rank 0 spent, the bytes sent by all ranks
 * and by the rank that sent most, the most any rank held, each rank's peak resident bytes by
 * the end of the phase (comma-separated in rank order), the most document records a rank
 * held and the records all ranks received from others, the most file list entries a rank
 * held and the documents of the corpus, and in the fingerprint phase's row each rank's
 * directories listed and seconds of the walk, then the most group ids and keys a rank held,
 * each rank's most family and template spans held (comma-separated), in the pairs phase's
 * row the bytes rank 0 built the families from, and in the fingerprint phase's row each
 * rank's most directory entries held while listing, then in the pairs phase's row the units
 * every rank joined into texts, the pairs of neighbouring units each held, the sums over the
 * ranks the join made and the units met beside another (tab-separated columns).
 * Collective: every rank sends rank 0 its peaks, spans and walk figures. */
static void write_stats(const char *path, int rank, int ranks)
{
    uint64_t *peaks = rank == 0 ? calloc((size_t)ranks * OVL_SCAN_MPI_PHASES, sizeof *peaks) : NULL;
    uint64_t *dirs = rank == 0 ? calloc((size_t)ranks, sizeof *dirs) : NULL;
    double *walk = rank == 0 ? calloc((size_t)ranks, sizeof *walk) : NULL;
    uint64_t *spans = rank == 0 ? calloc((size_t)ranks * OVL_SCAN_MPI_PHASES, sizeof *spans) : NULL;
    uint64_t *names = rank == 0 ? calloc((size_t)ranks, sizeof *names) : NULL;
    uint64_t *fin = rank == 0 ? calloc((size_t)ranks, sizeof *fin) : NULL;
    uint64_t *fcl = rank == 0 ? calloc((size_t)ranks, sizeof *fcl) : NULL;
    uint64_t *led = rank == 0 ? calloc((size_t)ranks, sizeof *led) : NULL;
    MPI_Gather(stats.rss_peak, OVL_SCAN_MPI_PHASES, MPI_UINT64_T, peaks, OVL_SCAN_MPI_PHASES,
               MPI_UINT64_T, 0, MPI_COMM_WORLD);
    MPI_Gather(stats.family_spans_held, OVL_SCAN_MPI_PHASES, MPI_UINT64_T, spans, OVL_SCAN_MPI_PHASES,
               MPI_UINT64_T, 0, MPI_COMM_WORLD);
    MPI_Gather(&stats.dirs_listed, 1, MPI_UINT64_T, dirs, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    MPI_Gather(&stats.walk_seconds, 1, MPI_DOUBLE, walk, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    MPI_Gather(&stats.walk_names_held, 1, MPI_UINT64_T, names, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    MPI_Gather(&stats.families_input, 1, MPI_UINT64_T, fin, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    MPI_Gather(&stats.family_classes, 1, MPI_UINT64_T, fcl, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    MPI_Gather(&stats.copies_led, 1, MPI_UINT64_T, led, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (rank != 0)
        return;
    int have = peaks && dirs && walk && spans && names && fin && fcl && led;
    FILE *f = have ? fopen(path, "w") : NULL;
    if (!f) {
        cli_error(have ? "%s: cannot write the MPI figures" : "%s: out of memory for the MPI figures", path);
        free(peaks), free(dirs), free(walk), free(spans), free(names), free(fin), free(fcl), free(led);
        return;
    }
    fprintf(f, "phase\tranks\tseconds\tsent_total\tsent_max\theld_max\trss_peak\tdocs_held_max\tdocs_fetched"
               "\tpaths_held_max\tpaths\tdirs_listed\twalk_seconds\tgroups_held_max\tfamily_spans_held"
               "\tfamilies_input\twalk_names_held\tfamily_units\tfamily_neighbours\tfamily_join_sums\tfamily_joined\tfamily_part_pairs"
               "\tfamily_text_pairs\tfamily_text_joins\tfamily_grams\tfamily_members_moved\tfamily_classes\tcopies_led\tnear_rounds\n");
    for (int p = 0; p < OVL_SCAN_MPI_PHASES; p++) {
        fprintf(f, "%s\t%d\t%.3f\t%llu\t%llu\t%llu\t", ovl_scan_mpi_phase(p), stats.ranks,
                stats.seconds[p], (unsigned long long)stats.sent_total[p],
                (unsigned long long)stats.sent_max[p], (unsigned long long)stats.held_max[p]);
        for (int k = 0; k < ranks; k++)
            fprintf(f, "%s%llu", k ? "," : "", (unsigned long long)peaks[(size_t)k * OVL_SCAN_MPI_PHASES + p]);
        fprintf(f, "\t%llu\t%llu\t%llu\t%llu\t", (unsigned long long)stats.docs_held_max[p],
                (unsigned long long)stats.docs_fetched_total[p], (unsigned long long)stats.paths_held_max[p],
                (unsigned long long)stats.paths);
        for (int k = 0; k < ranks; k++)
            fprintf(f, "%s%llu", k ? "," : "", p ? 0ull : (unsigned long long)dirs[k]);
        for (int k = 0; k < ranks; k++)
            fprintf(f, "%s%.3f", k ? "," : "\t", p ? 0.0 : walk[k]);
        fprintf(f, "\t%llu", (unsigned long long)stats.groups_held_max[p]);
        for (int k = 0; k < ranks; k++)
            fprintf(f, "%s%llu", k ? "," : "\t", (unsigned long long)spans[(size_t)k * OVL_SCAN_MPI_PHASES + p]);
        for (int k = 0; k < ranks; k++)
            fprintf(f, "%s%llu", k ? "," : "\t", p == 2 /* pairs */ ? (unsigned long long)fin[k] : 0ull);
        for (int k = 0; k < ranks; k++)
            fprintf(f, "%s%llu", k ? "," : "\t", p ? 0ull : (unsigned long long)names[k]);
        fprintf(f, "\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu", p == 2 ? (unsigned long long)stats.family_units : 0ull,
                p == 2 ? (unsigned long long)stats.family_neighbours : 0ull,
                p == 2 ? (unsigned long long)stats.family_join_sums : 0ull,
                p == 2 ? (unsigned long long)stats.family_joined : 0ull,
                p == 2 ? (unsigned long long)stats.family_part_pairs : 0ull,
                p == 2 ? (unsigned long long)stats.family_text_pairs : 0ull,
                p == 2 ? (unsigned long long)stats.family_text_joins : 0ull,
                p == 2 ? (unsigned long long)stats.family_grams : 0ull,
                p == 2 ? (unsigned long long)stats.family_members_moved : 0ull);
        for (int k = 0; k < ranks; k++)
            fprintf(f, "%s%llu", k ? "," : "\t", p == 2 ? (unsigned long long)fcl[k] : 0ull);
        for (int k = 0; k < ranks; k++)
            fprintf(f, "%s%llu", k ? "," : "\t", p ? 0ull : (unsigned long long)led[k]);
        fprintf(f, "\t%llu\n", p ? 0ull : (unsigned long long)stats.near_rounds);
    }
    free(peaks), free(dirs), free(walk), free(spans), free(names), free(fin), free(fcl), free(led);
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
                            "         [--key-round BYTES] [--list-round NAMES]\n"
                            "Rank 0 writes the report; every rank must see the same files.\n"
                            "--key-round: band keys a rank packs per round of the key exchange\n"
                            "  (default %lluM; K, M, G suffixes).\n"
                            "--list-round: names a rank lists of its directories per round of the\n"
                            "  walk (default %lluK).\n",
                    (unsigned long long)(OVL_SCAN_MPI_KEY_ROUND_DEFAULT >> 20),
                    (unsigned long long)(OVL_WALK_LIST_ROUND_DEFAULT >> 10));
        MPI_Finalize();
        return CLI_EXIT_TROUBLE;
    }
    cli_scan_fn = scan_mpi;
    cli_scan_parted = &parts;
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
    free_keys();
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
