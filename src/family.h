/* family.h - the families' occurrences widened over the text beside them that most of them share, and families of one text joined, from the documents read again; not installed. */
#ifndef OVL_FAMILY_H
#define OVL_FAMILY_H

#include "scan_int.h"

/* What the families are built from: the recurring chunks of the documents (those a record of a
 * frequent band key names), each with its ranges and the key groups it holds, and the
 * documents of each key group. Made from the records in one process
 * (ovl__fkeys_from_records); over MPI ranks each document's part is made by the rank that
 * read it and the key groups' counts by the ranks owning the keys (src/mpi/families.c), so
 * the process building the families never holds the records (16 bytes each, where a chunk's
 * key group takes 4). Key groups may be numbered in any way that keeps them apart: only
 * their sets, counts and documents matter. All arrays malloc'd, freed by ovl__fkeys_free. */
typedef struct ovl__fkeys {
    size_t ndocs;
    uint32_t *first;      /* per document d: its recurring chunks are [first[d], first[d + 1]) */
    uint32_t *off;        /* per recurring chunk: its index among its document's chunks */
    ovl__chunkinfo *info; /* per recurring chunk: its token and character ranges */
    size_t n;             /* recurring chunks (at most 2^32 - 1) */
    size_t *goff;         /* per recurring chunk: its key groups are gl[goff[c] .. goff[c + 1]),
                             ascending, at least one (n + 1 entries) */
    uint32_t *gl;
    uint32_t *gdocs;      /* per key group: the documents holding it (templates' and those of
                             records naming no chunk too) */
    size_t ngroups;
} ovl__fkeys;

/* *k from cfp's records (cfp->rec, nrec; sorted by (key_group, doc, tok_start)) and chunks, over
 * ndocs documents (records of documents past them count in gdocs only). OVL_OK, OVL_ERR_NOMEM
 * or OVL_ERR_TOOBIG (more than 2^32 - 1 recurring chunks). */
int ovl__fkeys_from_records(ovl_ctx *ctx, const ovl__cfp *cfp, size_t ndocs, ovl__fkeys *k);
void ovl__fkeys_free(ovl__fkeys *k);

/* The families of k (copy_of: per document its group's first, itself for an original, as in
 * ovl__cfp; k->ndocs of them). What ovl__families_build does after ovl__fkeys_from_records. */
int ovl__families_from_keys(ovl_ctx *ctx, const ovl__fkeys *k, const uint32_t *copy_of, ovl__families *out);

/* How the documents are read again: as phase 1 read them (c, opts borrowed), checked against
 * the XXH3-128 (low, high) it saw when hashes is not NULL. */
typedef struct ovl__famread {
    const ovl_corpus *c;
    const ovl_doc_opts *opts;
    const uint64_t (*hashes)[2];
    const uint32_t *copies;     /* per document: its identical and near copies, or NULL */
    const ovl_scan_doc *docs;   /* per document: its token count, or NULL */
    const uint32_t *ids;        /* NULL: c, hashes, copies and docs are indexed by document;
                                   else by position in ids (ascending, nids), which holds
                                   every document a family occurs in (a process holding only
                                   those, as an MPI rank does) */
    size_t nids;
} ovl__famread;

/* Widens the reported occurrences of each family of fam (not the spans in document order that
 * filter pairs and passages) over the tokens beside them, up to the next occurrence of any
 * family, that two thirds of the family's occurrences share word for word (a notice's first
 * short lines, which the fingerprint merged with each file's own lines into chunks whose keys
 * recur nowhere); then puts together the families whose texts are one text with a
 * line or two more or less (a template whose first window differs from page to page), and
 * sorts the families again by documents x characters. lctx takes the
 * messages of documents that cannot be read (or changed since): their occurrences stay as
 * they are (the report tells of them elsewhere). OVL_OK or OVL_ERR_NOMEM. */
int ovl__families_widen(ovl_ctx *ctx, ovl__families *fam, const ovl__famread *rd, ovl_ctx *lctx);

#endif
