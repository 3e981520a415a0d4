/* recur.h - recurring text of a corpus from counted k-grams: a count sketch filled while documents are fingerprinted, read to find each document's recurring runs; not installed. */
#ifndef OVL_RECUR_H
#define OVL_RECUR_H

#include "internal.h"

/* Occurrences of a sample of the corpus's k-grams (3 word tokens, 4 CJK tokens: the
 * fingerprint's shingles): those whose first two tokens' hashes fall in one of
 * OVL__RECUR_SAMPLE classes, so the same text is sampled alike wherever it is. They are
 * counted approximately: a count-min sketch of cache lines of 64 saturating 8-bit counters,
 * each k-gram counted in two counters of one line (one memory access per k-gram, and the
 * smaller of the two read; both always grow, so that split counts add up exactly). Counts are
 * never under the truth; over it when other k-grams share both counters, which the sketch's
 * size makes rare below the threshold. Exact counting would hold every distinct k-gram of the
 * corpus (tens of millions on 300 MB of text); the sketch has a fixed size. Counting every
 * k-gram cost a third of the CPU of a scan of text without recurring formulas (a memory
 * access per token); the sample costs an eighth of the accesses into a sketch small enough to
 * stay in the processor's cache. It is plain data: sketches filled on separate shards
 * (threads, processes) add up counter by counter (ovl__recur_merge). */
#ifndef OVL__RECUR_LINES
#define OVL__RECUR_LINES ((size_t)1 << 16) /* 4 MB */
#endif
#ifndef OVL__RECUR_SAMPLE
#define OVL__RECUR_SAMPLE 8u /* one k-gram in this many is counted (a power of 2) */
#endif
#ifndef OVL__RECUR_GAP
#define OVL__RECUR_GAP 16u /* sampled recurring k-grams further apart are two pieces */
#endif
#ifndef OVL__RECUR_BRIDGE
#define OVL__RECUR_BRIDGE 48u /* pieces this close with three sampled k-grams or more are one run */
#endif
#ifndef OVL__RECUR_EDGE
#define OVL__RECUR_EDGE 8u /* a run widened at most this far to its unsampled edges */
#endif

typedef struct ovl__recur {
    uint8_t *cnt;   /* OVL__RECUR_LINES * 64 counters */
} ovl__recur;

int ovl__recur_init(ovl__recur *r);        /* zeroed sketch; OVL_OK or OVL_ERR_NOMEM */
void ovl__recur_free(ovl__recur *r);
/* Counts the sampled k-grams of tokens[0..n). */
void ovl__recur_add(ovl__recur *r, const ovl__tok *tokens, size_t n);
/* dst += src, counter by counter, saturating. */
void ovl__recur_merge(ovl__recur *dst, const ovl__recur *src);

/* The groups of 8 counters of r holding one over threshold, a bit each (*hot malloc'd, 64 KB
 * for the 4 MB sketch: it stays in the core's cache), so that ovl__recur_runs reads the sketch
 * only for k-grams whose two counters may both be over it (few, on text where little recurs;
 * a map of whole lines marked half of them on generated Chinese). OVL_OK or OVL_ERR_NOMEM. */
int ovl__recur_hot(const ovl__recur *r, unsigned threshold, uint64_t **hot);

/* Tokens of recurring text in tokens[0..n): runs of consecutive sampled k-grams each counted
 * more than threshold times (at most OVL__RECUR_GAP tokens apart, or OVL__RECUR_BRIDGE between
 * pieces holding three or more; none between them counted less), kept when the tokens from the first
 * one's start to the last one's end would make a passage by themselves
 * (words / min_words + CJK / min_cjk >= 1), so that a common phrase inside new text is not
 * recurring text; each run is widened to the sampled new text beside it (at most
 * OVL__RECUR_EDGE tokens). hot is NULL or ovl__recur_hot's bits for this threshold (the same result,
 * faster). *runs (malloc'd, NULL when none) holds *nruns [start, end) token pairs. */
int ovl__recur_runs(const ovl__recur *r, const uint64_t *hot, const ovl__tok *tokens, size_t n,
                    unsigned threshold, unsigned min_words, unsigned min_cjk, uint32_t **runs,
                    size_t *nruns);

#endif
