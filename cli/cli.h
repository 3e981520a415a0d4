/* cli.h - shared pieces of the overlap command-line tool: subcommand entry points and helpers. */
#ifndef OVL_CLI_H
#define OVL_CLI_H

#include <stdio.h>
#include "overlap.h"

/* Exit statuses, like diff(1): 0 no reuse, 1 reuse found, 2 trouble. */
#define CLI_EXIT_NONE 0
#define CLI_EXIT_FOUND 1
#define CLI_EXIT_TROUBLE 2

/* Each subcommand: argv[0] is the subcommand name; returns the process exit status. */
int cmd_dump(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_dedup(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_check(int argc, char **argv);

/* "overlap: " + formatted message + newline on stderr. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Reports a library failure for path: "overlap: PATH: <ctx message>". Returns CLI_EXIT_TROUBLE. */
int cli_fail(const char *path, ovl_ctx *ctx, int rc);

/* ovl_write_fn writing to a FILE*. */
int cli_write_file(void *userdata, const void *data, size_t len);

/* Parses --color=auto|always|never into 0/1 for a stream; returns -1 if the word is unknown. */
int cli_color(const char *word, FILE *stream);

/* Option helpers: if argv[*i] is "--name=value" or "--name value" (or the short form,
 * "-o value" or "-ovalue"), sets *value, advances *i past what was used, returns 1; else 0.
 * short_name may be NULL. Exits with status 2 and a message when the value is missing. */
int cli_opt(int argc, char **argv, int *i, const char *name, const char *short_name,
            const char **value);
/* Parses an unsigned integer / double option value or exits 2 with "overlap: --NAME: ...". */
unsigned long cli_ulong(const char *name, const char *value, unsigned long min, unsigned long max);
double cli_double(const char *name, const char *value, double min, double max);

/* Document options shared by every command that reads documents: --encoding NAME,
 * --lenient, --no-fold-traditional. Returns 1 (and advances *i) when argv[*i] was one. */
int cli_doc_opt(int argc, char **argv, int *i, ovl_doc_opts *opts);
/* Help lines for those options. */
#define CLI_DOC_OPTS_HELP \
    "  --encoding NAME          read input as NAME (any iconv name); default: detect\n" \
    "  --lenient                replace invalid bytes with U+FFFD instead of failing\n" \
    "  --no-fold-traditional    do not fold Traditional Chinese to Simplified\n"

/* Input options of the commands that read corpora (scan, dedup, index add, check):
 * --text-field NAME and --id-field NAME for JSON lines records, --encoding-of GLOB=NAME (the
 * files matching GLOB, a path or basename fnmatch, are read as NAME; repeatable, first match
 * wins). Split at the last '=', since encoding names have none and paths may. */
#define CLI_MAX_ENCODING_RULES 64
typedef struct cli_inputs {
    const char *text_field, *id_field;
    ovl_encoding_rule rules[CLI_MAX_ENCODING_RULES]; /* point into argv (the '=' becomes NUL) */
    size_t nrules;
} cli_inputs;
/* Returns 1 (and advances *i) when argv[*i] was one; exits 2 on a bad value. */
int cli_input_opt(int argc, char **argv, int *i, cli_inputs *in);
/* Puts the input options into walk options. */
void cli_inputs_walk(const cli_inputs *in, ovl_walk_opts *wo);
/* The encoding the rules give path, or NULL. */
const char *cli_inputs_encoding(const cli_inputs *in, const char *path);
#define CLI_INPUT_OPTS_HELP \
    "  --encoding-of GLOB=NAME  read the files matching GLOB (path or basename) as NAME\n" \
    "                           (repeatable; first match wins; others: --encoding or detect)\n" \
    "  --text-field NAME        member holding a record's text in FILE.jsonl[.gz|.zst]\n" \
    "                           corpora (default text); each record is a document FILE#ID\n" \
    "  --id-field NAME          member holding a record's id (default id; none: the line)\n"

/* Which fingerprint options cli_fp_opt saw (to check them against an index). */
enum {
    G_SEED = 1u << 0, G_KCJK = 1u << 1, G_KWORD = 1u << 2, G_NHASH = 1u << 3, G_CHUNK = 1u << 4,
    G_STRIDE = 1u << 5, G_THRESH = 1u << 6, G_BANDS = 1u << 7, G_ROWS = 1u << 8, G_MAXB = 1u << 9
};

/* Aligner options shared by every command that aligns: --min-chars N, --min-words N.
 * Returns 1 (and advances *i) when argv[*i] was one. Exits 2 on a bad value. */
int cli_align_opt(int argc, char **argv, int *i, ovl_align_opts *opts);
#define CLI_ALIGN_OPTS_HELP \
    "  --min-chars N            shortest passage of CJK text, in characters (default 20)\n" \
    "  --min-words N            shortest passage of Latin text, in words (default 8)\n"

/* Fingerprint options shared by the commands that fingerprint (scan, index, check): --seed,
 * --shingle, --shingle-words, --num-hashes, --chunk-tokens, --chunk-stride, --threshold, --bands,
 * --rows, --max-bands. Returns 1 (and advances *i) when argv[*i] was one; *given collects
 * which were set (to check them against an index). Exits 2 on a bad value. */
int cli_fp_opt(int argc, char **argv, int *i, ovl_fp_opts *fp, unsigned *given);
#define CLI_FP_OPTS_HELP \
    "  --seed N                 hash seed (default 0)\n" \
    "  --shingle N              shingle length in CJK characters (default 4)\n" \
    "  --shingle-words N        shingle length in words for other text (default 3)\n" \
    "  --num-hashes N           MinHash values per chunk (default 128)\n" \
    "  --chunk-tokens N         tokens per chunk window (default 50)\n" \
    "  --chunk-stride N         tokens between windows (default: half a window)\n" \
    "  --threshold X            chunk similarity the LSH bands are tuned for, strictly\n" \
    "                           between 0 and 1 (default 0.3)\n" \
    "  --bands N --rows N       explicit LSH banding (default: chosen from --threshold)\n" \
    "  --max-bands N            most bands for the automatic choice (default 16)\n"

/* Opens (with create: creates) the index db. Options the user did not give (bits missing
 * from given) are taken from the index; given ones must match it. Returns OVL_OK or an
 * ovl_error with the detail in ctx. */
int cli_index_open(ovl_ctx *ctx, const char *db, int create, int readonly, const ovl_fp_opts *fp,
                   unsigned given, const ovl_doc_opts *dopts, ovl_index **out);
/* Absolute, lexically normalized form of path (malloc'd), or NULL when out of memory. */
char *cli_abspath(const char *path);

/* Writes rep with opts (format and params set by the caller) to outpath (standard output
 * when NULL or "-"), coloured as the --color word says. Reports a failure as "CMD: ..." and
 * returns -1; 0 on success. */
int cli_write_report(const char *cmd, ovl_ctx *ctx, const ovl_report *rep, ovl_report_opts *opts,
                     const char *outpath, const char *color);

/* Reads the --ignore templates: every file under paths[0..npaths) as a document. Reports a
 * file that cannot be read and returns -1 (a template that is not read would silently let
 * its text count); 0 with *out (free each with ovl_doc_free, then the array) otherwise. */
int cli_load_templates(ovl_ctx *ctx, const char *const *paths, size_t npaths,
                       const ovl_doc_opts *dopts, ovl_doc ***out, size_t *nout);

/* Loads the document at path, or from standard input when path is "-". */
int cli_doc_load(ovl_ctx *ctx, const char *path, const ovl_doc_opts *opts, ovl_doc **out);

/* Writes s as one field of a tab-separated line: backslash, tab, newline and other control
 * characters escaped (\\, \t, \n, \xHH), so a file name cannot forge a field or a row. */
void cli_put_field(FILE *out, const char *s);

/* An output file (-o FILE) written through a temporary file beside it and renamed into place
 * by cli_out_close, or standard output when path is NULL or "-". */
typedef struct cli_out {
    FILE *f;
    const char *path;
    char *tmp;
} cli_out;
/* Returns 0, or -1 after reporting why the file cannot be created. */
int cli_out_open(cli_out *o, const char *path);
/* Flushes and closes; with ok the file replaces path, otherwise it is removed. Returns 0, or
 * -1 when writing failed (the caller reports it). */
int cli_out_close(cli_out *o, int ok);

#endif
