/* famread.c - the families' documents read again on the ranks owning the families, a window of documents at a time, their records and file list entries fetched in rounds every rank takes part in. */
#include "famread.h"

#include "part.h"

#include <stdlib.h>

/* The fetch (ovl__famread.fetch): the run, where the documents are, and the window fetched
 * last (its figures and, for its text, its documents' entries). */
typedef struct rfetch {
    mpi_run *m;
    const size_t *first;
    const ovl_corpus *c;
    const ovl_scan_doc *mydocs;
    ovl__famdoc *fig;
    size_t capfig;
    ovl_corpus *view;
} rfetch;

/* One round: this rank's window docs[0, n) (active: it still reads); *more: whether any rank
 * does (when none, nothing is fetched). The code is every rank's but for this rank's out of
 * memory. */
static int fetch_round(rfetch *f, const uint32_t *docs, size_t n, int want, int active, int *more)
{
    mpi_run *m = f->m;
    int any = 0, rc = OVL_OK, bad = OVL_OK;
    MPI_Allreduce(&active, &any, 1, MPI_INT, MPI_SUM, m->comm);
    *more = any > 0;
    if (!any)
        return OVL_OK;
    ovl_corpus_free(f->view);
    f->view = NULL;
    int text = (want & OVL__FAM_TEXT) != 0;
    void *rows = NULL;
    size_t fetched = 0;
    if (ovl__grow(&f->fig, &f->capfig, n + 1, sizeof *f->fig) != 0)
        bad = ovl__mpi_nomem(m), n = 0;
    rc = ovl__mpi_fetch_rows(m, f->first, f->mydocs, sizeof *f->mydocs, docs, n, &rows, &fetched);
    const ovl_scan_doc *dr = rows;
    for (size_t k = 0; rc == OVL_OK && k < n; k++)
        f->fig[k] = (ovl__famdoc){{dr[k].hash[0], dr[k].hash[1]}, dr[k].tokens, 0};
    free(rows);
    ovl__mpi_held_docs(m, n, fetched);
    /* (The code of a collective call is every rank's: each takes the same way.) */
    if (rc == OVL_OK && m->parted) {
        rc = ovl__mpi_fetch_entries(m, f->first, f->c, docs, text ? n : 0, &f->view);
        ovl__mpi_held_paths(m, text ? n : 0);
    } else if (rc == OVL_OK && text && !(f->view = ovl__corpus_view(f->c, docs, n))) {
        bad = ovl__mpi_nomem(m);
    }
    return rc != OVL_OK ? rc : bad;
}

static int round_fetch(void *u, const uint32_t *docs, size_t n, int want, const ovl_corpus **fc,
                       const ovl__famdoc **fig)
{
    rfetch *f = u;
    int more = 1, rc = fetch_round(f, docs, n, want, 1, &more);
    *fc = f->view;
    *fig = f->fig;
    return rc;
}

int ovl__mpi_owners_read(mpi_run *m, const ovl_scan_opts *o, const ovl_corpus *c, const size_t *first,
                         const ovl_scan_doc *mydocs, size_t window, ovl__mpi_famwork work, void *arg)
{
    rfetch rf = {m, first, c, mydocs, NULL, 0, NULL};
    ovl_ctx *lctx = ovl_ctx_new();
    int rc = ovl__mpi_agree(m, lctx ? OVL_OK : ovl__mpi_nomem(m));
    if (rc == OVL_OK) {
        ovl__famread rd = {NULL, &o->doc, NULL, NULL, round_fetch, &rf, window ? window : 1};
        rc = work(arg, &rd, lctx);
        /* (Done: rounds with no documents until every rank is.) */
        for (int more = 1; more;) {
            int r = fetch_round(&rf, NULL, 0, 0, 0, &more);
            if (rc == OVL_OK)
                rc = r;
        }
    }
    ovl_ctx_free(lctx);
    ovl_corpus_free(rf.view);
    free(rf.fig);
    return ovl__mpi_agree(m, rc);
}
