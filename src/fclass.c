/* fclass.c - a table of classes: sets of key groups, found by their hash, numbered as first met. */
#include "fclass.h"

/* The hash a class is found by: of its key groups gl[0, n). */
static uint64_t groups_hash(const uint32_t *gl, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15u ^ (uint64_t)n;
    for (size_t i = 0; i < n; i++) {
        h ^= gl[i];
        h *= 0xBF58476D1CE4E5B9u;
        h ^= h >> 31;
    }
    return h;
}

void ovl__fctab_free(ovl__fctab *t)
{
    if (!t)
        return;
    free(t->c);
    free(t->goff);
    free(t->gl);
    free(t->table);
    memset(t, 0, sizeof *t);
}

/* Doubles t's slots, kept at most half full (the classes are not known ahead: an MPI rank
 * meets its share's, rank 0 merges the ranks'). -1 when out of memory. */
static int grow_slots(ovl__fctab *t)
{
    size_t ts = t->tsize ? 2 * t->tsize : 64;
    uint32_t *nt = calloc(ts, sizeof *nt);
    if (!nt)
        return -1;
    for (size_t k = 0; k < t->n; k++) {
        size_t h = (size_t)groups_hash(t->gl + t->goff[k], t->goff[k + 1] - t->goff[k]) & (ts - 1);
        while (nt[h])
            h = (h + 1) & (ts - 1);
        nt[h] = (uint32_t)(k + 1);
    }
    free(t->table);
    t->table = nt;
    t->tsize = ts;
    return 0;
}

int ovl__fctab_find(ovl_ctx *ctx, ovl__fctab *t, const uint32_t *g, size_t ng, uint32_t doc, uint32_t off,
                    uint32_t *k)
{
    if (2 * (t->n + 1) > t->tsize && grow_slots(t) != 0)
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    size_t h = (size_t)groups_hash(g, ng) & (t->tsize - 1);
    for (;; h = (h + 1) & (t->tsize - 1)) {
        uint32_t x = t->table[h];
        if (!x)
            break;
        size_t a = t->goff[x - 1], b = t->goff[x];
        if (b - a == ng && !memcmp(t->gl + a, g, ng * sizeof *g)) {
            *k = x - 1;
            return OVL_OK;
        }
    }
    if (t->n + 1 >= UINT32_MAX)
        return ovl__fail(ctx, OVL_ERR_TOOBIG, -1, "families: more than 4294967294 classes of recurring chunks");
    size_t at = t->n ? t->goff[t->n] : 0;
    if (ovl__grow(&t->c, &t->capc, t->n + 1, sizeof *t->c) != 0 ||
        ovl__grow(&t->goff, &t->capgoff, t->n + 2, sizeof *t->goff) != 0 ||
        ovl__grow(&t->gl, &t->capgl, at + ng, sizeof *t->gl) != 0)
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    memcpy(t->gl + at, g, ng * sizeof *g);
    t->goff[t->n] = at;
    t->goff[t->n + 1] = at + ng;
    t->c[t->n] = (ovl__fcinfo){doc, off, 0, UINT32_MAX};
    t->table[h] = (uint32_t)(t->n + 1);
    *k = (uint32_t)t->n++;
    return OVL_OK;
}

int ovl__fctab_meet(ovl_ctx *ctx, ovl__fctab *t, const uint32_t *g, size_t ng, uint32_t doc, uint32_t off,
                    uint32_t *k)
{
    int rc = ovl__fctab_find(ctx, t, g, ng, doc, off, k);
    if (rc == OVL_OK && t->c[*k].last != doc) {
        t->c[*k].last = doc;
        t->c[*k].docs++;
    }
    return rc;
}
