/* index.c - persistent corpus index: documents, their bytes and chunk band keys in one SQLite file. */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
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
    sqlite3_stmt *st_find, *st_band, *st_band_q, *st_load;
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
    "CREATE TABLE bands(band_key INTEGER NOT NULL, doc_id INTEGER NOT NULL, chunk INTEGER NOT NULL,"
    " PRIMARY KEY(band_key, doc_id, chunk)) WITHOUT ROWID;";

static const char *const required_tables[] = {"meta", "docs", "blobs", "doc_meta", "bands"};

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
    int rc = exec(ctx, idx, "PRAGMA journal_mode=WAL");
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
    int rc = query_int(ctx, idx, "PRAGMA application_id", &app);
    if (rc == OVL_OK)
        rc = query_int(ctx, idx, "SELECT count(*) FROM sqlite_master", &ntab);
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

    ovl_fp_opts sfp = OVL_FP_OPTS_INIT;
    ovl_doc_opts sdoc = idx->doc;
    params_set(&sfp, &sdoc, stored);
    ovl_fp_opts rfp;
    if ((rc = ovl_fp_opts_resolve(ctx, &sfp, &rfp)) != OVL_OK)
        return ovl__fail(ctx, OVL_ERR_CORRUPT, -1, "index %s is damaged: stored parameters: %s",
                         idx->path, ovl_ctx_message(ctx));

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
    sqlite3_finalize(idx->st_band);
    sqlite3_finalize(idx->st_band_q);
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
    if (rc == OVL_OK && empty) {
        if (!o->create || o->readonly) {
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
        rc = exec(ctx, idx, "PRAGMA cache_size=-65536");
    if (rc == OVL_OK)
        rc = prepare(ctx, idx, "SELECT id, hash FROM docs WHERE path = ?", &idx->st_find);
    if (rc == OVL_OK && !o->readonly)
        rc = prepare(ctx, idx, "INSERT OR IGNORE INTO bands(band_key, doc_id, chunk) VALUES (?, ?, ?)",
                     &idx->st_band);
    if (rc == OVL_OK)
        rc = prepare(ctx, idx, "SELECT doc_id FROM bands WHERE band_key = ?", &idx->st_band_q);
    if (rc == OVL_OK)
        rc = prepare(ctx, idx,
                     "SELECT b.bytes, d.path, d.enc_opt, d.lenient FROM docs d JOIN blobs b ON b.doc_id = d.id"
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
        ovl_doc_opts o = idx->doc;
        o.decode.encoding = (const char *)sqlite3_column_text(st, 2);
        o.decode.lenient = sqlite3_column_int(st, 3);
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

/* Distinct (band key, chunk) rows of a fingerprint, sorted by key so inserts and deletes
 * walk the B-tree in order. */
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

/* Deletes document id and everything it owns; inside the caller's transaction. Band rows
 * are found from the keys recomputed from the stored bytes; if that does not account for
 * every row (or the bytes cannot be rebuilt), a full scan removes the rest. */
static int remove_locked(ovl_ctx *ctx, ovl_index *idx, int64_t id)
{
    int64_t band_rows = 0, deleted = 0;
    sqlite3_stmt *st = NULL;
    int rc = prepare(ctx, idx, "SELECT band_rows FROM docs WHERE id = ?", &st);
    if (rc != OVL_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW)
        band_rows = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);

    ovl_doc *doc = NULL;
    ovl_fp *fp = NULL;
    keyrow *rows = NULL;
    size_t n = 0;
    ovl_ctx *tmp = ovl_ctx_new(); /* a rebuild failure only selects the slow path */
    if (tmp && ovl_index_load_doc(tmp, idx, id, &doc) == OVL_OK &&
        ovl_fp_from_doc(tmp, doc, &idx->fp, &fp) == OVL_OK)
        rows = fp_rows(fp, &n);
    ovl_ctx_free(tmp);
    ovl_fp_free(fp);
    ovl_doc_free(doc);
    if (rows) {
        rc = prepare(ctx, idx, "DELETE FROM bands WHERE band_key = ? AND doc_id = ?", &st);
        for (size_t i = 0; i < n && rc == OVL_OK; i++) {
            if (i > 0 && rows[i].key == rows[i - 1].key)
                continue;
            sqlite3_bind_int64(st, 1, (int64_t)rows[i].key);
            sqlite3_bind_int64(st, 2, id);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = db_fail(ctx, idx, "removing band keys");
            else
                deleted += sqlite3_changes(idx->db);
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
        free(rows);
        if (rc != OVL_OK)
            return rc;
    }
    if (deleted != band_rows || !rows) {
        rc = prepare(ctx, idx, "DELETE FROM bands WHERE doc_id = ?", &st);
        if (rc != OVL_OK)
            return rc;
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_fail(ctx, idx, "removing band keys");
        sqlite3_finalize(st);
        if (rc != OVL_OK)
            return rc;
    }
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
    st = idx->st_band;
    for (size_t i = 0; i < nrows && rc == OVL_OK; i++) {
        sqlite3_bind_int64(st, 1, (int64_t)rows[i].key);
        sqlite3_bind_int64(st, 2, id);
        sqlite3_bind_int64(st, 3, rows[i].chunk);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_fail(ctx, idx, "storing band keys");
        sqlite3_reset(st);
    }
    if (rc == OVL_OK)
        rc = exec(ctx, idx, "COMMIT");
    if (rc == OVL_OK && status_out)
        *status_out = status;
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
    size_t nrows = 0, nent = 0, cap = 0, ndocs = 0, dcap = 0;
    keyrow *rows = fp_rows(fp, &nrows);
    ovl_fp_free(fp);
    if (!rows)
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    qent *ent = NULL;
    int64_t *docs = NULL; /* distinct documents of the current key, ascending */
    sqlite3_stmt *st = idx->st_band_q;
    /* One read per distinct key: explicit transaction so all reads see one snapshot. */
    rc = exec(ctx, idx, "BEGIN");
    for (size_t i = 0; i < nrows && rc == OVL_OK;) {
        size_t j = i + 1;
        while (j < nrows && rows[j].key == rows[i].key)
            j++;
        sqlite3_bind_int64(st, 1, (int64_t)rows[i].key);
        ndocs = 0;
        int s, skip = 0;
        while ((s = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t d = sqlite3_column_int64(st, 0);
            if (ndocs && docs[ndocs - 1] == d)
                continue;
            if (max_df && ndocs >= max_df) {
                skip = 1;
                break;
            }
            if (ovl__grow(&docs, &dcap, ndocs + 1, sizeof *docs) != 0) {
                rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
                break;
            }
            docs[ndocs++] = d;
        }
        if (rc == OVL_OK && !skip && s != SQLITE_ROW && s != SQLITE_DONE)
            rc = db_fail(ctx, idx, "looking up band keys");
        sqlite3_reset(st);
        if (rc == OVL_OK && !skip) {
            if (ovl__grow(&ent, &cap, nent + ndocs * (j - i), sizeof *ent) != 0)
                rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
            for (size_t k = 0; k < ndocs && rc == OVL_OK; k++)
                for (size_t q = i; q < j; q++)
                    ent[nent++] = (qent){docs[k], rows[q].chunk};
        }
        i = j;
    }
    sqlite3_exec(idx->db, "COMMIT", NULL, NULL, NULL);
    free(rows);
    free(docs);
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
    if (rc != OVL_OK)
        return rc;
    if ((rc = exec(ctx, idx, "BEGIN")) != OVL_OK)
        return rc;
    /* Every band row, blob and meta row belongs to a document. */
    static const char *const orphans[] = {
        "SELECT count(*) FROM blobs WHERE doc_id NOT IN (SELECT id FROM docs)",
        "SELECT count(*) FROM doc_meta WHERE doc_id NOT IN (SELECT id FROM docs)",
        "SELECT count(*) FROM bands WHERE doc_id NOT IN (SELECT id FROM docs)"};
    static const char *const orphan_names[] = {"stored bytes", "metas", "band keys"};
    for (size_t k = 0; k < 3 && rc == OVL_OK; k++) {
        int64_t n = 0;
        rc = query_int(ctx, idx, orphans[k], &n);
        if (rc == OVL_OK && n)
            rc = ovl__fail(ctx, OVL_ERR_CORRUPT, -1, "index %s is damaged: %" PRId64 " rows of %s without a document",
                           idx->path, n, orphan_names[k]);
    }
    if (rc == OVL_OK)
        rc = prepare(ctx, idx,
                     "SELECT d.id, d.size, d.hash, d.band_rows, d.chunks, b.bytes, coalesce(c.n, 0)"
                     " FROM docs d LEFT JOIN blobs b ON b.doc_id = d.id"
                     " LEFT JOIN (SELECT doc_id, count(*) AS n FROM bands GROUP BY doc_id) c"
                     " ON c.doc_id = d.id ORDER BY d.id",
                     &st);
    sqlite3_stmt *probe = NULL;
    if (rc == OVL_OK && deep)
        rc = prepare(ctx, idx, "SELECT 1 FROM bands WHERE band_key = ? AND doc_id = ? AND chunk = ?", &probe);
    while (rc == OVL_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0), size = sqlite3_column_int64(st, 1);
        int64_t band_rows = sqlite3_column_int64(st, 3), chunks = sqlite3_column_int64(st, 4);
        int64_t nb = sqlite3_column_int64(st, 6);
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
            for (size_t i = 0; i < n && rc == OVL_OK; i++) {
                sqlite3_bind_int64(probe, 1, (int64_t)rows[i].key);
                sqlite3_bind_int64(probe, 2, id);
                sqlite3_bind_int64(probe, 3, rows[i].chunk);
                if (sqlite3_step(probe) != SQLITE_ROW)
                    rc = corrupt_doc(ctx, idx, id, "its band keys are not those of its bytes");
                sqlite3_reset(probe);
            }
            free(rows);
            ovl_fp_free(fp);
            ovl_doc_free(doc);
        }
    }
    if (rc == OVL_OK && s != SQLITE_DONE)
        rc = db_fail(ctx, idx, "verifying documents");
    sqlite3_finalize(st);
    sqlite3_finalize(probe);
    sqlite3_exec(idx->db, "COMMIT", NULL, NULL, NULL);
    return rc;
}
