/* align.c - reused passages between two documents (seeds, maximal matches, chaining, merging). */
#include "align_int.h"
#include "internal.h"

#include <math.h>
#include <stdint.h>

/* ------------------------------------------------------------------------------------------
 * Scratch memory. A corpus scan aligns hundreds of thousands of pairs per thread; allocating
 * and freeing every work array per pair gave each pair freshly mapped pages (the allocator
 * returns freed heap tops to the kernel), and the page faults and TLB flushes of that cost
 * more than the search itself. So the work arrays live in slots of a scratch object owned by
 * the ovl_ctx (one per thread in a scan, freed with the ctx): a slot's buffer is reused by
 * the next call and only grows. Large buffers (a compare of two big documents) are not kept:
 * a slot is emptied when released if it is above SC_KEEP_SLOT, and after a call the slots
 * are emptied, largest first, until the rest fits SC_KEEP_TOTAL, so a scan's threads keep a
 * few MB each and a big compare's peak memory is what it was. A NULL scratch means plain
 * malloc and free (the stages' tests call them that way).
 * ------------------------------------------------------------------------------------------ */

enum {
    SC_TAB, SC_POS, SC_SLOT, SC_KUSED, SC_COVER, SC_MEMS, SC_RTMP, SC_RCNT,
    SC_LAST, SC_LASTG, SC_F, SC_SCNT, SC_IS, SC_USED, SC_ANCH, SC_CH,
    SC_OWNER, SC_DENS, SC_HA, SC_HB, SC_ORD, SC_PA, SC_PB, SC_ROWS, SC_STACK, SC_DIFFV,
    SC_RUNS, SC_GRP, SC_MUSED, SC_MEMIV, SC_HOLEH, SC_HOLEST, SC_MVT, SC_MVPREV, SC_MVBYB,
    SC_MVPOS, SC_MVHEAVY, SC_LIVE, SC_NSLOTS
};

#define SC_KEEP_SLOT ((size_t)4 << 20)
#define SC_KEEP_TOTAL ((size_t)8 << 20)

typedef struct ascratch {
    void *p[SC_NSLOTS];
    size_t size[SC_NSLOTS]; /* bytes of p[i] */
    unsigned char hold[SC_NSLOTS]; /* 1: kept by sc_put however big, for sc_pass (this call) */
} ascratch;

/* Frees a ctx's align_scratch (NULL: nothing). */
static void scratch_free(void *scratch)
{
    ascratch *s = scratch;
    if (!s)
        return;
    for (unsigned i = 0; i < SC_NSLOTS; i++)
        free(s->p[i]);
    free(s);
}

/* A buffer of at least bytes for slot id, contents undefined; NULL when out of memory. */
static void *sc_get(ascratch *s, unsigned id, size_t bytes)
{
    if (bytes == 0)
        bytes = 1;
    if (!s)
        return malloc(bytes);
    if (s->size[id] < bytes) {
        free(s->p[id]);
        /* A quarter more, so slowly growing inputs do not reallocate every call; exact for a
         * buffer too big to be kept. */
        size_t want = bytes + bytes / 4 > SC_KEEP_SLOT ? bytes : bytes + bytes / 4;
        s->p[id] = malloc(want);
        s->size[id] = s->p[id] ? want : 0;
    }
    return s->p[id];
}

