/* results.c - the scan's results over MPI ranks: pair records merged on rank 0 in report order, the other ranks serving what it asks for, and rank 0's report. */
#include "results.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fetcher {
    mpi_run *m;
    FILE *spool; /* rank 0's own */
} fetcher;

static int fetch(void *data, ovl_ctx *ctx, uint64_t off, ovl_passage *buf, size_t n)
{
    fetcher *fx = data;
    int owner = (int)(off >> RANK_SHIFT);
    off &= ((uint64_t)1 << RANK_SHIFT) - 1;
    if (owner == 0) {
        if (fseeko(fx->spool, (off_t)off, SEEK_SET) != 0 || fread(buf, sizeof *buf, n, fx->spool) != n)
            return ovl__fail(ctx, OVL_ERR_IO, -1, "cannot read the temporary passage file");
        return OVL_OK;
    }
    int got = 0;
    size_t len = 0;
    ovl__mpi_request(fx->m, owner, REQ_PASSAGES, off, n);
    char *p = ovl__mpi_reply(fx->m, owner, &len, &got);
    if (!got)
        return ovl__fail(ctx, OVL_ERR_IO, -1, "rank %d: cannot read its temporary passage file", owner);
    if (!p || len != n * sizeof *buf) {
        free(p);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
    }
    memcpy(buf, p, len);
    free(p);
    return OVL_OK;
}

/* ---- pair records merged on rank 0 -------------------------------------------------------- */

static void put_rec(ovl__bbuf *b, const ovl__prec *q)
{
    uint32_t u[4] = {q->a, q->b, q->n, (uint32_t)q->status};
    uint64_t v[3] = {q->off, q->ra, q->rb};
    ovl__bput(b, u, sizeof u);
    ovl__bput(b, v, sizeof v);
    ovl__bput(b, &q->top, sizeof q->top);
    ovl__mpi_put_str(b, q->error);
}

/* A record put by put_rec, its error pointing into the bytes. */
static int get_rec(rbuf *b, ovl__prec *q, const char **err)
{
    uint32_t u[4];
    uint64_t v[3];
    memset(q, 0, sizeof *q);
    if (ovl__mpi_get(b, u, sizeof u) || ovl__mpi_get(b, v, sizeof v) ||
        ovl__mpi_get(b, &q->top, sizeof q->top) || ovl__mpi_get_str(b, err))
        return -1;
    q->a = u[0], q->b = u[1], q->n = u[2], q->status = (int)u[3];
    q->off = v[0], q->ra = v[1], q->rb = v[2];
    return 0;
}

/* One rank's records as rank 0 merges them: its own array (rank 0) or windows asked of the
 * rank; cur is the next record (off tagged with the rank), err its error. */
typedef struct msrc {
    int rank, has, done;
    const ovl__prec *own;
    size_t nown, at;
    char *buf;
    rbuf in;
    ovl__prec cur;
    const char *err;
} msrc;

static int msrc_next(mpi_run *m, msrc *s, uint64_t window)
{
    s->has = 0;
    if (s->rank == 0) {
        if (s->at < s->nown) {
            s->cur = s->own[s->at++];
            s->err = s->cur.error;
            s->has = 1;
        }
        return OVL_OK;
    }
    if (s->in.at == s->in.n && !s->done) {
        int ok = 0;
        size_t len = 0;
        free(s->buf);
        ovl__mpi_request(m, s->rank, REQ_RECS, window, 0);
        s->buf = ovl__mpi_reply(m, s->rank, &len, &ok);
        s->in = (rbuf){s->buf, s->buf ? len : 0, 0};
        if (!ok)
            return ovl__fail(m->ctx, OVL_ERR_NOMEM, -1, "rank %d: out of memory", s->rank);
        if (!s->buf)
            return ovl__mpi_nomem(m);
        s->done = len == 0;
    }
    if (s->in.at == s->in.n)
        return OVL_OK;
    if (get_rec(&s->in, &s->cur, &s->err) != 0)
        return ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "rank %d: a pair record could not be read back", s->rank);
    s->cur.off |= (uint64_t)s->rank << RANK_SHIFT;
    s->has = 1;
    return OVL_OK;
}

