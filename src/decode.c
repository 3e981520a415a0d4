/* decode.c - bytes to code points with exact byte offsets and line starts; encoding detection. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <uchardet/uchardet.h>

#define BINARY_WINDOW 8192u

typedef struct builder {
    ovl_text *t;
    size_t cap, lcap;
    int pending_cr; /* previous char was CR: a following LF belongs to the same break */
} builder;

/* Room for cap code points and the offset after the last. */
static size_t nblocks(size_t cap) { return cap / OVL_TEXT_BLOCK + 1; }

static int b_init(builder *b, size_t hint)
{
    memset(b, 0, sizeof *b);
    b->t = calloc(1, sizeof *b->t);
    if (!b->t)
        return -1;
    b->cap = hint + 1;
    b->t->boff = malloc(b->cap + 1);
    b->t->bbase = malloc(nblocks(b->cap) * sizeof *b->t->bbase);
    b->lcap = 64;
    b->t->lines = malloc(b->lcap * sizeof *b->t->lines);
    if (ovl__cps_init(&b->t->chars, b->cap) != 0 || !b->t->boff || !b->t->bbase || !b->t->lines)
        return -1;
    b->t->lines[0] = 0;
    b->t->nlines = 1;
    return 0;
}

/* Offsets no longer fit the compact form: every one in 32 bits from here on. */
static int b_widen(builder *b)
{
    ovl_text *t = b->t;
    uint32_t *o = malloc((b->cap + 1) * sizeof *o);
    if (!o)
        return -1;
    for (size_t i = 0; i < t->n; i++)
        o[i] = t->bbase[i / OVL_TEXT_BLOCK] + t->boff[i];
    free(t->boff);
    free(t->bbase);
    t->boff = NULL;
    t->bbase = NULL;
    t->bytes = o;
    return 0;
}

/* Records byte offset off for code point k (k <= n, within capacity). */
static inline int b_setoff(builder *b, size_t k, size_t off)
{
    ovl_text *t = b->t;
    if (!t->bytes) {
        if (k % OVL_TEXT_BLOCK == 0)
            t->bbase[k / OVL_TEXT_BLOCK] = (uint32_t)off;
        size_t rel = off - t->bbase[k / OVL_TEXT_BLOCK];
        if (rel <= 0xFF) {
            t->boff[k] = (uint8_t)rel;
            return 0;
        }
        if (b_widen(b) != 0)
            return -1;
    }
    t->bytes[k] = (uint32_t)off;
    return 0;
}

/* Appends cp that started at byte offset off. */
static inline int b_put(builder *b, uint32_t cp, size_t off)
{
    ovl_text *t = b->t;
    if (t->n + 1 >= b->cap) {
        size_t ncap = b->cap * 2;
        if (ovl__cps_resize(&t->chars, t->n, ncap) != 0)
            return -1;
        if (t->bytes) {
            uint32_t *o = realloc(t->bytes, (ncap + 1) * sizeof *o);
            if (!o)
                return -1;
            t->bytes = o;
        } else {
            uint8_t *o = realloc(t->boff, ncap + 1);
            if (!o)
                return -1;
            t->boff = o;
            uint32_t *s = realloc(t->bbase, nblocks(ncap) * sizeof *s);
            if (!s)
                return -1;
            t->bbase = s;
        }
        b->cap = ncap;
    }
    /* A line starts after LF, after a lone CR, and after U+2028/U+2029. */
    int new_line = b->pending_cr ? cp != '\n' : 0;
    if (new_line && ovl__grow(&t->lines, &b->lcap, t->nlines + 1, sizeof *t->lines) == 0)
        t->lines[t->nlines++] = (uint32_t)t->n;
    else if (new_line)
        return -1;
    b->pending_cr = cp == '\r';
    if (b_setoff(b, t->n, off) != 0)
        return -1;
    if (ovl__cps_put(&t->chars, t->n, cp, b->cap) != 0)
        return -1;
    t->n++;
    if (cp == '\n' || cp == 0x2028 || cp == 0x2029) {
        if (ovl__grow(&t->lines, &b->lcap, t->nlines + 1, sizeof *t->lines) != 0)
            return -1;
        t->lines[t->nlines++] = (uint32_t)t->n;
    }
    return 0;
}

/* Shrinks *p to n elements of size sz; keeps it when realloc cannot. */
static void shrink(void *pp, size_t n, size_t sz)
{
    void **p = pp;
    void *s = *p ? realloc(*p, (n ? n : 1) * sz) : NULL;
    if (s)
        *p = s;
}

/* Closes the text: a trailing CR ends its line; a line start at the very end (text ending
 * in a break) is kept so that "a\n" has two lines only if something follows. The arrays,
 * sized for one code point per input byte, give back what the text did not use (two
 * thirds of them for Chinese UTF-8). NULL when out of memory. */
static ovl_text *b_finish(builder *b, size_t size)
{
    ovl_text *t = b->t;
    if (b_setoff(b, t->n, size) != 0)
        return NULL;
    if (t->nlines > 1 && t->lines[t->nlines - 1] == t->n)
        t->nlines--;
    ovl__cps_resize(&t->chars, t->n, t->n);
    shrink(&t->boff, t->n + 1, 1);
    shrink(&t->bbase, nblocks(t->n), sizeof *t->bbase);
    shrink(&t->bytes, t->n + 1, sizeof *t->bytes);
    shrink(&t->lines, t->nlines, sizeof *t->lines);
    b->t = NULL;
    return t;
}

