/* recur.c - recurring text of a corpus from counted k-grams (a count sketch of a sample of them), and each document's recurring runs. */
#include "recur.h"

#define LINE 64u

int ovl__recur_init(ovl__recur *r)
{
    r->cnt = calloc(OVL__RECUR_LINES, LINE);
    return r->cnt ? OVL_OK : OVL_ERR_NOMEM;
}

void ovl__recur_free(ovl__recur *r)
{
    if (!r)
        return;
    free(r->cnt);
    r->cnt = NULL;
}

static inline uint64_t mix(uint64_t z)
{
    z ^= z >> 31;
    z *= 0x7FB5D329728EA185ull;
    z ^= z >> 27;
    z *= 0x81DADEF4BC2DD44Dull;
    return z ^ (z >> 33);
}

/* k-gram starting at i: 4 CJK tokens, else 3 tokens, as the fingerprint's shingles. */
static inline unsigned gram_len(const ovl__tok *t, size_t i)
{
    return ovl__tok_kind(&t[i]) == OVL_TOK_CJK ? 4u : 3u;
}

/* Is the k-gram at i (i + 1 < n) in the sample? Decided by its first two tokens' hashes, so
 * the same text is sampled alike in every document, at the cost of two loads and a test per
 * token (a full k-gram hash per position cost as much as the counting it would save). */
static inline int sampled(const ovl__tok *t, size_t i)
{
    return ((t[i].hash ^ (t[i + 1].hash >> 29)) & (OVL__RECUR_SAMPLE - 1)) == 0;
}

static inline uint64_t gram_hash(const ovl__tok *t, size_t i, unsigned k)
{
    uint64_t h = k;
    for (unsigned x = 0; x < k; x++)
        h = (h << 23 | h >> 41) ^ t[i + x].hash;
    return mix(h);
}

/* The two counters of a k-gram: one line, two distinct slots in it. */
static inline uint8_t *slot(const ovl__recur *r, uint64_t g, unsigned *c1, unsigned *c2)
{
    uint8_t *line = r->cnt + (size_t)(g & (OVL__RECUR_LINES - 1)) * LINE;
    *c1 = (unsigned)(g >> 32) & (LINE - 1);
    *c2 = (*c1 + 1 + (unsigned)((g >> 40) % (LINE - 1))) & (LINE - 1);
    return line;
}

/* Sampled k-grams are hashed a batch ahead of their counting so that the lines' memory is
 * fetched while earlier ones are counted. */
#define BATCH 16

/* From position *i on, the next sampled k-grams that fit in the n tokens, at most BATCH: their
 * positions and hashes, their lines prefetched (for writing when write, a constant once
 * inlined); *i moves past the last one looked at. Returns how many. */
static inline size_t next_batch(const ovl__recur *r, const ovl__tok *t, size_t n, size_t *i,
                                int write, uint32_t pos[BATCH], uint64_t g[BATCH])
{
    size_t m = 0, x = *i;
    for (; m < BATCH && x + 2 < n; x++) {
        if (!sampled(t, x))
            continue;
        unsigned k = gram_len(t, x);
        if (x + k > n)
            continue;
        pos[m] = (uint32_t)x;
        g[m] = gram_hash(t, x, k);
        const uint8_t *line = r->cnt + (size_t)(g[m] & (OVL__RECUR_LINES - 1)) * LINE;
        if (write)
            __builtin_prefetch(line, 1);
        else
            __builtin_prefetch(line, 0);
        m++;
    }
    *i = x;
    return m;
}

void ovl__recur_add(ovl__recur *r, const ovl__tok *t, size_t n)
{
    uint64_t g[BATCH];
    uint32_t pos[BATCH];
    size_t i = 0, m;
    while ((m = next_batch(r, t, n, &i, 1, pos, g)) > 0) {
        for (size_t x = 0; x < m; x++) {
            unsigned c1, c2;
            uint8_t *line = slot(r, g[x], &c1, &c2);
            /* Both counters grow (no conservative update): then sketches of any split of
             * the corpus add up to the same counts, so the result does not depend on which
             * thread or process counted which document. */
            line[c1] += line[c1] < 255;
            line[c2] += line[c2] < 255;
        }
    }
}

