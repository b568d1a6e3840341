/* tomlLexer.c — TOML 1.0 lexing: cursor, text checks, keys, strings and
 * scalar values (see tomlLexer.h). */
#include "core/tomlLexer.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cLocale.h"
#include "core/tomlDatetime.h"
#include "core/utf8.h"

#define ESCAPES_HINT                                                                                                   \
    "valid escapes are \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX and \\UXXXXXXXX; use a 'literal string' for backslashes"

void hgnTomlCursorInit(HgnTomlCursor *c, const char *text, size_t len, const char *sourceName) {
    c->src = text;
    c->len = len;
    c->pos = 0;
    c->line = 1;
    c->col = 1;
    c->sourceName = sourceName ? sourceName : "<toml>";
}

void hgnTomlAdvance(HgnTomlCursor *c) {
    if (c->pos >= c->len) return;
    unsigned char ch = (unsigned char)c->src[c->pos++];
    if (ch == '\n') {
        c->line++;
        c->col = 1;
    } else if ((ch & 0xC0) != 0x80 && ch != '\r') {
        c->col++;
    }
}

static void advanceBy(HgnTomlCursor *c, size_t n) {
    while (n--) hgnTomlAdvance(c);
}

HgnStatus hgnTomlErrorAt(const HgnTomlCursor *c, int line, int col, const char *hint, const char *fmt, ...) {
    char where[4400];
    snprintf(where, sizeof where, "%s:%d:%d", c->sourceName, line, col);
    va_list ap;
    va_start(ap, fmt);
    HgnStatus st = hgnStatusNewV(HGN_CODE_InvalidConfig, where, hint, fmt, ap);
    va_end(ap);
    return st;
}

const char *hgnTomlDescribeHere(const HgnTomlCursor *c, char *buf, size_t size) {
    int ch = hgnTomlPeek(c, 0);
    if (ch < 0) {
        snprintf(buf, size, "end of file");
    } else if (ch == '\n' || ch == '\r') {
        snprintf(buf, size, "end of line");
    } else if (ch == '\t') {
        snprintf(buf, size, "a tab");
    } else if (ch < 0x20 || ch == 0x7F) {
        snprintf(buf, size, "control character 0x%02X", (unsigned)ch);
    } else if (ch < 0x80) {
        snprintf(buf, size, "'%c'", ch);
    } else {
        size_t n = 1;
        while (n < 4 && c->pos + n < c->len && ((unsigned char)c->src[c->pos + n] & 0xC0) == 0x80) n++;
        snprintf(buf, size, "'%.*s'", (int)n, c->src + c->pos);
    }
    return buf;
}

HgnStatus hgnTomlExpected(const HgnTomlCursor *c, const char *what, const char *hint) {
    char found[32];
    return hgnTomlErrorAt(c, c->line, c->col, hint, "expected %s, found %s", what,
                          hgnTomlDescribeHere(c, found, sizeof found));
}

HgnStatus hgnTomlCheckText(HgnTomlCursor *c) {
    const unsigned char *s = (const unsigned char *)c->src;
    if (c->len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) c->pos = 3; /* BOM */
    HgnTomlCursor at = *c;
    while (at.pos < at.len) {
        unsigned char b = s[at.pos];
        if (b == '\r') {
            if (at.pos + 1 >= at.len || s[at.pos + 1] != '\n')
                return hgnTomlErrorAt(&at, at.line, at.col, "end lines with LF or CR LF",
                                      "carriage return (0x0D) not followed by a line feed");
        } else if ((b < 0x20 && b != '\t' && b != '\n') || b == 0x7F) {
            return hgnTomlErrorAt(&at, at.line, at.col,
                                  "remove it, or write it as a \\uXXXX escape inside a \"basic string\"",
                                  "control character 0x%02X is not allowed in TOML text", (unsigned)b);
        } else if (b >= 0x80) {
            size_t n = hgnUtf8SeqLen(s + at.pos, at.len - at.pos);
            if (n == 0)
                return hgnTomlErrorAt(&at, at.line, at.col, "save the file as UTF-8", "invalid UTF-8 byte 0x%02X",
                                      (unsigned)b);
            advanceBy(&at, n);
            continue;
        }
        hgnTomlAdvance(&at);
    }
    return HGN_OK;
}

