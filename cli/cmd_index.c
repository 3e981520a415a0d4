/* cmd_index.c - placeholder until the index subcommand lands. */
#include "cli.h"

int cmd_index(int argc, char **argv)
{
    (void)argc;
    cli_error("%s: not available in this build yet", argv[0]);
    return CLI_EXIT_TROUBLE;
}
