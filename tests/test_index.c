/* test_index.c - the persistent corpus index: add/replace/remove, parameter checks, foreign files,
 * crash consistency, and `overlap check` agreeing with `overlap compare`. */
#include "testutil.h"
#include "gen.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *tmpdir_new(void)
{
    char *t = strdup("/tmp/ovl-index-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(t));
    return t;
}

static void rm_rf(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void write_file(const char *path, const void *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    ck_assert_uint_eq(fwrite(bytes, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

static void copy_file(const char *from, const char *to)
{
    size_t n;
    char *b = tu_read(from, &n);
    write_file(to, b, n);
    free(b);
}

static ovl_index *open_idx(const char *path, int create, const ovl_fp_opts *fp, const ovl_doc_opts *doc)
{
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_index_opts o = OVL_INDEX_OPTS_INIT;
    o.create = create;
    o.fp = fp;
    o.doc = doc;
    ovl_index *idx = NULL;
    int rc = ovl_index_open(ctx, path, &o, &idx);
    ck_assert_msg(rc == OVL_OK, "open %s: %s", path, ovl_ctx_message(ctx));
    ovl_ctx_free(ctx);
    return idx;
}

static int add_bytes(ovl_index *idx, const char *path, const char *bytes, size_t len)
{
    ovl_ctx *ctx = ovl_ctx_new();
    int st = 0;
    int rc = ovl_index_add(ctx, idx, path, bytes, len, NULL, 0, &st);
    ck_assert_msg(rc == OVL_OK, "add %s: %s", path, ovl_ctx_message(ctx));
    ovl_ctx_free(ctx);
    return st;
}

static ovl_index_stats stats_of(ovl_index *idx)
{
    ovl_index_stats s;
    ck_assert_int_eq(ovl_index_stats_get(NULL, idx, &s), OVL_OK);
    return s;
}

static void verify_ok(ovl_index *idx, int deep)
{
    ovl_ctx *ctx = ovl_ctx_new();
    int rc = ovl_index_verify(ctx, idx, deep);
    ck_assert_msg(rc == OVL_OK, "verify: %s", ovl_ctx_message(ctx));
    ovl_ctx_free(ctx);
}

/* Runs a shell command, returns its stdout (malloc'd) and exit status. */
static char *run(const char *cmd, int *status)
{
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n - 1, p)) > 0) {
        n += r;
        if (n + 1 == cap)
            buf = realloc(buf, cap *= 2);
    }
    buf[n] = '\0';
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return buf;
}

static const char *bin(void)
{
    const char *b = getenv("OVL_BIN");
    return b ? b : "overlap";
}

/* Passages of a JSON report whose b side is the document with that path, with the doc ids
 * removed (they differ between compare and check). */
static json_t *passages_with(json_t *report, const char *b_path)
{
    json_t *docs = json_object_get(report, "documents"), *out = json_array();
    json_int_t bid = -1;
    for (size_t i = 0; i < json_array_size(docs); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(docs, i), "path")), b_path) == 0)
            bid = json_integer_value(json_object_get(json_array_get(docs, i), "id"));
    ck_assert_msg(bid >= 0, "no document %s in the report", b_path);
    json_t *ps = json_object_get(report, "passages");
    for (size_t i = 0; i < json_array_size(ps); i++) {
        json_t *p = json_deep_copy(json_array_get(ps, i));
        if (json_integer_value(json_object_get(json_object_get(p, "b"), "doc")) != bid) {
            json_decref(p);
            continue;
        }
        json_object_del(json_object_get(p, "a"), "doc");
        json_object_del(json_object_get(p, "b"), "doc");
        json_array_append_new(out, p);
    }
    return out;
}

/* Indexes sources (copied into a temp dir) with the CLI, checks `target` against it, and
 * requires: the passages shared with sources[0] are exactly those `overlap compare target
 * sources[0]` reports; after the copies are deleted, the report is byte-identical. */
static void check_matches_compare(const char *target, const char *const *sources, size_t nsrc)
{
    char *dir = tmpdir_new();
    char corpus[4200], db[4200], cmd[20000], first[4200];
    snprintf(corpus, sizeof corpus, "%s/corpus", dir);
    snprintf(db, sizeof db, "%s/idx.db", dir);
    ck_assert_int_eq(mkdir(corpus, 0700), 0);
    for (size_t k = 0; k < nsrc; k++) {
        const char *base = strrchr(sources[k], '/') ? strrchr(sources[k], '/') + 1 : sources[k];
        const char *to = tu_path(corpus, base);
        copy_file(sources[k], to);
        if (k == 0)
            snprintf(first, sizeof first, "%s", to);
    }
    int st;
    snprintf(cmd, sizeof cmd, "'%s' index add --db '%s' '%s'", bin(), db, corpus);
    char *o = run(cmd, &st);
    ck_assert_msg(st == 0, "index add: %d\n%s", st, o);
    free(o);

    /* check carries the passages' text by default: compare gives the same with --with-text. */
    snprintf(cmd, sizeof cmd, "'%s' compare --format json --with-text '%s' '%s'", bin(), target, first);
    char *cmp = run(cmd, &st);
    ck_assert_int_eq(st, 1);
    snprintf(cmd, sizeof cmd, "'%s' check --db '%s' --format json '%s'", bin(), db, target);
    char *chk = run(cmd, &st);
    ck_assert_msg(st == 1, "check exit %d", st);

    json_error_t je;
    json_t *jc = json_loads(cmp, 0, &je), *jk = json_loads(chk, 0, &je);
    ck_assert_ptr_nonnull(jc);
    ck_assert_ptr_nonnull(jk);
    json_t *pc = passages_with(jc, first), *pk = passages_with(jk, first);
    ck_assert_uint_gt(json_array_size(pc), 0);
    char *sc = json_dumps(pc, JSON_COMPACT), *sk = json_dumps(pk, JSON_COMPACT);
    ck_assert_str_eq(sk, sc);
    /* Same figures for the checked document as compare gives when 000 is the only source. */
    json_t *dk = json_array_get(json_object_get(jk, "documents"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(dk, "path")), target);
    free(sc);
    free(sk);
    json_decref(pc);
    json_decref(pk);
    json_decref(jc);
    json_decref(jk);

    /* The originals gone, the index alone reproduces the same report. */
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", corpus);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "'%s' check --db '%s' --format json '%s'", bin(), db, target);
    char *chk2 = run(cmd, &st);
    ck_assert_int_eq(st, 1);
    ck_assert_str_eq(chk2, chk);
    snprintf(cmd, sizeof cmd, "'%s' check --db '%s' --format text --color never '%s'", bin(), db, target);
    char *txt = run(cmd, &st);
    ck_assert_int_eq(st, 1);
    ck_assert_ptr_nonnull(strstr(txt, first)); /* source passages shown from the stored bytes */
    free(txt);
    free(chk2);
    free(chk);
    free(cmp);
    rm_rf(dir);
    free(dir);
}

START_TEST(fixture_check_equals_compare)
{
    const char *src = tu_path(tu_fixtures(), "reuse/source.txt");
    const char *copy = tu_path(tu_fixtures(), "reuse/copy.txt");
    const char *english = tu_path(tu_fixtures(), "ingest/english.txt");
    const char *sources[] = {src, english};
    check_matches_compare(copy, sources, 2);
}
END_TEST

START_TEST(seeds_check_equals_compare)
{
    char p[5][4096];
    const char *pre[] = {"000", "001", "002", "003", "004"};
    for (int k = 0; k < 5; k++) {
        const char *s = tu_seed_path(pre[k]);
        ck_assert_ptr_nonnull(s);
        snprintf(p[k], sizeof p[k], "%s", s);
    }
    const char *sources[] = {p[0], p[2], p[3], p[4]};
    check_matches_compare(p[1], sources, 4);
}
END_TEST

