/* scan_run.c - the whole scan: shards into finders, merged candidates, alignment spooled to a file, results in report order. */
#include "scan_run.h"

#include "pool.h"
#include "family.h"
#include "report_int.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef ovl__prec prec;
typedef ovl__iv iv;
typedef ovl__dstat dstat;
typedef ovl__run run;

/* Sources of a document: most characters first, ties to the lower report id. */
static int share_cmp(const void *x, const void *y)
{
    const ovl_source_share *a = x, *b = y;
    if (a->chars != b->chars)
        return a->chars > b->chars ? -1 : 1;
    return (a->doc > b->doc) - (a->doc < b->doc);
}

static int iv_cmp(const void *x, const void *y)
{
    const iv *a = x, *b = y;
    if (a->s != b->s)
        return a->s < b->s ? -1 : 1;
    return (a->e > b->e) - (a->e < b->e);
}

/* Sorts and merges d's spans in place; the merged list is bounded by the document's size,
 * not by the number of passages it takes part in. */
static void dstat_merge(dstat *d)
{
    if (d->n < 2) {
        d->merged = d->n;
        return;
    }
    qsort(d->v, d->n, sizeof *d->v, iv_cmp);
    size_t k = 0;
    for (size_t i = 1; i < d->n; i++) {
        if (d->v[i].s <= d->v[k].e) {
            if (d->v[i].e > d->v[k].e)
                d->v[k].e = d->v[i].e;
        } else {
            d->v[++k] = d->v[i];
        }
    }
    d->n = d->merged = k + 1;
}

static int dstat_add(dstat *d, const ovl_passage *ps, size_t n, int side_b, uint64_t reused,
                     uint32_t partner)
{
    for (size_t i = 0; i < n; i++) {
        const ovl_span *s = side_b ? &ps[i].b : &ps[i].a;
        if (s->char_end <= s->char_start)
            continue;
        if (d->n == d->cap && d->n >= 2 * d->merged + 16)
            dstat_merge(d);
        if (ovl__grow(&d->v, &d->cap, d->n + 1, sizeof *d->v) != 0)
            return OVL_ERR_NOMEM;
        d->v[d->n++] = (iv){s->char_start, s->char_end};
    }
    d->sources++;
    if (d->best_src < 0 || reused > d->best || (reused == d->best && partner < d->best_src)) {
        d->best = reused;
        d->best_src = partner;
    }
    return OVL_OK;
}

static int emit_problem(run *r, const char *path, int code, int64_t offset, const char *msg)
{
    r->sum.problems++;
    if (!r->sink || !r->sink->problem)
        return OVL_OK;
    ovl_problem p = {path, code, offset, msg};
    return r->sink->problem(r->sink->userdata, &p) ? OVL_ERR_WRITE : OVL_OK;
}

/* Reports document i's load failure once; err is "PATH: detail". */
static int doc_problem(run *r, size_t i, int code, const char *err)
{
    /* Memory running out is the run's failure, not the file's: no report instead of one
     * that says the file could not be read. */
    if (code == OVL_ERR_NOMEM)
        return ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
    if (r->ds[i].reported)
        return OVL_OK;
    r->ds[i].reported = 1;
    const char *path = ovl_corpus_name(r->c, i);
    size_t pl = strlen(path);
    const char *msg = err && strncmp(err, path, pl) == 0 && strncmp(err + pl, ": ", 2) == 0 ? err + pl + 2
                                                                                          : err;
    return emit_problem(r, path, code, -1, msg ? msg : ovl_strerror(code));
}

/* Template text cut out of a pair's passages (ovl_ignore_cut), with the documents at hand. */
static int cut_ignored(void *userdata, ovl_ctx *ctx, const ovl_doc *a, const ovl_doc *b,
                       const ovl_scan_pair *p, ovl_passage **ps, size_t *np)
{
    run *r = userdata;
    const ovl__families *g = &r->ign;
    size_t a0 = g->doc_first[p->a], a1 = g->doc_first[p->a + 1];
    size_t b0 = g->doc_first[p->b], b1 = g->doc_first[p->b + 1];
    if ((a0 == a1 && b0 == b1) || *np == 0)
        return OVL_OK;
    ovl_span *sa = calloc(a1 - a0 + 1, sizeof *sa), *sb = calloc(b1 - b0 + 1, sizeof *sb);
    if (!sa || !sb) {
        free(sa);
        free(sb);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    }
    for (size_t x = a0; x < a1; x++) {
        sa[x - a0].tok_start = g->spans[x].tok_start;
        sa[x - a0].tok_end = g->spans[x].tok_end;
    }
    for (size_t x = b0; x < b1; x++) {
        sb[x - b0].tok_start = g->spans[x].tok_start;
        sb[x - b0].tok_end = g->spans[x].tok_end;
    }
    ovl_passage *cut = NULL;
    size_t ncut = 0, touched = 0;
    int rc = ovl_ignore_cut(ctx, a, b, *ps, *np, sa, a1 - a0, sb, b1 - b0, &r->o->align, &cut, &ncut,
                            &touched);
    free(sa);
    free(sb);
    if (rc != OVL_OK)
        return rc;
    free(*ps);
    *ps = cut;
    *np = ncut;
    r->ignored_touched += touched; /* atomic: workers add at once */
    return OVL_OK;
}

static int cfp_problem(void *userdata, size_t doc, const ovl_problem *p)
{
    run *r = userdata;
    if (doc < ovl_corpus_count(r->c))
        r->ds[doc].reported = 1; /* (templates are not documents of the corpus) */
    return emit_problem(r, p->path, p->code, p->offset, p->message) != OVL_OK;
}

