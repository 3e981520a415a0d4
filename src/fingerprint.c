/* fingerprint.c - document fingerprints: chunking, and the fused shingle, sketch and band-key loop per paragraph. */
#include "lsh_int.h"
#include "minhash_int.h"
#include "shingle_int.h"

/* Defaults were measured (throwaway harness, 150 trials per cell) on CSL abstracts, real
 * Chinese academic prose: a 60-character passage planted inside two different 2,000-character
 * paragraphs, one copy carrying 0/5/10% character edits (substitute/delete/insert), 16 bands
 * x 3 rows; "none" = same hosts without the passage (floor 0.03: hosts sharing an abstract).
 *   W=50 k=3: 0.98 0.92 0.85 none 0.05    W=40 k=3: 0.99 0.96 0.91 none 0.07
 *   W=50 k=4: 0.98 0.87 0.67 none 0.03    W=40 k=4: 0.99 0.95 0.74 none 0.03
 *   W=50 k=5: 0.98 0.81 0.57 none 0.03    W=30 k=4: 1.00 0.97 0.88 none 0.03
 *   W=80 k=4: 0.81 0.61 0.38 none 0.03
 * k=4 CJK is the smallest shingle whose unrelated-text collisions stay at the floor (k<=3
 * shares stock phrases of academic prose across unrelated papers); k>=5 loses recall under
 * edits. W=50 (stride 25) rather than 30-40 because finder memory grows with the number of
 * chunks: at W=50 a 256 MB Chinese corpus (~85M tokens, 3.4M chunks) needs ~0.7 GB for 16
 * bands. Words carry more information each; k=3 words was not measured (no English corpus
 * at hand) and follows common practice. */
#define OVL_FP_MAX_K 64
#define OVL_FP_MAX_HASHES 4096
#define OVL_FP_MAX_CHUNK (1u << 20)

struct ovl_fp {
    ovl_fp_opts p;
    size_t nchunks;
    ovl_fp_chunk *chunks;
    uint32_t *sigs;   /* nchunks * num_hashes */
    uint64_t *keys;   /* nchunks * bands */
    uint32_t *docsig; /* num_hashes */
    size_t nshingles;
};

int ovl_fp_opts_resolve(ovl_ctx *ctx, const ovl_fp_opts *opts, ovl_fp_opts *out)
{
    static const ovl_fp_opts defaults = OVL_FP_OPTS_INIT;
    ovl_fp_opts p = opts ? *opts : defaults;
    if (p.version != OVL_FP_OPTS_VERSION)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "fingerprint options: version %u, expected %u",
                         p.version, OVL_FP_OPTS_VERSION);
    if (p.k_cjk < 1 || p.k_cjk > OVL_FP_MAX_K || p.k_word < 1 || p.k_word > OVL_FP_MAX_K)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1,
                         "shingle size must be 1..%d tokens (k_cjk %u, k_word %u)", OVL_FP_MAX_K,
                         p.k_cjk, p.k_word);
    if (p.num_hashes < 1 || p.num_hashes > OVL_FP_MAX_HASHES)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "number of MinHash values must be 1..%d, not %u",
                         OVL_FP_MAX_HASHES, p.num_hashes);
    if (p.chunk_tokens < 1 || p.chunk_tokens > OVL_FP_MAX_CHUNK)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "chunk size must be 1..%u tokens, not %u",
                         OVL_FP_MAX_CHUNK, p.chunk_tokens);
    if (p.chunk_tokens < p.k_cjk || p.chunk_tokens < p.k_word)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1,
                         "chunk size %u is smaller than a shingle (k_cjk %u, k_word %u)",
                         p.chunk_tokens, p.k_cjk, p.k_word);
    if (p.chunk_stride == 0)
        p.chunk_stride = p.chunk_tokens / 2 ? p.chunk_tokens / 2 : 1;
    if (p.chunk_stride > p.chunk_tokens)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1,
                         "chunk stride %u exceeds the chunk size %u (tokens would be skipped)",
                         p.chunk_stride, p.chunk_tokens);
    if (p.bands == 0) {
        int rc = ovl_lsh_choose(ctx, p.threshold, p.num_hashes, p.max_bands, 1.0, 1.0, &p.bands,
                                &p.rows);
        if (rc)
            return rc;
    } else if (p.rows == 0 || (uint64_t)p.bands * p.rows > p.num_hashes) {
        return ovl__fail(ctx, OVL_ERR_INVALID, -1,
                         "%u bands x %u rows do not fit in %u MinHash values", p.bands, p.rows,
                         p.num_hashes);
    }
    *out = p;
    return OVL_OK;
}

