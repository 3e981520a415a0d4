/* align_int.h - what align.c and the reworded-reuse mode (align_reword.c) share. */
#ifndef OVL_ALIGN_INT_H
#define OVL_ALIGN_INT_H

#include "overlap/align.h"

/* Reworded mode: appends to *ps (capacity *pcap, *np used; passages of exact matches) the
 * reworded passages between tokens [a0,a1) of a and [b0,b1) of b, each made of sentences
 * that no passage of *ps covers. opts has its defaults filled in. Returns 0, or -1 when out
 * of memory (*ps still valid to free). */
int ovl__align_reworded(ovl_ctx *ctx, const ovl_doc *a, size_t a0, size_t a1, const ovl_doc *b,
                        size_t b0, size_t b1, const ovl_align_opts *opts, ovl_passage **ps,
                        size_t *np, size_t *pcap);

#endif
