/* test_gen.c - Check suite of the seeded corpus generator: determinism, exact truth, obfuscation kinds. */
#include "testutil.h"

#include <dirent.h>
#include <opencc/opencc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gen.h"

static int have_csl(void)
{
    char path[4096];
    struct stat st;
    return stat(ovl_gen_csl_path(NULL, path, sizeof path), &st) == 0;
}

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rm_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static char *tmpdir(void)
{
    char *t = strdup("/tmp/ovl_test_gen_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(t));
    return t;
}

/* Decoded code points of a file (any encoding ovl_decode detects). */
static ovl_text *decode_file(const char *path)
{
    size_t len;
    char *bytes = tu_read(path, &len);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_text *t = NULL;
    int rc = ovl_decode(ctx, bytes, len, NULL, &t);
    ck_assert_msg(rc == OVL_OK, "%s: %s", path, ovl_ctx_message(ctx));
    ovl_ctx_free(ctx);
    free(bytes);
    return t;
}

static int is_ws(uint32_t c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == 0x3000; }

/* Copies v[0..n) without whitespace into out (room n); returns the count. */
static size_t strip_ws(const uint32_t *v, size_t n, uint32_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!is_ws(v[i]))
            out[k++] = v[i];
    return k;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int width_pair(uint32_t a, uint32_t b)
{
    int alpha = (a >= 'a' && a <= 'z') || (a >= 'A' && a <= 'Z');
    return a >= 0x21 && a <= 0x7E && !alpha && b == a + 0xFEE0;
}

static size_t levenshtein(const uint32_t *a, size_t n, const uint32_t *b, size_t m)
{
    size_t *prev = malloc((m + 1) * sizeof *prev), *cur = malloc((m + 1) * sizeof *cur);
    ck_assert_ptr_nonnull(prev);
    ck_assert_ptr_nonnull(cur);
    for (size_t j = 0; j <= m; j++)
        prev[j] = j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t best = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            cur[j] = best;
        }
        size_t *t = prev;
        prev = cur;
        cur = t;
    }
    size_t d = prev[m];
    free(prev);
    free(cur);
    return d;
}

/* Word hashes of v[0..n) (runs of ASCII letters), for a word-level edit distance. */
static size_t words(const uint32_t *v, size_t n, uint32_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        int alpha = (v[i] | 32) >= 'a' && (v[i] | 32) <= 'z';
        if (!alpha) {
            i++;
            continue;
        }
        uint32_t h = 2166136261u;
        while (i < n && (v[i] | 32) >= 'a' && (v[i] | 32) <= 'z')
            h = (h ^ v[i++]) * 16777619u;
        out[k++] = h;
    }
    return k;
}

/* Checks that sus (the obfuscated copy) relates to src as the kinds in obf promise. Only
 * single kinds are checked exactly; combinations are checked for non-emptiness. */
