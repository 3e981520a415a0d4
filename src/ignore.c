/* ignore.c - template text: spans of a document found in the templates, and passages in them removed. */
#include "internal.h"

/* A passage in template text by this share of its tokens or more is not reuse. */
#define IGNORE_COVER 0.8

static int span_cmp(const void *x, const void *y)
{
    const ovl_span *a = x, *b = y;
    if (a->tok_start != b->tok_start)
        return a->tok_start < b->tok_start ? -1 : 1;
    return (a->tok_end > b->tok_end) - (a->tok_end < b->tok_end);
}

int ovl_ignore_spans(ovl_ctx *ctx, const ovl_doc *doc, const ovl_doc *const *templates,
                     size_t ntemplates, const ovl_align_opts *opts, ovl_span **spans,
                     size_t *nspans, uint64_t *chars)
{
    if (!doc || !spans || !nspans || (ntemplates && !templates))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_ignore_spans: NULL argument");
    *spans = NULL;
    *nspans = 0;
    if (chars)
        *chars = 0;
    ovl_span *v = NULL;
    size_t n = 0, cap = 0;
    for (size_t t = 0; t < ntemplates; t++) {
        ovl_passage *ps = NULL;
        size_t np = 0;
        int rc = ovl_align(ctx, doc, templates[t], opts, &ps, &np);
        if (rc != OVL_OK) {
            free(v);
            return rc;
        }
        if (np && ovl__grow(&v, &cap, n + np, sizeof *v) != 0) {
            free(ps);
            free(v);
            return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        }
        for (size_t i = 0; i < np; i++)
            v[n++] = ps[i].a;
        free(ps);
    }
    if (n > 1)
        qsort(v, n, sizeof *v, span_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k && v[i].tok_start <= v[k - 1].tok_end) {
            if (v[i].tok_end > v[k - 1].tok_end)
                ovl_span_from_tokens(doc, v[k - 1].tok_start, v[i].tok_end, &v[k - 1]);
        } else {
            v[k++] = v[i];
        }
    }
    for (size_t i = 0; chars && i < k; i++)
        *chars += v[i].char_end - v[i].char_start;
    *spans = v;
    *nspans = k;
    return OVL_OK;
}

static double cover(const ovl_span *v, size_t n, uint32_t t0, uint32_t t1)
{
    if (t1 <= t0)
        return 0.0;
    uint64_t in = 0;
    for (size_t i = 0; i < n && v[i].tok_start < t1; i++) {
        uint32_t a = v[i].tok_start > t0 ? v[i].tok_start : t0, b = v[i].tok_end < t1 ? v[i].tok_end : t1;
        if (b > a)
            in += b - a;
    }
    return (double)in / (double)(t1 - t0);
}

size_t ovl_ignore_filter(ovl_passage *ps, size_t *n, const ovl_span *ia, size_t na,
                         const ovl_span *ib, size_t nb)
{
    if (!ps || !n)
        return 0;
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        if (cover(ia, na, ps[i].a.tok_start, ps[i].a.tok_end) >= IGNORE_COVER ||
            cover(ib, nb, ps[i].b.tok_start, ps[i].b.tok_end) >= IGNORE_COVER)
            continue;
        ps[k++] = ps[i];
    }
    size_t removed = *n - k;
    *n = k;
    return removed;
}

/* 1 when token t lies in one of the sorted spans v[0..n) (*at: a cursor that only moves on). */
static int inside(const ovl_span *v, size_t n, size_t *at, uint32_t t)
{
    while (*at < n && v[*at].tok_end <= t)
        (*at)++;
    return *at < n && v[*at].tok_start <= t;
}

static int touches(const ovl_span *v, size_t n, uint32_t t0, uint32_t t1)
{
    for (size_t i = 0; i < n && v[i].tok_start < t1; i++)
        if (v[i].tok_end > t0)
            return 1;
    return 0;
}

/* A stretch of one passage's edit script: a [a0,a1), b [b0,b1), with its figures. */
typedef struct stretch {
    uint32_t a0, a1, b0, b1;
    size_t dist, cjk, words;
    uint64_t mchars;
} stretch;

