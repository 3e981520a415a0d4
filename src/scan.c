/* scan.c - the corpus scan: fingerprint shards, candidate pairs per band range, aligned pairs, results in report order. */
#include "internal.h"

#include "scan_int.h"
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>


int ovl_scan_opts_resolve(ovl_ctx *ctx, const ovl_scan_opts *opts, ovl_scan_opts *out)
{
    static const ovl_scan_opts def = OVL_SCAN_OPTS_INIT;
    if (!opts)
        opts = &def;
    if (opts->version != OVL_SCAN_OPTS_VERSION)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "scan options version %u, expected %u",
                         opts->version, OVL_SCAN_OPTS_VERSION);
    *out = *opts;
    int rc = ovl_fp_opts_resolve(ctx, &opts->fp, &out->fp);
    if (rc != OVL_OK)
        return rc;
    if (out->min_hits == 0)
        out->min_hits = 1;
    if (out->threads == 0)
        out->threads = ovl_cores();
    return OVL_OK;
}

/* ---- Phase 1 ---------------------------------------------------------------------------- */

typedef struct fp_slot {
    int done;
    uint32_t *cs, *ce; /* chunks' character ranges */
    uint64_t *doc_keys;
    ovl_scan_doc doc;
    ovl_fp *fp;
    char *message; /* failure detail */
    int64_t offset;
} fp_slot;

typedef struct fp_job {
    const ovl_corpus *c;
    const ovl_scan_opts *o;
    size_t first, count;
    ovl_ctx **ctx;
    fp_slot *slots;
    size_t next_commit;
    pthread_mutex_t mu;
    ovl_scan_shard *out;
    size_t capchunks;
    unsigned doc_bands, doc_rows;
    ovl__recur *sk; /* per worker, or NULL */
    int rc; /* out of memory while committing */
    atomic_size_t files_done;
    size_t progress_base, progress_total;
} fp_job;

static char *dupstr(const char *s) { return strdup(s ? s : ""); }

/* Appends a finished document to the shard (in document order). */
static void commit_slot(fp_job *j, size_t k)
{
    fp_slot *s = &j->slots[k];
    ovl_scan_shard *out = j->out;
    /* A file that could not be read or decoded is skipped; one that met a failed allocation
     * is not the file's fault, and the scan without it would be another scan: it fails. */
    if (s->doc.status == OVL_ERR_NOMEM)
        j->rc = OVL_ERR_NOMEM;
    if (j->rc == OVL_OK && s->fp) {
        size_t nc = ovl_fp_chunk_count(s->fp);
        unsigned nb = out->bands;
        size_t kc = j->capchunks;
        if (ovl__grow(&out->chunks, &j->capchunks, out->nchunks + nc, sizeof *out->chunks) != 0)
            j->rc = OVL_ERR_NOMEM, nc = 0;
        if (j->rc == OVL_OK && j->capchunks != kc) {
            /* The other per-chunk arrays follow the chunk table's capacity. */
            kc = j->capchunks;
            uint64_t *nk = realloc(out->keys, kc * nb * sizeof *nk);
            if (nk)
                out->keys = nk;
            uint32_t *ncs = nk ? realloc(out->char_start, kc * sizeof *ncs) : NULL;
            if (ncs)
                out->char_start = ncs;
            uint32_t *nce = ncs ? realloc(out->char_end, kc * sizeof *nce) : NULL;
            if (nce)
                out->char_end = nce;
            if (!nce)
                j->rc = OVL_ERR_NOMEM, nc = 0;
        }
        s->doc.first_chunk = out->nchunks;
        s->doc.nchunks = (uint32_t)nc;
        if (nc) {
            memcpy(out->chunks + out->nchunks, ovl_fp_chunks(s->fp), nc * sizeof *out->chunks);
            memcpy(out->keys + out->nchunks * nb, ovl_fp_band_keys(s->fp, 0), nc * nb * sizeof *out->keys);
            memcpy(out->char_start + out->nchunks, s->cs, nc * sizeof *s->cs);
            memcpy(out->char_end + out->nchunks, s->ce, nc * sizeof *s->ce);
        }
        out->nchunks += nc;
    }
    if (out->doc_keys) {
        unsigned K = j->o->fp.num_hashes;
        if (s->doc_keys) {
            memcpy(out->doc_keys + k * out->doc_bands, s->doc_keys, out->doc_bands * sizeof *out->doc_keys);
            memcpy(out->doc_sigs + k * K, ovl_fp_doc_signature(s->fp), K * sizeof *out->doc_sigs);
        } else {
            memset(out->doc_keys + k * out->doc_bands, 0, out->doc_bands * sizeof *out->doc_keys);
            memset(out->doc_sigs + k * K, 0xFF, K * sizeof *out->doc_sigs);
        }
    }
    free(s->doc_keys);
    s->doc_keys = NULL;
    free(s->cs);
    free(s->ce);
    s->cs = s->ce = NULL;
    out->docs[k] = s->doc;
    ovl_fp_free(s->fp);
    s->fp = NULL;
}

