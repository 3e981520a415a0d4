/* jsonl.c - JSON lines records streamed from plain, gzip or zstd files (or memory), one line at a time. */
#include "jsonl_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define CHUNK (1u << 16)

struct ovl_jsonl {
    int kind;
    int fd;                       /* -1 when reading memory */
    const unsigned char *mem;
    size_t memlen, mempos;
    unsigned char *in;            /* compressed bytes read, not yet consumed */
    size_t inlen, inpos;
    int in_eof;
    unsigned char *out;           /* decompressed bytes not yet split into lines */
    size_t outlen, outpos;
    int out_eof;
    z_stream z;
    int zinit, zmember_done;
    ZSTD_DStream *zs;
    size_t zs_left;               /* ZSTD_decompressStream's last hint: 0 at a frame's end */
    uint64_t in_total;            /* compressed bytes consumed (for messages) */
    char *line;
    size_t linelen, linecap;
    uint64_t linesize;            /* true length, also past the cap of an overlong line */
    uint64_t pos, lineno;         /* decompressed offset of out[outpos]; lines read */
    char *text_field, *id_field;
    ovl__jrec cur;
    int err;                      /* sticky error after a fatal one */
    int64_t erroff;
    char errmsg[512];
};

int ovl_jsonl_kind(const char *path)
{
    if (!path)
        return OVL_JSONL_NONE;
    size_t n = strlen(path);
    static const struct { const char *suffix; int kind; } k[] = {
        {".jsonl", OVL_JSONL_PLAIN}, {".jsonl.gz", OVL_JSONL_GZIP}, {".jsonl.zst", OVL_JSONL_ZSTD}};
    for (size_t i = 0; i < sizeof k / sizeof *k; i++) {
        size_t s = strlen(k[i].suffix);
        /* A bare ".jsonl" is a hidden file's name, not a record file. */
        if (n > s && strcmp(path + n - s, k[i].suffix) == 0 && path[n - s - 1] != '/')
            return k[i].kind;
    }
    return OVL_JSONL_NONE;
}

int ovl__jsonl_blank(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
            return 0;
    return 1;
}

void ovl__jrec_clear(ovl__jrec *r)
{
    if (!r)
        return;
    json_decref((json_t *)r->root);
    free(r->id);
    memset(r, 0, sizeof *r);
}

int ovl__jsonl_parse(ovl_ctx *ctx, const char *line, size_t len, uint64_t lineno, uint64_t off,
                     const char *tf, const char *idf, ovl__jrec *out)
{
    memset(out, 0, sizeof *out);
    json_error_t e;
    /* Duplicate members are refused: which "text" a reader takes would be a guess. */
    json_t *root = json_loadb(line, len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &e);
    if (!root) /* the offset is the line's; jansson's column says where in it */
        return ovl__fail(ctx, OVL_ERR_DECODE, (int64_t)off, "line %" PRIu64 ": invalid JSON: %s (column %d)",
                         lineno, e.text, e.column);
    int rc = OVL_OK;
    json_t *t = NULL, *id = NULL;
    if (!json_is_object(root))
        rc = ovl__fail(ctx, OVL_ERR_DECODE, (int64_t)off, "line %" PRIu64 ": not a JSON object", lineno);
    else if (!(t = json_object_get(root, tf)))
        rc = ovl__fail(ctx, OVL_ERR_DECODE, (int64_t)off, "line %" PRIu64 ": no \"%s\" field", lineno, tf);
    else if (!json_is_string(t))
        rc = ovl__fail(ctx, OVL_ERR_DECODE, (int64_t)off, "line %" PRIu64 ": \"%s\" is not a string",
                       lineno, tf);
    else if (memchr(json_string_value(t), 0, json_string_length(t)))
        rc = ovl__fail(ctx, OVL_ERR_DECODE, (int64_t)off,
                       "line %" PRIu64 ": \"%s\" holds a NUL character (\\u0000)", lineno, tf);
    if (rc == OVL_OK) {
        id = json_object_get(root, idf);
        char buf[64];
        const char *s = NULL;
        if (!id || json_is_null(id))
            snprintf(buf, sizeof buf, "%" PRIu64, lineno), s = buf;
        else if (json_is_string(id) && json_string_length(id) > 0 &&
                 !memchr(json_string_value(id), 0, json_string_length(id)))
            s = json_string_value(id), out->has_id = 1;
        else if (json_is_integer(id))
            snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(id)), s = buf, out->has_id = 1;
        else if (json_is_real(id))
            snprintf(buf, sizeof buf, "%.17g", json_real_value(id)), s = buf, out->has_id = 1;
        else
            rc = ovl__fail(ctx, OVL_ERR_DECODE, (int64_t)off,
                           "line %" PRIu64 ": \"%s\" is not a non-empty string or a number", lineno, idf);
        if (rc == OVL_OK && !(out->id = strdup(s)))
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    }
    if (rc != OVL_OK) {
        json_decref(root);
        free(out->id);
        memset(out, 0, sizeof *out);
        return rc;
    }
    out->root = root;
    out->text = json_string_value(t);
    out->text_len = json_string_length(t);
    return OVL_OK;
}