/* Alignment results arrive here one at a time (the phase serializes the callback). */
static int on_result(void *userdata, const ovl_scan_result *res)
{
    run *r = userdata;
    if (r->rc != OVL_OK)
        return 1;
    const ovl_scan_pair *p = &r->pairs[res->pair];
    if (res->status == OVL_OK && res->npassages == 0)
        return 0;
    if (ovl__grow(&r->recs, &r->caprecs, r->nrecs + 1, sizeof *r->recs) != 0) {
        r->rc = ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
        return 1;
    }
    prec *q = &r->recs[r->nrecs];
    memset(q, 0, sizeof *q);
    q->a = p->a;
    q->b = p->b;
    q->status = res->status;
    if (res->status != OVL_OK) {
        if (!(q->error = strdup(res->error ? res->error : ovl_strerror(res->status)))) {
            r->rc = ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
            return 1;
        }
        dstat *f = res->failed_doc >= 0 ? &r->ds[res->failed_doc] : NULL;
        if (f && !f->reported && !f->failure) {
            /* Reported after alignment, in document order (the cache gives every pair of a
             * document the same failure, so the first one seen is the one). */
            f->failure_code = res->status;
            if (!(f->failure = strdup(res->error ? res->error : ovl_strerror(res->status)))) {
                r->rc = ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
                return 1;
            }
        }
        r->nrecs++;
        r->sum.failed_pairs++;
        return 0;
    }
    const ovl_passage *ps = res->passages;
    size_t np = res->npassages;
    uint64_t ra = res->a_reused_chars, rb = res->b_reused_chars;
    if (r->use_fam) {
        /* Passages inside recurring text on both sides are the family's, not this pair's. */
        if (ovl__grow(&r->keep, &r->capkeep, np + 1, sizeof *r->keep) != 0) {
            r->rc = ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
            return 1;
        }
        size_t k = 0;
        for (size_t i = 0; i < np; i++) {
            const ovl_passage *x = &ps[i];
            if (r->use_fam &&
                     ovl__families_cover(&r->fam, p->a, x->a.tok_start, x->a.tok_end) >= FAMILY_COVER &&
                     ovl__families_cover(&r->fam, p->b, x->b.tok_start, x->b.tok_end) >= FAMILY_COVER)
                r->sum.family_passages++;
            else
                r->keep[k++] = *x;
        }
        if (k < np) {
            ovl_pair_stats st;
            if (ovl_pair_stats_compute(0, 1, r->keep, k, 0, 0, &st) != OVL_OK) {
                r->rc = ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
                return 1;
            }
            ps = r->keep;
            np = k;
            ra = st.a_reused_chars;
            rb = st.b_reused_chars;
        }
        if (np == 0)
            return 0;
    }
    q->n = (uint32_t)np;
    q->off = r->spool_off;
    q->ra = ra;
    q->rb = rb;
    for (size_t i = 0; i < np; i++)
        if (ps[i].similarity > q->top)
            q->top = ps[i].similarity;
    size_t bytes = np * sizeof *ps;
    if (np && fwrite(ps, 1, bytes, r->spool) != bytes) {
        r->rc = ovl__fail(r->ctx, OVL_ERR_IO, -1, "cannot write the temporary passage file");
        return 1;
    }
    r->spool_off += bytes;
    if (dstat_add(&r->ds[p->a], ps, np, 0, q->ra, p->b) != OVL_OK ||
        dstat_add(&r->ds[p->b], ps, np, 1, q->rb, p->a) != OVL_OK) {
        r->rc = ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
        return 1;
    }
    r->nrecs++;
    r->sum.pairs++;
    return 0;
}

int ovl__prec_cmp(const void *x, const void *y)
{
    const prec *p = x, *q = y;
    uint64_t wp = p->ra + p->rb, wq = q->ra + q->rb;
    if (wp != wq)
        return wp > wq ? -1 : 1;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    return (p->b > q->b) - (p->b < q->b);
}

int ovl__run_copy_group(ovl__run *r, const char **paths, double *sim, size_t n, uint64_t bytes, uint64_t chars)
{
    const ovl_scan_sink *sink = r->sink;
    r->sum.copy_groups++;
    sim[0] = 1.0;
    int identical = 1;
    for (size_t k = 1; k < n; k++) {
        if (sim[k] > 0)
            r->sum.near_copies++;
        else
            r->sum.copies++, sim[k] = 1.0;
        identical &= sim[k] >= 1.0;
    }
    ovl_copies g = {paths, n, bytes, chars, identical ? NULL : sim};
    if (sink && sink->copies && sink->copies(sink->userdata, &g) != 0)
        return ovl__sink_stopped(r->ctx);
    return OVL_OK;
}

/* Each group of identical files, in name order of its first. */
static int emit_copies(run *r)
{
    if (r->copies)
        return r->copies(r->copies_data, r);
    size_t n = ovl_corpus_count(r->c);
    uint32_t *count = ovl__copy_counts(r->cfp.copy_of, n);
    const char **paths = malloc((n + 1) * sizeof *paths);
    double *sim = malloc((n + 1) * sizeof *sim);
    int rc = count && paths && sim ? OVL_OK : ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
    /* Members of a group follow their first in name order: gather them per first. */
    size_t *start = calloc(n + 1, sizeof *start), *fill = calloc(n + 1, sizeof *fill);
    uint32_t *members = malloc((n + 1) * sizeof *members);
    if (rc == OVL_OK && (!start || !fill || !members))
        rc = ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
    for (size_t i = 0; rc == OVL_OK && i < n; i++)
        start[i + 1] = start[i] + count[i];
    for (size_t i = 0; rc == OVL_OK && i < n; i++) {
        uint32_t o = r->cfp.copy_of[i];
        if (o != UINT32_MAX && o != i)
            members[start[o] + fill[o]++] = (uint32_t)i;
    }
    for (size_t i = 0; rc == OVL_OK && i < n; i++) {
        if (!count[i])
            continue;
        paths[0] = ovl_corpus_name(r->c, i);
        for (size_t k = 0; k < count[i]; k++) {
            uint32_t m = members[start[i] + k];
            paths[k + 1] = ovl_corpus_name(r->c, m);
            sim[k + 1] = r->cfp.near && r->cfp.near[m] > 0 ? r->cfp.near[m] : 0;
        }
        rc = ovl__run_copy_group(r, paths, sim, count[i] + 1, r->docs[i].bytes, r->docs[i].chars);
    }
    free(count);
    free(paths);
    free(sim);
    free(start);
    free(fill);
    free(members);
    return rc;
}

/* Text of characters [s, e) of a document, whitespace runs as one space, cut at max. */
static char *span_text(const ovl_doc *d, uint64_t s, uint64_t e, size_t max)
{
    const ovl_text *c = ovl_doc_text(d);
    size_t n = ovl_text_length(c);
    if (e > n)
        e = n;
    char *out = malloc((size_t)(e > s ? e - s : 0) * 4 + 8);
    if (!out)
        return NULL;
    size_t k = 0, shown = 0;
    int space = 0;
    for (uint64_t i = s; i < e; i++) {
        uint32_t cp = ovl_text_char(c, i);
        if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x3000) {
            space = shown > 0;
            continue;
        }
        if (shown >= max) {
            memcpy(out + k, " \xE2\x80\xA6", 4);
            k += 4;
            break;
        }
        if (space)
            out[k++] = ' ', shown++;
        space = 0;
        if (cp < 0x20 || cp == 0x7F)
            cp = 0xFFFD;
        k += ovl_utf8_encode(cp, out + k);
        shown++;
    }
    out[k] = '\0';
    return out;
}

/* The heaviest families, each with its text (an occurrence at the upper quartile of length)
 * and the occurrences listed (all that ovl__families_keep left). */
