/* overlap/fingerprint.h - shingles, MinHash signatures, LSH banding and in-memory candidate pairs. */
#ifndef OVERLAP_FINGERPRINT_H
#define OVERLAP_FINGERPRINT_H

#include "overlap/doc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Shingles ------------------------------------------------------------------------
 * A shingle is k consecutive normalized tokens; its hash is XXH3_64bits_withSeed(&r, 8, seed)
 * (the 8 bytes of r as a uint64_t in memory), where
 *   r = h[i] M^(k-1) + h[i+1] M^(k-2) + ... + h[i+k-1]  mod 2^64,  M = 0x9E3779B185EBCA87
 * over the tokens' 64-bit XXH3 hashes h (Horner's rule in uint64_t arithmetic). One hash per
 * shingle, no allocation. */

/* Number of shingles ovl_shingles writes for n tokens: n - k + 1 when n >= k, 1 when
 * 0 < n < k (a short run is one shingle of all its tokens), 0 when n == 0 or k == 0. */
OVL_API size_t ovl_shingle_count(size_t n, unsigned k);

/* Writes ovl_shingle_count(n, k) shingle hashes of the token hashes h[0..n) to out.
 * Returns that count. Pure; thread-safe. */
OVL_API size_t ovl_shingles(const uint64_t *h, size_t n, unsigned k, uint64_t seed, uint64_t *out);

/* ---- MinHash ---------------------------------------------------------------------------
 * One-permutation hashing with optimal densification (Shrivastava, ICML 2017): each
 * shingle hash picks one of K bins (high 32 bits) and competes with its low 32 bits for
 * the bin minimum; empty bins then borrow the value of a non-empty bin chosen by a seeded
 * probe sequence. So one hash per shingle, and P[sig_a[i] == sig_b[i]] = Jaccard(a, b).
 * Signature values are 32-bit. An empty set yields all OVL_MINHASH_EMPTY. */
#define OVL_MINHASH_EMPTY 0xFFFFFFFFu

/* Signature of the set of shingle hashes sh[0..n) (duplicates allowed) into sig[0..K).
 * seed drives the densification probes. Pure; thread-safe. K == 0 writes nothing. */
OVL_API void ovl_minhash(const uint64_t *sh, size_t n, unsigned K, uint64_t seed, uint32_t *sig);

/* Fraction of equal positions of two K-value signatures (0 when K == 0). */
OVL_API double ovl_minhash_similarity(const uint32_t *a, const uint32_t *b, unsigned K);

/* ---- LSH banding -------------------------------------------------------------------- */

/* Probability that two sets of Jaccard s share at least one of b bands of r rows:
 * 1 - (1 - s^r)^b. Returns NaN for s outside [0,1]. */
OVL_API double ovl_lsh_probability(double s, unsigned bands, unsigned rows);

/* Picks bands x rows (bands * rows <= num_hashes, bands <= max_bands when max_bands > 0)
 * minimizing fp_weight * (area under the S-curve below threshold) + fn_weight * (area
 * above the curve from threshold to 1). Errors (OVL_ERR_INVALID with a message): threshold
 * not strictly between 0 and 1 or NaN, num_hashes == 0, weights negative, NaN or both 0.
 * Pure; thread-safe. */
OVL_API int ovl_lsh_choose(ovl_ctx *ctx, double threshold, unsigned num_hashes, unsigned max_bands,
                           double fp_weight, double fn_weight, unsigned *bands, unsigned *rows);

/* Band keys of one signature: key[j] hashes v = sig[j*rows .. (j+1)*rows) with secrets of
 * seed and j, so keys of different bands differ. With s = seed + 0x9E3779B97F4A7C15 (j+1),
 * A = f(s), B = f(s ^ 0xC2B2AE3D27D4EB4F) (f: the splitmix64 finalizer) and F(x, y) = low
 * 64 bits ^ high 64 bits of the 128-bit product x * y: acc = 0, then for each group of four
 * values v0..v3 (the last group padded with zeros)
 *   acc = F((v0 | v1 << 32) ^ A ^ acc, (v2 | v3 << 32) ^ B);
 * key[j] = acc. Writes bands keys. Pure; thread-safe. */
