/* family.c - recurring text as families: chunks with the same frequent band keys as one text, variants put with their text, neighbours held by mostly the same documents joined, a piece several texts share reported with the text beside it, spans per document; then, from the documents read again, occurrences widened over the text beside them that most share, and families of one text joined. */
#include "family.h"

#include <stddef.h>

#include "fclass.h"
#include "uf.h"


/* Index of doc's chunk [t0, t1) among its chunks, or UINT32_MAX. */
static uint32_t chunk_offset(const ovl__cfp *cfp, size_t ndocs, uint32_t doc, uint32_t t0, uint32_t t1)
{
    if (doc >= ndocs)
        return UINT32_MAX;
    const ovl_scan_doc *d = &cfp->docs[doc];
    uint32_t lo = 0, hi = d->nchunks;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const ovl__chunkinfo *c = &cfp->chunks[d->first_chunk + mid];
        if (c->tok_start < t0 || (c->tok_start == t0 && c->tok_end < t1))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < d->nchunks && cfp->chunks[d->first_chunk + lo].tok_start == t0 &&
        cfp->chunks[d->first_chunk + lo].tok_end == t1)
        return lo;
    return UINT32_MAX;
}

/* The recurring chunks (those a record names) are numbered in document order, then chunk
 * order. The families' working arrays are sized by them, not by every chunk of the documents
 * holding them: most of those chunks are the documents' own text (on the real English corpus
 * 139,722 of 737,761 recur), and at 1 TB those documents hold billions of chunks. A recurring
 * chunk keeps its index in its document (ovl__fkeys.off), so that two with another chunk
 * between them are not taken for neighbours; chunk numbers of the corpus (64-bit) are not
 * held. */

void ovl__fkeys_free(ovl__fkeys *k)
{
    if (!k)
        return;
    free(k->first);
    free(k->off);
    free(k->info);
    free(k->goff);
    free(k->gl);
    free(k->gdocs);
    memset(k, 0, sizeof *k);
}

/* Numbers the recurring chunks of the nrec records (*rk); (*rci)[x] (malloc'd): record x's
 * recurring chunk, UINT32_MAX when it names no chunk of its document. The records' chunks
 * are gathered by document (a prefix sum over the documents), each document's marked in a
 * scratch array of its chunks and numbered in their order, and each record then takes its
 * number back in the order it was gathered: no sort. Held for a moment: 4 bytes a record,
 * 8 a document and 4 per chunk of the document with most; kept: 4 bytes a recurring chunk and
 * 4 a document. OVL_ERR_TOOBIG past 2^32 - 1 recurring chunks (units and classes are numbered
 * in 32 bits). */
static int recurring_chunks(ovl_ctx *ctx, const ovl__cfp *cfp, size_t ndocs, ovl__fkeys *rk, uint32_t **rcip)
{
    size_t nrec = cfp->nrec, n = 0, cap = 0;
    uint32_t maxch = 0;
    uint32_t *rci = malloc((nrec ? nrec : 1) * sizeof *rci);
    size_t *at = calloc(ndocs + 1, sizeof *at); /* per document: where its records' chunks go */
    uint32_t *buf = NULL;                       /* the records' chunks by document */
    uint32_t *mark = NULL;                      /* per chunk of one document: its number */
    int rc = OVL_OK;
    *rcip = NULL;
    rk->first = malloc((ndocs + 1) * sizeof *rk->first);
    if (!rci || !at || !rk->first)
        goto nomem;
    for (size_t x = 0; x < nrec; x++) {
        const ovl_recurring *r = &cfp->rec[x];
        rci[x] = chunk_offset(cfp, ndocs, r->doc, r->tok_start, r->tok_end);
        if (rci[x] != UINT32_MAX && at[r->doc + 1]++ == 0 && cfp->docs[r->doc].nchunks > maxch)
            maxch = cfp->docs[r->doc].nchunks;
    }
    for (size_t d = 0; d < ndocs; d++)
        at[d + 1] += at[d];
    buf = malloc((at[ndocs] ? at[ndocs] : 1) * sizeof *buf);
    mark = malloc((maxch ? maxch : 1) * sizeof *mark);
    if (!buf || !mark)
        goto nomem;
    for (size_t x = 0; x < nrec; x++)
        if (rci[x] != UINT32_MAX)
            buf[at[cfp->rec[x].doc]++] = rci[x];
    for (size_t d = ndocs; d > 0; d--)
        at[d] = at[d - 1];
    at[0] = 0;
    for (uint32_t i = 0; i < maxch; i++)
        mark[i] = UINT32_MAX;
    for (size_t d = 0; d < ndocs; d++) {
        size_t a = at[d], b = at[d + 1];
        rk->first[d] = (uint32_t)n;
        if (a == b)
            continue;
        for (size_t i = a; i < b; i++)
            mark[buf[i]] = 0;
        for (uint32_t c = 0, nch = cfp->docs[d].nchunks; c < nch; c++) {
            if (mark[c] == UINT32_MAX)
                continue;
            if (n == UINT32_MAX) {
                rc = ovl__fail(ctx, OVL_ERR_TOOBIG, -1, "families: more than 4294967295 recurring chunks");
                goto done;
            }
            if (ovl__grow(&rk->off, &cap, n + 1, sizeof *rk->off) != 0)
                goto nomem;
            mark[c] = (uint32_t)n;
            rk->off[n++] = c;
        }
        for (size_t i = a; i < b; i++)
            buf[i] = mark[buf[i]];
        for (size_t c = rk->first[d]; c < n; c++)
            mark[rk->off[c]] = UINT32_MAX;
    }
    rk->first[ndocs] = (uint32_t)n;
    rk->n = n;
    uint32_t *fit = realloc(rk->off, (n ? n : 1) * sizeof *rk->off);
    if (fit)
        rk->off = fit;
    /* Each record's number, taken in the order the records were gathered. */
    for (size_t x = 0; x < nrec; x++)
        if (rci[x] != UINT32_MAX)
            rci[x] = buf[at[cfp->rec[x].doc]++];
    *rcip = rci;
    rci = NULL;
    goto done;
nomem:
    rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
done:
    free(rci);
    free(at);
    free(buf);
    free(mark);
    return rc;
}

