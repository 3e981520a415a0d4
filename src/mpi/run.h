/* run.h - a scan's MPI ranks: their phases and figures, their failures agreed on, and the bytes moved between them (exchanges, byte records, rank 0's requests); not installed. */
#ifndef OVL_MPI_RUN_H
#define OVL_MPI_RUN_H

#include "overlap/scan_mpi.h"

#include "../corpus_int.h"
#include "../scan_run.h"

/* Bytes one MPI call moves at most (counts and displacements are ints; the packing buffers
 * of a round are this big). */
#define XCHG_CHUNK ((size_t)1 << 25)

enum { PH_FP, PH_KEYS, PH_PAIRS, PH_BALANCE, PH_ALIGN, PH_RESULTS };

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

/* FNV-1a of n bytes at p, continuing from h (OVL__MPI_FNV_SEED to start): a hash every rank
 * computes alike, to pick a rank for a path or a key, or to compare what the ranks see. */
#define OVL__MPI_FNV_SEED 1469598103934665603ull
static inline uint64_t ovl__mpi_fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ull;
    return h;
}

/* Collective: whether every rank of comm has the same (n, h); *most gets the largest n. */
int ovl__mpi_same(MPI_Comm comm, uint64_t n, uint64_t h, uint64_t *most);

/* m zeroed for a collective call over comm (its rank and size, its figures' rank, the first
 * phase started now); errors go to ctx. */
void ovl__mpi_run_init(mpi_run *m, ovl_ctx *ctx, MPI_Comm comm);
/* Makes m's per-rank counts and packing buffers before the first exchange; -1 when out of
 * memory. ovl__mpi_run_free frees them. */
int ovl__mpi_run_alloc(mpi_run *m);

void ovl__mpi_run_free(mpi_run *m);

double ovl__mpi_now(void);

void ovl__mpi_next_phase(mpi_run *m, int phase);

/* The most file list entries held at once in the phase: the corpus's and more. */
void ovl__mpi_held_paths(mpi_run *m, uint64_t more);

void ovl__mpi_held(mpi_run *m, uint64_t bytes);

/* Every rank learns whether any rank failed; the lowest failing rank's code and message
 * become every rank's (prefixed with its number). Returns OVL_OK when none failed. */
int ovl__mpi_agree(mpi_run *m, int rc);

/* Sends len bytes of buf from root to every rank, in pieces an int can count. */
void ovl__mpi_bcast_bytes(mpi_run *m, void *buf, size_t len, int root);

void ovl__mpi_send_bytes(mpi_run *m, const void *buf, size_t len, int to);

/* Receives what ovl__mpi_send_bytes sent into a malloc'd buffer (NULL when out of memory: the bytes
 * are received and dropped, so the ranks stay in step). */
void *ovl__mpi_recv_bytes(mpi_run *m, int from, size_t *len);

/* All-to-all of byte counts[dest] from send (concatenated in rank order): *recv (malloc'd)
 * gets what each rank sent this one, in rank order, rcounts[src] bytes each. Done in rounds
 * of at most XCHG_CHUNK bytes per peer, packed so that every count and displacement is an
 * int. -1 when out of memory (the exchange still completes on every rank). */
int ovl__mpi_alltoall_bytes(mpi_run *m, const char *send, const size_t *counts, char **recv,
                          size_t *rcounts);

/* Elements of elem bytes received: the sum of an exchange's per-rank byte counts rl. */
size_t ovl__mpi_received(const size_t *rl, int P, size_t elem);

/* Every rank's len bytes to every rank: *out (malloc'd) holds them in rank order, lens[p]
 * bytes of rank p. */
int ovl__mpi_allgather_bytes(mpi_run *m, const void *mine, size_t len, char **out, size_t *lens);

/* Every rank's bytes to rank 0 (in rank order into *out there, lens[p] each). */
int ovl__mpi_gather_bytes(mpi_run *m, const void *mine, size_t len, char **out, size_t *lens);

/* ---- byte records --------------------------------------------------------------------------- */

/* Puts s as its length with the NUL (0 for NULL) and its bytes. */
void ovl__mpi_put_str(ovl__bbuf *b, const char *s);

typedef struct rbuf {
    const char *p;
    size_t n, at;
} rbuf;

int ovl__mpi_get(rbuf *b, void *x, size_t len);

/* Points *s into the buffer (NULL for none). */
int ovl__mpi_get_str(rbuf *b, const char **s);

int ovl__mpi_nomem(mpi_run *m);

/* Passages of records aligned elsewhere: off carries the rank that holds them. */
#define RANK_SHIFT 48

enum { TAG_OK = 3, TAG_REQ };

/* What rank 0 asks another rank for while it writes (a request: three uint64, the first
 * of them one of these). REQ_REPLACED (from, most): the documents of its share from position
 * from with replaced byte sequences, at most most of them. REQ_COPIES (from, most): the copies
 * of the groups it leads from position from, most of them and the rest of the last group. */
enum { REQ_RECS, REQ_REST, REQ_FIGS, REQ_DOCS, REQ_ENTRIES, REQ_PASSAGES, REQ_REPLACED, REQ_COPIES, REQ_END };

void ovl__mpi_request(mpi_run *m, int to, uint64_t what, uint64_t x, uint64_t y);

/* A reply to a request: whether the rank could give it, then (when it could) the bytes. Returns
 * the bytes (malloc'd), NULL with *ok 0 when the rank could not, NULL with *ok 1 when this
 * one is out of memory. */
char *ovl__mpi_reply(mpi_run *m, int from, size_t *len, int *ok);

/* Rank 0, while rank p serves (ovl__mpi_serve): a request what (REQ_DOCS, REQ_ENTRIES,
 * REQ_FIGS) for the documents ids (sorted, of p's share), its reply in *out (malloc'd). */
int ovl__mpi_ask(mpi_run *m, int p, uint64_t what, const uint32_t *ids, size_t nids, char **out, size_t *len);

/* The rank whose share holds document id. */
int ovl__mpi_owner_of(const size_t *first, int P, uint32_t id);

/* Rows of rowbytes bytes of documents ids (sorted, distinct) from their owners, each owner's
 * table holding a row per document of its share: *out (malloc'd) holds them in the order of
 * ids. *fetched: how many came from other ranks. Collective. */
int ovl__mpi_fetch_rows(mpi_run *m, const size_t *first, const void *table, size_t rowbytes, const uint32_t *ids,
                      size_t nids, void **out, size_t *fetched);

/* qsort and bsearch comparators of uint32_t and size_t values, ascending. */
int ovl__mpi_cmp_u32(const void *x, const void *y);
int ovl__mpi_cmp_size(const void *x, const void *y);

/* Sorts v and drops repeats; returns how many are left. */
size_t ovl__mpi_sort_uniq_u32(uint32_t *v, size_t n);

/* The position of id in ids (ascending), SIZE_MAX when it is not there. */
size_t ovl__mpi_pos_of(const uint32_t *ids, size_t n, uint32_t id);

/* The most document records held at once in the phase: the share's and docs more. */
void ovl__mpi_held_docs(mpi_run *m, uint64_t docs, uint64_t fetched);

/* Ends the phase (goto done) on every rank when any rank failed at x (ovl__mpi_agree). */
#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if ((rc = ovl__mpi_agree(m, (x))) != OVL_OK)                                               \
            goto done;                                                                             \
    } while (0)

#endif
