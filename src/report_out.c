/* report_out.c - the buffered writer every report format writes through, and the character helpers they share. */
#include "report_int.h"

#include <stdio.h>

/* ---- buffered output ---------------------------------------------------------------- */

void ovl__out_init(ovl__out *o, ovl_write_fn sink, void *userdata)
{
    o->sink = sink;
    o->userdata = userdata;
    o->err = OVL_OK;
    o->len = 0;
}

int ovl__out_flush(ovl__out *o)
{
    if (o->err == OVL_OK && o->len > 0 && o->sink(o->userdata, o->buf, o->len) != 0)
        o->err = OVL_ERR_WRITE;
    o->len = 0;
    return o->err;
}

void ovl__out_put(ovl__out *o, const void *data, size_t len)
{
    const char *p = data;
    if (o->err != OVL_OK)
        return;
    while (len > 0) {
        if (o->len == sizeof o->buf && ovl__out_flush(o) != OVL_OK)
            return;
        size_t k = sizeof o->buf - o->len;
        if (k > len)
            k = len;
        memcpy(o->buf + o->len, p, k);
        o->len += k;
        p += k;
        len -= k;
    }
}

void ovl__out_puts(ovl__out *o, const char *s) { ovl__out_put(o, s, strlen(s)); }

void ovl__out_printf(ovl__out *o, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    /* Only short, fixed-shape lines go through here; longer strings use ovl__out_put. */
    ovl__out_put(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void ovl__out_cp(ovl__out *o, uint32_t cp)
{
    char b[4];
    ovl__out_put(o, b, ovl__utf8_put(cp, b));
}

/* ---- characters ------------------------------------------------------------------------ */

int ovl__report_space(uint32_t cp)
{
    switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0x85: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
        return 1;
    default:
        return cp >= 0x2000 && cp <= 0x200A;
    }
}

uint32_t ovl__report_visible(uint32_t cp)
{
    if (cp == 0x09 || cp == 0x0A)
        return cp;
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || (cp >= 0xD800 && cp < 0xE000) || cp > 0x10FFFF)
        return 0xFFFD;
    return cp;
}

/* Each byte that does not start a well-formed sequence becomes
 * U+FFFD, so labels (file names are bytes) can always go into JSON and HTML. */
char *ovl__utf8_clean(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n * 3 + 1);
    if (!out)
        return NULL;
    size_t i = 0, k = 0;
    const unsigned char *u = (const unsigned char *)s;
    while (i < n) {
        unsigned c = u[i];
        size_t len = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3
                     : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
        int ok = len > 0 && i + len <= n;
        for (size_t j = 1; ok && j < len; j++)
            ok = (u[i + j] & 0xC0) == 0x80;
        if (ok && len == 3) {
            unsigned c1 = u[i + 1];
            ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
        } else if (ok && len == 4) {
            unsigned c1 = u[i + 1];
            ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
        }
        if (ok) {
            memcpy(out + k, s + i, len);
            k += len;
            i += len;
        } else {
            k += ovl__utf8_put(0xFFFD, out + k);
            i++;
        }
    }
    out[k] = '\0';
    return out;
}

