/* testStatus.c — HgnStatus objects, the code table and allocation-failure behaviour. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "huginn/status.h"

static void testNewCarriesFields(void **state) {
    (void)state;
    HgnStatus st =
        hgnStatusNew(HGN_CODE_InvalidConfig, "a.toml:3:7", "quote the value", "expected %s, found %d", "string", 42);
    assert_non_null(st);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidConfig);
    assert_string_equal(hgnStatusMessage(st), "expected string, found 42");
    assert_string_equal(hgnStatusWhere(st), "a.toml:3:7");
    assert_string_equal(hgnStatusHint(st), "quote the value");
    char *s = hgnStatusToString(st);
    assert_string_equal(s, "HGN-0001 InvalidConfig at a.toml:3:7: expected string, found 42\n  hint: quote the value");
    hgnFree(s);
    hgnStatusFree(st);
}

static void testJsonRendering(void **state) {
    (void)state;
    HgnStatus cause = hgnStatusNew(HGN_CODE_IoError, "/x", NULL, "no \"such\" file");
    HgnStatus st = hgnStatusWrap(cause, HGN_CODE_InvalidConfig, NULL, NULL, "cannot load");
    char *js = hgnStatusToJson(st);
    json_error_t err;
    json_t *doc = json_loads(js, 0, &err);
    assert_non_null(doc);
    json_t *e = json_object_get(doc, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "HGN-0001");
    assert_string_equal(json_string_value(json_object_get(e, "name")), "InvalidConfig");
    assert_true(json_is_null(json_object_get(e, "where")));
    json_t *c = json_object_get(e, "cause");
    assert_string_equal(json_string_value(json_object_get(c, "code")), "HGN-0011");
    assert_string_equal(json_string_value(json_object_get(c, "message")), "no \"such\" file");
    json_decref(doc);
    hgnFree(js);
    hgnStatusFree(st);
}

static void testCodeTable(void **state) {
    (void)state;
    char buf[9];
    assert_string_equal(hgnCodeFormat(HGN_CODE_PermissionDenied, buf), "HGN-0008");
    assert_string_equal(hgnCodeName(HGN_CODE_OverBudget), "OverBudget");
    assert_int_equal(hgnCodeExitStatus(HGN_CODE_UsageError), 2);
    assert_string_equal(hgnCodeName((HgnCode)9999), "Unknown");
    /* every row has a distinct number, a name and a description */
    HgnCode a, b;
    int n = 0;
    for (int i = 0; hgnCodeAt(i, &a); i++, n++) {
        assert_true(strlen(hgnCodeDescription(a)) > 5);
        for (int j = i + 1; hgnCodeAt(j, &b); j++) assert_int_not_equal(a, b);
    }
    assert_true(n >= 8);
}

static void testOomGivesStaticError(void **state) {
    (void)state;
    hgnAllocFailAt(1, 1);
    HgnStatus st = hgnStatusNew(HGN_CODE_IoError, "x", NULL, "y");
    hgnAllocFailAt(0, 0);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_OutOfMemory);
    hgnStatusFree(st); /* static: must not crash */
    assert_int_equal(hgnStatusCode(HGN_OK), HGN_CODE_OK);
}

static void testPrefixWhere(void **state) {
    (void)state;
    HgnStatus st = hgnStatusNew(HGN_CODE_InvalidConfig, "3:7", NULL, "bad");
    hgnStatusPrefixWhere(st, "cfg.toml");
    assert_string_equal(hgnStatusWhere(st), "cfg.toml:3:7");
    hgnStatusFree(st);
    st = hgnStatusNew(HGN_CODE_InvalidConfig, NULL, NULL, "bad");
    hgnStatusPrefixWhere(st, "cfg.toml");
    assert_string_equal(hgnStatusWhere(st), "cfg.toml");
    hgnStatusFree(st);
}

static void testBufGrowthAndFailure(void **state) {
    (void)state;
    HgnBuf b;
    hgnBufInit(&b);
    for (int i = 0; i < 1000; i++) assert_true(hgnBufAppendf(&b, "%d,", i));
    assert_int_equal(b.len, strlen(b.data));
    hgnBufClear(&b);
    assert_true(hgnBufAppendJsonString(&b, "a\"\n\x01", 4));
    assert_string_equal(hgnBufStr(&b), "\"a\\\"\\n\\u0001\"");
    hgnBufFree(&b);
    hgnAllocFailAt(1, 1);
    assert_false(hgnBufAppendStr(&b, "x"));
    assert_false(hgnBufOk(&b));
    hgnAllocFailAt(0, 0);
    assert_null(hgnBufDetach(&b));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testNewCarriesFields), cmocka_unit_test(testJsonRendering),
        cmocka_unit_test(testCodeTable),        cmocka_unit_test(testOomGivesStaticError),
        cmocka_unit_test(testPrefixWhere),      cmocka_unit_test(testBufGrowthAndFailure),
    };
    return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
