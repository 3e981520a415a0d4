/* test_fingerprint.c - Check suite of document fingerprints: chunking, chunk keys and signatures. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* A token as the normalizer would make it, for a synthetic code point. */
static ovl_token mk_tok(uint32_t cp, int kind)
{
    ovl_token t;
    memset(&t, 0, sizeof t);
    t.kind = (uint8_t)kind;
    t.hash = XXH3_64bits(&cp, sizeof cp);
    return t;
}

/* n random CJK-like tokens from a 3,000-character vocabulary. */
static void random_cjk(uint64_t *rng, ovl_token *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = mk_tok(0x4E00 + tu_rng_below(rng, 3000), OVL_TOK_CJK);
}

/* One shingle of the k token hashes h[0..k), by the shingle API (its definition is tested in
 * test_shingle.c). */
static uint64_t one_shingle(const uint64_t *h, size_t k, uint64_t seed)
{
    uint64_t out;
    ck_assert_uint_eq(ovl_shingles(h, k, (unsigned)k, seed, &out), 1);
    return out;
}

/* One paragraph of mixed kinds: the majority of a k_max window picks the shingle size, and
 * the chunk signature is exactly the MinHash of those shingle hashes. */
START_TEST(test_fp_mixed_shingles_exact)
{
    ovl_token t[10];
    for (int i = 0; i < 4; i++)
        t[i] = mk_tok(100 + i, OVL_TOK_WORD);
    for (int i = 4; i < 10; i++)
        t[i] = mk_tok(0x4E00 + i, OVL_TOK_CJK);
    uint64_t h[10];
    for (int i = 0; i < 10; i++)
        h[i] = t[i].hash;
    ovl_fp_opts o = OVL_FP_OPTS_INIT;
    o.seed = 99;
    o.k_cjk = 5;
    o.keep_signatures = 1;
    o.doc_signature = 1;
    ovl_fp *fp = NULL;
    ovl_ctx *ctx = ovl_ctx_new();
    ck_assert_int_eq(ovl_fp_from_tokens(ctx, t, 10, NULL, 0, &o, &fp), OVL_OK);
    /* Windows of 5: [0,5) 4 words -> k=3; [1,6) 3 words -> k=3; [2,7) .. [5,10) mostly CJK
     * -> k=5; starts 6..9 have no room for 5 tokens. */
    uint64_t sh[6];
    sh[0] = one_shingle(h + 0, 3, 99);
    sh[1] = one_shingle(h + 1, 3, 99);
    for (int i = 2; i < 6; i++)
        sh[i] = one_shingle(h + i, 5, 99);
    ck_assert_uint_eq(ovl_fp_shingle_count(fp), 6);
    ck_assert_uint_eq(ovl_fp_chunk_count(fp), 1);
    ck_assert_uint_eq(ovl_fp_chunks(fp)[0].tok_start, 0);
    ck_assert_uint_eq(ovl_fp_chunks(fp)[0].tok_end, 10);
    const ovl_fp_opts *p = ovl_fp_params(fp);
    uint32_t sig[128];
    ovl_minhash(sh, 6, 128, 99, sig);
    ck_assert_int_eq(memcmp(sig, ovl_fp_signature(fp, 0), sizeof sig), 0);
    ck_assert_int_eq(memcmp(sig, ovl_fp_doc_signature(fp), sizeof sig), 0);
    /* Band keys come from a separate sketch of bands * rows bins over the same shingles. */
    uint64_t keys[128];
    uint32_t ksig[128];
    ck_assert_uint_eq(p->bands * p->rows, 48);
    ovl_minhash(sh, 6, 48, 99, ksig);
    ovl_lsh_band_keys(ksig, p->bands, p->rows, 99, keys);
    ck_assert_int_eq(memcmp(keys, ovl_fp_band_keys(fp, 0), p->bands * sizeof(uint64_t)), 0);
    ovl_fp_free(fp);
    ovl_ctx_free(ctx);
}
END_TEST

