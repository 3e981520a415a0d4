/* test_report.c - Check suite for the report writers: golden text/JSON/JSONL, HTML escaping, ratios, sinks. */
#include "testutil.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <unistd.h>

/* ---- helpers ---------------------------------------------------------------------------- */

typedef struct buf {
    char *p;
    size_t len, cap;
    long calls_left; /* sink refuses once this reaches 0; -1 never */
} buf;

static int buf_sink(void *u, const void *data, size_t n)
{
    buf *b = u;
    if (b->calls_left == 0)
        return -1;
    if (b->calls_left > 0)
        b->calls_left--;
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        ck_assert_ptr_nonnull(b->p);
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

/* Renders r with opts; fails the test unless the writer returns OVL_OK. Caller frees. */
static char *render(const ovl_report *r, const ovl_report_opts *opts)
{
    buf b = {NULL, 0, 0, -1};
    ovl_ctx *ctx = ovl_ctx_new();
    int rc = ovl_report_write(ctx, r, opts, buf_sink, &b);
    ck_assert_msg(rc == OVL_OK, "ovl_report_write: %d %s", rc, ovl_ctx_message(ctx));
    ovl_ctx_free(ctx);
    if (!b.p)
        b.p = calloc(1, 1);
    return b.p;
}

/* Exact comparison that shows the whole actual output when it differs. */
static void expect_str(const char *actual, const char *expected)
{
    if (strcmp(actual, expected) != 0) {
        size_t i = 0;
        while (actual[i] && actual[i] == expected[i])
            i++;
        fprintf(stderr, "---- actual output ----\n%s\n---- first difference at byte %zu ----\n",
                actual, i);
    }
    ck_assert_msg(strcmp(actual, expected) == 0, "output differs from the golden text");
}

static ovl_doc *mkdoc(const char *name, const char *text)
{
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_doc *d = NULL;
    int rc = ovl_doc_from_bytes(ctx, name, text, strlen(text), NULL, &d);
    ck_assert_msg(rc == OVL_OK, "%s: %s", name, ovl_ctx_message(ctx));
    ovl_ctx_free(ctx);
    return d;
}

/* Code point index of the first occurrence of needle in the UTF-8 string s. */
static size_t cp_at(const char *s, const char *needle)
{
    const char *hit = strstr(s, needle);
    ck_assert_msg(hit != NULL, "'%s' not in the test text", needle);
    size_t n = 0;
    for (const char *p = s; p < hit; p++)
        n += ((unsigned char)*p & 0xC0) != 0x80;
    return n;
}

static size_t cp_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Span over the tokens from the one at the start of `from` to the one ending `to` (both
 * substrings of the document's text). */
static void span_of(const ovl_doc *d, const char *text, const char *from, const char *to,
                    ovl_span *s)
{
    const ovl_norm *nm = ovl_doc_norm(d);
    size_t c0 = cp_at(text, from), c1 = cp_at(text, to) + cp_len(to);
    size_t t0 = ovl_norm_token_at(nm, c0), t1 = ovl_norm_token_at(nm, c1);
    ck_assert_uint_lt(t0, t1);
    ovl_span_from_tokens(d, t0, t1, s);
    ck_assert_uint_eq(s->char_start, c0);
    ck_assert_uint_eq(s->char_end, c1);
}

/* ---- the shared example ----------------------------------------------------------------
 * A Chinese paragraph hard-wrapped like PDF text, and an edited copy in which the second
 * sentence moved first, a few characters changed, and an English sentence was reworded. */

static const char *TA =
    "人工智能技术的快速发展正在深刻改变传统教育的组织方式，\n"
    "学习者可以根据自身需要随时获取个性化的学习资源。\n"
    "与此同时，教师的角色也从知识的传授者逐渐转变为学习过程的引导者和促进者。\n"
    "Machine learning models are  increasingly used to grade student essays.\n";
static const char *TB =
    "与此同时，教师的角色也从知识的传授者逐步转变为学习过程的引导者与促进者。\n"
    "人工智能技术的迅速发展正在深刻改变传统教育的组织方式，学习者能够根据自身需要随时获取个性化的学习资源。\n"
    "Machine learning models are now widely used to grade essays.\n";

typedef struct example {
    ovl_doc *a, *b;
    ovl_report *r;
    ovl_passage p[3];
} example;

static void example_build(example *ex)
{
    ex->a = mkdoc("000.txt", TA);
    ex->b = mkdoc("001.txt", TB);
    memset(ex->p, 0, sizeof ex->p);
    span_of(ex->a, TA, "人工智能", "学习资源", &ex->p[0].a);
    span_of(ex->b, TB, "人工智能", "学习资源", &ex->p[0].b);
    ex->p[0].similarity = 0.9388;
    ex->p[0].matched_chars = 46;
    span_of(ex->a, TA, "与此同时", "促进者", &ex->p[1].a);
    span_of(ex->b, TB, "与此同时", "促进者", &ex->p[1].b);
    ex->p[1].similarity = 0.9412;
    ex->p[1].matched_chars = 32;
    ex->p[1].moved = 1;
    span_of(ex->a, TA, "Machine", "essays", &ex->p[2].a);
    span_of(ex->b, TB, "Machine", "essays", &ex->p[2].b);
    ex->p[2].similarity = 2.0 / 3.0;
    ex->p[2].matched_chars = 35;
    ex->r = ovl_report_new();
    ck_assert_ptr_nonnull(ex->r);
    ck_assert_int_eq(ovl_report_add_doc(ex->r, ex->a, "000.txt"), 0);
    ck_assert_int_eq(ovl_report_add_doc(ex->r, ex->b, "001.txt"), 1);
    ck_assert_int_eq(ovl_report_add_passages(ex->r, 0, 1, ex->p, 3), OVL_OK);
}

static void example_free(example *ex)
{
    ovl_report_free(ex->r);
    ovl_doc_free(ex->a);
    ovl_doc_free(ex->b);
}

/* ---- JSON shape checker (docs/json-schema.md, schema 1) --------------------------------- */

static const char *check_span(json_t *s, size_t ndocs)
{
    static const char *keys[] = {"doc", "byte_start", "byte_end", "char_start", "char_end",
                                 "line_start", "line_end"};
    if (!json_is_object(s))
        return "span is not an object";
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(s, keys[i]);
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return keys[i];
    }
    if (ndocs && (size_t)json_integer_value(json_object_get(s, "doc")) >= ndocs)
        return "span doc out of range";
    if (json_integer_value(json_object_get(s, "byte_start")) >
            json_integer_value(json_object_get(s, "byte_end")) ||
        json_integer_value(json_object_get(s, "char_start")) >
            json_integer_value(json_object_get(s, "char_end")) ||
        json_integer_value(json_object_get(s, "line_start")) >
            json_integer_value(json_object_get(s, "line_end")))
        return "span start after end";
    return NULL;
}

static const char *check_passage(json_t *p, size_t ndocs, int jsonl)
{
    const char *e;
    if (!json_is_object(p))
        return "passage is not an object";
    if ((e = check_span(json_object_get(p, "a"), ndocs)) || (e = check_span(json_object_get(p, "b"), ndocs)))
        return e;
    json_t *sim = json_object_get(p, "similarity");
    if (!json_is_number(sim) || json_number_value(sim) < 0 || json_number_value(sim) > 1)
        return "similarity";
    if (!json_is_integer(json_object_get(p, "matched_chars")))
        return "matched_chars";
    if (!json_is_boolean(json_object_get(p, "moved")))
        return "moved";
    if (jsonl && (!json_is_string(json_object_get(p, "a_path")) ||
                  !json_is_string(json_object_get(p, "b_path"))))
        return "a_path/b_path";
    return NULL;
}

/* NULL when text is a schema-1 report, else the first problem found. */
static const char *check_report_json(const char *text, int exclusions)
{
    static char msg[256];
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    if (!root) {
        snprintf(msg, sizeof msg, "parse error line %d: %s", jerr.line, jerr.text);
        return msg;
    }
    const char *e = NULL;
    json_t *docs = json_object_get(root, "documents"), *ps = json_object_get(root, "passages");
    if (!json_is_object(root))
        e = "root";
    else if (!json_is_integer(json_object_get(root, "schema")) ||
             json_integer_value(json_object_get(root, "schema")) != OVL_JSON_SCHEMA)
        e = "schema";
    else if (!json_is_string(json_object_get(root, "overlap_version")))
        e = "overlap_version";
    else if (!json_is_object(json_object_get(root, "params")))
        e = "params";
    else if (!json_is_array(docs))
        e = "documents";
    else if (!json_is_array(ps))
        e = "passages";
    for (size_t i = 0; !e && i < json_array_size(docs); i++) {
        json_t *d = json_array_get(docs, i);
        if (!json_is_object(d))
            e = "document is not an object";
        else if (json_integer_value(json_object_get(d, "id")) != (json_int_t)i)
            e = "document id";
        else if (!json_is_string(json_object_get(d, "path")))
            e = "path";
        else if (!json_is_string(json_object_get(d, "encoding")))
            e = "encoding";
        else if (!json_is_integer(json_object_get(d, "bytes")))
            e = "bytes";
        else if (!json_is_integer(json_object_get(d, "chars")))
            e = "chars";
        else if (!json_is_integer(json_object_get(d, "reused_chars")) ||
                 json_integer_value(json_object_get(d, "reused_chars")) >
                     json_integer_value(json_object_get(d, "chars")))
            e = "reused_chars";
        else if (!json_is_number(json_object_get(d, "reuse_ratio")))
            e = "reuse_ratio";
        else if (!json_is_integer(json_object_get(d, "sources")))
            e = "sources";
        else if (!json_is_integer(json_object_get(d, "top_source")) &&
                 !json_is_null(json_object_get(d, "top_source")))
            e = "top_source";
        else if (!json_is_number(json_object_get(d, "top_source_ratio")))
            e = "top_source_ratio";
        else if (exclusions != (json_object_get(d, "counted_ratio") != NULL))
            e = "counted_ratio present iff exclusions are on";
        else if (exclusions && (!json_is_integer(json_object_get(d, "counted_chars")) ||
                                !json_is_integer(json_object_get(d, "counted_reused_chars")) ||
                                !json_is_number(json_object_get(d, "counted_ratio"))))
            e = "counted_*";
    }
    for (size_t i = 0; !e && i < json_array_size(ps); i++)
        e = check_passage(json_array_get(ps, i), json_array_size(docs), 0);
    json_decref(root);
    return e;
}

/* ---- text ------------------------------------------------------------------------------- */

static const char *GOLDEN_TEXT =
    "overlap 0.1.0 · 2 documents · 3 passages\n"
    "[0] 000.txt · 162 chars · 156 reused · ratio 0.9630\n"
    "    without quotations 0.9630 (0 quoted chars) · without references 0.9630 (0 chars of references)\n"
    "    source [1] 001.txt · 156 chars · 0.9630\n"
    "[1] 001.txt · 150 chars · 144 reused · ratio 0.9600\n"
    "\n"
    "== [0] 000.txt ~ [1] 001.txt · 3 passages · A 156 reused (0.9630) · B 144 reused (0.9600) · "
    "top similarity 0.94\n"
    "\n"
    "@@ A 000.txt:1-2 ~ B 001.txt:2-2 · 51 chars · similarity 0.94 @@\n"
    "人工智能技术的[-快-]{+迅+}速发展正在深刻改变传统教育的组织方式，学习者[-可以-]{+能够+}根据自身需要随时获取个性化的学习资源\n"
    "\n"
    "@@ A 000.txt:3-3 ~ B 001.txt:1-1 · 35 chars · similarity 0.94 · moved @@\n"
    "与此同时，教师的角色也从知识的传授者逐[-渐-]{+步+}转变为学习过程的引导者[-和-]{+与+}促进者\n"
    "\n"
    "@@ A 000.txt:4-4 ~ B 001.txt:3-3 · 70 chars · similarity 0.67 @@\n"
    "Machine learning models are [-increasingly-]{+now widely+} used to grade [-student-] essays\n";

START_TEST(test_text_golden)
{
    example ex;
    example_build(&ex);
    ovl_report_opts o = OVL_REPORT_OPTS_INIT;
    char *out = render(ex.r, &o);
    expect_str(out, GOLDEN_TEXT);
    /* Same inputs, same bytes. */
    char *again = render(ex.r, &o);
    ck_assert_str_eq(out, again);
    free(out);
    free(again);
    example_free(&ex);
}
END_TEST

/* A program built against version 1 of the options (before with_text and stat) passes a
 * shorter struct: only that prefix is read, and the report is the default one. */
START_TEST(test_opts_version_1)
{
    example ex;
    example_build(&ex);
    struct {
        unsigned version;
        int format, color, exclude_quotes, exclude_refs;
        const char *params_json;
        int max_context;
    } v1 = {1, OVL_FORMAT_TEXT, 0, 0, 0, NULL, 0};
    char *out = render(ex.r, (const ovl_report_opts *)(const void *)&v1);
    expect_str(out, GOLDEN_TEXT);
    free(out);
    example_free(&ex);
}
END_TEST

START_TEST(test_text_color)
{
    example ex;
    example_build(&ex);
    ovl_report *r = ovl_report_new();
    ck_assert_int_eq(ovl_report_add_doc(r, ex.a, "000.txt"), 0);
    ck_assert_int_eq(ovl_report_add_doc(r, ex.b, "001.txt"), 1);
    ck_assert_int_eq(ovl_report_add_passages(r, 0, 1, &ex.p[2], 1), OVL_OK);
    ovl_report_opts o = OVL_REPORT_OPTS_INIT;
    o.color = 1;
    char *out = render(r, &o);
    expect_str(out,
               "overlap 0.1.0 · 2 documents · 1 passage\n"
               "[0] 000.txt · 162 chars · 70 reused · ratio 0.4321\n"
               "    without quotations 0.4321 (0 quoted chars) · without references 0.4321 (0 chars of references)\n"
               "    source [1] 001.txt · 70 chars · 0.4321\n"
               "[1] 001.txt · 150 chars · 59 reused · ratio 0.3933\n"
               "\n"
               "\x1b[36m== [0] 000.txt ~ [1] 001.txt · 1 passage · A 70 reused (0.4321) · B 59 reused "
               "(0.3933) · top similarity 0.67\x1b[0m\n"
               "\n"
               "\x1b[36m@@ A 000.txt:4-4 ~ B 001.txt:3-3 · 70 chars · similarity 0.67 @@\x1b[0m\n"
               "Machine learning models are \x1b[31m[-increasingly-]\x1b[0m\x1b[32m{+now widely+}"
               "\x1b[0m used to grade \x1b[31m[-student-]\x1b[0m essays\n");
    free(out);
    ovl_report_free(r);
    example_free(&ex);
}
END_TEST

START_TEST(test_text_max_context)
{
    example ex;
    example_build(&ex);
    ovl_report *r = ovl_report_new();
    ck_assert_int_eq(ovl_report_add_doc(r, ex.a, "000.txt"), 0);
    ck_assert_int_eq(ovl_report_add_doc(r, ex.b, "001.txt"), 1);
    ck_assert_int_eq(ovl_report_add_passages(r, 0, 1, &ex.p[0], 1), OVL_OK);
    ovl_report_opts o = OVL_REPORT_OPTS_INIT;
    o.max_context = 10;
    char *out = render(r, &o);
    /* Ten characters shown: 人工智能技术的 (7), 快 (deleted), 迅 (inserted), 速. */
    const char *body = strstr(out, "@@\n");
    ck_assert_ptr_nonnull(body);
    expect_str(body + 3, "人工智能技术的[-快-]{+迅+}速 …\n");
    free(out);
    ovl_report_free(r);
    example_free(&ex);
}
END_TEST

/* ---- JSON ------------------------------------------------------------------------------- */

static const char *GOLDEN_JSON =
    "{\n"
    "  \"schema\": 1,\n"
    "  \"overlap_version\": \"0.1.0\",\n"
    "  \"params\": {\n"
    "    \"min_cjk\": 20,\n"
    "    \"threshold\": 0.5\n"
    "  },\n"
    "  \"documents\": [\n"
    "    {\n"
    "      \"id\": 0,\n"
    "      \"path\": \"000.txt\",\n"
    "      \"encoding\": \"UTF-8\",\n"
    "      \"bytes\": 336,\n"
    "      \"chars\": 162,\n"
    "      \"reused_chars\": 86,\n"
    "      \"reuse_ratio\": 0.5309,\n"
    "      \"sources\": 1,\n"
    "      \"top_source\": 1,\n"
    "      \"top_source_ratio\": 0.5309,\n"
    "      \"quoted_chars\": 0,\n"
    "      \"ratio_without_quotes\": 0.5309,\n"
    "      \"reference_chars\": 0,\n"
    "      \"ratio_without_references\": 0.5309,\n"
    "      \"shares\": [\n"
    "        {\n"
    "          \"doc\": 1,\n"
    "          \"path\": \"001.txt\",\n"
    "          \"chars\": 86,\n"
    "          \"ratio\": 0.5309\n"
    "        }\n"
    "      ],\n"
    "      \"sections\": []\n"
    "    },\n"
    "    {\n"
    "      \"id\": 1,\n"
    "      \"path\": \"001.txt\",\n"
    "      \"encoding\": \"UTF-8\",\n"
    "      \"bytes\": 324,\n"
    "      \"chars\": 150,\n"
    "      \"reused_chars\": 85,\n"
    "      \"reuse_ratio\": 0.5667,\n"
    "      \"sources\": 1,\n"
    "      \"top_source\": 0,\n"
    "      \"top_source_ratio\": 0.5667\n"
    "    }\n"
    "  ],\n"
    "  \"passages\": [\n"
    "    {\n"
    "      \"a\": {\n"
    "        \"doc\": 0,\n"
    "        \"byte_start\": 0,\n"
    "        \"byte_end\": 151,\n"
    "        \"char_start\": 0,\n"
    "        \"char_end\": 51,\n"
    "        \"line_start\": 1,\n"
    "        \"line_end\": 2\n"
    "      },\n"
    "      \"b\": {\n"
    "        \"doc\": 1,\n"
    "        \"byte_start\": 109,\n"
    "        \"byte_end\": 259,\n"
    "        \"char_start\": 37,\n"
    "        \"char_end\": 87,\n"
    "        \"line_start\": 2,\n"
    "        \"line_end\": 2\n"
    "      },\n"
    "      \"similarity\": 0.9388,\n"
    "      \"matched_chars\": 46,\n"
    "      \"moved\": false\n"
    "    },\n"
    "    {\n"
    "      \"a\": {\n"
    "        \"doc\": 0,\n"
    "        \"byte_start\": 155,\n"
    "        \"byte_end\": 260,\n"
    "        \"char_start\": 53,\n"
    "        \"char_end\": 88,\n"
    "        \"line_start\": 3,\n"
    "        \"line_end\": 3\n"
    "      },\n"
    "      \"b\": {\n"
    "        \"doc\": 1,\n"
    "        \"byte_start\": 0,\n"
    "        \"byte_end\": 105,\n"
    "        \"char_start\": 0,\n"
    "        \"char_end\": 35,\n"
    "        \"line_start\": 1,\n"
    "        \"line_end\": 1\n"
    "      },\n"
    "      \"similarity\": 0.9412,\n"
    "      \"matched_chars\": 32,\n"
    "      \"moved\": true\n"
    "    }\n"
    "  ],\n"
    "  \"pairs\": [\n"
    "    {\n"
    "      \"a\": 0,\n"
    "      \"b\": 1,\n"
    "      \"a_path\": \"000.txt\",\n"
    "      \"b_path\": \"001.txt\",\n"
    "      \"passages\": 2,\n"
    "      \"a_reused_chars\": 86,\n"
    "      \"a_ratio\": 0.5309,\n"
    "      \"b_reused_chars\": 85,\n"
    "      \"b_ratio\": 0.5667,\n"
    "      \"top_similarity\": 0.9412\n"
    "    }\n"
    "  ]\n"
    "}\n";

START_TEST(test_json_golden)
{
    example ex;
    example_build(&ex);
    ovl_report *r = ovl_report_new();
    ck_assert_int_eq(ovl_report_add_doc(r, ex.a, "000.txt"), 0);
    ck_assert_int_eq(ovl_report_add_doc(r, ex.b, "001.txt"), 1);
    ck_assert_int_eq(ovl_report_add_passages(r, 0, 1, ex.p, 2), OVL_OK);
    ovl_report_opts o = OVL_REPORT_OPTS_INIT;
    o.format = OVL_FORMAT_JSON;
    o.params_json = "{\"min_cjk\":20,\"threshold\":0.50}";
    char *out = render(r, &o);
    expect_str(out, GOLDEN_JSON);
    const char *err = check_report_json(out, 0);
    ck_assert_msg(err == NULL, "schema check: %s", err);
    free(out);
    ovl_report_free(r);
    example_free(&ex);
}
END_TEST

START_TEST(test_json_exclusions_shape)
{
    example ex;
    example_build(&ex);
    ovl_report_opts o = OVL_REPORT_OPTS_INIT;
    o.format = OVL_FORMAT_JSON;
    o.exclude_quotes = 1;
    char *out = render(ex.r, &o);
    const char *err = check_report_json(out, 1);
    ck_assert_msg(err == NULL, "schema check: %s", err);
    /* No quotation marks in the example: counted figures equal the plain ones. */
    ck_assert_ptr_nonnull(strstr(out, "      \"counted_chars\": 162,\n"
                                      "      \"counted_reused_chars\": 156,\n"
                                      "      \"counted_ratio\": 0.963,\n"));
    free(out);
    /* The checker itself rejects a broken shape. */
    ck_assert_ptr_nonnull(check_report_json("{\"schema\":1,\"overlap_version\":\"x\",\"params\":{},"
                                            "\"documents\":[],\"passages\":[{\"a\":{}}]}", 0));
    ck_assert_ptr_nonnull(check_report_json("{\"schema\":2,\"overlap_version\":\"x\",\"params\":{},"
                                            "\"documents\":[],\"passages\":[]}", 0));
    ck_assert_ptr_null(check_report_json("{\"schema\":1,\"overlap_version\":\"x\",\"params\":{},"
                                         "\"documents\":[],\"passages\":[]}", 0));
    example_free(&ex);
}
END_TEST

START_TEST(test_jsonl)
{
    example ex;
    example_build(&ex);
    ovl_report_opts o = OVL_REPORT_OPTS_INIT;
    o.format = OVL_FORMAT_JSONL;
    char *out = render(ex.r, &o);
    expect_str(out,
               "{\"pair\":{\"a\":0,\"b\":1,\"a_path\":\"000.txt\",\"b_path\":\"001.txt\","
               "\"passages\":3,\"a_reused_chars\":156,\"a_ratio\":0.963,\"b_reused_chars\":144,"
               "\"b_ratio\":0.96,\"top_similarity\":0.9412}}\n"
               "{\"a_path\":\"000.txt\",\"b_path\":\"001.txt\",\"a\":{\"doc\":0,\"byte_start\":0,"
               "\"byte_end\":151,\"char_start\":0,\"char_end\":51,\"line_start\":1,\"line_end\":2},"
               "\"b\":{\"doc\":1,\"byte_start\":109,\"byte_end\":259,\"char_start\":37,\"char_end\":87,"
               "\"line_start\":2,\"line_end\":2},\"similarity\":0.9388,\"matched_chars\":46,"
               "\"moved\":false}\n"
               "{\"a_path\":\"000.txt\",\"b_path\":\"001.txt\",\"a\":{\"doc\":0,\"byte_start\":155,"
               "\"byte_end\":260,\"char_start\":53,\"char_end\":88,\"line_start\":3,\"line_end\":3},"
               "\"b\":{\"doc\":1,\"byte_start\":0,\"byte_end\":105,\"char_start\":0,\"char_end\":35,"
               "\"line_start\":1,\"line_end\":1},\"similarity\":0.9412,\"matched_chars\":32,"
               "\"moved\":true}\n"
               "{\"a_path\":\"000.txt\",\"b_path\":\"001.txt\",\"a\":{\"doc\":0,\"byte_start\":264,"
               "\"byte_end\":334,\"char_start\":90,\"char_end\":160,\"line_start\":4,\"line_end\":4},"
               "\"b\":{\"doc\":1,\"byte_start\":263,\"byte_end\":322,\"char_start\":89,\"char_end\":148,"
               "\"line_start\":3,\"line_end\":3},\"similarity\":0.6667,\"matched_chars\":35,"
               "\"moved\":false}\n");
    /* A pair record, then every line a passage object of the documented shape. */
    char *save = NULL;
    int lines = 0, pairs = 0;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_t *p = json_loads(line, 0, NULL);
        ck_assert_ptr_nonnull(p);
        if (json_object_get(p, "pair")) {
            ck_assert_int_eq(lines, 0);
            ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(p, "pair"), "passages")), 3);
            pairs++;
        } else {
            const char *err = check_passage(p, 2, 1);
            ck_assert_msg(err == NULL, "line %d: %s", lines, err);
        }
        json_decref(p);
        lines++;
    }
    ck_assert_int_eq(lines, 4);
    ck_assert_int_eq(pairs, 1);
    free(out);
    example_free(&ex);
}
END_TEST

