/* family.c - recurring text as families: chunks of frequent band keys joined by union-find into spans per document. */
#include "scan_int.h"

#include "uf.h"


/* Global index of doc's chunk [t0, t1), or UINT32_MAX. */
static uint32_t chunk_index(const ovl__cfp *cfp, uint32_t doc, uint32_t t0, uint32_t t1)
{
    const ovl_scan_doc *d = &cfp->docs[doc];
    size_t lo = d->first_chunk, hi = d->first_chunk + d->nchunks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const ovl__chunkinfo *c = &cfp->chunks[mid];
        if (c->tok_start < t0 || (c->tok_start == t0 && c->tok_end < t1))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < d->first_chunk + d->nchunks && cfp->chunks[lo].tok_start == t0 && cfp->chunks[lo].tok_end == t1)
        return (uint32_t)lo;
    return UINT32_MAX;
}

void ovl__families_free(ovl__families *fam)
{
    if (!fam)
        return;
    free(fam->f);
    free(fam->spans);
    free(fam->doc_first);
    free(fam->span_family);
    memset(fam, 0, sizeof *fam);
}

typedef struct fsort {
    uint64_t weight;
    size_t first_doc, idx;
} fsort;

static int cmp_fsort(const void *x, const void *y)
{
    const fsort *a = x, *b = y;
    if (a->weight != b->weight)
        return a->weight > b->weight ? -1 : 1;
    return (a->first_doc > b->first_doc) - (a->first_doc < b->first_doc);
}

typedef struct u32pair {
    uint32_t x, y;
} u32pair;

static int cmp_u32pair(const void *a, const void *b)
{
    const u32pair *p = a, *q = b;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    return (p->y > q->y) - (p->y < q->y);
}

/* Joins the key groups of neighbouring recurring chunks whose documents overlap by half (see
 * ovl__families_build). parent: union-find over chunks, joined by shared keys already. */
static int join_neighbours(ovl_ctx *ctx, const ovl__cfp *cfp, size_t ndocs, const uint8_t *rec,
                           uint32_t *parent)
{
    size_t nc = cfp->nchunks, nrd = 0, ned = 0, caped = 0;
    u32pair *rd = malloc((nc ? nc : 1) * sizeof *rd); /* (root, document) of recurring chunks */
    u32pair *ed = NULL;                               /* neighbouring roots */
    size_t *first = NULL;
    int rc = OVL_OK;
    if (!rd)
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    for (size_t d = 0; d < ndocs; d++) {
        const ovl_scan_doc *doc = &cfp->docs[d];
        if (cfp->copy_of[d] != d)
            continue;
        size_t c1 = doc->first_chunk + doc->nchunks;
        for (size_t c = doc->first_chunk; c < c1; c++) {
            if (!rec[c])
                continue;
            uint32_t r = ovl__uf_find(parent, (uint32_t)c);
            rd[nrd++] = (u32pair){r, (uint32_t)d};
            if (c + 1 < c1 && rec[c + 1] && cfp->chunks[c + 1].tok_start <= cfp->chunks[c].tok_end) {
                uint32_t q = ovl__uf_find(parent, (uint32_t)(c + 1));
                if (q == r)
                    continue;
                if (ovl__grow(&ed, &caped, ned + 1, sizeof *ed) != 0) {
                    rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
                    goto done;
                }
                ed[ned++] = r < q ? (u32pair){r, q} : (u32pair){q, r};
            }
        }
    }
    /* Documents of each root: sorted (root, document), duplicates dropped; first[] indexes
     * them by root through a binary search. */
    qsort(rd, nrd, sizeof *rd, cmp_u32pair);
    size_t k = 0;
    for (size_t i = 0; i < nrd; i++)
        if (k == 0 || rd[i].x != rd[k - 1].x || rd[i].y != rd[k - 1].y)
            rd[k++] = rd[i];
    nrd = k;
    if (ned > 1)
        qsort(ed, ned, sizeof *ed, cmp_u32pair);
    k = 0;
    for (size_t i = 0; i < ned; i++)
        if (k == 0 || ed[i].x != ed[k - 1].x || ed[i].y != ed[k - 1].y)
            ed[k++] = ed[i];
    ned = k;
    for (size_t i = 0; i < ned; i++) {
        /* The documents of roots x and y: runs of rd found by binary search. */
        size_t lo[2], hi[2];
        uint32_t want[2] = {ed[i].x, ed[i].y};
        for (int s = 0; s < 2; s++) {
            size_t a = 0, b = nrd;
            while (a < b) {
                size_t m = a + (b - a) / 2;
                if (rd[m].x < want[s])
                    a = m + 1;
                else
                    b = m;
            }
            lo[s] = a;
            while (a < nrd && rd[a].x == want[s])
                a++;
            hi[s] = a;
        }
        size_t nx = hi[0] - lo[0], ny = hi[1] - lo[1], both = 0;
        for (size_t p = lo[0], q = lo[1]; p < hi[0] && q < hi[1];) {
            if (rd[p].y == rd[q].y)
                both++, p++, q++;
            else if (rd[p].y < rd[q].y)
                p++;
            else
                q++;
        }
        if (2 * both >= (nx > ny ? nx : ny))
            ovl__uf_union(parent, ed[i].x, ed[i].y);
    }
done:
    free(rd);
    free(ed);
    free(first);
    return rc;
}