static void fp_one(void *arg, unsigned worker, size_t k)
{
    fp_job *j = arg;
    ovl_ctx *ctx = j->ctx[worker];
    size_t i = j->first + k;
    fp_slot s;
    memset(&s, 0, sizeof s);
    s.done = 1;
    s.offset = -1;
    void *bytes = NULL;
    size_t len = 0;
    ovl_doc *doc = NULL;
    int rc = ovl_corpus_read(ctx, j->c, i, &bytes, &len);
    if (rc == OVL_OK) {
        s.doc.bytes = len;
        ovl__content_hash(bytes, len, s.doc.hash);
        ovl_doc_opts dopts = j->o->doc; /* a record, or a file an encoding rule names */
        if (ovl_corpus_encoding(j->c, i))
            dopts.decode.encoding = ovl_corpus_encoding(j->c, i);
        rc = ovl__doc_from_bytes(ctx, ovl_corpus_name(j->c, i), bytes, len, &dopts,
                                 ovl__scan_parts(j->o), &doc);
    }
    free(bytes);
    if (rc == OVL_OK) {
        const ovl_text *t = ovl_doc_text(doc);
        s.doc.chars = ovl_text_length(t);
        size_t nt = ovl_norm_count(ovl_doc_norm(doc));
        s.doc.tokens = nt > UINT32_MAX ? UINT32_MAX : (uint32_t)nt;
        snprintf(s.doc.encoding, sizeof s.doc.encoding, "%s", ovl_text_encoding(t));
        s.doc.replaced = ovl_text_replaced(t);
        rc = ovl_fp_from_doc(ctx, doc, &j->o->fp, &s.fp);
        if (rc == OVL_OK && j->sk)
            ovl__recur_add(&j->sk[worker], ovl_doc_norm(doc)->tokens, nt);
    }
    if (rc == OVL_OK) {
        size_t nc = ovl_fp_chunk_count(s.fp);
        const ovl_fp_chunk *ch = ovl_fp_chunks(s.fp);
        const ovl_norm *nm = ovl_doc_norm(doc);
        const ovl__tok *tok = nm->tokens;
        s.cs = malloc((nc ? nc : 1) * sizeof *s.cs);
        s.ce = malloc((nc ? nc : 1) * sizeof *s.ce);
        if (!s.cs || !s.ce)
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        for (size_t c = 0; rc == OVL_OK && c < nc; c++) {
            s.cs[c] = ch[c].tok_end > ch[c].tok_start ? tok[ch[c].tok_start].char_start : 0;
            s.ce[c] = ch[c].tok_end > ch[c].tok_start ? ovl__tok_char_end(nm, ch[c].tok_end - 1)
                                                      : 0;
        }
    }
    if (rc == OVL_OK && j->doc_bands && ovl_fp_doc_signature(s.fp)) {
        if (!(s.doc_keys = malloc(j->doc_bands * sizeof *s.doc_keys)))
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        else
            ovl_lsh_band_keys(ovl_fp_doc_signature(s.fp), j->doc_bands, j->doc_rows,
                              j->o->fp.seed, s.doc_keys);
    }
    ovl_doc_free(doc);
    s.doc.status = rc;
    if (rc != OVL_OK) {
        const char *m = ovl_ctx_message(ctx);
        s.message = dupstr(*m ? m : ovl_strerror(rc));
        s.offset = ovl_ctx_offset(ctx);
        ovl_fp_free(s.fp);
        s.fp = NULL;
    }
    ovl_ctx_clear(ctx);
    atomic_fetch_add(&j->files_done, 1);
    pthread_mutex_lock(&j->mu);
    j->slots[k] = s;
    while (j->next_commit < j->count && j->slots[j->next_commit].done)
        commit_slot(j, j->next_commit++);
    pthread_mutex_unlock(&j->mu);
}

static void fp_tick(void *arg)
{
    fp_job *j = arg;
    j->o->progress(j->o->progress_data, "fingerprint",
                   j->progress_base + atomic_load(&j->files_done), j->progress_total);
}

int ovl__scan_fingerprint(ovl_ctx *ctx, const ovl_corpus *c, const ovl_scan_opts *o, size_t first,
                          size_t count, size_t progress_base, unsigned doc_bands,
                          unsigned doc_rows, ovl_scan_shard *out)
{
    return ovl__scan_fingerprint_rec(ctx, c, o, first, count, progress_base, doc_bands, doc_rows,
                                     NULL, out);
}

int ovl__scan_fingerprint_rec(ovl_ctx *ctx, const ovl_corpus *c, const ovl_scan_opts *o,
                              size_t first, size_t count, size_t progress_base, unsigned doc_bands,
                              unsigned doc_rows, ovl__recur *sk, ovl_scan_shard *out)
{
    memset(out, 0, sizeof *out);
    out->first = first;
    out->count = count;
    out->bands = o->fp.bands;
    fp_job j;
    memset(&j, 0, sizeof j);
    j.c = c;
    j.o = o;
    j.first = first;
    j.count = count;
    j.out = out;
    j.progress_base = progress_base;
    j.progress_total = ovl_corpus_count(c);
    j.doc_bands = doc_bands;
    j.doc_rows = doc_rows;
    j.sk = sk;
    atomic_init(&j.files_done, 0);
    unsigned nt = o->threads ? o->threads : 1;
    out->docs = calloc(count ? count : 1, sizeof *out->docs);
    j.slots = calloc(count ? count : 1, sizeof *j.slots);
    j.ctx = calloc(nt, sizeof *j.ctx);
    int rc = out->docs && j.slots && j.ctx ? OVL_OK : OVL_ERR_NOMEM;
    if (rc == OVL_OK && doc_bands) {
        out->doc_bands = doc_bands;
        if (!(out->doc_keys = calloc((count ? count : 1) * doc_bands, sizeof *out->doc_keys)) ||
            !(out->doc_sigs = malloc((count ? count : 1) * o->fp.num_hashes * sizeof *out->doc_sigs)))
            rc = OVL_ERR_NOMEM;
    }
    for (unsigned t = 0; rc == OVL_OK && t < nt; t++)
        if (!(j.ctx[t] = ovl_ctx_new()))
            rc = OVL_ERR_NOMEM;
    if (rc == OVL_OK) {
        pthread_mutex_init(&j.mu, NULL);
        ovl__parallel(count, nt, fp_one, o->progress ? fp_tick : NULL, &j);
        pthread_mutex_destroy(&j.mu);
        rc = j.rc;
    }
    /* Problems in document order, from the slots' messages. */
    free(out->problems);
    out->problems = NULL;
    out->nproblems = 0;
    size_t nprob = 0;
    for (size_t k = 0; rc == OVL_OK && k < count; k++)
        nprob += j.slots[k].done && j.slots[k].doc.status != OVL_OK;
    if (rc == OVL_OK && nprob && !(out->problems = calloc(nprob, sizeof *out->problems)))
        rc = OVL_ERR_NOMEM;
    for (size_t k = 0; rc == OVL_OK && k < count; k++) {
        fp_slot *s = &j.slots[k];
        if (s->doc.status == OVL_OK)
            continue;
        ovl_problem *p = &out->problems[out->nproblems++];
        p->path = dupstr(ovl_corpus_name(c, first + k));
        p->message = s->message ? s->message : dupstr(ovl_strerror(s->doc.status));
        s->message = NULL;
        p->code = s->doc.status;
        p->offset = s->offset;
        if (!p->path || !p->message)
            rc = OVL_ERR_NOMEM;
    }
    for (size_t k = 0; j.slots && k < count; k++) {
        free(j.slots[k].cs);
        free(j.slots[k].ce);
        free(j.slots[k].doc_keys);
        free(j.slots[k].message);
        ovl_fp_free(j.slots[k].fp);
    }
    for (unsigned t = 0; j.ctx && t < nt; t++)
        ovl_ctx_free(j.ctx[t]);
    free(j.ctx);
    free(j.slots);
    if (rc != OVL_OK) {
        ovl_scan_shard_free(out);
        memset(out, 0, sizeof *out);
        return ovl__fail(ctx, rc, -1, "out of memory fingerprinting documents");
    }
    return OVL_OK;
}