/* Passages from the real aligner: one header per passage, and the JSON shape holds. */
START_TEST(test_aligned_report)
{
    example ex;
    example_build(&ex);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_passage *p = NULL;
    size_t n = 0;
    ck_assert_int_eq(ovl_align(ctx, ex.a, ex.b, NULL, &p, &n), OVL_OK);
    /* The two Chinese sentences, swapped in B, are one shuffled stretch: one passage over
     * both sentences on each side (the reworded English sentence is too short a match). */
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(p[0].a.char_start, 0);
    ck_assert_uint_eq(p[0].a.char_end, cp_at(TA, "促进者") + cp_len("促进者"));
    ck_assert_uint_eq(p[0].b.char_start, 0);
    ck_assert_uint_eq(p[0].b.char_end, cp_at(TB, "学习资源") + cp_len("学习资源"));
    ovl_report *r = ovl_report_new();
    ck_assert_int_eq(ovl_report_add_doc(r, ex.a, "000.txt"), 0);
    ck_assert_int_eq(ovl_report_add_doc(r, ex.b, "001.txt"), 1);
    ck_assert_int_eq(ovl_report_add_passages(r, 0, 1, p, n), OVL_OK);
    ck_assert_uint_eq(ovl_report_passage_count(r), n);
    ovl_report_opts o = OVL_REPORT_OPTS_INIT;
    char *text = render(r, &o);
    size_t headers = 0;
    for (const char *s = text; (s = strstr(s, "\n@@ A 000.txt:")); s++)
        headers++;
    ck_assert_uint_eq(headers, n);
    o.format = OVL_FORMAT_JSON;
    char *json = render(r, &o);
    const char *err = check_report_json(json, 0);
    ck_assert_msg(err == NULL, "schema check: %s", err);
    json_t *root = json_loads(json, 0, NULL);
    ck_assert_uint_eq(json_array_size(json_object_get(root, "passages")), n);
    json_decref(root);
    free(text);
    free(json);
    free(p);
    ovl_report_free(r);
    ovl_ctx_free(ctx);
    example_free(&ex);
}
END_TEST

