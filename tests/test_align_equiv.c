/* test_align_equiv.c - the aligner's fast stages (seed search, the seed index of a whole document, chain DP, moved flags, end extension, score order, anchor sort) against the plain versions they replaced, on random inputs. */
/* The stages are static in src/align.c, so it is compiled into this test; its public functions
 * then come from here rather than from the library. */
/* The DP's diagonal lists: few, so that diagonals share lists in every round. */
#define DIAG_SLOTS ((size_t)64)
#include "../src/align.c"

#include <check.h>
#include <stdio.h>

#include "testutil.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
    return mix64(rng_state++);
}

static size_t rnd_below(size_t n)
{
    return (size_t)(rnd() % n);
}

/* ---- chain DP ----------------------------------------------------------------------------- */

/* The DP as it was: every one of the LOOKBACK anchors before i, nearest first, strict
 * improvements kept. */
static void ref_chain_dp(const aln *al, const mem *mm, size_t nm, double *f, int64_t *p)
{
    for (size_t i = 0; i < nm; i++) {
        double best = mm[i].len;
        int64_t bp = -1;
        int64_t ai = mm[i].a, bi = mm[i].b, li = mm[i].len;
        size_t lo = i > LOOKBACK ? i - LOOKBACK : 0;
        for (size_t jj = i; jj-- > lo;) {
            int64_t aj = mm[jj].a, bj = mm[jj].b, lj = mm[jj].len;
            if (aj >= ai || bj >= bi || aj + lj >= ai + li || bj + lj >= bi + li)
                continue;
            int64_t ga = ai - (aj + lj), gb = bi - (bj + lj);
            int64_t ov = 0;
            if (-ga > ov)
                ov = -ga;
            if (-gb > ov)
                ov = -gb;
            ga += ov;
            gb += ov;
            if (ga > (int64_t)al->max_gap || gb > (int64_t)al->max_gap)
                continue;
            double sc = f[jj] + (double)(li - ov) - 0.25 * (double)(ga < gb ? ga : gb) -
                        0.5 * (double)(ga < gb ? gb - ga : ga - gb);
            if (sc > best) {
                best = sc;
                bp = (int64_t)jj;
            }
        }
        f[i] = best;
        p[i] = bp;
    }
}

static int ref_cmp_mem(const void *x, const void *y)
{
    const mem *p = x, *q = y;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    return p->b < q->b ? -1 : (p->b > q->b);
}

typedef struct idxscore {
    double s;
    size_t i;
} idxscore;

static int ref_cmp_idxscore(const void *x, const void *y)
{
    const idxscore *p = x, *q = y;
    if (p->s != q->s)
        return p->s > q->s ? -1 : 1;
    return p->i < q->i ? -1 : (p->i > q->i);
}

/* Hash of every k-gram starting at 0..n-k (polynomial rolling, then mixed), stored: what the
 * search rolls as it reads each side. */
static void kgram_hashes(const uint64_t *h, size_t n, unsigned k, uint64_t *g)
{
    const uint64_t P = 0x100000001B3ull;
    uint64_t pk = 1, acc = 0;
    for (unsigned i = 0; i + 1 < k; i++)
        pk *= P;
    for (size_t i = 0; i < n; i++) {
        if (i >= k)
            acc -= h[i - k] * pk;
        acc = acc * P + h[i];
        if (i + 1 >= k)
            g[i + 1 - k] = mix64(acc);
    }
}

/* The seed search as it was: b's k-gram hashes stored, and a seed skipped when the last match
 * found on its diagonal (a per-diagonal array of match ends) reaches past it. Unsorted. */
