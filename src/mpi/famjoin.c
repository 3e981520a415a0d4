/* famjoin.c - the families' units joined into texts over MPI ranks: each rank counts over its own documents, the counts added up with all-reduces and the pairs of neighbours met by all, the joins made in step by every rank, each rank's spans of the texts made and their parts of texts joined. */
#include "famjoin.h"

#include <stdlib.h>
#include <string.h>

/* The hooks' argument: the run, and the pairs the last edges() gave every rank. */
typedef struct fjarg {
    mpi_run *m;
    size_t pairs;
} fjarg;

static int fj_agree(void *arg, int rc)
{
    return ovl__mpi_agree(((fjarg *)arg)->m, rc);
}

/* (Pieces an int counts.) */
#define FJ_PIECE ((size_t)1 << 26)

static int fj_sum(void *arg, uint32_t *v, size_t n)
{
    mpi_run *m = ((fjarg *)arg)->m;
    for (size_t at = 0; at < n; at += FJ_PIECE) {
        size_t k = n - at < FJ_PIECE ? n - at : FJ_PIECE;
        MPI_Allreduce(MPI_IN_PLACE, v + at, (int)k, MPI_UINT32_T, MPI_SUM, m->comm);
    }
    m->st.sent[m->phase] += (uint64_t)n * sizeof *v;
    m->st.family_join_sums++;
    return OVL_OK;
}

/* The rank that adds up the times of pair e. */
static uint32_t edge_rank(const ovl__fedge *e, int P)
{
    return (uint32_t)((e->x * 2654435761u) ^ e->y) % (uint32_t)P;
}

/* Each pair of neighbours goes to the rank its units pick, which adds up its times; then
 * every rank gets every pair once. So no rank holds another's pairs beside its own while they
 * are added, and each holds the corpus's pairs of units (not of documents) after. */
static int fj_edges(void *arg, ovl__fedge **ed, size_t *ned)
{
    fjarg *a = arg;
    mpi_run *m = a->m;
    int P = m->size;
    size_t n = *ned, *counts = calloc(P, sizeof *counts), *rl = calloc(P, sizeof *rl);
    size_t *at = calloc(P + 1, sizeof *at);
    ovl__fedge *pack = malloc((n ? n : 1) * sizeof *pack);
    char *recv = NULL, *all = NULL;
    int rc = ovl__mpi_agree(m, counts && rl && at && pack ? OVL_OK : ovl__mpi_nomem(m));
    if (rc != OVL_OK)
        goto done;
    const ovl__fedge *e = *ed;
    for (size_t i = 0; i < n; i++)
        counts[edge_rank(&e[i], P)] += sizeof *pack;
    for (int p = 0; p < P; p++)
        at[p + 1] = at[p] + counts[p] / sizeof *pack;
    for (size_t i = 0; i < n; i++)
        pack[at[edge_rank(&e[i], P)]++] = e[i];
    free(*ed);
    *ed = NULL;
    *ned = 0;
    int bad = ovl__mpi_alltoall_bytes(m, (const char *)pack, counts, &recv, rl) != 0;
    free(pack);
    pack = NULL;
    size_t nr = bad ? 0 : ovl__fedges_merge((ovl__fedge *)recv, ovl__mpi_received(rl, P, sizeof(ovl__fedge)));
    if ((rc = ovl__mpi_agree(m, bad ? ovl__mpi_nomem(m) : OVL_OK)) != OVL_OK)
        goto done;
    bad = ovl__mpi_allgather_bytes(m, recv, nr * sizeof(ovl__fedge), &all, rl) != 0;
    free(recv);
    recv = NULL;
    if ((rc = ovl__mpi_agree(m, bad ? ovl__mpi_nomem(m) : OVL_OK)) != OVL_OK)
        goto done;
    *ned = ovl__mpi_received(rl, P, sizeof(ovl__fedge));
    *ed = (ovl__fedge *)all; /* (each pair once: from the rank that added it up) */
    all = NULL;
    a->pairs = *ned;
    ovl__fedges_merge(*ed, *ned); /* (sorted: each pair came once) */
done:
    free(all);
    free(recv);
    free(pack);
    free(counts);
    free(rl);
    free(at);
    return rc;
}

int ovl__mpi_join_units(mpi_run *m, const ovl__mpi_kind *k, const uint32_t *cu, const unsigned char *co,
                        size_t nunits, const unsigned char *frag, ovl__fspans *sp)
{
    ovl__funits u;
    size_t nd = k->nd;
    memset(&u, 0, sizeof u);
    memset(sp, 0, sizeof *sp);
    u.ndocs = nd;
    u.n = k->n;
    u.off = (uint32_t *)k->off;
    u.info = (ovl__chunkinfo *)k->info;
    u.frag = (unsigned char *)frag;
    u.nunits = nunits;
    u.first = malloc((nd + 1) * sizeof *u.first);
    u.unit = malloc((k->n ? k->n : 1) * sizeof *u.unit);
    u.pure = malloc(k->n ? k->n : 1);
    uint32_t *self = malloc((nd ? nd : 1) * sizeof *self); /* (no copies here: a copy holds no record) */
    ovl__ftexts t;
    memset(&t, 0, sizeof t);
    int rc = OVL_OK;
    if (!u.first || !u.unit || !u.pure || !self)
        rc = ovl__mpi_nomem(m);
    for (size_t j = 0; rc == OVL_OK && j < nd; j++) {
        u.first[j + 1] = (j ? u.first[j] : 0) + k->cnt[j];
        self[j] = (uint32_t)j;
    }
    if (u.first)
        u.first[0] = 0;
    for (size_t c = 0; rc == OVL_OK && c < k->n; c++) {
        u.unit[c] = cu[k->cls[c]];
        u.pure[c] = co[k->cls[c]];
    }
    fjarg a = {m, 0};
    if ((rc = ovl__mpi_agree(m, rc)) == OVL_OK) {
        ovl__fjoin j = {fj_agree, fj_sum, fj_edges, &a};
        rc = ovl__funits_join(m->ctx, &u, self, &j, &t);
    }
    m->st.family_joined += t.n;
    m->st.family_neighbours += a.pairs;
    ovl__mpi_held(m, t.n * 24 + a.pairs * sizeof(ovl__fedge) + nunits);
    if (rc == OVL_OK)
        rc = ovl__mpi_agree(m, ovl__funits_spans(m->ctx, &u, self, &t, sp));
    free(u.first);
    free(u.unit);
    free(u.pure);
    free(self);
    ovl__ftexts_free(&t);
    return rc;
}

int ovl__mpi_join_parts(mpi_run *m, ovl__fspans *sp, const ovl__fkins *kins)
{
    fjarg a = {m, 0};
    ovl__fjoin j = {fj_agree, fj_sum, fj_edges, &a};
    int rc = ovl__fspans_join_parts(m->ctx, sp, kins, &j);
    m->st.family_part_pairs += a.pairs;
    ovl__mpi_held(m, sp->n * 28 + a.pairs * 41 + kins->n * 2 * sizeof *kins->unit);
    return rc;
}
