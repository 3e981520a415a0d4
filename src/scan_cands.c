/* scan_cands.c - candidates of a whole corpus: identical copies set aside, band keys spooled and searched range by range. */
#include "scan_int.h"

#include "pool.h"
#include "uf.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* Documents fingerprinted at once before their keys go to the spool. */
#define SHARD_DOCS 4096
/* Memory one finder may take: the band keys of all chunks are split into as many band ranges
 * as this needs (12 bytes per chunk and band in a finder, plus its chunk table). */
#define FINDER_BUDGET ((uint64_t)128 << 20)

/* Open addressing on the content hash: the first document with given bytes. */
typedef struct hslot {
    uint64_t h0, h1;
    uint32_t doc; /* UINT32_MAX: empty */
} hslot;

static uint32_t hash_first(hslot *t, size_t mask, const uint64_t h[2], uint32_t doc)
{
    size_t i = (size_t)(h[0] ^ (h[1] >> 7)) & mask;
    for (;; i = (i + 1) & mask) {
        if (t[i].doc == UINT32_MAX) {
            t[i] = (hslot){h[0], h[1], doc};
            return doc;
        }
        if (t[i].h0 == h[0] && t[i].h1 == h[1])
            return t[i].doc;
    }
}

/* Reads the spool through pread, so several range passes can read it at once. */
typedef struct sreader {
    int fd;
    off_t off;
} sreader;

static int sread(sreader *r, void *p, size_t n)
{
    char *q = p;
    while (n) {
        ssize_t got = pread(r->fd, q, n, r->off);
        if (got <= 0)
            return -1;
        q += got;
        r->off += got;
        n -= (size_t)got;
    }
    return 0;
}

typedef struct range_pass {
    const ovl_scan_opts *o;
    uint32_t ndocs;          /* ids from here on are templates */
    const uint32_t *copy_of; /* near copies read from the spool are skipped (NULL: the spool
                                holds none, as the MPI scan spools them) */
    int fd;                  /* the chunk spool */
    const int *band_fd;      /* per band: that band's keys, chunk after chunk */
    off_t end;
    unsigned lo, hi;
    int recurring;
    ovl_ctx *ctx;
    ovl__range_out out;
    int rc;
} range_pass;

int ovl__range_add(ovl_ctx *ctx, ovl_finder *f, uint32_t ndocs, const uint32_t *copy_of, uint32_t id,
                   int32_t group, const ovl_fp_chunk *ch, size_t nc, const uint64_t *keys)
{
    if (id < ndocs && copy_of && copy_of[id] != id)
        return OVL_OK; /* a near copy, found after its keys were spooled */
    return ovl_finder_add_keys(ctx, f, id, id < ndocs ? group : -1, ch, nc, keys);
}

int ovl__range_search(ovl_ctx *ctx, ovl_finder *f, const ovl_scan_opts *o, uint32_t ndocs,
                      int recurring, ovl__range_out *out)
{
    int rc = ovl__scan_finder_pairs(ctx, f, o->max_df, o->max_chunks, &out->pairs, &out->npairs);
    if (rc == OVL_OK && recurring && o->max_df)
        rc = ovl_finder_recurring(ctx, f, o->max_df, o->max_chunks, &out->rec, &out->nrec);
    if (rc == OVL_OK && o->ignore)
        rc = ovl_finder_shared(ctx, f, ndocs, &out->ign, &out->nign);
    return rc;
}

void ovl__range_out_free(ovl__range_out *out)
{
    free(out->pairs);
    free(out->rec);
    free(out->ign);
    memset(out, 0, sizeof *out);
}

/* One band range: its keys from the spool into a finder, then its pairs (and recurring
 * chunks). The chunk spool is read whole; of the keys only this range's band files. */
