/* families.c - the families over MPI ranks: their input made by the ranks holding the records and the documents, built and widened on rank 0, and the pairs they leave. */
#include "families.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the families' input, made by the ranks holding the records and the documents ---------- */

static int cmp_rec_doc(const void *x, const void *y)
{
    const ovl_recurring *a = x, *b = y;
    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    if (a->tok_start != b->tok_start)
        return a->tok_start < b->tok_start ? -1 : 1;
    if (a->tok_end != b->tok_end)
        return a->tok_end < b->tok_end ? -1 : 1;
    return (a->key_group > b->key_group) - (a->key_group < b->key_group);
}

/* The key groups of this rank's records v (sorted by key group, then document) numbered over
 * the ranks (rank after rank, so no two ranks' groups meet), each group's documents counted
 * into *gdocs (malloc'd, *ng of them). Collective. */
static int number_groups(mpi_run *m, ovl_recurring *v, size_t nv, uint32_t **gdocs, size_t *ng, uint64_t *total)
{
    size_t g = 0;
    for (size_t x = 0; x < nv; x++)
        g += x == 0 || v[x].key_group != v[x - 1].key_group;
    uint64_t mine = g, base = 0;
    MPI_Exscan(&mine, &base, 1, MPI_UINT64_T, MPI_SUM, m->comm);
    MPI_Allreduce(&mine, total, 1, MPI_UINT64_T, MPI_SUM, m->comm);
    if (m->rank == 0)
        base = 0; /* (what MPI_Exscan leaves there is undefined) */
    *ng = g;
    if (!(*gdocs = calloc(g ? g : 1, sizeof **gdocs)))
        return ovl__mpi_nomem(m);
    if (*total > UINT32_MAX)
        return ovl__fail(m->ctx, OVL_ERR_TOOBIG, -1, "families: more than 4294967295 frequent band keys");
    uint32_t prev = 0; /* the last record's group as it came (v's are renumbered in place) */
    for (size_t x = 0, k = 0; x < nv; x++) {
        int newg = x == 0 || v[x].key_group != prev;
        if (x && newg)
            k++;
        if (newg || v[x].doc != v[x - 1].doc)
            (*gdocs)[k]++;
        prev = v[x].key_group;
        v[x].key_group = (uint32_t)(base + k);
    }
    return OVL_OK;
}

/* What rank 0 gathers for one kind of records: per flagged document its recurring chunks'
 * count (cnt, first of them at the document's turn), and the chunks' offsets, ranges and
 * key groups. */
typedef struct fkacc {
    uint32_t *cnt;
    size_t capcnt, capn, capi, capo, capg;
    ovl__fkeys k;
} fkacc;

/* Rank 0 reads one document's part (see doc_part) into the flagged list and a[0], a[1]. */
static int take_part(rbuf *b, uint32_t **flagged, size_t *nflag, size_t *capf, fkacc *a)
{
    uint32_t doc;
    if (ovl__mpi_get(b, &doc, sizeof doc) != 0)
        return -2;
    if (ovl__grow(flagged, capf, *nflag + 1, sizeof **flagged) != 0)
        return -1;
    (*flagged)[*nflag] = doc;
    for (int which = 0; which < 2; which++) {
        fkacc *w = &a[which];
        uint32_t nrc;
        if (ovl__mpi_get(b, &nrc, sizeof nrc) != 0)
            return -2;
        if (ovl__grow(&w->cnt, &w->capcnt, *nflag + 1, sizeof *w->cnt) != 0)
            return -1;
        w->cnt[*nflag] = nrc;
        if (w->k.n + nrc >= UINT32_MAX)
            return -3;
        if (ovl__grow(&w->k.off, &w->capn, w->k.n + nrc, sizeof *w->k.off) != 0 ||
            ovl__grow(&w->k.info, &w->capi, w->k.n + nrc, sizeof *w->k.info) != 0 ||
            ovl__grow(&w->k.goff, &w->capo, w->k.n + nrc + 1, sizeof *w->k.goff) != 0)
            return -1;
        if (w->k.n == 0)
            w->k.goff[0] = 0;
        for (uint32_t c = 0; c < nrc; c++) {
            uint32_t ng;
            size_t at = w->k.n++;
            if (ovl__mpi_get(b, &w->k.off[at], sizeof *w->k.off) || ovl__mpi_get(b, &w->k.info[at], sizeof *w->k.info) ||
                ovl__mpi_get(b, &ng, sizeof ng))
                return -2;
            size_t g0 = w->k.goff[at];
            if (ovl__grow(&w->k.gl, &w->capg, g0 + ng, sizeof *w->k.gl) != 0)
                return -1;
            if (ovl__mpi_get(b, w->k.gl + g0, (size_t)ng * sizeof *w->k.gl) != 0)
                return -2;
            w->k.goff[at + 1] = g0 + ng;
        }
    }
    (*nflag)++;
    return 0;
}

