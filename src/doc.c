/* doc.c - one document through decode, normalize and segment; the unit later stages consume. */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

int ovl__doc_opts_resolve(ovl_ctx *ctx, const ovl_doc_opts *opts, ovl_doc_opts *out, const char *who)
{
    static const ovl_doc_opts defaults = OVL_DOC_OPTS_INIT;
    *out = defaults;
    if (!opts)
        return OVL_OK;
    if (opts->version == 1)
        memcpy(out, opts, offsetof(ovl_doc_opts, max_bytes)); /* the shorter version 1 */
    else if (opts->version == OVL_DOC_OPTS_VERSION)
        *out = *opts;
    else
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "%s %u", who, opts->version);
    out->version = OVL_DOC_OPTS_VERSION;
    return OVL_OK;
}

/* OVL_ERR_TOOBIG when len bytes exceed the options' limit. */
static int check_size(ovl_ctx *ctx, uint64_t len, const ovl_doc_opts *o)
{
    if (o->max_bytes && len > o->max_bytes)
        return ovl__fail(ctx, OVL_ERR_TOOBIG, -1,
                         "input of %" PRIu64 " bytes exceeds the limit of %" PRIu64
                         " bytes for one document",
                         len, o->max_bytes);
    return OVL_OK;
}

/* ovl_doc_from_bytes; owned, when not NULL, is the caller's buffer holding bytes, freed as
 * soon as the bytes are decoded (a large file's bytes are not kept while it is normalized)
 * and in every case before returning. */
static int doc_build(ovl_ctx *ctx, const char *name, const void *bytes, size_t len,
                     const ovl_doc_opts *opts, unsigned parts, ovl_doc **out, void *owned)
{
    int rc = OVL_OK;
    ovl_doc *d = NULL;
    ovl_doc_opts o;
    if (!out)
        rc = ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_doc_from_bytes: NULL argument");
    else
        *out = NULL;
    if (rc == OVL_OK)
        rc = ovl__doc_opts_resolve(ctx, opts, &o, "ovl_doc: unknown options version");
    opts = &o;
    if (rc == OVL_OK)
        rc = check_size(ctx, len, opts);
    if (rc == OVL_OK && !(d = calloc(1, sizeof *d)))
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    if (rc == OVL_OK && !(d->name = strdup(name ? name : "")))
        rc = ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    if (rc == OVL_OK)
        rc = ovl_decode(ctx, bytes, len, &opts->decode, &d->text);
    free(owned);
    /* Segmenting reads a 32-bit copy of the text, made and freed by the call: before the
     * tokens exist, so the two never add up. */
    if (rc == OVL_OK)
        rc = ovl__segment(ctx, d->text, &opts->segment, parts, &d->segs);
    if (rc == OVL_OK)
        rc = ovl_normalize(ctx, d->text, &opts->norm, &d->norm);
    if (rc != OVL_OK) {
        ovl_doc_free(d);
        return rc;
    }
    *out = d;
    return OVL_OK;
}

int ovl_doc_from_bytes(ovl_ctx *ctx, const char *name, const void *bytes, size_t len,
                       const ovl_doc_opts *opts, ovl_doc **out)
{
    return doc_build(ctx, name, bytes, len, opts, OVL__SEG_ALL, out, NULL);
}

int ovl__doc_from_bytes(ovl_ctx *ctx, const char *name, const void *bytes, size_t len,
                        const ovl_doc_opts *opts, unsigned parts, ovl_doc **out)
{
    return doc_build(ctx, name, bytes, len, opts, parts, out, NULL);
}

int ovl_read_file(ovl_ctx *ctx, const char *path, void **bytes, size_t *len)
{
    if (!path || !bytes || !len)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_read_file: NULL argument");
    *bytes = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return ovl__fail(ctx, OVL_ERR_IO, -1, "%s", strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    int rc = buf ? OVL_OK : ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    while (rc == OVL_OK) {
        if (n == cap) {
            char *nb = cap <= OVL_MAX_INPUT_BYTES ? realloc(buf, cap * 2) : NULL;
            if (!nb) {
                rc = cap > OVL_MAX_INPUT_BYTES
                         ? ovl__fail(ctx, OVL_ERR_TOOBIG, -1, "file exceeds the 4 GiB limit")
                         : ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (rc == OVL_OK && ferror(f))
        rc = ovl__fail(ctx, OVL_ERR_IO, -1, "%s", strerror(errno ? errno : EIO));
    fclose(f);
    if (rc != OVL_OK) {
        free(buf);
        return rc;
    }
    *bytes = buf;
    *len = n;
    return OVL_OK;
}

int ovl_doc_from_file(ovl_ctx *ctx, const char *path, const ovl_doc_opts *opts, ovl_doc **out)
{
    if (!path || !out)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_doc_from_file: NULL argument");
    *out = NULL;
    ovl_doc_opts o;
    int rc = ovl__doc_opts_resolve(ctx, opts, &o, "ovl_doc: unknown options version");
    if (rc != OVL_OK)
        return rc;
    struct stat sb;
    /* A regular file is measured before it is read: a huge one is refused without its bytes
     * ever being held. Others (pipes) are checked once read. */
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (rc = check_size(ctx, (uint64_t)sb.st_size, &o)) != OVL_OK)
        return rc;
    void *buf = NULL;
    size_t len = 0;
    rc = ovl_read_file(ctx, path, &buf, &len);
    if (rc != OVL_OK)
        return rc;
    return doc_build(ctx, path, buf, len, &o, OVL__SEG_ALL, out, buf);
}

void ovl_doc_free(ovl_doc *d)
{
    if (!d)
        return;
    free(d->name);
    ovl_text_free(d->text);
    ovl_norm_free(d->norm);
    ovl_segments_free(d->segs);
    free(d);
}

const char *ovl_doc_name(const ovl_doc *d) { return d->name; }
const ovl_text *ovl_doc_text(const ovl_doc *d) { return d->text; }
const ovl_norm *ovl_doc_norm(const ovl_doc *d) { return d->norm; }
const ovl_segments *ovl_doc_segments(const ovl_doc *d) { return d->segs; }

static size_t cps_bytes(const ovl_cps *a, size_t n) { return n * a->width + a->xcap * sizeof *a->x; }

size_t ovl__doc_bytes(const ovl_doc *d)
{
    const ovl_text *t = d->text;
    const ovl_norm *nm = d->norm;
    const ovl_segments *sg = d->segs;
    size_t b = sizeof *d + strlen(d->name) + 1 + sizeof *t + sizeof *nm + sizeof *sg;
    b += cps_bytes(&t->chars, t->n) + t->nlines * sizeof *t->lines;
    b += t->bytes ? (t->n + 1) * sizeof *t->bytes
                  : (t->n + 1) + (t->n / OVL_TEXT_BLOCK + 1) * sizeof *t->bbase;
    b += nm->ntokens * sizeof *nm->tokens + cps_bytes(&nm->chars, nm->nchars);
    b += (nm->ntokens / OVL__TOK_BLOCK + 1) * sizeof *nm->nbase + nm->nlong * sizeof *nm->longs;
    if (atomic_load(&((ovl_norm *)nm)->pub))
        b += nm->ntokens * sizeof(ovl_token);
    b += (sg->npara + sg->nsent + sg->nhead + sg->nquote) * sizeof(ovl_range);
    if (atomic_load(&((ovl_text *)t)->wide))
        b += t->n * sizeof(uint32_t);
    if (atomic_load(&((ovl_norm *)nm)->wide))
        b += nm->nchars * sizeof(uint32_t);
    return b;
}
