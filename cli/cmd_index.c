/* cmd_index.c - `overlap index add|remove|list|stats|verify`: maintain a persistent corpus index. */
#include "cli.h"
#include "progress.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>




/* Opens db. The parameters the user did not give are taken from the index itself (so
 * `check --db F` needs no options), the ones given must then match what is stored: the
 * library reports the first difference. */
int cli_index_open(ovl_ctx *ctx, const char *db, int create, int readonly, const ovl_fp_opts *fp,
                   unsigned given, const ovl_doc_opts *dopts, ovl_index **out)
{
    struct stat sb;
    ovl_index_opts io = OVL_INDEX_OPTS_INIT;
    ovl_fp_opts want = *fp;
    ovl_doc_opts wdoc = *dopts;
    io.create = create;
    io.readonly = readonly;
    if (stat(db, &sb) == 0 && sb.st_size > 0) {
        ovl_index_opts po = OVL_INDEX_OPTS_INIT;
        ovl_index *peek = NULL;
        po.readonly = 1;
        int rc = ovl_index_open(ctx, db, &po, &peek);
        if (rc != OVL_OK)
            return rc;
        ovl_doc_opts sdoc;
        ovl_index_params(peek, &want, &sdoc);
        ovl_index_close(peek);
        if (given & G_SEED) want.seed = fp->seed;
        if (given & G_KCJK) want.k_cjk = fp->k_cjk;
        if (given & G_KWORD) want.k_word = fp->k_word;
        if (given & G_NHASH) want.num_hashes = fp->num_hashes;
        if (given & G_CHUNK) want.chunk_tokens = fp->chunk_tokens;
        if (given & G_STRIDE) want.chunk_stride = fp->chunk_stride;
        if (given & G_THRESH) want.threshold = fp->threshold;
        if (given & G_MAXB) want.max_bands = fp->max_bands;
        if (given & G_BANDS) want.bands = fp->bands;
        if (given & G_ROWS) want.rows = fp->rows;
        if ((given & (G_THRESH | G_NHASH | G_MAXB)) && !(given & G_BANDS))
            want.bands = want.rows = 0;
        if ((given & G_CHUNK) && !(given & G_STRIDE))
            want.chunk_stride = 0;
        /* --no-fold-traditional is the only normalization switch: absent, adopt the index's. */
        if (dopts->norm.fold_traditional)
            wdoc.norm.fold_traditional = sdoc.norm.fold_traditional;
        wdoc.segment = sdoc.segment;
    }
    io.fp = &want;
    io.doc = &wdoc;
    return ovl_index_open(ctx, db, &io, out);
}

/* Absolute form of path, "." and ".." resolved textually (symlinks kept), so the same file
 * named two ways is one document and a deleted file can still be removed by name. */
char *cli_abspath(const char *path)
{
    char cwd[4096];
    const char *base = "";
    if (path[0] != '/') {
        if (!getcwd(cwd, sizeof cwd))
            return NULL;
        base = cwd;
    }
    size_t cap = strlen(base) + strlen(path) + 3;
    char *joined = malloc(cap), *out = malloc(cap);
    if (!joined || !out) {
        free(joined);
        free(out);
        return NULL;
    }
    snprintf(joined, cap, "%s/%s", base, path);
    size_t k = 0;
    for (char *p = joined; *p;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 1 && p[0] == '.') {
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (k > 0 && out[k - 1] != '/')
                k--;
            if (k > 0)
                k--;
        } else {
            out[k++] = '/';
            memcpy(out + k, p, n);
            k += n;
        }
        p += n;
    }
    if (k == 0)
        out[k++] = '/';
    out[k] = '\0';
    free(joined);
    return out;
}

typedef struct pathlist {
    char **v;
    size_t n, cap;
} pathlist;

static int pl_push(pathlist *pl, char *s)
{
    if (!s)
        return -1;
    if (pl->n == pl->cap) {
        size_t nc = pl->cap ? pl->cap * 2 : 64;
        char **nv = realloc(pl->v, nc * sizeof *nv);
        if (!nv) {
            free(s);
            return -1;
        }
        pl->v = nv;
        pl->cap = nc;
    }
    pl->v[pl->n++] = s;
    return 0;
}

static void pl_free(pathlist *pl)
{
    for (size_t i = 0; i < pl->n; i++)
        free(pl->v[i]);
    free(pl->v);
}

