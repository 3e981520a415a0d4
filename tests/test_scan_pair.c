/* test_scan_pair.c - how the scan aligns one pair: windows of a long document around the text it shares with a short one, the same windows with and without the long document's index, the same passages as aligning the ranges whole, and with and without the unit centre's seed index. */
/* The window search is static in src/scan_pair.c, so it is compiled into this test. */
#include "../src/scan_pair.c"

#include <check.h>
#include <stdio.h>

#include "testutil.h"

/* n words "w<number>" from the generator state *s, appended to buf at *len. */
static void words(char *buf, size_t *len, uint64_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        *len += (size_t)sprintf(buf + *len, "w%u ", (unsigned)tu_rng_below(s, 1000000));
}

static ovl_doc *doc_of(ovl_ctx *ctx, const char *name, const char *text)
{
    ovl_doc *d = NULL;
    ck_assert_msg(ovl_doc_from_bytes(ctx, name, text, strlen(text), NULL, &d) == OVL_OK, "%s",
                  ovl_ctx_message(ctx));
    return d;
}

/* A long document of 20,000 words holding a 60-word passage of a short one of 400 words
 * (at word 12,000 and word 100), and a 9-word phrase of the short one (at word 260) seven
 * times. */
typedef struct fixture {
    ovl_ctx *ctx;
    ovl_doc *l, *s;
    ovl_scan_opts o;
} fixture;

static void fixture_make(fixture *f)
{
    static char lbuf[20000 * 9 + 1024], sbuf[400 * 9 + 1024], pas[60 * 9 + 16], phr[9 * 9 + 16];
    size_t ll = 0, sl = 0, pl = 0, ql = 0;
    uint64_t sl_state = 1, ss_state = 2, sp = 3, sq = 4;
    words(pas, &pl, &sp, 60);
    words(phr, &ql, &sq, 9);
    for (size_t w = 0; w < 20000;) {
        if (w == 12000) {
            memcpy(lbuf + ll, pas, pl);
            ll += pl;
            w += 60;
        } else if (w % 3000 == 1500) {
            memcpy(lbuf + ll, phr, ql);
            ll += ql;
            w += 9;
        } else {
            words(lbuf, &ll, &sl_state, 1);
            w++;
        }
    }
    lbuf[ll] = 0;
    words(sbuf, &sl, &ss_state, 100);
    memcpy(sbuf + sl, pas, pl);
    sl += pl;
    words(sbuf, &sl, &ss_state, 100);
    memcpy(sbuf + sl, phr, ql);
    sl += ql;
    words(sbuf, &sl, &ss_state, 131);
    sbuf[sl] = 0;
    f->ctx = ovl_ctx_new();
    f->l = doc_of(f->ctx, "long", lbuf);
    f->s = doc_of(f->ctx, "short", sbuf);
    ovl_scan_opts o = OVL_SCAN_OPTS_INIT;
    ck_assert_int_eq(ovl_scan_opts_resolve(f->ctx, &o, &f->o), OVL_OK);
}

static void fixture_free(fixture *f)
{
    ovl_doc_free(f->l);
    ovl_doc_free(f->s);
    ovl_ctx_free(f->ctx);
}

START_TEST(windows_found_exactly)
{
    fixture f;
    fixture_make(&f);
    size_t nl = ovl_norm_count(ovl_doc_norm(f.l)), ns = ovl_norm_count(ovl_doc_norm(f.s));
    ck_assert_uint_eq(nl, 20000);
    ck_assert_uint_eq(ns, 400);
    ovl__grams *li = NULL;
    ck_assert_int_eq(grams_build(f.l, 0, nl, NULL, 4, &li), OVL_OK);
    uint32_t *w1 = NULL, *w2 = NULL;
    size_t n1 = 0, n2 = 0;
    ck_assert_int_eq(find_windows(f.l, NULL, 0, nl, NULL, f.s, 0, ns, NULL, 4, 64, 400, nl, &w1, &n1),
                     OVL_OK);
    ck_assert_int_eq(find_windows(f.l, li, 0, nl, NULL, f.s, 0, ns, NULL, 4, 64, 400, nl, &w2, &n2),
                     OVL_OK);
    /* The passage, and the phrase's seven copies (words 1,500, 4,500, ... 19,500): each a
     * window of its own. */
    ck_assert_uint_eq(n1, 8);
    ck_assert_uint_eq(n2, n1);
    ck_assert_int_eq(memcmp(w1, w2, 4 * n1 * sizeof *w1), 0);
    size_t found = 0;
    for (size_t x = 0; x < n1; x++) {
        const uint32_t *v = &w1[4 * x];
        if (v[0] == 12000) {
            ck_assert_uint_eq(v[1], 12060);
            ck_assert_uint_eq(v[2], 100);
            ck_assert_uint_eq(v[3], 160);
            found++;
        } else {
            ck_assert_uint_eq(v[0] % 3000, 1500);
            ck_assert_uint_eq(v[1], v[0] + 9);
            ck_assert_uint_eq(v[2], 260);
            ck_assert_uint_eq(v[3], 269);
        }
    }
    ck_assert_uint_eq(found, 1);
    /* Too many shared g-grams: no windows. */
    free(w1);
    w1 = NULL;
    ck_assert_int_eq(find_windows(f.l, li, 0, nl, NULL, f.s, 0, ns, NULL, 4, 64, 400, 40, &w1, &n1), 1);
    free(w1);
    w1 = NULL;
    ck_assert_int_eq(find_windows(f.l, NULL, 0, nl, NULL, f.s, 0, ns, NULL, 4, 64, 400, 40, &w1, &n1), 1);
    free(w1);
    free(w2);
    ovl__grams_free(li);
    fixture_free(&f);
}
END_TEST

