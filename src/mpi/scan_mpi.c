/* scan_mpi.c - ovl_scan spread over MPI ranks: the scan's own phases and emission, with the data moved between them by MPI. */
#include "overlap/scan_mpi.h"

#include "../corpus_int.h"
#include "../scan_run.h"
#include "../uf.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

/* Bytes one MPI call moves at most (counts and displacements are ints; the packing buffers
 * of a round are this big). */
#define XCHG_CHUNK ((size_t)1 << 25)

enum { PH_FP, PH_KEYS, PH_PAIRS, PH_BALANCE, PH_ALIGN, PH_RESULTS };

static const char *const phase_names[OVL_SCAN_MPI_PHASES] = {"fingerprint", "keys", "pairs",
                                                             "balance", "align", "results"};

const char *ovl_scan_mpi_phase(int phase)
{
    return phase >= 0 && phase < OVL_SCAN_MPI_PHASES ? phase_names[phase] : NULL;
}

typedef struct mpi_run {
    MPI_Comm comm;
    int rank, size;
    ovl_ctx *ctx;
    ovl_scan_mpi_stats st;
    int phase;
    double t_phase;
    uint64_t share; /* records of its share a rank holds all along */
    /* The corpus: walked in parts (ovl_corpus_add_paths_mpi: this rank's share only, its
     * entry 0 document lbase) or whole on every rank (lbase 0); paths: its entries, held
     * all along. */
    int parted;
    size_t lbase;
    uint64_t paths;
    /* Made once before the first exchange, so that no exchange can fail half-way on one
     * rank: per-rank counts, offsets and the packing buffers of a round. */
    uint64_t *u1, *u2;
    size_t *z1, *z2;
    int *ic;
    char **parts;
    char *sb, *rb;
} mpi_run;

static int mpi_run_alloc(mpi_run *m)
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

static void mpi_run_free(mpi_run *m)
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

static double now(void)
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

static void next_phase(mpi_run *m, int phase)
{
    double t = now();
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

/* The most file list entries held at once in the phase: the corpus's and more. */
static void held_paths(mpi_run *m, uint64_t more)
{
    if (m->paths + more > m->st.paths_held[m->phase])
        m->st.paths_held[m->phase] = m->paths + more;
}

static void held(mpi_run *m, uint64_t bytes)
{
    if (bytes > m->st.held[m->phase])
        m->st.held[m->phase] = bytes;
}

/* Every rank learns whether any rank failed; the lowest failing rank's code and message
 * become every rank's (prefixed with its number). Returns OVL_OK when none failed. */
static int agree(mpi_run *m, int rc)
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

/* Sends len bytes of buf from root to every rank, in pieces an int can count. */
static void bcast_bytes(mpi_run *m, void *buf, size_t len, int root)
{
    for (size_t at = 0; at < len; at += XCHG_CHUNK) {
        size_t k = len - at < XCHG_CHUNK ? len - at : XCHG_CHUNK;
        MPI_Bcast((char *)buf + at, (int)k, MPI_BYTE, root, m->comm);
    }
    if (m->rank == root)
        m->st.sent[m->phase] += (uint64_t)len * (uint64_t)(m->size - 1);
}

static void send_bytes(mpi_run *m, const void *buf, size_t len, int to)
{
    uint64_t n = len;
    MPI_Send(&n, 1, MPI_UINT64_T, to, 0, m->comm);
    for (size_t at = 0; at < len; at += XCHG_CHUNK) {
        size_t k = len - at < XCHG_CHUNK ? len - at : XCHG_CHUNK;
        MPI_Send((const char *)buf + at, (int)k, MPI_BYTE, to, 1, m->comm);
    }
    m->st.sent[m->phase] += len;
}

/* Receives what send_bytes sent into a malloc'd buffer (NULL when out of memory: the bytes
 * are received and dropped, so the ranks stay in step). */
static void *recv_bytes(mpi_run *m, int from, size_t *len)
{
    uint64_t n = 0;
    MPI_Recv(&n, 1, MPI_UINT64_T, from, 0, m->comm, MPI_STATUS_IGNORE);
    char *buf = malloc(n ? n : 1), scratch[4096];
    for (size_t at = 0; at < n;) {
        size_t k = n - at < XCHG_CHUNK ? n - at : XCHG_CHUNK;
        if (!buf && k > sizeof scratch)
            k = sizeof scratch;
        MPI_Recv(buf ? buf + at : scratch, (int)k, MPI_BYTE, from, 1, m->comm, MPI_STATUS_IGNORE);
        at += k;
    }
    *len = n;
    return buf;
}

/* All-to-all of byte counts[dest] from send (concatenated in rank order): *recv (malloc'd)
 * gets what each rank sent this one, in rank order, rcounts[src] bytes each. Done in rounds
 * of at most XCHG_CHUNK bytes per peer, packed so that every count and displacement is an
 * int. -1 when out of memory (the exchange still completes on every rank). */
static int alltoall_bytes(mpi_run *m, const char *send, const size_t *counts, char **recv,
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

/* Elements of elem bytes received: the sum of an exchange's per-rank byte counts rl. */
static size_t received(const size_t *rl, int P, size_t elem)
{
    size_t n = 0;
    for (int p = 0; p < P; p++)
        n += rl[p] / elem;
    return n;
}

/* Every rank's len bytes to every rank: *out (malloc'd) holds them in rank order, lens[p]
 * bytes of rank p. */
static int allgather_bytes(mpi_run *m, const void *mine, size_t len, char **out, size_t *lens)
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
        bcast_bytes(m, buf + at, lens[p], p);
        at += lens[p];
    }
    *out = buf;
    return 0;
}

/* Every rank's bytes to rank 0 (in rank order into *out there, lens[p] each). */
static int gather_bytes(mpi_run *m, const void *mine, size_t len, char **out, size_t *lens)
{
    *out = NULL;
    if (m->rank != 0) {
        send_bytes(m, mine, len, 0);
        return 0;
    }
    char **parts = m->parts;
    size_t total = len;
    lens[0] = len;
    int bad = 0;
    for (int p = 1; p < m->size; p++) {
        parts[p] = recv_bytes(m, p, &lens[p]);
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

/* ---- byte records --------------------------------------------------------------------------- */

static void put_str(ovl__bbuf *b, const char *s)
{
    uint32_t len = s ? (uint32_t)strlen(s) + 1 : 0;
    ovl__bput(b, &len, sizeof len);
    ovl__bput(b, s, len);
}

typedef struct rbuf {
    const char *p;
    size_t n, at;
} rbuf;

static int get(rbuf *b, void *x, size_t len)
{
    if (b->n - b->at < len)
        return -1;
    memcpy(x, b->p + b->at, len);
    b->at += len;
    return 0;
}

/* Points *s into the buffer (NULL for none). */
static int get_str(rbuf *b, const char **s)
{
    uint32_t len;
    if (get(b, &len, sizeof len) != 0 || b->n - b->at < len || (len && b->p[b->at + len - 1]))
        return -1;
    *s = len ? b->p + b->at : NULL;
    b->at += len;
    return 0;
}

/* ---- the scan --------------------------------------------------------------------------- */

/* The first document of rank p's share: shares are contiguous in name order and hold about
 * the same number of bytes. */
static void shares(const ovl_corpus *c, int P, size_t *first)
{
    size_t n = ovl_corpus_count(c);
    uint64_t total = 0, at = 0;
    for (size_t i = 0; i < n; i++)
        total += ovl_corpus_size(c, i) + 1;
    int p = 0;
    first[0] = 0;
    for (size_t i = 0; i < n; i++) {
        while (p + 1 < P && at >= total / (uint64_t)P * (uint64_t)(p + 1))
            first[++p] = i;
        at += ovl_corpus_size(c, i) + 1;
    }
    while (p + 1 <= P)
        first[++p] = n;
}

typedef struct hd {
    uint64_t h0, h1;
    uint32_t doc;
} hd;

static int cmp_hd(const void *x, const void *y)
{
    const hd *a = x, *b = y;
    if (a->h0 != b->h0)
        return a->h0 < b->h0 ? -1 : 1;
    if (a->h1 != b->h1)
        return a->h1 < b->h1 ? -1 : 1;
    return (a->doc > b->doc) - (a->doc < b->doc);
}

/* Whether document k of a share (docs: the share's records, read) is the first of the share
 * with its bytes, adding it to the set: seen holds 1 + the numbers of the share's first
 * documents by content hash (open addressing, mask + 1 slots, more than the share). */
static int first_seen(uint32_t *seen, size_t mask, const ovl_scan_doc *docs, uint32_t k)
{
    for (size_t at = (size_t)(docs[k].hash[0] ^ docs[k].hash[1] >> 7) & mask;; at = (at + 1) & mask) {
        uint32_t e = seen[at];
        if (!e) {
            seen[at] = k + 1;
            return 1;
        }
        if (docs[e - 1].hash[0] == docs[k].hash[0] && docs[e - 1].hash[1] == docs[k].hash[1])
            return 0;
    }
}

/* The part of the key space a rank searches: bands [blo, bhi), and of their keys those with
 * key % slices == slice. With no more ranks than bands, each rank has a range of whole bands;
 * with more, the ranks of a band share it by key value, so that every rank searches about
 * 1/ranks of the keys (all of a key's chunks still meet on one rank). */
typedef struct cell {
    unsigned blo, bhi;
    uint64_t slices, slice;
} cell;

static cell cell_of(int p, int ranks, unsigned bands)
{
    cell c;
    uint64_t P = (uint64_t)ranks, B = bands, q = (uint64_t)p;
    if (P <= B) {
        c.blo = (unsigned)(q * B / P);
        c.bhi = (unsigned)((q + 1) * B / P);
        c.slices = 1;
        c.slice = 0;
    } else {
        uint64_t b = q * B / P, q0 = (b * P + B - 1) / B, q1 = ((b + 1) * P + B - 1) / B;
        c.blo = (unsigned)b;
        c.bhi = (unsigned)b + 1;
        c.slices = q1 - q0;
        c.slice = q - q0;
    }
    return c;
}

/* Whether chunk x (keys: bands per chunk) has its key of cell c's band in c's slice. */
static int in_cell(const cell *c, const uint64_t *keys, unsigned bands, size_t x)
{
    return c->slices == 1 || keys[x * bands + c->blo] % c->slices == c->slice;
}

/* Puts document id's record for cell c: its chunks in the cell and their keys of the cell's
 * bands (none when no chunk is in it and the cell is a slice). */
static void put_cell(ovl__bbuf *w, const cell *c, unsigned bands, uint32_t id, const ovl_fp_chunk *ch,
                     const uint64_t *keys, size_t nc)
{
    unsigned nb = c->bhi - c->blo;
    uint32_t hdr[2] = {id, 0};
    for (size_t x = 0; x < nc; x++)
        hdr[1] += in_cell(c, keys, bands, x);
    if (c->slices > 1 && hdr[1] == 0)
        return;
    ovl__bput(w, hdr, sizeof hdr);
    for (size_t x = 0; x < nc; x++)
        if (in_cell(c, keys, bands, x))
            ovl__bput(w, ch + x, sizeof *ch);
    for (size_t x = 0; x < nc; x++)
        if (in_cell(c, keys, bands, x))
            ovl__bput(w, keys + x * bands + c->blo, nb * sizeof *keys);
}

/* Min-heap of (load, rank) to deal pairs to the least loaded rank. */
typedef struct load {
    uint64_t w;
    int rank;
} load;

static int load_less(const load *a, const load *b)
{
    return a->w < b->w || (a->w == b->w && a->rank < b->rank);
}

static void heap_down(load *h, int n, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, s = i;
        if (l < n && load_less(&h[l], &h[s]))
            s = l;
        if (r < n && load_less(&h[r], &h[s]))
            s = r;
        if (s == i)
            return;
        load t = h[i];
        h[i] = h[s];
        h[s] = t;
        i = s;
    }
}

typedef struct costidx {
    uint32_t cost;
    uint64_t idx;
} costidx;

static int cmp_cost(const void *x, const void *y)
{
    const costidx *a = x, *b = y;
    if (a->cost != b->cost)
        return a->cost > b->cost ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

/* MPI reduction of k-gram sketches: counters add up, saturating as ovl__recur_merge does. */
static void recur_add(void *in, void *inout, int *len, MPI_Datatype *type)
{
    (void)type;
    const uint8_t *a = in;
    uint8_t *b = inout;
    for (int i = 0; i < *len; i++) {
        unsigned x = (unsigned)a[i] + b[i];
        b[i] = (uint8_t)(x > 255 ? 255 : x);
    }
}

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if ((rc = agree(m, (x))) != OVL_OK)                                                        \
            goto done;                                                                             \
    } while (0)

static int nomem(mpi_run *m)
{
    return ovl__fail(m->ctx, OVL_ERR_NOMEM, -1, "out of memory");
}

/* Passages of records aligned elsewhere: off carries the rank that holds them. */
#define RANK_SHIFT 48
enum { TAG_OK = 3, TAG_REQ };
/* What rank 0 asks another rank for while it writes (a request: three uint64, the first
 * of them one of these). */
enum { REQ_RECS, REQ_REST, REQ_FIGS, REQ_DOCS, REQ_ENTRIES, REQ_PASSAGES, REQ_END };

static void request(mpi_run *m, int to, uint64_t what, uint64_t x, uint64_t y)
{
    uint64_t req[3] = {what, x, y};
    MPI_Send(req, 3, MPI_UINT64_T, to, TAG_REQ, m->comm);
}

/* A reply to a request: whether the rank could give it, then (when it could) the bytes. Returns
 * the bytes (malloc'd), NULL with *ok 0 when the rank could not, NULL with *ok 1 when this
 * one is out of memory. */
static char *reply(mpi_run *m, int from, size_t *len, int *ok)
{
    MPI_Recv(ok, 1, MPI_INT, from, TAG_OK, m->comm, MPI_STATUS_IGNORE);
    *len = 0;
    return *ok ? recv_bytes(m, from, len) : NULL;
}

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
    request(fx->m, owner, REQ_PASSAGES, off, n);
    char *p = reply(fx->m, owner, &len, &got);
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
    put_str(b, q->error);
}

