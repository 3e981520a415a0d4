/* family.h - the families' occurrences widened over the text beside them that most of them share, and families of one text joined, from the documents read again; not installed. */
#ifndef OVL_FAMILY_H
#define OVL_FAMILY_H

#include "scan_int.h"

/* What the families are built from: the recurring chunks of the documents (those a record of a
 * frequent band key names), each with its ranges and the key groups it holds, and the
 * documents of each key group, made from the records in one process
 * (ovl__fkeys_from_records). Over MPI ranks no process holds it whole: the ranks holding
 * the documents find their chunks' classes and rank 0 gets an ovl__funits
 * (src/mpi/famunits.c). Key groups may be numbered in any way that keeps them apart: only
 * their sets, counts and documents matter. All arrays malloc'd, freed by ovl__fkeys_free. */
typedef struct ovl__fkeys {
    size_t ndocs;
    uint32_t *first;      /* per document d: its recurring chunks are [first[d], first[d + 1]) */
    uint32_t *off;        /* per recurring chunk: its index among its document's chunks */
    ovl__chunkinfo *info; /* per recurring chunk: its token and character ranges */
    size_t n;             /* recurring chunks (at most 2^32 - 1) */
    size_t *goff;         /* per recurring chunk: its key groups are gl[goff[c] .. goff[c + 1]),
                             ascending, at least one (n + 1 entries) */
    uint32_t *gl;
    uint32_t *gdocs;      /* per key group: the documents holding it (templates' and those of
                             records naming no chunk too) */
    size_t ngroups;
} ovl__fkeys;

/* *k from cfp's records (cfp->rec, nrec; sorted by (key_group, doc, tok_start)) and chunks, over
 * ndocs documents (records of documents past them count in gdocs only). OVL_OK, OVL_ERR_NOMEM
 * or OVL_ERR_TOOBIG (more than 2^32 - 1 recurring chunks). */
int ovl__fkeys_from_records(ovl_ctx *ctx, const ovl__cfp *cfp, size_t ndocs, ovl__fkeys *k);
void ovl__fkeys_free(ovl__fkeys *k);

/* The key groups of the records v[0, n) (sorted by key group, then document) numbered in
 * order, *ng of them, and per group the documents holding it: *gdocs (malloc'd, the caller
 * frees it; NULL and *ng 0 on failure). What ovl__fkeys_from_records counts its gdocs with,
 * and an MPI rank its share's. OVL_OK or OVL_ERR_NOMEM. */
int ovl__group_docs(ovl_ctx *ctx, const ovl_recurring *v, size_t n, uint32_t **gdocs, size_t *ng);

/* The families of k (copy_of: per document its group's first, itself for an original, as in
 * ovl__cfp; k->ndocs of them). What ovl__families_build does after ovl__fkeys_from_records:
 * the chunks' classes (chunks with the same key groups), their roots
 * (ovl__fclasses_roots), then ovl__families_from_units. */
int ovl__families_from_keys(ovl_ctx *ctx, const ovl__fkeys *k, const uint32_t *copy_of, ovl__families *out);

/* Classes of recurring chunks: the chunks with the same key groups hold the same text (found
 * with an ovl__fctab, src/fclass.h). Per class, numbered as first met (document after
 * document, chunk after chunk): the documents holding it and its key groups (ascending).
 * Arrays malloc'd, freed by ovl__fclasses_free. */
typedef struct ovl__fclasses {
    size_t n;
    uint32_t *docs;
    size_t *goff; /* class k's key groups: gl[goff[k] .. goff[k + 1]) (n + 1 entries) */
    uint32_t *gl;
} ovl__fclasses;
void ovl__fclasses_free(ovl__fclasses *fc);

/* For each class k of fc: up[k], the root class whose text it is (itself, or the text a
 * variant belongs to), own[k], whether it is a text of its own, and (kin not NULL) kin[k],
 * the first of the roots whose texts are alike that k's root belongs to (roots sharing half
 * the key groups of the one with fewer: the same text with a word changed, each in enough
 * documents to be a text of its own, such as the GPL's warranty paragraph as "This program
 * is distributed ..." and as "This package is distributed ..."); gdocs: the documents of
 * each of the ngroups key groups. OVL_OK or OVL_ERR_NOMEM. */
