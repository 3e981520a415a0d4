/* families.c - the families over MPI ranks: built, widened and joined by the ranks owning their texts (from src/mpi/famunits.c's input) and listed on rank 0, the spans of a rank's documents sent by it to the ranks that ask for them, and the pairs they leave. */
#include "families.h"

#include "famread.h"
#include "famsame.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first of the spans (in document order) of document id or a later one. */
static size_t span_lower(const ovl__famspan *s, size_t n, size_t id)
{
    return ovl__first_at_rec(s, n, sizeof *s, offsetof(ovl__famspan, doc), id);
}

int ovl__mpi_restrict_families(const ovl__families *g, const uint32_t *ids, size_t nids, ovl__families *out)
{
    memset(out, 0, sizeof *out);
    size_t total = 0;
    for (size_t k = 0; k < nids; k++)
        total += span_lower(g->spans, g->nspans, ids[k] + 1) - span_lower(g->spans, g->nspans, ids[k]);
    out->doc_first = malloc((nids + 1) * sizeof *out->doc_first);
    out->spans = malloc((total ? total : 1) * sizeof *out->spans);
    if (!out->doc_first || !out->spans) {
        ovl__families_free(out);
        return -1;
    }
    size_t at = 0;
    for (size_t k = 0; k < nids; k++) {
        out->doc_first[k] = at;
        for (size_t x = span_lower(g->spans, g->nspans, ids[k]); x < g->nspans && g->spans[x].doc == ids[k]; x++) {
            out->spans[at] = g->spans[x];
            out->spans[at++].doc = (uint32_t)k;
        }
    }
    out->doc_first[nids] = at;
    out->nspans = at;
    return 0;
}

int ovl__mpi_pair_docs(const ovl_scan_pair *pairs, size_t npairs, uint32_t **ids, size_t *nids)
{
    uint32_t *v = malloc((2 * npairs + 1) * sizeof *v);
    if (!v)
        return -1;
    for (size_t k = 0; k < npairs; k++)
        v[2 * k] = pairs[k].a, v[2 * k + 1] = pairs[k].b;
    *nids = ovl__mpi_sort_uniq_u32(v, 2 * npairs);
    *ids = v;
    return 0;
}

void ovl__mpi_renumber(ovl_scan_pair *pairs, size_t npairs, const uint32_t *ids, size_t nids, int to)
{
    for (size_t k = 0; k < npairs; k++) {
        ovl_scan_pair *q = &pairs[k];
        q->a = to ? (uint32_t)ovl__mpi_pos_of(ids, nids, q->a) : ids[q->a];
        q->b = to ? (uint32_t)ovl__mpi_pos_of(ids, nids, q->b) : ids[q->b];
    }
}

/* A reply to a rank asking for the spans of documents ids (those of the replying rank's
 * share): a byte saying whether it could, then per kind in use (families, templates) the
 * count and the spans, numbered by position in ids. */
static void put_spans_for(ovl__bbuf *w, const ovl__families *g, int use, const uint32_t *ids, size_t nids)
{
    ovl__families r;
    uint64_t n;
    if (!use)
        return;
    if (ovl__mpi_restrict_families(g, ids, nids, &r) != 0) {
        w->bad = 1;
        return;
    }
    n = r.nspans;
    ovl__bput(w, &n, sizeof n);
    ovl__bput(w, r.spans, r.nspans * sizeof *r.spans);
    ovl__families_free(&r);
}

/* One kind's spans from a reply onto out (spans only), their documents moved by base (the
 * position in the asker's ids of the first document asked of that rank); -1 when the bytes
 * are short or out of memory. */
static int get_spans_for(rbuf *b, uint32_t base, ovl__families *out, size_t *cap)
{
    uint64_t n;
    if (ovl__mpi_get(b, &n, sizeof n) != 0 || n > (b->n - b->at) / sizeof(ovl__famspan))
        return -1;
    if (ovl__grow(&out->spans, cap, out->nspans + n + 1, sizeof *out->spans) != 0 ||
        ovl__mpi_get(b, out->spans + out->nspans, n * sizeof *out->spans) != 0)
        return -1;
    for (size_t x = out->nspans; x < out->nspans + n; x++)
        out->spans[x].doc += base;
    out->nspans += n;
    return 0;
}

static void reverse_spans(ovl__famspan *s, size_t a, size_t b)
{
    for (; a + 1 < b; a++, b--) {
        ovl__famspan t = s[a];
        s[a] = s[b - 1];
        s[b - 1] = t;
    }
}

