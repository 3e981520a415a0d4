/* oom_hook.c - test-only allocator for the allocation-failure sweep: fails the Nth allocation.
 *
 * Linked into overlap-oom (the overlap command built for this test) with -Wl,--wrap for
 * malloc, calloc, realloc, strdup and strndup, so every allocation the library and the
 * command make in their own code passes here; jansson's through json_set_alloc_funcs and
 * SQLite's through sqlite3_config(SQLITE_CONFIG_MALLOC) are counted with them. The
 * environment says which one fails:
 *   OVL_OOM_FAIL=N    the Nth allocation (1-based) returns NULL, only that one (the others
 *                     succeed, so the error paths that follow run as they would for real);
 *   OVL_OOM_REPORT=F  when the failure was injected, the file F is created, so the sweep
 *                     knows a run that succeeded did so without ever failing an allocation
 *                     (N is past the last one) rather than by recovering from it;
 *   OVL_OOM_TRACE=1   the failing allocation's call stack goes to standard error (to find
 *                     the code behind a run the sweep rejects).
 * Without OVL_OOM_FAIL it only counts. Threads share the counter (atomically); the sweep
 * runs single-threaded commands so that the Nth allocation is always the same one. */
#include <execinfo.h>
#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t sz);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

static atomic_ulong counter;
static unsigned long fail_at; /* 0: never */
static const char *report;
static int trace;
static sqlite3_mem_methods sqlite_orig;

/* Counts one allocation; 1 when it is the one to fail. */
static int fail_now(void)
{
    unsigned long k = atomic_fetch_add(&counter, 1) + 1;
    if (!fail_at || k != fail_at)
        return 0;
    if (report) {
        int fd = open(report, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0)
            close(fd);
    }
    if (trace) {
        void *frames[32];
        backtrace_symbols_fd(frames, backtrace(frames, 32), 2);
    }
    return 1;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t sz) { return fail_now() ? NULL : __real_calloc(n, sz); }
/* realloc(p, 0) frees p in glibc; a shrink can fail like any other. */
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) { return fail_now() ? NULL : __real_strdup(s); }
char *__wrap_strndup(const char *s, size_t n) { return fail_now() ? NULL : __real_strndup(s, n); }

static void *json_alloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
static void json_free(void *p) { free(p); }

static void *sq_malloc(int n) { return fail_now() ? NULL : sqlite_orig.xMalloc(n); }
static void *sq_realloc(void *p, int n) { return fail_now() ? NULL : sqlite_orig.xRealloc(p, n); }

__attribute__((constructor)) static void oom_init(void)
{
    const char *v = getenv("OVL_OOM_FAIL");
    fail_at = v ? strtoul(v, NULL, 10) : 0;
    report = getenv("OVL_OOM_REPORT");
    trace = getenv("OVL_OOM_TRACE") != NULL;
    json_set_alloc_funcs(json_alloc, json_free);
    if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_orig) == SQLITE_OK) {
        sqlite3_mem_methods m = sqlite_orig;
        m.xMalloc = sq_malloc;
        m.xRealloc = sq_realloc;
        sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
    }
}

/* The count of a run without a failure, for the sweep's log. */
__attribute__((destructor)) static void oom_fini(void)
{
    const char *out = getenv("OVL_OOM_COUNT");
    if (!out)
        return;
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return;
    char buf[32];
    unsigned long k = atomic_load(&counter);
    int n = 0;
    char tmp[32];
    do
        tmp[n++] = (char)('0' + k % 10);
    while ((k /= 10) != 0);
    for (int i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n++] = '\n';
    if (write(fd, buf, (size_t)n) < 0) {
        /* nothing to do: the count is only informative */
    }
    close(fd);
}
