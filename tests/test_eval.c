/* test_eval.c - Check suite of the PAN-style evaluator: hand-made cases with known scores. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval.h"

#define TOL 1e-12

/* One case: susp/00001.txt [100,200) copied from src/00001.txt [50,150): |s| = 200. */
static ovl_eval *one_case(void)
{
    ovl_eval *ev = ovl_eval_new();
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(ovl_eval_add_case(ev, "susp/00001.txt", 100, 100, "src/00001.txt", 50, 100, "verbatim"), 0);
    return ev;
}

static ovl_eval_scores score(const ovl_eval *ev, const char *kind)
{
    ovl_eval_scores s;
    ck_assert_int_eq(ovl_eval_score(ev, kind, &s), 0);
    return s;
}

START_TEST(test_perfect)
{
    ovl_eval *ev = one_case();
    ck_assert_int_eq(ovl_eval_add_detection(ev, "susp/00001.txt", 100, 100, "src/00001.txt", 50, 100), 0);
    ovl_eval_scores s = score(ev, NULL);
    ck_assert_uint_eq(s.cases, 1);
    ck_assert_uint_eq(s.detections, 1);
    ck_assert_uint_eq(s.detected_cases, 1);
    ck_assert_double_eq_tol(s.recall, 1.0, TOL);
    ck_assert_double_eq_tol(s.precision, 1.0, TOL);
    ck_assert_double_eq_tol(s.granularity, 1.0, TOL);
    ck_assert_double_eq_tol(s.plagdet, 1.0, TOL);
    ck_assert_uint_eq(s.pairs_true, 1);
    ck_assert_uint_eq(s.pairs_found, 1);
    ck_assert_uint_eq(s.pairs_hit, 1);
    ck_assert_double_eq_tol(s.pair_precision, 1.0, TOL);
    ck_assert_double_eq_tol(s.pair_recall, 1.0, TOL);
    ovl_eval_free(ev);
}
END_TEST

START_TEST(test_half_covered)
{
    ovl_eval *ev = one_case();
    /* the first half on both sides: 50 + 50 of the case's 200 characters */
    ovl_eval_add_detection(ev, "susp/00001.txt", 100, 50, "src/00001.txt", 50, 50);
    ovl_eval_scores s = score(ev, NULL);
    ck_assert_double_eq_tol(s.recall, 0.5, TOL);
    ck_assert_double_eq_tol(s.precision, 1.0, TOL);
    ck_assert_double_eq_tol(s.granularity, 1.0, TOL);
    ck_assert_double_eq_tol(s.f1, 2.0 / 3.0, TOL);
    ck_assert_double_eq_tol(s.plagdet, 2.0 / 3.0, TOL);
    ovl_eval_free(ev);
}
END_TEST

START_TEST(test_two_pieces)
{
    ovl_eval *ev = one_case();
    ovl_eval_add_detection(ev, "susp/00001.txt", 100, 50, "src/00001.txt", 50, 50);
    ovl_eval_add_detection(ev, "susp/00001.txt", 150, 50, "src/00001.txt", 100, 50);
    ovl_eval_scores s = score(ev, NULL);
    ck_assert_uint_eq(s.detections, 2);
    ck_assert_double_eq_tol(s.recall, 1.0, TOL);
    ck_assert_double_eq_tol(s.precision, 1.0, TOL);
    ck_assert_double_eq_tol(s.granularity, 2.0, TOL);
    ck_assert_double_eq_tol(s.f1, 1.0, TOL);
    ck_assert_double_eq_tol(s.plagdet, 1.0 / log2(3.0), TOL);
    ovl_eval_free(ev);
}
END_TEST

START_TEST(test_overlapping_detections_union)
{
    /* two detections over the same characters: recall counts them once, granularity twice */
    ovl_eval *ev = one_case();
    ovl_eval_add_detection(ev, "susp/00001.txt", 100, 100, "src/00001.txt", 50, 100);
    ovl_eval_add_detection(ev, "susp/00001.txt", 120, 60, "src/00001.txt", 70, 60);
    ovl_eval_scores s = score(ev, NULL);
    ck_assert_double_eq_tol(s.recall, 1.0, TOL);
    ck_assert_double_eq_tol(s.precision, 1.0, TOL);
    ck_assert_double_eq_tol(s.granularity, 2.0, TOL);
    ovl_eval_free(ev);
}
END_TEST