static int emit_families(run *r, ovl__doccache *cache, ovl_ctx *lctx)
{
    const ovl_scan_sink *sink = r->sink;
    size_t top = r->fam.n;
    r->sum.families = top + r->fam.dropped;
    int rc = OVL_OK;
    ovl_family_span *spans = NULL;
    size_t cap = 0;
    for (size_t k = 0; rc == OVL_OK && k < top; k++) {
        const ovl__fam *f = &r->fam.f[k];
        const ovl__famspan *rep = &r->fam.spans[f->rep];
        if (ovl__grow(&spans, &cap, f->nspans + 1, sizeof *spans) != 0) {
            rc = ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
            break;
        }
        for (size_t x = 0; x < f->nspans; x++) {
            const ovl__famspan *sp = &r->fam.spans[f->first_span + x];
            spans[x] = (ovl_family_span){ovl_corpus_name(r->c, sp->doc), sp->char_start, sp->char_end};
        }
        const char *err = NULL;
        int code = 0;
        const ovl_doc *d = ovl__doccache_get(cache, lctx, rep->doc, &err, &code);
        char *text = d ? span_text(d, rep->char_start, rep->char_end, FAMILY_TEXT) : NULL;
        if (d)
            ovl__doccache_put(cache, rep->doc);
        else
            rc = doc_problem(r, rep->doc, code, err);
        ovl_family fam = {k + 1, f->documents, rep->char_end - rep->char_start, text ? text : "",
                          spans, f->nspans};
        if (rc == OVL_OK && sink && sink->family && sink->family(sink->userdata, &fam) != 0)
            rc = ovl__sink_stopped(r->ctx);
        free(text);
    }
    free(spans);
    return rc;
}

/* The documents of the pairs whose passages are shown get what their segmentation adds to
 * their figures (ratios without quotations and without references, sections), as compare
 * and check give them: each is read again, as for its passages; the others are not, so the
 * cost stays with --top. di[report id] is filled; a document that cannot be read is reported
 * and left without. */
static int emit_details(run *r, ovl__doccache *cache, ovl_ctx *lctx, ovl_report_docinfo *di)
{
    size_t n = ovl_corpus_count(r->c);
    unsigned char *want = calloc(n ? n : 1, 1);
    ovl__crange *u = NULL;
    size_t cap = 0;
    int rc = OVL_OK;
    if (!want)
        return ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
    for (size_t k = 0; k < r->nrecs && (!r->o->top_pairs || k < r->o->top_pairs); k++)
        if (r->recs[k].status == OVL_OK && r->recs[k].n)
            want[r->recs[k].a] = want[r->recs[k].b] = 1;
    for (size_t i = 0; rc == OVL_OK && i < n; i++) {
        dstat *d = &r->ds[i];
        if (!want[i] || d->report_id < 0)
            continue;
        const char *err = NULL;
        int code = 0;
        const ovl_doc *doc = ovl__doccache_get(cache, lctx, i, &err, &code);
        if (!doc) {
            rc = doc_problem(r, i, code, err);
            continue;
        }
        if (ovl__grow(&u, &cap, d->n + 1, sizeof *u) != 0) {
            ovl__doccache_put(cache, i);
            rc = ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
            break;
        }
        for (size_t k = 0; k < d->n; k++)
            u[k] = (ovl__crange){d->v[k].s, d->v[k].e};
        ovl_report_docinfo *x = &di[d->report_id];
        ovl_section_stats *sc = NULL;
        if (ovl__report_doc_detail(doc, u, d->n, &x->stats, &sc, &x->nsections) != OVL_OK)
            rc = ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
        x->sections = sc;
        x->detailed = rc == OVL_OK;
        ovl__doccache_put(cache, i);
    }
    free(u);
    free(want);
    return rc;
}

/* Results in report order: begin with the documents, then every pair read back from the
 * spool, then end. */
typedef struct plen {
    uint64_t len;
    size_t at;
} plen;

static int plen_cmp(const void *x, const void *y)
{
    const plen *a = x, *b = y;
    if (a->len != b->len)
        return a->len > b->len ? -1 : 1;
    return (a->at > b->at) - (a->at < b->at);
}

static int plen_at_cmp(const void *x, const void *y)
{
    const plen *a = x, *b = y;
    return (a->at > b->at) - (a->at < b->at);
}

/* Keeps the max longest of the n passages in ps (both sides' characters; ties: the
 * earlier), in their order. Returns how many are left, or SIZE_MAX when out of memory. */
static size_t keep_longest(ovl_passage *ps, size_t n, size_t max, plen **tmp, size_t *cap)
{
    if (!max || n <= max)
        return n;
    if (ovl__grow(tmp, cap, n, sizeof **tmp) != 0)
        return SIZE_MAX;
    plen *l = *tmp;
    for (size_t k = 0; k < n; k++)
        l[k] = (plen){(uint64_t)(ps[k].a.char_end - ps[k].a.char_start) +
                          (ps[k].b.char_end - ps[k].b.char_start), k};
    qsort(l, n, sizeof *l, plen_cmp);
    qsort(l, max, sizeof *l, plen_at_cmp);
    for (size_t k = 0; k < max; k++) /* l[k].at >= k and ascending: nothing is overwritten unread */
        ps[k] = ps[l[k].at];
    return max;
}

