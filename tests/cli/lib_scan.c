/* lib_scan.c - the README's example: every pair of files in a folder that share passages, through liboverlap's corpus API. */
#include <overlap.h>
#include <stdio.h>

/* Called for each pair, most reused characters first; return non-zero to stop the scan. */
static int print_pair(void *userdata, const ovl_pair_stats *p, const ovl_passage *ps, size_t n,
                      const ovl_doc *a, const ovl_doc *b)
{
    const char **paths = userdata;
    (void)ps, (void)n, (void)a, (void)b;
    if (p->error)
        printf("%s ~ %s: failed: %s\n", paths[p->a], paths[p->b], p->error);
    else
        printf("%s ~ %s: %zu passage%s, %.1f%% ~ %.1f%%\n", paths[p->a], paths[p->b],
               p->passages, p->passages == 1 ? "" : "s", 100 * p->a_ratio, 100 * p->b_ratio);
    return 0;
}

static const char *paths[1024];

/* The documents taking part in pairs, before the first pair: remember their paths. */
static int begin(void *userdata, const ovl_scan_summary *s, const ovl_report_docinfo *docs,
                 size_t ndocs)
{
    (void)userdata;
    printf("%zu documents, %zu pairs with reuse\n", s->documents, s->pairs);
    for (size_t i = 0; i < ndocs && i < 1024; i++)
        paths[i] = docs[i].path; /* valid until the scan returns */
    return 0;
}

/* Files with the same bytes are scanned once; the first stands for the group in pairs. */
static int copies(void *userdata, const ovl_copies *g)
{
    (void)userdata;
    printf("identical:");
    for (size_t i = 0; i < g->n; i++)
        printf(" %s", g->paths[i]);
    printf("\n");
    return 0;
}

static int problem(void *userdata, const ovl_problem *p)
{
    (void)userdata;
    fprintf(stderr, "%s: %s\n", p->path, p->message); /* the file is skipped */
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FOLDER\n", argv[0]);
        return 2;
    }
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_corpus *corpus = ovl_corpus_new();
    if (!ctx || !corpus)
        return 2;
    int rc = ovl_corpus_add_path(ctx, corpus, argv[1], NULL); /* walks the folder */
    ovl_scan_sink sink = {0};
    sink.userdata = paths;
    sink.problem = problem;
    sink.begin = begin;
    sink.copies = copies;
    sink.pair = print_pair;
    ovl_scan_opts opts = OVL_SCAN_OPTS_INIT; /* the defaults, then what we change */
    opts.threads = 2;
    ovl_scan_summary sum;
    if (rc == OVL_OK)
        rc = ovl_scan(ctx, corpus, &opts, &sink, &sum);
    if (rc != OVL_OK)
        fprintf(stderr, "%s: %s\n", ovl_strerror(rc), ovl_ctx_message(ctx));
    ovl_corpus_free(corpus);
    ovl_ctx_free(ctx);
    return rc != OVL_OK || sum.problems ? 2 : sum.pairs > 0;
}