/* Every chunk's band keys (and kept signature) equal those computed from scratch from the
 * chunk's own shingles, for the stride-block path (W a multiple of the stride: 2 or 5
 * blocks) and the per-window path (W = 40, stride 15), on paragraphs whose last window is
 * and is not stride-aligned, for CJK (k = 4) and word (k = 3) text. */
START_TEST(test_fp_chunk_keys_exact)
{
    uint64_t rng = 4242;
    enum { NT = 1200 };
    ovl_token *t = malloc(NT * sizeof *t);
    uint64_t h[NT], sh[NT];
    const unsigned shapes[3][2] = {{50, 0}, {50, 10}, {40, 15}};
    uint32_t ends[5] = {30, 525, 910, 1000, NT};
    for (int kind = 0; kind < 2; kind++) {
        for (size_t i = 0; i < NT; i++) {
            t[i] = mk_tok((kind ? 100 : 0x4E00) + tu_rng_below(&rng, 3000),
                          kind ? OVL_TOK_WORD : OVL_TOK_CJK);
            h[i] = t[i].hash;
        }
        unsigned k = kind ? 3 : 4;
        for (int sh_i = 0; sh_i < 3; sh_i++) {
            for (int keep = 0; keep < 2; keep++) {
                ovl_fp_opts o = OVL_FP_OPTS_INIT;
                o.seed = 11 + (uint64_t)sh_i;
                o.chunk_tokens = shapes[sh_i][0];
                o.chunk_stride = shapes[sh_i][1];
                o.keep_signatures = keep;
                ovl_fp *fp = NULL;
                ck_assert_int_eq(ovl_fp_from_tokens(NULL, t, NT, ends, 5, &o, &fp), OVL_OK);
                const ovl_fp_opts *p = ovl_fp_params(fp);
                unsigned KB = p->bands * p->rows;
                size_t n = ovl_fp_chunk_count(fp), aligned = 0, unaligned = 0;
                ck_assert_uint_gt(n, 40);
                for (size_t c = 0; c < n; c++) {
                    const ovl_fp_chunk *ch = &ovl_fp_chunks(fp)[c];
                    size_t ns = ovl_shingles(h + ch->tok_start, ch->tok_end - ch->tok_start, k,
                                             o.seed, sh);
                    uint32_t sig[128];
                    uint64_t keys[16];
                    ovl_minhash(sh, ns, KB, o.seed, sig);
                    ovl_lsh_band_keys(sig, p->bands, p->rows, o.seed, keys);
                    ck_assert_msg(memcmp(keys, ovl_fp_band_keys(fp, c), p->bands * 8) == 0,
                                  "shape %d keep %d chunk [%u,%u)", sh_i, keep, ch->tok_start,
                                  ch->tok_end);
                    if (keep) {
                        ovl_minhash(sh, ns, 128, o.seed, sig);
                        ck_assert_int_eq(memcmp(sig, ovl_fp_signature(fp, c), sizeof sig), 0);
                    }
                    /* Both kinds of window occur: starts on and off the stride grid. */
                    uint32_t u0 = 0;
                    for (int e = 0; e < 5 && ends[e] <= ch->tok_start; e++)
                        u0 = ends[e];
                    if ((ch->tok_start - u0) % p->chunk_stride == 0)
                        aligned++;
                    else
                        unaligned++;
                }
                ck_assert_uint_gt(aligned, 30);
                ck_assert_uint_ge(unaligned, 2);
                ovl_fp_free(fp);
            }
        }
    }
    free(t);
}
END_TEST

/* Paragraphs mixing CJK and word tokens in runs: every chunk's band keys equal those from
 * scratch, with each shingle's size chosen by the kind of most of the k_max tokens from its
 * start (clipped to the paragraph), on the stride-block and per-window paths. */
