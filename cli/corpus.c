/* corpus.c - corpus helpers: recursive file collection with globs, a thread pool loop, progress line, document cache. */
#include "corpus.h"

#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- Collecting files ------------------------------------------------------------------ */

int cli_glob_match(const char *glob, const char *relpath)
{
    const char *base = strrchr(relpath, '/');
    base = base ? base + 1 : relpath;
    return fnmatch(glob, relpath, 0) == 0 || fnmatch(glob, base, 0) == 0;
}

static int any_match(const char **globs, size_t n, const char *rel)
{
    for (size_t i = 0; i < n; i++)
        if (cli_glob_match(globs[i], rel))
            return 1;
    return 0;
}

static int add_file(cli_files *out, const char *path, uint64_t size)
{
    if (out->n == out->cap) {
        size_t ncap = out->cap ? out->cap * 2 : 64;
        cli_file *nv = realloc(out->v, ncap * sizeof *nv);
        if (!nv)
            return -1;
        out->v = nv;
        out->cap = ncap;
    }
    char *copy = strdup(path);
    if (!copy)
        return -1;
    out->v[out->n].path = copy;
    out->v[out->n].size = size;
    out->n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walks directory `dir` whose path relative to the argument is `rel` ("" at the top). */
static int walk(cli_files *out, const char *dir, const char *rel, const cli_walk_opts *o)
{
    DIR *d = opendir(dir);
    if (!d) {
        cli_error("%s: %s", dir, strerror(errno));
        out->errors++;
        return 0;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            char **nn = realloc(names, ncap * sizeof *nn);
            if (!nn) {
                rc = -1;
                break;
            }
            names = nn;
            cap = ncap;
        }
        if (!(names[n] = strdup(e->d_name))) {
            rc = -1;
            break;
        }
        n++;
    }
    closedir(d);
    if (names)
        qsort(names, n, sizeof *names, cmp_str);
    size_t dl = strlen(dir);
    int slash = dl > 0 && dir[dl - 1] == '/';
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t need = dl + strlen(names[i]) + strlen(rel) + 2;
        char *path = malloc(need), *r = malloc(need);
        if (!path || !r) {
            free(path);
            free(r);
            rc = -1;
            break;
        }
        snprintf(path, need, "%s%s%s", dir, slash ? "" : "/", names[i]);
        snprintf(r, need, "%s%s%s", rel, *rel ? "/" : "", names[i]);
        struct stat st;
        if (lstat(path, &st) != 0) {
            cli_error("%s: %s", path, strerror(errno));
            out->errors++;
        } else if (S_ISDIR(st.st_mode)) {
            if (!any_match(o->exclude, o->nexclude, r))
                rc = walk(out, path, r, o);
        } else {
            int ok = 1;
            if (S_ISLNK(st.st_mode) && (stat(path, &st) != 0 || !S_ISREG(st.st_mode)))
                ok = 0; /* dangling links and links to directories are skipped */
            if (ok && !S_ISREG(st.st_mode))
                ok = 0;
            if (ok && o->ninclude && !any_match(o->include, o->ninclude, r))
                ok = 0;
            if (ok && any_match(o->exclude, o->nexclude, r))
                ok = 0;
            if (ok && add_file(out, path, (uint64_t)st.st_size) != 0)
                rc = -1;
        }
        free(path);
        free(r);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const cli_file *)a)->path, ((const cli_file *)b)->path);
}

int cli_files_collect(cli_files *out, const char *const *paths, size_t npaths,
                      const cli_walk_opts *opts)
{
    static const cli_walk_opts none = {NULL, 0, NULL, 0};
    const cli_walk_opts *o = opts ? opts : &none;
    for (size_t i = 0; i < npaths; i++) {
        struct stat st;
        int rc = 0;
        if (stat(paths[i], &st) != 0) {
            cli_error("%s: %s", paths[i], strerror(errno));
            out->errors++;
        } else if (S_ISDIR(st.st_mode)) {
            rc = walk(out, paths[i], "", o);
        } else {
            rc = add_file(out, paths[i], (uint64_t)st.st_size);
        }
        if (rc != 0) {
            cli_error("out of memory listing files");
            return -1;
        }
    }
    if (out->n > 1) {
        qsort(out->v, out->n, sizeof *out->v, cmp_file);
        size_t k = 1;
        for (size_t i = 1; i < out->n; i++) {
            if (strcmp(out->v[i].path, out->v[k - 1].path) == 0)
                free(out->v[i].path);
            else
                out->v[k++] = out->v[i];
        }
        out->n = k;
    }
    return 0;
}

