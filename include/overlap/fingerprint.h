/* overlap/fingerprint.h - document fingerprints: chunks of a document, their signatures and band keys. */
#ifndef OVERLAP_FINGERPRINT_H
#define OVERLAP_FINGERPRINT_H

#include "overlap/doc.h"
#include "overlap/lsh.h"
#include "overlap/minhash.h"
#include "overlap/shingle.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Document fingerprints ---------------------------------------------------------------
 * A document is cut into chunks: each paragraph (runs of consecutive paragraphs shorter than
 * chunk_tokens are merged while the run stays within chunk_tokens) is covered by windows of
 * chunk_tokens tokens every chunk_stride tokens, the last window ending at the paragraph's
 * end; a paragraph up to chunk_tokens long is one chunk. Shingles never cross a paragraph
 * unit. Each chunk gets a MinHash signature and band keys, so a short passage reused inside
 * a long, otherwise different paragraph still makes a chunk pair collide. */

#define OVL_FP_OPTS_VERSION 1
typedef struct ovl_fp_opts {
    unsigned version;      /* OVL_FP_OPTS_VERSION */
    uint64_t seed;         /* seeds shingle hashes, densification and band keys; default 0 */
    unsigned k_cjk;        /* shingle tokens when most of the window is CJK; default 4 */
    unsigned k_word;       /* shingle tokens when most of the window is words/symbols; default 3 */
    unsigned num_hashes;   /* K, MinHash values per chunk; default 128 (max 4096) */
    unsigned chunk_tokens; /* W, tokens per chunk window; default 50 */
    unsigned chunk_stride; /* tokens between window starts; default 0 = chunk_tokens / 2 */
    double threshold;      /* chunk Jaccard the banding is tuned for; default 0.3 (with the
                              other defaults: 16 bands x 3 rows) */
    unsigned bands;        /* 0 (default): ovl_lsh_choose(threshold, num_hashes, max_bands, 1, 1) */
    unsigned rows;         /* with bands: rows per band (bands * rows <= num_hashes) */
    unsigned max_bands;    /* cap for the automatic choice (memory: 12 bytes per chunk and
                              band in a finder); default 16 */
    int keep_signatures;   /* 1: also keep every chunk's full num_hashes signature
                              (ovl_fp_signature); 0 (default): none is kept. Band keys come
                              from a separate bands * rows-bin sketch either way, so they do
                              not depend on this flag */
    int doc_signature;     /* 1: also compute the whole document's signature
                              (ovl_fp_doc_signature, for near-duplicate detection); 0
                              (default): not computed */
} ovl_fp_opts;
#define OVL_FP_OPTS_INIT {OVL_FP_OPTS_VERSION, 0, 4, 3, 128, 50, 0, 0.3, 0, 0, 16, 0, 0}

/* Checks opts (NULL = defaults) and resolves automatic values into *out (bands, rows and
 * chunk_stride filled in). OVL_ERR_INVALID with a message naming the bad field. */
OVL_API int ovl_fp_opts_resolve(ovl_ctx *ctx, const ovl_fp_opts *opts, ovl_fp_opts *out);

/* Token range of one chunk: tokens [tok_start, tok_end) of the document. */
typedef struct ovl_fp_chunk {
    uint32_t tok_start;
    uint32_t tok_end;
} ovl_fp_chunk;

/* Fingerprint of one document: chunks, their signatures and band keys, and a whole-document
 * signature. Immutable once built; safe to read from several threads. */
typedef struct ovl_fp ovl_fp;

/* Fingerprints tokens[0..ntokens) cut into paragraphs ending at para_ends[0..npara)
 * (ascending token indices, the last == ntokens; NULL or npara == 0: one paragraph).
 * Only hash and kind of each token are read. opts NULL means defaults. On success *out is
 * a new fingerprint the caller frees with ovl_fp_free. Pure function of its inputs;
 * thread-safe for distinct ctx. */
OVL_API int ovl_fp_from_tokens(ovl_ctx *ctx, const ovl_token *tokens, size_t ntokens,
                       const uint32_t *para_ends, size_t npara, const ovl_fp_opts *opts,
                       ovl_fp **out);
/* Same for a document, using its normalized tokens and its paragraphs. */
OVL_API int ovl_fp_from_doc(ovl_ctx *ctx, const ovl_doc *doc, const ovl_fp_opts *opts, ovl_fp **out);
OVL_API void ovl_fp_free(ovl_fp *fp); /* NULL accepted */

/* Accessors; arrays are owned by fp. */
OVL_API const ovl_fp_opts *ovl_fp_params(const ovl_fp *fp);  /* resolved options used */
OVL_API size_t ovl_fp_chunk_count(const ovl_fp *fp);
OVL_API const ovl_fp_chunk *ovl_fp_chunks(const ovl_fp *fp); /* in token order */
/* Signature of chunk i: num_hashes values; NULL unless keep_signatures was set. */
OVL_API const uint32_t *ovl_fp_signature(const ovl_fp *fp, size_t i);
/* Band keys of chunk i: bands values. */
OVL_API const uint64_t *ovl_fp_band_keys(const ovl_fp *fp, size_t i);
/* Signature of the whole document's shingle set (union of its chunks): num_hashes values;
 * NULL unless doc_signature was set. */
OVL_API const uint32_t *ovl_fp_doc_signature(const ovl_fp *fp);
/* Number of distinct-position shingles hashed (for statistics). */
OVL_API size_t ovl_fp_shingle_count(const ovl_fp *fp);

#ifdef __cplusplus
}
#endif
#endif