/* s[0, n) with the run [k, n) put before [0, k), each run's order kept. */
static void rotate_spans(ovl__famspan *s, size_t k, size_t n)
{
    if (k == 0 || k == n)
        return;
    reverse_spans(s, 0, k);
    reverse_spans(s, k, n);
    reverse_spans(s, 0, n);
}

/* The per-document index of out's spans over nids documents; -1 when out of memory or a span
 * is of no document asked for. */
static int index_spans(ovl__families *out, size_t nids)
{
    if (!(out->doc_first = malloc((nids + 1) * sizeof *out->doc_first)))
        return -1;
    size_t x = 0;
    for (size_t k = 0; k <= nids; k++) {
        out->doc_first[k] = x;
        while (x < out->nspans && out->spans[x].doc == k)
            x++;
    }
    return x == out->nspans ? 0 : -1;
}

int ovl__mpi_families_for(mpi_run *m, const size_t *first, const ovl__families *own_fam, int use_fam,
                          const ovl__families *own_ign, int use_ign, const uint32_t *ids, size_t nids,
                          ovl__families *fam, ovl__families *ign)
{
    int P = m->size, me = m->rank, rc = OVL_OK;
    memset(fam, 0, sizeof *fam);
    memset(ign, 0, sizeof *ign);
    if (!use_fam && !use_ign)
        return OVL_OK;
    /* ids are ascending and the shares are runs of documents: each owner's a run of ids. */
    size_t *at = calloc(P + 1, sizeof *at), *counts = calloc(P, sizeof *counts), *rl = calloc(P, sizeof *rl);
    size_t capf = 0, capi = 0, wrap[2] = {0, 0};
    char *asked = NULL, *got = NULL;
    if ((rc = ovl__mpi_agree(m, at && counts && rl ? OVL_OK : ovl__mpi_nomem(m))) != OVL_OK)
        goto done;
    for (int p = 0; p < P; p++) {
        size_t e = at[p];
        while (e < nids && ovl__mpi_owner_of(first, P, ids[e]) == p)
            e++;
        counts[p] = (e - at[p]) * sizeof *ids;
        at[p + 1] = e;
    }
    int bad = ovl__mpi_alltoall_bytes(m, (const char *)ids, counts, &asked, rl) != 0;
    if ((rc = ovl__mpi_agree(m, bad ? ovl__mpi_nomem(m) : OVL_OK)) != OVL_OK)
        goto done;
    /* What each rank asked of this one, from the first (rank order) in the buffer. */
    size_t *aoff = calloc(P + 1, sizeof *aoff), *alen = calloc(P, sizeof *alen);
    if ((rc = ovl__mpi_agree(m, aoff && alen ? OVL_OK : ovl__mpi_nomem(m))) != OVL_OK) {
        free(aoff);
        free(alen);
        goto done;
    }
    for (int p = 0; p < P; p++) {
        alen[p] = rl[p];
        aoff[p + 1] = aoff[p] + rl[p];
    }
    /* Then P rounds: in round r this rank answers rank me - r and hears from rank me + r, so
     * it holds one reply it sends at a time (and what it is given). */
    for (int r = 0; r < P; r++) {
        int to = (me - r + P) % P, from = (me + r) % P;
        ovl__bbuf w = {0};
        unsigned char ok = 1;
        ovl__bput(&w, &ok, 1);
        const uint32_t *want = (const uint32_t *)(asked + aoff[to]);
        size_t nwant = alen[to] / sizeof *want;
        put_spans_for(&w, own_fam, use_fam, want, nwant);
        put_spans_for(&w, own_ign, use_ign, want, nwant);
        if (w.bad) { /* (out of memory: the asker is told so) */
            if (rc == OVL_OK)
                rc = ovl__mpi_nomem(m);
            ok = 0;
            w.bad = 0;
            w.n = 0;
            ovl__bput(&w, &ok, 1);
        }
        for (int p = 0; p < P; p++)
            counts[p] = p == to && !w.bad ? w.n : 0;
        if (from == 0) { /* (the replies of ranks me .. P - 1 are in: those of 0 .. me - 1 follow) */
            wrap[0] = fam->nspans;
            wrap[1] = ign->nspans;
        }
        bad = ovl__mpi_alltoall_bytes(m, w.p, counts, &got, rl) != 0;
        free(w.p);
        rbuf b = {got, got ? rl[from] : 0, 0};
        unsigned char fine = 0;
        if (rc == OVL_OK && bad)
            rc = ovl__mpi_nomem(m);
        else if (rc == OVL_OK && (ovl__mpi_get(&b, &fine, 1) != 0 || !fine))
            rc = ovl__fail(m->ctx, OVL_ERR_NOMEM, -1, "rank %d could not give the families' spans", from);
        else if (rc == OVL_OK && ((use_fam && get_spans_for(&b, (uint32_t)at[from], fam, &capf) != 0) ||
                                  (use_ign && get_spans_for(&b, (uint32_t)at[from], ign, &capi) != 0)))
            rc = ovl__mpi_nomem(m);
        free(got);
        got = NULL;
    }
    free(aoff);
    free(alen);
    rc = ovl__mpi_agree(m, rc);
    /* (The replies came from ranks me .. P - 1, then 0 .. me - 1: turned into document
     * order, each rank's run kept as it is.) */
    for (int which = 0; rc == OVL_OK && which < 2; which++) {
        ovl__families *f = which ? ign : fam;
        rotate_spans(f->spans, wrap[which], f->nspans);
        if (((which ? use_ign : use_fam) && index_spans(f, nids) != 0))
            rc = ovl__mpi_nomem(m);
    }
done:
    free(at);
    free(asked);
    free(got);
    free(counts);
    free(rl);
    if (rc != OVL_OK) {
        ovl__families_free(fam);
        ovl__families_free(ign);
        return rc;
    }
    uint64_t spans = fam->nspans + ign->nspans + own_fam->nspans + own_ign->nspans;
    if (spans > m->st.family_spans_held[m->phase])
        m->st.family_spans_held[m->phase] = spans;
    return OVL_OK;
}

