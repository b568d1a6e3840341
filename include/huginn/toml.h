/* toml.h — strict TOML 1.0 parser (and writer) for Huginn's configuration.
 *
 * Debian 12 packages no C TOML library, so Huginn carries its own (see
 * docs/architecture.md). The parser accepts exactly TOML 1.0: every value
 * type, inline tables, arrays of tables, dotted keys, all string forms and
 * escapes; it rejects duplicate keys and table redefinitions. Errors are
 * HGN-0001 InvalidConfig with where = "SOURCE:LINE:COLUMN" (1-based) and a hint.
 * Every value records the line and column where it starts. The tree is a
 * plain data structure owned by the caller (hgnTomlFree). */
#ifndef HUGINN_TOML_H
#define HUGINN_TOML_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum HgnTomlType {
    HGN_TOML_STRING,
    HGN_TOML_INTEGER,
    HGN_TOML_FLOAT,
    HGN_TOML_BOOLEAN,
    HGN_TOML_OFFSET_DATETIME, /* 1979-05-27T07:32:00Z, …-07:00 */
    HGN_TOML_LOCAL_DATETIME,  /* 1979-05-27T07:32:00 */
    HGN_TOML_LOCAL_DATE,      /* 1979-05-27 */
    HGN_TOML_LOCAL_TIME,      /* 07:32:00.999 */
    HGN_TOML_ARRAY,
    HGN_TOML_TABLE,
} HgnTomlType;

typedef struct HgnTomlDatetime {
    int year, month, day;        /* valid for OFFSET/LOCAL_DATETIME and LOCAL_DATE */
    int hour, minute, second;    /* valid for OFFSET/LOCAL_DATETIME and LOCAL_TIME */
    int nanosecond;              /* fractional seconds, truncated to ns */
    int fractionDigits;          /* digits written in the source (0 = none), for faithful output */
    int offsetMinutes;           /* OFFSET_DATETIME: offset east of UTC */
    bool zulu;                   /* OFFSET_DATETIME written with Z */
} HgnTomlDatetime;

typedef struct HgnTomlValue HgnTomlValue;
typedef struct HgnTomlKeyValue {
    char *key;            /* UTF-8; may contain NUL only through \u0000 (keyLen is exact) */
    size_t keyLen;
    HgnTomlValue *value;
} HgnTomlKeyValue;

struct HgnTomlValue {
    HgnTomlType type;
    int line, column;     /* where the value (or, for tables, its header/key) starts */
    union {
        struct { char *ptr; size_t len; } string;   /* NUL-terminated copy, len exact */
        int64_t integer;
        double floating;
        bool boolean;
        HgnTomlDatetime datetime;
        struct { HgnTomlValue **items; size_t count; } array;
        struct { HgnTomlKeyValue *items; size_t count; } table; /* source order */
    } as;
};

/* Parses len bytes of text (UTF-8, need not be NUL-terminated). sourceName is
 * used in error locations (a path, or "<env>"). OUT: *out, a TABLE. */
HGN_NODISCARD HgnStatus hgnTomlParse(const char *text, size_t len, const char *sourceName, HgnTomlValue **out);
/* Reads and parses a file; I/O errors are HGN-0011 naming the path. */
HGN_NODISCARD HgnStatus hgnTomlParseFile(const char *path, HgnTomlValue **out);
void hgnTomlFree(HgnTomlValue *v);

/* Lookup of a key in a TABLE (NULL when absent or v is not a table). */
const HgnTomlValue *hgnTomlTableGet(const HgnTomlValue *table, const char *key);

/* Converts to JSON: integers as JSON integers, floats as reals (inf/nan as the
 * strings "inf", "-inf", "nan"), date-times as RFC 3339 strings. OUT: *out (new ref). */
HGN_NODISCARD HgnStatus hgnTomlToJson(const HgnTomlValue *v, json_t **out);
/* RFC 3339 rendering of a date-time value into buf (≥ 48 bytes); returns buf. */
char *hgnTomlFormatDatetime(HgnTomlType type, const HgnTomlDatetime *dt, char *buf, size_t bufSize);

/* Writes a JSON object as a TOML document (tables for objects, arrays of
 * tables for arrays of objects, everything else as values). Strings that are
 * RFC 3339 date-times stay strings. Parsing the output and converting it back
 * with hgnTomlToJson gives an equal JSON value. OUT: *out (caller frees). */
HGN_NODISCARD HgnStatus hgnTomlDumpJson(const json_t *object, char **out);

#ifdef __cplusplus
}
#endif
#endif
