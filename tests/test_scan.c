/* test_scan.c - the corpus engine: phases, streamed results, files that vanish or change mid-scan, thread independence, dedup. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct buf {
    char *p;
    size_t n;
} buf;

static int buf_sink(void *ud, const void *data, size_t len)
{
    buf *b = ud;
    char *np = realloc(b->p, b->n + len + 1);
    if (!np)
        return -1;
    memcpy(np + b->n, data, len);
    b->n += len;
    np[b->n] = '\0';
    b->p = np;
    return 0;
}

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* A folder with a = source, b = its edited copy, c = a with a line added (not the same bytes,
 * so not an identical copy). */
static char *make_corpus(void)
{
    char tmpl[] = "/tmp/ovl_scan_XXXXXX";
    char *dir = strdup(mkdtemp(tmpl));
    size_t la, lb;
    char *a = tu_read(tu_path(tu_fixtures(), "reuse/source.txt"), &la);
    char *b = tu_read(tu_path(tu_fixtures(), "reuse/copy.txt"), &lb);
    write_file(tu_path(dir, "a.txt"), a, la);
    write_file(tu_path(dir, "b.txt"), b, lb);
    char *c = malloc(la + 32);
    memcpy(c, a, la);
    memcpy(c + la, "\nOne more line at the end.\n", 27);
    write_file(tu_path(dir, "c.txt"), c, la + 27);
    free(c);
    free(a);
    free(b);
    return dir;
}

static void remove_corpus(char *dir)
{
    const char *names[] = {"a.txt", "b.txt", "c.txt"};
    for (int i = 0; i < 3; i++)
        unlink(tu_path(dir, names[i]));
    rmdir(dir);
    free(dir);
}

/* What a sink saw. */
typedef struct seen {
    int problems;
    char problem_path[512];
    char problem_msg[256];
    int pairs, failed, begun, ended;
    size_t passages;
    char order[8][2]; /* per pair: report ids */
    const char *vanish, *change; /* files to delete / rewrite when candidates start */
} seen;

static int s_problem(void *ud, const ovl_problem *p)
{
    seen *s = ud;
    s->problems++;
    snprintf(s->problem_path, sizeof s->problem_path, "%s", p->path);
    snprintf(s->problem_msg, sizeof s->problem_msg, "%s", p->message);
    return 0;
}

static int s_begin(void *ud, const ovl_scan_summary *sum, const ovl_report_docinfo *d, size_t n)
{
    (void)sum, (void)d, (void)n;
    ((seen *)ud)->begun++;
    return 0;
}

static int s_pair(void *ud, const ovl_pair_stats *p, const ovl_passage *ps, size_t n,
                  const ovl_doc *a, const ovl_doc *b)
{
    (void)ps, (void)a, (void)b;
    seen *s = ud;
    if (s->pairs + s->failed < 8) {
        s->order[s->pairs + s->failed][0] = (char)p->a;
        s->order[s->pairs + s->failed][1] = (char)p->b;
    }
    if (p->error)
        s->failed++;
    else
        s->pairs++;
    s->passages += n;
    return 0;
}

static int s_end(void *ud, const ovl_scan_summary *sum)
{
    (void)sum;
    ((seen *)ud)->ended++;
    return 0;
}

static void on_progress(void *ud, const char *phase, uint64_t done, uint64_t total)
{
    (void)total;
    seen *s = ud;
    if (strcmp(phase, "candidates") != 0 || done != 0)
        return;
    if (s->vanish)
        ck_assert_int_eq(unlink(s->vanish), 0);
    if (s->change)
        write_file(s->change, "something else entirely\n", 25);
}

static ovl_scan_sink sink_of(seen *s)
{
    ovl_scan_sink k;
    memset(&k, 0, sizeof k);
    k.userdata = s;
    k.problem = s_problem;
    k.begin = s_begin;
    k.pair = s_pair;
    k.end = s_end;
    return k;
}

static ovl_corpus *corpus_of(const char *dir)
{
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_corpus *c = ovl_corpus_new();
    ck_assert_int_eq(ovl_corpus_add_path(ctx, c, dir, NULL), OVL_OK);
    ovl_ctx_free(ctx);
    return c;
}

START_TEST(test_scan_pairs)
{
    char *dir = make_corpus();
    ovl_corpus *c = corpus_of(dir);
    ck_assert_uint_eq(ovl_corpus_count(c), 3);
    ck_assert_str_eq(ovl_corpus_name(c, 0), tu_path(dir, "a.txt"));
    seen s;
    memset(&s, 0, sizeof s);
    ovl_scan_sink k = sink_of(&s);
    ovl_scan_summary sum;
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_scan_opts o = OVL_SCAN_OPTS_INIT;
    o.near_copies = 0; /* c is nearly a: here it stays a document of its own */
    ck_assert_int_eq(ovl_scan(ctx, c, &o, &k, &sum), OVL_OK);
    /* c is a with a line: their pair reuses most and comes first; then a-b and b-c (equal
     * weight, name order). */
    ck_assert_int_eq(s.problems, 0);
    ck_assert_int_eq(s.begun, 1);
    ck_assert_int_eq(s.ended, 1);
    ck_assert_int_eq(s.pairs, 3);
    ck_assert_int_eq(s.failed, 0);
    ck_assert_uint_eq(sum.pairs, 3);
    ck_assert_uint_eq(sum.documents_read, 3);
    ck_assert_int_eq(s.order[0][0], 0);
    ck_assert_int_eq(s.order[0][1], 2);
    ck_assert_int_eq(s.order[1][0], 0);
    ck_assert_int_eq(s.order[1][1], 1);
    ck_assert_int_eq(s.order[2][0], 1);
    ck_assert_int_eq(s.order[2][1], 2);
    ovl_ctx_free(ctx);
    ovl_corpus_free(c);
    remove_corpus(dir);
}
END_TEST

