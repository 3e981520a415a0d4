/* overlap/scan.h - corpus scan: every pair of documents that share passages, found in phases and streamed to a sink. */
#ifndef OVERLAP_SCAN_H
#define OVERLAP_SCAN_H

#include "overlap/corpus.h"
#include "overlap/fingerprint.h"
#include "overlap/lsh.h"
#include "overlap/finder.h"
#include "overlap/report.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A scan runs in four phases, each a separate call with plain-data inputs and outputs so
 * that they can run in other processes (a shard of documents, a range of band keys, a set of
 * pairs) and be combined:
 *   1. ovl_scan_fingerprint: read, decode and fingerprint documents [first, first + count);
 *      each file is read once here and its XXH3-128 kept;
 *   2. ovl_scan_candidates: candidate pairs from the band keys of bands [band_lo, band_hi);
 *      ovl_scan_merge_pairs combines the pairs of several band ranges;
 *   3. ovl_scan_align: aligns pairs, re-reading documents with their hash checked (a file
 *      that changed or vanished fails its pairs and is reported once);
 *   4. results go to a sink, pairs in order of reused characters (both sides, most first),
 *      ties in name order, so the bytes do not depend on the thread count.
 * ovl_scan runs them all. */

/* Progress: phase is "fingerprint", "candidates" or "align"; done of total units (files,
 * band ranges, pairs). Called from one thread at a time, a few times a second. */
typedef void (*ovl_progress_fn)(void *userdata, const char *phase, uint64_t done, uint64_t total);

/* Version 2 (2026-11-30): the layout version 1 had before the embedded document and alignment
 * options grew (max_bytes; reworded, min_score) and pair_passages was added; a version 1
 * struct is refused (OVL_ERR_INVALID) rather than read with the wrong layout. */
#define OVL_SCAN_OPTS_VERSION 2
typedef struct ovl_scan_opts {
    unsigned version;       /* OVL_SCAN_OPTS_VERSION */
    ovl_doc_opts doc;       /* decoding, normalization, segmentation */
    ovl_fp_opts fp;         /* shingles, MinHash, LSH bands (resolved by the scan) */
    ovl_align_opts align;   /* passages */
    unsigned max_df;        /* band keys found in more than this many documents make no
                               candidates (boilerplate); default 50, a fixed number so that the
                               pairs one key can make do not grow with the corpus; 0 = no limit */
    unsigned min_hits;      /* band collisions a pair needs; default 1 */
    unsigned whole_tokens;  /* a pair whose documents both have at most this many tokens is
                               aligned whole, so its passages are exactly compare's; other
                               pairs are aligned around their colliding chunks, widened while a
                               passage runs on: a short passage far from every collision can be
                               missed, and a passage near the edge of the range can come out
                               cut differently (bench/README.md measures both ways). Default
                               0 = always around the chunks */
    unsigned threads;       /* worker threads; default 0 = the cores this
                               process may use (its CPU affinity) */
    const int32_t *groups;  /* NULL, or per corpus document a group id (< 0: none); documents
                               of one group are not paired. Borrowed during the call */
    ovl_progress_fn progress; /* NULL: none */
    void *progress_data;
    int families;           /* 1 (default): text whose band keys are in more than max_df
                               documents is recurring text, reported as families (ovl_scan), and
                               a passage lying in it on both sides (80% of its tokens) is not
                               reported as reuse; so is text whose k-grams (3 words, 4 CJK
                               characters) occur more than max_df times in the corpus, in runs
                               that would make a passage: it seeds no pairwise passage, and a
                               passage too short outside it is dropped; 0: neither */
    size_t top_families;    /* families reported with their text and occurrences; default 100
                               (0: all) */
    size_t top_pairs;       /* pairs reported with their passages, most reused characters first;
                               the others only as pair records (so a large corpus gives a pair
                               table, not gigabytes of passages). Default 100; 0 = all */
    double min_ratio;       /* pairs whose larger side ratio is below this are not reported;
                               default 0 */
    double near_copies;     /* documents whose whole-document MinHash similarity to an earlier
                               one (name order) is at least this are near copies of it: set
                               aside and reported with its group, like identical files;
                               default 0.9; 0 = off */
    unsigned max_chunks;    /* band keys found in more than this many chunks (a formula that
                               recurs through a few long files, like a git log's "N files
                               changed") are recurring text like those of max_df; default 200;
                               0 = no limit */
    const ovl_corpus *ignore; /* NULL, or templates (a course template, a journal's
                               boilerplate, a licence): text of the corpus whose chunks share
                               band keys with them never counts as reuse: it is cut out of the
                               passages (ovl_ignore_cut), and pairs colliding only in it are not
                               aligned. Borrowed */
    size_t list_pairs;      /* pair records reported, most reused characters first (the rest
                               only counted: summary pairs_unlisted), so that the report of a
                               large corpus stays small; default 10,000; 0 = all */
    size_t family_spans;    /* occurrences listed per family, in name order (its documents are
                               counted in full); default 100; 0 = all */
    int recurring_text;     /* 1 (default): a sample of the corpus's k-grams (3 words, 4 CJK
                               characters; one in 8, chosen by their text so that a text is
                               sampled alike wherever it is) is counted in a 4 MB sketch while
                               fingerprinting, and text whose sampled k-grams each occur more
                               than max_chunks times (200; max_df when larger), in runs that
                               would make a passage, seeds no pairwise passage (licences,
                               templates, changelog formulas that band keys miss): such text is
                               not aligned again for every pair holding it. A run's edges are
                               known to the nearest sampled k-grams (at most 8 tokens are
                               added on each side). Costs about 3% more CPU where no text
                               recurs; 0: off (every k-gram of recurring text seeds) */
    size_t pair_passages;   /* passages listed per reported pair: its longest (both sides'
                               characters), in document order; the pair record still counts
                               them all. Two shipped copies of one changelog share hundreds of
                               passages, which `overlap compare` shows better than a corpus
                               report. Default 50; 0 = all */
} ovl_scan_opts;
#define OVL_SCAN_OPTS_INIT \
    {OVL_SCAN_OPTS_VERSION, OVL_DOC_OPTS_INIT, OVL_FP_OPTS_INIT, OVL_ALIGN_OPTS_INIT, 50, 1, \
     0, 0, NULL, NULL, NULL, 1, 100, 100, 0.0, 0.9, 200, NULL, 10000, 100, 1, 50}