static void help(FILE *f)
{
    fprintf(f, "usage: overlap index add --db FILE [--meta KEY=VALUE]... PATH...\n"
               "       overlap index remove --db FILE PATH...\n"
               "       overlap index list --db FILE [--format text|json]\n"
               "       overlap index stats --db FILE\n"
               "       overlap index verify --db FILE [--deep]\n\n"
               "A persistent corpus index (one SQLite file) for 'overlap check'. It stores each\n"
               "document's absolute path, XXH3-128 hash, encoding, size, metas and original bytes\n"
               "(so check shows source passages after the files are gone), and its chunk\n"
               "fingerprints' LSH band keys.\n\n"
               "add: directories are walked recursively (files in name order, hidden entries\n"
               "  skipped). A path already holding the same bytes is 'unchanged' (its metas are\n"
               "  kept); changed bytes replace the old entry ('replaced'); the same bytes under\n"
               "  another path are another document. One transaction per document. A file that\n"
               "  cannot be read or decoded is reported (path and byte offset) and skipped, the\n"
               "  others are still added; exit status 2 if any file failed, else 0.\n"
               "remove: a PATH that names no document removes every document under it as a\n"
               "  directory; exit status 2 if a PATH matched nothing.\n"
               "verify: SQLite integrity check and per-document consistency (bytes, hash, band\n"
               "  keys); --deep also recomputes every document's band keys.\n\n"
               "options:\n"
               "  --db FILE                the index (created by add when absent)\n"
               "  --meta KEY=VALUE         tag the added documents (repeatable)\n"
               "  --format text|json       list format (default text)\n"
               CLI_DOC_OPTS_HELP
               "  --text-field NAME, --id-field NAME  the members of FILE.jsonl[.gz|.zst] records\n"
               "                           holding the text and the id (defaults text, id)\n"
               "fingerprint options (fixed when the index is created; given later, they must\n"
               "match it):\n" CLI_FP_OPTS_HELP
               "\nexamples:\n"
               "  overlap index add --db papers.db published/ --meta journal=JSS\n"
               "  overlap index list --db papers.db\n"
               "  overlap index verify --db papers.db --deep\n");
}

static int same_file(const char *abs, const char *db_abs)
{
    size_t n = strlen(db_abs);
    if (strncmp(abs, db_abs, n) != 0)
        return 0;
    const char *rest = abs + n;
    return !*rest || !strcmp(rest, "-wal") || !strcmp(rest, "-shm") || !strcmp(rest, "-journal");
}

static int do_add(ovl_ctx *ctx, ovl_index *idx, const char *db, char **paths, int npaths,
                  const ovl_index_meta *metas, size_t nmetas, const ovl_walk_opts *wo)
{
    int failed = 0;
    size_t counts[4] = {0};
    char *db_abs = cli_abspath(db);
    /* Hidden files and directories (editor backups, VCS data) are not documents: the
     * walker's default. */
    ovl_corpus *files = ovl_corpus_new();
    int status = CLI_EXIT_NONE;
    for (int p = 0; files && p < npaths && status == CLI_EXIT_NONE; p++)
        if (ovl_corpus_add_path(ctx, files, paths[p], wo) != OVL_OK)
            status = cli_fail("index", ctx, ovl_ctx_code(ctx));
    if (!files) {
        cli_error("out of memory");
        status = CLI_EXIT_TROUBLE;
    }
    for (size_t p = 0; p < ovl_corpus_problem_count(files); p++) {
        const ovl_problem *pb = ovl_corpus_problem(files, p);
        cli_error("%s: %s", pb->path, pb->message);
        failed++;
    }
    size_t nfiles = status == CLI_EXIT_NONE ? ovl_corpus_count(files) : 0;
    for (size_t k = 0; k < nfiles; k++) {
        const char *path = ovl_corpus_name(files, k);
        char *abs = cli_abspath(path);
        if (!abs || !db_abs) {
            cli_error("out of memory");
            free(abs);
            status = CLI_EXIT_TROUBLE;
            break;
        }
        if (same_file(abs, db_abs)) {
            free(abs);
            continue;
        }
        size_t len = 0;
        void *bytes = NULL;
        int rrc = ovl_corpus_read(ctx, files, k, &bytes, &len);
        if (rrc != OVL_OK) {
            cli_fail(path, ctx, rrc);
            failed++;
            free(abs);
            continue;
        }
        int st = 0;
        int rc = ovl_index_add(ctx, idx, abs, bytes, len, metas, nmetas, &st);
        free(bytes);
        if (rc == OVL_OK) {
            counts[st]++;
            printf("%-9s %s\n", st == OVL_INDEX_ADDED ? "added" : st == OVL_INDEX_REPLACED ? "replaced" : "unchanged",
                   abs);
        } else if (rc == OVL_ERR_DB || rc == OVL_ERR_CORRUPT || rc == OVL_ERR_NOMEM) {
            /* The index itself is in trouble: stop rather than fail every file. */
            cli_fail(db, ctx, rc);
            free(abs);
            status = CLI_EXIT_TROUBLE;
            break;
        } else {
            cli_fail(path, ctx, rc);
            failed++;
        }
        free(abs);
    }
    /* The run's band keys into sorted runs now, so later checks read few pending records. */
    int frc;
    if (status != CLI_EXIT_TROUBLE && (frc = ovl_index_flush(ctx, idx)) != OVL_OK) {
        cli_fail(db, ctx, frc);
        status = CLI_EXIT_TROUBLE;
    }
    printf("%zu added, %zu replaced, %zu unchanged, %d failed\n", counts[OVL_INDEX_ADDED],
           counts[OVL_INDEX_REPLACED], counts[OVL_INDEX_UNCHANGED], failed);
    free(db_abs);
    ovl_corpus_free(files);
    return failed ? CLI_EXIT_TROUBLE : status;
}

