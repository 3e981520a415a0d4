/* scan_run.h - the whole scan's steps (candidates in, families, pair filter, alignment, emission) shared by ovl_scan and ovl_scan_mpi; not installed. */
#ifndef OVL_SCAN_RUN_H
#define OVL_SCAN_RUN_H

#include "scan_int.h"

#include <stdatomic.h>
#include <stdio.h>

/* A passage lying in recurring text on both sides by at least this share is not reuse. */
#define FAMILY_COVER 0.8
/* Characters of a family's text shown. */
#define FAMILY_TEXT 1000

/* A pair that had passages or failed, as the report will show it. */
typedef struct ovl__prec {
    uint32_t a, b;      /* corpus numbers */
    uint32_t n;         /* passages */
    int status;
    uint64_t off;       /* first passage in the spool */
    uint64_t ra, rb;    /* reused characters of each side in this pair */
    double top;         /* highest similarity */
    char *error;
} ovl__prec;

typedef struct ovl__iv {
    uint64_t s, e;
} ovl__iv;

/* One document's figures, gathered while pairs are aligned. */
typedef struct ovl__dstat {
    ovl__iv *v;         /* reused spans, merged from time to time */
    size_t n, cap, merged;
    uint64_t best;      /* largest single-partner union */
    int64_t best_src;   /* its corpus number, -1 none */
    uint32_t sources;   /* pairs with passages */
    int in_report;
    int reported;       /* a problem was reported for it */
    int report_id;
    int delivered;      /* need_docs == 2: given to the sink (1) or failed to load (2) */
    char *load_error;
    int failure_code;   /* the first failure to load it during alignment, reported after it */
    char *failure;
} ovl__dstat;

typedef struct ovl__run {
    ovl_ctx *ctx;
    const ovl_corpus *c;
    const ovl_scan_opts *o;
    const ovl_scan_sink *sink;
    ovl_scan_doc *docs; /* per corpus document */
    ovl__dstat *ds;
    const ovl_scan_pair *pairs;
    ovl__prec *recs;
    size_t nrecs, caprecs;
    FILE *spool;
    uint64_t spool_off;
    ovl__cfp cfp;
    ovl__families fam;
    int use_fam;
    ovl__families ign; /* text found in the templates */
    int use_ign;
    atomic_size_t ignored_touched; /* passages template text was cut out of */
    ovl_passage *keep; /* passages of a result left after the family filter */
    size_t capkeep;
    int rc;             /* first failure inside the result callback */
    ovl_scan_summary sum;
    uint64_t (*hashes)[2]; /* per document, for the cache's check */
    ovl__doccache *cache;  /* loaded documents (alignment, then emission) */
    /* NULL: a record's passages are read from spool at its off; else fetched by this (passages
     * kept by another process, off as it numbered them), returning OVL_OK or an error. */
    int (*fetch)(void *data, ovl_ctx *ctx, uint64_t off, ovl_passage *buf, size_t n);
    void *fetch_data;
    /* NULL: the copy groups are cfp.copy_of's (and cfp.near's) over the run's documents; else
     * this gives each group, in name order of its first, to ovl__run_copy_group, so that a
     * process writing the report of a corpus it does not hold can fetch their members' names
     * a window at a time instead of keeping every member in the run. */
    int (*copies)(void *data, struct ovl__run *r);
    void *copies_data;
    /* NULL: the documents with replaced byte sequences are told from docs (the run holds
     * every document's record); else this tells each, in document order, through
     * ovl__run_replaced (the records are where the process that read them is). */
    int (*replaced)(void *data, struct ovl__run *r);
    void *replaced_data;
} ovl__run;

/* The steps of ovl_scan, in its order. A distributed scan runs some of them on every process
 * (init, filter, align) and the rest on the process that writes (families, finish), moving
 * what they hold between processes with export and import.
 *
 * init: o resolved and borrowed, like c and sink (NULL on processes that do not write);
 * allocates the per-document arrays. */
int ovl__run_init(ovl__run *r, ovl_ctx *ctx, const ovl_corpus *c, const ovl_scan_opts *o,
                  const ovl_scan_sink *sink);
void ovl__run_free(ovl__run *r);
/* The corpus's own problems (files it could not walk), to the sink. */
int ovl__run_corpus_problems(ovl__run *r);
/* A document that could not be read (doc < documents) or a template, to the sink. */
int ovl__run_problem(void *run, size_t doc, const ovl_problem *p);
/* Families of recurring text and template spans from r->cfp (rec, ign, chunks, copy_of,
 * docs); frees cfp.rec. */
int ovl__run_families(ovl__run *r);
/* Drops, in place, the pairs that collide only in recurring text on both sides (counted in
 * sum.family_pairs) or in template text on a side. */
void ovl__run_filter(ovl__run *r, ovl_scan_pair *pairs, size_t *npairs);
/* Aligns pairs (borrowed for the call): records and spans kept, passages spooled. */
int ovl__run_align(ovl__run *r, const ovl_scan_pair *pairs, size_t npairs);
/* Documents that failed during alignment reported in document order, then the results in
 * report order to the sink. */
int ovl__run_finish(ovl__run *r);

/* One group of copies to the sink, counted in r->sum: paths[0] its first (bytes, chars: its
 * figures), paths[1..n) the others in name order, sim[k] the near-copy similarity of
 * paths[k] (0: identical bytes); sim (n, the caller's) is overwritten with what the report
 * shows. */
int ovl__run_copy_group(ovl__run *r, const char **paths, double *sim, size_t n, uint64_t bytes, uint64_t chars);

/* Document doc (numbered in the whole corpus) named path had n replaced byte sequences: to
 * the sink (OVL_ERR_WRITE when it stops). */
int ovl__run_replaced(ovl__run *r, size_t doc, const char *path, size_t n);

/* A growing byte buffer for results passed between processes: bad is set once an allocation
 * failed, and later puts then do nothing, so a writer checks once at the end. */
typedef struct ovl__bbuf {
    char *p;
    size_t n, cap;
    int bad;
} ovl__bbuf;
void ovl__bput(ovl__bbuf *b, const void *x, size_t len);

/* The report order of pair records (qsort comparison): most reused characters first. */
int ovl__prec_cmp(const void *x, const void *y);
/* Drops the records the report leaves out: pairs below r->o->min_ratio on both sides (failed
 * pairs are always shown). The order of the rest is kept. */
void ovl__run_drop_below_ratio(ovl__run *r);

/* What alignment left in a run (pair records, documents' spans and failures, counters) as
 * plain bytes (*buf malloc'd); the passages stay in r->spool, records pointing into it.
 * want: NULL, or per document whether its figures go (then no records do, and failures go
 * whatever want says), so that a process can send only the documents a report shows. */
int ovl__run_export(ovl__run *r, const unsigned char *want, void **buf, size_t *len);
/* Adds an exported run's part to r: its records, their passages' offsets moved by spool_base
 * (the caller appends the exported run's spool there, or fetches them, see fetch), spans
 * merged per document, failures kept when r has none for the document, counters added. */
int ovl__run_import(ovl__run *r, const void *buf, size_t len, uint64_t spool_base);

#endif
