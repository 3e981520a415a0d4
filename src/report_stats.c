/* report_stats.c - figures of a report: per-document union of reused characters, ratios, sources, sections and pair records. */
#include "report_int.h"

/* ---- statistics ------------------------------------------------------------------------ */

/* One side of a passage seen from the document it lies in. */
typedef struct ival {
    int doc, src;
    uint64_t start, end;
} ival;

static int ival_cmp_doc(const void *x, const void *y)
{
    const ival *a = x, *b = y;
    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return (a->src > b->src) - (a->src < b->src);
}

static int ival_cmp_src(const void *x, const void *y)
{
    const ival *a = x, *b = y;
    if (a->src != b->src)
        return a->src < b->src ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return (a->end > b->end) - (a->end < b->end);
}

typedef ovl__crange cspan;

/* Characters in both of two sorted lists of disjoint ranges. */
static uint64_t overlap_len(const cspan *a, size_t na, const cspan *b, size_t nb)
{
    uint64_t tot = 0;
    size_t i = 0, j = 0;
    while (i < na && j < nb) {
        uint64_t s = a[i].s > b[j].s ? a[i].s : b[j].s;
        uint64_t e = a[i].e < b[j].e ? a[i].e : b[j].e;
        if (e > s)
            tot += e - s;
        if (a[i].e < b[j].e)
            i++;
        else
            j++;
    }
    return tot;
}

static double ratio(uint64_t part, uint64_t whole) { return whole ? (double)part / (double)whole : 0.0; }

/* The union of v[0..m) (sorted by start) as disjoint ranges; *nu its length. */
static cspan *union_of(const ival *v, size_t m, size_t *nu)
{
    cspan *u = malloc((m + 1) * sizeof *u);
    size_t k = 0;
    if (!u)
        return NULL;
    for (size_t i = 0; i < m; i++) {
        if (k && v[i].start <= u[k - 1].e) {
            if (v[i].end > u[k - 1].e)
                u[k - 1].e = v[i].end;
        } else {
            u[k++] = (cspan){v[i].start, v[i].end};
        }
    }
    *nu = k;
    return u;
}

/* The document's quotations (those before the reference list when refs_from < n) and, with
 * refs, its reference list, as sorted disjoint ranges. */
static cspan *excluded_ranges(const ovl_segments *sg, uint64_t n, int quotes, int refs, size_t *count)
{
    size_t nq = quotes ? ovl_segments_quote_count(sg) : 0;
    const ovl_range *q = ovl_segments_quotes(sg);
    uint64_t r = refs ? ovl_segments_references(sg) : n;
    cspan *v = malloc((nq + 2) * sizeof *v);
    size_t k = 0;
    if (!v)
        return NULL;
    for (size_t i = 0; i < nq && q[i].start < r; i++)
        v[k++] = (cspan){q[i].start, q[i].end < r ? q[i].end : r};
    if (r < n)
        v[k++] = (cspan){r, n};
    *count = k;
    return v;
}

static uint64_t span_total(const cspan *v, size_t n)
{
    uint64_t t = 0;
    for (size_t i = 0; i < n; i++)
        t += v[i].e - v[i].s;
    return t;
}

/* Stats of one document from its intervals v[0..m) (sorted by ival_cmp_doc; reordered).
 * shares (room for m entries, may be NULL) receives the sources unsorted. */
