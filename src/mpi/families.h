/* families.h - the families over MPI ranks: built by the ranks owning their texts (from src/mpi/famunits.h's input) and widened on rank 0, the spans of a rank's documents sent by it to the ranks that ask for them, and the pairs they leave; not installed. */
#ifndef OVL_MPI_FAMILIES_H
#define OVL_MPI_FAMILIES_H

#include "copies.h"
#include "famunits.h"
#include "part.h"

/* What ovl__families_cover and the template cut read of g (spans[0, nspans) in document
 * order, documents numbered in the corpus) for documents ids (ascending), numbered by their
 * position in ids. -1 when out of memory. */
int ovl__mpi_restrict_families(const ovl__families *g, const uint32_t *ids, size_t nids, ovl__families *out);

/* The distinct documents of pairs, ascending (malloc'd in *ids). */
int ovl__mpi_pair_docs(const ovl_scan_pair *pairs, size_t npairs, uint32_t **ids, size_t *nids);

/* Numbers the pairs' documents by their position in ids (to 1) or back (to 0). */
void ovl__mpi_renumber(ovl_scan_pair *pairs, size_t npairs, const uint32_t *ids, size_t nids, int to);

/* Collective: this rank's spans of the families (fam, when use_fam) and of the templates (ign,
 * when use_ign) for documents ids (ascending, distinct; numbered by their position in ids),
 * as ovl__mpi_restrict_families makes them, each document's from the rank whose share holds
 * it (first: the shares), which answers from own_fam and own_ign (its documents' spans in
 * document order, from ovl__mpi_family_units). The ranks answer each other in P rounds, each
 * rank answering one and hearing from one per round, so a rank holds one reply it sends at a
 * time and the spans of the documents its work names; no rank answers for every document.
 * Every rank gets the same use_fam and use_ign. fam and ign are zeroed first; free them with
 * ovl__families_free. OVL_OK, or the error every rank returns (out of memory here or on a
 * rank asked). */
int ovl__mpi_families_for(mpi_run *m, const size_t *first, const ovl__families *own_fam, int use_fam,
                          const ovl__families *own_ign, int use_ign, const uint32_t *ids, size_t nids,
                          ovl__families *fam, ovl__families *ign);

/* Collective: ovl__run_filter for this rank's pairs (of any documents), with the families'
 * spans of their documents only (ovl__mpi_families_for, first, own_fam and own_ign as
 * there). */
int ovl__mpi_filter_pairs(mpi_run *m, const ovl_scan_opts *o, const size_t *first, const ovl__families *own_fam,
                          int use_fam, const ovl__families *own_ign, int use_ign, ovl_scan_pair *pairs,
                          size_t *npairs, uint64_t *family_pairs);

/* Renumbers the documents of every span f names (those in document order, each family's
 * occurrences and its representative, each once): to_corpus, from positions in ids to
 * corpus numbers; else from corpus numbers to positions, UINT32_MAX for a document not in
 * ids. -1 when out of memory. */
int ovl__mpi_relabel_spans(ovl__families *f, const uint32_t *ids, size_t nids, int to_corpus);

/* Collective: the families built by each rank from its input frec (of ovl__mpi_family_units,
 * the texts it owns; freed here) as one process builds them, and put together on rank 0 in one
 * process's order (heaviest first, then by the first document, then as first met): *fam,
 * their occurrences numbered in the corpus, with no spans in document order, no per-document
 * index and nothing held per document; *use_fam, whether there are any (on rank 0). Each rank
 * holds the families of its texts (28 bytes an occurrence with its bounds, built and packed),
 * rank 0 all of them (28 bytes an occurrence) and one rank's packed at a time. cops (rank 0):
 * every copy and its group's first, sorted by group here (the widening counts a joined
 * family's copies). Every rank returns the same code. */
int ovl__mpi_build_families(mpi_run *m, const ovl_scan_opts *o, ovl__mpi_fin *frec, dpair *cops, size_t ncops,
                            ovl__families *fam, int *use_fam);

/* Rank 0, while the other ranks serve (ovl__mpi_serve): the families' occurrences widened
 * and the families of one text joined (src/family.c), as one process does once it has built
 * them, reading again the documents its families occur in window documents at a time: their
 * file list entries (the corpus walked in parts), content hashes and token counts asked of
 * the ranks holding them as the widening reads them, so that it holds a window's whatever
 * the families' documents. Only the families as reported change (the spans in document
 * order, which the ranks filter pairs with, stay). cops: every copy and its group's first,
 * sorted by group (ovl__mpi_build_families sorts them; a document's copies are counted
 * there). */
int ovl__mpi_widen_families(mpi_run *m, const ovl_scan_opts *o, const ovl_corpus *c, const size_t *first,
                            const ovl_scan_doc *mydocs, ovl__families *fam, dpair *cops, size_t ncops,
                            size_t window);

#endif
