/* testOnnxTransformer.c — a transformer encoder block exported by PyTorch
 * (tests/data/onnx/transformerBlock, made by tools/fixtures/makeTransformerBlock.py)
 * runs in Huginn's ONNX executor and gives PyTorch's output within the
 * libonnx-testdata tolerances (rtol 1e-3, atol 1e-5), at 1 and 2 threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>

#include "huginn/onnx.h"
#include "huginn/onnxRuntime.h"

#define DIR HGN_TEST_DATA "/onnx/transformerBlock"

static void expectOk(HgnStatus st) {
    if (st) fail_msg("%s at %s", hgnStatusMessage(st), hgnStatusWhere(st) ? hgnStatusWhere(st) : "");
}

static void testMatchesPyTorch(void **state) {
    (void)state;
    HgnGraph *g = NULL;
    expectOk(hgnOnnxLoad(DIR "/model.onnx", &g));
    HgnOnnxTensor in, want;
    expectOk(hgnOnnxTensorLoad(DIR "/test_data_set_0/input_0.pb", &in));
    expectOk(hgnOnnxTensorLoad(DIR "/test_data_set_0/output_0.pb", &want));
    assert_int_equal(want.dtype, HGN_DTYPE_F32);
    for (int threads = 1; threads <= 2; threads++) {
        HgnOnnxTensor *outs = NULL;
        int32_t nOut = 0;
        expectOk(hgnOnnxRun(g, &in, 1, threads, &outs, &nOut));
        assert_int_equal(nOut, 1);
        assert_int_equal(outs[0].bytes, want.bytes);
        const float *a = outs[0].data, *b = want.data;
        size_t n = (size_t)(want.bytes / sizeof(float)), bad = 0;
        double worst = 0;
        for (size_t i = 0; i < n; i++) {
            double d = fabs((double)a[i] - b[i]);
            if (d > worst) worst = d;
            if (d > 1e-5 + 1e-3 * fabs((double)b[i])) bad++;
        }
        printf("transformer block, %d thread(s): %zu values, max abs diff %.3g\n", threads, n, worst);
        assert_int_equal(bad, 0);
        hgnOnnxTensorsFree(outs, nOut);
    }
    hgnOnnxTensorFree(&in);
    hgnOnnxTensorFree(&want);
    hgnGraphFree(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(testMatchesPyTorch)};
    return cmocka_run_group_tests_name("onnxTransformer", tests, NULL, NULL);
}
