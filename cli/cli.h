/* cli.h - shared pieces of the overlap command-line tool: subcommand entry points and helpers. */
#ifndef OVL_CLI_H
#define OVL_CLI_H

#include <jansson.h>
#include <regex.h>
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
/* The scan cmd_scan runs: ovl_scan, or the MPI scan overlap-mpi sets; cli_scan_writes is 0 on
 * the processes that do not write the report (its output then goes to standard output). */
extern int (*cli_scan_fn)(ovl_ctx *, const ovl_corpus *, const ovl_scan_opts *,
                          const ovl_scan_sink *, ovl_scan_summary *);
extern int cli_scan_writes;
/* overlap-mpi: the corpus walked in parts, each process holding its share of the documents
 * (NULL: the whole corpus, walked here). walk adds the paths; count gives the documents of
 * the whole corpus; warn_empty warns of its empty files; groups gives the scan the group
 * keys (cli_group_key) of this process's share (the scan numbers them; no group id array
 * of the whole corpus), -1 (told) when it cannot. */
typedef struct cli_scan_parts {
    int (*walk)(ovl_ctx *ctx, ovl_corpus *c, const char *const *paths, size_t npaths, const ovl_walk_opts *wo);
    size_t (*count)(const ovl_corpus *c);
    void (*warn_empty)(const ovl_corpus *c);
    int (*groups)(const ovl_corpus *c, const char *regex, int by_dir);
} cli_scan_parts;
extern const cli_scan_parts *cli_scan_parted;
/* The group key of a document named name (--group's regex re, or the parent directory):
 * *len bytes at *start; 0 when it has none. */
int cli_group_key(const char *name, const regex_t *re, int by_dir, const char **start, size_t *len);
/* Compiles --group's POSIX extended regex into *re (freed with regfree); -1, said on stderr,
 * when it is not one. */
int cli_group_compile(const char *regex, regex_t *re);

/* "overlap: " + formatted message (control characters written as \xHH) + newline on stderr. */
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

/* Option parsing: getopt_long with the conventions every command shares. Options and
 * operands may come in any order; "--" ends the options; "-j2", "-j 2", "--jobs=2" and
 * "--jobs 2" are one thing; a long option may be shortened while it stays unambiguous.
 *
 * Long-only options have ids from CLI_O_FIRST up (above any short option letter); the
 * groups shared by several commands (document, alignment and fingerprint options) are
 * defined once here, as table entries (CLI_*_LONGOPTS) and one handler each. A command's
 * own ids start at CLI_O_CMD. */
#include <getopt.h>
enum {
    CLI_O_FIRST = 256,
    /* document options */
    O_ENCODING, O_LENIENT, O_NO_FOLD, O_MAX_BYTES,
    /* alignment options */
    O_MIN_CHARS, O_MIN_WORDS,
    /* fingerprint options */
    O_SEED, O_SHINGLE, O_SHINGLE_WORDS, O_NUM_HASHES, O_CHUNK_TOKENS, O_CHUNK_STRIDE,
    O_LSH_THRESHOLD, O_OLD_THRESHOLD, O_BANDS, O_ROWS, O_MAX_BANDS,
    /* options with one meaning in every command that takes them */
    O_FORMAT, O_COLOR, O_INCLUDE, O_EXCLUDE, O_HIDDEN, O_IGNORE, O_PROGRESS, O_NO_PROGRESS,
    O_EXCLUDE_QUOTES, O_EXCLUDE_REFS, O_DB, O_MAX_DF,
    /* report options (compare, check, scan) */
    O_WITH_TEXT, O_NO_TEXT, O_STAT, O_FAIL_ABOVE,
    /* input options (scan, dedup, index add, check) */
    O_TEXT_FIELD, O_ID_FIELD, O_ENCODING_OF,
    /* alignment mode and score floor */
    O_REWORDED, O_NO_REWORDED, O_MIN_SCORE,
    CLI_O_CMD = 512
};
#define CLI_DOC_LONGOPTS                                                                \
    {"encoding", required_argument, NULL, O_ENCODING}, {"lenient", no_argument, NULL, O_LENIENT}, \
    {"no-fold-traditional", no_argument, NULL, O_NO_FOLD}, {"max-bytes", required_argument, NULL, O_MAX_BYTES}
#define CLI_ALIGN_LONGOPTS                                                              \
    {"min-chars", required_argument, NULL, O_MIN_CHARS},                                \
    {"min-words", required_argument, NULL, O_MIN_WORDS},                                \
    {"reworded", no_argument, NULL, O_REWORDED}, {"no-reworded", no_argument, NULL, O_NO_REWORDED}, \
    {"min-score", required_argument, NULL, O_MIN_SCORE}
