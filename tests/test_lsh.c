/* test_lsh.c - Check suite of LSH banding: S-curve, bands x rows choice, band keys, recall. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* splitmix64's finalizer. */
static uint64_t ref_fmix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Band key j of `rows` values v from its definition (lsh.h): values in groups of
 * four (the last padded with zeros), each group folded into acc by one 128-bit product. */
static uint64_t ref_band_key(const uint32_t *v, unsigned rows, uint64_t seed, unsigned j)
{
    uint64_t bseed = seed + 0x9E3779B97F4A7C15ull * (j + 1);
    uint64_t a = ref_fmix(bseed), b = ref_fmix(bseed ^ 0xC2B2AE3D27D4EB4Full), acc = 0;
    for (unsigned g = 0; g < rows; g += 4) {
        uint64_t q[4] = {0, 0, 0, 0};
        for (unsigned t = 0; t < 4 && g + t < rows; t++)
            q[t] = v[g + t];
        unsigned __int128 p = (unsigned __int128)((q[0] | q[1] << 32) ^ a ^ acc) *
                              ((q[2] | q[3] << 32) ^ b);
        acc = (uint64_t)p ^ (uint64_t)(p >> 64);
    }
    return acc;
}

/* ovl_lsh_band_keys against the definition for row counts of every code path. */
START_TEST(test_band_keys_exact)
{
    uint64_t rng = 5;
    uint32_t sig[96];
    for (int i = 0; i < 96; i++)
        sig[i] = (uint32_t)tu_rng_next(&rng);
    static const unsigned rows_list[] = {1, 2, 3, 4, 5, 6, 8, 9};
    for (size_t r = 0; r < sizeof rows_list / sizeof rows_list[0]; r++) {
        unsigned rows = rows_list[r], bands = 96 / rows < 10 ? 96 / rows : 10;
        uint64_t keys[16];
        ovl_lsh_band_keys(sig, bands, rows, 1234, keys);
        for (unsigned j = 0; j < bands; j++)
            ck_assert_uint_eq(keys[j], ref_band_key(sig + j * rows, rows, 1234, j));
        /* Another seed changes every key. */
        uint64_t other[16];
        ovl_lsh_band_keys(sig, bands, rows, 1235, other);
        for (unsigned j = 0; j < bands; j++)
            ck_assert_uint_ne(keys[j], other[j]);
    }
    /* Equal band contents give different keys in different bands. */
    uint32_t same[6] = {7, 8, 9, 7, 8, 9};
    uint64_t k2[2];
    ovl_lsh_band_keys(same, 2, 3, 0, k2);
    ck_assert_uint_ne(k2[0], k2[1]);
}
END_TEST

START_TEST(test_probability)
{
    ck_assert_double_eq_tol(ovl_lsh_probability(0.5, 4, 2), 0.68359375, 1e-12);
    ck_assert_double_eq_tol(ovl_lsh_probability(1.0, 16, 3), 1.0, 1e-12);
    ck_assert_double_eq_tol(ovl_lsh_probability(0.0, 16, 3), 0.0, 1e-12);
    ck_assert(isnan(ovl_lsh_probability(-0.1, 16, 3)));
    ck_assert(isnan(ovl_lsh_probability(NAN, 16, 3)));
}
END_TEST

/* Expected choices computed independently (midpoint rule, 4,000 steps, exhaustive b, r). */
START_TEST(test_choose_values)
{
    ovl_ctx *ctx = ovl_ctx_new();
    unsigned b = 0, r = 0;
    ck_assert_int_eq(ovl_lsh_choose(ctx, 0.5, 128, 0, 1, 1, &b, &r), OVL_OK);
    ck_assert_uint_eq(b, 25);
    ck_assert_uint_eq(r, 5);
    ck_assert_int_eq(ovl_lsh_choose(ctx, 0.3, 128, 16, 1, 1, &b, &r), OVL_OK);
    ck_assert_uint_eq(b, 16);
    ck_assert_uint_eq(r, 3);
    ck_assert_int_eq(ovl_lsh_choose(ctx, 0.8, 64, 0, 1, 1, &b, &r), OVL_OK);
    ck_assert_uint_eq(b, 5);
    ck_assert_uint_eq(r, 11);
    /* Weighting misses heavily moves the curve left: more bands or fewer rows. */
    unsigned b2 = 0, r2 = 0;
    ck_assert_int_eq(ovl_lsh_choose(ctx, 0.8, 64, 0, 1, 10, &b2, &r2), OVL_OK);
    ck_assert_double_gt(ovl_lsh_probability(0.8, b2, r2), ovl_lsh_probability(0.8, b, r));
    ck_assert_uint_le(b2 * r2, 64);
    /* One hash: only 1 x 1 fits. */
    ck_assert_int_eq(ovl_lsh_choose(ctx, 0.5, 1, 0, 1, 1, &b, &r), OVL_OK);
    ck_assert_uint_eq(b, 1);
    ck_assert_uint_eq(r, 1);
    ovl_ctx_free(ctx);
}
END_TEST

