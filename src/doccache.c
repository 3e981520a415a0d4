/* doccache.c - a shared LRU cache of loaded corpus documents with content-hash checks on reload. */
#include "doccache.h"

#include <pthread.h>
#include <stdio.h>
#include <xxhash.h>

typedef struct sdoc {
    ovl_doc *doc;
    uint64_t bytes;    /* estimated memory of doc */
    uint64_t key;      /* eviction order while unreferenced: the largest goes first */
    uint64_t last;     /* latest planned position it was asked for */
    size_t heap;       /* index in the eviction heap; SIZE_MAX = not in it */
    uint32_t refs;
    int loading;
    int code;          /* load failure code, once failed */
    void *kept;        /* ovl__doccache_keep's data, freed with doc */
    uint64_t kept_bytes;
    char *error;       /* load failure message ("PATH: message") */
} sdoc;

struct ovl__doccache {
    const ovl_corpus *c;
    const ovl_doc_opts *opts;
    const uint64_t (*hashes)[2];
    uint64_t budget;
    unsigned parts; /* segments a load finds (OVL__SEG_*) */
    sdoc *d;
    size_t n;
    /* Unreferenced loaded documents, a binary max-heap on key. Without a plan the key is
     * the age of the last release (least recently used first); with one it is the position
     * of the next request (furthest first, Belady's rule: with the order of requests known,
     * the document needed last is the one to drop). */
    size_t *heap, nheap;
    uint64_t tick;
    /* The plan: positions at which each document will be asked for, ascending:
     * ppos[pstart[i] .. pstart[i + 1]) for document i. NULL: no plan. */
    size_t *pstart;
    uint64_t *ppos;
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
    if (!dc || !(dc->d = calloc(n ? n : 1, sizeof *dc->d)) ||
        !(dc->heap = malloc((n ? n : 1) * sizeof *dc->heap))) {
        if (dc)
            free(dc->d);
        free(dc);
        return NULL;
    }
    dc->c = c;
    dc->opts = opts;
    dc->hashes = hashes;
    dc->budget = budget;
    dc->parts = OVL__SEG_ALL;
    dc->n = n;
    for (size_t i = 0; i < n; i++)
        dc->d[i].heap = SIZE_MAX;
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
        free(dc->d[i].kept);
        free(dc->d[i].error);
    }
    pthread_mutex_destroy(&dc->mu);
    pthread_cond_destroy(&dc->cv);
    free(dc->d);
    free(dc->heap);
    free(dc->pstart);
    free(dc->ppos);
    free(dc);
}

static void heap_set(ovl__doccache *s, size_t at, size_t i)
{
    s->heap[at] = i;
    s->d[i].heap = at;
}

static void heap_up(ovl__doccache *s, size_t at)
{
    size_t i = s->heap[at];
    while (at > 0) {
        size_t up = (at - 1) / 2;
        if (s->d[s->heap[up]].key >= s->d[i].key)
            break;
        heap_set(s, at, s->heap[up]);
        at = up;
    }
    heap_set(s, at, i);
}

static void heap_down(ovl__doccache *s, size_t at)
{
    size_t i = s->heap[at];
    for (;;) {
        size_t c = 2 * at + 1;
        if (c >= s->nheap)
            break;
        if (c + 1 < s->nheap && s->d[s->heap[c + 1]].key > s->d[s->heap[c]].key)
            c++;
        if (s->d[s->heap[c]].key <= s->d[i].key)
            break;
        heap_set(s, at, s->heap[c]);
        at = c;
    }
    heap_set(s, at, i);
}

static void heap_remove(ovl__doccache *s, size_t i)
{
    size_t at = s->d[i].heap;
    if (at == SIZE_MAX)
        return;
    s->d[i].heap = SIZE_MAX;
    size_t last = s->heap[--s->nheap];
    if (last == i)
        return;
    heap_set(s, at, last);
    heap_up(s, at);
    heap_down(s, s->d[last].heap);
}

