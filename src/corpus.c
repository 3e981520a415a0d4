/* corpus.c - the document list of a scan: a sorted directory walk with globs, in-memory documents, problems. */
/* (d_type of readdir, for the walk in parts: a BSD and glibc extension, done without
 * where it is missing.) */
#define _DEFAULT_SOURCE 1
#include "corpus_int.h"
#include "jsonl_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* A JSON lines file whose records are documents. */
typedef struct cfile {
    char *path;
    int kind;
    char *text_field, *id_field;
} cfile;

typedef struct centry {
    char *name;
    uint64_t size;
    char *bytes; /* in-memory documents (and records of compressed files) only */
    size_t len;
    int mem;
    char *encoding;  /* from an encoding rule, or NULL */
    size_t file;     /* records: index in files + 1; 0 for whole files */
    char *id;        /* records: the id */
    uint64_t line, off, linelen; /* records: line number, its offset and length in the file */
    const char *key; /* the name it sorts by (its file's for a record), set when sealing */
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
    cfile *files;
    size_t nfiles, capfiles;
    int sealed;
    int view; /* ovl__corpus_view: entries and files borrowed from another corpus */
    uint64_t dirs;               /* directories its walks listed (ovl__corpus_dirs) */
    int part;                    /* ovl__corpus_set_part */
    ovl__corpus_partinfo pi;
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
    if (c->view) {
        free(c->v);
        free(c);
        return;
    }
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].name);
        free(c->v[i].bytes);
        free(c->v[i].encoding);
        free(c->v[i].id);
    }
    for (size_t i = 0; i < c->nprobs; i++) {
        free(c->probs[i].path);
        free(c->probs[i].message);
    }
    for (size_t i = 0; i < c->nfiles; i++) {
        free(c->files[i].path);
        free(c->files[i].text_field);
        free(c->files[i].id_field);
    }
    free(c->files);
    free(c->v);
    free(c->probs);
    free(c);
}

static int add_problem_at(ovl_corpus *c, const char *path, int code, int64_t offset,
                          const char *message)
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
    p->p.offset = offset;
    c->nprobs++;
    return OVL_OK;
}

