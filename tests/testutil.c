/* testutil.c - helpers shared by the Check suites. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

const char *tu_fixtures(void)
{
    const char *d = getenv("OVL_FIXTURES");
    return d ? d : "fixtures";
}

const char *tu_seeds(void)
{
    const char *d = getenv("OVL_SEEDS");
    struct stat st;
    if (!d || stat(d, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return d;
}

const char *tu_seed_path(const char *prefix)
{
    static char buf[4096];
    const char *d = tu_seeds();
    if (!d)
        return NULL;
    DIR *dir = opendir(d);
    if (!dir)
        return NULL;
    struct dirent *e;
    const char *found = NULL;
    while ((e = readdir(dir))) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 && strstr(e->d_name, ".txt")) {
            snprintf(buf, sizeof buf, "%s/%s", d, e->d_name);
            found = buf;
            break;
        }
    }
    closedir(dir);
    return found;
}

char *tu_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = (size_t)n;
    return buf;
}

const char *tu_path(const char *dir, const char *name)
{
    static char bufs[8][4096];
    static int next;
    char *b = bufs[next++ & 7];
    snprintf(b, 4096, "%s/%s", dir, name);
    return b;
}

ovl_doc *tu_doc(const char *path)
{
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_doc *doc = NULL;
    int rc = ovl_doc_from_file(ctx, path, NULL, &doc);
    ck_assert_msg(rc == OVL_OK, "%s: %s", path, ovl_ctx_message(ctx));
    ovl_ctx_free(ctx);
    return doc;
}

uint64_t tu_rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint32_t tu_rng_below(uint64_t *s, uint32_t n) { return (uint32_t)(tu_rng_next(s) % n); }

int tu_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

int tu_main(int argc, char **argv, Suite *s)
{
    const char *tcase = argc > 1 ? argv[1] : "core";
    if (strcmp(tcase, "core") != 0 && strcmp(tcase, "seeds") != 0) {
        fprintf(stderr, "usage: %s [core|seeds]\n", argv[0]);
        srunner_free(srunner_create(s));
        return 2;
    }
    if (strcmp(tcase, "seeds") == 0 && !tu_seeds()) {
        const char *d = getenv("OVL_SEEDS");
        printf("seeds directory %s absent: the seed tests are skipped\n", d ? d : "(OVL_SEEDS unset)");
        srunner_free(srunner_create(s));
        return 77;
    }
    SRunner *sr = srunner_create(s);
    srunner_run(sr, NULL, tcase, CK_NORMAL);
    int ran = srunner_ntests_run(sr), failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (ran == 0)
        fprintf(stderr, "%s: no test ran in tcase %s\n", argv[0], tcase);
    return failed || ran == 0 ? 1 : 0;
}
