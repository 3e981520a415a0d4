/* fuzz_normalize.c - fuzz target: tokens of arbitrary text stay ordered and inside the text; narrow code point arrays read back as their 32-bit copies and token hashes. */
#include <stdlib.h>
#define XXH_INLINE_ALL
#include <xxhash.h>
#include "overlap.h"
#include "fuzz.h"

unsigned long ovl_fuzz_accepted;

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    ovl_decode_opts d = OVL_DECODE_OPTS_INIT;
    d.lenient = 1;
    ovl_text *t = NULL;
    if (ovl_decode(NULL, data, size, &d, &t) != OVL_OK)
        return 0;
    ovl_fuzz_accepted++;
    for (int trad = 0; trad < 2; trad++) {
        ovl_norm_opts o = OVL_NORM_OPTS_INIT;
        o.fold_traditional = trad;
        ovl_norm *n = NULL;
        if (ovl_normalize(NULL, t, &o, &n) != OVL_OK)
            abort();
        const ovl_token *tok = ovl_norm_tokens(n);
        size_t count = ovl_norm_count(n), len = ovl_text_length(t);
        uint32_t prev_start = 0, prev_end = 0, norm_end = 0;
        const uint32_t *fc = ovl_norm_chars(n);
        if (!fc)
            abort();
        for (size_t i = 0; i < count; i++) {
            /* Tokens go forward; two overlap only in the one character that folded into
             * both ("½" is "1", "⁄", "2"). */
            if (tok[i].char_start < prev_start || tok[i].char_end < prev_end ||
                (tok[i].char_start < prev_end && tok[i].char_start + 1 != prev_end) ||
                tok[i].char_end <= tok[i].char_start || tok[i].char_end > len ||
                tok[i].norm_start < norm_end || tok[i].norm_len == 0)
                abort();
            prev_start = tok[i].char_start;
            prev_end = tok[i].char_end;
            norm_end = tok[i].norm_start + tok[i].norm_len;
            /* The folded characters, read one by one or as the 32-bit copy, are those the
             * token's hash was made from. */
            for (uint32_t k = tok[i].norm_start; k < norm_end; k++)
                if (ovl_norm_char(n, k) != fc[k])
                    abort();
            if (XXH3_64bits(fc + tok[i].norm_start, tok[i].norm_len * sizeof *fc) != tok[i].hash)
                abort();
        }
        free(ovl_norm_utf8(n, 0, count));
        ovl_norm_free(n);
    }
    const uint32_t *c = ovl_text_chars(t);
    if (!c)
        abort();
    for (size_t i = 0, len = ovl_text_length(t); i < len; i++)
        if (ovl_text_char(t, i) != c[i])
            abort();
    ovl_text_free(t);
    return 0;
}
