/* bench_index.c - corpus index: `index add` throughput, index size per MB of text, `check` latency. */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"
#include "overlap.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Rewrites prose into paragraphs of about para_chars code points (cut after the first
 * sentence end past that length), blank-line separated, so the paragraph count is known. */
static char *reparagraph(const char *s, size_t para_chars, size_t *len, size_t *nparas)
{
    size_t n = strlen(s), k = 0, col = 0;
    char *o = malloc(n + n / 8 + 4);
    *nparas = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' || c == '\r') {
            if (k && o[k - 1] != ' ' && o[k - 1] != '\n' && (unsigned char)o[k - 1] < 0x80)
                o[k++] = ' ';
            continue;
        }
        if (col == 0 && c == ' ')
            continue;
        o[k++] = (char)c;
        if ((c & 0xC0) != 0x80)
            col++;
        /* "。" is E3 80 82; "." followed by a space ends an English sentence. */
        int end = (c == 0x82 && k >= 3 && (unsigned char)o[k - 2] == 0x80 && (unsigned char)o[k - 3] == 0xE3) ||
                  (c == '.' && (i + 1 >= n || s[i + 1] == ' ' || s[i + 1] == '\n' ||
                                   (unsigned char)s[i + 1] >= 0x80));
        if (end && col >= para_chars) {
            o[k++] = '\n';
            o[k++] = '\n';
            col = 0;
            (*nparas)++;
        }
    }
    if (col) {
        o[k++] = '\n';
        (*nparas)++;
    }
    o[k] = '\0';
    *len = k;
    return o;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct alignjob {
    const char *db;
    const ovl_doc *q;
    const ovl_index_hit *hits;
    size_t n, next, npass;
    int failed;
    pthread_mutex_t lock;
} alignjob;

static void *align_worker(void *arg)
{
    alignjob *j = arg;
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_index_opts o = OVL_INDEX_OPTS_INIT;
    o.readonly = 1;
    ovl_index *idx = NULL;
    int ok = ctx && ovl_index_open(ctx, j->db, &o, &idx) == OVL_OK;
    size_t npass = 0;
    for (;;) {
        pthread_mutex_lock(&j->lock);
        size_t h = j->next < j->n ? j->next++ : j->n;
        pthread_mutex_unlock(&j->lock);
        if (h == j->n || !ok)
            break;
        ovl_doc *src = NULL;
        ovl_passage *ps = NULL;
        size_t np = 0;
        if (ovl_index_load_doc(ctx, idx, j->hits[h].doc_id, &src) != OVL_OK ||
            ovl_align(ctx, j->q, src, NULL, &ps, &np) != OVL_OK)
            ok = 0;
        npass += np;
        free(ps);
        ovl_doc_free(src);
    }
    pthread_mutex_lock(&j->lock);
    j->npass += npass;
    j->failed |= !ok;
    pthread_mutex_unlock(&j->lock);
    ovl_index_close(idx);
    ovl_ctx_free(ctx);
    return NULL;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_index [--paragraphs N] [--para-chars N] [--doc-paras N] [--lang zh|en]\n"
                    "                   [--db FILE] [--reuse] [--reps N] [--threads N]\n"
                    "Builds an index of N generated paragraphs (default 100000) of about para-chars code\n"
                    "points (default 100), doc-paras per document (default 100), then times checking a\n"
                    "10,000-character document holding two passages of indexed documents.\n"
                    "--reuse: keep an existing --db (skip building; it must have been built the same way).\n"
                    "--threads: threads aligning candidates (default: the cores this process may use, as overlap check).\n");
}

