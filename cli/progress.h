/* progress.h - the progress line on stderr and the -j value, shared by the corpus commands. */
#ifndef OVL_CLI_PROGRESS_H
#define OVL_CLI_PROGRESS_H

#include <stdint.h>

/* -j VALUE: a thread count (1 to 1024); exits 2 on a bad value. */
unsigned cli_threads(const char *value);

/* Decides whether to draw progress: force > 0 on, force == 0 off, force < 0 when stderr is
 * a terminal. */
int cli_progress_wanted(int force);
/* Redraws the progress line on stderr ("\r" + text + clear to end of line). */
void cli_progress_show(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Clears the progress line. */
void cli_progress_clear(void);
/* An ovl_progress_fn drawing "PHASE: DONE/TOTAL" (userdata unused). */
void cli_progress_phase(void *userdata, const char *phase, uint64_t done, uint64_t total);

#endif
