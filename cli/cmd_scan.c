/* cmd_scan.c - `overlap scan PATH...`: reused passages across a whole corpus (MinHash + LSH candidates, then alignment). */
#include "cli.h"
#include "corpus.h"

#include <jansson.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void help(FILE *f)
{
    fprintf(f,
            "usage: overlap scan PATH... [options]\n\n"
            "Finds the passages any two documents of a corpus share. Directories are read\n"
            "recursively. Every document is fingerprinted (chunk MinHash signatures, LSH bands);\n"
            "pairs whose chunks collide are aligned like `overlap compare`, around the colliding\n"
            "chunks (a few chunks either side, more while a passage runs on). Pairs are reported\n"
            "by reused characters (both sides, most first). Output is the same for any -j.\n"
            "Exit status: 0 no reuse, 1 reuse found, 2 trouble (or no file could be read).\n"
            "Files that cannot be read or decoded are reported on stderr and skipped.\n\n"
            "options:\n"
            "  --include GLOB           only files matching GLOB (repeatable; matched against the\n"
            "                           path relative to PATH and against the file name)\n"
            "  --exclude GLOB           skip files and directories matching GLOB (repeatable)\n"
            "  -j, --jobs N             worker threads (default: all online cores)\n"
            "  --format text|json|jsonl|html  report format (default text); jsonl streams one\n"
            "                           passage per line and needs no document text in memory\n"
            "  -o, --output FILE        write the report to FILE\n"
            "  --color auto|always|never  colour the text report (default auto)\n"
            "  --max-df N               ignore band keys shared by more than N documents\n"
            "                           (boilerplate); default 50, a fixed number so that the\n"
            "                           pairs one key can make do not grow with the corpus;\n"
            "                           0 = no limit\n"
            "  --min-hits N             a document pair needs N band collisions to be aligned\n"
            "                           (default 1; 2 halves the pairs aligned on corpora\n"
            "                           full of stock phrases, at some cost in recall)\n"
            "  --group REGEX            documents whose paths give the same first capture group\n"
            "                           of the POSIX extended REGEX (or the same whole match)\n"
            "                           are one group and are not compared with each other\n"
            "  --group-by-dir           same, the group being the parent directory\n"
            CLI_ALIGN_OPTS_HELP
            "  --progress, --no-progress  draw (or not) progress on stderr (default: when\n"
            "                           stderr is a terminal)\n"
            "  -v, --verbose            print the LSH bands, rows and S-curve on stderr\n" CLI_DOC_OPTS_HELP
            "fingerprint options:\n" CLI_FP_OPTS_HELP);
}

typedef struct scan {
    cli_files files;
    int32_t *group;    /* per file, -1 = none */
    uint8_t *ok;       /* per file: read and fingerprinted */
    size_t nok;
    /* Bands split between two finders so their candidate searches (sorting every band key,
     * the longest step that is not spread over threads) run side by side; a band collision
     * belongs to one band, so the pairs' collision counts add up. */
    ovl_finder *finder[2];
    unsigned nparts, split; /* finder 0 holds bands [0, split), finder 1 the rest */
    uint64_t *keybuf;  /* one finder's share of a document's band keys */
    size_t keycap;
    ovl_ctx *ctx;      /* for the finder, used under the commit order */
    int add_failed;
    int progress;
} scan;

static int grow_keys(uint64_t **p, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 1024;
    while (ncap < need)
        ncap *= 2;
    uint64_t *np = realloc(*p, ncap * sizeof *np);
    if (!np)
        return -1;
    *p = np;
    *cap = ncap;
    return 0;
}

