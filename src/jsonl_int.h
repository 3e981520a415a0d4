/* jsonl_int.h - one JSON lines record parsed from its line; shared by the reader and the corpus's re-reads. */
#ifndef OVL_JSONL_INT_H
#define OVL_JSONL_INT_H

#include "internal.h"

/* A parsed record: text points into root (a jansson value), id is malloc'd. */
typedef struct ovl__jrec {
    void *root; /* json_t *, freed by ovl__jrec_clear */
    const char *text;
    size_t text_len;
    char *id;
    int has_id;
} ovl__jrec;

/* Parses line (len bytes, no line break) numbered lineno that starts at byte offset off of
 * its stream. Returns OVL_OK with *out filled, OVL_ERR_DECODE for a bad record ("line N:
 * ..." in ctx, offset off), OVL_ERR_NOMEM. */
int ovl__jsonl_parse(ovl_ctx *ctx, const char *line, size_t len, uint64_t lineno, uint64_t off,
                     const char *text_field, const char *id_field, ovl__jrec *out);
void ovl__jrec_clear(ovl__jrec *r);

/* 1 when the line holds only spaces, tabs and CRs (skipped, not a record). */
int ovl__jsonl_blank(const char *line, size_t len);

#endif
