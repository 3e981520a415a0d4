/* internal.h - structures and helpers shared by the library's stages; not installed. */
#ifndef OVL_INTERNAL_H
#define OVL_INTERNAL_H

#include "overlap.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct ovl_ctx {
    int code;
    int64_t offset;
    char message[512];
    void *align_scratch; /* the aligner's work arrays, reused from call to call (align.c) */
};

/* Frees an ovl_ctx's align_scratch (NULL: nothing). */
void ovl__align_scratch_free(void *scratch);

/* Records an error in ctx (which may be NULL) and returns code. */
int ovl__fail(ovl_ctx *ctx, int code, int64_t offset, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Byte offsets of code points come in blocks of OVL_TEXT_BLOCK: the offset of the block's
 * first code point (32 bits) and, per code point, its distance from it (8 bits), about 1.1
 * bytes per code point instead of 4. Text where some block spans more than 255 bytes (only
 * stateful encodings' shift sequences or long bad sequences do that) keeps every offset in
 * 32 bits instead. */
#define OVL_TEXT_BLOCK 32u

struct ovl_text {
    uint32_t *chars;      /* n code points */
    uint32_t *bbase;      /* offset of code point k * OVL_TEXT_BLOCK, k = 0 .. n / OVL_TEXT_BLOCK */
    uint8_t *boff;        /* n + 1 distances from their block's base (NULL when bytes is used) */
    uint32_t *bytes;      /* n + 1 byte offsets when boff cannot hold them; else NULL */
    uint32_t *lines;      /* nlines char indices where each line starts (lines[0] = 0) */
    size_t n, nlines;
    size_t replaced;
    char encoding[32];
};

struct ovl_norm {
    ovl_token *tokens;
    size_t ntokens;
    uint32_t *chars;      /* folded code points, tokens[i].norm_start indexes here */
    size_t nchars;
};

struct ovl_segments {
    ovl_range *paras;
    size_t npara;
    ovl_range *sents;
    size_t nsent;
    ovl_range *heads;   /* section heading lines */
    size_t nhead;
    ovl_range *quotes;  /* quotations, marks included */
    size_t nquote;
    uint32_t refs;      /* first character of the reference list; the text length if none */
};

struct ovl_doc {
    char *name;
    ovl_text *text;
    ovl_norm *norm;
    ovl_segments *segs;
};

/* Byte offset of code point i <= text->n (i == n: the input size). */
static inline uint32_t ovl__text_byte(const ovl_text *t, size_t i)
{
    return t->bytes ? t->bytes[i] : t->bbase[i / OVL_TEXT_BLOCK] + t->boff[i];
}

/* A result sink refused a record: its own "out of memory" (left in ctx by a sink sharing
 * it) stays the error, anything else becomes OVL_ERR_WRITE. */
int ovl__sink_stopped(ovl_ctx *ctx);

/* Growable array helper: ensures room for need elements of size sz in *p (capacity *cap).
 * Returns 0 or -1 when out of memory (then *p is unchanged). */
int ovl__grow(void *pp, size_t *cap, size_t need, size_t sz);

/* ovl_align_range with recurring text: mask_a / mask_b (NULL: none; indexed by token of the
 * whole document) flag tokens that seed nothing (the corpus scan's recurring text). */
int ovl__align_range_masked(ovl_ctx *ctx, const ovl_doc *a, size_t a0, size_t a1, const ovl_doc *b,
                            size_t b0, size_t b1, const ovl_align_opts *opts, const uint8_t *mask_a,
                            const uint8_t *mask_b, ovl_passage **out, size_t *count);

/* UTF-8 encode cp into out (4 bytes room); returns bytes written. */
size_t ovl__utf8_put(uint32_t cp, char *out);

#endif
