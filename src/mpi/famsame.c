/* famsame.c - the families of one text joined over the MPI ranks owning them: their texts' grams met on the ranks the grams pick, each pair that may join tested by the rank owning the family that would take the other, each group put together on the rank owning its first member. */
#include "famsame.h"

#include "famread.h"
#include "../uf.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

int ovl__mpi_fkey_cmp(const ovl__mpi_fkey *a, const ovl__mpi_fkey *b)
{
    if (a->weight != b->weight)
        return a->weight > b->weight ? -1 : 1;
    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

/* A gram of a family's text as it travels: the family (its owner's rank, set where it
 * arrives, and its number there), its text's length and, on its least gram only, how many
 * distinct grams it has. */
typedef struct grec {
    uint64_t g;
    uint32_t rank, k, len, gy;
} grec;

static int cmp_grec_g(const void *x, const void *y)
{
    const grec *a = x, *b = y;
    if (a->g != b->g)
        return a->g < b->g ? -1 : 1;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return (a->k > b->k) - (a->k < b->k);
}

/* A pair that may join: y put with x if x holds y's gy grams (eq: their texts are as long,
 * so x must come first in the build's order). Each (x, y) is found once: at y's least gram. */
typedef struct cand {
    uint32_t xr, xk, yr, yk, gy, eq;
} cand;

/* Four numbers in order. */
static int cmp_u32x4(const uint32_t *u, const uint32_t *v)
{
    for (int i = 0; i < 4; i++)
        if (u[i] != v[i])
            return u[i] < v[i] ? -1 : 1;
    return 0;
}

/* By the rank owning x, then y, then x (the pairs a rank owning y sends on, by rank). */
static int cmp_cand(const void *p, const void *q)
{
    const cand *a = p, *b = q;
    uint32_t u[4] = {a->xr, a->yk, a->xk, 0}, v[4] = {b->xr, b->yk, b->xk, 0};
    return cmp_u32x4(u, v);
}

/* By the rank owning y, then y, then x. */
static int cmp_cand_y(const void *p, const void *q)
{
    const cand *a = p, *b = q;
    uint32_t u[4] = {a->yr, a->yk, a->xr, a->xk}, v[4] = {b->yr, b->yk, b->xr, b->xk};
    return cmp_u32x4(u, v);
}

/* A family met in a pair that joins: its owner, number there, key and documents. */
typedef struct fmem {
    uint32_t rank, k;
    ovl__mpi_fkey key;
    uint64_t docs;
} fmem;

static int cmp_fmem(const void *x, const void *y)
{
    const fmem *a = x, *b = y;
    return ovl__mpi_fkey_cmp(&a->key, &b->key);
}

/* A pair that joins: y put with x. */
typedef struct vpair {
    fmem x, y;
} vpair;

static int gram_rank(uint64_t g, int P)
{
    return (int)((g ^ (g >> 32)) % (uint64_t)P);
}

typedef struct gwork {
    mpi_run *m;
    const ovl__families *loc;
    ovl__fgrams *t;
} gwork;

static int grams_work(void *arg, const ovl__famread *rd, ovl_ctx *lctx)
{
    gwork *w = arg;
    return ovl__families_grams(w->m->ctx, w->loc, rd, lctx, w->t);
}

/* Steps 1 and 2: this rank's families' texts read (*t, kept) and their grams sent to the
 * ranks they pick; the pairs that may join found among those got, each sent to the rank
 * owning its y (*cs, *nc: those of this rank's families, sorted by x's rank). */
static int find_pairs(mpi_run *m, const ovl_scan_opts *o, const ovl_corpus *c, const size_t *first,
                      const ovl_scan_doc *mydocs, size_t window, const ovl__families *loc, ovl__fgrams *t,
                      cand **cs, size_t *nc)
{
    int P = m->size, rc;
    gwork w = {m, loc, t};
    size_t *counts = calloc(P, sizeof *counts), *rl = calloc(P, sizeof *rl), *at = calloc(P + 1, sizeof *at);
    grec *send = NULL;
    char *recv = NULL;
    cand *mine = NULL;
    size_t nmine = 0, capm = 0;
    *cs = NULL;
    *nc = 0;
    rc = ovl__mpi_owners_read(m, o, c, first, mydocs, window, grams_work, &w);
    if (rc == OVL_OK && !(counts && rl && at && (send = malloc((t->ng ? t->ng : 1) * sizeof *send))))
        rc = ovl__mpi_nomem(m);
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto done;
    for (size_t i = 0; i < t->ng; i++)
        counts[gram_rank(t->gr[i].g, P)]++;
    for (int p = 0; p < P; p++) {
        at[p + 1] = at[p] + counts[p];
        counts[p] *= sizeof *send;
    }
    for (size_t k = 0; k < t->n; k++)
        for (size_t i = t->goff[k]; i < t->goff[k + 1]; i++) {
            uint32_t gy = i == t->goff[k] ? (uint32_t)(t->goff[k + 1] - t->goff[k]) : 0;
            uint64_t g = t->gr[i].g;
            send[at[gram_rank(g, P)]++] = (grec){g, 0, (uint32_t)k, (uint32_t)t->len[k], gy};
        }
    m->st.sent[m->phase] += t->ng * sizeof *send;
    ovl__mpi_held(m, t->ng * (sizeof *t->gr + sizeof *send));
    int bad = ovl__mpi_alltoall_bytes(m, (const char *)send, counts, &recv, rl) != 0;
    free(send);
    send = NULL;
    if ((rc = ovl__mpi_agree(m, bad ? ovl__mpi_nomem(m) : OVL_OK)) != OVL_OK)
        goto done;
    grec *g = (grec *)recv;
    size_t n = ovl__mpi_received(rl, P, sizeof *g);
    uint64_t grams = n;
    MPI_Allreduce(MPI_IN_PLACE, &grams, 1, MPI_UINT64_T, MPI_SUM, m->comm);
    m->st.family_grams += grams;
    for (size_t p = 0, x = 0; p < (size_t)P; p++)
        for (size_t e = x + rl[p] / sizeof *g; x < e; x++)
            g[x].rank = (uint32_t)p;
    /* Pairs: y's least gram held by x, lengths fitting. */
    if (n > 1)
        qsort(g, n, sizeof *g, cmp_grec_g);
    for (size_t i = 0, e; rc == OVL_OK && i < n; i = e) {
        for (e = i + 1; e < n && g[e].g == g[i].g;)
            e++;
        for (size_t y = i; rc == OVL_OK && y < e; y++) {
            if (!g[y].gy)
                continue;
            for (size_t x = i; rc == OVL_OK && x < e; x++) {
                if (x == y || !ovl__fgrams_fit(g[y].len, g[x].len, 1))
                    continue;
                if (ovl__grow(&mine, &capm, nmine + 1, sizeof *mine) != 0) {
                    rc = ovl__mpi_nomem(m);
                    continue;
                }
                mine[nmine++] = (cand){g[x].rank, g[x].k, g[y].rank, g[y].k, g[y].gy, g[y].len == g[x].len};
            }
        }
    }
    ovl__mpi_held(m, n * sizeof *g + nmine * sizeof *mine);
    free(recv);
    recv = NULL;
    /* (Each to the rank owning y, by rank: y's are found in one place, its least gram's.) */
    for (int p = 0; p < P; p++)
        counts[p] = 0;
    for (size_t i = 0; rc == OVL_OK && i < nmine; i++)
        counts[mine[i].yr] += sizeof *mine;
    if (rc == OVL_OK && nmine > 1)
        qsort(mine, nmine, sizeof *mine, cmp_cand_y);
    if (rc != OVL_OK)
        memset(counts, 0, P * sizeof *counts);
    bad = ovl__mpi_alltoall_bytes(m, (const char *)mine, counts, &recv, rl) != 0;
    if ((rc = ovl__mpi_agree(m, rc != OVL_OK ? rc : bad ? ovl__mpi_nomem(m) : OVL_OK)) != OVL_OK)
        goto done;
    *nc = ovl__mpi_received(rl, P, sizeof **cs);
    *cs = (cand *)recv;
    recv = NULL;
    if (*nc > 1)
        qsort(*cs, *nc, sizeof **cs, cmp_cand);
    uint64_t pairs = *nc;
    MPI_Allreduce(MPI_IN_PLACE, &pairs, 1, MPI_UINT64_T, MPI_SUM, m->comm);
    m->st.family_text_pairs += pairs;
done:
    free(counts);
    free(rl);
    free(at);
    free(send);
    free(recv);
    free(mine);
    return rc;
}

/* Step 3: each pair (cs, this rank owning its y) sent to the rank owning x with y's key,
 * documents and grams; that rank tests it against x's grams, and every rank gets the pairs
 * that join (*vp, *nv). */
static int test_pairs(mpi_run *m, const cand *cs, size_t nc, const ovl__families *loc, const ovl__mpi_fkey *key,
                      const ovl__fgrams *t, vpair **vp, size_t *nv)
{
    int P = m->size, rc = OVL_OK;
    uint32_t me = (uint32_t)m->rank;
    size_t *counts = calloc(P, sizeof *counts), *rl = calloc(P, sizeof *rl);
    ovl__bbuf b = {0};
    char *recv = NULL, *all = NULL;
    vpair *mine = NULL;
    size_t nmine = 0, capm = 0;
    *vp = NULL;
    *nv = 0;
    if (!counts || !rl)
        rc = ovl__mpi_nomem(m);
    /* (cs are sorted by x's rank: each rank's requests one after the other.) */
    for (size_t i = 0; rc == OVL_OK && i < nc; i++) {
        const cand *q = &cs[i];
        size_t at = b.n;
        uint32_t h[4] = {q->xk, q->yk, q->gy, q->eq};
        uint64_t docs = loc->f[q->yk].documents;
        ovl__bput(&b, h, sizeof h);
        ovl__bput(&b, &key[q->yk], sizeof key[q->yk]);
        ovl__bput(&b, &docs, sizeof docs);
        for (size_t x = t->goff[q->yk]; x < t->goff[q->yk + 1]; x++)
            ovl__bput(&b, &t->gr[x].g, sizeof t->gr[x].g);
        counts[q->xr] += b.n - at;
    }
    if (rc == OVL_OK && b.bad)
        rc = ovl__mpi_nomem(m);
    if (rc != OVL_OK && counts)
        memset(counts, 0, P * sizeof *counts);
    int bad = ovl__mpi_alltoall_bytes(m, b.p, counts, &recv, rl) != 0;
    m->st.sent[m->phase] += b.n;
    free(b.p);
    if ((rc = ovl__mpi_agree(m, rc != OVL_OK ? rc : bad ? ovl__mpi_nomem(m) : OVL_OK)) != OVL_OK)
        goto done;
    size_t len = 0;
    for (int p = 0; p < P; p++)
        len += rl[p];
    rbuf in = {recv, len, 0};
    for (size_t p = 0, at = 0; p < (size_t)P; at += rl[p], p++) {
        in.n = at + rl[p];
        while (rc == OVL_OK && in.at < in.n) {
            uint32_t h[4];
            ovl__mpi_fkey ky;
            uint64_t docs;
            if (ovl__mpi_get(&in, h, sizeof h) || ovl__mpi_get(&in, &ky, sizeof ky) ||
                ovl__mpi_get(&in, &docs, sizeof docs) || h[0] >= loc->n || h[2] > (in.n - in.at) / sizeof(uint64_t)) {
                rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "the pairs of families could not be read");
                break;
            }
            /* x holds every gram of y (both ascending)? */
            const ovl__fgram *gx = t->gr + t->goff[h[0]], *ex = t->gr + t->goff[h[0] + 1];
            size_t have = 0;
            for (uint32_t i = 0; i < h[2]; i++) {
                uint64_t g;
                ovl__mpi_get(&in, &g, sizeof g);
                while (gx < ex && gx->g < g)
                    gx++;
                have += gx < ex && gx->g == g;
            }
            if (have != h[2] || (h[3] && ovl__mpi_fkey_cmp(&key[h[0]], &ky) >= 0))
                continue;
            if (ovl__grow(&mine, &capm, nmine + 1, sizeof *mine) != 0) {
                rc = ovl__mpi_nomem(m);
                break;
            }
            mine[nmine++] = (vpair){{me, h[0], key[h[0]], loc->f[h[0]].documents}, {(uint32_t)p, h[1], ky, docs}};
        }
    }
    free(recv);
    recv = NULL;
    if (rc != OVL_OK)
        nmine = 0;
    bad = ovl__mpi_allgather_bytes(m, mine, nmine * sizeof *mine, &all, rl) != 0;
    if ((rc = ovl__mpi_agree(m, rc != OVL_OK ? rc : bad ? ovl__mpi_nomem(m) : OVL_OK)) != OVL_OK)
        goto done;
    *nv = ovl__mpi_received(rl, P, sizeof **vp);
    m->st.family_text_joins += *nv;
    *vp = (vpair *)all;
    all = NULL;
done:
    free(counts);
    free(rl);
    free(recv);
    free(all);
    free(mine);
    return rc;
}

