/* copies.h - identical and near copies over MPI ranks, found where their content hashes and whole-document keys are, no rank holding every document's, each group held by the rank leading it; not installed. */
#ifndef OVL_MPI_COPIES_H
#define OVL_MPI_COPIES_H

#include "run.h"

typedef struct dpair {
    uint32_t a, b;
} dpair;

/* A copy (a), its group's first document (b) and its similarity to it (0: identical). */
typedef struct dcopy {
    uint32_t a, b;
    float sim;
} dcopy;

/* ovl__near_groups over the ranks, with the same verdict (copy_of of this rank's share, myco;
 * *sims (malloc'd, cnt of them): each near copy's similarity to its group's first, 0 for the
 * other documents of the share): each whole-document key goes to the rank its value picks,
 * which pairs the documents sharing it; a pair goes to the owner of its first document,
 * which compares the signatures (the second's fetched from its owner) and keeps the pairs
 * that agree; the groups' first documents (the smallest number, as the union-find of one
 * process leaves them) are found by labels lowered along those pairs over the ranks. No
 * rank holds every signature or another rank's pairs. Collective. */
int ovl__mpi_near_copies(mpi_run *m, const ovl_scan_opts *o, const ovl_scan_doc *mydocs, uint32_t *myco,
                       float **sims, const ovl_scan_shard *sh, const size_t *first,
                       unsigned dbands, unsigned K);

/* copy_of as ovl__scan_cfp sets it (the first document, in name order, with the same bytes;
 * UINT32_MAX when unread) for this rank's share (myco, cnt of them), with no rank holding
 * every content hash: each goes to the rank its value picks, which finds the groups among its
 * hashes and tells the owner of each copy its group's first. Collective. */
int ovl__mpi_identical_copies(mpi_run *m, const ovl_scan_doc *mydocs, const size_t *first, uint32_t *myco);

/* The copy groups whose first document is of this rank's share, from every rank's copies
 * (myco and sims of its share, as the functions above leave them): *groups (malloc'd,
 * *ngroups of them) sorted by group, then copy, which is the order of the report when the
 * ranks' runs follow one another (a group never spans two ranks); counts (NULL: not wanted)
 * *counts (malloc'd, cnt of them): how many copies document lo + k has, at k (what a
 * family's documents count). No rank holds every copy: a rank holds those of the groups it
 * leads. Collective; every rank returns the same code. */
int ovl__mpi_copy_groups(mpi_run *m, const size_t *first, const uint32_t *myco, const float *sims,
                         dcopy **groups, size_t *ngroups, uint32_t **counts);

#endif
