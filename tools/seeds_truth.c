/* seeds_truth.c - builds reference shared regions of two UTF-8 texts by an exhaustive DP, independent of the library's aligner. */
/*
 * Usage: seeds_truth A.txt B.txt [-v] > truth.tsv
 *
 * Method (see tests/seeds_truth.md):
 *  1. Own normalization (no library code): CJK ideographs are one token each; runs of ASCII or
 *     full-width letters/digits, lower-cased, are one word token; everything else is dropped.
 *  2. Greedy string tiling by quadratic DP: repeatedly, all maximal common token substrings of
 *     at least MIN_CHARS normalized characters among untiled tokens, tiled longest first, so
 *     each token is in at most one tile per side (repeated stock phrases tile once).
 *  3. Matches whose gaps on both sides are at most MAX_GAP normalized characters (overlaps of a
 *     few characters allowed) are merged (union-find) into regions.
 *  4. A region is kept when its tiled tokens cover at least half of its span on both sides
 *     and satisfy cjk/20 + words/8 >= 1.
 * Output: one line per region, "a_start a_end b_start b_end" in code point indices of the
 * decoded texts (ends exclusive), sorted by a_start. -v also prints each region's text on
 * stderr so it can be checked by reading.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_CHARS 10
#define MAX_GAP 60
#define MAX_OVERLAP 10

typedef struct tok {
    uint64_t id;
    uint32_t c0, c1;   /* code point range in the text */
    uint32_t n0;       /* normalized character offset */
    uint32_t nlen;
    int cjk;
} tok;

typedef struct textv {
    uint32_t *cp;
    size_t n;
    tok *t;
    size_t nt;
} textv;

static int load(const char *path, textv *tv)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)len + 1);
    if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        free(buf);
        return -1;
    }
    fclose(f);
    tv->cp = malloc(sizeof *tv->cp * ((size_t)len + 1));
    tv->n = 0;
    for (long i = 0; i < len;) {
        unsigned c = buf[i];
        uint32_t v;
        int k;
        if (c < 0x80) {
            v = c;
            k = 1;
        } else if ((c & 0xE0) == 0xC0) {
            v = c & 0x1F;
            k = 2;
        } else if ((c & 0xF0) == 0xE0) {
            v = c & 0x0F;
            k = 3;
        } else {
            v = c & 0x07;
            k = 4;
        }
        for (int j = 1; j < k && i + j < len; j++)
            v = (v << 6) | (buf[i + j] & 0x3F);
        i += k;
        if (tv->n == 0 && v == 0xFEFF)
            continue; /* a BOM is not a character */
        tv->cp[tv->n++] = v;
    }
    free(buf);
    /* Tokens. */
    tv->t = malloc(sizeof *tv->t * (tv->n + 1));
    tv->nt = 0;
    uint32_t nofs = 0;
    for (size_t i = 0; i < tv->n;) {
        uint32_t c = tv->cp[i];
        int cjk = (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF);
        if (cjk) {
            tv->t[tv->nt++] = (tok){c, (uint32_t)i, (uint32_t)i + 1, nofs, 1, 1};
            nofs++;
            i++;
            continue;
        }
        size_t j = i;
        uint64_t h = 1469598103934665603ull;
        uint32_t nl = 0;
        for (; j < tv->n; j++) {
            uint32_t d = tv->cp[j];
            if (d >= 0xFF10 && d <= 0xFF5A)
                d -= 0xFEE0;
            if (d >= 'A' && d <= 'Z')
                d += 32;
            if (!((d >= 'a' && d <= 'z') || (d >= '0' && d <= '9')))
                break;
            h = (h ^ d) * 1099511628211ull;
            nl++;
        }
        if (j == i) {
            i++;
            continue;
        }
        tv->t[tv->nt++] = (tok){h | (1ull << 63), (uint32_t)i, (uint32_t)j, nofs, nl, 0};
        nofs += nl;
        i = j;
    }
    return 0;
}

typedef struct match {
    uint32_t a, b, len; /* tokens */
} match;

static int cmp_len(const void *x, const void *y)
{
    const match *p = x, *q = y;
    if (p->len != q->len)
        return p->len > q->len ? -1 : 1;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    return p->b < q->b ? -1 : (p->b > q->b);
}

static size_t *uf;
static size_t find(size_t x)
{
    while (uf[x] != x)
        x = uf[x] = uf[uf[x]];
    return x;
}

