/* famunits.h - the families' input over MPI ranks: the recurring chunks' key groups counted where the keys are, their classes found where the documents are and resolved where their key groups pick, the units joined by every rank and each occurrence sent to the rank owning its text; not installed. */
#ifndef OVL_MPI_FAMUNITS_H
#define OVL_MPI_FAMUNITS_H

#include "run.h"
#include "../family.h"

/* A document's copies (identical and near), for one that has some. */
typedef struct ovl__mpi_dcount {
    uint32_t doc, copies;
} ovl__mpi_dcount;

/* The copies of document doc in d[0, n) (sorted by document; 0 when it is not there). */
uint32_t ovl__mpi_dcount_of(const ovl__mpi_dcount *d, size_t n, uint32_t doc);

/* The families' input on a rank: the occurrences of recurring text of the texts it owns, of
 * every rank's documents, in document order (doc: the document's number in the corpus; text:
 * numbered 0 .. nunits - 1 among those it owns), with their bounds (lo, hi: found where
 * every occurrence of their document was), each one's place among its document's
 * occurrences of any text (pos: the families first met first), and the copies of their
 * documents that have some (copied, by document). Free with ovl__mpi_fin_free. */
typedef struct ovl__mpi_fin {
    ovl__fspans s;
    uint32_t *lo, *hi, *pos;
    ovl__mpi_dcount *copied;
    size_t ncopied;
    size_t nunits;
} ovl__mpi_fin;

void ovl__mpi_fin_free(ovl__mpi_fin *f);

/* What src/family.c builds the families from, made where the data is, for the recurring
 * chunks (rec) and the template ones (ign) of this rank's key ranges:
 *   1. the key groups of this rank's records (*rec, *nrec; *ign, *nign: sorted by key group,
 *      then document) are numbered after those of the ranks before it and their documents
 *      counted; the counts stay there;
 *   2. each record goes to the rank holding its document (first: the shares; n documents),
 *      which finds the chunk it names in its chunk file (cif, myfirst; lo its first
 *      document) and the chunk's class (its set of key groups) among the classes met in its
 *      share;
 *   3. the classes are merged and resolved over the ranks (src/mpi/classes.h): each at the
 *      rank its key groups pick, the key groups' documents asked of the ranks that numbered
 *      them; each rank gets back its classes' units, and every rank which units are
 *      fragments and which are alike another (src/family.h, ovl__fkins: 8 bytes each of
 *      those);
 *   4. every rank joins the units into texts (src/mpi/famjoin.h), counting over its own
 *      documents and adding the counts up with the others' (the documents of each unit and
 *      of each pair of neighbouring units, the neighbours met), and makes its documents'
 *      spans of them (ovl__funits_spans); then joins the parts of texts in its spans of
 *      recurring text alike (ovl__mpi_join_parts: the documents of each text and kin met
 *      side by side, and of each such pair, summed over the ranks);
 *   5. each rank makes its documents' occurrences of recurring text and their bounds (where
 *      every occurrence of a document is) and sends each to the rank owning its text (44
 *      bytes), with its document's copies (mycopies: those of this rank's share, lo its first
 *      document); the templates' spans are not sent: nothing but their documents' ranks reads
 *      them.
 * So no rank holds every class: each holds those its key groups pick (44 bytes a class, 4 a key
 * group of it), and no rank holds another's chunks (25 bytes each, a text's paragraphs each one
 * or more), records (16 bytes) or their key groups; every rank holds, while the units are
 * joined, 12 bytes a pair of neighbouring units, 24 a unit met in one and a byte a unit, while
 * the parts are joined, 41 bytes a pair of a text and a kin and 28 a span of its own, and then
 * the occurrences of the texts it owns (*frec, 37 bytes each; nothing per document). On every
 * rank: *nign_all, the template records' key groups of all ranks, and *own_rec and
 * *own_ign, its documents' spans of both kinds in document order, numbered in the corpus
 * (spans only: no families, no per-document index; what ovl__mpi_families_for answers from).
 * The records are freed (set to NULL). Collective; every rank returns the same code. */
int ovl__mpi_family_units(mpi_run *m, const size_t *first, size_t n, size_t lo, FILE *cif, const size_t *myfirst,
                          ovl_recurring **rec, size_t *nrec, ovl_recurring **ign, size_t *nign,
                          const uint32_t *mycopies, ovl__mpi_fin *frec, ovl__families *own_rec, ovl__families *own_ign, uint64_t *nign_all);

#endif
