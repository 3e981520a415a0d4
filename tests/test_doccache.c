/* test_doccache.c - the scan's document cache: data kept with a loaded document lives while the document is cached and goes with it. */
#include "../src/doccache.h"

#include <check.h>
#include <stdio.h>

#include "testutil.h"

static ovl_corpus *three_docs(ovl_ctx *ctx)
{
    ovl_corpus *c = ovl_corpus_new();
    const char *texts[3] = {"one two three four five", "six seven eight nine ten", "eleven twelve"};
    for (int i = 0; i < 3; i++) {
        char name[8];
        snprintf(name, sizeof name, "d%d", i);
        ck_assert_int_eq(ovl_corpus_add_bytes(ctx, c, name, texts[i], strlen(texts[i])), OVL_OK);
    }
    return c;
}

/* Kept data is the first kept (a second offer is freed), found again while the document is
 * cached, and gone once the cache has dropped the document (budget 0: dropped when released),
 * so that it lasts as long as the document, not as long as the phase. */
START_TEST(test_doccache_keep)
{
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_corpus *c = three_docs(ctx);
    ovl_doc_opts dopts = OVL_DOC_OPTS_INIT;
    for (int budget = 0; budget <= 1; budget++) {
        ovl__doccache *dc = ovl__doccache_new(c, &dopts, NULL, budget ? UINT64_C(1) << 30 : 0);
        ck_assert_ptr_nonnull(dc);
        const char *err = NULL;
        int code = 0;
        const ovl_doc *d = ovl__doccache_get(dc, ctx, 1, &err, &code);
        ck_assert_ptr_nonnull(d);
        ck_assert_ptr_null(ovl__doccache_kept(dc, 1));
        char *p = strdup("paragraph bits"), *q = strdup("another");
        ck_assert_ptr_eq(ovl__doccache_keep(dc, 1, p, 15), p);
        ck_assert_ptr_eq(ovl__doccache_keep(dc, 1, q, 8), p); /* q freed */
        ck_assert_ptr_eq(ovl__doccache_kept(dc, 1), p);
        ck_assert_ptr_null(ovl__doccache_kept(dc, 0));
        ovl__doccache_put(dc, 1);
        d = ovl__doccache_get(dc, ctx, 1, &err, &code);
        ck_assert_ptr_nonnull(d);
        if (budget)
            ck_assert_ptr_eq(ovl__doccache_kept(dc, 1), p);
        else
            ck_assert_ptr_null(ovl__doccache_kept(dc, 1)); /* loaded again, p freed with the old */
        ovl__doccache_put(dc, 1);
        ovl__doccache_free(dc); /* frees what is kept (the sanitizer build checks for leaks) */
    }
    ovl_corpus_free(c);
    ovl_ctx_free(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("doccache");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_doccache_keep);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
