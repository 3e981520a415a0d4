/* cmd_scan.c - placeholder until the scan subcommand lands. */
#include "cli.h"

int cmd_scan(int argc, char **argv)
{
    (void)argc;
    cli_error("%s: not available in this build yet", argv[0]);
    return CLI_EXIT_TROUBLE;
}
