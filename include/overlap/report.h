/* overlap/report.h - reuse reports (diff-style text, JSON schema 1, JSON lines, HTML) from passages. */
#ifndef OVERLAP_REPORT_H
#define OVERLAP_REPORT_H

#include "overlap/align.h"
#include "overlap/corpus.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ovl_format {
    OVL_FORMAT_TEXT = 0,
    OVL_FORMAT_JSON = 1,
    OVL_FORMAT_JSONL = 2,
    OVL_FORMAT_HTML = 3,
    OVL_FORMAT_CSV = 4      /* the pair records (for check: each document's sources), one a row */
} ovl_format;

/* Parses "text", "json", "jsonl", "html" or "csv"; returns -1 when unknown. */
OVL_API int ovl_format_parse(const char *name);

/* Version of the JSON document shape (docs/json-schema.md). */
#define OVL_JSON_SCHEMA 1

/* A report: documents and the passages found between pairs of them. Not thread-safe. */
typedef struct ovl_report ovl_report;

OVL_API ovl_report *ovl_report_new(void);  /* NULL when out of memory */
OVL_API void ovl_report_free(ovl_report *report); /* NULL accepted; does not free the documents */

/* Adds a document under the label path (copied). doc is borrowed and must outlive the
 * report. Returns its id (0, 1, ...) or a negative ovl_error. */
OVL_API int ovl_report_add_doc(ovl_report *report, const ovl_doc *doc, const char *path);
/* Records n passages (copied) found with a = document id_a and b = document id_b. */
OVL_API int ovl_report_add_passages(ovl_report *report, int id_a, int id_b, const ovl_passage *p,
                                    size_t n);

/* The same, with the pieces of passages merged from pieces in another order (ovl_align_pieces;
 * copied; their passage fields index p): the reports show which of them moved. */
OVL_API int ovl_report_add_passages_pieces(ovl_report *report, int id_a, int id_b,
                                           const ovl_passage *p, size_t n,
                                           const ovl_piece *pieces, size_t npieces);

/* Per-document figures computed from the passages it takes part in. */
typedef struct ovl_doc_stats {
    uint64_t chars;          /* code points of the decoded text */
    uint64_t reused_chars;   /* code points inside at least one passage (union) */
    double reuse_ratio;      /* reused_chars / chars (0 for an empty document) */
    uint64_t counted_chars;  /* chars left after --exclude-quotes / --exclude-refs */
    uint64_t counted_reused; /* reused chars left after those exclusions */
    double counted_ratio;    /* counted_reused / counted_chars */
    int top_source;          /* document id contributing most reused chars, -1 if none */
    double top_source_ratio; /* that source's reused chars (union) / chars */
    /* Always computed from the document's segmentation, whatever the options: */
    uint64_t quoted_chars;        /* characters inside quotations (ovl_segments_quotes) */
    uint64_t quoted_reused;       /* of them inside a passage */
    double ratio_without_quotes;  /* (reused - quoted_reused) / (chars - quoted_chars) */
    uint64_t reference_chars;     /* characters of the reference list (ovl_segments_references) */
    uint64_t reference_reused;
    double ratio_without_references;
} ovl_doc_stats;

/* One source of a document: a document it shares passages with, and the characters of
 * this document those passages cover (union over them). */
typedef struct ovl_source_share {
    int doc;        /* the source's document id */
    uint64_t chars; /* characters of this document covered by passages with that source */
    double ratio;   /* chars / this document's chars */
} ovl_source_share;

/* A section of a document: from one heading (ovl_segments_headings) to the next, or the
 * text before the first heading. */
typedef struct ovl_section_stats {
    const char *title;           /* the heading line, whitespace runs as one space, at most
                                    80 characters; "" for the text before the first heading */
    uint64_t char_start, char_end;
    uint64_t reused_chars;       /* characters of the section inside a passage (union) */
    double ratio;                /* reused_chars / (char_end - char_start) */
} ovl_section_stats;