/* The next planned request of document i after position pos (UINT64_MAX: none). */
static uint64_t next_use(const ovl__doccache *s, size_t i, uint64_t pos)
{
    size_t lo = s->pstart[i], hi = s->pstart[i + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->ppos[mid] <= pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->pstart[i + 1] ? s->ppos[lo] : UINT64_MAX;
}

/* Under the lock: document i, just released by everyone, joins the eviction heap. */
static void heap_push(ovl__doccache *s, size_t i)
{
    sdoc *e = &s->d[i];
    e->key = s->pstart ? next_use(s, i, e->last) : UINT64_MAX - ++s->tick;
    s->heap[s->nheap++] = i;
    heap_up(s, s->nheap - 1);
}

/* Under the lock: frees unreferenced document i (out of the heap) and what was kept with it. */
static void drop(ovl__doccache *s, size_t i)
{
    sdoc *e = &s->d[i];
    ovl_doc_free(e->doc);
    e->doc = NULL;
    free(e->kept);
    e->kept = NULL;
    s->bytes -= e->bytes + e->kept_bytes;
    e->bytes = e->kept_bytes = 0;
}

/* Under the lock: frees unreferenced documents, the first in eviction order first, while
 * over budget. */
static void trim(ovl__doccache *s)
{
    while (s->bytes > s->budget && s->nheap) {
        size_t i = s->heap[0];
        heap_remove(s, i);
        drop(s, i);
    }
}

int ovl__doccache_plan(ovl__doccache *s, const uint32_t *seq, size_t n)
{
    size_t *start = NULL;
    uint64_t *pos = NULL;
    if (seq && n) {
        start = calloc(s->n + 2, sizeof *start);
        pos = malloc(n * sizeof *pos);
        if (!start || !pos) {
            free(start);
            free(pos);
            return OVL_ERR_NOMEM;
        }
        for (size_t k = 0; k < n; k++)
            start[seq[k] + 2]++;
        for (size_t i = 0; i < s->n; i++)
            start[i + 2] += start[i + 1];
        for (size_t k = 0; k < n; k++)
            pos[start[seq[k] + 1]++] = k;
    }
    pthread_mutex_lock(&s->mu);
    free(s->pstart);
    free(s->ppos);
    s->pstart = start;
    s->ppos = pos;
    for (size_t i = 0; i < s->n; i++)
        s->d[i].last = 0;
    /* Keys of documents already waiting follow the new rule. */
    for (size_t k = 0; k < s->nheap; k++) {
        size_t i = s->heap[k];
        s->d[i].key = !start ? UINT64_MAX - ++s->tick
                      : start[i] < start[i + 1] ? pos[start[i]] : UINT64_MAX;
    }
    for (size_t k = s->nheap / 2; k-- > 0;)
        heap_down(s, k);
    pthread_mutex_unlock(&s->mu);
    return OVL_OK;
}

/* Memory of a loaded document: its arrays as allocated (the decoder and normalizer trim
 * them to size; narrow code points and their exceptions, see ovl__doc_bytes), so that the
 * budget holds as many documents as it says. */
static uint64_t doc_bytes(const ovl_doc *d) { return 256 + ovl__doc_bytes(d); }

static char *message(const char *path, const char *msg)
{
    size_t n = strlen(path) + strlen(msg) + 3;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s: %s", path, msg);
    return s;
}

/* Loads document i outside the lock, with the given segment parts. */
static int load(ovl__doccache *s, ovl_ctx *ctx, size_t i, unsigned parts, ovl_doc **out, char **err)
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
        rc = ovl__doc_from_bytes(ctx, path, bytes, len, &o, parts, out);
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
    return ovl__doccache_get_at(s, ctx, i, 0, err, code);
}

const ovl_doc *ovl__doccache_get_at(ovl__doccache *s, ovl_ctx *ctx, size_t i, uint64_t pos,
                                    const char **err, int *code)
{
    pthread_mutex_lock(&s->mu);
    sdoc *e = &s->d[i];
    if (pos > e->last)
        e->last = pos;
    while (e->loading)
        pthread_cond_wait(&s->cv, &s->mu);
    if (e->doc || e->error) {
        if (e->doc) {
            heap_remove(s, i);
            e->refs++;
        }
        const ovl_doc *d = e->doc;
        *err = e->error;
        *code = e->code;
        pthread_mutex_unlock(&s->mu);
        return d;
    }
    e->loading = 1;
    unsigned parts = s->parts;
    pthread_mutex_unlock(&s->mu);
    ovl_doc *d = NULL;
    char *msg = NULL;
    int rc = load(s, ctx, i, parts, &d, &msg);
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
        heap_push(s, i);
        trim(s);
    }
    pthread_mutex_unlock(&s->mu);
}

void *ovl__doccache_keep(ovl__doccache *s, size_t i, void *p, uint64_t bytes)
{
    pthread_mutex_lock(&s->mu);
    sdoc *e = &s->d[i];
    if (e->doc && !e->kept) {
        e->kept = p;
        e->kept_bytes = bytes;
        s->bytes += bytes;
        p = NULL;
    }
    void *k = e->kept;
    pthread_mutex_unlock(&s->mu);
    free(p);
    return k;
}

void *ovl__doccache_kept(ovl__doccache *s, size_t i)
{
    pthread_mutex_lock(&s->mu);
    void *k = s->d[i].kept;
    pthread_mutex_unlock(&s->mu);
    return k;
}

int ovl__doccache_load(ovl__doccache *dc, ovl_ctx *ctx, size_t i, ovl_doc **out, char **err)
{
    *out = NULL;
    *err = NULL;
    return load(dc, ctx, i, OVL__SEG_ALL, out, err);
}

void ovl__doccache_parts(ovl__doccache *s, unsigned parts)
{
    pthread_mutex_lock(&s->mu);
    s->parts = parts;
    /* Unheld documents short of a part go; held ones are the holders' business. */
    for (size_t i = 0; i < s->n; i++) {
        sdoc *e = &s->d[i];
        if (e->doc && e->heap != SIZE_MAX && (ovl_doc_segments(e->doc)->parts & parts) != parts) {
            heap_remove(s, i);
            drop(s, i);
        }
    }
    pthread_mutex_unlock(&s->mu);
}
