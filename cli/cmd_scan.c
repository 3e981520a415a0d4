/* cmd_scan.c - `overlap scan PATH...`: reused passages across a whole corpus (MinHash + LSH candidates, then alignment). */
#include "cli.h"
#include "progress.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int (*cli_scan_fn)(ovl_ctx *, const ovl_corpus *, const ovl_scan_opts *, const ovl_scan_sink *,
                   ovl_scan_summary *) = ovl_scan;
int cli_scan_writes = 1;
const cli_scan_parts *cli_scan_parted;

int cli_group_key(const char *p, const regex_t *re, int by_dir, const char **start, size_t *len)
{
    (void)by_dir;
    if (re) {
        regmatch_t m[2];
        if (regexec(re, p, 2, m, 0) != 0)
            return 0;
        int g = re->re_nsub >= 1 && m[1].rm_so >= 0 ? 1 : 0;
        *start = p + m[g].rm_so;
        *len = (size_t)(m[g].rm_eo - m[g].rm_so);
        return 1;
    }
    const char *slash = strrchr(p, '/');
    *start = slash ? p : ".";
    *len = slash ? (size_t)(slash - p) : 1;
    return 1;
}

int cli_group_compile(const char *regex, regex_t *re)
{
    int rc = regcomp(re, regex, REG_EXTENDED);
    if (rc != 0) {
        char msg[256];
        regerror(rc, re, msg, sizeof msg);
        cli_error("scan: --group: %s", msg);
        return -1;
    }
    return 0;
}