int ovl_scan_fingerprint(ovl_ctx *ctx, const ovl_corpus *c, const ovl_scan_opts *opts,
                         size_t first, size_t count, ovl_scan_shard *out)
{
    if (!c || !out)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "corpus and shard are required");
    memset(out, 0, sizeof *out);
    size_t n = ovl_corpus_count(c);
    if (first > n || count > n - first)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "documents %zu..%zu are not in the corpus of %zu",
                         first, first + count, n);
    ovl_scan_opts o;
    int rc = ovl_scan_opts_resolve(ctx, opts, &o);
    if (rc != OVL_OK)
        return rc;
    return ovl__scan_fingerprint(ctx, c, &o, first, count, first, 0, 0, out);
}

void ovl_scan_shard_free(ovl_scan_shard *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nproblems; i++) {
        free((char *)s->problems[i].path);
        free((char *)s->problems[i].message);
    }
    free(s->problems);
    free(s->docs);
    free(s->chunks);
    free(s->keys);
    free(s->char_start);
    free(s->char_end);
    free(s->doc_keys);
    free(s->doc_sigs);
    memset(s, 0, sizeof *s);
}

/* ---- Phase 2 ---------------------------------------------------------------------------- */

/* Adds a shard's documents with bands [lo, hi) of their keys to finder f. */
static int finder_add(ovl_ctx *ctx, ovl_finder *f, const ovl_scan_shard *s, unsigned lo,
                      unsigned hi, const int32_t *groups, uint64_t **buf, size_t *cap)
{
    unsigned nb = hi - lo;
    for (size_t k = 0; k < s->count; k++) {
        const ovl_scan_doc *d = &s->docs[k];
        if (d->status != OVL_OK)
            continue;
        size_t nc = d->nchunks;
        if (ovl__grow(buf, cap, nc * nb + 1, sizeof **buf) != 0)
            return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        for (size_t ch = 0; ch < nc; ch++)
            memcpy(*buf + ch * nb, s->keys + (d->first_chunk + ch) * s->bands + lo, nb * sizeof **buf);
        size_t id = s->first + k;
        int rc = ovl_finder_add_keys(ctx, f, (uint32_t)id, groups ? groups[id] : -1,
                                     s->chunks + d->first_chunk, nc, *buf);
        if (rc != OVL_OK)
            return rc;
    }
    return OVL_OK;
}

/* Candidate pairs of a filled finder, as scan pairs with the token ranges of their chunks. */
int ovl__scan_finder_pairs(ovl_ctx *ctx, ovl_finder *f, unsigned max_df, unsigned max_chunks,
                           ovl_scan_pair **out, size_t *nout)
{
    ovl_cand_opts co = OVL_CAND_OPTS_INIT;
    co.max_df = max_df;
    co.max_chunks = max_chunks;
    co.min_band_hits = 1;
    ovl_cand *c = NULL;
    ovl_cand_hit *h = NULL;
    size_t nc = 0, nh = 0;
    *out = NULL;
    *nout = 0;
    int rc = ovl_finder_candidates(ctx, f, &co, &c, &nc, &h, &nh);
    if (rc != OVL_OK)
        return rc;
    ovl_scan_pair *p = malloc((nc ? nc : 1) * sizeof *p);
    if (!p) {
        free(c);
        free(h);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    }
    for (size_t k = 0; k < nc; k++) {
        ovl_scan_pair q = {c[k].doc_a, c[k].doc_b, c[k].band_hits, UINT32_MAX, 0, UINT32_MAX, 0};
        for (size_t x = c[k].first_hit; x < c[k].first_hit + c[k].chunk_pairs; x++) {
            const ovl_cand_hit *e = &h[x];
            if (e->a_start < q.a0)
                q.a0 = e->a_start;
            if (e->a_end > q.a1)
                q.a1 = e->a_end;
            if (e->b_start < q.b0)
                q.b0 = e->b_start;
            if (e->b_end > q.b1)
                q.b1 = e->b_end;
        }
        p[k] = q;
    }
    free(c);
    free(h);
    *out = p;
    *nout = nc;
    return OVL_OK;
}