void cli_files_free(cli_files *files)
{
    if (!files)
        return;
    for (size_t i = 0; i < files->n; i++)
        free(files->v[i].path);
    free(files->v);
    files->v = NULL;
    files->n = files->cap = 0;
}

/* ---- Threads ---------------------------------------------------------------------------- */

unsigned cli_threads(const char *value)
{
    if (value)
        return (unsigned)cli_ulong("-j", value, 1, 1024);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)(n > 1024 ? 1024 : n) : 1;
}

typedef struct pool {
    size_t n;
    atomic_size_t next;
    void (*fn)(void *arg, unsigned worker, size_t i);
    void *arg;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned running;
} pool;

typedef struct pool_worker {
    pool *p;
    unsigned id;
} pool_worker;

static void pool_loop(pool *p, unsigned id)
{
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n)
            break;
        p->fn(p->arg, id, i);
    }
}

static void *pool_main(void *x)
{
    pool_worker *w = x;
    pool_loop(w->p, w->id);
    pthread_mutex_lock(&w->p->mu);
    w->p->running--;
    pthread_cond_signal(&w->p->cv);
    pthread_mutex_unlock(&w->p->mu);
    return NULL;
}

void cli_parallel(size_t n, unsigned nthreads, void (*fn)(void *arg, unsigned worker, size_t i),
                  void (*tick)(void *arg), void *arg)
{
    if (nthreads < 1)
        nthreads = 1;
    if (nthreads > n)
        nthreads = n ? (unsigned)(n < 1024 ? n : 1024) : 1;
    pool p;
    p.n = n;
    atomic_init(&p.next, 0);
    p.fn = fn;
    p.arg = arg;
    p.running = 0;
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    pthread_t *th = malloc(nthreads * sizeof *th);
    pool_worker *ws = malloc(nthreads * sizeof *ws);
    unsigned started = 0;
    if (th && ws && (nthreads > 1 || tick)) {
        for (unsigned t = 0; t < nthreads; t++) {
            ws[t].p = &p;
            ws[t].id = t;
            pthread_mutex_lock(&p.mu);
            p.running++;
            pthread_mutex_unlock(&p.mu);
            if (pthread_create(&th[t], NULL, pool_main, &ws[t]) != 0) {
                pthread_mutex_lock(&p.mu);
                p.running--;
                pthread_mutex_unlock(&p.mu);
                break;
            }
            started++;
        }
    }
    if (started == 0) {
        pool_loop(&p, 0); /* worker 0 was never started: run its share here */
    } else {
        pthread_mutex_lock(&p.mu);
        while (p.running > 0) {
            if (tick) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_nsec += 200000000L;
                if (ts.tv_nsec >= 1000000000L) {
                    ts.tv_sec++;
                    ts.tv_nsec -= 1000000000L;
                }
                pthread_cond_timedwait(&p.cv, &p.mu, &ts);
                if (p.running > 0) {
                    pthread_mutex_unlock(&p.mu);
                    tick(arg);
                    pthread_mutex_lock(&p.mu);
                }
            } else {
                pthread_cond_wait(&p.cv, &p.mu);
            }
        }
        pthread_mutex_unlock(&p.mu);
        for (unsigned t = 0; t < started; t++)
            pthread_join(th[t], NULL);
    }
    free(th);
    free(ws);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
}

/* ---- Progress ---------------------------------------------------------------------------- */

int cli_progress_wanted(int force)
{
    if (force >= 0)
        return force > 0;
    return isatty(STDERR_FILENO);
}

