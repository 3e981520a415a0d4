/* cmd_dedup.c - `overlap dedup PATH...`: clusters of near-duplicate documents and a keep/drop list. */
#include "cli.h"
#include "progress.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *f)
{
    fprintf(f,
            "usage: overlap dedup PATH... [options]\n\n"
            "Finds near-duplicate documents: two documents are duplicates when the passages\n"
            "they share (aligned like `overlap compare`) cover at least R of EACH of them\n"
            "(reuse ratio, characters). Candidates come from whole-document MinHash + LSH.\n"
            "Duplicates are joined transitively into clusters; one document per cluster is\n"
            "kept. Output is the same for any -j.\n"
            "Exit status: 0 no duplicates, 1 duplicates found, 2 trouble.\n\n"
            "Output (--format tsv, the default): a header row, then one line per document\n"
            "  ACTION<TAB>CLUSTER<TAB>SIMILARITY<TAB>PATH<TAB>KEPT_PATH\n"
            "ACTION is keep or drop, CLUSTER numbers clusters from 1 in the order of their\n"
            "first path (- for a document in no cluster, which is kept), SIMILARITY is the\n"
            "smaller reuse ratio between it and the kept document when they were aligned\n"
            "(- otherwise), KEPT_PATH the path kept for its cluster (PATH itself on a keep\n"
            "line). Clusters come in order, each with its paths in path order, then the\n"
            "documents in no cluster. In paths, backslash, tab, newline and other control\n"
            "characters are written as \\\\, \\t, \\n, \\xHH, so a name cannot forge a row.\n"
            "With -z, every field (the header's too) ends with a NUL instead, five a row, and\n"
            "names are written as they are (xargs -0 -n5, or split on NUL).\n"
            "--format json: {\"threshold\", \"keep\", \"clusters\": [{\"id\", \"kept\",\n"
            "\"documents\": [{\"path\", \"action\", \"chars\"}], \"pairs\": [{\"a\", \"b\",\n"
            "\"ratio_a\", \"ratio_b\"}]}], \"skipped\": [{\"path\", \"message\", \"byte\"}]}\n"
            "with the same order (skipped: files that could not be read; with --lenient also\n"
            "\"replaced\": [{\"path\", \"sequences\"}], the files read with replacements).\n"
            "--format jsonl: the list's rows as JSON lines, {\"action\", \"cluster\",\n"
            "\"similarity\", \"path\", \"kept_path\"} (null for -); for a record of a\n"
            "FILE.jsonl corpus also \"file\", \"id\", \"line\" (and \"kept_file\", ...); then a\n"
            "row {\"action\": \"skip\", \"path\", \"message\", \"byte\"} per file not read.\n\n"
            "options:\n"
            "  --min-similarity R       reuse ratio both documents must reach (default 0.8;\n"
            "                           the old spelling --threshold still works, with a\n"
            "                           warning)\n"
            "  --keep longest|first     which document of a cluster is kept: the one with the\n"
            "                           most characters (ties: first path) or the first path\n"
            "                           (default longest)\n"
            "  --format tsv|json|jsonl  output format (default tsv)\n"
            "  -o, --output FILE        write the list to FILE\n"
            "  -z, --null               end every field with a NUL (tsv), names unescaped\n"
            "  -j, --jobs N             worker threads (default: the cores it may use)\n"
            "  --include GLOB, --exclude GLOB  filter files found in directories (as in scan)\n"
            "  --lsh-threshold T        whole-document Jaccard the candidate search is tuned\n"
            "                           for (default 0.5)\n"
            "  --seed S                 hash seed (default 0)\n"
            "  --min-chars N, --min-words N  shortest passage counted (defaults 20, 8)\n"
            "  --progress, --no-progress  progress on stderr (default: when a terminal)\n" CLI_DOC_OPTS_HELP CLI_INPUT_OPTS_HELP
            "\nexamples:\n"
            "  overlap dedup corpus/ -o keep-drop.tsv\n"
            "  overlap dedup corpus/ --min-similarity 0.9 --keep first --format json\n");
}

static json_t *jratio(double x)
{
    return json_real(round((isfinite(x) ? x : 0.0) * 10000.0) / 10000.0);
}

static int dedup_problem(const ovl_problem *p)
{
    cli_path_msg(p->path, "%s", p->message);
    return 0;
}

