/* testJsonSchema.c — JSON Schema validator: messages and pointers of
 * violations, compile errors with schema pointers, $ref/$id resolution,
 * number and string semantics, ECMA-262 regex behaviour, formats, recursion
 * limits, JSON pointers, allocation-failure sweeps and use from two threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/jsonSchema.h"

static json_t *parse(const char *text) {
    json_error_t err;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &err);
    if (!v) fail_msg("bad test JSON %s: %s", text, err.text);
    return v;
}

static HgnSchema *compileOpts(const char *text, const HgnSchemaOptions *opts) {
    json_t *doc = parse(text);
    HgnSchema *s = NULL;
    HgnStatus st = hgnSchemaCompile(doc, "test.schema.json", opts, &s);
    if (st) fail_msg("compile failed: %s", hgnStatusMessage(st));
    json_decref(doc); /* the compiled schema keeps its own reference */
    return s;
}

static HgnSchema *compile(const char *text) { return compileOpts(text, NULL); }

/* Validates and checks validity, where and message (NULLs: not checked). */
static void expectResult(HgnSchema *s, const char *instance, bool valid, const char *where, const char *message) {
    json_t *inst = parse(instance);
    assert_int_equal(hgnSchemaIsValid(s, inst), valid);
    HgnStatus st = hgnSchemaValidate(s, inst);
    if (valid) {
        if (st) fail_msg("%s: unexpected violation: %s", instance, hgnStatusMessage(st));
    } else {
        assert_non_null(st);
        assert_int_equal(hgnStatusCode(st), HGN_CODE_SchemaViolation);
        if (where) assert_string_equal(hgnStatusWhere(st), where);
        if (message) assert_string_equal(hgnStatusMessage(st), message);
    }
    hgnStatusFree(st);
    json_decref(inst);
}

static void expectValid(const char *schema, const char *instance, bool valid) {
    HgnSchema *s = compile(schema);
    json_t *inst = parse(instance);
    if (hgnSchemaIsValid(s, inst) != valid)
        fail_msg("schema %s, instance %s: expected %s", schema, instance, valid ? "valid" : "invalid");
    json_decref(inst);
    hgnSchemaFree(s);
}

static void expectCompileError(const char *schema, const char *where, const char *messagePart) {
    json_t *doc = parse(schema);
    HgnSchema *s = NULL;
    HgnStatus st = hgnSchemaCompile(doc, "test.schema.json", NULL, &s);
    if (!st) fail_msg("schema %s compiled", schema);
    assert_null(s);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidSchema);
    assert_string_equal(hgnStatusWhere(st), where);
    if (!strstr(hgnStatusMessage(st), messagePart))
        fail_msg("message \"%s\" lacks \"%s\"", hgnStatusMessage(st), messagePart);
    hgnStatusFree(st);
    json_decref(doc);
}

/* ---- messages ------------------------------------------------------------------------ */

static void testTypeMessage(void **state) {
    (void)state;
    HgnSchema *s =
        compile("{\"properties\":{\"age\":{\"type\":\"integer\"},\"tag\":{\"type\":[\"string\",\"null\"]}}}");
    expectResult(s, "{\"age\":\"abc\"}", false, "/age", "expected integer, found string \"abc\"");
    expectResult(s, "{\"age\":1.5}", false, "/age", "expected integer, found number 1.5");
    expectResult(s, "{\"age\":2.0}", true, NULL, NULL);
    expectResult(s, "{\"tag\":7}", false, "/tag", "expected string or null, found integer 7");
    expectResult(s, "{\"tag\":{\"a\":1}}", false, "/tag", "expected string or null, found object (1 properties)");
    hgnSchemaFree(s);
}

static void testRequiredAndAdditional(void **state) {
    (void)state;
    HgnSchema *s =
        compile("{\"type\":\"object\",\"required\":[\"name\"],\"properties\":{\"name\":{\"type\":\"string\"}},"
                "\"additionalProperties\":false}");
    expectResult(s, "{}", false, "", "required property \"name\" is missing");
    expectResult(s, "{\"name\":\"x\",\"foo\":1}", false, "", "additional property \"foo\" is not allowed");
    expectResult(s, "{\"name\":\"x\"}", true, NULL, NULL);
    json_t *empty = json_object();
    HgnStatus st = hgnSchemaValidate(s, empty);
    json_decref(empty);
    assert_non_null(hgnStatusHint(st));
    assert_string_equal(hgnStatusHint(st), "the rule is at test.schema.json#/required");
    hgnStatusFree(st);
    hgnSchemaFree(s);
}

