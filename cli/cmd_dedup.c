/* cmd_dedup.c - placeholder until the dedup subcommand lands. */
#include "cli.h"

int cmd_dedup(int argc, char **argv)
{
    (void)argc;
    cli_error("%s: not available in this build yet", argv[0]);
    return CLI_EXIT_TROUBLE;
}
