/* test_finder.c - Check suite of the candidate finder: grouping, max_df, min_band_hits, order, errors. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static void add1(ovl_finder *f, uint32_t id, int32_t group, uint32_t t0, const uint64_t *keys)
{
    ovl_fp_chunk c = {t0, t0 + 10};
    ck_assert_int_eq(ovl_finder_add_keys(NULL, f, id, group, &c, 1, keys), OVL_OK);
}

/* Three documents with one chunk of 2 bands each: key 100 is shared by all three, key 200
 * by documents 10 and 12 only. */
static ovl_finder *small_finder(const int32_t groups[3], int reverse)
{
    ovl_finder *f = ovl_finder_new(2);
    uint64_t k10[2] = {100, 200}, k11[2] = {100, 301}, k12[2] = {100, 200};
    if (!reverse) {
        add1(f, 10, groups[0], 0, k10);
        add1(f, 11, groups[1], 20, k11);
        add1(f, 12, groups[2], 40, k12);
    } else {
        add1(f, 12, groups[2], 40, k12);
        add1(f, 10, groups[0], 0, k10);
        add1(f, 11, groups[1], 20, k11);
    }
    return f;
}

START_TEST(test_finder_max_df_groups)
{
    const int32_t nogroups[3] = {-1, -1, -1};
    ovl_finder *f = small_finder(nogroups, 0);
    ovl_cand *c = NULL;
    ovl_cand_hit *h = NULL;
    size_t nc = 0, nh = 0;
    ck_assert_int_eq(ovl_finder_candidates(NULL, f, NULL, &c, &nc, &h, &nh), OVL_OK);
    ck_assert_uint_eq(nc, 3);
    ck_assert_uint_eq(nh, 3);
    const uint32_t exp[3][3] = {{10, 11, 1}, {10, 12, 2}, {11, 12, 1}};
    for (int i = 0; i < 3; i++) {
        ck_assert_uint_eq(c[i].doc_a, exp[i][0]);
        ck_assert_uint_eq(c[i].doc_b, exp[i][1]);
        ck_assert_uint_eq(c[i].band_hits, exp[i][2]);
        ck_assert_uint_eq(c[i].chunk_pairs, 1);
        ck_assert_uint_eq(c[i].first_hit, (size_t)i);
    }
    ck_assert_uint_eq(h[1].a_start, 0);
    ck_assert_uint_eq(h[1].a_end, 10);
    ck_assert_uint_eq(h[1].b_start, 40);
    ck_assert_uint_eq(h[1].b_end, 50);
    ck_assert_uint_eq(h[1].bands, 2);
    free(c);
    free(h);

    /* max_df 2: key 100 (3 documents) is boilerplate; only 10-12 via key 200 remains. */
    ovl_cand_opts o = OVL_CAND_OPTS_INIT;
    o.max_df = 2;
    ck_assert_int_eq(ovl_finder_candidates(NULL, f, &o, &c, &nc, NULL, NULL), OVL_OK);
    ck_assert_uint_eq(nc, 1);
    ck_assert_uint_eq(c[0].doc_a, 10);
    ck_assert_uint_eq(c[0].doc_b, 12);
    ck_assert_uint_eq(c[0].band_hits, 1);
    free(c);

    /* min_band_hits 2 keeps only the pair colliding in both bands. */
    o = (ovl_cand_opts)OVL_CAND_OPTS_INIT;
    o.min_band_hits = 2;
    ck_assert_int_eq(ovl_finder_candidates(NULL, f, &o, &c, &nc, NULL, NULL), OVL_OK);
    ck_assert_uint_eq(nc, 1);
    ck_assert_uint_eq(c[0].doc_a, 10);
    ck_assert_uint_eq(c[0].doc_b, 12);
    free(c);
    ovl_finder_free(f);

    /* Documents 10 and 12 in group 7 are never paired; 11 (no group) still pairs with both. */
    const int32_t grouped[3] = {7, -1, 7};
    f = small_finder(grouped, 0);
    ck_assert_int_eq(ovl_finder_candidates(NULL, f, NULL, &c, &nc, NULL, NULL), OVL_OK);
    ck_assert_uint_eq(nc, 2);
    ck_assert_uint_eq(c[0].doc_a, 10);
    ck_assert_uint_eq(c[0].doc_b, 11);
    ck_assert_uint_eq(c[1].doc_a, 11);
    ck_assert_uint_eq(c[1].doc_b, 12);
    free(c);
    ovl_finder_free(f);

    /* Different groups pair normally. */
    const int32_t distinct[3] = {1, 2, 3};
    f = small_finder(distinct, 0);
    ck_assert_int_eq(ovl_finder_candidates(NULL, f, NULL, &c, &nc, NULL, NULL), OVL_OK);
    ck_assert_uint_eq(nc, 3);
    free(c);
    ovl_finder_free(f);
}
END_TEST

START_TEST(test_finder_order_and_errors)
{
    const int32_t nogroups[3] = {-1, -1, -1};
    ovl_finder *f1 = small_finder(nogroups, 0), *f2 = small_finder(nogroups, 1);
    ovl_cand *c1 = NULL, *c2 = NULL;
    ovl_cand_hit *h1 = NULL, *h2 = NULL;
    size_t n1, n2, m1, m2;
    ck_assert_int_eq(ovl_finder_candidates(NULL, f1, NULL, &c1, &n1, &h1, &m1), OVL_OK);
    ck_assert_int_eq(ovl_finder_candidates(NULL, f2, NULL, &c2, &n2, &h2, &m2), OVL_OK);
    ck_assert_uint_eq(n1, n2);
    ck_assert_uint_eq(m1, m2);
    ck_assert_int_eq(memcmp(c1, c2, n1 * sizeof *c1), 0);
    ck_assert_int_eq(memcmp(h1, h2, m1 * sizeof *h1), 0);
    free(c1);
    free(c2);
    free(h1);
    free(h2);
    ovl_finder_free(f2);

    /* Same id twice. */
    ovl_ctx *ctx = ovl_ctx_new();
    uint64_t k[2] = {5, 6};
    add1(f1, 11, -1, 0, k);
    ck_assert_int_eq(ovl_finder_candidates(ctx, f1, NULL, &c1, &n1, NULL, NULL), OVL_ERR_INVALID);
    ck_assert_str_eq(ovl_ctx_message(ctx), "finder: document id 11 added twice");
    ck_assert_ptr_null(c1);
    ovl_finder_free(f1);

    /* Band count mismatch between fingerprint and finder. */
    ovl_fp *fp = NULL;
    ovl_token t[5];
    memset(t, 0, sizeof t);
    for (int i = 0; i < 5; i++) {
        t[i].kind = OVL_TOK_CJK;
        t[i].hash = (uint64_t)i * 1000003u;
    }
    ck_assert_int_eq(ovl_fp_from_tokens(ctx, t, 5, NULL, 0, NULL, &fp), OVL_OK);
    ovl_finder *f = ovl_finder_new(3);
    ck_assert_int_eq(ovl_finder_add(ctx, f, 1, -1, fp), OVL_ERR_INVALID);
    ck_assert_str_eq(ovl_ctx_message(ctx), "finder: fingerprint has 16 bands, the finder 3");
    ck_assert_ptr_null(ovl_finder_new(0));
    ovl_finder_free(f);
    ovl_finder_free(NULL);
    ovl_fp_free(fp);
    ovl_ctx_free(ctx);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("finder");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_finder_max_df_groups);
    tcase_add_test(tc, test_finder_order_and_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return tu_run(suite()); }