/* json_object_set_new / json_array_append_new (which take v even when they fail) that
 * remember a failed allocation, of v or of the container, in *oom: a list missing a field
 * must not be written as if it were whole. */
static void jput(json_t *o, const char *k, json_t *v, int *oom)
{
    if (!v || !o || json_object_set_new(o, k, v) != 0)
        *oom = 1;
    if (v && !o)
        json_decref(v);
}
static void japp(json_t *a, json_t *v, int *oom)
{
    if (!v || !a || json_array_append_new(a, v) != 0)
        *oom = 1;
    if (v && !a)
        json_decref(v);
}

/* Adds a file that could not be read: "path", "message" and its "byte" offset (null when
 * it has none), as the JSON list's skipped and the JSON lines skip rows give it. */
static void jproblem(json_t *o, const ovl_problem *p, int *oom)
{
    jput(o, "path", json_string(p->path), oom);
    jput(o, "message", json_string(p->message), oom);
    jput(o, "byte", p->offset >= 0 ? json_integer(p->offset) : json_null(), oom);
}

/* Adds "<prefix>path" and, for a record, "<prefix>file", "<prefix>id", "<prefix>line". */
static void jdoc(json_t *o, const char *prefix, const ovl_corpus *c, size_t i, int *oom)
{
    char k[16];
    const char *file, *id;
    uint64_t line;
    snprintf(k, sizeof k, "%spath", prefix);
    jput(o, k, json_string(ovl_corpus_name(c, i)), oom);
    if (!ovl_corpus_record(c, i, &file, &id, &line))
        return;
    snprintf(k, sizeof k, "%sfile", prefix);
    jput(o, k, json_string(file), oom);
    snprintf(k, sizeof k, "%sid", prefix);
    if (id)
        jput(o, k, json_string(id), oom);
    snprintf(k, sizeof k, "%sline", prefix);
    jput(o, k, json_integer((json_int_t)line), oom);
}

/* The list: clusters in order, each with its members in name order. -1 when it cannot be
 * written, -2 when out of memory. */