/* ---- Phase 1: fingerprints -------------------------------------------------------------- */

/* One document as phase 1 saw it. */
typedef struct ovl_scan_doc {
    int status;            /* OVL_OK, or why it could not be read or decoded (see problems) */
    uint64_t bytes;        /* bytes read */
    uint64_t chars;        /* code points of the decoded text */
    uint32_t tokens;       /* normalized tokens */
    uint64_t hash[2];      /* XXH3-128 of its bytes (low, high) */
    char encoding[24];     /* e.g. "GB18030" */
    uint32_t nchunks;      /* its chunks are chunks[first_chunk .. first_chunk + nchunks) */
    size_t first_chunk;
    size_t replaced;       /* invalid byte sequences replaced with U+FFFD (lenient decoding) */
} ovl_scan_doc;

/* Fingerprints of a shard: documents [first, first + count) of the corpus. Plain arrays,
 * owned by the shard; free with ovl_scan_shard_free. */
typedef struct ovl_scan_shard {
    size_t first, count;
    ovl_scan_doc *docs;    /* count entries */
    ovl_fp_chunk *chunks;  /* every chunk, document after document */
    uint64_t *keys;        /* bands band keys per chunk: chunk c's at keys[c * bands] */
    uint32_t *char_start;  /* per chunk: the characters it covers, [char_start, char_end) */
    uint32_t *char_end;
    size_t nchunks;
    unsigned bands;
    ovl_problem *problems; /* documents that failed, in document order (strings owned) */
    size_t nproblems;
    uint64_t *doc_keys;    /* whole-document band keys (doc_bands per document; near-duplicate
                              search), NULL unless asked for */
    unsigned doc_bands;
    uint32_t *doc_sigs;    /* with doc_keys: each document's whole MinHash signature
                              (num_hashes values per document) */
} ovl_scan_shard;

/* Resolves opts (NULL = defaults) into *out (fingerprint bands and rows chosen, threads
 * counted). OVL_ERR_INVALID with a message naming the bad field. */
OVL_API int ovl_scan_opts_resolve(ovl_ctx *ctx, const ovl_scan_opts *opts, ovl_scan_opts *out);

/* Phase 1 on documents [first, first + count) of c, on opts->threads threads. A document
 * that cannot be read or decoded is a problem, not an error: the call fails only when out
 * of memory or given bad arguments. *out is zeroed on failure. */
OVL_API int ovl_scan_fingerprint(ovl_ctx *ctx, const ovl_corpus *c, const ovl_scan_opts *opts,
                         size_t first, size_t count, ovl_scan_shard *out);
OVL_API void ovl_scan_shard_free(ovl_scan_shard *s); /* frees the arrays, not s; NULL accepted */

/* ---- Phase 2: candidate pairs ----------------------------------------------------------- */

/* A candidate pair: documents a < b (corpus numbers), its band collisions, and the token
 * ranges its colliding chunks span on each side (where to align). */
