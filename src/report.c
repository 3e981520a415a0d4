/* report.c - the report model (documents and passages) and the entry points that hand it to the writers. */
#include "report_int.h"

#include <stddef.h>

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
    if (strcmp(name, "csv") == 0)
        return OVL_FORMAT_CSV;
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
    free(r->pieces);
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
    char *copy = ovl__utf8_clean(path ? path : "");
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

int ovl_report_add_passages_pieces(ovl_report *r, int id_a, int id_b, const ovl_passage *p,
                                   size_t n, const ovl_piece *pieces, size_t npieces)
{
    if (!r || (npieces > 0 && !pieces))
        return OVL_ERR_INVALID;
    for (size_t i = 0; i < npieces; i++)
        if (pieces[i].passage >= n || (i > 0 && pieces[i].passage < pieces[i - 1].passage) ||
            id_a < 0 || id_b < 0 || (size_t)id_a >= r->ndocs || (size_t)id_b >= r->ndocs ||
            !span_ok(r->docs[id_a].doc, &pieces[i].a) || !span_ok(r->docs[id_b].doc, &pieces[i].b))
            return OVL_ERR_INVALID;
    if (npieces > 0 &&
        ovl__grow(&r->pieces, &r->cappieces, r->npieces + npieces, sizeof *r->pieces) != 0)
        return OVL_ERR_NOMEM;
    size_t base = r->nitems;
    int rc = ovl_report_add_passages(r, id_a, id_b, p, n);
    if (rc != OVL_OK)
        return rc;
    for (size_t i = 0; i < npieces; i++) {
        r->pieces[r->npieces] = pieces[i];
        r->pieces[r->npieces].passage += base;
        r->npieces++;
    }
    return OVL_OK;
}

size_t ovl_report_passage_count(const ovl_report *r) { return r ? r->nitems : 0; }

/* ---- streamed reports ------------------------------------------------------------------ */

void ovl_report_stream_free(ovl_report_stream *s)
{
    if (!s)
        return;
    for (size_t d = 0; d < s->ndocs; d++) {
        free((char *)s->docs[d].path);
        free((char *)s->docs[d].encoding);
    }
    free(s->docs);
    ovl__json_release(s);
    free(s->o);
    free(s);
}


/* Options of any accepted version as the current struct: a version 1 caller's struct ends
 * before with_text. */
static int take_opts(ovl_ctx *ctx, const ovl_report_opts *in, ovl_report_opts *out)
{
    ovl_report_opts def = OVL_REPORT_OPTS_INIT;
    *out = def;
    if (!in)
        return OVL_OK;
    if (in->version == 1) {
        memcpy(out, in, offsetof(ovl_report_opts, with_text));
        out->version = OVL_REPORT_OPTS_VERSION;
        return OVL_OK;
    }
    if (in->version != OVL_REPORT_OPTS_VERSION)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "report options version %u, expected %u",
                         in->version, OVL_REPORT_OPTS_VERSION);
    *out = *in;
    return OVL_OK;
}

