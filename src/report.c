/* report.c - reuse reports: per-document ratios and the text, JSON (schema 1) and JSON lines writers. */
#include "report_int.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>

/* ---- buffered output ---------------------------------------------------------------- */

void ovl__out_init(ovl__out *o, ovl_write_fn sink, void *userdata)
{
    o->sink = sink;
    o->userdata = userdata;
    o->err = OVL_OK;
    o->len = 0;
}

int ovl__out_flush(ovl__out *o)
{
    if (o->err == OVL_OK && o->len > 0 && o->sink(o->userdata, o->buf, o->len) != 0)
        o->err = OVL_ERR_WRITE;
    o->len = 0;
    return o->err;
}

void ovl__out_put(ovl__out *o, const void *data, size_t len)
{
    const char *p = data;
    if (o->err != OVL_OK)
        return;
    while (len > 0) {
        if (o->len == sizeof o->buf && ovl__out_flush(o) != OVL_OK)
            return;
        size_t k = sizeof o->buf - o->len;
        if (k > len)
            k = len;
        memcpy(o->buf + o->len, p, k);
        o->len += k;
        p += k;
        len -= k;
    }
}

void ovl__out_puts(ovl__out *o, const char *s) { ovl__out_put(o, s, strlen(s)); }

void ovl__out_printf(ovl__out *o, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    /* Only short, fixed-shape lines go through here; longer strings use ovl__out_put. */
    ovl__out_put(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void ovl__out_cp(ovl__out *o, uint32_t cp)
{
    char b[4];
    ovl__out_put(o, b, ovl__utf8_put(cp, b));
}

/* ---- characters ------------------------------------------------------------------------ */

int ovl__report_space(uint32_t cp)
{
    switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0x85: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
        return 1;
    default:
        return cp >= 0x2000 && cp <= 0x200A;
    }
}

uint32_t ovl__report_visible(uint32_t cp)
{
    if (cp == 0x09 || cp == 0x0A)
        return cp;
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || (cp >= 0xD800 && cp < 0xE000) || cp > 0x10FFFF)
        return 0xFFFD;
    return cp;
}

/* Copies s as valid UTF-8: each byte that does not start a well-formed sequence becomes
 * U+FFFD, so labels (file names are bytes) can always go into JSON and HTML. */
static char *utf8_clean(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n * 3 + 1);
    if (!out)
        return NULL;
    size_t i = 0, k = 0;
    const unsigned char *u = (const unsigned char *)s;
    while (i < n) {
        unsigned c = u[i];
        size_t len = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3
                     : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
        int ok = len > 0 && i + len <= n;
        for (size_t j = 1; ok && j < len; j++)
            ok = (u[i + j] & 0xC0) == 0x80;
        if (ok && len == 3) {
            unsigned c1 = u[i + 1];
            ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
        } else if (ok && len == 4) {
            unsigned c1 = u[i + 1];
            ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
        }
        if (ok) {
            memcpy(out + k, s + i, len);
            k += len;
            i += len;
        } else {
            k += ovl__utf8_put(0xFFFD, out + k);
            i++;
        }
    }
    out[k] = '\0';
    return out;
}

/* ---- the report ------------------------------------------------------------------------ */

int ovl_format_parse(const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "text") == 0)
        return OVL_FORMAT_TEXT;
    if (strcmp(name, "json") == 0)
        return OVL_FORMAT_JSON;
    if (strcmp(name, "jsonl") == 0)
        return OVL_FORMAT_JSONL;
    if (strcmp(name, "html") == 0)
        return OVL_FORMAT_HTML;
    return -1;
}

ovl_report *ovl_report_new(void) { return calloc(1, sizeof(ovl_report)); }

void ovl_report_free(ovl_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->ndocs; i++)
        free(r->docs[i].path);
    free(r->docs);
    free(r->items);
    free(r);
}

int ovl_report_add_doc(ovl_report *r, const ovl_doc *doc, const char *path)
{
    if (!r || !doc)
        return OVL_ERR_INVALID;
    if (r->ndocs >= (size_t)INT32_MAX)
        return OVL_ERR_TOOBIG;
    if (!path)
        path = ovl_doc_name(doc);
    char *copy = utf8_clean(path ? path : "");
    if (!copy || ovl__grow(&r->docs, &r->capdocs, r->ndocs + 1, sizeof *r->docs) != 0) {
        free(copy);
        return OVL_ERR_NOMEM;
    }
    r->docs[r->ndocs].doc = doc;
    r->docs[r->ndocs].path = copy;
    return (int)r->ndocs++;
}

static int span_ok(const ovl_doc *doc, const ovl_span *s)
{
    const ovl_text *t = ovl_doc_text(doc);
    const ovl_norm *nm = ovl_doc_norm(doc);
    return s->char_start <= s->char_end && s->char_end <= ovl_text_length(t) &&
           s->byte_start <= s->byte_end && s->byte_end <= ovl_text_size(t) &&
           s->line_start <= s->line_end && s->tok_start <= s->tok_end &&
           s->tok_end <= ovl_norm_count(nm);
}