void hgnTomlSkipBlanks(HgnTomlCursor *c) {
    while (c->pos < c->len && (c->src[c->pos] == ' ' || c->src[c->pos] == '\t')) hgnTomlAdvance(c);
}

void hgnTomlSkipComment(HgnTomlCursor *c) {
    if (hgnTomlPeek(c, 0) != '#') return;
    while (c->pos < c->len && c->src[c->pos] != '\n' && c->src[c->pos] != '\r') hgnTomlAdvance(c);
}

bool hgnTomlEatNewline(HgnTomlCursor *c) {
    int ch = hgnTomlPeek(c, 0);
    if (ch == '\n') {
        hgnTomlAdvance(c);
        return true;
    }
    if (ch == '\r' && hgnTomlPeek(c, 1) == '\n') {
        advanceBy(c, 2);
        return true;
    }
    return false;
}

static bool isBareKeyChar(int ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
}

bool hgnTomlIsBareKey(const char *s, size_t n) {
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (!isBareKeyChar((unsigned char)s[i])) return false;
    return true;
}

static int hexValue(int ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

static void appendUtf8(HgnBuf *out, uint32_t cp) {
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    hgnBufAppend(out, b, n);
}

static HgnStatus oom(const HgnTomlCursor *c) {
    char where[4400];
    snprintf(where, sizeof where, "%s:%d:%d", c->sourceName, c->line, c->col);
    return hgnStatusNew(HGN_CODE_OutOfMemory, where, NULL, "out of memory while parsing TOML");
}

/* An escape sequence; the cursor is on the backslash. In multi-line strings a
 * backslash ending a line trims the newline and all following whitespace. */
static HgnStatus lexEscape(HgnTomlCursor *c, HgnBuf *out, bool multiline) {
    int line = c->line, col = c->col;
    hgnTomlAdvance(c);
    int ch = hgnTomlPeek(c, 0);
    const char *simple = NULL;
    switch (ch) {
    case 'b':
        simple = "\b";
        break;
    case 't':
        simple = "\t";
        break;
    case 'n':
        simple = "\n";
        break;
    case 'f':
        simple = "\f";
        break;
    case 'r':
        simple = "\r";
        break;
    case '"':
        simple = "\"";
        break;
    case '\\':
        simple = "\\";
        break;
    default:
        break;
    }
    if (simple) {
        hgnTomlAdvance(c);
        hgnBufAppend(out, simple, 1);
        return HGN_OK;
    }
    if (ch == 'u' || ch == 'U') {
        int digits = ch == 'u' ? 4 : 8;
        hgnTomlAdvance(c);
        uint32_t cp = 0;
        for (int i = 0; i < digits; i++) {
            int h = hexValue(hgnTomlPeek(c, 0));
            if (h < 0) {
                char what[48];
                snprintf(what, sizeof what, "%d hexadecimal digits after \\%c", digits, digits == 4 ? 'u' : 'U');
                return hgnTomlExpected(c, what, ESCAPES_HINT);
            }
            cp = cp * 16 + (uint32_t)h;
            hgnTomlAdvance(c);
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return hgnTomlErrorAt(
                c, line, col, "escapes must name a Unicode scalar value (not a surrogate, at most 10FFFF)",
                "escape \\%c%0*" PRIX32 " is not a Unicode scalar value", digits == 4 ? 'u' : 'U', digits, cp);
        appendUtf8(out, cp);
        return HGN_OK;
    }
    if (multiline && (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')) {
        hgnTomlSkipBlanks(c);
        if (!hgnTomlEatNewline(c))
            return hgnTomlErrorAt(c, line, col,
                                  "a line-ending backslash may only be followed by spaces up to the newline",
                                  "invalid escape: backslash followed by whitespace that does not end the line");
        for (;;) {
            hgnTomlSkipBlanks(c);
            if (!hgnTomlEatNewline(c)) break;
        }
        return HGN_OK;
    }
    char found[32];
    return hgnTomlErrorAt(c, line, col, ESCAPES_HINT, "invalid escape sequence: backslash followed by %s",
                          hgnTomlDescribeHere(c, found, sizeof found));
}

/* Counts the run of quote characters q at the cursor. */
static size_t quoteRun(const HgnTomlCursor *c, char q) {
    size_t n = 0;
    while (c->pos + n < c->len && c->src[c->pos + n] == q) n++;
    return n;
}

/* A single-line "basic" or 'literal' string; the cursor is on the opening quote. */
static HgnStatus lexSingleLine(HgnTomlCursor *c, HgnBuf *out, char q) {
    hgnTomlAdvance(c);
    for (;;) {
        int ch = hgnTomlPeek(c, 0);
        if (ch < 0 || ch == '\n' || ch == '\r') {
            char what[40];
            snprintf(what, sizeof what, "closing %c", q);
            return hgnTomlExpected(c, what,
                                   q == '"' ? "close the string on the same line, or use \"\"\" for a multi-line string"
                                            : "close the string on the same line, or use ''' for a multi-line string");
        }
        if (ch == q) {
            hgnTomlAdvance(c);
            return hgnBufOk(out) ? HGN_OK : oom(c);
        }
        if (ch == '\\' && q == '"') {
            HgnStatus st = lexEscape(c, out, false);
            if (st) return st;
            continue;
        }
        size_t start = c->pos;
        hgnTomlAdvance(c);
        while (c->pos < c->len && ((unsigned char)c->src[c->pos] & 0xC0) == 0x80) hgnTomlAdvance(c);
        hgnBufAppend(out, c->src + start, c->pos - start);
    }
}

/* A multi-line """basic""" or '''literal''' string; the cursor is on the first quote. */
static HgnStatus lexMultiLine(HgnTomlCursor *c, HgnBuf *out, char q) {
    int line = c->line, col = c->col;
    advanceBy(c, 3);
    hgnTomlEatNewline(c); /* a newline right after the opening delimiter is trimmed */
    for (;;) {
        int ch = hgnTomlPeek(c, 0);
        if (ch < 0)
            return hgnTomlErrorAt(c, line, col, q == '"' ? "close it with \"\"\"" : "close it with '''",
                                  "multi-line string is never closed (reached end of file)");
        if (ch == q) {
            size_t n = quoteRun(c, q);
            if (n < 3) {
                hgnBufAppend(out, c->src + c->pos, n);
                advanceBy(c, n);
                continue;
            }
            if (n > 5) {
                advanceBy(c, 5);
                return hgnTomlErrorAt(c, c->line, c->col,
                                      q == '"' ? "escape quotes inside the string as \\\""
                                               : "use a basic string with \\\" escapes",
                                      "too many quotes: at most two may directly precede the closing delimiter");
            }
            hgnBufAppend(out, c->src + c->pos, n - 3);
            advanceBy(c, n);
            return hgnBufOk(out) ? HGN_OK : oom(c);
        }
        if (ch == '\\' && q == '"') {
            HgnStatus st = lexEscape(c, out, true);
            if (st) return st;
            continue;
        }
        if (hgnTomlEatNewline(c)) {
            hgnBufAppendChar(out, '\n');
            continue;
        }
        size_t start = c->pos;
        hgnTomlAdvance(c);
        while (c->pos < c->len && ((unsigned char)c->src[c->pos] & 0xC0) == 0x80) hgnTomlAdvance(c);
        hgnBufAppend(out, c->src + start, c->pos - start);
    }
}

HgnStatus hgnTomlLexString(HgnTomlCursor *c, HgnBuf *out) {
    hgnBufClear(out);
    int ch = hgnTomlPeek(c, 0);
    if (ch != '"' && ch != '\'') return hgnTomlExpected(c, "a string", NULL);
    if (hgnTomlPeek(c, 1) == ch && hgnTomlPeek(c, 2) == ch) return lexMultiLine(c, out, (char)ch);
    return lexSingleLine(c, out, (char)ch);
}

HgnStatus hgnTomlLexKeyPart(HgnTomlCursor *c, HgnBuf *out) {
    hgnBufClear(out);
    int ch = hgnTomlPeek(c, 0);
    if (ch == '"' || ch == '\'') {
        if (hgnTomlPeek(c, 1) == ch && hgnTomlPeek(c, 2) == ch)
            return hgnTomlErrorAt(c, c->line, c->col, "quote keys with \"...\" or '...' on one line",
                                  "a multi-line string cannot be used as a key");
        return lexSingleLine(c, out, (char)ch);
    }
    if (!isBareKeyChar(ch))
        return hgnTomlExpected(c, "a key", "bare keys use A-Z a-z 0-9 _ and -; put other keys in quotes");
    size_t start = c->pos;
    while (isBareKeyChar(hgnTomlPeek(c, 0))) hgnTomlAdvance(c);
    hgnBufAppend(out, c->src + start, c->pos - start);
    return hgnBufOk(out) ? HGN_OK : oom(c);
}

static bool isTokenChar(int ch) { return isBareKeyChar(ch) || ch == '+' || ch == '.' || ch == ':'; }

static bool isDigit(int ch) { return ch >= '0' && ch <= '9'; }

/* Digits of a base with '_' allowed only between digits; *i advances past them.
 * Returns false (with *why set) on a misplaced underscore or no digits. */
static bool scanDigits(const char *t, size_t n, size_t *i, int base, const char **why) {
    size_t start = *i;
    bool lastDigit = false;
    while (*i < n) {
        char ch = t[*i];
        int v = hexValue((unsigned char)ch);
        if (v >= 0 && v < base) {
            lastDigit = true;
        } else if (ch == '_') {
            if (!lastDigit) {
                *why = "an underscore must sit between two digits";
                return false;
            }
            lastDigit = false;
        } else {
            break;
        }
        (*i)++;
    }
    if (*i == start) {
        *why = "digits are missing";
        return false;
    }
    if (!lastDigit) {
        *why = "an underscore must sit between two digits";
        return false;
    }
    return true;
}

static HgnStatus badNumber(const HgnTomlCursor *c, int line, int col, const char *t, size_t n, const char *why) {
    return hgnTomlErrorAt(
        c, line, col,
        "write integers like 42, -17, 1_000, 0xff, 0o17, 0b101 and floats like 3.14, 1e6, -2.5E-3, inf, nan",
        "invalid number '%.*s': %s", n > 60 ? 60 : (int)n, t, why);
}

static HgnStatus lexNumber(HgnTomlCursor *c, int line, int col, const char *t, size_t n, HgnTomlValue *v) {
    const char *why = NULL;
    size_t i = 0;
    bool negative = false, hasSign = false;
    if (t[0] == '+' || t[0] == '-') {
        negative = t[0] == '-';
        hasSign = true;
        i = 1;
    }
    if (i + 1 < n && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'o' || t[i + 1] == 'b')) {
        int base = t[i + 1] == 'x' ? 16 : t[i + 1] == 'o' ? 8 : 2;
        if (hasSign) return badNumber(c, line, col, t, n, "hexadecimal, octal and binary integers cannot carry a sign");
        i += 2;
        size_t digitsStart = i;
        if (!scanDigits(t, n, &i, base, &why)) return badNumber(c, line, col, t, n, why);
        if (i != n) return badNumber(c, line, col, t, n, "unexpected character in the digits");
        uint64_t acc = 0;
        for (size_t k = digitsStart; k < n; k++) {
            if (t[k] == '_') continue;
            uint64_t d = (uint64_t)hexValue((unsigned char)t[k]);
            if (acc > ((uint64_t)INT64_MAX - d) / (uint64_t)base)
                return badNumber(c, line, col, t, n, "it does not fit in a 64-bit signed integer");
            acc = acc * (uint64_t)base + d;
        }
        v->type = HGN_TOML_INTEGER;
        v->as.integer = (int64_t)acc;
        return HGN_OK;
    }
    size_t intStart = i;
    if (!scanDigits(t, n, &i, 10, &why)) return badNumber(c, line, col, t, n, why);
    if (t[intStart] == '0' && i - intStart > 1) return badNumber(c, line, col, t, n, "leading zeros are not allowed");
    bool isFloat = false;
    if (i < n && t[i] == '.') {
        isFloat = true;
        i++;
        if (!scanDigits(t, n, &i, 10, &why))
            return badNumber(c, line, col, t, n, "a decimal point must have digits on both sides");
    }
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        isFloat = true;
        i++;
        if (i < n && (t[i] == '+' || t[i] == '-')) i++;
        if (!scanDigits(t, n, &i, 10, &why)) return badNumber(c, line, col, t, n, why);
    }
    if (i != n) return badNumber(c, line, col, t, n, "unexpected character");
    if (!isFloat) {
        uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        uint64_t acc = 0;
        for (size_t k = intStart; k < n; k++) {
            if (t[k] == '_') continue;
            uint64_t d = (uint64_t)(t[k] - '0');
            if (acc > (limit - d) / 10)
                return badNumber(c, line, col, t, n, "it does not fit in a 64-bit signed integer");
            acc = acc * 10 + d;
        }
        v->type = HGN_TOML_INTEGER;
        v->as.integer = negative ? (int64_t)(0 - acc) : (int64_t)acc;
        return HGN_OK;
    }
    char clean[128];
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        if (t[k] == '_') continue;
        if (m + 1 >= sizeof clean) return badNumber(c, line, col, t, n, "too many digits for a 64-bit float");
        clean[m++] = t[k];
    }
    clean[m] = '\0';
    errno = 0;
    char *end = NULL;
    double d = hgnStrtodC(clean, &end);
    if (end != clean + m) return badNumber(c, line, col, t, n, "not a decimal float");
    if (isinf(d)) return badNumber(c, line, col, t, n, "it is too large for a 64-bit float");
    v->type = HGN_TOML_FLOAT;
    v->as.floating = d;
    return HGN_OK;
}