static void run_range(void *arg, unsigned worker, size_t k)
{
    (void)worker;
    range_pass *p = &((range_pass *)arg)[k];
    unsigned nb = p->hi - p->lo;
    ovl_finder *f = ovl_finder_new(nb);
    sreader rd = {p->fd, 0};
    sreader kr[64];
    for (unsigned b = 0; b < nb; b++)
        kr[b] = (sreader){p->band_fd[p->lo + b], 0};
    ovl_fp_chunk *ch = NULL;
    uint64_t *keys = NULL, *sub = NULL;
    size_t capch = 0, capk = 0, caps = 0;
    int rc = f ? OVL_OK : OVL_ERR_NOMEM;
    while (rc == OVL_OK && rd.off < p->end) {
        uint32_t hdr[3]; /* id, chunks, group */
        if (sread(&rd, hdr, sizeof hdr) != 0) {
            rc = ovl__fail(p->ctx, OVL_ERR_IO, -1, "cannot read the temporary key file");
            break;
        }
        size_t nc = hdr[1];
        if (ovl__grow(&ch, &capch, nc + 1, sizeof *ch) || ovl__grow(&keys, &capk, nc + 1, sizeof *keys) ||
            ovl__grow(&sub, &caps, nc * nb + 1, sizeof *sub)) {
            rc = ovl__fail(p->ctx, OVL_ERR_NOMEM, -1, "out of memory");
            break;
        }
        int io = sread(&rd, ch, nc * sizeof *ch) != 0;
        for (unsigned b = 0; b < nb && !io; b++) {
            io = sread(&kr[b], keys, nc * sizeof *keys) != 0;
            for (size_t c = 0; c < nc && !io; c++)
                sub[c * nb + b] = keys[c];
        }
        if (io) {
            rc = ovl__fail(p->ctx, OVL_ERR_IO, -1, "cannot read the temporary key file");
            break;
        }
        rc = ovl__range_add(p->ctx, f, p->ndocs, p->copy_of, hdr[0], (int32_t)hdr[2], ch, nc, sub);
    }
    free(ch);
    free(keys);
    free(sub);
    if (rc == OVL_OK)
        rc = ovl__range_search(p->ctx, f, p->o, p->ndocs, p->recurring, &p->out);
    ovl_finder_free(f);
    p->rc = rc;
}

/* Writes a document's chunks to the chunk spool and each band's keys to its band file. The
 * group id goes with the chunks: the MPI scan's ranks know it only from the records they
 * receive. */
static int spool_doc(FILE *spool, FILE **bandf, unsigned bands, uint32_t id, int32_t group,
                     const ovl_fp_chunk *ch, const uint64_t *keys, size_t nc, uint64_t *col)
{
    uint32_t hdr[3] = {id, (uint32_t)nc, (uint32_t)group};
    if (fwrite(hdr, sizeof hdr, 1, spool) != 1 || (nc && fwrite(ch, sizeof *ch, nc, spool) != nc))
        return -1;
    for (unsigned b = 0; b < bands; b++) {
        for (size_t c = 0; c < nc; c++)
            col[c] = keys[c * bands + b];
        if (nc && fwrite(col, sizeof *col, nc, bandf[b]) != nc)
            return -1;
    }
    return 0;
}

/* The recurring (which 0) or template (1) chunks of every range in one list, key groups
 * renumbered so that those of different ranges stay apart. -1 when out of memory. */
int ovl__range_groups(const ovl__range_out *rp, size_t nr, int which, ovl_recurring **out,
                      size_t *nout)
{
    size_t total = 0;
    for (size_t k = 0; k < nr; k++)
        total += which ? rp[k].nign : rp[k].nrec;
    *out = NULL;
    *nout = 0;
    if (!total)
        return 0;
    if (!(*out = malloc(total * sizeof **out)))
        return -1;
    uint32_t base = 0;
    for (size_t k = 0; k < nr; k++) {
        const ovl_recurring *v = which ? rp[k].ign : rp[k].rec;
        size_t n = which ? rp[k].nign : rp[k].nrec;
        uint32_t top = 0;
        for (size_t x = 0; x < n; x++) {
            ovl_recurring e = v[x];
            if (e.key_group + 1 > top)
                top = e.key_group + 1;
            e.key_group += base;
            (*out)[(*nout)++] = e;
        }
        base += top;
    }
    return 0;
}