static void b_abort(builder *b)
{
    ovl_text_free(b->t);
    b->t = NULL;
}

void ovl_text_free(ovl_text *t)
{
    if (!t)
        return;
    ovl__cps_free(&t->chars);
    free(atomic_load(&t->wide));
    free(t->bbase);
    free(t->boff);
    free(t->bytes);
    free(t->lines);
    free(t);
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if invalid; *cp receives the value. */
static inline size_t utf8_next(const unsigned char *p, size_t avail, uint32_t *cp)
{
    unsigned c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xC2)
        return 0;
    if (c < 0xE0) {
        if (avail < 2 || (p[1] & 0xC0) != 0x80)
            return 0;
        *cp = ((c & 0x1Fu) << 6) | (p[1] & 0x3Fu);
        return 2;
    }
    if (c < 0xF0) {
        if (avail < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        uint32_t v = ((c & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
        if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))
            return 0;
        *cp = v;
        return 3;
    }
    if (c < 0xF5) {
        if (avail < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        uint32_t v = ((c & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) |
                     (p[3] & 0x3Fu);
        if (v < 0x10000 || v > 0x10FFFF)
            return 0;
        *cp = v;
        return 4;
    }
    return 0;
}

/* Offset of the first invalid UTF-8 byte, or len when all valid; *two and *long count the
 * valid two-byte and three- or four-byte sequences before it. */
static size_t utf8_first_invalid(const unsigned char *p, size_t len, size_t *two, size_t *lng)
{
    size_t i = 0;
    *two = *lng = 0;
    while (i < len) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_next(p + i, len - i, &cp);
        if (!n)
            return i;
        i += n;
        ++*(n == 2 ? two : lng);
    }
    return len;
}

/* Length of the run of ASCII bytes but CR at p (n at most), eight at a time. */
static size_t ascii_len(const unsigned char *p, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        if ((x & 0x8080808080808080ull) | ovl__bytes_eq(x, '\r'))
            break;
    }
    while (i < n && p[i] < 0x80 && p[i] != '\r')
        i++;
    return i;
}

/* Decodes the run of ASCII bytes (but CR) from *at; offsets must be compact, code points one
 * byte wide and no CR pending. Copied as they are, their offsets written a block at a time and their line
 * starts found by memchr. Room is already there (one entry per input byte). -1 when out of
 * memory. */
static int ascii_run(builder *b, const unsigned char *p, size_t len, size_t *at)
{
    ovl_text *t = b->t;
    size_t i = *at, k = t->n, run = ascii_len(p + i, len - i), done = 0;
    uint8_t *boff = t->boff;
    while (done < run) {
        size_t kk = k + done, ii = i + done;
        if (kk % OVL_TEXT_BLOCK == 0)
            t->bbase[kk / OVL_TEXT_BLOCK] = (uint32_t)ii;
        size_t rel = ii - t->bbase[kk / OVL_TEXT_BLOCK];
        size_t m = OVL_TEXT_BLOCK - kk % OVL_TEXT_BLOCK;
        if (m > run - done)
            m = run - done;
        if (rel + m > 0x100)
            m = rel <= 0xFF ? 0x100 - rel : 0; /* the general path widens the offsets */
        if (m == 0)
            break;
        /* Eight offsets at a time: the bytes 0..7 plus rel in each (rel + 7 <= 0xFF here, so
         * no carry crosses a byte, whatever the byte order). */
        size_t q = 0;
        uint64_t iota;
        memcpy(&iota, "\0\1\2\3\4\5\6\7", 8);
        for (; q + 8 <= m; q += 8) {
            uint64_t v = iota + (uint64_t)(rel + q) * 0x0101010101010101ull;
            memcpy(boff + kk + q, &v, 8);
        }
        for (; q < m; q++)
            boff[kk + q] = (uint8_t)(rel + q);
        done += m;
    }
    memcpy((uint8_t *)t->chars.v + k, p + i, done);
    for (const unsigned char *nl = p + i, *end = p + i + done; (nl = memchr(nl, '\n', (size_t)(end - nl))) != NULL;) {
        nl++;
        if (ovl__grow(&t->lines, &b->lcap, t->nlines + 1, sizeof *t->lines) != 0)
            return -1;
        t->lines[t->nlines++] = (uint32_t)(k + (size_t)(nl - (p + i)));
    }
    t->n = k + done;
    *at = i + done;
    return 0;
}

/* Decodes the run of valid three-byte sequences (most CJK text) from *at into a two-byte wide
 * array with compact offsets, the arrays in locals as in ascii_run. Stops before a sequence
 * the general path must see: U+2028, U+2029 (line breaks) and U+FFFF (the array's exception
 * mark), and where an offset no longer fits its block. Room is already there. */
static void cjk_run(builder *b, const unsigned char *p, size_t len, size_t *at)
{
    ovl_text *t = b->t;
    uint16_t *v = t->chars.v;
    uint8_t *boff = t->boff;
    uint32_t *bbase = t->bbase;
    size_t i = *at, k = t->n;
    while (i + 3 <= len) {
        /* The three bytes in one word (whatever the byte order): 1110xxxx 10xxxxxx 10xxxxxx. */
        uint32_t w = p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16;
        if ((w & 0xC0C0F0u) != 0x8080E0u)
            break;
        uint32_t cp = (w & 0x0Fu) << 12 | (w >> 2 & 0xFC0u) | (w >> 16 & 0x3Fu);
        /* U+3000 to the surrogates and U+E000 to U+FFFE: CJK, Hangul, full-width forms; the
         * rest (overlong forms, surrogates, U+2028, U+2029, U+FFFF) goes the general way. */
        if (cp - 0x3000u >= 0xD800u - 0x3000u && cp - 0xE000u >= 0xFFFFu - 0xE000u)
            break;
        if (k % OVL_TEXT_BLOCK == 0)
            bbase[k / OVL_TEXT_BLOCK] = (uint32_t)i;
        size_t rel = i - bbase[k / OVL_TEXT_BLOCK];
        if (rel > 0xFF)
            break;
        boff[k] = (uint8_t)rel;
        v[k++] = (uint16_t)cp;
        i += 3;
    }
    t->n = k;
    *at = i;
}

static int decode_utf8(ovl_ctx *ctx, builder *b, const unsigned char *p, size_t len, size_t start,
                       int lenient, const char *label)
{
    size_t i = start;
    ovl_text *t = b->t;
    /* The arrays hold len + 1 entries already (one per byte at most), so the common case
     * writes them directly; only CR and bad bytes take the general path. */
    while (i < len) {
        uint32_t cp;
        size_t n;
        unsigned c = p[i];
        if (c >= 0x20 && c < 0x80 && !b->pending_cr) {
            if (t->chars.width == 1 && !t->bytes) {
                if (ascii_run(b, p, len, &i) != 0)
                    return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
                continue;
            }
            if (b_setoff(b, t->n, i) != 0 || ovl__cps_put(&t->chars, t->n, c, b->cap) != 0)
                return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
            t->n++;
            i++;
            continue;
        }
        if (c >= 0xE0 && c < 0xF0 && t->chars.width == 2 && !t->bytes && !b->pending_cr) {
            size_t i0 = i;
            cjk_run(b, p, len, &i);
            if (i > i0)
                continue;
        }
        if (c >= 0x80 && (n = utf8_next(p + i, len - i, &cp)) != 0 && !b->pending_cr &&
            cp != 0x2028 && cp != 0x2029) {
            if (b_setoff(b, t->n, i) != 0 || ovl__cps_put(&t->chars, t->n, cp, b->cap) != 0)
                return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
            t->n++;
            i += n;
            continue;
        }
        if (c < 0x80) {
            cp = c;
            n = 1;
        } else if (!(n = utf8_next(p + i, len - i, &cp))) {
            if (!lenient)
                return ovl__fail(ctx, OVL_ERR_DECODE, (int64_t)i, "byte %zu: invalid %s sequence", i, label);
            t->replaced++;
            cp = 0xFFFD;
            /* Skip the lead byte and the continuation bytes that belong to it. */
            n = 1;
            while (i + n < len && n < 4 && (p[i + n] & 0xC0) == 0x80 && p[i] >= 0xC2 && p[i] < 0xF5)
                n++;
        }
        if (b_put(b, cp, i) != 0)
            return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
        i += n;
    }
    return OVL_OK;
}

static int decode_utf16(ovl_ctx *ctx, builder *b, const unsigned char *p, size_t len, size_t start,
                        int big, int lenient)
{
    const char *label = big ? "UTF-16BE" : "UTF-16LE";
    size_t i = start;
    while (i < len) {
        uint32_t cp;
        size_t n = 2;
        if (i + 1 >= len)
            goto bad;
        uint32_t u = big ? ((uint32_t)p[i] << 8 | p[i + 1]) : ((uint32_t)p[i + 1] << 8 | p[i]);
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (i + 3 >= len)
                goto bad;
            uint32_t l = big ? ((uint32_t)p[i + 2] << 8 | p[i + 3]) : ((uint32_t)p[i + 3] << 8 | p[i + 2]);
            if (l < 0xDC00 || l > 0xDFFF)
                goto bad;
            cp = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
            n = 4;
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
            goto bad;
        } else {
            cp = u;
        }
        if (b_put(b, cp, i) != 0)
            return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
        i += n;
        continue;
    bad:
        if (!lenient)
            return ovl__fail(ctx, OVL_ERR_DECODE, (int64_t)i, "byte %zu: invalid %s sequence", i, label);
        b->t->replaced++;
        if (b_put(b, 0xFFFD, i) != 0)
            return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
        i += (i + 1 < len) ? 2 : 1;
    }
    return OVL_OK;
}

