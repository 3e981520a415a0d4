/* run.c - a scan's MPI ranks: their phases and figures, their failures agreed on, and the bytes moved between them (exchanges, byte records, rank 0's requests). */
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int ovl__mpi_same(MPI_Comm comm, uint64_t n, uint64_t h, uint64_t *most)
{
    /* Maxima of the values and of their complements: equal on every rank only when all are. */
    uint64_t v[4] = {n, h, ~n, ~h};
    MPI_Allreduce(MPI_IN_PLACE, v, 4, MPI_UINT64_T, MPI_MAX, comm);
    *most = v[0];
    return v[0] == n && v[1] == h && v[2] == ~n && v[3] == ~h;
}

void ovl__mpi_run_init(mpi_run *m, ovl_ctx *ctx, MPI_Comm comm)
{
    memset(m, 0, sizeof *m);
    m->comm = comm;
    m->ctx = ctx;
    MPI_Comm_rank(comm, &m->rank);
    MPI_Comm_size(comm, &m->size);
    m->st.rank = m->rank;
    m->st.ranks = m->size;
    m->t_phase = ovl__mpi_now();
}

int ovl__mpi_run_alloc(mpi_run *m)
{
    size_t P = (size_t)m->size;
    m->u1 = calloc(P, sizeof *m->u1);
    m->u2 = calloc(P, sizeof *m->u2);
    m->z1 = calloc(P + 1, sizeof *m->z1);
    m->z2 = calloc(P + 1, sizeof *m->z2);
    m->ic = calloc(4 * P, sizeof *m->ic);
    m->parts = calloc(P, sizeof *m->parts);
    m->sb = malloc(XCHG_CHUNK);
    m->rb = malloc(XCHG_CHUNK);
    return m->u1 && m->u2 && m->z1 && m->z2 && m->ic && m->parts && m->sb && m->rb ? 0 : -1;
}

void ovl__mpi_run_free(mpi_run *m)
{
    free(m->u1);
    free(m->u2);
    free(m->z1);
    free(m->z2);
    free(m->ic);
    free(m->parts);
    free(m->sb);
    free(m->rb);
}

double ovl__mpi_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The peak resident bytes of this process so far (VmHWM), 0 where /proc does not tell. */
static uint64_t rss_peak(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return (uint64_t)kb * 1024;
}

void ovl__mpi_next_phase(mpi_run *m, int phase)
{
    double t = ovl__mpi_now();
    /* (The kernel's counters lag by a few pages per thread: the peak so far never falls.) */
    uint64_t peak = rss_peak();
    for (int p = 0; p < m->phase; p++)
        if (m->st.rss_peak[p] > peak)
            peak = m->st.rss_peak[p];
    m->st.rss_peak[m->phase] = peak;
    m->st.seconds[m->phase] += t - m->t_phase;
    m->t_phase = t;
    m->phase = phase;
    if (m->share > m->st.docs_held[phase])
        m->st.docs_held[phase] = m->share;
    if (m->paths > m->st.paths_held[phase])
        m->st.paths_held[phase] = m->paths;
}

void ovl__mpi_held_paths(mpi_run *m, uint64_t more)
{
    if (m->paths + more > m->st.paths_held[m->phase])
        m->st.paths_held[m->phase] = m->paths + more;
}

void ovl__mpi_held(mpi_run *m, uint64_t bytes)
{
    if (bytes > m->st.held[m->phase])
        m->st.held[m->phase] = bytes;
}

int ovl__mpi_agree(mpi_run *m, int rc)
{
    int mine = rc != OVL_OK ? m->rank : m->size, first = m->size;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, m->comm);
    if (first == m->size)
        return OVL_OK;
    char msg[512];
    int code = rc;
    if (m->rank == first)
        snprintf(msg, sizeof msg, "%s", ovl_ctx_message(m->ctx));
    MPI_Bcast(&code, 1, MPI_INT, first, m->comm);
    MPI_Bcast(msg, sizeof msg, MPI_CHAR, first, m->comm);
    msg[sizeof msg - 1] = '\0';
    if (m->size == 1)
        return ovl__fail(m->ctx, code, -1, "%s", msg);
    return ovl__fail(m->ctx, code, -1, "rank %d: %s", first, msg);
}