static int doc_stats_from(const ovl_doc *doc, ival *v, size_t m, const ovl_report_opts *opts,
                          ovl_doc_stats *st, int *nsources, ovl_source_share *shares)
{
    uint64_t n = ovl_text_length(ovl_doc_text(doc));
    const ovl_segments *sg = ovl_doc_segments(doc);
    size_t nu = 0, nq = 0, nr = 0, nx = 0;
    cspan *u = union_of(v, m, &nu);
    cspan *q = excluded_ranges(sg, n, 1, 0, &nq);
    cspan *rf = excluded_ranges(sg, n, 0, 1, &nr);
    cspan *x = excluded_ranges(sg, n, opts && opts->exclude_quotes, opts && opts->exclude_refs, &nx);
    if (!u || !q || !rf || !x) {
        free(u);
        free(q);
        free(rf);
        free(x);
        return OVL_ERR_NOMEM;
    }
    memset(st, 0, sizeof *st);
    st->chars = n;
    st->top_source = -1;
    st->reused_chars = span_total(u, nu);
    st->reuse_ratio = ratio(st->reused_chars, n);
    uint64_t xc = span_total(x, nx);
    st->counted_chars = n - xc;
    st->counted_reused = st->reused_chars - overlap_len(u, nu, x, nx);
    st->counted_ratio = ratio(st->counted_reused, st->counted_chars);
    st->quoted_chars = span_total(q, nq);
    st->quoted_reused = overlap_len(u, nu, q, nq);
    st->ratio_without_quotes = ratio(st->reused_chars - st->quoted_reused, n - st->quoted_chars);
    st->reference_chars = span_total(rf, nr);
    st->reference_reused = overlap_len(u, nu, rf, nr);
    st->ratio_without_references =
        ratio(st->reused_chars - st->reference_reused, n - st->reference_chars);
    free(u);
    free(q);
    free(rf);
    free(x);

    /* Sources: union per partner document; the largest, ties to the lower id. */
    qsort(v, m, sizeof *v, ival_cmp_src);
    uint64_t best = 0;
    int sources = 0;
    for (size_t i = 0; i < m;) {
        int src = v[i].src;
        uint64_t tot = 0, s = v[i].start, e = v[i].end;
        size_t j = i + 1;
        for (; j < m && v[j].src == src; j++) {
            if (v[j].start <= e) {
                if (v[j].end > e)
                    e = v[j].end;
            } else {
                tot += e - s;
                s = v[j].start;
                e = v[j].end;
            }
        }
        tot += e - s;
        if (shares)
            shares[sources] = (ovl_source_share){src, tot, ratio(tot, n)};
        sources++;
        if (st->top_source < 0 || tot > best) {
            best = tot;
            st->top_source = src;
        }
        i = j;
    }
    st->top_source_ratio = st->top_source >= 0 ? ratio(best, n) : 0.0;
    if (nsources)
        *nsources = sources;
    return OVL_OK;
}

/* Both sides of every passage as intervals, sorted by document; with only >= 0, just that
 * document's (so one document's stats do not sort the whole report). */
static ival *collect(const ovl_report *r, int only, size_t *count)
{
    size_t m = 0;
    ival *v = malloc((r->nitems * 2 + 1) * sizeof *v);
    *count = 0; /* callers size other arrays by it even when this one failed */
    if (!v)
        return NULL;
    for (size_t i = 0; i < r->nitems; i++) {
        const struct ovl_report_item *it = &r->items[i];
        if (it->p.a.char_end > it->p.a.char_start && (only < 0 || it->a == only))
            v[m++] = (ival){it->a, it->b, it->p.a.char_start, it->p.a.char_end};
        if (it->p.b.char_end > it->p.b.char_start && (only < 0 || it->b == only))
            v[m++] = (ival){it->b, it->a, it->p.b.char_start, it->p.b.char_end};
    }
    qsort(v, m, sizeof *v, ival_cmp_doc);
    *count = m;
    return v;
}

int ovl__report_all_stats(const ovl_report *r, const ovl_report_opts *opts, ovl_doc_stats *out,
                          int *sources)
{
    size_t m;
    ival *v = collect(r, -1, &m);
    if (!v)
        return OVL_ERR_NOMEM;
    size_t i = 0;
    for (size_t d = 0; d < r->ndocs; d++) {
        size_t j = i;
        while (j < m && v[j].doc == (int)d)
            j++;
        int rc = doc_stats_from(r->docs[d].doc, v + i, j - i, opts, &out[d],
                                sources ? &sources[d] : NULL, NULL);
        if (rc) {
            free(v);
            return rc;
        }
        i = j;
    }
    free(v);
    return OVL_OK;
}

int ovl_report_doc_stats(const ovl_report *r, int id, const ovl_report_opts *opts,
                         ovl_doc_stats *out)
{
    if (!r || !out || id < 0 || (size_t)id >= r->ndocs ||
        (opts && opts->version != 1 && opts->version != OVL_REPORT_OPTS_VERSION))
        return OVL_ERR_INVALID;
    size_t m;
    ival *v = collect(r, id, &m);
    if (!v)
        return OVL_ERR_NOMEM;
    int rc = doc_stats_from(r->docs[id].doc, v, m, opts, out, NULL, NULL);
    free(v);
    return rc;
}

/* ---- pair records ---------------------------------------------------------------------- */

/* Union length of the intervals [s, e) in v[0..n) (sorted here). */
static int cspan_cmp(const void *x, const void *y)
{
    const cspan *a = x, *b = y;
    if (a->s != b->s)
        return a->s < b->s ? -1 : 1;
    return (a->e > b->e) - (a->e < b->e);
}

static uint64_t union_len(cspan *v, size_t n)
{
    qsort(v, n, sizeof *v, cspan_cmp);
    uint64_t tot = 0, s = 0, e = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || v[i].s > e) {
            tot += e - s;
            s = v[i].s;
            e = v[i].e;
        } else if (v[i].e > e) {
            e = v[i].e;
        }
    }
    return n ? tot + (e - s) : 0;
}

