/* famread.h - the families' documents read again on the ranks owning the families, a window of documents at a time, their records and file list entries fetched in rounds every rank takes part in; not installed. */
#ifndef OVL_MPI_FAMREAD_H
#define OVL_MPI_FAMREAD_H

#include "run.h"
#include "../family.h"

/* What a rank does with its families' documents: work(arg, rd, lctx) reads them through rd
 * (src/family.h; lctx takes the messages of documents that cannot be read) and returns an
 * ovl_status. */
typedef int (*ovl__mpi_famwork)(void *arg, const ovl__famread *rd, ovl_ctx *lctx);

/* Collective: every rank runs work, whose reads fetch a window (window documents) of the
 * documents it names, their records (hash, token count) and, for their text, file list
 * entries, from the ranks holding them (c, first, mydocs) in a round every rank takes part
 * in; a rank done takes part with none until an all-reduce says none reads (one all-reduce a
 * round). Copies are not fetched (OVL__FAM_COPIES reads 0). Every rank returns the same code:
 * work's, or out of memory here or on a rank asked. */
int ovl__mpi_owners_read(mpi_run *m, const ovl_scan_opts *o, const ovl_corpus *c, const size_t *first,
                         const ovl_scan_doc *mydocs, size_t window, ovl__mpi_famwork work, void *arg);

#endif
