/* report_json.c - the JSON (schema 1) and JSON lines reports: values for documents, passages, pairs, copies and families. */
#include "report_int.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>

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

/* A passage; pc[0, npc): its pieces (a passage merged from pieces in another order). */
static json_t *jpassage(int a, int b, const char *a_path, const char *b_path,
                        const ovl_passage *p, const ovl_piece *pc, size_t npc, int *bad)
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
    /* Additive keys: a passage a caller built without a score (0) keeps the old shape. */
    if (p->score > 0.0)
        jset(o, "score", jreal(p->score), bad);
    if (p->reworded)
        jset(o, "reworded", json_true(), bad);
    if (npc > 0) {
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < npc; i++) {
            json_t *x = json_object();
            jset(x, "a", jspan(a, &pc[i].a, bad), bad);
            jset(x, "b", jspan(b, &pc[i].b, bad), bad);
            jset(x, "moved", json_boolean(pc[i].moved), bad);
            if (!x || json_array_append_new(arr, x) != 0)
                *bad = 1;
        }
        jset(o, "pieces", arr, bad);
    }
    return o;
}

/* Characters [s, e) of doc as a JSON string (controls other than tab and newline made
 * visible, as in every report). */
static json_t *jchars(const ovl_doc *doc, uint64_t s, uint64_t e)
{
    const ovl_text *c = ovl_doc_text(doc);
    size_t cap = (size_t)(e - s) * 4 + 1, k = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    for (uint64_t i = s; i < e; i++)
        k += ovl__utf8_put(ovl__report_visible(ovl_text_char(c, i)), buf + k);
    json_t *j = json_stringn(buf, k);
    free(buf);
    return j;
}

/* --with-text: the passage's text on both sides and its edit runs (op, the character
 * ranges of the sides it covers, its text: a's for equal and delete, b's for insert). */
static int jpassage_text(ovl_ctx *ctx, json_t *o, const ovl_passage *p, const ovl_doc *da,
                         const ovl_doc *db, int *bad)
{
    ovl__cedit *ed = NULL;
    size_t ne = 0;
    int rc = ovl__passage_edits(ctx, da, db, p, &ed, &ne);
    if (rc != OVL_OK)
        return rc;
    jset(o, "a_text", jchars(da, p->a.char_start, p->a.char_end), bad);
    jset(o, "b_text", jchars(db, p->b.char_start, p->b.char_end), bad);
    json_t *arr = json_array();
    static const char *const names[] = {"equal", "delete", "insert"};
    for (size_t k = 0; arr && k < ne; k++) {
        const ovl__cedit *c = &ed[k];
        json_t *e = json_object();
        jset(e, "op", json_string(names[c->op <= 2 ? c->op : 0]), bad);
        if (c->op != OVL_EDIT_INSERT) {
            jset(e, "a_char_start", jint(c->a_start), bad);
            jset(e, "a_char_end", jint(c->a_end), bad);
        }
        if (c->op != OVL_EDIT_DELETE) {
            jset(e, "b_char_start", jint(c->b_start), bad);
            jset(e, "b_char_end", jint(c->b_end), bad);
        }
        jset(e, "text", c->op == OVL_EDIT_INSERT ? jchars(db, c->b_start, c->b_end)
                                                 : jchars(da, c->a_start, c->a_end), bad);
        if (!e || json_array_append_new(arr, e) != 0)
            *bad = 1;
    }
    jset(o, "edits", arr, bad);
    free(ed);
    return OVL_OK;
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
    if (ps->error) {
        char *e = ovl__utf8_clean(ps->error);
        jset(o, "error", e ? json_string(e) : NULL, bad);
        free(e);
    }
    return o;
}

