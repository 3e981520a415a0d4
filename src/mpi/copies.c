/* copies.c - identical and near copies over MPI ranks, found where their content hashes and whole-document keys are, no rank holding every document's, each group held by the rank leading it. */
#include "copies.h"

#include <stdlib.h>
#include <string.h>

typedef struct hd {
    uint64_t h0, h1;
    uint32_t doc;
} hd;

static int cmp_hd(const void *x, const void *y)
{
    const hd *a = x, *b = y;
    if (a->h0 != b->h0)
        return a->h0 < b->h0 ? -1 : 1;
    if (a->h1 != b->h1)
        return a->h1 < b->h1 ? -1 : 1;
    return (a->doc > b->doc) - (a->doc < b->doc);
}

/* ---- near copies, found where their keys are ------------------------------------------ */

/* A whole-document key and its document (the finder of ovl_scan pairs documents sharing a
 * key value in any bands: the band is not part of it). */
typedef struct bkd {
    uint64_t key;
    uint32_t doc, pad;
} bkd;

static int cmp_bkd(const void *x, const void *y)
{
    const bkd *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return (a->doc > b->doc) - (a->doc < b->doc);
}

static int cmp_dpair(const void *x, const void *y)
{
    const dpair *a = x, *b = y;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return (a->b > b->b) - (a->b < b->b);
}

static size_t uniq_dpair(dpair *v, size_t n)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof *v, cmp_dpair);
    size_t k = 0;
    for (size_t x = 0; x < n; x++)
        if (k == 0 || v[x].a != v[k - 1].a || v[x].b != v[k - 1].b)
            v[k++] = v[x];
    return k;
}

/* The signatures of ids (sorted, distinct, none of this rank's) from their owners: *out
 * (malloc'd) holds K values per id, in the order of ids. Collective. */
static int fetch_sigs(mpi_run *m, const ovl_scan_shard *sh, const size_t *first, unsigned K,
                      const uint32_t *ids, size_t nids, uint32_t **out)
{
    void *rows = NULL;
    int rc = ovl__mpi_fetch_rows(m, first, sh->doc_sigs, (size_t)K * sizeof(uint32_t), ids, nids, &rows, NULL);
    *out = rows;
    return rc;
}

/* The signature of document id: this rank's own, or of the fetched ids. */
static const uint32_t *sig_of(const ovl_scan_shard *sh, size_t lo, size_t cnt, unsigned K,
                              const uint32_t *ids, size_t nids, const uint32_t *fetched, uint32_t id)
{
    if (id >= lo && id < lo + cnt)
        return sh->doc_sigs + (id - lo) * K;
    const uint32_t *at = bsearch(&id, ids, nids, sizeof *ids, ovl__mpi_cmp_u32);
    return at ? fetched + (size_t)(at - ids) * K : NULL;
}

/* Sorted distinct ids of the list that are not this rank's. */
static size_t others(uint32_t *v, size_t n, size_t lo, size_t cnt)
{
    qsort(v, n, sizeof *v, ovl__mpi_cmp_u32);
    size_t k = 0;
    for (size_t x = 0; x < n; x++)
        if ((v[x] < lo || v[x] >= lo + cnt) && (k == 0 || v[x] != v[k - 1]))
            v[k++] = v[x];
    return k;
}

/* The smallest document each document of the share is joined to by the edges of every
 * rank (e[0, ne): a of this share, b any; the same pairs as ovl__near_groups joins): *label
 * (malloc'd, cnt of them), document lo + k's at k. Each round lowers the labels of an edge's
 * ends and of the document the higher one names to the lower one, then each label to its
 * label's label (pointer jumping), until no rank lowers one; every label is then its
 * group's smallest document (a label is always a document of the group, and no edge is
 * left with two), as the union-find of one process leaves it, and no rank holds another's
 * edges or labels. Collective. */
