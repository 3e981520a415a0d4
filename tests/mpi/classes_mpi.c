/* classes_mpi.c - the classes of recurring chunks resolved over MPI ranks (src/mpi/classes.c) against one process's ovl__fclasses_roots on seeded corpora of texts, variants, fragments, windows and kin: every unit, own flag, fragment and kin alike (run by classes.sh; prints "ok"/"FAIL" lines). */
#include "../../src/mpi/classes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NGROUPS 400
#define NDOCS 90
#define NTEXTS 12

static int rank, fails;

static void check(int cond, const char *what, const char *detail)
{
    if (rank == 0)
        printf("%s %s%s%s\n", cond ? "ok  " : "FAIL", what, detail && *detail ? ": " : "", detail ? detail : "");
    fails |= !cond;
}

static uint64_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

/* Sorts g[0, n) and drops repeats. */
static size_t set_of(uint32_t *g, size_t n)
{
    qsort(g, n, sizeof *g, cmp_u32);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!k || g[k - 1] != g[i])
            g[k++] = g[i];
    return k;
}

/* Chunk c of document d (seeded): its key groups in g (sorted), how many. Texts t own groups
 * t * 24 .. t * 24 + len - 1; text 1 is text 0 with three groups changed (kin of it); a
 * chunk is a whole text, a variant (one to three groups changed to rare ones, 300 .. 379),
 * a piece (two groups of a text), a stray window (two of 380 .. 399: a fragment) or a window
 * over two texts. */
static size_t chunk(uint64_t seed, uint32_t d, uint32_t c, uint32_t *g)
{
    uint64_t s = seed ^ ((uint64_t)d << 32) ^ (c * 0x9e3779b97f4a7c15ull);
    rnd(&s);
    uint32_t t = (uint32_t)(rnd(&s) % NTEXTS), len = 8 + t % 9, n = 0;
    for (uint32_t i = 0; i < len; i++)
        g[n++] = t * 24 + i;
    if (t == 1)
        for (uint32_t i = 0; i < len; i++)
            g[i] = i < 3 ? 290 + i : i; /* (text 0's groups but three) */
    unsigned kind = (unsigned)(rnd(&s) % 10);
    if (kind >= 6 && kind < 8) { /* a variant */
        uint32_t k = 1 + (uint32_t)(rnd(&s) % 3);
        for (uint32_t i = 0; i < k; i++)
            g[rnd(&s) % n] = 300 + (uint32_t)(rnd(&s) % 80);
    } else if (kind == 8) { /* a piece of a text, or a stray window of rare keys (a fragment) */
        uint32_t at = (uint32_t)(rnd(&s) % (n - 1)), stray = rnd(&s) % 2;
        g[0] = stray ? 380 + (uint32_t)(rnd(&s) % 20) : g[at];
        g[1] = stray ? 380 + (uint32_t)(rnd(&s) % 20) : g[at + 1];
        n = 2;
    } else if (kind == 9) { /* a window over two texts */
        uint32_t u = (t + 1 + (uint32_t)(rnd(&s) % (NTEXTS - 1))) % NTEXTS;
        n /= 2;
        for (uint32_t i = 0; i < 4; i++)
            g[n++] = u * 24 + i;
    }
    return set_of(g, n);
}

static uint32_t chunks_of(uint64_t seed, uint32_t d)
{
    uint64_t s = seed + d * 7919u;
    rnd(&s);
    return 1 + (uint32_t)(rnd(&s) % 6);
}

/* The classes of documents [lo, hi) met in order into t (empty at first); gdocs (not NULL):
 * each key group's documents added. */
static int meet(ovl_ctx *ctx, uint64_t seed, uint32_t lo, uint32_t hi, ovl__fctab *t, uint32_t *gdocs)
{
    uint32_t g[32], last[NGROUPS];
    memset(last, 0xff, sizeof last);
    for (uint32_t d = lo; d < hi; d++)
        for (uint32_t c = 0; c < chunks_of(seed, d); c++) {
            size_t n = chunk(seed, d, c, g);
            uint32_t k;
            if (ovl__fctab_meet(ctx, t, g, n, d, c, &k) != OVL_OK)
                return -1;
            for (size_t i = 0; gdocs && i < n; i++)
                if (last[g[i]] != d) {
                    last[g[i]] = d;
                    gdocs[g[i]]++;
                }
        }
    return 0;
}

