/* overlap/index.h - persistent corpus index on SQLite: documents, their bytes and LSH band keys. */
#ifndef OVERLAP_INDEX_H
#define OVERLAP_INDEX_H

#include "overlap/corpus.h"
#include "overlap/fingerprint.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An index is one SQLite file (WAL mode) holding, per document: its path, the XXH3-128 of its
 * bytes, the original bytes themselves (so sources can be shown after the files are gone),
 * its decode options, metas (key=value tags), and one record (band_key, doc, chunk) per band of
 * each chunk fingerprint. The parameters that shape fingerprints (ovl_fp_opts, normalization,
 * segmentation) are fixed when the file is created and checked on every open.
 *
 * Band records are kept like a log-structured merge tree, because inserting each document's
 * thousands of random keys into one B-tree rewrites most of its pages at every commit: a
 * document's records are first appended to a pending table in the document's own transaction;
 * pending records are later sorted into an immutable run of packed, delta-coded blocks (one
 * transaction), and runs of similar size are merged (one transaction each). Queries read the
 * pending table and every run; removed documents are masked until a merge drops their records.
 *
 * File identity: PRAGMA application_id = OVL_INDEX_APPLICATION_ID, PRAGMA user_version =
 * OVL_INDEX_SCHEMA. Any other file is refused with OVL_ERR_CORRUPT. */
#define OVL_INDEX_APPLICATION_ID 0x4F564C49 /* "OVLI" */
#define OVL_INDEX_SCHEMA 2

/* An open index. Not thread-safe: use one handle per thread (several handles and processes
 * may open the same file; readers see committed documents while a writer adds). */
typedef struct ovl_index ovl_index;

#define OVL_INDEX_OPTS_VERSION 1
typedef struct ovl_index_opts {
    unsigned version;        /* OVL_INDEX_OPTS_VERSION */
    int create;              /* 1: create the file when it does not exist (or is empty) */
    int readonly;            /* 1: open for reading; add/remove then fail with OVL_ERR_INVALID */
    const ovl_fp_opts *fp;   /* fingerprint parameters. NULL: adopt the stored ones (defaults
                                when creating). Otherwise resolved, and each resolved field must
                                equal the stored one, else OVL_ERR_MISMATCH ("index F was built
                                with seed 1, not 2"). Borrowed during the call only. */
    const ovl_doc_opts *doc; /* NULL: defaults. norm and segment options are index parameters
                                (checked like fp when not NULL, adopted when NULL); decode
                                options apply to the documents this handle adds and are stored
                                with each of them, so every document reloads as it was read. */
} ovl_index_opts;
#define OVL_INDEX_OPTS_INIT {OVL_INDEX_OPTS_VERSION, 0, 0, NULL, NULL}

/* Opens (or, with create, creates) the index at path. On success *out is a handle the
 * caller closes with ovl_index_close. Errors: OVL_ERR_NOTFOUND (no such file and no
 * create), OVL_ERR_CORRUPT (not SQLite, an existing file with no bytes, or SQLite without
 * this application id and tables: the message names the file), OVL_ERR_MISMATCH (schema version, fingerprint algorithm or
 * a parameter differs), OVL_ERR_DB (SQLite failure, its message), OVL_ERR_INVALID. */
OVL_API int ovl_index_open(ovl_ctx *ctx, const char *path, const ovl_index_opts *opts,
                           ovl_index **out);
OVL_API void ovl_index_close(ovl_index *idx); /* NULL accepted */

/* The index's parameters: resolved fingerprint options, and document options whose norm and
 * segment fields are the stored ones (decode fields: those of this handle). Either may be NULL. */
OVL_API void ovl_index_params(const ovl_index *idx, ovl_fp_opts *fp, ovl_doc_opts *doc);

/* A key=value tag of a document (strings borrowed). */
typedef struct ovl_index_meta {
    const char *key;
    const char *value;
} ovl_index_meta;

/* What ovl_index_add did. */
typedef enum ovl_index_status {
    OVL_INDEX_ADDED = 1,     /* a new document */
    OVL_INDEX_REPLACED = 2,  /* the path held other bytes: that document was replaced */
    OVL_INDEX_UNCHANGED = 3, /* the path already holds these bytes (and the metas given):
                                nothing written */
    OVL_INDEX_UPDATED = 4,   /* the path already holds these bytes; its metas were updated:
                                each key given now has the values given, other keys kept */
    OVL_INDEX_SKIPPED = 5    /* ovl_index_add_files: the file is the index itself (or its
                                -wal, -shm or -journal file): not added */
} ovl_index_status;

