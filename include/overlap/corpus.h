/* overlap/corpus.h - a corpus: the documents of a scan, found under paths or given in memory, with the problems met. */
#ifndef OVERLAP_CORPUS_H
#define OVERLAP_CORPUS_H

#include "overlap/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How ovl_corpus_add_path walks a directory. Inside directories, symbolic links to files
 * are followed, links to directories are not (no loops), and only regular files are taken.
 * A file found in a directory is kept when it matches one include glob (when any is given)
 * and no exclude glob; a directory matching an exclude glob is not entered. A glob matches
 * when fnmatch(3) accepts the path relative to the path given, or the basename. Names
 * starting with '.' (files and directories) are skipped unless hidden is set. A path given
 * directly is always taken when it is a regular file (globs and the hidden rule apply to
 * what a walk finds). */
/*
 * A file whose name ends in .jsonl, .jsonl.gz or .jsonl.zst (found or given) is a record
 * corpus (overlap/jsonl.h): each record is a document named FILE#ID (the record's id, or
 * its line number when it has none), decoded as UTF-8; a file's records sort at the file's
 * name, in line order. Bad records and a record whose id an earlier line of the file
 * already used are problems ("line N: ..."); the file's other records are kept. A .jsonl
 * file's records are re-read from it when a scan needs them; the records of a compressed
 * one are held in memory (their text only, read once, never the whole stream).
 *
 * Encoding rules give the encoding of the files they match (first match wins; the glob rule
 * above, applied to files given directly too); see ovl_corpus_encoding. Versions 1 (without
 * the fields after hidden) and 2 (without list_round) of the options are still accepted. */
typedef struct ovl_encoding_rule {
    const char *glob;     /* borrowed during the call */
    const char *encoding; /* any iconv name; copied */
} ovl_encoding_rule;

#define OVL_WALK_OPTS_VERSION 3
typedef struct ovl_walk_opts {
    unsigned version;            /* OVL_WALK_OPTS_VERSION */
    const char *const *include;  /* globs, borrowed during the call */
    size_t ninclude;
    const char *const *exclude;
    size_t nexclude;
    int hidden;                  /* 1: also walk hidden files and directories; default 0 */
    const char *text_field;      /* member holding a record's text; NULL: "text" */
    const char *id_field;        /* member holding a record's id; NULL: "id" */
    const ovl_encoding_rule *encodings; /* borrowed during the call */
    size_t nencodings;
    /* Version 3. Names a process lists of its directories before it hands them on, when
     * several processes walk the corpus in parts (ovl_corpus_add_paths_mpi: the entries go to
     * the processes that examine them in rounds of at most this many names from each, so a
     * directory of millions of files is never held whole); 0: OVL_WALK_LIST_ROUND_DEFAULT.
     * One process walking alone lists each directory whole, to walk it in name order. */
    size_t list_round;
} ovl_walk_opts;
#define OVL_WALK_LIST_ROUND_DEFAULT ((size_t)65536)
#define OVL_WALK_OPTS_INIT {OVL_WALK_OPTS_VERSION, NULL, 0, NULL, 0, 0, NULL, NULL, NULL, 0, 0}

/* 1 when glob matches relpath or its basename (the walker's rule). */
OVL_API int ovl_glob_match(const char *glob, const char *relpath);

/* Something that went wrong with one input: a path that cannot be walked or read, a file
 * that cannot be decoded, a file that changed while it was being scanned. */
typedef struct ovl_problem {
    const char *path;    /* the file (as found or given) */
    int code;            /* ovl_error */
    int64_t offset;      /* byte offset the error refers to, or -1 */
    const char *message; /* detail without the path, e.g. "byte 12: invalid UTF-8 sequence" */
} ovl_problem;

/* A corpus: a list of documents, each a file (read when a scan needs it) or bytes held in
 * memory. Documents are numbered 0, 1, ... in name order (strcmp), duplicate names removed,
 * once the corpus is sealed: by the first call that reads it (ovl_corpus_count and the
 * other accessors, a scan). Adding to a sealed corpus fails with OVL_ERR_INVALID. Not
 * thread-safe until sealed; read-only afterwards. */
typedef struct ovl_corpus ovl_corpus;

OVL_API ovl_corpus *ovl_corpus_new(void);     /* NULL when out of memory */
OVL_API void ovl_corpus_free(ovl_corpus *c);  /* NULL accepted */

/* Adds the file at path, or every file under it when it is a directory (opts NULL =
 * defaults). A path that cannot be read, a special file (FIFO, device, socket) given
 * directly, and directories that cannot be listed are recorded as problems, not returned as
 * errors: returns OVL_OK, or OVL_ERR_NOMEM / OVL_ERR_INVALID (sealed, bad opts). */
OVL_API int ovl_corpus_add_path(ovl_ctx *ctx, ovl_corpus *c, const char *path, const ovl_walk_opts *opts);

/* Adds a document held in memory under name (both copied). */
OVL_API int ovl_corpus_add_bytes(ovl_ctx *ctx, ovl_corpus *c, const char *name, const void *bytes,
                         size_t len);

OVL_API size_t ovl_corpus_count(const ovl_corpus *c);
/* Name of document i (a path for files); owned by c. */
OVL_API const char *ovl_corpus_name(const ovl_corpus *c, size_t i);
/* Size of document i in bytes when it was listed (a record: its text's UTF-8 bytes). */
OVL_API uint64_t ovl_corpus_size(const ovl_corpus *c, size_t i);

/* Reads document i's bytes into *bytes (malloc'd, the caller frees it) and *len; a record's
 * are its decoded text in UTF-8. OVL_ERR_IO (the system error; a record that is no longer on
 * its line: "changed since it was listed"), OVL_ERR_TOOBIG, OVL_ERR_NOMEM. Thread-safe once
 * sealed. */
OVL_API int ovl_corpus_read(ovl_ctx *ctx, const ovl_corpus *c, size_t i, void **bytes, size_t *len);

/* When document i is a JSON lines record: returns 1 and sets (each may be NULL) its file
 * and id (owned by c) and its 1-based line. Otherwise returns 0. */
OVL_API int ovl_corpus_record(const ovl_corpus *c, size_t i, const char **file, const char **id,
                              uint64_t *line);
/* The encoding document i must be decoded with: "UTF-8" for a record, the encoding a rule
 * gave its file, or NULL (detect). Owned by c. A caller decoding document i puts it into
 * its ovl_decode_opts.encoding when it is not NULL. */
OVL_API const char *ovl_corpus_encoding(const ovl_corpus *c, size_t i);

/* Problems met while adding paths, in the order met; owned by c. */
OVL_API size_t ovl_corpus_problem_count(const ovl_corpus *c);
OVL_API const ovl_problem *ovl_corpus_problem(const ovl_corpus *c, size_t i);

#ifdef __cplusplus
}
#endif
#endif