void ovl__families_free(ovl__families *fam)
{
    if (!fam)
        return;
    free(fam->f);
    free(fam->spans);
    free(fam->doc_first);
    free(fam->lo);
    free(fam->hi);
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

/* (x, y) order of two pairs of numbers. */
static int cmp_xy(uint32_t px, uint32_t py, uint32_t qx, uint32_t qy)
{
    if (px != qx)
        return px < qx ? -1 : 1;
    return (py > qy) - (py < qy);
}

static int cmp_u32pair(const void *a, const void *b)
{
    const u32pair *p = a, *q = b;
    return cmp_xy(p->x, p->y, q->x, q->y);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Documents of unit u: the run of rd (sorted (unit, document) pairs) holding it. */
static void unit_docs(const u32pair *rd, size_t nrd, uint32_t u, size_t *lo, size_t *hi)
{
    *lo = ovl__first_at_rec(rd, nrd, sizeof *rd, offsetof(u32pair, x), u);
    *hi = ovl__first_at_rec(rd + *lo, nrd - *lo, sizeof *rd, offsetof(u32pair, x), (size_t)u + 1) + *lo;
}

/* Documents holding both units: a merge of their sorted runs. */
static size_t docs_both(const u32pair *rd, size_t lx, size_t hx, size_t ly, size_t hy)
{
    size_t both = 0;
    for (size_t p = lx, q = ly; p < hx && q < hy;) {
        if (rd[p].y == rd[q].y)
            both++, p++, q++;
        else if (rd[p].y < rd[q].y)
            p++;
        else
            q++;
    }
    return both;
}

static int cmp_fedge_xy(const void *a, const void *b)
{
    const ovl__fedge *p = a, *q = b;
    return cmp_xy(p->x, p->y, q->x, q->y);
}

size_t ovl__fedges_merge(ovl__fedge *e, size_t n)
{
    if (n > 1)
        qsort(e, n, sizeof *e, cmp_fedge_xy);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k && e[i].x == e[k - 1].x && e[i].y == e[k - 1].y)
            e[k - 1].n += e[i].n;
        else
            e[k++] = e[i];
    return k;
}

/* Most documents in common first, then by units. */
static int cmp_fedge(const void *a, const void *b)
{
    const ovl__fedge *p = a, *q = b;
    if (p->n != q->n)
        return p->n > q->n ? -1 : 1;
    return cmp_xy(p->x, p->y, q->x, q->y);
}

/* Two neighbouring units are parts of one text when mostly the same documents hold them:
 * documents with both are at least this share of the larger unit's. At 0.5 a text took in
 * what follows it in half of its documents (a licence and the paragraph some packages add to
 * it); at 0.65 the GPL-2 notice took in the warranty paragraph that the GPL-3 and other
 * notices share (on the real English corpus between 0.65 and 0.8 of the paragraph's
 * documents hold the GPL-2 notice), and the family of the GPL-2 notice counted the GPL-3
 * ones. Copies cut into chunks differently no longer need the slack: a variant goes with
 * its text (ovl__fclasses_roots). */
#define FAMILY_SAME_DOCS 0.8
/* Neighbours: recurring chunks at most this many tokens apart (a template's field between
 * its pieces: a name, a date, a short line of its own). */
#define FAMILY_GAP 16

static int same_docs(size_t both, size_t nx, size_t ny)
{
    return (double)both >= FAMILY_SAME_DOCS * (double)(nx > ny ? nx : ny);
}

void ovl__ftexts_free(ovl__ftexts *t)
{
    if (!t)
        return;
    free(t->unit);
    free(t->parent);
    memset(t, 0, sizeof *t);
}

uint32_t ovl__ftexts_root(ovl__ftexts *t, uint32_t u)
{
    size_t k = ovl__first_at(t->unit, t->n, u);
    return k < t->n && t->unit[k] == u ? t->unit[ovl__uf_find(t->parent, (uint32_t)k)] : u;
}

/* (src/family.h.) Everything the join counts is a sum over documents (the documents holding
 * a unit, holding two units, the times two units sit side by side), so each process counts
 * those it holds and j adds them up; the joins then run alike in every process. Only the
 * units met beside another take part: they are numbered compactly, in the order of their
 * numbers (so the union-find's smaller root and the leaders' ties fall as over the units). */
int ovl__funits_join(ovl_ctx *ctx, const ovl__funits *rk, const uint32_t *copy_of, const ovl__fjoin *j,
                     ovl__ftexts *out)
{
    const uint32_t *unit = rk->unit;
    const unsigned char *frag = rk->frag;
    size_t nrd = 0, ned = 0, caped = 0, nu = 0;
    u32pair *rd = malloc((rk->n ? rk->n : 1) * sizeof *rd); /* (unit, document) of recurring chunks */
    ovl__fedge *ed = NULL;                                 /* neighbouring units; n: times, then both */
    uint32_t *uu = NULL;     /* the units met beside another, ascending */
    uint32_t *leader = NULL; /* per such unit (compact numbers from here on) */
    uint32_t *ndoc = NULL;   /* per such unit: its documents */
    u32pair *fbest = NULL;   /* per such fragment: (text, times) */
    uint32_t *parent = NULL;
    uint32_t *both = NULL;   /* per pair of neighbours: the documents holding both */
    int rc = OVL_OK;
    memset(out, 0, sizeof *out);
    if (!rd)
        goto nomem;
    for (size_t d = 0; d < rk->ndocs; d++) {
        if (copy_of[d] != d)
            continue;
        uint32_t c1 = rk->first[d + 1], prev = UINT32_MAX; /* the last recurring chunk */
        for (uint32_t c = rk->first[d]; c < c1; c++) {
            uint32_t r = unit[c];
            if (r == UINT32_MAX)
                continue;
            rd[nrd++] = (u32pair){r, (uint32_t)d};
            uint32_t p = prev;
            prev = c;
            if (p != UINT32_MAX && unit[p] != r &&
                rk->info[c].tok_start <= rk->info[p].tok_end + FAMILY_GAP) {
                uint32_t q = unit[p];
                if (ovl__grow(&ed, &caped, ned + 1, sizeof *ed) != 0)
                    goto nomem;
                ed[ned++] = r < q ? (ovl__fedge){r, q, 1} : (ovl__fedge){q, r, 1};
            }
        }
    }
    /* Documents of each unit: sorted (unit, document), duplicates dropped. */
    if (nrd > 1)
        qsort(rd, nrd, sizeof *rd, cmp_u32pair);
    size_t k = 0;
    for (size_t i = 0; i < nrd; i++)
        if (k == 0 || rd[i].x != rd[k - 1].x || rd[i].y != rd[k - 1].y)
            rd[k++] = rd[i];
    nrd = k;
    /* Each pair of neighbours once, with the times it was met. */
    ned = ovl__fedges_merge(ed, ned);
    goto counted;
nomem:
    rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
counted:
    /* (Every process comes here: from now on each step is taken by all of them.) */
    if (j && (rc = j->agree(j->arg, rc)) == OVL_OK)
        rc = j->edges(j->arg, &ed, &ned);
    if (rc != OVL_OK)
        goto done;
    uu = malloc((2 * ned + 1) * sizeof *uu);
    both = malloc((ned ? ned : 1) * sizeof *both);
    if (uu) {
        for (size_t i = 0; i < ned; i++)
            uu[2 * i] = ed[i].x, uu[2 * i + 1] = ed[i].y;
        if (ned)
            qsort(uu, 2 * ned, sizeof *uu, cmp_u32);
        for (size_t i = 0; i < 2 * ned; i++)
            if (nu == 0 || uu[i] != uu[nu - 1])
                uu[nu++] = uu[i];
    }
    leader = malloc((nu ? nu : 1) * sizeof *leader);
    ndoc = malloc((nu ? nu : 1) * sizeof *ndoc);
    fbest = malloc((nu ? nu : 1) * sizeof *fbest);
    parent = malloc((nu ? nu : 1) * sizeof *parent);
    if (!uu || !both || !leader || !ndoc || !fbest || !parent)
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    if (j)
        rc = j->agree(j->arg, rc);
    if (rc != OVL_OK)
        goto done;
    for (size_t u = 0; u < nu; u++) {
        size_t lo, hi;
        unit_docs(rd, nrd, uu[u], &lo, &hi);
        ndoc[u] = (uint32_t)(hi - lo);
        parent[u] = leader[u] = (uint32_t)u;
        fbest[u] = (u32pair){UINT32_MAX, 0};
    }
    for (size_t i = 0; i < ned; i++) {
        size_t lx, hx, ly, hy;
        unit_docs(rd, nrd, ed[i].x, &lx, &hx);
        unit_docs(rd, nrd, ed[i].y, &ly, &hy);
        both[i] = (uint32_t)docs_both(rd, lx, hx, ly, hy);
        /* (The pair's units by their compact numbers from here on.) */
        ed[i].x = (uint32_t)ovl__first_at(uu, nu, ed[i].x);
        ed[i].y = (uint32_t)ovl__first_at(uu, nu, ed[i].y);
    }
    if (j && ((rc = j->sum(j->arg, ndoc, nu)) != OVL_OK || (rc = j->sum(j->arg, both, ned)) != OVL_OK))
        goto done;
    k = 0;
    for (size_t i = 0; i < ned; i++) {
        uint32_t times = ed[i].n;
        /* A fragment's text: one beside it in most of its documents (a text whose windows
         * are all variants, cut differently from copy to copy, is no fragment of the text
         * it sometimes follows); the one beside it most often, then the one in more
         * documents. */
        for (int side = 0; side < 2; side++) {
            uint32_t f = side ? ed[i].y : ed[i].x, t = side ? ed[i].x : ed[i].y;
            if (!frag[uu[f]] || frag[uu[t]] || (double)both[i] < FAMILY_SAME_DOCS * (double)ndoc[f])
                continue;
            u32pair *b = &fbest[f];
            if (b->x == UINT32_MAX || times > b->y || (times == b->y && ndoc[t] > ndoc[b->x]))
                *b = (u32pair){t, times};
        }
        if (frag[uu[ed[i].x]] || frag[uu[ed[i].y]])
            continue; /* joined below, to one text only */
        if (same_docs(both[i], ndoc[ed[i].x], ndoc[ed[i].y]))
            ed[k++] = (ovl__fedge){ed[i].x, ed[i].y, both[i]};
    }
    ned = k;
    /* Strongest links first; a link joins two families only when their leaders (each
     * family's unit in most documents) pass the same test, so that a chain of units, each
     * like the next, does not make one family of texts that are not alike (the templates
     * of a tool's pages, one after the other, into every licence some page sits beside). */
    if (ned > 1)
        qsort(ed, ned, sizeof *ed, cmp_fedge);
    for (size_t i = 0; i < ned; i++) {
        uint32_t rx = ovl__uf_find(parent, ed[i].x), ry = ovl__uf_find(parent, ed[i].y);
        if (rx == ry)
            continue;
        uint32_t lx = leader[rx], ly = leader[ry];
        if (lx != ed[i].x || ly != ed[i].y) {
            size_t a0, a1, b0, b1;
            unit_docs(rd, nrd, uu[lx], &a0, &a1);
            unit_docs(rd, nrd, uu[ly], &b0, &b1);
            uint32_t lb = (uint32_t)docs_both(rd, a0, a1, b0, b1);
            if (j && (rc = j->sum(j->arg, &lb, 1)) != OVL_OK)
                goto done;
            if (!same_docs(lb, ndoc[lx], ndoc[ly]))
                continue;
        }
        uint32_t lead = ndoc[lx] > ndoc[ly] || (ndoc[lx] == ndoc[ly] && lx < ly) ? lx : ly;
        ovl__uf_union(parent, rx, ry);
        leader[ovl__uf_find(parent, rx)] = lead;
    }
    /* A fragment (a window that shares a key or two with others but is no text of its own,
     * most often one running into a text from what comes before it) joins the text beside
     * it: only one, so it joins no two texts. */
    for (size_t u = 0; u < nu; u++) {
        if (fbest[u].x == UINT32_MAX)
            continue;
        uint32_t rt = ovl__uf_find(parent, fbest[u].x), lead = leader[rt];
        ovl__uf_union(parent, (uint32_t)u, rt);
        leader[ovl__uf_find(parent, rt)] = lead;
    }
    out->unit = uu;
    out->parent = parent;
    out->n = nu;
    uu = parent = NULL;
done:
    free(fbest);
    free(rd);
    free(ed);
    free(both);
    free(leader);
    free(ndoc);
    free(uu);
    free(parent);
    return rc;
}

/* A text cut into pieces that other texts share: the MIT grant of permission followed by the
 * Expat disclaimer in some documents and by the X11 one in others, the BSD conditions by one
 * of several disclaimers, the GPL's warranty paragraph after the GPL-2 notice's first
 * paragraph in some documents and after the GPL-3 one's in others. The shared piece is in
 * too many documents for either neighbour to reach FAMILY_SAME_DOCS of them, so the pieces
 * stay families of their own (and fill the top of the report). They are joined occurrence by
 * occurrence instead: a text is bound to a neighbour when it sits beside it in at least
 * FAMILY_PART_SHARE (two thirds) of its own documents, and a piece is a part when in that
 * share of its documents a text bound to it sits beside it (it hardly stands alone). In a
 * document, a run of touching spans (at most FAMILY_GAP tokens apart) grows by a span of a
 * text already in it, or of a text bound to a part in it, or of a part a text in it is bound
 * to; the run is one occurrence of the text its first piece longer than a field belongs to
 * (a text is known by its beginning: the GPL-2 and GPL-3 notices by their first paragraphs,
 * which differ, the MIT and BSD licences by the grant and the conditions they share; a
 * heading of a few tokens that a template puts before its text in some pages names
 * nothing). A text beside another in half of its documents and alone in the rest is no
 * part: it stays a family of its own, and so does what follows it. On the English
 * documentation corpus a licence's paragraphs sit beside each other in 0.73 to 1.0 of the
 * bound paragraph's documents, unrelated texts in at most 0.5. */
#define FAMILY_PART_SHARE_NUM 2
#define FAMILY_PART_SHARE_DEN 3
/* A run's span is checked against the last this many texts of the run. */
#define FAMILY_RUN_TEXTS 64

static int share_most(size_t n, size_t of)
{
    return (uint64_t)FAMILY_PART_SHARE_DEN * n >= (uint64_t)FAMILY_PART_SHARE_NUM * of;
}

void ovl__fkins_free(ovl__fkins *k)
{
    if (!k)
        return;
    free(k->unit);
    free(k->kin);
    memset(k, 0, sizeof *k);
}

/* (A unit's kin is wanted when it is a root alike another.) */
#define KIN_KEPT(kin, up, u) ((kin)[u] != (u) && (!(up) || (up)[u] == (u)))

int ovl__fkins_from(const uint32_t *kin, const uint32_t *up, size_t nunits, ovl__fkins *out)
{
    size_t n = 0;
    memset(out, 0, sizeof *out);
    for (size_t u = 0; kin && u < nunits; u++)
        n += KIN_KEPT(kin, up, u);
    out->unit = malloc((n ? n : 1) * sizeof *out->unit);
    out->kin = malloc((n ? n : 1) * sizeof *out->kin);
    if (!out->unit || !out->kin) {
        ovl__fkins_free(out);
        return -1;
    }
    for (size_t u = 0; kin && u < nunits; u++)
        if (KIN_KEPT(kin, up, u)) {
            out->unit[out->n] = (uint32_t)u;
            out->kin[out->n++] = kin[u];
        }
    return 0;
}

static uint32_t kin_of(const ovl__fkins *k, uint32_t t)
{
    size_t i = k ? ovl__first_at(k->unit, k->n, t) : 0;
    return k && i < k->n && k->unit[i] == t ? k->kin[i] : t;
}

/* Where v is in the increasing a[0, n), or SIZE_MAX. */
static size_t pos_in(const uint32_t *a, size_t n, uint32_t v)
{
    size_t i = ovl__first_at(a, n, v);
    return i < n && a[i] == v ? i : SIZE_MAX;
}

typedef struct adjrec {
    uint32_t x, y, doc; /* text x sits beside kin y in document doc */
} adjrec;

static int cmp_adjrec(const void *a, const void *b)
{
    const adjrec *p = a, *q = b;
    int c = cmp_xy(p->x, p->y, q->x, q->y);
    return c ? c : (p->doc > q->doc) - (p->doc < q->doc);
}

/* (y, x, doc) order: a kin's neighbours together. */
static int cmp_adjrec_yx(const void *a, const void *b)
{
    const adjrec *p = a, *q = b;
    int c = cmp_xy(p->y, p->x, q->y, q->x);
    return c ? c : (p->doc > q->doc) - (p->doc < q->doc);
}

/* Text h is bound to kin p (pr: the pairs met, n whether bound). */
static int bound_to(const ovl__fedge *pr, size_t npr, uint32_t h, uint32_t p)
{
    ovl__fedge key = {h, p, 0};
    const ovl__fedge *f = bsearch(&key, pr, npr, sizeof *pr, cmp_fedge_xy);
    return f && f->n;
}

/* A text of a run: its kin and whether that is a part. */
typedef struct runtext {
    uint32_t t, k;
    unsigned char part;
} runtext;

/* (src/family.h.) The counts are sums over documents (the documents of a text and of a kin,
 * those where a text sits beside a kin, those where a bound text does), so each process
 * counts over its own and j adds them up; only the texts and kins met side by side are
 * counted, so nothing is held for the others (a text with no pair is bound to nothing). The
 * runs are then taken in each process's documents alike. */
int ovl__fspans_join_parts(ovl_ctx *ctx, ovl__fspans *s, const ovl__fkins *kins, const ovl__fjoin *j)
{
    const ovl__famspan *sp = s->spans;
    uint32_t *text = s->text;
    size_t nspans = s->n;
    uint32_t *kn = malloc((nspans ? nspans : 1) * sizeof *kn); /* per span: its text's kin */
    adjrec *rec = NULL;
    ovl__fedge *pr = NULL;              /* (text, kin) met side by side; n: documents, then bound */
    uint32_t *xs = NULL, *ys = NULL;    /* the texts and the kins of pr, ascending */
    uint32_t *cnt = NULL, *last = NULL; /* documents per text of xs, per kin of ys; then per kin,
                                           those where a bound text sits beside it */
    unsigned char *part = NULL;         /* per kin of ys */
    uint32_t *docs = NULL;
    runtext *mem = NULL;
    size_t nrec = 0, caprec = 0, npr = 0, nx = 0, ny = 0, capdocs = 0, capmem = 0;
    int rc = OVL_OK;
    if (!kn)
        goto nomem;
    for (size_t x = 0; x < nspans; x++)
        kn[x] = kin_of(kins, text[x]);
    for (size_t x = 1; x < nspans; x++)
        if (sp[x - 1].doc == sp[x].doc && kn[x - 1] != kn[x] &&
            sp[x].tok_start <= sp[x - 1].tok_end + FAMILY_GAP) {
            if (ovl__grow(&rec, &caprec, nrec + 2, sizeof *rec) != 0)
                goto nomem;
            rec[nrec++] = (adjrec){text[x - 1], kn[x], sp[x].doc};
            rec[nrec++] = (adjrec){text[x], kn[x - 1], sp[x].doc};
        }
    if (nrec > 1)
        qsort(rec, nrec, sizeof *rec, cmp_adjrec);
    size_t k = 0;
    for (size_t i = 0; i < nrec; i++)
        if (k == 0 || cmp_adjrec(&rec[i], &rec[k - 1]) != 0)
            rec[k++] = rec[i];
    nrec = k;
    if (!(pr = malloc((nrec ? nrec : 1) * sizeof *pr)))
        goto nomem;
    for (size_t i = 0; i < nrec; i++) {
        if (npr && pr[npr - 1].x == rec[i].x && pr[npr - 1].y == rec[i].y)
            pr[npr - 1].n++;
        else
            pr[npr++] = (ovl__fedge){rec[i].x, rec[i].y, 1};
    }
    goto counted;
nomem:
    rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
counted:
    /* (Every process comes here: from now on each step is taken by all of them.) */
    if (j && (rc = j->agree(j->arg, rc)) == OVL_OK)
        rc = j->edges(j->arg, &pr, &npr);
    if (rc != OVL_OK || npr == 0)
        goto done;
    xs = malloc(npr * sizeof *xs);
    ys = malloc(npr * sizeof *ys);
    if (xs && ys) {
        for (size_t i = 0; i < npr; i++) {
            if (nx == 0 || xs[nx - 1] != pr[i].x)
                xs[nx++] = pr[i].x; /* (pr is sorted by text) */
            ys[i] = pr[i].y;
        }
        qsort(ys, npr, sizeof *ys, cmp_u32);
        for (size_t i = 0; i < npr; i++)
            if (ny == 0 || ys[i] != ys[ny - 1])
                ys[ny++] = ys[i];
    }
    cnt = calloc(nx + 2 * ny, sizeof *cnt);
    last = malloc((nx + ny) * sizeof *last);
    part = calloc(ny ? ny : 1, 1);
    if (!xs || !ys || !cnt || !last || !part)
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    if (j)
        rc = j->agree(j->arg, rc);
    if (rc != OVL_OK)
        goto done;
    uint32_t *ndoc = cnt, *kdoc = cnt + nx, *pdoc = cnt + nx + ny;
    for (size_t i = 0; i < nx + ny; i++)
        last[i] = UINT32_MAX;
    for (size_t x = 0; x < nspans; x++) { /* (in document order: a document once) */
        size_t a = pos_in(xs, nx, text[x]), b = pos_in(ys, ny, kn[x]);
        if (a != SIZE_MAX && last[a] != sp[x].doc)
            last[a] = sp[x].doc, ndoc[a]++;
        if (b != SIZE_MAX && last[nx + b] != sp[x].doc)
            last[nx + b] = sp[x].doc, kdoc[b]++;
    }
    if (j && (rc = j->sum(j->arg, cnt, nx + ny)) != OVL_OK)
        goto done;
    /* A text is bound to a kin when it sits beside it in most of its documents. */
    for (size_t i = 0, a = 0; i < npr; i++) {
        while (xs[a] != pr[i].x)
            a++; /* (xs: pr's texts in its order) */
        pr[i].n = (uint32_t)share_most(pr[i].n, ndoc[a]);
    }
    /* A part (a kin): in most of its documents a text bound to it sits beside it. */
    if (nrec > 1)
        qsort(rec, nrec, sizeof *rec, cmp_adjrec_yx);
    for (size_t i = 0; i < nrec;) {
        uint32_t y = rec[i].y;
        size_t nd = 0;
        for (; i < nrec && rec[i].y == y; i++) {
            if (!bound_to(pr, npr, rec[i].x, y))
                continue;
            if (ovl__grow(&docs, &capdocs, nd + 1, sizeof *docs) != 0) {
                rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
                break;
            }
            docs[nd++] = rec[i].doc;
        }
        if (rc != OVL_OK)
            break;
        if (nd > 1)
            qsort(docs, nd, sizeof *docs, cmp_u32);
        size_t distinct = 0;
        for (size_t d = 0; d < nd; d++)
            if (d == 0 || docs[d] != docs[d - 1])
                distinct++;
        pdoc[pos_in(ys, ny, y)] = (uint32_t)distinct;
    }
    if (j && (rc = j->agree(j->arg, rc)) == OVL_OK)
        rc = j->sum(j->arg, pdoc, ny);
    if (rc != OVL_OK)
        goto done;
    for (size_t b = 0; b < ny; b++)
        part[b] = (unsigned char)share_most(pdoc[b], kdoc[b]);
    /* Runs of touching spans, each one occurrence of the text that begins it. */
    for (size_t x = 0; x < nspans;) {
        size_t e = x + 1, nmem = 1, b = pos_in(ys, ny, kn[x]);
        uint32_t end = sp[x].tok_end;
        if (ovl__grow(&mem, &capmem, 1, sizeof *mem) != 0)
            goto nomem_runs;
        mem[0] = (runtext){text[x], kn[x], b != SIZE_MAX && part[b]};
        for (; e < nspans && sp[e].doc == sp[x].doc && sp[e].tok_start <= end + FAMILY_GAP; e++) {
            uint32_t y = text[e], ky = kn[e];
            size_t by = pos_in(ys, ny, ky);
            unsigned char party = by != SIZE_MAX && part[by];
            int in = 0;
            /* The texts met last: a run of thousands of texts (a long changelog) costs no
             * more per span than a licence's few. */
            size_t m0 = nmem > FAMILY_RUN_TEXTS ? nmem - FAMILY_RUN_TEXTS : 0, m;
            for (m = m0; m < nmem && !in; m++) {
                uint32_t km = mem[m].k;
                in = mem[m].t == y || (km != ky && ((mem[m].part && bound_to(pr, npr, y, km)) ||
                                                    (party && bound_to(pr, npr, mem[m].t, ky))));
            }
            if (!in)
                break;
            for (m = m0; m < nmem && mem[m].t != y;)
                m++;
            if (m == nmem) {
                if (ovl__grow(&mem, &capmem, nmem + 1, sizeof *mem) != 0)
                    goto nomem_runs;
                mem[nmem++] = (runtext){y, ky, party};
            }
            if (sp[e].tok_end > end)
                end = sp[e].tok_end;
        }
        /* Its first piece longer than a field names it. */
        size_t first = x;
        while (first < e && sp[first].tok_end - sp[first].tok_start <= FAMILY_GAP)
            first++;
        uint32_t t = text[first < e ? first : x];
        for (size_t z = x; z < e; z++)
            text[z] = t;
        x = e;
    }
    goto done;
nomem_runs:
    rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
done:
    free(kn);
    free(rec);
    free(pr);
    free(xs);
    free(ys);
    free(cnt);
    free(last);
    free(part);
    free(docs);
    free(mem);
    return rc;
}

/* Recurring chunks with the same frequent keys hold the same text: a class. A class is a text
 * of its own when it holds at least half of the documents of its rarest key (and has most of
 * its keys frequent); otherwise it is a variant (a copy with a word changed, a window running
 * into other text) whose other keys are rare, and it belongs to the text it shares most keys
 * with. So a variant in more than --max-df documents (the GPL-3 notice beside the GPL-2
 * one) is a text of its own, one in fewer (a copy with its program's name in it) is not. */
typedef struct tclass {
    uint32_t docs; /* documents holding it */
    uint32_t up;   /* the class it is a variant of; itself for a root */
    unsigned own;  /* a text of its own */
} tclass;

/* Class a comes before b as the text a variant belongs to: texts of their own first, then
 * more documents, then the first met. */
static int class_ahead(const tclass *c, uint32_t a, uint32_t b)
{
    if (c[a].own != c[b].own)
        return c[a].own > c[b].own;
    if (c[a].docs != c[b].docs)
        return c[a].docs > c[b].docs;
    return a < b;
}

size_t ovl__groups_shared(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    size_t n = 0;
    for (size_t p = 0, q = 0; p < na && q < nb;) {
        if (a[p] == b[q])
            n++, p++, q++;
        else if (a[p] < b[q])
            p++;
        else
            q++;
    }
    return n;
}

/* Key groups classes x and y share. */
static size_t groups_shared(const ovl__fclasses *fc, uint32_t x, uint32_t y)
{
    const size_t *goff = fc->goff;
    return ovl__groups_shared(fc->gl + goff[x], goff[x + 1] - goff[x], fc->gl + goff[y], goff[y + 1] - goff[y]);
}

void ovl__fclasses_free(ovl__fclasses *fc)
{
    if (!fc)
        return;
    free(fc->docs);
    free(fc->goff);
    free(fc->gl);
    memset(fc, 0, sizeof *fc);
}

/* kin[k] for the classes of fc resolved into cl (see ovl__fclasses_roots). */
static int classes_kin(const ovl__fclasses *fc, const tclass *cl, uint32_t *kin)
{
    size_t ncls = fc->n, nr = 0, np = 0, capp = 0;
    u32pair *gr = NULL, *pairs = NULL; /* (key group, root of its own); then (root, root) */
    for (size_t k = 0; k < ncls; k++)
        kin[k] = (uint32_t)k;
    for (size_t k = 0; k < ncls; k++)
        if (cl[k].up == k && cl[k].own)
            nr += fc->goff[k + 1] - fc->goff[k];
    if (nr == 0)
        return 0;
    if (!(gr = malloc(nr * sizeof *gr)))
        return -1;
    nr = 0;
    for (size_t k = 0; k < ncls; k++)
        if (cl[k].up == k && cl[k].own)
            for (size_t p = fc->goff[k]; p < fc->goff[k + 1]; p++)
                gr[nr++] = (u32pair){fc->gl[p], (uint32_t)k};
    if (nr > 1)
        qsort(gr, nr, sizeof *gr, cmp_u32pair);
    for (size_t a = 0, b; a < nr; a = b) {
        for (b = a + 1; b < nr && gr[b].x == gr[a].x;)
            b++;
        if (b - a > OVL__FAMILY_KIN_GROUP_MAX)
            continue;
        for (size_t i = a; i < b; i++)
            for (size_t j = i + 1; j < b; j++) {
                if (ovl__grow(&pairs, &capp, np + 1, sizeof *pairs) != 0) {
                    free(gr);
                    free(pairs);
                    return -1;
                }
                pairs[np++] = (u32pair){gr[i].y, gr[j].y};
            }
    }
    free(gr);
    if (np > 1)
        qsort(pairs, np, sizeof *pairs, cmp_u32pair);
    for (size_t a = 0, b; a < np; a = b) {
        for (b = a + 1; b < np && pairs[b].x == pairs[a].x && pairs[b].y == pairs[a].y;)
            b++;
        uint32_t x = pairs[a].x, y = pairs[a].y;
        size_t nx = fc->goff[x + 1] - fc->goff[x], ny = fc->goff[y + 1] - fc->goff[y];
        if (2 * (b - a) >= (nx < ny ? nx : ny))
            ovl__uf_union(kin, x, y);
    }
    free(pairs);
    for (size_t k = 0; k < ncls; k++)
        kin[k] = ovl__uf_find(kin, cl[k].up);
    return 0;
}

int ovl__fclasses_roots(ovl_ctx *ctx, const ovl__fclasses *fc, const uint32_t *gdocs, size_t ngroups, uint32_t *up,
                        unsigned char *own, uint32_t *kin)
{
    size_t ncls = fc->n;
    const size_t *goff = fc->goff;
    const uint32_t *gl = fc->gl;
    uint32_t *owner = malloc((ngroups ? ngroups : 1) * sizeof *owner);
    tclass *cl = malloc((ncls ? ncls : 1) * sizeof *cl);
    if (!owner || !cl) {
        free(owner);
        free(cl);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    }
    for (size_t k = 0; k < ncls; k++)
        cl[k] = (tclass){fc->docs[k], (uint32_t)k, 0};
    /* A text of its own also has most of its keys frequent (at least half as many as the
     * chunk with most): a window sharing a band key or two with others is no such text. */
    size_t maxkeys = 0;
    for (size_t k = 0; k < ncls; k++)
        if (goff[k + 1] - goff[k] > maxkeys)
            maxkeys = goff[k + 1] - goff[k];
    for (size_t k = 0; k < ncls; k++) {
        uint32_t rare = UINT32_MAX;
        for (size_t p = goff[k]; p < goff[k + 1]; p++)
            if (gdocs[gl[p]] < rare)
                rare = gdocs[gl[p]];
        cl[k].own = 2 * (uint64_t)cl[k].docs >= rare && 2 * (goff[k + 1] - goff[k]) >= maxkeys;
    }
    /* Each key's owner: the class before all others holding it. A variant belongs to the
     * owner of one of its keys with which it shares most keys: the owner comes before it,
     * so following up ends. */
    for (size_t g = 0; g < ngroups; g++)
        owner[g] = UINT32_MAX;
    for (size_t k = 0; k < ncls; k++)
        for (size_t p = goff[k]; p < goff[k + 1]; p++)
            if (owner[gl[p]] == UINT32_MAX || class_ahead(cl, (uint32_t)k, owner[gl[p]]))
                owner[gl[p]] = (uint32_t)k;
    for (size_t k = 0; k < ncls; k++) {
        if (cl[k].own)
            continue;
        uint32_t best = (uint32_t)k;
        size_t bestn = 0;
        for (size_t p = goff[k]; p < goff[k + 1]; p++) {
            uint32_t o = owner[gl[p]];
            if (o == k || o == best)
                continue;
            size_t n = groups_shared(fc, (uint32_t)k, o);
            if (n > bestn || (n == bestn && class_ahead(cl, o, best)))
                best = o, bestn = n;
        }
        cl[k].up = best;
    }
    for (size_t k = 0; k < ncls; k++) {
        uint32_t x = (uint32_t)k;
        while (cl[x].up != x)
            x = cl[x].up;
        for (uint32_t y = (uint32_t)k; cl[y].up != x && y != x;) {
            uint32_t z = cl[y].up;
            cl[y].up = x;
            y = z;
        }
    }
    for (size_t k = 0; k < ncls; k++) {
        up[k] = cl[k].up;
        own[k] = (unsigned char)cl[k].own;
    }
    int bad = kin && classes_kin(fc, cl, kin) != 0;
    free(owner);
    free(cl);
    return bad ? ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory") : OVL_OK;
}

/* The classes of rk's recurring chunks, numbered as first met, document after document
 * (originals only): cls[c] the class of chunk c (UINT32_MAX for none), *fc each class's
 * documents and key groups. */
static int chunk_classes(ovl_ctx *ctx, const ovl__fkeys *rk, const uint32_t *copy_of, uint32_t *cls,
                         ovl__fclasses *fc)
{
    ovl__fctab t = {0};
    int rc = OVL_OK;
    memset(fc, 0, sizeof *fc);
    for (size_t c = 0; c < rk->n; c++)
        cls[c] = UINT32_MAX;
    for (size_t d = 0; d < rk->ndocs && rc == OVL_OK; d++) {
        if (copy_of[d] != d)
            continue;
        for (size_t c = rk->first[d]; c < rk->first[d + 1] && rc == OVL_OK; c++) {
            size_t a = rk->goff[c], b = rk->goff[c + 1];
            if (a < b)
                rc = ovl__fctab_meet(ctx, &t, rk->gl + a, b - a, (uint32_t)d, rk->off[c], &cls[c]);
        }
    }
    /* The table's key groups become fc's as they are (its classes are numbered as first met). */
    if (rc == OVL_OK) {
        fc->docs = malloc((t.n ? t.n : 1) * sizeof *fc->docs);
        fc->goff = t.goff ? t.goff : calloc(1, sizeof *fc->goff);
        fc->gl = t.gl;
        t.goff = NULL;
        t.gl = NULL;
        if (!fc->docs || !fc->goff) {
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
            ovl__fclasses_free(fc);
        } else {
            fc->n = t.n;
            for (size_t k = 0; k < t.n; k++)
                fc->docs[k] = t.c[k].docs;
        }
    }
    ovl__fctab_free(&t);
    return rc;
}

/* (A group's records of one document are next to each other: the records are sorted by
 * (key_group, doc), so a document is counted when it changes.) */
int ovl__group_docs(ovl_ctx *ctx, const ovl_recurring *v, size_t n, uint32_t **gdocs, size_t *ng)
{
    size_t g = 0;
    for (size_t x = 0; x < n; x++)
        g += x == 0 || v[x].key_group != v[x - 1].key_group;
    *ng = 0;
    if (!(*gdocs = calloc(g ? g : 1, sizeof **gdocs)))
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    *ng = g;
    for (size_t x = 0, k = 0; x < n; x++) {
        int newg = x == 0 || v[x].key_group != v[x - 1].key_group;
        if (x && newg)
            k++;
        if (newg || v[x].doc != v[x - 1].doc)
            (*gdocs)[k]++;
    }
    return OVL_OK;
}

int ovl__fkeys_from_records(ovl_ctx *ctx, const ovl__cfp *cfp, size_t ndocs, ovl__fkeys *k)
{
    size_t nrec = cfp->nrec;
    uint32_t *rci = NULL; /* per record: its recurring chunk */
    int rc;
    memset(k, 0, sizeof *k);
    k->ndocs = ndocs;
    if ((rc = ovl__group_docs(ctx, cfp->rec, nrec, &k->gdocs, &k->ngroups)) != OVL_OK)
        goto done;
    if ((rc = recurring_chunks(ctx, cfp, ndocs, k, &rci)) != OVL_OK)
        goto done;
    size_t nrk = k->n;
    k->goff = calloc(nrk + 1, sizeof *k->goff); /* records may pass 2^32 at 1 TB */
    k->info = malloc((nrk ? nrk : 1) * sizeof *k->info);
    if (!k->goff || !k->info) {
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    for (size_t x = 0; x < nrec; x++) {
        int newg = x == 0 || cfp->rec[x].key_group != cfp->rec[x - 1].key_group;
        uint32_t ci = rci[x];
        if (ci != UINT32_MAX && !newg && rci[x - 1] == ci)
            ci = UINT32_MAX; /* the same chunk twice under one key */
        rci[x] = ci;
        if (ci != UINT32_MAX)
            k->goff[ci + 1]++;
    }
    for (size_t i = 0; i < nrk; i++)
        k->goff[i + 1] += k->goff[i];
    if (!(k->gl = malloc((k->goff[nrk] ? k->goff[nrk] : 1) * sizeof *k->gl))) {
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    /* Records come by key group, so each chunk's list is sorted. */
    for (size_t x = 0, g = 0; x < nrec; x++) {
        if (x && cfp->rec[x].key_group != cfp->rec[x - 1].key_group)
            g++;
        if (rci[x] != UINT32_MAX)
            k->gl[k->goff[rci[x]]++] = (uint32_t)g;
    }
    for (size_t i = nrk; i > 0; i--)
        k->goff[i] = k->goff[i - 1];
    k->goff[0] = 0;
    for (size_t d = 0; d < ndocs; d++)
        for (uint32_t c = k->first[d]; c < k->first[d + 1]; c++)
            k->info[c] = cfp->chunks[cfp->docs[d].first_chunk + k->off[c]];
done:
    free(rci);
    if (rc != OVL_OK)
        ovl__fkeys_free(k);
    return rc;
}

int ovl__families_build(ovl_ctx *ctx, const ovl__cfp *cfp, size_t ndocs, ovl__families *out)
{
    ovl__fkeys k;
    memset(out, 0, sizeof *out);
    int rc = ovl__fkeys_from_records(ctx, cfp, ndocs, &k);
    if (rc == OVL_OK)
        rc = ovl__families_from_keys(ctx, &k, cfp->copy_of, out);
    ovl__fkeys_free(&k);
    return rc;
}

/* A recurring chunk holds several frequent keys (one per band whose rows it shares with other
 * documents). Joining chunks by a shared key, or by the keys held by not many more documents
 * than their rarest (the way before), made one family of texts that differ in a word or two:
 * the GPL-2 and GPL-3 notices' windows share 12 of their 16 keys. Copies of one text have all
 * the same keys, so the chunks with the same set of frequent keys are one text (a class); a
 * copy with a word changed keeps some of its keys and gets rare ones for the others, and is
 * put with the text whose keys it has (ovl__fclasses_roots). */
int ovl__families_from_keys(ovl_ctx *ctx, const ovl__fkeys *rk, const uint32_t *copy_of, ovl__families *out)
{
    ovl__fclasses fc;
    ovl__funits u = {rk->ndocs, rk->first, rk->off, rk->info, NULL, NULL, rk->n, NULL, 0, NULL};
    uint32_t *up = NULL, *kin = NULL;
    ovl__fkins kins;
    memset(&kins, 0, sizeof kins);
    memset(out, 0, sizeof *out);
    u.unit = malloc((rk->n ? rk->n : 1) * sizeof *u.unit);
    u.pure = calloc(rk->n ? rk->n : 1, 1);
    if (!u.unit || !u.pure) {
        free(u.unit);
        free(u.pure);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    }
    int rc = chunk_classes(ctx, rk, copy_of, u.unit, &fc);
    if (rc == OVL_OK) {
        up = malloc((fc.n ? fc.n : 1) * sizeof *up);
        u.frag = malloc(fc.n ? fc.n : 1);
        kin = malloc((fc.n ? fc.n : 1) * sizeof *kin);
        if (!up || !u.frag || !kin)
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    }
    if (rc == OVL_OK)
        rc = ovl__fclasses_roots(ctx, &fc, rk->gdocs, rk->ngroups, up, u.frag, kin);
    if (rc == OVL_OK && ovl__fkins_from(kin, up, fc.n, &kins) != 0)
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    u.kins = &kins;
    if (rc == OVL_OK) {
        for (size_t c = 0; c < rk->n; c++)
            if (u.unit[c] != UINT32_MAX) {
                u.pure[c] = u.frag[u.unit[c]];
                u.unit[c] = up[u.unit[c]];
            }
        /* (frag held each class's own until here) */
        for (size_t k = 0; k < fc.n; k++)
            u.frag[k] = up[k] == k && !u.frag[k];
        u.nunits = fc.n;
        rc = ovl__families_from_units(ctx, &u, copy_of, out);
    }
    ovl__fclasses_free(&fc);
    free(up);
    free(u.unit);
    free(u.pure);
    free(u.frag);
    free(kin);
    ovl__fkins_free(&kins);
    return rc;
}

void ovl__fspans_free(ovl__fspans *s)
{
    if (!s)
        return;
    free(s->spans);
    free(s->text);
    free(s->clean);
    memset(s, 0, sizeof *s);
}

/* Spans: runs of overlapping recurring chunks of one family in one document (chunks next to
 * each other: a chunk between them that no record names ends the run). */
int ovl__funits_spans(ovl_ctx *ctx, const ovl__funits *rk, const uint32_t *copy_of, ovl__ftexts *t,
                      ovl__fspans *out)
{
    const uint32_t *unit = rk->unit;
    size_t cap = 0, capt = 0, capcl = 0;
    memset(out, 0, sizeof *out);
    for (size_t d = 0; d < rk->ndocs; d++) {
        if (copy_of[d] != d)
            continue;
        uint32_t c1 = rk->first[d + 1];
        for (uint32_t c = rk->first[d]; c < c1;) {
            if (unit[c] == UINT32_MAX) {
                c++;
                continue;
            }
            uint32_t e = c + 1;
            uint32_t root = ovl__ftexts_root(t, unit[c]);
            const ovl__chunkinfo *cc = &rk->info[c];
            uint32_t tend = cc->tok_end, cend = cc->char_end;
            unsigned char clean = rk->pure[c];
            while (e < c1 && rk->off[e] == rk->off[e - 1] + 1 && unit[e] != UINT32_MAX &&
                   rk->info[e].tok_start <= tend &&
                   ovl__ftexts_root(t, unit[e]) == root) {
                const ovl__chunkinfo *ce = &rk->info[e];
                clean &= rk->pure[e];
                if (ce->tok_end > tend) {
                    tend = ce->tok_end;
                    cend = ce->char_end;
                }
                e++;
            }
            if (ovl__grow(&out->spans, &cap, out->n + 1, sizeof *out->spans) != 0 ||
                ovl__grow(&out->text, &capt, out->n + 1, sizeof *out->text) != 0 ||
                ovl__grow(&out->clean, &capcl, out->n + 1, 1) != 0) {
                ovl__fspans_free(out);
                return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
            }
            out->text[out->n] = root;
            out->clean[out->n] = clean;
            out->spans[out->n++] = (ovl__famspan){(uint32_t)d, cc->tok_start, tend, cc->char_start, cend};
            c = e;
        }
    }
    return OVL_OK;
}

static uint32_t copies_at(const void *arg, uint32_t doc)
{
    return ((const uint32_t *)arg)[doc];
}

int ovl__families_from_units(ovl_ctx *ctx, const ovl__funits *rk, const uint32_t *copy_of, ovl__families *out)
{
    ovl__fspans sp;
    memset(out, 0, sizeof *out);
    memset(&sp, 0, sizeof sp);
    ovl__ftexts t;
    uint32_t *copies = ovl__copy_counts(copy_of, rk->ndocs);
    if (!copies)
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    /* Neighbouring recurring chunks of one document (a licence's paragraphs) are one text
     * when mostly the same documents hold their units. */
    int rc = ovl__funits_join(ctx, rk, copy_of, NULL, &t);
    if (rc == OVL_OK)
        rc = ovl__funits_spans(ctx, rk, copy_of, &t, &sp);
    ovl__ftexts_free(&t);
    if (rc == OVL_OK)
        rc = ovl__fspans_join_parts(ctx, &sp, rk->kins, NULL);
    if (rc == OVL_OK)
        rc = ovl__families_from_spans(ctx, &sp, rk->ndocs, rk->nunits, copies_at, copies, out);
    ovl__fspans_free(&sp);
    free(copies);
    return rc;
}

/* Piece sp is part of occurrence last of its text when it is in last's document a few tokens
 * after it (the text with its fields); last then reaches the further end. */
static int occurrence_takes(ovl__famspan *last, const ovl__famspan *sp)
{
    if (last->doc != sp->doc || sp->tok_start > last->tok_end + FAMILY_GAP)
        return 0;
    if (sp->tok_end > last->tok_end) {
        last->tok_end = sp->tok_end;
        last->char_end = sp->char_end;
    }
    return 1;
}

int ovl__fspans_occurrences(ovl_ctx *ctx, ovl__fspans *s)
{
    /* A document's texts met so far and their last occurrence: open addressing, cleared per
     * document (a long changelog's thousands of spans cost no more each than a licence's). */
    typedef struct {
        uint32_t t, at;
    } lastocc;
    lastocc *h = NULL;
    size_t cap = 0, o = 0;
    for (size_t x = 0; x < s->n;) {
        size_t e = x;
        while (e < s->n && s->spans[e].doc == s->spans[x].doc)
            e++;
        size_t need = 16;
        while (need < 2 * (e - x))
            need <<= 1;
        if (need > cap) {
            lastocc *nh = realloc(h, need * sizeof *h);
            if (!nh) {
                free(h);
                return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
            }
            h = nh;
            cap = need;
        }
        for (size_t i = 0; i < need; i++)
            h[i].t = UINT32_MAX;
        for (size_t y = x; y < e; y++) {
            uint32_t t = s->text[y];
            size_t i = (size_t)((t * 2654435761u) & (uint32_t)(need - 1));
            while (h[i].t != UINT32_MAX && h[i].t != t)
                i = (i + 1) & (need - 1);
            if (h[i].t == t && occurrence_takes(&s->spans[h[i].at], &s->spans[y])) {
                s->clean[h[i].at] &= s->clean[y];
                continue;
            }
            h[i] = (lastocc){t, (uint32_t)o};
            s->spans[o] = s->spans[y];
            s->text[o] = t;
            s->clean[o++] = s->clean[y];
        }
        x = e;
    }
    free(h);
    s->n = o;
    return OVL_OK;
}

/* An occurrence by its place in its document (the bounds' order when a document's are not in it). */
typedef struct obound {
    uint32_t tok_start, tok_end;
    size_t x;
} obound;

static int cmp_obound(const void *a, const void *b)
{
    const obound *p = a, *q = b;
    return cmp_xy(p->tok_start, p->tok_end, q->tok_start, q->tok_end);
}

/* A document's occurrences occ[a, b) (document order, as made) given the bounds the widening
 * may grow them to (lo, hi, indexed as occ): the furthest end of those before each, and the
 * start of the one after it, of any family; occurrences that overlap or touch one before them
 * take nothing on that side. -1 when out of memory. */
static int occurrence_bounds(const ovl__famspan *occ, size_t a, size_t b, uint32_t *lo, uint32_t *hi)
{
    obound *ord = NULL;
    size_t n = b - a;
    size_t i = a + 1;
    while (i < b && cmp_xy(occ[i - 1].tok_start, occ[i - 1].tok_end, occ[i].tok_start, occ[i].tok_end) <= 0)
        i++;
    if (i < b) { /* (out of token order: sorted apart) */
        if (!(ord = malloc(n * sizeof *ord)))
            return -1;
        for (size_t k = 0; k < n; k++)
            ord[k] = (obound){occ[a + k].tok_start, occ[a + k].tok_end, a + k};
        qsort(ord, n, sizeof *ord, cmp_obound);
    }
    uint32_t reach = 0;
    for (size_t k = 0; k < n; k++) {
        size_t x = ord ? ord[k].x : a + k;
        lo[x] = reach > occ[x].tok_start ? occ[x].tok_start : reach;
        if (occ[x].tok_end > reach)
            reach = occ[x].tok_end;
        hi[x] = UINT32_MAX;
        if (k + 1 < n) {
            uint32_t next = ord ? ord[k + 1].tok_start : occ[a + k + 1].tok_start;
            hi[x] = next > occ[x].tok_end ? next : occ[x].tok_end;
        }
    }
    free(ord);
    return 0;
}

int ovl__fspans_bounds(const ovl__famspan *occ, size_t n, uint32_t *lo, uint32_t *hi)
{
    for (size_t a = 0, b; a < n; a = b) {
        for (b = a + 1; b < n && occ[b].doc == occ[a].doc;)
            b++;
        if (occurrence_bounds(occ, a, b, lo, hi) != 0)
            return -1;
    }
    return 0;
}

/* ovl__families_from_spans, and with glo, ghi (not NULL) the spans occurrences already, their
 * bounds given (ovl__families_from_occurrences). */
static int families_build(ovl_ctx *ctx, ovl__fspans *in, size_t ndocs, size_t nunits, const uint32_t *glo,
                          const uint32_t *ghi, ovl__fcopies_fn copies, const void *arg, ovl__families *out)
{
    memset(out, 0, sizeof *out);
    uint32_t *root_fam = NULL;    /* per unit */
    ovl__famspan *occ = NULL;     /* the occurrences, made in document order, then by family */
    uint32_t *fnum = NULL;        /* per occurrence: its family, then its place among the families' */
    unsigned char *clean = NULL;  /* per occurrence: of such chunks only */
    size_t *last = NULL;          /* per family: its last occurrence so far */
    fsort *order = NULL, *lens = NULL;
    int rc = OVL_OK;
    size_t nspans = in->n, nocc = 0, nfam = 0;
    if (ndocs && !(out->doc_first = calloc(ndocs + 1, sizeof *out->doc_first)))
        goto nomem;
    /* (The spans are taken. A process that keeps them in document order, for
     * ovl__families_cover, makes the occurrences in a copy; one that keeps none, in place.) */
    occ = in->spans;
    fnum = in->text;
    clean = in->clean;
    memset(in, 0, sizeof *in);
    if (ndocs) {
        out->spans = occ;
        out->nspans = nspans;
        if (!(occ = malloc((nspans ? nspans : 1) * sizeof *occ)))
            goto nomem;
        if (nspans)
            memcpy(occ, out->spans, nspans * sizeof *occ);
    }
    for (size_t s = 0; ndocs && s < nspans; s++)
        out->doc_first[out->spans[s].doc + 1]++;
    for (size_t d = 0; d < ndocs; d++)
        out->doc_first[d + 1] += out->doc_first[d];
    /* Family of each span: its text (the parts of texts joined already,
     * ovl__fspans_join_parts), numbered as first met. */
    if (!(root_fam = malloc((nunits ? nunits : 1) * sizeof *root_fam)))
        goto nomem;
    for (size_t u = 0; u < nunits; u++)
        root_fam[u] = UINT32_MAX;
    for (size_t s = 0; s < nspans; s++) {
        uint32_t root = fnum[s];
        if (root_fam[root] == UINT32_MAX)
            root_fam[root] = (uint32_t)nfam++;
        fnum[s] = root_fam[root];
    }
    free(root_fam);
    root_fam = NULL;
    out->f = calloc(nfam ? nfam : 1, sizeof *out->f);
    last = malloc((nfam ? nfam : 1) * sizeof *last);
    if (!out->f || !last)
        goto nomem;
    out->n = nfam;
    for (size_t f = 0; f < nfam; f++)
        last[f] = SIZE_MAX;
    /* (Bounds given: taken occurrence by occurrence, as many as the spans.) */
    if (glo && (!(out->lo = malloc((nspans ? nspans : 1) * sizeof *out->lo)) ||
                !(out->hi = malloc((nspans ? nspans : 1) * sizeof *out->hi))))
        goto nomem;
    /* The occurrences in document order, in place: an occurrence is the text with its fields,
     * pieces a few tokens apart one (occurrences given stay as they are: none takes the next
     * of its text, ovl__fspans_occurrences). Each family's documents with their copies. */
    for (size_t s = 0; s < nspans; s++) {
        uint32_t f = fnum[s];
        ovl__fam *fm = &out->f[f];
        int seen = last[f] != SIZE_MAX && occ[last[f]].doc == occ[s].doc;
        if (last[f] == SIZE_MAX)
            fm->first_in = s;
        if (!seen)
            fm->documents += 1 + copies(arg, occ[s].doc);
        if (!glo && seen && occurrence_takes(&occ[last[f]], &occ[s])) {
            clean[last[f]] &= clean[s];
            continue;
        }
        occ[nocc] = occ[s];
        fnum[nocc] = f;
        clean[nocc] = clean[s];
        if (glo)
            out->lo[nocc] = glo[s], out->hi[nocc] = ghi[s];
        last[f] = nocc++;
        fm->nspans++;
    }
    free(last);
    last = NULL;
    /* Where the widening may grow each occurrence to, found here where they are in document
     * order (8 bytes an occurrence; the widening sorted 24 a one for them), unless given. */
    if (!glo && (!(out->lo = malloc((nocc ? nocc : 1) * sizeof *out->lo)) ||
                 !(out->hi = malloc((nocc ? nocc : 1) * sizeof *out->hi)) ||
                 ovl__fspans_bounds(occ, nocc, out->lo, out->hi) != 0))
        goto nomem;
    /* Then by family, document order kept in each, in place: fnum becomes each one's place. */
    size_t at = 0;
    for (size_t f = 0; f < nfam; f++) {
        out->f[f].first_span = at;
        at += out->f[f].nspans;
        out->f[f].nspans = 0;
    }
    for (size_t x = 0; x < nocc; x++) {
        ovl__fam *fm = &out->f[fnum[x]];
        fnum[x] = (uint32_t)(fm->first_span + fm->nspans++);
    }
    for (size_t x = 0; x < nocc; x++)
        while (fnum[x] != x) {
            size_t y = fnum[x];
            ovl__famspan ts = occ[x];
            unsigned char tc = clean[x];
            uint32_t tl = out->lo[x], th = out->hi[x], tf = fnum[x];
            occ[x] = occ[y], occ[y] = ts;
            clean[x] = clean[y], clean[y] = tc;
            out->lo[x] = out->lo[y], out->lo[y] = tl;
            out->hi[x] = out->hi[y], out->hi[y] = th;
            fnum[x] = fnum[y], fnum[y] = tf;
        }
    free(fnum);
    fnum = NULL;
    /* The families' occurrences after the spans in document order (kept), or alone. */
    size_t base = ndocs ? nspans : 0;
    if (ndocs) {
        ovl__famspan *all = realloc(out->spans, (nspans + nocc + 1) * sizeof *all);
        if (!all)
            goto nomem;
        out->spans = all;
        memcpy(all + nspans, occ, nocc * sizeof *occ);
        free(occ);
    } else {
        out->spans = occ;
    }
    occ = NULL;
    /* A family's text is its occurrence at the upper quartile of length (equal lengths in
     * document order), not its longest: where a document holds it next to other recurring
     * text its span can run on past it, and the longest would show that instead. Not the
     * median either: a text of two pieces that some documents hold only one of (the GPL-2
     * notice and the Debian pointer to the licence's full text) was shown by the piece.
     * Chosen among the occurrences without a variant's window (when it has such), so that
     * the text is shown, not a copy of it with a word changed. */
    size_t most = 1; /* (lens: one family's occurrences at a time) */
    for (size_t f = 0; f < nfam; f++)
        if (out->f[f].nspans > most)
            most = out->f[f].nspans;
    if (!(lens = malloc(most * sizeof *lens)))
        goto nomem;
    for (size_t f = 0; f < nfam; f++) {
        ovl__fam *fm = &out->f[f];
        size_t nl = 0;
        for (int any = 0; any < 2 && nl == 0; any++)
            for (size_t x = 0; x < fm->nspans; x++) {
                size_t s = fm->first_span + x;
                const ovl__famspan *sp = &out->spans[base + s];
                if (any || clean[s])
                    lens[nl++] = (fsort){sp->char_end - sp->char_start, x, base + s};
            }
        fm->first_span += base;
        if (nl > 1)
            qsort(lens, nl, sizeof *lens, cmp_fsort);
        fm->rep = lens[nl / 4].idx;
        fm->weight = (uint64_t)fm->documents * (out->spans[fm->rep].char_end - out->spans[fm->rep].char_start);
    }
    /* Heaviest first, ties by the first document holding it. */
    order = malloc((nfam ? nfam : 1) * sizeof *order);
    ovl__fam *nf = malloc((nfam ? nfam : 1) * sizeof *nf);
    if (!order || !nf) {
        free(nf);
        goto nomem;
    }
    for (size_t f = 0; f < nfam; f++)
        order[f] = (fsort){out->f[f].weight, out->spans[out->f[f].first_span].doc, f};
    if (nfam > 1)
        qsort(order, nfam, sizeof *order, cmp_fsort);
    for (size_t k = 0; k < nfam; k++)
        nf[k] = out->f[order[k].idx];
    free(out->f);
    out->f = nf;
    goto done;
nomem:
    rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
done:
    free(root_fam);
    free(occ);
    free(fnum);
    free(clean);
    free(last);
    free(lens);
    free(order);
    if (rc != OVL_OK)
        ovl__families_free(out);
    return rc;
}

int ovl__families_from_spans(ovl_ctx *ctx, ovl__fspans *in, size_t ndocs, size_t nunits, ovl__fcopies_fn copies,
                             const void *arg, ovl__families *out)
{
    return families_build(ctx, in, ndocs, nunits, NULL, NULL, copies, arg, out);
}

int ovl__families_from_occurrences(ovl_ctx *ctx, ovl__fspans *in, const uint32_t *lo, const uint32_t *hi,
                                   size_t nunits, ovl__fcopies_fn copies, const void *arg, ovl__families *out)
{
    return families_build(ctx, in, 0, nunits, lo, hi, copies, arg, out);
}

double ovl__families_cover(const ovl__families *fam, uint32_t doc, uint32_t t0, uint32_t t1)
{
    if (!fam->doc_first || t1 <= t0)
        return 0.0;
    size_t lo = fam->doc_first[doc], hi = fam->doc_first[doc + 1];
    uint64_t in = 0;
    uint32_t reach = t0; /* spans of different families may overlap: count their union */
    for (size_t s = lo; s < hi; s++) {
        const ovl__famspan *sp = &fam->spans[s];
        if (sp->tok_start >= t1)
            break;
        uint32_t a = sp->tok_start > reach ? sp->tok_start : reach, b = sp->tok_end < t1 ? sp->tok_end : t1;
        if (b > a) {
            in += b - a;
            reach = b;
        }
    }
    return (double)in / (double)(t1 - t0);
}

/* ---- Occurrences widened over the text beside them ------------------------------------------ */

/* Tokens looked at on each side of an occurrence: a merged run of short paragraphs (the
 * fingerprint's chunk, at most chunk_tokens, 50 by default) and some slack. */
#define FAMILY_WIDEN 64
/* Occurrences read first to see whether a family has text beside it worth reading them all
 * for: worth it when half of them agree on FAMILY_WIDEN_MIN tokens or more (the rule itself
 * wants two thirds of all). A sample held to the rule's two thirds missed families that pass
 * it: on the documentation texts the Apache-2.0 notice, whose first lines 42 of its 65
 * occurrences share, had 5 of 8 agreeing and stayed its last paragraph. */
#define FAMILY_SAMPLE 16
/* An occurrence stops widening after this many tokens in a row unlike the others' (one is a
 * word changed: "http" for "https", a year). */
#define FAMILY_MISS 2
/* Fewer tokens than a shingle (3 words) beside a text are no text of their own (a heading's
 * word): not worth reading every occurrence for, nor taken. */
#define FAMILY_WIDEN_MIN 3
/* Occurrences whose sides are held at once (2 KB each: 32 MB). */
#define FAMILY_BATCH 16384

typedef struct wtok {
    uint64_t hash;  /* the token's */
    uint32_t c;     /* where the occurrence would start (before it) or end (after it) */
} wtok;

typedef struct wside {
    wtok t[FAMILY_WIDEN]; /* outwards from the occurrence */
    uint32_t n;
} wside;

/* An occurrence to read the text beside: its span (index into fam->spans) and where its two
 * sides go (w[2 slot], w[2 slot + 1]). */
typedef struct wreq {
    uint32_t doc;
    size_t s, slot;
} wreq;

static int cmp_wreq(const void *a, const void *b)
{
    const wreq *p = a, *q = b;
    if (p->doc != q->doc)
        return p->doc < q->doc ? -1 : 1;
    return (p->s > q->s) - (p->s < q->s);
}

/* Reads the documents the widening asks for, and their figures: from rd->c, rd->docs and
 * rd->copies, or through rd->fetch a window of them at a time. */
typedef struct wreader {
    const ovl__famread *rd;
    const ovl_corpus *c;     /* the window's documents (rd->fetch, with OVL__FAM_TEXT) */
    const ovl__famdoc *fig;  /* their figures */
    uint32_t *docs;          /* the window: its documents, ascending */
    size_t n, cap;
    int want;                /* what the window was fetched for */
    int rc;                  /* rd->fetch's code once it failed (no more is read) */
    ovl_ctx *ctx;            /* where a failure is told */
} wreader;

/* Where the window holds document doc, SIZE_MAX when it does not. */
static size_t wreader_find(const wreader *w, uint32_t doc)
{
    const uint32_t *at = w->n ? bsearch(&doc, w->docs, w->n, sizeof *w->docs, cmp_u32) : NULL;
    return at ? (size_t)(at - w->docs) : SIZE_MAX;
}

/* The document of element x of n elements of size bytes from at, each beginning with its
 * document (a wreq, an ovl__famspan). */
_Static_assert(offsetof(wreq, doc) == 0 && offsetof(ovl__famspan, doc) == 0, "a request begins with its document");
static uint32_t wdoc(const void *at, size_t size, size_t x)
{
    uint32_t d;
    memcpy(&d, (const char *)at + x * size, sizeof d);
    return d;
}

/* Makes the window hold element i's document, for want: unless it does, the next documents
 * asked for from element i on (the elements are sorted by document). */
static void wreader_at(wreader *w, const void *at, size_t size, size_t i, size_t n, int want)
{
    const ovl__famread *rd = w->rd;
    uint32_t doc = wdoc(at, size, i);
    if (!rd->fetch || w->rc || ((w->want & want) == want && wreader_find(w, doc) != SIZE_MAX))
        return;
    w->n = 0;
    for (size_t x = i; x < n && w->n < (rd->window ? rd->window : 1); x++) {
        uint32_t d = wdoc(at, size, x);
        if (w->n && w->docs[w->n - 1] == d)
            continue;
        if (ovl__grow(&w->docs, &w->cap, w->n + 1, sizeof *w->docs) != 0) {
            w->rc = ovl__fail(w->ctx, OVL_ERR_NOMEM, -1, "out of memory");
            w->n = 0;
            return;
        }
        w->docs[w->n++] = d;
    }
    w->want = want;
    int rc = rd->fetch(rd->fetch_data, w->docs, w->n, want, &w->c, &w->fig);
    if (rc != OVL_OK) {
        w->rc = rc;
        w->n = 0;
    }
}

/* The figures of document doc (the window holds it when rd->fetch is set; zero once a fetch
 * failed). */
static ovl__famdoc wreader_fig(const wreader *w, uint32_t doc)
{
    const ovl__famread *rd = w->rd;
    ovl__famdoc f = {{0, 0}, 0, 0};
    if (!rd->fetch) {
        f.hash[0] = rd->docs[doc].hash[0];
        f.hash[1] = rd->docs[doc].hash[1];
        f.tokens = rd->docs[doc].tokens;
        f.copies = rd->copies ? rd->copies[doc] : 0;
    } else {
        size_t k = w->rc ? SIZE_MAX : wreader_find(w, doc);
        if (k != SIZE_MAX)
            f = w->fig[k];
    }
    return f;
}

/* The tokens of document doc as phase 1 found them, or NULL when it cannot be read or is not
 * what was fingerprinted. Decoded and normalized only (its paragraphs are not wanted: finding
 * them took 40% of the time), outside the scan's cache, and freed by the caller at once:
 * cached, the few thousand documents read here by one thread stayed in its heap beside the
 * alignment's (130 MB more at the peak on the real corpus). */
static ovl_norm *widen_load(wreader *w, ovl_ctx *lctx, uint32_t doc)
{
    const ovl__famread *rd = w->rd;
    const ovl_corpus *c = rd->c;
    size_t at = doc;
    if (rd->fetch) {
        /* (wreader_at made the window hold it, or failed) */
        at = w->rc ? SIZE_MAX : wreader_find(w, doc);
        if (at == SIZE_MAX)
            return NULL;
        c = w->c;
    }
    ovl__famdoc fig = wreader_fig(w, doc);
    ovl_text *text = NULL;
    ovl_norm *nm = NULL;
    ovl_doc_opts o;
    void *bytes = NULL;
    size_t len = 0;
    int rc = ovl__doc_opts_resolve(lctx, rd->opts, &o, "ovl_doc: unknown options version");
    if (rc == OVL_OK)
        rc = ovl_corpus_read(lctx, c, at, &bytes, &len);
    if (rc == OVL_OK) {
        uint64_t h[2];
        ovl__content_hash(bytes, len, h);
        rc = h[0] == fig.hash[0] && h[1] == fig.hash[1] ? OVL_OK : OVL_ERR_IO;
    }
    if (rc == OVL_OK) {
        if (ovl_corpus_encoding(c, at))
            o.decode.encoding = ovl_corpus_encoding(c, at);
        rc = ovl_decode(lctx, bytes, len, &o.decode, &text);
    }
    free(bytes);
    if (rc == OVL_OK)
        rc = ovl_normalize(lctx, text, &o.norm, &nm);
    ovl_text_free(text);
    ovl_ctx_clear(lctx);
    return rc == OVL_OK ? nm : NULL;
}

/* The tokens beside occurrence sp within [lo, hi) (up to the neighbouring occurrences), both
 * sides: w[0] before, w[1] after. */
static void widen_fill(const ovl_norm *nm, const ovl__famspan *sp, uint32_t lo, uint32_t hi, wside *w)
{
    size_t nt = ovl_norm_count(nm);
    w[0].n = w[1].n = 0;
    if (hi > nt)
        hi = (uint32_t)nt;
    for (uint32_t t = sp->tok_start; t > lo && w[0].n < FAMILY_WIDEN && t - 1 < nt;) {
        t--;
        w[0].t[w[0].n++] = (wtok){nm->tokens[t].hash, nm->tokens[t].char_start};
    }
    for (uint32_t t = sp->tok_end; t < hi && w[1].n < FAMILY_WIDEN; t++)
        w[1].t[w[1].n++] = (wtok){nm->tokens[t].hash, ovl__tok_char_end(nm, t)};
}

/* Fills the sides of requests rq[0..n) reading each document once (a long changelog holds
 * hundreds of occurrences); those of a document that cannot be read stay empty. */
static void widen_read(wreader *wr, ovl_ctx *lctx, const ovl__famspan *spans,
                       const uint32_t *lo, const uint32_t *hi, size_t base, wreq *rq, size_t n,
                       wside *w)
{
    if (n > 1)
        qsort(rq, n, sizeof *rq, cmp_wreq);
    for (size_t i = 0; i < n;) {
        size_t e = i + 1;
        while (e < n && rq[e].doc == rq[i].doc)
            e++;
        wreader_at(wr, rq, sizeof *rq, i, n, OVL__FAM_TEXT);
        ovl_norm *nm = widen_load(wr, lctx, rq[i].doc);
        for (; i < e; i++) {
            wside *x = &w[2 * rq[i].slot];
            if (nm)
                widen_fill(nm, &spans[rq[i].s], lo[rq[i].s - base], hi[rq[i].s - base], x);
            else
                x[0].n = x[1].n = 0;
        }
        ovl_norm_free(nm);
    }
}

/* The steps one side of a family's occurrences took: at each, the token most had and whether
 * two thirds had it. */
typedef struct wcons {
    uint64_t best[FAMILY_WIDEN];
    unsigned char strong[FAMILY_WIDEN];
    uint32_t steps;
} wcons;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Side b of m occurrences (w[2 i + b]) read outwards token by token while two thirds of the
 * family's `of` occurrences are still going: a step is strong when two thirds of `of` have
 * the same token there; an occurrence stops after FAMILY_MISS steps in a row that are not
 * strong or where its token is another, and takes the tokens up to its last strong step
 * (ext[i]). Returns the last strong step. hs: room for m hashes. */
static size_t widen_side(const wside *w, size_t m, int b, size_t of, uint8_t *ext, uint8_t *miss,
                         uint64_t *hs, wcons *cons)
{
    size_t steps = 0;
    for (size_t i = 0; i < m; i++)
        ext[i] = 0, miss[i] = 0;
    for (size_t j = 0; j < FAMILY_WIDEN; j++) {
        size_t nh = 0;
        for (size_t i = 0; i < m; i++)
            if (miss[i] < FAMILY_MISS && j < w[2 * i + b].n)
                hs[nh++] = w[2 * i + b].t[j].hash;
        if (!share_most(nh, of))
            break;
        qsort(hs, nh, sizeof *hs, cmp_u64);
        uint64_t best = 0;
        size_t bestn = 0;
        for (size_t x = 0; x < nh;) {
            size_t y = x + 1;
            while (y < nh && hs[y] == hs[x])
                y++;
            if (y - x > bestn)
                best = hs[x], bestn = y - x;
            x = y;
        }
        /* A word most of them do not share (a field, "http" or "https") is a miss for all. */
        int strong = share_most(bestn, of);
        if (cons)
            cons->best[j] = best, cons->strong[j] = (unsigned char)strong;
        for (size_t i = 0; i < m; i++) {
            if (miss[i] >= FAMILY_MISS || j >= w[2 * i + b].n)
                continue;
            if (strong && w[2 * i + b].t[j].hash == best)
                ext[i] = (uint8_t)(j + 1), miss[i] = 0;
            else
                miss[i]++;
        }
        if (strong)
            steps = j + 1;
    }
    if (cons)
        cons->steps = (uint32_t)steps;
    return steps;
}

/* Tokens side w takes by the steps of cons, as widen_side took them for the occurrences it
 * read (a family too large to hold all its occurrences' sides at once is read in a sample for
 * its steps, then occurrence by occurrence). */
static uint8_t widen_replay(const wside *w, const wcons *cons)
{
    uint8_t ext = 0;
    unsigned miss = 0;
    for (size_t j = 0; j < cons->steps && j < w->n && miss < FAMILY_MISS; j++) {
        if (cons->strong[j] && w->t[j].hash == cons->best[j])
            ext = (uint8_t)(j + 1), miss = 0;
        else
            miss++;
    }
    return ext;
}

/* Heaviest first, ties by the first document, then as they were. */
static int cmp_wsort(const void *x, const void *y)
{
    int c = cmp_fsort(x, y);
    if (c)
        return c;
    const fsort *a = x, *b = y;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

/* Occurrence i of family fm (occurrence x = fm->first_span + i) has room on side b: no
 * occurrence of any family touches it there. */
static int widen_room(const ovl__famspan *sp, const uint32_t *lo, const uint32_t *hi, int b)
{
    return b ? *hi > sp->tok_end : *lo < sp->tok_start;
}

/* ---- Families that are one text --------------------------------------------------------- */

/* Tokens of a gram: a family's text is looked for inside another's by its grams. */
#define FAMILY_GRAM 8

static int cmp_fgram_gk(const void *a, const void *b)
{
    const ovl__fgram *p = a, *q = b;
    if (p->g != q->g)
        return p->g < q->g ? -1 : 1;
    return (p->k > q->k) - (p->k < q->k);
}

static int cmp_fgram_kg(const void *a, const void *b)
{
    const ovl__fgram *p = a, *q = b;
    if (p->k != q->k)
        return p->k < q->k ? -1 : 1;
    return (p->g > q->g) - (p->g < q->g);
}

static int cmp_spanpos(const void *a, const void *b)
{
    const ovl__famspan *p = a, *q = b;
    int c = cmp_xy(p->doc, p->tok_start, q->doc, q->tok_start);
    return c ? c : cmp_xy(p->tok_end, 0, q->tok_end, 0);
}

/* Where a family's occurrence s stands in the choice of its text (by the token count of its
 * document first): its representative before the others, those in family order. */
static size_t text_order(const ovl__fam *fm, size_t s)
{
    return s == fm->rep ? 0 : 1 + (s - fm->first_span);
}

/* The requests rq[0, n) (occurrences as long as their family's representative, slot: the
 * family) by document, their documents' token counts fetched in windows; each family's best
 * so far (best, btok) taken. */
static void text_pick(const ovl__families *fam, wreader *wr, wreq *rq, size_t n, size_t *best, uint64_t *btok)
{
    if (n > 1)
        qsort(rq, n, sizeof *rq, cmp_wreq);
    for (size_t i = 0; i < n; i++) {
        const ovl__fam *fm = &fam->f[rq[i].slot];
        wreader_at(wr, rq, sizeof *rq, i, n, OVL__FAM_TOKENS);
        uint64_t t = wreader_fig(wr, rq[i].doc).tokens;
        size_t *b = &best[rq[i].slot];
        if (t < btok[rq[i].slot] || (t == btok[rq[i].slot] && text_order(fm, rq[i].s) < text_order(fm, *b))) {
            *b = rq[i].s;
            btok[rq[i].slot] = t;
        }
    }
}

/* Each family's text (best[k], an index into fam->spans; SIZE_MAX for a family with no
 * occurrence): its representative occurrence, or one as long in a shorter document (the
 * first of the shortest), cheaper to read. The token counts are wanted of the documents of
 * the families with such occurrences only, FAMILY_BATCH occurrences at a time in document
 * order (through the window: no process holds every document's). */
static int text_spans(ovl_ctx *ctx, const ovl__families *fam, wreader *wr, size_t *best)
{
    size_t nf = fam->n, nrq = 0;
    uint64_t *btok = malloc((nf ? nf : 1) * sizeof *btok);
    wreq *rq = malloc(FAMILY_BATCH * sizeof *rq);
    if (!btok || !rq) {
        free(btok);
        free(rq);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    }
    for (size_t k = 0; k < nf; k++) {
        const ovl__fam *fm = &fam->f[k];
        best[k] = fm->nspans ? fm->rep : SIZE_MAX;
        btok[k] = UINT64_MAX;
        if (!fm->nspans)
            continue;
        uint32_t want = fam->spans[fm->rep].char_end - fam->spans[fm->rep].char_start;
        int more = 0;
        for (size_t x = 0; !more && x < fm->nspans; x++) {
            const ovl__famspan *sp = &fam->spans[fm->first_span + x];
            more = fm->first_span + x != fm->rep && sp->char_end - sp->char_start == want;
        }
        /* (The representative first, then the others as long.) */
        for (size_t x = 0; more && x <= fm->nspans; x++) {
            size_t s = x == 0 ? fm->rep : fm->first_span + x - 1;
            const ovl__famspan *sp = &fam->spans[s];
            if (x > 0 && (s == fm->rep || sp->char_end - sp->char_start != want))
                continue;
            rq[nrq++] = (wreq){sp->doc, s, k};
            if (nrq == FAMILY_BATCH) {
                text_pick(fam, wr, rq, nrq, best, btok);
                nrq = 0;
            }
        }
    }
    text_pick(fam, wr, rq, nrq, best, btok);
    free(btok);
    free(rq);
    return OVL_OK;
}

void ovl__fgrams_free(ovl__fgrams *t)
{
    if (!t)
        return;
    free(t->len);
    free(t->goff);
    free(t->gr);
    memset(t, 0, sizeof *t);
}

int ovl__families_grams(ovl_ctx *ctx, const ovl__families *fam, const ovl__famread *rd, ovl_ctx *lctx,
                        ovl__fgrams *out)
{
    wreader wr = {rd, NULL, NULL, NULL, 0, 0, 0, OVL_OK, ctx};
    size_t nf = fam->n, ng = 0, capg = 0, ntok = 0, captok = 0;
    size_t *off = calloc(nf + 1, sizeof *off);
    wreq *rq = malloc((nf ? nf : 1) * sizeof *rq);
    size_t *best = malloc((nf ? nf : 1) * sizeof *best);
    uint64_t *tok = NULL;
    ovl__fgram *gr = NULL;
    int rc = OVL_OK;
    memset(out, 0, sizeof *out);
    out->n = nf;
    out->len = calloc(nf ? nf : 1, sizeof *out->len);
    out->goff = calloc(nf + 1, sizeof *out->goff);
    if (!off || !rq || !best || !out->len || !out->goff)
        goto nomem;
    if ((rc = text_spans(ctx, fam, &wr, best)) != OVL_OK)
        goto done;
    size_t nrq = 0;
    for (size_t k = 0; k < nf; k++)
        if (best[k] != SIZE_MAX)
            rq[nrq++] = (wreq){fam->spans[best[k]].doc, best[k], k};
    if (nrq > 1)
        qsort(rq, nrq, sizeof *rq, cmp_wreq);
    /* Each text's tokens (by family), then its grams. */
    for (size_t i = 0; i < nrq;) {
        size_t e = i + 1;
        while (e < nrq && rq[e].doc == rq[i].doc)
            e++;
        wreader_at(&wr, rq, sizeof *rq, i, nrq, OVL__FAM_TEXT);
        ovl_norm *nm = widen_load(&wr, lctx, rq[i].doc);
        for (; nm && i < e; i++) {
            const ovl__famspan *sp = &fam->spans[rq[i].s];
            size_t nt = ovl_norm_count(nm), t1 = sp->tok_end < nt ? sp->tok_end : nt;
            size_t n = t1 > sp->tok_start ? t1 - sp->tok_start : 0;
            if (ovl__grow(&tok, &captok, ntok + n + 1, sizeof *tok) != 0) {
                ovl_norm_free(nm);
                goto nomem;
            }
            off[rq[i].slot] = ntok;
            out->len[rq[i].slot] = n;
            for (size_t t = 0; t < n; t++)
                tok[ntok++] = nm->tokens[sp->tok_start + t].hash;
        }
        i = e;
        ovl_norm_free(nm);
    }
    for (size_t k = 0; k < nf; k++) {
        size_t len = out->len[k];
        for (size_t t = 0; len >= FAMILY_GRAM && t + FAMILY_GRAM <= len; t++) {
            uint64_t h = 0x9E3779B97F4A7C15u;
            for (size_t x = 0; x < FAMILY_GRAM; x++) {
                h ^= tok[off[k] + t + x];
                h *= 0xBF58476D1CE4E5B9u;
                h ^= h >> 29;
            }
            if (ovl__grow(&gr, &capg, ng + 1, sizeof *gr) != 0)
                goto nomem;
            gr[ng++] = (ovl__fgram){h, (uint32_t)k};
        }
    }
    /* Each family's grams sorted, once each. */
    if (ng > 1)
        qsort(gr, ng, sizeof *gr, cmp_fgram_kg);
    size_t u = 0;
    for (size_t i = 0; i < ng; i++)
        if (u == 0 || gr[i].k != gr[u - 1].k || gr[i].g != gr[u - 1].g)
            gr[u++] = gr[i];
    ng = u;
    for (size_t i = 0; i < ng; i++)
        out->goff[gr[i].k + 1]++;
    for (size_t k = 0; k < nf; k++)
        out->goff[k + 1] += out->goff[k];
    out->gr = gr;
    out->ng = ng;
    gr = NULL;
    if (wr.rc != OVL_OK)
        rc = wr.rc; /* (the detail is in ctx, where the fetch put it) */
    goto done;
nomem:
    rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
done:
    free(wr.docs);
    free(off);
    free(rq);
    free(best);
    free(tok);
    free(gr);
    if (rc != OVL_OK)
        ovl__fgrams_free(out);
    return rc;
}

int ovl__fgrams_fit(size_t leny, size_t lenx, int x_first)
{
    return leny < lenx ? share_most(leny, lenx) : leny == lenx && x_first;
}

int ovl__fgrams_within(const ovl__fgrams *t, uint32_t y, uint32_t x)
{
    for (size_t i = t->goff[y]; i < t->goff[y + 1]; i++) {
        ovl__fgram want = {t->gr[i].g, x};
        if (!bsearch(&want, t->gr + t->goff[x], t->goff[x + 1] - t->goff[x], sizeof *t->gr, cmp_fgram_kg))
            return 0;
    }
    return 1;
}

size_t ovl__famspans_merge(ovl__famspan *sp, size_t n)
{
    size_t w = 0;
    if (n > 1)
        qsort(sp, n, sizeof *sp, cmp_spanpos);
    for (size_t i = 0; i < n; i++) {
        if (w > 0 && sp[w - 1].doc == sp[i].doc && sp[i].tok_start <= sp[w - 1].tok_end + FAMILY_GAP) {
            if (sp[i].tok_end > sp[w - 1].tok_end) {
                sp[w - 1].tok_end = sp[i].tok_end;
                sp[w - 1].char_end = sp[i].char_end;
            }
        } else {
            sp[w++] = sp[i];
        }
    }
    return w;
}

void ovl__fam_settle(ovl__fam *fm, const ovl__famspan *spans, ovl__famspan rep)
{
    fm->rep = fm->first_span;
    for (size_t i = fm->first_span; i < fm->first_span + fm->nspans; i++)
        if (spans[i].doc == rep.doc && spans[i].tok_start <= rep.tok_start && spans[i].tok_end >= rep.tok_end) {
            fm->rep = i;
            break;
        }
    fm->weight = (uint64_t)fm->documents * (spans[fm->rep].char_end - spans[fm->rep].char_start);
}

/* A template whose first window differs from page to page (what comes before it is merged
 * into its first chunk when short: a heading, a flag, nothing) gave one family per first
 * window, each named by it: the gcloud list flags were three of the top ten. Their texts
 * are one text with a line or two more or less: family y is put with family x when every
 * gram of y's text is in x's and y's text is at least two thirds of x's (a text inside a much
 * longer one, a sentence a template quotes, is another text). A family's text is its
 * representative occurrence (or one as long in a shorter document), read again; a family
 * that cannot be read stays as it is.
 * The joined family is shown by its member in most documents; its documents are counted
 * once. *joined: families put with another. */
static int join_same_text(ovl_ctx *ctx, ovl__families *fam, wreader *wr, ovl_ctx *lctx, size_t *joined)
{
    size_t nf = fam->n;
    uint32_t *parent = malloc((nf ? nf : 1) * sizeof *parent);
    ovl__fgrams t;
    ovl__fgram *byg = NULL;
    uint32_t *lead = NULL, *newk = NULL;
    ovl__fam *nfam = NULL;
    ovl__famspan *nsp = NULL;
    int rc = OVL_OK;
    *joined = 0;
    memset(&t, 0, sizeof t);
    if (!parent)
        goto nomem;
    if ((rc = ovl__families_grams(ctx, fam, wr->rd, lctx, &t)) != OVL_OK)
        goto done;
    size_t ng = t.ng;
    if (!(byg = malloc((ng ? ng : 1) * sizeof *byg)))
        goto nomem;
    memcpy(byg, t.gr, ng * sizeof *byg);
    if (ng > 1)
        qsort(byg, ng, sizeof *byg, cmp_fgram_gk);
    for (size_t k = 0; k < nf; k++)
        parent[k] = (uint32_t)k;
    for (size_t y = 0; y < nf; y++) {
        size_t gy = t.goff[y + 1] - t.goff[y];
        if (gy == 0)
            continue;
        /* Families holding y's first gram. */
        ovl__fgram key = {t.gr[t.goff[y]].g, 0};
        size_t lo = 0, hi = ng;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cmp_fgram_gk(&byg[mid], &key) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t c = lo; c < ng && byg[c].g == key.g; c++) {
            uint32_t x = byg[c].k;
            if (x != y && ovl__fgrams_fit(t.len[y], t.len[x], x < y) && ovl__fgrams_within(&t, (uint32_t)y, x))
                ovl__uf_union(parent, x, (uint32_t)y);
        }
    }
    /* Each group shown by its member in most documents (then the first). */
    lead = malloc((nf ? nf : 1) * sizeof *lead);
    newk = malloc((nf ? nf : 1) * sizeof *newk);
    if (!lead || !newk)
        goto nomem;
    for (size_t k = 0; k < nf; k++)
        lead[k] = UINT32_MAX;
    for (size_t k = 0; k < nf; k++) {
        uint32_t r = ovl__uf_find(parent, (uint32_t)k);
        if (lead[r] == UINT32_MAX || fam->f[k].documents > fam->f[lead[r]].documents)
            lead[r] = (uint32_t)k;
        if (r != k)
            ++*joined;
    }
    if (!*joined)
        goto done;
    /* The families again, a group's occurrences together in document order. */
    size_t nn = 0, total = 0;
    for (size_t k = 0; k < nf; k++) {
        if (ovl__uf_find(parent, (uint32_t)k) == k)
            newk[k] = (uint32_t)nn++;
        total += fam->f[k].nspans;
    }
    for (size_t k = 0; k < nf; k++)
        newk[k] = newk[ovl__uf_find(parent, (uint32_t)k)];
    nfam = calloc(nn, sizeof *nfam);
    nsp = malloc((fam->nspans + total + 1) * sizeof *nsp);
    if (!nfam || !nsp)
        goto nomem;
    memcpy(nsp, fam->spans, fam->nspans * sizeof *nsp);
    size_t at2 = fam->nspans;
    for (size_t k = 0; k < nf; k++) {
        if (ovl__uf_find(parent, (uint32_t)k) != k)
            continue;
        size_t g = newk[k], first = at2;
        for (size_t j = 0; j < nf; j++)
            if (newk[j] == g) {
                memcpy(nsp + at2, fam->spans + fam->f[j].first_span, fam->f[j].nspans * sizeof *nsp);
                at2 += fam->f[j].nspans;
            }
        /* Occurrences a few tokens apart are one; documents counted once, with their copies. */
        ovl__fam *fm = &nfam[g];
        fm->first_span = first;
        fm->nspans = ovl__famspans_merge(nsp + first, at2 - first);
        for (size_t i = first; i < first + fm->nspans; i++)
            if (i == first || nsp[i].doc != nsp[i - 1].doc) {
                wreader_at(wr, nsp + first, sizeof *nsp, i - first, fm->nspans, OVL__FAM_COPIES);
                fm->documents += 1 + wreader_fig(wr, nsp[i].doc).copies;
            }
        ovl__fam_settle(fm, nsp, fam->spans[fam->f[lead[k]].rep]);
        at2 = first + fm->nspans;
    }
    free(fam->f);
    free(fam->spans);
    fam->f = nfam;
    fam->spans = nsp;
    fam->n = nn;
    nfam = NULL;
    nsp = NULL;
    goto done;
nomem:
    rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
done:
    free(parent);
    ovl__fgrams_free(&t);
    free(byg);
    free(lead);
    free(newk);
    free(nfam);
    free(nsp);
    return rc;
}

int ovl__families_widen_occurrences(ovl_ctx *ctx, ovl__families *fam, const ovl__famread *rd, ovl_ctx *lctx,
                                    size_t *nwidened)
{
    wreader wr = {rd, NULL, NULL, NULL, 0, 0, 0, OVL_OK, ctx};
    size_t nocc = 0, widened = 0, capw = 0, caprq = 0, capext = 0, capmiss = 0, caphs = 0;
    for (size_t k = 0; k < fam->n; k++)
        nocc += fam->f[k].nspans;
    /* Where each occurrence may grow to (the build found it, ovl__families_from_spans),
     * indexed by position in fam->spans less the first family span. */
    uint32_t *lo = fam->lo, *hi = fam->hi;
    wside *w = NULL;       /* per occurrence read: its two sides */
    uint8_t *ext = NULL;   /* per occurrence: tokens it takes on side 0, then side 1 */
    uint8_t *miss = NULL;
    uint64_t *hs = NULL;
    wreq *rq = NULL;
    wcons *cons = NULL;          /* per family: the steps of its sides */
    unsigned char *big = NULL;   /* per family: read occurrence by occurrence */
    size_t *slot = NULL;
    int rc = OVL_OK;
    *nwidened = 0;
    fam->lo = fam->hi = NULL;
    size_t base = SIZE_MAX;
    for (size_t k = 0; k < fam->n; k++)
        if (fam->f[k].nspans && fam->f[k].first_span < base)
            base = fam->f[k].first_span;
    if (nocc == 0)
        goto done;
    if (!lo || !hi) {
        rc = ovl__fail(ctx, OVL_ERR_INVALID, -1, "families widened twice");
        goto done;
    }
    /* A few occurrences of each family first: most families have nothing beside them that
     * they share, and are read no further. Nothing to read where two thirds
     * of the occurrences touch other recurring text on both sides (a template's pieces one
     * after the other). slot[k]: family k's first slot, SIZE_MAX when not read. */
    if (!(slot = malloc(fam->n * sizeof *slot)))
        goto nomem;
    size_t nslots = 0, nrq = 0;
    for (size_t k = 0; k < fam->n; k++) {
        const ovl__fam *fm = &fam->f[k];
        size_t m = fm->nspans, room[2] = {0, 0};
        slot[k] = SIZE_MAX;
        for (size_t i = 0; i < m; i++) {
            size_t s = fm->first_span + i;
            for (int b = 0; b < 2; b++)
                room[b] += widen_room(&fam->spans[s], &lo[s - base], &hi[s - base], b);
        }
        if (m == 0 || (!share_most(room[0], m) && !share_most(room[1], m)))
            continue;
        size_t ms = m < FAMILY_SAMPLE ? m : FAMILY_SAMPLE;
        if (ovl__grow(&rq, &caprq, nrq + ms, sizeof *rq) != 0)
            goto nomem;
        slot[k] = nslots;
        for (size_t i = 0; i < ms; i++) { /* spread over the family */
            size_t s = fm->first_span + i * m / ms;
            rq[nrq++] = (wreq){fam->spans[s].doc, s, nslots++};
        }
    }
    if (ovl__grow(&w, &capw, 2 * nslots, sizeof *w) != 0)
        goto nomem;
    widen_read(&wr, lctx, fam->spans, lo, hi, base, rq, nrq, w);
    /* Then every occurrence of the families whose sample takes a few tokens on a side, in
     * batches of at most FAMILY_BATCH occurrences held at once (each document read once a
     * batch). A family with more takes its steps from FAMILY_BATCH occurrences spread over it,
     * then every occurrence is read again and takes what those steps give it (big[k]). */
    for (size_t k = 0; k < fam->n; k++) {
        const ovl__fam *fm = &fam->f[k];
        size_t ms = fm->nspans < FAMILY_SAMPLE ? fm->nspans : FAMILY_SAMPLE;
        int more = 0;
        if (slot[k] == SIZE_MAX)
            continue;
        if (ovl__grow(&ext, &capext, 2 * ms, 1) != 0 || ovl__grow(&miss, &capmiss, ms, 1) != 0 ||
            ovl__grow(&hs, &caphs, ms, sizeof *hs) != 0)
            goto nomem;
        /* (Two thirds of three quarters of the sample: half of it.) */
        size_t of = (3 * ms + 3) / 4;
        for (int b = 0; b < 2; b++)
            more |= widen_side(w + 2 * slot[k], ms, b, of, ext + b * ms, miss, hs, NULL) >= FAMILY_WIDEN_MIN;
        if (!more)
            slot[k] = SIZE_MAX;
    }
    if (!(cons = malloc(2 * fam->n * sizeof *cons)) || !(big = calloc(fam->n, 1)))
        goto nomem;
    size_t nbig = 0;
    for (size_t k0 = 0, k; k0 < fam->n; k0 = k) {
        size_t nfull = 0, maxm = 0;
        nrq = 0;
        for (k = k0; k < fam->n; k++) {
            const ovl__fam *fm = &fam->f[k];
            size_t m = fm->nspans, mr = m < FAMILY_BATCH ? m : FAMILY_BATCH;
            if (slot[k] == SIZE_MAX)
                continue;
            if (nfull && nfull + mr > FAMILY_BATCH)
                break;
            if (ovl__grow(&rq, &caprq, nrq + mr, sizeof *rq) != 0)
                goto nomem;
            slot[k] = nfull;
            for (size_t i = 0; i < mr; i++) {
                size_t s = fm->first_span + i * m / mr;
                rq[nrq++] = (wreq){fam->spans[s].doc, s, nfull++};
            }
            if (mr > maxm)
                maxm = mr;
        }
        if (nfull == 0)
            continue;
        if (ovl__grow(&w, &capw, 2 * nfull, sizeof *w) != 0 || ovl__grow(&ext, &capext, 2 * maxm, 1) != 0 ||
            ovl__grow(&miss, &capmiss, maxm, 1) != 0 || ovl__grow(&hs, &caphs, maxm, sizeof *hs) != 0)
            goto nomem;
        widen_read(&wr, lctx, fam->spans, lo, hi, base, rq, nrq, w);
        for (size_t x = k0; x < k; x++) {
            ovl__fam *fm = &fam->f[x];
            size_t m = fm->nspans, mr = m < FAMILY_BATCH ? m : FAMILY_BATCH;
            if (slot[x] == SIZE_MAX)
                continue;
            const wside *fw = w + 2 * slot[x];
            for (int b = 0; b < 2; b++) {
                wcons *cs = &cons[2 * x + b];
                if (widen_side(fw, mr, b, mr, ext + b * mr, miss, hs, cs) < FAMILY_WIDEN_MIN) {
                    cs->steps = 0;
                    continue;
                }
                for (size_t i = 0; mr == m && i < m; i++) {
                    uint8_t e = ext[b * m + i];
                    ovl__famspan *sp = &fam->spans[fm->first_span + i];
                    if (!e)
                        continue;
                    widened++;
                    if (b == 0) {
                        sp->tok_start -= e;
                        sp->char_start = fw[2 * i].t[e - 1].c;
                    } else {
                        sp->tok_end += e;
                        sp->char_end = fw[2 * i + 1].t[e - 1].c;
                    }
                }
            }
            if (mr < m && (cons[2 * x].steps || cons[2 * x + 1].steps))
                big[x] = 1, nbig += m;
        }
    }
    if (nbig) {
        nrq = 0;
        if (ovl__grow(&rq, &caprq, nbig, sizeof *rq) != 0)
            goto nomem;
        for (size_t k = 0; k < fam->n; k++)
            for (size_t i = 0; big[k] && i < fam->f[k].nspans; i++)
                rq[nrq++] = (wreq){fam->spans[fam->f[k].first_span + i].doc, fam->f[k].first_span + i, k};
        qsort(rq, nrq, sizeof *rq, cmp_wreq);
        for (size_t i = 0; i < nrq;) {
            size_t e = i + 1;
            while (e < nrq && rq[e].doc == rq[i].doc)
                e++;
            wreader_at(&wr, rq, sizeof *rq, i, nrq, OVL__FAM_TEXT);
            ovl_norm *nm = widen_load(&wr, lctx, rq[i].doc);
            for (; nm && i < e; i++) {
                ovl__famspan *sp = &fam->spans[rq[i].s];
                wside x[2];
                widen_fill(nm, sp, lo[rq[i].s - base], hi[rq[i].s - base], x);
                for (int b = 0; b < 2; b++) {
                    uint8_t t = cons[2 * rq[i].slot + b].steps ? widen_replay(&x[b], &cons[2 * rq[i].slot + b]) : 0;
                    if (!t)
                        continue;
                    widened++;
                    if (b == 0) {
                        sp->tok_start -= t;
                        sp->char_start = x[0].t[t - 1].c;
                    } else {
                        sp->tok_end += t;
                        sp->char_end = x[1].t[t - 1].c;
                    }
                }
            }
            i = e;
            ovl_norm_free(nm);
        }
    }
    for (size_t k = 0; k < fam->n; k++) {
        ovl__fam *fm = &fam->f[k];
        const ovl__famspan *rep = &fam->spans[fm->rep];
        if (slot[k] != SIZE_MAX)
            fm->weight = (uint64_t)fm->documents * (rep->char_end - rep->char_start);
    }
    /* (The join reads no sides: their bounds, 8 bytes an occurrence, are given back.) */
    if (wr.rc != OVL_OK)
        rc = wr.rc; /* (the detail is in ctx, where the fetch put it) */
    *nwidened = widened;
    goto done;
nomem:
    rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
done:
    free(wr.docs);
    free(lo);
    free(hi);
    free(w);
    free(ext);
    free(miss);
    free(hs);
    free(rq);
    free(cons);
    free(big);
    free(slot);
    return rc;
}

int ovl__families_join(ovl_ctx *ctx, ovl__families *fam, const ovl__famread *rd, ovl_ctx *lctx, int widened)
{
    wreader wr = {rd, NULL, NULL, NULL, 0, 0, 0, OVL_OK, ctx};
    fsort *order = NULL;
    ovl__fam *nf = NULL;
    size_t joined = 0;
    int rc = join_same_text(ctx, fam, &wr, lctx, &joined);
    if (rc == OVL_OK && wr.rc != OVL_OK)
        rc = wr.rc; /* (the detail is in ctx, where the fetch put it) */
    if (rc != OVL_OK || (!widened && !joined))
        goto done;
    /* Heaviest first again. */
    order = malloc((fam->n ? fam->n : 1) * sizeof *order);
    nf = malloc((fam->n ? fam->n : 1) * sizeof *nf);
    if (!order || !nf) {
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < fam->n; k++)
        order[k] = (fsort){fam->f[k].weight, fam->f[k].nspans ? fam->spans[fam->f[k].first_span].doc : 0, k};
    if (fam->n > 1)
        qsort(order, fam->n, sizeof *order, cmp_wsort);
    for (size_t k = 0; k < fam->n; k++)
        nf[k] = fam->f[order[k].idx];
    free(fam->f);
    fam->f = nf;
    nf = NULL;
done:
    free(wr.docs);
    free(order);
    free(nf);
    return rc;
}

int ovl__families_widen(ovl_ctx *ctx, ovl__families *fam, const ovl__famread *rd, ovl_ctx *lctx)
{
    size_t widened = 0;
    int rc = ovl__families_widen_occurrences(ctx, fam, rd, lctx, &widened);
    return rc == OVL_OK ? ovl__families_join(ctx, fam, rd, lctx, widened > 0) : rc;
}

typedef struct kfirst {
    size_t first, k;
} kfirst;

static int cmp_kfirst(const void *x, const void *y)
{
    const kfirst *a = x, *b = y;
    return (a->first > b->first) - (a->first < b->first);
}

void ovl__families_keep(ovl__families *fam, size_t top, size_t per)
{
    if (!top || top > fam->n)
        top = fam->n;
    fam->dropped += fam->n - top;
    fam->n = top;
    if (top) {
        ovl__fam *sf = realloc(fam->f, top * sizeof *sf);
        if (sf)
            fam->f = sf;
    }
    /* The families' occurrences lie apart after the spans in document order, each family's
     * representative among its own; taken in the order they lie, each family's kept ones
     * only move down, never over another's not yet moved. Without that order they stay
     * where they are, only the listed ones counted. */
    kfirst *by = malloc((top ? top : 1) * sizeof *by);
    if (!by) {
        for (size_t k = 0; k < top; k++)
            if (per && fam->f[k].nspans > per)
                fam->f[k].nspans = per;
        return;
    }
    for (size_t k = 0; k < top; k++)
        by[k] = (kfirst){fam->f[k].first_span, k};
    qsort(by, top, sizeof *by, cmp_kfirst);
    size_t w = fam->nspans;
    for (size_t i = 0; i < top; i++) {
        ovl__fam *fm = &fam->f[by[i].k];
        size_t listed = per && fm->nspans > per ? per : fm->nspans;
        size_t rep = fm->rep - fm->first_span;
        memmove(fam->spans + w, fam->spans + fm->first_span, listed * sizeof *fam->spans);
        if (rep >= listed) {
            fam->spans[w + listed] = fam->spans[fm->rep];
            rep = listed;
        }
        fm->first_span = w;
        fm->nspans = listed;
        fm->rep = w + rep;
        w += rep == listed ? listed + 1 : listed;
    }
    free(by);
    ovl__famspan *ss = realloc(fam->spans, (w ? w : 1) * sizeof *ss);
    if (ss)
        fam->spans = ss;
}
