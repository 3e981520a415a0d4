/* families.c - the families over MPI ranks: the flagged documents' chunk ranges to rank 0, which builds and widens the families, and the pairs they leave. */
#include "families.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the chunk ranges of the families, to rank 0's disk ------------------------------------- */

int ovl__mpi_chunks_to_root(mpi_run *m, FILE *cif, const size_t *myfirst, const uint8_t *flag, size_t lo,
                          size_t cnt, size_t per, FILE *f, uint64_t *total)
{
    int rc = OVL_OK, root = m->rank == 0;
    uint64_t len = 0;
    ovl__chunkinfo *piece = (ovl__chunkinfo *)m->sb;
    size_t fill = 0;
    for (size_t k = 0; k < cnt; k++)
        if (flag[lo + k])
            len += (uint64_t)(myfirst[k + 1] - myfirst[k]) * sizeof *piece;
    if (!root)
        MPI_Send(&len, 1, MPI_UINT64_T, 0, 0, m->comm);
    for (size_t k = 0; k <= cnt; k++) {
        size_t left = k < cnt && flag[lo + k] ? myfirst[k + 1] - myfirst[k] : 0;
        if (left && rc == OVL_OK && fseeko(cif, (off_t)(myfirst[k] * sizeof *piece), SEEK_SET) != 0)
            rc = ovl__fail(m->ctx, OVL_ERR_IO, -1, "cannot read the temporary chunk file");
        while (left || (k == cnt && fill)) {
            size_t g = left < per - fill ? left : per - fill;
            if (g && rc == OVL_OK && fread(piece + fill, sizeof *piece, g, cif) != g)
                rc = ovl__fail(m->ctx, OVL_ERR_IO, -1, "cannot read the temporary chunk file");
            if (g && rc != OVL_OK)
                memset(piece + fill, 0, g * sizeof *piece);
            fill += g, left -= g;
            if (fill == per || (k == cnt && !left)) {
                if (!root)
                    MPI_Send(piece, (int)(fill * sizeof *piece), MPI_BYTE, 0, 1, m->comm);
                else if (rc == OVL_OK && fwrite(piece, sizeof *piece, fill, f) != fill)
                    rc = ovl__fail(m->ctx, OVL_ERR_IO, -1, "cannot write the temporary chunk file");
                fill = 0;
            }
        }
    }
    if (!root) {
        m->st.sent[m->phase] += len;
        return rc;
    }
    *total = len;
    for (int p = 1; p < m->size; p++) {
        uint64_t n = 0;
        MPI_Recv(&n, 1, MPI_UINT64_T, p, 0, m->comm, MPI_STATUS_IGNORE);
        for (uint64_t at = 0; at < n;) {
            size_t k = n - at < per * sizeof(ovl__chunkinfo) ? (size_t)(n - at) : per * sizeof(ovl__chunkinfo);
            MPI_Recv(m->rb, (int)k, MPI_BYTE, p, 1, m->comm, MPI_STATUS_IGNORE);
            if (rc == OVL_OK && fwrite(m->rb, 1, k, f) != k)
                rc = ovl__fail(m->ctx, OVL_ERR_IO, -1, "cannot write the temporary chunk file");
            at += k;
        }
        *total += n;
    }
    if (rc == OVL_OK && fflush(f) != 0)
        rc = ovl__fail(m->ctx, OVL_ERR_IO, -1, "cannot write the temporary chunk file");
    return rc;
}

void ovl__mpi_put_families(ovl__bbuf *b, const ovl__families *f)
{
    uint64_t h[2] = {f->n, f->nspans};
    ovl__bput(b, h, sizeof h);
    ovl__bput(b, f->f, f->n * sizeof *f->f);
    ovl__bput(b, f->spans, f->nspans * sizeof *f->spans);
}

int ovl__mpi_get_families(rbuf *b, ovl__families *f)
{
    uint64_t h[2];
    memset(f, 0, sizeof *f);
    if (ovl__mpi_get(b, h, sizeof h) != 0)
        return -1;
    f->n = h[0];
    f->nspans = h[1];
    f->f = malloc((f->n ? f->n : 1) * sizeof *f->f);
    f->spans = malloc((f->nspans ? f->nspans : 1) * sizeof *f->spans);
    if (!f->f || !f->spans || ovl__mpi_get(b, f->f, f->n * sizeof *f->f) ||
        ovl__mpi_get(b, f->spans, f->nspans * sizeof *f->spans)) {
        ovl__families_free(f);
        return -1;
    }
    return 0;
}