static int cmp_iv(const void *x, const void *y)
{
    const ovl__iv *a = x, *b = y;
    if (a->s != b->s)
        return a->s < b->s ? -1 : 1;
    return (a->e > b->e) - (a->e < b->e);
}

/* A document's reused spans sorted and overlapping ones joined, in place (what the report
 * does with them too), so that they travel as few as they are. */
static void merge_spans(ovl__dstat *d)
{
    if (d->n > 1) {
        qsort(d->v, d->n, sizeof *d->v, cmp_iv);
        size_t k = 0;
        for (size_t i = 1; i < d->n; i++)
            if (d->v[i].s <= d->v[k].e) {
                if (d->v[i].e > d->v[k].e)
                    d->v[k].e = d->v[i].e;
            } else {
                d->v[++k] = d->v[i];
            }
        d->n = k + 1;
    }
    d->merged = d->n;
}

/* The figures (reused spans, sources, the best source, failures) of the documents of a's
 * run that want names (ascending, numbered in the corpus) or that failed, numbered in the
 * corpus. */
static void put_figs(ovl__bbuf *b, part *a, const uint32_t *want, size_t nwant)
{
    for (size_t i = 0; i < a->nids; i++) {
        ovl__dstat *d = &a->r.ds[i];
        if ((!d->sources && !d->n && !d->failure) ||
            (!d->failure && ovl__mpi_pos_of(want, nwant, a->ids[i]) == SIZE_MAX))
            continue;
        merge_spans(d);
        uint32_t u[3] = {a->ids[i], d->sources, (uint32_t)d->failure_code};
        int64_t src = d->best_src >= 0 ? (int64_t)a->ids[d->best_src] : -1;
        uint64_t v[3] = {d->best, (uint64_t)src, d->n};
        ovl__bput(b, u, sizeof u);
        ovl__bput(b, v, sizeof v);
        ovl__bput(b, d->v, d->n * sizeof *d->v);
        ovl__mpi_put_str(b, d->failure);
    }
}

/* Reads the figures put by put_figs: with r NULL, adds their documents and best sources to
 * ids (*nids, room for cap; -1 past it); else adds them to r's figures, its documents being
 * ids. */
static int get_figs(const char *buf, size_t len, ovl__run *r, uint32_t *ids, size_t *nids, size_t cap)
{
    rbuf b = {buf, len, 0};
    while (b.at < b.n) {
        uint32_t u[3];
        uint64_t v[3];
        const char *fail;
        if (ovl__mpi_get(&b, u, sizeof u) || ovl__mpi_get(&b, v, sizeof v) || v[2] > (b.n - b.at) / sizeof(ovl__iv))
            return -1;
        const char *sp = b.p + b.at;
        b.at += v[2] * sizeof(ovl__iv);
        if (ovl__mpi_get_str(&b, &fail))
            return -1;
        if (!r) {
            if (*nids + 2 > cap)
                return -1;
            ids[(*nids)++] = u[0];
            if ((int64_t)v[1] >= 0)
                ids[(*nids)++] = (uint32_t)v[1];
            continue;
        }
        size_t i = ovl__mpi_pos_of(ids, *nids, u[0]);
        int64_t src = (int64_t)v[1] >= 0 ? (int64_t)ovl__mpi_pos_of(ids, *nids, (uint32_t)v[1]) : -1;
        if (i == SIZE_MAX || src == (int64_t)SIZE_MAX)
            return -1;
        ovl__dstat *d = &r->ds[i];
        if (ovl__grow(&d->v, &d->cap, d->n + v[2] + 1, sizeof *d->v) != 0)
            return -2;
        memcpy(d->v + d->n, sp, v[2] * sizeof *d->v);
        d->n += v[2];
        d->sources += u[1];
        if (src >= 0 && (d->best_src < 0 || v[0] > d->best || (v[0] == d->best && src < d->best_src))) {
            d->best = v[0];
            d->best_src = src;
        }
        if (fail && !d->failure) {
            if (!(d->failure = strdup(fail)))
                return -2;
            d->failure_code = (int)u[2];
        }
    }
    return 0;
}