START_TEST(test_false_detection)
{
    ovl_eval *ev = one_case();
    ovl_eval_add_detection(ev, "susp/00001.txt", 100, 100, "src/00001.txt", 50, 100);
    ovl_eval_add_detection(ev, "susp/00002.txt", 0, 100, "src/00002.txt", 0, 100);
    ovl_eval_scores s = score(ev, NULL);
    ck_assert_uint_eq(s.detections, 2);
    ck_assert_double_eq_tol(s.recall, 1.0, TOL);
    ck_assert_double_eq_tol(s.precision, 0.5, TOL);
    ck_assert_double_eq_tol(s.granularity, 1.0, TOL);
    ck_assert_double_eq_tol(s.plagdet, 2.0 / 3.0, TOL);
    ck_assert_uint_eq(s.pairs_true, 1);
    ck_assert_uint_eq(s.pairs_found, 2);
    ck_assert_uint_eq(s.pairs_hit, 1);
    ck_assert_double_eq_tol(s.pair_precision, 0.5, TOL);
    ck_assert_double_eq_tol(s.pair_recall, 1.0, TOL);
    ovl_eval_free(ev);
}
END_TEST

START_TEST(test_overlong_detection)
{
    /* susp [50,200) and src [50,150): 150 + 100 = 250 characters, 200 of them the case */
    ovl_eval *ev = one_case();
    ovl_eval_add_detection(ev, "susp/00001.txt", 50, 150, "src/00001.txt", 50, 100);
    ovl_eval_scores s = score(ev, NULL);
    ck_assert_double_eq_tol(s.precision, 0.8, TOL);
    ck_assert_double_eq_tol(s.recall, 1.0, TOL);
    ck_assert_double_eq_tol(s.plagdet, 2 * 0.8 / 1.8, TOL);
    ovl_eval_free(ev);
}
END_TEST

START_TEST(test_one_side_only)
{
    /* right suspicious span, wrong source span: not a detection of the case */
    ovl_eval *ev = one_case();
    ovl_eval_add_detection(ev, "susp/00001.txt", 100, 100, "src/00001.txt", 400, 100);
    ovl_eval_scores s = score(ev, NULL);
    ck_assert_uint_eq(s.detected_cases, 0);
    ck_assert_double_eq_tol(s.recall, 0.0, TOL);
    ck_assert_double_eq_tol(s.precision, 0.0, TOL);
    ck_assert_double_eq_tol(s.granularity, 1.0, TOL);
    ck_assert_double_eq_tol(s.plagdet, 0.0, TOL);
    /* the pair is still found at document level */
    ck_assert_double_eq_tol(s.pair_recall, 1.0, TOL);
    ovl_eval_free(ev);
}
END_TEST

START_TEST(test_no_detection)
{
    ovl_eval *ev = one_case();
    ovl_eval_scores s = score(ev, NULL);
    ck_assert_double_eq_tol(s.recall, 0.0, TOL);
    ck_assert_double_eq_tol(s.precision, 1.0, TOL);
    ck_assert_double_eq_tol(s.f1, 0.0, TOL);
    ck_assert_double_eq_tol(s.plagdet, 0.0, TOL);
    ck_assert_double_eq_tol(s.pair_recall, 0.0, TOL);
    ovl_eval_free(ev);
}
END_TEST

START_TEST(test_per_kind)
{
    ovl_eval *ev = one_case();
    ovl_eval_add_case(ev, "susp/00002.txt", 0, 300, "src/00003.txt", 0, 100, "edit");
    ovl_eval_add_case(ev, "susp/00003.txt", 0, 100, "src/00003.txt", 0, 100, "edit");
    ovl_eval_add_detection(ev, "susp/00001.txt", 100, 100, "src/00001.txt", 50, 100);
    /* the first edit case is half found: 100 of its 300 suspicious + all 100 source characters */
    ovl_eval_add_detection(ev, "susp/00002.txt", 0, 100, "src/00003.txt", 0, 100);
    ck_assert_uint_eq(ovl_eval_kind_count(ev), 2);
    ck_assert_str_eq(ovl_eval_kind(ev, 0), "edit");
    ck_assert_str_eq(ovl_eval_kind(ev, 1), "verbatim");
    ovl_eval_scores v = score(ev, "verbatim"), e = score(ev, "edit"), all = score(ev, NULL);
    ck_assert_uint_eq(v.cases, 1);
    ck_assert_uint_eq(v.detections, 1);
    ck_assert_double_eq_tol(v.plagdet, 1.0, TOL);
    ck_assert_uint_eq(e.cases, 2);
    ck_assert_uint_eq(e.detections, 1);
    /* case 1: (100 + 100) / 400; case 2: 0 */
    ck_assert_double_eq_tol(e.recall, 0.25, TOL);
    ck_assert_double_eq_tol(e.precision, 1.0, TOL);
    ck_assert_uint_eq(e.pairs_true, 2);
    ck_assert_uint_eq(e.pairs_hit, 1);
    ck_assert_uint_eq(all.cases, 3);
    ck_assert_double_eq_tol(all.recall, (1.0 + 0.5 + 0.0) / 3.0, TOL);
    ovl_eval_free(ev);
}
END_TEST