static void commit(void *arg, size_t i, const cli_doc_info *info, const ovl_fp *fp)
{
    scan *s = arg;
    if (!fp) {
        if (s->progress)
            cli_progress_clear();
        cli_error("%s", info->error);
        return;
    }
    const ovl_fp_opts *p = ovl_fp_params(fp);
    size_t nc = ovl_fp_chunk_count(fp);
    const uint64_t *keys = nc ? ovl_fp_band_keys(fp, 0) : NULL;
    for (unsigned part = 0; part < s->nparts; part++) {
        unsigned b0 = part ? s->split : 0, b1 = part || s->nparts == 1 ? p->bands : s->split;
        unsigned nb = b1 - b0;
        if (nc && grow_keys(&s->keybuf, &s->keycap, nc * nb) != 0) {
            s->add_failed = 1;
            return;
        }
        for (size_t c = 0; c < nc; c++)
            memcpy(s->keybuf + c * nb, keys + c * p->bands + b0, nb * sizeof *keys);
        if (ovl_finder_add_keys(s->ctx, s->finder[part], (uint32_t)i, s->group[i],
                                ovl_fp_chunks(fp), nc, s->keybuf) != OVL_OK) {
            s->add_failed = 1;
            return;
        }
    }
    s->ok[i] = 1;
    s->nok++;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct gkey {
    char *key;
    size_t file;
} gkey;

static int cmp_gkey(const void *a, const void *b)
{
    const gkey *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->file > y->file) - (x->file < y->file);
}

/* Group ids from a regex or the parent directory: equal keys get equal ids, ids follow the
 * keys' sort order so they do not depend on anything but the paths. */
static int make_groups(scan *s, const char *regex, int by_dir)
{
    size_t n = s->files.n;
    for (size_t i = 0; i < n; i++)
        s->group[i] = -1;
    if (!regex && !by_dir)
        return 0;
    regex_t re;
    if (regex) {
        int rc = regcomp(&re, regex, REG_EXTENDED);
        if (rc != 0) {
            char msg[256];
            regerror(rc, &re, msg, sizeof msg);
            cli_error("scan: --group: %s", msg);
            return -1;
        }
    }
    gkey *k = calloc(n ? n : 1, sizeof *k);
    size_t nk = 0;
    int rc = k ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *p = s->files.v[i].path;
        const char *start = NULL;
        size_t len = 0;
        if (regex) {
            regmatch_t m[2];
            if (regexec(&re, p, 2, m, 0) == 0) {
                int g = re.re_nsub >= 1 && m[1].rm_so >= 0 ? 1 : 0;
                start = p + m[g].rm_so;
                len = (size_t)(m[g].rm_eo - m[g].rm_so);
            }
        } else {
            const char *slash = strrchr(p, '/');
            start = slash ? p : ".";
            len = slash ? (size_t)(slash - p) : 1;
        }
        if (!start)
            continue;
        char *key = malloc(len + 1);
        if (!key) {
            rc = -1;
            break;
        }
        memcpy(key, start, len);
        key[len] = '\0';
        k[nk].key = key;
        k[nk].file = i;
        nk++;
    }
    if (rc == 0) {
        qsort(k, nk, sizeof *k, cmp_gkey);
        int32_t g = -1;
        for (size_t i = 0; i < nk; i++) {
            if (i == 0 || strcmp(k[i].key, k[i - 1].key) != 0)
                g++;
            s->group[k[i].file] = g;
        }
    } else {
        cli_error("out of memory");
    }
    for (size_t i = 0; k && i < nk; i++)
        free(k[i].key);
    free(k);
    if (regex)
        regfree(&re);
    return rc;
}

typedef struct cand_job {
    scan *s;
    ovl_cand_opts co;
    ovl_ctx *ctx[2];
    ovl_cand *c[2];
    size_t n[2];
    ovl_cand_hit *h[2];
    size_t nh[2];
    int rc[2];
} cand_job;

/* Grows *box to cover the chunk pairs of candidate c. */
static void box_add(cli_pair_box *box, const ovl_cand *c, const ovl_cand_hit *hits)
{
    for (size_t x = c->first_hit; x < c->first_hit + c->chunk_pairs; x++) {
        const ovl_cand_hit *h = &hits[x];
        if (h->a_start < box->a0)
            box->a0 = h->a_start;
        if (h->a_end > box->a1)
            box->a1 = h->a_end;
        if (h->b_start < box->b0)
            box->b0 = h->b_start;
        if (h->b_end > box->b1)
            box->b1 = h->b_end;
    }
}

