/* check.c - documents checked against an index: lookups, sources rebuilt once and aligned on worker threads. */
#include "internal.h"

#include "pool.h"

#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>

typedef struct source {
    int64_t id;
    size_t first, end; /* its candidates: cands[first..end) */
    char *path;
    ovl_doc *doc;      /* kept only when some checked document reuses it */
    ovl_passage **ps;  /* per checked document */
    size_t *np;
    ovl_piece **pc;    /* per checked document: the pieces of passages whose sentences moved */
    size_t *npc;
    int rc;            /* what went wrong with it */
    char *err;
} source;

typedef struct cand {
    int64_t id;
    size_t doc; /* checked document */
} cand;

struct ovl_check_result {
    ovl_report *report;
    source *srcs;
    size_t nsrcs, ndocs, npassages;
};

static int cmp_cand(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    return (a->doc > b->doc) - (a->doc < b->doc);
}

static int cmp_source_path(const void *pa, const void *pb)
{
    const source *a = pa, *b = pb;
    return strcmp(a->path, b->path);
}

/* 1 when the entry is tagged key=value. */
static int tagged(const ovl_index_entry *e, const char *key, const char *value)
{
    for (size_t k = 0; k < e->n_metas; k++)
        if (strcmp(e->metas[k].key, key) == 0 && strcmp(e->metas[k].value, value) == 0)
            return 1;
    return 0;
}

/* 1 when the source is excluded by a glob or a meta, or lacks a key the include metas ask for. */
static int excluded(const ovl_index_entry *e, const ovl_check_opts *o)
{
    for (size_t m = 0; m < o->ninclude_meta; m++) {
        /* Each key once: its first occurrence tries every value given for it. */
        const char *key = o->include_meta[m].key;
        int first = 1, hit = 0;
        for (size_t p = 0; p < m && first; p++)
            first = strcmp(o->include_meta[p].key, key) != 0;
        if (!first)
            continue;
        for (size_t p = m; p < o->ninclude_meta && !hit; p++)
            hit = strcmp(o->include_meta[p].key, key) == 0 && tagged(e, key, o->include_meta[p].value);
        if (!hit)
            return 1;
    }
    for (size_t g = 0; g < o->nexclude_source; g++)
        if (fnmatch(o->exclude_source[g], e->path, 0) == 0)
            return 1;
    for (size_t m = 0; m < o->nexclude_meta; m++)
        for (size_t k = 0; k < e->n_metas; k++)
            if (strcmp(e->metas[k].key, o->exclude_meta[m].key) == 0 &&
                strcmp(e->metas[k].value, o->exclude_meta[m].value) == 0)
                return 1;
    return 0;
}

typedef struct work {
    const char *db;
    ovl_index *idx;         /* the caller's handle: used by worker 0 */
    ovl_index **handles;    /* per worker (worker 0: idx) */
    const ovl_doc *const *docs;
    const cand *cands;
    source *srcs;
    const ovl_check_opts *o;
    ovl_ctx **ctx;
    ovl_span **dspans;      /* per checked document: its template text (ignore) */
    size_t *ndspans;
} work;

static char *msg_of(const char *what, const char *m)
{
    size_t n = strlen(what) + strlen(m) + 3;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s: %s", what, m);
    return s;
}

/* Rebuilds source k from the index through this worker's handle and aligns it with the
 * documents that found it. */
static void align_source(void *arg, unsigned worker, size_t k)
{
    work *w = arg;
    source *s = &w->srcs[k];
    ovl_ctx *ctx = w->ctx[worker];
    ovl_index *idx = w->handles[worker];
    if (!idx) {
        ovl_index_opts io = OVL_INDEX_OPTS_INIT;
        io.readonly = 1;
        if ((s->rc = ovl_index_open(ctx, w->db, &io, &w->handles[worker])) != OVL_OK) {
            s->err = msg_of(w->db, ovl_ctx_message(ctx));
            w->handles[worker] = NULL;
            ovl_ctx_clear(ctx);
            return;
        }
        idx = w->handles[worker];
    }
    if ((s->rc = ovl_index_load_doc(ctx, idx, s->id, &s->doc)) != OVL_OK) {
        s->err = msg_of(w->db, ovl_ctx_message(ctx));
        ovl_ctx_clear(ctx);
        return;
    }
    size_t total = 0;
    for (size_t c = s->first; c < s->end; c++) {
        size_t d = w->cands[c].doc;
        if ((s->rc = ovl_align_pieces(ctx, w->docs[d], s->doc, &w->o->align, &s->ps[d], &s->np[d],
                                      &s->pc[d], &s->npc[d])) != OVL_OK) {
            s->err = msg_of(ovl_doc_name(w->docs[d]), ovl_ctx_message(ctx));
            break;
        }
        if (w->o->nignore && s->np[d]) {
            ovl_span *ss = NULL;
            size_t nss = 0;
            ovl_passage *cut = NULL;
            size_t ncut = 0;
            s->rc = ovl_ignore_spans(ctx, s->doc, w->o->ignore, w->o->nignore, &w->o->align, &ss, &nss, NULL);
            if (s->rc == OVL_OK)
                s->rc = ovl_ignore_cut(ctx, w->docs[d], s->doc, s->ps[d], s->np[d], w->dspans[d],
                                       w->ndspans[d], ss, nss, &w->o->align, &cut, &ncut, NULL);
            free(ss);
            if (s->rc != OVL_OK) {
                s->err = msg_of(w->db, ovl_ctx_message(ctx));
                break;
            }
            free(s->ps[d]);
            s->ps[d] = cut;
            s->np[d] = ncut;
            free(s->pc[d]); /* they index the passages before the cut */
            s->pc[d] = NULL;
            s->npc[d] = 0;
        }
        total += s->np[d];
    }
    if (!total || s->rc != OVL_OK) {
        /* Not reused after all: drop it now to keep memory to the matching sources. */
        ovl_doc_free(s->doc);
        s->doc = NULL;
    } else if (!(s->path = strdup(ovl_doc_name(s->doc)))) {
        s->rc = OVL_ERR_NOMEM;
    }
    ovl_ctx_clear(ctx);
}

