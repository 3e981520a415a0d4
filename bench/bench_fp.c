/* bench_fp.c - fingerprinting throughput (shingles, chunk signatures, band keys) on generated Chinese and English documents. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen.h"
#include "overlap.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Cuts prose into documents of about doc_bytes at paragraph breaks (blank lines), like a
 * corpus of papers, and builds each once: decoding and normalizing are not timed. */
static ovl_doc **build_docs(const char *prose, size_t doc_bytes, size_t *ndocs, size_t *bytes)
{
    size_t n = strlen(prose), cap = n / doc_bytes + 2, nd = 0;
    ovl_doc **docs = malloc(cap * sizeof *docs);
    *bytes = 0;
    for (size_t s = 0; s < n && docs;) {
        size_t e = s + doc_bytes < n ? s + doc_bytes : n;
        const char *brk = e < n ? strstr(prose + e, "\n\n") : NULL;
        e = brk ? (size_t)(brk - prose) + 2 : n;
        if (nd == cap)
            break;
        if (ovl_doc_from_bytes(NULL, NULL, prose + s, e - s, NULL, &docs[nd]) != OVL_OK) {
            fprintf(stderr, "bench_fp: cannot build document %zu\n", nd);
            exit(1);
        }
        *bytes += e - s;
        nd++;
        s = e;
    }
    *ndocs = nd;
    return docs;
}

static int run(const char *lang, size_t mb, int reps, int keep)
{
    ovl_gen_opts g = OVL_GEN_OPTS_INIT;
    g.seed = 42;
    g.lang = lang;
    char err[256];
    int zh = strcmp(lang, "zh") == 0;
    size_t target_chars = mb * 1000000 / (zh ? 3 : 1);
    char *prose = ovl_gen_prose(&g, target_chars, err, sizeof err);
    if (!prose) {
        fprintf(stderr, "bench_fp: %s: %s\n", lang, err);
        return zh ? 0 : 1; /* no CSL corpus: skip Chinese */
    }
    size_t ndocs, bytes;
    /* ~20,000 code points per document: a paper's body. */
    ovl_doc **docs = build_docs(prose, zh ? 60000 : 20000, &ndocs, &bytes);
    free(prose);
    if (!docs)
        return 1;
    ovl_fp_opts given = OVL_FP_OPTS_INIT, o;
    given.keep_signatures = keep;
    /* Resolved once, as scan and index do: choosing bands x rows is not per-document work. */
    if (ovl_fp_opts_resolve(NULL, &given, &o) != OVL_OK)
        return 1;
    double best = 1e9;
    size_t nchunks = 0, nshingles = 0;
    uint64_t check = 0;
    for (int r = 0; r < reps; r++) {
        size_t nc = 0, ns = 0;
        uint64_t x = 0;
        double t0 = now();
        for (size_t i = 0; i < ndocs; i++) {
            ovl_fp *fp = NULL;
            if (ovl_fp_from_doc(NULL, docs[i], &o, &fp) != OVL_OK)
                return 1;
            size_t c = ovl_fp_chunk_count(fp);
            unsigned b = ovl_fp_params(fp)->bands;
            /* Folds every key in so the work cannot be skipped, and to compare runs. */
            for (size_t j = 0; j < c; j++)
                for (unsigned k = 0; k < b; k++)
                    x = (x ^ ovl_fp_band_keys(fp, j)[k]) * 0x100000001B3ull;
            nc += c;
            ns += ovl_fp_shingle_count(fp);
            ovl_fp_free(fp);
        }
        double d = now() - t0;
        best = d < best ? d : best;
        nchunks = nc;
        nshingles = ns;
        check = x;
    }
    double MB = (double)bytes / 1e6;
    printf("%-3s %7.1f MB  docs %6zu  chunks %8zu  shingles %9zu  keep_signatures %d  "
           "fingerprint %7.1f MB/s  (%.3f s)  keys %016llx\n",
           lang, MB, ndocs, nchunks, nshingles, keep, MB / best, best,
           (unsigned long long)check);
    for (size_t i = 0; i < ndocs; i++)
        ovl_doc_free(docs[i]);
    free(docs);
    return 0;
}

int main(int argc, char **argv)
{
    size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
    int reps = argc > 2 ? atoi(argv[2]) : 3;
    int keep = argc > 3 ? atoi(argv[3]) : 0;
    const char *only = argc > 4 ? argv[4] : NULL; /* "zh" or "en": one language only */
    if (mb == 0 || reps <= 0) {
        fprintf(stderr, "usage: bench_fp [MB [REPEATS [KEEP_SIGNATURES [zh|en]]]]\n");
        return 2;
    }
    printf("fingerprint throughput (ovl_fp_from_doc, default options), best of %d runs, one "
           "thread\n",
           reps);
    int rc = 0;
    if (!only || strcmp(only, "zh") == 0)
        rc |= run("zh", mb, reps, keep);
    if (!only || strcmp(only, "en") == 0)
        rc |= run("en", mb, reps, keep);
    return rc;
}
