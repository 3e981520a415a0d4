/* test_normalize.c - folding (NFKC, case, Traditional->Simplified) and tokens mapped to characters. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

static ovl_doc *doc_of(const char *s, int trad)
{
    ovl_doc_opts o = OVL_DOC_OPTS_INIT;
    o.norm.fold_traditional = trad;
    ovl_doc *d = NULL;
    ovl_ctx *ctx = ovl_ctx_new();
    ck_assert_msg(ovl_doc_from_bytes(ctx, "t", s, strlen(s), &o, &d) == OVL_OK, "%s", ovl_ctx_message(ctx));
    ovl_ctx_free(ctx);
    return d;
}

static void expect_norm(const char *in, int trad, const char *want)
{
    ovl_doc *d = doc_of(in, trad);
    const ovl_norm *n = ovl_doc_norm(d);
    char *s = ovl_norm_utf8(n, 0, ovl_norm_count(n));
    ck_assert_str_eq(s, want);
    free(s);
    ovl_doc_free(d);
}

START_TEST(folds_width_case_and_punctuation)
{
    expect_norm("ＡＢＣ１２３，ｄｅｆ。", 1, "abc123 def");
    expect_norm("Hello, WORLD! It's 2024.", 1, "hello world it s 2024");
    expect_norm("“社会保障”（体系）", 1, "社会保障体系");
    expect_norm("Straße ﬁnal", 1, "strasse final");
    expect_norm("café cafe\xcc\x81", 1, "cafe cafe");
    expect_norm("①②③ ㈱", 1, "123株"); /* adjacent digits form one word */
}
END_TEST

START_TEST(folds_traditional_to_simplified)
{
    expect_norm("圖書館的讀者數量穩步增長", 1, "图书馆的读者数量稳步增长");
    expect_norm("圖書館的讀者數量穩步增長", 0, "圖書館的讀者數量穩步增長");
    /* CJK compatibility ideograph U+F900 folds to its unified form U+8C48. */
    expect_norm("\xef\xa4\x80", 0, "\xe8\xb1\x88");
}
END_TEST

START_TEST(tokens_map_to_characters)
{
    /* Code points: 中0 文1 ,2 space3 w4 o5 r6 d7 s8 space9 +10 x11 */
    ovl_doc *d = doc_of("中文, words +x", 1);
    const ovl_norm *n = ovl_doc_norm(d);
    ck_assert_uint_eq(ovl_norm_count(n), 5);
    const ovl_token *t = ovl_norm_tokens(n);
    const struct { uint32_t s, e; uint8_t kind; } want[] = {
        {0, 1, OVL_TOK_CJK}, {1, 2, OVL_TOK_CJK}, {4, 9, OVL_TOK_WORD}, {10, 11, OVL_TOK_SYMBOL},
        {11, 12, OVL_TOK_WORD}};
    for (size_t i = 0; i < 5; i++) {
        ck_assert_uint_eq(t[i].char_start, want[i].s);
        ck_assert_uint_eq(t[i].char_end, want[i].e);
        ck_assert_uint_eq(t[i].kind, want[i].kind);
    }
    /* The hash is XXH3-64 (seed 0) of the folded code points. */
    const uint32_t words[] = {'w', 'o', 'r', 'd', 's'};
    ck_assert_uint_eq(t[2].hash, XXH3_64bits(words, sizeof words));
    ck_assert_uint_eq(t[2].norm_len, 5);
    ck_assert_uint_eq(ovl_norm_token_at(n, 3), 2);
    ck_assert_uint_eq(ovl_norm_token_at(n, 12), 5);
    ovl_doc_free(d);
}
END_TEST

START_TEST(hyphenated_line_break_joins)
{
    ovl_doc *d = doc_of("for the develop-\n   ment of", 1);
    const ovl_norm *n = ovl_doc_norm(d);
    ck_assert_uint_eq(ovl_norm_count(n), 4);
    const ovl_token *t = ovl_norm_tokens(n);
    ck_assert_uint_eq(t[2].char_start, 8);
    ck_assert_uint_eq(t[2].char_end, 24);
    char *s = ovl_norm_utf8(n, 0, 4);
    ck_assert_str_eq(s, "for the development of");
    free(s);
    ovl_doc_free(d);
    /* A hyphen inside a line separates, and an upper-case next line does not join. */
    expect_norm("large-print", 1, "large print");
    expect_norm("North-\nSouth", 1, "north south");
}
END_TEST

/* Tokens spanning more characters than the library's compact token holds (a word of 20,000
 * letters; one of 70,000 cut at 65,535 folded code points), then enough tokens to cross
 * several blocks of folded offsets: the public tokens and the spans say the same as the text. */