static int add_problem(ovl_corpus *c, const char *path, int code, const char *message)
{
    return add_problem_at(c, path, code, -1, message);
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

static const char *rule_for(const ovl_walk_opts *o, const char *path)
{
    for (size_t i = 0; i < o->nencodings; i++)
        if (o->encodings[i].glob && o->encodings[i].encoding && ovl_glob_match(o->encodings[i].glob, path))
            return o->encodings[i].encoding;
    return NULL;
}

/* A record seen by the duplicate check: its id, line and entry. */
typedef struct recref {
    const char *id;
    uint64_t line;
    size_t entry;
} recref;

static int cmp_rec(const void *a, const void *b)
{
    const recref *x = a, *y = b;
    int d = strcmp(x->id, y->id);
    return d ? d : (x->line > y->line) - (x->line < y->line);
}

/* Record problems by offset (one per line, so line order); a fault that ends the reading
 * (offset in compressed bytes, or none) stays last. */
static int cmp_problem(const void *a, const void *b)
{
    const ovl_problem *x = &((const cproblem *)a)->p, *y = &((const cproblem *)b)->p;
    int fx = x->code != OVL_ERR_DECODE && x->code != OVL_ERR_TOOBIG;
    int fy = y->code != OVL_ERR_DECODE && y->code != OVL_ERR_TOOBIG;
    if (fx != fy)
        return fx - fy;
    return (x->offset > y->offset) - (x->offset < y->offset);
}

/* Drops the records from first on that repeat an id used on an earlier line of the file. */
static int drop_duplicate_ids(ovl_corpus *c, size_t first, const char *path)
{
    size_t n = c->n - first;
    if (n < 2)
        return OVL_OK;
    recref *ix = malloc(n * sizeof *ix);
    if (!ix)
        return OVL_ERR_NOMEM;
    for (size_t k = 0; k < n; k++)
        ix[k] = (recref){c->v[first + k].id, c->v[first + k].line, first + k};
    qsort(ix, n, sizeof *ix, cmp_rec);
    int rc = OVL_OK;
    for (size_t k = 1, j = 0; k < n && rc == OVL_OK; k++) {
        if (strcmp(ix[k].id, ix[j].id) != 0) {
            j = k; /* the first line of a new id */
            continue;
        }
        const centry *prev = &c->v[ix[j].entry], *e = &c->v[ix[k].entry];
        char msg[512];
        snprintf(msg, sizeof msg, "line %" PRIu64 ": duplicate id \"%.300s\" (first on line %" PRIu64 ")",
                 e->line, e->id, prev->line);
        rc = add_problem_at(c, path, OVL_ERR_DECODE, (int64_t)e->off, msg);
    }
    /* Mark after reporting (the report needs every id): drop all but the first of each run. */
    for (size_t k = n; rc == OVL_OK && k-- > 1;)
        if (strcmp(ix[k].id, ix[k - 1].id) == 0)
            c->v[ix[k].entry].line = 0;
    free(ix);
    size_t w = first;
    for (size_t k = first; k < c->n; k++) {
        if (c->v[k].line == 0) {
            free(c->v[k].name);
            free(c->v[k].bytes);
            free(c->v[k].encoding);
            free(c->v[k].id);
        } else {
            c->v[w++] = c->v[k];
        }
    }
    c->n = w;
    return rc;
}

/* Reads the records of the JSON lines file at path into entries. Bad records become
 * problems; a file that cannot be read (or whose compressed data break off) keeps the
 * records read before the fault and records the fault as a problem. */
static int add_records(ovl_corpus *c, const char *path, int kind, const ovl_walk_opts *o)
{
    if (ovl__grow(&c->files, &c->capfiles, c->nfiles + 1, sizeof *c->files) != 0)
        return OVL_ERR_NOMEM;
    cfile *f = &c->files[c->nfiles];
    f->path = strdup(path);
    f->kind = kind;
    f->text_field = strdup(o->text_field && *o->text_field ? o->text_field : "text");
    f->id_field = strdup(o->id_field && *o->id_field ? o->id_field : "id");
    if (!f->path || !f->text_field || !f->id_field) {
        free(f->path);
        free(f->text_field);
        free(f->id_field);
        return OVL_ERR_NOMEM;
    }
    size_t fileno = ++c->nfiles;
    ovl_jsonl_opts jo = OVL_JSONL_OPTS_INIT;
    jo.text_field = f->text_field;
    jo.id_field = f->id_field;
    ovl_ctx ctx = OVL__CTX_INIT;
    ovl_jsonl *r = NULL;
    int rc = ovl_jsonl_open(&ctx, path, kind, &jo, &r);
    if (rc != OVL_OK)
        return rc == OVL_ERR_NOMEM ? rc : add_problem(c, path, rc, ctx.message);
    size_t first = c->n, p0 = c->nprobs;
    size_t plen = strlen(path);
    for (;;) {
        ovl_jsonl_record rec;
        int got = ovl_jsonl_next(&ctx, r, &rec);
        if (got == 0)
            break;
        if (got == OVL_ERR_NOMEM) {
            rc = got;
            break;
        }
        if (got < 0) {
            if ((rc = add_problem_at(c, path, got, ctx.offset, ctx.message)) != OVL_OK)
                break;
            if (got == OVL_ERR_DECODE || got == OVL_ERR_TOOBIG)
                continue;
            break; /* the stream cannot be read on */
        }
        size_t idl = strlen(rec.id);
        char *name = malloc(plen + idl + 2);
        char *id = strdup(rec.id);
        char *bytes = kind == OVL_JSONL_PLAIN ? NULL : malloc(rec.text_len + 1);
        if (!name || !id || (kind != OVL_JSONL_PLAIN && !bytes) ||
            ovl__grow(&c->v, &c->cap, c->n + 1, sizeof *c->v) != 0) {
            free(name);
            free(id);
            free(bytes);
            rc = OVL_ERR_NOMEM;
            break;
        }
        memcpy(name, path, plen);
        name[plen] = '#';
        memcpy(name + plen + 1, rec.id, idl + 1);
        centry *e = &c->v[c->n++];
        memset(e, 0, sizeof *e);
        e->name = name;
        e->id = id;
        e->size = rec.text_len;
        e->file = fileno;
        e->line = rec.line;
        e->off = rec.offset;
        e->linelen = rec.length;
        if (bytes) {
            memcpy(bytes, rec.text, rec.text_len);
            e->bytes = bytes;
            e->len = rec.text_len;
            e->mem = 1;
        }
    }
    ovl_jsonl_close(r);
    if (rc == OVL_OK)
        rc = drop_duplicate_ids(c, first, path);
    /* The file's problems in line order (duplicates were found after the others). */
    if (c->nprobs - p0 > 1)
        qsort(c->probs + p0, c->nprobs - p0, sizeof *c->probs, cmp_problem);
    return rc;
}

/* Adds the regular file at path: its records when its name says JSON lines, else itself. */
static int add_file(ovl_corpus *c, const char *path, uint64_t size, const ovl_walk_opts *o)
{
    int kind = ovl_jsonl_kind(path);
    if (kind != OVL_JSONL_NONE)
        return add_records(c, path, kind, o);
    int rc = add_entry(c, path, size);
    const char *enc = rc == OVL_OK ? rule_for(o, path) : NULL;
    if (enc && !(c->v[c->n - 1].encoding = strdup(enc)))
        rc = OVL_ERR_NOMEM;
    return rc;
}

#ifndef DT_UNKNOWN
#define DT_UNKNOWN 0
#define DT_DIR (-1)
#endif

static int cmp_dname(const void *a, const void *b)
{
    return strcmp(((const ovl__dname *)a)->name, ((const ovl__dname *)b)->name);
}

void ovl__corpus_names_free(ovl__dname *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i].name);
    free(names);
}

