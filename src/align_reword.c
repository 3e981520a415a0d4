/* align_reword.c - the reworded-reuse mode: pairs of sentences alike in their idf-weighted terms, grouped into passages. */
#include "align_int.h"
#include "internal.h"

#include <math.h>
#include <stdint.h>

/* A term in more sentences than this (both documents) seeds no pair: the pairs are found
 * through an inverted index of the rarer terms only, so the work per sentence is bounded
 * (never all sentence pairs), and a common word alone cannot make two sentences alike. */
#define RW_MAX_DF 24
/* Rare terms two sentences must share before their cosine is computed. */
#define RW_MIN_SHARED 2
/* Cosine of two sentences' vectors for a seed pair, and the length-weighted cosine a
 * passage needs (its score). Word text, then CJK text: a reworded CJK sentence shares fewer
 * of its (many more) terms. Chosen on the eval corpora (bench/README.md): the lowest
 * figures that add no passage between the documents without reuse there. */
static const double rw_seed_cos[2] = {0.35, 0.2};
static const double rw_min_score[2] = {0.4, 0.25};
/* Seed pairs a passage needs: one sentence pair alone is too often a chance likeness. */
#define RW_MIN_SEEDS 2
/* Token similarity (in-order runs) a CJK passage needs: abstracts of one genre
 * (目的…方法…结果…) share most of their characters in any order; a reworded CJK passage
 * keeps more of its source's runs in order. Word text: no floor (reordered clauses). */
static const double rw_min_sim[2] = {0.0, 0.15};
/* Sentences apart (in either document) that one passage still bridges. */
#define RW_GAP 2
/* Most one side of a seed pair or passage may be longer than the other, in tokens. */
#define RW_LEN_RATIO 2
/* Longer stretches without a sentence end are cut into pieces of this many tokens. */
#define RW_SENT_MAX 120

typedef struct rsent {
    uint32_t t0, t1;   /* tokens, relative to the range start */
    uint32_t v0, v1;   /* its vector in the vec array */
    double norm;
    int free;          /* no passage of exact matches covers it */
} rsent;

typedef struct rfeat {
    uint64_t h;
    uint32_t s; /* sentence: a's first, then b's */
} rfeat;

typedef struct rvec {
    uint32_t term;
    float w;
} rvec;

typedef struct rseed {
    uint32_t sa, sb;
    double cos;
} rseed;

static uint64_t rw_mix(uint64_t z)
{
    z ^= z >> 31;
    z *= 0x9e3779b97f4a7c15ULL;
    z ^= z >> 29;
    z *= 0xbf58476d1ce4e5b9ULL;
    return z ^ (z >> 32);
}

/* A word's term: its first RW_STEM letters once a plural or third-person s is dropped, a
 * crude stemmer that lets herring/herrings and silver/silvery count as one term (rewording
 * often changes the inflection along with the order). */
#define RW_STEM 5
static uint64_t rw_stem(const ovl_doc *d, size_t ti)
{
    const ovl_norm *nm = d->norm;
    size_t s = ovl__tok_norm_start(nm, ti), len = nm->tokens[ti].norm_len;
    if (len > 3 && ovl__norm_char(nm, s + len - 1) == 's')
        len--;
    if (len > RW_STEM)
        len = RW_STEM;
    uint64_t h = 0x51ed27;
    for (size_t i = 0; i < len; i++)
        h = rw_mix(h + ovl__norm_char(nm, s + i));
    return h;
}

/* Sentences of tokens [t0,t1) of doc (token ranges relative to t0), in text order; tokens
 * outside every sentence range join the sentence before them. */
