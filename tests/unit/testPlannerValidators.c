/* testPlannerValidators.c — each validator violation on a real plan (the
 * golden Llama-3.1-70B plan: 2 GPUs, the host, spill to disk) gives its HGN
 * code and JSON pointer; the reader prefixes the file name; malformed JSON
 * gives line:col. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/plan.h"

static json_t *golden(void) {
    char path[1024];
    snprintf(path, sizeof path, "%s/plans/llama-3.1-70b.2x24g-64g-nvme.json", HGN_TEST_DATA);
    json_error_t e;
    json_t *doc = json_load_file(path, 0, &e);
    assert_non_null(doc);
    return doc;
}

static void expect(json_t *doc, HgnCode code, const char *where, const char *inMessage) {
    HgnStatus st = hgnPlanValidate(doc);
    if (!st) print_error("no violation found (expected %s)\n", where);
    assert_non_null(st);
    if (strcmp(hgnStatusWhere(st), where) != 0 || hgnStatusCode(st) != code)
        print_error("got %d at %s: %s\n", (int)hgnStatusCode(st), hgnStatusWhere(st), hgnStatusMessage(st));
    assert_int_equal(hgnStatusCode(st), code);
    assert_string_equal(hgnStatusWhere(st), where);
    if (inMessage) {
        if (!strstr(hgnStatusMessage(st), inMessage)) print_error("message: %s\n", hgnStatusMessage(st));
        assert_non_null(strstr(hgnStatusMessage(st), inMessage));
    }
    hgnStatusFree(st);
    json_decref(doc);
}

static json_t *at(json_t *doc, const char *arr, size_t i) { return json_array_get(json_object_get(doc, arr), i); }
static json_t *ledger(json_t *doc, size_t d) { return json_object_get(at(doc, "devices", d), "ledger"); }
static void bump(json_t *o, const char *k, json_int_t by) {
    json_object_set_new(o, k, json_integer(json_integer_value(json_object_get(o, k)) + by));
}

static void testGoldenIsValid(void **state) {
    (void)state;
    json_t *doc = golden();
    HgnStatus st = hgnPlanValidate(doc);
    assert_null(st);
    json_decref(doc);
}

static void testReferences(void **state) {
    (void)state;
    json_t *doc = golden();
    json_object_set_new(at(doc, "nodes", 17), "device", json_string("gpu:9"));
    expect(doc, HGN_CODE_PlanSchemaViolation, "/nodes/17/device",
           "\"gpu:9\" is not a device of this plan (devices: gpu:0, gpu:1, cpu:0)");

    doc = golden();
    json_object_set_new(at(doc, "edges", 3), "to", json_string("blk.999"));
    expect(doc, HGN_CODE_PlanSchemaViolation, "/edges/3/to", "blk.999");

    doc = golden();
    json_object_set_new(at(doc, "transfers", 0), "from", json_string("gpu:7"));
    expect(doc, HGN_CODE_PlanSchemaViolation, "/transfers/0/from", "gpu:7");

    doc = golden();
    json_object_set_new(at(doc, "fallbacks", 1), "lostDevice", json_string("gpu:5"));
    expect(doc, HGN_CODE_PlanSchemaViolation, "/fallbacks/1/lostDevice", "gpu:5");

    doc = golden();
    json_object_set_new(at(doc, "nodes", 5), "id", json_string("blk.0"));
    expect(doc, HGN_CODE_PlanSchemaViolation, "/nodes/5/id", "two nodes");

    doc = golden();
    json_object_del(json_object_get(json_object_get(doc, "assertions"), "peakBytes"), "gpu:1");
    expect(doc, HGN_CODE_PlanSchemaViolation, "/assertions/peakBytes", "gpu:1");
}

static void testAcyclic(void **state) {
    (void)state;
    json_t *doc = golden();
    json_array_append_new(json_object_get(doc, "edges"),
                          json_pack("{s:s, s:s, s:i}", "from", "output", "to", "blk.40", "bytes", 4));
    HgnStatus st = hgnPlanValidate(doc);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_PlanSchemaViolation);
    assert_non_null(strstr(hgnStatusMessage(st), "cycle"));
    assert_int_equal(strncmp(hgnStatusWhere(st), "/edges/", 7), 0);
    hgnStatusFree(st);
    json_decref(doc);
}

static void testBudgets(void **state) {
    (void)state;
    json_t *doc = golden();
    bump(ledger(doc, 0), "weightsBytes", 8ll << 30);
    expect(doc, HGN_CODE_OverBudget, "/devices/0/ledger", "but its window is");

    doc = golden();
    bump(ledger(doc, 1), "freeBytes", 1);
    expect(doc, HGN_CODE_PlanSchemaViolation, "/devices/1/ledger/freeBytes", NULL);

    doc = golden();
    json_object_set_new(json_object_get(doc, "budgets"), "diskBytes", json_integer(0));
    expect(doc, HGN_CODE_OverBudget, "/budgets/spilledBytes", "spill to disk");

    doc = golden();
    bump(at(doc, "nodes", 2), "bytes", 1);
    expect(doc, HGN_CODE_PlanSchemaViolation, "/devices/0/ledger/weightsBytes", "its nodes hold");

    doc = golden();
    bump(at(doc, "nodes", 2), "kvBytes", 1);
    expect(doc, HGN_CODE_PlanSchemaViolation, "/devices/0/ledger/kvCacheBytes", NULL);

    doc = golden();
    bump(ledger(doc, 0), "spilledBytes", 1);
    expect(doc, HGN_CODE_PlanSchemaViolation, "/devices/0/ledger/spilledBytes", "cannot spill");

    doc = golden();
    bump(json_object_get(doc, "budgets"), "hostMemoryBytes", 1);
    expect(doc, HGN_CODE_PlanSchemaViolation, "/budgets/hostMemoryBytes", NULL);
}

static void testAssertions(void **state) {
    (void)state;
    json_t *doc = golden();
    bump(json_object_get(json_object_get(doc, "assertions"), "peakBytes"), "gpu:0", 1);
    expect(doc, HGN_CODE_PlanSchemaViolation, "/assertions/peakBytes/gpu:0", "disagrees with the ledger");

    doc = golden();
    json_t *a = json_object_get(doc, "assertions");
    json_object_set_new(a, "decodeTokensPerSecond",
                        json_real(json_real_value(json_object_get(a, "decodeTokensPerSecond")) * 2));
    expect(doc, HGN_CODE_PlanSchemaViolation, "/assertions/decodeTokensPerSecond", NULL);

    doc = golden();
    json_object_set_new(json_object_get(doc, "assertions"), "fits", json_false());
    expect(doc, HGN_CODE_OverBudget, "/assertions/fits", NULL);
}

static void testSchema(void **state) {
    (void)state;
    json_t *doc = golden();
    json_object_del(json_object_get(doc, "header"), "seed");
    expect(doc, HGN_CODE_PlanSchemaViolation, "/header", "seed");

    doc = golden();
    json_object_set_new(at(doc, "nodes", 4), "bytes", json_string("lots"));
    expect(doc, HGN_CODE_PlanSchemaViolation, "/nodes/4/bytes", NULL);

    doc = golden();
    json_object_set_new(json_object_get(doc, "header"), "planVersion", json_integer(2));
    expect(doc, HGN_CODE_PlanSchemaViolation, "/header/planVersion", NULL);
}

static void testReader(void **state) {
    (void)state;
    json_t *doc = golden();
    json_object_set_new(at(doc, "nodes", 17), "device", json_string("gpu:9"));
    char *text = json_dumps(doc, 0);
    json_decref(doc);
    HgnPlan *plan = NULL;
    HgnStatus st = hgnPlanReadJson(text, strlen(text), "plan.json", &plan);
    free(text);
    assert_null(plan);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_PlanSchemaViolation);
    assert_string_equal(hgnStatusWhere(st), "plan.json:/nodes/17/device");
    hgnStatusFree(st);

    st = hgnPlanReadJson("{\n  \"header\": ", 14, "plan.json", &plan);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidJson);
    assert_non_null(strstr(hgnStatusWhere(st), "plan.json:2:"));
    hgnStatusFree(st);

    st = hgnPlanReadFile("/nonexistent/plan.json", &plan);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_NotFound);
    hgnStatusFree(st);

    char path[1024];
    snprintf(path, sizeof path, "%s/plans/llama-3.1-70b.2x24g-64g-nvme.json", HGN_TEST_DATA);
    assert_null(hgnPlanReadFile(path, &plan));
    assert_int_equal(plan->nDevices, 3);
    assert_true(plan->spilledBytes > 0);
    assert_int_equal(plan->nodes[plan->nNodes - 1].device, 2);
    hgnPlanFree(plan);
}

static void testAllocationFailures(void **state) {
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/plans/llama-3.1-8b.rtx4090.json", HGN_TEST_DATA);
    HgnPlan *plan = NULL;
    for (uint64_t n = 1; n < 2000; n++) {
        hgnAllocFailAt(n, 0);
        HgnStatus st = hgnPlanReadFile(path, &plan);
        bool injected = hgnAllocInjectedFailures() > 0;
        hgnAllocFailAt(0, 0);
        if (!st) {
            hgnPlanFree(plan);
            plan = NULL;
            if (!injected) break;
            continue;
        }
        assert_int_equal(hgnStatusCode(st), HGN_CODE_OutOfMemory);
        hgnStatusFree(st);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testGoldenIsValid), cmocka_unit_test(testReferences),         cmocka_unit_test(testAcyclic),
        cmocka_unit_test(testBudgets),       cmocka_unit_test(testAssertions),         cmocka_unit_test(testSchema),
        cmocka_unit_test(testReader),        cmocka_unit_test(testAllocationFailures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