/* A file deleted between fingerprinting and alignment: named once, its two pairs failed, the
 * third pair still reported. */
START_TEST(test_scan_vanished_file)
{
    char *dir = make_corpus();
    ovl_corpus *c = corpus_of(dir);
    seen s;
    memset(&s, 0, sizeof s);
    char vanish[512];
    snprintf(vanish, sizeof vanish, "%s", tu_path(dir, "c.txt"));
    s.vanish = vanish;
    ovl_scan_sink k = sink_of(&s);
    ovl_scan_opts o = OVL_SCAN_OPTS_INIT;
    o.progress = on_progress;
    o.progress_data = &s;
    o.near_copies = 0;
    ovl_scan_summary sum;
    ovl_ctx *ctx = ovl_ctx_new();
    ck_assert_int_eq(ovl_scan(ctx, c, &o, &k, &sum), OVL_OK);
    ck_assert_int_eq(s.problems, 1);
    ck_assert_str_eq(s.problem_path, vanish);
    ck_assert_str_eq(s.problem_msg, "No such file or directory");
    ck_assert_int_eq(s.pairs, 1);
    ck_assert_int_eq(s.failed, 2);
    ck_assert_uint_eq(sum.failed_pairs, 2);
    ck_assert_uint_eq(sum.problems, 1);
    ck_assert_uint_gt(s.passages, 0);
    ovl_ctx_free(ctx);
    ovl_corpus_free(c);
    remove_corpus(dir);
}
END_TEST

/* A file rewritten between the phases is refused by its hash, not aligned as another text. */
START_TEST(test_scan_changed_file)
{
    char *dir = make_corpus();
    ovl_corpus *c = corpus_of(dir);
    seen s;
    memset(&s, 0, sizeof s);
    char change[512];
    snprintf(change, sizeof change, "%s", tu_path(dir, "b.txt"));
    s.change = change;
    ovl_scan_sink k = sink_of(&s);
    ovl_scan_opts o = OVL_SCAN_OPTS_INIT;
    o.progress = on_progress;
    o.progress_data = &s;
    o.threads = 2;
    o.near_copies = 0;
    ovl_ctx *ctx = ovl_ctx_new();
    ck_assert_int_eq(ovl_scan(ctx, c, &o, &k, NULL), OVL_OK);
    ck_assert_int_eq(s.problems, 1);
    ck_assert_str_eq(s.problem_path, change);
    ck_assert_str_eq(s.problem_msg, "changed since it was fingerprinted");
    ck_assert_int_eq(s.pairs, 1); /* a-c */
    ck_assert_int_eq(s.failed, 2);
    ovl_ctx_free(ctx);
    ovl_corpus_free(c);
    remove_corpus(dir);
}
END_TEST

static char *scan_jsonl(const ovl_corpus *c, unsigned threads)
{
    buf b = {NULL, 0};
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_report_opts ro = OVL_REPORT_OPTS_INIT;
    ro.format = OVL_FORMAT_JSONL;
    ovl_scan_report_sink rs;
    ovl_scan_report_sink_init(&rs, ctx, &ro, buf_sink, &b);
    ovl_scan_opts o = OVL_SCAN_OPTS_INIT;
    o.threads = threads;
    ck_assert_int_eq(ovl_scan(ctx, c, &o, &rs.sink, NULL), OVL_OK);
    ovl_scan_report_sink_cleanup(&rs);
    ovl_ctx_free(ctx);
    ck_assert_ptr_nonnull(b.p);
    return b.p;
}

/* In-memory documents, any thread count, the same bytes; a pair line before its passages. */
START_TEST(test_scan_memory_threads)
{
    size_t la, lb;
    char *a = tu_read(tu_path(tu_fixtures(), "reuse/source.txt"), &la);
    char *b = tu_read(tu_path(tu_fixtures(), "reuse/copy.txt"), &lb);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_corpus *c = ovl_corpus_new();
    ck_assert_int_eq(ovl_corpus_add_bytes(ctx, c, "mem/b", b, lb), OVL_OK);
    ck_assert_int_eq(ovl_corpus_add_bytes(ctx, c, "mem/a", a, la), OVL_OK);
    char *one = scan_jsonl(c, 1), *two = scan_jsonl(c, 2);
    ck_assert_str_eq(one, two);
    const char *head = "{\"pair\":{\"a\":0,\"b\":1,\"a_path\":\"mem/a\",\"b_path\":\"mem/b\","
                       "\"passages\":3,";
    ck_assert_msg(strncmp(one, head, strlen(head)) == 0, "first line: %.120s", one);
    /* Sealed: nothing more can be added. */
    ck_assert_int_eq(ovl_corpus_add_bytes(ctx, c, "late", "x", 1), OVL_ERR_INVALID);
    free(one);
    free(two);
    free(a);
    free(b);
    ovl_corpus_free(c);
    ovl_ctx_free(ctx);
}
END_TEST