static void help(FILE *f)
{
    fprintf(f,
            "usage: overlap scan PATH... [options]\n\n"
            "Finds the passages any two documents of a corpus share. Directories are read\n"
            "recursively (hidden files and directories only with --hidden). Files with\n"
            "identical bytes are read once and reported once as a group of copies. Text that\n"
            "recurs in many documents (licences, templates) is reported once as a family of\n"
            "recurring text with its occurrences, not as passages of every pair holding it.\n"
            "Every document is fingerprinted (chunk MinHash signatures, LSH bands);\n"
            "pairs whose chunks collide are aligned like `overlap compare`, around the colliding\n"
            "chunks (a few chunks either side, more while a passage runs on). Pairs are reported\n"
            "by reused characters (both sides, most first), each with a pair record (both\n"
            "paths, reused characters and ratio on each side, passages, top similarity).\n"
            "Output is the same for any -j; a report file is written whole or not at all.\n"
            "Exit status: 0 no reuse, 1 reuse found, 2 trouble: a file could not be read,\n"
            "decoded, or changed during the scan (it is reported once on stderr and its pairs\n"
            "are marked failed; every other pair is still reported).\n\n"
            "options:\n"
            "  --include GLOB           only files matching GLOB (repeatable; matched against the\n"
            "                           path relative to PATH and against the file name)\n"
            "  --exclude GLOB           skip files and directories matching GLOB (repeatable)\n"
            "  -j, --jobs N             worker threads (default: the cores it may use)\n"
            "  --format text|json|jsonl|html|csv  report format (default text); text, json,\n"
            "                           jsonl and csv are streamed (memory does not grow with them);\n"
            "                           jsonl has a {\"pair\":...} line before each pair's\n"
            "                           passages\n"
            "  -o, --output FILE        write the report to FILE\n"
            "  --color auto|always|never  colour the text report (default auto)\n"
            CLI_REPORT_OPTS_HELP
            "  --max-df N|F             band keys shared by more than N documents (or the\n"
            "                           fraction F of them, e.g. 0.01) are recurring text:\n"
            "                           they make no candidate pairs and, with families on,\n"
            "                           are reported as families (default 50, a fixed number\n"
            "                           so that the pairs one key can make do not grow with\n"
            "                           the corpus; 0 = no limit, no families)\n"
            "  --ignore PATH            text found in the files under PATH (templates, a\n"
            "                           journal's boilerplate, a licence) never counts as\n"
            "                           reuse; how much was left out is said on stderr\n"
            "                           (repeatable)\n"
            "  --near-copies S          documents whose whole-text similarity (MinHash) to an\n"
            "                           earlier one is at least S are near copies, reported\n"
            "                           with its group of copies (default 0.9; 0: off)\n"
            "  --max-chunks N           band keys found in more than N chunks (a formula that\n"
            "                           recurs through a few long files) are recurring text too\n"
            "                           (default 200; 0 = no limit)\n"
            "  --no-families            report recurring text as pairwise passages, no families\n"
            "  --families N             families reported with their text and occurrences\n"
            "                           (default 100; 0 = all)\n"
            "  --top N                  passages of the N pairs with most reused characters;\n"
            "                           the other pairs as pair records only (default 100)\n"
            "  --passages all           passages of every pair (same as --top 0), every pair\n"
            "                           and every occurrence of a family listed\n"
            "  --pair-passages N|all    passages listed per pair shown, its longest in document\n"
            "                           order (default 50; all with --passages all)\n"
            "  --pairs N|all            pair records listed, most reused first; the rest are\n"
            "                           counted (-v) (default 10000; all with --passages all)\n"
            "  --min-ratio R            leave out pairs whose larger side ratio is below R\n"
            "  --min-hits N             a document pair needs N band collisions to be aligned\n"
            "                           (default 1; 2 halves the pairs aligned on corpora\n"
            "                           full of stock phrases, at some cost in recall)\n"
            "  --whole-tokens N         align a pair whole (exactly compare's passages) when both\n"
            "                           documents have at most N tokens; other pairs around\n"
            "                           their colliding chunks, which can miss a short passage\n"
            "                           far from them (default 0: always around the chunks)\n"
            "  --no-recurring-text      do not count k-grams: text recurring more than\n"
            "                           --max-chunks times that band keys miss (changelog\n"
            "                           formulas) then seeds pairwise passages, and licences\n"
            "                           are aligned in every pair holding them before being\n"
            "                           left out (by default a sample of the corpus's k-grams\n"
            "                           is counted and such text seeds no passage;\n"
            "                           --recurring-text, the default, is still accepted)\n"
            "  --group REGEX            documents whose paths give the same first capture group\n"
            "                           of the POSIX extended REGEX (or the same whole match)\n"
            "                           are one group and are not compared with each other\n"
            "  --group-by-dir           same, the group being the parent directory\n"
            "  --hidden                 also read files and directories whose names start with '.'\n"
            CLI_ALIGN_OPTS_HELP
            "  --progress, --no-progress  draw (or not) progress on stderr (default: when\n"
            "                           stderr is a terminal)\n"
            "  -v, --verbose            print the LSH bands, rows and S-curve on stderr\n" CLI_DOC_OPTS_HELP CLI_INPUT_OPTS_HELP
            "fingerprint options:\n" CLI_FP_OPTS_HELP
            "\nexamples:\n"
            "  overlap scan corpus/ -j2 --format jsonl -o pairs.jsonl\n"
            "  overlap scan corpus/ --ignore templates/ --top 20 --format html -o top.html\n"
            "  overlap scan a/ b/ --group-by-dir --passages all --format json -o all.json\n");
}

typedef struct gkey {
    char *key;
    size_t file;
} gkey;

static int cmp_gkey(const void *a, const void *b)
{
    const gkey *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->file > y->file) - (x->file < y->file);
}

/* Group ids from a regex or the parent directory: equal keys get equal ids, ids follow the
 * keys' sort order so they do not depend on anything but the paths. */
static int make_groups(const ovl_corpus *c, int32_t *group, const char *regex, int by_dir)
{
    size_t n = ovl_corpus_count(c);
    for (size_t i = 0; i < n; i++)
        group[i] = -1;
    if (!regex && !by_dir)
        return 0;
    regex_t re;
    if (regex && cli_group_compile(regex, &re) != 0)
        return -1;
    gkey *k = calloc(n ? n : 1, sizeof *k);
    size_t nk = 0;
    int rc = k ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *start = NULL;
        size_t len = 0;
        if (!cli_group_key(ovl_corpus_name(c, i), regex ? &re : NULL, by_dir, &start, &len))
            continue;
        char *key = malloc(len + 1);
        if (!key) {
            rc = -1;
            break;
        }
        memcpy(key, start, len);
        key[len] = '\0';
        k[nk].key = key;
        k[nk].file = i;
        nk++;
    }
    if (rc == 0) {
        qsort(k, nk, sizeof *k, cmp_gkey);
        int32_t g = -1;
        for (size_t i = 0; i < nk; i++) {
            if (i == 0 || strcmp(k[i].key, k[i - 1].key) != 0)
                g++;
            group[k[i].file] = g;
        }
    } else {
        cli_error("out of memory");
    }
    for (size_t i = 0; k && i < nk; i++)
        free(k[i].key);
    free(k);
    if (regex)
        regfree(&re);
    return rc;
}

