/* walk.c - ovl_corpus_add_paths_mpi: the corpus walked in parts over MPI ranks, each rank examining and holding its share of the files, in name order. */
#include "run.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A walked entry on its way to its share: its sort key (a file's name, a record's file), then
 * the entry's bytes (ovl__corpus_entry_bytes). */
typedef struct wrec {
    const char *key;
    uint32_t keylen, isrec;
    uint64_t line, size;
    const char *blob;
    uint32_t bloblen;
} wrec;

/* ovl_corpus's order (seal): by key, a file before the records of a file of that name, then
 * line. Keys hold no NUL, so bytes compare as strcmp does. */
static int cmp_wrec(const void *x, const void *y)
{
    const wrec *a = x, *b = y;
    size_t l = a->keylen < b->keylen ? a->keylen : b->keylen;
    int d = memcmp(a->key, b->key, l);
    if (d || a->keylen != b->keylen)
        return d ? d : a->keylen < b->keylen ? -1 : 1;
    if (a->isrec != b->isrec)
        return a->isrec ? 1 : -1;
    return (a->line > b->line) - (a->line < b->line);
}

static int cmp_wrecp(const void *x, const void *y)
{
    return cmp_wrec(*(const wrec *const *)x, *(const wrec *const *)y);
}

/* Record layout: keylen, isrec, line, size, bloblen, key, blob. */
static void put_wrec(ovl__bbuf *b, const char *key, uint32_t isrec, uint64_t line, uint64_t size,
                     const char *blob, uint32_t bloblen)
{
    uint32_t kl = (uint32_t)strlen(key), u[3] = {kl, isrec, bloblen};
    uint64_t v[2] = {line, size};
    ovl__bput(b, u, sizeof u);
    ovl__bput(b, v, sizeof v);
    ovl__bput(b, key, kl);
    ovl__bput(b, blob, bloblen);
}

/* The records in buf[0, len) into *out (malloc'd, pointing into buf). -1: bad bytes or memory. */
static int get_wrecs(const char *buf, size_t len, wrec **out, size_t *n)
{
    size_t cap = 0, k = 0;
    wrec *v = NULL;
    for (size_t at = 0; at < len;) {
        uint32_t u[3];
        uint64_t w[2];
        if (len - at < sizeof u + sizeof w)
            goto bad;
        memcpy(u, buf + at, sizeof u);
        memcpy(w, buf + at + sizeof u, sizeof w);
        at += sizeof u + sizeof w;
        if (len - at < (uint64_t)u[0] + u[2] || ovl__grow(&v, &cap, k + 1, sizeof *v) != 0)
            goto bad;
        v[k++] = (wrec){buf + at, u[0], u[1], w[0], w[1], buf + at + u[0], u[2]};
        at += (size_t)u[0] + u[2];
    }
    *out = v;
    *n = k;
    return 0;
bad:
    free(v);
    return -1;
}

/* A problem of the walk and where it was met: the path given (its number) and the path
 * relative to it, then rank and order there. */
typedef struct wprob {
    ovl_problem p;
    uint32_t arg;
    const char *rel;
    int rank;
    size_t k;
} wprob;

/* Relative paths in the order of one process's walk (a directory's entries by name, each
 * directory followed by what is under it): bytes as strcmp compares them, but '/' below
 * every other. */
static int cmp_rel(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned x = *a == '/' ? 1u : *a ? (unsigned char)*a + 1u : 0u;
        unsigned y = *b == '/' ? 1u : *b ? (unsigned char)*b + 1u : 0u;
        if (x != y || !x)
            return (x > y) - (x < y);
    }
}

static int cmp_wprob(const void *x, const void *y)
{
    const wprob *a = x, *b = y;
    if (a->arg != b->arg)
        return a->arg < b->arg ? -1 : 1;
    int d = cmp_rel(a->rel, b->rel);
    if (d)
        return d;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return (a->k > b->k) - (a->k < b->k);
}