int ovl_scan_candidates(ovl_ctx *ctx, const ovl_scan_shard *shards, size_t nshards,
                        const ovl_scan_opts *opts, unsigned band_lo, unsigned band_hi,
                        ovl_scan_pair **pairs, size_t *npairs)
{
    if (!pairs || !npairs || (nshards && !shards))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "shards and results are required");
    *pairs = NULL;
    *npairs = 0;
    ovl_scan_opts o;
    int rc = ovl_scan_opts_resolve(ctx, opts, &o);
    if (rc != OVL_OK)
        return rc;
    if (band_lo >= band_hi || band_hi > o.fp.bands)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "bands %u..%u: not a range of the %u bands",
                         band_lo, band_hi, o.fp.bands);
    for (size_t s = 0; s < nshards; s++)
        if (shards[s].bands != o.fp.bands)
            return ovl__fail(ctx, OVL_ERR_INVALID, -1, "shard %zu has %u bands, not %u", s,
                             shards[s].bands, o.fp.bands);
    ovl_finder *f = ovl_finder_new(band_hi - band_lo);
    if (!f)
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    uint64_t *buf = NULL;
    size_t cap = 0;
    for (size_t s = 0; rc == OVL_OK && s < nshards; s++)
        rc = finder_add(ctx, f, &shards[s], band_lo, band_hi, o.groups, &buf, &cap);
    free(buf);
    if (rc == OVL_OK)
        rc = ovl__scan_finder_pairs(ctx, f, o.max_df, o.max_chunks, pairs, npairs);
    ovl_finder_free(f);
    return rc;
}

int ovl_scan_merge_pairs(ovl_ctx *ctx, const ovl_scan_pair *const *lists, const size_t *counts,
                         size_t nlists, unsigned min_hits, ovl_scan_pair **out, size_t *nout)
{
    if (!out || !nout || (nlists && (!lists || !counts)))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "lists and results are required");
    *out = NULL;
    *nout = 0;
    size_t total = 0;
    for (size_t l = 0; l < nlists; l++)
        total += counts[l];
    ovl_scan_pair *m = malloc((total ? total : 1) * sizeof *m);
    size_t *pos = calloc(nlists ? nlists : 1, sizeof *pos);
    if (!m || !pos) {
        free(m);
        free(pos);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    }
    size_t nm = 0;
    for (;;) {
        /* The smallest (a, b) at the heads of the lists; lists are few (band ranges). */
        const ovl_scan_pair *best = NULL;
        for (size_t l = 0; l < nlists; l++) {
            if (pos[l] >= counts[l])
                continue;
            const ovl_scan_pair *p = &lists[l][pos[l]];
            if (!best || p->a < best->a || (p->a == best->a && p->b < best->b))
                best = p;
        }
        if (!best)
            break;
        ovl_scan_pair q = *best;
        q.band_hits = 0;
        q.a0 = q.b0 = UINT32_MAX;
        q.a1 = q.b1 = 0;
        for (size_t l = 0; l < nlists; l++) {
            if (pos[l] >= counts[l])
                continue;
            const ovl_scan_pair *p = &lists[l][pos[l]];
            if (p->a != q.a || p->b != q.b)
                continue;
            uint64_t h = (uint64_t)q.band_hits + p->band_hits;
            q.band_hits = h > UINT32_MAX ? UINT32_MAX : (uint32_t)h;
            q.a0 = p->a0 < q.a0 ? p->a0 : q.a0;
            q.b0 = p->b0 < q.b0 ? p->b0 : q.b0;
            q.a1 = p->a1 > q.a1 ? p->a1 : q.a1;
            q.b1 = p->b1 > q.b1 ? p->b1 : q.b1;
            pos[l]++;
        }
        if (q.band_hits >= (min_hits ? min_hits : 1))
            m[nm++] = q;
    }
    free(pos);
    *out = m;
    *nout = nm;
    return OVL_OK;
}

/* ---- Phase 3 ---------------------------------------------------------------------------- */

/* Work units for the alignment: a unit is one document and the not yet visited pairs it is
 * in, the next unit's document being a partner of a recent one (depth-first over the pair
 * graph). Consecutive units thus share documents that are still cached, where pair order
 * (a, b) reloaded document b for nearly every pair. order[] lists pair indices by unit;
 * unit u covers order[ustart[u] .. ustart[u + 1]) and centres on document ucentre[u]. */
/* Most pairs in one work unit of the alignment. */
#define UNIT_PAIRS 64

typedef struct pair_units {
    size_t *order, *ustart, *ucentre, nunits;
    size_t *run;  /* units in the order they are handed out: the costliest first */
    uint64_t *pos; /* per handed-out unit: the plan position of its centre's request */
} pair_units;

typedef struct ucost {
    uint64_t cost;
    size_t u;
} ucost;

static int cmp_ucost(const void *x, const void *y)
{
    const ucost *a = x, *b = y;
    if (a->cost != b->cost)
        return a->cost > b->cost ? -1 : 1;
    return (a->u > b->u) - (a->u < b->u);
}

/* Hands out the few units much costlier than the rest first (one pair of two large files can
 * take seconds, and started last it would leave the other threads idle at the end), the
 * others in their walk order, which keeps documents cached between neighbouring units. The
 * output does not depend on this order. */
