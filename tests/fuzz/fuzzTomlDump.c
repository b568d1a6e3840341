/* fuzzTomlDump.c — libFuzzer target for the TOML writer: any JSON object
 * jansson accepts must either be refused by hgnTomlDumpJson with HGN-0015
 * (null, nesting deeper than the reader allows) or be written as TOML that
 * parses back to the same JSON. Any other outcome traps. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_error_t jerr;
    json_t *in = json_loadb((const char *)data, size, JSON_DECODE_ANY, &jerr);
    if (!in) return 0;
    char *text = NULL;
    HgnStatus st = hgnTomlDumpJson(in, &text);
    if (st) {
        if (hgnStatusCode(st) != HGN_CODE_InvalidArgument || text || !hgnStatusWhere(st)) __builtin_trap();
        hgnStatusFree(st);
        json_decref(in);
        return 0;
    }
    HgnTomlValue *doc = NULL;
    st = hgnTomlParse(text, strlen(text), "dump", &doc);
    if (st) {
        fprintf(stderr, "dump does not reparse: %s at %s\n%s\n", hgnStatusMessage(st), hgnStatusWhere(st), text);
        __builtin_trap();
    }
    json_t *back = NULL;
    if (hgnTomlToJson(doc, &back)) __builtin_trap();
    if (!json_equal(in, back)) {
        fprintf(stderr, "round trip changed the document:\n%s\n", text);
        __builtin_trap();
    }
    json_decref(back);
    hgnTomlFree(doc);
    hgnFree(text);
    json_decref(in);
    return 0;
}
