/* jsonUtil.c — JSON document helpers shared by the registries and format
 * readers (see jsonUtil.h). */
#include "core/jsonUtil.h"

#include <stdarg.h>
#include <stdio.h>

#include "core/strBuf.h"

const char *hgnJsonTypeName(const json_t *v) {
    if (!v) return "nothing";
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

HgnStatus hgnJsonParseDoc(const char *text, size_t len, const char *source, json_t **out) {
    json_error_t jerr;
    *out = json_loadb(text ? text : "", text ? len : 0, JSON_REJECT_DUPLICATES, &jerr);
    if (*out) return HGN_OK;
    char where[512];
    snprintf(where, sizeof where, "%s:%d:%d", source, jerr.line, jerr.column);
    return hgnStatusNew(HGN_CODE_InvalidJson, where, "fix the JSON syntax", "%s", jerr.text);
}

HgnStatus hgnJsonEntryError(const HgnJsonEntry *e, const char *field, const char *hint, const char *fmt, ...) {
    char where[512];
    snprintf(where, sizeof where, "%s:/%s/%zu%s%s", e->source, e->array, e->index, field ? "/" : "",
             field ? field : "");
    HgnBuf msg;
    hgnBufInit(&msg);
    if (e->id)
        hgnBufAppendf(&msg, "%s \"%s\" (%s[%zu]): ", e->noun, e->id, e->array, e->index);
    else
        hgnBufAppendf(&msg, "%s[%zu]: ", e->array, e->index);
    va_list ap;
    va_start(ap, fmt);
    hgnBufAppendfV(&msg, fmt, ap);
    va_end(ap);
    HgnStatus st = hgnStatusNew(HGN_CODE_InvalidConfig, where, hint, "%s", hgnBufStr(&msg));
    hgnBufFree(&msg);
    return st;
}

/* The field's value, or NULL with *st set (missing and required) or clear (missing, use the default). */
static json_t *fieldValue(const HgnJsonEntry *e, const json_t *obj, const char *field, bool required, HgnStatus *st) {
    json_t *v = json_object_get(obj, field);
    *st = v || !required ? HGN_OK
                         : hgnJsonEntryError(e, field, e->missingHint, "required field \"%s\" is missing", field);
    return v;
}

HgnStatus hgnJsonEntryInt(const HgnJsonEntry *e, const json_t *obj, const char *field, const int64_t *dflt, int64_t min,
                          int64_t max, int64_t *out) {
    HgnStatus st;
    json_t *v = fieldValue(e, obj, field, !dflt, &st);
    if (!v) {
        if (!st) *out = *dflt;
        return st;
    }
    if (!json_is_integer(v))
        return hgnJsonEntryError(e, field, NULL, "\"%s\" must be an integer, found %s", field, hgnJsonTypeName(v));
    json_int_t x = json_integer_value(v);
    if (x < min || x > max)
        return hgnJsonEntryError(e, field, NULL, "\"%s\" = %lld is outside [%lld, %lld]", field, (long long)x,
                                 (long long)min, (long long)max);
    *out = x;
    return HGN_OK;
}

HgnStatus hgnJsonEntryNumber(const HgnJsonEntry *e, const json_t *obj, const char *field, double min, double max,
                             double *out) {
    HgnStatus st;
    json_t *v = fieldValue(e, obj, field, true, &st);
    if (!v) return st;
    if (!json_is_number(v))
        return hgnJsonEntryError(e, field, NULL, "\"%s\" must be a number, found %s", field, hgnJsonTypeName(v));
    double x = json_number_value(v);
    if (!(x >= min && x <= max))
        return hgnJsonEntryError(e, field, NULL, "\"%s\" = %g is outside [%g, %g]", field, x, min, max);
    *out = x;
    return HGN_OK;
}

HgnStatus hgnJsonEntryBool(const HgnJsonEntry *e, const json_t *obj, const char *field, const bool *dflt, bool *out) {
    HgnStatus st;
    json_t *v = fieldValue(e, obj, field, !dflt, &st);
    if (!v) {
        if (!st) *out = *dflt;
        return st;
    }
    if (!json_is_boolean(v))
        return hgnJsonEntryError(e, field, NULL, "\"%s\" must be true or false, found %s", field, hgnJsonTypeName(v));
    *out = json_is_true(v);
    return HGN_OK;
}