static int order_units(const ovl_scan_pair *pairs, pair_units *pu)
{
    ucost *c = malloc((pu->nunits + 1) * sizeof *c);
    if (!(pu->run = malloc((pu->nunits + 1) * sizeof *pu->run)) || !c) {
        free(c);
        return OVL_ERR_NOMEM;
    }
    for (size_t u = 0; u < pu->nunits; u++) {
        uint64_t cost = 0;
        for (size_t x = pu->ustart[u]; x < pu->ustart[u + 1]; x++) {
            const ovl_scan_pair *p = &pairs[pu->order[x]];
            cost += (uint64_t)(p->a1 > p->a0 ? p->a1 - p->a0 : 0) + (p->b1 > p->b0 ? p->b1 - p->b0 : 0);
        }
        c[u] = (ucost){cost, u};
    }
    uint64_t total = 0;
    for (size_t u = 0; u < pu->nunits; u++)
        total += c[u].cost;
    size_t nbig = 0;
    for (size_t u = 0; u < pu->nunits; u++)
        if (c[u].cost > total / 64)
            c[nbig++] = c[u];
    if (nbig > 1)
        qsort(c, nbig, sizeof *c, cmp_ucost);
    uint8_t *big = calloc(pu->nunits + 1, 1);
    if (!big) {
        free(c);
        return OVL_ERR_NOMEM;
    }
    size_t k = 0;
    for (size_t x = 0; x < nbig; x++) {
        pu->run[k++] = c[x].u;
        big[c[x].u] = 1;
    }
    for (size_t u = 0; u < pu->nunits; u++)
        if (!big[u])
            pu->run[k++] = u;
    free(big);
    free(c);
    return OVL_OK;
}

static void units_free(pair_units *pu)
{
    free(pu->order);
    free(pu->pos);
    free(pu->ustart);
    free(pu->ucentre);
    free(pu->run);
    memset(pu, 0, sizeof *pu);
}

static int make_units(const ovl_scan_pair *pairs, size_t npairs, size_t ndocs, pair_units *pu)
{
    memset(pu, 0, sizeof *pu);
    size_t *deg = calloc(ndocs + 1, sizeof *deg);
    size_t *adj = malloc((2 * npairs + 1) * sizeof *adj);
    uint8_t *done = calloc(npairs + 1, 1);
    size_t *stack = malloc((2 * npairs + ndocs + 1) * sizeof *stack);
    pu->order = malloc((npairs + 1) * sizeof *pu->order);
    pu->ustart = malloc((npairs + 2) * sizeof *pu->ustart);
    pu->ucentre = malloc((npairs + 1) * sizeof *pu->ucentre);
    /* (a unit holds at least one pair, so npairs + 1 entries are enough after cutting too) */
    int rc = OVL_ERR_NOMEM;
    if (!deg || !adj || !done || !stack || !pu->order || !pu->ustart || !pu->ucentre)
        goto out;
    for (size_t k = 0; k < npairs; k++) {
        deg[pairs[k].a + 1]++;
        deg[pairs[k].b + 1]++;
    }
    for (size_t d = 0; d < ndocs; d++)
        deg[d + 1] += deg[d];
    size_t *fill = stack; /* borrowed as the fill cursor before the walk */
    memcpy(fill, deg, ndocs * sizeof *fill);
    for (size_t k = 0; k < npairs; k++) {
        adj[fill[pairs[k].a]++] = k;
        adj[fill[pairs[k].b]++] = k;
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
            /* A document in thousands of pairs (a page of a generated manual) would make one
             * unit that a single thread works through while the others wait: cut it. */
            for (size_t u0 = first; u0 < no; u0 += UNIT_PAIRS) {
                pu->ustart[nu] = u0;
                pu->ucentre[nu++] = d;
            }
            for (size_t x = no; x-- > first;) {
                const ovl_scan_pair *c = &pairs[pu->order[x]];
                stack[sp++] = c->a == d ? c->b : c->a;
            }
        }
    }
    pu->ustart[nu] = no;
    pu->nunits = nu;
    rc = order_units(pairs, pu);
out:
    free(deg);
    free(adj);
    free(done);
    free(stack);
    if (rc)
        units_free(pu);
    return rc;
}

/* The cache's plan: documents in the order the units ask for them (each unit its centre,
 * then its pairs' other documents), so that it keeps those needed soonest. */
static int plan_cache(ovl__doccache *cache, const ovl_scan_pair *pairs, pair_units *pu)
{
    size_t n = pu->ustart[pu->nunits] + pu->nunits;
    uint32_t *seq = malloc((n ? n : 1) * sizeof *seq);
    if (!seq || !(pu->pos = malloc((pu->nunits + 1) * sizeof *pu->pos))) {
        free(seq);
        return OVL_ERR_NOMEM;
    }
    size_t k = 0;
    for (size_t r = 0; r < pu->nunits; r++) {
        size_t u = pu->run[r], centre = pu->ucentre[u];
        pu->pos[r] = k;
        seq[k++] = (uint32_t)centre;
        for (size_t x = pu->ustart[u]; x < pu->ustart[u + 1]; x++) {
            const ovl_scan_pair *c = &pairs[pu->order[x]];
            seq[k++] = c->a == centre ? c->b : c->a;
        }
    }
    int rc = ovl__doccache_plan(cache, seq, k);
    free(seq);
    return rc;
}

typedef struct align_job {
    const ovl_scan_pair *pairs;
    size_t npairs;
    const ovl_scan_opts *o;
    ovl__doccache *cache;
    ovl_ctx **ctx;
    pair_units units;
    ovl__cut_fn cut;
    ovl_scan_result_fn fn;
    void *userdata;
    pthread_mutex_t mu; /* serializes fn */
    int nomem;   /* a pair met a failed allocation: the scan fails (a pair is not skipped for it) */
    int stopped;
    atomic_size_t done;
    /* Recurring text (rec NULL: none): each document's runs, found the first time a worker
     * loads it, and per worker two masks (the unit's centre, the other document). */
    const ovl__recur *rec;
    uint64_t *hot; /* ovl__recur_hot of rec for recur_threshold */
    pthread_mutex_t rmu;
    uint32_t **runs;
    uint32_t *nruns;
    uint8_t *has_runs;
    uint8_t **mask;
    size_t *capmask;
    /* Per worker: the g-gram index of its last unit's centre, kept while the next unit has the
     * same centre (a document in hundreds of pairs is cut into units of UNIT_PAIRS). */
    ovl__centre_grams *cgw;
    size_t *cgid; /* 1 + that centre's corpus number; 0: none */
    atomic_size_t recurring; /* passages dropped as recurring text */
} align_job;