static void testPointersAndValidateAll(void **state) {
    (void)state;
    HgnSchema *s = compile("{\"properties\":{\"list\":{\"items\":{\"type\":\"integer\",\"minimum\":0}},"
                           "\"a/b~c\":{\"type\":\"string\"}}}");
    expectResult(s, "{\"list\":[1,2,-3]}", false, "/list/2", "expected a number >= 0, found integer -3");
    expectResult(s, "{\"a/b~c\":1}", false, "/a~1b~0c", NULL);
    json_t *inst = parse("{\"list\":[\"x\",2,-3],\"a/b~c\":false}");
    HgnSchemaViolations v;
    HgnStatus st = hgnSchemaValidateAll(s, inst, &v);
    assert_null(st);
    assert_int_equal(v.count, 3);
    bool seen[3] = {false, false, false};
    for (size_t i = 0; i < v.count; i++) {
        if (strcmp(v.items[i].instancePointer, "/list/0") == 0) {
            assert_string_equal(v.items[i].keyword, "type");
            assert_string_equal(v.items[i].schemaPointer, "/properties/list/items/type");
            seen[0] = true;
        } else if (strcmp(v.items[i].instancePointer, "/list/2") == 0) {
            assert_string_equal(v.items[i].keyword, "minimum");
            seen[1] = true;
        } else if (strcmp(v.items[i].instancePointer, "/a~1b~0c") == 0) {
            assert_string_equal(v.items[i].schemaPointer, "/properties/a~1b~0c/type");
            seen[2] = true;
        }
    }
    assert_true(seen[0] && seen[1] && seen[2]);
    hgnSchemaViolationsFree(&v);
    /* hgnSchemaValidate lists several violations in one message */
    st = hgnSchemaValidate(s, inst);
    assert_non_null(strstr(hgnStatusMessage(st), "; at /"));
    hgnStatusFree(st);
    json_decref(inst);
    hgnSchemaFree(s);
}

static void testKeywordMessages(void **state) {
    (void)state;
    HgnSchema *s =
        compile("{\"properties\":{"
                "\"s\":{\"minLength\":3,\"pattern\":\"^[a-z]+$\"},"
                "\"e\":{\"enum\":[\"red\",\"green\"]},"
                "\"c\":{\"const\":5},"
                "\"m\":{\"multipleOf\":0.5},"
                "\"u\":{\"uniqueItems\":true},"
                "\"x\":{\"exclusiveMaximum\":10},"
                "\"a\":{\"items\":[{\"type\":\"integer\"}],\"additionalItems\":false},"
                "\"d\":{\"dependencies\":{\"a\":[\"b\"]}},"
                "\"o\":{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":0}]},"
                "\"o2\":{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}]},"
                "\"n\":{\"anyOf\":[{\"type\":\"string\"},{\"properties\":{\"k\":{\"type\":\"integer\"}}}]},"
                "\"f\":{\"format\":\"date-time\"},"
                "\"p\":{\"propertyNames\":{\"maxLength\":2}}}}");
    expectResult(s, "{\"s\":\"ab\"}", false, "/s",
                 "expected a string of at least 3 characters (found 2), found string \"ab\"");
    expectResult(s, "{\"s\":\"abC\"}", false, "/s",
                 "expected a string matching pattern \"^[a-z]+$\", found string \"abC\"");
    expectResult(s, "{\"e\":\"blue\"}", false, "/e", "expected one of [\"red\",\"green\"], found string \"blue\"");
    expectResult(s, "{\"c\":5.0}", true, NULL, NULL);
    expectResult(s, "{\"c\":6}", false, "/c", "expected the constant 5, found integer 6");
    expectResult(s, "{\"m\":1.25}", false, "/m", "expected a multiple of 0.5, found number 1.25");
    expectResult(s, "{\"u\":[1,2,1.0]}", false, "/u", "expected unique items, found items 0 and 2 both equal to 1");
    expectResult(s, "{\"x\":10}", false, "/x", "expected a number < 10, found integer 10");
    expectResult(s, "{\"a\":[1,2]}", false, "/a", "expected at most 1 item (additionalItems is false), found 2");
    expectResult(s, "{\"d\":{\"a\":1}}", false, "/d", "property \"a\" requires property \"b\", which is missing");
    expectResult(
        s, "{\"o\":3}", false, "/o",
        "expected a value matching exactly one of the 2 schemas of oneOf, it matches #0 and #1, found integer 3");
    expectResult(
        s, "{\"n\":{\"k\":\"z\"}}", false, "/n",
        "expected a value matching at least one of the 2 schemas of anyOf (closest, #1: /n/k: expected integer, "
        "found string \"z\"), found object (1 properties)");
    expectResult(s, "{\"o2\":[1,\"2\"]}", false, "/o2",
                 "expected a value matching exactly one of the 2 schemas of oneOf, it matches none (closest, #1: "
                 "/o2/1: expected integer, found string \"2\"), found array (2 items)");
    expectResult(s, "{\"f\":\"2024-02-30T00:00:00Z\"}", false, "/f", NULL);
    expectResult(s, "{\"f\":\"2024-02-29T23:59:60Z\"}", true, NULL, NULL);
    expectResult(s, "{\"p\":{\"abc\":1}}", false, "/p/abc", NULL);
    hgnSchemaFree(s);
}

/* ---- semantics -------------------------------------------------------------------------- */

static void testNumbers(void **state) {
    (void)state;
    expectValid("{\"multipleOf\":0.1}", "0.3", true);
    expectValid("{\"multipleOf\":0.1}", "0.35", false);
    expectValid("{\"multipleOf\":0.0001}", "0.0075", true);
    expectValid("{\"multipleOf\":0.01}", "19.99", true);
    expectValid("{\"multipleOf\":3}", "9007199254740993", true); /* 2^53 + 1 = 3 * 3002399751580331 */
    expectValid("{\"multipleOf\":2}", "9007199254740993", false);
    expectValid("{\"multipleOf\":1e-300}", "1e-200", true);
    expectValid("{\"multipleOf\":0.123456789}", "1e308", false);
    expectValid("{\"multipleOf\":2}", "4.0", true);
    expectValid("{\"maximum\":9223372036854775806}", "9223372036854775807", false);
    expectValid("{\"minimum\":1.5}", "1", false);
    expectValid("{\"type\":\"integer\"}", "1e3", true);
    expectValid("{\"enum\":[1,{\"a\":[1.0,true]}]}", "{\"a\":[1,true]}", true);
    expectValid("{\"enum\":[0]}", "false", false);
    expectValid("{\"const\":{\"a\":1,\"b\":2}}", "{\"b\":2.0,\"a\":1}", true);
}

