/* index_verify.c - ovl_index_verify: SQLite's integrity check, orphan rows, every band record
 * against its document and, when deep, against the document's bytes. */
#include "index_int.h"

#include <inttypes.h>
#include <xxhash.h>

static int corrupt_doc(ovl_ctx *ctx, ovl_index *idx, int64_t id, const char *what)
{
    return ovl__fail(ctx, OVL_ERR_CORRUPT, -1, "index %s is damaged: document %" PRId64 ": %s",
                     idx->path, id, what);
}

/* Band records found for one document: count and a sum of record hashes, so the stored
 * records can be compared with recomputed ones without holding them. */
typedef struct vacc {
    int64_t n;
    uint64_t sum;
} vacc;

static void vacc_add(vacc *a, const prec *r)
{
    uint64_t k = r->key;
    a->n++;
    a->sum += XXH3_64bits_withSeed(&k, sizeof k, r->chunk);
}

int ovl_index_verify(ovl_ctx *ctx, ovl_index *idx, int deep)
{
    if (!idx)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_verify: NULL argument");
    sqlite3_stmt *st = NULL;
    int rc = ovl__ix_prepare(ctx, idx, "PRAGMA integrity_check", &st);
    if (rc != OVL_OK)
        return rc;
    int s = sqlite3_step(st);
    if (s != SQLITE_ROW) {
        rc = ovl__ix_db_fail(ctx, idx, "integrity check");
    } else {
        const char *r = (const char *)sqlite3_column_text(st, 0);
        if (!r || strcmp(r, "ok") != 0)
            rc = ovl__fail(ctx, OVL_ERR_CORRUPT, -1, "index %s is damaged: %s", idx->path, r ? r : "?");
    }
    sqlite3_finalize(st);
    st = NULL; /* every later exit finalizes st */
    if (rc != OVL_OK)
        return rc;
    if ((rc = ovl__ix_exec(ctx, idx, "BEGIN")) != OVL_OK)
        return rc;
    /* Every blob, meta row, pending block and run block belongs to something. */
    static const char *const orphans[] = {
        "SELECT count(*) FROM blobs WHERE doc_id NOT IN (SELECT id FROM docs)",
        "SELECT count(*) FROM doc_meta WHERE doc_id NOT IN (SELECT id FROM docs)",
        "SELECT count(*) FROM pending WHERE doc_id NOT IN (SELECT id FROM docs)",
        "SELECT count(*) FROM postings WHERE run NOT IN (SELECT id FROM runs)",
        "SELECT count(*) FROM dead WHERE doc_id IN (SELECT id FROM docs)"};
    static const char *const orphan_names[] = {"stored bytes without a document", "metas without a document",
                                               "pending band keys without a document",
                                               "run blocks without a run", "removed documents still present"};
    for (size_t k = 0; k < 5 && rc == OVL_OK; k++) {
        int64_t n = 0;
        rc = ovl__ix_query_int(ctx, idx, orphans[k], &n);
        if (rc == OVL_OK && n)
            rc = ovl__fail(ctx, OVL_ERR_CORRUPT, -1, "index %s is damaged: %" PRId64 " rows of %s",
                           idx->path, n, orphan_names[k]);
    }
    /* Records per document (count and an order-independent checksum) over pending and runs. */
    size_t ndocs = 0, ndead = 0, bcap = 0;
    int64_t *ids = NULL, *dead = NULL;
    vacc *acc = NULL;
    prec *blk = NULL;
    if (rc == OVL_OK)
        ids = ovl__ix_load_ids(ctx, idx, "SELECT id FROM docs ORDER BY id", &ndocs, &rc);
    if (rc == OVL_OK)
        dead = ovl__ix_load_ids(ctx, idx, "SELECT doc_id FROM dead ORDER BY doc_id", &ndead, &rc);
    if (rc == OVL_OK && !(acc = calloc(ndocs ? ndocs : 1, sizeof *acc)))
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    if (rc == OVL_OK)
        rc = ovl__ix_prepare(ctx, idx, "SELECT doc_id, n, data FROM pending", &st);
    while (rc == OVL_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t doc = sqlite3_column_int64(st, 0), n = sqlite3_column_int64(st, 1);
        int d = n <= 0 ? -1
                       : ovl__ix_block_decode(sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2), (size_t)n,
                                      &blk, &bcap);
        if (d == -2)
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
        else if (d)
            rc = ovl__ix_damaged(ctx, idx, "a pending block does not decode");
        for (int64_t i = 0; i < n && rc == OVL_OK; i++) {
            size_t at = id_index(ids, ndocs, blk[i].doc);
            if (blk[i].doc != doc || at == (size_t)-1)
                rc = ovl__ix_damaged(ctx, idx, "a pending block names another document");
            else
                vacc_add(&acc[at], &blk[i]);
        }
    }
    if (rc == OVL_OK && s != SQLITE_DONE)
        rc = ovl__ix_db_fail(ctx, idx, "verifying pending band keys");
    sqlite3_finalize(st);
    st = NULL;
    free(blk);
    if (rc == OVL_OK)
        rc = ovl__ix_prepare(ctx, idx, "SELECT id, records, blocks FROM runs ORDER BY id", &st);
    while (rc == OVL_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
        runcursor c = {0};
        int64_t run = sqlite3_column_int64(st, 0);
        rc = ovl__ix_prepare(ctx, idx, "SELECT last_key, n, data FROM postings WHERE run = ? ORDER BY last_key", &c.st);
        if (rc == OVL_OK)
            sqlite3_bind_int64(c.st, 1, run);
        const prec *r;
        while (rc == OVL_OK && (r = ovl__ix_rc_cur(ctx, idx, &c, &rc)) != NULL) {
            size_t at = id_index(ids, ndocs, r->doc);
            if (at != (size_t)-1)
                vacc_add(&acc[at], r);
            else if (!has_id(dead, ndead, r->doc))
                rc = ovl__ix_damaged(ctx, idx, "a run holds band keys without a document");
            c.i++;
        }
        if (rc == OVL_OK && (c.records != sqlite3_column_int64(st, 1) || c.blocks != sqlite3_column_int64(st, 2)))
            rc = ovl__ix_damaged(ctx, idx, "a run does not hold the records it announces");
        sqlite3_finalize(c.st);
        free(c.r);
    }
    if (rc == OVL_OK && s != SQLITE_DONE)
        rc = ovl__ix_db_fail(ctx, idx, "verifying runs");
    sqlite3_finalize(st);
    st = NULL;
    if (rc == OVL_OK)
        rc = ovl__ix_prepare(ctx, idx,
                     "SELECT d.id, d.size, d.hash, d.band_rows, d.chunks, b.bytes"
                     " FROM docs d LEFT JOIN blobs b ON b.doc_id = d.id ORDER BY d.id",
                     &st);
    while (rc == OVL_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0), size = sqlite3_column_int64(st, 1);
        int64_t band_rows = sqlite3_column_int64(st, 3), chunks = sqlite3_column_int64(st, 4);
        size_t at = id_index(ids, ndocs, id);
        int64_t nb = at == (size_t)-1 ? 0 : acc[at].n;
        if (sqlite3_column_type(st, 5) == SQLITE_NULL) {
            rc = corrupt_doc(ctx, idx, id, "its bytes are missing");
            break;
        }
        const void *b = sqlite3_column_blob(st, 5);
        int64_t len = sqlite3_column_bytes(st, 5);
        char h[33];
        ovl__ix_hash_hex(b ? b : "", (size_t)len, h);
        const char *stored = (const char *)sqlite3_column_text(st, 2);
        if (len != size)
            rc = corrupt_doc(ctx, idx, id, "its stored bytes have another size");
        else if (!stored || strcmp(stored, h) != 0)
            rc = corrupt_doc(ctx, idx, id, "its stored bytes do not match their hash");
        else if (nb != band_rows || (chunks > 0 && nb == 0))
            rc = corrupt_doc(ctx, idx, id, "its band keys are incomplete");
        if (rc == OVL_OK && deep) {
            ovl_doc *doc = NULL;
            ovl_fp *fp = NULL;
            keyrow *rows = NULL;
            size_t n = 0;
            rc = ovl_index_load_doc(ctx, idx, id, &doc);
            if (rc == OVL_OK)
                rc = ovl_fp_from_doc(ctx, doc, &idx->fp, &fp);
            if (rc == OVL_OK && !(rows = ovl__ix_fp_rows(fp, &n)))
                rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
            if (rc == OVL_OK && ((int64_t)n != band_rows || (int64_t)ovl_fp_chunk_count(fp) != chunks))
                rc = corrupt_doc(ctx, idx, id, "its band keys are not those of its bytes");
            vacc want = {0, 0};
            for (size_t i = 0; i < n && rc == OVL_OK; i++) {
                prec pr = {rows[i].key, id, rows[i].chunk};
                vacc_add(&want, &pr);
            }
            if (rc == OVL_OK && want.sum != (at == (size_t)-1 ? 0 : acc[at].sum))
                rc = corrupt_doc(ctx, idx, id, "its band keys are not those of its bytes");
            free(rows);
            ovl_fp_free(fp);
            ovl_doc_free(doc);
        }
    }
    if (rc == OVL_OK && s != SQLITE_DONE)
        rc = ovl__ix_db_fail(ctx, idx, "verifying documents");
    sqlite3_finalize(st);
    rc = ovl__ix_end_read(ctx, idx, rc);
    free(ids);
    free(dead);
    free(acc);
    return rc;
}
