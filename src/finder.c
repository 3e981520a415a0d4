/* finder.c - the in-memory candidate finder: band keys of many documents grouped by sorting. */
#include "internal.h"

/* A band key of one chunk; the key is split so the record packs into 12 bytes. */
typedef struct fentry {
    uint32_t khi, klo;
    uint32_t chunk;
} fentry;

typedef struct fchunk {
    uint32_t doc; /* index into docs */
    uint32_t tok_start, tok_end;
} fchunk;

typedef struct fdoc {
    uint32_t id;
    int32_t group;
} fdoc;

struct ovl_finder {
    unsigned bands;
    fentry *e;
    size_t ne, cape;
    fchunk *c;
    size_t nc, capc;
    fdoc *d;
    size_t nd, capd;
};

ovl_finder *ovl_finder_new(unsigned bands)
{
    if (bands == 0)
        return NULL;
    ovl_finder *f = calloc(1, sizeof *f);
    if (f)
        f->bands = bands;
    return f;
}

void ovl_finder_free(ovl_finder *f)
{
    if (!f)
        return;
    free(f->e);
    free(f->c);
    free(f->d);
    free(f);
}

size_t ovl_finder_doc_count(const ovl_finder *f) { return f->nd; }
size_t ovl_finder_chunk_count(const ovl_finder *f) { return f->nc; }

int ovl_finder_add_keys(ovl_ctx *ctx, ovl_finder *f, uint32_t doc_id, int32_t group,
                        const ovl_fp_chunk *chunks, size_t nchunks, const uint64_t *keys)
{
    if (!f || (nchunks && (!chunks || !keys)))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "finder: missing chunks or keys");
    if (nchunks > UINT32_MAX - 1 - f->nc || f->nd >= UINT32_MAX - 1)
        return ovl__fail(ctx, OVL_ERR_TOOBIG, -1, "finder: more than 2^32 chunks or documents");
    if (ovl__grow(&f->d, &f->capd, f->nd + 1, sizeof *f->d) ||
        ovl__grow(&f->c, &f->capc, f->nc + nchunks, sizeof *f->c) ||
        ovl__grow(&f->e, &f->cape, f->ne + nchunks * f->bands, sizeof *f->e))
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "finder: out of memory adding document %u",
                         doc_id);
    uint32_t di = (uint32_t)f->nd++;
    f->d[di].id = doc_id;
    f->d[di].group = group;
    for (size_t i = 0; i < nchunks; i++) {
        uint32_t ci = (uint32_t)f->nc++;
        f->c[ci].doc = di;
        f->c[ci].tok_start = chunks[i].tok_start;
        f->c[ci].tok_end = chunks[i].tok_end;
        for (unsigned j = 0; j < f->bands; j++) {
            uint64_t k = keys[i * f->bands + j];
            fentry *e = &f->e[f->ne++];
            e->khi = (uint32_t)(k >> 32);
            e->klo = (uint32_t)k;
            e->chunk = ci;
        }
    }
    return OVL_OK;
}

int ovl_finder_add(ovl_ctx *ctx, ovl_finder *f, uint32_t doc_id, int32_t group, const ovl_fp *fp)
{
    if (!f || !fp)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "finder: missing finder or fingerprint");
    const ovl_fp_opts *p = ovl_fp_params(fp);
    if (p->bands != f->bands)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1,
                         "finder: fingerprint has %u bands, the finder %u", p->bands, f->bands);
    size_t n = ovl_fp_chunk_count(fp);
    return ovl_finder_add_keys(ctx, f, doc_id, group, ovl_fp_chunks(fp), n,
                               n ? ovl_fp_band_keys(fp, 0) : NULL);
}

static inline uint64_t entry_key(const fentry *e) { return (uint64_t)e->khi << 32 | e->klo; }

static inline int entry_less(const fentry *a, const fentry *b)
{
    if (a->khi != b->khi)
        return a->khi < b->khi;
    if (a->klo != b->klo)
        return a->klo < b->klo;
    return a->chunk < b->chunk;
}

