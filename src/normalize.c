/* normalize.c - folds decoded text into matching tokens (CJK characters, words, symbols), one pass. */
#include "internal.h"
#include "charclass.h"

/* Inlined: tokens are a few bytes long, where a call per hash would cost more than the hash. */
#define XXH_INLINE_ALL
#include <xxhash.h>

extern const uint32_t ovl__normtab[2][65536];
extern const uint32_t ovl__normpool[];
extern const uint8_t ovl__latin_letter[2][256];
extern const size_t ovl__t2s_supp_n;
extern const uint32_t ovl__t2s_supp[][2];

/* Normalization table lookup (generated at build time into normtab.c). */
#define OVL_NT_DROP 0u   /* does not count for matching */
#define OVL_NT_CJK 1u
#define OVL_NT_WORD 2u
#define OVL_NT_SYMBOL 3u
/* Character class of an already-folded code point. */
unsigned ovl__char_class(uint32_t folded_cp);

static uint32_t t2s_supp(uint32_t c)
{
    size_t at = ovl__pairs_first_at(ovl__t2s_supp, ovl__t2s_supp_n, c);
    return at < ovl__t2s_supp_n && ovl__t2s_supp[at][0] == c ? ovl__t2s_supp[at][1] : c;
}

/* Beyond the BMP (rare: historic ideographs, mathematical letters, emoji) utf8proc folds at
 * run time; the BMP comes from the generated table. */
static size_t fold_slow(uint32_t cp, int trad, uint32_t *out, size_t cap)
{
    uint32_t tmp[32];
    size_t n = ovl__fold_nfkc(cp, tmp, 32), k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = tmp[i];
        if (c < 0x10000) {
            uint32_t o[32];
            size_t m = ovl_fold_char(c, trad, o, 32);
            for (size_t j = 0; j < m && k < cap; j++)
                out[k++] = o[j];
            continue;
        }
        if (trad)
            c = t2s_supp(c);
        if (ovl__classify_cp(c) && k < cap)
            out[k++] = c;
    }
    return k;
}

size_t ovl_fold_char(uint32_t cp, int fold_traditional, uint32_t *out, size_t cap)
{
    if (cp >= 0x10000)
        return cp <= 0x10FFFF ? fold_slow(cp, fold_traditional != 0, out, cap) : 0;
    uint32_t e = ovl__normtab[fold_traditional != 0][cp];
    if (e == 0)
        return 0;
    if (!(e & 0x80000000u)) {
        if (cap)
            out[0] = e & 0x1FFFFFu;
        return 1;
    }
    size_t n = (e >> 20) & 0xFF, off = e & 0xFFFFF;
    for (size_t i = 0; i < n && i < cap; i++)
        out[i] = ovl__normpool[off + i];
    return n;
}

unsigned ovl__char_class(uint32_t c)
{
    if (c < 0x10000) {
        uint32_t e = ovl__normtab[0][c];
        if (e && !(e & 0x80000000u) && (e & 0x1FFFFFu) == c)
            return (e >> 24) & 3u;
    }
    return ovl__classify_cp(c);
}

typedef struct nbuild {
    ovl_norm *n;
    size_t tcap, ccap, lcap;
    int in_word;       /* a word token is open */
    size_t word_ns;    /* its first folded code point */
    uint32_t word_cs, word_ce; /* its character range so far */
    uint32_t *word;    /* its folded code points, 32 bits each as the token hash reads them */
    size_t wcap;
} nbuild;

/* Room for need folded code points; -1 when out of memory. */
static int chars_room(nbuild *b, size_t need)
{
    if (need <= b->ccap)
        return 0;
    size_t nc = b->ccap * 2 > need ? b->ccap * 2 : need;
    if (ovl__cps_resize(&b->n->chars, b->n->nchars, nc) != 0)
        return -1;
    b->ccap = nc;
    return 0;
}

/* Appends a token of characters [cs, ce) and kind (its norm_len folded code points were
 * just appended); -1 when out of memory. A span of OVL__TOK_LONG characters or more is
 * listed in longs. */
