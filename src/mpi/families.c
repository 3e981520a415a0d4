/* families.c - the families over MPI ranks: built and widened by the ranks owning their texts (from src/mpi/famunits.c's input) and joined on rank 0, the spans of a rank's documents sent by it to the ranks that ask for them, and the pairs they leave. */
#include "families.h"

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

/* How many copies document doc has (cops sorted by group). */
static uint32_t copies_of(const dpair *cops, size_t n, uint32_t doc)
{
    return (uint32_t)(ovl__first_at_rec(cops, n, sizeof *cops, offsetof(dpair, b), (size_t)doc + 1) -
                      ovl__first_at_rec(cops, n, sizeof *cops, offsetof(dpair, b), doc));
}

/* A document's copies among those the families' input names (sorted by document). */
static uint32_t copies_fin(const void *arg, uint32_t doc)
{
    const ovl__mpi_fin *f = arg;
    size_t at = ovl__first_at_rec(f->copied, f->ncopied, sizeof *f->copied, offsetof(ovl__mpi_dcount, doc), doc);
    return at < f->ncopied && f->copied[at].doc == doc ? f->copied[at].copies : 0;
}

/* A family as it travels to rank 0: its weight, first document and its first occurrence's
 * place there (the order of one process: heaviest first, then by the first document, then
 * as first met), documents, occurrences and representative (among them); then each
 * occurrence, widened. */
typedef struct famhead {
    uint64_t weight;
    uint32_t doc, pos;
    uint64_t documents, nspans, rep;
} famhead;

typedef struct famkey {
    uint64_t weight;
    uint32_t doc, pos;
    size_t idx;
} famkey;

