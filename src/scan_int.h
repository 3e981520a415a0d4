/* scan_int.h - the scan phases' internal entry points shared with the whole-scan driver; not installed. */
#ifndef OVL_SCAN_INT_H
#define OVL_SCAN_INT_H

#include "internal.h"

#include "doccache.h"
#include "recur.h"

#include <stdio.h>
#include <sys/types.h>

/* Loaded documents kept for reuse when no thread holds them. */
#define OVL__SCAN_CACHE_BUDGET ((uint64_t)256 << 20)

/* Segments a scan's fingerprinting and alignment need: paragraphs (chunks and passages stop
 * at them), and sentences in the reworded mode. Reports load documents with every part. */
static inline unsigned ovl__scan_parts(const ovl_scan_opts *o)
{
    return o->align.reworded ? OVL__SEG_SENTENCES : 0u;
}

/* Phase 1 with resolved options; progress counts from progress_base. With doc_bands > 0
 * (and o->fp.doc_signature set) also the whole-document keys of doc_bands x doc_rows. */
int ovl__scan_fingerprint(ovl_ctx *ctx, const ovl_corpus *c, const ovl_scan_opts *o, size_t first,
                          size_t count, size_t progress_base, unsigned doc_bands,
                          unsigned doc_rows, ovl_scan_shard *out);
/* Same, also counting every document's k-grams into sk (NULL: not), an array of o->threads
 * sketches, one per worker thread (merge them afterwards). */
int ovl__scan_fingerprint_rec(ovl_ctx *ctx, const ovl_corpus *c, const ovl_scan_opts *o,
                              size_t first, size_t count, size_t progress_base, unsigned doc_bands,
                              unsigned doc_rows, ovl__recur *sk, ovl_scan_shard *out);
/* Candidate pairs of a filled finder (no min_hits filter), with their chunks' token ranges. */
int ovl__scan_finder_pairs(ovl_ctx *ctx, ovl_finder *f, unsigned max_df, unsigned max_chunks,
                           ovl_scan_pair **out, size_t *nout);
/* Reworks a pair's passages while both documents are at hand (on the worker's thread, with
 * its context): may replace *ps (malloc'd) and *np. Returns OVL_OK or an error. */
typedef int (*ovl__cut_fn)(void *userdata, ovl_ctx *ctx, const ovl_doc *a, const ovl_doc *b,
                           const ovl_scan_pair *p, ovl_passage **ps, size_t *np);

/* Phase 3 with resolved options and a cache of the corpus's ndocs documents; cut (may be
 * NULL) sees each pair's passages before fn. */
int ovl__scan_align(ovl_ctx *ctx, size_t ndocs, ovl__doccache *cache, const ovl_scan_opts *o,
                    const ovl_scan_pair *pairs, size_t npairs, ovl__cut_fn cut,
                    ovl_scan_result_fn fn, void *userdata);
/* Same, with the corpus's k-gram counts (rec, NULL: none): k-grams counted more than
 * o->max_df times in runs long enough to be passages are recurring text, which seeds no
 * passage, and a passage whose text outside it is too short on a side to be a passage is
 * dropped (*recurring counts them). */
int ovl__scan_align_rec(ovl_ctx *ctx, size_t ndocs, ovl__doccache *cache, const ovl_scan_opts *o,
                        const ovl_scan_pair *pairs, size_t npairs, ovl__cut_fn cut,
                        const ovl__recur *rec, size_t *recurring, ovl_scan_result_fn fn,
                        void *userdata);

/* An index of a document's g-grams and where each starts (scan_pair.c). */
typedef struct ovl__grams ovl__grams;
void ovl__grams_free(ovl__grams *x);

/* The g-gram index of an alignment work unit's centre document, built when a second pair of
 * the unit would read the centre through as its long side (a changelog of a million tokens
 * paired with hundreds of short files); the unit frees x when it is done. */
typedef struct ovl__centre_grams {
    const ovl_doc *doc; /* the centre (NULL: none) */
    ovl__grams *x;      /* NULL until built */
    unsigned g, asked;
    /* With kon set, the centre's seed index for the aligner, built (kx) once the ranges of it
     * aligned as a pair's first document add up to the whole document (kwork tokens so far);
     * the unit frees kx when it is done (ovl__centre_grams_clear). */
    int kon, kfail;
    ovl__kindex *kx;
    uint64_t kwork;
    /* The pair's two documents (NULL: none) and their ovl__para_bits (borrowed), set by the
     * caller for each pair. */
    const ovl_doc *pdoc[2];
    const uint64_t *paras[2];
} ovl__centre_grams;

