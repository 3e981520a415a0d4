/* internal.h - structures and helpers shared by the library's stages; not installed. */
#ifndef OVL_INTERNAL_H
#define OVL_INTERNAL_H

#include "overlap.h"
#include "cps.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct ovl_ctx {
    int code;
    int64_t offset;
    char message[512];
    void *align_scratch; /* the aligner's work arrays, reused from call to call (align.c) */
    void (*align_scratch_free)(void *); /* set with align_scratch, so that the context does
                                           not depend on the aligner */
};
/* A context on the stack, for a call whose error is copied out at once; it must not reach the
 * aligner (nothing would free its scratch). */
#define OVL__CTX_INIT {0, -1, "", NULL, NULL}

/* A corpus of documents ids[0..n) of c (ids ascending, so names keep their order), read as c
 * reads them: entries and files borrowed from c, which must outlive it; ovl_corpus_free
 * frees the view only. NULL when out of memory. It has no problems of its own. */
ovl_corpus *ovl__corpus_view(const ovl_corpus *c, const uint32_t *ids, size_t n);

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
    ovl_cps chars;        /* n code points */
    _Atomic(uint32_t *) wide; /* the 32-bit copy ovl_text_chars hands out, made on demand */
    uint32_t *bbase;      /* offset of code point k * OVL_TEXT_BLOCK, k = 0 .. n / OVL_TEXT_BLOCK */
    uint8_t *boff;        /* n + 1 distances from their block's base (NULL when bytes is used) */
    uint32_t *bytes;      /* n + 1 byte offsets when boff cannot hold them; else NULL */
    uint32_t *lines;      /* nlines char indices where each line starts (lines[0] = 0) */
    size_t n, nlines;
    size_t replaced;
    char encoding[32];
};

/* A token as the library keeps it: 16 bytes where ovl_token takes 24 (two 10 MB documents
 * have 2.9 M tokens, read by every stage). The character length and the kind share 16 bits;
 * where a token starts in the folded code points follows from the lengths before it
 * (ovl__tok_norm_start). ovl_norm_tokens makes the public array on demand. */
typedef struct ovl__tok {
    uint64_t hash;       /* as ovl_token.hash */
    uint32_t char_start; /* as ovl_token.char_start */
    uint16_t span;       /* char_end - char_start in the low 14 bits (OVL__TOK_LONG: in the
                            norm's longs), ovl_token_kind in the top 2 */
    uint16_t norm_len;   /* as ovl_token.norm_len */
} ovl__tok;
#define OVL__TOK_LONG 0x3FFFu
#define OVL__TOK_BLOCK 32u /* tokens per entry of ovl_norm.nbase */

static inline unsigned ovl__tok_kind(const ovl__tok *t) { return t->span >> 14; }

struct ovl_norm {
    ovl__tok *tokens;
    size_t ntokens;
    uint32_t *nbase;      /* norm_start of token k * OVL__TOK_BLOCK, k = 0 .. ntokens /
                             OVL__TOK_BLOCK */
    uint32_t (*longs)[2]; /* {token, char_end} of the tokens whose span is OVL__TOK_LONG, in
                             order */
    size_t nlong;
    _Atomic(ovl_token *) pub; /* the public array ovl_norm_tokens hands out, made on demand */
    ovl_cps chars;        /* folded code points of the tokens, one after the other */
    size_t nchars;
    _Atomic(uint32_t *) wide; /* the 32-bit copy ovl_norm_chars hands out, made on demand */
};

/* One past the last character of token i, a long one (OVL__TOK_LONG): found in the longs by
 * its index (a token that is not there ends where it starts). Inline like its fast path,
 * which calls it: the header then calls into no source that includes it. */
static inline uint32_t ovl__tok_char_end_long(const ovl_norm *n, size_t i)
{
    size_t lo = ovl__pairs_first_at((const uint32_t(*)[2])n->longs, n->nlong, i);
    return lo < n->nlong && n->longs[lo][0] == i ? n->longs[lo][1] : n->tokens[i].char_start;
}

/* One past the last character of token i. */
static inline uint32_t ovl__tok_char_end(const ovl_norm *n, size_t i)
{
    unsigned s = n->tokens[i].span & OVL__TOK_LONG;
    return s != OVL__TOK_LONG ? n->tokens[i].char_start + s : ovl__tok_char_end_long(n, i);
}
/* Offset of token i's folded code points (ovl_token.norm_start): its block's base plus the
 * lengths of the tokens before it in the block. */
uint32_t ovl__tok_norm_start(const ovl_norm *n, size_t i);
/* Token i in the public layout. */
ovl_token ovl__token(const ovl_norm *n, size_t i);

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
    unsigned parts;     /* OVL__SEG_* found (paragraphs always); the rest are left empty */
};

/* What ovl__segment finds beyond paragraphs. A corpus scan aligns with paragraphs only
 * (sentences too in the reworded mode): the rest is for reports, and finding it took half
 * of segmentation's time, on every document loaded. */
enum {
    OVL__SEG_SENTENCES = 1u,
    OVL__SEG_HEADINGS = 2u,
    OVL__SEG_QUOTES = 4u,
    OVL__SEG_REFS = 8u,
    OVL__SEG_ALL = 15u
};

/* ovl_segment finding only the given parts (OVL__SEG_*). */
int ovl__segment(ovl_ctx *ctx, const ovl_text *text, const ovl_segment_opts *opts, unsigned parts,
                 ovl_segments **out);
/* ovl_doc_from_bytes with segments of the given parts only. */
int ovl__doc_from_bytes(ovl_ctx *ctx, const char *name, const void *bytes, size_t len,
                        const ovl_doc_opts *opts, unsigned parts, ovl_doc **out);

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

