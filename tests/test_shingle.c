/* test_shingle.c - Check suite of shingle hashes against their definition. */
#include "testutil.h"

#include <xxhash.h>

/* A shingle's finish from its definition (shingle.h): seeded XXH3 of the 8 bytes of r. */
static uint64_t ref_finish(uint64_t r, uint64_t seed)
{
    return XXH3_64bits_withSeed(&r, sizeof r, seed);
}

/* A shingle's hash from its definition: the token hashes combined by Horner's rule with
 * multiplier M mod 2^64, then the seeded finish of the combination. */
static uint64_t ref_shingle(const uint64_t *h, size_t k, uint64_t seed)
{
    uint64_t r = 0;
    for (size_t j = 0; j < k; j++)
        r = r * 0x9E3779B185EBCA87ull + h[j];
    return ref_finish(r, seed);
}

START_TEST(test_shingles_exact)
{
    uint64_t h[6] = {11, 22, 33, 44, 55, 66};
    uint64_t out[8];
    ck_assert_uint_eq(ovl_shingles(h, 6, 3, 42, out), 4);
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(out[i], ref_shingle(h + i, 3, 42));
    /* The combination is 11 M^2 + 22 M + 33 for the first shingle. */
    uint64_t r0 = 11 * 0x9E3779B185EBCA87ull * 0x9E3779B185EBCA87ull + 22 * 0x9E3779B185EBCA87ull + 33;
    ck_assert_uint_eq(out[0], ref_finish(r0, 42));
    /* Token order matters: a permuted window hashes differently. */
    uint64_t perm[3] = {22, 11, 33};
    ck_assert_uint_ne(out[0], ref_shingle(perm, 3, 42));
    /* Shorter than k: one shingle of everything. */
    ck_assert_uint_eq(ovl_shingles(h, 2, 5, 7, out), 1);
    ck_assert_uint_eq(out[0], ref_shingle(h, 2, 7));
    ck_assert_uint_eq(ovl_shingles(h, 0, 5, 7, out), 0);
    ck_assert_uint_eq(ovl_shingle_count(6, 3), 4);
    ck_assert_uint_eq(ovl_shingle_count(2, 5), 1);
    ck_assert_uint_eq(ovl_shingle_count(6, 0), 0);
    /* The seed changes every shingle. */
    uint64_t other[4];
    ck_assert_uint_eq(ovl_shingles(h, 6, 3, 42, out), 4);
    ovl_shingles(h, 6, 3, 43, other);
    for (int i = 0; i < 4; i++)
        ck_assert_uint_ne(out[i], other[i]);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("shingle");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_shingles_exact);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return tu_run(suite()); }