int ovl__fclasses_roots(ovl_ctx *ctx, const ovl__fclasses *fc, const uint32_t *gdocs, size_t ngroups, uint32_t *up,
                        unsigned char *own, uint32_t *kin);

/* How many key groups the increasing a[0, na) and b[0, nb) share (a variant belongs to the
 * key groups' owner it shares most with, here and over MPI ranks). */
size_t ovl__groups_shared(const uint32_t *a, size_t na, const uint32_t *b, size_t nb);

/* Key groups held by more texts of their own than this say nothing of two texts being alike
 * (a template's common words): not looked at for kin (here and over MPI ranks). */
#define OVL__FAMILY_KIN_GROUP_MAX 32

/* What the families are built from once each recurring chunk's class is resolved: per
 * document its recurring chunks (first, off, info as in ovl__fkeys), per chunk its unit (the
 * root class's number, UINT32_MAX for none) and whether its class is a text of its own, and
 * per unit (nunits, the classes' count) whether it is a root that is no text of its own. Over
 * MPI ranks each document's part is made by the rank holding it, from the classes rank 0
 * resolved (src/mpi/families.c). */
typedef struct ovl__funits {
    size_t ndocs;
    uint32_t *first;
    uint32_t *off;
    ovl__chunkinfo *info;
    uint32_t *unit;
    unsigned char *pure;
    size_t n;
    unsigned char *frag;
    size_t nunits;
    const struct ovl__fkins *kins; /* the roots alike another (ovl__fkins_from), or NULL: none */
} ovl__funits;

/* The families of u (copy_of as for ovl__families_from_keys): ovl__funits_join, then
 * ovl__funits_spans, ovl__fspans_join_parts and ovl__families_from_spans. */
int ovl__families_from_units(ovl_ctx *ctx, const ovl__funits *u, const uint32_t *copy_of, ovl__families *out);

/* Two units side by side in documents (x < y) and a count: the times they were met so, or
 * the documents holding both. */
typedef struct ovl__fedge {
    uint32_t x, y, n;
} ovl__fedge;

/* Sorts e[0, n) by (x, y), each pair once with the counts of its copies added; how many are
 * left. */
size_t ovl__fedges_merge(ovl__fedge *e, size_t n);

/* How ovl__funits_join and ovl__fspans_join_parts add up what they count when each process
 * holds the recurring chunks of its share of the documents (MPI ranks): every process makes
 * the same calls in the same order, and each returns the same code in every process. NULL
 * in one process. */
typedef struct ovl__fjoin {
    int (*agree)(void *arg, int rc);              /* OVL_OK when every process's rc is */
    int (*sum)(void *arg, uint32_t *v, size_t n); /* v[0, n) summed over the processes, in place */
    /* This process's neighbours *ed (*n of them, each pair once, sorted by (x, y), n: times
     * or documents met), malloc'd, replaced by those of every process (n added). */
    int (*edges)(void *arg, ovl__fedge **ed, size_t *n);
    void *arg;
} ovl__fjoin;

/* The units joined into texts: the units met beside another (unit, ascending, n of them) with
 * a union-find over their positions there (parent); every other unit is a text of its own.
 * Arrays malloc'd, freed by ovl__ftexts_free. */
typedef struct ovl__ftexts {
    uint32_t *unit;
    uint32_t *parent;
    size_t n;
} ovl__ftexts;
void ovl__ftexts_free(ovl__ftexts *t);

/* The text (its first unit) unit u is part of (t's union-find path-compressed). */
uint32_t ovl__ftexts_root(ovl__ftexts *t, uint32_t u);