static void cand_part(void *arg, unsigned worker, size_t part)
{
    (void)worker;
    cand_job *j = arg;
    j->rc[part] = ovl_finder_candidates(j->ctx[part], j->s->finder[part], &j->co, &j->c[part],
                                        &j->n[part], &j->h[part], &j->nh[part]);
    ovl_finder_free(j->s->finder[part]);
    j->s->finder[part] = NULL;
}

/* Candidate pairs of both finders: each finder's pairs with any collision, merged by
 * (doc_a, doc_b) with their collisions summed, kept from min_band_hits on. The same pairs
 * one finder holding every band gives, for any thread count. *boxes: per pair, the token
 * ranges its colliding chunks span. Reports failures. */
static int find_candidates(scan *s, const ovl_cand_opts *co, unsigned nthreads, ovl_cand **out,
                           size_t *nout, cli_pair_box **boxes)
{
    const cli_pair_box empty = {UINT32_MAX, 0, UINT32_MAX, 0};
    cand_job j;
    memset(&j, 0, sizeof j);
    j.s = s;
    j.co = *co;
    if (s->nparts == 1) {
        ovl_cand_hit *h = NULL;
        size_t nh = 0;
        int rc = ovl_finder_candidates(s->ctx, s->finder[0], co, out, nout, &h, &nh);
        ovl_finder_free(s->finder[0]);
        s->finder[0] = NULL;
        if (rc != OVL_OK) {
            cli_fail("scan", s->ctx, rc);
            return rc;
        }
        if (!(*boxes = malloc((*nout + 1) * sizeof **boxes))) {
            free(h);
            cli_error("out of memory");
            return OVL_ERR_NOMEM;
        }
        for (size_t k = 0; k < *nout; k++) {
            (*boxes)[k] = empty;
            box_add(&(*boxes)[k], &(*out)[k], h);
        }
        free(h);
        return OVL_OK;
    }
    j.co.min_band_hits = 1;
    int rc = OVL_OK;
    for (int p = 0; p < 2; p++)
        if (!(j.ctx[p] = ovl_ctx_new()))
            rc = OVL_ERR_NOMEM;
    if (rc == OVL_OK) {
        cli_parallel(2, nthreads, cand_part, NULL, &j);
        for (int p = 0; p < 2 && rc == OVL_OK; p++)
            if (j.rc[p] != OVL_OK) {
                rc = j.rc[p];
                cli_fail("scan", j.ctx[p], rc);
            }
    } else {
        cli_error("out of memory");
    }
    ovl_cand *m = NULL;
    cli_pair_box *bx = NULL;
    size_t nm = 0;
    if (rc == OVL_OK) {
        m = malloc((j.n[0] + j.n[1] + 1) * sizeof *m);
        bx = malloc((j.n[0] + j.n[1] + 1) * sizeof *bx);
        if (!m || !bx) {
            rc = OVL_ERR_NOMEM;
            cli_error("out of memory");
        }
    }
    unsigned min_hits = co->min_band_hits ? co->min_band_hits : 1;
    for (size_t x = 0, y = 0; rc == OVL_OK && (x < j.n[0] || y < j.n[1]);) {
        const ovl_cand *p = x < j.n[0] ? &j.c[0][x] : NULL, *q = y < j.n[1] ? &j.c[1][y] : NULL;
        int order = !p ? 1 : !q ? -1
                          : p->doc_a != q->doc_a ? (p->doc_a < q->doc_a ? -1 : 1)
                          : p->doc_b != q->doc_b ? (p->doc_b < q->doc_b ? -1 : 1) : 0;
        ovl_cand c = order <= 0 ? *p : *q;
        if (order == 0) {
            uint64_t h = (uint64_t)p->band_hits + q->band_hits;
            c.band_hits = h > UINT32_MAX ? UINT32_MAX : (uint32_t)h;
            /* A chunk pair colliding in bands of both halves counts twice here. */
            c.chunk_pairs = p->chunk_pairs + q->chunk_pairs;
        }
        c.first_hit = 0;
        x += order <= 0;
        y += order >= 0;
        if (c.band_hits < min_hits)
            continue;
        bx[nm] = empty;
        if (order <= 0)
            box_add(&bx[nm], p, j.h[0]);
        if (order >= 0)
            box_add(&bx[nm], q, j.h[1]);
        m[nm++] = c;
    }
    free(j.c[0]);
    free(j.c[1]);
    free(j.h[0]);
    free(j.h[1]);
    ovl_ctx_free(j.ctx[0]);
    ovl_ctx_free(j.ctx[1]);
    if (rc != OVL_OK) {
        free(m);
        free(bx);
        return rc;
    }
    *out = m;
    *nout = nm;
    *boxes = bx;
    return OVL_OK;
}

