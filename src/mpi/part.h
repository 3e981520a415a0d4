/* part.h - a rank's run over some documents of the corpus (its pairs', or the report's): their records and file list entries fetched from the ranks that hold them; not installed. */
#ifndef OVL_MPI_PART_H
#define OVL_MPI_PART_H

#include "run.h"

/* A rank's own run: over the documents of the pairs it aligns (ids, ascending; its arrays
 * indexed by position in ids, the records' documents numbered in the corpus once the run
 * is sorted). */
typedef struct part {
    ovl__run r;
    ovl_corpus *view;
    uint32_t *ids;
    size_t nids;
} part;

void ovl__mpi_part_free(part *a);

/* Once its pairs are aligned: a's loaded documents given back (the cache), and with figs
 * also its documents' records and figures (once they are sent); its records and passages
 * stay. */
void ovl__mpi_part_shed(part *a, int figs);

/* The file list entries of documents ids (of this rank's share, the corpus walked in parts),
 * each as its length and bytes. */
void ovl__mpi_put_entries(mpi_run *m, ovl__bbuf *b, const ovl_corpus *c, const uint32_t *ids, size_t nids);

/* A corpus of the count entries put by ovl__mpi_put_entries in buf (in document order). */
int ovl__mpi_entries_corpus(mpi_run *m, const char *buf, size_t len, size_t count, ovl_corpus **out);

/* The corpus of documents ids (sorted, distinct), their entries from the ranks whose shares
 * they are in (the corpus walked in parts). Collective. */
int ovl__mpi_fetch_entries(mpi_run *m, const size_t *first, const ovl_corpus *c, const uint32_t *ids, size_t nids,
                         ovl_corpus **out);

/* Rank 0, while the others serve (ovl__mpi_serve): the records (dr: room for nids; NULL:
 * none) of documents ids (sorted, distinct) and, with ent, their file list entries appended
 * to it (the corpus walked in parts), from its own share (mydocs, c) or asked of the ranks
 * holding them; *fetched counts the documents asked for. */
int ovl__mpi_ask_docs(mpi_run *m, const size_t *first, const ovl_scan_doc *mydocs, const ovl_corpus *c,
                      const uint32_t *ids, size_t nids, ovl_scan_doc *dr, ovl__bbuf *ent, size_t *fetched);

/* A run over documents ids (taken), their records fetched from their owners (mydocs: this
 * rank's share). Collective. */
int ovl__mpi_part_open(mpi_run *m, part *a, const ovl_corpus *c, const ovl_scan_opts *o, const ovl_scan_sink *sink,
                     const size_t *first, const ovl_scan_doc *mydocs, uint32_t *ids, size_t nids);

#endif
