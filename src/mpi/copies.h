/* copies.h - identical and near copies over MPI ranks, found where their content hashes and whole-document keys are, no rank holding every document's; not installed. */
#ifndef OVL_MPI_COPIES_H
#define OVL_MPI_COPIES_H

#include "run.h"

typedef struct dpair {
    uint32_t a, b;
} dpair;

/* qsort's order of copies (a) with their group's first (b): by group, then copy. */
int ovl__mpi_cmp_by_first(const void *x, const void *y);

/* A near copy's similarity to its group's first document. */
typedef struct dsim {
    uint32_t doc;
    float sim;
} dsim;

/* ovl__near_groups over the ranks, with the same verdict (copy_of of this rank's share, myco;
 * the near copies' similarities, *sims, on rank 0, which reports them): each
 * whole-document key goes to the rank its value picks, which pairs the documents sharing
 * it; a pair goes to the owner of its first document, which compares the signatures (the
 * second's fetched from its owner); every rank joins the pairs that agree, as spanning edges
 * (a group's first document is the smallest number, whatever the order of the unions), into
 * the whole groups. No rank holds every signature. Collective. */
int ovl__mpi_near_copies(mpi_run *m, const ovl_scan_opts *o, const ovl_scan_doc *mydocs, uint32_t *myco,
                       dsim **sims, size_t *nsims, const ovl_scan_shard *sh, const size_t *first,
                       unsigned dbands, unsigned K);

/* copy_of as ovl__scan_cfp sets it (the first document, in name order, with the same bytes;
 * UINT32_MAX when unread) for this rank's share (myco, cnt of them), with no rank holding
 * every content hash: each goes to the rank its value picks, which finds the groups among its
 * hashes and tells the owner of each copy its group's first. Collective. */
int ovl__mpi_identical_copies(mpi_run *m, const ovl_scan_doc *mydocs, const size_t *first, uint32_t *myco);

/* How many copies each document of this rank's share has (*counts, malloc'd, cnt of them:
 * those of document lo + k at k; what a family's documents count), from every rank's copies
 * cv[0, nc) (a: a copy of its share, b: its group's first), each group's first told by the
 * ranks holding its copies. Collective; every rank returns the same code. */
int ovl__mpi_copy_counts(mpi_run *m, const size_t *first, const dpair *cv, size_t nc, size_t lo, size_t cnt,
                         uint32_t **counts);

#endif