/* A record put by put_rec, its error pointing into the bytes. */
static int get_rec(rbuf *b, ovl__prec *q, const char **err)
{
    uint32_t u[4];
    uint64_t v[3];
    memset(q, 0, sizeof *q);
    if (get(b, u, sizeof u) || get(b, v, sizeof v) || get(b, &q->top, sizeof q->top) || get_str(b, err))
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
        request(m, s->rank, REQ_RECS, window, 0);
        s->buf = reply(m, s->rank, &len, &ok);
        s->in = (rbuf){s->buf, s->buf ? len : 0, 0};
        if (!ok)
            return ovl__fail(m->ctx, OVL_ERR_NOMEM, -1, "rank %d: out of memory", s->rank);
        if (!s->buf)
            return nomem(m);
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

/* ---- the chunk ranges of the families, to rank 0's disk ------------------------------------- */

/* The ranges of the chunks of this rank's flagged documents (read from its chunk file cif,
 * myfirst[k] the first of its document k) to rank 0, in rank order: rank 0 writes them to
 * f, where the families read them mapped, so that neither side holds them in memory; the
 * others send them in pieces of per ranges (at most XCHG_CHUNK bytes). *total: the bytes in
 * f (rank 0). A rank that cannot read its file still sends the bytes it announced (zeros)
 * and fails after. */
static int chunks_to_root(mpi_run *m, FILE *cif, const size_t *myfirst, const uint8_t *flag, size_t lo,
                          size_t cnt, size_t per, FILE *f, uint64_t *total)
{
    int rc = OVL_OK, root = m->rank == 0;
    uint64_t len = 0;
    ovl__chunkinfo *piece = (ovl__chunkinfo *)m->sb;
    size_t fill = 0;
    for (size_t k = 0; k < cnt; k++)
        if (flag[lo + k])
            len += (uint64_t)(myfirst[k + 1] - myfirst[k]) * sizeof *piece;
    if (!root)
        MPI_Send(&len, 1, MPI_UINT64_T, 0, 0, m->comm);
    for (size_t k = 0; k <= cnt; k++) {
        size_t left = k < cnt && flag[lo + k] ? myfirst[k + 1] - myfirst[k] : 0;
        if (left && rc == OVL_OK && fseeko(cif, (off_t)(myfirst[k] * sizeof *piece), SEEK_SET) != 0)
            rc = ovl__fail(m->ctx, OVL_ERR_IO, -1, "cannot read the temporary chunk file");
        while (left || (k == cnt && fill)) {
            size_t g = left < per - fill ? left : per - fill;
            if (g && rc == OVL_OK && fread(piece + fill, sizeof *piece, g, cif) != g)
                rc = ovl__fail(m->ctx, OVL_ERR_IO, -1, "cannot read the temporary chunk file");
            if (g && rc != OVL_OK)
                memset(piece + fill, 0, g * sizeof *piece);
            fill += g, left -= g;
            if (fill == per || (k == cnt && !left)) {
                if (!root)
                    MPI_Send(piece, (int)(fill * sizeof *piece), MPI_BYTE, 0, 1, m->comm);
                else if (rc == OVL_OK && fwrite(piece, sizeof *piece, fill, f) != fill)
                    rc = ovl__fail(m->ctx, OVL_ERR_IO, -1, "cannot write the temporary chunk file");
                fill = 0;
            }
        }
    }
    if (!root) {
        m->st.sent[m->phase] += len;
        return rc;
    }
    *total = len;
    for (int p = 1; p < m->size; p++) {
        uint64_t n = 0;
        MPI_Recv(&n, 1, MPI_UINT64_T, p, 0, m->comm, MPI_STATUS_IGNORE);
        for (uint64_t at = 0; at < n;) {
            size_t k = n - at < per * sizeof(ovl__chunkinfo) ? (size_t)(n - at) : per * sizeof(ovl__chunkinfo);
            MPI_Recv(m->rb, (int)k, MPI_BYTE, p, 1, m->comm, MPI_STATUS_IGNORE);
            if (rc == OVL_OK && fwrite(m->rb, 1, k, f) != k)
                rc = ovl__fail(m->ctx, OVL_ERR_IO, -1, "cannot write the temporary chunk file");
            at += k;
        }
        *total += n;
    }
    if (rc == OVL_OK && fflush(f) != 0)
        rc = ovl__fail(m->ctx, OVL_ERR_IO, -1, "cannot write the temporary chunk file");
    return rc;
}

/* ---- near copies, found where their keys are ------------------------------------------ */

/* The rank whose share holds document id. */
static int owner_of(const size_t *first, int P, uint32_t id)
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

/* A whole-document key and its document (the finder of ovl_scan pairs documents sharing a
 * key value in any bands: the band is not part of it). */
typedef struct bkd {
    uint64_t key;
    uint32_t doc, pad;
} bkd;

static int cmp_bkd(const void *x, const void *y)
{
    const bkd *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return (a->doc > b->doc) - (a->doc < b->doc);
}

typedef struct dpair {
    uint32_t a, b;
} dpair;

static int cmp_dpair(const void *x, const void *y)
{
    const dpair *a = x, *b = y;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return (a->b > b->b) - (a->b < b->b);
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

static size_t uniq_dpair(dpair *v, size_t n)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof *v, cmp_dpair);
    size_t k = 0;
    for (size_t x = 0; x < n; x++)
        if (k == 0 || v[x].a != v[k - 1].a || v[x].b != v[k - 1].b)
            v[k++] = v[x];
    return k;
}

/* Rows of rowbytes bytes of documents ids (sorted, distinct) from their owners, each owner's
 * table holding a row per document of its share: *out (malloc'd) holds them in the order of
 * ids. *fetched: how many came from other ranks. Collective. */
static int fetch_rows(mpi_run *m, const size_t *first, const void *table, size_t rowbytes, const uint32_t *ids,
                      size_t nids, void **out, size_t *fetched)
{
    int P = m->size, me = m->rank, rc = OVL_OK;
    size_t *cnt = calloc(P, sizeof *cnt), *rl = calloc(P, sizeof *rl), *rep = calloc(P, sizeof *rep);
    char *req = NULL, *rows = NULL, *reply = NULL;
    *out = NULL;
    if (!cnt || !rl || !rep)
        rc = OVL_ERR_NOMEM;
    for (size_t x = 0; rc == OVL_OK && x < nids; x++)
        cnt[owner_of(first, P, ids[x])] += sizeof *ids;
    if (fetched)
        *fetched = rc == OVL_OK ? (nids - cnt[me] / sizeof *ids) : 0;
    if ((rc = agree(m, rc == OVL_OK ? OVL_OK : nomem(m))) != OVL_OK)
        goto out;
    rc = alltoall_bytes(m, (const char *)ids, cnt, &req, rl) ? nomem(m) : OVL_OK;
    if ((rc = agree(m, rc)) != OVL_OK)
        goto out;
    size_t nreq = received(rl, P, sizeof(uint32_t));
    for (int p = 0; p < P; p++)
        rep[p] = rl[p] / sizeof(uint32_t) * rowbytes;
    if (!(reply = malloc(nreq ? nreq * rowbytes : 1)))
        rc = nomem(m);
    for (size_t x = 0; rc == OVL_OK && x < nreq; x++) {
        uint32_t id;
        memcpy(&id, req + x * sizeof id, sizeof id);
        if (id < first[me] || id >= first[me + 1]) {
            rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "a document's figures were asked of the wrong rank");
            break;
        }
        memcpy(reply + x * rowbytes, (const char *)table + (id - first[me]) * rowbytes, rowbytes);
    }
    if ((rc = agree(m, rc)) != OVL_OK)
        goto out;
    rc = alltoall_bytes(m, reply, rep, &rows, rl) ? nomem(m) : OVL_OK;
    if ((rc = agree(m, rc)) != OVL_OK)
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

/* The signatures of ids (sorted, distinct, none of this rank's) from their owners: *out
 * (malloc'd) holds K values per id, in the order of ids. Collective. */
static int fetch_sigs(mpi_run *m, const ovl_scan_shard *sh, const size_t *first, unsigned K,
                      const uint32_t *ids, size_t nids, uint32_t **out)
{
    void *rows = NULL;
    int rc = fetch_rows(m, first, sh->doc_sigs, (size_t)K * sizeof(uint32_t), ids, nids, &rows, NULL);
    *out = rows;
    return rc;
}

/* The signature of document id: this rank's own, or of the fetched ids. */
static const uint32_t *sig_of(const ovl_scan_shard *sh, size_t lo, size_t cnt, unsigned K,
                              const uint32_t *ids, size_t nids, const uint32_t *fetched, uint32_t id)
{
    if (id >= lo && id < lo + cnt)
        return sh->doc_sigs + (id - lo) * K;
    const uint32_t *at = bsearch(&id, ids, nids, sizeof *ids, cmp_u32);
    return at ? fetched + (size_t)(at - ids) * K : NULL;
}

/* Sorted distinct ids of the list that are not this rank's. */
static size_t others(uint32_t *v, size_t n, size_t lo, size_t cnt)
{
    qsort(v, n, sizeof *v, cmp_u32);
    size_t k = 0;
    for (size_t x = 0; x < n; x++)
        if ((v[x] < lo || v[x] >= lo + cnt) && (k == 0 || v[x] != v[k - 1]))
            v[k++] = v[x];
    return k;
}

/* Sorts v and drops repeats; returns how many are left. */
static size_t sort_uniq_u32(uint32_t *v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_u32);
    size_t k = 0;
    for (size_t x = 0; x < n; x++)
        if (k == 0 || v[x] != v[k - 1])
            v[k++] = v[x];
    return k;
}

/* The position of id in ids (ascending), SIZE_MAX when it is not there. */
static size_t pos_of(const uint32_t *ids, size_t n, uint32_t id)
{
    const uint32_t *at = n ? bsearch(&id, ids, n, sizeof *ids, cmp_u32) : NULL;
    return at ? (size_t)(at - ids) : SIZE_MAX;
}

/* Union-find over the documents of some edges only (not every document of the corpus):
 * ids, their numbers ascending; parent by position, so the smaller position, the smaller
 * number, stays the root. */
typedef struct cuf {
    uint32_t *ids, *parent;
    size_t n;
} cuf;

static void cuf_free(cuf *u)
{
    free(u->ids);
    free(u->parent);
    memset(u, 0, sizeof *u);
}

/* The sets the edges e[0, ne) join. -1 when out of memory. */
static int cuf_make(cuf *u, const dpair *e, size_t ne)
{
    memset(u, 0, sizeof *u);
    u->ids = malloc((2 * ne + 1) * sizeof *u->ids);
    u->parent = malloc((2 * ne + 1) * sizeof *u->parent);
    if (!u->ids || !u->parent) {
        cuf_free(u);
        return -1;
    }
    for (size_t x = 0; x < ne; x++)
        u->ids[2 * x] = e[x].a, u->ids[2 * x + 1] = e[x].b;
    u->n = sort_uniq_u32(u->ids, 2 * ne);
    for (size_t k = 0; k < u->n; k++)
        u->parent[k] = (uint32_t)k;
    for (size_t x = 0; x < ne; x++)
        ovl__uf_union(u->parent, (uint32_t)pos_of(u->ids, u->n, e[x].a), (uint32_t)pos_of(u->ids, u->n, e[x].b));
    return 0;
}

/* The first document of doc's set (doc itself when no edge names it). */
static uint32_t cuf_root(cuf *u, uint32_t doc)
{
    size_t k = pos_of(u->ids, u->n, doc);
    return k == SIZE_MAX ? doc : u->ids[ovl__uf_find(u->parent, (uint32_t)k)];
}

/* A near copy's similarity to its group's first document. */
typedef struct dsim {
    uint32_t doc;
    float sim;
} dsim;

/* ovl__near_groups over the ranks, with the same verdict (copy_of of this rank's share, myco;
 * the near copies' similarities, *sims, on rank 0, which reports them): each
 * whole-document key goes to the rank its value picks, which pairs the documents sharing
 * it; a pair goes to the owner of its first document, which compares the signatures (the
 * second's fetched from its owner); every rank joins the pairs that agree, as spanning edges
 * (a group's first document is the smallest number, whatever the order of the unions), into
 * the whole groups. No rank holds every signature. Collective. */

static int near_copies(mpi_run *m, const ovl_scan_opts *o, const ovl_scan_doc *mydocs, uint32_t *myco,
                       dsim **sims, size_t *nsims, const ovl_scan_shard *sh, const size_t *first,
                       unsigned dbands, unsigned K)
{
    int P = m->size, me = m->rank, rc = OVL_OK;
    size_t lo = first[me], cnt = first[me + 1] - lo;
    size_t *counts = calloc(P, sizeof *counts), *rl = calloc(P, sizeof *rl), *fill = calloc(P + 1, sizeof *fill);
    bkd *keys = NULL;
    char *got = NULL;
    dpair *cand = NULL, *edges = NULL;
    uint32_t *ids = NULL, *fetched = NULL;
    cuf uf = {0};
    size_t ncand = 0, capcand = 0, nids = 0, nedges = 0;
    float *mine = NULL;
    if (!counts || !rl || !fill)
        rc = nomem(m);
    /* Keys to the ranks their values pick. */
    size_t nk = 0;
    for (int pass = 0; rc == OVL_OK && pass < 2; pass++) {
        for (size_t k = 0; k < cnt; k++) {
            size_t i = lo + k;
            if (mydocs[k].status != OVL_OK || myco[k] != i || mydocs[k].tokens == 0)
                continue;
            for (unsigned b = 0; b < dbands; b++) {
                uint64_t key = sh->doc_keys[k * dbands + b];
                int p = (int)(key % (uint64_t)P);
                if (pass == 0)
                    counts[p] += sizeof *keys, nk++;
                else
                    keys[fill[p]++] = (bkd){key, (uint32_t)i, 0};
            }
        }
        if (pass == 0) {
            for (int p = 0; p < P; p++)
                fill[p + 1] = fill[p] + counts[p] / sizeof *keys;
            if (!(keys = malloc((nk ? nk : 1) * sizeof *keys)))
                rc = nomem(m);
        }
    }
    if ((rc = agree(m, rc)) != OVL_OK)
        goto out;
    rc = alltoall_bytes(m, (const char *)keys, counts, &got, rl) ? nomem(m) : OVL_OK;
    free(keys);
    keys = NULL;
    if ((rc = agree(m, rc)) != OVL_OK)
        goto out;
    /* The documents sharing a key, in pairs. */
    nk = received(rl, P, sizeof *keys);
    keys = (bkd *)got;
    got = NULL;
    qsort(keys, nk, sizeof *keys, cmp_bkd);
    held(m, nk * sizeof *keys);
    for (size_t x = 0; rc == OVL_OK && x < nk;) {
        size_t y = x + 1;
        while (y < nk && keys[y].key == keys[x].key)
            y++;
        for (size_t u = x; rc == OVL_OK && u < y; u++)
            for (size_t v = u + 1; v < y; v++) {
                if (keys[v].doc == keys[u].doc)
                    continue; /* the same key in two of its bands */
                if (ovl__grow(&cand, &capcand, ncand + 1, sizeof *cand) != 0) {
                    rc = nomem(m);
                    break;
                }
                cand[ncand++] = (dpair){keys[u].doc, keys[v].doc};
            }
        x = y;
    }
    free(keys);
    keys = NULL;
    if (rc == OVL_OK)
        ncand = uniq_dpair(cand, ncand);
    /* To the owner of the first document (sorted by it: one run per rank). */
    memset(counts, 0, P * sizeof *counts);
    for (size_t x = 0; rc == OVL_OK && x < ncand; x++)
        counts[owner_of(first, P, cand[x].a)] += sizeof *cand;
    if ((rc = agree(m, rc)) != OVL_OK)
        goto out;
    rc = alltoall_bytes(m, (const char *)cand, counts, &got, rl) ? nomem(m) : OVL_OK;
    free(cand);
    cand = NULL;
    if ((rc = agree(m, rc)) != OVL_OK)
        goto out;
    ncand = received(rl, P, sizeof *cand);
    cand = (dpair *)got;
    got = NULL;
    ncand = uniq_dpair(cand, ncand);
    /* The pairs whose signatures agree. */
    if (!(ids = malloc((ncand ? ncand : 1) * sizeof *ids)))
        rc = nomem(m);
    for (size_t x = 0; rc == OVL_OK && x < ncand; x++)
        ids[x] = cand[x].b;
    if (rc == OVL_OK)
        nids = others(ids, ncand, lo, cnt);
    if ((rc = agree(m, rc)) != OVL_OK)
        goto out;
    if ((rc = fetch_sigs(m, sh, first, K, ids, nids, &fetched)) != OVL_OK)
        goto out;
    held(m, ncand * sizeof *cand + nids * (uint64_t)K * 4);
    for (size_t x = 0; x < ncand; x++) {
        const uint32_t *sa = sig_of(sh, lo, cnt, K, ids, nids, fetched, cand[x].a);
        const uint32_t *sb = sig_of(sh, lo, cnt, K, ids, nids, fetched, cand[x].b);
        if (sa && sb && ovl_minhash_similarity(sa, sb, K) >= o->near_copies)
            cand[nedges++] = cand[x];
    }
    free(fetched);
    fetched = NULL;
    /* Spanning edges of this rank's groups to every rank, joined there (over the documents
     * the edges name, not every document). */
    size_t ne = 0;
    if (cuf_make(&uf, cand, nedges) != 0)
        rc = nomem(m);
    for (size_t k = 0; rc == OVL_OK && k < uf.n; k++)
        if (uf.parent[k] != k)
            cand[ne++] = (dpair){uf.ids[k], cuf_root(&uf, uf.ids[k])};
    cuf_free(&uf);
    if ((rc = agree(m, rc)) != OVL_OK)
        goto out;
    rc = allgather_bytes(m, cand, ne * sizeof *cand, &got, rl) ? nomem(m) : OVL_OK;
    if ((rc = agree(m, rc)) != OVL_OK)
        goto out;
    free(cand);
    cand = NULL;
    edges = (dpair *)got;
    got = NULL;
    nedges = received(rl, P, sizeof *edges);
    rc = cuf_make(&uf, edges, nedges) ? nomem(m) : OVL_OK;
    free(edges);
    edges = NULL;
    if ((rc = agree(m, rc)) != OVL_OK)
        goto out;
    held(m, uf.n * 2 * sizeof *uf.ids);
    /* Each rank the similarity of its near copies to their group's first document (its
     * signature fetched when another rank's), then every document's to every rank. */
    free(ids);
    ids = malloc((cnt ? cnt : 1) * sizeof *ids);
    mine = calloc(cnt ? cnt : 1, sizeof *mine);
    nids = 0;
    if (!ids || !mine)
        rc = nomem(m);
    for (size_t k = 0; rc == OVL_OK && k < cnt; k++) {
        uint32_t i = (uint32_t)(lo + k), root = cuf_root(&uf, i);
        if (myco[k] == i && root != i)
            ids[nids++] = root;
    }
    if (rc == OVL_OK)
        nids = others(ids, nids, lo, cnt);
    if ((rc = agree(m, rc)) != OVL_OK)
        goto out;
    if ((rc = fetch_sigs(m, sh, first, K, ids, nids, &fetched)) != OVL_OK)
        goto out;
    for (size_t k = 0; k < cnt; k++) {
        uint32_t i = (uint32_t)(lo + k), root = cuf_root(&uf, i);
        if (myco[k] != i || root == i)
            continue;
        const uint32_t *sa = sig_of(sh, lo, cnt, K, ids, nids, fetched, i);
        const uint32_t *sb = sig_of(sh, lo, cnt, K, ids, nids, fetched, root);
        mine[k] = sa && sb ? (float)ovl_minhash_similarity(sa, sb, K) : 0;
    }
    /* To rank 0 only, which reports the groups: the near copies' (document order). */
    size_t ns = 0;
    dsim *sv = malloc((cnt ? cnt : 1) * sizeof *sv);
    for (size_t k = 0; sv && k < cnt; k++)
        if (mine[k] > 0)
            sv[ns++] = (dsim){(uint32_t)(lo + k), mine[k]};
    if ((rc = agree(m, sv ? OVL_OK : nomem(m))) != OVL_OK) {
        free(sv);
        goto out;
    }
    char *gs = NULL;
    rc = gather_bytes(m, sv, ns * sizeof *sv, &gs, rl) ? nomem(m) : OVL_OK;
    free(sv);
    *sims = (dsim *)gs;
    *nsims = m->rank == 0 ? received(rl, P, sizeof **sims) : 0;
    if ((rc = agree(m, rc)) != OVL_OK)
        goto out;
    for (size_t k = 0; k < cnt; k++) {
        uint32_t i = (uint32_t)(lo + k), root = cuf_root(&uf, i);
        if (myco[k] == i && root != i)
            myco[k] = root;
    }
out:
    cuf_free(&uf);
    free(counts);
    free(rl);
    free(fill);
    free(keys);
    free(got);
    free(cand);
    free(edges);
    free(ids);
    free(fetched);
    free(mine);
    return rc;
}

