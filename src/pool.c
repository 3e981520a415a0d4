/* pool.c - the library's thread pool: an atomic counter hands out loop indices to pthreads. */
#ifdef __linux__
#define _GNU_SOURCE 1 /* sched_getaffinity */
#endif
#include "pool.h"
#include "overlap/common.h"

#include <pthread.h>
#ifdef __linux__
#include <sched.h>
#endif
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef struct pool {
    size_t n;
    atomic_size_t next;
    void (*fn)(void *arg, unsigned worker, size_t i);
    void *arg;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned running;
} pool;

typedef struct pool_worker {
    pool *p;
    unsigned id;
} pool_worker;

static void pool_loop(pool *p, unsigned id)
{
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n)
            break;
        p->fn(p->arg, id, i);
    }
}

static void *pool_main(void *x)
{
    pool_worker *w = x;
    pool_loop(w->p, w->id);
    pthread_mutex_lock(&w->p->mu);
    w->p->running--;
    pthread_cond_signal(&w->p->cv);
    pthread_mutex_unlock(&w->p->mu);
    return NULL;
}

unsigned ovl_cores(void)
{
#ifdef __linux__
    /* The cores this process may run on, not every online one: under taskset, in a container
     * given a few cores, or as an MPI rank bound to its core (Open MPI binds each of one or
     * two ranks to a core by default), more threads would only take turns on them. */
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int k = CPU_COUNT(&set);
        if (k > 0)
            return k > 1024 ? 1024u : (unsigned)k;
    }
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)(n > 1024 ? 1024 : n) : 1;
}

void ovl__parallel(size_t n, unsigned nthreads, void (*fn)(void *arg, unsigned worker, size_t i),
                   void (*tick)(void *arg), void *arg)
{
    if (nthreads < 1)
        nthreads = 1;
    if (nthreads > n)
        nthreads = n ? (unsigned)(n < 1024 ? n : 1024) : 1;
    pool p;
    p.n = n;
    atomic_init(&p.next, 0);
    p.fn = fn;
    p.arg = arg;
    p.running = 0;
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    pthread_t *th = NULL;
    pool_worker *ws = NULL;
    unsigned started = 0;
    if (nthreads > 1 || tick) {
        th = malloc(nthreads * sizeof *th);
        ws = malloc(nthreads * sizeof *ws);
    }
    if (th && ws) {
        for (unsigned t = 0; t < nthreads; t++) {
            ws[t].p = &p;
            ws[t].id = t;
            pthread_mutex_lock(&p.mu);
            p.running++;
            pthread_mutex_unlock(&p.mu);
            if (pthread_create(&th[t], NULL, pool_main, &ws[t]) != 0) {
                pthread_mutex_lock(&p.mu);
                p.running--;
                pthread_mutex_unlock(&p.mu);
                break;
            }
            started++;
        }
    }
    if (started == 0) {
        pool_loop(&p, 0); /* no thread could start: run everything here as worker 0 */
    } else {
        pthread_mutex_lock(&p.mu);
        while (p.running > 0) {
            if (tick) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_nsec += 200000000L;
                if (ts.tv_nsec >= 1000000000L) {
                    ts.tv_sec++;
                    ts.tv_nsec -= 1000000000L;
                }
                pthread_cond_timedwait(&p.cv, &p.mu, &ts);
                if (p.running > 0) {
                    pthread_mutex_unlock(&p.mu);
                    tick(arg);
                    pthread_mutex_lock(&p.mu);
                }
            } else {
                pthread_cond_wait(&p.cv, &p.mu);
            }
        }
        pthread_mutex_unlock(&p.mu);
        for (unsigned t = 0; t < started; t++)
            pthread_join(th[t], NULL);
    }
    free(th);
    free(ws);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
}
