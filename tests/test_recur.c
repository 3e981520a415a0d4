/* test_recur.c - the corpus's k-gram sample count: a recurring formula found as one run covering it to its edges (words and CJK), new text never, the threshold "more than", and sketches of a split corpus adding up to the whole one's. */
/* The sketch is internal (src/recur.c), so it is compiled into this test. */
#include "../src/recur.c"

#include <check.h>
#include <stdio.h>

#include "testutil.h"

#define NDOCS 80
/* Formula seeds whose samples fit formula_run's conditions (checked there). */
#define FSEED_WORDS 9
#define FSEED_CJK 34

/* n tokens from the generator state *s appended to buf at *len: words "w<number>", or CJK
 * ideographs (U+4E00 on) when cjk. */
static void tokens(char *buf, size_t *len, uint64_t *s, size_t n, int cjk)
{
    for (size_t i = 0; i < n; i++) {
        if (!cjk) {
            *len += (size_t)sprintf(buf + *len, "w%u ", (unsigned)tu_rng_below(s, 1000000));
            continue;
        }
        unsigned cp = 0x4E00 + tu_rng_below(s, 8000);
        buf[(*len)++] = (char)(0xE0 | cp >> 12);
        buf[(*len)++] = (char)(0x80 | (cp >> 6 & 0x3F));
        buf[(*len)++] = (char)(0x80 | (cp & 0x3F));
    }
}

/* Documents d of ndocs: before tokens of their own, the formula (the same tokens in each of the
 * first nform documents), after tokens of their own. */
typedef struct corpus {
    ovl_doc *d[NDOCS];
    size_t ndocs;
} corpus;

static void corpus_make(corpus *c, ovl_ctx *ctx, size_t ndocs, size_t nform, size_t before,
                        size_t form, size_t after, int cjk, uint64_t fseed)
{
    static char buf[1 << 16], fbuf[1 << 14];
    uint64_t fs = fseed, s = 1;
    size_t fl = 0;
    tokens(fbuf, &fl, &fs, form, cjk);
    c->ndocs = ndocs;
    for (size_t i = 0; i < ndocs; i++) {
        size_t len = 0;
        tokens(buf, &len, &s, before, cjk);
        if (i < nform) {
            memcpy(buf + len, fbuf, fl);
            len += fl;
        } else {
            tokens(buf, &len, &s, form, cjk);
        }
        tokens(buf, &len, &s, after, cjk);
        char name[32];
        snprintf(name, sizeof name, "d%02zu", i);
        c->d[i] = NULL;
        ck_assert_int_eq(ovl_doc_from_bytes(ctx, name, buf, len, NULL, &c->d[i]), OVL_OK);
        ck_assert_uint_eq(ovl_norm_count(ovl_doc_norm(c->d[i])), before + form + after);
    }
}

static void corpus_free(corpus *c)
{
    for (size_t i = 0; i < c->ndocs; i++)
        ovl_doc_free(c->d[i]);
}

static void count_all(ovl__recur *r, const corpus *c, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        const ovl_norm *nm = ovl_doc_norm(c->d[i]);
        ovl__recur_add(r, nm->tokens, ovl_norm_count(nm));
    }
}

/* The runs of d at threshold 50, which are the same with the hot lines as without. */
static void runs_of(const ovl__recur *r, const ovl_doc *d, uint32_t **runs, size_t *nruns)
{
    const ovl_norm *nm = ovl_doc_norm(d);
    uint64_t *hot = NULL;
    ck_assert_int_eq(ovl__recur_hot(r, 50, &hot), OVL_OK);
    ck_assert_int_eq(ovl__recur_runs(r, hot, nm->tokens, ovl_norm_count(nm), 50, 8, 20, runs, nruns), OVL_OK);
    uint32_t *cold = NULL;
    size_t ncold = 0;
    ck_assert_int_eq(ovl__recur_runs(r, NULL, nm->tokens, ovl_norm_count(nm), 50, 8, 20, &cold, &ncold), OVL_OK);
    ck_assert_uint_eq(ncold, *nruns);
    ck_assert(ncold == 0 || memcmp(cold, *runs, 2 * ncold * sizeof *cold) == 0);
    free(cold);
    free(hot);
}

/* A formula of form tokens (from seed fseed) in every document, between 200 tokens of its
 * own before and after, is one run covering it whole although only a sample of its k-grams is
 * counted: the formula is chosen so that its first and last k-grams are not in the sample
 * (its edges are found by the widening, without which this fails) but lie within
 * OVL__RECUR_EDGE tokens of sampled ones, which are at most OVL__RECUR_GAP apart. The run
 * reaches past the formula by at most OVL__RECUR_EDGE tokens on each side. */