/* The documents of a share (records docs, c's entry of docs[k] at ci + k) from position
 * from with replaced byte sequences, at most most of them: the position after the last one
 * looked at, then per document its number (base + k), count and path. */
static void put_replaced(ovl__bbuf *b, const ovl_corpus *c, size_t ci, const ovl_scan_doc *docs, size_t cnt,
                         size_t base, uint64_t from, uint64_t most)
{
    uint64_t k = from, put = 0;
    ovl__bput(b, &k, sizeof k);
    for (; k < cnt && put < most && !b->bad; k++)
        if (docs[k].replaced) {
            uint64_t v[2] = {base + k, docs[k].replaced};
            ovl__bput(b, v, sizeof v);
            ovl__mpi_put_str(b, ovl_corpus_name(c, ci + k));
            put++;
        }
    if (!b->bad)
        memcpy(b->p, &k, sizeof k);
}

/* The copies of cops[0, n) (sorted by group) from position from: most of them and the rest
 * of the last group (a group is written whole), after the position following them. */
static void put_copies(ovl__bbuf *b, const dcopy *cops, size_t n, uint64_t from, uint64_t most)
{
    uint64_t end = from < n ? from : n;
    end = n - end > most ? end + most : n;
    while (end > from && end < n && cops[end].b == cops[end - 1].b)
        end++;
    ovl__bput(b, &end, sizeof end);
    if (end > from)
        ovl__bput(b, cops + from, (size_t)(end - from) * sizeof *cops);
}

void ovl__mpi_serve(mpi_run *m, part *a, const ovl_corpus *c, const ovl_scan_doc *mydocs, size_t lo, size_t cnt,
                    const dcopy *cops, size_t ncops, int ok)
{
    ovl__run *r = &a->r;
    size_t at = 0;
    ovl_passage *ps = NULL;
    size_t cap = 0;
    for (;;) {
        uint64_t req[3];
        MPI_Recv(req, 3, MPI_UINT64_T, 0, TAG_REQ, m->comm, MPI_STATUS_IGNORE);
        if (req[0] == REQ_END)
            break;
        ovl__bbuf b = {0};
        int got = ok;
        if (req[0] == REQ_RECS) {
            for (uint64_t k = 0; got && k < req[1] && at < r->nrecs; k++)
                put_rec(&b, &r->recs[at++]);
        } else if (req[0] == REQ_REST) {
            uint64_t unlisted = 0;
            ovl__bput(&b, &unlisted, sizeof unlisted);
            for (; got && at < r->nrecs; at++)
                if (r->recs[at].status == OVL_OK)
                    unlisted++;
                else
                    put_rec(&b, &r->recs[at]);
            if (!b.bad)
                memcpy(b.p, &unlisted, sizeof unlisted);
        } else if (req[0] == REQ_FIGS || req[0] == REQ_DOCS || req[0] == REQ_ENTRIES) {
            /* Documents rank 0 names: sorted ids. */
            size_t len = 0;
            uint32_t *ids = ovl__mpi_recv_bytes(m, 0, &len), nids = (uint32_t)(len / sizeof *ids);
            got = got && ids;
            if (got && req[0] == REQ_FIGS)
                put_figs(&b, a, ids, nids);
            for (size_t k = 0; got && req[0] != REQ_FIGS && k < nids; k++)
                if (ids[k] < lo || ids[k] >= lo + cnt)
                    got = 0;
                else if (req[0] == REQ_DOCS)
                    ovl__bput(&b, &mydocs[ids[k] - lo], sizeof *mydocs);
                else
                    ovl__mpi_put_entries(m, &b, c, &ids[k], 1);
            free(ids);
        } else if (req[0] == REQ_REPLACED) {
            if (got)
                put_replaced(&b, c, lo - m->lbase, mydocs, cnt, lo, req[1], req[2]);
        } else if (req[0] == REQ_COPIES) {
            if (got)
                put_copies(&b, cops, ncops, req[1], req[2]);
        } else if (req[0] == REQ_PASSAGES) {
            got = got && ovl__grow(&ps, &cap, (size_t)req[2] + 1, sizeof *ps) == 0 &&
                  fseeko(r->spool, (off_t)req[1], SEEK_SET) == 0 &&
                  fread(ps, sizeof *ps, (size_t)req[2], r->spool) == req[2];
            if (got)
                ovl__bput(&b, ps, (size_t)req[2] * sizeof *ps);
        }
        got = got && !b.bad;
        MPI_Send(&got, 1, MPI_INT, 0, TAG_OK, m->comm);
        if (got)
            ovl__mpi_send_bytes(m, b.p, b.n, 0);
        free(b.p);
    }
    free(ps);
}

