/* overlap/scan_mpi.h - the corpus scan spread over the ranks of an MPI communicator (liboverlap_mpi, built with -DOVL_MPI=ON; installed beside the other headers). */
#ifndef OVERLAP_SCAN_MPI_H
#define OVERLAP_SCAN_MPI_H

#include <mpi.h>

#include "overlap/scan.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The phases of an MPI scan, as counted in ovl_scan_mpi_stats:
 *   0 fingerprint: each rank reads and fingerprints its share of the files (contiguous in
 *     name order, balanced by bytes) in batches of about half a key round of input bytes,
 *     sending each batch's band keys (phase 1's rounds) before it reads the next, so that it
 *     holds a batch of fingerprints, not its share; it keeps its documents' records (they
 *     stay with it: another rank gets those its work needs), problems (to rank 0),
 *     whole-document keys and signatures, and its chunks' ranges in a temporary file (for
 *     the families); identical copies are found where their content hashes are (each hash
 *     to the rank its value picks, which tells each copy's owner its first; a rank keeps its
 *     share's verdicts); near copies are found where their whole-document keys are (each key
 *     to the rank its value picks, which pairs the documents sharing it; each pair to the
 *     owner of its first document, which compares the signatures, fetching the second's from
 *     its owner and keeping the pairs that agree; the groups' first documents found by labels
 *     lowered along those pairs over the ranks), so no rank holds every signature or pair;
 *     each copy, with its similarity, goes to the rank whose share holds its group's first
 *     document, which keeps the groups it leads for the report;
 *   1 keys: band keys go to the rank owning their part of the key space (bands split into
 *     contiguous ranges over the ranks; with more ranks than bands, a band's keys shared by
 *     key value; with groups, each document's record carries its group id, numbered before
 *     the first batch from the ranks' group keys), one round per batch, about
 *     ovl_scan_mpi_opts.key_round bytes packed by a rank (16 MB by default), kept in a
 *     temporary file per sending rank; once the identical
 *     and near copies are known, the owner spools the originals' records in document order
 *     (each sending rank's share's verdicts broadcast by it in turn) and finds the candidates
 *     and recurring chunks of its keys;
 *   2 pairs: each pair goes to the rank owning its first document, where the ranges' pairs
 *     are merged; the key groups of the recurring and template chunks are numbered over
 *     the ranks and their documents counted where they were found (the counts to rank 0),
 *     and each such chunk's record goes to the rank holding its document, which finds the
 *     chunk it names in its chunk file and its class (its set of key groups) among its
 *     share's; rank 0 merges the ranks' classes, numbers them as first met and resolves
 *     them into units, which go back to the ranks; every rank joins the units into texts,
 *     and the parts of texts, over its own documents (the counts added up over the ranks),
 *     and sends each occurrence of recurring text of its documents to the rank owning its
 *     text, which builds the families of its texts (their documents and copies counted)
 *     and widens their occurrences, reading those documents again a window of documents at
 *     a time (key_round / 1024 + 1), their records (content hash, token count) and file
 *     list entries fetched in rounds every rank takes part in; the owners read their
 *     families' texts again the same way and send each text's grams to the ranks the grams
 *     pick, which find the pairs of families that may be one text; each pair is tested by
 *     the rank owning the family that would take the other (the other's grams sent to it),
 *     every rank gets the pairs that join and makes the same groups, whose members go to
 *     the rank owning their first; each rank sends rank 0
 *     the families it would list, in the report's order, and rank 0 keeps those the report
 *     lists; each rank then asks the ranks holding its pairs' documents for their
 *     families' spans (one rank per round) and drops the pairs in recurring text only;
 *   3 balance: each rank deals its own pairs by estimated cost (tokens to align), heaviest
 *     first to the least loaded of as many bins as ranks, its bin j to rank (j + rank) mod
 *     ranks, so pairs of long documents are spread out and no rank holds others' costs;
 *   4 align: each rank aligns its pairs, re-reading the files (a shared file system), in a
 *     run over the documents of those pairs only, their records fetched from the ranks that
 *     read them (all-to-all), their families' spans from the ranks holding them as in
 *     phase 2;
 *   5 results: each rank sorts its pair records in report order; rank 0 merges these runs,
 *     asking each rank for a window of records at a time, and keeps the records the report
 *     lists (list_pairs, and failed pairs), the others counted where they are; then the
 *     figures (spans, sources) of the documents those records name come to it from every
 *     rank, and it writes the report in a run over the documents the report names (those
 *     pairs' documents and their best sources, documents that failed, the occurrences of
 *     the families it lists), their records asked of the ranks that read them, and the
 *     passages of the pairs it shows, in the same order as ovl_scan; the copy groups are
 *     asked of the ranks leading them, one rank after another, whole groups of a window at a
 *     time, the names of a window of their members (key_round / 1024 documents) asked of
 *     their ranks at a time; with lenient decoding, the documents whose
 *     invalid byte sequences were replaced (sink replaced) asked of each rank in turn, a
 *     window of as many at a time, from the counts it kept while fingerprinting. */
#define OVL_SCAN_MPI_PHASES 6

/* What only the MPI scan needs besides ovl_scan_opts. Version 1 ends after key_round: the
 * library still reads it (group_keys NULL). */
#define OVL_SCAN_MPI_OPTS_VERSION 2
typedef struct ovl_scan_mpi_opts {
    unsigned version; /* OVL_SCAN_MPI_OPTS_VERSION */
    /* Bytes of band keys a rank packs for one round of the key exchange, all destinations
     * together: its documents are fingerprinted in batches of about half this many input
     * bytes, at least one document (so 1 makes batches and rounds of one document); 0:
     * OVL_SCAN_MPI_KEY_ROUND_DEFAULT. A rank holds about three times this at once (a
     * batch's fingerprints, what it packs, and what it receives). The windows of pair
     * records rank 0 merges hold about this many bytes together (key_round / 64 / ranks
     * records each, at least one, at most list_pairs). */
    uint64_t key_round;
    /* Version 2. NULL, or per document of this rank's corpus (ovl_corpus_count(c) entries:
     * its share when walked in parts, every document otherwise) its group key, a string, or
     * NULL for none: documents whose keys are equal, on whichever ranks, are of one group
     * and are not paired, as ovl_scan_opts.groups's ids. The library numbers the keys over
     * the ranks (each distinct key to the rank its hash picks, which numbers those it gets),
     * so a rank holds the ids of its share, not every document's; a rank reads only the
     * keys of its share; a rank passing NULL while others give keys has none. Each rank's
     * own pointers, borrowed during the call; with group_keys, opts->groups must be NULL
     * (OVL_ERR_INVALID otherwise). */
    const char *const *group_keys;
} ovl_scan_mpi_opts;
#define OVL_SCAN_MPI_KEY_ROUND_DEFAULT ((uint64_t)16 << 20) /* 16 MiB */
#define OVL_SCAN_MPI_OPTS_INIT {OVL_SCAN_MPI_OPTS_VERSION, 0, NULL}

typedef struct ovl_scan_mpi_stats {
    int rank, ranks;
    double seconds[OVL_SCAN_MPI_PHASES];     /* wall time of each phase on this rank */
    uint64_t sent[OVL_SCAN_MPI_PHASES];      /* bytes this rank sent to other ranks */
    uint64_t sent_max[OVL_SCAN_MPI_PHASES];  /* the most any rank sent */
    uint64_t sent_total[OVL_SCAN_MPI_PHASES];/* all ranks together */
    uint64_t held[OVL_SCAN_MPI_PHASES];      /* bytes of the phase's main arrays on this rank
                                                (fingerprints, a round of keys, pairs, passages) */
    uint64_t held_max[OVL_SCAN_MPI_PHASES];  /* the most any rank held */
    uint64_t rss_peak[OVL_SCAN_MPI_PHASES];  /* this rank's peak resident bytes by the end of
                                                the phase (VmHWM of /proc/self/status; 0
                                                where the system does not tell) */
    uint64_t rss_peak_max[OVL_SCAN_MPI_PHASES]; /* the most of any rank */
    uint64_t docs_held[OVL_SCAN_MPI_PHASES];  /* the most document records (ovl_scan_doc, and
                                                 in the runs that align and report, the
                                                 figures kept per document) this rank held at
                                                 once: its share's, and those of the documents
                                                 its work needed (the pairs it aligns; the
                                                 documents of the families it owns, a
                                                 window at a time; on rank 0 those the
                                                 report names) */
    uint64_t docs_held_max[OVL_SCAN_MPI_PHASES];
    uint64_t docs_fetched[OVL_SCAN_MPI_PHASES]; /* records of those this rank received from
                                                   the ranks that read them */
    uint64_t docs_fetched_total[OVL_SCAN_MPI_PHASES]; /* all ranks together */
    uint64_t paths_held[OVL_SCAN_MPI_PHASES]; /* the most file list entries (a document's path,
                                                 size, record) this rank held at once: every
                                                 document's when the corpus is whole on every
                                                 rank; walked in parts (ovl_corpus_add_paths_mpi),
                                                 its share's, and in the fingerprint phase the
                                                 walk's (the files it examined and the entries on
                                                 their way to their shares), in the runs that
                                                 align and report also those of their documents */
    uint64_t paths_held_max[OVL_SCAN_MPI_PHASES];
    uint64_t paths;                           /* documents of the corpus */
    uint64_t dirs_listed; /* directories this rank listed (or tried to) in the walk: walked in
                             parts (ovl_corpus_add_paths_mpi), those whose path's hash picks it
                             (so the ranks' add up to the directories walked); a corpus walked
                             whole on every rank, every directory */
    uint64_t dirs_listed_max, dirs_listed_total; /* the most of any rank; all ranks together */
    double walk_seconds; /* wall time of ovl_corpus_add_paths_mpi on this rank (counted in
                            seconds[0] too); 0 for a corpus not walked in parts */
    uint64_t groups_held[OVL_SCAN_MPI_PHASES]; /* the most group ids and keys this rank held at
                                                  once (0 without groups): an id per document
                                                  of its share (read from opts->groups or
                                                  numbered from mopts->group_keys), and while
                                                  the keys are numbered (fingerprint phase) its
                                                  share's distinct keys and those it numbers
                                                  for the others; the band-key records carry
                                                  their documents' ids to the ranks searching
                                                  them, one record held at a time */
    uint64_t groups_held_max[OVL_SCAN_MPI_PHASES];
    /* Fields below are added at the end, as later ones will be. */
    uint64_t family_spans_held[OVL_SCAN_MPI_PHASES]; /* the most family and template spans (a
                                                        document's range, 20 bytes) this rank
                                                        held at once: its share's (which it
                                                        made, and answers for) and those of
                                                        the documents its pairs name (which it
                                                        asks their ranks for, to filter the
                                                        pairs and to align them); while the
                                                        families are built, also the
                                                        occurrences of the texts it owns (and
                                                        of the families of one text whose
                                                        first it owns), and on rank 0 the
                                                        occurrences the report lists */
    uint64_t family_spans_held_max[OVL_SCAN_MPI_PHASES];
    uint64_t families_input; /* the bytes this rank built its families from: the
                                occurrences of recurring text of the texts it owns, 37 bytes
                                each, and the classes of recurring chunks it merged and
                                resolved (family_classes; src/mpi/famunits.h) */
    uint64_t walk_names_held; /* walked in parts on more than one rank: the most directory
                                 entries this rank held at once while the directories were
                                 listed (names it listed in a round, at most
                                 ovl_walk_opts.list_round, and entries it got to examine in
                                 it), whatever the size of a directory; 0 otherwise */
    uint64_t walk_names_held_max; /* the most of any rank */
    uint64_t family_units;       /* the units of recurring and template text (the classes of
                                    their chunks) every rank joined into texts
                                    (src/mpi/famjoin.h; a byte each while joined) */
    uint64_t family_neighbours;  /* the pairs of units met side by side in a document, each
                                    once, that every rank held while joining (12 bytes each) */
    uint64_t family_join_sums;   /* the sums over the ranks the join made (one all-reduce
                                    each): two per kind, and one per test of two texts'
                                    leaders */
    uint64_t family_joined;      /* the units met beside another (24 bytes each while joined;
                                    the others are texts of their own, held by nobody) */
    uint64_t family_part_pairs;  /* the pairs of a text and a kin met side by side, each once,
                                    that every rank held while joining the parts of texts
                                    (12 bytes each; src/family.h, ovl__fspans_join_parts) */
    uint64_t family_text_pairs;  /* the pairs of families whose texts may be one text (one
                                    holding the least gram of the other's, their lengths
                                    fitting), all ranks' (each tested by the rank owning the
                                    family that would take the other) */
    uint64_t family_text_joins;  /* of those, the pairs that join (64 bytes each on every
                                    rank while the groups are made) */
    uint64_t family_grams;       /* the distinct grams of every family's text, all ranks'
                                    (each held by the rank its value picks, 24 bytes, while
                                    the pairs are found and tested) */
    uint64_t family_members_moved; /* the families put with one whose first member another
                                      rank owns, sent to that rank (their occurrences) */
    uint64_t family_classes;     /* the classes of recurring and template chunks this rank
                                    merged and resolved: those whose key groups' hash picks
                                    it, about 1/N of family_units (src/mpi/classes.h) */
    uint64_t copies_led;         /* the copies (identical and near) of the groups whose first
                                    document is of this rank's share: this rank holds them,
                                    12 bytes each, until rank 0 asks for them to write the
                                    copy groups (src/mpi/copies.h) */
    uint64_t near_rounds;        /* the rounds in which the near-copy groups' first documents
                                    were found (each lowering labels along the edges, then
                                    to their labels' labels), the same on every rank */
} ovl_scan_mpi_stats;

/* Walks paths as ovl_corpus_add_path does with opts, one after the other, split over the
 * ranks of comm (collective): a directory is listed only by the rank its path's hash picks,
 * which sends each entry to the rank the entry's path picks, a level of directories at a time
 * (until no rank has a directory left), each level in rounds of at most opts->list_round
 * names listed by each rank (a directory's listing goes on in the next round; one all-to-all
 * per round), so no rank holds a directory's names whole, and a file is examined (its
 * size, the globs, a JSON lines file's records) only there; the problems come to rank 0 in
 * the walk's order (each path given, then the paths under it with '/' below every other
 * byte). Then the entries are sorted over the ranks by name (sample sort: all-to-all by name range) and
 * sent on to the ranks whose share they are in (contiguous in name order, balanced by
 * bytes, as ovl_scan_mpi cuts a whole corpus). c (new, empty; the caller's) gets this rank's
 * share only, numbered from 0, and on rank 0 every problem of the walk, in walk order; pass
 * it to ovl_scan_mpi on this rank: the report is the same as for the whole corpus. The ranks
 * must see the same directories (a shared file system; the paths given are compared:
 * OVL_ERR_INVALID, on every rank as for any failure, when the ranks were given other paths or
 * see them as other kinds of file). */
OVL_API int ovl_corpus_add_paths_mpi(ovl_ctx *ctx, MPI_Comm comm, ovl_corpus *c, const char *const *paths,
                                     size_t npaths, const ovl_walk_opts *opts);
/* The documents of the whole corpus c is a share of, and (first, may be NULL) the number of
 * its first document in it; for a corpus not walked in parts, ovl_corpus_count(c) and 0. */
OVL_API size_t ovl_corpus_mpi_total(const ovl_corpus *c, size_t *first);

/* "fingerprint", "keys", "pairs", "balance", "align", "results"; NULL out of range. */
OVL_API const char *ovl_scan_mpi_phase(int phase);

/* ovl_scan over the ranks of comm: collective, every rank passes the same corpus (the same
 * walk of a shared file system), or each rank its share from ovl_corpus_add_paths_mpi, and
 * the same options (mopts may be NULL: the defaults; a struct of another version than 1 or 2
 * is OVL_ERR_INVALID on every rank). opts->groups, when given, has an id per document of the
 * whole corpus, numbered in it (even when c is a share); a rank reads its share's only
 * (mopts->group_keys spares the caller that array). sink is used on rank 0 only (NULL
 * elsewhere is fine). The report rank 0 writes is byte for byte what ovl_scan writes for any
 * number of ranks. Every rank returns the same code: when any rank fails, each returns that
 * failure, its message prefixed with "rank N: " in ctx, and rank 0 has written only the
 * problems met before it (never begin/pair/end). summary (may be NULL) is rank 0's, given to
 * every rank; stats (may be NULL) is this rank's, with the maxima and totals over all ranks.
 * opts->progress is called on rank 0 only. */
OVL_API int ovl_scan_mpi(ovl_ctx *ctx, MPI_Comm comm, const ovl_corpus *c, const ovl_scan_opts *opts,
                         const ovl_scan_mpi_opts *mopts, const ovl_scan_sink *sink,
                         ovl_scan_summary *summary, ovl_scan_mpi_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
