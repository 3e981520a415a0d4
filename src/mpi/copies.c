/* copies.c - identical and near copies over MPI ranks, found where their content hashes and whole-document keys are, no rank holding every document's. */
#include "copies.h"
#include "../uf.h"

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

/* Union-find over the documents of some edges only (not every document of the corpus):
 * ids, their numbers ascending; parent by position, so the smaller position, the smaller
 * number, stays the root. */
typedef struct cuf {
    uint32_t *ids, *parent;
    size_t n;
} cuf;

static void cuf_free(cuf *u)
{
    free(u->ids);
    free(u->parent);
    memset(u, 0, sizeof *u);
}

/* The sets the edges e[0, ne) join. -1 when out of memory. */
static int cuf_make(cuf *u, const dpair *e, size_t ne)
{
    memset(u, 0, sizeof *u);
    u->ids = malloc((2 * ne + 1) * sizeof *u->ids);
    u->parent = malloc((2 * ne + 1) * sizeof *u->parent);
    if (!u->ids || !u->parent) {
        cuf_free(u);
        return -1;
    }
    for (size_t x = 0; x < ne; x++)
        u->ids[2 * x] = e[x].a, u->ids[2 * x + 1] = e[x].b;
    u->n = ovl__mpi_sort_uniq_u32(u->ids, 2 * ne);
    for (size_t k = 0; k < u->n; k++)
        u->parent[k] = (uint32_t)k;
    for (size_t x = 0; x < ne; x++)
        ovl__uf_union(u->parent, (uint32_t)ovl__mpi_pos_of(u->ids, u->n, e[x].a),
                      (uint32_t)ovl__mpi_pos_of(u->ids, u->n, e[x].b));
    return 0;
}

/* The first document of doc's set (doc itself when no edge names it). */
static uint32_t cuf_root(cuf *u, uint32_t doc)
{
    size_t k = ovl__mpi_pos_of(u->ids, u->n, doc);
    return k == SIZE_MAX ? doc : u->ids[ovl__uf_find(u->parent, (uint32_t)k)];
}