#define CLI_FP_LONGOPTS                                                                 \
    {"seed", required_argument, NULL, O_SEED}, {"shingle", required_argument, NULL, O_SHINGLE}, \
    {"shingle-words", required_argument, NULL, O_SHINGLE_WORDS},                        \
    {"num-hashes", required_argument, NULL, O_NUM_HASHES},                              \
    {"chunk-tokens", required_argument, NULL, O_CHUNK_TOKENS},                          \
    {"chunk-stride", required_argument, NULL, O_CHUNK_STRIDE},                          \
    {"lsh-threshold", required_argument, NULL, O_LSH_THRESHOLD},                        \
    {"threshold", required_argument, NULL, O_OLD_THRESHOLD},                            \
    {"bands", required_argument, NULL, O_BANDS}, {"rows", required_argument, NULL, O_ROWS}, \
    {"max-bands", required_argument, NULL, O_MAX_BANDS}
#define CLI_REPORT_LONGOPTS                                                             \
    {"with-text", no_argument, NULL, O_WITH_TEXT}, {"no-text", no_argument, NULL, O_NO_TEXT}, \
    {"stat", no_argument, NULL, O_STAT}, {"quiet", no_argument, NULL, 'q'},              \
    {"fail-above", required_argument, NULL, O_FAIL_ABOVE}
#define CLI_INPUT_LONGOPTS                                                              \
    {"text-field", required_argument, NULL, O_TEXT_FIELD},                              \
    {"id-field", required_argument, NULL, O_ID_FIELD},                                  \
    {"encoding-of", required_argument, NULL, O_ENCODING_OF}
#define CLI_HELP_LONGOPT {"help", no_argument, NULL, 'h'}

/* The next option of argv (argv[0] is the command name), as getopt_long: the option's id
 * (its short letter or its long-only id) with optarg set for a value. Operands come back in
 * their order as 1 with optarg the operand, those after "--" too; -1 at the end. An unknown
 * or ambiguous option, a missing value or a value given to an option that takes none is
 * reported as "overlap: CMD: ..." and comes back as '?' (the caller exits 2). shorts lists
 * the short letters as getopt does ("ho:j:"). Resets the parser when argv changes. */
int cli_getopt(int argc, char **argv, const char *shorts, const struct option *longs, const char *cmd);
/* The option as the user spelled it, for messages ("--jobs", "-j"): valid right after
 * cli_getopt returned it. */
const char *cli_optname(void);

/* Parses an unsigned integer / double option value or exits 2 with "overlap: NAME: ...". */
/* A size in bytes: digits with an optional K, M or G (KiB, MiB, GiB; either case), at most max. */
uint64_t cli_size(const char *name, const char *value, uint64_t max);
/* The same parse without the exit: 0 and *out, or -1 (for callers that must fail together,
 * as MPI ranks do). */
int cli_parse_size(const char *value, uint64_t max, uint64_t *out);
unsigned long cli_ulong(const char *name, const char *value, unsigned long min, unsigned long max);
double cli_double(const char *name, const char *value, double min, double max);

/* Handlers of the shared groups: return 1 when id is one of the group's options (applied to
 * the options), 0 otherwise. A bad value exits 2 with a message. */
int cli_doc_opt(int id, const char *arg, ovl_doc_opts *opts);
int cli_align_opt(int id, const char *arg, ovl_align_opts *opts);
/* cmd names the command in the warning for the old spelling --threshold. *given collects
 * which options were set (to check them against an index). */
int cli_fp_opt(int id, const char *arg, ovl_fp_opts *fp, unsigned *given, const char *cmd);

/* Help lines for the document options. */
#define CLI_DOC_OPTS_HELP \
    "  --encoding NAME          read input as NAME (any iconv name); default: detect\n" \
    "  --lenient                replace invalid bytes with U+FFFD instead of failing\n" \
    "                           (how many is said on stderr)\n" \
    "  --no-fold-traditional    do not fold Traditional Chinese to Simplified\n" \
    "  --max-bytes N            refuse an input file larger than N bytes (suffix K, M or G:\n" \
    "                           KiB, MiB, GiB; 0: up to 4 GiB); default 256M\n"

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
/* Returns 1 when id is one of them (CLI_INPUT_LONGOPTS), 0 otherwise; exits 2 on a bad value. */
int cli_input_opt(int id, const char *arg, cli_inputs *in);
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

#define CLI_ALIGN_OPTS_HELP \
    "  --min-chars N            shortest passage of CJK text, in characters (default 20)\n" \
    "  --min-words N            shortest passage of Latin text, in words (default 8)\n" \
    "  --reworded               also find reworded reuse: runs of sentences alike in their\n" \
    "                           rarer words (CJK: character bigrams), not only exact runs\n" \
    "  --no-reworded            exact mode only (the default)\n" \
    "  --min-score X            drop passages whose score (0..1) is below X (default 0)\n"

