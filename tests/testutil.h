/* testutil.h - helpers shared by the Check suites: fixture paths, file reading, skips. */
#ifndef OVL_TESTUTIL_H
#define OVL_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include "overlap.h"

/* Directory of fixtures/ (from $OVL_FIXTURES). */
const char *tu_fixtures(void);
/* Directory of ../shared/seeds, or NULL when it is absent (tests then skip). */
const char *tu_seeds(void);
/* Path of the seed whose name starts with prefix ("000"), or NULL. Static buffer. */
const char *tu_seed_path(const char *prefix);
/* Reads a whole file; returns malloc'd bytes (NUL-terminated) and sets *len; aborts the test on error. */
char *tu_read(const char *path, size_t *len);
/* Joins dir and name into a static buffer (rotates among 8). */
const char *tu_path(const char *dir, const char *name);
/* Loads a document or fails the test with the context message. */
ovl_doc *tu_doc(const char *path);
/* Seeded generator (splitmix64) for reproducible test data: next value of state *s. */
uint64_t tu_rng_next(uint64_t *s);
/* A value in [0, n) from the same generator. */
uint32_t tu_rng_below(uint64_t *s, uint32_t n);
/* Runs a suite, returns process exit status (0 ok, 1 failed). */
int tu_run(Suite *s);
/* main() of a suite whose tests on ../shared/seeds are in a TCase named "seeds" and the others
 * in one named "core". Without arguments runs "core"; with the argument "seeds" runs "seeds",
 * or returns 77 (a CTest skip) when the seeds directory is absent. Returns the exit status. */
int tu_main(int argc, char **argv, Suite *s);

#endif
