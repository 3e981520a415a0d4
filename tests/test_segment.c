/* test_segment.c - paragraphs of hard-wrapped Chinese and English text, sentences, and the seed paper. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

typedef struct { uint32_t cs, ce, ls, le; } para_want;

static void expect_paragraphs(const char *file, const para_want *want, size_t n)
{
    ovl_doc *d = tu_doc(tu_path(tu_fixtures(), file));
    const ovl_segments *sg = ovl_doc_segments(d);
    const ovl_text *t = ovl_doc_text(d);
    ck_assert_uint_eq(ovl_segments_paragraph_count(sg), n);
    const ovl_range *p = ovl_segments_paragraphs(sg);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(p[i].start == want[i].cs && p[i].end == want[i].ce,
                      "%s paragraph %zu: chars %u-%u, want %u-%u", file, i, p[i].start, p[i].end,
                      want[i].cs, want[i].ce);
        ck_assert_uint_eq(ovl_text_line(t, p[i].start), want[i].ls);
        ck_assert_uint_eq(ovl_text_line(t, p[i].end - 1), want[i].le);
    }
    ovl_doc_free(d);
}

/* Title; Chinese abstract over 5 lines; English abstract over 6; heading 一、; body over 4
 * lines; numbered heading 1.; body over 2 lines. Same in every encoding. */
static const para_want paper[] = {{1, 17, 1, 1},     {19, 121, 2, 6},   {123, 387, 7, 12},
                                  {389, 396, 14, 14}, {398, 477, 15, 18}, {479, 488, 19, 19},
                                  {490, 531, 20, 21}};
static const char *paper_files[] = {"ingest/paper.utf8.txt", "ingest/paper.utf8bom.txt",
                                    "ingest/paper.utf16le.txt", "ingest/paper.utf16be.txt",
                                    "ingest/paper.gb18030.txt", "ingest/paper.big5.txt"};

START_TEST(chinese_hard_wrapped)
{
    expect_paragraphs(paper_files[_i], paper, sizeof paper / sizeof *paper);
}
END_TEST

START_TEST(chinese_byte_ranges)
{
    /* Byte starts of paragraph 2 (the abstract) differ per encoding, exactly. */
    static const uint64_t byte_start[] = {51, 54, 40, 40, 35, 35};
    ovl_doc *d = tu_doc(tu_path(tu_fixtures(), paper_files[_i]));
    const ovl_range *p = ovl_segments_paragraphs(ovl_doc_segments(d));
    ck_assert_uint_eq(ovl_text_byte(ovl_doc_text(d), p[1].start), byte_start[_i]);
    ovl_doc_free(d);
}
END_TEST

START_TEST(english_hard_wrapped)
{
    /* Title; two indented paragraphs; "2. Results"; a paragraph with "edi-\ntions". */
    static const para_want eng[] = {{0, 35, 1, 1}, {40, 231, 3, 6}, {235, 391, 7, 9},
                                    {393, 403, 11, 11}, {407, 582, 12, 15}};
    expect_paragraphs("ingest/english.txt", eng, sizeof eng / sizeof *eng);
}
END_TEST

START_TEST(sentences)
{
    const char *s = "第一句。第二句！Third one. Pi is 3.14 here? 末尾";
    ovl_doc *d = NULL;
    ck_assert_int_eq(ovl_doc_from_bytes(NULL, "s", s, strlen(s), NULL, &d), OVL_OK);
    const ovl_segments *sg = ovl_doc_segments(d);
    ck_assert_uint_eq(ovl_segments_paragraph_count(sg), 1);
    ck_assert_uint_eq(ovl_segments_sentence_count(sg), 5);
    const ovl_range *r = ovl_segments_sentences(sg);
    const uint32_t want[][2] = {{0, 4}, {4, 8}, {8, 18}, {19, 35}, {36, 38}};
    for (size_t i = 0; i < 5; i++) {
        ck_assert_uint_eq(r[i].start, want[i][0]);
        ck_assert_uint_eq(r[i].end, want[i][1]);
    }
    ovl_doc_free(d);
}
END_TEST

