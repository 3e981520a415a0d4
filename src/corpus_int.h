/* corpus_int.h - what a corpus walked in parts by several processes (the MPI walk) needs of corpus.c: the walk in steps, entries as bytes; not installed. */
#ifndef OVL_CORPUS_INT_H
#define OVL_CORPUS_INT_H

#include "internal.h"

/* The walk of ovl_corpus_add_path in steps, for a walk whose directories several processes
 * list (each its own, level after level), each path examined by one of them. */

/* opts checked and made a version-2 struct in *v (version 1's missing fields defaulted);
 * OVL_ERR_INVALID for another version. */
int ovl__corpus_walk_opts(ovl_ctx *ctx, const ovl_walk_opts *opts, ovl_walk_opts *v);
/* ovl_corpus_add_path with enter not NULL: a directory at path is not walked but *enter set
 * to 1 (0 for anything else, which is taken or recorded as a problem as usual). */
int ovl__corpus_take_path(ovl_ctx *ctx, ovl_corpus *c, const char *path, const ovl_walk_opts *opts, int *enter);
/* A directory's entry: its name (malloc'd) and the type the directory told (a d_type value;
 * 0 when unknown). */
typedef struct ovl__dname {
    char *name;
    unsigned char type;
} ovl__dname;
/* Lists directory dir as the walk does (not . and .., hidden names only with o->hidden; by
 * name, strcmp): *names (malloc'd; ovl__corpus_names_free) and *n. A directory that cannot be
 * opened is c's problem (none listed). o: a version-2 struct (ovl__corpus_walk_opts).
 * OVL_OK, or OVL_ERR_NOMEM. */
int ovl__corpus_list(ovl_corpus *c, const char *dir, const ovl_walk_opts *o, ovl__dname **names, size_t *n);
void ovl__corpus_names_free(ovl__dname *names, size_t n);
/* The same listing a piece at a time, in the directory's own order (not sorted), so that a
 * very large directory is never held whole: ovl__corpus_list_open counts dir as listed and
 * sets *l (NULL, and a problem of c, when it cannot be opened; OVL_OK or OVL_ERR_NOMEM);
 * ovl__corpus_list_next gives the next name (valid until the next call) and its type, or
 * returns 0 at the end; ovl__corpus_list_close(NULL) does nothing. */
typedef struct ovl__dlist ovl__dlist;
int ovl__corpus_list_open(ovl_corpus *c, const char *dir, const ovl_walk_opts *o, ovl__dlist **l);
int ovl__corpus_list_next(ovl__dlist *l, const char **name, unsigned char *type);
void ovl__corpus_list_close(ovl__dlist *l);
/* What the walk does with the entry at path (rel: its path relative to the argument walked;
 * type: the entry's, or 0 to stat it): a directory not excluded sets *enter (to be listed
 * with rel), a file the globs take is added, a path that cannot be stat'ed is a problem.
 * OVL_OK or OVL_ERR_NOMEM. */
int ovl__corpus_take(ovl_corpus *c, const char *path, const char *rel, int type, const ovl_walk_opts *o, int *enter);
/* The directories c's walks listed (or tried to), or the count ovl__corpus_set_dirs gave a
 * part. */
uint64_t ovl__corpus_dirs(const ovl_corpus *c);
void ovl__corpus_set_dirs(ovl_corpus *c, uint64_t dirs);
/* Adds a problem (copied), e.g. one met by another process's walk. */
int ovl__corpus_add_problem(ovl_corpus *c, const ovl_problem *p);

/* Entry i of sealed c as bytes (all it needs to be read again: name, size, encoding rule, a
 * record's file, fields and line, in-memory bytes) into out when not NULL; returns their
 * length. */
size_t ovl__corpus_entry_bytes(const ovl_corpus *c, size_t i, char *out);
/* Appends the entry at p (len bytes from ovl__corpus_entry_bytes) to unsealed c; -1 when
 * out of memory or the bytes are not an entry. */
int ovl__corpus_add_entry(ovl_corpus *c, const char *p, size_t len);
/* A part of a corpus walked by several processes: documents [first, first + count) of total,
 * and what the walk that made it cost this process. */
typedef struct ovl__corpus_partinfo {
    size_t first, total;
    size_t held;     /* the most entries it held at once */
    uint64_t sent;   /* bytes it sent to other processes */
    double seconds;
    size_t names_held; /* the most directory entries it held at once while the directories
                          were listed in rounds (0 when one process walked them) */
} ovl__corpus_partinfo;
/* Seals c with its entries in the order added (already in name order, no repeats) as such a
 * part. */
void ovl__corpus_set_part(ovl_corpus *c, const ovl__corpus_partinfo *pi);
/* 1 when c is such a part (*pi set), else 0. */
int ovl__corpus_part(const ovl_corpus *c, ovl__corpus_partinfo *pi);

#endif