int ovl_report_add_passages(ovl_report *r, int id_a, int id_b, const ovl_passage *p, size_t n)
{
    if (!r || id_a < 0 || id_b < 0 || (size_t)id_a >= r->ndocs || (size_t)id_b >= r->ndocs ||
        (n > 0 && !p))
        return OVL_ERR_INVALID;
    /* Checked up front so every writer can index the documents without further tests. */
    for (size_t i = 0; i < n; i++)
        if (!span_ok(r->docs[id_a].doc, &p[i].a) || !span_ok(r->docs[id_b].doc, &p[i].b))
            return OVL_ERR_INVALID;
    if (n == 0)
        return OVL_OK;
    if (r->nitems + n < r->nitems ||
        ovl__grow(&r->items, &r->capitems, r->nitems + n, sizeof *r->items) != 0)
        return OVL_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        r->items[r->nitems].a = id_a;
        r->items[r->nitems].b = id_b;
        r->items[r->nitems].p = p[i];
        r->nitems++;
    }
    return OVL_OK;
}

size_t ovl_report_passage_count(const ovl_report *r) { return r ? r->nitems : 0; }

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

/* ---- text ------------------------------------------------------------------------------ */

#define ANSI_RESET "\x1b[0m"
#define ANSI_CYAN "\x1b[36m"
#define ANSI_RED "\x1b[31m"
#define ANSI_GREEN "\x1b[32m"

/* Passage body writer: original characters, whitespace runs as one space, a budget of
 * shown characters (max_context). */
typedef struct body {
    ovl__out *o;
    int pending;        /* a whitespace run was read and not yet written */
    int started;        /* something visible was written */
    uint32_t last;      /* the last visible character written */
    uint64_t shown, limit;
    int cut;
} body;

/* Chinese and Japanese put no spaces between words: a line break between two wide
 * characters is an artefact of wrapping, shown as nothing rather than a space. */
static int wide_char(uint32_t c) { return c >= 0x2E80 && !(c >= 0xFFF0 && c <= 0xFFFF); }

/* Writes a pending whitespace run as one space, unless it sits between two wide
 * characters (next = 0: the next thing is a marker, decided by the last character). */
static void body_flush_space(body *b, uint32_t next)
{
    if (!b->pending)
        return;
    if (next == 0 && wide_char(b->last))
        return; /* keep it pending: the character after the marker decides */
    b->pending = 0;
    if (wide_char(b->last) && wide_char(next))
        return;
    if (b->limit && b->shown >= b->limit) {
        b->cut = 1;
        return;
    }
    b->shown++;
    ovl__out_put(b->o, " ", 1);
}

static void body_chars(body *b, const uint32_t *c, uint64_t s, uint64_t e)
{
    for (uint64_t i = s; i < e && !b->cut; i++) {
        if (ovl__report_space(c[i])) {
            b->pending = b->started;
            continue;
        }
        body_flush_space(b, c[i]);
        if (b->cut)
            return;
        if (b->limit && b->shown >= b->limit) {
            b->cut = 1;
            return;
        }
        b->shown++;
        ovl__out_cp(b->o, ovl__report_visible(c[i]));
        b->last = c[i];
        b->started = 1;
    }
}

static void body_mark(body *b, const char *s)
{
    body_flush_space(b, 0);
    ovl__out_puts(b->o, s);
}

/* Characters of tokens [s, e) of a side: from the first token's start to the last one's end. */
typedef struct side {
    const uint32_t *chars;
    const ovl_token *tok;
    uint32_t t1;        /* end of the passage's token range */
} side;

static uint64_t run_start(const side *sd, uint32_t s) { return sd->tok[s].char_start; }
static uint64_t run_end(const side *sd, uint32_t e) { return sd->tok[e - 1].char_end; }
/* Gap after token e - 1 up to the next token of the passage (punctuation, spaces). */
static uint64_t gap_end(const side *sd, uint32_t e)
{
    return e < sd->t1 ? sd->tok[e].char_start : sd->tok[e - 1].char_end;
}

static int write_body(ovl_ctx *ctx, ovl__out *o, const ovl_doc *da, const ovl_doc *db,
                      const ovl_passage *p, const ovl_report_opts *opts)
{
    const ovl_span *a = &p->a, *b = &p->b;
    const char *del_on = opts->color ? ANSI_RED "[-" : "[-";
    const char *del_off = opts->color ? "-]" ANSI_RESET : "-]";
    const char *ins_on = opts->color ? ANSI_GREEN "{+" : "{+";
    const char *ins_off = opts->color ? "+}" ANSI_RESET : "+}";
    body bw = {.o = o, .limit = opts->max_context > 0 ? (uint64_t)opts->max_context : 0};
    side sa = {ovl_text_chars(ovl_doc_text(da)), ovl_norm_tokens(ovl_doc_norm(da)), a->tok_end};
    side sb = {ovl_text_chars(ovl_doc_text(db)), ovl_norm_tokens(ovl_doc_norm(db)), b->tok_end};

    if (a->tok_end <= a->tok_start || b->tok_end <= b->tok_start) {
        /* A passage without tokens on a side has no edit script: show A's characters. */
        body_chars(&bw, sa.chars, a->char_start, a->char_end);
    } else {
        ovl_edit *ed = NULL;
        size_t ne = 0;
        int rc = ovl_diff(ctx, da, a->tok_start, a->tok_end, db, b->tok_start, b->tok_end, &ed, &ne);
        if (rc)
            return rc;
        for (size_t k = 0; k < ne && !bw.cut; k++) {
            const ovl_edit *e = &ed[k];
            if (e->op == OVL_EDIT_EQUAL) {
                body_chars(&bw, sa.chars, run_start(&sa, e->a_start), gap_end(&sa, e->a_end));
            } else if (e->op == OVL_EDIT_DELETE) {
                body_mark(&bw, del_on);
                body_chars(&bw, sa.chars, run_start(&sa, e->a_start), run_end(&sa, e->a_end));
                body_mark(&bw, del_off);
                if (k + 1 < ne && ed[k + 1].op == OVL_EDIT_INSERT && !bw.cut) {
                    /* A substitution reads [-old-]{+new+} followed by A's separator, since
                     * the text after it is shown from A. */
                    const ovl_edit *in = &ed[++k];
                    body_mark(&bw, ins_on);
                    body_chars(&bw, sb.chars, run_start(&sb, in->b_start), run_end(&sb, in->b_end));
                    body_mark(&bw, ins_off);
                }
                body_chars(&bw, sa.chars, run_end(&sa, e->a_end), gap_end(&sa, e->a_end));
            } else {
                body_mark(&bw, ins_on);
                body_chars(&bw, sb.chars, run_start(&sb, e->b_start), run_end(&sb, e->b_end));
                body_mark(&bw, ins_off);
                body_chars(&bw, sb.chars, run_end(&sb, e->b_end), gap_end(&sb, e->b_end));
            }
        }
        free(ed);
    }
    if (bw.cut)
        ovl__out_puts(o, " \xE2\x80\xA6"); /* " …" */
    ovl__out_puts(o, "\n");
    return OVL_OK;
}

