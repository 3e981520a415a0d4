/* overlap/dedup.h - near-duplicate documents of a corpus: clusters and a keep/drop decision per document. */
#ifndef OVERLAP_DEDUP_H
#define OVERLAP_DEDUP_H

#include "overlap/scan.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Two documents are duplicates when the passages they share (aligned like ovl_align on the
 * whole documents) cover at least `ratio` of each of them, in characters. Candidates come
 * from whole-document MinHash + LSH. Duplicates are joined transitively into clusters; one
 * document per cluster is kept. The result is the same for any thread count. */
typedef enum ovl_dedup_keep {
    OVL_DEDUP_KEEP_LONGEST = 0, /* the member with the most characters (ties: first name) */
    OVL_DEDUP_KEEP_FIRST = 1    /* the member first in name order */
} ovl_dedup_keep;

/* Version 2 (2026-11-30): the embedded document and alignment options grew (max_bytes;
 * reworded, min_score); a version 1 struct is refused (OVL_ERR_INVALID). */
#define OVL_DEDUP_OPTS_VERSION 2
typedef struct ovl_dedup_opts {
    unsigned version;        /* OVL_DEDUP_OPTS_VERSION */
    ovl_doc_opts doc;
    ovl_align_opts align;
    double ratio;            /* reuse ratio both documents must reach; default 0.8 */
    double lsh_threshold;    /* whole-document Jaccard the candidate search is tuned for;
                                default 0.5 */
    uint64_t seed;           /* hash seed; default 0 */
    int keep;                /* ovl_dedup_keep; default OVL_DEDUP_KEEP_LONGEST */
    unsigned threads;        /* default 0 = the cores this process may use */
    ovl_progress_fn progress;
    void *progress_data;
} ovl_dedup_opts;
#define OVL_DEDUP_OPTS_INIT \
    {OVL_DEDUP_OPTS_VERSION, OVL_DOC_OPTS_INIT, OVL_ALIGN_OPTS_INIT, 0.8, 0.5, 0, \
     OVL_DEDUP_KEEP_LONGEST, 0, NULL, NULL}

typedef struct ovl_dedup_doc {
    int status;       /* OVL_OK, or why it could not be read (see problems); never dropped */
    uint64_t chars;   /* code points */
    size_t cluster;   /* 0: in no cluster; else clusters are numbered from 1 in the name order
                         of their first member */
    size_t kept;      /* corpus number of the document kept for its cluster (itself when
                         kept or in no cluster) */
    double similarity;/* with a cluster: the smaller of the two reuse ratios between it and
                         the kept document when they were aligned as a pair, else 0 */
    size_t replaced;  /* invalid byte sequences its decoding replaced with U+FFFD (lenient
                         decoding; 0 when it was not decoded, e.g. over max_bytes), as
                         ovl_scan_doc.replaced: a caller need not decode it again to tell them
                         (appended 2026-12-01) */
} ovl_dedup_doc;

/* A pair found to be duplicates: corpus numbers a < b and each side's reuse ratio. */
typedef struct ovl_dedup_pair {
    uint32_t a, b;
    double ratio_a, ratio_b;
    size_t cluster;
} ovl_dedup_pair;

typedef struct ovl_dedup_result {
    ovl_dedup_doc *docs;   /* one per corpus document */
    size_t ndocs;
    size_t nclusters;
    ovl_dedup_pair *pairs; /* duplicate pairs in (a, b) order */
    size_t npairs;
    ovl_problem *problems; /* inputs that failed, in the order met (strings owned) */
    size_t nproblems;
} ovl_dedup_result;

/* Finds the near-duplicates of c (opts NULL = defaults). Inputs that fail are problems in
 * the result, not errors. Errors: OVL_ERR_INVALID (options, with the field named),
 * OVL_ERR_NOMEM. Free the result with ovl_dedup_result_free. */
OVL_API int ovl_dedup(ovl_ctx *ctx, const ovl_corpus *c, const ovl_dedup_opts *opts,
              ovl_dedup_result *out);
OVL_API void ovl_dedup_result_free(ovl_dedup_result *r); /* frees the arrays, not r; NULL accepted */

#ifdef __cplusplus
}
#endif
#endif
