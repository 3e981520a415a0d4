/* famsame.h - the families of one text joined over the MPI ranks owning them: their texts' grams met on the ranks the grams pick, each pair that may join tested by the rank owning the family that would take the other, each group put together on the rank owning its first member; not installed. */
#ifndef OVL_MPI_FAMSAME_H
#define OVL_MPI_FAMSAME_H

#include "famunits.h"

/* A family's place in one process's build order: the build's weight (before widening), then
 * its first document, then where its first occurrence stands among that document's (the
 * families first met first). Distinct families have distinct keys. */
typedef struct ovl__mpi_fkey {
    uint64_t weight;
    uint32_t doc, pos;
} ovl__mpi_fkey;

/* Heaviest first, then by document, then by place. */
int ovl__mpi_fkey_cmp(const ovl__mpi_fkey *a, const ovl__mpi_fkey *b);

/* Collective: the families of one text joined as one process joins them (src/family.c: y put
 * with x when x's text holds every gram of y's and y's is no longer and at least two thirds
 * of x's) while each stays on the rank owning it:
 *   1. each rank reads its families' texts again (ovl__families_grams, a window of documents
 *      at a time, ovl__mpi_owners_read) and sends each distinct gram, with its family's text
 *      length, to the rank the gram's value picks (all-to-all);
 *   2. a rank finds among the grams it got the pairs that may join (y's least gram held by
 *      x, their lengths fitting) and sends each to the rank owning y, which sends it on to
 *      the rank owning x with y's key, documents and grams;
 *   3. the rank owning x tests it (x's text holds every gram of y's; at equal lengths, x
 *      first in the build's order), and every rank gets the pairs that join (all-gather), so
 *      every rank makes the same groups (a group's root: its first member in the build's
 *      order; its lead, shown: the member in most documents, then the first);
 *   4. when some family joined, each member goes to the rank owning its root (its occurrences,
 *      its representative and its documents' copies), which puts the group's occurrences
 *      together (ovl__famspans_merge; documents counted once with their copies), and every
 *      rank's other families are made again the same way, as one process makes them all.
 * loc: this rank's families, key[k] loc->f[k]'s build key; copied (ncopied, by document):
 * the copies of their documents that have some. On return loc holds the families left on
 * this rank (the groups whose root it owns and those not joined, in the order they were) and
 * key[0, loc->n) their keys (a group's: its root's). *joined: the families put with another,
 * over every rank. Holds its families' grams (16 bytes each) until their pairs are tested, a
 * share of every rank's (24 bytes each) while it finds the pairs, the pairs of its families
 * (24 bytes each, and y's grams, 8 bytes each, on x's rank), every pair that joins (64 bytes
 * each) and its groups' members' occurrences. Every rank returns the same code. */
int ovl__mpi_join_same(mpi_run *m, const ovl_scan_opts *o, const ovl_corpus *c, const size_t *first,
                       const ovl_scan_doc *mydocs, size_t window, const ovl__mpi_dcount *copied, size_t ncopied,
                       ovl__families *loc, ovl__mpi_fkey *key, size_t *joined);

#endif