static void same_passages(const ovl_passage *p, size_t np, const ovl_passage *q, size_t nq)
{
    ck_assert_uint_eq(np, nq);
    for (size_t i = 0; i < np; i++) {
        ck_assert_uint_eq(p[i].a.tok_start, q[i].a.tok_start);
        ck_assert_uint_eq(p[i].a.tok_end, q[i].a.tok_end);
        ck_assert_uint_eq(p[i].b.tok_start, q[i].b.tok_start);
        ck_assert_uint_eq(p[i].b.tok_end, q[i].b.tok_end);
        ck_assert_int_eq(p[i].moved, q[i].moved);
    }
}

/* The pair aligned in windows gives what aligning the ranges whole gives: the passage, and the
 * phrase once (a stock phrase matched in seven places is reported where it matched first,
 * flagged moved), not once per window. */
START_TEST(windows_align_like_whole)
{
    fixture f;
    fixture_make(&f);
    size_t nl = ovl_norm_count(ovl_doc_norm(f.l)), ns = ovl_norm_count(ovl_doc_norm(f.s));
    ovl_passage *whole = NULL, *win = NULL, *idx = NULL;
    size_t nwhole = 0, nwin = 0, nidx = 0;
    ck_assert_int_eq(ovl__align_range_masked(f.ctx, f.l, 0, nl, f.s, 0, ns, &f.o.align, NULL, NULL,
                                             &whole, &nwhole),
                     OVL_OK);
    ck_assert_uint_eq(nwhole, 2);
    ck_assert_uint_eq(whole[0].a.tok_start, 1500);
    ck_assert_uint_eq(whole[0].a.tok_end, 1509);
    ck_assert_uint_eq(whole[0].b.tok_start, 260);
    ck_assert_uint_eq(whole[0].b.tok_end, 269);
    ck_assert_int_eq(whole[0].moved, 1);
    ck_assert_uint_eq(whole[1].a.tok_start, 12000);
    ck_assert_uint_eq(whole[1].a.tok_end, 12060);
    ck_assert_uint_eq(whole[1].b.tok_start, 100);
    ck_assert_uint_eq(whole[1].b.tok_end, 160);
    ck_assert_int_eq(whole[1].moved, 0);
    /* The candidate stage's box: chunks colliding at both ends of the long document. */
    ovl_scan_pair p = {0, 1, 2, 0, (uint32_t)nl, 0, (uint32_t)ns};
    ck_assert_int_eq(ovl__scan_align_pair(f.ctx, f.l, f.s, &p, &f.o, NULL, NULL, NULL, &win, &nwin),
                     OVL_OK);
    same_passages(win, nwin, whole, nwhole);
    /* With the long document as a unit's centre: its index is built for the second pair. */
    ovl__centre_grams cg = {.doc = f.l};
    for (int round = 0; round < 2; round++) {
        free(idx);
        idx = NULL;
        ck_assert_int_eq(ovl__scan_align_pair(f.ctx, f.l, f.s, &p, &f.o, NULL, NULL, &cg, &idx, &nidx),
                         OVL_OK);
        ck_assert(round == 0 ? cg.x == NULL : cg.x != NULL);
        same_passages(idx, nidx, whole, nwhole);
    }
    /* The short document as a: as aligning the ranges whole that way. */
    ovl_passage *swp = NULL, *swhole = NULL;
    size_t nswp = 0, nswhole = 0;
    ck_assert_int_eq(ovl__align_range_masked(f.ctx, f.s, 0, ns, f.l, 0, nl, &f.o.align, NULL, NULL,
                                             &swhole, &nswhole),
                     OVL_OK);
    ck_assert_uint_eq(nswhole, 2);
    ck_assert_uint_eq(swhole[0].a.tok_start, 100);
    ck_assert_uint_eq(swhole[0].b.tok_start, 12000);
    ovl_scan_pair q = {0, 1, 2, 0, (uint32_t)ns, 0, (uint32_t)nl};
    ck_assert_int_eq(ovl__scan_align_pair(f.ctx, f.s, f.l, &q, &f.o, NULL, NULL, NULL, &swp, &nswp),
                     OVL_OK);
    same_passages(swp, nswp, swhole, nswhole);
    free(swhole);
    free(swp);
    free(idx);
    free(win);
    free(whole);
    ovl__grams_free(cg.x);
    fixture_free(&f);
}
END_TEST

