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

static int write_body(ovl_ctx *ctx, ovl__out *o, const ovl_report *r,
                      const struct ovl_report_item *it, const ovl_report_opts *opts)
{
    const ovl_doc *da = r->docs[it->a].doc, *db = r->docs[it->b].doc;
    const ovl_span *a = &it->p.a, *b = &it->p.b;
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

static int write_text(ovl_ctx *ctx, const ovl_report *r, const ovl_report_opts *opts,
                      const ovl_doc_stats *st, const int *sources, ovl__out *o)
{
    int excl = opts->exclude_quotes || opts->exclude_refs;
    ovl__out_printf(o, "overlap %s" DOT "%zu document%s" DOT "%zu passage%s", ovl_version(),
                    r->ndocs, r->ndocs == 1 ? "" : "s", r->nitems, r->nitems == 1 ? "" : "s");
    if (excl)
        ovl__out_printf(o, DOT "counted without %s%s%s", opts->exclude_quotes ? "quotations" : "",
                        opts->exclude_quotes && opts->exclude_refs ? " and " : "",
                        opts->exclude_refs ? "references" : "");
    ovl__out_puts(o, "\n");
    for (size_t d = 0; d < r->ndocs; d++) {
        ovl__out_printf(o, "[%zu] ", d);
        put_label(o, r->docs[d].path);
        ovl__out_printf(o, DOT "%llu chars" DOT "%llu reused" DOT "ratio %.4f",
                        (unsigned long long)st[d].chars, (unsigned long long)st[d].reused_chars,
                        st[d].reuse_ratio);
        if (excl)
            ovl__out_printf(o, DOT "counted %llu of %llu" DOT "counted ratio %.4f",
                            (unsigned long long)st[d].counted_reused,
                            (unsigned long long)st[d].counted_chars, st[d].counted_ratio);
        if (sources[d] > 1) {
            ovl__out_printf(o, DOT "top source [%d] ", st[d].top_source);
            put_label(o, r->docs[st[d].top_source].path);
            ovl__out_printf(o, " %.4f", st[d].top_source_ratio);
        }
        ovl__out_puts(o, "\n");
    }
    for (size_t i = 0; i < r->nitems; i++) {
        const struct ovl_report_item *it = &r->items[i];
        const ovl_passage *p = &it->p;
        ovl__out_puts(o, "\n");
        if (opts->color)
            ovl__out_puts(o, ANSI_CYAN);
        ovl__out_puts(o, "@@ A ");
        put_label(o, r->docs[it->a].path);
        ovl__out_printf(o, ":%u-%u ~ B ", p->a.line_start, p->a.line_end);
        put_label(o, r->docs[it->b].path);
        ovl__out_printf(o, ":%u-%u" DOT "%llu chars" DOT "similarity %.2f%s @@", p->b.line_start,
                        p->b.line_end, (unsigned long long)(p->a.char_end - p->a.char_start),
                        isfinite(p->similarity) ? p->similarity : 0.0,
                        p->moved ? DOT "moved" : "");
        if (opts->color)
            ovl__out_puts(o, ANSI_RESET);
        ovl__out_puts(o, "\n");
        int rc = write_body(ctx, o, r, it, opts);
        if (rc)
            return rc;
        if (o->err)
            break;
    }
    return OVL_OK;
}

/* ---- JSON ------------------------------------------------------------------------------ */

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

static json_t *jpassage(const ovl_report *r, const struct ovl_report_item *it, int with_paths,
                        int *bad)
{
    json_t *o = json_object();
    if (with_paths) {
        jset(o, "a_path", json_string(r->docs[it->a].path), bad);
        jset(o, "b_path", json_string(r->docs[it->b].path), bad);
    }
    jset(o, "a", jspan(it->a, &it->p.a, bad), bad);
    jset(o, "b", jspan(it->b, &it->p.b, bad), bad);
    jset(o, "similarity", jreal(it->p.similarity), bad);
    jset(o, "matched_chars", jint(it->p.matched_chars), bad);
    jset(o, "moved", json_boolean(it->p.moved), bad);
    return o;
}

static int dump_cb(const char *buf, size_t size, void *data)
{
    ovl__out *o = data;
    ovl__out_put(o, buf, size);
    return o->err ? -1 : 0;
}

#define JSON_FLAGS (JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6))

static int dump(ovl_ctx *ctx, json_t *v, size_t flags, ovl__out *o)
{
    if (json_dump_callback(v, dump_cb, o, flags) != 0)
        return o->err ? o->err : ovl__fail(ctx, OVL_ERR_NOMEM, -1, "cannot serialize the report");
    ovl__out_puts(o, "\n");
    return o->err;
}

static int write_json(ovl_ctx *ctx, const ovl_report *r, const ovl_report_opts *opts,
                      const ovl_doc_stats *st, const int *sources, ovl__out *o)
{
    int bad = 0, excl = opts->exclude_quotes || opts->exclude_refs;
    json_t *params;
    if (opts->params_json) {
        json_error_t jerr;
        params = json_loads(opts->params_json, 0, &jerr);
        /* A parse error always has a description; jansson returns none when its first
         * allocation fails. */
        if (!params && (json_error_code(&jerr) == json_error_out_of_memory || !jerr.text[0]))
            return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory building the JSON report");
        if (!params || !json_is_object(params)) {
            json_decref(params);
            return ovl__fail(ctx, OVL_ERR_INVALID, -1, "params: not a JSON object");
        }
    } else {
        params = json_object();
    }
    json_t *root = json_object();
    jset(root, "schema", json_integer(OVL_JSON_SCHEMA), &bad);
    jset(root, "overlap_version", json_string(ovl_version()), &bad);
    jset(root, "params", params, &bad);
    json_t *docs = json_array();
    for (size_t d = 0; d < r->ndocs && docs; d++) {
        const ovl_text *t = ovl_doc_text(r->docs[d].doc);
        json_t *jd = json_object();
        jset(jd, "id", jint(d), &bad);
        jset(jd, "path", json_string(r->docs[d].path), &bad);
        jset(jd, "encoding", json_string(ovl_text_encoding(t)), &bad);
        jset(jd, "bytes", jint(ovl_text_size(t)), &bad);
        jset(jd, "chars", jint(st[d].chars), &bad);
        jset(jd, "reused_chars", jint(st[d].reused_chars), &bad);
        jset(jd, "reuse_ratio", jreal(st[d].reuse_ratio), &bad);
        if (excl) {
            jset(jd, "counted_chars", jint(st[d].counted_chars), &bad);
            jset(jd, "counted_reused_chars", jint(st[d].counted_reused), &bad);
            jset(jd, "counted_ratio", jreal(st[d].counted_ratio), &bad);
        }
        jset(jd, "sources", json_integer(sources[d]), &bad);
        jset(jd, "top_source", st[d].top_source >= 0 ? json_integer(st[d].top_source) : json_null(),
             &bad);
        jset(jd, "top_source_ratio", jreal(st[d].top_source_ratio), &bad);
        if (!jd || json_array_append_new(docs, jd) != 0)
            bad = 1;
    }
    jset(root, "documents", docs, &bad);
    json_t *ps = json_array();
    for (size_t i = 0; i < r->nitems && ps; i++)
        if (json_array_append_new(ps, jpassage(r, &r->items[i], 0, &bad)) != 0)
            bad = 1;
    jset(root, "passages", ps, &bad);
    int rc = bad ? ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory building the JSON report")
                 : dump(ctx, root, JSON_FLAGS | JSON_INDENT(2), o);
    json_decref(root);
    return rc;
}

static int write_jsonl(ovl_ctx *ctx, const ovl_report *r, ovl__out *o)
{
    for (size_t i = 0; i < r->nitems; i++) {
        int bad = 0;
        json_t *p = jpassage(r, &r->items[i], 1, &bad);
        int rc = bad || !p ? ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory building JSON")
                           : dump(ctx, p, JSON_FLAGS | JSON_COMPACT, o);
        json_decref(p);
        if (rc)
            return rc;
    }
    return OVL_OK;
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
    if (opts->format != OVL_FORMAT_JSONL &&
        (rc = ovl__report_all_stats(r, opts, st, sources)) != OVL_OK) {
        rc = ovl__fail(ctx, rc, -1, "out of memory computing ratios");
        goto done;
    }
    switch (opts->format) {
    case OVL_FORMAT_TEXT: rc = write_text(ctx, r, opts, st, sources, o); break;
    case OVL_FORMAT_JSON: rc = write_json(ctx, r, opts, st, sources, o); break;
    case OVL_FORMAT_JSONL: rc = write_jsonl(ctx, r, o); break;
    default: rc = ovl__report_html(ctx, r, opts, st, sources, o); break;
    }
    if (rc == OVL_OK || rc == OVL_ERR_WRITE) {
        int wrc = ovl__out_flush(o);
        if (wrc != OVL_OK)
            rc = ovl__fail(ctx, OVL_ERR_WRITE, -1, "the output sink refused data");
    }
done:
    free(o);
    free(st);
    free(sources);
    return rc;
}
