/* test_family.c - the families' spans over the recurring chunks only: a chunk no record names between two recurring ones ends a span, a document whose chunks all recur, runs that stop at a document's end, a document without recurring chunks, copies counted, many recurring chunks in one document; the families' input made from the records, the key groups' documents counted, and the same families whatever the key groups' numbers or however the documents are split for the neighbours' join (what the MPI ranks rely on). */
#include "../src/family.h"
#include "../src/uf.h"

#include <check.h>
#include <pthread.h>

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

/* The families' input from the records: each document's recurring chunks with their offsets
 * and ranges, each chunk's key groups, and each group's documents, counting a record that
 * names no chunk (document 3) and one of a template past the documents. */
START_TEST(test_keys_from_records)
{
    static fixture x;
    fixture_make(&x);
    x.rec[x.cfp.nrec++] = (ovl_recurring){NDOCS, 0, 5, 1}; /* (the last group, the last document) */
    ovl_ctx *ctx = ovl_ctx_new();
    ovl__fkeys k;
    ck_assert_int_eq(ovl__fkeys_from_records(ctx, &x.cfp, NDOCS, &k), OVL_OK);
    ck_assert_uint_eq(k.ndocs, NDOCS);
    ck_assert_uint_eq(k.n, 2 + 2 + 1 + LONGDOC);
    static const uint32_t first[NDOCS + 1] = {0, 2, 4, 5, 5, 5, 5 + LONGDOC};
    for (size_t d = 0; d <= NDOCS; d++)
        ck_assert_uint_eq(k.first[d], first[d]);
    static const uint32_t off[5] = {0, 2, 0, 1, 0};
    for (size_t c = 0; c < 5; c++)
        ck_assert_uint_eq(k.off[c], off[c]);
    for (uint32_t i = 0; i < LONGDOC; i++) {
        ck_assert_uint_eq(k.off[5 + i], i);
        ck_assert_uint_eq(k.info[5 + i].tok_start, 10 * i);
        ck_assert_uint_eq(k.info[5 + i].char_end, 5 * (10 * i + 20));
    }
    ck_assert_uint_eq(k.info[1].tok_start, 15);
    ck_assert_uint_eq(k.info[1].tok_end, 40);
    ck_assert_uint_eq(k.info[1].char_start, 75);
    ck_assert_uint_eq(k.info[1].char_end, 200);
    for (size_t c = 0; c < k.n; c++) {
        ck_assert_uint_eq(k.goff[c], 2 * c);
        ck_assert_uint_eq(k.gl[2 * c], 0);
        ck_assert_uint_eq(k.gl[2 * c + 1], 1);
    }
    ck_assert_uint_eq(k.goff[k.n], 2 * k.n);
    /* Group 0: documents 0, 1, 2 and 5; group 1: those, 3 (a record naming no chunk) and the
     * template. */
    ck_assert_uint_eq(k.ngroups, 2);
    ck_assert_uint_eq(k.gdocs[0], 4);
    ck_assert_uint_eq(k.gdocs[1], 6);
    ovl__fkeys_free(&k);
    ovl_ctx_free(ctx);
}
END_TEST

/* The key groups' documents as a rank counts its share's: groups numbered in order whatever
 * their numbers, a document counted once per group however many of its chunks the group
 * names. */
START_TEST(test_group_docs)
{
    static const ovl_recurring v[] = {{0, 0, 20, 7}, {0, 25, 45, 7}, {3, 0, 20, 7}, {3, 0, 20, 9},
                                      {1, 5, 25, 12}, {2, 0, 20, 12}, {2, 30, 50, 12}, {5, 0, 20, 12}};
    ovl_ctx *ctx = ovl_ctx_new();
    uint32_t *gd = NULL;
    size_t ng = 99;
    ck_assert_int_eq(ovl__group_docs(ctx, v, sizeof v / sizeof *v, &gd, &ng), OVL_OK);
    ck_assert_uint_eq(ng, 3);
    ck_assert_uint_eq(gd[0], 2);
    ck_assert_uint_eq(gd[1], 1);
    ck_assert_uint_eq(gd[2], 3);
    free(gd);
    ck_assert_int_eq(ovl__group_docs(ctx, v, 0, &gd, &ng), OVL_OK);
    ck_assert_uint_eq(ng, 0);
    ck_assert_ptr_nonnull(gd);
    free(gd);
    ovl_ctx_free(ctx);
}
END_TEST

/* A corpus of several texts: A (key groups 0-3) in documents 0-7, followed by B (4-6) in
 * 0-5; C (7-10) alone in 8-10; a variant of A with a word changed (0-2 and 10, a group of C)
 * in document 11 (and 12 and 13 in a corpus of RN_MAX documents); one of B's groups (5)
 * also held by a template past the documents. */
#define RN_DOCS 12
#define RN_MAX 14
typedef struct rn_fixture {
    ovl_scan_doc docs[RN_MAX];
    uint32_t copy_of[RN_MAX];
    ovl__chunkinfo chunks[64];
    ovl_recurring rec[256];
    ovl__cfp cfp;
} rn_fixture;

static void rn_make(rn_fixture *x, uint32_t ndocs)
{
    static const uint32_t A[] = {0, 1, 2, 3, 99}, B[] = {4, 5, 6, 99}, C[] = {7, 8, 9, 10, 99}, V[] = {0, 1, 2, 10, 99};
    /* per document: its recurring texts in order (each one chunk of 20 tokens, 5 apart) */
    const uint32_t *texts[RN_MAX][2] = {{A, B},    {A, B},    {A, B},    {A, B},    {A, B},
                                        {A, B},    {A, NULL}, {A, NULL}, {C, NULL}, {C, NULL},
                                        {C, NULL}, {V, NULL}, {V, NULL}, {V, NULL}};
    memset(x, 0, sizeof *x);
    x->cfp.docs = x->docs;
    x->cfp.copy_of = x->copy_of;
    x->cfp.chunks = x->chunks;
    x->cfp.rec = x->rec;
    for (uint32_t d = 0; d < ndocs; d++) {
        x->copy_of[d] = d;
        x->docs[d].first_chunk = x->cfp.nchunks;
        for (uint32_t t = 0; t < 2 && texts[d][t]; t++) {
            uint32_t t0 = 25 * t;
            x->chunks[x->cfp.nchunks++] = (ovl__chunkinfo){t0, t0 + 20, 4 * t0, 4 * (t0 + 20)};
            x->docs[d].nchunks++;
        }
    }
    /* Records by (key group, document, tokens). */
    for (uint32_t g = 0; g <= 10; g++) {
        for (uint32_t d = 0; d < ndocs; d++)
            for (uint32_t t = 0; t < 2 && texts[d][t]; t++)
                for (const uint32_t *k = texts[d][t]; *k != 99; k++)
                    if (*k == g)
                        x->rec[x->cfp.nrec++] = (ovl_recurring){d, 25 * t, 25 * t + 20, g};
        if (g == 5)
            x->rec[x->cfp.nrec++] = (ovl_recurring){ndocs, 0, 20, g};
    }
}

