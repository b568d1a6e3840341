/* apiRequest.c — compile the OpenAPI component schemas and parse/validate
 * request bodies (src/api/apiRequest.h). */
#include "api/apiRequest.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/embedded.h"
#include "huginn/jsonSchema.h"

#define OPENAPI_FILE "schemas/openapi.json"

typedef struct Entry {
    const char *name; /* borrowed from doc */
    HgnSchema *schema;
} Entry;

struct HgnApiSchemas {
    json_t *doc;
    Entry *entries;
    size_t count;
};

void hgnApiSchemasFree(HgnApiSchemas *s) {
    if (!s) return;
    for (size_t i = 0; i < s->count; i++) hgnSchemaFree(s->entries[i].schema);
    hgnFree(s->entries);
    json_decref(s->doc);
    hgnFree(s);
}

HgnStatus hgnApiSchemasLoad(HgnApiSchemas **out) {
    *out = NULL;
    size_t size = 0;
    const unsigned char *text = hgnEmbeddedGet(OPENAPI_FILE, &size);
    if (!text) return hgnStatusNew(HGN_CODE_InternalError, OPENAPI_FILE, NULL, "the OpenAPI document is not embedded");
    HgnApiSchemas *s = hgnCalloc(1, sizeof *s);
    if (!s) return hgnStatusNew(HGN_CODE_OutOfMemory, OPENAPI_FILE, NULL, "out of memory");
    json_error_t jerr;
    s->doc = json_loadb((const char *)text, size, 0, &jerr);
    json_t *schemas = s->doc ? json_object_get(json_object_get(s->doc, "components"), "schemas") : NULL;
    if (!json_is_object(schemas)) {
        hgnApiSchemasFree(s);
        return hgnStatusNew(HGN_CODE_InternalError, OPENAPI_FILE, NULL,
                            "no components.schemas in the OpenAPI document");
    }
    s->entries = hgnCalloc(json_object_size(schemas) + 1, sizeof *s->entries);
    if (!s->entries) {
        hgnApiSchemasFree(s);
        return hgnStatusNew(HGN_CODE_OutOfMemory, OPENAPI_FILE, NULL, "out of memory");
    }
    const char *key;
    json_t *value;
    json_object_foreach(schemas, key, value) {
        /* Component schemas that $ref siblings are compiled against a copy
         * carrying the components so that "#/components/…" resolves. */
        json_t *sub = json_deep_copy(value);
        if (!sub || json_object_set(sub, "components", json_object_get(s->doc, "components"))) {
            json_decref(sub);
            hgnApiSchemasFree(s);
            return hgnStatusNew(HGN_CODE_OutOfMemory, OPENAPI_FILE, NULL, "out of memory");
        }
        char where[256];
        snprintf(where, sizeof where, "%s#/components/schemas/%s", OPENAPI_FILE, key);
        HgnSchema *compiled = NULL;
        HgnStatus st = hgnSchemaCompile(sub, where, NULL, &compiled);
        json_decref(sub); /* the compiled form holds its own reference */
        if (st) {
            hgnApiSchemasFree(s);
            return st;
        }
        s->entries[s->count].name = key;
        s->entries[s->count++].schema = compiled;
    }
    *out = s;
    return HGN_OK;
}

HgnStatus hgnApiParseBody(const HgnApiSchemas *s, const char *schemaName, const char *body, size_t len, json_t **out) {
    *out = NULL;
    const HgnSchema *schema = NULL;
    for (size_t i = 0; s && i < s->count; i++)
        if (strcmp(s->entries[i].name, schemaName) == 0) schema = s->entries[i].schema;
    if (!schema)
        return hgnStatusNew(HGN_CODE_InvalidArgument, schemaName, NULL, "no request schema named '%s'", schemaName);
    json_error_t jerr;
    json_t *doc = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        char where[64];
        snprintf(where, sizeof where, "body:%d:%d", jerr.line, jerr.column);
        return hgnStatusNew(HGN_CODE_InvalidJson, where, "send one JSON object with Content-Type: application/json",
                            "the request body is not valid JSON: %s", jerr.text);
    }
    HgnStatus st = hgnSchemaValidate(schema, doc);
    if (st) {
        json_decref(doc);
        char hint[160];
        snprintf(hint, sizeof hint, "see components.schemas.%s in %s", schemaName, OPENAPI_FILE);
        return hgnStatusSetHint(st, hint);
    }
    *out = doc;
    return HGN_OK;
}
