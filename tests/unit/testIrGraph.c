/* testIrGraph.c — HgnGraph built through the API: dtype table, canonical
 * order and tie-breaks, cycle and double-producer detection, lifetimes,
 * consumers, byte sizes, symbolic shapes, digest stability, annotations,
 * summaries and allocation failures while building. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/dtype.h"
#include "huginn/ir.h"

static void testDtypeTable(void **state) {
    (void)state;
    uint64_t b = 0;
    assert_null(hgnDtypeBytes(HGN_DTYPE_F32, 10, &b));
    assert_int_equal(b, 40);
    assert_null(hgnDtypeBytes(HGN_DTYPE_Q4_0, 64, &b));
    assert_int_equal(b, 36);
    assert_null(hgnDtypeBytes(HGN_DTYPE_Q6_K, 512, &b));
    assert_int_equal(b, 420);
    assert_null(hgnDtypeBytes(HGN_DTYPE_Q4_K, 256, &b));
    assert_int_equal(b, 144);
    HgnStatus st = hgnDtypeBytes(HGN_DTYPE_Q8_0, 33, &b);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    hgnStatusFree(st);
    st = hgnDtypeBytes(HGN_DTYPE_STRING, 3, &b);
    assert_non_null(st);
    hgnStatusFree(st);
    HgnDtype t;
    assert_true(hgnDtypeFromName("Q4_K", &t));
    assert_int_equal(t, HGN_DTYPE_Q4_K);
    assert_false(hgnDtypeFromName("q9_9", &t));
    assert_string_equal(hgnDtypeName(HGN_DTYPE_BF16), "bf16");
    assert_int_equal(hgnDtypeInfo(HGN_DTYPE_Q8_0)->ggmlType, 8);
    assert_true(hgnDtypeIsQuantized(HGN_DTYPE_IQ4_XS));
    assert_false(hgnDtypeIsQuantized(HGN_DTYPE_I64));
    /* every row has a name and, except string/unknown, a size */
    for (int i = 1; i < HGN_DTYPE_COUNT; i++) {
        const HgnDtypeInfo *info = hgnDtypeInfo((HgnDtype)i);
        assert_true(strlen(info->name) > 0);
        assert_true(info->blockSize >= 1);
        if (i != HGN_DTYPE_STRING) assert_true(info->bytesPerBlock > 0);
    }
}

static HgnShape shape2(HgnGraph *g, const char *sym, int64_t n) {
    HgnShape s = {.rank = 2};
    s.dims[0] = (HgnDim){0, hgnGraphSymbol(g, sym)};
    s.dims[1] = (HgnDim){n, HGN_DIM_KNOWN};
    return s;
}

/* x → A(Relu) → a; a → C(Neg) → c; x → B(Abs) → b; Add(c, b) → y, nodes added in the order given */
static HgnGraph *buildDiamond(bool reversed) {
    HgnGraph *g = NULL;
    assert_null(hgnGraphCreate(&g));
    HgnShape s = shape2(g, "batch", 8);
    int32_t x, a, b, c, y;
    assert_null(hgnGraphAddValue(g, "x", HGN_DTYPE_F32, &s, HGN_ROLE_INPUT, &x));
    assert_null(hgnGraphAddValue(g, "a", HGN_DTYPE_F32, &s, HGN_ROLE_ACTIVATION, &a));
    assert_null(hgnGraphAddValue(g, "b", HGN_DTYPE_F32, &s, HGN_ROLE_ACTIVATION, &b));
    assert_null(hgnGraphAddValue(g, "c", HGN_DTYPE_F32, &s, HGN_ROLE_ACTIVATION, &c));
    assert_null(hgnGraphAddValue(g, "y", HGN_DTYPE_F32, NULL, HGN_ROLE_OUTPUT, &y));
    assert_null(hgnGraphAddInput(g, x));
    assert_null(hgnGraphAddOutput(g, y));
    int32_t in2[2] = {c, b};
    HgnNodeSpec specs[4] = {
        {.op = "Add", .name = "D", .inputs = in2, .nInputs = 2, .outputs = &y, .nOutputs = 1, .layer = 1},
        {.op = "Neg", .name = "C", .inputs = &a, .nInputs = 1, .outputs = &c, .nOutputs = 1, .layer = 0},
        {.op = "Abs", .name = "B", .inputs = &x, .nInputs = 1, .outputs = &b, .nOutputs = 1, .layer = 0},
        {.op = "Relu", .name = "A", .inputs = &x, .nInputs = 1, .outputs = &a, .nOutputs = 1, .layer = 0},
    };
    for (int i = 0; i < 4; i++) {
        int32_t id;
        assert_null(hgnGraphAddNode(g, &specs[reversed ? i : 3 - i], &id));
    }
    return g;
}

