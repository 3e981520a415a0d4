/* cmd_check.c - `overlap check --db FILE DOC...`: passages of documents reused from an indexed corpus. */
#include "cli.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *f)
{
    fprintf(f, "usage: overlap check --db FILE DOC... [options]\n\n"
               "Finds the indexed documents each DOC reuses: its chunks' LSH band keys are looked up\n"
               "in the index, every candidate source is rebuilt from the bytes stored in the index\n"
               "(the original files need not exist) and aligned with DOC; DOC's own entry (same\n"
               "absolute path) is not a source. One report for all DOCs,\n"
               "in the formats and JSON schema of 'overlap compare' (passages: a = the checked\n"
               "document, b = the source). Exit status: 0 no reuse, 1 reuse (with --fail-above:\n"
               "a checked document above the ratio), 2 trouble.\n\n"
               "options:\n"
               "  --db FILE                the index ('overlap index add')\n"
               "  --format text|json|html|csv  report format (default text)\n"
               "  -o, --output FILE        write the report to FILE\n"
               "  --color auto|always|never  colour the text report (default auto: on a terminal)\n"
               "  --exclude-source GLOB    ignore sources whose stored (absolute) path matches GLOB\n"
               "                           (fnmatch, '*' also matches '/'; repeatable)\n"
               "  --exclude-meta KEY=VALUE ignore sources tagged KEY=VALUE (repeatable)\n"
               "  --include-meta KEY=VALUE check only against sources tagged KEY=VALUE\n"
               "                           (repeatable: any of the values given for one KEY,\n"
               "                           every KEY given)\n"
               "  --ignore PATH            text found in the files under PATH (templates, a\n"
               "                           journal's boilerplate) is not reuse (repeatable)\n"
               "  --exclude-quotes         leave quoted text out of the counted ratio\n"
               "  --exclude-refs           leave the reference list out of the counted ratio\n"
               CLI_REPORT_OPTS_HELP
               CLI_ALIGN_OPTS_HELP
               "  --max-df N               skip band keys found in more than N documents as\n"
               "                           boilerplate (default 50; 0: no limit)\n"
               "  --max-sources N          align each DOC with at most the N candidates with most\n"
               "                           band collisions (default 100; 0: no limit)\n"
               "  -j, --jobs N             threads rebuilding and aligning sources (default: the\n"
               "                           cores it may use; the report is the same for any N)\n"
               CLI_DOC_OPTS_HELP CLI_INPUT_OPTS_HELP
               "  Fingerprint options (--seed, --shingle, ... see 'overlap index --help') are taken\n"
               "  from the index; given, they must match it.\n"
               "\nexamples:\n"
               "  overlap check --db papers.db submission.txt\n"
               "  overlap check --db papers.db --exclude-meta author=Li --format html -o r.html a.txt\n"
               "  overlap check --db papers.db --ignore template.txt - < submission.txt\n"
               "  overlap check --db papers.db --include-meta journal=JSS submission.txt\n");
}