/* *out: the units of u joined into texts. Neighbouring recurring chunks of one document
 * (chunks at most FAMILY_GAP tokens apart: a licence's paragraphs, a template's pieces) hold
 * one text when mostly the same documents hold their units, and the texts' leaders (each
 * one's unit in most documents) are alike too; a fragment (u->frag) joins the one text
 * beside it in most of its documents. Documents d with copy_of[d] != d are left out. Holds
 * 12 bytes a pair of neighbouring units and 24 a unit met in one, nothing for the others. j:
 * NULL, or how the counts of the documents of other processes are added (then every process
 * calls it, with the same u->frag). OVL_OK or OVL_ERR_NOMEM (or j's error). */
int ovl__funits_join(ovl_ctx *ctx, const ovl__funits *u, const uint32_t *copy_of, const ovl__fjoin *j,
                     ovl__ftexts *out);

/* The spans of the texts in documents, in document order: runs of a document's recurring
 * chunks, one after the other, of one text; per span its text (its units' first, from
 * ovl__funits_join) and whether its chunks are all of texts of their own
 * (clean). Arrays malloc'd, freed by ovl__fspans_free. */
typedef struct ovl__fspans {
    ovl__famspan *spans; /* doc: the document's number in the ovl__funits */
    uint32_t *text;
    unsigned char *clean;
    size_t n;
} ovl__fspans;
void ovl__fspans_free(ovl__fspans *s);

/* *out from the chunks of u (documents d with copy_of[d] != d left out) and the texts t
 * (from ovl__funits_join). OVL_OK or OVL_ERR_NOMEM. */
int ovl__funits_spans(ovl_ctx *ctx, const ovl__funits *u, const uint32_t *copy_of, ovl__ftexts *t,
                      ovl__fspans *out);

/* The root units whose kin (ovl__fclasses_roots) is another unit: unit[i]'s is kin[i] (unit
 * ascending, n of them); every other unit is its own kin. Arrays malloc'd, freed by
 * ovl__fkins_free. */
typedef struct ovl__fkins {
    uint32_t *unit;
    uint32_t *kin;
    size_t n;
} ovl__fkins;
void ovl__fkins_free(ovl__fkins *k);

/* *out from kin and up (per unit, nunits of them, as ovl__fclasses_roots makes them; kin
 * NULL: none alike; up NULL: every unit a root). A variant's chunks are its root's, so its
 * own number is no text's and its kin is left out. 0, or -1 when out of memory. */
int ovl__fkins_from(const uint32_t *kin, const uint32_t *up, size_t nunits, ovl__fkins *out);

/* The parts of texts joined occurrence by occurrence in the spans *s (src/family.c: a text
 * bound to a kin beside it in most of its documents, a kin that is a part): each span's text
 * becomes the text its run begins with. kins: NULL, none alike. Holds 12 bytes a pair of a
 * text and a kin met side by side and 28 a span, nothing per unit. j: NULL, or how the counts
 * of the documents of other processes are added (then every process calls it, each with the
 * spans of its documents, and the same kins). OVL_OK or OVL_ERR_NOMEM (or j's error). */
int ovl__fspans_join_parts(ovl_ctx *ctx, ovl__fspans *s, const ovl__fkins *kins, const ovl__fjoin *j);

/* The spans *s (their parts of texts joined) made in place the occurrences
 * ovl__families_from_spans makes of them, in document order: a text's pieces at most a few
 * tokens apart in a document are one, reaching the furthest end, clean when all are. The
 * families of the occurrences are those of the spans, but for the spans in document order
 * they keep (ovl__families_cover), so this is for a process that keeps none (MPI rank 0,
 * each rank answering for its own documents), in fewer bytes. OVL_OK or OVL_ERR_NOMEM. */
int ovl__fspans_occurrences(ovl_ctx *ctx, ovl__fspans *s);

/* How many copies (identical and near) document doc has: a family's documents count them. */
typedef uint32_t (*ovl__fcopies_fn)(const void *arg, uint32_t doc);

