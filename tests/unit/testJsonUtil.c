/* testJsonUtil.c — shared JSON document helpers (core/jsonUtil.h): type
 * names, parse errors, per-entry errors and ranged field readers. */
#include "testUtil.h"

#include <jansson.h>

#include "core/jsonUtil.h"

static void testTypeNames(void **state) {
    (void)state;
    json_t *doc = json_loads("[{}, [], \"s\", 1, 1.5, true, false, null]", 0, NULL);
    assert_non_null(doc);
    assert_string_equal(hgnJsonTypeName(json_array_get(doc, 0)), "an object");
    assert_string_equal(hgnJsonTypeName(json_array_get(doc, 1)), "an array");
    assert_string_equal(hgnJsonTypeName(json_array_get(doc, 2)), "a string");
    assert_string_equal(hgnJsonTypeName(json_array_get(doc, 3)), "an integer");
    assert_string_equal(hgnJsonTypeName(json_array_get(doc, 4)), "a real number");
    assert_string_equal(hgnJsonTypeName(json_array_get(doc, 5)), "a boolean");
    assert_string_equal(hgnJsonTypeName(json_array_get(doc, 6)), "a boolean");
    assert_string_equal(hgnJsonTypeName(json_array_get(doc, 7)), "null");
    assert_string_equal(hgnJsonTypeName(NULL), "nothing");
    json_decref(doc);
}

static void testParseDoc(void **state) {
    (void)state;
    json_t *doc = NULL;
    assertOk(hgnJsonParseDoc("{\"a\": 1}", 8, "x.json", &doc));
    assert_true(json_is_object(doc));
    json_decref(doc);
    HgnStatus st = hgnJsonParseDoc("{\"a\": 1,\n \"a\": 2}", 17, "x.json", &doc);
    assert_null(doc);
    assert_memory_equal(hgnStatusWhere(st), "x.json:2:", 9);
    expectError(st, HGN_CODE_InvalidJson, "duplicate", "fix the JSON syntax");
    expectError(hgnJsonParseDoc(NULL, 0, "empty.json", &doc), HGN_CODE_InvalidJson, "empty.json:");
}

static void testEntryErrors(void **state) {
    (void)state;
    HgnJsonEntry e = {"m.json", "models", "model", 3, NULL, NULL};
    HgnStatus st = hgnJsonEntryError(&e, "heads", "a hint", "bad %d", 7);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidConfig);
    assert_string_equal(hgnStatusWhere(st), "m.json:/models/3/heads");
    assert_string_equal(hgnStatusMessage(st), "models[3]: bad 7");
    assert_string_equal(hgnStatusHint(st), "a hint");
    hgnStatusFree(st);
    e.id = "llama";
    st = hgnJsonEntryError(&e, NULL, NULL, "whole entry");
    assert_string_equal(hgnStatusWhere(st), "m.json:/models/3");
    assert_string_equal(hgnStatusMessage(st), "model \"llama\" (models[3]): whole entry");
    assert_null(hgnStatusHint(st));
    hgnStatusFree(st);
}

static void testFieldReaders(void **state) {
    (void)state;
    json_t *o = json_loads("{\"i\": 5, \"neg\": -2, \"s\": \"5\", \"r\": 2.5, \"b\": true, \"big\": 1e300}", 0, NULL);
    assert_non_null(o);
    HgnJsonEntry e = {"d.json", "devices", "device", 0, "gpu", "add it"};
    int64_t i = 0, dflt = 42;
    assertOk(hgnJsonEntryInt(&e, o, "i", NULL, 0, 10, &i));
    assert_int_equal(i, 5);
    assertOk(hgnJsonEntryInt(&e, o, "absent", &dflt, 0, 10, &i));
    assert_int_equal(i, 42);
    HgnStatus st = hgnJsonEntryInt(&e, o, "absent", NULL, 0, 10, &i);
    assert_string_equal(hgnStatusHint(st), "add it");
    expectError(st, HGN_CODE_InvalidConfig, "d.json:/devices/0/absent", "required field \"absent\" is missing");
    expectError(hgnJsonEntryInt(&e, o, "s", NULL, 0, 10, &i), HGN_CODE_InvalidConfig,
                "\"s\" must be an integer, found a string");
    expectError(hgnJsonEntryInt(&e, o, "neg", NULL, 0, 10, &i), HGN_CODE_InvalidConfig,
                "\"neg\" = -2 is outside [0, 10]");
    expectError(hgnJsonEntryInt(&e, o, "i", NULL, 6, 10, &i), HGN_CODE_InvalidConfig, "\"i\" = 5 is outside [6, 10]");

    double d = 0;
    assertOk(hgnJsonEntryNumber(&e, o, "r", 0, 3, &d));
    assert_true(d == 2.5);
    assertOk(hgnJsonEntryNumber(&e, o, "i", 0, 10, &d)); /* integers are numbers */
    assert_true(d == 5.0);
    expectError(hgnJsonEntryNumber(&e, o, "big", 0, 1e18, &d), HGN_CODE_InvalidConfig, "\"big\" = 1e+300 is outside");
    expectError(hgnJsonEntryNumber(&e, o, "b", 0, 1, &d), HGN_CODE_InvalidConfig, "must be a number, found a boolean");
    expectError(hgnJsonEntryNumber(&e, o, "none", 0, 1, &d), HGN_CODE_InvalidConfig, "is missing");

    bool b = false, bd = true;
    assertOk(hgnJsonEntryBool(&e, o, "b", NULL, &b));
    assert_true(b);
    b = false;
    assertOk(hgnJsonEntryBool(&e, o, "absent", &bd, &b));
    assert_true(b);
    expectError(hgnJsonEntryBool(&e, o, "i", NULL, &b), HGN_CODE_InvalidConfig,
                "\"i\" must be true or false, found an integer");
    expectError(hgnJsonEntryBool(&e, o, "absent", NULL, &b), HGN_CODE_InvalidConfig, "device \"gpu\" (devices[0])");
    json_decref(o);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testTypeNames),
        cmocka_unit_test(testParseDoc),
        cmocka_unit_test(testEntryErrors),
        cmocka_unit_test(testFieldReaders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
