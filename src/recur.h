/* recur.h - recurring text of a corpus from counted k-grams: a count sketch filled while documents are fingerprinted, read to find each document's recurring runs; not installed. */
#ifndef OVL_RECUR_H
#define OVL_RECUR_H

#include "internal.h"

/* Occurrences of every k-gram of the corpus (3 word tokens, 4 CJK tokens: the fingerprint's
 * shingles), counted approximately: a count-min sketch of cache lines of 64 saturating 8-bit
 * counters, each k-gram counted in two counters of one line (one memory access per k-gram,
 * and the smaller of the two read; both always grow, so that split counts add up exactly). Counts are never under the truth; over it when other
 * k-grams share both counters, which the sketch's size makes rare below the threshold.
 * Exact counting would hold every distinct k-gram of the corpus (tens of millions on 300 MB
 * of text); the sketch has a fixed size. It is plain data: sketches filled on separate
 * shards (threads, processes) add up counter by counter (ovl__recur_merge). */
#define OVL__RECUR_LINES ((size_t)1 << 18) /* 16 MB */

typedef struct ovl__recur {
    uint8_t *cnt;   /* OVL__RECUR_LINES * 64 counters */
} ovl__recur;

int ovl__recur_init(ovl__recur *r);        /* zeroed sketch; OVL_OK or OVL_ERR_NOMEM */
void ovl__recur_free(ovl__recur *r);
/* Counts every k-gram of tokens[0..n). */
void ovl__recur_add(ovl__recur *r, const ovl__tok *tokens, size_t n);
/* dst += src, counter by counter, saturating. */
void ovl__recur_merge(ovl__recur *dst, const ovl__recur *src);

/* Tokens of recurring text in tokens[0..n): runs of consecutive k-grams each counted more than
 * threshold times, kept when the run's tokens would make a passage by themselves
 * (words / min_words + CJK / min_cjk >= 1), so that a common phrase inside new text is not
 * recurring text. *runs (malloc'd, NULL when none) holds *nruns [start, end) token pairs. */
int ovl__recur_runs(const ovl__recur *r, const ovl__tok *tokens, size_t n, unsigned threshold,
                    unsigned min_words, unsigned min_cjk, uint32_t **runs, size_t *nruns);

#endif