static void testStringsAndUnique(void **state) {
    (void)state;
    expectValid("{\"maxLength\":5}", "\"h\\u00e9llo\"", true); /* 6 bytes, 5 code points */
    expectValid("{\"minLength\":3,\"maxLength\":3}", "\"\\u65e5\\u672c\\u8a9e\"", true);
    expectValid("{\"maxLength\":1}", "\"\\ud83d\\ude00\"", true); /* one astral code point */
    expectValid("{\"minLength\":2}", "\"\\ud83d\\ude00\"", false);
    /* large arrays take the hashing path */
    char big[4096] = "[";
    for (int i = 0; i < 200; i++) snprintf(big + strlen(big), sizeof big - strlen(big), "%s%d", i ? "," : "", i);
    strcat(big, "]");
    expectValid("{\"uniqueItems\":true}", big, true);
    big[strlen(big) - 1] = '\0';
    strcat(big, ",17.0]");
    expectValid("{\"uniqueItems\":true}", big, false);
    expectValid("{\"uniqueItems\":true}", "[{\"a\":1,\"b\":2},{\"b\":2,\"a\":1.0}]", false);
    expectValid("{\"uniqueItems\":true}", "[[1],[true]]", true);
}

static void testRegexIsEcma(void **state) {
    (void)state;
    expectValid("{\"pattern\":\"^\\\\s$\"}", "\"\\u00a0\"", true); /* ECMA \\s includes NBSP */
    expectValid("{\"pattern\":\"^\\\\S$\"}", "\"\\u00a0\"", false);
    expectValid("{\"pattern\":\"^.$\"}", "\"\\n\"", false);
    expectValid("{\"pattern\":\"^.$\"}", "\"\\u00e9\"", true); /* UTF mode: one character */
    expectValid("{\"pattern\":\"^[^]$\"}", "\"\\n\"", true);
    expectValid("{\"pattern\":\"[]\"}", "\"a\"", false);
    expectValid("{\"pattern\":\"^\\\\u00e9$\"}", "\"\\u00e9\"", true);
    expectValid("{\"pattern\":\"^a$\"}", "\"a\\n\"", false); /* $ only at the very end */
    expectValid("{\"pattern\":\"^\\\\p{L}+$\"}", "\"\\u00e9t\\u00e9\"", true);
    expectValid("{\"pattern\":\"^\\\\d+$\"}", "\"\\u0661\"", false); /* \\d is ASCII */
    expectValid("{\"format\":\"regex\"}", "\"^\\\\S(|(.|\\\\n)*\\\\S)\\\\Z\"", false);
    expectValid("{\"patternProperties\":{\"^x-\":{\"type\":\"string\"}},\"additionalProperties\":false}",
                "{\"x-a\":\"1\"}", true);
    expectValid("{\"patternProperties\":{\"^x-\":{\"type\":\"string\"}},\"additionalProperties\":false}",
                "{\"y\":\"1\"}", false);
}