int ovl_pair_stats_compute(int id_a, int id_b, const ovl_passage *ps, size_t n, uint64_t a_chars,
                           uint64_t b_chars, ovl_pair_stats *out)
{
    if (!out || (n && !ps))
        return OVL_ERR_INVALID;
    memset(out, 0, sizeof *out);
    out->a = id_a;
    out->b = id_b;
    out->passages = n;
    if (n == 0)
        return OVL_OK;
    cspan *v = malloc(n * sizeof *v);
    if (!v)
        return OVL_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        v[i] = (cspan){ps[i].a.char_start, ps[i].a.char_end};
        if (ps[i].similarity > out->top_similarity)
            out->top_similarity = ps[i].similarity;
    }
    out->a_reused_chars = union_len(v, n);
    for (size_t i = 0; i < n; i++)
        v[i] = (cspan){ps[i].b.char_start, ps[i].b.char_end};
    out->b_reused_chars = union_len(v, n);
    free(v);
    out->a_ratio = a_chars ? (double)out->a_reused_chars / (double)a_chars : 0.0;
    out->b_ratio = b_chars ? (double)out->b_reused_chars / (double)b_chars : 0.0;
    return OVL_OK;
}


/* ---- sources and sections ------------------------------------------------------------ */

static int share_cmp(const void *x, const void *y)
{
    const ovl_source_share *a = x, *b = y;
    if (a->chars != b->chars)
        return a->chars > b->chars ? -1 : 1;
    return (a->doc > b->doc) - (a->doc < b->doc);
}

void ovl_report_sections_free(ovl_section_stats *sections, size_t n)
{
    for (size_t i = 0; sections && i < n; i++)
        free((char *)sections[i].title);
    free(sections);
}

/* The heading line [s, e) as a title: whitespace runs as one space, at most 80 characters
 * (then " …"), controls made visible. */
static char *make_title(const ovl_text *c, uint64_t s, uint64_t e)
{
    char *t = malloc(80 * 4 + 8), *p = t;
    if (!t)
        return NULL;
    unsigned shown = 0;
    int space = 0;
    for (uint64_t i = s; i < e; i++) {
        if (ovl__report_space(ovl_text_char(c, i))) {
            space = shown > 0;
            continue;
        }
        if (shown == 80) {
            memcpy(p, " \xE2\x80\xA6", 4);
            p += 4;
            break;
        }
        if (space)
            *p++ = ' ';
        space = 0;
        uint32_t cp = ovl__report_visible(ovl_text_char(c, i));
        p += ovl__utf8_put(cp == 0x09 || cp == 0x0A ? 0x20 : cp, p);
        shown++;
    }
    *p = '\0';
    return t;
}

/* Sections of doc with reused characters from the union u[0..nu). */
static int sections_of(const ovl_doc *doc, const cspan *u, size_t nu, ovl_section_stats **out,
                       size_t *count)
{
    const ovl_text *t = ovl_doc_text(doc), *c = t;
    uint64_t n = ovl_text_length(t);
    const ovl_segments *sg = ovl_doc_segments(doc);
    size_t nh = ovl_segments_heading_count(sg);
    const ovl_range *h = ovl_segments_headings(sg);
    *out = NULL;
    *count = 0;
    if (nh == 0)
        return OVL_OK;
    int lead = 0;
    for (uint64_t i = 0; i < h[0].start && !lead; i++)
        lead = !ovl__report_space(ovl_text_char(c, i));
    ovl_section_stats *v = calloc(nh + 1, sizeof *v);
    if (!v)
        return OVL_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i <= nh; i++) {
        if (i == 0 && !lead)
            continue;
        uint64_t s = i == 0 ? 0 : h[i - 1].start;
        uint64_t e = i == 0 ? h[0].start : i < nh ? h[i].start : n;
        v[k].title = i == 0 ? make_title(c, 0, 0) : make_title(c, h[i - 1].start, h[i - 1].end);
        if (!v[k].title) {
            ovl_report_sections_free(v, k);
            return OVL_ERR_NOMEM;
        }
        cspan sec = {s, e};
        v[k].char_start = s;
        v[k].char_end = e;
        v[k].reused_chars = overlap_len(u, nu, &sec, 1);
        v[k].ratio = ratio(v[k].reused_chars, e - s);
        k++;
    }
    *out = v;
    *count = k;
    return OVL_OK;
}

