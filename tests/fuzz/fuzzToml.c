/* fuzzToml.c — libFuzzer target for the TOML parser. Any input must either be
 * rejected with HGN-0001 and a "fuzz:LINE:COLUMN" location, or parse; a parsed
 * document must convert to JSON, write back as TOML, and that text must parse
 * to the same JSON (round trip), and its keys must be reachable by JSON
 * pointer. Any other outcome traps. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* json_equal looks keys up by C string; keys may hold NUL, so compare by length. */
static int sameJson(const json_t *a, const json_t *b) {
    if (json_typeof(a) != json_typeof(b)) return 0;
    switch (json_typeof(a)) {
    case JSON_OBJECT: {
        if (json_object_size(a) != json_object_size(b)) return 0;
        const char *key;
        size_t len;
        json_t *value;
        json_object_keylen_foreach((json_t *)a, key, len, value) {
            const json_t *other = json_object_getn(b, key, len);
            if (!other || !sameJson(value, other)) return 0;
        }
        return 1;
    }
    case JSON_ARRAY:
        if (json_array_size(a) != json_array_size(b)) return 0;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!sameJson(json_array_get(a, i), json_array_get(b, i))) return 0;
        return 1;
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    default:
        return json_equal(a, b);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    HgnTomlValue *doc = NULL;
    HgnStatus st = hgnTomlParse((const char *)data, size, "fuzz", &doc);
    if (st) {
        int line = 0, col = 0;
        const char *where = hgnStatusWhere(st);
        if (hgnStatusCode(st) != HGN_CODE_InvalidConfig || doc || !where ||
            sscanf(where, "fuzz:%d:%d", &line, &col) != 2 || line < 1 || col < 1 || !hgnStatusHint(st))
            __builtin_trap();
        hgnStatusFree(st);
        return 0;
    }
    /* every top-level key is reachable by its JSON pointer */
    for (size_t i = 0; i < doc->as.table.count; i++) {
        const HgnTomlKeyValue *kv = &doc->as.table.items[i];
        if (memchr(kv->key, '\0', kv->keyLen) || kv->keyLen > 1000) continue;
        char pointer[2008];
        size_t n = 0;
        pointer[n++] = '/';
        for (size_t k = 0; k < kv->keyLen; k++) {
            if (kv->key[k] == '~' || kv->key[k] == '/') {
                pointer[n++] = '~';
                pointer[n++] = kv->key[k] == '~' ? '0' : '1';
            } else {
                pointer[n++] = kv->key[k];
            }
        }
        pointer[n] = '\0';
        if (hgnTomlAtPointer(doc, pointer) != kv->value) __builtin_trap();
    }
    json_t *json = NULL, *back = NULL;
    char *text = NULL;
    HgnTomlValue *again = NULL;
    if (hgnTomlToJson(doc, &json)) __builtin_trap();
    if (hgnTomlDumpJson(json, &text)) __builtin_trap();
    st = hgnTomlParse(text, strlen(text), "dump", &again);
    if (st) {
        fprintf(stderr, "dump does not reparse: %s at %s\n%s\n", hgnStatusMessage(st), hgnStatusWhere(st), text);
        __builtin_trap();
    }
    if (hgnTomlToJson(again, &back)) __builtin_trap();
    if (!sameJson(json, back)) {
        fprintf(stderr, "round trip changed the document:\n%s\n", text);
        __builtin_trap();
    }
    json_decref(back);
    json_decref(json);
    hgnTomlFree(again);
    hgnTomlFree(doc);
    hgnFree(text);
    return 0;
}