/* A pair with passages, in report order. */
typedef struct ordered {
    size_t k;        /* index into the candidate pairs */
    uint64_t weight; /* reused characters, both sides */
    uint32_t a, b;
} ordered;

static int cmp_ordered(const void *x, const void *y)
{
    const ordered *p = x, *q = y;
    if (p->weight != q->weight)
        return p->weight > q->weight ? -1 : 1;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    return (p->b > q->b) - (p->b < q->b);
}

typedef struct load_job {
    const cli_files *files;
    const size_t *which;
    ovl_doc **docs;
    const ovl_doc_opts *dopts;
    ovl_ctx **ctx;
    char **errors;
} load_job;

static void load_one(void *arg, unsigned worker, size_t i)
{
    load_job *j = arg;
    const char *path = j->files->v[j->which[i]].path;
    int rc = ovl_doc_from_file(j->ctx[worker], path, j->dopts, &j->docs[i]);
    if (rc != OVL_OK) {
        const char *msg = ovl_ctx_message(j->ctx[worker]);
        size_t n = strlen(path) + strlen(msg) + 16;
        if ((j->errors[i] = malloc(n)))
            snprintf(j->errors[i], n, "%s: %s", path, *msg ? msg : ovl_strerror(rc));
        ovl_ctx_clear(j->ctx[worker]);
    }
}

/* First occurrence of key[0..klen) in s[0..n), or NULL. */
static const char *find_bytes(const char *s, size_t n, const char *key, size_t klen)
{
    for (const char *p = s; n >= klen && (p = memchr(p, key[0], n - klen + 1 - (size_t)(p - s)));
         p++)
        if (memcmp(p, key, klen) == 0)
            return p;
    return NULL;
}

/* Rewrites the document ids of one JSON line (the pair's own 0 and 1) to report ids. */
static int write_jsonl_line(FILE *out, const char *line, size_t len, int ida, int idb)
{
    /* The line is compact JSON from the same writer, so the ids sit behind these keys (a
     * quote inside a string is escaped, so they cannot match inside a path): splice the new
     * ids in, which gives the bytes a parse and re-dump would, without the parse. */
    static const char ka[] = "\"a\":{\"doc\":0,", kb[] = "\"b\":{\"doc\":1,";
    const char *pa = find_bytes(line, len, ka, sizeof ka - 1);
    const char *pb = pa ? find_bytes(pa, len - (size_t)(pa - line), kb, sizeof kb - 1) : NULL;
    if (pa && pb) {
        size_t ca = (size_t)(pa - line) + sizeof ka - 3, cb = (size_t)(pb - line) + sizeof kb - 3;
        if (fwrite(line, 1, ca, out) != ca || fprintf(out, "%d", ida) < 0 ||
            fwrite(line + ca + 1, 1, cb - ca - 1, out) != cb - ca - 1 ||
            fprintf(out, "%d", idb) < 0 || fwrite(line + cb + 1, 1, len - cb - 1, out) != len - cb - 1 ||
            fputc('\n', out) == EOF)
            return -1;
        return 0;
    }
    json_error_t err;
    json_t *v = json_loadb(line, len, 0, &err);
    if (!v)
        return -1;
    json_t *a = json_object_get(v, "a"), *b = json_object_get(v, "b");
    int rc = -1;
    if (a && b && json_object_set_new(a, "doc", json_integer(ida)) == 0 &&
        json_object_set_new(b, "doc", json_integer(idb)) == 0 &&
        json_dumpf(v, out, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6) | JSON_COMPACT) == 0 &&
        fputc('\n', out) != EOF)
        rc = 0;
    json_decref(v);
    return rc;
}

