/* common.c - error codes, the error context and small helpers used by every stage. */
#include "internal.h"

#include <stdio.h>

const char *ovl_version(void) { return OVL_VERSION_STRING; }

const char *ovl_strerror(int err)
{
    switch (err) {
    case OVL_OK: return "success";
    case OVL_ERR_NOMEM: return "out of memory";
    case OVL_ERR_INVALID: return "invalid argument";
    case OVL_ERR_IO: return "input/output error";
    case OVL_ERR_DECODE: return "invalid byte sequence";
    case OVL_ERR_BINARY: return "binary input";
    case OVL_ERR_ENCODING: return "unsupported encoding";
    case OVL_ERR_TOOBIG: return "input too large";
    case OVL_ERR_DB: return "index database error";
    case OVL_ERR_MISMATCH: return "parameter or schema mismatch";
    case OVL_ERR_CORRUPT: return "corrupt or foreign index";
    case OVL_ERR_NOTFOUND: return "not found";
    case OVL_ERR_WRITE: return "output error";
    default: return "unknown error";
    }
}

ovl_ctx *ovl_ctx_new(void)
{
    ovl_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx)
        ctx->offset = -1;
    return ctx;
}

void ovl_ctx_free(ovl_ctx *ctx)
{
    if (ctx && ctx->align_scratch_free)
        ctx->align_scratch_free(ctx->align_scratch);
    free(ctx);
}
const char *ovl_ctx_message(const ovl_ctx *ctx) { return ctx ? ctx->message : ""; }
int64_t ovl_ctx_offset(const ovl_ctx *ctx) { return ctx ? ctx->offset : -1; }
int ovl_ctx_code(const ovl_ctx *ctx) { return ctx ? ctx->code : OVL_OK; }

void ovl_ctx_clear(ovl_ctx *ctx)
{
    if (!ctx)
        return;
    ctx->code = OVL_OK;
    ctx->offset = -1;
    ctx->message[0] = '\0';
}

int ovl__fail(ovl_ctx *ctx, int code, int64_t offset, const char *fmt, ...)
{
    if (!ctx)
        return code;
    ctx->code = code;
    ctx->offset = offset;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->message, sizeof ctx->message, fmt, ap);
        va_end(ap);
    } else {
        snprintf(ctx->message, sizeof ctx->message, "%s", ovl_strerror(code));
    }
    return code;
}

int ovl__grow(void *pp, size_t *cap, size_t need, size_t sz)
{
    void **p = pp;
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / sz)
            return -1;
        ncap *= 2;
    }
    void *np = realloc(*p, ncap * sz);
    if (!np)
        return -1;
    *p = np;
    *cap = ncap;
    return 0;
}

size_t ovl_utf8_encode(uint32_t cp, char *out) { return ovl__utf8_put(cp, out); }

size_t ovl__utf8_put(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

int ovl__sink_stopped(ovl_ctx *ctx)
{
    if (ctx && ctx->code == OVL_ERR_NOMEM)
        return OVL_ERR_NOMEM;
    return ovl__fail(ctx, OVL_ERR_WRITE, -1, "the result sink stopped the scan");
}