/* The rank that lists the directory or examines the file at path (its hash's pick): the
 * same path on the same rank, so that repeats meet there. */
static int owner(const char *path, int P)
{
    return (int)(ovl__mpi_fnv(OVL__MPI_FNV_SEED, path, strlen(path)) % (uint64_t)P);
}

/* A path of the walk on its way to the rank that takes it: the path given (its number), the
 * length of its path relative to that (the end of path), the type its directory told, then
 * the path. */
static void put_wpath(ovl__bbuf *b, uint32_t arg, uint32_t rellen, uint32_t type, const char *path)
{
    uint32_t u[4] = {arg, rellen, type, (uint32_t)strlen(path)};
    ovl__bput(b, u, sizeof u);
    ovl__bput(b, path, u[3]);
    ovl__bput(b, "", 1);
}

/* The next path put by put_wpath in in (path and rel pointing into it); -1 at a bad one. */
static int get_wpath(rbuf *in, uint32_t *arg, uint32_t *type, const char **path, const char **rel)
{
    uint32_t u[4];
    if (ovl__mpi_get(in, u, sizeof u) || in->n - in->at < (size_t)u[3] + 1 || u[1] > u[3])
        return -1;
    *arg = u[0], *type = u[2];
    *path = in->p + in->at;
    *rel = *path + u[3] - u[1];
    in->at += (size_t)u[3] + 1;
    return 0;
}

/* The problems c got from np on, tagged with where the walk met them, into tags. */
static void tag_problems(const ovl_corpus *c, size_t *np, ovl__bbuf *tags, uint32_t arg, const char *rel)
{
    for (; *np < ovl_corpus_problem_count(c); (*np)++) {
        ovl__bput(tags, &arg, sizeof arg);
        ovl__mpi_put_str(tags, rel);
    }
}

/* The walk of paths with o, its directories listed by the ranks their paths' hashes pick, a
 * level of directories at a time: a rank lists its directories of the level and sends each
 * entry to its rank, which examines it (a file taken as one process takes it, a directory
 * kept for the next level); until no rank has a directory left. A level goes in rounds of at
 * most o->list_round names listed by each rank (a directory's listing goes on in the next
 * round), one all-to-all each, until no rank has names left to list: a rank holds a round's
 * names, not a directory's (*names_held: the most listed and received at once). walked gets
 * the files this rank examined and its problems, tags (arg, rel) where each problem was met.
 * Collective. */