static void testFormats(void **state) {
    (void)state;
    static const struct {
        const char *format, *value;
        bool valid;
    } cases[] = {
        {"date-time", "1985-04-12T23:20:50.52Z", true},
        {"date-time", "1990-12-31T15:59:60-08:00", true},
        {"date-time", "1990-12-31T15:59:60Z", false},
        {"date-time", "2024-01-01 00:00:00Z", false},
        {"date", "2023-02-29", false},
        {"date", "2000-02-29", true},
        {"time", "08:30:06.283185Z", true},
        {"time", "08:30:06", false},
        {"email", "joe.bloggs@example.com", true},
        {"email", "a..b@example.com", false},
        {"hostname", "www.example.com", true},
        {"hostname", "-a.example.com", false},
        {"ipv4", "192.168.0.1", true},
        {"ipv4", "192.168.00.1", false},
        {"ipv4", "256.1.1.1", false},
        {"ipv6", "::1", true},
        {"ipv6", "1:2:3:4:5:6:7:8", true},
        {"ipv6", "1::2::3", false},
        {"ipv6", "::ffff:192.168.0.1", true},
        {"ipv6", "12345::", false},
        {"uri", "http://user@example.com:80/a/b?q=1#f", true},
        {"uri", "//example.com", false},
        {"uri", "http://exa mple.com", false},
        {"uri-reference", "../a?b#c", true},
        {"uri-reference", "a:b:c", true},
        {"uri-reference", "\\\\x", false},
        {"json-pointer", "/a~1b/0", true},
        {"json-pointer", "/a~2", false},
        {"relative-json-pointer", "1/a", true},
        {"relative-json-pointer", "0#", true},
        {"relative-json-pointer", "01", false},
        {"regex", "^(a|b)+$", true},
        {"regex", "(", false},
        {"unknown-format", "anything", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char schema[128], inst[256];
        snprintf(schema, sizeof schema, "{\"format\":\"%s\"}", cases[i].format);
        snprintf(inst, sizeof inst, "\"%s\"", cases[i].value);
        HgnSchema *s = compile(schema);
        json_t *v = parse(inst);
        if (hgnSchemaIsValid(s, v) != cases[i].valid)
            fail_msg("format %s, \"%s\": expected %s", cases[i].format, cases[i].value,
                     cases[i].valid ? "valid" : "invalid");
        json_decref(v);
        hgnSchemaFree(s);
    }
    /* formats off: annotations only */
    HgnSchemaOptions opts = {.validateFormats = false, .resources = NULL};
    HgnSchema *s = compileOpts("{\"format\":\"ipv4\"}", &opts);
    json_t *v = parse("\"not an address\"");
    assert_true(hgnSchemaIsValid(s, v));
    json_decref(v);
    hgnSchemaFree(s);
}

/* ---- references ---------------------------------------------------------------------------- */

static void testRefs(void **state) {
    (void)state;
    /* definitions, escaped and percent-encoded pointers */
    expectValid("{\"definitions\":{\"a b\":{\"type\":\"integer\"},\"c/d\":{\"type\":\"string\"}},"
                "\"properties\":{\"x\":{\"$ref\":\"#/definitions/a%20b\"},\"y\":{\"$ref\":\"#/definitions/c~1d\"}}}",
                "{\"x\":1,\"y\":\"s\"}", true);
    expectValid(
        "{\"definitions\":{\"a b\":{\"type\":\"integer\"}},\"properties\":{\"x\":{\"$ref\":\"#/definitions/a%20b\"}}}",
        "{\"x\":\"1\"}", false);
    /* plain-name anchor and $id base changes */
    expectValid(
        "{\"$id\":\"http://example.com/root.json\",\"definitions\":{\"A\":{\"$id\":\"#foo\",\"type\":\"integer\"},"
        "\"B\":{\"$id\":\"other.json\",\"definitions\":{\"X\":{\"$id\":\"#bar\",\"type\":\"string\"}}}},"
        "\"properties\":{\"a\":{\"$ref\":\"#foo\"},\"b\":{\"$ref\":\"other.json#bar\"},"
        "\"c\":{\"$ref\":\"http://example.com/other.json#/definitions/X\"}}}",
        "{\"a\":1,\"b\":\"x\",\"c\":\"y\"}", true);
    expectValid(
        "{\"$id\":\"http://example.com/root.json\",\"definitions\":{\"A\":{\"$id\":\"#foo\",\"type\":\"integer\"}},"
        "\"properties\":{\"a\":{\"$ref\":\"#foo\"}}}",
        "{\"a\":\"1\"}", false);
    /* recursion through the root */
    const char *tree = "{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"integer\"},"
                       "\"kids\":{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}},\"additionalProperties\":false}";
    expectValid(tree, "{\"v\":1,\"kids\":[{\"v\":2,\"kids\":[{\"v\":3}]}]}", true);
    HgnSchema *s = compile(tree);
    expectResult(s, "{\"v\":1,\"kids\":[{\"v\":2,\"kids\":[{\"v\":\"3\"}]}]}", false, "/kids/0/kids/0/v", NULL);
    hgnSchemaFree(s);
    /* remote documents through resources, and the draft-07 meta-schema */
    json_t *res =
        parse("{\"http://example.com/defs.json\":{\"definitions\":{\"pos\":{\"type\":\"integer\",\"minimum\":1}}}}");
    HgnSchemaOptions opts = {.validateFormats = true, .resources = res};
    s = compileOpts("{\"items\":{\"$ref\":\"http://example.com/defs.json#/definitions/pos\"}}", &opts);
    json_decref(res); /* the schema holds its own reference */
    expectResult(s, "[1,2,0]", false, "/2", "expected a number >= 1, found integer 0");
    hgnSchemaFree(s);
    expectValid("{\"$ref\":\"http://json-schema.org/draft-07/schema#\"}", "{\"type\":\"string\",\"minLength\":2}",
                true);
    expectValid("{\"$ref\":\"http://json-schema.org/draft-07/schema#\"}", "{\"type\":\"strin\"}", false);
    expectValid("{\"$ref\":\"http://json-schema.org/draft-07/schema#\"}", "{\"required\":[\"a\",\"a\"]}", false);
    /* a resource whose own $id differs from the URI it is served at: refs inside resolve against the $id */
    res = parse("{\"http://example.com/served.json\":{\"$id\":\"http://example.com/real/doc.json\","
                "\"items\":{\"$ref\":\"item.json\"}},"
                "\"http://example.com/real/item.json\":{\"type\":\"string\"}}");
    opts.resources = res;
    s = compileOpts("{\"$ref\":\"http://example.com/served.json\"}", &opts);
    json_decref(res);
    expectResult(s, "[\"a\",1]", false, "/1", "expected string, found integer 1");
    hgnSchemaFree(s);
}

static void testRecursionLimit(void **state) {
    (void)state;
    HgnSchema *s = compile("{\"$ref\":\"#\"}");
    expectResult(s, "1", false, "", NULL);
    hgnSchemaFree(s);
    s = compile("{\"definitions\":{\"a\":{\"allOf\":[{\"$ref\":\"#/definitions/b\"}]},"
                "\"b\":{\"anyOf\":[{\"$ref\":\"#/definitions/a\"}]}},\"$ref\":\"#/definitions/a\"}");
    expectResult(s, "{}", false, "", NULL);
    hgnSchemaFree(s);
    /* an instance nested deeper than the evaluation limit: a violation, not a stack overflow */
    s = compile("{\"items\":{\"$ref\":\"#\"}}");
    json_t *deep = json_array();
    for (int i = 0; i < 6000; i++) {
        json_t *outer = json_array();
        json_array_append_new(outer, deep);
        deep = outer;
    }
    assert_false(hgnSchemaIsValid(s, deep));
    HgnStatus st = hgnSchemaValidate(s, deep);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_SchemaViolation);
    assert_non_null(strstr(hgnStatusMessage(st), "nested deeper"));
    hgnStatusFree(st);
    json_decref(deep);
    hgnSchemaFree(s);
    /* exponential work (each level evaluates the next twice): bounded by maxEvaluations */
    char expo[4096] = "{\"definitions\":{";
    for (int i = 0; i < 24; i++)
        snprintf(
            expo + strlen(expo), sizeof expo - strlen(expo),
            "%s\"d%d\":{\"anyOf\":[{\"$ref\":\"#/definitions/d%d\",\"minimum\":1},{\"$ref\":\"#/definitions/d%d\"}]}",
            i ? "," : "", i, i + 1, i + 1);
    strcat(expo, ",\"d24\":{\"type\":\"string\"}},\"$ref\":\"#/definitions/d0\"}");
    HgnSchemaOptions opts = {.validateFormats = true, .resources = NULL, .maxEvaluations = 100000};
    s = compileOpts(expo, &opts);
    json_t *num = json_integer(5);
    assert_false(hgnSchemaIsValid(s, num));
    st = hgnSchemaValidate(s, num);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_SchemaViolation);
    assert_non_null(strstr(hgnStatusMessage(st), "gave up after 100000 subschema evaluations"));
    hgnStatusFree(st);
    json_decref(num);
    hgnSchemaFree(s);
    /* a schema nested deeper than the compile limit */
    json_t *schema = json_true();
    for (int i = 0; i < 3000; i++) schema = json_pack("{s:o}", "not", schema);
    HgnSchema *c = NULL;
    st = hgnSchemaCompile(schema, "deep", NULL, &c);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidSchema);
    hgnStatusFree(st);
    json_decref(schema);
}