static inline int put_token(nbuild *b, uint32_t cs, uint32_t ce, unsigned norm_len, unsigned kind,
                            uint64_t hash)
{
    ovl_norm *n = b->n;
    /* Room is reserved for the densest text: the calls are for the rare rest. */
    if (n->ntokens >= b->tcap && ovl__grow(&n->tokens, &b->tcap, n->ntokens + 1, sizeof *n->tokens) != 0)
        return -1;
    uint32_t span = ce - cs;
    if (span >= OVL__TOK_LONG) {
        if (ovl__grow(&n->longs, &b->lcap, n->nlong + 1, sizeof *n->longs) != 0)
            return -1;
        n->longs[n->nlong][0] = (uint32_t)n->ntokens;
        n->longs[n->nlong][1] = ce;
        n->nlong++;
        span = OVL__TOK_LONG;
    }
    ovl__tok *t = &n->tokens[n->ntokens++];
    t->hash = hash;
    t->char_start = cs;
    t->span = (uint16_t)(span | kind << 14);
    t->norm_len = (uint16_t)norm_len;
    return 0;
}

/* A token of the folded code points [ns, nchars), whose values hash to hash (XXH3 of their
 * 32-bit values). */
static int emit_token(nbuild *b, uint32_t cs, uint32_t ce, size_t ns, unsigned kind, uint64_t hash)
{
    return put_token(b, cs, ce, (unsigned)(b->n->nchars - ns), kind, hash);
}

/* Closes the open word token, if any. */
static int word_end(nbuild *b)
{
    if (!b->in_word)
        return 0;
    b->in_word = 0;
    return emit_token(b, b->word_cs, b->word_ce, b->word_ns, OVL_TOK_WORD,
                      XXH3_64bits(b->word, (b->n->nchars - b->word_ns) * sizeof *b->word));
}

/* Appends folded letter or digit fc, from character i, to the open word (opening one);
 * the caller has reserved room in chars. Words longer than a token can say are cut. */
static inline int word_add(nbuild *b, uint32_t fc, size_t i)
{
    ovl_norm *n = b->n;
    if (b->in_word && n->nchars - b->word_ns >= 0xFFFF && word_end(b) != 0)
        return -1;
    if (!b->in_word) {
        b->in_word = 1;
        b->word_ns = n->nchars;
        b->word_cs = (uint32_t)i;
    }
    size_t w = n->nchars - b->word_ns;
    if ((w >= b->wcap && ovl__grow(&b->word, &b->wcap, w + 1, sizeof *b->word) != 0) ||
        ovl__cps_put(&n->chars, n->nchars, fc, b->ccap) != 0)
        return -1;
    b->word[w] = fc;
    n->nchars++;
    b->word_ce = (uint32_t)i + 1;
    return 0;
}

/* Most text: Latin-1 letters, digits and the spaces and punctuation between words, while the
 * text and the folded characters are both one byte wide. Taken from *at in a loop with the
 * arrays in locals (byte stores through the builder's pointers would reload its fields after
 * each one); letter is ovl__latin_letter, tab the fold table (an entry of 0: dropped). Stops
 * at the first character the general path must see (a symbol, a letter folding to several or
 * to one beyond Latin-1, a hyphen, an exception mark, a full array) and leaves its index in
 * *at. -1 when out of memory. */
static int latin_run(nbuild *b, const uint8_t *src, size_t len, size_t *at, const uint8_t *letter,
                     const uint32_t *tab)
{
    ovl_norm *n = b->n;
    uint8_t *dst = n->chars.v;
    uint32_t *word = b->word;
    int in_word = b->in_word;
    size_t i = *at, k = n->nchars, w = in_word ? k - b->word_ns : 0, ccap = b->ccap;
    size_t wlim = b->wcap < 0xFFFF ? b->wcap : 0xFFFF, ce = 0; /* ce: end of the last letter taken */
    for (; i < len; i++) {
        uint8_t c = src[i], f = letter[c];
        if (f) {
            if (k >= ccap || w >= wlim)
                break;
            if (!in_word) {
                in_word = 1;
                b->word_ns = k;
                b->word_cs = (uint32_t)i;
                w = 0;
            }
            dst[k++] = f;
            word[w++] = f;
            ce = i + 1;
            continue;
        }
        if (tab[c] != 0 || c == '-' || c == 0xADu)
            break;
        if (in_word) {
            n->nchars = k;
            b->in_word = 1;
            if (ce)
                b->word_ce = (uint32_t)ce;
            ce = 0;
            in_word = 0;
            w = 0;
            if (word_end(b) != 0) {
                *at = i;
                return -1;
            }
        }
    }
    b->in_word = in_word;
    if (ce)
        b->word_ce = (uint32_t)ce;
    n->nchars = k;
    *at = i;
    return 0;
}

