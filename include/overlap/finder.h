/* overlap/finder.h - the in-memory candidate finder: document pairs whose chunks share band keys. */
#ifndef OVERLAP_FINDER_H
#define OVERLAP_FINDER_H

#include "overlap/fingerprint.h"

#ifdef __cplusplus
extern "C" {
#endif

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
    unsigned max_chunks;    /* band keys found in more than this many chunks (of any
                               documents: a formula repeated through a few long files) are
                               skipped too; 0 (default) = no limit */
} ovl_cand_opts;
#define OVL_CAND_OPTS_INIT {OVL_CAND_OPTS_VERSION, 0, 1, 0}

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

/* A chunk holding a band key found in more than min_df distinct documents: text that recurs
 * across the corpus (a licence, a template). key_group numbers the frequent keys (0, 1, ...
 * in key order); a chunk holding several appears once per key. */
typedef struct ovl_recurring {
    uint32_t doc;        /* the caller's document id */
    uint32_t tok_start, tok_end;
    uint32_t key_group;
} ovl_recurring;

/* Lists the chunks of every band key held by more than min_df distinct documents (min_df
 * >= 1) or, when max_chunks > 0, by more than max_chunks chunks, sorted by (key_group, doc,
 * tok_start). *out is malloc'd (the caller frees it; NULL when empty). Like
 * ovl_finder_candidates it may reorder the finder, not change it. */
OVL_API int ovl_finder_recurring(ovl_ctx *ctx, ovl_finder *f, unsigned min_df, unsigned max_chunks,
                                 ovl_recurring **out, size_t *count);

/* Lists the chunks of documents with ids below id_min that share a band key with a chunk of
 * a document whose id is id_min or more (text found in templates), sorted by (key_group, doc,
 * tok_start). *out is malloc'd (the caller frees it; NULL when empty). */
OVL_API int ovl_finder_shared(ovl_ctx *ctx, ovl_finder *f, uint32_t id_min, ovl_recurring **out,
                              size_t *count);

#ifdef __cplusplus
}
#endif
#endif
