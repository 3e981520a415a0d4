/* index_int.h - what the index's files share: the handle, band records and their encoding, the
 * SQLite helpers. Not installed. */
#ifndef OVL_INDEX_INT_H
#define OVL_INDEX_INT_H

#include "internal.h"

#include <sqlite3.h>

struct ovl_index {
    sqlite3 *db;
    char *path;
    int readonly;
    ovl_fp_opts fp;   /* resolved, as stored */
    ovl_doc_opts doc; /* norm/segment as stored; decode as given to this handle */
    char *enc_opt;    /* copy of doc.decode.encoding (NULL: detect) */
    sqlite3_stmt *st_find, *st_pend, *st_probe, *st_load;
    int added;        /* documents added through this handle since its last flush */
    int64_t session_records; /* band records it added since its last explicit flush */
    /* Records in the pending table as last counted, plus those this handle added since
     * (-1: not counted yet). Other writers' adds and flushes are seen at the next count,
     * made only when this estimate reaches FLUSH_RECORDS, so an add costs the same however
     * many documents are pending. */
    int64_t pending_est;
    /* Storage behind the last ovl_index_doc_info answer. */
    char *i_path, *i_hash, *i_enc;
    ovl_index_meta *i_metas;
    size_t i_nmetas;
};

/* ---- SQLite helpers (index_db.c): each records the error in ctx and returns its code ---- */

int ovl__ix_db_fail(ovl_ctx *ctx, const ovl_index *idx, const char *what);
int ovl__ix_exec(ovl_ctx *ctx, ovl_index *idx, const char *sql);
int ovl__ix_prepare(ovl_ctx *ctx, ovl_index *idx, const char *sql, sqlite3_stmt **st);
/* Single integer answer of sql (a PRAGMA or an aggregate). */
int ovl__ix_query_int(ovl_ctx *ctx, ovl_index *idx, const char *sql, int64_t *v);
/* OVL_ERR_CORRUPT "index P is damaged: what". */
int ovl__ix_damaged(ovl_ctx *ctx, const ovl_index *idx, const char *what);
/* Rolls back the open transaction, if any. */
void ovl__ix_rollback(ovl_index *idx);
/* Ends a read transaction begun for one snapshot: rc when it is an error, else the COMMIT's
 * outcome. A COMMIT that fails (out of memory) is rolled back, so the handle is never left
 * inside a transaction its next BEGIN would trip on. */
int ovl__ix_end_read(ovl_ctx *ctx, ovl_index *idx, int rc);
/* XXH3-128 of bytes as 32 hex digits. */
void ovl__ix_hash_hex(const void *bytes, size_t len, char out[33]);
/* Looks up path: *id = 0 when absent; hash copied into hash (33 bytes) when present. */
int ovl__ix_find(ovl_ctx *ctx, ovl_index *idx, const char *path, int64_t *id, char *hash);

/* ---- Adding (index_add.c) ---- */

/* The invalid byte sequences that prep's decoding replaced with U+FFFD (lenient decoding);
 * 0 when it decoded nothing (the path held these bytes). For the add run's events. */
size_t ovl__ix_prep_replaced(const ovl_index_prep *p);

/* ---- Band records (index_band.c) ---- */

/* Pending records that make ovl_index_add flush by itself. */
#define FLUSH_RECORDS (1u << 20)
/* Smallest encoding of a record: three one-byte varints. */
#define MIN_RECORD_BYTES 3

typedef struct keyrow {
    uint64_t key;
    uint32_t chunk;
} keyrow;

/* Distinct (band key, chunk) rows of a fingerprint, sorted by key: a document's block and
 * a query's key walk are in key order. NULL when out of memory; the caller frees it. */
keyrow *ovl__ix_fp_rows(const ovl_fp *fp, size_t *n);

typedef struct prec {
    uint64_t key;
    int64_t doc;
    uint32_t chunk;
} prec;

static inline int cmp_prec(const void *pa, const void *pb)
{
    const prec *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    return a->chunk < b->chunk ? -1 : a->chunk > b->chunk;
}

/* A band key as stored: key ^ 2^63, so SQLite's signed order is the keys' unsigned order. */
static inline int64_t skey(uint64_t k) { return (int64_t)(k ^ 0x8000000000000000ull); }

static inline int get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*pp >= end)
            return -1;
        uint8_t b = *(*pp)++;
        x |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

/* Position of id in the sorted v[0..n), or (size_t)-1. */
static inline size_t id_index(const int64_t *v, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo] == id ? lo : (size_t)-1;
}

/* Whether the sorted v[0..n) holds id. */
static inline int has_id(const int64_t *v, size_t n, int64_t id) { return id_index(v, n, id) != (size_t)-1; }

/* Block encoding: per record varint(key - previous key, the first from 0), varint(doc),
 * varint(chunk), records sorted by (key, doc, chunk). */
typedef struct blockbuf {
    uint8_t *b;
    size_t len, cap;
    uint32_t n;
    uint64_t prev;
} blockbuf;

/* Appends r (after the block's last record); -1 when out of memory. */
int ovl__ix_bb_put(blockbuf *bb, const prec *r);

/* Decodes n records of a block into *out (grown as needed); -1 when the block is malformed
 * (no records, wrong count, keys out of order, trailing bytes), -2 when out of memory. n
 * comes from the file: it is checked against the block's size before it sizes anything. */
int ovl__ix_block_decode(const void *data, size_t len, size_t n, prec **out, size_t *cap);

/* Reads a run's records in order, one block at a time. */
typedef struct runcursor {
    sqlite3_stmt *st;
    prec *r;
    size_t n, i, cap;
    int64_t records, blocks;
    int done; /* stepping a finished statement would restart it */
    prec last; /* last record of the previous block */
} runcursor;

/* Current record, or NULL at the end; OVL errors through rc. */
const prec *ovl__ix_rc_cur(ovl_ctx *ctx, ovl_index *idx, runcursor *c, int *rc);

/* Integers of sql's first column, in order; NULL with *n = 0 when none or on error (*rc).
 * The caller frees the array. */
int64_t *ovl__ix_load_ids(ovl_ctx *ctx, ovl_index *idx, const char *sql, size_t *n, int *rc);

/* Pending records into a new run, then merges (see index_band.c); final: the end of an add run. */
int ovl__ix_flush(ovl_ctx *ctx, ovl_index *idx, int final);

#endif
