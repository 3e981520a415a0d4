/* family.h - the families' occurrences widened over the text beside them that most of them share, once the documents can be read; not installed. */
#ifndef OVL_FAMILY_H
#define OVL_FAMILY_H

#include "scan_int.h"

/* How the documents are read again: as phase 1 read them (c, opts borrowed), checked against
 * the XXH3-128 (low, high) it saw when hashes is not NULL. */
typedef struct ovl__famread {
    const ovl_corpus *c;
    const ovl_doc_opts *opts;
    const uint64_t (*hashes)[2];
    const uint32_t *copies;     /* per document: its identical and near copies, or NULL */
} ovl__famread;

/* Widens the reported occurrences of each family of fam (not the spans in document order that
 * filter pairs and passages) over the tokens beside them, up to the next occurrence of any
 * family, that two thirds of the family's occurrences share word for word (a notice's first
 * short lines, which the fingerprint merged with each file's own lines into chunks whose keys
 * recur nowhere), then sorts the families again by documents x characters. lctx takes the
 * messages of documents that cannot be read (or changed since): their occurrences stay as
 * they are (the report tells of them elsewhere). OVL_OK or OVL_ERR_NOMEM. */
int ovl__families_widen(ovl_ctx *ctx, ovl__families *fam, const ovl__famread *rd, ovl_ctx *lctx);

#endif