START_TEST(long_tokens_and_offsets_across_blocks)
{
    size_t len = 20000 + 1 + 70000 + 1 + 40 * 4 + 1;
    char *s = malloc(len);
    ck_assert_ptr_nonnull(s);
    size_t k = 0;
    memset(s + k, 'a', 20000), k += 20000;
    s[k++] = ' ';
    memset(s + k, 'b', 70000), k += 70000;
    for (int w = 0; w < 40; w++)
        k += (size_t)snprintf(s + k, len - k, " c%02d", w);
    ovl_doc *d = NULL;
    ovl_ctx *ctx = ovl_ctx_new();
    ck_assert_int_eq(ovl_doc_from_bytes(ctx, "t", s, k, NULL, &d), OVL_OK);
    const ovl_norm *n = ovl_doc_norm(d);
    ck_assert_uint_eq(ovl_norm_count(n), 43);
    const ovl_token *t = ovl_norm_tokens(n);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t[0].char_start, 0);
    ck_assert_uint_eq(t[0].char_end, 20000);
    ck_assert_uint_eq(t[0].norm_len, 20000);
    ck_assert_uint_eq(t[1].char_start, 20001);
    ck_assert_uint_eq(t[1].char_end, 20001 + 65535);
    ck_assert_uint_eq(t[1].norm_start, 20000);
    ck_assert_uint_eq(t[2].char_start, 20001 + 65535);
    ck_assert_uint_eq(t[2].char_end, 90001);
    ck_assert_uint_eq(t[2].norm_len, 70000 - 65535);
    uint32_t ns = 90000;
    for (size_t i = 3; i < 43; i++) {
        ck_assert_uint_eq(t[i].char_start, 90002 + 4 * (i - 3));
        ck_assert_uint_eq(t[i].char_end, 90002 + 4 * (i - 3) + 3);
        ck_assert_uint_eq(t[i].norm_start, ns);
        ck_assert_uint_eq(t[i].norm_len, 3);
        ck_assert_uint_eq(t[i].kind, OVL_TOK_WORD);
        ns += 3;
    }
    ovl_span sp;
    ovl_span_from_tokens(d, 0, 1, &sp);
    ck_assert_uint_eq(sp.char_end, 20000);
    ovl_span_from_tokens(d, 1, 3, &sp);
    ck_assert_uint_eq(sp.char_end, 90001);
    ck_assert_uint_eq(sp.byte_end, 90001);
    char *u = ovl_norm_utf8(n, 40, 43);
    ck_assert_str_eq(u, "c37 c38 c39");
    free(u);
    ovl_doc_free(d);
    ovl_ctx_free(ctx);
    free(s);
}
END_TEST

START_TEST(same_hash_across_variants)
{
    ovl_doc *a = doc_of("社會保障，ＣＯＶＩＤ１９", 1);
    ovl_doc *b = doc_of("社会保障, covid19", 1);
    const ovl_norm *na = ovl_doc_norm(a), *nb = ovl_doc_norm(b);
    ck_assert_uint_eq(ovl_norm_count(na), 5);
    ck_assert_uint_eq(ovl_norm_count(nb), 5);
    for (size_t i = 0; i < 5; i++)
        ck_assert_uint_eq(ovl_norm_tokens(na)[i].hash, ovl_norm_tokens(nb)[i].hash);
    ovl_doc_free(a);
    ovl_doc_free(b);
}
END_TEST

