/* classes.c - the classes of recurring chunks merged and resolved over MPI ranks: each class at the rank its key groups pick, each key group's figures at the rank that numbered it. */
#include "classes.h"

#include "../uf.h"

#include <stdlib.h>
#include <string.h>

/* The rank n bytes at p pick (a class's key groups: its home; a pair of roots: where it is
 * counted). */
static int rank_of(const void *p, size_t n, int P)
{
    uint64_t h = ovl__mpi_fnv(OVL__MPI_FNV_SEED, p, n);
    return (int)(((h >> 32) * (uint64_t)P) >> 32);
}

/* A class as key groups' owners are chosen (src/family.c, class_ahead): texts of their own
 * first, then more documents, then the first met; home: where it is. */
typedef struct ckey {
    uint32_t num, docs, own, home;
} ckey;

static int ahead(const ckey *a, const ckey *b)
{
    if (a->own != b->own)
        return a->own > b->own;
    if (a->docs != b->docs)
        return a->docs > b->docs;
    return a->num < b->num;
}

/* A home class by its number. */
typedef struct numcls {
    uint32_t num, cls;
} numcls;

/* What a rank holds while the classes are resolved. */
typedef struct cres {
    mpi_run *m;
    int P;
    size_t *cnt, *rl, *off; /* per rank: bytes to send, received, where each rank's begin */
    ovl__bbuf *b;           /* per rank: the bytes of a round to it */
    char *recv;
    /* This rank's classes (mine) */
    int *jh;              /* per class of mine: its home */
    unsigned char *first; /* per class of mine: whether this rank numbers it */
    /* Its home classes */
    ovl__fctab t;
    uint32_t *num, *up, *uph; /* per home class: its number, its up's (its root's at the end),
                                 that one's home */
    unsigned char *own;        /* per home class: a text of its own */
    uint32_t *emap;       /* per copy received (rank after rank, each in its order): its class */
    unsigned char *efirst; /* per copy: whether it made its class (came first) */
    size_t ne, *ecount;    /* copies; per rank, how many from it */
    numcls *bynum;        /* the home classes by number */
} cres;

/* One round: c->b[p]'s bytes to rank p (the buffers emptied); c->recv (malloc'd) gets what each
 * rank sent this one, in rank order, c->rl[p] bytes from p beginning at c->off[p]. rc: this
 * rank's code so far (when not OVL_OK it sends nothing). Collective; every rank returns the
 * same code. */
static int xchg(cres *c, int rc)
{
    mpi_run *m = c->m;
    size_t tot = 0;
    for (int p = 0; p < c->P; p++) {
        tot += c->b[p].n;
        if (c->b[p].bad && rc == OVL_OK)
            rc = ovl__mpi_nomem(m);
    }
    char *s = rc == OVL_OK ? malloc(tot ? tot : 1) : NULL;
    if (!s && rc == OVL_OK)
        rc = ovl__mpi_nomem(m);
    size_t at = 0;
    for (int p = 0; p < c->P; p++) {
        c->cnt[p] = rc == OVL_OK ? c->b[p].n : 0;
        if (c->cnt[p])
            memcpy(s + at, c->b[p].p, c->cnt[p]);
        at += c->cnt[p];
        free(c->b[p].p);
        memset(&c->b[p], 0, sizeof c->b[p]);
    }
    free(c->recv);
    c->recv = NULL;
    int bad = ovl__mpi_alltoall_bytes(m, s, c->cnt, &c->recv, c->rl) != 0;
    free(s);
    c->off[0] = 0;
    for (int p = 0; p < c->P; p++)
        c->off[p + 1] = c->off[p] + c->rl[p];
    return ovl__mpi_agree(m, rc != OVL_OK ? rc : bad ? ovl__mpi_nomem(m) : OVL_OK);
}

static void cres_free(cres *c)
{
    for (int p = 0; c->b && p < c->P; p++)
        free(c->b[p].p);
    free(c->b);
    free(c->cnt);
    free(c->recv);
    free(c->jh);
    free(c->first);
    ovl__fctab_free(&c->t);
    free(c->num);
    free(c->up);
    free(c->uph);
    free(c->own);
    free(c->emap);
    free(c->efirst);
    free(c->bynum);
}