START_TEST(test_choose_edges)
{
    ovl_ctx *ctx = ovl_ctx_new();
    unsigned b = 77, r = 77;
    const double bad[] = {0.0, 1.0, -0.5, 1.5, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_int_eq(ovl_lsh_choose(ctx, bad[i], 128, 0, 1, 1, &b, &r), OVL_ERR_INVALID);
        ck_assert_msg(strstr(ovl_ctx_message(ctx), "LSH threshold must be strictly between 0 and 1"),
                      "%s", ovl_ctx_message(ctx));
    }
    ck_assert_int_eq(ovl_lsh_choose(ctx, 0.5, 0, 0, 1, 1, &b, &r), OVL_ERR_INVALID);
    ck_assert_str_eq(ovl_ctx_message(ctx), "LSH needs at least one MinHash value");
    ck_assert_int_eq(ovl_lsh_choose(ctx, 0.5, 128, 0, -1, 1, &b, &r), OVL_ERR_INVALID);
    ck_assert_int_eq(ovl_lsh_choose(ctx, 0.5, 128, 0, NAN, 1, &b, &r), OVL_ERR_INVALID);
    ck_assert_int_eq(ovl_lsh_choose(ctx, 0.5, 128, 0, 0, 0, &b, &r), OVL_ERR_INVALID);
    ck_assert_str_eq(ovl_ctx_message(ctx),
                     "LSH error weights must be finite, non-negative and not both 0 (0, 0)");
    ck_assert_uint_eq(b, 77);
    ck_assert_uint_eq(r, 77);
    /* NULL ctx is fine too. */
    ck_assert_int_eq(ovl_lsh_choose(NULL, NAN, 128, 0, 1, 1, &b, &r), OVL_ERR_INVALID);
    ovl_ctx_free(ctx);
}
END_TEST

/* Cost of a bands x rows shape as ovl_lsh_choose defines it (Simpson's rule, 128 steps each
 * side of the threshold), computed directly with pow() for every point. */
static double naive_cost(double t, unsigned b, unsigned r, double fpw, double fnw)
{
    enum { N = 128 };
    double sum = 0.0;
    for (int i = 0; i <= N; i++) {
        double c = (i == 0 || i == N) ? 1.0 : (i % 2 ? 4.0 : 2.0);
        double slo = t / N * i, shi = t + (1.0 - t) / N * i;
        sum += c * t / N / 3.0 * fpw * ovl_lsh_probability(slo, b, r);
        sum += c * (1.0 - t) / N / 3.0 * fnw * (1.0 - ovl_lsh_probability(shi, b, r));
    }
    return sum;
}

/* The choice (which skips shapes that provably cannot win) costs no more than the best of
 * an exhaustive search over every shape, for assorted thresholds, sizes, caps and weights. */
START_TEST(test_choose_exhaustive)
{
    const double ts[5] = {0.15, 0.3, 0.5, 0.72, 0.9};
    const unsigned ks[3] = {16, 64, 128};
    const unsigned caps[3] = {0, 8, 16};
    const double wts[3][2] = {{1, 1}, {1, 4}, {3, 1}};
    for (int a = 0; a < 5; a++)
        for (int k = 0; k < 3; k++)
            for (int c = 0; c < 3; c++)
                for (int w = 0; w < 3; w++) {
                    unsigned b = 0, r = 0, K = ks[k];
                    ck_assert_int_eq(ovl_lsh_choose(NULL, ts[a], K, caps[c], wts[w][0],
                                                    wts[w][1], &b, &r), OVL_OK);
                    unsigned bmax = caps[c] && caps[c] < K ? caps[c] : K;
                    ck_assert_uint_le(b, bmax);
                    ck_assert_uint_le(b * r, K);
                    double best = INFINITY;
                    for (unsigned rr = 1; rr <= K; rr++)
                        for (unsigned bb = 1; bb <= bmax && bb * rr <= K; bb++) {
                            double x = naive_cost(ts[a], bb, rr, wts[w][0], wts[w][1]);
                            best = x < best ? x : best;
                        }
                    double got = naive_cost(ts[a], b, r, wts[w][0], wts[w][1]);
                    ck_assert_msg(got <= best + 1e-9,
                                  "t %.2f K %u cap %u w %d: %u x %u costs %.12f, best %.12f",
                                  ts[a], K, caps[c], w, b, r, got, best);
                }
}
END_TEST

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static double exact_jaccard(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
    size_t i = 0, j = 0, inter = 0;
    while (i < na && j < nb) {
        if (a[i] == b[j]) {
            inter++;
            i++;
            j++;
        } else if (a[i] < b[j]) {
            i++;
        } else {
            j++;
        }
    }
    return (double)inter / (double)(na + nb - inter);
}

/* A generated corpus of chunk-sized sets in families with planted overlap: candidate pairs
 * match an exact brute-force Jaccard computation as the S-curve predicts, and each pair's
 * band_hits equals the number of equal band keys. The sets have 60 elements, so a 48-bin
 * one-permutation sketch leaves ~30% of its bins to densification: the S-curve must hold
 * despite the rows borrowing values from shared bins. */