void ovl_check_result_free(ovl_check_result *r)
{
    if (!r)
        return;
    ovl_report_free(r->report);
    for (size_t k = 0; k < r->nsrcs; k++) {
        source *s = &r->srcs[k];
        for (size_t d = 0; s->ps && d < r->ndocs; d++)
            free(s->ps[d]);
        for (size_t d = 0; s->pc && d < r->ndocs; d++)
            free(s->pc[d]);
        free(s->ps);
        free(s->np);
        free(s->pc);
        free(s->npc);
        free(s->path);
        free(s->err);
        ovl_doc_free(s->doc);
    }
    free(r->srcs);
    free(r);
}

const ovl_report *ovl_check_report(const ovl_check_result *r) { return r ? r->report : NULL; }
size_t ovl_check_passage_count(const ovl_check_result *r) { return r ? r->npassages : 0; }

/* Candidate sources of every document, as (source id, document) sorted by id. */
static int lookup(ovl_ctx *ctx, ovl_index *idx, const char *db_path, const ovl_doc *const *docs,
                  size_t ndocs, const ovl_check_opts *o, cand **out, size_t *nout)
{
    cand *cands = NULL;
    size_t ncand = 0, ccap = 0;
    int rc = OVL_OK;
    for (size_t d = 0; d < ndocs && rc == OVL_OK; d++) {
        ovl_index_hit *hits = NULL;
        size_t nh = 0, kept = 0;
        if ((rc = ovl_index_query(ctx, idx, docs[d], o->max_df, &hits, &nh)) != OVL_OK)
            break;
        for (size_t h = 0; h < nh && (!o->max_sources || kept < o->max_sources); h++) {
            ovl_index_entry e;
            if ((rc = ovl_index_doc_info(ctx, idx, hits[h].doc_id, &e)) != OVL_OK)
                break;
            if ((o->self && o->self[d] && strcmp(e.path, o->self[d]) == 0) || excluded(&e, o))
                continue;
            kept++;
            if (ovl__grow(&cands, &ccap, ncand + 1, sizeof *cands) != 0) {
                rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
                break;
            }
            cands[ncand++] = (cand){hits[h].doc_id, d};
        }
        free(hits);
    }
    if (rc != OVL_OK) {
        free(cands);
        if (rc == OVL_ERR_NOMEM)
            return rc;
        /* The index's own words, named by its file (copied first: the message is rewritten). */
        char msg[400];
        snprintf(msg, sizeof msg, "%s", ovl_ctx_message(ctx));
        return ovl__fail(ctx, rc, -1, "%s: %s", db_path, msg);
    }
    if (ncand)
        qsort(cands, ncand, sizeof *cands, cmp_cand);
    *out = cands;
    *nout = ncand;
    return OVL_OK;
}

