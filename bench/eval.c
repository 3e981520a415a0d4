/* eval.c - PAN plagiarism-detection measures (precision, recall, granularity, plagdet) over truth.tsv. */
#include "eval.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct item {
    uint32_t susp, src;       /* interned document keys */
    uint64_t sa, sb, ra, rb;  /* suspicious [sa,sb), source [ra,rb) */
    uint32_t kind;            /* interned label (cases only) */
} item;

typedef struct strtab {
    char **s;
    size_t n, cap;
    uint32_t *slot; /* open addressing: index + 1, 0 = empty */
    size_t nslot;
} strtab;

struct ovl_eval {
    strtab docs, kinds;
    item *cases, *dets;
    size_t ncases, capcases, ndets, capdets;
    size_t ignored;
    char **sorted_kinds; /* cache for ovl_eval_kind, rebuilt when kinds change */
    size_t nsorted;
};

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

/* Returns the index of s, adding it when add is set; -1 when absent or out of memory. */
static long st_find(strtab *t, const char *s, int add)
{
    if (t->nslot) {
        for (size_t i = str_hash(s) & (t->nslot - 1);; i = (i + 1) & (t->nslot - 1)) {
            if (!t->slot[i])
                break;
            if (strcmp(t->s[t->slot[i] - 1], s) == 0)
                return (long)t->slot[i] - 1;
        }
    }
    if (!add)
        return -1;
    if ((t->n + 1) * 2 > t->nslot) {
        size_t ns = t->nslot ? t->nslot * 2 : 64;
        uint32_t *slot = calloc(ns, sizeof *slot);
        if (!slot)
            return -1;
        for (size_t k = 0; k < t->n; k++) {
            size_t i = str_hash(t->s[k]) & (ns - 1);
            while (slot[i])
                i = (i + 1) & (ns - 1);
            slot[i] = (uint32_t)k + 1;
        }
        free(t->slot);
        t->slot = slot;
        t->nslot = ns;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        char **ns = realloc(t->s, cap * sizeof *ns);
        if (!ns)
            return -1;
        t->s = ns;
        t->cap = cap;
    }
    char *copy = strdup(s);
    if (!copy)
        return -1;
    size_t i = str_hash(s) & (t->nslot - 1);
    while (t->slot[i])
        i = (i + 1) & (t->nslot - 1);
    t->s[t->n] = copy;
    t->slot[i] = (uint32_t)t->n + 1;
    return (long)t->n++;
}

static void st_free(strtab *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->s[i]);
    free(t->s);
    free(t->slot);
}

ovl_eval *ovl_eval_new(void) { return calloc(1, sizeof(ovl_eval)); }

void ovl_eval_free(ovl_eval *ev)
{
    if (!ev)
        return;
    st_free(&ev->docs);
    st_free(&ev->kinds);
    free(ev->cases);
    free(ev->dets);
    free(ev->sorted_kinds);
    free(ev);
}

const char *ovl_eval_key(const char *path, char *buf, size_t cap)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    size_t start = n, slashes = 0;
    while (start > 0) {
        if (path[start - 1] == '/' && ++slashes == 2)
            break;
        start--;
    }
    snprintf(buf, cap, "%.*s", (int)(n - start), path + start);
    return buf;
}

static long doc_id(ovl_eval *ev, const char *path)
{
    char key[4096];
    return st_find(&ev->docs, ovl_eval_key(path, key, sizeof key), 1);
}

static int push(item **v, size_t *n, size_t *cap, const item *it)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 256;
        item *nv = realloc(*v, c * sizeof *nv);
        if (!nv)
            return -1;
        *v = nv;
        *cap = c;
    }
    (*v)[(*n)++] = *it;
    return 0;
}

