/* main.c - the overlap command: dispatches to one subcommand per file. */
#include "cli.h"

#include <string.h>

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"compare", cmd_compare, "report the passages two documents share"},
    {"scan", cmd_scan, "find reused passages across a corpus (MinHash + LSH)"},
    {"dedup", cmd_dedup, "cluster near-duplicate documents, keep/drop list"},
    {"index", cmd_index, "add to, remove from, list a persistent corpus index"},
    {"check", cmd_check, "check documents against a corpus index"},
    {"dump", cmd_dump, "show how a document is decoded, normalized and segmented"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: overlap [--version] [--help] COMMAND [ARGS]\n\n"
               "Finds reused text: which passages documents share, where, and how much was changed.\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun 'overlap COMMAND --help' for a command's options.\n"
               "Exit status: 0 no reuse found, 1 reuse found, 2 trouble.\n"
               "\nexamples:\n"
               "  overlap compare a.txt b.txt\n"
               "  overlap scan corpus/ -j2 --format html -o report.html\n"
               "  overlap index add --db papers.db published/ && overlap check --db papers.db new.txt\n");
}

int main(int argc, char **argv)
{
    static const struct option longs[] = {
        {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0}};
    int c;
    /* "+": the options before the command only; the command parses the rest. */
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+hV", longs, NULL)) != -1) {
        if (c == 'V') {
            printf("overlap %s\n", ovl_version());
            return 0;
        }
        if (c == 'h') {
            usage(stdout);
            return 0;
        }
        cli_error("unknown option '%s' (see 'overlap --help')", argv[optind - 1]);
        return CLI_EXIT_TROUBLE;
    }
    if (optind >= argc) {
        cli_error("missing COMMAND");
        usage(stderr);
        return CLI_EXIT_TROUBLE;
    }
    const char *name = argv[optind];
    if (strcmp(name, "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].run(argc - optind, argv + optind);
    cli_error("unknown command '%s' (see 'overlap --help')", name);
    return CLI_EXIT_TROUBLE;
}