/* Labels go to a terminal too: controls are neutralized like document text. */
static void put_label(ovl__out *o, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7F)
            ovl__out_cp(o, 0xFFFD);
        else
            ovl__out_put(o, p, 1);
    }
}

#define DOT " \xC2\xB7 " /* " · " */

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

/* ---- JSON values ----------------------------------------------------------------------- */

/* Reals are rounded to 4 decimals before printing, so the text is short and does not
 * depend on the last bits of a floating-point sum. */
static json_t *jreal(double x)
{
    if (!isfinite(x))
        x = 0.0;
    x = round(x * 10000.0) / 10000.0;
    if (x == 0.0)
        x = 0.0; /* no "-0.0" */
    return json_real(x);
}

static json_t *jint(uint64_t v) { return json_integer((json_int_t)v); }

/* json_object_set_new that remembers a failed allocation in *bad. json_object_set_new
 * takes val in every case, failures included (a NULL obj too): val must not be dropped again. */
static void jset(json_t *obj, const char *key, json_t *val, int *bad)
{
    if (json_object_set_new(obj, key, val) != 0)
        *bad = 1;
}

static json_t *jspan(int doc, const ovl_span *s, int *bad)
{
    json_t *o = json_object();
    jset(o, "doc", json_integer(doc), bad);
    jset(o, "byte_start", jint(s->byte_start), bad);
    jset(o, "byte_end", jint(s->byte_end), bad);
    jset(o, "char_start", jint(s->char_start), bad);
    jset(o, "char_end", jint(s->char_end), bad);
    jset(o, "line_start", jint(s->line_start), bad);
    jset(o, "line_end", jint(s->line_end), bad);
    return o;
}

static json_t *jpassage(int a, int b, const char *a_path, const char *b_path,
                        const ovl_passage *p, int *bad)
{
    json_t *o = json_object();
    if (a_path) {
        jset(o, "a_path", json_string(a_path), bad);
        jset(o, "b_path", json_string(b_path), bad);
    }
    jset(o, "a", jspan(a, &p->a, bad), bad);
    jset(o, "b", jspan(b, &p->b, bad), bad);
    jset(o, "similarity", jreal(p->similarity), bad);
    jset(o, "matched_chars", jint(p->matched_chars), bad);
    jset(o, "moved", json_boolean(p->moved), bad);
    return o;
}

static json_t *jpair(const ovl_pair_stats *ps, const char *a_path, const char *b_path, int *bad)
{
    json_t *o = json_object();
    jset(o, "a", json_integer(ps->a), bad);
    jset(o, "b", json_integer(ps->b), bad);
    jset(o, "a_path", json_string(a_path), bad);
    jset(o, "b_path", json_string(b_path), bad);
    jset(o, "passages", jint(ps->passages), bad);
    jset(o, "a_reused_chars", jint(ps->a_reused_chars), bad);
    jset(o, "a_ratio", jreal(ps->a_ratio), bad);
    jset(o, "b_reused_chars", jint(ps->b_reused_chars), bad);
    jset(o, "b_ratio", jreal(ps->b_ratio), bad);
    jset(o, "top_similarity", jreal(ps->top_similarity), bad);
    if (ps->error)
        jset(o, "error", json_string(ps->error), bad);
    return o;
}

static json_t *jdoc(size_t id, const ovl_report_docinfo *d, int excl, int *bad)
{
    const ovl_doc_stats *st = &d->stats;
    json_t *jd = json_object();
    jset(jd, "id", jint(id), bad);
    jset(jd, "path", json_string(d->path), bad);
    jset(jd, "encoding", json_string(d->encoding ? d->encoding : ""), bad);
    jset(jd, "bytes", jint(d->bytes), bad);
    if (d->replaced)
        jset(jd, "replaced", jint(d->replaced), bad);
    jset(jd, "chars", jint(st->chars), bad);
    jset(jd, "reused_chars", jint(st->reused_chars), bad);
    jset(jd, "reuse_ratio", jreal(st->reuse_ratio), bad);
    if (excl) {
        jset(jd, "counted_chars", jint(st->counted_chars), bad);
        jset(jd, "counted_reused_chars", jint(st->counted_reused), bad);
        jset(jd, "counted_ratio", jreal(st->counted_ratio), bad);
    }
    jset(jd, "sources", json_integer(d->sources), bad);
    jset(jd, "top_source", st->top_source >= 0 ? json_integer(st->top_source) : json_null(), bad);
    jset(jd, "top_source_ratio", jreal(st->top_source_ratio), bad);
    return jd;
}

