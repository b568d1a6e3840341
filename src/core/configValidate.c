/* configValidate.c — validates a merged configuration against
 * config/schema.json and maps each violation's JSON pointer back to where the
 * value came from (file:line:column, environment variable, flag), saying what
 * was expected and what was found. Secret values are never echoed. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/configInt.h"
#include "huginn/jsonSchema.h"

/* Origin of pointer or of its closest ancestor that has one. */
static const json_t *originOf(const json_t *origins, const char *pointer, char *scratch) {
    strcpy(scratch, pointer);
    for (;;) {
        const json_t *o = json_object_get(origins, scratch);
        if (o) return o;
        char *slash = strrchr(scratch, '/');
        if (!slash) return NULL;
        *slash = '\0';
    }
}

static bool isSecret(const json_t *schema, const char *pointer) {
    const json_t *node = schemaAt(schema, pointer);
    return json_is_true(json_object_get(node, "x-secret"));
}

/* The "x-because" annotation of the "then" that a violation came from, if any. */
static const json_t *becauseOf(const json_t *schema, const char *schemaPointer) {
    if (!schemaPointer) return NULL;
    const char *hash = strchr(schemaPointer, '#');
    const char *p = hash ? hash + 1 : schemaPointer;
    const char *then = strstr(p, "/then/");
    if (!then) return NULL;
    char *prefix = hgnStrndup(p, (size_t)(then - p) + 5);
    if (!prefix) return NULL;
    const json_t *node = hgnJsonPointerGet(schema, prefix);
    hgnFree(prefix);
    return json_object_get(node, "x-because");
}

HgnStatus layerValidate(const ConfigLayer *layer, const json_t *schema, ConfigProblems *problems) {
    HgnSchema *compiled = NULL;
    HgnStatus st = hgnSchemaCompile(schema, "config/schema.json", NULL, &compiled);
    if (st) return st;
    HgnSchemaViolations v = {NULL, 0};
    st = hgnSchemaValidateAll(compiled, layer->doc, &v);
    hgnSchemaFree(compiled);
    if (st) return st;
    for (size_t i = 0; i < v.count; i++) {
        const HgnSchemaViolation *x = &v.items[i];
        const char *ptr = x->instancePointer ? x->instancePointer : "";
        /* unknown keys were already reported, with their position, by the layer checks */
        if (x->keyword && strcmp(x->keyword, "additionalProperties") == 0) continue;
        char *scratch = hgnMalloc(strlen(ptr) + 1);
        char *dotted = pointerToDotted(ptr);
        HgnBuf hint, detail;
        hgnBufInit(&hint);
        hgnBufInit(&detail);
        if (!scratch || !dotted) {
            problems->oom = true;
        } else {
            const json_t *o = originOf(layer->origins, ptr, scratch);
            const char *where = json_string_value(json_array_get(o, 1));
            const json_t *node = schemaAt(schema, ptr);
            if (x->keyword && strcmp(x->keyword, "propertyNames") == 0) {
                /* the key is wrong, not its value: describe what keys may look like */
                char *parent = hgnStrdup(ptr);
                char *slash = parent ? strrchr(parent, '/') : NULL;
                if (slash) *slash = '\0';
                node = parent ? json_object_get(schemaAt(schema, parent), "propertyNames") : NULL;
                hgnFree(parent);
            }
            if (node) {
                hgnBufAppendStr(&hint, "expected ");
                schemaDescribeExpected(node, &hint);
                const char *desc = json_string_value(json_object_get(node, "description"));
                if (desc) hgnBufAppendf(&hint, " — %s", desc);
            } else {
                hgnBufAppendStr(&hint, "see docs/configuration.md");
            }
            /* a rule that holds only because of another key ("if"/"then") points at that key */
            const json_t *because = becauseOf(schema, x->schemaPointer);
            if (because) {
                const char *text = json_string_value(json_object_get(because, "text"));
                const char *bp = json_string_value(json_object_get(because, "pointer"));
                if (text) hgnBufAppendf(&detail, " (required because %s", text);
                const json_t *bo = bp ? json_object_get(layer->origins, bp) : NULL;
                if (text && bo) {
                    hgnBufAppendf(&detail, ", set at %s", json_string_value(json_array_get(bo, 1)));
                    where = json_string_value(json_array_get(bo, 1));
                }
                if (text) hgnBufAppendChar(&detail, ')');
            }
            const json_t *value = hgnJsonPointerGet(layer->doc, ptr);
            const char *message = x->message ? x->message : "invalid value";
            HgnBuf masked;
            hgnBufInit(&masked);
            if (isSecret(schema, ptr)) { /* the validator's message may quote the value: never show a secret */
                if (json_is_string(value) && json_string_length(value) == 0)
                    hgnBufAppendStr(&masked, "must not be empty");
                else
                    hgnBufAppendf(&masked, "is invalid (fails \"%s\"; the value is secret and not shown)",
                                  x->keyword ? x->keyword : "?");
                message = hgnBufStr(&masked);
            } else if (value && !strstr(message, "found")) {
                char *js = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
                if (js && strlen(js) > 200) strcpy(js + 197, "...");
                hgnBufAppendf(&detail, " (found %s)", js ? js : "?");
                free(js);
            }
            problemsAdd(problems, where ? where : (dotted[0] ? dotted : "configuration"), hgnBufStr(&hint), "%s: %s%s",
                        dotted[0] ? dotted : "(root)", message, hgnBufStr(&detail));
            hgnBufFree(&masked);
        }
        hgnFree(scratch);
        hgnFree(dotted);
        hgnBufFree(&hint);
        hgnBufFree(&detail);
    }
    hgnSchemaViolationsFree(&v);
    return HGN_OK;
}
