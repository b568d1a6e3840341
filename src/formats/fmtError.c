/* fmtError.c — errors of the model-file readers (see fmtError.h). */
#include "formats/fmtError.h"

#include <stdarg.h>

#include "core/strBuf.h"

static HgnStatus make(HgnCode code, HgnBuf *where, const char *hint, const char *fmt, va_list ap) {
    HgnStatus st = hgnStatusNewV(code, hgnBufOk(where) ? hgnBufStr(where) : NULL, hint, fmt, ap);
    hgnBufFree(where);
    return st;
}

HgnStatus hgnFmtErrorAt(HgnCode code, const char *path, uint64_t offset, const char *hint, const char *fmt, ...) {
    HgnBuf w;
    hgnBufInit(&w);
    hgnBufAppendf(&w, "%s:offset %llu", path ? path : "<memory>", (unsigned long long)offset);
    va_list ap;
    va_start(ap, fmt);
    HgnStatus st = make(code, &w, hint, fmt, ap);
    va_end(ap);
    return st;
}

HgnStatus hgnFmtErrorIn(HgnCode code, const char *path, const char *field, const char *hint, const char *fmt, ...) {
    HgnBuf w;
    hgnBufInit(&w);
    hgnBufAppendStr(&w, path ? path : "<memory>");
    if (field) hgnBufAppendf(&w, ":%s", field);
    va_list ap;
    va_start(ap, fmt);
    HgnStatus st = make(code, &w, hint, fmt, ap);
    va_end(ap);
    return st;
}
