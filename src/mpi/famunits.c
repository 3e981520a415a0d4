/* famunits.c - the families' input over MPI ranks: the recurring chunks' key groups counted where the keys are, their classes found where the documents are and resolved where their key groups pick, the units joined by every rank and each occurrence sent to the rank owning its text. */
#include "famunits.h"

#include "classes.h"
#include "famjoin.h"


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
 * into *gdocs (malloc'd, *ng of them); *gbase (malloc'd, P + 1): each rank's first key group,
 * the last entry the groups of all ranks. Collective. */
static int number_groups(mpi_run *m, ovl_recurring *v, size_t nv, uint32_t **gdocs, size_t *ng, size_t **gbase)
{
    int rc = ovl__group_docs(m->ctx, v, nv, gdocs, ng), P = m->size;
    uint64_t mine = rc == OVL_OK ? *ng : 0, total = 0;
    MPI_Allgather(&mine, 1, MPI_UINT64_T, m->u1, 1, MPI_UINT64_T, m->comm);
    if (rc != OVL_OK)
        return rc;
    if (!(*gbase = malloc((P + 1) * sizeof **gbase)))
        return ovl__mpi_nomem(m);
    for (int p = 0; p < P; p++) {
        (*gbase)[p] = (size_t)total;
        total += m->u1[p];
    }
    (*gbase)[P] = (size_t)total;
    if (total > UINT32_MAX)
        return ovl__fail(m->ctx, OVL_ERR_TOOBIG, -1, "families: more than 4294967295 frequent band keys");
    uint64_t base = (*gbase)[m->rank];
    uint32_t prev = 0; /* the last record's group as it came (v's are renumbered in place) */
    for (size_t x = 0, k = 0; x < nv; x++) {
        if (x && v[x].key_group != prev)
            k++;
        prev = v[x].key_group;
        v[x].key_group = (uint32_t)(base + k);
    }
    return OVL_OK;
}

/* One kind's (recurring or template) chunks of this rank's documents, in document order: each
 * one's offset, ranges and class in cl. */
typedef struct kside {
    uint32_t *off, *cls;
    ovl__chunkinfo *info;
    size_t n, capoff, capcls, capinfo;
    ovl__fctab cl;
} kside;

static void kside_free(kside *k)
{
    free(k->off);
    free(k->cls);
    free(k->info);
    ovl__fctab_free(&k->cl);
    memset(k, 0, sizeof *k);
}

/* Document doc's recurring chunks of one kind, from its records r[0, nr) (sorted by
 * cmp_rec_doc) and its chunks ch[0, nch) (in token order, as ovl__fkeys_from_records finds
 * them: the same tokens), appended to k with their classes; *nrc: how many. gl: room for nr
 * groups. OVL_OK, OVL_ERR_NOMEM or OVL_ERR_TOOBIG (ovl__fctab_find). */
static int doc_chunks(ovl_ctx *ctx, kside *k, uint32_t doc, const ovl_recurring *r, size_t nr, const ovl__chunkinfo *ch,
                      size_t nch, uint32_t *gl, uint32_t *nrc)
{
    size_t x = 0;
    *nrc = 0;
    for (size_t c = 0; c < nch && x < nr; c++) {
        /* (Records and chunks are both in token order: one walk.) */
        while (x < nr && (r[x].tok_start < ch[c].tok_start ||
                          (r[x].tok_start == ch[c].tok_start && r[x].tok_end < ch[c].tok_end)))
            x++;
        uint32_t ng = 0;
        for (; x < nr && r[x].tok_start == ch[c].tok_start && r[x].tok_end == ch[c].tok_end; x++)
            if (ng == 0 || gl[ng - 1] != r[x].key_group)
                gl[ng++] = r[x].key_group;
        if (!ng)
            continue;
        uint32_t cls;
        int rc = ovl__fctab_meet(ctx, &k->cl, gl, ng, doc, (uint32_t)c, &cls);
        if (rc != OVL_OK)
            return rc;
        if (ovl__grow(&k->off, &k->capoff, k->n + 1, sizeof *k->off) != 0 ||
            ovl__grow(&k->cls, &k->capcls, k->n + 1, sizeof *k->cls) != 0 ||
            ovl__grow(&k->info, &k->capinfo, k->n + 1, sizeof *k->info) != 0)
            return ovl__fail(ctx, OVL_ERR_NOMEM, -1, "out of memory");
        k->off[k->n] = (uint32_t)c;
        k->cls[k->n] = cls;
        k->info[k->n++] = ch[c];
        (*nrc)++;
    }
    return OVL_OK;
}

