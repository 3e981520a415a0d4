/* shingle.c - shingle hashes of a run of token hashes (polynomial combination, seeded XXH3). */
#include "shingle_int.h"

size_t ovl_shingle_count(size_t n, unsigned k)
{
    if (n == 0 || k == 0)
        return 0;
    return n >= k ? n - k + 1 : 1;
}

size_t ovl_shingles(const uint64_t *h, size_t n, unsigned k, uint64_t seed, uint64_t *out)
{
    size_t c = ovl_shingle_count(n, k);
    if (c == 0)
        return 0;
    size_t kk = n < k ? n : k;
    /* M^kk, and the combination of the first window */
    uint64_t mk = 1, r = 0, key = ovl__shingle_key(seed);
    for (size_t j = 0; j < kk; j++) {
        mk *= OVL_SHINGLE_MUL;
        r = r * OVL_SHINGLE_MUL + h[j];
    }
    out[0] = ovl__shingle_finish(r, key);
    for (size_t i = 1; i < c; i++) {
        r = r * OVL_SHINGLE_MUL - h[i - 1] * mk + h[i + kk - 1];
        out[i] = ovl__shingle_finish(r, key);
    }
    return c;
}