static int near_roots(mpi_run *m, const size_t *first, const dpair *e, size_t ne, uint32_t **label)
{
    int P = m->size, me = m->rank, rc = OVL_OK;
    size_t lo = first[me], cnt = first[me + 1] - lo, nfar = 0;
    uint32_t *L = malloc((cnt ? cnt : 1) * sizeof *L), *far = malloc((ne ? ne : 1) * sizeof *far);
    uint32_t *ask = malloc((cnt ? cnt : 1) * sizeof *ask), *got = NULL;
    dpair *low = malloc((2 * ne + 1) * sizeof *low);
    size_t *sc = calloc(2 * (size_t)P, sizeof *sc), *rl = sc ? sc + P : NULL;
    char *in = NULL;
    void *rows = NULL;
    *label = NULL;
    if (!L || !far || !ask || !low || !sc)
        rc = ovl__mpi_nomem(m);
    for (size_t k = 0; rc == OVL_OK && k < cnt; k++)
        L[k] = (uint32_t)(lo + k);
    /* (The far ends of the edges, asked for their labels every round.) */
    for (size_t x = 0; rc == OVL_OK && x < ne; x++)
        far[x] = e[x].b;
    if (rc == OVL_OK)
        nfar = ovl__mpi_sort_uniq_u32(far, ne);
    for (int more = 1; (rc = ovl__mpi_agree(m, rc)) == OVL_OK && more;) {
        int lowered = 0;
        /* Along the edges: each end lowered to the smaller label (the far one by its owner),
         * and so is the document the higher label names (hooking its tree under the lower:
         * the labels of a group settle in a few rounds, not one round a link). */
        if ((rc = ovl__mpi_fetch_rows(m, first, L, sizeof *L, far, nfar, &rows, NULL)) != OVL_OK)
            break;
        got = rows;
        size_t nl = 0;
        for (size_t x = 0; x < ne; x++) {
            uint32_t la = L[e[x].a - lo], lb = got[ovl__mpi_pos_of(far, nfar, e[x].b)];
            if (la == lb)
                continue;
            if (lb < la)
                L[e[x].a - lo] = lb, lowered = 1;
            else
                low[nl++] = (dpair){e[x].b, la};
            low[nl++] = la < lb ? (dpair){lb, la} : (dpair){la, lb};
        }
        free(got);
        got = NULL;
        if (nl > 1)
            qsort(low, nl, sizeof *low, ovl__mpi_cmp_u32); /* (by document: by owner) */
        memset(sc, 0, P * sizeof *sc);
        for (size_t x = 0; x < nl; x++)
            sc[ovl__mpi_owner_of(first, P, low[x].a)] += sizeof *low;
        rc = ovl__mpi_alltoall_bytes(m, (const char *)low, sc, &in, rl) ? ovl__mpi_nomem(m) : OVL_OK;
        if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
            break;
        for (size_t x = 0, n = ovl__mpi_received(rl, P, sizeof *low); x < n; x++) {
            dpair d;
            memcpy(&d, in + x * sizeof d, sizeof d);
            if (d.b < L[d.a - lo])
                L[d.a - lo] = d.b, lowered = 1;
        }
        free(in);
        in = NULL;
        /* Each label to its label's label. */
        size_t na = 0;
        for (size_t k = 0; k < cnt; k++)
            if (L[k] != lo + k)
                ask[na++] = L[k];
        na = ovl__mpi_sort_uniq_u32(ask, na);
        if ((rc = ovl__mpi_fetch_rows(m, first, L, sizeof *L, ask, na, &rows, NULL)) != OVL_OK)
            break;
        got = rows;
        for (size_t k = 0; k < cnt; k++)
            if (L[k] != lo + k) {
                uint32_t ll = got[ovl__mpi_pos_of(ask, na, L[k])];
                if (ll < L[k])
                    L[k] = ll, lowered = 1;
            }
        free(got);
        got = NULL;
        MPI_Allreduce(&lowered, &more, 1, MPI_INT, MPI_LOR, m->comm);
        m->st.near_rounds++;
    }
    ovl__mpi_held(m, cnt * sizeof *L + ne * (sizeof *far + 2 * sizeof *low) + cnt * sizeof *ask);
    if (rc == OVL_OK)
        *label = L, L = NULL;
    free(L);
    free(far);
    free(ask);
    free(got);
    free(low);
    free(sc);
    free(in);
    return rc;
}

