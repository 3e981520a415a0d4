/* test_family.c - the families' spans over the recurring chunks only: a chunk no record names between two recurring ones ends a span, a document whose chunks all recur, runs that stop at a document's end, a document without recurring chunks, copies counted, many recurring chunks in one document. */
#include "../src/scan_int.h"

#include <check.h>

#include "testutil.h"

#define NDOCS 6
#define LONGDOC 20

/* Chunks per document (tokens [t0, t1), characters 5 per token), whether a record names
 * them, and the records (key groups 0 and 1, each naming every recurring chunk: one text). */
typedef struct fixture {
    ovl_scan_doc docs[NDOCS];
    uint32_t copy_of[NDOCS];
    ovl__chunkinfo chunks[64];
    unsigned char recurs[64];
    ovl_recurring rec[160];
    ovl__cfp cfp;
} fixture;

static void add_chunk(fixture *x, uint32_t d, uint32_t t0, uint32_t t1, int recurs)
{
    size_t c = x->cfp.nchunks++;
    if (x->docs[d].nchunks == 0)
        x->docs[d].first_chunk = c;
    x->docs[d].nchunks++;
    x->chunks[c] = (ovl__chunkinfo){t0, t1, 5 * t0, 5 * t1};
    x->recurs[c] = (unsigned char)recurs;
}

static void fixture_make(fixture *x)
{
    memset(x, 0, sizeof *x);
    x->cfp.docs = x->docs;
    x->cfp.copy_of = x->copy_of;
    x->cfp.chunks = x->chunks;
    x->cfp.rec = x->rec;
    for (uint32_t d = 0; d < NDOCS; d++)
        x->copy_of[d] = d;
    /* 0: recurring, not, recurring; the third starts inside the first. */
    add_chunk(x, 0, 0, 20, 1);
    add_chunk(x, 0, 10, 30, 0);
    add_chunk(x, 0, 15, 40, 1);
    /* 1: only recurring chunks, overlapping. */
    add_chunk(x, 1, 0, 20, 1);
    add_chunk(x, 1, 15, 40, 1);
    /* 2: a recurring chunk, then one of its own. */
    add_chunk(x, 2, 0, 20, 1);
    add_chunk(x, 2, 20, 30, 0);
    /* 3: none recurring. */
    add_chunk(x, 3, 0, 25, 0);
    /* 4: a copy of 1 (no chunks of its own). */
    x->copy_of[4] = 1;
    x->docs[4].first_chunk = x->cfp.nchunks;
    /* 5: LONGDOC recurring chunks in a row, each overlapping the next. */
    for (uint32_t i = 0; i < LONGDOC; i++)
        add_chunk(x, 5, 10 * i, 10 * i + 20, 1);
    /* Records by (key group, document, tokens); a record naming no chunk of its document
     * (document 3, tokens [3, 7)) is left out of the text. */
    for (uint32_t g = 0; g < 2; g++) {
        for (uint32_t d = 0; d < NDOCS; d++) {
            if (g == 1 && d == 3)
                x->rec[x->cfp.nrec++] = (ovl_recurring){3, 3, 7, 1};
            for (size_t c = x->docs[d].first_chunk; c < x->docs[d].first_chunk + x->docs[d].nchunks; c++)
                if (x->recurs[c])
                    x->rec[x->cfp.nrec++] = (ovl_recurring){d, x->chunks[c].tok_start, x->chunks[c].tok_end, g};
        }
    }
}

static void span_is(const ovl__famspan *s, uint32_t doc, uint32_t t0, uint32_t t1)
{
    ck_assert_uint_eq(s->doc, doc);
    ck_assert_uint_eq(s->tok_start, t0);
    ck_assert_uint_eq(s->tok_end, t1);
    ck_assert_uint_eq(s->char_start, 5 * t0);
    ck_assert_uint_eq(s->char_end, 5 * t1);
}

START_TEST(test_spans_recurring_chunks)
{
    static fixture x;
    fixture_make(&x);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl__families fam;
    ck_assert_int_eq(ovl__families_build(ctx, &x.cfp, NDOCS, &fam), OVL_OK);
    /* Spans in document order: document 0's two recurring chunks stay two spans (a chunk
     * between them recurs nowhere), though the second starts inside the first; document 1's
     * are one; document 2's stops at its own chunk; 3 and the copy 4 have none; 5's twenty
     * chunks are one span. */
    ck_assert_uint_eq(fam.nspans, 5);
    span_is(&fam.spans[0], 0, 0, 20);
    span_is(&fam.spans[1], 0, 15, 40);
    span_is(&fam.spans[2], 1, 0, 40);
    span_is(&fam.spans[3], 2, 0, 20);
    span_is(&fam.spans[4], 5, 0, 10 * (LONGDOC - 1) + 20);
    static const size_t first[NDOCS + 1] = {0, 2, 3, 4, 4, 4, 5};
    for (size_t d = 0; d <= NDOCS; d++)
        ck_assert_uint_eq(fam.doc_first[d], first[d]);
    /* One text: in documents 0, 1 (and its copy 4), 2 and 5; document 0's two spans are one
     * occurrence (pieces a few tokens apart). */
    ck_assert_uint_eq(fam.n, 1);
    ck_assert_uint_eq(fam.f[0].documents, 5);
    ck_assert_uint_eq(fam.f[0].nspans, 4);
    span_is(&fam.spans[fam.f[0].first_span], 0, 0, 40);
    span_is(&fam.spans[fam.f[0].first_span + 3], 5, 0, 10 * (LONGDOC - 1) + 20);
    for (size_t s = 0; s < fam.nspans; s++)
        ck_assert_uint_eq(fam.span_family[s], 0);
    ovl__families_free(&fam);
    ovl_ctx_free(ctx);
}
END_TEST

/* No records: no spans, no families, every document's spans empty. */
START_TEST(test_no_records)
{
    static fixture x;
    fixture_make(&x);
    x.cfp.nrec = 0;
    ovl_ctx *ctx = ovl_ctx_new();
    ovl__families fam;
    ck_assert_int_eq(ovl__families_build(ctx, &x.cfp, NDOCS, &fam), OVL_OK);
    ck_assert_uint_eq(fam.nspans, 0);
    ck_assert_uint_eq(fam.n, 0);
    for (size_t d = 0; d <= NDOCS; d++)
        ck_assert_uint_eq(fam.doc_first[d], 0);
    ovl__families_free(&fam);
    ovl_ctx_free(ctx);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("family");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_spans_recurring_chunks);
    tcase_add_test(tc, test_no_records);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    return tu_main(argc, argv, suite());
}
