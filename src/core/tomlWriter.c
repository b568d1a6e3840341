/* tomlWriter.c — JSON object → TOML text (hgnTomlDumpJson, see huginn/toml.h).
 *
 * Objects become [tables], non-empty arrays whose items are all objects become
 * [[arrays of tables]], everything else is written as a value (objects inside
 * other arrays as inline tables). Each table's plain values come before its
 * sub-tables so that every key lands in the table it belongs to. Floats are
 * written with the fewest digits that read back to the same double, in the
 * "C" locale. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cLocale.h"
#include "core/strBuf.h"
#include "core/tomlLexer.h"
#include "huginn/toml.h"

#define MAX_DEPTH HGN_TOML_MAX_DEPTH

typedef struct Writer {
    HgnBuf out;
    HgnBuf path;    /* dotted header of the current table */
    HgnBuf pointer; /* JSON pointer of the current value, for errors */
} Writer;

static HgnStatus emitValue(Writer *w, const json_t *v, int depth);

/* TOML basic strings take JSON's escapes; \u00XX is written in uppercase hex. */
static void appendBasicString(HgnBuf *b, const char *s, size_t n) { hgnBufAppendEscaped(b, s, n, HGN_ESC_UPPER_HEX); }

static void appendKey(HgnBuf *b, const char *key, size_t n) {
    if (hgnTomlIsBareKey(key, n)) {
        hgnBufAppend(b, key, n);
    } else {
        appendBasicString(b, key, n);
    }
}

static void appendFloat(HgnBuf *b, double d) {
    char text[40];
    locale_t c = hgnCLocale(), previous = c ? uselocale(c) : (locale_t)0;
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(text, sizeof text, "%.*g", precision, d);
        if (strtod(text, NULL) == d) break;
    }
    if (previous) uselocale(previous);
    hgnBufAppendStr(b, text);
    if (!strpbrk(text, ".eE")) hgnBufAppend(b, ".0", 2);
}

/* JSON pointer bookkeeping: push returns the length to restore. */
static size_t pointerPush(Writer *w, const char *key, size_t n) {
    size_t mark = w->pointer.len;
    hgnBufAppendChar(&w->pointer, '/');
    for (size_t i = 0; i < n; i++) {
        if (key[i] == '~') {
            hgnBufAppend(&w->pointer, "~0", 2);
        } else if (key[i] == '/') {
            hgnBufAppend(&w->pointer, "~1", 2);
        } else {
            hgnBufAppendChar(&w->pointer, key[i]);
        }
    }
    return mark;
}

static size_t pointerPushIndex(Writer *w, size_t i) {
    size_t mark = w->pointer.len;
    hgnBufAppendf(&w->pointer, "/%zu", i);
    return mark;
}

static void truncateBuf(HgnBuf *b, size_t len) {
    if (b->data && len <= b->len) {
        b->len = len;
        b->data[len] = '\0';
    }
}

static HgnStatus tooDeep(Writer *w) {
    const char *where = hgnBufOk(&w->pointer) ? hgnBufStr(&w->pointer) : NULL;
    return hgnStatusNew(HGN_CODE_InvalidArgument, where && where[0] ? where : "/", "flatten the document",
                        "JSON is nested more than %d levels deep, more than Huginn's TOML reader accepts", MAX_DEPTH);
}

static HgnStatus nullValue(Writer *w) {
    const char *where = hgnBufOk(&w->pointer) ? hgnBufStr(&w->pointer) : NULL;
    return hgnStatusNew(HGN_CODE_InvalidArgument, where && where[0] ? where : "/", "remove the key or give it a value",
                        "JSON null has no TOML equivalent");
}

static HgnStatus emitInlineTable(Writer *w, const json_t *obj, int depth) {
    hgnBufAppendChar(&w->out, '{');
    const char *key;
    size_t keyLen;
    json_t *value;
    bool first = true;
    json_object_keylen_foreach((json_t *)obj, key, keyLen, value) {
        hgnBufAppendStr(&w->out, first ? " " : ", ");
        first = false;
        appendKey(&w->out, key, keyLen);
        hgnBufAppend(&w->out, " = ", 3);
        size_t mark = pointerPush(w, key, keyLen);
        HgnStatus st = emitValue(w, value, depth + 1);
        if (st) return st;
        truncateBuf(&w->pointer, mark);
    }
    hgnBufAppendStr(&w->out, first ? "}" : " }");
    return HGN_OK;
}