static int cmp_u32_asc(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void same_families(const ovl__families *a, const ovl__families *b, size_t ndocs)
{
    ck_assert_uint_eq(a->n, b->n);
    ck_assert_uint_eq(a->nspans, b->nspans);
    size_t nocc = 0; /* (the families' occurrences follow the spans in document order) */
    for (size_t f = 0; f < a->n; f++) {
        nocc += a->f[f].nspans;
        ck_assert_uint_eq(a->f[f].first_span, b->f[f].first_span);
        ck_assert_uint_eq(a->f[f].nspans, b->f[f].nspans);
        ck_assert_uint_eq(a->f[f].documents, b->f[f].documents);
        ck_assert_uint_eq(a->f[f].rep, b->f[f].rep);
        ck_assert_uint_eq(a->f[f].weight, b->f[f].weight);
    }
    ck_assert_int_eq(memcmp(a->spans, b->spans, (a->nspans + nocc) * sizeof *a->spans), 0);
    for (size_t d = 0; d <= ndocs; d++)
        ck_assert_uint_eq(a->doc_first[d], b->doc_first[d]);
}

/* The families depend on the key groups' sets and documents, not on their numbers: the
 * groups numbered backwards (as another split of the key space over MPI ranks numbers them)
 * give the same families, spans and order. */
START_TEST(test_keys_renumbered)
{
    static rn_fixture x;
    rn_make(&x, RN_DOCS);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl__families one, two;
    ck_assert_int_eq(ovl__families_build(ctx, &x.cfp, RN_DOCS, &one), OVL_OK);
    /* A with B in 0-5 (one occurrence of 45 tokens each), A alone in 6 and 7 and as the
     * variant in 11 (in 1 of the 4 documents of its rarest group: no text of its own, it
     * goes with the text it shares most groups with); C in 8-10. */
    ck_assert_uint_eq(one.n, 2);
    ck_assert_uint_eq(one.f[0].documents, 9);
    ck_assert_uint_eq(one.f[0].nspans, 9);
    ck_assert_uint_eq(one.spans[one.f[0].first_span + 5].tok_end, 45);
    ck_assert_uint_eq(one.spans[one.f[0].first_span + 6].tok_end, 20);
    ck_assert_uint_eq(one.spans[one.f[0].first_span + 8].doc, 11);
    ck_assert_uint_eq(one.f[1].documents, 3);
    ck_assert_uint_eq(one.spans[one.f[1].first_span].doc, 8);
    ovl__fkeys k;
    ck_assert_int_eq(ovl__fkeys_from_records(ctx, &x.cfp, RN_DOCS, &k), OVL_OK);
    ck_assert_uint_eq(k.ngroups, 11);
    uint32_t *gd = malloc(k.ngroups * sizeof *gd);
    ck_assert_ptr_nonnull(gd);
    for (size_t g = 0; g < k.ngroups; g++)
        gd[k.ngroups - 1 - g] = k.gdocs[g];
    memcpy(k.gdocs, gd, k.ngroups * sizeof *gd);
    free(gd);
    for (size_t c = 0; c < k.n; c++) {
        for (size_t p = k.goff[c]; p < k.goff[c + 1]; p++)
            k.gl[p] = (uint32_t)(k.ngroups - 1 - k.gl[p]);
        qsort(k.gl + k.goff[c], k.goff[c + 1] - k.goff[c], sizeof *k.gl, cmp_u32_asc);
    }
    ck_assert_int_eq(ovl__families_from_keys(ctx, &k, x.copy_of, &two), OVL_OK);
    same_families(&one, &two, RN_DOCS);
    ovl__fkeys_free(&k);
    ovl__families_free(&one);
    ovl__families_free(&two);
    ovl_ctx_free(ctx);
}
END_TEST

/* A variant held by half the documents of its rarest key group is a text of its own (the
 * GPL-3 notice beside the GPL-2 one): V in documents 11-13, and its group 10 in 8-13, makes
 * a family of its own, beside A's and C's, instead of going with A. */
START_TEST(test_variant_own)
{
    static rn_fixture x;
    rn_make(&x, RN_MAX);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl__families fam;
    ck_assert_int_eq(ovl__families_build(ctx, &x.cfp, RN_MAX, &fam), OVL_OK);
    ck_assert_uint_eq(fam.n, 3);
    ck_assert_uint_eq(fam.f[0].documents, 8);
    ck_assert_uint_eq(fam.f[0].nspans, 8);
    static const uint32_t doc1[3] = {8, 9, 10}, doc2[3] = {11, 12, 13};
    for (size_t i = 0; i < 3; i++) {
        ck_assert_uint_eq(fam.spans[fam.f[1].first_span + i].doc, doc1[i]);
        ck_assert_uint_eq(fam.spans[fam.f[2].first_span + i].doc, doc2[i]);
    }
    for (size_t f = 1; f < 3; f++) {
        ck_assert_uint_eq(fam.f[f].documents, 3);
        ck_assert_uint_eq(fam.f[f].nspans, 3);
    }
    ovl__families_free(&fam);
    ovl_ctx_free(ctx);
}
END_TEST

/* Texts of their own sharing half the key groups of the one with fewer are kin: 0 and 1 share 3
 * of 4, 2 and 3 one of 4, 4 is a variant of 2 (its rarest key held by many more documents)
 * and takes its root's kin; a key group held by more than 32 texts says nothing. */
START_TEST(test_kin)
{
    static const size_t goff[] = {0, 4, 8, 12, 16, 19};
    static const uint32_t gl[] = {1, 2, 3, 4, 1, 2, 3, 9, 5, 6, 7, 8, 5, 10, 11, 12, 5, 6, 13};
    uint32_t docs[5] = {10, 10, 10, 10, 2};
    uint32_t gdocs[14];
    for (size_t g = 0; g < 14; g++)
        gdocs[g] = g == 13 ? 50 : 10;
    ovl__fclasses fc = {5, docs, (size_t *)goff, (uint32_t *)gl};
    uint32_t up[5], kin[5];
    unsigned char own[5];
    ovl_ctx *ctx = ovl_ctx_new();
    ck_assert_int_eq(ovl__fclasses_roots(ctx, &fc, gdocs, 14, up, own, kin), OVL_OK);
    static const uint32_t want_up[5] = {0, 1, 2, 3, 2}, want_kin[5] = {0, 0, 2, 3, 2};
    static const unsigned char want_own[5] = {1, 1, 1, 1, 0};
    for (size_t k = 0; k < 5; k++) {
        ck_assert_uint_eq(up[k], want_up[k]);
        ck_assert_uint_eq(own[k], want_own[k]);
        ck_assert_uint_eq(kin[k], want_kin[k]);
    }
    /* Group 1 held by 33 texts of their own (each alone otherwise): no kin made through it. */
    enum { N = 33 };
    static size_t goff2[N + 1];
    static uint32_t gl2[2 * N], docs2[N], gdocs2[N + 1];
    for (size_t k = 0; k < N; k++) {
        goff2[k] = 2 * k;
        gl2[2 * k] = 0;
        gl2[2 * k + 1] = (uint32_t)(k + 1);
        docs2[k] = 10;
    }
    goff2[N] = 2 * N;
    for (size_t g = 0; g <= N; g++)
        gdocs2[g] = 10;
    ovl__fclasses fc2 = {N, docs2, goff2, gl2};
    uint32_t up2[N], kin2[N];
    unsigned char own2[N];
    ck_assert_int_eq(ovl__fclasses_roots(ctx, &fc2, gdocs2, N + 1, up2, own2, kin2), OVL_OK);
    for (size_t k = 0; k < N; k++)
        ck_assert_uint_eq(kin2[k], k);
    /* With 32 (the group counts), each pair shares one of two: all kin of the first. */
    fc2.n = 32;
    ck_assert_int_eq(ovl__fclasses_roots(ctx, &fc2, gdocs2, N + 1, up2, own2, kin2), OVL_OK);
    for (size_t k = 0; k < 32; k++)
        ck_assert_uint_eq(kin2[k], 0);
    ovl_ctx_free(ctx);
}
END_TEST

/* ---- The neighbours' join split over processes (what the MPI ranks do) ------------------- */

/* Units X 0, Y 1, Z 2 and the fragment F 3 in documents 0-10, one chunk each, in that order
 * 2 tokens apart: X in 0-9, Y in 2-9, Z in 3-10, F in 0-3; W 4 in 10, far after Z. X and Y are one text (8 documents
 * of 10 hold both); Y and Z are too (7 of 8), but X, the leader of X and Y, and Z are not (7
 * of 10), so Z stays apart; F joins X, the text beside it. Documents 5-10 alone would join Z
 * (X, Y and Z in 5 of their 5, 5 and 6 documents). */
#define NJ_DOCS 11
typedef struct nj_fixture {
    uint32_t first[NJ_DOCS + 1], off[64], unit[64], copy_of[NJ_DOCS];
    ovl__chunkinfo info[64];
    unsigned char pure[64], frag[5];
    ovl__funits u;
} nj_fixture;

static void nj_make(nj_fixture *x, uint32_t d0, uint32_t d1)
{
    memset(x, 0, sizeof *x);
    size_t n = 0;
    for (uint32_t d = d0; d < d1; d++) {
        x->first[d - d0] = (uint32_t)n;
        x->copy_of[d - d0] = d - d0;
        const int has[5] = {d <= 3, d <= 9, d >= 2 && d <= 9, d >= 3, d == 10}; /* F, X, Y, Z, W */
        static const uint32_t unit_of[5] = {3, 0, 1, 2, 4};
        for (uint32_t k = 0, o = 0; k < 5; k++) {
            if (!has[k])
                continue;
            uint32_t t0 = k < 4 ? 12 * k : 100;
            x->off[n] = o++;
            x->unit[n] = unit_of[k];
            x->pure[n] = k != 0;
            x->info[n++] = (ovl__chunkinfo){t0, t0 + 10, 4 * t0, 4 * (t0 + 10)};
        }
    }
    x->first[d1 - d0] = (uint32_t)n;
    x->frag[3] = 1;
    x->u = (ovl__funits){d1 - d0, x->first, x->off, x->info, x->unit, x->pure, n, x->frag, 5, NULL};
}

/* Two threads in step, each with its documents: what one gives, both get added up. */
typedef struct duo {
    pthread_barrier_t bar;
    uint32_t *v[2];
    ovl__fedge *e[2], *all;
    size_t ne[2], nall;
    int rc[2];
    unsigned sums;
} duo;

typedef struct duo_side {
    duo *d;
    int me;
    nj_fixture x;
    ovl__ftexts t;
    ovl__fspans sp;
    const ovl__fkins *kins; /* (the parts' join) */
    int rc;
} duo_side;

static int duo_agree(void *arg, int rc)
{
    duo_side *s = arg;
    s->d->rc[s->me] = rc;
    pthread_barrier_wait(&s->d->bar);
    int r = s->d->rc[0] != OVL_OK ? s->d->rc[0] : s->d->rc[1];
    pthread_barrier_wait(&s->d->bar);
    return r;
}

static int duo_sum(void *arg, uint32_t *v, size_t n)
{
    duo_side *s = arg;
    s->d->v[s->me] = v;
    pthread_barrier_wait(&s->d->bar);
    if (s->me == 0) {
        for (size_t i = 0; i < n; i++)
            s->d->v[0][i] = s->d->v[1][i] = s->d->v[0][i] + s->d->v[1][i];
        s->d->sums++;
    }
    pthread_barrier_wait(&s->d->bar);
    return OVL_OK;
}

static int duo_edges(void *arg, ovl__fedge **ed, size_t *n)
{
    duo_side *s = arg;
    duo *d = s->d;
    d->e[s->me] = *ed;
    d->ne[s->me] = *n;
    pthread_barrier_wait(&d->bar);
    if (s->me == 0) {
        d->all = malloc((d->ne[0] + d->ne[1] + 1) * sizeof *d->all);
        d->nall = 0;
        for (int p = 0; p < 2; p++)
            for (size_t i = 0; i < d->ne[p]; i++)
                d->all[d->nall++] = d->e[p][i];
        d->nall = ovl__fedges_merge(d->all, d->nall);
    }
    pthread_barrier_wait(&d->bar);
    free(*ed);
    *ed = malloc((d->nall + 1) * sizeof **ed);
    memcpy(*ed, d->all, d->nall * sizeof **ed);
    *n = d->nall;
    pthread_barrier_wait(&d->bar);
    if (s->me == 0)
        free(d->all);
    return OVL_OK;
}

static void *duo_run(void *arg)
{
    duo_side *s = arg;
    ovl_ctx *ctx = ovl_ctx_new();
    ovl__fjoin j = {duo_agree, duo_sum, duo_edges, s};
    s->rc = ovl__funits_join(ctx, &s->x.u, s->x.copy_of, &j, &s->t);
    if (s->rc == OVL_OK)
        s->rc = ovl__funits_spans(ctx, &s->x.u, s->x.copy_of, &s->t, &s->sp);
    if (s->rc == OVL_OK)
        s->rc = ovl__fspans_join_parts(ctx, &s->sp, NULL, &j);
    ovl_ctx_free(ctx);
    return NULL;
}

static void *duo_parts(void *arg)
{
    duo_side *s = arg;
    ovl_ctx *ctx = ovl_ctx_new();
    ovl__fjoin j = {duo_agree, duo_sum, duo_edges, s};
    s->rc = ovl__fspans_join_parts(ctx, &s->sp, s->kins, &j);
    ovl_ctx_free(ctx);
    return NULL;
}

static uint32_t no_copies(const void *arg, uint32_t doc)
{
    (void)arg, (void)doc;
    return 0;
}

/* The join of documents 0-4 and 5-10 made apart, in step, each adding up the other's counts,
 * gives the whole's texts; their spans, put one after the other, the whole's families. */
START_TEST(test_join_split)
{
    static nj_fixture whole;
    nj_make(&whole, 0, NJ_DOCS);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl__ftexts t;
    ck_assert_int_eq(ovl__funits_join(ctx, &whole.u, whole.copy_of, NULL, &t), OVL_OK);
    /* Every unit but W is met beside another; W is a text of its own, held by nobody. */
    ck_assert_uint_eq(t.n, 4);
    ck_assert_uint_eq(ovl__ftexts_root(&t, 4), 4);
    static const uint32_t want[4] = {0, 0, 2, 0};
    for (uint32_t k = 0; k < 4; k++)
        ck_assert_uint_eq(ovl__ftexts_root(&t, k), want[k]);
    /* Documents 5-10 alone: Z joins. */
    static nj_fixture tail;
    nj_make(&tail, 5, NJ_DOCS);
    ovl__ftexts_free(&t);
    ck_assert_int_eq(ovl__funits_join(ctx, &tail.u, tail.copy_of, NULL, &t), OVL_OK);
    ck_assert_uint_eq(ovl__ftexts_root(&t, 2), 0);
    ovl__ftexts_free(&t);
    /* Split, in step. */
    static duo d;
    static duo_side side[2];
    memset(&d, 0, sizeof d);
    ck_assert_int_eq(pthread_barrier_init(&d.bar, NULL, 2), 0);
    pthread_t th[2];
    for (int p = 0; p < 2; p++) {
        side[p].d = &d;
        side[p].me = p;
        nj_make(&side[p].x, p ? 5 : 0, p ? NJ_DOCS : 5);
        ck_assert_int_eq(pthread_create(&th[p], NULL, duo_run, &side[p]), 0);
    }
    for (int p = 0; p < 2; p++)
        pthread_join(th[p], NULL);
    pthread_barrier_destroy(&d.bar);
    for (int p = 0; p < 2; p++) {
        ck_assert_int_eq(side[p].rc, OVL_OK);
        for (uint32_t k = 0; k < 4; k++)
            ck_assert_uint_eq(ovl__ftexts_root(&side[p].t, k), want[k]);
    }
    /* Two sums (documents per unit, documents per pair of neighbours), then one per test of
     * two texts' leaders: Y and Z's (X and Z), once; then the parts' two (documents per text
     * and kin met side by side, documents of a kin with a bound text beside it). */
    ck_assert_uint_eq(d.sums, 5);
    /* The halves' spans, documents renumbered in the whole, make the whole's families. */
    ovl__fspans all;
    memset(&all, 0, sizeof all);
    size_t n = side[0].sp.n + side[1].sp.n;
    all.spans = malloc(n * sizeof *all.spans);
    all.text = malloc(n * sizeof *all.text);
    all.clean = malloc(n);
    for (int p = 0; p < 2; p++)
        for (size_t i = 0; i < side[p].sp.n; i++, all.n++) {
            all.spans[all.n] = side[p].sp.spans[i];
            all.spans[all.n].doc += p ? 5 : 0;
            all.text[all.n] = side[p].sp.text[i];
            all.clean[all.n] = side[p].sp.clean[i];
        }
    ck_assert_uint_eq(all.n, 4 + 10 + 8 + 8 + 1);
    /* X's text and Z sit side by side in 3-9: Z is bound to X's text (in 7 of its 8
     * documents) and X's text a part (7 of 10), so Z there is X's text's; Z in 10 and W stay
     * families of their own. Side 0 alone would not join Z in 3 and 4 (X's text beside Z in
     * 2 of its 5 documents there). */
    for (size_t i = 0; i < all.n; i++)
        ck_assert_uint_eq(all.text[i], all.spans[i].doc == 10 ? (all.spans[i].tok_start == 100 ? 4 : 2) : 0);
    ovl__families one, two;
    ck_assert_int_eq(ovl__families_from_units(ctx, &whole.u, whole.copy_of, &one), OVL_OK);
    ck_assert_int_eq(ovl__families_from_spans(ctx, &all, NJ_DOCS, 5, no_copies, NULL, &two), OVL_OK);
    ck_assert_uint_eq(one.n, 3);
    same_families(&one, &two, NJ_DOCS);
    ovl__fspans_free(&all);
    for (int p = 0; p < 2; p++) {
        ovl__fspans_free(&side[p].sp);
        ovl__ftexts_free(&side[p].t);
    }
    ovl__families_free(&one);
    ovl__families_free(&two);
    ovl_ctx_free(ctx);
}
END_TEST

/* ---- The parts of texts joined, in one process and split over two ------------------------- */

/* P 0, then the paragraph R 2 (or R' 5 with a word changed: R's kin) in documents 0-7; Q 1
 * (or its kin Q' 3) then R in 8-11; R alone in 12, P alone in 13; each span 20 tokens, the
 * second 5 after the first. */
#define JP_DOCS 14
static size_t jp_make(ovl__fspans *s, uint32_t d0, uint32_t d1)
{
    static const uint32_t seq[JP_DOCS][2] = {{0, 2}, {0, 2}, {0, 2}, {0, 2}, {0, 5}, {0, 5}, {0, 5},
                                             {0, 5}, {1, 2}, {1, 2}, {1, 2}, {3, 2}, {2, 99}, {0, 99}};
    memset(s, 0, sizeof *s);
    s->spans = malloc(2 * JP_DOCS * sizeof *s->spans);
    s->text = malloc(2 * JP_DOCS * sizeof *s->text);
    s->clean = calloc(2 * JP_DOCS, 1);
    ck_assert(s->spans && s->text && s->clean);
    for (uint32_t d = d0; d < d1; d++)
        for (uint32_t k = 0; k < 2 && seq[d][k] != 99; k++) {
            s->spans[s->n] = (ovl__famspan){d, 25 * k, 25 * k + 20, 100 * k, 100 * k + 80};
            s->text[s->n++] = seq[d][k];
        }
    return s->n;
}

/* What each span's text becomes, in document order. */
static const uint32_t jp_kin_want[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                       1, 1, 1, 1, 1, 1, 3, 3, 2, 0};

/* With R' R's kin and Q' Q's, P sits beside R's kin in 8 of its 9 documents (bound), and a
 * bound text sits beside R's kin in 12 of its 13 (a part): P's occurrences take in R and R',
 * Q's and Q''s take in R; R alone stays R. Without the kins P sits beside R in 4 of its 9
 * documents and beside R' in 4, and nothing is joined. Split over two processes (documents
 * 0-6 and 7-13) adding up each other's counts, the same; alone, the second would leave R' in
 * document 7 (P there beside R in 1 of its 2 documents). */
START_TEST(test_join_parts)
{
    ovl_ctx *ctx = ovl_ctx_new();
    uint32_t dense[6] = {0, 1, 2, 1, 4, 2};
    ovl__fkins kins;
    ck_assert_int_eq(ovl__fkins_from(dense, NULL, 6, &kins), 0);
    ck_assert_uint_eq(kins.n, 2);
    ck_assert_uint_eq(kins.unit[0], 3);
    ck_assert_uint_eq(kins.kin[0], 1);
    ck_assert_uint_eq(kins.unit[1], 5);
    ck_assert_uint_eq(kins.kin[1], 2);
    ovl__fspans s;
    size_t n = jp_make(&s, 0, JP_DOCS);
    ck_assert_uint_eq(n, sizeof jp_kin_want / sizeof *jp_kin_want);
    ck_assert_int_eq(ovl__fspans_join_parts(ctx, &s, &kins, NULL), OVL_OK);
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(s.text[i], jp_kin_want[i]);
    ovl__fspans_free(&s);
    jp_make(&s, 0, JP_DOCS);
    ck_assert_int_eq(ovl__fspans_join_parts(ctx, &s, NULL, NULL), OVL_OK);
    static const uint32_t plain[] = {0, 2, 0, 2, 0, 2, 0, 2, 0, 5, 0, 5, 0, 5,
                                     0, 5, 1, 2, 1, 2, 1, 2, 3, 2, 2, 0};
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(s.text[i], plain[i]);
    ovl__fspans_free(&s);
    /* The second half alone. */
    size_t n1 = jp_make(&s, 7, JP_DOCS);
    ck_assert_int_eq(ovl__fspans_join_parts(ctx, &s, &kins, NULL), OVL_OK);
    ck_assert_uint_eq(s.text[1], 5);
    for (size_t i = 2; i < n1; i++)
        ck_assert_uint_eq(s.text[i], jp_kin_want[n - n1 + i]);
    ovl__fspans_free(&s);
    /* Split, in step. */
    static duo d;
    static duo_side side[2];
    memset(&d, 0, sizeof d);
    memset(side, 0, sizeof side);
    ck_assert_int_eq(pthread_barrier_init(&d.bar, NULL, 2), 0);
    pthread_t th[2];
    for (int p = 0; p < 2; p++) {
        side[p].d = &d;
        side[p].me = p;
        side[p].kins = &kins;
        jp_make(&side[p].sp, p ? 7 : 0, p ? JP_DOCS : 7);
        ck_assert_int_eq(pthread_create(&th[p], NULL, duo_parts, &side[p]), 0);
    }
    for (int p = 0; p < 2; p++)
        pthread_join(th[p], NULL);
    pthread_barrier_destroy(&d.bar);
    ck_assert_uint_eq(d.sums, 2);
    size_t n0 = side[0].sp.n;
    ck_assert_uint_eq(n0 + side[1].sp.n, n);
    for (int p = 0; p < 2; p++) {
        ck_assert_int_eq(side[p].rc, OVL_OK);
        for (size_t i = 0; i < side[p].sp.n; i++)
            ck_assert_uint_eq(side[p].sp.text[i], jp_kin_want[(p ? n0 : 0) + i]);
        ovl__fspans_free(&side[p].sp);
    }
    ovl__fkins_free(&kins);
    ovl_ctx_free(ctx);
}
END_TEST

/* Spans of recurring text (malloc'd copies of sp, text and clean, n of each). */
static ovl__fspans fspans_copy(const ovl__famspan *sp, const uint32_t *text, const unsigned char *clean, size_t n)
{
    ovl__fspans s = {malloc(n * sizeof *sp), malloc(n * sizeof *text), malloc(n), n};
    ck_assert(s.spans && s.text && s.clean);
    memcpy(s.spans, sp, n * sizeof *sp);
    memcpy(s.text, text, n * sizeof *text);
    memcpy(s.clean, clean, n);
    return s;
}

/* Families of occurrences (a text's pieces a few tokens apart in a document made one) are the
 * families of the spans: a text's piece after another text's (A, B, A) goes with its first;
 * one too far (A at 100) is an occurrence of its own. */
START_TEST(test_occurrences)
{
    ovl_ctx *ctx = ovl_ctx_new();
    static const ovl__famspan sp[6] = {{0, 0, 20, 0, 80},      {0, 22, 30, 88, 120}, {0, 32, 50, 128, 200},
                                       {0, 60, 70, 240, 280}, {0, 100, 120, 400, 480}, {1, 0, 20, 0, 80}};
    static const uint32_t text[6] = {7, 8, 7, 9, 7, 7};
    static const unsigned char clean[6] = {1, 1, 0, 1, 1, 1};
    ovl__fspans a = fspans_copy(sp, text, clean, 6), b = fspans_copy(sp, text, clean, 6);
    ck_assert_int_eq(ovl__fspans_occurrences(ctx, &b), OVL_OK);
    ck_assert_uint_eq(b.n, 5);
    static const ovl__famspan want[5] = {{0, 0, 50, 0, 200},    {0, 22, 30, 88, 120}, {0, 60, 70, 240, 280},
                                         {0, 100, 120, 400, 480}, {1, 0, 20, 0, 80}};
    static const uint32_t wtext[5] = {7, 8, 9, 7, 7};
    static const unsigned char wclean[5] = {0, 1, 1, 1, 1};
    ck_assert_int_eq(memcmp(b.spans, want, sizeof want), 0);
    for (size_t i = 0; i < 5; i++) {
        ck_assert_uint_eq(b.text[i], wtext[i]);
        ck_assert_uint_eq(b.clean[i], wclean[i]);
    }
    ovl__families fa, fb;
    ck_assert_int_eq(ovl__families_from_spans(ctx, &a, 0, 10, no_copies, NULL, &fa), OVL_OK);
    ck_assert_int_eq(ovl__families_from_spans(ctx, &b, 0, 10, no_copies, NULL, &fb), OVL_OK);
    ck_assert_uint_eq(fa.n, 3);
    ck_assert_uint_eq(fb.n, fa.n);
    for (size_t f = 0; f < fa.n; f++) {
        const ovl__fam *p = &fa.f[f], *q = &fb.f[f];
        ck_assert_uint_eq(p->nspans, q->nspans);
        ck_assert_uint_eq(p->documents, q->documents);
        ck_assert_uint_eq(p->weight, q->weight);
        ck_assert_int_eq(memcmp(&fa.spans[p->rep], &fb.spans[q->rep], sizeof *fa.spans), 0);
        ck_assert_int_eq(memcmp(&fa.spans[p->first_span], &fb.spans[q->first_span], p->nspans * sizeof *fa.spans), 0);
    }
    /* A's three occurrences (0-50, 100-120, the second document's), its text the first. */
    ck_assert_uint_eq(fa.f[0].nspans, 3);
    ck_assert_uint_eq(fa.spans[fa.f[0].first_span].tok_end, 50);
    /* Kept in document order too (ndocs 2): the six spans, then the same occurrences. */
    ovl__fspans c = fspans_copy(sp, text, clean, 6);
    ovl__families fc;
    ck_assert_int_eq(ovl__families_from_spans(ctx, &c, 2, 10, no_copies, NULL, &fc), OVL_OK);
    ck_assert_uint_eq(fa.nspans, 0);
    ck_assert_uint_eq(fc.nspans, 6);
    ck_assert_int_eq(memcmp(fc.spans, sp, sizeof sp), 0);
    ck_assert_uint_eq(fc.doc_first[1], 5);
    ck_assert_uint_eq(fc.f[0].first_span, 6);
    ck_assert_int_eq(memcmp(fc.spans + 6, fa.spans, 5 * sizeof *fa.spans), 0);
    /* Where each occurrence may grow to: up to the furthest end before it and the next start
     * after it in its document; 0-50 overlaps 22-30, so neither grows into the other. */
    static const uint32_t wlo[5] = {0, 22, 50, 70, 0}, whi[5] = {50, 60, 100, UINT32_MAX, UINT32_MAX};
    for (size_t x = 0; x < 5; x++) {
        size_t i = 0;
        while (i < 5 && memcmp(&want[i], &fa.spans[x], sizeof want[i]) != 0)
            i++;
        ck_assert_uint_lt(i, 5);
        ck_assert_uint_eq(fa.lo[x], wlo[i]);
        ck_assert_uint_eq(fa.hi[x], whi[i]);
        ck_assert_uint_eq(fb.lo[x], wlo[i]);
        ck_assert_uint_eq(fb.hi[x], whi[i]);
        ck_assert_uint_eq(fc.lo[x], wlo[i]);
        ck_assert_uint_eq(fc.hi[x], whi[i]);
    }
    ovl__families_free(&fa);
    ovl__families_free(&fb);
    ovl__families_free(&fc);
    /* A document's occurrences out of token order are bounded as if in it. */
    static const ovl__famspan un[3] = {{0, 60, 70, 240, 280}, {0, 0, 20, 0, 80}, {0, 30, 40, 120, 160}};
    static const uint32_t utext[3] = {1, 2, 3}, ulo[3] = {40, 0, 20}, uhi[3] = {UINT32_MAX, 30, 60};
    ovl__fspans u = {malloc(sizeof un), malloc(sizeof utext), calloc(3, 1), 3};
    ck_assert(u.spans && u.text && u.clean);
    memcpy(u.spans, un, sizeof un);
    memcpy(u.text, utext, sizeof utext);
    ck_assert_int_eq(ovl__families_from_spans(ctx, &u, 0, 4, no_copies, NULL, &fa), OVL_OK);
    ck_assert_uint_eq(fa.n, 3);
    for (size_t x = 0; x < 3; x++) {
        size_t i = 0;
        while (i < 3 && un[i].tok_start != fa.spans[x].tok_start)
            i++;
        ck_assert_uint_lt(i, 3);
        ck_assert_uint_eq(fa.lo[x], ulo[i]);
        ck_assert_uint_eq(fa.hi[x], uhi[i]);
    }
    ovl__families_free(&fa);
    ovl_ctx_free(ctx);
}
END_TEST

static uint32_t doc1_two_copies(const void *arg, uint32_t doc)
{
    (void)arg;
    return doc == 1 ? 2 : 0;
}

/* Families built apart, each from the occurrences of some of the texts with the bounds found
 * where all of a document's were (an MPI rank owning those texts), are the families built
 * from them all: the same occurrences, bounds, documents and weights; first_in tells where
 * each was first met among those it was built from. */
START_TEST(test_owned_texts)
{
    ovl_ctx *ctx = ovl_ctx_new();
    /* The occurrences of test_occurrences (A, B, C, A, A's in the second document). */
    static const ovl__famspan occ[5] = {{0, 0, 50, 0, 200},      {0, 22, 30, 88, 120}, {0, 60, 70, 240, 280},
                                        {0, 100, 120, 400, 480}, {1, 0, 20, 0, 80}};
    static const uint32_t text[5] = {7, 8, 9, 7, 7};
    static const unsigned char clean[5] = {0, 1, 1, 1, 1};
    static const uint32_t wlo[5] = {0, 22, 50, 70, 0}, whi[5] = {50, 60, 100, UINT32_MAX, UINT32_MAX};
    uint32_t lo[5], hi[5];
    ck_assert_int_eq(ovl__fspans_bounds(occ, 5, lo, hi), 0);
    for (size_t x = 0; x < 5; x++) {
        ck_assert_uint_eq(lo[x], wlo[x]);
        ck_assert_uint_eq(hi[x], whi[x]);
    }
    ovl__fspans all = fspans_copy(occ, text, clean, 5);
    ovl__families whole;
    ck_assert_int_eq(ovl__families_from_spans(ctx, &all, 0, 10, doc1_two_copies, NULL, &whole), OVL_OK);
    ck_assert_uint_eq(whole.n, 3);
    /* Two owners: A's occurrences (0, 3, 4), and B's and C's (1, 2), texts numbered apart. */
    static const size_t pick[2][3] = {{0, 3, 4}, {1, 2, 0}};
    static const size_t npick[2] = {3, 2};
    static const uint32_t ptext[2][3] = {{0, 0, 0}, {1, 0, 0}};
    size_t met = 0;
    for (int w = 0; w < 2; w++) {
        ovl__fspans s = {malloc(3 * sizeof *occ), malloc(3 * sizeof *text), malloc(3), npick[w]};
        uint32_t plo[3], phi[3];
        ck_assert(s.spans && s.text && s.clean);
        for (size_t i = 0; i < npick[w]; i++) {
            s.spans[i] = occ[pick[w][i]];
            s.text[i] = ptext[w][i];
            s.clean[i] = clean[pick[w][i]];
            plo[i] = lo[pick[w][i]];
            phi[i] = hi[pick[w][i]];
        }
        ovl__families part;
        ck_assert_int_eq(ovl__families_from_occurrences(ctx, &s, plo, phi, 2, doc1_two_copies, NULL, &part), OVL_OK);
        ck_assert_uint_eq(s.n, 0);
        ck_assert_uint_eq(part.n, w ? 2 : 1);
        for (size_t k = 0; k < part.n; k++) {
            const ovl__fam *p = &part.f[k];
            /* Its family among the whole's: the one with the same first occurrence. */
            size_t j = 0;
            while (j < whole.n &&
                   memcmp(&whole.spans[whole.f[j].first_span], &part.spans[p->first_span], sizeof *occ) != 0)
                j++;
            ck_assert_uint_lt(j, whole.n);
            const ovl__fam *q = &whole.f[j];
            ck_assert_uint_eq(p->nspans, q->nspans);
            ck_assert_uint_eq(p->documents, q->documents);
            ck_assert_uint_eq(p->weight, q->weight);
            ck_assert_int_eq(memcmp(&part.spans[p->rep], &whole.spans[q->rep], sizeof *occ), 0);
            for (size_t x = 0; x < p->nspans; x++) {
                ck_assert_int_eq(memcmp(&part.spans[p->first_span + x], &whole.spans[q->first_span + x], sizeof *occ),
                                 0);
                ck_assert_uint_eq(part.lo[p->first_span + x], whole.lo[q->first_span + x]);
                ck_assert_uint_eq(part.hi[p->first_span + x], whole.hi[q->first_span + x]);
            }
            /* A: in both documents (the second's two copies counted), first met first; B
             * before C among theirs. */
            if (!w) {
                ck_assert_uint_eq(p->documents, 4);
                ck_assert_uint_eq(p->first_in, 0);
            } else {
                ck_assert_uint_eq(p->first_in, part.spans[p->first_span].tok_start == 22 ? 0 : 1);
            }
            met++;
        }
        ovl__families_free(&part);
    }
    ck_assert_uint_eq(met, 3);
    ovl__families_free(&whole);
    ovl_ctx_free(ctx);
}
END_TEST

/* What the report lists is kept: the heaviest families, the first occurrences of each in
 * document order and its representative, the others given back and counted. */
START_TEST(test_group_merged)
{
    /* The occurrences of three families of one text, as the join puts them together (any
     * order): in document 4, tokens 10-30, 25-40 (overlapping) and 50-60 (10 tokens after
     * 40: within 16), one occurrence 10-60; in document 4 at 100-120 (60 tokens after) one
     * of its own; in document 2 at 0-5 and 5-9, one; document 7 as given. */
    ovl__famspan sp[7] = {
        {4, 50, 60, 500, 600}, {7, 3, 8, 30, 80}, {4, 10, 30, 100, 300}, {2, 5, 9, 50, 90},
        {4, 100, 120, 1000, 1200}, {4, 25, 40, 250, 400}, {2, 0, 5, 0, 50},
    };
    size_t n = ovl__famspans_merge(sp, 7);
    static const uint32_t want[4][5] = {
        {2, 0, 9, 0, 90}, {4, 10, 60, 100, 600}, {4, 100, 120, 1000, 1200}, {7, 3, 8, 30, 80}};
    ck_assert_uint_eq(n, 4);
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_eq(sp[i].doc, want[i][0]);
        ck_assert_uint_eq(sp[i].tok_start, want[i][1]);
        ck_assert_uint_eq(sp[i].tok_end, want[i][2]);
        ck_assert_uint_eq(sp[i].char_start, want[i][3]);
        ck_assert_uint_eq(sp[i].char_end, want[i][4]);
    }
    /* Shown by the occurrence holding the lead's representative (document 4, 25-40): the
     * merged 10-60, weight 3 documents x 500 characters; a representative no occurrence
     * holds falls back to the first. */
    ovl__fam fm = {0, n, 3, 0, 0, 0};
    ovl__fam_settle(&fm, sp, (ovl__famspan){4, 25, 40, 250, 400});
    ck_assert_uint_eq(fm.rep, 1);
    ck_assert_uint_eq(fm.weight, 3 * 500);
    ovl__fam_settle(&fm, sp, (ovl__famspan){9, 0, 1, 0, 1});
    ck_assert_uint_eq(fm.rep, 0);
    ck_assert_uint_eq(fm.weight, 3 * 90);
    /* Lengths that fit: y no longer than x and at least two thirds of it; as long, only when x
     * comes first. */
    ck_assert(ovl__fgrams_fit(20, 30, 0));
    ck_assert(!ovl__fgrams_fit(19, 30, 1));
    ck_assert(!ovl__fgrams_fit(31, 30, 1));
    ck_assert(ovl__fgrams_fit(30, 30, 1));
    ck_assert(!ovl__fgrams_fit(30, 30, 0));
}
END_TEST

