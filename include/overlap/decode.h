/* overlap/decode.h - bytes in any common encoding to code points, with a map back to bytes and lines. */
#ifndef OVERLAP_DECODE_H
#define OVERLAP_DECODE_H

#include "overlap/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OVL_DECODE_OPTS_VERSION 1
typedef struct ovl_decode_opts {
    unsigned version;     /* OVL_DECODE_OPTS_VERSION */
    const char *encoding; /* NULL: detect (see ovl_detect_encoding); else any iconv name */
    int lenient;          /* 0: invalid bytes are an error; 1: replace each bad sequence by U+FFFD */
} ovl_decode_opts;
#define OVL_DECODE_OPTS_INIT {OVL_DECODE_OPTS_VERSION, NULL, 0}

/* Decoded text: code points, each with the byte offset it came from and its line.
 * Immutable once built; safe to read from several threads. */
typedef struct ovl_text ovl_text;

/* Largest input ovl_decode accepts (offsets are stored in 32 bits). */
#define OVL_MAX_INPUT_BYTES 0xFFFFFFF0u

/* Decodes len bytes (not retained; the caller keeps ownership). opts may be NULL for
 * defaults. On success *out is a new text the caller frees with ovl_text_free.
 * Errors: OVL_ERR_BINARY (NUL bytes in the first 8 KiB, offset of the first one),
 * OVL_ERR_DECODE (offset of the first invalid sequence; when a legacy encoding was detected
 * and libuchardet's guess differs, the detail ends "(not valid in any encoding tried; it looks
 * most like NAME)"), OVL_ERR_ENCODING, OVL_ERR_TOOBIG,
 * OVL_ERR_NOMEM. A leading BOM is consumed and is not a character. Line breaks are
 * LF, CR LF, or a lone CR. */
OVL_API int ovl_decode(ovl_ctx *ctx, const void *bytes, size_t len, const ovl_decode_opts *opts,
                       ovl_text **out);

/* Guesses the encoding of bytes without decoding them: "UTF-8", "UTF-8-BOM", "UTF-16LE",
 * "UTF-16BE" (with a BOM, or without one when NUL bytes sit on one side of nearly every
 * character, or on one side and nearly every 16-bit unit is a letter of a common script),
 * "WINDOWS-1252"/"ISO-8859-1" (sparse accented letters), "GB18030" or "BIG5" (own
 * statistics), or what libuchardet recognizes, when the bytes are valid in it: "SHIFT_JIS"
 * (or "CP932"), "EUC-JP", "EUC-KR" (or "CP949"), single-byte Latin, Cyrillic, Greek, ...
 * encodings ("WINDOWS-1252", "ISO-8859-2", "WINDOWS-1251", "KOI8-R", ...). Static storage. */
OVL_API const char *ovl_detect_encoding(const void *bytes, size_t len);

OVL_API void ovl_text_free(ovl_text *text);                   /* NULL accepted */
OVL_API size_t ovl_text_length(const ovl_text *text);         /* number of code points */
/* Code point i (0 when i >= length). A text keeps its code points 1 byte each when nearly all
 * are in Latin-1 and 2 when nearly all are in the BMP: reading them one by one costs nothing
 * more. */
OVL_API uint32_t ovl_text_char(const ovl_text *text, size_t i);
/* All code points as one 32-bit array, owned by text: made on the first call (4 more bytes
 * per code point, kept until the text is freed; thread-safe), NULL when out of memory. */
OVL_API const uint32_t *ovl_text_chars(const ovl_text *text);
/* Byte offset in the original input of code point i; i == length gives the input size. */
OVL_API uint64_t ovl_text_byte(const ovl_text *text, size_t i);
/* 1-based line of code point i (i == length gives the last line). */
OVL_API uint32_t ovl_text_line(const ovl_text *text, size_t i);
OVL_API uint32_t ovl_text_line_count(const ovl_text *text);
OVL_API uint64_t ovl_text_size(const ovl_text *text);         /* input size in bytes */
OVL_API const char *ovl_text_encoding(const ovl_text *text);  /* name used, e.g. "GB18030" */
OVL_API size_t ovl_text_replaced(const ovl_text *text);       /* U+FFFD substitutions (lenient mode) */

/* Appends the UTF-8 encoding of code points [start, end) to a malloc'd, NUL-terminated
 * string the caller frees with free(); NULL when out of memory. */
OVL_API char *ovl_text_utf8(const ovl_text *text, size_t start, size_t end);

#ifdef __cplusplus
}
#endif
#endif
