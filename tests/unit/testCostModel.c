/* testCostModel.c — the cost model's memory formulas against hand-computed
 * values (weights per dtype and quantisation, KV cache, compute buffers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "huginn/costModel.h"

/* Llama-3.1-8B, from its config.json. */
static const HgnModelDims llama8b = {.layers = 32,
                                     .hiddenSize = 4096,
                                     .heads = 32,
                                     .kvHeads = 8,
                                     .headDim = 128,
                                     .ffnSize = 14336,
                                     .vocab = 128256,
                                     .normsPerLayer = 2};

static HgnWeightQuant fmt(HgnWeightFormat f) { return (HgnWeightQuant){.format = f}; }

static void testPlainWeights(void **state) {
    (void)state;
    assert_int_equal(hgnModelParamCount(&llama8b), 8030261248ull);
    /* fp16: 2 bytes per parameter = 16.06 GB. */
    assert_int_equal(hgnModelWeightBytes(&llama8b, fmt(HGN_WEIGHTS_F16)), 16060522496ull);
    assert_int_equal(hgnModelWeightBytes(&llama8b, fmt(HGN_WEIGHTS_BF16)), 16060522496ull);
    assert_int_equal(hgnModelWeightBytes(&llama8b, fmt(HGN_WEIGHTS_F32)), 32121044992ull);
    /* edge = embedding + lm_head + final norm at f16 */
    assert_int_equal(hgnEdgeWeightBytes(&llama8b, fmt(HGN_WEIGHTS_F16)), (2ull * 128256 * 4096 + 4096) * 2);
    HgnModelDims tied = llama8b;
    tied.tieEmbeddings = true;
    assert_int_equal(hgnModelParamCount(&tied), 8030261248ull - 128256ull * 4096);
}