static int rw_sentences(const ovl_doc *doc, size_t t0, size_t t1, rsent **out, size_t *nout)
{
    const ovl__tok *tk = doc->norm->tokens;
    const ovl_range *sr = doc->segs->sents;
    size_t ns = doc->segs->nsent, p = 0, cap = 0, n = 0;
    rsent *v = NULL;
    size_t cur = (size_t)-1, start = t0;
    for (size_t i = t0; i <= t1; i++) {
        size_t id = (size_t)-2;
        if (i < t1) {
            while (p < ns && sr[p].end <= tk[i].char_start)
                p++;
            id = p;
        }
        if (i > t0 && (id != cur || i - start >= RW_SENT_MAX || i == t1)) {
            if (ovl__grow(&v, &cap, n + 1, sizeof *v)) {
                free(v);
                return -1;
            }
            v[n++] = (rsent){(uint32_t)(start - t0), (uint32_t)(i - t0), 0, 0, 0.0, 1};
            start = i;
        }
        cur = id;
    }
    *out = v;
    *nout = n;
    return 0;
}

static int cmp_feat(const void *x, const void *y)
{
    const rfeat *p = x, *q = y;
    if (p->h != q->h)
        return p->h < q->h ? -1 : 1;
    return p->s < q->s ? -1 : (p->s > q->s);
}

static int cmp_seed_cos(const void *x, const void *y)
{
    const rseed *p = x, *q = y;
    if (p->cos != q->cos)
        return p->cos > q->cos ? -1 : 1;
    if (p->sa != q->sa)
        return p->sa < q->sa ? -1 : 1;
    return p->sb < q->sb ? -1 : (p->sb > q->sb);
}

static int cmp_seed_a(const void *x, const void *y)
{
    const rseed *p = x, *q = y;
    if (p->sa != q->sa)
        return p->sa < q->sa ? -1 : 1;
    return p->sb < q->sb ? -1 : (p->sb > q->sb);
}

static double rw_cos(const rvec *x, size_t nx, const rvec *y, size_t ny, double norm)
{
    double dot = 0.0;
    size_t i = 0, j = 0;
    while (i < nx && j < ny) {
        if (x[i].term == y[j].term)
            dot += (double)x[i++].w * y[j++].w;
        else if (x[i].term < y[j].term)
            i++;
        else
            j++;
    }
    return norm > 0.0 ? dot / norm : 0.0;
}

/* Marks sentences with half their tokens or more inside passages of one side. */
static void rw_mark_covered(rsent *s, size_t ns, const ovl_passage *ps, size_t np, int side,
                            size_t t0, uint8_t *cov, size_t ntok)
{
    memset(cov, 0, ntok);
    for (size_t i = 0; i < np; i++) {
        const ovl_span *sp = side ? &ps[i].b : &ps[i].a;
        for (size_t t = sp->tok_start; t < sp->tok_end; t++)
            if (t >= t0 && t - t0 < ntok)
                cov[t - t0] = 1;
    }
    for (size_t i = 0; i < ns; i++) {
        size_t c = 0;
        for (uint32_t t = s[i].t0; t < s[i].t1; t++)
            c += cov[t];
        s[i].free = 2 * c < (size_t)(s[i].t1 - s[i].t0);
    }
}

/* 1 when tokens [t0,t1) are mostly CJK characters (CJK thresholds), 0 for words. */
static int rw_cjk(const ovl__tok *tk, size_t t0, size_t t1)
{
    size_t c = 0, w = 0;
    for (size_t t = t0; t < t1; t++) {
        c += ovl__tok_kind(&tk[t]) == OVL_TOK_CJK;
        w += ovl__tok_kind(&tk[t]) == OVL_TOK_WORD;
    }
    return c > w;
}

/* Whether the passage's tokens of one side are long enough (as an exact passage must be). */
static int rw_long_enough(const ovl__tok *tk, size_t t0, size_t t1, const ovl_align_opts *o)
{
    size_t c = 0, w = 0;
    for (size_t t = t0; t < t1; t++) {
        c += ovl__tok_kind(&tk[t]) == OVL_TOK_CJK;
        w += ovl__tok_kind(&tk[t]) == OVL_TOK_WORD;
    }
    return (double)c / o->min_cjk + (double)w / o->min_words >= 1.0;
}

