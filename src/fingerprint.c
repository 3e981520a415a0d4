/* fingerprint.c - shingle hashing, one-permutation MinHash with optimal densification, chunk band keys, document chunking. */
#include "internal.h"

/* Inlined: the shingle finish hashes 8 bytes, where a call would cost more than the hash. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <math.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Defaults were measured (throwaway harness, 150 trials per cell) on CSL abstracts, real
 * Chinese academic prose: a 60-character passage planted inside two different 2,000-character
 * paragraphs, one copy carrying 0/5/10% character edits (substitute/delete/insert), 16 bands
 * x 3 rows; "none" = same hosts without the passage (floor 0.03: hosts sharing an abstract).
 *   W=50 k=3: 0.98 0.92 0.85 none 0.05    W=40 k=3: 0.99 0.96 0.91 none 0.07
 *   W=50 k=4: 0.98 0.87 0.67 none 0.03    W=40 k=4: 0.99 0.95 0.74 none 0.03
 *   W=50 k=5: 0.98 0.81 0.57 none 0.03    W=30 k=4: 1.00 0.97 0.88 none 0.03
 *   W=80 k=4: 0.81 0.61 0.38 none 0.03
 * k=4 CJK is the smallest shingle whose unrelated-text collisions stay at the floor (k<=3
 * shares stock phrases of academic prose across unrelated papers); k>=5 loses recall under
 * edits. W=50 (stride 25) rather than 30-40 because finder memory grows with the number of
 * chunks: at W=50 a 256 MB Chinese corpus (~85M tokens, 3.4M chunks) needs ~0.7 GB for 16
 * bands. Words carry more information each; k=3 words was not measured (no English corpus
 * at hand) and follows common practice. */
#define OVL_FP_MAX_K 64
#define OVL_FP_MAX_HASHES 4096
#define OVL_FP_MAX_CHUNK (1u << 20)

struct ovl_fp {
    ovl_fp_opts p;
    size_t nchunks;
    ovl_fp_chunk *chunks;
    uint32_t *sigs;   /* nchunks * num_hashes */
    uint64_t *keys;   /* nchunks * bands */
    uint32_t *docsig; /* num_hashes */
    size_t nshingles;
};

size_t ovl_shingle_count(size_t n, unsigned k)
{
    if (n == 0 || k == 0)
        return 0;
    return n >= k ? n - k + 1 : 1;
}

/* Shingle hashes combine the k token hashes polynomially, r = sum h[i+j] * M^(k-1-j) mod
 * 2^64, and finish with one seeded XXH3 of the 8 bytes of r. Hashing k * 8 bytes per position
 * was ~27% of fingerprinting; with prefix values pre[j] = sum_{t<j} h[t] M^(j-1-t) the
 * combination of any window is pre[i+k] - pre[i] * M^k, one multiply whatever k. M is odd,
 * so windows differing in one token always differ in r. (A hand-made multiply-xorshift finish
 * saved ~6 instructions per shingle, but the shingle hash is specified as XXH3, seeded.) */
#define OVL_SHINGLE_MUL 0x9E3779B185EBCA87ull

/* The finish takes the seed itself. */
static inline uint64_t shingle_key(uint64_t seed) { return seed; }

static inline uint64_t shingle_finish(uint64_t r, uint64_t seed)
{
    return XXH3_64bits_withSeed(&r, sizeof r, seed);
}

size_t ovl_shingles(const uint64_t *h, size_t n, unsigned k, uint64_t seed, uint64_t *out)
{
    size_t c = ovl_shingle_count(n, k);
    if (c == 0)
        return 0;
    size_t kk = n < k ? n : k;
    /* M^kk, and the combination of the first window */
    uint64_t mk = 1, r = 0, key = shingle_key(seed);
    for (size_t j = 0; j < kk; j++) {
        mk *= OVL_SHINGLE_MUL;
        r = r * OVL_SHINGLE_MUL + h[j];
    }
    out[0] = shingle_finish(r, key);
    for (size_t i = 1; i < c; i++) {
        r = r * OVL_SHINGLE_MUL - h[i - 1] * mk + h[i + kk - 1];
        out[i] = shingle_finish(r, key);
    }
    return c;
}

/* Probe sequence of the densification: a splitmix64 finalizer over (seed, bin, attempt). */
static inline uint64_t probe_mix(uint64_t seed, uint32_t bin, uint32_t attempt)
{
    uint64_t z = seed ^ (((uint64_t)bin << 32) | attempt);
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline uint32_t oph_bin(uint64_t h, unsigned K)
{
    return (uint32_t)(((h >> 32) * (uint64_t)K) >> 32);
}

#define OVL_DENSIFY_SEED 0xD6E8FEB86659FD93ull
/* Probe rounds a probe cache can hold. A chunk fills ~60% of its 48 band-key bins, so most
 * empty bins are done in 1-3 rounds; a short paragraph with few shingles needs more, and
 * bins still empty after the cached rounds compute their probes. */
#define OVL_PROBE_ROUNDS 48

/* Densification probes of K bins, cached round by round: row t-1 holds
 * oph_bin(probe_mix(seed, i, t), K) for every bin i. Rounds are built only when a
 * densification first reaches them, so a document whose chunks are dense pays for few. */
typedef struct probe_cache {
    uint16_t *tab; /* OVL_PROBE_ROUNDS * K entries, round-major */
    unsigned K;
    uint32_t rounds; /* rows built */
    uint64_t dseed;
} probe_cache;

static void probe_build(probe_cache *pc, uint32_t upto)
{
    for (uint32_t t = pc->rounds + 1; t <= upto; t++)
        for (unsigned i = 0; i < pc->K; i++)
            pc->tab[(size_t)(t - 1) * pc->K + i] = (uint16_t)oph_bin(probe_mix(pc->dseed, i, t), pc->K);
    pc->rounds = upto;
}

/* Copies raw[0..K) to sig and returns the mask of its empty bins (bit i: raw[i] empty),
 * K <= 64. A small memcpy here became "rep movsq", slow to start for 192 bytes. */
static inline uint64_t copy_empty_mask(const uint32_t *raw, unsigned K, uint32_t *sig)
{
    uint64_t m = 0;
    unsigned i = 0;
#ifdef __SSE2__
    const __m128i e = _mm_set1_epi32(-1);
    for (; i + 4 <= K; i += 4) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(raw + i));
        _mm_storeu_si128((__m128i *)(void *)(sig + i), v);
        m |= (uint64_t)(unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(v, e))) << i;
    }
