/* cmd_dedup.c - `overlap dedup PATH...`: clusters of near-duplicate documents and a keep/drop list. */
#include "cli.h"
#include "corpus.h"

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
            "kept. Documents in no cluster are not listed. Output is the same for any -j.\n"
            "Exit status: 0 no duplicates, 1 duplicates found, 2 trouble.\n\n"
            "Output (--format tsv, the default): one line per document of a cluster,\n"
            "  ACTION<TAB>CLUSTER<TAB>PATH<TAB>KEPT_PATH\n"
            "ACTION is keep or drop, CLUSTER numbers clusters from 1 in the order of their\n"
            "first path, KEPT_PATH is the path kept for that cluster (PATH itself on the keep\n"
            "line). Clusters come in order, each with its paths in path order.\n"
            "--format json: {\"threshold\", \"keep\", \"clusters\": [{\"id\", \"kept\",\n"
            "\"documents\": [{\"path\", \"action\", \"chars\"}], \"pairs\": [{\"a\", \"b\",\n"
            "\"ratio_a\", \"ratio_b\"}]}]} with the same order.\n\n"
            "options:\n"
            "  --threshold R            reuse ratio both documents must reach (default 0.8)\n"
            "  --keep longest|first     which document of a cluster is kept: the one with the\n"
            "                           most characters (ties: first path) or the first path\n"
            "                           (default longest)\n"
            "  --format tsv|json        output format (default tsv)\n"
            "  -o, --output FILE        write the list to FILE\n"
            "  -j, --jobs N             worker threads (default: all online cores)\n"
            "  --include GLOB, --exclude GLOB  filter files found in directories (as in scan)\n"
            "  --lsh-threshold T        whole-document Jaccard the candidate search is tuned\n"
            "                           for (default 0.5)\n"
            "  --seed S                 hash seed (default 0)\n"
            "  --min-chars N, --min-words N  shortest passage counted (defaults 20, 8)\n"
            "  --progress, --no-progress  progress on stderr (default: when a terminal)\n" CLI_DOC_OPTS_HELP);
}

typedef struct dedup {
    ovl_finder *finder;
    ovl_ctx *ctx;
    unsigned bands, rows;
    uint64_t seed;
    uint64_t *chars; /* per file */
    uint8_t *ok;
    size_t nok;
    int add_failed;
    int progress;
} dedup;

static void commit(void *arg, size_t i, const cli_doc_info *info, const ovl_fp *fp)
{
    dedup *d = arg;
    if (!fp) {
        if (d->progress)
            cli_progress_clear();
        cli_error("%s", info->error);
        return;
    }
    d->ok[i] = 1;
    d->nok++;
    d->chars[i] = info->chars;
    if (info->tokens == 0)
        return; /* an empty document duplicates nothing (its ratio is 0) */
    uint64_t keys[4096];
    ovl_lsh_band_keys(ovl_fp_doc_signature(fp), d->bands, d->rows, d->seed, keys);
    ovl_fp_chunk whole = {0, (uint32_t)info->tokens};
    if (ovl_finder_add_keys(d->ctx, d->finder, (uint32_t)i, -1, &whole, 1, keys) != OVL_OK)
        d->add_failed = 1;
}

