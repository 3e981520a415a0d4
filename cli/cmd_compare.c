/* cmd_compare.c - placeholder until compare lands (report writers in progress). */
#include "cli.h"

int cmd_compare(int argc, char **argv)
{
    (void)argc;
    cli_error("%s: not available in this build yet", argv[0]);
    return CLI_EXIT_TROUBLE;
}
