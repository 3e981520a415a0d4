/* fuzz_segment.c - fuzz target: paragraphs and sentences are ordered, disjoint and in bounds. */
#include <stdlib.h>
#include "overlap.h"
#include "fuzz.h"

unsigned long ovl_fuzz_accepted;

static void check_ranges(const ovl_range *r, size_t n, size_t len)
{
    uint32_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        if (r[i].start < prev || r[i].end <= r[i].start || r[i].end > len)
            abort();
        prev = r[i].end;
    }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    ovl_decode_opts d = OVL_DECODE_OPTS_INIT;
    d.lenient = 1;
    ovl_text *t = NULL;
    if (ovl_decode(NULL, data, size, &d, &t) != OVL_OK)
        return 0;
    ovl_fuzz_accepted++;
    ovl_segments *sg = NULL;
    if (ovl_segment(NULL, t, NULL, &sg) != OVL_OK)
        abort();
    size_t len = ovl_text_length(t);
    const ovl_range *p = ovl_segments_paragraphs(sg), *s = ovl_segments_sentences(sg);
    size_t np = ovl_segments_paragraph_count(sg), ns = ovl_segments_sentence_count(sg);
    check_ranges(p, np, len);
    check_ranges(s, ns, len);
    /* Every sentence lies inside one paragraph. */
    size_t k = 0;
    for (size_t i = 0; i < ns; i++) {
        while (k < np && p[k].end < s[i].end)
            k++;
        if (k == np || s[i].start < p[k].start)
            abort();
    }
    ovl_segments_free(sg);
    ovl_text_free(t);
    return 0;
}