static void print_text(const textv *tv, uint32_t s, uint32_t e)
{
    for (uint32_t i = s; i < e; i++) {
        uint32_t c = tv->cp[i];
        char o[5];
        int k;
        if (c < 0x80) {
            o[0] = (char)c;
            k = 1;
        } else if (c < 0x800) {
            o[0] = (char)(0xC0 | (c >> 6));
            o[1] = (char)(0x80 | (c & 0x3F));
            k = 2;
        } else if (c < 0x10000) {
            o[0] = (char)(0xE0 | (c >> 12));
            o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
            o[2] = (char)(0x80 | (c & 0x3F));
            k = 3;
        } else {
            o[0] = (char)(0xF0 | (c >> 18));
            o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
            o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
            o[3] = (char)(0x80 | (c & 0x3F));
            k = 4;
        }
        fwrite(o, 1, (size_t)k, stderr);
    }
    fputc('\n', stderr);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: seeds_truth A.txt B.txt [-v]\n");
        return 2;
    }
    int verbose = argc > 3 && strcmp(argv[3], "-v") == 0;
    textv A, B;
    if (load(argv[1], &A) || load(argv[2], &B)) {
        fprintf(stderr, "cannot read input\n");
        return 1;
    }
    size_t n = A.nt, m = B.nt;
    /* Greedy string tiling: each round finds the maximal common substrings among tokens not
     * yet tiled and tiles them longest first; rounds repeat until nothing new is tiled, so
     * every token belongs to at most one tile on each side. */
    uint32_t *prev = calloc(m + 1, sizeof *prev), *cur = calloc(m + 1, sizeof *cur);
    uint8_t *ta = calloc(n + 1, 1), *tb = calloc(m + 1, 1);
    match *ms = NULL, *cand = NULL;
    size_t nms = 0, cap = 0, ncand = 0, ccap = 0;
    for (;;) {
        ncand = 0;
        memset(prev, 0, (m + 1) * sizeof *prev);
        for (size_t i = 1; i <= n; i++) {
            for (size_t j = 1; j <= m; j++)
                cur[j] = !ta[i - 1] && !tb[j - 1] && A.t[i - 1].id == B.t[j - 1].id ? prev[j - 1] + 1 : 0;
            for (size_t j = 1; j <= m; j++) {
                uint32_t l = cur[j];
                if (!l)
                    continue;
                int maximal = i == n || j == m || ta[i] || tb[j] || A.t[i].id != B.t[j].id;
                if (!maximal)
                    continue;
                uint32_t a0 = (uint32_t)(i - l);
                uint32_t chars = A.t[i - 1].n0 + A.t[i - 1].nlen - A.t[a0].n0;
                if (chars < MIN_CHARS)
                    continue;
                if (ncand == ccap) {
                    ccap = ccap ? 2 * ccap : 1024;
                    cand = realloc(cand, ccap * sizeof *cand);
                }
                cand[ncand++] = (match){a0, (uint32_t)(j - l), l};
            }
            uint32_t *t = prev;
            prev = cur;
            cur = t;
        }
        /* Longest first (insertion into order by a simple selection each time is too slow for
         * thousands of candidates, so sort with qsort on length, then position). */
        qsort(cand, ncand, sizeof *cand, cmp_len);
        size_t added = 0;
        for (size_t c = 0; c < ncand; c++) {
            int free_ = 1;
            for (uint32_t t = 0; t < cand[c].len && free_; t++)
                free_ = !ta[cand[c].a + t] && !tb[cand[c].b + t];
            if (!free_)
                continue;
            memset(ta + cand[c].a, 1, cand[c].len);
            memset(tb + cand[c].b, 1, cand[c].len);
            if (nms == cap) {
                cap = cap ? 2 * cap : 1024;
                ms = realloc(ms, cap * sizeof *ms);
            }
            ms[nms++] = cand[c];
            added++;
        }
        if (!added)
            break;
    }
    /* Merge collinear neighbouring tiles. */
    uf = malloc(sizeof *uf * (nms + 1));
    for (size_t i = 0; i < nms; i++)
        uf[i] = i;
    for (size_t i = 0; i < nms; i++) {
        for (size_t j = 0; j < nms; j++) {
            if (i == j)
                continue;
            /* j precedes i? gaps in normalized characters. */
            const match *p = &ms[j], *q = &ms[i];
            long pa_end = (long)A.t[p->a + p->len - 1].n0 + A.t[p->a + p->len - 1].nlen;
            long pb_end = (long)B.t[p->b + p->len - 1].n0 + B.t[p->b + p->len - 1].nlen;
            long ga = (long)A.t[q->a].n0 - pa_end, gb = (long)B.t[q->b].n0 - pb_end;
            if (q->a <= p->a || q->b <= p->b)
                continue;
            if (ga >= -MAX_OVERLAP && ga <= MAX_GAP && gb >= -MAX_OVERLAP && gb <= MAX_GAP)
                uf[find(i)] = find(j);
        }
    }
    /* Regions. */
    typedef struct region {
        uint32_t a0, a1, b0, b1; /* tokens */
        size_t cjk, words;
    } region;
    region *rg = calloc(nms + 1, sizeof *rg);
    size_t *rid = malloc(sizeof *rid * (nms + 1));
    size_t nrg = 0;
    for (size_t i = 0; i < nms; i++)
        rid[i] = SIZE_MAX;
    for (size_t i = 0; i < nms; i++) {
        size_t r = find(i);
        if (rid[r] == SIZE_MAX) {
            rid[r] = nrg++;
            rg[rid[r]] = (region){ms[i].a, ms[i].a + ms[i].len, ms[i].b, ms[i].b + ms[i].len, 0, 0};
        }
        region *g = &rg[rid[r]];
        if (ms[i].a < g->a0)
            g->a0 = ms[i].a;
        if (ms[i].a + ms[i].len > g->a1)
            g->a1 = ms[i].a + ms[i].len;
        if (ms[i].b < g->b0)
            g->b0 = ms[i].b;
        if (ms[i].b + ms[i].len > g->b1)
            g->b1 = ms[i].b + ms[i].len;
        for (uint32_t t = ms[i].a; t < ms[i].a + ms[i].len; t++) {
            g->cjk += A.t[t].cjk;
            g->words += !A.t[t].cjk;
        }
    }
    /* Matched tokens of each region as a union (matches of one region may overlap). */
    uint8_t *ma = calloc(n + 1, 1), *mb = calloc(m + 1, 1);
    for (size_t r = 0; r < nrg; r++) {
        rg[r].cjk = rg[r].words = 0;
        size_t ca = 0, cb = 0, la = 0, lb = 0;
        memset(ma + rg[r].a0, 0, rg[r].a1 - rg[r].a0);
        memset(mb + rg[r].b0, 0, rg[r].b1 - rg[r].b0);
        for (size_t i = 0; i < nms; i++) {
            if (rid[find(i)] != r)
                continue;
            memset(ma + ms[i].a, 1, ms[i].len);
            memset(mb + ms[i].b, 1, ms[i].len);
        }
        for (uint32_t t = rg[r].a0; t < rg[r].a1; t++) {
            la += A.t[t].nlen;
            if (!ma[t])
                continue;
            ca += A.t[t].nlen;
            rg[r].cjk += A.t[t].cjk;
            rg[r].words += !A.t[t].cjk;
        }
        for (uint32_t t = rg[r].b0; t < rg[r].b1; t++) {
            lb += B.t[t].nlen;
            cb += mb[t] ? B.t[t].nlen : 0;
        }
        /* A region where matches are sparse on either side is a chance grouping of stock
         * phrases, not a reused stretch. */
        if (2 * ca < la || 2 * cb < lb)
            rg[r].cjk = rg[r].words = 0;
    }
    /* Sort by a0 (insertion sort: regions are few). */
    for (size_t i = 1; i < nrg; i++)
        for (size_t j = i; j > 0 && (rg[j].a0 < rg[j - 1].a0 ||
                                     (rg[j].a0 == rg[j - 1].a0 && rg[j].b0 < rg[j - 1].b0));
             j--) {
            region t = rg[j];
            rg[j] = rg[j - 1];
            rg[j - 1] = t;
        }
    printf("# a_char_start\ta_char_end\tb_char_start\tb_char_end\n");
    for (size_t i = 0; i < nrg; i++) {
        if ((double)rg[i].cjk / 20.0 + (double)rg[i].words / 8.0 < 1.0)
            continue;
        uint32_t ca0 = A.t[rg[i].a0].c0, ca1 = A.t[rg[i].a1 - 1].c1;
        uint32_t cb0 = B.t[rg[i].b0].c0, cb1 = B.t[rg[i].b1 - 1].c1;
        printf("%u\t%u\t%u\t%u\n", ca0, ca1, cb0, cb1);
        if (verbose) {
            fprintf(stderr, "== %u-%u | %u-%u\nA: ", ca0, ca1, cb0, cb1);
            print_text(&A, ca0, ca1);
            fprintf(stderr, "B: ");
            print_text(&B, cb0, cb1);
        }
    }
    return 0;
}
