/* make_index_seed.c - writes the index fuzz seeds with this build's library, so they always open (committed ones go stale). */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "overlap.h"

/* Short documents: Chinese, English, a shared passage between two of them, metas. */
static const char *const texts[] = {
    "人工智能技术的快速发展正在深刻改变传统教育的组织方式，学习者可以根据自身需要随时获取个性化的学习资源。\n\n"
    "与此同时，教师的角色也从知识的传授者逐渐转变为学习过程的引导者和促进者。\n",
    "与此同时，教师的角色也从知识的传授者逐渐转变为学习过程的引导者和促进者。\n\n"
    "Machine learning models are increasingly used to grade student essays and short answers.\n",
    "The quick brown fox jumps over the lazy dog while the committee reviews every submitted "
    "paper twice before the final decision is made.\n\nA second paragraph keeps the segmenter busy.\n",
    "Removed later: this document leaves band keys in a run and a row in the dead table.\n",
};
#define NTEXTS (sizeof texts / sizeof *texts)

static int fail(ovl_ctx *ctx, const char *what)
{
    fprintf(stderr, "make_index_seed: %s: %s\n", what, ovl_ctx_message(ctx));
    return 1;
}

static void unlink_all(const char *db)
{
    char side[4200];
    unlink(db);
    snprintf(side, sizeof side, "%s-wal", db);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db);
    unlink(side);
}

/* An empty database with 512-byte pages, which ovl_index_open then fills: a seed of few
 * small pages gives the fuzzer fewer bytes to mutate per structure it can reach. */
static int small_pages(const char *db)
{
    sqlite3 *h = NULL;
    unlink_all(db);
    int rc = sqlite3_open(db, &h) == SQLITE_OK &&
             sqlite3_exec(h, "PRAGMA page_size=512; VACUUM", NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_close(h);
    if (!rc)
        fprintf(stderr, "make_index_seed: %s: cannot set the page size\n", db);
    return rc ? 0 : 1;
}

static int add_all(ovl_ctx *ctx, ovl_index *idx)
{
    const ovl_index_meta metas[] = {{"kind", "paper"}, {"year", "2026"}};
    char path[32];
    for (size_t k = 0; k < NTEXTS; k++) {
        snprintf(path, sizeof path, "/seed/%zu.txt", k);
        if (ovl_index_add(ctx, idx, path, texts[k], strlen(texts[k]), metas, k % 2 ? 2 : 1, NULL) != OVL_OK)
            return fail(ctx, path);
    }
    return 0;
}

/* Copies the main file of db (its WAL checkpointed into it first) to out. */
static int snapshot(const char *db, const char *out)
{
    sqlite3 *h = NULL;
    int ok = sqlite3_open(db, &h) == SQLITE_OK &&
             sqlite3_exec(h, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_close(h);
    FILE *in = ok ? fopen(db, "rb") : NULL, *o = in ? fopen(out, "wb") : NULL;
    char buf[4096];
    size_t n;
    while (o && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok &= fwrite(buf, 1, n, o) == n;
    if (in)
        fclose(in);
    ok &= o && fclose(o) == 0;
    if (!ok)
        fprintf(stderr, "make_index_seed: cannot copy %s to %s\n", db, out);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s RUNS.db PENDING.db\n", argv[0]);
        return 2;
    }
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_index_opts o = OVL_INDEX_OPTS_INIT;
    o.create = 1;
    ovl_index *idx = NULL;
    char path[32];
    /* RUNS.db: records in a run, then one document removed (its records stay, masked by a
     * dead row). */
    if (!ctx || small_pages(argv[1]) || ovl_index_open(ctx, argv[1], &o, &idx) != OVL_OK)
        return fail(ctx, "create");
    if (add_all(ctx, idx) || ovl_index_flush(ctx, idx) != OVL_OK)
        return fail(ctx, "flush");
    snprintf(path, sizeof path, "/seed/%zu.txt", NTEXTS - 1);
    if (ovl_index_remove(ctx, idx, path) != OVL_OK || ovl_index_verify(ctx, idx, 1) != OVL_OK)
        return fail(ctx, "remove");
    ovl_index_close(idx);
    /* PENDING.db: the records still pending, as a crash or another reader would see them (a
     * handle flushes when it closes, so the file is copied before). */
    char work[4200];
    snprintf(work, sizeof work, "%s.work", argv[2]);
    if (small_pages(work) || ovl_index_open(ctx, work, &o, &idx) != OVL_OK)
        return fail(ctx, "create");
    if (add_all(ctx, idx) || snapshot(work, argv[2]))
        return 1;
    ovl_index_close(idx);
    unlink_all(work);
    idx = NULL;
    o.create = 0;
    o.readonly = 1;
    if (ovl_index_open(ctx, argv[2], &o, &idx) != OVL_OK || ovl_index_verify(ctx, idx, 1) != OVL_OK)
        return fail(ctx, argv[2]);
    ovl_index_close(idx);
    /* A read-only handle leaves the WAL side files: they are not seeds. */
    char side[4200];
    snprintf(side, sizeof side, "%s-wal", argv[2]);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", argv[2]);
    unlink(side);
    ovl_ctx_free(ctx);
    return 0;
}
