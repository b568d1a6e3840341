/* testToml.c — the TOML parser, JSON conversion and writer: every value type,
 * error locations and messages, table rules, round trips, limits and
 * allocation-failure behaviour. Conformance runs are in testTomlSuite.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "huginn/toml.h"

#define DOC_PATH HGN_TEST_DATA "/toml/docs/everything.toml"

static HgnTomlValue *parseOk(const char *text) {
    HgnTomlValue *v = NULL;
    HgnStatus st = hgnTomlParse(text, strlen(text), "t.toml", &v);
    if (st) fail_msg("unexpected error: %s at %s", hgnStatusMessage(st), hgnStatusWhere(st));
    assert_non_null(v);
    assert_int_equal(v->type, HGN_TOML_TABLE);
    return v;
}

/* Follows a dotted path of bare keys (no quoting) through tables. */
static const HgnTomlValue *at(const HgnTomlValue *v, const char *path) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save = NULL, *part = strtok_r(buf, ".", &save); part; part = strtok_r(NULL, ".", &save)) {
        v = hgnTomlTableGet(v, part);
        if (!v) fail_msg("no key %s in %s", part, path);
    }
    return v;
}

static char *toJsonText(const HgnTomlValue *v) {
    json_t *j = NULL;
    HgnStatus st = hgnTomlToJson(v, &j);
    assert_null(st);
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
    json_decref(j);
    return s;
}

static void assertJson(const HgnTomlValue *v, const char *expected) {
    char *s = toJsonText(v);
    if (strcmp(s, expected) != 0) fail_msg("got %s, expected %s", s, expected);
    free(s);
}

static void testEveryValueType(void **state) {
    (void)state;
    HgnTomlValue *doc = NULL;
    HgnStatus st = hgnTomlParseFile(DOC_PATH, &doc);
    assert_null(st);
    const HgnTomlValue *v = at(doc, "title");
    assert_int_equal(v->type, HGN_TOML_STRING);
    assert_string_equal(v->as.string.ptr, "TOML \"everything\" \xc3\xa9\xf0\x9f\x98\x80 tab\there");
    assert_int_equal(v->line, 2);
    assert_int_equal(v->column, 9);
    assert_string_equal(at(doc, "literal")->as.string.ptr, "C:\\Users\\nodejs\\templates");
    assert_string_equal(at(doc, "multiBasic")->as.string.ptr, "Roses are red\nViolets are blue");
    assert_string_equal(at(doc, "multiLiteral")->as.string.ptr,
                        "The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n");
    assert_string_equal(at(doc, "quotes")->as.string.ptr, "Here are two quotation marks: \"\". Simple enough.\"");
    assert_int_equal(at(doc, "dec")->as.integer, 99);
    assert_int_equal(at(doc, "neg")->as.integer, -17);
    assert_int_equal(at(doc, "zero")->as.integer, 0);
    assert_true(at(doc, "big")->as.integer == INT64_MAX);
    assert_true(at(doc, "small")->as.integer == INT64_MIN);
    assert_int_equal(at(doc, "hex")->as.integer, 0xDEADBEEF);
    assert_int_equal(at(doc, "oct")->as.integer, 0755);
    assert_int_equal(at(doc, "bin")->as.integer, 0xD6);
    assert_int_equal(at(doc, "float1")->type, HGN_TOML_FLOAT);
    assert_true(at(doc, "float1")->as.floating == 1.0);
    assert_true(at(doc, "float2")->as.floating == -0.01);
    assert_true(at(doc, "float3")->as.floating == 5e22);
    assert_true(at(doc, "float4")->as.floating == 6.626e-34);
    assert_true(at(doc, "float5")->as.floating == 224617.445991);
    assert_true(isinf(at(doc, "infinite")->as.floating) && at(doc, "infinite")->as.floating < 0);
    assert_true(isnan(at(doc, "notANumber")->as.floating));
    assert_int_equal(at(doc, "yes")->type, HGN_TOML_BOOLEAN);
    assert_true(at(doc, "yes")->as.boolean);
    assert_false(at(doc, "no")->as.boolean);

    v = at(doc, "odt1");
    assert_int_equal(v->type, HGN_TOML_OFFSET_DATETIME);
    assert_true(v->as.datetime.zulu);
    assert_int_equal(v->as.datetime.year, 1979);
    assert_int_equal(v->as.datetime.hour, 7);
    v = at(doc, "odt2");
    assert_int_equal(v->as.datetime.offsetMinutes, -420);
    assert_int_equal(v->as.datetime.nanosecond, 999999000);
    assert_int_equal(v->as.datetime.fractionDigits, 6);
    assert_int_equal(at(doc, "odt3")->as.datetime.offsetMinutes, 330);
    v = at(doc, "ldt");
    assert_int_equal(v->type, HGN_TOML_LOCAL_DATETIME);
    assert_int_equal(v->as.datetime.nanosecond, 500000000);
    v = at(doc, "ld");
    assert_int_equal(v->type, HGN_TOML_LOCAL_DATE);
    assert_int_equal(v->as.datetime.day, 29);
    v = at(doc, "lt");
    assert_int_equal(v->type, HGN_TOML_LOCAL_TIME);
    assert_int_equal(v->as.datetime.second, 60);
    assert_int_equal(v->as.datetime.nanosecond, 123456789);

    assertJson(at(doc, "ints"), "[1,2,3]");
    assertJson(at(doc, "mixed"), "[1,\"two\",3.0,[4],{\"five\":5}]");
    assertJson(at(doc, "multiLine"), "[\"a\",\"b\"]");
    assert_int_equal(hgnTomlTableGet(doc, "quoted key")->as.integer, 1);
    assert_int_equal(hgnTomlTableGet(doc, "literal.key")->as.integer, 2);
    assert_string_equal(hgnTomlTableGet(doc, "")->as.string.ptr, "empty key");
    assertJson(at(doc, "dotted"), "{\"key\":{\"path\":\"x\",\"other\":\"y\"}}");
    assertJson(at(doc, "inline"), "{\"x\":1,\"y\":{\"z\":2},\"w w\":[]}");
    assertJson(at(doc, "table"), "{\"key\":\"value\",\"sub\":{\"a\":1}}");
    assertJson(at(doc, "a"), "{\"b\":{\"c\":{\"deep\":true}},\"top\":1}");
    assertJson(at(doc, "products"), "[{\"name\":\"Hammer\",\"sku\":738594937},{},{\"name\":\"Nail\",\"color\":\"gray\","
                                    "\"details\":{\"size\":3},\"parts\":[{\"id\":1}]}]");
    /* tables record the header that defined them */
    v = at(doc, "table");
    assert_int_equal(v->line, 51);
    assert_int_equal(v->column, 1);
    assert_int_equal(at(doc, "a")->line, 60);
    /* the JSON view of scalars */
    assertJson(at(doc, "odt2"), "\"1979-05-27T00:32:00.999999-07:00\"");
    assertJson(at(doc, "odt3"), "\"1979-05-27T07:32:00+05:30\"");
    assertJson(at(doc, "ldt"), "\"1979-05-27T07:32:00.5\"");
    assertJson(at(doc, "ld"), "\"2000-02-29\"");
    assertJson(at(doc, "lt"), "\"23:59:60.123456789\"");
    assertJson(at(doc, "infinite"), "\"-inf\"");
    assertJson(at(doc, "notANumber"), "\"nan\"");
    assertJson(at(doc, "big"), "9223372036854775807");
    assertJson(at(doc, "float1"), "1.0");
    assertJson(at(doc, "yes"), "true");
    /* source order of keys */
    assert_string_equal(doc->as.table.items[0].key, "title");
    assert_string_equal(doc->as.table.items[1].key, "literal");
    hgnTomlFree(doc);
}

