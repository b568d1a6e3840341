/* jsonSchema.c — public validation API of the JSON Schema validator: turns
 * the violations jsonSchemaValidate.c finds into HgnStatus errors
 * (HGN-0601 SchemaViolation at the instance pointer) or a caller-owned list. */
#include "huginn/jsonSchema.h"

#include <string.h>

#include "core/alloc.h"
#include "core/jsonSchemaInt.h"
#include "core/jsonSchemaValidate.h"
#include "core/strBuf.h"

#define MAX_LISTED 10

static HgnStatus oomStatus(void) {
    return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory validating a JSON document");
}

bool hgnSchemaIsValid(const HgnSchema *schema, const json_t *instance) {
    if (!schema || !instance) return false;
    return schemaRun(schema, instance, false, 1, NULL, NULL);
}

void hgnSchemaViolationsFree(HgnSchemaViolations *v) {
    if (!v) return;
    for (size_t i = 0; i < v->count; i++) schemaViolationFree(&v->items[i]);
    hgnFree(v->items);
    v->items = NULL;
    v->count = 0;
}

HgnStatus hgnSchemaValidateAll(const HgnSchema *schema, const json_t *instance, HgnSchemaViolations *out) {
    if (!out) return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "hgnSchemaValidateAll: out is NULL");
    out->items = NULL;
    out->count = 0;
    if (!schema || !instance)
        return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "hgnSchemaValidateAll: schema or instance is NULL");
    bool oom = false;
    (void)schemaRun(schema, instance, true, SIZE_MAX, out, &oom);
    if (oom) {
        hgnSchemaViolationsFree(out);
        return oomStatus();
    }
    return HGN_OK;
}

HgnStatus hgnSchemaValidate(const HgnSchema *schema, const json_t *instance) {
    if (!schema || !instance)
        return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "hgnSchemaValidate: schema or instance is NULL");
    /* the quiet pass is cheap and allocation-free; collect only on failure */
    if (schemaRun(schema, instance, false, 1, NULL, NULL)) return HGN_OK;
    HgnSchemaViolations v = {NULL, 0};
    bool oom = false;
    (void)schemaRun(schema, instance, true, MAX_LISTED + 1, &v, &oom);
    if (oom) {
        hgnSchemaViolationsFree(&v);
        return oomStatus();
    }
    if (v.count == 0) /* cannot happen: both passes walk the same tree */
        return hgnStatusNew(HGN_CODE_InternalError, NULL, NULL, "validation failed without a violation");
    HgnBuf msg, hint;
    hgnBufInit(&msg);
    hgnBufInit(&hint);
    hgnBufAppendStr(&msg, v.items[0].message);
    size_t shown = v.count > MAX_LISTED ? MAX_LISTED : v.count;
    for (size_t i = 1; i < shown; i++) {
        hgnBufAppendf(&msg, "; at %s: %s", v.items[i].instancePointer[0] ? v.items[i].instancePointer : "(root)",
                      v.items[i].message);
    }
    if (v.count > MAX_LISTED) hgnBufAppendStr(&msg, "; and more");
    const char *sp = v.items[0].schemaPointer;
    if (strchr(sp, '#'))
        hgnBufAppendf(&hint, "the rule is at %s", sp); /* in another document */
    else
        hgnBufAppendf(&hint, "the rule is at %s#%s", schema->sourceName, sp);
    HgnStatus st = hgnBufOk(&msg) && hgnBufOk(&hint)
                       ? hgnStatusNew(HGN_CODE_SchemaViolation, v.items[0].instancePointer, hgnBufStr(&hint), "%s",
                                      hgnBufStr(&msg))
                       : oomStatus();
    hgnBufFree(&msg);
    hgnBufFree(&hint);
    hgnSchemaViolationsFree(&v);
    return st;
}