static void insertion_sort_entries(fentry *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        fentry x = v[i];
        size_t j = i;
        while (j > 0 && entry_less(&x, &v[j - 1])) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* Quicksort for the small buckets the radix levels leave: a radix level costs its 256
 * counters whatever the bucket size, which dominated once buckets held a few dozen entries. */
static void quick_sort_entries(fentry *v, size_t n)
{
    while (n > 24) {
        fentry *a = &v[0], *b = &v[n / 2], *c = &v[n - 1], *m;
        if (entry_less(a, b))
            m = entry_less(b, c) ? b : (entry_less(a, c) ? c : a);
        else
            m = entry_less(a, c) ? a : (entry_less(b, c) ? c : b);
        fentry pivot = *m;
        size_t i = 0, j = n - 1;
        for (;;) {
            while (entry_less(&v[i], &pivot))
                i++;
            while (entry_less(&pivot, &v[j]))
                j--;
            if (i >= j)
                break;
            fentry t = v[i];
            v[i] = v[j];
            v[j] = t;
            i++;
            j--;
        }
        /* Hoare partition: [0, j] <= pivot <= [j+1, n); recurse into the smaller side. */
        size_t left = j + 1;
        if (left < n - left) {
            quick_sort_entries(v, left);
            v += left;
            n -= left;
        } else {
            quick_sort_entries(v + left, n - left);
            n = left;
        }
    }
    insertion_sort_entries(v, n);
}

/* In-place MSD radix sort (American flag) on the 64-bit key, then by chunk inside equal keys:
 * keys are hashes, so two levels split the entries into buckets of a few entries, with no
 * second buffer the size of the finder (which is most of a scan's memory). The second level
 * takes as many bits as leave about four entries per bucket: a fixed byte per level left
 * buckets of hundreds of entries (or, one level further, hundreds of mostly empty buckets).
 * used: key bits already equal in v[0..n). */
static void sort_entries(fentry *v, size_t n, unsigned used)
{
    if (n <= 48 || used >= 64) {
        quick_sort_entries(v, n);
        return;
    }
    unsigned bits = 8;
    if (n < ((size_t)1 << 20)) {
        bits = 0;
        while (((size_t)4 << bits) < n)
            bits++;
        bits = bits < 4 ? 4 : (bits > 16 ? 16 : bits);
    }
    if (bits > 64 - used)
        bits = 64 - used;
    unsigned shift = 64 - used - bits;
    size_t nb = (size_t)1 << bits, mask = nb - 1;
    size_t stackbuf[3 * 256];
    size_t *heap = nb > 256 ? malloc(3 * nb * sizeof *heap) : NULL;
    if (nb > 256 && !heap) {
        quick_sort_entries(v, n); /* no memory for counters: slower, same order */
        return;
    }
    size_t *count = heap ? heap : stackbuf, *next = count + nb, *end = next + nb;
    memset(count, 0, nb * sizeof *count);
    for (size_t i = 0; i < n; i++)
        count[(entry_key(&v[i]) >> shift) & mask]++;
    size_t sum = 0;
    for (size_t b = 0; b < nb; b++) {
        next[b] = sum;
        sum += count[b];
        end[b] = sum;
    }
    for (size_t b = 0; b < nb; b++) {
        while (next[b] < end[b]) {
            fentry e = v[next[b]];
            size_t d = (size_t)(entry_key(&e) >> shift) & mask;
            while (d != b) {
                fentry t = v[next[d]];
                v[next[d]++] = e;
                e = t;
                d = (size_t)(entry_key(&e) >> shift) & mask;
            }
            v[next[b]++] = e;
        }
    }
    size_t off = 0;
    for (size_t b = 0; b < nb; b++) {
        size_t c = count[b];
        if (c > 1)
            sort_entries(v + off, c, used + bits);
        off += c;
    }
    free(heap);
}

typedef struct docord {
    uint32_t id, idx;
} docord;

static int cmp_docord(const void *pa, const void *pb)
{
    const docord *a = pa, *b = pb;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

typedef struct chunkord {
    uint32_t rank, tok_start, tok_end, old;
} chunkord;

static int cmp_chunkord(const void *pa, const void *pb)
{
    const chunkord *a = pa, *b = pb;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    if (a->tok_start != b->tok_start)
        return a->tok_start < b->tok_start ? -1 : 1;
    if (a->tok_end != b->tok_end)
        return a->tok_end < b->tok_end ? -1 : 1;
    return (a->old > b->old) - (a->old < b->old);
}

/* A colliding chunk pair (a < b in canonical chunk order) and its band collisions. */
typedef struct cpair {
    uint32_t a, b, n;
} cpair;

static int cmp_cpair(const void *pa, const void *pb)
{
    const cpair *x = pa, *y = pb;
    if (x->a != y->a)
        return x->a < y->a ? -1 : 1;
    return (x->b > y->b) - (x->b < y->b);
}

/* Sorts p by (a, b): least significant digit first, 11 bits a pass over the bits the largest
 * b and then the largest a use, through tmp (n elements). A comparison sort of these millions
 * of pairs was 2.5% of a real corpus scan. Returns the array holding the result (p or tmp). */
#define CP_BITS 11u
static cpair *radix_cpairs(cpair *p, cpair *tmp, size_t n)
{
    uint32_t maxa = 0, maxb = 0;
    for (size_t i = 0; i < n; i++) {
        maxa = p[i].a > maxa ? p[i].a : maxa;
        maxb = p[i].b > maxb ? p[i].b : maxb;
    }
    unsigned bits_a = 0, bits_b = 0;
    while (bits_a < 32 && maxa >> bits_a)
        bits_a++;
    while (bits_b < 32 && maxb >> bits_b)
        bits_b++;
    size_t count[1u << CP_BITS];
    for (unsigned pass = 0; pass < 2; pass++) {
        unsigned bits = pass == 0 ? bits_b : bits_a;
        for (unsigned sh = 0; sh < bits; sh += CP_BITS) {
            memset(count, 0, sizeof count);
            for (size_t i = 0; i < n; i++)
                count[((pass == 0 ? p[i].b : p[i].a) >> sh) & ((1u << CP_BITS) - 1)]++;
            size_t at = 0;
            for (size_t d = 0; d < (1u << CP_BITS); d++) {
                size_t c = count[d];
                count[d] = at;
                at += c;
            }
            for (size_t i = 0; i < n; i++)
                tmp[count[((pass == 0 ? p[i].b : p[i].a) >> sh) & ((1u << CP_BITS) - 1)]++] = p[i];
            cpair *t = p;
            p = tmp;
            tmp = t;
        }
    }
    return p;
}

/* Sorts and merges duplicate pairs, summing their counts; returns the new length. */
static size_t compact_pairs(cpair *p, size_t n)
{
    if (n == 0)
        return 0;
    cpair *tmp = n > 64 ? malloc(n * sizeof *tmp) : NULL;
    if (tmp) {
        cpair *r = radix_cpairs(p, tmp, n);
        if (r != p)
            memcpy(p, r, n * sizeof *p);
        free(tmp);
    } else {
        qsort(p, n, sizeof *p, cmp_cpair); /* small, or no room for the radix sort's copy */
    }
    size_t o = 0;
    for (size_t i = 1; i < n; i++) {
        if (p[i].a == p[o].a && p[i].b == p[o].b)
            p[o].n += p[i].n;
        else
            p[++o] = p[i];
    }
    return o + 1;
}

typedef struct dpair {
    uint32_t da, db; /* document ranks */
    uint32_t a, b, n;
} dpair;

static int cmp_dpair(const void *pa, const void *pb)
{
    const dpair *x = pa, *y = pb;
    if (x->da != y->da)
        return x->da < y->da ? -1 : 1;
    if (x->db != y->db)
        return x->db < y->db ? -1 : 1;
    if (x->a != y->a)
        return x->a < y->a ? -1 : 1;
    return (x->b > y->b) - (x->b < y->b);
}

/* Puts docs in id order and chunks in (document, position) order, renumbering entries, so
 * the result does not depend on the order documents were added in. */
static int canonicalize(ovl_ctx *ctx, ovl_finder *f)
{
    docord *dord = malloc((f->nd ? f->nd : 1) * sizeof *dord);
    uint32_t *rank = malloc((f->nd ? f->nd : 1) * sizeof *rank);
    if (!dord || !rank) {
        free(dord);
        free(rank);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    }
    for (size_t i = 0; i < f->nd; i++) {
        dord[i].id = f->d[i].id;
        dord[i].idx = (uint32_t)i;
    }
    qsort(dord, f->nd, sizeof *dord, cmp_docord);
    for (size_t i = 0; i < f->nd; i++) {
        if (i > 0 && dord[i].id == dord[i - 1].id) {
            uint32_t id = dord[i].id;
            free(dord);
            free(rank);
            return ovl__fail(ctx, OVL_ERR_INVALID, -1, "finder: document id %u added twice", id);
        }
        rank[dord[i].idx] = (uint32_t)i;
    }
    /* Usual case: documents were added in id order, each with its chunks in token order, so
     * the table is canonical already (the sorts below would keep every index in place). */
    int canonical = 1;
    for (size_t i = 0; canonical && i < f->nd; i++)
        canonical = dord[i].idx == i;
    for (size_t i = 1; canonical && i < f->nc; i++) {
        const fchunk *p = &f->c[i - 1], *q = &f->c[i];
        canonical = p->doc < q->doc ||
                    (p->doc == q->doc && (p->tok_start < q->tok_start ||
                                          (p->tok_start == q->tok_start && p->tok_end <= q->tok_end)));
    }
    if (canonical) {
        free(dord);
        free(rank);
        return OVL_OK;
    }
    fdoc *nd = malloc((f->nd ? f->nd : 1) * sizeof *nd);
    chunkord *cord = malloc((f->nc ? f->nc : 1) * sizeof *cord);
    if (!nd || !cord) {
        free(dord);
        free(rank);
        free(nd);
        free(cord);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    }
    for (size_t i = 0; i < f->nd; i++)
        nd[rank[i]] = f->d[i];
    for (size_t i = 0; i < f->nc; i++) {
        cord[i].rank = rank[f->c[i].doc];
        cord[i].tok_start = f->c[i].tok_start;
        cord[i].tok_end = f->c[i].tok_end;
        cord[i].old = (uint32_t)i;
    }
    qsort(cord, f->nc, sizeof *cord, cmp_chunkord);
    /* Reuse rank's storage is too small for chunks; map old -> new through the chunk table's
     * doc field after rewriting it. */
    uint32_t *newid = malloc((f->nc ? f->nc : 1) * sizeof *newid);
    if (!newid) {
        free(dord);
        free(rank);
        free(nd);
        free(cord);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    }
    for (size_t i = 0; i < f->nc; i++) {
        newid[cord[i].old] = (uint32_t)i;
        f->c[i].doc = cord[i].rank;
        f->c[i].tok_start = cord[i].tok_start;
        f->c[i].tok_end = cord[i].tok_end;
    }
    for (size_t i = 0; i < f->ne; i++)
        f->e[i].chunk = newid[f->e[i].chunk];
    memcpy(f->d, nd, f->nd * sizeof *nd);
    free(newid);
    free(dord);
    free(rank);
    free(nd);
    free(cord);
    return OVL_OK;
}

int ovl_finder_candidates(ovl_ctx *ctx, ovl_finder *f, const ovl_cand_opts *opts,
                          ovl_cand **pairs, size_t *npairs, ovl_cand_hit **hits,
                          size_t *nhits)
{
    static const ovl_cand_opts defaults = OVL_CAND_OPTS_INIT;
    *pairs = NULL;
    *npairs = 0;
    if (hits) {
        *hits = NULL;
        *nhits = 0;
    }
    if (!f)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "finder: NULL finder");
    const ovl_cand_opts *o = opts ? opts : &defaults;
    if (o->version != OVL_CAND_OPTS_VERSION)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "candidate options: version %u, expected %u",
                         o->version, OVL_CAND_OPTS_VERSION);
    int rc = canonicalize(ctx, f);
    if (rc)
        return rc;
    sort_entries(f->e, f->ne, 0);

    cpair *cp = NULL;
    size_t ncp = 0, capcp = 0, compact_at = (size_t)1 << 20;
    for (size_t i = 0; i < f->ne;) {
        size_t j = i + 1;
        while (j < f->ne && f->e[j].khi == f->e[i].khi && f->e[j].klo == f->e[i].klo)
            j++;
        if (j - i < 2) {
            i = j;
            continue;
        }
        /* Entries are in chunk order, hence document order: count distinct documents. */
        size_t ndoc = 1;
        for (size_t x = i + 1; x < j; x++)
            ndoc += f->c[f->e[x].chunk].doc != f->c[f->e[x - 1].chunk].doc;
        if (ndoc < 2 || (o->max_df && ndoc > o->max_df) || (o->max_chunks && j - i > o->max_chunks)) {
            i = j;
            continue;
        }
        for (size_t x = i; x < j; x++) {
            const fchunk *ca = &f->c[f->e[x].chunk];
            int32_t ga = f->d[ca->doc].group;
            for (size_t y = x + 1; y < j; y++) {
                const fchunk *cb = &f->c[f->e[y].chunk];
                if (cb->doc == ca->doc)
                    continue;
                if (ga >= 0 && f->d[cb->doc].group == ga)
                    continue;
                if (ncp == capcp && ovl__grow(&cp, &capcp, ncp + 1, sizeof *cp)) {
                    free(cp);
                    return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "finder: out of memory");
                }
                cp[ncp].a = f->e[x].chunk;
                cp[ncp].b = f->e[y].chunk;
                cp[ncp].n = 1;
                ncp++;
                /* Near-duplicate documents collide in many bands per chunk pair: merging
                 * duplicates now and then keeps this buffer near the distinct-pair count. */
                if (ncp >= compact_at) {
                    ncp = compact_pairs(cp, ncp);
                    if (ncp * 2 > compact_at)
                        compact_at = ncp * 2;
                }
            }
        }
        i = j;
    }
    ncp = compact_pairs(cp, ncp);

    dpair *dp = malloc((ncp ? ncp : 1) * sizeof *dp);
    if (!dp) {
        free(cp);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "finder: out of memory");
    }
    for (size_t i = 0; i < ncp; i++) {
        dp[i].da = f->c[cp[i].a].doc;
        dp[i].db = f->c[cp[i].b].doc;
        dp[i].a = cp[i].a;
        dp[i].b = cp[i].b;
        dp[i].n = cp[i].n;
    }
    free(cp);
    qsort(dp, ncp, sizeof *dp, cmp_dpair);

    unsigned min_hits = o->min_band_hits ? o->min_band_hits : 1;
    ovl_cand *out = NULL;
    ovl_cand_hit *oh = NULL;
    size_t nout = 0, capout = 0, noh = 0, capoh = 0;
    for (size_t i = 0; i < ncp;) {
        size_t j = i;
        uint64_t sum = 0;
        while (j < ncp && dp[j].da == dp[i].da && dp[j].db == dp[i].db)
            sum += dp[j++].n;
        if (sum >= min_hits) {
            if (ovl__grow(&out, &capout, nout + 1, sizeof *out) ||
                (hits && ovl__grow(&oh, &capoh, noh + (j - i), sizeof *oh))) {
                free(dp);
                free(out);
                free(oh);
                return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "finder: out of memory");
            }
            ovl_cand *c = &out[nout++];
            c->doc_a = f->d[dp[i].da].id;
            c->doc_b = f->d[dp[i].db].id;
            c->band_hits = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
            c->chunk_pairs = (uint32_t)(j - i);
            c->first_hit = hits ? noh : 0;
            for (size_t x = i; hits && x < j; x++) {
                ovl_cand_hit *h = &oh[noh++];
                h->a_start = f->c[dp[x].a].tok_start;
                h->a_end = f->c[dp[x].a].tok_end;
                h->b_start = f->c[dp[x].b].tok_start;
                h->b_end = f->c[dp[x].b].tok_end;
                h->bands = dp[x].n;
            }
        }
        i = j;
    }
    free(dp);
    *pairs = out;
    *npairs = nout;
    if (hits) {
        *hits = oh;
        *nhits = noh;
    }
    return OVL_OK;
}