/* $ref / $id cases from later releases of the JSON-Schema-Test-Suite (draft 7), written out here. */
static void testLaterSuiteRefCases(void **state) {
    (void)state;
    static const struct {
        const char *schema, *instance;
        bool valid;
    } cases[] = {
        /* $id inside an enum or const is not an identifier */
        {"{\"definitions\":{\"e\":{\"enum\":[{\"$id\":\"https://localhost:1234/my.json\",\"type\":\"null\"}]},"
         "\"real\":{\"$id\":\"https://localhost:1234/my.json\",\"type\":\"string\"}},"
         "\"anyOf\":[{\"$ref\":\"#/definitions/e\"},{\"$ref\":\"https://localhost:1234/my.json\"}]}",
         "\"a string\"", true},
        {"{\"definitions\":{\"e\":{\"enum\":[{\"$id\":\"https://localhost:1234/my.json\",\"type\":\"null\"}]},"
         "\"real\":{\"$id\":\"https://localhost:1234/my.json\",\"type\":\"string\"}},"
         "\"anyOf\":[{\"$ref\":\"#/definitions/e\"},{\"$ref\":\"https://localhost:1234/my.json\"}]}",
         "1", false},
        /* $ref prevents a sibling $id from changing the base URI */
        {"{\"$id\":\"http://localhost:1234/sibling_id/base/\",\"definitions\":{\"foo\":{\"$id\":"
         "\"http://localhost:1234/sibling_id/foo.json\",\"type\":\"string\"},\"base_foo\":{\"$id\":\"foo.json\","
         "\"type\":\"number\"}},\"allOf\":[{\"$id\":\"http://localhost:1234/sibling_id/\",\"$ref\":\"foo.json\"}]}",
         "\"a\"", false},
        {"{\"$id\":\"http://localhost:1234/sibling_id/base/\",\"definitions\":{\"foo\":{\"$id\":"
         "\"http://localhost:1234/sibling_id/foo.json\",\"type\":\"string\"},\"base_foo\":{\"$id\":\"foo.json\","
         "\"type\":\"number\"}},\"allOf\":[{\"$id\":\"http://localhost:1234/sibling_id/\",\"$ref\":\"foo.json\"}]}",
         "1", true},
        /* refs with relative URIs and definitions */
        {"{\"$id\":\"http://example.com/d1.json\",\"properties\":{\"foo\":{\"$id\":\"d2.json\",\"definitions\":"
         "{\"inner\":{\"properties\":{\"bar\":{\"type\":\"string\"}}}},\"allOf\":[{\"$ref\":\"#/definitions/"
         "inner\"}]}},"
         "\"allOf\":[{\"$ref\":\"d2.json\"}]}",
         "{\"foo\":{\"bar\":\"a\"},\"bar\":1}", false},
        {"{\"$id\":\"http://example.com/d1.json\",\"properties\":{\"foo\":{\"$id\":\"d2.json\",\"definitions\":"
         "{\"inner\":{\"properties\":{\"bar\":{\"type\":\"string\"}}}},\"allOf\":[{\"$ref\":\"#/definitions/"
         "inner\"}]}},"
         "\"allOf\":[{\"$ref\":\"d2.json\"}]}",
         "{\"foo\":{\"bar\":\"a\"},\"bar\":\"a\"}", true},
        /* location-independent identifier with a base change */
        {"{\"$id\":\"http://localhost:1234/root\",\"allOf\":[{\"$ref\":\"http://localhost:1234/nested.json#foo\"}],"
         "\"definitions\":{\"A\":{\"$id\":\"nested.json\",\"definitions\":{\"B\":{\"$id\":\"#foo\",\"type\":"
         "\"integer\"}}}}}",
         "\"a\"", false},
        /* the $ref inside an enum is data */
        {"{\"definitions\":{\"s\":{\"type\":\"string\"}},\"enum\":[{\"$ref\":\"#/definitions/s\"}]}", "\"x\"", false},
        {"{\"definitions\":{\"s\":{\"type\":\"string\"}},\"enum\":[{\"$ref\":\"#/definitions/s\"}]}",
         "{\"$ref\":\"#/definitions/s\"}", true},
        /* quotes and empty tokens in pointers */
        {"{\"properties\":{\"foo\\\"bar\":{\"$ref\":\"#/definitions/foo%22bar\"}},\"definitions\":{\"foo\\\"bar\":"
         "{\"type\":\"number\"}}}",
         "{\"foo\\\"bar\":\"1\"}", false},
        {"{\"definitions\":{\"\":{\"definitions\":{\"\":{\"type\":\"number\"}}}},\"allOf\":[{\"$ref\":"
         "\"#/definitions//definitions/\"}]}",
         "\"a\"", false},
        /* absolute-path references, file and URN bases */
        {"{\"$id\":\"http://example.com/ref/absref.json\",\"definitions\":{\"a\":{\"$id\":"
         "\"http://example.com/ref/absref/foobar.json\",\"type\":\"number\"},\"b\":{\"$id\":"
         "\"http://example.com/absref/foobar.json\",\"type\":\"string\"}},\"allOf\":[{\"$ref\":\"/absref/"
         "foobar.json\"}]}",
         "12", false},
        {"{\"$id\":\"file:///folder/file.json\",\"definitions\":{\"foo\":{\"type\":\"number\"}},\"allOf\":[{\"$ref\":"
         "\"#/definitions/foo\"}]}",
         "\"a\"", false},
        {"{\"$id\":\"urn:uuid:deadbeef-1234-ffff-ffff-4321feebdaed\",\"minimum\":30,\"properties\":{\"foo\":{\"$ref\":"
         "\"#\"}}}",
         "{\"foo\":12}", false},
        {"{\"$id\":\"urn:uuid:deadbeef-1234-ffff-ffff-4321feebdaed\",\"minimum\":30,\"properties\":{\"foo\":{\"$ref\":"
         "\"#\"}}}",
         "{\"foo\":{\"foo\":47}}", true},
        /* float overflow with multipleOf on an integer */
        {"{\"type\":\"integer\",\"multipleOf\":0.5}", "1e308", true},
        /* unicode patterns */
        {"{\"pattern\":\"^\\ud83d\\udc32*$\"}", "\"\\ud83d\\udc32\\ud83d\\udc32\"", true},
        {"{\"patternProperties\":{\"\\\\p{L}\":{\"type\":\"integer\"}}}", "{\"\\u00e9\":\"x\"}", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expectValid(cases[i].schema, cases[i].instance, cases[i].valid);
    /* \a is not an ECMA-262 escape */
    expectValid("{\"format\":\"regex\"}", "\"\\\\a\"", false);
    expectValid("{\"format\":\"regex\"}", "\"(?i)abc\"", false);
    expectValid("{\"format\":\"regex\"}", "\"a++\"", false);
    expectValid("{\"format\":\"regex\"}", "\"a{2}+\"", false);
    expectValid("{\"format\":\"regex\"}", "\"(?<year>[0-9]{4})-(?:x|y)(?=z)(?!w)(?<=q)\\\\+a+?\"", true);
    expectValid("{\"pattern\":\"^a\\\\+$\"}", "\"a+\"", true);
}

/* ---- compile errors ------------------------------------------------------------------------- */

static void testCompileErrors(void **state) {
    (void)state;
    expectCompileError("{\"type\":\"strin\"}", "test.schema.json#/type", "\"type\" must be one of");
    expectCompileError("{\"type\":[\"string\",5]}", "test.schema.json#/type/1", "expected one of");
    expectCompileError("{\"properties\":{\"a\":{\"minLength\":-1}}}", "test.schema.json#/properties/a/minLength",
                       "non-negative integer");
    expectCompileError("{\"properties\":{\"a\":{\"pattern\":\"(\"}}}", "test.schema.json#/properties/a/pattern",
                       "not a valid ECMA-262 regular expression");
    expectCompileError("{\"pattern\":\"a\\\\Z\"}", "test.schema.json#/pattern", "\\Z is not an ECMA-262 escape");
    expectCompileError("{\"properties\":{\"a\":{\"$ref\":\"#/definitions/missing\"}}}",
                       "test.schema.json#/properties/a/$ref", "does not exist");
    expectCompileError("{\"$ref\":\"http://nowhere.example/x.json\"}", "test.schema.json#/$ref", "no known schema");
    expectCompileError("{\"items\":[1]}", "test.schema.json#/items/0", "must be an object or a boolean");
    expectCompileError("{\"allOf\":[]}", "test.schema.json#/allOf", "non-empty array");
    expectCompileError("{\"required\":[\"a\",1]}", "test.schema.json#/required/1", "property name");
    expectCompileError("{\"multipleOf\":0}", "test.schema.json#/multipleOf", "greater than 0");
    expectCompileError("{\"definitions\":{\"x\":{\"dependencies\":{\"a\":3}}}}",
                       "test.schema.json#/definitions/x/dependencies/a", "must be an object or a boolean");
    expectCompileError("42", "test.schema.json#", "must be an object or a boolean");
    HgnSchema *s = NULL;
    /* misuse is reported, not crashed on */
    HgnStatus st = hgnSchemaCompile(NULL, "x", NULL, &s);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidSchema);
    hgnStatusFree(st);
    json_t *doc = parse("{}"), *arr = parse("[]");
    HgnSchemaOptions opts = {.validateFormats = true, .resources = arr};
    st = hgnSchemaCompile(doc, "x", &opts, &s);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    assert_null(s);
    hgnStatusFree(st);
    assert_null(hgnSchemaCompile(doc, "x", NULL, &s));
    assert_false(hgnSchemaIsValid(s, NULL));
    st = hgnSchemaValidate(NULL, doc);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    hgnStatusFree(st);
    HgnSchemaViolations v;
    st = hgnSchemaValidateAll(s, NULL, &v);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    assert_int_equal(v.count, 0);
    hgnStatusFree(st);
    hgnSchemaFree(s);
    hgnSchemaFree(NULL);
    hgnSchemaViolationsFree(NULL);
    json_decref(doc);
    json_decref(arr);
    s = NULL;
    st = hgnSchemaCompileEmbedded("schemas/doesNotExist.schema.json", &s);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_NotFound);
    assert_null(s);
    hgnStatusFree(st);
}