static void formula_run(int cjk, size_t form, uint64_t fseed)
{
    ovl_ctx *ctx = ovl_ctx_new();
    corpus c;
    corpus_make(&c, ctx, NDOCS, NDOCS, 200, form, 200, cjk, fseed);
    const ovl__tok *t0 = ovl_doc_norm(c.d[0])->tokens;
    unsigned k = cjk ? 4 : 3;
    size_t first = SIZE_MAX, last = 0, prev = SIZE_MAX;
    for (size_t x = 200; x + k <= 200 + form; x++) {
        if (!sampled(t0, x))
            continue;
        if (first == SIZE_MAX)
            first = x;
        ck_assert(prev == SIZE_MAX || x - prev <= OVL__RECUR_GAP);
        prev = last = x;
    }
    ck_assert_uint_gt(first, 200);
    ck_assert_uint_le(first - 200, OVL__RECUR_EDGE);
    ck_assert_uint_lt(last + k, 200 + form);
    ck_assert_uint_le(200 + form - (last + k), OVL__RECUR_EDGE);
    ovl__recur r;
    ck_assert_int_eq(ovl__recur_init(&r), OVL_OK);
    count_all(&r, &c, 0, NDOCS);
    for (size_t i = 0; i < NDOCS; i++) {
        uint32_t *runs = NULL;
        size_t nr = 0;
        runs_of(&r, c.d[i], &runs, &nr);
        ck_assert_uint_eq(nr, 1);
        ck_assert_uint_le(runs[0], 200);
        ck_assert_uint_ge(runs[0], 200 - OVL__RECUR_EDGE);
        ck_assert_uint_ge(runs[1], 200 + form);
        ck_assert_uint_le(runs[1], 200 + form + OVL__RECUR_EDGE);
        free(runs);
    }
    ovl__recur_free(&r);
    corpus_free(&c);
    ovl_ctx_free(ctx);
}

START_TEST(test_recur_formula_words) { formula_run(0, 40, FSEED_WORDS); }
END_TEST

START_TEST(test_recur_formula_cjk) { formula_run(1, 60, FSEED_CJK); }
END_TEST

/* Counted more than the threshold (50) is recurring: the formula in 51 documents is a run in
 * each, in 50 it is in none; text of the documents' own is never one. */
START_TEST(test_recur_threshold)
{
    for (size_t nform = 50; nform <= 51; nform++) {
        ovl_ctx *ctx = ovl_ctx_new();
        corpus c;
        corpus_make(&c, ctx, NDOCS, nform, 100, 60, 100, 0, 99);
        ovl__recur r;
        ck_assert_int_eq(ovl__recur_init(&r), OVL_OK);
        count_all(&r, &c, 0, NDOCS);
        for (size_t i = 0; i < NDOCS; i++) {
            uint32_t *runs = NULL;
            size_t nr = 0;
            runs_of(&r, c.d[i], &runs, &nr);
            ck_assert_uint_eq(nr, nform == 51 && i < nform ? 1 : 0);
            free(runs);
        }
        ovl__recur_free(&r);
        corpus_free(&c);
        ovl_ctx_free(ctx);
    }
}
END_TEST

/* Sketches of any split of the corpus add up to the whole corpus's, counter for counter (so
 * the runs do not depend on which thread or process counted which document). */
START_TEST(test_recur_split)
{
    ovl_ctx *ctx = ovl_ctx_new();
    corpus c;
    corpus_make(&c, ctx, NDOCS, 60, 100, 60, 100, 0, 99);
    ovl__recur whole, a, b;
    ck_assert_int_eq(ovl__recur_init(&whole), OVL_OK);
    ck_assert_int_eq(ovl__recur_init(&a), OVL_OK);
    ck_assert_int_eq(ovl__recur_init(&b), OVL_OK);
    count_all(&whole, &c, 0, NDOCS);
    count_all(&a, &c, 0, 33);
    count_all(&b, &c, 33, NDOCS);
    ovl__recur_merge(&a, &b);
    ck_assert_int_eq(memcmp(whole.cnt, a.cnt, OVL__RECUR_LINES * LINE), 0);
    size_t nonzero = 0;
    for (size_t x = 0; x < OVL__RECUR_LINES * LINE; x++)
        nonzero += whole.cnt[x] != 0;
    /* 80 x 258 k-grams, 60 of them alike: a sample of about one in OVL__RECUR_SAMPLE, two
     * counters each. */
    ck_assert_uint_gt(nonzero, 2 * 80 * 258 / OVL__RECUR_SAMPLE / 2);
    ck_assert_uint_lt(nonzero, 2 * 80 * 258 / OVL__RECUR_SAMPLE * 2);
    ovl__recur_free(&whole);
    ovl__recur_free(&a);
    ovl__recur_free(&b);
    corpus_free(&c);
    ovl_ctx_free(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("recur");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_recur_formula_words);
    tcase_add_test(tc, test_recur_formula_cjk);
    tcase_add_test(tc, test_recur_threshold);
    tcase_add_test(tc, test_recur_split);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
