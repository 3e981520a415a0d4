/* lib_compare.c - the README's example: two files compared through liboverlap's public API. */
#include <overlap.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s A B\n", argv[0]);
        return 2;
    }
    ovl_ctx *ctx = ovl_ctx_new(); /* holds the detail of the last error */
    if (!ctx)
        return 2;
    ovl_doc *a = NULL, *b = NULL;
    ovl_passage *ps = NULL;
    size_t n = 0;
    int rc = ovl_doc_from_file(ctx, argv[1], NULL, &a); /* NULL options: the defaults */
    if (rc == OVL_OK)
        rc = ovl_doc_from_file(ctx, argv[2], NULL, &b);
    if (rc == OVL_OK)
        rc = ovl_align(ctx, a, b, NULL, &ps, &n);
    if (rc != OVL_OK)
        fprintf(stderr, "%s: %s\n", ovl_strerror(rc), ovl_ctx_message(ctx));
    for (size_t i = 0; i < n; i++) {
        const ovl_span *sa = &ps[i].a, *sb = &ps[i].b;
        size_t end = sa->char_end - sa->char_start > 10 ? sa->char_start + 10 : sa->char_end;
        char *start = ovl_text_utf8(ovl_doc_text(a), sa->char_start, end); /* ours to free */
        printf("A lines %u-%u ~ B lines %u-%u, similarity %.2f%s: %s...\n",
               (unsigned)sa->line_start, (unsigned)sa->line_end, (unsigned)sb->line_start,
               (unsigned)sb->line_end, ps[i].similarity, ps[i].moved ? " (moved)" : "",
               start ? start : "");
        free(start);
    }
    free(ps); /* a plain malloc'd array; each handle type has its own _free */
    ovl_doc_free(b);
    ovl_doc_free(a);
    ovl_ctx_free(ctx);
    return rc != OVL_OK ? 2 : n > 0; /* like diff(1): 0 no reuse, 1 reuse, 2 trouble */
}