void ovl_fp_free(ovl_fp *fp)
{
    if (!fp)
        return;
    free(fp->chunks);
    free(fp->sigs);
    free(fp->keys);
    free(fp->docsig);
    free(fp);
}

const ovl_fp_opts *ovl_fp_params(const ovl_fp *fp) { return &fp->p; }
size_t ovl_fp_chunk_count(const ovl_fp *fp) { return fp->nchunks; }
const ovl_fp_chunk *ovl_fp_chunks(const ovl_fp *fp) { return fp->chunks; }
const uint32_t *ovl_fp_signature(const ovl_fp *fp, size_t i)
{
    return fp->sigs ? fp->sigs + i * fp->p.num_hashes : NULL;
}
const uint64_t *ovl_fp_band_keys(const ovl_fp *fp, size_t i) { return fp->keys + i * fp->p.bands; }
const uint32_t *ovl_fp_doc_signature(const ovl_fp *fp) { return fp->docsig; }
size_t ovl_fp_shingle_count(const ovl_fp *fp) { return fp->nshingles; }

/* Algorithm choice for chunk band keys. A chunk (W = 50 tokens) has only ~46 shingles, so
 * a K = 128 one-permutation sketch leaves ~70% of its bins empty and densifying them cost
 * ~55% of fingerprinting (60-80 MB/s per core). Band keys now come from their own OPH
 * sketch of exactly bands * rows bins (48 by default; ~38% empty, ~1.6 probes each),
 * densified (ovl__densify) and keyed by ovl_lsh_band_keys: the keys of chunk [s, e) are those
 * of ovl_minhash(its shingles, bands * rows, seed), independent of keep_signatures, whose
 * K-bin signature stays ovl_minhash(its shingles, K, seed). OPH with optimal
 * densification keeps P[equal bin] = Jaccard, and the LSH test checks the 16 x 3 S-curve
 * against brute-force Jaccard with this 48-bin sketch.
 * Raw (undensified) bins of a set are the bin-wise minima of any cover of it, so with
 * windows every S = W / 2 tokens each shingle is binned once per S-token block (two sets
 * of bins per block, see do_unit) and a window is a 48-lane min of two blocks.
 * Measured (bench_fp, 64 MB, best of runs on a loaded 2-core machine; callgrind on 2 MB):
 * before 63 MB/s zh, 79 MB/s en, 463M instructions; after see below. Rejected: 48
 * multiply-shift permutations per shingle (k-perm MinHash, option "only the values the
 * keys need"): 48 x 25 lane-ops per chunk even with the block trick, and baseline x86-64
 * (SSE2) has neither a 32-bit lane multiply nor unsigned min, so ~3K instructions per chunk
 * against ~1K for the 48-bin OPH. Per-document ovl_lsh_choose (options are resolved per
 * document) was 40% of the instructions; it now prunes shapes that cannot win.
 * Chinese throughput pass (same bench; callgrind on 2 MB zh): shingles became a polynomial
 * combination plus one 8-byte XXH3 (see ovl_shingles), densification of the <= 64-bin
 * sketch a bit mask, band-key XXH3 inlined for 1-4 rows, the prefix chain unrolled by four,
 * chunk arrays sized up front: zh 110 -> 167 MB/s, en 201 -> 309 MB/s (best of 7, busy
 * machine, base and new binaries interleaved); zh 132M -> 95M instructions (en 71M -> 54M).
 * Second Chinese pass: the shingle finish became a 4-step multiply/xorshift mix instead of
 * XXH3 of 8 bytes, band keys one folded 128-bit product with per-document secrets instead of
 * XXH3 of 12 bytes, the CJK prefix counts fused into the prefix loop, the mixed-kind loop's
 * shingle size chosen by cmov from locals: zh 188-195 -> 210-222 MB/s, en 400-419 ->
 * 448-454 MB/s (best of 7, three interleaved base/new pairs, busy machine); callgrind on
 * 2 MB zh 91.6M -> 82.2M instructions.
 * Band-key bins are processed in groups of this many uint32 lanes (storage padded with
 * empty bins), so the per-chunk merges are fixed-length SIMD loops. */