/* ---- documents held where they are needed ---------------------------------------------------- */

static int cmp_size(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return (a > b) - (a < b);
}

/* The most document records held at once in the phase: the share's and docs more. */
static void held_docs(mpi_run *m, uint64_t docs, uint64_t fetched)
{
    if (m->share + docs > m->st.docs_held[m->phase])
        m->st.docs_held[m->phase] = m->share + docs;
    m->st.docs_fetched[m->phase] += fetched;
}

/* copy_of as ovl__scan_cfp sets it (the first document, in name order, with the same bytes;
 * UINT32_MAX when unread) for this rank's share (myco, cnt of them), with no rank holding
 * every content hash: each goes to the rank its value picks, which finds the groups among its
 * hashes and tells the owner of each copy its group's first. Collective. */
static int identical_copies(mpi_run *m, const ovl_scan_doc *mydocs, const size_t *first, uint32_t *myco)
{
    int P = m->size, me = m->rank, rc = OVL_OK;
    size_t lo = first[me], cnt = first[me + 1] - lo, nv = 0;
    size_t *counts = calloc(P, sizeof *counts), *rl = calloc(P, sizeof *rl), *fill = calloc(P + 1, sizeof *fill);
    uint32_t *mine = myco;
    hd *v = NULL;
    char *got = NULL;
    dpair *back = NULL;
    if (!counts || !rl || !fill || !mine)
        rc = nomem(m);
    for (size_t k = 0; rc == OVL_OK && k < cnt; k++)
        if (mydocs[k].status == OVL_OK)
            counts[mydocs[k].hash[0] % (uint64_t)P] += sizeof *v, nv++;
    if (rc == OVL_OK && !(v = malloc((nv ? nv : 1) * sizeof *v)))
        rc = nomem(m);
    if (rc == OVL_OK) {
        for (int p = 0; p < P; p++)
            fill[p + 1] = fill[p] + counts[p] / sizeof *v;
        for (size_t k = 0; k < cnt; k++)
            if (mydocs[k].status == OVL_OK)
                v[fill[mydocs[k].hash[0] % (uint64_t)P]++] =
                    (hd){mydocs[k].hash[0], mydocs[k].hash[1], (uint32_t)(lo + k)};
    }
    if ((rc = agree(m, rc)) != OVL_OK)
        goto out;
    rc = alltoall_bytes(m, (const char *)v, counts, &got, rl) ? nomem(m) : OVL_OK;
    free(v);
    v = NULL;
    if ((rc = agree(m, rc)) != OVL_OK)
        goto out;
    v = (hd *)got;
    got = NULL;
    nv = received(rl, P, sizeof *v);
    qsort(v, nv, sizeof *v, cmp_hd);
    held(m, nv * sizeof *v);
    /* Each copy's first, to the copy's owner (a first needs no word). */
    size_t nb = 0;
    if (!(back = malloc((nv ? nv : 1) * sizeof *back)))
        rc = nomem(m);
    for (size_t x = 0, f = 0; rc == OVL_OK && x < nv; x++) {
        if (x == 0 || v[x].h0 != v[x - 1].h0 || v[x].h1 != v[x - 1].h1)
            f = x;
        else
            back[nb++] = (dpair){v[x].doc, v[f].doc};
    }
    if (rc == OVL_OK)
        nb = uniq_dpair(back, nb);
    memset(counts, 0, P * sizeof *counts);
    for (size_t x = 0; rc == OVL_OK && x < nb; x++)
        counts[owner_of(first, P, back[x].a)] += sizeof *back;
    if ((rc = agree(m, rc)) != OVL_OK)
        goto out;
    free(v);
    v = NULL;
    rc = alltoall_bytes(m, (const char *)back, counts, &got, rl) ? nomem(m) : OVL_OK;
    if ((rc = agree(m, rc)) != OVL_OK)
        goto out;
    for (size_t k = 0; k < cnt; k++)
        mine[k] = mydocs[k].status == OVL_OK ? (uint32_t)(lo + k) : UINT32_MAX;
    size_t ng = received(rl, P, sizeof *back);
    for (size_t x = 0; x < ng; x++) {
        dpair e;
        memcpy(&e, got + x * sizeof e, sizeof e);
        if (e.a >= lo && e.a < lo + cnt)
            mine[e.a - lo] = e.b;
    }
out:
    free(counts);
    free(rl);
    free(fill);
    free(v);
    free(got);
    free(back);
    return rc;
}

/* Families (or template spans) as bytes, to send rank 0's to every rank: the families and
 * their spans in document order (what ovl__families_cover reads), not the per-document index,
 * which each rank makes for the documents it has (restrict_families). */
static void put_families(ovl__bbuf *b, const ovl__families *f)
{
    uint64_t h[2] = {f->n, f->nspans};
    ovl__bput(b, h, sizeof h);
    ovl__bput(b, f->f, f->n * sizeof *f->f);
    ovl__bput(b, f->spans, f->nspans * sizeof *f->spans);
}

static int get_families(rbuf *b, ovl__families *f)
{
    uint64_t h[2];
    memset(f, 0, sizeof *f);
    if (get(b, h, sizeof h) != 0)
        return -1;
    f->n = h[0];
    f->nspans = h[1];
    f->f = malloc((f->n ? f->n : 1) * sizeof *f->f);
    f->spans = malloc((f->nspans ? f->nspans : 1) * sizeof *f->spans);
    if (!f->f || !f->spans || get(b, f->f, f->n * sizeof *f->f) ||
        get(b, f->spans, f->nspans * sizeof *f->spans)) {
        ovl__families_free(f);
        return -1;
    }
    return 0;
}

/* The first of the spans (in document order) of document id or a later one. */
static size_t span_lower(const ovl__famspan *s, size_t n, uint32_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid].doc < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* What ovl__families_cover and the template cut read of g (spans[0, nspans) in document
 * order, documents numbered in the corpus) for documents ids (ascending), numbered by their
 * position in ids. -1 when out of memory. */
static int restrict_families(const ovl__families *g, const uint32_t *ids, size_t nids, ovl__families *out)
{
    memset(out, 0, sizeof *out);
    size_t total = 0;
    for (size_t k = 0; k < nids; k++)
        total += span_lower(g->spans, g->nspans, ids[k] + 1) - span_lower(g->spans, g->nspans, ids[k]);
    out->doc_first = malloc((nids + 1) * sizeof *out->doc_first);
    out->spans = malloc((total ? total : 1) * sizeof *out->spans);
    if (!out->doc_first || !out->spans) {
        ovl__families_free(out);
        return -1;
    }
    size_t at = 0;
    for (size_t k = 0; k < nids; k++) {
        out->doc_first[k] = at;
        for (size_t x = span_lower(g->spans, g->nspans, ids[k]); x < g->nspans && g->spans[x].doc == ids[k]; x++) {
            out->spans[at] = g->spans[x];
            out->spans[at++].doc = (uint32_t)k;
        }
    }
    out->doc_first[nids] = at;
    out->nspans = at;
    return 0;
}

/* The distinct documents of pairs, ascending (malloc'd in *ids). */
static int pair_docs(const ovl_scan_pair *pairs, size_t npairs, uint32_t **ids, size_t *nids)
{
    uint32_t *v = malloc((2 * npairs + 1) * sizeof *v);
    if (!v)
        return -1;
    for (size_t k = 0; k < npairs; k++)
        v[2 * k] = pairs[k].a, v[2 * k + 1] = pairs[k].b;
    *nids = sort_uniq_u32(v, 2 * npairs);
    *ids = v;
    return 0;
}

/* Numbers the pairs' documents by their position in ids (to 1) or back (to 0). */
static void renumber(ovl_scan_pair *pairs, size_t npairs, const uint32_t *ids, size_t nids, int to)
{
    for (size_t k = 0; k < npairs; k++) {
        ovl_scan_pair *q = &pairs[k];
        q->a = to ? (uint32_t)pos_of(ids, nids, q->a) : ids[q->a];
        q->b = to ? (uint32_t)pos_of(ids, nids, q->b) : ids[q->b];
    }
}

/* ovl__run_filter for pairs of any documents, with the families' spans of those documents
 * only. */
static int filter_pairs(mpi_run *m, const ovl_scan_opts *o, const ovl__families *fam, int use_fam,
                        const ovl__families *ign, int use_ign, ovl_scan_pair *pairs, size_t *npairs,
                        uint64_t *family_pairs)
{
    if (!use_fam && !use_ign)
        return OVL_OK;
    uint32_t *ids = NULL;
    size_t nids = 0;
    ovl__run t;
    memset(&t, 0, sizeof t);
    t.o = o;
    if (pair_docs(pairs, *npairs, &ids, &nids) != 0 || (use_fam && restrict_families(fam, ids, nids, &t.fam)) ||
        (use_ign && restrict_families(ign, ids, nids, &t.ign))) {
        free(ids);
        ovl__families_free(&t.fam);
        ovl__families_free(&t.ign);
        return nomem(m);
    }
    t.use_fam = use_fam;
    t.use_ign = use_ign;
    renumber(pairs, *npairs, ids, nids, 1);
    ovl__run_filter(&t, pairs, npairs);
    renumber(pairs, *npairs, ids, nids, 0);
    *family_pairs += t.sum.family_pairs;
    free(ids);
    ovl__families_free(&t.fam);
    ovl__families_free(&t.ign);
    return OVL_OK;
}

/* Renumbers the documents of every span f names (those in document order, each family's
 * occurrences and its representative, each once): to_corpus, from positions in ids to
 * corpus numbers; else from corpus numbers to positions, UINT32_MAX for a document not in
 * ids. -1 when out of memory. */
static int relabel_spans(ovl__families *f, const uint32_t *ids, size_t nids, int to_corpus)
{
    size_t n = f->nspans;
    for (size_t k = 0; f->f && k < f->n; k++)
        n += f->f[k].nspans + 1;
    size_t *at = malloc((n ? n : 1) * sizeof *at), m = 0;
    if (!at)
        return -1;
    for (size_t x = 0; x < f->nspans; x++)
        at[m++] = x;
    for (size_t k = 0; f->f && k < f->n; k++) {
        for (size_t x = 0; x < f->f[k].nspans; x++)
            at[m++] = f->f[k].first_span + x;
        at[m++] = f->f[k].rep;
    }
    qsort(at, m, sizeof *at, cmp_size);
    for (size_t x = 0; x < m; x++) {
        if (x && at[x] == at[x - 1])
            continue;
        ovl__famspan *sp = &f->spans[at[x]];
        if (to_corpus) {
            if (sp->doc < nids)
                sp->doc = ids[sp->doc];
        } else {
            size_t k = pos_of(ids, nids, sp->doc);
            sp->doc = k == SIZE_MAX ? UINT32_MAX : (uint32_t)k;
        }
    }
    free(at);
    return 0;
}

/* Rank 0: the families (and template spans) built over the flagged documents and their
 * copies only (numbered by position, which keeps their order, so the families are those of
 * the whole table), their spans numbered in the corpus again and no per-document index.
 * vn: the chunks of each flagged document, in document order; chunks: their ranges; cops:
 * every copy and its group's first, by copy. */
