/* test_decode.c - decoding: detection, every encoding of one text, exact offsets and errors. */
#include "testutil.h"

#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ovl_text *decode_file(const char *name, const char *enc, size_t *len, char **bytes)
{
    char *b = tu_read(tu_path(tu_fixtures(), name), len);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_decode_opts o = OVL_DECODE_OPTS_INIT;
    o.encoding = enc;
    ovl_text *t = NULL;
    int rc = ovl_decode(ctx, b, *len, &o, &t);
    ck_assert_msg(rc == OVL_OK, "%s: %s", name, ovl_ctx_message(ctx));
    ovl_ctx_free(ctx);
    if (bytes)
        *bytes = b;
    else
        free(b);
    return t;
}

/* Decodes bytes [s,e) of buf alone with iconv and returns the single code point they hold,
 * or -1: an independent check of the offset map. */
static long iconv_one(const char *buf, size_t s, size_t e, const char *enc)
{
    iconv_t cd = iconv_open("UTF-32LE", enc);
    ck_assert(cd != (iconv_t)-1);
    char *in = (char *)buf + s, out[16], *o = out;
    size_t inleft = e - s, oleft = sizeof out;
    size_t r = iconv(cd, &in, &inleft, &o, &oleft);
    iconv_close(cd);
    if (r == (size_t)-1 || inleft || sizeof out - oleft != 4)
        return -1;
    return (long)((unsigned char)out[0] | (unsigned char)out[1] << 8 | (unsigned char)out[2] << 16 |
                  (unsigned long)(unsigned char)out[3] << 24);
}

static const struct {
    const char *file, *detected, *iconv_name, *same_as;
    size_t bom;
} variants[] = {
    {"ingest/paper.utf8.txt", "UTF-8", "UTF-8", "ingest/paper.utf8.txt", 0},
    {"ingest/paper.utf8bom.txt", "UTF-8-BOM", "UTF-8", "ingest/paper.utf8.txt", 3},
    {"ingest/paper.utf16le.txt", "UTF-16LE", "UTF-16LE", "ingest/paper.utf8.txt", 2},
    {"ingest/paper.utf16be.txt", "UTF-16BE", "UTF-16BE", "ingest/paper.utf8.txt", 2},
    {"ingest/paper.gb18030.txt", "GB18030", "GB18030", "ingest/paper.utf8.txt", 0},
    {"ingest/paper.big5.txt", "BIG5", "BIG5", "ingest/paper.trad.utf8.txt", 0},
};

START_TEST(detects_each_encoding)
{
    size_t len;
    char *b = tu_read(tu_path(tu_fixtures(), variants[_i].file), &len);
    ck_assert_str_eq(ovl_detect_encoding(b, len), variants[_i].detected);
    free(b);
    ovl_text *t = decode_file(variants[_i].file, NULL, &len, NULL);
    ck_assert_str_eq(ovl_text_encoding(t), variants[_i].detected);
    ck_assert_uint_eq(ovl_text_size(t), len);
    ovl_text_free(t);
}
END_TEST

START_TEST(same_code_points_in_every_encoding)
{
    size_t la, lb;
    ovl_text *a = decode_file(variants[_i].file, NULL, &la, NULL);
    ovl_text *b = decode_file(variants[_i].same_as, NULL, &lb, NULL);
    ck_assert_uint_eq(ovl_text_length(a), 532);
    ck_assert_uint_eq(ovl_text_length(a), ovl_text_length(b));
    ck_assert_int_eq(memcmp(ovl_text_chars(a), ovl_text_chars(b), 532 * sizeof(uint32_t)), 0);
    ck_assert_uint_eq(ovl_text_line_count(a), 21);
    for (size_t i = 0; i < 532; i++)
        ck_assert_uint_eq(ovl_text_line(a, i), ovl_text_line(b, i));
    ovl_text_free(a);
    ovl_text_free(b);
}
END_TEST

