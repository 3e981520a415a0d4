/* cmd_index.c - `overlap index add|remove|list|stats|verify`: maintain a persistent corpus index. */
#include "cli.h"
#include "progress.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
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
               "  others are still added; exit status 2 if any file failed, else 0.\n"
               "remove: a PATH that names no document removes every document under it as a\n"
               "  directory; exit status 2 if a PATH matched nothing.\n"
               "verify: SQLite integrity check and per-document consistency (bytes, hash, band\n"
               "  keys); --deep also recomputes every document's band keys.\n\n"
               "options:\n"
               "  --db FILE                the index (created by add when absent)\n"
               "  --meta KEY=VALUE         add: tag the added documents (repeatable)\n"
               "  -q, --quiet              add: no line per document, no summary\n"
               "  -j, --jobs N             add: files read and fingerprinted at once (default: all\n"
               "                           online cores; the index and the output are the same\n"
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

/* How index add runs: what it walks, what it says. */
typedef struct add_opts {
    ovl_walk_opts walk;   /* --include, --exclude, --hidden: as scan and dedup walk */
    int quiet;            /* -q: nothing on standard output */
    int progress;         /* a progress line on stderr */
    unsigned threads;     /* -j: threads preparing files while one stores (0: all online cores) */
    ovl_decode_opts dec;  /* to count replaced bytes with --lenient */
} add_opts;

/* One file of an add run: read and prepared (decoded, fingerprinted) on a worker thread
 * while the main thread stores earlier ones, in name order, so the index and the output do
 * not depend on -j. */
typedef struct add_item {
    const char *path;  /* as found */
    char *abs;         /* stored under this path */
    int skip;          /* the index file itself */
    void *bytes;
    size_t len;
    ovl_index_prep *prep;
    int rc, read_failed;
    char *msg;         /* why it failed (malloc'd) */
} add_item;

/* Files k = 0, 1, ... go through a ring of slots (k % nslots): a worker takes the next file
 * once its slot is free (file k - nslots stored), the main thread stores file k once it is
 * ready. */
typedef struct add_pipe {
    const ovl_corpus *files;
    const char *db_abs;
    add_item *ring;
    unsigned char *ready;
    size_t nslots, n, next, done;
    int stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} add_pipe;

typedef struct add_worker {
    add_pipe *p;
    ovl_index *handle; /* read-only, this worker's own */
} add_worker;

static void prepare_item(const add_pipe *p, size_t k, add_item *it, ovl_ctx *ctx, ovl_index *h)
{
    memset(it, 0, sizeof *it);
    it->path = ovl_corpus_name(p->files, k);
    if (!(it->abs = cli_abspath(it->path))) {
        it->rc = OVL_ERR_NOMEM;
        return;
    }
    if (same_file(it->abs, p->db_abs)) {
        it->skip = 1;
        return;
    }
    it->rc = ovl_corpus_read(ctx, p->files, k, &it->bytes, &it->len);
    it->read_failed = it->rc != OVL_OK;
    if (it->rc == OVL_OK)
        it->rc = ovl_index_prepare(ctx, h, it->abs, it->bytes, it->len, &it->prep);
    if (it->rc != OVL_OK) {
        const char *m = ovl_ctx_message(ctx);
        it->msg = strdup(m && *m ? m : ovl_strerror(it->rc));
        ovl_ctx_clear(ctx);
    }
}

static void free_item(add_item *it)
{
    free(it->abs);
    free(it->bytes);
    free(it->msg);
    ovl_index_prep_free(it->prep);
    memset(it, 0, sizeof *it);
}

static void *add_worker_run(void *arg)
{
    add_worker *w = arg;
    add_pipe *p = w->p;
    ovl_ctx *ctx = ovl_ctx_new();
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->next < p->n && p->next >= p->done + p->nslots)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->stop || p->next >= p->n)
            break;
        size_t k = p->next++;
        pthread_mutex_unlock(&p->mu);
        add_item *it = &p->ring[k % p->nslots];
        if (ctx) {
            prepare_item(p, k, it, ctx, w->handle);
        } else {
            memset(it, 0, sizeof *it);
            it->path = ovl_corpus_name(p->files, k);
            it->rc = OVL_ERR_NOMEM;
        }
        pthread_mutex_lock(&p->mu);
        p->ready[k % p->nslots] = 1;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    ovl_ctx_free(ctx);
    return NULL;
}