#endif
    for (; i < K; i++) {
        sig[i] = raw[i];
        m |= (uint64_t)(raw[i] == OVL_MINHASH_EMPTY) << i;
    }
    return m;
}

/* densify for K <= 64 bins (the band-key sketch): the bins still empty are a bit mask, so
 * the first pass is a SIMD compare instead of a per-bin compaction, and each round visits
 * only the set bits. Same result as the list version. */
static void densify_small(const uint32_t *raw, unsigned K, uint64_t seed, probe_cache *pc,
                          uint32_t *sig)
{
    uint64_t m = copy_empty_mask(raw, K, sig);
    uint64_t all = K == 64 ? ~0ull : (1ull << K) - 1;
    if (m == 0 || m == all)
        return;
    uint32_t t = 1;
    for (; pc && pc->tab && m && t <= OVL_PROBE_ROUNDS; t++) {
        if (t > pc->rounds) {
            uint32_t want = pc->rounds ? 2 * pc->rounds : 4;
            probe_build(pc, want < OVL_PROBE_ROUNDS ? want : OVL_PROBE_ROUNDS);
        }
        const uint16_t *row = pc->tab + (size_t)(t - 1) * K;
        for (uint64_t it = m; it; it &= it - 1) {
            unsigned i = (unsigned)__builtin_ctzll(it);
            uint32_t v = raw[row[i]];
            sig[i] = v;
            m ^= (uint64_t)(v != OVL_MINHASH_EMPTY) << i;
        }
    }
    uint64_t dseed = seed ^ OVL_DENSIFY_SEED;
    for (; m; m &= m - 1) {
        unsigned i = (unsigned)__builtin_ctzll(m);
        for (uint32_t u = t;; u++) {
            uint32_t j = oph_bin(probe_mix(dseed, i, u), K);
            if (raw[j] != OVL_MINHASH_EMPTY) {
                sig[i] = raw[j];
                break;
            }
        }
    }
}

/* Fills empty bins (OVL_MINHASH_EMPTY) of raw into sig by optimal densification: empty bin
 * i takes the value of the first non-empty bin among probe_mix(seed, i, t), t = 1, 2, ...
 * Only bins [0, upto) are written (each bin's value does not depend on the others').
 * list has room for 2 * K entries. pc (may be NULL) caches probes of K bins.
 * Bins still empty are processed round by round over a compacted list, without branches
 * on the (unpredictable) probe outcome: this is what makes densification cheap. */
static void densify(const uint32_t *raw, unsigned K, unsigned upto, uint64_t seed,
                    probe_cache *pc, uint16_t *list, uint32_t *sig)
{
    if (K <= 64 && upto == K) {
        densify_small(raw, K, seed, pc, sig);
        return;
    }
    uint64_t dseed = seed ^ OVL_DENSIFY_SEED;
    size_t m = 0;
    unsigned filled = 0;
    for (unsigned i = 0; i < upto; i++) {
        sig[i] = raw[i];
        list[m] = (uint16_t)i;
        m += raw[i] == OVL_MINHASH_EMPTY;
    }
    if (m == 0)
        return;
    filled = upto - (unsigned)m;
    for (unsigned i = upto; i < K && !filled; i++)
        filled += raw[i] != OVL_MINHASH_EMPTY;
    if (filled == 0)
        return;
    /* Two halves of list alternate as input and output, so the compaction's stores never
     * alias the loads of the same round. */
    uint16_t *in = list, *outl = list + K;
    uint32_t t = 1;
    for (; pc && pc->tab && m && t <= OVL_PROBE_ROUNDS; t++) {
        if (t > pc->rounds) {
            uint32_t want = pc->rounds ? 2 * pc->rounds : 4;
            probe_build(pc, want < OVL_PROBE_ROUNDS ? want : OVL_PROBE_ROUNDS);
        }
        const uint16_t *row = pc->tab + (size_t)(t - 1) * K;
        size_t m2 = 0;
        for (size_t x = 0; x < m; x++) {
            uint16_t i = in[x];
            uint32_t v = raw[row[i]];
            sig[i] = v;
            outl[m2] = i;
            m2 += v == OVL_MINHASH_EMPTY;
        }
        uint16_t *tmp = in;
        in = outl;
        outl = tmp;
        m = m2;
    }
    list = in;
    for (size_t x = 0; x < m; x++) {
        uint16_t i = list[x];
        for (uint32_t u = t;; u++) {
            uint32_t j = oph_bin(probe_mix(dseed, i, u), K);
            if (raw[j] != OVL_MINHASH_EMPTY) {
                sig[i] = raw[j];
                break;
            }
        }
    }
}

/* A probe cache for K bins (empty until used); tab NULL when out of memory, which only
 * makes densification compute its probes. */
static probe_cache probe_cache_new(unsigned K, uint64_t seed)
{
    probe_cache pc = {malloc((size_t)OVL_PROBE_ROUNDS * K * sizeof(uint16_t)), K, 0,
                      seed ^ OVL_DENSIFY_SEED};
    return pc;
}

