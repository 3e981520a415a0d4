/* groups.c - the group ids of a rank's share, numbered over the ranks from their group keys (no rank holding every document's id). */
#include "groups.h"

#include <stdlib.h>
#include <string.h>

/* A key of this rank's share, or one received: its bytes, the rank numbering it, where it
 * came from (a document of the share, or a position among those received). */
typedef struct gkey {
    const char *s;
    uint32_t len;
    int dest;
    size_t at;
} gkey;

static int cmp_bytes(const gkey *x, const gkey *y)
{
    int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int cmp_sent(const void *a, const void *b)
{
    const gkey *x = a, *y = b;
    if (x->dest != y->dest)
        return x->dest < y->dest ? -1 : 1;
    int c = cmp_bytes(x, y);
    return c ? c : (x->at > y->at) - (x->at < y->at);
}

static int cmp_got(const void *a, const void *b)
{
    const gkey *x = a, *y = b;
    int c = cmp_bytes(x, y);
    return c ? c : (x->at > y->at) - (x->at < y->at);
}

/* FNV-1a: which rank numbers a key (the same on every rank). */
static int dest_of(const char *s, size_t len, int P)
{
    return (int)(ovl__mpi_fnv(OVL__MPI_FNV_SEED, s, len) % (uint64_t)P);
}

int ovl__mpi_group_ids(mpi_run *m, const char *const *keys, size_t cnt, int32_t *ids, uint64_t *held)
{
    int P = m->size;
    size_t nk = 0, nu = 0, ng = 0, nd = 0, *counts = calloc((size_t)P, sizeof *counts),
           *rl = calloc((size_t)P, sizeof *rl);
    gkey *k = NULL, *got = NULL;
    ovl__bbuf w = {0};
    char *rkeys = NULL, *back = NULL;
    int32_t *num = NULL;
    int rc = counts && rl ? OVL_OK : ovl__mpi_nomem(m);
    *held = cnt;
    for (size_t i = 0; i < cnt; i++)
        ids[i] = -1;
    /* This share's distinct keys, destination after destination; ids[i] is for now the
     * number of document i's key among them. */
    for (size_t i = 0; i < cnt; i++)
        nk += keys[i] != NULL;
    if (rc == OVL_OK && !(k = malloc((nk ? nk : 1) * sizeof *k)))
        rc = ovl__mpi_nomem(m);
    nk = 0;
    for (size_t i = 0; rc == OVL_OK && i < cnt; i++)
        if (keys[i]) {
            size_t len = strlen(keys[i]);
            if (len > UINT32_MAX) {
                rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "a group key of %zu bytes", len);
                break;
            }
            k[nk++] = (gkey){keys[i], (uint32_t)len, dest_of(keys[i], len, P), i};
        }
    if (rc == OVL_OK && nk > 1)
        qsort(k, nk, sizeof *k, cmp_sent);
    for (size_t x = 0; rc == OVL_OK && x < nk; x++) {
        if (x == 0 || k[x].dest != k[x - 1].dest || cmp_bytes(&k[x], &k[x - 1]) != 0) {
            size_t before = w.n;
            ovl__bput(&w, &k[x].len, sizeof k[x].len);
            ovl__bput(&w, k[x].s, k[x].len);
            counts[k[x].dest] += w.n - before;
            nu++;
        }
        ids[k[x].at] = (int32_t)(nu - 1);
    }
    free(k);
    k = NULL;
    if (rc == OVL_OK && w.bad)
        rc = ovl__mpi_nomem(m);
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto done;
    rc = ovl__mpi_alltoall_bytes(m, w.p, counts, &rkeys, rl) ? ovl__mpi_nomem(m) : OVL_OK;
    free(w.p);
    w.p = NULL;
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto done;
    /* The keys this rank numbers: each distinct one once, after those of the ranks before;
     * counts[p] becomes the bytes of the numbers rank p gets back. */
    size_t total = 0;
    for (int p = 0; p < P; p++)
        total += rl[p];
    for (size_t at = 0; at + sizeof(uint32_t) <= total; ng++) {
        uint32_t len;
        memcpy(&len, rkeys + at, sizeof len);
        at += sizeof len + len;
    }
    if (!(got = malloc((ng ? ng : 1) * sizeof *got)) || !(num = malloc((ng ? ng : 1) * sizeof *num)))
        rc = ovl__mpi_nomem(m);
    size_t g = 0, at = 0;
    for (int p = 0; rc == OVL_OK && p < P; p++) {
        size_t end = at + rl[p], g0 = g;
        while (at < end) {
            uint32_t len;
            if (end - at < sizeof len || (memcpy(&len, rkeys + at, sizeof len), len > end - at - sizeof len)) {
                rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "group keys could not be read back");
                break;
            }
            got[g] = (gkey){rkeys + at + sizeof len, len, p, g};
            g++;
            at += sizeof len + len;
        }
        counts[p] = (g - g0) * sizeof *num;
    }
    if (rc == OVL_OK && ng > 1)
        qsort(got, ng, sizeof *got, cmp_got);
    for (size_t x = 0; rc == OVL_OK && x < ng; x++) {
        if (x == 0 || cmp_bytes(&got[x], &got[x - 1]) != 0)
            nd++;
        num[got[x].at] = (int32_t)(nd - 1);
    }
    if (cnt + nu + ng > *held)
        *held = cnt + nu + ng;
    free(got);
    got = NULL;
    free(rkeys);
    rkeys = NULL;
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto done;
    uint64_t base = 0, mine = nd, all = 0;
    MPI_Exscan(&mine, &base, 1, MPI_UINT64_T, MPI_SUM, m->comm);
    MPI_Allreduce(&mine, &all, 1, MPI_UINT64_T, MPI_SUM, m->comm);
    if (m->rank == 0)
        base = 0; /* (MPI_Exscan leaves rank 0's undefined) */
    if (all > INT32_MAX) {
        rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "%llu groups: at most %d", (unsigned long long)all, INT32_MAX);
        goto done; /* (every rank: the same sum) */
    }
    for (size_t x = 0; x < ng; x++)
        num[x] += (int32_t)base;
    /* The numbers back to the ranks whose keys they are, in the order they sent them: the
     * replies, in rank order, are the numbers of this share's distinct keys in order. */
    rc = ovl__mpi_alltoall_bytes(m, (const char *)num, counts, &back, rl) ? ovl__mpi_nomem(m) : OVL_OK;
    if (rc == OVL_OK && ovl__mpi_received(rl, P, sizeof *num) != nu)
        rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "group ids could not be read back");
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto done;
    for (size_t i = 0; i < cnt; i++)
        if (ids[i] >= 0)
            memcpy(&ids[i], back + (size_t)ids[i] * sizeof *ids, sizeof *ids);
done:
    free(counts);
    free(rl);
    free(k);
    free(got);
    free(w.p);
    free(rkeys);
    free(back);
    free(num);
    return rc;
}