/* Adds the document at path (a label: the caller decides how paths are spelled; the CLI
 * stores absolute paths) with its bytes (copied into the index) and metas; a path already
 * holding these bytes only gets the metas (OVL_INDEX_UPDATED when they change). The same bytes
 * under another path are another document. One transaction per call: after a crash the
 * document is either wholly present or absent. Decode errors are returned as by
 * ovl_doc_from_bytes (OVL_ERR_DECODE with the byte offset) and nothing is written.
 * status_out may be NULL. Not for a read-only handle. */
OVL_API int ovl_index_add(ovl_ctx *ctx, ovl_index *idx, const char *path, const void *bytes,
                          size_t len, const ovl_index_meta *metas, size_t n_metas, int *status_out);

/* ovl_index_add in two halves, so that many documents can be prepared at once. Prepare
 * decodes and fingerprints (nothing is written; idx, any handle on the index, read-only ones
 * too, is only asked whether path already holds these bytes, and then nothing is decoded):
 * call it on several threads, each with its own handle. Add_prepared stores the result as
 * ovl_index_add does (same statuses, errors and transaction) on a writable handle, with the
 * same path and bytes; it may finish the work itself when the path changed meanwhile. On
 * success *out is freed with ovl_index_prep_free (NULL accepted). */
typedef struct ovl_index_prep ovl_index_prep;
OVL_API int ovl_index_prepare(ovl_ctx *ctx, ovl_index *idx, const char *path, const void *bytes,
                              size_t len, ovl_index_prep **out);
OVL_API int ovl_index_add_prepared(ovl_ctx *ctx, ovl_index *idx, const char *path, const void *bytes,
                                   size_t len, ovl_index_prep *prep, const ovl_index_meta *metas,
                                   size_t n_metas, int *status_out);
OVL_API void ovl_index_prep_free(ovl_index_prep *prep);

/* The path under which an index stores a file: absolute, "." and ".." resolved textually
 * (symlinks kept), so the same file named two ways is one document and a deleted file can
 * still be removed by its name. malloc'd (caller frees); NULL when out of memory or when the
 * working directory cannot be read. */
OVL_API char *ovl_index_abspath(const char *path);

#define OVL_INDEX_ADD_OPTS_VERSION 1
typedef struct ovl_index_add_opts {
    unsigned version;             /* OVL_INDEX_ADD_OPTS_VERSION */
    unsigned threads;             /* files read and prepared at once, on read-only handles of
                                     their own, while the calling thread stores (0: the
                                     cores this process may use; 1: one file after the
                                     other) */
    int absolute;                 /* 1: each file stored under ovl_index_abspath of its name;
                                     0: under its name as the corpus gives it */
    const ovl_index_meta *metas;  /* tags of every file added (borrowed during the call) */
    size_t nmetas;
} ovl_index_add_opts;
#define OVL_INDEX_ADD_OPTS_INIT {OVL_INDEX_ADD_OPTS_VERSION, 0, 1, NULL, 0}

/* What ovl_index_add_files did with one file. Everything is borrowed for the callback only. */
typedef struct ovl_index_add_event {
    size_t file;           /* its number in the corpus (files come in name order) */
    size_t count;          /* files in the corpus */
    const char *name;      /* ovl_corpus_name */
    const char *path;      /* stored under (NULL when the run could not spell it) */
    int rc;                /* OVL_OK, or why this file was not added */
    int status;            /* with OVL_OK: an ovl_index_status, OVL_INDEX_SKIPPED included */
    int read_failed;       /* 1: rc comes from reading the file */
    const char *message;   /* rc's detail (NULL with OVL_OK) */
    const void *bytes;     /* the file's bytes (NULL when not read) */
    size_t len;
    size_t replaced;       /* with OVL_INDEX_ADDED or OVL_INDEX_REPLACED: the invalid byte
                              sequences the stored document's decoding replaced with U+FFFD
                              (lenient decoding); 0 otherwise, since a file whose bytes the
                              path already holds is not decoded again (appended 2026-12-01) */
} ovl_index_add_event;

/* Called once per file, in file order, from the calling thread; non-zero stops the run. */
typedef int (*ovl_index_add_fn)(void *userdata, const ovl_index_add_event *ev);

/* Adds every file of files (in name order, as ovl_corpus_add_path listed them) to idx, then
 * flushes (ovl_index_flush). With opts->threads > 1, that many workers read and prepare
 * files ahead of the calling thread, which stores them in order: the index and the events
 * are the same for any thread count. A file that cannot be read, decoded or added is its
 * event's rc only, and the run goes on. The run stops, returning the code, when the index
 * itself fails (OVL_ERR_DB, OVL_ERR_CORRUPT, OVL_ERR_NOMEM: the detail in ctx) or when fn
 * returns non-zero (that value is returned); files stored before stay stored. opts NULL:
 * defaults; fn may be NULL. Not for a read-only handle. */