int cmd_check(int argc, char **argv)
{
    ovl_doc_opts dopts = OVL_DOC_OPTS_INIT;
    ovl_check_opts co = OVL_CHECK_OPTS_INIT;
    ovl_report_opts ropts = OVL_REPORT_OPTS_INIT;
    cli_gate gate = CLI_GATE_INIT;
    ropts.with_text = 1; /* sources may exist only in the index: the report carries their text */
    ovl_fp_opts fp = OVL_FP_OPTS_INIT;
    unsigned given = 0;
    const char *format = "text", *outpath = NULL, *color = "auto", *db = NULL;
    char **paths = calloc((size_t)argc, sizeof *paths);
    const char **globs = calloc((size_t)argc, sizeof *globs);
    ovl_index_meta *emeta = calloc((size_t)argc, sizeof *emeta);
    ovl_index_meta *imeta = calloc((size_t)argc, sizeof *imeta);
    int npaths = 0, status = CLI_EXIT_TROUBLE, failed = 0;
    size_t nglobs = 0, nemeta = 0, nimeta = 0, nmcopies = 0, nread = 0, nskipped = 0;
    ovl_problem *skipped = NULL;
    char **skipmsg = NULL;
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_index *idx = NULL;
    ovl_doc **docs = NULL;
    char **selfs = NULL;
    const char **names = NULL;
    ovl_check_result *res = NULL;
    char *params = NULL;
    char **mcopies = calloc((size_t)argc, sizeof *mcopies);
    const char **ign = calloc((size_t)argc + 1, sizeof *ign);
    size_t nign = 0, ntpl = 0;
    ovl_doc **tpl = NULL;
    cli_inputs in = {0};
    ovl_corpus *recs = ovl_corpus_new(); /* the records of JSON lines files; names live here */
    size_t ndocs = 0;
    if (!paths || !globs || !emeta || !imeta || !ctx || !mcopies || !ign) {
        cli_error("check: out of memory");
        goto done;
    }
    enum { O_EXCL_SOURCE = CLI_O_CMD, O_EXCL_META, O_INCL_META, O_MAX_SOURCES };
    static const struct option longs[] = {
        CLI_HELP_LONGOPT, {"db", required_argument, NULL, O_DB},
        {"format", required_argument, NULL, O_FORMAT}, {"output", required_argument, NULL, 'o'},
        {"color", required_argument, NULL, O_COLOR}, {"ignore", required_argument, NULL, O_IGNORE},
        {"exclude-source", required_argument, NULL, O_EXCL_SOURCE},
        {"exclude-meta", required_argument, NULL, O_EXCL_META},
        {"include-meta", required_argument, NULL, O_INCL_META},
        {"max-df", required_argument, NULL, O_MAX_DF},
        {"max-sources", required_argument, NULL, O_MAX_SOURCES},
        {"jobs", required_argument, NULL, 'j'}, {"exclude-quotes", no_argument, NULL, O_EXCLUDE_QUOTES},
        {"exclude-refs", no_argument, NULL, O_EXCLUDE_REFS}, CLI_ALIGN_LONGOPTS, CLI_DOC_LONGOPTS,
        CLI_FP_LONGOPTS, CLI_REPORT_LONGOPTS, CLI_INPUT_LONGOPTS, {NULL, 0, NULL, 0}};
    int c;
    while ((c = cli_getopt(argc, argv, "ho:j:q", longs, "check")) != -1) {
        const char *v = optarg;
        switch (c) {
        case 'h':
            help(stdout);
            status = 0;
            goto done;
        case O_DB: db = v; break;
        case O_FORMAT: format = v; break;
        case 'o': outpath = v; break;
        case O_COLOR: color = v; break;
        case O_IGNORE: ign[nign++] = v; break;
        case O_EXCL_SOURCE: globs[nglobs++] = v; break;
        case O_EXCL_META:
        case O_INCL_META: {
            const char *eq = strchr(v, '=');
            if (!eq || eq == v) {
                cli_error("check: --%s-meta wants KEY=VALUE, not '%s'", c == O_EXCL_META ? "exclude" : "include", v);
                goto done;
            }
            if (!(mcopies[nmcopies] = strdup(v))) {
                cli_error("check: out of memory");
                goto done;
            }
            char *k = mcopies[nmcopies++];
            k[eq - v] = '\0';
            ovl_index_meta *m = c == O_EXCL_META ? &emeta[nemeta++] : &imeta[nimeta++];
            m->key = k;
            m->value = k + (eq - v) + 1;
            break;
        }
        case O_MAX_DF: co.max_df = (unsigned)cli_ulong("--max-df", v, 0, 1000000000); break;
        case O_MAX_SOURCES: co.max_sources = (unsigned)cli_ulong("--max-sources", v, 0, 1000000000); break;
        case 'j': co.threads = (unsigned)cli_ulong("--jobs", v, 1, 1024); break;
        case O_EXCLUDE_QUOTES: ropts.exclude_quotes = 1; break;
        case O_EXCLUDE_REFS: ropts.exclude_refs = 1; break;
        case 1: paths[npaths++] = (char *)v; break;
        default:
            if (c != '?' && (cli_align_opt(c, v, &co.align) || cli_doc_opt(c, v, &dopts) || cli_input_opt(c, v, &in) ||
                             cli_fp_opt(c, v, &fp, &given, "check") ||
                             cli_report_opt(c, v, &ropts, &gate)))
                break;
            goto done;
        }
    }
    if (!db || npaths == 0) {
        if (!db)
            cli_error("check: --db FILE is required");
        else
            cli_error("check: missing DOC");
        help(stderr);
        goto done;
    }
    int fmt = ovl_format_parse(format);
    if (fmt < 0 || fmt == OVL_FORMAT_JSONL) {
        cli_error("check: --format must be text, json, html or csv, not '%s'", format);
        goto done;
    }
    int rc = cli_index_open(ctx, db, 0, 1, &fp, given, &dopts, &idx);
    if (rc != OVL_OK) {
        cli_fail(NULL, ctx, rc);
        goto done;
    }
    /* Checked documents are read with the index's normalization, so tokens line up. */
    ovl_doc_opts iopts;
    ovl_index_params(idx, NULL, &iopts);
    iopts.decode = dopts.decode;
    /* Each record of a JSON lines file is a document, named FILE#ID. */
    ovl_walk_opts wo = OVL_WALK_OPTS_INIT;
    cli_inputs_walk(&in, &wo);
    rc = recs ? OVL_OK : OVL_ERR_NOMEM;
    for (int d = 0; rc == OVL_OK && d < npaths; d++)
        if (ovl_jsonl_kind(paths[d]) != OVL_JSONL_NONE)
            rc = ovl_corpus_add_path(ctx, recs, paths[d], &wo);
    if (rc != OVL_OK) {
        cli_fail(NULL, ctx, rc);
        goto done;
    }
    ndocs = (size_t)npaths + ovl_corpus_count(recs);
    size_t nprob = ovl_corpus_problem_count(recs);
    docs = calloc(ndocs, sizeof *docs);
    skipped = calloc(ndocs + nprob, sizeof *skipped);
    skipmsg = calloc(ndocs + nprob, sizeof *skipmsg);
    selfs = calloc(ndocs, sizeof *selfs);
    names = calloc(ndocs, sizeof *names);
    if (!docs || !selfs || !names || !skipped || !skipmsg) {
        cli_error("check: out of memory");
        goto done;
    }
    /* Bad records (and JSON lines files that cannot be read) are skipped as files are. */
    for (size_t p = 0; p < nprob; p++) {
        const ovl_problem *pr = ovl_corpus_problem(recs, p);
        cli_path_msg(pr->path, "%s", pr->message);
        skipped[nskipped++] = *pr; /* its strings live in recs */
        failed = 1;
    }
    /* A document that cannot be read is reported and left out; the others are checked. */
    for (size_t d = 0; d < (size_t)npaths; d++) {
        if (ovl_jsonl_kind(paths[d]) != OVL_JSONL_NONE) {
            int again = 0;
            for (size_t e = 0; e < d; e++)
                again |= strcmp(paths[e], paths[d]) == 0;
            for (size_t r = 0; !again && r < ovl_corpus_count(recs); r++) {
                const char *file = NULL;
                if (!ovl_corpus_record(recs, r, &file, NULL, NULL) || strcmp(file, paths[d]) != 0)
                    continue;
                const char *name = ovl_corpus_name(recs, r);
                void *bytes = NULL;
                size_t len = 0;
                ovl_doc_opts ro = iopts;
                ro.decode.encoding = ovl_corpus_encoding(recs, r);
                rc = ovl_corpus_read(ctx, recs, r, &bytes, &len);
                if (rc == OVL_OK)
                    rc = ovl_doc_from_bytes(ctx, name, bytes, len, &ro, &docs[nread]);
                free(bytes);
                if (rc != OVL_OK) {
                    cli_fail(name, ctx, rc);
                    const char *m = ovl_ctx_message(ctx);
                    ovl_problem *pb = &skipped[nskipped];
                    pb->path = name;
                    pb->code = rc;
                    pb->offset = ovl_ctx_offset(ctx);
                    if (!(pb->message = skipmsg[nskipped] = strdup(m && *m ? m : ovl_strerror(rc)))) {
                        cli_error("check: out of memory");
                        goto done;
                    }
                    nskipped++;
                    ovl_ctx_clear(ctx);
                    failed = 1;
                    continue;
                }
                cli_warn_replaced(name, ovl_text_replaced(ovl_doc_text(docs[nread])));
                names[nread] = name;
                if (!(selfs[nread++] = ovl_index_abspath(name))) {
                    cli_error("check: out of memory");
                    goto done;
                }
            }
            continue;
        }
        ovl_doc_opts fo = iopts;
        if (cli_inputs_encoding(&in, paths[d]))
            fo.decode.encoding = cli_inputs_encoding(&in, paths[d]);
        cli_problem why;
        if (cli_doc_load(ctx, paths[d], &fo, &docs[nread], &why) != OVL_OK) {
            ovl_ctx_clear(ctx);
            ovl_problem *pb = &skipped[nskipped];
            pb->path = paths[d];
            pb->code = OVL_ERR_IO;
            pb->offset = why.offset;
            if (!(pb->message = skipmsg[nskipped] = strdup(why.message))) {
                cli_error("check: out of memory");
                goto done;
            }
            nskipped++;
            failed = 1;
            continue;
        }
        cli_warn_replaced(paths[d], ovl_text_replaced(ovl_doc_text(docs[nread])));
        names[nread] = paths[d];
        if (!(selfs[nread++] = ovl_index_abspath(paths[d]))) {
            cli_error("check: out of memory");
            goto done;
        }
    }
    if (nread == 0) {
        cli_error("check: none of the %zu document%s could be read", ndocs, ndocs == 1 ? "" : "s");
        goto done;
    }
    co.exclude_source = globs;
    co.nexclude_source = nglobs;
    co.exclude_meta = emeta;
    co.nexclude_meta = nemeta;
    co.include_meta = imeta;
    co.ninclude_meta = nimeta;
    co.self = (const char *const *)selfs;
    if (cli_load_templates(ctx, ign, nign, &iopts, &tpl, &ntpl) != 0)
        goto done;
    co.ignore = (const ovl_doc *const *)tpl;
    co.nignore = ntpl;
    if ((rc = ovl_check(ctx, idx, db, (const ovl_doc *const *)docs, names, nread, &co, &res)) != OVL_OK) {
        cli_fail(NULL, ctx, rc);
        goto done;
    }

    json_t *pj = json_pack("{s:i,s:i,s:s,s:f,s:b,s:b,s:b,s:i,s:i}", "min_chars", (int)co.align.min_cjk,
                           "min_words", (int)co.align.min_words, "mode",
                           co.align.reworded ? "reworded" : "exact", "min_score",
                           round(co.align.min_score * 10000.0) / 10000.0, "fold_traditional", iopts.norm.fold_traditional != 0,
                           "exclude_quotes", ropts.exclude_quotes != 0, "exclude_refs",
                           ropts.exclude_refs != 0, "max_df", (int)co.max_df, "max_sources", (int)co.max_sources);
    json_t *gl = json_array(), *ml = json_array();
    int bad = !pj; /* a value jansson could not allocate or insert: no params at all */
    for (size_t g = 0; g < nglobs; g++)
        bad |= json_array_append_new(gl, json_string(globs[g])) != 0;
    for (size_t m = 0; m < nemeta; m++) {
        char kv[4096];
        snprintf(kv, sizeof kv, "%s=%s", emeta[m].key, emeta[m].value);
        bad |= json_array_append_new(ml, json_string(kv)) != 0;
    }
    bad |= json_object_set_new(pj, "exclude_source", gl) != 0;
    bad |= json_object_set_new(pj, "exclude_meta", ml) != 0;
    if (nimeta) {
        json_t *il = json_array();
        for (size_t m = 0; m < nimeta; m++) {
            char kv[4096];
            snprintf(kv, sizeof kv, "%s=%s", imeta[m].key, imeta[m].value);
            bad |= json_array_append_new(il, json_string(kv)) != 0;
        }
        bad |= json_object_set_new(pj, "include_meta", il) != 0;
    }
    params = bad ? NULL : cli_json_dumps(pj, JSON_COMPACT);
    json_decref(pj);
    if (!params) {
        cli_error("check: out of memory");
        goto done;
    }
    ropts.format = fmt;
    ropts.params_json = params;
    ropts.skipped = skipped;
    ropts.nskipped = nskipped;
    if (!(gate.quiet && !outpath) &&
        cli_write_report("check", ctx, ovl_check_report(res), &ropts, outpath, color) != 0)
        goto done;
    double worst = 0;
    for (size_t d = 0; d < nread; d++) {
        ovl_doc_stats st;
        if (ovl_report_doc_stats(ovl_check_report(res), (int)d, &ropts, &st) == OVL_OK &&
            st.reuse_ratio > worst)
            worst = st.reuse_ratio;
    }
    status = failed ? CLI_EXIT_TROUBLE : cli_gate_status(&gate, worst, ovl_check_passage_count(res) > 0);
done:
    ovl_check_result_free(res);
    free(params);
    for (size_t d = 0; docs && d < nread; d++) {
        ovl_doc_free(docs[d]);
        free(selfs[d]);
    }
    free(docs);
    for (size_t k = 0; k < nskipped; k++)
        free(skipmsg[k]);
    free(skipmsg);
    free(skipped);
    free(selfs);
    free(names);
    ovl_index_close(idx);
    ovl_ctx_free(ctx);
    for (size_t m = 0; mcopies && m < nmcopies; m++)
        free(mcopies[m]);
    free(mcopies);
    for (size_t t = 0; t < ntpl; t++)
        ovl_doc_free(tpl[t]);
    free(tpl);
    free(ign);
    free(paths);
    free(globs);
    free(emeta);
    free(imeta);
    ovl_corpus_free(recs);
    return status;
}