static void check_kind(unsigned obf, int en, const uint32_t *src, size_t n, const uint32_t *sus, size_t m)
{
    ck_assert_uint_gt(n, 0);
    ck_assert_uint_gt(m, 0);
    ck_assert(!is_ws(sus[0]) && !is_ws(sus[m - 1]));
    obf &= ~OVL_GEN_ENCODING;
    uint32_t *a = malloc((n + 1) * sizeof *a), *b = malloc((m + 1) * sizeof *b);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    size_t na, nb;
    switch (obf) {
    case OVL_GEN_VERBATIM:
        ck_assert_uint_eq(n, m);
        ck_assert(memcmp(src, sus, n * sizeof *src) == 0);
        break;
    case OVL_GEN_REWRAP: {
        size_t nl = 0;
        for (size_t i = 0; i < m; i++)
            nl += sus[i] == '\n';
        ck_assert_uint_ge(nl, 1);
        na = strip_ws(src, n, a);
        nb = strip_ws(sus, m, b);
        ck_assert_uint_eq(na, nb);
        ck_assert(memcmp(a, b, na * sizeof *a) == 0);
        break;
    }
    case OVL_GEN_WIDTH: {
        ck_assert_uint_eq(n, m);
        size_t changed = 0;
        for (size_t i = 0; i < n; i++) {
            if (src[i] == sus[i])
                continue;
            ck_assert_msg(width_pair(src[i], sus[i]) || width_pair(sus[i], src[i]), "char %zu: U+%04X vs U+%04X",
                          i, src[i], sus[i]);
            changed++;
        }
        ck_assert_uint_ge(changed, 1);
        break;
    }
    case OVL_GEN_EDIT:
        if (en) {
            na = words(src, n, a);
            nb = words(sus, m, b);
            size_t d = levenshtein(a, na, b, nb);
            ck_assert_uint_ge(d, 1);
            ck_assert_msg(d * 100 <= na * 20 + 200, "%zu word edits over %zu words", d, na);
        } else {
            size_t d = levenshtein(src, n, sus, m);
            ck_assert_uint_ge(d, 1);
            ck_assert_msg(d * 100 <= n * 20 + 200, "%zu char edits over %zu chars", d, n);
        }
        break;
    case OVL_GEN_REORDER:
        ck_assert(n != m || memcmp(src, sus, n * sizeof *src) != 0);
        na = strip_ws(src, n, a);
        nb = strip_ws(sus, m, b);
        ck_assert(na != nb || memcmp(a, b, na * sizeof *a) != 0); /* order really changed */
        qsort(a, na, sizeof *a, cmp_u32);
        qsort(b, nb, sizeof *b, cmp_u32);
        ck_assert_uint_eq(na, nb);
        ck_assert(memcmp(a, b, na * sizeof *a) == 0);
        break;
    case OVL_GEN_TRADITIONAL: {
        ck_assert(n != m || memcmp(src, sus, n * sizeof *src) != 0);
        /* back to Simplified with OpenCC, the copy is the source again */
        opencc_t cc = opencc_open("t2s.json");
        ck_assert(cc != (opencc_t)-1);
        ovl_ctx *ctx = ovl_ctx_new();
        char *u = malloc(m * 4 + 1);
        size_t k = 0;
        for (size_t i = 0; i < m; i++)
            k += ovl_utf8_encode(sus[i], u + k);
        u[k] = '\0';
        char *back = opencc_convert_utf8(cc, u, k);
        ovl_text *t = NULL;
        ck_assert_int_eq(ovl_decode(ctx, back, strlen(back), NULL, &t), OVL_OK);
        size_t same = 0, tn = ovl_text_length(t);
        for (size_t i = 0; i < tn && i < n; i++)
            same += ovl_text_chars(t)[i] == src[i];
        ck_assert_uint_eq(tn, n);
        ck_assert_msg(same * 100 >= n * 99, "%zu of %zu chars back", same, n);
        ovl_text_free(t);
        opencc_convert_utf8_free(back);
        free(u);
        ovl_ctx_free(ctx);
        opencc_close(cc);
        break;
    }
    default:
        break;
    }
    free(a);
    free(b);
}

