/* jsonSchemaValue.c — JSON value semantics the validator needs: deep equality
 * with mathematical number comparison (1 == 1.0), a hash consistent with it,
 * number ordering, exact multipleOf, code-point length, and short value
 * descriptions for messages. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonSchemaInt.h"

/* ---- numbers ---------------------------------------------------------------- */

bool schemaNumberIsIntegral(const json_t *n) {
    if (json_is_integer(n)) return true;
    if (!json_is_real(n)) return false;
    double d = json_real_value(n);
    return isfinite(d) && floor(d) == d;
}

int schemaNumberCompare(const json_t *a, const json_t *b) {
    if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        return x < y ? -1 : x > y ? 1 : 0;
    }
    /* long double holds every json_int_t exactly on x86-64 */
    long double x = json_is_integer(a) ? (long double)json_integer_value(a) : (long double)json_real_value(a);
    long double y = json_is_integer(b) ? (long double)json_integer_value(b) : (long double)json_real_value(b);
    return x < y ? -1 : x > y ? 1 : 0;
}

/* Shortest decimal form of d that reads back as d: mantissa * 10^exp. */
static bool decimalOf(double d, unsigned long long *mant, int *exp) {
    char buf[64];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
        if (strtod(buf, NULL) == d) break;
    }
    /* buf: [-]D[.DDDD]e[+-]XX */
    const char *p = buf;
    if (*p == '-') p++;
    unsigned long long m = 0;
    int digitsAfterPoint = 0;
    bool afterPoint = false;
    for (; *p && *p != 'e'; p++) {
        if (*p == '.') {
            afterPoint = true;
            continue;
        }
        if (*p < '0' || *p > '9') return false;
        m = m * 10 + (unsigned long long)(*p - '0');
        if (afterPoint) digitsAfterPoint++;
    }
    if (*p != 'e') return false;
    int e = atoi(p + 1);
    /* strip trailing zeros of the mantissa */
    while (m != 0 && m % 10 == 0) {
        m /= 10;
        e++;
    }
    *mant = m;
    *exp = e - digitsAfterPoint;
    return true;
}

bool schemaNumberIsMultipleOf(const json_t *n, const json_t *d) {
    if (json_is_integer(n) && json_is_integer(d)) {
        json_int_t x = json_integer_value(n), y = json_integer_value(d);
        if (y == 0) return false;
        if (y == -1) return true;
        return x % y == 0;
    }
    double x = json_is_integer(n) ? (double)json_integer_value(n) : json_real_value(n);
    double y = json_is_integer(d) ? (double)json_integer_value(d) : json_real_value(d);
    if (!isfinite(x) || !isfinite(y) || y == 0) return false;
    if (x == 0) return true;
    unsigned long long mx, my;
    int ex, ey;
    if (!decimalOf(fabs(x), &mx, &ex) || !decimalOf(fabs(y), &my, &ey) || my == 0) return false;
    /* x / y = (mx / my) * 10^(ex - ey) */
    if (ex >= ey) {
        /* (mx * 10^(ex-ey)) mod my == 0 */
        unsigned long long r = mx % my;
        for (int k = ex - ey; k > 0 && r != 0; k--) r = (unsigned long long)(((unsigned __int128)r * 10) % my);
        return r == 0;
    }
    /* mx must be divisible by my * 10^(ey-ex) */
    unsigned long long div = my;
    for (int k = ey - ex; k > 0; k--) {
        if (div > mx / 10) return false; /* divisor exceeds mx: mx (non-zero) cannot be a multiple */
        div *= 10;
    }
    return mx % div == 0;
}

/* ---- equality and hashing ------------------------------------------------------ */

static bool numbersEqual(const json_t *a, const json_t *b) { return schemaNumberCompare(a, b) == 0; }

bool schemaValueEqual(const json_t *a, const json_t *b) {
    if (a == b) return true;
    if (json_is_number(a) && json_is_number(b)) return numbersEqual(a, b);
    if (json_typeof(a) != json_typeof(b)) return false;
    switch (json_typeof(a)) {
    case JSON_STRING: {
        size_t n = json_string_length(a);
        return n == json_string_length(b) && memcmp(json_string_value(a), json_string_value(b), n) == 0;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(a);
        if (n != json_array_size(b)) return false;
        for (size_t i = 0; i < n; i++)
            if (!schemaValueEqual(json_array_get(a, i), json_array_get(b, i))) return false;
        return true;
    }
    case JSON_OBJECT: {
        if (json_object_size(a) != json_object_size(b)) return false;
        const char *key;
        size_t keyLen;
        json_t *v;
        json_object_keylen_foreach((json_t *)a, key, keyLen, v) {
            json_t *w = json_object_getn(b, key, keyLen);
            if (!w || !schemaValueEqual(v, w)) return false;
        }
        return true;
    }
    default:
        return true; /* true, false, null */
    }
}