/* ---- escaping --------------------------------------------------------------------------- */

static const char *EVIL =
    "前言<script>document.title=\"pwned\"</script> & 'single' \"double\"\x1b[31m红色\n"
    "天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏闰余成岁律吕调阳。\n";

START_TEST(test_escaping)
{
    ovl_doc *a = mkdoc("evil", EVIL), *b = mkdoc("evil2", EVIL);
    ovl_report *r = ovl_report_new();
    ck_assert_int_eq(ovl_report_add_doc(r, a, "dir/\"quoted\"<b>.txt"), 0);
    ck_assert_int_eq(ovl_report_add_doc(r, b, "plain.txt"), 1);
    ovl_passage p;
    memset(&p, 0, sizeof p);
    span_of(a, EVIL, "前言", "红色", &p.a);
    span_of(b, EVIL, "天地", "调阳", &p.b);
    p.similarity = 0.5;
    ck_assert_int_eq(ovl_report_add_passages(r, 0, 1, &p, 1), OVL_OK);

    ovl_report_opts o = OVL_REPORT_OPTS_INIT;
    o.format = OVL_FORMAT_HTML;
    char *html = render(r, &o);
    /* Document text and labels are inert: only the report's own script element exists. */
    const char *first = strstr(html, "<script>");
    ck_assert_ptr_nonnull(first);
    ck_assert_ptr_null(strstr(first + 1, "<script>"));
    ck_assert_ptr_null(strstr(html, "<b>"));
    ck_assert_ptr_nonnull(strstr(html, "<mark class=\"hl s0\" data-pair=\"0\" data-side=\"a\" "
                                       "id=\"p0a\" data-n=\"1\" tabindex=\"0\" title=\"passage 1 · "
                                       "[1] plain.txt · similarity 0.50\">"
                                       "前言&lt;script&gt;document.title=&quot;pwned&quot;"
                                       "&lt;/script&gt; &amp; &#39;single&#39; &quot;double&quot;"
                                       "\xEF\xBF\xBD[31m红色</mark>"));
    /* The same text inside the source pane's deletion. */
    ck_assert_ptr_nonnull(strstr(html, "<del>前言&lt;script&gt;document.title=&quot;pwned&quot;"));
    ck_assert_ptr_nonnull(strstr(html, "<h2>[0] dir/&quot;quoted&quot;&lt;b&gt;.txt</h2>"));
    ck_assert_ptr_nonnull(strstr(html, "<td class=\"path\">dir/&quot;quoted&quot;&lt;b&gt;.txt</td>"));
    free(html);

    o.format = OVL_FORMAT_JSON;
    char *json = render(r, &o);
    ck_assert_ptr_nonnull(strstr(json, "\"path\": \"dir/\\\"quoted\\\"<b>.txt\","));
    ck_assert_ptr_null(check_report_json(json, 0));
    free(json);

    /* Terminal output: the escape character in the document is neutralized. */
    o.format = OVL_FORMAT_TEXT;
    char *text = render(r, &o);
    ck_assert_ptr_null(strchr(text, '\x1b'));
    ck_assert_ptr_nonnull(strstr(text, "\"double\"\xEF\xBF\xBD[31m红色"));
    free(text);
    ovl_report_free(r);
    ovl_doc_free(a);
    ovl_doc_free(b);
}
END_TEST

