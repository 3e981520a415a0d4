/* segment.c - paragraphs as a reader sees them (hard-wrapped PDF lines joined), sentences, and the facts a report counts by: headings, quotations, the reference list. */
#include "internal.h"

#include <utf8proc.h>

/* The character tests run on every character of every document (several passes): inline,
 * with ASCII decided by one comparison or two. */
static inline int is_space(uint32_t c)
{
    if (c < 0x80)
        return c == ' ' || (c >= '\t' && c <= '\r');
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x3000 || c == 0xA0 ||
           c == 0xFEFF || c == 0x2028 || c == 0x2029 || c == '\f' || c == '\v' ||
           (c >= 0x2000 && c <= 0x200B);
}

static int is_cjk_digit(uint32_t c)
{
    static const uint32_t d[] = {0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94, 0x516D, 0x4E03,
                                 0x516B, 0x4E5D, 0x5341, 0x767E, 0x96F6, 0x3007};
    for (size_t i = 0; i < sizeof d / sizeof *d; i++)
        if (c == d[i])
            return 1;
    return 0;
}

/* Display columns: the common ranges inline, utf8proc for the rest. */
static inline uint32_t char_width(uint32_t c)
{
    if (c < 0x300)
        return c >= 0x20 && c != 0x7F;
    if ((c >= 0x3000 && c <= 0x9FFF) || (c >= 0xFF01 && c <= 0xFF60) || (c >= 0xAC00 && c <= 0xD7A3))
        return 2;
    int w = utf8proc_charwidth((utf8proc_int32_t)c);
    return w > 0 ? (uint32_t)w : 0;
}

/* Display width of code points [s, e) of a one-byte array v (below 0x300: one column each
 * from 0x20 but 0x7F), eight at a time; -1 when one is the array's exception mark 0xFF
 * (its code point may be anything: the caller counts that line by char_width). */
static int latin_width(const void *v, size_t s, size_t e, uint32_t *w)
{
    const uint64_t lo = 0x0101010101010101ull, hi = 0x8080808080808080ull, b7 = 0x7F7F7F7F7F7F7F7Full;
    const uint8_t *p = (const uint8_t *)v + s;
    size_t n = e - s, i = 0;
    uint32_t cols = 0;
    uint64_t marks = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        /* Per byte, exactly (no carry crosses a byte): high bit set where x >= 0x20, where
         * x == 0x7F, and where x == 0xFF. */
        uint64_t ge20 = (((x & b7) + 0x6060606060606060ull) | x) & hi;
        uint64_t eq7f = ovl__bytes_eq(x, 0x7F), eqff = ovl__bytes_eq(x, 0xFF);
        /* Bytes counted by summing the flags into the top byte (at most 8: no overflow). */
        cols += (uint32_t)(((ge20 >> 7) * lo) >> 56) - (uint32_t)(((eq7f >> 7) * lo) >> 56);
        marks |= eqff;
    }
    for (; i < n; i++) {
        cols += p[i] >= 0x20 && p[i] != 0x7F;
        marks |= p[i] == 0xFF;
    }
    *w = cols;
    return marks ? -1 : 0;
}

static int is_digit(uint32_t c) { return (c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19); }

/* Characters after which a sentence ends. */
static inline int ends_sentence(uint32_t c)
{
    if (c < 0x80)
        return c == '.' || c == '!' || c == '?' || c == ';';
    return c == 0x3002 || c == 0xFF01 || c == 0xFF1F || c == 0xFF1B || c == '!' || c == '?' ||
           c == ';' || c == '.' || c == 0xFF0E || c == 0x2026 || c == 0xFF61;
}

/* Closing marks that stay with the sentence they close. */
static inline int is_closer(uint32_t c)
{
    if (c < 0x80)
        return c == ')' || c == '"' || c == '\'' || c == ']';
    return c == 0x201D || c == 0x2019 || c == 0x300D || c == 0x300F || c == 0xFF09 || c == ')' ||
           c == '"' || c == '\'' || c == 0x3011 || c == ']' || c == 0x300B;
}