struct ovl__dlist {
    DIR *d;
    int hidden;
};

int ovl__corpus_list_open(ovl_corpus *c, const char *dir, const ovl_walk_opts *o, ovl__dlist **out)
{
    *out = NULL;
    c->dirs++;
    ovl__dlist *l = malloc(sizeof *l);
    if (!l)
        return OVL_ERR_NOMEM;
    if (!(l->d = opendir(dir))) {
        int err = errno;
        free(l);
        return add_problem(c, dir, OVL_ERR_IO, strerror(err));
    }
    l->hidden = o->hidden;
    *out = l;
    return OVL_OK;
}

int ovl__corpus_list_next(ovl__dlist *l, const char **name, unsigned char *type)
{
    struct dirent *e;
    while ((e = readdir(l->d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (e->d_name[0] == '.' && !l->hidden)
            continue;
        *name = e->d_name;
#ifdef _DIRENT_HAVE_D_TYPE
        *type = e->d_type;
#else
        *type = DT_UNKNOWN;
#endif
        return 1;
    }
    return 0;
}

void ovl__corpus_list_close(ovl__dlist *l)
{
    if (l) {
        closedir(l->d);
        free(l);
    }
}

int ovl__corpus_list(ovl_corpus *c, const char *dir, const ovl_walk_opts *o, ovl__dname **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    ovl__dlist *l = NULL;
    int rc = ovl__corpus_list_open(c, dir, o, &l);
    if (!l)
        return rc;
    ovl__dname *names = NULL;
    size_t n = 0, cap = 0;
    const char *name;
    unsigned char type;
    while (ovl__corpus_list_next(l, &name, &type)) {
        if (ovl__grow(&names, &cap, n + 1, sizeof *names) != 0 || !(names[n].name = strdup(name))) {
            ovl__corpus_list_close(l);
            ovl__corpus_names_free(names, n);
            return OVL_ERR_NOMEM;
        }
        names[n++].type = type;
    }
    ovl__corpus_list_close(l);
    if (names)
        qsort(names, n, sizeof *names, cmp_dname);
    *out = names;
    *nout = n;
    return OVL_OK;
}

int ovl__corpus_take(ovl_corpus *c, const char *path, const char *r, int type, const ovl_walk_opts *o, int *enter)
{
    struct stat st;
    int rc = OVL_OK;
    *enter = 0;
    /* (A type the directory told spares a directory its stat.) */
    if (type == DT_DIR) {
        *enter = !any_match(o->exclude, o->nexclude, r);
    } else if (lstat(path, &st) != 0) {
        rc = add_problem(c, path, OVL_ERR_IO, strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
        *enter = !any_match(o->exclude, o->nexclude, r);
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
            rc = add_file(c, path, (uint64_t)st.st_size, o);
    }
    return rc;
}

/* Walks directory `dir` whose path relative to the argument is `rel` ("" at the top). */
static int walk(ovl_corpus *c, const char *dir, const char *rel, const ovl_walk_opts *o)
{
    ovl__dname *names = NULL;
    size_t n = 0;
    int rc = ovl__corpus_list(c, dir, o, &names, &n);
    size_t dl = strlen(dir);
    int slash = dl > 0 && dir[dl - 1] == '/';
    for (size_t i = 0; i < n && rc == OVL_OK; i++) {
        size_t need = dl + strlen(names[i].name) + strlen(rel) + 2;
        char *path = malloc(need), *r = malloc(need);
        if (!path || !r) {
            free(path);
            free(r);
            rc = OVL_ERR_NOMEM;
            break;
        }
        snprintf(path, need, "%s%s%s", dir, slash ? "" : "/", names[i].name);
        snprintf(r, need, "%s%s%s", rel, *rel ? "/" : "", names[i].name);
        int enter = 0;
        rc = ovl__corpus_take(c, path, r, DT_UNKNOWN, o, &enter);
        if (rc == OVL_OK && enter)
            rc = walk(c, path, r, o);
        free(path);
        free(r);
    }
    ovl__corpus_names_free(names, n);
    return rc;
}

int ovl__corpus_walk_opts(ovl_ctx *ctx, const ovl_walk_opts *opts, ovl_walk_opts *v)
{
    ovl_walk_opts d = OVL_WALK_OPTS_INIT;
    *v = d;
    if (opts && opts->version == 1)
        memcpy(v, opts, offsetof(ovl_walk_opts, text_field)); /* the shorter version 1 */
    else if (opts && opts->version == 2)
        memcpy(v, opts, offsetof(ovl_walk_opts, list_round));
    else if (opts && opts->version == OVL_WALK_OPTS_VERSION)
        *v = *opts;
    else if (opts)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "walk options version %u, expected %u",
                         opts->version, OVL_WALK_OPTS_VERSION);
    v->version = OVL_WALK_OPTS_VERSION;
    if (!v->list_round)
        v->list_round = OVL_WALK_LIST_ROUND_DEFAULT;
    return OVL_OK;
}

int ovl__corpus_take_path(ovl_ctx *ctx, ovl_corpus *c, const char *path, const ovl_walk_opts *opts, int *enter)
{
    ovl_walk_opts v;
    if (!c || !path)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "corpus and path are required");
    if (c->sealed)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "the corpus is already being read");
    int rc = ovl__corpus_walk_opts(ctx, opts, &v);
    if (rc != OVL_OK)
        return rc;
    struct stat st;
    if (enter)
        *enter = 0;
    if (stat(path, &st) != 0)
        rc = add_problem(c, path, OVL_ERR_IO, strerror(errno));
    else if (S_ISDIR(st.st_mode) && enter)
        *enter = 1;
    else if (S_ISDIR(st.st_mode))
        rc = walk(c, path, "", &v);
    else if (!S_ISREG(st.st_mode))
        rc = add_problem(c, path, OVL_ERR_IO, "not a regular file");
    else
        rc = add_file(c, path, (uint64_t)st.st_size, &v);
    return rc == OVL_OK ? OVL_OK : ovl__fail(ctx, rc, -1, "out of memory listing files");
}

