/* tomlLexer.h — the TOML 1.0 lexer: a cursor over the source text that tracks
 * line:column, the text-level checks (UTF-8, control characters), and the
 * scanners for keys, strings and scalar values (numbers, booleans,
 * date-times). The document structure (tables, arrays) lives in toml.c.
 *
 * Every scanner starts at the cursor, advances past what it read, and on
 * failure returns HGN-0001 with where = "SOURCE:LINE:COLUMN" and a hint. */
#ifndef HGN_CORE_TOMLLEXER_H
#define HGN_CORE_TOMLLEXER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/strBuf.h"
#include "huginn/status.h"
#include "huginn/toml.h"

/* Deepest nesting of tables and arrays the parser accepts (the root table is
 * level 0; an array of tables counts one level for the array and one for each
 * element). The writer refuses deeper JSON so that its output always reads back. */
#define HGN_TOML_MAX_DEPTH 128

typedef struct HgnTomlCursor {
    const char *src;
    size_t len;
    size_t pos;
    int line, col; /* 1-based; columns count characters, not bytes */
    const char *sourceName;
} HgnTomlCursor;

void hgnTomlCursorInit(HgnTomlCursor *c, const char *text, size_t len, const char *sourceName);

/* The byte at the cursor (offset ahead), or -1 past the end. */
static inline int hgnTomlPeek(const HgnTomlCursor *c, size_t ahead) {
    return c->pos + ahead < c->len ? (unsigned char)c->src[c->pos + ahead] : -1;
}
/* Advances one byte, keeping line:column. */
void hgnTomlAdvance(HgnTomlCursor *c);

/* An HGN-0001 error at line:col. */
HgnStatus hgnTomlErrorAt(const HgnTomlCursor *c, int line, int col, const char *hint, const char *fmt, ...)
    HGN_PRINTF(5, 6);
/* "expected WHAT, found <what is at the cursor>" at the cursor. */
HgnStatus hgnTomlExpected(const HgnTomlCursor *c, const char *what, const char *hint);
/* Describes what is at the cursor ("end of file", "newline", "'x'") into buf (≥ 32 bytes). */
const char *hgnTomlDescribeHere(const HgnTomlCursor *c, char *buf, size_t size);

/* Checks the whole text: valid UTF-8, no control characters other than tab,
 * LF and CR-LF. Skips a leading byte-order mark. Does not move the cursor
 * except over the BOM. */
HGN_NODISCARD HgnStatus hgnTomlCheckText(HgnTomlCursor *c);

/* Skips spaces and tabs. */
void hgnTomlSkipBlanks(HgnTomlCursor *c);
/* Skips a comment if one starts at the cursor (up to, not including, the newline). */
void hgnTomlSkipComment(HgnTomlCursor *c);
/* True (and advances) when a newline (LF or CR LF) is at the cursor. */
bool hgnTomlEatNewline(HgnTomlCursor *c);

/* True when s[0..n) may be written as a bare key (A-Za-z0-9_-, not empty). */
bool hgnTomlIsBareKey(const char *s, size_t n);

/* One key part (bare, "basic" or 'literal') into out (cleared first). */
HGN_NODISCARD HgnStatus hgnTomlLexKeyPart(HgnTomlCursor *c, HgnBuf *out);
/* A string value of any of the four forms into out (cleared first). */
HGN_NODISCARD HgnStatus hgnTomlLexString(HgnTomlCursor *c, HgnBuf *out);
/* A number, boolean or date-time into *v (type and payload; line/column untouched). */
HGN_NODISCARD HgnStatus hgnTomlLexScalar(HgnTomlCursor *c, HgnTomlValue *v);

#endif
