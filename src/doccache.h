/* doccache.h - documents of a corpus loaded on demand, shared by threads, bounded in memory; not installed. */
#ifndef OVL_DOCCACHE_H
#define OVL_DOCCACHE_H

#include "internal.h"

/* A document is loaded (read, hash checked, decoded, normalized, segmented) the first time
 * a thread asks for it, kept while any thread holds it and afterwards up to a memory budget:
 * the least recently used goes first, or, when the order of requests is known in advance
 * (ovl__doccache_plan), the one whose next request comes last. A load failure is remembered: every later request gets the
 * same message, so a bad file is reported once and fails its pairs alike. */
typedef struct ovl__doccache ovl__doccache;

/* hashes: per corpus document the XXH3-128 (low, high) phase 1 saw, or NULL not to check.
 * budget: bytes of loaded documents kept when nobody holds them. Borrowed: c, opts, hashes. */
ovl__doccache *ovl__doccache_new(const ovl_corpus *c, const ovl_doc_opts *opts,
                                 const uint64_t (*hashes)[2], uint64_t budget);
void ovl__doccache_free(ovl__doccache *dc);

/* Document i, held until ovl__doccache_put; NULL when it cannot be loaded, with *err the
 * message ("PATH: detail", owned by the cache) and *code its ovl_error. */
const ovl_doc *ovl__doccache_get(ovl__doccache *dc, ovl_ctx *ctx, size_t i, const char **err,
                                 int *code);
/* Same, for the request at position pos of the plan (positions count from 0). */
const ovl_doc *ovl__doccache_get_at(ovl__doccache *dc, ovl_ctx *ctx, size_t i, uint64_t pos,
                                    const char **err, int *code);
void ovl__doccache_put(ovl__doccache *dc, size_t i);
/* The documents that will be asked for, in order (seq[k] at position k; borrowed, copied as
 * per-document positions); NULL / 0 drops the plan. OVL_ERR_NOMEM leaves the cache as it was. */
int ovl__doccache_plan(ovl__doccache *dc, const uint32_t *seq, size_t n);
/* Data derived from document i, which the caller holds (p malloc'd, bytes of it, counted in
 * the budget): kept with the document and freed when the cache drops it, so that data needed
 * while a document is loaded does not stay for every document of the corpus. Returns the data
 * kept: p, or what another holder kept first (p is then freed). */
void *ovl__doccache_keep(ovl__doccache *dc, size_t i, void *p, uint64_t bytes);
/* What is kept with held document i, or NULL. */
void *ovl__doccache_kept(ovl__doccache *dc, size_t i);
/* Loads a fresh copy of document i (hash checked), outside the cache, for a caller that keeps
 * it. On failure *err is "PATH: detail" (malloc'd) or NULL when out of memory. */
int ovl__doccache_load(ovl__doccache *dc, ovl_ctx *ctx, size_t i, ovl_doc **out, char **err);

/* Segment parts (OVL__SEG_*) of the documents loaded from now on; OVL__SEG_ALL when made.
 * Documents nobody holds that lack one of them are dropped, so later requests load them
 * again with every part (call it while nobody holds documents). ovl__doccache_load always
 * gives every part. */
void ovl__doccache_parts(ovl__doccache *dc, unsigned parts);

/* Hash of bytes as the scan records it. */
void ovl__content_hash(const void *bytes, size_t len, uint64_t out[2]);

#endif