/* An occurrence of recurring text on its way to the rank owning its text: its ranges (doc
 * numbered in the corpus), text, bounds (ovl__fspans_bounds), place among its document's
 * occurrences (of any text: the families first met first), its document's copies and its
 * clean flag. */
typedef struct occrec {
    ovl__famspan sp;
    uint32_t text, lo, hi, pos, copies, clean;
} occrec;

/* The rank owning text t: its families are built there (any rank would do; the texts of a
 * licence's paragraphs numbered side by side go to different ranks). */
static int text_owner(uint32_t t, int P)
{
    return (int)(((uint64_t)(t * 2654435761u) * (uint64_t)P) >> 32);
}

/* The occurrences of recurring text of this rank's documents (made of its spans sp, doc: a
 * position in dl, with ovl__fspans_occurrences, and their bounds found, where every
 * occurrence of the document is) each to the rank owning its text (text_owner), which
 * reads them in rank order (document order) into *f, its texts numbered 0.. in the order of
 * their numbers. mycopies: the copies of the documents of this rank's share (lo its first).
 * Holds this rank's occurrences three times over (made, 8 bytes of bounds, 44 sent) and
 * those it owns twice (44 received, 37 read). Collective; every rank returns the same code. */
static int spans_to_owners(mpi_run *m, const ovl__fspans *sp, const uint32_t *dl, const uint32_t *mycopies,
                           size_t lo, ovl__mpi_fin *f)
{
    int P = m->size, rc = OVL_OK;
    ovl__fspans oc;
    memset(&oc, 0, sizeof oc);
    uint32_t *blo = NULL, *bhi = NULL, *texts = NULL;
    occrec *out = NULL, *got = NULL;
    size_t *sc = calloc(3 * (size_t)P, sizeof *sc), *rl = sc ? sc + P : NULL, *at = sc ? sc + 2 * P : NULL;
    size_t n = sp->n;
    oc.spans = malloc((n ? n : 1) * sizeof *oc.spans);
    oc.text = malloc((n ? n : 1) * sizeof *oc.text);
    oc.clean = malloc(n ? n : 1);
    if (!sc || !oc.spans || !oc.text || !oc.clean)
        rc = ovl__mpi_nomem(m);
    if (rc == OVL_OK && n) {
        memcpy(oc.spans, sp->spans, n * sizeof *oc.spans);
        memcpy(oc.text, sp->text, n * sizeof *oc.text);
        memcpy(oc.clean, sp->clean, n);
        oc.n = n;
        rc = ovl__fspans_occurrences(m->ctx, &oc);
    }
    size_t no = oc.n;
    if (rc == OVL_OK && (!(blo = malloc((no ? no : 1) * sizeof *blo)) || !(bhi = malloc((no ? no : 1) * sizeof *bhi)) ||
                         !(out = malloc((no ? no : 1) * sizeof *out)) ||
                         ovl__fspans_bounds(oc.spans, no, blo, bhi) != 0))
        rc = ovl__mpi_nomem(m);
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto done;
    for (size_t x = 0; x < no; x++)
        sc[text_owner(oc.text[x], P)]++;
    for (int p = 0, s = 0; p < P; p++) {
        at[p] = (size_t)s;
        s += (int)sc[p];
        sc[p] *= sizeof *out;
    }
    memset(out, 0, no * sizeof *out);
    for (size_t x = 0, pos = 0; x < no; x++) {
        pos = x && oc.spans[x].doc == oc.spans[x - 1].doc ? pos + 1 : 0;
        occrec *r = &out[at[text_owner(oc.text[x], P)]++];
        uint32_t doc = dl[oc.spans[x].doc];
        r->sp = oc.spans[x];
        r->sp.doc = doc;
        r->text = oc.text[x];
        r->lo = blo[x];
        r->hi = bhi[x];
        r->pos = (uint32_t)pos;
        r->copies = mycopies ? mycopies[doc - lo] : 0;
        r->clean = oc.clean[x];
    }
    ovl__fspans_free(&oc);
    free(blo);
    free(bhi);
    blo = bhi = NULL;
    if (ovl__mpi_alltoall_bytes(m, (const char *)out, sc, (char **)&got, rl) != 0)
        rc = ovl__mpi_nomem(m);
    free(out);
    out = NULL;
    size_t ng = ovl__mpi_received(rl, P, sizeof *got), nt = 0;
    ovl__mpi_held(m, ng * sizeof *got);
    /* Read into f; the texts numbered by their order (any order numbers them: the families
     * are numbered as first met). */
    if (rc == OVL_OK) {
        f->s.spans = malloc((ng ? ng : 1) * sizeof *f->s.spans);
        f->s.text = malloc((ng ? ng : 1) * sizeof *f->s.text);
        f->s.clean = malloc(ng ? ng : 1);
        f->lo = malloc((ng ? ng : 1) * sizeof *f->lo);
        f->hi = malloc((ng ? ng : 1) * sizeof *f->hi);
        f->pos = malloc((ng ? ng : 1) * sizeof *f->pos);
        f->copied = malloc((ng ? ng : 1) * sizeof *f->copied);
        texts = malloc((ng ? ng : 1) * sizeof *texts);
        if (!f->s.spans || !f->s.text || !f->s.clean || !f->lo || !f->hi || !f->pos || !f->copied || !texts)
            rc = ovl__mpi_nomem(m);
    }
    for (size_t x = 0; rc == OVL_OK && x < ng; x++) {
        const occrec *r = &got[x];
        f->s.spans[x] = r->sp;
        f->s.text[x] = r->text;
        f->s.clean[x] = (unsigned char)r->clean;
        f->lo[x] = r->lo;
        f->hi[x] = r->hi;
        f->pos[x] = r->pos;
        texts[x] = r->text;
        /* (A document's occurrences come one after the other: its copies taken once.) */
        if (r->copies && (x == 0 || got[x - 1].sp.doc != r->sp.doc))
            f->copied[f->ncopied++] = (ovl__mpi_dcount){r->sp.doc, r->copies};
    }
    ovl__mpi_dcount *fit = rc == OVL_OK ? realloc(f->copied, (f->ncopied ? f->ncopied : 1) * sizeof *fit) : NULL;
    if (fit) /* (else the larger block stays) */
        f->copied = fit;
    free(got);
    got = NULL;
    if (rc == OVL_OK) {
        f->s.n = ng;
        nt = ovl__mpi_sort_uniq_u32(texts, ng);
        for (size_t x = 0; x < ng; x++)
            f->s.text[x] = (uint32_t)ovl__mpi_pos_of(texts, nt, f->s.text[x]);
        f->nunits = nt;
    }
    rc = ovl__mpi_agree(m, rc);
done:
    ovl__fspans_free(&oc);
    free(blo);
    free(bhi);
    free(out);
    free(got);
    free(texts);
    free(sc);
    if (rc != OVL_OK)
        ovl__mpi_fin_free(f);
    return rc;
}