static int emit(run *r, ovl__doccache *cache)
{
    const ovl_scan_sink *sink = r->sink;
    size_t n = ovl_corpus_count(r->c);
    if (r->nrecs > 1)
        qsort(r->recs, r->nrecs, sizeof *r->recs, ovl__prec_cmp);
    ovl__run_drop_below_ratio(r);
    /* Past list_pairs, pairs are counted only (failed ones are still shown). */
    if (r->o->list_pairs && r->nrecs > r->o->list_pairs) {
        size_t kept = r->o->list_pairs;
        for (size_t k = kept; k < r->nrecs; k++) {
            prec *q = &r->recs[k];
            if (q->status != OVL_OK) {
                r->recs[kept++] = *q;
                continue;
            }
            r->sum.pairs_unlisted++;
        }
        r->nrecs = kept;
    }
    r->sum.pairs = 0;
    r->sum.passages = 0;
    for (size_t k = 0; k < r->nrecs; k++) {
        r->ds[r->recs[k].a].in_report = r->ds[r->recs[k].b].in_report = 1;
        if (r->recs[k].status == OVL_OK) {
            r->sum.pairs++;
            if (!r->o->top_pairs || k < r->o->top_pairs)
                r->sum.passages += r->o->pair_passages && r->recs[k].n > r->o->pair_passages
                                       ? r->o->pair_passages : r->recs[k].n;
        }
    }
    size_t nrep = 0;
    for (size_t i = 0; i < n; i++)
        r->ds[i].report_id = r->ds[i].in_report ? (int)nrep++ : -1;
    ovl_report_docinfo *di = calloc(nrep + 1, sizeof *di);
    /* Each document's sources: its partners with the characters of it their pair covers. */
    ovl_source_share *sh = malloc((2 * r->nrecs + 1) * sizeof *sh);
    size_t *shat = calloc(nrep + 1, sizeof *shat);
    if (!di || !sh || !shat) {
        free(di), free(sh), free(shat);
        return ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
    }
    for (size_t k = 0; k < r->nrecs; k++)
        if (r->recs[k].status == OVL_OK)
            di[r->ds[r->recs[k].a].report_id].nshares++, di[r->ds[r->recs[k].b].report_id].nshares++;
    for (size_t d = 0, at = 0; d < nrep; at += di[d].nshares, d++)
        shat[d] = at, di[d].shares = sh + at;
    for (size_t k = 0; k < r->nrecs; k++) {
        const prec *q = &r->recs[k];
        if (q->status != OVL_OK)
            continue;
        int ia = r->ds[q->a].report_id, ib = r->ds[q->b].report_id;
        uint64_t ca = r->docs[q->a].chars, cb = r->docs[q->b].chars;
        sh[shat[ia]++] = (ovl_source_share){ib, q->ra, ca ? (double)q->ra / (double)ca : 0.0};
        sh[shat[ib]++] = (ovl_source_share){ia, q->rb, cb ? (double)q->rb / (double)cb : 0.0};
    }
    for (size_t d = 0; d < nrep; d++)
        qsort((void *)di[d].shares, di[d].nshares, sizeof *sh, share_cmp);
    free(shat);
    for (size_t i = 0; i < n; i++) {
        dstat *d = &r->ds[i];
        if (d->report_id < 0)
            continue;
        dstat_merge(d);
        uint64_t reused = 0;
        for (size_t k = 0; k < d->n; k++)
            reused += d->v[k].e - d->v[k].s;
        ovl_report_docinfo *x = &di[d->report_id];
        const ovl_scan_doc *sd = &r->docs[i];
        x->path = ovl_corpus_name(r->c, i);
        x->encoding = sd->encoding;
        x->bytes = sd->bytes;
        x->replaced = sd->replaced;
        x->sources = (int)d->sources;
        x->stats.chars = sd->chars;
        x->stats.reused_chars = reused;
        x->stats.reuse_ratio = sd->chars ? (double)reused / (double)sd->chars : 0.0;
        x->stats.counted_chars = sd->chars;
        x->stats.counted_reused = reused;
        x->stats.counted_ratio = x->stats.reuse_ratio;
        x->stats.top_source = d->best_src >= 0 ? r->ds[d->best_src].report_id : -1;
        x->stats.top_source_ratio = sd->chars && d->best_src >= 0 ? (double)d->best / (double)sd->chars : 0.0;
    }
    int rc = OVL_OK;
    ovl_ctx *lctx = ovl_ctx_new();
    if (!lctx)
        rc = ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
    if (rc == OVL_OK && sink && sink->need_docs != 2 && sink->doc_details)
        rc = emit_details(r, cache, lctx, di);
    if (rc == OVL_OK && sink && sink->begin && sink->begin(sink->userdata, &r->sum, di, nrep) != 0)
        rc = ovl__sink_stopped(r->ctx);
    for (size_t d = 0; d < nrep; d++)
        ovl_report_sections_free((ovl_section_stats *)di[d].sections, di[d].nsections);
    free(di);
    free(sh);
    ovl_passage *buf = NULL;
    size_t cap = 0, lcap = 0;
    plen *lens = NULL;
    if (rc == OVL_OK)
        rc = emit_copies(r);
    if (rc == OVL_OK && r->use_fam)
        rc = emit_families(r, cache, lctx);
    for (size_t k = 0; rc == OVL_OK && k < r->nrecs; k++) {
        prec *q = &r->recs[k];
        /* Past the top pairs, the record only. */
        uint32_t shown = r->o->top_pairs && k >= r->o->top_pairs ? 0 : q->n;
        if (shown && (ovl__grow(&buf, &cap, shown, sizeof *buf) != 0)) {
            rc = ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
            break;
        }
        if (shown && r->fetch) {
            if ((rc = r->fetch(r->fetch_data, r->ctx, q->off, buf, shown)) != OVL_OK)
                break;
        } else if (shown && (fseeko(r->spool, (off_t)q->off, SEEK_SET) != 0 ||
                             fread(buf, sizeof *buf, shown, r->spool) != shown)) {
            rc = ovl__fail(r->ctx, OVL_ERR_IO, -1, "cannot read the temporary passage file");
            break;
        }
        if (shown) {
            size_t left = keep_longest(buf, shown, r->o->pair_passages, &lens, &lcap);
            if (left == SIZE_MAX) {
                rc = ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
                break;
            }
            shown = (uint32_t)left;
        }
        const ovl_doc *da = NULL, *db = NULL;
        char *lerr = NULL;
        const char *owned_err = NULL;
        if (sink && sink->need_docs == 2 && q->status == OVL_OK && shown) {
            for (int side = 0; side < 2 && rc == OVL_OK; side++) {
                uint32_t d = side ? q->b : q->a;
                dstat *x = &r->ds[d];
                if (!x->delivered) {
                    ovl_doc *doc = NULL;
                    int code = ovl__doccache_load(cache, lctx, d, &doc, &x->load_error);
                    x->delivered = code == OVL_OK ? 1 : 2;
                    if (code != OVL_OK)
                        rc = doc_problem(r, d, code, x->load_error);
                    else if (sink->doc && sink->doc(sink->userdata, x->report_id, doc) != 0)
                        rc = ovl__sink_stopped(r->ctx);
                    else if (!sink->doc)
                        ovl_doc_free(doc);
                }
                if (x->delivered == 2 && !owned_err)
                    owned_err = x->load_error ? x->load_error : "out of memory";
            }
        }
        if (sink && sink->need_docs == 1 && q->status == OVL_OK && shown) {
            const char *e = NULL;
            int code = 0;
            da = ovl__doccache_get(cache, lctx, q->a, &e, &code);
            if (!da) {
                rc = doc_problem(r, q->a, code, e);
                lerr = strdup(e ? e : "out of memory");
            } else if (!(db = ovl__doccache_get(cache, lctx, q->b, &e, &code))) {
                rc = doc_problem(r, q->b, code, e);
                lerr = strdup(e ? e : "out of memory");
            }
        }
        ovl_pair_stats ps;
        memset(&ps, 0, sizeof ps);
        ps.a = r->ds[q->a].report_id;
        ps.b = r->ds[q->b].report_id;
        if (q->status != OVL_OK || owned_err || (sink && sink->need_docs == 1 && shown && (!da || !db))) {
            ps.error = q->error ? q->error : owned_err ? owned_err : lerr ? lerr : "out of memory";
        } else {
            ps.passages = q->n;
            ps.a_reused_chars = q->ra;
            ps.b_reused_chars = q->rb;
            ps.a_ratio = r->docs[q->a].chars ? (double)q->ra / (double)r->docs[q->a].chars : 0.0;
            ps.b_ratio = r->docs[q->b].chars ? (double)q->rb / (double)r->docs[q->b].chars : 0.0;
            ps.top_similarity = q->top;
        }
        if (rc == OVL_OK && sink && sink->pair &&
            sink->pair(sink->userdata, &ps, ps.error ? NULL : buf, ps.error ? 0 : shown, da, db) != 0)
            rc = ovl__sink_stopped(r->ctx);
        free(lerr);
        if (da)
            ovl__doccache_put(cache, q->a);
        if (db)
            ovl__doccache_put(cache, q->b);
    }
    ovl_ctx_free(lctx);
    free(buf);
    free(lens);
    /* The replaced byte sequences phase 1 counted (summary replaced_docs: none, nothing to
     * tell), after the pairs: a caller telling them on standard error does so after every
     * problem, as it did when it read the corpus again for them. */
    if (rc == OVL_OK && sink && sink->replaced && r->sum.replaced_docs) {
        if (r->replaced)
            rc = r->replaced(r->replaced_data, r);
        for (size_t i = 0; !r->replaced && rc == OVL_OK && i < n; i++)
            if (r->docs[i].replaced)
                rc = ovl__run_replaced(r, i, ovl_corpus_name(r->c, i), r->docs[i].replaced);
    }
    if (rc == OVL_OK && sink && sink->end && sink->end(sink->userdata, &r->sum) != 0)
        rc = ovl__sink_stopped(r->ctx);
    return rc;
}