static void testCrlfAndNul(void **state) {
    (void)state;
    HgnTomlValue *doc = NULL;
    HgnStatus st = hgnTomlParseFile(HGN_TEST_DATA "/toml/docs/crlf.toml", &doc);
    assert_null(st);
    assert_string_equal(at(doc, "t.b")->as.string.ptr, "x\ny");
    assert_int_equal(at(doc, "t.b")->line, 3);
    hgnTomlFree(doc);
    /* \u0000 in a key and a value: lengths are exact */
    doc = parseOk("\"a\\u0000b\" = \"x\\u0000y\"\n");
    assert_int_equal(doc->as.table.items[0].keyLen, 3);
    assert_memory_equal(doc->as.table.items[0].key, "a\0b", 3);
    assert_int_equal(doc->as.table.items[0].value->as.string.len, 3);
    assertJson(doc, "{\"a\\u0000b\":\"x\\u0000y\"}");
    hgnTomlFree(doc);
    /* a BOM is skipped; text need not be NUL-terminated */
    const char text[] = "\xef\xbb\xbf"
                        "a = 1xyz";
    HgnTomlValue *v = NULL;
    st = hgnTomlParse(text, 8, "b.toml", &v);
    assert_null(st);
    assert_int_equal(at(v, "a")->as.integer, 1);
    assert_int_equal(at(v, "a")->column, 5);
    hgnTomlFree(v);
    /* empty documents */
    doc = parseOk("");
    assert_int_equal(doc->as.table.count, 0);
    hgnTomlFree(doc);
    doc = parseOk("# only a comment\n\n  \t\n");
    assert_int_equal(doc->as.table.count, 0);
    hgnTomlFree(doc);
}