static inline void oph_add(uint32_t *raw, unsigned K, uint64_t h)
{
    uint32_t b = oph_bin(h, K);
    uint32_t v = (uint32_t)h, o = raw[b];
    /* Branchless: whether a shingle lowers its bin is unpredictable early in a document. */
    raw[b] = v < o ? v : o;
}

void ovl_minhash(const uint64_t *sh, size_t n, unsigned K, uint64_t seed, uint32_t *sig)
{
    if (K == 0)
        return;
    /* Raw bins live in sig itself; densify reads them from a copy only when needed. */
    for (unsigned i = 0; i < K; i++)
        sig[i] = OVL_MINHASH_EMPTY;
    for (size_t i = 0; i < n; i++)
        oph_add(sig, K, sh[i]);
    uint32_t stackbuf[256];
    uint16_t stacklist[512];
    uint32_t *raw = K <= 256 ? stackbuf : malloc((size_t)K * sizeof *raw);
    uint16_t *list = K <= 256 ? stacklist : malloc((size_t)K * 2 * sizeof *list);
    if (raw && list) {
        memcpy(raw, sig, (size_t)K * sizeof *raw);
        densify(raw, K, K, seed, NULL, list, sig);
    } /* else out of memory: sig keeps the undensified bins, still a valid sketch */
    if (raw != stackbuf)
        free(raw);
    if (list != stacklist)
        free(list);
}

double ovl_minhash_similarity(const uint32_t *a, const uint32_t *b, unsigned K)
{
    if (K == 0)
        return 0.0;
    unsigned eq = 0;
    for (unsigned i = 0; i < K; i++)
        eq += a[i] == b[i];
    return (double)eq / K;
}

/* Band keys are hashed per chunk (16 per 50 tokens): a seeded XXH3 of 12 bytes was ~26
 * instructions per key, ~10% of Chinese fingerprinting. A key is now one 64x64->128-bit
 * multiply of the band's values xored with two secrets, folded (the core of XXH3's 9-16
 * byte path), ~14 instructions; the secrets depend only on (seed, band), so a document
 * computes them once. See fingerprint.h for the definition. */
#define OVL_BAND_GOLD 0x9E3779B97F4A7C15ull
#define OVL_BAND_SECRET2 0xC2B2AE3D27D4EB4Full

static inline uint64_t band_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Secrets of bands 0..bands): sec[2j], sec[2j+1]. */
static void band_secrets(uint64_t seed, unsigned bands, uint64_t *sec)
{
    for (unsigned j = 0; j < bands; j++) {
        uint64_t bseed = seed + OVL_BAND_GOLD * (uint64_t)(j + 1);
        sec[2 * j] = band_mix64(bseed);
        sec[2 * j + 1] = band_mix64(bseed ^ OVL_BAND_SECRET2);
    }
}

/* Two uint32 values read as one uint64 -> v[0] | v[1] << 32 on any byte order. */
static inline uint64_t le_pair(uint64_t w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return w >> 32 | w << 32;
#else
    return w;
#endif
}

static inline uint64_t band_fold(uint64_t x, uint64_t y)
{
    unsigned __int128 p = (unsigned __int128)x * y;
    return (uint64_t)p ^ (uint64_t)(p >> 64);
}

/* Key of one band of `rows` values (see ovl_lsh_band_keys). x and y are the band's values
 * xored with secrets of (seed, band), so they look random and are 0 only with probability
 * ~2^-64; the folded 128-bit product of two such words is well mixed in every bit, so no
 * final avalanche is needed (keys are compared, and radix-sorted by their bits). */
static inline uint64_t band_key(const uint32_t *v, unsigned rows, const uint64_t *sec)
{
    uint64_t acc = 0;
    unsigned i = 0;
    for (; i + 4 <= rows; i += 4) {
        uint64_t w0, w1;
        memcpy(&w0, v + i, 8); /* v[i] | v[i + 1] << 32 on little-endian machines */
        memcpy(&w1, v + i + 2, 8);
        w0 = le_pair(w0);
        w1 = le_pair(w1);
        acc = band_fold(w0 ^ sec[0] ^ acc, w1 ^ sec[1]);
    }
    if (i < rows) {
        uint64_t w0 = v[i], w1 = 0;
        if (i + 1 < rows) {
            memcpy(&w0, v + i, 8);
            w0 = le_pair(w0);
        }
        if (i + 2 < rows)
            w1 = v[i + 2];
        acc = band_fold(w0 ^ sec[0] ^ acc, w1 ^ sec[1]);
    }
    return acc;
}

/* Band keys with precomputed secrets; rows of 1-4 values get the loop above unrolled with
 * the count known. */
static void band_keys_sec(const uint32_t *sig, unsigned bands, unsigned rows,
                          const uint64_t *sec, uint64_t *keys)
{
#define OVL_BAND_LOOP(R)                                                                       \
    for (unsigned j = 0; j < bands; j++)                                                       \
        keys[j] = band_key(sig + (size_t)j * (R), (R), sec + 2 * j);
    switch (rows) {
    case 1:
        OVL_BAND_LOOP(1)
        break;
    case 2:
        OVL_BAND_LOOP(2)
        break;
    case 3:
        OVL_BAND_LOOP(3)
        break;
    case 4:
        OVL_BAND_LOOP(4)
        break;
    default:
        OVL_BAND_LOOP(rows)
    }
#undef OVL_BAND_LOOP
}

void ovl_lsh_band_keys(const uint32_t *sig, unsigned bands, unsigned rows, uint64_t seed,
                       uint64_t *keys)
{
    uint64_t sec[2];
    for (unsigned j = 0; j < bands; j++) {
        band_secrets(seed + OVL_BAND_GOLD * (uint64_t)j, 1, sec);
        band_keys_sec(sig + (size_t)j * rows, 1, rows, sec, keys + j);
    }
}