/* The home class numbered x (whoever asks learnt its home from its key groups), SIZE_MAX when
 * it is not here. */
static size_t class_of(const cres *c, uint32_t x)
{
    size_t i = ovl__first_at_rec(c->bynum, c->t.n, sizeof *c->bynum, offsetof(numcls, num), x);
    return i < c->t.n && c->bynum[i].num == x ? c->bynum[i].cls : SIZE_MAX;
}

/* Step 1: mine's classes merged at their homes and numbered. *total: the corpus's classes. */
static int merge(cres *c, const ovl__fctab *mine, uint64_t *total)
{
    mpi_run *m = c->m;
    int rc = OVL_OK, P = c->P;
    size_t n = mine->n;
    if (!(c->jh = malloc((n ? n : 1) * sizeof *c->jh)) || !(c->first = malloc(n ? n : 1)))
        rc = ovl__mpi_nomem(m);
    for (size_t j = 0; rc == OVL_OK && j < n; j++) {
        const uint32_t *gl = mine->gl + mine->goff[j];
        uint32_t h[4] = {mine->c[j].fdoc, mine->c[j].foff, mine->c[j].docs, (uint32_t)(mine->goff[j + 1] - mine->goff[j])};
        c->jh[j] = rank_of(gl, h[3] * sizeof *gl, P);
        ovl__bput(&c->b[c->jh[j]], h, sizeof h);
        ovl__bput(&c->b[c->jh[j]], gl, h[3] * sizeof *gl);
    }
    if ((rc = xchg(c, rc)) != OVL_OK)
        return rc;
    /* (Copies come rank after rank, so the first of a class is the one that makes it.) */
    size_t cap = 0, capf = 0;
    rbuf rb = {c->recv, c->off[P], 0};
    for (int p = 0; p < P && rc == OVL_OK; p++)
        for (c->ecount[p] = 0; rc == OVL_OK && rb.at < c->off[p + 1]; c->ecount[p]++) {
            uint32_t h[4], k;
            if (ovl__mpi_get(&rb, h, sizeof h) != 0 || c->off[p + 1] - rb.at < (size_t)h[3] * sizeof(uint32_t)) {
                rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "the ranks' classes of recurring text could not be read back");
                break;
            }
            size_t before = c->t.n;
            if ((rc = ovl__fctab_find(m->ctx, &c->t, (const uint32_t *)(rb.p + rb.at), h[3], h[0], h[1], &k)) != OVL_OK)
                break;
            rb.at += (size_t)h[3] * sizeof(uint32_t);
            c->t.c[k].docs += h[2];
            if (ovl__grow(&c->emap, &cap, c->ne + 1, sizeof *c->emap) != 0 ||
                ovl__grow(&c->efirst, &capf, c->ne + 1, sizeof *c->efirst) != 0) {
                rc = ovl__mpi_nomem(m);
                break;
            }
            c->emap[c->ne] = k;
            c->efirst[c->ne++] = c->t.n > before;
        }
    size_t nh = c->t.n;
    if (rc == OVL_OK && (!(c->num = malloc((nh ? nh : 1) * sizeof *c->num)) ||
                         !(c->up = malloc((nh ? nh : 1) * sizeof *c->up)) ||
                         !(c->uph = malloc((nh ? nh : 1) * sizeof *c->uph)) ||
                         !(c->own = malloc(nh ? nh : 1)) ||
                         !(c->bynum = malloc((nh ? nh : 1) * sizeof *c->bynum))))
        rc = ovl__mpi_nomem(m);
    /* Each copy's rank learns whether it came first. */
    size_t e = 0;
    for (int p = 0; rc == OVL_OK && p < P; p++)
        for (size_t i = 0; i < c->ecount[p]; i++, e++)
            ovl__bput(&c->b[p], &c->efirst[e], 1);
    if ((rc = xchg(c, rc)) != OVL_OK)
        return rc;
    size_t *at = c->cnt; /* (free until the next round) */
    for (int p = 0; p < P; p++)
        at[p] = c->off[p];
    uint64_t nf = 0, base = 0;
    for (size_t j = 0; j < n; j++) {
        c->first[j] = at[c->jh[j]] < c->off[c->jh[j] + 1] && c->recv[at[c->jh[j]]++];
        nf += c->first[j];
    }
    MPI_Exscan(&nf, &base, 1, MPI_UINT64_T, MPI_SUM, m->comm);
    MPI_Allreduce(&nf, total, 1, MPI_UINT64_T, MPI_SUM, m->comm);
    if (m->rank == 0)
        base = 0; /* (what MPI_Exscan leaves there is undefined) */
    if (*total >= UINT32_MAX)
        rc = ovl__fail(m->ctx, OVL_ERR_TOOBIG, -1, "families: more than 4294967294 classes of recurring chunks");
    /* The first copies' numbers to their homes. */
    for (size_t j = 0, k = 0; rc == OVL_OK && j < n; j++)
        if (c->first[j]) {
            uint32_t x = (uint32_t)(base + k++);
            ovl__bput(&c->b[c->jh[j]], &x, sizeof x);
        }
    if ((rc = xchg(c, rc)) != OVL_OK)
        return rc;
    const uint32_t *got = (const uint32_t *)c->recv;
    size_t gi = 0, ngot = c->off[P] / sizeof *got;
    for (e = 0; e < c->ne; e++)
        if (c->efirst[e]) {
            if (gi == ngot) {
                rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "the ranks' classes of recurring text could not be numbered");
                break;
            }
            c->num[c->emap[e]] = got[gi++];
        }
    for (size_t k = 0; rc == OVL_OK && k < nh; k++)
        c->bynum[k] = (numcls){c->num[k], (uint32_t)k};
    if (rc == OVL_OK && nh > 1)
        qsort(c->bynum, nh, sizeof *c->bynum, ovl__mpi_cmp_u32);
    return ovl__mpi_agree(m, rc);
}

