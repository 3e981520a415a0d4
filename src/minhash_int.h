/* minhash_int.h - one-permutation bins and densification shared by ovl_minhash and fingerprinting; not installed. */
#ifndef OVL_MINHASH_INT_H
#define OVL_MINHASH_INT_H

#include "internal.h"

static inline uint32_t ovl__oph_bin(uint64_t h, unsigned K)
{
    return (uint32_t)(((h >> 32) * (uint64_t)K) >> 32);
}

/* Densification probes of K bins, cached round by round: row t-1 holds
 * ovl__oph_bin(probe_mix(seed, i, t), K) for every bin i. Rounds are built only when a
 * densification first reaches them, so a document whose chunks are dense pays for few. */
typedef struct ovl__probe_cache {
    uint16_t *tab; /* OVL_PROBE_ROUNDS * K entries, round-major */
    unsigned K;
    uint32_t rounds; /* rows built */
    uint64_t dseed;
} ovl__probe_cache;

/* A probe cache for K bins (empty until used); tab NULL when out of memory, which only
 * makes densification compute its probes. */
ovl__probe_cache ovl__probe_cache_new(unsigned K, uint64_t seed);

/* Fills empty bins (OVL_MINHASH_EMPTY) of raw into sig by optimal densification: empty bin
 * i takes the value of the first non-empty bin among probe_mix(seed, i, t), t = 1, 2, ...
 * Only bins [0, upto) are written (each bin's value does not depend on the others').
 * list has room for 2 * K entries. pc (may be NULL) caches probes of K bins. */
void ovl__densify(const uint32_t *raw, unsigned K, unsigned upto, uint64_t seed,
                  ovl__probe_cache *pc, uint16_t *list, uint32_t *sig);

static inline void ovl__oph_add(uint32_t *raw, unsigned K, uint64_t h)
{
    uint32_t b = ovl__oph_bin(h, K);
    uint32_t v = (uint32_t)h, o = raw[b];
    /* Branchless: whether a shingle lowers its bin is unpredictable early in a document. */
    raw[b] = v < o ? v : o;
}

#endif