int ovl_check(ovl_ctx *ctx, ovl_index *idx, const char *db_path, const ovl_doc *const *docs,
              const char *const *names, size_t ndocs, const ovl_check_opts *opts,
              ovl_check_result **out)
{
    static const ovl_check_opts def = OVL_CHECK_OPTS_INIT;
    if (!opts)
        opts = &def;
    if (!idx || !db_path || !out || (ndocs && !docs))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "index, its path, documents and result are required");
    *out = NULL;
    if (opts->version != OVL_CHECK_OPTS_VERSION)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "check options version %u, expected %u",
                         opts->version, OVL_CHECK_OPTS_VERSION);
    ovl_check_result *r = calloc(1, sizeof *r);
    if (!r)
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    r->ndocs = ndocs;
    cand *cands = NULL;
    size_t ncand = 0;
    int rc = lookup(ctx, idx, db_path, docs, ndocs, opts, &cands, &ncand);
    if (rc != OVL_OK)
        goto fail;
    if (!(r->srcs = calloc(ncand ? ncand : 1, sizeof *r->srcs))) {
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        goto fail;
    }
    /* Each source once, with the documents that found it. */
    for (size_t c = 0; c < ncand;) {
        size_t e = c + 1;
        while (e < ncand && cands[e].id == cands[c].id)
            e++;
        source *s = &r->srcs[r->nsrcs++];
        s->id = cands[c].id;
        s->first = c;
        s->end = e;
        s->ps = calloc(ndocs ? ndocs : 1, sizeof *s->ps);
        s->np = calloc(ndocs ? ndocs : 1, sizeof *s->np);
        s->pc = calloc(ndocs ? ndocs : 1, sizeof *s->pc);
        s->npc = calloc(ndocs ? ndocs : 1, sizeof *s->npc);
        if (!s->ps || !s->np || !s->pc || !s->npc) {
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
            goto fail;
        }
        c = e;
    }
    unsigned nt = opts->threads ? opts->threads : ovl_cores();
    if (nt > r->nsrcs)
        nt = r->nsrcs ? (unsigned)r->nsrcs : 1;
    work w = {db_path, idx, NULL, docs, cands, r->srcs, opts, NULL, NULL, NULL};
    w.handles = calloc(nt, sizeof *w.handles);
    w.ctx = calloc(nt, sizeof *w.ctx);
    w.dspans = calloc(ndocs + 1, sizeof *w.dspans);
    w.ndspans = calloc(ndocs + 1, sizeof *w.ndspans);
    rc = w.handles && w.ctx && w.dspans && w.ndspans ? OVL_OK : OVL_ERR_NOMEM;
    /* Each checked document's template text, once. */
    for (size_t d = 0; rc == OVL_OK && opts->nignore && d < ndocs; d++)
        if ((rc = ovl_ignore_spans(ctx, docs[d], opts->ignore, opts->nignore, &opts->align,
                                   &w.dspans[d], &w.ndspans[d], NULL)) != OVL_OK) {
            for (size_t x = 0; x <= d; x++)
                free(w.dspans[x]);
            free(w.dspans);
            free(w.ndspans);
            free(w.handles);
            free(w.ctx);
            goto fail;
        }
    for (unsigned t = 0; rc == OVL_OK && t < nt; t++)
        if (!(w.ctx[t] = ovl_ctx_new()))
            rc = OVL_ERR_NOMEM;
    if (rc == OVL_OK) {
        w.handles[0] = idx;
        ovl__parallel(r->nsrcs, nt, align_source, NULL, &w);
    }
    for (unsigned t = 0; w.ctx && t < nt; t++)
        ovl_ctx_free(w.ctx[t]);
    for (unsigned t = 1; w.handles && t < nt; t++)
        ovl_index_close(w.handles[t]);
    free(w.ctx);
    free(w.handles);
    for (size_t d = 0; w.dspans && d < ndocs; d++)
        free(w.dspans[d]);
    free(w.dspans);
    free(w.ndspans);
    if (rc != OVL_OK) {
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        goto fail;
    }
    /* The first failing source in id order is the one reported. */
    for (size_t k = 0; k < r->nsrcs; k++)
        if (r->srcs[k].rc != OVL_OK) {
            rc = ovl__fail(ctx, r->srcs[k].rc, -1, "%s",
                           r->srcs[k].err ? r->srcs[k].err : "out of memory");
            goto fail;
        }
    /* Matching sources in path order: the report does not depend on ids or add order. */
    size_t nmatch = 0;
    for (size_t k = 0; k < r->nsrcs; k++) {
        if (r->srcs[k].doc) {
            source tmp = r->srcs[nmatch];
            r->srcs[nmatch++] = r->srcs[k];
            r->srcs[k] = tmp;
        }
    }
    if (nmatch)
        qsort(r->srcs, nmatch, sizeof *r->srcs, cmp_source_path);
    if (!(r->report = ovl_report_new())) {
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        goto fail;
    }
    for (size_t d = 0; d < ndocs; d++)
        if (ovl_report_add_doc(r->report, docs[d], names ? names[d] : NULL) < 0) {
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
            goto fail;
        }
    for (size_t k = 0; k < nmatch; k++)
        if (ovl_report_add_doc(r->report, r->srcs[k].doc, r->srcs[k].path) < 0) {
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
            goto fail;
        }
    for (size_t d = 0; d < ndocs; d++)
        for (size_t k = 0; k < nmatch; k++)
            if (r->srcs[k].np[d]) {
                if (ovl_report_add_passages_pieces(r->report, (int)d, (int)(ndocs + k),
                                                   r->srcs[k].ps[d], r->srcs[k].np[d],
                                                   r->srcs[k].pc[d], r->srcs[k].npc[d]) != OVL_OK) {
                    rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
                    goto fail;
                }
                r->npassages += r->srcs[k].np[d];
            }
    free(cands);
    *out = r;
    return OVL_OK;
fail:
    free(cands);
    ovl_check_result_free(r);
    return rc;
}
