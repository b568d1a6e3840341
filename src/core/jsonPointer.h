/* jsonPointer.h — RFC 6901 JSON pointer helpers shared inside libhuginn
 * (public lookup hgnJsonPointerGet is declared in huginn/jsonSchema.h). */
#ifndef HGN_CORE_JSON_POINTER_H
#define HGN_CORE_JSON_POINTER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/strBuf.h"

/* Appends "/" + token with '~' → "~0" and '/' → "~1". Returns false on OOM. */
bool hgnJsonPointerAppendToken(HgnBuf *b, const char *token, size_t len);
/* Appends "/" + decimal index. Returns false on OOM. */
bool hgnJsonPointerAppendIndex(HgnBuf *b, size_t index);
/* One step of a pointer walk: the child of doc named by the raw (still
 * escaped) token tok[0..len). NULL when absent or malformed. */
json_t *hgnJsonPointerStep(const json_t *doc, const char *tok, size_t len);

#endif
