/* famunits.h - the families' input over MPI ranks: the recurring chunks' key groups counted where the keys are, their classes found where the documents are and resolved on rank 0, each chunk's unit sent there; not installed. */
#ifndef OVL_MPI_FAMUNITS_H
#define OVL_MPI_FAMUNITS_H

#include "run.h"
#include "../family.h"

/* What src/family.c builds the families from (ovl__funits), made where the data is, for the
 * recurring chunks (rec) and the template ones (ign) of this rank's key ranges:
 *   1. the key groups of this rank's records (*rec, *nrec; *ign, *nign: sorted by key group,
 *      then document) are numbered after those of the ranks before it and their documents
 *      counted; the counts go to rank 0;
 *   2. each record goes to the rank holding its document (first: the shares; n documents),
 *      which finds the chunk it names in its chunk file (cif, myfirst; lo its first
 *      document) and the chunk's class (its set of key groups) among the classes met in its
 *      share;
 *   3. each rank's classes (key groups, where first met, documents) go to rank 0, which
 *      merges them into the corpus's classes, numbers them as one process does (first met)
 *      and resolves them (ovl__fclasses_roots); each rank gets back its classes' units;
 *   4. each rank sends rank 0, document after document in pieces of about per bytes, its
 *      recurring chunks' offsets, ranges, units and whether they are of a text of their own.
 * So rank 0 holds 25 bytes per recurring chunk and the classes, never the records (16 bytes
 * each) nor a chunk's key groups. On rank 0: *urec and *uign over the flagged documents
 * (those with a record: *flagged, ascending, malloc'd, *nflag of them; a document's position
 * there is its number in urec and uign; free with ovl__mpi_funits_free); *nign_all, the
 * template records' key groups of all ranks. The records are freed (set to NULL).
 * Collective; every rank returns the same code. */
int ovl__mpi_family_units(mpi_run *m, const size_t *first, size_t n, size_t lo, FILE *cif, const size_t *myfirst,
                          ovl_recurring **rec, size_t *nrec, ovl_recurring **ign, size_t *nign, size_t per,
                          ovl__funits *urec, ovl__funits *uign, uint32_t **flagged, size_t *nflag,
                          uint64_t *nign_all);

/* Frees the arrays of a u made by ovl__mpi_family_units. */
void ovl__mpi_funits_free(ovl__funits *u);

#endif