START_TEST(test_key)
{
    char buf[256];
    ck_assert_str_eq(ovl_eval_key("/tmp/corpus/susp/00012.txt", buf, sizeof buf), "susp/00012.txt");
    ck_assert_str_eq(ovl_eval_key("susp/00012.txt", buf, sizeof buf), "susp/00012.txt");
    ck_assert_str_eq(ovl_eval_key("00012.txt", buf, sizeof buf), "00012.txt");
    ck_assert_str_eq(ovl_eval_key("./c/src/1.txt", buf, sizeof buf), "src/1.txt");
}
END_TEST

START_TEST(test_load_truth_and_report)
{
    char path[] = "/tmp/ovl_test_eval_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    const char *tsv = "# susp_path\tsusp_char_offset\tsusp_char_length\tsrc_path\tsrc_char_offset\tsrc_char_length\tobfuscation\n"
                      "susp/00001.txt\t100\t100\tsrc/00001.txt\t50\t100\trewrap+edit\n";
    ck_assert_int_eq(write(fd, tsv, strlen(tsv)), (int)strlen(tsv));
    close(fd);
    ovl_eval *ev = ovl_eval_new();
    char err[256];
    ck_assert_int_eq(ovl_eval_load_truth(ev, path, err, sizeof err), 0);
    /* a is the source, b the suspicious document: the passage is turned around; the
     * source-source passage is ignored */
    const char *json = "{\"schema\":1,\"documents\":["
                       "{\"id\":0,\"path\":\"/data/corpus/src/00001.txt\"},"
                       "{\"id\":1,\"path\":\"corpus/susp/00001.txt\"},"
                       "{\"id\":2,\"path\":\"corpus/src/00002.txt\"}],"
                       "\"passages\":["
                       "{\"a\":{\"doc\":0,\"char_start\":50,\"char_end\":100},"
                       " \"b\":{\"doc\":1,\"char_start\":100,\"char_end\":150},\"similarity\":1.0,\"matched_chars\":50,\"moved\":0},"
                       "{\"a\":{\"doc\":0,\"char_start\":0,\"char_end\":10},"
                       " \"b\":{\"doc\":2,\"char_start\":0,\"char_end\":10},\"similarity\":1.0,\"matched_chars\":10,\"moved\":0}]}";
    ck_assert_int_eq(ovl_eval_load_report_json(ev, json, strlen(json), err, sizeof err), 0);
    ck_assert_uint_eq(ovl_eval_ignored(ev), 1);
    ovl_eval_scores s = score(ev, "rewrap+edit");
    ck_assert_uint_eq(s.cases, 1);
    ck_assert_uint_eq(s.detections, 1);
    ck_assert_double_eq_tol(s.recall, 0.5, TOL);
    ck_assert_double_eq_tol(s.precision, 1.0, TOL);
    /* malformed inputs are refused with a message */
    ck_assert_int_eq(ovl_eval_load_report_json(ev, "{\"documents\":[]}", 16, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "not an overlap JSON report"));
    ck_assert_int_eq(ovl_eval_load_report_json(ev, "{", 1, err, sizeof err), -1);
    FILE *f = fopen(path, "w");
    fputs("susp/1.txt\t1\tx\tsrc/1.txt\t0\t1\tedit\n", f);
    fclose(f);
    ck_assert_int_eq(ovl_eval_load_truth(ev, path, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, ":1: expected"));
    unlink(path);
    ovl_eval_free(ev);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("eval");
    TCase *tc = tcase_create("eval");
    tcase_add_test(tc, test_perfect);
    tcase_add_test(tc, test_half_covered);
    tcase_add_test(tc, test_two_pieces);
    tcase_add_test(tc, test_overlapping_detections_union);
    tcase_add_test(tc, test_false_detection);
    tcase_add_test(tc, test_overlong_detection);
    tcase_add_test(tc, test_one_side_only);
    tcase_add_test(tc, test_no_detection);
    tcase_add_test(tc, test_per_kind);
    tcase_add_test(tc, test_key);
    tcase_add_test(tc, test_load_truth_and_report);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
