/* index_band.c - the index's log-structured band store: packed record blocks, the pending
 * table, sorted runs and their merges. */
#include "index_int.h"

#include <inttypes.h>
#include <stdio.h>

static int cmp_keyrow(const void *pa, const void *pb)
{
    const keyrow *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->chunk < b->chunk ? -1 : a->chunk > b->chunk;
}

/* Distinct (band key, chunk) rows of a fingerprint, sorted by key: a document's block and
 * a query's key walk are in key order. */
keyrow *ovl__ix_fp_rows(const ovl_fp *fp, size_t *n)
{
    size_t nc = ovl_fp_chunk_count(fp), nb = ovl_fp_params(fp)->bands, k = 0;
    keyrow *r = malloc((nc * nb > 0 ? nc * nb : 1) * sizeof *r);
    if (!r)
        return NULL;
    for (size_t i = 0; i < nc; i++) {
        const uint64_t *keys = ovl_fp_band_keys(fp, i);
        for (size_t j = 0; j < nb; j++)
            r[k++] = (keyrow){keys[j], (uint32_t)i};
    }
    qsort(r, k, sizeof *r, cmp_keyrow);
    size_t m = 0;
    for (size_t i = 0; i < k; i++)
        if (m == 0 || r[m - 1].key != r[i].key || r[m - 1].chunk != r[i].chunk)
            r[m++] = r[i];
    *n = m;
    return r;
}

/* Encoded bytes after which a run block closes (at the next key boundary): small, so a query
 * decodes little per key it looks up, and four blocks with their cell overhead fill a 4 KB
 * page. */
#define BLOCK_BYTES 930
/* Runs per size level before they are merged into one: bounds runs (and so lookups per key)
 * to about (MERGE_FANIN - 1) * log4(records / FLUSH_RECORDS) while each record is rewritten
 * about log4 times. */
#define MERGE_FANIN 4
#define FANIN_STR "4"

static size_t put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

int ovl__ix_bb_put(blockbuf *bb, const prec *r)
{
    if (ovl__grow(&bb->b, &bb->cap, bb->len + 30, 1) != 0)
        return -1;
    bb->len += put_varint(bb->b + bb->len, r->key - (bb->n ? bb->prev : 0));
    bb->len += put_varint(bb->b + bb->len, (uint64_t)r->doc);
    bb->len += put_varint(bb->b + bb->len, r->chunk);
    bb->prev = r->key;
    bb->n++;
    return 0;
}

/* Decodes n records of a block into *out (grown as needed); -1 when the block is malformed
 * (no records, wrong count, keys out of order, trailing bytes), -2 when out of memory. n
 * comes from the file: it is checked against the block's size before it sizes anything. */
int ovl__ix_block_decode(const void *data, size_t len, size_t n, prec **out, size_t *cap)
{
    if (n == 0 || !data || n > len / MIN_RECORD_BYTES)
        return -1;
    const uint8_t *p = data, *end = p + len;
    if (ovl__grow(out, cap, n, sizeof **out) != 0)
        return -2;
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t d, doc, ch;
        if (get_varint(&p, end, &d) || get_varint(&p, end, &doc) || get_varint(&p, end, &ch) ||
            doc > INT64_MAX || ch > UINT32_MAX)
            return -1;
        uint64_t k = prev + d;
        if (i > 0 && k < prev)
            return -1;
        prec r = {k, (int64_t)doc, (uint32_t)ch};
        if (i > 0 && cmp_prec(&(*out)[i - 1], &r) >= 0)
            return -1;
        (*out)[i] = r;
        prev = k;
    }
    return p == end ? 0 : -1;
}

/* Writes a run's blocks: a block closes at a key boundary once it has BLOCK_BYTES. */
typedef struct runwriter {
    ovl_index *idx;
    sqlite3_stmt *st;
    int64_t run;
    blockbuf bb;
    int64_t records, blocks;
} runwriter;

static int rw_emit(ovl_ctx *ctx, runwriter *w)
{
    if (!w->bb.n)
        return OVL_OK;
    sqlite3_bind_int64(w->st, 1, w->run);
    sqlite3_bind_int64(w->st, 2, skey(w->bb.prev));
    sqlite3_bind_int64(w->st, 3, w->bb.n);
    sqlite3_bind_blob64(w->st, 4, w->bb.b, w->bb.len, SQLITE_STATIC);
    int rc = sqlite3_step(w->st) == SQLITE_DONE ? OVL_OK : ovl__ix_db_fail(ctx, w->idx, "writing a run");
    sqlite3_reset(w->st);
    w->records += w->bb.n;
    w->blocks++;
    w->bb.len = 0;
    w->bb.n = 0;
    return rc;
}