static void testJsonPointerGet(void **state) {
    (void)state;
    json_t *doc = parse("{\"a\":{\"b/c\":[10,{\"~\":true}]},\"\":1}");
    assert_ptr_equal(hgnJsonPointerGet(doc, ""), doc);
    assert_int_equal(json_integer_value(hgnJsonPointerGet(doc, "/a/b~1c/0")), 10);
    assert_true(json_is_true(hgnJsonPointerGet(doc, "/a/b~1c/1/~0")));
    assert_int_equal(json_integer_value(hgnJsonPointerGet(doc, "/")), 1);
    assert_null(hgnJsonPointerGet(doc, "/a/b~1c/01"));
    assert_null(hgnJsonPointerGet(doc, "/a/b~1c/-"));
    assert_null(hgnJsonPointerGet(doc, "/a/b~2c"));
    assert_null(hgnJsonPointerGet(doc, "a"));
    assert_null(hgnJsonPointerGet(doc, "/a/x"));
    json_decref(doc);
    char buf[16];
    assert_int_equal(hgnJsonPointerEscape("a/b~c", buf, sizeof buf), 8);
    assert_string_equal(buf, "/a~1b~0c");
    assert_int_equal(hgnJsonPointerEscape("a/b~c", buf, 4), 8);
    assert_string_equal(buf, "/a~");
    assert_int_equal(hgnJsonPointerEscape("", buf, sizeof buf), 1);
    assert_string_equal(buf, "/");
}

