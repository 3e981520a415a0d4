/* scan_mpi.c - ovl_scan spread over MPI ranks: the scan's phases in order, each rank its share, with the data moved between them by MPI. */
#include "families.h"
#include "groups.h"
#include "results.h"
#include "../uf.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const phase_names[OVL_SCAN_MPI_PHASES] = {"fingerprint", "keys", "pairs",
                                                             "balance", "align", "results"};

const char *ovl_scan_mpi_phase(int phase)
{
    return phase >= 0 && phase < OVL_SCAN_MPI_PHASES ? phase_names[phase] : NULL;
}

/* The first document of rank p's share: shares are contiguous in name order and hold about
 * the same number of bytes. */
static void shares(const ovl_corpus *c, int P, size_t *first)
{
    size_t n = ovl_corpus_count(c);
    uint64_t total = 0, at = 0;
    for (size_t i = 0; i < n; i++)
        total += ovl_corpus_size(c, i) + 1;
    int p = 0;
    first[0] = 0;
    for (size_t i = 0; i < n; i++) {
        while (p + 1 < P && at >= total / (uint64_t)P * (uint64_t)(p + 1))
            first[++p] = i;
        at += ovl_corpus_size(c, i) + 1;
    }
    while (p + 1 <= P)
        first[++p] = n;
}

/* Whether document k of a share (docs: the share's records, read) is the first of the share
 * with its bytes, adding it to the set: seen holds 1 + the numbers of the share's first
 * documents by content hash (open addressing, mask + 1 slots, more than the share). */
static int first_seen(uint32_t *seen, size_t mask, const ovl_scan_doc *docs, uint32_t k)
{
    for (size_t at = (size_t)(docs[k].hash[0] ^ docs[k].hash[1] >> 7) & mask;; at = (at + 1) & mask) {
        uint32_t e = seen[at];
        if (!e) {
            seen[at] = k + 1;
            return 1;
        }
        if (docs[e - 1].hash[0] == docs[k].hash[0] && docs[e - 1].hash[1] == docs[k].hash[1])
            return 0;
    }
}

/* The part of the key space a rank searches: bands [blo, bhi), and of their keys those with
 * key % slices == slice. With no more ranks than bands, each rank has a range of whole bands;
 * with more, the ranks of a band share it by key value, so that every rank searches about
 * 1/ranks of the keys (all of a key's chunks still meet on one rank). */
typedef struct cell {
    unsigned blo, bhi;
    uint64_t slices, slice;
} cell;

static cell cell_of(int p, int ranks, unsigned bands)
{
    cell c;
    uint64_t P = (uint64_t)ranks, B = bands, q = (uint64_t)p;
    if (P <= B) {
        c.blo = (unsigned)(q * B / P);
        c.bhi = (unsigned)((q + 1) * B / P);
        c.slices = 1;
        c.slice = 0;
    } else {
        uint64_t b = q * B / P, q0 = (b * P + B - 1) / B, q1 = ((b + 1) * P + B - 1) / B;
        c.blo = (unsigned)b;
        c.bhi = (unsigned)b + 1;
        c.slices = q1 - q0;
        c.slice = q - q0;
    }
    return c;
}

/* Whether chunk x (keys: bands per chunk) has its key of cell c's band in c's slice. */
static int in_cell(const cell *c, const uint64_t *keys, unsigned bands, size_t x)
{
    return c->slices == 1 || keys[x * bands + c->blo] % c->slices == c->slice;
}

/* Puts document id's record for cell c: its id, the number of its chunks in the cell, with
 * groups (hw 3) its group id (< 0: none), then those chunks and their keys of the cell's
 * bands (none when no chunk is in it and the cell is a slice). The group goes with the
 * record so that the rank searching the cell drops the pairs of one group where it finds
 * them, holding no table of every document's group. */
static void put_cell(ovl__bbuf *w, const cell *c, unsigned bands, uint32_t id, int32_t group, size_t hw,
                     const ovl_fp_chunk *ch, const uint64_t *keys, size_t nc)
{
    unsigned nb = c->bhi - c->blo;
    uint32_t hdr[3] = {id, 0, (uint32_t)group};
    for (size_t x = 0; x < nc; x++)
        hdr[1] += in_cell(c, keys, bands, x);
    if (c->slices > 1 && hdr[1] == 0)
        return;
    ovl__bput(w, hdr, hw * sizeof *hdr);
    for (size_t x = 0; x < nc; x++)
        if (in_cell(c, keys, bands, x))
            ovl__bput(w, ch + x, sizeof *ch);
    for (size_t x = 0; x < nc; x++)
        if (in_cell(c, keys, bands, x))
            ovl__bput(w, keys + x * bands + c->blo, nb * sizeof *keys);
}

/* Min-heap of (load, rank) to deal pairs to the least loaded rank. */
typedef struct load {
    uint64_t w;
    int rank;
} load;

static int load_less(const load *a, const load *b)
{
    return a->w < b->w || (a->w == b->w && a->rank < b->rank);
}

static void heap_down(load *h, int n, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, s = i;
        if (l < n && load_less(&h[l], &h[s]))
            s = l;
        if (r < n && load_less(&h[r], &h[s]))
            s = r;
        if (s == i)
            return;
        load t = h[i];
        h[i] = h[s];
        h[s] = t;
        i = s;
    }
}

typedef struct costidx {
    uint32_t cost;
    uint64_t idx;
} costidx;