START_TEST(test_lsh_recall_bruteforce)
{
    enum { FAMILIES = 300, PER = 5, N = FAMILIES * PER, MAXSET = 120, BANDS = 16, ROWS = 3 };
    uint64_t rng = 31337;
    uint64_t(*sets)[MAXSET] = malloc(N * sizeof *sets);
    size_t *len = malloc(N * sizeof *len);
    uint32_t(*sig)[128] = malloc(N * sizeof *sig);
    uint64_t(*keys)[BANDS] = malloc(N * sizeof *keys);
    ovl_finder *f = ovl_finder_new(BANDS);
    for (int fam = 0; fam < FAMILIES; fam++) {
        uint64_t base[60];
        for (int i = 0; i < 60; i++)
            base[i] = tu_rng_next(&rng);
        for (int m = 0; m < PER; m++) {
            int d = fam * PER + m;
            /* Keep a member-specific share of the base, fill up with fresh elements. */
            unsigned keep = 60 - (unsigned)(tu_rng_next(&rng) % (fam % 2 ? 20u : 55u));
            size_t n = 0;
            for (unsigned i = 0; i < 60; i++)
                if ((unsigned)(tu_rng_next(&rng) % 60) < keep)
                    sets[d][n++] = base[i];
            while (n < 60)
                sets[d][n++] = tu_rng_next(&rng);
            len[d] = n;
            qsort(sets[d], n, sizeof(uint64_t), cmp_u64);
            /* As fingerprints do: a sketch of exactly BANDS * ROWS bins. */
            ovl_minhash(sets[d], n, BANDS * ROWS, 9, sig[d]);
            ovl_lsh_band_keys(sig[d], BANDS, ROWS, 9, keys[d]);
            ovl_fp_chunk c = {0, 60};
            ck_assert_int_eq(ovl_finder_add_keys(NULL, f, (uint32_t)d, -1, &c, 1, keys[d]), OVL_OK);
        }
    }
    ovl_cand *c = NULL;
    size_t nc = 0;
    ck_assert_int_eq(ovl_finder_candidates(NULL, f, NULL, &c, &nc, NULL, NULL), OVL_OK);
    char *is_cand = calloc((size_t)N * N, 1);
    for (size_t i = 0; i < nc; i++) {
        ck_assert_uint_lt(c[i].doc_a, c[i].doc_b);
        if (i > 0)
            ck_assert(c[i - 1].doc_a < c[i].doc_a ||
                      (c[i - 1].doc_a == c[i].doc_a && c[i - 1].doc_b < c[i].doc_b));
        unsigned eq = 0;
        for (int j = 0; j < BANDS; j++)
            eq += keys[c[i].doc_a][j] == keys[c[i].doc_b][j];
        ck_assert_uint_eq(c[i].band_hits, eq);
        is_cand[(size_t)c[i].doc_a * N + c[i].doc_b] = 1;
    }
    /* Buckets of exact Jaccard: observed candidate rate vs the mean predicted probability. */
    double obs[5] = {0}, pred[5] = {0}, cnt[5] = {0};
    const double edges[6] = {0.0, 0.1, 0.3, 0.5, 0.7, 1.01};
    for (int a = 0; a < N; a++)
        for (int b = a + 1; b < N; b++) {
            double j = exact_jaccard(sets[a], len[a], sets[b], len[b]);
            int k = 0;
            while (j >= edges[k + 1])
                k++;
            cnt[k]++;
            obs[k] += is_cand[(size_t)a * N + b];
            pred[k] += ovl_lsh_probability(j, BANDS, ROWS);
        }
    for (int k = 0; k < 5; k++) {
        ck_assert_msg(cnt[k] >= 100, "bucket %d has only %.0f pairs", k, cnt[k]);
        double o = obs[k] / cnt[k], p = pred[k] / cnt[k];
        /* Pairs of one family share elements, so allow 5 binomial deviations. */
        double tol = 5.0 * sqrt(p * (1.0 - p) / cnt[k]) + 0.01;
        ck_assert_msg(fabs(o - p) < tol,
                      "Jaccard [%.1f,%.1f): observed %.3f, predicted %.3f over %.0f pairs",
                      edges[k], edges[k + 1], o, p, cnt[k]);
    }
    /* Recall above 0.5 and the false-positive rate of unrelated pairs. */
    ck_assert_double_ge((obs[3] + obs[4]) / (cnt[3] + cnt[4]), 0.9);
    ck_assert_double_le(obs[0] / cnt[0], 0.01);
    free(c);
    free(is_cand);
    ovl_finder_free(f);
    free(sets);
    free(len);
    free(sig);
    free(keys);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("lsh");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_probability);
    tcase_add_test(tc, test_choose_values);
    tcase_add_test(tc, test_choose_edges);
    tcase_add_test(tc, test_choose_exhaustive);
    tcase_add_test(tc, test_band_keys_exact);
    tcase_add_test(tc, test_lsh_recall_bruteforce);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return tu_run(suite()); }