/* The first of the spans (in document order) of document id or a later one. */
static size_t span_lower(const ovl__famspan *s, size_t n, uint32_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid].doc < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int ovl__mpi_restrict_families(const ovl__families *g, const uint32_t *ids, size_t nids, ovl__families *out)
{
    memset(out, 0, sizeof *out);
    size_t total = 0;
    for (size_t k = 0; k < nids; k++)
        total += span_lower(g->spans, g->nspans, ids[k] + 1) - span_lower(g->spans, g->nspans, ids[k]);
    out->doc_first = malloc((nids + 1) * sizeof *out->doc_first);
    out->spans = malloc((total ? total : 1) * sizeof *out->spans);
    if (!out->doc_first || !out->spans) {
        ovl__families_free(out);
        return -1;
    }
    size_t at = 0;
    for (size_t k = 0; k < nids; k++) {
        out->doc_first[k] = at;
        for (size_t x = span_lower(g->spans, g->nspans, ids[k]); x < g->nspans && g->spans[x].doc == ids[k]; x++) {
            out->spans[at] = g->spans[x];
            out->spans[at++].doc = (uint32_t)k;
        }
    }
    out->doc_first[nids] = at;
    out->nspans = at;
    return 0;
}

int ovl__mpi_pair_docs(const ovl_scan_pair *pairs, size_t npairs, uint32_t **ids, size_t *nids)
{
    uint32_t *v = malloc((2 * npairs + 1) * sizeof *v);
    if (!v)
        return -1;
    for (size_t k = 0; k < npairs; k++)
        v[2 * k] = pairs[k].a, v[2 * k + 1] = pairs[k].b;
    *nids = ovl__mpi_sort_uniq_u32(v, 2 * npairs);
    *ids = v;
    return 0;
}

void ovl__mpi_renumber(ovl_scan_pair *pairs, size_t npairs, const uint32_t *ids, size_t nids, int to)
{
    for (size_t k = 0; k < npairs; k++) {
        ovl_scan_pair *q = &pairs[k];
        q->a = to ? (uint32_t)ovl__mpi_pos_of(ids, nids, q->a) : ids[q->a];
        q->b = to ? (uint32_t)ovl__mpi_pos_of(ids, nids, q->b) : ids[q->b];
    }
}

int ovl__mpi_filter_pairs(mpi_run *m, const ovl_scan_opts *o, const ovl__families *fam, int use_fam,
                        const ovl__families *ign, int use_ign, ovl_scan_pair *pairs, size_t *npairs,
                        uint64_t *family_pairs)
{
    if (!use_fam && !use_ign)
        return OVL_OK;
    uint32_t *ids = NULL;
    size_t nids = 0;
    ovl__run t;
    memset(&t, 0, sizeof t);
    t.o = o;
    if (ovl__mpi_pair_docs(pairs, *npairs, &ids, &nids) != 0 ||
        (use_fam && ovl__mpi_restrict_families(fam, ids, nids, &t.fam)) ||
        (use_ign && ovl__mpi_restrict_families(ign, ids, nids, &t.ign))) {
        free(ids);
        ovl__families_free(&t.fam);
        ovl__families_free(&t.ign);
        return ovl__mpi_nomem(m);
    }
    t.use_fam = use_fam;
    t.use_ign = use_ign;
    ovl__mpi_renumber(pairs, *npairs, ids, nids, 1);
    ovl__run_filter(&t, pairs, npairs);
    ovl__mpi_renumber(pairs, *npairs, ids, nids, 0);
    *family_pairs += t.sum.family_pairs;
    free(ids);
    ovl__families_free(&t.fam);
    ovl__families_free(&t.ign);
    return OVL_OK;
}

