/* cps.h - code point arrays 1, 2 or 4 bytes wide with sparse exceptions, and their inline fast paths; not installed. */
#ifndef OVL_CPS_H
#define OVL_CPS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Code points in the narrowest width that holds nearly all of them: 1 byte each for text in
 * Latin-1, 2 for the rest of the BMP (Chinese), 4 otherwise. The few that do not fit (a curly
 * quote in English, a rare ideograph beyond the BMP) are exceptions, {index, code point} in
 * index order, marked in the array by the width's largest value. While it is built, a width
 * whose exceptions pass one in 8 code points is widened: exceptions never cost more than the
 * next width would. */
typedef struct ovl_cps {
    void *v;           /* values, width bytes each */
    uint32_t (*x)[2];  /* nx exceptions */
    size_t nx, xcap;
    unsigned width;    /* 1, 2 or 4 */
} ovl_cps;

/* The first position of p (n pairs ascending by their first value) whose first value is not
 * below v: where an exception, or any {index, value} list, holds index v or would. */
static inline size_t ovl__pairs_first_at(const uint32_t (*p)[2], size_t n, size_t v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p[mid][0] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Empty array of width 1 with room for cap values; -1 when out of memory. */
int ovl__cps_init(ovl_cps *a, size_t cap);
/* Room for ncap values (ncap >= the values set so far, n); -1 when out of memory. */
int ovl__cps_resize(ovl_cps *a, size_t n, size_t ncap);
/* Sets value i = n (the next one) to cp when it does not fit the width: records an
 * exception or widens the array (cap: its room). -1 when out of memory. */
int ovl__cps_put_slow(ovl_cps *a, size_t i, uint32_t cp, size_t cap);
void ovl__cps_free(ovl_cps *a);
/* Exception at index i (whose value is the width's mark). */
uint32_t ovl__cps_xget(const ovl_cps *a, size_t i);
/* Values [s, e) as 32-bit code points into out. */
void ovl__cps_copy(const ovl_cps *a, size_t s, size_t e, uint32_t *out);
/* Malloc'd 32-bit copy of values [0, n) (the caller frees it); NULL when out of memory. */
uint32_t *ovl__cps_wide(const ovl_cps *a, size_t n);
/* Shared 32-bit copy of values [0, n), made on first call and kept in *slot (freed by its
 * owner); safe to call from several threads at once. NULL when out of memory. */
const uint32_t *ovl__cps_wide_once(const ovl_cps *a, size_t n, _Atomic(uint32_t *) *slot);

static inline uint32_t ovl__cps_get(const ovl_cps *a, size_t i)
{
    if (a->width == 1) {
        uint32_t v = ((const uint8_t *)a->v)[i];
        return v != 0xFFu ? v : ovl__cps_xget(a, i);
    }
    if (a->width == 2) {
        uint32_t v = ((const uint16_t *)a->v)[i];
        return v != 0xFFFFu ? v : ovl__cps_xget(a, i);
    }
    return ((const uint32_t *)a->v)[i];
}

/* Sets value i (the next one; room for cap values) to cp. */
static inline int ovl__cps_put(ovl_cps *a, size_t i, uint32_t cp, size_t cap)
{
    if (a->width == 1 && cp < 0xFFu)
        ((uint8_t *)a->v)[i] = (uint8_t)cp;
    else if (a->width == 2 && cp < 0xFFFFu)
        ((uint16_t *)a->v)[i] = (uint16_t)cp;
    else if (a->width == 4)
        ((uint32_t *)a->v)[i] = cp;
    else
        return ovl__cps_put_slow(a, i, cp, cap);
    return 0;
}

#endif