#define OVL_LANES 16

/* Working buffers of one fingerprinting call, reused across paragraph units. */
typedef struct fp_work {
    unsigned KB, KBp;   /* band-key sketch bins (bands * rows), padded to OVL_LANES */
    const ovl__tok *tokens;
    /* Per-unit arrays, sized to the longest unit so far (ucap entries): small enough to
     * stay in cache, unlike whole-document copies. */
    size_t ucap;
    uint64_t *pre;      /* prefix combinations of its token hashes (len + 1, see ovl_shingles) */
    uint64_t pw[OVL_FP_MAX_K + 1]; /* OVL_SHINGLE_MUL^k */
    uint32_t *ncjk;     /* prefix counts of its CJK tokens (len + 1) */
    uint64_t *sh;       /* shingle hashes of the unit, by start offset */
    uint32_t *shend;    /* token end of each of those shingles (0: none starts there) */
    uint16_t *sbin;     /* band-key sketch bin of each of those shingles */
    uint32_t *blk;      /* per stride block of the unit: 2 * KBp bins (see do_unit) */
    size_t blkcap;      /* uint32 entries allocated in blk */
    uint32_t *craw;     /* band-key sketch bins of the current chunk (KBp) */
    uint32_t *csig;     /* its densified values (KB) */
    uint32_t *raw;      /* K OPH bins of the current chunk, when signatures are kept */
    uint32_t *docraw;   /* K OPH bins of the whole document */
    ovl__probe_cache pck; /* probes of the band-key sketch */
    ovl__probe_cache pcs; /* probes of K bins, for kept signatures */
    uint16_t *list;     /* bins still empty while densifying (2 * max(K, KB)) */
    uint64_t *bsec;     /* band-key secrets (2 * bands, see ovl__band_secrets) */
} fp_work;

/* Four uint32 lanes (GCC/Clang vector extension): the per-chunk merges below must stay
 * SIMD at -O2, where the auto-vectorizer rejects the equivalent scalar loop. */
typedef uint32_t ovl_u32x4 __attribute__((vector_size(16)));

/* dst = min(dst, src) lane by lane over n (a multiple of OVL_LANES) bins. */
static inline void min_into(uint32_t *dst, const uint32_t *src, unsigned n)
{
    for (unsigned i = 0; i < n; i += 4) {
        ovl_u32x4 a, b;
        memcpy(&a, dst + i, sizeof a);
        memcpy(&b, src + i, sizeof b);
        ovl_u32x4 lt = (ovl_u32x4)(b < a);
        a = (b & lt) | (a & ~lt);
        memcpy(dst + i, &a, sizeof a);
    }
}

/* dst[0..n) = src[0..n), n a multiple of OVL_LANES (fixed-length SIMD, no libc call). */
static inline void copy_lanes(uint32_t *dst, const uint32_t *src, unsigned n)
{
    for (unsigned i = 0; i < n; i += 4) {
        ovl_u32x4 a;
        memcpy(&a, src + i, sizeof a);
        memcpy(dst + i, &a, sizeof a);
    }
}

/* dst[0..n) = OVL_MINHASH_EMPTY, n a multiple of OVL_LANES. */
static inline void empty_lanes(uint32_t *dst, unsigned n)
{
    const ovl_u32x4 e = {OVL_MINHASH_EMPTY, OVL_MINHASH_EMPTY, OVL_MINHASH_EMPTY,
                         OVL_MINHASH_EMPTY};
    for (unsigned i = 0; i < n; i += 4)
        memcpy(dst + i, &e, sizeof e);
}

