/* fuzzOnnx.c — libFuzzer target: ONNX bytes → reader → shape inference →
 * JSON report. Any crash, leak or sanitizer report is a finding. */
#include <stddef.h>
#include <stdint.h>

#include "core/alloc.h"
#include "huginn/ir.h"
#include "huginn/onnx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    HgnGraph *g = NULL;
    HgnStatus st = hgnOnnxLoadBuffer(data, size, "fuzz.onnx", NULL, &g);
    if (st) {
        hgnStatusFree(st);
        return 0;
    }
    st = hgnGraphInferShapes(g);
    hgnStatusFree(st);
    char *js = NULL;
    st = hgnIrToJson(g, true, &js);
    hgnStatusFree(st);
    hgnFree(js);
    hgnGraphFree(g);
    return 0;
}