int ovl__run_replaced(ovl__run *r, size_t doc, const char *path, size_t n)
{
    if (r->sink && r->sink->replaced && r->sink->replaced(r->sink->userdata, doc, path, n) != 0)
        return ovl__sink_stopped(r->ctx);
    return OVL_OK;
}

void ovl__run_drop_below_ratio(ovl__run *r)
{
    size_t kept = 0;
    double min = r->o->min_ratio;
    for (size_t k = 0; k < r->nrecs; k++) {
        ovl__prec *q = &r->recs[k];
        double ra = r->docs[q->a].chars ? (double)q->ra / (double)r->docs[q->a].chars : 0.0;
        double rb = r->docs[q->b].chars ? (double)q->rb / (double)r->docs[q->b].chars : 0.0;
        if (q->status == OVL_OK && min > 0 && ra < min && rb < min)
            free(q->error);
        else
            r->recs[kept++] = *q;
    }
    r->nrecs = kept;
}

int ovl__run_init(ovl__run *r, ovl_ctx *ctx, const ovl_corpus *c, const ovl_scan_opts *o,
                  const ovl_scan_sink *sink)
{
    memset(r, 0, sizeof *r);
    atomic_init(&r->ignored_touched, 0);
    r->ctx = ctx;
    r->c = c;
    r->o = o;
    r->sink = sink;
    size_t n = ovl_corpus_count(c);
    r->sum.documents = n;
    r->sum.bands = o->fp.bands;
    r->sum.rows = o->fp.rows;
    r->docs = calloc(n ? n : 1, sizeof *r->docs);
    r->ds = calloc(n ? n : 1, sizeof *r->ds);
    r->hashes = malloc((n ? n : 1) * sizeof *r->hashes);
    if (!r->docs || !r->ds || !r->hashes)
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    for (size_t i = 0; i < n; i++)
        r->ds[i].best_src = -1;
    r->cfp.docs = r->docs;
    return OVL_OK;
}

int ovl__run_corpus_problems(ovl__run *r)
{
    int rc = OVL_OK;
    for (size_t p = 0; rc == OVL_OK && p < ovl_corpus_problem_count(r->c); p++) {
        const ovl_problem *pb = ovl_corpus_problem(r->c, p);
        rc = emit_problem(r, pb->path, pb->code, pb->offset, pb->message);
    }
    return rc;
}

int ovl__run_problem(void *userdata, size_t doc, const ovl_problem *p)
{
    return cfp_problem(userdata, doc, p);
}

/* The families' occurrences widened over the text beside them they share, and families of one
 * text joined (src/family.c): documents read again, as phase 1 read them. */
static int families_widen(ovl__run *r)
{
    size_t n = ovl_corpus_count(r->c);
    uint32_t *copies = ovl__copy_counts(r->cfp.copy_of, n);
    ovl__famread rd = {r->c, &r->o->doc, r->docs, copies, NULL, NULL, 0};
    ovl_ctx *lctx = copies ? ovl_ctx_new() : NULL;
    int rc = lctx ? ovl__families_widen(r->ctx, &r->fam, &rd, lctx)
                  : ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
    if (rc == OVL_OK) /* (held to the report: what it lists) */
        ovl__families_keep(&r->fam, r->o->top_families, r->o->family_spans);
    ovl_ctx_free(lctx);
    free(copies);
    return rc;
}

int ovl__run_families(ovl__run *r)
{
    size_t n = ovl_corpus_count(r->c);
    int rc;
    if (r->o->families && r->o->max_df) {
        if ((rc = ovl__families_build(r->ctx, &r->cfp, n, &r->fam)) != OVL_OK)
            return rc;
        r->use_fam = r->fam.n > 0;
    }
    if (r->cfp.nign) {
        ovl__cfp view = r->cfp;
        view.rec = r->cfp.ign;
        view.nrec = r->cfp.nign;
        if ((rc = ovl__families_build(r->ctx, &view, n, &r->ign)) != OVL_OK)
            return rc;
        r->use_ign = r->ign.nspans > 0;
        for (size_t x = 0; x < r->ign.nspans; x++)
            r->sum.ignored_chars += r->ign.spans[x].char_end - r->ign.spans[x].char_start;
    }
    free(r->cfp.rec); /* the families hold what the alignment needs */
    r->cfp.rec = NULL;
    r->cfp.nrec = 0;
    return r->use_fam ? families_widen(r) : OVL_OK;
}

void ovl__run_filter(ovl__run *r, ovl_scan_pair *pairs, size_t *npairs)
{
    if (!r->use_fam && !r->use_ign)
        return;
    /* A pair whose colliding chunks lie in recurring text on both sides shares only that
     * text (its family says so), one whose chunks lie in template text on a side shares
     * the template: neither is aligned. */
    size_t kept = 0;
    for (size_t k = 0; k < *npairs; k++) {
        const ovl_scan_pair *q = &pairs[k];
        if (r->use_ign && (ovl__families_cover(&r->ign, q->a, q->a0, q->a1) >= FAMILY_COVER ||
                           ovl__families_cover(&r->ign, q->b, q->b0, q->b1) >= FAMILY_COVER))
            continue;
        if (r->use_fam && ovl__families_cover(&r->fam, q->a, q->a0, q->a1) >= FAMILY_COVER &&
            ovl__families_cover(&r->fam, q->b, q->b0, q->b1) >= FAMILY_COVER)
            r->sum.family_pairs++;
        else
            pairs[kept++] = *q;
    }
    *npairs = kept;
}