static int rw_put(ovl_ctx *ctx, runwriter *w, const prec *r)
{
    int rc = OVL_OK;
    if (w->bb.len >= BLOCK_BYTES && r->key != w->bb.prev)
        rc = rw_emit(ctx, w);
    if (rc == OVL_OK && ovl__ix_bb_put(&w->bb, r) != 0)
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    return rc;
}

static int rw_begin(ovl_ctx *ctx, ovl_index *idx, runwriter *w)
{
    memset(w, 0, sizeof *w);
    w->idx = idx;
    int64_t maxid = 0;
    int rc = ovl__ix_query_int(ctx, idx, "SELECT coalesce(max(id), 0) FROM runs", &maxid);
    w->run = maxid + 1;
    if (rc == OVL_OK)
        rc = ovl__ix_prepare(ctx, idx, "INSERT INTO postings(run, last_key, n, data) VALUES (?, ?, ?, ?)", &w->st);
    return rc;
}

/* Closes the run: last block, its runs row (level from its size), statement. */
static int rw_end(ovl_ctx *ctx, runwriter *w, int rc)
{
    if (rc == OVL_OK)
        rc = rw_emit(ctx, w);
    sqlite3_finalize(w->st);
    free(w->bb.b);
    if (rc != OVL_OK || !w->records)
        return rc;
    int level = 0;
    /* A flushed run is a little over FLUSH_RECORDS (the last document's records): slack, so
     * that MERGE_FANIN runs of one level make a run of the next. */
    for (int64_t cap = FLUSH_RECORDS + FLUSH_RECORDS / 4; w->records > cap; cap *= MERGE_FANIN)
        level++;
    sqlite3_stmt *st;
    if ((rc = ovl__ix_prepare(ctx, w->idx, "INSERT INTO runs(id, level, records, blocks) VALUES (?, ?, ?, ?)", &st)) != OVL_OK)
        return rc;
    sqlite3_bind_int64(st, 1, w->run);
    sqlite3_bind_int(st, 2, level);
    sqlite3_bind_int64(st, 3, w->records);
    sqlite3_bind_int64(st, 4, w->blocks);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = ovl__ix_db_fail(ctx, w->idx, "writing a run");
    sqlite3_finalize(st);
    return rc;
}

/* Current record, or NULL at the end; OVL errors through rc. */
const prec *ovl__ix_rc_cur(ovl_ctx *ctx, ovl_index *idx, runcursor *c, int *rc)
{
    while (c->i == c->n) {
        if (c->done)
            return NULL;
        int s = sqlite3_step(c->st);
        if (s == SQLITE_DONE) {
            c->done = 1;
            return NULL;
        }
        if (s != SQLITE_ROW) {
            *rc = ovl__ix_db_fail(ctx, idx, "reading a run");
            return NULL;
        }
        int64_t last = sqlite3_column_int64(c->st, 0), n = sqlite3_column_int64(c->st, 1);
        int d = n > 0 ? ovl__ix_block_decode(sqlite3_column_blob(c->st, 2), (size_t)sqlite3_column_bytes(c->st, 2),
                                     (size_t)n, &c->r, &c->cap)
                      : -1;
        if (d == -2) {
            *rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
            return NULL;
        }
        if (d || skey(c->r[n - 1].key) != last || (c->records && cmp_prec(&c->last, &c->r[0]) >= 0)) {
            *rc = ovl__ix_damaged(ctx, idx, "a run block does not decode");
            return NULL;
        }
        c->n = (size_t)n;
        c->i = 0;
        c->last = c->r[n - 1];
        c->blocks++;
        c->records += n;
    }
    return &c->r[c->i];
}

int64_t *ovl__ix_load_ids(ovl_ctx *ctx, ovl_index *idx, const char *sql, size_t *n, int *rc)
{
    sqlite3_stmt *st;
    int64_t *v = NULL;
    size_t cap = 0;
    *n = 0;
    if ((*rc = ovl__ix_prepare(ctx, idx, sql, &st)) != OVL_OK)
        return NULL;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (ovl__grow(&v, &cap, *n + 1, sizeof *v) != 0) {
            *rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
            break;
        }
        v[(*n)++] = sqlite3_column_int64(st, 0);
    }
    if (*rc == OVL_OK && s != SQLITE_DONE)
        *rc = ovl__ix_db_fail(ctx, idx, sql);
    sqlite3_finalize(st);
    return v;
}

/* Merges runs ids[0..n) into one new run, dropping records of dead documents; when those were
 * all the runs, no record of a dead document remains and dead is emptied. One transaction. */