static json_t *jdoc(size_t id, const ovl_report_stream *s, int *bad)
{
    const ovl_report_docinfo *d = &s->docs[id];
    int excl = s->excl;
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
    if (d->detailed) {
        jset(jd, "quoted_chars", jint(st->quoted_chars), bad);
        jset(jd, "ratio_without_quotes", jreal(st->ratio_without_quotes), bad);
        jset(jd, "reference_chars", jint(st->reference_chars), bad);
        jset(jd, "ratio_without_references", jreal(st->ratio_without_references), bad);
    } else if (!d->shares) {
        return jd;
    }
    json_t *sh = json_array(), *sc = d->detailed ? json_array() : NULL;
    for (size_t k = 0; sh && k < d->nshares; k++) {
        const ovl_source_share *x = &d->shares[k];
        json_t *e = json_object();
        jset(e, "doc", json_integer(x->doc), bad);
        jset(e, "path", json_string(x->doc >= 0 && (size_t)x->doc < s->ndocs ? s->docs[x->doc].path : ""), bad);
        jset(e, "chars", jint(x->chars), bad);
        jset(e, "ratio", jreal(x->ratio), bad);
        if (!e || json_array_append_new(sh, e) != 0)
            *bad = 1;
    }
    jset(jd, "shares", sh, bad);
    for (size_t k = 0; sc && k < d->nsections; k++) {
        const ovl_section_stats *x = &d->sections[k];
        json_t *e = json_object();
        jset(e, "title", json_string(x->title), bad);
        jset(e, "char_start", jint(x->char_start), bad);
        jset(e, "char_end", jint(x->char_end), bad);
        jset(e, "chars", jint(x->char_end - x->char_start), bad);
        jset(e, "reused_chars", jint(x->reused_chars), bad);
        jset(e, "ratio", jreal(x->ratio), bad);
        if (!e || json_array_append_new(sc, e) != 0)
            *bad = 1;
    }
    if (d->detailed)
        jset(jd, "sections", sc, bad);
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
        rc = o->err ? o->err : ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory serializing the report");
    json_decref(v);
    return rc;
}

int ovl__json_head(ovl_ctx *ctx, ovl_report_stream *s, const char *params_json)
{
    ovl__out *o = s->o;
    json_t *params;
    if (params_json) {
        json_error_t jerr;
        params = json_loads(params_json, 0, &jerr);
        /* jansson reports an allocation failing in its parser as a syntax error (or with no
         * description), and one failing while it reads a string drops a character: a
         * second parse tells these apart from bad text, which fails the same way twice. */
        json_error_t again;
        json_t *check = json_loads(params_json, 0, &again);
        if (!params != !check || (params && !json_equal(params, check)) ||
            (!params && (strcmp(again.text, jerr.text) != 0 || again.position != jerr.position))) {
            json_decref(params);
            params = NULL;
            jerr.text[0] = '\0';
        }
        json_decref(check);
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
        json_t *jd = jdoc(d, s, &bad);
        ovl__out_puts(o, d ? ",\n    " : "\n    ");
        if ((rc = dump(ctx, jd, bad, JSON_FLAGS | JSON_INDENT(2), 4, o)) != OVL_OK)
            return rc;
    }
    ovl__out_puts(o, s->ndocs ? "\n  ],\n  \"passages\": [" : "],\n  \"passages\": [");
    return o->err;
}

