/* status.h — HgnStatus: the one error type of Huginn.
 *
 * A function that can fail returns HgnStatus. HGN_OK (NULL) means success;
 * anything else is an owned error object carrying an HGN-xxxx code, a message,
 * where it happened (file:line:col, JSON pointer, field), a hint on how to
 * fix it, and an optional cause chain. The caller owns a returned error and
 * releases it with hgnStatusFree(). Creating an error never fails: on
 * allocation failure a static out-of-memory error is returned instead. */
#ifndef HUGINN_STATUS_H
#define HUGINN_STATUS_H

#include <stdarg.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define HGN_NODISCARD __attribute__((warn_unused_result))
#define HGN_PRINTF(fmtIdx, argIdx) __attribute__((format(printf, fmtIdx, argIdx)))
#else
#define HGN_NODISCARD
#define HGN_PRINTF(fmtIdx, argIdx)
#endif

typedef enum HgnCode {
    HGN_CODE_OK = 0,
#define X(num, name, exitStatus, desc) HGN_CODE_##name = num,
#include "huginn/errorCodes.def"
#undef X
} HgnCode;

typedef struct HgnError HgnError;
typedef HgnError *HgnStatus;
#define HGN_OK ((HgnStatus)0)

/* Creates an error. where and hint may be NULL. Never returns HGN_OK. */
HgnStatus hgnStatusNew(HgnCode code, const char *where, const char *hint, const char *fmt, ...)
    HGN_PRINTF(4, 5);
HgnStatus hgnStatusNewV(HgnCode code, const char *where, const char *hint, const char *fmt, va_list ap);
/* Wraps cause (ownership taken) under a new error; cause may be HGN_OK. */
HgnStatus hgnStatusWrap(HgnStatus cause, HgnCode code, const char *where, const char *hint, const char *fmt, ...)
    HGN_PRINTF(5, 6);
/* Replaces the where/hint of st (no-op on HGN_OK); returns st. */
HgnStatus hgnStatusSetWhere(HgnStatus st, const char *where);
HgnStatus hgnStatusSetHint(HgnStatus st, const char *hint);
/* Prefixes the where of st with "prefix" (e.g. a file path); returns st. */
HgnStatus hgnStatusPrefixWhere(HgnStatus st, const char *prefix);
void hgnStatusFree(HgnStatus st);

HgnCode hgnStatusCode(HgnStatus st);
const char *hgnStatusMessage(HgnStatus st);
const char *hgnStatusWhere(HgnStatus st); /* NULL when unknown */
const char *hgnStatusHint(HgnStatus st);  /* NULL when none */
HgnStatus hgnStatusCause(HgnStatus st);   /* borrowed; HGN_OK when none */

/* Code table lookups. Unknown codes give "Unknown" / exit 1. */
const char *hgnCodeName(HgnCode code);
const char *hgnCodeDescription(HgnCode code);
int hgnCodeExitStatus(HgnCode code);
/* "HGN-0001" into buf (at least 9 bytes); returns buf. */
char *hgnCodeFormat(HgnCode code, char *buf);
/* Iterates the table: returns false past the end. */
bool hgnCodeAt(int index, HgnCode *code);

/* One-line rendering "HGN-0001 InvalidConfig at where: message (hint: ...)";
 * caller frees. Returns NULL on allocation failure. */
char *hgnStatusToString(HgnStatus st);
/* {"error":{"code":…,"name":…,"message":…,"where":…,"hint":…,"cause":{…}}}; caller frees. */
char *hgnStatusToJson(HgnStatus st);

#ifdef __cplusplus
}
#endif
#endif
