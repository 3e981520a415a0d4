/* overlap/segment.h - paragraphs as a reader sees them (PDF hard wraps joined) and sentences. */
#ifndef OVERLAP_SEGMENT_H
#define OVERLAP_SEGMENT_H

#include "overlap/decode.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OVL_SEGMENT_OPTS_VERSION 1
typedef struct ovl_segment_opts {
    unsigned version;      /* OVL_SEGMENT_OPTS_VERSION */
    unsigned short_line;   /* a line shorter than this fraction (percent) of the typical
                              line width ends its paragraph; default 60 */
} ovl_segment_opts;
#define OVL_SEGMENT_OPTS_INIT {OVL_SEGMENT_OPTS_VERSION, 60}

typedef struct ovl_range {
    uint32_t start; /* first code point of the decoded text */
    uint32_t end;   /* one past the last; leading and trailing whitespace excluded */
} ovl_range;

/* Paragraphs and sentences of a text. Immutable; thread-safe to read. */
typedef struct ovl_segments ovl_segments;

/* Segments text; opts NULL means defaults. Caller frees *out with ovl_segments_free. */
OVL_API int ovl_segment(ovl_ctx *ctx, const ovl_text *text, const ovl_segment_opts *opts,
                        ovl_segments **out);
OVL_API void ovl_segments_free(ovl_segments *segs);
OVL_API size_t ovl_segments_paragraph_count(const ovl_segments *segs);
OVL_API const ovl_range *ovl_segments_paragraphs(const ovl_segments *segs); /* in text order */
OVL_API size_t ovl_segments_sentence_count(const ovl_segments *segs);
OVL_API const ovl_range *ovl_segments_sentences(const ovl_segments *segs);  /* in text order, each within one paragraph */

#ifdef __cplusplus
}
#endif
#endif