/* The groups of the pairs that join (every rank's: *mem, by key; root[i], lead[i] for a root
 * i); -1 when out of memory. */
static int make_groups(const vpair *vp, size_t nv, fmem **mem, size_t *nm, uint32_t **root, uint32_t **lead,
                       size_t *joined)
{
    fmem *v = malloc((2 * nv + 1) * sizeof *v);
    uint32_t *up = NULL, *ld = NULL;
    size_t n = 0;
    *joined = 0;
    if (!v)
        return -1;
    for (size_t i = 0; i < nv; i++) {
        v[n++] = vp[i].x;
        v[n++] = vp[i].y;
    }
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_fmem);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || cmp_fmem(&v[i], &v[u - 1]) != 0)
            v[u++] = v[i];
    n = u;
    up = malloc((n ? n : 1) * sizeof *up);
    ld = malloc((n ? n : 1) * sizeof *ld);
    if (!up || !ld) {
        free(v);
        free(up);
        free(ld);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        up[i] = (uint32_t)i, ld[i] = UINT32_MAX;
    for (size_t i = 0; i < nv; i++) {
        const fmem *px = bsearch(&vp[i].x, v, n, sizeof *v, cmp_fmem), *py = bsearch(&vp[i].y, v, n, sizeof *v, cmp_fmem);
        ovl__uf_union(up, (uint32_t)(px - v), (uint32_t)(py - v));
    }
    /* (By key: the smaller index, the root, is the first in the build's order, and the first
     * member in most documents is the lead, as one process finds them.) */
    for (size_t i = 0; i < n; i++) {
        uint32_t rt = ovl__uf_find(up, (uint32_t)i);
        if (ld[rt] == UINT32_MAX || v[i].docs > v[ld[rt]].docs)
            ld[rt] = (uint32_t)i;
        if (rt != i)
            ++*joined;
    }
    *mem = v;
    *nm = n;
    *root = up;
    *lead = ld;
    return 0;
}