/* Every code point's bytes, cut out of the file and decoded alone, give that code point. */
START_TEST(byte_offsets_exact)
{
    size_t len;
    char *bytes;
    ovl_text *t = decode_file(variants[_i].file, NULL, &len, &bytes);
    const uint32_t *c = ovl_text_chars(t);
    ck_assert_uint_eq(ovl_text_byte(t, 0), variants[_i].bom);
    for (size_t i = 0; i < ovl_text_length(t); i++) {
        uint64_t s = ovl_text_byte(t, i), e = ovl_text_byte(t, i + 1);
        ck_assert_uint_lt(s, e);
        long cp = iconv_one(bytes, s, e, variants[_i].iconv_name);
        ck_assert_msg(cp == (long)c[i], "%s: char %zu at bytes %llu-%llu", variants[_i].file, i,
                      (unsigned long long)s, (unsigned long long)e);
    }
    ck_assert_uint_eq(ovl_text_byte(t, ovl_text_length(t)), len);
    ovl_text_free(t);
    free(bytes);
}
END_TEST

START_TEST(known_offsets)
{
    /* Line 2 starts after " " + 16 ideographs + LF: 50 bytes in UTF-8, 34 in GB18030,
     * 2 + 18 * 2 in UTF-16; its first character is the space at char 18. */
    size_t len;
    ovl_text *u8 = decode_file("ingest/paper.utf8.txt", NULL, &len, NULL);
    ovl_text *gb = decode_file("ingest/paper.gb18030.txt", NULL, &len, NULL);
    ovl_text *le = decode_file("ingest/paper.utf16le.txt", NULL, &len, NULL);
    ovl_text *bom = decode_file("ingest/paper.utf8bom.txt", NULL, &len, NULL);
    ck_assert_uint_eq(ovl_text_chars(u8)[18], ' ');
    ck_assert_uint_eq(ovl_text_line(u8, 17), 1);
    ck_assert_uint_eq(ovl_text_line(u8, 18), 2);
    ck_assert_uint_eq(ovl_text_byte(u8, 18), 50);
    ck_assert_uint_eq(ovl_text_byte(gb, 18), 34);
    ck_assert_uint_eq(ovl_text_byte(le, 18), 38);
    ck_assert_uint_eq(ovl_text_byte(bom, 18), 53);
    ovl_text_free(u8);
    ovl_text_free(gb);
    ovl_text_free(le);
    ovl_text_free(bom);
}
END_TEST

static void expect_error(const char *bytes, size_t len, const char *enc, int code, int64_t off,
                         const char *msg)
{
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_decode_opts o = OVL_DECODE_OPTS_INIT;
    o.encoding = enc;
    ovl_text *t = (ovl_text *)1;
    ck_assert_int_eq(ovl_decode(ctx, bytes, len, &o, &t), code);
    ck_assert_ptr_null(t);
    ck_assert_int_eq(ovl_ctx_code(ctx), code);
    ck_assert_int_eq(ovl_ctx_offset(ctx), off);
    ck_assert_str_eq(ovl_ctx_message(ctx), msg);
    ovl_ctx_free(ctx);
}

