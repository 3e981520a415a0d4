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
    fprintf(f, "usage: overlap index add --db FILE [--meta KEY=VALUE]... [-q] PATH...\n"
               "       overlap index remove --db FILE PATH...\n"
               "       overlap index list --db FILE [--format text|json] [-z]\n"
               "       overlap index stats --db FILE\n"
               "       overlap index verify --db FILE [--deep]\n\n"
               "A persistent corpus index (one SQLite file) for 'overlap check'. It stores each\n"
               "document's absolute path, XXH3-128 hash, encoding, size, metas and original bytes\n"
               "(so check shows source passages after the files are gone), and its chunk\n"
               "fingerprints' LSH band keys.\n\n"
               "add: directories are walked recursively (files in name order, hidden entries\n"
               "  skipped unless --hidden, as in scan and dedup). A path already holding the\n"
               "  same bytes is 'unchanged', or 'updated' when --meta changes its metas (each\n"
               "  KEY given gets the values given, other keys are kept); changed bytes replace\n"
               "  the old entry ('replaced'); the same bytes under\n"
               "  another path are another document. One transaction per document. A file that\n"
               "  cannot be read or decoded is reported (path and byte offset) and skipped, the\n"
               "  others are still added; exit status 2 if any file failed, else 0. With\n"
               "  --lenient, each file stored with replaced bytes is named with their count,\n"
               "  then the total (an unchanged file is not decoded again, so not counted).\n"
               "remove: a PATH that names no document removes every document under it as a\n"
               "  directory; exit status 2 if a PATH matched nothing.\n"
               "verify: SQLite integrity check and per-document consistency (bytes, hash, band\n"
               "  keys); --deep also recomputes every document's band keys.\n\n"
               "options:\n"
               "  --db FILE                the index (created by add when absent)\n"
               "  --meta KEY=VALUE         add: tag the added documents (repeatable)\n"
               "  -q, --quiet              add: no line per document, no summary\n"
               "  -j, --jobs N             add: files read and fingerprinted at once (default: the\n"
               "                           cores it may use; the index and the output are the same\n"
               "                           for any N)\n"
               "  --include GLOB           add: only files matching GLOB (repeatable; as in scan)\n"
               "  --exclude GLOB           add: skip files and directories matching GLOB\n"
               "  --hidden                 add: also files and directories starting with '.'\n"
               "  --progress, --no-progress  add: progress on stderr (default: when a terminal)\n"
               "  --format text|json       list format (default text: tab-separated, names with\n"
               "                           \\\\, \\t, \\n, \\xHH for backslash and control characters)\n"
               "  -z, --null               list: every field ends with a NUL (six a document: path,\n"
               "                           bytes, encoding, hash, added, metas), names unescaped\n"
               "  --deep                   verify: recompute every document's band keys\n"
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

/* How index add runs: what it walks, what it says. */
typedef struct add_opts {
    ovl_walk_opts walk;   /* --include, --exclude, --hidden: as scan and dedup walk */
    int quiet;            /* -q: nothing on standard output */
    int progress;         /* a progress line on stderr */
    unsigned threads;     /* -j (0: the library's default) */
    int lenient;          /* --lenient: each file's replaced byte sequences, and a total */
} add_opts;

/* What the add run has said so far. */
typedef struct add_tally {
    const add_opts *ao;
    size_t counts[6], replaced;
    int failed;
} add_tally;

/* One line per file, in file order, as the library stores them. */
static int on_file(void *userdata, const ovl_index_add_event *ev)
{
    add_tally *t = userdata;
    const add_opts *ao = t->ao;
    if (ao->progress)
        cli_progress_clear();
    if (ev->rc != OVL_OK) {
        cli_path_msg(ev->name, "%s", ev->message);
        t->failed++;
    } else if (ev->status != OVL_INDEX_SKIPPED) {
        t->counts[ev->status]++;
        if (!ao->quiet) {
            printf("%-9s ", ev->status == OVL_INDEX_ADDED      ? "added"
                            : ev->status == OVL_INDEX_REPLACED ? "replaced"
                            : ev->status == OVL_INDEX_UPDATED  ? "updated"
                                                               : "unchanged");
            cli_put_field(stdout, ev->path);
            putchar('\n');
        }
        if (ev->len == 0)
            cli_path_msg(ev->name, "warning: empty file");
        if (ao->lenient) {
            /* The library's own count: 0 for a file not decoded again (unchanged, updated). */
            cli_warn_replaced(ev->name, ev->replaced);
            t->replaced += ev->replaced;
        }
    }
    if (ao->progress && ev->file + 1 < ev->count)
        cli_progress_show("index add: %zu/%zu", ev->file + 1, ev->count);
    return 0;
}

static int do_add(ovl_ctx *ctx, ovl_index *idx, const char *db, char **paths, int npaths,
                  const ovl_index_meta *metas, size_t nmetas, const add_opts *ao)
{
    add_tally t = {ao, {0}, 0, 0};
    /* Hidden files and directories (editor backups, VCS data) are not documents unless
     * --hidden: the walker's default, as in scan and dedup. */
    ovl_corpus *files = ovl_corpus_new();
    int status = CLI_EXIT_NONE;
    for (int p = 0; files && p < npaths && status == CLI_EXIT_NONE; p++)
        if (ovl_corpus_add_path(ctx, files, paths[p], &ao->walk) != OVL_OK)
            status = cli_fail("index", ctx, ovl_ctx_code(ctx));
    if (!files) {
        cli_error("out of memory");
        status = CLI_EXIT_TROUBLE;
    }
    for (size_t p = 0; p < ovl_corpus_problem_count(files); p++) {
        const ovl_problem *pb = ovl_corpus_problem(files, p);
        cli_path_msg(pb->path, "%s", pb->message);
        t.failed++;
    }
    if (status == CLI_EXIT_NONE) {
        ovl_index_add_opts o = OVL_INDEX_ADD_OPTS_INIT;
        o.threads = ao->threads;
        o.metas = metas;
        o.nmetas = nmetas;
        if (ao->progress && ovl_corpus_count(files))
            cli_progress_show("index add: 0/%zu", ovl_corpus_count(files));
        int rc = ovl_index_add_files(ctx, idx, files, &o, on_file, &t);
        if (ao->progress)
            cli_progress_clear();
        if (rc != OVL_OK) {
            const char *m = ovl_ctx_message(ctx);
            cli_path_msg(db, "%s", m && *m ? m : ovl_strerror(rc));
            status = CLI_EXIT_TROUBLE;
        }
    }
    if (!ao->quiet) {
        printf("%zu added, %zu replaced, ", t.counts[OVL_INDEX_ADDED], t.counts[OVL_INDEX_REPLACED]);
        if (t.counts[OVL_INDEX_UPDATED])
            printf("%zu updated, ", t.counts[OVL_INDEX_UPDATED]);
        printf("%zu unchanged, %d failed\n", t.counts[OVL_INDEX_UNCHANGED], t.failed);
    }
    if (ao->lenient)
        cli_error("index add: --lenient: %zu invalid byte sequence%s replaced with U+FFFD",
                  t.replaced, t.replaced == 1 ? "" : "s");
    ovl_corpus_free(files);
    return t.failed ? CLI_EXIT_TROUBLE : status;
}

static int do_remove(ovl_ctx *ctx, ovl_index *idx, const char *db, char **paths, int npaths)
{
    int status = CLI_EXIT_NONE;
    for (int k = 0; k < npaths; k++) {
        char *abs = ovl_index_abspath(paths[k]);
        if (!abs) {
            cli_error("out of memory");
            return CLI_EXIT_TROUBLE;
        }
        int rc = ovl_index_remove(ctx, idx, abs);
        if (rc == OVL_OK) {
            fputs("removed   ", stdout);
            cli_put_field(stdout, abs);
            putchar('\n');
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
                    fputs("removed   ", stdout);
                    cli_put_field(stdout, under.v[i]);
                    putchar('\n');
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
                cli_path_msg(paths[k], "not in index %s", db);
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

static int do_list(ovl_ctx *ctx, ovl_index *idx, const char *db, int json, int nul)
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
            /* Text: tab-separated fields, names escaped (cli_put_field) so none can forge a
             * field or a line. -z: each field ends with a NUL instead, names as they are. */
            char size[32];
            snprintf(size, sizeof size, "%" PRIu64, e.size);
            const char *fields[5] = {e.path, size, e.encoding, e.hash, when};
            for (int f = 0; f < 5; f++) {
                if (nul) {
                    fputs(fields[f], stdout);
                    putchar('\0');
                } else {
                    cli_put_field(stdout, fields[f]);
                    putchar(f < 4 || e.n_metas ? '\t' : '\n');
                }
            }
            for (size_t k = 0; k < e.n_metas; k++) {
                if (k)
                    putchar(',');
                if (nul) {
                    printf("%s=%s", e.metas[k].key, e.metas[k].value);
                } else {
                    cli_put_field(stdout, e.metas[k].key);
                    putchar('=');
                    cli_put_field(stdout, e.metas[k].value);
                }
            }
            if (nul)
                putchar('\0');
            else if (e.n_metas)
                putchar('\n');
        }
    }
    free(ids);
    if (json) {
        char *s = cli_json_dumps(arr, JSON_INDENT(2));
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
    ovl_fp_opts fp = OVL_FP_OPTS_INIT;
    unsigned given = 0;
    int deep = 0, npaths = 0, status = CLI_EXIT_TROUBLE;
    char **paths = calloc((size_t)argc, sizeof *paths);
    ovl_index_meta *metas = calloc((size_t)argc, sizeof *metas);
    char **metabuf = calloc((size_t)argc, sizeof *metabuf);
    const char **inc = calloc((size_t)argc, sizeof *inc), **exc = calloc((size_t)argc, sizeof *exc);
    size_t nmetas = 0;
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_index *idx = NULL;
    if (!paths || !metas || !metabuf || !inc || !exc || !ctx) {
        cli_error("out of memory");
        goto done;
    }
    enum { O_META = CLI_O_CMD, O_DEEP };
    static const struct option longs[] = {
        CLI_HELP_LONGOPT, {"db", required_argument, NULL, O_DB},
        {"format", required_argument, NULL, O_FORMAT}, {"null", no_argument, NULL, 'z'},
        {"meta", required_argument, NULL, O_META}, {"quiet", no_argument, NULL, 'q'},
        {"jobs", required_argument, NULL, 'j'},
        {"include", required_argument, NULL, O_INCLUDE}, {"exclude", required_argument, NULL, O_EXCLUDE},
        {"hidden", no_argument, NULL, O_HIDDEN}, {"progress", no_argument, NULL, O_PROGRESS},
        {"no-progress", no_argument, NULL, O_NO_PROGRESS}, {"deep", no_argument, NULL, O_DEEP},
        CLI_DOC_LONGOPTS, CLI_INPUT_LONGOPTS, CLI_FP_LONGOPTS, {NULL, 0, NULL, 0}};
    add_opts ao;
    memset(&ao, 0, sizeof ao);
    ovl_walk_opts wdef = OVL_WALK_OPTS_INIT;
    ao.walk = wdef;
    ao.walk.include = (const char *const *)inc;
    ao.walk.exclude = (const char *const *)exc;
    int force_progress = -1, nul = 0;
    static const char *const actions[] = {"add", "remove", "list", "stats", "verify"};
    char cmdname[32];
    snprintf(cmdname, sizeof cmdname, "index %s", sub);
    int c;
    while ((c = cli_getopt(argc - 1, argv + 1, "hqzj:", longs, cmdname)) != -1) {
        /* An option the action does not use is refused, not silently ignored. */
        int user = c == O_FORMAT || c == 'z' ? LIST : c == O_DEEP ? VERIFY
                   : c == 'h' || c == 1 || c == O_DB || c == '?' ? -1 : ADD;
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
        case 'z': nul = 1; break;
        case 'q': ao.quiet = 1; break;
        case 'j': ao.threads = cli_threads(v); break;
        case O_INCLUDE: inc[ao.walk.ninclude++] = v; break;
        case O_EXCLUDE: exc[ao.walk.nexclude++] = v; break;
        case O_HIDDEN: ao.walk.hidden = 1; break;
        case O_PROGRESS: force_progress = 1; break;
        case O_NO_PROGRESS: force_progress = 0; break;
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
    if (nul && strcmp(format, "text")) {
        cli_error("index list: -z is for the text list, not --format %s", format);
        goto done;
    }
    int rc = cli_index_open(ctx, db, op == ADD, !(op == ADD || op == REMOVE), &fp, given, &dopts, &idx);
    if (rc != OVL_OK) {
        cli_fail(NULL, ctx, rc);
        goto done;
    }
    switch (op) {
    case ADD:
        cli_inputs_walk(&in, &ao.walk);
        ao.progress = cli_progress_wanted(force_progress);
        ao.lenient = dopts.decode.lenient;
        status = do_add(ctx, idx, db, paths, npaths, metas, nmetas, &ao);
        break;
    case REMOVE: status = do_remove(ctx, idx, db, paths, npaths); break;
    case LIST: status = do_list(ctx, idx, db, strcmp(format, "json") == 0, nul); break;
    case STATS: status = do_stats(ctx, idx, db); break;
    case VERIFY:
        rc = ovl_index_verify(ctx, idx, deep);
        if (rc == OVL_OK) {
            cli_put_field(stdout, db);
            fputs(": ok\n", stdout);
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
    free(inc);
    free(exc);
    free(paths);
    return status;
}
