/* report_html.c - self-contained HTML report: per document, its figures and sources on top, its text once with every source's passages marked, the source text with edits beside it. */
#include "report_int.h"

#include <math.h>

/* The page's script, run under a Content-Security-Policy that allows only this script by
 * its hash (OVL_HTML_JS_SHA256, base64 of SHA-256 over these exact bytes). After a change,
 * the Chromium test prints the hash to put here:
 *   printf '%s' "$js" | openssl dgst -sha256 -binary | base64
 * Clicking a mark of the document shows its source passage (with the edits) in the pane
 * beside it and flashes it; clicking the source passage goes back; a source row goes to
 * that source's first passage. The ready marker and pair count let tests see it ran. */
static const char JS[] =
    "(function () {\n"
    "  \"use strict\";\n"
    "  function byId(id) { return document.getElementById(id); }\n"
    "  function flash(e) {\n"
    "    e.classList.remove(\"flash\");\n"
    "    void e.offsetWidth;\n"
    "    e.classList.add(\"flash\");\n"
    "  }\n"
    "  function each(sel, f, root) { Array.prototype.forEach.call((root || document).querySelectorAll(sel), f); }\n"
    "  function open(k) {\n"
    "    var a = byId(\"p\" + k + \"a\"), box = byId(\"s\" + k), b = byId(\"p\" + k + \"b\");\n"
    "    if (!a || !box || !b) return null;\n"
    "    var pane = box.parentNode;\n"
    "    each(\".src\", function (x) { x.hidden = x !== box; }, pane);\n"
    "    each(\".hint\", function (x) { x.hidden = true; }, pane);\n"
    "    each(\"mark.active\", function (x) { x.classList.remove(\"active\"); });\n"
    "    each(\"mark[data-pair=\\\"\" + k + \"\\\"]\", function (x) { x.classList.add(\"active\"); });\n"
    "    pane.scrollTop = Math.max(0, b.offsetTop - pane.offsetTop - 40);\n"
    "    flash(b);\n"
    "    return b;\n"
    "  }\n"
    "  var pairs = 0;\n"
    "  each(\"mark[data-pair]\", function (m) {\n"
    "    var k = m.getAttribute(\"data-pair\"), side = m.getAttribute(\"data-side\");\n"
    "    if (m.id === \"p\" + k + \"a\" && byId(\"p\" + k + \"b\")) pairs++;\n"
    "    m.addEventListener(\"click\", function (ev) {\n"
    "      ev.stopPropagation();\n"
    "      if (side === \"a\") { open(k); flash(m); return; }\n"
    "      var a = byId(\"p\" + k + \"a\");\n"
    "      if (a) { a.scrollIntoView({block: \"center\"}); flash(a); flash(m); }\n"
    "    });\n"
    "    m.addEventListener(\"keydown\", function (ev) { if (ev.key === \"Enter\") m.click(); });\n"
    "    m.addEventListener(\"animationend\", function () { m.classList.remove(\"flash\"); });\n"
    "  });\n"
    "  each(\"tr[data-first]\", function (tr) {\n"
    "    tr.addEventListener(\"click\", function () {\n"
    "      var a = byId(\"p\" + tr.getAttribute(\"data-first\") + \"a\");\n"
    "      if (a) { a.scrollIntoView({block: \"center\"}); a.click(); }\n"
    "    });\n"
    "  });\n"
    "  document.body.setAttribute(\"data-ovl-pairs\", String(pairs));\n"
    "  document.body.setAttribute(\"data-ovl-ready\", \"1\");\n"
    "})();\n";
#define OVL_HTML_JS_SHA256 "sha256-CbDdGBf3YISY+tgGjkPjwa41BIUuUtJv7HAm7Wr4u3s="

