/* corpus.c - corpus helpers: recursive file collection with globs, a thread pool loop, progress line, fingerprinting and aligning a corpus. */
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

/* Documents shared by the alignment workers: loaded once, kept while any worker holds them
 * and afterwards in least-recently-used order up to a memory budget. A loaded document is
 * some 30 bytes per character, far too much to keep a whole corpus, so the pairs are also
 * visited in an order that reuses what is cached (see pair_units). */
#define SHARED_BUDGET ((uint64_t)256 << 20)

typedef struct sdoc {
    ovl_doc *doc;
    uint64_t bytes;     /* estimated memory of doc */
    uint32_t refs;
    int loading;
    int rc;             /* load result, once loaded */
    char *error;        /* load failure message ("PATH: message") */
    size_t prev, next;  /* LRU list of unreferenced loaded documents; SIZE_MAX = none */
    int in_lru;
} sdoc;

typedef struct shared_docs {
    const cli_files *files;
    const ovl_doc_opts *dopts;
    sdoc *d; /* one per file */
    size_t head, tail; /* LRU: head = least recently used */
    uint64_t bytes;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} shared_docs;

static void lru_unlink(shared_docs *s, size_t i)
{
    sdoc *e = &s->d[i];
    if (!e->in_lru)
        return;
    if (e->prev != SIZE_MAX)
        s->d[e->prev].next = e->next;
    else
        s->head = e->next;
    if (e->next != SIZE_MAX)
        s->d[e->next].prev = e->prev;
    else
        s->tail = e->prev;
    e->prev = e->next = SIZE_MAX;
    e->in_lru = 0;
}

static void lru_push(shared_docs *s, size_t i)
{
    sdoc *e = &s->d[i];
    e->prev = s->tail;
    e->next = SIZE_MAX;
    if (s->tail != SIZE_MAX)
        s->d[s->tail].next = i;
    else
        s->head = i;
    s->tail = i;
    e->in_lru = 1;
}

/* Under the lock: frees least recently used documents nobody holds while over budget. */
static void shared_trim(shared_docs *s)
{
    while (s->bytes > SHARED_BUDGET && s->head != SIZE_MAX) {
        size_t i = s->head;
        lru_unlink(s, i);
        ovl_doc_free(s->d[i].doc);
        s->d[i].doc = NULL;
        s->bytes -= s->d[i].bytes;
        s->d[i].bytes = 0;
    }
}

static uint64_t doc_bytes(const ovl_doc *d)
{
    uint64_t chars = ovl_text_length(ovl_doc_text(d)), toks = ovl_norm_count(ovl_doc_norm(d));
    return 256 + chars * 16 + toks * (sizeof(ovl_token) + 8);
}

/* Returns document i held (release it with shared_put), or NULL with *err set to the load
 * failure (owned by the cache). */
static const ovl_doc *shared_get(shared_docs *s, ovl_ctx *ctx, size_t i, const char **err)
{
    pthread_mutex_lock(&s->mu);
    sdoc *e = &s->d[i];
    while (e->loading)
        pthread_cond_wait(&s->cv, &s->mu);
    if (e->doc || e->error) {
        if (e->doc) {
            lru_unlink(s, i);
            e->refs++;
        }
        const ovl_doc *d = e->doc;
        *err = e->error;
        pthread_mutex_unlock(&s->mu);
        return d;
    }
    e->loading = 1;
    pthread_mutex_unlock(&s->mu);
    ovl_doc *d = NULL;
    const char *path = s->files->v[i].path;
    int rc = ovl_doc_from_file(ctx, path, s->dopts, &d);
    char *msg = rc == OVL_OK ? NULL : fail_message(path, ctx, rc);
    ovl_ctx_clear(ctx);
    pthread_mutex_lock(&s->mu);
    e->loading = 0;
    if (rc == OVL_OK) {
        e->doc = d;
        e->bytes = doc_bytes(d);
        e->refs = 1;
        s->bytes += e->bytes;
        shared_trim(s);
    } else {
        e->error = msg ? msg : strdup("out of memory");
    }
    *err = e->error;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return d;
}

static void shared_put(shared_docs *s, size_t i)
{
    pthread_mutex_lock(&s->mu);
    sdoc *e = &s->d[i];
    if (e->doc && --e->refs == 0) {
        lru_push(s, i);
        shared_trim(s);
    }
    pthread_mutex_unlock(&s->mu);
}

/* Work units for the alignment: a unit is one document and the not yet visited pairs it is
 * in, the next unit's document being a partner of a recent one (depth-first over the pair
 * graph). Consecutive units thus share documents that are still cached, where pair order
 * (a, b) reloaded document b for nearly every pair. order[] lists pair indices by unit;
 * unit u covers order[ustart[u] .. ustart[u + 1]) and centres on document ucentre[u]. */
typedef struct pair_units {
    size_t *order, *ustart, *ucentre, nunits;
} pair_units;