static int do_remove(ovl_ctx *ctx, ovl_index *idx, const char *db, char **paths, int npaths)
{
    int status = CLI_EXIT_NONE;
    for (int k = 0; k < npaths; k++) {
        char *abs = cli_abspath(paths[k]);
        if (!abs) {
            cli_error("out of memory");
            return CLI_EXIT_TROUBLE;
        }
        int rc = ovl_index_remove(ctx, idx, abs);
        if (rc == OVL_OK) {
            printf("removed   %s\n", abs);
        } else if (rc == OVL_ERR_NOTFOUND) {
            /* Not a document: every document under it as a directory. */
            int64_t *ids = NULL;
            size_t n = 0, removed = 0, plen = strlen(abs);
            rc = ovl_index_list(ctx, idx, &ids, &n);
            pathlist under = {0};
            for (size_t i = 0; i < n && rc == OVL_OK; i++) {
                ovl_index_entry e;
                rc = ovl_index_doc_info(ctx, idx, ids[i], &e);
                if (rc == OVL_OK && strncmp(e.path, abs, plen) == 0 &&
                    (e.path[plen] == '/' || (plen == 1 && abs[0] == '/')))
                    if (pl_push(&under, strdup(e.path)) != 0)
                        rc = OVL_ERR_NOMEM;
            }
            for (size_t i = 0; i < under.n && rc == OVL_OK; i++) {
                rc = ovl_index_remove(ctx, idx, under.v[i]);
                if (rc == OVL_OK) {
                    printf("removed   %s\n", under.v[i]);
                    removed++;
                }
            }
            free(ids);
            pl_free(&under);
            if (rc != OVL_OK) {
                free(abs);
                return cli_fail(db, ctx, rc);
            }
            if (!removed) {
                cli_error("%s: not in index %s", paths[k], db);
                status = CLI_EXIT_TROUBLE;
            }
        } else {
            free(abs);
            return cli_fail(db, ctx, rc);
        }
        free(abs);
    }
    return status;
}

static void iso_time(int64_t t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm))
        strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
    else
        snprintf(buf, cap, "%" PRId64, t);
}

