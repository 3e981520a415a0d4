/* index_add.c - documents into and out of the index (add, remove) and questions to it (list,
 * a document's entry, candidate documents of a query). */
#include "index_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

/* Deletes document id and everything it owns; inside the caller's transaction. Records still
 * pending go with it; records already in runs are masked by a dead entry until a merge of
 * every run drops them (doc ids are never reused, so they cannot be mistaken for another). */
static int remove_locked(ovl_ctx *ctx, ovl_index *idx, int64_t id)
{
    int64_t band_rows = 0;
    sqlite3_stmt *st = NULL;
    int rc = ovl__ix_prepare(ctx, idx, "SELECT band_rows FROM docs WHERE id = ?", &st);
    if (rc != OVL_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW)
        band_rows = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if ((rc = ovl__ix_prepare(ctx, idx, "DELETE FROM pending WHERE doc_id = ?", &st)) != OVL_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = ovl__ix_db_fail(ctx, idx, "removing band keys");
    int was_pending = sqlite3_changes(idx->db) > 0;
    sqlite3_finalize(st);
    if (rc == OVL_OK && !was_pending && band_rows > 0) {
        if ((rc = ovl__ix_prepare(ctx, idx, "INSERT OR IGNORE INTO dead(doc_id) VALUES (?)", &st)) != OVL_OK)
            return rc;
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = ovl__ix_db_fail(ctx, idx, "removing band keys");
        sqlite3_finalize(st);
    }
    if (rc != OVL_OK)
        return rc;
    static const char *const dels[] = {"DELETE FROM doc_meta WHERE doc_id = ?",
                                       "DELETE FROM blobs WHERE doc_id = ?", "DELETE FROM docs WHERE id = ?"};
    for (size_t k = 0; k < 3 && rc == OVL_OK; k++) {
        rc = ovl__ix_prepare(ctx, idx, dels[k], &st);
        if (rc != OVL_OK)
            break;
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = ovl__ix_db_fail(ctx, idx, "removing a document");
        sqlite3_finalize(st);
    }
    return rc;
}

int ovl_index_remove(ovl_ctx *ctx, ovl_index *idx, const char *path)
{
    if (!idx || !path)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_remove: NULL argument");
    if (idx->readonly)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "index %s is open read-only", idx->path);
    int64_t id = 0;
    int rc = ovl__ix_exec(ctx, idx, "BEGIN IMMEDIATE");
    if (rc == OVL_OK)
        rc = ovl__ix_find(ctx, idx, path, &id, NULL);
    if (rc == OVL_OK && id == 0)
        rc = ovl__fail(ctx, OVL_ERR_NOTFOUND, -1, "%s is not in index %s", path, idx->path);
    if (rc == OVL_OK)
        rc = remove_locked(ctx, idx, id);
    if (rc == OVL_OK)
        rc = ovl__ix_exec(ctx, idx, "COMMIT");
    if (rc != OVL_OK)
        ovl__ix_rollback(idx);
    return rc;
}

/* The document's metas, one "key=value" a line in order (malloc'd), into *out. */
static int metas_text(ovl_ctx *ctx, ovl_index *idx, int64_t id, char **out)
{
    sqlite3_stmt *st = NULL;
    *out = NULL;
    int rc = ovl__ix_prepare(ctx, idx,
                             "SELECT coalesce(group_concat(kv, char(10)), '') FROM (SELECT key || '=' || "
                             "value AS kv FROM doc_meta WHERE doc_id = ? ORDER BY key, value)",
                             &st);
    if (rc != OVL_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW)
        rc = ovl__ix_db_fail(ctx, idx, "reading metas");
    else if (!(*out = strdup((const char *)sqlite3_column_text(st, 0))))
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    sqlite3_finalize(st);
    return rc;
}

/* Inside a write transaction: each key of metas gets exactly the values given for it, the
 * other keys stay. *changed says whether the document's metas differ afterwards. */
