/* scan_int.h - the scan phases' internal entry points shared with the whole-scan driver; not installed. */
#ifndef OVL_SCAN_INT_H
#define OVL_SCAN_INT_H

#include "internal.h"

#include "doccache.h"

/* Loaded documents kept for reuse when no thread holds them. */
#define OVL__SCAN_CACHE_BUDGET ((uint64_t)256 << 20)

/* Phase 1 with resolved options; progress counts from progress_base. With doc_bands > 0
 * (and o->fp.doc_signature set) also the whole-document keys of doc_bands x doc_rows. */
int ovl__scan_fingerprint(ovl_ctx *ctx, const ovl_corpus *c, const ovl_scan_opts *o, size_t first,
                          size_t count, size_t progress_base, unsigned doc_bands,
                          unsigned doc_rows, ovl_scan_shard *out);
/* Adds a shard's readable documents with bands [lo, hi) of their keys to f; buf and cap
 * are a scratch buffer the caller frees. */
int ovl__scan_finder_add(ovl_ctx *ctx, ovl_finder *f, const ovl_scan_shard *s, unsigned lo,
                         unsigned hi, const int32_t *groups, uint64_t **buf, size_t *cap);
/* Candidate pairs of a filled finder (no min_hits filter), with their chunks' token ranges. */
int ovl__scan_finder_pairs(ovl_ctx *ctx, ovl_finder *f, unsigned max_df, ovl_scan_pair **out,
                           size_t *nout);
/* Phase 3 with resolved options and a cache of the corpus's ndocs documents. */
int ovl__scan_align(ovl_ctx *ctx, size_t ndocs, ovl__doccache *cache, const ovl_scan_opts *o,
                    const ovl_scan_pair *pairs, size_t npairs, ovl_scan_result_fn fn,
                    void *userdata);

#endif