/* This rank's spans of one kind (doc: a position in dl) as an ovl__families of spans in
 * document order only, numbered in the corpus; *s is emptied. */
static void own_spans(ovl__fspans *s, const uint32_t *dl, ovl__families *out)
{
    memset(out, 0, sizeof *out);
    for (size_t x = 0; x < s->n; x++)
        s->spans[x].doc = dl[s->spans[x].doc];
    out->spans = s->spans;
    out->nspans = s->n;
    s->spans = NULL;
    ovl__fspans_free(s);
}

/* This rank's records of both kinds (rv[w], sorted by cmp_rec_doc) read against its
 * documents' chunks (cif, myfirst; lo its first document) into k[0], k[1], its documents
 * with records in *dl (*nd of them) and their chunks' counts per kind in cnt[w]. */
static int find_chunks(mpi_run *m, ovl_recurring *const rv[2], const size_t nrv[2], size_t lo, FILE *cif,
                       const size_t *myfirst, kside *k, uint32_t **dl, size_t *nd, uint32_t *cnt[2])
{
    size_t x[2] = {0, 0}, capch = 0, capgl = 0, capd = 0, capc[2] = {0, 0};
    ovl__chunkinfo *ch = NULL;
    uint32_t *gl = NULL;
    int rc = OVL_OK;
    for (;;) {
        uint32_t doc = UINT32_MAX;
        for (int w = 0; w < 2; w++)
            if (x[w] < nrv[w] && rv[w][x[w]].doc < doc)
                doc = rv[w][x[w]].doc;
        if (doc == UINT32_MAX)
            break;
        size_t kd = doc - lo, nch = myfirst[kd + 1] - myfirst[kd], most = 0, e[2];
        for (int w = 0; w < 2; w++) {
            e[w] = x[w];
            while (e[w] < nrv[w] && rv[w][e[w]].doc == doc)
                e[w]++;
            if (e[w] - x[w] > most)
                most = e[w] - x[w];
        }
        if (ovl__grow(&ch, &capch, nch + 1, sizeof *ch) != 0 || ovl__grow(&gl, &capgl, most, sizeof *gl) != 0 ||
            ovl__grow(dl, &capd, *nd + 1, sizeof **dl) != 0 ||
            ovl__grow(&cnt[0], &capc[0], *nd + 1, sizeof *cnt[0]) != 0 ||
            ovl__grow(&cnt[1], &capc[1], *nd + 1, sizeof *cnt[1]) != 0) {
            rc = ovl__mpi_nomem(m);
            break;
        }
        if (nch && (fseeko(cif, (off_t)(myfirst[kd] * sizeof *ch), SEEK_SET) != 0 ||
                    fread(ch, sizeof *ch, nch, cif) != nch)) {
            rc = ovl__fail(m->ctx, OVL_ERR_IO, -1, "cannot read the temporary chunk file");
            break;
        }
        (*dl)[*nd] = doc;
        for (int w = 0; w < 2 && rc == OVL_OK; w++)
            rc = doc_chunks(m->ctx, &k[w], doc, rv[w] + x[w], e[w] - x[w], ch, nch, gl, &cnt[w][*nd]);
        if (rc != OVL_OK)
            break;
        (*nd)++;
        x[0] = e[0], x[1] = e[1];
    }
    free(ch);
    free(gl);
    return rc;
}

