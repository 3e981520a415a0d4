/* recur.c - recurring text of a corpus from counted k-grams (a count sketch of a sample of them), and each document's recurring runs. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* madvise */
#endif
#include "recur.h"

#include <sys/mman.h>

#define LINE 64u

int ovl__recur_init(ovl__recur *r)
{
    /* Read and written at random: in 2 MB pages where the system gives them, the sketch takes
     * two entries of the address cache instead of a thousand. */
    size_t bytes = OVL__RECUR_LINES * LINE, align = (size_t)2 << 20;
    r->cnt = aligned_alloc(align, (bytes + align - 1) / align * align);
    if (!r->cnt)
        return OVL_ERR_NOMEM;
#ifdef MADV_HUGEPAGE
    (void)madvise(r->cnt, bytes, MADV_HUGEPAGE);
#endif
    memset(r->cnt, 0, bytes);
    return OVL_OK;
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
    *c1 = (unsigned)(g >> 32) & (LINE - 1);
    *c2 = (*c1 + 1 + (unsigned)((g >> 40) % (LINE - 1))) & (LINE - 1);
    return r ? r->cnt + (size_t)(g & (OVL__RECUR_LINES - 1)) * LINE : NULL;
}

/* Counters per bit of the hot map (ovl__recur_hot). */
#define GROUP 8u

/* Can the k-gram of hash g be over the threshold hot was made for? Both its counters must. */
static inline int maybe_hot(const uint64_t *hot, uint64_t g)
{
    unsigned c1, c2;
    size_t l = (size_t)(g & (OVL__RECUR_LINES - 1));
    slot(NULL, g, &c1, &c2);
    size_t b1 = l * (LINE / GROUP) + c1 / GROUP, b2 = l * (LINE / GROUP) + c2 / GROUP;
    return (hot[b1 / 64] >> (b1 % 64) & 1) && (hot[b2 / 64] >> (b2 % 64) & 1);
}

/* Sampled k-grams are hashed a batch ahead of their counting so that the lines' memory is
 * fetched while earlier ones are counted. */
#define BATCH 16

/* From position *i on, the next sampled k-grams that fit in the n tokens, at most BATCH: their
 * positions and hashes, their lines prefetched (for writing when write, a constant once
 * inlined; when reading, only lines hot marks, and g[] is 0 for the others, whose k-grams
 * cannot be over the threshold); *i moves past the last one looked at. Returns how many. */
static inline size_t next_batch(const ovl__recur *r, const uint64_t *hot, const ovl__tok *t,
                                size_t n, size_t *i, int write, uint32_t pos[BATCH], uint64_t g[BATCH])
{
    /* The sample's positions first, without a branch on each token (one in SAMPLE is taken,
     * at random: a branch would be mispredicted for most of them). */
    size_t m = 0, x = *i;
    for (; m < BATCH && x + 2 < n; x++) {
        pos[m] = (uint32_t)x;
        m += (size_t)sampled(t, x);
    }
    *i = x;
    size_t kept = 0;
    for (size_t y = 0; y < m; y++) {
        size_t p = pos[y];
        unsigned k = gram_len(t, p);
        if (p + k > n)
            continue;
        uint64_t h = gram_hash(t, p, k);
        size_t l = (size_t)(h & (OVL__RECUR_LINES - 1));
        const uint8_t *line = r->cnt + l * LINE;
        if (write) {
            __builtin_prefetch(line, 1);
        } else if (!hot || maybe_hot(hot, h)) {
            __builtin_prefetch(line, 0);
            h |= h == 0; /* 0 stands for a cold line */
        } else {
            h = 0;
        }
        pos[kept] = (uint32_t)p;
        g[kept++] = h;
    }
    return kept;
}

