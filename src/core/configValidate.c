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

HgnStatus layerValidate(const ConfigLayer *layer, const json_t *schema, ConfigProblems *problems) {
    HgnSchema *compiled = NULL;
    HgnStatus st = hgnSchemaCompile(schema, "config/schema.json", NULL, &compiled);
    if (st && hgnStatusCode(st) != HGN_CODE_OutOfMemory && strstr(hgnStatusMessage(st), "allocate")) {
        /* the built-in schema compiles (testConfig checks it); PCRE2 allocation failures come back
           as HGN-0602 from the validator, so restore the true cause */
        hgnStatusFree(st);
        return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory compiling the configuration schema");
    }
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
        HgnBuf hint, found;
        hgnBufInit(&hint);
        hgnBufInit(&found);
        if (!scratch || !dotted) {
            problems->oom = true;
        } else {
            const json_t *o = originOf(layer->origins, ptr, scratch);
            const char *where = json_string_value(json_array_get(o, 1));
            const json_t *node = schemaAt(schema, ptr);
            if (node) {
                hgnBufAppendStr(&hint, "expected ");
                schemaDescribeExpected(node, &hint);
                const char *desc = json_string_value(json_object_get(node, "description"));
                if (desc) hgnBufAppendf(&hint, " — %s", desc);
            } else {
                hgnBufAppendStr(&hint, "see docs/configuration.md");
            }
            const json_t *value = hgnJsonPointerGet(layer->doc, ptr);
            if (isSecret(schema, ptr)) {
                hgnBufAppendStr(&found, " (found a secret value, not shown)");
            } else if (value && !(x->message && strstr(x->message, "found"))) {
                char *s = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
                if (s && strlen(s) > 200) strcpy(s + 197, "...");
                hgnBufAppendf(&found, " (found %s)", s ? s : "?");
                free(s);
            }
            problemsAdd(problems, where ? where : (dotted[0] ? dotted : "configuration"), hgnBufStr(&hint), "%s: %s%s",
                        dotted[0] ? dotted : "(root)", x->message ? x->message : "invalid value", hgnBufStr(&found));
        }
        hgnFree(scratch);
        hgnFree(dotted);
        hgnBufFree(&hint);
        hgnBufFree(&found);
    }
    hgnSchemaViolationsFree(&v);
    return HGN_OK;
}
