/* fuzz.h - what a fuzz target tells its replay driver: how many inputs got past its first check. */
#ifndef OVL_FUZZ_H
#define OVL_FUZZ_H

#include <stddef.h>

/* Incremented by a target for each input its first step accepts (decoded, opened as an index):
 * when a whole committed corpus is refused there, the deeper code is never reached, and the
 * replay fails instead of passing on a stale corpus. */
extern unsigned long ovl_fuzz_accepted;

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#endif
