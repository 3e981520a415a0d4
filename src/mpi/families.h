/* families.h - the families over MPI ranks: built (from src/mpi/famunits.h's input) and widened on rank 0, sent to every rank, and the pairs they leave; not installed. */
#ifndef OVL_MPI_FAMILIES_H
#define OVL_MPI_FAMILIES_H

#include "copies.h"
#include "famunits.h"
#include "part.h"

/* Families (or template spans) as bytes, to send rank 0's to every rank: the families and
 * their spans in document order (what ovl__families_cover reads), not the per-document index,
 * which each rank makes for the documents it has (ovl__mpi_restrict_families). */
void ovl__mpi_put_families(ovl__bbuf *b, const ovl__families *f);

int ovl__mpi_get_families(rbuf *b, ovl__families *f);

/* What ovl__families_cover and the template cut read of g (spans[0, nspans) in document
 * order, documents numbered in the corpus) for documents ids (ascending), numbered by their
 * position in ids. -1 when out of memory. */
int ovl__mpi_restrict_families(const ovl__families *g, const uint32_t *ids, size_t nids, ovl__families *out);

/* The distinct documents of pairs, ascending (malloc'd in *ids). */
int ovl__mpi_pair_docs(const ovl_scan_pair *pairs, size_t npairs, uint32_t **ids, size_t *nids);

/* Numbers the pairs' documents by their position in ids (to 1) or back (to 0). */
void ovl__mpi_renumber(ovl_scan_pair *pairs, size_t npairs, const uint32_t *ids, size_t nids, int to);

/* ovl__run_filter for pairs of any documents, with the families' spans of those documents
 * only. */
int ovl__mpi_filter_pairs(mpi_run *m, const ovl_scan_opts *o, const ovl__families *fam, int use_fam,
                        const ovl__families *ign, int use_ign, ovl_scan_pair *pairs, size_t *npairs,
                        uint64_t *family_pairs);

/* Renumbers the documents of every span f names (those in document order, each family's
 * occurrences and its representative, each once): to_corpus, from positions in ids to
 * corpus numbers; else from corpus numbers to positions, UINT32_MAX for a document not in
 * ids. -1 when out of memory. */
int ovl__mpi_relabel_spans(ovl__families *f, const uint32_t *ids, size_t nids, int to_corpus);

/* Rank 0: the families (and template spans, when nign_all) built from krec and kign (of
 * ovl__mpi_family_units, freed here) over the flagged documents and their copies only
 * (numbered by position, which keeps their order, so the families are those of the whole
 * table), their spans numbered in the corpus again and no per-document index. cops: every
 * copy and its group's first, by copy. */
int ovl__mpi_build_families(mpi_run *m, const ovl_scan_opts *o, ovl__funits *krec, ovl__funits *kign,
                            const uint32_t *flagged, size_t nflag, uint64_t nign_all, const dpair *cops,
                            size_t ncops, ovl__families *fam, int *use_fam, ovl__families *ign, int *use_ign,
                            uint64_t *ignored_chars);

/* Rank 0, while the other ranks serve (ovl__mpi_serve): the families' occurrences widened
 * and the families of one text joined (src/family.c), as one process does once it has built
 * them, reading again the documents its families occur in window documents at a time: their
 * file list entries (the corpus walked in parts), content hashes and token counts asked of
 * the ranks holding them as the widening reads them, so that it holds a window's whatever
 * the families' documents. Only the families as reported change (the spans in document
 * order, which the ranks filter pairs with, stay). cops: every copy and its group's first,
 * by copy; sorted by group here (a document's copies are counted there). */
int ovl__mpi_widen_families(mpi_run *m, const ovl_scan_opts *o, const ovl_corpus *c, const size_t *first,
                            const ovl_scan_doc *mydocs, ovl__families *fam, dpair *cops, size_t ncops,
                            size_t window);

#endif