/* ---- moving bytes ------------------------------------------------------------------------ */

void ovl__mpi_bcast_bytes(mpi_run *m, void *buf, size_t len, int root)
{
    for (size_t at = 0; at < len; at += XCHG_CHUNK) {
        size_t k = len - at < XCHG_CHUNK ? len - at : XCHG_CHUNK;
        MPI_Bcast((char *)buf + at, (int)k, MPI_BYTE, root, m->comm);
    }
    if (m->rank == root)
        m->st.sent[m->phase] += (uint64_t)len * (uint64_t)(m->size - 1);
}

void ovl__mpi_send_bytes(mpi_run *m, const void *buf, size_t len, int to)
{
    uint64_t n = len;
    MPI_Send(&n, 1, MPI_UINT64_T, to, 0, m->comm);
    for (size_t at = 0; at < len; at += XCHG_CHUNK) {
        size_t k = len - at < XCHG_CHUNK ? len - at : XCHG_CHUNK;
        MPI_Send((const char *)buf + at, (int)k, MPI_BYTE, to, 1, m->comm);
    }
    m->st.sent[m->phase] += len;
}

void *ovl__mpi_recv_bytes(mpi_run *m, int from, size_t *len)
{
    uint64_t n = 0;
    MPI_Recv(&n, 1, MPI_UINT64_T, from, 0, m->comm, MPI_STATUS_IGNORE);
    char *buf = malloc(n ? n : 1);
    /* Pieces as ovl__mpi_send_bytes sent them (a smaller receive would be an error); without
     * room for the whole, each into the exchange's own buffer, and dropped. */
    for (size_t at = 0; at < n;) {
        size_t k = n - at < XCHG_CHUNK ? n - at : XCHG_CHUNK;
        MPI_Recv(buf ? buf + at : m->rb, (int)k, MPI_BYTE, from, 1, m->comm, MPI_STATUS_IGNORE);
        at += k;
    }
    *len = n;
    return buf;
}

int ovl__mpi_alltoall_bytes(mpi_run *m, const char *send, const size_t *counts, char **recv,
                          size_t *rcounts)
{
    int P = m->size, bad = 0;
    uint64_t *sc = m->u1, *rc = m->u2;
    size_t *soff = m->z1, *roff = m->z2;
    int *ic = m->ic;
    for (int p = 0; p < P; p++)
        sc[p] = counts[p];
    MPI_Alltoall(sc, 1, MPI_UINT64_T, rc, 1, MPI_UINT64_T, m->comm);
    soff[0] = roff[0] = 0;
    uint64_t most = 0;
    for (int p = 0; p < P; p++) {
        soff[p + 1] = soff[p] + sc[p];
        roff[p + 1] = roff[p] + rc[p];
        rcounts[p] = rc[p];
        if (p != m->rank)
            m->st.sent[m->phase] += sc[p];
        if (sc[p] > most)
            most = sc[p];
    }
    MPI_Allreduce(MPI_IN_PLACE, &most, 1, MPI_UINT64_T, MPI_MAX, m->comm);
    *recv = malloc(roff[P] ? roff[P] : 1);
    bad = !*recv;
    size_t chunk = XCHG_CHUNK / (size_t)P;
    if (most < chunk)
        chunk = most ? (size_t)most : 1;
    char *sb = m->sb, *rb = m->rb;
    int *scn = ic, *sds = ic + P, *rcn = ic + 2 * P, *rds = ic + 3 * P;
    for (uint64_t at = 0; at < most; at += chunk) {
        size_t s = 0, r = 0;
        for (int p = 0; p < P; p++) {
            size_t k = sc[p] > at ? (sc[p] - at < chunk ? sc[p] - at : chunk) : 0;
            if (k)
                memcpy(sb + s, send + soff[p] + at, k);
            scn[p] = (int)k, sds[p] = (int)s;
            s += k;
            k = rc[p] > at ? (rc[p] - at < chunk ? rc[p] - at : chunk) : 0;
            rcn[p] = (int)k, rds[p] = (int)r;
            r += k;
        }
        MPI_Alltoallv(sb, scn, sds, MPI_BYTE, rb, rcn, rds, MPI_BYTE, m->comm);
        for (int p = 0; p < P && !bad; p++)
            if (rcn[p])
                memcpy(*recv + roff[p] + at, rb + rds[p], (size_t)rcn[p]);
    }
    return bad ? -1 : 0;
}

