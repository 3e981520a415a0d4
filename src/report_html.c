/* report_html.c - self-contained HTML report: summary, then each pair's documents side by side with paired highlights. */
#include "report_int.h"

#include <math.h>

#define NCOLORS 8

static const char CSS[] =
    "body{font:15px/1.65 system-ui,\"Noto Sans CJK SC\",\"PingFang SC\",\"Microsoft YaHei\","
    "sans-serif;margin:0;color:#222;background:#f6f6f6}\n"
    "header,section{padding:10px 20px}\n"
    "h1{font-size:20px;margin:6px 0}h2{font-size:16px;margin:8px 0}h3{font-size:14px;margin:4px 0}\n"
    "table.docs{border-collapse:collapse;background:#fff}table.pairs{margin-top:10px}\n"
    "table.docs th,table.docs td{border:1px solid #ccc;padding:2px 8px;text-align:left}\n"
    "table.docs td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "section.pair{border-top:2px solid #ccc}\n"
    "ol.plist{margin:4px 0 10px;padding-left:28px}\n"
    "ol.plist a{color:inherit;text-decoration:none;padding:0 4px;border-radius:3px}\n"
    ".cols{display:flex;gap:12px;align-items:flex-start}\n"
    ".col{flex:1 1 0;min-width:0}\n"
    ".text{white-space:pre-wrap;overflow-wrap:anywhere;background:#fff;border:1px solid #ccc;"
    "padding:8px 10px;max-height:80vh;overflow:auto}\n"
    "mark.hl{color:inherit;cursor:pointer;border-radius:2px}\n"
    "mark.hl.moved{text-decoration:underline dotted}\n"
    ".c0{background:#ffe08a}.c1{background:#a8e6a3}.c2{background:#9fd3ff}.c3{background:#f5b3e6}\n"
    ".c4{background:#ffc29f}.c5{background:#c9b8ff}.c6{background:#9ff0e6}.c7{background:#e0e08f}\n"
    ".flash{animation:ovlflash 1.4s ease-out}\n"
    "@keyframes ovlflash{0%,50%{outline:3px solid #c00;outline-offset:1px}"
    "100%{outline:3px solid transparent;outline-offset:1px}}\n";

/* Clicking a highlight scrolls its partner into view and flashes both; the list entries do
 * the same for their passage. The ready marker and pair count let tests see the script ran. */
static const char JS[] =
    "(function () {\n"
    "  \"use strict\";\n"
    "  function el(k, side) { return document.getElementById(\"p\" + k + side); }\n"
    "  function flash(e) {\n"
    "    e.classList.remove(\"flash\");\n"
    "    void e.offsetWidth;\n"
    "    e.classList.add(\"flash\");\n"
    "  }\n"
    "  function show(e) { e.scrollIntoView({block: \"center\", inline: \"nearest\"}); flash(e); }\n"
    "  var marks = document.querySelectorAll(\"mark[data-pair]\");\n"
    "  var pairs = 0;\n"
    "  Array.prototype.forEach.call(marks, function (m) {\n"
    "    var k = m.getAttribute(\"data-pair\"), side = m.getAttribute(\"data-side\");\n"
    "    var other = el(k, side === \"a\" ? \"b\" : \"a\");\n"
    "    if (side === \"a\" && other) pairs++;\n"
    "    m.addEventListener(\"click\", function () {\n"
    "      if (other) { show(other); flash(m); }\n"
    "    });\n"
    "    m.addEventListener(\"animationend\", function () { m.classList.remove(\"flash\"); });\n"
    "  });\n"
    "  Array.prototype.forEach.call(document.querySelectorAll(\"a[data-goto]\"), function (a) {\n"
    "    a.addEventListener(\"click\", function (ev) {\n"
    "      var k = a.getAttribute(\"data-goto\"), x = el(k, \"a\"), y = el(k, \"b\");\n"
    "      ev.preventDefault();\n"
    "      if (x) show(x);\n"
    "      if (y) show(y);\n"
    "    });\n"
    "  });\n"
    "  document.body.setAttribute(\"data-ovl-pairs\", String(pairs));\n"
    "  document.body.setAttribute(\"data-ovl-ready\", \"1\");\n"
    "})();\n";

#define DOT " \xC2\xB7 "

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
static void put_chars(ovl__out *o, const uint32_t *c, uint64_t s, uint64_t e)
{
    for (uint64_t i = s; i < e; i++) {
        uint32_t cp = c[i];
        switch (cp) {
        case '&': ovl__out_puts(o, "&amp;"); break;
        case '<': ovl__out_puts(o, "&lt;"); break;
        case '>': ovl__out_puts(o, "&gt;"); break;
        case '"': ovl__out_puts(o, "&quot;"); break;
        case '\'': ovl__out_puts(o, "&#39;"); break;
        case '\r':
            if (i + 1 < e && c[i + 1] == '\n')
                break;
            ovl__out_puts(o, "\n");
            break;
        default: ovl__out_cp(o, ovl__report_visible(cp));
        }
    }
}

static double pct(double x) { return isfinite(x) ? x * 100.0 : 0.0; }

static void put_summary(ovl__out *o, const ovl_report *r, const ovl_report_opts *opts,
                        const ovl_doc_stats *st, const int *sources)
{
    int excl = opts->exclude_quotes || opts->exclude_refs;
    ovl__out_puts(o, "<header>\n<h1>overlap report</h1>\n<p class=\"meta\">");
    ovl__out_printf(o, "overlap %s" DOT "%zu document%s" DOT "%zu passage%s", ovl_version(),
                    r->ndocs, r->ndocs == 1 ? "" : "s", r->nitems, r->nitems == 1 ? "" : "s");
    if (excl)
        ovl__out_printf(o, DOT "counted without %s%s%s", opts->exclude_quotes ? "quotations" : "",
                        opts->exclude_quotes && opts->exclude_refs ? " and " : "",
                        opts->exclude_refs ? "references" : "");
    ovl__out_puts(o, "</p>\n<table class=\"docs\">\n<tr><th>#</th><th>document</th><th>encoding</th>"
                     "<th>chars</th><th>reused</th><th>ratio</th>");
    if (excl)
        ovl__out_puts(o, "<th>counted chars</th><th>counted reused</th><th>counted ratio</th>");
    ovl__out_puts(o, "<th>largest source</th></tr>\n");
    for (size_t d = 0; d < r->ndocs; d++) {
        ovl__out_printf(o, "<tr><td class=\"n\">%zu</td><td>", d);
        put_esc(o, r->docs[d].path);
        ovl__out_puts(o, "</td><td>");
        put_esc(o, ovl_text_encoding(ovl_doc_text(r->docs[d].doc)));
        ovl__out_printf(o, "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td>"
                           "<td class=\"n\">%.2f%%</td>",
                        (unsigned long long)st[d].chars, (unsigned long long)st[d].reused_chars,
                        pct(st[d].reuse_ratio));
        if (excl)
            ovl__out_printf(o, "<td class=\"n\">%llu</td><td class=\"n\">%llu</td>"
                               "<td class=\"n\">%.2f%%</td>",
                            (unsigned long long)st[d].counted_chars,
                            (unsigned long long)st[d].counted_reused, pct(st[d].counted_ratio));
        ovl__out_puts(o, "<td>");
        if (sources[d] > 1) {
            ovl__out_printf(o, "[%d] ", st[d].top_source);
            put_esc(o, r->docs[st[d].top_source].path);
            ovl__out_printf(o, " %.2f%%", pct(st[d].top_source_ratio));
        }
        ovl__out_puts(o, "</td></tr>\n");
    }
    ovl__out_puts(o, "</table>\n");
    /* The pair records: one row per pair of documents that share passages. */
    ovl__out_puts(o, "<table class=\"docs pairs\">\n<tr><th>A</th><th>B</th><th>passages</th>"
                     "<th>A reused</th><th>A ratio</th><th>B reused</th><th>B ratio</th>"
                     "<th>top similarity</th></tr>\n");
    for (size_t i = 0; i < r->nitems;) {
        size_t j = i;
        int a = r->items[i].a, b = r->items[i].b;
        while (j < r->nitems && r->items[j].a == a && r->items[j].b == b)
            j++;
        ovl_passage *run = malloc((j - i) * sizeof *run);
        ovl_pair_stats ps;
        memset(&ps, 0, sizeof ps);
        for (size_t x = i; run && x < j; x++)
            run[x - i] = r->items[x].p;
        if (run)
            ovl_pair_stats_compute(a, b, run, j - i, st[a].chars, st[b].chars, &ps);
        free(run);
        uint64_t ra = ps.a_reused_chars, rb = ps.b_reused_chars;
        double top = ps.top_similarity;
        uint64_t ea = st[a].chars, eb = st[b].chars;
        ovl__out_printf(o, "<tr><td>[%d] ", a);
        put_esc(o, r->docs[a].path);
        ovl__out_printf(o, "</td><td>[%d] ", b);
        put_esc(o, r->docs[b].path);
        ovl__out_printf(o, "</td><td class=\"n\">%zu</td><td class=\"n\">%llu</td><td class=\"n\">"
                           "%.2f%%</td><td class=\"n\">%llu</td><td class=\"n\">%.2f%%</td>"
                           "<td class=\"n\">%.2f</td></tr>\n",
                        j - i, (unsigned long long)ra, pct(ea ? (double)ra / (double)ea : 0.0),
                        (unsigned long long)rb, pct(eb ? (double)rb / (double)eb : 0.0),
                        isfinite(top) ? top : 0.0);
        i = j;
    }
    ovl__out_puts(o, "</table>\n</header>\n");
}

/* A passage side placed in a document column. */
typedef struct hl {
    uint64_t start, end;
    size_t k;           /* passage number (report order) */
} hl;

static int hl_cmp(const void *x, const void *y)
{
    const hl *a = x, *b = y;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return (a->k > b->k) - (a->k < b->k);
}

/* One document column. Highlights may overlap on a side (the aligner does not promise
 * otherwise); markup cannot, so a later one starts where the previous ended, and one fully
 * covered becomes an empty mark: every passage keeps exactly one element per side. */
static void put_column(ovl__out *o, const ovl_report *r, int doc, char side, hl *v, size_t m)
{
    const ovl_text *t = ovl_doc_text(r->docs[doc].doc);
    const uint32_t *c = ovl_text_chars(t);
    uint64_t n = ovl_text_length(t), cur = 0;
    qsort(v, m, sizeof *v, hl_cmp);
    ovl__out_printf(o, "<div class=\"col\"><h3>%c" DOT "[%d] ", side == 'a' ? 'A' : 'B', doc);
    put_esc(o, r->docs[doc].path);
    ovl__out_puts(o, "</h3><div class=\"text\">");
    for (size_t i = 0; i < m; i++) {
        uint64_t s = v[i].start < cur ? cur : v[i].start;
        uint64_t e = v[i].end < s ? s : v[i].end;
        const ovl_passage *p = &r->items[v[i].k].p;
        put_chars(o, c, cur, s);
        ovl__out_printf(o, "<mark id=\"p%zu%c\" class=\"hl c%zu%s\" data-pair=\"%zu\" "
                           "data-side=\"%c\" title=\"passage %zu" DOT "similarity %.2f\">",
                        v[i].k, side, v[i].k % NCOLORS, p->moved ? " moved" : "", v[i].k, side,
                        v[i].k + 1, isfinite(p->similarity) ? p->similarity : 0.0);
        put_chars(o, c, s, e);
        ovl__out_puts(o, "</mark>");
        cur = e;
    }
    put_chars(o, c, cur, n);
    ovl__out_puts(o, "</div></div>\n");
}

static int cmp_pair(const void *x, const void *y, const ovl_report *r)
{
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    const struct ovl_report_item *a = &r->items[i], *b = &r->items[j];
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    if (a->b != b->b)
        return a->b < b->b ? -1 : 1;
    return (i > j) - (i < j);
}

/* qsort has no context argument, so a small stable merge sort carries the report. */
static void sort_idx(size_t *v, size_t *tmp, size_t n, const ovl_report *r)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    sort_idx(v, tmp, h, r);
    sort_idx(v + h, tmp, n - h, r);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = cmp_pair(&v[j], &v[i], r) < 0 ? v[j++] : v[i++];
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

typedef struct group {
    size_t first;       /* index into the sorted item list */
    size_t count;
} group;

static int group_cmp(const void *x, const void *y, const size_t *idx)
{
    size_t a = idx[((const group *)x)->first], b = idx[((const group *)y)->first];
    return (a > b) - (a < b);
}

static void sort_groups(group *g, size_t n, const size_t *idx)
{
    /* Few groups relative to passages; insertion sort keeps it simple and stable. */
    for (size_t i = 1; i < n; i++) {
        group x = g[i];
        size_t j = i;
        while (j > 0 && group_cmp(&g[j - 1], &x, idx) > 0) {
            g[j] = g[j - 1];
            j--;
        }
        g[j] = x;
    }
}

static void put_pair(ovl__out *o, const ovl_report *r, const size_t *idx, size_t gi,
                     const group *g, hl *buf)
{
    const struct ovl_report_item *first = &r->items[idx[g->first]];
    int da = first->a, db = first->b;
    ovl__out_printf(o, "<section class=\"pair\" id=\"pair-%zu\">\n<h2>[%d] ", gi, da);
    put_esc(o, r->docs[da].path);
    ovl__out_printf(o, " ~ [%d] ", db);
    put_esc(o, r->docs[db].path);
    ovl__out_printf(o, DOT "%zu passage%s</h2>\n<ol class=\"plist\">\n", g->count,
                    g->count == 1 ? "" : "s");
    for (size_t i = 0; i < g->count; i++) {
        size_t k = idx[g->first + i];
        const ovl_passage *p = &r->items[k].p;
        ovl__out_printf(o, "<li><a href=\"#p%zua\" class=\"c%zu\" data-goto=\"%zu\">A %u-%u ~ B "
                           "%u-%u" DOT "%llu chars" DOT "similarity %.2f%s</a></li>\n",
                        k, k % NCOLORS, k, p->a.line_start, p->a.line_end, p->b.line_start,
                        p->b.line_end, (unsigned long long)(p->a.char_end - p->a.char_start),
                        isfinite(p->similarity) ? p->similarity : 0.0, p->moved ? DOT "moved" : "");
    }
    ovl__out_puts(o, "</ol>\n<div class=\"cols\">\n");
    for (int side = 0; side < 2; side++) {
        for (size_t i = 0; i < g->count; i++) {
            size_t k = idx[g->first + i];
            const ovl_span *s = side ? &r->items[k].p.b : &r->items[k].p.a;
            buf[i] = (hl){s->char_start, s->char_end, k};
        }
        put_column(o, r, side ? db : da, side ? 'b' : 'a', buf, g->count);
    }
    ovl__out_puts(o, "</div>\n</section>\n");
}

int ovl__report_html(ovl_ctx *ctx, const ovl_report *r, const ovl_report_opts *opts,
                     const ovl_doc_stats *st, const int *sources, const ovl__detail *dt,
                     ovl__out *o)
{
    size_t n = r->nitems;
    size_t *idx = malloc((n + 1) * sizeof *idx), *tmp = malloc((n + 1) * sizeof *tmp);
    group *groups = malloc((n + 1) * sizeof *groups);
    hl *buf = malloc((n + 1) * sizeof *buf);
    if (!idx || !tmp || !groups || !buf) {
        free(idx);
        free(tmp);
        free(groups);
        free(buf);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory writing HTML");
    }
    /* Pairs in the order their first passage was added; passages in report order within. */
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    sort_idx(idx, tmp, n, r);
    size_t ng = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && r->items[idx[j]].a == r->items[idx[i]].a &&
               r->items[idx[j]].b == r->items[idx[i]].b)
            j++;
        groups[ng++] = (group){i, j - i};
        i = j;
    }
    sort_groups(groups, ng, idx);

    ovl__out_puts(o, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    ovl__out_printf(o, "<meta name=\"generator\" content=\"overlap %s\">\n", ovl_version());
    ovl__out_puts(o, "<title>overlap report</title>\n<style>\n");
    ovl__out_puts(o, CSS);
    ovl__out_printf(o, "</style>\n</head>\n<body data-ovl-passages=\"%zu\">\n", n);
    put_summary(o, r, opts, st, sources);
    ovl__out_puts(o, "<main>\n");
    for (size_t g = 0; g < ng && !o->err; g++)
        put_pair(o, r, idx, g, &groups[g], buf);
    ovl__out_puts(o, "</main>\n<script>\n");
    ovl__out_puts(o, JS);
    ovl__out_puts(o, "</script>\n</body>\n</html>\n");
    free(idx);
    free(tmp);
    free(groups);
    free(buf);
    return OVL_OK;
}