START_TEST(malformed_inputs)
{
    /* Stray 0xFF after valid UTF-8 Chinese. */
    expect_error("\xe4\xb8\xad\xe6\x96\x87\xe6\xb5\x8b\xe8\xaf\x95" "ab\xff", 15, NULL, OVL_ERR_DECODE, 14,
                 "byte 14: invalid UTF-8 sequence");
    /* Truncated three-byte sequence in the middle. */
    expect_error("\xe4\xb8\xad\xe6\x96\x87\xe6\xb5\x8b\xe8\xaf\x95\xe4\xb8" "x", 15, NULL, OVL_ERR_DECODE, 12,
                 "byte 12: invalid UTF-8 sequence");
    /* Overlong encoding of '/' and an encoded surrogate are invalid UTF-8. */
    expect_error("ab\xc0\xaf", 4, "UTF-8", OVL_ERR_DECODE, 2, "byte 2: invalid UTF-8 sequence");
    expect_error("ab\xed\xa0\x80", 5, "utf8", OVL_ERR_DECODE, 2, "byte 2: invalid UTF-8 sequence");
    /* GB18030: lead byte followed by a byte that is no trail. */
    expect_error("\xd6\xd0\xce\xc4\x81\x20", 6, "GB18030", OVL_ERR_DECODE, 4,
                 "byte 4: invalid GB18030 sequence");
    expect_error("\xd6\xd0\xce\xc4\x81", 5, "gb18030", OVL_ERR_DECODE, 4,
                 "byte 4: incomplete GB18030 sequence at end of input");
    /* Big5: a lead byte followed by a space. */
    expect_error("\xa4\xa4\xa4\xe5\xa4\x20", 6, "BIG5", OVL_ERR_DECODE, 4, "byte 4: invalid BIG5 sequence");
    /* UTF-16LE: odd length, and a lone low surrogate. */
    expect_error("\xff\xfe\x2d\x4e\x87", 5, NULL, OVL_ERR_DECODE, 4, "byte 4: invalid UTF-16LE sequence");
    expect_error("\xff\xfe\x2d\x4e\x00\xdc", 6, NULL, OVL_ERR_DECODE, 4, "byte 4: invalid UTF-16LE sequence");
    expect_error("\xfe\xff\xd8\x00\x00\x41", 6, NULL, OVL_ERR_DECODE, 2, "byte 2: invalid UTF-16BE sequence");
    /* Binary and unknown encodings. */
    expect_error("PK\x03\x04\x00\x00" "text", 10, NULL, OVL_ERR_BINARY, 4, "byte 4: NUL byte: binary data, not text");
    expect_error("abc", 3, "NO-SUCH-CHARSET", OVL_ERR_ENCODING, -1, "unsupported encoding 'NO-SUCH-CHARSET'");
}
END_TEST

START_TEST(lenient_replaces)
{
    ovl_decode_opts o = OVL_DECODE_OPTS_INIT;
    o.lenient = 1;
    ovl_text *t = NULL;
    ck_assert_int_eq(ovl_decode(NULL, "a\xff" "b\xe4\xb8" "c", 6, &o, &t), OVL_OK);
    ck_assert_uint_eq(ovl_text_length(t), 5);
    const uint32_t want[] = {'a', 0xFFFD, 'b', 0xFFFD, 'c'};
    ck_assert_int_eq(memcmp(ovl_text_chars(t), want, sizeof want), 0);
    ck_assert_uint_eq(ovl_text_replaced(t), 2);
    ck_assert_uint_eq(ovl_text_byte(t, 3), 3);
    ck_assert_uint_eq(ovl_text_byte(t, 4), 5);
    ovl_text_free(t);
}
END_TEST

START_TEST(line_breaks)
{
    /* LF, CR LF and a lone CR each end one line; a final break opens no empty line. */
    ovl_text *t = NULL;
    ck_assert_int_eq(ovl_decode(NULL, "a\nb\r\nc\rd\n", 9, NULL, &t), OVL_OK);
    ck_assert_uint_eq(ovl_text_line_count(t), 4);
    const size_t idx[] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    const uint32_t line[] = {1, 1, 2, 2, 2, 3, 3, 4, 4};
    for (size_t i = 0; i < 9; i++)
        ck_assert_uint_eq(ovl_text_line(t, idx[i]), line[i]);
    ovl_text_free(t);
    ck_assert_int_eq(ovl_decode(NULL, "", 0, NULL, &t), OVL_OK);
    ck_assert_uint_eq(ovl_text_length(t), 0);
    ck_assert_uint_eq(ovl_text_line_count(t), 1);
    ovl_text_free(t);
}
END_TEST

START_TEST(utf16_without_bom)
{
    const char le[] = "H\0e\0l\0l\0o\0 \0w\0o\0r\0l\0d\0";
    ck_assert_str_eq(ovl_detect_encoding(le, sizeof le - 1), "UTF-16LE");
    ovl_text *t = NULL;
    ck_assert_int_eq(ovl_decode(NULL, le, sizeof le - 1, NULL, &t), OVL_OK);
    ck_assert_uint_eq(ovl_text_length(t), 11);
    ck_assert_uint_eq(ovl_text_byte(t, 10), 20);
    ovl_text_free(t);
}
END_TEST