/* ---- robustness ----------------------------------------------------------------------------- */

static const char *sweepSchema =
    "{\"$id\":\"http://example.com/s.json\",\"type\":\"object\",\"required\":[\"id\",\"items\"],"
    "\"properties\":{\"id\":{\"type\":\"string\",\"pattern\":\"^[a-z]+-[0-9]+$\"},"
    "\"items\":{\"type\":\"array\",\"uniqueItems\":true,\"items\":{\"$ref\":\"#/definitions/item\"}},"
    "\"when\":{\"format\":\"date-time\"},\"meta\":{\"$ref\":\"http://example.com/r.json#/definitions/m\"},"
    "\"pick\":{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"string\",\"maxLength\":3}]}},"
    "\"patternProperties\":{\"^x-\":{}},\"additionalProperties\":false,"
    "\"definitions\":{\"item\":{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"},"
    "\"kids\":{\"items\":{\"$ref\":\"#/definitions/item\"}}},\"propertyNames\":{\"pattern\":\"^[a-z]+$\"}}}}";
static const char *sweepResources = "{\"http://example.com/r.json\":{\"definitions\":{\"m\":{\"minProperties\":1}}}}";
static const char *sweepInstance =
    "{\"id\":\"Bad\",\"items\":[{\"n\":1},{\"n\":1},{\"n\":\"x\",\"kids\":[{\"N\":2}]}],\"when\":\"yesterday\","
    "\"meta\":{},\"pick\":\"long\",\"x-ok\":1,\"zzz\":2}";