static const char CSS[] =
    "body{font:15px/1.65 system-ui,\"Noto Sans CJK SC\",\"PingFang SC\",\"Microsoft YaHei\","
    "sans-serif;margin:0;color:#1f2328;background:#f3f4f6}\n"
    "header{padding:8px 20px;background:#fff;border-bottom:1px solid #d8dbe0}\n"
    "h1{font-size:18px;margin:2px 0}h2{font-size:16px;margin:0 0 6px}h3{font-size:14px;margin:0 0 6px}\n"
    ".meta{color:#57606a;margin:0;font-size:13px}\n"
    "section.doc{padding:12px 20px}\n"
    ".summary{display:flex;flex-wrap:wrap;gap:10px 36px;align-items:flex-start;background:#fff;"
    "border:1px solid #d8dbe0;border-radius:6px;padding:10px 16px}\n"
    ".summary h2{flex-basis:100%;overflow-wrap:anywhere}\n"
    ".big{font-size:34px;font-weight:650;line-height:1.1}\n"
    ".figs{margin-top:6px}.figs td{padding:0 10px 0 0;font-size:13px}\n"
    "table.t{border-collapse:collapse;font-size:13px}\n"
    "table.t th,table.t td{padding:2px 8px;text-align:left;border-bottom:1px solid #eceef1}\n"
    "table.t th{color:#57606a;font-weight:600}\n"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "td.path{overflow-wrap:anywhere;max-width:46ch}\n"
    "table.sources tr[data-first]{cursor:pointer}table.sources tr[data-first]:hover{background:#f6f8fa}\n"
    ".sw{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:6px;"
    "vertical-align:-1px;border:1px solid rgba(0,0,0,.25)}\n"
    ".bar{display:inline-block;width:110px;height:9px;background:#eceef1;border-radius:5px;"
    "overflow:hidden;vertical-align:middle;margin-right:6px}.bar>span{display:block;height:100%}\n"
    "details{font-size:13px}summary{cursor:pointer;color:#57606a}\n"
    ".scroll{max-height:9.5em;overflow:auto}\n"
    ".cols{display:flex;gap:16px;margin-top:12px;align-items:flex-start}\n"
    ".text{flex:3 1 0;min-width:0;white-space:pre-wrap;overflow-wrap:anywhere;background:#fff;"
    "border:1px solid #d8dbe0;border-radius:6px;padding:10px 16px}\n"
    ".pane{flex:2 1 0;min-width:0;position:sticky;top:8px;max-height:calc(100vh - 16px);"
    "overflow:auto;background:#fff;border:1px solid #d8dbe0;border-radius:6px;padding:10px 16px}\n"
    ".hint{color:#57606a}.src h3{overflow-wrap:anywhere}\n"
    ".stext{white-space:pre-wrap;overflow-wrap:anywhere}.ctx{color:#6e7781}\n"
    "mark.hl{color:inherit;cursor:pointer;border-radius:2px}\n"
    "mark.hl[data-n]::before{content:attr(data-n);font-size:10px;font-weight:700;"
    "vertical-align:super;line-height:0;margin:0 2px 0 1px;color:#24292f}\n"
    "mark.hl mark.hl{box-shadow:inset 0 -3px 0 rgba(0,0,0,.35)}\n"
    "mark.active{outline:2px solid #cf222e;outline-offset:0}\n"
    "del{background:#ffd7d5;color:#82071e;text-decoration:line-through}\n"
    "ins{background:#ccffd8;color:#055d20;text-decoration:none;border-bottom:2px solid #1a7f37}\n"
    ".flash{animation:ovlflash 1.4s ease-out}\n"
    "@keyframes ovlflash{0%,50%{box-shadow:0 0 0 3px #cf222e}100%{box-shadow:0 0 0 3px transparent}}\n"
    "@media (max-width:900px){.cols{flex-direction:column}.pane{position:static;max-height:none}}\n";

/* Colours of sources 0, 1, ... of a document (most shared first): light enough to read
 * text on, far apart in hue; past these, hues on the golden angle. */
static const char *const PALETTE[] = {"#ffd166", "#8fd694", "#8ecdf5", "#f7a9d8", "#ffb38a",
                                      "#c3b1f5", "#7fe3d6", "#e6e27a", "#f59f9f", "#b5d98a",
                                      "#a7b8f7", "#e0b98f"};
#define NPALETTE (sizeof PALETTE / sizeof *PALETTE)

#define DOT " \xC2\xB7 "
#define CONTEXT 300 /* characters of the source shown either side of a passage */

/* Escapes a UTF-8 label for text and attribute positions alike. */
static void put_esc(ovl__out *o, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': ovl__out_puts(o, "&amp;"); break;
        case '<': ovl__out_puts(o, "&lt;"); break;
        case '>': ovl__out_puts(o, "&gt;"); break;
        case '"': ovl__out_puts(o, "&quot;"); break;
        case '\'': ovl__out_puts(o, "&#39;"); break;
        default:
            if ((unsigned char)*s < 0x20 || *s == 0x7F)
                ovl__out_cp(o, 0xFFFD);
            else
                ovl__out_put(o, s, 1);
        }
    }
}