/* Encodings in which every byte below 0x80 is ASCII and never part of a longer sequence, so
 * those bytes can skip iconv. */
static int ascii_transparent(const char *enc)
{
    static const char *const names[] = {"GB18030", "GBK", "GB2312", "EUC-CN", "CP936", "BIG5",
                                        "CP950", "EUC-KR", "EUC-JP", "EUC-TW", "WINDOWS-1252",
                                        "CP1252", "ISO-8859-1", "LATIN1", "ISO-8859-15"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(enc, names[i]) == 0)
            return 1;
    return 0;
}

/* One iconv step per character so each code point keeps the byte offset it started at. */
static int decode_iconv(ovl_ctx *ctx, builder *b, const unsigned char *p, size_t len, size_t start,
                        const char *enc, int lenient)
{
    iconv_t cd = iconv_open("UTF-32LE", enc);
    if (cd == (iconv_t)-1)
        return ovl__fail(ctx, OVL_ERR_ENCODING, -1, "unsupported encoding '%s'", enc);
    int fast_ascii = ascii_transparent(enc);
    int rc = OVL_OK;
    size_t i = start;
    while (i < len) {
        if (fast_ascii && p[i] < 0x80) {
            if (b_put(b, p[i], i) != 0) {
                rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
                break;
            }
            i++;
            continue;
        }
        unsigned char out[32];
        size_t room = 4;
        /* glibc's multi-step converters (GB18030) cost time in proportion to the input
         * offered, so offer a few bytes, and more only when a character needs them. */
        size_t window = 8;
        for (;;) {
            char *in = (char *)(p + i);
            size_t inleft = len - i < window ? len - i : window;
            char *o = (char *)out;
            size_t oleft = room;
            size_t r = iconv(cd, &in, &inleft, &o, &oleft);
            size_t used = (size_t)((const unsigned char *)in - (p + i));
            size_t produced = (room - oleft) / 4;
            if (r == (size_t)-1 && errno == E2BIG && produced == 0 && room < sizeof out) {
                room *= 2; /* one input character yields several code points */
                continue;
            }
            if (r == (size_t)-1 && errno == EINVAL && produced == 0 && window < len - i) {
                window *= 2; /* the character (or shift sequence) runs past the window */
                iconv(cd, NULL, NULL, NULL, NULL);
                continue;
            }
            if (produced == 0 && used > 0 && r != (size_t)-1) {
                i += used; /* a shift sequence with no character */
                break;
            }
            if (produced == 0 && (r == (size_t)-1 && (errno == EILSEQ || errno == EINVAL))) {
                if (!lenient) {
                    rc = ovl__fail(ctx, OVL_ERR_DECODE, (int64_t)i,
                                   errno == EINVAL ? "byte %zu: incomplete %s sequence at end of input"
                                                   : "byte %zu: invalid %s sequence",
                                   i, enc);
                    goto done;
                }
                b->t->replaced++;
                if (b_put(b, 0xFFFD, i) != 0) {
                    rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
                    goto done;
                }
                iconv(cd, NULL, NULL, NULL, NULL);
                i++;
                break;
            }
            for (size_t k = 0; k < produced; k++) {
                uint32_t cp = (uint32_t)out[4 * k] | (uint32_t)out[4 * k + 1] << 8 |
                              (uint32_t)out[4 * k + 2] << 16 | (uint32_t)out[4 * k + 3] << 24;
                if (b_put(b, cp, i) != 0) {
                    rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
                    goto done;
                }
            }
            if (used == 0 && produced == 0) {
                rc = ovl__fail(ctx, OVL_ERR_DECODE, (int64_t)i, "byte %zu: invalid %s sequence", i, enc);
                goto done;
            }
            i += used;
            break;
        }
    }
done:
    iconv_close(cd);
    return rc;
}

