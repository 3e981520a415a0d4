/* fuzz_jsonl.c - fuzz target: the JSON lines record reader over plain, gzip and zstd bytes; record invariants. */
#include <stdlib.h>
#include <string.h>
#include "overlap.h"
#include "fuzz.h"

unsigned long ovl_fuzz_accepted;

/* The first byte chooses the compression (its value mod 3: plain, gzip, zstd) and the field
 * names (bit 2: "body"/"name" instead of the defaults); the rest is the file. */
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 1)
        return 0;
    int kind = OVL_JSONL_PLAIN + data[0] % 3;
    ovl_jsonl_opts o = OVL_JSONL_OPTS_INIT;
    if (data[0] & 4)
        o.text_field = "body", o.id_field = "name";
    const unsigned char *p = data + 1;
    size_t n = size - 1;
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_jsonl *r = NULL;
    if (!ctx || ovl_jsonl_open_bytes(ctx, p, n, kind, &o, &r) != OVL_OK)
        abort();
    uint64_t last_line = 0, last_end = 0;
    int records = 0;
    for (int guard = 0; guard < 100000; guard++) {
        ovl_jsonl_record rec;
        int rc = ovl_jsonl_next(ctx, r, &rec);
        if (rc == 0)
            break;
        if (rc == OVL_ERR_DECODE || rc == OVL_ERR_TOOBIG) {
            /* A bad record names its line; the offset is inside the stream read so far. */
            if (strncmp(ovl_ctx_message(ctx), "line ", 5) != 0 || ovl_ctx_offset(ctx) < (int64_t)last_end)
                abort();
            continue;
        }
        if (rc < 0) {
            /* A fatal error repeats. */
            ovl_jsonl_record again;
            if (ovl_jsonl_next(ctx, r, &again) != rc)
                abort();
            break;
        }
        if (rc != 1 || rec.line <= last_line || rec.offset < last_end || !rec.id || !rec.id[0] || !rec.text ||
            rec.text[rec.text_len] != '\0' || memchr(rec.text, 0, rec.text_len))
            abort();
        if (kind == OVL_JSONL_PLAIN) {
            /* The record's line is where it says: no line break inside, one (or the end) after. */
            if (rec.offset + rec.length > n || memchr(p + rec.offset, '\n', rec.length) ||
                (rec.offset + rec.length < n && p[rec.offset + rec.length] != '\n'))
                abort();
        }
        last_line = rec.line;
        last_end = rec.offset + rec.length;
        records++;
    }
    if (records)
        ovl_fuzz_accepted++;
    ovl_jsonl_close(r);
    ovl_ctx_free(ctx);
    return 0;
}
