/* fuzzJsonSchema.c — libFuzzer target for the JSON Schema validator. The
 * input is a JSON pair, either {"schema": S, "instance": I} or [S, I], or two
 * JSON texts separated by the first newline. S is compiled (with a remote
 * document available through resources) and, when it compiles, I is
 * validated three ways; the answers must agree. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "huginn/jsonSchema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *resources;
static bool hasNul; /* a key with U+0000 cannot be named by a C-string pointer */

static void check(const json_t *schemaDoc, const json_t *instance) {
    if (!resources)
        resources = json_loads("{\"http://localhost:1234/r.json\":{\"definitions\":{\"i\":{\"type\":\"integer\"},"
                               "\"s\":{\"$ref\":\"#/definitions/i\"}},\"items\":{\"$ref\":\"#\"}}}",
                               0, NULL);
    HgnSchemaOptions opts = {.validateFormats = true, .resources = resources};
    HgnSchema *schema = NULL;
    HgnStatus st = hgnSchemaCompile(schemaDoc, "fuzz", &opts, &schema);
    if (st) {
        if (hgnStatusCode(st) != HGN_CODE_InvalidSchema || !hgnStatusWhere(st)) __builtin_trap();
        hgnStatusFree(st);
        return;
    }
    bool quick = hgnSchemaIsValid(schema, instance);
    HgnStatus one = hgnSchemaValidate(schema, instance);
    HgnSchemaViolations all = {NULL, 0};
    HgnStatus allSt = hgnSchemaValidateAll(schema, instance, &all);
    if (allSt) __builtin_trap();
    if (quick != (one == HGN_OK) || quick != (all.count == 0)) __builtin_trap();
    if (one && (hgnStatusCode(one) != HGN_CODE_SchemaViolation || !hgnStatusWhere(one))) __builtin_trap();
    for (size_t i = 0; i < all.count; i++) {
        const char *p = all.items[i].instancePointer;
        if (p[0] && !hasNul && !hgnJsonPointerGet(instance, p) && strcmp(all.items[i].keyword, "$ref") != 0)
            __builtin_trap();
    }
    hgnSchemaViolationsFree(&all);
    hgnStatusFree(one);
    hgnSchemaFree(schema);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    hasNul = memmem(data, size, "u0000", 5) != NULL;
    json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (doc) {
        if (json_is_object(doc) && json_object_get(doc, "schema") && json_object_get(doc, "instance"))
            check(json_object_get(doc, "schema"), json_object_get(doc, "instance"));
        else if (json_is_array(doc) && json_array_size(doc) == 2)
            check(json_array_get(doc, 0), json_array_get(doc, 1));
        else
            check(doc, doc); /* a schema validating itself */
        json_decref(doc);
        return 0;
    }
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl) return 0;
    json_t *schema = json_loadb((const char *)data, (size_t)(nl - data), JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    json_t *instance =
        json_loadb((const char *)nl + 1, size - (size_t)(nl - data) - 1, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (schema && instance) check(schema, instance);
    json_decref(schema);
    json_decref(instance);
    return 0;
}