/* Similarity and matched characters of a passage, from its token diff. */
static int rw_similarity(ovl_ctx *ctx, const ovl_doc *a, size_t x0, size_t x1, const ovl_doc *b,
                         size_t y0, size_t y1, ovl_passage *p)
{
    ovl_edit *ed = NULL;
    size_t ne = 0;
    if (ovl_diff(ctx, a, x0, x1, b, y0, y1, &ed, &ne) != OVL_OK)
        return -1;
    size_t dist = 0, del = 0, ins = 0;
    uint64_t mchars = 0;
    const ovl__tok *ta = a->norm->tokens;
    for (size_t e = 0; e <= ne; e++) {
        if (e == ne || ed[e].op == OVL_EDIT_EQUAL) {
            dist += del > ins ? del : ins; /* a substitution counts once */
            del = ins = 0;
            if (e == ne)
                break;
            for (uint32_t t = ed[e].a_start; t < ed[e].a_end; t++)
                mchars += ta[t].norm_len;
        } else if (ed[e].op == OVL_EDIT_DELETE) {
            del += ed[e].a_end - ed[e].a_start;
        } else {
            ins += ed[e].b_end - ed[e].b_start;
        }
    }
    free(ed);
    size_t longer = x1 - x0 > y1 - y0 ? x1 - x0 : y1 - y0;
    p->similarity = longer && dist < longer ? 1.0 - (double)dist / (double)longer : 0.0;
    p->matched_chars = mchars;
    return 0;
}

/* Tokens between a reworded passage and a passage of exact matches of the same reuse
 * (words, CJK characters) for the two to be one passage. */
#define RW_JOIN_WORDS 12
#define RW_JOIN_CJK 30

static int cmp_tok_end(const void *x, const void *y)
{
    const ovl_passage *p = *(ovl_passage *const *)x, *q = *(ovl_passage *const *)y;
    return p->a.tok_end < q->a.tok_end ? -1 : (p->a.tok_end > q->a.tok_end);
}

static uint32_t rw_dist(uint32_t s0, uint32_t e0, uint32_t s1, uint32_t e1)
{
    return e0 <= s1 ? s1 - e0 : e1 <= s0 ? s0 - e1 : 0;
}

/* A reworded passage right next to a passage of exact matches on both sides (a reuse whose
 * first sentences were copied and the rest reworded) joins it: one reuse, one passage. The
 * exact passages are ps[0,np0), the reworded ones follow; joined ones are removed. */
static int rw_join(ovl_ctx *ctx, const ovl_doc *a, const ovl_doc *b, ovl_passage *ps, size_t np0,
                   size_t *np, size_t gap)
{
    if (np0 == 0 || *np == np0)
        return 0;
    ovl_passage **ix = malloc(sizeof *ix * np0);
    if (!ix)
        return -1;
    for (size_t i = 0; i < np0; i++)
        ix[i] = &ps[i];
    qsort(ix, np0, sizeof *ix, cmp_tok_end);
    size_t w = np0;
    for (size_t r = np0; r < *np; r++) {
        ovl_passage *p = &ps[r], *hit = NULL;
        /* Exact passages ending from gap tokens before p's start on: a few at most are near. */
        size_t lo = 0, hi = np0;
        uint32_t from = p->a.tok_start > gap ? p->a.tok_start - (uint32_t)gap : 0;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (ix[mid]->a.tok_end < from)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t k = lo; k < np0 && !hit && k < lo + 64; k++) {
            ovl_passage *q = ix[k];
            if (rw_dist(q->a.tok_start, q->a.tok_end, p->a.tok_start, p->a.tok_end) <= gap &&
                rw_dist(q->b.tok_start, q->b.tok_end, p->b.tok_start, p->b.tok_end) <= gap)
                hit = q;
        }
        if (!hit) {
            ps[w++] = *p;
            continue;
        }
        double la = (double)(hit->a.tok_end - hit->a.tok_start);
        double lb = (double)(p->a.tok_end - p->a.tok_start);
        double score = (hit->score * la + p->score * lb) / (la + lb);
        uint32_t x0 = hit->a.tok_start < p->a.tok_start ? hit->a.tok_start : p->a.tok_start;
        uint32_t x1 = hit->a.tok_end > p->a.tok_end ? hit->a.tok_end : p->a.tok_end;
        uint32_t y0 = hit->b.tok_start < p->b.tok_start ? hit->b.tok_start : p->b.tok_start;
        uint32_t y1 = hit->b.tok_end > p->b.tok_end ? hit->b.tok_end : p->b.tok_end;
        ovl_span_from_tokens(a, x0, x1, &hit->a);
        ovl_span_from_tokens(b, y0, y1, &hit->b);
        if (rw_similarity(ctx, a, x0, x1, b, y0, y1, hit)) {
            free(ix);
            return -1;
        }
        hit->score = score;
        hit->reworded = 1;
    }
    *np = w;
    free(ix);
    return 0;
}