/* Offset of the first byte iconv rejects in enc, or len when all is valid. */
static size_t iconv_first_invalid(const unsigned char *p, size_t len, const char *enc)
{
    iconv_t cd = iconv_open("UTF-32LE", enc);
    if (cd == (iconv_t)-1)
        return 0;
    char buf[16384];
    char *in = (char *)p;
    size_t inleft = len;
    size_t bad = len;
    while (inleft > 0) {
        char *o = buf;
        size_t oleft = sizeof buf;
        size_t r = iconv(cd, &in, &inleft, &o, &oleft);
        if (r == (size_t)-1 && errno != E2BIG) {
            bad = (size_t)((const unsigned char *)in - p);
            break;
        }
    }
    iconv_close(cd);
    return bad;
}

/* Share of two-byte characters, read as Big5, whose trail byte is below 0x80: Big5 uses
 * 0x40-0x7E trail bytes for about 40% of its characters, GB2312-range text almost never. */
static double big5_low_trail_share(const unsigned char *p, size_t len)
{
    size_t pairs = 0, low = 0;
    for (size_t i = 0; i + 1 < len;) {
        if (p[i] >= 0x81 && p[i] <= 0xFE) {
            pairs++;
            low += p[i + 1] >= 0x40 && p[i + 1] <= 0x7E;
            i += 2;
        } else {
            i++;
        }
    }
    return pairs ? (double)low / (double)pairs : 0.0;
}

/* Heuristic for BOM-less UTF-16: NUL bytes sit on one parity (ASCII-heavy text). Returns
 * 1 for LE, 2 for BE, 0 when not UTF-16-like. */
static int utf16_without_bom(const unsigned char *p, size_t len)
{
    size_t n = len < BINARY_WINDOW ? len : BINARY_WINDOW;
    n &= ~(size_t)1;
    if (n < 4 || !memchr(p, 0, n)) /* no zero byte: no UTF-16 of the common scripts */
        return 0;
    size_t even = 0, odd = 0;
    for (size_t i = 0; i < n; i += 2) {
        even += p[i] == 0;
        odd += p[i + 1] == 0;
    }
    size_t pairs = n / 2;
    if (odd * 10 >= pairs * 3 && even * 50 < pairs)
        return 1;
    if (even * 10 >= pairs * 3 && odd * 50 < pairs)
        return 2;
    return 0;
}

/* Code points text is made of (letters, punctuation and space of the common scripts); a
 * binary file read as UTF-16 hits them far less often. */
static int text_unit(uint32_t u)
{
    return u == 0x09 || u == 0x0A || u == 0x0D || (u >= 0x20 && u < 0x7F) || (u >= 0xA0 && u < 0x530) ||
           (u >= 0x0590 && u < 0x0700) || (u >= 0x0E00 && u < 0x0E80) || (u >= 0x2010 && u < 0x2070) ||
           (u >= 0x2100 && u < 0x2700) || (u >= 0x3000 && u < 0x3100) || (u >= 0x3130 && u < 0x3190) ||
           (u >= 0x3200 && u < 0xA000) || (u >= 0xAC00 && u < 0xD7A4) || (u >= 0xFF00 && u < 0xFFF0);
}