void ovl__mpi_recset_free(recset *s)
{
    for (size_t k = 0; k < s->n; k++)
        free(s->v[k].error);
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* Appends q (its error copied). */
static int keep_rec(mpi_run *m, recset *s, const ovl__prec *q, const char *err)
{
    if (ovl__grow(&s->v, &s->cap, s->n + 1, sizeof *s->v) != 0)
        return ovl__mpi_nomem(m);
    ovl__prec *k = &s->v[s->n];
    *k = *q;
    k->error = NULL;
    if (err && !(k->error = strdup(err)))
        return ovl__mpi_nomem(m);
    s->n++;
    return OVL_OK;
}

/* A record past the listed ones: counted when it has passages (unlisted), kept in rest when
 * it failed (failed pairs are always shown). */
static int tally(mpi_run *m, const ovl__prec *q, const char *err, recset *rest, uint64_t *unlisted)
{
    if (q->status == OVL_OK) {
        (*unlisted)++;
        return OVL_OK;
    }
    return keep_rec(m, rest, q, err);
}

int ovl__mpi_merge_results(mpi_run *m, const ovl_scan_opts *o, const ovl__prec *own, size_t nown,
                         uint64_t window, recset *out, uint64_t *unlisted, uint64_t *most)
{
    int P = m->size, rc = OVL_OK;
    size_t L = o->list_pairs;
    msrc *src = calloc(P, sizeof *src);
    recset rest = {0};
    if (!src)
        return ovl__mpi_nomem(m);
    for (int p = 0; p < P; p++)
        src[p].rank = p;
    src[0].own = own, src[0].nown = nown;
    for (int p = 0; rc == OVL_OK && p < P; p++)
        rc = msrc_next(m, &src[p], window);
    while (rc == OVL_OK && (!L || out->n < L)) {
        msrc *best = NULL;
        for (int p = 0; p < P; p++)
            if (src[p].has && (!best || ovl__prec_cmp(&src[p].cur, &best->cur) < 0))
                best = &src[p];
        if (!best)
            break;
        if ((rc = keep_rec(m, out, &best->cur, best->err)) == OVL_OK)
            rc = msrc_next(m, best, window);
        uint64_t h = out->n * sizeof *out->v;
        for (int p = 1; p < P; p++)
            h += src[p].in.n;
        if (h > *most)
            *most = h;
    }
    /* Past the listed ones: the failed records of each rank (all shown), the others counted;
     * first those at hand (the next record and the rest of its window), then the rank's. */
    for (int p = 0; rc == OVL_OK && p < P; p++) {
        msrc *s = &src[p];
        while (rc == OVL_OK && s->has) {
            rc = tally(m, &s->cur, s->err, &rest, unlisted);
            s->has = 0;
            if (rc == OVL_OK && (s->rank == 0 || s->in.at < s->in.n))
                rc = msrc_next(m, s, window);
        }
        if (rc != OVL_OK || s->rank == 0 || s->done)
            continue;
        int ok = 0;
        size_t len = 0;
        ovl__mpi_request(m, p, REQ_REST, 0, 0);
        free(s->buf);
        s->buf = ovl__mpi_reply(m, p, &len, &ok);
        s->in = (rbuf){s->buf, s->buf ? len : 0, 0};
        uint64_t u = 0;
        if (!ok)
            rc = ovl__fail(m->ctx, OVL_ERR_NOMEM, -1, "rank %d: out of memory", p);
        else if (!s->buf)
            rc = ovl__mpi_nomem(m);
        else if (ovl__mpi_get(&s->in, &u, sizeof u) != 0)
            rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "rank %d: a pair record could not be read back", p);
        *unlisted += u;
        s->done = 1;
        while (rc == OVL_OK && s->in.at < s->in.n && (rc = msrc_next(m, s, window)) == OVL_OK)
            rc = tally(m, &s->cur, s->err, &rest, unlisted);
        s->has = 0;
    }
    if (rc == OVL_OK && rest.n > 1)
        qsort(rest.v, rest.n, sizeof *rest.v, ovl__prec_cmp);
    for (size_t k = 0; rc == OVL_OK && k < rest.n; k++)
        rc = keep_rec(m, out, &rest.v[k], rest.v[k].error);
    ovl__mpi_recset_free(&rest);
    for (int p = 0; p < P; p++)
        free(src[p].buf);
    free(src);
    return rc;
}