/* Each record of v (*nv of them; freed) to the rank holding its document (templates' records,
 * past the corpus's n documents, go nowhere): *got (malloc'd, *ngot), sorted by cmp_rec_doc.
 * Collective. */
static int records_to_docs(mpi_run *m, const size_t *first, size_t n, ovl_recurring **v, size_t *nv,
                           ovl_recurring **got, size_t *ngot)
{
    int P = m->size;
    const ovl_recurring *rv = *v;
    size_t nr = *nv, *counts = calloc(P, sizeof *counts), *rl = calloc(P, sizeof *rl);
    size_t *at = calloc(P + 1, sizeof *at);
    ovl_recurring *pack = malloc((nr ? nr : 1) * sizeof *pack);
    int rc = ovl__mpi_agree(m, counts && rl && at && pack ? OVL_OK : ovl__mpi_nomem(m));
    *got = NULL;
    *ngot = 0;
    if (rc == OVL_OK) {
        for (size_t x = 0; x < nr; x++)
            if (rv[x].doc < n)
                counts[ovl__mpi_owner_of(first, P, rv[x].doc)] += sizeof *pack;
        for (int p = 0; p < P; p++)
            at[p + 1] = at[p] + counts[p] / sizeof *pack;
        for (size_t x = 0; x < nr; x++)
            if (rv[x].doc < n)
                pack[at[ovl__mpi_owner_of(first, P, rv[x].doc)]++] = rv[x];
        free(*v);
        *v = NULL;
        *nv = 0;
        char *recv = NULL;
        if (ovl__mpi_alltoall_bytes(m, (const char *)pack, counts, &recv, rl) != 0)
            rc = ovl__mpi_nomem(m);
        *got = (ovl_recurring *)recv;
        *ngot = recv ? ovl__mpi_received(rl, P, sizeof *pack) : 0;
        if (*ngot > 1)
            qsort(*got, *ngot, sizeof **got, cmp_rec_doc);
    }
    free(pack);
    free(counts);
    free(rl);
    free(at);
    return rc;
}

uint32_t ovl__mpi_dcount_of(const ovl__mpi_dcount *d, size_t n, uint32_t doc)
{
    size_t at = ovl__first_at_rec(d, n, sizeof *d, offsetof(ovl__mpi_dcount, doc), doc);
    return at < n && d[at].doc == doc ? d[at].copies : 0;
}

void ovl__mpi_fin_free(ovl__mpi_fin *f)
{
    if (!f)
        return;
    ovl__fspans_free(&f->s);
    free(f->lo);
    free(f->hi);
    free(f->pos);
    free(f->copied);
    memset(f, 0, sizeof *f);
}