static int open_common(ovl_ctx *ctx, int kind, const ovl_jsonl_opts *opts, ovl_jsonl **out)
{
    static const ovl_jsonl_opts def = OVL_JSONL_OPTS_INIT;
    const ovl_jsonl_opts *o = opts ? opts : &def;
    if (o->version != OVL_JSONL_OPTS_VERSION)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "JSON lines options version %u, expected %u",
                         o->version, OVL_JSONL_OPTS_VERSION);
    if (kind < OVL_JSONL_NONE || kind > OVL_JSONL_ZSTD)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "unknown JSON lines kind %d", kind);
    ovl_jsonl *r = calloc(1, sizeof *r);
    if (!r)
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    r->fd = -1;
    r->kind = kind == OVL_JSONL_NONE ? OVL_JSONL_PLAIN : kind;
    r->text_field = strdup(o->text_field && *o->text_field ? o->text_field : "text");
    r->id_field = strdup(o->id_field && *o->id_field ? o->id_field : "id");
    r->in = malloc(CHUNK);
    r->out = malloc(CHUNK);
    int ok = r->text_field && r->id_field && r->in && r->out;
    if (ok && r->kind == OVL_JSONL_GZIP) {
        /* 16 + 15: gzip wrapper only, the largest window. */
        ok = inflateInit2(&r->z, 16 + MAX_WBITS) == Z_OK;
        r->zinit = ok;
    } else if (ok && r->kind == OVL_JSONL_ZSTD) {
        ok = (r->zs = ZSTD_createDStream()) != NULL && !ZSTD_isError(ZSTD_initDStream(r->zs));
    }
    if (!ok) {
        ovl_jsonl_close(r);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    }
    *out = r;
    return OVL_OK;
}