size_t ovl__mpi_received(const size_t *rl, int P, size_t elem)
{
    size_t n = 0;
    for (int p = 0; p < P; p++)
        n += rl[p] / elem;
    return n;
}

int ovl__mpi_allgather_bytes(mpi_run *m, const void *mine, size_t len, char **out, size_t *lens)
{
    uint64_t l = len, *all = m->u1;
    MPI_Allgather(&l, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, m->comm);
    size_t total = 0;
    for (int p = 0; p < m->size; p++)
        total += lens[p] = all[p];
    char *buf = malloc(total ? total : 1);
    int bad = !buf;
    MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, m->comm);
    if (bad) {
        free(buf);
        *out = NULL;
        return -1;
    }
    size_t at = 0;
    for (int p = 0; p < m->size; p++) {
        if (p == m->rank && len)
            memcpy(buf + at, mine, len);
        ovl__mpi_bcast_bytes(m, buf + at, lens[p], p);
        at += lens[p];
    }
    *out = buf;
    return 0;
}

int ovl__mpi_gather_bytes(mpi_run *m, const void *mine, size_t len, char **out, size_t *lens)
{
    *out = NULL;
    if (m->rank != 0) {
        ovl__mpi_send_bytes(m, mine, len, 0);
        return 0;
    }
    char **parts = m->parts;
    size_t total = len;
    lens[0] = len;
    int bad = 0;
    for (int p = 1; p < m->size; p++) {
        parts[p] = ovl__mpi_recv_bytes(m, p, &lens[p]);
        bad |= !parts[p];
        total += lens[p];
    }
    char *buf = bad ? NULL : malloc(total ? total : 1);
    size_t at = 0;
    for (int p = 0; p < m->size && buf; p++) {
        if (lens[p])
            memcpy(buf + at, p == 0 ? mine : parts[p], lens[p]);
        at += lens[p];
    }
    for (int p = 1; p < m->size; p++)
        free(parts[p]), parts[p] = NULL;
    *out = buf;
    return buf ? 0 : -1;
}

void ovl__mpi_put_str(ovl__bbuf *b, const char *s)
{
    uint32_t len = s ? (uint32_t)strlen(s) + 1 : 0;
    ovl__bput(b, &len, sizeof len);
    ovl__bput(b, s, len);
}

int ovl__mpi_get(rbuf *b, void *x, size_t len)
{
    if (b->n - b->at < len)
        return -1;
    memcpy(x, b->p + b->at, len);
    b->at += len;
    return 0;
}

int ovl__mpi_get_str(rbuf *b, const char **s)
{
    uint32_t len;
    if (ovl__mpi_get(b, &len, sizeof len) != 0 || b->n - b->at < len || (len && b->p[b->at + len - 1]))
        return -1;
    *s = len ? b->p + b->at : NULL;
    b->at += len;
    return 0;
}

int ovl__mpi_nomem(mpi_run *m)
{
    return ovl__fail(m->ctx, OVL_ERR_NOMEM, -1, "out of memory");
}

void ovl__mpi_request(mpi_run *m, int to, uint64_t what, uint64_t x, uint64_t y)
{
    uint64_t req[3] = {what, x, y};
    MPI_Send(req, 3, MPI_UINT64_T, to, TAG_REQ, m->comm);
}

char *ovl__mpi_reply(mpi_run *m, int from, size_t *len, int *ok)
{
    MPI_Recv(ok, 1, MPI_INT, from, TAG_OK, m->comm, MPI_STATUS_IGNORE);
    *len = 0;
    return *ok ? ovl__mpi_recv_bytes(m, from, len) : NULL;
}