static void testNumbersAndDates(void **state) {
    (void)state;
    static const struct {
        const char *text;
        const char *json;
    } cases[] = {
        {"v = 1_000", "1000"},
        {"v = -0", "0"},
        {"v = +0", "0"},
        {"v = 0xffff_FFFF", "4294967295"},
        {"v = 0x7FFFFFFFFFFFFFFF", "9223372036854775807"},
        {"v = 0o0", "0"},
        {"v = 0b0000_0001", "1"},
        {"v = 0.0", "0.0"},
        {"v = -0.0", "-0.0"},
        {"v = 1e06", "1000000.0"},
        {"v = 1E-2", "0.01"},
        {"v = 1_2.3_4e1_0", "123400000000.0"},
        {"v = +inf", "\"inf\""},
        {"v = -nan", "\"nan\""},
        {"v = 1e-400", "0.0"},
        {"v = 2024-02-29", "\"2024-02-29\""},
        {"v = 2000-02-29T00:00:00z", "\"2000-02-29T00:00:00Z\""},
        {"v = 1979-05-27t07:32:00.1234567891234", "\"1979-05-27T07:32:00.123456789\""},
        {"v = 1979-05-27T07:32:00-00:00", "\"1979-05-27T07:32:00+00:00\""},
        {"v = 00:00:00", "\"00:00:00\""},
        {"v = 1979-05-27 # a date, then a comment", "\"1979-05-27\""},
        {"v = [1979-05-27 07:32:00,1979-05-27]", "[\"1979-05-27T07:32:00\",\"1979-05-27\"]"},
        {"v = true", "true"},
        {"v = [ ]", "[]"},
        {"v = { }", "{}"},
        {"v = [[], [[]], {}]", "[[],[[]],{}]"},
        {"v = \"\"", "\"\""},
        {"v = ''", "\"\""},
        {"v = \"\"\"\"\"\"", "\"\""},
        {"v = ''''''", "\"\""},
        {"v = '''a''''", "\"a'\""},
        {"v = '''a'''''", "\"a''\""},
        {"v = \"\\b\\t\\n\\f\\r\\\"\\\\\\u0041\\U0010FFFF\"", "\"\\b\\t\\n\\f\\r\\\"\\\\A\xf4\x8f\xbf\xbf\""},
        {"v = \"\"\"a\\   \n\n   \t b\\\n\"\"\"", "\"ab\""},
        {"v = \"\"\"\\\\\n\"\"\"", "\"\\\\\\n\""},
        {"v = '''\\n'''", "\"\\\\n\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        HgnTomlValue *doc = parseOk(cases[i].text);
        char *s = toJsonText(hgnTomlTableGet(doc, "v"));
        if (strcmp(s, cases[i].json) != 0) fail_msg("%s: got %s, expected %s", cases[i].text, s, cases[i].json);
        free(s);
        hgnTomlFree(doc);
    }
}

static void testTableRules(void **state) {
    (void)state;
    static const struct {
        const char *text;
        const char *json;
    } cases[] = {
        {"[a.b.c]\n[a]\nx=1", "{\"a\":{\"b\":{\"c\":{}},\"x\":1}}"},
        {"a.b.c = 1\n[a.b.d]\ne = 2", "{\"a\":{\"b\":{\"c\":1,\"d\":{\"e\":2}}}}"},
        {"[fruit]\napple.color = 'red'\napple.taste.sweet = true\n[fruit.apple.texture]\nsmooth = true",
         "{\"fruit\":{\"apple\":{\"color\":\"red\",\"taste\":{\"sweet\":true},\"texture\":{\"smooth\":true}}}}"},
        {"[[a]]\n[a.b]\nx=1\n[[a]]\n[a.b]\nx=2", "{\"a\":[{\"b\":{\"x\":1}},{\"b\":{\"x\":2}}]}"},
        {"[[a.b]]\n[a]\nc=1", "{\"a\":{\"b\":[{}],\"c\":1}}"},
        {"[[a]]\n[[a.b]]\n[[a.b]]\n[[a]]", "{\"a\":[{\"b\":[{},{}]},{}]}"},
        {"[ a . \"b.c\" . 'd' ]", "{\"a\":{\"b.c\":{\"d\":{}}}}"},
        {"a = {b.c = 1, b.d = 2}", "{\"a\":{\"b\":{\"c\":1,\"d\":2}}}"},
        {"1.2 = 3", "{\"1\":{\"2\":3}}"},
        {"true = false\ninf = 1", "{\"true\":false,\"inf\":1}"},
        {"\"a\" = 1\n'b' = 2\n[\"\"]\nc = 3", "{\"a\":1,\"b\":2,\"\":{\"c\":3}}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        HgnTomlValue *doc = parseOk(cases[i].text);
        char *s = toJsonText(doc);
        if (strcmp(s, cases[i].json) != 0) fail_msg("%s: got %s, expected %s", cases[i].text, s, cases[i].json);
        free(s);
        hgnTomlFree(doc);
    }
}

typedef struct ErrorCase {
    const char *text;
    const char *where;
    const char *message; /* substring */
} ErrorCase;

static const ErrorCase errorCases[] = {
    /* lexical */
    {"a = \"x\x01\"", "t.toml:1:7", "control character 0x01"},
    {"a = 1\r\n\rb = 2", "t.toml:2:1", "carriage return"},
    {"a = \"\xc3\x28\"", "t.toml:1:6", "invalid UTF-8 byte 0xC3"},
    {"a = \"\xed\xa0\x80\"", "t.toml:1:6", "invalid UTF-8"},
    {"a = \"\xe2\x82\xac\" # \xc0\xaf", "t.toml:1:11", "invalid UTF-8 byte 0xC0"},
    {"a = \"abc", "t.toml:1:9", "expected closing \", found end of file"},
    {"a = 'abc\nb = 1", "t.toml:1:9", "expected closing ', found end of line"},
    {"a = \"\"\"abc\n", "t.toml:1:5", "multi-line string is never closed"},
    {"a = \"\"\"x\"\"\"\"\"\"", "t.toml:1:14", "too many quotes"},
    {"a = \"\\x\"", "t.toml:1:6", "invalid escape sequence: backslash followed by 'x'"},
    {"a = \"\\ \"", "t.toml:1:6", "invalid escape sequence"},
    {"a = \"\"\"\\ x\"\"\"", "t.toml:1:8", "does not end the line"},
    {"a = \"\\u12\"", "t.toml:1:10", "expected 4 hexadecimal digits after \\u, found '\"'"},
    {"a = \"\\uD800\"", "t.toml:1:6", "\\uD800 is not a Unicode scalar value"},
    {"a = \"\\U00110000\"", "t.toml:1:6", "not a Unicode scalar value"},
    /* keys */
    {"= 1", "t.toml:1:1", "expected a key, found '='"},
    {"a b = 1", "t.toml:1:3", "expected '=' after the key, found 'b'"},
    {"a. = 1", "t.toml:1:4", "expected a key, found '='"},
    {"\xc3\xa9 = 1", "t.toml:1:1", "expected a key, found '\xc3\xa9'"},
    {"'''a''' = 1", "t.toml:1:1", "multi-line string cannot be used as a key"},
    {"a = 1\nb = 2\na = 3", "t.toml:3:1", "duplicate key 'a' (first defined at line 1, column 5)"},
    {"a = 1\n\"a\" = 2", "t.toml:2:1", "duplicate key 'a'"},
    {"[fruit]\nname = 1\nname = 2", "t.toml:3:1", "duplicate key 'fruit.name' (first defined at line 2, column 8)"},
    {"[[x.\"y z\"]]\nk = {a = 1, a = 2}", "t.toml:2:13", "duplicate key 'a'"},
    {"a.b = 1\na.b = 2", "t.toml:2:3", "duplicate key 'a.b'"},
    {"a = 1\na.b = 2", "t.toml:2:1", "cannot use 'a' as a table: it is already an integer (line 1)"},
    /* values */
    {"a = ", "t.toml:1:5", "expected a value, found end of file"},
    {"a = \n1", "t.toml:1:5", "expected a value, found end of line"},
    {"a = True", "t.toml:1:5", "expected a value, found 'True'"},
    {"a = hello", "t.toml:1:5", "expected a value, found 'hello'"},
    {"a = 1 2", "t.toml:1:7", "expected a new line after the value, found '2'"},
    {"a = 012", "t.toml:1:5", "leading zeros are not allowed"},
    {"a = -01.5", "t.toml:1:5", "leading zeros"},
    {"a = 1__0", "t.toml:1:5", "underscore must sit between two digits"},
    {"a = 1_", "t.toml:1:5", "underscore"},
    {"a = 9223372036854775808", "t.toml:1:5", "does not fit in a 64-bit signed integer"},
    {"a = -9223372036854775809", "t.toml:1:5", "does not fit"},
    {"a = 0x8000000000000000", "t.toml:1:5", "does not fit"},
    {"a = -0x1", "t.toml:1:5", "cannot carry a sign"},
    {"a = 0b102", "t.toml:1:5", "invalid number '0b102'"},
    {"a = 0xg", "t.toml:1:5", "invalid number"},
    {"a = 1.", "t.toml:1:5", "digits on both sides"},
    {"a = .5", "t.toml:1:5", "invalid number '.5'"},
    {"a = 1e", "t.toml:1:5", "digits are missing"},
    {"a = 1e999", "t.toml:1:5", "too large for a 64-bit float"},
    {"a = infinity", "t.toml:1:5", "expected a value, found 'infinity'"},
    {"a = 2001-02-29", "t.toml:1:5", "day 29 does not exist in month 2"},
    {"a = 1900-02-29", "t.toml:1:5", "day 29 does not exist"},
    {"a = 2001-04-31", "t.toml:1:5", "day 31 does not exist in month 4"},
    {"a = 2001-13-01", "t.toml:1:5", "month 13 is out of range"},
    {"a = 2001-00-01", "t.toml:1:5", "month 0 is out of range"},
    {"a = 2001-01-00", "t.toml:1:5", "day 0 does not exist"},
    {"a = 25:00:00", "t.toml:1:5", "hour 25 is out of range 00-23"},
    {"a = 12:60:00", "t.toml:1:5", "minute 60 is out of range"},
    {"a = 12:00:61", "t.toml:1:5", "second 61 is out of range"},
    {"a = 12:00", "t.toml:1:5", "needs seconds"},
    {"a = 12:00:00.", "t.toml:1:5", "followed by digits"},
    {"a = 12:00:00Z", "t.toml:1:5", "after a local time"},
    {"a = 2001-01-01T12:00:00+24:00", "t.toml:1:5", "offset 24:00 is out of range"},
    {"a = 2001-01-01T12:00:00+0100", "t.toml:1:5", "offset must be Z or"},
    {"a = 2001-01-01X12:00:00", "t.toml:1:5", "separated by 'T' or one space"},
    {"a = 2001-1-01", "t.toml:1:5", "YYYY-MM-DD"},
    /* arrays and inline tables */
    {"a = [1 2]", "t.toml:1:8", "expected ',' or ']' in the array, found '2'"},
    {"a = [,]", "t.toml:1:6", "expected a value, found ','"},
    {"a = [1,,2]", "t.toml:1:8", "expected a value, found ','"},
    {"a = [1,\n2", "t.toml:2:2", "expected ',' or ']' in the array, found end of file"},
    {"a = {b = 1,}", "t.toml:1:12", "expected a key after ','"},
    {"a = {b = 1,\n c = 2}", "t.toml:1:12", "expected a key in the inline table, found end of line"},
    {"a = {\n}", "t.toml:1:6", "expected a key in the inline table, found end of line"},
    {"a = {b = 1\n}", "t.toml:1:11", "expected ',' or '}' in the inline table, found end of line"},
    {"a = {b = 1, b = 2}", "t.toml:1:13", "duplicate key 'b'"},
    {"a = {b = {c = 1}, b.d = 2}", "t.toml:1:19", "cannot add keys to 'b': it is an inline table"},
    {"a = {b = 1}\na.c = 2", "t.toml:2:1", "cannot add keys to 'a': it is an inline table (line 1)"},
    {"a = {b = 1}\n[a.c]", "t.toml:2:2", "inline table"},
    {"a = {b = 1}\n[a]", "t.toml:2:2", "inline table"},
    {"a = [1]\n[[a]]", "t.toml:2:3", "cannot extend 'a': it is a static array (line 1)"},
    {"a = [{}]\n[a.b]", "t.toml:2:2", "static array"},
    /* tables */
    {"[a]\n[a]", "t.toml:2:1", "table [a] is defined twice (first at line 1)"},
    {"[a.b]\nc = 1\n[a]\n[a.b]", "t.toml:4:1", "table [a.b] is defined twice"},
    {"[a]\nb = 1\n[a.b]", "t.toml:3:4", "cannot use 'a.b' as a table: it is already an integer"},
    {"a.b = 1\n[a]", "t.toml:2:1", "dotted keys already created it at line 1"},
    {"[a]\nb.c = 1\n[a.b]", "t.toml:3:1", "dotted keys already created it"},
    {"[a.b.c]\n[a]\nb.d = 1", "t.toml:3:1", "cannot add keys to table 'a.b' (defined at line 1) from here"},
    {"[a.b.c.d]\nz = 9\n[a]\nb.c.d.k.t = 1", "t.toml:4:1", "cannot add keys to table 'a.b'"},
    {"tbl = { fruit = { apple.color = 'red' }, fruit.apple.texture = { smooth = true } }", "t.toml:1:42",
     "cannot add keys to 'fruit': it is an inline table"},
    {"[fruit]\napple.color = 'red'\napple.taste.sweet = true\n[fruit.apple.taste]", "t.toml:4:1",
     "cannot define table [fruit.apple.taste]: dotted keys already created it at line 3"},
    {"[[a]]\n[a]", "t.toml:2:2", "already an array"},
    {"[a]\n[[a]]", "t.toml:2:1", "cannot define [[a]]: 'a' is already a table"},
    {"[[a.b]]\n[a]\nb.c = 1", "t.toml:3:1", "already an array"},
    {"[]", "t.toml:1:2", "expected a key, found ']'"},
    {"[a", "t.toml:1:3", "expected ']' to close the table header, found end of file"},
    {"[[a]", "t.toml:1:4", "expected ']]' to close the array-of-tables header, found ']'"},
    {"[[a] ]", "t.toml:1:4", "expected ']]'"},
    {"[a] b = 1", "t.toml:1:5", "expected a new line after the table header, found 'b'"},
    {"[a.\"b]", "t.toml:1:7", "expected closing \""},
};

static void testErrorLocations(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof errorCases / sizeof errorCases[0]; i++) {
        const ErrorCase *c = &errorCases[i];
        HgnTomlValue *v = (HgnTomlValue *)1;
        HgnStatus st = hgnTomlParse(c->text, strlen(c->text), "t.toml", &v);
        if (!st) fail_msg("accepted: %s", c->text);
        assert_null(v);
        assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidConfig);
        if (!hgnStatusWhere(st) || strcmp(hgnStatusWhere(st), c->where) != 0 ||
            !strstr(hgnStatusMessage(st), c->message) || !hgnStatusHint(st) || strlen(hgnStatusHint(st)) < 10 ||
            strchr(hgnStatusHint(st), '%'))
            fail_msg("case %zu %s\n  got %s: %s (hint %s)\n  want %s: %s", i, c->text, hgnStatusWhere(st),
                     hgnStatusMessage(st), hgnStatusHint(st), c->where, c->message);
        hgnStatusFree(st);
    }
}