static int walk_levels(mpi_run *m, ovl_corpus *walked, const char *const *paths, size_t npaths,
                       const ovl_walk_opts *o, ovl__bbuf *tags, size_t *names_held)
{
    int P = m->size, me = m->rank, rc = OVL_OK;
    ovl__bbuf cur = {0}, next = {0}, *out = calloc((size_t)P, sizeof *out);
    size_t np = 0, *counts = calloc((size_t)P, sizeof *counts), *lens = calloc((size_t)P, sizeof *lens);
    char *got = NULL, *send = NULL, *child = NULL, *crel = NULL;
    size_t ccap = 0, rcap = 0, cpre = 0, rpre = 0; /* child and crel: its entries' path prefixes */
    ovl__dlist *dl = NULL; /* the directory being listed, and where it is */
    uint32_t darg = 0;
    const char *dir = NULL, *drel = NULL;
    *names_held = 0;
    if (!out || !counts || !lens)
        rc = ovl__mpi_nomem(m);
    /* Level 0: each path given, taken by its rank. */
    for (size_t a = 0; rc == OVL_OK && a < npaths; a++) {
        int enter = 0;
        if (owner(paths[a], P) != me)
            continue;
        rc = ovl__corpus_take_path(m->ctx, walked, paths[a], o, &enter);
        tag_problems(walked, &np, tags, (uint32_t)a, "");
        if (rc == OVL_OK && enter)
            put_wpath(&cur, (uint32_t)a, 0, 0, paths[a]);
    }
    for (;;) {
        if (rc == OVL_ERR_NOMEM || (rc == OVL_OK && (cur.bad || tags->bad)))
            rc = ovl__mpi_nomem(m);
        if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
            break;
        uint64_t more = cur.n;
        MPI_Allreduce(MPI_IN_PLACE, &more, 1, MPI_UINT64_T, MPI_MAX, m->comm);
        if (!more)
            break;
        /* This rank's directories of the level (cur, read from in), a round of their entries
         * at a time to the ranks that take them. */
        rbuf in = {cur.p, cur.n, 0};
        for (;;) {
            size_t listed = 0;
            while (rc == OVL_OK && listed < o->list_round) {
                const char *name;
                unsigned char type;
                if (!dl) {
                    uint32_t dtype;
                    if (in.at >= in.n)
                        break;
                    if (get_wpath(&in, &darg, &dtype, &dir, &drel) != 0) {
                        rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "a directory of the walk could not be read back");
                        break;
                    }
                    rc = ovl__corpus_list_open(walked, dir, o, &dl);
                    tag_problems(walked, &np, tags, darg, drel);
                    /* Its entries' paths, and their paths relative to the path given, begin
                     * the same: written once, each name put after them. */
                    size_t dlen = strlen(dir), rl = strlen(drel);
                    if (rc == OVL_OK &&
                        (ovl__grow(&child, &ccap, dlen + 2, 1) != 0 || ovl__grow(&crel, &rcap, rl + 2, 1) != 0))
                        rc = OVL_ERR_NOMEM;
                    if (rc != OVL_OK)
                        break;
                    memcpy(child, dir, dlen);
                    cpre = dlen;
                    if (dlen == 0 || dir[dlen - 1] != '/')
                        child[cpre++] = '/';
                    memcpy(crel, drel, rl);
                    rpre = rl;
                    if (rl)
                        crel[rpre++] = '/';
                    continue;
                }
                if (!ovl__corpus_list_next(dl, &name, &type)) {
                    ovl__corpus_list_close(dl);
                    dl = NULL;
                    continue;
                }
                size_t nl = strlen(name);
                if (ovl__grow(&child, &ccap, cpre + nl + 1, 1) != 0 || ovl__grow(&crel, &rcap, rpre + nl + 1, 1) != 0) {
                    rc = OVL_ERR_NOMEM;
                    break;
                }
                memcpy(child + cpre, name, nl + 1);
                memcpy(crel + rpre, name, nl + 1);
                put_wpath(&out[owner(child, P)], darg, (uint32_t)(rpre + nl), type, child);
                listed++;
            }
            if (rc == OVL_ERR_NOMEM)
                rc = ovl__mpi_nomem(m);
            size_t total = 0;
            for (int p = 0; p < P; p++)
                total += out[p].n, rc = rc == OVL_OK && out[p].bad ? ovl__mpi_nomem(m) : rc;
            if (rc == OVL_OK && !(send = malloc(total ? total : 1)))
                rc = ovl__mpi_nomem(m);
            for (size_t p = 0, at = 0; rc == OVL_OK && p < (size_t)P; at += out[p].n, p++) {
                if (out[p].n)
                    memcpy(send + at, out[p].p, out[p].n);
                counts[p] = out[p].n;
            }
            for (int p = 0; p < P; p++)
                free(out[p].p), memset(&out[p], 0, sizeof out[p]);
            if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
                break;
            free(got);
            got = NULL;
            rc = ovl__mpi_alltoall_bytes(m, send, counts, &got, lens) ? ovl__mpi_nomem(m) : OVL_OK;
            free(send);
            send = NULL;
            if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
                break;
            /* The entries this rank takes: files examined, directories kept for the next level. */
            rbuf gin = {got, 0, 0};
            for (int p = 0; p < P; p++)
                gin.n += lens[p];
            size_t taken = 0;
            while (rc == OVL_OK && gin.at < gin.n) {
                uint32_t arg, type;
                const char *path, *rel;
                int enter = 0;
                if (get_wpath(&gin, &arg, &type, &path, &rel) != 0) {
                    rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "a path of the walk could not be read back");
                    break;
                }
                rc = ovl__corpus_take(walked, path, rel, (int)type, o, &enter);
                tag_problems(walked, &np, tags, arg, rel);
                if (rc == OVL_OK && enter)
                    put_wpath(&next, arg, (uint32_t)strlen(rel), 0, path);
                taken++;
            }
            if (listed + taken > *names_held)
                *names_held = listed + taken;
            if (rc == OVL_ERR_NOMEM || (rc == OVL_OK && (next.bad || tags->bad)))
                rc = ovl__mpi_nomem(m);
            if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
                break;
            /* Another round while any rank has names left to list at this level. */
            uint64_t left = dl || in.at < in.n;
            MPI_Allreduce(MPI_IN_PLACE, &left, 1, MPI_UINT64_T, MPI_MAX, m->comm);
            if (!left)
                break;
        }
        if (rc != OVL_OK)
            break; /* (agreed on by every rank) */
        free(cur.p);
        cur = next;
        memset(&next, 0, sizeof next);
    }
    ovl__corpus_list_close(dl);
    for (int p = 0; out && p < P; p++)
        free(out[p].p);
    free(out);
    free(cur.p);
    free(next.p);
    free(got);
    free(send);
    free(child);
    free(crel);
    free(counts);
    free(lens);
    return rc;
}