static bool looksLikeDatetime(const char *t, size_t n) {
    if (memchr(t, ':', n)) return true;
    return n >= 5 && isDigit(t[0]) && isDigit(t[1]) && isDigit(t[2]) && isDigit(t[3]) && t[4] == '-';
}

HgnStatus hgnTomlLexScalar(HgnTomlCursor *c, HgnTomlValue *v) {
    int line = c->line, col = c->col;
    size_t start = c->pos;
    while (isTokenChar(hgnTomlPeek(c, 0))) hgnTomlAdvance(c);
    size_t n = c->pos - start;
    /* "1979-05-27 07:32:00": a date followed by one space and a time */
    if (n == 10 && hgnTomlPeek(c, 0) == ' ' && isDigit(hgnTomlPeek(c, 1)) && isDigit(hgnTomlPeek(c, 2)) &&
        hgnTomlPeek(c, 3) == ':' && looksLikeDatetime(c->src + start, n)) {
        hgnTomlAdvance(c);
        while (isTokenChar(hgnTomlPeek(c, 0))) hgnTomlAdvance(c);
        n = c->pos - start;
    }
    const char *t = c->src + start;
    if (n == 0)
        return hgnTomlExpected(c, "a value",
                               "values are \"strings\", numbers, true/false, date-times, [arrays] or {inline tables}");
    if ((n == 4 && memcmp(t, "true", 4) == 0) || (n == 5 && memcmp(t, "false", 5) == 0)) {
        v->type = HGN_TOML_BOOLEAN;
        v->as.boolean = n == 4;
        return HGN_OK;
    }
    size_t s = (t[0] == '+' || t[0] == '-') ? 1 : 0;
    if (n - s == 3 && (memcmp(t + s, "inf", 3) == 0 || memcmp(t + s, "nan", 3) == 0)) {
        double d = t[s] == 'i' ? INFINITY : NAN;
        v->type = HGN_TOML_FLOAT;
        v->as.floating = t[0] == '-' ? -d : d;
        return HGN_OK;
    }
    if (looksLikeDatetime(t, n)) {
        char why[96];
        const char *err = hgnTomlDatetimeScan(t, n, &v->type, &v->as.datetime, why, sizeof why);
        if (err)
            return hgnTomlErrorAt(c, line, col,
                                  "write date-times as RFC 3339: 1979-05-27T07:32:00Z, 1979-05-27T07:32:00, "
                                  "1979-05-27 or 07:32:00",
                                  "invalid date-time '%.*s': %s", n > 60 ? 60 : (int)n, t, err);
        return HGN_OK;
    }
    if (s == n || (!isDigit(t[s]) && t[s] != '.' && t[s] != '_'))
        return hgnTomlErrorAt(c, line, col,
                              "strings must be quoted: key = \"text\"; booleans are lower-case true/false",
                              "expected a value, found '%.*s'", n > 60 ? 60 : (int)n, t);
    return lexNumber(c, line, col, t, n, v);
}