/* Does [s,e) start with word (ASCII compared case-insensitively; spaces inside the text
 * skipped, as in "摘  要")? */
static int starts_with(const uint32_t *c, size_t s, size_t e, const char *word)
{
    size_t i = s;
    for (const unsigned char *w = (const unsigned char *)word; *w;) {
        while (i < e && (c[i] == ' ' || c[i] == 0x3000))
            i++;
        if (i >= e)
            return 0;
        uint32_t wc;
        if (*w < 0x80)
            wc = *w++;
        else { /* three-byte UTF-8: every CJK word here is in the BMP */
            wc = ((uint32_t)(w[0] & 0x0F) << 12) | ((uint32_t)(w[1] & 0x3F) << 6) | (w[2] & 0x3F);
            w += 3;
        }
        uint32_t ch = c[i] < 0x80 && c[i] >= 'A' && c[i] <= 'Z' ? c[i] + 32 : c[i];
        if (ch != wc)
            return 0;
        i++;
    }
    return 1;
}

/* Section labels of academic papers that always start a paragraph. */
static int section_label(const uint32_t *c, size_t s, size_t e)
{
    static const char *const labels[] = {"摘要", "关键词", "關鍵詞", "关键字", "參考文獻", "参考文献",
                                         "中图分类号", "abstract", "keywords", "key words",
                                         "references", "bibliography"};
    /* Most lines start with no label's first letter: compare that first (an ASCII letter
     * with the ASCII labels, anything else with the Chinese ones). */
    size_t i = s;
    while (i < e && (c[i] == ' ' || c[i] == 0x3000))
        i++;
    if (i >= e)
        return 0;
    uint32_t f = c[i] >= 'A' && c[i] <= 'Z' ? c[i] + 32 : c[i];
    for (size_t k = 0; k < sizeof labels / sizeof *labels; k++) {
        unsigned char b0 = (unsigned char)labels[k][0];
        if (b0 < 0x80 ? b0 != f : f < 0x80)
            continue;
        if (starts_with(c, s, e, labels[k]))
            return 1;
    }
    return 0;
}

/* Does the line [s,e) (trimmed) start like a heading or list item: 一、 / （一） / (1) / 1. /
 * 1.2 Title / 第三章 / [12] ? */
static int heading_start(const uint32_t *c, size_t s, size_t e)
{
    size_t i = s;
    if (i >= e)
        return 0;
    if (section_label(c, s, e))
        return 1;
    if (is_cjk_digit(c[i])) {
        while (i < e && is_cjk_digit(c[i]))
            i++;
        return i < e && (c[i] == 0x3001 || c[i] == '.' || c[i] == 0xFF0E);
    }
    if (c[i] == 0x7B2C) { /* 第N章/节/部分 */
        i++;
        size_t d = i;
        while (i < e && (is_cjk_digit(c[i]) || is_digit(c[i])))
            i++;
        return i > d && i < e && (c[i] == 0x7AE0 || c[i] == 0x8282 || c[i] == 0x90E8);
    }
    if (c[i] == '(' || c[i] == 0xFF08 || c[i] == '[' || c[i] == 0x3010) {
        i++;
        size_t d = i;
        while (i < e && (is_cjk_digit(c[i]) || is_digit(c[i])))
            i++;
        return i > d && i < e && (c[i] == ')' || c[i] == 0xFF09 || c[i] == ']' || c[i] == 0x3011);
    }
    if (is_digit(c[i])) {
        size_t d = 0;
        while (i < e && (is_digit(c[i]) || c[i] == '.' || c[i] == 0xFF0E)) {
            d += is_digit(c[i]);
            i++;
        }
        if (d == 0 || d > 4 || i >= e)
            return 0;
        /* "1." / "1.2" / "1、" followed by a space or a letter; not "2019年". */
        if (c[i] == 0x3001)
            return 1;
        int dotted = c[i - 1] == '.' || c[i - 1] == 0xFF0E;
        int multi = 0;
        for (size_t k = s; k < i; k++)
            multi |= c[k] == '.' || c[k] == 0xFF0E;
        if (is_space(c[i]))
            return dotted || multi || (i + 1 < e && c[i + 1] >= 'A' && c[i + 1] <= 'Z');
        return dotted && !is_digit(c[i]);
    }
    return 0;
}