int ovl_jsonl_open(ovl_ctx *ctx, const char *path, int kind, const ovl_jsonl_opts *opts,
                   ovl_jsonl **out)
{
    if (!path || !out)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_jsonl_open: NULL argument");
    *out = NULL;
    if (kind == OVL_JSONL_NONE)
        kind = ovl_jsonl_kind(path);
    ovl_jsonl *r;
    int rc = open_common(ctx, kind, opts, &r);
    if (rc != OVL_OK)
        return rc;
    if ((r->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        rc = ovl__fail(ctx, OVL_ERR_IO, -1, "%s", strerror(errno));
        ovl_jsonl_close(r);
        return rc;
    }
    *out = r;
    return OVL_OK;
}

int ovl_jsonl_open_bytes(ovl_ctx *ctx, const void *bytes, size_t len, int kind,
                         const ovl_jsonl_opts *opts, ovl_jsonl **out)
{
    if (!out || (!bytes && len))
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_jsonl_open_bytes: NULL argument");
    *out = NULL;
    ovl_jsonl *r;
    int rc = open_common(ctx, kind, opts, &r);
    if (rc != OVL_OK)
        return rc;
    r->mem = bytes;
    r->memlen = len;
    *out = r;
    return OVL_OK;
}

void ovl_jsonl_close(ovl_jsonl *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    if (r->zinit)
        inflateEnd(&r->z);
    ZSTD_freeDStream(r->zs);
    ovl__jrec_clear(&r->cur);
    free(r->in);
    free(r->out);
    free(r->line);
    free(r->text_field);
    free(r->id_field);
    free(r);
}

/* A fatal error: recorded so that later calls return it again. */
static int fatal(ovl_ctx *ctx, ovl_jsonl *r, int code, int64_t off, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
static int fatal(ovl_ctx *ctx, ovl_jsonl *r, int code, int64_t off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (fmt)
        vsnprintf(r->errmsg, sizeof r->errmsg, fmt, ap);
    else
        snprintf(r->errmsg, sizeof r->errmsg, "%s", ovl_strerror(code));
    va_end(ap);
    r->err = code;
    r->erroff = off;
    return ovl__fail(ctx, code, off, "%s", r->errmsg);
}

/* Refills r->in with raw bytes (compressed or not). Returns OVL_OK (r->in_eof at the end). */
static int raw_fill(ovl_ctx *ctx, ovl_jsonl *r)
{
    r->inpos = r->inlen = 0;
    if (r->fd < 0) {
        size_t n = r->memlen - r->mempos < CHUNK ? r->memlen - r->mempos : CHUNK;
        if (n)
            memcpy(r->in, r->mem + r->mempos, n);
        r->mempos += n;
        r->inlen = n;
        r->in_eof = n == 0;
        return OVL_OK;
    }
    for (;;) {
        ssize_t n = read(r->fd, r->in, CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fatal(ctx, r, OVL_ERR_IO, -1, "%s", strerror(errno));
        r->inlen = (size_t)n;
        r->in_eof = n == 0;
        return OVL_OK;
    }
}

/* Refills r->out with decompressed bytes; r->out_eof once the stream is done. */
static int fill(ovl_ctx *ctx, ovl_jsonl *r)
{
    r->outpos = r->outlen = 0;
    while (r->outlen == 0 && !r->out_eof) {
        if (r->inpos == r->inlen && !r->in_eof) {
            int rc = raw_fill(ctx, r);
            if (rc != OVL_OK)
                return rc;
        }
        if (r->kind == OVL_JSONL_PLAIN) {
            if (r->in_eof) {
                r->out_eof = 1;
                break;
            }
            /* Swap the buffers: plain bytes need no copy. */
            unsigned char *t = r->out;
            r->out = r->in;
            r->in = t;
            r->outlen = r->inlen;
            r->inpos = r->inlen = 0;
            break;
        }
        if (r->inpos == r->inlen && r->in_eof) {
            int complete = r->kind == OVL_JSONL_GZIP ? r->zmember_done || r->in_total == 0 : r->zs_left == 0;
            if (!complete)
                return fatal(ctx, r, OVL_ERR_IO, (int64_t)r->in_total, "%s stream truncated after %" PRIu64 " bytes",
                             r->kind == OVL_JSONL_GZIP ? "gzip" : "zstd", r->in_total);
            r->out_eof = 1;
            break;
        }
        size_t before = r->inpos;
        if (r->kind == OVL_JSONL_GZIP) {
            if (r->zmember_done) {
                /* Another gzip member follows (as `cat a.gz b.gz` makes). */
                if (inflateReset(&r->z) != Z_OK)
                    return fatal(ctx, r, OVL_ERR_IO, -1, "gzip: cannot restart");
                r->zmember_done = 0;
            }
            r->z.next_in = r->in + r->inpos;
            r->z.avail_in = (uInt)(r->inlen - r->inpos);
            r->z.next_out = r->out;
            r->z.avail_out = CHUNK;
            int zr = inflate(&r->z, Z_NO_FLUSH);
            r->inpos = r->inlen - r->z.avail_in;
            r->outlen = CHUNK - r->z.avail_out;
            if (zr == Z_STREAM_END)
                r->zmember_done = 1;
            else if (zr != Z_OK && zr != Z_BUF_ERROR)
                return fatal(ctx, r, OVL_ERR_IO, (int64_t)(r->in_total + r->inpos - before),
                             "gzip: damaged data near compressed byte %" PRIu64 " (%s)",
                             r->in_total + (r->inpos - before), r->z.msg ? r->z.msg : "inflate failed");
        } else {
            ZSTD_inBuffer ib = {r->in, r->inlen, r->inpos};
            ZSTD_outBuffer ob = {r->out, CHUNK, 0};
            size_t zr = ZSTD_decompressStream(r->zs, &ob, &ib);
            if (ZSTD_isError(zr))
                return fatal(ctx, r, OVL_ERR_IO, (int64_t)(r->in_total + ib.pos - before),
                             "zstd: damaged data near compressed byte %" PRIu64 " (%s)",
                             r->in_total + (ib.pos - before), ZSTD_getErrorName(zr));
            r->zs_left = zr;
            r->inpos = ib.pos;
            r->outlen = ob.pos;
        }
        r->in_total += r->inpos - before;
    }
    return OVL_OK;
}

/* Reads the next line into r->line (at most OVL_MAX_INPUT_BYTES kept; r->linesize has the
 * true length). Returns 1, 0 at the end, or a fatal error. */
static int read_line(ovl_ctx *ctx, ovl_jsonl *r, uint64_t *start)
{
    r->linelen = 0;
    r->linesize = 0;
    *start = r->pos;
    int any = 0;
    for (;;) {
        if (r->outpos == r->outlen) {
            if (r->out_eof)
                break;
            int rc = fill(ctx, r);
            if (rc != OVL_OK)
                return rc;
            continue;
        }
        any = 1;
        const unsigned char *p = r->out + r->outpos;
        size_t avail = r->outlen - r->outpos;
        const unsigned char *nl = memchr(p, '\n', avail);
        size_t take = nl ? (size_t)(nl - p) : avail;
        if (r->linesize + take <= OVL_MAX_INPUT_BYTES) {
            if (ovl__grow(&r->line, &r->linecap, r->linelen + take + 1, 1) != 0)
                return fatal(ctx, r, OVL_ERR_NOMEM, -1, NULL);
            memcpy(r->line + r->linelen, p, take);
            r->linelen += take;
        }
        r->linesize += take;
        r->outpos += take + (nl != NULL);
        r->pos += take + (nl != NULL);
        if (nl)
            break;
    }
    if (!any)
        return 0;
    r->lineno++;
    if (r->line)
        r->line[r->linelen] = '\0';
    return 1;
}

int ovl_jsonl_next(ovl_ctx *ctx, ovl_jsonl *r, ovl_jsonl_record *rec)
{
    if (!r || !rec)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_jsonl_next: NULL argument");
    ovl__jrec_clear(&r->cur);
    memset(rec, 0, sizeof *rec);
    for (;;) {
        if (r->err)
            return ovl__fail(ctx, r->err, r->erroff, "%s", r->errmsg);
        uint64_t start;
        int got = read_line(ctx, r, &start);
        if (got <= 0)
            return got;
        if (r->linesize > OVL_MAX_INPUT_BYTES)
            return ovl__fail(ctx, OVL_ERR_TOOBIG, (int64_t)start,
                             "line %" PRIu64 ": %" PRIu64 " bytes, more than a document may have",
                             r->lineno, r->linesize);
        if (ovl__jsonl_blank(r->line, r->linelen))
            continue;
        int rc = ovl__jsonl_parse(ctx, r->line, r->linelen, r->lineno, start, r->text_field,
                                  r->id_field, &r->cur);
        if (rc == OVL_ERR_NOMEM)
            return fatal(ctx, r, rc, -1, NULL);
        if (rc != OVL_OK)
            return rc;
        rec->line = r->lineno;
        rec->offset = start;
        rec->length = r->linesize;
        rec->id = r->cur.id;
        rec->has_id = r->cur.has_id;
        rec->text = r->cur.text;
        rec->text_len = r->cur.text_len;
        return 1;
    }
}

int ovl_jsonl_find(ovl_ctx *ctx, const char *path, int kind, const ovl_jsonl_opts *opts,
                   const char *id, char **text, size_t *len)
{
    if (!path || !id || !text || !len)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_jsonl_find: NULL argument");
    *text = NULL;
    *len = 0;
    ovl_jsonl *r = NULL;
    int rc = ovl_jsonl_open(ctx, path, kind, opts, &r);
    if (rc != OVL_OK)
        return rc;
    ovl_jsonl_record rec;
    for (;;) {
        rc = ovl_jsonl_next(ctx, r, &rec);
        if (rc == OVL_ERR_DECODE || rc == OVL_ERR_TOOBIG) {
            ovl_ctx_clear(ctx); /* a bad record is not the one asked for */
            continue;
        }
        if (rc < 0)
            break;
        if (rc == 0) {
            rc = ovl__fail(ctx, OVL_ERR_NOTFOUND, -1, "no record with id \"%s\"", id);
            break;
        }
        if (strcmp(rec.id, id) != 0)
            continue;
        if (!(*text = malloc(rec.text_len + 1))) {
            rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
            break;
        }
        memcpy(*text, rec.text, rec.text_len + 1);
        *len = rec.text_len;
        rc = OVL_OK;
        break;
    }
    ovl_jsonl_close(r);
    return rc;
}