void cli_progress_show(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("\r", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\033[K", stderr);
    fflush(stderr);
    va_end(ap);
}

void cli_progress_clear(void)
{
    fputs("\r\033[K", stderr);
    fflush(stderr);
}

/* ---- Document cache ---------------------------------------------------------------------- */

typedef struct cache_slot {
    size_t key;
    ovl_doc *doc;
    uint64_t used;
} cache_slot;

struct cli_doc_cache {
    cache_slot *slots;
    size_t cap;
    uint64_t clock;
};

cli_doc_cache *cli_doc_cache_new(size_t capacity)
{
    cli_doc_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cap = capacity ? capacity : 1;
    c->slots = calloc(c->cap, sizeof *c->slots);
    if (!c->slots) {
        free(c);
        return NULL;
    }
    return c;
}

void cli_doc_cache_free(cli_doc_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->cap; i++)
        ovl_doc_free(c->slots[i].doc);
    free(c->slots);
    free(c);
}

int cli_doc_cache_get(cli_doc_cache *c, ovl_ctx *ctx, size_t key, const char *path,
                      const ovl_doc_opts *opts, const ovl_doc **out)
{
    size_t victim = 0;
    for (size_t i = 0; i < c->cap; i++) {
        if (c->slots[i].doc && c->slots[i].key == key) {
            c->slots[i].used = ++c->clock;
            *out = c->slots[i].doc;
            return OVL_OK;
        }
        if (!c->slots[i].doc || (c->slots[victim].doc && c->slots[i].used < c->slots[victim].used))
            victim = i;
    }
    ovl_doc_free(c->slots[victim].doc);
    c->slots[victim].doc = NULL;
    ovl_doc *d = NULL;
    int rc = ovl_doc_from_file(ctx, path, opts, &d);
    if (rc != OVL_OK)
        return rc;
    c->slots[victim].doc = d;
    c->slots[victim].key = key;
    c->slots[victim].used = ++c->clock;
    *out = d;
    return OVL_OK;
}

/* ---- Fingerprinting a corpus ------------------------------------------------------------- */

typedef struct fp_slot {
    int done;
    cli_doc_info info;
    char *error;
    ovl_fp *fp;
} fp_slot;

typedef struct fp_job {
    const cli_files *files;
    const ovl_doc_opts *dopts;
    const ovl_fp_opts *fopts;
    ovl_ctx **ctx; /* one per worker */
    fp_slot *slots;
    size_t next_commit;
    pthread_mutex_t mu;
    cli_commit_fn commit;
    void *arg;
    atomic_size_t files_done;
    atomic_uint_least64_t bytes_done;
    uint64_t bytes_total;
} fp_job;

static char *fail_message(const char *path, ovl_ctx *ctx, int rc)
{
    const char *msg = ovl_ctx_message(ctx);
    if (!msg || !*msg)
        msg = ovl_strerror(rc);
    size_t n = strlen(path) + strlen(msg) + 3;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s: %s", path, msg);
    return s;
}

static void fp_one(void *arg, unsigned worker, size_t i)
{
    fp_job *j = arg;
    ovl_ctx *ctx = j->ctx[worker];
    const char *path = j->files->v[i].path;
    fp_slot s = {1, {j->files->v[i].size, 0, 0, NULL}, NULL, NULL};
    ovl_doc *doc = NULL;
    int rc = ovl_doc_from_file(ctx, path, j->dopts, &doc);
    if (rc == OVL_OK) {
        s.info.chars = ovl_text_length(ovl_doc_text(doc));
        s.info.tokens = ovl_norm_count(ovl_doc_norm(doc));
        s.info.bytes = ovl_text_size(ovl_doc_text(doc));
        rc = ovl_fp_from_doc(ctx, doc, j->fopts, &s.fp);
        ovl_doc_free(doc);
    }
    if (rc != OVL_OK) {
        s.error = fail_message(path, ctx, rc);
        s.fp = NULL;
        ovl_ctx_clear(ctx);
    }
    atomic_fetch_add(&j->files_done, 1);
    atomic_fetch_add(&j->bytes_done, j->files->v[i].size);
    pthread_mutex_lock(&j->mu);
    j->slots[i] = s;
    while (j->next_commit < j->files->n && j->slots[j->next_commit].done) {
        fp_slot *c = &j->slots[j->next_commit];
        c->info.error = c->error ? c->error : (c->fp ? NULL : "out of memory");
        j->commit(j->arg, j->next_commit, &c->info, c->fp);
        ovl_fp_free(c->fp);
        free(c->error);
        c->fp = NULL;
        c->error = NULL;
        j->next_commit++;
    }
    pthread_mutex_unlock(&j->mu);
}

static void fp_tick(void *arg)
{
    fp_job *j = arg;
    cli_progress_show("fingerprinting: %zu/%zu files, %.1f/%.1f MB",
                      (size_t)atomic_load(&j->files_done), j->files->n,
                      (double)atomic_load(&j->bytes_done) / 1048576.0,
                      (double)j->bytes_total / 1048576.0);
}

int cli_corpus_fingerprint(const cli_files *files, const ovl_doc_opts *dopts,
                           const ovl_fp_opts *fopts, unsigned nthreads, int progress,
                           cli_commit_fn commit, void *arg)
{
    fp_job j;
    memset(&j, 0, sizeof j);
    j.files = files;
    j.dopts = dopts;
    j.fopts = fopts;
    j.commit = commit;
    j.arg = arg;
    atomic_init(&j.files_done, 0);
    atomic_init(&j.bytes_done, 0);
    for (size_t i = 0; i < files->n; i++)
        j.bytes_total += files->v[i].size;
    if (nthreads < 1)
        nthreads = 1;
    j.slots = calloc(files->n ? files->n : 1, sizeof *j.slots);
    j.ctx = calloc(nthreads, sizeof *j.ctx);
    int rc = 0;
    if (!j.slots || !j.ctx)
        rc = -1;
    for (unsigned t = 0; rc == 0 && t < nthreads; t++)
        if (!(j.ctx[t] = ovl_ctx_new()))
            rc = -1;
    if (rc == 0) {
        pthread_mutex_init(&j.mu, NULL);
        cli_parallel(files->n, nthreads, fp_one, progress ? fp_tick : NULL, &j);
        pthread_mutex_destroy(&j.mu);
        if (progress)
            cli_progress_clear();
    } else {
        cli_error("out of memory");
    }
    for (unsigned t = 0; j.ctx && t < nthreads; t++)
        ovl_ctx_free(j.ctx[t]);
    free(j.ctx);
    free(j.slots);
    return rc;
}

/* ---- Aligning candidate pairs ------------------------------------------------------------ */

typedef struct membuf {
    char *p;
    size_t n, cap;
} membuf;

static int membuf_write(void *userdata, const void *data, size_t len)
{
    membuf *m = userdata;
    if (m->n + len + 1 > m->cap) {
        size_t ncap = m->cap ? m->cap : 1024;
        while (ncap < m->n + len + 1)
            ncap *= 2;
        char *np = realloc(m->p, ncap);
        if (!np)
            return -1;
        m->p = np;
        m->cap = ncap;
    }
    memcpy(m->p + m->n, data, len);
    m->n += len;
    m->p[m->n] = '\0';
    return 0;
}

typedef struct align_job {
    const cli_files *files;
    const ovl_cand *pairs;
    size_t npairs;
    const ovl_doc_opts *dopts;
    const ovl_align_opts *aopts;
    int want_jsonl;
    cli_pair_result *out;
    ovl_ctx **ctx;
    cli_doc_cache **cache;
    atomic_size_t done;
} align_job;

static void align_one(void *arg, unsigned worker, size_t k)
{
    align_job *j = arg;
    ovl_ctx *ctx = j->ctx[worker];
    cli_pair_result *r = &j->out[k];
    const char *pa = j->files->v[j->pairs[k].doc_a].path, *pb = j->files->v[j->pairs[k].doc_b].path;
    const ovl_doc *da = NULL, *db = NULL;
    int rc = cli_doc_cache_get(j->cache[worker], ctx, j->pairs[k].doc_a, pa, j->dopts, &da);
    if (rc != OVL_OK) {
        r->error = fail_message(pa, ctx, rc);
        goto out;
    }
    rc = cli_doc_cache_get(j->cache[worker], ctx, j->pairs[k].doc_b, pb, j->dopts, &db);
    if (rc != OVL_OK) {
        r->error = fail_message(pb, ctx, rc);
        goto out;
    }
    rc = ovl_align(ctx, da, db, j->aopts, &r->ps, &r->np);
    if (rc != OVL_OK) {
        r->error = fail_message(pa, ctx, rc);
        goto out;
    }
    if (r->np == 0)
        goto out;
    ovl_report *rep = ovl_report_new();
    if (!rep || ovl_report_add_doc(rep, da, pa) != 0 || ovl_report_add_doc(rep, db, pb) != 1 ||
        ovl_report_add_passages(rep, 0, 1, r->ps, r->np) != OVL_OK ||
        ovl_report_doc_stats(rep, 0, NULL, &r->sa) != OVL_OK ||
        ovl_report_doc_stats(rep, 1, NULL, &r->sb) != OVL_OK) {
        r->error = strdup("out of memory aligning documents");
    } else if (j->want_jsonl) {
        ovl_report_opts ro = OVL_REPORT_OPTS_INIT;
        ro.format = OVL_FORMAT_JSONL;
        membuf m = {NULL, 0, 0};
        if (ovl_report_write(ctx, rep, &ro, membuf_write, &m) != OVL_OK) {
            free(m.p);
            r->error = strdup("out of memory writing JSON lines");
        } else {
            r->jsonl = m.p;
            r->jsonl_len = m.n;
        }
    }
    ovl_report_free(rep);
out:
    if (r->error) {
        free(r->ps);
        r->ps = NULL;
        r->np = 0;
    }
    ovl_ctx_clear(ctx);
    atomic_fetch_add(&j->done, 1);
}

static void align_tick(void *arg)
{
    align_job *j = arg;
    cli_progress_show("aligning: %zu/%zu candidate pairs", (size_t)atomic_load(&j->done),
                      j->npairs);
}

int cli_align_pairs(const cli_files *files, const ovl_cand *pairs, size_t npairs,
                    const ovl_doc_opts *dopts, const ovl_align_opts *aopts, unsigned nthreads,
                    int progress, int want_jsonl, cli_pair_result *out)
{
    align_job j;
    memset(&j, 0, sizeof j);
    j.files = files;
    j.pairs = pairs;
    j.npairs = npairs;
    j.dopts = dopts;
    j.aopts = aopts;
    j.want_jsonl = want_jsonl;
    j.out = out;
    atomic_init(&j.done, 0);
    if (nthreads < 1)
        nthreads = 1;
    j.ctx = calloc(nthreads, sizeof *j.ctx);
    j.cache = calloc(nthreads, sizeof *j.cache);
    int rc = j.ctx && j.cache ? 0 : -1;
    /* Pairs come sorted by (doc_a, doc_b): document a stays cached along a run of pairs. */
    for (unsigned t = 0; rc == 0 && t < nthreads; t++)
        if (!(j.ctx[t] = ovl_ctx_new()) || !(j.cache[t] = cli_doc_cache_new(16)))
            rc = -1;
    if (rc == 0) {
        cli_parallel(npairs, nthreads, align_one, progress ? align_tick : NULL, &j);
        if (progress)
            cli_progress_clear();
    } else {
        cli_error("out of memory");
    }
    for (unsigned t = 0; t < nthreads; t++) {
        if (j.ctx)
            ovl_ctx_free(j.ctx[t]);
        if (j.cache)
            cli_doc_cache_free(j.cache[t]);
    }
    free(j.ctx);
    free(j.cache);
    return rc;
}

void cli_pair_results_free(cli_pair_result *r, size_t n)
{
    for (size_t i = 0; r && i < n; i++) {
        free(r[i].ps);
        free(r[i].jsonl);
        free(r[i].error);
    }
}