int ovl__mpi_near_copies(mpi_run *m, const ovl_scan_opts *o, const ovl_scan_doc *mydocs, uint32_t *myco,
                       dsim **sims, size_t *nsims, const ovl_scan_shard *sh, const size_t *first,
                       unsigned dbands, unsigned K)
{
    int P = m->size, me = m->rank, rc = OVL_OK;
    size_t lo = first[me], cnt = first[me + 1] - lo;
    size_t *counts = calloc(P, sizeof *counts), *rl = calloc(P, sizeof *rl), *fill = calloc(P + 1, sizeof *fill);
    bkd *keys = NULL;
    char *got = NULL;
    dpair *cand = NULL, *edges = NULL;
    uint32_t *ids = NULL, *fetched = NULL;
    cuf uf = {0};
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
    /* Spanning edges of this rank's groups to every rank, joined there (over the documents
     * the edges name, not every document). */
    size_t ne = 0;
    if (cuf_make(&uf, cand, nedges) != 0)
        rc = ovl__mpi_nomem(m);
    for (size_t k = 0; rc == OVL_OK && k < uf.n; k++)
        if (uf.parent[k] != k)
            cand[ne++] = (dpair){uf.ids[k], cuf_root(&uf, uf.ids[k])};
    cuf_free(&uf);
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    rc = ovl__mpi_allgather_bytes(m, cand, ne * sizeof *cand, &got, rl) ? ovl__mpi_nomem(m) : OVL_OK;
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    free(cand);
    cand = NULL;
    edges = (dpair *)got;
    got = NULL;
    nedges = ovl__mpi_received(rl, P, sizeof *edges);
    rc = cuf_make(&uf, edges, nedges) ? ovl__mpi_nomem(m) : OVL_OK;
    free(edges);
    edges = NULL;
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    ovl__mpi_held(m, uf.n * 2 * sizeof *uf.ids);
    /* Each rank the similarity of its near copies to their group's first document (its
     * signature fetched when another rank's), then every document's to every rank. */
    free(ids);
    ids = malloc((cnt ? cnt : 1) * sizeof *ids);
    mine = calloc(cnt ? cnt : 1, sizeof *mine);
    nids = 0;
    if (!ids || !mine)
        rc = ovl__mpi_nomem(m);
    for (size_t k = 0; rc == OVL_OK && k < cnt; k++) {
        uint32_t i = (uint32_t)(lo + k), root = cuf_root(&uf, i);
        if (myco[k] == i && root != i)
            ids[nids++] = root;
    }
    if (rc == OVL_OK)
        nids = others(ids, nids, lo, cnt);
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    if ((rc = fetch_sigs(m, sh, first, K, ids, nids, &fetched)) != OVL_OK)
        goto out;
    for (size_t k = 0; k < cnt; k++) {
        uint32_t i = (uint32_t)(lo + k), root = cuf_root(&uf, i);
        if (myco[k] != i || root == i)
            continue;
        const uint32_t *sa = sig_of(sh, lo, cnt, K, ids, nids, fetched, i);
        const uint32_t *sb = sig_of(sh, lo, cnt, K, ids, nids, fetched, root);
        mine[k] = sa && sb ? (float)ovl_minhash_similarity(sa, sb, K) : 0;
    }
    /* To rank 0 only, which reports the groups: the near copies' (document order). */
    size_t ns = 0;
    dsim *sv = malloc((cnt ? cnt : 1) * sizeof *sv);
    for (size_t k = 0; sv && k < cnt; k++)
        if (mine[k] > 0)
            sv[ns++] = (dsim){(uint32_t)(lo + k), mine[k]};
    if ((rc = ovl__mpi_agree(m, sv ? OVL_OK : ovl__mpi_nomem(m))) != OVL_OK) {
        free(sv);
        goto out;
    }
    char *gs = NULL;
    rc = ovl__mpi_gather_bytes(m, sv, ns * sizeof *sv, &gs, rl) ? ovl__mpi_nomem(m) : OVL_OK;
    free(sv);
    *sims = (dsim *)gs;
    *nsims = m->rank == 0 ? ovl__mpi_received(rl, P, sizeof **sims) : 0;
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    for (size_t k = 0; k < cnt; k++) {
        uint32_t i = (uint32_t)(lo + k), root = cuf_root(&uf, i);
        if (myco[k] == i && root != i)
            myco[k] = root;
    }
out:
    cuf_free(&uf);
    free(counts);
    free(rl);
    free(fill);
    free(keys);
    free(got);
    free(cand);
    free(edges);
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

int ovl__mpi_cmp_by_first(const void *x, const void *y)
{
    const dpair *a = x, *b = y;
    if (a->b != b->b)
        return a->b < b->b ? -1 : 1;
    return (a->a > b->a) - (a->a < b->a);
}

int ovl__mpi_copy_counts(mpi_run *m, const size_t *first, const dpair *cv, size_t nc, size_t lo, size_t cnt,
                         uint32_t **counts)
{
    int P = m->size, rc = OVL_OK;
    uint32_t *fs = malloc((nc ? nc : 1) * sizeof *fs), *got = NULL;
    size_t *sc = calloc(2 * (size_t)P, sizeof *sc), *rl = sc ? sc + P : NULL;
    *counts = calloc(cnt ? cnt : 1, sizeof **counts);
    if ((rc = ovl__mpi_agree(m, fs && sc && *counts ? OVL_OK : ovl__mpi_nomem(m))) != OVL_OK)
        goto done;
    /* (The firsts ascending: by the rank holding them.) */
    for (size_t k = 0; k < nc; k++)
        fs[k] = cv[k].b;
    if (nc > 1)
        qsort(fs, nc, sizeof *fs, ovl__mpi_cmp_u32);
    for (size_t k = 0; k < nc; k++)
        sc[ovl__mpi_owner_of(first, P, fs[k])] += sizeof *fs;
    if (ovl__mpi_alltoall_bytes(m, (const char *)fs, sc, (char **)&got, rl) != 0)
        rc = ovl__mpi_nomem(m);
    size_t ng = ovl__mpi_received(rl, P, sizeof *got);
    for (size_t k = 0; rc == OVL_OK && k < ng; k++)
        (*counts)[got[k] - lo]++;
    rc = ovl__mpi_agree(m, rc);
done:
    free(fs);
    free(got);
    free(sc);
    if (rc != OVL_OK) {
        free(*counts);
        *counts = NULL;
    }
    return rc;
}