OVL_API void ovl_lsh_band_keys(const uint32_t *sig, unsigned bands, unsigned rows, uint64_t seed,
                               uint64_t *keys);

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
OVL_API int ovl_fp_from_doc(ovl_ctx *ctx, const ovl_doc *doc, const ovl_fp_opts *opts,
                            ovl_fp **out);
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

/* ---- Candidate finder ------------------------------------------------------------------
 * Collects (band key, chunk) pairs of many documents and groups them by sorting. Memory:
 * 12 bytes per chunk and band plus 12 bytes per chunk. Not thread-safe: fingerprint in
 * parallel, then serialize ovl_finder_add calls. Output does not depend on the order in
 * which documents were added. */
typedef struct ovl_finder ovl_finder;

/* A finder for chunks with `bands` band keys each; NULL when out of memory or bands == 0.
 * Free with ovl_finder_free. */
OVL_API ovl_finder *ovl_finder_new(unsigned bands);
OVL_API void ovl_finder_free(ovl_finder *f); /* NULL accepted */

/* Adds a document's chunks (fp->bands must equal the finder's). doc_id is the caller's
 * id (each id at most once); group >= 0 puts the document in a group whose members are
 * never paired with each other; group < 0 means no group. fp is not retained. */
OVL_API int ovl_finder_add(ovl_ctx *ctx, ovl_finder *f, uint32_t doc_id, int32_t group,
                           const ovl_fp *fp);
/* Same from raw arrays (e.g. read back from an index): nchunks chunks, keys holds
 * nchunks * bands values, chunk i's keys at keys[i * bands]. */
OVL_API int ovl_finder_add_keys(ovl_ctx *ctx, ovl_finder *f, uint32_t doc_id, int32_t group,
                                const ovl_fp_chunk *chunks, size_t nchunks, const uint64_t *keys);
OVL_API size_t ovl_finder_doc_count(const ovl_finder *f);
OVL_API size_t ovl_finder_chunk_count(const ovl_finder *f);

#define OVL_CAND_OPTS_VERSION 1
typedef struct ovl_cand_opts {
    unsigned version;       /* OVL_CAND_OPTS_VERSION */
    unsigned max_df;        /* band keys found in more than this many distinct documents are
                               skipped as boilerplate; 0 (default) = no limit */
    unsigned min_band_hits; /* a document pair needs this many band collisions; default 1 */
} ovl_cand_opts;
#define OVL_CAND_OPTS_INIT {OVL_CAND_OPTS_VERSION, 0, 1}

/* A candidate document pair: doc_a < doc_b (the caller's ids). */
typedef struct ovl_cand {
    uint32_t doc_a, doc_b;
    uint32_t band_hits;   /* band collisions summed over its chunk pairs */
    uint32_t chunk_pairs; /* distinct colliding chunk pairs */
    size_t first_hit;     /* its chunk pairs are hits[first_hit .. first_hit + chunk_pairs) */
} ovl_cand;

/* A colliding chunk pair: token ranges in doc_a and doc_b, and its band collisions. */
typedef struct ovl_cand_hit {
    uint32_t a_start, a_end;
    uint32_t b_start, b_end;
    uint32_t bands;
} ovl_cand_hit;

/* Computes candidate pairs sorted by (doc_a, doc_b); hits of a pair sorted by (a_start,
 * b_start). *pairs (and *hits when hits is not NULL) are malloc'd arrays the caller frees
 * with free(); NULL when empty. Does not change the finder's contents (it may reorder
 * them), so it can be called again with other options. OVL_ERR_INVALID when a doc id was
 * added twice. */
OVL_API int ovl_finder_candidates(ovl_ctx *ctx, ovl_finder *f, const ovl_cand_opts *opts,
                                  ovl_cand **pairs, size_t *npairs, ovl_cand_hit **hits,
                                  size_t *nhits);

#ifdef __cplusplus
}
#endif
#endif