/* Most Chinese text: CJK characters that fold to one below U+FFFF, and the dropped
 * characters between them (line breaks, spaces), while no word is open and the text and the
 * folded characters are both two bytes wide; one token per character, in a loop with the
 * arrays in locals. Returns the index of the first character the general path must see. */
static size_t cjk_run(nbuild *b, const uint16_t *src, size_t len, size_t i, const uint32_t *tab)
{
    ovl_norm *n = b->n;
    uint16_t *dst = n->chars.v;
    ovl__tok *tok = n->tokens;
    size_t k = n->nchars, nt = n->ntokens, kmax = b->ccap, tmax = b->tcap;
    for (; i < len && k < kmax && nt < tmax; i++) {
        uint32_t c = src[i];
        if (c == 0xFFFFu)
            break; /* the array's exception mark */
        uint32_t e = tab[c];
        if (e == 0)
            continue;
        uint32_t fc = e & 0x1FFFFFu;
        if ((e & 0x80000000u) || ((e >> 24) & 3u) != OVL_NT_CJK || fc >= 0xFFFFu)
            break;
        dst[k++] = (uint16_t)fc;
        ovl__tok *t = &tok[nt++];
        t->char_start = (uint32_t)i;
        t->span = (uint16_t)(1u | OVL_TOK_CJK << 14);
        t->norm_len = 1;
        t->hash = XXH3_64bits(&fc, sizeof fc);
    }
    n->nchars = k;
    n->ntokens = nt;
    return i;
}

/* Is chars[i] a hyphen ending a line, followed (after the break and indentation) by a
 * lower-case letter? Then the word goes on across the break: "develop-\nment". Returns
 * the index of the letter, or 0. */
static size_t hyphen_join(const ovl_text *t, size_t n, size_t i)
{
#define C(k) ovl__text_char(t, k)
    if (C(i) != '-' && C(i) != 0x00AD && C(i) != 0x2010)
        return 0;
    size_t j = i + 1;
    while (j < n && (C(j) == ' ' || C(j) == '\t'))
        j++;
    if (j >= n || (C(j) != '\n' && C(j) != '\r'))
        return 0;
    if (C(j) == '\r' && j + 1 < n && C(j + 1) == '\n')
        j++;
    j++;
    while (j < n && (C(j) == ' ' || C(j) == '\t' || C(j) == 0x3000))
        j++;
    if (j < n && C(j) >= 'a' && C(j) <= 'z')
        return j;
    return 0;
#undef C
}