static int build_families(mpi_run *m, const ovl_scan_opts *o, ovl__cfp *g, const uint8_t *flag, size_t n,
                          const dpair *cops, size_t ncops, const uint32_t *vn, size_t nvn,
                          const ovl__chunkinfo *chunks, size_t nchunks, ovl__families *fam, int *use_fam,
                          ovl__families *ign, int *use_ign, uint64_t *ignored_chars)
{
    int rc = OVL_OK;
    size_t nids = 0, at = 0, fk = 0;
    for (size_t i = 0; i < n; i++)
        nids += flag[i];
    for (size_t x = 0; x < ncops; x++)
        nids += flag[cops[x].b];
    uint32_t *ids = malloc((nids ? nids : 1) * sizeof *ids), *vc = malloc((nids ? nids : 1) * sizeof *vc);
    uint32_t *orig = malloc((nids ? nids : 1) * sizeof *orig);
    ovl_scan_doc *vd = calloc(nids ? nids : 1, sizeof *vd);
    if (!ids || !vc || !vd || !orig)
        rc = nomem(m);
    nids = 0;
    for (size_t i = 0, x = 0; rc == OVL_OK && i < n; i++) {
        /* (A flagged document is a group's first, never a copy.) */
        if (flag[i])
            orig[nids] = (uint32_t)i, ids[nids++] = (uint32_t)i;
        for (; x < ncops && cops[x].a == i; x++)
            if (flag[cops[x].b])
                orig[nids] = cops[x].b, ids[nids++] = (uint32_t)i;
    }
    for (size_t k = 0; rc == OVL_OK && k < nids; k++) {
        uint32_t i = ids[k];
        vd[k].status = OVL_OK;
        vd[k].first_chunk = at;
        if (flag[i] && fk < nvn)
            vd[k].nchunks = vn[fk++];
        at += vd[k].nchunks;
        vc[k] = flag[i] ? (uint32_t)k : (uint32_t)pos_of(ids, nids, orig[k]);
    }
    free(orig);
    if (rc == OVL_OK && (at != nchunks || fk != nvn))
        rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "the ranks' chunk ranges do not add up");
    /* (Records of templates, numbered from n on, keep their distance past the documents.) */
    for (int which = 0; rc == OVL_OK && which < 2; which++) {
        ovl_recurring *v = which ? g->ign : g->rec;
        size_t nv = which ? g->nign : g->nrec;
        for (size_t x = 0; x < nv; x++)
            v[x].doc = v[x].doc < n ? (uint32_t)pos_of(ids, nids, v[x].doc) : (uint32_t)(nids + (v[x].doc - n));
    }
    held_docs(m, nids, 0);
    ovl__cfp view;
    memset(&view, 0, sizeof view);
    view.docs = vd;
    view.copy_of = vc;
    view.chunks = (ovl__chunkinfo *)chunks;
    view.nchunks = nchunks;
    if (rc == OVL_OK && o->families && o->max_df) {
        view.rec = g->rec;
        view.nrec = g->nrec;
        if ((rc = ovl__families_build(m->ctx, &view, nids, fam)) == OVL_OK)
            *use_fam = fam->n > 0;
    }
    if (rc == OVL_OK && g->nign) {
        view.rec = g->ign;
        view.nrec = g->nign;
        if ((rc = ovl__families_build(m->ctx, &view, nids, ign)) == OVL_OK) {
            *use_ign = ign->nspans > 0;
            for (size_t x = 0; x < ign->nspans; x++)
                *ignored_chars += ign->spans[x].char_end - ign->spans[x].char_start;
        }
    }
    /* Spans numbered in the corpus. */
    for (int which = 0; rc == OVL_OK && which < 2; which++) {
        ovl__families *f = which ? ign : fam;
        if (relabel_spans(f, ids, nids, 1) != 0)
            rc = nomem(m);
        free(f->doc_first);
        f->doc_first = NULL;
    }
    free(g->rec);
    g->rec = NULL;
    g->nrec = 0;
    free(g->ign);
    g->ign = NULL;
    g->nign = 0;
    free(ids);
    free(vc);
    free(vd);
    return rc;
}

/* Tokens a pair's alignment covers, the measure its work is dealt by (ta, tb: its
 * documents' tokens). */
static uint32_t pair_cost(const ovl_scan_opts *o, uint32_t ta, uint32_t tb, const ovl_scan_pair *p)
{
    uint64_t w;
    if (o->whole_tokens && ta <= o->whole_tokens && tb <= o->whole_tokens)
        w = (uint64_t)ta + tb;
    else
        w = (uint64_t)(p->a1 - p->a0) + (p->b1 - p->b0);
    w += 64; /* a pair costs something however small */
    return w > UINT32_MAX ? UINT32_MAX : (uint32_t)w;
}

/* A rank's own run: over the documents of the pairs it aligns (ids, ascending; its arrays
 * indexed by position in ids, the records' documents numbered in the corpus once the run
 * is sorted). */
typedef struct part {
    ovl__run r;
    ovl_corpus *view;
    uint32_t *ids;
    size_t nids;
} part;

static void part_free(part *a)
{
    ovl__run_free(&a->r);
    ovl_corpus_free(a->view);
    free(a->ids);
    memset(a, 0, sizeof *a);
}

/* Once its pairs are aligned: a's loaded documents given back (the cache), and with figs
 * also its documents' records and figures (once they are sent); its records and passages
 * stay. */
static void part_shed(part *a, int figs)
{
    ovl__doccache_free(a->r.cache);
    a->r.cache = NULL;
    if (!figs)
        return;
    for (size_t i = 0; a->r.ds && i < a->nids; i++) {
        free(a->r.ds[i].v);
        free(a->r.ds[i].load_error);
        free(a->r.ds[i].failure);
    }
    free(a->r.ds);
    free(a->r.docs);
    free(a->r.hashes);
    a->r.ds = NULL;
    a->r.docs = a->r.cfp.docs = NULL;
    a->r.hashes = NULL;
}

/* The file list entries of documents ids (of this rank's share, the corpus walked in parts),
 * each as its length and bytes. */
static void put_entries(mpi_run *m, ovl__bbuf *b, const ovl_corpus *c, const uint32_t *ids, size_t nids)
{
    for (size_t k = 0; k < nids && !b->bad; k++) {
        size_t i = ids[k] - m->lbase;
        uint32_t len = (uint32_t)ovl__corpus_entry_bytes(c, i, NULL);
        ovl__bput(b, &len, sizeof len);
        if (b->bad || ovl__grow(&b->p, &b->cap, b->n + len + 1, 1) != 0) {
            b->bad = 1;
            break;
        }
        ovl__corpus_entry_bytes(c, i, b->p + b->n);
        b->n += len;
    }
}

/* A corpus of the count entries put by put_entries in buf (in document order). */
static int entries_corpus(mpi_run *m, const char *buf, size_t len, size_t count, ovl_corpus **out)
{
    ovl_corpus *v = ovl_corpus_new();
    size_t k = 0;
    int rc = v ? OVL_OK : nomem(m);
    for (size_t at = 0; rc == OVL_OK && at < len; k++) {
        uint32_t l;
        if (len - at < sizeof l || (memcpy(&l, buf + at, sizeof l), len - at - sizeof l < l)) {
            rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "a file list entry could not be read back");
            break;
        }
        at += sizeof l;
        if (ovl__corpus_add_entry(v, buf + at, l) != 0)
            rc = nomem(m);
        at += l;
    }
    if (rc == OVL_OK && k != count)
        rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "file list entries missing");
    if (rc != OVL_OK) {
        ovl_corpus_free(v);
        return rc;
    }
    ovl__corpus_partinfo pi = {0, count, 0, 0, 0};
    ovl__corpus_set_part(v, &pi);
    *out = v;
    return OVL_OK;
}

/* The corpus of documents ids (sorted, distinct), their entries from the ranks whose shares
 * they are in (the corpus walked in parts). Collective. */
static int fetch_entries(mpi_run *m, const size_t *first, const ovl_corpus *c, const uint32_t *ids, size_t nids,
                         ovl_corpus **out)
{
    int P = m->size, me = m->rank, rc = OVL_OK;
    size_t *cnt = calloc(P, sizeof *cnt), *rl = calloc(P, sizeof *rl), *rep = calloc(P, sizeof *rep);
    char *req = NULL, *got = NULL;
    ovl__bbuf b = {0};
    *out = NULL;
    if (!cnt || !rl || !rep)
        rc = nomem(m);
    for (size_t x = 0; rc == OVL_OK && x < nids; x++)
        cnt[owner_of(first, P, ids[x])] += sizeof *ids;
    if ((rc = agree(m, rc)) != OVL_OK)
        goto out;
    rc = alltoall_bytes(m, (const char *)ids, cnt, &req, rl) ? nomem(m) : OVL_OK;
    if ((rc = agree(m, rc)) != OVL_OK)
        goto out;
    size_t at = 0;
    for (int p = 0; p < P; p++) {
        size_t before = b.n, k = rl[p] / sizeof *ids;
        for (size_t x = 0; x < k && rc == OVL_OK; x++) {
            uint32_t id;
            memcpy(&id, req + at + x * sizeof id, sizeof id);
            if (id < first[me] || id >= first[me + 1])
                rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "a document's entry was asked of the wrong rank");
            else
                put_entries(m, &b, c, &id, 1);
        }
        at += rl[p];
        rep[p] = b.n - before;
    }
    if (rc == OVL_OK && b.bad)
        rc = nomem(m);
    if ((rc = agree(m, rc)) != OVL_OK)
        goto out;
    rc = alltoall_bytes(m, b.p, rep, &got, rl) ? nomem(m) : OVL_OK;
    if ((rc = agree(m, rc)) != OVL_OK)
        goto out;
    size_t len = 0;
    for (int p = 0; p < P; p++)
        len += rl[p];
    rc = agree(m, entries_corpus(m, got, len, nids, out));
out:
    free(cnt);
    free(rl);
    free(rep);
    free(req);
    free(got);
    free(b.p);
    return rc;
}

/* A run over documents ids (taken), their records fetched from their owners (mydocs: this
 * rank's share). Collective. */
static int part_open(mpi_run *m, part *a, const ovl_corpus *c, const ovl_scan_opts *o, const ovl_scan_sink *sink,
                     const size_t *first, const ovl_scan_doc *mydocs, uint32_t *ids, size_t nids)
{
    void *recs = NULL;
    size_t fetched = 0;
    memset(a, 0, sizeof *a);
    a->ids = ids;
    a->nids = nids;
    int rc = fetch_rows(m, first, mydocs, sizeof *mydocs, ids, nids, &recs, &fetched);
    if (rc != OVL_OK)
        return rc;
    held_docs(m, nids, fetched);
    if (m->parted) {
        if ((rc = fetch_entries(m, first, c, ids, nids, &a->view)) != OVL_OK) {
            free(recs);
            return rc;
        }
        held_paths(m, nids);
    } else if (!(a->view = ovl__corpus_view(c, ids, nids))) {
        rc = nomem(m);
    }
    if (rc == OVL_OK && (rc = ovl__run_init(&a->r, m->ctx, a->view, o, sink)) == OVL_OK && nids)
        memcpy(a->r.docs, recs, nids * sizeof *a->r.docs);
    free(recs);
    return rc;
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
        if ((!d->sources && !d->n && !d->failure) || (!d->failure && pos_of(want, nwant, a->ids[i]) == SIZE_MAX))
            continue;
        merge_spans(d);
        uint32_t u[3] = {a->ids[i], d->sources, (uint32_t)d->failure_code};
        int64_t src = d->best_src >= 0 ? (int64_t)a->ids[d->best_src] : -1;
        uint64_t v[3] = {d->best, (uint64_t)src, d->n};
        ovl__bput(b, u, sizeof u);
        ovl__bput(b, v, sizeof v);
        ovl__bput(b, d->v, d->n * sizeof *d->v);
        put_str(b, d->failure);
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
        if (get(&b, u, sizeof u) || get(&b, v, sizeof v) || v[2] > (b.n - b.at) / sizeof(ovl__iv))
            return -1;
        const char *sp = b.p + b.at;
        b.at += v[2] * sizeof(ovl__iv);
        if (get_str(&b, &fail))
            return -1;
        if (!r) {
            if (*nids + 2 > cap)
                return -1;
            ids[(*nids)++] = u[0];
            if ((int64_t)v[1] >= 0)
                ids[(*nids)++] = (uint32_t)v[1];
            continue;
        }
        size_t i = pos_of(ids, *nids, u[0]);
        int64_t src = (int64_t)v[1] >= 0 ? (int64_t)pos_of(ids, *nids, (uint32_t)v[1]) : -1;
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

/* A rank other than 0 while rank 0 writes: its pair records (sorted in report order) given a
 * window at a time from where the last one ended, or all failed ones left with the count of
 * the others (once rank 0 has every record it lists); the figures of the documents rank 0
 * names; the records of documents of its share; the passages of a record. Until rank 0 says
 * it is done. ok 0: this rank failed before (it says so to every request). */
static void serve(mpi_run *m, part *a, const ovl_corpus *c, const ovl_scan_doc *mydocs, size_t lo, size_t cnt, int ok)
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
            uint32_t *ids = recv_bytes(m, 0, &len), nids = (uint32_t)(len / sizeof *ids);
            got = got && ids;
            if (got && req[0] == REQ_FIGS)
                put_figs(&b, a, ids, nids);
            for (size_t k = 0; got && req[0] != REQ_FIGS && k < nids; k++)
                if (ids[k] < lo || ids[k] >= lo + cnt)
                    got = 0;
                else if (req[0] == REQ_DOCS)
                    ovl__bput(&b, &mydocs[ids[k] - lo], sizeof *mydocs);
                else
                    put_entries(m, &b, c, &ids[k], 1);
            free(ids);
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
            send_bytes(m, b.p, b.n, 0);
        free(b.p);
    }
    free(ps);
}

/* Records as rank 0 keeps them. */
typedef struct recset {
    ovl__prec *v;
    size_t n, cap;
} recset;

static void recset_free(recset *s)
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
        return nomem(m);
    ovl__prec *k = &s->v[s->n];
    *k = *q;
    k->error = NULL;
    if (err && !(k->error = strdup(err)))
        return nomem(m);
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

/* Rank 0: the records the report lists, into *out in report order (documents numbered in
 * the corpus), merged from every rank's sorted run (own: rank 0's): while fewer than
 * list_pairs are taken, the first of the ranks' next records, then only the failed ones
 * left (an unlisted pair is counted, not sent). *most: the most record bytes held at once. */
static int merge_results(mpi_run *m, const ovl_scan_opts *o, const ovl__prec *own, size_t nown,
                         uint64_t window, recset *out, uint64_t *unlisted, uint64_t *most)
{
    int P = m->size, rc = OVL_OK;
    size_t L = o->list_pairs;
    msrc *src = calloc(P, sizeof *src);
    recset rest = {0};
    if (!src)
        return nomem(m);
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
        request(m, p, REQ_REST, 0, 0);
        free(s->buf);
        s->buf = reply(m, p, &len, &ok);
        s->in = (rbuf){s->buf, s->buf ? len : 0, 0};
        uint64_t u = 0;
        if (!ok)
            rc = ovl__fail(m->ctx, OVL_ERR_NOMEM, -1, "rank %d: out of memory", p);
        else if (!s->buf)
            rc = nomem(m);
        else if (get(&s->in, &u, sizeof u) != 0)
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
    recset_free(&rest);
    for (int p = 0; p < P; p++)
        free(src[p].buf);
    free(src);
    return rc;
}

/* A request with a list of ids to rank p, its reply (malloc'd in *out). */
static int ask(mpi_run *m, int p, uint64_t what, const uint32_t *ids, size_t nids, char **out, size_t *len)
{
    int ok = 0;
    request(m, p, what, 0, 0);
    send_bytes(m, ids, nids * sizeof *ids, p);
    *out = reply(m, p, len, &ok);
    if (!ok)
        return ovl__fail(m->ctx, OVL_ERR_NOMEM, -1, "rank %d: out of memory", p);
    return *out ? OVL_OK : nomem(m);
}

/* What rank 0 has for the report besides its own run: every document's copy verdict (g),
 * the families as built (their spans numbered in the corpus), the summary so far. */
typedef struct rootin {
    const ovl_corpus *c;
    size_t n;            /* documents of the corpus (c: rank 0's share when walked in parts) */
    const ovl_scan_opts *o;
    const ovl_scan_sink *sink;
    const size_t *first;
    const ovl_scan_doc *mydocs;
    const dpair *cops;   /* every copy and its group's first, by copy */
    size_t ncops;
    int near;            /* near copies looked for */
    const dsim *sims;    /* the near copies' similarities, document order */
    size_t nsims;
    ovl__families *fam; /* moved into the report's run */
    int use_fam;
    ovl_scan_summary sum;
} rootin;