int ovl__mpi_filter_pairs(mpi_run *m, const ovl_scan_opts *o, const size_t *first, const ovl__families *own_fam,
                          int use_fam, const ovl__families *own_ign, int use_ign, ovl_scan_pair *pairs,
                          size_t *npairs, uint64_t *family_pairs)
{
    if (!use_fam && !use_ign)
        return OVL_OK;
    uint32_t *ids = NULL;
    size_t nids = 0;
    ovl__run t;
    memset(&t, 0, sizeof t);
    t.o = o;
    /* (Out of memory for the ids: the rank still takes its part, asking for none.) */
    int bad = ovl__mpi_pair_docs(pairs, *npairs, &ids, &nids) != 0;
    int rc = ovl__mpi_families_for(m, first, own_fam, use_fam, own_ign, use_ign, ids, bad ? 0 : nids, &t.fam,
                                   &t.ign);
    if (bad && rc == OVL_OK)
        rc = ovl__mpi_nomem(m);
    if (rc == OVL_OK) {
        t.use_fam = use_fam;
        t.use_ign = use_ign;
        ovl__mpi_renumber(pairs, *npairs, ids, nids, 1);
        ovl__run_filter(&t, pairs, npairs);
        ovl__mpi_renumber(pairs, *npairs, ids, nids, 0);
        *family_pairs += t.sum.family_pairs;
    }
    free(ids);
    ovl__families_free(&t.fam);
    ovl__families_free(&t.ign);
    return rc;
}

int ovl__mpi_relabel_spans(ovl__families *f, const uint32_t *ids, size_t nids, int to_corpus)
{
    size_t n = f->nspans;
    for (size_t k = 0; f->f && k < f->n; k++)
        n += f->f[k].nspans + 1;
    size_t *at = malloc((n ? n : 1) * sizeof *at), m = 0;
    if (!at)
        return -1;
    for (size_t x = 0; x < f->nspans; x++)
        at[m++] = x;
    for (size_t k = 0; f->f && k < f->n; k++) {
        for (size_t x = 0; x < f->f[k].nspans; x++)
            at[m++] = f->f[k].first_span + x;
        at[m++] = f->f[k].rep;
    }
    qsort(at, m, sizeof *at, ovl__mpi_cmp_size);
    for (size_t x = 0; x < m; x++) {
        if (x && at[x] == at[x - 1])
            continue;
        ovl__famspan *sp = &f->spans[at[x]];
        if (to_corpus) {
            if (sp->doc < nids)
                sp->doc = ids[sp->doc];
        } else {
            size_t k = ovl__mpi_pos_of(ids, nids, sp->doc);
            sp->doc = k == SIZE_MAX ? UINT32_MAX : (uint32_t)k;
        }
    }
    free(at);
    return 0;
}

/* A document's copies among those the families' input names (sorted by document). */
static uint32_t copies_fin(const void *arg, uint32_t doc)
{
    const ovl__mpi_fin *f = arg;
    return ovl__mpi_dcount_of(f->copied, f->ncopied, doc);
}