/* ---- ratios ----------------------------------------------------------------------------- */

/* Stats of document 0 of a report where passage [from, to] of text (doc 0) is matched
 * against the same stretch of a copy (doc 1). */
static ovl_doc_stats ratio_of(const char *text, const char *from, const char *to, int quotes,
                              int refs)
{
    ovl_doc *a = mkdoc("a", text), *b = mkdoc("b", text);
    ovl_report *r = ovl_report_new();
    ck_assert_int_eq(ovl_report_add_doc(r, a, "a"), 0);
    ck_assert_int_eq(ovl_report_add_doc(r, b, "b"), 1);
    ovl_passage p;
    memset(&p, 0, sizeof p);
    span_of(a, text, from, to, &p.a);
    span_of(b, text, from, to, &p.b);
    p.similarity = 1.0;
    ck_assert_int_eq(ovl_report_add_passages(r, 0, 1, &p, 1), OVL_OK);
    ovl_report_opts o = OVL_REPORT_OPTS_INIT;
    o.exclude_quotes = quotes;
    o.exclude_refs = refs;
    ovl_doc_stats st;
    ck_assert_int_eq(ovl_report_doc_stats(r, 0, &o, &st), OVL_OK);
    ovl_report_free(r);
    ovl_doc_free(a);
    ovl_doc_free(b);
    return st;
}

START_TEST(test_ratio_quotes)
{
    /* 16 characters; the quotation “六七八九十” is 7 of them, marks included. */
    const char *t = "一二三四五“六七八九十”甲乙丙丁";
    ovl_doc_stats st = ratio_of(t, "三", "七", 1, 0);
    ck_assert_uint_eq(st.chars, 16);
    ck_assert_uint_eq(st.reused_chars, 6); /* 三四五“六七 */
    ck_assert_double_eq_tol(st.reuse_ratio, 6.0 / 16.0, 1e-12);
    ck_assert_uint_eq(st.counted_chars, 9);
    ck_assert_uint_eq(st.counted_reused, 3); /* 三四五 */
    ck_assert_double_eq_tol(st.counted_ratio, 3.0 / 9.0, 1e-12);
    ck_assert_int_eq(st.top_source, 1);
    ck_assert_double_eq_tol(st.top_source_ratio, 6.0 / 16.0, 1e-12);

    /* Without the option nothing is excluded. */
    st = ratio_of(t, "三", "七", 0, 0);
    ck_assert_uint_eq(st.counted_chars, 16);
    ck_assert_uint_eq(st.counted_reused, 6);

    /* 「」, 『』 and ASCII quotes; 27 characters, 4 + 4 + 4 quoted. */
    const char *t2 = "甲乙「丙丁」戊己『庚辛』壬癸子丑寅卯\"ab\"辰巳午未申";
    st = ratio_of(t2, "甲", "申", 1, 0);
    ck_assert_uint_eq(st.chars, 27);
    ck_assert_uint_eq(st.reused_chars, 27);
    ck_assert_uint_eq(st.counted_chars, 27 - 4 - 4 - 4);
    ck_assert_uint_eq(st.counted_reused, 15);

    /* An opening mark without its closing one before a blank line is a stray character. */
    const char *t3 = "一二“三四五\n\n六七”八九";
    st = ratio_of(t3, "一", "九", 1, 0);
    ck_assert_uint_eq(st.chars, 13);
    ck_assert_uint_eq(st.counted_chars, 13);
    /* ... but a single line break inside a quotation (a hard wrap) does not end it. */
    const char *t4 = "一二“三四\n五六”七八";
    st = ratio_of(t4, "一", "八", 1, 0);
    ck_assert_uint_eq(st.chars, 11);
    ck_assert_uint_eq(st.counted_chars, 11 - 7);
    ck_assert_uint_eq(st.counted_reused, 4);
}
END_TEST

START_TEST(test_ratio_refs)
{
    /* Body 10 + 1 newline; heading line "7 参考文献" 6 + 1; list 13 characters. The
     * passage runs from 宇宙 (index 4) to the end of 论文题目 (index 30). */
    const char *t = "天地玄黄宇宙洪荒日月\n7 参考文献\n[1] 张三. 论文题目.";
    ovl_doc_stats st = ratio_of(t, "宇宙", "论文题目", 0, 1);
    ck_assert_uint_eq(st.chars, 31);
    ck_assert_uint_eq(st.reused_chars, 26);
    ck_assert_uint_eq(st.counted_chars, 11);
    ck_assert_uint_eq(st.counted_reused, 7); /* 宇宙洪荒日月 + newline */
    ck_assert_double_eq_tol(st.counted_ratio, 7.0 / 11.0, 1e-12);

    /* Heading forms that count, and lines that merely mention the word. */
    static const char *heads[] = {"参考文献", "【参考文献】", "[ 参考文献 ]", "References",
                                  "REFERENCES:", "Bibliography", "  参 考 文 献  ", "五、参考文献",
                                  "3. References"};
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        char doc[256];
        snprintf(doc, sizeof doc, "天地玄黄宇宙洪荒日月\n%s\n甲乙丙丁", heads[i]);
        st = ratio_of(doc, "天地", "甲乙丙丁", 0, 1);
        ck_assert_msg(st.counted_chars == 11, "heading '%s': counted %llu", heads[i],
                      (unsigned long long)st.counted_chars);
    }
    static const char *not_heads[] = {"参考文献很多", "see References below", "References and notes"};
    for (size_t i = 0; i < sizeof not_heads / sizeof not_heads[0]; i++) {
        char doc[256];
        snprintf(doc, sizeof doc, "天地玄黄宇宙洪荒日月\n%s\n甲乙丙丁", not_heads[i]);
        st = ratio_of(doc, "天地", "甲乙丙丁", 0, 1);
        ck_assert_msg(st.counted_chars == st.chars, "'%s' taken for a heading", not_heads[i]);
    }
    /* The last heading wins (a table of contents may list it first). */
    st = ratio_of("参考文献\n天地玄黄\n参考文献\n甲乙", "天地", "甲乙", 0, 1);
    ck_assert_uint_eq(st.chars, 17);
    ck_assert_uint_eq(st.counted_chars, 10);

    /* Both exclusions together. */
    st = ratio_of("一“二三”四\n参考文献\n五六", "一", "五六", 1, 1);
    ck_assert_uint_eq(st.chars, 14);
    ck_assert_uint_eq(st.counted_chars, 3); /* 一, 四, newline */
}
END_TEST