static int do_add(ovl_ctx *ctx, ovl_index *idx, const char *db, char **paths, int npaths,
                  const ovl_index_meta *metas, size_t nmetas, const add_opts *ao)
{
    int failed = 0;
    size_t counts[5] = {0}, replaced = 0;
    char *db_abs = cli_abspath(db);
    /* Hidden files and directories (editor backups, VCS data) are not documents unless
     * --hidden: the walker's default, as in scan and dedup. */
    ovl_corpus *files = ovl_corpus_new();
    int status = CLI_EXIT_NONE;
    for (int p = 0; files && p < npaths && status == CLI_EXIT_NONE; p++)
        if (ovl_corpus_add_path(ctx, files, paths[p], &ao->walk) != OVL_OK)
            status = cli_fail("index", ctx, ovl_ctx_code(ctx));
    if (!files || !db_abs) {
        cli_error("out of memory");
        status = CLI_EXIT_TROUBLE;
    }
    for (size_t p = 0; p < ovl_corpus_problem_count(files); p++) {
        const ovl_problem *pb = ovl_corpus_problem(files, p);
        cli_path_msg(pb->path, "%s", pb->message);
        failed++;
    }
    size_t nfiles = status == CLI_EXIT_NONE ? ovl_corpus_count(files) : 0;
    /* With -j N > 1, N workers prepare with read-only handles of their own while this
     * thread stores; with -j 1 this thread does both, one file after the other. */
    unsigned nworkers = ao->threads > 1 ? ao->threads : 0;
    if (nworkers > nfiles)
        nworkers = (unsigned)nfiles;
    add_pipe pipe;
    memset(&pipe, 0, sizeof pipe);
    pipe.files = files;
    pipe.db_abs = db_abs;
    pipe.n = nfiles;
    pipe.nslots = nworkers ? 4 * (size_t)nworkers : 1;
    pipe.ring = calloc(pipe.nslots, sizeof *pipe.ring);
    pipe.ready = calloc(pipe.nslots, 1);
    add_worker *w = calloc(nworkers + 1, sizeof *w);
    pthread_t *tid = calloc(nworkers + 1, sizeof *tid);
    unsigned started = 0;
    int sync = 0;
    if (!pipe.ring || !pipe.ready || !w || !tid) {
        cli_error("out of memory");
        status = CLI_EXIT_TROUBLE;
        nfiles = 0;
    }
    for (unsigned t = 0; t < nworkers && status == CLI_EXIT_NONE; t++) {
        /* The writer's parameters, decode options (--lenient, --encoding) included. */
        ovl_index_opts io = OVL_INDEX_OPTS_INIT;
        ovl_fp_opts wfp;
        ovl_doc_opts wdoc;
        ovl_index_params(idx, &wfp, &wdoc);
        io.readonly = 1;
        io.fp = &wfp;
        io.doc = &wdoc;
        w[t].p = &pipe;
        int rc = ovl_index_open(ctx, db, &io, &w[t].handle);
        if (rc != OVL_OK) {
            status = cli_fail(db, ctx, rc);
            nfiles = 0;
        }
    }
    if (nworkers && status == CLI_EXIT_NONE) {
        if (pthread_mutex_init(&pipe.mu, NULL) != 0 || pthread_cond_init(&pipe.cv, NULL) != 0) {
            cli_error("cannot start threads");
            status = CLI_EXIT_TROUBLE;
            nfiles = 0;
        } else {
            sync = 1;
            for (unsigned t = 0; t < nworkers; t++)
                if (pthread_create(&tid[t], NULL, add_worker_run, &w[t]) == 0)
                    started++;
            if (!started) {
                cli_error("cannot start threads");
                status = CLI_EXIT_TROUBLE;
                nfiles = 0;
            }
        }
    }
    for (size_t k = 0; k < nfiles && status == CLI_EXIT_NONE; k++) {
        add_item *it = &pipe.ring[k % pipe.nslots];
        if (ao->progress)
            cli_progress_show("index add: %zu/%zu", k, nfiles);
        if (sync) {
            pthread_mutex_lock(&pipe.mu);
            while (!pipe.ready[k % pipe.nslots])
                pthread_cond_wait(&pipe.cv, &pipe.mu);
            pthread_mutex_unlock(&pipe.mu);
        } else {
            prepare_item(&pipe, k, it, ctx, idx);
        }
        int st = 0, rc = it->rc;
        if (rc == OVL_OK && !it->skip) {
            rc = ovl_index_add_prepared(ctx, idx, it->abs, it->bytes, it->len, it->prep, metas, nmetas, &st);
            if (rc != OVL_OK) {
                const char *m = ovl_ctx_message(ctx);
                free(it->msg);
                it->msg = strdup(m && *m ? m : ovl_strerror(rc));
                ovl_ctx_clear(ctx);
            }
        }
        if (ao->progress)
            cli_progress_clear();
        if (it->skip) {
            /* the index file itself */
        } else if (rc == OVL_OK) {
            counts[st]++;
            if (!ao->quiet) {
                printf("%-9s ", st == OVL_INDEX_ADDED      ? "added"
                                : st == OVL_INDEX_REPLACED ? "replaced"
                                : st == OVL_INDEX_UPDATED  ? "updated"
                                                           : "unchanged");
                cli_put_field(stdout, it->abs);
                putchar('\n');
            }
            if (it->len == 0)
                cli_path_msg(it->path, "warning: empty file");
            if (ao->dec.lenient) {
                /* The index decodes inside the call; the count comes from decoding again. */
                ovl_text *t = NULL;
                if (ovl_decode(ctx, it->bytes, it->len, &ao->dec, &t) == OVL_OK) {
                    cli_warn_replaced(it->path, ovl_text_replaced(t));
                    replaced += ovl_text_replaced(t);
                }
                ovl_text_free(t);
                ovl_ctx_clear(ctx);
            }
        } else if (!it->read_failed && (rc == OVL_ERR_DB || rc == OVL_ERR_CORRUPT || rc == OVL_ERR_NOMEM)) {
            /* The index itself is in trouble: stop rather than fail every file. */
            cli_path_msg(db, "%s", it->msg ? it->msg : ovl_strerror(rc));
            status = CLI_EXIT_TROUBLE;
        } else {
            cli_path_msg(it->path, "%s", it->msg ? it->msg : ovl_strerror(rc));
            failed++;
        }
        free_item(it);
        if (sync) {
            pthread_mutex_lock(&pipe.mu);
            pipe.ready[k % pipe.nslots] = 0;
            pipe.done = k + 1;
            pthread_cond_broadcast(&pipe.cv);
            pthread_mutex_unlock(&pipe.mu);
        }
    }
    if (sync) {
        pthread_mutex_lock(&pipe.mu);
        pipe.stop = 1;
        pthread_cond_broadcast(&pipe.cv);
        pthread_mutex_unlock(&pipe.mu);
        for (unsigned t = 0; t < started; t++)
            pthread_join(tid[t], NULL);
        pthread_mutex_destroy(&pipe.mu);
        pthread_cond_destroy(&pipe.cv);
    }
    if (ao->progress)
        cli_progress_clear();
    /* Files prepared but not stored (the run stopped early). */
    for (size_t i = 0; pipe.ring && i < pipe.nslots; i++)
        free_item(&pipe.ring[i]);
    for (unsigned t = 0; w && t < nworkers; t++)
        ovl_index_close(w[t].handle);
    free(pipe.ring);
    free(pipe.ready);
    free(w);
    free(tid);
    /* The run's band keys into sorted runs now, so later checks read few pending records. */
    int frc;
    if (status != CLI_EXIT_TROUBLE && (frc = ovl_index_flush(ctx, idx)) != OVL_OK) {
        cli_fail(db, ctx, frc);
        status = CLI_EXIT_TROUBLE;
    }
    if (!ao->quiet) {
        printf("%zu added, %zu replaced, ", counts[OVL_INDEX_ADDED], counts[OVL_INDEX_REPLACED]);
        if (counts[OVL_INDEX_UPDATED])
            printf("%zu updated, ", counts[OVL_INDEX_UPDATED]);
        printf("%zu unchanged, %d failed\n", counts[OVL_INDEX_UNCHANGED], failed);
    }
    if (ao->dec.lenient)
        cli_error("index add: --lenient: %zu invalid byte sequence%s replaced with U+FFFD", replaced,
                  replaced == 1 ? "" : "s");
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
        CLI_DOC_LONGOPTS, CLI_FP_LONGOPTS, {NULL, 0, NULL, 0}};
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
            if (c != '?' && (cli_doc_opt(c, v, &dopts) || cli_fp_opt(c, v, &fp, &given, cmdname)))
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
        ao.progress = cli_progress_wanted(force_progress);
        if (!ao.threads) {
            long n = sysconf(_SC_NPROCESSORS_ONLN);
            ao.threads = n < 1 ? 1 : n > 1024 ? 1024 : (unsigned)n;
        }
        ao.dec = dopts.decode;
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