typedef struct ovl_scan_pair {
    uint32_t a, b;
    uint32_t band_hits;
    uint32_t a0, a1, b0, b1;
} ovl_scan_pair;

/* Pairs from bands [band_lo, band_hi) of the shards' keys (every document of the corpus
 * should be in one of the shards), with opts->max_df applied per band key and no min_hits
 * filter (apply it after merging ranges). *pairs is malloc'd (the caller frees it), sorted by
 * (a, b); NULL when empty. */
OVL_API int ovl_scan_candidates(ovl_ctx *ctx, const ovl_scan_shard *shards, size_t nshards,
                        const ovl_scan_opts *opts, unsigned band_lo, unsigned band_hi,
                        ovl_scan_pair **pairs, size_t *npairs);

/* Merges lists of pairs sorted by (a, b) (from disjoint band ranges): the same pair's
 * collisions add up and its token ranges are joined; pairs with fewer than min_hits
 * collisions are dropped. *out is malloc'd, sorted by (a, b). */
OVL_API int ovl_scan_merge_pairs(ovl_ctx *ctx, const ovl_scan_pair *const *lists, const size_t *counts,
                         size_t nlists, unsigned min_hits, ovl_scan_pair **out, size_t *nout);

/* ---- Phase 3: alignment ----------------------------------------------------------------- */

/* What aligning one pair gave; passages and stats are owned by the scan and valid during the
 * callback only. */
typedef struct ovl_scan_result {
    size_t pair;              /* index into the pairs given */
    int status;               /* OVL_OK, or why the pair could not be aligned */
    const char *error;        /* then: "PATH: message" */
    int64_t failed_doc;       /* the document that could not be loaded, or -1 */
    const ovl_passage *passages;
    size_t npassages;
    uint64_t a_reused_chars, b_reused_chars; /* union of the pair's spans on each side */
} ovl_scan_result;

/* Called once per pair, from one thread at a time, in no particular order; return non-zero
 * to stop the alignment (ovl_scan_align then returns OVL_ERR_WRITE). */
typedef int (*ovl_scan_result_fn)(void *userdata, const ovl_scan_result *r);

/* Phase 3: aligns pairs[0..npairs) of c (docs: phase 1's record of every corpus document,
 * indexed by corpus number) on opts->threads threads, sharing one cache of loaded
 * documents. A document is re-read from its file and refused (OVL_ERR_IO, "changed since it
 * was fingerprinted") when its hash differs from phase 1's. */
OVL_API int ovl_scan_align(ovl_ctx *ctx, const ovl_corpus *c, const ovl_scan_doc *docs,
                   const ovl_scan_opts *opts, const ovl_scan_pair *pairs, size_t npairs,
                   ovl_scan_result_fn fn, void *userdata);

/* ---- The whole scan --------------------------------------------------------------------- */

/* Figures of a finished scan. */
typedef struct ovl_scan_summary {
    size_t documents;        /* in the corpus */
    size_t documents_read;   /* read and fingerprinted */
    size_t problems;         /* problems reported (files, not pairs) */
    size_t candidates;       /* candidate pairs aligned */
    size_t pairs;            /* pairs with passages */
    size_t failed_pairs;     /* pairs that could not be aligned */
    size_t passages;         /* passages reported */
    unsigned bands, rows;    /* LSH banding used */
    size_t copy_groups;      /* groups of identical or nearly identical files */
    size_t copies;           /* files set aside as copies of an earlier one (identical) */
    size_t near_copies;      /* files set aside as near copies of an earlier one */
    size_t families;         /* families of recurring text found */
    size_t family_passages;  /* passages left out as lying in recurring text */
    size_t family_pairs;     /* candidate pairs not aligned: they collide in recurring text only */
    size_t band_ranges;      /* band ranges the candidate search ran in */
    size_t ignored_passages; /* passages template text was cut out of (the rest kept when
                                still long enough) */
    double seconds[5];       /* wall time of: reading and fingerprinting, candidate search,
                                families, alignment, writing the results */
    uint64_t ignored_chars;  /* characters of the corpus found in the templates */
    size_t pairs_unlisted;   /* pairs with passages past list_pairs: counted, not reported */
    size_t replaced;         /* invalid byte sequences replaced with U+FFFD (lenient decoding)
                                in the documents phase 1 read, all together */
    size_t replaced_docs;    /* documents with at least one (each told to the sink's replaced) */
} ovl_scan_summary;