static int write_list(FILE *out, const ovl_corpus *c, const ovl_dedup_result *r, int json,
                      int jsonl, double ratio, int keep, int lenient, int nul)
{
    size_t n = r->ndocs;
    int oom = 0;
    if (json) {
        json_t *root = json_object();
        json_t *cl = json_array();
        jput(root, "threshold", jratio(ratio), &oom);
        jput(root, "keep", json_string(keep == OVL_DEDUP_KEEP_LONGEST ? "longest" : "first"), &oom);
        jput(root, "clusters", cl, &oom);
        json_t **byid = calloc(r->nclusters + 1, sizeof *byid);
        if (!root || !cl || !byid) {
            free(byid);
            json_decref(root);
            return -2;
        }
        for (size_t i = 0; i < n; i++) {
            const ovl_dedup_doc *d = &r->docs[i];
            if (!d->cluster)
                continue;
            json_t *cj = byid[d->cluster];
            if (!cj) {
                cj = byid[d->cluster] = json_object();
                jput(cj, "id", json_integer((json_int_t)d->cluster), &oom);
                jput(cj, "kept", json_string(ovl_corpus_name(c, d->kept)), &oom);
                jput(cj, "documents", json_array(), &oom);
                jput(cj, "pairs", json_array(), &oom);
                japp(cl, cj, &oom);
            }
            json_t *doc = json_object();
            jput(doc, "path", json_string(ovl_corpus_name(c, i)), &oom);
            jput(doc, "action", json_string(d->kept == i ? "keep" : "drop"), &oom);
            jput(doc, "chars", json_integer((json_int_t)d->chars), &oom);
            japp(json_object_get(cj, "documents"), doc, &oom);
        }
        for (size_t k = 0; k < r->npairs; k++) {
            const ovl_dedup_pair *p = &r->pairs[k];
            json_t *pj = json_object();
            jput(pj, "a", json_string(ovl_corpus_name(c, p->a)), &oom);
            jput(pj, "b", json_string(ovl_corpus_name(c, p->b)), &oom);
            jput(pj, "ratio_a", jratio(p->ratio_a), &oom);
            jput(pj, "ratio_b", jratio(p->ratio_b), &oom);
            japp(json_object_get(byid[p->cluster], "pairs"), pj, &oom);
        }
        free(byid);
        /* What the list does not cover, and (with --lenient) what was read with replacements. */
        json_t *sk = json_array();
        jput(root, "skipped", sk, &oom);
        for (size_t k = 0; k < r->nproblems; k++) {
            json_t *pj = json_object();
            jproblem(pj, &r->problems[k], &oom);
            japp(sk, pj, &oom);
        }
        if (lenient) {
            json_t *rp = json_array();
            jput(root, "replaced", rp, &oom);
            for (size_t i = 0; i < n; i++)
                if (r->docs[i].replaced)
                    japp(rp, json_pack("{s:s,s:I}", "path", ovl_corpus_name(c, i), "sequences",
                                       (json_int_t)r->docs[i].replaced),
                         &oom);
        }
        int rc = oom ? -2 : json_dumpf(root, out, JSON_PRESERVE_ORDER | JSON_INDENT(2) | JSON_REAL_PRECISION(6));
        fputc('\n', out);
        json_decref(root);
        return rc == 0 ? 0 : rc == -2 || !ferror(out) ? -2 : -1;
    }
    /* Every document: the clusters in order, each with its members in name order, then the
     * documents in no cluster (kept) in name order. One pass per cluster would be quadratic:
     * count members per cluster, then place them. */
    size_t *order = malloc((n + 1) * sizeof *order), m = 0;
    size_t *count = calloc(r->nclusters + 2, sizeof *count);
    if (!order || !count) {
        free(order);
        free(count);
        return -2;
    }
    for (size_t i = 0; i < n; i++)
        if (r->docs[i].cluster)
            count[r->docs[i].cluster + 1]++;
    for (size_t k = 1; k <= r->nclusters + 1; k++)
        count[k] += count[k - 1];
    for (size_t i = 0; i < n; i++)
        if (r->docs[i].cluster)
            order[count[r->docs[i].cluster]++] = i, m++;
    for (size_t i = 0; i < n; i++)
        if (!r->docs[i].cluster && r->docs[i].status == OVL_OK)
            order[m++] = i;
    /* -z: every field ends with a NUL (five a row), names as they are; otherwise tabs and
     * newlines end them and names are escaped. */
    const char *hdr[5] = {"action", "cluster", "similarity", "path", "kept"};
    for (int f = 0; !jsonl && f < 5; f++)
        nul ? (void)(fputs(hdr[f], out), fputc('\0', out)) : (void)fprintf(out, "%s%c", hdr[f], f < 4 ? '\t' : '\n');
    for (size_t x = 0; x < m; x++) {
        size_t i = order[x];
        const ovl_dedup_doc *d = &r->docs[i];
        if (jsonl) {
            json_t *o = json_object();
            jput(o, "action", json_string(d->kept == i ? "keep" : "drop"), &oom);
            jput(o, "cluster", d->cluster ? json_integer((json_int_t)d->cluster) : json_null(), &oom);
            jput(o, "similarity", d->cluster && d->similarity > 0 ? jratio(d->similarity) : json_null(), &oom);
            jdoc(o, "", c, i, &oom);
            jdoc(o, "kept_", c, d->kept, &oom);
            int rc = oom ? -2 : json_dumpf(o, out, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(6));
            json_decref(o);
            if (rc != 0) {
                free(order);
                free(count);
                return rc == -2 || !ferror(out) ? -2 : -1;
            }
            fputc('\n', out);
            continue;
        }
        char cl[32], sim[32];
        snprintf(cl, sizeof cl, d->cluster ? "%zu" : "-", d->cluster);
        if (d->cluster && d->similarity > 0)
            snprintf(sim, sizeof sim, "%.4f", d->similarity);
        else
            snprintf(sim, sizeof sim, "-");
        const char *f[5] = {d->cluster && d->kept != i ? "drop" : "keep", cl, sim, ovl_corpus_name(c, i),
                            ovl_corpus_name(c, d->kept)};
        for (int k = 0; k < 5; k++) {
            if (nul)
                fputs(f[k], out);
            else
                cli_put_field(out, f[k]);
            fputc(nul ? '\0' : k < 4 ? '\t' : '\n', out);
        }
    }
    free(order);
    free(count);
    /* JSON lines: the files the list does not cover, as rows of their own, so a consumer
     * reading only the rows still learns of them. */
    for (size_t k = 0; jsonl && k < r->nproblems; k++) {
        json_t *o = json_object();
        jput(o, "action", json_string("skip"), &oom);
        jput(o, "cluster", json_null(), &oom);
        jput(o, "similarity", json_null(), &oom);
        jproblem(o, &r->problems[k], &oom);
        int rc = oom ? -2 : json_dumpf(o, out, JSON_PRESERVE_ORDER | JSON_COMPACT);
        json_decref(o);
        if (rc != 0)
            return rc == -2 || !ferror(out) ? -2 : -1;
        fputc('\n', out);
    }
    return 0;
}

