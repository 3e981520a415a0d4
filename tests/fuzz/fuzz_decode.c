/* fuzz_decode.c - fuzz target: detection and decoding of arbitrary bytes; offset map invariants. */
#include <stdlib.h>
#include <string.h>
#include "overlap.h"
#include "fuzz.h"

unsigned long ovl_fuzz_accepted;

static void check_text(const ovl_text *t, size_t size)
{
    size_t n = ovl_text_length(t);
    if (ovl_text_byte(t, n) != size)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (ovl_text_byte(t, i) > ovl_text_byte(t, i + 1) || ovl_text_byte(t, i) >= size)
            abort();
        if (ovl_text_chars(t)[i] > 0x10FFFF)
            abort();
        if (i && ovl_text_line(t, i) < ovl_text_line(t, i - 1))
            abort();
        if (ovl_text_line(t, i) < 1 || ovl_text_line(t, i) > ovl_text_line_count(t))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static const char *const forced[] = {NULL, "UTF-8", "UTF-16LE", "GB18030", "BIG5"};
    ovl_ctx *ctx = ovl_ctx_new();
    for (size_t k = 0; k < sizeof forced / sizeof *forced; k++) {
        for (int lenient = 0; lenient < 2; lenient++) {
            ovl_decode_opts o = OVL_DECODE_OPTS_INIT;
            o.encoding = forced[k];
            o.lenient = lenient;
            ovl_text *t = NULL;
            int rc = ovl_decode(ctx, data, size, &o, &t);
            if (rc == OVL_OK) {
                if (k == 0 && !lenient)
                    ovl_fuzz_accepted++;
                check_text(t, size);
                ovl_text_free(t);
            } else if (t != NULL || ovl_ctx_offset(ctx) > (int64_t)size) {
                abort();
            } else if (rc == OVL_ERR_DECODE && lenient) {
                abort(); /* lenient mode never fails on content */
            }
        }
    }
    ovl_ctx_free(ctx);
    return 0;
}