static int cmp_famkey(const void *x, const void *y)
{
    const famkey *a = x, *b = y;
    if (a->weight != b->weight)
        return a->weight > b->weight ? -1 : 1;
    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

/* This rank's families (built from its input f) packed into *b for rank 0. */
static void pack_families(const ovl__families *loc, const ovl__mpi_fin *f, ovl__bbuf *b)
{
    for (size_t k = 0; k < loc->n; k++) {
        const ovl__fam *fm = &loc->f[k];
        famhead h = {fm->weight, loc->spans[fm->first_span].doc, f->pos[fm->first_in], fm->documents, fm->nspans,
                     fm->rep - fm->first_span};
        ovl__bput(b, &h, sizeof h);
        ovl__bput(b, &loc->spans[fm->first_span], fm->nspans * sizeof *loc->spans);
    }
}

/* Rank 0 reads one rank's families (pack_families) into fam from family *nf and occurrence
 * *no on, their keys into key. 0, or -1 when they cannot be read back. */
static int unpack_families(const char *p, size_t len, ovl__families *fam, famkey *key, size_t *nf, size_t *no,
                           size_t maxf, size_t maxo)
{
    rbuf b = {p, len, 0};
    while (b.at < b.n) {
        famhead h;
        if (ovl__mpi_get(&b, &h, sizeof h) != 0 || *nf >= maxf || h.nspans > maxo - *no || h.rep >= h.nspans)
            return -1;
        ovl__fam *fm = &fam->f[*nf];
        fm->first_span = *no;
        fm->nspans = (size_t)h.nspans;
        fm->documents = (size_t)h.documents;
        fm->rep = *no + (size_t)h.rep;
        fm->weight = h.weight;
        fm->first_in = 0;
        key[*nf] = (famkey){h.weight, h.doc, h.pos, *nf};
        ++*nf;
        if (ovl__mpi_get(&b, &fam->spans[*no], (size_t)h.nspans * sizeof *fam->spans) != 0)
            return -1;
        *no += (size_t)h.nspans;
    }
    return 0;
}

/* The owners' widening fetch (ovl__famread.fetch): a window of documents' records and, for
 * their text, file list entries, fetched from the ranks holding them in a round every rank
 * takes part in, those done widening with no documents, until none widens. */
typedef struct rfetch {
    mpi_run *m;
    const size_t *first;
    const ovl_corpus *c;
    const ovl_scan_doc *mydocs;
    ovl__famdoc *fig;
    size_t capfig;
    ovl_corpus *view;
} rfetch;

/* One round: this rank's window docs[0, n) (active: it still widens); *more: whether any rank
 * does (when none, nothing is fetched). The code is every rank's but for this rank's out of
 * memory. */
static int fetch_round(rfetch *f, const uint32_t *docs, size_t n, int want, int active, int *more)
{
    mpi_run *m = f->m;
    int any = 0, rc = OVL_OK, bad = OVL_OK;
    MPI_Allreduce(&active, &any, 1, MPI_INT, MPI_SUM, m->comm);
    *more = any > 0;
    if (!any)
        return OVL_OK;
    ovl_corpus_free(f->view);
    f->view = NULL;
    int text = (want & OVL__FAM_TEXT) != 0;
    void *rows = NULL;
    size_t fetched = 0;
    if (ovl__grow(&f->fig, &f->capfig, n + 1, sizeof *f->fig) != 0)
        bad = ovl__mpi_nomem(m), n = 0;
    rc = ovl__mpi_fetch_rows(m, f->first, f->mydocs, sizeof *f->mydocs, docs, n, &rows, &fetched);
    const ovl_scan_doc *dr = rows;
    for (size_t k = 0; rc == OVL_OK && k < n; k++)
        f->fig[k] = (ovl__famdoc){{dr[k].hash[0], dr[k].hash[1]}, dr[k].tokens, 0};
    free(rows);
    ovl__mpi_held_docs(m, n, fetched);
    /* (The code of a collective call is every rank's: each takes the same way.) */
    if (rc == OVL_OK && m->parted) {
        rc = ovl__mpi_fetch_entries(m, f->first, f->c, docs, text ? n : 0, &f->view);
        ovl__mpi_held_paths(m, text ? n : 0);
    } else if (rc == OVL_OK && text && !(f->view = ovl__corpus_view(f->c, docs, n))) {
        bad = ovl__mpi_nomem(m);
    }
    return rc != OVL_OK ? rc : bad;
}

static int round_fetch(void *u, const uint32_t *docs, size_t n, int want, const ovl_corpus **fc,
                       const ovl__famdoc **fig)
{
    rfetch *f = u;
    int more = 1, rc = fetch_round(f, docs, n, want, 1, &more);
    *fc = f->view;
    *fig = f->fig;
    return rc;
}

/* Collective: each rank widens the occurrences of the families it built (loc), as one process
 * widens them among all, reading their documents again a window (window documents) at a
 * time, fetched in rounds every rank takes part in (fetch_round). *widened: the occurrences
 * that took tokens. Every rank returns the same code. */
static int widen_owned(mpi_run *m, const ovl_scan_opts *o, const ovl_corpus *c, const size_t *first,
                       const ovl_scan_doc *mydocs, ovl__families *loc, size_t window, size_t *widened)
{
    rfetch rf = {m, first, c, mydocs, NULL, 0, NULL};
    ovl_ctx *lctx = ovl_ctx_new();
    *widened = 0;
    int rc = ovl__mpi_agree(m, lctx ? OVL_OK : ovl__mpi_nomem(m));
    if (rc == OVL_OK) {
        ovl__famread rd = {NULL, &o->doc, NULL, NULL, round_fetch, &rf, window ? window : 1};
        rc = ovl__families_widen_occurrences(m->ctx, loc, &rd, lctx, widened);
        /* (Done: rounds with no documents until every rank is.) */
        for (int more = 1; more;) {
            int r = fetch_round(&rf, NULL, 0, 0, 0, &more);
            if (rc == OVL_OK)
                rc = r;
        }
    }
    ovl_ctx_free(lctx);
    ovl_corpus_free(rf.view);
    free(rf.fig);
    return ovl__mpi_agree(m, rc);
}

int ovl__mpi_build_families(mpi_run *m, const ovl_scan_opts *o, const ovl_corpus *c, const size_t *first,
                            const ovl_scan_doc *mydocs, size_t window, ovl__mpi_fin *frec, dpair *cops,
                            size_t ncops, ovl__families *fam, int *use_fam, int *widened)
{
    int rc = OVL_OK, P = m->size, root = m->rank == 0, bad = 0;
    ovl__families loc;
    ovl__bbuf b = {0};
    famkey *key = NULL;
    ovl__fam *sorted = NULL;
    memset(&loc, 0, sizeof loc);
    memset(fam, 0, sizeof *fam);
    *use_fam = *widened = 0;
    /* The copies by group, for the join on rank 0. */
    if (root && ncops > 1)
        qsort(cops, ncops, sizeof *cops, ovl__mpi_cmp_by_first);
    if (!o->families || !o->max_df) {
        ovl__mpi_fin_free(frec);
        return OVL_OK;
    }
    /* Each rank builds the families of the texts it owns, all their occurrences at hand, as
     * one process builds them, and widens their occurrences; rank 0 puts them in its order. */
    uint64_t cnt[3] = {0, 0, 0}, *all = NULL;
    size_t held = frec->s.n * (sizeof *frec->s.spans + 3 * sizeof(uint32_t) + 1), nocc = 0, wide = 0;
    rc = ovl__families_from_occurrences(m->ctx, &frec->s, frec->lo, frec->hi, frec->nunits, copies_fin, frec, &loc);
    free(frec->lo);
    free(frec->hi);
    frec->lo = frec->hi = NULL;
    for (size_t k = 0; rc == OVL_OK && k < loc.n; k++)
        nocc += loc.f[k].nspans;
    ovl__mpi_held(m, held);
    if ((rc = ovl__mpi_agree(m, rc)) == OVL_OK)
        rc = widen_owned(m, o, c, first, mydocs, &loc, window, &wide);
    if (rc == OVL_OK) {
        pack_families(&loc, frec, &b);
        cnt[0] = loc.n;
        cnt[1] = nocc;
        cnt[2] = wide;
        if (b.bad)
            rc = ovl__mpi_nomem(m);
    }
    ovl__mpi_fin_free(frec);
    ovl__families_free(&loc);
    if (root && !(all = malloc(3 * (size_t)P * sizeof *all)))
        rc = ovl__mpi_nomem(m);
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto done;
    MPI_Gather(cnt, 3, MPI_UINT64_T, all, 3, MPI_UINT64_T, 0, m->comm);
    if (!root) {
        ovl__mpi_send_bytes(m, b.p, b.n, 0);
    } else {
        size_t nfam = 0, nf = 0, no = 0;
        nocc = 0;
        for (int p = 0; p < P; p++) {
            nfam += (size_t)all[3 * p], nocc += (size_t)all[3 * p + 1];
            *widened |= all[3 * p + 2] > 0;
        }
        fam->f = calloc(nfam ? nfam : 1, sizeof *fam->f);
        fam->spans = malloc((nocc ? nocc : 1) * sizeof *fam->spans);
        key = malloc((nfam ? nfam : 1) * sizeof *key);
        int room = fam->f && fam->spans && key;
        if (!room)
            rc = ovl__mpi_nomem(m);
        /* (Rank 0's own first, then the others' in rank order; without room each is read and
         * dropped, so that no rank waits.) */
        for (int p = 0; p < P; p++) {
            size_t len = b.n;
            char *piece = p == 0 ? b.p : ovl__mpi_recv_bytes(m, p, &len);
            if (!piece && len && rc == OVL_OK)
                rc = ovl__mpi_nomem(m);
            if (piece && room && !bad)
                bad = unpack_families(piece, len, fam, key, &nf, &no, nfam, nocc);
            free(piece);
            if (p == 0)
                b.p = NULL;
        }
        if (rc == OVL_OK && (bad || nf != nfam || no != nocc))
            rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "the ranks' families could not be read back");
        if (rc == OVL_OK) {
            fam->n = nfam;
            if (nfam > 1)
                qsort(key, nfam, sizeof *key, cmp_famkey);
            if (!(sorted = malloc((nfam ? nfam : 1) * sizeof *sorted)))
                rc = ovl__mpi_nomem(m);
        }
        for (size_t k = 0; rc == OVL_OK && k < nfam; k++)
            sorted[k] = fam->f[key[k].idx];
        if (rc == OVL_OK) {
            free(fam->f);
            fam->f = sorted;
            sorted = NULL;
            *use_fam = fam->n > 0;
        }
    }
    rc = ovl__mpi_agree(m, rc);
done:
    free(all);
    free(key);
    free(sorted);
    free(b.p);
    if (rc != OVL_OK)
        ovl__families_free(fam);
    return rc;
}