/* The phases called one by one, shards and band ranges split, give ovl_scan's pairs. */
START_TEST(test_scan_phases)
{
    char *dir = make_corpus();
    ovl_corpus *c = corpus_of(dir);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_scan_opts o;
    ck_assert_int_eq(ovl_scan_opts_resolve(ctx, NULL, &o), OVL_OK);
    ck_assert_uint_eq(o.fp.bands, 16);
    ovl_scan_opts old = OVL_SCAN_OPTS_INIT, got;
    old.version = 1; /* the layout before the embedded options grew: refused, not misread */
    ck_assert_int_eq(ovl_scan_opts_resolve(ctx, &old, &got), OVL_ERR_INVALID);
    ck_assert_str_eq(ovl_ctx_message(ctx), "scan options version 1, expected 2");
    ovl_scan_shard sh[2];
    ck_assert_int_eq(ovl_scan_fingerprint(ctx, c, &o, 0, 2, &sh[0]), OVL_OK);
    ovl_scan_shard bad;
    ck_assert_int_eq(ovl_scan_fingerprint(ctx, c, &o, 2, 2, &bad), OVL_ERR_INVALID);
    ck_assert_ptr_null(bad.docs);
    ck_assert_int_eq(ovl_scan_fingerprint(ctx, c, &o, 2, 1, &sh[1]), OVL_OK);
    ck_assert_uint_ne(sh[0].docs[0].hash[0], sh[1].docs[0].hash[0]); /* a and c differ */
    ck_assert_uint_eq(sh[0].docs[0].chars + 27, sh[1].docs[0].chars); /* the line and its breaks */
    ovl_scan_pair *p[2];
    size_t np[2];
    ck_assert_int_eq(ovl_scan_candidates(ctx, sh, 2, &o, 0, 5, &p[0], &np[0]), OVL_OK);
    ovl_scan_pair *none;
    size_t nnone;
    ck_assert_int_eq(ovl_scan_candidates(ctx, sh, 2, &o, 5, 17, &none, &nnone), OVL_ERR_INVALID);
    ck_assert_ptr_null(none);
    ck_assert_int_eq(ovl_scan_candidates(ctx, sh, 2, &o, 5, 16, &p[1], &np[1]), OVL_OK);
    ovl_scan_pair *all, *whole;
    size_t nall, nwhole;
    const ovl_scan_pair *lists[2] = {p[0], p[1]};
    ck_assert_int_eq(ovl_scan_merge_pairs(ctx, lists, np, 2, 1, &all, &nall), OVL_OK);
    ck_assert_int_eq(ovl_scan_candidates(ctx, sh, 2, &o, 0, 16, &whole, &nwhole), OVL_OK);
    ck_assert_uint_eq(nall, 3);
    ck_assert_uint_eq(nwhole, nall);
    for (size_t k = 0; k < nall; k++) {
        ck_assert_uint_eq(all[k].a, whole[k].a);
        ck_assert_uint_eq(all[k].b, whole[k].b);
        ck_assert_uint_eq(all[k].band_hits, whole[k].band_hits);
        ck_assert_uint_eq(all[k].a0, whole[k].a0);
        ck_assert_uint_eq(all[k].b1, whole[k].b1);
    }
    ck_assert_uint_eq(all[1].a, 0); /* (0,1), (0,2), (1,2) */
    ck_assert_uint_eq(all[1].b, 2);
    ovl_scan_shard_free(&sh[0]);
    ovl_scan_shard_free(&sh[1]);
    free(p[0]);
    free(p[1]);
    free(all);
    free(whole);
    ovl_ctx_free(ctx);
    ovl_corpus_free(c);
    remove_corpus(dir);
}
END_TEST

