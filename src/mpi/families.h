/* families.h - the families over MPI ranks: built, widened and joined by the ranks owning their texts (from src/mpi/famunits.h's input) and listed on rank 0, the spans of a rank's documents sent by it to the ranks that ask for them, and the pairs they leave; not installed. */
#ifndef OVL_MPI_FAMILIES_H
#define OVL_MPI_FAMILIES_H

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
 * the texts it owns; freed here), their occurrences widened (ovl__families_widen_occurrences)
 * and those of one text joined (ovl__mpi_join_same), each rank reading its families'
 * documents again a window (window documents) at a time, fetched from the ranks holding them
 * (c, first, mydocs; ovl__mpi_owners_read), as one process builds, widens and joins them;
 * then each rank's families in the report's order (heaviest first, then by the first
 * document, then by the build's order) and those it would list (ovl__families_keep) sent to
 * rank 0, which puts them in that order and keeps what the report lists: *fam (rank 0),
 * their occurrences numbered in the corpus, fam->dropped the families not listed, with no
 * spans in document order, no bounds and nothing held per document; *use_fam (rank 0),
 * whether there are any. A rank holds the families of its texts (20 bytes an occurrence, 8
 * more of bounds until they are widened), a window's documents, a share of the grams of
 * every family's text and the groups whose first member it owns; rank 0 besides the families
 * every rank lists (the top families' listed occurrences, from each rank). Every rank returns
 * the same code. */
int ovl__mpi_build_families(mpi_run *m, const ovl_scan_opts *o, const ovl_corpus *c, const size_t *first,
                            const ovl_scan_doc *mydocs, size_t window, ovl__mpi_fin *frec, ovl__families *fam,
                            int *use_fam);

#endif