#define JSON_FLAGS (JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6))

/* Writes jansson's output with `indent` spaces after every newline, so a value dumped on its
 * own lands at its depth in a document that is written piece by piece. */
typedef struct jout {
    ovl__out *o;
    unsigned indent;
} jout;

static int dump_cb(const char *buf, size_t size, void *data)
{
    jout *j = data;
    static const char spaces[] = "                ";
    for (;;) {
        const char *nl = memchr(buf, '\n', size);
        if (!nl) {
            ovl__out_put(j->o, buf, size);
            break;
        }
        ovl__out_put(j->o, buf, (size_t)(nl - buf) + 1);
        ovl__out_put(j->o, spaces, j->indent);
        size -= (size_t)(nl - buf) + 1;
        buf = nl + 1;
    }
    return j->o->err ? -1 : 0;
}

/* Dumps v (consumed) at depth indent; bad: v could not be built. */
static int dump(ovl_ctx *ctx, json_t *v, int bad, size_t flags, unsigned indent, ovl__out *o)
{
    jout j = {o, indent};
    int rc = OVL_OK;
    if (bad || !v)
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory building the JSON report");
    else if (json_dump_callback(v, dump_cb, &j, flags) != 0)
        rc = o->err ? o->err : ovl__fail(ctx, OVL_ERR_NOMEM, -1, "cannot serialize the report");
    json_decref(v);
    return rc;
}

/* ---- streamed reports ------------------------------------------------------------------ */

struct ovl_report_stream {
    ovl_report_opts opts;
    ovl__out *o;
    ovl_report_docinfo *docs; /* paths and encodings owned (copied, valid UTF-8) */
    size_t ndocs;
    size_t passages_written;
    int excl;
    int err;                  /* first failure: every later call returns it */
    /* JSON: pair records wait for the end, since passages come first in the document; so
     * do the copies and families (as JSON values). */
    ovl_pair_stats *pairs;
    size_t npairs, cappairs;
    json_t *copies, *families, *skipped;
};

void ovl_report_stream_free(ovl_report_stream *s)
{
    if (!s)
        return;
    for (size_t d = 0; d < s->ndocs; d++) {
        free((char *)s->docs[d].path);
        free((char *)s->docs[d].encoding);
    }
    for (size_t k = 0; k < s->npairs; k++)
        free((char *)s->pairs[k].error);
    free(s->docs);
    free(s->pairs);
    json_decref(s->copies);
    json_decref(s->families);
    json_decref(s->skipped);
    free(s->o);
    free(s);
}


static void text_head(ovl_report_stream *s, size_t npassages)
{
    ovl__out *o = s->o;
    const ovl_report_opts *opts = &s->opts;
    ovl__out_printf(o, "overlap %s" DOT "%zu document%s" DOT "%zu passage%s", ovl_version(),
                    s->ndocs, s->ndocs == 1 ? "" : "s", npassages, npassages == 1 ? "" : "s");
    if (s->excl)
        ovl__out_printf(o, DOT "counted without %s%s%s", opts->exclude_quotes ? "quotations" : "",
                        opts->exclude_quotes && opts->exclude_refs ? " and " : "",
                        opts->exclude_refs ? "references" : "");
    ovl__out_puts(o, "\n");
    for (size_t d = 0; d < s->ndocs; d++) {
        const ovl_doc_stats *st = &s->docs[d].stats;
        ovl__out_printf(o, "[%zu] ", d);
        put_label(o, s->docs[d].path);
        ovl__out_printf(o, DOT "%llu chars" DOT "%llu reused" DOT "ratio %.4f",
                        (unsigned long long)st->chars, (unsigned long long)st->reused_chars,
                        st->reuse_ratio);
        if (s->excl)
            ovl__out_printf(o, DOT "counted %llu of %llu" DOT "counted ratio %.4f",
                            (unsigned long long)st->counted_reused,
                            (unsigned long long)st->counted_chars, st->counted_ratio);
        if (s->docs[d].sources > 1 && st->top_source >= 0 && (size_t)st->top_source < s->ndocs) {
            ovl__out_printf(o, DOT "top source [%d] ", st->top_source);
            put_label(o, s->docs[st->top_source].path);
            ovl__out_printf(o, " %.4f", st->top_source_ratio);
        }
        ovl__out_puts(o, "\n");
    }
}

static int json_head(ovl_ctx *ctx, ovl_report_stream *s)
{
    ovl__out *o = s->o;
    json_t *params;
    if (s->opts.params_json) {
        json_error_t jerr;
        params = json_loads(s->opts.params_json, 0, &jerr);
        /* A parse error always has a description; jansson returns none when its first
         * allocation fails. */
        if (!params && (json_error_code(&jerr) == json_error_out_of_memory || !jerr.text[0]))
            return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory building the JSON report");
        if (!params || !json_is_object(params)) {
            json_decref(params);
            return ovl__fail(ctx, OVL_ERR_INVALID, -1, "params: not a JSON object");
        }
    } else if (!(params = json_object())) {
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory building the JSON report");
    }
    ovl__out_printf(o, "{\n  \"schema\": %d,\n  \"overlap_version\": ", OVL_JSON_SCHEMA);
    int rc = dump(ctx, json_string(ovl_version()), 0, JSON_FLAGS | JSON_ENCODE_ANY, 2, o);
    if (rc) {
        json_decref(params);
        return rc;
    }
    ovl__out_puts(o, ",\n  \"params\": ");
    if ((rc = dump(ctx, params, 0, JSON_FLAGS | JSON_INDENT(2), 2, o)) != OVL_OK)
        return rc;
    ovl__out_puts(o, ",\n  \"documents\": [");
    for (size_t d = 0; d < s->ndocs; d++) {
        int bad = 0;
        json_t *jd = jdoc(d, &s->docs[d], s->excl, &bad);
        ovl__out_puts(o, d ? ",\n    " : "\n    ");
        if ((rc = dump(ctx, jd, bad, JSON_FLAGS | JSON_INDENT(2), 4, o)) != OVL_OK)
            return rc;
    }
    ovl__out_puts(o, s->ndocs ? "\n  ],\n  \"passages\": [" : "],\n  \"passages\": [");
    return o->err;
}

