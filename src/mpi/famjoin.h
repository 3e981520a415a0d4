/* famjoin.h - the families' units joined into texts, and the parts of texts joined, over MPI ranks, every rank counting over its own documents (src/family.h, ovl__fjoin); not installed. */
#ifndef OVL_MPI_FAMJOIN_H
#define OVL_MPI_FAMJOIN_H

#include "run.h"
#include "../family.h"

/* One kind's (recurring or template) chunks of this rank's documents, in document order: nd
 * documents, cnt[j] chunks of document j, each chunk's offset in its document, ranges and
 * class (a number among this rank's classes). Borrowed. */
typedef struct ovl__mpi_kind {
    const uint32_t *off;
    const ovl__chunkinfo *info;
    const uint32_t *cls;
    size_t n;
    const uint32_t *cnt;
    size_t nd;
} ovl__mpi_kind;

/* k's units (cu, co: per class of this rank, its unit and whether it is a text of its own;
 * nunits and frag, per unit whether it is a fragment, as the ranks resolved them and every rank
 * got them) joined into texts over the ranks (ovl__funits_join: the documents of each unit and
 * of each pair of neighbouring units summed with all-reduces, the pairs of neighbours added
 * up on the ranks their units pick and then given to every rank, each test of two texts'
 * leaders one more all-reduce, made by every rank at the same step), and this rank's spans of
 * the texts made (*sp, doc: the document's position among k's nd; malloc'd, freed with
 * ovl__fspans_free). Holds 12 bytes a pair of neighbours and 24 a unit met in one (and the
 * fragment flags, a byte a unit). Counts the units, those met beside another, the pairs and
 * the sums in m->st. Collective; every rank returns the same code. */
int ovl__mpi_join_units(mpi_run *m, const ovl__mpi_kind *k, const uint32_t *cu, const unsigned char *co,
                        size_t nunits, const unsigned char *frag, ovl__fspans *sp);

/* The parts of texts joined (ovl__fspans_join_parts) in this rank's spans sp of recurring
 * text (of ovl__mpi_join_units) over the ranks: the documents of each text and kin met side
 * by side, and of each such pair, summed with all-reduces, the pairs added up on the ranks
 * they pick and then given to every rank; each rank then takes the runs of its own
 * documents. kins: the same on every rank. Holds 12 bytes a pair (41 with the counts of its
 * text and kin) and 28 a span of this rank's. Counts the pairs in m->st. Collective; every
 * rank returns the same code. */
int ovl__mpi_join_parts(mpi_run *m, ovl__fspans *sp, const ovl__fkins *kins);

#endif