/* Share of the units of p (an even number of bytes) that are text in UTF-16 of the given
 * byte order; 0 when a surrogate is unpaired. */
static double utf16_text_share(const unsigned char *p, size_t n, int big)
{
    size_t units = 0, good = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        uint32_t u = big ? ((uint32_t)p[i] << 8 | p[i + 1]) : ((uint32_t)p[i + 1] << 8 | p[i]);
        units++;
        if (u >= 0xD800 && u <= 0xDBFF) {
            uint32_t l = i + 3 < n ? (big ? ((uint32_t)p[i + 2] << 8 | p[i + 3])
                                          : ((uint32_t)p[i + 3] << 8 | p[i + 2]))
                                   : 0;
            if (l < 0xDC00 || l > 0xDFFF)
                return i + 3 < n ? 0.0 : (double)good / (double)units; /* cut by the window */
            good++;
            i += 2;
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
            return 0.0;
        } else {
            good += text_unit(u);
        }
    }
    return units ? (double)good / (double)units : 0.0;
}

/* BOM-less UTF-16 with few NUL bytes: CJK or Hangul text whose only ASCII is its line
 * breaks ("\n" is 0A 00 in UTF-16LE). Most NULs sit on one parity and nearly every unit is a
 * text character read in that byte order (more than in the other). Returns 1 for LE, 2 for
 * BE, 0 otherwise. */
static int utf16_sparse_nul(const unsigned char *p, size_t len)
{
    if (len & 1)
        return 0;
    size_t n = len < BINARY_WINDOW ? len : BINARY_WINDOW;
    size_t even = 0, odd = 0, high = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        even += p[i] == 0;
        odd += p[i + 1] == 0;
        high += (p[i] >= 0x80) + (p[i + 1] >= 0x80);
    }
    /* Line breaks put NULs on one side; ideographs such as U+4E00 put a few on the other.
     * ASCII text read in pairs looks like CJK (0x6C70...): a quarter or more of the bytes of
     * CJK or Hangul text in UTF-16 are >= 0x80, none of ASCII's. */
    int big = even > odd * 3 ? 1 : odd > even * 3 ? 0 : -1;
    if (big < 0 || even + odd == 0 || high * 10 < n)
        return 0;
    double share = utf16_text_share(p, n, big);
    return share >= 0.95 && share > utf16_text_share(p, n, !big) ? 1 + big : 0;
}

/* The encoding libuchardet guesses for (a prefix of) p, upper case; "" when it has none. */
static void uchardet_guess(const unsigned char *p, size_t len, char *out, size_t cap)
{
    out[0] = '\0';
    uchardet_t u = uchardet_new();
    if (!u)
        return;
    /* Its guess settles within the first few hundred KiB; the rest would only cost time. */
    size_t n = len < (256u << 10) ? len : (256u << 10);
    if (uchardet_handle_data(u, (const char *)p, n) == 0) {
        uchardet_data_end(u);
        const char *g = uchardet_get_charset(u);
        size_t k = 0;
        for (; g && g[k] && k + 1 < cap; k++)
            out[k] = (char)toupper((unsigned char)g[k]);
        out[k] = '\0';
    }
    uchardet_delete(u);
}

/* For a guess of libuchardet other than the encodings this file decides itself: the iconv
 * name, or its superset, that decodes all of p; NULL when none does. */
static const char *legacy_from_guess(const char *g, const unsigned char *p, size_t len)
{
    static const char *const table[][3] = {
        /* guess, name to try first, its superset */
        {"SHIFT_JIS", "SHIFT_JIS", "CP932"},   {"EUC-JP", "EUC-JP", "EUC-JP-MS"},
        {"EUC-KR", "EUC-KR", "CP949"},         {"UHC", "EUC-KR", "CP949"},
        {"ISO-2022-JP", "ISO-2022-JP", "ISO-2022-JP-2"}, {"ISO-2022-KR", "ISO-2022-KR", NULL},
        {"EUC-TW", "EUC-TW", NULL},            {"ISO-8859-1", "WINDOWS-1252", "ISO-8859-1"},
        {"WINDOWS-1252", "WINDOWS-1252", "ISO-8859-1"}, {"ISO-8859-15", "ISO-8859-15", NULL},
        {"ISO-8859-2", "ISO-8859-2", NULL},    {"WINDOWS-1250", "WINDOWS-1250", NULL},
        {"ISO-8859-5", "ISO-8859-5", NULL},    {"WINDOWS-1251", "WINDOWS-1251", NULL},
        {"KOI8-R", "KOI8-R", NULL},            {"IBM866", "IBM866", NULL},
        {"ISO-8859-7", "ISO-8859-7", NULL},    {"WINDOWS-1253", "WINDOWS-1253", NULL},
        {"ISO-8859-9", "ISO-8859-9", NULL},    {"WINDOWS-1254", "WINDOWS-1254", NULL},
        {"ISO-8859-8", "ISO-8859-8", NULL},    {"WINDOWS-1255", "WINDOWS-1255", NULL},
        {"WINDOWS-1256", "WINDOWS-1256", NULL}, {"WINDOWS-1257", "WINDOWS-1257", NULL},
        {"WINDOWS-1258", "WINDOWS-1258", NULL}, {"TIS-620", "TIS-620", "CP874"},
        {"ISO-8859-13", "ISO-8859-13", NULL},  {"ISO-8859-3", "ISO-8859-3", NULL},
        {"ISO-8859-4", "ISO-8859-4", NULL},    {"ISO-8859-10", "ISO-8859-10", NULL},
        {"ISO-8859-16", "ISO-8859-16", NULL},  {"VISCII", "VISCII", NULL},
        {"MAC-CENTRALEUROPE", "MAC-CENTRALEUROPE", NULL}, {"MAC-CYRILLIC", "MAC-CYRILLIC", NULL},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        if (strcmp(g, table[i][0]) != 0)
            continue;
        for (int k = 1; k < 3; k++)
            if (table[i][k] && iconv_first_invalid(p, len, table[i][k]) == len)
                return table[i][k];
        return NULL;
    }
    return NULL;
}