int ovl_report_stream_begin(ovl_ctx *ctx, const ovl_report_opts *opts,
                            const ovl_report_docinfo *docs, size_t ndocs, size_t npassages,
                            ovl_write_fn sink, void *userdata, ovl_report_stream **out)
{
    ovl_report_opts def = OVL_REPORT_OPTS_INIT;
    if (!opts)
        opts = &def;
    if (!out || !sink || (ndocs && !docs))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "documents, sink and result are required");
    *out = NULL;
    if (opts->version != OVL_REPORT_OPTS_VERSION)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "report options version %u, expected %u",
                         opts->version, OVL_REPORT_OPTS_VERSION);
    if (opts->format != OVL_FORMAT_TEXT && opts->format != OVL_FORMAT_JSON &&
        opts->format != OVL_FORMAT_JSONL)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1,
                         "a streamed report is text, json or jsonl, not format %d", opts->format);
    ovl_report_stream *s = calloc(1, sizeof *s);
    if (!s || !(s->o = malloc(sizeof *s->o)) ||
        !(s->docs = calloc(ndocs ? ndocs : 1, sizeof *s->docs))) {
        ovl_report_stream_free(s);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    }
    s->opts = *opts;
    s->opts.params_json = NULL; /* borrowed only during this call */
    s->excl = opts->exclude_quotes || opts->exclude_refs;
    ovl__out_init(s->o, sink, userdata);
    for (size_t d = 0; d < ndocs; d++) {
        s->docs[d] = docs[d];
        s->docs[d].path = utf8_clean(docs[d].path ? docs[d].path : "");
        s->docs[d].encoding = utf8_clean(docs[d].encoding ? docs[d].encoding : "");
        s->ndocs = d + 1;
        if (!s->docs[d].path || !s->docs[d].encoding) {
            ovl_report_stream_free(s);
            return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        }
    }
    int rc = OVL_OK;
    if (opts->format == OVL_FORMAT_TEXT)
        text_head(s, npassages);
    else if (opts->format == OVL_FORMAT_JSON) {
        ovl_report_opts keep = s->opts;
        s->opts.params_json = opts->params_json;
        rc = json_head(ctx, s);
        s->opts = keep;
    }
    if (rc == OVL_OK && s->o->err)
        rc = ovl__fail(ctx, OVL_ERR_WRITE, -1, "the output sink refused data");
    if (rc != OVL_OK) {
        ovl_report_stream_free(s);
        return rc;
    }
    *out = s;
    return OVL_OK;
}

static int pair_ok(const ovl_report_stream *s, const ovl_pair_stats *p)
{
    return p && p->a >= 0 && p->b >= 0 && (size_t)p->a < s->ndocs && (size_t)p->b < s->ndocs;
}

static int text_pair(ovl_ctx *ctx, ovl_report_stream *s, const ovl_pair_stats *pr,
                     const ovl_passage *ps, size_t n, const ovl_doc *da, const ovl_doc *db)
{
    ovl__out *o = s->o;
    const ovl_report_opts *opts = &s->opts;
    const char *pa = s->docs[pr->a].path, *pb = s->docs[pr->b].path;
    ovl__out_puts(o, "\n");
    if (opts->color)
        ovl__out_puts(o, ANSI_CYAN);
    ovl__out_printf(o, "== [%d] ", pr->a);
    put_label(o, pa);
    ovl__out_printf(o, " ~ [%d] ", pr->b);
    put_label(o, pb);
    if (pr->error) {
        ovl__out_puts(o, DOT "failed: ");
        put_label(o, pr->error);
    } else {
        ovl__out_printf(o, DOT "%zu passage%s" DOT "A %llu reused (%.4f)" DOT "B %llu reused (%.4f)"
                        DOT "top similarity %.2f",
                        pr->passages, pr->passages == 1 ? "" : "s",
                        (unsigned long long)pr->a_reused_chars, pr->a_ratio,
                        (unsigned long long)pr->b_reused_chars, pr->b_ratio,
                        isfinite(pr->top_similarity) ? pr->top_similarity : 0.0);
    }
    if (opts->color)
        ovl__out_puts(o, ANSI_RESET);
    ovl__out_puts(o, "\n");
    for (size_t i = 0; i < n && !o->err; i++) {
        const ovl_passage *p = &ps[i];
        ovl__out_puts(o, "\n");
        if (opts->color)
            ovl__out_puts(o, ANSI_CYAN);
        ovl__out_puts(o, "@@ A ");
        put_label(o, pa);
        ovl__out_printf(o, ":%u-%u ~ B ", p->a.line_start, p->a.line_end);
        put_label(o, pb);
        ovl__out_printf(o, ":%u-%u" DOT "%llu chars" DOT "similarity %.2f%s @@", p->b.line_start,
                        p->b.line_end, (unsigned long long)(p->a.char_end - p->a.char_start),
                        isfinite(p->similarity) ? p->similarity : 0.0,
                        p->moved ? DOT "moved" : "");
        if (opts->color)
            ovl__out_puts(o, ANSI_RESET);
        ovl__out_puts(o, "\n");
        int rc = write_body(ctx, o, da, db, p, opts);
        if (rc)
            return rc;
    }
    return OVL_OK;
}