int ovl_report_doc_sources(const ovl_report *r, int id, ovl_source_share **shares, size_t *nshares,
                           ovl_section_stats **sections, size_t *nsections)
{
    if (!r || id < 0 || (size_t)id >= r->ndocs || (shares && !nshares) || (sections && !nsections))
        return OVL_ERR_INVALID;
    if (shares)
        *shares = NULL, *nshares = 0;
    if (sections)
        *sections = NULL, *nsections = 0;
    size_t m, nu = 0;
    ival *v = collect(r, id, &m);
    cspan *u = v ? union_of(v, m, &nu) : NULL;
    ovl_source_share *sh = malloc((m + 1) * sizeof *sh);
    ovl_doc_stats st;
    int ns = 0, rc = OVL_ERR_NOMEM;
    if (v && u && sh)
        rc = doc_stats_from(r->docs[id].doc, v, m, NULL, &st, &ns, sh);
    if (rc == OVL_OK && sections)
        rc = sections_of(r->docs[id].doc, u, nu, sections, nsections);
    free(v);
    free(u);
    if (rc != OVL_OK || !shares) {
        free(sh);
        return rc;
    }
    qsort(sh, (size_t)ns, sizeof *sh, share_cmp);
    *shares = sh;
    *nshares = (size_t)ns;
    return OVL_OK;
}

int ovl__report_doc_detail(const ovl_doc *doc, const ovl__crange *reused, size_t n,
                           ovl_doc_stats *st, ovl_section_stats **sections, size_t *nsections)
{
    uint64_t len = ovl_text_length(ovl_doc_text(doc));
    const ovl_segments *sg = ovl_doc_segments(doc);
    size_t nq = 0, nr = 0;
    cspan *q = excluded_ranges(sg, len, 1, 0, &nq);
    cspan *rf = excluded_ranges(sg, len, 0, 1, &nr);
    *sections = NULL;
    *nsections = 0;
    if (!q || !rf) {
        free(q);
        free(rf);
        return OVL_ERR_NOMEM;
    }
    uint64_t reused_chars = span_total(reused, n);
    st->quoted_chars = span_total(q, nq);
    st->quoted_reused = overlap_len(reused, n, q, nq);
    st->ratio_without_quotes = ratio(reused_chars - st->quoted_reused, len - st->quoted_chars);
    st->reference_chars = span_total(rf, nr);
    st->reference_reused = overlap_len(reused, n, rf, nr);
    st->ratio_without_references = ratio(reused_chars - st->reference_reused, len - st->reference_chars);
    free(q);
    free(rf);
    return sections_of(doc, reused, n, sections, nsections);
}

/* ---- edits as character ranges ------------------------------------------------------- */

int ovl__passage_edits(ovl_ctx *ctx, const ovl_doc *da, const ovl_doc *db, const ovl_passage *p,
                       ovl__cedit **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    const ovl_span *a = &p->a, *b = &p->b;
    if (a->tok_end <= a->tok_start || b->tok_end <= b->tok_start) {
        /* No tokens on a side: no edit script, one run holding both sides. */
        ovl__cedit *v = malloc(sizeof *v);
        if (!v)
            return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        *v = (ovl__cedit){OVL_EDIT_EQUAL, a->char_start, a->char_end, b->char_start, b->char_end};
        *out = v;
        *count = 1;
        return OVL_OK;
    }
    ovl_edit *ed = NULL;
    size_t ne = 0;
    int rc = ovl_diff(ctx, da, a->tok_start, a->tok_end, db, b->tok_start, b->tok_end, &ed, &ne);
    if (rc)
        return rc;
    ovl__cedit *v = malloc((ne + 1) * sizeof *v);
    if (!v) {
        free(ed);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    }
    const ovl_norm *na = ovl_doc_norm(da), *nb = ovl_doc_norm(db);
    /* A run reaches to the next token of its side (the spaces and punctuation between), the
     * last one to its own end, so a side's runs put together are the passage's side. */
#define RUN_END(nm, e, t1)                                                                         \
    ((e) < (t1) ? (nm)->tokens[e].char_start : ovl__tok_char_end(nm, (e) - 1))
    for (size_t k = 0; k < ne; k++) {
        const ovl_edit *e = &ed[k];
        ovl__cedit c = {e->op, 0, 0, 0, 0};
        if (e->op != OVL_EDIT_INSERT) {
            c.a_start = na->tokens[e->a_start].char_start;
            c.a_end = RUN_END(na, e->a_end, a->tok_end);
        }
        if (e->op != OVL_EDIT_DELETE) {
            c.b_start = nb->tokens[e->b_start].char_start;
            c.b_end = RUN_END(nb, e->b_end, b->tok_end);
        }
        v[k] = c;
    }
#undef RUN_END
    free(ed);
    *out = v;
    *count = ne;
    return OVL_OK;
}
