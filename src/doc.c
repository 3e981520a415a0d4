/* doc.c - one document through decode, normalize and segment; the unit later stages consume. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>

int ovl_doc_from_bytes(ovl_ctx *ctx, const char *name, const void *bytes, size_t len,
                       const ovl_doc_opts *opts, ovl_doc **out)
{
    static const ovl_doc_opts defaults = OVL_DOC_OPTS_INIT;
    if (!out)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_doc_from_bytes: NULL argument");
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (opts->version != OVL_DOC_OPTS_VERSION)
        return ovl__fail(ctx, OVL_ERR_INVALID, -1, "ovl_doc: unknown options version %u", opts->version);
    ovl_doc *d = calloc(1, sizeof *d);
    if (!d)
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    d->name = strdup(name ? name : "");
    if (!d->name) {
        ovl_doc_free(d);
        return ovl__fail(ctx, OVL_ERR_NOMEM, -1, NULL);
    }
    int rc = ovl_decode(ctx, bytes, len, &opts->decode, &d->text);
    if (rc == OVL_OK)
        rc = ovl_normalize(ctx, d->text, &opts->norm, &d->norm);
    if (rc == OVL_OK)
        rc = ovl_segment(ctx, d->text, &opts->segment, &d->segs);
    if (rc != OVL_OK) {
        ovl_doc_free(d);
        return rc;
    }
    *out = d;
    return OVL_OK;
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
    void *buf = NULL;
    size_t len = 0;
    int rc = ovl_read_file(ctx, path, &buf, &len);
    if (rc != OVL_OK)
        return rc;
    rc = ovl_doc_from_bytes(ctx, path, buf, len, opts, out);
    free(buf);
    return rc;
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