int ovl_eval_add_case(ovl_eval *ev, const char *susp, uint64_t susp_off, uint64_t susp_len,
                      const char *src, uint64_t src_off, uint64_t src_len, const char *obf)
{
    long a = doc_id(ev, susp), b = doc_id(ev, src), k = st_find(&ev->kinds, obf ? obf : "unknown", 1);
    if (a < 0 || b < 0 || k < 0)
        return -1;
    item it = {(uint32_t)a, (uint32_t)b, susp_off, susp_off + susp_len, src_off, src_off + src_len, (uint32_t)k};
    free(ev->sorted_kinds);
    ev->sorted_kinds = NULL;
    return push(&ev->cases, &ev->ncases, &ev->capcases, &it);
}

int ovl_eval_add_detection(ovl_eval *ev, const char *susp, uint64_t susp_off, uint64_t susp_len,
                           const char *src, uint64_t src_off, uint64_t src_len)
{
    long a = doc_id(ev, susp), b = doc_id(ev, src);
    if (a < 0 || b < 0)
        return -1;
    item it = {(uint32_t)a, (uint32_t)b, susp_off, susp_off + susp_len, src_off, src_off + src_len, 0};
    return push(&ev->dets, &ev->ndets, &ev->capdets, &it);
}

static int efail(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int efail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s == '-')
        return -1;
    *out = v;
    return 0;
}