/* Rank 0: the report, from the records it lists (recs, documents numbered in the corpus,
 * taken) and the figures of their documents, with ovl_scan's own emission, over a run of
 * the documents the report names only: those of the listed pairs and their best sources,
 * those that failed, the members of copy groups and the occurrences of the families it
 * lists. a: rank 0's own run (its passages read from a's spool, the others' asked for). */
static int root_report(mpi_run *m, const rootin *in, part *a, recset *recs, part *rep)
{
    int P = m->size, rc = OVL_OK;
    uint32_t *want = NULL, *ids = NULL;
    size_t nwant = 0, nids = 0, cap = 0;
    char **figs = calloc(P, sizeof *figs);
    size_t *flen = calloc(P, sizeof *flen);
    ovl__bbuf own = {0};
    if (!figs || !flen || !(want = malloc((2 * recs->n + 1) * sizeof *want)))
        rc = nomem(m);
    for (size_t k = 0; rc == OVL_OK && k < recs->n; k++)
        want[nwant++] = recs->v[k].a, want[nwant++] = recs->v[k].b;
    if (rc == OVL_OK)
        nwant = sort_uniq_u32(want, nwant);
    /* The figures of those documents, and of every document that failed, from every rank. */
    if (rc == OVL_OK) {
        put_figs(&own, a, want, nwant);
        if (own.bad)
            rc = nomem(m);
        figs[0] = own.p, flen[0] = own.n;
        own.p = NULL;
        part_shed(a, 1);
    }
    for (int p = 1; rc == OVL_OK && p < P; p++)
        rc = ask(m, p, REQ_FIGS, want, nwant, &figs[p], &flen[p]);
    /* The documents named. */
    size_t top = in->use_fam ? in->fam->n : 0;
    if (in->o->top_families && top > in->o->top_families)
        top = in->o->top_families;
    cap = nwant;
    for (int p = 0; p < P; p++)
        cap += flen[p] / (3 * sizeof(uint32_t) + 3 * sizeof(uint64_t)) * 2 + 2;
    cap += 2 * in->ncops;
    for (size_t k = 0; k < top; k++) {
        size_t ns = in->fam->f[k].nspans, listed = in->o->family_spans && ns > in->o->family_spans ? in->o->family_spans : ns;
        cap += listed + 1;
    }
    if (rc == OVL_OK && !(ids = malloc((cap + 1) * sizeof *ids)))
        rc = nomem(m);
    if (rc == OVL_OK) {
        memcpy(ids, want, nwant * sizeof *ids);
        nids = nwant;
    }
    for (int p = 0; rc == OVL_OK && p < P; p++)
        if (get_figs(figs[p], flen[p], NULL, ids, &nids, cap) != 0)
            rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "rank %d: figures could not be read back", p);
    for (size_t x = 0; rc == OVL_OK && x < in->ncops; x++)
        ids[nids++] = in->cops[x].a, ids[nids++] = in->cops[x].b;
    for (size_t k = 0; rc == OVL_OK && k < top; k++) {
        const ovl__fam *f = &in->fam->f[k];
        size_t listed = in->o->family_spans && f->nspans > in->o->family_spans ? in->o->family_spans : f->nspans;
        for (size_t x = 0; x < listed; x++)
            ids[nids++] = in->fam->spans[f->first_span + x].doc;
        ids[nids++] = in->fam->spans[f->rep].doc;
    }
    if (rc == OVL_OK)
        nids = sort_uniq_u32(ids, nids);
    /* Their records, from their owners. */
    ovl_scan_doc *dr = rc == OVL_OK ? malloc((nids ? nids : 1) * sizeof *dr) : NULL;
    size_t fetched = 0;
    ovl__bbuf ent = {0}; /* their file list entries (the corpus walked in parts) */
    if (rc == OVL_OK && !dr)
        rc = nomem(m);
    for (size_t x = 0; rc == OVL_OK && x < nids;) {
        int p = owner_of(in->first, P, ids[x]);
        size_t y = x;
        while (y < nids && ids[y] < in->first[p + 1])
            y++;
        if (p == 0) {
            for (size_t k = x; k < y; k++)
                dr[k] = in->mydocs[ids[k] - in->first[0]];
            if (m->parted)
                put_entries(m, &ent, in->c, ids + x, y - x);
        } else {
            char *got = NULL;
            size_t len = 0;
            if ((rc = ask(m, p, REQ_DOCS, ids + x, y - x, &got, &len)) == OVL_OK && len != (y - x) * sizeof *dr)
                rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "rank %d: document records could not be read back", p);
            if (rc == OVL_OK)
                memcpy(dr + x, got, len);
            free(got);
            got = NULL;
            if (rc == OVL_OK && m->parted && (rc = ask(m, p, REQ_ENTRIES, ids + x, y - x, &got, &len)) == OVL_OK)
                ovl__bput(&ent, got, len);
            free(got);
            fetched += y - x;
        }
        x = y;
    }
    if (rc == OVL_OK && ent.bad)
        rc = nomem(m);
    memset(rep, 0, sizeof *rep);
    if (rc == OVL_OK) {
        rep->ids = ids, rep->nids = nids;
        ids = NULL;
        if (m->parted)
            rc = entries_corpus(m, ent.p, ent.n, nids, &rep->view);
        else if (!(rep->view = ovl__corpus_view(in->c, rep->ids, nids)))
            rc = nomem(m);
        if (rc == OVL_OK && (rc = ovl__run_init(&rep->r, m->ctx, rep->view, in->o, in->sink)) == OVL_OK && nids)
            memcpy(rep->r.docs, dr, nids * sizeof *dr);
    }
    free(ent.p);
    free(dr);
    held_docs(m, nids, fetched); /* (a's records are given back by now) */
    if (m->parted)
        held_paths(m, nids);
    ovl__run *r = &rep->r;
    const uint32_t *rid = rep->ids;
    /* Figures, copies, families and records numbered by position among those documents. */
    for (int p = 0; rc == OVL_OK && p < P; p++) {
        int e = get_figs(figs[p], flen[p], r, rep->ids, &rep->nids, 0);
        if (e)
            rc = e == -2 ? nomem(m) : ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "rank %d: figures could not be read back", p);
    }
    if (rc == OVL_OK && (!(r->cfp.copy_of = malloc((nids ? nids : 1) * sizeof *r->cfp.copy_of)) ||
                         (in->near && !(r->cfp.near = calloc(nids ? nids : 1, sizeof *r->cfp.near)))))
        rc = nomem(m);
    for (size_t k = 0, x = 0; rc == OVL_OK && k < nids; k++) {
        /* A copy: its group's first; else itself when read (UINT32_MAX when not). */
        while (x < in->ncops && in->cops[x].a < rid[k])
            x++;
        if (x < in->ncops && in->cops[x].a == rid[k])
            r->cfp.copy_of[k] = (uint32_t)pos_of(rid, nids, in->cops[x].b);
        else
            r->cfp.copy_of[k] = r->docs[k].status == OVL_OK ? (uint32_t)k : UINT32_MAX;
    }
    for (size_t x = 0; rc == OVL_OK && in->near && x < in->nsims; x++) {
        size_t k = pos_of(rid, nids, in->sims[x].doc);
        if (k != SIZE_MAX)
            r->cfp.near[k] = in->sims[x].sim;
    }
    if (rc == OVL_OK && in->use_fam) {
        r->fam = *in->fam;
        memset(in->fam, 0, sizeof *in->fam);
        /* (An occurrence not listed has no name here: UINT32_MAX.) */
        if (relabel_spans(&r->fam, rid, nids, 0) != 0)
            rc = nomem(m);
        r->use_fam = 1;
    }
    if (rc == OVL_OK) {
        r->recs = recs->v, r->nrecs = recs->n, r->caprecs = recs->cap;
        memset(recs, 0, sizeof *recs);
        for (size_t k = 0; k < r->nrecs; k++) {
            r->recs[k].a = (uint32_t)pos_of(rid, nids, r->recs[k].a);
            r->recs[k].b = (uint32_t)pos_of(rid, nids, r->recs[k].b);
        }
        r->sum = in->sum;
        held(m, r->nrecs * sizeof *r->recs);
    }
    if (rc == OVL_OK) {
        double t = now();
        fetcher fx = {m, a->r.spool};
        r->fetch = fetch;
        r->fetch_data = &fx;
        rc = ovl__run_finish(r);
        r->fetch = NULL;
        r->sum.seconds[4] = now() - t + (t - m->t_phase);
    }
    for (int p = 0; figs && p < P; p++)
        free(figs[p]);
    free(figs);
    free(flen);
    free(want);
    free(ids);
    return rc;
}

/* ---- the walk in parts --------------------------------------------------------------------- */

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

/* A problem of the walk and where it was met: its walk position, then rank and order there. */
typedef struct wprob {
    ovl_problem p;
    uint64_t at;
    int rank;
    size_t k;
} wprob;

static int cmp_wprob(const void *x, const void *y)
{
    const wprob *a = x, *b = y;
    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return (a->k > b->k) - (a->k < b->k);
}

typedef struct keeper {
    uint64_t rank, ranks;
} keeper;

/* A file (and a directory's problems) to the rank its path's hash picks: the same path on
 * the same rank, so that repeats meet there. */
static int keep_hashed(void *data, const char *path)
{
    const keeper *k = data;
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *s = (const unsigned char *)path; *s; s++)
        h = (h ^ *s) * 1099511628211ull;
    return h % k->ranks == k->rank;
}

int ovl_corpus_add_paths_mpi(ovl_ctx *ctx, MPI_Comm comm, ovl_corpus *c, const char *const *paths, size_t npaths,
                             const ovl_walk_opts *opts)
{
    mpi_run mr, *m = &mr;
    memset(m, 0, sizeof *m);
    m->comm = comm;
    m->ctx = ctx;
    MPI_Comm_rank(comm, &m->rank);
    MPI_Comm_size(comm, &m->size);
    double t0 = now();
    int P = m->size, me = m->rank, rc = OVL_OK;
    ovl_corpus *walked = ovl_corpus_new(); /* the files this rank examined */
    keeper kp = {(uint64_t)me, (uint64_t)P};
    ovl__bbuf b = {0};
    char *got = NULL, *got2 = NULL, *samples = NULL;
    wrec *wv = NULL, *sv = NULL, **order = NULL;
    size_t *counts = calloc(P, sizeof *counts), *lens = calloc(P, sizeof *lens);
    ovl__bbuf pw = {0}; /* its problems */
    size_t nw = 0, nsv = 0, held = 0;
    if (mpi_run_alloc(m) != 0 || !walked || !counts || !lens)
        rc = nomem(m);
    else if (!c || (npaths && !paths))
        rc = ovl__fail(ctx, OVL_ERR_INVALID, -1, "corpus and paths are required");
    if (rc == OVL_OK && P == 1) {
        /* One rank: the walk is the whole corpus, sorted where it is. */
        for (size_t p = 0; rc == OVL_OK && p < npaths; p++)
            rc = ovl_corpus_add_path(ctx, c, paths[p], opts);
        if (rc == OVL_OK) {
            size_t all1 = ovl_corpus_count(c);
            ovl__corpus_partinfo pi1 = {0, all1, all1, 0, now() - t0};
            ovl__corpus_set_part(c, &pi1);
        }
        goto done;
    }
    /* This rank's files: those whose path hashes to it (every rank lists every directory). */
    for (size_t p = 0; rc == OVL_OK && p < npaths; p++)
        rc = ovl__corpus_add_path_keep(ctx, walked, paths[p], opts, keep_hashed, &kp);
    CHECK(rc);
    {
        uint64_t visits = 0, hash = 0, v[4];
        ovl__corpus_walked(walked, &visits, &hash);
        v[0] = visits, v[1] = hash, v[2] = ~visits, v[3] = ~hash;
        MPI_Allreduce(MPI_IN_PLACE, v, 4, MPI_UINT64_T, MPI_MAX, comm);
        if (v[0] != visits || v[1] != hash || v[2] != ~visits || v[3] != ~hash)
            rc = ovl__fail(ctx, OVL_ERR_INVALID, -1,
                           "the ranks do not see the same files (%llu names here, up to %llu on another "
                           "rank, or other names): every rank must walk the same shared directories",
                           (unsigned long long)visits, (unsigned long long)v[0]);
    }
    CHECK(rc);
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
    for (size_t i = 0; i < ovl_corpus_problem_count(walked); i++) {
        const ovl_problem *pb = ovl_corpus_problem(walked, i);
        uint64_t wat = ovl__corpus_problem_at(walked, i);
        int64_t off = pb->offset;
        int32_t code = pb->code;
        ovl__bput(&pw, &wat, sizeof wat);
        ovl__bput(&pw, &code, sizeof code);
        ovl__bput(&pw, &off, sizeof off);
        put_str(&pw, pb->path);
        put_str(&pw, pb->message);
    }
    if (b.bad || pw.bad || get_wrecs(b.p, b.n, &wv, &nw) != 0)
        rc = nomem(m);
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
        if ((rc = agree(m, sb.bad ? nomem(m) : OVL_OK)) == OVL_OK)
            rc = allgather_bytes(m, sb.p, sb.n, &samples, lens) ? nomem(m) : OVL_OK;
        free(sb.p);
        CHECK(rc);
        size_t total = 0;
        for (int p = 0; p < P; p++)
            total += lens[p];
        rc = get_wrecs(samples, total, &sv, &nsv) ? nomem(m) : OVL_OK;
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
    rc = alltoall_bytes(m, b.p, counts, &got, lens) ? nomem(m) : OVL_OK;
    CHECK(rc);
    size_t nr = 0, glen = 0;
    for (int p = 0; p < P; p++)
        glen += lens[p];
    free(wv);
    wv = NULL;
    rc = get_wrecs(got, glen, &wv, &nr) ? nomem(m) : OVL_OK;
    if (rc == OVL_OK && !(order = malloc((nr ? nr : 1) * sizeof *order)))
        rc = nomem(m);
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
    rc = b.bad ? nomem(m) : OVL_OK;
    CHECK(rc);
    free(wv);
    wv = NULL;
    free(got);
    got = NULL;
    rc = alltoall_bytes(m, b.p, counts, &got2, lens) ? nomem(m) : OVL_OK;
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
                                     : nomem(m);
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
    rc = gather_bytes(m, pw.p, pw.n, &got, lens) ? nomem(m) : OVL_OK;
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
            if (get(&in, &w.at, sizeof w.at) || get(&in, &code, sizeof code) || get(&in, &w.p.offset, sizeof w.p.offset) ||
                get_str(&in, &w.p.path) || get_str(&in, &w.p.message)) {
                rc = ovl__fail(ctx, OVL_ERR_INVALID, -1, "a problem record could not be read back");
                break;
            }
            w.p.code = code;
            w.rank = p;
            w.k = np;
            if (ovl__grow(&pv, &cap, np + 1, sizeof *pv) != 0)
                rc = nomem(m);
            else
                pv[np++] = w;
        }
        if (rc == OVL_OK && np > 1)
            qsort(pv, np, sizeof *pv, cmp_wprob);
        for (size_t k = 0; rc == OVL_OK && k < np; k++)
            if (ovl__corpus_add_problem(c, &pv[k].p) != OVL_OK)
                rc = nomem(m);
        free(pv);
    }
    CHECK(rc);
    ovl__corpus_partinfo pi = {(size_t)first, (size_t)all[0], held, m->st.sent[0], now() - t0};
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
    ovl_corpus_free(walked);
    mpi_run_free(m);
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

