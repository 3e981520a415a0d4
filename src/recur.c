/* recur.c - recurring text of a corpus from counted k-grams (a count sketch), and each document's recurring runs. */
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

/* k-grams are hashed a batch ahead of their counting so that the lines' memory is fetched
 * while earlier ones are counted. */
#define BATCH 16

/* Hashes of the k-grams starting at i0 .. i0 + BATCH - 1 that fit in the n tokens, their
 * lines prefetched (for writing when write, a constant once inlined); returns how many. */
static inline size_t hash_batch(const ovl__recur *r, const ovl__tok *t, size_t n, size_t i0,
                                int write, uint64_t g[BATCH])
{
    size_t m = 0;
    for (size_t i = i0; i < n && i < i0 + BATCH; i++) {
        unsigned k = gram_len(t, i);
        if (i + k > n)
            break;
        g[m] = gram_hash(t, i, k);
        const uint8_t *line = r->cnt + (size_t)(g[m] & (OVL__RECUR_LINES - 1)) * LINE;
        if (write)
            __builtin_prefetch(line, 1);
        else
            __builtin_prefetch(line, 0);
        m++;
    }
    return m;
}

void ovl__recur_add(ovl__recur *r, const ovl__tok *t, size_t n)
{
    uint64_t g[BATCH];
    for (size_t i0 = 0; i0 < n; i0 += BATCH) {
        size_t m = hash_batch(r, t, n, i0, 1, g);
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

int ovl__recur_runs(const ovl__recur *r, const ovl__tok *t, size_t n, unsigned threshold,
                    unsigned min_words, unsigned min_cjk, uint32_t **runs, size_t *nruns)
{
    *runs = NULL;
    *nruns = 0;
    size_t cap = 0;
    /* Current run: k-grams from rs on, covering tokens [rs, re). */
    size_t rs = 0, re = 0;
    int in = 0;
    uint64_t g[BATCH];
    size_t i0 = 0;
    for (;;) {
        size_t m = hash_batch(r, t, n, i0, 0, g);
        for (size_t x = 0; x <= m; x++) {
            size_t i = i0 + x;
            int rec = x < m && estimate(r, g[x]) > threshold;
            if (rec && !in) {
                in = 1;
                rs = i;
                re = i;
            }
            if (rec) {
                size_t e = i + gram_len(t, i);
                if (e > re)
                    re = e;
                continue;
            }
            if (x == m && m == BATCH)
                break; /* the run may go on in the next batch */
            if (!in)
                continue;
            in = 0;
            size_t words = 0, cjk = 0;
            for (size_t y = rs; y < re; y++) {
                words += ovl__tok_kind(&t[y]) == OVL_TOK_WORD;
                cjk += ovl__tok_kind(&t[y]) == OVL_TOK_CJK;
            }
            if ((double)words / min_words + (double)cjk / min_cjk < 1.0)
                continue;
            if (ovl__grow(runs, &cap, 2 * (*nruns + 1), sizeof **runs) != 0) {
                free(*runs);
                *runs = NULL;
                *nruns = 0;
                return OVL_ERR_NOMEM;
            }
            (*runs)[2 * *nruns] = (uint32_t)rs;
            (*runs)[2 * *nruns + 1] = (uint32_t)re;
            (*nruns)++;
        }
        if (m < BATCH)
            break;
        i0 += BATCH;
    }
    return OVL_OK;
}
