/* report_csv.c - the pair records as CSV (RFC 4180): for check, each checked document's sources with their shares. */
#include "report_int.h"

#include <math.h>

/* A quoted field. A spreadsheet runs a cell that starts with = + - @ (or a tab or CR before
 * one) as a formula, so such a name gets a leading apostrophe: a file name cannot become
 * a formula. Controls become U+FFFD. */
static void put_field(ovl__out *o, const char *s)
{
    ovl__out_puts(o, "\"");
    if (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r')
        ovl__out_puts(o, "'");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"')
            ovl__out_puts(o, "\"\"");
        else if (*p < 0x20 || *p == 0x7F)
            ovl__out_cp(o, 0xFFFD);
        else
            ovl__out_put(o, p, 1);
    }
    ovl__out_puts(o, "\"");
}

static double fin(double x) { return isfinite(x) ? x : 0.0; }

void ovl__csv_head(ovl_report_stream *s)
{
    ovl__out_puts(s->o, "a,a_path,b,b_path,passages,a_chars,a_reused_chars,a_ratio,b_chars,"
                        "b_reused_chars,b_ratio,top_similarity,error\r\n");
}

int ovl__csv_pair(ovl_report_stream *s, const ovl_pair_stats *pr)
{
    ovl__out *o = s->o;
    ovl__out_printf(o, "%d,", pr->a);
    put_field(o, s->docs[pr->a].path);
    ovl__out_printf(o, ",%d,", pr->b);
    put_field(o, s->docs[pr->b].path);
    ovl__out_printf(o, ",%zu,%llu,%llu,%.4f,%llu,%llu,%.4f,%.4f,", pr->passages,
                    (unsigned long long)s->docs[pr->a].stats.chars,
                    (unsigned long long)pr->a_reused_chars, fin(pr->a_ratio),
                    (unsigned long long)s->docs[pr->b].stats.chars,
                    (unsigned long long)pr->b_reused_chars, fin(pr->b_ratio),
                    fin(pr->top_similarity));
    if (pr->error)
        put_field(o, pr->error);
    ovl__out_puts(o, "\r\n");
    return OVL_OK;
}