static int make_units(const ovl_cand *pairs, size_t npairs, size_t ndocs, pair_units *pu)
{
    memset(pu, 0, sizeof *pu);
    size_t *deg = calloc(ndocs + 1, sizeof *deg);
    size_t *adj = malloc((2 * npairs + 1) * sizeof *adj);
    uint8_t *done = calloc(npairs + 1, 1);
    size_t *stack = malloc((2 * npairs + ndocs + 1) * sizeof *stack);
    pu->order = malloc((npairs + 1) * sizeof *pu->order);
    pu->ustart = malloc((npairs + 2) * sizeof *pu->ustart);
    pu->ucentre = malloc((npairs + 1) * sizeof *pu->ucentre);
    int rc = -1;
    if (!deg || !adj || !done || !stack || !pu->order || !pu->ustart || !pu->ucentre)
        goto out;
    /* Adjacency (CSR) of pair indices per document; pairs are sorted by (a, b), so each
     * list is in increasing pair order. */
    for (size_t k = 0; k < npairs; k++) {
        deg[pairs[k].doc_a + 1]++;
        deg[pairs[k].doc_b + 1]++;
    }
    for (size_t d = 0; d < ndocs; d++)
        deg[d + 1] += deg[d];
    size_t *fill = stack; /* borrowed as the fill cursor before the walk */
    memcpy(fill, deg, ndocs * sizeof *fill);
    for (size_t k = 0; k < npairs; k++) {
        adj[fill[pairs[k].doc_a]++] = k;
        adj[fill[pairs[k].doc_b]++] = k;
    }
    size_t no = 0, nu = 0;
    for (size_t root = 0; root < ndocs; root++) {
        size_t sp = 0;
        stack[sp++] = root;
        while (sp) {
            size_t d = stack[--sp];
            size_t first = no;
            for (size_t x = deg[d]; x < deg[d + 1]; x++) {
                size_t k = adj[x];
                if (done[k])
                    continue;
                done[k] = 1;
                pu->order[no++] = k;
            }
            if (no == first)
                continue;
            pu->ustart[nu] = first;
            pu->ucentre[nu++] = d;
            /* The partner of the unit's first pair is visited next. */
            for (size_t x = no; x-- > first;) {
                const ovl_cand *c = &pairs[pu->order[x]];
                stack[sp++] = c->doc_a == d ? c->doc_b : c->doc_a;
            }
        }
    }
    pu->ustart[nu] = no;
    pu->nunits = nu;
    rc = 0;
out:
    free(deg);
    free(adj);
    free(done);
    free(stack);
    if (rc) {
        free(pu->order);
        free(pu->ustart);
        free(pu->ucentre);
        memset(pu, 0, sizeof *pu);
    }
    return rc;
}

typedef struct align_job {
    const cli_files *files;
    const ovl_cand *pairs;
    size_t npairs;
    const ovl_align_opts *aopts;
    const cli_pair_box *boxes;
    uint32_t margin;
    int want_jsonl;
    cli_pair_result *out;
    ovl_ctx **ctx;
    shared_docs *docs;
    pair_units units;
    atomic_size_t done;
} align_job;

/* Token range [*t0, *t1) of a document of n tokens: box [b0, b1) widened by margin, the
 * whole document once that covers two thirds of it. */
static void widen(uint32_t b0, uint32_t b1, uint64_t margin, size_t n, size_t *t0, size_t *t1)
{
    uint64_t lo = b0 > margin ? b0 - margin : 0, hi = (uint64_t)b1 + margin;
    if (hi > n)
        hi = n;
    if (lo >= hi || 3 * (hi - lo) >= 2 * (uint64_t)n) {
        lo = 0;
        hi = n;
    }
    *t0 = (size_t)lo;
    *t1 = (size_t)hi;
}

/* Aligns a pair inside its widened box; see cli_align_pairs. */
static int align_box(ovl_ctx *ctx, const ovl_doc *da, const ovl_doc *db, const cli_pair_box *box,
                     uint32_t margin, const ovl_align_opts *aopts, ovl_passage **ps, size_t *np)
{
    size_t na = ovl_norm_count(ovl_doc_norm(da)), nb = ovl_norm_count(ovl_doc_norm(db));
    /* A passage ending this close to a range edge inside the document may go on past it. */
    const size_t slack = 32;
    for (uint64_t m = margin;; m *= 2) {
        size_t a0, a1, b0, b1;
        widen(box->a0, box->a1, m, na, &a0, &a1);
        widen(box->b0, box->b1, m, nb, &b0, &b1);
        int rc = ovl_align_range(ctx, da, a0, a1, db, b0, b1, aopts, ps, np);
        if (rc != OVL_OK)
            return rc;
        if ((a0 == 0 && a1 == na && b0 == 0 && b1 == nb) || m >= UINT32_MAX)
            return OVL_OK;
        int cut = 0;
        for (size_t i = 0; i < *np && !cut; i++) {
            const ovl_passage *p = &(*ps)[i];
            cut = (a0 > 0 && p->a.tok_start < a0 + slack) || (a1 < na && p->a.tok_end + slack > a1) ||
                  (b0 > 0 && p->b.tok_start < b0 + slack) || (b1 < nb && p->b.tok_end + slack > b1);
        }
        if (!cut)
            return OVL_OK;
        free(*ps);
        *ps = NULL;
        *np = 0;
    }
}