/* The copy groups as rank 0 writes them (ovl__run's copies hook): each rank's in turn (the
 * groups its share leads, in report order), whole groups of a window at a time; members
 * and firsts in report order, their names (and the firsts' records) asked of the ranks
 * holding them a window at a time and dropped once their groups are written. */
typedef struct cstream {
    mpi_run *m;
    const rootin *in;
    size_t held; /* documents of the report's run */
} cstream;

/* Writes the groups of g[0, n) (whole groups, sorted by group, then copy). */
static int write_copies(cstream *cs, ovl__run *r, const dcopy *g, size_t n)
{
    mpi_run *m = cs->m;
    const rootin *in = cs->in;
    size_t W = in->copy_window ? (size_t)in->copy_window : 1;
    if (W > 2 * n)
        W = 2 * n + 1; /* (every copy and a first for each) */
    int rc = OVL_OK;
    uint32_t *seq = malloc(W * sizeof *seq), *uids = malloc(W * sizeof *uids), *fids = malloc(W * sizeof *fids);
    ovl_scan_doc *dr = malloc(W * sizeof *dr);
    /* The group being written: its names (bytes, their offsets), similarities, paths. */
    ovl__bbuf names = {0};
    size_t *off = NULL, gn = 0, gcap = 0, pcap = 0, scap = 0;
    double *sim = NULL;
    const char **paths = NULL;
    uint64_t gbytes = 0, gchars = 0;
    if (!seq || !uids || !fids || !dr)
        rc = ovl__mpi_nomem(m);
    size_t pos = 0;
    for (int need_first = 1; rc == OVL_OK && pos < n;) {
        /* The window: up to W documents in report order (a group's first, then its members). */
        size_t ns = 0, nf = 0, p2 = pos;
        for (int nfirst = need_first; ns < W && p2 < n;) {
            if (nfirst) {
                seq[ns++] = fids[nf++] = g[p2].b;
                nfirst = 0;
                continue;
            }
            seq[ns++] = g[p2].a;
            nfirst = p2 + 1 == n || g[p2 + 1].b != g[p2].b;
            p2++;
        }
        memcpy(uids, seq, ns * sizeof *uids);
        size_t nu = ovl__mpi_sort_uniq_u32(uids, ns), fetched = 0, named = 0;
        ovl__bbuf ent = {0};
        ovl_corpus *view = NULL;
        rc = ovl__mpi_ask_docs(m, in->first, in->mydocs, in->c, fids, nf, dr, NULL, &fetched);
        if (rc == OVL_OK && m->parted && (rc = ovl__mpi_ask_docs(m, in->first, in->mydocs, in->c, uids, nu, NULL, &ent, &named)) == OVL_OK)
            rc = ovl__mpi_entries_corpus(m, ent.p, ent.n, nu, &view);
        free(ent.p);
        ovl__mpi_held_docs(m, cs->held + nf, fetched);
        if (m->parted)
            ovl__mpi_held_paths(m, cs->held + nu);
        for (size_t k = 0, f = 0; rc == OVL_OK && k < ns; k++) {
            const char *name = m->parted ? ovl_corpus_name(view, ovl__mpi_pos_of(uids, nu, seq[k]))
                                         : ovl_corpus_name(in->c, seq[k]);
            double s = 0;
            if (need_first) {
                gn = 0, names.n = 0;
                gbytes = dr[f].bytes, gchars = dr[f].chars;
                f++;
            } else if (g[pos].sim > 0) {
                s = g[pos].sim;
            }
            if (ovl__grow(&off, &gcap, gn + 1, sizeof *off) != 0 || ovl__grow(&sim, &scap, gn + 1, sizeof *sim) != 0) {
                rc = ovl__mpi_nomem(m);
                break;
            }
            off[gn] = names.n;
            sim[gn++] = s;
            ovl__bput(&names, name, strlen(name) + 1);
            if (names.bad) {
                rc = ovl__mpi_nomem(m);
                break;
            }
            if (need_first) {
                need_first = 0;
                continue;
            }
            size_t at = pos++;
            if (pos < n && g[pos].b == g[at].b)
                continue;
            /* The group is whole: written, and its names dropped. */
            need_first = 1;
            if (ovl__grow(&paths, &pcap, gn, sizeof *paths) != 0) {
                rc = ovl__mpi_nomem(m);
                break;
            }
            for (size_t x = 0; x < gn; x++)
                paths[x] = names.p + off[x];
            rc = ovl__run_copy_group(r, paths, sim, gn, gbytes, gchars);
        }
        ovl_corpus_free(view);
    }
    free(seq);
    free(uids);
    free(fids);
    free(dr);
    free(names.p);
    free(off);
    free(sim);
    free((void *)paths);
    return rc;
}

