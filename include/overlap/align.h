/* overlap/align.h - reused passages between two documents, with exact positions and edit scripts. */
#ifndef OVERLAP_ALIGN_H
#define OVERLAP_ALIGN_H

#include "overlap/doc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version 2 added reworded and min_score; a version 1 struct (without them) is still
 * accepted and aligns in exact mode with no score floor. */
#define OVL_ALIGN_OPTS_VERSION 2
typedef struct ovl_align_opts {
    unsigned version;    /* OVL_ALIGN_OPTS_VERSION */
    unsigned min_cjk;    /* a passage of only CJK tokens needs this many; default 20 */
    unsigned min_words;  /* a passage of only word tokens needs this many; default 8.
                            Mixed passages need cjk/min_cjk + words/min_words >= 1. */
    unsigned seed_len;   /* tokens in an exact seed match; default 0 = automatic */
    unsigned max_gap;    /* most unmatched tokens bridged inside one passage; default 0 = automatic */
    unsigned max_occ;    /* seeds occurring more often than this in a document are ignored; default 64 */
    unsigned reworded;   /* 1: also report reworded reuse (sentences alike in their weighted
                            words or character bigrams, not in exact runs) where no exact
                            passage is; default 0 (exact mode) */
    double min_score;    /* passages whose score is below this are dropped; default 0 */
} ovl_align_opts;
#define OVL_ALIGN_OPTS_INIT {OVL_ALIGN_OPTS_VERSION, 20, 8, 0, 0, 64, 0, 0.0}

/* One side of a passage. Byte and char ends are exclusive, lines inclusive (1-based),
 * tokens index ovl_norm_tokens() of that document. */
typedef struct ovl_span {
    uint64_t byte_start, byte_end;
    uint64_t char_start, char_end;
    uint32_t line_start, line_end;
    uint32_t tok_start, tok_end;
} ovl_span;

typedef struct ovl_passage {
    ovl_span a, b;
    double similarity;      /* 1 - token edit distance / longer side, over the normalized
                               tokens; for a stretch whose sentences were shuffled (pieces
                               that together cover one stretch of each document, in any
                               order), the length-weighted similarity of its pieces */
    uint64_t matched_chars; /* folded characters of tokens equal on both sides (summed over
                               the pieces of a shuffled stretch) */
    int moved;              /* 1 when the passage is out of order relative to the others */
    double score;           /* 0..1, how alike the two sides are: the similarity for a passage
                               of exact matches; for a reworded one (reworded mode), the
                               length-weighted cosine of its sentence pairs' term vectors */
    int reworded;           /* 1 when found by the reworded mode (sentence similarity) */
} ovl_passage;

/* Aligns a against b. On success *out is a malloc'd array of *count passages sorted by
 * (a.char_start, b.char_start), which the caller frees with free(); *out is NULL when
 * *count is 0. opts NULL means defaults. Pure function of its inputs; thread-safe for
 * distinct ctx. */
OVL_API int ovl_align(ovl_ctx *ctx, const ovl_doc *a, const ovl_doc *b, const ovl_align_opts *opts,
                      ovl_passage **out, size_t *count);

/* Same, restricted to tokens [a0,a1) of a and [b0,b1) of b. */
OVL_API int ovl_align_range(ovl_ctx *ctx, const ovl_doc *a, size_t a0, size_t a1, const ovl_doc *b,
                            size_t b0, size_t b1, const ovl_align_opts *opts, ovl_passage **out,
                            size_t *count);

/* A piece of a passage whose sentences were shuffled: the passage is one stretch of each
 * document made of pieces that lie in another order in b than in a. */
typedef struct ovl_piece {
    size_t passage; /* index of its passage in the array returned with it */
    ovl_span a, b;  /* the piece on each side (inside its passage's spans) */
    int moved;      /* 1 when it is out of order: not on the longest run (in a's tokens) of
                       the passage's pieces that keep their order in b */
} ovl_piece;

/* ovl_align, and the pieces of the passages merged from pieces in another order in b: *pieces
 * (malloc'd, free with free(); NULL when *npieces is 0) by passage, each passage's in a's
 * order. A passage with no piece out of order has none. */
OVL_API int ovl_align_pieces(ovl_ctx *ctx, const ovl_doc *a, const ovl_doc *b,
                             const ovl_align_opts *opts, ovl_passage **out, size_t *count,
                             ovl_piece **pieces, size_t *npieces);

typedef enum ovl_edit_op { OVL_EDIT_EQUAL = 0, OVL_EDIT_DELETE = 1, OVL_EDIT_INSERT = 2 } ovl_edit_op;
/* A run of the edit script turning a's tokens into b's: EQUAL runs cover both, DELETE only
 * a (b_start == b_end), INSERT only b (a_start == a_end). Token indices. */
typedef struct ovl_edit {
    uint32_t op;
    uint32_t a_start, a_end;
    uint32_t b_start, b_end;
} ovl_edit;

/* Minimal token edit script between a's tokens [a0,a1) and b's [b0,b1). *out is malloc'd
 * (free with free()), *count its length; substitutions come as DELETE then INSERT. */
OVL_API int ovl_diff(ovl_ctx *ctx, const ovl_doc *a, size_t a0, size_t a1, const ovl_doc *b,
                     size_t b0, size_t b1, ovl_edit **out, size_t *count);

/* Fills a span from a document's token range [t0,t1) (t1 > t0). */
OVL_API void ovl_span_from_tokens(const ovl_doc *doc, size_t t0, size_t t1, ovl_span *span);

#ifdef __cplusplus
}
#endif
#endif