int ovl_report_stream_pair(ovl_ctx *ctx, ovl_report_stream *s, const ovl_pair_stats *pair,
                           const ovl_passage *ps, size_t n, const ovl_doc *a, const ovl_doc *b)
{
    if (!s)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "no report stream");
    if (s->err)
        return s->err;
    if (!pair_ok(s, pair) || (n && !ps) ||
        (s->opts.format == OVL_FORMAT_TEXT && n && (!a || !b)))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1,
                         "a pair needs known document ids (and its documents for text)");
    for (size_t i = 0; a && b && i < n; i++)
        if (!span_ok(a, &ps[i].a) || !span_ok(b, &ps[i].b))
            return ovl__fail(ctx, OVL_ERR_INVALID, -1, "passage %zu lies outside its documents", i);
    int rc = OVL_OK;
    const char *pa = s->docs[pair->a].path, *pb = s->docs[pair->b].path;
    if (s->opts.format == OVL_FORMAT_TEXT) {
        rc = text_pair(ctx, s, pair, ps, n, a, b);
    } else if (s->opts.format == OVL_FORMAT_JSONL) {
        int bad = 0;
        json_t *line = json_object();
        jset(line, "pair", jpair(pair, pa, pb, &bad), &bad);
        rc = dump(ctx, line, bad, JSON_FLAGS | JSON_COMPACT, 0, s->o);
        ovl__out_puts(s->o, "\n");
        for (size_t i = 0; i < n && rc == OVL_OK; i++) {
            bad = 0;
            json_t *p = jpassage(pair->a, pair->b, pa, pb, &ps[i], &bad);
            rc = dump(ctx, p, bad, JSON_FLAGS | JSON_COMPACT, 0, s->o);
            ovl__out_puts(s->o, "\n");
        }
    } else {
        for (size_t i = 0; i < n && rc == OVL_OK; i++) {
            int bad = 0;
            json_t *p = jpassage(pair->a, pair->b, NULL, NULL, &ps[i], &bad);
            ovl__out_puts(s->o, s->passages_written + i ? ",\n    " : "\n    ");
            rc = dump(ctx, p, bad, JSON_FLAGS | JSON_INDENT(2), 4, s->o);
        }
        if (rc == OVL_OK) {
            if (ovl__grow(&s->pairs, &s->cappairs, s->npairs + 1, sizeof *s->pairs) != 0) {
                rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
            } else {
                s->pairs[s->npairs] = *pair;
                s->pairs[s->npairs].error = pair->error ? utf8_clean(pair->error) : NULL;
                if (pair->error && !s->pairs[s->npairs].error)
                    rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
                else
                    s->npairs++;
            }
        }
    }
    s->passages_written += n;
    if (rc == OVL_OK && s->o->err)
        rc = ovl__fail(ctx, OVL_ERR_WRITE, -1, "the output sink refused data");
    s->err = rc;
    return rc;
}

static json_t *jcopies(const ovl_copies *g, int *bad)
{
    json_t *o = json_object(), *paths = json_array();
    for (size_t i = 0; paths && i < g->n; i++) {
        char *p = utf8_clean(g->paths[i]);
        if (!p || json_array_append_new(paths, json_string(p)) != 0)
            *bad = 1;
        free(p);
    }
    jset(o, "paths", paths, bad);
    jset(o, "bytes", jint(g->bytes), bad);
    jset(o, "chars", jint(g->chars), bad);
    int identical = 1;
    for (size_t i = 0; g->similarity && i < g->n; i++)
        identical &= g->similarity[i] >= 1.0;
    jset(o, "identical", json_boolean(identical), bad);
    if (!identical) {
        json_t *sim = json_array();
        for (size_t i = 0; sim && i < g->n; i++)
            if (json_array_append_new(sim, jreal(g->similarity[i])) != 0)
                *bad = 1;
        jset(o, "similarity", sim, bad);
    }
    return o;
}

static json_t *jfamily(const ovl_family *f, int *bad)
{
    json_t *o = json_object(), *spans = json_array();
    jset(o, "id", jint(f->id), bad);
    jset(o, "documents", jint(f->documents), bad);
    jset(o, "chars", jint(f->chars), bad);
    char *t = utf8_clean(f->text ? f->text : "");
    jset(o, "text", t ? json_string(t) : NULL, bad);
    free(t);
    for (size_t i = 0; spans && i < f->nspans; i++) {
        json_t *sp = json_object();
        char *p = utf8_clean(f->spans[i].path);
        jset(sp, "path", p ? json_string(p) : NULL, bad);
        free(p);
        jset(sp, "char_start", jint(f->spans[i].char_start), bad);
        jset(sp, "char_end", jint(f->spans[i].char_end), bad);
        if (!sp || json_array_append_new(spans, sp) != 0)
            *bad = 1;
    }
    jset(o, "spans", spans, bad);
    return o;
}