static HgnStatus emitValue(Writer *w, const json_t *v, int depth) {
    if (depth > MAX_DEPTH) return tooDeep(w);
    switch (json_typeof(v)) {
    case JSON_STRING:
        appendBasicString(&w->out, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        hgnBufAppendf(&w->out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        appendFloat(&w->out, json_real_value(v));
        break;
    case JSON_TRUE:
        hgnBufAppendStr(&w->out, "true");
        break;
    case JSON_FALSE:
        hgnBufAppendStr(&w->out, "false");
        break;
    case JSON_NULL:
        return nullValue(w);
    case JSON_ARRAY: {
        hgnBufAppendChar(&w->out, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) hgnBufAppend(&w->out, ", ", 2);
            size_t mark = pointerPushIndex(w, i);
            HgnStatus st = emitValue(w, json_array_get(v, i), depth + 1);
            if (st) return st;
            truncateBuf(&w->pointer, mark);
        }
        hgnBufAppendChar(&w->out, ']');
        break;
    }
    case JSON_OBJECT:
        return emitInlineTable(w, v, depth);
    }
    return HGN_OK;
}

static bool isArrayOfTables(const json_t *v) {
    if (!json_is_array(v) || json_array_size(v) == 0) return false;
    for (size_t i = 0; i < json_array_size(v); i++)
        if (!json_is_object(json_array_get(v, i))) return false;
    return true;
}

static HgnStatus emitTable(Writer *w, const json_t *obj, int depth) {
    if (depth > MAX_DEPTH) return tooDeep(w);
    const char *key;
    size_t keyLen;
    json_t *value;
    json_object_keylen_foreach((json_t *)obj, key, keyLen, value) {
        if (json_is_object(value) || isArrayOfTables(value)) continue;
        appendKey(&w->out, key, keyLen);
        hgnBufAppend(&w->out, " = ", 3);
        size_t mark = pointerPush(w, key, keyLen);
        HgnStatus st = emitValue(w, value, depth + 1);
        if (st) return st;
        truncateBuf(&w->pointer, mark);
        hgnBufAppendChar(&w->out, '\n');
    }
    json_object_keylen_foreach((json_t *)obj, key, keyLen, value) {
        bool table = json_is_object(value);
        if (!table && !isArrayOfTables(value)) continue;
        size_t pathMark = w->path.len;
        if (pathMark) hgnBufAppendChar(&w->path, '.');
        appendKey(&w->path, key, keyLen);
        size_t mark = pointerPush(w, key, keyLen);
        size_t count = table ? 1 : json_array_size(value);
        for (size_t i = 0; i < count; i++) {
            const json_t *item = table ? value : json_array_get(value, i);
            size_t itemMark = table ? w->pointer.len : pointerPushIndex(w, i);
            hgnBufAppendf(&w->out, "%s%s%s%s\n", w->out.len ? "\n" : "", table ? "[" : "[[", hgnBufStr(&w->path),
                          table ? "]" : "]]");
            HgnStatus st = emitTable(w, item, table ? depth + 1 : depth + 2);
            if (st) return st;
            truncateBuf(&w->pointer, itemMark);
        }
        truncateBuf(&w->pointer, mark);
        truncateBuf(&w->path, pathMark);
    }
    return HGN_OK;
}

HgnStatus hgnTomlDumpJson(const json_t *object, char **out) {
    if (!out) return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "hgnTomlDumpJson: out is NULL");
    *out = NULL;
    if (!json_is_object(object))
        return hgnStatusNew(HGN_CODE_InvalidArgument, "/", "pass a JSON object (a TOML document is a table)",
                            "cannot write TOML: the JSON value is not an object");
    Writer w;
    hgnBufInit(&w.out);
    hgnBufInit(&w.path);
    hgnBufInit(&w.pointer);
    HgnStatus st = emitTable(&w, object, 0);
    if (!st && (!hgnBufOk(&w.out) || !hgnBufOk(&w.path) || !hgnBufOk(&w.pointer)))
        st = hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory writing TOML");
    hgnBufFree(&w.path);
    hgnBufFree(&w.pointer);
    if (st) {
        hgnBufFree(&w.out);
        return st;
    }
    *out = hgnBufDetach(&w.out);
    if (!*out) return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory writing TOML");
    return HGN_OK;
}
