/* lsh_int.h - band-key hashing shared by ovl_lsh_band_keys and fingerprinting's fused chunk loop; not installed. */
#ifndef OVL_LSH_INT_H
#define OVL_LSH_INT_H

#include "internal.h"

/* Band keys are hashed per chunk (16 per 50 tokens): a seeded XXH3 of 12 bytes was ~26
 * instructions per key, ~10% of Chinese fingerprinting. A key is now one 64x64->128-bit
 * multiply of the band's values xored with two secrets, folded (the core of XXH3's 9-16
 * byte path), ~14 instructions; the secrets depend only on (seed, band), so a document
 * computes them once. See lsh.h for the definition. */
#define OVL_BAND_GOLD 0x9E3779B97F4A7C15ull
#define OVL_BAND_SECRET2 0xC2B2AE3D27D4EB4Full

static inline uint64_t ovl__band_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Secrets of bands 0..bands): sec[2j], sec[2j+1]. */
static inline void ovl__band_secrets(uint64_t seed, unsigned bands, uint64_t *sec)
{
    for (unsigned j = 0; j < bands; j++) {
        uint64_t bseed = seed + OVL_BAND_GOLD * (uint64_t)(j + 1);
        sec[2 * j] = ovl__band_mix64(bseed);
        sec[2 * j + 1] = ovl__band_mix64(bseed ^ OVL_BAND_SECRET2);
    }
}

/* Two uint32 values read as one uint64 -> v[0] | v[1] << 32 on any byte order. */
static inline uint64_t ovl__le_pair(uint64_t w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return w >> 32 | w << 32;
#else
    return w;
#endif
}

static inline uint64_t ovl__band_fold(uint64_t x, uint64_t y)
{
    unsigned __int128 p = (unsigned __int128)x * y;
    return (uint64_t)p ^ (uint64_t)(p >> 64);
}

/* Key of one band of `rows` values (see ovl_lsh_band_keys). x and y are the band's values
 * xored with secrets of (seed, band), so they look random and are 0 only with probability
 * ~2^-64; the folded 128-bit product of two such words is well mixed in every bit, so no
 * final avalanche is needed (keys are compared, and radix-sorted by their bits). */
static inline uint64_t ovl__band_key(const uint32_t *v, unsigned rows, const uint64_t *sec)
{
    uint64_t acc = 0;
    unsigned i = 0;
    for (; i + 4 <= rows; i += 4) {
        uint64_t w0, w1;
        memcpy(&w0, v + i, 8); /* v[i] | v[i + 1] << 32 on little-endian machines */
        memcpy(&w1, v + i + 2, 8);
        w0 = ovl__le_pair(w0);
        w1 = ovl__le_pair(w1);
        acc = ovl__band_fold(w0 ^ sec[0] ^ acc, w1 ^ sec[1]);
    }
    if (i < rows) {
        uint64_t w0 = v[i], w1 = 0;
        if (i + 1 < rows) {
            memcpy(&w0, v + i, 8);
            w0 = ovl__le_pair(w0);
        }
        if (i + 2 < rows)
            w1 = v[i + 2];
        acc = ovl__band_fold(w0 ^ sec[0] ^ acc, w1 ^ sec[1]);
    }
    return acc;
}

/* Band keys with precomputed secrets; rows of 1-4 values get the loop above unrolled with
 * the count known. */
static inline void ovl__band_keys_sec(const uint32_t *sig, unsigned bands, unsigned rows,
                                      const uint64_t *sec, uint64_t *keys)
{
#define OVL_BAND_LOOP(R)                                                                       \
    for (unsigned j = 0; j < bands; j++)                                                       \
        keys[j] = ovl__band_key(sig + (size_t)j * (R), (R), sec + 2 * j);
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

#endif