/* Grows the chunk arrays to ncap chunks. */
static int chunks_reserve(ovl_fp *fp, size_t *cap, size_t ncap)
{
    unsigned K = fp->p.num_hashes;
    ovl_fp_chunk *c = realloc(fp->chunks, ncap * sizeof *c);
    if (!c)
        return -1;
    fp->chunks = c;
    if (fp->p.keep_signatures) {
        uint32_t *sg = realloc(fp->sigs, ncap * K * sizeof *sg);
        if (!sg)
            return -1;
        fp->sigs = sg;
    }
    uint64_t *k = realloc(fp->keys, ncap * fp->p.bands * sizeof *k);
    if (!k)
        return -1;
    fp->keys = k;
    *cap = ncap;
    return 0;
}

/* Appends chunk [s, e) of the unit starting at u0. w->craw holds the band-key sketch bins of
 * the chunk's shingles; with kept signatures, its K-bin OPH is built here from w->sh. */
static int emit_chunk(ovl_fp *fp, fp_work *w, size_t *cap, uint32_t u0, uint32_t s, uint32_t e)
{
    unsigned K = fp->p.num_hashes;
    if (fp->nchunks == *cap && chunks_reserve(fp, cap, *cap ? *cap * 2 : 16))
        return -1;
    size_t idx = fp->nchunks++;
    fp->chunks[idx].tok_start = s;
    fp->chunks[idx].tok_end = e;
    if (fp->p.keep_signatures) {
        for (unsigned i = 0; i < K; i++)
            w->raw[i] = OVL_MINHASH_EMPTY;
        for (uint32_t i = s; i < e; i++) {
            uint32_t se = w->shend[i - u0];
            if (se != 0 && se <= e)
                ovl__oph_add(w->raw, K, w->sh[i - u0]);
        }
        ovl__densify(w->raw, K, K, fp->p.seed, &w->pcs, w->list, fp->sigs + idx * K);
    }
    ovl__densify(w->craw, w->KB, w->KB, fp->p.seed, &w->pck, w->list, w->csig);
    ovl__band_keys_sec(w->csig, fp->p.bands, fp->p.rows, w->bsec, fp->keys + idx * fp->p.bands);
    return 0;
}

/* Band-key sketch bins of the shingles starting in [s, e) and ending by e, into w->craw. */
static void chunk_direct(fp_work *w, uint32_t u0, uint32_t s, uint32_t e)
{
    uint32_t *raw = w->craw;
    empty_lanes(raw, w->KBp);
    for (uint32_t i = s - u0; i < e - u0; i++) {
        uint32_t se = w->shend[i], v = (uint32_t)w->sh[i], b = w->sbin[i];
        if (se != 0 && se <= e && v < raw[b])
            raw[b] = v;
    }
}

