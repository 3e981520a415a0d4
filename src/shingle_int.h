/* shingle_int.h - the shingle combination and finish shared by ovl_shingles and fingerprinting; not installed. */
#ifndef OVL_SHINGLE_INT_H
#define OVL_SHINGLE_INT_H

#include "internal.h"

/* Inlined: the shingle finish hashes 8 bytes, where a call would cost more than the hash. */
#define XXH_INLINE_ALL
#include <xxhash.h>

/* Shingle hashes combine the k token hashes polynomially, r = sum h[i+j] * M^(k-1-j) mod
 * 2^64, and finish with one seeded XXH3 of the 8 bytes of r. Hashing k * 8 bytes per position
 * was ~27% of fingerprinting; with prefix values pre[j] = sum_{t<j} h[t] M^(j-1-t) the
 * combination of any window is pre[i+k] - pre[i] * M^k, one multiply whatever k. M is odd,
 * so windows differing in one token always differ in r. (A hand-made multiply-xorshift finish
 * saved ~6 instructions per shingle, but the shingle hash is specified as XXH3, seeded.) */
#define OVL_SHINGLE_MUL 0x9E3779B185EBCA87ull

/* The finish takes the seed itself. */
static inline uint64_t ovl__shingle_key(uint64_t seed) { return seed; }

static inline uint64_t ovl__shingle_finish(uint64_t r, uint64_t seed)
{
    return XXH3_64bits_withSeed(&r, sizeof r, seed);
}

#endif