int ovl_report_stream_begin(ovl_ctx *ctx, const ovl_report_opts *opts_in,
                            const ovl_report_docinfo *docs, size_t ndocs, size_t npassages,
                            ovl_write_fn sink, void *userdata, ovl_report_stream **out)
{
    ovl_report_opts optv, *opts = &optv;
    if (!out || !sink || (ndocs && !docs))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "documents, sink and result are required");
    *out = NULL;
    int rc = take_opts(ctx, opts_in, opts);
    if (rc != OVL_OK)
        return rc;
    if (opts->format != OVL_FORMAT_TEXT && opts->format != OVL_FORMAT_JSON &&
        opts->format != OVL_FORMAT_JSONL && opts->format != OVL_FORMAT_CSV)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1,
                         "a streamed report is text, json, jsonl or csv, not format %d", opts->format);
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
        s->docs[d].path = ovl__utf8_clean(docs[d].path ? docs[d].path : "");
        s->docs[d].encoding = ovl__utf8_clean(docs[d].encoding ? docs[d].encoding : "");
        s->ndocs = d + 1;
        if (!s->docs[d].path || !s->docs[d].encoding) {
            ovl_report_stream_free(s);
            return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        }
    }
    if (opts->format == OVL_FORMAT_TEXT)
        ovl__text_head(s, npassages);
    else if (opts->format == OVL_FORMAT_JSON)
        rc = ovl__json_head(ctx, s, opts->params_json);
    else if (opts->format == OVL_FORMAT_CSV)
        ovl__csv_head(s);
    for (size_t d = 0; d < ndocs; d++) { /* read during this call only */
        s->docs[d].shares = NULL;
        s->docs[d].sections = NULL;
        s->docs[d].nshares = s->docs[d].nsections = 0;
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

/* Ends a writer's call: a sink refusal becomes OVL_ERR_WRITE, and the first failure sticks. */
static int settle(ovl_ctx *ctx, ovl_report_stream *s, int rc)
{
    if (rc == OVL_OK && s->o->err)
        rc = ovl__fail(ctx, OVL_ERR_WRITE, -1, "the output sink refused data");
    s->err = rc;
    return rc;
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
    int rc = s->opts.format == OVL_FORMAT_TEXT  ? ovl__text_pair(ctx, s, pair, ps, n, a, b)
             : s->opts.format == OVL_FORMAT_CSV ? ovl__csv_pair(s, pair)
                                                : ovl__json_pair(ctx, s, pair, ps, n, a, b);
    s->passages_written += n;
    return settle(ctx, s, rc);
}

int ovl_report_stream_copies(ovl_ctx *ctx, ovl_report_stream *s, const ovl_copies *g)
{
    if (!s || !g || (g->n && !g->paths))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "a stream and a group are required");
    if (s->err)
        return s->err;
    int rc = OVL_OK;
    if (s->opts.format == OVL_FORMAT_CSV)
        ; /* the CSV table has pair rows only */
    else if (s->opts.format == OVL_FORMAT_TEXT)
        ovl__text_copies(s, g);
    else
        rc = ovl__json_copies(ctx, s, g);
    return settle(ctx, s, rc);
}

int ovl_report_stream_family(ovl_ctx *ctx, ovl_report_stream *s, const ovl_family *f)
{
    if (!s || !f || (f->nspans && !f->spans))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "a stream and a family are required");
    if (s->err)
        return s->err;
    int rc = OVL_OK;
    if (s->opts.format == OVL_FORMAT_CSV)
        ; /* the CSV table has pair rows only */
    else if (s->opts.format == OVL_FORMAT_TEXT)
        ovl__text_family(s, f);
    else
        rc = ovl__json_family(ctx, s, f);
    return settle(ctx, s, rc);
}

int ovl_report_stream_skipped(ovl_ctx *ctx, ovl_report_stream *s, const char *path,
                              const char *message, int64_t offset)
{
    if (!s || !path || !message)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "a stream, a path and a message are required");
    if (s->err)
        return s->err;
    int rc = OVL_OK;
    if (s->opts.format == OVL_FORMAT_CSV)
        ; /* the CSV table has pair rows only */
    else if (s->opts.format == OVL_FORMAT_TEXT)
        ovl__text_skipped(s, path, message);
    else
        rc = ovl__json_skipped(ctx, s, path, message, offset);
    return settle(ctx, s, rc);
}

