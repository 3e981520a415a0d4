/* corpus.c - the document list of a scan: a sorted directory walk with globs, in-memory documents, problems. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <sys/stat.h>

typedef struct centry {
    char *name;
    uint64_t size;
    char *bytes; /* in-memory documents only */
    size_t len;
    int mem;
} centry;

typedef struct cproblem {
    ovl_problem p;
    char *path, *message; /* owned copies behind p */
} cproblem;

struct ovl_corpus {
    centry *v;
    size_t n, cap;
    cproblem *probs;
    size_t nprobs, capprobs;
    int sealed;
};

int ovl_glob_match(const char *glob, const char *relpath)
{
    const char *base = strrchr(relpath, '/');
    base = base ? base + 1 : relpath;
    return fnmatch(glob, relpath, 0) == 0 || fnmatch(glob, base, 0) == 0;
}

static int any_match(const char *const *globs, size_t n, const char *rel)
{
    for (size_t i = 0; i < n; i++)
        if (ovl_glob_match(globs[i], rel))
            return 1;
    return 0;
}

ovl_corpus *ovl_corpus_new(void) { return calloc(1, sizeof(ovl_corpus)); }

void ovl_corpus_free(ovl_corpus *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].name);
        free(c->v[i].bytes);
    }
    for (size_t i = 0; i < c->nprobs; i++) {
        free(c->probs[i].path);
        free(c->probs[i].message);
    }
    free(c->v);
    free(c->probs);
    free(c);
}

static int add_problem(ovl_corpus *c, const char *path, int code, const char *message)
{
    if (ovl__grow(&c->probs, &c->capprobs, c->nprobs + 1, sizeof *c->probs) != 0)
        return OVL_ERR_NOMEM;
    cproblem *p = &c->probs[c->nprobs];
    p->path = strdup(path);
    p->message = strdup(message);
    if (!p->path || !p->message) {
        free(p->path);
        free(p->message);
        return OVL_ERR_NOMEM;
    }
    p->p.path = p->path;
    p->p.message = p->message;
    p->p.code = code;
    p->p.offset = -1;
    c->nprobs++;
    return OVL_OK;
}

