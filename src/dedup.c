/* dedup.c - near-duplicate clusters: whole-document LSH candidates, whole alignments, union-find. */
#include "scan_int.h"

#include "pool.h"
#include "uf.h"

#include <math.h>

typedef struct dd {
    ovl_ctx *ctx;
    const ovl_scan_doc *docs;
    const ovl_scan_pair *pairs;
    double ratio;
    uint8_t *dup;     /* per pair */
    double *ra, *rb;  /* per pair */
    int rc;
} dd;

static int on_pair(void *userdata, const ovl_scan_result *r)
{
    dd *d = userdata;
    if (r->status != OVL_OK || r->npassages == 0)
        return 0;
    const ovl_scan_pair *p = &d->pairs[r->pair];
    uint64_t ca = d->docs[p->a].chars, cb = d->docs[p->b].chars;
    double ra = ca ? (double)r->a_reused_chars / (double)ca : 0.0;
    double rb = cb ? (double)r->b_reused_chars / (double)cb : 0.0;
    d->ra[r->pair] = ra;
    d->rb[r->pair] = rb;
    d->dup[r->pair] = ra >= d->ratio && rb >= d->ratio;
    return 0;
}

static int add_problem(ovl_dedup_result *out, size_t *cap, const ovl_problem *p)
{
    if (ovl__grow(&out->problems, cap, out->nproblems + 1, sizeof *out->problems) != 0)
        return OVL_ERR_NOMEM;
    ovl_problem *q = &out->problems[out->nproblems];
    *q = *p;
    q->path = strdup(p->path ? p->path : "");
    q->message = strdup(p->message ? p->message : "");
    out->nproblems++;
    return q->path && q->message ? OVL_OK : OVL_ERR_NOMEM;
}

void ovl_dedup_result_free(ovl_dedup_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nproblems; i++) {
        free((char *)r->problems[i].path);
        free((char *)r->problems[i].message);
    }
    free(r->problems);
    free(r->docs);
    free(r->pairs);
    memset(r, 0, sizeof *r);
}