static int update_metas_locked(ovl_ctx *ctx, ovl_index *idx, int64_t id, const ovl_index_meta *metas,
                               size_t n_metas, int *changed)
{
    char *before = NULL, *after = NULL;
    sqlite3_stmt *del = NULL, *ins = NULL;
    *changed = 0;
    int rc = metas_text(ctx, idx, id, &before);
    if (rc == OVL_OK)
        rc = ovl__ix_prepare(ctx, idx, "DELETE FROM doc_meta WHERE doc_id = ? AND key = ?", &del);
    if (rc == OVL_OK)
        rc = ovl__ix_prepare(ctx, idx, "INSERT OR IGNORE INTO doc_meta(doc_id, key, value) VALUES (?,?,?)", &ins);
    for (size_t i = 0; i < n_metas && rc == OVL_OK; i++) {
        sqlite3_bind_int64(del, 1, id);
        sqlite3_bind_text(del, 2, metas[i].key, -1, SQLITE_STATIC);
        int first = 1;
        for (size_t p = 0; p < i && first; p++)
            first = strcmp(metas[p].key, metas[i].key) != 0;
        if (first && sqlite3_step(del) != SQLITE_DONE)
            rc = ovl__ix_db_fail(ctx, idx, "updating metas");
        sqlite3_reset(del);
    }
    for (size_t i = 0; i < n_metas && rc == OVL_OK; i++) {
        sqlite3_bind_int64(ins, 1, id);
        sqlite3_bind_text(ins, 2, metas[i].key, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, metas[i].value, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE)
            rc = ovl__ix_db_fail(ctx, idx, "updating metas");
        sqlite3_reset(ins);
    }
    sqlite3_finalize(del);
    sqlite3_finalize(ins);
    if (rc == OVL_OK && (rc = metas_text(ctx, idx, id, &after)) == OVL_OK)
        *changed = strcmp(before, after) != 0;
    free(before);
    free(after);
    return rc;
}

/* Same bytes under path: only the metas may change, in one transaction. *again is set when
 * another writer changed the path's bytes meanwhile (then the caller adds it in full). */
static int update_only_metas(ovl_ctx *ctx, ovl_index *idx, const char *path, const char *hash,
                             const ovl_index_meta *metas, size_t n_metas, int *status, int *again)
{
    char old[33];
    int64_t id = 0;
    int changed = 0;
    *again = 0;
    int rc = ovl__ix_exec(ctx, idx, "BEGIN IMMEDIATE");
    if (rc != OVL_OK)
        return rc;
    if ((rc = ovl__ix_find(ctx, idx, path, &id, old)) == OVL_OK) {
        if (!id || strcmp(old, hash) != 0)
            *again = 1;
        else
            rc = update_metas_locked(ctx, idx, id, metas, n_metas, &changed);
    }
    if (rc == OVL_OK && !*again && changed) {
        rc = ovl__ix_exec(ctx, idx, "COMMIT");
    } else {
        ovl__ix_rollback(idx);
    }
    if (rc == OVL_OK)
        *status = changed ? OVL_INDEX_UPDATED : OVL_INDEX_UNCHANGED;
    return rc;
}

struct ovl_index_prep {
    char hash[33];
    int same;      /* the path held these bytes when prepared: nothing decoded */
    ovl_doc *doc;
    ovl_fp *fp;
    keyrow *rows;
    size_t nrows;
};

void ovl_index_prep_free(ovl_index_prep *p)
{
    if (!p)
        return;
    free(p->rows);
    ovl_fp_free(p->fp);
    ovl_doc_free(p->doc);
    free(p);
}

size_t ovl__ix_prep_replaced(const ovl_index_prep *p)
{
    return p && p->doc ? ovl_text_replaced(ovl_doc_text(p->doc)) : 0;
}

