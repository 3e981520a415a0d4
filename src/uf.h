/* uf.h - union-find over 32-bit indices (path halving), the smaller root kept; not installed. */
#ifndef OVL_UF_H
#define OVL_UF_H

#include <stdint.h>

static inline uint32_t ovl__uf_find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

/* Joins the sets of a and b; the smaller index stays the root, so a set's root is its first
 * member whatever order the unions come in. */
static inline void ovl__uf_union(uint32_t *parent, uint32_t a, uint32_t b)
{
    a = ovl__uf_find(parent, a);
    b = ovl__uf_find(parent, b);
    if (a < b)
        parent[b] = a;
    else if (b < a)
        parent[a] = b;
}

#endif
