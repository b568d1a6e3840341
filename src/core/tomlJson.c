/* tomlJson.c — conversion of a TOML tree to JSON (hgnTomlToJson, see huginn/toml.h). */
#include <math.h>

#include "huginn/toml.h"

static json_t *convert(const HgnTomlValue *v) {
    switch (v->type) {
    case HGN_TOML_STRING:
        return json_stringn_nocheck(v->as.string.ptr ? v->as.string.ptr : "", v->as.string.len);
    case HGN_TOML_INTEGER:
        return json_integer((json_int_t)v->as.integer);
    case HGN_TOML_FLOAT:
        if (isnan(v->as.floating)) return json_string("nan");
        if (isinf(v->as.floating)) return json_string(v->as.floating < 0 ? "-inf" : "inf");
        return json_real(v->as.floating);
    case HGN_TOML_BOOLEAN:
        return json_boolean(v->as.boolean);
    case HGN_TOML_OFFSET_DATETIME:
    case HGN_TOML_LOCAL_DATETIME:
    case HGN_TOML_LOCAL_DATE:
    case HGN_TOML_LOCAL_TIME: {
        char buf[64];
        return json_string(hgnTomlFormatDatetime(v->type, &v->as.datetime, buf, sizeof buf));
    }
    case HGN_TOML_ARRAY: {
        json_t *a = json_array();
        if (!a) return NULL;
        for (size_t i = 0; i < v->as.array.count; i++) {
            json_t *item = v->as.array.items[i] ? convert(v->as.array.items[i]) : NULL;
            if (!item || json_array_append_new(a, item) != 0) {
                json_decref(a);
                return NULL;
            }
        }
        return a;
    }
    case HGN_TOML_TABLE: {
        json_t *o = json_object();
        if (!o) return NULL;
        for (size_t i = 0; i < v->as.table.count; i++) {
            const HgnTomlKeyValue *kv = &v->as.table.items[i];
            json_t *item = kv->value ? convert(kv->value) : NULL;
            if (!item || json_object_setn_new_nocheck(o, kv->key ? kv->key : "", kv->keyLen, item) != 0) {
                json_decref(o);
                return NULL;
            }
        }
        return o;
    }
    }
    return NULL;
}

HgnStatus hgnTomlToJson(const HgnTomlValue *v, json_t **out) {
    if (!out || !v) return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "hgnTomlToJson: NULL argument");
    *out = convert(v);
    if (!*out) return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory converting TOML to JSON");
    return HGN_OK;
}