/* Hashes the shingles of unit [u0, u1) and emits its chunk windows. */
static int do_unit(ovl_fp *fp, fp_work *w, size_t *cap, uint32_t u0, uint32_t u1)
{
    const ovl_fp_opts *p = &fp->p;
    unsigned K = p->num_hashes, KB = w->KB, KBp = w->KBp;
    unsigned kmax = p->k_cjk > p->k_word ? p->k_cjk : p->k_word;
    uint32_t len = u1 - u0;
    size_t count = 0;
    if (len + 1 > w->ucap) {
        size_t c = (size_t)len + 1 > 2 * w->ucap ? (size_t)len + 1 : 2 * w->ucap;
        free(w->pre);
        free(w->ncjk);
        free(w->sh);
        free(w->shend);
        free(w->sbin);
        w->pre = malloc(c * sizeof *w->pre);
        w->ncjk = malloc(c * sizeof *w->ncjk);
        w->sh = malloc(c * sizeof *w->sh);
        w->shend = malloc(c * sizeof *w->shend);
        w->sbin = malloc(c * sizeof *w->sbin);
        w->ucap = c;
        if (!w->pre || !w->ncjk || !w->sh || !w->shend || !w->sbin) {
            w->ucap = 0;
            return -1;
        }
    }
    uint64_t *pre = w->pre, *sh = w->sh, skey = ovl__shingle_key(p->seed);
    uint32_t *nc = w->ncjk, *shend = w->shend, *docraw = w->docraw;
    uint16_t *sbin = w->sbin;
    const ovl__tok *tok = w->tokens + u0;
    pre[0] = 0;
    nc[0] = 0;
    /* pre[i + 1] = pre[i] * M + h[i], four tokens per step: the dependency chain through
     * pre is one multiply-add per four tokens instead of per token (the 4-cycle multiply
     * latency chain was the loop's bound); the others branch off it. */
    const uint64_t m1 = w->pw[1], m2 = w->pw[2], m3 = w->pw[3], m4 = w->pw[4];
    uint32_t i4 = 0;
    for (; i4 + 4 <= len; i4 += 4) {
        uint64_t h0 = tok[i4].hash, h1 = tok[i4 + 1].hash, h2 = tok[i4 + 2].hash,
                 h3 = tok[i4 + 3].hash, b = pre[i4];
        uint64_t a1 = h0, a2 = h0 * m1 + h1, a3 = h0 * m2 + h1 * m1 + h2;
        uint64_t a4 = h0 * m3 + h1 * m2 + h2 * m1 + h3;
        pre[i4 + 1] = b * m1 + a1;
        pre[i4 + 2] = b * m2 + a2;
        pre[i4 + 3] = b * m3 + a3;
        pre[i4 + 4] = b * m4 + a4;
        uint32_t c = nc[i4], c1 = c + (ovl__tok_kind(&tok[i4]) == OVL_TOK_CJK),
                 c2 = c1 + (ovl__tok_kind(&tok[i4 + 1]) == OVL_TOK_CJK),
                 c3 = c2 + (ovl__tok_kind(&tok[i4 + 2]) == OVL_TOK_CJK);
        nc[i4 + 1] = c1;
        nc[i4 + 2] = c2;
        nc[i4 + 3] = c3;
        nc[i4 + 4] = c3 + (ovl__tok_kind(&tok[i4 + 3]) == OVL_TOK_CJK);
    }
    for (; i4 < len; i4++) {
        pre[i4 + 1] = pre[i4] * OVL_SHINGLE_MUL + tok[i4].hash;
        nc[i4 + 1] = nc[i4] + (ovl__tok_kind(&tok[i4]) == OVL_TOK_CJK);
    }
    uint32_t ncjk = nc[len];
    if (ncjk == 0 || ncjk == len) {
        /* One kind throughout (the common case): one shingle size, no majority votes. */
        unsigned k = ncjk ? p->k_cjk : p->k_word;
        uint64_t mk = w->pw[k];
        uint32_t nsh = len >= k ? len - k + 1 : 0;
        for (uint32_t i = 0; i < nsh; i++) {
            uint64_t h = ovl__shingle_finish(pre[i + k] - pre[i] * mk, skey);
            sh[i] = h;
            shend[i] = u0 + i + k;
            if (docraw)
                ovl__oph_add(docraw, K, h);
            sbin[i] = (uint16_t)ovl__oph_bin(h, KB);
        }
        for (uint32_t i = nsh; i < len; i++)
            shend[i] = 0;
        count = nsh;
    } else {
        /* Starts with room for kmax tokens: no tail checks. */
        uint32_t nfull = len >= kmax ? len - kmax + 1 : 0;
        /* Locals selected by cmov: through p and w they were reloaded every shingle (the
         * stores to docraw and sh may alias them). */
        const unsigned kc = p->k_cjk, kw = p->k_word;
        const uint64_t mkc = w->pw[kc], mkw = w->pw[kw];
        const uint64_t *prec = pre + kc, *prew = pre + kw;
        for (uint32_t i = 0; i < nfull; i++) {
            int cj = 2 * (nc[i + kmax] - nc[i]) > kmax;
            uint64_t top = cj ? prec[i] : prew[i], mk = cj ? mkc : mkw;
            uint64_t h = ovl__shingle_finish(top - pre[i] * mk, skey);
            sh[i] = h;
            shend[i] = u0 + i + (cj ? kc : kw);
            if (docraw)
                ovl__oph_add(docraw, K, h);
            sbin[i] = (uint16_t)ovl__oph_bin(h, KB);
        }
        count = nfull;
        for (uint32_t i = nfull; i < len; i++) {
            uint32_t wend = len - i < kmax ? len : i + kmax;
            uint32_t cjk = nc[wend] - nc[i];
            /* Kind of the majority of the window decides the shingle size. */
            unsigned k = 2 * cjk > wend - i ? p->k_cjk : p->k_word;
            if (len - i < k) {
                shend[i] = 0;
                continue;
            }
            uint64_t h = ovl__shingle_finish(pre[i + k] - pre[i] * w->pw[k], skey);
            sh[i] = h;
            shend[i] = u0 + i + k;
            if (docraw)
                ovl__oph_add(docraw, K, h);
            sbin[i] = (uint16_t)ovl__oph_bin(h, KB);
            count++;
        }
    }
    if (count == 0) {
        /* Shorter than its shingle size: one shingle of the whole unit (pre[0] is 0). */
        uint64_t h = ovl__shingle_finish(pre[len], skey);
        sh[0] = h;
        shend[0] = u1;
        if (docraw)
            ovl__oph_add(docraw, K, h);
        sbin[0] = (uint16_t)ovl__oph_bin(h, KB);
        count = 1;
    }
    fp->nshingles += count;

    uint32_t W = p->chunk_tokens, S = p->chunk_stride;
    if (len <= W) {
        chunk_direct(w, u0, u0, u1);
        return emit_chunk(fp, w, cap, u0, u0, u1);
    }
    /* Windows start every S tokens, so when W is a multiple q of S a window is q stride
     * blocks. A block keeps two sets of bins: "full" over all shingles starting in it, "in"
     * over those also ending in it. When no shingle is longer than S + 1 tokens, the
     * shingles of a window are the full ones of its first q - 1 blocks and the inner ones
     * of its last, so each shingle is binned once per block instead of once per window. */
    uint32_t q = W / S;
    int blocks = W % S == 0 && kmax <= S + 1;
    uint32_t nblk = (len + S - 1) / S;
    if (blocks && (size_t)nblk * 2 * KBp > w->blkcap) {
        if (ovl__grow(&w->blk, &w->blkcap, (size_t)nblk * 2 * KBp, sizeof *w->blk))
            return -1;
    }
    if (blocks) {
        /* A window needs >= kmax tokens here (len > W >= kmax), so every start up to
         * len - kmax has a shingle, and those up to b1 - kmax end in their block: only the
         * last kmax - 1 starts of a block need their end checked. "full" is "in" plus the
         * shingles of those that end past the block. */
        for (uint32_t b = 0; b < nblk; b++) {
            uint32_t *full = w->blk + (size_t)b * 2 * KBp, *inr = full + KBp;
            empty_lanes(inr, KBp);
            uint32_t b0 = b * S, b1 = b0 + S < len ? b0 + S : len;
            uint32_t mid = b1 >= b0 + kmax - 1 ? b1 - kmax + 1 : b0, lim = u0 + b1;
            for (uint32_t i = b0; i < mid; i++) {
                uint32_t v = (uint32_t)sh[i], bin = sbin[i], o = inr[bin];
                inr[bin] = v < o ? v : o;
            }
            /* sh and sbin are only set where shend is not 0. */
            for (uint32_t i = mid; i < b1; i++) {
                uint32_t se = shend[i];
                if (se && se <= lim) {
                    uint32_t v = (uint32_t)sh[i], bin = sbin[i], o = inr[bin];
                    inr[bin] = v < o ? v : o;
                }
            }
            copy_lanes(full, inr, KBp);
            for (uint32_t i = mid; i < b1; i++) {
                uint32_t se = shend[i];
                if (se > lim) {
                    uint32_t v = (uint32_t)sh[i], bin = sbin[i], o = full[bin];
                    full[bin] = v < o ? v : o;
                }
            }
        }
    }
    for (uint32_t s = u0, m = 0;; s += S, m++) {
        int last = s + W >= u1;
        if (last)
            s = u1 - W;
        if (blocks && (s - u0) % S == 0) {
            /* The last block's inner bins, merged with the full bins of the others. */
            m = (s - u0) / S;
            const uint32_t *lastb = w->blk + (size_t)(m + q - 1) * 2 * KBp + KBp;
            copy_lanes(w->craw, lastb, KBp);
            for (uint32_t b = m; b + 1 < m + q; b++)
                min_into(w->craw, w->blk + (size_t)b * 2 * KBp, KBp);
        } else {
            chunk_direct(w, u0, s, s + W);
        }
        if (emit_chunk(fp, w, cap, u0, s, s + W))
            return -1;
        if (last)
            return 0;
    }
}

