/* align_diff.c - token edit scripts (ovl_diff) and token ranges as spans, shared by the exact aligner and the reworded mode. */
#include "align_int.h"
#include "internal.h"

#include <math.h>
#include <stdint.h>

/* ------------------------------------------------------------------------------------------
 * Token diff: Myers' O(ND) algorithm in linear space (forward and backward searches meeting in
 * the middle, as in the 1986 paper). When the edit distance of one subproblem exceeds a cost
 * bound, the search stops and splits at its furthest-reaching point instead, so huge unrelated
 * inputs cost O((N+M) * bound) rather than O(N*M); the script is then valid but not minimal.
 * ------------------------------------------------------------------------------------------ */

#define DIFF_MIN_COST_LIMIT 4096

typedef struct diffw {
    const uint64_t *a, *b;
    int64_t *fd, *bd; /* indexed by diagonal x - y, offset so the lowest diagonal is valid */
    int64_t cost_limit;
    ovl__eqrun *runs;
    size_t nruns, cap;
    int oom;
} diffw;

static void diff_push(diffw *w, int64_t x, int64_t y, int64_t len)
{
    if (len <= 0 || w->oom)
        return;
    if (w->nruns && w->runs[w->nruns - 1].x + w->runs[w->nruns - 1].len == (uint32_t)x &&
        w->runs[w->nruns - 1].y + w->runs[w->nruns - 1].len == (uint32_t)y) {
        w->runs[w->nruns - 1].len += (uint32_t)len;
        return;
    }
    if (ovl__grow(&w->runs, &w->cap, w->nruns + 1, sizeof *w->runs)) {
        w->oom = 1;
        return;
    }
    w->runs[w->nruns++] = (ovl__eqrun){(uint32_t)x, (uint32_t)y, (uint32_t)len};
}

/* Finds a point (*xm, *ym) on a shortest (or, past the cost bound, a good) edit path through
 * the box [x0,x1) x [y0,y1); both ranges are non-empty and differ at both ends. */
static void diff_split(diffw *w, int64_t x0, int64_t x1, int64_t y0, int64_t y1, int64_t *xm,
                       int64_t *ym)
{
    const uint64_t *a = w->a, *b = w->b;
    int64_t *fd = w->fd, *bd = w->bd;
    const int64_t dmin = x0 - y1, dmax = x1 - y0;
    const int64_t fmid = x0 - y0, bmid = x1 - y1;
    const int odd = (int)((fmid - bmid) & 1);
    int64_t fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid;
    fd[fmid] = x0;
    bd[bmid] = x1;
    for (int64_t c = 1;; c++) {
        if (fmin > dmin)
            fd[--fmin - 1] = -1;
        else
            ++fmin;
        if (fmax < dmax)
            fd[++fmax + 1] = -1;
        else
            --fmax;
        for (int64_t d = fmax; d >= fmin; d -= 2) {
            int64_t tlo = fd[d - 1], thi = fd[d + 1];
            int64_t x = tlo >= thi ? tlo + 1 : thi;
            int64_t y = x - d;
            while (x < x1 && y < y1 && a[x] == b[y]) {
                x++;
                y++;
            }
            fd[d] = x;
            if (odd && bmin <= d && d <= bmax && bd[d] <= x) {
                *xm = x;
                *ym = y;
                return;
            }
        }
        if (bmin > dmin)
            bd[--bmin - 1] = INT64_MAX;
        else
            ++bmin;
        if (bmax < dmax)
            bd[++bmax + 1] = INT64_MAX;
        else
            --bmax;
        for (int64_t d = bmax; d >= bmin; d -= 2) {
            int64_t tlo = bd[d - 1], thi = bd[d + 1];
            int64_t x = tlo < thi ? tlo : thi - 1;
            int64_t y = x - d;
            while (x > x0 && y > y0 && a[x - 1] == b[y - 1]) {
                x--;
                y--;
            }
            bd[d] = x;
            if (!odd && fmin <= d && d <= fmax && x <= fd[d]) {
                *xm = x;
                *ym = y;
                return;
            }
        }
        if (c >= w->cost_limit) {
            /* Too expensive: split where either search got furthest, which keeps both
             * halves strictly smaller. */
            int64_t fbest = -1, fx = 0, fy = 0;
            for (int64_t d = fmax; d >= fmin; d -= 2) {
                int64_t x = fd[d] < x1 ? fd[d] : x1;
                int64_t y = x - d;
                if (y > y1) {
                    x = y1 + d;
                    y = y1;
                }
                if (x + y > fbest) {
                    fbest = x + y;
                    fx = x;
                    fy = y;
                }
            }
            int64_t bbest = INT64_MAX, bx = 0, by = 0;
            for (int64_t d = bmax; d >= bmin; d -= 2) {
                int64_t x = bd[d] > x0 ? bd[d] : x0;
                int64_t y = x - d;
                if (y < y0) {
                    x = y0 + d;
                    y = y0;
                }
                if (x + y < bbest) {
                    bbest = x + y;
                    bx = x;
                    by = y;
                }
            }
            if (fbest - (x0 + y0) >= (x1 + y1) - bbest) {
                *xm = fx;
                *ym = fy;
            } else {
                *xm = bx;
                *ym = by;
            }
            return;
        }
    }
}

