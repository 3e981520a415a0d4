/* ovl_eval_main.c - ovl-eval: PAN measures of overlap JSON reports against a corpus's truth.tsv. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: ovl-eval --truth truth.tsv [--json] REPORT.json...\n"
               "  Character-level precision, recall, granularity and plagdet (PAN 2010), overall\n"
               "  and per obfuscation label, plus document-pair precision and recall.\n"
               "  Documents match by the last two components of their paths (susp/00012.txt).\n");
}

static void row(const char *name, const ovl_eval_scores *s)
{
    printf("%-28s %7zu %10zu %8.4f %9.4f %11.4f %8.4f %8.4f\n", name, s->cases, s->detections, s->recall,
           s->precision, s->granularity, s->f1, s->plagdet);
}

static json_t *scores_json(const ovl_eval_scores *s, int pairs)
{
    json_t *o = json_pack("{s:I,s:I,s:I,s:f,s:f,s:f,s:f,s:f}", "cases", (json_int_t)s->cases, "detections",
                          (json_int_t)s->detections, "detected_cases", (json_int_t)s->detected_cases, "recall",
                          s->recall, "precision", s->precision, "granularity", s->granularity, "f1", s->f1,
                          "plagdet", s->plagdet);
    if (o && pairs)
        json_object_set_new(o, "pairs",
                            json_pack("{s:I,s:I,s:I,s:f,s:f}", "true", (json_int_t)s->pairs_true, "found",
                                      (json_int_t)s->pairs_found, "hit", (json_int_t)s->pairs_hit, "recall",
                                      s->pair_recall, "precision", s->pair_precision));
    return o;
}

int main(int argc, char **argv)
{
    const char *truth = NULL;
    int as_json = 0, nrep = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--truth") == 0 && i + 1 < argc)
            truth = argv[++i];
        else if (strncmp(argv[i], "--truth=", 8) == 0)
            truth = argv[i] + 8;
        else if (strcmp(argv[i], "--json") == 0)
            as_json = 1;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "ovl-eval: unknown option %s\n", argv[i]);
            usage(stderr);
            return 2;
        } else
            nrep++;
    }
    if (!truth || nrep == 0) {
        usage(stderr);
        return 2;
    }
    ovl_eval *ev = ovl_eval_new();
    char err[512];
    if (!ev) {
        fprintf(stderr, "ovl-eval: out of memory\n");
        return 2;
    }
    if (ovl_eval_load_truth(ev, truth, err, sizeof err) != 0) {
        fprintf(stderr, "ovl-eval: %s\n", err);
        ovl_eval_free(ev);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--truth") == 0) {
            i++;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1])
            continue;
        if (ovl_eval_load_report(ev, argv[i], err, sizeof err) != 0) {
            fprintf(stderr, "ovl-eval: %s\n", err);
            ovl_eval_free(ev);
            return 2;
        }
    }
    ovl_eval_scores all;
    if (ovl_eval_score(ev, NULL, &all) != 0) {
        fprintf(stderr, "ovl-eval: out of memory\n");
        ovl_eval_free(ev);
        return 2;
    }
    int rc = 0;
    if (as_json) {
        json_t *root = json_object(), *kinds = json_object();
        json_object_set_new(root, "overall", scores_json(&all, 1));
        for (size_t k = 0; k < ovl_eval_kind_count(ev); k++) {
            ovl_eval_scores s;
            const char *name = ovl_eval_kind(ev, k);
            if (name && ovl_eval_score(ev, name, &s) == 0)
                json_object_set_new(kinds, name, scores_json(&s, 0));
        }
        json_object_set_new(root, "kinds", kinds);
        json_object_set_new(root, "ignored_passages", json_integer((json_int_t)ovl_eval_ignored(ev)));
        char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
        if (text) {
            puts(text);
            free(text);
        } else {
            rc = 2;
        }
        json_decref(root);
    } else {
        printf("%-28s %7s %10s %8s %9s %11s %8s %8s\n", "obfuscation", "cases", "detections", "recall",
               "precision", "granularity", "f1", "plagdet");
        row("all", &all);
        for (size_t k = 0; k < ovl_eval_kind_count(ev); k++) {
            ovl_eval_scores s;
            const char *name = ovl_eval_kind(ev, k);
            if (name && ovl_eval_score(ev, name, &s) == 0)
                row(name, &s);
        }
        printf("\ndocument pairs: %zu true, %zu found, %zu hit: precision %.4f recall %.4f\n", all.pairs_true,
               all.pairs_found, all.pairs_hit, all.pair_precision, all.pair_recall);
        if (ovl_eval_ignored(ev))
            printf("ignored passages (not suspicious-source): %zu\n", ovl_eval_ignored(ev));
    }
    ovl_eval_free(ev);
    return rc;
}
