/* gen.c - seeded corpus generator: CSL / generated English prose, planted obfuscated passages, truth. */
#include "gen.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <opencc/opencc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "overlap/common.h"

/* ---------- PRNG: xoshiro256** seeded through splitmix64, one stream per document ---------- */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Streams keep documents independent of each other's random draws, so changing how one
 * document consumes randomness does not reshuffle every later one. */
static void rng_seed(rng *r, uint64_t seed, uint64_t kind, uint64_t index)
{
    uint64_t x = seed ^ (kind * 0xD1B54A32D192ED03ull) ^ (index * 0x8CB92BA72F3D8DD7ull);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static uint64_t rng_below(rng *r, uint64_t n) { return n ? rng_next(r) % n : 0; }
static double rng_unit(rng *r) { return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0); }
static uint64_t rng_range(rng *r, uint64_t lo, uint64_t hi) { return hi <= lo ? lo : lo + rng_below(r, hi - lo + 1); }

/* ---------- code point buffers ---------- */

typedef struct cpbuf {
    uint32_t *v;
    size_t n, cap;
    int oom;
} cpbuf;

static void cb_reserve(cpbuf *b, size_t need)
{
    if (b->oom || need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    uint32_t *v = realloc(b->v, cap * sizeof *v);
    if (!v) {
        b->oom = 1;
        return;
    }
    b->v = v;
    b->cap = cap;
}

static void cb_push(cpbuf *b, uint32_t c)
{
    cb_reserve(b, b->n + 1);
    if (!b->oom)
        b->v[b->n++] = c;
}

static void cb_append(cpbuf *b, const uint32_t *v, size_t n)
{
    cb_reserve(b, b->n + n);
    if (!b->oom && n) {
        memcpy(b->v + b->n, v, n * sizeof *v);
        b->n += n;
    }
}

static void cb_free(cpbuf *b)
{
    free(b->v);
    memset(b, 0, sizeof *b);
}

/* Decodes UTF-8 leniently (bad bytes become U+FFFD): inputs are our own files or the CSL file. */
static void cb_utf8(cpbuf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + len;
    while (p < e) {
        uint32_t c = *p;
        size_t extra = c < 0x80 ? 0 : (c >= 0xC2 && c < 0xE0) ? 1 : (c >= 0xE0 && c < 0xF0) ? 2
                     : (c >= 0xF0 && c < 0xF5) ? 3 : 4;
        if (extra == 4 || (size_t)(e - p) <= extra) {
            cb_push(b, c < 0x80 ? c : 0xFFFD);
            p++;
            continue;
        }
        if (extra)
            c &= 0x3Fu >> extra;
        size_t i = 1;
        for (; i <= extra && (p[i] & 0xC0) == 0x80; i++)
            c = (c << 6) | (p[i] & 0x3Fu);
        if (i <= extra) {
            cb_push(b, 0xFFFD);
            p++;
            continue;
        }
        cb_push(b, c);
        p += extra + 1;
    }
}

static void cb_str(cpbuf *b, const char *s) { cb_utf8(b, s, strlen(s)); }

static size_t utf8_len(uint32_t c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }

/* malloc'd NUL-terminated UTF-8 of v[0..n); *len gets the byte count. */
static char *to_utf8(const uint32_t *v, size_t n, size_t *len)
{
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += utf8_len(v[i]);
    char *s = malloc(bytes + 1);
    if (!s)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ovl_utf8_encode(v[i], s + k);
    s[k] = '\0';
    if (len)
        *len = k;
    return s;
}

static int is_cjk(uint32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0x20000 && c <= 0x2FFFF);
}
static int is_space(uint32_t c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == 0x3000; }
static int is_alpha(uint32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(uint32_t c) { return c >= '0' && c <= '9'; }

/* A sentence ends after one of these; a '.' followed by a digit is a decimal point. */
static int is_term_at(const uint32_t *v, size_t i, size_t n)
{
    uint32_t c = v[i];
    if (c == '.')
        return !(i + 1 < n && is_digit(v[i + 1]));
    return c == '!' || c == '?' || c == ';' || c == 0x3002 || c == 0xFF01 || c == 0xFF1F || c == 0xFF1B ||
           c == 0xFF0E;
}

/* ---------- English vocabulary (written for this generator) ---------- */

static const char *const EN_NOUN[] = {
    "model", "method", "system", "network", "sample", "signal", "pattern", "process", "structure", "factor",
    "result", "analysis", "framework", "approach", "variable", "parameter", "measurement", "observation",
    "experiment", "surface", "material", "particle", "protein", "cell", "tissue", "gene", "population",
    "region", "policy", "market", "price", "cost", "demand", "supply", "income", "student", "teacher",
    "school", "program", "community", "household", "farmer", "soil", "river", "forest", "climate",
    "temperature", "pressure", "velocity", "energy", "density", "frequency", "layer", "boundary", "interface",
    "algorithm", "dataset", "feature", "classifier", "estimate", "error", "bias", "threshold", "sensor",
    "device", "circuit", "voltage", "current", "beam", "column", "joint", "load", "stress", "strain",
    "fracture", "crack", "coating", "alloy", "catalyst", "reaction", "solution", "mixture", "compound",
    "enzyme", "patient", "treatment", "dose", "symptom", "outcome", "trial", "survey", "interview",
    "respondent", "institution", "reform", "strategy", "mechanism", "constraint", "scenario", "trend",
    "index", "ratio", "rate", "level", "degree", "scale", "range", "domain", "window", "kernel", "matrix",
    "vector", "graph", "node", "edge", "path", "query", "record", "document", "corpus", "language", "term",
    "concept", "theory", "hypothesis", "evidence", "indicator", "component", "module", "platform", "service",
    "user", "resource", "capacity", "efficiency", "stability", "accuracy", "robustness", "uncertainty",
    "variation", "distribution", "correlation", "regression", "simulation", "prototype", "design", "sequence",
};
static const char *const EN_VERB[] = {
    "improve", "reduce", "increase", "measure", "estimate", "evaluate", "compare", "analyze", "describe",
    "predict", "detect", "identify", "classify", "constrain", "optimize", "simulate", "represent", "combine",
    "extend", "separate", "transform", "integrate", "examine", "investigate", "confirm", "support", "reveal",
    "indicate", "suggest", "affect", "determine", "enhance", "limit", "explain", "capture", "reflect",
    "generate", "process", "select", "monitor", "calibrate", "validate", "test", "observe", "record",
    "adjust", "balance", "regulate", "stabilize", "promote", "inhibit", "modify", "construct", "deploy",
    "implement", "quantify", "characterize", "approximate", "decompose", "aggregate", "filter", "encode",
    "compress", "retrieve", "rank", "cluster", "segment", "align", "match", "track", "locate", "sample",
};
static const char *const EN_ADJ[] = {
    "significant", "robust", "efficient", "novel", "conventional", "dynamic", "static", "linear", "nonlinear",
    "local", "global", "spatial", "temporal", "statistical", "empirical", "theoretical", "experimental",
    "numerical", "practical", "optimal", "adaptive", "stable", "uniform", "random", "complex", "simple",
    "effective", "reliable", "accurate", "consistent", "moderate", "severe", "mild", "high", "low", "large",
    "small", "rapid", "gradual", "primary", "secondary", "regional", "national", "rural", "urban", "social",
    "economic", "environmental", "clinical", "chemical", "physical", "biological", "mechanical", "thermal",
    "electrical", "structural", "functional", "relative", "absolute", "typical", "critical", "standard",
    "modified", "improved", "proposed", "existing", "previous", "recent", "dominant", "marginal", "partial",
    "total", "mean", "maximum", "minimum", "sparse", "dense", "discrete", "continuous", "hierarchical",
};
static const char *const EN_ADV[] = {
    "significantly", "slightly", "strongly", "consistently", "rapidly", "gradually", "directly", "indirectly",
    "largely", "partly", "mainly", "clearly", "substantially", "effectively", "further", "jointly",
};
static const char *const EN_PREP[] = {"of", "in", "for", "with", "under", "between", "across", "within",
                                      "during", "through", "among", "from", "on", "at", "by"};
static const char *const EN_OPEN[] = {
    "In this study,", "In addition,", "However,", "Moreover,", "As a result,", "In contrast,",
    "To this end,", "Furthermore,", "Therefore,", "In particular,", "On the other hand,", "Finally,",
};
static const char *const EN_SUBJ[] = {"we", "the authors", "this paper", "the present work", "our analysis"};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---------- WordNet synonyms (reword, en) ---------- */

/* One part of speech: its index file as sorted lines, its data file whole. */
typedef struct wnpos {
    char *index, *data;
    size_t dlen;
    char **lines;
    size_t nlines;
} wnpos;

typedef struct wncache {
    char *word, *syn; /* syn NULL: none */
} wncache;

typedef struct wordnet {
    wnpos pos[4];
    wncache *cache;
    size_t ncache, capcache;
} wordnet;

static void wordnet_free(wordnet *w)
{
    if (!w)
        return;
    for (int i = 0; i < 4; i++) {
        free(w->pos[i].index);
        free(w->pos[i].data);
        free(w->pos[i].lines);
    }
    for (size_t i = 0; i < w->ncache; i++) {
        free(w->cache[i].word);
        free(w->cache[i].syn);
    }
    free(w->cache);
    free(w);
}

static char *read_file(const char *path, size_t *len);

/* Loads index.{noun,verb,adj,adv} and data.* of WordNet's dict directory; NULL when missing. */
static wordnet *wordnet_load(void)
{
    static const char *const names[4] = {"noun", "verb", "adj", "adv"};
    const char *dir = getenv("OVL_WORDNET");
    if (!dir || !*dir)
        dir = "/usr/share/wordnet";
    wordnet *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    for (int i = 0; i < 4; i++) {
        char path[4200];
        size_t ilen;
        snprintf(path, sizeof path, "%s/index.%s", dir, names[i]);
        w->pos[i].index = read_file(path, &ilen);
        snprintf(path, sizeof path, "%s/data.%s", dir, names[i]);
        w->pos[i].data = read_file(path, &w->pos[i].dlen);
        if (!w->pos[i].index || !w->pos[i].data) {
            wordnet_free(w);
            return NULL;
        }
        size_t cap = 0;
        for (char *l = w->pos[i].index; l < w->pos[i].index + ilen;) {
            char *e = memchr(l, '\n', (size_t)(w->pos[i].index + ilen - l));
            if (!e)
                break;
            *e = '\0';
            if (l[0] != ' ') { /* the licence header's lines start with spaces */
                if (w->pos[i].nlines == cap) {
                    cap = cap ? 2 * cap : 4096;
                    char **nl = realloc(w->pos[i].lines, cap * sizeof *nl);
                    if (!nl) {
                        wordnet_free(w);
                        return NULL;
                    }
                    w->pos[i].lines = nl;
                }
                w->pos[i].lines[w->pos[i].nlines++] = l;
            }
            l = e + 1;
        }
    }
    return w;
}

/* The lemma of an index line compared with word (the lemma ends at the first space). */
static int wn_cmp(const char *line, const char *word)
{
    size_t n = strcspn(line, " ");
    int c = strncmp(line, word, n);
    if (c)
        return c;
    return word[n] ? -1 : 0;
}

/* A synonym of lower-case word from the first synset (the most frequent sense) of the first
 * part of speech that has one: another lemma of one word, or NULL. Cached. */
static const char *wordnet_synonym(wordnet *w, const char *word)
{
    for (size_t i = 0; i < w->ncache; i++)
        if (strcmp(w->cache[i].word, word) == 0)
            return w->cache[i].syn;
    char *syn = NULL;
    for (int p = 0; p < 4 && !syn; p++) {
        wnpos *wp = &w->pos[p];
        size_t lo = 0, hi = wp->nlines;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (wn_cmp(wp->lines[mid], word) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == wp->nlines || wn_cmp(wp->lines[lo], word) != 0)
            continue;
        /* lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt offset... */
        const char *f = wp->lines[lo];
        char tok[64];
        int field = 0, pcnt = 0, n;
        unsigned long long off = 0;
        while (sscanf(f, "%63s%n", tok, &n) == 1) {
            f += n;
            field++;
            if (field == 4)
                pcnt = atoi(tok);
            if (field == 4 + pcnt + 3) {
                off = strtoull(tok, NULL, 10);
                break;
            }
        }
        if (off == 0 || off >= wp->dlen)
            continue;
        /* offset lex_filenum ss_type w_cnt(hex) word lex_id ... */
        const char *d = wp->data + off;
        char w0[64], w1[64], w2[64], wc[16];
        if (sscanf(d, "%63s %63s %63s %15s%n", w0, w1, w2, wc, &n) != 4)
            continue;
        d += n;
        unsigned cnt = (unsigned)strtoul(wc, NULL, 16);
        for (unsigned k = 0; k < cnt; k++) {
            char lemma[128], lex[16];
            if (sscanf(d, "%127s %15s%n", lemma, lex, &n) != 2)
                break;
            d += n;
            char *paren = strchr(lemma, '(');
            if (paren)
                *paren = '\0';
            for (char *c = lemma; *c; c++)
                *c = (char)tolower((unsigned char)*c);
            if (strcmp(lemma, word) != 0 && !strchr(lemma, '_') && !strchr(lemma, '-') &&
                !strchr(lemma, '.') && strlen(lemma) > 1) {
                syn = strdup(lemma);
                break;
            }
        }
    }
    if (w->ncache == w->capcache) {
        size_t cap = w->capcache ? 2 * w->capcache : 256;
        wncache *nc = realloc(w->cache, cap * sizeof *nc);
        if (!nc) {
            free(syn);
            return NULL;
        }
        w->cache = nc;
        w->capcache = cap;
    }
    char *key = strdup(word);
    if (!key) {
        free(syn);
        return NULL;
    }
    w->cache[w->ncache++] = (wncache){key, syn};
    return syn;
}

/* ---------- generator state ---------- */

#define NBOILER 3

typedef struct gen {
    ovl_gen_opts o; /* defaults resolved */
    int en;
    uint32_t *absv;   /* all kept abstracts, concatenated */
    size_t *abs_off;  /* nabs + 1 offsets into absv */
    size_t nabs;
    size_t *perm;     /* seeded order in which abstracts are handed out */
    size_t next_abs;
    uint32_t *cjk;    /* every CJK char of the abstracts in order: material for synthetic text */
    size_t ncjk;
    opencc_t cc;
    int cc_open;
    opencc_t tw, back; /* reword zh: s2twp.json, t2s.json */
    int tw_open;
    wordnet *wn;       /* reword en */
    cpbuf boiler[NBOILER];
    unsigned default_obf[8];
    char *err;
    size_t errlen;
} gen;

static int gfail(gen *g, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int gfail(gen *g, int code, const char *fmt, ...)
{
    if (g->err && g->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(g->err, g->errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

const char *ovl_gen_csl_path(const ovl_gen_opts *opts, char *buf, size_t cap)
{
    if (opts && opts->csl_path)
        snprintf(buf, cap, "%s", opts->csl_path);
    else if (getenv("OVL_CSL"))
        snprintf(buf, cap, "%s/abstracts.txt", getenv("OVL_CSL"));
    else
        snprintf(buf, cap, "../shared/corpora/csl/abstracts.txt");
    return buf;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf)
        *len = n;
    return buf;
}

static uint64_t hash_cps(const uint32_t *v, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= v[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* Loads the CSL abstracts, dropping near-duplicates (the file holds many abstracts twice,
 * once with the title appended): two lines whose first 30 code points agree are one. */
static int load_csl(gen *g)
{
    char path[4096];
    ovl_gen_csl_path(&g->o, path, sizeof path);
    size_t len = 0;
    char *data = read_file(path, &len);
    if (!data)
        return gfail(g, OVL_ERR_NOTFOUND, "%s: %s", path, strerror(errno ? errno : ENOENT));
    cpbuf all = {0};
    size_t cap_off = 4096, nabs = 0;
    size_t *off = malloc(cap_off * sizeof *off);
    size_t hcap = 16384;
    uint64_t *set = calloc(hcap, sizeof *set);
    int rc = OVL_OK;
    if (!off || !set) {
        rc = gfail(g, OVL_ERR_NOMEM, "out of memory");
        goto done;
    }
    off[0] = 0;
    for (size_t p = 0; p < len;) {
        size_t q = p;
        while (q < len && data[q] != '\n')
            q++;
        size_t e = q;
        if (e > p && data[e - 1] == '\r')
            e--;
        size_t before = all.n;
        cb_utf8(&all, data + p, e - p);
        p = q + 1;
        size_t n = all.n - before;
        if (all.oom)
            break;
        if (n < 60) {
            all.n = before;
            continue;
        }
        uint64_t h = hash_cps(all.v + before, 30) | 1;
        size_t slot = h & (hcap - 1);
        int dup = 0;
        while (set[slot]) {
            if (set[slot] == h) {
                dup = 1;
                break;
            }
            slot = (slot + 1) & (hcap - 1);
        }
        if (dup || nabs + 2 >= hcap / 2) {
            all.n = before;
            continue;
        }
        set[slot] = h;
        if (nabs + 2 > cap_off) {
            size_t *no = realloc(off, cap_off * 2 * sizeof *off);
            if (!no) {
                rc = gfail(g, OVL_ERR_NOMEM, "out of memory");
                goto done;
            }
            off = no;
            cap_off *= 2;
        }
        off[++nabs] = all.n;
    }
    if (all.oom) {
        rc = gfail(g, OVL_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (nabs == 0) {
        rc = gfail(g, OVL_ERR_INVALID, "%s: no abstracts", path);
        goto done;
    }
    g->absv = all.v;
    all.v = NULL;
    g->abs_off = off;
    off = NULL;
    g->nabs = nabs;
    g->perm = malloc(nabs * sizeof *g->perm);
    g->cjk = malloc(g->abs_off[nabs] * sizeof *g->cjk + 1);
    if (!g->perm || !g->cjk) {
        rc = gfail(g, OVL_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < g->abs_off[nabs]; i++)
        if (is_cjk(g->absv[i]))
            g->cjk[g->ncjk++] = g->absv[i];
    rng r;
    rng_seed(&r, g->o.seed, 7, 0);
    for (size_t i = 0; i < nabs; i++)
        g->perm[i] = i;
    for (size_t i = nabs; i > 1; i--) {
        size_t j = (size_t)rng_below(&r, i);
        size_t t = g->perm[i - 1];
        g->perm[i - 1] = g->perm[j];
        g->perm[j] = t;
    }
done:
    free(data);
    free(set);
    free(off);
    cb_free(&all);
    return rc;
}

/* ---------- prose ---------- */

static void en_noun(rng *r, cpbuf *b, int plural)
{
    const char *w = EN_NOUN[rng_below(r, NELEM(EN_NOUN))];
    cb_str(b, w);
    if (!plural)
        return;
    size_t n = strlen(w);
    char last = w[n - 1], prev = n > 1 ? w[n - 2] : 0;
    if (last == 'y' && !strchr("aeiou", prev)) {
        b->n--;
        cb_str(b, "ies");
    } else if (last == 's' || last == 'x' || (last == 'h' && (prev == 'c' || prev == 's'))) {
        cb_str(b, "es");
    } else {
        cb_push(b, 's');
    }
}

static void en_verb(rng *r, cpbuf *b, int past)
{
    const char *w = EN_VERB[rng_below(r, NELEM(EN_VERB))];
    size_t n = strlen(w);
    char last = w[n - 1], prev = n > 1 ? w[n - 2] : 0;
    cb_str(b, w);
    if (last == 'y' && !strchr("aeiou", prev)) {
        b->n--;
        cb_str(b, past ? "ied" : "ies");
    } else if (last == 'e') {
        cb_str(b, past ? "d" : "s");
    } else if (!past && (last == 's' || last == 'x' || (last == 'h' && (prev == 'c' || prev == 's')))) {
        cb_str(b, "es");
    } else {
        cb_str(b, past ? "ed" : "s");
    }
}

static void en_np(rng *r, cpbuf *b)
{
    static const char *const det_one[] = {"the ", "this ", "each ", "the "};
    int plural = rng_below(r, 3) == 0;
    if (plural) {
        if (rng_below(r, 2))
            cb_str(b, "the ");
    } else {
        cb_str(b, det_one[rng_below(r, NELEM(det_one))]);
    }
    int nadj = (int)rng_below(r, 3);
    for (int i = 0; i < nadj; i++) {
        cb_str(b, EN_ADJ[rng_below(r, NELEM(EN_ADJ))]);
        cb_push(b, ' ');
    }
    if (rng_below(r, 4) == 0) {
        en_noun(r, b, 0);
        cb_push(b, ' ');
    }
    en_noun(r, b, plural);
}

static void en_number(rng *r, cpbuf *b)
{
    char tmp[48];
    switch (rng_below(r, 3)) {
    case 0:
        snprintf(tmp, sizeof tmp, " (n = %u)", (unsigned)rng_range(r, 12, 4800));
        break;
    case 1:
        snprintf(tmp, sizeof tmp, " by %u.%u%%", (unsigned)rng_range(r, 1, 95), (unsigned)rng_below(r, 10));
        break;
    default:
        snprintf(tmp, sizeof tmp, " (p < 0.0%u)", (unsigned)rng_range(r, 1, 5));
        break;
    }
    cb_str(b, tmp);
}

static void en_sentence(rng *r, cpbuf *b)
{
    size_t start = b->n;
    if (rng_below(r, 3) == 0) {
        cb_str(b, EN_OPEN[rng_below(r, NELEM(EN_OPEN))]);
        cb_push(b, ' ');
    }
    if (rng_below(r, 3) == 0) {
        cb_str(b, EN_SUBJ[rng_below(r, NELEM(EN_SUBJ))]);
    } else {
        en_np(r, b);
    }
    cb_push(b, ' ');
    if (rng_below(r, 4) == 0) {
        cb_str(b, EN_ADV[rng_below(r, NELEM(EN_ADV))]);
        cb_push(b, ' ');
    }
    en_verb(r, b, (int)rng_below(r, 2));
    cb_push(b, ' ');
    en_np(r, b);
    int npp = (int)rng_below(r, 3);
    for (int i = 0; i < npp; i++) {
        cb_push(b, ' ');
        cb_str(b, EN_PREP[rng_below(r, NELEM(EN_PREP))]);
        cb_push(b, ' ');
        en_np(r, b);
    }
    if (rng_below(r, 5) == 0)
        en_number(r, b);
    if (rng_below(r, 4) == 0) {
        cb_str(b, rng_below(r, 2) ? ", while " : ", and ");
        en_np(r, b);
        cb_push(b, ' ');
        en_verb(r, b, 0);
        cb_push(b, ' ');
        en_np(r, b);
    }
    cb_push(b, '.');
    if (!b->oom && b->n > start && b->v[start] >= 'a' && b->v[start] <= 'z')
        b->v[start] -= 32;
}

/* Synthetic Chinese: runs of 2-4 characters taken at random places of the abstracts, so it
 * reads like the field's vocabulary but no long run repeats another document's text. */
static void zh_chunks(gen *g, rng *r, cpbuf *b, size_t chars)
{
    size_t got = 0;
    while (got < chars) {
        size_t k = (size_t)rng_range(r, 2, 4);
        size_t at = (size_t)rng_below(r, g->ncjk - k);
        cb_append(b, g->cjk + at, k);
        got += k;
    }
}

static void zh_synth_para(gen *g, rng *r, cpbuf *b)
{
    int ns = (int)rng_range(r, 3, 8);
    for (int s = 0; s < ns; s++) {
        int nc = (int)rng_range(r, 1, 3);
        for (int c = 0; c < nc; c++) {
            zh_chunks(g, r, b, (size_t)rng_range(r, 6, 18));
            cb_push(b, c + 1 < nc ? ',' : '.');
        }
    }
}

static void paragraph(gen *g, rng *r, cpbuf *b)
{
    if (g->en) {
        int ns = (int)rng_range(r, 3, 9);
        for (int i = 0; i < ns; i++) {
            if (i)
                cb_push(b, ' ');
            en_sentence(r, b);
        }
    } else if (g->next_abs < g->nabs) {
        size_t a = g->perm[g->next_abs++];
        cb_append(b, g->absv + g->abs_off[a], g->abs_off[a + 1] - g->abs_off[a]);
    } else {
        zh_synth_para(g, r, b);
    }
}

static void title(gen *g, rng *r, cpbuf *b)
{
    if (g->en) {
        cb_str(b, "On ");
        en_np(r, b);
        cb_str(b, " ");
        cb_str(b, EN_PREP[rng_below(r, NELEM(EN_PREP))]);
        cb_push(b, ' ');
        en_np(r, b);
    } else {
        zh_chunks(g, r, b, (size_t)rng_range(r, 8, 16));
    }
}

static void make_boilerplate(gen *g)
{
    rng r;
    rng_seed(&r, g->o.seed, 9, 0);
    char tmp[512];
    unsigned a = (unsigned)rng_range(&r, 10000000, 99999999), c = (unsigned)rng_range(&r, 1000, 9999);
    unsigned y = (unsigned)rng_range(&r, 2008, 2021);
    if (g->en) {
        snprintf(tmp, sizeof tmp,
                 "Funding: this work was supported by the National Science Foundation under grant %u "
                 "and by the Regional Research Council under contract %u.", a, c);
        cb_str(&g->boiler[0], tmp);
        cb_str(&g->boiler[1], "Declaration of interests: the authors declare that they have no known "
                              "competing financial interests or personal relationships that could have "
                              "influenced the work reported in this paper.");
        snprintf(tmp, sizeof tmp,
                 "Copyright %u the authors. Reuse of this article is permitted in any medium provided "
                 "the original work is properly cited and no changes are made.", y);
        cb_str(&g->boiler[2], tmp);
    } else {
        snprintf(tmp, sizeof tmp,
                 "基金项目:国家自然科学基金资助项目(编号%u);省部级重点实验室开放课题(编号%u)资助.", a, c);
        cb_str(&g->boiler[0], tmp);
        cb_str(&g->boiler[1], "作者声明:本文全体作者均声明不存在任何利益冲突,文中数据真实可靠,"
                              "如有需要可向通讯作者合理索取.");
        snprintf(tmp, sizeof tmp,
                 "版权声明:本刊自%u年起已许可学术期刊数据库以数字化方式复制,汇编,发行及在信息网络"
                 "上传播本刊全文,作者稿酬已一次性给付.", y);
        cb_str(&g->boiler[2], tmp);
    }
}

static void resolve_defaults(ovl_gen_opts *o, const ovl_gen_opts *in, int *en)
{
    ovl_gen_opts d = OVL_GEN_OPTS_INIT;
    *o = in ? *in : d;
    *en = o->lang && strcmp(o->lang, "en") == 0;
    if (!o->n_src)
        o->n_src = 10;
    if (!o->n_susp)
        o->n_susp = 10;
    if (!o->cases_min)
        o->cases_min = 1;
    if (!o->cases_max)
        o->cases_max = 4;
    if (o->cases_max < o->cases_min)
        o->cases_max = o->cases_min;
    if (!o->passage_min)
        o->passage_min = *en ? 300 : 150;
    if (!o->passage_max)
        o->passage_max = *en ? 1200 : 600;
    if (o->passage_max < o->passage_min)
        o->passage_max = o->passage_min;
    if (!o->doc_chars_min)
        o->doc_chars_min = *en ? 3000 : 1500;
    if (!o->doc_chars_max)
        o->doc_chars_max = *en ? 10000 : 5000;
    if (o->doc_chars_max < o->doc_chars_min)
        o->doc_chars_max = o->doc_chars_min;
    if (o->negative_rate == 0.0)
        o->negative_rate = 0.2;
    if (o->boilerplate_rate == 0.0)
        o->boilerplate_rate = 0.3;
    if (o->edit_rate <= 0.0)
        o->edit_rate = 0.05;
}

static void gen_free(gen *g)
{
    free(g->absv);
    free(g->abs_off);
    free(g->perm);
    free(g->cjk);
    if (g->cc_open)
        opencc_close(g->cc);
    if (g->tw_open) {
        opencc_close(g->tw);
        opencc_close(g->back);
    }
    wordnet_free(g->wn);
    for (int i = 0; i < NBOILER; i++)
        cb_free(&g->boiler[i]);
}

static int gen_init(gen *g, const ovl_gen_opts *opts, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    g->err = err;
    g->errlen = errlen;
    if (err && errlen)
        err[0] = '\0';
    if (opts && opts->version != OVL_GEN_OPTS_VERSION)
        return gfail(g, OVL_ERR_INVALID, "unsupported ovl_gen_opts version %u", opts->version);
    resolve_defaults(&g->o, opts, &g->en);
    if (g->o.lang && strcmp(g->o.lang, "en") != 0 && strcmp(g->o.lang, "zh") != 0)
        return gfail(g, OVL_ERR_INVALID, "unknown language '%s' (zh or en)", g->o.lang);
    if (!g->o.obf || !g->o.n_obf) {
        size_t n = 0;
        g->default_obf[n++] = OVL_GEN_VERBATIM;
        for (unsigned k = 1; k <= OVL_GEN_ENCODING; k <<= 1)
            if (!(g->en && k == OVL_GEN_TRADITIONAL))
                g->default_obf[n++] = k;
        g->default_obf[n++] = OVL_GEN_MIX;
        g->o.obf = g->default_obf;
        g->o.n_obf = n;
    }
    int rc = g->en ? OVL_OK : load_csl(g);
    if (rc != OVL_OK) {
        gen_free(g);
        return rc;
    }
    make_boilerplate(g);
    for (int i = 0; i < NBOILER; i++)
        if (g->boiler[i].oom) {
            gen_free(g);
            return gfail(g, OVL_ERR_NOMEM, "out of memory");
        }
    return OVL_OK;
}

/* ---------- names of obfuscations ---------- */

static const char *const KIND_NAMES[] = {"rewrap",      "width",    "edit",   "reorder",
                                         "traditional", "encoding", "double", "reword"};
/* "all" and "mixed" draw from the first six (OVL_GEN_ALL_KINDS). */
#define NBASE_KINDS 6u

const char *ovl_gen_kind_name(unsigned kind)
{
    if (kind == 0)
        return "verbatim";
    for (unsigned i = 0; i < NELEM(KIND_NAMES); i++)
        if (kind == (1u << i))
            return KIND_NAMES[i];
    if (kind == OVL_GEN_MIX)
        return "mixed";
    return NULL;
}

size_t ovl_gen_obf_label(unsigned obf, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap)
        buf[0] = '\0';
    if ((obf & OVL_GEN_KNOWN_KINDS) == 0)
        return (size_t)snprintf(buf, cap, "verbatim");
    for (unsigned i = 0; i < NELEM(KIND_NAMES); i++) {
        if (!(obf & (1u << i)))
            continue;
        int w = snprintf(buf + (n < cap ? n : cap), n < cap ? cap - n : 0, "%s%s", n ? "+" : "", KIND_NAMES[i]);
        n += (size_t)w;
    }
    return n;
}

static int parse_kind(const char *s, size_t len, unsigned *out)
{
    if (len == 8 && strncmp(s, "verbatim", 8) == 0) {
        *out = 0;
        return 0;
    }
    if ((len == 5 && strncmp(s, "mixed", 5) == 0) || (len == 3 && strncmp(s, "mix", 3) == 0)) {
        *out = OVL_GEN_MIX;
        return 0;
    }
    for (unsigned i = 0; i < NELEM(KIND_NAMES); i++)
        if (strlen(KIND_NAMES[i]) == len && strncmp(s, KIND_NAMES[i], len) == 0) {
            *out = 1u << i;
            return 0;
        }
    return -1;
}

int ovl_gen_parse_obf(const char *list, unsigned *items, size_t cap)
{
    size_t n = 0;
    const char *p = list;
    while (*p) {
        const char *e = p;
        while (*e && *e != ',')
            e++;
        if (e - p == 3 && strncmp(p, "all", 3) == 0) {
            /* verbatim, each single kind, then mixed */
            for (unsigned k = 0; k <= NBASE_KINDS + 1; k++) {
                if (n >= cap)
                    return -1;
                items[n++] = k == 0 ? 0u : k <= NBASE_KINDS ? 1u << (k - 1) : OVL_GEN_MIX;
            }
        } else {
            unsigned set = 0;
            const char *q = p;
            for (;;) {
                const char *f = q;
                while (f < e && *f != '+')
                    f++;
                unsigned k;
                if (f == q || parse_kind(q, (size_t)(f - q), &k) != 0)
                    return -1;
                if ((k == OVL_GEN_MIX || (set & OVL_GEN_MIX)) && q != p)
                    return -1;
                set |= k;
                if (f == e)
                    break;
                q = f + 1;
            }
            if (n >= cap)
                return -1;
            items[n++] = set;
        }
        p = *e ? e + 1 : e;
    }
    return (int)n;
}

/* ---------- obfuscation ---------- */

static int cc_convert(gen *g, cpbuf *b)
{
    if (!g->cc_open) {
        g->cc = opencc_open("s2t.json");
        if (g->cc == (opencc_t)-1)
            return gfail(g, OVL_ERR_NOTFOUND, "opencc s2t.json: %s", opencc_error());
        g->cc_open = 1;
    }
    size_t len;
    char *s = to_utf8(b->v, b->n, &len);
    if (!s)
        return gfail(g, OVL_ERR_NOMEM, "out of memory");
    char *t = opencc_convert_utf8(g->cc, s, len);
    free(s);
    if (!t)
        return gfail(g, OVL_ERR_INVALID, "opencc: %s", opencc_error());
    b->n = 0;
    cb_str(b, t);
    opencc_convert_utf8_free(t);
    return OVL_OK;
}

static uint32_t width_toggle(uint32_t c)
{
    if (c >= 0x21 && c <= 0x7E && !is_alpha(c))
        return c + 0xFEE0;
    if (c >= 0xFF01 && c <= 0xFF5E && !is_alpha(c - 0xFEE0))
        return c - 0xFEE0;
    return c;
}

typedef struct span {
    size_t a, b;
} span;

/* Sentences of v[0..n) with surrounding whitespace trimmed. */
static size_t sentences(const uint32_t *v, size_t n, span *out, size_t cap)
{
    size_t k = 0, i = 0;
    while (i < n) {
        while (i < n && is_space(v[i]))
            i++;
        if (i >= n)
            break;
        size_t s = i;
        while (i < n && !is_term_at(v, i, n))
            i++;
        if (i < n)
            i++;
        size_t e = i;
        while (e > s && is_space(v[e - 1]))
            e--;
        if (k < cap)
            out[k] = (span){s, e};
        k++;
    }
    return k;
}

static void reorder(gen *g, rng *r, cpbuf *b)
{
    size_t ns = sentences(b->v, b->n, NULL, 0);
    if (ns < 2)
        return;
    span *sp = malloc(ns * sizeof *sp);
    size_t *ord = malloc(ns * sizeof *ord);
    cpbuf out = {0};
    if (!sp || !ord) {
        b->oom = 1;
        goto done;
    }
    sentences(b->v, b->n, sp, ns);
    for (size_t i = 0; i < ns; i++)
        ord[i] = i;
    for (size_t i = ns; i > 1; i--) {
        size_t j = (size_t)rng_below(r, i), t = ord[i - 1];
        ord[i - 1] = ord[j];
        ord[j] = t;
    }
    int identity = 1;
    for (size_t i = 0; i < ns; i++)
        identity &= ord[i] == i;
    if (identity) /* a shuffle that changes nothing would make the label lie */
        for (size_t i = 0; i < ns; i++)
            ord[i] = (i + 1) % ns;
    for (size_t i = 0; i < ns; i++) {
        if (i && g->en)
            cb_push(&out, ' ');
        cb_append(&out, b->v + sp[ord[i]].a, sp[ord[i]].b - sp[ord[i]].a);
    }
    if (out.oom) {
        b->oom = 1;
        goto done;
    }
    free(b->v);
    *b = out;
    out.v = NULL;
done:
    free(sp);
    free(ord);
    cb_free(&out);
}

/* Rewording, English: for each sentence, maybe its first clause moved behind the rest ("In
 * this study, we measured X." -> "We measured X, in this study."), maybe joined to the next with
 * ", and"; then each word of three letters or more, with probability 0.6, replaced by a
 * WordNet synonym of its most frequent sense (when it has one). */
static int reword_en(gen *g, rng *r, cpbuf *b)
{
    if (!g->wn) {
        g->wn = wordnet_load();
        if (!g->wn)
            return gfail(g, OVL_ERR_NOTFOUND, "reword: WordNet not found (OVL_WORDNET or /usr/share/wordnet; "
                                              "Debian package wordnet-base)");
    }
    size_t ns = sentences(b->v, b->n, NULL, 0);
    span *sp = malloc((ns ? ns : 1) * sizeof *sp);
    cpbuf mid = {0}, out = {0};
    if (!sp)
        return gfail(g, OVL_ERR_NOMEM, "out of memory");
    sentences(b->v, b->n, sp, ns);
    int lower_next = 0;
    for (size_t i = 0; i < ns; i++) {
        const uint32_t *v = b->v + sp[i].a;
        size_t n = sp[i].b - sp[i].a, body = n;
        uint32_t term = 0;
        if (n && (v[n - 1] == '.' || v[n - 1] == '!' || v[n - 1] == '?' || v[n - 1] == ';')) {
            term = v[n - 1];
            body = n - 1;
        }
        size_t comma = 0;
        for (size_t k = 2; k + 2 < body && !comma; k++)
            if (v[k] == ',' && v[k + 1] == ' ')
                comma = k;
        /* ", and ..." / ", but ..." is a coordinate clause: it stays second */
        if (comma && comma + 6 < body && ((v[comma + 2] == 'a' && v[comma + 3] == 'n' && v[comma + 4] == 'd' && v[comma + 5] == ' ') ||
                                          (v[comma + 2] == 'b' && v[comma + 3] == 'u' && v[comma + 4] == 't' && v[comma + 5] == ' ')))
            comma = 0;
        size_t start = mid.n;
        if (comma && rng_unit(r) < 0.5) {
            cb_append(&mid, v + comma + 2, body - comma - 2);
            cb_str(&mid, ", ");
            size_t a0 = mid.n;
            cb_append(&mid, v, comma);
            if (mid.n > a0 + 1 && is_alpha(mid.v[a0 + 1]) && mid.v[a0 + 1] >= 'a' && mid.v[a0] >= 'A' && mid.v[a0] <= 'Z')
                mid.v[a0] = mid.v[a0] - 'A' + 'a';
            if (mid.v[start] >= 'a' && mid.v[start] <= 'z')
                mid.v[start] = mid.v[start] - 'a' + 'A';
        } else {
            cb_append(&mid, v, body);
        }
        if (lower_next && mid.n > start + 1 && mid.v[start] >= 'A' && mid.v[start] <= 'Z' && mid.v[start + 1] >= 'a')
            mid.v[start] = mid.v[start] - 'A' + 'a';
        lower_next = 0;
        if (i + 1 < ns && term == '.' && rng_unit(r) < 0.25) {
            cb_str(&mid, ", and ");
            lower_next = 1;
            continue;
        }
        if (term)
            cb_push(&mid, term);
        if (i + 1 < ns)
            cb_push(&mid, ' ');
    }
    free(sp);
    for (size_t i = 0; i < mid.n;) {
        if (!is_alpha(mid.v[i])) {
            cb_push(&out, mid.v[i++]);
            continue;
        }
        size_t e = i;
        char word[64];
        while (e < mid.n && is_alpha(mid.v[e]))
            e++;
        const char *syn = NULL;
        if (e - i >= 3 && e - i < sizeof word && rng_unit(r) < 0.6) {
            for (size_t k = i; k < e; k++)
                word[k - i] = (char)tolower((int)mid.v[k]);
            word[e - i] = '\0';
            syn = wordnet_synonym(g->wn, word);
        }
        if (syn) {
            size_t o = out.n;
            cb_str(&out, syn);
            if (mid.v[i] >= 'A' && mid.v[i] <= 'Z' && out.v[o] >= 'a' && out.v[o] <= 'z')
                out.v[o] = out.v[o] - 'a' + 'A';
        } else {
            cb_append(&out, mid.v + i, e - i);
        }
        i = e;
    }
    cb_free(&mid);
    if (out.oom) {
        cb_free(&out);
        return gfail(g, OVL_ERR_NOMEM, "out of memory");
    }
    free(b->v);
    *b = out;
    return OVL_OK;
}

/* Rewording, Chinese: in each sentence, maybe two neighbouring clauses (around a comma)
 * swapped; function words 的 了 地 也 都 就 each dropped with probability 0.3; a connective
 * (同时 并且 而且 此外) put at the head of a clause with probability 0.2; then near-synonyms:
 * OpenCC's s2twp.json (its TWPhrases table: mainland vocabulary -> Taiwan vocabulary, e.g.
 * 信息 -> 資訊, 软件 -> 軟體, 网络 -> 網路) and back to simplified characters with t2s.json,
 * which leaves the Taiwan words (资讯, 软体, 网路). */
static int reword_zh(gen *g, rng *r, cpbuf *b)
{
    static const uint32_t drop[] = {0x7684, 0x4E86, 0x5730, 0x4E5F, 0x90FD, 0x5C31};
    static const char *const conn[] = {"同时", "并且", "而且", "此外"};
    size_t ns = sentences(b->v, b->n, NULL, 0);
    span *sp = malloc((ns ? ns : 1) * sizeof *sp);
    if (!sp)
        return gfail(g, OVL_ERR_NOMEM, "out of memory");
    sentences(b->v, b->n, sp, ns);
    cpbuf out = {0};
    size_t prev = 0;
    for (size_t i = 0; i < ns; i++) {
        cb_append(&out, b->v + prev, sp[i].a - prev); /* whitespace between sentences */
        prev = sp[i].b;
        const uint32_t *v = b->v + sp[i].a;
        size_t n = sp[i].b - sp[i].a;
        size_t body = n && is_term_at(v, n - 1, n) ? n - 1 : n;
        /* clauses: [cs[c], ce[c]) separated by one comma */
        size_t cs[64], ce[64], nc = 0, c0 = 0;
        for (size_t k = 0; k <= body && nc < 64; k++) {
            if (k == body || v[k] == 0xFF0C || v[k] == ',') {
                cs[nc] = c0;
                ce[nc++] = k;
                c0 = k + 1;
            }
        }
        size_t ord[64];
        for (size_t c = 0; c < nc; c++)
            ord[c] = c;
        if (nc >= 2 && ce[nc - 1] == body && rng_unit(r) < 0.6) {
            size_t c = (size_t)rng_below(r, nc - 1);
            ord[c] = c + 1;
            ord[c + 1] = c;
        }
        if (nc == 0 || ce[nc - 1] != body) { /* too many clauses: left as it is */
            cb_append(&out, v, n);
            continue;
        }
        for (size_t c = 0; c < nc; c++) {
            if (c)
                cb_push(&out, 0xFF0C);
            if (c && rng_unit(r) < 0.2)
                cb_str(&out, conn[rng_below(r, NELEM(conn))]);
            for (size_t k = cs[ord[c]]; k < ce[ord[c]]; k++) {
                int fw = 0;
                for (size_t d = 0; d < NELEM(drop); d++)
                    fw |= v[k] == drop[d];
                if (fw && rng_unit(r) < 0.3)
                    continue;
                cb_push(&out, v[k]);
            }
        }
        if (body < n)
            cb_push(&out, v[body]);
    }
    cb_append(&out, b->v + prev, b->n - prev);
    free(sp);
    if (out.oom) {
        cb_free(&out);
        return gfail(g, OVL_ERR_NOMEM, "out of memory");
    }
    free(b->v);
    *b = out;
    if (!g->tw_open) {
        g->tw = opencc_open("s2twp.json");
        if (g->tw == (opencc_t)-1)
            return gfail(g, OVL_ERR_NOTFOUND, "opencc s2twp.json: %s", opencc_error());
        g->back = opencc_open("t2s.json");
        if (g->back == (opencc_t)-1) {
            opencc_close(g->tw);
            return gfail(g, OVL_ERR_NOTFOUND, "opencc t2s.json: %s", opencc_error());
        }
        g->tw_open = 1;
    }
    size_t len;
    char *s8 = to_utf8(b->v, b->n, &len);
    if (!s8)
        return gfail(g, OVL_ERR_NOMEM, "out of memory");
    char *t = opencc_convert_utf8(g->tw, s8, len);
    free(s8);
    if (!t)
        return gfail(g, OVL_ERR_INVALID, "opencc: %s", opencc_error());
    char *u = opencc_convert_utf8(g->back, t, strlen(t));
    opencc_convert_utf8_free(t);
    if (!u)
        return gfail(g, OVL_ERR_INVALID, "opencc: %s", opencc_error());
    b->n = 0;
    cb_str(b, u);
    opencc_convert_utf8_free(u);
    return b->oom ? gfail(g, OVL_ERR_NOMEM, "out of memory") : OVL_OK;
}

static void random_word(rng *r, cpbuf *b)
{
    switch (rng_below(r, 3)) {
    case 0: cb_str(b, EN_NOUN[rng_below(r, NELEM(EN_NOUN))]); break;
    case 1: cb_str(b, EN_ADJ[rng_below(r, NELEM(EN_ADJ))]); break;
    default: cb_str(b, EN_VERB[rng_below(r, NELEM(EN_VERB))]); break;
    }
}

static void edit(gen *g, rng *r, cpbuf *b)
{
    cpbuf out = {0};
    double rate = g->o.edit_rate;
    size_t i = 0;
    int changed = 0;
    while (i < b->n) {
        uint32_t c = b->v[i];
        if (!g->en) {
            if (is_cjk(c) && rng_unit(r) < rate) {
                changed = 1;
                switch (rng_below(r, 3)) {
                case 0: cb_push(&out, g->cjk[rng_below(r, g->ncjk)]); break; /* substitute */
                case 1: break;                                                /* delete */
                default:                                                      /* insert */
                    cb_push(&out, g->cjk[rng_below(r, g->ncjk)]);
                    cb_push(&out, c);
                }
            } else {
                cb_push(&out, c);
            }
            i++;
            continue;
        }
        if (!is_alpha(c)) {
            cb_push(&out, c);
            i++;
            continue;
        }
        size_t e = i;
        while (e < b->n && is_alpha(b->v[e]))
            e++;
        if (rng_unit(r) < rate) {
            changed = 1;
            switch (rng_below(r, 3)) {
            case 0: /* substitute */
                random_word(r, &out);
                break;
            case 1: /* delete the word and one space after it */
                if (e < b->n && b->v[e] == ' ')
                    e++;
                break;
            default: /* insert a word before it */
                random_word(r, &out);
                cb_push(&out, ' ');
                cb_append(&out, b->v + i, e - i);
            }
        } else {
            cb_append(&out, b->v + i, e - i);
        }
        i = e;
    }
    if (!changed && out.n) {
        /* at a low rate a short passage may come through untouched; force one substitution so
         * the case really is edited */
        for (size_t k = out.n / 2; k < out.n; k++) {
            if (!g->en ? is_cjk(out.v[k]) : is_alpha(out.v[k])) {
                uint32_t nc = g->en ? (out.v[k] == 'x' ? 'z' : 'x') : g->cjk[rng_below(r, g->ncjk)];
                if (!g->en && nc == out.v[k])
                    nc = nc == 0x7684 ? 0x4E86 : 0x7684;
                out.v[k] = nc;
                break;
            }
        }
    }
    if (out.oom) {
        b->oom = 1;
        cb_free(&out);
        return;
    }
    free(b->v);
    *b = out;
}

/* PDF extraction look: hard breaks at a line width, stray spaces. Never adds whitespace at
 * either end, so the passage keeps tight bounds. */
static void rewrap(gen *g, rng *r, cpbuf *b)
{
    cpbuf out = {0};
    size_t width = g->en ? (size_t)rng_range(r, 55, 75) : (size_t)rng_range(r, 30, 40), col = 0;
    for (size_t i = 0; i < b->n; i++) {
        uint32_t c = b->v[i];
        int last = i + 1 == b->n;
        if (g->en) {
            if (c == ' ' && col >= width && !last) {
                cb_push(&out, '\n');
                col = 0;
                width = (size_t)rng_range(r, 55, 75);
                continue;
            }
            cb_push(&out, c);
            col++;
            if (c == ' ' && !last && rng_unit(r) < 0.03)
                cb_push(&out, ' ');
        } else {
            cb_push(&out, c);
            col++;
            if (last)
                break;
            if (col >= width) {
                cb_push(&out, '\n');
                col = 0;
                width = (size_t)rng_range(r, 30, 40);
            } else if (!is_space(c) && rng_unit(r) < 0.03) {
                cb_push(&out, ' ');
            }
        }
    }
    if (out.oom) {
        b->oom = 1;
        cb_free(&out);
        return;
    }
    free(b->v);
    *b = out;
}

static void trim(cpbuf *b)
{
    size_t s = 0, e = b->n;
    while (s < e && is_space(b->v[s]))
        s++;
    while (e > s && is_space(b->v[e - 1]))
        e--;
    if (s)
        memmove(b->v, b->v + s, (e - s) * sizeof *b->v);
    b->n = e - s;
}

static int obfuscate(gen *g, rng *r, cpbuf *b, unsigned obf)
{
    if (obf & OVL_GEN_REWORD) {
        int rc = g->en ? reword_en(g, r, b) : reword_zh(g, r, b);
        if (rc != OVL_OK)
            return rc;
    }
    if (obf & OVL_GEN_REORDER)
        reorder(g, r, b);
    if (obf & OVL_GEN_EDIT)
        edit(g, r, b);
    if (obf & OVL_GEN_TRADITIONAL) {
        int rc = cc_convert(g, b);
        if (rc != OVL_OK)
            return rc;
    }
    if (obf & OVL_GEN_WIDTH)
        for (size_t i = 0; i < b->n; i++)
            b->v[i] = width_toggle(b->v[i]);
    if (obf & OVL_GEN_REWRAP)
        rewrap(g, r, b);
    trim(b);
    return b->oom ? gfail(g, OVL_ERR_NOMEM, "out of memory") : OVL_OK;
}

/* Expands an item of the obfuscation list into the set of kinds for one case. */
static unsigned draw_obf(gen *g, rng *r)
{
    unsigned item = g->o.obf[rng_below(r, g->o.n_obf)];
    if (!(item & OVL_GEN_MIX))
        return item & OVL_GEN_KNOWN_KINDS;
    unsigned pool[8], np = 0;
    for (unsigned k = 1; k <= OVL_GEN_ENCODING; k <<= 1)
        if (!(g->en && k == OVL_GEN_TRADITIONAL))
            pool[np++] = k;
    unsigned want = (unsigned)rng_range(r, 2, 3), set = 0;
    for (unsigned i = 0; i < want && np; i++) {
        unsigned j = (unsigned)rng_below(r, np);
        set |= pool[j];
        pool[j] = pool[--np];
    }
    return set;
}

/* ---------- documents ---------- */

typedef struct srcdoc {
    cpbuf text;
    span *regions; /* body paragraphs: where passages may be taken */
    size_t nreg, capreg;
    int boiler;           /* boilerplate id or -1 */
    size_t boiler_off;
} srcdoc;

static void add_region(srcdoc *d, size_t a, size_t b)
{
    if (d->nreg == d->capreg) {
        size_t cap = d->capreg ? d->capreg * 2 : 16;
        span *nr = realloc(d->regions, cap * sizeof *nr);
        if (!nr) {
            d->text.oom = 1;
            return;
        }
        d->regions = nr;
        d->capreg = cap;
    }
    d->regions[d->nreg++] = (span){a, b};
}

static void srcdoc_free(srcdoc *d)
{
    cb_free(&d->text);
    free(d->regions);
    memset(d, 0, sizeof *d);
}

static void boilerplate_maybe(gen *g, rng *r, cpbuf *t, int *id, size_t *off)
{
    *id = -1;
    if (g->o.boilerplate_rate > 0 && rng_unit(r) < g->o.boilerplate_rate) {
        *id = (int)rng_below(r, NBOILER);
        cb_str(t, "\n\n");
        *off = t->n;
        cb_append(t, g->boiler[*id].v, g->boiler[*id].n);
    }
}

static void make_source(gen *g, rng *r, size_t target, srcdoc *d)
{
    memset(d, 0, sizeof *d);
    title(g, r, &d->text);
    while (d->text.n < target || d->nreg == 0) {
        cb_str(&d->text, "\n\n");
        size_t a = d->text.n;
        paragraph(g, r, &d->text);
        if (d->text.oom)
            return;
        add_region(d, a, d->text.n);
    }
    boilerplate_maybe(g, r, &d->text, &d->boiler, &d->boiler_off);
    cb_push(&d->text, '\n');
}

/* Picks a passage of the source's body: starts at a sentence start, ends at the first
 * sentence end past the drawn length (or the paragraph's end). */
static span pick_passage(gen *g, rng *r, const uint32_t *v, const span *reg, size_t nreg, int two_sent)
{
    size_t pmin = g->o.passage_min, pmax = g->o.passage_max;
    /* candidates: long enough and, for reordering, with two sentences to swap; failing
     * that, any region with two sentences; failing that, the longest region */
    size_t ncand = 0, nmulti = 0, best = 0;
    for (size_t i = 0; i < nreg; i++) {
        int multi = !two_sent || sentences(v + reg[i].a, reg[i].b - reg[i].a, NULL, 0) >= 2;
        if (reg[i].b - reg[i].a >= pmin && multi)
            ncand++;
        nmulti += multi;
        if (reg[i].b - reg[i].a > reg[best].b - reg[best].a)
            best = i;
    }
    span R = reg[best];
    if (ncand || nmulti) {
        size_t pick = (size_t)rng_below(r, ncand ? ncand : nmulti);
        for (size_t i = 0; i < nreg; i++) {
            int multi = !two_sent || sentences(v + reg[i].a, reg[i].b - reg[i].a, NULL, 0) >= 2;
            if (multi && (!ncand || reg[i].b - reg[i].a >= pmin) && pick-- == 0) {
                R = reg[i];
                break;
            }
        }
    }
    size_t rl = R.b - R.a;
    size_t ns = sentences(v + R.a, rl, NULL, 0);
    span *sp = malloc((ns ? ns : 1) * sizeof *sp);
    if (!sp || ns == 0) {
        free(sp);
        return R;
    }
    sentences(v + R.a, rl, sp, ns);
    size_t L = (size_t)rng_range(r, pmin, pmax);
    size_t need = pmin < rl ? pmin : rl;
    size_t nstart = 0;
    for (size_t i = 0; i < ns; i++)
        if (rl - sp[i].a >= need)
            nstart = i + 1;
    size_t si = nstart ? (size_t)rng_below(r, nstart) : 0;
    if (two_sent && si + 1 >= ns && si > 0)
        si--;
    size_t ei = si;
    while (ei + 1 < ns && sp[ei].b - sp[si].a < L)
        ei++;
    if (two_sent && ei == si && ei + 1 < ns)
        ei++;
    span out = {R.a + sp[si].a, R.a + sp[ei].b};
    free(sp);
    return out;
}

typedef struct plant {
    cpbuf text;     /* obfuscated passage */
    unsigned obf;
    size_t src;     /* source document index */
    span src_span;
    size_t slot;    /* inserted after filler paragraph slot-1 (0 = before the first) */
    int append;     /* glued to that paragraph instead of a paragraph of its own */
    size_t off;     /* code point offset in the suspicious document */
} plant;

static int cmp_slot(const void *x, const void *y)
{
    const plant *a = x, *b = y;
    if (a->slot != b->slot)
        return a->slot < b->slot ? -1 : 1;
    if (a->append != b->append)
        return a->append ? -1 : 1;
    return a->src < b->src ? -1 : a->src > b->src ? 1 : 0;
}

/* Builds a suspicious document around plants (k of them; their slot/append are drawn here,
 * the array is sorted by position and each off filled in). */
static void make_susp(gen *g, rng *r, size_t target, plant *pl, size_t k, cpbuf *doc, int *bid, size_t *boff)
{
    cpbuf paras = {0};
    span *ps = NULL;
    size_t np = 0, cap = 0;
    size_t got = 0;
    while (got < target || np == 0) {
        size_t a = paras.n;
        paragraph(g, r, &paras);
        if (paras.oom)
            break;
        if (np == cap) {
            cap = cap ? cap * 2 : 16;
            span *n2 = realloc(ps, cap * sizeof *ps);
            if (!n2) {
                doc->oom = 1;
                free(ps);
                cb_free(&paras);
                return;
            }
            ps = n2;
        }
        ps[np++] = (span){a, paras.n};
        got += paras.n - a;
    }
    for (size_t i = 0; i < k; i++) {
        pl[i].slot = (size_t)rng_below(r, np + 1);
        pl[i].append = pl[i].slot > 0 && rng_below(r, 2) == 0;
    }
    qsort(pl, k, sizeof *pl, cmp_slot);
    title(g, r, doc);
    size_t c = 0;
    for (size_t s = 0; s <= np; s++) {
        if (s > 0) {
            cb_str(doc, "\n\n");
            cb_append(doc, paras.v + ps[s - 1].a, ps[s - 1].b - ps[s - 1].a);
        }
        for (; c < k && pl[c].slot == s; c++) {
            if (pl[c].append) {
                if (g->en)
                    cb_push(doc, ' ');
            } else {
                cb_str(doc, "\n\n");
            }
            pl[c].off = doc->n;
            cb_append(doc, pl[c].text.v, pl[c].text.n);
        }
    }
    boilerplate_maybe(g, r, doc, bid, boff);
    cb_push(doc, '\n');
    if (paras.oom)
        doc->oom = 1;
    free(ps);
    cb_free(&paras);
}

/* English text is ASCII, where GB18030 is byte-identical to UTF-8: it gets UTF-16LE. */
static const char *pick_encoding(gen *g, rng *r)
{
    return g->en || rng_below(r, 2) ? "UTF-16LE" : "GB18030";
}

/* Encodes UTF-8 s into enc ("GB18030" or "UTF-16LE", the latter with a BOM). */
static int encode(gen *g, const char *s, size_t len, const char *enc, char **out, size_t *outlen)
{
    int bom = strcmp(enc, "UTF-16LE") == 0;
    iconv_t cd = iconv_open(enc, "UTF-8");
    if (cd == (iconv_t)-1)
        return gfail(g, OVL_ERR_ENCODING, "iconv %s: %s", enc, strerror(errno));
    size_t cap = len * 2 + 8;
    char *buf = malloc(cap);
    if (!buf) {
        iconv_close(cd);
        return gfail(g, OVL_ERR_NOMEM, "out of memory");
    }
    size_t n = 0;
    if (bom) {
        buf[0] = (char)0xFF;
        buf[1] = (char)0xFE;
        n = 2;
    }
    char *in = (char *)s, *o = buf + n;
    size_t inleft = len, oleft = cap - n;
    if (iconv(cd, &in, &inleft, &o, &oleft) == (size_t)-1) {
        int e = errno;
        iconv_close(cd);
        free(buf);
        return gfail(g, OVL_ERR_ENCODING, "iconv to %s failed: %s", enc, strerror(e));
    }
    iconv(cd, NULL, NULL, &o, &oleft);
    iconv_close(cd);
    *out = buf;
    *outlen = (size_t)(o - buf);
    return OVL_OK;
}

static int write_bytes(gen *g, const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return gfail(g, OVL_ERR_IO, "%s: %s", path, strerror(errno));
    size_t w = fwrite(data, 1, len, f);
    int bad = w != len;
    if (fclose(f) != 0)
        bad = 1;
    if (bad)
        return gfail(g, OVL_ERR_IO, "%s: write failed", path);
    return OVL_OK;
}

/* Writes doc as UTF-8 or in enc; adds the byte count to *total. */
static int write_doc(gen *g, const char *path, const cpbuf *doc, const char *enc, uint64_t *total)
{
    size_t len;
    char *s = to_utf8(doc->v, doc->n, &len);
    if (!s)
        return gfail(g, OVL_ERR_NOMEM, "out of memory");
    int rc;
    if (enc) {
        char *e = NULL;
        size_t elen = 0;
        rc = encode(g, s, len, enc, &e, &elen);
        if (rc == OVL_OK) {
            rc = write_bytes(g, path, e, elen);
            *total += elen;
        }
        free(e);
    } else {
        rc = write_bytes(g, path, s, len);
        *total += len;
    }
    free(s);
    return rc;
}

static int mkdir_p(gen *g, const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
            return gfail(g, OVL_ERR_IO, "%s: %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
        return gfail(g, OVL_ERR_IO, "%s: %s", tmp, strerror(errno));
    return OVL_OK;
}

static int load_source(gen *g, const char *dir, size_t idx, cpbuf *out)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/src/%05zu.txt", dir, idx);
    size_t len;
    char *s = read_file(path, &len);
    if (!s)
        return gfail(g, OVL_ERR_IO, "%s: cannot read back", path);
    out->n = 0;
    cb_utf8(out, s, len);
    free(s);
    return out->oom ? gfail(g, OVL_ERR_NOMEM, "out of memory") : OVL_OK;
}

int ovl_gen_corpus(const ovl_gen_opts *opts, const char *outdir, ovl_gen_stats *stats, char *err,
                   size_t errlen)
{
    gen g;
    int rc = gen_init(&g, opts, err, errlen);
    if (rc != OVL_OK)
        return rc;
    ovl_gen_stats st;
    memset(&st, 0, sizeof st);
    FILE *truth = NULL, *bp = NULL;
    span *regs = NULL;
    size_t *reg_off = NULL;
    cpbuf srctext = {0};
    plant *pl = NULL;
    size_t loaded = (size_t)-1;
    char path[4200];

    if (g.o.bytes) {
        /* average code points of a pair of documents, times bytes per code point */
        double cps = (g.o.doc_chars_min + g.o.doc_chars_max) / 2.0 * 2 +
                     (g.o.cases_min + g.o.cases_max) / 2.0 * (g.o.passage_min + g.o.passage_max) / 2.0;
        double bpc = g.en ? 1.0 : 2.8;
        size_t n = (size_t)((double)g.o.bytes / (cps * bpc));
        g.o.n_src = g.o.n_susp = n ? n : 1;
    }
    if ((rc = mkdir_p(&g, outdir)) != OVL_OK)
        goto done;
    snprintf(path, sizeof path, "%s/src", outdir);
    if ((rc = mkdir_p(&g, path)) != OVL_OK)
        goto done;
    snprintf(path, sizeof path, "%s/susp", outdir);
    if ((rc = mkdir_p(&g, path)) != OVL_OK)
        goto done;
    snprintf(path, sizeof path, "%s/truth.tsv", outdir);
    truth = fopen(path, "w");
    if (!truth) {
        rc = gfail(&g, OVL_ERR_IO, "%s: %s", path, strerror(errno));
        goto done;
    }
    fprintf(truth, "# susp_path\tsusp_char_offset\tsusp_char_length\tsrc_path\tsrc_char_offset\t"
                   "src_char_length\tobfuscation\n");
    snprintf(path, sizeof path, "%s/boilerplate.tsv", outdir);
    bp = fopen(path, "w");
    if (!bp) {
        rc = gfail(&g, OVL_ERR_IO, "%s: %s", path, strerror(errno));
        goto done;
    }
    fprintf(bp, "# path\tchar_offset\tchar_length\tboilerplate_id\n");

    /* sources: written out, their body paragraphs kept for choosing passages later */
    size_t nregs = 0, capregs = 0;
    reg_off = malloc((g.o.n_src + 1) * sizeof *reg_off);
    if (!reg_off) {
        rc = gfail(&g, OVL_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < g.o.n_src; i++) {
        rng r;
        rng_seed(&r, g.o.seed, 1, i);
        srcdoc d;
        make_source(&g, &r, (size_t)rng_range(&r, g.o.doc_chars_min, g.o.doc_chars_max), &d);
        if (d.text.oom) {
            srcdoc_free(&d);
            rc = gfail(&g, OVL_ERR_NOMEM, "out of memory");
            goto done;
        }
        reg_off[i] = nregs;
        if (nregs + d.nreg > capregs) {
            size_t cap = capregs ? capregs : 256;
            while (cap < nregs + d.nreg)
                cap *= 2;
            span *nr = realloc(regs, cap * sizeof *nr);
            if (!nr) {
                srcdoc_free(&d);
                rc = gfail(&g, OVL_ERR_NOMEM, "out of memory");
                goto done;
            }
            regs = nr;
            capregs = cap;
        }
        memcpy(regs + nregs, d.regions, d.nreg * sizeof *regs);
        nregs += d.nreg;
        snprintf(path, sizeof path, "%s/src/%05zu.txt", outdir, i);
        rc = write_doc(&g, path, &d.text, NULL, &st.bytes);
        if (rc == OVL_OK && d.boiler >= 0) {
            fprintf(bp, "src/%05zu.txt\t%zu\t%zu\t%d\n", i, d.boiler_off, g.boiler[d.boiler].n, d.boiler);
            st.n_boilerplate++;
        }
        srcdoc_free(&d);
        if (rc != OVL_OK)
            goto done;
    }
    reg_off[g.o.n_src] = nregs;
    st.n_src = g.o.n_src;

    int has_enc = 0;
    for (size_t i = 0; i < g.o.n_obf; i++)
        has_enc |= (g.o.obf[i] & (OVL_GEN_ENCODING | OVL_GEN_MIX)) != 0;
    pl = calloc(2 * (size_t)g.o.cases_max, sizeof *pl); /* a double case plants two */
    if (!pl) {
        rc = gfail(&g, OVL_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < g.o.n_susp; j++) {
        rng r;
        rng_seed(&r, g.o.seed, 2, j);
        size_t target = (size_t)rng_range(&r, g.o.doc_chars_min, g.o.doc_chars_max);
        int negative = g.o.negative_rate > 0 && rng_unit(&r) < g.o.negative_rate;
        size_t ncase = negative ? 0 : (size_t)rng_range(&r, g.o.cases_min, g.o.cases_max), k = 0;
        unsigned docobf = 0;
        for (size_t c = 0; c < ncase; c++) {
            plant *p = &pl[k++];
            p->text.n = 0;
            /* Encoding is a property of the file: the first case decides it, later cases
             * redraw an encoding item so encoded files stay about as rare as the item. */
            p->obf = draw_obf(&g, &r);
            for (int t = 0; c > 0 && !(docobf & OVL_GEN_ENCODING) && (p->obf & OVL_GEN_ENCODING) && t < 8; t++)
                p->obf = draw_obf(&g, &r);
            if (c > 0 && !(docobf & OVL_GEN_ENCODING))
                p->obf &= ~OVL_GEN_ENCODING;
            p->src = (size_t)rng_below(&r, g.o.n_src);
            if (p->src != loaded) {
                if ((rc = load_source(&g, outdir, p->src, &srctext)) != OVL_OK)
                    goto done;
                loaded = p->src;
            }
            p->src_span = pick_passage(&g, &r, srctext.v, regs + reg_off[p->src], reg_off[p->src + 1] - reg_off[p->src],
                                       (p->obf & (OVL_GEN_REORDER | OVL_GEN_DOUBLE)) != 0);
            cb_append(&p->text, srctext.v + p->src_span.a, p->src_span.b - p->src_span.a);
            if ((rc = obfuscate(&g, &r, &p->text, p->obf)) != OVL_OK)
                goto done;
            docobf |= p->obf;
            if (p->obf & OVL_GEN_DOUBLE) {
                /* The same source stretch again, shuffled and edited on top of the case's
                 * other kinds: a second case with the same label. */
                plant *q = &pl[k++];
                q->text.n = 0;
                q->obf = p->obf;
                q->src = p->src;
                q->src_span = p->src_span;
                cb_append(&q->text, srctext.v + q->src_span.a, q->src_span.b - q->src_span.a);
                if ((rc = obfuscate(&g, &r, &q->text, q->obf | OVL_GEN_REORDER | OVL_GEN_EDIT)) != OVL_OK)
                    goto done;
            }
        }
        /* a whole file is encoded, so every case in it carries the encoding label */
        int enc = (docobf & OVL_GEN_ENCODING) || (negative && has_enc && rng_below(&r, g.o.n_obf) == 0);
        const char *encname = enc ? pick_encoding(&g, &r) : NULL;
        for (size_t c = 0; c < k; c++)
            if (enc)
                pl[c].obf |= OVL_GEN_ENCODING;
        cpbuf doc = {0};
        int bid;
        size_t boff = 0;
        make_susp(&g, &r, target, pl, k, &doc, &bid, &boff);
        if (doc.oom) {
            cb_free(&doc);
            rc = gfail(&g, OVL_ERR_NOMEM, "out of memory");
            goto done;
        }
        snprintf(path, sizeof path, "%s/susp/%05zu.txt", outdir, j);
        rc = write_doc(&g, path, &doc, encname, &st.bytes);
        cb_free(&doc);
        if (rc != OVL_OK)
            goto done;
        for (size_t c = 0; c < k; c++) {
            char label[128];
            ovl_gen_obf_label(pl[c].obf, label, sizeof label);
            fprintf(truth, "susp/%05zu.txt\t%zu\t%zu\tsrc/%05zu.txt\t%zu\t%zu\t%s\n", j, pl[c].off,
                    pl[c].text.n, pl[c].src, pl[c].src_span.a, pl[c].src_span.b - pl[c].src_span.a, label);
        }
        if (bid >= 0) {
            fprintf(bp, "susp/%05zu.txt\t%zu\t%zu\t%d\n", j, boff, g.boiler[bid].n, bid);
            st.n_boilerplate++;
        }
        st.n_cases += k;
        st.n_negative += negative;
        st.n_susp++;
    }
done:
    if (truth && fclose(truth) != 0 && rc == OVL_OK)
        rc = gfail(&g, OVL_ERR_IO, "truth.tsv: write failed");
    if (bp && fclose(bp) != 0 && rc == OVL_OK)
        rc = gfail(&g, OVL_ERR_IO, "boilerplate.tsv: write failed");
    if (pl)
        for (size_t c = 0; c < 2 * (size_t)g.o.cases_max; c++)
            cb_free(&pl[c].text);
    free(pl);
    free(regs);
    free(reg_off);
    cb_free(&srctext);
    gen_free(&g);
    if (stats)
        *stats = st;
    return rc;
}

/* ---------- in-memory pair ---------- */

void ovl_gen_pair_free(ovl_gen_pair *pair)
{
    if (!pair)
        return;
    free(pair->src);
    free(pair->susp);
    memset(pair, 0, sizeof *pair);
}

static uint64_t utf8_bytes(const uint32_t *v, size_t n)
{
    uint64_t b = 0;
    for (size_t i = 0; i < n; i++)
        b += utf8_len(v[i]);
    return b;
}

/* Byte length of v[0..n) in enc (with the BOM for UTF-16LE). */
static int enc_bytes(gen *g, const uint32_t *v, size_t n, const char *enc, uint64_t *out)
{
    if (!enc) {
        *out = utf8_bytes(v, n);
        return OVL_OK;
    }
    size_t len, elen;
    char *s = to_utf8(v, n, &len), *e = NULL;
    if (!s)
        return gfail(g, OVL_ERR_NOMEM, "out of memory");
    int rc = encode(g, s, len, enc, &e, &elen);
    free(s);
    free(e);
    if (rc == OVL_OK)
        *out = elen;
    return rc;
}

int ovl_gen_pair_make(const ovl_gen_opts *opts, unsigned obf, ovl_gen_pair *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    gen g;
    int rc = gen_init(&g, opts, err, errlen);
    if (rc != OVL_OK)
        return rc;
    if (obf & ~OVL_GEN_ALL_KINDS) {
        gen_free(&g);
        return gfail(&g, OVL_ERR_INVALID, "obfuscation 0x%x is not a set of kinds", obf);
    }
    rng r;
    rng_seed(&r, g.o.seed, 3, obf);
    srcdoc d;
    plant p;
    memset(&p, 0, sizeof p);
    cpbuf susp = {0};
    int bid;
    size_t boff;
    make_source(&g, &r, g.o.doc_chars_min, &d);
    if (d.text.oom) {
        rc = gfail(&g, OVL_ERR_NOMEM, "out of memory");
        goto done;
    }
    p.src_span = pick_passage(&g, &r, d.text.v, d.regions, d.nreg, (obf & OVL_GEN_REORDER) != 0);
    p.obf = obf;
    cb_append(&p.text, d.text.v + p.src_span.a, p.src_span.b - p.src_span.a);
    if ((rc = obfuscate(&g, &r, &p.text, obf)) != OVL_OK)
        goto done;
    make_susp(&g, &r, g.o.doc_chars_min, &p, 1, &susp, &bid, &boff);
    if (susp.oom) {
        rc = gfail(&g, OVL_ERR_NOMEM, "out of memory");
        goto done;
    }
    const char *enc = (obf & OVL_GEN_ENCODING) ? pick_encoding(&g, &r) : NULL;
    out->src = to_utf8(d.text.v, d.text.n, &out->src_len);
    if (!out->src) {
        rc = gfail(&g, OVL_ERR_NOMEM, "out of memory");
        goto done;
    }
    size_t ulen;
    char *s = to_utf8(susp.v, susp.n, &ulen);
    if (!s) {
        rc = gfail(&g, OVL_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (enc) {
        rc = encode(&g, s, ulen, enc, &out->susp, &out->susp_len);
        free(s);
        if (rc != OVL_OK)
            goto done;
    } else {
        out->susp = s;
        out->susp_len = ulen;
    }
    out->susp_encoding = enc ? enc : "UTF-8";
    out->obf = obf;
    out->src_char_start = p.src_span.a;
    out->src_char_end = p.src_span.b;
    out->susp_char_start = p.off;
    out->susp_char_end = p.off + p.text.n;
    out->src_byte_start = utf8_bytes(d.text.v, p.src_span.a);
    out->src_byte_end = out->src_byte_start + utf8_bytes(d.text.v + p.src_span.a, p.src_span.b - p.src_span.a);
    if ((rc = enc_bytes(&g, susp.v, p.off, enc, &out->susp_byte_start)) != OVL_OK ||
        (rc = enc_bytes(&g, susp.v, p.off + p.text.n, enc, &out->susp_byte_end)) != OVL_OK)
        goto done;
done:
    if (rc != OVL_OK)
        ovl_gen_pair_free(out);
    srcdoc_free(&d);
    cb_free(&p.text);
    cb_free(&susp);
    gen_free(&g);
    return rc;
}

char *ovl_gen_prose(const ovl_gen_opts *opts, size_t min_chars, char *err, size_t errlen)
{
    gen g;
    if (gen_init(&g, opts, err, errlen) != OVL_OK)
        return NULL;
    rng r;
    rng_seed(&r, g.o.seed, 4, 0);
    cpbuf b = {0};
    while (b.n < min_chars || b.n == 0) {
        if (b.n)
            cb_str(&b, "\n\n");
        paragraph(&g, &r, &b);
        if (b.oom)
            break;
    }
    char *s = b.oom ? NULL : to_utf8(b.v, b.n, NULL);
    if (!s)
        gfail(&g, OVL_ERR_NOMEM, "out of memory");
    cb_free(&b);
    gen_free(&g);
    return s;
}
