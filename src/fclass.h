/* fclass.h - a table of classes: sets of key groups, found by their hash, numbered as first met; not installed. */
#ifndef OVL_FCLASS_H
#define OVL_FCLASS_H

#include "internal.h"

/* A class's record: where it was first met and the documents holding it. */
typedef struct ovl__fcinfo {
    uint32_t fdoc, foff; /* where first met: document, chunk offset (in the document) */
    uint32_t docs, last; /* documents holding it; the last one counted (UINT32_MAX: none) */
} ovl__fcinfo;

/* Classes of recurring chunks (the chunks with the same key groups), numbered as they are
 * added: as first met when chunks are met in document order (one process, an MPI rank's
 * share); tables merged from several (an MPI run's rank 0) are numbered again by the
 * records' (fdoc, foff). A zeroed table is empty; it grows as classes are added. Every array
 * is the table's own (malloc'd), freed by ovl__fctab_free; a caller may take goff and gl
 * (setting them NULL) first. */
typedef struct ovl__fctab {
    size_t n;
    ovl__fcinfo *c; /* per class */
    size_t *goff;   /* class k's key groups: gl[goff[k] .. goff[k + 1]) (n + 1 entries; NULL
                       while empty) */
    uint32_t *gl;
    size_t capc, capgoff, capgl;
    uint32_t *table; /* open addressing, tsize slots (a power of two): class + 1, 0 empty */
    size_t tsize;
} ovl__fctab;

/* *k: the class of the key groups g[0, ng) (ascending, ng >= 1) in t, added when new (first
 * met at document doc, chunk offset off; no documents yet). OVL_OK, OVL_ERR_NOMEM, or
 * OVL_ERR_TOOBIG past 2^32 - 2 classes (numbered in 32 bits). *k is set on OVL_OK only. */
int ovl__fctab_find(ovl_ctx *ctx, ovl__fctab *t, const uint32_t *g, size_t ng, uint32_t doc, uint32_t off,
                    uint32_t *k);

/* As ovl__fctab_find for a chunk of document doc at offset off, and doc counted among the
 * class's documents unless it was the last counted (a document's chunks are met one after
 * another). */
int ovl__fctab_meet(ovl_ctx *ctx, ovl__fctab *t, const uint32_t *g, size_t ng, uint32_t doc, uint32_t off,
                    uint32_t *k);

/* Frees t's arrays (those still set) and empties it. */
void ovl__fctab_free(ovl__fctab *t);

#endif