static void testLimitsAndArguments(void **state) {
    (void)state;
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppendStr(&b, "a = ");
    for (int i = 0; i < 100; i++) hgnBufAppendChar(&b, '[');
    for (int i = 0; i < 100; i++) hgnBufAppendChar(&b, ']');
    HgnTomlValue *v = parseOk(hgnBufStr(&b));
    hgnTomlFree(v);
    hgnBufClear(&b);
    hgnBufAppendStr(&b, "a = ");
    for (int i = 0; i < 100000; i++) hgnBufAppend(&b, "{a=", 3);
    HgnStatus st = hgnTomlParse(b.data, b.len, "deep.toml", &v);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidConfig);
    assert_non_null(strstr(hgnStatusMessage(st), "nested more than"));
    hgnStatusFree(st);
    hgnBufClear(&b);
    for (int i = 0; i < 300; i++) hgnBufAppend(&b, "a.", 2);
    hgnBufAppendStr(&b, "a = 1");
    st = hgnTomlParse(b.data, b.len, "deep.toml", &v);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidConfig);
    hgnStatusFree(st);
    hgnBufClear(&b);
    hgnBufAppendChar(&b, '[');
    for (int i = 0; i < 120; i++) hgnBufAppend(&b, "a.", 2);
    hgnBufAppendStr(&b, "a]\nb.c.d.e.f.g.h.i.j.k = 1");
    st = hgnTomlParse(b.data, b.len, "deep.toml", &v);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidConfig);
    assert_non_null(strstr(hgnStatusMessage(st), "nested more than"));
    hgnStatusFree(st);
    hgnBufFree(&b);

    st = hgnTomlParse("a = 1", 5, "x", NULL);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    hgnStatusFree(st);
    st = hgnTomlParse(NULL, 3, "x", &v);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    hgnStatusFree(st);
    st = hgnTomlParse(NULL, 0, NULL, &v);
    assert_null(st);
    hgnTomlFree(v);
    st = hgnTomlParse("a = ?", 5, NULL, &v);
    assert_string_equal(hgnStatusWhere(st), "<toml>:1:5");
    hgnStatusFree(st);
    st = hgnTomlParseFile(HGN_TEST_DATA "/toml/no-such-file.toml", &v);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_IoError);
    assert_string_equal(hgnStatusWhere(st), HGN_TEST_DATA "/toml/no-such-file.toml");
    hgnStatusFree(st);
    assert_null(hgnTomlTableGet(NULL, "a"));
    hgnTomlFree(NULL);
}