int ovl__range_pairs(ovl_ctx *ctx, const ovl_scan_opts *o, uint32_t ndocs,
                     const ovl_scan_pair *const *lists, const size_t *counts, size_t nlists,
                     ovl_scan_pair **out, size_t *nout)
{
    int rc = ovl_scan_merge_pairs(ctx, lists, counts, nlists, o->min_hits, out, nout);
    /* Pairs with a template are not reuse pairs. */
    size_t kept = 0;
    for (size_t k = 0; rc == OVL_OK && k < *nout; k++)
        if ((*out)[k].a < ndocs && (*out)[k].b < ndocs)
            (*out)[kept++] = (*out)[k];
    if (rc == OVL_OK)
        *nout = kept;
    return rc;
}

void ovl__cfp_free(ovl__cfp *cfp)
{
    if (!cfp)
        return;
    free(cfp->copy_of);
    free(cfp->near);
    cfp->near = NULL;
    free(cfp->chunks);
    free(cfp->pairs);
    free(cfp->rec);
    free(cfp->ign);
    cfp->ign = NULL;
    ovl__recur_free(&cfp->recur);
    cfp->copy_of = NULL;
    cfp->chunks = NULL;
    cfp->pairs = NULL;
    cfp->rec = NULL;
}

uint32_t *ovl__copy_counts(const uint32_t *copy_of, size_t n)
{
    uint32_t *count = calloc(n ? n : 1, sizeof *count);
    for (size_t i = 0; count && i < n; i++)
        if (copy_of[i] != UINT32_MAX && copy_of[i] != i)
            count[copy_of[i]]++;
    return count;
}


/* Near copies: candidate pairs of whole-document keys kept when their signatures agree on at
 * least threshold of their values, joined into groups; each group's first document (name
 * order) stands for the others, whose copy_of becomes it. */
