/* scan_pair.c - how the scan aligns one candidate pair: whole, inside its widened box, or, for a long range against a short one, in windows of the long range around the text they share. */
#include "internal.h"

#include "scan_int.h"

#include <stdlib.h>
#include <string.h>

static const uint64_t POLY = 0x100000001B3ull;

/* A g-gram's key: the polynomial sum of its token hashes, mixed; never 0 (an empty slot). */
static uint64_t gram_key(uint64_t acc)
{
    acc ^= acc >> 31;
    acc *= 0x7fb5d329728ea185ull;
    acc ^= acc >> 27;
    acc *= 0x81dadef4bc2dd44dull;
    acc ^= acc >> 33;
    return acc ? acc : 1;
}

/* The g-grams of tokens [t0, t1) one by one, their keys rolled along; a g-gram whose first
 * and last tokens are masked (recurring text) is passed over, as the aligner passes it over
 * as a seed. */
typedef struct groll {
    const ovl__tok *tk;
    const uint8_t *m;
    size_t t, t0, t1;
    unsigned g;
    uint64_t pk, acc;
} groll;

static void groll_init(groll *r, const ovl_doc *d, const uint8_t *m, size_t t0, size_t t1, unsigned g)
{
    r->tk = ovl_doc_norm(d)->tokens;
    r->m = m;
    r->t = r->t0 = t0;
    r->t1 = t1;
    r->g = g;
    r->pk = 1;
    r->acc = 0;
    for (unsigned q = 0; q + 1 < g; q++)
        r->pk *= POLY;
}

static int groll_next(groll *r, size_t *at, uint64_t *key)
{
    while (r->t < r->t1) {
        size_t t = r->t++;
        if (t >= r->t0 + r->g)
            r->acc -= r->tk[t - r->g].hash * r->pk;
        r->acc = r->acc * POLY + r->tk[t].hash;
        if (t + 1 < r->t0 + r->g)
            continue;
        *at = t + 1 - r->g;
        if (r->m && r->m[*at] && r->m[t])
            continue;
        *key = gram_key(r->acc);
        return 1;
    }
    return 0;
}

typedef struct gslot {
    uint64_t key;
    uint32_t start, count; /* the key's positions: pos[start, start + count), increasing */
} gslot;

struct ovl__grams {
    gslot *tab;
    size_t mask;
    uint32_t *pos;
    unsigned g;
};

static const gslot *grams_find(const ovl__grams *x, uint64_t key)
{
    size_t h = (size_t)key & x->mask;
    while (x->tab[h].key && x->tab[h].key != key)
        h = (h + 1) & x->mask;
    return x->tab[h].key ? &x->tab[h] : NULL;
}

void ovl__grams_free(ovl__grams *x)
{
    if (!x)
        return;
    free(x->tab);
    free(x->pos);
    free(x);
}

void ovl__centre_grams_clear(ovl__centre_grams *cg, const ovl_doc *doc, int kon)
{
    ovl__grams_free(cg->x);
    ovl__kindex_free(cg->kx);
    *cg = (ovl__centre_grams){doc, NULL, 0, 0, kon, 0, NULL, 0, {NULL, NULL}, {NULL, NULL}};
}

/* The paragraph starts of d the caller gave with cg, NULL when none. */
static const uint64_t *cg_paras(const ovl__centre_grams *cg, const ovl_doc *d)
{
    if (!cg)
        return NULL;
    return cg->pdoc[0] == d ? cg->paras[0] : cg->pdoc[1] == d ? cg->paras[1] : NULL;
}

/* Indexes the g-grams starting in tokens [t0, t1 - g] of d, those whose first and last tokens
 * are masked (m, a byte per token of the whole document; NULL: none) left out. sparse: the
 * index will be probed for many absent keys (the g-grams of a range many times longer), so its
 * table is at most a quarter full while it stays within 1 MB (most probes then meet an empty
 * slot at once); otherwise at most three quarters. The index holds the same either way. */
