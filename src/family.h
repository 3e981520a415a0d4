/* family.h - the families' occurrences widened over the text beside them that most of them share, and families of one text joined, from the documents read again; not installed. */
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
    const ovl_scan_doc *docs;   /* per document: its token count, or NULL */
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
