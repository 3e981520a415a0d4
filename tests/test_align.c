/* test_align.c - Check suite for the passage aligner and the token diff (src/align.c). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- texts written for these tests -------------------------------------------------------- */

/* Reused passage (60 CJK tokens, starts and ends on an ideograph). */
static const char *P =
    "山谷里的小型水电站建成以后附近三个村庄的夜晚第一次有了稳定的照明用电农民也用上了抽水"
    "机灌溉梯田秋天的收成比往年多出两成";
/* Second reused passage (40 CJK tokens). */
static const char *Q = "老街的石板路被雨水冲刷得发亮两旁木门上贴着褪色的春联茶馆里传出评书先生的醒木声";
/* Unrelated fillers; each begins and ends with punctuation so nothing extends a match. */
static const char *F1 = "“前言”\n冬季候鸟沿着湖岸迁徙，观察站记录了数量变化。\n";
static const char *F2 = "。\n图书馆延长开放时间，学生们在阅览室复习功课到深夜。\n";
static const char *F3 = "。\n港口吊车昼夜不停地装卸集装箱，货轮排队等候进港。";
static const char *G1 = "第一章\n城市公交线路调整后，早高峰的拥堵明显缓解。\n";
static const char *G2 = "。\n医院新建的门诊楼投入使用，挂号排队时间缩短了一半。\n";
static const char *G3 = "。\n果园里的苹果挂满枝头，合作社组织工人采摘装箱。";

static char *cat(const char *const *parts, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += strlen(parts[i]);
    char *s = malloc(len + 1);
    ck_assert_ptr_nonnull(s);
    s[0] = '\0';
    for (size_t i = 0; i < n; i++)
        strcat(s, parts[i]);
    return s;
}

static size_t cps(const char *s) /* code points of UTF-8 s */
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static unsigned nl(const char *s)
{
    unsigned n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static ovl_doc *mkdoc(const char *s)
{
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_doc *d = NULL;
    int rc = ovl_doc_from_bytes(ctx, "t", s, strlen(s), NULL, &d);
    ck_assert_msg(rc == OVL_OK, "%s", ovl_ctx_message(ctx));
    ovl_ctx_free(ctx);
    return d;
}

static ovl_passage *align_docs(ovl_doc *a, ovl_doc *b, size_t *n)
{
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_passage *p = NULL;
    int rc = ovl_align(ctx, a, b, NULL, &p, n);
    ck_assert_msg(rc == OVL_OK, "%s", ovl_ctx_message(ctx));
    ovl_ctx_free(ctx);
    return p;
}

/* Reworded reuse written for these tests: synonyms, clauses moved, no run of three words
 * (five characters) shared over a passage's length, so exact matching finds nothing. */
static const char *RW_EN_A =
    "A short note on harbours."
    " For three centuries the harbour towns of the northern coast depended on the herring trade."
    " Every autumn the fishing fleets left before dawn and returned with holds full of"
    " silver fish."
    " The fresh catch was salted in wooden barrels and shipped to inland markets by river barge."
    " When the herring shoals vanished after the war, whole villages lost their only trade"
    " within a decade."
    " Mountain glaciers are another matter.";
static const char *RW_EN_B =
    "Railway timetables were printed in the old capital."
    " Harbour towns on the coast of the north relied on herring trading for three hundred years."
    " Fishing fleets departed each autumn before sunrise, returning with silvery fish filling their holds."
    " Fresh fish catches were salted inside barrels made of wood, then river barges shipped them to markets inland."
    " Villages whole lost within one decade their single trade, once herring shoals had vanished after the war."
    " Bookbinding used vellum.";
static const char *RW_ZH_A =
    "前言部分从略。这座小城的茶馆历来是老人们聚会的地方。"
    "每天清晨，他们提着鸟笼来到河边的茶馆，一边喝茶一边谈论家长里短。"
    "茶馆老板总是提前烧好开水，把桌椅擦得干干净净。"
    "近年来随着年轻人外出打工，茶馆的客人越来越少。"
    "高原冰川另当别论。";
static const char *RW_ZH_B =
    "铁路时刻表在旧都印刷。"
    "小城中的茶馆历来都是老人们相聚会面的场所。"
    "老人们每天清早提着鸟笼走到河畔茶馆，边喝茶边聊家长里短。"
    "开水总被老板事先烧好，桌子椅子也擦得干净。"
    "随着年轻人近年外出务工，茶馆里的客人日渐减少。"
    "羊皮纸价格昂贵。";

static ovl_passage *align_opts(ovl_doc *a, ovl_doc *b, const ovl_align_opts *o, size_t *n)
{
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_passage *p = NULL;
    int rc = ovl_align(ctx, a, b, o, &p, n);
    ck_assert_msg(rc == OVL_OK, "%s", ovl_ctx_message(ctx));
    ovl_ctx_free(ctx);
    return p;
}

/* Replaces every occurrence of from by to in s (malloc'd result). */
static char *replace_all(const char *s, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), n = 0;
    for (const char *p = strstr(s, from); p; p = strstr(p + fl, from))
        n++;
    char *out = malloc(strlen(s) + n * (tl + 1) + 1), *o = out;
    ck_assert_ptr_nonnull(out);
    for (const char *p = s;;) {
        const char *q = strstr(p, from);
        if (!q) {
            strcpy(o, p);
            break;
        }
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, to, tl);
        o += tl;
        p = q + fl;
    }
    return out;
}

/* ---- verbatim copy ------------------------------------------------------------------------ */

START_TEST(verbatim_exact_offsets)
{
    const char *pa[] = {F1, P, F2}, *pb[] = {G1, G2, P, G3};
    char *sa = cat(pa, 3), *sb = cat(pb, 4);
    ovl_doc *a = mkdoc(sa), *b = mkdoc(sb);
    size_t n;
    ovl_passage *p = align_docs(a, b, &n);
    ck_assert_uint_eq(n, 1);
    uint64_t ca = cps(F1), cb = cps(G1) + cps(G2), lp = cps(P);
    ck_assert_uint_eq(p[0].a.char_start, ca);
    ck_assert_uint_eq(p[0].a.char_end, ca + lp);
    ck_assert_uint_eq(p[0].a.byte_start, strlen(F1));
    ck_assert_uint_eq(p[0].a.byte_end, strlen(F1) + strlen(P));
    ck_assert_uint_eq(p[0].a.line_start, nl(F1) + 1);
    ck_assert_uint_eq(p[0].a.line_end, nl(F1) + 1);
    ck_assert_uint_eq(p[0].b.char_start, cb);
    ck_assert_uint_eq(p[0].b.char_end, cb + lp);
    ck_assert_uint_eq(p[0].b.byte_start, strlen(G1) + strlen(G2));
    ck_assert_uint_eq(p[0].b.byte_end, strlen(G1) + strlen(G2) + strlen(P));
    ck_assert_uint_eq(p[0].b.line_start, nl(G1) + nl(G2) + 1);
    ck_assert_uint_eq(p[0].b.tok_end - p[0].b.tok_start, lp);
    ck_assert_uint_eq(p[0].a.tok_end - p[0].a.tok_start, lp);
    ck_assert_double_eq(p[0].similarity, 1.0);
    ck_assert_uint_eq(p[0].matched_chars, lp);
    ck_assert_int_eq(p[0].moved, 0);
    /* The span helper agrees with the passage. */
    ovl_span s;
    ovl_span_from_tokens(a, p[0].a.tok_start, p[0].a.tok_end, &s);
    ck_assert_mem_eq(&s, &p[0].a, sizeof s);
    /* Restricting the range to exclude the passage finds nothing; including it finds it. */
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_passage *q = NULL;
    size_t m = 9;
    ck_assert_int_eq(ovl_align_range(ctx, a, 0, p[0].a.tok_start, b, 0, ovl_norm_count(ovl_doc_norm(b)),
                                     NULL, &q, &m), OVL_OK);
    ck_assert_uint_eq(m, 0);
    ck_assert_ptr_null(q);
    ck_assert_int_eq(ovl_align_range(ctx, a, p[0].a.tok_start, p[0].a.tok_end, b, p[0].b.tok_start,
                                     p[0].b.tok_end, NULL, &q, &m), OVL_OK);
    ck_assert_uint_eq(m, 1);
    ck_assert_mem_eq(&q[0].a, &p[0].a, sizeof q[0].a);
    ck_assert_mem_eq(&q[0].b, &p[0].b, sizeof q[0].b);
    free(q);
    ovl_ctx_free(ctx);
    free(p);
    ovl_doc_free(a);
    ovl_doc_free(b);
    free(sa);
    free(sb);
}
END_TEST