static char *params_json(const ovl_scan_opts *so, const char *regex, int by_dir)
{
    const ovl_fp_opts *fo = &so->fp;
    const ovl_align_opts *ao = &so->align;
    const ovl_doc_opts *dopts = &so->doc;
    unsigned max_df = so->max_df, min_hits = so->min_hits;
    json_t *p = json_object();
    int bad = !p; /* a value jansson could not allocate or insert: no params at all */
    bad |= json_object_set_new(p, "threshold", json_real(round(fo->threshold * 10000.0) / 10000.0));
    bad |= json_object_set_new(p, "bands", json_integer(fo->bands));
    bad |= json_object_set_new(p, "rows", json_integer(fo->rows));
    bad |= json_object_set_new(p, "k_cjk", json_integer(fo->k_cjk));
    bad |= json_object_set_new(p, "k_word", json_integer(fo->k_word));
    bad |= json_object_set_new(p, "num_hashes", json_integer(fo->num_hashes));
    bad |= json_object_set_new(p, "chunk_tokens", json_integer(fo->chunk_tokens));
    bad |= json_object_set_new(p, "chunk_stride", json_integer(fo->chunk_stride));
    bad |= json_object_set_new(p, "seed", json_integer((json_int_t)fo->seed));
    bad |= json_object_set_new(p, "max_df", json_integer(max_df));
    bad |= json_object_set_new(p, "min_hits", json_integer(min_hits));
    bad |= json_object_set_new(p, "whole_tokens", json_integer(so->whole_tokens));
    /* Named only when not the default (on since k-grams are sampled), as before it was. */
    if (!so->recurring_text)
        bad |= json_object_set_new(p, "recurring_text", json_false());
    bad |= json_object_set_new(p, "families", json_boolean(so->families && so->max_df));
    bad |= json_object_set_new(p, "max_chunks", json_integer(so->max_chunks));
    bad |= json_object_set_new(p, "near_copies", json_real(round(so->near_copies * 10000.0) / 10000.0));
    bad |= json_object_set_new(p, "top", json_integer((json_int_t)so->top_pairs));
    bad |= json_object_set_new(p, "pairs_listed", json_integer((json_int_t)so->list_pairs));
    bad |= json_object_set_new(p, "pair_passages", json_integer((json_int_t)so->pair_passages));
    bad |= json_object_set_new(p, "min_ratio", json_real(round(so->min_ratio * 10000.0) / 10000.0));
    bad |= json_object_set_new(p, "min_chars", json_integer(ao->min_cjk));
    bad |= json_object_set_new(p, "min_words", json_integer(ao->min_words));
    bad |= json_object_set_new(p, "mode", json_string(ao->reworded ? "reworded" : "exact"));
    bad |= json_object_set_new(p, "min_score", json_real(round(ao->min_score * 10000.0) / 10000.0));
    bad |= json_object_set_new(p, "fold_traditional", json_boolean(dopts->norm.fold_traditional));
    if (regex)
        bad |= json_object_set_new(p, "group", json_string(regex));
    if (by_dir)
        bad |= json_object_set_new(p, "group_by_dir", json_true());
    char *s = bad ? NULL : cli_json_dumps(p, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(p);
    return s;
}

typedef struct cli_scan {
    int progress;
    int failed; /* a problem was reported */
} cli_scan;

/* --fail-above: the report sink's pair callback, wrapped to see each pair's ratios. One
 * scan per process, so the wrapped callback can live here. */
static int (*scan_pair_fn)(void *, const ovl_pair_stats *, const ovl_passage *, size_t,
                           const ovl_doc *, const ovl_doc *);
static double scan_worst;

static int gate_pair(void *userdata, const ovl_pair_stats *pair, const ovl_passage *ps, size_t n,
                     const ovl_doc *a, const ovl_doc *b)
{
    if (!pair->error && pair->a_ratio > scan_worst)
        scan_worst = pair->a_ratio;
    if (!pair->error && pair->b_ratio > scan_worst)
        scan_worst = pair->b_ratio;
    return scan_pair_fn(userdata, pair, ps, n, a, b);
}

static int on_problem(void *userdata, const ovl_problem *p)
{
    cli_scan *s = userdata;
    if (s->progress)
        cli_progress_clear();
    cli_path_msg(p->path, "%s", p->message);
    s->failed = 1;
    return 0;
}

/* --lenient: each document's replaced byte sequences as the scan counted them (in document
 * order, after the pairs), not by reading the corpus again. */
static int on_replaced(void *userdata, size_t doc, const char *path, size_t n)
{
    cli_scan *s = userdata;
    (void)doc;
    if (s->progress)
        cli_progress_clear();
    cli_warn_replaced(path, n);
    return 0;
}

int cmd_scan(int argc, char **argv)
{
    ovl_scan_opts so = OVL_SCAN_OPTS_INIT;
    ovl_walk_opts wo = OVL_WALK_OPTS_INIT;
    cli_inputs in = {0};
    unsigned fp_given = 0;
    const char *format = "text", *outpath = NULL, *color = "auto", *jobs = NULL, *regex = NULL;
    ovl_report_opts rep = OVL_REPORT_OPTS_INIT;
    cli_gate gate = CLI_GATE_INIT;
    const char **paths = calloc((size_t)argc + 1, sizeof *paths);
    const char **inc = calloc((size_t)argc + 1, sizeof *inc);
    const char **exc = calloc((size_t)argc + 1, sizeof *exc);
    const char **ign = calloc((size_t)argc + 1, sizeof *ign);
    size_t npaths = 0, ninc = 0, nexc = 0, nign = 0;
    int by_dir = 0, verbose = 0, force_progress = -1;
    double max_df_fraction = -1;
    int pairs_set = 0, pair_passages_set = 0;
    if (!paths || !inc || !exc || !ign) {
        cli_error("out of memory");
        free(paths), free(inc), free(exc), free(ign);
        return CLI_EXIT_TROUBLE;
    }
    enum {
        O_JOBS = 'j', O_MIN_HITS = CLI_O_CMD, O_NO_FAMILIES, O_MAX_CHUNKS, O_NEAR_COPIES, O_FAMILIES,
        O_TOP, O_PASSAGES, O_PAIRS, O_PAIR_PASSAGES, O_MIN_RATIO, O_WHOLE_TOKENS, O_RECURRING_TEXT, O_NO_RECURRING_TEXT, O_GROUP, O_GROUP_BY_DIR
    };
    static const struct option longs[] = {
        CLI_HELP_LONGOPT, {"format", required_argument, NULL, O_FORMAT},
        {"output", required_argument, NULL, 'o'}, {"color", required_argument, NULL, O_COLOR},
        {"jobs", required_argument, NULL, O_JOBS}, {"include", required_argument, NULL, O_INCLUDE},
        {"exclude", required_argument, NULL, O_EXCLUDE}, {"hidden", no_argument, NULL, O_HIDDEN},
        {"min-hits", required_argument, NULL, O_MIN_HITS}, {"max-df", required_argument, NULL, O_MAX_DF},
        {"ignore", required_argument, NULL, O_IGNORE}, {"no-families", no_argument, NULL, O_NO_FAMILIES},
        {"max-chunks", required_argument, NULL, O_MAX_CHUNKS},
        {"near-copies", required_argument, NULL, O_NEAR_COPIES},
        {"families", required_argument, NULL, O_FAMILIES}, {"top", required_argument, NULL, O_TOP},
        {"passages", required_argument, NULL, O_PASSAGES}, {"pairs", required_argument, NULL, O_PAIRS},
        {"pair-passages", required_argument, NULL, O_PAIR_PASSAGES},
        {"min-ratio", required_argument, NULL, O_MIN_RATIO},
        {"whole-tokens", required_argument, NULL, O_WHOLE_TOKENS},
        {"recurring-text", no_argument, NULL, O_RECURRING_TEXT},
        {"no-recurring-text", no_argument, NULL, O_NO_RECURRING_TEXT},
        {"group", required_argument, NULL, O_GROUP}, {"group-by-dir", no_argument, NULL, O_GROUP_BY_DIR},
        {"progress", no_argument, NULL, O_PROGRESS}, {"no-progress", no_argument, NULL, O_NO_PROGRESS},
        {"verbose", no_argument, NULL, 'v'}, CLI_ALIGN_LONGOPTS, CLI_DOC_LONGOPTS, CLI_INPUT_LONGOPTS, CLI_FP_LONGOPTS,
        CLI_REPORT_LONGOPTS,
        {NULL, 0, NULL, 0}};
    int c;
    while ((c = cli_getopt(argc, argv, "ho:j:vq", longs, "scan")) != -1) {
        switch (c) {
        case 'h':
            help(stdout);
            free(paths), free(inc), free(exc), free(ign);
            return 0;
        case O_FORMAT: format = optarg; break;
        case 'o': outpath = optarg; break;
        case O_COLOR: color = optarg; break;
        case O_JOBS: jobs = optarg; break;
        case O_INCLUDE: inc[ninc++] = optarg; break;
        case O_EXCLUDE: exc[nexc++] = optarg; break;
        case O_HIDDEN: wo.hidden = 1; break;
        case O_MIN_HITS: so.min_hits = (unsigned)cli_ulong("--min-hits", optarg, 1, 1000); break;
        case O_MAX_DF:
            if (strchr(optarg, '.'))
                max_df_fraction = cli_double("--max-df", optarg, 0.0, 1.0);
            else
                so.max_df = (unsigned)cli_ulong("--max-df", optarg, 0, UINT32_MAX);
            break;
        case O_IGNORE: ign[nign++] = optarg; break;
        case O_NO_FAMILIES: so.families = 0; break;
        case O_MAX_CHUNKS: so.max_chunks = (unsigned)cli_ulong("--max-chunks", optarg, 0, UINT32_MAX); break;
        case O_NEAR_COPIES: so.near_copies = cli_double("--near-copies", optarg, 0.0, 1.0); break;
        case O_FAMILIES: so.top_families = cli_ulong("--families", optarg, 0, SIZE_MAX); break;
        case O_TOP: so.top_pairs = cli_ulong("--top", optarg, 0, SIZE_MAX); break;
        case O_PASSAGES:
            if (strcmp(optarg, "all") != 0) {
                cli_error("scan: --passages takes 'all' (or use --top N), not '%s'", optarg);
                free(paths), free(inc), free(exc), free(ign);
                return CLI_EXIT_TROUBLE;
            }
            so.top_pairs = 0;
            break;
        case O_PAIRS:
            so.list_pairs = strcmp(optarg, "all") == 0 ? 0 : cli_ulong("--pairs", optarg, 1, SIZE_MAX);
            pairs_set = 1;
            break;
        case O_PAIR_PASSAGES:
            so.pair_passages = strcmp(optarg, "all") == 0 ? 0 : cli_ulong("--pair-passages", optarg, 1, SIZE_MAX);
            pair_passages_set = 1;
            break;
        case O_MIN_RATIO: so.min_ratio = cli_double("--min-ratio", optarg, 0.0, 1.0); break;
        case O_RECURRING_TEXT: so.recurring_text = 1; break;
        case O_NO_RECURRING_TEXT: so.recurring_text = 0; break;
        case O_WHOLE_TOKENS: so.whole_tokens = (unsigned)cli_ulong("--whole-tokens", optarg, 0, UINT32_MAX); break;
        case O_GROUP: regex = optarg; break;
        case O_GROUP_BY_DIR: by_dir = 1; break;
        case O_PROGRESS: force_progress = 1; break;
        case O_NO_PROGRESS: force_progress = 0; break;
        case 'v': verbose = 1; break;
        case 1: paths[npaths++] = optarg; break;
        default:
            if (c != '?' && (cli_align_opt(c, optarg, &so.align) || cli_doc_opt(c, optarg, &so.doc) || cli_input_opt(c, optarg, &in) ||
                             cli_fp_opt(c, optarg, &so.fp, &fp_given, "scan") ||
                             cli_report_opt(c, optarg, &rep, &gate)))
                break;
            free(paths), free(inc), free(exc), free(ign);
            return CLI_EXIT_TROUBLE;
        }
    }
    if (npaths == 0) {
        cli_error("scan: missing PATH");
        help(stderr);
        free(paths), free(inc), free(exc), free(ign);
        return CLI_EXIT_TROUBLE;
    }

    int status = CLI_EXIT_TROUBLE;
    cli_scan cs = {cli_progress_wanted(force_progress), 0};
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_corpus *corpus = ovl_corpus_new();
    ovl_corpus *templates = NULL;
    int32_t *group = NULL;
    char *params = NULL;
    cli_out out = {NULL, NULL, NULL};
    ovl_scan_report_sink rs;
    memset(&rs, 0, sizeof rs);
    ovl_scan_opts ro;
    if (!ctx || !corpus) {
        cli_error("out of memory");
        goto done;
    }
    so.threads = jobs ? cli_threads(jobs) : 0;
    int fmt = ovl_format_parse(format);
    if (fmt < 0) {
        cli_error("scan: --format must be text, json, jsonl, html or csv, not '%s'", format);
        goto done;
    }
    /* Before resolving, so that the report's params say what was done. */
    if (so.top_pairs == 0 && !pair_passages_set)
        so.pair_passages = 0;
    if (so.top_pairs == 0 && !pairs_set) /* every passage: every pair and occurrence too */
        so.list_pairs = 0, so.family_spans = 0;
    else if (so.top_pairs == 0)
        so.family_spans = 0;
    int rc = ovl_scan_opts_resolve(ctx, &so, &ro);
    if (rc != OVL_OK) {
        cli_fail("scan", ctx, rc);
        goto done;
    }
    if (verbose) {
        const ovl_fp_opts *fo = &ro.fp;
        fprintf(stderr, "overlap: scan: %u bands x %u rows of %u MinHash values (threshold %g), "
                        "shingles of %u (CJK) / %u (words) tokens, chunks of %u tokens every %u\n",
                fo->bands, fo->rows, fo->num_hashes, fo->threshold, fo->k_cjk, fo->k_word,
                fo->chunk_tokens, fo->chunk_stride);
        for (int t = 1; t <= 9; t++)
            fprintf(stderr, "overlap: scan: P(candidate | chunk similarity %.1f) = %.4f\n",
                    t / 10.0, ovl_lsh_probability(t / 10.0, fo->bands, fo->rows));
    }
    wo.include = inc;
    wo.ninclude = ninc;
    wo.exclude = exc;
    wo.nexclude = nexc;
    cli_inputs_walk(&in, &wo);
    const cli_scan_parts *parted = cli_scan_parted;
    for (size_t p = 0; !parted && p < npaths; p++)
        if ((rc = ovl_corpus_add_path(ctx, corpus, paths[p], &wo)) != OVL_OK) {
            cli_fail("scan", ctx, rc);
            goto done;
        }
    if (parted && (rc = parted->walk(ctx, corpus, paths, npaths, &wo)) != OVL_OK) {
        cli_fail("scan", ctx, rc);
        goto done;
    }
    if (nign) {
        /* Templates: files or folders, walked like the corpus. */
        if (!(templates = ovl_corpus_new())) {
            cli_error("out of memory");
            goto done;
        }
        for (size_t p = 0; p < nign; p++)
            if ((rc = ovl_corpus_add_path(ctx, templates, ign[p], &wo)) != OVL_OK) {
                cli_fail("scan", ctx, rc);
                goto done;
            }
        for (size_t p = 0; p < ovl_corpus_problem_count(templates); p++)
            on_problem(&cs, ovl_corpus_problem(templates, p));
        so.ignore = templates;
    }
    size_t n = parted ? parted->count(corpus) : ovl_corpus_count(corpus);
    if (n == 0) {
        for (size_t p = 0; p < ovl_corpus_problem_count(corpus); p++)
            on_problem(&cs, ovl_corpus_problem(corpus, p));
        cli_error("scan: no files to read");
        goto done;
    }
    if (parted)
        parted->warn_empty(corpus);
    else
        cli_corpus_warn_empty(corpus);
    if (max_df_fraction >= 0) {
        /* A share of the documents: at least 2, so a pair can still be a candidate. */
        double m = ceil(max_df_fraction * (double)n);
        so.max_df = m < 2 ? 2 : m > UINT32_MAX ? UINT32_MAX : (unsigned)m;
        ro.max_df = so.max_df;
    }
    if (parted ? parted->groups(corpus, regex, by_dir) != 0
               : !(group = malloc(n * sizeof *group)) || make_groups(corpus, group, regex, by_dir) != 0) {
        if (!parted && !group)
            cli_error("out of memory");
        goto done;
    }
    so.groups = group;
    if (cs.progress) {
        so.progress = cli_progress_phase;
        so.progress_data = &cs;
    }
    if (!(params = params_json(&ro, regex, by_dir))) {
        cli_error("out of memory");
        goto done;
    }
    if (cli_out_open(&out, cli_scan_writes ? outpath : NULL) != 0)
        goto done;
    ovl_report_opts ropts = rep;
    ropts.format = fmt;
    ropts.params_json = params;
    ropts.color = cli_color(color, out.f);
    if (ropts.color < 0) {
        cli_error("scan: --color must be auto, always or never, not '%s'", color);
        goto done;
    }
    ovl_scan_report_sink_init(&rs, ctx, &ropts, gate.quiet && !outpath ? cli_discard : cli_write_file, out.f);
    if (ropts.with_text && (fmt == OVL_FORMAT_JSON || fmt == OVL_FORMAT_JSONL))
        rs.sink.need_docs = 1; /* the passages' text comes from the documents */
    scan_pair_fn = rs.sink.pair;
    if (scan_pair_fn)
        rs.sink.pair = gate_pair;
    rs.on_problem = on_problem;
    rs.problem_data = &cs;
    if (so.doc.decode.lenient) {
        rs.on_replaced = on_replaced;
        rs.replaced_data = &cs;
    }
    ovl_scan_summary sum;
    rc = cli_scan_fn(ctx, corpus, &so, &rs.sink, &sum);
    if (cs.progress)
        cli_progress_clear();
    if (rc != OVL_OK) {
        cli_fail("scan", ctx, rc);
        goto done;
    }
    if (so.doc.decode.lenient)
        cli_replaced_total("scan", sum.replaced, sum.replaced_docs);
    if (sum.ignored_passages || nign)
        fprintf(stderr, "overlap: scan: %llu characters of the corpus found in the --ignore files; "
                        "%zu passages cut out of them\n",
                (unsigned long long)sum.ignored_chars, sum.ignored_passages);
    if (verbose)
        fprintf(stderr, "overlap: scan: %zu of %zu documents read (%zu identical and %zu near "
                        "copies in %zu groups), %zu band ranges, %zu candidate pairs (%zu more in recurring text "
                        "only), %zu pairs with passages (%zu more not listed), %zu failed, %zu passages "
                        "reported, %zu families of recurring text (%zu passages in them left out)\n",
                sum.documents_read, sum.documents, sum.copies, sum.near_copies, sum.copy_groups,
                sum.band_ranges,
                sum.candidates, sum.family_pairs, sum.pairs, sum.pairs_unlisted, sum.failed_pairs,
                sum.passages, sum.families, sum.family_passages);
    else if (sum.pairs_unlisted)
        fprintf(stderr, "overlap: scan: %zu pairs listed, %zu more with passages not listed (--pairs all "
                        "lists them)\n", sum.pairs, sum.pairs_unlisted);
    if (verbose)
        fprintf(stderr, "overlap: scan: seconds: read+fingerprint %.2f, candidates %.2f, families "
                        "%.2f, align %.2f, write %.2f\n",
                sum.seconds[0], sum.seconds[1], sum.seconds[2], sum.seconds[3], sum.seconds[4]);
    if (sum.documents_read == 0) {
        cli_error("scan: none of the %zu file%s could be read", n, n == 1 ? "" : "s");
        goto done;
    }
    if (cli_out_close(&out, 1) != 0) {
        cli_error("scan: %s: cannot write the report", outpath ? outpath : "standard output");
        goto done;
    }
    status = cs.failed || sum.failed_pairs ? CLI_EXIT_TROUBLE
                                           : cli_gate_status(&gate, scan_worst, sum.pairs > 0);
done:
    if (out.f)
        cli_out_close(&out, 0);
    ovl_scan_report_sink_cleanup(&rs);
    free(params);
    free(group);
    ovl_corpus_free(corpus);
    ovl_corpus_free(templates);
    ovl_ctx_free(ctx);
    free(paths);
    free(inc);
    free(exc);
    free(ign);
    return status;
}