int ovl_fp_opts_resolve(ovl_ctx *ctx, const ovl_fp_opts *opts, ovl_fp_opts *out)
{
    static const ovl_fp_opts defaults = OVL_FP_OPTS_INIT;
    ovl_fp_opts p = opts ? *opts : defaults;
    if (p.version != OVL_FP_OPTS_VERSION)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "fingerprint options: version %u, expected %u",
                         p.version, OVL_FP_OPTS_VERSION);
    if (p.k_cjk < 1 || p.k_cjk > OVL_FP_MAX_K || p.k_word < 1 || p.k_word > OVL_FP_MAX_K)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1,
                         "shingle size must be 1..%d tokens (k_cjk %u, k_word %u)", OVL_FP_MAX_K,
                         p.k_cjk, p.k_word);
    if (p.num_hashes < 1 || p.num_hashes > OVL_FP_MAX_HASHES)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "number of MinHash values must be 1..%d, not %u",
                         OVL_FP_MAX_HASHES, p.num_hashes);
    if (p.chunk_tokens < 1 || p.chunk_tokens > OVL_FP_MAX_CHUNK)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "chunk size must be 1..%u tokens, not %u",
                         OVL_FP_MAX_CHUNK, p.chunk_tokens);
    if (p.chunk_tokens < p.k_cjk || p.chunk_tokens < p.k_word)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1,
                         "chunk size %u is smaller than a shingle (k_cjk %u, k_word %u)",
                         p.chunk_tokens, p.k_cjk, p.k_word);
    if (p.chunk_stride == 0)
        p.chunk_stride = p.chunk_tokens / 2 ? p.chunk_tokens / 2 : 1;
    if (p.chunk_stride > p.chunk_tokens)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1,
                         "chunk stride %u exceeds the chunk size %u (tokens would be skipped)",
                         p.chunk_stride, p.chunk_tokens);
    if (p.bands == 0) {
        int rc = ovl_lsh_choose(ctx, p.threshold, p.num_hashes, p.max_bands, 1.0, 1.0, &p.bands,
                                &p.rows);
        if (rc)
            return rc;
    } else if (p.rows == 0 || (uint64_t)p.bands * p.rows > p.num_hashes) {
        return ovl__fail(ctx, OVL_ERR_INVALID, -1,
                         "%u bands x %u rows do not fit in %u MinHash values", p.bands, p.rows,
                         p.num_hashes);
    }
    *out = p;
    return OVL_OK;
}

void ovl_fp_free(ovl_fp *fp)
{
    if (!fp)
        return;
    free(fp->chunks);
    free(fp->sigs);
    free(fp->keys);
    free(fp->docsig);
    free(fp);
}

const ovl_fp_opts *ovl_fp_params(const ovl_fp *fp) { return &fp->p; }
size_t ovl_fp_chunk_count(const ovl_fp *fp) { return fp->nchunks; }
const ovl_fp_chunk *ovl_fp_chunks(const ovl_fp *fp) { return fp->chunks; }
const uint32_t *ovl_fp_signature(const ovl_fp *fp, size_t i)
{
    return fp->sigs ? fp->sigs + i * fp->p.num_hashes : NULL;
}
const uint64_t *ovl_fp_band_keys(const ovl_fp *fp, size_t i) { return fp->keys + i * fp->p.bands; }
const uint32_t *ovl_fp_doc_signature(const ovl_fp *fp) { return fp->docsig; }
size_t ovl_fp_shingle_count(const ovl_fp *fp) { return fp->nshingles; }

/* Algorithm choice for chunk band keys. A chunk (W = 50 tokens) has only ~46 shingles, so
 * a K = 128 one-permutation sketch leaves ~70% of its bins empty and densifying them cost
 * ~55% of fingerprinting (60-80 MB/s per core). Band keys now come from their own OPH
 * sketch of exactly bands * rows bins (48 by default; ~38% empty, ~1.6 probes each),
 * densified as above and keyed by ovl_lsh_band_keys: the keys of chunk [s, e) are those
 * of ovl_minhash(its shingles, bands * rows, seed), independent of keep_signatures, whose
 * K-bin signature stays ovl_minhash(its shingles, K, seed). OPH with optimal
 * densification keeps P[equal bin] = Jaccard, and the LSH test checks the 16 x 3 S-curve
 * against brute-force Jaccard with this 48-bin sketch.
 * Raw (undensified) bins of a set are the bin-wise minima of any cover of it, so with
 * windows every S = W / 2 tokens each shingle is binned once per S-token block (two sets
 * of bins per block, see do_unit) and a window is a 48-lane min of two blocks.
 * Measured (bench_fp, 64 MB, best of runs on a loaded 2-core machine; callgrind on 2 MB):
 * before 63 MB/s zh, 79 MB/s en, 463M instructions; after see below. Rejected: 48
 * multiply-shift permutations per shingle (k-perm MinHash, option "only the values the
 * keys need"): 48 x 25 lane-ops per chunk even with the block trick, and baseline x86-64
 * (SSE2) has neither a 32-bit lane multiply nor unsigned min, so ~3K instructions per chunk
 * against ~1K for the 48-bin OPH. Per-document ovl_lsh_choose (options are resolved per
 * document) was 40% of the instructions; it now prunes shapes that cannot win.
 * Chinese throughput pass (same bench; callgrind on 2 MB zh): shingles became a polynomial
 * combination plus one 8-byte XXH3 (see ovl_shingles), densification of the <= 64-bin
 * sketch a bit mask, band-key XXH3 inlined for 1-4 rows, the prefix chain unrolled by four,
 * chunk arrays sized up front: zh 110 -> 167 MB/s, en 201 -> 309 MB/s (best of 7, busy
 * machine, base and new binaries interleaved); zh 132M -> 95M instructions (en 71M -> 54M).
 * Second Chinese pass: the shingle finish became a 4-step multiply/xorshift mix instead of
 * XXH3 of 8 bytes, band keys one folded 128-bit product with per-document secrets instead of
 * XXH3 of 12 bytes, the CJK prefix counts fused into the prefix loop, the mixed-kind loop's
 * shingle size chosen by cmov from locals: zh 188-195 -> 210-222 MB/s, en 400-419 ->
 * 448-454 MB/s (best of 7, three interleaved base/new pairs, busy machine); callgrind on
 * 2 MB zh 91.6M -> 82.2M instructions.
 * Band-key bins are processed in groups of this many uint32 lanes (storage padded with
 * empty bins), so the per-chunk merges are fixed-length SIMD loops. */