/* Occurrences over which a sampled k-gram recurs: max_chunks (200), the count of chunks over
 * which a band key is recurring text, when it is over max_df. A k-gram is counted once per
 * occurrence, not per document, and on generated Chinese of 1 GB sentences of the source
 * abstracts occur 50 to 200 times (as sources and as planted copies: 0.1% of the planted pairs
 * were lost at max_df), while the licences and formulas of real corpora occur thousands of
 * times. At most 254: the sketch's counters stop at 255. */
static unsigned recur_threshold(const ovl_scan_opts *o)
{
    unsigned t = o->max_chunks > o->max_df ? o->max_chunks : o->max_df;
    return t < 255 ? t : 254;
}

/* Document i's recurring runs, found once (two workers may both find them; one set is kept). */
static int doc_runs(align_job *j, size_t i, const ovl_doc *d, const uint32_t **runs, size_t *nruns)
{
    pthread_mutex_lock(&j->rmu);
    int known = j->has_runs[i];
    *runs = j->runs[i];
    *nruns = j->nruns[i];
    pthread_mutex_unlock(&j->rmu);
    if (known)
        return OVL_OK;
    const ovl_norm *nm = ovl_doc_norm(d);
    uint32_t *r = NULL;
    size_t nr = 0;
    ovl_align_opts ao = j->o->align;
    ovl__align_defaults(&ao);
    unsigned mw = ao.min_words, mc = ao.min_cjk;
    int rc = ovl__recur_runs(j->rec, j->hot, nm->tokens, ovl_norm_count(nm), recur_threshold(j->o), mw, mc,
                             &r, &nr);
    if (rc != OVL_OK)
        return rc;
    pthread_mutex_lock(&j->rmu);
    if (!j->has_runs[i]) {
        j->runs[i] = r;
        j->nruns[i] = (uint32_t)nr;
        j->has_runs[i] = 1;
        r = NULL;
    }
    *runs = j->runs[i];
    *nruns = j->nruns[i];
    pthread_mutex_unlock(&j->rmu);
    free(r);
    return OVL_OK;
}

/* Document i's paragraph starts (ovl__para_bits; the aligner read them again for every pair a
 * document is in), found once per load and kept with the loaded document: a bit a token for
 * every document of the corpus held through the phase was 40 MB of the 1 GB Chinese scan's
 * peak. NULL when out of memory: the aligner finds its ranges' own. */
static const uint64_t *doc_paras(align_job *j, size_t i, const ovl_doc *d)
{
    const uint64_t *p = ovl__doccache_kept(j->cache, i);
    if (p)
        return p;
    uint64_t *b = NULL;
    if (ovl__para_bits(d, &b) != OVL_OK)
        return NULL;
    size_t words = ovl_norm_count(ovl_doc_norm(d)) / 64 + 2;
    return ovl__doccache_keep(j->cache, i, b, words * sizeof *b);
}

/* Worker w's mask slot (0 or 1) for document i: a byte per token, 1 in recurring text; *out
 * NULL when the document has none. */
static int doc_mask(align_job *j, unsigned w, int which, size_t i, const ovl_doc *d, const uint8_t **out)
{
    *out = NULL;
    const uint32_t *runs;
    size_t nr;
    int rc = doc_runs(j, i, d, &runs, &nr);
    if (rc != OVL_OK || nr == 0)
        return rc;
    size_t n = ovl_norm_count(ovl_doc_norm(d)), s = 2 * (size_t)w + (size_t)which;
    if (ovl__grow(&j->mask[s], &j->capmask[s], n + 1, 1) != 0)
        return OVL_ERR_NOMEM;
    uint8_t *m = j->mask[s];
    memset(m, 0, n);
    for (size_t x = 0; x < nr; x++)
        memset(m + runs[2 * x], 1, runs[2 * x + 1] - runs[2 * x]);
    *out = m;
    return OVL_OK;
}

/* Is the part of tokens [t0, t1) outside recurring text long enough to be a passage? */
static int outside_long(const ovl_doc *d, const uint8_t *m, uint32_t t0, uint32_t t1, const ovl_align_opts *ao)
{
    if (!m)
        return 1;
    const ovl__tok *t = ovl_doc_norm(d)->tokens;
    size_t words = 0, cjk = 0;
    for (uint32_t x = t0; x < t1; x++) {
        if (m[x])
            continue;
        words += ovl__tok_kind(&t[x]) == OVL_TOK_WORD;
        cjk += ovl__tok_kind(&t[x]) == OVL_TOK_CJK;
    }
    ovl_align_opts def = *ao;
    ovl__align_defaults(&def);
    unsigned mw = def.min_words, mc = def.min_cjk;
    return (double)words / mw + (double)cjk / mc >= 1.0;
}

static int other_mask(align_job *j, unsigned worker, size_t i, const ovl_doc *d, const uint8_t **m)
{
    *m = NULL;
    return j->rec ? doc_mask(j, worker, 1, i, d, m) : OVL_OK;
}

/* Drops passages whose text outside recurring text is too short on a side to be a passage:
 * they are the recurring text's (a family's), not the pair's. */