/* The same, zeroed. */
static void *sc_zget(ascratch *s, unsigned id, size_t bytes)
{
    if (!s)
        return calloc(bytes ? bytes : 1, 1);
    void *p = sc_get(s, id, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

/* Done with slot id's buffer p for now (NULL scratch: p is freed; p NULL: nothing to do). */
static void sc_put(ascratch *s, unsigned id, void *p)
{
    if (!s || !p) {
        free(p);
        return;
    }
    if (s->size[id] > SC_KEEP_SLOT && !s->hold[id]) {
        free(s->p[id]);
        s->p[id] = NULL;
        s->size[id] = 0;
    }
}

/* Slot to's buffer for at least bytes, taking held slot from's buffer when it is big enough
 * and to's is not: memory already touched by one stage is reused by the next instead of
 * being given back and faulted in again. from is released. NULL when out of memory. */
static void *sc_pass(ascratch *s, unsigned from, unsigned to, size_t bytes)
{
    if (s && s->size[to] < bytes && s->size[from] >= bytes) {
        void *p = s->p[to];
        size_t z = s->size[to];
        s->p[to] = s->p[from];
        s->size[to] = s->size[from];
        s->p[from] = p;
        s->size[from] = z;
    }
    if (s) {
        s->hold[from] = 0;
        sc_put(s, from, s->p[from]);
    }
    return sc_get(s, to, bytes);
}

/* A growable array in slot id: *pp and *cap (elements of elem bytes) start from the slot's
 * buffer; sc_grow is ovl__grow that keeps the slot pointing at the array. */
static void sc_start(ascratch *s, unsigned id, void *pp, size_t *cap, size_t elem)
{
    *(void **)pp = s ? s->p[id] : NULL;
    *cap = s ? s->size[id] / elem : 0;
}

static int sc_grow(ascratch *s, unsigned id, void *pp, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    int r = ovl__grow(pp, cap, need, elem);
    if (s) {
        s->p[id] = *(void **)pp;
        s->size[id] = *cap * elem;
    }
    return r;
}

/* After a call: the slots above SC_KEEP_SLOT, then the largest until the rest fits
 * SC_KEEP_TOTAL, are emptied. */
static void sc_end(ascratch *s)
{
    size_t total = 0;
    memset(s->hold, 0, sizeof s->hold);
    for (unsigned i = 0; i < SC_NSLOTS; i++) {
        if (s->size[i] > SC_KEEP_SLOT) {
            free(s->p[i]);
            s->p[i] = NULL;
            s->size[i] = 0;
        }
        total += s->size[i];
    }
    while (total > SC_KEEP_TOTAL) {
        unsigned big = 0;
        for (unsigned i = 1; i < SC_NSLOTS; i++)
            if (s->size[i] > s->size[big])
                big = i;
        total -= s->size[big];
        free(s->p[big]);
        s->p[big] = NULL;
        s->size[big] = 0;
    }
}

/* The ctx's scratch (made on first use); without a ctx, or when that fails, *local, for one
 * call only: scratch_close then frees what it holds. */
static ascratch *scratch_open(ovl_ctx *ctx, ascratch *local)
{
    ascratch *s = ctx ? ctx->align_scratch : NULL;
    if (ctx && !s) {
        s = ctx->align_scratch = calloc(1, sizeof *s);
        ctx->align_scratch_free = scratch_free;
    }
    if (!s) {
        memset(local, 0, sizeof *local);
        s = local;
    }
    return s;
}

static void scratch_close(ascratch *s, ascratch *local)
{
    if (s == local) {
        for (unsigned i = 0; i < SC_NSLOTS; i++)
            free(local->p[i]);
    } else {
        sc_end(s);
    }
}

/* Equal runs of a shortest edit script between the tokens ta[0,n) and tb[0,m) (align_diff.c),
 * with their hashes copied into scratch slots SC_HA and SC_HB (a passage's range: the
 * documents' hashes are read in place elsewhere), the diagonal arrays and *runs in slots
 * SC_DIFFV and SC_RUNS (release *runs with sc_put). */
static int diff_runs(ascratch *s, const ovl__tok *ta, size_t n, const ovl__tok *tb, size_t m,
                     ovl__eqrun **runs, size_t *nruns)
{
    size_t cap;
    sc_start(s, SC_RUNS, runs, &cap, sizeof **runs);
    uint64_t *a = sc_get(s, SC_HA, sizeof *a * (n + 1));
    uint64_t *b = sc_get(s, SC_HB, sizeof *b * (m + 1));
    int64_t *v = sc_get(s, SC_DIFFV, sizeof(int64_t) * 2 * (n + m + 3));
    if (!a || !b || !v) {
        sc_put(s, SC_HA, a);
        sc_put(s, SC_HB, b);
        sc_put(s, SC_DIFFV, v);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        a[i] = ta[i].hash;
    for (size_t i = 0; i < m; i++)
        b[i] = tb[i].hash;
    int r = ovl__diff_runs(a, n, b, m, v, runs, &cap, nruns);
    if (s) {
        s->p[SC_RUNS] = *runs;
        s->size[SC_RUNS] = cap * sizeof **runs;
    }
    sc_put(s, SC_HA, a);
    sc_put(s, SC_HB, b);
    sc_put(s, SC_DIFFV, v);
    if (r) {
        sc_put(s, SC_RUNS, *runs);
        *runs = NULL;
    }
    return r;
}

/* ------------------------------------------------------------------------------------------
 * Passage search. Works on token hash arrays of both ranges (indices relative to the range).
 * ------------------------------------------------------------------------------------------ */

/* A hint to load what a loop will read a few steps on (read at random, so not predicted). */
#if defined(__GNUC__) || defined(__clang__)
#define OVL_PREFETCH(ptr) __builtin_prefetch(ptr)
#else
#define OVL_PREFETCH(ptr) ((void)0)
#endif

typedef struct mem {
    uint32_t a, b, len;
} mem;

typedef struct chain {
    uint32_t a0, a1, b0, b1; /* token ranges, relative */
    double score;
    uint32_t first, n; /* anchors in the chain array (fewer than 2^32, as all anchors) */
    int keep; /* 0: dropped, 1: kept, 2 / 3: kept as weak (a short repeat of B's / A's text) */
} chain;

#define LOOKBACK 256u
#define MIN_SIMILARITY 0.5
#define MAX_MEMS_PER_TOKEN 8u
#define SEED_AHEAD 16u
#define PF_TABLE_BYTES ((size_t)1 << 20)
#define PROBE_AHEAD 8u
#define PROBE_RING 16u /* a power of two above PROBE_AHEAD */

static inline unsigned popcount64(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    return (unsigned)__builtin_popcountll(x);
#else
    unsigned c = 0;
    for (; x; x &= x - 1)
        c++;
    return c;
#endif
}

/* Index of the lowest bit set in x (x != 0). */
static inline unsigned ctz32(unsigned x)
{
#if defined(__GNUC__) || defined(__clang__)
    return (unsigned)__builtin_ctz(x);
#else
    unsigned c = 0;
    for (; !(x & 1u); x >>= 1)
        c++;
    return c;
#endif
}

static uint64_t mix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* LSD radix sorts on a 64-bit key per element, BITS a pass, passes whose digit is the same
 * in every element skipped (one counting pass finds them all). Stable, so on keys that order
 * all elements as the comparators they replace do they give the same order as qsort; they
 * take a few passes over the data instead of n log n comparator calls (3.5 M anchors of two
 * 10 MB documents, sorted twice). */

/* Defines static int name(ascratch *s, T *arr, size_t n, uint64_t ctx), sorting arr by
 * keyfn(&elem, ctx) ascending (stable), with its buffers from s. Short arrays (a pair of small
 * documents) are insertion-sorted: the same stable order without clearing the counters.
 * Only the digits below the highest bit set in some key are counted. -1: out of memory, arr
 * untouched. */
#define RADIX_SMALL 48
#define RADIX_SORT_DEF(name, T, keyfn, BITS)                                                       \
    static int name(ascratch *s, T *arr, size_t n, uint64_t ctx)                                   \
    {                                                                                              \
        if (n < 2)                                                                                 \
            return 0;                                                                              \
        if (n <= RADIX_SMALL) {                                                                    \
            for (size_t r = 1; r < n; r++) {                                                       \
                T x = arr[r];                                                                      \
                uint64_t key = keyfn(&x, ctx);                                                     \
                size_t q = r;                                                                      \
                while (q > 0 && keyfn(&arr[q - 1], ctx) > key) {                                   \
                    arr[q] = arr[q - 1];                                                           \
                    q--;                                                                           \
                }                                                                                  \
                arr[q] = x;                                                                        \
            }                                                                                      \
            return 0;                                                                              \
        }                                                                                          \
        uint64_t any = 0;                                                                          \
        for (size_t r = 0; r < n; r++)                                                             \
            any |= keyfn(&arr[r], ctx);                                                            \
        unsigned nd = 1;                                                                           \
        while (nd < (64 + (BITS) - 1) / (BITS) && (any >> (nd * (BITS))) != 0)                     \
            nd++;                                                                                  \
        T *src = arr, *dst = sc_get(s, SC_RTMP, sizeof *dst * n);                                  \
        size_t *cnt = sc_zget(s, SC_RCNT, sizeof *cnt * nd * (1u << (BITS)));                      \
        if (!dst || !cnt) {                                                                        \
            sc_put(s, SC_RTMP, dst);                                                               \
            sc_put(s, SC_RCNT, cnt);                                                               \
            return -1;                                                                             \
        }                                                                                          \
        for (size_t r = 0; r < n; r++) {                                                           \
            uint64_t key = keyfn(&src[r], ctx);                                                    \
            for (unsigned p = 0; p < nd; p++)                                                      \
                cnt[p * (1u << (BITS)) + ((key >> (p * (BITS))) & ((1u << (BITS)) - 1))]++;        \
        }                                                                                          \
        for (unsigned p = 0; p < nd; p++) {                                                        \
            size_t *c = cnt + p * (1u << (BITS));                                                  \
            unsigned sh = p * (BITS);                                                              \
            if (c[(keyfn(&src[0], ctx) >> sh) & ((1u << (BITS)) - 1)] == n)                        \
                continue;                                                                          \
            size_t sum = 0;                                                                        \
            for (size_t d = 0; d < (1u << (BITS)); d++) {                                          \
                size_t x = c[d];                                                                   \
                c[d] = sum;                                                                        \
                sum += x;                                                                          \
            }                                                                                      \
            for (size_t r = 0; r < n; r++)                                                         \
                dst[c[(keyfn(&src[r], ctx) >> sh) & ((1u << (BITS)) - 1)]++] = src[r];             \
            T *t = src;                                                                            \
            src = dst;                                                                             \
            dst = t;                                                                               \
        }                                                                                          \
        if (src != arr)                                                                            \
            memcpy(arr, src, sizeof *arr * n);                                                     \
        sc_put(s, SC_RTMP, src != arr ? src : dst);                                                \
        sc_put(s, SC_RCNT, cnt);                                                                   \
        return 0;                                                                                  \
    }

/* (a, b) order as one number: b < ctx (the length of b's range). */
static inline uint64_t mem_key(const mem *x, uint64_t ctx)
{
    return (uint64_t)x->a * ctx + x->b;
}

RADIX_SORT_DEF(sort_mems_11, mem, mem_key, 11)
RADIX_SORT_DEF(sort_mems_14, mem, mem_key, 14)

/* Anchors in (a, b) order. Millions of them (two large documents) take fewer passes with
 * wider digits; a few thousand, fewer counters to clear with narrower ones. */
static int sort_mems(ascratch *s, mem *arr, size_t n, uint64_t ctx)
{
    return n >= ((size_t)1 << 18) ? sort_mems_14(s, arr, n, ctx) : sort_mems_11(s, arr, n, ctx);
}

/* Positions of a's k-grams by hash: an open-addressing table (hashes are already mixed, so
 * their low bits index it) whose slots hold a k-gram's count and where its positions start in
 * one array that lists each k-gram's positions together, in increasing order. Two passes over
 * a to build, one probe per b k-gram, and a k-gram's positions are read in a row (positions
 * chained through a next-array cost a cache miss each; a sorted array needed a sort and a
 * binary search per lookup). */
typedef struct kslot {
    uint64_t g;
    uint32_t head, count; /* head: first of its positions in the array; count 0: empty slot */
} kslot;

/* Slot of hash g in the table (mask: its size less one), SIZE_MAX when absent. */
/* A k-gram's hash before mixing: the polynomial sum h[i + t] P^(k-1-t) modulo 2^64, rolled
 * along the tokens (the table, the index and the probes all roll it alike). */
#define KGRAM_P 0x100000001B3ull

/* P^(k-1): what the token leaving a rolled k-gram weighs. */
static inline uint64_t kgram_pk(unsigned k)
{
    uint64_t pk = 1;
    for (unsigned q = 0; q + 1 < k; q++)
        pk *= KGRAM_P;
    return pk;
}

/* Rolled hash h of the k-gram ending at token x-1 moved on to the one ending at x. */
static inline uint64_t kgram_roll(uint64_t h, const ovl__tok *t, size_t x, unsigned k, uint64_t pk)
{
    return (x >= k ? h - t[x - k].hash * pk : h) * KGRAM_P + t[x].hash;
}

/* Slot of mixed k-gram hash g in an open-addressing table: its own, or the empty one where
 * it would go. */
static inline size_t kslot_at(const kslot *tab, size_t mask, uint64_t g)
{
    size_t h = (size_t)g & mask;
    while (tab[h].count && tab[h].g != g)
        h = (h + 1) & mask;
    return h;
}

static inline size_t kslot_find(const kslot *tab, size_t mask, uint64_t g)
{
    size_t h = kslot_at(tab, mask, g);
    return tab[h].count ? h : SIZE_MAX;
}

/* The k-gram table find_mems builds for a range, built once for a whole document with its
 * positions counted from the document's start: a work unit's centre is aligned against up to
 * UNIT_PAIRS partners in a row (src/scan.c), and building its table for each pair was most of
 * the time of the many pairs that share nothing. A range's k-grams are those whose positions
 * lie in it (a binary search in each k-gram's positions), so the seeds, their counts and the
 * anchors are the same as from the range's own table. */
struct ovl__kindex {
    const ovl_doc *doc;  /* compared only */
    const uint8_t *mask; /* the mask it was built with (NULL: none); compared only */
    size_t n;            /* the document's tokens */
    unsigned k;
    kslot *tab;
    size_t tmask; /* table size less one */
    uint32_t *pos;
    uint64_t *paras; /* para_starts of the whole document */
    uint8_t *tags;   /* per slot: 0 empty, else a byte of its hash (kx_find) */
    size_t ncjk, nword; /* the document's CJK and word tokens */
};

/* A k-gram's tag: 8 bits of its hash that do not pick its slot, never 0. */
static inline uint8_t kx_tag(uint64_t g)
{
    uint8_t t = (uint8_t)(g >> 56);
    return t ? t : 1;
}

/* kslot_find in the index: the same slot, probing a byte a slot (a table of 16 times fewer
 * bytes, that a core's cache holds where the slots are read from further out). */
static inline size_t kx_find(const ovl__kindex *x, uint64_t g)
{
    const uint8_t tg = kx_tag(g);
    for (size_t h = (size_t)g & x->tmask;; h = (h + 1) & x->tmask) {
        uint8_t t = x->tags[h];
        if (!t)
            return SIZE_MAX;
        if (t == tg && x->tab[h].g == g)
            return h;
    }
}

static void para_starts(const ovl_doc *doc, const ovl__tok *tk, size_t n, uint64_t *out);

void ovl__kindex_free(ovl__kindex *x)
{
    if (!x)
        return;
    free(x->tab);
    free(x->pos);
    free(x->paras);
    free(x->tags);
    free(x);
}

int ovl__kindex_build(const ovl_doc *d, const uint8_t *mask, unsigned k, ovl__kindex **out)
{
    *out = NULL;
    const ovl__tok *ta = d->norm->tokens;
    size_t n = d->norm->ntokens;
    if (k == 0 || n >= UINT32_MAX / 4)
        return OVL_ERR_TOOBIG;
    size_t na = n >= k ? n - k + 1 : 0, tsize = 16;
    while (tsize < na + na / 3)
        tsize *= 2;
    ovl__kindex *x = calloc(1, sizeof *x);
    uint32_t *slot = malloc((na + 1) * sizeof *slot);
    if (!x || !slot || !(x->tab = calloc(tsize, sizeof *x->tab)) ||
        !(x->pos = malloc((na + 1) * sizeof *x->pos)) ||
        !(x->paras = malloc((n / 64 + 2) * sizeof *x->paras)) || !(x->tags = calloc(tsize, 1))) {
        free(slot);
        ovl__kindex_free(x);
        return OVL_ERR_NOMEM;
    }
    para_starts(d, ta, n, x->paras);
    x->paras[n / 64 + 1] = 0;
    x->doc = d;
    x->mask = mask;
    x->n = n;
    x->k = k;
    x->tmask = tsize - 1;
    uint64_t pk = kgram_pk(k), acc = 0;
    for (size_t t = 0; t < n; t++) {
        acc = kgram_roll(acc, ta, t, k, pk);
        if (t + 1 < k)
            continue;
        size_t i = t + 1 - k;
        slot[i] = UINT32_MAX;
        if (mask && mask[i] && mask[i + k - 1])
            continue;
        uint64_t g = mix64(acc);
        size_t h = kslot_at(x->tab, x->tmask, g);
        x->tab[h].g = g;
        x->tab[h].count++;
        x->tags[h] = kx_tag(g);
        slot[i] = (uint32_t)h;
    }
    for (size_t t = 0; t < n; t++) {
        x->ncjk += ovl__tok_kind(&ta[t]) == OVL_TOK_CJK;
        x->nword += ovl__tok_kind(&ta[t]) == OVL_TOK_WORD;
    }
    uint32_t at = 0;
    for (size_t h = 0; h < tsize; h++) {
        at += x->tab[h].count;
        x->tab[h].head = at;
    }
    for (size_t i = na; i-- > 0;)
        if (slot[i] != UINT32_MAX)
            x->pos[--x->tab[slot[i]].head] = (uint32_t)i;
    free(slot);
    *out = x;
    return OVL_OK;
}

/* The anchor of seed (i, j) (relative positions in a and b whose k-grams hash alike; j's bit
 * set in seeded) appended to *mems (scratch slot SC_MEMS, *nm used of *cap), unless the k
 * tokens differ (a hash collision) or the seed lies inside a match found from an earlier seed
 * of its diagonal (see find_mems_masked). 0, or -1 when out of memory. */
static inline int seed_anchor(ascratch *sc, const ovl__tok *ta, size_t n, const ovl__tok *tb,
                              size_t m, unsigned k, const uint8_t *sa, const uint64_t *seeded,
                              size_t i, size_t j, mem **mems, size_t *nm, size_t *cap)
{
    unsigned q = 0;
    while (q < k && ta[i + q].hash == tb[j + q].hash)
        q++;
    if (q < k)
        return 0; /* k-gram hash collision */
    size_t s = 0;
    while (s < i && s < j && ta[i - s - 1].hash == tb[j - s - 1].hash) {
        s++;
        size_t jb = j - s;
        if ((seeded[jb / 64] >> (jb % 64) & 1) && !(sa && sa[i - s] && sa[i - s + k - 1]))
            return 0;
    }
    size_t len = k;
    while (i + len < n && j + len < m && ta[i + len].hash == tb[j + len].hash)
        len++;
    /* Anchors are counted in 32 bits (4 G of them would take 48 GB). */
    if (*nm + 1 >= UINT32_MAX || sc_grow(sc, SC_MEMS, mems, cap, *nm + 1, sizeof **mems))
        return -1;
    (*mems)[(*nm)++] = (mem){(uint32_t)(i - s), (uint32_t)(j - s), (uint32_t)(len + s)};
    return 0;
}

/* Sorts the nm anchors found (room for cap) in the chain DP's order and hands them to *out
 * (NULL in *mems then); -1 when out of memory, *mems still the caller's to give back. */
static int mems_finish(ascratch *sc, mem **mems, size_t nm, size_t cap, size_t m, mem **out,
                       size_t *nout)
{
    /* The sort's buffer, as large as the anchors, is the chain DP's next (sc_pass). */
    if (sc)
        sc->hold[SC_RTMP] = 1;
    if (sort_mems(sc, *mems, nm, (uint64_t)m + 1))
        return -1;
    if (nm > 0 && (!sc || sizeof **mems * cap > SC_KEEP_SLOT)) {
        /* A big array, not kept past the call, grew by doubling: give back what is unused. */
        mem *fit = realloc(*mems, sizeof **mems * nm);
        if (fit) {
            *mems = fit;
            if (sc) {
                sc->p[SC_MEMS] = fit;
                sc->size[SC_MEMS] = sizeof **mems * nm;
            }
        }
    }
    *out = *mems;
    *nout = nm;
    *mems = NULL;
    return 0;
}

/* find_mems_masked with a's k-grams looked up in ix, the index of a's whole document (built
 * with sa's mask and seed length k), a's range starting at token off of it: the same anchors
 * in the same order. */
static int find_mems_indexed(ascratch *sc, const ovl__tok *ta, size_t n, const ovl__tok *tb,
                             size_t m, unsigned k, unsigned max_occ, const uint8_t *sa,
                             const uint8_t *sb, const ovl__kindex *ix, size_t off, mem **out,
                             size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (n < k || m < k)
        return 0;
    size_t na = n - k + 1, nb = m - k + 1;
    const kslot *tab = ix->tab;
    const uint32_t *pos = ix->pos;
    const size_t mask = ix->tmask;
    const int pf = mask + 1 > PF_TABLE_BYTES / 16; /* tags beyond a core's L1 and L2 share */
    const int whole = off == 0 && n == ix->n;
    mem *mems = NULL;
    size_t nm = 0, cap = 0;
    sc_start(sc, SC_MEMS, &mems, &cap, sizeof *mems);
    size_t limit = MAX_MEMS_PER_TOKEN * (n + m) + 1024;
    int rc = -1;
    uint64_t *seeded = sc_zget(sc, SC_COVER, sizeof *seeded * (nb / 64 + 1));
    if (!seeded)
        goto done;
    uint64_t pk = kgram_pk(k), acc = 0, ahead = 0;
    for (size_t x = 0; pf && x < SEED_AHEAD && x < m; x++)
        ahead = kgram_roll(ahead, tb, x, k, pk);
    for (size_t t = 0; t < m; t++) {
        size_t x = t + SEED_AHEAD;
        if (pf && x < m) {
            ahead = kgram_roll(ahead, tb, x, k, pk);
            OVL_PREFETCH(&ix->tags[(size_t)mix64(ahead) & mask]);
        }
        acc = kgram_roll(acc, tb, t, k, pk);
        if (t + 1 < k)
            continue;
        size_t j = t + 1 - k;
        if (nm >= limit)
            break;
        if (sb && sb[j] && sb[j + k - 1])
            continue;
        size_t h = kx_find(ix, mix64(acc));
        if (h == SIZE_MAX)
            continue;
        const uint32_t *pi = pos + tab[h].head;
        uint32_t cn = tab[h].count;
        if (!whole) {
            uint32_t lo = (uint32_t)ovl__first_at(pi, cn, off);
            cn = (uint32_t)ovl__first_at(pi, cn, off + na) - lo;
            pi += lo;
        }
        if (cn == 0 || cn > max_occ)
            continue;
        seeded[j / 64] |= UINT64_C(1) << (j % 64);
        for (uint32_t c = 0; c < cn; c++) {
            if (c + 2 < cn)
                OVL_PREFETCH(&ta[pi[c + 2] - off]);
            if (seed_anchor(sc, ta, n, tb, m, k, sa, seeded, pi[c] - off, j, &mems, &nm, &cap))
                goto done;
        }
    }
    sc_put(sc, SC_COVER, seeded);
    seeded = NULL;
    if (mems_finish(sc, &mems, nm, cap, m, out, nout) == 0)
        rc = 0;
done:
    sc_put(sc, SC_COVER, seeded);
    sc_put(sc, SC_MEMS, mems);
    return rc;
}

/* Maximal exact matches of length >= k seeded by k-grams occurring at most max_occ times in a.
 * sa / sb (NULL: none) flag tokens of recurring text: a k-gram whose first and last tokens are
 * flagged seeds nothing (matches still extend through such tokens). *out is scratch slot
 * SC_MEMS of s (malloc'd when s is NULL).
 *
 * A seed (i, j) inside a match found already from an earlier seed of the same diagonal is
 * skipped. Such an earlier seed is one of the positions the left extension walks over: a b
 * position already looked up that seeded (its k-gram was in the table at most max_occ times:
 * bit j of seeded) paired with an a position in the table (not recurring text). So the walk
 * answers it, on cache lines the extension reads anyway, instead of a per-diagonal array of
 * match ends (n + m words read at random: a third of the search's time on two 10 MB
 * documents). Both sides' k-gram hashes are rolled as they are read, not stored. */
static int find_mems_masked(ascratch *sc, const ovl__tok *ta, size_t n, const ovl__tok *tb,
                            size_t m, unsigned k, unsigned max_occ, const uint8_t *sa,
                            const uint8_t *sb, mem **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (n < k || m < k)
        return 0;
    size_t na = n - k + 1, nb = m - k + 1;
    /* At most half full while the table fits a core's cache, at most three quarters above
     * (linear probing; most k-grams of real text are distinct). Early loads (SEED_AHEAD,
     * PROBE_AHEAD) only pay where the table does not fit: a corpus scan's many small pairs
     * hash each position once. */
    size_t tsize = 16;
    while (tsize < na + na / 3 || (tsize < 2 * na && tsize * sizeof(kslot) <= PF_TABLE_BYTES))
        tsize *= 2;
    const int pf = tsize * sizeof(kslot) > PF_TABLE_BYTES;
    kslot *tab = sc_zget(sc, SC_TAB, sizeof *tab * tsize);
    uint32_t *pos = sc_get(sc, SC_POS, sizeof *pos * na);
    uint32_t *slot = sc_get(sc, SC_SLOT, sizeof *slot * na);
    uint32_t *used = sc_get(sc, SC_KUSED, sizeof *used * na); /* slots in use */
    size_t nused = 0;
    uint64_t *seeded = NULL;
    mem *mems = NULL;
    size_t nm = 0, cap = 0;
    sc_start(sc, SC_MEMS, &mems, &cap, sizeof *mems);
    size_t limit = MAX_MEMS_PER_TOKEN * (n + m) + 1024;
    const size_t mask = tsize - 1;
    int rc = -1;
    if (!tab || !pos || !slot || !used)
        goto done;
    /* A k-gram's hash: mix64 of the polynomial sum h[i + t] P^(k-1-t) modulo 2^64, rolled
     * along each side. The table is read at random: a second hash, rolled SEED_AHEAD
     * positions on, tells which slot to load early. */
    uint64_t pk = kgram_pk(k), acc = 0, ahead = 0;
    /* Pass 1: each k-gram counted, each position's slot noted (UINT32_MAX: recurring text). */
    for (size_t x = 0; pf && x < SEED_AHEAD && x < n; x++)
        ahead = kgram_roll(ahead, ta, x, k, pk);
    for (size_t t = 0; t < n; t++) {
        acc = kgram_roll(acc, ta, t, k, pk);
        size_t x = t + SEED_AHEAD;
        if (pf && x < n) {
            ahead = kgram_roll(ahead, ta, x, k, pk);
            OVL_PREFETCH(&tab[(size_t)mix64(ahead) & mask]);
        }
        if (t + 1 < k)
            continue;
        size_t i = t + 1 - k;
        slot[i] = UINT32_MAX;
        if (sa && sa[i] && sa[i + k - 1])
            continue;
        uint64_t g = mix64(acc);
        size_t h = kslot_at(tab, mask, g);
        if (!tab[h].count)
            used[nused++] = (uint32_t)h;
        tab[h].g = g;
        tab[h].count++;
        slot[i] = (uint32_t)h;
    }
    /* Pass 2: the positions of each k-gram placed together, in increasing order: each
     * k-gram's head set past its share, then positions placed from the last back. Only the
     * slots in use are visited (a scan's small pairs: the table is mostly empty). */
    uint32_t at = 0;
    for (size_t u = 0; u < nused; u++) {
        at += tab[used[u]].count;
        tab[used[u]].head = at;
    }
    sc_put(sc, SC_KUSED, used);
    used = NULL;
    for (size_t i = na; i-- > 0;) {
        if (pf && i >= SEED_AHEAD && slot[i - SEED_AHEAD] != UINT32_MAX)
            OVL_PREFETCH(&tab[slot[i - SEED_AHEAD]]);
        if (slot[i] != UINT32_MAX)
            pos[--tab[slot[i]].head] = (uint32_t)i;
    }
    sc_put(sc, SC_SLOT, slot); /* only the table and the positions are read from here on */
    slot = NULL;
    seeded = sc_zget(sc, SC_COVER, sizeof *seeded * (nb / 64 + 1));
    if (!seeded)
        goto done;
    /* b's k-grams are looked up PROBE_AHEAD positions before they are used (their slot loaded
     * SEED_AHEAD positions before that), and their first positions' text is loaded half way
     * between: the misses of successive lookups overlap instead of following each other.
     * found[x % PROBE_RING]: the slot of the k-gram ending at x, SIZE_MAX when a lacks it. */
    size_t found[PROBE_RING];
    acc = ahead = 0;
    for (size_t x = 0; pf && x < SEED_AHEAD && x < m; x++)
        ahead = kgram_roll(ahead, tb, x, k, pk);
    for (size_t x = 0; x < PROBE_AHEAD && x < m; x++) {
        acc = kgram_roll(acc, tb, x, k, pk);
        if (x + 1 >= k)
            found[x % PROBE_RING] = kslot_find(tab, mask, mix64(acc));
    }
    for (size_t t = 0; t < m; t++) {
        size_t x = t + SEED_AHEAD;
        if (pf && x < m) {
            ahead = kgram_roll(ahead, tb, x, k, pk);
            OVL_PREFETCH(&tab[(size_t)mix64(ahead) & mask]);
        }
        x = t + PROBE_AHEAD;
        if (x < m) {
            acc = kgram_roll(acc, tb, x, k, pk);
            if (x + 1 >= k) {
                size_t hx = kslot_find(tab, mask, mix64(acc));
                found[x % PROBE_RING] = hx;
                if (pf && hx != SIZE_MAX)
                    OVL_PREFETCH(pos + tab[hx].head);
            }
        }
        x = t + PROBE_AHEAD / 2;
        if (pf && x < m && x + 1 >= k) {
            size_t hx = found[x % PROBE_RING];
            if (hx != SIZE_MAX && tab[hx].count <= max_occ) {
                OVL_PREFETCH(&ta[pos[tab[hx].head]]);
                if (tab[hx].count > 1)
                    OVL_PREFETCH(&ta[pos[tab[hx].head + 1]]);
            }
        }
        if (t + 1 < k)
            continue;
        size_t j = t + 1 - k;
        if (nm >= limit)
            break;
        if (sb && sb[j] && sb[j + k - 1])
            continue;
        size_t h = found[t % PROBE_RING];
        if (h == SIZE_MAX || tab[h].count > max_occ)
            continue;
        seeded[j / 64] |= UINT64_C(1) << (j % 64);
        const uint32_t *pi = pos + tab[h].head;
        for (uint32_t c = 0, cn = tab[h].count; c < cn; c++) {
            uint32_t i = pi[c];
            if (c + 2 < cn)
                OVL_PREFETCH(&ta[pi[c + 2]]);
            if (seed_anchor(sc, ta, n, tb, m, k, sa, seeded, i, j, &mems, &nm, &cap))
                goto done;
        }
    }
    /* The search's tables are not needed for the sort: released first (peak memory). */
    sc_put(sc, SC_TAB, tab);
    sc_put(sc, SC_POS, pos);
    sc_put(sc, SC_COVER, seeded);
    tab = NULL;
    pos = NULL;
    seeded = NULL;
    if (mems_finish(sc, &mems, nm, cap, m, out, nout) == 0)
        rc = 0;
done:
    sc_put(sc, SC_TAB, tab);
    sc_put(sc, SC_POS, pos);
    sc_put(sc, SC_SLOT, slot);
    sc_put(sc, SC_KUSED, used);
    sc_put(sc, SC_COVER, seeded);
    sc_put(sc, SC_MEMS, mems);
    return rc;
}

typedef struct aln {
    const ovl__tok *ta, *tb; /* the ranges' tokens: hashes and kinds read in place (a copy of
                                 the hashes was 8 bytes a token of both documents) */
    const uint64_t *pa, *pb; /* bit t: token t of a's (b's) range is in another paragraph
                                than token t - 1 (para_starts; same_para reads them) */
    size_t n, m;
    unsigned k, max_gap, max_occ;
    double min_cjk, min_words;
    ascratch *s; /* work arrays (NULL: malloc'd) */
} aln;

/* Gap penalty between two consecutive anchors, in quarter tokens (0.25 a substituted token,
 * 0.5 an inserted or deleted one): unequal gaps (insertions, deletions) cost more than equal
 * ones (substitutions), so a reworded stretch stays inside its passage. */
static int64_t gap_cost4(int64_t ga, int64_t gb)
{
    int64_t lo = ga < gb ? ga : gb, hi = ga < gb ? gb : ga;
    return lo + 2 * (hi - lo);
}

/* Score, in quarter tokens, of chaining anchor j (chain score fj) before anchor i, or -1 when
 * j cannot precede i: j must end before i on both sides and, once any overlap is taken off,
 * leave gaps of at most max_gap. */
static inline int chain_link(const aln *al, const mem *mj, int64_t ai, int64_t bi, int64_t li,
                             int64_t fj, int64_t *sc)
{
    int64_t aj = mj->a, bj = mj->b, lj = mj->len;
    if (aj >= ai || bj >= bi || aj + lj >= ai + li || bj + lj >= bi + li)
        return -1;
    int64_t ga = ai - (aj + lj), gb = bi - (bj + lj);
    int64_t ov = 0;
    if (-ga > ov)
        ov = -ga;
    if (-gb > ov)
        ov = -gb;
    ga += ov;
    gb += ov;
    if (ga > (int64_t)al->max_gap || gb > (int64_t)al->max_gap)
        return -1;
    *sc = fj + 4 * (li - ov) - gap_cost4(ga, gb);
    return 0;
}

/* Chains MEMs (sorted by a, b) into collinear groups. f: chain score ending at each anchor,
 * in quarter tokens (a chain scores its tokens less its gaps' costs, at most the tokens of a it
 * spans: below 2^32 quarters, as a range has fewer than 2^30 tokens); the predecessor, when
 * there is one (bit i of has), is anchor i - 1 - pd[i] (pred_of): it is one of the LOOKBACK
 * anchors before i, so a byte holds it where an index took 4 (10 MB on two 10 MB documents,
 * whose 3.5 M anchors mostly have none). The predecessor of anchor i is the best-scoring of the
 * LOOKBACK anchors before it in (a, b) order, the nearest on ties. A predecessor's diagonal
 * (a - b) is within max_gap of i's (its gaps, after the overlap is taken off, differ by the
 * difference of the diagonals and are at most max_gap), so instead of all LOOKBACK anchors only
 * those on the 2 max_gap + 1 nearest diagonals are looked at, each diagonal's anchors from the
 * latest back: anchors on one diagonal are disjoint and in order, so the walk stops at the
 * first that ends more than max_gap before i. On two 10 MB documents with 3.5 M anchors this
 * looked at 900 M candidates before.
 *
 * Only the LOOKBACK anchors before i can be predecessors, so the per-diagonal lists need not
 * span the documents: diagonals share at most DIAG_SLOTS lists by their low bits (anchors of
 * another diagonal on a list are passed over), the links live in a ring of the last DIAG_RING
 * anchors, and a list entry older than the window is the end of the list. At most 272 KB that
 * stay in the cache, where lists per diagonal and a link per anchor were 7 bytes an anchor
 * plus 4 a token, read at random. Returns -1 when out of memory. */
#define DIAG_GROUP 16u
#ifndef DIAG_SLOTS /* tests/test_align_equiv.c sets a few, so that many diagonals share lists */
#define DIAG_SLOTS ((size_t)1 << 16)
#endif
#define DIAG_RING 512u /* a power of two above LOOKBACK */
#define NO_PRED UINT32_MAX

/* Predecessor of anchor i (chain_dp's pd and has), NO_PRED when it has none. */
static inline uint32_t pred_of(const uint8_t *pd, const uint64_t *has, size_t i)
{
    return has[i / 64] >> (i % 64) & 1 ? (uint32_t)(i - 1 - pd[i]) : NO_PRED;
}

static int chain_dp(const aln *al, const mem *mm, size_t nm, uint32_t *f, uint8_t *pd,
                    uint64_t *has)
{
    const int64_t G = (int64_t)al->max_gap;
    const size_t nd = al->n + al->m + 1;
    /* Index + 1 of the latest anchor on a list of diagonals, of the one before it on its
     * list (ring), and of the latest on a group of DIAG_GROUP diagonals (most groups near an
     * anchor have none in the window: one look skips them); 0: none. Documents of fewer than
     * DIAG_SLOTS diagonals have a list each. */
    uint32_t *last = NULL, *lastg = NULL, link[DIAG_RING];
    /* Per group, a bit per list that may hold an anchor of the window: set when one is put
     * on it, cleared when its latest turns out older than the window (it stays so until the
     * next is put on it). Dense anchors keep most groups near one busy, but few of their
     * lists: the lists without a bit are not read. */
    uint16_t *live = NULL;
    size_t ns = DIAG_GROUP;
    while (ns < nd && ns < DIAG_SLOTS)
        ns *= 2;
    const size_t smask = ns - 1, gmask = ns / DIAG_GROUP - 1;
    if (nm >= NO_PRED)
        return -1;
    memset(has, 0, sizeof *has * (nm / 64 + 1));
    if (2 * (size_t)G + 1 < LOOKBACK) {
        last = sc_zget(al->s, SC_LAST, sizeof *last * ns);
        lastg = sc_zget(al->s, SC_LASTG, sizeof *lastg * (ns / DIAG_GROUP));
        live = sc_zget(al->s, SC_LIVE, sizeof *live * (ns / DIAG_GROUP));
        if (!last || !lastg || !live) {
            sc_put(al->s, SC_LAST, last);
            sc_put(al->s, SC_LASTG, lastg);
            sc_put(al->s, SC_LIVE, live);
            return -1;
        }
    }
    for (size_t i = 0; i < nm; i++) {
        int64_t best = 4 * (int64_t)mm[i].len, sc;
        uint32_t bp = NO_PRED;
        int64_t ai = mm[i].a, bi = mm[i].b, li = mm[i].len;
        size_t lo = i > LOOKBACK ? i - LOOKBACK : 0;
        if (!last) {
            for (size_t jj = i; jj-- > lo;) {
                if (chain_link(al, &mm[jj], ai, bi, li, f[jj], &sc) == 0 && sc > best) {
                    best = sc;
                    bp = (uint32_t)jj;
                }
            }
        } else {
            size_t di = (size_t)(ai - bi + (int64_t)al->m);
            size_t d0 = di > (size_t)G ? di - (size_t)G : 0;
            size_t d1 = di + (size_t)G < nd ? di + (size_t)G : nd - 1;
            for (size_t g = d0 / DIAG_GROUP; g <= d1 / DIAG_GROUP; g++) {
                uint32_t xg = lastg[g & gmask];
                if (!xg || xg - 1 < lo)
                    continue;
                size_t e0 = g * DIAG_GROUP > d0 ? g * DIAG_GROUP : d0;
                size_t e1 = g * DIAG_GROUP + DIAG_GROUP - 1 < d1 ? g * DIAG_GROUP + DIAG_GROUP - 1 : d1;
                uint16_t *lv = &live[g & gmask];
                /* The group's lists from e0 to e1 that may hold one (the order of the lists
                 * read does not matter: the best score wins, the nearest among equals). */
                unsigned bits = *lv & (0xFFFFu >> (DIAG_GROUP - 1 - e1 % DIAG_GROUP)) &
                                (0xFFFFu << (e0 % DIAG_GROUP));
                for (; bits; bits &= bits - 1) {
                    size_t d = g * DIAG_GROUP + (size_t)ctz32(bits);
                    uint32_t x0 = last[d & smask];
                    if (!x0 || x0 - 1 < lo) {
                        *lv &= (uint16_t)~(1u << (d % DIAG_GROUP));
                        continue;
                    }
                    for (uint32_t x = x0; x && x - 1 >= lo; x = link[(x - 1) % DIAG_RING]) {
                        size_t jj = x - 1;
                        if ((size_t)((int64_t)mm[jj].a - mm[jj].b + (int64_t)al->m) != d)
                            continue;
                        if ((int64_t)(mm[jj].a + mm[jj].len) + G < ai)
                            break;
                        /* The scan this replaces went from the nearest back and kept strict
                         * improvements: the best score, the nearest among equals. */
                        if (chain_link(al, &mm[jj], ai, bi, li, f[jj], &sc) == 0 &&
                            (sc > best || (sc == best && bp != NO_PRED && jj > bp))) {
                            best = sc;
                            bp = (uint32_t)jj;
                        }
                    }
                }
            }
            link[i % DIAG_RING] = last[di & smask];
            last[di & smask] = (uint32_t)(i + 1);
            lastg[di / DIAG_GROUP & gmask] = (uint32_t)(i + 1);
            live[di / DIAG_GROUP & gmask] |= (uint16_t)(1u << (di % DIAG_GROUP));
        }
        f[i] = (uint32_t)best;
        pd[i] = bp != NO_PRED ? (uint8_t)(i - 1 - bp) : 0;
        if (bp != NO_PRED)
            has[i / 64] |= UINT64_C(1) << (i % 64);
    }
    sc_put(al->s, SC_LAST, last);
    sc_put(al->s, SC_LASTG, lastg);
    sc_put(al->s, SC_LIVE, live);
    return 0;
}

/* The high half of a word. */
static inline uint64_t u64_hi_key(const uint64_t *x, uint64_t ctx)
{
    (void)ctx;
    return *x >> 32;
}

RADIX_SORT_DEF(sort_u64_hi, uint64_t, u64_hi_key, 11)

/* The indices i < nm whose bit is set in keep (NULL: all of them), nord of them, by descending
 * chain score f (quarter tokens), ascending index among equal scores, into ord (room for
 * nord); -1 when out of memory.
 * nm < UINT32_MAX. One counting pass over the scores (indices taken in increasing order, so
 * ascending among equals) gives the order in 4 bytes an anchor, where a sort needs its
 * elements twice over. Where the counters would outnumber the anchors twice (few anchors in
 * long chains: near-identical documents, a corpus scan's small pairs, whose counters would
 * be cleared for every pair) the anchors are sorted as words (2^32 - 1 - f) << 32 | index on
 * their high half (the low half is in order already). */
#define KEPT(keep, i) (!(keep) || ((keep)[(i) / 64] >> ((i) % 64) & 1))
static int score_order(ascratch *s, const uint32_t *f, size_t nm, const uint64_t *keep,
                       size_t nord, uint32_t *ord)
{
    uint32_t top = 0;
    for (size_t i = 0; i < nm; i++)
        if (KEPT(keep, i))
            top = f[i] > top ? f[i] : top;
    if (top < 2 * nord + 1024) {
        uint32_t *cnt = sc_zget(s, SC_SCNT, sizeof *cnt * ((size_t)top + 1));
        if (!cnt)
            return -1;
        for (size_t i = 0; i < nm; i++)
            if (KEPT(keep, i))
                cnt[f[i]]++;
        uint32_t at = 0;
        for (size_t q = (size_t)top + 1; q-- > 0;) {
            uint32_t c = cnt[q];
            cnt[q] = at;
            at += c;
        }
        for (size_t i = 0; i < nm; i++)
            if (KEPT(keep, i))
                ord[cnt[f[i]]++] = (uint32_t)i;
        sc_put(s, SC_SCNT, cnt);
        return 0;
    }
    uint64_t *w = sc_get(s, SC_IS, sizeof *w * (nord + 1));
    if (!w)
        return -1;
    size_t r = 0;
    for (size_t i = 0; i < nm; i++)
        if (KEPT(keep, i))
            w[r++] = (uint64_t)(UINT32_MAX - f[i]) << 32 | i;
    if (sort_u64_hi(s, w, nord, 0)) {
        sc_put(s, SC_IS, w);
        return -1;
    }
    for (r = 0; r < nord; r++)
        ord[r] = (uint32_t)w[r];
    sc_put(s, SC_IS, w);
    return 0;
}

static int cmp_chain_score(const void *x, const void *y)
{
    const chain *p = x, *q = y;
    if (p->score != q->score)
        return p->score > q->score ? -1 : 1;
    if (p->a0 != q->a0)
        return p->a0 < q->a0 ? -1 : 1;
    return p->b0 < q->b0 ? -1 : (p->b0 > q->b0);
}

/* 1 when the kind-weighted length of tokens [t0,t1) of a (CJK tokens / min_cjk + word tokens /
 * min_words) is below thr: thr 1 is a passage's minimum. In integers (the weights times
 * min_cjk * min_words), and stopping as soon as thr is reached: long chains are the common
 * case and need not be read to their end. */
static int weight_below(const aln *al, size_t t0, size_t t1, double thr)
{
    const double wc = al->min_words, ww = al->min_cjk, target = thr * al->min_cjk * al->min_words;
    double acc = 0;
    for (size_t t = t0; t < t1; t++) {
        if (ovl__tok_kind(&al->ta[t]) == OVL_TOK_CJK)
            acc += wc;
        else if (ovl__tok_kind(&al->ta[t]) == OVL_TOK_WORD)
            acc += ww;
        else
            continue;
        if (acc >= target)
            return 0;
    }
    return 1;
}

/* A repeat (text matched a second time on one side) shorter than this, in passage minimums,
 * is a stock phrase: reported once. */
#define REPEAT_MIN_WEIGHT 1.5

/* Larger of the two gaps between consecutive chained anchors p and q (0 when they touch). */
static uint32_t end_gap(const mem *p, const mem *q)
{
    int64_t ga = (int64_t)q->a - (p->a + p->len), gb = (int64_t)q->b - (p->b + p->len);
    int64_t g = ga > gb ? ga : gb;
    return g > 0 ? (uint32_t)g : 0;
}

/* 1 when tokens x and y are in one paragraph: no paragraph starts after the first up to the
 * second (bits of para_starts; a bit a token instead of a 32-bit paragraph number). */
static inline int same_para(const uint64_t *bits, size_t x, size_t y)
{
    if (x > y) {
        size_t t = x;
        x = y;
        y = t;
    }
    if (x == y)
        return 1;
    size_t lo = x + 1, wl = lo / 64, wh = y / 64;
    uint64_t ml = ~UINT64_C(0) << (lo % 64), mh = ~UINT64_C(0) >> (63 - y % 64);
    if (wl == wh)
        return !(bits[wl] & ml & mh);
    if (bits[wl] & ml)
        return 0;
    for (size_t w = wl + 1; w < wh; w++)
        if (bits[w])
            return 0;
    return !(bits[wh] & mh);
}

/* 1 when chained anchors p then q are in different paragraphs of a or of b. */
static int para_break(const aln *al, const mem *p, const mem *q)
{
    return !same_para(al->pa, p->a + p->len - 1, q->a) ||
           !same_para(al->pb, p->b + p->len - 1, q->b);
}

/* 1 when the anchors [f, l] (a terminal piece of a chain) span fewer tokens of a than two
 * seeds, and fewer than the rest of the chain, anchors [rf, rl]. (Cutting every piece below
 * the passage minimum instead loses reused headings that the copy runs into its text.) */
static int short_piece(const aln *al, const mem *f, const mem *l, const mem *rf, const mem *rl)
{
    uint32_t len = l->a + l->len - f->a, rest = rl->a + rl->len - rf->a;
    return len < rest && len < 2 * al->k;
}

/* Builds the chains from the DP and keeps the ones that do not repeat a stronger one. Output:
 * kept chains (relative ranges), in *out, their anchors in *anch_out (scratch slots SC_CH and
 * SC_ANCH of al->s; malloc'd when it is NULL). */
static int make_chains(const aln *al, const mem *mm, size_t nm, chain **out, size_t *nout,
                       mem **anch_out)
{
    ascratch *s = al->s;
    /* Chain scores, predecessors and which anchors have one: one block, where the anchor
     * sort's buffer (12 bytes an anchor) was; what it does not use is given back. */
    size_t nw = nm / 64 + 1, fbytes = (sizeof(uint32_t) * nm + 7) / 8 * 8;
    size_t block = fbytes + sizeof(uint64_t) * nw + nm;
    uint32_t *f = sc_pass(s, SC_RTMP, SC_F, block);
    if (f && s && s->size[SC_F] > block + SC_KEEP_SLOT) {
        void *fit = realloc(f, block);
        if (fit) {
            f = fit;
            s->p[SC_F] = fit;
            s->size[SC_F] = block;
        }
    }
    uint64_t *has = f ? (uint64_t *)(void *)((char *)f + fbytes) : NULL;
    uint8_t *pd = f ? (uint8_t *)(has + nw) : NULL;
    uint32_t *ord = NULL;
    uint64_t *used = NULL; /* bit i: anchor i is in a chain (read in score order: a bit
                              array stays in the cache, a byte array did not) */
    mem *anch = NULL;
    size_t nanch = 0, nord = 0;
    chain *ch = NULL;
    size_t nch = 0, cap = 0;
    int rc = -1;
    sc_start(s, SC_CH, &ch, &cap, sizeof *ch);
    if (!f || chain_dp(al, mm, nm, f, pd, has))
        goto done;
    /* Heads in score order. An anchor without a predecessor that is no anchor's predecessor
     * either, and shorter than any passage can be, is a chain of its own dropped as too short
     * that no other chain reaches: it is left out of the order, which changes nothing else
     * (most of the anchors of two 10 MB documents: 0.8 M heads are ordered instead of 3.5 M).
     * used holds, for now, the anchors kept in the order. */
    used = sc_zget(s, SC_USED, sizeof *used * nw);
    if (!used)
        goto done;
    const double short_len = al->min_cjk < al->min_words ? al->min_cjk : al->min_words;
    for (size_t i = 0; i < nm; i++) {
        if (has[i / 64] >> (i % 64) & 1) {
            size_t j = i - 1 - pd[i];
            used[i / 64] |= UINT64_C(1) << (i % 64);
            used[j / 64] |= UINT64_C(1) << (j % 64);
        } else if (mm[i].len >= short_len) {
            used[i / 64] |= UINT64_C(1) << (i % 64);
        }
    }
    for (size_t w = 0; w < nw; w++)
        nord += popcount64(used[w]);
    ord = sc_get(s, SC_ORD, sizeof *ord * (nord + 1));
    if (!ord || score_order(s, f, nm, used, nord, ord))
        goto done;
    memset(used, 0, sizeof *used * nw);
    /* Allocated after the order is made: chain building is the peak of the aligner's memory. */
    anch = sc_get(s, SC_ANCH, sizeof *anch * (nm + 1));
    if (!anch)
        goto done;
    for (size_t r = 0; r < nord; r++) {
        size_t i = ord[r];
        /* Heads come in score order, at random places of the arrays. */
        if (r + 8 < nord) {
            OVL_PREFETCH(&mm[ord[r + 8]]);
            OVL_PREFETCH(&pd[ord[r + 8]]);
            OVL_PREFETCH(&f[ord[r + 8]]);
        }
        if (used[i / 64] >> (i % 64) & 1)
            continue;
        size_t start = nanch;
        uint32_t j = (uint32_t)i;
        double stop = 0;
        while (j != NO_PRED && !(used[j / 64] >> (j % 64) & 1)) {
            used[j / 64] |= UINT64_C(1) << (j % 64);
            anch[nanch++] = mm[j];
            j = pred_of(pd, has, j);
        }
        if (j != NO_PRED)
            stop = f[j] / 4.0;
        /* Anchors were collected last to first; put them in order. */
        for (size_t x = start, y = nanch - 1; x < y; x++, y--) {
            mem t = anch[x];
            anch[x] = anch[y];
            anch[y] = t;
        }
        /* An end anchor much shorter than the gap tying it to the rest is more likely a stock
         * phrase picked up on the way than part of the reuse: cut it off. */
        size_t cf = start, cl = nanch - 1;
        double score = f[i] / 4.0 - stop;
        for (int changed = 1; changed;) {
            changed = 0;
            while (cl > cf && 3 * anch[cf].len < end_gap(&anch[cf], &anch[cf + 1])) {
                score -= anch[cf].len;
                cf++;
                changed = 1;
            }
            while (cl > cf && 3 * anch[cl].len < end_gap(&anch[cl - 1], &anch[cl])) {
                score -= anch[cl].len;
                cl--;
                changed = 1;
            }
            /* A short stretch across a paragraph boundary from the rest (a heading or the
             * next paragraph that happens to open with the same phrase) is not part of the
             * reuse that ends at the boundary. */
            size_t x = cl;
            while (x > cf && !para_break(al, &anch[x - 1], &anch[x]))
                x--;
            if (x > cf && short_piece(al, &anch[x], &anch[cl], &anch[cf], &anch[x - 1])) {
                for (size_t t = x; t <= cl; t++)
                    score -= anch[t].len;
                cl = x - 1;
                changed = 1;
            }
            x = cf;
            while (x < cl && !para_break(al, &anch[x], &anch[x + 1]))
                x++;
            if (x < cl && short_piece(al, &anch[cf], &anch[x], &anch[x + 1], &anch[cl])) {
                for (size_t t = cf; t <= x; t++)
                    score -= anch[t].len;
                cf = x + 1;
                changed = 1;
            }
        }
        chain c;
        c.first = (uint32_t)cf;
        c.n = (uint32_t)(cl - cf + 1);
        c.a0 = anch[cf].a;
        c.b0 = anch[cf].b;
        c.a1 = anch[cl].a + anch[cl].len;
        c.b1 = anch[cl].b + anch[cl].len;
        c.score = score;
        c.keep = 1;
        if (weight_below(al, c.a0, c.a1, 1.0)) {
            nanch = start; /* too short to ever qualify: drop its anchors */
            continue;
        }
        if (sc_grow(s, SC_CH, &ch, &cap, nch + 1, sizeof *ch))
            goto done;
        ch[nch++] = c;
    }
    /* The DP's arrays are done with: give their memory back before the buckets grow. */
    sc_put(s, SC_F, f);
    sc_put(s, SC_USED, used);
    sc_put(s, SC_ORD, ord);
    f = NULL;
    ord = NULL;
    used = NULL;
    if (nch > 1)
        qsort(ch, nch, sizeof *ch, cmp_chain_score);
    /* Which chains are kept is judged on the tokens their anchors match, not on their ranges:
     * a chain bridging over a shuffled sentence covers that sentence's range without matching
     * it, and the sentence's own chain, inside that range on both sides, is still a piece of
     * the reuse. owner[t]: 1 + the first kept chain whose anchors match token t (a's tokens,
     * then b's); 0: none. A weaker chain whose tokens are mostly matched already on both sides
     * is the same reuse seen through spurious seeds: dropped. Mostly matched on one side only,
     * it is a repeat: the same text used twice, kept when it is long and about as dense as the
     * chain it repeats. A short or sparser one is kept as weak (keep 2; 3 when the side
     * repeated is A): a stock phrase or a near-duplicate sentence matched again elsewhere,
     * reported once where it matched best, unless it turns out to be a piece of a longer
     * repeat (the sentences of a shuffled, edited second copy) or the partner that fits its
     * neighbours better, which merge_reordered finds. */
    if (nch >= UINT32_MAX || al->n + al->m >= UINT32_MAX)
        goto done;
    uint32_t *owner = sc_zget(s, SC_OWNER, sizeof *owner * (al->n + al->m + 1));
    double *dens = sc_get(s, SC_DENS, sizeof *dens * (nch + 1));
    if (!owner || !dens) {
        sc_put(s, SC_OWNER, owner);
        sc_put(s, SC_DENS, dens);
        goto done;
    }
    uint32_t *own_a = owner, *own_b = owner + al->n;
    for (size_t i = 0; i < nch; i++) {
        chain *c = &ch[i];
        uint32_t la = c->a1 - c->a0, lb = c->b1 - c->b0;
        dens[i] = c->score / (la > lb ? la : lb);
        uint64_t L = 0, ca = 0, cb = 0;
        double da = 0, db = 0; /* densest chain owning some of its tokens, per side */
        for (size_t x = c->first; x < c->first + c->n; x++) {
            const mem *q = &anch[x];
            L += q->len;
            for (uint32_t t = 0; t < q->len; t++) {
                uint32_t oa = own_a[q->a + t], ob = own_b[q->b + t];
                if (oa) {
                    ca++;
                    if (dens[oa - 1] > da)
                        da = dens[oa - 1];
                }
                if (ob) {
                    cb++;
                    if (dens[ob - 1] > db)
                        db = dens[ob - 1];
                }
            }
        }
        int rep_a = 2 * ca > L, rep_b = 2 * cb > L;
        if (rep_a && rep_b) {
            c->keep = 0;
        } else if (rep_a || rep_b) {
            double od = rep_a ? da : db;
            if (dens[i] < 0.75 * od || weight_below(al, c->a0, c->a1, REPEAT_MIN_WEIGHT))
                c->keep = rep_b ? 2 : 3;
        }
        if (c->keep != 1)
            continue;
        for (size_t x = c->first; x < c->first + c->n; x++) {
            const mem *q = &anch[x];
            for (uint32_t t = 0; t < q->len; t++) {
                if (!own_a[q->a + t])
                    own_a[q->a + t] = (uint32_t)i + 1;
                if (!own_b[q->b + t])
                    own_b[q->b + t] = (uint32_t)i + 1;
            }
        }
    }
    sc_put(s, SC_OWNER, owner);
    sc_put(s, SC_DENS, dens);
    *out = ch;
    *nout = nch;
    *anch_out = anch;
    ch = NULL;
    anch = NULL;
    rc = 0;
done:
    sc_put(s, SC_F, f);
    sc_put(s, SC_USED, used);
    sc_put(s, SC_ORD, ord);
    sc_put(s, SC_ANCH, anch);
    sc_put(s, SC_CH, ch);
    return rc;
}

/* Paragraph starts of the n tokens tk (in text order) of doc: bit i of out (n / 64 + 1 words)
 * set when token i is in another paragraph than token i - 1. */
static void para_starts(const ovl_doc *doc, const ovl__tok *tk, size_t n, uint64_t *out)
{
    const ovl_range *pr = doc->segs->paras;
    size_t np = doc->segs->npara, lo = 0, hi = np;
    memset(out, 0, sizeof *out * (n / 64 + 1));
    if (n == 0)
        return;
    /* Paragraphs that start at or before the first token: binary search, then a sweep. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pr[mid].start <= tk[0].char_start)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* Each later paragraph start marks the first token at or after it, found by galloping
     * from the previous one: paragraphs are tens of tokens apart, and a token-by-token sweep
     * over a long document's range for every pair it is in was 3.5% of a corpus scan. */
    uint32_t last = tk[n - 1].char_start;
    size_t i = 0;
    for (size_t q = lo; q < np && pr[q].start <= last; q++) {
        uint32_t st = pr[q].start;
        size_t a = i, b = i, step = 1;
        while (b < n && tk[b].char_start < st) {
            a = b + 1;
            b = a + step;
            step *= 2;
        }
        if (b > n)
            b = n;
        while (a < b) {
            size_t mid = a + (b - a) / 2;
            if (tk[mid].char_start < st)
                a = mid + 1;
            else
                b = mid;
        }
        i = a;
        out[i / 64] |= UINT64_C(1) << (i % 64);
    }
}

int ovl__para_bits(const ovl_doc *doc, uint64_t **out)
{
    size_t n = doc->norm->ntokens;
    *out = malloc((n / 64 + 2) * sizeof **out);
    if (!*out)
        return OVL_ERR_NOMEM;
    para_starts(doc, doc->norm->tokens, n, *out);
    (*out)[n / 64 + 1] = 0;
    return OVL_OK;
}

/* para_starts of tokens [t0, t0 + n) from those of the whole document (src): the same bits
 * shifted, the first cleared (a range's first token starts no paragraph of it). */
static void bits_slice(const uint64_t *src, size_t t0, size_t n, uint64_t *out)
{
    size_t nw = n / 64 + 1, w0 = t0 / 64, last = (t0 + n) / 64; /* src has words 0 .. last at least */
    unsigned sh = (unsigned)(t0 % 64);
    for (size_t w = 0; w < nw; w++) {
        uint64_t v = src[w0 + w] >> sh;
        if (sh && w0 + w + 1 <= last)
            v |= src[w0 + w + 1] << (64 - sh);
        out[w] = v;
    }
    out[0] &= ~UINT64_C(1);
    out[nw - 1] &= n % 64 ? ~UINT64_C(0) >> (64 - n % 64) : 0;
}

/* End extension: an X-drop alignment in a diagonal band, scored per token. A substitution
 * costs less than a match gains, so two shared tokens after a two-token substitution pay for
 * it, while unrelated text (mostly mismatches) drops X below the best within a few tokens. */
#define EXT_MATCH 4
#define EXT_MISMATCH 3
#define EXT_INDEL 4
#define EXT_XDROP 12
#define EXT_BAND 8
#define EXT_NEG (INT32_MIN / 2)

typedef struct extcand {
    int32_t score;
    uint32_t i, j;
} extcand;

/* Extends a passage whose end (dir = 1: one past its last tokens) or start (dir = -1: its
 * first tokens) is at relative (a, b), over at most cap tokens on each side. An end is kept
 * only where the last two tokens match, so it never stops on a chance single match. Ends
 * beyond the passage's paragraph on either side count only when they score clearly better
 * (strong: what 2 seeds of exact matches gain). Returns the tokens added on each side. */
static void extend_end(const aln *al, uint32_t a, uint32_t b, int dir, uint32_t cap,
                       int32_t *rows, uint32_t *da, uint32_t *db)
{
    const int W = EXT_BAND;
    size_t la = dir > 0 ? al->n - a : a, lb = dir > 0 ? al->m - b : b;
    if (la > cap)
        la = cap;
    if (lb > cap)
        lb = cap;
    *da = *db = 0;
    if (la < 2 || lb < 2)
        return;
    /* Token of step i (1-based) on each side. */
#define TA(i) (dir > 0 ? a + (i) - 1 : a - (i))
#define TB(j) (dir > 0 ? b + (j) - 1 : b - (j))
    size_t para_a = dir > 0 ? a - 1 : a, para_b = dir > 0 ? b - 1 : b; /* tokens of the end */
    int32_t *prev = rows, *cur = rows + (2 * W + 1);
    int32_t best = 0;
    extcand in = {0, 0, 0}, out = {EXT_NEG, 0, 0};
    for (int d = 0; d <= 2 * W; d++) {
        int j = d - W;
        prev[d] = j < 0 || (size_t)j > lb || EXT_INDEL * j > EXT_XDROP ? EXT_NEG : -EXT_INDEL * j;
    }
    /* Cells outside [plo - 1, ...] of a row cannot be reached from the live cells of the row
     * before, nor past its last live one once a cell dies: they are not computed (the band
     * has 17 cells, X-drop leaves a few alive). */
    int plo = 2 * W, phi = 0;
    for (int d = 0; d <= 2 * W; d++) {
        if (prev[d] > EXT_NEG) {
            plo = d < plo ? d : plo;
            phi = d;
        }
    }
    for (size_t i = 1; i <= la; i++) {
        int alive = 0, clo = -1, chi = -1, start = plo > 0 ? plo - 1 : 0;
        for (int d = 0; d < start; d++)
            cur[d] = EXT_NEG;
        for (int d = start; d <= 2 * W; d++) {
            if (d > phi && (d == 0 || cur[d - 1] == EXT_NEG)) {
                for (; d <= 2 * W; d++)
                    cur[d] = EXT_NEG;
                break;
            }
            int64_t j = (int64_t)i + d - W;
            int32_t v = EXT_NEG;
            if (j < 0 || (size_t)j > lb) {
                cur[d] = EXT_NEG;
                continue;
            }
            int eq = j >= 1 && al->ta[TA(i)].hash == al->tb[TB(j)].hash;
            if (j >= 1 && prev[d] > EXT_NEG)
                v = prev[d] + (eq ? EXT_MATCH : -EXT_MISMATCH);
            if (d + 1 <= 2 * W && prev[d + 1] > EXT_NEG && prev[d + 1] - EXT_INDEL > v)
                v = prev[d + 1] - EXT_INDEL;
            if (d >= 1 && cur[d - 1] > EXT_NEG && cur[d - 1] - EXT_INDEL > v)
                v = cur[d - 1] - EXT_INDEL;
            if (v < best - EXT_XDROP)
                v = EXT_NEG;
            cur[d] = v;
            if (v == EXT_NEG)
                continue;
            alive = 1;
            if (clo < 0)
                clo = d;
            chi = d;
            if (v > best)
                best = v;
            if (eq && i >= 2 && j >= 2 && al->ta[TA(i - 1)].hash == al->tb[TB(j - 1)].hash) {
                int inside = same_para(al->pa, TA(i), para_a) && same_para(al->pb, TB(j), para_b);
                extcand *c = inside ? &in : &out;
                if (v > c->score)
                    *c = (extcand){v, (uint32_t)i, (uint32_t)j};
            }
        }
        if (!alive)
            break;
        plo = clo;
        phi = chi;
        int32_t *t = prev;
        prev = cur;
        cur = t;
    }
#undef TA
#undef TB
    const int32_t strong = (int32_t)(2 * al->k * EXT_MATCH);
    if (out.score > EXT_NEG && out.score >= in.score + strong)
        in = out;
    *da = in.i;
    *db = in.j;
}

static int cmp_passage(const void *x, const void *y)
{
    const ovl_passage *p = x, *q = y;
    if (p->a.char_start != q->a.char_start)
        return p->a.char_start < q->a.char_start ? -1 : 1;
    if (p->b.char_start != q->b.char_start)
        return p->b.char_start < q->b.char_start ? -1 : 1;
    if (p->a.char_end != q->a.char_end)
        return p->a.char_end < q->a.char_end ? -1 : 1;
    return p->b.char_end < q->b.char_end ? -1 : (p->b.char_end > q->b.char_end);
}

/* Flags passages off the heaviest chain increasing in both documents (weight: a tokens).
 *
 * The chain is what a DP over each passage's MOVED_WINDOW predecessors in A order gives
 * (predecessor: the one with the heaviest chain, the earliest on ties; chain end: the earliest
 * of the heaviest). Scanning the whole window per passage cost np * 4096 steps (a fifth of a
 * compare of two 10 MB documents with 265,000 passages), so the predecessor is found by
 * branch and bound instead, in a segment tree over the passages in order of their start in b
 * that holds only those of the window: candidates start before this one in b (a prefix of the
 * tree), and a node, which knows its heaviest chain (the earliest passage on ties) and the
 * smallest start and ends of its passages in a and end in b, is entered only when it could
 * hold a passage before this one on all four and better than the best found so far. The
 * result is the scan's; the work is about the number of nodes on the paths to the winner. */
#define MOVED_WINDOW 4096u

typedef struct mvnode {
    double best; /* heaviest chain ending in the node's passages of the window; -1: none */
    uint32_t j;  /* the earliest passage (a order) with that chain */
    uint32_t ae, be; /* smallest a end and b end of all its passages */
} mvnode;

typedef struct mvsearch {
    const mvnode *t;
    uint32_t ae, be; /* the passage whose predecessor is searched */
    size_t hi;           /* candidates: tree positions [0, hi) (earlier start in b) */
    double cur;          /* best found so far (0: none; chains weigh at least 1) */
    uint32_t curj;
} mvsearch;

/* 1 when node x is worse than (best, j) or equal. */
static int mv_worse(const mvnode *x, double best, uint32_t j)
{
    return x->best < best || (x->best == best && x->j >= j);
}

static void mv_search(mvsearch *s, size_t node, size_t nlo, size_t nhi)
{
    const mvnode *t = &s->t[node];
    if (nlo >= s->hi || mv_worse(t, s->cur, s->curj))
        return;
    if (t->ae >= s->ae || t->be >= s->be)
        return;
    if (nhi - nlo == 1) {
        s->cur = t->best;
        s->curj = t->j;
        return;
    }
    size_t mid = nlo + (nhi - nlo) / 2, l = 2 * node, r = 2 * node + 1;
    if (!mv_worse(&s->t[r], s->t[l].best, s->t[l].j)) {
        mv_search(s, r, mid, nhi);
        mv_search(s, l, nlo, mid);
    } else {
        mv_search(s, l, nlo, mid);
        mv_search(s, r, mid, nhi);
    }
}

/* Sets tree leaf v to (best, j) and its ancestors' best to their children's. */
static void mv_set(mvnode *t, size_t v, double best, uint32_t j)
{
    t[v].best = best;
    t[v].j = j;
    for (v /= 2; v >= 1; v /= 2) {
        const mvnode *l = &t[2 * v], *r = &t[2 * v + 1], *w = mv_worse(r, l->best, l->j) ? l : r;
        t[v].best = w->best;
        t[v].j = w->j;
    }
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t p = *(const uint64_t *)x, q = *(const uint64_t *)y;
    return p < q ? -1 : (p > q);
}

static int mark_moved(ascratch *sc, ovl_passage *ps, size_t np)
{
    if (np == 0)
        return 0;
    if (np >= UINT32_MAX)
        return -1;
    size_t sz = 1;
    while (sz < np)
        sz *= 2;
    mvnode *t = sc_get(sc, SC_MVT, sizeof *t * 2 * sz);
    int64_t *prev = sc_get(sc, SC_MVPREV, sizeof *prev * np);
    uint64_t *byb = sc_get(sc, SC_MVBYB, sizeof *byb * np); /* (b start << 32 | passage), sorted */
    uint32_t *pos = sc_get(sc, SC_MVPOS, sizeof *pos * np); /* tree position of each passage */
    double *heavy = sc_get(sc, SC_MVHEAVY, sizeof *heavy * np); /* heaviest heavy ending at each */
    int rc = -1;
    if (!t || !prev || !byb || !pos || !heavy)
        goto done;
    for (size_t i = 0; i < np; i++)
        byb[i] = (uint64_t)ps[i].b.tok_start << 32 | i;
    if (np > 1)
        qsort(byb, np, sizeof *byb, cmp_u64);
    for (size_t r = 0; r < sz; r++) {
        mvnode *x = &t[sz + r];
        x->best = -1;
        x->j = UINT32_MAX;
        if (r < np) {
            const ovl_passage *q = &ps[(uint32_t)byb[r]];
            pos[(uint32_t)byb[r]] = (uint32_t)r;
            x->ae = q->a.tok_end;
            x->be = q->b.tok_end;
        } else {
            x->ae = x->be = UINT32_MAX;
        }
    }
    for (size_t v = sz; v-- > 1;) {
        const mvnode *l = &t[2 * v], *r = &t[2 * v + 1];
        t[v].best = -1;
        t[v].j = UINT32_MAX;
        t[v].ae = l->ae < r->ae ? l->ae : r->ae;
        t[v].be = l->be < r->be ? l->be : r->be;
    }
    /* The tree holds the candidates of passage i: [i - MOVED_WINDOW, g), where g is the first
     * passage starting where i starts in a (passages are in a order, so exactly those before
     * g start earlier). Passages [rem, ins) are in it. */
    size_t top = 0, ins = 0, rem = 0, g = 0;
    double topbest = -1;
    for (size_t i = 0; i < np; i++) {
        if (ps[i].a.tok_start != ps[g].a.tok_start)
            g = i;
        size_t lo = i > MOVED_WINDOW ? i - MOVED_WINDOW : 0;
        for (; ins < g; ins++)
            if (ins >= rem)
                mv_set(t, sz + pos[ins], heavy[ins], (uint32_t)ins);
        for (; rem < lo; rem++)
            if (rem < ins)
                mv_set(t, sz + pos[rem], -1, UINT32_MAX);
        /* Candidates start before it in b: the tree positions below the first start at or
         * after its own. */
        uint64_t key = (uint64_t)ps[i].b.tok_start << 32;
        size_t blo = 0, bhi = np;
        while (blo < bhi) {
            size_t mid = blo + (bhi - blo) / 2;
            if (byb[mid] < key)
                blo = mid + 1;
            else
                bhi = mid;
        }
        /* Neighbours may share a few boundary tokens; order is judged on both ends. */
        mvsearch s = {t, ps[i].a.tok_end, ps[i].b.tok_end, blo, 0, 0};
        if (blo > 0 && rem < ins)
            mv_search(&s, 1, 0, sz);
        double w = (double)(ps[i].a.tok_end - ps[i].a.tok_start);
        heavy[i] = s.cur + w;
        prev[i] = s.cur > 0 ? (int64_t)s.curj : -1;
        if (heavy[i] > topbest) {
            topbest = heavy[i];
            top = i;
        }
    }
    for (size_t i = 0; i < np; i++)
        ps[i].moved = 1;
    for (int64_t i = (int64_t)top; i >= 0; i = prev[i])
        ps[i].moved = 0;
    rc = 0;
done:
    sc_put(sc, SC_MVT, t);
    sc_put(sc, SC_MVPREV, prev);
    sc_put(sc, SC_MVBYB, byb);
    sc_put(sc, SC_MVPOS, pos);
    sc_put(sc, SC_MVHEAVY, heavy);
    return rc;
}

static void span_union(ovl_span *g, const ovl_span *q)
{
    if (q->tok_start < g->tok_start)
        g->tok_start = q->tok_start, g->char_start = q->char_start, g->byte_start = q->byte_start,
        g->line_start = q->line_start;
    if (q->tok_end > g->tok_end)
        g->tok_end = q->tok_end, g->char_end = q->char_end, g->byte_end = q->byte_end,
        g->line_end = q->line_end;
}

/* Sentences shuffled inside a reused stretch come out of chaining as several passages: one
 * per run of sentences still in order, often one long chain bridging over a moved sentence
 * with that sentence a passage of its own inside it. They are one reuse: a group of pieces
 * consecutive in A whose A ranges together cover one stretch of A and whose B ranges together
 * cover one stretch of B, in whatever order, is one passage, with the length-weighted
 * similarity and the summed matched characters of its pieces. The holes between the pieces
 * (at most touch tokens each) are what tells a shuffled stretch from two reuses that happen
 * to lie near each other: in a shuffled stretch they are the same text on both sides (a
 * sentence too short or too edited to seed a piece of its own, or text a bridging piece
 * matches elsewhere), between two reuses they are unrelated text. So where a side's holes add
 * up to more than two seeds, at least half of their token bigrams must occur in the group's
 * stretch of the other side. Groups are taken greedily in A
 * order, each as long as it can be (at most MERGE_MAX pieces). A group made only of weak
 * pieces (moved == MOVED_WEAK: short repeats of text matched elsewhere) is dropped. ps is
 * sorted by A; returns the new count. */
#define MERGE_MAX 64u
#define MOVED_WEAK 2   /* a short or sparse repeat of text of B matched already */
#define MOVED_WEAK_A 3 /* the same, of text of A */

typedef struct ivl {
    uint32_t s, e;
} ivl;

typedef struct mergew {
    const ovl__tok *ta, *tb; /* whole documents' tokens (passages hold absolute indices) */
    uint32_t na, nb;          /* their token counts */
    unsigned touch;           /* largest hole */
    unsigned small;           /* holes of one side up to this many tokens in all need no check */
    double min_cjk, min_words; /* the passage minimums */
    uint64_t *h, *st;         /* hole bigrams of one side, a set of the other's stretch's */
    size_t caph, capst;
    ascratch *s;              /* h and st are its slots SC_HOLEH, SC_HOLEST */
} mergew;

static uint64_t bigram(const ovl__tok *tk, uint32_t x)
{
    return mix64(tk[x].hash * 0x9E3779B97F4A7C15ull ^ tk[x + 1].hash);
}

/* 1 when the holes between side X's sorted intervals ix[0, n) are at most w->small tokens in
 * all, or when at least half of their token bigrams occur in the stretch [ys, ye) of the
 * other side; 0 otherwise; -1 when out of memory. */
static int holes_found(mergew *w, const ovl__tok *tx, const ivl *ix, size_t n,
                       const ovl__tok *ty, uint32_t ys, uint32_t ye)
{
    size_t nh = 0, holes = 0;
    uint32_t reach = ix[0].e;
    for (size_t t = 1; t < n; t++) {
        if (ix[t].s > reach)
            holes += ix[t].s - reach;
        if (ix[t].e > reach)
            reach = ix[t].e;
    }
    if (holes <= w->small)
        return 1;
    /* The stretch's bigrams go into a hash set (open addressing; bigrams are mixed hashes,
     * their low bits index it; 0 marks an empty slot, so the bigram 0 is kept aside): one
     * pass to build and one probe per hole bigram, where a sort of the stretch and a binary
     * search per bigram cost a tenth of a large compare. */
    size_t tsize = 16;
    while (tsize < 2 * ((size_t)(ye - ys) + 1))
        tsize *= 2;
    if (sc_grow(w->s, SC_HOLEH, &w->h, &w->caph, holes + 1, sizeof *w->h) ||
        sc_grow(w->s, SC_HOLEST, &w->st, &w->capst, tsize, sizeof *w->st))
        return -1;
    reach = ix[0].e;
    for (size_t t = 1; t < n; t++) {
        /* a hole's bigrams, the last one reaching into the next piece */
        for (uint32_t x = reach; x < ix[t].s; x++)
            w->h[nh++] = bigram(tx, x);
        if (ix[t].e > reach)
            reach = ix[t].e;
    }
    const size_t mask = tsize - 1;
    uint64_t *set = w->st;
    memset(set, 0, sizeof *set * tsize);
    int zero = 0;
    for (uint32_t y = ys; y + 1 < ye; y++) {
        uint64_t v = bigram(ty, y);
        if (v == 0) {
            zero = 1;
            continue;
        }
        size_t h = (size_t)v & mask;
        while (set[h] && set[h] != v)
            h = (h + 1) & mask;
        set[h] = v;
    }
    size_t found = 0;
    for (size_t i = 0; i < nh; i++) {
        uint64_t v = w->h[i];
        if (v == 0) {
            found += zero;
            continue;
        }
        size_t h = (size_t)v & mask;
        while (set[h] && set[h] != v)
            h = (h + 1) & mask;
        found += set[h] == v;
    }
    return 2 * found >= nh;
}

/* 1 when the group's holes (A intervals ia, B intervals ib, each sorted by start) are small or
 * text of the group's stretch on the other side; -1 when out of memory. */
static int holes_shared(mergew *w, const ivl *ia, const ivl *ib, size_t n)
{
    uint32_t ae = 0, be = 0;
    for (size_t t = 0; t < n; t++) {
        ae = ia[t].e > ae ? ia[t].e : ae;
        be = ib[t].e > be ? ib[t].e : be;
    }
    /* The other side's stretch is widened by a hole's length: a hole may be a sentence that
     * the pieces on the other side left out at an end. */
    uint32_t t = w->touch;
    uint32_t as = ia[0].s > t ? ia[0].s - t : 0, bs = ib[0].s > t ? ib[0].s - t : 0;
    ae = ae + t < w->na ? ae + t : w->na;
    be = be + t < w->nb ? be + t : w->nb;
    int r = holes_found(w, w->ta, ia, n, w->tb, bs, be);
    if (r == 1)
        r = holes_found(w, w->tb, ib, n, w->ta, as, ae);
    return r;
}

typedef struct mgroup {
    size_t first, n; /* members' A ranges in the member array; n 1: a piece alone */
} mgroup;

/* Anchoring by the neighbourhood: a piece alone whose A text (four fifths of it) is also
 * matched by a member of a nearby group (a shuffled stretch whose other pieces map next to
 * that member's B range) has two partners in B for the same text; the one among its
 * neighbours is the reuse, the lone one elsewhere a similar sentence: dropped. Groups of
 * pieces overlapping in A lie within a few places of each other in A order. */
#define RIVAL_REACH 4u

static size_t drop_rivals(ovl_passage *ps, size_t np, const mgroup *grp, const ivl *mem_iv)
{
    size_t out = 0;
    for (size_t i = 0; i < np; i++) {
        int rival = 0;
        if (grp[i].n == 1) {
            uint32_t s0 = ps[i].a.tok_start, e0 = ps[i].a.tok_end;
            size_t lo = i > RIVAL_REACH ? i - RIVAL_REACH : 0;
            for (size_t j = lo; j < np && j <= i + RIVAL_REACH && !rival; j++) {
                if (j == i || grp[j].n < 2)
                    continue;
                for (size_t x = grp[j].first; x < grp[j].first + grp[j].n && !rival; x++) {
                    uint32_t s = mem_iv[x].s > s0 ? mem_iv[x].s : s0;
                    uint32_t e = mem_iv[x].e < e0 ? mem_iv[x].e : e0;
                    rival = e > s && 5 * (uint64_t)(e - s) >= 4 * (uint64_t)(e0 - s0);
                }
            }
        }
        if (!rival)
            ps[out++] = ps[i];
    }
    return out;
}

/* Kind-weighted length (as weight_below) of the A stretch the pieces ix[0, n) cover. */
static double group_weight(const mergew *w, const ovl_passage *ps, const size_t *ix, size_t n)
{
    uint32_t t0 = ps[ix[0]].a.tok_start, t1 = ps[ix[0]].a.tok_end;
    for (size_t j = 1; j < n; j++) {
        t0 = ps[ix[j]].a.tok_start < t0 ? ps[ix[j]].a.tok_start : t0;
        t1 = ps[ix[j]].a.tok_end > t1 ? ps[ix[j]].a.tok_end : t1;
    }
    size_t c = 0, wd = 0;
    for (uint32_t t = t0; t < t1; t++) {
        c += ovl__tok_kind(&w->ta[t]) == OVL_TOK_CJK;
        wd += ovl__tok_kind(&w->ta[t]) == OVL_TOK_WORD;
    }
    return (double)c / w->min_cjk + (double)wd / w->min_words;
}

static void sort_ivl(ivl *v, size_t n)
{
    for (size_t t = 1; t < n; t++) { /* insertion sort: n <= MERGE_MAX */
        ivl x = v[t];
        size_t k = t;
        while (k > 0 && v[k - 1].s > x.s) {
            v[k] = v[k - 1];
            k--;
        }
        v[k] = x;
    }
}

/* The pieces of merged passages while they are made: a group's pieces are consecutive, each
 * with passage = the index of its group's first piece, and the merged passage carries
 * moved = -(1 + that index) until the passages are final (align_pieces_out). */
typedef struct mpieces {
    ovl_piece *v;
    size_t n, cap;
} mpieces;

static size_t merge_reordered(ascratch *sc, const ovl_doc *a, const ovl_doc *b, ovl_passage *ps,
                              size_t np, unsigned touch, unsigned small, double min_cjk,
                              double min_words, mpieces *mp, int *oom)
{
    ivl ib[MERGE_MAX], sa[MERGE_MAX], sb[MERGE_MAX];
    uint8_t one[MERGE_MAX];
    /* Members' A ranges of each group, for drop_rivals (skipped when out of memory: it
     * refines the report, nothing depends on it). */
    mgroup *grp = sc_get(sc, SC_GRP, sizeof *grp * (np + 1));
    ivl *mem_iv = NULL;
    size_t nmem = 0, capm = 0;
    mergew w = {a->norm->tokens, b->norm->tokens, (uint32_t)a->norm->ntokens,
                (uint32_t)b->norm->ntokens, touch, small, min_cjk, min_words, NULL, NULL, 0, 0,
                sc};
    sc_start(sc, SC_HOLEH, &w.h, &w.caph, sizeof *w.h);
    sc_start(sc, SC_HOLEST, &w.st, &w.capst, sizeof *w.st);
    sc_start(sc, SC_MEMIV, &mem_iv, &capm, sizeof *mem_iv);
    size_t out = 0;
    uint8_t *used = sc_zget(sc, SC_MUSED, np + 1);
    *oom = 0;
    if (!used) {
        *oom = 1;
        np = 0;
    }
    for (size_t s = 0; s < np; s++) {
        if (used[s])
            continue;
        /* The pieces after s in A order that reach back within touch of the stretch so far;
         * of those, the ones linked to s by B ranges within touch of each other (a piece off
         * elsewhere in B is another reuse, or a rival partner: it is looked at later as a
         * group head of its own). */
        size_t run[MERGE_MAX], nrun = 0, ix[MERGE_MAX], nx = 0;
        uint32_t a_end = ps[s].a.tok_end;
        run[nrun++] = s;
        for (size_t j = s + 1; j < np && nrun < MERGE_MAX; j++) {
            if (used[j])
                continue;
            if (ps[j].a.tok_start > a_end + touch)
                break;
            if (ps[j].a.tok_end > a_end)
                a_end = ps[j].a.tok_end;
            run[nrun++] = j;
        }
        uint8_t in[MERGE_MAX] = {1};
        /* A weak piece repeating text of A that a strong piece of the run matches already
         * adds nothing to the run: left out. */
        for (size_t t = 1; t < nrun; t++) {
            const ovl_passage *p = &ps[run[t]];
            for (size_t u = 0; u < nrun && p->moved == MOVED_WEAK_A && !in[t]; u++) {
                const ovl_passage *q = &ps[run[u]];
                uint32_t lo = p->a.tok_start > q->a.tok_start ? p->a.tok_start : q->a.tok_start;
                uint32_t hi = p->a.tok_end < q->a.tok_end ? p->a.tok_end : q->a.tok_end;
                if (q->moved < MOVED_WEAK && hi > lo && 2 * (hi - lo) >= p->a.tok_end - p->a.tok_start)
                    in[t] = 2;
            }
        }
        size_t queue[MERGE_MAX], qh = 0, qt = 0;
        queue[qt++] = 0;
        while (qh < qt) { /* the pieces linked to s through B ranges within touch */
            const ovl_passage *p = &ps[run[queue[qh++]]];
            for (size_t u = 1; u < nrun; u++)
                if (!in[u] && ps[run[u]].b.tok_start <= p->b.tok_end + touch &&
                    p->b.tok_start <= ps[run[u]].b.tok_end + touch) {
                    in[u] = 1;
                    queue[qt++] = u;
                }
        }
        for (size_t t = 0; t < nrun; t++)
            if (in[t] == 1)
                ix[nx++] = run[t];
        /* Groups ix[0..e] that cover one stretch on both sides: B ranges kept sorted by
         * start as pieces are added (insertion), the holes checked after each. */
        size_t ni = 0;
        uint32_t ae = ps[s].a.tok_end;
        size_t last = 0;
        for (size_t e = 0; e < nx; e++) {
            const ovl_passage *q = &ps[ix[e]];
            if (e > 0) {
                if (q->a.tok_start > ae + touch)
                    break;
                if (q->a.tok_end > ae)
                    ae = q->a.tok_end;
            }
            ivl x = {q->b.tok_start, q->b.tok_end};
            size_t k = ni++;
            while (k > 0 && ib[k - 1].s > x.s) {
                ib[k] = ib[k - 1];
                k--;
            }
            ib[k] = x;
            int ok = 1;
            uint32_t reach = ib[0].e;
            for (size_t t = 1; t < ni && ok; t++) {
                ok = ib[t].s <= reach + touch;
                if (ib[t].e > reach)
                    reach = ib[t].e;
            }
            one[e] = (uint8_t)ok;
            last = e;
        }
        /* The longest such group whose holes are shared text. */
        size_t best = 0;
        for (size_t e = last; e > 0; e--) {
            if (!one[e])
                continue;
            size_t n = e + 1;
            for (size_t t = 0; t < n; t++) {
                sa[t] = (ivl){ps[ix[t]].a.tok_start, ps[ix[t]].a.tok_end};
                sb[t] = (ivl){ps[ix[t]].b.tok_start, ps[ix[t]].b.tok_end};
            }
            sort_ivl(sa, n);
            sort_ivl(sb, n);
            int r = holes_shared(&w, sa, sb, n);
            if (r < 0) {
                *oom = 1;
                break;
            }
            if (r) {
                best = e;
                break;
            }
        }
        if (*oom)
            break;
        for (size_t t = 0; t <= best; t++)
            used[ix[t]] = 1;
        ovl_passage g = ps[s];
        size_t nb = 0, bx[MERGE_MAX];
        int strong = 0;
        for (size_t t = 0; t <= best; t++) {
            strong |= ps[ix[t]].moved < MOVED_WEAK;
            if (ps[ix[t]].moved == MOVED_WEAK)
                bx[nb++] = ix[t];
        }
        /* Weak pieces alone are said once already. Together, those repeating B text with
         * text of A not matched yet make a long repeat of B's stretch (A's second copy). */
        if (!strong && (nb < 2 || group_weight(&w, ps, bx, nb) < REPEAT_MIN_WEIGHT))
            continue;
        g.moved = 0;
        if (best > 0 && mp) {
            if (ovl__grow(&mp->v, &mp->cap, mp->n + best + 1, sizeof *mp->v)) {
                *oom = 1;
                break;
            }
            g.moved = -(int)(mp->n + 1);
            for (size_t t = 0, first = mp->n; t <= best; t++) {
                ovl_piece *pc = &mp->v[mp->n++];
                pc->passage = first;
                pc->a = ps[ix[t]].a;
                pc->b = ps[ix[t]].b;
                pc->moved = 0;
            }
        }
        if (best > 0) {
            double weight = g.similarity * (double)(g.a.tok_end - g.a.tok_start);
            for (size_t t = 1; t <= best; t++) {
                const ovl_passage *q = &ps[ix[t]];
                weight += q->similarity * (double)(q->a.tok_end - q->a.tok_start);
                g.matched_chars += q->matched_chars;
                span_union(&g.a, &q->a);
                span_union(&g.b, &q->b);
            }
            uint32_t la = g.a.tok_end - g.a.tok_start, lb = g.b.tok_end - g.b.tok_start;
            double sim = weight / (double)(la > lb ? la : lb);
            g.similarity = sim > 1.0 ? 1.0 : sim;
        }
        if (grp) {
            grp[out] = (mgroup){nmem, best + 1};
            for (size_t t = 0; t <= best && best > 0; t++) {
                if (sc_grow(sc, SC_MEMIV, &mem_iv, &capm, nmem + 1, sizeof *mem_iv)) {
                    sc_put(sc, SC_GRP, grp);
                    grp = NULL;
                    break;
                }
                mem_iv[nmem++] = (ivl){ps[ix[t]].a.tok_start, ps[ix[t]].a.tok_end};
            }
        }
        /* out <= s: every slot before s holds a piece looked at already. */
        ps[out++] = g;
    }
    sc_put(sc, SC_MUSED, used);
    sc_put(sc, SC_HOLEH, w.h);
    sc_put(sc, SC_HOLEST, w.st);
    if (grp && !*oom)
        out = drop_rivals(ps, out, grp, mem_iv);
    sc_put(sc, SC_GRP, grp);
    sc_put(sc, SC_MEMIV, mem_iv);
    return out;
}

/* Anchors [first, first + n) of the chain array: a chain or a piece of one. */
typedef struct arange {
    size_t first, n;
} arange;

/* The pieces of the final passages ps[0, np) that merged pieces in another order in B
 * (tagged by merge_reordered), into *out (malloc'd; NULL when none), each passage's in A order,
 * their moved flags set, and the tags cleared. A piece is in order when it lies on the
 * heaviest (in A tokens; the first found on ties) run of pieces whose B starts increase too;
 * a group all in order has no moves to show and gives no pieces. -1 when out of memory. */
static int pieces_out(const mpieces *mp, ovl_passage *ps, size_t np, ovl_piece **out,
                      size_t *nout)
{
    size_t total = 0, w = 0;
    *out = NULL;
    *nout = 0;
    for (size_t i = 0; i < np; i++) {
        if (ps[i].moved >= 0)
            continue;
        size_t first = (size_t)(-(int64_t)ps[i].moved - 1), k = first;
        while (k < mp->n && mp->v[k].passage == first)
            k++;
        total += k - first;
    }
    ovl_piece *v = total ? malloc(sizeof *v * total) : NULL;
    if (total && !v)
        return -1;
    for (size_t i = 0; i < np; i++) {
        if (ps[i].moved >= 0)
            continue;
        size_t first = (size_t)(-(int64_t)ps[i].moved - 1), n = 0;
        ps[i].moved = 0;
        while (first + n < mp->n && mp->v[first + n].passage == first && n < MERGE_MAX)
            n++;
        const ovl_piece *pc = mp->v + first;
        /* A piece inside another on both sides is a sentence the other bridged over, in
         * another place on each side: moved. */
        int nested[MERGE_MAX] = {0};
        for (size_t j = 0; j < n; j++)
            for (size_t q = 0; q < n && !nested[j]; q++)
                nested[j] = q != j && !(q > j && nested[q]) &&
                            pc[q].a.tok_start <= pc[j].a.tok_start &&
                            pc[j].a.tok_end <= pc[q].a.tok_end &&
                            pc[q].b.tok_start <= pc[j].b.tok_start &&
                            pc[j].b.tok_end <= pc[q].b.tok_end;
        double best[MERGE_MAX];
        int prev[MERGE_MAX], top = -1;
        for (size_t j = 0; j < n; j++) {
            if (nested[j])
                continue;
            best[j] = (double)(pc[j].a.tok_end - pc[j].a.tok_start);
            prev[j] = -1;
            for (size_t q = 0; q < j; q++)
                if (!nested[q] && pc[q].b.tok_start < pc[j].b.tok_start &&
                    best[q] + (double)(pc[j].a.tok_end - pc[j].a.tok_start) > best[j]) {
                    best[j] = best[q] + (double)(pc[j].a.tok_end - pc[j].a.tok_start);
                    prev[j] = (int)q;
                }
            if (top < 0 || best[j] > best[top])
                top = (int)j;
        }
        int inorder[MERGE_MAX] = {0}, moves = 0;
        for (int j = top; j >= 0; j = prev[j])
            inorder[j] = 1;
        for (size_t j = 0; j < n; j++)
            moves += !inorder[j];
        if (!moves)
            continue;
        for (size_t j = 0; j < n; j++) {
            v[w] = pc[j];
            v[w].passage = i;
            v[w].moved = !inorder[j];
            w++;
        }
    }
    if (w == 0) {
        free(v);
        v = NULL;
    }
    *out = v;
    *nout = w;
    return 0;
}

int ovl_align_range(ovl_ctx *ctx, const ovl_doc *a, size_t a0, size_t a1, const ovl_doc *b,
                    size_t b0, size_t b1, const ovl_align_opts *opts, ovl_passage **out,
                    size_t *count)
{
    return ovl__align_range_masked(ctx, a, a0, a1, b, b0, b1, opts, NULL, NULL, out, count);
}

static int align_range(ovl_ctx *ctx, const ovl_doc *a, size_t a0, size_t a1, const ovl_doc *b,
                       size_t b0, size_t b1, const ovl_align_opts *opts, const uint8_t *mask_a,
                       const uint8_t *mask_b, const ovl__kindex *kx, const uint64_t *para_a,
                       const uint64_t *para_b, ovl_passage **out, size_t *count,
                       ovl_piece **pieces_ret, size_t *npieces_ret);

int ovl__align_range_masked(ovl_ctx *ctx, const ovl_doc *a, size_t a0, size_t a1, const ovl_doc *b,
                            size_t b0, size_t b1, const ovl_align_opts *opts, const uint8_t *mask_a,
                            const uint8_t *mask_b, ovl_passage **out, size_t *count)
{
    return align_range(ctx, a, a0, a1, b, b0, b1, opts, mask_a, mask_b, NULL, NULL, NULL, out,
                       count, NULL, NULL);
}

int ovl__align_range_kx(ovl_ctx *ctx, const ovl_doc *a, size_t a0, size_t a1, const ovl_doc *b,
                        size_t b0, size_t b1, const ovl_align_opts *opts, const uint8_t *mask_a,
                        const uint8_t *mask_b, const ovl__kindex *kx, const uint64_t *para_a,
                        const uint64_t *para_b, ovl_passage **out, size_t *count)
{
    return align_range(ctx, a, a0, a1, b, b0, b1, opts, mask_a, mask_b, kx, para_a, para_b, out,
                       count, NULL, NULL);
}

/* pieces_ret NULL: the pieces of merged passages are not wanted (nor recorded). kx (NULL:
 * none): an index of a's k-grams, used when it was built for a with mask_a and the seed
 * length this range takes. para_a, para_b (NULL: found here): ovl__para_bits of the whole
 * documents. */
static int align_range(ovl_ctx *ctx, const ovl_doc *a, size_t a0, size_t a1, const ovl_doc *b,
                       size_t b0, size_t b1, const ovl_align_opts *opts, const uint8_t *mask_a,
                       const uint8_t *mask_b, const ovl__kindex *kx, const uint64_t *para_a,
                       const uint64_t *para_b, ovl_passage **out, size_t *count,
                       ovl_piece **pieces_ret, size_t *npieces_ret)
{
    if (!a || !b || !out || !count || (pieces_ret && !npieces_ret))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_align: NULL argument");
    *out = NULL;
    *count = 0;
    if (pieces_ret) {
        *pieces_ret = NULL;
        *npieces_ret = 0;
    }
    mpieces mp = {NULL, 0, 0};
    ovl_align_opts o = OVL_ALIGN_OPTS_INIT;
    if (opts) {
        /* A version 1 caller's struct ends before reworded: only its fields are read. */
        if (opts->version == 1)
            memcpy(&o, opts, offsetof(ovl_align_opts, reworded));
        else if (opts->version == OVL_ALIGN_OPTS_VERSION)
            o = *opts;
        else
            return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_align: options version %u, expected %u",
                             opts->version, (unsigned)OVL_ALIGN_OPTS_VERSION);
        o.version = OVL_ALIGN_OPTS_VERSION;
    }
    ovl__align_defaults(&o);
    if (a0 > a1 || a1 > a->norm->ntokens || b0 > b1 || b1 > b->norm->ntokens)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1,
                         "ovl_align: token range [%zu,%zu) / [%zu,%zu) outside the documents", a0,
                         a1, b0, b1);
    /* Chain scores of a range of a count its tokens in quarters, in 32 bits. */
    if (a->norm->ntokens >= UINT32_MAX / 4 || b->norm->ntokens >= UINT32_MAX / 2)
        return ovl__fail(ctx, OVL_ERR_TOOBIG, -1, "ovl_align: too many tokens");
    size_t n = a1 - a0, m = b1 - b0;
    const ovl__tok *ta = a->norm->tokens + a0, *tb = b->norm->tokens + b0;

    /* Automatic parameters from the share of CJK tokens: a CJK token is one character, so
     * seeds and gaps must span more of them than of words for the same amount of text. */
    size_t ncjk = 0, nword = 0;
    if (kx && kx->doc == a && kx->n == n) { /* the whole document: counted with its index */
        ncjk = kx->ncjk;
        nword = kx->nword;
    } else {
        for (size_t i = 0; i < n; i++) {
            ncjk += ovl__tok_kind(&ta[i]) == OVL_TOK_CJK;
            nword += ovl__tok_kind(&ta[i]) == OVL_TOK_WORD;
        }
    }
    double cjk_share = ncjk + nword ? (double)ncjk / (double)(ncjk + nword) : 0.0;
    unsigned k = ovl__align_seed_len(&o, ncjk, nword);
    unsigned max_gap = o.max_gap ? o.max_gap : (unsigned)lround(16.0 + 48.0 * cjk_share);

    ascratch local, *s = scratch_open(ctx, &local);
    uint64_t *pa = sc_get(s, SC_PA, sizeof *pa * (n / 64 + 1));
    uint64_t *pb = sc_get(s, SC_PB, sizeof *pb * (m / 64 + 1));
    int32_t *rows = sc_get(s, SC_ROWS, sizeof *rows * 2 * (2 * EXT_BAND + 1));
    mem *mm = NULL, *anch = NULL;
    chain *ch = NULL;
    ovl_passage *ps = NULL;
    arange *stack = NULL;
    size_t nm = 0, nch = 0, np = 0, stcap = 0;
    int rc = OVL_ERR_NOMEM;
    sc_start(s, SC_STACK, &stack, &stcap, sizeof *stack);
    if (!pa || !pb || !rows)
        goto done;
    if (kx && (kx->doc != a || kx->mask != mask_a || kx->k != k || kx->n != a->norm->ntokens))
        kx = NULL;
    if (para_a || kx)
        bits_slice(para_a ? para_a : kx->paras, a0, n, pa);
    else
        para_starts(a, ta, n, pa);
    if (para_b)
        bits_slice(para_b, b0, m, pb);
    else
        para_starts(b, tb, m, pb);
    aln al = {ta, tb, pa, pb, n, m, k, max_gap, o.max_occ, (double)o.min_cjk,
              (double)o.min_words, s};
    if (kx ? find_mems_indexed(s, ta, n, tb, m, k, o.max_occ, mask_a ? mask_a + a0 : NULL,
                               mask_b ? mask_b + b0 : NULL, kx, a0, &mm, &nm)
           : find_mems_masked(s, ta, n, tb, m, k, o.max_occ, mask_a ? mask_a + a0 : NULL,
                              mask_b ? mask_b + b0 : NULL, &mm, &nm))
        goto done;
    if (make_chains(&al, mm, nm, &ch, &nch, &anch))
        goto done;
    /* Only the chains and their anchors are read from here on (peak memory). */
    sc_put(s, SC_MEMS, mm);
    mm = NULL;
    size_t pcap = nch + 1, nst = 0;
    ps = malloc(sizeof *ps * pcap);
    if (!ps)
        goto done;
    for (size_t c = 0; c < nch; c++) {
        if (!ch[c].keep)
            continue;
        /* A chain whose stretch turns out too unlike (one that bridged a gap which is really
         * two different sentences, as shuffled sentences make) is split at its widest gap
         * and its halves tried again. */
        if (sc_grow(s, SC_STACK, &stack, &stcap, 1, sizeof *stack))
            goto done;
        stack[0] = (arange){ch[c].first, ch[c].n};
        nst = 1;
        while (nst > 0) {
            arange ar = stack[--nst];
            const mem *f = &anch[ar.first], *l = &anch[ar.first + ar.n - 1];
            uint32_t ca0 = f->a, ca1 = l->a + l->len, cb0 = f->b, cb1 = l->b + l->len;
            if (ar.n < ch[c].n && weight_below(&al, ca0, ca1, 1.0))
                continue;
            /* Chains end on exact matches; a small edit just before an end hides the few
             * shared tokens after it from the seeds. */
            uint32_t da, db;
            extend_end(&al, ca1, cb1, 1, 2 * max_gap, rows, &da, &db);
            ca1 += da;
            cb1 += db;
            extend_end(&al, ca0, cb0, -1, 2 * max_gap, rows, &da, &db);
            ca0 -= da;
            cb0 -= db;
            ovl__eqrun *runs = NULL;
            size_t nruns = 0;
            if (diff_runs(s, ta + ca0, ca1 - ca0, tb + cb0, cb1 - cb0, &runs, &nruns))
                goto done;
            size_t mc = 0, mw = 0, dist = 0, px = 0, py = 0;
            uint64_t mchars = 0;
            for (size_t r = 0; r <= nruns; r++) {
                size_t x = r < nruns ? runs[r].x : ca1 - ca0, y = r < nruns ? runs[r].y : cb1 - cb0;
                dist += (x - px > y - py) ? x - px : y - py; /* a substitution counts once */
                if (r == nruns)
                    break;
                for (size_t t = x; t < x + runs[r].len; t++) {
                    mchars += ta[ca0 + t].norm_len;
                    mc += ovl__tok_kind(&ta[ca0 + t]) == OVL_TOK_CJK;
                    mw += ovl__tok_kind(&ta[ca0 + t]) == OVL_TOK_WORD;
                }
                px = x + runs[r].len;
                py = y + runs[r].len;
            }
            sc_put(s, SC_RUNS, runs);
            size_t longer = ca1 - ca0 > cb1 - cb0 ? ca1 - ca0 : cb1 - cb0;
            double sim = 1.0 - (double)dist / (double)longer;
            if (sim < MIN_SIMILARITY && ar.n > 1) {
                size_t cut = 1;
                uint32_t wide = 0;
                for (size_t x = 1; x < ar.n; x++) {
                    uint32_t g = end_gap(&anch[ar.first + x - 1], &anch[ar.first + x]);
                    if (g > wide) {
                        wide = g;
                        cut = x;
                    }
                }
                if (sc_grow(s, SC_STACK, &stack, &stcap, nst + 2, sizeof *stack))
                    goto done;
                stack[nst++] = (arange){ar.first + cut, ar.n - cut};
                stack[nst++] = (arange){ar.first, cut};
                continue;
            }
            /* Stock phrases strung together by chance leave most of the stretch unmatched. */
            if ((double)mc / o.min_cjk + (double)mw / o.min_words < 1.0 || sim < MIN_SIMILARITY)
                continue;
            if (ovl__grow(&ps, &pcap, np + 1, sizeof *ps))
                goto done;
            ovl_passage *pg = &ps[np++];
            memset(pg, 0, sizeof *pg);
            ovl_span_from_tokens(a, a0 + ca0, a0 + ca1, &pg->a);
            ovl_span_from_tokens(b, b0 + cb0, b0 + cb1, &pg->b);
            pg->similarity = sim;
            pg->matched_chars = mchars;
            pg->moved = ch[c].keep == 2 ? MOVED_WEAK : ch[c].keep == 3 ? MOVED_WEAK_A : 0;
        }
    }
    sc_put(s, SC_ANCH, anch);
    anch = NULL;
    sc_put(s, SC_STACK, stack);
    stack = NULL;
    sc_put(s, SC_CH, ch);
    ch = NULL;
    if (np > 1)
        qsort(ps, np, sizeof *ps, cmp_passage);
    int oom = 0;
    np = merge_reordered(s, a, b, ps, np, max_gap, 2 * k, (double)o.min_cjk, (double)o.min_words,
                         pieces_ret ? &mp : NULL, &oom);
    if (oom)
        goto done;
    for (size_t i = 0; i < np; i++)
        ps[i].score = ps[i].similarity;
    if (o.reworded && ovl__align_reworded(ctx, a, a0, a1, b, b0, b1, &o, &ps, &np, &pcap))
        goto done;
    if (o.min_score > 0.0) {
        size_t w = 0;
        for (size_t i = 0; i < np; i++)
            if (ps[i].score >= o.min_score)
                ps[w++] = ps[i];
        np = w;
    }
    /* A merged stretch starts where its earliest piece did in b: the order may have changed. */
    if (np > 1)
        qsort(ps, np, sizeof *ps, cmp_passage);
    if (pieces_ret && pieces_out(&mp, ps, np, pieces_ret, npieces_ret))
        goto done;
    if (mark_moved(s, ps, np))
        goto done;
    if (np == 0) {
        free(ps);
        ps = NULL;
    }
    *out = ps;
    *count = np;
    ps = NULL;
    rc = OVL_OK;
done:
    free(ps);
    free(mp.v);
    if (rc != OVL_OK && pieces_ret) {
        free(*pieces_ret);
        *pieces_ret = NULL;
        *npieces_ret = 0;
    }
    scratch_close(s, &local);
    if (rc != OVL_OK)
        return ovl__fail(ctx, rc, -1, "ovl_align: out of memory");
    return OVL_OK;
}

int ovl_align_pieces(ovl_ctx *ctx, const ovl_doc *a, const ovl_doc *b, const ovl_align_opts *opts,
                     ovl_passage **out, size_t *count, ovl_piece **pieces, size_t *npieces)
{
    if (!a || !b)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_align: NULL document");
    if (!pieces || !npieces)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_align_pieces: NULL argument");
    return align_range(ctx, a, 0, a->norm->ntokens, b, 0, b->norm->ntokens, opts, NULL, NULL, NULL,
                       NULL, NULL, out, count, pieces, npieces);
}

int ovl_align(ovl_ctx *ctx, const ovl_doc *a, const ovl_doc *b, const ovl_align_opts *opts,
              ovl_passage **out, size_t *count)
{
    if (!a || !b)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_align: NULL document");
    return ovl_align_range(ctx, a, 0, a->norm->ntokens, b, 0, b->norm->ntokens, opts, out, count);
}

void ovl__align_defaults(ovl_align_opts *o)
{
    if (o->min_cjk == 0)
        o->min_cjk = 20;
    if (o->min_words == 0)
        o->min_words = 8;
    if (o->max_occ == 0)
        o->max_occ = 64;
}

unsigned ovl__align_seed_len(const ovl_align_opts *o, size_t ncjk, size_t nword)
{
    if (o->seed_len)
        return o->seed_len;
    return ncjk && 2 * ncjk >= ncjk + nword ? 5u : 3u;
}

int ovl__align_regroup(ovl_ctx *ctx, ovl_passage *ps, size_t np)
{
    if (np > 1)
        qsort(ps, np, sizeof *ps, cmp_passage);
    ascratch local, *s = scratch_open(ctx, &local);
    int rc = mark_moved(s, ps, np);
    scratch_close(s, &local);
    return rc ? ovl__fail(ctx, OVL_ERR_NOMEM, -1, "ovl_align: out of memory") : OVL_OK;
}