#define OVL_LANES 16

/* Working buffers of one fingerprinting call, reused across paragraph units. */
typedef struct fp_work {
    unsigned KB, KBp;   /* band-key sketch bins (bands * rows), padded to OVL_LANES */
    const ovl_token *tokens;
    /* Per-unit arrays, sized to the longest unit so far (ucap entries): small enough to
     * stay in cache, unlike whole-document copies. */
    size_t ucap;
    uint64_t *pre;      /* prefix combinations of its token hashes (len + 1, see ovl_shingles) */
    uint64_t pw[OVL_FP_MAX_K + 1]; /* OVL_SHINGLE_MUL^k */
    uint32_t *ncjk;     /* prefix counts of its CJK tokens (len + 1) */
    uint64_t *sh;       /* shingle hashes of the unit, by start offset */
    uint32_t *shend;    /* token end of each of those shingles (0: none starts there) */
    uint16_t *sbin;     /* band-key sketch bin of each of those shingles */
    uint32_t *blk;      /* per stride block of the unit: 2 * KBp bins (see do_unit) */
    size_t blkcap;      /* uint32 entries allocated in blk */
    uint32_t *craw;     /* band-key sketch bins of the current chunk (KBp) */
    uint32_t *csig;     /* its densified values (KB) */
    uint32_t *raw;      /* K OPH bins of the current chunk, when signatures are kept */
    uint32_t *docraw;   /* K OPH bins of the whole document */
    probe_cache pck;    /* probes of the band-key sketch */
    probe_cache pcs;    /* probes of K bins, for kept signatures */
    uint16_t *list;     /* bins still empty while densifying (2 * max(K, KB)) */
    uint64_t *bsec;     /* band-key secrets (2 * bands, see band_secrets) */
} fp_work;

/* Four uint32 lanes (GCC/Clang vector extension): the per-chunk merges below must stay
 * SIMD at -O2, where the auto-vectorizer rejects the equivalent scalar loop. */
typedef uint32_t ovl_u32x4 __attribute__((vector_size(16)));

/* dst = min(dst, src) lane by lane over n (a multiple of OVL_LANES) bins. */
static inline void min_into(uint32_t *dst, const uint32_t *src, unsigned n)
{
    for (unsigned i = 0; i < n; i += 4) {
        ovl_u32x4 a, b;
        memcpy(&a, dst + i, sizeof a);
        memcpy(&b, src + i, sizeof b);
        ovl_u32x4 lt = (ovl_u32x4)(b < a);
        a = (b & lt) | (a & ~lt);
        memcpy(dst + i, &a, sizeof a);
    }
}

/* dst[0..n) = src[0..n), n a multiple of OVL_LANES (fixed-length SIMD, no libc call). */
static inline void copy_lanes(uint32_t *dst, const uint32_t *src, unsigned n)
{
    for (unsigned i = 0; i < n; i += 4) {
        ovl_u32x4 a;
        memcpy(&a, src + i, sizeof a);
        memcpy(dst + i, &a, sizeof a);
    }
}

/* dst[0..n) = OVL_MINHASH_EMPTY, n a multiple of OVL_LANES. */
static inline void empty_lanes(uint32_t *dst, unsigned n)
{
    const ovl_u32x4 e = {OVL_MINHASH_EMPTY, OVL_MINHASH_EMPTY, OVL_MINHASH_EMPTY,
                         OVL_MINHASH_EMPTY};
    for (unsigned i = 0; i < n; i += 4)
        memcpy(dst + i, &e, sizeof e);
}

/* Appends chunk [s, e) of the unit starting at u0. w->craw holds the band-key sketch bins of
 * the chunk's shingles; with kept signatures, its K-bin OPH is built here from w->sh. */
/* Grows the chunk arrays to ncap chunks. */
static int chunks_reserve(ovl_fp *fp, size_t *cap, size_t ncap)
{
    unsigned K = fp->p.num_hashes;
    ovl_fp_chunk *c = realloc(fp->chunks, ncap * sizeof *c);
    if (!c)
        return -1;
    fp->chunks = c;
    if (fp->p.keep_signatures) {
        uint32_t *sg = realloc(fp->sigs, ncap * K * sizeof *sg);
        if (!sg)
            return -1;
        fp->sigs = sg;
    }
    uint64_t *k = realloc(fp->keys, ncap * fp->p.bands * sizeof *k);
    if (!k)
        return -1;
    fp->keys = k;
    *cap = ncap;
    return 0;
}

static int emit_chunk(ovl_fp *fp, fp_work *w, size_t *cap, uint32_t u0, uint32_t s, uint32_t e)
{
    unsigned K = fp->p.num_hashes;
    if (fp->nchunks == *cap && chunks_reserve(fp, cap, *cap ? *cap * 2 : 16))
        return -1;
    size_t idx = fp->nchunks++;
    fp->chunks[idx].tok_start = s;
    fp->chunks[idx].tok_end = e;
    if (fp->p.keep_signatures) {
        for (unsigned i = 0; i < K; i++)
            w->raw[i] = OVL_MINHASH_EMPTY;
        for (uint32_t i = s; i < e; i++) {
            uint32_t se = w->shend[i - u0];
            if (se != 0 && se <= e)
                oph_add(w->raw, K, w->sh[i - u0]);
        }
        densify(w->raw, K, K, fp->p.seed, &w->pcs, w->list, fp->sigs + idx * K);
    }
    densify(w->craw, w->KB, w->KB, fp->p.seed, &w->pck, w->list, w->csig);
    band_keys_sec(w->csig, fp->p.bands, fp->p.rows, w->bsec, fp->keys + idx * fp->p.bands);
    return 0;
}