/* Rank p's answer to the request what (from, most), or rank 0's own, own (built by the
 * caller when p is 0): *got (malloc'd, *len bytes). */
static int window_of(mpi_run *m, int p, uint64_t what, uint64_t from, uint64_t most, const ovl__bbuf *own,
                     char **got, size_t *len)
{
    if (p == 0) {
        *got = own->p, *len = own->n;
        return own->bad ? ovl__mpi_nomem(m) : OVL_OK;
    }
    int ok = 0;
    ovl__mpi_request(m, p, what, from, most);
    if (!(*got = ovl__mpi_reply(m, p, len, &ok)))
        return ok ? ovl__mpi_nomem(m) : ovl__fail(m->ctx, OVL_ERR_NOMEM, -1, "rank %d: out of memory", p);
    return OVL_OK;
}

static int stream_copies(void *data, ovl__run *r)
{
    cstream *cs = data;
    mpi_run *m = cs->m;
    const rootin *in = cs->in;
    uint64_t most = in->copy_window ? in->copy_window : 1;
    int rc = OVL_OK;
    for (int p = 0; rc == OVL_OK && p < m->size; p++)
        for (uint64_t from = 0;;) {
            ovl__bbuf own = {0};
            char *got = NULL;
            size_t len = 0;
            if (p == 0)
                put_copies(&own, in->cops, in->ncops, from, most);
            rc = window_of(m, p, REQ_COPIES, from, most, &own, &got, &len);
            rbuf b = {got, len, 0};
            uint64_t next = 0;
            size_t nc = len > sizeof next ? (len - sizeof next) / sizeof(dcopy) : 0;
            if (rc == OVL_OK && (ovl__mpi_get(&b, &next, sizeof next) || next < from || next - from != nc ||
                                 len != sizeof next + nc * sizeof(dcopy)))
                rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "rank %d: copy groups could not be read back", p);
            if (rc == OVL_OK && nc) {
                /* (Aligned for the records: the count came first.) */
                dcopy *g = malloc(nc * sizeof *g);
                if (!g)
                    rc = ovl__mpi_nomem(m);
                else
                    memcpy(g, got + sizeof next, nc * sizeof *g);
                ovl__mpi_held(m, nc * sizeof *g);
                if (rc == OVL_OK)
                    rc = write_copies(cs, r, g, nc);
                free(g);
            }
            free(got);
            if (rc != OVL_OK || !nc)
                break;
            from = next;
        }
    return rc;
}

