/* cmd_check.c - placeholder until the check subcommand lands. */
#include "cli.h"

int cmd_check(int argc, char **argv)
{
    (void)argc;
    cli_error("%s: not available in this build yet", argv[0]);
    return CLI_EXIT_TROUBLE;
}
