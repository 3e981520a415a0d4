/* index.c - persistent corpus index: the handle, its schema and stored parameters, documents
 * looked up and loaded. The band store is in index_band.c, adding and querying in index_add.c,
 * verify in index_verify.c, the SQLite helpers in index_db.c; index_int.h holds what they share. */
#include "index_int.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <xxhash.h>

/* Fixed text whose band keys, stored at creation, reveal a change of the fingerprint
 * algorithm (shingling, MinHash or banding) that would make stored keys meaningless. */
static const char probe_text[] =
    "索引在创建时记下这段文字的指纹，每次打开都重新计算并比较，算法一旦改变就会被发现，"
    "而不是悄悄地给出错误的候选文档。\n\n"
    "An index remembers the fingerprint of this paragraph when it is created and computes it "
    "again on every open, so that a changed algorithm is noticed instead of silently giving "
    "wrong candidates 0123456789.\n";

static const char *schema_sql =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE docs(id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL UNIQUE,"
    " hash TEXT NOT NULL, enc_opt TEXT, lenient INTEGER NOT NULL, encoding TEXT NOT NULL,"
    " size INTEGER NOT NULL, chars INTEGER NOT NULL, paragraphs INTEGER NOT NULL,"
    " chunks INTEGER NOT NULL, band_rows INTEGER NOT NULL, added INTEGER NOT NULL);"
    "CREATE TABLE blobs(doc_id INTEGER PRIMARY KEY, bytes BLOB NOT NULL);"
    "CREATE TABLE doc_meta(doc_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY(doc_id, key, value)) WITHOUT ROWID;"
    /* Band records, see index.h: pending holds each document's records (one packed block,
     * appended in the document's transaction); a run is a sorted sequence of blocks, each
     * keyed by its last band key (as key ^ 2^63, so SQLite's signed order is the keys'
     * unsigned order); dead lists removed documents whose records some run still holds. */
    "CREATE TABLE pending(doc_id INTEGER PRIMARY KEY, n INTEGER NOT NULL, data BLOB NOT NULL);"
    "CREATE TABLE runs(id INTEGER PRIMARY KEY, level INTEGER NOT NULL, records INTEGER NOT NULL,"
    " blocks INTEGER NOT NULL);"
    /* A rowid table, appended in rowid order, fills its pages; a WITHOUT ROWID table would
     * leave each appended page half empty. */
    "CREATE TABLE postings(run INTEGER NOT NULL, last_key INTEGER NOT NULL, n INTEGER NOT NULL,"
    " data BLOB NOT NULL);"
    "CREATE UNIQUE INDEX postings_key ON postings(run, last_key);"
    "CREATE TABLE dead(doc_id INTEGER PRIMARY KEY);";

static const char *const required_tables[] = {"meta", "docs", "blobs", "doc_meta", "pending", "runs",
                                              "postings", "dead"};

void ovl__ix_hash_hex(const void *bytes, size_t len, char out[33])
{
    XXH128_hash_t h = XXH3_128bits(bytes, len);
    snprintf(out, 33, "%016" PRIx64 "%016" PRIx64, (uint64_t)h.high64, (uint64_t)h.low64);
}

/* XXH3-64 over the band keys of the probe text under the given parameters. */
static int probe_hash(ovl_ctx *ctx, const ovl_fp_opts *fp, const ovl_doc_opts *dopts, uint64_t *out)
{
    ovl_doc_opts o = *dopts;
    o.decode.encoding = NULL;
    o.decode.lenient = 0;
    ovl_doc *doc = NULL;
    ovl_fp *f = NULL;
    int rc = ovl_doc_from_bytes(ctx, "probe", probe_text, sizeof probe_text - 1, &o, &doc);
    if (rc == OVL_OK)
        rc = ovl_fp_from_doc(ctx, doc, fp, &f);
    if (rc == OVL_OK) {
        size_t n = ovl_fp_chunk_count(f);
        XXH3_state_t *s = XXH3_createState();
        if (!s) {
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
        } else {
            XXH3_64bits_reset(s);
            for (size_t i = 0; i < n; i++)
                XXH3_64bits_update(s, ovl_fp_band_keys(f, i), fp->bands * sizeof(uint64_t));
            *out = XXH3_64bits_digest(s);
            XXH3_freeState(s);
        }
    }
    ovl_fp_free(f);
    ovl_doc_free(doc);
    return rc;
}

/* The parameters kept in the meta table, in the order a mismatch is reported. */
enum { P_SEED, P_KCJK, P_KWORD, P_NHASH, P_CHUNK, P_STRIDE, P_BANDS, P_ROWS, P_FOLD, P_SHORT, P_N };
static const char *const param_names[P_N] = {"seed", "k_cjk", "k_word", "num_hashes", "chunk_tokens",
                                             "chunk_stride", "bands", "rows", "fold_traditional",
                                             "short_line"};

static void params_get(const ovl_fp_opts *fp, const ovl_doc_opts *d, uint64_t v[P_N])
{
    v[P_SEED] = fp->seed;
    v[P_KCJK] = fp->k_cjk;
    v[P_KWORD] = fp->k_word;
    v[P_NHASH] = fp->num_hashes;
    v[P_CHUNK] = fp->chunk_tokens;
    v[P_STRIDE] = fp->chunk_stride;
    v[P_BANDS] = fp->bands;
    v[P_ROWS] = fp->rows;
    v[P_FOLD] = (uint64_t)(d->norm.fold_traditional != 0);
    v[P_SHORT] = d->segment.short_line;
}

static void params_set(ovl_fp_opts *fp, ovl_doc_opts *d, const uint64_t v[P_N])
{
    fp->seed = v[P_SEED];
    fp->k_cjk = (unsigned)v[P_KCJK];
    fp->k_word = (unsigned)v[P_KWORD];
    fp->num_hashes = (unsigned)v[P_NHASH];
    fp->chunk_tokens = (unsigned)v[P_CHUNK];
    fp->chunk_stride = (unsigned)v[P_STRIDE];
    fp->bands = (unsigned)v[P_BANDS];
    fp->rows = (unsigned)v[P_ROWS];
    d->norm.fold_traditional = (int)v[P_FOLD];
    d->segment.short_line = (unsigned)v[P_SHORT];
}

static int meta_put(ovl_ctx *ctx, ovl_index *idx, const char *key, const char *value)
{
    sqlite3_stmt *st;
    int rc = ovl__ix_prepare(ctx, idx, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", &st);
    if (rc != OVL_OK)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = ovl__ix_db_fail(ctx, idx, "writing parameters");
    sqlite3_finalize(st);
    return rc;
}

/* Reads meta key as an unsigned integer; OVL_ERR_CORRUPT when absent or malformed. */
static int meta_get(ovl_ctx *ctx, ovl_index *idx, const char *key, uint64_t *v)
{
    sqlite3_stmt *st;
    int rc = ovl__ix_prepare(ctx, idx, "SELECT value FROM meta WHERE key = ?", &st);
    if (rc != OVL_OK)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        char *end = NULL;
        errno = 0;
        unsigned long long x = t ? strtoull(t, &end, 10) : 0;
        if (!t || !*t || *end || errno)
            rc = ovl__fail(ctx, OVL_ERR_CORRUPT, -1, "index %s is damaged: parameter %s is '%s'",
                           idx->path, key, t ? t : "");
        else
            *v = x;
    } else if (s == SQLITE_DONE) {
        rc = ovl__fail(ctx, OVL_ERR_CORRUPT, -1, "index %s is damaged: parameter %s is missing",
                       idx->path, key);
    } else {
        rc = ovl__ix_db_fail(ctx, idx, "reading parameters");
    }
    sqlite3_finalize(st);
    return rc;
}

/* Creates the schema in an empty database (inside an immediate transaction, so two
 * processes creating the same file at once do it only once). */
static int initialize(ovl_ctx *ctx, ovl_index *idx, const ovl_fp_opts *fp, const ovl_doc_opts *d)
{
    int64_t app = 0, ntab = 0;
    /* journal_mode cannot change inside a transaction; WAL persists in the file. */
    /* Merges free the pages of the runs they replace; incremental auto-vacuum lets a flush
     * give the ones left over back (it must be chosen before the first table exists). */
    int rc = ovl__ix_exec(ctx, idx, "PRAGMA auto_vacuum=INCREMENTAL; PRAGMA journal_mode=WAL");
    /* Two processes switching a new file to WAL at once: SQLite answers "database is locked"
     * at once instead of calling the busy handler (waiting could deadlock), so wait here. */
    for (int tries = 0; rc == OVL_ERR_DB && sqlite3_errcode(idx->db) == SQLITE_BUSY && tries < 500; tries++) {
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
        ovl_ctx_clear(ctx);
        rc = ovl__ix_exec(ctx, idx, "PRAGMA auto_vacuum=INCREMENTAL; PRAGMA journal_mode=WAL");
    }
    if (rc == OVL_OK)
        rc = ovl__ix_exec(ctx, idx, "BEGIN IMMEDIATE");
    if (rc != OVL_OK)
        return rc;
    rc = ovl__ix_query_int(ctx, idx, "PRAGMA application_id", &app);
    if (rc == OVL_OK)
        rc = ovl__ix_query_int(ctx, idx, "SELECT count(*) FROM sqlite_master", &ntab);
    if (rc == OVL_OK && app == 0 && ntab == 0) {
        char buf[64];
        uint64_t v[P_N], probe = 0;
        params_get(fp, d, v);
        rc = ovl__ix_exec(ctx, idx, schema_sql);
        for (int p = 0; p < P_N && rc == OVL_OK; p++) {
            snprintf(buf, sizeof buf, "%" PRIu64, v[p]);
            rc = meta_put(ctx, idx, param_names[p], buf);
        }
        if (rc == OVL_OK)
            rc = probe_hash(ctx, fp, d, &probe);
        if (rc == OVL_OK) {
            snprintf(buf, sizeof buf, "%" PRIu64, probe);
            rc = meta_put(ctx, idx, "fp_probe", buf);
        }
        if (rc == OVL_OK)
            rc = meta_put(ctx, idx, "created_by", OVL_VERSION_STRING);
        if (rc == OVL_OK) {
            snprintf(buf, sizeof buf, "%.17g", fp->threshold);
            rc = meta_put(ctx, idx, "threshold", buf);
        }
        if (rc == OVL_OK) {
            char sql[96];
            snprintf(sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d",
                     OVL_INDEX_APPLICATION_ID, OVL_INDEX_SCHEMA);
            rc = ovl__ix_exec(ctx, idx, sql);
        }
    }
    if (rc == OVL_OK)
        rc = ovl__ix_exec(ctx, idx, "COMMIT");
    if (rc != OVL_OK)
        sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* Checks identity, schema and stored parameters; fills idx->fp / idx->doc. */
static int validate(ovl_ctx *ctx, ovl_index *idx, const ovl_index_opts *o, int *empty)
{
    int64_t app = 0, ver = 0, ntab = 0;
    *empty = 0;
    if (sqlite3_exec(idx->db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL, NULL, NULL) != SQLITE_OK) {
        int ec = sqlite3_errcode(idx->db) & 0xFF;
        if (ec == SQLITE_NOTADB || ec == SQLITE_CORRUPT)
            return ovl__fail(ctx, OVL_ERR_CORRUPT, -1,
                             "%s is not an overlap index (not an SQLite database)", idx->path);
        return ovl__ix_db_fail(ctx, idx, "reading the schema");
    }
    /* Both from one snapshot: read apart, a creator committing in between shows tables
     * without the application id. */
    int rc = ovl__ix_exec(ctx, idx, "BEGIN");
    if (rc == OVL_OK)
        rc = ovl__ix_query_int(ctx, idx, "PRAGMA application_id", &app);
    if (rc == OVL_OK)
        rc = ovl__ix_query_int(ctx, idx, "SELECT count(*) FROM sqlite_master", &ntab);
    if ((rc = ovl__ix_end_read(ctx, idx, rc)) != OVL_OK)
        return rc;
    if (app == 0 && ntab == 0) {
        *empty = 1;
        return OVL_OK;
    }
    if (app != OVL_INDEX_APPLICATION_ID)
        return ovl__fail(ctx, OVL_ERR_CORRUPT, -1,
                         "%s is not an overlap index (an SQLite database with application id 0x%08x)",
                         idx->path, (unsigned)app);
    if ((rc = ovl__ix_query_int(ctx, idx, "PRAGMA user_version", &ver)) != OVL_OK)
        return rc;
    if (ver != OVL_INDEX_SCHEMA)
        return ovl__fail(ctx, OVL_ERR_MISMATCH, -1,
                         "index %s has schema version %" PRId64 "; this overlap reads version %d",
                         idx->path, ver, OVL_INDEX_SCHEMA);
    for (size_t t = 0; t < sizeof required_tables / sizeof *required_tables; t++) {
        char sql[128];
        int64_t has = 0;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='%s'",
                 required_tables[t]);
        if ((rc = ovl__ix_query_int(ctx, idx, sql, &has)) != OVL_OK)
            return rc;
        if (!has)
            return ovl__fail(ctx, OVL_ERR_CORRUPT, -1, "index %s is damaged: table %s is missing",
                             idx->path, required_tables[t]);
    }
    uint64_t stored[P_N], probe = 0, probe_now = 0;
    for (int p = 0; p < P_N; p++)
        if ((rc = meta_get(ctx, idx, param_names[p], &stored[p])) != OVL_OK)
            return rc;
    if ((rc = meta_get(ctx, idx, "fp_probe", &probe)) != OVL_OK)
        return rc;
    /* Checked as stored: narrowed to unsigned first, 2^32 + 5 would pass as 5. */
    for (int p = 0; p < P_N; p++)
        if (p != P_SEED && stored[p] > (p == P_FOLD ? 1u : UINT_MAX))
            return ovl__fail(ctx, OVL_ERR_CORRUPT, -1,
                             "index %s is damaged: parameter %s is %" PRIu64 " (out of range)", idx->path,
                             param_names[p], stored[p]);

    ovl_fp_opts sfp = OVL_FP_OPTS_INIT;
    ovl_doc_opts sdoc = idx->doc;
    params_set(&sfp, &sdoc, stored);
    ovl_fp_opts rfp;
    if ((rc = ovl_fp_opts_resolve(ctx, &sfp, &rfp)) != OVL_OK) {
        char why[sizeof ctx->message]; /* the message cannot be formatted into itself */
        snprintf(why, sizeof why, "%s", ovl_ctx_message(ctx));
        return ovl__fail(ctx, OVL_ERR_CORRUPT, -1, "index %s is damaged: stored parameters: %s",
                         idx->path, why);
    }

    /* The caller's parameters, when given, must be the stored ones. */
    if (o->fp || o->doc) {
        uint64_t want[P_N];
        ovl_fp_opts wfp = rfp;
        ovl_doc_opts wdoc = sdoc;
        if (o->fp && (rc = ovl_fp_opts_resolve(ctx, o->fp, &wfp)) != OVL_OK)
            return rc;
        if (o->doc) {
            wdoc.norm = o->doc->norm;
            wdoc.segment = o->doc->segment;
        }
        params_get(&wfp, &wdoc, want);
        for (int p = 0; p < P_N; p++)
            if (want[p] != stored[p])
                return ovl__fail(ctx, OVL_ERR_MISMATCH, -1,
                                 "index %s was built with %s %" PRIu64 ", not %" PRIu64, idx->path,
                                 param_names[p], stored[p], want[p]);
    }
    if ((rc = probe_hash(ctx, &rfp, &sdoc, &probe_now)) != OVL_OK)
        return rc;
    if (probe_now != probe)
        return ovl__fail(ctx, OVL_ERR_MISMATCH, -1,
                         "index %s was built by another version of the fingerprint algorithm "
                         "(its band keys differ from this version's); rebuild it",
                         idx->path);
    idx->fp = rfp;
    idx->doc.norm = sdoc.norm;
    idx->doc.segment = sdoc.segment;
    return OVL_OK;
}

void ovl_index_close(ovl_index *idx)
{
    if (!idx)
        return;
    sqlite3_finalize(idx->st_find);
    if (idx->added && !idx->readonly) {
        ovl_ctx *tmp = ovl_ctx_new(); /* errors are lost here: ovl_index_flush reports them */
        if (tmp)
            ovl_index_flush(tmp, idx);
        ovl_ctx_free(tmp);
    }
    sqlite3_finalize(idx->st_pend);
    sqlite3_finalize(idx->st_probe);
    sqlite3_finalize(idx->st_load);
    sqlite3_close(idx->db);
    free(idx->path);
    free(idx->enc_opt);
    free(idx->i_path);
    free(idx->i_hash);
    free(idx->i_enc);
    for (size_t i = 0; i < idx->i_nmetas; i++) {
        free((char *)idx->i_metas[i].key);
        free((char *)idx->i_metas[i].value);
    }
    free(idx->i_metas);
    free(idx);
}

/* How long an open waits for a file found empty to get the header of an index another
 * process is creating. */
#define CREATE_WAIT_MS 500

int ovl_index_open(ovl_ctx *ctx, const char *path, const ovl_index_opts *opts, ovl_index **out)
{
    static const ovl_index_opts defaults = OVL_INDEX_OPTS_INIT;
    if (!path || !out)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_open: NULL argument");
    *out = NULL;
    const ovl_index_opts *o = opts ? opts : &defaults;
    if (o->version != OVL_INDEX_OPTS_VERSION)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_open: unknown options version %u", o->version);
    ovl_doc_opts dopts;
    if (ovl__doc_opts_resolve(ctx, o->doc, &dopts, "ovl_index_open: unknown document options version") != OVL_OK)
        return OVL_ERR_INVALID;
    struct stat sb;
    int exists = stat(path, &sb) == 0;
    if (!exists && (!o->create || o->readonly))
        return ovl__fail(ctx, OVL_ERR_NOTFOUND, -1, "index %s does not exist", path);
    if (exists && S_ISDIR(sb.st_mode))
        return ovl__fail(ctx, OVL_ERR_CORRUPT, -1, "%s is not an overlap index (a directory)", path);

    ovl_index *idx = calloc(1, sizeof *idx);
    if (!idx || !(idx->path = strdup(path))) {
        free(idx);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    }
    idx->readonly = o->readonly;
    idx->pending_est = -1;
    idx->doc = dopts;
    if (idx->doc.decode.encoding) {
        if (!(idx->enc_opt = strdup(idx->doc.decode.encoding))) {
            ovl_index_close(idx);
            return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
        }
        idx->doc.decode.encoding = idx->enc_opt;
    }
    int flags = o->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | (o->create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &idx->db, flags, NULL) != SQLITE_OK) {
        int rc = idx->db ? ovl__ix_db_fail(ctx, idx, "open")
                         : ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
        ovl_index_close(idx);
        return rc;
    }
    sqlite3_busy_timeout(idx->db, 30000);
    sqlite3_extended_result_codes(idx->db, 0);
    int empty = 0;
    int rc = validate(ctx, idx, o, &empty);
    /* A file that was there with no bytes is an index truncated to nothing (or something
     * else): never silently made into a new index. Unless another process is creating it at
     * this moment: that one writes the header within moments (then both go on as usual, its
     * schema transaction making the other's a no-op). */
    int truncated = rc == OVL_OK && empty && exists && sb.st_size == 0;
    for (int wait = 0; truncated && wait < CREATE_WAIT_MS; wait += 10) {
        struct stat now;
        if (stat(path, &now) == 0 && now.st_size > 0) {
            truncated = 0;
            rc = validate(ctx, idx, o, &empty);
            break;
        }
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    /* A database without the schema yet, opened by a handle that will not create it (a
     * read-only look at an index), may be another process's creation in progress: it gets
     * the same time to finish. */
    for (int wait = 0; rc == OVL_OK && empty && !truncated && (!o->create || o->readonly) &&
                       wait < CREATE_WAIT_MS;
         wait += 10) {
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
        rc = validate(ctx, idx, o, &empty);
    }
    if (rc == OVL_OK && empty) {
        if (truncated) {
            rc = ovl__fail(ctx, OVL_ERR_CORRUPT, -1, "%s is not an overlap index (an empty file)", path);
        } else if (!o->create || o->readonly) {
            rc = ovl__fail(ctx, OVL_ERR_CORRUPT, -1, "%s is not an overlap index (an empty database)", path);
        } else {
            ovl_fp_opts cfp;
            rc = ovl_fp_opts_resolve(ctx, o->fp, &cfp);
            if (rc == OVL_OK)
                rc = initialize(ctx, idx, &cfp, &idx->doc);
            if (rc == OVL_OK)
                rc = validate(ctx, idx, o, &empty);
        }
    }
    /* NORMAL in WAL mode syncs only at checkpoints (a crash never corrupts, it may lose the
     * last commits); a larger WAL makes those checkpoints rarer during bulk adds. */
    if (rc == OVL_OK && !o->readonly)
        rc = ovl__ix_exec(ctx, idx, "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=16384");
    if (rc == OVL_OK)
        /* Small: a query or a merge reads each run block once, so a big cache only costs a
         * fresh process page faults as it fills. */
        rc = ovl__ix_exec(ctx, idx, "PRAGMA cache_size=-8192");

    if (rc == OVL_OK)
        rc = ovl__ix_prepare(ctx, idx, "SELECT id, hash FROM docs WHERE path = ?", &idx->st_find);
    if (rc == OVL_OK && !o->readonly)
        rc = ovl__ix_prepare(ctx, idx, "INSERT INTO pending(doc_id, n, data) VALUES (?, ?, ?)", &idx->st_pend);
    if (rc == OVL_OK)
        rc = ovl__ix_prepare(ctx, idx,
                     "SELECT last_key, n, data FROM postings WHERE run = ?1 AND last_key >= ?2"
                     " ORDER BY last_key LIMIT 1",
                     &idx->st_probe);
    if (rc == OVL_OK)
        rc = ovl__ix_prepare(ctx, idx,
                     "SELECT b.bytes, d.path, d.enc_opt, d.lenient, d.hash FROM docs d"
                     " JOIN blobs b ON b.doc_id = d.id"
                     " WHERE d.id = ?",
                     &idx->st_load);
    if (rc != OVL_OK) {
        ovl_index_close(idx);
        return rc;
    }
    *out = idx;
    return OVL_OK;
}

void ovl_index_params(const ovl_index *idx, ovl_fp_opts *fp, ovl_doc_opts *doc)
{
    if (fp)
        *fp = idx->fp;
    if (doc)
        *doc = idx->doc;
}

/* Looks up path: *id = 0 when absent; hash copied into hash (33 bytes) when present. */
int ovl__ix_find(ovl_ctx *ctx, ovl_index *idx, const char *path, int64_t *id, char *hash)
{
    sqlite3_stmt *st = idx->st_find;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    int s = sqlite3_step(st), rc = OVL_OK;
    *id = 0;
    if (s == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        const char *h = (const char *)sqlite3_column_text(st, 1);
        if (hash)
            snprintf(hash, 33, "%s", h ? h : "");
    } else if (s != SQLITE_DONE) {
        rc = ovl__ix_db_fail(ctx, idx, "looking up a path");
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

int ovl_index_find(ovl_ctx *ctx, ovl_index *idx, const char *path, int64_t *id)
{
    if (!idx || !path || !id)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_find: NULL argument");
    int rc = ovl__ix_find(ctx, idx, path, id, NULL);
    if (rc == OVL_OK && *id == 0)
        return ovl__fail(ctx, OVL_ERR_NOTFOUND, -1, "%s is not in index %s", path, idx->path);
    return rc;
}

int ovl_index_load_doc(ovl_ctx *ctx, ovl_index *idx, int64_t id, ovl_doc **out)
{
    if (!idx || !out)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_load_doc: NULL argument");
    *out = NULL;
    sqlite3_stmt *st = idx->st_load;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, id);
    int s = sqlite3_step(st), rc;
    if (s == SQLITE_ROW) {
        const void *bytes = sqlite3_column_blob(st, 0);
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        const char *path = (const char *)sqlite3_column_text(st, 1);
        const char *stored = (const char *)sqlite3_column_text(st, 4);
        ovl_doc_opts o = idx->doc;
        o.decode.encoding = (const char *)sqlite3_column_text(st, 2);
        o.decode.lenient = sqlite3_column_int(st, 3);
        /* Damaged bytes would silently change every report the document is part of. */
        char h[33];
        ovl__ix_hash_hex(bytes ? bytes : "", len, h);
        if (!stored || strcmp(stored, h) != 0)
            rc = ovl__fail(ctx, OVL_ERR_CORRUPT, -1,
                           "index %s is damaged: document %" PRId64 " (%s): its stored bytes do not match their hash",
                           idx->path, id, path ? path : "?");
        else
            rc = ovl_doc_from_bytes(ctx, path, bytes ? bytes : "", len, &o, out);
    } else if (s == SQLITE_DONE) {
        rc = ovl__fail(ctx, OVL_ERR_NOTFOUND, -1, "document %" PRId64 " is not in index %s", id, idx->path);
    } else {
        rc = ovl__ix_db_fail(ctx, idx, "loading a document");
    }
    sqlite3_reset(st);
    return rc;
}

int ovl_index_stats_get(ovl_ctx *ctx, ovl_index *idx, ovl_index_stats *out)
{
    if (!idx || !out)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_stats_get: NULL argument");
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    int rc = ovl__ix_prepare(ctx, idx,
                     "SELECT count(*), total(paragraphs), total(chunks), total(band_rows), total(size),"
                     " total(chars) FROM docs",
                     &st);
    if (rc != OVL_OK)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW) {
        out->documents = (uint64_t)sqlite3_column_int64(st, 0);
        out->paragraphs = (uint64_t)sqlite3_column_double(st, 1);
        out->chunks = (uint64_t)sqlite3_column_double(st, 2);
        out->band_rows = (uint64_t)sqlite3_column_double(st, 3);
        out->text_bytes = (uint64_t)sqlite3_column_double(st, 4);
        out->chars = (uint64_t)sqlite3_column_double(st, 5);
    } else {
        rc = ovl__ix_db_fail(ctx, idx, "statistics");
    }
    sqlite3_finalize(st);
    int64_t pages = 0, psize = 0;
    if (rc == OVL_OK)
        rc = ovl__ix_query_int(ctx, idx, "PRAGMA page_count", &pages);
    if (rc == OVL_OK)
        rc = ovl__ix_query_int(ctx, idx, "PRAGMA page_size", &psize);
    out->db_bytes = (uint64_t)pages * (uint64_t)psize;
    return rc;
}