static void check_pair(const char *lang, unsigned obf, uint64_t seed)
{
    ovl_gen_opts o = OVL_GEN_OPTS_INIT;
    o.lang = lang;
    o.seed = seed;
    ovl_gen_pair p;
    char err[256];
    int rc = ovl_gen_pair_make(&o, obf, &p, err, sizeof err);
    ck_assert_msg(rc == 0, "%s", err);
    ck_assert_uint_eq(p.obf, obf);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_text *ts = NULL, *tp = NULL;
    ck_assert_int_eq(ovl_decode(ctx, p.src, p.src_len, NULL, &ts), OVL_OK);
    rc = ovl_decode(ctx, p.susp, p.susp_len, NULL, &tp);
    ck_assert_msg(rc == OVL_OK, "%s", ovl_ctx_message(ctx));
    if (obf & OVL_GEN_ENCODING) {
        if (strcmp(lang, "en") == 0)
            ck_assert_str_eq(p.susp_encoding, "UTF-16LE");
        ck_assert(strcmp(p.susp_encoding, "GB18030") == 0 || strcmp(p.susp_encoding, "UTF-16LE") == 0);
        ck_assert_str_eq(ovl_text_encoding(tp), p.susp_encoding);
    } else {
        ck_assert_str_eq(p.susp_encoding, "UTF-8");
    }
    ck_assert_uint_le(p.src_char_end, ovl_text_length(ts));
    ck_assert_uint_le(p.susp_char_end, ovl_text_length(tp));
    ck_assert_uint_lt(p.src_char_start, p.src_char_end);
    ck_assert_uint_lt(p.susp_char_start, p.susp_char_end);
    /* byte offsets agree with the decoder's map */
    ck_assert_uint_eq(ovl_text_byte(ts, p.src_char_start), p.src_byte_start);
    ck_assert_uint_eq(ovl_text_byte(ts, p.src_char_end), p.src_byte_end);
    ck_assert_uint_eq(ovl_text_byte(tp, p.susp_char_start), p.susp_byte_start);
    ck_assert_uint_eq(ovl_text_byte(tp, p.susp_char_end), p.susp_byte_end);
    size_t n = p.src_char_end - p.src_char_start, m = p.susp_char_end - p.susp_char_start;
    ck_assert_uint_ge(n, 100);
    check_kind(obf, strcmp(lang, "en") == 0, ovl_text_chars(ts) + p.src_char_start, n,
               ovl_text_chars(tp) + p.susp_char_start, m);
    ovl_text_free(ts);
    ovl_text_free(tp);
    ovl_ctx_free(ctx);
    ovl_gen_pair_free(&p);
}

static const unsigned SINGLE[] = {OVL_GEN_VERBATIM, OVL_GEN_REWRAP, OVL_GEN_WIDTH,      OVL_GEN_EDIT,
                                  OVL_GEN_REORDER,  OVL_GEN_ENCODING, OVL_GEN_TRADITIONAL};

START_TEST(test_pair_kinds_en)
{
    for (uint64_t seed = 1; seed <= 6; seed++)
        for (size_t k = 0; k + 1 < sizeof SINGLE / sizeof SINGLE[0]; k++) /* no Traditional for English */
            check_pair("en", SINGLE[k], seed);
    check_pair("en", OVL_GEN_EDIT | OVL_GEN_REWRAP | OVL_GEN_ENCODING, 3);
}
END_TEST

START_TEST(test_pair_kinds_zh)
{
    for (uint64_t seed = 1; seed <= 6; seed++)
        for (size_t k = 0; k < sizeof SINGLE / sizeof SINGLE[0]; k++)
            check_pair("zh", SINGLE[k], seed);
    check_pair("zh", OVL_GEN_TRADITIONAL | OVL_GEN_WIDTH | OVL_GEN_REORDER, 3);
}
END_TEST

START_TEST(test_pair_encoding_both)
{
    /* across seeds both encodings occur (Chinese; English is always UTF-16LE) */
    int gb = 0, u16 = 0;
    for (uint64_t seed = 1; seed <= 16; seed++) {
        ovl_gen_opts o = OVL_GEN_OPTS_INIT;
        o.lang = "zh";
        o.seed = seed;
        ovl_gen_pair p;
        char err[256];
        ck_assert_int_eq(ovl_gen_pair_make(&o, OVL_GEN_ENCODING, &p, err, sizeof err), 0);
        if (strcmp(p.susp_encoding, "GB18030") == 0)
            gb++;
        if (strcmp(p.susp_encoding, "UTF-16LE") == 0) {
            u16++;
            ck_assert_uint_ge(p.susp_len, 2);
            ck_assert_int_eq((unsigned char)p.susp[0], 0xFF);
            ck_assert_int_eq((unsigned char)p.susp[1], 0xFE);
        }
        ovl_gen_pair_free(&p);
    }
    ck_assert_int_gt(gb, 0);
    ck_assert_int_gt(u16, 0);
}
END_TEST