/* Where a scan's results go. Every callback may be NULL; each returns 0, or non-zero to stop
 * the scan (which then returns OVL_ERR_WRITE). Called from the calling thread, in this order:
 * problem for each document that fails (any time, each document once); begin once, with the
 * documents taking part in pairs (report ids 0, 1, ... in name order, with their figures over
 * the whole scan); copies for each group of identical files (name order of the first);
 * family for each reported family (heaviest first); pair for each pair with passages or
 * failed, in report order; replaced for each document whose decoding replaced invalid byte
 * sequences (lenient decoding), in document order; end once. Identical files are scanned
 * once: the first of a group stands for the others in pairs and families (each copy is
 * still read in phase 1, so replaced tells of every copy). */
typedef struct ovl_scan_sink {
    void *userdata;
    int need_docs; /* 0: pair() gets no documents; 1: pair() gets both documents (re-read,
                      hash checked, borrowed during the call), e.g. to show passage text;
                      2: doc() is given each document of the report to keep, before the
                      first pair that names it (for reports that show whole documents) */
    int (*problem)(void *userdata, const ovl_problem *p);
    /* need_docs == 2: document report_id, owned by the sink from now on (ovl_doc_free) */
    int (*doc)(void *userdata, int report_id, ovl_doc *doc);
    int (*begin)(void *userdata, const ovl_scan_summary *s, const ovl_report_docinfo *docs,
                 size_t ndocs);
    /* pair->a and pair->b are report ids; a and b are NULL unless need_docs */
    int (*pair)(void *userdata, const ovl_pair_stats *pair, const ovl_passage *ps, size_t n,
                const ovl_doc *a, const ovl_doc *b);
    int (*end)(void *userdata, const ovl_scan_summary *s);
    int (*copies)(void *userdata, const ovl_copies *g);
    int (*family)(void *userdata, const ovl_family *f);
    int doc_details; /* 1: begin()'s documents of the pairs whose passages are shown carry
                        their ratios without quotations and references and their sections
                        (ovl_report_docinfo.detailed; each such document is read again);
                        0 (a zeroed sink): not computed */
    /* Document doc (its number in the corpus, of the whole corpus when scanned in parts),
     * named path (borrowed during the call), whose decoding replaced n > 0 invalid byte
     * sequences with U+FFFD: the counts phase 1 found, so that a caller never reads the
     * corpus again to tell them (summary replaced and replaced_docs add them up). */
    int (*replaced)(void *userdata, size_t doc, const char *path, size_t n);
} ovl_scan_sink;

/* Scans c: phases 1-3, then the results to sink. Passages wait in a temporary file between
 * alignment and writing, so memory holds the pair records (about 64 bytes a pair) and each
 * document's reused spans, never all passages. summary may be NULL. Returns OVL_OK even when
 * documents or pairs failed (see summary and the sink's problems); errors are out of memory,
 * bad options, a temporary file that cannot be written (OVL_ERR_IO) and a sink that stopped
 * (OVL_ERR_WRITE). */
OVL_API int ovl_scan(ovl_ctx *ctx, const ovl_corpus *c, const ovl_scan_opts *opts,
             const ovl_scan_sink *sink, ovl_scan_summary *summary);

/* A sink writing a report to write_fn: text, JSON and JSON lines are streamed
 * (ovl_report_stream_begin); HTML, which shows whole documents, keeps the documents of the
 * report and the passages until the end. Problems are listed at the end of the report
 * (ovl_report_stream_skipped; not in HTML), and on_problem is told of each as it comes. */
typedef struct ovl_scan_report_sink {
    ovl_scan_sink sink;           /* give &this.sink to ovl_scan */
    ovl_ctx *ctx;                 /* receives write errors (borrowed) */
    ovl_report_opts opts;         /* format, params_json (borrowed until the scan ends) */
    ovl_write_fn write_fn;
    void *write_data;
    ovl_report_stream *stream;    /* internal: the text/JSON stream */
    void *html;                   /* internal: what an HTML report holds until the end */
    void *skipped;                /* internal: problems met, listed at the end of the report */
    int (*on_problem)(void *userdata, const ovl_problem *p); /* optional: told of problems */
    void *problem_data;
    /* optional: told of each document with replaced byte sequences (ovl_scan_sink.replaced) */
    int (*on_replaced)(void *userdata, size_t doc, const char *path, size_t n);
    void *replaced_data;
} ovl_scan_report_sink;

/* Prepares *rs to write a report of format opts->format to write_fn. */
OVL_API void ovl_scan_report_sink_init(ovl_scan_report_sink *rs, ovl_ctx *ctx, const ovl_report_opts *opts,
                               ovl_write_fn write_fn, void *write_data);
/* Releases what a scan that stopped early left in rs (nothing after a finished scan). */
OVL_API void ovl_scan_report_sink_cleanup(ovl_scan_report_sink *rs);

#ifdef __cplusplus
}
#endif
#endif