static int do_list(ovl_ctx *ctx, ovl_index *idx, const char *db, int json)
{
    int64_t *ids = NULL;
    size_t n = 0;
    int rc = ovl_index_list(ctx, idx, &ids, &n);
    if (rc != OVL_OK)
        return cli_fail(db, ctx, rc);
    json_t *arr = json ? json_array() : NULL;
    for (size_t i = 0; i < n; i++) {
        ovl_index_entry e;
        if ((rc = ovl_index_doc_info(ctx, idx, ids[i], &e)) != OVL_OK) {
            free(ids);
            json_decref(arr);
            return cli_fail(db, ctx, rc);
        }
        char when[32];
        iso_time(e.added, when, sizeof when);
        if (json) {
            json_t *m = json_array();
            for (size_t k = 0; k < e.n_metas; k++)
                json_array_append_new(m, json_pack("{s:s,s:s}", "key", e.metas[k].key, "value", e.metas[k].value));
            json_array_append_new(arr, json_pack("{s:I,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:s,s:o}", "id",
                                                 (json_int_t)e.id, "path", e.path, "hash", e.hash,
                                                 "encoding", e.encoding, "bytes", (json_int_t)e.size,
                                                 "chars", (json_int_t)e.chars, "paragraphs",
                                                 (json_int_t)e.paragraphs, "chunks", (json_int_t)e.chunks,
                                                 "added", when, "metas", m));
        } else {
            printf("%s\t%" PRIu64 "\t%s\t%s\t%s", e.path, e.size, e.encoding, e.hash, when);
            for (size_t k = 0; k < e.n_metas; k++)
                printf("%s%s=%s", k ? "," : "\t", e.metas[k].key, e.metas[k].value);
            putchar('\n');
        }
    }
    free(ids);
    if (json) {
        char *s = json_dumps(arr, JSON_INDENT(2));
        json_decref(arr);
        if (!s) {
            cli_error("out of memory");
            return CLI_EXIT_TROUBLE;
        }
        puts(s);
        free(s);
    }
    return fflush(stdout) == 0 ? CLI_EXIT_NONE : CLI_EXIT_TROUBLE;
}

static int do_stats(ovl_ctx *ctx, ovl_index *idx, const char *db)
{
    ovl_index_stats s;
    int rc = ovl_index_stats_get(ctx, idx, &s);
    if (rc != OVL_OK)
        return cli_fail(db, ctx, rc);
    ovl_fp_opts fp;
    ovl_doc_opts d;
    ovl_index_params(idx, &fp, &d);
    uint64_t file = 0;
    struct stat sb;
    char wal[4096];
    if (stat(db, &sb) == 0)
        file += (uint64_t)sb.st_size;
    snprintf(wal, sizeof wal, "%s-wal", db);
    if (stat(wal, &sb) == 0)
        file += (uint64_t)sb.st_size;
    printf("documents      %" PRIu64 "\n"
           "paragraphs     %" PRIu64 "\n"
           "chunks         %" PRIu64 "\n"
           "band keys      %" PRIu64 "\n"
           "text bytes     %" PRIu64 "\n"
           "characters     %" PRIu64 "\n"
           "database bytes %" PRIu64 " (pages), %" PRIu64 " (files with WAL)\n"
           "parameters     seed %" PRIu64 ", k_cjk %u, k_word %u, num_hashes %u, chunk_tokens %u, "
           "chunk_stride %u, bands %u, rows %u, fold_traditional %d\n",
           s.documents, s.paragraphs, s.chunks, s.band_rows, s.text_bytes, s.chars, s.db_bytes, file,
           (uint64_t)fp.seed, fp.k_cjk, fp.k_word, fp.num_hashes, fp.chunk_tokens, fp.chunk_stride,
           fp.bands, fp.rows, d.norm.fold_traditional);
    return CLI_EXIT_NONE;
}

