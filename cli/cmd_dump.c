/* cmd_dump.c - `overlap dump`: how one document is decoded, normalized and segmented. */
#include "cli.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *f)
{
    fprintf(f, "usage: overlap dump FILE [--format text|json] [-o OUT]\n\n"
               "Shows the detected encoding and each paragraph with its line, byte and character\n"
               "ranges (ends exclusive, lines inclusive) and its normalized text.\n\n"
               "options:\n"
               "  --format text|json       output format (default text)\n"
               "  --sentences              also list sentences (text format)\n"
               "  -o, --output FILE        write to FILE instead of standard output\n" CLI_DOC_OPTS_HELP
               "\nexamples:\n"
               "  overlap dump paper.txt\n"
               "  overlap dump - --format json < paper.gb18030.txt\n");
}

int cmd_dump(int argc, char **argv)
{
    ovl_doc_opts dopts = OVL_DOC_OPTS_INIT;
    const char *format = "text", *outpath = NULL, *path = NULL;
    int sentences = 0;
    enum { O_SENTENCES = CLI_O_CMD };
    static const struct option longs[] = {
        CLI_HELP_LONGOPT, {"format", required_argument, NULL, O_FORMAT},
        {"output", required_argument, NULL, 'o'}, {"sentences", no_argument, NULL, O_SENTENCES},
        CLI_DOC_LONGOPTS, {NULL, 0, NULL, 0}};
    int c;
    while ((c = cli_getopt(argc, argv, "ho:", longs, "dump")) != -1) {
        switch (c) {
        case 'h': help(stdout); return 0;
        case O_FORMAT: format = optarg; break;
        case 'o': outpath = optarg; break;
        case O_SENTENCES: sentences = 1; break;
        case 1:
            if (path) {
                cli_error("dump: one FILE only (a second: '%s')", optarg);
                return CLI_EXIT_TROUBLE;
            }
            path = optarg;
            break;
        default:
            if (c != '?' && cli_doc_opt(c, optarg, &dopts))
                break;
            return CLI_EXIT_TROUBLE;
        }
    }
    if (!path) {
        cli_error("dump: missing FILE");
        help(stderr);
        return CLI_EXIT_TROUBLE;
    }
    int json = strcmp(format, "json") == 0;
    if (!json && strcmp(format, "text") != 0) {
        cli_error("dump: --format must be text or json, not '%s'", format);
        return CLI_EXIT_TROUBLE;
    }
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_doc *doc = NULL;
    if (cli_doc_load(ctx, path, &dopts, &doc, NULL) != OVL_OK) {
        ovl_ctx_free(ctx);
        return CLI_EXIT_TROUBLE;
    }
    const ovl_text *t = ovl_doc_text(doc);
    const ovl_norm *n = ovl_doc_norm(doc);
    const ovl_segments *sg = ovl_doc_segments(doc);
    const ovl_range *paras = ovl_segments_paragraphs(sg);
    size_t np = ovl_segments_paragraph_count(sg);
    cli_out co;
    if (cli_out_open(&co, outpath) != 0) {
        ovl_doc_free(doc);
        ovl_ctx_free(ctx);
        return CLI_EXIT_TROUBLE;
    }
    FILE *out = co.f;
    int status = 0;
    if (json) {
        json_t *root = json_object();
        json_object_set_new(root, "path", json_string(path));
        json_object_set_new(root, "encoding", json_string(ovl_text_encoding(t)));
        json_object_set_new(root, "bytes", json_integer((json_int_t)ovl_text_size(t)));
        json_object_set_new(root, "chars", json_integer((json_int_t)ovl_text_length(t)));
        if (ovl_text_replaced(t))
            json_object_set_new(root, "replaced", json_integer((json_int_t)ovl_text_replaced(t)));
        json_t *arr = json_array();
        for (size_t p = 0; p < np; p++) {
            json_t *o = json_object();
            char *txt = ovl_norm_utf8(n, ovl_norm_token_at(n, paras[p].start), ovl_norm_token_at(n, paras[p].end));
            json_object_set_new(o, "byte_start", json_integer((json_int_t)ovl_text_byte(t, paras[p].start)));
            json_object_set_new(o, "byte_end", json_integer((json_int_t)ovl_text_byte(t, paras[p].end)));
            json_object_set_new(o, "char_start", json_integer(paras[p].start));
            json_object_set_new(o, "char_end", json_integer(paras[p].end));
            json_object_set_new(o, "line_start", json_integer(ovl_text_line(t, paras[p].start)));
            json_object_set_new(o, "line_end", json_integer(ovl_text_line(t, paras[p].end - 1)));
            json_object_set_new(o, "text", json_string(txt ? txt : ""));
            free(txt);
            json_array_append_new(arr, o);
        }
        json_object_set_new(root, "paragraphs", arr);
        if (json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
            status = CLI_EXIT_TROUBLE;
        fputc('\n', out);
        json_decref(root);
    } else {
        cli_put_field(out, path);
        fprintf(out, ": %s, %llu bytes, %zu chars, %u lines, %zu paragraphs\n",
                ovl_text_encoding(t), (unsigned long long)ovl_text_size(t), ovl_text_length(t),
                ovl_text_line_count(t), np);
        if (ovl_text_replaced(t))
            fprintf(out, "replaced: %zu invalid sequences\n", ovl_text_replaced(t));
        const ovl_range *sents = ovl_segments_sentences(sg);
        size_t ns = ovl_segments_sentence_count(sg), si = 0;
        for (size_t p = 0; p < np; p++) {
            char *txt = ovl_norm_utf8(n, ovl_norm_token_at(n, paras[p].start), ovl_norm_token_at(n, paras[p].end));
            fprintf(out, "\n[%zu] lines %u-%u, bytes %llu-%llu, chars %u-%u\n%s\n", p + 1,
                    ovl_text_line(t, paras[p].start), ovl_text_line(t, paras[p].end - 1),
                    (unsigned long long)ovl_text_byte(t, paras[p].start),
                    (unsigned long long)ovl_text_byte(t, paras[p].end), paras[p].start, paras[p].end,
                    txt ? txt : "");
            free(txt);
            for (; sentences && si < ns && sents[si].start < paras[p].end; si++)
                fprintf(out, "  sentence chars %u-%u\n", sents[si].start, sents[si].end);
        }
    }
    if (cli_out_close(&co, status == 0) != 0) {
        cli_error("dump: %s: cannot write", outpath ? outpath : "standard output");
        status = CLI_EXIT_TROUBLE;
    }
    ovl_doc_free(doc);
    ovl_ctx_free(ctx);
    return status;
}