/* The spool and the cache of loaded documents, made once. */
static int run_open(ovl__run *r)
{
    size_t n = ovl_corpus_count(r->c);
    if (!r->spool && !(r->spool = tmpfile()))
        return ovl__fail(r->ctx, OVL_ERR_IO, -1, "cannot create a temporary file for passages");
    if (r->cache)
        return OVL_OK;
    for (size_t i = 0; i < n; i++) {
        r->hashes[i][0] = r->docs[i].hash[0];
        r->hashes[i][1] = r->docs[i].hash[1];
    }
    if (!(r->cache = ovl__doccache_new(r->c, &r->o->doc, (const uint64_t(*)[2])r->hashes,
                                       OVL__SCAN_CACHE_BUDGET)))
        return ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
    ovl__doccache_parts(r->cache, ovl__scan_parts(r->o));
    return OVL_OK;
}

int ovl__run_align(ovl__run *r, const ovl_scan_pair *pairs, size_t npairs)
{
    int rc = run_open(r);
    if (rc != OVL_OK)
        return rc;
    r->pairs = pairs;
    size_t recurring = 0;
    rc = ovl__scan_align_rec(r->ctx, ovl_corpus_count(r->c), r->cache, r->o, pairs, npairs,
                             r->use_ign ? cut_ignored : NULL, r->cfp.recur.cnt ? &r->cfp.recur : NULL,
                             &recurring, on_result, r);
    r->sum.family_passages += recurring;
    if (r->rc != OVL_OK)
        rc = r->rc;
    r->pairs = NULL;
    r->sum.ignored_passages = atomic_load(&r->ignored_touched);
    return rc;
}

int ovl__run_finish(ovl__run *r)
{
    int rc = run_open(r);
    /* Files that failed during alignment, once each, in document order. */
    for (size_t i = 0; rc == OVL_OK && i < ovl_corpus_count(r->c); i++)
        if (r->ds[i].failure)
            rc = doc_problem(r, i, r->ds[i].failure_code, r->ds[i].failure);
    if (rc == OVL_OK && fflush(r->spool) != 0)
        rc = ovl__fail(r->ctx, OVL_ERR_IO, -1, "cannot write the temporary passage file");
    if (rc == OVL_OK) {
        ovl__doccache_parts(r->cache, OVL__SEG_ALL); /* reports count quotations, references */
        rc = emit(r, r->cache);
    }
    return rc;
}

void ovl__run_free(ovl__run *r)
{
    size_t n = r->c ? ovl_corpus_count(r->c) : 0;
    ovl__doccache_free(r->cache);
    if (r->spool)
        fclose(r->spool);
    for (size_t k = 0; k < r->nrecs; k++)
        free(r->recs[k].error);
    free(r->recs);
    for (size_t i = 0; r->ds && i < n; i++) {
        free(r->ds[i].v);
        free(r->ds[i].load_error);
        free(r->ds[i].failure);
    }
    free(r->ds);
    free(r->docs);
    free(r->keep);
    free(r->hashes);
    ovl__cfp_free(&r->cfp);
    ovl__families_free(&r->fam);
    ovl__families_free(&r->ign);
    memset(r, 0, sizeof *r);
}

int ovl_scan(ovl_ctx *ctx, const ovl_corpus *c, const ovl_scan_opts *opts,
             const ovl_scan_sink *sink, ovl_scan_summary *summary)
{
    if (summary)
        memset(summary, 0, sizeof *summary);
    if (!c)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "a corpus is required");
    ovl_scan_opts o;
    int rc = ovl_scan_opts_resolve(ctx, opts, &o);
    if (rc != OVL_OK)
        return rc;
    run r;
    size_t n = ovl_corpus_count(c);
    if ((rc = ovl__run_init(&r, ctx, c, &o, sink)) != OVL_OK || (rc = ovl__run_corpus_problems(&r)) != OVL_OK)
        goto done;
    double t0 = now();
    r.cfp.t_read = &r.sum.seconds[0];
    if ((rc = ovl__scan_cfp(ctx, c, &o, o.families && o.max_df, ovl__run_problem, &r, &r.cfp)) != OVL_OK)
        goto done;
    double t1 = now();
    r.sum.seconds[1] = t1 - t0 - r.sum.seconds[0];
    for (size_t i = 0; i < n; i++) {
        r.sum.documents_read += r.docs[i].status == OVL_OK;
        r.sum.replaced += r.docs[i].replaced;
        r.sum.replaced_docs += r.docs[i].replaced > 0;
    }
    r.sum.band_ranges = r.cfp.ranges;
    if ((rc = ovl__run_families(&r)) != OVL_OK)
        goto done;
    double t2 = now();
    r.sum.seconds[2] = t2 - t1;
    if (o.progress)
        o.progress(o.progress_data, "candidates", 1, 1);
    ovl_scan_pair *pairs = r.cfp.pairs;
    size_t npairs = r.cfp.npairs;
    r.cfp.pairs = NULL;
    ovl__run_filter(&r, pairs, &npairs);
    r.sum.candidates = npairs;
    rc = ovl__run_align(&r, pairs, npairs);
    double t3 = now();
    r.sum.seconds[3] = t3 - t2;
    free(pairs);
    if (rc == OVL_OK)
        rc = ovl__run_finish(&r);
    r.sum.seconds[4] = now() - t3;
done:
    if (summary)
        *summary = r.sum;
    ovl__run_free(&r);
    return rc;
}

/* ---- a run's results as bytes, for a scan spread over processes ------------------------------ */

void ovl__bput(ovl__bbuf *b, const void *x, size_t len)
{
    if (b->bad || ovl__grow(&b->p, &b->cap, b->n + len + 1, 1) != 0) {
        b->bad = 1;
        return;
    }
    if (len)
        memcpy(b->p + b->n, x, len);
    b->n += len;
}

static void bput_str(ovl__bbuf *b, const char *s)
{
    uint64_t len = s ? strlen(s) + 1 : 0; /* 0: none */
    ovl__bput(b, &len, sizeof len);
    ovl__bput(b, s, s ? len : 0);
}

typedef struct bget {
    const unsigned char *p;
    size_t n, at;
    int bad;
} bget;

static void gget(bget *g, void *x, size_t len)
{
    if (g->bad || g->n - g->at < len) {
        g->bad = 1;
        memset(x, 0, len);
        return;
    }
    memcpy(x, g->p + g->at, len);
    g->at += len;
}

/* A malloc'd copy of a string put by bput_str (NULL when none); *bad set when out of memory. */
static char *gget_str(bget *g)
{
    uint64_t len = 0;
    gget(g, &len, sizeof len);
    if (!len || g->bad)
        return NULL;
    if (g->n - g->at < len || g->p[g->at + len - 1] != '\0') {
        g->bad = 1;
        return NULL;
    }
    char *s = strdup((const char *)g->p + g->at);
    g->at += len;
    if (!s)
        g->bad = 1;
    return s;
}

