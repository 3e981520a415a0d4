/* test_minhash.c - Check suite of MinHash signatures: bins, densification, Jaccard estimates. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_minhash_basics)
{
    uint32_t a[128], b[128];
    uint64_t one = 12345;
    ovl_minhash(&one, 1, 128, 0, a);
    /* A single shingle fills every bin with its value. */
    for (int i = 0; i < 128; i++)
        ck_assert_uint_eq(a[i], (uint32_t)one);
    ovl_minhash(NULL, 0, 128, 0, b);
    for (int i = 0; i < 128; i++)
        ck_assert_uint_eq(b[i], OVL_MINHASH_EMPTY);
    /* Order and duplicates do not matter. */
    uint64_t s1[5] = {1, 2, 3, 4, 5}, s2[7] = {5, 4, 3, 3, 2, 1, 1};
    ovl_minhash(s1, 5, 128, 3, a);
    ovl_minhash(s2, 7, 128, 3, b);
    ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
    ck_assert(ovl_minhash_similarity(a, b, 128) == 1.0);
    ck_assert(ovl_minhash_similarity(a, b, 0) == 0.0);
}
END_TEST

/* Random shingle sets with a planted Jaccard: estimates at K=128 are accurate. */
START_TEST(test_minhash_jaccard_accuracy)
{
    uint64_t rng = 20240601;
    enum { TRIALS = 400 };
    uint64_t *a = malloc(4000 * sizeof *a), *b = malloc(4000 * sizeof *b);
    double abs_err = 0, signed_err = 0;
    for (int t = 0; t < TRIALS; t++) {
        size_t u = 20 + tu_rng_below(&rng, 1980);
        double j = (double)tu_rng_below(&rng, 1001) / 1000.0;
        size_t inter = (size_t)(j * (double)u + 0.5);
        size_t rest = u - inter, only_a = rest / 2, only_b = rest - only_a;
        size_t na = 0, nb = 0;
        for (size_t i = 0; i < inter; i++) {
            uint64_t v = tu_rng_next(&rng);
            a[na++] = v;
            b[nb++] = v;
        }
        for (size_t i = 0; i < only_a; i++)
            a[na++] = tu_rng_next(&rng);
        for (size_t i = 0; i < only_b; i++)
            b[nb++] = tu_rng_next(&rng);
        double exact = (double)inter / (double)u;
        uint32_t sa[128], sb[128];
        ovl_minhash(a, na, 128, 77, sa);
        ovl_minhash(b, nb, 128, 77, sb);
        double est = ovl_minhash_similarity(sa, sb, 128);
        abs_err += fabs(est - exact);
        signed_err += est - exact;
    }
    abs_err /= TRIALS;
    signed_err /= TRIALS;
    ck_assert_msg(abs_err < 0.05, "mean absolute Jaccard error %.4f", abs_err);
    ck_assert_msg(fabs(signed_err) < 0.01, "Jaccard bias %.4f", signed_err);
    free(a);
    free(b);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("minhash");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_minhash_basics);
    tcase_add_test(tc, test_minhash_jaccard_accuracy);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return tu_run(suite()); }