static void ref_find_mems(const uint64_t *ha, size_t n, const uint64_t *hb, size_t m, unsigned k,
                          unsigned max_occ, const uint8_t *sa, const uint8_t *sb, mem **out,
                          size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (n < k || m < k)
        return;
    size_t na = n - k + 1, nb = m - k + 1, tsize = 16;
    while (tsize < 2 * na)
        tsize *= 2;
    kslot *tab = calloc(tsize, sizeof *tab);
    uint32_t *nxt = malloc(sizeof *nxt * na), *cover = calloc(n + m + 1, sizeof *cover);
    uint64_t *ga = malloc(sizeof *ga * na), *gb = malloc(sizeof *gb * nb);
    size_t nm = 0, cap = 0;
    mem *mems = NULL;
    ck_assert(tab && nxt && cover && ga && gb);
    kgram_hashes(ha, n, k, ga);
    kgram_hashes(hb, m, k, gb);
    for (size_t i = na; i-- > 0;) {
        if (sa && sa[i] && sa[i + k - 1])
            continue;
        size_t h = (size_t)ga[i] & (tsize - 1);
        while (tab[h].count && tab[h].g != ga[i])
            h = (h + 1) & (tsize - 1);
        nxt[i] = tab[h].count ? tab[h].head : UINT32_MAX;
        tab[h].g = ga[i];
        tab[h].head = (uint32_t)i;
        tab[h].count++;
    }
    size_t limit = MAX_MEMS_PER_TOKEN * (n + m) + 1024;
    for (size_t j = 0; j < nb && nm < limit; j++) {
        if (sb && sb[j] && sb[j + k - 1])
            continue;
        size_t h = (size_t)gb[j] & (tsize - 1);
        while (tab[h].count && tab[h].g != gb[j])
            h = (h + 1) & (tsize - 1);
        if (!tab[h].count || tab[h].count > max_occ)
            continue;
        for (uint32_t i = tab[h].head; i != UINT32_MAX; i = nxt[i]) {
            size_t d = i + m - j;
            if (cover[d] > j || memcmp(ha + i, hb + j, k * sizeof *ha) != 0)
                continue;
            size_t s = 0, len = k;
            while (s < i && s < j && ha[i - s - 1] == hb[j - s - 1])
                s++;
            while (i + len < n && j + len < m && ha[i + len] == hb[j + len])
                len++;
            cover[d] = (uint32_t)(j + len);
            ck_assert_int_eq(ovl__grow(&mems, &cap, nm + 1, sizeof *mems), 0);
            mems[nm++] = (mem){(uint32_t)(i - s), (uint32_t)(j - s), (uint32_t)(len + s)};
        }
    }
    free(tab);
    free(nxt);
    free(cover);
    free(ga);
    free(gb);
    *out = mems;
    *nout = nm;
}

/* Token sequence of n tokens over a vocabulary of v, with stretches copied from src (when
 * given) so that there are long matches, repeats and small edits. */
/* Tokens carrying hashes h[0,n) (the aligner reads hashes in place from the tokens). */
static ovl__tok *as_tokens(const uint64_t *h, size_t n)
{
    ovl__tok *t = calloc(n + 1, sizeof *t);
    ck_assert_ptr_nonnull(t);
    for (size_t i = 0; i < n; i++)
        t[i].hash = h[i];
    return t;
}

static uint64_t *random_tokens(size_t n, unsigned v, const uint64_t *src, size_t ns)
{
    uint64_t *h = malloc(sizeof *h * (n + 1));
    ck_assert_ptr_nonnull(h);
    for (size_t i = 0; i < n;) {
        if (src && ns > 64 && rnd_below(3)) {
            size_t len = 8 + rnd_below(120), from = rnd_below(ns - 64);
            for (size_t t = 0; t < len && i < n && from + t < ns; t++, i++)
                h[i] = rnd_below(20) ? src[from + t] : rnd_below(v);
        } else {
            h[i++] = rnd_below(v);
        }
    }
    return h;
}