static int add_entry(ovl_corpus *c, const char *name, uint64_t size)
{
    if (ovl__grow(&c->v, &c->cap, c->n + 1, sizeof *c->v) != 0)
        return OVL_ERR_NOMEM;
    centry *e = &c->v[c->n];
    memset(e, 0, sizeof *e);
    if (!(e->name = strdup(name)))
        return OVL_ERR_NOMEM;
    e->size = size;
    c->n++;
    return OVL_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walks directory `dir` whose path relative to the argument is `rel` ("" at the top). */
static int walk(ovl_corpus *c, const char *dir, const char *rel, const ovl_walk_opts *o)
{
    DIR *d = opendir(dir);
    if (!d)
        return add_problem(c, dir, OVL_ERR_IO, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = OVL_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (e->d_name[0] == '.' && !o->hidden)
            continue;
        if (ovl__grow(&names, &cap, n + 1, sizeof *names) != 0 || !(names[n] = strdup(e->d_name))) {
            rc = OVL_ERR_NOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (names)
        qsort(names, n, sizeof *names, cmp_str);
    size_t dl = strlen(dir);
    int slash = dl > 0 && dir[dl - 1] == '/';
    for (size_t i = 0; i < n && rc == OVL_OK; i++) {
        size_t need = dl + strlen(names[i]) + strlen(rel) + 2;
        char *path = malloc(need), *r = malloc(need);
        if (!path || !r) {
            free(path);
            free(r);
            rc = OVL_ERR_NOMEM;
            break;
        }
        snprintf(path, need, "%s%s%s", dir, slash ? "" : "/", names[i]);
        snprintf(r, need, "%s%s%s", rel, *rel ? "/" : "", names[i]);
        struct stat st;
        if (lstat(path, &st) != 0) {
            rc = add_problem(c, path, OVL_ERR_IO, strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            if (!any_match(o->exclude, o->nexclude, r))
                rc = walk(c, path, r, o);
        } else {
            int ok = 1;
            if (S_ISLNK(st.st_mode) && (stat(path, &st) != 0 || !S_ISREG(st.st_mode)))
                ok = 0; /* dangling links and links to directories are skipped */
            if (ok && !S_ISREG(st.st_mode))
                ok = 0;
            if (ok && o->ninclude && !any_match(o->include, o->ninclude, r))
                ok = 0;
            if (ok && any_match(o->exclude, o->nexclude, r))
                ok = 0;
            if (ok)
                rc = add_entry(c, path, (uint64_t)st.st_size);
        }
        free(path);
        free(r);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int ovl_corpus_add_path(ovl_ctx *ctx, ovl_corpus *c, const char *path, const ovl_walk_opts *opts)
{
    static const ovl_walk_opts def = OVL_WALK_OPTS_INIT;
    const ovl_walk_opts *o = opts ? opts : &def;
    if (!c || !path)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "corpus and path are required");
    if (c->sealed)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "the corpus is already being read");
    if (o->version != OVL_WALK_OPTS_VERSION)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "walk options version %u, expected %u",
                         o->version, OVL_WALK_OPTS_VERSION);
    struct stat st;
    int rc;
    if (stat(path, &st) != 0)
        rc = add_problem(c, path, OVL_ERR_IO, strerror(errno));
    else if (S_ISDIR(st.st_mode))
        rc = walk(c, path, "", o);
    else if (!S_ISREG(st.st_mode))
        rc = add_problem(c, path, OVL_ERR_IO, "not a regular file");
    else
        rc = add_entry(c, path, (uint64_t)st.st_size);
    return rc == OVL_OK ? OVL_OK : ovl__fail(ctx, rc, -1, "out of memory listing files");
}

int ovl_corpus_add_bytes(ovl_ctx *ctx, ovl_corpus *c, const char *name, const void *bytes,
                         size_t len)
{
    if (!c || !name || (len && !bytes))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "corpus, name and bytes are required");
    if (c->sealed)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "the corpus is already being read");
    char *copy = malloc(len ? len : 1);
    if (!copy || add_entry(c, name, len) != OVL_OK) {
        free(copy);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    }
    if (len)
        memcpy(copy, bytes, len);
    centry *e = &c->v[c->n - 1];
    e->bytes = copy;
    e->len = len;
    e->mem = 1;
    return OVL_OK;
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const centry *)a)->name, ((const centry *)b)->name);
}

/* Fixes the numbering: name order, later duplicates dropped. */
static void seal(const ovl_corpus *cc)
{
    ovl_corpus *c = (ovl_corpus *)cc; /* sealing is the one change a reader makes */
    if (!c || c->sealed)
        return;
    c->sealed = 1;
    if (c->n < 2)
        return;
    qsort(c->v, c->n, sizeof *c->v, cmp_entry);
    size_t k = 1;
    for (size_t i = 1; i < c->n; i++) {
        if (strcmp(c->v[i].name, c->v[k - 1].name) == 0) {
            free(c->v[i].name);
            free(c->v[i].bytes);
        } else {
            c->v[k++] = c->v[i];
        }
    }
    c->n = k;
}

size_t ovl_corpus_count(const ovl_corpus *c)
{
    seal(c);
    return c ? c->n : 0;
}

const char *ovl_corpus_name(const ovl_corpus *c, size_t i)
{
    seal(c);
    return c && i < c->n ? c->v[i].name : NULL;
}

uint64_t ovl_corpus_size(const ovl_corpus *c, size_t i)
{
    seal(c);
    return c && i < c->n ? c->v[i].size : 0;
}

int ovl_corpus_read(ovl_ctx *ctx, const ovl_corpus *c, size_t i, void **bytes, size_t *len)
{
    seal(c);
    if (!c || i >= c->n || !bytes || !len)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "no document %zu", i);
    const centry *e = &c->v[i];
    if (!e->mem)
        return ovl_read_file(ctx, e->name, bytes, len);
    char *copy = malloc(e->len ? e->len : 1);
    if (!copy)
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    if (e->len)
        memcpy(copy, e->bytes, e->len);
    *bytes = copy;
    *len = e->len;
    return OVL_OK;
}

size_t ovl_corpus_problem_count(const ovl_corpus *c) { return c ? c->nprobs : 0; }

const ovl_problem *ovl_corpus_problem(const ovl_corpus *c, size_t i)
{
    return c && i < c->nprobs ? &c->probs[i].p : NULL;
}