/* Every file of corpus a is byte-identical in corpus b (and b has no other file). */
static void same_tree(const char *a, const char *b, size_t *nfiles)
{
    DIR *d = opendir(a);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char pa[4096], pb[4096];
        snprintf(pa, sizeof pa, "%s/%s", a, e->d_name);
        snprintf(pb, sizeof pb, "%s/%s", b, e->d_name);
        struct stat st;
        ck_assert_int_eq(stat(pa, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            same_tree(pa, pb, nfiles);
            continue;
        }
        size_t la, lb;
        char *xa = tu_read(pa, &la), *xb = tu_read(pb, &lb);
        ck_assert_msg(la == lb && memcmp(xa, xb, la) == 0, "%s differs", e->d_name);
        free(xa);
        free(xb);
        (*nfiles)++;
    }
    closedir(d);
}

static void gen_into(const char *dir, const char *lang, uint64_t seed, size_t docs)
{
    ovl_gen_opts o = OVL_GEN_OPTS_INIT;
    o.lang = lang;
    o.seed = seed;
    o.n_src = o.n_susp = docs;
    ovl_gen_stats st;
    char err[256];
    int rc = ovl_gen_corpus(&o, dir, &st, err, sizeof err);
    ck_assert_msg(rc == 0, "%s", err);
    ck_assert_uint_eq(st.n_src, docs);
    ck_assert_uint_eq(st.n_susp, docs);
    ck_assert_uint_gt(st.n_cases, 0);
}

static void check_determinism(const char *lang)
{
    char *a = tmpdir(), *b = tmpdir(), *c = tmpdir();
    gen_into(a, lang, 42, 6);
    gen_into(b, lang, 42, 6);
    gen_into(c, lang, 43, 6);
    size_t n = 0, n2 = 0;
    same_tree(a, b, &n);
    same_tree(b, a, &n2);
    ck_assert_uint_eq(n, 6 + 6 + 2);
    ck_assert_uint_eq(n2, n);
    size_t la, lc;
    char *ta = tu_read(tu_path(a, "truth.tsv"), &la), *tc = tu_read(tu_path(c, "truth.tsv"), &lc);
    ck_assert(la != lc || memcmp(ta, tc, la) != 0);
    free(ta);
    free(tc);
    rm_tree(a);
    rm_tree(b);
    rm_tree(c);
    free(a);
    free(b);
    free(c);
}

START_TEST(test_same_seed_same_bytes_en) { check_determinism("en"); }
END_TEST

START_TEST(test_same_seed_same_bytes_zh) { check_determinism("zh"); }
END_TEST

static unsigned label_kinds(const char *label)
{
    unsigned items[4];
    int n = ovl_gen_parse_obf(label, items, 4);
    ck_assert_msg(n == 1, "label %s", label);
    return items[0];
}

/* Reads truth.tsv and checks every case against the files: bounds, tight ends, the kind's
 * promise for single kinds, exact equality for verbatim, encodings of encoded files. */
