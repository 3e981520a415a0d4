/* test_jsonl.c - the JSON lines reader (plain, gzip, zstd: records, offsets, bad records) and records in a corpus. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

/* Lines 1-8: a record, a blank line, an integer id, no id (CR LF), bad JSON, no text, a real
 * id, and a last line without a line break. */
static const char lines[] = "{\"id\":\"a\",\"text\":\"\\u4e2d\\u6587 first\"}\n"
                            "   \n"
                            "{\"text\":\"second\",\"id\":42}\n"
                            "{\"text\":\"no id\"}\r\n"
                            "{\"id\":\"b\",\"text\":}\n"
                            "{\"id\":\"c\"}\n"
                            "{\"id\":2.5,\"text\":\"real\"}\n"
                            "{\"id\":\"z\",\"text\":\"last\"}";

/* Reads every record of r into a "line:offset:length:id:text;" summary and the bad records
 * into "line message @offset;". Returns the final code (0 or a fatal error). */
static int summarize(ovl_jsonl *r, char *good, size_t gcap, char *bad, size_t bcap)
{
    ovl_ctx *ctx = ovl_ctx_new();
    good[0] = bad[0] = '\0';
    int rc;
    for (;;) {
        ovl_jsonl_record rec;
        rc = ovl_jsonl_next(ctx, r, &rec);
        if (rc == 1) {
            size_t n = strlen(good);
            snprintf(good + n, gcap - n, "%llu:%llu:%llu:%s%s:%s;", (unsigned long long)rec.line,
                     (unsigned long long)rec.offset, (unsigned long long)rec.length, rec.id,
                     rec.has_id ? "" : "(line)", rec.text);
        } else if (rc == OVL_ERR_DECODE) {
            size_t n = strlen(bad);
            snprintf(bad + n, bcap - n, "%s @%lld;", ovl_ctx_message(ctx), (long long)ovl_ctx_offset(ctx));
        } else {
            break;
        }
    }
    if (rc < 0) {
        size_t n = strlen(bad);
        snprintf(bad + n, bcap - n, "fatal %d: %s", rc, ovl_ctx_message(ctx));
    }
    ovl_ctx_free(ctx);
    return rc;
}

static const char want_good[] = "1:0:38:a:中文 first;3:43:25:42:second;4:69:17:4(line):no id;"
                                "7:117:24:2.5:real;8:142:24:z:last;";
static const char want_bad[] = "line 5: invalid JSON: unexpected token near '}' (column 18) @87;"
                               "line 6: no \"text\" field @106;";

START_TEST(plain_records_and_offsets)
{
    ovl_jsonl *r = NULL;
    ck_assert_int_eq(ovl_jsonl_open_bytes(NULL, lines, sizeof lines - 1, OVL_JSONL_PLAIN, NULL, &r), OVL_OK);
    char good[1024], bad[1024];
    ck_assert_int_eq(summarize(r, good, sizeof good, bad, sizeof bad), 0);
    ck_assert_str_eq(good, want_good);
    ck_assert_str_eq(bad, want_bad);
    ovl_jsonl_close(r);
    /* Each offset and length is the record's line in the input. */
    ck_assert_int_eq(memcmp(lines + 69, "{\"text\":\"no id\"}\r\n", 18), 0);
    /* Other field names. */
    const char other[] = "{\"name\":\"n\",\"body\":\"B\",\"text\":\"T\"}\n";
    ovl_jsonl_opts o = OVL_JSONL_OPTS_INIT;
    o.text_field = "body";
    o.id_field = "name";
    ck_assert_int_eq(ovl_jsonl_open_bytes(NULL, other, sizeof other - 1, OVL_JSONL_PLAIN, &o, &r), OVL_OK);
    ck_assert_int_eq(summarize(r, good, sizeof good, bad, sizeof bad), 0);
    ck_assert_str_eq(good, "1:0:34:n:B;");
    ovl_jsonl_close(r);
}
END_TEST