/* ovl_fp_from_tokens on the library's own tokens. */
static int fp_from_toks(ovl_ctx *ctx, const ovl__tok *tokens, size_t ntokens,
                        const uint32_t *para_ends, size_t npara, const ovl_fp_opts *opts,
                        ovl_fp **out)
{
    *out = NULL;
    if (ntokens > UINT32_MAX - 1)
        return ovl__fail(ctx, OVL_ERR_TOOBIG, -1, "%zu tokens exceed the fingerprint limit",
                         ntokens);
    for (size_t i = 0; para_ends && i < npara; i++)
        if (para_ends[i] > ntokens || (i > 0 && para_ends[i] < para_ends[i - 1]))
            return ovl__fail(ctx, OVL_ERR_INVALID, -1,
                             "paragraph end %zu (%u) is out of order or past %zu tokens", i,
                             para_ends[i], ntokens);
    ovl_fp *fp = calloc(1, sizeof *fp);
    if (!fp)
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    int rc = ovl_fp_opts_resolve(ctx, opts, &fp->p);
    if (rc) {
        free(fp);
        return rc;
    }
    unsigned K = fp->p.num_hashes;
    fp_work w = {0};
    size_t cap = 0;
    w.KB = fp->p.bands * fp->p.rows;
    w.KBp = (w.KB + OVL_LANES - 1) / OVL_LANES * OVL_LANES;
    unsigned Kl = K > w.KB ? K : w.KB;
    w.tokens = tokens;
    w.pw[0] = 1;
    for (unsigned i = 1; i <= OVL_FP_MAX_K; i++)
        w.pw[i] = w.pw[i - 1] * OVL_SHINGLE_MUL;
    w.craw = malloc((size_t)w.KBp * sizeof *w.craw);
    w.csig = malloc((size_t)w.KB * sizeof *w.csig);
    w.raw = malloc((size_t)K * sizeof *w.raw);
    /* The whole-document signature only serves dedup: computed on request. */
    int want_doc = fp->p.doc_signature != 0;
    w.docraw = want_doc ? malloc((size_t)K * sizeof *w.docraw) : NULL;
    w.list = malloc((size_t)Kl * 2 * sizeof *w.list);
    w.pck = ovl__probe_cache_new(w.KB, fp->p.seed);
    w.pcs = fp->p.keep_signatures ? ovl__probe_cache_new(K, fp->p.seed) : (ovl__probe_cache){0};
    w.bsec = malloc((size_t)fp->p.bands * 2 * sizeof *w.bsec);
    fp->docsig = want_doc ? malloc((size_t)K * sizeof *fp->docsig) : NULL;
    if (!w.craw || !w.csig || !w.raw || !w.list || !w.bsec || (want_doc && (!w.docraw || !fp->docsig)))
        goto nomem;
    ovl__band_secrets(fp->p.seed, fp->p.bands, w.bsec);
    for (unsigned i = 0; want_doc && i < K; i++)
        w.docraw[i] = OVL_MINHASH_EMPTY;
    /* Windows start every stride tokens, so this is about the chunk count of long
     * paragraphs; growing by doubling instead copied the arrays ~log2(chunks) times. */
    if (chunks_reserve(fp, &cap, ntokens / fp->p.chunk_stride + 16))
        goto nomem;

    /* Paragraph units: a paragraph of at least half a window stands alone, so text repeated
     * as a whole paragraph (a licence line, a copyright notice) gets the same keys in every
     * document and max_df can recognise it; runs of shorter ones (titles, headings, PDF
     * fragments) are merged up to W tokens. */
    uint32_t W = fp->p.chunk_tokens;
    uint32_t alone = W / 2 > 0 ? W / 2 : 1;
    uint32_t run0 = 0, run1 = 0, prev = 0;
    size_t np = (para_ends && npara) ? npara : 0;
    for (size_t pi = 0; pi <= np; pi++) {
        uint32_t end = pi < np ? para_ends[pi] : (uint32_t)ntokens;
        if (end == prev)
            continue;
        uint32_t start = prev;
        prev = end;
        if (end - start >= alone || (run1 > run0 && end - run0 > W)) {
            if (run1 > run0 && do_unit(fp, &w, &cap, run0, run1))
                goto nomem;
            run0 = run1 = start;
        }
        if (end - start >= alone) {
            if (do_unit(fp, &w, &cap, start, end))
                goto nomem;
            run0 = run1 = end;
        } else {
            run1 = end;
        }
    }
    if (run1 > run0 && do_unit(fp, &w, &cap, run0, run1))
        goto nomem;
    /* A document has many shingles, so few bins are empty: computed probes are cheaper
     * than a cache. */
    if (want_doc)
        ovl__densify(w.docraw, K, K, fp->p.seed, NULL, w.list, fp->docsig);
    *out = fp;
    fp = NULL;
nomem:
    free(w.pre);
    free(w.ncjk);
    free(w.sh);
    free(w.shend);
    free(w.sbin);
    free(w.blk);
    free(w.craw);
    free(w.csig);
    free(w.raw);
    free(w.docraw);
    free(w.list);
    free(w.bsec);
    free(w.pck.tab);
    free(w.pcs.tab);
    if (!fp)
        return OVL_OK;
    ovl_fp_free(fp);
    return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
}