START_TEST(test_top_source)
{
    const char *t = "天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏闰余成岁律吕调阳";
    ovl_doc *d0 = mkdoc("t", t), *d1 = mkdoc("s1", t), *d2 = mkdoc("s2", t);
    ovl_report *r = ovl_report_new();
    ck_assert_int_eq(ovl_report_add_doc(r, d0, "target.txt"), 0);
    ck_assert_int_eq(ovl_report_add_doc(r, d1, "s1.txt"), 1);
    ck_assert_int_eq(ovl_report_add_doc(r, d2, "s2.txt"), 2);
    ovl_passage p[2];
    memset(p, 0, sizeof p);
    span_of(d0, t, "天地", "日月", &p[0].a); /* 10 chars from s1 */
    span_of(d1, t, "天地", "日月", &p[0].b);
    span_of(d0, t, "洪荒", "往秋", &p[1].a); /* 15 chars from s2, 4 shared with the first */
    span_of(d2, t, "洪荒", "往秋", &p[1].b);
    p[0].similarity = p[1].similarity = 1.0;
    ck_assert_int_eq(ovl_report_add_passages(r, 0, 1, &p[0], 1), OVL_OK);
    ck_assert_int_eq(ovl_report_add_passages(r, 0, 2, &p[1], 1), OVL_OK);
    ovl_doc_stats st;
    ck_assert_int_eq(ovl_report_doc_stats(r, 0, NULL, &st), OVL_OK);
    ck_assert_uint_eq(st.chars, 32);
    ck_assert_uint_eq(st.reused_chars, 21);
    ck_assert_int_eq(st.top_source, 2);
    ck_assert_double_eq_tol(st.top_source_ratio, 15.0 / 32.0, 1e-12);
    ck_assert_int_eq(ovl_report_doc_stats(r, 1, NULL, &st), OVL_OK);
    ck_assert_uint_eq(st.reused_chars, 10);
    ck_assert_int_eq(st.top_source, 0);

    /* Equal coverage: the lower id wins, whatever order the passages came in. */
    ovl_report *tie = ovl_report_new();
    ck_assert_int_eq(ovl_report_add_doc(tie, d0, "target.txt"), 0);
    ck_assert_int_eq(ovl_report_add_doc(tie, d1, "s1.txt"), 1);
    ck_assert_int_eq(ovl_report_add_doc(tie, d2, "s2.txt"), 2);
    ovl_passage q[2];
    memset(q, 0, sizeof q);
    span_of(d0, t, "盈昃", "往秋", &q[0].a); /* 11 chars from s2, added first */
    span_of(d2, t, "盈昃", "往秋", &q[0].b);
    span_of(d0, t, "天地", "月盈", &q[1].a); /* 11 chars from s1, 盈 shared */
    span_of(d1, t, "天地", "月盈", &q[1].b);
    ck_assert_int_eq(ovl_report_add_passages(tie, 0, 2, &q[0], 1), OVL_OK);
    ck_assert_int_eq(ovl_report_add_passages(tie, 0, 1, &q[1], 1), OVL_OK);
    ck_assert_int_eq(ovl_report_doc_stats(tie, 0, NULL, &st), OVL_OK);
    ck_assert_uint_eq(st.reused_chars, 21);
    ck_assert_int_eq(st.top_source, 1);
    ck_assert_double_eq_tol(st.top_source_ratio, 11.0 / 32.0, 1e-12);
    /* The same as a source list: ties in id order, each share its own union. */
    ovl_source_share *sh = NULL;
    ovl_section_stats *sec = NULL;
    size_t nsh = 0, nsec = 9;
    ck_assert_int_eq(ovl_report_doc_sources(tie, 0, &sh, &nsh, &sec, &nsec), OVL_OK);
    ck_assert_uint_eq(nsh, 2);
    ck_assert_int_eq(sh[0].doc, 1);
    ck_assert_uint_eq(sh[0].chars, 11);
    ck_assert_int_eq(sh[1].doc, 2);
    ck_assert_uint_eq(sh[1].chars, 11);
    ck_assert_double_eq_tol(sh[1].ratio, 11.0 / 32.0, 1e-12);
    ck_assert_uint_eq(nsec, 0); /* no heading, no sections */
    ck_assert_ptr_null(sec);
    free(sh);
    ck_assert_int_eq(ovl_report_doc_sources(tie, 3, &sh, &nsh, NULL, NULL), OVL_ERR_INVALID);
    ovl_report_free(tie);

    /* Sections from headings: the text before the first, then one per heading. */
    const char *h = "题目\n一、天地\n天地玄黄宇宙洪荒日月\n二、盈昃\n盈昃辰宿列张寒来暑往";
    ovl_doc *dh = mkdoc("h", h), *ds = mkdoc("s", h);
    ovl_report *rh = ovl_report_new();
    ck_assert_int_eq(ovl_report_add_doc(rh, dh, "h.txt"), 0);
    ck_assert_int_eq(ovl_report_add_doc(rh, ds, "s.txt"), 1);
    ovl_passage ph;
    memset(&ph, 0, sizeof ph);
    span_of(dh, h, "宇宙", "日月", &ph.a); /* 6 characters of section 一 */
    span_of(ds, h, "宇宙", "日月", &ph.b);
    ck_assert_int_eq(ovl_report_add_passages(rh, 0, 1, &ph, 1), OVL_OK);
    ck_assert_int_eq(ovl_report_doc_sources(rh, 0, NULL, NULL, &sec, &nsec), OVL_OK);
    ck_assert_uint_eq(nsec, 3);
    ck_assert_str_eq(sec[0].title, "");
    ck_assert_uint_eq(sec[0].char_start, 0);
    ck_assert_uint_eq(sec[0].char_end, 3);
    ck_assert_str_eq(sec[1].title, "一、天地");
    ck_assert_uint_eq(sec[1].char_start, 3);
    ck_assert_uint_eq(sec[1].char_end, 19); /* 一、天地 + newline + 10 + newline */
    ck_assert_uint_eq(sec[1].reused_chars, 6);
    ck_assert_double_eq_tol(sec[1].ratio, 6.0 / 16.0, 1e-12);
    ck_assert_str_eq(sec[2].title, "二、盈昃");
    ck_assert_uint_eq(sec[2].char_end, 34); /* 二、盈昃 + newline + 10 characters, the end */
    ck_assert_uint_eq(sec[2].reused_chars, 0);
    ovl_report_sections_free(sec, nsec);
    ovl_report_sections_free(NULL, 0);
    ovl_report_free(rh);
    ovl_doc_free(dh);
    ovl_doc_free(ds);

    ovl_report_opts o = OVL_REPORT_OPTS_INIT;
    char *out = render(r, &o);
    expect_str(out,
               "overlap 0.1.0 · 3 documents · 2 passages\n"
               "[0] target.txt · 32 chars · 21 reused · ratio 0.6562 · top source [2] s2.txt 0.4688\n"
               "    without quotations 0.6562 (0 quoted chars) · without references 0.6562 (0 chars of references)\n"
               "    source [2] s2.txt · 15 chars · 0.4688\n"
               "    source [1] s1.txt · 10 chars · 0.3125\n"
               "[1] s1.txt · 32 chars · 10 reused · ratio 0.3125\n"
               "[2] s2.txt · 32 chars · 15 reused · ratio 0.4688\n"
               "\n"
               "== [0] target.txt ~ [1] s1.txt · 1 passage · A 10 reused (0.3125) · B 10 reused "
               "(0.3125) · top similarity 1.00\n"
               "\n"
               "@@ A target.txt:1-1 ~ B s1.txt:1-1 · 10 chars · similarity 1.00 @@\n"
               "天地玄黄宇宙洪荒日月\n"
               "\n"
               "== [0] target.txt ~ [2] s2.txt · 1 passage · A 15 reused (0.4688) · B 15 reused "
               "(0.4688) · top similarity 1.00\n"
               "\n"
               "@@ A target.txt:1-1 ~ B s2.txt:1-1 · 15 chars · similarity 1.00 @@\n"
               "洪荒日月盈昃辰宿列张寒来暑往秋\n");
    free(out);
    ovl_report_free(r);
    ovl_doc_free(d0);
    ovl_doc_free(d1);
    ovl_doc_free(d2);
}
END_TEST

/* ---- HTML ------------------------------------------------------------------------------- */

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (; (s = strstr(s, needle)); s += strlen(needle))
        n++;
    return n;
}

START_TEST(test_html_structure)
{
    example ex;
    example_build(&ex);
    ovl_report_opts o = OVL_REPORT_OPTS_INIT;
    o.format = OVL_FORMAT_HTML;
    char *html = render(ex.r, &o);
    ck_assert_ptr_nonnull(strstr(html, "<body data-ovl-passages=\"3\">"));
    for (int k = 0; k < 3; k++) {
        char id[64];
        snprintf(id, sizeof id, " id=\"p%da\"", k);
        ck_assert_uint_eq(count(html, id), 1);
        snprintf(id, sizeof id, " id=\"p%db\"", k);
        ck_assert_uint_eq(count(html, id), 1);
        snprintf(id, sizeof id, "<div class=\"src\" id=\"s%d\" hidden>", k);
        ck_assert_uint_eq(count(html, id), 1);
    }
    ck_assert_uint_eq(count(html, "<mark "), 6);
    ck_assert_uint_eq(count(html, "</mark>"), 6);
    /* The document once (the one the passages' side a is in), then the all-documents table. */
    ck_assert_uint_eq(count(html, "<section class=\"doc\" id=\"d0\">"), 1);
    ck_assert_uint_eq(count(html, "<div class=\"text\""), 1);
    ck_assert_uint_eq(count(html, "<section class=\"doc\""), 2);
    /* Its source list, with the share; a Content-Security-Policy. */
    ck_assert_ptr_nonnull(strstr(html, "<tr data-src=\"1\" data-first=\"0\"><td><span class=\"sw s0\">"
                                       "</span>1</td><td class=\"path\">[1] 001.txt</td><td class=\"n\">156"
                                       "</td><td class=\"n\"><span class=\"bar\"><span class=\"s0\" "
                                       "style=\"width:96.30%\"></span></span>96.30%</td></tr>"));
    ck_assert_ptr_nonnull(strstr(html, "<meta http-equiv=\"Content-Security-Policy\" "
                                       "content=\"default-src 'none'; style-src 'unsafe-inline'; "
                                       "script-src 'sha256-"));
    /* Self-contained: nothing is fetched. */
    ck_assert_ptr_null(strstr(html, "http://"));
    ck_assert_ptr_null(strstr(html, "https://"));
    ck_assert_ptr_null(strstr(html, " src="));
    /* A-side highlight of the second passage holds A's original text, line break kept. */
    ck_assert_ptr_nonnull(strstr(html, "data-n=\"1\" tabindex=\"0\" title=\"passage 1 · [1] 001.txt · "
                                       "similarity 0.94\">"
                                       "人工智能技术的快速发展正在深刻改变传统教育的组织方式，\n"
                                       "学习者可以根据自身需要随时获取个性化的学习资源</mark>"));
    /* The source side shows the edits: 快 deleted, 迅 inserted. */
    ck_assert_ptr_nonnull(strstr(html, "人工智能技术的<del>快</del><ins>迅</ins>速发展"));
    ck_assert_ptr_nonnull(strstr(html, "<td class=\"path\">000.txt</td><td>UTF-8</td><td class=\"n\">162</td>"
                                       "<td class=\"n\">156</td><td class=\"n\">96.30%</td>"));
    char *again = render(ex.r, &o);
    ck_assert_str_eq(html, again);
    free(again);
    free(html);
    example_free(&ex);
}
END_TEST