/* The key groups of home class k. */
#define GROUPS(c, k) ((c)->t.gl + (c)->t.goff[k])
#define NGROUPS(c, k) ((size_t)((c)->t.goff[(k) + 1] - (c)->t.goff[k]))

/* Step 2: whether each home class is a text of its own (its documents against its rarest key
 * group's, its key groups against the most any class has), then each key group's owner, the
 * class ahead of all holding it, as *ow (malloc'd: per home class, per key group of it, the
 * owner's key). */
static int owners(cres *c, const uint32_t *gd, const size_t *gbase, uint32_t maxkeys, ckey **ow)
{
    mpi_run *m = c->m;
    int rc = OVL_OK, P = c->P;
    size_t nh = c->t.n, ngl = nh ? c->t.goff[nh] : 0;
    size_t mybase = gbase[m->rank], myn = gbase[m->rank + 1] - mybase;
    *ow = NULL;
    for (size_t k = 0; k < nh; k++)
        for (size_t i = 0; i < NGROUPS(c, k); i++)
            ovl__bput(&c->b[ovl__mpi_owner_of(gbase, P, GROUPS(c, k)[i])], &GROUPS(c, k)[i], sizeof(uint32_t));
    if ((rc = xchg(c, rc)) != OVL_OK)
        return rc;
    /* (Answered in place: a key group's documents for the key group.) */
    uint32_t *q = (uint32_t *)c->recv;
    for (size_t i = 0; i < c->off[P] / sizeof *q; i++) {
        if (q[i] < mybase || q[i] - mybase >= myn) {
            rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "a key group was asked of the wrong rank");
            break;
        }
        q[i] = gd[q[i] - mybase];
    }
    for (int p = 0; rc == OVL_OK && p < P; p++)
        ovl__bput(&c->b[p], c->recv + c->off[p], c->rl[p]);
    if ((rc = xchg(c, rc)) != OVL_OK)
        return rc;
    size_t *at = c->cnt;
    for (int p = 0; p < P; p++)
        at[p] = c->off[p];
    for (size_t k = 0; k < nh; k++) {
        uint32_t rare = UINT32_MAX;
        for (size_t i = 0; i < NGROUPS(c, k); i++) {
            int p = ovl__mpi_owner_of(gbase, P, GROUPS(c, k)[i]);
            uint32_t d;
            memcpy(&d, c->recv + at[p], sizeof d);
            at[p] += sizeof d;
            if (d < rare)
                rare = d;
        }
        c->own[k] = 2 * (uint64_t)c->t.c[k].docs >= rare && 2 * NGROUPS(c, k) >= maxkeys;
    }
    /* Each key group's owner found where the key group is. */
    for (size_t k = 0; k < nh; k++)
        for (size_t i = 0; i < NGROUPS(c, k); i++) {
            uint32_t g = GROUPS(c, k)[i];
            ckey r = {c->num[k], c->t.c[k].docs, c->own[k], g}; /* (home: the key group, on the way) */
            ovl__bput(&c->b[ovl__mpi_owner_of(gbase, P, g)], &r, sizeof r);
        }
    if ((rc = xchg(c, rc)) != OVL_OK)
        return rc;
    ckey *best = malloc((myn ? myn : 1) * sizeof *best), *r = (ckey *)c->recv;
    if (!best)
        rc = ovl__mpi_nomem(m);
    for (size_t g = 0; rc == OVL_OK && g < myn; g++)
        best[g].num = UINT32_MAX;
    for (int p = 0; rc == OVL_OK && p < P; p++)
        for (size_t i = c->off[p] / sizeof *r; i < c->off[p + 1] / sizeof *r; i++) {
            ckey x = {r[i].num, r[i].docs, r[i].own, (uint32_t)p};
            if (r[i].home - mybase >= myn) {
                rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "a key group was asked of the wrong rank");
                break;
            }
            ckey *o = &best[r[i].home - mybase];
            if (o->num == UINT32_MAX || ahead(&x, o))
                *o = x;
        }
    for (size_t i = 0; rc == OVL_OK && i < c->off[P] / sizeof *r; i++)
        r[i] = best[r[i].home - mybase];
    free(best);
    for (int p = 0; rc == OVL_OK && p < P; p++)
        ovl__bput(&c->b[p], c->recv + c->off[p], c->rl[p]);
    if ((rc = xchg(c, rc)) != OVL_OK)
        return rc;
    if (!(*ow = malloc((ngl ? ngl : 1) * sizeof **ow)))
        rc = ovl__mpi_nomem(m);
    for (int p = 0; p < P; p++)
        at[p] = c->off[p];
    for (size_t k = 0; rc == OVL_OK && k < nh; k++)
        for (size_t i = 0; i < NGROUPS(c, k); i++) {
            int p = ovl__mpi_owner_of(gbase, P, GROUPS(c, k)[i]);
            memcpy(&(*ow)[c->t.goff[k] + i], c->recv + at[p], sizeof **ow);
            at[p] += sizeof **ow;
        }
    return ovl__mpi_agree(m, rc);
}