START_TEST(double_spaced_and_page_breaks)
{
    /* Every wrapped line followed by a blank line (as some PDF extractors write): a single
     * blank line does not end the paragraph; the sentence-final short line does. */
    const char *s = "推进城市群建设是构建新发\n\n展格局的重要战略部署。国\n\n家规划提出发展壮大城市群\n\n"
                    "和都市圈。\n\n当前我省城市群建设应主动\n\n对接新发展格局对接全域发\n\n展对接乡村"
                    "振兴形成体系\n\n要素的高度整合协同。\n\n第二段落的第一行文字在此\n\n继续写到这里结束。\n";
    ovl_doc *d = NULL;
    ck_assert_int_eq(ovl_doc_from_bytes(NULL, "s", s, strlen(s), NULL, &d), OVL_OK);
    const ovl_segments *sg = ovl_doc_segments(d);
    const ovl_text *t = ovl_doc_text(d);
    ck_assert_uint_eq(ovl_segments_paragraph_count(sg), 3);
    const ovl_range *p = ovl_segments_paragraphs(sg);
    ck_assert_uint_eq(ovl_text_line(t, p[0].start), 1);
    ck_assert_uint_eq(ovl_text_line(t, p[0].end - 1), 7);
    ck_assert_uint_eq(ovl_text_line(t, p[1].start), 9);
    ck_assert_uint_eq(ovl_text_line(t, p[1].end - 1), 15);
    ck_assert_uint_eq(ovl_text_line(t, p[2].start), 17);
    ovl_doc_free(d);
}
END_TEST

/* Index of the first occurrence of the UTF-8 string needle in the decoded text, or -1. */
static long find_chars(const ovl_text *t, const char *needle)
{
    ovl_text *n = NULL;
    ck_assert_int_eq(ovl_decode(NULL, needle, strlen(needle), NULL, &n), OVL_OK);
    size_t nn = ovl_text_length(n), len = ovl_text_length(t);
    long at = -1;
    for (size_t i = 0; i + nn <= len && at < 0; i++)
        if (memcmp(ovl_text_chars(t) + i, ovl_text_chars(n), nn * sizeof(uint32_t)) == 0)
            at = (long)i;
    ovl_text_free(n);
    return at;
}

START_TEST(seed_paragraph_over_lines)
{
    const char *path = tu_seed_path("000");
    ck_assert_msg(path != NULL, "seed 000 missing from %s", tu_seeds());
    ovl_doc *d = tu_doc(path);
    const ovl_text *t = ovl_doc_text(d);
    const ovl_segments *sg = ovl_doc_segments(d);
    long at = find_chars(t, "社会保障体系是指");
    ck_assert_int_ge(at, 0);
    const ovl_range *p = ovl_segments_paragraphs(sg);
    size_t np = ovl_segments_paragraph_count(sg), k = 0;
    while (k < np && p[k].start != (uint32_t)at)
        k++;
    ck_assert_msg(k < np, "no paragraph starts at the sentence");
    /* The reader's paragraph runs from line 14 to the sentence ending line 27; the next
     * paragraph starts after the blank line, on line 29. */
    ck_assert_uint_eq(ovl_text_line(t, p[k].start), 14);
    ck_assert_uint_eq(ovl_text_line(t, p[k].end - 1), 27);
    ck_assert_uint_eq(ovl_text_chars(t)[p[k].end - 1], 0x3002);
    ck_assert_uint_eq(ovl_text_line(t, p[k + 1].start), 29);
    /* The title is a paragraph of its own. */
    ck_assert_uint_eq(ovl_text_line(t, p[0].end - 1), 1);
    ovl_doc_free(d);
}
END_TEST

/* Paragraphs of hard-wrapped Latin text whose paragraphs end only in a short line, so that
 * every break depends on the lines' display widths. */