/* ---- edits inside the passage ------------------------------------------------------------- */

START_TEST(edited_copy_one_passage)
{
    /* Three substituted characters and two inserted ones, at least 8 characters apart. */
    char *e1 = replace_all(P, "夜晚", "晚上");          /* 1 substitution (夜->晚 , 晚->上: 2) */
    char *e2 = replace_all(e1, "农民也", "农户们也"); /* 民->户, +们 */
    char *e3 = replace_all(e2, "秋天的", "秋季里的");  /* 天->季, +里 */
    const char *pa[] = {F1, P, F2}, *pb[] = {G1, e3, G2};
    char *sa = cat(pa, 3), *sb = cat(pb, 3);
    ovl_doc *a = mkdoc(sa), *b = mkdoc(sb);
    size_t n;
    ovl_passage *p = align_docs(a, b, &n);
    ck_assert_uint_eq(n, 1);
    uint64_t lp = cps(P), le = cps(e3);
    ck_assert_uint_eq(le, lp + 2);
    ck_assert_uint_eq(p[0].a.char_start, cps(F1));
    ck_assert_uint_eq(p[0].a.char_end, cps(F1) + lp);
    ck_assert_uint_eq(p[0].b.char_start, cps(G1));
    ck_assert_uint_eq(p[0].b.char_end, cps(G1) + le);
    /* Edits: 夜晚->晚上 is two substitutions (or a delete and an insert, also 2), 民->户 one,
     * 天->季 one, and two insertions: distance 6 over the longer side of lp + 2 tokens. */
    ck_assert_double_eq_tol(p[0].similarity, 1.0 - 6.0 / (double)(lp + 2), 1e-12);
    ck_assert_uint_eq(p[0].matched_chars, lp - 3);
    free(p);
    ovl_doc_free(a);
    ovl_doc_free(b);
    free(sa);
    free(sb);
    free(e1);
    free(e2);
    free(e3);
}
END_TEST

/* ---- reordering --------------------------------------------------------------------------- */

START_TEST(swapped_passages_one_moved)
{
    const char *pa[] = {F1, P, F2, Q, F3}, *pb[] = {G1, Q, G2, P, G3};
    char *sa = cat(pa, 5), *sb = cat(pb, 5);
    ovl_doc *a = mkdoc(sa), *b = mkdoc(sb);
    size_t n;
    ovl_passage *p = align_docs(a, b, &n);
    ck_assert_uint_eq(n, 2);
    /* Sorted by a: P first, then Q. P is longer, so it stays in order and Q is moved. */
    ck_assert_uint_eq(p[0].a.char_start, cps(F1));
    ck_assert_uint_eq(p[0].b.char_start, cps(G1) + cps(Q) + cps(G2));
    ck_assert_int_eq(p[0].moved, 0);
    ck_assert_uint_eq(p[1].a.char_start, cps(F1) + cps(P) + cps(F2));
    ck_assert_uint_eq(p[1].b.char_start, cps(G1));
    ck_assert_uint_eq(p[1].b.char_end, cps(G1) + cps(Q));
    ck_assert_int_eq(p[1].moved, 1);
    free(p);
    ovl_doc_free(a);
    ovl_doc_free(b);
    free(sa);
    free(sb);
}
END_TEST

/* ---- shuffled sentences, repeats, stock phrases --------------------------------------------- */

static const char *S1 = "Glaciers in the northern valley retreated nearly forty metres during the last decade. ";
static const char *S2 = "Meltwater lakes formed quickly. ";
static const char *S3 = "Survey teams installed pressure sensors beneath three moraine dams every spring. ";
static const char *S4 = "Local herders moved their yaks toward higher pastures as grazing land dried out. ";
static const char *S5 = "Regional authorities have since drafted an evacuation plan for downstream villages.";
static const char *E1 = "Our bakery opens at seven and sells rye loaves, almond croissants and coffee.\n\n";
static const char *E2 = "\n\nTickets for the harbour ferry can be bought online or at the kiosk near pier four.";
static const char *H1 = "The orchestra rehearsed a new symphony by a young composer from Lisbon.\n\n";
static const char *H2 = "\n\nVolunteers repainted the community hall and repaired its leaking roof before winter.";

/* Sentences of one stretch shuffled (one of them too short to seed a piece of its own) come
 * back as one passage over the whole stretch on both sides. */
