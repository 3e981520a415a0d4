/* part.c - a rank's run over some documents of the corpus (its pairs', or the report's): their records and file list entries fetched from the ranks that hold them. */
#include "part.h"

#include <stdlib.h>
#include <string.h>

void ovl__mpi_part_free(part *a)
{
    ovl__run_free(&a->r);
    ovl_corpus_free(a->view);
    free(a->ids);
    memset(a, 0, sizeof *a);
}

void ovl__mpi_part_shed(part *a, int figs)
{
    ovl__doccache_free(a->r.cache);
    a->r.cache = NULL;
    if (!figs)
        return;
    for (size_t i = 0; a->r.ds && i < a->nids; i++) {
        free(a->r.ds[i].v);
        free(a->r.ds[i].load_error);
        free(a->r.ds[i].failure);
    }
    free(a->r.ds);
    free(a->r.docs);
    free(a->r.hashes);
    a->r.ds = NULL;
    a->r.docs = a->r.cfp.docs = NULL;
    a->r.hashes = NULL;
}

void ovl__mpi_put_entries(mpi_run *m, ovl__bbuf *b, const ovl_corpus *c, const uint32_t *ids, size_t nids)
{
    for (size_t k = 0; k < nids && !b->bad; k++) {
        size_t i = ids[k] - m->lbase;
        uint32_t len = (uint32_t)ovl__corpus_entry_bytes(c, i, NULL);
        ovl__bput(b, &len, sizeof len);
        if (b->bad || ovl__grow(&b->p, &b->cap, b->n + len + 1, 1) != 0) {
            b->bad = 1;
            break;
        }
        ovl__corpus_entry_bytes(c, i, b->p + b->n);
        b->n += len;
    }
}

int ovl__mpi_entries_corpus(mpi_run *m, const char *buf, size_t len, size_t count, ovl_corpus **out)
{
    ovl_corpus *v = ovl_corpus_new();
    size_t k = 0;
    int rc = v ? OVL_OK : ovl__mpi_nomem(m);
    for (size_t at = 0; rc == OVL_OK && at < len; k++) {
        uint32_t l;
        if (len - at < sizeof l || (memcpy(&l, buf + at, sizeof l), len - at - sizeof l < l)) {
            rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "a file list entry could not be read back");
            break;
        }
        at += sizeof l;
        if (ovl__corpus_add_entry(v, buf + at, l) != 0)
            rc = ovl__mpi_nomem(m);
        at += l;
    }
    if (rc == OVL_OK && k != count)
        rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "file list entries missing");
    if (rc != OVL_OK) {
        ovl_corpus_free(v);
        return rc;
    }
    ovl__corpus_partinfo pi = {0, count, 0, 0, 0, 0};
    ovl__corpus_set_part(v, &pi);
    *out = v;
    return OVL_OK;
}

int ovl__mpi_fetch_entries(mpi_run *m, const size_t *first, const ovl_corpus *c, const uint32_t *ids, size_t nids,
                         ovl_corpus **out)
{
    int P = m->size, me = m->rank, rc = OVL_OK;
    size_t *cnt = calloc(P, sizeof *cnt), *rl = calloc(P, sizeof *rl), *rep = calloc(P, sizeof *rep);
    char *req = NULL, *got = NULL;
    ovl__bbuf b = {0};
    *out = NULL;
    if (!cnt || !rl || !rep)
        rc = ovl__mpi_nomem(m);
    for (size_t x = 0; rc == OVL_OK && x < nids; x++)
        cnt[ovl__mpi_owner_of(first, P, ids[x])] += sizeof *ids;
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    rc = ovl__mpi_alltoall_bytes(m, (const char *)ids, cnt, &req, rl) ? ovl__mpi_nomem(m) : OVL_OK;
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    size_t at = 0;
    for (int p = 0; p < P; p++) {
        size_t before = b.n, k = rl[p] / sizeof *ids;
        for (size_t x = 0; x < k && rc == OVL_OK; x++) {
            uint32_t id;
            memcpy(&id, req + at + x * sizeof id, sizeof id);
            if (id < first[me] || id >= first[me + 1])
                rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "a document's entry was asked of the wrong rank");
            else
                ovl__mpi_put_entries(m, &b, c, &id, 1);
        }
        at += rl[p];
        rep[p] = b.n - before;
    }
    if (rc == OVL_OK && b.bad)
        rc = ovl__mpi_nomem(m);
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    rc = ovl__mpi_alltoall_bytes(m, b.p, rep, &got, rl) ? ovl__mpi_nomem(m) : OVL_OK;
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    size_t len = 0;
    for (int p = 0; p < P; p++)
        len += rl[p];
    rc = ovl__mpi_agree(m, ovl__mpi_entries_corpus(m, got, len, nids, out));