static int cmp_ckey_num(const void *x, const void *y)
{
    const ckey *a = x, *b = y;
    return (a->num > b->num) - (a->num < b->num);
}

/* A question to another home: how many key groups home class k shares with class o there. */
typedef struct quest {
    uint32_t k;
    ckey o;
} quest;

/* Step 3: each home class that is no text of its own put with its key groups' owner it shares
 * most key groups with (ow: from owners), and every class's up followed to its root. */
static int roots(cres *c, const ckey *ow)
{
    mpi_run *m = c->m;
    int rc = OVL_OK, P = c->P;
    size_t nh = c->t.n, nq = 0, capq = 0, capk = 0;
    quest *qs = NULL;
    ckey *cand = NULL;
    for (size_t k = 0; k < nh; k++) {
        c->up[k] = c->num[k];
        c->uph[k] = (uint32_t)m->rank;
    }
    for (size_t k = 0; rc == OVL_OK && k < nh; k++) {
        if (c->own[k])
            continue;
        size_t ng = NGROUPS(c, k), nc = 0;
        if (ovl__grow(&cand, &capk, ng, sizeof *cand) != 0) {
            rc = ovl__mpi_nomem(m);
            break;
        }
        for (size_t i = 0; i < ng; i++)
            if (ow[c->t.goff[k] + i].num != c->num[k])
                cand[nc++] = ow[c->t.goff[k] + i];
        if (nc > 1)
            qsort(cand, nc, sizeof *cand, cmp_ckey_num);
        for (size_t i = 0; i < nc; i++) {
            if (i && cand[i].num == cand[i - 1].num)
                continue;
            if (ovl__grow(&qs, &capq, nq + 1, sizeof *qs) != 0) {
                rc = ovl__mpi_nomem(m);
                break;
            }
            qs[nq++] = (quest){(uint32_t)k, cand[i]};
            uint32_t h[2] = {cand[i].num, (uint32_t)ng};
            ovl__bput(&c->b[cand[i].home], h, sizeof h);
            ovl__bput(&c->b[cand[i].home], GROUPS(c, k), ng * sizeof(uint32_t));
        }
    }
    free(cand);
    if ((rc = xchg(c, rc)) != OVL_OK)
        goto done;
    {
        rbuf rb = {c->recv, c->off[P], 0};
        for (int p = 0; rc == OVL_OK && p < P; p++)
            while (rb.at < c->off[p + 1]) {
                uint32_t h[2];
                size_t o = SIZE_MAX;
                if (ovl__mpi_get(&rb, h, sizeof h) != 0 || c->off[p + 1] - rb.at < (size_t)h[1] * sizeof(uint32_t) ||
                    (o = class_of(c, h[0])) == SIZE_MAX) {
                    rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "the ranks' classes of recurring text could not be read back");
                    break;
                }
                uint32_t n = (uint32_t)ovl__groups_shared((const uint32_t *)(rb.p + rb.at), h[1], GROUPS(c, o), NGROUPS(c, o));
                rb.at += (size_t)h[1] * sizeof(uint32_t);
                ovl__bput(&c->b[p], &n, sizeof n);
            }
    }
    if ((rc = xchg(c, rc)) != OVL_OK)
        goto done;
    {
        size_t *at = c->cnt;
        for (int p = 0; p < P; p++)
            at[p] = c->off[p];
        /* (A class's questions are side by side: its best is the one sharing most, then ahead.) */
        for (size_t i = 0, e; i < nq; i = e) {
            uint32_t k = qs[i].k, bestn = 0;
            ckey best = {0, 0, 0, 0};
            for (e = i; e < nq && qs[e].k == k; e++) {
                uint32_t n;
                memcpy(&n, c->recv + at[qs[e].o.home], sizeof n);
                at[qs[e].o.home] += sizeof n;
                if (n > bestn || (n == bestn && ahead(&qs[e].o, &best)))
                    best = qs[e].o, bestn = n;
            }
            if (bestn) {
                c->up[k] = best.num;
                c->uph[k] = best.home;
            }
        }
    }
    /* Pointer jumping: each class not at its root asks its up's home for that one's up. */
    for (;;) {
        for (size_t k = 0; k < nh; k++)
            if (c->up[k] != c->num[k])
                ovl__bput(&c->b[c->uph[k]], &c->up[k], sizeof c->up[k]);
        if ((rc = xchg(c, rc)) != OVL_OK)
            goto done;
        for (int p = 0; rc == OVL_OK && p < P; p++)
            for (size_t i = c->off[p]; i < c->off[p + 1]; i += sizeof(uint32_t)) {
                uint32_t x, r[2];
                memcpy(&x, c->recv + i, sizeof x);
                size_t o = class_of(c, x);
                if (o == SIZE_MAX) {
                    rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "a class was asked of the wrong rank");
                    break;
                }
                r[0] = c->up[o], r[1] = c->uph[o];
                ovl__bput(&c->b[p], r, sizeof r);
            }
        if ((rc = xchg(c, rc)) != OVL_OK)
            goto done;
        size_t *at = c->cnt;
        for (int p = 0; p < P; p++)
            at[p] = c->off[p];
        int moved = 0;
        for (size_t k = 0; k < nh; k++)
            if (c->up[k] != c->num[k]) {
                uint32_t r[2];
                memcpy(r, c->recv + at[c->uph[k]], sizeof r);
                at[c->uph[k]] += sizeof r;
                moved |= r[0] != c->up[k];
                c->up[k] = r[0], c->uph[k] = r[1];
            }
        MPI_Allreduce(MPI_IN_PLACE, &moved, 1, MPI_INT, MPI_LOR, m->comm);
        if (!moved)
            break;
    }
