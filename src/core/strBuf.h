/* strBuf.h — growable byte/string buffer (always NUL-terminated).
 *
 * hgnBufInit cannot fail; appends return false on allocation failure and
 * leave the buffer valid (the "oom" flag sticks so callers may check once at
 * the end with hgnBufOk). hgnBufDetach hands the string to the caller. */
#ifndef HGN_CORE_STRBUF_H
#define HGN_CORE_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "huginn/status.h"

typedef struct HgnBuf {
    char *data; /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
    bool oom;
} HgnBuf;

void hgnBufInit(HgnBuf *b);
void hgnBufFree(HgnBuf *b);
void hgnBufClear(HgnBuf *b);
bool hgnBufReserve(HgnBuf *b, size_t extra);
bool hgnBufAppend(HgnBuf *b, const char *s, size_t n);
bool hgnBufAppendStr(HgnBuf *b, const char *s);
bool hgnBufAppendChar(HgnBuf *b, char c);
bool hgnBufAppendf(HgnBuf *b, const char *fmt, ...) HGN_PRINTF(2, 3);
bool hgnBufAppendfV(HgnBuf *b, const char *fmt, va_list ap);
/* Appends s as a JSON string literal (quotes and escapes included). */
bool hgnBufAppendJsonString(HgnBuf *b, const char *s, size_t n);
static inline bool hgnBufOk(const HgnBuf *b) { return !b->oom; }
/* Returns the string (never NULL unless oom: "" for an empty buffer) and resets b. */
char *hgnBufDetach(HgnBuf *b);
static inline const char *hgnBufStr(const HgnBuf *b) { return b->data ? b->data : ""; }

#endif