static int has_bom(const unsigned char *p, size_t len)
{
    return (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) ||
           (len >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)));
}

/* 1 when the guess is a single-byte encoding (Latin, Cyrillic, Greek, Thai, ...). */
static int single_byte(const char *g)
{
    return strncmp(g, "ISO-8859", 8) == 0 || strncmp(g, "WINDOWS-125", 11) == 0 ||
           strcmp(g, "KOI8-R") == 0 || strcmp(g, "IBM866") == 0 || strncmp(g, "MAC-", 4) == 0 ||
           strcmp(g, "TIS-620") == 0 || strcmp(g, "VISCII") == 0;
}

/* 1 when nearly every run of bytes >= 0x80 has an even length, as in double-byte CJK text;
 * words of single-byte scripts have any length. Short CJK texts fool libuchardet into
 * Greek, Thai or Cyrillic guesses; this keeps them from being taken. */
static int paired_high_bytes(const unsigned char *p, size_t len)
{
    size_t runs = 0, even = 0;
    for (size_t i = 0; i < len;) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && p[j] >= 0x80)
            j++;
        runs++;
        even += ((j - i) & 1) == 0;
        i = j;
    }
    return runs > 0 && even * 10 >= runs * 9;
}

/* 1 when the double-byte text reads as GB2312-range Chinese: pairs whose lead byte is in the
 * hanzi rows (0xB0-0xF7, many above the Hangul rows 0xB0-0xC8 of EUC-KR), hardly any in the
 * kana rows 0xA4/0xA5 (EUC-JP's hiragana and katakana, nearly absent from Chinese) or below
 * 0xA1 (Shift_JIS leads, GBK's rare characters), and high bytes in pairs. Then the
 * statistics below decide without libuchardet, which costs about 2,000 instructions a byte. */
/* Lead bytes of the text read as double-byte pairs (a byte from 0x81 up and the next):
 * how many pairs, and how many of their leads lie below 0xA1, in the kana rows 0xA4/0xA5,
 * and in the hanzi rows 0xC9-0xF7. */
typedef struct lead_stats {
    size_t pairs, low, kana, upper;
} lead_stats;

static lead_stats leads(const unsigned char *p, size_t len)
{
    lead_stats st = {0, 0, 0, 0};
    for (size_t i = 0; i + 1 < len;) {
        if (p[i] < 0x81) {
            i++;
            continue;
        }
        st.pairs++;
        st.low += p[i] < 0xA1;
        st.kana += p[i] == 0xA4 || p[i] == 0xA5;
        st.upper += p[i] >= 0xC9 && p[i] <= 0xF7;
        i += 2;
    }
    return st;
}

static int gb2312_like(const unsigned char *p, size_t len)
{
    lead_stats st = leads(p, len);
    return st.pairs >= 16 && st.low * 20 <= st.pairs && st.kana * 20 <= st.pairs &&
           st.upper * 10 >= st.pairs && paired_high_bytes(p, len);
}

/* 1 when the double-byte text reads as Big5: mostly high bytes (Western text's accented
 * letters, followed by ASCII letters, would pass the rest), lead bytes from 0xA1 up and many
 * trail bytes in 0x40-0x7E (about 40% of Big5's characters; none of EUC-KR's or EUC-JP's, and
 * Shift_JIS's kana and many kanji have leads below 0xA1). */
static int big5_like(const unsigned char *p, size_t len)
{
    size_t high = 0;
    for (size_t i = 0; i < len; i++)
        high += p[i] >= 0x80;
    lead_stats st = leads(p, len);
    return st.pairs >= 16 && high * 10 >= len * 4 && st.low * 20 <= st.pairs &&
           big5_low_trail_share(p, len) >= 0.2;
}

/* Latin-script single-byte encodings: their letters are mostly ASCII, the accented ones
 * stand alone between them. */
static int latin_script(const char *g)
{
    static const char *const names[] = {"ISO-8859-1", "ISO-8859-2", "ISO-8859-3", "ISO-8859-4",
                                        "ISO-8859-9", "ISO-8859-10", "ISO-8859-13", "ISO-8859-15",
                                        "ISO-8859-16", "WINDOWS-1250", "WINDOWS-1252", "WINDOWS-1254",
                                        "WINDOWS-1257", "WINDOWS-1258", "MAC-CENTRALEUROPE"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(g, names[i]) == 0)
            return 1;
    return 0;
}