int ovl__run_export(ovl__run *r, const unsigned char *want, void **buf, size_t *len)
{
    ovl__bbuf b = {0};
    size_t n = ovl_corpus_count(r->c);
    uint64_t head[6] = {want ? 0 : r->nrecs, 0, r->sum.family_passages, r->sum.failed_pairs,
                        atomic_load(&r->ignored_touched), r->sum.family_pairs};
    for (size_t i = 0; i < n; i++)
        head[1] += (r->ds[i].sources || r->ds[i].n || r->ds[i].failure) && (!want || want[i] || r->ds[i].failure);
    ovl__bput(&b, head, sizeof head);
    for (size_t k = 0; k < head[0]; k++) {
        const prec *q = &r->recs[k];
        uint32_t u[4] = {q->a, q->b, q->n, (uint32_t)q->status};
        uint64_t v[3] = {q->off, q->ra, q->rb};
        ovl__bput(&b, u, sizeof u);
        ovl__bput(&b, v, sizeof v);
        ovl__bput(&b, &q->top, sizeof q->top);
        bput_str(&b, q->error);
    }
    for (size_t i = 0; i < n; i++) {
        dstat *d = &r->ds[i];
        if ((!d->sources && !d->n && !d->failure) || (want && !want[i] && !d->failure))
            continue;
        dstat_merge(d);
        uint32_t u[3] = {(uint32_t)i, d->sources, (uint32_t)d->failure_code};
        uint64_t v[3] = {d->best, (uint64_t)d->best_src, d->n};
        ovl__bput(&b, u, sizeof u);
        ovl__bput(&b, v, sizeof v);
        ovl__bput(&b, d->v, d->n * sizeof *d->v);
        bput_str(&b, d->failure);
    }
    if (b.bad) {
        free(b.p);
        return ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
    }
    *buf = b.p;
    *len = b.n;
    return OVL_OK;
}

int ovl__run_import(ovl__run *r, const void *buf, size_t len, uint64_t spool_base)
{
    bget g = {buf, len, 0, 0};
    size_t n = ovl_corpus_count(r->c);
    uint64_t head[6];
    gget(&g, head, sizeof head);
    r->sum.family_passages += head[2];
    r->sum.failed_pairs += head[3];
    atomic_fetch_add(&r->ignored_touched, head[4]);
    r->sum.ignored_passages = atomic_load(&r->ignored_touched);
    r->sum.family_pairs += head[5];
    for (uint64_t k = 0; k < head[0] && !g.bad; k++) {
        if (ovl__grow(&r->recs, &r->caprecs, r->nrecs + 1, sizeof *r->recs) != 0)
            return ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
        prec *q = &r->recs[r->nrecs];
        uint32_t u[4];
        uint64_t v[3];
        gget(&g, u, sizeof u);
        gget(&g, v, sizeof v);
        gget(&g, &q->top, sizeof q->top);
        q->a = u[0], q->b = u[1], q->n = u[2], q->status = (int)u[3];
        q->off = v[0] + spool_base, q->ra = v[1], q->rb = v[2];
        q->error = gget_str(&g);
        if (!g.bad && (q->a >= n || q->b >= n))
            g.bad = 1;
        if (g.bad) {
            free(q->error);
            break;
        }
        r->nrecs++;
        if (q->status == OVL_OK)
            r->sum.pairs++;
    }
    for (uint64_t k = 0; k < head[1] && !g.bad; k++) {
        uint32_t u[3];
        uint64_t v[3];
        gget(&g, u, sizeof u);
        gget(&g, v, sizeof v);
        if (g.bad || u[0] >= n || v[2] > (g.n - g.at) / sizeof(iv)) {
            g.bad = 1;
            break;
        }
        dstat *d = &r->ds[u[0]];
        if (ovl__grow(&d->v, &d->cap, d->n + v[2] + 1, sizeof *d->v) != 0)
            return ovl__fail(r->ctx, OVL_ERR_NOMEM, -1, "out of memory");
        gget(&g, d->v + d->n, v[2] * sizeof *d->v);
        d->n += v[2];
        dstat_merge(d);
        d->sources += u[1];
        int64_t src = (int64_t)v[1];
        if (src >= 0 && (d->best_src < 0 || v[0] > d->best || (v[0] == d->best && src < d->best_src))) {
            d->best = v[0];
            d->best_src = src;
        }
        char *f = gget_str(&g);
        if (f && !d->failure) {
            d->failure = f;
            d->failure_code = (int)u[2];
        } else {
            free(f);
        }
    }
    if (g.bad || g.at != g.n)
        return ovl__fail(r->ctx, g.bad && g.at <= g.n ? OVL_ERR_NOMEM : OVL_ERR_INVALID, -1,
                         "results of another process could not be read back");
    return OVL_OK;
}

/* ---- a sink writing a report ---------------------------------------------------------------- */

/* What an HTML report holds until the end: the documents and every pair's passages. */
typedef struct html_hold {
    ovl_doc **docs;
    char **paths;
    size_t ndocs;
    struct hpair {
        int a, b;
        ovl_passage *ps;
        size_t n;
    } *pairs;
    size_t npairs, cap;
} html_hold;

static void html_free(html_hold *h)
{
    if (!h)
        return;
    for (size_t d = 0; d < h->ndocs; d++) {
        ovl_doc_free(h->docs[d]);
        free(h->paths[d]);
    }
    for (size_t k = 0; k < h->npairs; k++)
        free(h->pairs[k].ps);
    free(h->docs);
    free(h->paths);
    free(h->pairs);
    free(h);
}

/* Problems kept for the end of the report (they may come before it starts). */
typedef struct skiplist {
    char **path, **msg;
    int64_t *off;
    size_t n, cap, capm, capo;
} skiplist;

static void skiplist_free(skiplist *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->path[i]);
        free(l->msg[i]);
    }
    free(l->path);
    free(l->msg);
    free(l->off);
    free(l);
}

static int rs_problem(void *ud, const ovl_problem *p)
{
    ovl_scan_report_sink *rs = ud;
    skiplist *l = rs->skipped;
    if (!l && !(l = rs->skipped = calloc(1, sizeof *l)))
        return 1;
    size_t c1 = l->cap, c2 = l->capm, c3 = l->capo;
    if (ovl__grow(&l->path, &c1, l->n + 1, sizeof *l->path) || ovl__grow(&l->msg, &c2, l->n + 1, sizeof *l->msg) ||
        ovl__grow(&l->off, &c3, l->n + 1, sizeof *l->off))
        return 1;
    l->cap = c1, l->capm = c2, l->capo = c3;
    l->path[l->n] = strdup(p->path ? p->path : "");
    l->msg[l->n] = strdup(p->message ? p->message : "");
    l->off[l->n] = p->offset;
    if (!l->path[l->n] || !l->msg[l->n]) {
        free(l->path[l->n]);
        free(l->msg[l->n]);
        return 1;
    }
    l->n++;
    return rs->on_problem ? rs->on_problem(rs->problem_data, p) : 0;
}

static int rs_replaced(void *ud, size_t doc, const char *path, size_t n)
{
    ovl_scan_report_sink *rs = ud;
    return rs->on_replaced ? rs->on_replaced(rs->replaced_data, doc, path, n) : 0;
}