/* Overlapping highlights on one side still give one element per passage and side. */
START_TEST(test_html_overlap)
{
    const char *t = "天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏闰余成岁律吕调阳";
    ovl_doc *a = mkdoc("a", t), *b = mkdoc("b", t);
    ovl_report *r = ovl_report_new();
    ck_assert_int_eq(ovl_report_add_doc(r, a, "a.txt"), 0);
    ck_assert_int_eq(ovl_report_add_doc(r, b, "b.txt"), 1);
    ovl_passage p[3];
    memset(p, 0, sizeof p);
    span_of(a, t, "天地", "日月", &p[0].a);
    span_of(b, t, "天地", "日月", &p[0].b);
    span_of(a, t, "洪荒", "往秋", &p[1].a);
    span_of(b, t, "洪荒", "往秋", &p[1].b);
    span_of(a, t, "日月", "列张", &p[2].a); /* inside both others on side a */
    span_of(b, t, "律吕", "调阳", &p[2].b);
    ck_assert_int_eq(ovl_report_add_passages(r, 0, 1, p, 3), OVL_OK);
    ovl_report_opts o = OVL_REPORT_OPTS_INIT;
    o.format = OVL_FORMAT_HTML;
    char *html = render(r, &o);
    /* Side a: 5 marks (p1 and p2 continue after p0 ends), side b 3. */
    ck_assert_uint_eq(count(html, "<mark "), 8);
    ck_assert_uint_eq(count(html, "</mark>"), 8);
    /* Nested, never empty: p2 inside p1 inside p0; when p0 ends both reopen as continuations. */
    ck_assert_ptr_nonnull(strstr(html, "id=\"p0a\" data-n=\"1\" tabindex=\"0\" title=\"passage 1 · [1] "
                                       "b.txt · similarity 0.00\">天地玄黄宇宙<mark "));
    ck_assert_ptr_nonnull(strstr(html, "\">洪荒<mark class=\"hl s0\" data-pair=\"2\" data-side=\"a\" "
                                       "id=\"p2a\""));
    ck_assert_ptr_nonnull(strstr(html, "\">日月</mark></mark></mark><mark class=\"hl s0 cont\" "
                                       "data-pair=\"1\" data-side=\"a\" title=\"passage 2 · [1] b.txt · "
                                       "similarity 0.00\"><mark class=\"hl s0 cont\" data-pair=\"2\""));
    ck_assert_ptr_nonnull(strstr(html, "\">盈昃辰宿列张</mark>寒来暑往秋</mark>收冬藏"));
    ck_assert_ptr_null(strstr(html, "\"></mark>"));
    /* Side b does not overlap: p2 is its own stretch. */
    ck_assert_ptr_nonnull(strstr(html, "id=\"p2b\" data-pair=\"2\" data-side=\"b\" data-n=\"3\" "
                                       "tabindex=\"0\"><del>日月盈昃辰宿列张</del><ins>律吕调阳</ins></mark>"));
    free(html);
    ovl_report_free(r);
    ovl_doc_free(a);
    ovl_doc_free(b);
}
END_TEST

/* ---- errors ----------------------------------------------------------------------------- */

START_TEST(test_sink_failure)
{
    example ex;
    example_build(&ex);
    for (int f = OVL_FORMAT_TEXT; f <= OVL_FORMAT_HTML; f++) {
        buf b = {NULL, 0, 0, 0};
        ovl_ctx *ctx = ovl_ctx_new();
        ovl_report_opts o = OVL_REPORT_OPTS_INIT;
        o.format = f;
        ck_assert_int_eq(ovl_report_write(ctx, ex.r, &o, buf_sink, &b), OVL_ERR_WRITE);
        ck_assert_int_eq(ovl_ctx_code(ctx), OVL_ERR_WRITE);
        ovl_ctx_free(ctx);
    }
    example_free(&ex);

    /* A report larger than one buffered chunk: the sink accepts the first and refuses the
     * second, which must still surface as OVL_ERR_WRITE. */
    size_t reps = 2000;
    const char *unit = "天地玄黄宇宙洪荒日月";
    char *big = malloc(strlen(unit) * reps + 1);
    big[0] = '\0';
    for (size_t i = 0; i < reps; i++)
        strcat(big, unit);
    ovl_doc *a = mkdoc("big", big), *b2 = mkdoc("big2", big);
    ovl_report *r = ovl_report_new();
    ck_assert_int_eq(ovl_report_add_doc(r, a, "big.txt"), 0);
    ck_assert_int_eq(ovl_report_add_doc(r, b2, "big2.txt"), 1);
    ovl_passage p;
    memset(&p, 0, sizeof p);
    ovl_span_from_tokens(a, 0, ovl_norm_count(ovl_doc_norm(a)), &p.a);
    ovl_span_from_tokens(b2, 0, ovl_norm_count(ovl_doc_norm(b2)), &p.b);
    ck_assert_uint_eq(p.a.char_end, 10 * reps);
    ck_assert_int_eq(ovl_report_add_passages(r, 0, 1, &p, 1), OVL_OK);
    for (int f = OVL_FORMAT_TEXT; f <= OVL_FORMAT_HTML; f += OVL_FORMAT_HTML - OVL_FORMAT_TEXT) {
        ovl_ctx *ctx = ovl_ctx_new();
        ovl_report_opts o = OVL_REPORT_OPTS_INIT;
        o.format = f;
        buf ok = {NULL, 0, 0, -1};
        ck_assert_int_eq(ovl_report_write(ctx, r, &o, buf_sink, &ok), OVL_OK);
        ck_assert_uint_gt(ok.len, 3 * 10 * reps);
        buf one = {NULL, 0, 0, 1};
        ck_assert_int_eq(ovl_report_write(ctx, r, &o, buf_sink, &one), OVL_ERR_WRITE);
        ck_assert_uint_lt(one.len, ok.len);
        ck_assert(memcmp(one.p, ok.p, one.len) == 0);
        free(ok.p);
        free(one.p);
        ovl_ctx_free(ctx);
    }
    ovl_report_free(r);
    ovl_doc_free(a);
    ovl_doc_free(b2);
    free(big);
}
END_TEST

/* jansson allocator for fault injection: fails allocation number fa_fail_at (counted from 1;
 * 0 never), counts live blocks (a leak leaves some), and keeps freed blocks aside with a
 * checksum so a second free or a write after free is caught without a sanitizer. */
#define FA_HDR 32 /* size, state, checksum; keeps the block 16-byte aligned */
#define FA_MAX_FREED 100000
static long fa_count, fa_fail_at, fa_live;
static unsigned char *fa_freed[FA_MAX_FREED];
static size_t fa_nfreed;