START_TEST(test_dedup_library)
{
    char *dir = make_corpus();
    ovl_corpus *c = corpus_of(dir);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_dedup_result r;
    ck_assert_int_eq(ovl_dedup(ctx, c, NULL, &r), OVL_OK);
    /* c is a with a line added: one cluster, c kept (longest); b is a partial copy below the
     * 0.8 ratio. */
    ck_assert_uint_eq(r.nclusters, 1);
    ck_assert_uint_eq(r.docs[0].cluster, 1);
    ck_assert_uint_eq(r.docs[2].cluster, 1);
    ck_assert_uint_eq(r.docs[1].cluster, 0);
    ck_assert_uint_eq(r.docs[0].kept, 2);
    ck_assert_uint_eq(r.docs[2].kept, 2);
    /* The ratio counts characters inside passages, which leave out the spaces and
     * punctuation at their ends, and c's extra line. */
    ck_assert_double_gt(r.docs[0].similarity, 0.95);
    ck_assert_double_eq(r.docs[2].similarity, 1.0);
    ck_assert_uint_eq(r.npairs, 1);
    ovl_dedup_result_free(&r);
    ovl_dedup_opts bad = OVL_DEDUP_OPTS_INIT;
    bad.ratio = 1.5;
    ck_assert_int_eq(ovl_dedup(ctx, c, &bad, &r), OVL_ERR_INVALID);
    /* A struct of the layout before the embedded options grew is refused, not misread. */
    ovl_dedup_opts old = OVL_DEDUP_OPTS_INIT;
    old.version = 1;
    ck_assert_int_eq(ovl_dedup(ctx, c, &old, &r), OVL_ERR_INVALID);
    ck_assert_str_eq(ovl_ctx_message(ctx), "dedup options version 1, expected 2");
    ovl_ctx_free(ctx);
    ovl_corpus_free(c);
    remove_corpus(dir);
}
END_TEST

/* The corpus of the lenient-decoding tests: a (valid), b and its identical copy b2 (b's text
 * with two invalid sequences after it), c (a's text, then the tail given). The buffers stay
 * until lenient_free. */
typedef struct lenient_corpus {
    char *a, *b, *bad, *bad2;
    size_t la, lb;
    ovl_ctx *ctx;
    ovl_corpus *c;
} lenient_corpus;

static void lenient_make(lenient_corpus *L, const char *tail, size_t ltail)
{
    L->a = tu_read(tu_path(tu_fixtures(), "reuse/source.txt"), &L->la);
    L->b = tu_read(tu_path(tu_fixtures(), "reuse/copy.txt"), &L->lb);
    L->bad = malloc(L->lb + 8), L->bad2 = malloc(L->la + ltail);
    ck_assert_ptr_nonnull(L->bad);
    ck_assert_ptr_nonnull(L->bad2);
    memcpy(L->bad, L->b, L->lb);
    memcpy(L->bad + L->lb, "\xff x \xfe", 5);
    memcpy(L->bad2, L->a, L->la);
    memcpy(L->bad2 + L->la, tail, ltail);
    L->ctx = ovl_ctx_new();
    L->c = ovl_corpus_new();
    ck_assert_int_eq(ovl_corpus_add_bytes(L->ctx, L->c, "a", L->a, L->la), OVL_OK);
    ck_assert_int_eq(ovl_corpus_add_bytes(L->ctx, L->c, "b", L->bad, L->lb + 5), OVL_OK);
    ck_assert_int_eq(ovl_corpus_add_bytes(L->ctx, L->c, "b2", L->bad, L->lb + 5), OVL_OK);
    ck_assert_int_eq(ovl_corpus_add_bytes(L->ctx, L->c, "c", L->bad2, L->la + ltail), OVL_OK);
}

static void lenient_free(lenient_corpus *L)
{
    ovl_corpus_free(L->c);
    ovl_ctx_free(L->ctx);
    free(L->a), free(L->b), free(L->bad), free(L->bad2);
}

/* Lenient decoding: each document's replaced byte sequences in the dedup result, as its own
 * decoding counted them (identical copies each counted; a document over max_bytes, not
 * decoded, has none), so a caller never decodes the corpus again to tell them. */
START_TEST(test_dedup_replaced)
{
    lenient_corpus L;
    lenient_make(&L, "\x80 y \x81", 5);
    ovl_ctx *ctx = L.ctx;
    ovl_corpus *c = L.c;
    size_t la = L.la;
    ovl_dedup_opts o = OVL_DEDUP_OPTS_INIT;
    o.doc.decode.lenient = 1;
    o.threads = 2;
    ovl_dedup_result r;
    ck_assert_int_eq(ovl_dedup(ctx, c, &o, &r), OVL_OK);
    ck_assert_uint_eq(r.ndocs, 4);
    const size_t want[4] = {0, 2, 2, 2};
    for (size_t i = 0; i < 4; i++) {
        ck_assert_int_eq(r.docs[i].status, OVL_OK);
        ck_assert_uint_eq(r.docs[i].replaced, want[i]);
    }
    ck_assert_uint_eq(r.nproblems, 0);
    ovl_dedup_result_free(&r);
    /* c over max_bytes: refused before it is decoded, nothing counted for it. */
    o.doc.max_bytes = la + 4;
    o.threads = 1;
    ck_assert_int_eq(ovl_dedup(ctx, c, &o, &r), OVL_OK);
    ck_assert_int_eq(r.docs[3].status, OVL_ERR_TOOBIG);
    ck_assert_uint_eq(r.docs[3].replaced, 0);
    ck_assert_uint_eq(r.docs[1].replaced, 2);
    ck_assert_uint_eq(r.docs[2].replaced, 2);
    ck_assert_uint_eq(r.nproblems, 1);
    ovl_dedup_result_free(&r);
    /* Strict decoding: those documents are problems, nothing replaced. */
    o.doc.max_bytes = 0;
    o.doc.decode.lenient = 0;
    ck_assert_int_eq(ovl_dedup(ctx, c, &o, &r), OVL_OK);
    for (size_t i = 0; i < 4; i++)
        ck_assert_uint_eq(r.docs[i].replaced, 0);
    ck_assert_int_eq(r.docs[0].status, OVL_OK);
    ck_assert_int_eq(r.docs[1].status, OVL_ERR_DECODE);
    ck_assert_uint_eq(r.nproblems, 3);
    ovl_dedup_result_free(&r);
    lenient_free(&L);
}
END_TEST