/* Band-key sketch bins of the shingles starting in [s, e) and ending by e, into w->craw. */
static void chunk_direct(fp_work *w, uint32_t u0, uint32_t s, uint32_t e)
{
    uint32_t *raw = w->craw;
    empty_lanes(raw, w->KBp);
    for (uint32_t i = s - u0; i < e - u0; i++) {
        uint32_t se = w->shend[i], v = (uint32_t)w->sh[i], b = w->sbin[i];
        if (se != 0 && se <= e && v < raw[b])
            raw[b] = v;
    }
}

/* Hashes the shingles of unit [u0, u1) and emits its chunk windows. */
static int do_unit(ovl_fp *fp, fp_work *w, size_t *cap, uint32_t u0, uint32_t u1)
{
    const ovl_fp_opts *p = &fp->p;
    unsigned K = p->num_hashes, KB = w->KB, KBp = w->KBp;
    unsigned kmax = p->k_cjk > p->k_word ? p->k_cjk : p->k_word;
    uint32_t len = u1 - u0;
    size_t count = 0;
    if (len + 1 > w->ucap) {
        size_t c = (size_t)len + 1 > 2 * w->ucap ? (size_t)len + 1 : 2 * w->ucap;
        free(w->pre);
        free(w->ncjk);
        free(w->sh);
        free(w->shend);
        free(w->sbin);
        w->pre = malloc(c * sizeof *w->pre);
        w->ncjk = malloc(c * sizeof *w->ncjk);
        w->sh = malloc(c * sizeof *w->sh);
        w->shend = malloc(c * sizeof *w->shend);
        w->sbin = malloc(c * sizeof *w->sbin);
        w->ucap = c;
        if (!w->pre || !w->ncjk || !w->sh || !w->shend || !w->sbin) {
            w->ucap = 0;
            return -1;
        }
    }
    uint64_t *pre = w->pre, *sh = w->sh, skey = shingle_key(p->seed);
    uint32_t *nc = w->ncjk, *shend = w->shend, *docraw = w->docraw;
    uint16_t *sbin = w->sbin;
    const ovl_token *tok = w->tokens + u0;
    pre[0] = 0;
    nc[0] = 0;
    /* pre[i + 1] = pre[i] * M + h[i], four tokens per step: the dependency chain through
     * pre is one multiply-add per four tokens instead of per token (the 4-cycle multiply
     * latency chain was the loop's bound); the others branch off it. */
    const uint64_t m1 = w->pw[1], m2 = w->pw[2], m3 = w->pw[3], m4 = w->pw[4];
    uint32_t i4 = 0;
    for (; i4 + 4 <= len; i4 += 4) {
        uint64_t h0 = tok[i4].hash, h1 = tok[i4 + 1].hash, h2 = tok[i4 + 2].hash,
                 h3 = tok[i4 + 3].hash, b = pre[i4];
        uint64_t a1 = h0, a2 = h0 * m1 + h1, a3 = h0 * m2 + h1 * m1 + h2;
        uint64_t a4 = h0 * m3 + h1 * m2 + h2 * m1 + h3;
        pre[i4 + 1] = b * m1 + a1;
        pre[i4 + 2] = b * m2 + a2;
        pre[i4 + 3] = b * m3 + a3;
        pre[i4 + 4] = b * m4 + a4;
        uint32_t c = nc[i4], c1 = c + (tok[i4].kind == OVL_TOK_CJK),
                 c2 = c1 + (tok[i4 + 1].kind == OVL_TOK_CJK),
                 c3 = c2 + (tok[i4 + 2].kind == OVL_TOK_CJK);
        nc[i4 + 1] = c1;
        nc[i4 + 2] = c2;
        nc[i4 + 3] = c3;
        nc[i4 + 4] = c3 + (tok[i4 + 3].kind == OVL_TOK_CJK);
    }
    for (; i4 < len; i4++) {
        pre[i4 + 1] = pre[i4] * OVL_SHINGLE_MUL + tok[i4].hash;
        nc[i4 + 1] = nc[i4] + (tok[i4].kind == OVL_TOK_CJK);
    }
    uint32_t ncjk = nc[len];
    if (ncjk == 0 || ncjk == len) {
        /* One kind throughout (the common case): one shingle size, no majority votes. */
        unsigned k = ncjk ? p->k_cjk : p->k_word;
        uint64_t mk = w->pw[k];
        uint32_t nsh = len >= k ? len - k + 1 : 0;
        for (uint32_t i = 0; i < nsh; i++) {
            uint64_t h = shingle_finish(pre[i + k] - pre[i] * mk, skey);
            sh[i] = h;
            shend[i] = u0 + i + k;
            if (docraw)
                oph_add(docraw, K, h);
            sbin[i] = (uint16_t)oph_bin(h, KB);
        }
        for (uint32_t i = nsh; i < len; i++)
            shend[i] = 0;
        count = nsh;
    } else {
        /* Starts with room for kmax tokens: no tail checks. */
        uint32_t nfull = len >= kmax ? len - kmax + 1 : 0;
        /* Locals selected by cmov: through p and w they were reloaded every shingle (the
         * stores to docraw and sh may alias them). */
        const unsigned kc = p->k_cjk, kw = p->k_word;
        const uint64_t mkc = w->pw[kc], mkw = w->pw[kw];
        const uint64_t *prec = pre + kc, *prew = pre + kw;
        for (uint32_t i = 0; i < nfull; i++) {
            int cj = 2 * (nc[i + kmax] - nc[i]) > kmax;
            uint64_t top = cj ? prec[i] : prew[i], mk = cj ? mkc : mkw;
            uint64_t h = shingle_finish(top - pre[i] * mk, skey);
            sh[i] = h;
            shend[i] = u0 + i + (cj ? kc : kw);
            if (docraw)
                oph_add(docraw, K, h);
            sbin[i] = (uint16_t)oph_bin(h, KB);
        }
        count = nfull;
        for (uint32_t i = nfull; i < len; i++) {
            uint32_t wend = len - i < kmax ? len : i + kmax;
            uint32_t cjk = nc[wend] - nc[i];
            /* Kind of the majority of the window decides the shingle size. */
            unsigned k = 2 * cjk > wend - i ? p->k_cjk : p->k_word;
            if (len - i < k) {
                shend[i] = 0;
                continue;
            }
            uint64_t h = shingle_finish(pre[i + k] - pre[i] * w->pw[k], skey);
            sh[i] = h;
            shend[i] = u0 + i + k;
            if (docraw)
                oph_add(docraw, K, h);
            sbin[i] = (uint16_t)oph_bin(h, KB);
            count++;
        }
    }
    if (count == 0) {
        /* Shorter than its shingle size: one shingle of the whole unit (pre[0] is 0). */
        uint64_t h = shingle_finish(pre[len], skey);
        sh[0] = h;
        shend[0] = u1;
        if (docraw)
            oph_add(docraw, K, h);
        sbin[0] = (uint16_t)oph_bin(h, KB);
        count = 1;
    }
    fp->nshingles += count;

    uint32_t W = p->chunk_tokens, S = p->chunk_stride;
    if (len <= W) {
        chunk_direct(w, u0, u0, u1);
        return emit_chunk(fp, w, cap, u0, u0, u1);
    }
    /* Windows start every S tokens, so when W is a multiple q of S a window is q stride
     * blocks. A block keeps two sets of bins: "full" over all shingles starting in it, "in"
     * over those also ending in it. When no shingle is longer than S + 1 tokens, the
     * shingles of a window are the full ones of its first q - 1 blocks and the inner ones
     * of its last, so each shingle is binned once per block instead of once per window. */
    uint32_t q = W / S;
    int blocks = W % S == 0 && kmax <= S + 1;
    uint32_t nblk = (len + S - 1) / S;
    if (blocks && (size_t)nblk * 2 * KBp > w->blkcap) {
        if (ovl__grow(&w->blk, &w->blkcap, (size_t)nblk * 2 * KBp, sizeof *w->blk))
            return -1;
    }
    if (blocks) {
        /* A window needs >= kmax tokens here (len > W >= kmax), so every start up to
         * len - kmax has a shingle, and those up to b1 - kmax end in their block: only the
         * last kmax - 1 starts of a block need their end checked. "full" is "in" plus the
         * shingles of those that end past the block. */
        for (uint32_t b = 0; b < nblk; b++) {
            uint32_t *full = w->blk + (size_t)b * 2 * KBp, *inr = full + KBp;
            empty_lanes(inr, KBp);
            uint32_t b0 = b * S, b1 = b0 + S < len ? b0 + S : len;
            uint32_t mid = b1 >= b0 + kmax - 1 ? b1 - kmax + 1 : b0, lim = u0 + b1;
            for (uint32_t i = b0; i < mid; i++) {
                uint32_t v = (uint32_t)sh[i], bin = sbin[i], o = inr[bin];
                inr[bin] = v < o ? v : o;
            }
            /* sh and sbin are only set where shend is not 0. */
            for (uint32_t i = mid; i < b1; i++) {
                uint32_t se = shend[i];
                if (se && se <= lim) {
                    uint32_t v = (uint32_t)sh[i], bin = sbin[i], o = inr[bin];
                    inr[bin] = v < o ? v : o;
                }
            }
            copy_lanes(full, inr, KBp);
            for (uint32_t i = mid; i < b1; i++) {
                uint32_t se = shend[i];
                if (se > lim) {
                    uint32_t v = (uint32_t)sh[i], bin = sbin[i], o = full[bin];
                    full[bin] = v < o ? v : o;
                }
            }
        }
    }
    for (uint32_t s = u0, m = 0;; s += S, m++) {
        int last = s + W >= u1;
        if (last)
            s = u1 - W;
        if (blocks && (s - u0) % S == 0) {
            /* The last block's inner bins, merged with the full bins of the others. */
            m = (s - u0) / S;
            const uint32_t *lastb = w->blk + (size_t)(m + q - 1) * 2 * KBp + KBp;
            copy_lanes(w->craw, lastb, KBp);
            for (uint32_t b = m; b + 1 < m + q; b++)
                min_into(w->craw, w->blk + (size_t)b * 2 * KBp, KBp);
        } else {
            chunk_direct(w, u0, s, s + W);
        }
        if (emit_chunk(fp, w, cap, u0, s, s + W))
            return -1;
        if (last)
            return 0;
    }
}