static void testGgufBlocks(void **state) {
    (void)state;
    const struct {
        HgnWeightFormat f;
        uint32_t elems, bytes;
        double bpw;
    } rows[] = {
        {HGN_WEIGHTS_Q8_0, 32, 34, 8.5},      {HGN_WEIGHTS_Q4_0, 32, 18, 4.5},     {HGN_WEIGHTS_Q4_1, 32, 20, 5.0},
        {HGN_WEIGHTS_Q5_0, 32, 22, 5.5},      {HGN_WEIGHTS_Q5_1, 32, 24, 6.0},     {HGN_WEIGHTS_Q2_K, 256, 84, 2.625},
        {HGN_WEIGHTS_Q3_K, 256, 110, 3.4375}, {HGN_WEIGHTS_Q4_K, 256, 144, 4.5},   {HGN_WEIGHTS_Q5_K, 256, 176, 5.5},
        {HGN_WEIGHTS_Q6_K, 256, 210, 6.5625}, {HGN_WEIGHTS_Q8_K, 256, 292, 9.125}, {HGN_WEIGHTS_F16, 1, 2, 16.0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        assert_int_equal(hgnWeightBlockElements(rows[i].f), rows[i].elems);
        assert_int_equal(hgnWeightBlockBytes(rows[i].f), rows[i].bytes);
        assert_true(fabs(hgnWeightBitsPerParam(fmt(rows[i].f)) - rows[i].bpw) < 1e-9);
    }
    /* q8_0 of a 4096 x 4096 matrix: 4096 rows x 128 blocks x 34 bytes. */
    assert_int_equal(hgnMatrixBytes(fmt(HGN_WEIGHTS_Q8_0), 4096, 4096), 4096ull * 128 * 34);
    /* A partial block is counted whole: 33 columns = 2 blocks. */
    assert_int_equal(hgnMatrixBytes(fmt(HGN_WEIGHTS_Q4_0), 3, 33), 3ull * 2 * 18);
}

static void testLlama8bQ8MatchesLlamaCpp(void **state) {
    (void)state;
    /* Hand-computed: per layer q,o 4096x4352 B; k,v 1024x4352; gate,up,down
     * 62390272 each; norms 2x4096 f32 -> 231768064 B; edge 2 x 128256 x 4352
     * + 4096 x 4 -> 8532934656 B in all. llama.cpp's perplexity scoreboard
     * lists Llama-3-8B q8_0 at 7.96 GiB (file incl. metadata). */
    assert_int_equal(hgnLayerWeightBytes(&llama8b, fmt(HGN_WEIGHTS_Q8_0)), 231768064ull);
    uint64_t q8 = hgnModelWeightBytes(&llama8b, fmt(HGN_WEIGHTS_Q8_0));
    assert_int_equal(q8, 8532934656ull);
    assert_true(fabs(q8 / 1073741824.0 - 7.96) / 7.96 < 0.01);
}

static void testBitsandbytes(void **state) {
    (void)state;
    uint64_t n = 4096ull * 4096;
    /* NF4: n/2 bytes of codes, fp32 absmax per 64, 16-entry code table. */
    assert_int_equal(hgnMatrixBytes(fmt(HGN_WEIGHTS_NF4), 4096, 4096), n / 2 + (n / 64) * 4 + 64);
    assert_int_equal(hgnMatrixBytes(fmt(HGN_WEIGHTS_FP4), 4096, 4096), n / 2 + (n / 64) * 4 + 64);
    /* Double quant: uint8 absmax per 64, fp32 per 256 blocks, nested table and offset. */
    HgnWeightQuant dq = {.format = HGN_WEIGHTS_NF4, .doubleQuant = true};
    uint64_t blocks = n / 64;
    assert_int_equal(hgnMatrixBytes(dq, 4096, 4096), n / 2 + 64 + blocks + (blocks / 256) * 4 + 1024 + 4);
    /* QLoRA: double quantisation costs ~0.127 bits per parameter on top of 4. */
    assert_true(fabs(hgnWeightBitsPerParam(dq) - 4.127) < 0.002);
    assert_true(fabs(hgnWeightBitsPerParam(fmt(HGN_WEIGHTS_NF4)) - 4.5) < 0.001);
    /* LLM.int8: int8 weights + fp32 SCB per output row. */
    assert_int_equal(hgnMatrixBytes(fmt(HGN_WEIGHTS_INT8), 4096, 11008), 4096ull * 11008 + 4096 * 4);
    /* bnb keeps embeddings and lm_head in 16-bit. */
    assert_int_equal(hgnEdgeWeightBytes(&llama8b, fmt(HGN_WEIGHTS_NF4)),
                     hgnEdgeWeightBytes(&llama8b, fmt(HGN_WEIGHTS_F16)));
}

static void testGptqAwq(void **state) {
    (void)state;
    /* GPTQ 4-bit g128, K = N = 4096: qweight 512 x 4096 int32, qzeros 32 x 512
     * int32, scales 32 x 4096 fp16, g_idx 4096 int32. */
    HgnWeightQuant gptq = {.format = HGN_WEIGHTS_GPTQ};
    assert_int_equal(hgnMatrixBytes(gptq, 4096, 4096), 8388608ull + 65536 + 262144 + 16384);
    /* group_size -1: one group per row. */
    gptq.groupSize = -1;
    assert_int_equal(hgnMatrixBytes(gptq, 4096, 4096), 8388608ull + 2048 + 8192 + 16384);
    /* 8-bit doubles qweight and qzeros. */
    HgnWeightQuant gptq8 = {.format = HGN_WEIGHTS_GPTQ, .bits = 8};
    assert_int_equal(hgnMatrixBytes(gptq8, 4096, 4096), 16777216ull + 131072 + 262144 + 16384);
    /* AWQ GEMM: qweight [K, N/8] int32, qzeros [K/g, N/8] int32, scales [K/g, N] fp16. */
    HgnWeightQuant awq = {.format = HGN_WEIGHTS_AWQ};
    assert_int_equal(hgnMatrixBytes(awq, 4096, 4096), 8388608ull + 65536 + 262144);
    assert_int_equal(hgnMatrixBytes(awq, 11008, 4096), 4096ull * 1376 * 4 + 32ull * 1376 * 4 + 32ull * 11008 * 2);
}

static void testKvCache(void **state) {
    (void)state;
    /* 2 x 32 layers x 8 kv heads x 128 x 2 bytes x 131072 tokens = 16 GiB. */
    assert_int_equal(hgnKvCacheBytes(&llama8b, HGN_WEIGHTS_F16, 131072, 1), 17179869184ull);
    assert_int_equal(hgnKvCacheBytes(&llama8b, HGN_WEIGHTS_F16, 131072, 3), 3 * 17179869184ull);
    assert_int_equal(hgnKvCacheBytes(&llama8b, HGN_WEIGHTS_F32, 1000, 1), 2ull * 32 * 8 * 128 * 4 * 1000);
    /* q8_0 rows of 1024 values: 32 blocks x 34 bytes. */
    assert_int_equal(hgnKvCacheBytes(&llama8b, HGN_WEIGHTS_Q8_0, 131072, 1), 2ull * 32 * 1088 * 131072);
    assert_int_equal(hgnKvCacheBytes(&llama8b, HGN_WEIGHTS_Q4_K, 10, 1), 0); /* not a cache type */

    /* Mistral 7B v0.1: every layer slides over 4096 tokens. */
    HgnModelDims mistral = llama8b;
    mistral.vocab = 32000;
    mistral.slidingWindow = 4096;
    mistral.slidingLayers = HGN_SLIDING_ALL;
    assert_int_equal(hgnKvCacheBytes(&mistral, HGN_WEIGHTS_F16, 32768, 1), 32ull * 2 * 8 * 128 * 2 * 4096);
    assert_int_equal(hgnKvCacheBytes(&mistral, HGN_WEIGHTS_F16, 100, 1), 32ull * 2 * 8 * 128 * 2 * 100);

    /* Gemma 2 9B: even layers local (4096), odd layers global. */
    HgnModelDims gemma = {.layers = 42,
                          .hiddenSize = 3584,
                          .heads = 16,
                          .kvHeads = 8,
                          .headDim = 256,
                          .ffnSize = 14336,
                          .vocab = 256000,
                          .slidingWindow = 4096,
                          .slidingLayers = HGN_SLIDING_EVEN,
                          .tieEmbeddings = true,
                          .normsPerLayer = 4};
    assert_true(hgnLayerIsSliding(&gemma, 0));
    assert_false(hgnLayerIsSliding(&gemma, 1));
    uint64_t perToken = 2ull * 8 * 256 * 2;
    assert_int_equal(hgnKvCacheBytes(&gemma, HGN_WEIGHTS_F16, 8192, 1), 21 * perToken * 8192 + 21 * perToken * 4096);
    assert_int_equal(hgnLayerKvBytes(&gemma, 2, HGN_WEIGHTS_F16, 8192, 1), perToken * 4096);
    assert_int_equal(hgnLayerKvBytes(&gemma, 3, HGN_WEIGHTS_F16, 8192, 1), perToken * 8192);
    assert_int_equal(hgnModelParamCount(&gemma), 9241705984ull);
}

static void testComputeBuffers(void **state) {
    (void)state;
    HgnComputeShape s = {.batch = 1, .ubatch = 512, .context = 4096, .actBytes = 2};
    HgnComputeBytes c;
    hgnComputeBufferBytes(&llama8b, &s, &c);
    assert_int_equal(c.residual, 512ull * 4096 * 4 * 2);
    /* qkv 512 x 6144 x 2 + scores 32 x 512 x 4096 x 4 x 2 + context 512 x 4096 x 2 */
    assert_int_equal(c.attention, 512ull * 6144 * 2 + 32ull * 512 * 4096 * 8 + 512ull * 4096 * 2);
    assert_int_equal(c.ffn, 512ull * 14336 * 2 * 3);
    assert_int_equal(c.logits, 128256ull * 4);
    assert_int_equal(c.total, c.residual + c.attention);
    /* Chunked attention bounds the scores by the chunk. */
    s.attnChunk = 1024;
    hgnComputeBufferBytes(&llama8b, &s, &c);
    assert_int_equal(c.attention, 512ull * 6144 * 2 + 32ull * 512 * 1024 * 8 + 512ull * 4096 * 2);
    /* Scoring keeps every position's logits. */
    s.allLogits = true;
    hgnComputeBufferBytes(&llama8b, &s, &c);
    assert_int_equal(c.logits, 512ull * 128256 * 4);
    assert_int_equal(c.total, c.residual + c.logits);
    /* Mixtral: tokens routed to 2 experts, plus router logits. */
    HgnModelDims mixtral = llama8b;
    mixtral.vocab = 32000;
    mixtral.moeExperts = 8;
    mixtral.moeActiveExperts = 2;
    HgnComputeShape d = {.batch = 4, .ubatch = 1, .context = 100, .actBytes = 2};
    hgnComputeBufferBytes(&mixtral, &d, &c);
    assert_int_equal(c.ffn, 4ull * 2 * 14336 * 2 * 3 + 4ull * 8 * 4);
    assert_int_equal(hgnModelParamCount(&mixtral), 46702792704ull);
    assert_int_equal(hgnModelActiveParamCount(&mixtral), 46702792704ull - 6ull * 3 * 4096 * 14336 * 32);
}

static void testMemoryEstimate(void **state) {
    (void)state;
    HgnMemoryQuery q = {.weights = fmt(HGN_WEIGHTS_F16), .kvFormat = HGN_WEIGHTS_F16, .context = 131072, .gpu = true};
    HgnMemoryEstimate e;
    HgnStatus st = hgnMemoryEstimate(&llama8b, &q, &e);
    assert_null(st);
    assert_int_equal(e.weightBytes, 16060522496ull);
    assert_int_equal(e.kvCacheBytes, 17179869184ull);
    assert_int_equal(e.overheadBytes, 512ull << 20);
    assert_int_equal(e.totalBytes, e.weightBytes + e.kvCacheBytes + e.computeBytes + e.overheadBytes);
    q.gpu = false;
    assert_null(hgnMemoryEstimate(&llama8b, &q, &e));
    assert_int_equal(e.overheadBytes, 64ull << 20);

    q.kvFormat = HGN_WEIGHTS_Q4_K;
    st = hgnMemoryEstimate(&llama8b, &q, &e);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    assert_string_equal(hgnStatusWhere(st), "kvFormat");
    hgnStatusFree(st);
    q.kvFormat = HGN_WEIGHTS_F16;
    q.context = 0;
    st = hgnMemoryEstimate(&llama8b, &q, &e);
    assert_string_equal(hgnStatusWhere(st), "context");
    hgnStatusFree(st);
    q.context = 10;
    HgnModelDims bad = llama8b;
    bad.kvHeads = 5;
    st = hgnMemoryEstimate(&bad, &q, &e);
    assert_string_equal(hgnStatusWhere(st), "kvHeads");
    hgnStatusFree(st);
    bad = llama8b;
    bad.layers = 0;
    st = hgnMemoryEstimate(&bad, &q, &e);
    assert_string_equal(hgnStatusWhere(st), "layers");
    hgnStatusFree(st);
    q.weights = (HgnWeightQuant){.format = HGN_WEIGHTS_GPTQ, .bits = 5};
    st = hgnMemoryEstimate(&llama8b, &q, &e);
    assert_string_equal(hgnStatusWhere(st), "weights.bits");
    hgnStatusFree(st);
}

static void testSaturationAndNames(void **state) {
    (void)state;
    assert_int_equal(hgnMatrixBytes(fmt(HGN_WEIGHTS_F32), UINT64_MAX / 2, 4), UINT64_MAX);
    assert_int_equal(hgnMatrixBytes(fmt(HGN_WEIGHTS_COUNT), 4, 4), 0);
    for (int i = 0; i < (int)HGN_WEIGHTS_COUNT; i++) {
        HgnWeightFormat f;
        assert_true(hgnWeightFormatFromName(hgnWeightFormatName((HgnWeightFormat)i), &f));
        assert_int_equal(f, i);
    }
    HgnWeightFormat f;
    assert_true(hgnWeightFormatFromName("BFloat16", &f));
    assert_int_equal(f, HGN_WEIGHTS_BF16);
    assert_true(hgnWeightFormatFromName("Q4_K", &f));
    assert_int_equal(f, HGN_WEIGHTS_Q4_K);
    assert_false(hgnWeightFormatFromName("q9_9", &f));
    assert_false(hgnWeightFormatFromName(NULL, &f));
    assert_string_equal(hgnWeightFormatName((HgnWeightFormat)99), "unknown");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testPlainWeights),
        cmocka_unit_test(testGgufBlocks),
        cmocka_unit_test(testLlama8bQ8MatchesLlamaCpp),
        cmocka_unit_test(testBitsandbytes),
        cmocka_unit_test(testGptqAwq),
        cmocka_unit_test(testKvCache),
        cmocka_unit_test(testComputeBuffers),
        cmocka_unit_test(testMemoryEstimate),
        cmocka_unit_test(testSaturationAndNames),
    };
    return cmocka_run_group_tests_name("costModel", tests, NULL, NULL);
}