int ovl_corpus_add_path(ovl_ctx *ctx, ovl_corpus *c, const char *path, const ovl_walk_opts *opts)
{
    return ovl__corpus_take_path(ctx, c, path, opts, NULL);
}

uint64_t ovl__corpus_dirs(const ovl_corpus *c) { return c ? c->dirs : 0; }

void ovl__corpus_set_dirs(ovl_corpus *c, uint64_t dirs) { c->dirs = dirs; }

int ovl__corpus_add_problem(ovl_corpus *c, const ovl_problem *p)
{
    return add_problem_at(c, p->path ? p->path : "", p->code, p->offset, p->message ? p->message : "");
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

/* By name (a record: its file's), then a file before the records of a file of the same
 * name, then line. */
static int cmp_entry(const void *a, const void *b)
{
    const centry *x = a, *y = b;
    int d = strcmp(x->key, y->key);
    if (d)
        return d;
    if (!x->file != !y->file)
        return x->file ? 1 : -1; /* a file named like a record file sorts before its records */
    return (x->line > y->line) - (x->line < y->line);
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
    for (size_t i = 0; i < c->n; i++)
        c->v[i].key = c->v[i].file ? c->files[c->v[i].file - 1].path : c->v[i].name;
    qsort(c->v, c->n, sizeof *c->v, cmp_entry);
    size_t k = 1;
    for (size_t i = 1; i < c->n; i++) {
        if (cmp_entry(&c->v[i], &c->v[k - 1]) == 0) {
            free(c->v[i].name);
            free(c->v[i].bytes);
            free(c->v[i].encoding);
            free(c->v[i].id);
        } else {
            c->v[k++] = c->v[i];
        }
    }
    c->n = k;
}

ovl_corpus *ovl__corpus_view(const ovl_corpus *c, const uint32_t *ids, size_t n)
{
    seal(c);
    ovl_corpus *v = calloc(1, sizeof *v);
    if (!v || !(v->v = malloc((n ? n : 1) * sizeof *v->v))) {
        free(v);
        return NULL;
    }
    for (size_t k = 0; k < n; k++)
        v->v[k] = c->v[ids[k]];
    v->n = v->cap = n;
    v->files = c->files;
    v->nfiles = c->nfiles;
    v->sealed = 1;
    v->view = 1;
    return v;
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

/* Reads a .jsonl record again from its line. */
static int read_record(ovl_ctx *ctx, const ovl_corpus *c, const centry *e, void **bytes, size_t *len)
{
    const cfile *f = &c->files[e->file - 1];
    if (e->linelen > OVL_MAX_INPUT_BYTES)
        return ovl__fail(ctx, OVL_ERR_TOOBIG, -1, "record exceeds the 4 GiB limit");
    char *line = malloc(e->linelen + 1);
    if (!line)
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    int rc = fd < 0 ? ovl__fail(ctx, OVL_ERR_IO, -1, "%s", strerror(errno)) : OVL_OK;
    size_t got = 0;
    while (rc == OVL_OK && got < e->linelen) {
        ssize_t n = pread(fd, line + got, e->linelen - got, (off_t)(e->off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            rc = n < 0 ? ovl__fail(ctx, OVL_ERR_IO, -1, "%s", strerror(errno))
                       : ovl__fail(ctx, OVL_ERR_IO, -1, "changed since it was listed");
        else
            got += (size_t)n;
    }
    if (fd >= 0)
        close(fd);
    ovl__jrec r;
    ovl_ctx pc = OVL__CTX_INIT;
    if (rc == OVL_OK && (ovl__jsonl_parse(&pc, line, e->linelen, e->line, e->off, f->text_field,
                                          f->id_field, &r) != OVL_OK ||
                         strcmp(r.id, e->id) != 0)) {
        if (pc.code == OVL_OK)
            ovl__jrec_clear(&r);
        rc = pc.code == OVL_ERR_NOMEM ? ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL)
                                      : ovl__fail(ctx, OVL_ERR_IO, -1, "changed since it was listed");
    }
    free(line);
    if (rc != OVL_OK)
        return rc;
    char *out = malloc(r.text_len + 1);
    if (!out) {
        ovl__jrec_clear(&r);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    }
    memcpy(out, r.text, r.text_len);
    *bytes = out;
    *len = r.text_len;
    ovl__jrec_clear(&r);
    return OVL_OK;
}

int ovl_corpus_read(ovl_ctx *ctx, const ovl_corpus *c, size_t i, void **bytes, size_t *len)
{
    seal(c);
    if (!c || i >= c->n || !bytes || !len)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "no document %zu", i);
    const centry *e = &c->v[i];
    if (e->file && !e->mem)
        return read_record(ctx, c, e, bytes, len);
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

int ovl_corpus_record(const ovl_corpus *c, size_t i, const char **file, const char **id,
                      uint64_t *line)
{
    seal(c);
    if (!c || i >= c->n || !c->v[i].file)
        return 0;
    if (file)
        *file = c->files[c->v[i].file - 1].path;
    if (id)
        *id = c->v[i].id;
    if (line)
        *line = c->v[i].line;
    return 1;
}

const char *ovl_corpus_encoding(const ovl_corpus *c, size_t i)
{
    seal(c);
    if (!c || i >= c->n)
        return NULL;
    return c->v[i].file ? "UTF-8" : c->v[i].encoding;
}

/* ---- entries as bytes, for a corpus walked in parts (corpus_int.h) ---- */

#define NO_STR UINT32_MAX

static size_t put_raw(char *out, size_t at, const void *x, size_t len)
{
    if (out && len)
        memcpy(out + at, x, len);
    return at + len;
}

static size_t put_s(char *out, size_t at, const char *s)
{
    uint32_t len = s ? (uint32_t)strlen(s) : NO_STR;
    at = put_raw(out, at, &len, sizeof len);
    return s ? put_raw(out, at, s, len) : at;
}

size_t ovl__corpus_entry_bytes(const ovl_corpus *c, size_t i, char *out)
{
    seal(c);
    const centry *e = &c->v[i];
    const cfile *f = e->file ? &c->files[e->file - 1] : NULL;
    uint64_t u[6] = {e->size, e->mem ? e->len : 0, (uint64_t)e->mem, e->line, e->off, e->linelen};
    int32_t kind = f ? f->kind : 0;
    size_t at = put_raw(out, 0, u, sizeof u);
    at = put_raw(out, at, &kind, sizeof kind);
    at = put_s(out, at, e->name);
    at = put_s(out, at, e->encoding);
    at = put_s(out, at, e->id);
    at = put_s(out, at, f ? f->path : NULL);
    at = put_s(out, at, f ? f->text_field : NULL);
    at = put_s(out, at, f ? f->id_field : NULL);
    return put_raw(out, at, e->bytes, e->mem ? e->len : 0);
}

/* A string put by put_s, copied (*s NULL for none); -1 when the bytes end or no memory. */
static int get_s(const char *p, size_t len, size_t *at, char **s)
{
    uint32_t n;
    *s = NULL;
    if (len - *at < sizeof n)
        return -1;
    memcpy(&n, p + *at, sizeof n);
    *at += sizeof n;
    if (n == NO_STR)
        return 0;
    if (len - *at < n || !(*s = malloc((size_t)n + 1)))
        return -1;
    memcpy(*s, p + *at, n);
    (*s)[n] = '\0';
    *at += n;
    return 0;
}

int ovl__corpus_add_entry(ovl_corpus *c, const char *p, size_t len)
{
    uint64_t u[6];
    int32_t kind;
    size_t at = sizeof u + sizeof kind;
    char *name = NULL, *enc = NULL, *id = NULL, *fpath = NULL, *tf = NULL, *idf = NULL, *bytes = NULL;
    int rc = -1;
    if (len < at || c->sealed)
        return -1;
    memcpy(u, p, sizeof u);
    memcpy(&kind, p + sizeof u, sizeof kind);
    if (get_s(p, len, &at, &name) || get_s(p, len, &at, &enc) || get_s(p, len, &at, &id) ||
        get_s(p, len, &at, &fpath) || get_s(p, len, &at, &tf) || get_s(p, len, &at, &idf) || !name ||
        len - at != u[1] || (u[2] && !(bytes = malloc(u[1] ? u[1] : 1))))
        goto out;
    if (u[1] && bytes)
        memcpy(bytes, p + at, u[1]);
    size_t file = 0;
    if (fpath) {
        /* A record: of the file the last record added came from, or of a new one. */
        const cfile *last = c->nfiles ? &c->files[c->nfiles - 1] : NULL;
        if (last && strcmp(last->path, fpath) == 0 && last->kind == kind && tf && idf &&
            strcmp(last->text_field, tf) == 0 && strcmp(last->id_field, idf) == 0) {
            file = c->nfiles;
        } else {
            if (!tf || !idf || ovl__grow(&c->files, &c->capfiles, c->nfiles + 1, sizeof *c->files) != 0)
                goto out;
            c->files[c->nfiles] = (cfile){fpath, kind, tf, idf};
            fpath = tf = idf = NULL;
            file = ++c->nfiles;
        }
    }
    if (ovl__grow(&c->v, &c->cap, c->n + 1, sizeof *c->v) != 0)
        goto out;
    centry *e = &c->v[c->n++];
    memset(e, 0, sizeof *e);
    e->name = name, e->encoding = enc, e->id = id, e->bytes = bytes;
    name = enc = id = bytes = NULL;
    e->size = u[0];
    e->len = (size_t)u[1];
    e->mem = (int)u[2];
    e->line = u[3], e->off = u[4], e->linelen = u[5];
    e->file = file;
    rc = 0;
out:
    free(name);
    free(enc);
    free(id);
    free(fpath);
    free(tf);
    free(idf);
    free(bytes);
    return rc;
}

void ovl__corpus_set_part(ovl_corpus *c, const ovl__corpus_partinfo *pi)
{
    c->sealed = 1;
    c->part = 1;
    c->pi = *pi;
}

int ovl__corpus_part(const ovl_corpus *c, ovl__corpus_partinfo *pi)
{
    if (!c || !c->part)
        return 0;
    *pi = c->pi;
    return 1;
}