static int grams_build_at(const ovl_doc *d, size_t t0, size_t t1, const uint8_t *m, unsigned g,
                          int sparse, ovl__grams **out)
{
    *out = NULL;
    ovl__grams *x = calloc(1, sizeof *x);
    size_t n = t1 - t0 >= g ? t1 - t0 - g + 1 : 0, tsize = 64;
    while (tsize < n + n / 3 || (sparse && tsize < 4 * n && tsize * sizeof(gslot) < ((size_t)1 << 20)))
        tsize *= 2;
    uint32_t *slot = malloc((n + 1) * sizeof *slot);
    if (!x || !slot || !(x->tab = calloc(tsize, sizeof *x->tab)) ||
        !(x->pos = malloc((n + 1) * sizeof *x->pos))) {
        free(slot);
        ovl__grams_free(x);
        return OVL_ERR_NOMEM;
    }
    x->mask = tsize - 1;
    x->g = g;
    /* Counted, then each key's share placed (positions in increasing order). */
    groll r;
    size_t at;
    uint64_t key;
    for (size_t i = 0; i < n; i++)
        slot[i] = UINT32_MAX;
    groll_init(&r, d, m, t0, t1, g);
    while (groll_next(&r, &at, &key)) {
        size_t h = (size_t)key & x->mask;
        while (x->tab[h].key && x->tab[h].key != key)
            h = (h + 1) & x->mask;
        x->tab[h].key = key;
        x->tab[h].count++;
        slot[at - t0] = (uint32_t)h;
    }
    uint32_t sum = 0;
    for (size_t h = 0; h < tsize; h++) {
        x->tab[h].start = sum;
        sum += x->tab[h].count;
        x->tab[h].count = 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (slot[i] == UINT32_MAX)
            continue;
        gslot *q = &x->tab[slot[i]];
        x->pos[q->start + q->count++] = (uint32_t)(t0 + i);
    }
    free(slot);
    *out = x;
    return OVL_OK;
}

static int grams_build(const ovl_doc *d, size_t t0, size_t t1, const uint8_t *m, unsigned g,
                       ovl__grams **out)
{
    return grams_build_at(d, t0, t1, m, g, 0, out);
}

typedef struct ghit {
    uint32_t l, s; /* a g-gram's start in the long and in the short document */
} ghit;

static int cmp_hit(const void *x, const void *y)
{
    const ghit *a = x, *b = y;
    if (a->l != b->l)
        return a->l < b->l ? -1 : 1;
    return (a->s > b->s) - (a->s < b->s);
}