/* The families of the spans *s (taken: *s is emptied; their parts of texts joined,
 * ovl__fspans_join_parts) over nunits units, a document's copies counted by copies(arg,
 * doc): the families numbered as first met, their representatives chosen, and the bounds of
 * each occurrence's widening (out->lo, hi: found in document order, where they are cheap).
 * ndocs: the documents the spans' doc numbers count, indexed in out->doc_first and kept in
 * document order before the families' occurrences (for ovl__families_cover), or 0 for no
 * index (then the numbers only order the documents, as corpus numbers on MPI rank 0 do,
 * nothing is held per document and the spans are made the occurrences in place: out->spans
 * holds the families' occurrences only). The spans may come from processes that each made
 * those of their documents. Holds 8 bytes an occurrence beside them, and with ndocs a copy. */
int ovl__families_from_spans(ovl_ctx *ctx, ovl__fspans *s, size_t ndocs, size_t nunits, ovl__fcopies_fn copies,
                             const void *arg, ovl__families *out);

/* The families of the occurrences *in (taken: *in is emptied) of the documents of other
 * processes too, as ovl__families_from_spans makes them with ndocs 0, but for their bounds,
 * given: lo[s], hi[s] per occurrence s, as ovl__fspans_bounds found them where every
 * occurrence of the document was (so a process holding some families' occurrences only, an
 * MPI rank owning their texts, builds them). The occurrences are in document order (of
 * ovl__fspans_occurrences, none taking the next of its text); each family's first_in is the
 * index in *in of its first. OVL_OK or OVL_ERR_NOMEM. */
int ovl__families_from_occurrences(ovl_ctx *ctx, ovl__fspans *in, const uint32_t *lo, const uint32_t *hi,
                                   size_t nunits, ovl__fcopies_fn copies, const void *arg, ovl__families *out);

/* The bounds the widening may grow each of the occurrences occ[0, n) (in document order, of
 * every family of their documents) to: the furthest end of those before it, and the start of
 * the one after it, in its document (lo[s], hi[s]). -1 when out of memory. */
int ovl__fspans_bounds(const ovl__famspan *occ, size_t n, uint32_t *lo, uint32_t *hi);

/* What the widening reads of a document besides its text, as phase 1 found it. */
typedef struct ovl__famdoc {
    uint64_t hash[2]; /* XXH3-128 of its bytes (low, high): a document read again is checked
                         against it */
    uint32_t tokens;  /* its token count: a family's text is read from its shortest document */
    uint32_t copies;  /* its identical and near copies: a joined family's documents */
} ovl__famdoc;

/* What a window of documents is fetched for (ovl__famread.fetch, or-ed): reading their text
 * (their file list entries and hashes), their token counts, their copies. */
enum { OVL__FAM_TEXT = 1, OVL__FAM_TOKENS = 2, OVL__FAM_COPIES = 4 };

/* How the documents are read again: as phase 1 read them (opts borrowed), from c (borrowed)
 * with their figures in docs and copies (per document; copies NULL: none), or, when fetch is set, a window of
 * at most window documents at a time: before the widening reads documents or their figures
 * it calls fetch(fetch_data, docs, n, want, &fc, &fig) with the next documents (ascending)
 * and what it wants of them, and takes document docs[k] as document k of fc (want holding
 * OVL__FAM_TEXT; NULL otherwise) with figures fig[k] (the fields want names), until the next
 * call. A non-zero return (an ovl_status, the detail in the ctx given to
 * ovl__families_widen) stops the widening with that code. So a process that does not hold
 * every document's file list entry and record (rank 0 over MPI ranks) holds a window's,
 * whatever the families' documents. */
typedef struct ovl__famread {
    const ovl_corpus *c;
    const ovl_doc_opts *opts;
    const ovl_scan_doc *docs;
    const uint32_t *copies;
    int (*fetch)(void *fetch_data, const uint32_t *docs, size_t n, int want, const ovl_corpus **fc,
                 const ovl__famdoc **fig);
    void *fetch_data;
    size_t window;
} ovl__famread;