int ovl_normalize(ovl_ctx *ctx, const ovl_text *text, const ovl_norm_opts *opts, ovl_norm **out)
{
    static const ovl_norm_opts defaults = OVL_NORM_OPTS_INIT;
    if (!text || !out)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_normalize: NULL argument");
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (opts->version != OVL_NORM_OPTS_VERSION)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_normalize: unknown options version %u", opts->version);
    int trad = opts->fold_traditional != 0;
    const uint32_t *tab = ovl__normtab[trad];

    nbuild b = {0};
    b.n = calloc(1, sizeof *b.n);
    if (!b.n)
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    ovl_norm *n = b.n;
    /* Text is mostly one token per one or a few characters: reserve once. */
    b.tcap = text->n / 2 + 16;
    b.ccap = text->n + 16;
    n->tokens = malloc(b.tcap * sizeof *n->tokens);
    if (!n->tokens || ovl__cps_init(&n->chars, b.ccap) != 0)
        goto nomem;

    size_t len = text->n;
    const uint8_t *letter = ovl__latin_letter[trad];
    for (size_t i = 0; i < len; i++) {
        if (text->chars.width == 1 && n->chars.width == 1) {
            if (latin_run(&b, text->chars.v, len, &i, letter, tab) != 0)
                goto nomem;
            if (i >= len)
                break;
        } else if (text->chars.width == 2 && n->chars.width == 2 && !b.in_word) {
            if ((i = cjk_run(&b, text->chars.v, len, i, tab)) >= len)
                break;
        }
        uint32_t cp = ovl__text_char(text, i);
        uint32_t f[32];
        size_t nf;
        uint32_t e = cp < 0x10000 ? tab[cp] : 0x80000000u;
        if (cp < 0x10000 && !(e & 0x80000000u)) {
            /* The common case: one code point in, at most one out, room already reserved. */
            uint32_t fc = e & 0x1FFFFFu;
            unsigned cls = (e >> 24) & 3u;
            if (e == 0) {
                size_t j;
                if (b.in_word && (j = hyphen_join(text, len, i)) != 0)
                    i = j - 1;
                else if (word_end(&b) != 0)
                    goto nomem;
                continue;
            }
            if (cls == OVL_NT_WORD && n->nchars < b.ccap) {
                if (word_add(&b, fc, i) != 0)
                    goto nomem;
                continue;
            }
            if (cls == OVL_NT_CJK && !b.in_word && n->nchars < b.ccap && n->ntokens < b.tcap) {
                ovl__tok *t = &n->tokens[n->ntokens++];
                t->char_start = (uint32_t)i;
                t->span = (uint16_t)(1u | OVL_TOK_CJK << 14);
                t->norm_len = 1;
                if (ovl__cps_put(&n->chars, n->nchars, fc, b.ccap) != 0)
                    goto nomem;
                n->nchars++;
                t->hash = XXH3_64bits(&fc, sizeof fc);
                continue;
            }
            f[0] = fc;
            nf = 1;
        } else {
            nf = ovl_fold_char(cp, trad, f, 32);
        }
        if (chars_room(&b, n->nchars + nf) != 0)
            goto nomem;
        if (nf == 0 && word_end(&b) != 0)
            goto nomem;
        for (size_t k = 0; k < nf; k++) {
            uint32_t fc = f[k];
            unsigned cls = ovl__char_class(fc);
            if (cls == OVL_NT_WORD) {
                if (word_add(&b, fc, i) != 0)
                    goto nomem;
                continue;
            }
            if (word_end(&b) != 0)
                goto nomem;
            if (cls == OVL_NT_DROP)
                continue;
            size_t ns = n->nchars;
            if (ovl__cps_put(&n->chars, n->nchars, fc, b.ccap) != 0)
                goto nomem;
            n->nchars++;
            /* One code point: hashed with its length known, which also keeps GCC's -O3
             * bounds check off the inlined hasher's branches for longer inputs. */
            if (emit_token(&b, (uint32_t)i, (uint32_t)i + 1, ns,
                           cls == OVL_NT_CJK ? OVL_TOK_CJK : OVL_TOK_SYMBOL,
                           XXH3_64bits(&fc, sizeof fc)) != 0)
                goto nomem;
        }
    }
    if (word_end(&b) != 0)
        goto nomem;
    /* The arrays were reserved for the densest text: give back what this one left unused. */
    if (n->ntokens < b.tcap) {
        ovl__tok *s = realloc(n->tokens, (n->ntokens ? n->ntokens : 1) * sizeof *s);
        if (s)
            n->tokens = s;
    }
    n->nbase = malloc((n->ntokens / OVL__TOK_BLOCK + 1) * sizeof *n->nbase);
    if (!n->nbase)
        goto nomem;
    uint32_t at = 0;
    for (size_t i = 0; i < n->ntokens; i++) {
        if (i % OVL__TOK_BLOCK == 0)
            n->nbase[i / OVL__TOK_BLOCK] = at;
        at += n->tokens[i].norm_len;
    }
    if (n->ntokens % OVL__TOK_BLOCK == 0)
        n->nbase[n->ntokens / OVL__TOK_BLOCK] = at;
    ovl__cps_resize(&n->chars, n->nchars, n->nchars);
    free(b.word);
    *out = n;
    return OVL_OK;
nomem:
    free(b.word);
    ovl_norm_free(n);
    return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
}

