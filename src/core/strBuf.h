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
/* Flags of hgnBufAppendEscaped; 0 is a JSON string literal. */
enum {
    HGN_ESC_UPPER_HEX = 1u << 0, /* \u00XX in uppercase hex (the TOML writer's style) */
    HGN_ESC_BARE = 1u << 1,      /* no surrounding quotes; '"' and '\\' are left as they are */
    HGN_ESC_FIX_UTF8 = 1u << 2,  /* ill-formed UTF-8 becomes U+FFFD (otherwise bytes >= 0x80 pass) */
    HGN_ESC_NO_BF = 1u << 3,     /* \b and \f as \u0008 and \u000c (log lines) */
};
/* Appends s[0..n) as a quoted string with the escapes that JSON and TOML basic
 * strings share: \" \\ \n \r \t \b \f, \u00xx for other control characters
 * and DEL. flags adjust it (see above). */
bool hgnBufAppendEscaped(HgnBuf *b, const char *s, size_t n, unsigned flags);
/* Appends s as a JSON string literal (quotes and escapes included). */
static inline bool hgnBufAppendJsonString(HgnBuf *b, const char *s, size_t n) {
    return hgnBufAppendEscaped(b, s, n, 0);
}
static inline bool hgnBufOk(const HgnBuf *b) { return !b->oom; }
/* Returns the string (never NULL unless oom: "" for an empty buffer) and resets b. */
char *hgnBufDetach(HgnBuf *b);
static inline const char *hgnBufStr(const HgnBuf *b) { return b->data ? b->data : ""; }

#endif
