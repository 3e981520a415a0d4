/* fuzz_align.c - fuzz target: two documents cut from one input are aligned; every passage lies in both documents, agrees with their tokens and offsets, and its edit script covers it exactly. */
#include <stdlib.h>
#include <string.h>
#include "overlap.h"
#include "fuzz.h"

unsigned long ovl_fuzz_accepted;

/* A span agrees with its document: tokens, characters, bytes and lines in bounds and
 * consistent with each other. */
static void check_span(const ovl_doc *d, const ovl_span *s)
{
    const ovl_text *t = ovl_doc_text(d);
    const ovl_norm *n = ovl_doc_norm(d);
    const ovl_token *tok = ovl_norm_tokens(n);
    size_t nt = ovl_norm_count(n), len = ovl_text_length(t);
    if (s->tok_start >= s->tok_end || s->tok_end > nt)
        abort();
    if (s->char_start != tok[s->tok_start].char_start || s->char_end != tok[s->tok_end - 1].char_end)
        abort();
    if (s->char_start >= s->char_end || s->char_end > len)
        abort();
    if (s->byte_start != ovl_text_byte(t, s->char_start) || s->byte_end != ovl_text_byte(t, s->char_end) ||
        s->byte_start >= s->byte_end || s->byte_end > ovl_text_size(t))
        abort();
    if (s->line_start < 1 || s->line_start > s->line_end || s->line_end > ovl_text_line_count(t))
        abort();
}

/* The edit script of a passage turns exactly its a tokens into its b tokens. */
static void check_diff(const ovl_doc *a, const ovl_doc *b, const ovl_passage *p)
{
    ovl_edit *e = NULL;
    size_t ne = 0;
    if (ovl_diff(NULL, a, p->a.tok_start, p->a.tok_end, b, p->b.tok_start, p->b.tok_end, &e, &ne) != OVL_OK)
        abort();
    uint32_t ia = p->a.tok_start, ib = p->b.tok_start;
    const ovl_token *ta = ovl_norm_tokens(ovl_doc_norm(a)), *tb = ovl_norm_tokens(ovl_doc_norm(b));
    for (size_t i = 0; i < ne; i++) {
        if (e[i].a_start != ia || e[i].b_start != ib || e[i].a_end < e[i].a_start || e[i].b_end < e[i].b_start)
            abort();
        if (e[i].op == OVL_EDIT_EQUAL) {
            if (e[i].a_end - e[i].a_start != e[i].b_end - e[i].b_start)
                abort();
            for (uint32_t k = 0; k < e[i].a_end - e[i].a_start; k++)
                if (ta[ia + k].hash != tb[ib + k].hash)
                    abort();
        } else if ((e[i].op == OVL_EDIT_DELETE && e[i].b_end != e[i].b_start) ||
                   (e[i].op == OVL_EDIT_INSERT && e[i].a_end != e[i].a_start) || e[i].op > OVL_EDIT_INSERT) {
            abort();
        }
        ia = e[i].a_end;
        ib = e[i].b_end;
    }
    if (ia != p->a.tok_end || ib != p->b.tok_end)
        abort();
    free(e);
}

/* Input: one byte of options, then document a, then (after the first "\n==\n", or else from
 * the middle on) document b. */
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned flags = data[0];
    data++;
    size--;
    const unsigned char *sep = NULL;
    for (size_t i = 0; i + 4 <= size && !sep; i++)
        if (memcmp(data + i, "\n==\n", 4) == 0)
            sep = data + i;
    size_t la = sep ? (size_t)(sep - data) : size / 2;
    const unsigned char *pb = sep ? sep + 4 : data + la;
    size_t lb = size - (size_t)(pb - data);
    if (flags & 0x40) { /* a document against itself */
        pb = data;
        lb = la;
    }
    ovl_doc_opts d = OVL_DOC_OPTS_INIT;
    d.decode.lenient = 1;
    d.norm.fold_traditional = !(flags & 0x80);
    ovl_doc *a = NULL, *b = NULL;
    if (ovl_doc_from_bytes(NULL, "a", data, la, &d, &a) != OVL_OK ||
        ovl_doc_from_bytes(NULL, "b", pb, lb, &d, &b) != OVL_OK) {
        ovl_doc_free(a);
        return 0;
    }
    ovl_fuzz_accepted++;
    ovl_align_opts o = OVL_ALIGN_OPTS_INIT;
    /* Small passages, so short inputs produce some. */
    o.min_words = 1 + (flags & 3);
    o.min_cjk = 1 + ((flags >> 2) & 3) * 3;
    o.seed_len = (flags >> 4) & 3;
    ovl_passage *ps = NULL;
    size_t np = 0;
    if (ovl_align(NULL, a, b, &o, &ps, &np) != OVL_OK)
        abort();
    for (size_t i = 0; i < np; i++) {
        const ovl_passage *p = &ps[i];
        check_span(a, &p->a);
        check_span(b, &p->b);
        if (!(p->similarity >= 0.0 && p->similarity <= 1.0) || (p->moved != 0 && p->moved != 1))
            abort();
        if (i > 0 && (ps[i - 1].a.char_start > p->a.char_start ||
                      (ps[i - 1].a.char_start == p->a.char_start && ps[i - 1].b.char_start > p->b.char_start)))
            abort();
        check_diff(a, b, p);
    }
    free(ps);
    ovl_doc_free(a);
    ovl_doc_free(b);
    return 0;
}