int ovl__families_build(ovl_ctx *ctx, const ovl__cfp *cfp, size_t ndocs, ovl__families *out)
{
    memset(out, 0, sizeof *out);
    size_t nc = cfp->nchunks;
    uint32_t *parent = malloc((nc ? nc : 1) * sizeof *parent);
    uint8_t *rec = calloc(nc ? nc : 1, 1);
    size_t *copies = calloc(ndocs ? ndocs : 1, sizeof *copies);
    size_t *root_fam = NULL;
    fsort *order = NULL;
    size_t *rank = NULL;
    int rc = OVL_OK;
    out->doc_first = calloc(ndocs + 1, sizeof *out->doc_first);
    if (!parent || !rec || !copies || !out->doc_first) {
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nc; i++)
        parent[i] = (uint32_t)i;
    for (size_t i = 0; i < ndocs; i++)
        if (cfp->copy_of[i] != UINT32_MAX && cfp->copy_of[i] != i)
            copies[cfp->copy_of[i]]++;
    /* Chunks sharing a frequent key are one family. */
    for (size_t x = 0; x < cfp->nrec;) {
        size_t y = x;
        uint32_t first = UINT32_MAX;
        for (; y < cfp->nrec && cfp->rec[y].key_group == cfp->rec[x].key_group; y++) {
            uint32_t ci = chunk_index(cfp, cfp->rec[y].doc, cfp->rec[y].tok_start, cfp->rec[y].tok_end);
            if (ci == UINT32_MAX)
                continue;
            rec[ci] = 1;
            if (first == UINT32_MAX)
                first = ci;
            else
                ovl__uf_union(parent, first, ci);
        }
        x = y;
    }
    /* Neighbouring recurring chunks of one document (a licence's paragraphs) are one text
     * when they recur in the same documents: their key groups are joined when the documents
     * holding them overlap by half. Joining every neighbour would chain unrelated boilerplate
     * (a header common to thousands of files next to a paragraph of a hundred) into one
     * family. */
    rc = join_neighbours(ctx, cfp, ndocs, rec, parent);
    if (rc != OVL_OK)
        goto done;
    /* Spans: runs of overlapping recurring chunks of one family in one document. */
    size_t nspans = 0, cap = 0, capsc = 0;
    uint32_t *span_chunk = NULL; /* the first chunk of each span */
    for (size_t d = 0; d < ndocs; d++) {
        const ovl_scan_doc *doc = &cfp->docs[d];
        out->doc_first[d] = nspans;
        if (cfp->copy_of[d] != d)
            continue;
        size_t c0 = doc->first_chunk, c1 = doc->first_chunk + doc->nchunks;
        for (size_t c = c0; c < c1;) {
            if (!rec[c]) {
                c++;
                continue;
            }
            size_t e = c + 1;
            uint32_t root = ovl__uf_find(parent, (uint32_t)c);
            uint32_t tend = cfp->chunks[c].tok_end, cend = cfp->chunks[c].char_end;
            while (e < c1 && rec[e] && cfp->chunks[e].tok_start <= tend && ovl__uf_find(parent, (uint32_t)e) == root) {
                if (cfp->chunks[e].tok_end > tend) {
                    tend = cfp->chunks[e].tok_end;
                    cend = cfp->chunks[e].char_end;
                }
                e++;
            }
            if (ovl__grow(&out->spans, &cap, nspans + 1, sizeof *out->spans) != 0 ||
                ovl__grow(&span_chunk, &capsc, nspans + 1, sizeof *span_chunk) != 0) {
                free(span_chunk);
                rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
                goto done;
            }
            span_chunk[nspans] = (uint32_t)c;
            out->spans[nspans++] = (ovl__famspan){(uint32_t)d, cfp->chunks[c].tok_start, tend,
                                                  cfp->chunks[c].char_start, cend};
            c = e;
        }
    }
    out->doc_first[ndocs] = nspans;
    out->nspans = nspans;
    /* Family of each span: the root of its first chunk, once every union is made. */
    out->span_family = malloc((nspans ? nspans : 1) * sizeof *out->span_family);
    root_fam = malloc((nc ? nc : 1) * sizeof *root_fam);
    if (!out->span_family || !root_fam) {
        free(span_chunk);
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nc; i++)
        root_fam[i] = SIZE_MAX;
    size_t nfam = 0;
    for (size_t s = 0; s < nspans; s++) {
        uint32_t root = ovl__uf_find(parent, span_chunk[s]);
        if (root_fam[root] == SIZE_MAX)
            root_fam[root] = nfam++;
        out->span_family[s] = root_fam[root];
    }
    free(span_chunk);
    /* Families: occurrences in document order, the longest one, documents with copies. */
    out->f = calloc(nfam ? nfam : 1, sizeof *out->f);
    size_t *fill = calloc(nfam + 1, sizeof *fill);
    ovl__famspan *sorted = malloc((nspans ? nspans : 1) * sizeof *sorted);
    size_t *sfam = malloc((nspans ? nspans : 1) * sizeof *sfam);
    size_t *lastdoc = malloc((nfam ? nfam : 1) * sizeof *lastdoc);
    if (!out->f || !fill || !sorted || !sfam || !lastdoc) {
        free(fill);
        free(sorted);
        free(sfam);
        free(lastdoc);
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    out->n = nfam;
    for (size_t s = 0; s < nspans; s++)
        fill[out->span_family[s] + 1]++;
    for (size_t f = 0; f < nfam; f++)
        fill[f + 1] += fill[f];
    for (size_t f = 0; f < nfam; f++) {
        out->f[f].first_span = fill[f];
        lastdoc[f] = SIZE_MAX;
    }
    /* A document's spans are also wanted per document (filtering), in token order: keep
     * out->spans as it is and build the per-family copy for reporting. */
    for (size_t s = 0; s < nspans; s++) {
        size_t f = out->span_family[s];
        ovl__fam *fm = &out->f[f];
        size_t at = fm->first_span + fm->nspans++;
        sorted[at] = out->spans[s];
        sfam[at] = f;
        if (lastdoc[f] != out->spans[s].doc) {
            lastdoc[f] = out->spans[s].doc;
            fm->documents += 1 + copies[out->spans[s].doc];
        }
    }
    free(fill);
    free(lastdoc);
    free(sfam);
    /* out->spans stays in document order for ovl__families_cover; the families index their
     * own copy, appended after it. */
    ovl__famspan *all = realloc(out->spans, (2 * nspans + 1) * sizeof *all);
    if (!all) {
        free(sorted);
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    out->spans = all;
    memcpy(all + nspans, sorted, nspans * sizeof *sorted);
    free(sorted);
    for (size_t f = 0; f < nfam; f++) {
        ovl__fam *fm = &out->f[f];
        fm->first_span += nspans;
        fm->rep = fm->first_span;
        for (size_t s = fm->first_span; s < fm->first_span + fm->nspans; s++)
            if (all[s].char_end - all[s].char_start > all[fm->rep].char_end - all[fm->rep].char_start)
                fm->rep = s;
        fm->weight = (uint64_t)fm->documents * (all[fm->rep].char_end - all[fm->rep].char_start);
    }
    /* Heaviest first, ties by the first document holding it. */
    order = malloc((nfam ? nfam : 1) * sizeof *order);
    rank = malloc((nfam ? nfam : 1) * sizeof *rank);
    ovl__fam *nf = malloc((nfam ? nfam : 1) * sizeof *nf);
    if (!order || !rank || !nf) {
        free(nf);
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    for (size_t f = 0; f < nfam; f++)
        order[f] = (fsort){out->f[f].weight, all[out->f[f].first_span].doc, f};
    qsort(order, nfam, sizeof *order, cmp_fsort);
    for (size_t k = 0; k < nfam; k++) {
        nf[k] = out->f[order[k].idx];
        rank[order[k].idx] = k;
    }
    free(out->f);
    out->f = nf;
    for (size_t s = 0; s < nspans; s++)
        out->span_family[s] = rank[out->span_family[s]];
done:
    free(parent);
    free(rec);
    free(copies);
    free(root_fam);
    free(order);
    free(rank);
    if (rc != OVL_OK)
        ovl__families_free(out);
    return rc;
}

double ovl__families_cover(const ovl__families *fam, uint32_t doc, uint32_t t0, uint32_t t1)
{
    if (!fam->doc_first || t1 <= t0)
        return 0.0;
    size_t lo = fam->doc_first[doc], hi = fam->doc_first[doc + 1];
    uint64_t in = 0;
    for (size_t s = lo; s < hi; s++) {
        const ovl__famspan *sp = &fam->spans[s];
        if (sp->tok_start >= t1)
            break;
        uint32_t a = sp->tok_start > t0 ? sp->tok_start : t0, b = sp->tok_end < t1 ? sp->tok_end : t1;
        if (b > a)
            in += b - a;
    }
    return (double)in / (double)(t1 - t0);
}