int ovl__mpi_near_copies(mpi_run *m, const ovl_scan_opts *o, const ovl_scan_doc *mydocs, uint32_t *myco,
                       float **sims, const ovl_scan_shard *sh, const size_t *first,
                       unsigned dbands, unsigned K)
{
    int P = m->size, me = m->rank, rc = OVL_OK;
    size_t lo = first[me], cnt = first[me + 1] - lo;
    size_t *counts = calloc(P, sizeof *counts), *rl = calloc(P, sizeof *rl), *fill = calloc(P + 1, sizeof *fill);
    bkd *keys = NULL;
    char *got = NULL;
    dpair *cand = NULL;
    uint32_t *ids = NULL, *fetched = NULL, *root = NULL;
    size_t ncand = 0, capcand = 0, nids = 0, nedges = 0;
    float *mine = NULL;
    if (!counts || !rl || !fill)
        rc = ovl__mpi_nomem(m);
    /* Keys to the ranks their values pick. */
    size_t nk = 0;
    for (int pass = 0; rc == OVL_OK && pass < 2; pass++) {
        for (size_t k = 0; k < cnt; k++) {
            size_t i = lo + k;
            if (mydocs[k].status != OVL_OK || myco[k] != i || mydocs[k].tokens == 0)
                continue;
            for (unsigned b = 0; b < dbands; b++) {
                uint64_t key = sh->doc_keys[k * dbands + b];
                int p = (int)(key % (uint64_t)P);
                if (pass == 0)
                    counts[p] += sizeof *keys, nk++;
                else
                    keys[fill[p]++] = (bkd){key, (uint32_t)i, 0};
            }
        }
        if (pass == 0) {
            for (int p = 0; p < P; p++)
                fill[p + 1] = fill[p] + counts[p] / sizeof *keys;
            if (!(keys = malloc((nk ? nk : 1) * sizeof *keys)))
                rc = ovl__mpi_nomem(m);
        }
    }
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    rc = ovl__mpi_alltoall_bytes(m, (const char *)keys, counts, &got, rl) ? ovl__mpi_nomem(m) : OVL_OK;
    free(keys);
    keys = NULL;
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    /* The documents sharing a key, in pairs. */
    nk = ovl__mpi_received(rl, P, sizeof *keys);
    keys = (bkd *)got;
    got = NULL;
    qsort(keys, nk, sizeof *keys, cmp_bkd);
    ovl__mpi_held(m, nk * sizeof *keys);
    for (size_t x = 0; rc == OVL_OK && x < nk;) {
        size_t y = x + 1;
        while (y < nk && keys[y].key == keys[x].key)
            y++;
        for (size_t u = x; rc == OVL_OK && u < y; u++)
            for (size_t v = u + 1; v < y; v++) {
                if (keys[v].doc == keys[u].doc)
                    continue; /* the same key in two of its bands */
                if (ovl__grow(&cand, &capcand, ncand + 1, sizeof *cand) != 0) {
                    rc = ovl__mpi_nomem(m);
                    break;
                }
                cand[ncand++] = (dpair){keys[u].doc, keys[v].doc};
            }
        x = y;
    }
    free(keys);
    keys = NULL;
    if (rc == OVL_OK)
        ncand = uniq_dpair(cand, ncand);
    /* To the owner of the first document (sorted by it: one run per rank). */
    memset(counts, 0, P * sizeof *counts);
    for (size_t x = 0; rc == OVL_OK && x < ncand; x++)
        counts[ovl__mpi_owner_of(first, P, cand[x].a)] += sizeof *cand;
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    rc = ovl__mpi_alltoall_bytes(m, (const char *)cand, counts, &got, rl) ? ovl__mpi_nomem(m) : OVL_OK;
    free(cand);
    cand = NULL;
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    ncand = ovl__mpi_received(rl, P, sizeof *cand);
    cand = (dpair *)got;
    got = NULL;
    ncand = uniq_dpair(cand, ncand);
    /* The pairs whose signatures agree. */
    if (!(ids = malloc((ncand ? ncand : 1) * sizeof *ids)))
        rc = ovl__mpi_nomem(m);
    for (size_t x = 0; rc == OVL_OK && x < ncand; x++)
        ids[x] = cand[x].b;
    if (rc == OVL_OK)
        nids = others(ids, ncand, lo, cnt);
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    if ((rc = fetch_sigs(m, sh, first, K, ids, nids, &fetched)) != OVL_OK)
        goto out;
    ovl__mpi_held(m, ncand * sizeof *cand + nids * (uint64_t)K * 4);
    for (size_t x = 0; x < ncand; x++) {
        const uint32_t *sa = sig_of(sh, lo, cnt, K, ids, nids, fetched, cand[x].a);
        const uint32_t *sb = sig_of(sh, lo, cnt, K, ids, nids, fetched, cand[x].b);
        if (sa && sb && ovl_minhash_similarity(sa, sb, K) >= o->near_copies)
            cand[nedges++] = cand[x];
    }
    free(fetched);
    fetched = NULL;
    /* Each document's group first, then each near copy's similarity to it (its signature
     * fetched when another rank's). */
    if ((rc = near_roots(m, first, cand, nedges, &root)) != OVL_OK)
        goto out;
    free(cand);
    cand = NULL;
    free(ids);
    ids = malloc((cnt ? cnt : 1) * sizeof *ids);
    mine = calloc(cnt ? cnt : 1, sizeof *mine);
    nids = 0;
    if (!ids || !mine)
        rc = ovl__mpi_nomem(m);
    for (size_t k = 0; rc == OVL_OK && k < cnt; k++)
        if (myco[k] == lo + k && root[k] != lo + k)
            ids[nids++] = root[k];
    if (rc == OVL_OK)
        nids = others(ids, nids, lo, cnt);
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    if ((rc = fetch_sigs(m, sh, first, K, ids, nids, &fetched)) != OVL_OK)
        goto out;
    for (size_t k = 0; k < cnt; k++) {
        uint32_t i = (uint32_t)(lo + k);
        if (myco[k] != i || root[k] == i)
            continue;
        const uint32_t *sa = sig_of(sh, lo, cnt, K, ids, nids, fetched, i);
        const uint32_t *sb = sig_of(sh, lo, cnt, K, ids, nids, fetched, root[k]);
        mine[k] = sa && sb ? (float)ovl_minhash_similarity(sa, sb, K) : 0;
        myco[k] = root[k];
    }
    /* (Kept where they are: the rank leading each group gathers its members' with them.) */
    *sims = mine;
    mine = NULL;
out:
    free(root);
    free(counts);
    free(rl);
    free(fill);
    free(keys);
    free(got);
    free(cand);
    free(ids);
    free(fetched);
    free(mine);
    return rc;
}