START_TEST(test_fp_mixed_chunk_keys_exact)
{
    uint64_t rng = 99;
    enum { NT = 900 };
    ovl_token *t = malloc(NT * sizeof *t);
    uint64_t h[NT], sh[NT];
    uint32_t ends[3] = {300, 610, NT};
    for (size_t i = 0; i < NT;) {
        int kind = tu_rng_below(&rng, 2) ? OVL_TOK_CJK : OVL_TOK_WORD;
        for (uint32_t run = 1 + tu_rng_below(&rng, 7); run && i < NT; run--, i++) {
            t[i] = mk_tok((kind == OVL_TOK_CJK ? 0x4E00 : 100) + tu_rng_below(&rng, 3000), kind);
            h[i] = t[i].hash;
        }
    }
    const unsigned shapes[2][2] = {{50, 0}, {40, 15}};
    for (int sh_i = 0; sh_i < 2; sh_i++) {
        ovl_fp_opts o = OVL_FP_OPTS_INIT;
        o.seed = 5 + (uint64_t)sh_i;
        o.k_cjk = 4;
        o.k_word = 2;
        o.chunk_tokens = shapes[sh_i][0];
        o.chunk_stride = shapes[sh_i][1];
        ovl_fp *fp = NULL;
        ck_assert_int_eq(ovl_fp_from_tokens(NULL, t, NT, ends, 3, &o, &fp), OVL_OK);
        const ovl_fp_opts *p = ovl_fp_params(fp);
        unsigned KB = p->bands * p->rows;
        size_t n = ovl_fp_chunk_count(fp), sizes[2] = {0, 0};
        ck_assert_uint_gt(n, 30);
        for (size_t c = 0; c < n; c++) {
            const ovl_fp_chunk *ch = &ovl_fp_chunks(fp)[c];
            /* End of the chunk's paragraph (each paragraph is its own unit here). */
            uint32_t u1 = ends[0];
            for (int e = 0; e < 2 && ends[e] <= ch->tok_start; e++)
                u1 = ends[e + 1];
            size_t ns = 0;
            for (uint32_t i = ch->tok_start; i < ch->tok_end; i++) {
                uint32_t wend = i + 4 < u1 ? i + 4 : u1, cjk = 0;
                for (uint32_t j = i; j < wend; j++)
                    cjk += t[j].kind == OVL_TOK_CJK;
                unsigned k = 2 * cjk > wend - i ? 4 : 2;
                if (i + k <= ch->tok_end) {
                    sh[ns++] = one_shingle(h + i, k, o.seed);
                    sizes[k == 4]++;
                }
            }
            uint32_t sig[64];
            uint64_t keys[16];
            ovl_minhash(sh, ns, KB, o.seed, sig);
            ovl_lsh_band_keys(sig, p->bands, p->rows, o.seed, keys);
            ck_assert_msg(memcmp(keys, ovl_fp_band_keys(fp, c), p->bands * 8) == 0,
                          "shape %d chunk [%u,%u)", sh_i, ch->tok_start, ch->tok_end);
        }
        ck_assert_uint_gt(sizes[0], 100);
        ck_assert_uint_gt(sizes[1], 100);
        ovl_fp_free(fp);
    }
    free(t);
}
END_TEST