int ovl__near_groups(ovl_ctx *ctx, ovl_finder *nf, const uint32_t *sigs, unsigned K,
                       double threshold, size_t n, ovl__cfp *out)
{
    ovl_cand *c = NULL;
    size_t nc = 0;
    int rc = ovl_finder_candidates(ctx, nf, NULL, &c, &nc, NULL, NULL);
    if (rc != OVL_OK)
        return rc;
    uint32_t *parent = malloc((n ? n : 1) * sizeof *parent);
    if (!parent) {
        free(c);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        parent[i] = (uint32_t)i;
    for (size_t k = 0; k < nc; k++) {
        if (ovl_minhash_similarity(sigs + (size_t)c[k].doc_a * K, sigs + (size_t)c[k].doc_b * K, K) < threshold)
            continue;
        ovl__uf_union(parent, c[k].doc_a, c[k].doc_b);
    }
    for (size_t i = 0; i < n; i++) {
        if (out->copy_of[i] != i)
            continue;
        uint32_t r = ovl__uf_find(parent, (uint32_t)i);
        if (r != i) {
            out->copy_of[i] = r;
            out->near[i] = (float)ovl_minhash_similarity(sigs + (size_t)i * K, sigs + (size_t)r * K, K);
        }
    }
    free(parent);
    free(c);
    return OVL_OK;
}

int ovl__search_spool(ovl_ctx *ctx, const ovl_scan_opts *o, uint32_t ndocs, const uint32_t *copy_of,
                      int recurring, int fd, off_t end, const int *band_fd, size_t nchunks,
                      unsigned bands, ovl__range_out **outs, size_t *nout)
{
    *outs = NULL;
    *nout = 0;
    if (!bands)
        return OVL_OK;
    /* Band ranges: as many as keep one finder within its budget, at least one per thread
     * (up to two), searched two at a time. */
    unsigned par = o->threads >= 2 && bands >= 2 ? 2 : 1;
    uint64_t need = (uint64_t)nchunks * (12 * (uint64_t)bands + 12);
    size_t nr = (size_t)((need + FINDER_BUDGET - 1) / FINDER_BUDGET);
    if (nr < par)
        nr = par;
    if (nr > bands)
        nr = bands;
    /* When even one band per range is over the budget, ranges run one at a time: memory
     * before speed (two finders at once would hold two such ranges). */
    if (need / nr > FINDER_BUDGET)
        par = 1;
    range_pass *rp = calloc(nr, sizeof *rp);
    *outs = calloc(nr, sizeof **outs);
    if (!rp || !*outs) {
        free(rp);
        free(*outs);
        *outs = NULL;
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    }
    int rc = OVL_OK;
    for (size_t k = 0; k < nr && rc == OVL_OK; k++) {
        rp[k].o = o;
        rp[k].ndocs = ndocs;
        rp[k].copy_of = copy_of;
        rp[k].fd = fd;
        rp[k].band_fd = band_fd;
        rp[k].end = end;
        rp[k].lo = (unsigned)(k * bands / nr);
        rp[k].hi = (unsigned)((k + 1) * bands / nr);
        rp[k].recurring = recurring;
        if (!(rp[k].ctx = ovl_ctx_new()))
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    }
    for (size_t k = 0; rc == OVL_OK && k < nr; k += par) {
        size_t m = nr - k < par ? nr - k : par;
        ovl__parallel(m, par, run_range, NULL, rp + k);
        for (size_t x = k; x < k + m && rc == OVL_OK; x++)
            if (rp[x].rc != OVL_OK)
                rc = ovl__fail(ctx, rp[x].rc, -1, "%s", ovl_ctx_message(rp[x].ctx));
    }
    for (size_t k = 0; k < nr; k++) {
        (*outs)[k] = rp[k].out;
        ovl_ctx_free(rp[k].ctx);
    }
    free(rp);
    *nout = nr;
    return rc;
}

int ovl__spool_doc(FILE *spool, FILE **bandf, unsigned bands, uint32_t id, int32_t group,
                   const ovl_fp_chunk *ch, const uint64_t *keys, size_t nc, uint64_t *col)
{
    return spool_doc(spool, bandf, bands, id, group, ch, keys, nc, col);
}

int ovl__scan_cfp(ovl_ctx *ctx, const ovl_corpus *c, const ovl_scan_opts *o, int recurring,
                  ovl__problem_fn problem, void *userdata, ovl__cfp *out)
{
    size_t n = ovl_corpus_count(c), capchunks = 0;
    unsigned bands = o->fp.bands;
    struct timespec ts0;
    clock_gettime(CLOCK_MONOTONIC, &ts0);
    double t_start = (double)ts0.tv_sec + ts0.tv_nsec / 1e9;
    size_t tsize = 16;
    while (tsize < 2 * n)
        tsize *= 2;
    hslot *table = malloc(tsize * sizeof *table);
    out->copy_of = malloc((n ? n : 1) * sizeof *out->copy_of);
    FILE *spool = tmpfile();
    FILE **bandf = calloc(bands ? bands : 1, sizeof *bandf);
    int *band_fd = calloc(bands ? bands : 1, sizeof *band_fd);
    uint64_t *col = NULL;
    size_t capcol = 0;
    ovl__range_out *outs = NULL;
    size_t nr = 0;
    int rc = OVL_OK;
    ovl_scan_opts fo;
    unsigned dbands = 0, drows = 0, K = o->fp.num_hashes;
    ovl_finder *nf = NULL;
    uint32_t *sigs = NULL;
    /* Recurring text: one k-gram sketch per fingerprinting thread, added up at the end. */
    unsigned nsk = recurring && o->recurring_text ? (o->threads ? o->threads : 1) : 0;
    ovl__recur *sk = nsk ? calloc(nsk, sizeof *sk) : NULL;
    for (unsigned t = 0; sk && t < nsk; t++)
        if (ovl__recur_init(&sk[t]) != OVL_OK)
            nsk = t, rc = OVL_ERR_NOMEM;
    if (rc != OVL_OK || (nsk && !sk)) {
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    if (!table || !out->copy_of) {
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    if (!bandf || !band_fd) {
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    if (bands > 64) {
        rc = ovl__fail(ctx, OVL_ERR_INVALID, -1, "a scan takes at most 64 bands, not %u", bands);
        goto done;
    }
    for (unsigned b = 0; b < bands; b++)
        if (!(bandf[b] = tmpfile()))
            rc = OVL_ERR_IO;
    if (!spool || rc != OVL_OK) {
        rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot create a temporary file for band keys");
        goto done;
    }
    for (size_t i = 0; i < tsize; i++)
        table[i].doc = UINT32_MAX;
    /* Near copies: whole-document signatures, banded for the near_copies threshold. */
    fo = *o;
    if (o->near_copies > 0 && o->near_copies < 1) {
        fo.fp.doc_signature = 1;
        if ((rc = ovl_lsh_choose(ctx, o->near_copies, K, 0, 1.0, 1.0, &dbands, &drows)) != OVL_OK)
            goto done;
        nf = ovl_finder_new(dbands);
        sigs = malloc((n ? n : 1) * (size_t)K * sizeof *sigs);
        out->near = calloc(n ? n : 1, sizeof *out->near);
        if (!nf || !sigs || !out->near) {
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
            goto done;
        }
    }
    for (size_t first = 0; rc == OVL_OK && first < n; first += SHARD_DOCS) {
        size_t count = n - first < SHARD_DOCS ? n - first : SHARD_DOCS;
        ovl_scan_shard sh;
        if ((rc = ovl__scan_fingerprint_rec(ctx, c, &fo, first, count, first, dbands, drows, sk, &sh)) !=
            OVL_OK)
            break;
        size_t pi = 0;
        for (size_t k = 0; rc == OVL_OK && k < count; k++) {
            size_t i = first + k;
            ovl_scan_doc *d = &out->docs[i];
            *d = sh.docs[k];
            if (d->status != OVL_OK) {
                out->copy_of[i] = UINT32_MAX;
                if (problem && pi < sh.nproblems && problem(userdata, i, &sh.problems[pi++]) != 0)
                    rc = ovl__sink_stopped(ctx);
                continue;
            }
            uint32_t orig = hash_first(table, tsize - 1, d->hash, (uint32_t)i);
            out->copy_of[i] = orig;
            if (nf && orig == i && d->tokens > 0) {
                ovl_fp_chunk whole = {0, d->tokens};
                memcpy(sigs + i * K, sh.doc_sigs + k * K, K * sizeof *sigs);
                if ((rc = ovl_finder_add_keys(ctx, nf, (uint32_t)i, -1, &whole, 1, sh.doc_keys + k * dbands)) != OVL_OK)
                    break;
            }
            size_t nc = d->nchunks, fc = d->first_chunk;
            d->first_chunk = out->nchunks;
            if (orig != i) {
                d->nchunks = 0; /* a copy: its original stands for it */
                continue;
            }
            if (ovl__grow(&out->chunks, &capchunks, out->nchunks + nc + 1, sizeof *out->chunks) != 0) {
                rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
                break;
            }
            for (size_t x = 0; x < nc; x++)
                out->chunks[out->nchunks + x] = (ovl__chunkinfo){
                    sh.chunks[fc + x].tok_start, sh.chunks[fc + x].tok_end, sh.char_start[fc + x],
                    sh.char_end[fc + x]};
            out->nchunks += nc;
            if (ovl__grow(&col, &capcol, nc + 1, sizeof *col) != 0)
                rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
            else if (spool_doc(spool, bandf, bands, (uint32_t)i, o->groups ? o->groups[i] : -1, sh.chunks + fc,
                               sh.keys + fc * bands, nc, col) != 0)
                rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot write the temporary key file");
        }
        ovl_scan_shard_free(&sh);
    }
    /* Templates: their keys go to the spool under ids from n on, never paired. */
    size_t nt = o->ignore ? ovl_corpus_count(o->ignore) : 0;
    for (size_t first = 0; rc == OVL_OK && first < nt; first += SHARD_DOCS) {
        size_t count = nt - first < SHARD_DOCS ? nt - first : SHARD_DOCS;
        ovl_scan_shard sh;
        ovl_scan_opts to = *o;
        to.progress = NULL;
        if ((rc = ovl__scan_fingerprint(ctx, o->ignore, &to, first, count, 0, 0, 0, &sh)) != OVL_OK)
            break;
        for (size_t p = 0; rc == OVL_OK && p < sh.nproblems; p++)
            if (problem && problem(userdata, SIZE_MAX, &sh.problems[p]) != 0)
                rc = ovl__sink_stopped(ctx);
        for (size_t k = 0; rc == OVL_OK && k < count; k++) {
            const ovl_scan_doc *d = &sh.docs[k];
            if (d->status != OVL_OK)
                continue;
            size_t nc = d->nchunks, fc = d->first_chunk;
            if (ovl__grow(&col, &capcol, nc + 1, sizeof *col) != 0)
                rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
            else if (spool_doc(spool, bandf, bands, (uint32_t)(n + first + k), -1, sh.chunks + fc,
                               sh.keys + fc * bands, nc, col) != 0)
                rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot write the temporary key file");
        }
        ovl_scan_shard_free(&sh);
    }
    if (rc != OVL_OK)
        goto done;
    if (sk) {
        for (unsigned t = 1; t < nsk; t++) {
            ovl__recur_merge(&sk[0], &sk[t]);
            ovl__recur_free(&sk[t]);
        }
        out->recur = sk[0];
        sk[0].cnt = NULL;
    }
    if (nf && (rc = ovl__near_groups(ctx, nf, sigs, K, o->near_copies, n, out)) != OVL_OK)
        goto done;
    int flushed = fflush(spool) == 0;
    for (unsigned b = 0; b < bands; b++) {
        flushed &= fflush(bandf[b]) == 0;
        band_fd[b] = fileno(bandf[b]);
    }
    if (!flushed) {
        rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot write the temporary key file");
        goto done;
    }
    if (out->t_read) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        *out->t_read = (double)ts.tv_sec + ts.tv_nsec / 1e9 - t_start;
    }
    /* Every file has been read once: candidates are one step for progress, announced here on
     * the calling thread. */
    if (o->progress)
        o->progress(o->progress_data, "candidates", 0, 1);
    off_t end = ftello(spool);
    rc = ovl__search_spool(ctx, o, (uint32_t)n, out->copy_of, recurring, fileno(spool), end, band_fd,
                           out->nchunks, bands, &outs, &nr);
    out->ranges = nr;
    const ovl_scan_pair **lists = rc == OVL_OK ? malloc((nr + 1) * sizeof *lists) : NULL;
    size_t *counts = rc == OVL_OK ? malloc((nr + 1) * sizeof *counts) : NULL;
    if (rc == OVL_OK && (!lists || !counts))
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    for (size_t k = 0; rc == OVL_OK && k < nr; k++) {
        lists[k] = outs[k].pairs;
        counts[k] = outs[k].npairs;
    }
    if (rc == OVL_OK)
        rc = ovl__range_pairs(ctx, o, (uint32_t)n, lists, counts, nr, &out->pairs, &out->npairs);
    if (rc == OVL_OK && (ovl__range_groups(outs, nr, 0, &out->rec, &out->nrec) != 0 ||
                         ovl__range_groups(outs, nr, 1, &out->ign, &out->nign) != 0))
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    free(lists);
    free(counts);
done:
    for (unsigned t = 0; sk && t < nsk; t++)
        ovl__recur_free(&sk[t]);
    free(sk);
    for (size_t k = 0; outs && k < nr; k++)
        ovl__range_out_free(&outs[k]);
    free(outs);
    free(table);
    ovl_finder_free(nf);
    free(sigs);
    if (spool)
        fclose(spool);
    for (unsigned b = 0; bandf && b < bands; b++)
        if (bandf[b])
            fclose(bandf[b]);
    free(bandf);
    free(band_fd);
    free(col);
    return rc;
}
