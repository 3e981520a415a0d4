/* align_int.h - what the aligner's files share: align.c, the reworded-reuse mode (align_reword.c), the token diff (align_diff.c). */
#ifndef OVL_ALIGN_INT_H
#define OVL_ALIGN_INT_H

#include "overlap/align.h"

#include <stdint.h>

/* A run of equal tokens: a[x, x + len) == b[y, y + len). */
typedef struct ovl__eqrun {
    uint32_t x, y, len;
} ovl__eqrun;

/* Equal runs, in order, of a shortest edit script between a[0,n) and b[0,m) (past a cost
 * bound a good one: see align_diff.c). v: work space of 2 (n + m + 3) values, or NULL to have
 * one allocated. *runs (capacity *cap, grown with ovl__grow; the caller frees it, also on
 * failure) receives *nruns runs. Returns 0, or -1 when out of memory. */
int ovl__diff_runs(const uint64_t *a, size_t n, const uint64_t *b, size_t m, int64_t *v,
                   ovl__eqrun **runs, size_t *cap, size_t *nruns);

/* Reworded mode: appends to *ps (capacity *pcap, *np used; passages of exact matches) the
 * reworded passages between tokens [a0,a1) of a and [b0,b1) of b, each made of sentences
 * that no passage of *ps covers. opts has its defaults filled in. Returns 0, or -1 when out
 * of memory (*ps still valid to free). */
int ovl__align_reworded(ovl_ctx *ctx, const ovl_doc *a, size_t a0, size_t a1, const ovl_doc *b,
                        size_t b0, size_t b1, const ovl_align_opts *opts, ovl_passage **ps,
                        size_t *np, size_t *pcap);

#endif