int ovl_fp_from_tokens(ovl_ctx *ctx, const ovl_token *tokens, size_t ntokens,
                       const uint32_t *para_ends, size_t npara, const ovl_fp_opts *opts,
                       ovl_fp **out)
{
    *out = NULL;
    if (!tokens && ntokens)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "no tokens given");
    if (ntokens > UINT32_MAX - 1)
        return ovl__fail(ctx, OVL_ERR_TOOBIG, -1, "%zu tokens exceed the fingerprint limit",
                         ntokens);
    /* Only the hashes and kinds are read: the library's layout of them. */
    ovl__tok *t = malloc((ntokens ? ntokens : 1) * sizeof *t);
    if (!t)
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    for (size_t i = 0; i < ntokens; i++) {
        t[i].hash = tokens[i].hash;
        t[i].char_start = tokens[i].char_start;
        t[i].span = (uint16_t)((tokens[i].kind & 3u) << 14);
        t[i].norm_len = tokens[i].norm_len;
    }
    int rc = fp_from_toks(ctx, t, ntokens, para_ends, npara, opts, out);
    free(t);
    return rc;
}

/* First token whose char_start >= c (tokens are in text order). */
static size_t token_at(const ovl_norm *norm, uint32_t c)
{
    size_t lo = 0, hi = norm->ntokens;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (norm->tokens[mid].char_start < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int ovl_fp_from_doc(ovl_ctx *ctx, const ovl_doc *doc, const ovl_fp_opts *opts, ovl_fp **out)
{
    *out = NULL;
    if (!doc || !doc->norm)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "no document");
    const ovl_norm *norm = doc->norm;
    size_t npara = doc->segs ? doc->segs->npara : 0;
    uint32_t *ends = NULL;
    if (npara) {
        ends = malloc(npara * sizeof *ends);
        if (!ends)
            return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
        for (size_t i = 0; i < npara; i++) {
            size_t e = token_at(norm, doc->segs->paras[i].end);
            ends[i] = (uint32_t)(e > norm->ntokens ? norm->ntokens : e);
            if (i > 0 && ends[i] < ends[i - 1])
                ends[i] = ends[i - 1];
        }
        /* Tokens after the last paragraph (none expected) join it. */
        ends[npara - 1] = (uint32_t)norm->ntokens;
    }
    int rc = fp_from_toks(ctx, norm->tokens, norm->ntokens, ends, npara, opts, out);
    free(ends);
    return rc;
}