/* Frees what cg holds and empties it, for centre doc (NULL: none), the seed index on or off. */
void ovl__centre_grams_clear(ovl__centre_grams *cg, const ovl_doc *doc, int kon);

/* Aligns candidate pair p of documents da and db (masks ma, mb of recurring text, or NULL):
 * whole when both documents have at most o->whole_tokens tokens, otherwise inside the pair's
 * box widened until no passage is cut at an edge, and where one range is LONG_RATIO times
 * the other and at least LONG_RANGE tokens, only in windows of the long range around the
 * g-grams the two share, when those cost less than half of the ranges. The result does not
 * depend on cg (NULL, or the unit centre's index). *ps (malloc'd, the caller frees it)
 * receives *np passages as from ovl_align. */
int ovl__scan_align_pair(ovl_ctx *ctx, const ovl_doc *da, const ovl_doc *db, const ovl_scan_pair *p,
                         const ovl_scan_opts *o, const uint8_t *ma, const uint8_t *mb,
                         ovl__centre_grams *cg, ovl_passage **ps, size_t *np);

/* What the candidate stage of a whole scan knows of the corpus. */
typedef struct ovl__chunkinfo {
    uint32_t tok_start, tok_end;
    uint32_t char_start, char_end;
} ovl__chunkinfo;

typedef struct ovl__cfp {
    ovl_scan_doc *docs;      /* per corpus document; first_chunk indexes chunks (originals) */
    uint32_t *copy_of;       /* per document: the first document (name order) with the same
                                bytes or nearly the same text, itself for an original,
                                UINT32_MAX when unread */
    float *near;             /* per document: 0 unless a near copy, then its estimated
                                similarity to copy_of (NULL when near copies are off) */
    ovl__chunkinfo *chunks;  /* the originals' chunks, document after document */
    size_t nchunks;
    ovl_scan_pair *pairs;    /* candidate pairs of originals, (a, b) order, min_hits applied */
    size_t npairs;
    ovl_recurring *rec;      /* chunks of band keys in more than max_df documents; key groups
                                numbered across band ranges */
    size_t nrec;
    size_t ranges;           /* band ranges the keys were searched in */
    ovl__recur recur;        /* k-gram counts of the corpus (cnt NULL unless recurring text is
                                looked for) */
    ovl_recurring *ign;      /* chunks sharing a band key with a template (o->ignore) */
    size_t nign;
    double *t_read;          /* NULL, or where to put the seconds spent reading and
                                fingerprinting */
} ovl__cfp;

/* Told of each document that cannot be read, in document order; non-zero stops. */
typedef int (*ovl__problem_fn)(void *userdata, size_t doc, const ovl_problem *p);

/* Phases 1 and 2 of a whole scan: every document fingerprinted shard by shard; documents
 * whose bytes equal an earlier one's are copies and stay out of the search; the originals'
 * band keys wait in a temporary file and are searched one band range at a time (two at once
 * on two threads), so the finders hold a range's keys, not all. out->docs must hold a zeroed
 * entry per document; the rest of *out is filled. With recurring set, the chunks of frequent
 * keys are collected too. */
int ovl__scan_cfp(ovl_ctx *ctx, const ovl_corpus *c, const ovl_scan_opts *o, int recurring,
                  ovl__problem_fn problem, void *userdata, ovl__cfp *out);
void ovl__cfp_free(ovl__cfp *cfp); /* not docs */

/* Per document of n, how many documents are its copies (copy_of[i] == it, i != it): calloc'd,
 * the caller frees it; NULL when out of memory. */
uint32_t *ovl__copy_counts(const uint32_t *copy_of, size_t n);

/* The search of one band range, shared by ovl__scan_cfp and the MPI scan (which feeds a
 * rank's finder with the keys other ranks send it). */
typedef struct ovl__range_out {
    ovl_scan_pair *pairs;    /* candidate pairs, (a, b) order, no min_hits filter */
    size_t npairs;
    ovl_recurring *rec;      /* chunks of frequent keys (with recurring) */
    size_t nrec;
    ovl_recurring *ign;      /* chunks sharing a key with a template (ids from ndocs on) */
    size_t nign;
} ovl__range_out;
/* Adds document id's chunks and their keys of the range's bands to f, unless it is a near
 * copy (copy_of[id] != id), in group (< 0: none; documents of one group are not paired);
 * ids from ndocs on are templates, of no group. */
