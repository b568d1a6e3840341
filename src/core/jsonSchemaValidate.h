/* jsonSchemaValidate.h — the validator's entry point, used by jsonSchema.c. */
#ifndef HGN_CORE_JSON_SCHEMA_VALIDATE_H
#define HGN_CORE_JSON_SCHEMA_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "huginn/jsonSchema.h"

/* Validates instance. collect: record up to maxViolations into out (which the
 * caller initialises and frees). Returns validity; *oom tells whether memory
 * ran out (the result is then "invalid" and the list may be incomplete). */
bool schemaRun(const HgnSchema *schema, const json_t *instance, bool collect, size_t maxViolations,
               HgnSchemaViolations *out, bool *oom);
void schemaViolationFree(HgnSchemaViolation *v);

#endif