/* Document characters [s, e), escaped; CR LF and lone CR become LF (the text box keeps
 * line breaks with white-space: pre-wrap). */
static void put_chars(ovl__out *o, const ovl_text *c, uint64_t s, uint64_t e)
{
    for (uint64_t i = s; i < e; i++) {
        uint32_t cp = ovl_text_char(c, i);
        switch (cp) {
        case '&': ovl__out_puts(o, "&amp;"); break;
        case '<': ovl__out_puts(o, "&lt;"); break;
        case '>': ovl__out_puts(o, "&gt;"); break;
        case '"': ovl__out_puts(o, "&quot;"); break;
        case '\'': ovl__out_puts(o, "&#39;"); break;
        case '\r':
            if (i + 1 < e && ovl_text_char(c, i + 1) == '\n')
                break;
            ovl__out_puts(o, "\n");
            break;
        default: ovl__out_cp(o, ovl__report_visible(cp));
        }
    }
}

/* Text shown inline in another side's passage (a deletion inside the source's text): its
 * line breaks are the other document's wrapping, so a whitespace run is one space, or
 * nothing between two wide (CJK) characters, and none at the end. */
static void put_inline(ovl__out *o, const ovl_text *c, uint64_t s, uint64_t e)
{
    uint32_t last = 0;
    int pending = 0;
    for (uint64_t i = s; i < e; i++) {
        if (ovl__report_space(ovl_text_char(c, i))) {
            pending = last != 0;
            continue;
        }
        if (pending && !(last >= 0x2E80 && ovl_text_char(c, i) >= 0x2E80))
            ovl__out_puts(o, " ");
        pending = 0;
        put_chars(o, c, i, i + 1);
        last = ovl_text_char(c, i);
    }
}

static double pct(double x) { return isfinite(x) ? x * 100.0 : 0.0; }
static double fin(double x) { return isfinite(x) ? x : 0.0; }

static void put_colors(ovl__out *o, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        if (j < NPALETTE)
            ovl__out_printf(o, ".s%zu{background:%s}", j, PALETTE[j]);
        else
            ovl__out_printf(o, ".s%zu{background:hsl(%d,72%%,78%%)}", j,
                            (int)fmod(40.0 + 137.508 * (double)j, 360.0));
        ovl__out_puts(o, j % 6 == 5 || j + 1 == n ? "\n" : "");
    }
}

/* A passage of the document a page section is about. */
typedef struct hl {
    uint64_t start, end; /* its characters in the document */
    size_t k;            /* index in the report */
    size_t n;            /* number shown: 1, 2, ... in text order */
    int color;           /* its source's place in the document's source list */
} hl;

static int hl_cmp(const void *x, const void *y)
{
    const hl *a = x, *b = y;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end > b->end ? -1 : 1; /* the longer one outside */
    return (a->k > b->k) - (a->k < b->k);
}

