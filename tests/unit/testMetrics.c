/* testMetrics.c — the Prometheus metrics registry: registration rules,
 * counter/gauge/histogram arithmetic, label escaping, the exact text
 * exposition and allocation-failure behaviour. */
#include "testUtil.h"

#include "huginn/metrics.h"

static HgnMetrics *fresh(void) {
    HgnMetrics *m = NULL;
    assertOk(hgnMetricsCreate(&m));
    return m;
}

static void testRegistrationRules(void **state) {
    (void)state;
    HgnMetrics *m = fresh();
    assertOk(hgnMetricsRegister(m, "a_total", "A.", HGN_METRIC_COUNTER, "x,y", NULL, 0));
    expectError(hgnMetricsRegister(m, "a_total", "again", HGN_METRIC_COUNTER, NULL, NULL, 0), HGN_CODE_InvalidArgument,
                "already registered");
    expectError(hgnMetricsRegister(m, "9bad", "", HGN_METRIC_GAUGE, NULL, NULL, 0), HGN_CODE_InvalidArgument,
                "invalid metric name");
    expectError(hgnMetricsRegister(m, "b", "", HGN_METRIC_GAUGE, "ok,bad-label", NULL, 0), HGN_CODE_InvalidArgument,
                "bad-label");
    expectError(hgnMetricsRegister(m, "c", "", HGN_METRIC_GAUGE, "x,x", NULL, 0), HGN_CODE_InvalidArgument,
                "duplicate label");
    expectError(hgnMetricsRegister(m, "d", "", HGN_METRIC_HISTOGRAM, "le", NULL, 0), HGN_CODE_InvalidArgument, "'le'");
    const double down[] = {1, 0.5};
    expectError(hgnMetricsRegister(m, "e", "", HGN_METRIC_HISTOGRAM, NULL, down, 2), HGN_CODE_InvalidArgument,
                "bucket 1");
    assertOk(hgnMetricsRegisterStandard(m));
    expectError(hgnMetricsRegisterStandard(m), HGN_CODE_InvalidArgument, "already registered");
    hgnMetricsFree(m);
}

static void testArithmetic(void **state) {
    (void)state;
    HgnMetrics *m = fresh();
    assertOk(hgnMetricsRegister(m, "c_total", "", HGN_METRIC_COUNTER, "k", NULL, 0));
    assertOk(hgnMetricsRegister(m, "g", "", HGN_METRIC_GAUGE, NULL, NULL, 0));
    const char *a[] = {"a"}, *b[] = {"b"};
    assertOk(hgnMetricsAdd(m, "c_total", a, 2));
    assertOk(hgnMetricsAdd(m, "c_total", a, 3));
    assertOk(hgnMetricsAdd(m, "c_total", b, 1));
    assert_true(hgnMetricsValue(m, "c_total", a) == 5);
    assert_true(hgnMetricsValue(m, "c_total", b) == 1);
    expectError(hgnMetricsAdd(m, "c_total", a, -1), HGN_CODE_InvalidArgument, "counters only go up");
    expectError(hgnMetricsAdd(m, "c_total", NULL, 1), HGN_CODE_InvalidArgument, "label 'k' has no value");
    expectError(hgnMetricsSet(m, "c_total", a, 1), HGN_CODE_InvalidArgument, "from 5 down to 1");
    assertOk(hgnMetricsSet(m, "c_total", a, 8));
    assert_true(hgnMetricsValue(m, "c_total", a) == 8);
    expectError(hgnMetricsObserve(m, "g", NULL, 1), HGN_CODE_InvalidArgument, "kind");
    expectError(hgnMetricsAdd(m, "nope", NULL, 1), HGN_CODE_InvalidArgument, "unknown metric");
    assertOk(hgnMetricsSet(m, "g", NULL, 7));
    assertOk(hgnMetricsAdd(m, "g", NULL, -10));
    assert_true(hgnMetricsValue(m, "g", NULL) == -3);
    hgnMetricsFree(m);
}

static void testExposition(void **state) {
    (void)state;
    HgnMetrics *m = fresh();
    const double buckets[] = {0.1, 1};
    assertOk(hgnMetricsRegister(m, "req_total", "Requests.\nSecond line \\ here.", HGN_METRIC_COUNTER, "route,code",
                                NULL, 0));
    assertOk(hgnMetricsRegister(m, "lat_seconds", "Latency.", HGN_METRIC_HISTOGRAM, NULL, buckets, 2));
    assertOk(hgnMetricsRegister(m, "empty", "No series.", HGN_METRIC_GAUGE, NULL, NULL, 0));
    const char *l[] = {"/v1/\"x\"\\\n", "200"};
    assertOk(hgnMetricsAdd(m, "req_total", l, 3));
    assertOk(hgnMetricsObserve(m, "lat_seconds", NULL, 0.05));
    assertOk(hgnMetricsObserve(m, "lat_seconds", NULL, 0.5));
    assertOk(hgnMetricsObserve(m, "lat_seconds", NULL, 2.25));
    char *text = NULL;
    assertOk(hgnMetricsRender(m, &text));
    assert_string_equal(text, "# HELP req_total Requests.\\nSecond line \\\\ here.\n"
                              "# TYPE req_total counter\n"
                              "req_total{route=\"/v1/\\\"x\\\"\\\\\\n\",code=\"200\"} 3\n"
                              "# HELP lat_seconds Latency.\n"
                              "# TYPE lat_seconds histogram\n"
                              "lat_seconds_bucket{le=\"0.1\"} 1\n"
                              "lat_seconds_bucket{le=\"1\"} 2\n"
                              "lat_seconds_bucket{le=\"+Inf\"} 3\n"
                              "lat_seconds_sum 2.8\n"
                              "lat_seconds_count 3\n"
                              "# HELP empty No series.\n"
                              "# TYPE empty gauge\n");
    hgnFree(text);
    assert_true(hgnMetricsValue(m, "lat_seconds", NULL) == 3);
    hgnMetricsFree(m);
}

static void testAllocationFailures(void **state) {
    (void)state;
    /* Every allocation of registration, update and rendering may fail: an
     * error (never a crash or leak) until enough allocations succeed. */
    for (uint64_t n = 1; n < 200; n++) {
        HgnMetrics *m = NULL;
        hgnAllocFailAt(n, 0);
        HgnStatus st = hgnMetricsCreate(&m);
        const char *l[] = {"x"};
        char *text = NULL;
        if (!st) st = hgnMetricsRegister(m, "h", "", HGN_METRIC_HISTOGRAM, "k", NULL, 0);
        if (!st) st = hgnMetricsObserve(m, "h", l, 1);
        if (!st) st = hgnMetricsRender(m, &text);
        bool injected = hgnAllocInjectedFailures() > 0;
        hgnAllocFailAt(0, 0);
        hgnFree(text);
        hgnMetricsFree(m);
        if (st) {
            assert_int_equal(hgnStatusCode(st), HGN_CODE_OutOfMemory);
            hgnStatusFree(st);
        } else if (!injected)
            return;
    }
    fail_msg("never succeeded");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testRegistrationRules),
        cmocka_unit_test(testArithmetic),
        cmocka_unit_test(testExposition),
        cmocka_unit_test(testAllocationFailures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
