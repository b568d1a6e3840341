/* strBuf.c — growable string buffer (see strBuf.h). */
#include "core/strBuf.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/utf8.h"

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

bool hgnBufAppendEscaped(HgnBuf *b, const char *s, size_t n, unsigned flags) {
    const char *hex = (flags & HGN_ESC_UPPER_HEX) ? "0123456789ABCDEF" : "0123456789abcdef";
    bool quoted = !(flags & HGN_ESC_BARE), fixUtf8 = (flags & HGN_ESC_FIX_UTF8) != 0;
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    if (quoted) hgnBufAppendChar(b, '"');
    while (p < end) {
        const unsigned char *run = p; /* bytes needing no escape go out in one piece */
        while (p < end && *p >= 0x20 && *p != 0x7f && !(quoted && (*p == '"' || *p == '\\')) &&
               !(fixUtf8 && *p >= 0x80))
            p++;
        if (p > run) hgnBufAppend(b, (const char *)run, (size_t)(p - run));
        if (p == end) break;
        unsigned char c = *p;
        if (c >= 0x80) { /* fixUtf8 only */
            size_t k = hgnUtf8SeqLen(p, (size_t)(end - p));
            if (k) {
                hgnBufAppend(b, (const char *)p, k);
                p += k;
            } else {
                hgnBufAppend(b, "\xef\xbf\xbd", 3); /* U+FFFD */
                p++;
            }
            continue;
        }
        const char *esc = NULL;
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\b':
            esc = (flags & HGN_ESC_NO_BF) ? NULL : "\\b";
            break;
        case '\f':
            esc = (flags & HGN_ESC_NO_BF) ? NULL : "\\f";
            break;
        default:
            break;
        }
        if (esc) {
            hgnBufAppend(b, esc, 2);
        } else {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            hgnBufAppend(b, u, 6);
        }
        p++;
    }
    if (quoted) hgnBufAppendChar(b, '"');
    return hgnBufOk(b);
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
