/* fuzz_report.c - fuzz target: the report writers (text, JSON, JSONL, HTML) on hostile document text and names: JSON parses and keeps the names, HTML holds no markup from them, text carries no terminal controls. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "overlap.h"
#include "fuzz.h"

unsigned long ovl_fuzz_accepted;

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static int put(void *ud, const void *data, size_t len)
{
    buf *b = ud;
    if (b->len + len + 1 > b->cap) {
        b->cap = (b->len + len + 1) * 2;
        if (!(b->p = realloc(b->p, b->cap)))
            abort();
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
    b->p[b->len] = '\0';
    return 0;
}

static size_t count(const char *s, size_t len, const char *w)
{
    size_t n = 0, wl = strlen(w);
    for (size_t i = 0; i + wl <= len; i++)
        if (memcmp(s + i, w, wl) == 0)
            n++;
    return n;
}

/* A name the writers keep as it is: valid UTF-8 without control characters. */
static int plain_name(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p >= 0x80 || *p == 0x7F)
            return 0;
    return 1;
}

/* Input: one byte of options, then four parts separated by 0x01: name a, name b, text a,
 * text b (missing parts are empty). */
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned flags = data[0];
    const unsigned char *part[4] = {data + 1, data + 1, data + 1, data + 1};
    size_t plen[4] = {0, 0, 0, 0};
    size_t k = 0, start = 1;
    for (size_t i = 1; i <= size && k < 4; i++)
        if (i == size || (data[i] == 0x01 && k < 3)) {
            part[k] = data + start;
            plen[k++] = i - start;
            start = i + 1;
        }
    char *name[2];
    for (int s = 0; s < 2; s++) {
        name[s] = malloc(plen[s] + 1);
        if (!name[s])
            abort();
        memcpy(name[s], part[s], plen[s]);
        name[s][plen[s]] = '\0'; /* a NUL inside ends the name, as for any C string */
    }
    ovl_doc_opts d = OVL_DOC_OPTS_INIT;
    d.decode.lenient = 1;
    ovl_doc *doc[2] = {NULL, NULL};
    if (ovl_doc_from_bytes(NULL, name[0], part[2], plen[2], &d, &doc[0]) != OVL_OK ||
        ovl_doc_from_bytes(NULL, name[1], part[3], plen[3], &d, &doc[1]) != OVL_OK)
        goto out;
    ovl_fuzz_accepted++;
    ovl_align_opts ao = OVL_ALIGN_OPTS_INIT;
    ao.min_words = 2;
    ao.min_cjk = 4;
    ovl_passage *ps = NULL;
    size_t np = 0;
    if (ovl_align(NULL, doc[0], doc[1], &ao, &ps, &np) != OVL_OK)
        abort();
    ovl_report *r = ovl_report_new();
    if (!r || ovl_report_add_doc(r, doc[0], name[0]) != 0 || ovl_report_add_doc(r, doc[1], name[1]) != 1 ||
        ovl_report_add_passages(r, 0, 1, ps, np) != OVL_OK)
        abort();
    static const int formats[4] = {OVL_FORMAT_TEXT, OVL_FORMAT_JSON, OVL_FORMAT_JSONL, OVL_FORMAT_HTML};
    ovl_report_opts o = OVL_REPORT_OPTS_INIT;
    o.format = formats[flags & 3];
    o.exclude_quotes = (flags >> 2) & 1;
    o.exclude_refs = (flags >> 3) & 1;
    o.max_context = (flags & 0x10) ? 40 : 0;
    buf out = {NULL, 0, 0};
    if (ovl_report_write(NULL, r, &o, put, &out) != OVL_OK)
        abort();
    for (int s = 0; s < 2; s++) {
        ovl_doc_stats st;
        if (ovl_report_doc_stats(r, s, &o, &st) != OVL_OK || st.reused_chars > st.chars ||
            st.counted_reused > st.counted_chars || st.counted_chars > st.chars)
            abort();
    }
    const char *text = out.p ? out.p : "";
    if (o.format == OVL_FORMAT_JSON) {
        json_error_t e;
        json_t *root = json_loadb(text, out.len, 0, &e);
        json_t *docs = json_object_get(root, "documents");
        if (!root || json_array_size(docs) != 2)
            abort();
        for (int s = 0; s < 2; s++) {
            const char *path = json_string_value(json_object_get(json_array_get(docs, (size_t)s), "path"));
            if (!path || (plain_name(name[s]) && strcmp(path, name[s]) != 0))
                abort();
        }
        json_decref(root);
    } else if (o.format == OVL_FORMAT_JSONL) {
        /* One JSON value per line. */
        for (const char *l = text; *l;) {
            const char *nl = strchr(l, '\n');
            size_t n = nl ? (size_t)(nl - l) : strlen(l);
            json_error_t e;
            json_t *v = json_loadb(l, n, 0, &e);
            if (!v)
                abort();
            json_decref(v);
            l += n + (nl != NULL);
        }
    } else if (o.format == OVL_FORMAT_HTML) {
        /* The report's own script and nothing else: names and text never become markup. */
        if (count(text, out.len, "<script") != 1 || count(text, out.len, "</script") != 1 ||
            count(text, out.len, "<style") != 1 || count(text, out.len, "<iframe") != 0 ||
            count(text, out.len, "<img") != 0)
            abort();
    } else {
        /* Without colours no control character reaches the terminal. */
        for (size_t i = 0; i < out.len; i++) {
            unsigned char c = (unsigned char)text[i];
            if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F)
                abort();
        }
    }
    free(out.p);
    ovl_report_free(r);
    free(ps);
out:
    ovl_doc_free(doc[0]);
    ovl_doc_free(doc[1]);
    free(name[0]);
    free(name[1]);
    return 0;
}
