/* overlap/jsonl.h - JSON lines corpora: one record per line, its text field a document; plain, gzip or zstd. */
#ifndef OVERLAP_JSONL_H
#define OVERLAP_JSONL_H

#include "overlap/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which member of a record holds its text and which its id (the names are borrowed for the
 * reader's lifetime). A record is a JSON object on one line; its text must be a string
 * (without U+0000), its id, when present, a string or a number. */
#define OVL_JSONL_OPTS_VERSION 1
typedef struct ovl_jsonl_opts {
    unsigned version;       /* OVL_JSONL_OPTS_VERSION */
    const char *text_field; /* NULL or "": "text" */
    const char *id_field;   /* NULL or "": "id" */
} ovl_jsonl_opts;
#define OVL_JSONL_OPTS_INIT {OVL_JSONL_OPTS_VERSION, "text", "id"}

/* How a file is compressed, as its name says. */
enum ovl_jsonl_kind {
    OVL_JSONL_NONE = 0,  /* not a JSON lines name */
    OVL_JSONL_PLAIN = 1, /* NAME.jsonl */
    OVL_JSONL_GZIP = 2,  /* NAME.jsonl.gz (several gzip members are read one after another) */
    OVL_JSONL_ZSTD = 3   /* NAME.jsonl.zst (several frames likewise) */
};

/* The kind a path's name gives: its suffix .jsonl, .jsonl.gz or .jsonl.zst (lower case). */
OVL_API int ovl_jsonl_kind(const char *path);

/* A record as read; everything it points to is owned by the reader and valid until the next
 * ovl_jsonl_next or ovl_jsonl_close. */
typedef struct ovl_jsonl_record {
    uint64_t line;       /* 1-based line number */
    uint64_t offset;     /* byte offset of the line in the decompressed stream */
    uint64_t length;     /* bytes of the line, its LF excluded (a CR before it counted) */
    const char *id;      /* the id: a string as is, a number as JSON writes it, or the line
                          * number in decimal when the record has none; NUL-terminated */
    int has_id;          /* 1 when the record gave its id */
    const char *text;    /* the decoded text field in UTF-8, NUL-terminated, text_len bytes */
    size_t text_len;
} ovl_jsonl_record;

/* A reader: one pass over the records, decompressing as it goes (never the whole stream at
 * once: it holds one compressed block and the current line). */
typedef struct ovl_jsonl ovl_jsonl;

/* Opens the file at path as kind (OVL_JSONL_PLAIN/GZIP/ZSTD; OVL_JSONL_NONE: from the name,
 * plain when the name says nothing). opts NULL: defaults. The caller frees *out with
 * ovl_jsonl_close. OVL_ERR_IO when the file cannot be opened. */
OVL_API int ovl_jsonl_open(ovl_ctx *ctx, const char *path, int kind, const ovl_jsonl_opts *opts,
                           ovl_jsonl **out);
/* The same over len bytes in memory (borrowed: they must outlive the reader). */
OVL_API int ovl_jsonl_open_bytes(ovl_ctx *ctx, const void *bytes, size_t len, int kind,
                                 const ovl_jsonl_opts *opts, ovl_jsonl **out);

/* Reads the next record into *rec. Returns 1 with a record, 0 at the end, or an error:
 * OVL_ERR_DECODE for a bad record (not JSON, not an object, no text field, a text or id of
 * the wrong type) and OVL_ERR_TOOBIG for a line longer than OVL_MAX_INPUT_BYTES: the detail
 * starts "line N: ", the ctx offset is the line's byte offset in the decompressed stream,
 * and the next call reads on after that line. Any other error (OVL_ERR_IO: the file cannot
 * be read or its compressed data is damaged or truncated; OVL_ERR_NOMEM) ends the reading:
 * further calls return it again. Lines holding only white space are skipped. */
OVL_API int ovl_jsonl_next(ovl_ctx *ctx, ovl_jsonl *r, ovl_jsonl_record *rec);

OVL_API void ovl_jsonl_close(ovl_jsonl *r); /* NULL accepted */

/* The text of the first record of the file at path (kind as for ovl_jsonl_open) whose id is
 * id, as a scan names it FILE#ID: *text is malloc'd UTF-8 (the caller frees it), *len its
 * bytes. Bad records are passed over. OVL_ERR_NOTFOUND when no record has that id; the
 * errors of ovl_jsonl_open and ovl_jsonl_next that end a reading otherwise. */
OVL_API int ovl_jsonl_find(ovl_ctx *ctx, const char *path, int kind, const ovl_jsonl_opts *opts,
                           const char *id, char **text, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
