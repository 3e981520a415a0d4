/* pool.h - the library's one thread pool: runs an indexed loop on worker threads; not installed. */
#ifndef OVL_POOL_H
#define OVL_POOL_H

#include <stddef.h>

/* Calls fn(arg, worker, i) for every i in [0, n) on up to nthreads threads (worker in
 * [0, nthreads)); items are handed out in increasing order. While it runs, the calling
 * thread calls tick(arg) about five times a second when tick is not NULL (progress reports
 * come from one thread). Falls back to running everything on the calling thread as worker
 * 0 when threads cannot be started, so it cannot fail. */
void ovl__parallel(size_t n, unsigned nthreads, void (*fn)(void *arg, unsigned worker, size_t i),
                   void (*tick)(void *arg), void *arg);

/* ovl_cores (overlap/common.h), the default thread count, is defined with the pool. */

#endif