int ovl_fp_from_tokens(ovl_ctx *ctx, const ovl_token *tokens, size_t ntokens,
                       const uint32_t *para_ends, size_t npara, const ovl_fp_opts *opts,
                       ovl_fp **out)
{
    *out = NULL;
    if (!tokens && ntokens)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "no tokens given");
    if (ntokens > UINT32_MAX - 1)
        return ovl__fail(ctx, OVL_ERR_TOOBIG, -1, "%zu tokens exceed the fingerprint limit",
                         ntokens);
    for (size_t i = 0; para_ends && i < npara; i++)
        if (para_ends[i] > ntokens || (i > 0 && para_ends[i] < para_ends[i - 1]))
            return ovl__fail(ctx, OVL_ERR_INVALID, -1,
                             "paragraph end %zu (%u) is out of order or past %zu tokens", i,
                             para_ends[i], ntokens);
    ovl_fp *fp = calloc(1, sizeof *fp);
    if (!fp)
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    int rc = ovl_fp_opts_resolve(ctx, opts, &fp->p);
    if (rc) {
        free(fp);
        return rc;
    }
    unsigned K = fp->p.num_hashes;
    fp_work w = {0};
    size_t cap = 0;
    w.KB = fp->p.bands * fp->p.rows;
    w.KBp = (w.KB + OVL_LANES - 1) / OVL_LANES * OVL_LANES;
    unsigned Kl = K > w.KB ? K : w.KB;
    w.tokens = tokens;
    w.pw[0] = 1;
    for (unsigned i = 1; i <= OVL_FP_MAX_K; i++)
        w.pw[i] = w.pw[i - 1] * OVL_SHINGLE_MUL;
    w.craw = malloc((size_t)w.KBp * sizeof *w.craw);
    w.csig = malloc((size_t)w.KB * sizeof *w.csig);
    w.raw = malloc((size_t)K * sizeof *w.raw);
    /* The whole-document signature only serves dedup: computed on request. */
    int want_doc = fp->p.doc_signature != 0;
    w.docraw = want_doc ? malloc((size_t)K * sizeof *w.docraw) : NULL;
    w.list = malloc((size_t)Kl * 2 * sizeof *w.list);
    w.pck = probe_cache_new(w.KB, fp->p.seed);
    w.pcs = fp->p.keep_signatures ? probe_cache_new(K, fp->p.seed) : (probe_cache){0};
    w.bsec = malloc((size_t)fp->p.bands * 2 * sizeof *w.bsec);
    fp->docsig = want_doc ? malloc((size_t)K * sizeof *fp->docsig) : NULL;
    if (!w.craw || !w.csig || !w.raw || !w.list || !w.bsec || (want_doc && (!w.docraw || !fp->docsig)))
        goto nomem;
    band_secrets(fp->p.seed, fp->p.bands, w.bsec);
    for (unsigned i = 0; want_doc && i < K; i++)
        w.docraw[i] = OVL_MINHASH_EMPTY;
    /* Windows start every stride tokens, so this is about the chunk count of long
     * paragraphs; growing by doubling instead copied the arrays ~log2(chunks) times. */
    if (chunks_reserve(fp, &cap, ntokens / fp->p.chunk_stride + 16))
        goto nomem;

    /* Paragraph units: a paragraph of at least half a window stands alone, so text repeated
     * as a whole paragraph (a licence line, a copyright notice) gets the same keys in every
     * document and max_df can recognise it; runs of shorter ones (titles, headings, PDF
     * fragments) are merged up to W tokens. */
    uint32_t W = fp->p.chunk_tokens;
    uint32_t alone = W / 2 > 0 ? W / 2 : 1;
    uint32_t run0 = 0, run1 = 0, prev = 0;
    size_t np = (para_ends && npara) ? npara : 0;
    for (size_t pi = 0; pi <= np; pi++) {
        uint32_t end = pi < np ? para_ends[pi] : (uint32_t)ntokens;
        if (end == prev)
            continue;
        uint32_t start = prev;
        prev = end;
        if (end - start >= alone || (run1 > run0 && end - run0 > W)) {
            if (run1 > run0 && do_unit(fp, &w, &cap, run0, run1))
                goto nomem;
            run0 = run1 = start;
        }
        if (end - start >= alone) {
            if (do_unit(fp, &w, &cap, start, end))
                goto nomem;
            run0 = run1 = end;
        } else {
            run1 = end;
        }
    }
    if (run1 > run0 && do_unit(fp, &w, &cap, run0, run1))
        goto nomem;
    /* A document has many shingles, so few bins are empty: computed probes are cheaper
     * than a cache. */
    if (want_doc)
        densify(w.docraw, K, K, fp->p.seed, NULL, w.list, fp->docsig);
    *out = fp;
    fp = NULL;
