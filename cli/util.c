/* util.c - option parsing, error reporting and output helpers shared by the subcommands. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Writes the formatted message with control characters as \xHH: a message may quote a
 * name (the library's "index X does not exist", a --group pattern), and none may write
 * terminal escapes or a line of its own. */
static void put_message(FILE *out, const char *fmt, va_list ap)
{
    char small[512], *buf = small;
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(small, sizeof small, fmt, aq);
    va_end(aq);
    if (n >= (int)sizeof small && (buf = malloc((size_t)n + 1)) != NULL)
        vsnprintf(buf, (size_t)n + 1, fmt, ap);
    else if (n >= (int)sizeof small)
        buf = small; /* out of memory: the message cut short */
    for (const unsigned char *p = (const unsigned char *)buf; n > 0 && *p; p++) {
        if (*p < 0x20 || *p == 0x7F)
            fprintf(out, "\\x%02X", *p);
        else
            fputc(*p, out);
    }
    fputc('\n', out);
    if (buf != small)
        free(buf);
}

/* "overlap: ", path and ": " when given, the message. */
static void put_line(FILE *out, const char *path, const char *fmt, va_list ap)
{
    fputs("overlap: ", out);
    if (path) {
        cli_put_field(out, path);
        fputs(": ", out);
    }
    put_message(out, fmt, ap);
}

/* The line in one write, so that rank 0's under mpirun is not cut by the launcher's own lines
 * (stderr is unbuffered: each piece would be a write of its own); out of memory, in pieces. */
static void error_line(const char *path, const char *fmt, va_list ap)
{
    char *mem = NULL;
    size_t len = 0;
    va_list aq;
    va_copy(aq, ap);
    FILE *line = open_memstream(&mem, &len);
    if (line)
        put_line(line, path, fmt, ap);
    if (line && fclose(line) == 0 && mem)
        fwrite(mem, 1, len, stderr);
    else
        put_line(stderr, path, fmt, aq);
    va_end(aq);
    free(mem);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_line(NULL, fmt, ap);
    va_end(ap);
}

void cli_path_msg(const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_line(path, fmt, ap);
    va_end(ap);
}

int cli_fail(const char *path, ovl_ctx *ctx, int rc)
{
    const char *msg = ovl_ctx_message(ctx);
    if (!msg || !*msg)
        msg = ovl_strerror(rc);
    if (path)
        cli_path_msg(path, "%s", msg);
    else
        cli_error("%s", msg);
    return CLI_EXIT_TROUBLE;
}

int cli_write_file(void *userdata, const void *data, size_t len)
{
    return fwrite(data, 1, len, (FILE *)userdata) == len ? 0 : -1;
}

int cli_color(const char *word, FILE *stream)
{
    if (!word || strcmp(word, "auto") == 0) {
        const char *term = getenv("TERM");
        return isatty(fileno(stream)) && !getenv("NO_COLOR") && !(term && strcmp(term, "dumb") == 0);
    }
    if (strcmp(word, "always") == 0)
        return 1;
    if (strcmp(word, "never") == 0)
        return 0;
    return -1;
}

/* Parser state: the argv being parsed, whether "--" (or the end) was reached. */
static char **g_argv;
static int g_end;
static char g_shorts[64];
static char g_name[80];

/* Names every long option that starts with the word the user typed, when more than one
 * does (getopt_long says only "ambiguous"). */
static int ambiguous(const char *arg, const struct option *longs, const char *cmd)
{
    size_t n = strcspn(arg, "=");
    int hits = 0;
    for (const struct option *o = longs; o->name; o++)
        hits += strncmp(o->name, arg, n) == 0;
    if (hits < 2)
        return 0;
    fprintf(stderr, "overlap: %s: option '--%.*s' is ambiguous (", cmd, (int)n, arg);
    hits = 0;
    for (const struct option *o = longs; o->name; o++)
        if (strncmp(o->name, arg, n) == 0)
            fprintf(stderr, "%s--%s", hits++ ? ", " : "", o->name);
    fputs(")\n", stderr);
    return 1;
}

static const struct option *by_val(const struct option *longs, int val)
{
    for (const struct option *o = longs; o->name; o++)
        if (o->val == val)
            return o;
    return NULL;
}