int ovl_dedup(ovl_ctx *ctx, const ovl_corpus *c, const ovl_dedup_opts *opts,
              ovl_dedup_result *out)
{
    static const ovl_dedup_opts def = OVL_DEDUP_OPTS_INIT;
    if (!opts)
        opts = &def;
    if (!c || !out)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "corpus and result are required");
    memset(out, 0, sizeof *out);
    if (opts->version != OVL_DEDUP_OPTS_VERSION)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "dedup options version %u, expected %u",
                         opts->version, OVL_DEDUP_OPTS_VERSION);
    if (!(opts->ratio >= 0.0 && opts->ratio <= 1.0))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "dedup ratio must be between 0 and 1, not %g",
                         opts->ratio);
    if (opts->keep != OVL_DEDUP_KEEP_LONGEST && opts->keep != OVL_DEDUP_KEEP_FIRST)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "unknown keep rule %d", opts->keep);
    ovl_scan_opts so = OVL_SCAN_OPTS_INIT;
    so.doc = opts->doc;
    so.align = opts->align;
    so.fp.seed = opts->seed;
    so.fp.doc_signature = 1; /* candidates come from whole-document signatures */
    so.threads = opts->threads;
    so.progress = opts->progress;
    so.progress_data = opts->progress_data;
    so.whole_tokens = UINT32_MAX; /* duplicates are judged on whole documents */
    ovl_scan_opts o;
    int rc = ovl_scan_opts_resolve(ctx, &so, &o);
    unsigned bands = 0, rows = 0;
    if (rc == OVL_OK)
        rc = ovl_lsh_choose(ctx, opts->lsh_threshold, o.fp.num_hashes, 0, 1.0, 1.0, &bands, &rows);
    if (rc != OVL_OK)
        return rc;

    size_t n = ovl_corpus_count(c), pcap = 0;
    ovl_scan_doc *docs = calloc(n ? n : 1, sizeof *docs);
    uint64_t(*hashes)[2] = malloc((n ? n : 1) * sizeof *hashes);
    uint32_t *parent = malloc((n ? n : 1) * sizeof *parent);
    ovl_finder *f = ovl_finder_new(bands);
    ovl_scan_pair *pairs = NULL;
    size_t npairs = 0;
    ovl__doccache *cache = NULL;
    dd d;
    memset(&d, 0, sizeof d);
    out->docs = calloc(n ? n : 1, sizeof *out->docs);
    out->ndocs = n;
    if (!docs || !hashes || !parent || !f || !out->docs) {
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    for (size_t p = 0; rc == OVL_OK && p < ovl_corpus_problem_count(c); p++)
        rc = add_problem(out, &pcap, ovl_corpus_problem(c, p));
    for (size_t first = 0; rc == OVL_OK && first < n; first += 4096) {
        size_t count = n - first < 4096 ? n - first : 4096;
        ovl_scan_shard sh;
        if ((rc = ovl__scan_fingerprint(ctx, c, &o, first, count, first, bands, rows, &sh)) != OVL_OK)
            break;
        for (size_t p = 0; rc == OVL_OK && p < sh.nproblems; p++)
            rc = add_problem(out, &pcap, &sh.problems[p]);
        for (size_t k = 0; rc == OVL_OK && k < count; k++) {
            docs[first + k] = sh.docs[k];
            /* An empty document duplicates nothing (its ratio is 0). */
            if (sh.docs[k].status != OVL_OK || sh.docs[k].tokens == 0)
                continue;
            ovl_fp_chunk whole = {0, sh.docs[k].tokens};
            rc = ovl_finder_add_keys(ctx, f, (uint32_t)(first + k), -1, &whole, 1,
                                     sh.doc_keys + k * bands);
        }
        ovl_scan_shard_free(&sh);
    }
    if (rc != OVL_OK) {
        if (ovl_ctx_code(ctx) == OVL_OK)
            rc = ovl__fail(ctx, rc, -1, "out of memory");
        goto done;
    }
    if ((rc = ovl__scan_finder_pairs(ctx, f, 0, 0, &pairs, &npairs)) != OVL_OK)
        goto done;
    ovl_finder_free(f);
    f = NULL;
    for (size_t i = 0; i < n; i++) {
        hashes[i][0] = docs[i].hash[0];
        hashes[i][1] = docs[i].hash[1];
        out->docs[i].status = docs[i].status;
        out->docs[i].chars = docs[i].chars;
        out->docs[i].replaced = docs[i].replaced;
        out->docs[i].kept = i;
        parent[i] = (uint32_t)i;
    }
    d.ctx = ctx;
    d.docs = docs;
    d.pairs = pairs;
    d.ratio = opts->ratio;
    d.dup = calloc(npairs + 1, 1);
    d.ra = calloc(npairs + 1, sizeof *d.ra);
    d.rb = calloc(npairs + 1, sizeof *d.rb);
    cache = ovl__doccache_new(c, &o.doc, (const uint64_t(*)[2])hashes, OVL__SCAN_CACHE_BUDGET);
    if (!d.dup || !d.ra || !d.rb || !cache) {
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    if ((rc = ovl__scan_align(ctx, n, cache, &o, pairs, npairs, NULL, on_pair, &d)) != OVL_OK)
        goto done;
    size_t ndup = 0;
    for (size_t k = 0; k < npairs; k++)
        if (d.dup[k]) {
            ndup++;
            ovl__uf_union(parent, pairs[k].a, pairs[k].b);
        }
    /* Clusters numbered by their first name (the root); the kept member per root. */
    for (size_t i = 0; i < n; i++) {
        size_t r = ovl__uf_find(parent, (uint32_t)i);
        if (r == i)
            continue;
        ovl_dedup_doc *root = &out->docs[r];
        if (root->cluster == 0)
            root->cluster = 1; /* numbered below */
        if (opts->keep == OVL_DEDUP_KEEP_LONGEST && out->docs[i].chars > out->docs[root->kept].chars)
            root->kept = i;
    }
    for (size_t i = 0; i < n; i++)
        if (ovl__uf_find(parent, (uint32_t)i) == i && out->docs[i].cluster)
            out->docs[i].cluster = ++out->nclusters;
    for (size_t i = 0; i < n; i++) {
        size_t r = ovl__uf_find(parent, (uint32_t)i);
        if (r != i) {
            out->docs[i].cluster = out->docs[r].cluster;
            out->docs[i].kept = out->docs[r].kept;
        }
    }
    if (ndup && !(out->pairs = malloc(ndup * sizeof *out->pairs))) {
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < npairs; k++) {
        if (!d.dup[k])
            continue;
        const ovl_scan_pair *p = &pairs[k];
        ovl_dedup_pair *q = &out->pairs[out->npairs++];
        q->a = p->a;
        q->b = p->b;
        q->ratio_a = d.ra[k];
        q->ratio_b = d.rb[k];
        q->cluster = out->docs[p->a].cluster;
        size_t kept = out->docs[p->a].kept;
        double sim = d.ra[k] < d.rb[k] ? d.ra[k] : d.rb[k];
        if (p->a == kept)
            out->docs[p->b].similarity = sim;
        else if (p->b == kept)
            out->docs[p->a].similarity = sim;
    }
    for (size_t i = 0; i < n; i++)
        if (out->docs[i].cluster && out->docs[i].kept == i)
            out->docs[i].similarity = 1.0;
done:
    ovl__doccache_free(cache);
    ovl_finder_free(f);
    free(d.dup);
    free(d.ra);
    free(d.rb);
    free(pairs);
    free(parent);
    free(hashes);
    free(docs);
    if (rc != OVL_OK)
        ovl_dedup_result_free(out);
    return rc;
}
