/* cmd_compare.c - `overlap compare A B`: the passages two documents share, as text, JSON or HTML. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static void help(FILE *f)
{
    fprintf(f, "usage: overlap compare A B [options]\n\n"
               "Reports every passage of A reused in B: positions on both sides, similarity,\n"
               "edits inline, moved passages marked. A or B may be - (standard input).\n"
               "Exit status: 0 no reuse, 1 reuse, 2 trouble.\n\n"
               "options:\n"
               "  --format text|json|html  report format (default text)\n"
               "  -o, --output FILE        write the report to FILE\n"
               "  --color auto|always|never  colour the text report (default auto: on a terminal)\n"
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
               "  overlap compare paper.txt - --ignore templates/ < copy.txt\n"
               "  overlap compare paper.txt copy.sjis.txt --encoding-b SHIFT_JIS\n");
}

int cmd_compare(int argc, char **argv)
{
    ovl_doc_opts dopts = OVL_DOC_OPTS_INIT;
    ovl_align_opts aopts = OVL_ALIGN_OPTS_INIT;
    ovl_report_opts ropts = OVL_REPORT_OPTS_INIT;
    const char *format = "text", *outpath = NULL, *color = "auto", *paths[2] = {NULL, NULL}, *v;
    const char *side_enc[2] = {NULL, NULL}; /* --encoding-a, --encoding-b */
    int npaths = 0;
    const char **ign = calloc((size_t)argc + 1, sizeof *ign);
    size_t nign = 0;
    if (!ign) {
        cli_error("out of memory");
        return CLI_EXIT_TROUBLE;
    }
    for (int i = 1; i < argc;) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            help(stdout);
            free(ign);
            return 0;
        }
        if (cli_opt(argc, argv, &i, "--format", NULL, &v))
            format = v;
        else if (cli_opt(argc, argv, &i, "--output", "-o", &v))
            outpath = v;
        else if (cli_opt(argc, argv, &i, "--color", NULL, &v))
            color = v;
        else if (cli_align_opt(argc, argv, &i, &aopts))
            ;
        else if (cli_opt(argc, argv, &i, "--ignore", NULL, &v))
            ign[nign++] = v;
        else if (strcmp(argv[i], "--exclude-quotes") == 0)
            ropts.exclude_quotes = 1, i++;
        else if (strcmp(argv[i], "--exclude-refs") == 0)
            ropts.exclude_refs = 1, i++;
        else if (cli_doc_opt(argc, argv, &i, &dopts))
            ;
        else if (cli_opt(argc, argv, &i, "--encoding-a", NULL, &v))
            side_enc[0] = v;
        else if (cli_opt(argc, argv, &i, "--encoding-b", NULL, &v))
            side_enc[1] = v;
        else if (argv[i][0] == '-' && argv[i][1]) {
            cli_error("compare: unknown option '%s'", argv[i]);
            free(ign);
            return CLI_EXIT_TROUBLE;
        } else if (npaths < 2)
            paths[npaths++] = argv[i++]; /* "-": standard input */
        else {
            cli_error("compare: two documents, A and B");
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
        if (npaths == 1)
            cli_error("compare: missing B");
        help(stderr);
        free(ign);
        return CLI_EXIT_TROUBLE;
    }
    int fmt = ovl_format_parse(format);
    if (fmt < 0 || fmt == OVL_FORMAT_JSONL) {
        cli_error("compare: --format must be text, json or html, not '%s'", format);
        free(ign);
        return CLI_EXIT_TROUBLE;
    }
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_doc *docs[2] = {NULL, NULL};
    int status = CLI_EXIT_TROUBLE;
    ovl_report *rep = NULL;
    ovl_passage *ps = NULL;
    size_t np = 0;
    ovl_doc **tpl = NULL;
    size_t ntpl = 0;
    ovl_span *ia = NULL, *ib = NULL;
    if (cli_load_templates(ctx, ign, nign, &dopts, &tpl, &ntpl) != 0)
        goto done;
    for (int k = 0; k < 2; k++) {
        ovl_doc_opts side = dopts;
        if (side_enc[k])
            side.decode.encoding = side_enc[k];
        int rc = cli_doc_load(ctx, paths[k], &side, &docs[k]);
        if (rc != OVL_OK) {
            cli_fail(paths[k], ctx, rc);
            goto done;
        }
    }
    int rc = ovl_align(ctx, docs[0], docs[1], &aopts, &ps, &np);
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
        cli_error("compare: %llu characters of A and %llu of B found in the --ignore files; %zu "
                  "passage%s cut out of them", (unsigned long long)ca, (unsigned long long)cb, touched,
                  touched == 1 ? "" : "s");
    }
    rep = ovl_report_new();
    if (!rep || ovl_report_add_doc(rep, docs[0], paths[0]) < 0 ||
        ovl_report_add_doc(rep, docs[1], paths[1]) < 0 ||
        ovl_report_add_passages(rep, 0, 1, ps, np) != OVL_OK) {
        cli_error("compare: out of memory");
        goto done;
    }
    char params[512];
    int pn = snprintf(params, sizeof params,
             "{\"min_chars\":%u,\"min_words\":%u,\"fold_traditional\":%s,\"exclude_quotes\":%s,"
             "\"exclude_refs\":%s",
             aopts.min_cjk, aopts.min_words, dopts.norm.fold_traditional ? "true" : "false",
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
    if (cli_write_report("compare", ctx, rep, &ropts, outpath, color) != 0)
        goto done;
    status = np ? CLI_EXIT_FOUND : CLI_EXIT_NONE;
done:
    ovl_report_free(rep);
    free(ps);
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