/* Identical files are scanned once and reported once as a group, not as pairs. */
typedef struct cgroups {
    int groups;
    size_t n;
    char first[256], second[256];
    int pairs;
} cgroups;

static int cg_copies(void *ud, const ovl_copies *g)
{
    cgroups *c = ud;
    c->groups++;
    c->n = g->n;
    snprintf(c->first, sizeof c->first, "%s", g->paths[0]);
    snprintf(c->second, sizeof c->second, "%s", g->paths[1]);
    return 0;
}

static int cg_pair(void *ud, const ovl_pair_stats *p, const ovl_passage *ps, size_t n,
                   const ovl_doc *a, const ovl_doc *b)
{
    (void)p, (void)ps, (void)n, (void)a, (void)b;
    ((cgroups *)ud)->pairs++;
    return 0;
}

START_TEST(test_scan_copies)
{
    size_t la, lb;
    char *a = tu_read(tu_path(tu_fixtures(), "reuse/source.txt"), &la);
    char *b = tu_read(tu_path(tu_fixtures(), "reuse/copy.txt"), &lb);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_corpus *c = ovl_corpus_new();
    const char *names[] = {"x/1", "x/2", "x/3", "x/4"};
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(ovl_corpus_add_bytes(ctx, c, names[i], a, la), OVL_OK);
    ck_assert_int_eq(ovl_corpus_add_bytes(ctx, c, "y", b, lb), OVL_OK);
    cgroups g;
    memset(&g, 0, sizeof g);
    ovl_scan_sink k;
    memset(&k, 0, sizeof k);
    k.userdata = &g;
    k.copies = cg_copies;
    k.pair = cg_pair;
    ovl_scan_summary sum;
    ck_assert_int_eq(ovl_scan(ctx, c, NULL, &k, &sum), OVL_OK);
    ck_assert_int_eq(g.groups, 1);
    ck_assert_uint_eq(g.n, 4);
    ck_assert_str_eq(g.first, "x/1");
    ck_assert_str_eq(g.second, "x/2");
    ck_assert_int_eq(g.pairs, 1); /* x/1 (for all four) ~ y, not 4 + 6 pairs */
    ck_assert_uint_eq(sum.copies, 3);
    ck_assert_uint_eq(sum.copy_groups, 1);
    ovl_corpus_free(c);
    /* A nearly identical text (a line added) joins the group as a near copy. */
    c = ovl_corpus_new();
    char *a2 = malloc(la + 32);
    memcpy(a2, a, la);
    memcpy(a2 + la, "\nOne more line at the end.\n", 27);
    ck_assert_int_eq(ovl_corpus_add_bytes(ctx, c, "x/1", a, la), OVL_OK);
    ck_assert_int_eq(ovl_corpus_add_bytes(ctx, c, "x/2", a2, la + 27), OVL_OK);
    ck_assert_int_eq(ovl_corpus_add_bytes(ctx, c, "y", b, lb), OVL_OK);
    memset(&g, 0, sizeof g);
    ck_assert_int_eq(ovl_scan(ctx, c, NULL, &k, &sum), OVL_OK);
    ck_assert_int_eq(g.groups, 1);
    ck_assert_uint_eq(g.n, 2);
    ck_assert_int_eq(g.pairs, 1);
    ck_assert_uint_eq(sum.near_copies, 1);
    ck_assert_uint_eq(sum.copies, 0);
    free(a2);
    ovl_corpus_free(c);
    ovl_ctx_free(ctx);
    free(a);
    free(b);
}
END_TEST

/* What the sink's replaced callback saw, and when. */
typedef struct rseen {
    int calls, pairs_before, ended_before, pairs, ended, stop;
    size_t doc[8], n[8];
    char path[8][16];
} rseen;

static int rs_replaced(void *ud, size_t doc, const char *path, size_t n)
{
    rseen *r = ud;
    if (r->calls < 8) {
        r->doc[r->calls] = doc, r->n[r->calls] = n;
        snprintf(r->path[r->calls], sizeof r->path[0], "%s", path);
    }
    if (r->calls++ == 0)
        r->pairs_before = r->pairs, r->ended_before = r->ended;
    return r->stop;
}

static int rs_pair(void *ud, const ovl_pair_stats *p, const ovl_passage *ps, size_t n,
                   const ovl_doc *a, const ovl_doc *b)
{
    (void)p, (void)ps, (void)n, (void)a, (void)b;
    ((rseen *)ud)->pairs++;
    return 0;
}

