/* families.h - the families over MPI ranks: their input made by the ranks holding the records and the documents, built and widened on rank 0, and the pairs they leave; not installed. */
#ifndef OVL_MPI_FAMILIES_H
#define OVL_MPI_FAMILIES_H

#include "copies.h"
#include "part.h"
#include "../family.h"

/* The families' input (src/family.h, ovl__fkeys) made where the data is: the key groups of
 * this rank's records (*rec, *nrec: the recurring chunks of its band keys; *ign, *nign: those
 * of templates) are numbered over the ranks and their documents counted there; each record
 * then goes to the rank holding its document, which finds the chunk it names (cif, myfirst:
 * the ranges of its share's chunks, lo its first document) and sends rank 0, in pieces of
 * about per bytes, each flagged document's recurring chunks with their ranges and key
 * groups. So no rank holds the records of the corpus (16 bytes each; rank 0 gets 4 bytes a
 * chunk's key group), and rank 0 reads no chunk that does not recur. On rank 0: krec and
 * kign over the flagged documents (those with a record, ascending in *flagged, malloc'd,
 * *nflag of them; a document's position is its number in krec and kign); *nign_all: the
 * template records' key groups of all ranks. The records are freed (set to NULL).
 * Collective; every rank returns the same code. */
int ovl__mpi_family_keys(mpi_run *m, const size_t *first, size_t n, size_t lo, FILE *cif, const size_t *myfirst,
                         ovl_recurring **rec, size_t *nrec, ovl_recurring **ign, size_t *nign, size_t per,
                         ovl__fkeys *krec, ovl__fkeys *kign, uint32_t **flagged, size_t *nflag, uint64_t *nign_all);

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
 * ovl__mpi_family_keys, freed here) over the flagged documents and their copies only
 * (numbered by position, which keeps their order, so the families are those of the whole
 * table), their spans numbered in the corpus again and no per-document index. cops: every
 * copy and its group's first, by copy. */
int ovl__mpi_build_families(mpi_run *m, const ovl_scan_opts *o, ovl__fkeys *krec, ovl__fkeys *kign,
                            const uint32_t *flagged, size_t nflag, uint64_t nign_all, const dpair *cops,
                            size_t ncops, ovl__families *fam, int *use_fam, ovl__families *ign, int *use_ign,
                            uint64_t *ignored_chars);

/* The families' occurrences widened and the families of one text joined (src/family.c), as one
 * process does once it has built them: rank 0 reads again the documents its families occur
 * in, their records and file list entries fetched from the ranks holding them. Only the
 * families as reported change (the spans in document order, which the ranks filter pairs
 * with, stay), so the other ranks take part in the fetches only. cops (rank 0): every copy
 * and its group's first. Collective. */
int ovl__mpi_widen_families(mpi_run *m, const ovl_scan_opts *o, const ovl_corpus *c, const size_t *first,
                          const ovl_scan_doc *mydocs, ovl__families *fam, const dpair *cops, size_t ncops);

#endif