/* Version 2 added with_text, stat and skipped; a version 1 struct is still accepted. */
#define OVL_REPORT_OPTS_VERSION 2
typedef struct ovl_report_opts {
    unsigned version;       /* OVL_REPORT_OPTS_VERSION */
    int format;             /* ovl_format */
    int color;              /* 1: ANSI colours in text output */
    int exclude_quotes;     /* leave text inside quotation marks out of counted ratios */
    int exclude_refs;       /* leave the reference list (from 参考文献 / References on) out */
    const char *params_json;/* JSON object text for "params" (copied verbatim); NULL: {} */
    int max_context;        /* text format: most characters of a passage shown; 0 = all */
    int with_text;          /* JSON, JSON lines: each passage carries its text on both sides
                               and its edit operations (needs the documents) */
    int stat;               /* summary only: figures, sources, sections and pair records,
                               no passages */
    const ovl_problem *skipped; /* ovl_report_write: inputs that could not be read, listed
                               at the end (JSON "skipped", text "== skipped" lines; not in
                               HTML) so the report says what it does not cover; borrowed */
    size_t nskipped;
} ovl_report_opts;
#define OVL_REPORT_OPTS_INIT {OVL_REPORT_OPTS_VERSION, OVL_FORMAT_TEXT, 0, 0, 0, NULL, 0, 0, 0, NULL, 0}

/* Computes stats for document id (opts for exclusions; NULL = none). */
OVL_API int ovl_report_doc_stats(const ovl_report *report, int id, const ovl_report_opts *opts,
                                 ovl_doc_stats *out);

/* The sources of document id, most characters first (ties: lower id first), and its
 * sections (none when segmentation found no heading). *shares and *sections are malloc'd;
 * free *sections with ovl_report_sections_free (titles included), *shares with free().
 * Either output may be NULL when not wanted. OVL_ERR_INVALID, OVL_ERR_NOMEM. */
OVL_API int ovl_report_doc_sources(const ovl_report *report, int id, ovl_source_share **shares,
                                   size_t *nshares, ovl_section_stats **sections,
                                   size_t *nsections);
OVL_API void ovl_report_sections_free(ovl_section_stats *sections, size_t n);

/* Writes the report to sink. Output is a pure function of the report and opts. */
OVL_API int ovl_report_write(ovl_ctx *ctx, const ovl_report *report, const ovl_report_opts *opts,
                             ovl_write_fn sink, void *userdata);

/* ---- Pair records ----------------------------------------------------------------------
 * What one pair of documents shares, in one record: every report format carries one per
 * pair (JSON "pairs", a "pair" line in JSON lines, a "==" line in text). */
typedef struct ovl_pair_stats {
    int a, b;                /* document ids of the two sides */
    size_t passages;         /* passages between them */
    uint64_t a_reused_chars; /* code points of a inside the pair's passages (union) */
    uint64_t b_reused_chars;
    double a_ratio;          /* a_reused_chars / a's chars (0 for an empty document) */
    double b_ratio;
    double top_similarity;   /* highest passage similarity (0 without passages) */
    const char *error;       /* NULL, or why the pair could not be aligned (then no passages);
                                borrowed */
} ovl_pair_stats;

/* Fills *out for passages ps[0..n) between documents id_a (a_chars code points) and id_b.
 * OVL_ERR_INVALID (NULL out, or n > 0 without ps), OVL_ERR_NOMEM. */
OVL_API int ovl_pair_stats_compute(int id_a, int id_b, const ovl_passage *ps, size_t n, uint64_t a_chars,
                           uint64_t b_chars, ovl_pair_stats *out);

/* ---- Streamed reports -----------------------------------------------------------------
 * A report written as it is produced, for corpora whose passages do not fit in memory: the
 * documents (with figures computed by the caller) first, then one pair at a time. Text, JSON
 * and JSON lines; the bytes are those ovl_report_write gives for the same content. JSON
 * writes the pair, copies, family and skipped records to temporary files (tmpfile), one per
 * section, until the end, where they follow "passages"; nothing is held that grows with the
 * report. */
typedef struct ovl_report_docinfo {
    const char *path;     /* label (copied; bytes that are not UTF-8 become U+FFFD) */
    const char *encoding; /* e.g. "UTF-8" (copied) */
    uint64_t bytes;       /* input size */
    ovl_doc_stats stats;  /* its figures over the whole report */
    int sources;          /* distinct documents it shares passages with */
    int detailed;         /* 1: the figures without quotes and references in stats, shares
                             and sections below are given (shown for this document) */
    const ovl_source_share *shares;    /* its sources (read during stream_begin only) */
    size_t nshares;
    const ovl_section_stats *sections; /* its sections (read during stream_begin only) */
    size_t nsections;
    size_t replaced;      /* invalid byte sequences replaced with U+FFFD (lenient decoding);
                             JSON "replaced", written when not 0 */
} ovl_report_docinfo;

