/* cmd_check.c - `overlap check --db FILE DOC...`: passages of documents reused from an indexed corpus. */
#include "cli.h"

#include <fnmatch.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void help(FILE *f)
{
    fprintf(f, "usage: overlap check --db FILE DOC... [options]\n\n"
               "Finds the indexed documents each DOC reuses: its chunks' LSH band keys are looked up\n"
               "in the index, every candidate source is rebuilt from the bytes stored in the index\n"
               "(the original files need not exist) and aligned with DOC; DOC's own entry (same\n"
               "absolute path) is not a source. One report for all DOCs,\n"
               "in the formats and JSON schema of 'overlap compare' (passages: a = the checked\n"
               "document, b = the source). Exit status: 0 no reuse, 1 reuse, 2 trouble.\n\n"
               "options:\n"
               "  --db FILE                the index ('overlap index add')\n"
               "  --format text|json|html  report format (default text)\n"
               "  -o, --output FILE        write the report to FILE\n"
               "  --color auto|always|never  colour the text report (default auto: on a terminal)\n"
               "  --exclude-source GLOB    ignore sources whose stored (absolute) path matches GLOB\n"
               "                           (fnmatch, '*' also matches '/'; repeatable)\n"
               "  --exclude-meta KEY=VALUE ignore sources tagged KEY=VALUE (repeatable)\n"
               "  --exclude-quotes         leave quoted text out of the counted ratio\n"
               "  --exclude-refs           leave the reference list out of the counted ratio\n"
               CLI_ALIGN_OPTS_HELP
               "  --max-df N               skip band keys found in more than N documents as\n"
               "                           boilerplate (default 50; 0: no limit)\n"
               "  --max-sources N          align each DOC with at most the N candidates with most\n"
               "                           band collisions (default 100; 0: no limit)\n"
               "  -j, --jobs N             threads rebuilding and aligning sources (default: all\n"
               "                           online cores; the report is the same for any N)\n"
               CLI_DOC_OPTS_HELP
               "  Fingerprint options (--seed, --shingle, ... see 'overlap index --help') are taken\n"
               "  from the index; given, they must match it.\n");
}

typedef struct source {
    int64_t id;
    size_t first, end; /* its candidates: cands[first..end) */
    char *path;
    ovl_doc *doc;     /* kept only when some checked document reuses it */
    ovl_passage **ps; /* per checked document */
    size_t *np;
    char *err;        /* what went wrong with it (message) */
} source;

static int cmp_source_path(const void *pa, const void *pb)
{
    const source *a = pa, *b = pb;
    return strcmp(a->path, b->path);
}

typedef struct cand {
    int64_t id;
    int doc; /* checked document */
} cand;

static int cmp_cand(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    return a->doc - b->doc;
}

/* Shared by the alignment threads: each takes the next source, rebuilds it from the index
 * through its own handle (SQLite handles are per thread) and aligns it with its documents. */
typedef struct work {
    const char *db;
    ovl_index *idx; /* the main handle: used when there is a single worker */
    ovl_doc **docs;
    const cand *cands;
    source *srcs;
    size_t nsrcs, next;
    const ovl_align_opts *aopts;
    pthread_mutex_t lock;
} work;

static char *msg_of(const char *what, ovl_ctx *ctx)
{
    const char *m = ctx ? ovl_ctx_message(ctx) : "out of memory";
    size_t n = strlen(what) + strlen(m) + 3;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s: %s", what, m);
    return s;
}

/* idx NULL: the worker could not open the index, for the reason open_err. */
static void align_sources(work *w, ovl_index *idx, const char *open_err)
{
    ovl_ctx *ctx = ovl_ctx_new();
    for (;;) {
        pthread_mutex_lock(&w->lock);
        size_t k = w->next < w->nsrcs ? w->next++ : w->nsrcs;
        pthread_mutex_unlock(&w->lock);
        if (k == w->nsrcs)
            break;
        source *s = &w->srcs[k];
        if (!ctx || !idx) {
            s->err = open_err ? strdup(open_err) : msg_of(w->db, NULL);
            continue;
        }
        if (ovl_index_load_doc(ctx, idx, s->id, &s->doc) != OVL_OK) {
            s->err = msg_of(w->db, ctx);
            continue;
        }
        size_t total = 0;
        for (size_t c = s->first; c < s->end; c++) {
            int d = w->cands[c].doc;
            if (ovl_align(ctx, w->docs[d], s->doc, w->aopts, &s->ps[d], &s->np[d]) != OVL_OK) {
                s->err = msg_of(ovl_doc_name(w->docs[d]), ctx);
                break;
            }
            total += s->np[d];
        }
        if (!total || s->err) {
            /* Not reused after all: drop it now to keep memory to the matching sources. */
            ovl_doc_free(s->doc);
            s->doc = NULL;
        } else if (!(s->path = strdup(ovl_doc_name(s->doc)))) {
            s->err = msg_of(w->db, NULL);
        }
    }
    ovl_ctx_free(ctx);
}