static void testAtPointer(void **state) {
    (void)state;
    HgnTomlValue *doc = NULL;
    assert_null(hgnTomlParseFile(DOC_PATH, &doc));
    const HgnTomlValue *v = hgnTomlAtPointer(doc, "/products/2/details/size");
    assert_non_null(v);
    assert_int_equal(v->as.integer, 3);
    assert_int_equal(v->line, 74);
    assert_int_equal(v->column, 8);
    assert_ptr_equal(hgnTomlAtPointer(doc, ""), doc);
    assert_string_equal(hgnTomlAtPointer(doc, "/")->as.string.ptr, "empty key");
    assert_int_equal(hgnTomlAtPointer(doc, "/ints/2")->as.integer, 3);
    assert_int_equal(hgnTomlAtPointer(doc, "/mixed/4/five")->as.integer, 5);
    assert_int_equal(hgnTomlAtPointer(doc, "/literal.key")->as.integer, 2);
    assert_null(hgnTomlAtPointer(doc, "/ints/3"));
    assert_null(hgnTomlAtPointer(doc, "/ints/01"));
    assert_null(hgnTomlAtPointer(doc, "/ints/-1"));
    assert_null(hgnTomlAtPointer(doc, "/ints/"));
    assert_null(hgnTomlAtPointer(doc, "/title/x"));
    assert_null(hgnTomlAtPointer(doc, "/nope"));
    assert_null(hgnTomlAtPointer(doc, "title"));
    assert_null(hgnTomlAtPointer(NULL, ""));
    assert_string_equal(hgnTomlTypeName(hgnTomlAtPointer(doc, "/odt1")->type), "offset date-time");
    assert_string_equal(hgnTomlTypeName(hgnTomlAtPointer(doc, "/products")->type), "array");
    assert_string_equal(hgnTomlTypeName((HgnTomlType)99), "?");
    hgnTomlFree(doc);
    doc = parseOk("\"a/b\" = 1\n\"m~n\" = 2\n\"~\" = { \"/\" = 3 }\n");
    assert_int_equal(hgnTomlAtPointer(doc, "/a~1b")->as.integer, 1);
    assert_int_equal(hgnTomlAtPointer(doc, "/m~0n")->as.integer, 2);
    assert_int_equal(hgnTomlAtPointer(doc, "/~0/~1")->as.integer, 3);
    assert_null(hgnTomlAtPointer(doc, "/m~2n"));
    assert_null(hgnTomlAtPointer(doc, "/m~"));
    hgnTomlFree(doc);
}