/* Document doc's part, from its records r[0, nr) of each kind (sorted by cmp_rec_doc) and its
 * chunks ch[0, nch) (sorted by tokens): the document, then per kind its recurring chunks
 * (those a record names, as ovl__fkeys_from_records finds them: the same tokens) with their
 * offset, ranges and distinct key groups. */
static void doc_part(ovl__bbuf *b, uint32_t doc, const ovl_recurring *const r[2], const size_t nr[2],
                     const ovl__chunkinfo *ch, size_t nch, uint32_t *gl)
{
    ovl__bput(b, &doc, sizeof doc);
    for (int which = 0; which < 2; which++) {
        const ovl_recurring *v = r[which];
        size_t at = b->n, x = 0;
        uint32_t nrc = 0;
        ovl__bput(b, &nrc, sizeof nrc);
        for (size_t c = 0; c < nch && x < nr[which]; c++) {
            /* (Records and chunks are both in token order: one walk.) */
            while (x < nr[which] && (v[x].tok_start < ch[c].tok_start ||
                                     (v[x].tok_start == ch[c].tok_start && v[x].tok_end < ch[c].tok_end)))
                x++;
            uint32_t ng = 0;
            for (; x < nr[which] && v[x].tok_start == ch[c].tok_start && v[x].tok_end == ch[c].tok_end; x++)
                if (ng == 0 || gl[ng - 1] != v[x].key_group)
                    gl[ng++] = v[x].key_group;
            if (!ng)
                continue;
            uint32_t off = (uint32_t)c;
            ovl__bput(b, &off, sizeof off);
            ovl__bput(b, &ch[c], sizeof ch[c]);
            ovl__bput(b, &ng, sizeof ng);
            ovl__bput(b, gl, ng * sizeof *gl);
            nrc++;
        }
        if (!b->bad)
            memcpy(b->p + at, &nrc, sizeof nrc);
    }
}

/* The records of this rank's documents (each kind sorted by cmp_rec_doc) read against their
 * chunks (cif, myfirst) into parts, sent to rank 0 in pieces of about per bytes (an empty
 * piece ends a rank's), where they are read in rank order (document order) into the
 * flagged list and a. Collective between the ranks and rank 0; returns this rank's error. */