static void *align_worker(void *arg)
{
    work *w = arg;
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_index *idx = NULL;
    ovl_index_opts o = OVL_INDEX_OPTS_INIT;
    o.readonly = 1;
    char *err = NULL;
    if (ctx && ovl_index_open(ctx, w->db, &o, &idx) != OVL_OK) {
        idx = NULL;
        err = msg_of(w->db, ctx);
    }
    align_sources(w, idx, err);
    free(err);
    ovl_index_close(idx);
    ovl_ctx_free(ctx);
    return NULL;
}

static unsigned online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)(n > 64 ? 64 : n) : 1;
}

/* 1 when the source is excluded by a glob or a meta. */
static int excluded(const ovl_index_entry *e, char **globs, int nglobs, char **emeta, int nemeta)
{
    for (int g = 0; g < nglobs; g++)
        if (fnmatch(globs[g], e->path, 0) == 0)
            return 1;
    for (int m = 0; m < nemeta; m++) {
        const char *eq = strchr(emeta[m], '=');
        size_t kl = (size_t)(eq - emeta[m]);
        for (size_t k = 0; k < e->n_metas; k++)
            if (strlen(e->metas[k].key) == kl && strncmp(e->metas[k].key, emeta[m], kl) == 0 &&
                strcmp(e->metas[k].value, eq + 1) == 0)
                return 1;
    }
    return 0;
}