void ovl_norm_free(ovl_norm *n)
{
    if (!n)
        return;
    free(n->tokens);
    free(n->nbase);
    free(n->longs);
    free(atomic_load(&n->pub));
    ovl__cps_free(&n->chars);
    free(atomic_load(&n->wide));
    free(n);
}

uint32_t ovl__tok_norm_start(const ovl_norm *n, size_t i)
{
    uint32_t at = n->nbase[i / OVL__TOK_BLOCK];
    for (size_t k = i - i % OVL__TOK_BLOCK; k < i; k++)
        at += n->tokens[k].norm_len;
    return at;
}

ovl_token ovl__token(const ovl_norm *n, size_t i)
{
    ovl_token t;
    t.char_start = n->tokens[i].char_start;
    t.char_end = ovl__tok_char_end(n, i);
    t.norm_start = ovl__tok_norm_start(n, i);
    t.norm_len = n->tokens[i].norm_len;
    t.kind = (uint8_t)ovl__tok_kind(&n->tokens[i]);
    t.reserved = 0;
    t.hash = n->tokens[i].hash;
    return t;
}

size_t ovl_norm_count(const ovl_norm *n) { return n->ntokens; }

const ovl_token *ovl_norm_tokens(const ovl_norm *n)
{
    _Atomic(ovl_token *) *slot = &((ovl_norm *)n)->pub;
    ovl_token *p = atomic_load_explicit(slot, memory_order_acquire);
    if (p)
        return p;
    ovl_token *fresh = malloc((n->ntokens ? n->ntokens : 1) * sizeof *fresh);
    if (!fresh)
        return NULL;
    uint32_t ns = 0;
    for (size_t i = 0; i < n->ntokens; i++) {
        fresh[i] = ovl__token(n, i);
        fresh[i].norm_start = ns; /* in one pass, not block by block */
        ns += fresh[i].norm_len;
    }
    ovl_token *expected = NULL;
    if (atomic_compare_exchange_strong_explicit(slot, &expected, fresh, memory_order_acq_rel,
                                                memory_order_acquire))
        return fresh;
    free(fresh); /* another thread made it first */
    return expected;
}
const uint32_t *ovl_norm_chars(const ovl_norm *n)
{
    return ovl__cps_wide_once(&n->chars, n->nchars, &((ovl_norm *)n)->wide);
}
uint32_t ovl_norm_char(const ovl_norm *n, size_t i) { return i < n->nchars ? ovl__norm_char(n, i) : 0; }

size_t ovl_norm_token_at(const ovl_norm *n, size_t char_index)
{
    size_t lo = 0, hi = n->ntokens;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (n->tokens[mid].char_start < char_index)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

char *ovl_norm_utf8(const ovl_norm *n, size_t first, size_t last)
{
    if (last > n->ntokens)
        last = n->ntokens;
    if (first > last)
        first = last;
    size_t need = 1;
    for (size_t i = first; i < last; i++)
        need += (size_t)n->tokens[i].norm_len * 4 + 1;
    char *s = malloc(need);
    if (!s)
        return NULL;
    size_t k = 0;
    uint32_t ns = first < last ? ovl__tok_norm_start(n, first) : 0;
    for (size_t i = first; i < last; i++) {
        const ovl__tok *t = &n->tokens[i];
        if (i > first && ovl__tok_kind(t) == OVL_TOK_WORD &&
            ovl__tok_kind(&n->tokens[i - 1]) == OVL_TOK_WORD)
            s[k++] = ' ';
        for (size_t j = 0; j < t->norm_len; j++)
            k += ovl__utf8_put(ovl__norm_char(n, ns + j), s + k);
        ns += t->norm_len;
    }
    s[k] = '\0';
    return s;
}
