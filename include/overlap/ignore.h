/* overlap/ignore.h - text given as templates (course templates, a journal's boilerplate, a licence) left out of reuse between two documents. */
#ifndef OVERLAP_IGNORE_H
#define OVERLAP_IGNORE_H

#include "overlap/align.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Token ranges of doc that the templates also hold: doc aligned with each template (opts NULL
 * = defaults), the passages' ranges on doc's side merged. *spans is malloc'd (the caller
 * frees it; NULL when none), sorted, non-overlapping; *chars gets the characters they cover
 * (may be NULL). */
OVL_API int ovl_ignore_spans(ovl_ctx *ctx, const ovl_doc *doc, const ovl_doc *const *templates,
                             size_t ntemplates, const ovl_align_opts *opts, ovl_span **spans,
                             size_t *nspans, uint64_t *chars);

/* Removes from ps[0..*n) (order kept) the passages lying, by 80% of their tokens or more, in
 * the spans of side a (ia[0..na)) or of side b (ib[0..nb)), as ovl_ignore_spans gives them;
 * *n becomes the count kept. Returns the count removed. */
OVL_API size_t ovl_ignore_filter(ovl_passage *ps, size_t *n, const ovl_span *ia, size_t na,
                                 const ovl_span *ib, size_t nb);

/* Cuts template text out of passages between a and b: each passage touching the spans of
 * side a (ia) or side b (ib) is split along its edit script into the stretches whose tokens
 * lie outside both; a stretch is kept when it is still long enough under opts (NULL =
 * defaults: 20 CJK characters or 8 words), with its similarity and matched characters
 * recomputed. ps[0..n) is left as it is; *out (malloc'd, the caller frees it; NULL when
 * empty) gets the result in the same order, *removed (may be NULL) the passages that lost
 * text. */
OVL_API int ovl_ignore_cut(ovl_ctx *ctx, const ovl_doc *a, const ovl_doc *b, const ovl_passage *ps,
                           size_t n, const ovl_span *ia, size_t na, const ovl_span *ib, size_t nb,
                           const ovl_align_opts *opts, ovl_passage **out, size_t *nout,
                           size_t *removed);

#ifdef __cplusplus
}
#endif
#endif