START_TEST(test_keep_listed)
{
    /* Two spans in document order, then family 1's occurrences (documents 10-13, its
     * representative the last), family 0's (20-22, the first) and family 2's (30). */
    static const uint32_t docs[10] = {0, 1, 10, 11, 12, 13, 20, 21, 22, 30};
    ovl__families f;
    memset(&f, 0, sizeof f);
    f.spans = malloc(10 * sizeof *f.spans);
    f.f = malloc(3 * sizeof *f.f);
    ck_assert(f.spans && f.f);
    for (uint32_t x = 0; x < 10; x++)
        f.spans[x] = (ovl__famspan){docs[x], x, x + 1, 5 * x, 5 * x + 5};
    f.nspans = 2;
    f.n = 3;
    f.f[0] = (ovl__fam){6, 3, 9, 6, 900, 0};
    f.f[1] = (ovl__fam){2, 4, 4, 5, 400, 0};
    f.f[2] = (ovl__fam){9, 1, 1, 9, 10, 0};
    ovl__families_keep(&f, 2, 2);
    ck_assert_uint_eq(f.n, 2);
    ck_assert_uint_eq(f.dropped, 1);
    ck_assert_uint_eq(f.nspans, 2);
    ck_assert_uint_eq(f.spans[0].doc, 0);
    ck_assert_uint_eq(f.spans[1].doc, 1);
    /* Family 1 moved down first (it lay first): 10, 11 and its representative, 13. */
    ck_assert_uint_eq(f.f[1].first_span, 2);
    ck_assert_uint_eq(f.f[1].nspans, 2);
    ck_assert_uint_eq(f.f[1].rep, 4);
    ck_assert_uint_eq(f.f[1].documents, 4);
    ck_assert_uint_eq(f.spans[2].doc, 10);
    ck_assert_uint_eq(f.spans[3].doc, 11);
    ck_assert_uint_eq(f.spans[4].doc, 13);
    ck_assert_uint_eq(f.spans[4].tok_start, 5);
    ck_assert_uint_eq(f.spans[4].char_end, 30);
    /* Family 0: 20, 21, its representative the first of them. */
    ck_assert_uint_eq(f.f[0].first_span, 5);
    ck_assert_uint_eq(f.f[0].nspans, 2);
    ck_assert_uint_eq(f.f[0].rep, 5);
    ck_assert_uint_eq(f.f[0].weight, 900);
    ck_assert_uint_eq(f.spans[5].doc, 20);
    ck_assert_uint_eq(f.spans[6].doc, 21);
    /* Nothing more to give back: all of the rest kept as it is. */
    ovl__families_keep(&f, 0, 0);
    ck_assert_uint_eq(f.n, 2);
    ck_assert_uint_eq(f.dropped, 1);
    ck_assert_uint_eq(f.f[0].first_span, 5);
    ck_assert_uint_eq(f.f[1].rep, 4);
    ck_assert_uint_eq(f.spans[6].doc, 21);
    ovl__families_free(&f);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("family");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_spans_recurring_chunks);
    tcase_add_test(tc, test_no_records);
    tcase_add_test(tc, test_keys_from_records);
    tcase_add_test(tc, test_group_docs);
    tcase_add_test(tc, test_keys_renumbered);
    tcase_add_test(tc, test_variant_own);
    tcase_add_test(tc, test_kin);
    tcase_add_test(tc, test_join_split);
    tcase_add_test(tc, test_join_parts);
    tcase_add_test(tc, test_occurrences);
    tcase_add_test(tc, test_owned_texts);
    tcase_add_test(tc, test_group_merged);
    tcase_add_test(tc, test_keep_listed);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    return tu_main(argc, argv, suite());
}
