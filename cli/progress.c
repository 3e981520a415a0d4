/* progress.c - the progress line on stderr and the -j value. */
#include "progress.h"

#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

unsigned cli_threads(const char *value) { return (unsigned)cli_ulong("-j", value, 1, 1024); }

int cli_progress_wanted(int force)
{
    if (force >= 0)
        return force > 0;
    return isatty(STDERR_FILENO);
}

void cli_progress_show(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("\r", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\033[K", stderr);
    fflush(stderr);
    va_end(ap);
}

void cli_progress_clear(void)
{
    fputs("\r\033[K", stderr);
    fflush(stderr);
}

void cli_progress_phase(void *userdata, const char *phase, uint64_t done, uint64_t total)
{
    (void)userdata;
    cli_progress_show("%s: %llu/%llu", phase, (unsigned long long)done, (unsigned long long)total);
}
