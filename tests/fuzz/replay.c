/* replay.c - runs a fuzz target over every file of its corpus directories (for CTest, without libFuzzer). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR...\n", argv[0]);
        return 2;
    }
    int n = 0;
    for (int a = 1; a < argc; a++) {
        DIR *d = opendir(argv[a]);
        if (!d) {
            fprintf(stderr, "%s: cannot open corpus directory\n", argv[a]);
            return 2;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[a], e->d_name);
            FILE *f = fopen(path, "rb");
            if (!f)
                continue;
            fseek(f, 0, SEEK_END);
            long len = ftell(f);
            fseek(f, 0, SEEK_SET);
            unsigned char *buf = malloc(len > 0 ? (size_t)len : 1);
            size_t got = fread(buf, 1, (size_t)len, f);
            fclose(f);
            LLVMFuzzerTestOneInput(buf, got);
            free(buf);
            n++;
        }
        closedir(d);
    }
    printf("replayed %d inputs, %lu accepted by the target's first step\n", n, ovl_fuzz_accepted);
    if (n > 0 && ovl_fuzz_accepted == 0)
        fprintf(stderr, "every input was refused at the first step: the corpus no longer reaches the code "
                        "behind it (a stale seed?)\n");
    return n > 0 && ovl_fuzz_accepted > 0 ? 0 : 1;
}