int cli_getopt(int argc, char **argv, const char *shorts, const struct option *longs, const char *cmd)
{
    if (argv != g_argv) {
        /* "-": operands come back in order (code 1) whatever POSIXLY_CORRECT says; ":":
         * a missing value is told apart from an unknown option. */
        g_argv = argv;
        g_end = 0;
        optind = 0;
        snprintf(g_shorts, sizeof g_shorts, "-:%s", shorts);
    }
    opterr = 0;
    g_name[0] = '\0';
    if (!g_end) {
        int li = -1;
        int c = getopt_long(argc, argv, g_shorts, longs, &li);
        if (c != -1) {
            const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
            if (li >= 0)
                snprintf(g_name, sizeof g_name, "--%s", longs[li].name);
            else if (c != 1 && c != '?' && c != ':')
                snprintf(g_name, sizeof g_name, "-%c", c);
            if (c == ':') {
                const struct option *o = by_val(longs, optopt);
                if (strncmp(arg, "--", 2) == 0 && o)
                    cli_error("%s: --%s needs a value", cmd, o->name);
                else
                    cli_error("%s: -%c needs a value", cmd, optopt);
                return '?';
            }
            if (c == '?') {
                const struct option *o = optopt ? by_val(longs, optopt) : NULL;
                if (o && strncmp(arg, "--", 2) == 0)
                    cli_error("%s: --%s takes no value", cmd, o->name);
                else if (optopt && optopt < CLI_O_FIRST)
                    cli_error("%s: unknown option '-%c' (see 'overlap %s --help')", cmd, optopt, cmd);
                else if (!(strncmp(arg, "--", 2) == 0 && ambiguous(arg + 2, longs, cmd)))
                    cli_error("%s: unknown option '%.*s' (see 'overlap %s --help')", cmd,
                              (int)strcspn(arg, "="), arg, cmd);
                return '?';
            }
            return c;
        }
        g_end = 1;
    }
    /* After "--" (or the last option) everything left is an operand, "-x" included. */
    if (optind < argc) {
        optarg = argv[optind++];
        return 1;
    }
    return -1;
}

const char *cli_optname(void) { return g_name; }

unsigned long cli_ulong(const char *name, const char *value, unsigned long min, unsigned long max)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(value, &end, 10);
    if (errno || end == value || *end || value[0] == '-' || v < min || v > max) {
        cli_error("%s: '%s' is not a whole number from %lu to %lu", name, value, min, max);
        exit(CLI_EXIT_TROUBLE);
    }
    return v;
}