static json_t *jcopies(const ovl_copies *g, int *bad)
{
    json_t *o = json_object(), *paths = json_array();
    for (size_t i = 0; paths && i < g->n; i++) {
        char *p = ovl__utf8_clean(g->paths[i]);
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
    char *t = ovl__utf8_clean(f->text ? f->text : "");
    jset(o, "text", t ? json_string(t) : NULL, bad);
    free(t);
    for (size_t i = 0; spans && i < f->nspans; i++) {
        json_t *sp = json_object();
        char *p = ovl__utf8_clean(f->spans[i].path);
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

/* ---- the JSON document's tail sections ------------------------------------------------ */

/* A section's records, rendered as the tail lays them out (each after "\n    " or
 * ",\n    ", at depth 4), waiting in a temporary file for the end of the document. */
struct ovl__spool {
    FILE *f;
    int errnum;      /* errno of the first failed write */
    size_t n;        /* records in f */
    uint64_t bytes;  /* bytes given to f */
    ovl__out o;      /* buffers the records on their way to f */
};

static const char *const section_name[OVL__JSON_NSECTIONS] = {"pairs", "copies", "families",
                                                              "skipped"};

static int spool_sink(void *data, const void *buf, size_t len)
{
    struct ovl__spool *sp = data;
    errno = 0;
    if (fwrite(buf, 1, len, sp->f) != len) {
        sp->errnum = errno ? errno : EIO;
        return -1;
    }
    sp->bytes += len;
    return 0;
}

static int spool_fail(ovl_ctx *ctx, const struct ovl__spool *sp, int t, const char *what)
{
    return ovl__fail(ctx, OVL_ERR_IO, -1, "cannot %s the temporary file of the JSON report's %s: %s",
                     what, section_name[t], strerror(sp->errnum ? sp->errnum : EIO));
}

/* Renders record v (consumed; bad: it could not be built) at the end of section t. */
static int spool_record(ovl_ctx *ctx, ovl_report_stream *s, int t, json_t *v, int bad)
{
    struct ovl__spool *sp = s->spool[t];
    if (!sp) {
        if (!(sp = malloc(sizeof *sp))) {
            json_decref(v);
            return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        }
        errno = 0;
        if (!(sp->f = tmpfile())) {
            int e = errno ? errno : EIO;
            free(sp);
            json_decref(v);
            return ovl__fail(ctx, OVL_ERR_IO, -1,
                             "cannot create a temporary file for the JSON report's %s: %s",
                             section_name[t], strerror(e));
        }
        sp->errnum = 0;
        sp->n = 0;
        sp->bytes = 0;
        ovl__out_init(&sp->o, spool_sink, sp);
        s->spool[t] = sp;
    }
    ovl__out_puts(&sp->o, sp->n ? ",\n    " : "\n    ");
    int rc = dump(ctx, v, bad, JSON_FLAGS | JSON_INDENT(2), 4, &sp->o);
    if (rc == OVL_ERR_WRITE || (rc == OVL_OK && sp->o.err))
        return spool_fail(ctx, sp, t, "write");
    if (rc == OVL_OK)
        sp->n++;
    return rc;
}

/* Copies section t's records to o. */
static int spool_copy(ovl_ctx *ctx, struct ovl__spool *sp, int t, ovl__out *o)
{
    if (ovl__out_flush(&sp->o) != OVL_OK)
        return spool_fail(ctx, sp, t, "write");
    errno = 0;
    if (fflush(sp->f) != 0 || fseek(sp->f, 0, SEEK_SET) != 0) {
        sp->errnum = errno;
        return spool_fail(ctx, sp, t, "write");
    }
    /* The record buffer is empty now: it carries the file's bytes to o. */
    uint64_t got = 0;
    size_t k;
    errno = 0;
    while (o->err == OVL_OK && (k = fread(sp->o.buf, 1, sizeof sp->o.buf, sp->f)) > 0) {
        ovl__out_put(o, sp->o.buf, k);
        got += k;
    }
    if (o->err != OVL_OK)
        return OVL_OK; /* the caller reports the sink's refusal */
    if (ferror(sp->f) || got != sp->bytes) {
        sp->errnum = ferror(sp->f) && errno ? errno : EIO;
        return spool_fail(ctx, sp, t, "read");
    }
    return OVL_OK;
}

/* JSON lines writes {"key": record} now; JSON renders the record into section t. */
static int stream_record(ovl_ctx *ctx, ovl_report_stream *s, const char *key, json_t *rec, int bad,
                         int t)
{
    int rc = OVL_OK;
    if (s->opts.format == OVL_FORMAT_JSON) {
        rc = spool_record(ctx, s, t, rec, bad);
    } else {
        json_t *line = json_object();
        jset(line, key, rec, &bad);
        rc = dump(ctx, line, bad, JSON_FLAGS | JSON_COMPACT, 0, s->o);
        ovl__out_puts(s->o, "\n");
    }
    return rc;
}

int ovl__json_copies(ovl_ctx *ctx, ovl_report_stream *s, const ovl_copies *g)
{
    int bad = 0;
    json_t *rec = jcopies(g, &bad);
    return stream_record(ctx, s, "copies", rec, bad, OVL__JSON_COPIES);
}

int ovl__json_family(ovl_ctx *ctx, ovl_report_stream *s, const ovl_family *f)
{
    int bad = 0;
    json_t *rec = jfamily(f, &bad);
    return stream_record(ctx, s, "family", rec, bad, OVL__JSON_FAMILIES);
}

int ovl__json_skipped(ovl_ctx *ctx, ovl_report_stream *s, const char *path, const char *message,
                      int64_t offset)
{
    int bad = 0;
    json_t *o = json_object();
    char *p = ovl__utf8_clean(path), *m = ovl__utf8_clean(message);
    jset(o, "path", p ? json_string(p) : NULL, &bad);
    jset(o, "message", m ? json_string(m) : NULL, &bad);
    jset(o, "byte", offset >= 0 ? json_integer(offset) : json_null(), &bad);
    free(p);
    free(m);
    return stream_record(ctx, s, "skipped", o, bad, OVL__JSON_SKIPPED);
}

int ovl__json_pair(ovl_ctx *ctx, ovl_report_stream *s, const ovl_pair_stats *pair,
                   const ovl_passage *ps, size_t n, const ovl_doc *a, const ovl_doc *b)
{
    int rc = OVL_OK;
    const char *pa = s->docs[pair->a].path, *pb = s->docs[pair->b].path;
    if (s->opts.format == OVL_FORMAT_JSONL) {
        int bad = 0;
        json_t *line = json_object();
        jset(line, "pair", jpair(pair, pa, pb, &bad), &bad);
        rc = dump(ctx, line, bad, JSON_FLAGS | JSON_COMPACT, 0, s->o);
        ovl__out_puts(s->o, "\n");
        for (size_t i = 0, k = 0; i < n && rc == OVL_OK && !s->opts.stat; i++) {
            bad = 0;
            size_t npc = ovl__pieces_of(s->pieces, s->npieces, i, &k);
            json_t *p = jpassage(pair->a, pair->b, pa, pb, &ps[i],
                                 npc ? s->pieces + k : NULL, npc, &bad);
            if (s->opts.with_text && a && b && (rc = jpassage_text(ctx, p, &ps[i], a, b, &bad)) != OVL_OK) {
                json_decref(p);
                break;
            }
            rc = dump(ctx, p, bad, JSON_FLAGS | JSON_COMPACT, 0, s->o);
            ovl__out_puts(s->o, "\n");
        }
        return rc;
    }
    for (size_t i = 0, k = 0; i < n && rc == OVL_OK && !s->opts.stat; i++) {
        int bad = 0;
        size_t npc = ovl__pieces_of(s->pieces, s->npieces, i, &k);
        json_t *p = jpassage(pair->a, pair->b, NULL, NULL, &ps[i],
                             npc ? s->pieces + k : NULL, npc, &bad);
        if (s->opts.with_text && a && b && (rc = jpassage_text(ctx, p, &ps[i], a, b, &bad)) != OVL_OK) {
            json_decref(p);
            break;
        }
        ovl__out_puts(s->o, s->json_passages++ ? ",\n    " : "\n    ");
        rc = dump(ctx, p, bad, JSON_FLAGS | JSON_INDENT(2), 4, s->o);
    }
    if (rc != OVL_OK)
        return rc;
    int bad = 0;
    json_t *jp = jpair(pair, pa, pb, &bad);
    return spool_record(ctx, s, OVL__JSON_PAIRS, jp, bad);
}

int ovl__json_tail(ovl_ctx *ctx, ovl_report_stream *s)
{
    ovl__out *o = s->o;
    int rc = OVL_OK;
    ovl__out_puts(o, s->json_passages ? "\n  ],\n  \"pairs\": [" : "],\n  \"pairs\": [");
    for (int t = 0; t < OVL__JSON_NSECTIONS && rc == OVL_OK; t++) {
        struct ovl__spool *sp = s->spool[t];
        int has = sp && sp->n;
        if (t != OVL__JSON_PAIRS) {
            if (!has)
                continue; /* only scans with such groups carry these keys */
            ovl__out_printf(o, ",\n  \"%s\": [", section_name[t]);
        }
        if (has)
            rc = spool_copy(ctx, sp, t, o);
        ovl__out_puts(o, has ? "\n  ]" : "]");
    }
    if (rc == OVL_OK)
        ovl__out_puts(o, "\n}\n");
    return rc;
}

void ovl__json_release(ovl_report_stream *s)
{
    for (int t = 0; t < OVL__JSON_NSECTIONS; t++) {
        if (s->spool[t]) {
            fclose(s->spool[t]->f);
            free(s->spool[t]);
            s->spool[t] = NULL;
        }
    }
}
