/* util.c - option parsing, error reporting and output helpers shared by the subcommands. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("overlap: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_fail(const char *path, ovl_ctx *ctx, int rc)
{
    const char *msg = ovl_ctx_message(ctx);
    if (!msg || !*msg)
        msg = ovl_strerror(rc);
    if (path)
        cli_error("%s: %s", path, msg);
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

int cli_opt(int argc, char **argv, int *i, const char *name, const char *short_name, const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) == 0 && a[n] == '=') {
        *value = a + n + 1;
        *i += 1;
        return 1;
    }
    if (strcmp(a, name) == 0 || (short_name && strcmp(a, short_name) == 0)) {
        if (*i + 1 >= argc) {
            cli_error("%s needs a value", name);
            exit(CLI_EXIT_TROUBLE);
        }
        *value = argv[*i + 1];
        *i += 2;
        return 1;
    }
    /* "-j2", as make(1) takes it: a one-letter short option with its value attached. */
    if (short_name && short_name[0] == '-' && short_name[1] && !short_name[2] &&
        a[0] == '-' && a[1] == short_name[1] && a[2]) {
        *value = a + 2;
        *i += 1;
        return 1;
    }
    return 0;
}

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

int cli_doc_opt(int argc, char **argv, int *i, ovl_doc_opts *opts)
{
    const char *v;
    if (cli_opt(argc, argv, i, "--encoding", NULL, &v)) {
        opts->decode.encoding = v;
        return 1;
    }
    if (strcmp(argv[*i], "--lenient") == 0) {
        opts->decode.lenient = 1;
        *i += 1;
        return 1;
    }
    if (strcmp(argv[*i], "--no-fold-traditional") == 0) {
        opts->norm.fold_traditional = 0;
        *i += 1;
        return 1;
    }
    return 0;
}

int cli_input_opt(int argc, char **argv, int *i, cli_inputs *in)
{
    const char *v;
    if (cli_opt(argc, argv, i, "--text-field", NULL, &v)) {
        in->text_field = v;
        return 1;
    }
    if (cli_opt(argc, argv, i, "--id-field", NULL, &v)) {
        in->id_field = v;
        return 1;
    }
    if (!cli_opt(argc, argv, i, "--encoding-of", NULL, &v))
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
    *(char *)eq = '\0'; /* v is an argv string, ours to cut */
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

int cli_fp_opt(int argc, char **argv, int *i, ovl_fp_opts *fp, unsigned *given)
{
    const char *v;
    if (cli_opt(argc, argv, i, "--seed", NULL, &v)) {
        char *end;
        errno = 0;
        fp->seed = strtoull(v, &end, 10);
        if (errno || end == v || *end || v[0] == '-') {
            cli_error("--seed: '%s' is not a whole number", v);
            exit(CLI_EXIT_TROUBLE);
        }
        *given |= G_SEED;
    } else if (cli_opt(argc, argv, i, "--shingle", NULL, &v)) {
        fp->k_cjk = (unsigned)cli_ulong("--shingle", v, 1, 64);
        *given |= G_KCJK;
    } else if (cli_opt(argc, argv, i, "--shingle-words", NULL, &v)) {
        fp->k_word = (unsigned)cli_ulong("--shingle-words", v, 1, 64);
        *given |= G_KWORD;
    } else if (cli_opt(argc, argv, i, "--num-hashes", NULL, &v)) {
        fp->num_hashes = (unsigned)cli_ulong("--num-hashes", v, 1, 4096);
        *given |= G_NHASH;
    } else if (cli_opt(argc, argv, i, "--chunk-tokens", NULL, &v)) {
        fp->chunk_tokens = (unsigned)cli_ulong("--chunk-tokens", v, 1, 1000000);
        *given |= G_CHUNK;
    } else if (cli_opt(argc, argv, i, "--chunk-stride", NULL, &v)) {
        fp->chunk_stride = (unsigned)cli_ulong("--chunk-stride", v, 1, 1000000);
        *given |= G_STRIDE;
    } else if (cli_opt(argc, argv, i, "--threshold", NULL, &v)) {
        fp->threshold = cli_double("--threshold", v, 0.0, 1.0);
        *given |= G_THRESH;
    } else if (cli_opt(argc, argv, i, "--bands", NULL, &v)) {
        fp->bands = (unsigned)cli_ulong("--bands", v, 1, 4096);
        *given |= G_BANDS;
    } else if (cli_opt(argc, argv, i, "--rows", NULL, &v)) {
        fp->rows = (unsigned)cli_ulong("--rows", v, 1, 4096);
        *given |= G_ROWS;
    } else if (cli_opt(argc, argv, i, "--max-bands", NULL, &v)) {
        fp->max_bands = (unsigned)cli_ulong("--max-bands", v, 1, 4096);
        *given |= G_MAXB;
    } else {
        return 0;
    }
    return 1;
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
    if (cli_out_close(&out, rc == OVL_OK) != 0 || rc != OVL_OK) {
        cli_error("%s: %s: cannot write the report", cmd, outpath ? outpath : "standard output");
        return -1;
    }
    return 0;
}

int cli_align_opt(int argc, char **argv, int *i, ovl_align_opts *opts)
{
    const char *v;
    if (cli_opt(argc, argv, i, "--min-chars", NULL, &v))
        opts->min_cjk = (unsigned)cli_ulong("--min-chars", v, 1, 1000000);
    else if (cli_opt(argc, argv, i, "--min-words", NULL, &v))
        opts->min_words = (unsigned)cli_ulong("--min-words", v, 1, 1000000);
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
        cli_error("%s: %s", ovl_corpus_problem(c, p)->path, ovl_corpus_problem(c, p)->message);
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

int cli_doc_load(ovl_ctx *ctx, const char *path, const ovl_doc_opts *opts, ovl_doc **out)
{
    if (strcmp(path, "-") != 0)
        return ovl_doc_from_file(ctx, path, opts, out);
    /* Standard input, read whole (pipes too) through the same reader; named "-" in reports. */
    void *bytes = NULL;
    size_t len = 0;
    int rc = ovl_read_file(ctx, "/dev/stdin", &bytes, &len);
    if (rc == OVL_OK)
        rc = ovl_doc_from_bytes(ctx, "-", bytes, len, opts, out);
    free(bytes);
    return rc;
}