/* ---- identical copies -------------------------------------------------------------------- */

int ovl__mpi_identical_copies(mpi_run *m, const ovl_scan_doc *mydocs, const size_t *first, uint32_t *myco)
{
    int P = m->size, me = m->rank, rc = OVL_OK;
    size_t lo = first[me], cnt = first[me + 1] - lo, nv = 0;
    size_t *counts = calloc(P, sizeof *counts), *rl = calloc(P, sizeof *rl), *fill = calloc(P + 1, sizeof *fill);
    uint32_t *mine = myco;
    hd *v = NULL;
    char *got = NULL;
    dpair *back = NULL;
    if (!counts || !rl || !fill || !mine)
        rc = ovl__mpi_nomem(m);
    for (size_t k = 0; rc == OVL_OK && k < cnt; k++)
        if (mydocs[k].status == OVL_OK)
            counts[mydocs[k].hash[0] % (uint64_t)P] += sizeof *v, nv++;
    if (rc == OVL_OK && !(v = malloc((nv ? nv : 1) * sizeof *v)))
        rc = ovl__mpi_nomem(m);
    if (rc == OVL_OK) {
        for (int p = 0; p < P; p++)
            fill[p + 1] = fill[p] + counts[p] / sizeof *v;
        for (size_t k = 0; k < cnt; k++)
            if (mydocs[k].status == OVL_OK)
                v[fill[mydocs[k].hash[0] % (uint64_t)P]++] =
                    (hd){mydocs[k].hash[0], mydocs[k].hash[1], (uint32_t)(lo + k)};
    }
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    rc = ovl__mpi_alltoall_bytes(m, (const char *)v, counts, &got, rl) ? ovl__mpi_nomem(m) : OVL_OK;
    free(v);
    v = NULL;
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    v = (hd *)got;
    got = NULL;
    nv = ovl__mpi_received(rl, P, sizeof *v);
    qsort(v, nv, sizeof *v, cmp_hd);
    ovl__mpi_held(m, nv * sizeof *v);
    /* Each copy's first, to the copy's owner (a first needs no word). */
    size_t nb = 0;
    if (!(back = malloc((nv ? nv : 1) * sizeof *back)))
        rc = ovl__mpi_nomem(m);
    for (size_t x = 0, f = 0; rc == OVL_OK && x < nv; x++) {
        if (x == 0 || v[x].h0 != v[x - 1].h0 || v[x].h1 != v[x - 1].h1)
            f = x;
        else
            back[nb++] = (dpair){v[x].doc, v[f].doc};
    }
    if (rc == OVL_OK)
        nb = uniq_dpair(back, nb);
    memset(counts, 0, P * sizeof *counts);
    for (size_t x = 0; rc == OVL_OK && x < nb; x++)
        counts[ovl__mpi_owner_of(first, P, back[x].a)] += sizeof *back;
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    free(v);
    v = NULL;
    rc = ovl__mpi_alltoall_bytes(m, (const char *)back, counts, &got, rl) ? ovl__mpi_nomem(m) : OVL_OK;
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    for (size_t k = 0; k < cnt; k++)
        mine[k] = mydocs[k].status == OVL_OK ? (uint32_t)(lo + k) : UINT32_MAX;
    size_t ng = ovl__mpi_received(rl, P, sizeof *back);
    for (size_t x = 0; x < ng; x++) {
        dpair e;
        memcpy(&e, got + x * sizeof e, sizeof e);
        if (e.a >= lo && e.a < lo + cnt)
            mine[e.a - lo] = e.b;
    }
out:
    free(counts);
    free(rl);
    free(fill);
    free(v);
    free(got);
    free(back);
    return rc;
}