/* The expensive half: decode, fingerprint, band keys. Reads only idx's parameters. */
static int prep_work(ovl_ctx *ctx, const ovl_index *idx, const char *path, const void *bytes, size_t len,
                     ovl_index_prep *p)
{
    int rc = ovl_doc_from_bytes(ctx, path, bytes, len, &idx->doc, &p->doc);
    if (rc == OVL_OK)
        rc = ovl_fp_from_doc(ctx, p->doc, &idx->fp, &p->fp);
    if (rc == OVL_OK && !(p->rows = ovl__ix_fp_rows(p->fp, &p->nrows)))
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    return rc;
}

int ovl_index_prepare(ovl_ctx *ctx, ovl_index *idx, const char *path, const void *bytes, size_t len,
                      ovl_index_prep **out)
{
    if (!out)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_prepare: NULL argument");
    *out = NULL;
    if (!idx || !path || (!bytes && len))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_prepare: NULL argument");
    if (!bytes)
        bytes = "";
    ovl_index_prep *p = calloc(1, sizeof *p);
    if (!p)
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    ovl__ix_hash_hex(bytes, len, p->hash);
    char old[33];
    int64_t id = 0;
    int rc = ovl__ix_find(ctx, idx, path, &id, old);
    if (rc == OVL_OK && id && strcmp(old, p->hash) == 0)
        p->same = 1; /* most likely unchanged: ovl_index_add_prepared looks again */
    else if (rc == OVL_OK)
        rc = prep_work(ctx, idx, path, bytes, len, p);
    if (rc != OVL_OK) {
        ovl_index_prep_free(p);
        return rc;
    }
    *out = p;
    return OVL_OK;
}

int ovl_index_add(ovl_ctx *ctx, ovl_index *idx, const char *path, const void *bytes, size_t len,
                  const ovl_index_meta *metas, size_t n_metas, int *status_out)
{
    if (status_out)
        *status_out = 0;
    if (!idx || !path || (!bytes && len) || (!metas && n_metas))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_add: NULL argument");
    if (idx->readonly)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "index %s is open read-only", idx->path);
    ovl_index_prep *p = NULL;
    int rc = ovl_index_prepare(ctx, idx, path, bytes, len, &p);
    if (rc == OVL_OK)
        rc = ovl_index_add_prepared(ctx, idx, path, bytes, len, p, metas, n_metas, status_out);
    ovl_index_prep_free(p);
    return rc;
}