static void diff_rec(diffw *w, int64_t x0, int64_t x1, int64_t y0, int64_t y1)
{
    const uint64_t *a = w->a, *b = w->b;
    int64_t px = x0, py = y0;
    while (px < x1 && py < y1 && a[px] == b[py]) {
        px++;
        py++;
    }
    diff_push(w, x0, y0, px - x0);
    x0 = px;
    y0 = py;
    int64_t sx = x1, sy = y1;
    while (sx > x0 && sy > y0 && a[sx - 1] == b[sy - 1]) {
        sx--;
        sy--;
    }
    int64_t suffix = x1 - sx;
    x1 = sx;
    y1 = sy;
    if (x0 < x1 && y0 < y1) {
        int64_t xm, ym;
        diff_split(w, x0, x1, y0, y1, &xm, &ym);
        if ((xm == x0 && ym == y0) || (xm == x1 && ym == y1)) {
            /* A degenerate split would recurse forever; any interior point is valid. */
            xm = x0 + (x1 - x0 + 1) / 2;
            ym = y0;
        }
        diff_rec(w, x0, xm, y0, ym);
        diff_rec(w, xm, x1, ym, y1);
    }
    diff_push(w, x1, y1, suffix);
}

int ovl__diff_runs(const uint64_t *a, size_t n, const uint64_t *b, size_t m, int64_t *v,
                   ovl__eqrun **runs, size_t *cap, size_t *nruns)
{
    diffw w;
    memset(&w, 0, sizeof w);
    w.a = a;
    w.b = b;
    w.runs = *runs;
    w.cap = *cap;
    double lim = sqrt((double)(n + m));
    w.cost_limit = lim > DIFF_MIN_COST_LIMIT ? (int64_t)lim : DIFF_MIN_COST_LIMIT;
    int64_t *own = NULL;
    if (!v && !(v = own = malloc(sizeof(int64_t) * 2 * (n + m + 3))))
        return -1;
    w.fd = v + (m + 1);
    w.bd = v + (n + m + 3) + (m + 1);
    diff_rec(&w, 0, (int64_t)n, 0, (int64_t)m);
    free(own);
    *runs = w.runs;
    *cap = w.cap;
    *nruns = w.nruns;
    return w.oom ? -1 : 0;
}

static uint64_t *token_hashes(const ovl_doc *d, size_t t0, size_t t1)
{
    const ovl__tok *t = d->norm->tokens;
    uint64_t *h = malloc(sizeof *h * (t1 - t0 + 1));
    if (!h)
        return NULL;
    for (size_t i = t0; i < t1; i++)
        h[i - t0] = t[i].hash;
    return h;
}

int ovl_diff(ovl_ctx *ctx, const ovl_doc *a, size_t a0, size_t a1, const ovl_doc *b, size_t b0,
             size_t b1, ovl_edit **out, size_t *count)
{
    if (!a || !b || !out || !count)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_diff: NULL argument");
    *out = NULL;
    *count = 0;
    if (a0 > a1 || a1 > a->norm->ntokens || b0 > b1 || b1 > b->norm->ntokens)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1,
                         "ovl_diff: token range [%zu,%zu) / [%zu,%zu) outside the documents", a0,
                         a1, b0, b1);
    if (a->norm->ntokens > UINT32_MAX || b->norm->ntokens > UINT32_MAX)
        return ovl__fail(ctx, OVL_ERR_TOOBIG, -1, "ovl_diff: too many tokens");
    size_t n = a1 - a0, m = b1 - b0;
    uint64_t *ha = token_hashes(a, a0, a1), *hb = token_hashes(b, b0, b1);
    ovl__eqrun *runs = NULL;
    size_t nruns = 0, cap = 0;
    if (!ha || !hb || ovl__diff_runs(ha, n, hb, m, NULL, &runs, &cap, &nruns)) {
        free(runs);
        free(ha);
        free(hb);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "ovl_diff: out of memory");
    }
    free(ha);
    free(hb);
    ovl_edit *e = malloc(sizeof *e * (3 * nruns + 2));
    if (!e) {
        free(runs);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "ovl_diff: out of memory");
    }
    size_t ne = 0, px = 0, py = 0;
    for (size_t r = 0; r <= nruns; r++) {
        size_t x = r < nruns ? runs[r].x : n, y = r < nruns ? runs[r].y : m;
        if (x > px)
            e[ne++] = (ovl_edit){OVL_EDIT_DELETE, (uint32_t)(a0 + px), (uint32_t)(a0 + x),
                                 (uint32_t)(b0 + py), (uint32_t)(b0 + py)};
        if (y > py)
            e[ne++] = (ovl_edit){OVL_EDIT_INSERT, (uint32_t)(a0 + x), (uint32_t)(a0 + x),
                                 (uint32_t)(b0 + py), (uint32_t)(b0 + y)};
        if (r < nruns) {
            e[ne++] = (ovl_edit){OVL_EDIT_EQUAL, (uint32_t)(a0 + x), (uint32_t)(a0 + x + runs[r].len),
                                 (uint32_t)(b0 + y), (uint32_t)(b0 + y + runs[r].len)};
            px = x + runs[r].len;
            py = y + runs[r].len;
        }
    }
    free(runs);
    if (ne == 0) {
        free(e);
        e = NULL;
    }
    *out = e;
    *count = ne;
    return OVL_OK;
}

/* ------------------------------------------------------------------------------------------ */

void ovl_span_from_tokens(const ovl_doc *doc, size_t t0, size_t t1, ovl_span *span)
{
    const ovl__tok *tk = doc->norm->tokens;
    const ovl_text *t = doc->text;
    memset(span, 0, sizeof *span);
    if (t1 <= t0 || t1 > doc->norm->ntokens)
        return;
    span->tok_start = (uint32_t)t0;
    span->tok_end = (uint32_t)t1;
    span->char_start = tk[t0].char_start;
    span->char_end = ovl__tok_char_end(doc->norm, t1 - 1);
    span->byte_start = ovl__text_byte(t, span->char_start);
    span->byte_end = ovl__text_byte(t, span->char_end);
    span->line_start = ovl_text_line(t, span->char_start);
    span->line_end = ovl_text_line(t, span->char_end - 1);
}