static size_t wrapped_latin(char *x, size_t cap, uint32_t seed, size_t *nlines)
{
    /* The last two are exceptions of a one-byte array: a line holding one is counted the
     * slow way; they come in one line in 64. */
    static const char *const odd[] = {"\x7F", "\x01", "\xC3\xA9", "\t", "\xC3\xBF", "\xE2\x80\x99"};
    size_t k = 0;
    *nlines = 0;
    while (k + 400 < cap) {
        seed = seed * 1103515245u + 12345u;
        int last = (seed >> 20) % 5 == 0;
        size_t width = last ? 5 + (seed >> 8) % 30 : 60 + (seed >> 8) % 12, w = 0;
        while (w < width) {
            seed = seed * 1103515245u + 12345u;
            if ((seed >> 16) % 6 == 0) {
                const char *o = odd[(seed >> 8) % ((seed >> 2) % 64 == 0 ? 6 : 4)];
                memcpy(x + k, o, strlen(o));
                k += strlen(o);
                w += o[0] != '\x7F' && o[0] != '\x01'; /* a tab counts one column too */
            } else {
                x[k++] = (char)('a' + (seed >> 9) % 26);
                w++;
            }
            if ((seed >> 24) % 7 == 0 && w < width)
                x[k++] = ' ', w++;
        }
        if (last) /* control characters take no column: the line stays short */
            for (int i = 0; i < 50; i++)
                x[k++] = '\x7F';
        x[k++] = '.';
        x[k++] = '\n';
        ++*nlines;
    }
    return k;
}

START_TEST(one_byte_widths_match_wide_path)
{
    /* Line widths of one-byte text are counted eight bytes at a time; after 100 Chinese
     * characters the text is two bytes wide and every line is counted a character at a time.
     * The same Latin lines must break into the same paragraphs either way. */
    enum { CAP = 60000 };
    char *x = malloc(CAP), *y = malloc(CAP + 400);
    ck_assert(x && y);
    for (uint32_t seed = 1; seed <= 5; seed++) {
        size_t nlines, k = wrapped_latin(x, CAP, seed, &nlines), m = 0;
        for (int i = 0; i < 100; i++, m += 3)
            memcpy(y + m, "\xE4\xB8\xAD", 3);
        memcpy(y + m, "\xE3\x80\x82\n\n\n", 6); /* "。" and two blank lines: a paragraph alone */
        m += 6;
        memcpy(y + m, x, k);
        m += k;
        ovl_doc *a = NULL, *b = NULL;
        ck_assert_int_eq(ovl_doc_from_bytes(NULL, "x", x, k, NULL, &a), OVL_OK);
        ck_assert_int_eq(ovl_doc_from_bytes(NULL, "y", y, m, NULL, &b), OVL_OK);
        const ovl_segments *sa = ovl_doc_segments(a), *sb = ovl_doc_segments(b);
        size_t n = ovl_segments_paragraph_count(sa);
        ck_assert_uint_gt(n, nlines / 10);
        ck_assert_uint_lt(n, nlines / 2);
        ck_assert_uint_eq(ovl_segments_paragraph_count(sb), n + 1);
        const ovl_range *pa = ovl_segments_paragraphs(sa), *pb = ovl_segments_paragraphs(sb) + 1;
        for (size_t i = 0; i < n; i++)
            if (pa[i].start + 104 != pb[i].start || pa[i].end + 104 != pb[i].end)
                ck_abort_msg("seed %u paragraph %zu: %u-%u, wide path %u-%u", (unsigned)seed, i,
                             (unsigned)pa[i].start, (unsigned)pa[i].end, (unsigned)pb[i].start - 104,
                             (unsigned)pb[i].end - 104);
        ovl_doc_free(a);
        ovl_doc_free(b);
    }
    free(x);
    free(y);
}
END_TEST