START_TEST(chain_dp_same_as_window_scan)
{
    static const unsigned vocab[] = {3, 6, 40, 5000};
    static const unsigned gaps[] = {16, 64, 200}; /* 200: the plain scan path */
    size_t total = 0;
    for (int round = 0; round < 26; round++) {
        rng_state = 1000 + (uint64_t)round;
        /* The last two rounds: larger documents. */
        size_t n = 500 + rnd_below(6000), m = 500 + rnd_below(6000);
        if (round >= 24)
            n = 40000 + rnd_below(5000), m = 40000 + rnd_below(5000);
        unsigned v = vocab[round % 4];
        uint64_t *ha = random_tokens(n, v, NULL, 0);
        uint64_t *hb = random_tokens(m, v, ha, n);
        mem *mm = NULL, *rm = NULL;
        size_t nm = 0, nrm = 0;
        unsigned k = 3 + (unsigned)(round % 3);
        /* Every third round flags some tokens of both sides as recurring text. */
        uint8_t *sa = NULL, *sb = NULL;
        if (round % 3 == 1) {
            sa = malloc(n);
            sb = malloc(m);
            ck_assert(sa && sb);
            for (size_t i = 0; i < n; i++)
                sa[i] = rnd_below(4) == 0;
            for (size_t i = 0; i < m; i++)
                sb[i] = rnd_below(4) == 0;
        }
        unsigned occ = round % 2 ? 64 : 4;
        ovl__tok *ta = as_tokens(ha, n), *tb = as_tokens(hb, m);
        ck_assert_int_eq(find_mems_masked(NULL, ta, n, tb, m, k, occ, sa, sb, &mm, &nm), 0);
        ref_find_mems(ha, n, hb, m, k, occ, sa, sb, &rm, &nrm);
        free(sa);
        free(sb);
        /* find_mems' anchors are the old search's, in the comparator's order. */
        total += nm;
        ck_assert_msg(nm == nrm, "round %d: %zu anchors, %zu before", round, nm, nrm);
        if (nm > 0) {
            qsort(rm, nrm, sizeof *rm, ref_cmp_mem);
            ck_assert(memcmp(rm, mm, sizeof *mm * nm) == 0);
        }
        free(rm);
        for (size_t g = 0; g < 3; g++) {
            aln al = {ta, tb, NULL, NULL, n, m, k, gaps[g], 64, 20, 8, NULL};
            double *rf = malloc(sizeof *rf * (nm + 1));
            uint32_t *f = malloc(sizeof *f * (nm + 1));
            uint8_t *pd = malloc(nm + 1);
            uint64_t *has = malloc(sizeof *has * (nm / 64 + 1));
            int64_t *rp = malloc(sizeof *rp * (nm + 1));
            ck_assert(f && rf && pd && has && rp);
            ck_assert_int_eq(chain_dp(&al, mm, nm, f, pd, has), 0);
            ref_chain_dp(&al, mm, nm, rf, rp);
            for (size_t i = 0; i < nm; i++) {
                uint32_t pj = pred_of(pd, has, i);
                long long pi = pj == NO_PRED ? -1 : (long long)pj;
                ck_assert_msg(f[i] == 4 * rf[i] && pi == rp[i],
                              "round %d gap %u anchor %zu of %zu: (%g, %lld) vs (%g, %lld)", round,
                              gaps[g], i, nm, f[i] / 4.0, pi, rf[i], (long long)rp[i]);
            }
            /* The chain scores sort as the comparator sorted them, counted and, scores
             * spread over more values than there are anchors, as words. */
            for (int wide = 0; wide < 2; wide++) {
                idxscore *rord = malloc(sizeof *rord * (nm + 1));
                ck_assert_ptr_nonnull(rord);
                if (wide)
                    for (size_t i = 0; i < nm; i++)
                        f[i] = f[i] * 1000 + (i % 7 == 0);
                for (size_t i = 0; i < nm; i++)
                    rord[i] = (idxscore){f[i], i};
                qsort(rord, nm, sizeof *rord, ref_cmp_idxscore);
                uint32_t *ord = malloc(sizeof *ord * (nm + 1));
                ck_assert_ptr_nonnull(ord);
                ck_assert_int_eq(score_order(NULL, f, nm, NULL, nm, ord), 0);
                for (size_t r = 0; r < nm; r++)
                    ck_assert_msg(ord[r] == rord[r].i, "wide %d rank %zu: %u vs %zu", wide, r,
                                  (unsigned)ord[r], rord[r].i);
                /* A subset (chain building leaves out lone short anchors) keeps its order. */
                uint64_t *keep = calloc(nm / 64 + 1, sizeof *keep);
                ck_assert_ptr_nonnull(keep);
                size_t nk = 0;
                for (size_t i = 0; i < nm; i++)
                    if (i % 3 != 1) {
                        keep[i / 64] |= UINT64_C(1) << (i % 64);
                        nk++;
                    }
                ck_assert_int_eq(score_order(NULL, f, nm, keep, nk, ord), 0);
                for (size_t r = 0, x = 0; r < nm; r++) {
                    if (rord[r].i % 3 == 1)
                        continue;
                    ck_assert_msg(ord[x] == rord[r].i, "kept, wide %d rank %zu: %u vs %zu", wide,
                                  x, (unsigned)ord[x], rord[r].i);
                    x++;
                }
                free(keep);
                free(ord);
                free(rord);
            }
            free(f);
            free(rf);
            free(pd);
            free(has);
            free(rp);
        }
        free(mm);
        free(ha);
        free(ta);
        free(tb);
        free(hb);
    }
    ck_assert_msg(total > 100000, "only %zu anchors in all", total);
}
END_TEST

/* ---- end extension ------------------------------------------------------------------------ */

/* The X-drop extension as it was: every cell of the band in every row, paragraphs as numbers
 * (pa, pb: of each token). */
