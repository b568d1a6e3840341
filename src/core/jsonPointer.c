/* jsonPointer.c — RFC 6901 JSON pointers: resolution in jansson documents and
 * escaping of reference tokens. */
#include "core/jsonPointer.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/jsonSchema.h"

bool hgnJsonPointerAppendToken(HgnBuf *b, const char *token, size_t len) {
    hgnBufAppendChar(b, '/');
    for (size_t i = 0; i < len; i++) {
        if (token[i] == '~')
            hgnBufAppend(b, "~0", 2);
        else if (token[i] == '/')
            hgnBufAppend(b, "~1", 2);
        else
            hgnBufAppendChar(b, token[i]);
    }
    return hgnBufOk(b);
}

bool hgnJsonPointerAppendIndex(HgnBuf *b, size_t index) { return hgnBufAppendf(b, "/%zu", index); }

/* Unescapes tok into dst (at least len+1 bytes); returns the new length or
 * (size_t)-1 on a bad escape. */
static size_t unescapeToken(const char *tok, size_t len, char *dst) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (tok[i] == '~') {
            if (i + 1 >= len || (tok[i + 1] != '0' && tok[i + 1] != '1')) return (size_t)-1;
            dst[n++] = tok[i + 1] == '0' ? '~' : '/';
            i++;
        } else {
            dst[n++] = tok[i];
        }
    }
    dst[n] = '\0';
    return n;
}

json_t *hgnJsonPointerStep(const json_t *doc, const char *tok, size_t len) {
    if (json_is_object(doc)) {
        char small[128];
        char *buf = len < sizeof small ? small : hgnMalloc(len + 1);
        if (!buf) return NULL;
        size_t n = unescapeToken(tok, len, buf);
        json_t *child = n == (size_t)-1 ? NULL : json_object_getn(doc, buf, n);
        if (buf != small) hgnFree(buf);
        return child;
    }
    if (json_is_array(doc)) {
        if (len == 0 || len > 19 || (len > 1 && tok[0] == '0')) return NULL;
        size_t idx = 0;
        for (size_t i = 0; i < len; i++) {
            if (tok[i] < '0' || tok[i] > '9') return NULL;
            idx = idx * 10 + (size_t)(tok[i] - '0');
        }
        return json_array_get(doc, idx);
    }
    return NULL;
}

json_t *hgnJsonPointerGet(const json_t *doc, const char *pointer) {
    if (!doc || !pointer) return NULL;
    if (pointer[0] == '\0') return (json_t *)doc;
    if (pointer[0] != '/') return NULL;
    const json_t *cur = doc;
    const char *p = pointer + 1;
    for (;;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        cur = hgnJsonPointerStep(cur, p, len);
        if (!cur) return NULL;
        if (!end) return (json_t *)cur;
        p = end + 1;
    }
}

static void put(char *buf, size_t bufSize, size_t *n, char c) {
    if (buf && *n + 1 < bufSize) buf[*n] = c;
    (*n)++;
}

size_t hgnJsonPointerEscape(const char *token, char *buf, size_t bufSize) {
    size_t n = 0;
    put(buf, bufSize, &n, '/');
    for (const char *p = token ? token : ""; *p; p++) {
        if (*p == '~' || *p == '/') {
            put(buf, bufSize, &n, '~');
            put(buf, bufSize, &n, *p == '~' ? '0' : '1');
        } else {
            put(buf, bufSize, &n, *p);
        }
    }
    if (buf && bufSize) buf[n < bufSize ? n : bufSize - 1] = '\0';
    return n;
}
