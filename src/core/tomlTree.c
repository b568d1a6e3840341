/* tomlTree.c — access to a parsed TOML tree: free, key lookup and JSON
 * pointer lookup, type names (see huginn/toml.h). */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/toml.h"

void hgnTomlFree(HgnTomlValue *v) {
    if (!v) return;
    switch (v->type) {
    case HGN_TOML_STRING:
        hgnFree(v->as.string.ptr);
        break;
    case HGN_TOML_ARRAY:
        for (size_t i = 0; i < v->as.array.count; i++) hgnTomlFree(v->as.array.items[i]);
        hgnFree(v->as.array.items);
        break;
    case HGN_TOML_TABLE:
        for (size_t i = 0; i < v->as.table.count; i++) {
            hgnFree(v->as.table.items[i].key);
            hgnTomlFree(v->as.table.items[i].value);
        }
        hgnFree(v->as.table.items);
        break;
    default:
        break;
    }
    hgnFree(v);
}

const HgnTomlValue *hgnTomlTableGet(const HgnTomlValue *table, const char *key) {
    if (!table || !key || table->type != HGN_TOML_TABLE) return NULL;
    size_t len = strlen(key);
    for (size_t i = 0; i < table->as.table.count; i++) {
        const HgnTomlKeyValue *kv = &table->as.table.items[i];
        if (kv->keyLen == len && memcmp(kv->key, key, len) == 0) return kv->value;
    }
    return NULL;
}

const char *hgnTomlTypeName(HgnTomlType type) {
    switch (type) {
    case HGN_TOML_STRING:
        return "string";
    case HGN_TOML_INTEGER:
        return "integer";
    case HGN_TOML_FLOAT:
        return "float";
    case HGN_TOML_BOOLEAN:
        return "boolean";
    case HGN_TOML_OFFSET_DATETIME:
        return "offset date-time";
    case HGN_TOML_LOCAL_DATETIME:
        return "local date-time";
    case HGN_TOML_LOCAL_DATE:
        return "local date";
    case HGN_TOML_LOCAL_TIME:
        return "local time";
    case HGN_TOML_ARRAY:
        return "array";
    case HGN_TOML_TABLE:
        return "table";
    }
    return "?";
}

/* Whether the RFC 6901 reference token [s, end) (with ~0 and ~1 escapes)
 * names key[0..len). */
static bool tokenNames(const char *s, const char *end, const char *key, size_t len) {
    size_t n = 0;
    for (; s < end; s++, n++) {
        char ch = *s;
        if (ch == '~') {
            if (s + 1 >= end || (s[1] != '0' && s[1] != '1')) return false;
            ch = s[1] == '0' ? '~' : '/';
            s++;
        }
        if (n >= len || key[n] != ch) return false;
    }
    return n == len;
}

const HgnTomlValue *hgnTomlAtPointer(const HgnTomlValue *root, const char *pointer) {
    if (!root || !pointer) return NULL;
    if (pointer[0] != '\0' && pointer[0] != '/') return NULL;
    const HgnTomlValue *v = root;
    const char *s = pointer;
    while (v && *s == '/') {
        s++;
        const char *end = strchr(s, '/');
        if (!end) end = s + strlen(s);
        const HgnTomlValue *next = NULL;
        if (v->type == HGN_TOML_TABLE) {
            for (size_t i = 0; i < v->as.table.count && !next; i++) {
                const HgnTomlKeyValue *kv = &v->as.table.items[i];
                if (tokenNames(s, end, kv->key, kv->keyLen)) next = kv->value;
            }
        } else if (v->type == HGN_TOML_ARRAY) {
            size_t len = (size_t)(end - s), index = 0;
            bool ok = len > 0 && len <= 19 && !(len > 1 && s[0] == '0');
            for (size_t i = 0; ok && i < len; i++) {
                if (s[i] < '0' || s[i] > '9') ok = false;
                index = index * 10 + (size_t)(s[i] - '0');
            }
            if (ok && index < v->as.array.count) next = v->as.array.items[index];
        }
        v = next;
        s = end;
    }
    return v;
}
