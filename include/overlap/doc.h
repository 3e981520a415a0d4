/* overlap/doc.h - a document: its bytes decoded, normalized and segmented, ready to fingerprint or align. */
#ifndef OVERLAP_DOC_H
#define OVERLAP_DOC_H

#include "overlap/decode.h"
#include "overlap/normalize.h"
#include "overlap/segment.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version 2 added max_bytes; a version 1 struct (without it) is still accepted and gets the
 * default limit, OVL_DOC_MAX_BYTES_DEFAULT. */
#define OVL_DOC_OPTS_VERSION 2
typedef struct ovl_doc_opts {
    unsigned version;            /* OVL_DOC_OPTS_VERSION */
    ovl_decode_opts decode;
    ovl_norm_opts norm;
    ovl_segment_opts segment;
    /* Largest input, in bytes, a document is made from (OVL_ERR_TOOBIG past it); 0: up to
     * OVL_MAX_INPUT_BYTES. A document holds about 6.5 bytes per input byte of English text
     * (decoded, normalized, segmented; see bench/README.md), and comparing two costs more,
     * so the default keeps one input to what a machine with a few GB can take. */
    uint64_t max_bytes;
} ovl_doc_opts;
#define OVL_DOC_MAX_BYTES_DEFAULT (256u << 20) /* 256 MiB */
#define OVL_DOC_OPTS_INIT                                                                   \
    {OVL_DOC_OPTS_VERSION, OVL_DECODE_OPTS_INIT, OVL_NORM_OPTS_INIT, OVL_SEGMENT_OPTS_INIT, \
     OVL_DOC_MAX_BYTES_DEFAULT}

/* Immutable once built; safe to read from several threads. */
typedef struct ovl_doc ovl_doc;

/* Runs decode, normalize and segment on bytes (copied as needed; not retained). name is
 * a label kept for reports (copied; may be NULL). Caller frees *out with ovl_doc_free.
 * OVL_ERR_TOOBIG when len exceeds opts->max_bytes. */
OVL_API int ovl_doc_from_bytes(ovl_ctx *ctx, const char *name, const void *bytes, size_t len,
                               const ovl_doc_opts *opts, ovl_doc **out);
/* Reads the whole file at path into *bytes (malloc'd; the caller frees it with free()) and
 * its size into *len. OVL_ERR_IO with the system error as detail, OVL_ERR_TOOBIG past
 * OVL_MAX_INPUT_BYTES, OVL_ERR_NOMEM. */
OVL_API int ovl_read_file(ovl_ctx *ctx, const char *path, void **bytes, size_t *len);
/* Reads the file at path and calls ovl_doc_from_bytes with name = path. OVL_ERR_IO when
 * the file cannot be read (detail names the system error); OVL_ERR_TOOBIG, before reading
 * it, when it is larger than opts->max_bytes. */
OVL_API int ovl_doc_from_file(ovl_ctx *ctx, const char *path, const ovl_doc_opts *opts,
                              ovl_doc **out);
OVL_API void ovl_doc_free(ovl_doc *doc);

OVL_API const char *ovl_doc_name(const ovl_doc *doc);           /* "" when none was given */
OVL_API const ovl_text *ovl_doc_text(const ovl_doc *doc);
OVL_API const ovl_norm *ovl_doc_norm(const ovl_doc *doc);
OVL_API const ovl_segments *ovl_doc_segments(const ovl_doc *doc);

#ifdef __cplusplus
}
#endif
#endif
