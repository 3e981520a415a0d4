/* bench_stages.c - per-stage throughput (ingest, fingerprint, candidates, align, report) and peak RSS on a generated corpus, one thread. */
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"
#include "overlap.h"

/* Wall and CPU clocks: the machine is shared, so CPU seconds show what load hides. */
typedef struct clk {
    double wall, cpu;
} clk;

static clk clk_now(void)
{
    struct timespec w, c;
    clock_gettime(CLOCK_MONOTONIC, &w);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
    clk k = {(double)w.tv_sec + w.tv_nsec / 1e9, (double)c.tv_sec + c.tv_nsec / 1e9};
    return k;
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* ru_maxrss is in KiB on Linux */
}

typedef struct file {
    char *name;
    char *data;
    size_t len;
} file;

static int cmp_name(const void *a, const void *b)
{
    return strcmp(((const file *)a)->name, ((const file *)b)->name);
}

/* Appends every regular file of dir/sub to *fs (names "sub/NAME"). */
static int read_dir(const char *dir, const char *sub, file **fs, size_t *n, size_t *cap)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char fp[4096 + 256];
        snprintf(fp, sizeof fp, "%s/%s", path, e->d_name);
        FILE *f = fopen(fp, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        long sz = ftell(f);
        fseek(f, 0, SEEK_SET);
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 1024;
            *fs = realloc(*fs, *cap * sizeof **fs);
        }
        file *x = &(*fs)[(*n)++];
        size_t nl = strlen(sub) + strlen(e->d_name) + 2;
        x->name = malloc(nl);
        snprintf(x->name, nl, "%s/%s", sub, e->d_name);
        x->data = malloc(sz > 0 ? (size_t)sz : 1);
        x->len = sz > 0 ? fread(x->data, 1, (size_t)sz, f) : 0;
        fclose(f);
    }
    closedir(d);
    return 0;
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

typedef struct sink_count {
    size_t bytes;
} sink_count;

static int null_sink(void *ud, const void *data, size_t len)
{
    (void)data;
    ((sink_count *)ud)->bytes += len;
    return 0;
}

static void row(const char *stage, clk t0, clk t1, double mb, const char *items)
{
    double w = t1.wall - t0.wall, c = t1.cpu - t0.cpu;
    printf("  %-11s %9.3f %9.3f %10.1f %10.1f %9.0f   %s\n", stage, w, c, w > 0 ? mb / w : 0, c > 0 ? mb / c : 0,
           peak_rss_mb(), items);
}

static int fail(ovl_ctx *ctx, const char *what, int rc)
{
    fprintf(stderr, "bench_stages: %s: %s: %s\n", what, ovl_strerror(rc), ovl_ctx_message(ctx));
    return 1;
}