static void align_pair(align_job *j, ovl_ctx *ctx, size_t k, const ovl_doc *da, const ovl_doc *db)
{
    cli_pair_result *r = &j->out[k];
    const char *pa = j->files->v[j->pairs[k].doc_a].path, *pb = j->files->v[j->pairs[k].doc_b].path;
    int rc = j->boxes ? align_box(ctx, da, db, &j->boxes[k], j->margin, j->aopts, &r->ps, &r->np)
                      : ovl_align(ctx, da, db, j->aopts, &r->ps, &r->np);
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
}

static void align_unit(void *arg, unsigned worker, size_t u)
{
    align_job *j = arg;
    ovl_ctx *ctx = j->ctx[worker];
    size_t centre = j->units.ucentre[u];
    const char *cerr = NULL;
    const ovl_doc *dc = shared_get(j->docs, ctx, centre, &cerr);
    for (size_t x = j->units.ustart[u]; x < j->units.ustart[u + 1]; x++) {
        size_t k = j->units.order[x];
        const ovl_cand *c = &j->pairs[k];
        size_t other = c->doc_a == centre ? c->doc_b : c->doc_a;
        /* The same message whatever the visiting order: a's failure first. */
        const char *oerr = NULL;
        const ovl_doc *dother = dc ? shared_get(j->docs, ctx, other, &oerr) : NULL;
        const ovl_doc *da = c->doc_a == centre ? dc : dother;
        const ovl_doc *db = c->doc_a == centre ? dother : dc;
        const char *ea = c->doc_a == centre ? cerr : oerr, *eb = c->doc_a == centre ? oerr : cerr;
        if (!dc && c->doc_a != centre) {
            /* The centre (b) failed; a may be fine: load it to report what compare would. */
            da = shared_get(j->docs, ctx, other, &ea);
            dother = da;
        }
        if (!da)
            j->out[k].error = strdup(ea ? ea : "out of memory");
        else if (!db)
            j->out[k].error = strdup(eb ? eb : "out of memory");
        else
            align_pair(j, ctx, k, da, db);
        if (dother)
            shared_put(j->docs, other);
        atomic_fetch_add(&j->done, 1);
    }
    if (dc)
        shared_put(j->docs, centre);
}

static void align_tick(void *arg)
{
    align_job *j = arg;
    cli_progress_show("aligning: %zu/%zu candidate pairs", (size_t)atomic_load(&j->done),
                      j->npairs);
}

int cli_align_pairs(const cli_files *files, const ovl_cand *pairs, size_t npairs,
                    const cli_pair_box *boxes, uint32_t margin, const ovl_doc_opts *dopts,
                    const ovl_align_opts *aopts, unsigned nthreads, int progress,
                    int want_jsonl, cli_pair_result *out)
{
    align_job j;
    memset(&j, 0, sizeof j);
    j.boxes = boxes;
    j.margin = margin ? margin : 1;
    j.files = files;
    j.pairs = pairs;
    j.npairs = npairs;
    j.aopts = aopts;
    j.want_jsonl = want_jsonl;
    j.out = out;
    atomic_init(&j.done, 0);
    if (nthreads < 1)
        nthreads = 1;
    shared_docs sd;
    memset(&sd, 0, sizeof sd);
    sd.files = files;
    sd.dopts = dopts;
    sd.head = sd.tail = SIZE_MAX;
    sd.d = calloc(files->n ? files->n : 1, sizeof *sd.d);
    j.docs = &sd;
    j.ctx = calloc(nthreads, sizeof *j.ctx);
    int rc = j.ctx && sd.d ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < files->n; i++)
        sd.d[i].prev = sd.d[i].next = SIZE_MAX;
    if (rc == 0)
        rc = make_units(pairs, npairs, files->n, &j.units);
    for (unsigned t = 0; rc == 0 && t < nthreads; t++)
        if (!(j.ctx[t] = ovl_ctx_new()))
            rc = -1;
    if (rc == 0) {
        pthread_mutex_init(&sd.mu, NULL);
        pthread_cond_init(&sd.cv, NULL);
        cli_parallel(j.units.nunits, nthreads, align_unit, progress ? align_tick : NULL, &j);
        pthread_mutex_destroy(&sd.mu);
        pthread_cond_destroy(&sd.cv);
        if (progress)
            cli_progress_clear();
    } else {
        cli_error("out of memory");
    }
    for (unsigned t = 0; j.ctx && t < nthreads; t++)
        ovl_ctx_free(j.ctx[t]);
    for (size_t i = 0; sd.d && i < files->n; i++) {
        ovl_doc_free(sd.d[i].doc);
        free(sd.d[i].error);
    }
    free(sd.d);
    free(j.ctx);
    free(j.units.order);
    free(j.units.ustart);
    free(j.units.ucentre);
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

int cli_progress_opt(char **argv, int *i, int *force)
{
    if (strcmp(argv[*i], "--progress") != 0 && strcmp(argv[*i], "--no-progress") != 0)
        return 0;
    *force = argv[*i][2] == 'p';
    *i += 1;
    return 1;
}
