/* eval.h - PAN-style evaluation of detected passages against a generated corpus's truth.tsv. */
#ifndef OVL_EVAL_H
#define OVL_EVAL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Measures after Potthast et al. 2010 ("An Evaluation Framework for Plagiarism Detection").
 * A case s and a detection r are each a set of characters on two sides: a span of a
 * suspicious document and a span of a source document. r detects s when they concern the
 * same document pair and overlap on both sides. |x| counts the characters of both sides.
 *   recall      = mean over cases s of |union over r detecting s of (s & r)| / |s|
 *   precision   = mean over detections r of |union over s detected by r of (s & r)| / |r|
 *   granularity = mean over detected cases of the number of detections detecting them
 *   plagdet     = F1(precision, recall) / log2(1 + granularity)
 * Conventions for empty sets: no cases gives recall 1, no detections gives precision 1,
 * no detected case gives granularity 1; F1 is 0 when precision + recall is 0.
 * Per obfuscation kind: the cases of that kind, and the detections detecting at least one of
 * them (whose precision still counts every case they hit).
 * Document pairs: a (suspicious, source) pair is true when a case links them and found when
 * a detection does; pair precision = hits / found, recall = hits / true (same conventions). */

/* Accumulates cases and detections. Not thread-safe; one per evaluation. */
typedef struct ovl_eval ovl_eval;

ovl_eval *ovl_eval_new(void);      /* NULL when out of memory */
void ovl_eval_free(ovl_eval *ev);  /* NULL accepted */

/* Documents are identified by a key: the last two components of their path ("susp/00012.txt"),
 * so truth.tsv paths (relative to the corpus directory) match report paths written from any
 * working directory, absolute or relative. The returned key is written into buf. */
const char *ovl_eval_key(const char *path, char *buf, size_t cap);

/* Adds a case (obf = obfuscation label, e.g. "edit+rewrap"; NULL = "unknown"). Offsets and
 * lengths are code points. Returns 0 or -1 when out of memory. */
int ovl_eval_add_case(ovl_eval *ev, const char *susp, uint64_t susp_off, uint64_t susp_len,
                      const char *src, uint64_t src_off, uint64_t src_len, const char *obf);
/* Adds a detection between a suspicious and a source document. Returns 0 or -1. */
int ovl_eval_add_detection(ovl_eval *ev, const char *susp, uint64_t susp_off, uint64_t susp_len,
                           const char *src, uint64_t src_off, uint64_t src_len);

/* Reads truth.tsv as ovl-gen writes it ('#' lines skipped; 6 or 7 tab-separated fields).
 * Returns 0, or -1 with a message in err. */
int ovl_eval_load_truth(ovl_eval *ev, const char *path, char *err, size_t errlen);

/* Reads an overlap JSON report (schema 1): "documents" [{"id","path"}] and "passages"
 * [{"a":{"doc","char_start","char_end"},"b":{...}}]. Each document is classified as
 * suspicious or source: by the truth cases already loaded (its key appears as a case's
 * suspicious or source document), else by the first key component ("susp" or "src").
 * A passage between a suspicious and a source document (either order) becomes a detection;
 * any other passage (two sources, two suspicious documents, an unknown document) is only
 * counted in ignored. Load the truth first. Returns 0, or -1 with a message in err. */
int ovl_eval_load_report(ovl_eval *ev, const char *path, char *err, size_t errlen);
/* Same from JSON text in memory. */
int ovl_eval_load_report_json(ovl_eval *ev, const char *json, size_t len, char *err, size_t errlen);

typedef struct ovl_eval_scores {
    size_t cases;          /* cases considered */
    size_t detections;     /* detections considered */
    size_t detected_cases; /* cases detected by at least one detection */
    double recall, precision, f1, granularity, plagdet;
    size_t pairs_true, pairs_found, pairs_hit;
    double pair_recall, pair_precision;
} ovl_eval_scores;

/* Scores every case (kind NULL) or the cases whose label is exactly kind. Returns 0, -1 when
 * out of memory. For a kind, pairs_found counts found pairs that hold a case of that kind. */
int ovl_eval_score(const ovl_eval *ev, const char *kind, ovl_eval_scores *out);

size_t ovl_eval_kind_count(const ovl_eval *ev);
/* Distinct case labels, sorted by name; owned by ev. */
const char *ovl_eval_kind(const ovl_eval *ev, size_t i);
/* Passages of loaded reports that were not suspicious-source detections. */
size_t ovl_eval_ignored(const ovl_eval *ev);

#ifdef __cplusplus
}
#endif
#endif
