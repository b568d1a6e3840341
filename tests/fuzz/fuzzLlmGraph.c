/* fuzzLlmGraph.c — libFuzzer target: config.json bytes → HgnLlmSpec → the
 * LLM graph built from the config alone. Any accepted config must build a
 * finalized graph or fail with a located error; never crash. Configs beyond
 * 64 layers are skipped (time, not correctness). */
#include <stddef.h>
#include <stdint.h>

#include "huginn/llmGraph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    HgnHfConfig *c = NULL;
    HgnStatus st = hgnHfConfigParse((const char *)data, size, "fuzz/config.json", &c);
    if (st) {
        hgnStatusFree(st);
        return 0;
    }
    HgnLlmSpec spec;
    st = hgnLlmSpecFromHfConfig(c, &spec);
    if (!st && spec.nLayers <= 64 && spec.nExperts <= 64) {
        HgnGraph *g = NULL;
        st = hgnLlmGraphBuild(&spec, NULL, &g);
        if (!st && (!g || hgnGraphOutputCount(g) != 1 || hgnGraphNodeCount(g) < spec.nLayers)) __builtin_trap();
        if (st && g) __builtin_trap();
        hgnGraphFree(g);
    }
    if (st && !hgnStatusWhere(st)) __builtin_trap();
    hgnStatusFree(st);
    hgnHfConfigFree(c);
    return 0;
}