void ovl__recur_add(ovl__recur *r, const ovl__tok *t, size_t n)
{
    /* Two batches in flight: a batch's lines are prefetched as it is hashed, and counted only
     * after the next batch has been hashed, so a whole batch's work hides each fetch. */
    uint64_t g[2][BATCH];
    uint32_t pos[BATCH];
    size_t i = 0, m = next_batch(r, NULL, t, n, &i, 1, pos, g[0]);
    for (unsigned b = 0; m > 0; b ^= 1) {
        size_t next = next_batch(r, NULL, t, n, &i, 1, pos, g[b ^ 1]);
        for (size_t x = 0; x < m; x++) {
            unsigned c1, c2;
            uint8_t *line = slot(r, g[b][x], &c1, &c2);
            /* Both counters grow (no conservative update): then sketches of any split of
             * the corpus add up to the same counts, so the result does not depend on which
             * thread or process counted which document. */
            line[c1] += line[c1] < 255;
            line[c2] += line[c2] < 255;
        }
        m = next;
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

int ovl__recur_hot(const ovl__recur *r, unsigned threshold, uint64_t **hot)
{
    size_t bits = OVL__RECUR_LINES * (LINE / GROUP);
    *hot = calloc(bits / 64, sizeof **hot);
    if (!*hot)
        return OVL_ERR_NOMEM;
    for (size_t b = 0; b < bits; b++) {
        const uint8_t *c = r->cnt + b * GROUP;
        unsigned top = 0;
        for (unsigned x = 0; x < GROUP; x++)
            top = c[x] > top ? c[x] : top;
        if (top > threshold)
            (*hot)[b / 64] |= UINT64_C(1) << (b % 64);
    }
    return OVL_OK;
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

/* A piece of recurring text as the sample sees it: sampled recurring k-grams from first to
 * last (count of them), each at most OVL__RECUR_GAP tokens after the one before. prev and
 * next are the sampled k-grams just before and after (new text, or further away), SIZE_MAX
 * when none. */
typedef struct piece {
    size_t first, last, count, prev, next;
} piece;

/* Closes the run made of pieces a .. b (b the last one): its certain part runs from a's first
 * sampled k-gram to the end of b's last one, widened to the sampled k-grams beside it. */
static int close_pieces(const ovl__tok *t, size_t n, const piece *a, const piece *b, unsigned min_words,
                        unsigned min_cjk, uint32_t **runs, size_t *nruns, size_t *cap)
{
    size_t rs = a->first, re = b->last + gram_len(t, b->last);
    size_t lo = a->prev == SIZE_MAX ? 0 : a->prev + 1;
    if (rs > OVL__RECUR_EDGE && lo < rs - OVL__RECUR_EDGE)
        lo = rs - OVL__RECUR_EDGE;
    size_t hi = b->next == SIZE_MAX ? n : b->next + gram_len(t, b->next) - 1;
    if (hi > re + OVL__RECUR_EDGE)
        hi = re + OVL__RECUR_EDGE;
    if (hi > n)
        hi = n;
    return close_run(t, lo, rs, re, hi, min_words, min_cjk, runs, nruns, cap);
}

int ovl__recur_runs(const ovl__recur *r, const uint64_t *hot, const ovl__tok *t, size_t n,
                    unsigned threshold, unsigned min_words, unsigned min_cjk, uint32_t **runs,
                    size_t *nruns)
{
    *runs = NULL;
    *nruns = 0;
    size_t cap = 0;
    /* Only a sample of the k-grams is counted, so what lies between two sampled recurring
     * k-grams is not known. It is taken to recur with them when they are at most
     * OVL__RECUR_GAP tokens apart (one piece; new text that long holds a sampled k-gram of
     * its own but for a chance of (1 - 1/SAMPLE)^length), and when at most OVL__RECUR_BRIDGE
     * apart if the pieces on the two sides hold three sampled k-grams or more: two common
     * phrases near each other in new text are a sampled k-gram each, a licence is long pieces
     * with now and then a longer gap. The run's edges lie between its outer sampled k-grams and
     * the sampled new text beside them: the run is widened to that text (at most
     * OVL__RECUR_EDGE tokens), as a recurring token left out at an edge would seed a match
     * that the aligner extends through the whole licence. */
    piece cur = {0, 0, 0, SIZE_MAX, SIZE_MAX}, run0 = cur, runb = cur;
    int in = 0, inrun = 0, rc = OVL_OK;
    size_t prev = SIZE_MAX; /* the last sampled k-gram seen */
    uint64_t g[BATCH];
    uint32_t pos[BATCH];
    size_t i = 0, m;
    /* A piece is closed by a sampled k-gram p (or the end, p SIZE_MAX): it joins the run so far
     * or starts one; the run is closed when the piece cannot join it. */
#define END_PIECE(p)                                                                              \
    do {                                                                                         \
        cur.next = (p);                                                                          \
        if (inrun && runb.next == cur.first && cur.first - runb.last <= OVL__RECUR_BRIDGE &&     \
            runb.count + cur.count >= 3) {                                                       \
            runb = cur;                                                                          \
        } else {                                                                                 \
            if (inrun && rc == OVL_OK)                                                           \
                rc = close_pieces(t, n, &run0, &runb, min_words, min_cjk, runs, nruns, &cap);   \
            run0 = runb = cur;                                                                   \
            inrun = 1;                                                                           \
        }                                                                                        \
        in = 0;                                                                                  \
    } while (0)
    while (rc == OVL_OK && (m = next_batch(r, hot, t, n, &i, 0, pos, g)) > 0) {
        for (size_t x = 0; x < m; x++) {
            size_t p = pos[x];
            int rec = g[x] && estimate(r, g[x]) > threshold;
            if (in && (!rec || p - cur.last > OVL__RECUR_GAP))
                END_PIECE(p);
            if (rec) {
                if (!in) {
                    cur = (piece){p, p, 0, prev, SIZE_MAX};
                    in = 1;
                }
                cur.last = p;
                cur.count++;
            }
            prev = p;
        }
    }
    if (in)
        END_PIECE(SIZE_MAX);
    if (inrun && rc == OVL_OK)
        rc = close_pieces(t, n, &run0, &runb, min_words, min_cjk, runs, nruns, &cap);
#undef END_PIECE
    if (rc != OVL_OK) {
        free(*runs);
        *runs = NULL;
        *nruns = 0;
    }
    return rc;
}