static int parts_to_root(mpi_run *m, const ovl_recurring *const rv[2], const size_t nrv[2], size_t lo, FILE *cif,
                         const size_t *myfirst, size_t per, uint32_t **flagged, size_t *nflag, fkacc *a)
{
    int rc = OVL_OK, root = m->rank == 0;
    size_t capf = 0, capch = 0, most = 0;
    ovl__bbuf b = {0};
    ovl__chunkinfo *ch = NULL;
    uint32_t *gl = NULL;
    size_t x[2] = {0, 0};
    int bad = 0; /* rank 0: what it read did not parse (-2), too many chunks (-3), no memory (-1) */
    for (;;) {
        uint32_t doc = UINT32_MAX;
        for (int w = 0; w < 2; w++)
            if (x[w] < nrv[w] && rv[w][x[w]].doc < doc)
                doc = rv[w][x[w]].doc;
        if (doc != UINT32_MAX && rc == OVL_OK) {
            const ovl_recurring *r[2];
            size_t nr[2];
            for (int w = 0; w < 2; w++) {
                size_t e = x[w];
                while (e < nrv[w] && rv[w][e].doc == doc)
                    e++;
                r[w] = rv[w] + x[w];
                nr[w] = e - x[w];
                x[w] = e;
            }
            size_t k = doc - lo, nch = myfirst[k + 1] - myfirst[k], nrec = nr[0] > nr[1] ? nr[0] : nr[1];
            if (ovl__grow(&ch, &capch, nch + 1, sizeof *ch) != 0 || ovl__grow(&gl, &most, nrec, sizeof *gl) != 0)
                rc = ovl__mpi_nomem(m);
            if (rc == OVL_OK && nch &&
                (fseeko(cif, (off_t)(myfirst[k] * sizeof *ch), SEEK_SET) != 0 || fread(ch, sizeof *ch, nch, cif) != nch))
                rc = ovl__fail(m->ctx, OVL_ERR_IO, -1, "cannot read the temporary chunk file");
            if (rc == OVL_OK) {
                doc_part(&b, doc, r, nr, ch, nch, gl);
                if (b.bad)
                    rc = ovl__mpi_nomem(m);
            }
        }
        int last = doc == UINT32_MAX || rc != OVL_OK;
        if (b.n && (b.n >= per || last)) {
            if (root) {
                rbuf rb = {b.p, b.n, 0};
                while (!bad && rb.at < rb.n)
                    bad = take_part(&rb, flagged, nflag, &capf, a);
            } else {
                ovl__mpi_send_bytes(m, b.p, b.n, 0);
            }
            b.n = 0;
        }
        if (last)
            break;
    }
    if (!root)
        ovl__mpi_send_bytes(m, NULL, 0, 0);
    for (int p = 1; root && p < m->size; p++) {
        for (;;) {
            size_t len = 0;
            char *piece = ovl__mpi_recv_bytes(m, p, &len);
            if (!piece && !bad)
                bad = -1;
            rbuf rb = {piece, len, 0};
            while (piece && !bad && rb.at < rb.n)
                bad = take_part(&rb, flagged, nflag, &capf, a);
            free(piece);
            if (len == 0)
                break;
        }
    }
    free(b.p);
    free(ch);
    free(gl);
    if (rc == OVL_OK && bad == -1)
        rc = ovl__mpi_nomem(m);
    else if (rc == OVL_OK && bad == -2)
        rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "the ranks' recurring chunks could not be read back");
    else if (rc == OVL_OK && bad == -3)
        rc = ovl__fail(m->ctx, OVL_ERR_TOOBIG, -1, "families: more than 4294967295 recurring chunks");
    return rc;
}