static void testFormatDatetime(void **state) {
    (void)state;
    char buf[48];
    HgnTomlDatetime dt = {.year = 1979,
                          .month = 5,
                          .day = 27,
                          .hour = 7,
                          .minute = 32,
                          .second = 0,
                          .nanosecond = 120000000,
                          .fractionDigits = 3,
                          .offsetMinutes = -90};
    assert_string_equal(hgnTomlFormatDatetime(HGN_TOML_OFFSET_DATETIME, &dt, buf, sizeof buf),
                        "1979-05-27T07:32:00.120-01:30");
    dt.zulu = true;
    assert_string_equal(hgnTomlFormatDatetime(HGN_TOML_OFFSET_DATETIME, &dt, buf, sizeof buf),
                        "1979-05-27T07:32:00.120Z");
    assert_string_equal(hgnTomlFormatDatetime(HGN_TOML_LOCAL_DATETIME, &dt, buf, sizeof buf),
                        "1979-05-27T07:32:00.120");
    assert_string_equal(hgnTomlFormatDatetime(HGN_TOML_LOCAL_DATE, &dt, buf, sizeof buf), "1979-05-27");
    dt.fractionDigits = 0;
    assert_string_equal(hgnTomlFormatDatetime(HGN_TOML_LOCAL_TIME, &dt, buf, sizeof buf), "07:32:00");
    assert_string_equal(hgnTomlFormatDatetime(HGN_TOML_STRING, &dt, buf, sizeof buf), "");
    char tiny[5];
    assert_string_equal(hgnTomlFormatDatetime(HGN_TOML_LOCAL_DATE, &dt, tiny, sizeof tiny), "1979");
}

/* JSON → TOML → JSON gives the same JSON. */
static void roundTrip(const char *jsonText) {
    json_error_t jerr;
    json_t *in = json_loads(jsonText, JSON_ALLOW_NUL, &jerr);
    if (!in) fail_msg("bad test JSON %s: %s", jsonText, jerr.text);
    char *text = NULL;
    HgnStatus st = hgnTomlDumpJson(in, &text);
    if (st) fail_msg("dump %s: %s", jsonText, hgnStatusMessage(st));
    HgnTomlValue *doc = NULL;
    st = hgnTomlParse(text, strlen(text), "dump.toml", &doc);
    if (st) fail_msg("reparse of\n%s\nfailed: %s at %s", text, hgnStatusMessage(st), hgnStatusWhere(st));
    json_t *back = NULL;
    assert_null(hgnTomlToJson(doc, &back));
    if (!json_equal(in, back)) {
        char *b = json_dumps(back, JSON_COMPACT);
        fail_msg("round trip of %s via\n%s\ngave %s", jsonText, text, b);
    }
    json_decref(back);
    hgnTomlFree(doc);
    hgnFree(text);
    json_decref(in);
}

