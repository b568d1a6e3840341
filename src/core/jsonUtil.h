/* jsonUtil.h — helpers for reading hand-written JSON documents (registry
 * files, config.json): a type's name for messages, parsing with a
 * file:line:col error, and field readers with range checks that report
 * errors against one entry of a top-level array (source:/models/3/heads,
 * "model \"x\" (models[3]): ..."). */
#ifndef HGN_CORE_JSONUTIL_H
#define HGN_CORE_JSONUTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "huginn/status.h"

/* "an object", "an array", "a string", "an integer", "a real number",
 * "a boolean", "null"; "nothing" for NULL (a missing value). */
const char *hgnJsonTypeName(const json_t *v);

/* Parses text[0..len) (duplicate keys rejected) into *out. A syntax error is
 * HGN_CODE_InvalidJson at source:line:col. */
HGN_NODISCARD HgnStatus hgnJsonParseDoc(const char *text, size_t len, const char *source, json_t **out);

/* One entry of a top-level array, for error messages. */
typedef struct HgnJsonEntry {
    const char *source;      /* file name */
    const char *array;       /* "models": where is source:/models/<index>/<field> */
    const char *noun;        /* "model": messages start "model \"<id>\" (models[i]): " */
    size_t index;            /* position in the array */
    const char *id;          /* NULL until the entry's id is read */
    const char *missingHint; /* hint for a missing required field (may be NULL) */
} HgnJsonEntry;

/* HGN_CODE_InvalidConfig at the entry's field (NULL: the entry itself). */
HgnStatus hgnJsonEntryError(const HgnJsonEntry *e, const char *field, const char *hint, const char *fmt, ...)
    HGN_PRINTF(4, 5);

/* Field readers. dflt NULL: the field is required; otherwise an absent field
 * gives *dflt. Wrong types and values outside [min, max] are errors naming
 * the field, the value found and the range. */
HGN_NODISCARD HgnStatus hgnJsonEntryInt(const HgnJsonEntry *e, const json_t *obj, const char *field,
                                        const int64_t *dflt, int64_t min, int64_t max, int64_t *out);
HGN_NODISCARD HgnStatus hgnJsonEntryNumber(const HgnJsonEntry *e, const json_t *obj, const char *field, double min,
                                           double max, double *out);
HGN_NODISCARD HgnStatus hgnJsonEntryBool(const HgnJsonEntry *e, const json_t *obj, const char *field, const bool *dflt,
                                         bool *out);

#endif