START_TEST(gb18030_looking_like_two_byte_utf8)
{
    /* "业知识使得光谱有效" in GB18030: its first four characters are also valid two-byte UTF-8
     * sequences (d2 b5, d6 aa, ...), which must not make it a damaged UTF-8 file. */
    const char g[] = "\xd2\xb5\xd6\xaa\xca\xb6\xca\xb9\xb5\xc3\xb9\xe2\xc6\xd7\xd3\xd0\xd0\xa7";
    ck_assert_str_eq(ovl_detect_encoding(g, sizeof g - 1), "GB18030");
    ovl_text *t = NULL;
    ck_assert_int_eq(ovl_decode(NULL, g, sizeof g - 1, NULL, &t), OVL_OK);
    ck_assert_uint_eq(ovl_text_length(t), 9);
    ck_assert_uint_eq(ovl_text_chars(t)[0], 0x4E1A); /* 业 */
    ck_assert_uint_eq(ovl_text_byte(t, 8), 16);
    ovl_text_free(t);
}
END_TEST

START_TEST(western_single_byte)
{
    /* "café crème brûlée, déjà vu" in Windows-1252: sparse, isolated high bytes. */
    const char w[] = "caf\xe9 cr\xe8me br\xfbl\xe9" "e, d\xe9j\xe0 vu \x93quoted\x94 and more plain text";
    ck_assert_str_eq(ovl_detect_encoding(w, sizeof w - 1), "WINDOWS-1252");
    ovl_text *t = NULL;
    ck_assert_int_eq(ovl_decode(NULL, w, sizeof w - 1, NULL, &t), OVL_OK);
    ck_assert_str_eq(ovl_text_encoding(t), "WINDOWS-1252");
    ck_assert_uint_eq(ovl_text_chars(t)[3], 0xE9);
    ck_assert_uint_eq(ovl_text_chars(t)[27], 0x201C); /* 0x93: left double quotation mark */
    ck_assert_uint_eq(ovl_text_byte(t, 28), 28);
    ovl_text_free(t);
    /* 0x81 is undefined in Windows-1252: ISO-8859-1 then. */
    const char l1[] = "na\xefve \x81 r\xe9sum\xe9 of a long enough plain line";
    ck_assert_str_eq(ovl_detect_encoding(l1, sizeof l1 - 1), "ISO-8859-1");
}
END_TEST

