/* lsh.c - LSH banding: the S-curve, the choice of bands x rows, band keys of a signature. */
#include "lsh_int.h"

#include <math.h>

double ovl_lsh_probability(double s, unsigned bands, unsigned rows)
{
    if (!(s >= 0.0 && s <= 1.0))
        return NAN;
    return 1.0 - pow(1.0 - pow(s, (double)rows), (double)bands);
}

int ovl_lsh_choose(ovl_ctx *ctx, double threshold, unsigned num_hashes, unsigned max_bands,
                   double fp_weight, double fn_weight, unsigned *bands, unsigned *rows)
{
    if (!(threshold > 0.0 && threshold < 1.0))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1,
                         "LSH threshold must be strictly between 0 and 1, not %g", threshold);
    if (num_hashes == 0)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "LSH needs at least one MinHash value");
    if (!(fp_weight >= 0.0) || !(fn_weight >= 0.0) || isinf(fp_weight) || isinf(fn_weight) ||
        fp_weight + fn_weight <= 0.0)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1,
                         "LSH error weights must be finite, non-negative and not both 0 (%g, %g)",
                         fp_weight, fn_weight);
    /* Simpson's rule on a fixed grid of each side of the threshold. The curve is built by
     * running products (s^r by r, (1 - s^r)^b by b) so choosing costs no pow() calls.
     * Fingerprinting resolves its options per document, so this runs per document: the
     * integrand is folded into one signed sum, cost = sum(w_fp) + sum(ws[i] * qb[i]) with
     * ws = -w below the threshold and +w above, over a grid padded to a multiple of 4
     * (padding points weigh 0) and summed in 4 independent lanes, which the compiler keeps
     * in vector registers. */
    enum { N = 128, G = 2 * (N + 1), GP = (G + 3) / 4 * 4 };
    double s[GP], ws[GP], pw[GP], q[GP], qb[GP];
    double hlo = threshold / N, hhi = (1.0 - threshold) / N, base = 0.0;
    for (int i = 0; i <= N; i++) {
        double c = (i == 0 || i == N) ? 1.0 : (i % 2 ? 4.0 : 2.0);
        double wlo = c * hlo / 3.0 * fp_weight; /* false positives: integral of P below t */
        s[i] = hlo * i;
        ws[i] = -wlo;
        base += wlo;
        s[N + 1 + i] = threshold + hhi * i;
        ws[N + 1 + i] = c * hhi / 3.0 * fn_weight; /* misses: integral of 1 - P above t */
    }
    for (int i = G; i < GP; i++) {
        s[i] = 0.0;
        ws[i] = 0.0;
    }
    for (int i = 0; i < GP; i++)
        pw[i] = 1.0;
    unsigned bmax = max_bands && max_bands < num_hashes ? max_bands : num_hashes;
    double best = INFINITY;
    unsigned bb = 1, br = 1;
    for (unsigned r = 1; r <= num_hashes; r++) {
        for (int i = 0; i < GP; i++) {
            pw[i] *= s[i];
            q[i] = 1.0 - pw[i];
            qb[i] = 1.0;
        }
        unsigned blim = num_hashes / r < bmax ? num_hashes / r : bmax;
        /* Misses of (blim, r) bound the cost of every (b, r') with r' >= r from below, as
         * more rows or fewer bands only lower the curve: once that bound exceeds the best
         * cost (with a margin far above rounding), no later choice can win or tie. With
         * the defaults this stops after r = 4 instead of trying all 427 shapes. */
        double lb = 0.0;
        for (int i = N + 1; i < G; i++) {
            double x = q[i], y = 1.0;
            for (unsigned e = blim; e; e >>= 1) {
                if (e & 1)
                    y *= x;
                x *= x;
            }
            lb += ws[i] * y;
        }
        if (lb > best + 1e-9)
            break;
        for (unsigned b = 1; b <= blim; b++) {
            double acc[4] = {0.0, 0.0, 0.0, 0.0};
            for (int i = 0; i < GP; i += 4) {
                for (int l = 0; l < 4; l++) {
                    qb[i + l] *= q[i + l];
                    acc[l] += ws[i + l] * qb[i + l];
                }
            }
            double cost = base + ((acc[0] + acc[1]) + (acc[2] + acc[3]));
            /* Ties (within rounding) go to fewer bands, then fewer rows: less memory. */
            if (cost < best - 1e-12 || (cost <= best + 1e-12 && (b < bb || (b == bb && r < br)))) {
                if (cost < best)
                    best = cost;
                bb = b;
                br = r;
            }
        }
    }
    *bands = bb;
    *rows = br;
    return OVL_OK;
}

void ovl_lsh_band_keys(const uint32_t *sig, unsigned bands, unsigned rows, uint64_t seed,
                       uint64_t *keys)
{
    uint64_t sec[2];
    for (unsigned j = 0; j < bands; j++) {
        ovl__band_secrets(seed + OVL_BAND_GOLD * (uint64_t)j, 1, sec);
        ovl__band_keys_sec(sig + (size_t)j * rows, 1, rows, sec, keys + j);
    }
}

