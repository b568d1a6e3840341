/* fuzzHfConfig.c — libFuzzer target: config.json parsing and validation on
 * arbitrary bytes; accepted configs must satisfy the documented invariants. */
#include <stddef.h>
#include <stdint.h>

#include "huginn/hfModel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    HgnHfConfig *c = NULL;
    HgnStatus st = hgnHfConfigParse((const char *)data, size, "fuzz/config.json", &c);
    if (st) {
        if (c || !hgnStatusWhere(st)) __builtin_trap();
        hgnStatusFree(st);
        return 0;
    }
    if (c->hiddenSize <= 0 || c->numHiddenLayers <= 0 || c->numAttentionHeads <= 0 || c->vocabSize <= 0 ||
        c->headDim <= 0 || c->numKeyValueHeads <= 0 || c->numAttentionHeads % c->numKeyValueHeads != 0 ||
        !(c->rmsNormEps > 0) || !(c->ropeTheta > 0))
        __builtin_trap();
    hgnHfConfigFree(c);
    return 0;
}