static int merge_runs(ovl_ctx *ctx, ovl_index *idx, const int64_t *ids, size_t n, int all)
{
    runcursor *c = calloc(n, sizeof *c);
    if (!c)
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    size_t ndead = 0;
    int rc = OVL_OK;
    int64_t *dead = ovl__ix_load_ids(ctx, idx, "SELECT doc_id FROM dead ORDER BY doc_id", &ndead, &rc);
    runwriter w;
    int started = 0;
    if (rc == OVL_OK)
        rc = rw_begin(ctx, idx, &w), started = 1;
    for (size_t k = 0; k < n && rc == OVL_OK; k++) {
        rc = ovl__ix_prepare(ctx, idx, "SELECT last_key, n, data FROM postings WHERE run = ? ORDER BY last_key", &c[k].st);
        if (rc == OVL_OK)
            sqlite3_bind_int64(c[k].st, 1, ids[k]);
    }
    while (rc == OVL_OK) {
        const prec *best = NULL;
        size_t bk = 0;
        for (size_t k = 0; k < n && rc == OVL_OK; k++) {
            const prec *r = ovl__ix_rc_cur(ctx, idx, &c[k], &rc);
            if (r && (!best || cmp_prec(r, best) < 0))
                best = r, bk = k;
        }
        if (!best || rc != OVL_OK)
            break;
        if (!has_id(dead, ndead, best->doc))
            rc = rw_put(ctx, &w, best);
        c[bk].i++;
    }
    if (started)
        rc = rw_end(ctx, &w, rc);
    for (size_t k = 0; k < n; k++) {
        sqlite3_finalize(c[k].st);
        free(c[k].r);
    }
    free(c);
    free(dead);
    sqlite3_stmt *st = NULL;
    static const char *const dels[] = {"DELETE FROM postings WHERE run = ?", "DELETE FROM runs WHERE id = ?"};
    for (int q = 0; q < 2 && rc == OVL_OK; q++) {
        if ((rc = ovl__ix_prepare(ctx, idx, dels[q], &st)) != OVL_OK)
            break;
        for (size_t k = 0; k < n && rc == OVL_OK; k++) {
            sqlite3_bind_int64(st, 1, ids[k]);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = ovl__ix_db_fail(ctx, idx, "merging runs");
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
    }
    if (rc == OVL_OK && all)
        rc = ovl__ix_exec(ctx, idx, "DELETE FROM dead");
    return rc;
}

/* Stable LSD radix sort of v[0..n) by key (16-bit digits), through tmp[0..n). Pending blocks
 * are read in doc order, each sorted by (key, chunk), so stability makes the result sorted
 * by (key, doc, chunk) at a fraction of a comparison sort's cost. -1 when out of memory. */
static int radix_sort_prec(prec *v, size_t n)
{
    prec *tmp = malloc((n ? n : 1) * sizeof *tmp);
    size_t *count = malloc(65536 * sizeof *count);
    if (!tmp || !count) {
        free(tmp);
        free(count);
        return -1;
    }
    prec *src = v, *dst = tmp;
    for (unsigned shift = 0; shift < 64; shift += 16) {
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(src[i].key >> shift) & 0xFFFF]++;
        size_t sum = 0;
        for (size_t b = 0; b < 65536; b++) {
            size_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i].key >> shift) & 0xFFFF]++] = src[i];
        prec *x = src;
        src = dst;
        dst = x;
    }
    /* Four passes: the sorted records are back in v. */
    free(tmp);
    free(count);
    return 0;
}

/* Pending records into a new run (one transaction), then merges while some level holds
 * MERGE_FANIN runs (one transaction per merge). At the end of an add run (final), every run
 * is merged into one when that run added at least a quarter of all records: a query reads
 * each run once per key, so few runs matter more than the rewrite, which this bounds to
 * four times the records added. */