static void ref_extend_end(const aln *al, const uint32_t *pa, const uint32_t *pb, uint32_t a,
                           uint32_t b, int dir, uint32_t cap, int32_t *rows, uint32_t *da,
                           uint32_t *db)
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
    uint32_t para_a = pa[dir > 0 ? a - 1 : a], para_b = pb[dir > 0 ? b - 1 : b];
    int32_t *prev = rows, *cur = rows + (2 * W + 1);
    int32_t best = 0;
    extcand in = {0, 0, 0}, out = {EXT_NEG, 0, 0};
    for (int d = 0; d <= 2 * W; d++) {
        int j = d - W;
        prev[d] = j < 0 || (size_t)j > lb || EXT_INDEL * j > EXT_XDROP ? EXT_NEG : -EXT_INDEL * j;
    }
    for (size_t i = 1; i <= la; i++) {
        int alive = 0;
        for (int d = 0; d <= 2 * W; d++) {
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
            if (v > best)
                best = v;
            if (eq && i >= 2 && j >= 2 && al->ta[TA(i - 1)].hash == al->tb[TB(j - 1)].hash) {
                int inside = pa[TA(i)] == para_a && pb[TB(j)] == para_b;
                extcand *c = inside ? &in : &out;
                if (v > c->score)
                    *c = (extcand){v, (uint32_t)i, (uint32_t)j};
            }
        }
        if (!alive)
            break;
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


START_TEST(extend_end_same_as_full_band)
{
    static const unsigned vocab[] = {2, 4, 30};
    int32_t rows[2 * (2 * EXT_BAND + 1)], rrows[2 * (2 * EXT_BAND + 1)];
    for (int round = 0; round < 30; round++) {
        rng_state = 5000 + (uint64_t)round;
        size_t n = 50 + rnd_below(3000), m = 0;
        unsigned v = vocab[round % 3];
        uint64_t *ha = random_tokens(n, v, NULL, 0);
        /* b: a copy of a with substitutions, insertions and deletions every few tokens;
         * at[i]: where a's token i went in b. */
        uint64_t *hb = malloc(sizeof *hb * (2 * n + 1));
        uint32_t *at = malloc(sizeof *at * n);
        ck_assert(hb && at);
        for (size_t i = 0; i < n; i++) {
            size_t r = rnd_below(30);
            at[i] = (uint32_t)m;
            if (r == 0)
                continue; /* deleted */
            if (r == 1)
                hb[m++] = rnd_below(v); /* inserted before */
            hb[m++] = r == 2 ? rnd_below(v) : ha[i];
        }
        if (m < 2)
            hb[m++] = 0, hb[m++] = 1;
        uint32_t *pa = malloc(sizeof *pa * n), *pb = malloc(sizeof *pb * m);
        ck_assert(pa && pb);
        for (size_t i = 0, q = 0; i < n; i++)
            pa[i] = (uint32_t)(q += rnd_below(40) == 0);
        for (size_t i = 0, q = 0; i < m; i++)
            pb[i] = (uint32_t)(q += rnd_below(40) == 0);
        /* The aligner's form: a bit where the paragraph number changes. */
        uint64_t *sa = calloc(n / 64 + 1, sizeof *sa), *sb = calloc(m / 64 + 1, sizeof *sb);
        ck_assert(sa && sb);
        for (size_t i = 1; i < n; i++)
            if (pa[i] != pa[i - 1])
                sa[i / 64] |= UINT64_C(1) << (i % 64);
        for (size_t i = 1; i < m; i++)
            if (pb[i] != pb[i - 1])
                sb[i / 64] |= UINT64_C(1) << (i % 64);
        ovl__tok *ta = as_tokens(ha, n), *tb = as_tokens(hb, m);
        aln al = {ta, tb, sa, sb, n, m, 3 + (unsigned)(round % 3), 16, 64, 20, 8, NULL};
        for (int t = 0; t < 2000; t++) {
            uint32_t a = 1 + (uint32_t)rnd_below(n - 1), b = 1 + (uint32_t)rnd_below(m - 1);
            if (rnd_below(4)) { /* where a's token went, give or take a few: long extensions */
                int64_t x = (int64_t)at[a] + (int64_t)rnd_below(7) - 3;
                b = x < 1 ? 1 : x >= (int64_t)m ? (uint32_t)m - 1 : (uint32_t)x;
            }
            int dir = rnd_below(2) ? 1 : -1;
            uint32_t cap = rnd_below(4) ? 32 : 128, da, db, rda, rdb;
            extend_end(&al, a, b, dir, cap, rows, &da, &db);
            ref_extend_end(&al, pa, pb, a, b, dir, cap, rrows, &rda, &rdb);
            ck_assert_msg(da == rda && db == rdb, "round %d (%u, %u) dir %d: (%u, %u) vs (%u, %u)",
                          round, a, b, dir, da, db, rda, rdb);
        }
        free(ha);
        free(ta);
        free(tb);
        free(hb);
        free(at);
        free(pa);
        free(pb);
        free(sa);
        free(sb);
    }
}
END_TEST

/* ---- moved flags -------------------------------------------------------------------------- */

/* The flags as they were computed: a DP over each passage's 4096 predecessors. */
static void ref_mark_moved(ovl_passage *ps, size_t np)
{
    double *best = malloc(sizeof *best * (np + 1));
    int64_t *prev = malloc(sizeof *prev * (np + 1));
    ck_assert(best && prev);
    size_t top = 0;
    for (size_t i = 0; i < np; i++) {
        double w = (double)(ps[i].a.tok_end - ps[i].a.tok_start);
        best[i] = w;
        prev[i] = -1;
        size_t lo = i > 4096 ? i - 4096 : 0;
        for (size_t j = lo; j < i; j++) {
            if (ps[j].a.tok_start < ps[i].a.tok_start && ps[j].a.tok_end < ps[i].a.tok_end &&
                ps[j].b.tok_start < ps[i].b.tok_start && ps[j].b.tok_end < ps[i].b.tok_end &&
                best[j] + w > best[i]) {
                best[i] = best[j] + w;
                prev[i] = (int64_t)j;
            }
        }
        if (best[i] > best[top])
            top = i;
    }
    for (size_t i = 0; i < np; i++)
        ps[i].moved = 1;
    for (int64_t i = (int64_t)top; i >= 0; i = prev[i])
        ps[i].moved = 0;
    free(best);
    free(prev);
}

/* np passages in the shapes the aligner makes: a main line in order in both documents,
 * pieces moved far, repeats of one stretch of a at several places of b (same start in a),
 * nested and overlapping ones. Shape 0: lengths 8-11 (many equal chains); 1: 8-67; 2: all 10
 * (ties everywhere), and blocks of MOVED_WINDOW +- 2 passages far ahead in b between stretches
 * of the main line, so that a main-line passage's predecessor is near the window's edge. */
static ovl_passage *random_passages(size_t np, int shape)
{
    ovl_passage *ps = calloc(np + 1, sizeof *ps);
    ck_assert_ptr_nonnull(ps);
    uint32_t a = 0, b = 0;
    size_t block = 0;  /* passages left in the current far block (shape 2) */
    int main_prev = 0; /* the previous passage is on the main line */
    for (size_t i = 0; i < np; i++) {
        uint32_t len = shape == 0 ? 8 + (uint32_t)rnd_below(4)
                       : shape == 1 ? 8 + (uint32_t)rnd_below(60) : 10;
        uint32_t as, bs, lb = shape == 2 ? len : len + (uint32_t)rnd_below(3);
        size_t r = rnd_below(100);
        /* A block starts after a main-line passage and one follows it, W or W + 1 passages
         * later: the first is in the second's window of W only in the first case. */
        int after_block = 0;
        if (shape == 2 && block == 0 && main_prev && rnd_below(200) == 0)
            block = MOVED_WINDOW + rnd_below(2);
        else if (block == 1)
            after_block = 1;
        if (block > 1) { /* far ahead in b: no predecessor of the main line */
            block--;
            a += 1 + (uint32_t)rnd_below(3);
            as = a++;
            bs = 100000000u + (uint32_t)rnd_below(1000000);
        } else if (r < 55 || i == 0 || after_block) { /* main line */
            block = 0;
            a += (uint32_t)rnd_below(30);
            b += (uint32_t)rnd_below(30);
            as = a;
            bs = b;
            a += len;
            b += len;
        } else if (r < 70) { /* repeat: same start in a as the previous one */
            as = ps[i - 1].a.tok_start;
            len = ps[i - 1].a.tok_end - as;
            bs = (uint32_t)rnd_below((size_t)b + 1000);
        } else if (r < 80) { /* nested in the previous one or overlapping it */
            as = ps[i - 1].a.tok_start + (uint32_t)rnd_below(4);
            bs = ps[i - 1].b.tok_start + (uint32_t)rnd_below(4) - 2u * (rnd_below(2) == 0);
            if (bs > 4000000000u)
                bs = 0;
        } else if (r < 90) { /* moved: anywhere in b */
            as = a + (uint32_t)rnd_below(5);
            bs = (uint32_t)rnd_below((size_t)b + 5000);
        } else { /* near the main line, slightly out of order */
            as = a > 20 ? a - (uint32_t)rnd_below(20) : a;
            bs = b > 40 ? b - (uint32_t)rnd_below(40) : b;
        }
        main_prev = r < 55 || i == 0 || after_block;
        if (block > 0 && !after_block)
            main_prev = 0;
        ovl_passage *p = &ps[i];
        p->a.tok_start = as;
        p->a.tok_end = as + len;
        p->b.tok_start = bs;
        p->b.tok_end = bs + lb;
        /* cmp_passage orders by characters: one character per token here. */
        p->a.char_start = p->a.tok_start;
        p->a.char_end = p->a.tok_end;
        p->b.char_start = p->b.tok_start;
        p->b.char_end = p->b.tok_end;
    }
    qsort(ps, np, sizeof *ps, cmp_passage);
    return ps;
}

START_TEST(moved_flags_same_as_window_scan)
{
    static const size_t sizes[] = {1, 2, 7, 300, 4096, 4097, 5000, 12000, 30000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        for (int shape = 0; shape < 3; shape++) {
            rng_state = 77 + s * 3 + (size_t)shape;
            size_t np = sizes[s];
            ovl_passage *ps = random_passages(np, shape);
            ovl_passage *rs = malloc(sizeof *rs * (np + 1));
            ck_assert_ptr_nonnull(rs);
            memcpy(rs, ps, sizeof *ps * np);
            ck_assert_int_eq(mark_moved(NULL, ps, np), 0);
            ref_mark_moved(rs, np);
            size_t moved = 0;
            for (size_t i = 0; i < np; i++) {
                ck_assert_msg(ps[i].moved == rs[i].moved, "np %zu shape %d passage %zu: %d vs %d",
                              np, shape, i, ps[i].moved, rs[i].moved);
                moved += (size_t)ps[i].moved;
            }
            /* The inputs must exercise both outcomes (except the tiny ones). */
            if (np >= 300)
                ck_assert(moved > 0 && moved < np);
            free(ps);
            free(rs);
        }
    }
}
END_TEST

/* ---- the seed index of a whole document ---------------------------------------------------- */

/* Text of n words over a vocabulary of v ("w<number>"), a blank line (a new paragraph) after
 * one word in 12 on average; with src (n_src words of it), stretches of src copied with a word
 * changed now and then. Its words' numbers go to *w (malloc'd). */
static char *random_text(size_t n, unsigned v, const unsigned *src, size_t n_src, unsigned **w)
{
    char *t = malloc(n * 16 + 16);
    *w = malloc(sizeof **w * (n + 1));
    ck_assert(t && *w);
    size_t len = 0;
    for (size_t i = 0; i < n;) {
        size_t run = src && n_src > 200 && rnd_below(2) ? 10 + rnd_below(80) : 1;
        size_t from = run > 1 ? rnd_below(n_src - 100) : 0;
        for (size_t x = 0; x < run && i < n; x++, i++) {
            (*w)[i] = run > 1 && rnd_below(15) ? src[from + x] : (unsigned)rnd_below(v);
            len += (size_t)sprintf(t + len, "w%u%s", (*w)[i], rnd_below(12) ? " " : "\n\n");
        }
    }
    t[len] = 0;
    return t;
}

static ovl_doc *text_doc(ovl_ctx *ctx, const char *text)
{
    ovl_doc *d = NULL;
    ck_assert_msg(ovl_doc_from_bytes(ctx, "t.txt", text, strlen(text), NULL, &d) == OVL_OK, "%s",
                  ovl_ctx_message(ctx));
    return d;
}

/* A range's anchors from the whole document's index are those of the range's own table: the
 * index's k-grams outside the range are not seeds and do not count towards max_occ; masks,
 * seed lengths and occurrence limits as the aligner uses them. The paragraph starts shifted out
 * of the whole document's are the range's own. And the aligner's passages are the same with
 * and without the index and the documents' paragraph starts. */
START_TEST(indexed_seeds_same_as_range_table)
{
    ovl_ctx *ctx = ovl_ctx_new();
    ck_assert_ptr_nonnull(ctx);
    size_t total = 0, by_range = 0, ranges = 0;
    for (int round = 0; round < 12; round++) {
        rng_state = 7000 + (uint64_t)round;
        unsigned *wa = NULL, *wb = NULL;
        unsigned v = round % 3 == 0 ? 8 : round % 3 == 1 ? 300 : 20000;
        char *ta_text = random_text(2000 + rnd_below(6000), v, NULL, 0, &wa);
        size_t na_words = 0;
        ovl_doc *a = text_doc(ctx, ta_text);
        na_words = a->norm->ntokens;
        char *tb_text = random_text(1000 + rnd_below(4000), v, wa, na_words, &wb);
        ovl_doc *b = text_doc(ctx, tb_text);
        size_t N = a->norm->ntokens, M = b->norm->ntokens;
        uint8_t *ma = NULL, *mb = NULL;
        if (round % 2 == 1) { /* recurring text in runs, as the scan's masks are */
            ma = calloc(N + 1, 1);
            mb = calloc(M + 1, 1);
            ck_assert(ma && mb);
            for (size_t i = 0; i < N; i += 50 + rnd_below(200))
                memset(ma + i, 1, (i + 40 < N ? 40 : N - i));
            for (size_t i = 0; i < M; i += 50 + rnd_below(200))
                memset(mb + i, 1, (i + 40 < M ? 40 : M - i));
        }
        unsigned k = 3 + (unsigned)(round % 3 == 2), occ = round % 4 < 2 ? 4 : 64;
        ovl__kindex *kx = NULL;
        ck_assert_int_eq(ovl__kindex_build(a, ma, k, &kx), OVL_OK);
        uint64_t *para_a = NULL, *para_b = NULL;
        ck_assert_int_eq(ovl__para_bits(a, &para_a), OVL_OK);
        ck_assert_int_eq(ovl__para_bits(b, &para_b), OVL_OK);
        const ovl__tok *ta = a->norm->tokens, *tb = b->norm->tokens;
        for (int r = 0; r < 8; r++) {
            size_t a0 = 0, a1 = N, b0 = 0, b1 = M;
            if (r == 1)
                a1 = N / 2;
            else if (r == 2)
                a0 = N / 3;
            else if (r >= 3) {
                a0 = rnd_below(N);
                a1 = a0 + rnd_below(N - a0 + 1);
                b0 = rnd_below(M / 2);
                b1 = b0 + rnd_below(M - b0 + 1);
            }
            size_t n = a1 - a0, m = b1 - b0;
            mem *m1 = NULL, *m2 = NULL;
            size_t n1 = 0, n2 = 0;
            ck_assert_int_eq(find_mems_masked(NULL, ta + a0, n, tb + b0, m, k, occ, ma ? ma + a0 : NULL,
                                              mb ? mb + b0 : NULL, &m1, &n1),
                             0);
            ck_assert_int_eq(find_mems_indexed(NULL, ta + a0, n, tb + b0, m, k, occ,
                                               ma ? ma + a0 : NULL, mb ? mb + b0 : NULL, kx, a0,
                                               &m2, &n2),
                             0);
            ck_assert_msg(n1 == n2, "round %d range %d: %zu anchors, %zu from the index", round,
                          r, n1, n2);
            ck_assert(n1 == 0 || memcmp(m1, m2, sizeof *m1 * n1) == 0);
            total += n1;
            ranges++;
            /* k-grams of the range that seed only because their occurrences outside it do
             * not count: the case the index's range search is for. */
            for (size_t i = a0; n >= k && i + k <= a1; i++) {
                uint64_t acc = 0;
                for (unsigned q = 0; q < k; q++)
                    acc = acc * KGRAM_P + ta[i + q].hash;
                size_t h = kslot_find(kx->tab, kx->tmask, mix64(acc));
                if (h == SIZE_MAX)
                    continue;
                const uint32_t *pi = kx->pos + kx->tab[h].head;
                uint32_t cn = kx->tab[h].count, lo = (uint32_t)ovl__first_at(pi, cn, a0);
                uint32_t in = (uint32_t)ovl__first_at(pi, cn, a1 - k + 1) - lo;
                by_range += cn > occ && in <= occ;
            }
            free(m1);
            free(m2);
            uint64_t *p1 = calloc(n / 64 + 1, sizeof *p1), *p2 = calloc(n / 64 + 1, sizeof *p2);
            ck_assert(p1 && p2);
            para_starts(a, ta + a0, n, p1);
            bits_slice(kx->paras, a0, n, p2);
            ck_assert_msg(memcmp(p1, p2, sizeof *p1 * (n / 64 + 1)) == 0,
                          "round %d: paragraph starts of [%zu, %zu) differ", round, a0, a1);
            bits_slice(para_a, a0, n, p2);
            ck_assert(memcmp(p1, p2, sizeof *p1 * (n / 64 + 1)) == 0);
            free(p1);
            free(p2);
            p1 = calloc(m / 64 + 1, sizeof *p1);
            p2 = calloc(m / 64 + 1, sizeof *p2);
            ck_assert(p1 && p2);
            para_starts(b, tb + b0, m, p1);
            bits_slice(para_b, b0, m, p2);
            ck_assert_msg(memcmp(p1, p2, sizeof *p1 * (m / 64 + 1)) == 0,
                          "round %d: paragraph starts of b's [%zu, %zu) differ", round, b0, b1);
            free(p1);
            free(p2);
            if (r > 3)
                continue;
            ovl_align_opts ao = OVL_ALIGN_OPTS_INIT;
            ao.max_occ = occ;
            ovl_passage *q1 = NULL, *q2 = NULL;
            size_t nq1 = 0, nq2 = 0;
            ck_assert_int_eq(ovl__align_range_masked(ctx, a, a0, a1, b, b0, b1, &ao, ma, mb, &q1, &nq1),
                             OVL_OK);
            ck_assert_int_eq(ovl__align_range_kx(ctx, a, a0, a1, b, b0, b1, &ao, ma, mb, kx,
                                                 r % 2 ? para_a : NULL, para_b, &q2, &nq2),
                             OVL_OK);
            ck_assert_uint_eq(nq1, nq2);
            for (size_t x = 0; x < nq1; x++) {
                ck_assert_uint_eq(q1[x].a.tok_start, q2[x].a.tok_start);
                ck_assert_uint_eq(q1[x].a.tok_end, q2[x].a.tok_end);
                ck_assert_uint_eq(q1[x].b.tok_start, q2[x].b.tok_start);
                ck_assert_uint_eq(q1[x].b.tok_end, q2[x].b.tok_end);
                ck_assert(q1[x].similarity == q2[x].similarity);
                ck_assert_int_eq(q1[x].moved, q2[x].moved);
            }
            free(q1);
            free(q2);
        }
        ovl__kindex_free(kx);
        free(para_a);
        free(para_b);
        free(ma);
        free(mb);
        ovl_doc_free(a);
        ovl_doc_free(b);
        free(ta_text);
        free(tb_text);
        free(wa);
        free(wb);
    }
    fprintf(stderr, "seed index: %zu anchors in %zu ranges, %zu k-grams seeding by their count in the range\n", total, ranges, by_range);
    ck_assert_msg(total > 10000, "only %zu anchors in %zu ranges", total, ranges);
    ck_assert_msg(by_range > 1000, "only %zu k-grams seed by their count inside the range", by_range);
    ovl_ctx_free(ctx);
}
END_TEST

/* An index built for another document, mask or seed length is not used: the passages are those
 * of the range's own table. */
START_TEST(index_of_other_document_ignored)
{
    ovl_ctx *ctx = ovl_ctx_new();
    ck_assert_ptr_nonnull(ctx);
    rng_state = 99;
    unsigned *wa = NULL, *wb = NULL;
    char *ta_text = random_text(3000, 300, NULL, 0, &wa);
    ovl_doc *a = text_doc(ctx, ta_text);
    char *tb_text = random_text(2000, 300, wa, a->norm->ntokens, &wb);
    ovl_doc *b = text_doc(ctx, tb_text);
    size_t N = a->norm->ntokens, M = b->norm->ntokens;
    uint8_t *ma = calloc(N + 1, 1);
    ck_assert_ptr_nonnull(ma);
    ovl_passage *want = NULL;
    size_t nwant = 0;
    ck_assert_int_eq(ovl__align_range_masked(ctx, a, 0, N, b, 0, M, NULL, NULL, NULL, &want, &nwant),
                     OVL_OK);
    ck_assert_uint_gt(nwant, 3);
    /* Indexes of b, of a with a mask where none is passed, of a with 4-token seeds (words
     * take 3): each would give other anchors if it were used. */
    ovl__kindex *kx[3] = {NULL, NULL, NULL};
    ck_assert_int_eq(ovl__kindex_build(b, NULL, 3, &kx[0]), OVL_OK);
    ck_assert_int_eq(ovl__kindex_build(a, ma, 3, &kx[1]), OVL_OK);
    ck_assert_int_eq(ovl__kindex_build(a, NULL, 4, &kx[2]), OVL_OK);
    for (int x = 0; x < 3; x++) {
        ovl_passage *got = NULL;
        size_t ngot = 0;
        ck_assert_int_eq(ovl__align_range_kx(ctx, a, 0, N, b, 0, M, NULL, NULL, NULL, kx[x], NULL,
                                             NULL, &got, &ngot),
                         OVL_OK);
        ck_assert_uint_eq(ngot, nwant);
        for (size_t i = 0; i < ngot; i++) {
            ck_assert_uint_eq(got[i].a.tok_start, want[i].a.tok_start);
            ck_assert_uint_eq(got[i].b.tok_end, want[i].b.tok_end);
        }
        free(got);
        ovl__kindex_free(kx[x]);
    }
    free(want);
    free(ma);
    ovl_doc_free(a);
    ovl_doc_free(b);
    free(ta_text);
    free(tb_text);
    free(wa);
    free(wb);
    ovl_ctx_free(ctx);
}
END_TEST

static Suite *equiv_suite(void)
{
    Suite *s = suite_create("align_equiv");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, chain_dp_same_as_window_scan);
    tcase_add_test(tc, moved_flags_same_as_window_scan);
    tcase_add_test(tc, extend_end_same_as_full_band);
    tcase_add_test(tc, indexed_seeds_same_as_range_table);
    tcase_add_test(tc, index_of_other_document_ignored);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return tu_run(equiv_suite()); }
