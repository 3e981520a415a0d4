/* bench_ingest.c - ingestion throughput (decode, normalize, segment) on generated Chinese and English text. */
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

/* Hard-wraps text every width code points, as PDF extraction does, so segmentation does
 * the work it does on real papers. */
static char *rewrap(const char *s, size_t width, size_t *len)
{
    size_t n = strlen(s);
    char *o = malloc(n + n / width * 2 + 2);
    size_t k = 0, col = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        o[k++] = (char)c;
        if (c == '\n') {
            col = 0;
            continue;
        }
        if ((c & 0xC0) != 0x80 && ++col >= width && (i + 1 >= n || ((unsigned char)s[i + 1] & 0xC0) != 0x80)) {
            o[k++] = '\n';
            col = 0;
        }
    }
    o[k] = '\0';
    *len = k;
    return o;
}

static int run(const char *lang, size_t mb, int reps)
{
    ovl_gen_opts g = OVL_GEN_OPTS_INIT;
    g.seed = 42;
    g.lang = lang;
    char err[256];
    size_t target_chars = mb * 1000000 / (strcmp(lang, "zh") == 0 ? 3 : 1);
    char *prose = ovl_gen_prose(&g, target_chars, err, sizeof err);
    if (!prose) {
        fprintf(stderr, "bench_ingest: %s: %s\n", lang, err);
        return strcmp(lang, "zh") == 0 ? 0 : 1; /* no CSL corpus: skip Chinese */
    }
    size_t len;
    char *text = rewrap(prose, strcmp(lang, "zh") == 0 ? 40 : 72, &len);
    free(prose);
    double best[4] = {1e9, 1e9, 1e9, 1e9};
    size_t ntok = 0, npara = 0;
    for (int r = 0; r < reps; r++) {
        ovl_text *t = NULL;
        ovl_norm *n = NULL;
        ovl_segments *sg = NULL;
        double t0 = now();
        if (ovl_decode(NULL, text, len, NULL, &t) != OVL_OK)
            return 1;
        double t1 = now();
        if (ovl_normalize(NULL, t, NULL, &n) != OVL_OK)
            return 1;
        double t2 = now();
        if (ovl_segment(NULL, t, NULL, &sg) != OVL_OK)
            return 1;
        double t3 = now();
        double d[4] = {t1 - t0, t2 - t1, t3 - t2, t3 - t0};
        for (int k = 0; k < 4; k++)
            best[k] = d[k] < best[k] ? d[k] : best[k];
        ntok = ovl_norm_count(n);
        npara = ovl_segments_paragraph_count(sg);
        ovl_segments_free(sg);
        ovl_norm_free(n);
        ovl_text_free(t);
    }
    double MB = (double)len / 1e6;
    printf("%-3s %7.1f MB  tokens %9zu  paragraphs %7zu  decode %7.1f MB/s  normalize %7.1f MB/s  "
           "segment %7.1f MB/s  ingest %7.1f MB/s\n",
           lang, MB, ntok, npara, MB / best[0], MB / best[1], MB / best[2], MB / best[3]);
    free(text);
    return 0;
}

int main(int argc, char **argv)
{
    size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
    int reps = argc > 2 ? atoi(argv[2]) : 3;
    const char *lang = argc > 3 ? argv[3] : "both";
    if (mb == 0 || reps <= 0 || (strcmp(lang, "both") != 0 && strcmp(lang, "zh") != 0 && strcmp(lang, "en") != 0)) {
        fprintf(stderr, "usage: bench_ingest [MB [REPEATS [zh|en|both]]]\n");
        return 2;
    }
    printf("ingestion throughput, best of %d runs, one thread\n", reps);
    int rc = 0;
    if (strcmp(lang, "en") != 0)
        rc |= run("zh", mb, reps);
    if (strcmp(lang, "zh") != 0)
        rc |= run("en", mb, reps);
    return rc;
}
