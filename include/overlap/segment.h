/* overlap/segment.h - paragraphs as a reader sees them (PDF hard wraps joined), sentences, headings, quotations and the reference list. */
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
/* Section headings (一、 / 1.2 Title / 第三章 / 摘要 / References ...): lines that start like
 * a heading, are at most 60 columns wide and end no sentence; in text order. A report
 * counts per section from one heading to the next. */
OVL_API size_t ovl_segments_heading_count(const ovl_segments *segs);
OVL_API const ovl_range *ovl_segments_headings(const ovl_segments *segs);
/* Quotations (“…” 「…」 『…』 "…" ＂…＂), the marks included; none crosses a blank line. */
OVL_API size_t ovl_segments_quote_count(const ovl_segments *segs);
OVL_API const ovl_range *ovl_segments_quotes(const ovl_segments *segs);
/* First character of the reference list: the line of the last 参考文献 / References /
 * Bibliography heading (a table of contents may list one earlier); the text length when
 * the document has none. */
OVL_API uint32_t ovl_segments_references(const ovl_segments *segs);

#ifdef __cplusplus
}
#endif
#endif
