/* corpus_int.h - what a corpus walked in parts by several processes (the MPI walk) needs of corpus.c: a filtered walk, walk positions, entries as bytes; not installed. */
#ifndef OVL_CORPUS_INT_H
#define OVL_CORPUS_INT_H

#include "internal.h"

/* Whether this process takes the file (or reports the problem of the directory) at path. */
typedef int (*ovl__walk_keep)(void *data, const char *path);

/* ovl_corpus_add_path where only the files keep accepts are examined (stat, globs, JSON lines
 * records) and added, and only the problems of paths it accepts recorded; directories are
 * listed whatever keep says (entries whose type the directory tells without a stat are not
 * stat'ed when not kept), so every process taking part visits the same names in the same
 * order (ovl__corpus_walked). keep NULL: ovl_corpus_add_path. */
int ovl__corpus_add_path_keep(ovl_ctx *ctx, ovl_corpus *c, const char *path, const ovl_walk_opts *opts,
                              ovl__walk_keep keep, void *data);
/* The names visited by c's walks so far and a hash of them (FNV-1a of their relative paths),
 * the same in every process that walked the same paths, whatever it kept. */
void ovl__corpus_walked(const ovl_corpus *c, uint64_t *visits, uint64_t *hash);
/* Problem i's walk position: the names visited when it was met (problems of one file or
 * directory share it), so that the problems of several processes merge in walk order. */
uint64_t ovl__corpus_problem_at(const ovl_corpus *c, size_t i);
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
} ovl__corpus_partinfo;
/* Seals c with its entries in the order added (already in name order, no repeats) as such a
 * part. */
void ovl__corpus_set_part(ovl_corpus *c, const ovl__corpus_partinfo *pi);
/* 1 when c is such a part (*pi set), else 0. */
int ovl__corpus_part(const ovl_corpus *c, ovl__corpus_partinfo *pi);

#endif
