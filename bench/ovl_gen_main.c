/* ovl_gen_main.c - ovl-gen: writes a seeded corpus with planted reuse and its truth.tsv. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ovl-gen --seed N --lang zh|en --out DIR [--docs N] [--bytes SIZE]\n"
            "               [--obfuscation LIST] [--csl FILE] [--cases MIN-MAX] [--edit-rate R]\n"
            "  --docs N          N source and N suspicious documents (default 10)\n"
            "  --bytes SIZE      about SIZE bytes in all (suffix K, M or G); overrides --docs\n"
            "  --obfuscation L   comma list of kinds (verbatim rewrap width edit reorder traditional\n"
            "                    encoding double reword), kinds joined by '+', 'mixed', or 'all'\n"
            "                    (default all: every kind but double and reword, then mixed)\n"
            "  --csl FILE        CSL abstracts (default $OVL_CSL/abstracts.txt or\n"
            "                    ../shared/corpora/csl/abstracts.txt); zh only\n"
            "exit status: 0 written, 2 trouble, 77 the CSL file is missing (zh)\n");
}

static int parse_u64(const char *s, unsigned long long *out, int sizes)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    if (sizes && *end) {
        unsigned long long m = 1;
        switch (*end) {
        case 'k': case 'K': m = 1ull << 10; break;
        case 'm': case 'M': m = 1ull << 20; break;
        case 'g': case 'G': m = 1ull << 30; break;
        default: return -1;
        }
        end++;
        if (*end == 'B' || *end == 'b')
            end++;
        v *= m;
    }
    if (*end)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    ovl_gen_opts o = OVL_GEN_OPTS_INIT;
    const char *out = NULL;
    unsigned items[64];
    int have_seed = 0;
    o.lang = "zh";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long n;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (!v) {
            fprintf(stderr, "ovl-gen: %s needs a value\n", a);
            return 2;
        }
        i++;
        if (strcmp(a, "--seed") == 0 && parse_u64(v, &n, 0) == 0) {
            o.seed = n;
            have_seed = 1;
        } else if (strcmp(a, "--lang") == 0 && (strcmp(v, "zh") == 0 || strcmp(v, "en") == 0)) {
            o.lang = v;
        } else if (strcmp(a, "--out") == 0) {
            out = v;
        } else if (strcmp(a, "--docs") == 0 && parse_u64(v, &n, 0) == 0 && n > 0) {
            o.n_src = o.n_susp = (size_t)n;
        } else if (strcmp(a, "--bytes") == 0 && parse_u64(v, &n, 1) == 0 && n > 0) {
            o.bytes = n;
        } else if (strcmp(a, "--csl") == 0) {
            o.csl_path = v;
        } else if (strcmp(a, "--obfuscation") == 0) {
            int k = ovl_gen_parse_obf(v, items, sizeof items / sizeof items[0]);
            if (k <= 0) {
                fprintf(stderr, "ovl-gen: --obfuscation: bad list '%s'\n", v);
                return 2;
            }
            o.obf = items;
            o.n_obf = (size_t)k;
        } else if (strcmp(a, "--cases") == 0) {
            unsigned lo, hi;
            if (sscanf(v, "%u-%u", &lo, &hi) != 2 || lo == 0 || hi < lo) {
                fprintf(stderr, "ovl-gen: --cases: expected MIN-MAX, got '%s'\n", v);
                return 2;
            }
            o.cases_min = lo;
            o.cases_max = hi;
        } else if (strcmp(a, "--edit-rate") == 0) {
            char *end;
            o.edit_rate = strtod(v, &end);
            if (*end || o.edit_rate <= 0 || o.edit_rate >= 1) {
                fprintf(stderr, "ovl-gen: --edit-rate: expected a number in (0,1)\n");
                return 2;
            }
        } else {
            fprintf(stderr, "ovl-gen: bad option or value: %s %s\n", a, v);
            usage(stderr);
            return 2;
        }
    }
    if (!out || !have_seed) {
        usage(stderr);
        return 2;
    }
    char err[512];
    ovl_gen_stats st;
    int rc = ovl_gen_corpus(&o, out, &st, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "ovl-gen: %s\n", err);
        return rc == -11 ? 77 : 2; /* OVL_ERR_NOTFOUND: the CSL corpus is absent */
    }
    fprintf(stderr, "ovl-gen: %zu source, %zu suspicious (%zu without reuse), %zu cases, %zu boilerplate, %llu bytes in %s\n",
            st.n_src, st.n_susp, st.n_negative, st.n_cases, st.n_boilerplate, (unsigned long long)st.bytes, out);
    return 0;
}