/* Which key groups ovl_finder_recurring and ovl_finder_shared list. */
typedef struct keysel {
    unsigned min_df, max_chunks; /* recurring: more than min_df documents or max_chunks chunks */
    uint32_t id_min;             /* shared: a chunk of a document from id_min on, and one below */
    int shared;
} keysel;

static int select_groups(const ovl_finder *f, size_t i, size_t j, const keysel *k)
{
    if (k->shared)
        return j - i >= 2 && f->d[f->c[f->e[j - 1].chunk].doc].id >= k->id_min &&
               f->d[f->c[f->e[i].chunk].doc].id < k->id_min;
    size_t ndoc = 1;
    for (size_t x = i + 1; x < j && ndoc <= k->min_df; x++)
        ndoc += f->c[f->e[x].chunk].doc != f->c[f->e[x - 1].chunk].doc;
    return ndoc > k->min_df || (k->max_chunks && j - i > k->max_chunks && ndoc >= 2);
}

/* Lists the chunks of the key groups k selects (shared: only those below id_min). Entries are
 * in (key, chunk) order, so in document id order within a group. */
static int list_groups(ovl_ctx *ctx, ovl_finder *f, const keysel *k, ovl_recurring **out,
                       size_t *count)
{
    *out = NULL;
    *count = 0;
    int rc = canonicalize(ctx, f);
    if (rc)
        return rc;
    sort_entries(f->e, f->ne, 0);
    ovl_recurring *v = NULL;
    size_t n = 0, cap = 0;
    uint32_t group = 0;
    for (size_t i = 0; i < f->ne;) {
        size_t j = i + 1;
        while (j < f->ne && f->e[j].khi == f->e[i].khi && f->e[j].klo == f->e[i].klo)
            j++;
        if (select_groups(f, i, j, k)) {
            if (ovl__grow(&v, &cap, n + (j - i), sizeof *v)) {
                free(v);
                return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "finder: out of memory");
            }
            for (size_t x = i; x < j; x++) {
                const fchunk *c = &f->c[f->e[x].chunk];
                if (!k->shared || f->d[c->doc].id < k->id_min)
                    v[n++] = (ovl_recurring){f->d[c->doc].id, c->tok_start, c->tok_end, group};
            }
            group++;
        }
        i = j;
    }
    *out = v;
    *count = n;
    return OVL_OK;
}

int ovl_finder_recurring(ovl_ctx *ctx, ovl_finder *f, unsigned min_df, unsigned max_chunks,
                         ovl_recurring **out, size_t *count)
{
    if (!f || !out || !count || min_df == 0)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "finder: bad arguments for recurring keys");
    keysel k = {min_df, max_chunks, 0, 0};
    return list_groups(ctx, f, &k, out, count);
}

int ovl_finder_shared(ovl_ctx *ctx, ovl_finder *f, uint32_t id_min, ovl_recurring **out,
                      size_t *count)
{
    if (!f || !out || !count)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "finder: bad arguments for shared keys");
    keysel k = {0, 0, id_min, 1};
    return list_groups(ctx, f, &k, out, count);
}