START_TEST(test_fp_seed_determinism)
{
    uint64_t rng = 5;
    ovl_token t[700];
    random_cjk(&rng, t, 700);
    uint32_t ends[3] = {30, 500, 700};
    ovl_fp_opts o = OVL_FP_OPTS_INIT;
    o.seed = 1;
    o.keep_signatures = 1;
    o.doc_signature = 1;
    ovl_fp *f1 = NULL, *f2 = NULL, *f3 = NULL;
    ck_assert_int_eq(ovl_fp_from_tokens(NULL, t, 700, ends, 3, &o, &f1), OVL_OK);
    ck_assert_int_eq(ovl_fp_from_tokens(NULL, t, 700, ends, 3, &o, &f2), OVL_OK);
    o.seed = 2;
    ck_assert_int_eq(ovl_fp_from_tokens(NULL, t, 700, ends, 3, &o, &f3), OVL_OK);
    size_t n = ovl_fp_chunk_count(f1);
    ck_assert_uint_eq(n, ovl_fp_chunk_count(f2));
    ck_assert_uint_eq(n, ovl_fp_chunk_count(f3));
    unsigned bands = ovl_fp_params(f1)->bands;
    size_t diff = 0;
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(memcmp(ovl_fp_signature(f1, i), ovl_fp_signature(f2, i), 128 * 4), 0);
        ck_assert_int_eq(memcmp(ovl_fp_band_keys(f1, i), ovl_fp_band_keys(f2, i), bands * 8), 0);
        for (unsigned j = 0; j < bands; j++)
            diff += ovl_fp_band_keys(f1, i)[j] != ovl_fp_band_keys(f3, i)[j];
    }
    ck_assert_uint_eq(diff, n * bands);
    /* Without kept signatures the band keys are the same (only their rows are densified). */
    ovl_fp *f4 = NULL;
    o.seed = 1;
    o.keep_signatures = 0;
    ck_assert_int_eq(ovl_fp_from_tokens(NULL, t, 700, ends, 3, &o, &f4), OVL_OK);
    ck_assert_uint_eq(ovl_fp_chunk_count(f4), n);
    ck_assert_ptr_null(ovl_fp_signature(f4, 0));
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(memcmp(ovl_fp_band_keys(f1, i), ovl_fp_band_keys(f4, i), bands * 8), 0);
    ck_assert_int_eq(memcmp(ovl_fp_doc_signature(f1), ovl_fp_doc_signature(f4), 128 * 4), 0);
    ovl_fp_free(f4);
    /* The document signature is computed only on request; band keys do not depend on it. */
    o.doc_signature = 0;
    ck_assert_int_eq(ovl_fp_from_tokens(NULL, t, 700, ends, 3, &o, &f4), OVL_OK);
    ck_assert_ptr_null(ovl_fp_doc_signature(f4));
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(memcmp(ovl_fp_band_keys(f1, i), ovl_fp_band_keys(f4, i), bands * 8), 0);
    ovl_fp_free(f4);
    ovl_fp_free(f1);
    ovl_fp_free(f2);
    ovl_fp_free(f3);
}
END_TEST

/* Chunk layout: a 30-token paragraph alone (next one is long), windows of 50 every 25 over
 * [30,500) with the last window ending at 500, and [500,700) likewise. */
START_TEST(test_fp_chunk_layout)
{
    uint64_t rng = 6;
    ovl_token t[760];
    random_cjk(&rng, t, 760);
    uint32_t ends[6] = {30, 500, 700, 720, 740, 760};
    ovl_fp *fp = NULL;
    ck_assert_int_eq(ovl_fp_from_tokens(NULL, t, 760, ends, 6, NULL, &fp), OVL_OK);
    const ovl_fp_chunk *c = ovl_fp_chunks(fp);
    size_t n = ovl_fp_chunk_count(fp), k = 0;
    ck_assert_uint_eq(c[k].tok_start, 0);
    ck_assert_uint_eq(c[k].tok_end, 30);
    k++;
    for (uint32_t s = 30; s + 50 < 500; s += 25, k++) {
        ck_assert_uint_eq(c[k].tok_start, s);
        ck_assert_uint_eq(c[k].tok_end, s + 50);
    }
    ck_assert_uint_eq(c[k].tok_start, 450);
    ck_assert_uint_eq(c[k].tok_end, 500);
    k++;
    for (uint32_t s = 500; s + 50 < 700; s += 25, k++) {
        ck_assert_uint_eq(c[k].tok_start, s);
        ck_assert_uint_eq(c[k].tok_end, s + 50);
    }
    ck_assert_uint_eq(c[k].tok_start, 650);
    ck_assert_uint_eq(c[k].tok_end, 700);
    k++;
    /* Three short paragraphs of 20: the first two merge (40 <= 50), the third starts anew. */
    ck_assert_uint_eq(c[k].tok_start, 700);
    ck_assert_uint_eq(c[k].tok_end, 740);
    k++;
    ck_assert_uint_eq(c[k].tok_start, 740);
    ck_assert_uint_eq(c[k].tok_end, 760);
    k++;
    ck_assert_uint_eq(n, k);
    ovl_fp_free(fp);
}
END_TEST

/* A 60-character passage reused inside two long, otherwise different 2,000-character
 * paragraphs makes the two documents a candidate pair, with a colliding chunk pair over
 * the passage, at every tested placement. Whole-paragraph fingerprints would miss it. */