static void testRoundTrip(void **state) {
    (void)state;
    static const char *docs[] = {
        "{}",
        "{\"a\":1,\"b\":-9223372036854775808,\"c\":9223372036854775807}",
        "{\"f\":[0.1,1e300,-0.0,5e-324,1.0,-2.5e-7,123456789012345680000.0,0.30000000000000004]}",
        "{\"s\":\"quote \\\" backslash \\\\ tab \\t nl \\n cr \\r bs \\b ff \\f del \\u007f us \\u001f nul \\u0000\"}",
        "{\"u\":\"\\u00e9\\ud83d\\ude00\",\"date\":\"1979-05-27\",\"dt\":\"1979-05-27T07:32:00Z\",\"inf\":\"inf\"}",
        "{\"\":1,\"a.b\":2,\"c d\":3,\"e\\\"f\":4,\"\\u00e9\":5,\"1\":7,\"-_\":8}",
        "{\"t\":{},\"u\":{\"v\":{}},\"w\":{\"x\":{\"y\":{\"z\":true}}}}",
        "{\"arr\":[],\"nested\":[[],[[1]],[\"a\",{\"b\":[{\"c\":null}]}]]}",
        "{\"aot\":[{\"a\":1},{},{\"b\":{\"c\":[{\"d\":1},{\"d\":2}]},\"e\":[1,2]}]}",
        "{\"mixed\":[{\"a\":1},2],\"top\":{\"aot\":[{\"x\":{}}],\"val\":false}}",
        "{\"k.e.y\":{\"sub key\":[{\"\":{\"\":[]}}]}}",
        "{\"a\":{\"b\":1},\"c\":2}",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        if (strstr(docs[i], "null")) continue; /* see testDumpErrors */
        roundTrip(docs[i]);
    }
    /* a key with a NUL (jansson cannot load one from text) */
    json_t *nul = json_object();
    json_object_setn_new(nul, "g\0h", 3, json_string("v"));
    json_object_setn_new(nul, "t\0", 2, json_pack("{s:i}", "x", 1));
    char *dumped = NULL;
    assert_null(hgnTomlDumpJson(nul, &dumped));
    HgnTomlValue *nulDoc = parseOk(dumped);
    json_t *nulBack = NULL;
    assert_null(hgnTomlToJson(nulDoc, &nulBack));
    char *d1 = json_dumps(nul, JSON_SORT_KEYS), *d2 = json_dumps(nulBack, JSON_SORT_KEYS);
    assert_string_equal(d1, d2); /* json_equal cannot compare keys holding NUL */
    free(d1);
    free(d2);
    json_decref(nulBack);
    json_decref(nul);
    hgnTomlFree(nulDoc);
    hgnFree(dumped);
    /* the whole everything.toml document */
    HgnTomlValue *doc = NULL;
    assert_null(hgnTomlParseFile(DOC_PATH, &doc));
    char *s = toJsonText(doc);
    roundTrip(s);
    free(s);
    hgnTomlFree(doc);
}

static void testDumpShapeAndErrors(void **state) {
    (void)state;
    json_t *in = json_loads("{\"b\":{\"c\":1},\"a\":[{\"x\":1}],\"v\":\"s\"}", 0, NULL);
    char *text = NULL;
    assert_null(hgnTomlDumpJson(in, &text));
    assert_string_equal(text, "v = \"s\"\n\n[b]\nc = 1\n\n[[a]]\nx = 1\n");
    hgnFree(text);
    json_decref(in);

    in = json_loads("{\"a\":{\"b/c\":[1,{\"d\":null}]}}", 0, NULL);
    text = (char *)1;
    HgnStatus st = hgnTomlDumpJson(in, &text);
    assert_null(text);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    assert_string_equal(hgnStatusWhere(st), "/a/b~1c/1/d");
    assert_non_null(strstr(hgnStatusMessage(st), "null"));
    hgnStatusFree(st);
    json_decref(in);

    in = json_loads("[1]", 0, NULL);
    st = hgnTomlDumpJson(in, &text);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    hgnStatusFree(st);
    json_decref(in);
    st = hgnTomlDumpJson(NULL, &text);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    hgnStatusFree(st);
}

/* Builds {"a": X} where X nests `levels` arrays, or `levels` arrays of tables. */
static json_t *nested(int levels, bool tables) {
    json_t *inner = tables ? json_object() : json_array();
    for (int i = 1; i < levels; i++) {
        json_t *outer = tables ? json_pack("[{s:o}]", "a", inner) : json_pack("[o]", inner);
        if (!tables) {
            inner = outer;
            continue;
        }
        inner = json_pack("{s:o}", "a", outer);
    }
    return json_pack("{s:o}", "a", inner);
}

/* The writer refuses exactly what the reader would refuse for depth. */
static void testDumpDepthMatchesParser(void **state) {
    (void)state;
    for (int tables = 0; tables <= 1; tables++) {
        int accepted = 0, refused = 0;
        for (int levels = 20; levels <= 140; levels++) {
            json_t *j = nested(levels, tables);
            char *text = NULL;
            HgnStatus st = hgnTomlDumpJson(j, &text);
            if (st) {
                assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
                assert_non_null(strstr(hgnStatusMessage(st), "nested more than 128"));
                refused++;
            } else {
                HgnTomlValue *doc = NULL;
                HgnStatus pst = hgnTomlParse(text, strlen(text), "deep.toml", &doc);
                if (pst)
                    fail_msg("levels %d tables %d: dump accepted, parse refused: %s", levels, tables,
                             hgnStatusMessage(pst));
                json_t *back = NULL;
                assert_null(hgnTomlToJson(doc, &back));
                assert_true(json_equal(j, back));
                json_decref(back);
                hgnTomlFree(doc);
                accepted++;
            }
            hgnStatusFree(st);
            hgnFree(text);
            json_decref(j);
        }
        if (accepted == 0 || refused == 0) fail_msg("tables %d: accepted %d refused %d", tables, accepted, refused);
    }
    /* 127 nested arrays under a key: depth 128, the last accepted */
    json_t *j = nested(128, false);
    char *text = NULL;
    assert_null(hgnTomlDumpJson(j, &text));
    hgnFree(text);
    json_decref(j);
}

