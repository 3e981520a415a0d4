/* report_int.h - private structs and entry points of the report stage (model, writer, statistics, text, JSON, HTML); not installed. */
#ifndef OVL_REPORT_INT_H
#define OVL_REPORT_INT_H

#include "internal.h"

#include <stdarg.h>

struct ovl_report_doc {
    const ovl_doc *doc; /* borrowed */
    char *path;         /* label as given, valid UTF-8 (bad bytes became U+FFFD) */
};

struct ovl_report_item {
    int a, b;           /* document ids of the two sides */
    ovl_passage p;
};

struct ovl_report {
    struct ovl_report_doc *docs;
    size_t ndocs, capdocs;
    struct ovl_report_item *items; /* in insertion order, which every writer keeps */
    size_t nitems, capitems;
    ovl_piece *pieces;  /* pieces of merged passages, passage = index in items, in order */
    size_t npieces, cappieces;
};

/* Pieces [*k, ...) of pieces v[0, n) (sorted by passage) whose passage is x, their count;
 * *k moves past those before x. For writers walking passages in order. */
static inline size_t ovl__pieces_of(const ovl_piece *v, size_t n, size_t x, size_t *k)
{
    while (*k < n && v[*k].passage < x)
        (*k)++;
    size_t e = *k;
    while (e < n && v[e].passage == x)
        e++;
    return e - *k;
}

/* Buffered writer over an ovl_write_fn: the sink sees few, large chunks, and the first
 * refusal sticks (err) so writers can emit freely and check once at the end. */
typedef struct ovl__out {
    ovl_write_fn sink;
    void *userdata;
    int err;            /* OVL_OK or OVL_ERR_WRITE */
    size_t len;
    char buf[16384];
} ovl__out;

