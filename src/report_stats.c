/* report_stats.c - figures of a report: per-document union of reused characters, ratios, sources, sections and pair records. */
#include "report_int.h"

/* ---- statistics ------------------------------------------------------------------------ */

/* One side of a passage seen from the document it lies in. */
typedef struct ival {
    int doc, src;
    uint64_t start, end;
} ival;

static int ival_cmp_doc(const void *x, const void *y)
{
    const ival *a = x, *b = y;
    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return (a->src > b->src) - (a->src < b->src);
}

static int ival_cmp_src(const void *x, const void *y)
{
    const ival *a = x, *b = y;
    if (a->src != b->src)
        return a->src < b->src ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return (a->end > b->end) - (a->end < b->end);
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

/* Marks quoted stretches, quotation marks included. A quotation may not cross a blank
 * line: an opening mark with no closing one before the next blank line (or the end) is
 * taken as a stray character, so one unbalanced mark cannot swallow the rest of a paper. */
static void mark_quotes(const uint32_t *c, size_t n, unsigned char *ex)
{
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
            } else if (!ovl__report_space(c[j])) {
                nl = 0;
            }
        }
        if (!found) {
            i++;
            continue;
        }
        memset(ex + i, 1, j + 1 - i);
        i = j + 1;
    }
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
        if (ovl__report_space(c[i]))
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

/* Marks everything from the last references heading on. The last one, because a table of
 * contents near the top may list the same heading. */
static void mark_refs(const uint32_t *c, size_t n, unsigned char *ex)
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
    if (found < n)
        memset(ex + found, 1, n - found);
}

/* Prefix counts of excluded characters (n + 1 entries), or NULL when nothing is excluded
 * by the options. *err is set on allocation failure. */
static uint32_t *excluded_prefix(const ovl_doc *doc, const ovl_report_opts *opts, int *err)
{
    *err = OVL_OK;
    if (!opts || (!opts->exclude_quotes && !opts->exclude_refs))
        return NULL;
    const ovl_text *t = ovl_doc_text(doc);
    size_t n = ovl_text_length(t);
    const uint32_t *c = ovl_text_chars(t);
    unsigned char *ex = calloc(n + 1, 1);
    uint32_t *pre = malloc((n + 1) * sizeof *pre);
    if (!ex || !pre) {
        free(ex);
        free(pre);
        *err = OVL_ERR_NOMEM;
        return NULL;
    }
    if (opts->exclude_quotes)
        mark_quotes(c, n, ex);
    if (opts->exclude_refs)
        mark_refs(c, n, ex);
    pre[0] = 0;
    for (size_t i = 0; i < n; i++)
        pre[i + 1] = pre[i] + ex[i];
    free(ex);
    return pre;
}

/* Stats of one document from its intervals v[0..m) (sorted by ival_cmp_doc; reordered). */
static int doc_stats_from(const ovl_doc *doc, ival *v, size_t m,
                          const ovl_report_opts *opts, ovl_doc_stats *st, int *nsources)
{
    int err;
    uint64_t n = ovl_text_length(ovl_doc_text(doc));
    uint32_t *pre = excluded_prefix(doc, opts, &err);
    if (err)
        return err;
    memset(st, 0, sizeof *st);
    st->chars = n;
    st->top_source = -1;
    uint64_t reused = 0, creused = 0, cur_s = 0, cur_e = 0;
    int open = 0;
    for (size_t i = 0; i <= m; i++) {
        if (i < m && open && v[i].start <= cur_e) {
            if (v[i].end > cur_e)
                cur_e = v[i].end;
            continue;
        }
        if (open) {
            reused += cur_e - cur_s;
            creused += (cur_e - cur_s) - (pre ? pre[cur_e] - pre[cur_s] : 0);
        }
        if (i < m) {
            cur_s = v[i].start;
            cur_e = v[i].end;
            open = 1;
        }
    }
    st->reused_chars = reused;
    st->reuse_ratio = n ? (double)reused / (double)n : 0.0;
    st->counted_chars = n - (pre ? pre[n] : 0);
    st->counted_reused = creused;
    st->counted_ratio = st->counted_chars ? (double)creused / (double)st->counted_chars : 0.0;
    free(pre);

    /* Largest single source: union per partner document, ties to the lower id. */
    qsort(v, m, sizeof *v, ival_cmp_src);
    uint64_t best = 0;
    int sources = 0;
    for (size_t i = 0; i < m;) {
        int src = v[i].src;
        uint64_t tot = 0, s = v[i].start, e = v[i].end;
        size_t j = i + 1;
        for (; j < m && v[j].src == src; j++) {
            if (v[j].start <= e) {
                if (v[j].end > e)
                    e = v[j].end;
            } else {
                tot += e - s;
                s = v[j].start;
                e = v[j].end;
            }
        }
        tot += e - s;
        sources++;
        if (st->top_source < 0 || tot > best) {
            best = tot;
            st->top_source = src;
        }
        i = j;
    }
    st->top_source_ratio = n && st->top_source >= 0 ? (double)best / (double)n : 0.0;
    if (nsources)
        *nsources = sources;
    return OVL_OK;
}