out:
    free(cnt);
    free(rl);
    free(rep);
    free(req);
    free(got);
    free(b.p);
    return rc;
}

int ovl__mpi_ask_docs(mpi_run *m, const size_t *first, const ovl_scan_doc *mydocs, const ovl_corpus *c,
                      const uint32_t *ids, size_t nids, ovl_scan_doc *dr, ovl__bbuf *ent, size_t *fetched)
{
    int P = m->size, rc = OVL_OK;
    for (size_t x = 0; rc == OVL_OK && x < nids;) {
        int p = ovl__mpi_owner_of(first, P, ids[x]);
        size_t y = x;
        while (y < nids && ids[y] < first[p + 1])
            y++;
        if (p == 0) {
            for (size_t k = x; dr && k < y; k++)
                dr[k] = mydocs[ids[k] - first[0]];
            if (ent)
                ovl__mpi_put_entries(m, ent, c, ids + x, y - x);
        } else {
            char *got = NULL;
            size_t len = 0;
            if (dr && (rc = ovl__mpi_ask(m, p, REQ_DOCS, ids + x, y - x, &got, &len)) == OVL_OK && len != (y - x) * sizeof *dr)
                rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "rank %d: document records could not be read back", p);
            if (rc == OVL_OK && dr)
                memcpy(dr + x, got, len);
            free(got);
            got = NULL;
            if (rc == OVL_OK && ent && (rc = ovl__mpi_ask(m, p, REQ_ENTRIES, ids + x, y - x, &got, &len)) == OVL_OK)
                ovl__bput(ent, got, len);
            free(got);
            *fetched += y - x;
        }
        x = y;
    }
    if (rc == OVL_OK && ent && ent->bad)
        rc = ovl__mpi_nomem(m);
    return rc;
}

int ovl__mpi_part_open(mpi_run *m, part *a, const ovl_corpus *c, const ovl_scan_opts *o, const ovl_scan_sink *sink,
                     const size_t *first, const ovl_scan_doc *mydocs, uint32_t *ids, size_t nids)
{
    void *recs = NULL;
    size_t fetched = 0;
    memset(a, 0, sizeof *a);
    a->ids = ids;
    a->nids = nids;
    int rc = ovl__mpi_fetch_rows(m, first, mydocs, sizeof *mydocs, ids, nids, &recs, &fetched);
    if (rc != OVL_OK)
        return rc;
    ovl__mpi_held_docs(m, nids, fetched);
    if (m->parted) {
        if ((rc = ovl__mpi_fetch_entries(m, first, c, ids, nids, &a->view)) != OVL_OK) {
            free(recs);
            return rc;
        }
        ovl__mpi_held_paths(m, nids);
    } else if (!(a->view = ovl__corpus_view(c, ids, nids))) {
        rc = ovl__mpi_nomem(m);
    }
    if (rc == OVL_OK && (rc = ovl__run_init(&a->r, m->ctx, a->view, o, sink)) == OVL_OK && nids)
        memcpy(a->r.docs, recs, nids * sizeof *a->r.docs);
    free(recs);
    return rc;
}
