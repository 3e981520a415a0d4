/* charclass.h - which folded code points make CJK, word or symbol tokens; shared by the
 * build-time table generator and the run-time fallback for code points beyond the BMP. */
#ifndef OVL_CHARCLASS_H
#define OVL_CHARCLASS_H

#include <stdint.h>
#include <utf8proc.h>

/* Values match OVL_NT_* in normalize.c. */
static inline int ovl__is_cjk_cp(uint32_t c)
{
    return (c >= 0x2E80 && c <= 0x2FDF) || c == 0x3005 || c == 0x3006 || c == 0x3007 ||
           (c >= 0x3021 && c <= 0x3029) || (c >= 0x3038 && c <= 0x303B) ||
           (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3130 && c <= 0x318F) ||
           (c >= 0x31F0 && c <= 0x31FF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA960 && c <= 0xA97F) ||
           (c >= 0xAC00 && c <= 0xD7FF) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0x1100 && c <= 0x11FF) || (c >= 0x20000 && c <= 0x3FFFF);
}

static inline unsigned ovl__classify_cp(uint32_t c)
{
    if (ovl__is_cjk_cp(c))
        return 1; /* CJK */
    switch (utf8proc_category((utf8proc_int32_t)c)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
        return 2; /* part of a word */
    case UTF8PROC_CATEGORY_SM: case UTF8PROC_CATEGORY_SC: case UTF8PROC_CATEGORY_SK:
    case UTF8PROC_CATEGORY_SO:
        return c == 0xFFFD ? 0 : 3; /* a token of its own; a replacement char is noise */
    default:
        return 0; /* punctuation, separators, controls, non-spacing marks: not matched */
    }
}

/* Compatibility decomposition + case fold, non-spacing marks dropped (kana voicing kept),
 * then canonical recomposition, so "é" and "e\u0301" both fold to "e". */
static inline size_t ovl__fold_nfkc(uint32_t cp, uint32_t *out, size_t cap)
{
    utf8proc_int32_t buf[32];
    int last = 0;
    utf8proc_ssize_t n = utf8proc_decompose_char((utf8proc_int32_t)cp, buf, 32,
        UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD, &last);
    if (n < 0 || n > 32)
        return 0;
    utf8proc_ssize_t m = 0;
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        utf8proc_category_t cat = utf8proc_category(buf[i]);
        if ((cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_ME) && buf[i] != 0x3099 &&
            buf[i] != 0x309A)
            continue;
        buf[m++] = buf[i];
    }
    m = utf8proc_normalize_utf32(buf, m, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
    size_t k = 0;
    for (utf8proc_ssize_t i = 0; i < m && k < cap; i++)
        out[k++] = (uint32_t)buf[i];
    return k;
}

#endif