START_TEST(check_opts_old_version)
{
    /* A check options struct of the layout before the embedded alignment options grew is
     * refused, not misread. */
    char *dir = tmpdir_new();
    ovl_index *idx = open_idx(tu_path(dir, "i.db"), 1, NULL, NULL);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_check_opts o = OVL_CHECK_OPTS_INIT;
    o.version = 1;
    ovl_check_result *r = NULL;
    ck_assert_int_eq(ovl_check(ctx, idx, tu_path(dir, "i.db"), NULL, NULL, 0, &o, &r),
                     OVL_ERR_INVALID);
    ck_assert_str_eq(ovl_ctx_message(ctx), "check options version 1, expected 2");
    ck_assert_ptr_null(r);
    ovl_ctx_free(ctx);
    ovl_index_close(idx);
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(library_query_load_align)
{
    char *dir = tmpdir_new();
    const char *db = tu_path(dir, "i.db");
    size_t ns, nc;
    char *src = tu_read(tu_path(tu_fixtures(), "reuse/source.txt"), &ns);
    char *eng = tu_read(tu_path(tu_fixtures(), "ingest/english.txt"), &nc);
    ovl_index *idx = open_idx(db, 1, NULL, NULL);
    ck_assert_int_eq(add_bytes(idx, "/corpus/source.txt", src, ns), OVL_INDEX_ADDED);
    ck_assert_int_eq(add_bytes(idx, "/corpus/english.txt", eng, nc), OVL_INDEX_ADDED);
    ovl_doc *copy = tu_doc(tu_path(tu_fixtures(), "reuse/copy.txt"));
    ovl_index_hit *hits = NULL;
    size_t nh = 0;
    ck_assert_int_eq(ovl_index_query(NULL, idx, copy, 0, &hits, &nh), OVL_OK);
    ck_assert_uint_eq(nh, 1);
    int64_t sid = 0;
    ck_assert_int_eq(ovl_index_find(NULL, idx, "/corpus/source.txt", &sid), OVL_OK);
    ck_assert_int_eq(hits[0].doc_id, sid);
    ck_assert_uint_gt(hits[0].band_hits, 0);
    ck_assert_uint_ge(hits[0].band_hits, hits[0].chunk_hits);
    free(hits);

    ovl_doc *stored = NULL, *orig = tu_doc(tu_path(tu_fixtures(), "reuse/source.txt"));
    ck_assert_int_eq(ovl_index_load_doc(NULL, idx, sid, &stored), OVL_OK);
    ck_assert_str_eq(ovl_doc_name(stored), "/corpus/source.txt");
    ovl_passage *p1 = NULL, *p2 = NULL;
    size_t n1 = 0, n2 = 0;
    ck_assert_int_eq(ovl_align(NULL, copy, orig, NULL, &p1, &n1), OVL_OK);
    ck_assert_int_eq(ovl_align(NULL, copy, stored, NULL, &p2, &n2), OVL_OK);
    ck_assert_uint_gt(n1, 0);
    ck_assert_uint_eq(n1, n2);
    ck_assert_int_eq(memcmp(p1, p2, n1 * sizeof *p1), 0);

    ovl_index_entry e;
    ck_assert_int_eq(ovl_index_doc_info(NULL, idx, sid, &e), OVL_OK);
    ck_assert_str_eq(e.path, "/corpus/source.txt");
    ck_assert_str_eq(e.encoding, "UTF-8");
    ck_assert_uint_eq(e.size, ns);
    ck_assert_uint_eq(e.chars, ovl_text_length(ovl_doc_text(orig)));
    ck_assert_uint_eq(e.paragraphs, ovl_segments_paragraph_count(ovl_doc_segments(orig)));
    ck_assert_uint_eq(strlen(e.hash), 32);
    ck_assert_int_eq(ovl_index_doc_info(NULL, idx, 9999, &e), OVL_ERR_NOTFOUND);

    ovl_index_stats s = stats_of(idx);
    ck_assert_uint_eq(s.documents, 2);
    ck_assert_uint_eq(s.text_bytes, ns + nc);
    ck_assert_uint_eq(s.band_rows, s.chunks * 16); /* default banding: 16 bands */
    ck_assert_uint_gt(s.db_bytes, 0);
    verify_ok(idx, 1);
    free(p1);
    free(p2);
    ovl_doc_free(orig);
    ovl_doc_free(stored);
    ovl_doc_free(copy);
    ovl_index_close(idx);
    free(src);
    free(eng);
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(idempotent_replace_remove)
{
    char *dir = tmpdir_new();
    const char *db = tu_path(dir, "i.db");
    size_t n;
    char *src = tu_read(tu_path(tu_fixtures(), "reuse/source.txt"), &n);
    ovl_index *idx = open_idx(db, 1, NULL, NULL);
    ck_assert_int_eq(add_bytes(idx, "/c/a.txt", src, n), OVL_INDEX_ADDED);
    ovl_index_stats s1 = stats_of(idx);
    ck_assert_int_eq(add_bytes(idx, "/c/a.txt", src, n), OVL_INDEX_UNCHANGED);
    ovl_index_stats s2 = stats_of(idx);
    ck_assert_int_eq(memcmp(&s1, &s2, sizeof s1), 0);
    int64_t id1, id2;
    ck_assert_int_eq(ovl_index_find(NULL, idx, "/c/a.txt", &id1), OVL_OK);

    /* Modified bytes at the same path replace the entry. */
    char *mod = malloc(n / 2);
    memcpy(mod, src, n / 2);
    ck_assert_int_eq(add_bytes(idx, "/c/a.txt", mod, n / 2), OVL_INDEX_REPLACED);
    ck_assert_int_eq(ovl_index_find(NULL, idx, "/c/a.txt", &id2), OVL_OK);
    ck_assert_int_ne(id1, id2);
    ovl_index_stats s3 = stats_of(idx);
    ck_assert_uint_eq(s3.documents, 1);
    ck_assert_uint_eq(s3.text_bytes, n / 2);
    ck_assert_uint_lt(s3.band_rows, s1.band_rows);
    verify_ok(idx, 1);

    /* The same bytes at another path are another document. */
    ck_assert_int_eq(add_bytes(idx, "/c/b.txt", mod, n / 2), OVL_INDEX_ADDED);
    ck_assert_uint_eq(stats_of(idx).documents, 2);
    ck_assert_uint_eq(stats_of(idx).band_rows, 2 * s3.band_rows);

    ovl_ctx *ctx = ovl_ctx_new();
    ck_assert_int_eq(ovl_index_remove(ctx, idx, "/c/a.txt"), OVL_OK);
    ck_assert_int_eq(ovl_index_remove(ctx, idx, "/c/a.txt"), OVL_ERR_NOTFOUND);
    char want[4400];
    snprintf(want, sizeof want, "/c/a.txt is not in index %s", db);
    ck_assert_str_eq(ovl_ctx_message(ctx), want);
    ovl_index_stats s4 = stats_of(idx);
    ck_assert_uint_eq(s4.documents, 1);
    ck_assert_uint_eq(s4.band_rows, s3.band_rows);
    verify_ok(idx, 1);
    int64_t *ids = NULL;
    size_t nids = 0;
    ck_assert_int_eq(ovl_index_list(NULL, idx, &ids, &nids), OVL_OK);
    ck_assert_uint_eq(nids, 1);
    ovl_index_entry e;
    ck_assert_int_eq(ovl_index_doc_info(NULL, idx, ids[0], &e), OVL_OK);
    ck_assert_str_eq(e.path, "/c/b.txt");
    free(ids);

    /* Metas are stored sorted; a decode failure writes nothing and names the byte. */
    ovl_index_meta m[2] = {{"year", "2020"}, {"kind", "web"}};
    int st = 0;
    ck_assert_int_eq(ovl_index_add(ctx, idx, "/c/m.txt", src, n, m, 2, &st), OVL_OK);
    int64_t mid;
    ck_assert_int_eq(ovl_index_find(NULL, idx, "/c/m.txt", &mid), OVL_OK);
    ck_assert_int_eq(ovl_index_doc_info(NULL, idx, mid, &e), OVL_OK);
    ck_assert_uint_eq(e.n_metas, 2);
    ck_assert_str_eq(e.metas[0].key, "kind");
    ck_assert_str_eq(e.metas[0].value, "web");
    ck_assert_str_eq(e.metas[1].key, "year");
    ovl_index_close(idx);

    ovl_doc_opts utf8 = OVL_DOC_OPTS_INIT;
    utf8.decode.encoding = "UTF-8";
    idx = open_idx(db, 0, NULL, &utf8);
    ovl_index_stats before = stats_of(idx);
    char bad[] = "good text\xff more";
    ck_assert_int_eq(ovl_index_add(ctx, idx, "/c/bad.txt", bad, sizeof bad - 1, NULL, 0, &st), OVL_ERR_DECODE);
    ck_assert_int_eq(ovl_ctx_offset(ctx), 9);
    ovl_index_stats after = stats_of(idx);
    ck_assert_int_eq(memcmp(&before, &after, sizeof before), 0);
    ck_assert_int_eq(ovl_index_find(NULL, idx, "/c/bad.txt", &mid), OVL_ERR_NOTFOUND);
    ovl_index_close(idx);
    ovl_ctx_free(ctx);
    free(mod);
    free(src);
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(max_df_skips_shared_keys)
{
    char *dir = tmpdir_new();
    size_t n;
    char *src = tu_read(tu_path(tu_fixtures(), "reuse/source.txt"), &n);
    ovl_index *idx = open_idx(tu_path(dir, "i.db"), 1, NULL, NULL);
    ck_assert_int_eq(add_bytes(idx, "/x/3", src, n), OVL_INDEX_ADDED);
    ck_assert_int_eq(add_bytes(idx, "/x/1", src, n), OVL_INDEX_ADDED);
    ck_assert_int_eq(add_bytes(idx, "/x/2", src, n), OVL_INDEX_ADDED);
    ovl_doc *doc = tu_doc(tu_path(tu_fixtures(), "reuse/source.txt"));
    ovl_index_hit *h = NULL;
    size_t nh = 0;
    ck_assert_int_eq(ovl_index_query(NULL, idx, doc, 2, &h, &nh), OVL_OK);
    ck_assert_uint_eq(nh, 0); /* every key is held by 3 documents */
    ck_assert_ptr_null(h);
    ck_assert_int_eq(ovl_index_query(NULL, idx, doc, 3, &h, &nh), OVL_OK);
    ck_assert_uint_eq(nh, 3);
    ovl_fp *fp = NULL;
    ck_assert_int_eq(ovl_fp_from_doc(NULL, doc, NULL, &fp), OVL_OK);
    for (size_t k = 0; k < 3; k++) {
        ck_assert_int_eq(h[k].doc_id, (int64_t)k + 1); /* ties: ascending id */
        ck_assert_uint_eq(h[k].chunk_hits, ovl_fp_chunk_count(fp));
        ck_assert_uint_eq(h[k].band_hits, h[0].band_hits);
    }
    /* Every distinct (key, chunk) of the document is a band hit. */
    ck_assert_uint_eq(h[0].band_hits, stats_of(idx).band_rows / 3);
    free(h);
    ovl_fp_free(fp);
    ovl_doc_free(doc);
    ovl_index_close(idx);
    free(src);
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(parameter_mismatch_refused)
{
    char *dir = tmpdir_new();
    const char *db = tu_path(dir, "i.db");
    char dbpath[4200];
    snprintf(dbpath, sizeof dbpath, "%s", db);
    ovl_fp_opts fp1 = OVL_FP_OPTS_INIT;
    fp1.seed = 1;
    ovl_index_close(open_idx(dbpath, 1, &fp1, NULL));

    ovl_ctx *ctx = ovl_ctx_new();
    ovl_index_opts o = OVL_INDEX_OPTS_INIT;
    ovl_fp_opts fp2 = OVL_FP_OPTS_INIT;
    fp2.seed = 2;
    o.fp = &fp2;
    ovl_index *idx = NULL;
    char want[4400];
    ck_assert_int_eq(ovl_index_open(ctx, dbpath, &o, &idx), OVL_ERR_MISMATCH);
    ck_assert_ptr_null(idx);
    snprintf(want, sizeof want, "index %s was built with seed 1, not 2", dbpath);
    ck_assert_str_eq(ovl_ctx_message(ctx), want);

    ovl_doc_opts nofold = OVL_DOC_OPTS_INIT;
    nofold.norm.fold_traditional = 0;
    o.fp = NULL;
    o.doc = &nofold;
    ck_assert_int_eq(ovl_index_open(ctx, dbpath, &o, &idx), OVL_ERR_MISMATCH);
    snprintf(want, sizeof want, "index %s was built with fold_traditional 1, not 0", dbpath);
    ck_assert_str_eq(ovl_ctx_message(ctx), want);

    ovl_fp_opts fp3 = OVL_FP_OPTS_INIT;
    fp3.seed = 1;
    fp3.bands = 8;
    fp3.rows = 4;
    o.fp = &fp3;
    o.doc = NULL;
    ck_assert_int_eq(ovl_index_open(ctx, dbpath, &o, &idx), OVL_ERR_MISMATCH);
    snprintf(want, sizeof want, "index %s was built with bands 16, not 8", dbpath);
    ck_assert_str_eq(ovl_ctx_message(ctx), want);

    /* NULL adopts the stored parameters; the same ones given explicitly are accepted. */
    fp3.bands = fp3.rows = 0;
    ck_assert_int_eq(ovl_index_open(ctx, dbpath, &o, &idx), OVL_OK);
    ovl_fp_opts got;
    ovl_index_params(idx, &got, NULL);
    ck_assert_uint_eq(got.seed, 1);
    ck_assert_uint_eq(got.bands, 16);
    ck_assert_uint_eq(got.rows, 3);
    ovl_index_close(idx);

    /* Missing file without create. */
    ck_assert_int_eq(ovl_index_open(ctx, tu_path(dir, "none.db"), NULL, &idx), OVL_ERR_NOTFOUND);
    ovl_ctx_free(ctx);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* Big-endian 32-bit field of the SQLite file header. */
static void patch_header(const char *path, long off, uint32_t v)
{
    FILE *f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                          (unsigned char)v};
    ck_assert_int_eq(fseek(f, off, SEEK_SET), 0);
    ck_assert_uint_eq(fwrite(b, 1, 4, f), 4);
    ck_assert_int_eq(fclose(f), 0);
}

START_TEST(foreign_files_refused)
{
    char *dir = tmpdir_new();
    char txt[4200], db[4200], want[4500];
    snprintf(txt, sizeof txt, "%s/notes.txt", dir);
    snprintf(db, sizeof db, "%s/i.db", dir);
    const char *text = "This is a plain text file, certainly not an index. It is long enough to "
                       "fill a header: 0123456789 0123456789 0123456789 0123456789 0123456789.\n";
    write_file(txt, text, strlen(text));
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_index *idx = NULL;
    ovl_index_opts o = OVL_INDEX_OPTS_INIT;
    o.create = 1; /* even with create, an existing foreign file is never touched */
    ck_assert_int_eq(ovl_index_open(ctx, txt, &o, &idx), OVL_ERR_CORRUPT);
    snprintf(want, sizeof want, "%s is not an overlap index (not an SQLite database)", txt);
    ck_assert_str_eq(ovl_ctx_message(ctx), want);
    size_t n;
    char *after = tu_read(txt, &n);
    ck_assert_str_eq(after, text);
    free(after);

    /* An SQLite file of another application: our index with its application id cleared
     * (header offset 68), then with a future schema version (offset 60). */
    size_t ns;
    char *src = tu_read(tu_path(tu_fixtures(), "reuse/source.txt"), &ns);
    idx = open_idx(db, 1, NULL, NULL);
    add_bytes(idx, "/s.txt", src, ns);
    ovl_index_close(idx);
    idx = NULL;
    patch_header(db, 68, 0);
    ck_assert_int_eq(ovl_index_open(ctx, db, &o, &idx), OVL_ERR_CORRUPT);
    snprintf(want, sizeof want, "%s is not an overlap index (an SQLite database with application id 0x00000000)", db);
    ck_assert_str_eq(ovl_ctx_message(ctx), want);
    patch_header(db, 68, OVL_INDEX_APPLICATION_ID);
    patch_header(db, 60, 7);
    ck_assert_int_eq(ovl_index_open(ctx, db, &o, &idx), OVL_ERR_MISMATCH);
    snprintf(want, sizeof want, "index %s has schema version 7; this overlap reads version %d", db,
             OVL_INDEX_SCHEMA);
    ck_assert_str_eq(ovl_ctx_message(ctx), want);
    patch_header(db, 60, OVL_INDEX_SCHEMA);
    idx = open_idx(db, 0, NULL, NULL);
    verify_ok(idx, 1);
    ovl_index_close(idx);
    idx = NULL;

    /* Damaged pages: refused at open or by verify, never accepted silently. Each page past
     * the header gets junk near its start (headers, cell pointers) and near its end, where
     * B-tree pages keep their cell content. */
    struct stat sb;
    ck_assert_int_eq(stat(db, &sb), 0);
    FILE *f = fopen(db, "r+b");
    ck_assert_ptr_nonnull(f);
    for (long k = 4096; k + 4096 <= sb.st_size; k += 4096) {
        const long at[2] = {k + 100, k + 4096 - 200};
        for (int q = 0; q < 2; q++) {
            ck_assert_int_eq(fseek(f, at[q], SEEK_SET), 0);
            ck_assert_uint_eq(fwrite("\x55\xAA\x55\xAA\x55\xAA\x55\xAA", 1, 8, f), 8);
        }
    }
    ck_assert_int_eq(fclose(f), 0);
    int rc = ovl_index_open(ctx, db, NULL, &idx);
    if (rc == OVL_OK) {
        rc = ovl_index_verify(ctx, idx, 1);
        ovl_index_close(idx);
    }
    ck_assert_msg(rc == OVL_ERR_CORRUPT || rc == OVL_ERR_DB, "damaged index accepted (%d: %s)", rc,
                  ovl_ctx_message(ctx));
    free(src);
    ovl_ctx_free(ctx);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* Runs sql on the index file directly, as damage from outside would. */
static void damage(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    char *err = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &err);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, err ? err : "?");
    sqlite3_close(h);
}

/* Index of the two reuse fixtures, flushed (records in a run), in dir/name. */
static void make_small_index(const char *db)
{
    size_t ns, nc;
    char *src = tu_read(tu_path(tu_fixtures(), "reuse/source.txt"), &ns);
    char *cpy = tu_read(tu_path(tu_fixtures(), "reuse/copy.txt"), &nc);
    ovl_index *idx = open_idx(db, 1, NULL, NULL);
    add_bytes(idx, "/s.txt", src, ns);
    add_bytes(idx, "/c.txt", cpy, nc);
    ovl_index_close(idx);
    free(src);
    free(cpy);
}

/* Expects verify (library, then `overlap index verify`) to report exactly want_tail after
 * "index DB is damaged: ". */
static void verify_reports(const char *db, const char *want_tail)
{
    char want[4500], cmd[9000];
    snprintf(want, sizeof want, "index %s is damaged: %s", db, want_tail);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_index *idx = open_idx(db, 0, NULL, NULL);
    ck_assert_int_eq(ovl_index_verify(ctx, idx, 0), OVL_ERR_CORRUPT);
    ck_assert_str_eq(ovl_ctx_message(ctx), want);
    ovl_index_close(idx);
    ovl_ctx_free(ctx);
    int st;
    snprintf(cmd, sizeof cmd, "'%s' index verify --db '%s' 2>&1", bin(), db);
    char *out = run(cmd, &st);
    ck_assert_int_eq(st, 2);
    snprintf(cmd, sizeof cmd, "overlap: %s\n", want);
    ck_assert_str_eq(out, cmd);
    free(out);
}

/* Rows that belong to nothing are the damage verify exists to report (it used to free its
 * integrity-check statement twice on them). */
START_TEST(verify_reports_orphan_rows)
{
    char *dir = tmpdir_new();
    char db[4200];
    snprintf(db, sizeof db, "%s/i.db", dir);
    make_small_index(db);
    damage(db, "INSERT INTO blobs(doc_id, bytes) VALUES (999, x'00')");
    verify_reports(db, "1 rows of stored bytes without a document");
    damage(db, "DELETE FROM blobs WHERE doc_id = 999; INSERT INTO dead(doc_id) SELECT min(id) FROM docs");
    verify_reports(db, "1 rows of removed documents still present");
    damage(db, "DELETE FROM dead");
    ovl_index *idx = open_idx(db, 0, NULL, NULL);
    verify_ok(idx, 1);
    ovl_index_close(idx);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* Expects opening db (or, when open succeeds, calling f on it) to fail with code and the
 * message "index DB is damaged: " tail. */
static void expect_damaged(const char *db, int (*f)(ovl_ctx *, ovl_index *), int code, const char *tail)
{
    char want[4500];
    snprintf(want, sizeof want, "index %s is damaged: %s", db, tail);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_index *idx = NULL;
    int rc = ovl_index_open(ctx, db, NULL, &idx);
    if (rc == OVL_OK && f)
        rc = f(ctx, idx);
    ovl_index_close(idx);
    ck_assert_msg(rc == code, "expected %d, got %d: %s", code, rc, ovl_ctx_message(ctx));
    ck_assert_str_eq(ovl_ctx_message(ctx), want);
    ovl_ctx_free(ctx);
}

static int do_verify(ovl_ctx *ctx, ovl_index *idx) { return ovl_index_verify(ctx, idx, 0); }
static int do_flush(ovl_ctx *ctx, ovl_index *idx) { return ovl_index_flush(ctx, idx); }

/* Record counts stored in the index are checked against the bytes that hold them before
 * anything is allocated from them: a huge count is damage, not "out of memory" (nor, under
 * ASan, an abort); an empty block is damage too. */
START_TEST(damaged_counts_refused)
{
    char *dir = tmpdir_new();
    char db[4200], pristine[4200];
    snprintf(db, sizeof db, "%s/i.db", dir);
    snprintf(pristine, sizeof pristine, "%s/pristine.db", dir);
    make_small_index(db);
    copy_file(db, pristine);
    static const char *const pend[] = {
        "INSERT INTO pending(doc_id, n, data) SELECT min(id), 4000000000000, x'010203' FROM docs",
        "INSERT INTO pending(doc_id, n, data) SELECT min(id), 0, x'' FROM docs",
        "INSERT INTO pending(doc_id, n, data) SELECT min(id), 1, x'' FROM docs"};
    for (size_t k = 0; k < sizeof pend / sizeof *pend; k++) {
        copy_file(pristine, db);
        damage(db, pend[k]);
        expect_damaged(db, do_verify, OVL_ERR_CORRUPT, "a pending block does not decode");
        expect_damaged(db, do_flush, OVL_ERR_CORRUPT, "a pending block does not decode");
    }
    static const char *const runs[] = {"UPDATE postings SET n = 4000000000000",
                                       "UPDATE postings SET data = x''"};
    for (size_t k = 0; k < sizeof runs / sizeof *runs; k++) {
        copy_file(pristine, db);
        damage(db, runs[k]);
        expect_damaged(db, do_verify, OVL_ERR_CORRUPT, "a run block does not decode");
    }
    rm_rf(dir);
    free(dir);
}
END_TEST

/* Stored parameters are validated as the 64-bit numbers they are, and a refused one is
 * described once. */
START_TEST(damaged_params_refused)
{
    char *dir = tmpdir_new();
    char db[4200], pristine[4200];
    snprintf(db, sizeof db, "%s/i.db", dir);
    snprintf(pristine, sizeof pristine, "%s/pristine.db", dir);
    make_small_index(db);
    copy_file(db, pristine);
    /* 2^32 + 5: read as unsigned it would be a valid chunk size of 5 tokens */
    damage(db, "UPDATE meta SET value = '4294967301' WHERE key = 'chunk_tokens'");
    expect_damaged(db, NULL, OVL_ERR_CORRUPT, "parameter chunk_tokens is 4294967301 (out of range)");
    copy_file(pristine, db);
    damage(db, "UPDATE meta SET value = '99999999999' WHERE key = 'num_hashes'");
    expect_damaged(db, NULL, OVL_ERR_CORRUPT, "parameter num_hashes is 99999999999 (out of range)");
    copy_file(pristine, db);
    damage(db, "UPDATE meta SET value = '2' WHERE key = 'fold_traditional'");
    expect_damaged(db, NULL, OVL_ERR_CORRUPT, "parameter fold_traditional is 2 (out of range)");
    copy_file(pristine, db);
    damage(db, "UPDATE meta SET value = '0' WHERE key = 'num_hashes'");
    expect_damaged(db, NULL, OVL_ERR_CORRUPT,
                   "stored parameters: number of MinHash values must be 1..4096, not 0");
    rm_rf(dir);
    free(dir);
}
END_TEST

/* An index truncated to 0 bytes is refused, not silently made into a new index. */
START_TEST(empty_file_refused)
{
    char *dir = tmpdir_new();
    char db[4200], want[4500], cmd[9000], src[4200];
    snprintf(db, sizeof db, "%s/i.db", dir);
    snprintf(src, sizeof src, "%s/s.txt", dir);
    copy_file(tu_path(tu_fixtures(), "reuse/source.txt"), src);
    write_file(db, "", 0);
    snprintf(want, sizeof want, "%s is not an overlap index (an empty file)", db);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_index *idx = NULL;
    ovl_index_opts o = OVL_INDEX_OPTS_INIT;
    o.create = 1;
    ck_assert_int_eq(ovl_index_open(ctx, db, &o, &idx), OVL_ERR_CORRUPT);
    ck_assert_str_eq(ovl_ctx_message(ctx), want);
    ovl_ctx_free(ctx);
    int st;
    snprintf(cmd, sizeof cmd, "'%s' index add --db '%s' '%s' 2>&1", bin(), db, src);
    char *out = run(cmd, &st);
    ck_assert_int_eq(st, 2);
    snprintf(cmd, sizeof cmd, "overlap: %s\n", want);
    ck_assert_str_eq(out, cmd);
    free(out);
    struct stat sb;
    ck_assert_int_eq(stat(db, &sb), 0);
    ck_assert_int_eq(sb.st_size, 0);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* Stored bytes are checked against their hash whenever a document is loaded: damage is an
 * error naming the document, not a silently different `check` report; and a failed query
 * in `check` frees what it holds (the leak shows under LeakSanitizer). */
START_TEST(damaged_bytes_and_blocks_in_check)
{
    char *dir = tmpdir_new();
    char db[4200], pristine[4200], want[9000], cmd[9000];
    snprintf(db, sizeof db, "%s/i.db", dir);
    snprintf(pristine, sizeof pristine, "%s/pristine.db", dir);
    make_small_index(db);
    copy_file(db, pristine);
    ovl_index *idx = open_idx(db, 0, NULL, NULL);
    int64_t sid = 0;
    ck_assert_int_eq(ovl_index_find(NULL, idx, "/s.txt", &sid), OVL_OK);
    ovl_index_close(idx);
    /* Same size, one letter changed. */
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE blobs SET bytes = CAST(substr(CAST(bytes AS TEXT), 1, 9) || 'X' ||"
             " substr(CAST(bytes AS TEXT), 11) AS BLOB) WHERE doc_id = %lld",
             (long long)sid);
    damage(db, sql);
    snprintf(want, sizeof want,
             "index %s is damaged: document %lld (/s.txt): its stored bytes do not match their hash", db,
             (long long)sid);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_doc *doc = NULL;
    idx = open_idx(db, 0, NULL, NULL);
    ck_assert_int_eq(ovl_index_load_doc(ctx, idx, sid, &doc), OVL_ERR_CORRUPT);
    ck_assert_ptr_null(doc);
    ck_assert_str_eq(ovl_ctx_message(ctx), want);
    ovl_index_close(idx);
    int st;
    snprintf(cmd, sizeof cmd, "'%s' check --db '%s' '%s/reuse/copy.txt' 2>&1 >/dev/null", bin(), db,
             tu_fixtures());
    char *out = run(cmd, &st);
    ck_assert_int_eq(st, 2);
    ck_assert_msg(strstr(out, want) != NULL, "check said: %s", out);
    free(out);

    copy_file(pristine, db);
    damage(db, "INSERT INTO pending(doc_id, n, data) SELECT min(id), 2, x'0102030405060708' FROM docs");
    out = run(cmd, &st);
    ck_assert_int_eq(st, 2);
    snprintf(want, sizeof want, "overlap: %s: index %s is damaged: a band key block does not decode\n", db, db);
    ck_assert_str_eq(out, want);
    free(out);
    ovl_ctx_free(ctx);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* Processes creating one index at the same moment all succeed: a file another process has
 * just created (no bytes yet, or tables committed between two reads) is not taken for a
 * foreign or truncated one. The first race failed nearly half of such opens; the second
 * about one in 160, so this catches it only in most runs. */
START_TEST(concurrent_create)
{
    char *dir = tmpdir_new();
    char db[4200], side[4300];
    snprintf(db, sizeof db, "%s/c.db", dir);
    int failed = 0;
    for (int round = 0; round < 50; round++) {
        unlink(db);
        snprintf(side, sizeof side, "%s-wal", db);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", db);
        unlink(side);
        pid_t pids[4];
        for (int k = 0; k < 4; k++) {
            pids[k] = fork();
            ck_assert_int_ge(pids[k], 0);
            if (pids[k] == 0) {
                ovl_ctx *ctx = ovl_ctx_new();
                ovl_index_opts o = OVL_INDEX_OPTS_INIT;
                o.create = 1;
                ovl_index *idx = NULL;
                int rc = ovl_index_open(ctx, db, &o, &idx);
                if (rc != OVL_OK)
                    fprintf(stderr, "round %d: %s\n", round, ovl_ctx_message(ctx));
                ovl_index_close(idx);
                ovl_ctx_free(ctx);
                _exit(rc == OVL_OK ? 0 : 1);
            }
        }
        for (int k = 0; k < 4; k++) {
            int st;
            ck_assert_int_eq(waitpid(pids[k], &st, 0), pids[k]);
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                failed++;
        }
    }
    ck_assert_msg(failed == 0, "%d of 200 concurrent opens failed", failed);
    ovl_index *idx = open_idx(db, 0, NULL, NULL);
    verify_ok(idx, 1);
    ovl_index_close(idx);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* Text of generated document k (its path is "/gen/%05u"). */
static char *gen_doc(unsigned k, size_t *len)
{
    ovl_gen_opts g = OVL_GEN_OPTS_INIT;
    g.seed = 1000 + k;
    g.lang = "en";
    char err[256];
    char *t = ovl_gen_prose(&g, 20000, err, sizeof err);
    ck_assert_msg(t != NULL, "gen: %s", err);
    *len = strlen(t);
    return t;
}

START_TEST(killed_add_leaves_consistent_index)
{
    char *dir = tmpdir_new();
    char db[4200];
    snprintf(db, sizeof db, "%s/i.db", dir);
    ovl_index_close(open_idx(db, 1, NULL, NULL));
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        ovl_index *w = NULL;
        ovl_index_opts o = OVL_INDEX_OPTS_INIT;
        if (ovl_index_open(NULL, db, &o, &w) != OVL_OK)
            _exit(3);
        for (unsigned k = 0; k < 100000; k++) {
            ovl_gen_opts g = OVL_GEN_OPTS_INIT;
            g.seed = 1000 + k;
            g.lang = "en";
            char err[256], path[64];
            char *t = ovl_gen_prose(&g, 20000, err, sizeof err);
            if (!t)
                _exit(4);
            snprintf(path, sizeof path, "/gen/%05u", k);
            if (ovl_index_add(NULL, w, path, t, strlen(t), NULL, 0, NULL) != OVL_OK)
                _exit(5);
            free(t);
            /* Frequent flushes (and so merges), so the kill may land inside one. */
            if (k % 5 == 4 && ovl_index_flush(NULL, w) != OVL_OK)
                _exit(6);
        }
        _exit(0);
    }
    /* Wait until a reader sees some documents, then kill the writer mid-stream. */
    uint64_t seen = 0;
    for (int tries = 0; tries < 6000 && seen < 12; tries++) {
        ovl_index *r = NULL;
        ovl_index_opts ro = OVL_INDEX_OPTS_INIT;
        ro.readonly = 1;
        if (ovl_index_open(NULL, db, &ro, &r) == OVL_OK) {
            ovl_index_stats s;
            if (ovl_index_stats_get(NULL, r, &s) == OVL_OK)
                seen = s.documents;
            ovl_index_close(r);
        }
        int wst;
        ck_assert_int_eq(waitpid(pid, &wst, WNOHANG), 0); /* the writer is still running */
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    ck_assert_uint_ge(seen, 12);
    /* A little more time so the kill lands inside a later add. */
    struct timespec ts = {0, 37 * 1000 * 1000};
    nanosleep(&ts, NULL);
    ck_assert_int_eq(kill(pid, SIGKILL), 0);
    int wst;
    ck_assert_int_eq(waitpid(pid, &wst, 0), pid);
    ck_assert(WIFSIGNALED(wst) && WTERMSIG(wst) == SIGKILL);

    ovl_index *idx = open_idx(db, 0, NULL, NULL);
    verify_ok(idx, 1);
    int64_t *ids = NULL;
    size_t n = 0;
    ck_assert_int_eq(ovl_index_list(NULL, idx, &ids, &n), OVL_OK);
    ck_assert_uint_ge(n, seen);
    /* Added in order, one transaction each: exactly documents 0 .. n-1, each complete. */
    for (size_t k = 0; k < n; k++) {
        ovl_index_entry e;
        char want[64];
        ck_assert_int_eq(ovl_index_doc_info(NULL, idx, ids[k], &e), OVL_OK);
        snprintf(want, sizeof want, "/gen/%05zu", k);
        ck_assert_str_eq(e.path, want);
        size_t len;
        char *t = gen_doc((unsigned)k, &len);
        ck_assert_uint_eq(e.size, len);
        ovl_doc *d = NULL;
        ck_assert_int_eq(ovl_index_load_doc(NULL, idx, ids[k], &d), OVL_OK);
        char *back = ovl_text_utf8(ovl_doc_text(d), 0, ovl_text_length(ovl_doc_text(d)));
        ck_assert_str_eq(back, t);
        free(back);
        ovl_doc_free(d);
        free(t);
    }
    free(ids);
    ovl_index_stats s = stats_of(idx);
    ck_assert_uint_eq(s.documents, n);
    ck_assert_uint_eq(s.band_rows, s.chunks * 16);
    /* And the index keeps working. */
    size_t len;
    char *t = gen_doc(99999, &len);
    ck_assert_int_eq(add_bytes(idx, "/gen/after-kill", t, len), OVL_INDEX_ADDED);
    free(t);
    ck_assert_uint_eq(stats_of(idx).documents, n + 1);
    verify_ok(idx, 0);
    ovl_index_close(idx);
    rm_rf(dir);
    free(dir);
}
END_TEST

static void hits_of(ovl_index *idx, const ovl_doc *doc, ovl_index_hit **h, size_t *n)
{
    ovl_ctx *ctx = ovl_ctx_new();
    int rc = ovl_index_query(ctx, idx, doc, 0, h, n);
    ck_assert_msg(rc == OVL_OK, "query: %s", ovl_ctx_message(ctx));
    ovl_ctx_free(ctx);
}

/* Same hits, with document ids mapped through their paths (the two indexes number alike
 * here, as documents are added in the same order). */
static void same_hits(ovl_index *a, ovl_index *b, const ovl_doc *doc)
{
    ovl_index_hit *ha = NULL, *hb = NULL;
    size_t na = 0, nb = 0;
    hits_of(a, doc, &ha, &na);
    hits_of(b, doc, &hb, &nb);
    ck_assert_uint_gt(na, 0);
    ck_assert_uint_eq(na, nb);
    ck_assert_int_eq(memcmp(ha, hb, na * sizeof *ha), 0);
    free(ha);
    free(hb);
}

static int has_hit(ovl_index *idx, const ovl_doc *doc, const char *path)
{
    int64_t id = 0;
    ck_assert_int_eq(ovl_index_find(NULL, idx, path, &id), OVL_OK);
    ovl_index_hit *h = NULL;
    size_t n = 0;
    hits_of(idx, doc, &h, &n);
    int found = 0;
    for (size_t k = 0; k < n; k++)
        found |= h[k].doc_id == id;
    free(h);
    return found;
}

/* Band records in sorted runs (flushed after every document, so runs are merged) answer
 * exactly as the same records all pending; removed and replaced documents disappear from
 * answers at once; a damaged run block is reported. */
START_TEST(runs_answer_like_pending)
{
    char *dir = tmpdir_new();
    char pa[4200], pb[4200];
    snprintf(pa, sizeof pa, "%s/runs.db", dir);
    snprintf(pb, sizeof pb, "%s/pending.db", dir);
    ovl_index *a = open_idx(pa, 1, NULL, NULL), *b = open_idx(pb, 1, NULL, NULL);
    char path[64];
    ovl_doc *q[9];
    for (unsigned k = 0; k < 9; k++) {
        size_t len;
        char *txt = gen_doc(k, &len);
        snprintf(path, sizeof path, "/gen/%05u", k);
        ck_assert_int_eq(add_bytes(a, path, txt, len), OVL_INDEX_ADDED);
        ck_assert_int_eq(ovl_index_flush(NULL, a), OVL_OK);
        ck_assert_int_eq(add_bytes(b, path, txt, len), OVL_INDEX_ADDED);
        ck_assert_int_eq(ovl_doc_from_bytes(NULL, path, txt, len, NULL, &q[k]), OVL_OK);
        free(txt);
    }
    ck_assert_uint_eq(stats_of(a).band_rows, stats_of(b).band_rows);
    for (unsigned k = 0; k < 9; k++)
        same_hits(a, b, q[k]);
    verify_ok(a, 1);
    verify_ok(b, 1);

    /* Document 3 is in a run of a (masked until a merge drops it), pending in b. */
    ck_assert(has_hit(a, q[3], "/gen/00003"));
    ck_assert_int_eq(ovl_index_remove(NULL, a, "/gen/00003"), OVL_OK);
    ck_assert_int_eq(ovl_index_remove(NULL, b, "/gen/00003"), OVL_OK);
    size_t len;
    char *other = gen_doc(100, &len);
    ck_assert_int_eq(add_bytes(a, "/gen/00005", other, len), OVL_INDEX_REPLACED);
    ck_assert_int_eq(add_bytes(b, "/gen/00005", other, len), OVL_INDEX_REPLACED);
    free(other);
    for (unsigned k = 0; k < 9; k++) {
        ovl_index_hit *h = NULL;
        size_t n = 0;
        hits_of(a, q[k], &h, &n);
        for (size_t i = 0; i < n; i++) {
            ovl_index_entry e;
            ck_assert_int_eq(ovl_index_doc_info(NULL, a, h[i].doc_id, &e), OVL_OK);
        }
        free(h);
        if (k != 3 && k != 5)
            same_hits(a, b, q[k]);
    }
    verify_ok(a, 1);
    ck_assert_int_eq(ovl_index_flush(NULL, a), OVL_OK);
    ck_assert_int_eq(ovl_index_flush(NULL, b), OVL_OK);
    for (unsigned k = 0; k < 9; k++)
        if (k != 3 && k != 5)
            same_hits(a, b, q[k]);
    verify_ok(a, 1);
    verify_ok(b, 1);
    ovl_index_close(a);
    ovl_index_close(b);

    /* One byte cut off a run block. */
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(pa, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db,
                                  "UPDATE postings SET data = substr(data, 1, length(data) - 1)"
                                  " WHERE rowid = (SELECT min(rowid) FROM postings)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_changes(db), 1);
    sqlite3_close(db);
    a = open_idx(pa, 0, NULL, NULL);
    ovl_ctx *ctx = ovl_ctx_new();
    char want[4400];
    ck_assert_int_eq(ovl_index_verify(ctx, a, 0), OVL_ERR_CORRUPT);
    snprintf(want, sizeof want, "index %s is damaged: a run block does not decode", pa);
    ck_assert_str_eq(ovl_ctx_message(ctx), want);
    ovl_ctx_free(ctx);
    ovl_index_close(a);
    for (unsigned k = 0; k < 9; k++)
        ovl_doc_free(q[k]);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* Events of an ovl_index_add_files run, as lines "name|path|rc|status|len|message|replaced". */
typedef struct add_log {
    char lines[16][512];
    size_t n;
    size_t stop_after; /* 0: never stop */
} add_log;

static int log_event(void *userdata, const ovl_index_add_event *ev)
{
    add_log *l = userdata;
    ck_assert_uint_lt(l->n, 16);
    ck_assert_uint_eq(ev->file, l->n);
    snprintf(l->lines[l->n++], sizeof l->lines[0], "%s|%s|%d|%d|%zu|%s|%zu", strrchr(ev->name, '/') + 1,
             ev->path ? strrchr(ev->path, '/') + 1 : "-", ev->rc, ev->status, ev->len,
             ev->message ? ev->message : "", ev->replaced);
    return l->stop_after && l->n == l->stop_after ? 7 : 0;
}

/* The corpus in dir, its index beside the files (doc: its handle's document options, NULL:
 * defaults), added with threads; the events in l. */
static void add_dir_doc(const char *dir, const char *db, const ovl_doc_opts *doc, unsigned threads,
                        add_log *l, int want_rc)
{
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_index *idx = open_idx(db, 1, NULL, doc);
    ovl_corpus *c = ovl_corpus_new();
    ck_assert_int_eq(ovl_corpus_add_path(ctx, c, dir, NULL), OVL_OK);
    ovl_index_add_opts o = OVL_INDEX_ADD_OPTS_INIT;
    o.threads = threads;
    ovl_index_meta m = {"batch", "b1"};
    o.metas = &m;
    o.nmetas = 1;
    memset(l->lines, 0, sizeof l->lines);
    l->n = 0;
    ck_assert_int_eq(ovl_index_add_files(ctx, idx, c, &o, log_event, l), want_rc);
    ovl_index_close(idx);
    ovl_corpus_free(c);
    ovl_ctx_free(ctx);
}

static void add_dir(const char *dir, const char *db, unsigned threads, add_log *l, int want_rc)
{
    add_dir_doc(dir, db, NULL, threads, l, want_rc);
}

START_TEST(add_files_same_for_any_threads)
{
    char *dir = tmpdir_new();
    size_t n;
    char *src = tu_read(tu_path(tu_fixtures(), "reuse/source.txt"), &n);
    write_file(tu_path(dir, "a.txt"), src, n);
    write_file(tu_path(dir, "b.txt"), src, n / 2);
    write_file(tu_path(dir, "c.bin"), "\x00\x01\x02\x00\xff\xfe\x00\x00 binary", 16);
    write_file(tu_path(dir, "d.txt"), src, n);
    /* The index lies among the files it indexes: it must not index itself. */
    char *db = strdup(tu_path(dir, "z.db"));
    add_log l1, l3;
    add_dir(dir, db, 1, &l1, OVL_OK);
    /* z.db and, in WAL mode, its -shm and -wal files. */
    ck_assert_uint_ge(l1.n, 5);
    char want[5][512];
    snprintf(want[0], sizeof want[0], "a.txt|a.txt|0|%d|%zu|", OVL_INDEX_ADDED, n);
    snprintf(want[1], sizeof want[1], "b.txt|b.txt|0|%d|%zu|", OVL_INDEX_ADDED, n / 2);
    snprintf(want[2], sizeof want[2], "c.bin|c.bin|%d|0|16|", OVL_ERR_BINARY);
    snprintf(want[3], sizeof want[3], "d.txt|d.txt|0|%d|%zu|", OVL_INDEX_ADDED, n);
    snprintf(want[4], sizeof want[4], "|0|%d|0|", OVL_INDEX_SKIPPED);
    for (size_t i = 4; i < l1.n; i++)
        ck_assert_msg(strncmp(l1.lines[i], "z.db", 4) == 0 && strstr(l1.lines[i], want[4]) != NULL,
                      "event %zu: %s", i, l1.lines[i]);
    for (size_t i = 0; i < 4; i++)
        ck_assert_msg(strncmp(l1.lines[i], want[i], strlen(want[i])) == 0, "event %zu: %s, not %s", i,
                      l1.lines[i], want[i]);
    ck_assert_msg(strstr(l1.lines[2], "binary") != NULL, "c.bin: %s", l1.lines[2]);
    /* Stored under absolute paths, with the metas. */
    ovl_index *idx = open_idx(db, 0, NULL, NULL);
    int64_t id;
    char *abs = ovl_index_abspath(tu_path(dir, "./x/../a.txt"));
    ck_assert_str_eq(abs, tu_path(dir, "a.txt"));
    ck_assert_int_eq(ovl_index_find(NULL, idx, abs, &id), OVL_OK);
    ck_assert_int_eq(stats_of(idx).documents, 3);
    ovl_index_close(idx);
    free(abs);
    /* A second run: every file unchanged; the same with three workers, on a fresh index too. */
    add_dir(dir, db, 3, &l3, OVL_OK);
    for (size_t i = 0; i < 4; i++)
        if (i != 2)
            ck_assert_msg(strstr(l3.lines[i], "|0|3|") != NULL, "event %zu: %s", i, l3.lines[i]);
    char *dir3 = tmpdir_new();
    for (size_t i = 0; i < 4; i++) {
        const char *nm[] = {"a.txt", "b.txt", "c.bin", "d.txt"};
        copy_file(tu_path(dir, nm[i]), tu_path(dir3, nm[i]));
    }
    add_dir(dir3, tu_path(dir3, "z.db"), 3, &l3, OVL_OK);
    ck_assert_uint_eq(l3.n, l1.n);
    for (size_t i = 0; i < l1.n; i++)
        ck_assert_str_eq(l3.lines[i], l1.lines[i]);
    /* The callback stops the run: its value comes back, the files before stay stored. */
    char *dir4 = tmpdir_new();
    copy_file(tu_path(dir, "a.txt"), tu_path(dir4, "a.txt"));
    copy_file(tu_path(dir, "b.txt"), tu_path(dir4, "b.txt"));
    copy_file(tu_path(dir, "d.txt"), tu_path(dir4, "d.txt"));
    add_log l4;
    l4.stop_after = 1;
    add_dir(dir4, tu_path(dir4, "z.db"), 2, &l4, 7);
    ck_assert_uint_eq(l4.n, 1);
    idx = open_idx(tu_path(dir4, "z.db"), 0, NULL, NULL);
    ck_assert_int_eq(stats_of(idx).documents, 1);
    ovl_index_close(idx);
    free(db);
    rm_rf(dir);
    rm_rf(dir3);
    rm_rf(dir4);
    free(dir);
    free(dir3);
    free(dir4);
    free(src);
}
END_TEST

/* Lenient decoding: each event of a document stored tells its replaced byte sequences, the
 * count of the decoding that built it (the CLI prints them without decoding again); a file
 * the path already holds is not decoded again and tells none. */
START_TEST(add_files_replaced)
{
    char *dir = tmpdir_new();
    size_t na, nb;
    char *src = tu_read(tu_path(tu_fixtures(), "reuse/source.txt"), &na);
    char *cp = tu_read(tu_path(tu_fixtures(), "reuse/copy.txt"), &nb);
    char *buf = malloc(na + nb + 16);
    write_file(tu_path(dir, "a.txt"), src, na);
    memcpy(buf, cp, nb);
    memcpy(buf + nb, "\xff x \xfe", 5);
    write_file(tu_path(dir, "b.txt"), buf, nb + 5);
    memcpy(buf, src, na);
    memcpy(buf + na, "\x80", 1);
    write_file(tu_path(dir, "c.txt"), buf, na + 1);
    char *dbdir = tmpdir_new(), db[4200];
    ovl_doc_opts doc = OVL_DOC_OPTS_INIT;
    doc.decode.lenient = 1;
    add_log l;
    char want[3][512];
    snprintf(want[0], sizeof want[0], "a.txt|a.txt|0|%d|%zu||0", OVL_INDEX_ADDED, na);
    snprintf(want[1], sizeof want[1], "b.txt|b.txt|0|%d|%zu||2", OVL_INDEX_ADDED, nb + 5);
    snprintf(want[2], sizeof want[2], "c.txt|c.txt|0|%d|%zu||1", OVL_INDEX_ADDED, na + 1);
    for (unsigned threads = 1; threads <= 3; threads += 2) {
        snprintf(db, sizeof db, "%s/%u.db", dbdir, threads);
        add_dir_doc(dir, db, &doc, threads, &l, OVL_OK);
        ck_assert_uint_eq(l.n, 3);
        for (size_t i = 0; i < 3; i++)
            ck_assert_str_eq(l.lines[i], want[i]);
    }
    /* Again: every file unchanged, none decoded, none counted; then c.txt's bytes change:
     * replaced, counted anew. */
    add_dir_doc(dir, db, &doc, 2, &l, OVL_OK);
    snprintf(want[0], sizeof want[0], "a.txt|a.txt|0|%d|%zu||0", OVL_INDEX_UNCHANGED, na);
    snprintf(want[1], sizeof want[1], "b.txt|b.txt|0|%d|%zu||0", OVL_INDEX_UNCHANGED, nb + 5);
    snprintf(want[2], sizeof want[2], "c.txt|c.txt|0|%d|%zu||0", OVL_INDEX_UNCHANGED, na + 1);
    for (size_t i = 0; i < 3; i++)
        ck_assert_str_eq(l.lines[i], want[i]);
    memcpy(buf + na, "\x80 y \x81 z \x82", 9);
    write_file(tu_path(dir, "c.txt"), buf, na + 9);
    add_dir_doc(dir, db, &doc, 1, &l, OVL_OK);
    snprintf(want[2], sizeof want[2], "c.txt|c.txt|0|%d|%zu||3", OVL_INDEX_REPLACED, na + 9);
    for (size_t i = 0; i < 3; i++)
        ck_assert_str_eq(l.lines[i], want[i]);
    /* Strict decoding: those files fail, nothing is counted. */
    snprintf(db, sizeof db, "%s/strict.db", dbdir);
    add_dir(dir, db, 1, &l, OVL_OK);
    ck_assert_str_eq(strrchr(l.lines[0], '|'), "|0");
    ck_assert_int_eq(strncmp(l.lines[1], "b.txt|b.txt|", 12), 0);
    ck_assert_msg(strstr(l.lines[1], "invalid UTF-8 sequence|0") != NULL, "b.txt: %s", l.lines[1]);
    ck_assert_msg(strstr(l.lines[2], "invalid UTF-8 sequence|0") != NULL, "c.txt: %s", l.lines[2]);
    free(buf);
    free(cp);
    free(src);
    rm_rf(dir);
    rm_rf(dbdir);
    free(dir);
    free(dbdir);
}
END_TEST

static Suite *index_suite(void)
{
    Suite *s = suite_create("index");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, library_query_load_align);
    tcase_add_test(tc, check_opts_old_version);
    tcase_add_test(tc, idempotent_replace_remove);
    tcase_add_test(tc, max_df_skips_shared_keys);
    tcase_add_test(tc, parameter_mismatch_refused);
    tcase_add_test(tc, foreign_files_refused);
    tcase_add_test(tc, verify_reports_orphan_rows);
    tcase_add_test(tc, damaged_counts_refused);
    tcase_add_test(tc, damaged_params_refused);
    tcase_add_test(tc, empty_file_refused);
    tcase_add_test(tc, concurrent_create);
    tcase_add_test(tc, damaged_bytes_and_blocks_in_check);
    tcase_add_test(tc, killed_add_leaves_consistent_index);
    tcase_add_test(tc, runs_answer_like_pending);
    tcase_add_test(tc, add_files_same_for_any_threads);
    tcase_add_test(tc, add_files_replaced);
    tcase_add_test(tc, fixture_check_equals_compare);
    suite_add_tcase(s, tc);
    TCase *ts = tcase_create("seeds");
    tcase_set_timeout(ts, 300);
    tcase_add_test(ts, seeds_check_equals_compare);
    suite_add_tcase(s, ts);
    return s;
}

int main(int argc, char **argv) { return tu_main(argc, argv, index_suite()); }