int ovl__range_add(ovl_ctx *ctx, ovl_finder *f, uint32_t ndocs, const uint32_t *copy_of, uint32_t id,
                   int32_t group, const ovl_fp_chunk *ch, size_t nc, const uint64_t *keys);
/* What a filled finder gives: pairs, recurring chunks, template chunks. */
int ovl__range_search(ovl_ctx *ctx, ovl_finder *f, const ovl_scan_opts *o, uint32_t ndocs,
                      int recurring, ovl__range_out *out);
void ovl__range_out_free(ovl__range_out *out);
/* Pairs of several ranges (each sorted by (a, b)) merged, min_hits applied, pairs with a
 * template dropped; *out malloc'd. */
int ovl__range_pairs(ovl_ctx *ctx, const ovl_scan_opts *o, uint32_t ndocs,
                     const ovl_scan_pair *const *lists, const size_t *counts, size_t nlists,
                     ovl_scan_pair **out, size_t *nout);
/* The recurring (which 0) or template (1) chunks of ranges rp[0..nr) in one list, key groups
 * renumbered so that those of different ranges stay apart. -1 when out of memory. */
int ovl__range_groups(const ovl__range_out *rp, size_t nr, int which, ovl_recurring **out,
                      size_t *nout);
/* Writes document id's chunks (with its group id, < 0: none) to the chunk spool and its keys
 * (nc x bands, chunk after chunk) to one file per band, the form ovl__search_spool reads;
 * col: room for nc keys. -1 when a write fails. */
int ovl__spool_doc(FILE *spool, FILE **bandf, unsigned bands, uint32_t id, int32_t group,
                   const ovl_fp_chunk *ch, const uint64_t *keys, size_t nc, uint64_t *col);
/* Searches the spooled keys (fd up to end; band_fd[0..bands) the band files; nchunks in all)
 * in as many band ranges as keep a finder within its memory budget, two at once on two
 * threads: *outs (malloc'd, *nout ranges in band order; each freed with ovl__range_out_free
 * even on failure). */
int ovl__search_spool(ovl_ctx *ctx, const ovl_scan_opts *o, uint32_t ndocs, const uint32_t *copy_of,
                      int recurring, int fd, off_t end, const int *band_fd, size_t nchunks,
                      unsigned bands, ovl__range_out **outs, size_t *nout);
/* Near copies: candidate pairs of a finder of whole-document keys kept when their signatures
 * (K values per document, indexed by document) agree on at least threshold, joined into groups;
 * each group's first document becomes copy_of of the others, out->near their similarity. */
int ovl__near_groups(ovl_ctx *ctx, ovl_finder *nf, const uint32_t *sigs, unsigned K,
                     double threshold, size_t n, ovl__cfp *out);

/* Recurring text found from the candidate stage's frequent keys: chunks with the same set of
 * frequent keys (with their variants), and neighbouring ones held by mostly the same
 * documents, are one family (src/family.c). */
typedef struct ovl__famspan {
    uint32_t doc;                   /* an original (copies hold the same) */
    uint32_t tok_start, tok_end;
    uint32_t char_start, char_end;
} ovl__famspan;

typedef struct ovl__fam {
    size_t first_span, nspans;      /* its occurrences: spans[first_span ..], document order */
    size_t documents;               /* documents holding it, copies included */
    size_t rep;                     /* the occurrence at the upper quartile of length (index
                                       into spans) */
    uint64_t weight;                /* documents x characters of that occurrence */
    size_t first_in;                /* as built: the index of its first span among those it
                                       was built from (the families first met first) */
} ovl__fam;

typedef struct ovl__families {
    ovl__fam *f;                    /* heaviest first */
    size_t n;
    ovl__famspan *spans;
    size_t nspans;
    size_t *doc_first;              /* per document: its spans are spans[doc_first[d] ..
                                       doc_first[d + 1]) (in token order) */
    uint32_t *lo, *hi;              /* from the build to the widening (which takes them), per
                                       occurrence (spans[s], s less the first family's
                                       first_span): how far it may grow before and after it */
    size_t dropped;                 /* families after f[n - 1] given back once widened
                                       (ovl__families_keep): counted, not held */
} ovl__families;

int ovl__families_build(ovl_ctx *ctx, const ovl__cfp *cfp, size_t ndocs, ovl__families *out);
void ovl__families_free(ovl__families *fam);
/* Share of tokens [t0, t1) of document doc inside its recurring spans. */
double ovl__families_cover(const ovl__families *fam, uint32_t doc, uint32_t t0, uint32_t t1);

#endif
