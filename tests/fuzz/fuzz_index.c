/* fuzz_index.c - fuzz target: opening and reading an index file of arbitrary bytes never crashes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "overlap.h"
#include "fuzz.h"

unsigned long ovl_fuzz_accepted;

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char path[] = "/tmp/ovl-fuzz-index-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_index_opts o = OVL_INDEX_OPTS_INIT;
    o.readonly = 1;
    ovl_index *idx = NULL;
    int rc = ovl_index_open(ctx, path, &o, &idx);
    if (rc == OVL_OK) {
        ovl_fuzz_accepted++;
        int64_t *ids = NULL;
        size_t n = 0;
        if (ovl_index_list(ctx, idx, &ids, &n) == OVL_OK) {
            for (size_t i = 0; i < n && i < 8; i++) {
                ovl_index_entry e;
                ovl_doc *d = NULL;
                if (ovl_index_doc_info(ctx, idx, ids[i], &e) == OVL_OK && !e.path)
                    abort();
                if (ovl_index_load_doc(ctx, idx, ids[i], &d) == OVL_OK) {
                    ovl_index_hit *hits = NULL;
                    size_t nh = 0;
                    ovl_index_query(ctx, idx, d, 0, &hits, &nh);
                    free(hits);
                    ovl_doc_free(d);
                }
            }
            free(ids);
        }
        ovl_index_verify(ctx, idx, 1);
        ovl_index_close(idx);
    } else if (idx != NULL || ovl_ctx_message(ctx)[0] == '\0') {
        abort(); /* a failure leaves no handle and always explains itself */
    }
    ovl_ctx_free(ctx);
    unlink(path);
    char side[sizeof path + 8];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    return 0;
}
