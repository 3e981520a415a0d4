/* index.c - persistent corpus index: documents, their bytes and chunk band keys in one SQLite file. */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <xxhash.h>

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

static int db_fail(ovl_ctx *ctx, const ovl_index *idx, const char *what)
{
    int ec = sqlite3_errcode(idx->db) & 0xFF;
    int code = (ec == SQLITE_CORRUPT || ec == SQLITE_NOTADB) ? OVL_ERR_CORRUPT : OVL_ERR_DB;
    return ovl__fail(ctx, code, -1, "index %s: %s: %s", idx->path, what, sqlite3_errmsg(idx->db));
}

static int exec(ovl_ctx *ctx, ovl_index *idx, const char *sql)
{
    if (sqlite3_exec(idx->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(ctx, idx, sql);
    return OVL_OK;
}

static int prepare(ovl_ctx *ctx, ovl_index *idx, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(idx->db, sql, -1, st, NULL) != SQLITE_OK)
        return db_fail(ctx, idx, "prepare");
    return OVL_OK;
}

/* Single integer answer of sql (a PRAGMA or an aggregate). */
static int query_int(ovl_ctx *ctx, ovl_index *idx, const char *sql, int64_t *v)
{
    sqlite3_stmt *st;
    int rc = prepare(ctx, idx, sql, &st);
    if (rc != OVL_OK)
        return rc;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        *v = sqlite3_column_int64(st, 0);
    else if (s == SQLITE_DONE)
        *v = 0;
    else
        rc = db_fail(ctx, idx, sql);
    sqlite3_finalize(st);
    return rc;
}

static void hash_hex(const void *bytes, size_t len, char out[33])
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
    int rc = prepare(ctx, idx, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", &st);
    if (rc != OVL_OK)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_fail(ctx, idx, "writing parameters");
    sqlite3_finalize(st);
    return rc;
}

/* Reads meta key as an unsigned integer; OVL_ERR_CORRUPT when absent or malformed. */
static int meta_get(ovl_ctx *ctx, ovl_index *idx, const char *key, uint64_t *v)
{
    sqlite3_stmt *st;
    int rc = prepare(ctx, idx, "SELECT value FROM meta WHERE key = ?", &st);
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
        rc = db_fail(ctx, idx, "reading parameters");
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
    int rc = exec(ctx, idx, "PRAGMA auto_vacuum=INCREMENTAL; PRAGMA journal_mode=WAL");
    /* Two processes switching a new file to WAL at once: SQLite answers "database is locked"
     * at once instead of calling the busy handler (waiting could deadlock), so wait here. */
    for (int tries = 0; rc == OVL_ERR_DB && sqlite3_errcode(idx->db) == SQLITE_BUSY && tries < 500; tries++) {
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
        ovl_ctx_clear(ctx);
        rc = exec(ctx, idx, "PRAGMA auto_vacuum=INCREMENTAL; PRAGMA journal_mode=WAL");
    }
    if (rc == OVL_OK)
        rc = exec(ctx, idx, "BEGIN IMMEDIATE");
    if (rc != OVL_OK)
        return rc;
    rc = query_int(ctx, idx, "PRAGMA application_id", &app);
    if (rc == OVL_OK)
        rc = query_int(ctx, idx, "SELECT count(*) FROM sqlite_master", &ntab);
    if (rc == OVL_OK && app == 0 && ntab == 0) {
        char buf[64];
        uint64_t v[P_N], probe = 0;
        params_get(fp, d, v);
        rc = exec(ctx, idx, schema_sql);
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
            rc = exec(ctx, idx, sql);
        }
    }
    if (rc == OVL_OK)
        rc = exec(ctx, idx, "COMMIT");
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
        return db_fail(ctx, idx, "reading the schema");
    }
    /* Both from one snapshot: read apart, a creator committing in between shows tables
     * without the application id. */
    int rc = exec(ctx, idx, "BEGIN");
    if (rc == OVL_OK)
        rc = query_int(ctx, idx, "PRAGMA application_id", &app);
    if (rc == OVL_OK)
        rc = query_int(ctx, idx, "SELECT count(*) FROM sqlite_master", &ntab);
    sqlite3_exec(idx->db, "COMMIT", NULL, NULL, NULL);
    if (rc != OVL_OK)
        return rc;
    if (app == 0 && ntab == 0) {
        *empty = 1;
        return OVL_OK;
    }
    if (app != OVL_INDEX_APPLICATION_ID)
        return ovl__fail(ctx, OVL_ERR_CORRUPT, -1,
                         "%s is not an overlap index (an SQLite database with application id 0x%08x)",
                         idx->path, (unsigned)app);
    if ((rc = query_int(ctx, idx, "PRAGMA user_version", &ver)) != OVL_OK)
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
        if ((rc = query_int(ctx, idx, sql, &has)) != OVL_OK)
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
    static const ovl_doc_opts ddefaults = OVL_DOC_OPTS_INIT;
    if (!path || !out)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_open: NULL argument");
    *out = NULL;
    const ovl_index_opts *o = opts ? opts : &defaults;
    if (o->version != OVL_INDEX_OPTS_VERSION)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_open: unknown options version %u", o->version);
    if (o->doc && o->doc->version != OVL_DOC_OPTS_VERSION)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_open: unknown document options version %u",
                         o->doc->version);
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
    idx->doc = o->doc ? *o->doc : ddefaults;
    if (idx->doc.decode.encoding) {
        if (!(idx->enc_opt = strdup(idx->doc.decode.encoding))) {
            ovl_index_close(idx);
            return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
        }
        idx->doc.decode.encoding = idx->enc_opt;
    }
    int flags = o->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | (o->create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &idx->db, flags, NULL) != SQLITE_OK) {
        int rc = idx->db ? db_fail(ctx, idx, "open")
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
        rc = exec(ctx, idx, "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=16384");
    if (rc == OVL_OK)
        /* Small: a query or a merge reads each run block once, so a big cache only costs a
         * fresh process page faults as it fills. */
        rc = exec(ctx, idx, "PRAGMA cache_size=-8192");

    if (rc == OVL_OK)
        rc = prepare(ctx, idx, "SELECT id, hash FROM docs WHERE path = ?", &idx->st_find);
    if (rc == OVL_OK && !o->readonly)
        rc = prepare(ctx, idx, "INSERT INTO pending(doc_id, n, data) VALUES (?, ?, ?)", &idx->st_pend);
    if (rc == OVL_OK)
        rc = prepare(ctx, idx,
                     "SELECT last_key, n, data FROM postings WHERE run = ?1 AND last_key >= ?2"
                     " ORDER BY last_key LIMIT 1",
                     &idx->st_probe);
    if (rc == OVL_OK)
        rc = prepare(ctx, idx,
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
static int find(ovl_ctx *ctx, ovl_index *idx, const char *path, int64_t *id, char *hash)
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
        rc = db_fail(ctx, idx, "looking up a path");
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

int ovl_index_find(ovl_ctx *ctx, ovl_index *idx, const char *path, int64_t *id)
{
    if (!idx || !path || !id)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_find: NULL argument");
    int rc = find(ctx, idx, path, id, NULL);
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
        hash_hex(bytes ? bytes : "", len, h);
        if (!stored || strcmp(stored, h) != 0)
            rc = ovl__fail(ctx, OVL_ERR_CORRUPT, -1,
                           "index %s is damaged: document %" PRId64 " (%s): its stored bytes do not match their hash",
                           idx->path, id, path ? path : "?");
        else
            rc = ovl_doc_from_bytes(ctx, path, bytes ? bytes : "", len, &o, out);
    } else if (s == SQLITE_DONE) {
        rc = ovl__fail(ctx, OVL_ERR_NOTFOUND, -1, "document %" PRId64 " is not in index %s", id, idx->path);
    } else {
        rc = db_fail(ctx, idx, "loading a document");
    }
    sqlite3_reset(st);
    return rc;
}

typedef struct keyrow {
    uint64_t key;
    uint32_t chunk;
} keyrow;

static int cmp_keyrow(const void *pa, const void *pb)
{
    const keyrow *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->chunk < b->chunk ? -1 : a->chunk > b->chunk;
}

/* Distinct (band key, chunk) rows of a fingerprint, sorted by key: a document's block and
 * a query's key walk are in key order. */
static keyrow *fp_rows(const ovl_fp *fp, size_t *n)
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

/* Deletes document id and everything it owns; inside the caller's transaction. Records still
 * pending go with it; records already in runs are masked by a dead entry until a merge of
 * every run drops them (doc ids are never reused, so they cannot be mistaken for another). */
static int remove_locked(ovl_ctx *ctx, ovl_index *idx, int64_t id)
{
    int64_t band_rows = 0;
    sqlite3_stmt *st = NULL;
    int rc = prepare(ctx, idx, "SELECT band_rows FROM docs WHERE id = ?", &st);
    if (rc != OVL_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW)
        band_rows = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if ((rc = prepare(ctx, idx, "DELETE FROM pending WHERE doc_id = ?", &st)) != OVL_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_fail(ctx, idx, "removing band keys");
    int was_pending = sqlite3_changes(idx->db) > 0;
    sqlite3_finalize(st);
    if (rc == OVL_OK && !was_pending && band_rows > 0) {
        if ((rc = prepare(ctx, idx, "INSERT OR IGNORE INTO dead(doc_id) VALUES (?)", &st)) != OVL_OK)
            return rc;
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_fail(ctx, idx, "removing band keys");
        sqlite3_finalize(st);
    }
    if (rc != OVL_OK)
        return rc;
    static const char *const dels[] = {"DELETE FROM doc_meta WHERE doc_id = ?",
                                       "DELETE FROM blobs WHERE doc_id = ?", "DELETE FROM docs WHERE id = ?"};
    for (size_t k = 0; k < 3 && rc == OVL_OK; k++) {
        rc = prepare(ctx, idx, dels[k], &st);
        if (rc != OVL_OK)
            break;
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_fail(ctx, idx, "removing a document");
        sqlite3_finalize(st);
    }
    return rc;
}

static void rollback(ovl_index *idx)
{
    if (!sqlite3_get_autocommit(idx->db))
        sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- Band records: packed blocks, pending table, runs ------------------------------------ */

typedef struct prec {
    uint64_t key;
    int64_t doc;
    uint32_t chunk;
} prec;

static int cmp_prec(const void *pa, const void *pb)
{
    const prec *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    return a->chunk < b->chunk ? -1 : a->chunk > b->chunk;
}

/* Encoded bytes after which a run block closes (at the next key boundary): small, so a query
 * decodes little per key it looks up, and four blocks with their cell overhead fill a 4 KB
 * page. */
#define BLOCK_BYTES 930
/* Pending records that make ovl_index_add flush by itself. */
#define FLUSH_RECORDS (1u << 20)
/* Runs per size level before they are merged into one: bounds runs (and so lookups per key)
 * to about (MERGE_FANIN - 1) * log4(records / FLUSH_RECORDS) while each record is rewritten
 * about log4 times. */
#define MERGE_FANIN 4
#define FANIN_STR "4"

static int64_t skey(uint64_t k) { return (int64_t)(k ^ 0x8000000000000000ull); }

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

static int get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
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

/* Block encoding: per record varint(key - previous key, the first from 0), varint(doc),
 * varint(chunk), records sorted by (key, doc, chunk). */
typedef struct blockbuf {
    uint8_t *b;
    size_t len, cap;
    uint32_t n;
    uint64_t prev;
} blockbuf;

static int bb_put(blockbuf *bb, const prec *r)
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

/* Smallest encoding of a record: three one-byte varints. */
#define MIN_RECORD_BYTES 3

/* Decodes n records of a block into *out (grown as needed); -1 when the block is malformed
 * (no records, wrong count, keys out of order, trailing bytes), -2 when out of memory. n
 * comes from the file: it is checked against the block's size before it sizes anything. */
static int block_decode(const void *data, size_t len, size_t n, prec **out, size_t *cap)
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

static int damaged(ovl_ctx *ctx, const ovl_index *idx, const char *what)
{
    return ovl__fail(ctx, OVL_ERR_CORRUPT, -1, "index %s is damaged: %s", idx->path, what);
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
    int rc = sqlite3_step(w->st) == SQLITE_DONE ? OVL_OK : db_fail(ctx, w->idx, "writing a run");
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
    if (rc == OVL_OK && bb_put(&w->bb, r) != 0)
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    return rc;
}

static int rw_begin(ovl_ctx *ctx, ovl_index *idx, runwriter *w)
{
    memset(w, 0, sizeof *w);
    w->idx = idx;
    int64_t maxid = 0;
    int rc = query_int(ctx, idx, "SELECT coalesce(max(id), 0) FROM runs", &maxid);
    w->run = maxid + 1;
    if (rc == OVL_OK)
        rc = prepare(ctx, idx, "INSERT INTO postings(run, last_key, n, data) VALUES (?, ?, ?, ?)", &w->st);
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
    if ((rc = prepare(ctx, w->idx, "INSERT INTO runs(id, level, records, blocks) VALUES (?, ?, ?, ?)", &st)) != OVL_OK)
        return rc;
    sqlite3_bind_int64(st, 1, w->run);
    sqlite3_bind_int(st, 2, level);
    sqlite3_bind_int64(st, 3, w->records);
    sqlite3_bind_int64(st, 4, w->blocks);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_fail(ctx, w->idx, "writing a run");
    sqlite3_finalize(st);
    return rc;
}

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
static const prec *rc_cur(ovl_ctx *ctx, ovl_index *idx, runcursor *c, int *rc)
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
            *rc = db_fail(ctx, idx, "reading a run");
            return NULL;
        }
        int64_t last = sqlite3_column_int64(c->st, 0), n = sqlite3_column_int64(c->st, 1);
        int d = n > 0 ? block_decode(sqlite3_column_blob(c->st, 2), (size_t)sqlite3_column_bytes(c->st, 2),
                                     (size_t)n, &c->r, &c->cap)
                      : -1;
        if (d == -2) {
            *rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
            return NULL;
        }
        if (d || skey(c->r[n - 1].key) != last || (c->records && cmp_prec(&c->last, &c->r[0]) >= 0)) {
            *rc = damaged(ctx, idx, "a run block does not decode");
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

static int64_t *load_ids(ovl_ctx *ctx, ovl_index *idx, const char *sql, size_t *n, int *rc)
{
    sqlite3_stmt *st;
    int64_t *v = NULL;
    size_t cap = 0;
    *n = 0;
    if ((*rc = prepare(ctx, idx, sql, &st)) != OVL_OK)
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
        *rc = db_fail(ctx, idx, sql);
    sqlite3_finalize(st);
    return v;
}

static int has_id(const int64_t *v, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo] == id;
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
    int64_t *dead = load_ids(ctx, idx, "SELECT doc_id FROM dead ORDER BY doc_id", &ndead, &rc);
    runwriter w;
    int started = 0;
    if (rc == OVL_OK)
        rc = rw_begin(ctx, idx, &w), started = 1;
    for (size_t k = 0; k < n && rc == OVL_OK; k++) {
        rc = prepare(ctx, idx, "SELECT last_key, n, data FROM postings WHERE run = ? ORDER BY last_key", &c[k].st);
        if (rc == OVL_OK)
            sqlite3_bind_int64(c[k].st, 1, ids[k]);
    }
    while (rc == OVL_OK) {
        const prec *best = NULL;
        size_t bk = 0;
        for (size_t k = 0; k < n && rc == OVL_OK; k++) {
            const prec *r = rc_cur(ctx, idx, &c[k], &rc);
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
        if ((rc = prepare(ctx, idx, dels[q], &st)) != OVL_OK)
            break;
        for (size_t k = 0; k < n && rc == OVL_OK; k++) {
            sqlite3_bind_int64(st, 1, ids[k]);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = db_fail(ctx, idx, "merging runs");
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
    }
    if (rc == OVL_OK && all)
        rc = exec(ctx, idx, "DELETE FROM dead");
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
static int flush(ovl_ctx *ctx, ovl_index *idx, int final)
{
    int rc = exec(ctx, idx, "BEGIN IMMEDIATE");
    if (rc != OVL_OK)
        return rc;
    prec *recs = NULL;
    size_t nrec = 0, cap = 0, bcap = 0;
    prec *tmp = NULL;
    sqlite3_stmt *st = NULL;
    /* In doc order: radix_sort_prec relies on it. */
    if ((rc = prepare(ctx, idx, "SELECT doc_id, n, data FROM pending ORDER BY doc_id", &st)) == OVL_OK) {
        int s;
        while (rc == OVL_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t doc = sqlite3_column_int64(st, 0), n = sqlite3_column_int64(st, 1);
            int d = n <= 0 ? -1
                           : block_decode(sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2),
                                         (size_t)n, &tmp, &bcap);
            if (d == -2 || (d == 0 && ovl__grow(&recs, &cap, nrec + (size_t)n, sizeof *recs) != 0))
                rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
            else if (d)
                rc = damaged(ctx, idx, "a pending block does not decode");
            for (int64_t i = 0; rc == OVL_OK && i < n; i++) {
                if (tmp[i].doc != doc)
                    rc = damaged(ctx, idx, "a pending block names another document");
                recs[nrec++] = tmp[i];
            }
        }
        if (rc == OVL_OK && s != SQLITE_DONE)
            rc = db_fail(ctx, idx, "reading pending band keys");
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
            rc = exec(ctx, idx, "DELETE FROM pending");
    }
    free(recs);
    if (rc == OVL_OK)
        rc = exec(ctx, idx, "COMMIT");
    if (rc != OVL_OK) {
        rollback(idx);
        return rc;
    }
    idx->added = 0;
    idx->pending_est = 0;
    for (;;) {
        int64_t level = -1, nruns = 0, total = 0;
        if ((rc = exec(ctx, idx, "BEGIN IMMEDIATE")) != OVL_OK)
            return rc;
        rc = query_int(ctx, idx, "SELECT count(*) FROM runs", &total);
        if (rc == OVL_OK)
            rc = query_int(ctx, idx,
                           "SELECT coalesce(min(level), -1) FROM (SELECT level FROM runs GROUP BY level"
                           " HAVING count(*) >= " FANIN_STR ")",
                           &level);
        size_t n = 0;
        int64_t *ids = NULL;
        if (rc == OVL_OK && level >= 0) {
            char sql[96];
            snprintf(sql, sizeof sql, "SELECT id FROM runs WHERE level = %" PRId64 " ORDER BY id", level);
            ids = load_ids(ctx, idx, sql, &n, &rc);
            nruns = (int64_t)n;
        }
        if (rc == OVL_OK && nruns)
            rc = merge_runs(ctx, idx, ids, n, nruns == total);
        free(ids);
        if (rc == OVL_OK)
            rc = exec(ctx, idx, "COMMIT");
        if (rc != OVL_OK) {
            rollback(idx);
            return rc;
        }
        if (!nruns)
            break;
    }
    if (final) {
        int64_t nruns = 0, total = 0;
        size_t n = 0;
        int64_t *ids = NULL;
        if ((rc = exec(ctx, idx, "BEGIN IMMEDIATE")) != OVL_OK)
            return rc;
        rc = query_int(ctx, idx, "SELECT count(*) FROM runs", &nruns);
        if (rc == OVL_OK)
            rc = query_int(ctx, idx, "SELECT coalesce(sum(records), 0) FROM runs", &total);
        if (rc == OVL_OK && nruns > 1 && total <= 4 * idx->session_records)
            ids = load_ids(ctx, idx, "SELECT id FROM runs ORDER BY id", &n, &rc);
        if (rc == OVL_OK && n > 1)
            rc = merge_runs(ctx, idx, ids, n, 1);
        free(ids);
        if (rc == OVL_OK)
            rc = exec(ctx, idx, "COMMIT");
        if (rc != OVL_OK) {
            rollback(idx);
            return rc;
        }
        idx->session_records = 0;
    }
    return exec(ctx, idx, "PRAGMA incremental_vacuum");
}

int ovl_index_flush(ovl_ctx *ctx, ovl_index *idx)
{
    if (!idx)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_flush: NULL argument");
    if (idx->readonly)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "index %s is open read-only", idx->path);
    return flush(ctx, idx, 1);
}

int ovl_index_remove(ovl_ctx *ctx, ovl_index *idx, const char *path)
{
    if (!idx || !path)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_remove: NULL argument");
    if (idx->readonly)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "index %s is open read-only", idx->path);
    int64_t id = 0;
    int rc = exec(ctx, idx, "BEGIN IMMEDIATE");
    if (rc == OVL_OK)
        rc = find(ctx, idx, path, &id, NULL);
    if (rc == OVL_OK && id == 0)
        rc = ovl__fail(ctx, OVL_ERR_NOTFOUND, -1, "%s is not in index %s", path, idx->path);
    if (rc == OVL_OK)
        rc = remove_locked(ctx, idx, id);
    if (rc == OVL_OK)
        rc = exec(ctx, idx, "COMMIT");
    if (rc != OVL_OK)
        rollback(idx);
    return rc;
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
    for (size_t i = 0; i < n_metas; i++)
        if (!metas[i].key || !metas[i].value || !*metas[i].key)
            return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_add: meta %zu has no key or value", i);
    if (!bytes)
        bytes = "";
    char hash[33], old[33];
    hash_hex(bytes, len, hash);
    int64_t id = 0;
    int status = OVL_INDEX_ADDED;
    sqlite3_stmt *st = NULL;
    int rc = find(ctx, idx, path, &id, old);
    if (rc != OVL_OK)
        return rc;
    if (id && strcmp(old, hash) == 0) {
        if (status_out)
            *status_out = OVL_INDEX_UNCHANGED;
        return OVL_OK;
    }
    /* The expensive work happens outside the write lock. */
    ovl_doc *doc = NULL;
    ovl_fp *fp = NULL;
    keyrow *rows = NULL;
    size_t nrows = 0;
    if ((rc = ovl_doc_from_bytes(ctx, path, bytes, len, &idx->doc, &doc)) != OVL_OK)
        return rc;
    if ((rc = ovl_fp_from_doc(ctx, doc, &idx->fp, &fp)) != OVL_OK)
        goto done;
    if (!(rows = fp_rows(fp, &nrows))) {
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
        goto done;
    }
    if ((rc = exec(ctx, idx, "BEGIN IMMEDIATE")) != OVL_OK)
        goto done;
    /* Another writer may have changed the path since the first look. */
    if ((rc = find(ctx, idx, path, &id, old)) != OVL_OK)
        goto done;
    if (id && strcmp(old, hash) == 0) {
        status = OVL_INDEX_UNCHANGED;
        rc = exec(ctx, idx, "COMMIT");
        goto done;
    }
    if (id) {
        status = OVL_INDEX_REPLACED;
        if ((rc = remove_locked(ctx, idx, id)) != OVL_OK)
            goto done;
    }
    rc = prepare(ctx, idx,
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
        rc = db_fail(ctx, idx, "adding a document");
    sqlite3_finalize(st);
    if (rc != OVL_OK)
        goto done;
    id = sqlite3_last_insert_rowid(idx->db);

    if ((rc = prepare(ctx, idx, "INSERT INTO blobs(doc_id, bytes) VALUES (?, ?)", &st)) != OVL_OK)
        goto done;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_blob64(st, 2, bytes, (sqlite3_uint64)len, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_fail(ctx, idx, "storing document bytes");
    sqlite3_finalize(st);
    if (rc != OVL_OK)
        goto done;

    if (n_metas) {
        if ((rc = prepare(ctx, idx, "INSERT OR IGNORE INTO doc_meta(doc_id, key, value) VALUES (?,?,?)",
                          &st)) != OVL_OK)
            goto done;
        for (size_t i = 0; i < n_metas && rc == OVL_OK; i++) {
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_text(st, 2, metas[i].key, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, metas[i].value, -1, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = db_fail(ctx, idx, "storing metas");
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
        if (bb_put(&bb, &r) != 0)
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    }
    int64_t npending = 0;
    if (rc == OVL_OK && nrows) {
        st = idx->st_pend;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (int64_t)nrows);
        sqlite3_bind_blob64(st, 3, bb.b, bb.len, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_fail(ctx, idx, "storing band keys");
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (rc == OVL_OK) {
            npending = idx->pending_est < 0 ? -1 : idx->pending_est + (int64_t)nrows;
            if (npending < 0 || npending >= FLUSH_RECORDS)
                rc = query_int(ctx, idx, "SELECT total(n) FROM pending", &npending);
        }
    }
    free(bb.b);
    if (rc == OVL_OK)
        rc = exec(ctx, idx, "COMMIT");
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
                flush(tmp, idx, 0);
            ovl_ctx_free(tmp);
        }
    }
done:
    if (rc != OVL_OK)
        rollback(idx);
    else if (status == OVL_INDEX_UNCHANGED && status_out)
        *status_out = status;
    free(rows);
    ovl_fp_free(fp);
    ovl_doc_free(doc);
    return rc;
}

int ovl_index_list(ovl_ctx *ctx, ovl_index *idx, int64_t **ids, size_t *count)
{
    if (!idx || !ids || !count)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_list: NULL argument");
    *ids = NULL;
    *count = 0;
    sqlite3_stmt *st;
    int rc = prepare(ctx, idx, "SELECT id FROM docs ORDER BY path", &st);
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
        rc = db_fail(ctx, idx, "listing documents");
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
    int rc = prepare(ctx, idx,
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
        rc = db_fail(ctx, idx, "reading a document");
    }
    sqlite3_finalize(st);
    if (rc != OVL_OK)
        return rc;
    if ((rc = prepare(ctx, idx, "SELECT key, value FROM doc_meta WHERE doc_id = ? ORDER BY key, value",
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
        rc = db_fail(ctx, idx, "reading metas");
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
        return damaged(ctx, idx, "a band key block does not decode");
    const uint8_t *p = data, *end = p + len;
    const uint64_t *ukeys = qm->ukeys;
    uint64_t key = 0, pdoc = 0;
    for (int64_t i = 0; i < n; i++) {
        uint64_t d, doc, ch;
        if (get_varint(&p, end, &d) || get_varint(&p, end, &doc) || get_varint(&p, end, &ch) ||
            key + d < key || doc > INT64_MAX)
            return damaged(ctx, idx, "a band key block does not decode");
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
    return p == end ? OVL_OK : damaged(ctx, idx, "a band key block does not decode");
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
    keyrow *rows = fp_rows(fp, &nrows);
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
        rc = exec(ctx, idx, "BEGIN");
    if (rc == OVL_OK && m)
        qm.dead = load_ids(ctx, idx, "SELECT doc_id FROM dead ORDER BY doc_id", &qm.ndead, &rc);
    sqlite3_stmt *st = NULL;
    /* Pending records: every pending block against the query keys. */
    if (rc == OVL_OK && m)
        rc = prepare(ctx, idx, "SELECT n, data FROM pending", &st);
    if (st) {
        int s = SQLITE_DONE;
        while (rc == OVL_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
            rc = match_encoded(ctx, idx, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
                               sqlite3_column_int64(st, 0), 0, m, &qm);
        }
        if (rc == OVL_OK && s != SQLITE_DONE)
            rc = db_fail(ctx, idx, "looking up band keys");
        sqlite3_finalize(st);
        st = NULL;
    }
    /* Runs: a small run is read whole; a large one is probed for the block of each key. */
    size_t nruns = 0;
    int64_t *runs = NULL, *rblocks = NULL;
    if (rc == OVL_OK && m)
        runs = load_ids(ctx, idx, "SELECT id FROM runs ORDER BY id", &nruns, &rc);
    if (rc == OVL_OK && nruns)
        rblocks = load_ids(ctx, idx, "SELECT blocks FROM runs ORDER BY id", &nruns, &rc);
    if (rc == OVL_OK && nruns)
        rc = prepare(ctx, idx, "SELECT last_key, n, data FROM postings WHERE run = ? ORDER BY last_key", &st);
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
                rc = db_fail(ctx, idx, "looking up band keys");
            if (whole || s == SQLITE_DONE)
                break;
        }
        sqlite3_reset(q);
    }
    sqlite3_finalize(st);
    sqlite3_exec(idx->db, "COMMIT", NULL, NULL, NULL);
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

int ovl_index_stats_get(ovl_ctx *ctx, ovl_index *idx, ovl_index_stats *out)
{
    if (!idx || !out)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_stats_get: NULL argument");
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    int rc = prepare(ctx, idx,
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
        rc = db_fail(ctx, idx, "statistics");
    }
    sqlite3_finalize(st);
    int64_t pages = 0, psize = 0;
    if (rc == OVL_OK)
        rc = query_int(ctx, idx, "PRAGMA page_count", &pages);
    if (rc == OVL_OK)
        rc = query_int(ctx, idx, "PRAGMA page_size", &psize);
    out->db_bytes = (uint64_t)pages * (uint64_t)psize;
    return rc;
}

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

/* Position of id in the sorted v[0..n), or (size_t)-1. */
static size_t id_index(const int64_t *v, size_t n, int64_t id)
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

int ovl_index_verify(ovl_ctx *ctx, ovl_index *idx, int deep)
{
    if (!idx)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_index_verify: NULL argument");
    sqlite3_stmt *st = NULL;
    int rc = prepare(ctx, idx, "PRAGMA integrity_check", &st);
    if (rc != OVL_OK)
        return rc;
    int s = sqlite3_step(st);
    if (s != SQLITE_ROW) {
        rc = db_fail(ctx, idx, "integrity check");
    } else {
        const char *r = (const char *)sqlite3_column_text(st, 0);
        if (!r || strcmp(r, "ok") != 0)
            rc = ovl__fail(ctx, OVL_ERR_CORRUPT, -1, "index %s is damaged: %s", idx->path, r ? r : "?");
    }
    sqlite3_finalize(st);
    st = NULL; /* every later exit finalizes st */
    if (rc != OVL_OK)
        return rc;
    if ((rc = exec(ctx, idx, "BEGIN")) != OVL_OK)
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
        rc = query_int(ctx, idx, orphans[k], &n);
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
        ids = load_ids(ctx, idx, "SELECT id FROM docs ORDER BY id", &ndocs, &rc);
    if (rc == OVL_OK)
        dead = load_ids(ctx, idx, "SELECT doc_id FROM dead ORDER BY doc_id", &ndead, &rc);
    if (rc == OVL_OK && !(acc = calloc(ndocs ? ndocs : 1, sizeof *acc)))
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    if (rc == OVL_OK)
        rc = prepare(ctx, idx, "SELECT doc_id, n, data FROM pending", &st);
    while (rc == OVL_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t doc = sqlite3_column_int64(st, 0), n = sqlite3_column_int64(st, 1);
        int d = n <= 0 ? -1
                       : block_decode(sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2), (size_t)n,
                                      &blk, &bcap);
        if (d == -2)
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
        else if (d)
            rc = damaged(ctx, idx, "a pending block does not decode");
        for (int64_t i = 0; i < n && rc == OVL_OK; i++) {
            size_t at = id_index(ids, ndocs, blk[i].doc);
            if (blk[i].doc != doc || at == (size_t)-1)
                rc = damaged(ctx, idx, "a pending block names another document");
            else
                vacc_add(&acc[at], &blk[i]);
        }
    }
    if (rc == OVL_OK && s != SQLITE_DONE)
        rc = db_fail(ctx, idx, "verifying pending band keys");
    sqlite3_finalize(st);
    st = NULL;
    free(blk);
    if (rc == OVL_OK)
        rc = prepare(ctx, idx, "SELECT id, records, blocks FROM runs ORDER BY id", &st);
    while (rc == OVL_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
        runcursor c = {0};
        int64_t run = sqlite3_column_int64(st, 0);
        rc = prepare(ctx, idx, "SELECT last_key, n, data FROM postings WHERE run = ? ORDER BY last_key", &c.st);
        if (rc == OVL_OK)
            sqlite3_bind_int64(c.st, 1, run);
        const prec *r;
        while (rc == OVL_OK && (r = rc_cur(ctx, idx, &c, &rc)) != NULL) {
            size_t at = id_index(ids, ndocs, r->doc);
            if (at != (size_t)-1)
                vacc_add(&acc[at], r);
            else if (!has_id(dead, ndead, r->doc))
                rc = damaged(ctx, idx, "a run holds band keys without a document");
            c.i++;
        }
        if (rc == OVL_OK && (c.records != sqlite3_column_int64(st, 1) || c.blocks != sqlite3_column_int64(st, 2)))
            rc = damaged(ctx, idx, "a run does not hold the records it announces");
        sqlite3_finalize(c.st);
        free(c.r);
    }
    if (rc == OVL_OK && s != SQLITE_DONE)
        rc = db_fail(ctx, idx, "verifying runs");
    sqlite3_finalize(st);
    st = NULL;
    if (rc == OVL_OK)
        rc = prepare(ctx, idx,
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
        hash_hex(b ? b : "", (size_t)len, h);
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
            if (rc == OVL_OK && !(rows = fp_rows(fp, &n)))
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
        rc = db_fail(ctx, idx, "verifying documents");
    sqlite3_finalize(st);
    sqlite3_exec(idx->db, "COMMIT", NULL, NULL, NULL);
    free(ids);
    free(dead);
    free(acc);
    return rc;
}
