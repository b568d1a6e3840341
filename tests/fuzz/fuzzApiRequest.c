/* fuzzApiRequest.c — libFuzzer target for huginnd's request-body handling:
 * the first byte picks a request schema of the OpenAPI document (JobSubmit,
 * PlanRequest, JobAction), the rest is the body, parsed and validated as the
 * server does (an inline plan and the generation options are checked too);
 * the same bytes are also read as a token file. Every outcome is a value or an HGN error, never a crash. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "api/apiRequest.h"
#include "auth/tokenFile.h"
#include "huginn/plan.h"
#include "orchestrator/jobOptions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static HgnApiSchemas *schemas;
    if (!schemas) {
        HgnStatus st = hgnApiSchemasLoad(&schemas);
        if (st) abort(); /* the embedded document must compile */
    }
    if (size == 0 || size > 65536) return 0;
    static const char *const names[] = {"JobSubmit", "PlanRequest", "JobAction"};
    const char *name = names[data[0] % 3];
    json_t *doc = NULL;
    HgnStatus st = hgnApiParseBody(schemas, name, (const char *)data + 1, size - 1, &doc);
    if (!st && doc) {
        json_t *plan = json_object_get(doc, "plan");
        if (plan) hgnStatusFree(hgnPlanValidate(plan));
        /* the generation options, checked as hgnJobSubmit does */
        json_t *options = json_object_get(doc, "options");
        HgnJobOptions jo;
        hgnStatusFree(hgnJobOptionsFromJson(options, false, &jo));
        hgnJobOptionsClear(&jo);
    }
    if (st && !hgnStatusMessage(st)) abort();
    hgnStatusFree(st);
    json_decref(doc);
    HgnTokenFile tf;
    st = hgnTokenFileParse((const char *)data, size, "fuzz", &tf);
    if (!st) {
        (void)hgnTokenFileLookup(&tf, "token");
        hgnTokenFileFree(&tf);
    }
    hgnStatusFree(st);
    return 0;
}