int ovl_scan_mpi(ovl_ctx *ctx, MPI_Comm comm, const ovl_corpus *c, const ovl_scan_opts *opts,
                 const ovl_scan_mpi_opts *mopts, const ovl_scan_sink *sink, ovl_scan_summary *summary,
                 ovl_scan_mpi_stats *stats)
{
    mpi_run mr, *m = &mr;
    memset(m, 0, sizeof *m);
    m->comm = comm;
    m->ctx = ctx;
    MPI_Comm_rank(comm, &m->rank);
    MPI_Comm_size(comm, &m->size);
    m->st.rank = m->rank;
    m->st.ranks = m->size;
    m->t_phase = now();
    int P = m->size, me = m->rank;
    if (summary)
        memset(summary, 0, sizeof *summary);
    ovl_scan_opts o;
    int rc = c ? ovl_scan_opts_resolve(ctx, opts, &o)
               : ovl__fail(ctx, OVL_ERR_INVALID, -1, "a corpus is required");
    ovl_scan_mpi_opts mo = OVL_SCAN_MPI_OPTS_INIT;
    if (rc == OVL_OK && mopts) {
        if (mopts->version != OVL_SCAN_MPI_OPTS_VERSION)
            rc = ovl__fail(ctx, OVL_ERR_INVALID, -1,
                           "ovl_scan_mpi: unknown MPI options version %u (this library has %u)",
                           mopts->version, (unsigned)OVL_SCAN_MPI_OPTS_VERSION);
        else
            mo = *mopts;
    }
    /* pr: rank 0's problems and summary until the report's run (rep) is made; g: every
     * document's copy verdict (4 bytes each, 8 with near copies), the recurring chunks (rank
     * 0); al: this rank's run over the documents of the pairs it aligns. */
    ovl__run pr;
    memset(&pr, 0, sizeof pr);
    ovl__cfp g;
    memset(&g, 0, sizeof g);
    part al, rep;
    memset(&al, 0, sizeof al);
    memset(&rep, 0, sizeof rep);
    ovl__families gfam, gign;
    memset(&gfam, 0, sizeof gfam);
    memset(&gign, 0, sizeof gign);
    int use_fam = 0, use_ign = 0;
    uint64_t ignored_chars = 0, family_pairs = 0;
    recset lst = {0};
    dsim *sims = NULL; /* rank 0: the near copies' similarities */
    size_t nsims = 0;
    uint32_t *myco = NULL; /* copy_of of this rank's share (what ovl__scan_cfp sets) */
    uint32_t *cov = NULL;  /* ... of one rank's share at a time, while band keys are spooled */
    dpair *cops = NULL;    /* rank 0: every copy and its group's first, by copy */
    size_t ncops = 0;
    ovl__corpus_partinfo cpi;
    memset(&cpi, 0, sizeof cpi);
    m->parted = c && ovl__corpus_part(c, &cpi);
    size_t n = c ? (m->parted ? cpi.total : ovl_corpus_count(c)) : 0;
    size_t *first = NULL;
    ovl_scan_shard sh, *tsh = NULL;
    memset(&sh, 0, sizeof sh);
    size_t nt = 0, ntsh = 0, ranges = 0;
    char *buf = NULL, *rbuf_ = NULL;
    size_t *lens = NULL, *counts = NULL;
    ovl__bbuf w = {0};
    ovl__range_out out;
    memset(&out, 0, sizeof out);
    ovl_scan_pair *pairs = NULL, *mine = NULL;
    ovl_scan_doc *mydocs = NULL;  /* this rank's documents' records, as fingerprinted */
    uint64_t *mydk = NULL;        /* their whole-document keys (near copies) */
    uint32_t *mysig = NULL;       /* their signatures (near copies) */
    FILE *cif = NULL;             /* their chunks' ranges (ovl__chunkinfo), myfirst[k] per
                                     document, for the families */
    FILE *spool = NULL, *bandf[64] = {0}, **srcf = NULL; /* band keys received */
    ovl__bbuf pw = {0};           /* problems, as bytes for rank 0 */
    uint32_t *seen = NULL;        /* the first documents of this share by content (first_seen) */
    size_t *myfirst = NULL;
    uint8_t *flag = NULL; /* per document: holds recurring or template text */
    FILE *cf = NULL;      /* rank 0: the flagged documents' chunk ranges, for the families */
    void *cmap = NULL;    /* ... mapped */
    uint64_t cbytes = 0;
    size_t npairs = 0, nmine = 0;
    int *dest = NULL;
    costidx *ci = NULL;
    load *heap = NULL;
    if (rc == OVL_OK && me != 0)
        o.progress = NULL;
    {
        /* Every rank must walk the same files: their number and names (FNV-1a) compared
         * (a corpus walked in parts was compared as it was walked). */
        uint64_t h = m->parted ? 0 : 1469598103934665603ull, v[4];
        for (size_t i = 0; !m->parted && i < n; i++)
            for (const unsigned char *s = (const unsigned char *)ovl_corpus_name(c, i);; s++) {
                h = (h ^ *s) * 1099511628211ull;
                if (!*s)
                    break;
            }
        v[0] = n, v[1] = h, v[2] = ~(uint64_t)n, v[3] = ~h;
        MPI_Allreduce(MPI_IN_PLACE, v, 4, MPI_UINT64_T, MPI_MAX, comm);
        if (rc == OVL_OK && (v[0] != n || v[1] != h || v[2] != ~(uint64_t)n || v[3] != ~h))
            rc = ovl__fail(ctx, OVL_ERR_INVALID, -1,
                           "the ranks do not see the same files (%zu here, up to %llu on another "
                           "rank, or other names): every rank must walk the same shared directories",
                           n, (unsigned long long)v[0]);
    }
    CHECK(rc);
    pr.ctx = ctx, pr.c = c, pr.o = &o, pr.sink = me == 0 ? sink : NULL;
    pr.sum.documents = n;
    pr.sum.bands = o.fp.bands;
    pr.sum.rows = o.fp.rows;
    first = malloc((P + 1) * sizeof *first);
    lens = malloc(P * sizeof *lens);
    counts = calloc(P, sizeof *counts);
    int made = mpi_run_alloc(m);
    if (rc == OVL_OK && (!first || !lens || !counts || made != 0))
        rc = nomem(m);
    CHECK(rc);
    if (me == 0)
        rc = ovl__run_corpus_problems(&pr);
    CHECK(rc);

    /* ---- 0: fingerprints of this rank's share, in batches whose band keys go out at once ---- */
    if (m->parted) {
        /* The shares the walk made. */
        uint64_t own = ovl_corpus_count(c), *all = m->u1;
        MPI_Allgather(&own, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, comm);
        first[0] = 0;
        for (int p = 0; p < P; p++)
            first[p + 1] = first[p] + (size_t)all[p];
        if (first[me] != cpi.first || first[P] != n)
            rc = ovl__fail(ctx, OVL_ERR_INVALID, -1, "the ranks' parts of the corpus do not add up");
        /* The walk's own figures are the fingerprint phase's. */
        m->st.seconds[PH_FP] += cpi.seconds;
        m->st.sent[PH_FP] += cpi.sent;
        m->st.paths_held[PH_FP] = cpi.held;
    } else {
        shares(c, P, first);
    }
    CHECK(rc);
    size_t lo = first[me], cnt = first[me + 1] - first[me];
    /* c's number of the share's first document */
    size_t lc = m->parted ? 0 : lo;
    m->lbase = m->parted ? lo : 0;
    m->paths = m->parted ? cnt : n;
    held_paths(m, 0);
    int recurring = o.families && o.max_df;
    ovl_scan_opts fo = o;
    unsigned dbands = 0, drows = 0, K = o.fp.num_hashes;
    int near = o.near_copies > 0 && o.near_copies < 1;
    if (near) {
        fo.fp.doc_signature = 1;
        rc = ovl_lsh_choose(ctx, o.near_copies, K, 0, 1.0, 1.0, &dbands, &drows);
    }
    unsigned bands = o.fp.bands;
    int nr = P; /* every rank searches a part of the keys (cell_of) */
    if (rc == OVL_OK && bands > 64)
        rc = ovl__fail(ctx, OVL_ERR_INVALID, -1, "a scan takes at most 64 bands, not %u", bands);
    /* Recurring text: each rank counts its share's k-grams (one sketch per thread), and the
     * counts of all ranks add up, so every rank aligns with the whole corpus's counts. */
    unsigned nsk = recurring && o.recurring_text ? (o.threads ? o.threads : 1) : 0;
    ovl__recur *sk = nsk ? calloc(nsk, sizeof *sk) : NULL;
    if (rc == OVL_OK && nsk && !sk)
        rc = nomem(m);
    for (unsigned t = 0; rc == OVL_OK && sk && t < nsk; t++)
        if (ovl__recur_init(&sk[t]) != OVL_OK)
            rc = nomem(m);
    /* What stays of a batch once its keys are sent: its documents' records, whole-document
     * keys and signatures (near copies), problems (as bytes for rank 0), and its chunks'
     * token and character ranges in a temporary file (families), myfirst[k] per document. */
    if (rc == OVL_OK && (!(mydocs = calloc(cnt ? cnt : 1, sizeof *mydocs)) ||
                         !(myfirst = malloc((cnt + 1) * sizeof *myfirst))))
        rc = nomem(m);
    size_t seenmask = 1;
    while (seenmask < 2 * cnt + 1)
        seenmask <<= 1;
    if (rc == OVL_OK && !(seen = calloc(seenmask, sizeof *seen)))
        rc = nomem(m);
    seenmask--;
    if (rc == OVL_OK && near && (!(mydk = malloc((cnt ? cnt : 1) * dbands * sizeof *mydk)) ||
                                 !(mysig = malloc((cnt ? cnt : 1) * (size_t)K * sizeof *mysig))))
        rc = nomem(m);
    /* The band keys: a rank keeps what each rank sends it in a temporary file of that rank,
     * so that it holds one round, not its whole cell, and spools them in document order
     * afterwards (shares are contiguous: rank order is document order), as ovl__scan_cfp
     * does. */
    cell cl = cell_of(me, nr, bands > 64 ? 64 : bands);
    unsigned nb = cl.bhi - cl.blo;
    if (rc == OVL_OK) {
        int io = !(spool = tmpfile()) || !(srcf = calloc(P, sizeof *srcf));
        for (unsigned x = 0; x < nb; x++)
            io |= !(bandf[x] = tmpfile());
        for (int p = 0; srcf && p < P; p++)
            io |= !(srcf[p] = tmpfile());
        if ((recurring || o.ignore) && !(cif = tmpfile()))
            io = 1;
        if (io)
            rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot create a temporary file for band keys");
    }
    /* Batches of about half a key round of input bytes (the keys and chunks packed weigh
     * about twice the text; see bench/README.md), at least one document: a rank holds a
     * batch's fingerprints, what it packs and what it receives, not its share. Copies are
     * known once every rank's hashes are in, and near copies later: a rank leaves out only
     * the documents with the bytes of an earlier one of its share, and the receiver drops
     * the records of the other copies when it spools them. */
    uint64_t kr = mo.key_round ? mo.key_round : OVL_SCAN_MPI_KEY_ROUND_DEFAULT;
    uint64_t round_most = 0, fp_most = 0;
    size_t nfp = 0, nci = 0;
    for (int more = 1; more;) {
        size_t b0 = nfp, b1 = nfp;
        uint64_t bytes = 0;
        while (b1 < cnt && (b1 == b0 || bytes + ovl_corpus_size(c, lc + b1) <= kr / 2))
            bytes += ovl_corpus_size(c, lc + b1++);
        if (rc == OVL_OK && b1 > b0)
            rc = ovl__scan_fingerprint_rec(ctx, c, &fo, lc + b0, b1 - b0, lo + b0, dbands, drows, sk, &sh);
        for (size_t k = b0, pi = 0; rc == OVL_OK && k < b1; k++) {
            const ovl_scan_doc *d = &sh.docs[k - b0];
            mydocs[k] = *d;
            myfirst[k] = nci;
            if (near)
                memcpy(mydk + k * dbands, sh.doc_keys + (k - b0) * dbands, dbands * sizeof *mydk),
                    memcpy(mysig + k * K, sh.doc_sigs + (k - b0) * K, K * sizeof *mysig);
            if (d->status != OVL_OK) {
                /* Problems to rank 0 later, in document order. */
                if (pi >= sh.nproblems)
                    continue;
                const ovl_problem *pb = &sh.problems[pi++];
                uint64_t doc = lo + k;
                int64_t off = pb->offset;
                int32_t code = pb->code;
                ovl__bput(&pw, &doc, sizeof doc);
                ovl__bput(&pw, &code, sizeof code);
                ovl__bput(&pw, &off, sizeof off);
                put_str(&pw, pb->path);
                put_str(&pw, pb->message);
                continue;
            }
            for (size_t x = 0; cif && x < d->nchunks; x++) {
                size_t fc = d->first_chunk + x;
                ovl__chunkinfo ci1 = {sh.chunks[fc].tok_start, sh.chunks[fc].tok_end, sh.char_start[fc],
                                      sh.char_end[fc]};
                if (fwrite(&ci1, sizeof ci1, 1, cif) != 1) {
                    rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot write the temporary chunk file");
                    break;
                }
            }
            nci += cif ? d->nchunks : 0;
        }
        if (rc == OVL_OK && pw.bad)
            rc = nomem(m);
        uint64_t fpb = sh.nchunks * ((uint64_t)bands * 8 + 24) + (b1 - b0) * sizeof *sh.docs;
        if (fpb > fp_most)
            fp_most = fpb;
        /* This batch's records, destination after destination: of the documents read, less
         * those with the bytes of an earlier one of this share (copies, whatever the other
         * shares hold). */
        uint8_t *sendit = rc == OVL_OK ? malloc(b1 > b0 ? b1 - b0 : 1) : NULL;
        if (rc == OVL_OK && !sendit)
            rc = nomem(m);
        for (size_t k = b0; rc == OVL_OK && k < b1; k++)
            sendit[k - b0] = mydocs[k].status == OVL_OK && first_seen(seen, seenmask, mydocs, (uint32_t)k);
        w.n = 0;
        for (int p = 0; rc == OVL_OK && p < nr; p++) {
            cell pc = cell_of(p, nr, bands);
            size_t before = w.n;
            for (size_t k = b0; k < b1 && !w.bad; k++) {
                const ovl_scan_doc *d = &sh.docs[k - b0];
                if (sendit[k - b0])
                    put_cell(&w, &pc, bands, (uint32_t)(lo + k), sh.chunks + d->first_chunk,
                             sh.keys + d->first_chunk * bands, d->nchunks);
            }
            counts[p] = w.n - before;
        }
        free(sendit);
        nfp = b1;
        more = nfp < cnt;
        next_phase(m, PH_KEYS);
        MPI_Allreduce(MPI_IN_PLACE, &more, 1, MPI_INT, MPI_MAX, comm);
        if ((rc = agree(m, rc == OVL_OK && w.bad ? nomem(m) : rc)) != OVL_OK) {
            next_phase(m, PH_FP);
            break;
        }
        rc = alltoall_bytes(m, w.p, counts, &rbuf_, lens) ? nomem(m) : OVL_OK;
        if ((rc = agree(m, rc)) == OVL_OK) {
            size_t got = 0;
            for (int p = 0; p < P; p++) {
                if (lens[p] && fwrite(rbuf_ + got, 1, lens[p], srcf[p]) != lens[p])
                    rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot write the temporary key file");
                got += lens[p];
            }
            if (got + w.cap > round_most)
                round_most = got + w.cap;
        }
        free(rbuf_);
        rbuf_ = NULL;
        ovl_scan_shard_free(&sh);
        memset(&sh, 0, sizeof sh);
        rc = agree(m, rc);
        next_phase(m, PH_FP);
        if (rc != OVL_OK)
            break;
    }
    free(w.p);
    memset(&w, 0, sizeof w);
    free(seen);
    seen = NULL;
    if (rc == OVL_OK) {
        myfirst[cnt] = nci;
        if (cif && fflush(cif) != 0)
            rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot write the temporary chunk file");
    }
    /* (The key rounds' figures are the keys phase's.) */
    m->phase = PH_KEYS;
    held(m, round_most);
    m->phase = PH_FP;
    held(m, fp_most + (seenmask + 1) * sizeof *seen +
                cnt * (sizeof *mydocs + sizeof *myfirst + (near ? dbands * 8 + (uint64_t)K * 4 : 0)));
    rc = agree(m, rc); /* every rank reduces, or none */
    if (rc == OVL_OK && sk) {
        for (unsigned t = 1; t < nsk; t++)
            ovl__recur_merge(&sk[0], &sk[t]);
        MPI_Op sat;
        MPI_Op_create(recur_add, 1, &sat);
        MPI_Allreduce(MPI_IN_PLACE, sk[0].cnt, (int)(OVL__RECUR_LINES * 64), MPI_UINT8_T, sat, m->comm);
        MPI_Op_free(&sat);
        g.recur = sk[0];
        sk[0].cnt = NULL;
    }
    for (unsigned t = 0; sk && t < nsk; t++)
        ovl__recur_free(&sk[t]);
    free(sk);
    CHECK(rc);
    /* Each rank keeps its share's records (mydocs): the others' come to it as its work needs
     * them (the pairs it aligns; on rank 0 the families and the report). */
    m->share = cnt;
    held_docs(m, 0, 0);
    /* Problems to rank 0, in document order. */
    rc = gather_bytes(m, pw.p, pw.n, &buf, lens) ? nomem(m) : OVL_OK;
    CHECK(rc);
    free(pw.p);
    memset(&pw, 0, sizeof pw);
    /* Templates: fingerprinted where their keys are searched (the ranks owning bands), their
     * problems told by rank 0 after the documents'. */
    nt = o.ignore ? ovl_corpus_count(o.ignore) : 0;
    if (me < nr && nt) {
        ovl_scan_opts to = o;
        to.progress = NULL;
        if (!(tsh = calloc(1, sizeof *tsh)))
            rc = nomem(m);
        else if ((rc = ovl__scan_fingerprint(ctx, o.ignore, &to, 0, nt, 0, 0, 0, tsh)) == OVL_OK)
            ntsh = 1;
    }
    if (rc == OVL_OK && me == 0) {
        rbuf b = {buf, 0, 0};
        for (int p = 0; p < P; p++)
            b.n += lens[p];
        while (rc == OVL_OK && b.at < b.n) {
            uint64_t doc;
            int32_t code;
            int64_t off;
            const char *path, *msg;
            if (get(&b, &doc, sizeof doc) || get(&b, &code, sizeof code) || get(&b, &off, sizeof off) ||
                get_str(&b, &path) || get_str(&b, &msg)) {
                rc = ovl__fail(ctx, OVL_ERR_INVALID, -1, "a problem record could not be read back");
                break;
            }
            ovl_problem p = {path, code, off, msg};
            if (ovl__run_problem(&pr, SIZE_MAX, &p) != 0)
                rc = ovl__fail(ctx, OVL_ERR_WRITE, -1, "the result sink stopped the scan");
        }
        for (size_t p = 0; rc == OVL_OK && ntsh && p < tsh->nproblems; p++)
            if (ovl__run_problem(&pr, SIZE_MAX, &tsh->problems[p]) != 0)
                rc = ovl__fail(ctx, OVL_ERR_WRITE, -1, "the result sink stopped the scan");
    }
    free(buf);
    buf = NULL;
    CHECK(rc);
    /* Identical copies: content hashes exchanged by value (identical_copies); each rank keeps
     * its share's verdicts. */
    if (!(myco = malloc((cnt ? cnt : 1) * sizeof *myco)))
        rc = nomem(m);
    CHECK(rc);
    if ((rc = identical_copies(m, mydocs, first, myco)) != OVL_OK)
        goto done; /* (every rank has agreed on it) */
    {
        uint64_t nread = 0;
        for (size_t k = 0; k < cnt; k++)
            nread += mydocs[k].status == OVL_OK;
        MPI_Allreduce(MPI_IN_PLACE, &nread, 1, MPI_UINT64_T, MPI_SUM, comm);
        pr.sum.documents_read = (size_t)nread;
    }
    /* Near copies: found on the ranks their whole-document keys pick (near_copies). */
    if (near) {
        ovl_scan_shard ns;
        memset(&ns, 0, sizeof ns);
        ns.doc_keys = mydk;
        ns.doc_sigs = mysig;
        ns.doc_bands = dbands;
        if ((rc = near_copies(m, &o, mydocs, myco, &sims, &nsims, &ns, first, dbands, K)) != OVL_OK)
            goto done; /* (every rank has agreed on it) */
        free(mydk);
        free(mysig);
        mydk = NULL;
        mysig = NULL;
    }
    {
        /* Every copy and its group's first to rank 0 (the families read the copies of their
         * documents, the report lists every copy group), in document order. */
        dpair *cv = malloc((cnt ? cnt : 1) * sizeof *cv);
        size_t nc = 0;
        for (size_t k = 0; cv && k < cnt; k++)
            if (myco[k] != UINT32_MAX && myco[k] != lo + k)
                cv[nc++] = (dpair){(uint32_t)(lo + k), myco[k]};
        rc = cv ? OVL_OK : nomem(m);
        CHECK(rc);
        char *gc = NULL;
        rc = gather_bytes(m, cv, nc * sizeof *cv, &gc, lens) ? nomem(m) : OVL_OK;
        free(cv);
        cops = (dpair *)gc;
        ncops = me == 0 ? received(lens, P, sizeof *cops) : 0;
        CHECK(rc);
    }
    /* ---- 1: the band keys received, searched by the rank owning their part of the key space ---- */
    next_phase(m, PH_KEYS);
    {
        /* The records as they came, rank after rank, to the chunk spool and band files. */
        int band_fd[64];
        uint64_t *col = NULL, *kc = NULL;
        ovl_fp_chunk *chc = NULL;
        size_t capcol = 0, capkc = 0, capch = 0, nchunks = 0, most = 0;
        /* The copies' records are dropped: the verdicts of one sending rank's share at a time,
         * from that rank (no rank holds every document's). */
        for (int p = 0; p < P; p++)
            if (first[p + 1] - first[p] > most)
                most = first[p + 1] - first[p];
        if (!(cov = malloc((most ? most : 1) * sizeof *cov)))
            rc = nomem(m);
        CHECK(rc);
        for (int p = 0; p < P; p++) {
            FILE *f = srcf[p];
            size_t pc = first[p + 1] - first[p];
            if (p == me && pc)
                memcpy(cov, myco, pc * sizeof *cov);
            bcast_bytes(m, cov, pc * sizeof *cov, p);
            if (rc == OVL_OK && (fflush(f) != 0 || fseeko(f, 0, SEEK_SET) != 0))
                rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot read the temporary key file");
            uint32_t hdr[2];
            while (rc == OVL_OK && fread(hdr, sizeof hdr, 1, f) == 1) {
                size_t nc = hdr[1];
                if (ovl__grow(&col, &capcol, nc + 1, sizeof *col) != 0 ||
                    ovl__grow(&chc, &capch, nc + 1, sizeof *chc) != 0 ||
                    ovl__grow(&kc, &capkc, nc * nb + 1, sizeof *kc) != 0) {
                    rc = nomem(m);
                    break;
                }
                if (fread(chc, sizeof *chc, nc, f) != nc || fread(kc, sizeof *kc * nb, nc, f) != nc ||
                    hdr[0] < first[p] || hdr[0] >= first[p + 1]) {
                    rc = ovl__fail(ctx, OVL_ERR_INVALID, -1, "band keys could not be read back");
                    break;
                }
                if (cov[hdr[0] - first[p]] != hdr[0])
                    continue; /* copies and near copies are not searched */
                if (ovl__spool_doc(spool, bandf, nb, hdr[0], chc, kc, nc, col) != 0)
                    rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot write the temporary key file");
                nchunks += nc;
            }
            if (rc == OVL_OK && ferror(f))
                rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot read the temporary key file");
            fclose(f);
            srcf[p] = NULL;
        }
        for (int p = 0; srcf && p < P; p++)
            if (srcf[p])
                fclose(srcf[p]);
        free(srcf);
        srcf = NULL;
        free(chc);
        free(kc);
        free(cov);
        cov = NULL;
        {
            /* Templates after the documents, with ids from n on. */
            uint64_t *sub = NULL;
            ovl_fp_chunk *tch = NULL;
            size_t capsub = 0, captch = 0;
            for (size_t k = 0; rc == OVL_OK && ntsh && k < nt; k++) {
                const ovl_scan_doc *d = &tsh->docs[k];
                if (d->status != OVL_OK)
                    continue;
                if (ovl__grow(&sub, &capsub, (size_t)d->nchunks * nb + 1, sizeof *sub) != 0 ||
                    ovl__grow(&tch, &captch, (size_t)d->nchunks + 1, sizeof *tch) != 0 ||
                    ovl__grow(&col, &capcol, (size_t)d->nchunks + 1, sizeof *col) != 0) {
                    rc = nomem(m);
                    break;
                }
                const uint64_t *tk = tsh->keys + d->first_chunk * bands;
                size_t tn = 0;
                for (size_t x = 0; x < d->nchunks; x++) {
                    if (!in_cell(&cl, tk, bands, x))
                        continue;
                    tch[tn] = tsh->chunks[d->first_chunk + x];
                    memcpy(sub + tn * nb, tk + x * bands + cl.blo, nb * sizeof *sub);
                    tn++;
                }
                if (cl.slices > 1 && tn == 0)
                    continue;
                if (ovl__spool_doc(spool, bandf, nb, (uint32_t)(n + k), tch, sub, tn, col) != 0)
                    rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot write the temporary key file");
                nchunks += tn;
            }
            free(sub);
            free(tch);
            free(col);
            int flushed = spool && fflush(spool) == 0;
            for (unsigned x = 0; x < nb; x++) {
                flushed &= bandf[x] && fflush(bandf[x]) == 0;
                band_fd[x] = bandf[x] ? fileno(bandf[x]) : -1;
            }
            if (rc == OVL_OK && !flushed)
                rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot write the temporary key file");
            ovl__range_out *outs = NULL;
            size_t nsub = 0;
            if (rc == OVL_OK)
                rc = ovl__search_spool(ctx, &o, (uint32_t)n, NULL, recurring, fileno(spool),
                                       ftello(spool), band_fd, nchunks, nb, &outs, &nsub);
            ranges = nsub;
            /* This rank's ranges as one: pairs merged (collisions add up, min_hits later, once
             * every rank's are in), key groups renumbered apart. */
            const ovl_scan_pair **lists = malloc((nsub + 1) * sizeof *lists);
            size_t *cn = malloc((nsub + 1) * sizeof *cn);
            if (rc == OVL_OK && (!lists || !cn))
                rc = nomem(m);
            for (size_t k = 0; rc == OVL_OK && k < nsub; k++)
                lists[k] = outs[k].pairs, cn[k] = outs[k].npairs;
            if (rc == OVL_OK)
                rc = ovl_scan_merge_pairs(ctx, lists, cn, nsub, 0, &out.pairs, &out.npairs);
            if (rc == OVL_OK && (ovl__range_groups(outs, nsub, 0, &out.rec, &out.nrec) ||
                                 ovl__range_groups(outs, nsub, 1, &out.ign, &out.nign)))
                rc = nomem(m);
            free(lists);
            free(cn);
            for (size_t k = 0; k < nsub; k++)
                ovl__range_out_free(&outs[k]);
            free(outs);
            if (spool)
                fclose(spool);
            spool = NULL;
            for (unsigned x = 0; x < nb; x++) {
                if (bandf[x])
                    fclose(bandf[x]);
                bandf[x] = NULL;
            }
        }
        free(rbuf_);
        rbuf_ = NULL;
        if (tsh) {
            ovl_scan_shard_free(tsh);
            free(tsh);
            tsh = NULL;
        }
        CHECK(rc);
    }

    /* ---- 2: pairs to the rank of their first document; recurring text to rank 0 ---- */
    next_phase(m, PH_PAIRS);
    {
        /* out.pairs is sorted by (a, b), and shares are contiguous: each rank's part is a
         * run. Pairs of templates (a >= n) go to the last rank, which drops them. */
        memset(counts, 0, P * sizeof *counts);
        for (size_t k = 0; k < out.npairs; k++) {
            int p = 0;
            uint32_t a = out.pairs[k].a;
            if (a >= n)
                p = P - 1;
            else
                while (first[p + 1] <= a)
                    p++;
            counts[p] += sizeof *out.pairs;
        }
        rc = alltoall_bytes(m, (const char *)out.pairs, counts, &rbuf_, lens) ? nomem(m) : OVL_OK;
        CHECK(rc);
        free(out.pairs);
        out.pairs = NULL;
        const ovl_scan_pair **lists = malloc(P * sizeof *lists);
        size_t *cnts = malloc(P * sizeof *cnts), at = 0;
        if (!lists || !cnts)
            rc = nomem(m);
        for (int p = 0; rc == OVL_OK && p < P; p++) {
            lists[p] = (const ovl_scan_pair *)(rbuf_ + at);
            cnts[p] = lens[p] / sizeof(ovl_scan_pair);
            at += lens[p];
        }
        held(m, at);
        if (rc == OVL_OK)
            rc = ovl__range_pairs(ctx, &o, (uint32_t)n, lists, cnts, P, &pairs, &npairs);
        free(lists);
        free(cnts);
        free(rbuf_);
        rbuf_ = NULL;
        CHECK(rc);
        /* Recurring and template chunks of every range to rank 0, in range order. */
        for (int which = 0; which < 2; which++) {
            ovl_recurring *v = which ? out.ign : out.rec;
            size_t nv = which ? out.nign : out.nrec;
            rc = gather_bytes(m, v, nv * sizeof *v, &buf, lens) ? nomem(m) : OVL_OK;
            CHECK(rc);
            if (me == 0) {
                ovl__range_out *ro = calloc(nr + 1, sizeof *ro);
                size_t off = 0;
                if (!ro)
                    rc = nomem(m);
                for (int p = 0; rc == OVL_OK && p < nr; p++) {
                    ovl_recurring *x = (ovl_recurring *)(buf + off);
                    if (which)
                        ro[p].ign = x, ro[p].nign = lens[p] / sizeof *x;
                    else
                        ro[p].rec = x, ro[p].nrec = lens[p] / sizeof *x;
                    off += lens[p];
                }
                if (rc == OVL_OK &&
                    ovl__range_groups(ro, nr, which, which ? &g.ign : &g.rec, which ? &g.nign : &g.nrec))
                    rc = nomem(m);
                free(ro);
            }
            free(buf);
            buf = NULL;
            CHECK(rc);
        }
        ovl__range_out_free(&out);
        /* The chunks of the documents holding recurring or template text to rank 0, numbered
         * there in document order: the families of this part of the table are those of the
         * whole (unions keep the smaller chunk number, and the numbering keeps the order). */
        /* (Rank 0 marks every document; the others get their share's marks.) */
        if (!(flag = calloc(me == 0 ? (n ? n : 1) : (cnt ? cnt : 1), 1)))
            rc = nomem(m);
        for (size_t x = 0; rc == OVL_OK && me == 0 && x < g.nrec; x++)
            if (g.rec[x].doc < n)
                flag[g.rec[x].doc] = 1;
        for (size_t x = 0; rc == OVL_OK && me == 0 && x < g.nign; x++)
            if (g.ign[x].doc < n)
                flag[g.ign[x].doc] = 1;
        CHECK(rc);
        uint32_t *vn = NULL; /* rank 0: the chunks of each flagged document, in document order */
        size_t nvn = 0;
        if (recurring || o.ignore) {
            if (me == 0) {
                for (int p = 1; p < P; p++)
                    send_bytes(m, flag + first[p], first[p + 1] - first[p], p);
            } else {
                size_t len = 0;
                uint8_t *piece = recv_bytes(m, 0, &len);
                if (piece && len == cnt)
                    memcpy(flag, piece, cnt);
                else
                    rc = piece ? ovl__fail(ctx, OVL_ERR_INVALID, -1, "the documents' marks do not add up") : nomem(m);
                free(piece);
            }
            CHECK(rc);
            /* (A rank's marks: flag + mylo.) */
            size_t mylo = me == 0 ? lo : 0;
            /* (Flagged documents are originals: their chunks were all written.) */
            if (me == 0 && !(cf = tmpfile()))
                rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot create a temporary file for chunks");
            CHECK(rc);
            /* The number of chunks of each, from the rank that read it. */
            uint32_t *nck = malloc((cnt ? cnt : 1) * sizeof *nck);
            size_t nk = 0;
            for (size_t k = 0; nck && k < cnt; k++)
                if (flag[mylo + k])
                    nck[nk++] = mydocs[k].nchunks;
            rc = !nck ? nomem(m) : OVL_OK;
            CHECK(rc);
            char *gv = NULL;
            rc = gather_bytes(m, nck, nk * sizeof *nck, &gv, lens) ? nomem(m) : OVL_OK;
            free(nck);
            vn = (uint32_t *)gv;
            for (int p = 0; me == 0 && p < P; p++)
                nvn += lens[p] / sizeof *vn;
            CHECK(rc);
            /* (Pieces of a key round, at most XCHG_CHUNK: --key-round 1 sends one range at
             * a time.) */
            uint64_t per = kr / sizeof(ovl__chunkinfo);
            if (per > XCHG_CHUNK / sizeof(ovl__chunkinfo))
                per = XCHG_CHUNK / sizeof(ovl__chunkinfo);
            rc = chunks_to_root(m, cif, myfirst, flag, mylo, cnt, per ? (size_t)per : 1, cf, &cbytes);
            fclose(cif);
            cif = NULL;
            if (rc == OVL_OK && me == 0 && cbytes &&
                (cmap = mmap(NULL, (size_t)cbytes, PROT_READ, MAP_PRIVATE, fileno(cf), 0)) == MAP_FAILED) {
                cmap = NULL;
                rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot map the temporary chunk file");
            }
            if (cf)
                fclose(cf); /* (the mapping stays) */
            cf = NULL;
            if (rc != OVL_OK)
                free(vn);
            CHECK(rc);
        }
        /* Families on rank 0, then to every rank. */
        if (me == 0) {
            /* The ranges are read through the mapping: pages of the file, which the system
             * can drop and read again, not memory of this process's own. */
            held(m, cbytes);
            rc = build_families(m, &o, &g, flag, n, cops, ncops, vn, nvn, cmap,
                                (size_t)(cbytes / sizeof(ovl__chunkinfo)), &gfam, &use_fam, &gign, &use_ign,
                                &ignored_chars);
            if (rc == OVL_OK) {
                uint64_t h[3] = {(uint64_t)use_fam, (uint64_t)use_ign, ignored_chars};
                ovl__bput(&w, h, sizeof h);
                if (use_fam)
                    put_families(&w, &gfam);
                if (use_ign)
                    put_families(&w, &gign);
                if (w.bad)
                    rc = nomem(m);
            }
        }
        free(vn);
        if (cmap)
            munmap(cmap, (size_t)cbytes);
        cmap = NULL;
        free(flag);
        flag = NULL;
        CHECK(rc);
        uint64_t len = w.n;
        MPI_Bcast(&len, 1, MPI_UINT64_T, 0, comm);
        if (me != 0 && !(w.p = malloc(len ? len : 1)))
            rc = nomem(m);
        CHECK(rc);
        bcast_bytes(m, w.p, len, 0);
        if (me != 0) {
            rbuf b = {w.p, len, 0};
            uint64_t h[3];
            if (get(&b, h, sizeof h) || (h[0] && get_families(&b, &gfam)) || (h[1] && get_families(&b, &gign)))
                rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
            use_fam = (int)h[0];
            use_ign = (int)h[1];
            ignored_chars = h[2];
        }
        free(w.p);
        memset(&w, 0, sizeof w);
        CHECK(rc);
        rc = filter_pairs(m, &o, &gfam, use_fam, &gign, use_ign, pairs, &npairs, &family_pairs);
        CHECK(rc);
        uint64_t cand = npairs;
        MPI_Allreduce(MPI_IN_PLACE, &cand, 1, MPI_UINT64_T, MPI_SUM, comm);
        pr.sum.candidates = cand;
        uint64_t nranges = ranges;
        MPI_Allreduce(MPI_IN_PLACE, &nranges, 1, MPI_UINT64_T, MPI_SUM, comm);
        pr.sum.band_ranges = (size_t)nranges;
    }

    /* ---- 3: pairs dealt by cost, heaviest first to the least loaded rank ---- */
    next_phase(m, PH_BALANCE);
    {
        /* Each rank deals its own pairs (heaviest first to the least loaded of P bins), and
         * its bin j goes to rank (j + me) % P: every rank's heaviest pairs land on different
         * ranks, each bin is within one pair's cost of the others, and no rank holds another
         * rank's costs. */
        ci = malloc((npairs ? npairs : 1) * sizeof *ci);
        heap = malloc(P * sizeof *heap);
        dest = malloc((npairs ? npairs : 1) * sizeof *dest);
        if (!ci || !heap || !dest)
            rc = nomem(m);
        CHECK(rc);
        held(m, npairs * (sizeof *ci + sizeof *dest));
        /* The tokens of the pairs' documents when the cost needs them (whole_tokens), from
         * the ranks that read them. */
        uint32_t *tids = NULL, *mytok = NULL;
        void *toks = NULL;
        size_t ntids = 0;
        if (o.whole_tokens) {
            if (!(mytok = malloc((cnt ? cnt : 1) * sizeof *mytok)) || pair_docs(pairs, npairs, &tids, &ntids) != 0)
                rc = nomem(m);
            for (size_t k = 0; mytok && k < cnt; k++)
                mytok[k] = mydocs[k].tokens;
            if ((rc = agree(m, rc)) == OVL_OK)
                rc = fetch_rows(m, first, mytok, sizeof *mytok, tids, ntids, &toks, NULL);
            free(mytok);
            if (rc != OVL_OK) {
                free(tids);
                goto done; /* (every rank has agreed on it) */
            }
        }
        for (size_t k = 0; k < npairs; k++) {
            const uint32_t *t = toks;
            uint32_t ta = t ? t[pos_of(tids, ntids, pairs[k].a)] : 0, tb = t ? t[pos_of(tids, ntids, pairs[k].b)] : 0;
            ci[k] = (costidx){pair_cost(&o, ta, tb, &pairs[k]), k};
        }
        free(tids);
        free(toks);
        qsort(ci, npairs, sizeof *ci, cmp_cost);
        for (int p = 0; p < P; p++)
            heap[p] = (load){0, p};
        for (size_t k = 0; k < npairs; k++) {
            dest[ci[k].idx] = (heap[0].rank + me) % P;
            heap[0].w += ci[k].cost;
            heap_down(heap, P, 0);
        }
        free(ci);
        ci = NULL;
        free(heap);
        heap = NULL;
        /* Sent in (a, b) order per destination: each rank receives runs in rank order, so
         * its pairs stay sorted. */
        ovl_scan_pair *sorted = malloc((npairs ? npairs : 1) * sizeof *sorted);
        size_t *fill = calloc(P + 1, sizeof *fill);
        memset(counts, 0, P * sizeof *counts);
        if (!sorted || !fill) {
            free(sorted);
            free(fill);
            rc = nomem(m);
        }
        CHECK(rc);
        for (size_t k = 0; k < npairs; k++)
            counts[dest[k]] += sizeof *pairs;
        for (int p = 1; p <= P; p++)
            fill[p] = fill[p - 1] + counts[p - 1] / sizeof *pairs;
        for (size_t k = 0; k < npairs; k++)
            sorted[fill[dest[k]]++] = pairs[k];
        free(fill);
        free(pairs);
        pairs = sorted;
        free(dest);
        dest = NULL;
        rc = alltoall_bytes(m, (const char *)pairs, counts, (char **)&mine, lens) ? nomem(m) : OVL_OK;
        free(pairs);
        pairs = NULL;
        CHECK(rc);
        nmine = received(lens, P, sizeof *mine);
    }

    /* ---- 4: alignment, over the documents of this rank's pairs ---- */
    next_phase(m, PH_ALIGN);
    {
        uint32_t *ids = NULL;
        size_t nids = 0;
        rc = pair_docs(mine, nmine, &ids, &nids) ? nomem(m) : OVL_OK;
        if ((rc = agree(m, rc)) != OVL_OK) {
            free(ids);
            goto done;
        }
        rc = part_open(m, &al, c, &o, NULL, first, mydocs, ids, nids); /* (al owns ids) */
        al.r.cfp.recur = g.recur;
        memset(&g.recur, 0, sizeof g.recur);
        if (rc == OVL_OK && ((use_fam && restrict_families(&gfam, ids, nids, &al.r.fam)) ||
                             (use_ign && restrict_families(&gign, ids, nids, &al.r.ign))))
            rc = nomem(m);
        al.r.use_fam = use_fam;
        al.r.use_ign = use_ign;
        CHECK(rc);
        renumber(mine, nmine, ids, nids, 1);
        rc = ovl__run_align(&al.r, mine, nmine);
    }
    free(mine);
    mine = NULL;
    if (rc == OVL_OK && al.r.spool && fflush(al.r.spool) != 0)
        rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot write the temporary passage file");
    held(m, al.r.spool_off);
    part_shed(&al, 0);
    CHECK(rc);

    /* ---- 5: results merged on rank 0, written there ---- */
    next_phase(m, PH_RESULTS);
    held_docs(m, al.nids, 0);
    /* Counters of every rank's pairs, added up. */
    uint64_t cn[4] = {family_pairs, al.r.sum.family_passages, al.r.sum.failed_pairs, al.r.sum.ignored_passages};
    MPI_Allreduce(MPI_IN_PLACE, cn, 4, MPI_UINT64_T, MPI_SUM, comm);
    {
        /* Each rank's records, those the report leaves out (min_ratio) dropped, in report
         * order, their documents numbered in the corpus: a run that rank 0 merges, asking
         * each rank for a window of records at a time (about a key round in all), so that no
         * rank holds every record; it holds those it lists (list_pairs, failed pairs) and the
         * figures of their documents. */
        ovl__run_drop_below_ratio(&al.r);
        if (al.r.nrecs > 1)
            qsort(al.r.recs, al.r.nrecs, sizeof *al.r.recs, ovl__prec_cmp);
        for (size_t k = 0; k < al.r.nrecs; k++)
            al.r.recs[k].a = al.ids[al.r.recs[k].a], al.r.recs[k].b = al.ids[al.r.recs[k].b];
        held(m, al.r.nrecs * sizeof *al.r.recs);
    }
    if (me != 0) {
        serve(m, &al, c, mydocs, lo, cnt, rc == OVL_OK);
    } else {
        /* (No more than the report lists: every listed record may be one rank's.) */
        uint64_t window = kr / 64 / (uint64_t)P, most = 0, unlisted = 0;
        if (o.list_pairs && window > o.list_pairs)
            window = o.list_pairs;
        if (rc == OVL_OK)
            rc = merge_results(m, &o, al.r.recs, al.r.nrecs, window ? window : 1, &lst, &unlisted, &most);
        held(m, most + al.r.nrecs * sizeof *al.r.recs);
        if (rc == OVL_OK) {
            rootin in = {c, n, &o, sink, first, mydocs, cops, ncops, near, sims, nsims, &gfam, use_fam, pr.sum};
            in.sum.family_pairs = (size_t)cn[0];
            in.sum.family_passages = (size_t)cn[1];
            in.sum.failed_pairs = (size_t)cn[2];
            in.sum.ignored_passages = (size_t)cn[3];
            in.sum.ignored_chars = ignored_chars;
            in.sum.pairs_unlisted = (size_t)unlisted;
            in.sum.seconds[0] = m->st.seconds[PH_FP];
            in.sum.seconds[1] = m->st.seconds[PH_KEYS] + m->st.seconds[PH_PAIRS];
            in.sum.seconds[3] = m->st.seconds[PH_BALANCE] + m->st.seconds[PH_ALIGN];
            rc = root_report(m, &in, &al, &lst, &rep);
        }
        for (int p = 1; p < P; p++)
            request(m, p, REQ_END, 0, 0);
    }
    CHECK(rc);

done:
    next_phase(m, m->phase);
    if (summary) {
        *summary = rep.r.ctx ? rep.r.sum : pr.sum;
        MPI_Bcast(summary, (int)sizeof *summary, MPI_BYTE, 0, comm);
    }
    if (stats) {
        for (int p = 0; p < OVL_SCAN_MPI_PHASES; p++) {
            m->st.sent_max[p] = m->st.sent_total[p] = m->st.sent[p];
            m->st.held_max[p] = m->st.held[p];
            m->st.rss_peak_max[p] = m->st.rss_peak[p];
            m->st.docs_held_max[p] = m->st.docs_held[p];
            m->st.docs_fetched_total[p] = m->st.docs_fetched[p];
            m->st.paths_held_max[p] = m->st.paths_held[p];
        }
        m->st.paths = n;
        MPI_Allreduce(MPI_IN_PLACE, m->st.paths_held_max, OVL_SCAN_MPI_PHASES, MPI_UINT64_T, MPI_MAX, comm);
        MPI_Allreduce(MPI_IN_PLACE, m->st.docs_held_max, OVL_SCAN_MPI_PHASES, MPI_UINT64_T, MPI_MAX, comm);
        MPI_Allreduce(MPI_IN_PLACE, m->st.docs_fetched_total, OVL_SCAN_MPI_PHASES, MPI_UINT64_T, MPI_SUM, comm);
        MPI_Allreduce(MPI_IN_PLACE, m->st.sent_max, OVL_SCAN_MPI_PHASES, MPI_UINT64_T, MPI_MAX, comm);
        MPI_Allreduce(MPI_IN_PLACE, m->st.sent_total, OVL_SCAN_MPI_PHASES, MPI_UINT64_T, MPI_SUM, comm);
        MPI_Allreduce(MPI_IN_PLACE, m->st.held_max, OVL_SCAN_MPI_PHASES, MPI_UINT64_T, MPI_MAX, comm);
        MPI_Allreduce(MPI_IN_PLACE, m->st.rss_peak_max, OVL_SCAN_MPI_PHASES, MPI_UINT64_T, MPI_MAX, comm);
        *stats = m->st;
    }
    ovl_scan_shard_free(&sh);
    if (tsh) {
        ovl_scan_shard_free(tsh);
        free(tsh);
    }
    ovl__range_out_free(&out);
    free(buf);
    free(rbuf_);
    free(w.p);
    free(pairs);
    free(mine);
    free(dest);
    free(ci);
    free(heap);
    free(first);
    free(mydocs);
    free(seen);
    free(mydk);
    free(mysig);
    if (cif)
        fclose(cif);
    if (cf)
        fclose(cf);
    if (cmap)
        munmap(cmap, (size_t)cbytes);
    if (spool)
        fclose(spool);
    for (unsigned x = 0; x < 64; x++)
        if (bandf[x])
            fclose(bandf[x]);
    for (int p = 0; srcf && p < P; p++)
        if (srcf[p])
            fclose(srcf[p]);
    free(srcf);
    free(pw.p);
    free(myfirst);
    free(flag);
    free(lens);
    free(counts);
    part_free(&al);
    part_free(&rep);
    recset_free(&lst);
    free(sims);
    free(myco);
    free(cov);
    free(cops);
    ovl__cfp_free(&g);
    ovl__families_free(&gfam);
    ovl__families_free(&gign);
    mpi_run_free(m);
    return rc;
}