/* Generates a corpus of about mb * 10^6 bytes, loads it, then times each stage over it. */
static int run(const char *lang, double mb, long max_df_opt, unsigned min_hits, uint64_t seed)
{
    char tmpl[512];
    const char *tmp = getenv("TMPDIR");
    snprintf(tmpl, sizeof tmpl, "%s/ovl-stages-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmpl)) {
        perror("bench_stages: mkdtemp");
        return 1;
    }
    ovl_gen_opts g = OVL_GEN_OPTS_INIT;
    g.seed = seed;
    g.lang = lang;
    g.bytes = (uint64_t)(mb * 1e6);
    ovl_gen_stats st;
    char err[512];
    int grc = ovl_gen_corpus(&g, tmpl, &st, err, sizeof err);
    file *fs = NULL;
    size_t nf = 0, cap = 0;
    if (grc == 0 && (read_dir(tmpl, "src", &fs, &nf, &cap) != 0 || read_dir(tmpl, "susp", &fs, &nf, &cap) != 0))
        grc = -1, snprintf(err, sizeof err, "cannot read back %.400s", tmpl);
    nftw(tmpl, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (grc != 0) {
        fprintf(stderr, "bench_stages: %s: %.400s\n", lang, err);
        for (size_t i = 0; i < nf; i++)
            free(fs[i].name), free(fs[i].data);
        free(fs);
        return grc == OVL_ERR_NOTFOUND ? 77 : 1;
    }
    qsort(fs, nf, sizeof *fs, cmp_name);
    size_t bytes = 0;
    for (size_t i = 0; i < nf; i++)
        bytes += fs[i].len;
    double MB = (double)bytes / 1e6;
    printf("%s: %zu documents, %.1f MB, %zu planted cases (seed %llu)\n", lang, nf, MB, st.n_cases,
           (unsigned long long)seed);
    printf("  %-11s %9s %9s %10s %10s %9s   %s\n", "stage", "wall s", "cpu s", "MB/s wall", "MB/s cpu",
           "peak MB", "work");

    /* As `overlap scan` does by default: boilerplate keys are those of more than 50
     * documents. */
    unsigned max_df = max_df_opt >= 0 ? (unsigned)max_df_opt : 50u;
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_doc **docs = calloc(nf, sizeof *docs);
    ovl_fp **fps = calloc(nf, sizeof *fps);
    ovl_finder *fd = NULL;
    ovl_cand *pairs = NULL;
    size_t npairs = 0;
    ovl_passage **ps = NULL;
    size_t *nps = NULL;
    ovl_report *rep = NULL;
    int rc = 1, e;
    char items[256];

    clk t0 = clk_now();
    size_t ntok = 0;
    for (size_t i = 0; i < nf; i++) {
        if ((e = ovl_doc_from_bytes(ctx, fs[i].name, fs[i].data, fs[i].len, NULL, &docs[i])) != OVL_OK) {
            fail(ctx, fs[i].name, e);
            goto done;
        }
        ntok += ovl_norm_count(ovl_doc_norm(docs[i]));
    }
    clk t1 = clk_now();
    snprintf(items, sizeof items, "%zu tokens", ntok);
    row("ingest", t0, t1, MB, items);

    ovl_fp_opts fo;
    if ((e = ovl_fp_opts_resolve(ctx, NULL, &fo)) != OVL_OK) {
        fail(ctx, "fingerprint options", e);
        goto done;
    }
    t0 = clk_now();
    size_t nchunks = 0;
    for (size_t i = 0; i < nf; i++) {
        if ((e = ovl_fp_from_doc(ctx, docs[i], &fo, &fps[i])) != OVL_OK) {
            fail(ctx, fs[i].name, e);
            goto done;
        }
        nchunks += ovl_fp_chunk_count(fps[i]);
    }
    t1 = clk_now();
    snprintf(items, sizeof items, "%zu chunks (k %u/%u, K %u, %u bands x %u rows)", nchunks, fo.k_cjk, fo.k_word,
             fo.num_hashes, fo.bands, fo.rows);
    row("fingerprint", t0, t1, MB, items);

    t0 = clk_now();
    fd = ovl_finder_new(fo.bands);
    if (!fd) {
        fprintf(stderr, "bench_stages: out of memory\n");
        goto done;
    }
    for (size_t i = 0; i < nf; i++)
        if ((e = ovl_finder_add(ctx, fd, (uint32_t)i, -1, fps[i])) != OVL_OK) {
            fail(ctx, "finder", e);
            goto done;
        }
    ovl_cand_opts co = OVL_CAND_OPTS_INIT;
    co.max_df = max_df;
    co.min_band_hits = min_hits;
    size_t nhits = 0;
    if ((e = ovl_finder_candidates(ctx, fd, &co, &pairs, &npairs, NULL, &nhits)) != OVL_OK) {
        fail(ctx, "candidates", e);
        goto done;
    }
    t1 = clk_now();
    snprintf(items, sizeof items, "%zu candidate pairs (max_df %u, min_hits %u)", npairs, max_df, min_hits);
    row("candidates", t0, t1, MB, items);

    ps = calloc(npairs ? npairs : 1, sizeof *ps);
    nps = calloc(npairs ? npairs : 1, sizeof *nps);
    t0 = clk_now();
    size_t npass = 0, nwith = 0;
    for (size_t i = 0; i < npairs; i++) {
        if ((e = ovl_align(ctx, docs[pairs[i].doc_a], docs[pairs[i].doc_b], NULL, &ps[i], &nps[i])) != OVL_OK) {
            fail(ctx, "align", e);
            goto done;
        }
        npass += nps[i];
        nwith += nps[i] > 0;
    }
    t1 = clk_now();
    double aw = t1.wall - t0.wall;
    snprintf(items, sizeof items, "%zu passages in %zu pairs, %.0f pairs/s", npass, nwith,
             aw > 0 ? (double)npairs / aw : 0.0);
    row("align", t0, t1, MB, items);

    t0 = clk_now();
    rep = ovl_report_new();
    if (!rep)
        goto done;
    for (size_t i = 0; i < nf; i++)
        if (ovl_report_add_doc(rep, docs[i], fs[i].name) < 0)
            goto done;
    for (size_t i = 0; i < npairs; i++)
        if (nps[i] && ovl_report_add_passages(rep, (int)pairs[i].doc_a, (int)pairs[i].doc_b, ps[i], nps[i]) != OVL_OK)
            goto done;
    ovl_report_opts ro = OVL_REPORT_OPTS_INIT;
    ro.format = OVL_FORMAT_JSON;
    sink_count sc = {0};
    if ((e = ovl_report_write(ctx, rep, &ro, null_sink, &sc)) != OVL_OK) {
        fail(ctx, "report", e);
        goto done;
    }
    t1 = clk_now();
    snprintf(items, sizeof items, "%.1f MB of JSON", (double)sc.bytes / 1e6);
    row("report", t0, t1, MB, items);
    rc = 0;
done:
    ovl_report_free(rep);
    for (size_t i = 0; ps && i < npairs; i++)
        free(ps[i]);
    free(ps);
    free(nps);
    free(pairs);
    ovl_finder_free(fd);
    for (size_t i = 0; i < nf; i++) {
        ovl_fp_free(fps[i]);
        ovl_doc_free(docs[i]);
        free(fs[i].name);
        free(fs[i].data);
    }
    free(fps);
    free(docs);
    free(fs);
    ovl_ctx_free(ctx);
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_stages [--lang zh|en|both] [--max-df N] [--min-hits N] [--seed N] MB\n"
               "  Generates a corpus of about MB x 10^6 bytes with ovl_gen_corpus (zh needs the CSL\n"
               "  corpus; skipped when absent), then times each stage on one thread: ingest\n"
               "  (ovl_doc_from_bytes), fingerprint (ovl_fp_from_doc), candidates (ovl_finder_add +\n"
               "  ovl_finder_candidates, all documents against all), align (ovl_align per candidate\n"
               "  pair) and report (JSON to a null sink). MB/s = corpus MB / stage seconds. peak MB =\n"
               "  peak resident set so far (getrusage). --max-df: band keys in more than N documents\n"
               "  are skipped as boilerplate (default 50, as overlap scan;\n"
               "  0 = no limit). --min-hits: band collisions a pair needs (default 1, as overlap scan).\n");
}

int main(int argc, char **argv)
{
    const char *lang = "both";
    long max_df = -1;
    unsigned min_hits = 1;
    unsigned long long seed = 1;
    double mb = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
            lang = argv[++i];
        else if (strcmp(argv[i], "--max-df") == 0 && i + 1 < argc)
            max_df = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--min-hits") == 0 && i + 1 < argc)
            min_hits = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] != '-' && mb == 0)
            mb = strtod(argv[i], NULL);
        else {
            usage(stderr);
            return 2;
        }
    }
    if (!(mb > 0) || min_hits == 0 || (strcmp(lang, "zh") != 0 && strcmp(lang, "en") != 0 && strcmp(lang, "both") != 0)) {
        usage(stderr);
        return 2;
    }
    printf("per-stage throughput, one thread, pid %ld\n", (long)getpid());
    int rc = 0;
    if (strcmp(lang, "en") != 0) {
        int r = run("zh", mb, max_df, min_hits, seed);
        if (r == 77)
            printf("zh: skipped (CSL corpus absent)\n");
        else
            rc |= r;
    }
    if (strcmp(lang, "zh") != 0)
        rc |= run("en", mb, max_df, min_hits, seed);
    return rc;
}