START_TEST(test_fp_containment_candidate)
{
    uint64_t rng = 777;
    ovl_token *a = malloc(2000 * sizeof *a), *b = malloc(2000 * sizeof *b), pass[60];
    int found = 0, whole_found = 0;
    enum { PLACEMENTS = 30 };
    for (int trial = 0; trial < PLACEMENTS; trial++) {
        random_cjk(&rng, a, 2000);
        random_cjk(&rng, b, 2000);
        random_cjk(&rng, pass, 60);
        uint32_t pa = tu_rng_below(&rng, 1940), pb = tu_rng_below(&rng, 1940);
        memcpy(a + pa, pass, sizeof pass);
        memcpy(b + pb, pass, sizeof pass);
        for (int whole = 0; whole < 2; whole++) {
            ovl_fp_opts o = OVL_FP_OPTS_INIT;
            if (whole)
                o.chunk_tokens = 2000;
            ovl_fp *fa = NULL, *fb = NULL;
            ck_assert_int_eq(ovl_fp_from_tokens(NULL, a, 2000, NULL, 0, &o, &fa), OVL_OK);
            ck_assert_int_eq(ovl_fp_from_tokens(NULL, b, 2000, NULL, 0, &o, &fb), OVL_OK);
            ovl_finder *f = ovl_finder_new(ovl_fp_params(fa)->bands);
            ck_assert_int_eq(ovl_finder_add(NULL, f, 1, -1, fa), OVL_OK);
            ck_assert_int_eq(ovl_finder_add(NULL, f, 2, -1, fb), OVL_OK);
            ovl_cand *c = NULL;
            ovl_cand_hit *h = NULL;
            size_t nc = 0, nh = 0;
            ck_assert_int_eq(ovl_finder_candidates(NULL, f, NULL, &c, &nc, &h, &nh), OVL_OK);
            ck_assert_uint_le(nc, 1);
            if (nc == 1) {
                ck_assert_uint_eq(c[0].doc_a, 1);
                ck_assert_uint_eq(c[0].doc_b, 2);
                /* Some colliding chunk pair covers the passage on both sides. */
                int covers = 0;
                for (size_t i = 0; i < c[0].chunk_pairs; i++) {
                    const ovl_cand_hit *x = &h[c[0].first_hit + i];
                    covers |= x->a_start < pa + 60 && x->a_end > pa && x->b_start < pb + 60 &&
                              x->b_end > pb;
                }
                ck_assert_msg(covers, "trial %d: no colliding chunk covers the passage", trial);
                if (whole)
                    whole_found++;
                else
                    found++;
            }
            free(c);
            free(h);
            ovl_finder_free(f);
            ovl_fp_free(fa);
            ovl_fp_free(fb);
        }
    }
    ck_assert_msg(found == PLACEMENTS, "passage found in %d of %d placements", found, PLACEMENTS);
    ck_assert_msg(whole_found < PLACEMENTS / 2, "whole paragraphs found %d", whole_found);
    free(a);
    free(b);
}
END_TEST