int ovl__ix_flush(ovl_ctx *ctx, ovl_index *idx, int final)
{
    int rc = ovl__ix_exec(ctx, idx, "BEGIN IMMEDIATE");
    if (rc != OVL_OK)
        return rc;
    prec *recs = NULL;
    size_t nrec = 0, cap = 0, bcap = 0;
    prec *tmp = NULL;
    sqlite3_stmt *st = NULL;
    /* In doc order: radix_sort_prec relies on it. */
    if ((rc = ovl__ix_prepare(ctx, idx, "SELECT doc_id, n, data FROM pending ORDER BY doc_id", &st)) == OVL_OK) {
        int s;
        while (rc == OVL_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t doc = sqlite3_column_int64(st, 0), n = sqlite3_column_int64(st, 1);
            int d = n <= 0 ? -1
                           : ovl__ix_block_decode(sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2),
                                         (size_t)n, &tmp, &bcap);
            if (d == -2 || (d == 0 && ovl__grow(&recs, &cap, nrec + (size_t)n, sizeof *recs) != 0))
                rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
            else if (d)
                rc = ovl__ix_damaged(ctx, idx, "a pending block does not decode");
            for (int64_t i = 0; rc == OVL_OK && i < n; i++) {
                if (tmp[i].doc != doc)
                    rc = ovl__ix_damaged(ctx, idx, "a pending block names another document");
                recs[nrec++] = tmp[i];
            }
        }
        if (rc == OVL_OK && s != SQLITE_DONE)
            rc = ovl__ix_db_fail(ctx, idx, "reading pending band keys");
        sqlite3_finalize(st);
    }
    free(tmp);
    if (rc == OVL_OK && nrec) {
        runwriter w = {0};
        if (radix_sort_prec(recs, nrec) != 0)
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
        if (rc == OVL_OK)
            rc = rw_begin(ctx, idx, &w);
        for (size_t i = 0; i < nrec && rc == OVL_OK; i++)
            rc = rw_put(ctx, &w, &recs[i]);
        rc = rw_end(ctx, &w, rc);
        if (rc == OVL_OK)
            rc = ovl__ix_exec(ctx, idx, "DELETE FROM pending");
    }
    free(recs);
    if (rc == OVL_OK)
        rc = ovl__ix_exec(ctx, idx, "COMMIT");
    if (rc != OVL_OK) {
        ovl__ix_rollback(idx);
        return rc;
    }
    idx->added = 0;
    idx->pending_est = 0;
    for (;;) {
        int64_t level = -1, nruns = 0, total = 0;
        if ((rc = ovl__ix_exec(ctx, idx, "BEGIN IMMEDIATE")) != OVL_OK)
            return rc;
        rc = ovl__ix_query_int(ctx, idx, "SELECT count(*) FROM runs", &total);
        if (rc == OVL_OK)
            rc = ovl__ix_query_int(ctx, idx,
                           "SELECT coalesce(min(level), -1) FROM (SELECT level FROM runs GROUP BY level"
                           " HAVING count(*) >= " FANIN_STR ")",
                           &level);
        size_t n = 0;
        int64_t *ids = NULL;
        if (rc == OVL_OK && level >= 0) {
            char sql[96];
            snprintf(sql, sizeof sql, "SELECT id FROM runs WHERE level = %" PRId64 " ORDER BY id", level);
            ids = ovl__ix_load_ids(ctx, idx, sql, &n, &rc);
            nruns = (int64_t)n;
        }
        if (rc == OVL_OK && nruns)
            rc = merge_runs(ctx, idx, ids, n, nruns == total);
        free(ids);
        if (rc == OVL_OK)
            rc = ovl__ix_exec(ctx, idx, "COMMIT");
        if (rc != OVL_OK) {
            ovl__ix_rollback(idx);
            return rc;
        }
        if (!nruns)
            break;
    }
    if (final) {
        int64_t nruns = 0, total = 0;
        size_t n = 0;
        int64_t *ids = NULL;
        if ((rc = ovl__ix_exec(ctx, idx, "BEGIN IMMEDIATE")) != OVL_OK)
            return rc;
        rc = ovl__ix_query_int(ctx, idx, "SELECT count(*) FROM runs", &nruns);
        if (rc == OVL_OK)
            rc = ovl__ix_query_int(ctx, idx, "SELECT coalesce(sum(records), 0) FROM runs", &total);
        if (rc == OVL_OK && nruns > 1 && total <= 4 * idx->session_records)
            ids = ovl__ix_load_ids(ctx, idx, "SELECT id FROM runs ORDER BY id", &n, &rc);
        if (rc == OVL_OK && n > 1)
            rc = merge_runs(ctx, idx, ids, n, 1);
        free(ids);
        if (rc == OVL_OK)
            rc = ovl__ix_exec(ctx, idx, "COMMIT");
        if (rc != OVL_OK) {
            ovl__ix_rollback(idx);
            return rc;
        }
        idx->session_records = 0;
    }
    return ovl__ix_exec(ctx, idx, "PRAGMA incremental_vacuum");
}

int ovl_index_flush(ovl_ctx *ctx, ovl_index *idx)
{
    if (!idx)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_flush: NULL argument");
    if (idx->readonly)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "index %s is open read-only", idx->path);
    return ovl__ix_flush(ctx, idx, 1);
}