/* The documents with replaced byte sequences, in document order, to the sink (ovl__run's
 * replaced hook): rank 0's share's from its records, each other rank's asked of it a window
 * at a time, so that rank 0 holds a window of names, not every such document's. */
static int tell_replaced(void *data, ovl__run *r)
{
    cstream *cs = data;
    mpi_run *m = cs->m;
    const rootin *in = cs->in;
    uint64_t most = in->copy_window ? in->copy_window : 1;
    int rc = OVL_OK;
    for (int p = 0; rc == OVL_OK && p < m->size; p++) {
        uint64_t cnt = in->first[p + 1] - in->first[p];
        for (uint64_t from = 0; rc == OVL_OK && from < cnt;) {
            ovl__bbuf own = {0};
            char *got = NULL;
            size_t len = 0;
            if (p == 0)
                put_replaced(&own, in->c, in->first[0] - m->lbase, in->mydocs, cnt, in->first[0], from, most);
            rc = window_of(m, p, REQ_REPLACED, from, most, &own, &got, &len);
            rbuf b = {got, len, 0};
            uint64_t next = 0;
            if (rc == OVL_OK && (ovl__mpi_get(&b, &next, sizeof next) || next <= from))
                rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "rank %d: replaced counts could not be read back", p);
            while (rc == OVL_OK && b.at < b.n) {
                uint64_t v[2];
                const char *path = NULL;
                if (ovl__mpi_get(&b, v, sizeof v) || ovl__mpi_get_str(&b, &path) || !path)
                    rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "rank %d: replaced counts could not be read back", p);
                else
                    rc = ovl__run_replaced(r, (size_t)v[0], path, (size_t)v[1]);
            }
            free(got);
            from = next;
        }
    }
    return rc;
}