/* A member's occurrences as they travel to its root's rank: the root's number there, whether
 * it is the group's lead, its representative, its occurrences and its documents' copies. */
static void put_member(ovl__bbuf *b, const ovl__families *loc, size_t k, uint32_t rootk, uint32_t is_lead,
                       const ovl__mpi_dcount *copied, size_t ncopied)
{
    const ovl__fam *fm = &loc->f[k];
    const ovl__famspan *sp = loc->spans + fm->first_span;
    uint64_t n = fm->nspans, nd = 0;
    ovl__bput(b, &rootk, sizeof rootk);
    ovl__bput(b, &is_lead, sizeof is_lead);
    ovl__bput(b, &n, sizeof n);
    size_t at_nd = b->n; /* (their count is known once they are put) */
    ovl__bput(b, &nd, sizeof nd);
    ovl__bput(b, &loc->spans[fm->rep], sizeof loc->spans[fm->rep]);
    ovl__bput(b, sp, fm->nspans * sizeof *sp);
    for (size_t i = 0; i < fm->nspans; i++) {
        ovl__mpi_dcount d = {sp[i].doc, ovl__mpi_dcount_of(copied, ncopied, sp[i].doc)};
        if ((i == 0 || sp[i].doc != sp[i - 1].doc) && d.copies) {
            ovl__bput(b, &d, sizeof d);
            nd++;
        }
    }
    if (!b->bad)
        memcpy(b->p + at_nd, &nd, sizeof nd);
}