static size_t uf_find(size_t *parent, size_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

/* Union keeping the smaller index as root, so a cluster's root is its first path. */
static void uf_union(size_t *parent, size_t a, size_t b)
{
    a = uf_find(parent, a);
    b = uf_find(parent, b);
    if (a < b)
        parent[b] = a;
    else if (b < a)
        parent[a] = b;
}

static json_t *jratio(double x)
{
    return json_real(round((isfinite(x) ? x : 0.0) * 10000.0) / 10000.0);
}

int cmd_dedup(int argc, char **argv)
{
    ovl_doc_opts dopts = OVL_DOC_OPTS_INIT;
    ovl_align_opts aopts = OVL_ALIGN_OPTS_INIT;
    ovl_fp_opts fopts = OVL_FP_OPTS_INIT;
    fopts.doc_signature = 1; /* candidates come from whole-document signatures */
    const char *format = "tsv", *outpath = NULL, *jobs = NULL, *keep = "longest", *v;
    double ratio = 0.8, lsh = 0.5;
    int force_progress = -1;
    const char **paths = calloc((size_t)argc + 1, sizeof *paths);
    const char **inc = calloc((size_t)argc + 1, sizeof *inc);
    const char **exc = calloc((size_t)argc + 1, sizeof *exc);
    size_t npaths = 0, ninc = 0, nexc = 0;
    if (!paths || !inc || !exc) {
        cli_error("out of memory");
        return CLI_EXIT_TROUBLE;
    }
    for (int i = 1; i < argc;) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            help(stdout);
            free(paths), free(inc), free(exc);
            return 0;
        }
        if (cli_opt(argc, argv, &i, "--format", NULL, &v))
            format = v;
        else if (cli_opt(argc, argv, &i, "--output", "-o", &v))
            outpath = v;
        else if (cli_opt(argc, argv, &i, "--jobs", "-j", &v))
            jobs = v;
        else if (strncmp(argv[i], "-j", 2) == 0 && argv[i][2])
            jobs = argv[i++] + 2;
        else if (cli_opt(argc, argv, &i, "--include", NULL, &v))
            inc[ninc++] = v;
        else if (cli_opt(argc, argv, &i, "--exclude", NULL, &v))
            exc[nexc++] = v;
        else if (cli_opt(argc, argv, &i, "--threshold", NULL, &v))
            ratio = cli_double("--threshold", v, 0.0, 1.0);
        else if (cli_opt(argc, argv, &i, "--lsh-threshold", NULL, &v))
            lsh = cli_double("--lsh-threshold", v, 0.0, 1.0);
        else if (cli_opt(argc, argv, &i, "--keep", NULL, &v))
            keep = v;
        else if (cli_opt(argc, argv, &i, "--seed", NULL, &v))
            fopts.seed = cli_ulong("--seed", v, 0, INT64_MAX);
        else if (cli_align_opt(argc, argv, &i, &aopts))
            ;
        else if (cli_progress_opt(argv, &i, &force_progress))
            ;
        else if (cli_doc_opt(argc, argv, &i, &dopts))
            ;
        else if (argv[i][0] == '-' && argv[i][1]) {
            cli_error("dedup: unknown option '%s'", argv[i]);
            free(paths), free(inc), free(exc);
            return CLI_EXIT_TROUBLE;
        } else
            paths[npaths++] = argv[i++];
    }
    if (npaths == 0) {
        help(stderr);
        free(paths), free(inc), free(exc);
        return CLI_EXIT_TROUBLE;
    }
    int status = CLI_EXIT_TROUBLE;
    int json = strcmp(format, "json") == 0;
    int longest = strcmp(keep, "longest") == 0;
    dedup d;
    memset(&d, 0, sizeof d);
    d.ctx = ovl_ctx_new();
    d.progress = cli_progress_wanted(force_progress);
    cli_files files = {NULL, 0, 0, 0};
    ovl_cand *cands = NULL;
    size_t ncands = 0, *parent = NULL, *kept = NULL, *cid = NULL;
    cli_pair_result *res = NULL;
    uint8_t *dup = NULL;
    json_t *root = NULL;
    FILE *out = NULL;
    unsigned nthreads = cli_threads(jobs);
    ovl_fp_opts fo;

    if (!json && strcmp(format, "tsv") != 0) {
        cli_error("dedup: --format must be tsv or json, not '%s'", format);
        goto done;
    }
    if (!longest && strcmp(keep, "first") != 0) {
        cli_error("dedup: --keep must be longest or first, not '%s'", keep);
        goto done;
    }
    int rc = ovl_fp_opts_resolve(d.ctx, &fopts, &fo);
    if (rc == OVL_OK)
        rc = ovl_lsh_choose(d.ctx, lsh, fo.num_hashes, 0, 1.0, 1.0, &d.bands, &d.rows);
    if (rc != OVL_OK) {
        cli_fail("dedup", d.ctx, rc);
        goto done;
    }
    d.seed = fo.seed;
    cli_walk_opts wo = {inc, ninc, exc, nexc};
    if (cli_files_collect(&files, paths, npaths, &wo) != 0)
        goto done;
    if (files.n == 0) {
        cli_error("dedup: no files to read");
        goto done;
    }
    size_t n = files.n;
    d.chars = calloc(n, sizeof *d.chars);
    d.ok = calloc(n, 1);
    d.finder = ovl_finder_new(d.bands);
    parent = malloc(n * sizeof *parent);
    if (!d.chars || !d.ok || !d.finder || !parent) {
        cli_error("out of memory");
        goto done;
    }
    if (cli_corpus_fingerprint(&files, &dopts, &fo, nthreads, d.progress, commit, &d) != 0)
        goto done;
    if (d.add_failed) {
        cli_fail("dedup", d.ctx, ovl_ctx_code(d.ctx));
        goto done;
    }
    if (d.nok == 0) {
        cli_error("dedup: none of the %zu file%s could be read", n, n == 1 ? "" : "s");
        goto done;
    }
    rc = ovl_finder_candidates(d.ctx, d.finder, NULL, &cands, &ncands, NULL, NULL);
    ovl_finder_free(d.finder);
    d.finder = NULL;
    if (rc != OVL_OK) {
        cli_fail("dedup", d.ctx, rc);
        goto done;
    }
    res = calloc(ncands ? ncands : 1, sizeof *res);
    dup = calloc(ncands ? ncands : 1, 1);
    if (!res || !dup) {
        cli_error("out of memory");
        goto done;
    }
    if (cli_align_pairs(&files, cands, ncands, NULL, 0, &dopts, &aopts, nthreads, d.progress, 0,
                        res) != 0)
        goto done;
    for (size_t i = 0; i < n; i++)
        parent[i] = i;
    for (size_t k = 0; k < ncands; k++) {
        if (res[k].error)
            cli_error("%s", res[k].error);
        if (res[k].np && res[k].sa.reuse_ratio >= ratio && res[k].sb.reuse_ratio >= ratio) {
            dup[k] = 1;
            uf_union(parent, cands[k].doc_a, cands[k].doc_b);
        }
    }
    /* Clusters numbered by their first path (the root); the kept member per root. */
    kept = malloc(n * sizeof *kept);
    cid = calloc(n, sizeof *cid);
    if (!kept || !cid) {
        cli_error("out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        kept[i] = (size_t)-1;
    size_t nclusters = 0;
    for (size_t i = 0; i < n; i++) {
        size_t r = uf_find(parent, i);
        if (r == i)
            continue;
        if (cid[r] == 0) {
            cid[r] = ++nclusters;
            kept[r] = r;
        }
        if (longest && d.chars[i] > d.chars[kept[r]])
            kept[r] = i;
    }
    out = cli_output(outpath);
    if (json) {
        root = json_object();
        json_t *cl = json_array();
        json_object_set_new(root, "threshold", jratio(ratio));
        json_object_set_new(root, "keep", json_string(longest ? "longest" : "first"));
        json_object_set_new(root, "clusters", cl);
        json_t **byroot = calloc(nclusters + 1, sizeof *byroot);
        if (!byroot) {
            cli_error("out of memory");
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            size_t r = uf_find(parent, i);
            if (cid[r] == 0)
                continue;
            json_t *c = byroot[cid[r]];
            if (!c) {
                c = byroot[cid[r]] = json_object();
                json_object_set_new(c, "id", json_integer((json_int_t)cid[r]));
                json_object_set_new(c, "kept", json_string(files.v[kept[r]].path));
                json_object_set_new(c, "documents", json_array());
                json_object_set_new(c, "pairs", json_array());
                json_array_append_new(cl, c);
            }
            json_t *doc = json_object();
            json_object_set_new(doc, "path", json_string(files.v[i].path));
            json_object_set_new(doc, "action", json_string(kept[r] == i ? "keep" : "drop"));
            json_object_set_new(doc, "chars", json_integer((json_int_t)d.chars[i]));
            json_array_append_new(json_object_get(c, "documents"), doc);
        }
        for (size_t k = 0; k < ncands; k++) {
            if (!dup[k])
                continue;
            json_t *c = byroot[cid[uf_find(parent, cands[k].doc_a)]];
            json_t *p = json_object();
            json_object_set_new(p, "a", json_string(files.v[cands[k].doc_a].path));
            json_object_set_new(p, "b", json_string(files.v[cands[k].doc_b].path));
            json_object_set_new(p, "ratio_a", jratio(res[k].sa.reuse_ratio));
            json_object_set_new(p, "ratio_b", jratio(res[k].sb.reuse_ratio));
            json_array_append_new(json_object_get(c, "pairs"), p);
        }
        free(byroot);
        if (json_dumpf(root, out, JSON_PRESERVE_ORDER | JSON_INDENT(2) | JSON_REAL_PRECISION(6)) != 0)
            cli_error("dedup: cannot write the JSON list");
        fputc('\n', out);
    } else {
        /* Clusters in order of their root, members in path order: one pass per cluster
         * would be quadratic, so sort (cluster, index) pairs instead. */
        size_t *order = malloc(n * sizeof *order), m = 0;
        if (!order) {
            cli_error("out of memory");
            goto done;
        }
        size_t *count = calloc(nclusters + 2, sizeof *count);
        if (!count) {
            free(order);
            cli_error("out of memory");
            goto done;
        }
        for (size_t i = 0; i < n; i++)
            if (cid[uf_find(parent, i)])
                count[cid[uf_find(parent, i)] + 1]++;
        for (size_t c = 1; c <= nclusters + 1; c++)
            count[c] += count[c - 1];
        for (size_t i = 0; i < n; i++) {
            size_t r = uf_find(parent, i);
            if (cid[r])
                order[count[cid[r]]++] = i, m++;
        }
        for (size_t x = 0; x < m; x++) {
            size_t i = order[x], r = uf_find(parent, i);
            fprintf(out, "%s\t%zu\t%s\t%s\n", kept[r] == i ? "keep" : "drop", cid[r],
                    files.v[i].path, files.v[kept[r]].path);
        }
        free(order);
        free(count);
    }
    int werr = fflush(out) != 0 || ferror(out);
    if (out != stdout)
        werr |= fclose(out) != 0;
    out = NULL;
    if (werr) {
        cli_error("dedup: %s: cannot write the list", outpath ? outpath : "standard output");
        goto done;
    }
    status = nclusters ? CLI_EXIT_FOUND : CLI_EXIT_NONE;
done:
    if (out && out != stdout)
        fclose(out);
    json_decref(root);
    cli_pair_results_free(res, ncands);
    free(res);
    free(dup);
    free(cands);
    free(parent);
    free(kept);
    free(cid);
    ovl_finder_free(d.finder);
    free(d.chars);
    free(d.ok);
    cli_files_free(&files);
    ovl_ctx_free(d.ctx);
    free(paths);
    free(inc);
    free(exc);
    return status;
}