int ovl_eval_load_truth(ovl_eval *ev, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return efail(err, errlen, "%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    long lineno = 0;
    int rc = 0;
    while ((got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        if (got == 0 || line[0] == '#')
            continue;
        char *field[8] = {0};
        int nf = 0;
        for (char *p = line; nf < 8;) {
            field[nf++] = p;
            char *t = strchr(p, '\t');
            if (!t)
                break;
            *t = '\0';
            p = t + 1;
        }
        uint64_t v[4];
        if (nf < 6 || nf > 7 || parse_u64(field[1], &v[0]) || parse_u64(field[2], &v[1]) ||
            parse_u64(field[4], &v[2]) || parse_u64(field[5], &v[3])) {
            rc = efail(err, errlen, "%s:%ld: expected susp, offset, length, src, offset, length[, obfuscation]",
                       path, lineno);
            break;
        }
        if (ovl_eval_add_case(ev, field[0], v[0], v[1], field[3], v[2], v[3], nf == 7 ? field[6] : NULL) != 0) {
            rc = efail(err, errlen, "out of memory");
            break;
        }
    }
    free(line);
    fclose(f);
    return rc;
}

enum { ROLE_UNKNOWN = 0, ROLE_SUSP = 1, ROLE_SRC = 2 };

/* Role of every interned document according to the truth cases (ROLE_UNKNOWN if in none). */
static unsigned char *truth_roles(const ovl_eval *ev)
{
    unsigned char *r = calloc(ev->docs.n ? ev->docs.n : 1, 1);
    if (!r)
        return NULL;
    for (size_t i = 0; i < ev->ncases; i++) {
        r[ev->cases[i].susp] = ROLE_SUSP;
        if (r[ev->cases[i].src] != ROLE_SUSP)
            r[ev->cases[i].src] = ROLE_SRC;
    }
    return r;
}

static int role_of(const ovl_eval *ev, const char *key, const unsigned char *roles, size_t nroles)
{
    long id = st_find((strtab *)&ev->docs, key, 0);
    if (id >= 0 && (size_t)id < nroles && roles[id] != ROLE_UNKNOWN)
        return roles[id];
    if (strncmp(key, "susp/", 5) == 0)
        return ROLE_SUSP;
    if (strncmp(key, "src/", 4) == 0)
        return ROLE_SRC;
    return ROLE_UNKNOWN;
}

static int span_of(json_t *side, json_int_t *doc, uint64_t *a, uint64_t *b)
{
    json_t *d = json_object_get(side, "doc"), *s = json_object_get(side, "char_start"),
           *e = json_object_get(side, "char_end");
    if (!json_is_integer(d) || !json_is_integer(s) || !json_is_integer(e))
        return -1;
    json_int_t vs = json_integer_value(s), ve = json_integer_value(e);
    if (vs < 0 || ve < vs)
        return -1;
    *doc = json_integer_value(d);
    *a = (uint64_t)vs;
    *b = (uint64_t)ve;
    return 0;
}

static int load_root(ovl_eval *ev, json_t *root, const char *what, char *err, size_t errlen)
{
    json_t *docs = json_object_get(root, "documents"), *ps = json_object_get(root, "passages");
    if (!json_is_array(docs) || !json_is_array(ps))
        return efail(err, errlen, "%s: not an overlap JSON report (documents/passages missing)", what);
    json_t *schema = json_object_get(root, "schema");
    if (schema && (!json_is_integer(schema) || json_integer_value(schema) != 1))
        return efail(err, errlen, "%s: unsupported schema (expected 1)", what);
    size_t nd = json_array_size(docs);
    char **paths = calloc(nd ? nd : 1, sizeof *paths);
    json_int_t *ids = calloc(nd ? nd : 1, sizeof *ids);
    int *roles = calloc(nd ? nd : 1, sizeof *roles);
    size_t ntr = ev->docs.n;
    unsigned char *tr = truth_roles(ev);
    int rc = 0;
    if (!paths || !ids || !roles || !tr) {
        rc = efail(err, errlen, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nd; i++) {
        json_t *d = json_array_get(docs, i);
        json_t *id = json_object_get(d, "id"), *p = json_object_get(d, "path");
        if (!json_is_integer(id) || !json_is_string(p)) {
            rc = efail(err, errlen, "%s: documents[%zu] needs integer id and string path", what, i);
            goto done;
        }
        ids[i] = json_integer_value(id);
        paths[i] = (char *)json_string_value(p);
        char key[4096];
        roles[i] = role_of(ev, ovl_eval_key(paths[i], key, sizeof key), tr, ntr);
    }
    for (size_t i = 0; i < json_array_size(ps); i++) {
        json_t *p = json_array_get(ps, i);
        json_int_t da, db;
        uint64_t a0, a1, b0, b1;
        if (span_of(json_object_get(p, "a"), &da, &a0, &a1) || span_of(json_object_get(p, "b"), &db, &b0, &b1)) {
            rc = efail(err, errlen, "%s: passages[%zu]: a and b need doc, char_start, char_end", what, i);
            goto done;
        }
        size_t ia = nd, ib = nd;
        /* ids are normally 0..nd-1 in order; search only when they are not */
        if (da >= 0 && (size_t)da < nd && ids[da] == da)
            ia = (size_t)da;
        if (db >= 0 && (size_t)db < nd && ids[db] == db)
            ib = (size_t)db;
        for (size_t k = 0; k < nd && (ia == nd || ib == nd); k++) {
            if (ia == nd && ids[k] == da)
                ia = k;
            if (ib == nd && ids[k] == db)
                ib = k;
        }
        if (ia == nd || ib == nd) {
            rc = efail(err, errlen, "%s: passages[%zu] names an unknown document id", what, i);
            goto done;
        }
        int r;
        if (roles[ia] == ROLE_SUSP && roles[ib] == ROLE_SRC)
            r = ovl_eval_add_detection(ev, paths[ia], a0, a1 - a0, paths[ib], b0, b1 - b0);
        else if (roles[ia] == ROLE_SRC && roles[ib] == ROLE_SUSP)
            r = ovl_eval_add_detection(ev, paths[ib], b0, b1 - b0, paths[ia], a0, a1 - a0);
        else {
            ev->ignored++;
            continue;
        }
        if (r != 0) {
            rc = efail(err, errlen, "out of memory");
            goto done;
        }
    }
done:
    free(paths);
    free(ids);
    free(roles);
    free(tr);
    return rc;
}

int ovl_eval_load_report_json(ovl_eval *ev, const char *json, size_t len, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_loadb(json, len, 0, &je);
    if (!root)
        return efail(err, errlen, "report: line %d: %s", je.line, je.text);
    int rc = load_root(ev, root, "report", err, errlen);
    json_decref(root);
    return rc;
}

int ovl_eval_load_report(ovl_eval *ev, const char *path, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root)
        return efail(err, errlen, "%s: line %d: %s", path, je.line, je.text);
    int rc = load_root(ev, root, path, err, errlen);
    json_decref(root);
    return rc;
}

/* ---------- scoring ---------- */

typedef struct iv {
    uint64_t a, b;
} iv;

static int cmp_iv(const void *x, const void *y)
{
    const iv *p = x, *q = y;
    return p->a < q->a ? -1 : p->a > q->a ? 1 : 0;
}

/* Length of the union of v[0..n) (sorted in place). */
static uint64_t union_len(iv *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_iv);
    uint64_t total = 0, ca = 0, cb = 0;
    int open = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].b <= v[i].a)
            continue;
        if (open && v[i].a <= cb) {
            if (v[i].b > cb)
                cb = v[i].b;
            continue;
        }
        if (open)
            total += cb - ca;
        ca = v[i].a;
        cb = v[i].b;
        open = 1;
    }
    if (open)
        total += cb - ca;
    return total;
}

