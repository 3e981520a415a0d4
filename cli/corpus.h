/* corpus.h - corpus helpers shared by the multi-document commands: file walking, threads, progress, fingerprinting and aligning a corpus. */
#ifndef OVL_CLI_CORPUS_H
#define OVL_CLI_CORPUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "overlap.h"

/* ---- Collecting files ------------------------------------------------------------------
 * Every PATH is walked recursively when it is a directory. Inside directories, symbolic
 * links to files are followed, links to directories are not (no loops). A file found in a
 * directory is kept when it matches one --include glob (when any is given) and no --exclude
 * glob; a directory whose name matches an --exclude glob is not entered. A glob matches
 * when fnmatch(3) accepts the path relative to the PATH given, or the basename. Files named
 * directly on the command line are always kept. The result is sorted by path (strcmp) with
 * duplicates removed, so it does not depend on the order the file system lists entries in. */
typedef struct cli_walk_opts {
    const char **include; /* globs, borrowed */
    size_t ninclude;
    const char **exclude;
    size_t nexclude;
} cli_walk_opts;

typedef struct cli_file {
    char *path;    /* as given, joined with '/' below a directory argument; malloc'd */
    uint64_t size; /* bytes, from stat */
} cli_file;

typedef struct cli_files {
    cli_file *v;
    size_t n, cap;
    size_t errors; /* paths that could not be read (already reported on stderr) */
} cli_files;

/* Appends the files under paths[0..npaths) to out (zero-initialize it first) and sorts it.
 * Unreadable paths are reported on stderr as "overlap: PATH: <system error>" and counted in
 * out->errors. Returns 0, or -1 when out of memory (reported). */
int cli_files_collect(cli_files *out, const char *const *paths, size_t npaths,
                      const cli_walk_opts *opts);
void cli_files_free(cli_files *files);
/* The walker's glob rule (exposed for commands that filter other lists the same way). */
int cli_glob_match(const char *glob, const char *relpath);

/* ---- Threads ---------------------------------------------------------------------------- */

/* -j VALUE (NULL: all online cores). Exits 2 on a bad value. */
unsigned cli_threads(const char *value);

/* Runs fn(arg, worker, i) for every i in [0, n) on nthreads threads (worker in
 * [0, nthreads)); items are handed out in increasing order. While it runs, the calling
 * thread calls tick(arg) about five times a second (tick may be NULL). Falls back to
 * running everything on the calling thread when threads cannot be started. */
void cli_parallel(size_t n, unsigned nthreads, void (*fn)(void *arg, unsigned worker, size_t i),
                  void (*tick)(void *arg), void *arg);

/* ---- Progress ---------------------------------------------------------------------------- */

/* Decides whether to draw progress: force > 0 on, force == 0 off, force < 0 when stderr is
 * a terminal. */
int cli_progress_wanted(int force);
/* --progress / --no-progress into *force (1 / 0); returns 1 (and advances *i) when argv[*i]
 * was one. */
int cli_progress_opt(char **argv, int *i, int *force);
/* Redraws the progress line on stderr ("\r" + text + clear to end of line). */
void cli_progress_show(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Clears the progress line. */
void cli_progress_clear(void);

/* ---- Fingerprinting a corpus --------------------------------------------------------------
 * Loads and fingerprints files[0..n) on nthreads threads, each document freed as soon as it
 * is fingerprinted. commit(arg, i, info, fp) is called for i = 0, 1, ... in order (one call
 * at a time, from any thread), so what it builds is the same for any thread count; fp is
 * NULL when the file could not be read, and is freed after the call. A failed file's
 * message ("PATH: byte N: invalid UTF-8 sequence") is kept in info->error (malloc'd, freed
 * after the call) so the caller can print them in file order. */
typedef struct cli_doc_info {
    uint64_t bytes;  /* file size */
    uint64_t chars;  /* code points of the decoded text */
    size_t tokens;   /* normalized tokens */
    const char *error;
} cli_doc_info;

typedef void (*cli_commit_fn)(void *arg, size_t i, const cli_doc_info *info, const ovl_fp *fp);

/* progress: draw "files/MB" on stderr while running. Returns 0, or -1 when out of memory. */
int cli_corpus_fingerprint(const cli_files *files, const ovl_doc_opts *dopts,
                           const ovl_fp_opts *fopts, unsigned nthreads, int progress,
                           cli_commit_fn commit, void *arg);

/* ---- Aligning candidate pairs ---------------------------------------------------------------
 * Aligns files[pairs[k].doc_a] with files[pairs[k].doc_b] for every k on nthreads threads:
 * ovl_align on the whole documents, so the passages are those `overlap compare` reports, or
 * ovl_align_range around where their chunks collide (boxes below). The workers share one
 * cache of loaded documents (bounded in memory) and take the pairs document by document,
 * each next document a partner of a recent one, so most loads are reused. Results land in
 * out[k] whatever the thread count and visiting order. */
typedef struct cli_pair_result {
    ovl_passage *ps;    /* malloc'd, np passages (NULL when none) */
    size_t np;
    ovl_doc_stats sa, sb; /* figures of a and b in a report holding just this pair */
    char *jsonl;        /* want_jsonl: the pair's passages as JSON lines, documents 0 (a) and
                           1 (b); malloc'd, NULL when there are no passages */
    size_t jsonl_len;
    char *error;        /* "PATH: message" when a document could not be loaded again */
} cli_pair_result;

/* Where a pair's reuse can be: tokens [a0, a1) of doc_a and [b0, b1) of doc_b (the colliding
 * chunks), to align instead of the whole documents. */
typedef struct cli_pair_box {
    uint32_t a0, a1, b0, b1;
} cli_pair_box;

/* out must hold npairs zeroed entries; free with cli_pair_results_free. Returns 0 or -1
 * when out of memory (reported). boxes (NULL: whole documents) restricts each pair's
 * alignment to its box widened by margin tokens on every side; a side whose widened box
 * covers most of its document is aligned whole, and when a passage reaches an edge of the
 * range that is not a document edge, the margin doubles and the pair is aligned again, so
 * passages are not cut. */
int cli_align_pairs(const cli_files *files, const ovl_cand *pairs, size_t npairs,
                    const cli_pair_box *boxes, uint32_t margin, const ovl_doc_opts *dopts,
                    const ovl_align_opts *aopts, unsigned nthreads, int progress,
                    int want_jsonl, cli_pair_result *out);
void cli_pair_results_free(cli_pair_result *r, size_t n);

#endif
