/* overlap/check.h - checking documents against an index: candidate sources looked up, rebuilt from the index and aligned. */
#ifndef OVERLAP_CHECK_H
#define OVERLAP_CHECK_H

#include "overlap/index.h"
#include "overlap/report.h"

#ifdef __cplusplus
extern "C" {
#endif

/* For each checked document, its chunks' band keys are looked up in the index; the
 * candidates with most band collisions (up to max_sources) are rebuilt from the bytes the
 * index stores (the original files need not exist) and aligned with it. Each source is
 * rebuilt once, whatever number of checked documents found it, and dropped again unless it
 * shares passages. Sources are rebuilt and aligned on several threads, each with its own
 * handle on the index file; the result does not depend on the thread count. */
/* Version 2 (2026-11-30): the embedded alignment options grew (reworded, min_score); a
 * version 1 struct is refused (OVL_ERR_INVALID). */
#define OVL_CHECK_OPTS_VERSION 2
typedef struct ovl_check_opts {
    unsigned version;                   /* OVL_CHECK_OPTS_VERSION */
    ovl_align_opts align;
    unsigned max_df;                    /* band keys in more than this many documents are
                                           boilerplate (default 50; 0: no limit) */
    unsigned max_sources;               /* candidates aligned per document, most collisions
                                           first (default 100; 0: no limit) */
    unsigned threads;                   /* default 0 = the cores this process may use */
    const char *const *exclude_source;  /* globs (fnmatch, '*' matches '/') on stored paths */
    size_t nexclude_source;
    const ovl_index_meta *exclude_meta; /* sources tagged with any of these are ignored */
    size_t nexclude_meta;
    const char *const *self;            /* NULL, or per checked document the stored path that
                                           is the document itself (never its own source) */
    const ovl_doc *const *ignore;       /* templates: their text is cut out of the passages
                                           (ovl_ignore_cut); borrowed */
    size_t nignore;
    const ovl_index_meta *include_meta; /* when any: only sources tagged, for every key given
                                           here, with one of the values given for it (values
                                           of one key: any; different keys: all) */
    size_t ninclude_meta;
} ovl_check_opts;
#define OVL_CHECK_OPTS_INIT \
    {OVL_CHECK_OPTS_VERSION, OVL_ALIGN_OPTS_INIT, 50, 100, 0, NULL, 0, NULL, 0, NULL, NULL, 0, NULL, 0}

/* What a check found: a report whose documents are the checked documents (ids 0..n-1, under
 * the names given) then the sources that share passages, in stored-path order; passages have
 * a = the checked document, b = the source. Owns the sources; borrows the checked
 * documents, which must outlive it. */
typedef struct ovl_check_result ovl_check_result;

/* Checks docs[0..ndocs) (names: labels for the report, NULL = each document's name) against
 * the index idx, opened on the file db_path (worker threads open their own read-only handles
 * on it). The checked documents must have been read with the index's normalization and
 * segmentation (ovl_index_params). Errors: those of the index (OVL_ERR_DB, OVL_ERR_CORRUPT
 * naming the file), OVL_ERR_NOMEM, OVL_ERR_INVALID. On success *out is freed with
 * ovl_check_result_free. */
OVL_API int ovl_check(ovl_ctx *ctx, ovl_index *idx, const char *db_path, const ovl_doc *const *docs,
              const char *const *names, size_t ndocs, const ovl_check_opts *opts,
              ovl_check_result **out);
OVL_API const ovl_report *ovl_check_report(const ovl_check_result *r);
/* Passages found in all. */
OVL_API size_t ovl_check_passage_count(const ovl_check_result *r);
OVL_API void ovl_check_result_free(ovl_check_result *r); /* NULL accepted */

#ifdef __cplusplus
}
#endif
#endif