int ovl__mpi_relabel_spans(ovl__families *f, const uint32_t *ids, size_t nids, int to_corpus)
{
    size_t n = f->nspans;
    for (size_t k = 0; f->f && k < f->n; k++)
        n += f->f[k].nspans + 1;
    size_t *at = malloc((n ? n : 1) * sizeof *at), m = 0;
    if (!at)
        return -1;
    for (size_t x = 0; x < f->nspans; x++)
        at[m++] = x;
    for (size_t k = 0; f->f && k < f->n; k++) {
        for (size_t x = 0; x < f->f[k].nspans; x++)
            at[m++] = f->f[k].first_span + x;
        at[m++] = f->f[k].rep;
    }
    qsort(at, m, sizeof *at, ovl__mpi_cmp_size);
    for (size_t x = 0; x < m; x++) {
        if (x && at[x] == at[x - 1])
            continue;
        ovl__famspan *sp = &f->spans[at[x]];
        if (to_corpus) {
            if (sp->doc < nids)
                sp->doc = ids[sp->doc];
        } else {
            size_t k = ovl__mpi_pos_of(ids, nids, sp->doc);
            sp->doc = k == SIZE_MAX ? UINT32_MAX : (uint32_t)k;
        }
    }
    free(at);
    return 0;
}

int ovl__mpi_build_families(mpi_run *m, const ovl_scan_opts *o, ovl__cfp *g, const uint8_t *flag, size_t n,
                          const dpair *cops, size_t ncops, const uint32_t *vn, size_t nvn,
                          const ovl__chunkinfo *chunks, size_t nchunks, ovl__families *fam, int *use_fam,
                          ovl__families *ign, int *use_ign, uint64_t *ignored_chars)
{
    int rc = OVL_OK;
    size_t nids = 0, at = 0, fk = 0;
    for (size_t i = 0; i < n; i++)
        nids += flag[i];
    for (size_t x = 0; x < ncops; x++)
        nids += flag[cops[x].b];
    uint32_t *ids = malloc((nids ? nids : 1) * sizeof *ids), *vc = malloc((nids ? nids : 1) * sizeof *vc);
    uint32_t *orig = malloc((nids ? nids : 1) * sizeof *orig);
    ovl_scan_doc *vd = calloc(nids ? nids : 1, sizeof *vd);
    if (!ids || !vc || !vd || !orig)
        rc = ovl__mpi_nomem(m);
    nids = 0;
    for (size_t i = 0, x = 0; rc == OVL_OK && i < n; i++) {
        /* (A flagged document is a group's first, never a copy.) */
        if (flag[i])
            orig[nids] = (uint32_t)i, ids[nids++] = (uint32_t)i;
        for (; x < ncops && cops[x].a == i; x++)
            if (flag[cops[x].b])
                orig[nids] = cops[x].b, ids[nids++] = (uint32_t)i;
    }
    for (size_t k = 0; rc == OVL_OK && k < nids; k++) {
        uint32_t i = ids[k];
        vd[k].status = OVL_OK;
        vd[k].first_chunk = at;
        if (flag[i] && fk < nvn)
            vd[k].nchunks = vn[fk++];
        at += vd[k].nchunks;
        vc[k] = flag[i] ? (uint32_t)k : (uint32_t)ovl__mpi_pos_of(ids, nids, orig[k]);
    }
    free(orig);
    if (rc == OVL_OK && (at != nchunks || fk != nvn))
        rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "the ranks' chunk ranges do not add up");
    /* (Records of templates, numbered from n on, keep their distance past the documents.) */
    for (int which = 0; rc == OVL_OK && which < 2; which++) {
        ovl_recurring *v = which ? g->ign : g->rec;
        size_t nv = which ? g->nign : g->nrec;
        for (size_t x = 0; x < nv; x++)
            v[x].doc = v[x].doc < n ? (uint32_t)ovl__mpi_pos_of(ids, nids, v[x].doc)
                                    : (uint32_t)(nids + (v[x].doc - n));
    }
    ovl__mpi_held_docs(m, nids, 0);
    ovl__cfp view;
    memset(&view, 0, sizeof view);
    view.docs = vd;
    view.copy_of = vc;
    view.chunks = (ovl__chunkinfo *)chunks;
    view.nchunks = nchunks;
    if (rc == OVL_OK && o->families && o->max_df) {
        view.rec = g->rec;
        view.nrec = g->nrec;
        if ((rc = ovl__families_build(m->ctx, &view, nids, fam)) == OVL_OK)
            *use_fam = fam->n > 0;
    }
    if (rc == OVL_OK && g->nign) {
        view.rec = g->ign;
        view.nrec = g->nign;
        if ((rc = ovl__families_build(m->ctx, &view, nids, ign)) == OVL_OK) {
            *use_ign = ign->nspans > 0;
            for (size_t x = 0; x < ign->nspans; x++)
                *ignored_chars += ign->spans[x].char_end - ign->spans[x].char_start;
        }
    }
    /* Spans numbered in the corpus. */
    for (int which = 0; rc == OVL_OK && which < 2; which++) {
        ovl__families *f = which ? ign : fam;
        if (ovl__mpi_relabel_spans(f, ids, nids, 1) != 0)
            rc = ovl__mpi_nomem(m);
        free(f->doc_first);
        f->doc_first = NULL;
    }
    free(g->rec);
    g->rec = NULL;
    g->nrec = 0;
    free(g->ign);
    g->ign = NULL;
    g->nign = 0;
    free(ids);
    free(vc);
    free(vd);
    return rc;
}