static int drop_recurring(align_job *j, const ovl_doc *da, const ovl_doc *db, const uint8_t *ma,
                          const uint8_t *mb, ovl_passage *ps, size_t *np)
{
    if (!ma && !mb)
        return OVL_OK;
    size_t k = 0;
    for (size_t x = 0; x < *np; x++) {
        const ovl_passage *q = &ps[x];
        if (outside_long(da, ma, q->a.tok_start, q->a.tok_end, &j->o->align) &&
            outside_long(db, mb, q->b.tok_start, q->b.tok_end, &j->o->align))
            ps[k++] = *q;
    }
    atomic_fetch_add(&j->recurring, *np - k);
    *np = k;
    return OVL_OK;
}

static void align_unit(void *arg, unsigned worker, size_t i)
{
    align_job *j = arg;
    size_t u = j->units.run[i];
    ovl_ctx *ctx = j->ctx[worker];
    size_t centre = j->units.ucentre[u];
    const char *cerr = NULL;
    int ccode = 0;
    uint64_t pos = j->units.pos[i];
    const ovl_doc *dc = ovl__doccache_get_at(j->cache, ctx, centre, pos, &cerr, &ccode);
    const uint8_t *mc = NULL;
    int mrc = dc && j->rec ? doc_mask(j, worker, 0, centre, dc, &mc) : OVL_OK;
    ovl__centre_grams *cg = &j->cgw[worker];
    if (!dc || j->cgid[worker] != centre + 1) {
        ovl__centre_grams_clear(cg, dc, 1);
        j->cgid[worker] = dc ? centre + 1 : 0;
    }
    const uint64_t *pc = dc ? doc_paras(j, centre, dc) : NULL;
    /* Reloaded by the cache, perhaps: the same tokens, but the seed index is known by the
     * document it was built for. */
    if (cg->doc != dc && cg->kx) {
        ovl__kindex_free(cg->kx);
        cg->kx = NULL;
        cg->kwork = 0;
    }
    cg->doc = dc;
    for (size_t x = j->units.ustart[u]; x < j->units.ustart[u + 1]; x++) {
        size_t k = j->units.order[x];
        const ovl_scan_pair *c = &j->pairs[k];
        size_t other = c->a == centre ? c->b : c->a;
        const char *oerr = NULL;
        int ocode = 0;
        /* The other document is loaded even when the centre failed, so the message is the
         * same whatever the visiting order: a's failure first. */
        const ovl_doc *dother = ovl__doccache_get_at(j->cache, ctx, other, ++pos, &oerr, &ocode);
        const ovl_doc *da = c->a == centre ? dc : dother, *db = c->a == centre ? dother : dc;
        const char *ea = c->a == centre ? cerr : oerr, *eb = c->a == centre ? oerr : cerr;
        cg->pdoc[0] = dc;
        cg->paras[0] = pc;
        cg->pdoc[1] = dother;
        cg->paras[1] = dother ? doc_paras(j, other, dother) : NULL;
        int codea = c->a == centre ? ccode : ocode, codeb = c->a == centre ? ocode : ccode;
        ovl_scan_result r;
        memset(&r, 0, sizeof r);
        r.pair = k;
        r.failed_doc = -1;
        ovl_passage *ps = NULL;
        size_t np = 0;
        char *err = NULL;
        const uint8_t *mo = NULL;
        if (!da) {
            r.status = codea ? codea : OVL_ERR_NOMEM;
            r.error = ea;
            r.failed_doc = c->a;
        } else if (!db) {
            r.status = codeb ? codeb : OVL_ERR_NOMEM;
            r.error = eb;
            r.failed_doc = c->b;
        } else if ((r.status = mrc) != OVL_OK ||
                   (r.status = other_mask(j, worker, other, dother, &mo)) != OVL_OK ||
                   (r.status = ovl__scan_align_pair(ctx, da, db, c, j->o, c->a == centre ? mc : mo,
                                                    c->a == centre ? mo : mc, cg, &ps, &np)) != OVL_OK ||
                   (r.status = drop_recurring(j, da, db, c->a == centre ? mc : mo,
                                              c->a == centre ? mo : mc, ps, &np)) != OVL_OK ||
                   (j->cut && (r.status = j->cut(j->userdata, ctx, da, db, c, &ps, &np)) != OVL_OK)) {
            if (r.status == OVL_ERR_NOMEM && !*ovl_ctx_message(ctx))
                ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
            const char *m = ovl_ctx_message(ctx);
            size_t len = strlen(ovl_doc_name(da)) + strlen(m) + 3;
            if ((err = malloc(len)))
                snprintf(err, len, "%s: %s", ovl_doc_name(da), m);
            r.error = err ? err : "out of memory";
        } else {
            ovl_pair_stats st;
            r.passages = ps;
            r.npassages = np;
            if (ovl_pair_stats_compute(0, 1, ps, np, 0, 0, &st) == OVL_OK) {
                r.a_reused_chars = st.a_reused_chars;
                r.b_reused_chars = st.b_reused_chars;
            } else {
                r.status = OVL_ERR_NOMEM;
                r.error = "out of memory";
                r.passages = NULL;
                r.npassages = 0;
            }
        }
        ovl_ctx_clear(ctx);
        pthread_mutex_lock(&j->mu);
        if (r.status == OVL_ERR_NOMEM)
            j->nomem = j->stopped = 1;
        if (!j->stopped && j->fn && j->fn(j->userdata, &r) != 0)
            j->stopped = 1;
        pthread_mutex_unlock(&j->mu);
        free(ps);
        free(err);
        if (dother)
            ovl__doccache_put(j->cache, other);
        atomic_fetch_add(&j->done, 1);
    }
    if (dc)
        ovl__doccache_put(j->cache, centre);
}

static void align_tick(void *arg)
{
    align_job *j = arg;
    j->o->progress(j->o->progress_data, "align", atomic_load(&j->done), j->npairs);
}

