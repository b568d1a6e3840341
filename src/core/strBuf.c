/* strBuf.c — growable string buffer (see strBuf.h). */
#include "core/strBuf.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

void hgnBufInit(HgnBuf *b) {
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->oom = false;
}

void hgnBufFree(HgnBuf *b) {
    hgnFree(b->data);
    hgnBufInit(b);
}

void hgnBufClear(HgnBuf *b) {
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

bool hgnBufReserve(HgnBuf *b, size_t extra) {
    if (b->oom) return false;
    if (extra > SIZE_MAX - b->len - 1) {
        b->oom = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = hgnRealloc(b->data, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

bool hgnBufAppend(HgnBuf *b, const char *s, size_t n) {
    if (!hgnBufReserve(b, n)) return false;
    if (n) memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

bool hgnBufAppendStr(HgnBuf *b, const char *s) { return hgnBufAppend(b, s, strlen(s)); }

bool hgnBufAppendChar(HgnBuf *b, char c) { return hgnBufAppend(b, &c, 1); }

bool hgnBufAppendfV(HgnBuf *b, const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || !hgnBufReserve(b, (size_t)n)) return false;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return true;
}

bool hgnBufAppendf(HgnBuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    bool ok = hgnBufAppendfV(b, fmt, ap);
    va_end(ap);
    return ok;
}

bool hgnBufAppendJsonString(HgnBuf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    hgnBufAppendChar(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            hgnBufAppend(b, "\\\"", 2);
            break;
        case '\\':
            hgnBufAppend(b, "\\\\", 2);
            break;
        case '\n':
            hgnBufAppend(b, "\\n", 2);
            break;
        case '\r':
            hgnBufAppend(b, "\\r", 2);
            break;
        case '\t':
            hgnBufAppend(b, "\\t", 2);
            break;
        case '\b':
            hgnBufAppend(b, "\\b", 2);
            break;
        case '\f':
            hgnBufAppend(b, "\\f", 2);
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                hgnBufAppend(b, esc, 6);
            } else {
                hgnBufAppendChar(b, (char)c);
            }
        }
    }
    return hgnBufAppendChar(b, '"');
}

char *hgnBufDetach(HgnBuf *b) {
    if (b->oom) {
        hgnBufFree(b);
        return NULL;
    }
    char *s = b->data;
    if (!s) s = hgnStrdup("");
    hgnBufInit(b);
    return s;
}