START_TEST(test_fp_invalid_opts)
{
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_token t[3] = {mk_tok(1, OVL_TOK_CJK), mk_tok(2, OVL_TOK_CJK), mk_tok(3, OVL_TOK_CJK)};
    ovl_fp *fp = (ovl_fp *)1;
    ovl_fp_opts o = OVL_FP_OPTS_INIT;
    o.threshold = 1.0;
    ck_assert_int_eq(ovl_fp_from_tokens(ctx, t, 3, NULL, 0, &o, &fp), OVL_ERR_INVALID);
    ck_assert_ptr_null(fp);
    ck_assert_str_eq(ovl_ctx_message(ctx), "LSH threshold must be strictly between 0 and 1, not 1");
    o = (ovl_fp_opts)OVL_FP_OPTS_INIT;
    o.chunk_stride = 60;
    ck_assert_int_eq(ovl_fp_from_tokens(ctx, t, 3, NULL, 0, &o, &fp), OVL_ERR_INVALID);
    ck_assert_str_eq(ovl_ctx_message(ctx),
                     "chunk stride 60 exceeds the chunk size 50 (tokens would be skipped)");
    o = (ovl_fp_opts)OVL_FP_OPTS_INIT;
    o.bands = 20;
    o.rows = 7;
    ck_assert_int_eq(ovl_fp_from_tokens(ctx, t, 3, NULL, 0, &o, &fp), OVL_ERR_INVALID);
    ck_assert_str_eq(ovl_ctx_message(ctx), "20 bands x 7 rows do not fit in 128 MinHash values");
    o = (ovl_fp_opts)OVL_FP_OPTS_INIT;
    o.num_hashes = 0;
    ck_assert_int_eq(ovl_fp_from_tokens(ctx, t, 3, NULL, 0, &o, &fp), OVL_ERR_INVALID);
    ck_assert_str_eq(ovl_ctx_message(ctx), "number of MinHash values must be 1..4096, not 0");
    uint32_t bad_ends[2] = {2, 1};
    ck_assert_int_eq(ovl_fp_from_tokens(ctx, t, 3, bad_ends, 2, NULL, &fp), OVL_ERR_INVALID);
    /* No tokens: a valid, empty fingerprint. */
    o = (ovl_fp_opts)OVL_FP_OPTS_INIT;
    o.doc_signature = 1;
    ck_assert_int_eq(ovl_fp_from_tokens(ctx, NULL, 0, NULL, 0, &o, &fp), OVL_OK);
    ck_assert_uint_eq(ovl_fp_chunk_count(fp), 0);
    ck_assert_uint_eq(ovl_fp_doc_signature(fp)[0], OVL_MINHASH_EMPTY);
    ovl_fp_free(fp);
    ovl_ctx_free(ctx);
}
END_TEST

/* The two seed papers sharing ~45% of their text collide on many chunk pairs; the unrelated
 * paper 002 collides far less with either. Needs ../shared/seeds. */
START_TEST(test_fp_seed_papers)
{
    const char *names[3] = {"000", "001", "002"};
    ovl_fp *fp[3];
    ovl_finder *f = NULL;
    for (int i = 0; i < 3; i++) {
        ovl_doc *d = tu_doc(tu_seed_path(names[i]));
        ovl_ctx *ctx = ovl_ctx_new();
        ck_assert_int_eq(ovl_fp_from_doc(ctx, d, NULL, &fp[i]), OVL_OK);
        ovl_ctx_free(ctx);
        ovl_doc_free(d);
        if (!f)
            f = ovl_finder_new(ovl_fp_params(fp[0])->bands);
        ck_assert_int_eq(ovl_finder_add(NULL, f, (uint32_t)i, -1, fp[i]), OVL_OK);
    }
    ovl_cand *c = NULL;
    size_t nc = 0;
    ck_assert_int_eq(ovl_finder_candidates(NULL, f, NULL, &c, &nc, NULL, NULL), OVL_OK);
    uint32_t pairs01 = 0, other = 0;
    for (size_t i = 0; i < nc; i++) {
        if (c[i].doc_a == 0 && c[i].doc_b == 1)
            pairs01 = c[i].chunk_pairs;
        else if (c[i].chunk_pairs > other)
            other = c[i].chunk_pairs;
    }
    ck_assert_msg(pairs01 >= 10 && pairs01 > 10 * other, "000-001: %u chunk pairs, other %u",
                  pairs01, other);
    free(c);
    ovl_finder_free(f);
    for (int i = 0; i < 3; i++)
        ovl_fp_free(fp[i]);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("fingerprint");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_fp_mixed_shingles_exact);
    tcase_add_test(tc, test_fp_chunk_keys_exact);
    tcase_add_test(tc, test_fp_mixed_chunk_keys_exact);
    tcase_add_test(tc, test_fp_seed_determinism);
    tcase_add_test(tc, test_fp_chunk_layout);
    tcase_add_test(tc, test_fp_containment_candidate);
    tcase_add_test(tc, test_fp_invalid_opts);
    suite_add_tcase(s, tc);
    TCase *ts = tcase_create("seeds");
    tcase_add_test(ts, test_fp_seed_papers);
    suite_add_tcase(s, ts);
    return s;
}

int main(int argc, char **argv) { return tu_main(argc, argv, suite()); }
