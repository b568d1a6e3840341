/* configSchema.c — navigating config/schema.json: the schema of a key or a
 * JSON pointer, what a node expects (for messages and hints), did-you-mean
 * suggestions, and JSON pointer / dotted path conversions. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/configInt.h"
#include "core/embedded.h"

HgnStatus configSchemaLoad(json_t **out) {
    size_t size = 0;
    const unsigned char *text = hgnEmbeddedGet("config/schema.json", &size);
    if (!text)
        return hgnStatusNew(HGN_CODE_InternalError, "config/schema.json", NULL,
                            "the configuration schema is not built in");
    json_error_t err;
    json_t *schema = json_loadb((const char *)text, size, 0, &err);
    if (!schema) /* the built-in schema is known to parse (testConfig checks it): only memory can fail here,
                    and jansson reports some allocation failures as syntax errors */
        return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory reading the configuration schema: %s",
                            err.text);
    *out = schema;
    return HGN_OK;
}

const json_t *schemaResolve(const json_t *root, const json_t *node) {
    const char *ref = json_string_value(json_object_get(node, "$ref"));
    if (!ref || strncmp(ref, "#/definitions/", 14) != 0) return node;
    const json_t *target = json_object_get(json_object_get(root, "definitions"), ref + 14);
    return target ? target : node;
}

const json_t *schemaChild(const json_t *root, const json_t *node, const char *key) {
    node = schemaResolve(root, node);
    const json_t *p = json_object_get(json_object_get(node, "properties"), key);
    if (p) return schemaResolve(root, p);
    const json_t *ap = json_object_get(node, "additionalProperties");
    if (json_is_object(ap)) return schemaResolve(root, ap);
    if (!ap && json_is_object(node) && !json_object_get(node, "properties")) return NULL;
    return NULL;
}

static bool looseEqual(const char *a, const char *b) {
    for (;;) {
        while (*a == '_' || *a == '-') a++;
        while (*b == '_' || *b == '-') b++;
        if (!*a || !*b) return !*a && !*b;
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return false;
        a++, b++;
    }
}

const json_t *schemaChildLoose(const json_t *root, const json_t *node, const char *key, const char **name) {
    node = schemaResolve(root, node);
    const json_t *props = json_object_get(node, "properties");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)props, k, v) {
        if (looseEqual(k, key)) {
            *name = k;
            return schemaResolve(root, v);
        }
    }
    const json_t *ap = json_object_get(node, "additionalProperties");
    if (json_is_object(ap)) {
        *name = key;
        return schemaResolve(root, ap);
    }
    return NULL;
}

const json_t *schemaAt(const json_t *root, const char *pointer) {
    const json_t *node = schemaResolve(root, root);
    const char *p = pointer;
    HgnBuf tok;
    hgnBufInit(&tok);
    while (node && *p == '/') {
        p++;
        hgnBufClear(&tok);
        while (*p && *p != '/') {
            if (p[0] == '~' && p[1] == '0')
                hgnBufAppendChar(&tok, '~'), p += 2;
            else if (p[0] == '~' && p[1] == '1')
                hgnBufAppendChar(&tok, '/'), p += 2;
            else
                hgnBufAppendChar(&tok, *p++);
        }
        if (!hgnBufOk(&tok)) {
            node = NULL;
            break;
        }
        const char *t = hgnBufStr(&tok);
        if (schemaHasType(node, "array") && !schemaHasType(node, "object")) {
            const json_t *items = json_object_get(node, "items");
            node = json_is_object(items) ? schemaResolve(root, items) : NULL;
        } else {
            node = schemaChild(root, node, t);
        }
    }
    hgnBufFree(&tok);
    return node;
}

bool schemaHasType(const json_t *node, const char *type) {
    const json_t *t = json_object_get(node, "type");
    if (json_is_string(t)) return strcmp(json_string_value(t), type) == 0;
    size_t i;
    json_t *v;
    json_array_foreach(t, i, v) if (json_is_string(v) && strcmp(json_string_value(v), type) == 0) return true;
    return false;
}