/* The join's fetch (ovl__famread.fetch) on rank 0: a window of documents' figures and
 * file list entries. Records (hash, token count) and entries of its own share from mydocs
 * and c, the others' asked of the ranks holding them; copies counted in cops, sorted by
 * group. */
typedef struct wfetch {
    mpi_run *m;
    const size_t *first;
    const ovl_corpus *c;
    const ovl_scan_doc *mydocs;
    const dpair *cops;
    size_t ncops;
    ovl_scan_doc *dr;
    ovl__famdoc *fig;
    size_t capdr, capfig;
    ovl_corpus *view;
} wfetch;

static int fetch_window(void *u, const uint32_t *docs, size_t n, int want, const ovl_corpus **fc,
                        const ovl__famdoc **fig)
{
    wfetch *f = u;
    mpi_run *m = f->m;
    int rc = OVL_OK;
    int recs = (want & (OVL__FAM_TEXT | OVL__FAM_TOKENS)) != 0, text = (want & OVL__FAM_TEXT) != 0;
    size_t fetched = 0;
    ovl__bbuf ent = {0};
    ovl_corpus_free(f->view);
    f->view = NULL;
    *fc = NULL;
    *fig = NULL;
    if (ovl__grow(&f->dr, &f->capdr, n + 1, sizeof *f->dr) != 0 || ovl__grow(&f->fig, &f->capfig, n + 1, sizeof *f->fig) != 0)
        return ovl__mpi_nomem(m);
    memset(f->fig, 0, n * sizeof *f->fig);
    if (recs)
        rc = ovl__mpi_ask_docs(m, f->first, f->mydocs, f->c, docs, n, f->dr, text && m->parted ? &ent : NULL,
                               &fetched);
    for (size_t k = 0; rc == OVL_OK && recs && k < n; k++) {
        f->fig[k].hash[0] = f->dr[k].hash[0];
        f->fig[k].hash[1] = f->dr[k].hash[1];
        f->fig[k].tokens = f->dr[k].tokens;
    }
    for (size_t k = 0; want & OVL__FAM_COPIES && k < n; k++)
        f->fig[k].copies = copies_of(f->cops, f->ncops, docs[k]);
    if (rc == OVL_OK && text) {
        /* (A corpus walked in parts: the entries fetched; whole: a view of the window's.) */
        if (m->parted)
            rc = ovl__mpi_entries_corpus(m, ent.p, ent.n, n, &f->view);
        else if (!(f->view = ovl__corpus_view(f->c, docs, n)))
            rc = ovl__mpi_nomem(m);
        if (m->parted)
            ovl__mpi_held_paths(m, n);
    }
    free(ent.p);
    ovl__mpi_held_docs(m, n, fetched);
    *fc = f->view;
    *fig = f->fig;
    return rc;
}

int ovl__mpi_join_families(mpi_run *m, const ovl_scan_opts *o, const ovl_corpus *c, const size_t *first,
                           const ovl_scan_doc *mydocs, ovl__families *fam, dpair *cops, size_t ncops,
                           size_t window, int widened)
{
    wfetch wf = {m, first, c, mydocs, cops, ncops, NULL, NULL, 0, 0, NULL};
    int rc = OVL_OK;
    ovl_ctx *lctx = ovl_ctx_new();
    if (!lctx)
        rc = ovl__mpi_nomem(m);
    if (rc == OVL_OK) {
        ovl__famread rd = {NULL, &o->doc, NULL, NULL, fetch_window, &wf, window ? window : 1};
        rc = ovl__families_join(m->ctx, fam, &rd, lctx, widened);
    }
    ovl_ctx_free(lctx);
    ovl_corpus_free(wf.view);
    free(wf.dr);
    free(wf.fig);
    return rc;
}
