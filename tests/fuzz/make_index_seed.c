/* make_index_seed.c - writes the index fuzz seed with this build's library, so it always opens (a committed one goes stale). */
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

static int fail(ovl_ctx *ctx, const char *what)
{
    fprintf(stderr, "make_index_seed: %s: %s\n", what, ovl_ctx_message(ctx));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUT.db\n", argv[0]);
        return 2;
    }
    const char *out = argv[1];
    char side[4200];
    unlink(out);
    snprintf(side, sizeof side, "%s-wal", out);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", out);
    unlink(side);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_index_opts o = OVL_INDEX_OPTS_INIT;
    o.create = 1;
    ovl_index *idx = NULL;
    if (!ctx || ovl_index_open(ctx, out, &o, &idx) != OVL_OK)
        return fail(ctx, "create");
    const ovl_index_meta metas[] = {{"kind", "paper"}, {"year", "2026"}};
    char path[32];
    for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
        snprintf(path, sizeof path, "/seed/%zu.txt", k);
        if (ovl_index_add(ctx, idx, path, texts[k], strlen(texts[k]), metas, k % 2 ? 2 : 1, NULL) != OVL_OK)
            return fail(ctx, path);
    }
    /* Records in a run, then one document removed: its records stay, masked by a dead row. */
    if (ovl_index_flush(ctx, idx) != OVL_OK)
        return fail(ctx, "flush");
    snprintf(path, sizeof path, "/seed/%zu.txt", sizeof texts / sizeof *texts - 1);
    if (ovl_index_remove(ctx, idx, path) != OVL_OK)
        return fail(ctx, "remove");
    if (ovl_index_verify(ctx, idx, 1) != OVL_OK)
        return fail(ctx, "verify");
    ovl_index_close(idx);
    ovl_ctx_free(ctx);
    return 0;
}