static int is_open_quote(uint32_t c, uint32_t *close)
{
    switch (c) {
    case 0x201C: *close = 0x201D; return 1; /* “ ” */
    case 0x300C: *close = 0x300D; return 1; /* 「 」 */
    case 0x300E: *close = 0x300F; return 1; /* 『 』 */
    case 0x22: *close = 0x22; return 1;     /* "ASCII" */
    case 0xFF02: *close = 0xFF02; return 1; /* ＂fullwidth＂ */
    default: return 0;
    }
}

/* Quoted stretches, quotation marks included. A quotation may not cross a blank line: an
 * opening mark with no closing one before the next blank line (or the end) is taken as a
 * stray character, so one unbalanced mark cannot swallow the rest of a paper. */
static int find_quotes(const uint32_t *c, size_t n, ovl_segments *sg)
{
    size_t cap = 0;
    size_t i = 0;
    while (i < n) {
        uint32_t close;
        if (!is_open_quote(c[i], &close)) {
            i++;
            continue;
        }
        size_t j = i + 1, nl = 0;
        int found = 0;
        for (; j < n; j++) {
            if (c[j] == close) {
                found = 1;
                break;
            }
            if (c[j] == 0x0A || c[j] == 0x0D) {
                if (c[j] == 0x0D && j + 1 < n && c[j + 1] == 0x0A)
                    j++;
                if (++nl == 2)
                    break;
            } else if (!is_space(c[j])) {
                nl = 0;
            }
        }
        if (!found) {
            i++;
            continue;
        }
        if (ovl__grow(&sg->quotes, &cap, sg->nquote + 1, sizeof *sg->quotes) != 0)
            return -1;
        sg->quotes[sg->nquote].start = (uint32_t)i;
        sg->quotes[sg->nquote].end = (uint32_t)(j + 1);
        sg->nquote++;
        i = j + 1;
    }
    return 0;
}

static int ascii_ieq(const uint32_t *c, size_t n, const char *word)
{
    size_t k = strlen(word);
    if (n != k)
        return 0;
    for (size_t i = 0; i < k; i++) {
        uint32_t x = c[i];
        if (x >= 'A' && x <= 'Z')
            x += 32;
        if (x != (uint32_t)word[i])
            return 0;
    }
    return 1;
}

static int is_numeral(uint32_t c)
{
    static const uint32_t zh[] = {0x3007, 0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94, 0x516D,
                                  0x4E03, 0x516B, 0x4E5D, 0x5341, 0x767E};
    if ((c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19))
        return 1;
    for (size_t i = 0; i < sizeof zh / sizeof zh[0]; i++)
        if (c == zh[i])
            return 1;
    return 0;
}

static int is_sep(uint32_t c)
{
    return c == '.' || c == 0x3001 || c == 0xFF0E || c == 0x3002 || c == ')' || c == 0xFF09 ||
           c == ':' || c == 0xFF1A || c == ',' || c == 0xFF0C;
}

/* A references heading: the line without whitespace reads [number [sep]] [bracket] keyword
 * [bracket] [colon], keyword 参考文献 / References / Bibliography (Latin in any case). */
static int is_refs_heading(const uint32_t *c, size_t s, size_t e)
{
    uint32_t w[48];
    size_t n = 0;
    for (size_t i = s; i < e; i++) {
        if (is_space(c[i]))
            continue;
        if (n == sizeof w / sizeof w[0])
            return 0;
        w[n++] = c[i];
    }
    size_t i = 0;
    while (i < n && is_numeral(w[i]))
        i++;
    while (i < n && is_sep(w[i]))
        i++;
    if (i < n && (w[i] == '[' || w[i] == 0x3010 || w[i] == 0x3014 || w[i] == 0xFF3B || w[i] == '('))
        i++;
    size_t j = n;
    if (j > i && (w[j - 1] == ':' || w[j - 1] == 0xFF1A))
        j--;
    if (j > i && (w[j - 1] == ']' || w[j - 1] == 0x3011 || w[j - 1] == 0x3015 ||
                  w[j - 1] == 0xFF3D || w[j - 1] == ')'))
        j--;
    static const uint32_t cankao[] = {0x53C2, 0x8003, 0x6587, 0x732E}; /* 参考文献 */
    if (j - i == 4 && memcmp(w + i, cankao, sizeof cankao) == 0)
        return 1;
    return ascii_ieq(w + i, j - i, "references") || ascii_ieq(w + i, j - i, "bibliography");
}