/* Each allocation in turn fails: the result is success or HGN-0012, never a
 * crash or leak (ASan checks leaks). Stops once a run injects no failure. */
static void sweepParse(const char *text, size_t len, bool expectOk) {
    for (uint64_t n = 1;; n++) {
        for (int sticky = 0; sticky <= 1; sticky++) {
            hgnAllocFailAt(n, sticky);
            HgnTomlValue *v = NULL;
            HgnStatus st = hgnTomlParse(text, len, "sweep.toml", &v);
            uint64_t injected = hgnAllocInjectedFailures();
            hgnAllocFailAt(0, 0);
            if (st) {
                assert_null(v);
                if (hgnStatusCode(st) != HGN_CODE_OutOfMemory)
                    assert_true(!expectOk && hgnStatusCode(st) == HGN_CODE_InvalidConfig);
            } else {
                assert_true(expectOk);
            }
            hgnStatusFree(st);
            hgnTomlFree(v);
            if (injected == 0) {
                assert_true(n > 5);
                return;
            }
        }
    }
}

static void testAllocationFailures(void **state) {
    (void)state;
    HgnBuf b;
    hgnBufInit(&b);
    FILE *f = fopen(DOC_PATH, "rb");
    assert_non_null(f);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) hgnBufAppend(&b, chunk, n);
    fclose(f);
    sweepParse(b.data, b.len, true);
    sweepParse("[a]\nb = 1\n[a]\n", 14, false);
    sweepParse("x = {a = [1, {b = 'c'}], d.e = \"\\u00e9\"}\n[[t]]\n[t.u]\n", 53, true);

    HgnTomlValue *doc = NULL;
    assert_null(hgnTomlParse(b.data, b.len, "sweep.toml", &doc));
    json_t *j = NULL;
    assert_null(hgnTomlToJson(doc, &j));
    for (uint64_t k = 1;; k++) {
        hgnAllocFailAt(k, 0);
        char *text = NULL;
        HgnStatus st = hgnTomlDumpJson(j, &text);
        uint64_t injected = hgnAllocInjectedFailures();
        hgnAllocFailAt(0, 0);
        assert_true(st == HGN_OK || hgnStatusCode(st) == HGN_CODE_OutOfMemory);
        assert_true(st == HGN_OK ? text != NULL : text == NULL);
        hgnStatusFree(st);
        hgnFree(text);
        if (!injected) break;
    }
    for (uint64_t k = 1;; k++) {
        hgnAllocFailAt(k, 1);
        HgnTomlValue *v = NULL;
        HgnStatus st = hgnTomlParseFile(DOC_PATH, &v);
        uint64_t injected = hgnAllocInjectedFailures();
        hgnAllocFailAt(0, 0);
        assert_true(st == HGN_OK || hgnStatusCode(st) == HGN_CODE_OutOfMemory);
        hgnStatusFree(st);
        hgnTomlFree(v);
        if (!injected) break;
    }
    json_decref(j);
    hgnTomlFree(doc);
    hgnBufFree(&b);
}

/* Floats read and write with '.' whatever the process locale (when a
 * comma-decimal locale is installed to try it with). */
static void testLocaleIndependence(void **state) {
    (void)state;
    static const char *commaLocales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8"};
    bool switched = false;
    for (size_t i = 0; i < sizeof commaLocales / sizeof commaLocales[0] && !switched; i++)
        switched = setlocale(LC_NUMERIC, commaLocales[i]) != NULL;
    HgnTomlValue *doc = parseOk("v = 1.5\nw = 2.5e-3\n");
    assert_true(at(doc, "v")->as.floating == 1.5);
    json_t *j = NULL;
    assert_null(hgnTomlToJson(doc, &j));
    char *text = NULL;
    assert_null(hgnTomlDumpJson(j, &text));
    assert_string_equal(text, "v = 1.5\nw = 0.0025\n");
    hgnFree(text);
    json_decref(j);
    hgnTomlFree(doc);
    if (switched) setlocale(LC_NUMERIC, "C");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testEveryValueType),
        cmocka_unit_test(testCrlfAndNul),
        cmocka_unit_test(testNumbersAndDates),
        cmocka_unit_test(testTableRules),
        cmocka_unit_test(testErrorLocations),
        cmocka_unit_test(testLimitsAndArguments),
        cmocka_unit_test(testFormatDatetime),
        cmocka_unit_test(testRoundTrip),
        cmocka_unit_test(testDumpShapeAndErrors),
        cmocka_unit_test(testAllocationFailures),
        cmocka_unit_test(testAtPointer),
        cmocka_unit_test(testLocaleIndependence),
        cmocka_unit_test(testDumpDepthMatchesParser),
    };
    return cmocka_run_group_tests_name("toml", tests, NULL, NULL);
}