int cmd_dedup(int argc, char **argv)
{
    ovl_dedup_opts o = OVL_DEDUP_OPTS_INIT;
    ovl_walk_opts wo = OVL_WALK_OPTS_INIT;
    cli_inputs in = {0};
    const char *format = "tsv", *outpath = NULL, *jobs = NULL, *keep = "longest";
    int force_progress = -1;
    const char **paths = calloc((size_t)argc + 1, sizeof *paths);
    const char **inc = calloc((size_t)argc + 1, sizeof *inc);
    const char **exc = calloc((size_t)argc + 1, sizeof *exc);
    size_t npaths = 0, ninc = 0, nexc = 0;
    if (!paths || !inc || !exc) {
        cli_error("out of memory");
        free(paths), free(inc), free(exc);
        return CLI_EXIT_TROUBLE;
    }
    enum { O_KEEP = CLI_O_CMD, O_MIN_SIM, O_OLD_RATIO, O_DEDUP_LSH, O_DEDUP_SEED };
    static const struct option longs[] = {
        CLI_HELP_LONGOPT, {"format", required_argument, NULL, O_FORMAT},
        {"output", required_argument, NULL, 'o'}, {"jobs", required_argument, NULL, 'j'},
        {"include", required_argument, NULL, O_INCLUDE}, {"exclude", required_argument, NULL, O_EXCLUDE},
        {"hidden", no_argument, NULL, O_HIDDEN}, {"min-similarity", required_argument, NULL, O_MIN_SIM},
        {"threshold", required_argument, NULL, O_OLD_RATIO},
        {"lsh-threshold", required_argument, NULL, O_DEDUP_LSH},
        {"keep", required_argument, NULL, O_KEEP}, {"seed", required_argument, NULL, O_DEDUP_SEED},
        {"progress", no_argument, NULL, O_PROGRESS}, {"no-progress", no_argument, NULL, O_NO_PROGRESS},
        {"null", no_argument, NULL, 'z'}, CLI_ALIGN_LONGOPTS, CLI_DOC_LONGOPTS, CLI_INPUT_LONGOPTS,
        {NULL, 0, NULL, 0}};
    int c, nul = 0;
    while ((c = cli_getopt(argc, argv, "ho:j:z", longs, "dedup")) != -1) {
        switch (c) {
        case 'h':
            help(stdout);
            free(paths), free(inc), free(exc);
            return 0;
        case O_FORMAT: format = optarg; break;
        case 'o': outpath = optarg; break;
        case 'j': jobs = optarg; break;
        case O_INCLUDE: inc[ninc++] = optarg; break;
        case O_EXCLUDE: exc[nexc++] = optarg; break;
        case O_HIDDEN: wo.hidden = 1; break;
        case O_OLD_RATIO:
            /* The old name: --threshold is the LSH tuning in scan, index and check. */
            cli_error("dedup: --threshold is now --min-similarity (the old name still works for now)");
            o.ratio = cli_double("--threshold", optarg, 0.0, 1.0);
            break;
        case O_MIN_SIM: o.ratio = cli_double("--min-similarity", optarg, 0.0, 1.0); break;
        case O_DEDUP_LSH: o.lsh_threshold = cli_double("--lsh-threshold", optarg, 0.0, 1.0); break;
        case O_KEEP: keep = optarg; break;
        case O_DEDUP_SEED: o.seed = cli_ulong("--seed", optarg, 0, INT64_MAX); break;
        case O_PROGRESS: force_progress = 1; break;
        case O_NO_PROGRESS: force_progress = 0; break;
        case 'z': nul = 1; break;
        case 1: paths[npaths++] = optarg; break;
        default:
            if (c != '?' && (cli_align_opt(c, optarg, &o.align) || cli_doc_opt(c, optarg, &o.doc) ||
                             cli_input_opt(c, optarg, &in)))
                break;
            free(paths), free(inc), free(exc);
            return CLI_EXIT_TROUBLE;
        }
    }
    if (npaths == 0) {
        cli_error("dedup: missing PATH");
        help(stderr);
        free(paths), free(inc), free(exc);
        return CLI_EXIT_TROUBLE;
    }
    int status = CLI_EXIT_TROUBLE;
    int json = strcmp(format, "json") == 0, jsonl = strcmp(format, "jsonl") == 0;
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_corpus *corpus = ovl_corpus_new();
    ovl_dedup_result res;
    memset(&res, 0, sizeof res);
    cli_out out = {NULL, NULL, NULL};
    int progress = cli_progress_wanted(force_progress);
    if (!ctx || !corpus) {
        cli_error("out of memory");
        goto done;
    }
    if (!json && !jsonl && strcmp(format, "tsv") != 0) {
        cli_error("dedup: --format must be tsv, json or jsonl, not '%s'", format);
        goto done;
    }
    if (nul && (json || jsonl)) {
        cli_error("dedup: -z is for the tsv list, not --format %s", format);
        goto done;
    }
    if (strcmp(keep, "longest") == 0)
        o.keep = OVL_DEDUP_KEEP_LONGEST;
    else if (strcmp(keep, "first") == 0)
        o.keep = OVL_DEDUP_KEEP_FIRST;
    else {
        cli_error("dedup: --keep must be longest or first, not '%s'", keep);
        goto done;
    }
    o.threads = jobs ? cli_threads(jobs) : 0;
    if (progress)
        o.progress = cli_progress_phase;
    wo.include = inc;
    wo.ninclude = ninc;
    wo.exclude = exc;
    wo.nexclude = nexc;
    cli_inputs_walk(&in, &wo);
    int rc = OVL_OK;
    for (size_t p = 0; p < npaths && rc == OVL_OK; p++)
        rc = ovl_corpus_add_path(ctx, corpus, paths[p], &wo);
    if (rc != OVL_OK) {
        cli_fail("dedup", ctx, rc);
        goto done;
    }
    size_t n = ovl_corpus_count(corpus);
    if (n == 0) {
        for (size_t p = 0; p < ovl_corpus_problem_count(corpus); p++)
            dedup_problem(ovl_corpus_problem(corpus, p));
        cli_error("dedup: no files to read");
        goto done;
    }
    cli_corpus_warn_empty(corpus);
    rc = ovl_dedup(ctx, corpus, &o, &res);
    if (progress)
        cli_progress_clear();
    if (rc != OVL_OK) {
        cli_fail("dedup", ctx, rc);
        goto done;
    }
    for (size_t p = 0; p < res.nproblems; p++)
        dedup_problem(&res.problems[p]);
    size_t nread = 0;
    for (size_t i = 0; i < n; i++)
        nread += res.docs[i].status == OVL_OK;
    if (nread == 0) {
        cli_error("dedup: none of the %zu file%s could be read", n, n == 1 ? "" : "s");
        goto done;
    }
    if (cli_out_open(&out, outpath) != 0)
        goto done;
    if (o.doc.decode.lenient) {
        /* As the dedup's own decoding counted them: a file it refused is not counted. */
        size_t total = 0, files = 0;
        for (size_t i = 0; i < n; i++) {
            cli_warn_replaced(ovl_corpus_name(corpus, i), res.docs[i].replaced);
            total += res.docs[i].replaced;
            files += res.docs[i].replaced > 0;
        }
        cli_replaced_total("dedup", total, files);
    }
    int werr = write_list(out.f, corpus, &res, json, jsonl, o.ratio, o.keep, o.doc.decode.lenient, nul);
    if (cli_out_close(&out, werr == 0) != 0 || werr) {
        if (werr == -2)
            cli_error("dedup: out of memory");
        else
            cli_error("dedup: %s: cannot write the list", outpath ? outpath : "standard output");
        goto done;
    }
    if (res.nclusters == 0)
        cli_error("dedup: no near-duplicates among the %zu document%s read", nread, nread == 1 ? "" : "s");
    status = res.nproblems ? CLI_EXIT_TROUBLE : res.nclusters ? CLI_EXIT_FOUND : CLI_EXIT_NONE;
done:
    if (out.f)
        cli_out_close(&out, 0);
    ovl_dedup_result_free(&res);
    ovl_corpus_free(corpus);
    ovl_ctx_free(ctx);
    free(paths);
    free(inc);
    free(exc);
    return status;
}
