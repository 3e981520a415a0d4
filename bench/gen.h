/* gen.h - seeded corpus generator with planted, obfuscated reuse and PAN-style ground truth. */
#ifndef OVL_GEN_H
#define OVL_GEN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Obfuscation kinds, as bit flags; a case's obfuscation is a set of them (0 = verbatim).
 * Applied in the order reword, reorder, edit, traditional, width, rewrap; encoding acts on the
 * whole suspicious file that holds the case. */
#define OVL_GEN_VERBATIM 0u
#define OVL_GEN_REWRAP 0x01u      /* hard line breaks every ~30-40 chars (zh) / ~60 (en), stray spaces */
#define OVL_GEN_WIDTH 0x02u       /* every ASCII punctuation / digit <-> its full-width form */
#define OVL_GEN_EDIT 0x04u        /* CJK char (zh) / word (en) substituted, inserted, deleted at edit_rate */
#define OVL_GEN_REORDER 0x08u     /* sentences of the passage shuffled (never left in order) */
#define OVL_GEN_TRADITIONAL 0x10u /* converted with OpenCC s2t.json */
#define OVL_GEN_ENCODING 0x20u    /* the suspicious file is GB18030 or UTF-16LE with BOM (en: UTF-16LE,
                                     as ASCII text is the same bytes in GB18030) */
#define OVL_GEN_ALL_KINDS 0x3Fu  /* the kinds "all" and "mixed" draw from */
/* Kinds drawn only when named (so that "all" corpora stay the same bytes): */
#define OVL_GEN_DOUBLE 0x40u      /* the source stretch planted twice: the second copy also
                                     sentence-shuffled and edited; two truth rows */
#define OVL_GEN_REWORD 0x80u      /* en: WordNet synonyms (first sense), clauses moved around
                                     commas, sentences joined; zh: OpenCC mainland -> Taiwan
                                     vocabulary read back in simplified script, clauses swapped
                                     around commas, function words dropped and connectives added.
                                     WordNet's dict directory: $OVL_WORDNET, else /usr/share/wordnet */
#define OVL_GEN_KNOWN_KINDS 0xFFu
#define OVL_GEN_MIX 0x100u        /* item meaning "2 or 3 kinds drawn at random per case" */

/* Name of one kind ("verbatim", "rewrap", ...), or NULL for a non-single flag. Static. */
const char *ovl_gen_kind_name(unsigned kind);
/* Writes the label of an obfuscation set: kind names joined by '+' in flag order, or
 * "verbatim" for 0. Returns the length written (truncated to cap-1 like snprintf). */
size_t ovl_gen_obf_label(unsigned obf, char *buf, size_t cap);
/* Parses a comma-separated list of items into items[0..cap): each item is a kind name, several
 * joined by '+' ("edit+rewrap"), "mixed" (OVL_GEN_MIX) or "all" (every single kind, then
 * mixed). Returns the number of items, or -1 when a name is unknown or cap is too small. */
int ovl_gen_parse_obf(const char *list, unsigned *items, size_t cap);

#define OVL_GEN_OPTS_VERSION 1
/* Zero or NULL fields mean the documented default. */
typedef struct ovl_gen_opts {
    unsigned version;        /* OVL_GEN_OPTS_VERSION */
    uint64_t seed;           /* same seed and options (and CSL file) => same bytes */
    const char *lang;        /* "zh" (default: CSL abstracts) or "en" (built-in vocabulary) */
    const char *csl_path;    /* NULL: $OVL_CSL/abstracts.txt, else ../shared/corpora/csl/abstracts.txt */
    size_t n_src;            /* source documents; default 10 */
    size_t n_susp;           /* suspicious documents; default 10 */
    uint64_t bytes;          /* non-zero: n_src = n_susp chosen so the corpus is about this size */
    unsigned cases_min;      /* planted cases per non-negative suspicious document; default 1 */
    unsigned cases_max;      /* default 4 */
    unsigned passage_min;    /* code points of a source passage; default 150 (zh) / 300 (en) */
    unsigned passage_max;    /* default 600 (zh) / 1200 (en) */
    unsigned doc_chars_min;  /* code points of own text per document; default 1500 (zh) / 3000 (en) */
    unsigned doc_chars_max;  /* default 5000 (zh) / 10000 (en) */
    double negative_rate;    /* fraction of suspicious documents without reuse; default 0.2 (<0: none) */
    double boilerplate_rate; /* fraction of documents carrying a shared boilerplate paragraph; default 0.3 (<0: none) */
    double edit_rate;        /* for OVL_GEN_EDIT; default 0.05 */
    const unsigned *obf;     /* items each case draws uniformly from (see ovl_gen_parse_obf); NULL:
                                "all" (for en without traditional, which changes nothing there) */
    size_t n_obf;
} ovl_gen_opts;
#define OVL_GEN_OPTS_INIT {OVL_GEN_OPTS_VERSION, 0, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0, 0.0, 0.0, NULL, 0}