/* Both sides of every passage as intervals, sorted by document; with only >= 0, just that
 * document's (so one document's stats do not sort the whole report). */
static ival *collect(const ovl_report *r, int only, size_t *count)
{
    size_t m = 0;
    ival *v = malloc((r->nitems * 2 + 1) * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < r->nitems; i++) {
        const struct ovl_report_item *it = &r->items[i];
        if (it->p.a.char_end > it->p.a.char_start && (only < 0 || it->a == only))
            v[m++] = (ival){it->a, it->b, it->p.a.char_start, it->p.a.char_end};
        if (it->p.b.char_end > it->p.b.char_start && (only < 0 || it->b == only))
            v[m++] = (ival){it->b, it->a, it->p.b.char_start, it->p.b.char_end};
    }
    qsort(v, m, sizeof *v, ival_cmp_doc);
    *count = m;
    return v;
}

int ovl__report_all_stats(const ovl_report *r, const ovl_report_opts *opts, ovl_doc_stats *out,
                          int *sources)
{
    size_t m;
    ival *v = collect(r, -1, &m);
    if (!v)
        return OVL_ERR_NOMEM;
    size_t i = 0;
    for (size_t d = 0; d < r->ndocs; d++) {
        size_t j = i;
        while (j < m && v[j].doc == (int)d)
            j++;
        int rc = doc_stats_from(r->docs[d].doc, v + i, j - i, opts, &out[d],
                                sources ? &sources[d] : NULL);
        if (rc) {
            free(v);
            return rc;
        }
        i = j;
    }
    free(v);
    return OVL_OK;
}

int ovl_report_doc_stats(const ovl_report *r, int id, const ovl_report_opts *opts,
                         ovl_doc_stats *out)
{
    if (!r || !out || id < 0 || (size_t)id >= r->ndocs ||
        (opts && opts->version != OVL_REPORT_OPTS_VERSION))
        return OVL_ERR_INVALID;
    size_t m;
    ival *v = collect(r, id, &m);
    if (!v)
        return OVL_ERR_NOMEM;
    int rc = doc_stats_from(r->docs[id].doc, v, m, opts, out, NULL);
    free(v);
    return rc;
}

/* ---- pair records ---------------------------------------------------------------------- */

/* Union length of the intervals [s, e) in v[0..n) (sorted here). */
typedef struct cspan {
    uint64_t s, e;
} cspan;

static int cspan_cmp(const void *x, const void *y)
{
    const cspan *a = x, *b = y;
    if (a->s != b->s)
        return a->s < b->s ? -1 : 1;
    return (a->e > b->e) - (a->e < b->e);
}

static uint64_t union_len(cspan *v, size_t n)
{
    qsort(v, n, sizeof *v, cspan_cmp);
    uint64_t tot = 0, s = 0, e = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || v[i].s > e) {
            tot += e - s;
            s = v[i].s;
            e = v[i].e;
        } else if (v[i].e > e) {
            e = v[i].e;
        }
    }
    return n ? tot + (e - s) : 0;
}

int ovl_pair_stats_compute(int id_a, int id_b, const ovl_passage *ps, size_t n, uint64_t a_chars,
                           uint64_t b_chars, ovl_pair_stats *out)
{
    if (!out || (n && !ps))
        return OVL_ERR_INVALID;
    memset(out, 0, sizeof *out);
    out->a = id_a;
    out->b = id_b;
    out->passages = n;
    if (n == 0)
        return OVL_OK;
    cspan *v = malloc(n * sizeof *v);
    if (!v)
        return OVL_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        v[i] = (cspan){ps[i].a.char_start, ps[i].a.char_end};
        if (ps[i].similarity > out->top_similarity)
            out->top_similarity = ps[i].similarity;
    }
    out->a_reused_chars = union_len(v, n);
    for (size_t i = 0; i < n; i++)
        v[i] = (cspan){ps[i].b.char_start, ps[i].b.char_end};
    out->b_reused_chars = union_len(v, n);
    free(v);
    out->a_ratio = a_chars ? (double)out->a_reused_chars / (double)a_chars : 0.0;
    out->b_ratio = b_chars ? (double)out->b_reused_chars / (double)b_chars : 0.0;
    return OVL_OK;
}