int ovl__mpi_family_units(mpi_run *m, const size_t *first, size_t n, size_t lo, FILE *cif, const size_t *myfirst,
                          ovl_recurring **rec, size_t *nrec, ovl_recurring **ign, size_t *nign,
                          const uint32_t *mycopies, ovl__mpi_fin *frec, ovl__families *own_rec, ovl__families *own_ign, uint64_t *nign_all)
{
    int rc = OVL_OK, P = m->size;
    ovl_recurring **v[2] = {rec, ign};
    size_t *nv[2] = {nrec, nign};
    ovl_recurring *got[2] = {NULL, NULL}; /* the records of this rank's documents */
    size_t ngot[2] = {0, 0}, nd = 0;
    uint64_t nunits[2] = {0, 0};
    uint32_t *gdocs[2] = {NULL, NULL}; /* per key group of this rank's, its documents */
    size_t *gbase[2] = {NULL, NULL};    /* per rank, its first key group (P + 1) */
    uint32_t *dl = NULL, *cnt[2] = {NULL, NULL}, *cu[2] = {NULL, NULL};
    unsigned char *co[2] = {NULL, NULL}, *frag[2] = {NULL, NULL};
    kside k[2];
    ovl__fspans sp[2];
    ovl__fkins kins;
    memset(&kins, 0, sizeof kins);
    memset(k, 0, sizeof k);
    memset(sp, 0, sizeof sp);
    memset(frec, 0, sizeof *frec);
    memset(own_rec, 0, sizeof *own_rec);
    memset(own_ign, 0, sizeof *own_ign);
    for (int w = 0; w < 2; w++) {
        size_t ng = 0;
        int r = number_groups(m, *v[w], *nv[w], &gdocs[w], &ng, &gbase[w]);
        if (w)
            *nign_all = gbase[w] ? gbase[w][P] : 0;
        if ((rc = ovl__mpi_agree(m, r)) != OVL_OK)
            goto out;
        rc = records_to_docs(m, first, n, v[w], nv[w], &got[w], &ngot[w]);
        ovl__mpi_held(m, (ngot[0] + ngot[1]) * sizeof **got);
        if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
            goto out;
    }
    {
        ovl_recurring *const rv[2] = {got[0], got[1]};
        rc = find_chunks(m, rv, ngot, lo, cif, myfirst, k, &dl, &nd, cnt);
    }
    for (int w = 0; w < 2; w++) {
        free(got[w]);
        got[w] = NULL;
    }
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto out;
    /* The classes: merged and resolved at the ranks their key groups pick, their units back
     * to the ranks that met them. */
    uint64_t held_cls = 0;
    for (int w = 0; w < 2; w++) {
        uint64_t h = 0;
        rc = ovl__mpi_classes_resolve(m, &k[w].cl, gdocs[w], gbase[w], &cu[w], &co[w], &nunits[w], &frag[w],
                                      w == 0 ? &kins : NULL, &h);
        held_cls += h;
        ovl__fctab_free(&k[w].cl);
        free(gdocs[w]);
        gdocs[w] = NULL;
        if (rc != OVL_OK)
            goto out;
    }
    /* The units joined into texts by every rank (each counting over its documents) and each
     * rank's spans of them made; rank 0 gets the spans, never a chunk. */
    for (int w = 0; w < 2; w++) {
        m->st.family_units += nunits[w];
        ovl__mpi_kind kd = {k[w].off, k[w].info, k[w].cls, k[w].n, cnt[w], nd};
        rc = ovl__mpi_join_units(m, &kd, cu[w], co[w], nunits[w], frag[w], &sp[w]);
        kside_free(&k[w]);
        if (rc != OVL_OK)
            goto out;
        ovl__mpi_held(m, sp[w].n * (sizeof *sp[w].spans + sizeof *sp[w].text + 1));
    }
    /* The parts of texts joined by every rank in its documents' spans of recurring text, with
     * the roots alike another (a few: every rank has them). */
    if ((rc = ovl__mpi_join_parts(m, &sp[0], &kins)) != OVL_OK)
        goto out;
    ovl__fkins_free(&kins);
    rc = spans_to_owners(m, &sp[0], dl, mycopies, lo, frec);
    if (rc == OVL_OK) {
        uint64_t held = frec->s.n * (sizeof *frec->s.spans + sizeof *frec->s.text + 1 + 3 * sizeof(uint32_t));
        held += held_cls;
        ovl__mpi_held(m, held);
        m->st.families_input = held;
    }
    own_spans(&sp[0], dl, own_rec);
    own_spans(&sp[1], dl, own_ign);
    rc = ovl__mpi_agree(m, rc);
out:
    for (int w = 0; w < 2; w++) {
        free(got[w]);
        free(gdocs[w]);
        free(gbase[w]);
        free(cnt[w]);
        free(cu[w]);
        free(co[w]);
        free(frag[w]);
        ovl__fspans_free(&sp[w]);
        kside_free(&k[w]);
    }
    ovl__fkins_free(&kins);
    free(dl);
    if (rc != OVL_OK) {
        ovl__mpi_fin_free(frec);
        ovl__families_free(own_rec);
        ovl__families_free(own_ign);
    }
    return rc;
}