int ovl__mpi_family_keys(mpi_run *m, const size_t *first, size_t n, size_t lo, FILE *cif, const size_t *myfirst,
                         ovl_recurring **rec, size_t *nrec, ovl_recurring **ign, size_t *nign, size_t per,
                         ovl__fkeys *krec, ovl__fkeys *kign, uint32_t **flagged, size_t *nflag, uint64_t *nign_all)
{
    int rc = OVL_OK, P = m->size;
    ovl_recurring **v[2] = {rec, ign};
    size_t *nv[2] = {nrec, nign};
    ovl_recurring *got[2] = {NULL, NULL}; /* the records of this rank's documents */
    size_t ngot[2] = {0, 0};
    fkacc a[2];
    memset(a, 0, sizeof a);
    memset(krec, 0, sizeof *krec);
    memset(kign, 0, sizeof *kign);
    *flagged = NULL;
    *nflag = 0;
    size_t *counts = calloc(P, sizeof *counts), *rl = calloc(P, sizeof *rl), *at = calloc(P + 1, sizeof *at);
    for (int which = 0; which < 2; which++) {
        uint32_t *gdocs = NULL;
        size_t ng = 0;
        uint64_t total = 0;
        int r = counts && rl && at ? number_groups(m, *v[which], *nv[which], &gdocs, &ng, &total) : ovl__mpi_nomem(m);
        if (which)
            *nign_all = total;
        /* Each key group's documents to rank 0, in rank order: the groups' order. */
        char *all = NULL;
        if (ovl__mpi_gather_bytes(m, gdocs, (r == OVL_OK ? ng : 0) * sizeof *gdocs, &all, rl) != 0 && r == OVL_OK)
            r = ovl__mpi_nomem(m);
        free(gdocs);
        if (m->rank == 0 && r == OVL_OK) {
            a[which].k.gdocs = (uint32_t *)all;
            a[which].k.ngroups = ovl__mpi_received(rl, P, sizeof(uint32_t));
            all = NULL;
        }
        free(all);
        if ((rc = ovl__mpi_agree(m, r)) != OVL_OK)
            goto out;
        /* Each record to the rank holding its document (templates' records, past the corpus,
         * are counted above and go nowhere). */
        const ovl_recurring *rv = *v[which];
        size_t nr = *nv[which];
        ovl_recurring *pack = malloc((nr ? nr : 1) * sizeof *pack);
        memset(counts, 0, P * sizeof *counts);
        for (size_t x = 0; pack && x < nr; x++)
            if (rv[x].doc < n)
                counts[ovl__mpi_owner_of(first, P, rv[x].doc)] += sizeof *pack;
        at[0] = 0;
        for (int p = 0; p < P; p++)
            at[p + 1] = at[p] + counts[p] / sizeof *pack;
        for (size_t x = 0; pack && x < nr; x++)
            if (rv[x].doc < n)
                pack[at[ovl__mpi_owner_of(first, P, rv[x].doc)]++] = rv[x];
        free(*v[which]);
        *v[which] = NULL;
        *nv[which] = 0;
        if (!pack)
            memset(counts, 0, P * sizeof *counts);
        char *recv = NULL;
        r = ovl__mpi_alltoall_bytes(m, (const char *)pack, counts, &recv, rl) || !pack ? ovl__mpi_nomem(m) : OVL_OK;
        free(pack);
        got[which] = (ovl_recurring *)recv;
        ngot[which] = recv ? ovl__mpi_received(rl, P, sizeof *pack) : 0;
        if (ngot[which] > 1)
            qsort(got[which], ngot[which], sizeof *got[which], cmp_rec_doc);
        ovl__mpi_held(m, ngot[0] * sizeof *pack + ngot[1] * sizeof *pack);
        if ((rc = ovl__mpi_agree(m, r)) != OVL_OK)
            goto out;
    }
    {
        const ovl_recurring *rv[2] = {got[0], got[1]};
        rc = parts_to_root(m, rv, ngot, lo, cif, myfirst, per, flagged, nflag, a);
    }
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    if (m->rank == 0) {
        uint64_t held = *nflag * sizeof **flagged;
        for (int which = 0; which < 2 && rc == OVL_OK; which++) {
            ovl__fkeys *k = which ? kign : krec;
            if (!(a[which].k.first = malloc((*nflag + 1) * sizeof *a[which].k.first))) {
                rc = ovl__mpi_nomem(m);
                break;
            }
            a[which].k.first[0] = 0;
            for (size_t j = 0; j < *nflag; j++)
                a[which].k.first[j + 1] = a[which].k.first[j] + a[which].cnt[j];
            a[which].k.ndocs = *nflag;
            if (!a[which].k.goff && !(a[which].k.goff = calloc(1, sizeof *a[which].k.goff))) {
                rc = ovl__mpi_nomem(m);
                break;
            }
            *k = a[which].k;
            memset(&a[which].k, 0, sizeof a[which].k);
            held += k->n * (sizeof *k->off + sizeof *k->info + sizeof *k->goff) +
                    (k->n ? k->goff[k->n] : 0) * sizeof *k->gl + k->ngroups * sizeof *k->gdocs;
        }
        ovl__mpi_held(m, held);
    }
    rc = ovl__mpi_agree(m, rc);
out:
    for (int which = 0; which < 2; which++) {
        free(got[which]);
        free(a[which].cnt);
        ovl__fkeys_free(&a[which].k);
    }
    if (rc != OVL_OK) {
        ovl__fkeys_free(krec);
        ovl__fkeys_free(kign);
        free(*flagged);
        *flagged = NULL;
        *nflag = 0;
    }
    free(counts);
    free(rl);
    free(at);
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

/* k, made over the flagged documents, over ids instead (the flagged documents and copies,
 * ascending): a copy holds no recurring chunk of its own. -1 when out of memory. */
static int keys_over(ovl__fkeys *k, const uint32_t *flagged, const uint32_t *ids, size_t nids)
{
    uint32_t *f = malloc((nids + 1) * sizeof *f);
    if (!f)
        return -1;
    for (size_t j = 0, x = 0; j < nids; j++) {
        f[j] = k->first ? k->first[x] : 0; /* (no first: no records of this kind anywhere) */
        if (x < k->ndocs && flagged[x] == ids[j])
            x++;
    }
    f[nids] = k->first ? k->first[k->ndocs] : 0;
    free(k->first);
    k->first = f;
    k->ndocs = nids;
    return 0;
}

int ovl__mpi_build_families(mpi_run *m, const ovl_scan_opts *o, ovl__fkeys *krec, ovl__fkeys *kign,
                            const uint32_t *flagged, size_t nflag, uint64_t nign_all, const dpair *cops,
                            size_t ncops, ovl__families *fam, int *use_fam, ovl__families *ign, int *use_ign,
                            uint64_t *ignored_chars)
{
    int rc = OVL_OK;
    size_t nids = 0;
    /* The copies of flagged documents (cops is by copy; a flagged document is a group's
     * first, never a copy). */
    for (size_t x = 0; x < ncops; x++)
        nids += ovl__mpi_pos_of(flagged, nflag, cops[x].b) != SIZE_MAX;
    nids += nflag;
    uint32_t *ids = malloc((nids ? nids : 1) * sizeof *ids), *vc = malloc((nids ? nids : 1) * sizeof *vc);
    if (!ids || !vc)
        rc = ovl__mpi_nomem(m);
    for (size_t f = 0, x = 0, j = 0; rc == OVL_OK && j < nids; j++) {
        while (x < ncops && ovl__mpi_pos_of(flagged, nflag, cops[x].b) == SIZE_MAX)
            x++;
        if (x < ncops && (f == nflag || cops[x].a < flagged[f]))
            ids[j] = cops[x++].a;
        else
            ids[j] = flagged[f++];
    }
    for (size_t j = 0, x = 0; rc == OVL_OK && j < nids; j++) {
        while (x < ncops && cops[x].a < ids[j])
            x++;
        vc[j] = x < ncops && cops[x].a == ids[j] ? (uint32_t)ovl__mpi_pos_of(ids, nids, cops[x].b) : (uint32_t)j;
    }
    if (rc == OVL_OK && (keys_over(krec, flagged, ids, nids) != 0 || keys_over(kign, flagged, ids, nids) != 0))
        rc = ovl__mpi_nomem(m);
    ovl__mpi_held_docs(m, nids, 0);
    if (rc == OVL_OK && o->families && o->max_df) {
        if ((rc = ovl__families_from_keys(m->ctx, krec, vc, fam)) == OVL_OK)
            *use_fam = fam->n > 0;
    }
    ovl__fkeys_free(krec);
    if (rc == OVL_OK && nign_all) {
        if ((rc = ovl__families_from_keys(m->ctx, kign, vc, ign)) == OVL_OK) {
            *use_ign = ign->nspans > 0;
            for (size_t x = 0; x < ign->nspans; x++)
                *ignored_chars += ign->spans[x].char_end - ign->spans[x].char_start;
        }
    }
    ovl__fkeys_free(kign);
    /* Spans numbered in the corpus. */
    for (int which = 0; rc == OVL_OK && which < 2; which++) {
        ovl__families *f = which ? ign : fam;
        if (ovl__mpi_relabel_spans(f, ids, nids, 1) != 0)
            rc = ovl__mpi_nomem(m);
        free(f->doc_first);
        f->doc_first = NULL;
    }
    free(ids);
    free(vc);
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