int ovl__mpi_ask(mpi_run *m, int p, uint64_t what, const uint32_t *ids, size_t nids, char **out, size_t *len)
{
    int ok = 0;
    ovl__mpi_request(m, p, what, 0, 0);
    ovl__mpi_send_bytes(m, ids, nids * sizeof *ids, p);
    *out = ovl__mpi_reply(m, p, len, &ok);
    if (!ok)
        return ovl__fail(m->ctx, OVL_ERR_NOMEM, -1, "rank %d: out of memory", p);
    return *out ? OVL_OK : ovl__mpi_nomem(m);
}

int ovl__mpi_owner_of(const size_t *first, int P, uint32_t id)
{
    int lo = 0, hi = P - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (first[mid] <= id)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

int ovl__mpi_cmp_size(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return (a > b) - (a < b);
}

int ovl__mpi_cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

int ovl__mpi_fetch_rows(mpi_run *m, const size_t *first, const void *table, size_t rowbytes, const uint32_t *ids,
                      size_t nids, void **out, size_t *fetched)
{
    int P = m->size, me = m->rank, rc = OVL_OK;
    size_t *cnt = calloc(P, sizeof *cnt), *rl = calloc(P, sizeof *rl), *rep = calloc(P, sizeof *rep);
    char *req = NULL, *rows = NULL, *reply = NULL;
    *out = NULL;
    if (!cnt || !rl || !rep)
        rc = OVL_ERR_NOMEM;
    for (size_t x = 0; rc == OVL_OK && x < nids; x++)
        cnt[ovl__mpi_owner_of(first, P, ids[x])] += sizeof *ids;
    if (fetched)
        *fetched = rc == OVL_OK ? (nids - cnt[me] / sizeof *ids) : 0;
    if ((rc = ovl__mpi_agree(m, rc == OVL_OK ? OVL_OK : ovl__mpi_nomem(m))) != OVL_OK)
        goto out;
    rc = ovl__mpi_alltoall_bytes(m, (const char *)ids, cnt, &req, rl) ? ovl__mpi_nomem(m) : OVL_OK;
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    size_t nreq = ovl__mpi_received(rl, P, sizeof(uint32_t));
    for (int p = 0; p < P; p++)
        rep[p] = rl[p] / sizeof(uint32_t) * rowbytes;
    if (!(reply = malloc(nreq ? nreq * rowbytes : 1)))
        rc = ovl__mpi_nomem(m);
    for (size_t x = 0; rc == OVL_OK && x < nreq; x++) {
        uint32_t id;
        memcpy(&id, req + x * sizeof id, sizeof id);
        if (id < first[me] || id >= first[me + 1]) {
            rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "a document's figures were asked of the wrong rank");
            break;
        }
        memcpy(reply + x * rowbytes, (const char *)table + (id - first[me]) * rowbytes, rowbytes);
    }
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    rc = ovl__mpi_alltoall_bytes(m, reply, rep, &rows, rl) ? ovl__mpi_nomem(m) : OVL_OK;
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    *out = rows;
    rows = NULL;
out:
    free(cnt);
    free(rl);
    free(rep);
    free(req);
    free(rows);
    free(reply);
    return rc;
}

size_t ovl__mpi_sort_uniq_u32(uint32_t *v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof *v, ovl__mpi_cmp_u32);
    size_t k = 0;
    for (size_t x = 0; x < n; x++)
        if (k == 0 || v[x] != v[k - 1])
            v[k++] = v[x];
    return k;
}

size_t ovl__mpi_pos_of(const uint32_t *ids, size_t n, uint32_t id)
{
    const uint32_t *at = n ? bsearch(&id, ids, n, sizeof *ids, ovl__mpi_cmp_u32) : NULL;
    return at ? (size_t)(at - ids) : SIZE_MAX;
}

void ovl__mpi_held_docs(mpi_run *m, uint64_t docs, uint64_t fetched)
{
    if (m->share + docs > m->st.docs_held[m->phase])
        m->st.docs_held[m->phase] = m->share + docs;
    m->st.docs_fetched[m->phase] += fetched;
}