static uint64_t lo(uint64_t a, uint64_t b) { return a < b ? a : b; }
static uint64_t hi(uint64_t a, uint64_t b) { return a > b ? a : b; }

static int detects(const item *r, const item *s)
{
    return r->susp == s->susp && r->src == s->src && hi(r->sa, s->sa) < lo(r->sb, s->sb) &&
           hi(r->ra, s->ra) < lo(r->rb, s->rb);
}

static int cmp_pair(const item *a, const item *b)
{
    if (a->susp != b->susp)
        return a->susp < b->susp ? -1 : 1;
    if (a->src != b->src)
        return a->src < b->src ? -1 : 1;
    return 0;
}

static int cmp_item(const void *x, const void *y)
{
    const item *a = x, *b = y;
    int c = cmp_pair(a, b);
    if (c)
        return c;
    return a->sa < b->sa ? -1 : a->sa > b->sa ? 1 : 0;
}

static double ratio(double num, double den) { return den > 0 ? num / den : 1.0; }

int ovl_eval_score(const ovl_eval *ev, const char *kind, ovl_eval_scores *out)
{
    memset(out, 0, sizeof *out);
    long kid = -1;
    if (kind) {
        kid = st_find((strtab *)&ev->kinds, kind, 0);
        if (kid < 0) { /* no case has this label */
            out->recall = out->precision = out->granularity = out->pair_recall = out->pair_precision = 1.0;
            out->f1 = 1.0;
            out->plagdet = 1.0;
            return 0;
        }
    }
    item *cs = malloc((ev->ncases ? ev->ncases : 1) * sizeof *cs);
    item *ds = malloc((ev->ndets ? ev->ndets : 1) * sizeof *ds);
    size_t maxn = ev->ncases > ev->ndets ? ev->ncases : ev->ndets;
    iv *ia = malloc((maxn ? maxn : 1) * sizeof *ia), *ib = malloc((maxn ? maxn : 1) * sizeof *ib);
    if (!cs || !ds || !ia || !ib) {
        free(cs);
        free(ds);
        free(ia);
        free(ib);
        return -1;
    }
    if (ev->ncases)
        memcpy(cs, ev->cases, ev->ncases * sizeof *cs);
    if (ev->ndets)
        memcpy(ds, ev->dets, ev->ndets * sizeof *ds);
    qsort(cs, ev->ncases, sizeof *cs, cmp_item);
    qsort(ds, ev->ndets, sizeof *ds, cmp_item);

    double rec_sum = 0, prec_sum = 0, gran_sum = 0;
    size_t ci = 0, di = 0;
    while (ci < ev->ncases || di < ev->ndets) {
        /* the next document pair, and its cases [c0,c1) and detections [d0,d1) */
        const item *key;
        if (ci < ev->ncases && (di >= ev->ndets || cmp_pair(&cs[ci], &ds[di]) <= 0))
            key = &cs[ci];
        else
            key = &ds[di];
        item pk = *key;
        size_t c0 = ci, d0 = di;
        while (ci < ev->ncases && cmp_pair(&cs[ci], &pk) == 0)
            ci++;
        while (di < ev->ndets && cmp_pair(&ds[di], &pk) == 0)
            di++;
        size_t c1 = ci, d1 = di;
        int pair_has_kind = kid < 0 ? c1 > c0 : 0;
        for (size_t c = c0; c < c1 && !pair_has_kind; c++)
            pair_has_kind = cs[c].kind == (uint32_t)kid;
        if (pair_has_kind) {
            out->pairs_true++;
            if (d1 > d0)
                out->pairs_hit++;
        }
        if (d1 > d0 && (kid < 0 || pair_has_kind))
            out->pairs_found++;

        for (size_t c = c0; c < c1; c++) {
            const item *s = &cs[c];
            if (kid >= 0 && s->kind != (uint32_t)kid)
                continue;
            size_t n = 0;
            for (size_t d = d0; d < d1; d++) {
                const item *r = &ds[d];
                if (!detects(r, s))
                    continue;
                ia[n] = (iv){hi(r->sa, s->sa), lo(r->sb, s->sb)};
                ib[n] = (iv){hi(r->ra, s->ra), lo(r->rb, s->rb)};
                n++;
            }
            out->cases++;
            uint64_t size = (s->sb - s->sa) + (s->rb - s->ra);
            if (n) {
                out->detected_cases++;
                gran_sum += (double)n;
                rec_sum += ratio((double)(union_len(ia, n) + union_len(ib, n)), (double)size);
            }
        }
        for (size_t d = d0; d < d1; d++) {
            const item *r = &ds[d];
            size_t n = 0;
            int counts = kid < 0;
            for (size_t c = c0; c < c1; c++) {
                const item *s = &cs[c];
                if (!detects(r, s))
                    continue;
                if (kid >= 0 && s->kind == (uint32_t)kid)
                    counts = 1;
                ia[n] = (iv){hi(r->sa, s->sa), lo(r->sb, s->sb)};
                ib[n] = (iv){hi(r->ra, s->ra), lo(r->rb, s->rb)};
                n++;
            }
            if (!counts)
                continue;
            out->detections++;
            uint64_t size = (r->sb - r->sa) + (r->rb - r->ra);
            if (n)
                prec_sum += ratio((double)(union_len(ia, n) + union_len(ib, n)), (double)size);
        }
    }
    out->recall = out->cases ? rec_sum / (double)out->cases : 1.0;
    out->precision = out->detections ? prec_sum / (double)out->detections : 1.0;
    out->granularity = out->detected_cases ? gran_sum / (double)out->detected_cases : 1.0;
    double pr = out->precision + out->recall;
    out->f1 = pr > 0 ? 2 * out->precision * out->recall / pr : 0.0;
    out->plagdet = out->f1 / log2(1.0 + out->granularity);
    out->pair_recall = ratio((double)out->pairs_hit, (double)out->pairs_true);
    out->pair_precision = ratio((double)out->pairs_hit, (double)out->pairs_found);
    free(cs);
    free(ds);
    free(ia);
    free(ib);
    return 0;
}

static int cmp_str(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

size_t ovl_eval_kind_count(const ovl_eval *ev) { return ev->kinds.n; }

const char *ovl_eval_kind(const ovl_eval *ev, size_t i)
{
    if (i >= ev->kinds.n)
        return NULL;
    ovl_eval *m = (ovl_eval *)ev; /* the sorted view is a cache, not observable state */
    if (!m->sorted_kinds) {
        m->sorted_kinds = malloc(ev->kinds.n * sizeof *m->sorted_kinds);
        if (!m->sorted_kinds)
            return NULL;
        memcpy(m->sorted_kinds, ev->kinds.s, ev->kinds.n * sizeof *m->sorted_kinds);
        qsort(m->sorted_kinds, ev->kinds.n, sizeof *m->sorted_kinds, cmp_str);
    }
    return m->sorted_kinds[i];
}

size_t ovl_eval_ignored(const ovl_eval *ev) { return ev->ignored; }
