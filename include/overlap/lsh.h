/* overlap/lsh.h - LSH banding: the S-curve, the choice of bands x rows, band keys of a signature. */
#ifndef OVERLAP_LSH_H
#define OVERLAP_LSH_H

#include "overlap/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- LSH banding -------------------------------------------------------------------- */

/* Probability that two sets of Jaccard s share at least one of b bands of r rows:
 * 1 - (1 - s^r)^b. Returns NaN for s outside [0,1]. */
OVL_API double ovl_lsh_probability(double s, unsigned bands, unsigned rows);

/* Picks bands x rows (bands * rows <= num_hashes, bands <= max_bands when max_bands > 0)
 * minimizing fp_weight * (area under the S-curve below threshold) + fn_weight * (area
 * above the curve from threshold to 1). Errors (OVL_ERR_INVALID with a message): threshold
 * not strictly between 0 and 1 or NaN, num_hashes == 0, weights negative, NaN or both 0.
 * Pure; thread-safe. */
OVL_API int ovl_lsh_choose(ovl_ctx *ctx, double threshold, unsigned num_hashes, unsigned max_bands,
                   double fp_weight, double fn_weight, unsigned *bands, unsigned *rows);

/* Band keys of one signature: key[j] hashes v = sig[j*rows .. (j+1)*rows) with secrets of
 * seed and j, so keys of different bands differ. With s = seed + 0x9E3779B97F4A7C15 (j+1),
 * A = f(s), B = f(s ^ 0xC2B2AE3D27D4EB4F) (f: the splitmix64 finalizer) and F(x, y) = low
 * 64 bits ^ high 64 bits of the 128-bit product x * y: acc = 0, then for each group of four
 * values v0..v3 (the last group padded with zeros)
 *   acc = F((v0 | v1 << 32) ^ A ^ acc, (v2 | v3 << 32) ^ B);
 * key[j] = acc. Writes bands keys. Pure; thread-safe. */
OVL_API void ovl_lsh_band_keys(const uint32_t *sig, unsigned bands, unsigned rows, uint64_t seed,
                       uint64_t *keys);

#ifdef __cplusplus
}
#endif
#endif
