/* classes.h - the classes of recurring chunks merged and resolved over MPI ranks: each class at the rank its key groups pick, each key group's figures at the rank that numbered it; not installed. */
#ifndef OVL_MPI_CLASSES_H
#define OVL_MPI_CLASSES_H

#include "run.h"
#include "../fclass.h"
#include "../family.h"

/* What ovl__fclasses_roots makes in one process, made over the ranks for one kind of recurring
 * chunks, so that no rank holds every class:
 *   1. each class of mine (this rank's: numbered as first met in its share, its documents
 *      counted there) goes to its home, the rank its key groups' hash picks, which merges the
 *      copies of every rank (documents added); the rank whose copy came first (the lowest:
 *      shares are in document order) numbers it, so that the classes are numbered as one
 *      process meets them;
 *   2. each class's key groups go to the ranks that numbered them (gbase[p] .. gbase[p + 1]
 *      - 1 are rank p's, P + 1 entries; gd: the documents of this rank's), which answer with
 *      their documents (a class with fewer than half its rarest key's documents is no text
 *      of its own) and then with each key group's owner, the class before all others holding
 *      it;
 *   3. a class that is no text of its own asks the homes of its key groups' owners how many
 *      key groups it shares with each, and belongs to the one it shares most with; chains of
 *      those are followed to their roots by pointer jumping (a round per doubling);
 *   4. (kins not NULL) the roots that are texts of their own meet again at the ranks of
 *      their key groups, the pairs held by a key group of at most OVL__FAMILY_KIN_GROUP_MAX
 *      of them counted at the rank the pair picks; the pairs sharing half the key groups of
 *      the smaller are given to every rank, which joins them (the smallest number first).
 * Out: *cu, *co (malloc'd, mine->n each): per class of mine, its unit (the number of the root
 * class whose text it is) and whether it is a text of its own; *nunits: the corpus's classes;
 * *frag (malloc'd, *nunits bytes, alike on every rank): per unit, whether it is a fragment
 * (a root that is no text of its own); *kins (not NULL): the roots alike another, alike on
 * every rank (ovl__fkins_from's); *held: the bytes this rank held for its home classes (44
 * bytes a class and 4 a key group of each, 4 a copy received; m->st.family_classes counts
 * the classes). Collective; every rank
 * returns the same code (on failure nothing is allocated). */
int ovl__mpi_classes_resolve(mpi_run *m, const ovl__fctab *mine, const uint32_t *gd, const size_t *gbase,
                             uint32_t **cu, unsigned char **co, uint64_t *nunits, unsigned char **frag,
                             ovl__fkins *kins, uint64_t *held);

#endif