int cmd_check(int argc, char **argv)
{
    ovl_doc_opts dopts = OVL_DOC_OPTS_INIT;
    ovl_align_opts aopts = OVL_ALIGN_OPTS_INIT;
    ovl_report_opts ropts = OVL_REPORT_OPTS_INIT;
    ovl_fp_opts fp = OVL_FP_OPTS_INIT;
    unsigned given = 0, max_df = 50, max_sources = 100, jobs = 0;
    const char *format = "text", *outpath = NULL, *color = "auto", *db = NULL, *v;
    char **paths = calloc((size_t)argc, sizeof *paths);
    char **globs = calloc((size_t)argc, sizeof *globs);
    char **emeta = calloc((size_t)argc, sizeof *emeta);
    int npaths = 0, nglobs = 0, nemeta = 0, status = CLI_EXIT_TROUBLE;
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_index *idx = NULL;
    ovl_doc **docs = NULL;
    source *srcs = NULL;
    size_t nsrcs = 0, ncand = 0, ccap = 0;
    cand *cands = NULL;
    ovl_report *rep = NULL;
    char *params = NULL;
    if (!paths || !globs || !emeta || !ctx) {
        cli_error("check: out of memory");
        goto done;
    }
    for (int i = 1; i < argc;) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            help(stdout);
            status = 0;
            goto done;
        }
        if (cli_opt(argc, argv, &i, "--db", NULL, &v))
            db = v;
        else if (cli_opt(argc, argv, &i, "--format", NULL, &v))
            format = v;
        else if (cli_opt(argc, argv, &i, "--output", "-o", &v))
            outpath = v;
        else if (cli_opt(argc, argv, &i, "--color", NULL, &v))
            color = v;
        else if (cli_opt(argc, argv, &i, "--exclude-source", NULL, &v))
            globs[nglobs++] = (char *)v;
        else if (cli_opt(argc, argv, &i, "--exclude-meta", NULL, &v)) {
            const char *eq = strchr(v, '=');
            if (!eq || eq == v) {
                cli_error("check: --exclude-meta wants KEY=VALUE, not '%s'", v);
                goto done;
            }
            emeta[nemeta++] = (char *)v;
        } else if (cli_align_opt(argc, argv, &i, &aopts))
            ;
        else if (cli_opt(argc, argv, &i, "--max-df", NULL, &v))
            max_df = (unsigned)cli_ulong("--max-df", v, 0, 1000000000);
        else if (cli_opt(argc, argv, &i, "--max-sources", NULL, &v))
            max_sources = (unsigned)cli_ulong("--max-sources", v, 0, 1000000000);
        else if (cli_opt(argc, argv, &i, "--jobs", "-j", &v))
            jobs = (unsigned)cli_ulong("--jobs", v, 1, 1024);
        else if (strcmp(argv[i], "--exclude-quotes") == 0)
            ropts.exclude_quotes = 1, i++;
        else if (strcmp(argv[i], "--exclude-refs") == 0)
            ropts.exclude_refs = 1, i++;
        else if (cli_doc_opt(argc, argv, &i, &dopts) || cli_fp_opt(argc, argv, &i, &fp, &given))
            ;
        else if (argv[i][0] == '-' && argv[i][1]) {
            cli_error("check: unknown option '%s'", argv[i]);
            goto done;
        } else
            paths[npaths++] = argv[i++];
    }
    if (!db || npaths == 0) {
        if (!db)
            cli_error("check: --db FILE is required");
        help(stderr);
        goto done;
    }
    int fmt = ovl_format_parse(format);
    if (fmt < 0 || fmt == OVL_FORMAT_JSONL) {
        cli_error("check: --format must be text, json or html, not '%s'", format);
        goto done;
    }
    int rc = cli_index_open(ctx, db, 0, 1, &fp, given, &dopts, &idx);
    if (rc != OVL_OK) {
        cli_fail(NULL, ctx, rc);
        goto done;
    }
    /* Checked documents are read with the index's normalization, so tokens line up. */
    ovl_doc_opts iopts;
    ovl_index_params(idx, NULL, &iopts);
    iopts.decode = dopts.decode;
    docs = calloc((size_t)npaths, sizeof *docs);
    if (!docs) {
        cli_error("check: out of memory");
        goto done;
    }
    for (int d = 0; d < npaths; d++) {
        if ((rc = ovl_doc_from_file(ctx, paths[d], &iopts, &docs[d])) != OVL_OK) {
            cli_fail(paths[d], ctx, rc);
            goto done;
        }
        ovl_index_hit *hits = NULL;
        size_t nh = 0, kept = 0;
        char *self = cli_abspath(paths[d]);
        if (!self) {
            cli_error("check: out of memory");
            goto done;
        }
        if ((rc = ovl_index_query(ctx, idx, docs[d], max_df, &hits, &nh)) != OVL_OK) {
            free(self);
            cli_fail(db, ctx, rc);
            goto done;
        }
        for (size_t h = 0; h < nh && (!max_sources || kept < max_sources); h++) {
            ovl_index_entry e;
            if ((rc = ovl_index_doc_info(ctx, idx, hits[h].doc_id, &e)) != OVL_OK) {
                free(hits);
                free(self);
                cli_fail(db, ctx, rc);
                goto done;
            }
            if (strcmp(e.path, self) == 0 || excluded(&e, globs, nglobs, emeta, nemeta))
                continue;
            kept++;
            cand *nc = ncand == ccap ? realloc(cands, (ccap = ccap ? ccap * 2 : 64) * sizeof *cands) : cands;
            if (!nc) {
                free(hits);
                free(self);
                cli_error("check: out of memory");
                goto done;
            }
            cands = nc;
            cands[ncand++] = (cand){hits[h].doc_id, d};
        }
        free(hits);
        free(self);
    }
    /* Each source is rebuilt once and aligned with every DOC that found it. */
    if (ncand)
        qsort(cands, ncand, sizeof *cands, cmp_cand);
    srcs = calloc(ncand ? ncand : 1, sizeof *srcs);
    if (!srcs) {
        cli_error("check: out of memory");
        goto done;
    }
    for (size_t c = 0; c < ncand;) {
        size_t e = c + 1;
        while (e < ncand && cands[e].id == cands[c].id)
            e++;
        source *s = &srcs[nsrcs];
        s->id = cands[c].id;
        s->first = c;
        s->end = e;
        s->ps = calloc((size_t)npaths, sizeof *s->ps);
        s->np = calloc((size_t)npaths, sizeof *s->np);
        nsrcs++;
        if (!s->ps || !s->np) {
            cli_error("check: out of memory");
            goto done;
        }
        c = e;
    }
    {
        /* Sources are rebuilt and aligned in parallel, each into its own slot, so the report
         * does not depend on the number of threads. */
        work w = {.db = db, .idx = idx, .docs = docs, .cands = cands, .srcs = srcs, .nsrcs = nsrcs,
                  .aopts = &aopts};
        pthread_mutex_init(&w.lock, NULL);
        unsigned nt = jobs ? jobs : online_cores();
        if (nt > nsrcs)
            nt = (unsigned)nsrcs;
        pthread_t *tids = nt > 1 ? calloc(nt, sizeof *tids) : NULL;
        unsigned started = 0;
        if (tids)
            for (; started < nt; started++)
                if (pthread_create(&tids[started], NULL, align_worker, &w) != 0)
                    break;
        if (!started)
            align_sources(&w, idx, NULL);
        for (unsigned k = 0; k < started; k++)
            pthread_join(tids[k], NULL);
        free(tids);
        pthread_mutex_destroy(&w.lock);
        /* The first failing source in id order is the one reported. */
        for (size_t k = 0; k < nsrcs; k++)
            if (srcs[k].err) {
                cli_error("%s", srcs[k].err);
                goto done;
            }
    }
    /* Matching sources in path order: the report does not depend on ids or add order. */
    size_t nmatch = 0;
    for (size_t k = 0; k < nsrcs; k++) {
        if (srcs[k].doc) {
            source tmp = srcs[nmatch];
            srcs[nmatch++] = srcs[k];
            srcs[k] = tmp;
        }
    }
    if (nmatch)
        qsort(srcs, nmatch, sizeof *srcs, cmp_source_path);
    rep = ovl_report_new();
    if (!rep) {
        cli_error("check: out of memory");
        goto done;
    }
    for (int d = 0; d < npaths; d++)
        if (ovl_report_add_doc(rep, docs[d], paths[d]) < 0) {
            cli_error("check: out of memory");
            goto done;
        }
    for (size_t k = 0; k < nmatch; k++)
        if (ovl_report_add_doc(rep, srcs[k].doc, srcs[k].path) < 0) {
            cli_error("check: out of memory");
            goto done;
        }
    size_t npass = 0;
    for (int d = 0; d < npaths; d++)
        for (size_t k = 0; k < nmatch; k++)
            if (srcs[k].np[d]) {
                if (ovl_report_add_passages(rep, d, npaths + (int)k, srcs[k].ps[d], srcs[k].np[d]) != OVL_OK) {
                    cli_error("check: out of memory");
                    goto done;
                }
                npass += srcs[k].np[d];
            }

    json_t *pj = json_pack("{s:i,s:i,s:b,s:b,s:b,s:i,s:i}", "min_chars", (int)aopts.min_cjk, "min_words",
                           (int)aopts.min_words, "fold_traditional", iopts.norm.fold_traditional != 0,
                           "exclude_quotes", ropts.exclude_quotes != 0, "exclude_refs",
                           ropts.exclude_refs != 0, "max_df", (int)max_df, "max_sources", (int)max_sources);
    json_t *gl = json_array(), *ml = json_array();
    for (int g = 0; g < nglobs; g++)
        json_array_append_new(gl, json_string(globs[g]));
    for (int m = 0; m < nemeta; m++)
        json_array_append_new(ml, json_string(emeta[m]));
    json_object_set_new(pj, "exclude_source", gl);
    json_object_set_new(pj, "exclude_meta", ml);
    params = json_dumps(pj, JSON_COMPACT);
    json_decref(pj);
    if (!params) {
        cli_error("check: out of memory");
        goto done;
    }
    ropts.format = fmt;
    ropts.params_json = params;
    if (cli_write_report("check", ctx, rep, &ropts, outpath, color) != 0)
        goto done;
    status = npass ? CLI_EXIT_FOUND : CLI_EXIT_NONE;
done:
    ovl_report_free(rep);
    free(params);
    for (size_t k = 0; k < nsrcs; k++) {
        for (int d = 0; d < npaths && srcs[k].ps; d++)
            free(srcs[k].ps[d]);
        free(srcs[k].ps);
        free(srcs[k].np);
        free(srcs[k].path);
        free(srcs[k].err);
        ovl_doc_free(srcs[k].doc);
    }
    free(srcs);
    free(cands);
    for (int d = 0; docs && d < npaths; d++)
        ovl_doc_free(docs[d]);
    free(docs);
    ovl_index_close(idx);
    ovl_ctx_free(ctx);
    free(paths);
    free(globs);
    free(emeta);
    return status;
}
