/* index_db.c - the SQLite helpers every index file uses (errors, statements, transactions):
 * below the handle (index.c) and the band store (index_band.c), so those two depend on it
 * and not on each other. */
#include "index_int.h"

int ovl__ix_db_fail(ovl_ctx *ctx, const ovl_index *idx, const char *what)
{
    int ec = sqlite3_errcode(idx->db) & 0xFF;
    /* SQLite's own message may hide it: a failed allocation while opening its temporary
     * database reads "unable to open a temporary database file". */
    if (ec == SQLITE_NOMEM)
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "index %s: %.100s%s: out of memory", idx->path, what,
                         strlen(what) > 100 ? "..." : "");
    int code = (ec == SQLITE_CORRUPT || ec == SQLITE_NOTADB) ? OVL_ERR_CORRUPT : OVL_ERR_DB;
    /* what may be a whole statement (the schema): cut, so SQLite's reason is not lost at the
     * end of a message longer than the context holds. */
    return ovl__fail(ctx, code, -1, "index %s: %.100s%s: %s", idx->path, what, strlen(what) > 100 ? "..." : "",
                     sqlite3_errmsg(idx->db));
}

int ovl__ix_exec(ovl_ctx *ctx, ovl_index *idx, const char *sql)
{
    if (sqlite3_exec(idx->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return ovl__ix_db_fail(ctx, idx, sql);
    return OVL_OK;
}

int ovl__ix_prepare(ovl_ctx *ctx, ovl_index *idx, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(idx->db, sql, -1, st, NULL) != SQLITE_OK)
        return ovl__ix_db_fail(ctx, idx, "prepare");
    return OVL_OK;
}

/* Single integer answer of sql (a PRAGMA or an aggregate). */
int ovl__ix_query_int(ovl_ctx *ctx, ovl_index *idx, const char *sql, int64_t *v)
{
    sqlite3_stmt *st;
    int rc = ovl__ix_prepare(ctx, idx, sql, &st);
    if (rc != OVL_OK)
        return rc;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        *v = sqlite3_column_int64(st, 0);
    else if (s == SQLITE_DONE)
        *v = 0;
    else
        rc = ovl__ix_db_fail(ctx, idx, sql);
    sqlite3_finalize(st);
    return rc;
}

void ovl__ix_rollback(ovl_index *idx)
{
    if (!sqlite3_get_autocommit(idx->db))
        sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
}

int ovl__ix_end_read(ovl_ctx *ctx, ovl_index *idx, int rc)
{
    if (sqlite3_exec(idx->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        if (rc == OVL_OK)
            rc = ovl__ix_db_fail(ctx, idx, "ending a read");
        ovl__ix_rollback(idx);
    }
    return rc;
}

int ovl__ix_damaged(ovl_ctx *ctx, const ovl_index *idx, const char *what)
{
    return ovl__fail(ctx, OVL_ERR_CORRUPT, -1, "index %s is damaged: %s", idx->path, what);
}