/* ovl_detect_encoding, also giving libuchardet's guess when it was asked ("" otherwise). */
static const char *detect(const unsigned char *p, size_t len, char *guess, size_t gcap)
{
    guess[0] = '\0';
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        return "UTF-8-BOM";
    if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE)
        return "UTF-16LE";
    if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF)
        return "UTF-16BE";
    int u16 = utf16_without_bom(p, len);
    if (!u16)
        u16 = utf16_sparse_nul(p, len);
    if (u16)
        return u16 == 1 ? "UTF-16LE" : "UTF-16BE";
    size_t two, lng;
    size_t bad_utf8 = utf8_first_invalid(p, len, &two, &lng);
    /* GB18030 and Big5 pairs often look like two-byte UTF-8 sequences, but hardly ever like
     * three-byte ones; several of those (and few of the others) before the first bad byte
     * mean a damaged UTF-8 file, not a legacy encoding. */
    if (bad_utf8 == len || (lng >= 4 && lng >= 4 * two))
        return "UTF-8";
    /* Western single-byte text (Latin-1 / Windows-1252): few high bytes, nearly all of them
     * alone between ASCII bytes; CJK double-byte text has them dense and in pairs. */
    size_t hi = 0, alone = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < 0x80)
            continue;
        hi++;
        alone += (i == 0 || p[i - 1] < 0x80) && (i + 1 >= len || p[i + 1] < 0x80);
    }
    if (hi && hi * 5 <= len && alone * 10 >= hi * 7)
        return iconv_first_invalid(p, len, "WINDOWS-1252") == len ? "WINDOWS-1252" : "ISO-8859-1";
    /* Other legacy encodings (Shift_JIS, EUC-KR, ... and Western text too dense in accented
     * letters for the rule above) are libuchardet's to tell, unless the text reads as Chinese:
     * GB18030 accepts nearly any byte pairs, so a clean GB18030 reading proves little. Its GB18030/Big5 answers, and its
     * Latin-script answers for text whose high bytes come in runs as CJK text's do, are
     * left to the statistics below. */
    if (!gb2312_like(p, len) && !big5_like(p, len))
        uchardet_guess(p, len, guess, gcap);
    const char *g = guess;
    if (*g && strcmp(g, "GB18030") != 0 && strcmp(g, "BIG5") != 0 && strcmp(g, "ASCII") != 0 &&
        strncmp(g, "UTF-", 4) != 0 && strcmp(g, "HZ-GB-2312") != 0 && (!latin_script(g) || alone * 2 >= hi) &&
        (!single_byte(g) || !paired_high_bytes(p, len))) {
        const char *e = legacy_from_guess(g, p, len);
        if (e)
            return e;
    }
    size_t bad_gb = iconv_first_invalid(p, len, "GB18030");
    size_t bad_big5 = iconv_first_invalid(p, len, "BIG5");
    if (bad_gb == len && bad_big5 != len)
        return "GB18030";
    if (bad_big5 == len && bad_gb != len)
        return "BIG5";
    if (bad_gb == len && bad_big5 == len)
        return big5_low_trail_share(p, len) > 0.05 ? "BIG5" : "GB18030";
    /* Neither is clean: whichever reads further is the better guess; then, UTF-8 if it
     * read furthest of all (a damaged UTF-8 file should say "invalid UTF-8"). */
    if (bad_utf8 >= bad_gb && bad_utf8 >= bad_big5)
        return "UTF-8";
    return bad_big5 > bad_gb ? "BIG5" : "GB18030";
}

const char *ovl_detect_encoding(const void *bytes, size_t len)
{
    char guess[64];
    return detect(bytes, len, guess, sizeof guess);
}

/* Canonical upper-case spelling of a user-given encoding name. */
static void canon_name(const char *in, char *out, size_t cap)
{
    size_t k = 0;
    for (; in[k] && k + 1 < cap; k++)
        out[k] = (char)toupper((unsigned char)in[k]);
    out[k] = '\0';
    if (strcmp(out, "UTF8") == 0)
        snprintf(out, cap, "UTF-8");
    else if (strcmp(out, "UTF16LE") == 0)
        snprintf(out, cap, "UTF-16LE");
    else if (strcmp(out, "UTF16BE") == 0)
        snprintf(out, cap, "UTF-16BE");
    else if (strcmp(out, "BIG-5") == 0)
        snprintf(out, cap, "BIG5");
}