static char *params_json(const ovl_fp_opts *fo, unsigned max_df, unsigned min_hits,
                         const ovl_align_opts *ao,
                         const ovl_doc_opts *dopts, const char *regex, int by_dir)
{
    json_t *p = json_object();
    json_object_set_new(p, "threshold", json_real(round(fo->threshold * 10000.0) / 10000.0));
    json_object_set_new(p, "bands", json_integer(fo->bands));
    json_object_set_new(p, "rows", json_integer(fo->rows));
    json_object_set_new(p, "k_cjk", json_integer(fo->k_cjk));
    json_object_set_new(p, "k_word", json_integer(fo->k_word));
    json_object_set_new(p, "num_hashes", json_integer(fo->num_hashes));
    json_object_set_new(p, "chunk_tokens", json_integer(fo->chunk_tokens));
    json_object_set_new(p, "chunk_stride", json_integer(fo->chunk_stride));
    json_object_set_new(p, "seed", json_integer((json_int_t)fo->seed));
    json_object_set_new(p, "max_df", json_integer(max_df));
    json_object_set_new(p, "min_hits", json_integer(min_hits));
    json_object_set_new(p, "min_chars", json_integer(ao->min_cjk));
    json_object_set_new(p, "min_words", json_integer(ao->min_words));
    json_object_set_new(p, "fold_traditional", json_boolean(dopts->norm.fold_traditional));
    if (regex)
        json_object_set_new(p, "group", json_string(regex));
    if (by_dir)
        json_object_set_new(p, "group_by_dir", json_true());
    char *s = json_dumps(p, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(p);
    return s;
}

int cmd_scan(int argc, char **argv)
{
    ovl_doc_opts dopts = OVL_DOC_OPTS_INIT;
    ovl_align_opts aopts = OVL_ALIGN_OPTS_INIT;
    ovl_fp_opts fopts = OVL_FP_OPTS_INIT;
    unsigned fp_given = 0;
    const char *format = "text", *outpath = NULL, *color = "auto", *jobs = NULL, *regex = NULL, *v;
    const char **paths = calloc((size_t)argc + 1, sizeof *paths);
    const char **inc = calloc((size_t)argc + 1, sizeof *inc);
    const char **exc = calloc((size_t)argc + 1, sizeof *exc);
    size_t npaths = 0, ninc = 0, nexc = 0;
    long max_df = 50;
    unsigned long min_hits = 1;
    int by_dir = 0, verbose = 0, force_progress = -1;
    if (!paths || !inc || !exc) {
        cli_error("out of memory");
        return CLI_EXIT_TROUBLE;
    }
    for (int i = 1; i < argc;) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            help(stdout);
            free(paths), free(inc), free(exc);
            return 0;
        }
        if (cli_opt(argc, argv, &i, "--format", NULL, &v))
            format = v;
        else if (cli_opt(argc, argv, &i, "--output", "-o", &v))
            outpath = v;
        else if (cli_opt(argc, argv, &i, "--color", NULL, &v))
            color = v;
        else if (cli_opt(argc, argv, &i, "--jobs", "-j", &v))
            jobs = v;
        else if (strncmp(argv[i], "-j", 2) == 0 && argv[i][2])
            jobs = argv[i++] + 2;
        else if (cli_opt(argc, argv, &i, "--include", NULL, &v))
            inc[ninc++] = v;
        else if (cli_opt(argc, argv, &i, "--exclude", NULL, &v))
            exc[nexc++] = v;
        else if (cli_fp_opt(argc, argv, &i, &fopts, &fp_given))
            ;
        else if (cli_opt(argc, argv, &i, "--min-hits", NULL, &v))
            min_hits = cli_ulong("--min-hits", v, 1, 1000);
        else if (cli_opt(argc, argv, &i, "--max-df", NULL, &v))
            max_df = (long)cli_ulong("--max-df", v, 0, UINT32_MAX);
        else if (cli_opt(argc, argv, &i, "--group", NULL, &v))
            regex = v;
        else if (strcmp(argv[i], "--group-by-dir") == 0)
            by_dir = 1, i++;
        else if (cli_align_opt(argc, argv, &i, &aopts))
            ;
        else if (cli_progress_opt(argv, &i, &force_progress))
            ;
        else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0)
            verbose = 1, i++;
        else if (cli_doc_opt(argc, argv, &i, &dopts))
            ;
        else if (argv[i][0] == '-' && argv[i][1]) {
            cli_error("scan: unknown option '%s'", argv[i]);
            free(paths), free(inc), free(exc);
            return CLI_EXIT_TROUBLE;
        } else
            paths[npaths++] = argv[i++];
    }
    if (npaths == 0) {
        help(stderr);
        free(paths), free(inc), free(exc);
        return CLI_EXIT_TROUBLE;
    }

    int status = CLI_EXIT_TROUBLE;
    scan s;
    memset(&s, 0, sizeof s);
    s.ctx = ovl_ctx_new();
    s.progress = cli_progress_wanted(force_progress);
    ovl_fp_opts fo;
    ovl_cand *cands = NULL;
    cli_pair_box *boxes = NULL;
    size_t ncands = 0;
    cli_pair_result *res = NULL;
    ordered *ord = NULL;
    size_t nord = 0;
    char *params = NULL;
    FILE *out = NULL;
    ovl_report *rep = NULL;
    ovl_doc **docs = NULL;
    size_t *which = NULL, ndocs_used = 0;
    int *repid = NULL;
    unsigned nthreads = cli_threads(jobs);
    double t0 = now();

    int fmt = ovl_format_parse(format);
    if (fmt < 0) {
        cli_error("scan: --format must be text, json, jsonl or html, not '%s'", format);
        goto done;
    }
    int rc = ovl_fp_opts_resolve(s.ctx, &fopts, &fo);
    if (rc != OVL_OK) {
        cli_fail("scan", s.ctx, rc);
        goto done;
    }
    if (verbose) {
        fprintf(stderr, "overlap: scan: %u bands x %u rows of %u MinHash values (threshold %g), "
                        "shingles of %u (CJK) / %u (words) tokens, chunks of %u tokens every %u\n",
                fo.bands, fo.rows, fo.num_hashes, fo.threshold, fo.k_cjk, fo.k_word,
                fo.chunk_tokens, fo.chunk_stride);
        for (int t = 1; t <= 9; t++)
            fprintf(stderr, "overlap: scan: P(candidate | chunk similarity %.1f) = %.4f\n",
                    t / 10.0, ovl_lsh_probability(t / 10.0, fo.bands, fo.rows));
    }
    cli_walk_opts wo = {inc, ninc, exc, nexc};
    if (cli_files_collect(&s.files, paths, npaths, &wo) != 0)
        goto done;
    if (s.files.n == 0) {
        cli_error("scan: no files to read");
        goto done;
    }
    size_t n = s.files.n;
    s.group = malloc(n * sizeof *s.group);
    s.ok = calloc(n, 1);
    s.nparts = fo.bands >= 2 ? 2 : 1;
    s.split = s.nparts == 2 ? fo.bands / 2 : fo.bands;
    for (unsigned part = 0; part < s.nparts; part++)
        s.finder[part] = ovl_finder_new(part ? fo.bands - s.split : s.split);
    if (!s.group || !s.ok || !s.finder[0] || (s.nparts == 2 && !s.finder[1])) {
        cli_error("out of memory");
        goto done;
    }
    if (make_groups(&s, regex, by_dir) != 0)
        goto done;

    /* Phase 1: fingerprints, added to the finder in file order. */
    if (cli_corpus_fingerprint(&s.files, &dopts, &fo, nthreads, s.progress, commit, &s) != 0)
        goto done;
    if (verbose)
        fprintf(stderr, "overlap: scan: fingerprints done (%.2f s)\n", now() - t0);
    if (s.add_failed) {
        cli_fail("scan", s.ctx, ovl_ctx_code(s.ctx));
        goto done;
    }
    if (s.nok == 0) {
        cli_error("scan: none of the %zu file%s could be read", n, n == 1 ? "" : "s");
        goto done;
    }

    /* Phase 2: candidate pairs; the finder's memory goes before alignment starts. */
    ovl_cand_opts co = OVL_CAND_OPTS_INIT;
    co.max_df = (unsigned)max_df;
    co.min_band_hits = (unsigned)min_hits;
    rc = find_candidates(&s, &co, nthreads, &cands, &ncands, &boxes);
    free(s.keybuf);
    s.keybuf = NULL;
    if (rc != OVL_OK)
        goto done;
    if (verbose)
        fprintf(stderr, "overlap: scan: %zu of %zu documents read, %zu candidate pairs (%.2f s)\n",
                s.nok, n, ncands, now() - t0);

    /* Phase 3: alignment of every candidate pair. */
    res = calloc(ncands ? ncands : 1, sizeof *res);
    if (!res) {
        cli_error("out of memory");
        goto done;
    }
    /* Only around the colliding chunks, widened by a few chunks: a whole-document alignment
     * of every pair cost most of a scan, mostly on text that shares nothing. */
    if (cli_align_pairs(&s.files, cands, ncands, boxes, 4 * fo.chunk_tokens, &dopts, &aopts,
                        nthreads, s.progress, fmt == OVL_FORMAT_JSONL, res) != 0)
        goto done;
    free(boxes);
    boxes = NULL;
    ord = malloc((ncands ? ncands : 1) * sizeof *ord);
    repid = malloc(n * sizeof *repid);
    if (!ord || !repid) {
        cli_error("out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        repid[i] = -1;
    for (size_t k = 0; k < ncands; k++) {
        if (res[k].error)
            cli_error("%s", res[k].error);
        if (res[k].np == 0)
            continue;
        ord[nord].k = k;
        ord[nord].weight = res[k].sa.reused_chars + res[k].sb.reused_chars;
        ord[nord].a = cands[k].doc_a;
        ord[nord].b = cands[k].doc_b;
        repid[cands[k].doc_a] = repid[cands[k].doc_b] = 0;
        nord++;
    }
    qsort(ord, nord, sizeof *ord, cmp_ordered);
    /* Report ids: the documents that appear in a pair, in path order. */
    which = malloc((n ? n : 1) * sizeof *which);
    if (!which) {
        cli_error("out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (repid[i] == 0) {
            repid[i] = (int)ndocs_used;
            which[ndocs_used++] = i;
        }
    if (verbose)
        fprintf(stderr, "overlap: scan: %zu pairs with passages, %zu documents in them (%.2f s)\n",
                nord, ndocs_used, now() - t0);

    /* Phase 4: the report, pairs in order of reused characters. */
    params = params_json(&fo, (unsigned)max_df, (unsigned)min_hits, &aopts, &dopts, regex, by_dir);
    if (!params) {
        cli_error("out of memory");
        goto done;
    }
    out = cli_output(outpath);
    ovl_report_opts ropts = OVL_REPORT_OPTS_INIT;
    ropts.format = fmt;
    ropts.params_json = params;
    ropts.color = cli_color(color, out);
    if (ropts.color < 0) {
        cli_error("scan: --color must be auto, always or never, not '%s'", color);
        goto done;
    }
    int werr = 0;
    if (fmt == OVL_FORMAT_JSONL) {
        /* Streamed: the lines were rendered during alignment, only the ids change. */
        for (size_t x = 0; x < nord && !werr; x++) {
            const cli_pair_result *r = &res[ord[x].k];
            const char *p = r->jsonl, *end = r->jsonl + r->jsonl_len;
            while (p && p < end && !werr) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
                if (len && write_jsonl_line(out, p, len, repid[ord[x].a], repid[ord[x].b]) != 0)
                    werr = 1;
                p += len + 1;
            }
        }
    } else {
        docs = calloc(ndocs_used ? ndocs_used : 1, sizeof *docs);
        char **errors = calloc(ndocs_used ? ndocs_used : 1, sizeof *errors);
        load_job lj = {&s.files, which, docs, &dopts, NULL, errors};
        lj.ctx = calloc(nthreads, sizeof *lj.ctx);
        int bad = !docs || !errors || !lj.ctx;
        for (unsigned t = 0; !bad && t < nthreads; t++)
            bad = !(lj.ctx[t] = ovl_ctx_new());
        if (!bad)
            cli_parallel(ndocs_used, nthreads, load_one, NULL, &lj);
        for (size_t d = 0; !bad && d < ndocs_used; d++)
            if (!docs[d]) {
                cli_error("%s", errors[d] ? errors[d] : "out of memory");
                bad = 1;
            }
        for (unsigned t = 0; lj.ctx && t < nthreads; t++)
            ovl_ctx_free(lj.ctx[t]);
        free(lj.ctx);
        for (size_t d = 0; errors && d < ndocs_used; d++)
            free(errors[d]);
        free(errors);
        if (bad)
            goto done;
        rep = ovl_report_new();
        for (size_t d = 0; rep && !bad && d < ndocs_used; d++)
            bad = ovl_report_add_doc(rep, docs[d], s.files.v[which[d]].path) < 0;
        for (size_t x = 0; rep && !bad && x < nord; x++) {
            const cli_pair_result *r = &res[ord[x].k];
            bad = ovl_report_add_passages(rep, repid[ord[x].a], repid[ord[x].b], r->ps, r->np) !=
                  OVL_OK;
        }
        if (!rep || bad) {
            cli_error("scan: out of memory building the report");
            goto done;
        }
        werr = ovl_report_write(s.ctx, rep, &ropts, cli_write_file, out) != OVL_OK;
    }
    werr |= fflush(out) != 0 || ferror(out);
    if (out != stdout)
        werr |= fclose(out) != 0;
    out = NULL;
    if (werr) {
        cli_error("scan: %s: cannot write the report", outpath ? outpath : "standard output");
        goto done;
    }
    status = nord ? CLI_EXIT_FOUND : CLI_EXIT_NONE;
done:
    if (out && out != stdout)
        fclose(out);
    ovl_report_free(rep);
    for (size_t d = 0; docs && d < ndocs_used; d++)
        ovl_doc_free(docs[d]);
    free(docs);
    free(which);
    free(repid);
    free(ord);
    cli_pair_results_free(res, ncands);
    free(res);
    free(cands);
    free(boxes);
    free(params);
    ovl_finder_free(s.finder[0]);
    ovl_finder_free(s.finder[1]);
    free(s.keybuf);
    free(s.group);
    free(s.ok);
    cli_files_free(&s.files);
    ovl_ctx_free(s.ctx);
    free(paths);
    free(inc);
    free(exc);
    return status;
}
