/* overlap/common.h - version, error codes and the error context shared by every stage. */
#ifndef OVERLAP_COMMON_H
#define OVERLAP_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* OVL_API goes before every function declared in a public header: liboverlap is compiled with
 * hidden visibility (-fvisibility=hidden) and OVL_BUILDING defined, so only what carries
 * OVL_API is exported from liboverlap.so; everything else (the internal ovl__ functions and
 * tables) stays private to it. For programs using the library it expands to nothing.
 * Usage: OVL_API int ovl_example(ovl_ctx *ctx, ...); tests/cli/install.sh checks that the
 * functions liboverlap.so exports are exactly those declared with OVL_API. */
#if defined(OVL_BUILDING) && defined(__GNUC__)
#define OVL_API __attribute__((visibility("default")))
#else
#define OVL_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define OVL_VERSION_MAJOR 0
#define OVL_VERSION_MINOR 1
#define OVL_VERSION_PATCH 0
#define OVL_VERSION_STRING "0.1.0"

/* Stable error codes: values never change once released. Every function that can fail
 * returns OVL_OK (0) or one of these, and leaves a detail message in its ovl_ctx. */
typedef enum ovl_error {
    OVL_OK = 0,
    OVL_ERR_NOMEM = -1,     /* allocation failed */
    OVL_ERR_INVALID = -2,   /* bad argument or option value */
    OVL_ERR_IO = -3,        /* reading or writing a file failed */
    OVL_ERR_DECODE = -4,    /* invalid byte sequence under the chosen encoding */
    OVL_ERR_BINARY = -5,    /* input looks binary (NUL bytes) */
    OVL_ERR_ENCODING = -6,  /* unknown or unsupported encoding name */
    OVL_ERR_TOOBIG = -7,    /* input exceeds a documented size limit */
    OVL_ERR_DB = -8,        /* the index database reported an error */
    OVL_ERR_MISMATCH = -9,  /* stored parameters or schema differ from the requested ones */
    OVL_ERR_CORRUPT = -10,  /* a stored file is damaged or not an overlap index */
    OVL_ERR_NOTFOUND = -11, /* the named item does not exist */
    OVL_ERR_WRITE = -12     /* an output sink refused data */
} ovl_error;

/* Short, static, English description of an error code; never NULL. */
OVL_API const char *ovl_strerror(int err);

/* Library version string, e.g. "0.1.0"; static storage. */
OVL_API const char *ovl_version(void);

/* The cores this process may run on: its CPU affinity where the system tells (under taskset,
 * in a container given a few cores, as an MPI rank bound to its core), else the online
 * ones; at least 1. What a threads option of 0 means. */
OVL_API unsigned ovl_cores(void);

/* Error context: holds the detail of the last error of the calls it was passed to.
 * Allocate one per thread; a context is not safe for concurrent use. */
typedef struct ovl_ctx ovl_ctx;

/* Returns a new context or NULL when out of memory. Free with ovl_ctx_free. */
OVL_API ovl_ctx *ovl_ctx_new(void);
/* Frees a context; NULL is accepted. */
OVL_API void ovl_ctx_free(ovl_ctx *ctx);
/* Detail message of the last error ("" when none); valid until the next call using ctx.
 * Decode errors read like "byte 17: invalid GB18030 sequence". */
OVL_API const char *ovl_ctx_message(const ovl_ctx *ctx);
/* Byte offset the last error refers to, or -1 when it has none. */
OVL_API int64_t ovl_ctx_offset(const ovl_ctx *ctx);
/* Code of the last error (OVL_OK when none). */
OVL_API int ovl_ctx_code(const ovl_ctx *ctx);
/* Forgets the last error. */
OVL_API void ovl_ctx_clear(ovl_ctx *ctx);

/* Writes the UTF-8 encoding of code point cp (at most 0x10FFFF; surrogates are written as
 * they are) to out, which has room for 4 bytes; returns the number of bytes written. */
OVL_API size_t ovl_utf8_encode(uint32_t cp, char *out);

/* Output sink used by writers: called with successive chunks; returns 0 on success,
 * non-zero to abort the writer (which then returns OVL_ERR_WRITE). */
typedef int (*ovl_write_fn)(void *userdata, const void *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif
