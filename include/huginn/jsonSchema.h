/* jsonSchema.h — JSON Schema draft-7 validator over jansson values.
 *
 * Debian 12 has no C JSON Schema validator, so Huginn carries one (see
 * docs/architecture.md). It validates configuration, plan.json, API requests
 * and every other document Huginn reads. A compiled HgnSchema is immutable
 * and may be used from several threads at once. */
#ifndef HUGINN_JSON_SCHEMA_H
#define HUGINN_JSON_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct HgnSchema HgnSchema;

typedef struct HgnSchemaOptions {
    bool validateFormats;   /* "format" as an assertion (default true in hgnSchemaCompile) */
    /* Extra documents reachable through $ref by absolute URI (e.g. the test
     * suite's remotes). Keys are URIs, values schemas; may be NULL. */
    const json_t *resources;
    /* Upper bound on subschema evaluations per validation (0: 50,000,000).
     * Some schemas (nested anyOf over recursive refs) take exponential time
     * on crafted instances; past the bound validation fails with a violation. */
    size_t maxEvaluations;
} HgnSchemaOptions;

/* One violation: where in the instance (JSON pointer, "" for the root), which
 * keyword at which schema location failed, and a readable message saying what
 * was expected and what was found. */
typedef struct HgnSchemaViolation {
    char *instancePointer;
    char *schemaPointer;
    char *keyword;
    char *message;
} HgnSchemaViolation;

typedef struct HgnSchemaViolations {
    HgnSchemaViolation *items;
    size_t count;
} HgnSchemaViolations;

/* Compiles schema (borrowed; the compiled form keeps its own reference, so
 * the document must not be modified while the HgnSchema lives).
 * A malformed schema is HGN-0602 InvalidSchema with the schema pointer.
 * sourceName names the schema in messages. opts may be NULL. */
HGN_NODISCARD HgnStatus hgnSchemaCompile(const json_t *schema, const char *sourceName, const HgnSchemaOptions *opts,
                                         HgnSchema **out);
/* Compiles an embedded schema file such as "schemas/plan.schema.json". */
HGN_NODISCARD HgnStatus hgnSchemaCompileEmbedded(const char *name, HgnSchema **out);
void hgnSchemaFree(HgnSchema *schema);

/* True when instance is valid. */
bool hgnSchemaIsValid(const HgnSchema *schema, const json_t *instance);
/* HGN_OK when valid; else HGN-0601 SchemaViolation whose where is the JSON
 * pointer of the first violation and whose message lists up to 10. */
HGN_NODISCARD HgnStatus hgnSchemaValidate(const HgnSchema *schema, const json_t *instance);
/* Collects every violation (OUT: *out, caller frees with hgnSchemaViolationsFree). */
HGN_NODISCARD HgnStatus hgnSchemaValidateAll(const HgnSchema *schema, const json_t *instance,
                                             HgnSchemaViolations *out);
void hgnSchemaViolationsFree(HgnSchemaViolations *v);

/* JSON pointer helpers (RFC 6901): resolve a pointer in doc (borrowed result,
 * NULL when absent); escape one reference token into buf. */
json_t *hgnJsonPointerGet(const json_t *doc, const char *pointer);
/* Writes "/" + token with '~' as "~0" and '/' as "~1" into buf (NUL-terminated,
 * truncated to bufSize); returns the length the full text needs, like snprintf. */
size_t hgnJsonPointerEscape(const char *token, char *buf, size_t bufSize);

#ifdef __cplusplus
}
#endif
#endif