/* Start of the last references heading's line (n when there is none). The last one,
 * because a table of contents near the top may list the same heading. */
static size_t refs_start(const uint32_t *c, size_t n)
{
    size_t s = 0, found = n;
    while (s < n) {
        size_t e = s;
        while (e < n && c[e] != 0x0A && c[e] != 0x0D)
            e++;
        if (is_refs_heading(c, s, e))
            found = s;
        if (e < n && c[e] == 0x0D && e + 1 < n && c[e + 1] == 0x0A)
            e++;
        s = e + 1;
    }
    return found;
}

typedef struct line_info {
    uint32_t s, e;       /* trimmed content */
    uint32_t indent;     /* leading whitespace columns */
    uint32_t width;      /* display columns of the content */
    uint8_t blank, heading, ends, cjk_end;
} line_info;

int ovl_segment(ovl_ctx *ctx, const ovl_text *text, const ovl_segment_opts *opts, ovl_segments **out)
{
    return ovl__segment(ctx, text, opts, OVL__SEG_ALL, out);
}

int ovl__segment(ovl_ctx *ctx, const ovl_text *text, const ovl_segment_opts *opts, unsigned parts,
                 ovl_segments **out)
{
    static const ovl_segment_opts defaults = OVL_SEGMENT_OPTS_INIT;
    if (!text || !out)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_segment: NULL argument");
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (opts->version != OVL_SEGMENT_OPTS_VERSION)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_segment: unknown options version %u", opts->version);
    if (opts->short_line > 100)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "short-line threshold %u%% is over 100%%", opts->short_line);

    /* The rules look at code points around each line and quotation: they read a 32-bit copy
     * of the text, made for the call (a text keeps them narrower, see internal.h). */
    const uint32_t *c = atomic_load(&((ovl_text *)text)->wide);
    uint32_t *own = c ? NULL : ovl__cps_wide(&text->chars, text->n);
    if (own)
        c = own;
    size_t nl = text->nlines;
    ovl_segments *sg = calloc(1, sizeof *sg);
    line_info *li = calloc(nl ? nl : 1, sizeof *li);
    uint32_t *widths = calloc(nl ? 3 * nl : 1, sizeof *widths);
    size_t pcap = 0, scap = 0;
    if (!c || !sg || !li || !widths)
        goto nomem;

    for (size_t l = 0; l < nl; l++) {
        size_t s = text->lines[l];
        size_t e = l + 1 < nl ? text->lines[l + 1] : text->n;
        line_info *L = &li[l];
        uint32_t indent = 0;
        while (s < e && is_space(c[s])) {
            indent += c[s] == 0x3000 ? 2 : (c[s] == '\t' ? 4 : 1);
            s++;
        }
        while (e > s && is_space(c[e - 1]))
            e--;
        L->s = (uint32_t)s;
        L->e = (uint32_t)e;
        L->indent = indent;
        L->blank = s == e;
        if (L->blank)
            continue;
        uint32_t w = 0;
        if (text->chars.width != 1 || latin_width(text->chars.v, s, e, &w) != 0) {
            w = 0;
            for (size_t i = s; i < e; i++)
                w += char_width(c[i]);
        }
        L->width = w;
        L->heading = (uint8_t)heading_start(c, s, e);
        size_t k = e;
        while (k > s && is_closer(c[k - 1]))
            k--;
        L->ends = k > s && (ends_sentence(c[k - 1]) || c[k - 1] == ':' || c[k - 1] == 0xFF1A);
        L->cjk_end = L->ends && c[k - 1] >= 0x3000;
        widths[l] = w;
    }
    /* Double-spaced extraction puts a blank line after every wrapped line; there a single
     * blank line is no paragraph break. */
    size_t single_gaps = 0, nonblank = 0;
    for (size_t k = 0; k < nl; k++) {
        if (li[k].blank)
            continue;
        nonblank++;
        single_gaps += k + 2 < nl && li[k + 1].blank && !li[k + 2].blank;
    }
    int double_spaced = nonblank >= 8 && single_gaps * 10 >= nonblank * 6;
    /* Body lines' usual indentation: a line indented more than that starts a paragraph. */
    uint32_t base_indent = UINT32_MAX;
    for (size_t k = 0; k < nl; k++)
        if (!li[k].blank && li[k].indent < base_indent)
            base_indent = li[k].indent;
    /* next_of[l]: the line that would continue line l, or nl when a break intervenes. */
    uint32_t *next_of = widths + 2 * nl;
    for (size_t k = 0; k < nl; k++) {
        size_t n = k + 1;
        /* A page break leaves one blank line inside a sentence: a full line that does not
         * end a sentence goes on over it unless the next line starts a paragraph. */
        if (n + 1 < nl && li[n].blank && !li[n + 1].blank &&
            (double_spaced || (!li[k].blank && !li[k].ends && !li[n + 1].heading &&
                               li[n + 1].indent <= base_indent)))
            n++;
        next_of[k] = (uint32_t)(n < nl && !li[n].blank ? n : nl);
    }
    /* Columns and page layouts differ within one file (two-column body, full-width
     * abstract), so a line is short relative to its neighbours: the next two lines, and
     * the previous one when it runs on into this one. */
    uint32_t *local = widths + nl;
    for (size_t k = 0; k < nl; k++)
        local[k] = widths[k];
    for (size_t k = 0; k < nl; k++) {
        size_t n1 = next_of[k], n2 = n1 < nl ? next_of[n1] : nl;
        if (n1 < nl && widths[n1] > local[k])
            local[k] = widths[n1];
        if (n2 < nl && !li[n1].ends && widths[n2] > local[k])
            local[k] = widths[n2];
        if (n1 < nl && !li[k].ends && widths[k] > local[n1])
            local[n1] = widths[k] > local[n1] ? widths[k] : local[n1];
    }
    size_t l = 0;
    while (l < nl) {
        if (li[l].blank) {
            l++;
            continue;
        }
        size_t first = l;
        /* Width range of the paragraph's lines so far: justified text keeps it narrow. */
        uint32_t wmin = UINT32_MAX, wmax = 0;
        for (;;) {
            const line_info *L = &li[l];
            size_t next = next_of[l];
            if (next >= nl)
                break;
            const line_info *N = &li[next];
            if (N->heading)
                break;
            /* A heading that does not run on as text is a paragraph of its own. */
            if (L->heading && !L->ends && (uint64_t)L->width * 100 < (uint64_t)local[l] * 80)
                break;
            if ((uint64_t)L->width * 100 < (uint64_t)local[l] * opts->short_line)
                break;
            /* A full line that ends a sentence ends the paragraph when the next line is
             * indented (a new paragraph's first line); one that does not end a sentence
             * always goes on, whatever a page break did to the next line's indentation. */
            if (L->ends && N->indent > base_indent)
                break;
            /* Justified CJK lines are all one width; in a paragraph whose lines so far are
             * (ragged text says nothing), a sentence-final line two or more characters short
             * of that width is the paragraph's last line. */
            if (L->ends && L->cjk_end && L->width + 4 <= local[l] && wmax && wmax - wmin <= 4)
                break;
            wmin = L->width < wmin ? L->width : wmin;
            wmax = L->width > wmax ? L->width : wmax;
            l = next;
        }
        if (ovl__grow(&sg->paras, &pcap, sg->npara + 1, sizeof *sg->paras) != 0)
            goto nomem;
        sg->paras[sg->npara].start = li[first].s;
        sg->paras[sg->npara].end = li[l].e;
        sg->npara++;
        l++;
    }

    sg->parts = parts & OVL__SEG_ALL;
    /* Sentences inside each paragraph. */
    for (size_t p = 0; (parts & OVL__SEG_SENTENCES) && p < sg->npara; p++) {
        size_t s = sg->paras[p].start, e = sg->paras[p].end;
        size_t i = s;
        while (i < e) {
            while (i < e && is_space(c[i]))
                i++;
            if (i >= e)
                break;
            size_t st = i;
            while (i < e) {
                uint32_t ch = c[i++];
                if (!ends_sentence(ch))
                    continue;
                /* "3.14", "e.g.x": a period inside a word is no sentence end. */
                if ((ch == '.' || ch == 0xFF0E) && i < e && !is_space(c[i]) && !is_closer(c[i]) &&
                    c[i] < 0x2E80)
                    continue;
                while (i < e && (ends_sentence(c[i]) || is_closer(c[i])))
                    i++;
                break;
            }
            size_t en = i;
            while (en > st && is_space(c[en - 1]))
                en--;
            if (ovl__grow(&sg->sents, &scap, sg->nsent + 1, sizeof *sg->sents) != 0)
                goto nomem;
            sg->sents[sg->nsent].start = (uint32_t)st;
            sg->sents[sg->nsent].end = (uint32_t)en;
            sg->nsent++;
        }
    }
    /* Section headings: heading-like lines that are short and end no sentence. List items
     * and reference entries ("(1) ...", "[12] ...") start like headings but are not. */
    size_t hcap = 0;
    for (size_t k = 0; (parts & OVL__SEG_HEADINGS) && k < nl; k++) {
        const line_info *L = &li[k];
        if (L->blank || !L->heading)
            continue;
        /* A label (摘要, Abstract: ...) heads its section even when its text runs on in
         * the same line; the heading is then the label, up to a colon. */
        int label = section_label(c, L->s, L->e);
        if (!label && (L->ends || L->width > 60))
            continue;
        uint32_t first = c[L->s];
        if (first == '(' || first == 0xFF08 || first == '[' || first == 0x3010)
            continue;
        uint32_t end = L->e;
        for (uint32_t i = L->s + 1; label && i < L->e; i++)
            if (c[i] == ':' || c[i] == 0xFF1A) {
                end = i;
                break;
            }
        if (ovl__grow(&sg->heads, &hcap, sg->nhead + 1, sizeof *sg->heads) != 0)
            goto nomem;
        sg->heads[sg->nhead].start = L->s;
        sg->heads[sg->nhead].end = end;
        sg->nhead++;
    }
    if ((parts & OVL__SEG_QUOTES) && find_quotes(c, text->n, sg) != 0)
        goto nomem;
    sg->refs = (uint32_t)((parts & OVL__SEG_REFS) ? refs_start(c, text->n) : text->n);
    free(own);
    free(li);
    free(widths);
    *out = sg;
    return OVL_OK;
nomem:
    free(own);
    free(li);
    free(widths);
    ovl_segments_free(sg);
    return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
}

void ovl_segments_free(ovl_segments *sg)
{
    if (!sg)
        return;
    free(sg->paras);
    free(sg->sents);
    free(sg->heads);
    free(sg->quotes);
    free(sg);
}

size_t ovl_segments_paragraph_count(const ovl_segments *sg) { return sg->npara; }
const ovl_range *ovl_segments_paragraphs(const ovl_segments *sg) { return sg->paras; }
size_t ovl_segments_sentence_count(const ovl_segments *sg) { return sg->nsent; }
const ovl_range *ovl_segments_sentences(const ovl_segments *sg) { return sg->sents; }
size_t ovl_segments_heading_count(const ovl_segments *sg) { return sg->nhead; }
const ovl_range *ovl_segments_headings(const ovl_segments *sg) { return sg->heads; }
size_t ovl_segments_quote_count(const ovl_segments *sg) { return sg->nquote; }
const ovl_range *ovl_segments_quotes(const ovl_segments *sg) { return sg->quotes; }
uint32_t ovl_segments_references(const ovl_segments *sg) { return sg->refs; }