static int u64_cmp(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

static void open_mark(ovl__out *o, const ovl_report *r, const hl *h, int first)
{
    const ovl_passage *p = &r->items[h->k].p;
    int src = r->items[h->k].b;
    ovl__out_printf(o, "<mark class=\"hl s%d%s%s\" data-pair=\"%zu\" data-side=\"a\"", h->color,
                    p->moved ? " moved" : "", first ? "" : " cont", h->k);
    if (first)
        ovl__out_printf(o, " id=\"p%zua\" data-n=\"%zu\" tabindex=\"0\"", h->k, h->n);
    ovl__out_printf(o, " title=\"passage %zu" DOT "[%d] ", h->n, src);
    put_esc(o, r->docs[src].path);
    ovl__out_printf(o, DOT "similarity %.2f\">", fin(p->similarity));
}

/* The document's text with its passages v[0..m) (sorted by hl_cmp) marked. Passages may
 * overlap; marks must nest. Between two consecutive boundaries (starts and ends of
 * passages) the set of passages is fixed: at each boundary the open marks from the first
 * one that ends there up are closed, those of them that go on are reopened as
 * continuations (class "cont", no id), then the passages starting there are opened, longer
 * first. So every passage has one mark with its id, marks nest, and a mark always holds at
 * least the characters up to the next boundary: never an empty mark. */
static int put_marked_text(ovl__out *o, const ovl_report *r, int doc, const hl *v, size_t m)
{
    const ovl_text *t = ovl_doc_text(r->docs[doc].doc);
    const ovl_text *c = t;
    uint64_t n = ovl_text_length(t);
    uint64_t *bd = malloc((2 * m + 2) * sizeof *bd);
    size_t *stack = malloc((m + 1) * sizeof *stack), *again = malloc((m + 1) * sizeof *again);
    if (!bd || !stack || !again) {
        free(bd), free(stack), free(again);
        return OVL_ERR_NOMEM;
    }
    size_t nb = 0, depth = 0, next = 0;
    for (size_t i = 0; i < m; i++) {
        bd[nb++] = v[i].start;
        bd[nb++] = v[i].end;
    }
    bd[nb++] = n;
    qsort(bd, nb, sizeof *bd, u64_cmp);
    uint64_t cur = 0;
    for (size_t b = 0; b < nb; b++) {
        uint64_t p = bd[b];
        if (p < cur || (b > 0 && p == bd[b - 1]))
            continue;
        put_chars(o, c, cur, p);
        cur = p;
        size_t keep = 0, na = 0;
        while (keep < depth && v[stack[keep]].end > p)
            keep++;
        for (size_t j = keep; j < depth; j++) { /* in opening order: outer first */
            ovl__out_puts(o, "</mark>");
            if (v[stack[j]].end > p)
                again[na++] = stack[j];
        }
        depth = keep;
        if (p >= n)
            break;
        for (size_t j = 0; j < na; j++) {
            open_mark(o, r, &v[again[j]], 0);
            stack[depth++] = again[j];
        }
        for (; next < m && v[next].start <= p; next++) {
            if (v[next].end <= p)
                continue; /* empty: not shown */
            open_mark(o, r, &v[next], 1);
            stack[depth++] = next;
        }
    }
    while (depth > 0) {
        ovl__out_puts(o, "</mark>");
        depth--;
    }
    put_chars(o, c, cur, n);
    free(bd), free(stack), free(again);
    return OVL_OK;
}

/* The pieces of item k that moved inside it (a passage whose sentences were shuffled): where
 * each lies on both sides and how it starts in the document. */
static void put_moves(ovl__out *o, const ovl_report *r, size_t k)
{
    size_t lo = 0, hi = r->npieces;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->pieces[mid].passage < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    const ovl_text *ca = ovl_doc_text(r->docs[r->items[k].a].doc);
    int open = 0;
    for (size_t i = lo; i < r->npieces && r->pieces[i].passage == k; i++) {
        const ovl_piece *pc = &r->pieces[i];
        if (!pc->moved)
            continue;
        if (!open++)
            ovl__out_puts(o, "<ul class=\"moves\">\n");
        ovl__out_printf(o, "<li>moved: document lines %u-%u, source lines %u-%u: ",
                        pc->a.line_start, pc->a.line_end, pc->b.line_start, pc->b.line_end);
        uint64_t e = pc->a.char_end - pc->a.char_start > 48 ? pc->a.char_start + 48
                                                             : pc->a.char_end;
        put_inline(o, ca, pc->a.char_start, e);
        ovl__out_puts(o, e < pc->a.char_end ? "\xE2\x80\xA6</li>\n" : "</li>\n");
    }
    if (open)
        ovl__out_puts(o, "</ul>\n");
}

/* The source side of passage h in the pane: some context, then the passage marked with the
 * edits inside (deleted: only in the document; inserted: only in the source). */
static int put_source_block(ovl_ctx *ctx, ovl__out *o, const ovl_report *r, const hl *h)
{
    const struct ovl_report_item *it = &r->items[h->k];
    const ovl_doc *da = r->docs[it->a].doc, *db = r->docs[it->b].doc;
    const ovl_passage *p = &it->p;
    const ovl_text *ca = ovl_doc_text(da), *cb = ovl_doc_text(db);
    uint64_t nbch = ovl_text_length(ovl_doc_text(db));
    ovl__cedit *ed = NULL;
    size_t ne = 0;
    int rc = ovl__passage_edits(ctx, da, db, p, &ed, &ne);
    if (rc != OVL_OK)
        return rc;
    ovl__out_printf(o, "<div class=\"src\" id=\"s%zu\" hidden>\n<h3>passage %zu" DOT "[%d] ", h->k,
                    h->n, it->b);
    put_esc(o, r->docs[it->b].path);
    ovl__out_printf(o, DOT "lines %u-%u" DOT "similarity %.2f%s</h3>\n",
                    p->b.line_start, p->b.line_end, fin(p->similarity), p->moved ? DOT "moved" : "");
    put_moves(o, r, h->k);
    ovl__out_puts(o, "<div class=\"stext\">");
    uint64_t s = p->b.char_start > CONTEXT ? p->b.char_start - CONTEXT : 0;
    uint64_t e = p->b.char_end + CONTEXT < nbch ? p->b.char_end + CONTEXT : nbch;
    /* The context starts and ends at paragraph edges when one lies within reach. */
    const ovl_segments *sg = ovl_doc_segments(db);
    const ovl_range *para = ovl_segments_paragraphs(sg);
    size_t np = ovl_segments_paragraph_count(sg);
    int cut_s = s > 0, cut_e = e < nbch;
    uint64_t e0 = e;
    for (size_t i = 0; i < np && (cut_s || cut_e); i++) {
        if (cut_s && para[i].start >= s && para[i].start <= p->b.char_start)
            s = para[i].start, cut_s = 0;
        if (cut_e && para[i].end <= e0 && para[i].end >= p->b.char_end)
            e = para[i].end; /* the last such end wins: most context */
    }
    if (cut_e && e < e0)
        cut_e = 0;
    ovl__out_printf(o, "<span class=\"ctx\">%s", cut_s ? "\xE2\x80\xA6" : "");
    put_chars(o, cb, s, p->b.char_start);
    ovl__out_printf(o, "</span><mark class=\"hl s%d%s\" id=\"p%zub\" data-pair=\"%zu\" "
                       "data-side=\"b\" data-n=\"%zu\" tabindex=\"0\">",
                    h->color, p->moved ? " moved" : "", h->k, h->k, h->n);
    uint64_t shown = p->b.char_start;
    for (size_t i = 0; i < ne; i++) {
        const ovl__cedit *x = &ed[i];
        if (x->op == OVL_EDIT_DELETE) {
            ovl__out_puts(o, "<del>");
            put_inline(o, ca, x->a_start, x->a_end);
            ovl__out_puts(o, "</del>");
            continue;
        }
        if (x->b_start > shown)
            put_chars(o, cb, shown, x->b_start);
        ovl__out_puts(o, x->op == OVL_EDIT_INSERT ? "<ins>" : "");
        put_chars(o, cb, x->b_start, x->b_end);
        ovl__out_puts(o, x->op == OVL_EDIT_INSERT ? "</ins>" : "");
        shown = x->b_end > shown ? x->b_end : shown;
    }
    if (p->b.char_end > shown)
        put_chars(o, cb, shown, p->b.char_end);
    ovl__out_puts(o, "</mark><span class=\"ctx\">");
    put_chars(o, cb, p->b.char_end > shown ? p->b.char_end : shown, e);
    ovl__out_printf(o, "%s</span></div>\n</div>\n", cut_e ? "\xE2\x80\xA6" : "");
    free(ed);
    return OVL_OK;
}

static void put_fig(ovl__out *o, const char *name, double ratio, uint64_t part, uint64_t whole)
{
    ovl__out_printf(o, "<tr><td>%s</td><td class=\"n\">%.2f%%</td><td class=\"n\">%llu / %llu"
                       "</td></tr>\n",
                    name, pct(ratio), (unsigned long long)part, (unsigned long long)whole);
}

/* The head of a document's section: headline ratio, the other figures, its sources with
 * their shares (the first screen), its sections folded. */
static void put_doc_summary(ovl__out *o, const ovl_report *r, const ovl_report_opts *opts, int d,
                            const ovl_doc_stats *st, const ovl__detail *dt, const size_t *first)
{
    const ovl_doc_stats *s = &st[d];
    ovl__out_printf(o, "<div class=\"summary\">\n<h2>[%d] ", d);
    put_esc(o, r->docs[d].path);
    ovl__out_printf(o, "</h2>\n<div class=\"head\"><div class=\"big\">%.2f%%</div><div class=\"meta\">reused"
                       DOT "%llu of %llu characters" DOT "%zu source%s</div>\n",
                    pct(s->reuse_ratio), (unsigned long long)s->reused_chars,
                    (unsigned long long)s->chars, dt->nshares, dt->nshares == 1 ? "" : "s");
    ovl__out_puts(o, "<table class=\"figs\">\n");
    if (dt->nshares)
        put_fig(o, "largest source", dt->shares[0].ratio, dt->shares[0].chars, s->chars);
    put_fig(o, "without quotations", s->ratio_without_quotes, s->reused_chars - s->quoted_reused,
            s->chars - s->quoted_chars);
    put_fig(o, "without references", s->ratio_without_references,
            s->reused_chars - s->reference_reused, s->chars - s->reference_chars);
    if (opts->exclude_quotes || opts->exclude_refs)
        put_fig(o, "counted", s->counted_ratio, s->counted_reused, s->counted_chars);
    ovl__out_puts(o, "</table></div>\n<table class=\"t sources\">\n<tr><th>#</th><th>source</th>"
                     "<th class=\"n\">characters</th><th>share</th></tr>\n");
    for (size_t j = 0; j < dt->nshares; j++) {
        const ovl_source_share *x = &dt->shares[j];
        ovl__out_printf(o, "<tr data-src=\"%d\"", x->doc);
        if (first && first[j] != SIZE_MAX)
            ovl__out_printf(o, " data-first=\"%zu\"", first[j]);
        ovl__out_printf(o, "><td><span class=\"sw s%zu\"></span>%zu</td><td class=\"path\">[%d] ",
                        j, j + 1, x->doc);
        put_esc(o, r->docs[x->doc].path);
        ovl__out_printf(o, "</td><td class=\"n\">%llu</td><td class=\"n\"><span class=\"bar\">"
                           "<span class=\"s%zu\" style=\"width:%.2f%%\"></span></span>%.2f%%"
                           "</td></tr>\n",
                        (unsigned long long)x->chars, j, pct(x->ratio), pct(x->ratio));
    }
    ovl__out_puts(o, "</table>\n");
    if (dt->nsections) {
        ovl__out_printf(o, "<details class=\"sections\" open><summary>%zu sections</summary>\n"
                           "<div class=\"scroll\"><table class=\"t\">\n<tr><th>section</th><th class=\"n\">characters"
                           "</th><th class=\"n\">reused</th><th class=\"n\">ratio</th></tr>\n",
                        dt->nsections);
        for (size_t k = 0; k < dt->nsections; k++) {
            const ovl_section_stats *x = &dt->sections[k];
            ovl__out_puts(o, "<tr><td>");
            put_esc(o, x->title[0] ? x->title : "(before the first heading)");
            ovl__out_printf(o, "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td>"
                               "<td class=\"n\">%.2f%%</td></tr>\n",
                            (unsigned long long)(x->char_end - x->char_start),
                            (unsigned long long)x->reused_chars, pct(x->ratio));
        }
        ovl__out_puts(o, "</table></div></details>\n");
    }
    ovl__out_puts(o, "</div>\n");
}

/* One document the report is about: summary, then its text and the source pane. */
static int put_doc(ovl_ctx *ctx, ovl__out *o, const ovl_report *r, const ovl_report_opts *opts,
                   int d, const ovl_doc_stats *st, const ovl__detail *dt, hl *v, int *color,
                   size_t *first)
{
    size_t m = 0;
    for (size_t j = 0; j < dt->nshares; j++) {
        color[dt->shares[j].doc] = (int)j;
        first[j] = SIZE_MAX;
    }
    for (size_t k = 0; k < r->nitems; k++) {
        const struct ovl_report_item *it = &r->items[k];
        if (it->a != d || it->p.a.char_end <= it->p.a.char_start)
            continue;
        v[m++] = (hl){it->p.a.char_start, it->p.a.char_end, k, 0, color[it->b]};
    }
    qsort(v, m, sizeof *v, hl_cmp);
    for (size_t i = 0; i < m; i++) {
        v[i].n = i + 1;
        if (first[v[i].color] == SIZE_MAX)
            first[v[i].color] = v[i].k;
    }
    ovl__out_printf(o, "<section class=\"doc\" id=\"d%d\">\n", d);
    put_doc_summary(o, r, opts, d, st, dt, first);
    int rc = OVL_OK;
    if (!opts->stat) {
        ovl__out_printf(o, "<div class=\"cols\">\n<div class=\"text\" id=\"t%d\">", d);
        rc = put_marked_text(o, r, d, v, m);
        ovl__out_puts(o, "</div>\n<aside class=\"pane\">\n<p class=\"hint\">Click a marked passage"
                         " to see the source text here, with its edits: <del>only in this "
                         "document</del> <ins>only in the source</ins>.</p>\n");
        for (size_t i = 0; i < m && rc == OVL_OK && !o->err; i++)
            rc = put_source_block(ctx, o, r, &v[i]);
        ovl__out_puts(o, "</aside>\n</div>\n");
    }
    ovl__out_puts(o, "</section>\n");
    if (rc == OVL_ERR_NOMEM)
        rc = ovl__fail(ctx, rc, -1, "out of memory writing HTML");
    return rc;
}

/* Every document's figures, folded at the end (the sources of check among them). */
static void put_all_docs(ovl__out *o, const ovl_report *r, const ovl_doc_stats *st)
{
    ovl__out_printf(o, "<section class=\"doc\"><details><summary>all %zu documents</summary>\n"
                       "<table class=\"t docs\">\n<tr><th>#</th><th>document</th><th>encoding</th>"
                       "<th class=\"n\">chars</th><th class=\"n\">reused</th><th class=\"n\">ratio"
                       "</th></tr>\n", r->ndocs);
    for (size_t d = 0; d < r->ndocs; d++) {
        ovl__out_printf(o, "<tr><td class=\"n\">%zu</td><td class=\"path\">", d);
        put_esc(o, r->docs[d].path);
        ovl__out_puts(o, "</td><td>");
        put_esc(o, ovl_text_encoding(ovl_doc_text(r->docs[d].doc)));
        ovl__out_printf(o, "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td>"
                           "<td class=\"n\">%.2f%%</td></tr>\n",
                        (unsigned long long)st[d].chars, (unsigned long long)st[d].reused_chars,
                        pct(st[d].reuse_ratio));
    }
    ovl__out_puts(o, "</table></details></section>\n");
}

int ovl__report_html(ovl_ctx *ctx, const ovl_report *r, const ovl_report_opts *opts,
                     const ovl_doc_stats *st, const ovl__detail *dt, ovl__out *o)
{
    size_t maxsh = 1;
    for (size_t d = 0; d < r->ndocs; d++)
        if (dt[d].nshares > maxsh)
            maxsh = dt[d].nshares;
    hl *v = malloc((r->nitems + 1) * sizeof *v);
    int *color = calloc(r->ndocs + 1, sizeof *color);
    size_t *first = malloc((maxsh + 1) * sizeof *first);
    if (!v || !color || !first) {
        free(v), free(color), free(first);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory writing HTML");
    }
    ovl__out_puts(o, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                     "style-src 'unsafe-inline'; script-src '" OVL_HTML_JS_SHA256 "'; "
                     "base-uri 'none'; form-action 'none'\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    ovl__out_printf(o, "<meta name=\"generator\" content=\"overlap %s\">\n", ovl_version());
    ovl__out_puts(o, "<title>overlap report</title>\n<style>\n");
    ovl__out_puts(o, CSS);
    put_colors(o, maxsh);
    ovl__out_printf(o, "</style>\n</head>\n<body data-ovl-passages=\"%zu\">\n", r->nitems);
    ovl__out_printf(o, "<header><h1>overlap report</h1><p class=\"meta\">overlap %s" DOT
                       "%zu document%s" DOT "%zu passage%s",
                    ovl_version(), r->ndocs, r->ndocs == 1 ? "" : "s", r->nitems,
                    r->nitems == 1 ? "" : "s");
    if (opts->exclude_quotes || opts->exclude_refs)
        ovl__out_printf(o, DOT "counted without %s%s%s", opts->exclude_quotes ? "quotations" : "",
                        opts->exclude_quotes && opts->exclude_refs ? " and " : "",
                        opts->exclude_refs ? "references" : "");
    ovl__out_puts(o, "</p></header>\n<main>\n");
    int rc = OVL_OK;
    for (size_t d = 0; d < r->ndocs && rc == OVL_OK && !o->err; d++)
        if (dt[d].subject)
            rc = put_doc(ctx, o, r, opts, (int)d, st, &dt[d], v, color, first);
    if (rc == OVL_OK) {
        put_all_docs(o, r, st);
        ovl__out_puts(o, "</main>\n<script>");
        ovl__out_puts(o, JS);
        ovl__out_puts(o, "</script>\n</body>\n</html>\n");
    }
    free(v), free(color), free(first);
    return rc;
}
