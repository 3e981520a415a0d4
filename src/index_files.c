/* index_files.c - adding a corpus of files to an index: workers read and prepare files ahead, the calling thread stores them in order. */
#include "index_int.h"
#include "pool.h"

#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

char *ovl_index_abspath(const char *path)
{
    if (!path)
        return NULL;
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
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (k > 0 && out[k - 1] != '/')
                k--;
            if (k > 0)
                k--;
        } else if (!(n == 1 && p[0] == '.')) {
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

/* Whether abs names the index (self, its absolute path) or one of SQLite's files beside it. */
static int is_index_file(const char *abs, const char *self)
{
    size_t n = strlen(self);
    if (strncmp(abs, self, n) != 0)
        return 0;
    const char *rest = abs + n;
    return !*rest || !strcmp(rest, "-wal") || !strcmp(rest, "-shm") || !strcmp(rest, "-journal");
}

/* One file of the run, read and prepared by a worker (or by the calling thread). */
typedef struct item {
    char *path;        /* stored under */
    int skip;          /* the index's own file */
    void *bytes;
    size_t len;
    ovl_index_prep *prep;
    int rc, read_failed;
    char *msg;         /* rc's detail (malloc'd) */
} item;

/* Files k = 0, 1, ... go through a ring of slots (k % nslots): a worker takes the next file
 * once its slot is free (file k - nslots stored); the calling thread stores file k once it
 * is ready. */
typedef struct pipe_ {
    const ovl_corpus *files;
    const char *self;
    int absolute;
    item *ring;
    unsigned char *ready;
    size_t nslots, n, next, done;
    int stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} pipe_;

typedef struct worker {
    pipe_ *p;
    ovl_index *handle; /* read-only, this worker's own */
} worker;

static void keep_message(item *it, ovl_ctx *ctx, int rc)
{
    const char *m = ovl_ctx_message(ctx);
    free(it->msg);
    it->msg = strdup(m && *m ? m : ovl_strerror(rc));
    ovl_ctx_clear(ctx);
}

static void prepare(const pipe_ *p, size_t k, item *it, ovl_ctx *ctx, ovl_index *h)
{
    memset(it, 0, sizeof *it);
    const char *name = ovl_corpus_name(p->files, k);
    char *abs = ovl_index_abspath(name);
    if (!abs || !(it->path = p->absolute ? abs : strdup(name))) {
        free(abs);
        it->rc = OVL_ERR_NOMEM;
        return;
    }
    int skip = p->self && is_index_file(abs, p->self);
    if (abs != it->path)
        free(abs);
    if (skip) {
        it->skip = 1;
        return;
    }
    it->rc = ovl_corpus_read(ctx, p->files, k, &it->bytes, &it->len);
    it->read_failed = it->rc != OVL_OK;
    if (it->rc == OVL_OK)
        it->rc = ovl_index_prepare(ctx, h, it->path, it->bytes, it->len, &it->prep);
    if (it->rc != OVL_OK)
        keep_message(it, ctx, it->rc);
}

static void item_free(item *it)
{
    free(it->path);
    free(it->bytes);
    free(it->msg);
    ovl_index_prep_free(it->prep);
    memset(it, 0, sizeof *it);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    pipe_ *p = w->p;
    ovl_ctx *ctx = ovl_ctx_new();
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->next < p->n && p->next >= p->done + p->nslots)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->stop || p->next >= p->n)
            break;
        size_t k = p->next++;
        pthread_mutex_unlock(&p->mu);
        item *it = &p->ring[k % p->nslots];
        if (ctx) {
            prepare(p, k, it, ctx, w->handle);
        } else {
            memset(it, 0, sizeof *it);
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

/* Opens n read-only handles on idx's file with idx's parameters (decode options included). */
static int open_readers(ovl_ctx *ctx, ovl_index *idx, worker *w, unsigned n)
{
    ovl_fp_opts fp;
    ovl_doc_opts doc;
    ovl_index_params(idx, &fp, &doc);
    for (unsigned t = 0; t < n; t++) {
        ovl_index_opts io = OVL_INDEX_OPTS_INIT;
        io.readonly = 1;
        io.fp = &fp;
        io.doc = &doc;
        int rc = ovl_index_open(ctx, idx->path, &io, &w[t].handle);
        if (rc != OVL_OK)
            return rc;
    }
    return OVL_OK;
}

int ovl_index_add_files(ovl_ctx *ctx, ovl_index *idx, const ovl_corpus *files,
                        const ovl_index_add_opts *opts, ovl_index_add_fn fn, void *userdata)
{
    ovl_index_add_opts o = OVL_INDEX_ADD_OPTS_INIT;
    if (opts)
        o = *opts;
    if (!idx || !files || o.version != OVL_INDEX_ADD_OPTS_VERSION)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_add_files: invalid argument");
    if (idx->readonly)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "index %s is open read-only", idx->path);
    size_t n = ovl_corpus_count(files);
    unsigned threads = o.threads ? o.threads : ovl_cores();
    /* One worker would only take turns with the calling thread. */
    unsigned nworkers = threads > 1 ? threads : 0;
    if (nworkers > n)
        nworkers = (unsigned)n;
    pipe_ p;
    memset(&p, 0, sizeof p);
    p.files = files;
    p.absolute = o.absolute;
    p.n = n;
    p.nslots = nworkers ? 4 * (size_t)nworkers : 1;
    char *self = ovl_index_abspath(idx->path);
    p.self = self;
    p.ring = calloc(p.nslots, sizeof *p.ring);
    p.ready = calloc(p.nslots, 1);
    worker *w = calloc(nworkers + 1, sizeof *w);
    pthread_t *tid = calloc(nworkers + 1, sizeof *tid);
    unsigned started = 0, nreaders = nworkers;
    int sync = 0, rc = OVL_OK;
    if (!self || !p.ring || !p.ready || !w || !tid)
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    for (unsigned t = 0; w && t < nworkers; t++)
        w[t].p = &p;
    if (rc == OVL_OK && nworkers)
        rc = open_readers(ctx, idx, w, nworkers);
    if (rc == OVL_OK && nworkers) {
        if (pthread_mutex_init(&p.mu, NULL) != 0 || pthread_cond_init(&p.cv, NULL) != 0) {
            /* Without threads the calling thread prepares every file itself. */
            nworkers = 0;
        } else {
            sync = 1;
            for (unsigned t = 0; t < nworkers; t++)
                if (pthread_create(&tid[t], NULL, worker_main, &w[t]) == 0)
                    started++;
            if (!started) {
                /* Every file is still taken by a worker; with none, this thread does it. */
                sync = 0;
                pthread_mutex_destroy(&p.mu);
                pthread_cond_destroy(&p.cv);
            }
        }
    }
    for (size_t k = 0; rc == OVL_OK && k < n; k++) {
        item *it = &p.ring[k % p.nslots];
        if (sync) {
            pthread_mutex_lock(&p.mu);
            while (!p.ready[k % p.nslots])
                pthread_cond_wait(&p.cv, &p.mu);
            pthread_mutex_unlock(&p.mu);
        } else {
            prepare(&p, k, it, ctx, idx);
        }
        int st = 0, frc = it->rc;
        if (frc == OVL_OK && it->skip) {
            st = OVL_INDEX_SKIPPED;
        } else if (frc == OVL_OK) {
            frc = ovl_index_add_prepared(ctx, idx, it->path, it->bytes, it->len, it->prep, o.metas,
                                         o.nmetas, &st);
            if (frc != OVL_OK)
                keep_message(it, ctx, frc);
        }
        if (frc != OVL_OK && !it->read_failed &&
            (frc == OVL_ERR_DB || frc == OVL_ERR_CORRUPT || frc == OVL_ERR_NOMEM)) {
            /* The index itself is in trouble: stop rather than fail every file. */
            rc = ovl__fail(ctx, frc, -1, "%s", it->msg ? it->msg : ovl_strerror(frc));
        } else if (fn) {
            /* The count of the document stored; one that was already there was not decoded
             * (or, decoded when another writer raced this one, was not stored). */
            int stored = frc == OVL_OK && (st == OVL_INDEX_ADDED || st == OVL_INDEX_REPLACED);
            ovl_index_add_event ev = {k, n, ovl_corpus_name(files, k), it->path, frc,
                                      frc == OVL_OK ? st : 0, it->read_failed,
                                      frc == OVL_OK ? NULL : it->msg ? it->msg : ovl_strerror(frc),
                                      it->bytes, it->len,
                                      stored ? ovl__ix_prep_replaced(it->prep) : 0};
            int stop = fn(userdata, &ev);
            if (stop)
                rc = stop;
        }
        item_free(it);
        if (sync) {
            pthread_mutex_lock(&p.mu);
            p.ready[k % p.nslots] = 0;
            p.done = k + 1;
            pthread_cond_broadcast(&p.cv);
            pthread_mutex_unlock(&p.mu);
        }
    }
    if (sync) {
        pthread_mutex_lock(&p.mu);
        p.stop = 1;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
        for (unsigned t = 0; t < started; t++)
            pthread_join(tid[t], NULL);
        pthread_mutex_destroy(&p.mu);
        pthread_cond_destroy(&p.cv);
    }
    /* Files prepared but not stored (the run stopped early). */
    for (size_t i = 0; p.ring && i < p.nslots; i++)
        item_free(&p.ring[i]);
    for (unsigned t = 0; w && t < nreaders; t++)
        ovl_index_close(w[t].handle);
    free(p.ring);
    free(p.ready);
    free(w);
    free(tid);
    free(self);
    /* The run's band keys into sorted runs now, so later queries read few pending records;
     * after the index's own failure there is nothing sound to flush. */
    if (rc == OVL_OK || (rc != OVL_ERR_DB && rc != OVL_ERR_CORRUPT && rc != OVL_ERR_NOMEM)) {
        int frc = ovl_index_flush(ctx, idx);
        if (rc == OVL_OK)
            rc = frc;
    }
    return rc;
}