START_TEST(one_byte_runs_match_wide_path)
{
    /* Latin text is normalized by a run loop while text and folded characters are one byte
     * wide; after 100 Chinese characters both are two bytes wide and every character takes
     * the general path. The same Latin text must give the same tokens either way: words of
     * 1-300 letters, upper case, Latin-1 letters (ÿ is the one-byte arrays' exception mark, ß
     * folds to two letters), digits, a hyphen at a line break, and one word over 65,535. */
    static const char *const bits[] = {"\xC3\xBF", "\xC3\x89", "\xC3\x9F", "\xC3\xA9", "Q", "z", "7",
                                       "-\n", "'", ".", "\xE2\x80\x99", "\t"};
    size_t cap = 400000, k = 0;
    char *x = malloc(cap);
    ck_assert_ptr_nonnull(x);
    uint32_t seed = 99;
    while (k < 200000) {
        seed = seed * 1103515245u + 12345u;
        size_t run = (seed >> 16) % 301;
        for (size_t i = 0; i < run; i++)
            x[k++] = (char)('a' + (i * 5 + seed) % 26);
        const char *b = bits[(seed >> 4) % (sizeof bits / sizeof *bits)];
        memcpy(x + k, b, strlen(b));
        k += strlen(b);
        x[k++] = (seed >> 12) % 3 ? ' ' : '\n';
    }
    memset(x + k, 'w', 70000);
    k += 70000;
    const char *cjk = "\xE4\xB8\xAD"; /* 中 */
    char *y = malloc(cap);
    ck_assert_ptr_nonnull(y);
    size_t m = 0;
    for (int i = 0; i < 100; i++, m += 3)
        memcpy(y + m, cjk, 3);
    y[m++] = '\n';
    memcpy(y + m, x, k);
    m += k;
    ovl_doc *a = NULL, *b = NULL;
    ck_assert_int_eq(ovl_doc_from_bytes(NULL, "x", x, k, NULL, &a), OVL_OK);
    ck_assert_int_eq(ovl_doc_from_bytes(NULL, "y", y, m, NULL, &b), OVL_OK);
    const ovl_norm *na = ovl_doc_norm(a), *nb = ovl_doc_norm(b);
    size_t n = ovl_norm_count(na);
    ck_assert_uint_gt(n, 1000);
    ck_assert_uint_eq(ovl_norm_count(nb), n + 100);
    const ovl_token *ta = ovl_norm_tokens(na), *tb = ovl_norm_tokens(nb) + 100;
    for (size_t i = 0; i < n; i++)
        if (ta[i].hash != tb[i].hash || ta[i].kind != tb[i].kind || ta[i].norm_len != tb[i].norm_len ||
            ta[i].char_start + 101 != tb[i].char_start || ta[i].char_end + 101 != tb[i].char_end ||
            ta[i].norm_start + 100 != tb[i].norm_start)
            ck_abort_msg("token %zu: characters %u-%u, %u folded; wide path: %u-%u, %u folded", i,
                         (unsigned)ta[i].char_start, (unsigned)ta[i].char_end, (unsigned)ta[i].norm_len,
                         (unsigned)tb[i].char_start - 101, (unsigned)tb[i].char_end - 101,
                         (unsigned)tb[i].norm_len);
    ck_assert_uint_eq(ta[n - 1].norm_len, 70000 - 65535);
    ovl_doc_free(a);
    ovl_doc_free(b);
    free(x);
    free(y);
}
END_TEST

START_TEST(cjk_runs_match_wide_path)
{
    /* Chinese is normalized by a run loop while text and folded characters are two bytes
     * wide; after 200 emoji the text is four bytes wide and every character takes the general
     * path. The same text must give the same tokens either way, with and without Traditional
     * folding: CJK characters (simplified and traditional), full-width letters and digits,
     * Latin words, ㈱ (folds to one CJK character from two bytes of UTF-8 more), punctuation
     * and line breaks. */
    static const char *const bits[] = {"\xEF\xBC\xA1\xEF\xBD\x82", "abc", "\xE3\x88\xB1", "\xE3\x80\x82",
                                       "\xEF\xBC\x8C", "\n", " ", "7", "\xE9\xAB\x94", "\xE5\x9C\x8B"};
    size_t cap = 300000, k = 0;
    char *x = malloc(cap), *y = malloc(cap + 1000);
    ck_assert(x && y);
    uint32_t seed = 7;
    while (k < 200000) {
        seed = seed * 1103515245u + 12345u;
        size_t run = (seed >> 16) % 120;
        for (size_t i = 0; i < run; i++) {
            uint32_t c = 0x4E00 + (uint32_t)((i * 37 + seed) % 0x51A5);
            x[k++] = (char)(0xE0 | c >> 12);
            x[k++] = (char)(0x80 | (c >> 6 & 0x3F));
            x[k++] = (char)(0x80 | (c & 0x3F));
        }
        const char *b = bits[(seed >> 4) % (sizeof bits / sizeof *bits)];
        memcpy(x + k, b, strlen(b));
        k += strlen(b);
    }
    size_t m = 0;
    for (int i = 0; i < 200; i++, m += 4)
        memcpy(y + m, "\xF0\x9F\x98\x80", 4); /* U+1F600 */
    y[m++] = '\n';
    memcpy(y + m, x, k);
    m += k;
    for (int trad = 0; trad < 2; trad++) {
        ovl_doc_opts o = OVL_DOC_OPTS_INIT;
        o.norm.fold_traditional = trad;
        ovl_doc *a = NULL, *b = NULL;
        ck_assert_int_eq(ovl_doc_from_bytes(NULL, "x", x, k, &o, &a), OVL_OK);
        ck_assert_int_eq(ovl_doc_from_bytes(NULL, "y", y, m, &o, &b), OVL_OK);
        const ovl_norm *na = ovl_doc_norm(a), *nb = ovl_doc_norm(b);
        size_t n = ovl_norm_count(na);
        ck_assert_uint_gt(n, 50000);
        ck_assert_uint_ge(ovl_norm_count(nb), n);
        size_t skip = ovl_norm_count(nb) - n; /* the emoji's tokens, if any */
        const ovl_token *ta = ovl_norm_tokens(na), *tb = ovl_norm_tokens(nb) + skip;
        uint32_t ns = skip ? tb[0].norm_start - ta[0].norm_start : 0;
        for (size_t i = 0; i < n; i++)
            if (ta[i].hash != tb[i].hash || ta[i].kind != tb[i].kind || ta[i].norm_len != tb[i].norm_len ||
                ta[i].char_start + 201 != tb[i].char_start || ta[i].char_end + 201 != tb[i].char_end ||
                ta[i].norm_start + ns != tb[i].norm_start)
                ck_abort_msg("trad %d token %zu: characters %u-%u, kind %u; wide path: %u-%u, kind %u", trad, i,
                             (unsigned)ta[i].char_start, (unsigned)ta[i].char_end, (unsigned)ta[i].kind,
                             (unsigned)tb[i].char_start - 201, (unsigned)tb[i].char_end - 201,
                             (unsigned)tb[i].kind);
        ovl_doc_free(a);
        ovl_doc_free(b);
    }
    free(x);
    free(y);
}
END_TEST