/* Files with identical bytes, or nearly identical texts: reported once, the first standing
 * for all in pairs. */
typedef struct ovl_copies {
    const char *const *paths; /* name order (borrowed during the call) */
    size_t n;
    uint64_t bytes;           /* the first file's size */
    uint64_t chars;
    const double *similarity; /* per path: estimated whole-document similarity to the first
                                 (1.0 for identical bytes); NULL when all are identical */
} ovl_copies;

/* One occurrence of recurring text. */
typedef struct ovl_family_span {
    const char *path;
    uint64_t char_start, char_end; /* code points, end exclusive */
} ovl_family_span;

/* Text that recurs in many documents (a licence, a template, a changelog formula), reported
 * once with where it occurs instead of as passages of every pair holding it. */
typedef struct ovl_family {
    size_t id;                     /* 1, 2, ...: most documents x characters first */
    size_t documents;              /* documents holding it, identical copies included */
    uint64_t chars;                /* characters of its occurrence at the upper quartile of
                                      length (a longer one may run on into other text) */
    const char *text;              /* that occurrence's text: whitespace runs as one space,
                                      at most 1,000 characters (then " …") */
    const ovl_family_span *spans;  /* its occurrences (identical copies not repeated) */
    size_t nspans;
} ovl_family;

typedef struct ovl_report_stream ovl_report_stream;

/* Starts a report of the documents docs[0..ndocs) (ids 0..ndocs-1, copied) holding npassages
 * passages in all (the text header counts them) and writes its head to sink. opts NULL =
 * defaults; params_json is read during this call only. On success *out is a stream to give
 * every pair and then to ovl_report_stream_end. OVL_ERR_INVALID (HTML cannot be streamed:
 * it shows whole documents), OVL_ERR_NOMEM, OVL_ERR_WRITE. */
OVL_API int ovl_report_stream_begin(ovl_ctx *ctx, const ovl_report_opts *opts,
                            const ovl_report_docinfo *docs, size_t ndocs, size_t npassages,
                            ovl_write_fn sink, void *userdata, ovl_report_stream **out);
/* Writes one pair's record and its passages ps[0..n) (sorted as the caller wants them shown).
 * a and b are the two documents (borrowed during the call): the text format needs them for
 * the passage bodies; JSON and JSON lines accept NULL. After a failure every later call
 * returns the same error. JSON: this call and the three below fail with OVL_ERR_IO when the
 * temporary file of their section cannot be created or written, ovl_report_stream_end when
 * one cannot be read back. */
OVL_API int ovl_report_stream_pair(ovl_ctx *ctx, ovl_report_stream *s, const ovl_pair_stats *pair,
                           const ovl_passage *ps, size_t n, const ovl_doc *a, const ovl_doc *b);
/* Records a group of identical files (JSON "copies", a {"copies":...} line, a text line). */
OVL_API int ovl_report_stream_copies(ovl_ctx *ctx, ovl_report_stream *s, const ovl_copies *g);
/* Records a family of recurring text (JSON "families", a {"family":...} line, a text block). */
OVL_API int ovl_report_stream_family(ovl_ctx *ctx, ovl_report_stream *s, const ovl_family *f);
/* Records an input that could not be read (JSON "skipped", a {"skipped":...} line, a text
 * line), so the report says what it does not cover. */
OVL_API int ovl_report_stream_skipped(ovl_ctx *ctx, ovl_report_stream *s, const char *path,
                                      const char *message, int64_t offset);
/* Writes the tail, flushes, and frees s (whatever the result). */
OVL_API int ovl_report_stream_end(ovl_ctx *ctx, ovl_report_stream *s);
/* Frees s without writing its tail (after a failure); NULL accepted. */
OVL_API void ovl_report_stream_free(ovl_report_stream *s);

/* Number of passages recorded (all pairs). */
OVL_API size_t ovl_report_passage_count(const ovl_report *report);

#ifdef __cplusplus
}
#endif
#endif