START_TEST(shuffled_sentences_one_passage)
{
    const char *pa[] = {E1, S3, S1, S5, " ", S2, S4, E2};
    const char *pb[] = {H1, S1, S2, S3, S4, S5, H2};
    char *sa = cat(pa, 8), *sb = cat(pb, 7);
    ovl_doc *a = mkdoc(sa), *b = mkdoc(sb);
    size_t n;
    ovl_passage *p = align_docs(a, b, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(p[0].a.char_start, cps(E1));
    ck_assert_uint_eq(p[0].a.char_end, cps(sa) - cps(E2) - 2); /* up to "out", not ". " */
    ck_assert_uint_eq(p[0].b.char_start, cps(H1));
    ck_assert_uint_eq(p[0].b.char_end, cps(sb) - cps(H2) - 1);
    ck_assert_int_eq(p[0].moved, 0);
    free(p);
    ovl_doc_free(a);
    ovl_doc_free(b);
    free(sa);
    free(sb);
}
END_TEST

/* Two sentences swap places inside one reused stretch: one passage over the stretch, and its
 * pieces say which sentence moved: the chain through the sentences still in order (bridging
 * over the other) is in order, the sentence it bridged over is moved, with its exact place on
 * each side. */
START_TEST(swapped_sentences_pieces_show_the_move)
{
    const char *pa[] = {E1, S1, S3, S4, S5, E2};
    const char *pb[] = {H1, S1, S4, S3, S5, H2};
    char *sa = cat(pa, 6), *sb = cat(pb, 6);
    ovl_doc *a = mkdoc(sa), *b = mkdoc(sb);
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_passage *p = NULL;
    ovl_piece *pc = NULL;
    size_t n = 0, npc = 0;
    ck_assert_int_eq(ovl_align_pieces(ctx, a, b, NULL, &p, &n, &pc, &npc), OVL_OK);
    ck_assert_uint_eq(n, 1);
    size_t a0 = cps(E1), b0 = cps(H1);
    ck_assert_uint_eq(p[0].a.char_start, a0);
    ck_assert_uint_eq(p[0].a.char_end, cps(sa) - cps(E2) - 1);
    ck_assert_uint_eq(p[0].b.char_start, b0);
    ck_assert_uint_eq(p[0].b.char_end, cps(sb) - cps(H2) - 1);
    ck_assert_uint_eq(npc, 2);
    ck_assert_uint_eq(pc[0].passage, 0);
    ck_assert_uint_eq(pc[0].a.char_start, p[0].a.char_start);
    ck_assert_uint_eq(pc[0].a.char_end, p[0].a.char_end);
    ck_assert_uint_eq(pc[0].b.char_start, p[0].b.char_start);
    ck_assert_uint_eq(pc[0].b.char_end, p[0].b.char_end);
    ck_assert_int_eq(pc[0].moved, 0);
    ck_assert_uint_eq(pc[1].passage, 0);
    ck_assert_uint_eq(pc[1].a.char_start, a0 + cps(S1));
    ck_assert_uint_eq(pc[1].a.char_end, a0 + cps(S1) + cps(S3) - 2); /* up to "spring" */
    ck_assert_uint_eq(pc[1].a.line_start, 3);
    ck_assert_uint_eq(pc[1].b.char_start, b0 + cps(S1) + cps(S4));
    ck_assert_uint_eq(pc[1].b.char_end, b0 + cps(S1) + cps(S4) + cps(S3) - 2);
    ck_assert_int_eq(pc[1].moved, 1);
    free(p);
    free(pc);
    /* The sentences in the same order on both sides: one passage, no pieces. */
    const char *pc2[] = {H1, S1, S3, S4, S5, H2};
    char *sc = cat(pc2, 6);
    ovl_doc *c = mkdoc(sc);
    ck_assert_int_eq(ovl_align_pieces(ctx, a, c, NULL, &p, &n, &pc, &npc), OVL_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(npc, 0);
    ck_assert_ptr_null(pc);
    free(p);
    ovl_doc_free(c);
    free(sc);
    ovl_ctx_free(ctx);
    ovl_doc_free(a);
    ovl_doc_free(b);
    free(sa);
    free(sb);
}
END_TEST

/* A shuffled sentence whose exact twin lies elsewhere in B, while its true partner (one word
 * edited) sits among the stretch's other sentences: anchored by its neighbours, the whole
 * stretch is one passage and the twin is not reported. */
START_TEST(shuffled_sentence_anchored_by_neighbours)
{
    char *s3x = replace_all(S3, "every spring", "each spring");
    const char *far = "\n\nThe museum extended its opening hours for the summer exhibition of ceramics and "
                      "glass. Visitors queued along the river walk since early morning.\n\n";
    const char *pa[] = {E1, s3x, S1, S2, S5, " ", S4, E2};
    const char *pb[] = {H1, S1, S2, S3, S4, S5, far, s3x, H2};
    char *sa = cat(pa, 8), *sb = cat(pb, 9);
    ovl_doc *a = mkdoc(sa), *b = mkdoc(sb);
    size_t n;
    ovl_passage *p = align_docs(a, b, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(p[0].a.char_start, cps(E1));
    ck_assert_uint_eq(p[0].a.char_end, cps(sa) - cps(E2) - 2);
    ck_assert_uint_eq(p[0].b.char_start, cps(H1));
    ck_assert_uint_eq(p[0].b.char_end, cps(H1) + cps(S1) + cps(S2) + cps(S3) + cps(S4) + cps(S5) - 1);
    free(p);
    ovl_doc_free(a);
    ovl_doc_free(b);
    free(sa);
    free(sb);
    free(s3x);
}
END_TEST

/* A stretch of B used twice in A, the second time edited (two words in most sentences) and
 * shuffled: two passages, each with the whole stretch of B (before, the second copy came back
 * in two pieces, without its first sentence of B). */
START_TEST(source_reused_twice_two_passages)
{
    char *t1a = replace_all(S4, "yaks", "cattle"), *t1 = replace_all(t1a, "higher", "upper");
    char *t2a = replace_all(S1, "nearly", "almost"), *t2 = replace_all(t2a, "during", "over");
    char *t3a = replace_all(S3, "installed", "placed"), *t3 = replace_all(t3a, "three", "four");
    char *t5 = replace_all(S5, "drafted", "written");
    const char *pa[] = {E1, S1, S2, S3, S4, S5, E2, H2 + 2, "\n\n", t3, t1, t2, S2, t5, "\n\nEnd."};
    const char *pb[] = {H1, S1, S2, S3, S4, S5, "\n\nClosing remarks."};
    char *sa = cat(pa, 15), *sb = cat(pb, 7);
    ovl_doc *a = mkdoc(sa), *b = mkdoc(sb);
    size_t n;
    ovl_passage *p = align_docs(a, b, &n);
    ck_assert_uint_eq(n, 2);
    for (size_t i = 0; i < 2; i++) {
        ck_assert_uint_eq(p[i].b.char_start, cps(H1));
        ck_assert_uint_eq(p[i].b.char_end, cps(H1) + cps(S1) + cps(S2) + cps(S3) + cps(S4) + cps(S5) - 1);
    }
    ck_assert_uint_eq(p[0].a.char_start, cps(E1));
    ck_assert_uint_eq(p[1].a.char_start, cps(sa) - cps(t3) - cps(t1) - cps(t2) - cps(S2) - cps(t5) - cps("\n\nEnd."));
    ck_assert_uint_eq(p[1].a.char_end, cps(sa) - cps("\n\nEnd.") - 1);
    free(p);
    ovl_doc_free(a);
    ovl_doc_free(b);
    free(sa);
    free(sb);
    free(t1a);
    free(t1);
    free(t2a);
    free(t2);
    free(t3a);
    free(t3);
    free(t5);
}
END_TEST

/* One stock phrase of A found in three places of B is reported once. */
START_TEST(stock_phrase_reported_once)
{
    const char *X = "according to the latest figures released by the national statistics office";
    const char *pa[] = {E1, "Prices rose, ", X, ", while wages stagnated.", E2};
    const char *pb[] = {H1, "Exports fell, ", X, ".\n\nImports grew, ", X, ".\n\nSavings shrank, ", X,
                        ".", H2};
    char *sa = cat(pa, 5), *sb = cat(pb, 9);
    ovl_doc *a = mkdoc(sa), *b = mkdoc(sb);
    size_t n;
    ovl_passage *p = align_docs(a, b, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(p[0].a.char_start, cps(E1) + cps("Prices rose, "));
    ck_assert_uint_eq(p[0].a.char_end, cps(E1) + cps("Prices rose, ") + cps(X));
    free(p);
    ovl_doc_free(a);
    ovl_doc_free(b);
    free(sa);
    free(sb);
}
END_TEST

/* ---- layout and width variants ------------------------------------------------------------ */

/* Passage with punctuation and a Latin acronym; variants below change only layout/width. */
static const char *R_CLEAN = "统计局发布的GDP数据显示，第三季度服务业增速回升，消费对经济增长的贡献率"
                             "超过六成，外贸出口保持韧性，新能源汽车产量同比增长三成以上";
static const char *R_WRAP = "统计局发布的GDP数据显示，第三季度服\n务业增速回升，消费对经济增长\n的贡献率"
                            "超过六成，外贸出口保持韧性，新\n能源汽车产量同比增长三成以上";
static const char *R_WIDE = "统计局发布的ＧＤＰ数据显示,第三季度服务业增速回升,消费对经济增长的贡献率"
                            "超过六成,外贸出口保持韧性,新能源汽车产量同比增长三成以上";

START_TEST(rewrap_and_fullwidth_same_spans)
{
    const char *pa[] = {F1, R_CLEAN, F2};
    char *sa = cat(pa, 3);
    ovl_doc *a = mkdoc(sa);
    const char *variants[] = {R_CLEAN, R_WRAP, R_WIDE};
    ovl_passage ref;
    for (int v = 0; v < 3; v++) {
        const char *pb[] = {G1, variants[v], G2};
        char *sb = cat(pb, 3);
        ovl_doc *b = mkdoc(sb);
        size_t n;
        ovl_passage *p = align_docs(a, b, &n);
        ck_assert_msg(n == 1, "variant %d: %zu passages", v, n);
        ck_assert_double_eq(p[0].similarity, 1.0);
        if (v == 0) {
            ref = p[0];
            ck_assert_uint_eq(ref.a.char_start, cps(F1));
            ck_assert_uint_eq(ref.a.char_end, cps(F1) + cps(R_CLEAN));
            ck_assert_uint_eq(ref.b.char_start, cps(G1));
            ck_assert_uint_eq(ref.b.char_end, cps(G1) + cps(R_CLEAN));
        } else {
            ck_assert_mem_eq(&p[0].a, &ref.a, sizeof ref.a);
            ck_assert_uint_eq(p[0].b.tok_start, ref.b.tok_start);
            ck_assert_uint_eq(p[0].b.tok_end, ref.b.tok_end);
            ck_assert_uint_eq(p[0].b.char_start, ref.b.char_start);
            ck_assert_uint_eq(p[0].b.char_end, cps(G1) + cps(variants[v]));
            ck_assert_uint_eq(p[0].b.byte_end, strlen(G1) + strlen(variants[v]));
            ck_assert_uint_eq(p[0].b.line_end, nl(G1) + nl(variants[v]) + 1);
            ck_assert_uint_eq(p[0].matched_chars, ref.matched_chars);
        }
        free(p);
        ovl_doc_free(b);
        free(sb);
    }
    ovl_doc_free(a);
    free(sa);
}
END_TEST

/* ---- nothing to report -------------------------------------------------------------------- */

START_TEST(short_phrase_not_reported)
{
    /* 12 shared ideographs: below min_cjk = 20. */
    const char *phrase = "全面推进乡村振兴战略实施";
    const char *pa[] = {F1, phrase, F2}, *pb[] = {G1, phrase, G2};
    char *sa = cat(pa, 3), *sb = cat(pb, 3);
    ovl_doc *a = mkdoc(sa), *b = mkdoc(sb);
    size_t n = 9;
    ovl_passage *p = align_docs(a, b, &n);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(p);
    /* With min_cjk lowered to 10 the same phrase qualifies. */
    ovl_align_opts o = OVL_ALIGN_OPTS_INIT;
    o.min_cjk = 10;
    ck_assert_int_eq(ovl_align(NULL, a, b, &o, &p, &n), OVL_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(p[0].a.char_end - p[0].a.char_start, cps(phrase));
    free(p);
    ovl_doc_free(a);
    ovl_doc_free(b);
    free(sa);
    free(sb);
}
END_TEST

START_TEST(unrelated_nothing)
{
    const char *pa[] = {F1, F2, F3}, *pb[] = {G1, G2, G3};
    char *sa = cat(pa, 3), *sb = cat(pb, 3);
    ovl_doc *a = mkdoc(sa), *b = mkdoc(sb);
    size_t n = 9;
    ovl_passage *p = align_docs(a, b, &n);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(p);
    ovl_doc_free(a);
    ovl_doc_free(b);
    free(sa);
    free(sb);
}
END_TEST

START_TEST(english_words_passage)
{
    /* Word tokens: 10 shared words qualify (min_words 8); 6 do not. */
    ovl_doc *a = mkdoc("Alpha beta. The quick brown fox jumps over the lazy sleeping dog! Omega.");
    ovl_doc *b = mkdoc("Gamma: the QUICK brown fox jumps over the lazy sleeping dog; delta.");
    ovl_doc *c = mkdoc("Gamma: the quick brown fox jumps over; delta.");
    size_t n;
    ovl_passage *p = align_docs(a, b, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(p[0].a.char_start, 12);
    ck_assert_uint_eq(p[0].a.char_end, 64);
    ck_assert_uint_eq(p[0].b.char_start, 7);
    ck_assert_uint_eq(p[0].b.char_end, 59);
    ck_assert_uint_eq(p[0].a.tok_end - p[0].a.tok_start, 10);
    free(p);
    p = align_docs(a, c, &n);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(p);
    ovl_doc_free(a);
    ovl_doc_free(b);
    ovl_doc_free(c);
}
END_TEST

START_TEST(bad_arguments)
{
    ovl_doc *a = mkdoc("one two three");
    ovl_ctx *ctx = ovl_ctx_new();
    ovl_passage *p = NULL;
    size_t n;
    ovl_align_opts o = OVL_ALIGN_OPTS_INIT;
    o.version = 99;
    ck_assert_int_eq(ovl_align(ctx, a, a, &o, &p, &n), OVL_ERR_INVALID);
    ck_assert_int_eq(ovl_align_range(ctx, a, 0, 4, a, 0, 3, NULL, &p, &n), OVL_ERR_INVALID);
    ck_assert_int_eq(ovl_align_range(ctx, a, 2, 1, a, 0, 3, NULL, &p, &n), OVL_ERR_INVALID);
    ovl_edit *e = NULL;
    ck_assert_int_eq(ovl_diff(ctx, a, 0, 3, a, 0, 9, &e, &n), OVL_ERR_INVALID);
    ck_assert_int_eq(ovl_ctx_code(ctx), OVL_ERR_INVALID);
    ovl_ctx_free(ctx);
    ovl_doc_free(a);
}
END_TEST

/* ---- diff --------------------------------------------------------------------------------- */

static void expect_edit(const ovl_edit *e, unsigned op, unsigned a0, unsigned a1, unsigned b0,
                        unsigned b1)
{
    ck_assert_uint_eq(e->op, op);
    ck_assert_uint_eq(e->a_start, a0);
    ck_assert_uint_eq(e->a_end, a1);
    ck_assert_uint_eq(e->b_start, b0);
    ck_assert_uint_eq(e->b_end, b1);
}

START_TEST(diff_exact_scripts)
{
    ovl_doc *a = mkdoc("a b c d e");
    ovl_doc *b = mkdoc("a x c d f e");
    ovl_edit *e = NULL;
    size_t n;
    ck_assert_int_eq(ovl_diff(NULL, a, 0, 5, b, 0, 6, &e, &n), OVL_OK);
    ck_assert_uint_eq(n, 6);
    expect_edit(&e[0], OVL_EDIT_EQUAL, 0, 1, 0, 1);
    expect_edit(&e[1], OVL_EDIT_DELETE, 1, 2, 1, 1);
    expect_edit(&e[2], OVL_EDIT_INSERT, 2, 2, 1, 2);
    expect_edit(&e[3], OVL_EDIT_EQUAL, 2, 4, 2, 4);
    expect_edit(&e[4], OVL_EDIT_INSERT, 4, 4, 4, 5);
    expect_edit(&e[5], OVL_EDIT_EQUAL, 4, 5, 5, 6);
    free(e);
    /* Sub-ranges keep document token indices. */
    ck_assert_int_eq(ovl_diff(NULL, a, 2, 5, b, 3, 6, &e, &n), OVL_OK);
    ck_assert_uint_eq(n, 4);
    expect_edit(&e[0], OVL_EDIT_DELETE, 2, 3, 3, 3);
    expect_edit(&e[1], OVL_EDIT_EQUAL, 3, 4, 3, 4);
    expect_edit(&e[2], OVL_EDIT_INSERT, 4, 4, 4, 5);
    expect_edit(&e[3], OVL_EDIT_EQUAL, 4, 5, 5, 6);
    free(e);
    /* Empty sides. */
    ck_assert_int_eq(ovl_diff(NULL, a, 1, 1, b, 0, 2, &e, &n), OVL_OK);
    ck_assert_uint_eq(n, 1);
    expect_edit(&e[0], OVL_EDIT_INSERT, 1, 1, 0, 2);
    free(e);
    ck_assert_int_eq(ovl_diff(NULL, a, 3, 3, b, 4, 4, &e, &n), OVL_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(e);
    /* Whole replacement: delete then insert. */
    ovl_doc *c = mkdoc("p q");
    ck_assert_int_eq(ovl_diff(NULL, a, 0, 2, c, 0, 2, &e, &n), OVL_OK);
    ck_assert_uint_eq(n, 2);
    expect_edit(&e[0], OVL_EDIT_DELETE, 0, 2, 0, 0);
    expect_edit(&e[1], OVL_EDIT_INSERT, 2, 2, 0, 2);
    free(e);
    ovl_doc_free(a);
    ovl_doc_free(b);
    ovl_doc_free(c);
}
END_TEST

/* Deterministic pseudo-random generator for the property test. */
static uint32_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*s >> 33);
}

START_TEST(diff_minimal_random)
{
    /* Scripts over a 3-word alphabet must be valid and as short as the LCS allows. */
    uint64_t seed = 12345;
    static const char *w[] = {"x", "y", "z"};
    for (int iter = 0; iter < 200; iter++) {
        size_t n = rnd(&seed) % 40, m = rnd(&seed) % 40;
        int sa[40], sb[40];
        char ta[200] = "", tb[200] = "";
        for (size_t i = 0; i < n; i++) {
            sa[i] = (int)(rnd(&seed) % 3);
            strcat(ta, w[sa[i]]);
            strcat(ta, " ");
        }
        for (size_t i = 0; i < m; i++) {
            sb[i] = (int)(rnd(&seed) % 3);
            strcat(tb, w[sb[i]]);
            strcat(tb, " ");
        }
        static int L[41][41];
        for (size_t i = 0; i <= n; i++)
            for (size_t j = 0; j <= m; j++)
                L[i][j] = !i || !j ? 0
                          : sa[i - 1] == sb[j - 1] ? L[i - 1][j - 1] + 1
                          : L[i - 1][j] > L[i][j - 1] ? L[i - 1][j] : L[i][j - 1];
        ovl_doc *a = mkdoc(ta), *b = mkdoc(tb);
        ck_assert_uint_eq(ovl_norm_count(ovl_doc_norm(a)), n);
        ovl_edit *e = NULL;
        size_t ne;
        ck_assert_int_eq(ovl_diff(NULL, a, 0, n, b, 0, m, &e, &ne), OVL_OK);
        size_t x = 0, y = 0, cost = 0;
        for (size_t k = 0; k < ne; k++) {
            ck_assert_uint_eq(e[k].a_start, x);
            ck_assert_uint_eq(e[k].b_start, y);
            if (e[k].op == OVL_EDIT_EQUAL) {
                ck_assert_uint_eq(e[k].a_end - e[k].a_start, e[k].b_end - e[k].b_start);
                for (size_t t = 0; t < e[k].a_end - e[k].a_start; t++)
                    ck_assert_int_eq(sa[x + t], sb[y + t]);
                if (k > 0)
                    ck_assert_uint_ne(e[k - 1].op, OVL_EDIT_EQUAL);
            } else if (e[k].op == OVL_EDIT_DELETE) {
                ck_assert_uint_eq(e[k].b_end, e[k].b_start);
                cost += e[k].a_end - e[k].a_start;
            } else {
                ck_assert_uint_eq(e[k].op, OVL_EDIT_INSERT);
                ck_assert_uint_eq(e[k].a_end, e[k].a_start);
                if (k > 0)
                    ck_assert_uint_ne(e[k - 1].op, OVL_EDIT_INSERT);
                cost += e[k].b_end - e[k].b_start;
            }
            x = e[k].a_end;
            y = e[k].b_end;
        }
        ck_assert_uint_eq(x, n);
        ck_assert_uint_eq(y, m);
        ck_assert_uint_eq(cost, n + m - 2 * (size_t)L[n][m]);
        free(e);
        ovl_doc_free(a);
        ovl_doc_free(b);
    }
}
END_TEST

/* ---- ends after a small edit ------------------------------------------------------------- */

START_TEST(end_extended_through_small_edit)
{
    /* P is followed by two substituted tokens and then two shared ones: the shared pair is
     * part of the reuse. With only one shared token after the edit, the passage ends with P. */
    const char *tail_a = "甲乙丙丁";
    const char *tails_b[] = {"戊己丙丁", "戊己庚丁"};
    const char *pa[] = {F1, P, tail_a, F2};
    char *sa = cat(pa, 4);
    ovl_doc *a = mkdoc(sa);
    for (int v = 0; v < 2; v++) {
        const char *pb[] = {G1, P, tails_b[v], G2};
        char *sb = cat(pb, 4);
        ovl_doc *b = mkdoc(sb);
        size_t n;
        ovl_passage *p = align_docs(a, b, &n);
        ck_assert_uint_eq(n, 1);
        uint64_t extra = v == 0 ? cps(tail_a) : 0;
        ck_assert_uint_eq(p[0].a.char_start, cps(F1));
        ck_assert_uint_eq(p[0].a.char_end, cps(F1) + cps(P) + extra);
        ck_assert_uint_eq(p[0].b.char_start, cps(G1));
        ck_assert_uint_eq(p[0].b.char_end, cps(G1) + cps(P) + extra);
        ck_assert_uint_eq(p[0].matched_chars, cps(P) + (v == 0 ? 2 : 0));
        if (v == 0)
            ck_assert_double_eq_tol(p[0].similarity, 1.0 - 2.0 / (double)(cps(P) + 4), 1e-12);
        else
            ck_assert_double_eq(p[0].similarity, 1.0);
        free(p);
        ovl_doc_free(b);
        free(sb);
    }
    ovl_doc_free(a);
    free(sa);
}
END_TEST

/* ---- fixtures/reuse: planted passages ----------------------------------------------------- */

/* Where a planted passage lies in a fixture, worked out from the raw bytes. */
typedef struct rawspan {
    uint64_t byte_start, byte_end, char_start, char_end;
    uint32_t line_start, line_end;
    size_t cjk; /* ideographs inside */
} rawspan;

/* Span from the first byte of first to the last byte of last, both searched in text (last
 * after first). */
static rawspan locate(const char *text, const char *first, const char *last)
{
    const char *s = strstr(text, first);
    ck_assert_msg(s != NULL, "fixture lacks %s", first);
    ck_assert_msg(strstr(s + 1, first) == NULL, "%s is not unique", first);
    const char *e = strstr(s, last);
    ck_assert_msg(e != NULL, "fixture lacks %s after %s", last, first);
    e += strlen(last);
    rawspan r = {(uint64_t)(s - text), (uint64_t)(e - text), 0, 0, 1, 1, 0};
    for (const char *q = text; q < e; q++) {
        unsigned char c = (unsigned char)*q;
        if ((c & 0xC0) != 0x80) {
            if (q < s)
                r.char_start++;
            r.char_end++;
        }
        if (c == '\n') {
            if (q < s)
                r.line_start++;
            if (q < e - 1)
                r.line_end++;
        }
        /* U+4E00..U+9FFF are the three-byte sequences E4 B8 80 .. E9 BF BF. */
        if (q >= s && c >= 0xE4 && c <= 0xE9 && (c > 0xE4 || (unsigned char)q[1] >= 0xB8))
            r.cjk++;
    }
    return r;
}

static void expect_span(const ovl_span *got, const rawspan *want, const char *what)
{
    ck_assert_msg(got->byte_start == want->byte_start && got->byte_end == want->byte_end,
                  "%s: bytes %llu-%llu, want %llu-%llu", what,
                  (unsigned long long)got->byte_start, (unsigned long long)got->byte_end,
                  (unsigned long long)want->byte_start, (unsigned long long)want->byte_end);
    ck_assert_msg(got->char_start == want->char_start && got->char_end == want->char_end,
                  "%s: chars %llu-%llu, want %llu-%llu", what,
                  (unsigned long long)got->char_start, (unsigned long long)got->char_end,
                  (unsigned long long)want->char_start, (unsigned long long)want->char_end);
    ck_assert_msg(got->line_start == want->line_start && got->line_end == want->line_end,
                  "%s: lines %u-%u, want %u-%u", what, got->line_start, got->line_end,
                  want->line_start, want->line_end);
    ck_assert_uint_eq(got->tok_end - got->tok_start, want->cjk);
}

START_TEST(reuse_fixture_planted_passages)
{
    const char *src = tu_path(tu_fixtures(), "reuse/source.txt");
    const char *cpy = tu_path(tu_fixtures(), "reuse/copy.txt");
    char *ta = tu_read(src, NULL), *tb = tu_read(cpy, NULL);
    /* (1) re-wrapped verbatim; (2) two edits and moved before (1); (3) in traditional script.
     * Passages end on the last ideograph, before the closing full stop. */
    rawspan a1 = locate(ta, "近十年来", "得到满足"), b1 = locate(tb, "近十年来", "得到满足");
    rawspan a2 = locate(ta, "第一，护理", "缺乏"), b2 = locate(tb, "第一，护理", "缺乏");
    rawspan a3 = locate(ta, "第二，医疗", "负担"), b3 = locate(tb, "第二，醫療", "負擔");
    ck_assert_uint_lt(b2.byte_end, b1.byte_start); /* the move is in the fixture */
    ovl_doc *a = tu_doc(src), *b = tu_doc(cpy);
    size_t n;
    ovl_passage *p = align_docs(a, b, &n);
    ck_assert_uint_eq(n, 3);
    expect_span(&p[0].a, &a1, "A (1)");
    expect_span(&p[0].b, &b1, "B (1)");
    expect_span(&p[1].a, &a2, "A (2)");
    expect_span(&p[1].b, &b2, "B (2)");
    expect_span(&p[2].a, &a3, "A (3)");
    expect_span(&p[2].b, &b3, "B (3)");
    ck_assert_int_eq(p[0].moved, 0);
    ck_assert_int_eq(p[1].moved, 1);
    ck_assert_int_eq(p[2].moved, 0);
    ck_assert_double_eq(p[0].similarity, 1.0);
    ck_assert_double_eq(p[2].similarity, 1.0);
    ck_assert_uint_eq(p[0].matched_chars, a1.cjk);
    ck_assert_uint_eq(p[2].matched_chars, a3.cjk);
    /* (2): 且 -> 而且 inserts one token, 严重 -> 比较 substitutes two: distance 3 over B's
     * longer side; all but 严重 match. */
    ck_assert_uint_eq(b2.cjk, a2.cjk + 1);
    ck_assert_double_eq_tol(p[1].similarity, 1.0 - 3.0 / (double)b2.cjk, 1e-12);
    ck_assert_double_lt(p[1].similarity, 1.0);
    ck_assert_uint_eq(p[1].matched_chars, a2.cjk - 2);
    free(p);
    ovl_doc_free(a);
    ovl_doc_free(b);
    free(ta);
    free(tb);
}
END_TEST

/* ---- seed papers ---------------------------------------------------------------------------- */

typedef struct iv {
    uint64_t s, e;
} iv;

static int cmp_iv(const void *x, const void *y)
{
    const iv *p = x, *q = y;
    return p->s < q->s ? -1 : p->s > q->s ? 1 : (p->e < q->e ? -1 : p->e > q->e);
}

/* Length of the union of intervals (v is left untouched). */
static uint64_t union_len(const iv *v0, size_t n)
{
    iv *v = malloc(sizeof *v * (n + 1));
    ck_assert_ptr_nonnull(v);
    memcpy(v, v0, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_iv);
    uint64_t tot = 0, cs = 0, ce = 0;
    int open = 0;
    for (size_t i = 0; i < n; i++) {
        if (open && v[i].s <= ce) {
            if (v[i].e > ce)
                ce = v[i].e;
            continue;
        }
        if (open)
            tot += ce - cs;
        cs = v[i].s;
        ce = v[i].e;
        open = 1;
    }
    if (open)
        tot += ce - cs;
    free(v);
    return tot;
}

/* |union(x) ∩ union(y)| */
static uint64_t inter_len(const iv *x, size_t nx, const iv *y, size_t ny)
{
    iv *all = malloc(sizeof *all * (nx + ny + 1));
    ck_assert_ptr_nonnull(all);
    memcpy(all, x, nx * sizeof *x);
    memcpy(all + nx, y, ny * sizeof *y);
    uint64_t u = union_len(all, nx + ny);
    free(all);
    return union_len(x, nx) + union_len(y, ny) - u;
}

START_TEST(seeds_000_001_against_truth)
{
    const char *pa = tu_seed_path("000");
    ck_assert_msg(pa != NULL, "seed 000 missing from %s", tu_seeds());
    ovl_doc *a = tu_doc(pa);
    ovl_doc *b = tu_doc(tu_seed_path("001"));
    size_t n;
    ovl_passage *p = align_docs(a, b, &n);
    ck_assert_msg(n >= 5 && n <= 25, "%zu passages", n);

    const char *tdir = getenv("OVL_TESTS");
    FILE *f = fopen(tu_path(tdir ? tdir : "tests", "seeds_truth.tsv"), "r");
    ck_assert_msg(f != NULL, "cannot open seeds_truth.tsv");
    iv ta[256], tb[256];
    size_t nt = 0;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        unsigned long long v[4];
        if (line[0] == '#' || sscanf(line, "%llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3]) != 4)
            continue;
        ck_assert_uint_lt(nt, 256);
        ta[nt] = (iv){v[0], v[1]};
        tb[nt] = (iv){v[2], v[3]};
        nt++;
    }
    fclose(f);
    ck_assert_uint_gt(nt, 5);
    iv *pa_iv = malloc(sizeof *pa_iv * n), *pb_iv = malloc(sizeof *pb_iv * n);
    for (size_t i = 0; i < n; i++) {
        pa_iv[i] = (iv){p[i].a.char_start, p[i].a.char_end};
        pb_iv[i] = (iv){p[i].b.char_start, p[i].b.char_end};
    }
    uint64_t ia = inter_len(pa_iv, n, ta, nt), ib = inter_len(pb_iv, n, tb, nt);
    double rec_a = (double)ia / (double)union_len(ta, nt);
    double rec_b = (double)ib / (double)union_len(tb, nt);
    double pre_a = (double)ia / (double)union_len(pa_iv, n);
    double pre_b = (double)ib / (double)union_len(pb_iv, n);
    fprintf(stderr, "seeds 000/001: %zu passages; recall A %.4f B %.4f; precision A %.4f B %.4f\n",
            n, rec_a, rec_b, pre_a, pre_b);
    ck_assert_msg(rec_a >= 0.95 && rec_b >= 0.95, "recall %.4f %.4f", rec_a, rec_b);
    ck_assert_msg(pre_a >= 0.95 && pre_b >= 0.95, "precision %.4f %.4f", pre_a, pre_b);

    /* Moved sections: truth regions off the heaviest chain increasing in both papers must be
     * covered by passages flagged moved; and most reported text is in order. */
    int ord[256];
    double best[256];
    int prev[256];
    size_t top = 0;
    /* Truth is sorted by a; the DP mirrors the one documented for passages. */
    for (size_t i = 0; i < nt; i++) {
        best[i] = (double)(ta[i].e - ta[i].s);
        prev[i] = -1;
        for (size_t j = 0; j < i; j++)
            if (ta[j].s < ta[i].s && tb[j].s < tb[i].s && tb[j].e < tb[i].e &&
                best[j] + (double)(ta[i].e - ta[i].s) > best[i]) {
                best[i] = best[j] + (double)(ta[i].e - ta[i].s);
                prev[i] = (int)j;
            }
        if (best[i] > best[top])
            top = i;
    }
    for (size_t i = 0; i < nt; i++)
        ord[i] = 0;
    for (int i = (int)top; i >= 0; i = prev[i])
        ord[i] = 1;
    size_t nmoved_truth = 0;
    uint64_t moved_len = 0, all_len = 0;
    for (size_t i = 0; i < n; i++) {
        all_len += p[i].a.char_end - p[i].a.char_start;
        if (p[i].moved)
            moved_len += p[i].a.char_end - p[i].a.char_start;
    }
    for (size_t i = 0; i < nt; i++) {
        if (ord[i])
            continue;
        nmoved_truth++;
        uint64_t cov = 0;
        for (size_t j = 0; j < n; j++) {
            if (!p[j].moved)
                continue;
            uint64_t s = p[j].a.char_start > ta[i].s ? p[j].a.char_start : ta[i].s;
            uint64_t e = p[j].a.char_end < ta[i].e ? p[j].a.char_end : ta[i].e;
            cov += e > s ? e - s : 0;
        }
        ck_assert_msg(2 * cov >= ta[i].e - ta[i].s, "moved truth region %llu-%llu not flagged",
                      (unsigned long long)ta[i].s, (unsigned long long)ta[i].e);
    }
    ck_assert_uint_ge(nmoved_truth, 1);
    ck_assert_msg(moved_len * 5 < all_len, "moved %llu of %llu", (unsigned long long)moved_len,
                  (unsigned long long)all_len);
    free(pa_iv);
    free(pb_iv);
    free(p);
    ovl_doc_free(a);
    ovl_doc_free(b);
}
END_TEST

START_TEST(seeds_003_004_short_quotes)
{
    const char *pa = tu_seed_path("003");
    ck_assert_msg(pa != NULL, "seed 003 missing from %s", tu_seeds());
    ovl_doc *a = tu_doc(pa);
    ovl_doc *b = tu_doc(tu_seed_path("004"));
    size_t n;
    ovl_passage *p = align_docs(a, b, &n);
    fprintf(stderr, "seeds 003/004: %zu passages\n", n);
    ck_assert_uint_le(n, 5);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(p[i].matched_chars <= 80, "passage %zu matches %llu chars", i,
                      (unsigned long long)p[i].matched_chars);
    free(p);
    ovl_doc_free(a);
    ovl_doc_free(b);
}
END_TEST

START_TEST(seeds_002_unrelated)
{
    const char *p2 = tu_seed_path("002");
    ck_assert_msg(p2 != NULL, "seed 002 missing from %s", tu_seeds());
    ovl_doc *a = tu_doc(p2);
    static const char *others[] = {"000", "001", "003", "004"};
    for (int k = 0; k < 4; k++) {
        ovl_doc *b = tu_doc(tu_seed_path(others[k]));
        size_t n;
        ovl_passage *p = align_docs(a, b, &n);
        ck_assert_msg(n == 0, "002 vs %s: %zu passages", others[k], n);
        free(p);
        p = align_docs(b, a, &n);
        ck_assert_msg(n == 0, "%s vs 002: %zu passages", others[k], n);
        free(p);
        ovl_doc_free(b);
    }
    ovl_doc_free(a);
}
END_TEST

START_TEST(reworded_english_found_with_spans)
{
    ovl_doc *a = mkdoc(RW_EN_A), *b = mkdoc(RW_EN_B);
    size_t n = 9;
    ovl_passage *p = align_docs(a, b, &n);
    ck_assert_uint_eq(n, 0); /* exact mode (the default) */
    ovl_align_opts o = OVL_ALIGN_OPTS_INIT;
    o.reworded = 1;
    p = align_opts(a, b, &o, &n);
    ck_assert_uint_eq(n, 1);
    /* The four reworded sentences, neither the first nor the last sentence of either text. */
    ck_assert_uint_eq(p[0].a.char_start, 26);
    ck_assert_uint_eq(p[0].a.char_end, 402);
    ck_assert_uint_eq(p[0].b.char_start, 52);
    ck_assert_uint_eq(p[0].b.char_end, 458);
    ck_assert_int_eq(p[0].reworded, 1);
    ck_assert_msg(p[0].score > 0.5 && p[0].score < 0.6, "score %f", p[0].score);
    free(p);
    /* A floor above its score drops it. */
    o.min_score = 0.6;
    p = align_opts(a, b, &o, &n);
    ck_assert_uint_eq(n, 0);
    ovl_doc_free(a);
    ovl_doc_free(b);
}
END_TEST

START_TEST(reworded_chinese_found_with_spans)
{
    ovl_doc *a = mkdoc(RW_ZH_A), *b = mkdoc(RW_ZH_B);
    size_t n = 9;
    ovl_passage *p = align_docs(a, b, &n);
    ck_assert_uint_eq(n, 0);
    ovl_align_opts o = OVL_ALIGN_OPTS_INIT;
    o.reworded = 1;
    p = align_opts(a, b, &o, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(p[0].a.char_start, 7);
    ck_assert_uint_eq(p[0].a.char_end, 103);
    ck_assert_uint_eq(p[0].b.char_start, 11);
    ck_assert_uint_eq(p[0].b.char_end, 103);
    ck_assert_int_eq(p[0].reworded, 1);
    ck_assert_msg(p[0].score > 0.4 && p[0].score < 0.5, "score %f", p[0].score);
    free(p);
    ovl_doc_free(a);
    ovl_doc_free(b);
}
END_TEST

START_TEST(reworded_unrelated_nothing)
{
    const char *pa[] = {F1, F2, F3}, *pb[] = {G1, G2, G3};
    char *sa = cat(pa, 3), *sb = cat(pb, 3);
    ovl_doc *a = mkdoc(sa), *b = mkdoc(sb), *ea = mkdoc(RW_EN_A), *zb = mkdoc(RW_ZH_B);
    ovl_doc *other = mkdoc("Mountain glaciers grow when winter snowfall exceeds the summer melt. "
                           "They retreat when the balance turns, leaving moraines of gravel. "
                           "Fishing for trout in the meltwater lakes is a summer trade of the "
                           "northern valleys, where villages lost their herds in hard winters.");
    ovl_align_opts o = OVL_ALIGN_OPTS_INIT;
    o.reworded = 1;
    size_t n = 9;
    ovl_passage *p = align_opts(a, b, &o, &n);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(p);
    p = align_opts(ea, other, &o, &n);
    ck_assert_uint_eq(n, 0);
    p = align_opts(ea, zb, &o, &n);
    ck_assert_uint_eq(n, 0);
    ovl_doc_free(a);
    ovl_doc_free(b);
    ovl_doc_free(ea);
    ovl_doc_free(zb);
    ovl_doc_free(other);
    free(sa);
    free(sb);
}
END_TEST

/* A version 1 struct ends before reworded: accepted, exact mode; an unknown version is not. */
typedef struct align_opts_v1 {
    unsigned version, min_cjk, min_words, seed_len, max_gap, max_occ;
} align_opts_v1;

START_TEST(reworded_options_versions)
{
    ovl_doc *a = mkdoc(RW_EN_A), *b = mkdoc(RW_EN_B);
    align_opts_v1 v1 = {1, 20, 8, 0, 0, 64};
    size_t n = 9;
    ovl_passage *p = align_opts(a, b, (const ovl_align_opts *)&v1, &n);
    ck_assert_uint_eq(n, 0);
    ovl_align_opts o = OVL_ALIGN_OPTS_INIT;
    ck_assert_uint_eq(o.version, 2);
    ck_assert_uint_eq(o.reworded, 0);
    o.version = 3;
    ovl_ctx *ctx = ovl_ctx_new();
    ck_assert_int_eq(ovl_align(ctx, a, b, &o, &p, &n), OVL_ERR_INVALID);
    ck_assert_str_eq(ovl_ctx_message(ctx), "ovl_align: options version 3, expected 2");
    ovl_ctx_free(ctx);
    ovl_doc_free(a);
    ovl_doc_free(b);
}
END_TEST

START_TEST(seeds_reworded_mode_adds_nothing)
{
    /* On the seeds the reworded mode gives what the exact mode gives, to the character. */
    static const char *pairs[][2] = {{"000", "001"}, {"003", "004"}, {"000", "002"},
                                     {"001", "002"}, {"002", "003"}};
    ck_assert_msg(tu_seed_path("000") != NULL, "seed 000 missing from %s", tu_seeds());
    ovl_align_opts o = OVL_ALIGN_OPTS_INIT;
    o.reworded = 1;
    for (size_t k = 0; k < sizeof pairs / sizeof *pairs; k++) {
        ovl_doc *a = tu_doc(tu_seed_path(pairs[k][0])), *b = tu_doc(tu_seed_path(pairs[k][1]));
        size_t ne, nr;
        ovl_passage *pe = align_docs(a, b, &ne), *pr = align_opts(a, b, &o, &nr);
        ck_assert_msg(ne == nr, "%s/%s: %zu exact, %zu reworded mode", pairs[k][0], pairs[k][1],
                      ne, nr);
        for (size_t i = 0; i < ne; i++) {
            ck_assert_uint_eq(pe[i].a.char_start, pr[i].a.char_start);
            ck_assert_uint_eq(pe[i].a.char_end, pr[i].a.char_end);
            ck_assert_uint_eq(pe[i].b.char_start, pr[i].b.char_start);
            ck_assert_uint_eq(pe[i].b.char_end, pr[i].b.char_end);
            ck_assert_int_eq(pr[i].reworded, 0);
        }
        free(pe);
        free(pr);
        ovl_doc_free(a);
        ovl_doc_free(b);
    }
}
END_TEST

static Suite *align_suite(void)
{
    Suite *s = suite_create("align");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, verbatim_exact_offsets);
    tcase_add_test(tc, edited_copy_one_passage);
    tcase_add_test(tc, swapped_passages_one_moved);
    tcase_add_test(tc, shuffled_sentences_one_passage);
    tcase_add_test(tc, swapped_sentences_pieces_show_the_move);
    tcase_add_test(tc, source_reused_twice_two_passages);
    tcase_add_test(tc, shuffled_sentence_anchored_by_neighbours);
    tcase_add_test(tc, stock_phrase_reported_once);
    tcase_add_test(tc, rewrap_and_fullwidth_same_spans);
    tcase_add_test(tc, short_phrase_not_reported);
    tcase_add_test(tc, unrelated_nothing);
    tcase_add_test(tc, english_words_passage);
    tcase_add_test(tc, bad_arguments);
    tcase_add_test(tc, diff_exact_scripts);
    tcase_add_test(tc, diff_minimal_random);
    tcase_add_test(tc, end_extended_through_small_edit);
    tcase_add_test(tc, reuse_fixture_planted_passages);
    tcase_add_test(tc, reworded_english_found_with_spans);
    tcase_add_test(tc, reworded_chinese_found_with_spans);
    tcase_add_test(tc, reworded_unrelated_nothing);
    tcase_add_test(tc, reworded_options_versions);
    suite_add_tcase(s, tc);
    TCase *ts = tcase_create("seeds");
    tcase_add_test(ts, seeds_000_001_against_truth);
    tcase_add_test(ts, seeds_003_004_short_quotes);
    tcase_add_test(ts, seeds_002_unrelated);
    tcase_add_test(ts, seeds_reworded_mode_adds_nothing);
    suite_add_tcase(s, ts);
    return s;
}

int main(int argc, char **argv) { return tu_main(argc, argv, align_suite()); }