OVL_API int ovl_index_add_files(ovl_ctx *ctx, ovl_index *idx, const ovl_corpus *files,
                                const ovl_index_add_opts *opts, ovl_index_add_fn fn,
                                void *userdata);

/* Ends an add run: sorts the pending band records into a run and merges runs of similar
 * size; then, when the records added through idx since its last flush are at least a quarter
 * of all, merges every run into one (queries read each run once per key). Each step is one
 * transaction (a crash leaves the index as before that step). ovl_index_add sorts and merges
 * by itself when about a million records are pending, and ovl_index_close of a handle that
 * added documents calls this (errors there are lost: call it first to see them). Queries are
 * correct at any point; they are only faster with few runs. Not for a read-only handle. */
OVL_API int ovl_index_flush(ovl_ctx *ctx, ovl_index *idx);

/* Removes the document stored under path; OVL_ERR_NOTFOUND when there is none. */
OVL_API int ovl_index_remove(ovl_ctx *ctx, ovl_index *idx, const char *path);

/* Id of the document stored under path; OVL_ERR_NOTFOUND when there is none. */
OVL_API int ovl_index_find(ovl_ctx *ctx, ovl_index *idx, const char *path, int64_t *id);

/* Ids of every document, sorted by path. *ids is malloc'd (caller frees; NULL when empty). */
OVL_API int ovl_index_list(ovl_ctx *ctx, ovl_index *idx, int64_t **ids, size_t *count);

/* What the index records about one document. Strings and metas are owned by idx and stay
 * valid until the next call with idx. */
typedef struct ovl_index_entry {
    int64_t id;
    const char *path;
    const char *hash;          /* XXH3-128 of the bytes, 32 lowercase hex digits */
    const char *encoding;      /* encoding the bytes were decoded with, e.g. "GB18030" */
    uint64_t size;             /* bytes */
    uint64_t chars;            /* code points of the decoded text */
    uint64_t paragraphs;
    uint64_t chunks;           /* fingerprinted chunks (each has `bands` band keys) */
    int64_t added;             /* seconds since the Unix epoch */
    const ovl_index_meta *metas; /* sorted by key, then value */
    size_t n_metas;
} ovl_index_entry;

/* OVL_ERR_NOTFOUND when id is not in the index. */
OVL_API int ovl_index_doc_info(ovl_ctx *ctx, ovl_index *idx, int64_t id, ovl_index_entry *out);

/* Rebuilds document id from its stored bytes with its stored decode options and the index's
 * normalization and segmentation; its name is the stored path. Caller frees *out with
 * ovl_doc_free. OVL_ERR_CORRUPT (naming the document) when the stored bytes do not match
 * the hash stored with them. */
OVL_API int ovl_index_load_doc(ovl_ctx *ctx, ovl_index *idx, int64_t id, ovl_doc **out);

/* A source document sharing band keys with a queried document. */
typedef struct ovl_index_hit {
    int64_t doc_id;
    uint32_t band_hits;  /* (query chunk, band) keys found among this document's chunks */
    uint32_t chunk_hits; /* distinct query chunks with at least one such key */
} ovl_index_hit;

/* Candidate sources of doc: fingerprints doc with the index's parameters and looks up each
 * chunk's band keys. A band key held by more than max_df distinct documents is skipped as
 * boilerplate (0: no limit). *hits is a malloc'd array (caller frees; NULL when empty)
 * sorted by band_hits descending, then doc_id ascending. */
OVL_API int ovl_index_query(ovl_ctx *ctx, ovl_index *idx, const ovl_doc *doc, unsigned max_df,
                            ovl_index_hit **hits, size_t *count);

typedef struct ovl_index_stats {
    uint64_t documents;
    uint64_t paragraphs;
    uint64_t chunks;
    uint64_t band_rows;  /* band records of the documents: distinct (key, chunk) per document */
    uint64_t text_bytes; /* stored document bytes */
    uint64_t chars;      /* code points of the stored documents */
    uint64_t db_bytes;   /* pages of the database file (page_count * page_size) */
} ovl_index_stats;

OVL_API int ovl_index_stats_get(ovl_ctx *ctx, ovl_index *idx, ovl_index_stats *out);

/* Consistency check: SQLite's integrity_check, then for every document: its bytes are present
 * with the recorded size and hash, it has exactly its recorded number of band records, every
 * run block decodes to sorted records of existing documents, and runs hold the records they
 * announce. With deep, also rebuilds each document and checks that its recomputed band keys
 * are the stored ones (through an order-independent checksum of its records).
 * OVL_OK, or OVL_ERR_CORRUPT with a message naming the first problem. */
OVL_API int ovl_index_verify(ovl_ctx *ctx, ovl_index *idx, int deep);

#ifdef __cplusplus
}
#endif
#endif