done:
    free(qs);
    return rc;
}

/* A key group of a root that is a text of its own, and that root (its number and key groups). */
typedef struct kgr {
    uint32_t g, num, ng;
} kgr;

static int cmp_kgr(const void *x, const void *y)
{
    const kgr *a = x, *b = y;
    if (a->g != b->g)
        return a->g < b->g ? -1 : 1;
    return (a->num > b->num) - (a->num < b->num);
}

/* Two roots met in a key group, with their key groups' counts. */
typedef struct kpair {
    uint32_t x, y, nx, ny;
} kpair;

static int cmp_kpair(const void *p, const void *q)
{
    const kpair *a = p, *b = q;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    return (a->y > b->y) - (a->y < b->y);
}

/* Step 4: the roots alike another (src/family.c, classes_kin), in *kins on every rank. */
static int kin(cres *c, const size_t *gbase, ovl__fkins *kins)
{
    mpi_run *m = c->m;
    int rc = OVL_OK, P = c->P;
    size_t nh = c->t.n, np = 0, nok = 0, nid = 0;
    kpair *pairs = NULL;
    uint32_t *ok = NULL, *ids = NULL, *parent = NULL;
    memset(kins, 0, sizeof *kins);
    for (size_t k = 0; k < nh; k++)
        if (c->up[k] == c->num[k] && c->own[k])
            for (size_t i = 0; i < NGROUPS(c, k); i++) {
                kgr r = {GROUPS(c, k)[i], c->num[k], (uint32_t)NGROUPS(c, k)};
                ovl__bput(&c->b[ovl__mpi_owner_of(gbase, P, r.g)], &r, sizeof r);
            }
    if ((rc = xchg(c, rc)) != OVL_OK)
        goto done;
    kgr *gr = (kgr *)c->recv;
    size_t nr = c->off[P] / sizeof *gr;
    if (nr > 1)
        qsort(gr, nr, sizeof *gr, cmp_kgr);
    for (size_t a = 0, b; rc == OVL_OK && a < nr; a = b) {
        for (b = a + 1; b < nr && gr[b].g == gr[a].g;)
            b++;
        if (b - a > OVL__FAMILY_KIN_GROUP_MAX)
            continue;
        for (size_t i = a; i < b; i++)
            for (size_t j = i + 1; j < b; j++) {
                kpair kp = {gr[i].num, gr[j].num, gr[i].ng, gr[j].ng};
                ovl__bput(&c->b[rank_of(&kp, 2 * sizeof kp.x, P)], &kp, sizeof kp);
            }
    }
    if ((rc = xchg(c, rc)) != OVL_OK)
        goto done;
    pairs = (kpair *)c->recv;
    np = c->off[P] / sizeof *pairs;
    c->recv = NULL;
    if (np > 1)
        qsort(pairs, np, sizeof *pairs, cmp_kpair);
    for (size_t a = 0, b; a < np; a = b) {
        for (b = a + 1; b < np && pairs[b].x == pairs[a].x && pairs[b].y == pairs[a].y;)
            b++;
        uint32_t least = pairs[a].nx < pairs[a].ny ? pairs[a].nx : pairs[a].ny;
        if (2 * (b - a) >= least) {
            pairs[nok].x = pairs[a].x; /* (kept in place: nok <= a) */
            pairs[nok++].y = pairs[a].y;
        }
    }
    /* The pairs alike to every rank, which joins them alike. */
    {
        uint32_t *mine = malloc((nok ? nok : 1) * 2 * sizeof *mine);
        char *all = NULL;
        size_t *lens = c->cnt;
        if (!mine)
            rc = ovl__mpi_nomem(m);
        for (size_t i = 0; mine && i < nok; i++)
            mine[2 * i] = pairs[i].x, mine[2 * i + 1] = pairs[i].y;
        if (ovl__mpi_allgather_bytes(m, mine, mine ? nok * 2 * sizeof *mine : 0, &all, lens) != 0 && rc == OVL_OK)
            rc = ovl__mpi_nomem(m);
        free(mine);
        ok = (uint32_t *)all;
        nok = all ? ovl__mpi_received(lens, P, 2 * sizeof *ok) : 0;
        if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
            goto done;
    }
    if (!(ids = malloc((nok ? 2 * nok : 1) * sizeof *ids)))
        rc = ovl__mpi_nomem(m);
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto done;
    memcpy(ids, ok, 2 * nok * sizeof *ids);
    nid = ovl__mpi_sort_uniq_u32(ids, 2 * nok);
    if (!(parent = malloc((nid ? nid : 1) * sizeof *parent)))
        rc = ovl__mpi_nomem(m);
    for (size_t i = 0; rc == OVL_OK && i < nid; i++)
        parent[i] = (uint32_t)i;
    /* (Numbered in order: the smaller root kept is the smaller number.) */
    for (size_t i = 0; rc == OVL_OK && i < nok; i++)
        ovl__uf_union(parent, (uint32_t)ovl__mpi_pos_of(ids, nid, ok[2 * i]),
                      (uint32_t)ovl__mpi_pos_of(ids, nid, ok[2 * i + 1]));
    size_t nk = 0;
    for (size_t i = 0; rc == OVL_OK && i < nid; i++)
        nk += ovl__uf_find(parent, (uint32_t)i) != i;
    if (rc == OVL_OK && (!(kins->unit = malloc((nk ? nk : 1) * sizeof *kins->unit)) ||
                         !(kins->kin = malloc((nk ? nk : 1) * sizeof *kins->kin))))
        rc = ovl__mpi_nomem(m);
    for (size_t i = 0; rc == OVL_OK && i < nid; i++) {
        uint32_t r = ovl__uf_find(parent, (uint32_t)i);
        if (r != i) {
            kins->unit[kins->n] = ids[i];
            kins->kin[kins->n++] = ids[r];
        }
    }
    rc = ovl__mpi_agree(m, rc);
done:
    free(pairs);
    free(ok);
    free(ids);
    free(parent);
    if (rc != OVL_OK)
        ovl__fkins_free(kins);
    return rc;
}