void schemaDescribeExpected(const json_t *node, HgnBuf *out) {
    const json_t *en = json_object_get(node, "enum");
    if (json_is_array(en)) {
        hgnBufAppendStr(out, "one of ");
        size_t i;
        json_t *v;
        json_array_foreach(en, i, v) {
            if (i) hgnBufAppendStr(out, ", ");
            char *s = json_dumps(v, JSON_ENCODE_ANY);
            hgnBufAppendStr(out, s ? s : "?");
            free(s);
        }
        return;
    }
    const json_t *t = json_object_get(node, "type");
    if (json_is_string(t)) {
        const char *ts = json_string_value(t);
        hgnBufAppendStr(out, strcmp(ts, "integer") == 0   ? "a whole number"
                             : strcmp(ts, "number") == 0  ? "a number"
                             : strcmp(ts, "boolean") == 0 ? "true or false"
                             : strcmp(ts, "array") == 0   ? "an array"
                             : strcmp(ts, "object") == 0  ? "a table"
                                                          : "a string");
    } else {
        hgnBufAppendStr(out, "a value");
    }
    const json_t *mn = json_object_get(node, "minimum"), *mx = json_object_get(node, "maximum");
    if (json_is_number(mn) && json_is_number(mx))
        hgnBufAppendf(out, " from %.17g to %.17g", json_number_value(mn), json_number_value(mx));
    else if (json_is_number(mn))
        hgnBufAppendf(out, " of at least %.17g", json_number_value(mn));
    else if (json_is_number(mx))
        hgnBufAppendf(out, " of at most %.17g", json_number_value(mx));
    const char *pattern = json_string_value(json_object_get(node, "pattern"));
    if (pattern) hgnBufAppendf(out, " matching %s", pattern);
}

static size_t editDistance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return (size_t)-1;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
            size_t best = prev[j - 1] + cost;
            if (prev[j] + 1 < best) best = prev[j] + 1;
            if (cur[j - 1] + 1 < best) best = cur[j - 1] + 1;
            cur[j] = best;
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

const char *closestName(const char *word, const char *const *names, size_t n) {
    const char *best = NULL;
    size_t bestD = (size_t)-1, limit = strlen(word) / 3 + 1;
    if (limit < 2) limit = 2;
    for (size_t i = 0; i < n; i++) {
        size_t d = editDistance(word, names[i]);
        if (strcasecmp(word, names[i]) == 0) d = 0;
        if (d < bestD) bestD = d, best = names[i];
    }
    return bestD <= limit ? best : NULL;
}

const char *schemaSuggest(const json_t *node, const char *key) {
    const json_t *props = json_object_get(node, "properties");
    size_t n = json_object_size(props), i = 0;
    if (n == 0 || n > 64) return NULL;
    const char *names[64];
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)props, k, v) names[i++] = k;
    return closestName(key, names, n);
}

bool pointerAppend(HgnBuf *b, const char *token) {
    hgnBufAppendChar(b, '/');
    for (const char *p = token; *p; p++) {
        if (*p == '~')
            hgnBufAppendStr(b, "~0");
        else if (*p == '/')
            hgnBufAppendStr(b, "~1");
        else
            hgnBufAppendChar(b, *p);
    }
    return hgnBufOk(b);
}

char *pointerToDotted(const char *pointer) {
    HgnBuf b;
    hgnBufInit(&b);
    for (const char *p = pointer; *p; p++) {
        if (*p == '/') {
            if (p != pointer) hgnBufAppendChar(&b, '.');
        } else if (p[0] == '~' && p[1] == '0') {
            hgnBufAppendChar(&b, '~'), p++;
        } else if (p[0] == '~' && p[1] == '1') {
            hgnBufAppendChar(&b, '/'), p++;
        } else {
            hgnBufAppendChar(&b, *p);
        }
    }
    return hgnBufDetach(&b);
}

char *dottedToPointer(const char *dotted) {
    HgnBuf b;
    hgnBufInit(&b);
    if (dotted[0]) hgnBufAppendChar(&b, '/');
    for (const char *p = dotted; *p; p++) {
        if (*p == '.')
            hgnBufAppendChar(&b, '/');
        else if (*p == '~')
            hgnBufAppendStr(&b, "~0");
        else if (*p == '/')
            hgnBufAppendStr(&b, "~1");
        else
            hgnBufAppendChar(&b, *p);
    }
    return hgnBufDetach(&b);
}