int ovl__mpi_widen_families(mpi_run *m, const ovl_scan_opts *o, const ovl_corpus *c, const size_t *first,
                          const ovl_scan_doc *mydocs, ovl__families *fam, const dpair *cops, size_t ncops)
{
    uint32_t *ids = NULL, *copies = NULL;
    uint64_t(*hashes)[2] = NULL;
    void *recs = NULL;
    ovl_corpus *view = NULL;
    size_t nids = 0, fetched = 0;
    int rc = OVL_OK;
    if (m->rank == 0) {
        size_t nocc = 0;
        for (size_t k = 0; k < fam->n; k++)
            nocc += fam->f[k].nspans;
        if (!(ids = malloc((nocc ? nocc : 1) * sizeof *ids)))
            rc = ovl__mpi_nomem(m);
        for (size_t k = 0; ids && k < fam->n; k++)
            for (size_t x = 0; x < fam->f[k].nspans; x++)
                ids[nids++] = fam->spans[fam->f[k].first_span + x].doc;
        if (nids > 1)
            qsort(ids, nids, sizeof *ids, ovl__mpi_cmp_u32);
        size_t u = 0;
        for (size_t x = 0; x < nids; x++)
            if (u == 0 || ids[x] != ids[u - 1])
                ids[u++] = ids[x];
        nids = u;
    }
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    if ((rc = ovl__mpi_fetch_rows(m, first, mydocs, sizeof *mydocs, ids, nids, &recs, &fetched)) != OVL_OK)
        goto out;
    ovl__mpi_held_docs(m, nids, fetched);
    if (m->parted) {
        if ((rc = ovl__mpi_fetch_entries(m, first, c, ids, nids, &view)) != OVL_OK)
            goto out;
        ovl__mpi_held_paths(m, nids);
    } else if (m->rank == 0 && !(view = ovl__corpus_view(c, ids, nids))) {
        rc = ovl__mpi_nomem(m);
    }
    if (rc == OVL_OK && m->rank == 0) {
        const ovl_scan_doc *d = recs;
        hashes = malloc((nids ? nids : 1) * sizeof *hashes);
        copies = calloc(nids ? nids : 1, sizeof *copies);
        if (!hashes || !copies)
            rc = ovl__mpi_nomem(m);
        for (size_t x = 0; rc == OVL_OK && x < nids; x++) {
            hashes[x][0] = d[x].hash[0];
            hashes[x][1] = d[x].hash[1];
        }
        for (size_t x = 0; rc == OVL_OK && x < ncops; x++) {
            const uint32_t *at = bsearch(&cops[x].b, ids, nids, sizeof *ids, ovl__mpi_cmp_u32);
            if (at)
                copies[at - ids]++;
        }
        ovl_ctx *lctx = rc == OVL_OK ? ovl_ctx_new() : NULL;
        if (rc == OVL_OK && !lctx)
            rc = ovl__mpi_nomem(m);
        if (rc == OVL_OK) {
            ovl__famread rd = {view, &o->doc, (const uint64_t(*)[2])hashes, copies, d, ids, nids};
            rc = ovl__families_widen(m->ctx, fam, &rd, lctx);
        }
        ovl_ctx_free(lctx);
    }
    rc = ovl__mpi_agree(m, rc);
out:
    ovl_corpus_free(view);
    free(recs);
    free(hashes);
    free(copies);
    free(ids);
    return rc;
}