START_TEST(offsets_across_blocks)
{
    /* Offsets are kept per block of 32 code points as a base and one byte each: a text
     * of 1- to 4-byte characters over many blocks, and one whose shift sequences put 355
     * bytes between two characters (the one-byte form cannot say that; all offsets go to
     * 32 bits then), each offset checked. */
    static const char *const pieces[] = {"a", "\xC3\xA9", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80", "\n"};
    char buf[4096];
    size_t len = 0, want[1001], n = 0;
    for (unsigned i = 0; i < 1000; i++) {
        const char *s = pieces[(i * 7 + i / 13) % 5];
        want[n++] = len;
        memcpy(buf + len, s, strlen(s));
        len += strlen(s);
    }
    want[n] = len;
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_text *t = NULL;
    ck_assert_int_eq(ovl_decode(ctx, buf, len, NULL, &t), OVL_OK);
    ck_assert_uint_eq(ovl_text_length(t), n);
    for (size_t i = 0; i <= n; i++)
        ck_assert_uint_eq(ovl_text_byte(t, i), want[i]);
    ck_assert_uint_eq(ovl_text_byte(t, n + 5), len);
    ovl_text_free(t);

    len = 0;
    buf[len++] = 'a';
    for (int i = 0; i < 60; i++) {
        memcpy(buf + len, "\x1b$B\x1b(B", 6);
        len += 6;
    }
    for (int i = 0; i < 40; i++)
        buf[len++] = (char)('b' + i % 20);
    ovl_decode_opts o = OVL_DECODE_OPTS_INIT;
    o.encoding = "ISO-2022-JP";
    ck_assert_msg(ovl_decode(ctx, buf, len, &o, &t) == OVL_OK, "%s", ovl_ctx_message(ctx));
    ck_assert_uint_eq(ovl_text_length(t), 41);
    ck_assert_uint_eq(ovl_text_chars(t)[1], 'b');
    /* iconv's step for 'a' takes the first shift pair along; the step for 'b' the rest. */
    ck_assert_uint_eq(ovl_text_byte(t, 0), 0);
    ck_assert_uint_eq(ovl_text_byte(t, 1), 7);
    for (size_t i = 2; i <= 41; i++)
        ck_assert_uint_eq(ovl_text_byte(t, i), 360 + i);
    ovl_text_free(t);
    ovl_ctx_free(ctx);
}
END_TEST

/* Reference UTF-8 decoder for valid input: code point, byte offset and line number of each
 * character, the way the library defines them (a line starts after LF, after a CR not
 * followed by LF, and after U+2028/U+2029). */
static size_t ref_utf8(const unsigned char *p, size_t len, uint32_t *cp, size_t *off, uint32_t *line)
{
    size_t n = 0;
    uint32_t ln = 1;
    for (size_t i = 0; i < len;) {
        unsigned c = p[i];
        size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        uint32_t v = k == 1 ? c : c & (0x7Fu >> k);
        for (size_t j = 1; j < k; j++)
            v = v << 6 | (p[i + j] & 0x3Fu);
        cp[n] = v;
        off[n] = i;
        line[n] = ln;
        n++;
        if (v == '\n' || v == 0x2028 || v == 0x2029 || (v == '\r' && !(i + 1 < len && p[i + 1] == '\n')))
            ln++;
        i += k;
    }
    off[n] = len;
    return n;
}

START_TEST(runs_match_reference)
{
    /* Runs of ASCII (rounds 0-39) or of Chinese (rounds 40-79, a text two bytes wide) of every
     * length from 0 to 70, so that they start and end at every place of a 32-character block
     * and of an 8-byte word, between other characters: CR, CR LF, tabs, U+2028, U+FFFF (the
     * two-byte array's exception mark), two- to four-byte sequences. Every code point, offset
     * and line is checked. */
    static const char *const other[] = {"\r", "\r\n", "\n", "\t", "\xC3\xA9", "\xC3\xBF", "\xE4\xB8\xAD",
                                        "\xF0\x9F\x98\x80", "\xE2\x80\xA8", "\x7F", "\xEF\xBF\xBF", "a", "",
                                        "\xEF\xBC\x8C", "\xEA\xB0\x80", "\xE2\x80\x99", "\xED\x9F\xBF"};
    enum { CAP = 1 << 15 };
    unsigned char *buf = malloc(CAP);
    uint32_t *cp = malloc(CAP * sizeof *cp), *line = malloc(CAP * sizeof *line);
    size_t *off = malloc((CAP + 1) * sizeof *off);
    ck_assert(buf && cp && line && off);
    uint32_t seed = 12345;
    for (int round = 0; round < 80; round++) {
        size_t len = 0;
        while (len < CAP - 300) {
            seed = seed * 1103515245u + 12345u;
            size_t run = (seed >> 16) % 71;
            for (size_t k = 0; k < run; k++) {
                if (round < 40) {
                    buf[len++] = (unsigned char)(' ' + (k * 7 + round) % 95);
                    continue;
                }
                uint32_t c = 0x4E00 + (uint32_t)((k * 131 + (size_t)round) % 20000); /* CJK, UTF-8 in three bytes */
                buf[len++] = (unsigned char)(0xE0 | c >> 12);
                buf[len++] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
                buf[len++] = (unsigned char)(0x80 | (c & 0x3F));
            }
            const char *o = other[(seed >> 8) % (sizeof other / sizeof *other)];
            memcpy(buf + len, o, strlen(o));
            len += strlen(o);
        }
        size_t n = ref_utf8(buf, len, cp, off, line);
        ovl_text *t = NULL;
        ck_assert_int_eq(ovl_decode(NULL, buf, len, NULL, &t), OVL_OK);
        ck_assert_uint_eq(ovl_text_length(t), n);
        const uint32_t *got = ovl_text_chars(t);
        /* Checked by hand and reported on the first difference: an assertion per character
         * would cost a message to the test runner each. */
        for (size_t i = 0; i < n; i++) {
            if (got[i] != cp[i] || ovl_text_byte(t, i) != off[i] || ovl_text_line(t, i) != line[i])
                ck_abort_msg("round %d, character %zu: U+%04X at byte %llu line %u, want U+%04X at %zu line %u",
                             round, i, (unsigned)got[i], (unsigned long long)ovl_text_byte(t, i),
                             (unsigned)ovl_text_line(t, i), (unsigned)cp[i], off[i], (unsigned)line[i]);
        }
        ck_assert_uint_eq(ovl_text_byte(t, n), len);
        ovl_text_free(t);
    }
    free(buf);
    free(cp);
    free(line);
    free(off);
}
END_TEST

START_TEST(compact_code_points)
{
    /* Code points are kept 1, 2 or 4 bytes wide with the few that do not fit as exceptions
     * (internal.h): each mix below, read one by one, as the 32-bit array and as folded
     * characters, gives back exactly what was encoded. Mixes: English with curly quotes and
     * U+00FF (the 1-byte mark itself) as exceptions; 100 ASCII characters then Chinese (the
     * array widens to 2 bytes midway); Chinese with U+FFFF and emoji (2-byte exceptions); emoji
     * only (4 bytes); an empty text. */
    enum { N = 3000 };
    static uint32_t want[N];
    static char buf[N * 4 + 1];
    for (int mix = 0; mix < 5; mix++) {
        size_t n = mix == 4 ? 0 : N, len = 0;
        for (size_t i = 0; i < n; i++) {
            uint32_t c;
            if (mix == 0)
                c = i % 97 == 5 ? 0x2019 : i % 211 == 7 ? 0xFF : "the cat sat\n"[i % 12];
            else if (mix == 1)
                c = i < 100 ? 'a' + (uint32_t)(i % 26) : 0x4E00 + (uint32_t)(i % 500);
            else if (mix == 2)
                c = i % 101 == 3 ? 0x1F600 : i % 103 == 9 ? 0xFFFF : 0x4E00 + (uint32_t)(i % 300);
            else
                c = 0x1F600 + (uint32_t)(i % 64);
            want[i] = c;
            len += ovl_utf8_encode(c, buf + len);
        }
        ovl_decode_opts o = OVL_DECODE_OPTS_INIT;
        o.encoding = "UTF-8";
        ovl_text *t = NULL;
        ck_assert_int_eq(ovl_decode(NULL, buf, len, &o, &t), OVL_OK);
        ck_assert_uint_eq(ovl_text_length(t), n);
        const uint32_t *all = ovl_text_chars(t);
        ck_assert_ptr_nonnull(all);
        ck_assert_ptr_eq(ovl_text_chars(t), all); /* made once */
        for (size_t i = 0; i < n; i++) {
            ck_assert_msg(ovl_text_char(t, i) == want[i], "mix %d char %zu: %x, not %x", mix, i,
                          ovl_text_char(t, i), want[i]);
            ck_assert_uint_eq(all[i], want[i]);
        }
        ck_assert_uint_eq(ovl_text_char(t, n), 0);
        ovl_norm *nm = NULL;
        ck_assert_int_eq(ovl_normalize(NULL, t, NULL, &nm), OVL_OK);
        const ovl_token *tk = ovl_norm_tokens(nm);
        const uint32_t *fc = ovl_norm_chars(nm);
        size_t nt = ovl_norm_count(nm), folded = 0;
        for (size_t k = 0; k < nt; k++) {
            uint32_t f[32];
            for (uint32_t j = 0; j < tk[k].norm_len; j++) {
                size_t at = tk[k].norm_start + j;
                ck_assert_uint_eq(ovl_norm_char(nm, at), fc[at]);
                folded++;
            }
            /* A one-character token folds as ovl_fold_char says. */
            if (tk[k].char_end == tk[k].char_start + 1 && tk[k].norm_len == 1) {
                ck_assert_uint_ge(ovl_fold_char(want[tk[k].char_start], 1, f, 32), 1);
                ck_assert_uint_eq(ovl_norm_char(nm, tk[k].norm_start), f[0]);
            }
        }
        ck_assert_uint_eq(folded, nt ? tk[nt - 1].norm_start + tk[nt - 1].norm_len : 0);
        ovl_norm_free(nm);
        ovl_text_free(t);
    }
}
END_TEST

START_TEST(document_size_limit)
{
    /* Past ovl_doc_opts.max_bytes a document is refused, from bytes and, before it is
     * read, from a file; 0 lifts the limit. */
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_doc_opts o = OVL_DOC_OPTS_INIT;
    ck_assert_uint_eq(o.max_bytes, 256u << 20);
    o.max_bytes = 10;
    ovl_doc *d = (ovl_doc *)1;
    ck_assert_int_eq(ovl_doc_from_bytes(ctx, "x", "0123456789", 10, &o, &d), OVL_OK);
    ovl_doc_free(d);
    ck_assert_int_eq(ovl_doc_from_bytes(ctx, "x", "0123456789a", 11, &o, &d), OVL_ERR_TOOBIG);
    ck_assert_ptr_null(d);
    ck_assert_str_eq(ovl_ctx_message(ctx), "input of 11 bytes exceeds the limit of 10 bytes for one document");
    char path[] = "/tmp/ovl_test_limit_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "0123456789abc", 13), 13);
    close(fd);
    ck_assert_int_eq(ovl_doc_from_file(ctx, path, &o, &d), OVL_ERR_TOOBIG);
    ck_assert_str_eq(ovl_ctx_message(ctx), "input of 13 bytes exceeds the limit of 10 bytes for one document");
    o.max_bytes = 0;
    ck_assert_int_eq(ovl_doc_from_file(ctx, path, &o, &d), OVL_OK);
    ck_assert_uint_eq(ovl_text_length(ovl_doc_text(d)), 13);
    ovl_doc_free(d);
    /* A version 1 struct ends before max_bytes (nothing past it is read; here it would be
     * 1): it gets the default limit. An unknown version is refused. */
    struct {
        unsigned version;
        ovl_decode_opts decode;
        ovl_norm_opts norm;
        ovl_segment_opts segment;
        uint64_t after; /* not part of a version 1 struct */
    } v1 = {1, OVL_DECODE_OPTS_INIT, OVL_NORM_OPTS_INIT, OVL_SEGMENT_OPTS_INIT, 1};
    ck_assert_uint_eq(OVL_DOC_OPTS_VERSION, 2);
    ck_assert_int_eq(ovl_doc_from_file(ctx, path, (const ovl_doc_opts *)(const void *)&v1, &d), OVL_OK);
    ovl_doc_free(d);
    ck_assert_int_eq(ovl_doc_from_bytes(ctx, "x", "0123456789a", 11, (const ovl_doc_opts *)(const void *)&v1, &d),
                     OVL_OK);
    ovl_doc_free(d);
    o.version = 3;
    ck_assert_int_eq(ovl_doc_from_file(ctx, path, &o, &d), OVL_ERR_INVALID);
    ck_assert_str_eq(ovl_ctx_message(ctx), "ovl_doc: unknown options version 3");
    unlink(path);
    ovl_ctx_free(ctx);
}
END_TEST

START_TEST(utf16_cjk_without_bom)
{
    /* "語文。\n說話、書\n" in UTF-16LE without a BOM: only the line breaks have NUL bytes,
     * too few for the ASCII-heavy rule. */
    const char le[] = "\x9e\x8a\x87\x65\x02\x30\x0a\x00\xaa\x8a\x71\x8a\x01\x30\xf8\x66\x0a\x00";
    ck_assert_str_eq(ovl_detect_encoding(le, sizeof le - 1), "UTF-16LE");
    ovl_text *t = NULL;
    ck_assert_int_eq(ovl_decode(NULL, le, sizeof le - 1, NULL, &t), OVL_OK);
    ck_assert_uint_eq(ovl_text_length(t), 9);
    ck_assert_uint_eq(ovl_text_chars(t)[7], 0x66F8);
    ck_assert_uint_eq(ovl_text_byte(t, 4), 8);
    ck_assert_uint_eq(ovl_text_line(t, 4), 2);
    ovl_text_free(t);
    /* The same in UTF-16BE. */
    char be[sizeof le];
    for (size_t i = 0; i + 1 < sizeof le; i += 2)
        be[i] = le[i + 1], be[i + 1] = le[i];
    ck_assert_str_eq(ovl_detect_encoding(be, sizeof le - 1), "UTF-16BE");
    /* Binary data with a few NULs on one side is still binary, and so is ASCII text with
     * one NUL (its byte pairs would read as CJK). */
    const char bin[] = "\x01\x02\x03\x00\xff\xfe\x10\x81\x7f\x80\x05\x90\x91\x92\x93\x94";
    ovl_ctx *ctx = ovl_ctx_new();
    ck_assert_int_eq(ovl_decode(ctx, bin, sizeof bin - 1, NULL, &t), OVL_ERR_BINARY);
    ck_assert_int_eq(ovl_decode(ctx, "plain text then\0binary", 22, NULL, &t), OVL_ERR_BINARY);
    ovl_ctx_free(ctx);
}
END_TEST

START_TEST(legacy_cjk_detected)
{
    /* A Shift_JIS line is also valid GB18030; the detector must not take it for Chinese.
     * "図書館は駅から歩いて十分ほどの古い建物にあります。子どもたちが集まります。" */
    const char sj[] = "\x90\x7d\x8f\x91\x8a\xd9\x82\xcd\x89\x77\x82\xa9\x82\xe7\x95\xe0\x82\xa2"
                      "\x82\xc4\x8f\x5c\x95\xaa\x82\xd9\x82\xc7\x82\xcc\x8c\xc3\x82\xa2\x8c\x9a\x95\xa8"
                      "\x82\xc9\x82\xa0\x82\xe8\x82\xdc\x82\xb7\x81\x42\x8e\x71\x82\xc7\x82\xe0\x82\xbd"
                      "\x82\xbf\x82\xaa\x8f\x57\x82\xdc\x82\xe8\x82\xdc\x82\xb7\x81\x42\n";
    ck_assert_str_eq(ovl_detect_encoding(sj, sizeof sj - 1), "SHIFT_JIS");
    ovl_text *t = NULL;
    ck_assert_int_eq(ovl_decode(NULL, sj, sizeof sj - 1, NULL, &t), OVL_OK);
    ck_assert_str_eq(ovl_text_encoding(t), "SHIFT_JIS");
    ck_assert_uint_eq(ovl_text_chars(t)[0], 0x56F3); /* 図 */
    ck_assert_uint_eq(ovl_text_byte(t, 3), 6);
    ovl_text_free(t);
}
END_TEST

START_TEST(bad_arguments)
{
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_decode_opts o = OVL_DECODE_OPTS_INIT;
    o.version = 99;
    ovl_text *t;
    ck_assert_int_eq(ovl_decode(ctx, "a", 1, &o, &t), OVL_ERR_INVALID);
    ck_assert_str_eq(ovl_ctx_message(ctx), "ovl_decode: unknown options version 99");
    ck_assert_int_eq(ovl_decode(ctx, "a", 1, NULL, NULL), OVL_ERR_INVALID);
    ck_assert_str_eq(ovl_strerror(OVL_ERR_DECODE), "invalid byte sequence");
    ck_assert_str_eq(ovl_strerror(12345), "unknown error");
    ovl_ctx_free(ctx);
    ovl_ctx_free(NULL);
    ovl_text_free(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("decode");
    TCase *tc = tcase_create("core");
    size_t nv = sizeof variants / sizeof *variants;
    tcase_add_loop_test(tc, detects_each_encoding, 0, (int)nv);
    tcase_add_loop_test(tc, same_code_points_in_every_encoding, 0, (int)nv);
    tcase_add_loop_test(tc, byte_offsets_exact, 0, (int)nv);
    tcase_add_test(tc, known_offsets);
    tcase_add_test(tc, malformed_inputs);
    tcase_add_test(tc, lenient_replaces);
    tcase_add_test(tc, line_breaks);
    tcase_add_test(tc, utf16_without_bom);
    tcase_add_test(tc, gb18030_looking_like_two_byte_utf8);
    tcase_add_test(tc, western_single_byte);
    tcase_add_test(tc, offsets_across_blocks);
    tcase_add_test(tc, runs_match_reference);
    tcase_add_test(tc, compact_code_points);
    tcase_add_test(tc, document_size_limit);
    tcase_add_test(tc, utf16_cjk_without_bom);
    tcase_add_test(tc, legacy_cjk_detected);
    tcase_add_test(tc, bad_arguments);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