static int rs_end(void *ud, const ovl_scan_summary *sum)
{
    (void)sum;
    ((rseen *)ud)->ended++;
    return 0;
}

/* Lenient decoding: each document's replaced byte sequences told to the sink by the scan, in
 * document order after the last pair and before end (an identical copy too: phase 1 reads
 * it), and added up in the summary; a sink stopping there stops the scan. */
START_TEST(test_scan_replaced)
{
    lenient_corpus L;
    lenient_make(&L, "\x80", 1);
    ovl_ctx *ctx = L.ctx;
    ovl_corpus *c = L.c;
    rseen r;
    memset(&r, 0, sizeof r);
    ovl_scan_sink k;
    memset(&k, 0, sizeof k);
    k.userdata = &r;
    k.pair = rs_pair;
    k.end = rs_end;
    k.replaced = rs_replaced;
    ovl_scan_opts o = OVL_SCAN_OPTS_INIT;
    o.doc.decode.lenient = 1;
    o.threads = 2;
    ovl_scan_summary sum;
    ck_assert_int_eq(ovl_scan(ctx, c, &o, &k, &sum), OVL_OK);
    ck_assert_int_eq(r.calls, 3);
    ck_assert_uint_eq(r.doc[0], 1);
    ck_assert_str_eq(r.path[0], "b");
    ck_assert_uint_eq(r.n[0], 2);
    ck_assert_uint_eq(r.doc[1], 2);
    ck_assert_str_eq(r.path[1], "b2");
    ck_assert_uint_eq(r.n[1], 2);
    ck_assert_uint_eq(r.doc[2], 3);
    ck_assert_str_eq(r.path[2], "c");
    ck_assert_uint_eq(r.n[2], 1);
    ck_assert_int_gt(r.pairs, 0);
    ck_assert_int_eq(r.pairs_before, r.pairs);
    ck_assert_int_eq(r.ended_before, 0);
    ck_assert_int_eq(r.ended, 1);
    ck_assert_uint_eq(sum.replaced, 5);
    ck_assert_uint_eq(sum.replaced_docs, 3);
    ck_assert_uint_eq(sum.documents_read, 4);
    /* Stopped by the sink: OVL_ERR_WRITE, no end. */
    memset(&r, 0, sizeof r);
    r.stop = 1;
    ck_assert_int_eq(ovl_scan(ctx, c, &o, &k, &sum), OVL_ERR_WRITE);
    ck_assert_int_eq(r.calls, 1);
    ck_assert_int_eq(r.ended, 0);
    /* Strict decoding: those files are problems, nothing replaced. */
    memset(&r, 0, sizeof r);
    o.doc.decode.lenient = 0;
    ck_assert_int_eq(ovl_scan(ctx, c, &o, &k, &sum), OVL_OK);
    ck_assert_int_eq(r.calls, 0);
    ck_assert_uint_eq(sum.replaced, 0);
    ck_assert_uint_eq(sum.replaced_docs, 0);
    ck_assert_uint_eq(sum.documents_read, 1);
    lenient_free(&L);
}
END_TEST

/* Made-up words from a seeded generator, so texts share only what is planted. */
static void words(uint64_t *rng, size_t n, char *out, size_t *len)
{
    for (size_t i = 0; i < n; i++) {
        int k = snprintf(out + *len, 16, "%sw%u", i ? " " : "", (unsigned)tu_rng_below(rng, 200000));
        *len += (size_t)k;
        if (i % 12 == 11)
            *len += (size_t)snprintf(out + *len, 4, ".");
    }
}

typedef struct famseen {
    int families;
    size_t top_docs, top_spans;
    int pairs;
    char pair_a[64], pair_b[64];
} famseen;

static int fs_family(void *ud, const ovl_family *f)
{
    famseen *s = ud;
    if (s->families++ == 0) {
        s->top_docs = f->documents;
        s->top_spans = f->nspans;
    }
    return 0;
}

static int fs_begin(void *ud, const ovl_scan_summary *sum, const ovl_report_docinfo *d, size_t n)
{
    (void)sum;
    famseen *s = ud;
    if (n >= 2) {
        snprintf(s->pair_a, sizeof s->pair_a, "%s", d[0].path);
        snprintf(s->pair_b, sizeof s->pair_b, "%s", d[1].path);
    }
    return 0;
}

static int fs_pair(void *ud, const ovl_pair_stats *p, const ovl_passage *ps, size_t n,
                   const ovl_doc *a, const ovl_doc *b)
{
    (void)p, (void)ps, (void)n, (void)a, (void)b;
    ((famseen *)ud)->pairs++;
    return 0;
}

/* One passage planted in 200 documents is one family of 200, not 19,900 pairs; a passage two
 * documents share privately is still their pair. A second one, in 100 of them, is a family
 * too, counted when only the heaviest is listed. */