int ovl__mpi_root_report(mpi_run *m, const rootin *in, part *a, recset *recs, part *rep)
{
    int P = m->size, rc = OVL_OK;
    uint32_t *want = NULL, *ids = NULL;
    size_t nwant = 0, nids = 0, cap = 0;
    char **figs = calloc(P, sizeof *figs);
    size_t *flen = calloc(P, sizeof *flen);
    ovl__bbuf own = {0};
    if (!figs || !flen || !(want = malloc((2 * recs->n + 1) * sizeof *want)))
        rc = ovl__mpi_nomem(m);
    for (size_t k = 0; rc == OVL_OK && k < recs->n; k++)
        want[nwant++] = recs->v[k].a, want[nwant++] = recs->v[k].b;
    if (rc == OVL_OK)
        nwant = ovl__mpi_sort_uniq_u32(want, nwant);
    /* The figures of those documents, and of every document that failed, from every rank. */
    if (rc == OVL_OK) {
        put_figs(&own, a, want, nwant);
        if (own.bad)
            rc = ovl__mpi_nomem(m);
        figs[0] = own.p, flen[0] = own.n;
        own.p = NULL;
        ovl__mpi_part_shed(a, 1);
    }
    for (int p = 1; rc == OVL_OK && p < P; p++)
        rc = ovl__mpi_ask(m, p, REQ_FIGS, want, nwant, &figs[p], &flen[p]);
    /* The documents named. */
    /* (The families and occurrences listed: all that ovl__families_keep left.) */
    size_t top = in->use_fam ? in->fam->n : 0;
    cap = nwant;
    for (int p = 0; p < P; p++)
        cap += flen[p] / (3 * sizeof(uint32_t) + 3 * sizeof(uint64_t)) * 2 + 2;
    for (size_t k = 0; k < top; k++)
        cap += in->fam->f[k].nspans + 1;
    if (rc == OVL_OK && !(ids = malloc((cap + 1) * sizeof *ids)))
        rc = ovl__mpi_nomem(m);
    if (rc == OVL_OK) {
        memcpy(ids, want, nwant * sizeof *ids);
        nids = nwant;
    }
    for (int p = 0; rc == OVL_OK && p < P; p++)
        if (get_figs(figs[p], flen[p], NULL, ids, &nids, cap) != 0)
            rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "rank %d: figures could not be read back", p);
    for (size_t k = 0; rc == OVL_OK && k < top; k++) {
        const ovl__fam *f = &in->fam->f[k];
        for (size_t x = 0; x < f->nspans; x++)
            ids[nids++] = in->fam->spans[f->first_span + x].doc;
        ids[nids++] = in->fam->spans[f->rep].doc;
    }
    if (rc == OVL_OK)
        nids = ovl__mpi_sort_uniq_u32(ids, nids);
    /* Their records, from their owners. */
    ovl_scan_doc *dr = rc == OVL_OK ? malloc((nids ? nids : 1) * sizeof *dr) : NULL;
    size_t fetched = 0;
    ovl__bbuf ent = {0}; /* their file list entries (the corpus walked in parts) */
    if (rc == OVL_OK && !dr)
        rc = ovl__mpi_nomem(m);
    if (rc == OVL_OK)
        rc = ovl__mpi_ask_docs(m, in->first, in->mydocs, in->c, ids, nids, dr, m->parted ? &ent : NULL, &fetched);
    if (rc == OVL_OK && ent.bad)
        rc = ovl__mpi_nomem(m);
    memset(rep, 0, sizeof *rep);
    if (rc == OVL_OK) {
        rep->ids = ids, rep->nids = nids;
        ids = NULL;
        if (m->parted)
            rc = ovl__mpi_entries_corpus(m, ent.p, ent.n, nids, &rep->view);
        else if (!(rep->view = ovl__corpus_view(in->c, rep->ids, nids)))
            rc = ovl__mpi_nomem(m);
        if (rc == OVL_OK && (rc = ovl__run_init(&rep->r, m->ctx, rep->view, in->o, in->sink)) == OVL_OK && nids)
            memcpy(rep->r.docs, dr, nids * sizeof *dr);
    }
    free(ent.p);
    free(dr);
    ovl__mpi_held_docs(m, nids, fetched); /* (a's records are given back by now) */
    if (m->parted)
        ovl__mpi_held_paths(m, nids);
    ovl__run *r = &rep->r;
    const uint32_t *rid = rep->ids;
    /* Figures, copies, families and records numbered by position among those documents. */
    for (int p = 0; rc == OVL_OK && p < P; p++) {
        int e = get_figs(figs[p], flen[p], r, rep->ids, &rep->nids, 0);
        if (e)
            rc = e == -2
                     ? ovl__mpi_nomem(m)
                     : ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "rank %d: figures could not be read back", p);
    }
    if (rc == OVL_OK && in->use_fam) {
        r->fam = *in->fam;
        memset(in->fam, 0, sizeof *in->fam);
        /* (An occurrence not listed has no name here: UINT32_MAX.) */
        if (ovl__mpi_relabel_spans(&r->fam, rid, nids, 0) != 0)
            rc = ovl__mpi_nomem(m);
        r->use_fam = 1;
    }
    if (rc == OVL_OK) {
        r->recs = recs->v, r->nrecs = recs->n, r->caprecs = recs->cap;
        memset(recs, 0, sizeof *recs);
        for (size_t k = 0; k < r->nrecs; k++) {
            r->recs[k].a = (uint32_t)ovl__mpi_pos_of(rid, nids, r->recs[k].a);
            r->recs[k].b = (uint32_t)ovl__mpi_pos_of(rid, nids, r->recs[k].b);
        }
        r->sum = in->sum;
        ovl__mpi_held(m, r->nrecs * sizeof *r->recs);
    }
    if (rc == OVL_OK) {
        double t = ovl__mpi_now();
        fetcher fx = {m, a->r.spool};
        cstream cs = {m, in, nids};
        r->fetch = fetch;
        r->fetch_data = &fx;
        r->copies = stream_copies;
        r->copies_data = &cs;
        r->replaced = tell_replaced;
        r->replaced_data = &cs;
        rc = ovl__run_finish(r);
        r->fetch = NULL;
        r->copies = NULL;
        r->replaced = NULL;
        r->sum.seconds[4] = ovl__mpi_now() - t + (t - m->t_phase);
    }
    for (int p = 0; figs && p < P; p++)
        free(figs[p]);
    free(figs);
    free(flen);
    free(want);
    free(ids);
    return rc;
}