static void testCanonicalOrder(void **state) {
    (void)state;
    HgnGraph *g = buildDiamond(true); /* added D, C, B, A */
    assert_null(hgnGraphFinalize(g));
    /* Kahn with original index priority: B (index 2) and A (3) are ready first; B wins the tie */
    const char *want[] = {"B", "A", "C", "D"};
    for (int i = 0; i < 4; i++) assert_string_equal(hgnGraphNode(g, i)->name, want[i]);
    const HgnValue *x = hgnGraphValue(g, hgnGraphFindValue(g, "x"));
    assert_int_equal(x->nConsumers, 2);
    assert_int_equal(x->consumers[0], 0);
    assert_int_equal(x->consumers[1], 1);
    assert_int_equal(x->firstUse, 0);
    assert_int_equal(x->lastUse, 1);
    const HgnValue *a = hgnGraphValue(g, hgnGraphFindValue(g, "a"));
    assert_int_equal(a->producer, 1);
    assert_int_equal(a->lastUse, 2);
    const HgnValue *y = hgnGraphValue(g, hgnGraphFindValue(g, "y"));
    assert_int_equal(y->lastUse, 4); /* outputs live past the last node */
    assert_false(a->bytesKnown);     /* symbolic batch */
    int64_t batch = 3, n;
    assert_null(hgnShapeElements(&a->shape, &batch, 1, &n));
    assert_int_equal(n, 24);
    HgnStatus st = hgnShapeElements(&a->shape, NULL, 0, &n);
    assert_non_null(st);
    hgnStatusFree(st);
    /* same construction, same digest; different construction order, still a valid order */
    HgnGraph *g2 = buildDiamond(true);
    assert_null(hgnGraphFinalize(g2));
    char h1[65], h2[65];
    hgnGraphDigestHex(g, h1);
    hgnGraphDigestHex(g2, h2);
    assert_string_equal(h1, h2);
    /* finalizing again is idempotent */
    assert_null(hgnGraphFinalize(g2));
    hgnGraphDigestHex(g2, h2);
    assert_string_equal(h1, h2);
    /* an annotation changes the digest */
    HgnNodeAnnotations ann = {.deviceHint = "gpu:1", .colocationGroup = "layer0", .quantBackends = HGN_QUANT_ALLOW_RTN};
    assert_null(hgnGraphSetAnnotations(g2, 0, &ann));
    assert_null(hgnGraphFinalize(g2));
    hgnGraphDigestHex(g2, h2);
    assert_string_not_equal(h1, h2);
    assert_string_equal(hgnGraphNode(g2, 0)->ann.deviceHint, "gpu:1");
    HgnGraph *g3 = buildDiamond(false);
    assert_null(hgnGraphFinalize(g3));
    assert_string_equal(hgnGraphNode(g3, 0)->name, "A");
    hgnGraphFree(g);
    hgnGraphFree(g2);
    hgnGraphFree(g3);
}

static void testCycleNamed(void **state) {
    (void)state;
    HgnGraph *g = NULL;
    assert_null(hgnGraphCreate(&g));
    int32_t x, a, b, y;
    assert_null(hgnGraphAddValue(g, "x", HGN_DTYPE_F32, NULL, HGN_ROLE_INPUT, &x));
    assert_null(hgnGraphAddValue(g, "a", HGN_DTYPE_F32, NULL, HGN_ROLE_ACTIVATION, &a));
    assert_null(hgnGraphAddValue(g, "b", HGN_DTYPE_F32, NULL, HGN_ROLE_ACTIVATION, &b));
    assert_null(hgnGraphAddValue(g, "y", HGN_DTYPE_F32, NULL, HGN_ROLE_ACTIVATION, &y));
    int32_t in1[2] = {x, b}, id;
    HgnNodeSpec s1 = {.op = "Add", .name = "entry", .inputs = &x, .nInputs = 1, .outputs = &y, .nOutputs = 1};
    HgnNodeSpec s2 = {.op = "Add", .name = "ringA", .inputs = in1, .nInputs = 2, .outputs = &a, .nOutputs = 1};
    HgnNodeSpec s3 = {.op = "Relu", .name = "ringB", .inputs = &a, .nInputs = 1, .outputs = &b, .nOutputs = 1};
    assert_null(hgnGraphAddNode(g, &s1, &id));
    assert_null(hgnGraphAddNode(g, &s2, &id));
    assert_null(hgnGraphAddNode(g, &s3, &id));
    HgnStatus st = hgnGraphFinalize(g);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_ModelFormatInvalid);
    assert_non_null(strstr(hgnStatusMessage(st), "cycle through node 'ring"));
    hgnStatusFree(st);
    /* a second producer of a is rejected */
    HgnNodeSpec s4 = {.op = "Relu", .name = "dup", .inputs = &x, .nInputs = 1, .outputs = &a, .nOutputs = 1};
    assert_null(hgnGraphAddNode(g, &s4, &id));
    st = hgnGraphFinalize(g);
    assert_non_null(strstr(hgnStatusMessage(st), "produced by both"));
    hgnStatusFree(st);
    /* duplicate value names are rejected */
    st = hgnGraphAddValue(g, "x", HGN_DTYPE_F32, NULL, HGN_ROLE_INPUT, &id);
    assert_non_null(st);
    hgnStatusFree(st);
    hgnGraphFree(g);
}