int cli_parse_size(const char *value, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(value, &end, 10);
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10;
    else if (*end == 'M' || *end == 'm')
        shift = 20;
    else if (*end == 'G' || *end == 'g')
        shift = 30;
    if (errno || end == value || value[0] == '-' || (shift ? end[1] != '\0' : *end != '\0') ||
        v > (max >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

uint64_t cli_size(const char *name, const char *value, uint64_t max)
{
    uint64_t v;
    if (cli_parse_size(value, max, &v) != 0) {
        cli_error("%s: '%s' is not a size from 0 to %llu bytes (digits, then K, M or G for KiB, "
                  "MiB, GiB)", name, value, (unsigned long long)max);
        exit(CLI_EXIT_TROUBLE);
    }
    return v;
}

double cli_double(const char *name, const char *value, double min, double max)
{
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    if (errno || end == value || *end || isnan(v) || v < min || v > max) {
        cli_error("%s: '%s' is not a number from %g to %g", name, value, min, max);
        exit(CLI_EXIT_TROUBLE);
    }
    return v;
}

int cli_out_open(cli_out *o, const char *path)
{
    memset(o, 0, sizeof *o);
    if (!path || strcmp(path, "-") == 0) {
        o->f = stdout;
        return 0;
    }
    /* A temporary file beside the target, renamed over it only once the report is whole, so
     * a failed run never leaves a truncated report where a good one was. */
    size_t n = strlen(path) + 16;
    o->path = path;
    o->tmp = malloc(n);
    if (!o->tmp) {
        cli_error("out of memory");
        return -1;
    }
    snprintf(o->tmp, n, "%s.tmpXXXXXX", path);
    int fd = mkstemp(o->tmp);
    if (fd < 0 || !(o->f = fdopen(fd, "wb"))) {
        cli_error("%s: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(o->tmp);
        }
        free(o->tmp);
        o->tmp = NULL;
        return -1;
    }
    return 0;
}

int cli_out_close(cli_out *o, int ok)
{
    if (!o->f)
        return -1;
    int werr = fflush(o->f) != 0 || ferror(o->f);
    if (o->f != stdout)
        werr |= fclose(o->f) != 0;
    o->f = NULL;
    if (o->tmp) {
        if (ok && !werr && rename(o->tmp, o->path) != 0) {
            cli_error("%s: %s", o->path, strerror(errno));
            werr = 1;
        }
        if (!ok || werr)
            unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    }
    return werr ? -1 : 0;
}

int cli_doc_opt(int id, const char *arg, ovl_doc_opts *opts)
{
    switch (id) {
    case O_ENCODING: opts->decode.encoding = arg; return 1;
    case O_LENIENT: opts->decode.lenient = 1; return 1;
    case O_NO_FOLD: opts->norm.fold_traditional = 0; return 1;
    case O_MAX_BYTES: opts->max_bytes = cli_size("--max-bytes", arg, OVL_MAX_INPUT_BYTES); return 1;
    default: return 0;
    }
}

int cli_input_opt(int id, const char *v, cli_inputs *in)
{
    if (id == O_TEXT_FIELD || id == O_ID_FIELD) {
        *(id == O_TEXT_FIELD ? &in->text_field : &in->id_field) = v;
        return 1;
    }
    if (id != O_ENCODING_OF)
        return 0;
    const char *eq = strrchr(v, '=');
    if (!eq || eq == v || !eq[1]) {
        cli_error("--encoding-of wants GLOB=ENCODING, not '%s'", v);
        exit(CLI_EXIT_TROUBLE);
    }
    if (in->nrules == CLI_MAX_ENCODING_RULES) {
        cli_error("--encoding-of: at most %d rules", CLI_MAX_ENCODING_RULES);
        exit(CLI_EXIT_TROUBLE);
    }
    *(char *)eq = '\0'; /* v is in an argv string, ours to cut */
    in->rules[in->nrules].glob = v;
    in->rules[in->nrules++].encoding = eq + 1;
    return 1;
}

void cli_inputs_walk(const cli_inputs *in, ovl_walk_opts *wo)
{
    wo->text_field = in->text_field;
    wo->id_field = in->id_field;
    wo->encodings = in->rules;
    wo->nencodings = in->nrules;
}

const char *cli_inputs_encoding(const cli_inputs *in, const char *path)
{
    for (size_t k = 0; k < in->nrules; k++)
        if (ovl_glob_match(in->rules[k].glob, path))
            return in->rules[k].encoding;
    return NULL;
}

int cli_fp_opt(int id, const char *v, ovl_fp_opts *fp, unsigned *given, const char *cmd)
{
    switch (id) {
    case O_SEED: {
        char *end;
        errno = 0;
        fp->seed = strtoull(v, &end, 10);
        if (errno || end == v || *end || v[0] == '-') {
            cli_error("--seed: '%s' is not a whole number", v);
            exit(CLI_EXIT_TROUBLE);
        }
        *given |= G_SEED;
        return 1;
    }
    case O_SHINGLE: fp->k_cjk = (unsigned)cli_ulong("--shingle", v, 1, 64); *given |= G_KCJK; return 1;
    case O_SHINGLE_WORDS:
        fp->k_word = (unsigned)cli_ulong("--shingle-words", v, 1, 64);
        *given |= G_KWORD;
        return 1;
    case O_NUM_HASHES:
        fp->num_hashes = (unsigned)cli_ulong("--num-hashes", v, 1, 4096);
        *given |= G_NHASH;
        return 1;
    case O_CHUNK_TOKENS:
        fp->chunk_tokens = (unsigned)cli_ulong("--chunk-tokens", v, 1, 1000000);
        *given |= G_CHUNK;
        return 1;
    case O_CHUNK_STRIDE:
        fp->chunk_stride = (unsigned)cli_ulong("--chunk-stride", v, 1, 1000000);
        *given |= G_STRIDE;
        return 1;
    case O_OLD_THRESHOLD:
        /* The old name: dedup's --threshold is a reuse ratio, so this one was renamed. */
        cli_error("%s: --threshold is now --lsh-threshold (the old name still works for now)", cmd);
        fp->threshold = cli_double("--threshold", v, 0.0, 1.0);
        *given |= G_THRESH;
        return 1;
    case O_LSH_THRESHOLD:
        fp->threshold = cli_double("--lsh-threshold", v, 0.0, 1.0);
        *given |= G_THRESH;
        return 1;
    case O_BANDS: fp->bands = (unsigned)cli_ulong("--bands", v, 1, 4096); *given |= G_BANDS; return 1;
    case O_ROWS: fp->rows = (unsigned)cli_ulong("--rows", v, 1, 4096); *given |= G_ROWS; return 1;
    case O_MAX_BANDS:
        fp->max_bands = (unsigned)cli_ulong("--max-bands", v, 1, 4096);
        *given |= G_MAXB;
        return 1;
    default: return 0;
    }
}

typedef struct jtext {
    char *s;
    size_t len, cap;
    int bad;
} jtext;

static int jtext_put(const char *buf, size_t size, void *data)
{
    jtext *j = data;
    if (j->len + size + 1 > j->cap) {
        size_t cap = (j->len + size + 1) * 2;
        char *s = realloc(j->s, cap);
        if (!s)
            return j->bad = -1;
        j->s = s;
        j->cap = cap;
    }
    memcpy(j->s + j->len, buf, size);
    j->len += size;
    j->s[j->len] = '\0';
    return 0;
}

char *cli_json_dumps(const json_t *v, size_t flags)
{
    jtext j = {NULL, 0, 0, 0};
    if (!v || json_dump_callback(v, jtext_put, &j, flags) != 0 || j.bad || !j.s) {
        free(j.s);
        return NULL;
    }
    return j.s;
}

int cli_write_report(const char *cmd, ovl_ctx *ctx, const ovl_report *rep, ovl_report_opts *opts,
                     const char *outpath, const char *color)
{
    cli_out out;
    if (cli_out_open(&out, outpath) != 0)
        return -1;
    opts->color = cli_color(color, out.f);
    if (opts->color < 0) {
        cli_error("%s: --color must be auto, always or never, not '%s'", cmd, color);
        cli_out_close(&out, 0);
        return -1;
    }
    int rc = ovl_report_write(ctx, rep, opts, cli_write_file, out.f);
    int closed = cli_out_close(&out, rc == OVL_OK);
    if (rc != OVL_OK && rc != OVL_ERR_WRITE) { /* the writer's own trouble, not the file's */
        cli_fail(cmd, ctx, rc);
        return -1;
    }
    if (closed != 0 || rc != OVL_OK) {
        cli_error("%s: %s: cannot write the report", cmd, outpath ? outpath : "standard output");
        return -1;
    }
    return 0;
}

int cli_align_opt(int id, const char *v, ovl_align_opts *opts)
{
    if (id == O_MIN_CHARS)
        opts->min_cjk = (unsigned)cli_ulong("--min-chars", v, 1, 1000000);
    else if (id == O_MIN_WORDS)
        opts->min_words = (unsigned)cli_ulong("--min-words", v, 1, 1000000);
    else if (id == O_REWORDED || id == O_NO_REWORDED)
        opts->reworded = id == O_REWORDED;
    else if (id == O_MIN_SCORE)
        opts->min_score = cli_double("--min-score", v, 0.0, 1.0);
    else
        return 0;
    return 1;
}

int cli_load_templates(ovl_ctx *ctx, const char *const *paths, size_t npaths,
                       const ovl_doc_opts *dopts, ovl_doc ***out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (!npaths)
        return 0;
    ovl_corpus *c = ovl_corpus_new();
    int rc = c ? OVL_OK : OVL_ERR_NOMEM;
    for (size_t p = 0; rc == OVL_OK && p < npaths; p++)
        rc = ovl_corpus_add_path(ctx, c, paths[p], NULL);
    if (rc != OVL_OK) {
        cli_fail("--ignore", ctx, rc);
        ovl_corpus_free(c);
        return -1;
    }
    int bad = 0;
    for (size_t p = 0; p < ovl_corpus_problem_count(c); p++, bad = 1)
        cli_path_msg(ovl_corpus_problem(c, p)->path, "%s", ovl_corpus_problem(c, p)->message);
    size_t n = ovl_corpus_count(c);
    ovl_doc **docs = calloc(n + 1, sizeof *docs);
    for (size_t i = 0; docs && !bad && i < n; i++) {
        void *bytes = NULL;
        size_t len = 0;
        rc = ovl_corpus_read(ctx, c, i, &bytes, &len);
        ovl_doc_opts o = *dopts;
        if (ovl_corpus_encoding(c, i))
            o.decode.encoding = ovl_corpus_encoding(c, i);
        if (rc == OVL_OK)
            rc = ovl_doc_from_bytes(ctx, ovl_corpus_name(c, i), bytes, len, &o, &docs[i]);
        free(bytes);
        if (rc != OVL_OK) {
            cli_fail(ovl_corpus_name(c, i), ctx, rc);
            bad = 1;
        }
    }
    if (!docs)
        cli_error("out of memory"), bad = 1;
    if (bad) {
        for (size_t i = 0; docs && i < n; i++)
            ovl_doc_free(docs[i]);
        free(docs);
        ovl_corpus_free(c);
        return -1;
    }
    ovl_corpus_free(c);
    *out = docs;
    *nout = n;
    return 0;
}

void cli_put_field(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\\')
            fputs("\\\\", out);
        else if (*p == '\t')
            fputs("\\t", out);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p < 0x20 || *p == 0x7F)
            fprintf(out, "\\x%02X", *p);
        else
            fputc(*p, out);
    }
}

void cli_warn_replaced(const char *path, size_t n)
{
    if (n)
        cli_path_msg(path, "--lenient: %zu invalid byte sequence%s replaced with U+FFFD", n,
                     n == 1 ? "" : "s");
}

int cli_doc_load(ovl_ctx *ctx, const char *path, const ovl_doc_opts *opts, ovl_doc **out,
                 cli_problem *why)
{
    int rc;
    *out = NULL;
    if (why) {
        why->message[0] = '\0';
        why->offset = -1;
    }
    if (strcmp(path, "-") != 0) {
        /* A FIFO or a device would be opened and read until its writer stops, maybe never:
         * refused before it is opened, as the corpus walker refuses it. */
        struct stat sb;
        if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) {
            cli_path_msg(path, "not a regular file");
            if (why)
                snprintf(why->message, sizeof why->message, "not a regular file");
            return OVL_ERR_IO;
        }
        const char *hash = strrchr(path, '#');
        struct stat fb;
        if (hash && stat(path, &sb) != 0 && errno == ENOENT) {
            /* FILE.jsonl#ID, as a scan names a record: that record's text. */
            char *file = strndup(path, (size_t)(hash - path));
            char *text = NULL;
            size_t len = 0;
            if (!file)
                rc = OVL_ERR_NOMEM;
            else if (ovl_jsonl_kind(file) != OVL_JSONL_NONE && stat(file, &fb) == 0 && S_ISREG(fb.st_mode))
                rc = ovl_jsonl_find(ctx, file, OVL_JSONL_NONE, NULL, hash + 1, &text, &len);
            else
                rc = ovl_doc_from_file(ctx, path, opts, out);
            if (rc == OVL_OK && text) {
                ovl_doc_opts o = *opts; /* a record's text is UTF-8 whatever --encoding says */
                o.decode.encoding = "UTF-8";
                rc = ovl_doc_from_bytes(ctx, path, text, len, &o, out);
            }
            free(text);
            free(file);
        } else {
            rc = ovl_doc_from_file(ctx, path, opts, out);
        }
    } else {
        /* Standard input, read whole (pipes too) through the same reader; named "-" in reports. */
        void *bytes = NULL;
        size_t len = 0;
        rc = ovl_read_file(ctx, "/dev/stdin", &bytes, &len);
        if (rc == OVL_OK)
            rc = ovl_doc_from_bytes(ctx, "-", bytes, len, opts, out);
        free(bytes);
    }
    if (rc != OVL_OK) {
        cli_fail(path, ctx, rc);
        if (why) {
            const char *m = ovl_ctx_message(ctx);
            snprintf(why->message, sizeof why->message, "%s", m && *m ? m : ovl_strerror(rc));
            why->offset = ovl_ctx_offset(ctx);
        }
        return rc;
    }
    const ovl_text *t = ovl_doc_text(*out);
    if (ovl_text_size(t) == 0)
        cli_path_msg(path, "warning: empty file");
    return OVL_OK;
}

