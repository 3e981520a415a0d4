/* overlap/report.h - reuse reports (diff-style text, JSON schema 1, JSON lines, HTML) from passages. */
#ifndef OVERLAP_REPORT_H
#define OVERLAP_REPORT_H

#include "overlap/align.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ovl_format {
    OVL_FORMAT_TEXT = 0,
    OVL_FORMAT_JSON = 1,
    OVL_FORMAT_JSONL = 2,
    OVL_FORMAT_HTML = 3
} ovl_format;

/* Parses "text", "json", "jsonl" or "html"; returns -1 when unknown. */
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
} ovl_doc_stats;

#define OVL_REPORT_OPTS_VERSION 1
typedef struct ovl_report_opts {
    unsigned version;       /* OVL_REPORT_OPTS_VERSION */
    int format;             /* ovl_format */
    int color;              /* 1: ANSI colours in text output */
    int exclude_quotes;     /* leave text inside quotation marks out of counted ratios */
    int exclude_refs;       /* leave the reference list (from 参考文献 / References on) out */
    const char *params_json;/* JSON object text for "params" (copied verbatim); NULL: {} */
    int max_context;        /* text format: most characters of a passage shown; 0 = all */
} ovl_report_opts;
#define OVL_REPORT_OPTS_INIT {OVL_REPORT_OPTS_VERSION, OVL_FORMAT_TEXT, 0, 0, 0, NULL, 0}

/* Computes stats for document id (opts for exclusions; NULL = none). */
OVL_API int ovl_report_doc_stats(const ovl_report *report, int id, const ovl_report_opts *opts,
                                 ovl_doc_stats *out);

/* Writes the report to sink. Output is a pure function of the report and opts. */
OVL_API int ovl_report_write(ovl_ctx *ctx, const ovl_report *report, const ovl_report_opts *opts,
                             ovl_write_fn sink, void *userdata);

/* Number of passages recorded (all pairs). */
OVL_API size_t ovl_report_passage_count(const ovl_report *report);

#ifdef __cplusplus
}
#endif
#endif