START_TEST(test_scan_family)
{
    uint64_t rng = 42;
    char *planted = malloc(4096), *private = malloc(4096), *second = malloc(4096), *doc = malloc(16384);
    size_t lp = 0, lq = 0, ls = 0;
    words(&rng, 150, planted, &lp);
    words(&rng, 60, private, &lq);
    words(&rng, 80, second, &ls);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_corpus *c = ovl_corpus_new();
    for (int d = 0; d < 202; d++) {
        size_t len = 0;
        words(&rng, 200, doc, &len);
        doc[len++] = '\n';
        doc[len++] = '\n';
        if (d < 200) {
            memcpy(doc + len, planted, lp);
            len += lp;
        } else {
            memcpy(doc + len, private, lq);
            len += lq;
        }
        doc[len++] = '\n';
        doc[len++] = '\n';
        words(&rng, 200, doc, &len);
        if (d < 100) {
            doc[len++] = '\n';
            doc[len++] = '\n';
            memcpy(doc + len, second, ls);
            len += ls;
        }
        char name[32];
        snprintf(name, sizeof name, "%s%03d", d < 200 ? "lic/" : "own/", d);
        ck_assert_int_eq(ovl_corpus_add_bytes(ctx, c, name, doc, len), OVL_OK);
    }
    famseen fs;
    memset(&fs, 0, sizeof fs);
    ovl_scan_sink k;
    memset(&k, 0, sizeof k);
    k.userdata = &fs;
    k.family = fs_family;
    k.begin = fs_begin;
    k.pair = fs_pair;
    ovl_scan_summary sum;
    ck_assert_int_eq(ovl_scan(ctx, c, NULL, &k, &sum), OVL_OK);
    ck_assert_int_ge(fs.families, 2);
    ck_assert_uint_eq(sum.families, (size_t)fs.families);
    ck_assert_uint_eq(fs.top_docs, 200);
    ck_assert_uint_eq(fs.top_spans, 100); /* OVL_SCAN_OPTS_INIT lists 100 occurrences */
    /* The heaviest family alone, 3 of its occurrences: the others counted all the same. */
    size_t counted = sum.families;
    ovl_scan_opts one = OVL_SCAN_OPTS_INIT;
    one.top_families = 1;
    one.family_spans = 3;
    memset(&fs, 0, sizeof fs);
    ck_assert_int_eq(ovl_scan(ctx, c, &one, &k, &sum), OVL_OK);
    ck_assert_int_eq(fs.families, 1);
    ck_assert_uint_eq(sum.families, counted);
    ck_assert_uint_eq(fs.top_docs, 200);
    ck_assert_uint_eq(fs.top_spans, 3);
    /* family_spans 0: every occurrence. */
    ovl_scan_opts all = OVL_SCAN_OPTS_INIT;
    all.family_spans = 0;
    memset(&fs, 0, sizeof fs);
    ck_assert_int_eq(ovl_scan(ctx, c, &all, &k, &sum), OVL_OK);
    ck_assert_uint_eq(fs.top_docs, 200);
    ck_assert_uint_eq(fs.top_spans, 200);
    ck_assert_int_eq(fs.pairs, 1);
    ck_assert_str_eq(fs.pair_a, "own/200");
    ck_assert_str_eq(fs.pair_b, "own/201");
    /* Turned off: the planted text comes back as pairs again. */
    ovl_corpus *c2 = ovl_corpus_new();
    for (size_t i = 0; i < ovl_corpus_count(c); i++) {
        void *bytes;
        size_t len;
        ck_assert_int_eq(ovl_corpus_read(ctx, c, i, &bytes, &len), OVL_OK);
        ck_assert_int_eq(ovl_corpus_add_bytes(ctx, c2, ovl_corpus_name(c, i), bytes, len), OVL_OK);
        free(bytes);
    }
    ovl_scan_opts o = OVL_SCAN_OPTS_INIT;
    o.families = 0;
    o.max_df = 0;
    o.list_pairs = 0; /* every pair record (the default lists 10,000) */
    memset(&fs, 0, sizeof fs);
    ck_assert_int_eq(ovl_scan(ctx, c2, &o, &k, &sum), OVL_OK);
    ck_assert_int_eq(fs.families, 0);
    ck_assert_int_eq(fs.pairs, 200 * 199 / 2 + 1);
    ovl_corpus_free(c2);
    ovl_corpus_free(c);
    ovl_ctx_free(ctx);
    free(planted);
    free(private);
    free(second);
    free(doc);
}
END_TEST

/* A formula of 20 words inside every one of 80 documents (shorter than a chunk, so its band
 * keys are diluted by each document's own words) is recurring text by its k-gram counts: it
 * seeds no passage, so the documents sharing only it are not pairs; the two that also share
 * a private passage are. Families off, the formula comes back as pairs. */