/* A span received for the root k of this rank. */
typedef struct rspan {
    ovl__famspan s;
    uint32_t k;
} rspan;

static int cmp_rspan(const void *x, const void *y)
{
    const rspan *a = x, *b = y;
    return (a->k > b->k) - (a->k < b->k);
}

static int cmp_dcount(const void *x, const void *y)
{
    const ovl__mpi_dcount *a = x, *b = y;
    return (a->doc > b->doc) - (a->doc < b->doc);
}

/* Reads the members sent to this rank: their spans onto *rs (by root), copies onto *dc, the
 * lead's representative into leadrep[rootk] (has[rootk] set). -1 when the bytes are short or
 * out of memory. */
static int get_members(const char *p, size_t len, size_t nloc, rspan **rs, size_t *nrs, size_t *caprs,
                       ovl__mpi_dcount **dc, size_t *ndc, size_t *capdc, ovl__famspan *leadrep, unsigned char *has)
{
    rbuf b = {p, len, 0};
    while (b.at < b.n) {
        uint32_t rootk, is_lead;
        uint64_t n, nd;
        ovl__famspan rep;
        if (ovl__mpi_get(&b, &rootk, sizeof rootk) || ovl__mpi_get(&b, &is_lead, sizeof is_lead) ||
            ovl__mpi_get(&b, &n, sizeof n) || ovl__mpi_get(&b, &nd, sizeof nd) || ovl__mpi_get(&b, &rep, sizeof rep) ||
            rootk >= nloc || n > (b.n - b.at) / sizeof rep || nd > (b.n - b.at) / sizeof **dc)
            return -1;
        if (ovl__grow(rs, caprs, *nrs + n + 1, sizeof **rs) != 0 || ovl__grow(dc, capdc, *ndc + nd + 1, sizeof **dc) != 0)
            return -1;
        for (uint64_t i = 0; i < n; i++) {
            if (ovl__mpi_get(&b, &(*rs)[*nrs].s, sizeof rep) != 0)
                return -1;
            (*rs)[(*nrs)++].k = rootk;
        }
        if (ovl__mpi_get(&b, *dc + *ndc, nd * sizeof **dc) != 0)
            return -1;
        *ndc += nd;
        if (is_lead) {
            leadrep[rootk] = rep;
            has[rootk] = 1;
        }
    }
    return 0;
}