/* Copies opts (NULL: defaults) into *out at the current version: a version 1 struct, which
 * ends before max_bytes, gets the default limit. Any other version: OVL_ERR_INVALID, "who N". */
int ovl__doc_opts_resolve(ovl_ctx *ctx, const ovl_doc_opts *opts, ovl_doc_opts *out, const char *who);

/* Bytes the arrays of a loaded document hold (text, offsets, lines, tokens, folded
 * characters, segments, and the 32-bit copies once made): what a cache of documents counts. */
size_t ovl__doc_bytes(const ovl_doc *d);

/* Code point i < n of a text; folded code point i < nchars of a normalized view. */
static inline uint32_t ovl__text_char(const ovl_text *t, size_t i) { return ovl__cps_get(&t->chars, i); }
static inline uint32_t ovl__norm_char(const ovl_norm *n, size_t i) { return ovl__cps_get(&n->chars, i); }

/* A result sink refused a record: its own "out of memory" (left in ctx by a sink sharing
 * it) stays the error, anything else becomes OVL_ERR_WRITE. */
int ovl__sink_stopped(ovl_ctx *ctx);

/* Eight bytes at a time: the high bit of each byte of x equal to c, exactly (no carry
 * crosses a byte, so the result does not depend on the byte order). */
static inline uint64_t ovl__bytes_eq(uint64_t x, uint8_t c)
{
    const uint64_t b7 = 0x7F7F7F7F7F7F7F7Full;
    uint64_t y = x ^ (0x0101010101010101ull * c);
    return ~(((y & b7) + b7) | y) & ~b7;
}

/* The first of n records of size bytes from base, increasing in the uint32_t at byte offset
 * off of each (a document number, a unit), whose key is at or above v (n when none). */
static inline size_t ovl__first_at_rec(const void *base, size_t n, size_t size, size_t off, size_t v)
{
    const unsigned char *b = base;
    size_t x = 0, y = n;
    while (x < y) {
        size_t mid = x + (y - x) / 2;
        uint32_t k;
        memcpy(&k, b + mid * size + off, sizeof k);
        if (k < v)
            x = mid + 1;
        else
            y = mid;
    }
    return x;
}

/* The first of the increasing p[0, n) at or above v (n when none). */
static inline size_t ovl__first_at(const uint32_t *p, size_t n, size_t v)
{
    return ovl__first_at_rec(p, n, sizeof *p, 0, v);
}

/* Growable array helper: ensures room for need elements of size sz in *p (capacity *cap).
 * Returns 0 or -1 when out of memory (then *p is unchanged). */
int ovl__grow(void *pp, size_t *cap, size_t need, size_t sz);

/* ovl_align_range with recurring text: mask_a / mask_b (NULL: none; indexed by token of the
 * whole document) flag tokens that seed nothing (the corpus scan's recurring text). */
int ovl__align_range_masked(ovl_ctx *ctx, const ovl_doc *a, size_t a0, size_t a1, const ovl_doc *b,
                            size_t b0, size_t b1, const ovl_align_opts *opts, const uint8_t *mask_a,
                            const uint8_t *mask_b, ovl_passage **out, size_t *count);

/* An index of a document's k-grams (seeds) for the aligner: built once for a document that is
 * aligned against many others in a row, it spares building a table of its range for each. */
typedef struct ovl__kindex ovl__kindex;
/* Index of doc's k-grams, those whose first and last tokens are flagged in mask (a byte per
 * token of doc; NULL: none) left out. mask and doc are borrowed: they must outlive the index's
 * use with them. *out (free with ovl__kindex_free) or OVL_ERR_NOMEM / OVL_ERR_TOOBIG. */
int ovl__kindex_build(const ovl_doc *doc, const uint8_t *mask, unsigned k, ovl__kindex **out);
void ovl__kindex_free(ovl__kindex *x);
/* Paragraph starts of doc as the aligner reads them: bit t of *out (malloc'd, ntokens / 64 + 2
 * words) set when token t is in another paragraph than token t - 1. OVL_ERR_NOMEM. */
int ovl__para_bits(const ovl_doc *doc, uint64_t **out);
/* ovl__align_range_masked with kx (NULL: none), an index of a built with mask_a: used when the
 * range takes kx's seed length, otherwise ignored; and with para_a / para_b (NULL: none), the
 * ovl__para_bits of a and b, read instead of finding the ranges' paragraph starts again. The
 * same passages either way. */
int ovl__align_range_kx(ovl_ctx *ctx, const ovl_doc *a, size_t a0, size_t a1, const ovl_doc *b,
                        size_t b0, size_t b1, const ovl_align_opts *opts, const uint8_t *mask_a,
                        const uint8_t *mask_b, const ovl__kindex *kx, const uint64_t *para_a,
                        const uint64_t *para_b, ovl_passage **out, size_t *count);

/* The aligner's defaults for the fields of o left 0: min_cjk, min_words, max_occ. */
void ovl__align_defaults(ovl_align_opts *o);
/* Seed length of a range of ncjk CJK and nword word tokens: o->seed_len, else 5 tokens where
 * CJK is at least half, 3 otherwise. */
unsigned ovl__align_seed_len(const ovl_align_opts *o, size_t ncjk, size_t nword);

/* Passages of one pair gathered from several ranges (the scan's windows of a long document),
 * in the order ovl_align returns them: sorted, and moved flagged again over all of them.
 * Returns OVL_OK or OVL_ERR_NOMEM. */
int ovl__align_regroup(ovl_ctx *ctx, ovl_passage *ps, size_t np);

/* UTF-8 encode cp into out (4 bytes room); returns bytes written. */
size_t ovl__utf8_put(uint32_t cp, char *out);

#endif