static char *gzip_bytes(const char *in, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    ck_assert_int_eq(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)len) + 64;
    char *out = malloc(cap);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

START_TEST(gzip_and_zstd_same_records)
{
    char good[1024], bad[1024];
    size_t gl = 0;
    char *gz = gzip_bytes(lines, sizeof lines - 1, &gl);
    ovl_jsonl *r = NULL;
    ck_assert_int_eq(ovl_jsonl_open_bytes(NULL, gz, gl, OVL_JSONL_GZIP, NULL, &r), OVL_OK);
    ck_assert_int_eq(summarize(r, good, sizeof good, bad, sizeof bad), 0);
    ck_assert_str_eq(good, want_good);
    ck_assert_str_eq(bad, want_bad);
    ovl_jsonl_close(r);

    size_t zcap = ZSTD_compressBound(sizeof lines);
    char *zs = malloc(zcap);
    size_t zl = ZSTD_compress(zs, zcap, lines, sizeof lines - 1, 3);
    ck_assert(!ZSTD_isError(zl));
    ck_assert_int_eq(ovl_jsonl_open_bytes(NULL, zs, zl, OVL_JSONL_ZSTD, NULL, &r), OVL_OK);
    ck_assert_int_eq(summarize(r, good, sizeof good, bad, sizeof bad), 0);
    ck_assert_str_eq(good, want_good);
    ck_assert_str_eq(bad, want_bad);
    ovl_jsonl_close(r);

    /* Cut short: the records before the cut, then a fatal error that repeats. */
    ck_assert_int_eq(ovl_jsonl_open_bytes(NULL, zs, zl - 5, OVL_JSONL_ZSTD, NULL, &r), OVL_OK);
    ck_assert_int_eq(summarize(r, good, sizeof good, bad, sizeof bad), OVL_ERR_IO);
    ck_assert_ptr_nonnull(strstr(bad, "fatal -3: zstd stream truncated after "));
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_jsonl_record rec;
    ck_assert_int_eq(ovl_jsonl_next(ctx, r, &rec), OVL_ERR_IO);
    ck_assert_ptr_nonnull(strstr(ovl_ctx_message(ctx), "truncated"));
    ovl_ctx_free(ctx);
    ovl_jsonl_close(r);
    free(zs);
    free(gz);
}
END_TEST

START_TEST(kind_from_name)
{
    ck_assert_int_eq(ovl_jsonl_kind("a/b.jsonl"), OVL_JSONL_PLAIN);
    ck_assert_int_eq(ovl_jsonl_kind("b.jsonl.gz"), OVL_JSONL_GZIP);
    ck_assert_int_eq(ovl_jsonl_kind("b.jsonl.zst"), OVL_JSONL_ZSTD);
    ck_assert_int_eq(ovl_jsonl_kind("b.json"), OVL_JSONL_NONE);
    ck_assert_int_eq(ovl_jsonl_kind("b.JSONL"), OVL_JSONL_NONE);
    ck_assert_int_eq(ovl_jsonl_kind("dir/.jsonl"), OVL_JSONL_NONE);
    ck_assert_int_eq(ovl_jsonl_kind(".jsonl"), OVL_JSONL_NONE);
}
END_TEST

/* A .jsonl file in a corpus: its records are documents named FILE#ID in line order, read
 * again from their lines; a repeated id is a problem. */
