/* cps.c - code point arrays 1, 2 or 4 bytes wide with sparse exceptions (see cps.h): a loaded document's text and folded characters. */
#include "cps.h"

#include <stdlib.h>
#include <string.h>

/* Exceptions a width may hold before the array is widened: one in 8 values (an exception
 * costs 8 bytes, so past that the next width is smaller), and always a few, so that the
 * first characters of a Chinese text do not widen on their own. */
#define CPS_FEW 64u

static uint32_t cps_mark(unsigned width) { return width == 1 ? 0xFFu : width == 2 ? 0xFFFFu : 0; }

int ovl__cps_init(ovl_cps *a, size_t cap)
{
    memset(a, 0, sizeof *a);
    a->width = 1;
    a->v = malloc(cap ? cap : 1);
    return a->v ? 0 : -1;
}

int ovl__cps_resize(ovl_cps *a, size_t n, size_t ncap)
{
    if (ncap < n)
        ncap = n;
    void *v = realloc(a->v, (ncap ? ncap : 1) * a->width);
    if (!v)
        return ncap > n ? -1 : 0; /* a shrink that fails keeps the larger block */
    a->v = v;
    if (ncap == n && a->nx < a->xcap) {
        void *x = realloc(a->x, (a->nx ? a->nx : 1) * sizeof *a->x);
        if (x) {
            a->x = x;
            a->xcap = a->nx ? a->nx : 1;
        }
    }
    return 0;
}

void ovl__cps_free(ovl_cps *a)
{
    free(a->v);
    free(a->x);
    memset(a, 0, sizeof *a);
}

/* The first exception at or after position i (a->nx when none). */
static size_t x_from(const ovl_cps *a, size_t i)
{
    return ovl__pairs_first_at((const uint32_t(*)[2])a->x, a->nx, i);
}

uint32_t ovl__cps_xget(const ovl_cps *a, size_t i)
{
    size_t lo = x_from(a, i);
    return lo < a->nx && a->x[lo][0] == i ? a->x[lo][1] : cps_mark(a->width);
}

void ovl__cps_copy(const ovl_cps *a, size_t s, size_t e, uint32_t *out)
{
    if (a->width == 4) {
        memcpy(out, (const uint32_t *)a->v + s, (e - s) * sizeof *out);
        return;
    }
    /* The values as stored, then the exceptions in [s, e) over their marks. */
    if (a->width == 1) {
        const uint8_t *v = (const uint8_t *)a->v + s;
        for (size_t i = 0; i < e - s; i++)
            out[i] = v[i];
    } else {
        const uint16_t *v = (const uint16_t *)a->v + s;
        for (size_t i = 0; i < e - s; i++)
            out[i] = v[i];
    }
    for (size_t lo = x_from(a, s); lo < a->nx && a->x[lo][0] < e; lo++)
        out[a->x[lo][0] - s] = a->x[lo][1];
}

uint32_t *ovl__cps_wide(const ovl_cps *a, size_t n)
{
    uint32_t *w = malloc((n ? n : 1) * sizeof *w);
    if (w)
        ovl__cps_copy(a, 0, n, w);
    return w;
}

const uint32_t *ovl__cps_wide_once(const ovl_cps *a, size_t n, _Atomic(uint32_t *) *slot)
{
    uint32_t *w = atomic_load_explicit(slot, memory_order_acquire);
    if (w)
        return w;
    uint32_t *fresh = ovl__cps_wide(a, n);
    if (!fresh)
        return NULL;
    uint32_t *expected = NULL;
    if (atomic_compare_exchange_strong_explicit(slot, &expected, fresh, memory_order_acq_rel,
                                                memory_order_acquire))
        return fresh;
    free(fresh); /* another thread made it first */
    return expected;
}

/* Re-encodes values [0, n) at width w (room for cap); -1 when out of memory (a unchanged). */
static int cps_widen(ovl_cps *a, size_t n, size_t cap, unsigned w)
{
    void *v = malloc((cap ? cap : 1) * w);
    if (!v)
        return -1;
    uint32_t mark = cps_mark(w), omark = cps_mark(a->width);
    size_t keep = 0, j = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = a->width == 1 ? ((const uint8_t *)a->v)[i] : ((const uint16_t *)a->v)[i];
        if (c == omark && j < a->nx && a->x[j][0] == i)
            c = a->x[j++][1];
        if (w == 4) {
            ((uint32_t *)v)[i] = c;
            continue;
        }
        if (c >= mark) {
            /* Still an exception: the list is rewritten in place, in order (keep < j). */
            a->x[keep][0] = (uint32_t)i;
            a->x[keep++][1] = c;
            c = mark;
        }
        ((uint16_t *)v)[i] = (uint16_t)c;
    }
    free(a->v);
    a->v = v;
    a->width = w;
    a->nx = keep;
    return 0;
}

int ovl__cps_put_slow(ovl_cps *a, size_t i, uint32_t cp, size_t cap)
{
    while (a->width < 4 && a->nx >= CPS_FEW && a->nx > i / 8) {
        if (cps_widen(a, i, cap, a->width * 2) != 0)
            return -1;
        if (cp < cps_mark(a->width) || a->width == 4)
            return ovl__cps_put(a, i, cp, cap);
    }
    if (a->width == 4) {
        ((uint32_t *)a->v)[i] = cp;
        return 0;
    }
    if (a->nx == a->xcap) {
        size_t nc = a->xcap ? a->xcap * 2 : 16;
        void *x = realloc(a->x, nc * sizeof *a->x);
        if (!x)
            return -1;
        a->x = x;
        a->xcap = nc;
    }
    a->x[a->nx][0] = (uint32_t)i;
    a->x[a->nx++][1] = cp;
    if (a->width == 1)
        ((uint8_t *)a->v)[i] = 0xFF;
    else
        ((uint16_t *)a->v)[i] = 0xFFFF;
    return 0;
}