/* Totals of a generated corpus. */
typedef struct ovl_gen_stats {
    size_t n_src, n_susp, n_cases, n_negative, n_boilerplate;
    uint64_t bytes; /* bytes written in document files */
} ovl_gen_stats;

/* Writes a corpus under outdir (created if needed; existing files are overwritten):
 *   src/NNNNN.txt   source documents, UTF-8
 *   susp/NNNNN.txt  suspicious documents (UTF-8, or GB18030 / UTF-16LE+BOM when a case
 *                   in it has the encoding kind), with planted passages
 *   truth.tsv       '#' header, then per case: susp_path, susp_char_offset, susp_char_length,
 *                   src_path, src_char_offset, src_char_length, obfuscation label; paths are
 *                   relative to outdir; offsets count code points of the decoded text
 *   boilerplate.tsv path, char_offset, char_length, boilerplate id: shared text that is not
 *                   a case (a detector may legitimately report or ignore it)
 * Source passages never include titles or boilerplate. Returns 0, or a negative ovl_error
 * code (OVL_ERR_NOTFOUND when lang is zh and the CSL file is missing, or reword is asked for
 * in en and WordNet is missing, OVL_ERR_INVALID,
 * OVL_ERR_IO, OVL_ERR_NOMEM) with a message in err. stats may be NULL. Single-threaded;
 * no global state, so distinct calls may run concurrently. */
int ovl_gen_corpus(const ovl_gen_opts *opts, const char *outdir, ovl_gen_stats *stats, char *err,
                   size_t errlen);

/* One source text and one suspicious text holding one planted passage, built in memory. */
typedef struct ovl_gen_pair {
    char *src;                  /* UTF-8, NUL-terminated; malloc'd */
    size_t src_len;             /* bytes */
    char *susp;                 /* bytes as they would be written: UTF-8 (NUL-terminated), or
                                   GB18030 / UTF-16LE with BOM when obf has OVL_GEN_ENCODING */
    size_t susp_len;            /* bytes */
    const char *susp_encoding;  /* "UTF-8", "GB18030" or "UTF-16LE"; static */
    unsigned obf;               /* kinds applied */
    uint64_t src_char_start, src_char_end;   /* the passage in src, code points */
    uint64_t susp_char_start, susp_char_end; /* its obfuscated copy in susp, code points of
                                                the decoded text (a BOM is not counted) */
    uint64_t src_byte_start, src_byte_end;   /* same in bytes of src */
    uint64_t susp_byte_start, susp_byte_end; /* same in bytes of susp as encoded (BOM counted) */
} ovl_gen_pair;

/* Builds a pair with obfuscation obf (a set of kinds; OVL_GEN_MIX not allowed) from opts
 * (seed, lang, csl_path, passage lengths, edit_rate; NULL = defaults). On success fills *out,
 * which the caller releases with ovl_gen_pair_free. Errors as ovl_gen_corpus. */
int ovl_gen_pair_make(const ovl_gen_opts *opts, unsigned obf, ovl_gen_pair *out, char *err,
                      size_t errlen);
void ovl_gen_pair_free(ovl_gen_pair *pair); /* frees the buffers; NULL accepted */

/* Seeded prose without planted reuse: paragraphs separated by blank lines, at least
 * min_chars code points (zh: CSL abstracts taken in a seeded order, then text synthesized
 * from them; en: generated sentences). Returns malloc'd UTF-8 (caller frees) or NULL with
 * err set. */
char *ovl_gen_prose(const ovl_gen_opts *opts, size_t min_chars, char *err, size_t errlen);

/* Writes the path of the CSL abstracts file opts designate (see csl_path) into buf; returns buf. */
const char *ovl_gen_csl_path(const ovl_gen_opts *opts, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