START_TEST(records_in_a_corpus)
{
    char dir[] = "/tmp/ovl_jsonl_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256], txt[256];
    snprintf(path, sizeof path, "%s/c.jsonl", dir);
    snprintf(txt, sizeof txt, "%s/c.jsonl.txt", dir);
    FILE *f = fopen(path, "wb");
    fputs("{\"id\":\"b\",\"text\":\"B text\"}\n{\"id\":\"a\",\"text\":\"A \\\"text\\\"\"}\n"
          "{\"id\":\"b\",\"text\":\"again\"}\n{\"text\":\"none\"}\n", f);
    fclose(f);
    f = fopen(txt, "wb");
    fputs("plain", f);
    fclose(f);
    ovl_corpus *c = ovl_corpus_new();
    ovl_ctx *ctx = ovl_ctx_new();
    ck_assert_int_eq(ovl_corpus_add_path(ctx, c, dir, NULL), OVL_OK);
    ck_assert_uint_eq(ovl_corpus_count(c), 4);
    const char *want[] = {"c.jsonl#b", "c.jsonl#a", "c.jsonl#4", "c.jsonl.txt"};
    const uint64_t want_line[] = {1, 2, 4, 0};
    for (size_t i = 0; i < 4; i++) {
        char name[300];
        snprintf(name, sizeof name, "%s/%s", dir, want[i]);
        ck_assert_str_eq(ovl_corpus_name(c, i), name);
        const char *file = NULL, *id = NULL;
        uint64_t line = 0;
        ck_assert_int_eq(ovl_corpus_record(c, i, &file, &id, &line), i < 3);
        ck_assert_uint_eq(line, want_line[i]);
        if (i < 3) {
            ck_assert_str_eq(file, path);
            ck_assert_str_eq(ovl_corpus_encoding(c, i), "UTF-8");
        } else {
            ck_assert_ptr_null(ovl_corpus_encoding(c, i));
        }
    }
    void *bytes = NULL;
    size_t len = 0;
    ck_assert_int_eq(ovl_corpus_read(ctx, c, 1, &bytes, &len), OVL_OK);
    ck_assert_uint_eq(len, 8);
    ck_assert_int_eq(memcmp(bytes, "A \"text\"", 8), 0);
    ck_assert_uint_eq(ovl_corpus_size(c, 1), 8);
    free(bytes);
    ck_assert_uint_eq(ovl_corpus_problem_count(c), 1);
    const ovl_problem *p = ovl_corpus_problem(c, 0);
    ck_assert_str_eq(p->path, path);
    ck_assert_str_eq(p->message, "line 3: duplicate id \"b\" (first on line 1)");
    ck_assert_int_eq(p->offset, 58);
    /* The file changed: the record is no longer on its line. */
    f = fopen(path, "wb");
    fputs("{\"id\":\"x\",\"text\":\"B text\"}\n", f);
    fclose(f);
    ck_assert_int_eq(ovl_corpus_read(ctx, c, 0, &bytes, &len), OVL_ERR_IO);
    ck_assert_str_eq(ovl_ctx_message(ctx), "changed since it was listed");
    ovl_corpus_free(c);

    /* Version 1 walk options (no record fields) are still accepted; an encoding rule. */
    c = ovl_corpus_new();
    ovl_walk_opts v1 = OVL_WALK_OPTS_INIT;
    v1.version = 1;
    ck_assert_int_eq(ovl_corpus_add_path(ctx, c, txt, &v1), OVL_OK);
    ovl_encoding_rule rule = {"*.txt", "EUC-KR"};
    ovl_walk_opts o = OVL_WALK_OPTS_INIT;
    o.encodings = &rule;
    o.nencodings = 1;
    ovl_corpus *c2 = ovl_corpus_new();
    ck_assert_int_eq(ovl_corpus_add_path(ctx, c2, txt, &o), OVL_OK);
    ck_assert_ptr_null(ovl_corpus_encoding(c, 0));
    ck_assert_str_eq(ovl_corpus_encoding(c2, 0), "EUC-KR");
    ovl_corpus_free(c);
    ovl_corpus_free(c2);
    ovl_ctx_free(ctx);
    unlink(path);
    unlink(txt);
    rmdir(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("jsonl");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, plain_records_and_offsets);
    tcase_add_test(tc, gzip_and_zstd_same_records);
    tcase_add_test(tc, kind_from_name);
    tcase_add_test(tc, records_in_a_corpus);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