int ovl__mpi_classes_resolve(mpi_run *m, const ovl__fctab *mine, const uint32_t *gd, const size_t *gbase,
                             uint32_t **cu, unsigned char **co, uint64_t *nunits, unsigned char **frag,
                             ovl__fkins *kins, uint64_t *held)
{
    int P = m->size, rc = OVL_OK;
    cres c;
    memset(&c, 0, sizeof c);
    c.m = m;
    c.P = P;
    ckey *ow = NULL;
    uint32_t *fr = NULL;
    size_t n = mine->n;
    *cu = NULL, *co = NULL, *frag = NULL, *nunits = 0, *held = 0;
    if (kins)
        memset(kins, 0, sizeof *kins);
    if (!(c.cnt = calloc(4 * (size_t)P + 1, sizeof *c.cnt)) || !(c.b = calloc(P, sizeof *c.b)))
        rc = ovl__mpi_nomem(m);
    else
        c.rl = c.cnt + P, c.ecount = c.cnt + 2 * P, c.off = c.cnt + 3 * P;
    if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
        goto done;
    if ((rc = merge(&c, mine, nunits)) != OVL_OK)
        goto done;
    uint64_t maxkeys = 0;
    for (size_t j = 0; j < n; j++)
        if (mine->goff[j + 1] - mine->goff[j] > maxkeys)
            maxkeys = mine->goff[j + 1] - mine->goff[j];
    MPI_Allreduce(MPI_IN_PLACE, &maxkeys, 1, MPI_UINT64_T, MPI_MAX, m->comm);
    if ((rc = owners(&c, gd, gbase, (uint32_t)maxkeys, &ow)) != OVL_OK)
        goto done;
    if ((rc = roots(&c, ow)) != OVL_OK)
        goto done;
    free(ow);
    ow = NULL;
    size_t nh = c.t.n;
    m->st.family_classes += nh;
    *held = nh * (sizeof *c.t.c + sizeof *c.t.goff + 4 * sizeof(uint32_t) + 1 + sizeof *c.bynum) +
            (nh ? c.t.goff[nh] : 0) * sizeof(uint32_t) + c.t.tsize * sizeof *c.t.table +
            c.ne * (sizeof *c.emap + 1);
    /* The fragments to every rank, a byte a unit there. */
    {
        size_t nf = 0;
        for (size_t k = 0; k < nh; k++)
            nf += c.up[k] == c.num[k] && !c.own[k];
        char *all = NULL;
        if (!(fr = malloc((nf ? nf : 1) * sizeof *fr)))
            rc = ovl__mpi_nomem(m);
        for (size_t k = 0, i = 0; fr && k < nh; k++)
            if (c.up[k] == c.num[k] && !c.own[k])
                fr[i++] = c.num[k];
        if (ovl__mpi_allgather_bytes(m, fr, fr ? nf * sizeof *fr : 0, &all, c.rl) != 0 && rc == OVL_OK)
            rc = ovl__mpi_nomem(m);
        free(fr);
        fr = (uint32_t *)all;
        if (rc == OVL_OK && !(*frag = calloc(*nunits ? *nunits : 1, 1)))
            rc = ovl__mpi_nomem(m);
        for (size_t i = 0; rc == OVL_OK && i < ovl__mpi_received(c.rl, P, sizeof *fr); i++) {
            if (fr[i] >= *nunits) {
                rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "a fragment's number is past the classes");
                break;
            }
            (*frag)[fr[i]] = 1;
        }
        if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK)
            goto done;
    }
    if (kins && (rc = kin(&c, gbase, kins)) != OVL_OK)
        goto done;
    /* Each copy's unit and own flag back to its rank. */
    size_t e = 0;
    for (int p = 0; p < P; p++)
        for (size_t i = 0; i < c.ecount[p]; i++, e++) {
            uint32_t r[2] = {c.up[c.emap[e]], c.own[c.emap[e]]};
            ovl__bput(&c.b[p], r, sizeof r);
        }
    if ((rc = xchg(&c, rc)) != OVL_OK)
        goto done;
    if (!(*cu = malloc((n ? n : 1) * sizeof **cu)) || !(*co = malloc(n ? n : 1)))
        rc = ovl__mpi_nomem(m);
    {
        size_t *at = c.cnt;
        for (int p = 0; p < P; p++)
            at[p] = c.off[p];
        for (size_t j = 0; rc == OVL_OK && j < n; j++) {
            uint32_t r[2];
            if (c.off[c.jh[j] + 1] - at[c.jh[j]] < sizeof r) {
                rc = ovl__fail(m->ctx, OVL_ERR_INVALID, -1, "the ranks' classes of recurring text could not be read back");
                break;
            }
            memcpy(r, c.recv + at[c.jh[j]], sizeof r);
            at[c.jh[j]] += sizeof r;
            (*cu)[j] = r[0];
            (*co)[j] = (unsigned char)r[1];
        }
    }
    rc = ovl__mpi_agree(m, rc);
done:
    free(ow);
    free(fr);
    cres_free(&c);
    if (rc != OVL_OK) {
        free(*cu), free(*co), free(*frag);
        *cu = NULL, *co = NULL, *frag = NULL;
        if (kins)
            ovl__fkins_free(kins);
    }
    return rc;
}
