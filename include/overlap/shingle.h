/* overlap/shingle.h - shingle hashes: k consecutive token hashes combined into one seeded hash. */
#ifndef OVERLAP_SHINGLE_H
#define OVERLAP_SHINGLE_H

#include "overlap/common.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Shingles ------------------------------------------------------------------------
 * A shingle is k consecutive normalized tokens; its hash is XXH3_64bits_withSeed(&r, 8, seed)
 * (the 8 bytes of r as a uint64_t in memory), where
 *   r = h[i] M^(k-1) + h[i+1] M^(k-2) + ... + h[i+k-1]  mod 2^64,  M = 0x9E3779B185EBCA87
 * over the tokens' 64-bit XXH3 hashes h (Horner's rule in uint64_t arithmetic). One hash per
 * shingle, no allocation. */

/* Number of shingles ovl_shingles writes for n tokens: n - k + 1 when n >= k, 1 when
 * 0 < n < k (a short run is one shingle of all its tokens), 0 when n == 0 or k == 0. */
OVL_API size_t ovl_shingle_count(size_t n, unsigned k);

/* Writes ovl_shingle_count(n, k) shingle hashes of the token hashes h[0..n) to out.
 * Returns that count. Pure; thread-safe. */
OVL_API size_t ovl_shingles(const uint64_t *h, size_t n, unsigned k, uint64_t seed, uint64_t *out);

#ifdef __cplusplus
}
#endif
#endif