static void check_truth(const char *dir, int en, size_t *kinds_seen)
{
    size_t len;
    char *truth = tu_read(tu_path(dir, "truth.tsv"), &len);
    ck_assert(strncmp(truth, "# susp_path\t", 12) == 0);
    size_t ncases = 0;
    char prev_susp[64] = "";
    uint64_t prev_off = 0;
    for (char *line = strtok(truth, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char susp[64], src[64], label[96];
        unsigned long long so, sl, ro, rl;
        ck_assert_int_eq(sscanf(line, "%63s %llu %llu %63s %llu %llu %95s", susp, &so, &sl, src, &ro, &rl, label), 7);
        ck_assert(strncmp(susp, "susp/", 5) == 0 && strncmp(src, "src/", 4) == 0);
        /* cases of a document come in text order and do not overlap */
        if (strcmp(prev_susp, susp) == 0)
            ck_assert_uint_ge(so, prev_off);
        snprintf(prev_susp, sizeof prev_susp, "%s", susp);
        prev_off = so + sl;
        unsigned obf = label_kinds(label);
        for (unsigned k = 0; k < 7; k++)
            if (obf == (k ? 1u << (k - 1) : 0u))
                kinds_seen[k]++;
        char sp[4096], rp[4096];
        snprintf(sp, sizeof sp, "%s/%s", dir, susp);
        snprintf(rp, sizeof rp, "%s/%s", dir, src);
        ovl_text *ts = decode_file(sp), *tr = decode_file(rp);
        ck_assert_str_eq(ovl_text_encoding(tr), "UTF-8");
        if (obf & OVL_GEN_ENCODING)
            ck_assert(strcmp(ovl_text_encoding(ts), "GB18030") == 0 || strcmp(ovl_text_encoding(ts), "UTF-16LE") == 0);
        else
            ck_assert_str_eq(ovl_text_encoding(ts), "UTF-8");
        ck_assert_uint_le(so + sl, ovl_text_length(ts));
        ck_assert_uint_le(ro + rl, ovl_text_length(tr));
        check_kind(obf, en, ovl_text_chars(tr) + ro, rl, ovl_text_chars(ts) + so, sl);
        ovl_text_free(ts);
        ovl_text_free(tr);
        ncases++;
    }
    ck_assert_uint_gt(ncases, 0);
    free(truth);
}

static void check_corpus(const char *lang)
{
    char *d = tmpdir();
    ovl_gen_opts o = OVL_GEN_OPTS_INIT;
    o.lang = lang;
    o.seed = 7;
    o.n_src = 12;
    o.n_susp = 30;
    ovl_gen_stats st;
    char err[256];
    ck_assert_msg(ovl_gen_corpus(&o, d, &st, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_gt(st.n_negative, 0);
    ck_assert_uint_gt(st.n_boilerplate, 1);
    size_t seen[7] = {0};
    check_truth(d, strcmp(lang, "en") == 0, seen);
    /* the default list has every single kind (Traditional only for Chinese) */
    for (unsigned k = 0; k < 7; k++)
        if (!(k == 5 && strcmp(lang, "en") == 0) && k != 6)
            ck_assert_msg(seen[k] > 0, "kind %u never drawn", k);
    rm_tree(d);
    free(d);
}

START_TEST(test_truth_exact_en) { check_corpus("en"); }
END_TEST

START_TEST(test_truth_exact_zh) { check_corpus("zh"); }
END_TEST

START_TEST(test_obf_list_only)
{
    /* a restricted list: only those kinds appear, and boilerplate text is listed */
    char *d = tmpdir();
    ovl_gen_opts o = OVL_GEN_OPTS_INIT;
    unsigned items[2] = {OVL_GEN_VERBATIM, OVL_GEN_EDIT | OVL_GEN_REWRAP};
    o.lang = "en";
    o.seed = 5;
    o.n_src = o.n_susp = 8;
    o.obf = items;
    o.n_obf = 2;
    o.boilerplate_rate = 1.0;
    char err[256];
    ck_assert_msg(ovl_gen_corpus(&o, d, NULL, err, sizeof err) == 0, "%s", err);
    size_t len;
    char *truth = tu_read(tu_path(d, "truth.tsv"), &len);
    size_t v = 0, er = 0;
    for (char *line = strtok(truth, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        const char *label = strrchr(line, '\t') + 1;
        if (strcmp(label, "verbatim") == 0)
            v++;
        else if (strcmp(label, "rewrap+edit") == 0)
            er++;
        else
            ck_abort_msg("unexpected label %s", label);
    }
    ck_assert_uint_gt(v, 0);
    ck_assert_uint_gt(er, 0);
    free(truth);
    /* every document carries one of the three boilerplate paragraphs, listed exactly */
    char *bp = tu_read(tu_path(d, "boilerplate.tsv"), &len);
    size_t rows = 0;
    for (char *line = strtok(bp, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char path[64];
        unsigned long long off, n;
        int id;
        ck_assert_int_eq(sscanf(line, "%63s %llu %llu %d", path, &off, &n, &id), 4);
        ovl_text *t = decode_file(tu_path(d, path));
        char *s = ovl_text_utf8(t, off, off + n);
        ck_assert(strncmp(s, id == 0 ? "Funding:" : id == 1 ? "Declaration of interests:" : "Copyright", 8) == 0);
        ck_assert_uint_eq(off + n + 1, ovl_text_length(t)); /* last paragraph, then a newline */
        free(s);
        ovl_text_free(t);
        rows++;
    }
    ck_assert_uint_eq(rows, 16);
    free(bp);
    rm_tree(d);
    free(d);
}
END_TEST

/* double: two truth rows per case, same source span, different places; reword: the text
 * changed (en: WordNet synonyms; the part is skipped without WordNet's files). */
START_TEST(test_double_reword_en)
{
    char *d = tmpdir();
    ovl_gen_opts o = OVL_GEN_OPTS_INIT;
    FILE *wn = fopen("/usr/share/wordnet/index.noun", "r");
    int have_wn = wn != NULL || getenv("OVL_WORDNET") != NULL;
    if (wn)
        fclose(wn);
    unsigned items[2] = {OVL_GEN_DOUBLE, OVL_GEN_REWORD};
    o.lang = "en";
    o.seed = 5;
    o.n_src = o.n_susp = 8;
    o.obf = items;
    o.n_obf = have_wn ? 2 : 1;
    char err[256];
    ck_assert_msg(ovl_gen_corpus(&o, d, NULL, err, sizeof err) == 0, "%s", err);
    size_t len;
    char *truth = tu_read(tu_path(d, "truth.tsv"), &len);
    char src[64][64];
    unsigned long long off[64][2];
    size_t nd = 0, nr = 0, nchanged = 0;
    for (char *line = strtok(truth, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char susp[64], sp[64], label[96];
        unsigned long long so, sl, ro, rl;
        ck_assert_int_eq(sscanf(line, "%63s %llu %llu %63s %llu %llu %95s", susp, &so, &sl, sp, &ro, &rl, label), 7);
        ovl_text *ts = decode_file(tu_path(d, susp)), *tr = decode_file(tu_path(d, sp));
        char *a = ovl_text_utf8(ts, so, so + sl), *b = ovl_text_utf8(tr, ro, ro + rl);
        if (strcmp(label, "double") == 0) {
            ck_assert_uint_lt(nd, 64);
            snprintf(src[nd], sizeof src[nd], "%s", sp);
            off[nd][0] = ro;
            off[nd][1] = rl;
            nd++;
        } else {
            ck_assert_str_eq(label, "reword");
            nr++;
            nchanged += strcmp(a, b) != 0;
        }
        free(a);
        free(b);
        ovl_text_free(ts);
        ovl_text_free(tr);
    }
    /* each double source span is planted exactly twice */
    ck_assert_uint_gt(nd, 0);
    ck_assert_uint_eq(nd % 2, 0);
    for (size_t i = 0; i < nd; i++) {
        size_t same = 0;
        for (size_t j = 0; j < nd; j++)
            same += strcmp(src[i], src[j]) == 0 && off[i][0] == off[j][0] && off[i][1] == off[j][1];
        ck_assert_uint_eq(same, 2);
    }
    if (have_wn) {
        ck_assert_uint_gt(nr, 0);
        ck_assert_uint_eq(nchanged, nr);
    }
    free(truth);
    rm_tree(d);
    free(d);
}
END_TEST

START_TEST(test_parse_obf)
{
    unsigned it[16];
    ck_assert_int_eq(ovl_gen_parse_obf("verbatim,edit+rewrap,mixed", it, 16), 3);
    ck_assert_uint_eq(it[0], 0);
    ck_assert_uint_eq(it[1], OVL_GEN_EDIT | OVL_GEN_REWRAP);
    ck_assert_uint_eq(it[2], OVL_GEN_MIX);
    ck_assert_int_eq(ovl_gen_parse_obf("all", it, 16), 8);
    ck_assert_uint_eq(it[0], 0);
    ck_assert_uint_eq(it[6], OVL_GEN_ENCODING);
    ck_assert_uint_eq(it[7], OVL_GEN_MIX);
    ck_assert_int_eq(ovl_gen_parse_obf("edit,bogus", it, 16), -1);
    ck_assert_int_eq(ovl_gen_parse_obf("double,reword+edit", it, 16), 2);
    ck_assert_uint_eq(it[0], OVL_GEN_DOUBLE);
    ck_assert_uint_eq(it[1], OVL_GEN_REWORD | OVL_GEN_EDIT);
    ck_assert_int_eq(ovl_gen_parse_obf("edit+", it, 16), -1);
    ck_assert_int_eq(ovl_gen_parse_obf("all", it, 4), -1);
    char buf[64];
    ck_assert_uint_eq(ovl_gen_obf_label(OVL_GEN_EDIT | OVL_GEN_REWRAP | OVL_GEN_ENCODING, buf, sizeof buf), 20);
    ck_assert_str_eq(buf, "rewrap+edit+encoding");
    ovl_gen_obf_label(0, buf, sizeof buf);
    ck_assert_str_eq(buf, "verbatim");
    ck_assert_str_eq(ovl_gen_kind_name(OVL_GEN_TRADITIONAL), "traditional");
    ck_assert_ptr_null(ovl_gen_kind_name(OVL_GEN_EDIT | OVL_GEN_WIDTH));
}
END_TEST

START_TEST(test_prose)
{
    ovl_gen_opts o = OVL_GEN_OPTS_INIT;
    o.lang = "en";
    o.seed = 11;
    char err[256];
    char *a = ovl_gen_prose(&o, 2000, err, sizeof err), *b = ovl_gen_prose(&o, 2000, err, sizeof err);
    o.seed = 12;
    char *c = ovl_gen_prose(&o, 2000, err, sizeof err);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(a, b);
    ck_assert_str_ne(a, c);
    ck_assert_uint_ge(strlen(a), 2000);
    ck_assert(a[0] >= 'A' && a[0] <= 'Z');
    ck_assert_ptr_nonnull(strstr(a, ". "));
    free(a);
    free(b);
    free(c);
}
END_TEST

START_TEST(test_missing_csl)
{
    ovl_gen_opts o = OVL_GEN_OPTS_INIT;
    o.lang = "zh";
    o.csl_path = "/nonexistent/abstracts.txt";
    ovl_gen_pair p;
    char err[256];
    ck_assert_int_eq(ovl_gen_pair_make(&o, 0, &p, err, sizeof err), OVL_ERR_NOTFOUND);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/abstracts.txt"));
    o.lang = "fr";
    ck_assert_int_eq(ovl_gen_pair_make(&o, 0, &p, err, sizeof err), OVL_ERR_INVALID);
}
END_TEST

int main(void)
{
    int csl = have_csl();
    Suite *s = suite_create("gen");
    TCase *tc = tcase_create("gen");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_parse_obf);
    tcase_add_test(tc, test_prose);
    tcase_add_test(tc, test_missing_csl);
    tcase_add_test(tc, test_pair_kinds_en);
    tcase_add_test(tc, test_same_seed_same_bytes_en);
    tcase_add_test(tc, test_truth_exact_en);
    tcase_add_test(tc, test_obf_list_only);
    tcase_add_test(tc, test_double_reword_en);
    if (csl) {
        tcase_add_test(tc, test_pair_kinds_zh);
        tcase_add_test(tc, test_pair_encoding_both);
        tcase_add_test(tc, test_same_seed_same_bytes_zh);
        tcase_add_test(tc, test_truth_exact_zh);
    }
    suite_add_tcase(s, tc);
    int rc = tu_run(s);
    /* without the CSL corpus the Chinese half did not run: report a skip if the rest passed */
    return rc == 0 && !csl ? 77 : rc;
}