static void testAllocationFailureSweep(void **state) {
    (void)state;
    json_t *schemaDoc = parse(sweepSchema), *res = parse(sweepResources), *inst = parse(sweepInstance);
    HgnSchemaOptions opts = {.validateFormats = true, .resources = res};
    /* baseline */
    HgnSchema *s = NULL;
    assert_null(hgnSchemaCompile(schemaDoc, "sweep", &opts, &s));
    HgnSchemaViolations base;
    assert_null(hgnSchemaValidateAll(s, inst, &base));
    assert_true(base.count >= 7);
    hgnSchemaFree(s);
    int sticky = 0;
    for (int pass = 0; pass < 2; pass++, sticky = 1) {
        for (uint64_t n = 1;; n++) {
            hgnAllocFailAt(n, sticky);
            HgnSchema *c = NULL;
            HgnStatus st = hgnSchemaCompile(schemaDoc, "sweep", &opts, &c);
            HgnSchemaViolations v = {NULL, 0};
            HgnStatus vs = HGN_OK, one = HGN_OK;
            bool valid = true;
            if (!st) {
                vs = hgnSchemaValidateAll(c, inst, &v);
                one = hgnSchemaValidate(c, inst);
                valid = hgnSchemaIsValid(c, inst);
            }
            uint64_t injected = hgnAllocInjectedFailures();
            hgnAllocFailAt(0, 0);
            if (st) {
                if (hgnStatusCode(st) != HGN_CODE_OutOfMemory)
                    fail_msg("allocation %d (sticky %d): %s", (int)n, sticky, hgnStatusMessage(st));
                assert_null(c);
            } else {
                assert_false(valid); /* never "valid" because memory ran out */
                if (vs)
                    assert_int_equal(hgnStatusCode(vs), HGN_CODE_OutOfMemory);
                else
                    assert_int_equal(v.count, base.count);
                assert_non_null(one);
                assert_true(hgnStatusCode(one) == HGN_CODE_SchemaViolation ||
                            hgnStatusCode(one) == HGN_CODE_OutOfMemory);
            }
            hgnStatusFree(st);
            hgnStatusFree(vs);
            hgnStatusFree(one);
            hgnSchemaViolationsFree(&v);
            hgnSchemaFree(c);
            if (injected == 0) break; /* every allocation site has been failed once */
            assert_true(n < 100000);
        }
    }
    hgnSchemaViolationsFree(&base);
    json_decref(schemaDoc);
    json_decref(res);
    json_decref(inst);
}

typedef struct ThreadArg {
    const HgnSchema *schema;
    const json_t *good, *bad;
    int mismatches;
} ThreadArg;

static void *validateLoop(void *p) {
    ThreadArg *a = p;
    for (int i = 0; i < 2000; i++) {
        if (!hgnSchemaIsValid(a->schema, a->good)) a->mismatches++;
        if (hgnSchemaIsValid(a->schema, a->bad)) a->mismatches++;
        if (i % 50 == 0) {
            HgnStatus st = hgnSchemaValidate(a->schema, a->bad);
            if (!st || strcmp(hgnStatusWhere(st), "/id") != 0) a->mismatches++;
            hgnStatusFree(st);
        }
    }
    return NULL;
}

static void testTwoThreads(void **state) {
    (void)state;
    json_t *res = parse(sweepResources);
    HgnSchemaOptions opts = {.validateFormats = true, .resources = res};
    json_t *doc = parse(sweepSchema);
    HgnSchema *s = NULL;
    assert_null(hgnSchemaCompile(doc, "threads", &opts, &s));
    json_t *good = parse("{\"id\":\"abc-12\",\"items\":[{\"n\":1,\"kids\":[{\"n\":2}]},{\"n\":3}],"
                         "\"when\":\"2024-01-01T00:00:00Z\",\"meta\":{\"a\":1},\"pick\":\"abc\",\"x-y\":null}");
    json_t *bad = parse("{\"id\":\"ABC\",\"items\":[]}");
    ThreadArg a = {s, good, bad, 0}, b = {s, good, bad, 0};
    pthread_t t1, t2;
    assert_int_equal(pthread_create(&t1, NULL, validateLoop, &a), 0);
    assert_int_equal(pthread_create(&t2, NULL, validateLoop, &b), 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    assert_int_equal(a.mismatches, 0);
    assert_int_equal(b.mismatches, 0);
    json_decref(good);
    json_decref(bad);
    json_decref(doc);
    json_decref(res);
    hgnSchemaFree(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testTypeMessage),
        cmocka_unit_test(testRequiredAndAdditional),
        cmocka_unit_test(testPointersAndValidateAll),
        cmocka_unit_test(testKeywordMessages),
        cmocka_unit_test(testNumbers),
        cmocka_unit_test(testStringsAndUnique),
        cmocka_unit_test(testRegexIsEcma),
        cmocka_unit_test(testFormats),
        cmocka_unit_test(testRefs),
        cmocka_unit_test(testLaterSuiteRefCases),
        cmocka_unit_test(testRecursionLimit),
        cmocka_unit_test(testCompileErrors),
        cmocka_unit_test(testJsonPointerGet),
        cmocka_unit_test(testAllocationFailureSweep),
        cmocka_unit_test(testTwoThreads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
