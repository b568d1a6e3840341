/* apiRequest.h — huginnd request bodies: the component schemas of the
 * embedded OpenAPI document (schemas/openapi.json, the single source) compiled
 * once, and parse + validate of one body. In the library so that the fuzz
 * target and unit tests reach it. */
#ifndef HGN_API_REQUEST_H
#define HGN_API_REQUEST_H

#include <jansson.h>
#include <stddef.h>

#include "huginn/status.h"

typedef struct HgnApiSchemas HgnApiSchemas;

/* Compiles every schema under components.schemas of schemas/openapi.json. */
HGN_NODISCARD HgnStatus hgnApiSchemasLoad(HgnApiSchemas **out);
void hgnApiSchemasFree(HgnApiSchemas *s);

/* Parses body (len bytes, not NUL-terminated) as JSON and validates it against
 * components.schemas.<schemaName>. Errors: HGN-0600 InvalidJson (where
 * "body:LINE:COL"), HGN-0601 SchemaViolation (where = JSON pointer),
 * HGN-0015 InvalidArgument (unknown schema name). OUT: *out new reference. */
HGN_NODISCARD HgnStatus hgnApiParseBody(const HgnApiSchemas *s, const char *schemaName, const char *body, size_t len,
                                        json_t **out);

#endif