int main(int argc, char **argv)
{
    size_t paragraphs = 100000, para_chars = 100, doc_paras = 100;
    int reps = 7, reuse = 0;
    unsigned threads = ovl_cores();
    const char *lang = "zh", *db = "/tmp/bench_index.db";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--paragraphs") && i + 1 < argc)
            paragraphs = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--para-chars") && i + 1 < argc)
            para_chars = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--doc-paras") && i + 1 < argc)
            doc_paras = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--lang") && i + 1 < argc)
            lang = argv[++i];
        else if (!strcmp(argv[i], "--db") && i + 1 < argc)
            db = argv[++i];
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reuse"))
            reuse = 1;
        else {
            usage();
            return 2;
        }
    }
    if (!paragraphs || !para_chars || !doc_paras || reps < 1) {
        usage();
        return 2;
    }
    size_t ndocs = (paragraphs + doc_paras - 1) / doc_paras;
    size_t doc_chars = doc_paras * para_chars;
    char err[256];
    ovl_ctx *ctx = ovl_ctx_new();
    if (!reuse) {
        unlink(db);
        char side[4200];
        snprintf(side, sizeof side, "%s-wal", db);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", db);
        unlink(side);
    }
    ovl_index_opts io = OVL_INDEX_OPTS_INIT;
    io.create = 1;
    ovl_index *idx = NULL;
    if (ovl_index_open(ctx, db, &io, &idx) != OVL_OK) {
        fprintf(stderr, "bench_index: %s\n", ovl_ctx_message(ctx));
        return 1;
    }
    double add_time = 0, gen_time = 0, add_cpu = 0;
    uint64_t add_bytes = 0;
    size_t made_paras = 0;
    if (!reuse) {
        for (size_t d = 0; d < ndocs; d++) {
            ovl_gen_opts g = OVL_GEN_OPTS_INIT;
            g.seed = 1 + d;
            g.lang = lang;
            double t0 = now();
            /* Generated prose, cut into paragraphs (a little over the target length). */
            char *prose = ovl_gen_prose(&g, doc_chars + doc_chars / 8, err, sizeof err);
            if (!prose) {
                fprintf(stderr, "bench_index: %s\n", err);
                return 1;
            }
            size_t len, np;
            char *text = reparagraph(prose, para_chars, &len, &np);
            free(prose);
            char path[64];
            snprintf(path, sizeof path, "/bench/%s/%07zu.txt", lang, d);
            double t1 = now(), c1 = cpu();
            int st;
            if (ovl_index_add(ctx, idx, path, text, len, NULL, 0, &st) != OVL_OK) {
                fprintf(stderr, "bench_index: %s: %s\n", path, ovl_ctx_message(ctx));
                return 1;
            }
            double t2 = now();
            add_cpu += cpu() - c1;
            gen_time += t1 - t0;
            add_time += t2 - t1;
            add_bytes += len;
            made_paras += np;
            free(text);
            if ((d + 1) % 1000 == 0)
                fprintf(stderr, "  %zu/%zu documents, %.1f MB, add %.2f MB/s\n", d + 1, ndocs,
                        add_bytes / 1e6, add_bytes / 1e6 / add_time);
        }
    }
    if (!reuse) {
        /* The end of an add run: pending band keys into sorted runs (counted as add time). */
        double t0 = now(), c0 = cpu();
        if (ovl_index_flush(ctx, idx) != OVL_OK) {
            fprintf(stderr, "bench_index: %s\n", ovl_ctx_message(ctx));
            return 1;
        }
        add_time += now() - t0;
        add_cpu += cpu() - c0;
    }
    ovl_index_stats s;
    if (ovl_index_stats_get(ctx, idx, &s) != OVL_OK) {
        fprintf(stderr, "bench_index: %s\n", ovl_ctx_message(ctx));
        return 1;
    }
    ovl_index_close(idx);
    idx = NULL;

    /* The checked document: fresh prose with two ~300-character passages of indexed documents. */
    ovl_gen_opts g = OVL_GEN_OPTS_INIT;
    g.seed = 999999999;
    g.lang = lang;
    size_t qchars = 10000;
    char *fresh = ovl_gen_prose(&g, qchars, err, sizeof err);
    io.create = 0;
    io.readonly = 1;
    if (!fresh || ovl_index_open(ctx, db, &io, &idx) != OVL_OK) {
        fprintf(stderr, "bench_index: %s\n", fresh ? ovl_ctx_message(ctx) : err);
        return 1;
    }
    char *q = NULL;
    size_t qlen = 0;
    {
        ovl_doc *s1 = NULL, *s2 = NULL;
        int64_t *ids = NULL;
        size_t nids = 0;
        if (ovl_index_list(ctx, idx, &ids, &nids) != OVL_OK || nids < 2 ||
            ovl_index_load_doc(ctx, idx, ids[nids / 3], &s1) != OVL_OK ||
            ovl_index_load_doc(ctx, idx, ids[2 * nids / 3], &s2) != OVL_OK) {
            fprintf(stderr, "bench_index: cannot read back sources: %s\n", ovl_ctx_message(ctx));
            return 1;
        }
        const ovl_text *t1 = ovl_doc_text(s1), *t2 = ovl_doc_text(s2);
        char *p1 = ovl_text_utf8(t1, 1000, 1300 < ovl_text_length(t1) ? 1300 : ovl_text_length(t1));
        char *p2 = ovl_text_utf8(t2, 2000, 2300 < ovl_text_length(t2) ? 2300 : ovl_text_length(t2));
        /* Cut fresh to about qchars code points minus the passages. */
        size_t fl = strlen(fresh), cut = 0, cps = 0;
        for (; cut < fl && cps < qchars - 600; cut++)
            if (((unsigned char)fresh[cut] & 0xC0) != 0x80)
                cps++;
        while (cut < fl && ((unsigned char)fresh[cut] & 0xC0) == 0x80)
            cut++;
        size_t half = cut / 2;
        while (half < cut && ((unsigned char)fresh[half] & 0xC0) == 0x80)
            half++;
        size_t cap = cut + strlen(p1) + strlen(p2) + 16;
        q = malloc(cap);
        qlen = (size_t)snprintf(q, cap, "%.*s\n\n%s\n\n%.*s\n\n%s\n", (int)half, fresh, p1, (int)(cut - half),
                                fresh + half, p2);
        free(p1);
        free(p2);
        free(ids);
        ovl_doc_free(s1);
        ovl_doc_free(s2);
    }
    free(fresh);
    char qpath[4200];
    snprintf(qpath, sizeof qpath, "%s.query.txt", db);
    FILE *qf = fopen(qpath, "wb");
    if (qf) {
        fwrite(q, 1, qlen, qf);
        fclose(qf);
    }

    /* check = build the document, query the index, rebuild and align every candidate. */
    double *lat = malloc((size_t)reps * sizeof *lat);
    double tq_min = 1e9;
    size_t ncands = 0, npass = 0, qcp = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        ovl_doc_opts dopts;
        ovl_index_params(idx, NULL, &dopts);
        ovl_doc *doc = NULL;
        ovl_index_hit *hits = NULL;
        size_t nh = 0;
        if (ovl_doc_from_bytes(ctx, "query", q, qlen, &dopts, &doc) != OVL_OK ||
            ovl_index_query(ctx, idx, doc, 50, &hits, &nh) != OVL_OK) {
            fprintf(stderr, "bench_index: %s\n", ovl_ctx_message(ctx));
            return 1;
        }
        double tq = now();
        /* As `overlap check` does: the 100 best candidates rebuilt and aligned by one thread
         * per core, each with its own index handle. */
        alignjob job;
        memset(&job, 0, sizeof job);
        job.db = db;
        job.q = doc;
        job.hits = hits;
        job.n = nh < 100 ? nh : 100;
        pthread_mutex_init(&job.lock, NULL);
        pthread_t tids[64];
        unsigned nt = threads < 64 ? threads : 64, started = 0;
        for (; started < nt && nt > 1; started++)
            if (pthread_create(&tids[started], NULL, align_worker, &job) != 0)
                break;
        if (!started)
            align_worker(&job);
        for (unsigned k = 0; k < started; k++)
            pthread_join(tids[k], NULL);
        pthread_mutex_destroy(&job.lock);
        if (job.failed) {
            fprintf(stderr, "bench_index: aligning candidates failed\n");
            return 1;
        }
        npass = job.npass;
        lat[r] = now() - t0;
        if (tq - t0 < tq_min)
            tq_min = tq - t0;
        ncands = nh;
        qcp = ovl_text_length(ovl_doc_text(doc));
        free(hits);
        ovl_doc_free(doc);
    }
    qsort(lat, (size_t)reps, sizeof *lat, cmp_double);
    struct stat sb;
    uint64_t file = stat(db, &sb) == 0 ? (uint64_t)sb.st_size : 0;
    printf("index: %s, %" PRIu64 " documents, %" PRIu64 " paragraphs, %" PRIu64 " chunks, %" PRIu64
           " band rows, %.1f MB text (%" PRIu64 " chars)\n",
           lang, s.documents, s.paragraphs, s.chunks, s.band_rows, s.text_bytes / 1e6, s.chars);
    if (!reuse)
        printf("index add: %.2f MB/s wall, %.2f MB/s of CPU (%.1f s wall, %.1f s CPU for %.1f MB in %zu"
               " blank-line paragraphs; generating the text took %.1f s more)\n",
               add_bytes / 1e6 / add_time, add_bytes / 1e6 / add_cpu, add_time, add_cpu, add_bytes / 1e6,
               made_paras, gen_time);
    printf("index size: %.1f MB file, %.2f MB per MB of text\n", file / 1e6,
           s.text_bytes ? (double)file / (double)s.text_bytes : 0.0);
    printf("check (%zu chars, %zu candidates, %zu passages, %u align threads): median %.1f ms, min %.1f ms,"
           " max %.1f ms over %d runs; lookup alone min %.1f ms\n",
           qcp, ncands, npass, threads, lat[reps / 2] * 1e3, lat[0] * 1e3, lat[reps - 1] * 1e3, reps,
           tq_min * 1e3);
    printf("query document written to %s\n", qpath);
    free(lat);
    free(q);
    ovl_index_close(idx);
    ovl_ctx_free(ctx);
    return 0;
}