int ovl__align_reworded(ovl_ctx *ctx, const ovl_doc *a, size_t a0, size_t a1, const ovl_doc *b,
                        size_t b0, size_t b1, const ovl_align_opts *opts, ovl_passage **ps,
                        size_t *np, size_t *pcap)
{
    rsent *sa = NULL, *sb = NULL, *all = NULL;
    size_t na = 0, nb = 0;
    rfeat *f = NULL;
    rvec *vec = NULL;
    uint32_t *tterm0 = NULL, *tdf = NULL, *stamp = NULL, *cnt = NULL, *touched = NULL, *fill = NULL;
    uint8_t *cov = NULL, *used = NULL;
    rseed *seeds = NULL;
    size_t nf = 0, fcap = 0, nseed = 0, scap = 0;
    int rc = -1;
    size_t n = a1 - a0, m = b1 - b0, np0 = *np;
    size_t lang_gap = rw_cjk(a->norm->tokens, a0, a1) ? RW_JOIN_CJK : RW_JOIN_WORDS;
    if (rw_sentences(a, a0, a1, &sa, &na) || rw_sentences(b, b0, b1, &sb, &nb))
        goto done;
    if (na == 0 || nb == 0) {
        rc = 0;
        goto done;
    }
    cov = malloc((n > m ? n : m) + 1);
    if (!cov)
        goto done;
    rw_mark_covered(sa, na, *ps, *np, 0, a0, cov, n);
    rw_mark_covered(sb, nb, *ps, *np, 1, b0, cov, m);

    /* Terms: words, and bigrams of CJK characters (a CJK token is one character). */
    size_t ns = na + nb, nfree = 0;
    for (size_t s = 0; s < ns; s++) {
        const rsent *x = s < na ? &sa[s] : &sb[s - na];
        const ovl__tok *tk = s < na ? a->norm->tokens + a0 : b->norm->tokens + b0;
        if (!x->free)
            continue;
        nfree++;
        for (uint32_t t = x->t0; t < x->t1; t++) {
            uint64_t h;
            if (ovl__tok_kind(&tk[t]) == OVL_TOK_CJK) {
                /* The character itself too: a reworded CJK sentence keeps few bigrams (most
                 * words are replaced or split) but many of its rarer characters. */
                if (ovl__grow(&f, &fcap, nf + 1, sizeof *f))
                    goto done;
                f[nf++] = (rfeat){tk[t].hash, (uint32_t)s};
                if (t + 1 >= x->t1 || ovl__tok_kind(&tk[t + 1]) != OVL_TOK_CJK)
                    continue;
                h = rw_mix(tk[t].hash * 31 + tk[t + 1].hash);
            } else if (ovl__tok_kind(&tk[t]) == OVL_TOK_WORD) {
                h = rw_stem(s < na ? a : b, (s < na ? a0 : b0) + t);
            } else {
                h = tk[t].hash;
            }
            if (ovl__grow(&f, &fcap, nf + 1, sizeof *f))
                goto done;
            f[nf++] = (rfeat){h, (uint32_t)s};
        }
    }
    if (nf == 0) {
        rc = 0;
        goto done;
    }
    qsort(f, nf, sizeof *f, cmp_feat);

    /* Terms in order; per term its first entry in f and its document frequency (sentences). */
    size_t nterm = 0;
    for (size_t i = 0; i < nf; i++)
        nterm += i == 0 || f[i].h != f[i - 1].h;
    tterm0 = malloc(sizeof *tterm0 * (nterm + 1));
    tdf = malloc(sizeof *tdf * (nterm + 1));
    all = malloc(sizeof *all * ns);
    fill = calloc(ns + 1, sizeof *fill);
    if (!tterm0 || !tdf || !all || !fill)
        goto done;
    memcpy(all, sa, sizeof *sa * na);
    memcpy(all + na, sb, sizeof *sb * nb);
    /* Vector entries per sentence: one per distinct term. */
    size_t nvec = 0;
    for (size_t i = 0, t = (size_t)-1; i < nf; i++) {
        if (i == 0 || f[i].h != f[i - 1].h) {
            t++;
            tterm0[t] = (uint32_t)i;
            tdf[t] = 0;
        }
        if (i == 0 || f[i].h != f[i - 1].h || f[i].s != f[i - 1].s) {
            tdf[t]++;
            fill[f[i].s + 1]++;
            nvec++;
        }
    }
    tterm0[nterm] = (uint32_t)nf;
    for (size_t s = 0; s < ns; s++)
        fill[s + 1] += fill[s];
    vec = malloc(sizeof *vec * (nvec + 1));
    if (!vec)
        goto done;
    for (size_t s = 0; s < ns; s++) {
        all[s].v0 = all[s].v1 = fill[s];
    }
    /* Weight: term frequency in the sentence times log(sentences / sentences with it), the
     * sentences being the uncovered ones of both documents: the pair's own vocabulary. */
    for (size_t t = 0; t < nterm; t++) {
        double idf = log((double)(nfree + 1) / (double)tdf[t]);
        for (size_t i = tterm0[t]; i < tterm0[t + 1];) {
            size_t j = i;
            while (j < tterm0[t + 1] && f[j].s == f[i].s)
                j++;
            rsent *x = &all[f[i].s];
            vec[x->v1++] = (rvec){(uint32_t)t, (float)((double)(j - i) * idf)};
            i = j;
        }
    }
    for (size_t s = 0; s < ns; s++) {
        double q = 0.0;
        for (uint32_t v = all[s].v0; v < all[s].v1; v++)
            q += (double)vec[v].w * vec[v].w;
        all[s].norm = sqrt(q);
    }

    int lang = 0;

    /* Candidate pairs through the rare terms; cosine over the whole vectors. */
    stamp = calloc(nb, sizeof *stamp);
    cnt = calloc(nb, sizeof *cnt);
    touched = malloc(sizeof *touched * nb);
    if (!stamp || !cnt || !touched)
        goto done;
    for (size_t s = 0; s < na; s++) {
        const rsent *x = &all[s];
        size_t nt = 0;
        lang = rw_cjk(a->norm->tokens + a0, x->t0, x->t1);
        for (uint32_t v = x->v0; v < x->v1; v++) {
            uint32_t t = vec[v].term;
            if (tdf[t] > RW_MAX_DF || vec[v].w <= 0.0f)
                continue;
            for (uint32_t i = tterm0[t]; i < tterm0[t + 1]; i++) {
                if (f[i].s < na || (i > tterm0[t] && f[i].s == f[i - 1].s))
                    continue;
                uint32_t y = f[i].s - (uint32_t)na;
                if (stamp[y] != s + 1) {
                    stamp[y] = (uint32_t)s + 1;
                    cnt[y] = 0;
                    touched[nt++] = y;
                }
                cnt[y]++;
            }
        }
        for (size_t k = 0; k < nt; k++) {
            uint32_t y = touched[k];
            if (cnt[y] < RW_MIN_SHARED)
                continue;
            const rsent *z = &all[na + y];
            double c = rw_cos(vec + x->v0, x->v1 - x->v0, vec + z->v0, z->v1 - z->v0,
                              x->norm * z->norm);
            /* Alike vocabulary in sentences of very different lengths is a topic shared, not
             * a sentence reworded (a title against a paragraph on it); a sentence split in
             * two is still within the bound. */
            uint32_t lx = x->t1 - x->t0, lz = z->t1 - z->t0;
            if (c < rw_seed_cos[lang] || lx > RW_LEN_RATIO * lz || lz > RW_LEN_RATIO * lx)
                continue;
            if (ovl__grow(&seeds, &scap, nseed + 1, sizeof *seeds))
                goto done;
            seeds[nseed++] = (rseed){(uint32_t)s, y, c};
        }
    }

    if (nseed == 0) {
        rc = 0;
        goto done;
    }
    /* One partner per sentence, the most alike first. */
    qsort(seeds, nseed, sizeof *seeds, cmp_seed_cos);
    used = calloc(ns, 1);
    if (!used && ns)
        goto done;
    size_t nk = 0;
    for (size_t i = 0; i < nseed; i++) {
        if (used[seeds[i].sa] || used[na + seeds[i].sb])
            continue;
        used[seeds[i].sa] = used[na + seeds[i].sb] = 1;
        seeds[nk++] = seeds[i];
    }
    nseed = nk;
    qsort(seeds, nseed, sizeof *seeds, cmp_seed_a);

    /* Extension: seeds a few sentences apart in both documents, with only uncovered
     * sentences between them, make one passage; its sentences in B may come in any order. */
    const ovl__tok *ta = a->norm->tokens + a0, *tb = b->norm->tokens + b0;
    for (size_t i = 0; i < nseed;) {
        uint32_t alo = seeds[i].sa, ahi = seeds[i].sa, blo = seeds[i].sb, bhi = seeds[i].sb;
        double wsum = 0.0, lsum = 0.0;
        size_t j = i;
        for (; j < nseed; j++) {
            const rseed *q = &seeds[j];
            if (j > i) {
                if (q->sa > ahi + RW_GAP || q->sb + RW_GAP < blo || q->sb > bhi + RW_GAP)
                    break;
                int ok = 1;
                uint32_t nlo = q->sb < blo ? q->sb : blo, nhi = q->sb > bhi ? q->sb : bhi;
                for (uint32_t s = ahi + 1; ok && s < q->sa; s++)
                    ok = all[s].free;
                for (uint32_t s = nlo; ok && s <= nhi; s++)
                    ok = all[na + s].free;
                if (!ok)
                    break;
                ahi = q->sa;
                blo = nlo;
                bhi = nhi;
            }
            double len = (double)(sa[q->sa].t1 - sa[q->sa].t0);
            wsum += q->cos * len;
            lsum += len;
        }
        double score = lsum > 0.0 ? wsum / lsum : 0.0;
        size_t x0 = sa[alo].t0, x1 = sa[ahi].t1, y0 = sb[blo].t0, y1 = sb[bhi].t1;
        lang = rw_cjk(ta, x0, x1);
        int keep = score >= rw_min_score[lang] && j - i >= RW_MIN_SEEDS &&
                   x1 - x0 <= RW_LEN_RATIO * (y1 - y0) && y1 - y0 <= RW_LEN_RATIO * (x1 - x0) &&
                   rw_long_enough(ta, x0, x1, opts) && rw_long_enough(tb, y0, y1, opts);
        i = j;
        if (!keep)
            continue;
        if (ovl__grow(ps, pcap, *np + 1, sizeof **ps))
            goto done;
        ovl_passage *p = &(*ps)[*np];
        memset(p, 0, sizeof *p);
        ovl_span_from_tokens(a, a0 + x0, a0 + x1, &p->a);
        ovl_span_from_tokens(b, b0 + y0, b0 + y1, &p->b);
        if (rw_similarity(ctx, a, a0 + x0, a0 + x1, b, b0 + y0, b0 + y1, p))
            goto done;
        if (p->similarity < rw_min_sim[lang])
            continue;
        p->score = score > 1.0 ? 1.0 : score;
        p->reworded = 1;
        (*np)++;
    }
    if (rw_join(ctx, a, b, *ps, np0, np, lang_gap))
        goto done;
    rc = 0;
done:
    free(sa);
    free(sb);
    free(all);
    free(f);
    free(vec);
    free(tterm0);
    free(tdf);
    free(fill);
    free(stamp);
    free(cnt);
    free(touched);
    free(cov);
    free(used);
    free(seeds);
    return rc;
}