static void testAttributesAndSummary(void **state) {
    (void)state;
    HgnGraph *g = buildDiamond(false);
    int32_t x = hgnGraphFindValue(g, "x"), z;
    HgnShape s = {.rank = 2, .dims = {{4, HGN_DIM_KNOWN}, {8, HGN_DIM_KNOWN}}};
    assert_null(hgnGraphAddValue(g, "z", HGN_DTYPE_F32, NULL, HGN_ROLE_ACTIVATION, &z));
    int64_t perm[2] = {1, 0};
    HgnAttr attrs[2] = {{.name = "perm", .type = HGN_ATTR_INTS, .n = 2, .ints = perm},
                        {.name = "alpha", .type = HGN_ATTR_FLOAT, .f = 0.5}};
    HgnNodeSpec spec = {.op = "Transpose",
                        .inputs = &x,
                        .nInputs = 1,
                        .outputs = &z,
                        .nOutputs = 1,
                        .attrs = attrs,
                        .nAttrs = 2,
                        .layer = 2};
    int32_t id;
    assert_null(hgnGraphAddNode(g, &spec, &id));
    perm[0] = 7; /* copied, not borrowed */
    const HgnNode *n = hgnGraphNode(g, id);
    assert_string_equal(n->name, "Transpose_4");
    assert_string_equal(n->attrs[0].name, "alpha"); /* sorted by name */
    assert_int_equal(hgnNodeAttr(n, "perm")->ints[0], 1);
    assert_true(hgnNodeAttrFloat(n, "alpha", 0) == 0.5);
    assert_int_equal(hgnNodeAttrInt(n, "missing", 42), 42);
    int32_t w;
    assert_null(hgnGraphAddValue(g, "w", HGN_DTYPE_Q8_0, &s, HGN_ROLE_WEIGHT, &w));
    assert_null(hgnGraphSetOpset(g, "", 17));
    assert_null(hgnGraphFinalize(g));
    const HgnValue *wv = hgnGraphValue(g, w);
    assert_false(wv->bytesKnown); /* rows of 8 are not whole q8_0 blocks of 32 (though 32 elements are) */
    HgnGraphSummary sum;
    assert_null(hgnGraphSummarize(g, &sum));
    assert_int_equal(sum.nNodes, 5);
    assert_int_equal(sum.nWeights, 1);
    assert_int_equal(sum.nOps, 5);
    hgnGraphSummaryFree(&sum);
    char *js = NULL;
    assert_null(hgnIrToJson(g, true, &js));
    json_t *doc = json_loads(js, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "opsets"), "ai.onnx")), 17);
    json_t *nodes = json_object_get(doc, "nodes");
    assert_int_equal(json_array_size(nodes), 5);
    json_decref(doc);
    hgnFree(js);
    hgnGraphFree(g);
}

static void testBuildAllocationFailures(void **state) {
    (void)state;
    int fails = 0;
    for (uint64_t nth = 1; nth < 10000; nth++) {
        HgnGraph *g = NULL;
        hgnAllocFailAt(nth, 0);
        HgnStatus st = hgnGraphCreate(&g);
        int32_t prev = -1;
        for (int i = 0; !st && i < 300; i++) {
            char name[32];
            snprintf(name, sizeof name, "v%d", i);
            int32_t v;
            HgnShape s = {.rank = 1, .dims = {{i + 1, HGN_DIM_KNOWN}}};
            st = hgnGraphAddValue(g, name, HGN_DTYPE_F32, &s, prev < 0 ? HGN_ROLE_INPUT : HGN_ROLE_ACTIVATION, &v);
            if (!st && prev >= 0) {
                HgnNodeSpec spec = {.op = "Relu", .inputs = &prev, .nInputs = 1, .outputs = &v, .nOutputs = 1};
                int32_t id;
                st = hgnGraphAddNode(g, &spec, &id);
            }
            prev = v;
        }
        if (!st) st = hgnGraphFinalize(g);
        uint64_t injected = hgnAllocInjectedFailures();
        hgnAllocFailAt(0, 0);
        hgnGraphFree(g);
        if (!st) {
            if (!injected) break;
            continue;
        }
        assert_int_equal(hgnStatusCode(st), HGN_CODE_OutOfMemory);
        hgnStatusFree(st);
        fails++;
    }
    assert_true(fails > 5);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testDtypeTable),
        cmocka_unit_test(testCanonicalOrder),
        cmocka_unit_test(testCycleNamed),
        cmocka_unit_test(testAttributesAndSummary),
        cmocka_unit_test(testBuildAllocationFailures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