/* A family's place in the report: heaviest first, then by its first document, then by its
 * group's first member in the build's order (as one process sorts them once widened or
 * joined; the build's order itself when neither changed them). */
typedef struct fkey {
    uint64_t weight;
    uint32_t doc;
    ovl__mpi_fkey root;
    size_t idx;
} fkey;

static int cmp_fkey(const void *x, const void *y)
{
    const fkey *a = x, *b = y;
    if (a->weight != b->weight)
        return a->weight > b->weight ? -1 : 1;
    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    return ovl__mpi_fkey_cmp(&a->root, &b->root);
}

/* f's families in the order of key (keys[k] of f->f[k], sorted here); -1 when out of memory. */
static int sort_families(ovl__families *f, fkey *keys)
{
    ovl__fam *sorted = malloc((f->n ? f->n : 1) * sizeof *sorted);
    if (!sorted)
        return -1;
    for (size_t k = 0; k < f->n; k++)
        keys[k].idx = k;
    if (f->n > 1)
        qsort(keys, f->n, sizeof *keys, cmp_fkey);
    for (size_t k = 0; k < f->n; k++)
        sorted[k] = f->f[keys[k].idx];
    free(f->f);
    f->f = sorted;
    return 0;
}

/* The families this rank lists (loc, kept; keys in their order) packed for rank 0: each
 * one's key, documents and occurrences, its representative after them when it is not one. */
static void pack_families(const ovl__families *loc, const fkey *keys, ovl__bbuf *b)
{
    for (size_t k = 0; k < loc->n; k++) {
        const ovl__fam *fm = &loc->f[k];
        uint64_t h[3] = {fm->documents, fm->nspans, fm->rep - fm->first_span};
        ovl__bput(b, &keys[k].weight, sizeof keys[k].weight);
        ovl__bput(b, &keys[k].doc, sizeof keys[k].doc);
        ovl__bput(b, &keys[k].root, sizeof keys[k].root);
        ovl__bput(b, h, sizeof h);
        ovl__bput(b, &loc->spans[fm->first_span], (fm->nspans + (h[2] >= fm->nspans)) * sizeof *loc->spans);
    }
}

/* Rank 0 reads every rank's listed families (pack_families) into fam and keys. -1 when the
 * bytes are short or out of memory. */
static int unpack_families(const char *p, size_t len, ovl__families *fam, fkey **keys, size_t *capf, size_t *capk,
                           size_t *caps)
{
    size_t at = 0; /* (spans held: fam->nspans counts those in document order, none here) */
    rbuf b = {p, len, 0};
    while (b.at < b.n) {
        fkey key;
        uint64_t h[3];
        memset(&key, 0, sizeof key);
        if (ovl__mpi_get(&b, &key.weight, sizeof key.weight) || ovl__mpi_get(&b, &key.doc, sizeof key.doc) ||
            ovl__mpi_get(&b, &key.root, sizeof key.root) || ovl__mpi_get(&b, h, sizeof h) ||
            h[1] > (b.n - b.at) / sizeof *fam->spans || h[2] > h[1])
            return -1;
        size_t ns = (size_t)h[1] + (h[2] == h[1]);
        if (ovl__grow(&fam->f, capf, fam->n + 1, sizeof *fam->f) != 0 || ovl__grow(keys, capk, fam->n + 1, sizeof **keys) ||
            ovl__grow(&fam->spans, caps, at + ns + 1, sizeof *fam->spans) != 0 ||
            ovl__mpi_get(&b, fam->spans + at, ns * sizeof *fam->spans) != 0)
            return -1;
        ovl__fam *fm = &fam->f[fam->n];
        memset(fm, 0, sizeof *fm);
        fm->first_span = at;
        fm->nspans = (size_t)h[1];
        fm->documents = (size_t)h[0];
        fm->rep = at + (size_t)h[2];
        fm->weight = key.weight;
        (*keys)[fam->n++] = key;
        at += ns;
    }
    return 0;
}

typedef struct wwork {
    mpi_run *m;
    ovl__families *loc;
    size_t widened;
} wwork;

static int widen_work(void *arg, const ovl__famread *rd, ovl_ctx *lctx)
{
    wwork *w = arg;
    return ovl__families_widen_occurrences(w->m->ctx, w->loc, rd, lctx, &w->widened);
}

