/* test_pool.c - the thread pool: every index handed out once whatever the thread count, and the default thread count is the cores the process may use (its CPU affinity), not every online core. */
#ifdef __linux__
#define _GNU_SOURCE 1 /* sched_getaffinity, sched_setaffinity */
#endif
#include "../src/pool.h"

#include <check.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef __linux__
#include <sched.h>
#endif

#include "testutil.h"

typedef struct seen {
    atomic_uint *hits;
    unsigned threads;
    atomic_uint bad_worker;
} seen;

static void visit(void *arg, unsigned worker, size_t i)
{
    seen *s = arg;
    atomic_fetch_add(&s->hits[i], 1);
    if (worker >= s->threads)
        atomic_fetch_add(&s->bad_worker, 1);
}

START_TEST(test_every_index_once)
{
    enum { N = 10007 };
    static const unsigned threads[] = {0, 1, 2, 3, 8};
    atomic_uint *hits = calloc(N, sizeof *hits);
    ck_assert_ptr_nonnull(hits);
    for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
        for (size_t i = 0; i < N; i++)
            atomic_init(&hits[i], 0);
        seen s = {hits, threads[t] ? threads[t] : 1, 0};
        ovl__parallel(N, threads[t], visit, NULL, &s);
        for (size_t i = 0; i < N; i++)
            ck_assert_uint_eq(atomic_load(&hits[i]), 1);
        ck_assert_uint_eq(atomic_load(&s.bad_worker), 0);
    }
    /* None to hand out: fn never called, with threads asked for or not. */
    seen none = {hits, 4, 0};
    atomic_init(&hits[0], 0);
    ovl__parallel(0, 4, visit, NULL, &none);
    ck_assert_uint_eq(atomic_load(&hits[0]), 0);
    free(hits);
}
END_TEST

START_TEST(test_cores_are_the_affinity)
{
    unsigned all = ovl_cores();
    ck_assert_uint_ge(all, 1);
    ck_assert_uint_le(all, 1024);
#ifdef __linux__
    cpu_set_t mine, one;
    ck_assert_int_eq(sched_getaffinity(0, sizeof mine, &mine), 0);
    ck_assert_uint_eq(all, (unsigned)CPU_COUNT(&mine));
    int first = 0;
    while (!CPU_ISSET(first, &mine))
        first++;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    ck_assert_int_eq(sched_setaffinity(0, sizeof one, &one), 0);
    unsigned bound = ovl_cores();
    ck_assert_int_eq(sched_setaffinity(0, sizeof mine, &mine), 0);
    ck_assert_uint_eq(bound, 1);
    ck_assert_uint_eq(ovl_cores(), all);
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    ck_assert_int_le((long)all, online > 0 ? online : 1024);
#endif
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("pool");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_every_index_once);
    tcase_add_test(tc, test_cores_are_the_affinity);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    return tu_main(argc, argv, suite());
}