int cmd_index(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        help(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_TROUBLE : 0;
    }
    const char *sub = argv[1], *db = NULL, *format = "text";
    enum { ADD, REMOVE, LIST, STATS, VERIFY } op;
    if (!strcmp(sub, "add")) op = ADD;
    else if (!strcmp(sub, "remove")) op = REMOVE;
    else if (!strcmp(sub, "list")) op = LIST;
    else if (!strcmp(sub, "stats")) op = STATS;
    else if (!strcmp(sub, "verify")) op = VERIFY;
    else {
        cli_error("index: unknown action '%s' (add, remove, list, stats, verify)", sub);
        return CLI_EXIT_TROUBLE;
    }
    ovl_doc_opts dopts = OVL_DOC_OPTS_INIT;
    cli_inputs in = {0};
    ovl_walk_opts wo = OVL_WALK_OPTS_INIT;
    ovl_fp_opts fp = OVL_FP_OPTS_INIT;
    unsigned given = 0;
    int deep = 0, npaths = 0, status = CLI_EXIT_TROUBLE;
    char **paths = calloc((size_t)argc, sizeof *paths);
    ovl_index_meta *metas = calloc((size_t)argc, sizeof *metas);
    char **metabuf = calloc((size_t)argc, sizeof *metabuf);
    size_t nmetas = 0;
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_index *idx = NULL;
    if (!paths || !metas || !metabuf || !ctx) {
        cli_error("out of memory");
        goto done;
    }
    enum { O_META = CLI_O_CMD, O_DEEP };
    static const struct option longs[] = {
        CLI_HELP_LONGOPT, {"db", required_argument, NULL, O_DB},
        {"format", required_argument, NULL, O_FORMAT}, {"meta", required_argument, NULL, O_META},
        {"deep", no_argument, NULL, O_DEEP}, CLI_DOC_LONGOPTS, CLI_INPUT_LONGOPTS, CLI_FP_LONGOPTS,
        {NULL, 0, NULL, 0}};
    static const char *const actions[] = {"add", "remove", "list", "stats", "verify"};
    char cmdname[32];
    snprintf(cmdname, sizeof cmdname, "index %s", sub);
    int c;
    while ((c = cli_getopt(argc - 1, argv + 1, "h", longs, cmdname)) != -1) {
        /* An option the action does not use is refused, not silently ignored. */
        int user = c == O_FORMAT ? LIST : c == O_DEEP ? VERIFY : c == 'h' || c == 1 || c == O_DB || c == '?' ? -1 : ADD;
        if (user >= 0 && user != (int)op) {
            cli_error("index %s: does not take %s (for index %s)", sub, cli_optname(), actions[user]);
            goto done;
        }
        const char *v = optarg;
        switch (c) {
        case 'h':
            help(stdout);
            status = 0;
            goto done;
        case O_DB: db = v; break;
        case O_FORMAT: format = v; break;
        case O_META: {
            const char *eq = strchr(v, '=');
            if (!eq || eq == v) {
                cli_error("index: --meta wants KEY=VALUE, not '%s'", v);
                goto done;
            }
            char *k = strdup(v);
            if (!k) {
                cli_error("out of memory");
                goto done;
            }
            metabuf[nmetas] = k;
            k[eq - v] = '\0';
            metas[nmetas].key = k;
            metas[nmetas].value = k + (eq - v) + 1;
            nmetas++;
            break;
        }
        case O_DEEP: deep = 1; break;
        case O_ENCODING_OF:
            cli_error("index %s: does not take --encoding-of (the index reads every document with one encoding)", sub);
            goto done;
        case 1: paths[npaths++] = (char *)v; break;
        default:
            if (c != '?' && (cli_doc_opt(c, v, &dopts) || cli_input_opt(c, v, &in) ||
                             cli_fp_opt(c, v, &fp, &given, cmdname)))
                break;
            goto done;
        }
    }
    if (!db) {
        cli_error("index %s: --db FILE is required", sub);
        goto done;
    }
    if ((op == ADD || op == REMOVE) && npaths == 0) {
        cli_error("index %s: missing PATH", sub);
        goto done;
    }
    if (op != ADD && op != REMOVE && npaths) {
        cli_error("index %s: unexpected argument '%s'", sub, paths[0]);
        goto done;
    }
    if (op == LIST && strcmp(format, "text") && strcmp(format, "json")) {
        cli_error("index list: --format must be text or json, not '%s'", format);
        goto done;
    }
    int rc = cli_index_open(ctx, db, op == ADD, !(op == ADD || op == REMOVE), &fp, given, &dopts, &idx);
    if (rc != OVL_OK) {
        cli_fail(NULL, ctx, rc);
        goto done;
    }
    switch (op) {
    case ADD:
        cli_inputs_walk(&in, &wo);
        status = do_add(ctx, idx, db, paths, npaths, metas, nmetas, &wo);
        break;
    case REMOVE: status = do_remove(ctx, idx, db, paths, npaths); break;
    case LIST: status = do_list(ctx, idx, db, strcmp(format, "json") == 0); break;
    case STATS: status = do_stats(ctx, idx, db); break;
    case VERIFY:
        rc = ovl_index_verify(ctx, idx, deep);
        if (rc == OVL_OK) {
            printf("%s: ok\n", db);
            status = CLI_EXIT_NONE;
        } else {
            status = cli_fail(NULL, ctx, rc);
        }
        break;
    }
    if (fflush(stdout) != 0)
        status = CLI_EXIT_TROUBLE;
done:
    ovl_index_close(idx);
    ovl_ctx_free(ctx);
    for (size_t k = 0; k < nmetas; k++)
        free(metabuf[k]);
    free(metabuf);
    free(metas);
    free(paths);
    return status;
}