int ovl_index_add_prepared(ovl_ctx *ctx, ovl_index *idx, const char *path, const void *bytes,
                           size_t len, ovl_index_prep *prep, const ovl_index_meta *metas,
                           size_t n_metas, int *status_out)
{
    if (status_out)
        *status_out = 0;
    if (!idx || !path || !prep || (!bytes && len) || (!metas && n_metas))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_add_prepared: NULL argument");
    if (idx->readonly)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "index %s is open read-only", idx->path);
    for (size_t i = 0; i < n_metas; i++)
        if (!metas[i].key || !metas[i].value || !*metas[i].key)
            return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_add: meta %zu has no key or value", i);
    if (!bytes)
        bytes = "";
    const char *hash = prep->hash;
    char old[33];
    int64_t id = 0;
    int status = OVL_INDEX_ADDED;
    sqlite3_stmt *st = NULL;
    int rc = OVL_OK;
    if (prep->same) {
        int again = 0;
        status = OVL_INDEX_UNCHANGED;
        if (n_metas) {
            rc = update_only_metas(ctx, idx, path, hash, metas, n_metas, &status, &again);
        } else {
            /* Unchanged when prepared; still so now? (another writer may have been quicker) */
            rc = ovl__ix_find(ctx, idx, path, &id, old);
            again = rc == OVL_OK && !(id && strcmp(old, hash) == 0);
        }
        if (rc != OVL_OK)
            return rc;
        if (!again) {
            if (status_out)
                *status_out = status;
            return OVL_OK;
        }
        /* The bytes under path changed since: the full add after all. */
        status = OVL_INDEX_ADDED;
        prep->same = 0;
        if ((rc = prep_work(ctx, idx, path, bytes, len, prep)) != OVL_OK)
            return rc;
    }
    ovl_doc *doc = prep->doc;
    ovl_fp *fp = prep->fp;
    keyrow *rows = prep->rows;
    size_t nrows = prep->nrows;
    if ((rc = ovl__ix_exec(ctx, idx, "BEGIN IMMEDIATE")) != OVL_OK)
        goto done;
    /* Another writer may have changed the path since the first look. */
    if ((rc = ovl__ix_find(ctx, idx, path, &id, old)) != OVL_OK)
        goto done;
    if (id && strcmp(old, hash) == 0) {
        int changed = 0;
        status = OVL_INDEX_UNCHANGED;
        if (n_metas && (rc = update_metas_locked(ctx, idx, id, metas, n_metas, &changed)) != OVL_OK)
            goto done;
        if (changed)
            status = OVL_INDEX_UPDATED;
        rc = ovl__ix_exec(ctx, idx, "COMMIT");
        goto done;
    }
    if (id) {
        status = OVL_INDEX_REPLACED;
        if ((rc = remove_locked(ctx, idx, id)) != OVL_OK)
            goto done;
    }
    rc = ovl__ix_prepare(ctx, idx,
                 "INSERT INTO docs(path, hash, enc_opt, lenient, encoding, size, chars, paragraphs,"
                 " chunks, band_rows, added) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                 &st);
    if (rc != OVL_OK)
        goto done;
    const ovl_text *text = ovl_doc_text(doc);
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    if (idx->doc.decode.encoding)
        sqlite3_bind_text(st, 3, idx->doc.decode.encoding, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int(st, 4, idx->doc.decode.lenient ? 1 : 0);
    sqlite3_bind_text(st, 5, ovl_text_encoding(text), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, (int64_t)len);
    sqlite3_bind_int64(st, 7, (int64_t)ovl_text_length(text));
    sqlite3_bind_int64(st, 8, (int64_t)ovl_segments_paragraph_count(ovl_doc_segments(doc)));
    sqlite3_bind_int64(st, 9, (int64_t)ovl_fp_chunk_count(fp));
    sqlite3_bind_int64(st, 10, (int64_t)nrows);
    sqlite3_bind_int64(st, 11, (int64_t)time(NULL));
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = ovl__ix_db_fail(ctx, idx, "adding a document");
    sqlite3_finalize(st);
    if (rc != OVL_OK)
        goto done;
    id = sqlite3_last_insert_rowid(idx->db);

    if ((rc = ovl__ix_prepare(ctx, idx, "INSERT INTO blobs(doc_id, bytes) VALUES (?, ?)", &st)) != OVL_OK)
        goto done;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_blob64(st, 2, bytes, (sqlite3_uint64)len, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = ovl__ix_db_fail(ctx, idx, "storing document bytes");
    sqlite3_finalize(st);
    if (rc != OVL_OK)
        goto done;

    if (n_metas) {
        if ((rc = ovl__ix_prepare(ctx, idx, "INSERT OR IGNORE INTO doc_meta(doc_id, key, value) VALUES (?,?,?)",
                          &st)) != OVL_OK)
            goto done;
        for (size_t i = 0; i < n_metas && rc == OVL_OK; i++) {
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_text(st, 2, metas[i].key, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, metas[i].value, -1, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = ovl__ix_db_fail(ctx, idx, "storing metas");
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
        if (rc != OVL_OK)
            goto done;
    }
    /* The document's records, packed, go to the pending table: one appended row instead of
     * thousands of random B-tree inserts. */
    blockbuf bb = {0};
    for (size_t i = 0; i < nrows && rc == OVL_OK; i++) {
        prec r = {rows[i].key, id, rows[i].chunk};
        if (ovl__ix_bb_put(&bb, &r) != 0)
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    }
    int64_t npending = 0;
    if (rc == OVL_OK && nrows) {
        st = idx->st_pend;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (int64_t)nrows);
        sqlite3_bind_blob64(st, 3, bb.b, bb.len, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = ovl__ix_db_fail(ctx, idx, "storing band keys");
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (rc == OVL_OK) {
            npending = idx->pending_est < 0 ? -1 : idx->pending_est + (int64_t)nrows;
            if (npending < 0 || npending >= FLUSH_RECORDS)
                rc = ovl__ix_query_int(ctx, idx, "SELECT total(n) FROM pending", &npending);
        }
    }
    free(bb.b);
    if (rc == OVL_OK)
        rc = ovl__ix_exec(ctx, idx, "COMMIT");
    if (rc == OVL_OK && status_out)
        *status_out = status;
    if (rc == OVL_OK) {
        if (nrows)
            idx->pending_est = npending;
        idx->added++;
        /* The document is in either way; a failed flush leaves its records pending (still
         * found by queries) for the next flush, which reports the trouble. */
        idx->session_records += (int64_t)nrows;
        if (npending >= FLUSH_RECORDS) {
            ovl_ctx *tmp = ovl_ctx_new();
            if (tmp)
                ovl__ix_flush(tmp, idx, 0);
            ovl_ctx_free(tmp);
        }
    }
done:
    if (rc != OVL_OK)
        ovl__ix_rollback(idx);
    else if ((status == OVL_INDEX_UNCHANGED || status == OVL_INDEX_UPDATED) && status_out)
        *status_out = status;
    return rc;
}


int ovl_index_list(ovl_ctx *ctx, ovl_index *idx, int64_t **ids, size_t *count)
{
    if (!idx || !ids || !count)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_list: NULL argument");
    *ids = NULL;
    *count = 0;
    sqlite3_stmt *st;
    int rc = ovl__ix_prepare(ctx, idx, "SELECT id FROM docs ORDER BY path", &st);
    if (rc != OVL_OK)
        return rc;
    int64_t *v = NULL;
    size_t n = 0, cap = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (ovl__grow(&v, &cap, n + 1, sizeof *v) != 0) {
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
            break;
        }
        v[n++] = sqlite3_column_int64(st, 0);
    }
    if (rc == OVL_OK && s != SQLITE_DONE)
        rc = ovl__ix_db_fail(ctx, idx, "listing documents");
    sqlite3_finalize(st);
    if (rc != OVL_OK) {
        free(v);
        return rc;
    }
    *ids = v;
    *count = n;
    return OVL_OK;
}

static char *dup_col(sqlite3_stmt *st, int col)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    return strdup(t ? t : "");
}

int ovl_index_doc_info(ovl_ctx *ctx, ovl_index *idx, int64_t id, ovl_index_entry *out)
{
    if (!idx || !out)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_doc_info: NULL argument");
    memset(out, 0, sizeof *out);
    free(idx->i_path);
    free(idx->i_hash);
    free(idx->i_enc);
    idx->i_path = idx->i_hash = idx->i_enc = NULL;
    for (size_t i = 0; i < idx->i_nmetas; i++) {
        free((char *)idx->i_metas[i].key);
        free((char *)idx->i_metas[i].value);
    }
    free(idx->i_metas);
    idx->i_metas = NULL;
    idx->i_nmetas = 0;

    sqlite3_stmt *st;
    int rc = ovl__ix_prepare(ctx, idx,
                     "SELECT path, hash, encoding, size, chars, paragraphs, chunks, added FROM docs"
                     " WHERE id = ?",
                     &st);
    if (rc != OVL_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        idx->i_path = dup_col(st, 0);
        idx->i_hash = dup_col(st, 1);
        idx->i_enc = dup_col(st, 2);
        out->id = id;
        out->size = (uint64_t)sqlite3_column_int64(st, 3);
        out->chars = (uint64_t)sqlite3_column_int64(st, 4);
        out->paragraphs = (uint64_t)sqlite3_column_int64(st, 5);
        out->chunks = (uint64_t)sqlite3_column_int64(st, 6);
        out->added = sqlite3_column_int64(st, 7);
        if (!idx->i_path || !idx->i_hash || !idx->i_enc)
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    } else if (s == SQLITE_DONE) {
        rc = ovl__fail(ctx, OVL_ERR_NOTFOUND, -1, "document %" PRId64 " is not in index %s", id, idx->path);
    } else {
        rc = ovl__ix_db_fail(ctx, idx, "reading a document");
    }
    sqlite3_finalize(st);
    if (rc != OVL_OK)
        return rc;
    if ((rc = ovl__ix_prepare(ctx, idx, "SELECT key, value FROM doc_meta WHERE doc_id = ? ORDER BY key, value",
                      &st)) != OVL_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    size_t cap = 0;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (ovl__grow(&idx->i_metas, &cap, idx->i_nmetas + 1, sizeof *idx->i_metas) != 0) {
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
            break;
        }
        ovl_index_meta *m = &idx->i_metas[idx->i_nmetas++];
        m->key = dup_col(st, 0);
        m->value = dup_col(st, 1);
        if (!m->key || !m->value) {
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
            break;
        }
    }
    if (rc == OVL_OK && s != SQLITE_DONE)
        rc = ovl__ix_db_fail(ctx, idx, "reading metas");
    sqlite3_finalize(st);
    if (rc != OVL_OK)
        return rc;
    out->path = idx->i_path;
    out->hash = idx->i_hash;
    out->encoding = idx->i_enc;
    out->metas = idx->i_metas;
    out->n_metas = idx->i_nmetas;
    return OVL_OK;
}

typedef struct qent {
    int64_t doc;
    uint32_t qchunk;
} qent;

static int cmp_qent(const void *pa, const void *pb)
{
    const qent *a = pa, *b = pb;
    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    return a->qchunk < b->qchunk ? -1 : a->qchunk > b->qchunk;
}

static int cmp_hit(const void *pa, const void *pb)
{
    const ovl_index_hit *a = pa, *b = pb;
    if (a->band_hits != b->band_hits)
        return a->band_hits > b->band_hits ? -1 : 1;
    return a->doc_id < b->doc_id ? -1 : a->doc_id > b->doc_id;
}

typedef struct qdoc {
    uint32_t qi; /* index of the distinct query key */
    int64_t doc;
} qdoc;

static int cmp_qdoc(const void *pa, const void *pb)
{
    const qdoc *a = pa, *b = pb;
    if (a->qi != b->qi)
        return a->qi < b->qi ? -1 : 1;
    return a->doc < b->doc ? -1 : a->doc > b->doc;
}

/* Appends (key index, doc) for each document of the encoded block (n records) whose key is
 * among ukeys[j..m) (both sorted), leaving out dead documents and keys already past max_df.
 * Decodes as it goes and stops past ukeys[m - 1]: a probed block is read only up to the
 * keys it was fetched for. OVL_ERR_CORRUPT when the block is malformed. */
typedef struct qmatch {
    const uint64_t *ukeys; /* distinct query keys, ascending */
    size_t m;
    uint32_t *ndocs;       /* documents found so far per key */
    unsigned max_df;       /* past max_df documents a key is dropped: no need to collect more */
    const int64_t *dead;
    size_t ndead;
    qdoc *qd;
    size_t nqd, cap;
} qmatch;

static int match_encoded(ovl_ctx *ctx, const ovl_index *idx, const void *data, size_t len, int64_t n,
                         size_t j, size_t m, qmatch *qm)
{
    if (n <= 0 || !data || (uint64_t)n > len / MIN_RECORD_BYTES)
        return ovl__ix_damaged(ctx, idx, "a band key block does not decode");
    const uint8_t *p = data, *end = p + len;
    const uint64_t *ukeys = qm->ukeys;
    uint64_t key = 0, pdoc = 0;
    for (int64_t i = 0; i < n; i++) {
        uint64_t d, doc, ch;
        if (get_varint(&p, end, &d) || get_varint(&p, end, &doc) || get_varint(&p, end, &ch) ||
            key + d < key || doc > INT64_MAX)
            return ovl__ix_damaged(ctx, idx, "a band key block does not decode");
        /* Records of one (key, doc) for its several chunks are adjacent: count the doc once. */
        int repeat = i > 0 && d == 0 && doc == pdoc;
        key += d;
        pdoc = doc;
        while (j < m && ukeys[j] < key)
            j++;
        if (j == m)
            return OVL_OK;
        if (ukeys[j] != key || repeat || (qm->max_df && qm->ndocs[j] > qm->max_df) ||
            (qm->ndead && has_id(qm->dead, qm->ndead, (int64_t)doc)))
            continue;
        qm->ndocs[j]++;
        if (ovl__grow(&qm->qd, &qm->cap, qm->nqd + 1, sizeof *qm->qd) != 0)
            return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
        qm->qd[qm->nqd++] = (qdoc){(uint32_t)j, (int64_t)doc};
    }
    return p == end ? OVL_OK : ovl__ix_damaged(ctx, idx, "a band key block does not decode");
}

int ovl_index_query(ovl_ctx *ctx, ovl_index *idx, const ovl_doc *doc, unsigned max_df,
                    ovl_index_hit **hits, size_t *count)
{
    if (!idx || !doc || !hits || !count)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_query: NULL argument");
    *hits = NULL;
    *count = 0;
    ovl_fp *fp = NULL;
    int rc = ovl_fp_from_doc(ctx, doc, &idx->fp, &fp);
    if (rc != OVL_OK)
        return rc;
    size_t nrows = 0;
    keyrow *rows = ovl__ix_fp_rows(fp, &nrows);
    ovl_fp_free(fp);
    if (!rows)
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    /* Distinct keys of the query, ascending, and the range of rows holding each. */
    size_t m = 0;
    uint64_t *ukeys = malloc((nrows ? nrows : 1) * sizeof *ukeys);
    size_t *ustart = malloc((nrows + 1) * sizeof *ustart);
    qmatch qm = {ukeys, 0, calloc(nrows ? nrows : 1, sizeof(uint32_t)), max_df, NULL, 0, NULL, 0, 0};
    if (!ukeys || !ustart || !qm.ndocs)
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    for (size_t i = 0; i < nrows && rc == OVL_OK; i++)
        if (i == 0 || rows[i].key != rows[i - 1].key) {
            ukeys[m] = rows[i].key;
            ustart[m++] = i;
        }
    if (ustart)
        ustart[m] = nrows;
    qm.m = m;
    /* One snapshot for every read. */
    if (rc == OVL_OK)
        rc = ovl__ix_exec(ctx, idx, "BEGIN");
    if (rc == OVL_OK && m)
        qm.dead = ovl__ix_load_ids(ctx, idx, "SELECT doc_id FROM dead ORDER BY doc_id", &qm.ndead, &rc);
    sqlite3_stmt *st = NULL;
    /* Pending records: every pending block against the query keys. */
    if (rc == OVL_OK && m)
        rc = ovl__ix_prepare(ctx, idx, "SELECT n, data FROM pending", &st);
    if (st) {
        int s = SQLITE_DONE;
        while (rc == OVL_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
            rc = match_encoded(ctx, idx, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
                               sqlite3_column_int64(st, 0), 0, m, &qm);
        }
        if (rc == OVL_OK && s != SQLITE_DONE)
            rc = ovl__ix_db_fail(ctx, idx, "looking up band keys");
        sqlite3_finalize(st);
        st = NULL;
    }
    /* Runs: a small run is read whole; a large one is probed for the block of each key. */
    size_t nruns = 0;
    int64_t *runs = NULL, *rblocks = NULL;
    if (rc == OVL_OK && m)
        runs = ovl__ix_load_ids(ctx, idx, "SELECT id FROM runs ORDER BY id", &nruns, &rc);
    if (rc == OVL_OK && nruns)
        rblocks = ovl__ix_load_ids(ctx, idx, "SELECT blocks FROM runs ORDER BY id", &nruns, &rc);
    if (rc == OVL_OK && nruns)
        rc = ovl__ix_prepare(ctx, idx, "SELECT last_key, n, data FROM postings WHERE run = ? ORDER BY last_key", &st);
    for (size_t r = 0; r < nruns && rc == OVL_OK; r++) {
        /* Reading a block in sequence costs about half a probe. */
        int whole = (size_t)rblocks[r] <= 2 * m;
        sqlite3_stmt *q = whole ? st : idx->st_probe;
        size_t j = 0;
        while (rc == OVL_OK && j < m) {
            sqlite3_reset(q);
            sqlite3_bind_int64(q, 1, runs[r]);
            if (!whole)
                sqlite3_bind_int64(q, 2, skey(ukeys[j]));
            int s = SQLITE_DONE;
            while (rc == OVL_OK && j < m && (s = sqlite3_step(q)) == SQLITE_ROW) {
                uint64_t last = (uint64_t)sqlite3_column_int64(q, 0) ^ 0x8000000000000000ull;
                size_t jend = j;
                while (jend < m && ukeys[jend] <= last)
                    jend++;
                rc = match_encoded(ctx, idx, sqlite3_column_blob(q, 2), (size_t)sqlite3_column_bytes(q, 2),
                                   sqlite3_column_int64(q, 1), j, jend, &qm);
                j = jend;
                if (!whole)
                    break;
            }
            if (rc == OVL_OK && s != SQLITE_ROW && s != SQLITE_DONE)
                rc = ovl__ix_db_fail(ctx, idx, "looking up band keys");
            if (whole || s == SQLITE_DONE)
                break;
        }
        sqlite3_reset(q);
    }
    sqlite3_finalize(st);
    rc = ovl__ix_end_read(ctx, idx, rc);
    free(runs);
    free(rblocks);
    free((void *)qm.dead);
    free(qm.ndocs);
    free(ukeys);
    qdoc *qd = qm.qd;
    size_t nqd = qm.nqd;
    /* Documents per key; a key held by more than max_df documents is boilerplate. */
    qent *ent = NULL;
    size_t nent = 0, cap = 0;
    if (rc == OVL_OK && nqd) {
        qsort(qd, nqd, sizeof *qd, cmp_qdoc);
        for (size_t i = 0; i < nqd && rc == OVL_OK;) {
            size_t e = i, ndocs = 0;
            for (; e < nqd && qd[e].qi == qd[i].qi; e++)
                if (e == i || qd[e].doc != qd[e - 1].doc)
                    ndocs++;
            if (!max_df || ndocs <= max_df) {
                size_t per = ustart[qd[i].qi + 1] - ustart[qd[i].qi];
                if (ovl__grow(&ent, &cap, nent + ndocs * per, sizeof *ent) != 0)
                    rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
                for (size_t k = i; k < e && rc == OVL_OK; k++) {
                    if (k > i && qd[k].doc == qd[k - 1].doc)
                        continue;
                    for (size_t q = ustart[qd[i].qi]; q < ustart[qd[i].qi + 1]; q++)
                        ent[nent++] = (qent){qd[k].doc, rows[q].chunk};
                }
            }
            i = e;
        }
    }
    free(qd);
    free(ustart);
    free(rows);
    ovl_index_hit *out = NULL;
    size_t nout = 0;
    if (rc == OVL_OK && nent) {
        qsort(ent, nent, sizeof *ent, cmp_qent);
        out = malloc(nent * sizeof *out);
        if (!out)
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
        for (size_t i = 0; i < nent && out; i++) {
            if (nout == 0 || out[nout - 1].doc_id != ent[i].doc)
                out[nout++] = (ovl_index_hit){ent[i].doc, 0, 0};
            out[nout - 1].band_hits++;
            if (i == 0 || ent[i - 1].doc != ent[i].doc || ent[i - 1].qchunk != ent[i].qchunk)
                out[nout - 1].chunk_hits++;
        }
        if (out)
            qsort(out, nout, sizeof *out, cmp_hit);
    }
    free(ent);
    if (rc != OVL_OK) {
        free(out);
        return rc;
    }
    *hits = out;
    *count = nout;
    return OVL_OK;
}