static int cmp_cost(const void *x, const void *y)
{
    const costidx *a = x, *b = y;
    if (a->cost != b->cost)
        return a->cost > b->cost ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

/* MPI reduction of k-gram sketches: counters add up, saturating as ovl__recur_merge does. */
static void recur_add(void *in, void *inout, int *len, MPI_Datatype *type)
{
    (void)type;
    const uint8_t *a = in;
    uint8_t *b = inout;
    for (int i = 0; i < *len; i++) {
        unsigned x = (unsigned)a[i] + b[i];
        b[i] = (uint8_t)(x > 255 ? 255 : x);
    }
}

/* Tokens a pair's alignment covers, the measure its work is dealt by (ta, tb: its
 * documents' tokens). */
static uint32_t pair_cost(const ovl_scan_opts *o, uint32_t ta, uint32_t tb, const ovl_scan_pair *p)
{
    uint64_t w;
    if (o->whole_tokens && ta <= o->whole_tokens && tb <= o->whole_tokens)
        w = (uint64_t)ta + tb;
    else
        w = (uint64_t)(p->a1 - p->a0) + (p->b1 - p->b0);
    w += 64; /* a pair costs something however small */
    return w > UINT32_MAX ? UINT32_MAX : (uint32_t)w;
}

int ovl_scan_mpi(ovl_ctx *ctx, MPI_Comm comm, const ovl_corpus *c, const ovl_scan_opts *opts,
                 const ovl_scan_mpi_opts *mopts, const ovl_scan_sink *sink, ovl_scan_summary *summary,
                 ovl_scan_mpi_stats *stats)
{
    mpi_run mr, *m = &mr;
    ovl__mpi_run_init(m, ctx, comm);
    int P = m->size, me = m->rank;
    if (summary)
        memset(summary, 0, sizeof *summary);
    ovl_scan_opts o;
    int rc = c ? ovl_scan_opts_resolve(ctx, opts, &o)
               : ovl__fail(ctx, OVL_ERR_INVALID, -1, "a corpus is required");
    ovl_scan_mpi_opts mo = OVL_SCAN_MPI_OPTS_INIT;
    if (rc == OVL_OK && mopts) {
        if (mopts->version == 1)
            memcpy(&mo, mopts, offsetof(ovl_scan_mpi_opts, group_keys)); /* (ends there) */
        else if (mopts->version == OVL_SCAN_MPI_OPTS_VERSION)
            mo = *mopts;
        else
            rc = ovl__fail(ctx, OVL_ERR_INVALID, -1,
                           "ovl_scan_mpi: unknown MPI options version %u (this library has %u)",
                           mopts->version, (unsigned)OVL_SCAN_MPI_OPTS_VERSION);
        mo.version = OVL_SCAN_MPI_OPTS_VERSION;
        if (rc == OVL_OK && mo.group_keys && o.groups)
            rc = ovl__fail(ctx, OVL_ERR_INVALID, -1,
                           "ovl_scan_mpi: group ids (opts->groups) and group keys (mopts->group_keys) "
                           "both given: pass one");
    }
    /* pr: rank 0's problems and summary until the report's run (rep) is made; g: every
     * document's copy verdict (4 bytes each, 8 with near copies) and the corpus's k-gram
     * counts; al: this rank's run over the documents of the pairs it aligns. */
    ovl__run pr;
    memset(&pr, 0, sizeof pr);
    ovl__cfp g;
    memset(&g, 0, sizeof g);
    part al, rep;
    memset(&al, 0, sizeof al);
    memset(&rep, 0, sizeof rep);
    ovl__families gfam, mfam, mign; /* rank 0: the families; every rank: its documents' spans */
    memset(&gfam, 0, sizeof gfam);
    memset(&mfam, 0, sizeof mfam);
    memset(&mign, 0, sizeof mign);
    int use_fam = 0, use_ign = 0;
    uint64_t ignored_chars = 0, family_pairs = 0, fam_occ = 0; /* fam_occ: rank 0, the families' occurrences */
    recset lst = {0};
    float *sims = NULL; /* the near copies' similarities, of this rank's share */
    uint32_t *myco = NULL; /* copy_of of this rank's share (what ovl__scan_cfp sets) */
    uint32_t *mycopies = NULL; /* the copies of each document of this rank's share, for the families */
    int32_t *mygroup = NULL;      /* group ids of this rank's share, numbered from group_keys */
    const int32_t *gid = NULL;    /* ... or of opts->groups (the share's part) */
    uint32_t *cov = NULL;  /* ... of one rank's share at a time, while band keys are spooled */
    dcopy *cops = NULL;    /* the copy groups this rank's share leads, by group, then copy */
    size_t ncops = 0;
    ovl__corpus_partinfo cpi;
    memset(&cpi, 0, sizeof cpi);
    m->parted = c && ovl__corpus_part(c, &cpi);
    size_t n = c ? (m->parted ? cpi.total : ovl_corpus_count(c)) : 0;
    size_t *first = NULL;
    ovl_scan_shard sh, *tsh = NULL;
    memset(&sh, 0, sizeof sh);
    size_t nt = 0, ntsh = 0, ranges = 0;
    char *buf = NULL, *rbuf_ = NULL;
    size_t *lens = NULL, *counts = NULL;
    ovl__bbuf w = {0};
    ovl__range_out out;
    memset(&out, 0, sizeof out);
    ovl_scan_pair *pairs = NULL, *mine = NULL;
    ovl_scan_doc *mydocs = NULL;  /* this rank's documents' records, as fingerprinted */
    uint64_t *mydk = NULL;        /* their whole-document keys (near copies) */
    uint32_t *mysig = NULL;       /* their signatures (near copies) */
    FILE *cif = NULL;             /* their chunks' ranges (ovl__chunkinfo), myfirst[k] per
                                     document, for the families */
    FILE *spool = NULL, *bandf[64] = {0}, **srcf = NULL; /* band keys received */
    ovl__bbuf pw = {0};           /* problems, as bytes for rank 0 */
    uint32_t *seen = NULL;        /* the first documents of this share by content (first_seen) */
    size_t *myfirst = NULL;
    size_t npairs = 0, nmine = 0;
    int *dest = NULL;
    costidx *ci = NULL;
    load *heap = NULL;
    if (rc == OVL_OK && me != 0)
        o.progress = NULL;
    {
        /* Every rank must walk the same files: their number and names (FNV-1a) compared
         * (a corpus walked in parts was compared as it was walked). */
        uint64_t h = m->parted ? 0 : OVL__MPI_FNV_SEED, most = 0;
        for (size_t i = 0; !m->parted && i < n; i++) {
            const char *name = ovl_corpus_name(c, i);
            h = ovl__mpi_fnv(h, name, strlen(name) + 1);
        }
        if (!ovl__mpi_same(comm, n, h, &most) && rc == OVL_OK)
            rc = ovl__fail(ctx, OVL_ERR_INVALID, -1,
                           "the ranks do not see the same files (%zu here, up to %llu on another "
                           "rank, or other names): every rank must walk the same shared directories",
                           n, (unsigned long long)most);
    }
    CHECK(rc);
    pr.ctx = ctx, pr.c = c, pr.o = &o, pr.sink = me == 0 ? sink : NULL;
    pr.sum.documents = n;
    pr.sum.bands = o.fp.bands;
    pr.sum.rows = o.fp.rows;
    first = malloc((P + 1) * sizeof *first);
    lens = malloc(P * sizeof *lens);
    counts = calloc(P, sizeof *counts);
    int made = ovl__mpi_run_alloc(m);
    if (rc == OVL_OK && (!first || !lens || !counts || made != 0))
        rc = ovl__mpi_nomem(m);
    CHECK(rc);
    if (me == 0)
        rc = ovl__run_corpus_problems(&pr);
    CHECK(rc);

    /* ---- 0: fingerprints of this rank's share, in batches whose band keys go out at once ---- */
    if (m->parted) {
        /* The shares the walk made. */
        uint64_t own = ovl_corpus_count(c), *all = m->u1;
        MPI_Allgather(&own, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, comm);
        first[0] = 0;
        for (int p = 0; p < P; p++)
            first[p + 1] = first[p] + (size_t)all[p];
        if (first[me] != cpi.first || first[P] != n)
            rc = ovl__fail(ctx, OVL_ERR_INVALID, -1, "the ranks' parts of the corpus do not add up");
        /* The walk's own figures are the fingerprint phase's. */
        m->st.seconds[PH_FP] += cpi.seconds;
        m->st.sent[PH_FP] += cpi.sent;
        m->st.paths_held[PH_FP] = cpi.held;
        m->st.walk_seconds = cpi.seconds;
        m->st.walk_names_held = cpi.names_held;
    } else {
        shares(c, P, first);
    }
    CHECK(rc);
    size_t lo = first[me], cnt = first[me + 1] - first[me];
    /* c's number of the share's first document */
    size_t lc = m->parted ? 0 : lo;
    m->lbase = m->parted ? lo : 0;
    m->paths = m->parted ? cnt : n;
    ovl__mpi_held_paths(m, 0);
    int recurring = o.families && o.max_df;
    ovl_scan_opts fo = o;
    unsigned dbands = 0, drows = 0, K = o.fp.num_hashes;
    int near = o.near_copies > 0 && o.near_copies < 1;
    if (near) {
        fo.fp.doc_signature = 1;
        rc = ovl_lsh_choose(ctx, o.near_copies, K, 0, 1.0, 1.0, &dbands, &drows);
    }
    unsigned bands = o.fp.bands;
    int nr = P; /* every rank searches a part of the keys (cell_of) */
    if (rc == OVL_OK && bands > 64)
        rc = ovl__fail(ctx, OVL_ERR_INVALID, -1, "a scan takes at most 64 bands, not %u", bands);
    /* Recurring text: each rank counts its share's k-grams (one sketch per thread), and the
     * counts of all ranks add up, so every rank aligns with the whole corpus's counts. */
    unsigned nsk = recurring && o.recurring_text ? (o.threads ? o.threads : 1) : 0;
    ovl__recur *sk = nsk ? calloc(nsk, sizeof *sk) : NULL;
    if (rc == OVL_OK && nsk && !sk)
        rc = ovl__mpi_nomem(m);
    for (unsigned t = 0; rc == OVL_OK && sk && t < nsk; t++)
        if (ovl__recur_init(&sk[t]) != OVL_OK)
            rc = ovl__mpi_nomem(m);
    /* What stays of a batch once its keys are sent: its documents' records, whole-document
     * keys and signatures (near copies), problems (as bytes for rank 0), and its chunks'
     * token and character ranges in a temporary file (families), myfirst[k] per document. */
    if (rc == OVL_OK && (!(mydocs = calloc(cnt ? cnt : 1, sizeof *mydocs)) ||
                         !(myfirst = malloc((cnt + 1) * sizeof *myfirst))))
        rc = ovl__mpi_nomem(m);
    size_t seenmask = 1;
    while (seenmask < 2 * cnt + 1)
        seenmask <<= 1;
    if (rc == OVL_OK && !(seen = calloc(seenmask, sizeof *seen)))
        rc = ovl__mpi_nomem(m);
    seenmask--;
    if (rc == OVL_OK && near && (!(mydk = malloc((cnt ? cnt : 1) * dbands * sizeof *mydk)) ||
                                 !(mysig = malloc((cnt ? cnt : 1) * (size_t)K * sizeof *mysig))))
        rc = ovl__mpi_nomem(m);
    /* The band keys: a rank keeps what each rank sends it in a temporary file of that rank,
     * so that it holds one round, not its whole cell, and spools them in document order
     * afterwards (shares are contiguous: rank order is document order), as ovl__scan_cfp
     * does. */
    cell cl = cell_of(me, nr, bands > 64 ? 64 : bands);
    unsigned nb = cl.bhi - cl.blo;
    if (rc == OVL_OK) {
        int io = !(spool = tmpfile()) || !(srcf = calloc(P, sizeof *srcf));
        for (unsigned x = 0; x < nb; x++)
            io |= !(bandf[x] = tmpfile());
        for (int p = 0; srcf && p < P; p++)
            io |= !(srcf[p] = tmpfile());
        if ((recurring || o.ignore) && !(cif = tmpfile()))
            io = 1;
        if (io)
            rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot create a temporary file for band keys");
    }
    /* Batches of about half a key round of input bytes (the keys and chunks packed weigh
     * about twice the text; see bench/README.md), at least one document: a rank holds a
     * batch's fingerprints, what it packs and what it receives, not its share. Copies are
     * known once every rank's hashes are in, and near copies later: a rank leaves out only
     * the documents with the bytes of an earlier one of its share, and the receiver drops
     * the records of the other copies when it spools them. */
    uint64_t kr = mo.key_round ? mo.key_round : OVL_SCAN_MPI_KEY_ROUND_DEFAULT;
    uint64_t round_most = 0, fp_most = 0;
    /* Group ids: this share's only, sent with its band-key records (put_cell). */
    int keyed = mo.group_keys != NULL; /* (on any rank: a rank without keys has none) */
    MPI_Allreduce(MPI_IN_PLACE, &keyed, 1, MPI_INT, MPI_MAX, comm);
    if (keyed) {
        static const char *const none = NULL;
        uint64_t gheld = 0;
        if (rc == OVL_OK && !(mygroup = malloc((cnt ? cnt : 1) * sizeof *mygroup)))
            rc = ovl__mpi_nomem(m);
        if ((rc = ovl__mpi_agree(m, rc)) == OVL_OK)
            rc = ovl__mpi_group_ids(m, mo.group_keys ? mo.group_keys + lc : &none, mo.group_keys ? cnt : 0,
                                    mygroup, &gheld);
        for (size_t k = mo.group_keys ? cnt : 0; rc == OVL_OK && k < cnt; k++)
            mygroup[k] = -1;
        m->st.groups_held[PH_FP] = gheld;
        gid = mygroup;
    } else if (o.groups) {
        gid = o.groups + lo;
        m->st.groups_held[PH_FP] = cnt;
    }
    m->st.groups_held[PH_KEYS] = gid ? cnt : 0; /* (the key rounds' figures are the keys phase's) */
    /* The records' header words: id and chunks, and the group when any rank has groups
     * (without, the records are as they were). */
    int grouped = gid != NULL;
    MPI_Allreduce(MPI_IN_PLACE, &grouped, 1, MPI_INT, MPI_MAX, comm);
    size_t hw = grouped ? 3 : 2;
    size_t nfp = 0, nci = 0;
    for (int more = 1; more;) {
        size_t b0 = nfp, b1 = nfp;
        uint64_t bytes = 0;
        while (b1 < cnt && (b1 == b0 || bytes + ovl_corpus_size(c, lc + b1) <= kr / 2))
            bytes += ovl_corpus_size(c, lc + b1++);
        if (rc == OVL_OK && b1 > b0)
            rc = ovl__scan_fingerprint_rec(ctx, c, &fo, lc + b0, b1 - b0, lo + b0, dbands, drows, sk, &sh);
        for (size_t k = b0, pi = 0; rc == OVL_OK && k < b1; k++) {
            const ovl_scan_doc *d = &sh.docs[k - b0];
            mydocs[k] = *d;
            myfirst[k] = nci;
            if (near)
                memcpy(mydk + k * dbands, sh.doc_keys + (k - b0) * dbands, dbands * sizeof *mydk),
                    memcpy(mysig + k * K, sh.doc_sigs + (k - b0) * K, K * sizeof *mysig);
            if (d->status != OVL_OK) {
                /* Problems to rank 0 later, in document order. */
                if (pi >= sh.nproblems)
                    continue;
                const ovl_problem *pb = &sh.problems[pi++];
                uint64_t doc = lo + k;
                int64_t off = pb->offset;
                int32_t code = pb->code;
                ovl__bput(&pw, &doc, sizeof doc);
                ovl__bput(&pw, &code, sizeof code);
                ovl__bput(&pw, &off, sizeof off);
                ovl__mpi_put_str(&pw, pb->path);
                ovl__mpi_put_str(&pw, pb->message);
                continue;
            }
            for (size_t x = 0; cif && x < d->nchunks; x++) {
                size_t fc = d->first_chunk + x;
                ovl__chunkinfo ci1 = {sh.chunks[fc].tok_start, sh.chunks[fc].tok_end, sh.char_start[fc],
                                      sh.char_end[fc]};
                if (fwrite(&ci1, sizeof ci1, 1, cif) != 1) {
                    rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot write the temporary chunk file");
                    break;
                }
            }
            nci += cif ? d->nchunks : 0;
        }
        if (rc == OVL_OK && pw.bad)
            rc = ovl__mpi_nomem(m);
        uint64_t fpb = sh.nchunks * ((uint64_t)bands * 8 + 24) + (b1 - b0) * sizeof *sh.docs;
        if (fpb > fp_most)
            fp_most = fpb;
        /* This batch's records, destination after destination: of the documents read, less
         * those with the bytes of an earlier one of this share (copies, whatever the other
         * shares hold). */
        uint8_t *sendit = rc == OVL_OK ? malloc(b1 > b0 ? b1 - b0 : 1) : NULL;
        if (rc == OVL_OK && !sendit)
            rc = ovl__mpi_nomem(m);
        for (size_t k = b0; rc == OVL_OK && k < b1; k++)
            sendit[k - b0] = mydocs[k].status == OVL_OK && first_seen(seen, seenmask, mydocs, (uint32_t)k);
        w.n = 0;
        for (int p = 0; rc == OVL_OK && p < nr; p++) {
            cell pc = cell_of(p, nr, bands);
            size_t before = w.n;
            for (size_t k = b0; k < b1 && !w.bad; k++) {
                const ovl_scan_doc *d = &sh.docs[k - b0];
                if (sendit[k - b0])
                    put_cell(&w, &pc, bands, (uint32_t)(lo + k), gid ? gid[k] : -1, hw, sh.chunks + d->first_chunk,
                             sh.keys + d->first_chunk * bands, d->nchunks);
            }
            counts[p] = w.n - before;
        }
        free(sendit);
        nfp = b1;
        more = nfp < cnt;
        ovl__mpi_next_phase(m, PH_KEYS);
        MPI_Allreduce(MPI_IN_PLACE, &more, 1, MPI_INT, MPI_MAX, comm);
        if ((rc = ovl__mpi_agree(m, rc == OVL_OK && w.bad ? ovl__mpi_nomem(m) : rc)) != OVL_OK) {
            ovl__mpi_next_phase(m, PH_FP);
            break;
        }
        rc = ovl__mpi_alltoall_bytes(m, w.p, counts, &rbuf_, lens) ? ovl__mpi_nomem(m) : OVL_OK;
        if ((rc = ovl__mpi_agree(m, rc)) == OVL_OK) {
            size_t got = 0;
            for (int p = 0; p < P; p++) {
                if (lens[p] && fwrite(rbuf_ + got, 1, lens[p], srcf[p]) != lens[p])
                    rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot write the temporary key file");
                got += lens[p];
            }
            if (got + w.cap > round_most)
                round_most = got + w.cap;
        }
        free(rbuf_);
        rbuf_ = NULL;
        ovl_scan_shard_free(&sh);
        memset(&sh, 0, sizeof sh);
        rc = ovl__mpi_agree(m, rc);
        ovl__mpi_next_phase(m, PH_FP);
        if (rc != OVL_OK)
            break;
    }
    free(w.p);
    memset(&w, 0, sizeof w);
    free(seen);
    seen = NULL;
    free(mygroup);
    mygroup = NULL;
    gid = NULL;
    if (rc == OVL_OK) {
        myfirst[cnt] = nci;
        if (cif && fflush(cif) != 0)
            rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot write the temporary chunk file");
    }
    /* (The key rounds' figures are the keys phase's.) */
    m->phase = PH_KEYS;
    ovl__mpi_held(m, round_most);
    m->phase = PH_FP;
    ovl__mpi_held(m, fp_most + (seenmask + 1) * sizeof *seen +
                cnt * (sizeof *mydocs + sizeof *myfirst + (near ? dbands * 8 + (uint64_t)K * 4 : 0)));
    rc = ovl__mpi_agree(m, rc); /* every rank reduces, or none */
    if (rc == OVL_OK && sk) {
        for (unsigned t = 1; t < nsk; t++)
            ovl__recur_merge(&sk[0], &sk[t]);
        MPI_Op sat;
        MPI_Op_create(recur_add, 1, &sat);
        MPI_Allreduce(MPI_IN_PLACE, sk[0].cnt, (int)(OVL__RECUR_LINES * 64), MPI_UINT8_T, sat, m->comm);
        MPI_Op_free(&sat);
        g.recur = sk[0];
        sk[0].cnt = NULL;
    }
    for (unsigned t = 0; sk && t < nsk; t++)
        ovl__recur_free(&sk[t]);
    free(sk);
    CHECK(rc);
    /* Each rank keeps its share's records (mydocs): the others' come to it as its work needs
     * them (the pairs it aligns; on rank 0 the families and the report). */
    m->share = cnt;
    ovl__mpi_held_docs(m, 0, 0);
    /* Problems to rank 0, in document order. */
    rc = ovl__mpi_gather_bytes(m, pw.p, pw.n, &buf, lens) ? ovl__mpi_nomem(m) : OVL_OK;
    CHECK(rc);
    free(pw.p);
    memset(&pw, 0, sizeof pw);
    /* Templates: fingerprinted where their keys are searched (the ranks owning bands), their
     * problems told by rank 0 after the documents'. */
    nt = o.ignore ? ovl_corpus_count(o.ignore) : 0;
    if (me < nr && nt) {
        ovl_scan_opts to = o;
        to.progress = NULL;
        if (!(tsh = calloc(1, sizeof *tsh)))
            rc = ovl__mpi_nomem(m);
        else if ((rc = ovl__scan_fingerprint(ctx, o.ignore, &to, 0, nt, 0, 0, 0, tsh)) == OVL_OK)
            ntsh = 1;
    }
    if (rc == OVL_OK && me == 0) {
        rbuf b = {buf, 0, 0};
        for (int p = 0; p < P; p++)
            b.n += lens[p];
        while (rc == OVL_OK && b.at < b.n) {
            uint64_t doc;
            int32_t code;
            int64_t off;
            const char *path, *msg;
            if (ovl__mpi_get(&b, &doc, sizeof doc) || ovl__mpi_get(&b, &code, sizeof code) ||
                ovl__mpi_get(&b, &off, sizeof off) || ovl__mpi_get_str(&b, &path) ||
                ovl__mpi_get_str(&b, &msg)) {
                rc = ovl__fail(ctx, OVL_ERR_INVALID, -1, "a problem record could not be read back");
                break;
            }
            ovl_problem p = {path, code, off, msg};
            if (ovl__run_problem(&pr, SIZE_MAX, &p) != 0)
                rc = ovl__fail(ctx, OVL_ERR_WRITE, -1, "the result sink stopped the scan");
        }
        for (size_t p = 0; rc == OVL_OK && ntsh && p < tsh->nproblems; p++)
            if (ovl__run_problem(&pr, SIZE_MAX, &tsh->problems[p]) != 0)
                rc = ovl__fail(ctx, OVL_ERR_WRITE, -1, "the result sink stopped the scan");
    }
    free(buf);
    buf = NULL;
    CHECK(rc);
    /* Identical copies: content hashes exchanged by value (ovl__mpi_identical_copies); each rank keeps
     * its share's verdicts. */
    if (!(myco = malloc((cnt ? cnt : 1) * sizeof *myco)))
        rc = ovl__mpi_nomem(m);
    CHECK(rc);
    if ((rc = ovl__mpi_identical_copies(m, mydocs, first, myco)) != OVL_OK)
        goto done; /* (every rank has agreed on it) */
    {
        /* Documents read, and the replaced byte sequences and the documents holding them
         * (each told later, in the report's run, by the rank that read it). */
        uint64_t nread[3] = {0, 0, 0};
        for (size_t k = 0; k < cnt; k++)
            nread[0] += mydocs[k].status == OVL_OK, nread[1] += mydocs[k].replaced,
                nread[2] += mydocs[k].replaced > 0;
        MPI_Allreduce(MPI_IN_PLACE, nread, 3, MPI_UINT64_T, MPI_SUM, comm);
        pr.sum.documents_read = (size_t)nread[0];
        pr.sum.replaced = (size_t)nread[1];
        pr.sum.replaced_docs = (size_t)nread[2];
    }
    /* Near copies: found on the ranks their whole-document keys pick (ovl__mpi_near_copies). */
    if (near) {
        ovl_scan_shard ns;
        memset(&ns, 0, sizeof ns);
        ns.doc_keys = mydk;
        ns.doc_sigs = mysig;
        ns.doc_bands = dbands;
        if ((rc = ovl__mpi_near_copies(m, &o, mydocs, myco, &sims, &ns, first, dbands, K)) != OVL_OK)
            goto done; /* (every rank has agreed on it) */
        free(mydk);
        free(mysig);
        mydk = NULL;
        mysig = NULL;
    }
    /* Each copy to the rank leading its group, which lists the group when the report is
     * written (and counts a document's copies for its families). */
    rc = ovl__mpi_copy_groups(m, first, myco, sims, &cops, &ncops, recurring || o.ignore ? &mycopies : NULL);
    free(sims);
    sims = NULL;
    CHECK(rc);
    /* ---- 1: the band keys received, searched by the rank owning their part of the key space ---- */
    ovl__mpi_next_phase(m, PH_KEYS);
    {
        /* The records as they came, rank after rank, to the chunk spool and band files. */
        int band_fd[64];
        uint64_t *col = NULL, *kc = NULL;
        ovl_fp_chunk *chc = NULL;
        size_t capcol = 0, capkc = 0, capch = 0, nchunks = 0, most = 0;
        /* The copies' records are dropped: the verdicts of one sending rank's share at a time,
         * from that rank (no rank holds every document's). */
        for (int p = 0; p < P; p++)
            if (first[p + 1] - first[p] > most)
                most = first[p + 1] - first[p];
        if (!(cov = malloc((most ? most : 1) * sizeof *cov)))
            rc = ovl__mpi_nomem(m);
        CHECK(rc);
        for (int p = 0; p < P; p++) {
            FILE *f = srcf[p];
            size_t pc = first[p + 1] - first[p];
            if (p == me && pc)
                memcpy(cov, myco, pc * sizeof *cov);
            ovl__mpi_bcast_bytes(m, cov, pc * sizeof *cov, p);
            if (rc == OVL_OK && (fflush(f) != 0 || fseeko(f, 0, SEEK_SET) != 0))
                rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot read the temporary key file");
            uint32_t hdr[3] = {0, 0, (uint32_t)-1}; /* id, chunks, group (put_cell) */
            while (rc == OVL_OK && fread(hdr, sizeof *hdr, hw, f) == hw) {
                size_t nc = hdr[1];
                if (ovl__grow(&col, &capcol, nc + 1, sizeof *col) != 0 ||
                    ovl__grow(&chc, &capch, nc + 1, sizeof *chc) != 0 ||
                    ovl__grow(&kc, &capkc, nc * nb + 1, sizeof *kc) != 0) {
                    rc = ovl__mpi_nomem(m);
                    break;
                }
                if (fread(chc, sizeof *chc, nc, f) != nc || fread(kc, sizeof *kc * nb, nc, f) != nc ||
                    hdr[0] < first[p] || hdr[0] >= first[p + 1]) {
                    rc = ovl__fail(ctx, OVL_ERR_INVALID, -1, "band keys could not be read back");
                    break;
                }
                if (cov[hdr[0] - first[p]] != hdr[0])
                    continue; /* copies and near copies are not searched */
                if (ovl__spool_doc(spool, bandf, nb, hdr[0], (int32_t)hdr[2], chc, kc, nc, col) != 0)
                    rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot write the temporary key file");
                nchunks += nc;
            }
            if (rc == OVL_OK && ferror(f))
                rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot read the temporary key file");
            fclose(f);
            srcf[p] = NULL;
        }
        for (int p = 0; srcf && p < P; p++)
            if (srcf[p])
                fclose(srcf[p]);
        free(srcf);
        srcf = NULL;
        free(chc);
        free(kc);
        free(cov);
        cov = NULL;
        {
            /* Templates after the documents, with ids from n on. */
            uint64_t *sub = NULL;
            ovl_fp_chunk *tch = NULL;
            size_t capsub = 0, captch = 0;
            for (size_t k = 0; rc == OVL_OK && ntsh && k < nt; k++) {
                const ovl_scan_doc *d = &tsh->docs[k];
                if (d->status != OVL_OK)
                    continue;
                if (ovl__grow(&sub, &capsub, (size_t)d->nchunks * nb + 1, sizeof *sub) != 0 ||
                    ovl__grow(&tch, &captch, (size_t)d->nchunks + 1, sizeof *tch) != 0 ||
                    ovl__grow(&col, &capcol, (size_t)d->nchunks + 1, sizeof *col) != 0) {
                    rc = ovl__mpi_nomem(m);
                    break;
                }
                const uint64_t *tk = tsh->keys + d->first_chunk * bands;
                size_t tn = 0;
                for (size_t x = 0; x < d->nchunks; x++) {
                    if (!in_cell(&cl, tk, bands, x))
                        continue;
                    tch[tn] = tsh->chunks[d->first_chunk + x];
                    memcpy(sub + tn * nb, tk + x * bands + cl.blo, nb * sizeof *sub);
                    tn++;
                }
                if (cl.slices > 1 && tn == 0)
                    continue;
                if (ovl__spool_doc(spool, bandf, nb, (uint32_t)(n + k), -1, tch, sub, tn, col) != 0)
                    rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot write the temporary key file");
                nchunks += tn;
            }
            free(sub);
            free(tch);
            free(col);
            int flushed = spool && fflush(spool) == 0;
            for (unsigned x = 0; x < nb; x++) {
                flushed &= bandf[x] && fflush(bandf[x]) == 0;
                band_fd[x] = bandf[x] ? fileno(bandf[x]) : -1;
            }
            if (rc == OVL_OK && !flushed)
                rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot write the temporary key file");
            ovl__range_out *outs = NULL;
            size_t nsub = 0;
            if (rc == OVL_OK)
                rc = ovl__search_spool(ctx, &o, (uint32_t)n, NULL, recurring, fileno(spool),
                                       ftello(spool), band_fd, nchunks, nb, &outs, &nsub);
            ranges = nsub;
            /* This rank's ranges as one: pairs merged (collisions add up, min_hits later, once
             * every rank's are in), key groups renumbered apart. */
            const ovl_scan_pair **lists = malloc((nsub + 1) * sizeof *lists);
            size_t *cn = malloc((nsub + 1) * sizeof *cn);
            if (rc == OVL_OK && (!lists || !cn))
                rc = ovl__mpi_nomem(m);
            for (size_t k = 0; rc == OVL_OK && k < nsub; k++)
                lists[k] = outs[k].pairs, cn[k] = outs[k].npairs;
            if (rc == OVL_OK)
                rc = ovl_scan_merge_pairs(ctx, lists, cn, nsub, 0, &out.pairs, &out.npairs);
            if (rc == OVL_OK && (ovl__range_groups(outs, nsub, 0, &out.rec, &out.nrec) ||
                                 ovl__range_groups(outs, nsub, 1, &out.ign, &out.nign)))
                rc = ovl__mpi_nomem(m);
            free(lists);
            free(cn);
            for (size_t k = 0; k < nsub; k++)
                ovl__range_out_free(&outs[k]);
            free(outs);
            if (spool)
                fclose(spool);
            spool = NULL;
            for (unsigned x = 0; x < nb; x++) {
                if (bandf[x])
                    fclose(bandf[x]);
                bandf[x] = NULL;
            }
        }
        free(rbuf_);
        rbuf_ = NULL;
        if (tsh) {
            ovl_scan_shard_free(tsh);
            free(tsh);
            tsh = NULL;
        }
        CHECK(rc);
    }

    /* ---- 2: pairs to the rank of their first document; recurring text to rank 0 ---- */
    ovl__mpi_next_phase(m, PH_PAIRS);
    {
        /* out.pairs is sorted by (a, b), and shares are contiguous: each rank's part is a
         * run. Pairs of templates (a >= n) go to the last rank, which drops them. */
        memset(counts, 0, P * sizeof *counts);
        for (size_t k = 0; k < out.npairs; k++) {
            int p = 0;
            uint32_t a = out.pairs[k].a;
            if (a >= n)
                p = P - 1;
            else
                while (first[p + 1] <= a)
                    p++;
            counts[p] += sizeof *out.pairs;
        }
        rc = ovl__mpi_alltoall_bytes(m, (const char *)out.pairs, counts, &rbuf_, lens) ? ovl__mpi_nomem(m) : OVL_OK;
        CHECK(rc);
        free(out.pairs);
        out.pairs = NULL;
        const ovl_scan_pair **lists = malloc(P * sizeof *lists);
        size_t *cnts = malloc(P * sizeof *cnts), at = 0;
        if (!lists || !cnts)
            rc = ovl__mpi_nomem(m);
        for (int p = 0; rc == OVL_OK && p < P; p++) {
            lists[p] = (const ovl_scan_pair *)(rbuf_ + at);
            cnts[p] = lens[p] / sizeof(ovl_scan_pair);
            at += lens[p];
        }
        ovl__mpi_held(m, at);
        if (rc == OVL_OK)
            rc = ovl__range_pairs(ctx, &o, (uint32_t)n, lists, cnts, P, &pairs, &npairs);
        free(lists);
        free(cnts);
        free(rbuf_);
        rbuf_ = NULL;
        CHECK(rc);
        /* The families' input (src/mpi/famunits.h): the recurring and template chunks found
         * and their classes met by the ranks holding their documents, the classes resolved
         * on rank 0, the units joined into texts by every rank, each occurrence sent to the
         * rank owning its text. */
        ovl__mpi_fin krec;
        uint64_t nign_all = 0;
        memset(&krec, 0, sizeof krec);
        if (recurring || o.ignore) {
            rc = ovl__mpi_family_units(m, first, n, lo, cif, myfirst, &out.rec, &out.nrec, &out.ign, &out.nign,
                                       mycopies, &krec, &mfam, &mign, &nign_all);
            free(mycopies);
            mycopies = NULL;
            fclose(cif);
            cif = NULL;
        }
        ovl__range_out_free(&out);
        CHECK(rc);
        /* Families built, widened and joined by the ranks owning their texts, those listed
         * put in order on rank 0; every rank learns whether there are any (each asks the
         * ranks holding the documents its pairs name for their spans,
         * ovl__mpi_families_for). The templates' spans stay where they were made: their
         * count and characters are added up. */
        uint64_t h[3] = {0, 0, 0}, owned = krec.s.n, put = 0;
        /* (The families' documents are read again a window of documents at a time.) */
        size_t window = (size_t)(kr / 1024 + 1);
        rc = ovl__mpi_build_families(m, &o, c, first, mydocs, window, &krec, &gfam, &use_fam);
        /* (Rank 0 answers for its documents from its own spans, like every rank. The
         * occurrences a rank owns are given back before rank 0 gets the listed families.) */
        for (size_t k = 0; k < gfam.n; k++)
            put += gfam.f[k].nspans;
        uint64_t built = mfam.nspans + mign.nspans + (put > owned ? put : owned);
        if (built > m->st.family_spans_held[m->phase])
            m->st.family_spans_held[m->phase] = built;
        ovl__mpi_fin_free(&krec);
        CHECK(rc);
        h[0] = (uint64_t)use_fam;
        h[1] = nign_all ? mign.nspans : 0;
        for (size_t x = 0; nign_all && x < mign.nspans; x++)
            h[2] += mign.spans[x].char_end - mign.spans[x].char_start;
        MPI_Bcast(h, 1, MPI_UINT64_T, 0, comm);
        MPI_Allreduce(MPI_IN_PLACE, h + 1, 2, MPI_UINT64_T, MPI_SUM, comm);
        use_fam = (int)h[0];
        use_ign = h[1] > 0;
        ignored_chars = h[2];
        if (!use_fam)
            ovl__families_free(&mfam);
        if (!use_ign)
            ovl__families_free(&mign);
        for (size_t k = 0; me == 0 && use_fam && k < gfam.n; k++)
            fam_occ += gfam.f[k].nspans;
        rc = ovl__mpi_filter_pairs(m, &o, first, &mfam, use_fam, &mign, use_ign, pairs, &npairs, &family_pairs);
        CHECK(rc);
        uint64_t cand = npairs;
        MPI_Allreduce(MPI_IN_PLACE, &cand, 1, MPI_UINT64_T, MPI_SUM, comm);
        pr.sum.candidates = cand;
        uint64_t nranges = ranges;
        MPI_Allreduce(MPI_IN_PLACE, &nranges, 1, MPI_UINT64_T, MPI_SUM, comm);
        pr.sum.band_ranges = (size_t)nranges;
    }

    /* ---- 3: pairs dealt by cost, heaviest first to the least loaded rank ---- */
    ovl__mpi_next_phase(m, PH_BALANCE);
    {
        /* Each rank deals its own pairs (heaviest first to the least loaded of P bins), and
         * its bin j goes to rank (j + me) % P: every rank's heaviest pairs land on different
         * ranks, each bin is within one pair's cost of the others, and no rank holds another
         * rank's costs. */
        ci = malloc((npairs ? npairs : 1) * sizeof *ci);
        heap = malloc(P * sizeof *heap);
        dest = malloc((npairs ? npairs : 1) * sizeof *dest);
        if (!ci || !heap || !dest)
            rc = ovl__mpi_nomem(m);
        CHECK(rc);
        ovl__mpi_held(m, npairs * (sizeof *ci + sizeof *dest));
        /* The tokens of the pairs' documents when the cost needs them (whole_tokens), from
         * the ranks that read them. */
        uint32_t *tids = NULL, *mytok = NULL;
        void *toks = NULL;
        size_t ntids = 0;
        if (o.whole_tokens) {
            if (!(mytok = malloc((cnt ? cnt : 1) * sizeof *mytok)) ||
                ovl__mpi_pair_docs(pairs, npairs, &tids, &ntids) != 0)
                rc = ovl__mpi_nomem(m);
            for (size_t k = 0; mytok && k < cnt; k++)
                mytok[k] = mydocs[k].tokens;
            if ((rc = ovl__mpi_agree(m, rc)) == OVL_OK)
                rc = ovl__mpi_fetch_rows(m, first, mytok, sizeof *mytok, tids, ntids, &toks, NULL);
            free(mytok);
            if (rc != OVL_OK) {
                free(tids);
                goto done; /* (every rank has agreed on it) */
            }
        }
        for (size_t k = 0; k < npairs; k++) {
            const uint32_t *t = toks;
            uint32_t ta = t ? t[ovl__mpi_pos_of(tids, ntids, pairs[k].a)] : 0,
                     tb = t ? t[ovl__mpi_pos_of(tids, ntids, pairs[k].b)] : 0;
            ci[k] = (costidx){pair_cost(&o, ta, tb, &pairs[k]), k};
        }
        free(tids);
        free(toks);
        qsort(ci, npairs, sizeof *ci, cmp_cost);
        for (int p = 0; p < P; p++)
            heap[p] = (load){0, p};
        for (size_t k = 0; k < npairs; k++) {
            dest[ci[k].idx] = (heap[0].rank + me) % P;
            heap[0].w += ci[k].cost;
            heap_down(heap, P, 0);
        }
        free(ci);
        ci = NULL;
        free(heap);
        heap = NULL;
        /* Sent in (a, b) order per destination: each rank receives runs in rank order, so
         * its pairs stay sorted. */
        ovl_scan_pair *sorted = malloc((npairs ? npairs : 1) * sizeof *sorted);
        size_t *fill = calloc(P + 1, sizeof *fill);
        memset(counts, 0, P * sizeof *counts);
        if (!sorted || !fill) {
            free(sorted);
            free(fill);
            rc = ovl__mpi_nomem(m);
        }
        CHECK(rc);
        for (size_t k = 0; k < npairs; k++)
            counts[dest[k]] += sizeof *pairs;
        for (int p = 1; p <= P; p++)
            fill[p] = fill[p - 1] + counts[p - 1] / sizeof *pairs;
        for (size_t k = 0; k < npairs; k++)
            sorted[fill[dest[k]]++] = pairs[k];
        free(fill);
        free(pairs);
        pairs = sorted;
        free(dest);
        dest = NULL;
        rc = ovl__mpi_alltoall_bytes(m, (const char *)pairs, counts, (char **)&mine, lens) ? ovl__mpi_nomem(m) : OVL_OK;
        free(pairs);
        pairs = NULL;
        CHECK(rc);
        nmine = ovl__mpi_received(lens, P, sizeof *mine);
    }

    /* ---- 4: alignment, over the documents of this rank's pairs ---- */
    ovl__mpi_next_phase(m, PH_ALIGN);
    {
        uint32_t *ids = NULL;
        size_t nids = 0;
        rc = ovl__mpi_pair_docs(mine, nmine, &ids, &nids) ? ovl__mpi_nomem(m) : OVL_OK;
        if ((rc = ovl__mpi_agree(m, rc)) != OVL_OK) {
            free(ids);
            goto done;
        }
        rc = ovl__mpi_part_open(m, &al, c, &o, NULL, first, mydocs, ids, nids); /* (al owns ids) */
        al.r.cfp.recur = g.recur;
        memset(&g.recur, 0, sizeof g.recur);
        /* (Collective: a rank whose run could not open still answers or asks, for no
         * documents.) */
        int fr = ovl__mpi_families_for(m, first, &mfam, use_fam, &mign, use_ign, ids, rc == OVL_OK ? nids : 0,
                                       &al.r.fam, &al.r.ign);
        if (rc == OVL_OK)
            rc = fr;
        /* (No rank asks again.) */
        ovl__families_free(&mfam);
        ovl__families_free(&mign);
        m->st.family_spans_held[m->phase] += fam_occ;
        al.r.use_fam = use_fam;
        al.r.use_ign = use_ign;
        CHECK(rc);
        ovl__mpi_renumber(mine, nmine, ids, nids, 1);
        rc = ovl__run_align(&al.r, mine, nmine);
    }
    free(mine);
    mine = NULL;
    if (rc == OVL_OK && al.r.spool && fflush(al.r.spool) != 0)
        rc = ovl__fail(ctx, OVL_ERR_IO, -1, "cannot write the temporary passage file");
    ovl__mpi_held(m, al.r.spool_off);
    ovl__mpi_part_shed(&al, 0);
    CHECK(rc);

    /* ---- 5: results merged on rank 0, written there ---- */
    ovl__mpi_next_phase(m, PH_RESULTS);
    ovl__mpi_held_docs(m, al.nids, 0);
    /* Counters of every rank's pairs, added up. */
    uint64_t cn[4] = {family_pairs, al.r.sum.family_passages, al.r.sum.failed_pairs, al.r.sum.ignored_passages};
    MPI_Allreduce(MPI_IN_PLACE, cn, 4, MPI_UINT64_T, MPI_SUM, comm);
    {
        /* Each rank's records, those the report leaves out (min_ratio) dropped, in report
         * order, their documents numbered in the corpus: a run that rank 0 merges, asking
         * each rank for a window of records at a time (about a key round in all), so that no
         * rank holds every record; it holds those it lists (list_pairs, failed pairs) and the
         * figures of their documents. */
        ovl__run_drop_below_ratio(&al.r);
        if (al.r.nrecs > 1)
            qsort(al.r.recs, al.r.nrecs, sizeof *al.r.recs, ovl__prec_cmp);
        for (size_t k = 0; k < al.r.nrecs; k++)
            al.r.recs[k].a = al.ids[al.r.recs[k].a], al.r.recs[k].b = al.ids[al.r.recs[k].b];
        ovl__mpi_held(m, al.r.nrecs * sizeof *al.r.recs);
    }
    if (me != 0) {
        ovl__mpi_serve(m, &al, c, mydocs, lo, cnt, cops, ncops, rc == OVL_OK);
    } else {
        /* (No more than the report lists: every listed record may be one rank's.) */
        uint64_t window = kr / 64 / (uint64_t)P, most = 0, unlisted = 0;
        if (o.list_pairs && window > o.list_pairs)
            window = o.list_pairs;
        if (rc == OVL_OK)
            rc = ovl__mpi_merge_results(m, &o, al.r.recs, al.r.nrecs, window ? window : 1, &lst, &unlisted, &most);
        ovl__mpi_held(m, most + al.r.nrecs * sizeof *al.r.recs);
        if (rc == OVL_OK) {
            rootin in = {c, n, &o, sink, first, mydocs, cops, ncops, &gfam, use_fam, pr.sum, kr / 1024 + 1};
            in.sum.family_pairs = (size_t)cn[0];
            in.sum.family_passages = (size_t)cn[1];
            in.sum.failed_pairs = (size_t)cn[2];
            in.sum.ignored_passages = (size_t)cn[3];
            in.sum.ignored_chars = ignored_chars;
            in.sum.pairs_unlisted = (size_t)unlisted;
            in.sum.seconds[0] = m->st.seconds[PH_FP];
            in.sum.seconds[1] = m->st.seconds[PH_KEYS] + m->st.seconds[PH_PAIRS];
            in.sum.seconds[3] = m->st.seconds[PH_BALANCE] + m->st.seconds[PH_ALIGN];
            rc = ovl__mpi_root_report(m, &in, &al, &lst, &rep);
        }
        for (int p = 1; p < P; p++)
            ovl__mpi_request(m, p, REQ_END, 0, 0);
    }
    CHECK(rc);

done:
    ovl__mpi_next_phase(m, m->phase);
    if (summary) {
        *summary = rep.r.ctx ? rep.r.sum : pr.sum;
        MPI_Bcast(summary, (int)sizeof *summary, MPI_BYTE, 0, comm);
    }
    if (stats) {
        for (int p = 0; p < OVL_SCAN_MPI_PHASES; p++) {
            m->st.sent_max[p] = m->st.sent_total[p] = m->st.sent[p];
            m->st.held_max[p] = m->st.held[p];
            m->st.rss_peak_max[p] = m->st.rss_peak[p];
            m->st.docs_held_max[p] = m->st.docs_held[p];
            m->st.docs_fetched_total[p] = m->st.docs_fetched[p];
            m->st.paths_held_max[p] = m->st.paths_held[p];
            m->st.groups_held_max[p] = m->st.groups_held[p];
            m->st.family_spans_held_max[p] = m->st.family_spans_held[p];
        }
        m->st.paths = n;
        m->st.dirs_listed = m->st.dirs_listed_max = m->st.dirs_listed_total = ovl__corpus_dirs(c);
        MPI_Allreduce(MPI_IN_PLACE, &m->st.dirs_listed_max, 1, MPI_UINT64_T, MPI_MAX, comm);
        MPI_Allreduce(MPI_IN_PLACE, &m->st.dirs_listed_total, 1, MPI_UINT64_T, MPI_SUM, comm);
        m->st.walk_names_held_max = m->st.walk_names_held;
        MPI_Allreduce(MPI_IN_PLACE, &m->st.walk_names_held_max, 1, MPI_UINT64_T, MPI_MAX, comm);
        MPI_Allreduce(MPI_IN_PLACE, m->st.paths_held_max, OVL_SCAN_MPI_PHASES, MPI_UINT64_T, MPI_MAX, comm);
        MPI_Allreduce(MPI_IN_PLACE, m->st.groups_held_max, OVL_SCAN_MPI_PHASES, MPI_UINT64_T, MPI_MAX, comm);
        MPI_Allreduce(MPI_IN_PLACE, m->st.family_spans_held_max, OVL_SCAN_MPI_PHASES, MPI_UINT64_T, MPI_MAX, comm);
        MPI_Allreduce(MPI_IN_PLACE, m->st.docs_held_max, OVL_SCAN_MPI_PHASES, MPI_UINT64_T, MPI_MAX, comm);
        MPI_Allreduce(MPI_IN_PLACE, m->st.docs_fetched_total, OVL_SCAN_MPI_PHASES, MPI_UINT64_T, MPI_SUM, comm);
        MPI_Allreduce(MPI_IN_PLACE, m->st.sent_max, OVL_SCAN_MPI_PHASES, MPI_UINT64_T, MPI_MAX, comm);
        MPI_Allreduce(MPI_IN_PLACE, m->st.sent_total, OVL_SCAN_MPI_PHASES, MPI_UINT64_T, MPI_SUM, comm);
        MPI_Allreduce(MPI_IN_PLACE, m->st.held_max, OVL_SCAN_MPI_PHASES, MPI_UINT64_T, MPI_MAX, comm);
        MPI_Allreduce(MPI_IN_PLACE, m->st.rss_peak_max, OVL_SCAN_MPI_PHASES, MPI_UINT64_T, MPI_MAX, comm);
        *stats = m->st;
    }
    ovl_scan_shard_free(&sh);
    if (tsh) {
        ovl_scan_shard_free(tsh);
        free(tsh);
    }
    ovl__range_out_free(&out);
    free(buf);
    free(rbuf_);
    free(w.p);
    free(pairs);
    free(mine);
    free(dest);
    free(ci);
    free(heap);
    free(first);
    free(mydocs);
    free(seen);
    free(mydk);
    free(mysig);
    if (cif)
        fclose(cif);
    if (spool)
        fclose(spool);
    for (unsigned x = 0; x < 64; x++)
        if (bandf[x])
            fclose(bandf[x]);
    for (int p = 0; srcf && p < P; p++)
        if (srcf[p])
            fclose(srcf[p]);
    free(srcf);
    free(pw.p);
    free(myfirst);
    free(lens);
    free(counts);
    ovl__mpi_part_free(&al);
    ovl__mpi_part_free(&rep);
    ovl__mpi_recset_free(&lst);
    free(sims);
    free(myco);
    free(mycopies);
    free(mygroup);
    free(cov);
    free(cops);
    ovl__cfp_free(&g);
    ovl__families_free(&gfam);
    ovl__families_free(&mfam);
    ovl__families_free(&mign);
    ovl__mpi_run_free(m);
    return rc;
}