static void one_seed(ovl_ctx *ctx, int P, uint64_t seed)
{
    char what[96], detail[160] = "";
    snprintf(what, sizeof what, "seed %llu on %d ranks", (unsigned long long)seed, P);
    /* One process: every document, ovl__fclasses_roots. */
    ovl__fctab all = {0}, mine = {0};
    uint32_t gdocs[NGROUPS] = {0};
    int bad = meet(ctx, seed, 0, NDOCS, &all, gdocs) != 0;
    size_t n = all.n;
    ovl__fclasses fc = {n, malloc((n ? n : 1) * sizeof(uint32_t)), all.goff, all.gl};
    uint32_t *up = malloc((n ? n : 1) * sizeof *up), *kin = malloc((n ? n : 1) * sizeof *kin);
    unsigned char *own = malloc(n ? n : 1);
    ovl__fkins want = {0}, got = {0};
    bad |= !fc.docs || !up || !kin || !own;
    for (size_t k = 0; !bad && k < n; k++)
        fc.docs[k] = all.c[k].docs;
    bad = bad || ovl__fclasses_roots(ctx, &fc, gdocs, NGROUPS, up, own, kin) != OVL_OK ||
          ovl__fkins_from(kin, up, n, &want) != 0;
    /* The ranks: each its share of the documents and of the key groups. */
    uint32_t lo = (uint32_t)((uint64_t)NDOCS * rank / P), hi = (uint32_t)((uint64_t)NDOCS * (rank + 1) / P);
    size_t gbase[5];
    for (int p = 0; p <= P; p++)
        gbase[p] = (size_t)NGROUPS * (size_t)p / (size_t)P;
    bad |= meet(ctx, seed, lo, hi, &mine, NULL) != 0;
    mpi_run m;
    ovl__mpi_run_init(&m, ctx, MPI_COMM_WORLD);
    bad |= ovl__mpi_run_alloc(&m) != 0;
    uint32_t *cu = NULL;
    unsigned char *co = NULL, *frag = NULL;
    uint64_t nunits = 0, held = 0;
    int same = 0, rc = ovl__mpi_classes_resolve(&m, &mine, gdocs + gbase[rank], gbase, &cu, &co, &nunits, &frag, &got, &held);
    if (bad || rc != OVL_OK) {
        snprintf(detail, sizeof detail, "set up %s, resolved: %d", bad ? "failed" : "ok", rc);
    } else if (nunits != n) {
        snprintf(detail, sizeof detail, "%llu classes, one process %zu", (unsigned long long)nunits, n);
    } else {
        size_t variants = 0, roots = 0, frags = 0;
        for (size_t k = 0; k < n; k++) {
            variants += up[k] != k;
            roots += up[k] == k;
            frags += up[k] == k && !own[k];
            if (frag[k] != (up[k] == k && !own[k]) && !*detail)
                snprintf(detail, sizeof detail, "unit %zu: fragment %d, one process %d", k, frag[k], up[k] == k && !own[k]);
        }
        for (size_t j = 0; j < mine.n && !*detail; j++) {
            uint32_t k = 0;
            size_t a = mine.goff[j], b = mine.goff[j + 1];
            ovl__fctab_find(ctx, &all, mine.gl + a, b - a, 0, 0, &k);
            if (cu[j] != up[k] || co[j] != own[k])
                snprintf(detail, sizeof detail, "class %u (local %zu): unit %u own %d, one process %u own %d", k, j,
                         cu[j], co[j], up[k], own[k]);
        }
        if (!*detail && (got.n != want.n || (want.n && (memcmp(got.unit, want.unit, want.n * sizeof *want.unit) ||
                                                        memcmp(got.kin, want.kin, want.n * sizeof *want.kin)))))
            snprintf(detail, sizeof detail, "%zu kins, one process %zu", got.n, want.n);
        /* (The corpus must hold every case, or the test shows nothing.) */
        if (!*detail && (!variants || !frags || !want.n))
            snprintf(detail, sizeof detail, "a case is missing: %zu variants, %zu fragments, %zu kins", variants,
                     frags, want.n);
        if (!*detail && (same = 1))
            snprintf(detail, sizeof detail, "%zu classes: %zu roots (%zu fragments), %zu variants, %zu kins alike", n,
                     roots, frags, variants, want.n);
    }
    int failed = !same, any = 0;
    MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
    /* (Rank 0 tells; a failure on another rank is told as such.) */
    if (rank == 0 && any && !failed)
        snprintf(detail, sizeof detail, "another rank differs from one process");
    check(!any, what, detail);
    free(cu), free(co), free(frag);
    ovl__fkins_free(&got);
    ovl__fkins_free(&want);
    ovl__mpi_run_free(&m);
    free(fc.docs), free(up), free(kin), free(own);
    ovl__fctab_free(&all);
    ovl__fctab_free(&mine);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int P = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &P);
    ovl_ctx *ctx = ovl_ctx_new();
    if (!ctx || P > 4)
        check(0, "set up", !ctx ? "out of memory" : "at most 4 ranks");
    else
        for (uint64_t seed = 1; seed <= 8; seed++)
            one_seed(ctx, P, seed);
    ovl_ctx_free(ctx);
    MPI_Finalize();
    return fails;
}