int ovl_corpus_add_paths_mpi(ovl_ctx *ctx, MPI_Comm comm, ovl_corpus *c, const char *const *paths, size_t npaths,
                             const ovl_walk_opts *opts)
{
    mpi_run mr, *m = &mr;
    ovl__mpi_run_init(m, ctx, comm);
    double t0 = ovl__mpi_now();
    int P = m->size, me = m->rank, rc = OVL_OK;
    ovl_corpus *walked = ovl_corpus_new(); /* the files this rank examined */
    ovl_walk_opts wo;
    ovl__bbuf b = {0};
    char *got = NULL, *got2 = NULL, *samples = NULL;
    wrec *wv = NULL, *sv = NULL, **order = NULL;
    size_t *counts = calloc(P, sizeof *counts), *lens = calloc(P, sizeof *lens);
    ovl__bbuf pw = {0}, tags = {0}; /* its problems; where the walk met them */
    size_t nw = 0, nsv = 0, held = 0, names_held = 0;
    if (ovl__mpi_run_alloc(m) != 0 || !walked || !counts || !lens)
        rc = ovl__mpi_nomem(m);
    else if (!c || (npaths && !paths))
        rc = ovl__fail(ctx, OVL_ERR_INVALID, -1, "corpus and paths are required");
    if (rc == OVL_OK && P == 1) {
        /* One rank: the walk is the whole corpus, sorted where it is. */
        for (size_t p = 0; rc == OVL_OK && p < npaths; p++)
            rc = ovl_corpus_add_path(ctx, c, paths[p], opts);
        if (rc == OVL_OK) {
            size_t all1 = ovl_corpus_count(c);
            ovl__corpus_partinfo pi1 = {0, all1, all1, 0, ovl__mpi_now() - t0, 0};
            ovl__corpus_set_part(c, &pi1);
        }
        goto done;
    }
    if (rc == OVL_OK)
        rc = ovl__corpus_walk_opts(ctx, opts, &wo);
    CHECK(rc);
    {
        /* The ranks must see the same paths given (a rank sees only its part of what is under
         * them): their names and kinds compared. */
        uint64_t h = OVL__MPI_FNV_SEED, most = 0;
        for (size_t p = 0; p < npaths; p++) {
            struct stat st;
            char kind = stat(paths[p], &st) != 0 ? 'm' : S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' : 'o';
            h = ovl__mpi_fnv(h, paths[p], strlen(paths[p]) + 1);
            h = ovl__mpi_fnv(h, &kind, 1);
        }
        if (!ovl__mpi_same(comm, npaths, h, &most))
            rc = ovl__fail(ctx, OVL_ERR_INVALID, -1,
                           "the ranks do not see the same files (%llu paths given here, up to %llu on another "
                           "rank, or other paths or kinds): every rank must walk the same shared directories",
                           (unsigned long long)npaths, (unsigned long long)most);
    }
    CHECK(rc);
    rc = walk_levels(m, walked, paths, npaths, &wo, &tags, &names_held);
    if (rc != OVL_OK)
        goto done; /* (agreed on) */
    uint64_t dirs = ovl__corpus_dirs(walked);
    /* Its entries in name order (sealing sorts them and drops repeats), as records. */
    size_t mine = ovl_corpus_count(walked);
    char *tmp = NULL;
    size_t tcap = 0;
    for (size_t i = 0; i < mine && !b.bad; i++) {
        const char *file = NULL;
        uint64_t line = 0;
        int isrec = ovl_corpus_record(walked, i, &file, NULL, &line);
        size_t bl = ovl__corpus_entry_bytes(walked, i, NULL);
        if (ovl__grow(&tmp, &tcap, bl + 1, 1) != 0) {
            b.bad = 1;
            break;
        }
        ovl__corpus_entry_bytes(walked, i, tmp);
        put_wrec(&b, isrec ? file : ovl_corpus_name(walked, i), (uint32_t)isrec, isrec ? line : 0,
                 ovl_corpus_size(walked, i), tmp, (uint32_t)bl);
    }
    free(tmp);
    /* Its problems, with their walk positions, for rank 0. */
    rbuf tin = {tags.p, tags.n, 0};
    for (size_t i = 0; i < ovl_corpus_problem_count(walked); i++) {
        const ovl_problem *pb = ovl_corpus_problem(walked, i);
        uint32_t arg = 0;
        const char *rel = NULL;
        if (ovl__mpi_get(&tin, &arg, sizeof arg) || ovl__mpi_get_str(&tin, &rel) || !rel) {
            pw.bad = 1;
            break;
        }
        int64_t off = pb->offset;
        int32_t code = pb->code;
        ovl__bput(&pw, &arg, sizeof arg);
        ovl__mpi_put_str(&pw, rel);
        ovl__bput(&pw, &code, sizeof code);
        ovl__bput(&pw, &off, sizeof off);
        ovl__mpi_put_str(&pw, pb->path);
        ovl__mpi_put_str(&pw, pb->message);
    }
    if (b.bad || pw.bad || get_wrecs(b.p, b.n, &wv, &nw) != 0)
        rc = ovl__mpi_nomem(m);
    CHECK(rc);
    /* Splitters: a regular sample of every rank's keys (4 per rank), all ranks' sorted, and
     * every 4th of them: the same on every rank. */
    {
        ovl__bbuf sb = {0};
        size_t per = 4 * (size_t)P;
        for (size_t s = 0; s < per && nw; s++) {
            const wrec *x = &wv[(s * nw) / per];
            uint32_t u[3] = {x->keylen, x->isrec, 0};
            uint64_t v[2] = {x->line, 0};
            ovl__bput(&sb, u, sizeof u);
            ovl__bput(&sb, v, sizeof v);
            ovl__bput(&sb, x->key, x->keylen);
        }
        if ((rc = ovl__mpi_agree(m, sb.bad ? ovl__mpi_nomem(m) : OVL_OK)) == OVL_OK)
            rc = ovl__mpi_allgather_bytes(m, sb.p, sb.n, &samples, lens) ? ovl__mpi_nomem(m) : OVL_OK;
        free(sb.p);
        CHECK(rc);
        size_t total = 0;
        for (int p = 0; p < P; p++)
            total += lens[p];
        rc = get_wrecs(samples, total, &sv, &nsv) ? ovl__mpi_nomem(m) : OVL_OK;
        CHECK(rc);
        if (nsv > 1)
            qsort(sv, nsv, sizeof *sv, cmp_wrec);
    }
    /* Each entry to the rank of its key range (entries in order: each range a run). */
    memset(counts, 0, P * sizeof *counts);
    for (size_t i = 0, p = 0; i < nw; i++) {
        /* splitter j (1..P-1) is sample j * nsv / P; p: the splitters not above entry i */
        while ((int)p + 1 < P && nsv && cmp_wrec(&sv[(p + 1) * nsv / (size_t)P], &wv[i]) <= 0)
            p++;
        counts[p] += (size_t)(wv[i].blob + wv[i].bloblen - wv[i].key) + 3 * sizeof(uint32_t) + 2 * sizeof(uint64_t);
    }
    free(sv);
    sv = NULL;
    free(samples);
    samples = NULL;
    ovl_corpus_free(walked);
    walked = NULL;
    rc = ovl__mpi_alltoall_bytes(m, b.p, counts, &got, lens) ? ovl__mpi_nomem(m) : OVL_OK;
    CHECK(rc);
    size_t nr = 0, glen = 0;
    for (int p = 0; p < P; p++)
        glen += lens[p];
    free(wv);
    wv = NULL;
    rc = get_wrecs(got, glen, &wv, &nr) ? ovl__mpi_nomem(m) : OVL_OK;
    if (rc == OVL_OK && !(order = malloc((nr ? nr : 1) * sizeof *order)))
        rc = ovl__mpi_nomem(m);
    held = mine + nr;
    free(b.p);
    memset(&b, 0, sizeof b);
    CHECK(rc);
    for (size_t i = 0; i < nr; i++)
        order[i] = &wv[i];
    /* (P sorted runs: a merge would do; the sort is simpler and as exact.) */
    if (nr > 1)
        qsort(order, nr, sizeof *order, cmp_wrecp);
    /* Shares as ovl_scan_mpi makes them of a whole corpus: contiguous, balanced by bytes. */
    uint64_t mycnt[2] = {nr, 0}, before[2] = {0, 0}, all[2];
    for (size_t i = 0; i < nr; i++)
        mycnt[1] += order[i]->size + 1;
    MPI_Exscan(mycnt, before, 2, MPI_UINT64_T, MPI_SUM, comm);
    if (me == 0)
        before[0] = before[1] = 0;
    MPI_Allreduce(mycnt, all, 2, MPI_UINT64_T, MPI_SUM, comm);
    uint64_t T = all[1] / (uint64_t)P, at = before[1];
    memset(counts, 0, P * sizeof *counts);
    for (size_t i = 0; i < nr; i++) {
        uint64_t p = T ? at / T : (uint64_t)P - 1;
        if (p > (uint64_t)P - 1)
            p = (uint64_t)P - 1;
        /* (Each entry after its length, for the receiver to cut them apart.) */
        uint32_t bl = order[i]->bloblen;
        ovl__bput(&b, &bl, sizeof bl);
        ovl__bput(&b, order[i]->blob, bl);
        counts[p] += bl + sizeof bl;
        at += order[i]->size + 1;
    }
    free(order);
    order = NULL;
    rc = b.bad ? ovl__mpi_nomem(m) : OVL_OK;
    CHECK(rc);
    free(wv);
    wv = NULL;
    free(got);
    got = NULL;
    rc = ovl__mpi_alltoall_bytes(m, b.p, counts, &got2, lens) ? ovl__mpi_nomem(m) : OVL_OK;
    free(b.p);
    memset(&b, 0, sizeof b);
    CHECK(rc);
    size_t cnt = 0;
    glen = 0;
    for (int p = 0; p < P; p++)
        glen += lens[p];
    for (size_t at2 = 0; rc == OVL_OK && at2 < glen;) {
        uint32_t bl;
        if (glen - at2 < sizeof bl)
            rc = ovl__fail(ctx, OVL_ERR_INVALID, -1, "a file list entry could not be read back");
        else {
            memcpy(&bl, got2 + at2, sizeof bl);
            at2 += sizeof bl;
            if (glen - at2 < bl || ovl__corpus_add_entry(c, got2 + at2, bl) != 0)
                rc = glen - at2 < bl ? ovl__fail(ctx, OVL_ERR_INVALID, -1, "a file list entry could not be read back")
                                     : ovl__mpi_nomem(m);
            at2 += bl;
            cnt++;
        }
    }
    if (nr + cnt > held)
        held = nr + cnt;
    free(got2);
    got2 = NULL;
    CHECK(rc);
    uint64_t first = 0, c64 = cnt;
    MPI_Exscan(&c64, &first, 1, MPI_UINT64_T, MPI_SUM, comm);
    if (me == 0)
        first = 0;
    /* The walk's problems to rank 0, in walk order (a file's or a directory's are met on one
     * rank, in their order there). */
    rc = ovl__mpi_gather_bytes(m, pw.p, pw.n, &got, lens) ? ovl__mpi_nomem(m) : OVL_OK;
    CHECK(rc);
    if (me == 0) {
        size_t np = 0, cap = 0;
        wprob *pv = NULL;
        rbuf in = {got, 0, 0};
        for (int p = 0; p < P; p++)
            in.n += lens[p];
        size_t at3 = 0;
        for (int p = 0; rc == OVL_OK && in.at < in.n;) {
            while (p + 1 < P && in.at >= at3 + lens[p])
                at3 += lens[p], p++;
            wprob w;
            int32_t code;
            if (ovl__mpi_get(&in, &w.arg, sizeof w.arg) || ovl__mpi_get_str(&in, &w.rel) || !w.rel ||
                ovl__mpi_get(&in, &code, sizeof code) ||
                ovl__mpi_get(&in, &w.p.offset, sizeof w.p.offset) || ovl__mpi_get_str(&in, &w.p.path) ||
                ovl__mpi_get_str(&in, &w.p.message)) {
                rc = ovl__fail(ctx, OVL_ERR_INVALID, -1, "a problem record could not be read back");
                break;
            }
            w.p.code = code;
            w.rank = p;
            w.k = np;
            if (ovl__grow(&pv, &cap, np + 1, sizeof *pv) != 0)
                rc = ovl__mpi_nomem(m);
            else
                pv[np++] = w;
        }
        if (rc == OVL_OK && np > 1)
            qsort(pv, np, sizeof *pv, cmp_wprob);
        for (size_t k = 0; rc == OVL_OK && k < np; k++)
            if (ovl__corpus_add_problem(c, &pv[k].p) != OVL_OK)
                rc = ovl__mpi_nomem(m);
        free(pv);
    }
    CHECK(rc);
    ovl__corpus_set_dirs(c, dirs);
    ovl__corpus_partinfo pi = {(size_t)first, (size_t)all[0], held, m->st.sent[0], ovl__mpi_now() - t0, names_held};
    ovl__corpus_set_part(c, &pi);
done:
    free(b.p);
    free(got);
    free(got2);
    free(samples);
    free(wv);
    free(sv);
    free(order);
    free(counts);
    free(lens);
    free(pw.p);
    free(tags.p);
    ovl_corpus_free(walked);
    ovl__mpi_run_free(m);
    return rc;
}

size_t ovl_corpus_mpi_total(const ovl_corpus *c, size_t *first)
{
    ovl__corpus_partinfo pi;
    if (!ovl__corpus_part(c, &pi))
        pi.first = 0, pi.total = ovl_corpus_count(c);
    if (first)
        *first = pi.first;
    return pi.total;
}