static void scan_formula(int mode)
{
    uint64_t rng = 7;
    char *formula = malloc(4096), *private = malloc(4096), *doc = malloc(32768);
    size_t lf = 0, lq = 0;
    words(&rng, 20, formula, &lf);
    words(&rng, 40, private, &lq);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_corpus *c = ovl_corpus_new();
    for (int d = 0; d < 80; d++) {
        size_t len = 0;
        for (int part = 0; part < 3; part++) {
            words(&rng, 150, doc, &len);
            doc[len++] = '\n';
            doc[len++] = '\n';
            memcpy(doc + len, formula, lf);
            len += lf;
            doc[len++] = '\n';
            doc[len++] = '\n';
        }
        if (d < 2) {
            memcpy(doc + len, private, lq);
            len += lq;
            doc[len++] = '\n';
        }
        char name[32];
        snprintf(name, sizeof name, "a/%03d", d);
        ck_assert_int_eq(ovl_corpus_add_bytes(ctx, c, name, doc, len), OVL_OK);
    }
    famseen fs;
    memset(&fs, 0, sizeof fs);
    ovl_scan_sink k;
    memset(&k, 0, sizeof k);
    k.userdata = &fs;
    k.family = fs_family;
    k.begin = fs_begin;
    k.pair = fs_pair;
    ovl_scan_summary sum;
    ovl_scan_opts on = OVL_SCAN_OPTS_INIT;
    if (mode == 1)
        on.recurring_text = 1;
    if (mode == 2)
        on.recurring_text = 0;
    ck_assert_int_eq(ovl_scan(ctx, c, &on, &k, &sum), OVL_OK);
    if (mode == 2) {
        /* Not counted: the formula seeds passages between the documents it collides in. */
        ck_assert_int_gt(fs.pairs, 1);
    } else {
        ck_assert_int_eq(fs.pairs, 1);
        ck_assert_str_eq(fs.pair_a, "a/000");
        ck_assert_str_eq(fs.pair_b, "a/001");
        ck_assert_uint_eq(sum.passages, 1);
    }
    ovl_scan_opts o = OVL_SCAN_OPTS_INIT;
    o.families = 0;
    o.max_df = 0;
    memset(&fs, 0, sizeof fs);
    ck_assert_int_eq(ovl_scan(ctx, c, &o, &k, &sum), OVL_OK);
    ck_assert_int_gt(fs.pairs, 100);
    ovl_corpus_free(c);
    ovl_ctx_free(ctx);
    free(formula);
    free(private);
    free(doc);
}

START_TEST(test_scan_formula) { scan_formula(1); }
END_TEST

/* The same with the default options (issue 10: the plain defaults count recurring text), and
 * with the count turned off. */
START_TEST(test_scan_formula_default) { scan_formula(0); }
END_TEST

START_TEST(test_scan_formula_off) { scan_formula(2); }
END_TEST

/* Walk problems: a missing path and a FIFO are problems, not errors; hidden files skipped. */
START_TEST(test_corpus_walk)
{
    char tmpl[] = "/tmp/ovl_walk_XXXXXX";
    char *dir = mkdtemp(tmpl);
    write_file(tu_path(dir, "x.txt"), "x", 1);
    write_file(tu_path(dir, ".hidden.txt"), "h", 1);
    char fifo[512];
    snprintf(fifo, sizeof fifo, "%s", tu_path(dir, "pipe"));
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_corpus *c = ovl_corpus_new();
    ck_assert_int_eq(ovl_corpus_add_path(ctx, c, dir, NULL), OVL_OK);
    ck_assert_int_eq(ovl_corpus_add_path(ctx, c, fifo, NULL), OVL_OK);
    ck_assert_int_eq(ovl_corpus_add_path(ctx, c, tu_path(dir, "missing"), NULL), OVL_OK);
    ck_assert_uint_eq(ovl_corpus_count(c), 1);
    ck_assert_uint_eq(ovl_corpus_problem_count(c), 2);
    ck_assert_str_eq(ovl_corpus_problem(c, 0)->message, "not a regular file");
    ck_assert_str_eq(ovl_corpus_problem(c, 1)->message, "No such file or directory");
    ovl_corpus_free(c);
    ovl_walk_opts wo = OVL_WALK_OPTS_INIT;
    wo.hidden = 1;
    c = ovl_corpus_new();
    ck_assert_int_eq(ovl_corpus_add_path(ctx, c, dir, &wo), OVL_OK);
    ck_assert_uint_eq(ovl_corpus_count(c), 2);
    ovl_corpus_free(c);
    ovl_ctx_free(ctx);
    unlink(fifo);
    unlink(tu_path(dir, "x.txt"));
    unlink(tu_path(dir, ".hidden.txt"));
    rmdir(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scan");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_scan_pairs);
    tcase_add_test(tc, test_scan_vanished_file);
    tcase_add_test(tc, test_scan_changed_file);
    tcase_add_test(tc, test_scan_memory_threads);
    tcase_add_test(tc, test_scan_phases);
    tcase_add_test(tc, test_dedup_library);
    tcase_add_test(tc, test_dedup_replaced);
    tcase_add_test(tc, test_corpus_walk);
    tcase_add_test(tc, test_scan_copies);
    tcase_add_test(tc, test_scan_replaced);
    tcase_add_test(tc, test_scan_family);
    tcase_add_test(tc, test_scan_formula);
    tcase_add_test(tc, test_scan_formula_default);
    tcase_add_test(tc, test_scan_formula_off);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