/* JSON keeps the record for the end; JSON lines writes {"key": record} now; text a line. */
static int stream_record(ovl_ctx *ctx, ovl_report_stream *s, const char *key, json_t *rec, int bad,
                         json_t **held)
{
    if (s->err) {
        json_decref(rec);
        return s->err;
    }
    int rc = OVL_OK;
    if (s->opts.format == OVL_FORMAT_JSON) {
        if (!*held && !(*held = json_array()))
            bad = 1;
        if (bad || !rec || json_array_append_new(*held, rec) != 0)
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    } else if (s->opts.format == OVL_FORMAT_JSONL) {
        json_t *line = json_object();
        jset(line, key, rec, &bad);
        rc = dump(ctx, line, bad, JSON_FLAGS | JSON_COMPACT, 0, s->o);
        ovl__out_puts(s->o, "\n");
    } else {
        json_decref(rec);
    }
    if (rc == OVL_OK && s->o->err)
        rc = ovl__fail(ctx, OVL_ERR_WRITE, -1, "the output sink refused data");
    s->err = rc;
    return rc;
}

int ovl_report_stream_copies(ovl_ctx *ctx, ovl_report_stream *s, const ovl_copies *g)
{
    if (!s || !g || (g->n && !g->paths))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "a stream and a group are required");
    if (s->opts.format == OVL_FORMAT_TEXT && !s->err) {
        int identical = 1;
        for (size_t i = 0; g->similarity && i < g->n; i++)
            identical &= g->similarity[i] >= 1.0;
        ovl__out_printf(s->o, "\n== copies" DOT "%zu %s files" DOT "%llu bytes" DOT "%llu chars\n",
                        g->n, identical ? "identical" : "nearly identical",
                        (unsigned long long)g->bytes, (unsigned long long)g->chars);
        for (size_t i = 0; i < g->n; i++) {
            ovl__out_puts(s->o, "   ");
            put_label(s->o, g->paths[i]);
            if (!identical)
                ovl__out_printf(s->o, " (similarity %.2f)", g->similarity[i]);
            ovl__out_puts(s->o, "\n");
        }
        return stream_record(ctx, s, "copies", NULL, 0, NULL);
    }
    int bad = 0;
    json_t *rec = jcopies(g, &bad);
    return stream_record(ctx, s, "copies", rec, bad, &s->copies);
}

int ovl_report_stream_family(ovl_ctx *ctx, ovl_report_stream *s, const ovl_family *f)
{
    if (!s || !f || (f->nspans && !f->spans))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "a stream and a family are required");
    if (s->opts.format == OVL_FORMAT_TEXT && !s->err) {
        ovl__out_printf(s->o, "\n== family %zu" DOT "%zu documents" DOT "%llu chars\n", f->id,
                        f->documents, (unsigned long long)f->chars);
        ovl__out_puts(s->o, "   ");
        put_label(s->o, f->text ? f->text : "");
        ovl__out_puts(s->o, "\n");
        for (size_t i = 0; i < f->nspans && i < 5; i++) {
            ovl__out_puts(s->o, "   in ");
            put_label(s->o, f->spans[i].path);
            ovl__out_printf(s->o, " chars %llu-%llu\n", (unsigned long long)f->spans[i].char_start,
                            (unsigned long long)f->spans[i].char_end);
        }
        if (f->nspans > 5)
            ovl__out_printf(s->o, "   and %zu more\n", f->nspans - 5);
        return stream_record(ctx, s, "family", NULL, 0, NULL);
    }
    int bad = 0;
    json_t *rec = jfamily(f, &bad);
    return stream_record(ctx, s, "family", rec, bad, &s->families);
}

int ovl_report_stream_skipped(ovl_ctx *ctx, ovl_report_stream *s, const char *path,
                              const char *message, int64_t offset)
{
    if (!s || !path || !message)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "a stream, a path and a message are required");
    if (s->opts.format == OVL_FORMAT_TEXT && !s->err) {
        ovl__out_puts(s->o, "\n== skipped ");
        put_label(s->o, path);
        ovl__out_puts(s->o, ": ");
        put_label(s->o, message);
        ovl__out_puts(s->o, "\n");
        return stream_record(ctx, s, "skipped", NULL, 0, NULL);
    }
    int bad = 0;
    json_t *o = json_object();
    char *p = utf8_clean(path), *m = utf8_clean(message);
    jset(o, "path", p ? json_string(p) : NULL, &bad);
    jset(o, "message", m ? json_string(m) : NULL, &bad);
    jset(o, "byte", offset >= 0 ? json_integer(offset) : json_null(), &bad);
    free(p);
    free(m);
    return stream_record(ctx, s, "skipped", o, bad, &s->skipped);
}

