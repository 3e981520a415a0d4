/* doccache.c - a shared LRU cache of loaded corpus documents with content-hash checks on reload. */
#include "doccache.h"

#include <pthread.h>
#include <stdio.h>
#include <xxhash.h>

typedef struct sdoc {
    ovl_doc *doc;
    uint64_t bytes;    /* estimated memory of doc */
    uint32_t refs;
    int loading;
    int code;          /* load failure code, once failed */
    char *error;       /* load failure message ("PATH: message") */
    size_t prev, next; /* LRU list of unreferenced loaded documents; SIZE_MAX = none */
    int in_lru;
} sdoc;

struct ovl__doccache {
    const ovl_corpus *c;
    const ovl_doc_opts *opts;
    const uint64_t (*hashes)[2];
    uint64_t budget;
    sdoc *d;
    size_t n;
    size_t head, tail; /* LRU: head = least recently used */
    uint64_t bytes;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

void ovl__content_hash(const void *bytes, size_t len, uint64_t out[2])
{
    XXH128_hash_t h = XXH3_128bits(bytes, len);
    out[0] = h.low64;
    out[1] = h.high64;
}

ovl__doccache *ovl__doccache_new(const ovl_corpus *c, const ovl_doc_opts *opts,
                                 const uint64_t (*hashes)[2], uint64_t budget)
{
    ovl__doccache *dc = calloc(1, sizeof *dc);
    size_t n = ovl_corpus_count(c);
    if (!dc || !(dc->d = calloc(n ? n : 1, sizeof *dc->d))) {
        free(dc);
        return NULL;
    }
    dc->c = c;
    dc->opts = opts;
    dc->hashes = hashes;
    dc->budget = budget;
    dc->n = n;
    dc->head = dc->tail = SIZE_MAX;
    for (size_t i = 0; i < n; i++)
        dc->d[i].prev = dc->d[i].next = SIZE_MAX;
    pthread_mutex_init(&dc->mu, NULL);
    pthread_cond_init(&dc->cv, NULL);
    return dc;
}

void ovl__doccache_free(ovl__doccache *dc)
{
    if (!dc)
        return;
    for (size_t i = 0; i < dc->n; i++) {
        ovl_doc_free(dc->d[i].doc);
        free(dc->d[i].error);
    }
    pthread_mutex_destroy(&dc->mu);
    pthread_cond_destroy(&dc->cv);
    free(dc->d);
    free(dc);
}

static void lru_unlink(ovl__doccache *s, size_t i)
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

static void lru_push(ovl__doccache *s, size_t i)
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
static void trim(ovl__doccache *s)
{
    while (s->bytes > s->budget && s->head != SIZE_MAX) {
        size_t i = s->head;
        lru_unlink(s, i);
        ovl_doc_free(s->d[i].doc);
        s->d[i].doc = NULL;
        s->bytes -= s->d[i].bytes;
        s->d[i].bytes = 0;
    }
}

/* A loaded document's memory as its arrays hold it (about 6.5 bytes per byte of English
 * text, see bench/README.md), and a little for the allocator. */
static uint64_t doc_bytes(const ovl_doc *d) { return 256 + ovl__doc_bytes(d); }

static char *message(const char *path, const char *msg)
{
    size_t n = strlen(path) + strlen(msg) + 3;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s: %s", path, msg);
    return s;
}

/* Loads document i outside the lock. */
static int load(ovl__doccache *s, ovl_ctx *ctx, size_t i, ovl_doc **out, char **err)
{
    const char *path = ovl_corpus_name(s->c, i);
    void *bytes = NULL;
    size_t len = 0;
    int rc = ovl_corpus_read(ctx, s->c, i, &bytes, &len);
    if (rc == OVL_OK && s->hashes) {
        uint64_t h[2];
        ovl__content_hash(bytes, len, h);
        if (h[0] != s->hashes[i][0] || h[1] != s->hashes[i][1])
            rc = ovl__fail(ctx, OVL_ERR_IO, -1, "changed since it was fingerprinted");
    }
    if (rc == OVL_OK) {
        ovl_doc_opts o = *s->opts; /* a record, or a file an encoding rule names */
        if (ovl_corpus_encoding(s->c, i))
            o.decode.encoding = ovl_corpus_encoding(s->c, i);
        rc = ovl_doc_from_bytes(ctx, path, bytes, len, &o, out);
    }
    free(bytes);
    if (rc != OVL_OK) {
        const char *m = ovl_ctx_message(ctx);
        *err = message(path, *m ? m : ovl_strerror(rc));
    }
    ovl_ctx_clear(ctx);
    return rc;
}

const ovl_doc *ovl__doccache_get(ovl__doccache *s, ovl_ctx *ctx, size_t i, const char **err,
                                 int *code)
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
        *code = e->code;
        pthread_mutex_unlock(&s->mu);
        return d;
    }
    e->loading = 1;
    pthread_mutex_unlock(&s->mu);
    ovl_doc *d = NULL;
    char *msg = NULL;
    int rc = load(s, ctx, i, &d, &msg);
    pthread_mutex_lock(&s->mu);
    e->loading = 0;
    if (rc == OVL_OK) {
        e->doc = d;
        e->bytes = doc_bytes(d);
        e->refs = 1;
        s->bytes += e->bytes;
        trim(s);
    } else {
        e->code = rc;
        e->error = msg ? msg : strdup("out of memory");
        if (!e->error)
            e->error = (char *)NULL;
    }
    *err = e->error ? e->error : "out of memory";
    *code = e->code;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return d;
}

void ovl__doccache_put(ovl__doccache *s, size_t i)
{
    pthread_mutex_lock(&s->mu);
    sdoc *e = &s->d[i];
    if (e->doc && --e->refs == 0) {
        lru_push(s, i);
        trim(s);
    }
    pthread_mutex_unlock(&s->mu);
}

int ovl__doccache_load(ovl__doccache *dc, ovl_ctx *ctx, size_t i, ovl_doc **out, char **err)
{
    *out = NULL;
    *err = NULL;
    return load(dc, ctx, i, out, err);
}