/* Step 4: each member of a group sent to the rank owning its root; this rank's families made
 * again (a root with its members' occurrences), the members sent away dropped. */
static int regroup(mpi_run *m, const fmem *mem, size_t nm, uint32_t *up, const uint32_t *lead,
                   const ovl__mpi_dcount *copied, size_t ncopied, ovl__families *loc, ovl__mpi_fkey *key)
{
    int P = m->size, rc = OVL_OK;
    uint32_t me = (uint32_t)m->rank;
    size_t nf = loc->n;
    size_t *midx = malloc((nf ? nf : 1) * sizeof *midx);
    size_t *counts = calloc(P, sizeof *counts), *rl = calloc(P, sizeof *rl);
    ovl__bbuf *out = calloc(P, sizeof *out), all = {0};
    ovl__famspan *leadrep = malloc((nf ? nf : 1) * sizeof *leadrep);
    unsigned char *has = calloc(nf ? nf : 1, 1);
    char *recv = NULL;
    rspan *rs = NULL;
    ovl__mpi_dcount *dc = NULL;
    size_t nrs = 0, caprs = 0, ndc = 0, capdc = 0;
    uint64_t moved = 0;
    ovl__fam *nfam = NULL;
    ovl__famspan *nsp = NULL;
    if (!midx || !counts || !rl || !out || !leadrep || !has)
        rc = ovl__mpi_nomem(m);
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto done;
    for (size_t k = 0; k < nf; k++)
        midx[k] = SIZE_MAX;
    for (size_t i = 0; i < nm; i++)
        if (mem[i].rank == me)
            midx[mem[i].k] = i;
    /* Members to their roots' ranks (this one's too), in the order they are here. */
    for (size_t k = 0; k < nf; k++) {
        size_t i = midx[k];
        if (i == SIZE_MAX)
            continue;
        uint32_t rt = ovl__uf_find(up, (uint32_t)i);
        if (rt == i)
            continue;
        put_member(&out[mem[rt].rank], loc, k, mem[rt].k, lead[rt] == i, copied, ncopied);
        moved += mem[rt].rank != me;
    }
    MPI_Allreduce(MPI_IN_PLACE, &moved, 1, MPI_UINT64_T, MPI_SUM, m->comm);
    m->st.family_members_moved += moved;
    int short_ = 0;
    for (int p = 0; p < P; p++) {
        ovl__bput(&all, out[p].p, out[p].n);
        counts[p] = out[p].n;
        short_ |= out[p].bad;
    }
    /* (Out of memory here: this rank takes part in the exchange with nothing.) */
    if (all.bad || short_) {
        rc = ovl__mpi_nomem(m);
        memset(counts, 0, P * sizeof *counts);
    }
    int bad = ovl__mpi_alltoall_bytes(m, all.p, counts, &recv, rl) != 0;
    free(all.p);
    all.p = NULL;
    if ((rc = ovl__mpi_agree(m, rc != OVL_OK ? rc : bad ? ovl__mpi_nomem(m) : OVL_OK)) != OVL_OK)
        goto done;
    for (size_t p = 0, off = 0; p < (size_t)P; off += rl[p], p++)
        if (rc == OVL_OK && get_members(recv + off, rl[p], nf, &rs, &nrs, &caprs, &dc, &ndc, &capdc, leadrep, has) != 0)
            rc = ovl__fail(m->ctx, OVL_ERR_NOMEM, -1, "out of memory or the families' members could not be read");
    free(recv);
    recv = NULL;
    /* The copies of every document met: this rank's and those sent along. */
    if (rc == OVL_OK && ovl__grow(&dc, &capdc, ndc + ncopied + 1, sizeof *dc) != 0)
        rc = ovl__mpi_nomem(m);
    if (rc == OVL_OK) {
        if (ncopied)
            memcpy(dc + ndc, copied, ncopied * sizeof *dc);
        ndc += ncopied;
        if (ndc > 1)
            qsort(dc, ndc, sizeof *dc, cmp_dcount);
        if (nrs > 1)
            qsort(rs, nrs, sizeof *rs, cmp_rspan);
    }
    size_t total = loc->nspans + nrs;
    for (size_t k = 0; k < nf; k++)
        total += loc->f[k].nspans;
    if (rc == OVL_OK && (!(nfam = calloc(nf ? nf : 1, sizeof *nfam)) || !(nsp = malloc((total + 1) * sizeof *nsp))))
        rc = ovl__mpi_nomem(m);
    ovl__mpi_held(m, total * sizeof *nsp + ndc * sizeof *dc + nrs * sizeof *rs);
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto done;
    /* Every family left made again, as one process makes them once some joined. */
    memcpy(nsp, loc->spans, loc->nspans * sizeof *nsp);
    size_t at = loc->nspans, nn = 0, r0 = 0;
    for (size_t k = 0; k < nf; k++) {
        size_t i = midx[k];
        const ovl__fam *fm = &loc->f[k];
        if (i != SIZE_MAX && ovl__uf_find(up, (uint32_t)i) != i)
            continue;
        size_t first = at;
        memcpy(nsp + at, loc->spans + fm->first_span, fm->nspans * sizeof *nsp);
        at += fm->nspans;
        while (r0 < nrs && rs[r0].k < k)
            r0++;
        for (; r0 < nrs && rs[r0].k == k; r0++)
            nsp[at++] = rs[r0].s;
        ovl__famspan rep = loc->spans[fm->rep];
        if (i != SIZE_MAX) {
            const fmem *ld = &mem[lead[i]];
            if (ld->rank == me)
                rep = loc->spans[loc->f[ld->k].rep];
            else if (has[k])
                rep = leadrep[k];
        }
        ovl__fam *nf2 = &nfam[nn];
        nf2->first_span = first;
        nf2->nspans = ovl__famspans_merge(nsp + first, at - first);
        nf2->first_in = fm->first_in;
        for (size_t x = first; x < first + nf2->nspans; x++)
            if (x == first || nsp[x].doc != nsp[x - 1].doc)
                nf2->documents += 1 + ovl__mpi_dcount_of(dc, ndc, nsp[x].doc);
        ovl__fam_settle(nf2, nsp, rep);
        at = first + nf2->nspans;
        key[nn++] = key[k];
    }
    free(loc->f);
    free(loc->spans);
    loc->f = nfam;
    loc->spans = nsp;
    loc->n = nn;
    nfam = NULL;
    nsp = NULL;
done:
    for (int p = 0; out && p < P; p++)
        free(out[p].p);
    free(out);
    free(midx);
    free(counts);
    free(rl);
    free(leadrep);
    free(has);
    free(recv);
    free(rs);
    free(dc);
    free(nfam);
    free(nsp);
    return rc;
}

