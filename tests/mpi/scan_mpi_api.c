/* scan_mpi_api.c - ovl_scan_mpi's options struct under mpirun: defaults, key rounds of one document, group keys numbered over the ranks, version 1 still read, an unknown version refused on every rank; the documents and paths a rank holds, the corpus walked in parts, the families' documents (entries, records) read a window at a time (run by scan_mpi.sh; prints "ok"/"FAIL" lines). */
/* (mkdtemp) */
#define _DEFAULT_SOURCE 1
#include "overlap/scan_mpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int rank, fails;

static void check(int cond, const char *what, const char *detail)
{
    if (rank == 0)
        printf("%s %s%s%s\n", cond ? "ok  " : "FAIL", what, detail && *detail ? ": " : "",
               detail ? detail : "");
    fails |= !cond;
}

/* Counts the pairs given to the sink (rank 0's only): the report itself is the shell test's
 * business. */
static int on_pair(void *userdata, const ovl_pair_stats *pair, const ovl_passage *ps, size_t n,
                   const ovl_doc *a, const ovl_doc *b)
{
    (void)pair, (void)ps, (void)n, (void)a, (void)b;
    ++*(size_t *)userdata;
    return 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int ranks = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_corpus *c = ovl_corpus_new();
    /* Six documents: four sharing a passage (six pairs), the last of them twice (an identical
     * copy), and an unrelated one. */
    const char *shared = "The river rose in the night and by morning the lower fields were under "
                         "water, the fences gone and the road to the mill cut in two places, so "
                         "that the miller walked the long way round by the church and the school. "
                         "His sons carried the sacks of flour up the hill on their backs while "
                         "the women of the lane dried what bedding they could save in the barn, "
                         "and the priest rang the bell each hour so that those on the far bank "
                         "would know the village still stood and had not forgotten them there.";
    char text[6][2048];
    const char *own[6] = {"Letters from the coast arrived late that winter.",
                          "Nobody in the village remembered a flood like it.",
                          "A short account of the parish and its people.",
                          "Notes on the weather kept by the schoolmaster.",
                          "Notes on the weather kept by the schoolmaster.",
                          "Bread, salt and candles were carried up from the town on foot."};
    for (int i = 0; i < 6; i++) {
        snprintf(text[i], sizeof text[i], "%s %s %s", own[i], i < 5 ? shared : own[i], own[i]);
        char name[32];
        snprintf(name, sizeof name, "doc%d.txt", i);
        if (!ctx || !c || ovl_corpus_add_bytes(ctx, c, name, text[i], strlen(text[i])) != OVL_OK)
            check(0, "corpus", "out of memory");
    }
    ovl_scan_opts o = OVL_SCAN_OPTS_INIT;
    o.threads = 1;
    size_t npairs[3] = {0, 0, 0};
    ovl_scan_sink sink;
    ovl_scan_summary sum[3];
    ovl_scan_mpi_stats st;

    /* NULL: the defaults. */
    memset(&sink, 0, sizeof sink);
    sink.pair = on_pair;
    sink.userdata = &npairs[0];
    int rc = ovl_scan_mpi(ctx, MPI_COMM_WORLD, c, &o, NULL, &sink, &sum[0], &st);
    char got[128];
    snprintf(got, sizeof got, "%zu pairs, %zu copies%s%s", sum[0].pairs, sum[0].copies,
             rc != OVL_OK ? ", " : "", rc != OVL_OK ? ovl_ctx_message(ctx) : "");
    check(rc == OVL_OK && sum[0].pairs >= 3 && sum[0].copies == 1 &&
              (rank != 0 || npairs[0] == sum[0].pairs) && st.ranks == ranks,
          "NULL options: the defaults", got);

    /* Version 1 with rounds of one document: the same pairs, and per phase the peak so far. */
    ovl_scan_mpi_opts mo = OVL_SCAN_MPI_OPTS_INIT;
    mo.key_round = 1;
    sink.userdata = &npairs[1];
    rc = ovl_scan_mpi(ctx, MPI_COMM_WORLD, c, &o, &mo, &sink, &sum[1], &st);
    int rising = 1;
    for (int p = 1; p < OVL_SCAN_MPI_PHASES; p++)
        rising &= st.rss_peak[p] >= st.rss_peak[p - 1] && st.rss_peak_max[p] >= st.rss_peak[p];
    check(rc == OVL_OK && sum[1].pairs == sum[0].pairs && sum[1].copies == sum[0].copies &&
              npairs[1] == npairs[0],
          "key_round 1: the same pairs and copies as the defaults", ovl_ctx_message(ctx));
    check(st.rss_peak[0] > 0 && rising,
          "rss_peak: this rank's peak by the end of each phase, never falling", NULL);
    check(ranks == 1 || st.sent_total[1] > 0, "key_round 1: band keys sent between ranks", NULL);

    /* Eight documents of the same size (so that shares split them evenly: with 2 ranks 0-3
     * and 4-7, with 3 ranks 0-2, 3-5 and 6-7), of made-up words, the first and the last
     * sharing a passage: one pair, which rank 0 (the owner of its first document, whose
     * first bin stays with it) aligns, holding the two documents' records besides its
     * share's: the last one's from the rank that read it; the other ranks hold none
     * beyond their shares. To write the report rank 0 holds the two again (the records of
     * its own run given back first). */
    ovl_corpus *e = ovl_corpus_new();
    static char etext[8][4096];
    const char *syl[10] = {"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "pe", "zu"};
    unsigned seed = 7;
    char passage[1400];
    size_t pl = 0;
    for (int w = 0; w < 150; w++) {
        seed = seed * 1103515245u + 12345u;
        unsigned x = (seed >> 8) % 1000;
        pl += (size_t)snprintf(passage + pl, sizeof passage - pl, "%s%s%s ", syl[x / 100], syl[x / 10 % 10], syl[x % 10]);
    }
    for (int i = 0; i < 8; i++) {
        size_t l = 0;
        for (int w = 0; w < 300; w++) {
            seed = seed * 1103515245u + 12345u;
            unsigned x = (seed >> 8) % 1000;
            l += (size_t)snprintf(etext[i] + l, sizeof etext[i] - l, "%s%s%s ", syl[x / 100], syl[x / 10 % 10], syl[x % 10]);
            if (w == 150 && (i == 0 || i == 7))
                l += (size_t)snprintf(etext[i] + l, sizeof etext[i] - l, "%s", passage);
        }
        memset(etext[i] + l, ' ', sizeof etext[i] - 1 - l);
        etext[i][sizeof etext[i] - 1] = '\0';
        char name[32];
        snprintf(name, sizeof name, "e%d.txt", i);
        if (!e || ovl_corpus_add_bytes(ctx, e, name, etext[i], strlen(etext[i])) != OVL_OK)
            check(0, "corpus", "out of memory");
    }
    size_t nep = 0;
    ovl_scan_summary es;
    sink.userdata = &nep;
    rc = ovl_scan_mpi(ctx, MPI_COMM_WORLD, e, &o, NULL, &sink, &es, &st);
    uint64_t share = st.docs_held[1], view = st.docs_held[4] - share;
    snprintf(got, sizeof got, "%zu pairs; rank 0 holds %llu of its share, %llu more, %llu fetched%s%s", es.pairs,
             (unsigned long long)share, (unsigned long long)view, (unsigned long long)st.docs_fetched[4],
             rc != OVL_OK ? ", " : "", rc != OVL_OK ? ovl_ctx_message(ctx) : "");
    int mine = rc == OVL_OK && es.pairs == 1 &&
               (rank == 0 ? view == 2 && st.docs_fetched[4] == (ranks > 1) : view == 0 && st.docs_fetched[4] == 0);
    MPI_Allreduce(MPI_IN_PLACE, &mine, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    check(mine && st.docs_fetched_total[4] == (ranks > 1) && (ranks == 1 || st.docs_held_max[1] < 8),
          "align: a rank holds its share and the documents of its pairs, fetched from their ranks", got);
    snprintf(got, sizeof got, "rank 0 holds %llu, %llu fetched", (unsigned long long)st.docs_held[5],
             (unsigned long long)st.docs_fetched[5]);
    check(rank != 0 || (st.docs_held[5] == share + 2 && st.docs_fetched[5] == (ranks > 1)),
          "results: rank 0 holds the documents the report names, fetched from their ranks", got);
    ovl_corpus_free(e);

    /* The same eight documents as files (f0.txt .. f7.txt, rank 0 writes them), walked in
     * parts: each rank gets its share only (8 / ranks of them, numbered from first, in name
     * order), rank 0 the walk's problem (a path that does not exist); the scan finds the
     * same pair, no rank of several holding every path. */
    char dir[64] = "";
    if (rank == 0) {
        snprintf(dir, sizeof dir, "/tmp/ovl-mpi-walk-XXXXXX");
        if (!mkdtemp(dir))
            dir[0] = '\0';
        for (int i = 0; dir[0] && i < 8; i++) {
            char path[96];
            snprintf(path, sizeof path, "%s/f%d.txt", dir, i);
            FILE *f = fopen(path, "w");
            if (!f || fputs(etext[i], f) < 0 || fclose(f) != 0)
                check(0, "files", path);
        }
    }
    MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
    char missing[96];
    snprintf(missing, sizeof missing, "%s/missing", dir);
    const char *paths[2] = {dir, missing};
    ovl_corpus *wp = ovl_corpus_new();
    rc = ovl_corpus_add_paths_mpi(ctx, MPI_COMM_WORLD, wp, paths, 2, NULL);
    size_t first = 99, total = ovl_corpus_mpi_total(wp, &first), cnt = ovl_corpus_count(wp);
    int ok = rc == OVL_OK && total == 8 && (ranks == 1 || cnt < 8) &&
             ovl_corpus_problem_count(wp) == (rank == 0 ? 1u : 0u);
    uint64_t before = 0, c64 = cnt;
    MPI_Exscan(&c64, &before, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0)
        before = 0;
    ok &= first == before;
    for (size_t k = 0; ok && k < cnt; k++) {
        char want[96];
        snprintf(want, sizeof want, "%s/f%zu.txt", dir, first + k);
        ok &= strcmp(ovl_corpus_name(wp, k), want) == 0;
    }
    snprintf(got, sizeof got, "rank 0: %zu of %zu from %zu, %zu problems%s%s", cnt, total, first,
             ovl_corpus_problem_count(wp), rc != OVL_OK ? ", " : "", rc != OVL_OK ? ovl_ctx_message(ctx) : "");
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    check(ok, "walk in parts: each rank its share of the files, in name order, rank 0 the problems", got);
    nep = 0;
    sink.userdata = &nep;
    rc = ovl_scan_mpi(ctx, MPI_COMM_WORLD, wp, &o, NULL, &sink, &es, &st);
    snprintf(got, sizeof got, "%zu pairs, %zu documents; paths held at most %llu of %llu; directories listed "
             "%llu here, %llu at most, %llu in all%s%s", es.pairs, es.documents,
             (unsigned long long)st.paths_held_max[1], (unsigned long long)st.paths,
             (unsigned long long)st.dirs_listed, (unsigned long long)st.dirs_listed_max,
             (unsigned long long)st.dirs_listed_total, rc != OVL_OK ? ", " : "", rc != OVL_OK ? ovl_ctx_message(ctx) : "");
    /* (One directory: listed by one rank.) */
    int one = st.dirs_listed == 1;
    MPI_Allreduce(MPI_IN_PLACE, &one, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    check(rc == OVL_OK && es.pairs == 1 && es.documents == 8 && st.paths == 8 &&
              (ranks == 1 || st.paths_held_max[1] < 8) && (rank != 0 || nep == 1) && one == 1 &&
              st.dirs_listed_max == 1 && st.dirs_listed_total == 1,
          "walk in parts: the scan finds the pair, no rank holding every path, one listing the directory", got);

    /* Group keys of each rank's share (version 2), numbered by the library over the ranks:
     * f0 and f7 (on the first and the last rank) of one group, their pair dropped as one
     * process drops it; of two groups, kept. No rank holds every document's id. */
    size_t gp[2] = {0, 0};
    const char *gk[2][8];
    for (int v = 0; v < 2; v++) {
        for (size_t k = 0; k < cnt && k < 8; k++) {
            const char *name = ovl_corpus_name(wp, k), *base = strrchr(name, '/');
            base = base ? base + 1 : name;
            gk[v][k] = strcmp(base, "f0.txt") == 0 ? "g" : strcmp(base, "f7.txt") == 0 ? (v ? "h" : "g") : NULL;
        }
        ovl_scan_mpi_opts go = OVL_SCAN_MPI_OPTS_INIT;
        go.group_keys = gk[v];
        sink.userdata = &nep;
        nep = 0;
        rc = ovl_scan_mpi(ctx, MPI_COMM_WORLD, wp, &o, &go, &sink, &es, &st);
        gp[v] = rc == OVL_OK ? es.pairs : 99;
    }
    snprintf(got, sizeof got, "%zu pairs in one group, %zu in two; group ids held at most %llu of %llu",
             gp[0], gp[1], (unsigned long long)st.groups_held_max[0], (unsigned long long)st.paths);
    check(gp[0] == 0 && gp[1] == 1 && st.groups_held_max[0] >= 1 && (ranks == 1 || st.groups_held_max[0] < 8),
          "group_keys: equal keys on different ranks are one group (its pair dropped)", got);
    ovl_corpus_free(wp);
    if (rank == 0 && dir[0]) {
        for (int i = 0; i < 8; i++) {
            char path[96];
            snprintf(path, sizeof path, "%s/f%d.txt", dir, i);
            unlink(path);
        }
        rmdir(dir);
    }

    /* The families widened on rank 0 over a corpus walked in parts: 24 files holding one
     * passage among words of their own (a family with max_df 4), their file list entries
     * fetched a window at a time as the widening reads them (key_round 1: one document a
     * window), so that rank 0 holds its share's entries and one more, not every document the
     * family occurs in. */
    {
        char fdir[64] = "";
        static char ftext[24][3072];
        if (rank == 0) {
            snprintf(fdir, sizeof fdir, "/tmp/ovl-mpi-fam-XXXXXX");
            if (!mkdtemp(fdir))
                fdir[0] = '\0';
        }
        for (int i = 0; i < 24; i++) {
            size_t l = 0;
            for (int wd = 0; wd < 200; wd++) {
                seed = seed * 1103515245u + 12345u;
                unsigned x = (seed >> 8) % 1000;
                l += (size_t)snprintf(ftext[i] + l, sizeof ftext[i] - l, "%s%s%s ", syl[x / 100], syl[x / 10 % 10],
                                      syl[x % 10]);
                if (wd == 100)
                    l += (size_t)snprintf(ftext[i] + l, sizeof ftext[i] - l, "%s", passage);
            }
        }
        for (int i = 0; rank == 0 && fdir[0] && i < 24; i++) {
            char path[96];
            snprintf(path, sizeof path, "%s/r%02d.txt", fdir, i);
            FILE *f = fopen(path, "w");
            if (!f || fputs(ftext[i], f) < 0 || fclose(f) != 0)
                check(0, "files", path);
        }
        MPI_Bcast(fdir, sizeof fdir, MPI_CHAR, 0, MPI_COMM_WORLD);
        const char *fpaths[1] = {fdir};
        ovl_corpus *fc = ovl_corpus_new();
        rc = ovl_corpus_add_paths_mpi(ctx, MPI_COMM_WORLD, fc, fpaths, 1, NULL);
        ovl_scan_opts fo = o;
        fo.max_df = 4;
        ovl_scan_mpi_opts fm = OVL_SCAN_MPI_OPTS_INIT;
        fm.key_round = 1;
        nep = 0;
        sink.userdata = &nep;
        if (rc == OVL_OK)
            rc = ovl_scan_mpi(ctx, MPI_COMM_WORLD, fc, &fo, &fm, &sink, &es, &st);
        size_t fshare = ovl_corpus_count(fc);
        snprintf(got, sizeof got, "%zu families, %zu documents; rank 0 held %llu entries in the pairs phase, "
                 "its share %zu%s%s", es.families, es.documents, (unsigned long long)st.paths_held[2], fshare,
                 rc != OVL_OK ? ", " : "", rc != OVL_OK ? ovl_ctx_message(ctx) : "");
        check(rc == OVL_OK && es.families >= 1 && es.documents == 24 &&
                  (rank != 0 || (st.paths_held[2] >= fshare && st.paths_held[2] <= fshare + 1)),
              "families widened over a corpus walked in parts: rank 0 fetches one window of entries at a time",
              got);
        /* Their records (content hash, token count) come with the windows too, of the
         * documents the widening reads or compares only. At 2 and 3 ranks both families'
         * texts fall to rank 0 (src/mpi/famunits.c, text_owner), which widens them and reads
         * their texts again for the join (src/mpi/famsame.c; its windows fetched in rounds
         * the other ranks take part in with none): at -n 3 (rank 0 holding r00..r07)
         * those of the other ranks among the two families' sampled occurrences (12: 16 of
         * each family's read first; 7 when 8 were), the occurrences as long as a family's
         * text whose documents' token counts pick the shortest (11) and the two texts read
         * (2); at -n 2, 18 (14 with 8 sampled). Asking for every family document's before
         * widening made 16 (12 at -n 2) with 8 sampled. */
        uint64_t want = ranks == 1 ? 0 : ranks == 2 ? 18 : 25;
        snprintf(got, sizeof got, "rank 0 fetched %llu records in the pairs phase, want %llu",
                 (unsigned long long)st.docs_fetched[2], (unsigned long long)want);
        check(rc == OVL_OK && (rank != 0 || ranks > 3 || st.docs_fetched[2] == want),
              "families widened and joined: rank 0 fetches the records of the documents a window reads, not "
              "every family document's first", got);
        /* The family's 24 spans (one a document) are all on rank 0, which owns its text and
         * lists it, once (by family: it keeps none in document order), beside its share's;
         * another rank holds its share's (which it answers for), for a moment the occurrences
         * of the texts it owns (all 24 at most, once) while it builds their families, and in
         * the alignment those of the documents its pairs name, never all 24. */
        uint64_t held2[2] = {st.family_spans_held[2], st.family_spans_held[4]}, all[8] = {0};
        int spans_ok = rc == OVL_OK;
        MPI_Gather(held2, 2, MPI_UINT64_T, all, 2, MPI_UINT64_T, 0, MPI_COMM_WORLD);
        size_t gl = (size_t)snprintf(got, sizeof got, "family spans held per rank (pairs, align phase):");
        for (int p = 0; rank == 0 && p < ranks && p < 4; p++) {
            gl += (size_t)snprintf(got + gl, sizeof got - gl, " %llu/%llu", (unsigned long long)all[2 * p],
                                   (unsigned long long)all[2 * p + 1]);
            spans_ok &= p == 0 ? all[0] >= 24 && (ranks == 1 || all[0] < 48) : all[2 * p] < 48 && all[2 * p + 1] < 24;
        }
        check(rank != 0 || spans_ok,
              "family spans held: every one on rank 0, which lists them, once, the others their share's, "
              "their texts' while they build them and their pairs' documents'", got);
        /* The units were joined on every rank in step, and the parts of texts: the same units,
         * pairs of neighbours, sums and pairs of a text and a kin everywhere (two sums a kind,
         * recurring and template, one per test of two texts' leaders, and two for the parts
         * when a text sits beside another). */
        uint64_t jf[4] = {st.family_units, st.family_neighbours, st.family_join_sums, st.family_part_pairs};
        uint64_t jmin[4], jmax[4];
        MPI_Allreduce(jf, jmin, 4, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
        MPI_Allreduce(jf, jmax, 4, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
        snprintf(got, sizeof got, "units %llu-%llu, neighbours %llu-%llu, sums %llu-%llu, part pairs %llu-%llu",
                 (unsigned long long)jmin[0], (unsigned long long)jmax[0], (unsigned long long)jmin[1],
                 (unsigned long long)jmax[1], (unsigned long long)jmin[2], (unsigned long long)jmax[2],
                 (unsigned long long)jmin[3], (unsigned long long)jmax[3]);
        check(rc == OVL_OK && jmin[0] == jmax[0] && jmin[1] == jmax[1] && jmin[2] == jmax[2] && jmin[3] == jmax[3] &&
                  jmin[0] >= 1 && jmin[2] >= 4 && (jmin[3] == 0 || jmin[2] >= 6),
              "families: the units and the parts of texts joined by every rank in step", got);
        ovl_corpus_free(fc);
        if (rank == 0 && fdir[0]) {
            for (int i = 0; i < 24; i++) {
                char path[96];
                snprintf(path, sizeof path, "%s/r%02d.txt", fdir, i);
                unlink(path);
            }
            rmdir(fdir);
        }
    }

    /* Version 1 (before group_keys): still read, the same pairs. */
    {
        struct {
            unsigned version;
            uint64_t key_round;
        } v1 = {1, 1};
        size_t np1 = 0;
        ovl_scan_summary s1;
        sink.userdata = &np1;
        rc = ovl_scan_mpi(ctx, MPI_COMM_WORLD, c, &o, (const ovl_scan_mpi_opts *)(const void *)&v1, &sink, &s1, &st);
        check(rc == OVL_OK && s1.pairs == sum[0].pairs && (rank != 0 || np1 == npairs[0]),
              "version 1 options: read, the same pairs", ovl_ctx_message(ctx));
    }
    /* Group ids and group keys both given: refused on every rank. */
    {
        int32_t ids[6] = {0, 0, 1, 1, 2, 2};
        const char *keys[6] = {"a", "a", "b", "b", "c", "c"};
        ovl_scan_opts go = o;
        go.groups = ids;
        ovl_scan_mpi_opts gm = OVL_SCAN_MPI_OPTS_INIT;
        gm.group_keys = keys;
        ovl_scan_summary s2;
        rc = ovl_scan_mpi(ctx, MPI_COMM_WORLD, c, &go, &gm, NULL, &s2, &st);
        int both = rc == OVL_ERR_INVALID && strstr(ovl_ctx_message(ctx), "both given");
        MPI_Allreduce(MPI_IN_PLACE, &both, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
        check(both, "groups and group_keys both given: OVL_ERR_INVALID on every rank", ovl_ctx_message(ctx));
    }

    /* Another version: refused on every rank, before anything is read. */
    mo.version = 99;
    sink.userdata = &npairs[2];
    rc = ovl_scan_mpi(ctx, MPI_COMM_WORLD, c, &o, &mo, &sink, &sum[2], &st);
    int all = rc == OVL_ERR_INVALID && strstr(ovl_ctx_message(ctx), "unknown MPI options version 99") &&
              npairs[2] == 0;
    MPI_Allreduce(MPI_IN_PLACE, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    check(all, "version 99: OVL_ERR_INVALID on every rank, nothing written", ovl_ctx_message(ctx));

    ovl_corpus_free(c);
    ovl_ctx_free(ctx);
    MPI_Allreduce(MPI_IN_PLACE, &fails, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    return rank == 0 ? fails : 0;
}