static int cmp_win(const void *x, const void *y)
{
    const uint32_t *a = x, *b = y;
    for (int i = 0; i < 4; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

static int add_hit(ghit **h, size_t *nh, size_t *cap, uint32_t l, uint32_t s)
{
    if (ovl__grow(h, cap, *nh + 1, sizeof **h))
        return -1;
    (*h)[(*nh)++] = (ghit){l, s};
    return 0;
}

/* The pairs (l position, s position) of equal g-grams, l's in [l0, l1) and s's in [s0, s1),
 * leaving out keys found more than max_occ times in l's range: from l's index when there is
 * one, otherwise from an index of s's range with l's range read through. */
static int find_hits(const ovl_doc *l, const ovl__grams *li, size_t l0, size_t l1, const uint8_t *ml,
                     const ovl_doc *s, size_t s0, size_t s1, const uint8_t *ms, unsigned g,
                     unsigned max_occ, size_t max_hits, ghit **hits, size_t *nh)
{
    size_t cap = 0, at;
    uint64_t key;
    groll r;
    *hits = NULL;
    *nh = 0;
    if (li) {
        groll_init(&r, s, ms, s0, s1, g);
        while (groll_next(&r, &at, &key)) {
            const gslot *q = grams_find(li, key);
            if (!q)
                continue;
            const uint32_t *lp = li->pos + q->start;
            size_t a = ovl__first_at(lp, q->count, l0), b = ovl__first_at(lp, q->count, l1 + 1 - g);
            if (b - a > max_occ)
                continue;
            for (size_t x = a; x < b; x++)
                if (add_hit(hits, nh, &cap, lp[x], (uint32_t)at))
                    return OVL_ERR_NOMEM;
            if (*nh > max_hits)
                return 1;
        }
        return OVL_OK;
    }
    ovl__grams *si = NULL;
    int rc = grams_build_at(s, s0, s1, ms, g, 1, &si);
    uint32_t *lcount = rc == OVL_OK ? calloc(si->mask + 1, sizeof *lcount) : NULL;
    if (rc == OVL_OK && !lcount)
        rc = OVL_ERR_NOMEM;
    groll_init(&r, l, ml, l0, l1, g);
    while (rc == OVL_OK && groll_next(&r, &at, &key)) {
        const gslot *q = grams_find(si, key);
        if (q && add_hit(hits, nh, &cap, (uint32_t)at, (uint32_t)(q - si->tab)))
            rc = OVL_ERR_NOMEM;
        else if (q)
            lcount[q - si->tab]++;
    }
    /* Each hit so far names its key's slot in s's index: expanded to s's positions. */
    ghit *all = NULL;
    size_t nall = 0, capall = 0;
    for (size_t x = 0; rc == OVL_OK && x < *nh; x++) {
        const gslot *q = &si->tab[(*hits)[x].s];
        if (lcount[(*hits)[x].s] > max_occ)
            continue;
        for (uint32_t y = 0; y < q->count && rc == OVL_OK; y++)
            if (add_hit(&all, &nall, &capall, (*hits)[x].l, si->pos[q->start + y]))
                rc = OVL_ERR_NOMEM;
        if (rc == OVL_OK && nall > max_hits)
            rc = 1;
    }
    free(lcount);
    ovl__grams_free(si);
    free(*hits);
    *hits = all;
    *nh = nall;
    return rc;
}

/* A window still open to hits further on in l. */
typedef struct open_w {
    size_t w;       /* its index */
    int64_t diag;   /* s - l of its last hit */
    uint32_t end_l; /* l of its last hit */
} open_w;

/* Windows of tokens [l0, l1) of document l where text of tokens [s0, s1) of document s may
 * be: the g-grams the two ranges share (masked ones left out as in grams_build, and those
 * found more than max_occ times in l's range), joined into one window where they lie within
 * join tokens of each other in l and near one diagonal. li: an index of all of l built with
 * ml and g, or NULL (the same windows, from an index of s's range). *win (malloc'd, the
 * caller frees it; NULL when none) receives *nwin windows in l order, four values each: the
 * window's start and end in l, and the start and end in s of its g-grams. Returns OVL_OK,
 * OVL_ERR_NOMEM, or 1 (no windows) when the ranges share more than max_hits g-grams. */
static int find_windows(const ovl_doc *l, const ovl__grams *li, size_t l0, size_t l1,
                        const uint8_t *ml, const ovl_doc *s, size_t s0, size_t s1,
                        const uint8_t *ms, unsigned g, unsigned max_occ, unsigned join,
                        size_t max_hits, uint32_t **win, size_t *nwin)
{
    *win = NULL;
    *nwin = 0;
    if (g == 0 || s1 - s0 < g || l1 - l0 < g)
        return OVL_OK;
    if (li && li->g != g)
        li = NULL;
    ghit *h = NULL;
    size_t nh = 0;
    int rc = find_hits(l, li, l0, l1, ml, s, s0, s1, ms, g, max_occ, max_hits, &h, &nh);
    if (rc != OVL_OK) {
        free(h);
        return rc;
    }
    if (nh > 1)
        qsort(h, nh, sizeof *h, cmp_hit);
    /* A hit joins the open window (its last hit within join tokens before it in l) whose last
     * hit is on a diagonal within join of its own, else opens one: text reused from s lies
     * near one diagonal, and a g-gram that s holds in several places must not stretch a
     * window over all of them. Windows of one hit are dropped: a passage needs more. */
    uint32_t *w = NULL;
    size_t nw = 0, capw = 0;
    open_w *op = NULL;
    size_t nop = 0, capop = 0;
    uint32_t *nhits = NULL;
    size_t capnh = 0;
    rc = OVL_OK;
    for (size_t x = 0; x < nh && rc == OVL_OK; x++) {
        uint32_t a = h[x].l, sa = h[x].s;
        int64_t d = (int64_t)sa - (int64_t)a;
        size_t keep = 0, hit = SIZE_MAX;
        for (size_t y = 0; y < nop; y++) {
            if (op[y].end_l + join < a)
                continue; /* closed for good: hits come in l order */
            op[keep] = op[y];
            if (hit == SIZE_MAX && op[y].diag - d <= (int64_t)join && d - op[y].diag <= (int64_t)join)
                hit = keep;
            keep++;
        }
        nop = keep;
        if (hit != SIZE_MAX) {
            uint32_t *v = &w[4 * op[hit].w];
            v[1] = a + g > v[1] ? a + g : v[1];
            v[2] = sa < v[2] ? sa : v[2];
            v[3] = sa + g > v[3] ? sa + g : v[3];
            op[hit].diag = d;
            op[hit].end_l = a;
            nhits[op[hit].w]++;
            continue;
        }
        if (ovl__grow(&w, &capw, 4 * nw + 4, sizeof *w) || ovl__grow(&nhits, &capnh, nw + 1, sizeof *nhits) ||
            ovl__grow(&op, &capop, nop + 1, sizeof *op)) {
            rc = OVL_ERR_NOMEM;
            break;
        }
        w[4 * nw] = a;
        w[4 * nw + 1] = a + g;
        w[4 * nw + 2] = sa;
        w[4 * nw + 3] = sa + g;
        nhits[nw] = 1;
        op[nop++] = (open_w){nw, d, a};
        nw++;
    }
    free(op);
    size_t kept = 0;
    for (size_t x = 0; rc == OVL_OK && x < nw; x++)
        if (nhits[x] > 1)
            memmove(&w[4 * kept++], &w[4 * x], 4 * sizeof *w);
    free(nhits);
    if (rc != OVL_OK) {
        free(w);
        free(h);
        return rc;
    }
    /* In l order (windows of different diagonals may overlap in l). */
    nw = kept;
    if (nw > 1)
        qsort(w, nw, 4 * sizeof *w, cmp_win);
    free(h);
    *win = w;
    *nwin = nw;
    return OVL_OK;
}

/* ---- Aligning a pair ---------------------------------------------------------------- */

/* Token range [*t0, *t1) of a document of n tokens: box [b0, b1) widened by margin, the
 * whole document once that covers two thirds of it. */
static void widen(uint32_t b0, uint32_t b1, uint64_t margin, size_t n, size_t *t0, size_t *t1)
{
    uint64_t lo = b0 > margin ? b0 - margin : 0, hi = (uint64_t)b1 + margin;
    if (hi > n)
        hi = n;
    if (lo >= hi || 3 * (hi - lo) >= 2 * (uint64_t)n) {
        lo = 0;
        hi = n;
    }
    *t0 = (size_t)lo;
    *t1 = (size_t)hi;
}

/* Documents of more tokens than this get no seed index (its table takes 20 to 40 bytes a
 * token). */
#define KINDEX_MAX_TOKENS ((size_t)1 << 20)

/* Tokens [a0, a1) of da aligned as a pair's first document: the seed index of da when it is
 * the unit's centre and the ranges of it aligned so far add up to the whole document (built
 * then), otherwise NULL. The passages do not depend on it. */
static const ovl__kindex *centre_index(ovl__centre_grams *cg, const ovl_doc *da, size_t a0,
                                       size_t a1, const ovl_scan_opts *o, const uint8_t *ma)
{
    if (!cg || !cg->kon || cg->doc != da)
        return NULL;
    if (cg->kx || cg->kfail)
        return cg->kx;
    const ovl_norm *nm = ovl_doc_norm(da);
    size_t n = ovl_norm_count(nm);
    cg->kwork += a1 - a0;
    if (n > KINDEX_MAX_TOKENS || cg->kwork < n)
        return NULL;
    size_t ncjk = 0, nword = 0;
    for (size_t i = 0; i < n; i++) {
        ncjk += ovl__tok_kind(&nm->tokens[i]) == OVL_TOK_CJK;
        nword += ovl__tok_kind(&nm->tokens[i]) == OVL_TOK_WORD;
    }
    ovl_align_opts ao = o->align;
    ovl__align_defaults(&ao);
    /* Out of memory only costs the time the index would have saved. */
    if (ovl__kindex_build(da, ma, ovl__align_seed_len(&ao, ncjk, nword), &cg->kx) != OVL_OK)
        cg->kfail = 1;
    return cg->kx;
}

/* Aligns a pair inside boxes [a0, a1) of da and [b0, b1) of db widened; when a passage
 * reaches an edge of the range that is not a document edge, the margin doubles and the pair
 * is aligned again, so passages are not cut. */
static int align_box(ovl_ctx *ctx, const ovl_doc *da, const ovl_doc *db, uint32_t a0b, uint32_t a1b,
                     uint32_t b0b, uint32_t b1b, uint64_t margin, const ovl_scan_opts *o,
                     const uint8_t *ma, const uint8_t *mb, ovl__centre_grams *cg, ovl_passage **ps,
                     size_t *np)
{
    size_t na = ovl_norm_count(ovl_doc_norm(da)), nb = ovl_norm_count(ovl_doc_norm(db));
    /* A passage ending this close to a range edge inside the document may go on past it. */
    const size_t slack = 32;
    for (uint64_t m = margin;; m *= 2) {
        size_t a0, a1, b0, b1;
        widen(a0b, a1b, m, na, &a0, &a1);
        widen(b0b, b1b, m, nb, &b0, &b1);
        int rc = ovl__align_range_kx(ctx, da, a0, a1, db, b0, b1, &o->align, ma, mb,
                                     centre_index(cg, da, a0, a1, o, ma), cg_paras(cg, da),
                                     cg_paras(cg, db), ps, np);
        if (rc != OVL_OK)
            return rc;
        if ((a0 == 0 && a1 == na && b0 == 0 && b1 == nb) || m >= UINT32_MAX)
            return OVL_OK;
        int cut = 0;
        for (size_t i = 0; i < *np && !cut; i++) {
            const ovl_passage *q = &(*ps)[i];
            cut = (a0 > 0 && q->a.tok_start < a0 + slack) || (a1 < na && q->a.tok_end + slack > a1) ||
                  (b0 > 0 && q->b.tok_start < b0 + slack) || (b1 < nb && q->b.tok_end + slack > b1);
        }
        if (!cut)
            return OVL_OK;
        free(*ps);
        *ps = NULL;
        *np = 0;
    }
}

/* A range this long against one at most a LONG_RATIO-th of it is aligned in windows. */
#define LONG_RANGE 16384u
#define LONG_RATIO 16u

static int same_spans(const ovl_passage *p, const ovl_passage *q)
{
    return p->a.tok_start == q->a.tok_start && p->a.tok_end == q->a.tok_end &&
           p->b.tok_start == q->b.tok_start && p->b.tok_end == q->b.tok_end;
}

static int cmp_stronger(const void *x, const void *y)
{
    const ovl_passage *p = *(const ovl_passage *const *)x, *q = *(const ovl_passage *const *)y;
    if (p->matched_chars != q->matched_chars)
        return p->matched_chars > q->matched_chars ? -1 : 1;
    return p < q ? -1 : (p > q);
}

/* The aligner reports a short text of one document that matches several places of the other
 * once, where it matches best, and a repeat of text matched already only when it is at least
 * REPEAT_WEIGHT passage minimums long; windows aligned apart each find their own match of it,
 * so the same rule is applied across them. s_is_a: the short side is a; ao has its defaults
 * filled in. */
#define REPEAT_WEIGHT 1.5
static int drop_repeats(const ovl_doc *ds, int s_is_a, const ovl_align_opts *ao, ovl_passage *ps,
                        size_t *np)
{
    size_t n = *np, ns = ovl_norm_count(ovl_doc_norm(ds));
    const ovl__tok *t = ovl_doc_norm(ds)->tokens;
    const ovl_passage **ord = malloc((n + 1) * sizeof *ord);
    uint32_t *own = calloc(ns + 1, sizeof *own); /* 1 + the kept passage holding a token */
    uint8_t *drop = calloc(n + 1, 1);
    if (!ord || !own || !drop) {
        free(ord);
        free(own);
        free(drop);
        return OVL_ERR_NOMEM;
    }
    for (size_t x = 0; x < n; x++)
        ord[x] = &ps[x];
    if (n > 1)
        qsort(ord, n, sizeof *ord, cmp_stronger);
    double mw = ao->min_words, mc = ao->min_cjk;
    for (size_t x = 0; x < n; x++) {
        const ovl_span *sp = s_is_a ? &ord[x]->a : &ord[x]->b;
        size_t covered = 0, words = 0, cjk = 0;
        double best = 0; /* the most alike passage holding some of it already */
        for (uint32_t y = sp->tok_start; y < sp->tok_end; y++) {
            if (own[y]) {
                covered++;
                if (ps[own[y] - 1].similarity > best)
                    best = ps[own[y] - 1].similarity;
            }
            words += ovl__tok_kind(&t[y]) == OVL_TOK_WORD;
            cjk += ovl__tok_kind(&t[y]) == OVL_TOK_CJK;
        }
        if (2 * covered > sp->tok_end - sp->tok_start &&
            (words / mw + cjk / mc < REPEAT_WEIGHT || ord[x]->similarity < 0.75 * best)) {
            drop[ord[x] - ps] = 1;
            continue;
        }
        for (uint32_t y = sp->tok_start; y < sp->tok_end; y++)
            if (!own[y])
                own[y] = (uint32_t)(ord[x] - ps) + 1;
    }
    size_t k = 0;
    for (size_t x = 0; x < n; x++)
        if (!drop[x])
            ps[k++] = ps[x];
    *np = k;
    free(ord);
    free(own);
    free(drop);
    return OVL_OK;
}

/* A pair whose range in one document is many times its range in the other: the long range is
 * aligned only in windows around the g-grams (one token longer than the aligner's seeds) it
 * shares with the short one. Aligning all of it read every token of the long document again
 * for every short one paired with it, and most such pairs share nothing outside recurring
 * text. *windowed is left 0 (and nothing aligned) when the windows would cost half of
 * aligning the ranges whole. */
static int align_windows(ovl_ctx *ctx, const ovl_doc *da, const ovl_doc *db, int a_long, size_t l0,
                         size_t l1, size_t s0, size_t s1, const ovl_scan_opts *o, const uint8_t *ma,
                         const uint8_t *mb, ovl__centre_grams *cg, ovl_passage **ps, size_t *np,
                         int *windowed)
{
    const ovl_doc *dl = a_long ? da : db, *ds = a_long ? db : da;
    const uint8_t *ml = a_long ? ma : mb;
    const ovl__tok *ts = ovl_doc_norm(ds)->tokens;
    size_t ncjk = 0, nword = 0;
    for (size_t i = s0; i < s1; i++) {
        ncjk += ovl__tok_kind(&ts[i]) == OVL_TOK_CJK;
        nword += ovl__tok_kind(&ts[i]) == OVL_TOK_WORD;
    }
    ovl_align_opts ao = o->align;
    ovl__align_defaults(&ao);
    unsigned g = ovl__align_seed_len(&ao, ncjk, nword) + 1;
    uint64_t margin = 4 * (uint64_t)o->fp.chunk_tokens;
    *windowed = 0;
    if (cg && cg->doc == dl) {
        if (cg->g != g) {
            ovl__grams_free(cg->x);
            cg->x = NULL;
            cg->g = g;
            cg->asked = 0;
        }
        int brc = !cg->x && cg->asked++ > 0
                      ? grams_build(dl, 0, ovl_norm_count(ovl_doc_norm(dl)), ml, g, &cg->x)
                      : OVL_OK;
        if (brc != OVL_OK)
            return brc;
    }
    uint32_t *w = NULL;
    size_t nw = 0;
    int rc = find_windows(dl, cg && cg->doc == dl ? cg->x : NULL, l0, l1, ml, ds, s0, s1,
                               a_long ? mb : ma, g, ao.max_occ, (unsigned)(2 * margin),
                               ((l1 - l0) + (s1 - s0)) / 32, &w, &nw);
    if (rc == 1)
        return OVL_OK;
    if (rc != OVL_OK)
        return rc;
    uint64_t cost = 0;
    for (size_t x = 0; x < nw; x++)
        cost += w[4 * x + 1] - w[4 * x] + w[4 * x + 3] - w[4 * x + 2] + 4 * margin;
    if (2 * cost >= (l1 - l0) + (s1 - s0)) {
        free(w);
        return OVL_OK;
    }
    *windowed = 1;
    ovl_passage *all = NULL;
    size_t nall = 0, cap = 0;
    for (size_t x = 0; x < nw && rc == OVL_OK; x++) {
        ovl_passage *q = NULL;
        size_t nq = 0;
        const uint32_t *v = &w[4 * x];
        rc = a_long ? align_box(ctx, da, db, v[0], v[1], v[2], v[3], margin, o, ma, mb, cg, &q, &nq)
                    : align_box(ctx, da, db, v[2], v[3], v[0], v[1], margin, o, ma, mb, cg, &q, &nq);
        if (rc == OVL_OK && nq && ovl__grow(&all, &cap, nall + nq, sizeof *all))
            rc = OVL_ERR_NOMEM;
        if (rc == OVL_OK && nq) {
            memcpy(all + nall, q, nq * sizeof *q);
            nall += nq;
        }
        free(q);
    }
    free(w);
    /* Windows widened until no passage was cut may have found the same passage. */
    if (rc == OVL_OK && nall > 1 && (rc = ovl__align_regroup(ctx, all, nall)) == OVL_OK) {
        size_t kept = 1;
        for (size_t x = 1; x < nall; x++)
            if (!same_spans(&all[x], &all[kept - 1]))
                all[kept++] = all[x];
        nall = kept;
        if (nw > 1)
            rc = drop_repeats(ds, !a_long, &ao, all, &nall);
        if (rc == OVL_OK)
            rc = ovl__align_regroup(ctx, all, nall);
    }
    if (rc != OVL_OK) {
        free(all);
        return rc;
    }
    *ps = all;
    *np = nall;
    return OVL_OK;
}

int ovl__scan_align_pair(ovl_ctx *ctx, const ovl_doc *da, const ovl_doc *db, const ovl_scan_pair *p,
                         const ovl_scan_opts *o, const uint8_t *ma, const uint8_t *mb,
                         ovl__centre_grams *cg, ovl_passage **ps, size_t *np)
{
    size_t na = ovl_norm_count(ovl_doc_norm(da)), nb = ovl_norm_count(ovl_doc_norm(db));
    if ((na <= o->whole_tokens && nb <= o->whole_tokens) || p->a0 >= p->a1 || p->b0 >= p->b1)
        return ovl__align_range_kx(ctx, da, 0, na, db, 0, nb, &o->align, ma, mb,
                                   centre_index(cg, da, 0, na, o, ma), cg_paras(cg, da),
                                   cg_paras(cg, db), ps, np);
    size_t a0, a1, b0, b1;
    uint64_t m = 4 * (uint64_t)o->fp.chunk_tokens;
    widen(p->a0, p->a1, m, na, &a0, &a1);
    widen(p->b0, p->b1, m, nb, &b0, &b1);
    int a_long = a1 - a0 >= LONG_RANGE && a1 - a0 >= LONG_RATIO * (b1 - b0);
    int b_long = b1 - b0 >= LONG_RANGE && b1 - b0 >= LONG_RATIO * (a1 - a0);
    if (a_long || b_long) {
        int windowed = 0;
        int rc = align_windows(ctx, da, db, a_long, a_long ? a0 : b0, a_long ? a1 : b1,
                               a_long ? b0 : a0, a_long ? b1 : a1, o, ma, mb, cg, ps, np,
                               &windowed);
        if (rc != OVL_OK || windowed)
            return rc;
    }
    return align_box(ctx, da, db, p->a0, p->a1, p->b0, p->b1, m, o, ma, mb, cg, ps, np);
}