void ovl__recur_merge(ovl__recur *dst, const ovl__recur *src)
{
    size_t n = OVL__RECUR_LINES * LINE;
    for (size_t i = 0; i < n; i++) {
        unsigned s = (unsigned)dst->cnt[i] + src->cnt[i];
        dst->cnt[i] = (uint8_t)(s > 255 ? 255 : s);
    }
}

static inline unsigned estimate(const ovl__recur *r, uint64_t g)
{
    unsigned c1, c2;
    const uint8_t *line = slot(r, g, &c1, &c2);
    return line[c1] < line[c2] ? line[c1] : line[c2];
}

/* Appends run [lo, hi) when its certain part [rs, re) would make a passage by itself. */
static int close_run(const ovl__tok *t, size_t lo, size_t rs, size_t re, size_t hi, unsigned min_words,
                     unsigned min_cjk, uint32_t **runs, size_t *nruns, size_t *cap)
{
    size_t words = 0, cjk = 0;
    for (size_t y = rs; y < re; y++) {
        words += ovl__tok_kind(&t[y]) == OVL_TOK_WORD;
        cjk += ovl__tok_kind(&t[y]) == OVL_TOK_CJK;
    }
    if ((double)words / min_words + (double)cjk / min_cjk < 1.0)
        return OVL_OK;
    if (ovl__grow(runs, cap, 2 * (*nruns + 1), sizeof **runs) != 0)
        return OVL_ERR_NOMEM;
    (*runs)[2 * *nruns] = (uint32_t)lo;
    (*runs)[2 * *nruns + 1] = (uint32_t)hi;
    (*nruns)++;
    return OVL_OK;
}

int ovl__recur_runs(const ovl__recur *r, const ovl__tok *t, size_t n, unsigned threshold,
                    unsigned min_words, unsigned min_cjk, uint32_t **runs, size_t *nruns)
{
    *runs = NULL;
    *nruns = 0;
    size_t cap = 0;
    /* Current run: from the sampled k-gram at rs to the one at last, covering [rs, re) for
     * certain. A run goes on from one sampled recurring k-gram to the next when no sampled
     * k-gram between them is new text and they are at most OVL__RECUR_GAP tokens apart: the
     * unsampled k-grams between are taken to recur with them (a private stretch that long
     * holds a sampled k-gram of its own but for a chance of (1 - 1/SAMPLE)^length). Its
     * edges are unknown up to the sampled k-grams on either side, which are new text: the
     * run is widened to them (at most OVL__RECUR_EDGE tokens), as a recurring token left out
     * at an edge would seed a match that the aligner extends through the whole text. */
    size_t lo = 0, rs = 0, re = 0, last = 0, prev = 0;
    int in = 0, seen = 0, rc = OVL_OK;
    uint64_t g[BATCH];
    uint32_t pos[BATCH];
    size_t i = 0, m;
    while (rc == OVL_OK && (m = next_batch(r, t, n, &i, 0, pos, g)) > 0) {
        for (size_t x = 0; rc == OVL_OK && x < m; x++) {
            size_t p = pos[x];
            int rec = estimate(r, g[x]) > threshold;
            if (in && (!rec || p - last > OVL__RECUR_GAP)) {
                size_t hi = p + gram_len(t, p) - 1, cap_hi = re + OVL__RECUR_EDGE;
                rc = close_run(t, lo, rs, re, hi < cap_hi ? hi : cap_hi, min_words, min_cjk, runs,
                               nruns, &cap);
                in = 0;
            }
            if (rec) {
                if (!in) {
                    in = 1;
                    lo = seen ? prev + 1 : 0;
                    if (p > OVL__RECUR_EDGE && lo < p - OVL__RECUR_EDGE)
                        lo = p - OVL__RECUR_EDGE;
                    rs = re = p;
                }
                last = p;
                size_t e = p + gram_len(t, p);
                if (e > re)
                    re = e;
            }
            prev = p;
            seen = 1;
        }
    }
    if (rc == OVL_OK && in)
        rc = close_run(t, lo, rs, re, re + OVL__RECUR_EDGE < n ? re + OVL__RECUR_EDGE : n, min_words,
                       min_cjk, runs, nruns, &cap);
    if (rc != OVL_OK) {
        free(*runs);
        *runs = NULL;
        *nruns = 0;
    }
    return rc;
}