static uint64_t mix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static uint64_t hashBytes(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

uint64_t schemaValueHash(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_INTEGER:
        return mix((uint64_t)json_integer_value(v) ^ 0x1234);
    case JSON_REAL: {
        double d = json_real_value(v);
        if (d >= -9.2e18 && d <= 9.2e18 && floor(d) == d) return mix((uint64_t)(json_int_t)d ^ 0x1234);
        if (d == 0) d = 0; /* -0.0 */
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        return mix(bits ^ 0x5678);
    }
    case JSON_STRING:
        return mix(hashBytes(json_string_value(v), json_string_length(v)) ^ 3);
    case JSON_ARRAY: {
        uint64_t h = 0x9e3779b97f4a7c15ULL;
        for (size_t i = 0; i < json_array_size(v); i++) h = mix(h * 31 + schemaValueHash(json_array_get(v, i)));
        return h;
    }
    case JSON_OBJECT: {
        uint64_t h = 0x51;
        const char *key;
        size_t keyLen;
        json_t *m;
        json_object_keylen_foreach((json_t *)v, key, keyLen, m) {
            h += mix(hashBytes(key, keyLen) ^ schemaValueHash(m)); /* order-independent */
        }
        return mix(h);
    }
    case JSON_TRUE:
        return 0x7777;
    case JSON_FALSE:
        return 0x8888;
    default:
        return 0x9999;
    }
}

/* ---- strings -------------------------------------------------------------------- */

size_t schemaUtf8Length(const char *s, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++) n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* ---- descriptions ----------------------------------------------------------------- */

const char *schemaTypeName(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return schemaNumberIsIntegral(v) ? "integer" : "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    default:
        return "null";
    }
}

static void appendNumber(HgnBuf *b, const json_t *v) {
    if (json_is_integer(v)) {
        hgnBufAppendf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else {
        double d = json_real_value(v);
        char buf[40];
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, sizeof buf, "%.*g", prec, d);
            if (strtod(buf, NULL) == d) break;
        }
        hgnBufAppendStr(b, buf);
        if (!strpbrk(buf, ".eEni")) hgnBufAppend(b, ".0", 2);
    }
}

/* Appends at most maxLen bytes of s as a JSON string, cut on a UTF-8 boundary. */
static void appendQuoted(HgnBuf *b, const char *s, size_t n, size_t maxLen) {
    if (n <= maxLen) {
        hgnBufAppendJsonString(b, s, n);
        return;
    }
    size_t cut = maxLen;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) cut--;
    hgnBufAppendJsonString(b, s, cut);
    if (hgnBufOk(b) && b->len > 0) {
        b->len--; /* drop the closing quote, mark the cut */
        hgnBufAppendStr(b, "…\"");
    }
}

void schemaAppendJson(HgnBuf *b, const json_t *v, size_t maxLen) {
    size_t start = b->len;
    switch (json_typeof(v)) {
    case JSON_STRING:
        appendQuoted(b, json_string_value(v), json_string_length(v), maxLen);
        return;
    case JSON_INTEGER:
    case JSON_REAL:
        appendNumber(b, v);
        return;
    case JSON_TRUE:
        hgnBufAppendStr(b, "true");
        return;
    case JSON_FALSE:
        hgnBufAppendStr(b, "false");
        return;
    case JSON_NULL:
        hgnBufAppendStr(b, "null");
        return;
    case JSON_ARRAY:
        hgnBufAppendChar(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (b->len - start > maxLen) {
                hgnBufAppendStr(b, "…");
                break;
            }
            if (i) hgnBufAppendChar(b, ',');
            schemaAppendJson(b, json_array_get(v, i), maxLen);
        }
        hgnBufAppendChar(b, ']');
        return;
    case JSON_OBJECT: {
        hgnBufAppendChar(b, '{');
        const char *key;
        size_t keyLen;
        json_t *m;
        bool first = true;
        json_object_keylen_foreach((json_t *)v, key, keyLen, m) {
            if (b->len - start > maxLen) {
                hgnBufAppendStr(b, "…");
                break;
            }
            if (!first) hgnBufAppendChar(b, ',');
            first = false;
            appendQuoted(b, key, keyLen, maxLen);
            hgnBufAppendChar(b, ':');
            schemaAppendJson(b, m, maxLen);
        }
        hgnBufAppendChar(b, '}');
        return;
    }
    }
}

void schemaDescribeValue(HgnBuf *b, const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        hgnBufAppendf(b, "object (%zu properties)", json_object_size(v));
        return;
    case JSON_ARRAY:
        hgnBufAppendf(b, "array (%zu items)", json_array_size(v));
        return;
    case JSON_NULL:
        hgnBufAppendStr(b, "null");
        return;
    default:
        hgnBufAppendStr(b, schemaTypeName(v));
        hgnBufAppendChar(b, ' ');
        schemaAppendJson(b, v, 60);
    }
}
