/* fuzzCliParse.c — libFuzzer target for the `huginn` command-line parser: the
 * input, split at NUL bytes, is an argv parsed against the huginn option table;
 * every outcome must be a clean result or an HgnStatus (no crash, no leak). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cliparse/cliOptions.h"
#include "cliparse/cliParse.h"
#include "cliparse/cliSuggest.h"
#include "cliparse/cliValue.h"
#include "core/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_ARGS = 48, MAX_BYTES = 4096 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > MAX_BYTES) return 0;
    char text[MAX_BYTES + 1];
    memcpy(text, data, size);
    text[size] = '\0';
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    argv[argc++] = (char *)"huginn";
    for (size_t i = 0; i <= size && argc < MAX_ARGS;) {
        argv[argc++] = text + i;
        i += strlen(text + i) + 1;
    }
    argv[argc] = NULL;
    HgnCliArgs *args = NULL;
    HgnStatus st = hgnCliParse(hgnCliHuginnSpec(), argc, argv, &args);
    if (st) {
        char *s = hgnStatusToString(st);
        hgnFree(s);
        hgnStatusFree(st);
    } else {
        for (size_t i = 0; i < args->nValues; i++) (void)hgnCliArgsGet(args, args->values[i].opt->name);
        hgnCliArgsFree(args);
    }
    uint64_t bytes = 0;
    (void)hgnCliParseSize(argv[argc - 1], &bytes);
    (void)hgnCliEditDistance(argv[1 < argc ? 1 : 0], argv[argc - 1]);
    return 0;
}