void cli_corpus_warn_empty(const ovl_corpus *c)
{
    for (size_t i = 0; i < ovl_corpus_count(c); i++)
        if (ovl_corpus_size(c, i) == 0)
            cli_path_msg(ovl_corpus_name(c, i), "warning: empty file");
}

void cli_replaced_total(const char *cmd, size_t total, size_t files)
{
    cli_error("%s: --lenient: %zu invalid byte sequence%s replaced with U+FFFD in %zu file%s", cmd,
              total, total == 1 ? "" : "s", files, files == 1 ? "" : "s");
}

int cli_report_opt(int id, const char *v, ovl_report_opts *ro, cli_gate *g)
{
    if (id == O_WITH_TEXT)
        ro->with_text = 1;
    else if (id == O_NO_TEXT)
        ro->with_text = 0;
    else if (id == O_STAT)
        ro->stat = 1;
    else if (id == 'q')
        g->quiet = 1;
    else if (id == O_FAIL_ABOVE)
        g->fail_above = cli_double("--fail-above", v, 0.0, 1.0);
    else
        return 0;
    return 1;
}

int cli_gate_status(const cli_gate *g, double worst, int found)
{
    if (g->fail_above >= 0)
        return worst > g->fail_above ? CLI_EXIT_FOUND : CLI_EXIT_NONE;
    return found ? CLI_EXIT_FOUND : CLI_EXIT_NONE;
}

int cli_discard(void *userdata, const void *data, size_t len)
{
    (void)userdata, (void)data, (void)len;
    return 0;
}