int ovl__mpi_build_families(mpi_run *m, const ovl_scan_opts *o, const ovl_corpus *c, const size_t *first,
                            const ovl_scan_doc *mydocs, size_t window, ovl__mpi_fin *frec, ovl__families *fam,
                            int *use_fam)
{
    int rc = OVL_OK, root = m->rank == 0;
    ovl__families loc;
    ovl__bbuf b = {0};
    ovl__mpi_fkey *bkey = NULL;
    fkey *keys = NULL, *all = NULL;
    char *got = NULL;
    size_t *lens = NULL;
    memset(&loc, 0, sizeof loc);
    memset(fam, 0, sizeof *fam);
    *use_fam = 0;
    if (!o->families || !o->max_df) {
        ovl__mpi_fin_free(frec);
        return OVL_OK;
    }
    /* Each rank builds the families of the texts it owns, all their occurrences at hand, as
     * one process builds them, widens their occurrences and joins those of one text with the
     * other ranks'; rank 0 gets the families each lists and puts them in one process's order. */
    size_t held = frec->s.n * (sizeof *frec->s.spans + 3 * sizeof(uint32_t) + 1), joined = 0;
    rc = ovl__families_from_occurrences(m->ctx, &frec->s, frec->lo, frec->hi, frec->nunits, copies_fin, frec, &loc);
    free(frec->lo);
    free(frec->hi);
    frec->lo = frec->hi = NULL;
    ovl__mpi_held(m, held);
    if (rc == OVL_OK && !(bkey = malloc((loc.n ? loc.n : 1) * sizeof *bkey)))
        rc = ovl__mpi_nomem(m);
    for (size_t k = 0; rc == OVL_OK && k < loc.n; k++)
        bkey[k] = (ovl__mpi_fkey){loc.f[k].weight, loc.spans[loc.f[k].first_span].doc, frec->pos[loc.f[k].first_in]};
    wwork w = {m, &loc, 0};
    if ((rc = ovl__mpi_agree(m, rc)) == OVL_OK)
        rc = ovl__mpi_owners_read(m, o, c, first, mydocs, window, widen_work, &w);
    if (rc == OVL_OK)
        rc = ovl__mpi_join_same(m, o, c, first, mydocs, window, frec->copied, frec->ncopied, &loc, bkey, &joined);
    ovl__mpi_fin_free(frec);
    if (rc != OVL_OK)
        goto done;
    /* Each rank's families in the report's order, those it would list sent to rank 0. */
    uint64_t total = loc.n;
    if (!(keys = malloc((loc.n ? loc.n : 1) * sizeof *keys)))
        rc = ovl__mpi_nomem(m);
    for (size_t k = 0; rc == OVL_OK && k < loc.n; k++) {
        const ovl__fam *fm = &loc.f[k];
        keys[k] = (fkey){fm->weight, loc.spans[fm->first_span].doc, bkey[k], k};
    }
    if (rc == OVL_OK && sort_families(&loc, keys) != 0)
        rc = ovl__mpi_nomem(m);
    if (rc == OVL_OK) {
        ovl__families_keep(&loc, o->top_families, o->family_spans);
        pack_families(&loc, keys, &b);
        if (b.bad)
            rc = ovl__mpi_nomem(m);
    }
    ovl__families_free(&loc);
    if (root && !(lens = calloc(m->size, sizeof *lens)))
        rc = ovl__mpi_nomem(m);
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto done;
    MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_UINT64_T, MPI_SUM, m->comm);
    int bad = ovl__mpi_gather_bytes(m, b.p, b.n, &got, lens) != 0;
    m->st.sent[m->phase] += root ? 0 : b.n;
    if (root && !bad) {
        size_t capf = 0, capk = 0, caps = 0, len = 0;
        for (int p = 0; p < m->size; p++)
            len += lens[p];
        if (unpack_families(got, len, fam, &all, &capf, &capk, &caps) != 0 || sort_families(fam, all) != 0)
            rc = ovl__fail(m->ctx, OVL_ERR_NOMEM, -1, "out of memory or the ranks' families could not be read back");
        else {
            ovl__families_keep(fam, o->top_families, o->family_spans);
            fam->dropped = (size_t)total - fam->n;
            *use_fam = total > 0;
        }
    } else if (root) {
        rc = ovl__mpi_nomem(m);
    }
    rc = ovl__mpi_agree(m, rc);
done:
    free(bkey);
    free(keys);
    free(all);
    free(got);
    free(lens);
    free(b.p);
    ovl__families_free(&loc);
    if (rc != OVL_OK)
        ovl__families_free(fam);
    return rc;
}
