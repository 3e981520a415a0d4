/* famunits.h - the families' input over MPI ranks: the recurring chunks' key groups counted where the keys are, their classes found where the documents are and resolved on rank 0, the units joined by every rank and each span sent to rank 0; not installed. */
#ifndef OVL_MPI_FAMUNITS_H
#define OVL_MPI_FAMUNITS_H

#include "run.h"
#include "../family.h"

/* The families' input on rank 0: the spans of recurring text of the corpus (doc: the
 * document's number in the corpus), their parts of texts joined, and the count of its units
 * (src/family.h). Free with ovl__mpi_fin_free. */
typedef struct ovl__mpi_fin {
    ovl__fspans s;
    size_t nunits;
} ovl__mpi_fin;

void ovl__mpi_fin_free(ovl__mpi_fin *f);

/* What src/family.c builds the families from, made where the data is, for the recurring
 * chunks (rec) and the template ones (ign) of this rank's key ranges:
 *   1. the key groups of this rank's records (*rec, *nrec; *ign, *nign: sorted by key group,
 *      then document) are numbered after those of the ranks before it and their documents
 *      counted; the counts go to rank 0;
 *   2. each record goes to the rank holding its document (first: the shares; n documents),
 *      which finds the chunk it names in its chunk file (cif, myfirst; lo its first
 *      document) and the chunk's class (its set of key groups) among the classes met in its
 *      share;
 *   3. each rank's classes (key groups, where first met, documents) go to rank 0, which
 *      merges them into the corpus's classes, numbers them as one process does (first met)
 *      and resolves them (ovl__fclasses_roots); each rank gets back its classes' units, and
 *      every rank which units are fragments and which are alike another (src/family.h,
 *      ovl__fkins: 8 bytes each of those);
 *   4. every rank joins the units into texts (src/mpi/famjoin.h), counting over its own
 *      documents and adding the counts up with the others' (the documents of each unit and
 *      of each pair of neighbouring units, the neighbours met), and makes its documents'
 *      spans of them (ovl__funits_spans); then joins the parts of texts in its spans of
 *      recurring text alike (ovl__mpi_join_parts: the documents of each text and kin met
 *      side by side, and of each such pair, summed over the ranks);
 *   5. each rank sends rank 0, document after document in pieces of about per bytes, its
 *      spans of recurring text (ranges, text, clean: 21 bytes); the templates' spans are
 *      not sent: nothing but their documents' ranks reads them.
 * So rank 0 holds the spans of recurring text (25 bytes each) and the classes, never a chunk
 * (25 bytes each, a text's paragraphs each one or more), a record (16 bytes) nor a chunk's
 * key groups; every rank holds, while the units are joined, 12 bytes a pair of neighbouring
 * units, 24 a unit met in one and a byte a unit, and while the parts are joined, 41 bytes a
 * pair of a text and a kin and 28 a span of its own. On rank 0: *frec, nothing per document;
 * *nign_all, the template records' key groups of all ranks. On every rank: *own_rec and
 * *own_ign, its documents' spans of both kinds in document order, numbered in the corpus
 * (spans only: no families, no per-document index; what ovl__mpi_families_for answers from). The records are freed (set
 * to NULL). Collective; every rank returns the same code. */
int ovl__mpi_family_units(mpi_run *m, const size_t *first, size_t n, size_t lo, FILE *cif, const size_t *myfirst,
                          ovl_recurring **rec, size_t *nrec, ovl_recurring **ign, size_t *nign, size_t per,
                          ovl__mpi_fin *frec, ovl__families *own_rec, ovl__families *own_ign, uint64_t *nign_all);

#endif
