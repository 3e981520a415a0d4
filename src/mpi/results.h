/* results.h - the scan's results over MPI ranks: pair records merged on rank 0 in report order, the other ranks serving what it asks for, and rank 0's report; not installed. */
#ifndef OVL_MPI_RESULTS_H
#define OVL_MPI_RESULTS_H

#include "copies.h"
#include "families.h"

/* A rank other than 0 while rank 0 writes: its pair records (sorted in report order) given a
 * window at a time from where the last one ended, or all failed ones left with the count of
 * the others (once rank 0 has every record it lists); the figures of the documents rank 0
 * names; the records of documents of its share; the passages of a record; the copy groups it
 * leads (cops, ncops: ovl__mpi_copy_groups), whole groups of a window at a time. Until rank 0
 * says it is done. ok 0: this rank failed before (it says so to every request). */
void ovl__mpi_serve(mpi_run *m, part *a, const ovl_corpus *c, const ovl_scan_doc *mydocs, size_t lo,
                    size_t cnt, const dcopy *cops, size_t ncops, int ok);

/* Records as rank 0 keeps them. */
typedef struct recset {
    ovl__prec *v;
    size_t n, cap;
} recset;

void ovl__mpi_recset_free(recset *s);

/* Rank 0: the records the report lists, into *out in report order (documents numbered in
 * the corpus), merged from every rank's sorted run (own: rank 0's): while fewer than
 * list_pairs are taken, the first of the ranks' next records, then only the failed ones
 * left (an unlisted pair is counted, not sent). *most: the most record bytes held at once. */
int ovl__mpi_merge_results(mpi_run *m, const ovl_scan_opts *o, const ovl__prec *own, size_t nown,
                         uint64_t window, recset *out, uint64_t *unlisted, uint64_t *most);

/* What rank 0 has for the report besides its own run: the copy groups its share leads, the
 * families as built (their spans numbered in the corpus), the summary so far. */
typedef struct rootin {
    const ovl_corpus *c;
    size_t n;            /* documents of the corpus (c: rank 0's share when walked in parts) */
    const ovl_scan_opts *o;
    const ovl_scan_sink *sink;
    const size_t *first;
    const ovl_scan_doc *mydocs;
    const dcopy *cops;   /* the copy groups rank 0's share leads (ovl__mpi_copy_groups) */
    size_t ncops;
    ovl__families *fam; /* moved into the report's run */
    int use_fam;
    ovl_scan_summary sum;
    uint64_t copy_window; /* copy group documents whose names (and firsts' records) are
                             fetched at once, and copies asked of a rank at once (with the
                             rest of the last group): key_round / 1024 + 1 */
} rootin;

/* Rank 0: the report, from the records it lists (recs, documents numbered in the corpus,
 * taken) and the figures of their documents, with ovl_scan's own emission, over a run of
 * the documents the report names only: those of the listed pairs and their best sources,
 * those that failed and the occurrences of the families it lists; the copy groups written
 * as each rank in turn gives those it leads, a window of whole groups at a time, the names
 * of copy_window of their documents at a time asked of the ranks holding them. a: rank 0's own run (its passages
 * read from a's spool, the others' asked for). */
int ovl__mpi_root_report(mpi_run *m, const rootin *in, part *a, recset *recs, part *rep);

#endif
