/* cmd_compare.c - `overlap compare A B`: the passages two documents share, as text, JSON or HTML. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static void help(FILE *f)
{
    fprintf(f, "usage: overlap compare A B [options]\n\n"
               "Reports every passage of A reused in B: positions on both sides, similarity,\n"
               "edits inline, moved passages marked. A or B may be - (standard input), or a\n"
               "record of a JSON lines corpus as a scan names it, FILE.jsonl#ID.\n"
               "Exit status: 0 no reuse, 1 reuse (with --fail-above: above the ratio), 2 trouble.\n\n"
               "options:\n"
               "  --format text|json|html|csv  report format (default text)\n"
               "  -o, --output FILE        write the report to FILE\n"
               "  --color auto|always|never  colour the text report (default auto: on a terminal)\n"
               CLI_REPORT_OPTS_HELP
               CLI_ALIGN_OPTS_HELP
               "  --exclude-quotes         leave quoted text out of the counted ratio\n"
               "  --exclude-refs           leave the reference list out of the counted ratio\n"
               "  --ignore PATH            text found in the files under PATH (templates, a\n"
               "                           journal's boilerplate, a licence) is not reuse; how much\n"
               "                           was left out is said on stderr (repeatable)\n"
               CLI_DOC_OPTS_HELP
               "  --encoding-a NAME, --encoding-b NAME  read A (B) as NAME; overrides --encoding\n"
               "\nexamples:\n"
               "  overlap compare a.txt b.txt\n"
               "  overlap compare a.txt b.txt --format html -o report.html\n"
               "  overlap compare a.txt b.txt -q --fail-above 0.1 || echo 'over a tenth reused'\n"
               "  overlap compare paper.txt - --ignore templates/ < copy.txt\n"
               "  overlap compare paper.txt copy.sjis.txt --encoding-b SHIFT_JIS\n");
}

int cmd_compare(int argc, char **argv)
{
    ovl_doc_opts dopts = OVL_DOC_OPTS_INIT;
    ovl_align_opts aopts = OVL_ALIGN_OPTS_INIT;
    ovl_report_opts ropts = OVL_REPORT_OPTS_INIT;
    cli_gate gate = CLI_GATE_INIT;
    const char *format = "text", *outpath = NULL, *color = "auto", *paths[2] = {NULL, NULL};
    const char *side_enc[2] = {NULL, NULL}; /* --encoding-a, --encoding-b */
    int npaths = 0;
    const char **ign = calloc((size_t)argc + 1, sizeof *ign);
    size_t nign = 0;
    if (!ign) {
        cli_error("out of memory");
        return CLI_EXIT_TROUBLE;
    }
    static const struct option longs[] = {
        CLI_HELP_LONGOPT, {"format", required_argument, NULL, O_FORMAT},
        {"output", required_argument, NULL, 'o'}, {"color", required_argument, NULL, O_COLOR},
        {"ignore", required_argument, NULL, O_IGNORE},
        {"exclude-quotes", no_argument, NULL, O_EXCLUDE_QUOTES},
        {"exclude-refs", no_argument, NULL, O_EXCLUDE_REFS}, CLI_ALIGN_LONGOPTS, CLI_DOC_LONGOPTS,
        CLI_REPORT_LONGOPTS, {"encoding-a", required_argument, NULL, CLI_O_CMD},
        {"encoding-b", required_argument, NULL, CLI_O_CMD + 1}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = cli_getopt(argc, argv, "ho:q", longs, "compare")) != -1) {
        switch (c) {
        case 'h': help(stdout); free(ign); return 0;
        case O_FORMAT: format = optarg; break;
        case 'o': outpath = optarg; break;
        case O_COLOR: color = optarg; break;
        case O_IGNORE: ign[nign++] = optarg; break;
        case O_EXCLUDE_QUOTES: ropts.exclude_quotes = 1; break;
        case O_EXCLUDE_REFS: ropts.exclude_refs = 1; break;
        case CLI_O_CMD: side_enc[0] = optarg; break;
        case CLI_O_CMD + 1: side_enc[1] = optarg; break;
        case 1:
            if (npaths == 2) {
                cli_error("compare: two documents, A and B (a third: '%s')", optarg);
                free(ign);
                return CLI_EXIT_TROUBLE;
            }
            paths[npaths++] = optarg; /* "-": standard input */
            break;
        default:
            if (c != '?' && (cli_align_opt(c, optarg, &aopts) || cli_doc_opt(c, optarg, &dopts) ||
                              cli_report_opt(c, optarg, &ropts, &gate)))
                break;
            free(ign);
            return CLI_EXIT_TROUBLE;
        }
    }
    if (npaths == 2 && strcmp(paths[0], "-") == 0 && strcmp(paths[1], "-") == 0) {
        cli_error("compare: standard input can be only one of A and B");
        free(ign);
        return CLI_EXIT_TROUBLE;
    }
    if (npaths != 2) {
        cli_error("compare: missing %s", npaths ? "B" : "A and B");
        help(stderr);
        free(ign);
        return CLI_EXIT_TROUBLE;
    }
    int fmt = ovl_format_parse(format);
    if (fmt < 0 || fmt == OVL_FORMAT_JSONL) {
        cli_error("compare: --format must be text, json, html or csv, not '%s'", format);
        free(ign);
        return CLI_EXIT_TROUBLE;
    }
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD)
    /* Two large documents are read and aligned through a few big arrays at a time. glibc
     * raises the size from which it maps a block on its own to that of the largest block
     * freed (the first file's read buffer), after which freed arrays below it stay in the
     * heap: fixed at its usual start, 22 MB less at the peak of two 10 MB documents. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_doc *docs[2] = {NULL, NULL};
    int status = CLI_EXIT_TROUBLE;
    ovl_report *rep = NULL;
    ovl_passage *ps = NULL;
    ovl_piece *pieces = NULL;
    size_t npieces = 0;
    size_t np = 0;
    ovl_doc **tpl = NULL;
    size_t ntpl = 0;
    ovl_span *ia = NULL, *ib = NULL;
    if (cli_load_templates(ctx, ign, nign, &dopts, &tpl, &ntpl) != 0)
        goto done;
    /* Both are read, so that each bad one is reported (as diff does). */
    int bad = 0;
    for (int k = 0; k < 2; k++) {
        ovl_doc_opts side = dopts;
        if (side_enc[k])
            side.decode.encoding = side_enc[k];
        if (cli_doc_load(ctx, paths[k], &side, &docs[k], NULL) != OVL_OK) {
            ovl_ctx_clear(ctx);
            bad = 1;
            continue;
        }
        cli_warn_replaced(paths[k], ovl_text_replaced(ovl_doc_text(docs[k])));
    }
    if (bad)
        goto done;
    /* The pieces of passages whose sentences moved, for the reports to show. */
    int rc = ovl_align_pieces(ctx, docs[0], docs[1], &aopts, &ps, &np, &pieces, &npieces);
    if (rc != OVL_OK) {
        cli_fail(NULL, ctx, rc);
        goto done;
    }
    if (ntpl) {
        size_t na = 0, nb = 0;
        uint64_t ca = 0, cb = 0;
        if ((rc = ovl_ignore_spans(ctx, docs[0], (const ovl_doc *const *)tpl, ntpl, &aopts, &ia, &na, &ca)) != OVL_OK ||
            (rc = ovl_ignore_spans(ctx, docs[1], (const ovl_doc *const *)tpl, ntpl, &aopts, &ib, &nb, &cb)) != OVL_OK) {
            cli_fail(NULL, ctx, rc);
            goto done;
        }
        ovl_passage *cut = NULL;
        size_t ncut = 0, touched = 0;
        if ((rc = ovl_ignore_cut(ctx, docs[0], docs[1], ps, np, ia, na, ib, nb, &aopts, &cut, &ncut,
                                 &touched)) != OVL_OK) {
            cli_fail(NULL, ctx, rc);
            goto done;
        }
        free(ps);
        ps = cut;
        np = ncut;
        free(pieces); /* they index the passages before the cut */
        pieces = NULL;
        npieces = 0;
        cli_error("compare: %llu characters of A and %llu of B found in the --ignore files; %zu "
                  "passage%s cut out of them", (unsigned long long)ca, (unsigned long long)cb, touched,
                  touched == 1 ? "" : "s");
    }
    rep = ovl_report_new();
    if (!rep || ovl_report_add_doc(rep, docs[0], paths[0]) < 0 ||
        ovl_report_add_doc(rep, docs[1], paths[1]) < 0 ||
        ovl_report_add_passages_pieces(rep, 0, 1, ps, np, pieces, npieces) != OVL_OK) {
        cli_error("compare: out of memory");
        goto done;
    }
    char params[512];
    int pn = snprintf(params, sizeof params,
             "{\"min_chars\":%u,\"min_words\":%u,\"mode\":\"%s\",\"min_score\":%.4f,"
             "\"fold_traditional\":%s,\"exclude_quotes\":%s,"
             "\"exclude_refs\":%s",
             aopts.min_cjk, aopts.min_words, aopts.reworded ? "reworded" : "exact", aopts.min_score,
             dopts.norm.fold_traditional ? "true" : "false",
             ropts.exclude_quotes ? "true" : "false", ropts.exclude_refs ? "true" : "false");
    /* The encodings asked for, when any was (each document's "encoding" is the one used). */
    for (int k = 0; k < 2; k++) {
        const char *e = side_enc[k] ? side_enc[k] : dopts.decode.encoding;
        if (e && strspn(e, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:") == strlen(e) &&
            strlen(e) < 64)
            pn += snprintf(params + pn, sizeof params - (size_t)pn, ",\"encoding_%c\":\"%s\"", 'a' + k, e);
    }
    snprintf(params + pn, sizeof params - (size_t)pn, "}");
    ropts.format = fmt;
    ropts.params_json = params;
    if (!(gate.quiet && !outpath) && cli_write_report("compare", ctx, rep, &ropts, outpath, color) != 0)
        goto done;
    double worst = 0;
    for (int d = 0; d < 2; d++) {
        ovl_doc_stats st;
        if (ovl_report_doc_stats(rep, d, &ropts, &st) == OVL_OK && st.reuse_ratio > worst)
            worst = st.reuse_ratio;
    }
    status = cli_gate_status(&gate, worst, np > 0);
done:
    ovl_report_free(rep);
    free(ps);
    free(pieces);
    free(ia);
    free(ib);
    for (size_t t = 0; t < ntpl; t++)
        ovl_doc_free(tpl[t]);
    free(tpl);
    free(ign);
    ovl_doc_free(docs[0]);
    ovl_doc_free(docs[1]);
    ovl_ctx_free(ctx);
    return status;
}