int ovl_report_stream_end(ovl_ctx *ctx, ovl_report_stream *s)
{
    if (!s)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "no report stream");
    int rc = s->err;
    if (rc == OVL_OK && s->opts.format == OVL_FORMAT_JSON) {
        ovl__out *o = s->o;
        ovl__out_puts(o, s->passages_written ? "\n  ],\n  \"pairs\": [" : "],\n  \"pairs\": [");
        for (size_t k = 0; k < s->npairs && rc == OVL_OK; k++) {
            int bad = 0;
            const ovl_pair_stats *p = &s->pairs[k];
            json_t *jp = jpair(p, s->docs[p->a].path, s->docs[p->b].path, &bad);
            ovl__out_puts(o, k ? ",\n    " : "\n    ");
            rc = dump(ctx, jp, bad, JSON_FLAGS | JSON_INDENT(2), 4, o);
        }
        if (rc == OVL_OK)
            ovl__out_puts(o, s->npairs ? "\n  ]" : "]");
        json_t *tail[3] = {s->copies, s->families, s->skipped};
        const char *names[3] = {"copies", "families", "skipped"};
        for (int t = 0; t < 3 && rc == OVL_OK; t++) {
            if (!tail[t])
                continue; /* only scans with such groups carry these keys */
            ovl__out_printf(o, ",\n  \"%s\": [", names[t]);
            for (size_t k = 0; k < json_array_size(tail[t]) && rc == OVL_OK; k++) {
                ovl__out_puts(o, k ? ",\n    " : "\n    ");
                rc = dump(ctx, json_incref(json_array_get(tail[t], k)), 0, JSON_FLAGS | JSON_INDENT(2), 4, o);
            }
            ovl__out_puts(o, "\n  ]");
        }
        if (rc == OVL_OK)
            ovl__out_puts(o, "\n}\n");
    }
    if (rc == OVL_OK || rc == OVL_ERR_WRITE) {
        if (ovl__out_flush(s->o) != OVL_OK)
            rc = ovl__fail(ctx, OVL_ERR_WRITE, -1, "the output sink refused data");
    }
    ovl_report_stream_free(s);
    return rc;
}

/* ---- whole reports through the stream --------------------------------------------------- */

/* Writes a held report as a stream: its passages grouped into runs of one pair (insertion
 * order), each run one pair record. */
static int write_streamed(ovl_ctx *ctx, const ovl_report *r, const ovl_report_opts *opts,
                          const ovl_doc_stats *st, const int *sources, ovl__out *o)
{
    ovl_report_docinfo *di = calloc(r->ndocs + 1, sizeof *di);
    ovl_passage *run = malloc((r->nitems + 1) * sizeof *run);
    if (!di || !run) {
        free(di);
        free(run);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    }
    for (size_t d = 0; d < r->ndocs; d++) {
        const ovl_text *t = ovl_doc_text(r->docs[d].doc);
        di[d].path = r->docs[d].path;
        di[d].encoding = ovl_text_encoding(t);
        di[d].bytes = ovl_text_size(t);
        di[d].stats = st[d];
        di[d].sources = sources[d];
        di[d].replaced = ovl_text_replaced(t);
    }
    ovl_report_stream *s = NULL;
    int rc = ovl_report_stream_begin(ctx, opts, di, r->ndocs, r->nitems, o->sink, o->userdata, &s);
    for (size_t i = 0; rc == OVL_OK && i < r->nitems;) {
        size_t j = i;
        int a = r->items[i].a, b = r->items[i].b;
        for (; j < r->nitems && r->items[j].a == a && r->items[j].b == b; j++)
            run[j - i] = r->items[j].p;
        ovl_pair_stats ps;
        const ovl_doc *da = r->docs[a].doc, *db = r->docs[b].doc;
        rc = ovl_pair_stats_compute(a, b, run, j - i, ovl_text_length(ovl_doc_text(da)),
                                    ovl_text_length(ovl_doc_text(db)), &ps);
        if (rc != OVL_OK)
            rc = ovl__fail(ctx, rc, -1, "out of memory");
        else
            rc = ovl_report_stream_pair(ctx, s, &ps, run, j - i, da, db);
        i = j;
    }
    for (size_t k = 0; rc == OVL_OK && k < opts->nskipped; k++)
        rc = ovl_report_stream_skipped(ctx, s, opts->skipped[k].path, opts->skipped[k].message,
                                       opts->skipped[k].offset);
    if (s) {
        if (rc == OVL_OK)
            rc = ovl_report_stream_end(ctx, s);
        else
            ovl_report_stream_free(s);
    }
    free(di);
    free(run);
    return rc;
}

/* ---- entry point ----------------------------------------------------------------------- */

int ovl_report_write(ovl_ctx *ctx, const ovl_report *r, const ovl_report_opts *opts,
                     ovl_write_fn sink, void *userdata)
{
    ovl_report_opts def = OVL_REPORT_OPTS_INIT;
    if (!opts)
        opts = &def;
    if (!r || !sink)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "report and sink are required");
    if (opts->version != OVL_REPORT_OPTS_VERSION)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "report options version %u, expected %u",
                         opts->version, OVL_REPORT_OPTS_VERSION);
    if (opts->format < OVL_FORMAT_TEXT || opts->format > OVL_FORMAT_HTML || opts->max_context < 0)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "unknown report format %d", opts->format);
    ovl__out *o = malloc(sizeof *o);
    ovl_doc_stats *st = calloc(r->ndocs + 1, sizeof *st);
    int *sources = calloc(r->ndocs + 1, sizeof *sources);
    int rc = OVL_ERR_NOMEM;
    if (!o || !st || !sources) {
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    ovl__out_init(o, sink, userdata);
    if ((rc = ovl__report_all_stats(r, opts, st, sources)) != OVL_OK) {
        rc = ovl__fail(ctx, rc, -1, "out of memory computing ratios");
        goto done;
    }
    if (opts->format == OVL_FORMAT_HTML) {
        rc = ovl__report_html(ctx, r, opts, st, sources, o);
        if (rc == OVL_OK || rc == OVL_ERR_WRITE) {
            int wrc = ovl__out_flush(o);
            if (wrc != OVL_OK)
                rc = ovl__fail(ctx, OVL_ERR_WRITE, -1, "the output sink refused data");
        }
    } else {
        rc = write_streamed(ctx, r, opts, st, sources, o);
    }
done:
    free(o);
    free(st);
    free(sources);
    return rc;
}
