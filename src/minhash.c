/* minhash.c - one-permutation MinHash with optimal densification (signatures and their similarity). */
#include "minhash_int.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Probe sequence of the densification: a splitmix64 finalizer over (seed, bin, attempt). */
static inline uint64_t probe_mix(uint64_t seed, uint32_t bin, uint32_t attempt)
{
    uint64_t z = seed ^ (((uint64_t)bin << 32) | attempt);
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

#define OVL_DENSIFY_SEED 0xD6E8FEB86659FD93ull
/* Probe rounds a probe cache can hold. A chunk fills ~60% of its 48 band-key bins, so most
 * empty bins are done in 1-3 rounds; a short paragraph with few shingles needs more, and
 * bins still empty after the cached rounds compute their probes. */
#define OVL_PROBE_ROUNDS 48

static void probe_build(ovl__probe_cache *pc, uint32_t upto)
{
    for (uint32_t t = pc->rounds + 1; t <= upto; t++)
        for (unsigned i = 0; i < pc->K; i++)
            pc->tab[(size_t)(t - 1) * pc->K + i] = (uint16_t)ovl__oph_bin(probe_mix(pc->dseed, i, t), pc->K);
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
static void densify_small(const uint32_t *raw, unsigned K, uint64_t seed, ovl__probe_cache *pc,
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
            uint32_t j = ovl__oph_bin(probe_mix(dseed, i, u), K);
            if (raw[j] != OVL_MINHASH_EMPTY) {
                sig[i] = raw[j];
                break;
            }
        }
    }
}

/* Bins still empty are processed round by round over a compacted list, without branches
 * on the (unpredictable) probe outcome: this is what makes densification cheap. */
void ovl__densify(const uint32_t *raw, unsigned K, unsigned upto, uint64_t seed,
                  ovl__probe_cache *pc, uint16_t *list, uint32_t *sig)
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
            uint32_t j = ovl__oph_bin(probe_mix(dseed, i, u), K);
            if (raw[j] != OVL_MINHASH_EMPTY) {
                sig[i] = raw[j];
                break;
            }
        }
    }
}

ovl__probe_cache ovl__probe_cache_new(unsigned K, uint64_t seed)
{
    ovl__probe_cache pc = {malloc((size_t)OVL_PROBE_ROUNDS * K * sizeof(uint16_t)), K, 0,
                           seed ^ OVL_DENSIFY_SEED};
    return pc;
}

void ovl_minhash(const uint64_t *sh, size_t n, unsigned K, uint64_t seed, uint32_t *sig)
{
    if (K == 0)
        return;
    /* Raw bins live in sig itself; densify reads them from a copy only when needed. */
    for (unsigned i = 0; i < K; i++)
        sig[i] = OVL_MINHASH_EMPTY;
    for (size_t i = 0; i < n; i++)
        ovl__oph_add(sig, K, sh[i]);
    uint32_t stackbuf[256];
    uint16_t stacklist[512];
    uint32_t *raw = K <= 256 ? stackbuf : malloc((size_t)K * sizeof *raw);
    uint16_t *list = K <= 256 ? stacklist : malloc((size_t)K * 2 * sizeof *list);
    if (raw && list) {
        memcpy(raw, sig, (size_t)K * sizeof *raw);
        ovl__densify(raw, K, K, seed, NULL, list, sig);
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
