/* overlap/minhash.h - one-permutation MinHash signatures of shingle sets, and their similarity. */
#ifndef OVERLAP_MINHASH_H
#define OVERLAP_MINHASH_H

#include "overlap/common.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- MinHash ---------------------------------------------------------------------------
 * One-permutation hashing with optimal densification (Shrivastava, ICML 2017): each
 * shingle hash picks one of K bins (high 32 bits) and competes with its low 32 bits for
 * the bin minimum; empty bins then borrow the value of a non-empty bin chosen by a seeded
 * probe sequence. So one hash per shingle, and P[sig_a[i] == sig_b[i]] = Jaccard(a, b).
 * Signature values are 32-bit. An empty set yields all OVL_MINHASH_EMPTY. */
#define OVL_MINHASH_EMPTY 0xFFFFFFFFu

/* Signature of the set of shingle hashes sh[0..n) (duplicates allowed) into sig[0..K).
 * seed drives the densification probes. Pure; thread-safe. K == 0 writes nothing. */
OVL_API void ovl_minhash(const uint64_t *sh, size_t n, unsigned K, uint64_t seed, uint32_t *sig);

/* Fraction of equal positions of two K-value signatures (0 when K == 0). */
OVL_API double ovl_minhash_similarity(const uint32_t *a, const uint32_t *b, unsigned K);

#ifdef __cplusplus
}
#endif
#endif