int ovl__mpi_join_same(mpi_run *m, const ovl_scan_opts *o, const ovl_corpus *c, const size_t *first,
                       const ovl_scan_doc *mydocs, size_t window, const ovl__mpi_dcount *copied, size_t ncopied,
                       ovl__families *loc, ovl__mpi_fkey *key, size_t *joined)
{
    ovl__fgrams t;
    cand *cs = NULL;
    vpair *vp = NULL;
    fmem *mem = NULL;
    uint32_t *up = NULL, *lead = NULL;
    size_t nc = 0, nv = 0, nm = 0;
    memset(&t, 0, sizeof t);
    *joined = 0;
    int rc = find_pairs(m, o, c, first, mydocs, window, loc, &t, &cs, &nc);
    if (rc == OVL_OK)
        rc = test_pairs(m, cs, nc, loc, key, &t, &vp, &nv);
    ovl__fgrams_free(&t);
    free(cs);
    if (rc == OVL_OK)
        rc = ovl__mpi_agree(m, make_groups(vp, nv, &mem, &nm, &up, &lead, joined) ? ovl__mpi_nomem(m) : OVL_OK);
    free(vp);
    if (rc == OVL_OK && *joined)
        rc = regroup(m, mem, nm, up, lead, copied, ncopied, loc, key);
    free(mem);
    free(up);
    free(lead);
    return rc;
}