START_TEST(empty_and_options)
{
    ovl_doc *d = NULL;
    ck_assert_int_eq(ovl_doc_from_bytes(NULL, "e", "\n\n  \n", 5, NULL, &d), OVL_OK);
    ck_assert_uint_eq(ovl_segments_paragraph_count(ovl_doc_segments(d)), 0);
    ck_assert_uint_eq(ovl_segments_sentence_count(ovl_doc_segments(d)), 0);
    ovl_segment_opts o = OVL_SEGMENT_OPTS_INIT;
    o.short_line = 101;
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_segments *sg = NULL;
    ck_assert_int_eq(ovl_segment(ctx, ovl_doc_text(d), &o, &sg), OVL_ERR_INVALID);
    ck_assert_str_eq(ovl_ctx_message(ctx), "short-line threshold 101% is over 100%");
    ovl_ctx_free(ctx);
    ovl_doc_free(d);
}
END_TEST

/* Headings (label with text run on, numbered, chapter), not list items or sentences;
 * quotations (an unbalanced mark is no quotation); the last references heading. */
START_TEST(headings_quotes_references)
{
    static const char txt[] =
        "摘要：本文讨论一个问题。\n"            /* 0: label, heading up to the colon */
        "一、引言\n"                              /* 13 */
        "他说“这是引文”。另一个“没有结束\n"     /* 18 */
        "\n"
        "(1) 列表项不是标题\n"                    /* 37 */
        "1.2 Method\n"                            /* 49 */
        "1. This is a sentence that ends.\n"      /* 60 */
        "参考文献\n"                              /* 93 */
        "[1] 作者. 题名[J]. 期刊, 2020.\n";       /* 98 */
    ovl_doc *d = NULL;
    ck_assert_int_eq(ovl_doc_from_bytes(NULL, "h", txt, sizeof txt - 1, NULL, &d), OVL_OK);
    const ovl_segments *sg = ovl_doc_segments(d);
    const ovl_range *h = ovl_segments_headings(sg);
    ck_assert_uint_eq(ovl_segments_heading_count(sg), 4);
    ck_assert_uint_eq(h[0].start, 0);
    ck_assert_uint_eq(h[0].end, 2);
    ck_assert_uint_eq(h[1].start, 13);
    ck_assert_uint_eq(h[1].end, 17);
    ck_assert_uint_eq(h[2].start, 49);
    ck_assert_uint_eq(h[2].end, 59);
    ck_assert_uint_eq(h[3].start, 93);
    ck_assert_uint_eq(h[3].end, 97);
    ck_assert_uint_eq(ovl_segments_quote_count(sg), 1);
    ck_assert_uint_eq(ovl_segments_quotes(sg)[0].start, 20);
    ck_assert_uint_eq(ovl_segments_quotes(sg)[0].end, 26);
    ck_assert_uint_eq(ovl_segments_references(sg), 93);
    ovl_doc_free(d);
    ck_assert_int_eq(ovl_doc_from_bytes(NULL, "n", "no heading here.\n", 17, NULL, &d), OVL_OK);
    ck_assert_uint_eq(ovl_segments_heading_count(ovl_doc_segments(d)), 0);
    ck_assert_uint_eq(ovl_segments_quote_count(ovl_doc_segments(d)), 0);
    ck_assert_uint_eq(ovl_segments_references(ovl_doc_segments(d)), 17);
    ovl_doc_free(d);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("segment");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, chinese_hard_wrapped, 0, 6);
    tcase_add_loop_test(tc, chinese_byte_ranges, 0, 6);
    tcase_add_test(tc, english_hard_wrapped);
    tcase_add_test(tc, sentences);
    tcase_add_test(tc, double_spaced_and_page_breaks);
    tcase_add_test(tc, empty_and_options);
    tcase_add_test(tc, one_byte_widths_match_wide_path);
    tcase_add_test(tc, headings_quotes_references);
    suite_add_tcase(s, tc);
    TCase *ts = tcase_create("seeds");
    tcase_add_test(ts, seed_paragraph_over_lines);
    suite_add_tcase(s, ts);
    return tu_main(argc, argv, s);
}