/* Widens the reported occurrences of each family of fam (not the spans in document order that
 * filter pairs and passages) over the tokens beside them, up to the next occurrence of any
 * family, that two thirds of the family's occurrences share word for word (a notice's first
 * short lines, which the fingerprint merged with each file's own lines into chunks whose keys
 * recur nowhere); then puts together the families whose texts are one text with a
 * line or two more or less (a template whose first window differs from page to page), and
 * sorts the families again by documents x characters. lctx takes the
 * messages of documents that cannot be read (or changed since): their occurrences stay as
 * they are (the report tells of them elsewhere). OVL_OK or OVL_ERR_NOMEM. */
int ovl__families_widen(ovl_ctx *ctx, ovl__families *fam, const ovl__famread *rd, ovl_ctx *lctx);

/* ovl__families_widen in two steps: the occurrences widened (each family's alone: a process
 * holding some of the families widens them as it would among all), *widened telling how many
 * took tokens; then, every family at hand in the build's order, the families of one text
 * joined and, when some occurrence was widened (widened non-zero) or some family joined,
 * sorted again. */
int ovl__families_widen_occurrences(ovl_ctx *ctx, ovl__families *fam, const ovl__famread *rd, ovl_ctx *lctx,
                                    size_t *widened);
int ovl__families_join(ovl_ctx *ctx, ovl__families *fam, const ovl__famread *rd, ovl_ctx *lctx, int widened);

/* Each family's text as the join of families of one text reads it: its representative
 * occurrence, or one as long in a document of fewer tokens, read again (ovl__families_grams). */
typedef struct ovl__fgram {
    uint64_t g; /* a gram: the hashes of 8 tokens in a row, mixed */
    uint32_t k; /* its family */
} ovl__fgram;

typedef struct ovl__fgrams {
    size_t n;        /* families */
    size_t *len;     /* per family: its text's tokens (0: not read) */
    size_t *goff;    /* per family k: its distinct grams gr[goff[k], goff[k + 1]), ascending */
    ovl__fgram *gr;  /* by family, then gram */
    size_t ng;
} ovl__fgrams;

/* The texts of fam's families read (rd, lctx as ovl__families_widen takes them) and made
 * grams (*out, malloc'd; free with ovl__fgrams_free). A process holding some of the families
 * reads theirs as it would among all. OVL_OK, OVL_ERR_NOMEM or rd->fetch's code. */
int ovl__families_grams(ovl_ctx *ctx, const ovl__families *fam, const ovl__famread *rd, ovl_ctx *lctx,
                        ovl__fgrams *out);
void ovl__fgrams_free(ovl__fgrams *t);

/* Whether family y, whose text has leny tokens, is put with family x (lenx; x_first: x comes
 * first in the build's order) when x's text holds every gram of y's: y is no longer, and at
 * least two thirds of x. */
int ovl__fgrams_fit(size_t leny, size_t lenx, int x_first);

/* Whether x's text holds every gram of y's (both families of t). */
int ovl__fgrams_within(const ovl__fgrams *t, uint32_t y, uint32_t x);

/* The occurrences of the families put together, sp[0, n) (any order), sorted by document and
 * place, those a few tokens apart (or overlapping) made one; returns how many are left. */
size_t ovl__famspans_merge(ovl__famspan *sp, size_t n);

/* fm's representative, its first occurrence (spans[fm->first_span ..], fm->nspans of them)
 * holding rep (its lead member's, else its first), and its weight (fm->documents set). */
void ovl__fam_settle(ovl__fam *fm, const ovl__famspan *spans, ovl__famspan rep);

/* Once the families are widened, keeps what the report shows of them: the top heaviest
 * families (0: all; the others counted in fam->dropped, their occurrences given back) and of
 * each its first per occurrences in document order (0: all; f->nspans becomes their count)
 * and its representative (moved just after them when it is not one of them). The spans in
 * document order (spans[0, fam->nspans), which filter pairs and passages) stay; the kept
 * occurrences move down in place and the arrays shrink (a failed shrink keeps the larger
 * block, a failed index leaves them where they are). Either way fam->n and each f->nspans
 * are what the report lists afterwards: its readers take them as they are. */
void ovl__families_keep(ovl__families *fam, size_t top, size_t per);

#endif
