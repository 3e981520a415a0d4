/* bench_align.c - time to align two large documents: generated ones sharing planted passages (linear-cost claim), or two given files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen.h"
#include "overlap.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* splitmix64: the planted positions depend only on the seed. */
static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Byte offset of the start of a UTF-8 character at or after i. */
static size_t char_start(const char *s, size_t i, size_t n)
{
    while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
        i++;
    return i;
}

/* bench_align --files A B: ingest and align time of two files, best of `reps` alignments. */
static int align_files(const char *pa, const char *pb, int reps)
{
    double t0 = now();
    ovl_doc *da = NULL, *db = NULL;
    if (ovl_doc_from_file(NULL, pa, NULL, &da) != OVL_OK ||
        ovl_doc_from_file(NULL, pb, NULL, &db) != OVL_OK) {
        fprintf(stderr, "bench_align: cannot read %s or %s\n", pa, pb);
        return 1;
    }
    double t1 = now(), best = -1;
    size_t np = 0;
    for (int r = 0; r < reps; r++) {
        ovl_passage *ps = NULL;
        double s = now();
        if (ovl_align(NULL, da, db, NULL, &ps, &np) != OVL_OK)
            return 1;
        s = now() - s;
        if (best < 0 || s < best)
            best = s;
        free(ps);
    }
    printf("files: ingest %.2f s, align %.2f s (best of %d), %zu passages\n", t1 - t0, best, reps, np);
    ovl_doc_free(da);
    ovl_doc_free(db);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--files") == 0) {
        if (argc < 4) {
            fprintf(stderr, "usage: bench_align --files A B [REPEATS]\n");
            return 2;
        }
        return align_files(argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 1);
    }
    double mb = argc > 1 ? atof(argv[1]) : 10.0;
    int planted = argc > 2 ? atoi(argv[2]) : 200;
    const char *lang = argc > 3 ? argv[3] : "zh";
    if (!(mb > 0) || planted < 0) {
        fprintf(stderr, "usage: bench_align [MB [PASSAGES [zh|en]]] | --files A B [REPEATS]\n");
        return 2;
    }
    ovl_gen_opts g = OVL_GEN_OPTS_INIT;
    g.lang = lang;
    char err[256];
    size_t chars = (size_t)(mb * 1e6 / (strcmp(lang, "zh") == 0 ? 3 : 1));
    g.seed = 1;
    char *a = ovl_gen_prose(&g, chars, err, sizeof err);
    g.seed = 2;
    char *b0 = a ? ovl_gen_prose(&g, chars, err, sizeof err) : NULL;
    if (!a || !b0) {
        fprintf(stderr, "bench_align: %s\n", err);
        return strcmp(lang, "zh") == 0 ? 77 : 1;
    }
    /* B: its own prose with `planted` passages of ~300 characters copied from A, spread out. */
    size_t na = strlen(a), nb0 = strlen(b0), step = nb0 / (size_t)(planted + 1), piece = 900;
    char *b = malloc(nb0 + (size_t)planted * (piece + 8) + 1);
    size_t nb = 0, from = 0;
    uint64_t rng = 42;
    for (int p = 0; p < planted; p++) {
        size_t cut = char_start(b0, (size_t)(p + 1) * step, nb0);
        memcpy(b + nb, b0 + from, cut - from);
        nb += cut - from;
        from = cut;
        size_t s = char_start(a, next(&rng) % (na - piece), na), e = char_start(a, s + piece, na);
        b[nb++] = '\n';
        memcpy(b + nb, a + s, e - s);
        nb += e - s;
        b[nb++] = '\n';
    }
    memcpy(b + nb, b0 + from, nb0 - from);
    nb += nb0 - from;
    double t0 = now();
    ovl_doc *da = NULL, *db = NULL;
    if (ovl_doc_from_bytes(NULL, "a", a, na, NULL, &da) != OVL_OK ||
        ovl_doc_from_bytes(NULL, "b", b, nb, NULL, &db) != OVL_OK)
        return 1;
    double t1 = now();
    ovl_passage *ps = NULL;
    size_t np = 0;
    if (ovl_align(NULL, da, db, NULL, &ps, &np) != OVL_OK)
        return 1;
    double t2 = now();
    printf("%s: A %.1f MB, B %.1f MB, %d planted passages: ingest %.2f s, align %.2f s, %zu passages found\n",
           lang, na / 1e6, nb / 1e6, planted, t1 - t0, t2 - t1, np);
    free(ps);
    ovl_doc_free(da);
    ovl_doc_free(db);
    free(a);
    free(b0);
    free(b);
    return 0;
}