int ovl_decode(ovl_ctx *ctx, const void *bytes, size_t len, const ovl_decode_opts *opts,
               ovl_text **out)
{
    static const ovl_decode_opts defaults = OVL_DECODE_OPTS_INIT;
    if (!out || (!bytes && len))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_decode: NULL argument");
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (opts->version != OVL_DECODE_OPTS_VERSION)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_decode: unknown options version %u", opts->version);
    if (len > OVL_MAX_INPUT_BYTES)
        return ovl__fail(ctx, OVL_ERR_TOOBIG, -1, "input of %zu bytes exceeds the 4 GiB limit", len);
    const unsigned char *p = bytes ? bytes : (const unsigned char *)"";

    char enc[32], guess[64] = "";
    size_t start = 0;
    int detected = !(opts->encoding && *opts->encoding);
    if (opts->encoding && *opts->encoding) {
        canon_name(opts->encoding, enc, sizeof enc);
        /* A forced UTF name still consumes its own BOM. */
        if (strcmp(enc, "UTF-8") == 0 && len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
            start = 3;
        else if (strcmp(enc, "UTF-16LE") == 0 && len >= 2 && p[0] == 0xFF && p[1] == 0xFE)
            start = 2;
        else if (strcmp(enc, "UTF-16BE") == 0 && len >= 2 && p[0] == 0xFE && p[1] == 0xFF)
            start = 2;
    } else if (!has_bom(p, len) && utf16_without_bom(p, len) == 0 && !memchr(p, 0, len < BINARY_WINDOW ? len : BINARY_WINDOW)) {
        /* Most input is UTF-8: decode it as such in one pass, and detect only when that
         * fails, instead of validating first and decoding after. */
        builder b;
        if (b_init(&b, len + 1) != 0) {
            b_abort(&b);
            return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
        }
        snprintf(b.t->encoding, sizeof b.t->encoding, "UTF-8");
        ovl_ctx probe;
        int rc = decode_utf8(&probe, &b, p, len, 0, 0, "UTF-8");
        if (rc == OVL_OK) {
            if (!(*out = b_finish(&b, len))) {
                b_abort(&b);
                return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
            }
            return OVL_OK;
        }
        b_abort(&b);
        if (rc == OVL_ERR_NOMEM)
            return ovl__fail(ctx, rc, -1, NULL);
        snprintf(enc, sizeof enc, "%s", detect(p, len, guess, sizeof guess));
    } else {
        snprintf(enc, sizeof enc, "%s", detect(p, len, guess, sizeof guess));
        if (strcmp(enc, "UTF-8-BOM") == 0)
            start = 3;
        else if (strncmp(enc, "UTF-16", 6) == 0 && len >= 2 &&
                 ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)))
            start = 2;
    }
    int wide = strncmp(enc, "UTF-16", 6) == 0 || strncmp(enc, "UTF-32", 6) == 0 ||
               strcmp(enc, "UCS-2") == 0 || strcmp(enc, "UCS-4") == 0;
    if (!wide) {
        size_t window = len < BINARY_WINDOW ? len : BINARY_WINDOW;
        const unsigned char *nul = memchr(p, 0, window);
        if (nul)
            return ovl__fail(ctx, OVL_ERR_BINARY, nul - p,
                             "byte %zu: NUL byte: binary data, not text", (size_t)(nul - p));
    }

    builder b;
    /* Most text is at least one byte per code point: size the arrays once. */
    if (b_init(&b, wide ? len / 2 + 1 : len + 1) != 0) {
        b_abort(&b);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    }
    snprintf(b.t->encoding, sizeof b.t->encoding, "%s", enc);
    int rc;
    if (strcmp(enc, "UTF-8") == 0 || strcmp(enc, "UTF-8-BOM") == 0)
        rc = decode_utf8(ctx, &b, p, len, start, opts->lenient, "UTF-8");
    else if (strcmp(enc, "UTF-16LE") == 0)
        rc = decode_utf16(ctx, &b, p, len, start, 0, opts->lenient);
    else if (strcmp(enc, "UTF-16BE") == 0)
        rc = decode_utf16(ctx, &b, p, len, start, 1, opts->lenient);
    else
        rc = decode_iconv(ctx, &b, p, len, start, enc, opts->lenient);
    if (rc != OVL_OK) {
        b_abort(&b);
        /* Nothing fits: say what the file probably is, when the detector had an idea the
         * bytes do not bear out, so that the user can name the encoding. */
        if (rc == OVL_ERR_DECODE && detected && *guess && strcmp(guess, enc) != 0 && strcmp(guess, "ASCII") != 0 &&
            strncmp(enc, "UTF-", 4) != 0 && ctx) {
            char msg[sizeof ctx->message];
            snprintf(msg, sizeof msg, "%s", ctx->message);
            return ovl__fail(ctx, rc, ctx->offset, "%s (not valid in any encoding tried; it looks most like %s)", msg, guess);
        }
        return rc;
    }
    if (!(*out = b_finish(&b, len))) {
        b_abort(&b);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    }
    return OVL_OK;
}

size_t ovl_text_length(const ovl_text *t) { return t->n; }
const uint32_t *ovl_text_chars(const ovl_text *t)
{
    return ovl__cps_wide_once(&t->chars, t->n, &((ovl_text *)t)->wide);
}
uint32_t ovl_text_char(const ovl_text *t, size_t i) { return i < t->n ? ovl__text_char(t, i) : 0; }
uint64_t ovl_text_size(const ovl_text *t) { return ovl__text_byte(t, t->n); }
const char *ovl_text_encoding(const ovl_text *t) { return t->encoding; }
size_t ovl_text_replaced(const ovl_text *t) { return t->replaced; }
uint32_t ovl_text_line_count(const ovl_text *t) { return (uint32_t)t->nlines; }

uint64_t ovl_text_byte(const ovl_text *t, size_t i)
{
    return ovl__text_byte(t, i <= t->n ? i : t->n);
}

uint32_t ovl_text_line(const ovl_text *t, size_t i)
{
    /* Last line start <= i. */
    size_t lo = 0, hi = t->nlines;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->lines[mid] <= i)
            lo = mid;
        else
            hi = mid;
    }
    return (uint32_t)lo + 1;
}

char *ovl_text_utf8(const ovl_text *t, size_t start, size_t end)
{
    if (end > t->n)
        end = t->n;
    if (start > end)
        start = end;
    char *s = malloc((end - start) * 4 + 1);
    if (!s)
        return NULL;
    size_t k = 0;
    for (size_t i = start; i < end; i++)
        k += ovl__utf8_put(ovl__text_char(t, i), s + k);
    s[k] = '\0';
    return s;
}