nomem:
    free(w.pre);
    free(w.ncjk);
    free(w.sh);
    free(w.shend);
    free(w.sbin);
    free(w.blk);
    free(w.craw);
    free(w.csig);
    free(w.raw);
    free(w.docraw);
    free(w.list);
    free(w.bsec);
    free(w.pck.tab);
    free(w.pcs.tab);
    if (!fp)
        return OVL_OK;
    ovl_fp_free(fp);
    return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
}

/* First token whose char_start >= c (tokens are in text order). */
static size_t token_at(const ovl_norm *norm, uint32_t c)
{
    size_t lo = 0, hi = norm->ntokens;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (norm->tokens[mid].char_start < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int ovl_fp_from_doc(ovl_ctx *ctx, const ovl_doc *doc, const ovl_fp_opts *opts, ovl_fp **out)
{
    *out = NULL;
    if (!doc || !doc->norm)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "no document");
    const ovl_norm *norm = doc->norm;
    size_t npara = doc->segs ? doc->segs->npara : 0;
    uint32_t *ends = NULL;
    if (npara) {
        ends = malloc(npara * sizeof *ends);
        if (!ends)
            return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
        for (size_t i = 0; i < npara; i++) {
            size_t e = token_at(norm, doc->segs->paras[i].end);
            ends[i] = (uint32_t)(e > norm->ntokens ? norm->ntokens : e);
            if (i > 0 && ends[i] < ends[i - 1])
                ends[i] = ends[i - 1];
        }
        /* Tokens after the last paragraph (none expected) join it. */
        ends[npara - 1] = (uint32_t)norm->ntokens;
    }
    int rc = ovl_fp_from_tokens(ctx, norm->tokens, norm->ntokens, ends, npara, opts, out);
    free(ends);
    return rc;
}