void ovl__out_init(ovl__out *o, ovl_write_fn sink, void *userdata);
void ovl__out_put(ovl__out *o, const void *data, size_t len);
void ovl__out_puts(ovl__out *o, const char *s);
void ovl__out_printf(ovl__out *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void ovl__out_cp(ovl__out *o, uint32_t cp);
/* Flushes what is buffered; returns OVL_OK or OVL_ERR_WRITE. */
int ovl__out_flush(ovl__out *o);

/* ---- statistics (report_stats.c) ---- */

/* Stats of every document (out has report->ndocs entries); sources[i] (may be NULL) gets
 * the number of distinct documents document i shares passages with. */
int ovl__report_all_stats(const ovl_report *r, const ovl_report_opts *opts, ovl_doc_stats *out,
                          int *sources);

/* A half-open range of characters [s, e). */
typedef struct ovl__crange {
    uint64_t s, e;
} ovl__crange;
/* The figures a document's segmentation gives, for a caller that knows the characters reused
 * in it (reused[0..n), sorted and disjoint) without a report (scan): fills st's quoted_chars,
 * quoted_reused, ratio_without_quotes, reference_chars, reference_reused and
 * ratio_without_references (the rest of *st untouched), and its sections (*sections
 * malloc'd, free with ovl_report_sections_free; none when no heading). OVL_ERR_NOMEM. */
int ovl__report_doc_detail(const ovl_doc *doc, const ovl__crange *reused, size_t n,
                           ovl_doc_stats *st, ovl_section_stats **sections, size_t *nsections);

/* An edit run as character ranges: EQUAL covers both sides, DELETE only a, INSERT only b;
 * each run reaches to the next token of its side, so a side's runs together make the
 * passage's side from its first token to its last. */
typedef struct ovl__cedit {
    uint32_t op; /* ovl_edit_op */
    uint64_t a_start, a_end, b_start, b_end;
} ovl__cedit;
/* The edit runs of passage p between da (side a) and db; *out malloc'd. */
int ovl__passage_edits(ovl_ctx *ctx, const ovl_doc *da, const ovl_doc *db, const ovl_passage *p,
                       ovl__cedit **out, size_t *count);

/* ---- characters (report_out.c) ---- */

/* 1 when cp is a whitespace character (collapsed into one space in text output). */
int ovl__report_space(uint32_t cp);
/* Code point safe to show: controls other than tab/newline, surrogates and out-of-range
 * values become U+FFFD so a document cannot drive the terminal or break the markup. */
uint32_t ovl__report_visible(uint32_t cp);
/* Copy of s as valid UTF-8 (bad bytes become U+FFFD); malloc'd, NULL when out of memory. */
char *ovl__utf8_clean(const char *s);

/* ---- streamed reports (report.c dispatches to the writers below) ---- */

enum { OVL__JSON_PAIRS, OVL__JSON_COPIES, OVL__JSON_FAMILIES, OVL__JSON_SKIPPED, OVL__JSON_NSECTIONS };

struct ovl_report_stream {
    ovl_report_opts opts;
    ovl__out *o;
    ovl_report_docinfo *docs; /* paths and encodings owned (copied, valid UTF-8) */
    const ovl_piece *pieces;  /* of the pair being written (passage: index in its passages;
                                 set by ovl_report_write around a pair), borrowed */
    size_t npieces;
    size_t ndocs;
    size_t passages_written;
    size_t json_passages;     /* passages written to JSON "passages" (none with stat) */
    int excl;
    int err;                  /* first failure: every later call returns it */
    /* JSON: the sections after "passages" in the document (pairs, copies, families,
     * skipped) are rendered as their records come, each into a temporary file of its own,
     * and copied to the output at the end: what is held does not grow with the report. */
    struct ovl__spool *spool[OVL__JSON_NSECTIONS]; /* NULL until the section's first record */
};

/* Text writer (report_text.c). */
void ovl__text_head(ovl_report_stream *s, size_t npassages);
int ovl__text_pair(ovl_ctx *ctx, ovl_report_stream *s, const ovl_pair_stats *pr,
                   const ovl_passage *ps, size_t n, const ovl_doc *da, const ovl_doc *db);
void ovl__text_copies(ovl_report_stream *s, const ovl_copies *g);
void ovl__text_family(ovl_report_stream *s, const ovl_family *f);
void ovl__text_skipped(ovl_report_stream *s, const char *path, const char *message);

/* JSON and JSON lines writer (report_json.c). */
int ovl__json_head(ovl_ctx *ctx, ovl_report_stream *s, const char *params_json);
int ovl__json_pair(ovl_ctx *ctx, ovl_report_stream *s, const ovl_pair_stats *pr,
                   const ovl_passage *ps, size_t n, const ovl_doc *da, const ovl_doc *db);
int ovl__json_copies(ovl_ctx *ctx, ovl_report_stream *s, const ovl_copies *g);
int ovl__json_family(ovl_ctx *ctx, ovl_report_stream *s, const ovl_family *f);
int ovl__json_skipped(ovl_ctx *ctx, ovl_report_stream *s, const char *path, const char *message,
                      int64_t offset);
int ovl__json_tail(ovl_ctx *ctx, ovl_report_stream *s);
/* Frees what the JSON writer holds in s (its temporary files closed). */
void ovl__json_release(ovl_report_stream *s);

/* CSV writer (report_csv.c): a header row, then one row per pair record. */
void ovl__csv_head(ovl_report_stream *s);
int ovl__csv_pair(ovl_report_stream *s, const ovl_pair_stats *pr);

/* What a report shows of one document beyond its figures. */
typedef struct ovl__detail {
    int subject;                  /* side a of some passage: the report is about it */
    ovl_source_share *shares;     /* most characters first (ovl_report_doc_sources) */
    size_t nshares;
    ovl_section_stats *sections;
    size_t nsections;
} ovl__detail;
void ovl__detail_free(ovl__detail *dt, size_t n);

/* HTML writer (report_html.c); st as from ovl__report_all_stats, dt one per document. */
int ovl__report_html(ovl_ctx *ctx, const ovl_report *r, const ovl_report_opts *opts,
                     const ovl_doc_stats *st, const ovl__detail *dt, ovl__out *o);

#endif