int ovl_report_stream_end(ovl_ctx *ctx, ovl_report_stream *s)
{
    if (!s)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "no report stream");
    int rc = s->err;
    if (rc == OVL_OK && s->opts.format == OVL_FORMAT_JSON)
        rc = ovl__json_tail(ctx, s);
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
                          const ovl_doc_stats *st, const int *sources, const ovl__detail *dt,
                          ovl__out *o)
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
        di[d].detailed = dt[d].subject;
        di[d].shares = dt[d].shares;
        di[d].nshares = dt[d].nshares;
        di[d].sections = dt[d].sections;
        di[d].nsections = dt[d].nsections;
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
        else {
            /* The pair's pieces, their passages counted from the pair's first. */
            size_t k = 0, npc = 0;
            ovl_piece *pc = NULL;
            while (k < r->npieces && r->pieces[k].passage < i)
                k++;
            while (k + npc < r->npieces && r->pieces[k + npc].passage < j)
                npc++;
            if (npc && !(pc = malloc(sizeof *pc * npc)))
                rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
            for (size_t x = 0; pc && x < npc; x++) {
                pc[x] = r->pieces[k + x];
                pc[x].passage -= i;
            }
            if (s && rc == OVL_OK) {
                s->pieces = pc;
                s->npieces = npc;
                rc = ovl_report_stream_pair(ctx, s, &ps, run, j - i, da, db);
                s->pieces = NULL;
                s->npieces = 0;
            }
            free(pc);
        }
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

void ovl__detail_free(ovl__detail *dt, size_t n)
{
    for (size_t d = 0; dt && d < n; d++) {
        free(dt[d].shares);
        ovl_report_sections_free(dt[d].sections, dt[d].nsections);
    }
    free(dt);
}

/* Sources and sections of every document that is side a of a passage (the checked
 * document, compare's A): the documents a report is about. */
static int details(const ovl_report *r, ovl__detail **out)
{
    ovl__detail *dt = calloc(r->ndocs + 1, sizeof *dt);
    if (!dt)
        return OVL_ERR_NOMEM;
    for (size_t i = 0; i < r->nitems; i++)
        dt[r->items[i].a].subject = 1;
    for (size_t d = 0; d < r->ndocs; d++) {
        if (!dt[d].subject)
            continue;
        int rc = ovl_report_doc_sources(r, (int)d, &dt[d].shares, &dt[d].nshares, &dt[d].sections,
                                        &dt[d].nsections);
        if (rc != OVL_OK) {
            ovl__detail_free(dt, r->ndocs);
            return rc;
        }
    }
    *out = dt;
    return OVL_OK;
}

int ovl_report_write(ovl_ctx *ctx, const ovl_report *r, const ovl_report_opts *opts_in,
                     ovl_write_fn sink, void *userdata)
{
    if (!r || !sink)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "report and sink are required");
    ovl_report_opts optv, *opts = &optv;
    int rc = take_opts(ctx, opts_in, opts);
    if (rc != OVL_OK)
        return rc;
    if (opts->format < OVL_FORMAT_TEXT || opts->format > OVL_FORMAT_CSV || opts->max_context < 0)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "unknown report format %d", opts->format);
    ovl__out *o = malloc(sizeof *o);
    ovl_doc_stats *st = calloc(r->ndocs + 1, sizeof *st);
    int *sources = calloc(r->ndocs + 1, sizeof *sources);
    ovl__detail *dt = NULL;
    rc = OVL_ERR_NOMEM;
    if (!o || !st || !sources) {
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    ovl__out_init(o, sink, userdata);
    if ((rc = ovl__report_all_stats(r, opts, st, sources)) != OVL_OK ||
        (rc = details(r, &dt)) != OVL_OK) {
        rc = ovl__fail(ctx, rc, -1, "out of memory computing ratios");
        goto done;
    }
    if (opts->format == OVL_FORMAT_HTML) {
        rc = ovl__report_html(ctx, r, opts, st, dt, o);
        if (rc == OVL_OK || rc == OVL_ERR_WRITE) {
            int wrc = ovl__out_flush(o);
            if (wrc != OVL_OK)
                rc = ovl__fail(ctx, OVL_ERR_WRITE, -1, "the output sink refused data");
        }
    } else {
        rc = write_streamed(ctx, r, opts, st, sources, dt, o);
    }
done:
    ovl__detail_free(dt, r->ndocs);
    free(o);
    free(st);
    free(sources);
    return rc;
}