#define CLI_FP_OPTS_HELP \
    "  --seed N                 hash seed (default 0)\n" \
    "  --shingle N              shingle length in CJK characters (default 4)\n" \
    "  --shingle-words N        shingle length in words for other text (default 3)\n" \
    "  --num-hashes N           MinHash values per chunk (default 128)\n" \
    "  --chunk-tokens N         tokens per chunk window (default 50)\n" \
    "  --chunk-stride N         tokens between windows (default: half a window)\n" \
    "  --lsh-threshold X        chunk similarity the LSH bands are tuned for, strictly\n" \
    "                           between 0 and 1 (default 0.3; the old spelling\n" \
    "                           --threshold still works, with a warning)\n" \
    "  --bands N --rows N       explicit LSH banding (default: chosen from --lsh-threshold)\n" \
    "  --max-bands N            most bands for the automatic choice (default 16)\n"

/* Opens (with create: creates) the index db. Options the user did not give (bits missing
 * from given) are taken from the index; given ones must match it. Returns OVL_OK or an
 * ovl_error with the detail in ctx. */
int cli_index_open(ovl_ctx *ctx, const char *db, int create, int readonly, const ovl_fp_opts *fp,
                   unsigned given, const ovl_doc_opts *dopts, ovl_index **out);

/* Writes rep with opts (format and params set by the caller) to outpath (standard output
 * when NULL or "-"), coloured as the --color word says. Reports a failure as "CMD: ..." and
 * returns -1; 0 on success. */
/* json_dumps that fails (NULL) when an allocation fails: jansson's own writes a damaged
 * text instead when its buffer cannot grow. The caller frees the text with free(). */
char *cli_json_dumps(const json_t *v, size_t flags);

int cli_write_report(const char *cmd, ovl_ctx *ctx, const ovl_report *rep, ovl_report_opts *opts,
                     const char *outpath, const char *color);

/* The report options compare, check and scan share: --with-text, --no-text, --stat, -q,
 * --fail-above RATIO (fail_above < 0: not given). */
typedef struct cli_gate {
    double fail_above;
    int quiet;
} cli_gate;
#define CLI_GATE_INIT {-1.0, 0}
#define CLI_REPORT_OPTS_HELP \
    "  --format csv             the pair records as CSV (for check: each document's sources)\n" \
    "  --with-text, --no-text   JSON: each passage carries its text on both sides and its\n" \
    "                           edit operations (default: on for check, off otherwise)\n" \
    "  --stat                   summary only: figures, sources, sections, pair records\n" \
    "  -q, --quiet              no report on standard output (-o FILE still written)\n" \
    "  --fail-above RATIO       exit 1 only when a document's (or a pair's) reused ratio\n" \
    "                           is above RATIO (0 to 1), 0 otherwise: a gate for scripts\n"
int cli_report_opt(int id, const char *arg, ovl_report_opts *ro, cli_gate *g);
/* Exit status: with --fail-above, 1 when worst is above it; otherwise 1 when found. */
int cli_gate_status(const cli_gate *g, double worst, int found);
/* An ovl_write_fn that drops everything (-q without -o). */
int cli_discard(void *userdata, const void *data, size_t len);

/* Reads the --ignore templates: every file under paths[0..npaths) as a document. Reports a
 * file that cannot be read and returns -1 (a template that is not read would silently let
 * its text count); 0 with *out (free each with ovl_doc_free, then the array) otherwise. */
int cli_load_templates(ovl_ctx *ctx, const char *const *paths, size_t npaths,
                       const ovl_doc_opts *dopts, ovl_doc ***out, size_t *nout);

/* Why an input was not read: the message without the path and the byte offset (or -1). */
typedef struct cli_problem {
    char message[512];
    int64_t offset;
} cli_problem;

/* Loads the document at path, or from standard input when path is "-". A path that is not
 * a regular file (a FIFO, a device) is refused before it is opened. A failure is reported
 * once on stderr ("overlap: PATH: why") and described in *why (may be NULL); a document read
 * gets a warning when the file is empty. */
int cli_doc_load(ovl_ctx *ctx, const char *path, const ovl_doc_opts *opts, ovl_doc **out,
                 cli_problem *why);
/* "overlap: PATH: N invalid byte sequences replaced with U+FFFD" when n > 0. */
void cli_warn_replaced(const char *path, size_t n);

/* Warns of every empty file of the corpus c. */
void cli_corpus_warn_empty(const ovl_corpus *c);
/* "overlap: CMD: --lenient: TOTAL invalid byte sequences replaced with U+FFFD in FILES files"
 * on stderr. */
void cli_replaced_total(const char *cmd, size_t total, size_t files);

/* "overlap: " + path (escaped as cli_put_field does, so a name cannot write terminal
 * escapes or forge a line) + ": " + formatted message + newline on stderr. */
void cli_path_msg(const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

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
