/* overlap/normalize.h - matching view of a text: folded tokens, each mapped to its original characters. */
#ifndef OVERLAP_NORMALIZE_H
#define OVERLAP_NORMALIZE_H

#include "overlap/decode.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OVL_NORM_OPTS_VERSION 1
typedef struct ovl_norm_opts {
    unsigned version;     /* OVL_NORM_OPTS_VERSION */
    int fold_traditional; /* 1 (default): Traditional Chinese characters fold to Simplified */
} ovl_norm_opts;
#define OVL_NORM_OPTS_INIT {OVL_NORM_OPTS_VERSION, 1}

/* Token kinds. A CJK ideograph, kana or hangul syllable is one token; a run of Latin (any
 * alphabetic script) letters and digits is one word token; a symbol is a token of its own. */
typedef enum ovl_token_kind { OVL_TOK_CJK = 1, OVL_TOK_WORD = 2, OVL_TOK_SYMBOL = 3 } ovl_token_kind;

typedef struct ovl_token {
    uint32_t char_start; /* first code point of the decoded text it covers */
    uint32_t char_end;   /* one past the last */
    uint32_t norm_start; /* offset of its folded code points in ovl_norm_chars() */
    uint16_t norm_len;   /* number of folded code points (long words are cut at 65535) */
    uint8_t kind;        /* ovl_token_kind */
    uint8_t reserved;
    uint64_t hash;       /* XXH3-64 of the folded code points, seed 0; equal text, equal hash */
} ovl_token;

/* Normalized view: NFKC with case folding and marks stripped (per code point, via
 * utf8proc), Traditional to Simplified folding (OpenCC's character table), and
 * whitespace, punctuation and control characters removed. Immutable; thread-safe to read. */
typedef struct ovl_norm ovl_norm;

/* Builds the normalized view of text (which must outlive nothing: the result copies
 * what it needs). opts NULL means defaults. Caller frees *out with ovl_norm_free. */
OVL_API int ovl_normalize(ovl_ctx *ctx, const ovl_text *text, const ovl_norm_opts *opts,
                          ovl_norm **out);
OVL_API void ovl_norm_free(ovl_norm *norm);
OVL_API size_t ovl_norm_count(const ovl_norm *norm);            /* number of tokens */
/* The tokens as one array, owned by norm: made on the first call from the library's compact
 * form (24 more bytes a token, kept until norm is freed; thread-safe), NULL when out of
 * memory. */
OVL_API const ovl_token *ovl_norm_tokens(const ovl_norm *norm);
/* Folded code point i of all tokens' (tokens[k].norm_start indexes them; 0 when i is past
 * the last). Kept 1 or 2 bytes each when nearly all fit, like ovl_text_char. */
OVL_API uint32_t ovl_norm_char(const ovl_norm *norm, size_t i);
/* Folded code points of all tokens as one 32-bit array, owned by norm: made on the first call
 * (4 more bytes per folded code point, kept until norm is freed; thread-safe), NULL when out
 * of memory. */
OVL_API const uint32_t *ovl_norm_chars(const ovl_norm *norm);
/* Index of the first token whose char_start >= char_index (ovl_norm_count if none). */
OVL_API size_t ovl_norm_token_at(const ovl_norm *norm, size_t char_index);
/* Normalized text of tokens [first, last) as malloc'd UTF-8: tokens concatenated, with one
 * space between two adjacent word tokens. Caller frees with free(); NULL if out of memory. */
OVL_API char *ovl_norm_utf8(const ovl_norm *norm, size_t first, size_t last);

/* Folds one code point as ovl_normalize does. Writes up to cap folded code points to out
 * and returns how many the fold yields (0 when the code point does not count for matching:
 * whitespace, punctuation, marks, controls). */
OVL_API size_t ovl_fold_char(uint32_t cp, int fold_traditional, uint32_t *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