START_TEST(fold_char)
{
    uint32_t out[8];
    ck_assert_uint_eq(ovl_fold_char(0xFF21, 1, out, 8), 1); /* Ａ */
    ck_assert_uint_eq(out[0], 'a');
    ck_assert_uint_eq(ovl_fold_char(0xFF0C, 1, out, 8), 0); /* ， */
    ck_assert_uint_eq(ovl_fold_char(0x3000, 1, out, 8), 0); /* ideographic space */
    ck_assert_uint_eq(ovl_fold_char(0xFB01, 1, out, 8), 2); /* ﬁ */
    ck_assert_uint_eq(out[0], 'f');
    ck_assert_uint_eq(out[1], 'i');
    ck_assert_uint_eq(ovl_fold_char(0x9AD4, 1, out, 8), 1); /* 體 */
    ck_assert_uint_eq(out[0], 0x4F53);                      /* 体 */
    ck_assert_uint_eq(ovl_fold_char(0x9AD4, 0, out, 8), 1);
    ck_assert_uint_eq(out[0], 0x9AD4);
    ck_assert_uint_eq(ovl_fold_char(0x1D400, 1, out, 8), 1); /* MATHEMATICAL BOLD CAPITAL A */
    ck_assert_uint_eq(out[0], 'a');
    ck_assert_uint_eq(ovl_fold_char(0x20000, 1, out, 8), 1); /* CJK extension B stays */
    ck_assert_uint_eq(out[0], 0x20000);
    ck_assert_uint_eq(ovl_fold_char(0x110000, 1, out, 8), 0);
}
END_TEST

START_TEST(encodings_normalize_identically)
{
    static const char *files[] = {"ingest/paper.utf8bom.txt", "ingest/paper.utf16le.txt",
                                  "ingest/paper.utf16be.txt", "ingest/paper.gb18030.txt",
                                  "ingest/paper.big5.txt"};
    ovl_doc *ref = tu_doc(tu_path(tu_fixtures(), "ingest/paper.utf8.txt"));
    char *want = ovl_norm_utf8(ovl_doc_norm(ref), 0, SIZE_MAX);
    /* 220 ideographs and 41 Latin or digit words (develop-ment joined), counted by a regex. */
    ck_assert_uint_eq(ovl_norm_count(ovl_doc_norm(ref)), 261);
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        ovl_doc *d = tu_doc(tu_path(tu_fixtures(), files[i]));
        char *got = ovl_norm_utf8(ovl_doc_norm(d), 0, SIZE_MAX);
        ck_assert_str_eq(got, want);
        free(got);
        ovl_doc_free(d);
    }
    free(want);
    ovl_doc_free(ref);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("normalize");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, folds_width_case_and_punctuation);
    tcase_add_test(tc, folds_traditional_to_simplified);
    tcase_add_test(tc, tokens_map_to_characters);
    tcase_add_test(tc, hyphenated_line_break_joins);
    tcase_add_test(tc, same_hash_across_variants);
    tcase_add_test(tc, long_tokens_and_offsets_across_blocks);
    tcase_add_test(tc, one_byte_runs_match_wide_path);
    tcase_add_test(tc, cjk_runs_match_wide_path);
    tcase_add_test(tc, fold_char);
    tcase_add_test(tc, encodings_normalize_identically);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
