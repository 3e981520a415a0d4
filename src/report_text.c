/* report_text.c - the diff-style text report: document lines, pair records and passage bodies with inline edits. */
#include "report_int.h"

#include <math.h>

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

static void body_chars(body *b, const ovl_text *c, uint64_t s, uint64_t e)
{
    for (uint64_t i = s; i < e && !b->cut; i++) {
        if (ovl__report_space(ovl_text_char(c, i))) {
            b->pending = b->started;
            continue;
        }
        body_flush_space(b, ovl_text_char(c, i));
        if (b->cut)
            return;
        if (b->limit && b->shown >= b->limit) {
            b->cut = 1;
            return;
        }
        b->shown++;
        ovl__out_cp(b->o, ovl__report_visible(ovl_text_char(c, i)));
        b->last = ovl_text_char(c, i);
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
    const ovl_text *chars;
    const ovl_norm *nm;
    uint32_t t1;        /* end of the passage's token range */
} side;

static uint64_t run_start(const side *sd, uint32_t s) { return sd->nm->tokens[s].char_start; }
static uint64_t run_end(const side *sd, uint32_t e) { return ovl__tok_char_end(sd->nm, e - 1); }
/* Gap after token e - 1 up to the next token of the passage (punctuation, spaces). */
static uint64_t gap_end(const side *sd, uint32_t e)
{
    return e < sd->t1 ? sd->nm->tokens[e].char_start : ovl__tok_char_end(sd->nm, e - 1);
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
    side sa = {ovl_doc_text(da), ovl_doc_norm(da), a->tok_end};
    side sb = {ovl_doc_text(db), ovl_doc_norm(db), b->tok_end};

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

void ovl__text_head(ovl_report_stream *s, size_t npassages)
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
        const ovl_report_docinfo *di = &s->docs[d];
        if (di->detailed)
            ovl__out_printf(o, "    without quotations %.4f (%llu quoted chars)" DOT
                               "without references %.4f (%llu chars of references)\n",
                            st->ratio_without_quotes, (unsigned long long)st->quoted_chars,
                            st->ratio_without_references, (unsigned long long)st->reference_chars);
        for (size_t k = 0; k < di->nshares; k++) {
            const ovl_source_share *sh = &di->shares[k];
            ovl__out_printf(o, "    source [%d] ", sh->doc);
            put_label(o, sh->doc >= 0 && (size_t)sh->doc < s->ndocs ? s->docs[sh->doc].path : "?");
            ovl__out_printf(o, DOT "%llu chars" DOT "%.4f\n", (unsigned long long)sh->chars,
                            sh->ratio);
        }
        for (size_t k = 0; k < di->nsections; k++) {
            const ovl_section_stats *sc = &di->sections[k];
            ovl__out_puts(o, "    section ");
            put_label(o, sc->title[0] ? sc->title : "(before the first heading)");
            ovl__out_printf(o, DOT "%llu chars" DOT "%llu reused" DOT "%.4f\n",
                            (unsigned long long)(sc->char_end - sc->char_start),
                            (unsigned long long)sc->reused_chars, sc->ratio);
        }
    }
}

/* The moved pieces of a passage merged from pieces in another order: where each lies on both
 * sides, and how it starts in A. */
#define MOVED_SHOWN 48 /* characters of a moved piece's text shown */
static void write_moves(ovl__out *o, const ovl_doc *da, const ovl_piece *pc, size_t n,
                        const ovl_report_opts *opts)
{
    const ovl_text *t = ovl_doc_text(da);
    for (size_t i = 0; i < n; i++) {
        if (!pc[i].moved)
            continue;
        const ovl_span *a = &pc[i].a, *b = &pc[i].b;
        if (opts->color)
            ovl__out_puts(o, ANSI_CYAN);
        ovl__out_printf(o, "moved: A:%u-%u chars %llu-%llu ~ B:%u-%u chars %llu-%llu",
                        a->line_start, a->line_end, (unsigned long long)a->char_start,
                        (unsigned long long)a->char_end, b->line_start, b->line_end,
                        (unsigned long long)b->char_start, (unsigned long long)b->char_end);
        if (opts->color)
            ovl__out_puts(o, ANSI_RESET);
        ovl__out_puts(o, ": ");
        uint64_t e = a->char_end - a->char_start > MOVED_SHOWN ? a->char_start + MOVED_SHOWN
                                                                : a->char_end;
        int space = 0;
        for (uint64_t c = a->char_start; c < e; c++) {
            uint32_t cp = ovl_text_char(t, c);
            if (ovl__report_space(cp)) {
                space = 1;
                continue;
            }
            if (space)
                ovl__out_puts(o, " ");
            space = 0;
            ovl__out_cp(o, ovl__report_visible(cp));
        }
        ovl__out_puts(o, e < a->char_end ? "\xE2\x80\xA6\n" : "\n");
    }
}

int ovl__text_pair(ovl_ctx *ctx, ovl_report_stream *s, const ovl_pair_stats *pr,
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
    for (size_t i = 0, k = 0; i < n && !o->err && !opts->stat; i++) {
        const ovl_passage *p = &ps[i];
        size_t npc = ovl__pieces_of(s->pieces, s->npieces, i, &k);
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
        if (npc)
            write_moves(o, da, s->pieces + k, npc, opts);
        int rc = write_body(ctx, o, da, db, p, opts);
        if (rc)
            return rc;
    }
    return OVL_OK;
}


void ovl__text_copies(ovl_report_stream *s, const ovl_copies *g)
{
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
}

void ovl__text_family(ovl_report_stream *s, const ovl_family *f)
{
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
}

void ovl__text_skipped(ovl_report_stream *s, const char *path, const char *message)
{
    ovl__out_puts(s->o, "\n== skipped ");
    put_label(s->o, path);
    ovl__out_puts(s->o, ": ");
    put_label(s->o, message);
    ovl__out_puts(s->o, "\n");
}