/* By group, then copy. */
static int cmp_dcopy(const void *x, const void *y)
{
    const dcopy *a = x, *b = y;
    if (a->b != b->b)
        return a->b < b->b ? -1 : 1;
    return (a->a > b->a) - (a->a < b->a);
}

int ovl__mpi_copy_groups(mpi_run *m, const size_t *first, const uint32_t *myco, const float *sims,
                         dcopy **groups, size_t *ngroups, uint32_t **counts)
{
    int P = m->size, me = m->rank, rc = OVL_OK;
    size_t lo = first[me], cnt = first[me + 1] - lo, nc = 0;
    size_t *sc = calloc(2 * (size_t)P, sizeof *sc), *rl = sc ? sc + P : NULL;
    dcopy *cv = malloc((cnt ? cnt : 1) * sizeof *cv);
    char *got = NULL;
    *groups = NULL;
    *ngroups = 0;
    if (counts)
        *counts = calloc(cnt ? cnt : 1, sizeof **counts);
    if (!sc || !cv || (counts && !*counts))
        rc = ovl__mpi_nomem(m);
    /* This share's copies, sorted by group: so by the rank leading them, as the exchange wants. */
    for (size_t k = 0; rc == OVL_OK && k < cnt; k++)
        if (myco[k] != UINT32_MAX && myco[k] != lo + k)
            cv[nc++] = (dcopy){(uint32_t)(lo + k), myco[k], sims ? sims[k] : 0};
    if (rc == OVL_OK && nc > 1)
        qsort(cv, nc, sizeof *cv, cmp_dcopy);
    for (size_t k = 0; rc == OVL_OK && k < nc; k++)
        sc[ovl__mpi_owner_of(first, P, cv[k].b)] += sizeof *cv;
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto done;
    rc = ovl__mpi_alltoall_bytes(m, (const char *)cv, sc, &got, rl) ? ovl__mpi_nomem(m) : OVL_OK;
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto done;
    free(cv);
    cv = (dcopy *)got;
    got = NULL;
    nc = ovl__mpi_received(rl, P, sizeof *cv);
    if (nc > 1)
        qsort(cv, nc, sizeof *cv, cmp_dcopy);
    ovl__mpi_held(m, nc * sizeof *cv);
    m->st.copies_led = nc;
    for (size_t k = 0; counts && k < nc; k++)
        (*counts)[cv[k].b - lo]++;
    *groups = cv;
    *ngroups = nc;
    cv = NULL;
done:
    free(sc);
    free(cv);
    free(got);
    if (rc != OVL_OK && counts) {
        free(*counts);
        *counts = NULL;
    }
    return rc;
}