/* Text in recurring runs (masked) places no window, on either side. */
/* A unit's centre aligned as the pair's first document gets its seed index once the ranges of
 * it aligned add up to the whole document; with and without the index the passages are the
 * same; as the second document it gets none. */
START_TEST(centre_index_built_once_same_passages)
{
    fixture f;
    fixture_make(&f);
    size_t nl = ovl_norm_count(ovl_doc_norm(f.l)), ns = ovl_norm_count(ovl_doc_norm(f.s));
    ovl__centre_grams cg = {.doc = f.l, .kon = 1};
    /* The passage's box (words 12,000-12,060 and 100-160), widened by 4 chunks of 50 tokens
     * on each side: 480 tokens of the long document, no index yet. */
    ovl_scan_pair box = {0, 1, 2, 11990, 12070, 95, 165};
    ovl_passage *p1 = NULL, *p2 = NULL, *w1 = NULL, *w2 = NULL;
    size_t n1 = 0, n2 = 0, nw1 = 0, nw2 = 0;
    ck_assert_int_eq(ovl__scan_align_pair(f.ctx, f.l, f.s, &box, &f.o, NULL, NULL, &cg, &p1, &n1), OVL_OK);
    ck_assert_ptr_null(cg.kx);
    ck_assert_uint_eq(cg.kwork, 480);
    ck_assert_uint_eq(n1, 1);
    ck_assert_uint_eq(p1[0].a.tok_start, 12000);
    ck_assert_uint_eq(p1[0].a.tok_end, 12060);
    ck_assert_uint_eq(p1[0].b.tok_start, 100);
    ck_assert_uint_eq(p1[0].b.tok_end, 160);
    /* The documents aligned whole: the whole document's worth, the index is built and used. */
    ovl_scan_opts whole = f.o;
    whole.whole_tokens = UINT32_MAX;
    ovl_scan_pair all = {0, 1, 2, 0, (uint32_t)nl, 0, (uint32_t)ns};
    ck_assert_int_eq(ovl__scan_align_pair(f.ctx, f.l, f.s, &all, &whole, NULL, NULL, &cg, &w1, &nw1), OVL_OK);
    ck_assert_ptr_nonnull(cg.kx);
    ck_assert_int_eq(ovl__scan_align_pair(f.ctx, f.l, f.s, &all, &whole, NULL, NULL, NULL, &w2, &nw2), OVL_OK);
    same_passages(w1, nw1, w2, nw2);
    ck_assert_uint_eq(nw1, 2);
    ck_assert_uint_eq(w1[0].a.tok_start, 1500);
    ck_assert_int_eq(w1[0].moved, 1);
    ck_assert_uint_eq(w1[1].a.tok_start, 12000);
    /* The box again, now from the index: the same passage. */
    const ovl__kindex *kx = cg.kx;
    ck_assert_int_eq(ovl__scan_align_pair(f.ctx, f.l, f.s, &box, &f.o, NULL, NULL, &cg, &p2, &n2), OVL_OK);
    ck_assert_ptr_eq(cg.kx, kx);
    same_passages(p2, n2, p1, n1);
    /* The centre as the second document: no index of it is asked for. */
    ovl__centre_grams cs = {.doc = f.l, .kon = 1};
    ovl_scan_pair rev = {0, 1, 2, 0, (uint32_t)ns, 0, (uint32_t)nl};
    ovl_passage *r = NULL;
    size_t nr = 0;
    ck_assert_int_eq(ovl__scan_align_pair(f.ctx, f.s, f.l, &rev, &whole, NULL, NULL, &cs, &r, &nr), OVL_OK);
    ck_assert_ptr_null(cs.kx);
    ck_assert_uint_eq(cs.kwork, 0);
    ck_assert_uint_eq(nr, 2);
    free(r);
    free(p1);
    free(p2);
    free(w1);
    free(w2);
    ovl__centre_grams_clear(&cg, NULL, 0);
    ovl__centre_grams_clear(&cs, NULL, 0);
    ck_assert_ptr_null(cg.kx);
    fixture_free(&f);
}
END_TEST

START_TEST(masked_text_places_no_window)
{
    fixture f;
    fixture_make(&f);
    size_t nl = ovl_norm_count(ovl_doc_norm(f.l)), ns = ovl_norm_count(ovl_doc_norm(f.s));
    uint8_t *ms = calloc(ns, 1);
    ck_assert_ptr_nonnull(ms);
    memset(ms + 100, 1, 60);
    uint32_t *w = NULL;
    size_t nw = 0;
    ck_assert_int_eq(find_windows(f.l, NULL, 0, nl, NULL, f.s, 0, ns, ms, 4, 64, 400, nl, &w, &nw),
                     OVL_OK);
    ck_assert_uint_eq(nw, 7);
    for (size_t x = 0; x < nw; x++)
        ck_assert_uint_ne(w[4 * x], 12000);
    free(w);
    free(ms);
    fixture_free(&f);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("scan_pair");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, windows_found_exactly);
    tcase_add_test(tc, windows_align_like_whole);
    tcase_add_test(tc, masked_text_places_no_window);
    tcase_add_test(tc, centre_index_built_once_same_passages);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    return tu_main(argc, argv, suite());
}