static uint64_t fa_sum(const unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static void *fa_malloc(size_t n)
{
    if (++fa_count == fa_fail_at)
        return NULL;
    unsigned char *b = malloc(FA_HDR + n);
    ck_assert_ptr_nonnull(b);
    memcpy(b, &n, sizeof n);
    memcpy(b + 8, "live", 4);
    fa_live++;
    return b + FA_HDR;
}

static void fa_free(void *p)
{
    if (!p)
        return;
    unsigned char *b = (unsigned char *)p - FA_HDR;
    ck_assert_msg(memcmp(b + 8, "live", 4) == 0, "jansson block %p freed twice", p);
    size_t n;
    memcpy(&n, b, sizeof n);
    memcpy(b + 8, "dead", 4);
    uint64_t h = fa_sum(p, n);
    memcpy(b + 16, &h, sizeof h);
    fa_live--;
    ck_assert(fa_nfreed < FA_MAX_FREED);
    fa_freed[fa_nfreed++] = b;
}

/* Checks that no freed block changed since its free, then really frees them. */
static void fa_release(long n)
{
    for (size_t i = 0; i < fa_nfreed; i++) {
        unsigned char *b = fa_freed[i];
        size_t len;
        uint64_t h;
        memcpy(&len, b, sizeof len);
        memcpy(&h, b + 16, sizeof h);
        ck_assert_msg(fa_sum(b + FA_HDR, len) == h, "failing allocation %ld: a jansson block was written after its free", n);
        free(b);
    }
    fa_nfreed = 0;
}

/* Every allocation of the JSON and JSONL writers failed in turn: each run ends with
 * OVL_ERR_NOMEM, writes nothing, frees every block once and touches none after its free. */
START_TEST(test_json_alloc_failure)
{
    example ex;
    example_build(&ex);
    json_set_alloc_funcs(fa_malloc, fa_free);
    for (int f = OVL_FORMAT_JSON; f <= OVL_FORMAT_JSONL; f++) {
        ovl_report_opts o = OVL_REPORT_OPTS_INIT;
        o.format = f;
        o.params_json = "{\"threshold\":0.5}";
        buf b = {NULL, 0, 0, -1};
        ovl_ctx *ctx = ovl_ctx_new();
        fa_count = fa_fail_at = 0;
        ck_assert_int_eq(ovl_report_write(ctx, ex.r, &o, buf_sink, &b), OVL_OK);
        long total = fa_count;
        ck_assert_int_gt(total, 20);
        ck_assert_int_eq(fa_live, 0);
        fa_release(0);
        free(b.p);
        /* jansson's parser reports some of its failed allocations as syntax errors: while
         * params_json is parsed, "not a JSON object" is the answer it allows. */
        fa_count = 0;
        json_decref(json_loads(o.params_json, 0, NULL));
        long parse = f == OVL_FORMAT_JSON ? fa_count : 0;
        fa_release(0);
        for (long n = 1; n <= total; n++) {
            buf e = {NULL, 0, 0, -1};
            fa_count = 0;
            fa_fail_at = n;
            int rc = ovl_report_write(ctx, ex.r, &o, buf_sink, &e);
            int parse_err = n <= parse && rc == OVL_ERR_INVALID &&
                            strcmp(ovl_ctx_message(ctx), "params: not a JSON object") == 0;
            ck_assert_msg(rc == OVL_ERR_NOMEM || parse_err, "format %d, failing allocation %ld: %d %s", f, n,
                          rc, ovl_ctx_message(ctx));
            ck_assert_int_eq(ovl_ctx_code(ctx), rc);
            ck_assert_msg(e.len == 0, "failing allocation %ld: %zu bytes written", n, e.len);
            ck_assert_msg(fa_live == 0, "failing allocation %ld: %ld blocks leaked", n, fa_live);
            fa_release(n);
        }
        ovl_ctx_free(ctx);
    }
    json_set_alloc_funcs(malloc, free);
    example_free(&ex);
}
END_TEST

START_TEST(test_invalid)
{
    example ex;
    example_build(&ex);
    ck_assert_int_eq(ovl_format_parse("text"), OVL_FORMAT_TEXT);
    ck_assert_int_eq(ovl_format_parse("json"), OVL_FORMAT_JSON);
    ck_assert_int_eq(ovl_format_parse("jsonl"), OVL_FORMAT_JSONL);
    ck_assert_int_eq(ovl_format_parse("html"), OVL_FORMAT_HTML);
    ck_assert_int_eq(ovl_format_parse("xml"), -1);
    ck_assert_int_eq(ovl_format_parse(NULL), -1);

    ck_assert_int_eq(ovl_report_add_passages(ex.r, 0, 2, ex.p, 1), OVL_ERR_INVALID);
    ck_assert_int_eq(ovl_report_add_passages(ex.r, -1, 1, ex.p, 1), OVL_ERR_INVALID);
    ovl_passage bad = ex.p[0];
    bad.a.char_end = 100000;
    ck_assert_int_eq(ovl_report_add_passages(ex.r, 0, 1, &bad, 1), OVL_ERR_INVALID);
    bad = ex.p[0];
    bad.b.tok_end = 100000;
    ck_assert_int_eq(ovl_report_add_passages(ex.r, 0, 1, &bad, 1), OVL_ERR_INVALID);
    ck_assert_uint_eq(ovl_report_passage_count(ex.r), 3);
    ck_assert_int_eq(ovl_report_add_doc(ex.r, NULL, "x"), OVL_ERR_INVALID);

    ovl_doc_stats st;
    ck_assert_int_eq(ovl_report_doc_stats(ex.r, 2, NULL, &st), OVL_ERR_INVALID);
    ovl_report_opts old = OVL_REPORT_OPTS_INIT;
    old.version = 0;
    ck_assert_int_eq(ovl_report_doc_stats(ex.r, 0, &old, &st), OVL_ERR_INVALID);

    ovl_ctx *ctx = ovl_ctx_new();
    buf b = {NULL, 0, 0, -1};
    ovl_report_opts o = OVL_REPORT_OPTS_INIT;
    o.format = OVL_FORMAT_JSON;
    o.params_json = "[1,2]";
    ck_assert_int_eq(ovl_report_write(ctx, ex.r, &o, buf_sink, &b), OVL_ERR_INVALID);
    o.params_json = "{bad";
    ck_assert_int_eq(ovl_report_write(ctx, ex.r, &o, buf_sink, &b), OVL_ERR_INVALID);
    o.params_json = NULL;
    o.format = 9;
    ck_assert_int_eq(ovl_report_write(ctx, ex.r, &o, buf_sink, &b), OVL_ERR_INVALID);
    o.format = OVL_FORMAT_TEXT;
    o.version = 99;
    ck_assert_int_eq(ovl_report_write(ctx, ex.r, &o, buf_sink, &b), OVL_ERR_INVALID);
    ck_assert_uint_eq(b.len, 0);
    ovl_report_free(NULL);
    ovl_ctx_free(ctx);
    example_free(&ex);
}
END_TEST

/* An empty report still has its summary; an empty document has ratio 0. */
START_TEST(test_empty)
{
    ovl_doc *e = mkdoc("empty", "");
    ovl_report *r = ovl_report_new();
    ck_assert_int_eq(ovl_report_add_doc(r, e, NULL), 0);
    ovl_report_opts o = OVL_REPORT_OPTS_INIT;
    char *out = render(r, &o);
    expect_str(out, "overlap 0.1.0 · 1 document · 0 passages\n"
                    "[0] empty · 0 chars · 0 reused · ratio 0.0000\n");
    free(out);
    o.format = OVL_FORMAT_JSONL;
    out = render(r, &o);
    ck_assert_str_eq(out, "");
    free(out);
    o.format = OVL_FORMAT_JSON;
    out = render(r, &o);
    ck_assert_ptr_null(check_report_json(out, 0));
    ck_assert_ptr_nonnull(strstr(out, "\"top_source\": null,"));
    ck_assert_ptr_nonnull(strstr(out, "\"passages\": []"));
    free(out);
    ovl_report_free(r);
    ovl_doc_free(e);
}
END_TEST

/* ---- the JSON tail sections, streamed ---------------------------------------------------
 * Pairs, copies, families and skipped records of a streamed JSON report, many of each (their
 * sections pass many times through the writer's buffers), given in an interleaved order: the
 * document after "passages" must be exactly the layout the schema's writer has always had,
 * and every record the one the JSON lines format writes for the same call. */

typedef struct strb {
    char *p;
    size_t len, cap;
} strb;

static void strb_printf(strb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    ck_assert_int_ge(n, 0);
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = (b->len + (size_t)n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        ck_assert_ptr_nonnull(b->p);
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

#define SEC_DOCS 40
#define SEC_PAIRS 1500
#define SEC_COPIES 400
#define SEC_MEMBERS 30
#define SEC_FAMILIES 300
#define SEC_SKIPPED 500

/* Which record comes at call number k of a stream of `total` calls: a fixed interleaving of
 * the four kinds (0 pair, 1 copies, 2 family, 3 skipped), each in its own order. */
static int sec_kind(size_t k, const size_t *left)
{
    for (int t = (int)(k * 7 % 4), i = 0; i < 4; i++, t = (t + 1) % 4)
        if (left[t])
            return t;
    return -1;
}

/* Streams npairs pairs, ncopies copy groups, nfam families and nskip skipped inputs in
 * format f to *out; returns the stream's result. */
static int sec_stream(int f, size_t npairs, size_t ncopies, size_t nfam, size_t nskip, buf *out,
                      ovl_ctx *ctx)
{
    ovl_report_docinfo di[SEC_DOCS];
    char names[SEC_DOCS][16];
    memset(di, 0, sizeof di);
    for (int d = 0; d < SEC_DOCS; d++) {
        snprintf(names[d], sizeof names[d], "d%02d.txt", d);
        di[d].path = names[d];
        di[d].encoding = "UTF-8";
        di[d].stats.top_source = -1;
    }
    ovl_report_opts o = OVL_REPORT_OPTS_INIT;
    o.format = f;
    ovl_report_stream *s = NULL;
    int rc = ovl_report_stream_begin(ctx, &o, di, SEC_DOCS, 0, buf_sink, out, &s);
    if (rc != OVL_OK)
        return rc;
    size_t left[4] = {npairs, ncopies, nfam, nskip}, done[4] = {0, 0, 0, 0};
    for (size_t k = 0; rc == OVL_OK; k++) {
        int t = sec_kind(k, left);
        if (t < 0)
            break;
        size_t i = done[t]++;
        left[t]--;
        char p0[32], p1[32], text[64], msg[64];
        if (t == 0) {
            ovl_pair_stats ps;
            memset(&ps, 0, sizeof ps);
            ps.a = (int)(i % SEC_DOCS);
            ps.b = (int)((i * 3 + 1) % SEC_DOCS);
            ps.a_reused_chars = i;
            ps.b_reused_chars = 2 * i;
            ps.a_ratio = 0.5;
            ps.b_ratio = 0.25;
            ps.error = i % 100 == 7 ? "cannot align: \xff byte" : NULL;
            rc = ovl_report_stream_pair(ctx, s, &ps, NULL, 0, NULL, NULL);
        } else if (t == 1) {
            char mem[SEC_MEMBERS][32];
            const char *paths[SEC_MEMBERS];
            double sim[SEC_MEMBERS];
            for (size_t m = 0; m < SEC_MEMBERS; m++) {
                snprintf(mem[m], sizeof mem[m], "copies/%zu/member-%02zu.txt", i, m);
                paths[m] = mem[m];
                sim[m] = m == 0 || i % 2 == 0 ? 1.0 : 0.5;
            }
            ovl_copies g = {paths, SEC_MEMBERS, 1000 + i, 900 + i, i % 2 ? sim : NULL};
            rc = ovl_report_stream_copies(ctx, s, &g);
        } else if (t == 2) {
            snprintf(p0, sizeof p0, "fam/%zu/a.txt", i);
            snprintf(p1, sizeof p1, "fam/%zu/b.txt", i);
            snprintf(text, sizeof text, "recurring text number %zu", i);
            ovl_family_span sp[2] = {{p0, i, i + 10}, {p1, 2 * i, 2 * i + 10}};
            ovl_family fm = {i + 1, 2 + i % 3, 10, text, sp, 2};
            rc = ovl_report_stream_family(ctx, s, &fm);
        } else {
            snprintf(p0, sizeof p0, "skipped/%zu.bin", i);
            snprintf(msg, sizeof msg, "binary input (%zu)", i);
            rc = ovl_report_stream_skipped(ctx, s, p0, msg, i % 2 ? (int64_t)i : -1);
        }
    }
    if (rc != OVL_OK) {
        ovl_report_stream_free(s);
        return rc;
    }
    return ovl_report_stream_end(ctx, s);
}

/* The document from "passages" on, written out by hand in the schema's layout. */
static char *sec_expected(size_t npairs, size_t ncopies, size_t nfam, size_t nskip)
{
    strb e = {NULL, 0, 0};
    strb_printf(&e, "\"passages\": [],\n  \"pairs\": [");
    for (size_t i = 0; i < npairs; i++) {
        strb_printf(&e, "%s    {\n      \"a\": %zu,\n      \"b\": %zu,\n      \"a_path\": \"d%02zu.txt\",\n"
                        "      \"b_path\": \"d%02zu.txt\",\n      \"passages\": 0,\n      \"a_reused_chars\": %zu,\n"
                        "      \"a_ratio\": 0.5,\n      \"b_reused_chars\": %zu,\n      \"b_ratio\": 0.25,\n"
                        "      \"top_similarity\": 0.0",
                    i ? ",\n" : "\n", i % SEC_DOCS, (i * 3 + 1) % SEC_DOCS, i % SEC_DOCS,
                    (i * 3 + 1) % SEC_DOCS, i, 2 * i);
        if (i % 100 == 7)
            strb_printf(&e, ",\n      \"error\": \"cannot align: \xef\xbf\xbd byte\"");
        strb_printf(&e, "\n    }");
    }
    strb_printf(&e, npairs ? "\n  ]" : "]");
    if (ncopies) {
        strb_printf(&e, ",\n  \"copies\": [");
        for (size_t i = 0; i < ncopies; i++) {
            strb_printf(&e, "%s    {\n      \"paths\": [", i ? ",\n" : "\n");
            for (size_t m = 0; m < SEC_MEMBERS; m++)
                strb_printf(&e, "%s        \"copies/%zu/member-%02zu.txt\"", m ? ",\n" : "\n", i, m);
            strb_printf(&e, "\n      ],\n      \"bytes\": %zu,\n      \"chars\": %zu,\n      \"identical\": %s",
                        1000 + i, 900 + i, i % 2 ? "false" : "true");
            if (i % 2) {
                strb_printf(&e, ",\n      \"similarity\": [");
                for (size_t m = 0; m < SEC_MEMBERS; m++)
                    strb_printf(&e, "%s        %s", m ? ",\n" : "\n", m ? "0.5" : "1.0");
                strb_printf(&e, "\n      ]");
            }
            strb_printf(&e, "\n    }");
        }
        strb_printf(&e, "\n  ]");
    }
    if (nfam) {
        strb_printf(&e, ",\n  \"families\": [");
        for (size_t i = 0; i < nfam; i++)
            strb_printf(&e, "%s    {\n      \"id\": %zu,\n      \"documents\": %zu,\n      \"chars\": 10,\n"
                            "      \"text\": \"recurring text number %zu\",\n      \"spans\": [\n"
                            "        {\n          \"path\": \"fam/%zu/a.txt\",\n          \"char_start\": %zu,\n"
                            "          \"char_end\": %zu\n        },\n"
                            "        {\n          \"path\": \"fam/%zu/b.txt\",\n          \"char_start\": %zu,\n"
                            "          \"char_end\": %zu\n        }\n      ]\n    }",
                        i ? ",\n" : "\n", i + 1, 2 + i % 3, i, i, i, i + 10, i, 2 * i, 2 * i + 10);
        strb_printf(&e, "\n  ]");
    }
    if (nskip) {
        strb_printf(&e, ",\n  \"skipped\": [");
        for (size_t i = 0; i < nskip; i++) {
            char byte[32];
            snprintf(byte, sizeof byte, i % 2 ? "%zu" : "null", i);
            strb_printf(&e, "%s    {\n      \"path\": \"skipped/%zu.bin\",\n      \"message\": \"binary input (%zu)\",\n"
                            "      \"byte\": %s\n    }",
                        i ? ",\n" : "\n", i, i, byte);
        }
        strb_printf(&e, "\n  ]");
    }
    strb_printf(&e, "\n}\n");
    return e.p;
}

/* Checks format JSON against the layout and against the JSON lines records, for the counts
 * given. */
static void sec_check(size_t npairs, size_t ncopies, size_t nfam, size_t nskip)
{
    ovl_ctx *ctx = ovl_ctx_new();
    buf js = {NULL, 0, 0, -1}, jl = {NULL, 0, 0, -1};
    int rc = sec_stream(OVL_FORMAT_JSON, npairs, ncopies, nfam, nskip, &js, ctx);
    ck_assert_msg(rc == OVL_OK, "json: %d %s", rc, ovl_ctx_message(ctx));
    rc = sec_stream(OVL_FORMAT_JSONL, npairs, ncopies, nfam, nskip, &jl, ctx);
    ck_assert_msg(rc == OVL_OK, "jsonl: %d %s", rc, ovl_ctx_message(ctx));
    ck_assert_ptr_nonnull(js.p);
    const char *from = strstr(js.p, "\"passages\": [");
    ck_assert_ptr_nonnull(from);
    char *want = sec_expected(npairs, ncopies, nfam, nskip);
    expect_str(from, want);
    free(want);

    /* Every JSON lines record, in order, is the JSON document's next one of its key. */
    json_error_t jerr;
    json_t *doc = json_loads(js.p, 0, &jerr);
    ck_assert_msg(doc != NULL, "not JSON: %s at %d", jerr.text, jerr.position);
    const char *line_key[4] = {"pair", "copies", "family", "skipped"};
    const char *doc_key[4] = {"pairs", "copies", "families", "skipped"};
    size_t seen[4] = {0, 0, 0, 0}, want_n[4] = {npairs, ncopies, nfam, nskip};
    for (char *line = jl.p, *nl; line && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        ck_assert_ptr_nonnull(nl);
        json_t *rec = json_loadb(line, (size_t)(nl - line), 0, &jerr);
        ck_assert_ptr_nonnull(rec);
        int t = 0;
        while (t < 4 && !json_object_get(rec, line_key[t]))
            t++;
        ck_assert_int_lt(t, 4);
        json_t *arr = json_object_get(doc, doc_key[t]);
        ck_assert_msg(json_equal(json_object_get(rec, line_key[t]), json_array_get(arr, seen[t])),
                      "%s record %zu differs from the JSON lines one", doc_key[t], seen[t]);
        seen[t]++;
        json_decref(rec);
    }
    for (int t = 0; t < 4; t++) {
        ck_assert_uint_eq(seen[t], want_n[t]);
        json_t *arr = json_object_get(doc, doc_key[t]);
        /* "pairs" is always there; the others only when the scan had such records. */
        if (t == 0 || want_n[t])
            ck_assert_uint_eq(json_array_size(arr), want_n[t]);
        else
            ck_assert_ptr_null(arr);
    }
    json_decref(doc);
    free(js.p);
    free(jl.p);
    ovl_ctx_free(ctx);
}

START_TEST(test_json_stream_sections)
{
    sec_check(SEC_PAIRS, SEC_COPIES, SEC_FAMILIES, SEC_SKIPPED);
    sec_check(0, 0, 0, 0);
    sec_check(0, 0, 0, 3);
    sec_check(2, 1, 0, 0);
    sec_check(0, 0, 5, 0);
}
END_TEST

/* A temporary file for a section that cannot be created, or written: OVL_ERR_IO naming the
 * section and the system's reason, the error sticks, and the sink gets nothing. */
START_TEST(test_json_stream_tmpfile_failure)
{
    struct rlimit old, low;
    ovl_ctx *ctx = ovl_ctx_new();

    /* No descriptor left for the temporary file. */
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
    int fd = dup(2);
    ck_assert_int_ge(fd, 0);
    close(fd);
    low = old;
    low.rlim_cur = (rlim_t)fd;
    buf b = {NULL, 0, 0, -1};
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
    int rc = sec_stream(OVL_FORMAT_JSON, 0, 1, 0, 0, &b, ctx);
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
    ck_assert_int_eq(rc, OVL_ERR_IO);
    ck_assert_int_eq(ovl_ctx_code(ctx), OVL_ERR_IO);
    char want[200];
    snprintf(want, sizeof want, "cannot create a temporary file for the JSON report's copies: %s",
             strerror(EMFILE));
    ck_assert_str_eq(ovl_ctx_message(ctx), want);
    ck_assert_uint_eq(b.len, 0);

    /* The same with the stream kept: every later call returns the error, the tail is not
     * written. */
    ovl_report_docinfo di = {"a.txt", "UTF-8", 0, {0}, 0, 0, NULL, 0, NULL, 0, 0};
    di.stats.top_source = -1;
    ovl_report_opts o = OVL_REPORT_OPTS_INIT;
    o.format = OVL_FORMAT_JSON;
    ovl_report_stream *s = NULL;
    ck_assert_int_eq(ovl_report_stream_begin(ctx, &o, &di, 1, 0, buf_sink, &b, &s), OVL_OK);
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
    rc = ovl_report_stream_skipped(ctx, s, "x.bin", "binary", -1);
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
    ck_assert_int_eq(rc, OVL_ERR_IO);
    ck_assert_ptr_nonnull(strstr(ovl_ctx_message(ctx), "the JSON report's skipped"));
    ck_assert_int_eq(ovl_report_stream_skipped(ctx, s, "y.bin", "binary", -1), OVL_ERR_IO);
    ck_assert_int_eq(ovl_report_stream_end(ctx, s), OVL_ERR_IO);
    ck_assert_uint_eq(b.len, 0);

    /* Files may not grow past 4 KB: the pairs' file fails once its buffer is written. */
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    low = old;
    low.rlim_cur = 4096;
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &low), 0);
    rc = sec_stream(OVL_FORMAT_JSON, SEC_PAIRS, 0, 0, 0, &b, ctx);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    ck_assert_int_eq(rc, OVL_ERR_IO);
    snprintf(want, sizeof want, "cannot write the temporary file of the JSON report's pairs: %s",
             strerror(EFBIG));
    ck_assert_str_eq(ovl_ctx_message(ctx), want);
    ck_assert_uint_eq(b.len, 0);
    ovl_ctx_free(ctx);
}
END_TEST

static Suite *report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_text_golden);
    tcase_add_test(tc, test_opts_version_1);
    tcase_add_test(tc, test_text_color);
    tcase_add_test(tc, test_text_max_context);
    tcase_add_test(tc, test_json_golden);
    tcase_add_test(tc, test_json_exclusions_shape);
    tcase_add_test(tc, test_jsonl);
    tcase_add_test(tc, test_aligned_report);
    tcase_add_test(tc, test_escaping);
    tcase_add_test(tc, test_ratio_quotes);
    tcase_add_test(tc, test_ratio_refs);
    tcase_add_test(tc, test_top_source);
    tcase_add_test(tc, test_html_structure);
    tcase_add_test(tc, test_html_overlap);
    tcase_add_test(tc, test_sink_failure);
    tcase_add_test(tc, test_json_alloc_failure);
    tcase_add_test(tc, test_invalid);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_json_stream_sections);
    tcase_add_test(tc, test_json_stream_tmpfile_failure);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return tu_run(report_suite()); }
