/* test_fclass.c - the table of classes: sets of key groups numbered as first met, a set found again whatever it is next to, where first met and the documents kept, a document counted once, and every set still found after the table has grown many times. */
#include "../src/fclass.h"

#include <check.h>

#include "testutil.h"

static void groups_are(const ovl__fctab *t, uint32_t k, const uint32_t *g, size_t ng)
{
    ck_assert_uint_eq(t->goff[k + 1] - t->goff[k], ng);
    for (size_t i = 0; i < ng; i++)
        ck_assert_uint_eq(t->gl[t->goff[k] + i], g[i]);
}

/* Chunks met document after document: a set met again is its class, one that is a prefix
 * of another or holds the same groups but one is not; a document holding a class twice
 * counts once; where first met stays the first. */
START_TEST(test_met_in_order)
{
    static const uint32_t A[] = {3, 7, 9}, B[] = {3, 7}, C[] = {7, 9, 11}, D[] = {5};
    ovl_ctx *ctx = ovl_ctx_new();
    ovl__fctab t = {0};
    uint32_t k;
    /* document 4: A at chunk 0, B at 2, A at 5 */
    ck_assert_int_eq(ovl__fctab_meet(ctx, &t, A, 3, 4, 0, &k), OVL_OK);
    ck_assert_uint_eq(k, 0);
    ck_assert_int_eq(ovl__fctab_meet(ctx, &t, B, 2, 4, 2, &k), OVL_OK);
    ck_assert_uint_eq(k, 1);
    ck_assert_int_eq(ovl__fctab_meet(ctx, &t, A, 3, 4, 5, &k), OVL_OK);
    ck_assert_uint_eq(k, 0);
    /* document 6: C at 1, A at 3, D at 4 */
    ck_assert_int_eq(ovl__fctab_meet(ctx, &t, C, 3, 6, 1, &k), OVL_OK);
    ck_assert_uint_eq(k, 2);
    ck_assert_int_eq(ovl__fctab_meet(ctx, &t, A, 3, 6, 3, &k), OVL_OK);
    ck_assert_uint_eq(k, 0);
    ck_assert_int_eq(ovl__fctab_meet(ctx, &t, D, 1, 6, 4, &k), OVL_OK);
    ck_assert_uint_eq(k, 3);
    ck_assert_uint_eq(t.n, 4);
    static const uint32_t fdoc[4] = {4, 4, 6, 6}, foff[4] = {0, 2, 1, 4}, docs[4] = {2, 1, 1, 1};
    for (uint32_t c = 0; c < 4; c++) {
        ck_assert_uint_eq(t.c[c].fdoc, fdoc[c]);
        ck_assert_uint_eq(t.c[c].foff, foff[c]);
        ck_assert_uint_eq(t.c[c].docs, docs[c]);
    }
    ck_assert_uint_eq(t.c[0].last, 6);
    ck_assert_uint_eq(t.c[1].last, 4);
    groups_are(&t, 0, A, 3);
    groups_are(&t, 1, B, 2);
    groups_are(&t, 2, C, 3);
    groups_are(&t, 3, D, 1);
    ck_assert_uint_eq(t.goff[0], 0);
    ck_assert_uint_eq(t.goff[4], 9);
    /* Found without meeting: no document counted, where first met kept. */
    ck_assert_int_eq(ovl__fctab_find(ctx, &t, B, 2, 9, 0, &k), OVL_OK);
    ck_assert_uint_eq(k, 1);
    ck_assert_uint_eq(t.c[1].docs, 1);
    ck_assert_uint_eq(t.c[1].fdoc, 4);
    /* A new one found: first met where given, no documents yet. */
    ck_assert_int_eq(ovl__fctab_find(ctx, &t, A, 2 /* {3, 7}: B */, 9, 0, &k), OVL_OK);
    ck_assert_uint_eq(k, 1);
    ck_assert_int_eq(ovl__fctab_find(ctx, &t, C + 1, 2, 9, 8, &k), OVL_OK);
    ck_assert_uint_eq(k, 4);
    ck_assert_uint_eq(t.c[4].fdoc, 9);
    ck_assert_uint_eq(t.c[4].foff, 8);
    ck_assert_uint_eq(t.c[4].docs, 0);
    ck_assert_uint_eq(t.c[4].last, UINT32_MAX);
    ovl__fctab_free(&t);
    ck_assert_uint_eq(t.n, 0);
    ck_assert_ptr_null(t.table);
    ovl_ctx_free(ctx);
}
END_TEST

/* 3000 chunks of 2030 classes (the slots doubled from 64 to 4096): each one's class found
 * again under the number it was given after all are in, with its groups; a set that is a
 * prefix of another ({d} of {d, r}) stays apart. */
START_TEST(test_grows)
{
    enum { N = 3000 };
    static uint32_t num[N];
    ovl_ctx *ctx = ovl_ctx_new();
    ovl__fctab t = {0};
    uint32_t g[3], k;
    for (uint32_t i = 0; i < N; i++) {
        g[0] = i / 100, g[1] = 1000 + i % 100, g[2] = 5000 + i;
        ck_assert_int_eq(ovl__fctab_meet(ctx, &t, g, 1 + i % 3, i, 0, &num[i]), OVL_OK);
    }
    /* {d}: one per hundred (30); {d, 1000 + r} and {d, 1000 + r, 5000 + i}: every one new
     * (1000 each). */
    ck_assert_uint_eq(t.n, 30 + 1000 + 1000);
    ck_assert_uint_eq(t.tsize, 4096);
    for (uint32_t i = 0; i < N; i++) {
        g[0] = i / 100, g[1] = 1000 + i % 100, g[2] = 5000 + i;
        ck_assert_int_eq(ovl__fctab_find(ctx, &t, g, 1 + i % 3, 0, 0, &k), OVL_OK);
        ck_assert_uint_eq(k, num[i]);
        groups_are(&t, k, g, 1 + i % 3);
        /* a single {d}: first met in the first document of its hundred that is a multiple of
         * 3, held by 34 or 33 of them */
        uint32_t d = i / 100;
        ck_assert_uint_eq(t.c[k].fdoc, i % 3 ? i : 100 * d + (3 - d % 3) % 3);
        ck_assert_uint_eq(t.c[k].docs, i % 3 ? 1 : d % 3 ? 33 : 34);
    }
    ck_assert_uint_eq(t.n, 30 + 1000 + 1000);
    ovl__fctab_free(&t);
    ovl_ctx_free(ctx);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("fclass");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_met_in_order);
    tcase_add_test(tc, test_grows);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    return tu_main(argc, argv, suite());
}