static int rs_begin(void *ud, const ovl_scan_summary *s, const ovl_report_docinfo *docs, size_t n)
{
    ovl_scan_report_sink *rs = ud;
    if (rs->opts.format != OVL_FORMAT_HTML)
        return ovl_report_stream_begin(rs->ctx, &rs->opts, docs, n, s->passages, rs->write_fn,
                                       rs->write_data, &rs->stream) != OVL_OK;
    html_hold *h = calloc(1, sizeof *h);
    if (!h || !(h->docs = calloc(n + 1, sizeof *h->docs)) ||
        !(h->paths = calloc(n + 1, sizeof *h->paths))) {
        html_free(h);
        return ovl__fail(rs->ctx, OVL_ERR_NOMEM, -1, "out of memory"), 1;
    }
    h->ndocs = n;
    rs->html = h;
    for (size_t d = 0; d < n; d++)
        if (!(h->paths[d] = strdup(docs[d].path)))
            return ovl__fail(rs->ctx, OVL_ERR_NOMEM, -1, "out of memory"), 1;
    return 0;
}

static int rs_doc(void *ud, int id, ovl_doc *doc)
{
    ovl_scan_report_sink *rs = ud;
    html_hold *h = rs->html;
    if (!h || id < 0 || (size_t)id >= h->ndocs) {
        ovl_doc_free(doc);
        return 1;
    }
    h->docs[id] = doc;
    return 0;
}

static int rs_pair(void *ud, const ovl_pair_stats *pair, const ovl_passage *ps, size_t n,
                   const ovl_doc *a, const ovl_doc *b)
{
    ovl_scan_report_sink *rs = ud;
    if (rs->opts.format != OVL_FORMAT_HTML)
        return ovl_report_stream_pair(rs->ctx, rs->stream, pair, ps, n, a, b) != OVL_OK;
    html_hold *h = rs->html;
    if (n == 0)
        return 0;
    if (ovl__grow(&h->pairs, &h->cap, h->npairs + 1, sizeof *h->pairs) != 0)
        return ovl__fail(rs->ctx, OVL_ERR_NOMEM, -1, "out of memory"), 1;
    struct hpair *p = &h->pairs[h->npairs];
    if (!(p->ps = malloc(n * sizeof *p->ps)))
        return ovl__fail(rs->ctx, OVL_ERR_NOMEM, -1, "out of memory"), 1;
    memcpy(p->ps, ps, n * sizeof *ps);
    p->n = n;
    p->a = pair->a;
    p->b = pair->b;
    h->npairs++;
    return 0;
}

/* HTML at the end: the documents that could be loaded, their pairs' passages. */
static int html_write(ovl_scan_report_sink *rs)
{
    html_hold *h = rs->html;
    ovl_report *rep = ovl_report_new();
    int *id = calloc(h->ndocs + 1, sizeof *id);
    int rc = rep && id ? OVL_OK : OVL_ERR_NOMEM;
    for (size_t d = 0; rc == OVL_OK && d < h->ndocs; d++) {
        id[d] = -1;
        if (h->docs[d] && (id[d] = ovl_report_add_doc(rep, h->docs[d], h->paths[d])) < 0)
            rc = id[d];
    }
    for (size_t k = 0; rc == OVL_OK && k < h->npairs; k++) {
        const struct hpair *p = &h->pairs[k];
        if (id[p->a] >= 0 && id[p->b] >= 0)
            rc = ovl_report_add_passages(rep, id[p->a], id[p->b], p->ps, p->n);
    }
    if (rc == OVL_OK)
        rc = ovl_report_write(rs->ctx, rep, &rs->opts, rs->write_fn, rs->write_data);
    else
        rc = ovl__fail(rs->ctx, rc, -1, "out of memory building the report");
    ovl_report_free(rep);
    free(id);
    return rc;
}

static int rs_copies(void *ud, const ovl_copies *g)
{
    ovl_scan_report_sink *rs = ud;
    if (rs->opts.format == OVL_FORMAT_HTML)
        return 0; /* the HTML report shows the pairs' documents only */
    return ovl_report_stream_copies(rs->ctx, rs->stream, g) != OVL_OK;
}

static int rs_family(void *ud, const ovl_family *f)
{
    ovl_scan_report_sink *rs = ud;
    if (rs->opts.format == OVL_FORMAT_HTML)
        return 0;
    return ovl_report_stream_family(rs->ctx, rs->stream, f) != OVL_OK;
}

static int rs_end(void *ud, const ovl_scan_summary *s)
{
    (void)s;
    ovl_scan_report_sink *rs = ud;
    int rc;
    if (rs->opts.format == OVL_FORMAT_HTML) {
        rc = html_write(rs);
        html_free(rs->html);
        rs->html = NULL;
    } else {
        skiplist *l = rs->skipped;
        rc = OVL_OK;
        for (size_t i = 0; l && rc == OVL_OK && i < l->n; i++)
            rc = ovl_report_stream_skipped(rs->ctx, rs->stream, l->path[i], l->msg[i], l->off[i]);
        if (rc == OVL_OK) {
            rc = ovl_report_stream_end(rs->ctx, rs->stream);
            rs->stream = NULL;
        }
    }
    skiplist_free(rs->skipped);
    rs->skipped = NULL;
    return rc != OVL_OK;
}

void ovl_scan_report_sink_init(ovl_scan_report_sink *rs, ovl_ctx *ctx, const ovl_report_opts *opts,
                               ovl_write_fn write_fn, void *write_data)
{
    static const ovl_report_opts def = OVL_REPORT_OPTS_INIT;
    memset(rs, 0, sizeof *rs);
    rs->ctx = ctx;
    rs->opts = opts ? *opts : def;
    rs->write_fn = write_fn;
    rs->write_data = write_data;
    rs->sink.userdata = rs;
    rs->sink.need_docs = rs->opts.format == OVL_FORMAT_TEXT   ? 1
                         : rs->opts.format == OVL_FORMAT_HTML ? 2
                                                              : 0;
    /* Only the text and JSON reports show a document's details; JSON lines and CSV have no
     * document records, and HTML computes them from the documents it keeps. */
    rs->sink.doc_details = rs->opts.format == OVL_FORMAT_TEXT || rs->opts.format == OVL_FORMAT_JSON;
    rs->sink.problem = rs_problem;
    rs->sink.doc = rs_doc;
    rs->sink.begin = rs_begin;
    rs->sink.pair = rs_pair;
    rs->sink.end = rs_end;
    rs->sink.copies = rs_copies;
    rs->sink.family = rs_family;
    rs->sink.replaced = rs_replaced;
}

void ovl_scan_report_sink_cleanup(ovl_scan_report_sink *rs)
{
    if (!rs)
        return;
    ovl_report_stream_free(rs->stream);
    rs->stream = NULL;
    html_free(rs->html);
    rs->html = NULL;
    skiplist_free(rs->skipped);
    rs->skipped = NULL;
}