/* Appends the stretch as a passage when it is long enough; -1 when out of memory. */
static int close_stretch(const stretch *st, const ovl_passage *from, const ovl_doc *a,
                         const ovl_doc *b, double min_cjk, double min_words, ovl_passage **v,
                         size_t *nv, size_t *cap)
{
    if ((double)st->cjk / min_cjk + (double)st->words / min_words < 1.0)
        return 0;
    if (ovl__grow(v, cap, *nv + 1, sizeof **v) != 0)
        return -1;
    size_t la = st->a1 - st->a0, lb = st->b1 - st->b0;
    ovl_passage *q = &(*v)[(*nv)++];
    memset(q, 0, sizeof *q);
    ovl_span_from_tokens(a, st->a0, st->a1, &q->a);
    ovl_span_from_tokens(b, st->b0, st->b1, &q->b);
    q->similarity = 1.0 - (double)st->dist / (double)(la > lb ? la : lb);
    q->matched_chars = st->mchars;
    q->moved = from->moved;
    return 0;
}

int ovl_ignore_cut(ovl_ctx *ctx, const ovl_doc *a, const ovl_doc *b, const ovl_passage *ps,
                   size_t n, const ovl_span *ia, size_t na, const ovl_span *ib, size_t nb,
                   const ovl_align_opts *opts, ovl_passage **out, size_t *nout, size_t *removed)
{
    static const ovl_align_opts def = OVL_ALIGN_OPTS_INIT;
    if (!opts)
        opts = &def;
    if (!a || !b || !out || !nout || (n && !ps))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_ignore_cut: NULL argument");
    *out = NULL;
    *nout = 0;
    if (removed)
        *removed = 0;
    ovl_align_opts d = *opts;
    ovl__align_defaults(&d);
    double min_cjk = d.min_cjk, min_words = d.min_words;
    const ovl__tok *ta = ovl_doc_norm(a)->tokens;
    ovl_passage *v = NULL;
    size_t nv = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        const ovl_passage *p = &ps[i];
        if (!touches(ia, na, p->a.tok_start, p->a.tok_end) && !touches(ib, nb, p->b.tok_start, p->b.tok_end)) {
            if (ovl__grow(&v, &cap, nv + 1, sizeof *v) != 0)
                goto nomem;
            v[nv++] = *p;
            continue;
        }
        if (removed)
            (*removed)++;
        ovl_edit *ed = NULL;
        size_t ne = 0;
        int rc = ovl_diff(ctx, a, p->a.tok_start, p->a.tok_end, b, p->b.tok_start, p->b.tok_end, &ed, &ne);
        if (rc != OVL_OK) {
            free(v);
            return rc;
        }
        /* Token by token along the script; a token in template text on either side of an
         * equal run ends the current stretch, edits inside a stretch count once. */
        size_t ca = 0, cb = 0;
        stretch st;
        memset(&st, 0, sizeof st);
        int open = 0, bad = 0;
        for (size_t k = 0; k < ne && !bad; k++) {
            const ovl_edit *e = &ed[k];
            if (e->op != OVL_EDIT_EQUAL) {
                if (!open)
                    continue;
                size_t la = e->a_end - e->a_start, lb = e->b_end - e->b_start;
                if (e->op == OVL_EDIT_DELETE && k + 1 < ne && ed[k + 1].op == OVL_EDIT_INSERT) {
                    size_t lb2 = ed[k + 1].b_end - ed[k + 1].b_start;
                    st.dist += la > lb2 ? la : lb2;
                } else if (!(e->op == OVL_EDIT_INSERT && k > 0 && ed[k - 1].op == OVL_EDIT_DELETE)) {
                    st.dist += la > lb ? la : lb;
                }
                continue;
            }
            for (uint32_t x = 0; x < e->a_end - e->a_start && !bad; x++) {
                uint32_t t = e->a_start + x, u = e->b_start + x;
                if (inside(ia, na, &ca, t) || inside(ib, nb, &cb, u)) {
                    if (open && close_stretch(&st, p, a, b, min_cjk, min_words, &v, &nv, &cap) != 0)
                        bad = 1;
                    open = 0;
                    continue;
                }
                if (!open) {
                    memset(&st, 0, sizeof st);
                    st.a0 = t;
                    st.b0 = u;
                    open = 1;
                }
                st.a1 = t + 1;
                st.b1 = u + 1;
                st.mchars += ta[t].norm_len;
                st.cjk += ovl__tok_kind(&ta[t]) == OVL_TOK_CJK;
                st.words += ovl__tok_kind(&ta[t]) == OVL_TOK_WORD;
            }
        }
        if (!bad && open && close_stretch(&st, p, a, b, min_cjk, min_words, &v, &nv, &cap) != 0)
            bad = 1;
        free(ed);
        if (bad)
            goto nomem;
    }
    *out = v;
    *nout = nv;
    return OVL_OK;
nomem:
    free(v);
    return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
}