/* Phase 3 with a resolved opts and an existing cache. */
int ovl__scan_align(ovl_ctx *ctx, size_t ndocs, ovl__doccache *cache, const ovl_scan_opts *o,
                    const ovl_scan_pair *pairs, size_t npairs, ovl__cut_fn cut,
                    ovl_scan_result_fn fn, void *userdata)
{
    return ovl__scan_align_rec(ctx, ndocs, cache, o, pairs, npairs, cut, NULL, NULL, fn, userdata);
}

int ovl__scan_align_rec(ovl_ctx *ctx, size_t ndocs, ovl__doccache *cache, const ovl_scan_opts *o,
                        const ovl_scan_pair *pairs, size_t npairs, ovl__cut_fn cut,
                        const ovl__recur *rec, size_t *recurring, ovl_scan_result_fn fn,
                        void *userdata)
{
    align_job j;
    memset(&j, 0, sizeof j);
    atomic_init(&j.recurring, 0);
    if (recurring)
        *recurring = 0;
    j.pairs = pairs;
    j.npairs = npairs;
    j.o = o;
    j.cache = cache;
    j.cut = cut;
    j.fn = fn;
    j.userdata = userdata;
    atomic_init(&j.done, 0);
    unsigned nt = o->threads ? o->threads : 1;
    j.ctx = calloc(nt, sizeof *j.ctx);
    int rc = j.ctx ? make_units(pairs, npairs, ndocs, &j.units) : OVL_ERR_NOMEM;
    if (rc == OVL_OK)
        rc = plan_cache(cache, pairs, &j.units);
    for (unsigned t = 0; rc == OVL_OK && t < nt; t++)
        if (!(j.ctx[t] = ovl_ctx_new()))
            rc = OVL_ERR_NOMEM;
    if (rc == OVL_OK && (!(j.cgw = calloc(nt, sizeof *j.cgw)) || !(j.cgid = calloc(nt, sizeof *j.cgid))))
        rc = OVL_ERR_NOMEM;
    if (rc == OVL_OK && rec && rec->cnt && o->max_df) {
        j.rec = rec;
        j.runs = calloc(ndocs + 1, sizeof *j.runs);
        j.nruns = calloc(ndocs + 1, sizeof *j.nruns);
        j.has_runs = calloc(ndocs + 1, 1);
        j.mask = calloc(2 * (size_t)nt, sizeof *j.mask);
        j.capmask = calloc(2 * (size_t)nt, sizeof *j.capmask);
        if (!j.runs || !j.nruns || !j.has_runs || !j.mask || !j.capmask ||
            ovl__recur_hot(rec, recur_threshold(o), &j.hot) != OVL_OK)
            rc = OVL_ERR_NOMEM;
    }
    if (rc == OVL_OK) {
        pthread_mutex_init(&j.mu, NULL);
        pthread_mutex_init(&j.rmu, NULL);
        ovl__parallel(j.units.nunits, nt, align_unit, o->progress ? align_tick : NULL, &j);
        ovl__doccache_plan(cache, NULL, 0); /* later phases ask in no known order */
        pthread_mutex_destroy(&j.mu);
        pthread_mutex_destroy(&j.rmu);
        if (recurring)
            *recurring = atomic_load(&j.recurring);
        if (j.nomem)
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory aligning documents");
        else if (j.stopped)
            rc = ovl__sink_stopped(ctx);
    } else {
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    }
    for (unsigned t = 0; j.ctx && t < nt; t++)
        ovl_ctx_free(j.ctx[t]);
    free(j.ctx);
    for (unsigned t = 0; j.cgw && t < nt; t++)
        ovl__centre_grams_clear(&j.cgw[t], NULL, 0);
    free(j.cgw);
    free(j.cgid);
    units_free(&j.units);
    for (size_t d = 0; j.runs && d < ndocs; d++)
        free(j.runs[d]);
    free(j.runs);
    free(j.nruns);
    free(j.has_runs);
    for (size_t t = 0; j.mask && t < 2 * (size_t)nt; t++)
        free(j.mask[t]);
    free(j.mask);
    free(j.capmask);
    free(j.hot);
    return rc;
}

int ovl_scan_align(ovl_ctx *ctx, const ovl_corpus *c, const ovl_scan_doc *docs,
                   const ovl_scan_opts *opts, const ovl_scan_pair *pairs, size_t npairs,
                   ovl_scan_result_fn fn, void *userdata)
{
    if (!c || !docs || (npairs && !pairs))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "corpus, documents and pairs are required");
    ovl_scan_opts o;
    int rc = ovl_scan_opts_resolve(ctx, opts, &o);
    if (rc != OVL_OK)
        return rc;
    size_t n = ovl_corpus_count(c);
    for (size_t k = 0; k < npairs; k++)
        if (pairs[k].a >= n || pairs[k].b >= n || pairs[k].a == pairs[k].b)
            return ovl__fail(ctx, OVL_ERR_INVALID, -1, "pair %zu names no two corpus documents", k);
    uint64_t (*hashes)[2] = malloc((n ? n : 1) * sizeof *hashes);
    if (!hashes)
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    for (size_t i = 0; i < n; i++) {
        hashes[i][0] = docs[i].hash[0];
        hashes[i][1] = docs[i].hash[1];
    }
    ovl__doccache *cache = ovl__doccache_new(c, &o.doc, (const uint64_t(*)[2])hashes, OVL__SCAN_CACHE_BUDGET);
    if (cache)
        ovl__doccache_parts(cache, ovl__scan_parts(&o));
    rc = cache ? ovl__scan_align(ctx, n, cache, &o, pairs, npairs, NULL, fn, userdata)
               : ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    ovl__doccache_free(cache);
    free(hashes);
    return rc;
}
