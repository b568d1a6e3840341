/* testPlannerLlm.c — planning local LLM files: hgnPlanItemsFromLlmGraph on
 * the fixture model (exact bytes of its tensors, KV bytes per token, FLOPs,
 * graph node lists), golden plans of the fixture (GGUF and safetensors) on a
 * CPU-only host and on two virtual CPU devices, quantisation configs (bytes
 * and errors with JSON pointers), plan.summary.json, plan.dot and plan diff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "huginn/calibrate.h"
#include "huginn/gguf.h"
#include "huginn/hfModel.h"
#include "huginn/llmGraph.h"
#include "huginn/planner.h"

static void ok(HgnStatus st) {
    if (st) {
        char *s = hgnStatusToString(st);
        print_error("%s\n", s);
        hgnFree(s);
        hgnStatusFree(st);
        fail();
    }
}

/* Expects an error of code whose text contains want. */
static void expectError(HgnStatus st, HgnCode code, const char *want) {
    assert_non_null(st);
    char *s = hgnStatusToString(st);
    if (hgnStatusCode(st) != code || !strstr(s, want)) print_error("got: %s\nwant code %d and `%s`\n", s, code, want);
    assert_int_equal(hgnStatusCode(st), code);
    assert_non_null(strstr(s, want));
    hgnFree(s);
    hgnStatusFree(st);
}

/* Tests run in the test data folder so that model paths (and their digests) are stable. */
static int setup(void **state) {
    (void)state;
    return chdir(HGN_TEST_DATA) == 0 ? 0 : -1;
}

static void ggufItems(const HgnPlanQuantConfig *qc, HgnPlanItems *items, int32_t *nGraphNodes) {
    HgnGgufFile *f = NULL;
    HgnGraph *g = NULL;
    HgnLlmSpec spec;
    ok(hgnGgufOpen("fixture/model-f32.gguf", &f));
    ok(hgnLlmSpecFromGguf(f, &spec));
    ok(hgnLlmGraphFromGguf(f, &g));
    if (nGraphNodes) *nGraphNodes = hgnGraphNodeCount(g);
    ok(hgnPlanItemsFromLlmGraph(g, (uint64_t)spec.contextLength, qc, items));
    hgnGraphFree(g);
    hgnGgufClose(f);
    /* the label the CLI gives (cliPlanModel.c) */
    hgnFree(items->modelPath);
    hgnFree(items->modelSource);
    hgnFree(items->modelId);
    items->modelPath = hgnStrdup("fixture/model-f32.gguf");
    items->modelSource = hgnStrdup("gguf");
    items->modelId = hgnStrdup("model-f32.gguf");
}

static void safetensorsItems(HgnPlanItems *items) {
    HgnHfModel *m = NULL;
    HgnGraph *g = NULL;
    ok(hgnHfModelOpen("fixture", &m));
    ok(hgnLlmGraphFromHfModel(m, &g));
    ok(hgnPlanItemsFromLlmGraph(g, 512, NULL, items));
    hgnGraphFree(g);
    hgnHfModelClose(m);
    hgnFree(items->modelPath);
    hgnFree(items->modelSource);
    hgnFree(items->modelId);
    items->modelPath = hgnStrdup("fixture/model.safetensors");
    items->modelSource = hgnStrdup("safetensors");
    items->modelId = hgnStrdup("model.safetensors");
}

/* fixture: hidden 128, 4 layers, 4 heads, 2 KV heads, head dim 32, FFN 384, vocab 512, tied */
#define EMBD_BYTES  (512ull * 128 * 4)
#define LAYER_BYTES (2ull * 128 * 4 + (128ull * 128 * 2 + 64ull * 128 * 2) * 4 + 3ull * 384 * 128 * 4)
#define LAYER_FLOPS (2.0 * (128 * 128 * 2 + 64 * 128 * 2 + 3 * 384 * 128))

static void testFixtureItems(void **state) {
    (void)state;
    HgnPlanItems items;
    int32_t nGraph = 0;
    ggufItems(NULL, &items, &nGraph);
    assert_true(items.isLlm);
    assert_int_equal(items.maxContext, 512);
    assert_int_equal(items.count, 6);
    assert_int_equal(items.weights, HGN_WEIGHTS_F32);
    assert_int_equal(items.kvFormat, HGN_WEIGHTS_F16); /* GGUF graphs cache in f16 */
    assert_string_equal(items.items[0].name, "token_embd");
    assert_string_equal(items.items[0].op, "embedding");
    assert_int_equal(items.items[0].weightBytes, EMBD_BYTES);
    uint64_t total = 0;
    size_t graphNodes = 0;
    for (size_t i = 0; i < items.count; i++) {
        total += items.items[i].weightBytes;
        graphNodes += items.items[i].nGraphNodes;
    }
    for (int l = 0; l < 4; l++) {
        const HgnPlanItem *it = &items.items[1 + l];
        char name[16];
        snprintf(name, sizeof name, "blk.%d", l);
        assert_string_equal(it->name, name);
        assert_int_equal(it->layer, l);
        assert_int_equal(it->weightBytes, LAYER_BYTES);
        assert_int_equal(it->kvBytesPerToken, 2 * 2 * 32 * 2); /* K and V, 2 KV heads × 32, f16 */
        assert_int_equal(it->kvWindow, 0);
        assert_true(it->flopsPerToken >= LAYER_FLOPS && it->flopsPerToken < LAYER_FLOPS * 1.01);
        assert_true(it->attnFlopsPerTokenKey == 4.0 * 4 * 32);
        assert_int_equal(it->nGraphNodes, 16);
        /* residual stream + positions (read by every later layer) */
        assert_int_equal(it->outBytesPerToken, 128 * 4 + (l < 3 ? 4 : 0));
    }
    /* the tied lm_head reads token_embd: its device holds a copy (+ the final norm) */
    assert_string_equal(items.items[5].op, "lmHead");
    assert_int_equal(items.items[5].weightBytes, EMBD_BYTES + 128 * 4);
    assert_int_equal(total, 853120ull * 4 + EMBD_BYTES);
    assert_int_equal(graphNodes, (size_t)nGraph); /* every graph node in exactly one item */
    hgnPlanItemsFree(&items);

    safetensorsItems(&items);
    assert_int_equal(items.kvFormat, HGN_WEIGHTS_F32); /* HF graphs cache in the weights' float type */
    assert_int_equal(items.items[1].kvBytesPerToken, 2 * 2 * 32 * 4);
    assert_int_equal(items.items[2].weightBytes, LAYER_BYTES);
    hgnPlanItemsFree(&items);
}

static HgnPlanOptions fixtureOptions(void) {
    HgnPlanOptions o = {0};
    o.context = 512;
    o.contextFixed = true;
    o.batch = 1;
    o.createdAt = "2026-01-01T00:00:00Z";
    return o;
}

static char *readAll(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (b) b[n] = '\0';
    fclose(f);
    return b;
}

static HgnPlan *planGolden(const HgnPlanItems *items, const char *hardware, const char *golden) {
    HgnMachine m;
    char path[512];
    snprintf(path, sizeof path, "hardware/%s", hardware);
    ok(hgnMachineFromHardwareFile(path, &m));
    HgnPlanOptions o = fixtureOptions();
    HgnPlan *plan = NULL, *back = NULL;
    char *text = NULL, *text2 = NULL;
    ok(hgnPlanCreate(items, &m, &o, &plan));
    ok(hgnPlanWriteJson(plan, &text));
    ok(hgnPlanReadJson(text, strlen(text), golden, &back));
    ok(hgnPlanWriteJson(back, &text2));
    assert_string_equal(text, text2); /* graphNodes survive the round trip */
    snprintf(path, sizeof path, "plans/%s", golden);
    const char *update = getenv("HGN_UPDATE_GOLDEN");
    if (update && *update == '1') {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
    }
    char *expected = readAll(path);
    if (!expected) print_error("missing golden %s (run with HGN_UPDATE_GOLDEN=1)\n", path);
    assert_non_null(expected);
    assert_string_equal(expected, text);
    free(expected);
    hgnFree(text);
    hgnFree(text2);
    hgnPlanFree(back);
    hgnMachineFree(&m);
    return plan;
}

static void testFixtureGoldenCpu(void **state) {
    (void)state;
    HgnPlanItems items;
    ggufItems(NULL, &items, NULL);
    HgnPlan *p = planGolden(&items, "cpuOnly.json", "fixture-gguf.cpu.json");
    assert_int_equal(p->nDevices, 1);
    assert_true(p->fits);
    assert_int_equal(p->nFileDigests, 1);
    assert_int_equal(p->devices[0].ledger.weightsBytes, 853120ull * 4 + EMBD_BYTES);
    assert_int_equal(p->devices[0].ledger.kvCacheBytes, 4ull * 256 * 512);
    assert_int_equal(p->nodes[1].nGraphNodes, 16);
    assert_string_equal(p->nodes[1].graphNodes[0], "l0.attnNorm");
    hgnPlanFree(p);
    hgnPlanItemsFree(&items);

    safetensorsItems(&items);
    p = planGolden(&items, "cpuOnly.json", "fixture-safetensors.cpu.json");
    assert_int_equal(p->devices[0].ledger.kvCacheBytes, 4ull * 512 * 512);
    hgnPlanFree(p);
    hgnPlanItemsFree(&items);
}

static void testFixtureGoldenTwoCpus(void **state) {
    (void)state;
    HgnPlanItems items;
    ggufItems(NULL, &items, NULL);
    HgnPlan *p = planGolden(&items, "twoCpus.json", "fixture-gguf.2cpu.json");
    assert_int_equal(p->nDevices, 2);
    assert_string_equal(p->devices[0].id, "cpu:0");
    assert_string_equal(p->devices[1].id, "cpu:1");
    assert_true(p->devices[0].firstNode == 0);
    assert_true(p->devices[1].firstNode > 0 && (size_t)p->devices[1].lastNode == p->nNodes - 1);
    assert_int_equal(p->nTransfers, 1);
    assert_string_equal(p->transfers[0].link, "memory");
    assert_int_equal(p->transfers[0].bytesPerStep, 128 * 4 + 4);
    assert_int_equal(p->hostMemoryBytes, 2 * 78ull << 20);
    for (size_t d = 0; d < 2; d++) {
        const HgnPlanLedger *l = &p->devices[d].ledger;
        assert_true(l->weightsBytes + l->kvCacheBytes + l->activationBytes + l->overheadBytes <=
                    p->devices[d].memoryWindowBytes);
    }

    /* summary aggregates the ledgers; the bottleneck is a stage */
    json_t *sum = NULL;
    ok(hgnPlanSummaryToJson(p, &sum));
    json_t *tot = json_object_get(sum, "totals");
    assert_int_equal(json_integer_value(json_object_get(tot, "weightsBytes")),
                     p->devices[0].ledger.weightsBytes + p->devices[1].ledger.weightsBytes);
    assert_int_equal(json_integer_value(json_object_get(tot, "devicesUsed")), 2);
    json_t *devs = json_object_get(sum, "devices");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(devs, 0), "layers")) +
                         json_integer_value(json_object_get(json_array_get(devs, 1), "layers")),
                     4);
    assert_string_equal(json_string_value(json_object_get(json_object_get(sum, "bottleneck"), "kind")), "memory");
    json_decref(sum);

    /* dot: a NUMA cluster holding both device clusters, the cut labelled with its bytes */
    char *dot = NULL;
    ok(hgnPlanWriteDot(p, &dot));
    assert_non_null(strstr(dot, "subgraph cluster_numa0"));
    assert_non_null(strstr(dot, "subgraph cluster_dev0"));
    assert_non_null(strstr(dot, "subgraph cluster_dev1"));
    assert_non_null(strstr(dot, "label=\"516 B/step memory\""));
    hgnFree(dot);

    /* diff against the one-device plan: ranges, the new device, moved nodes */
    HgnMachine m;
    ok(hgnMachineFromHardwareFile("hardware/cpuOnly.json", &m));
    HgnPlanOptions o = fixtureOptions();
    HgnPlan *one = NULL;
    ok(hgnPlanCreate(&items, &m, &o, &one));
    json_t *diff = NULL;
    ok(hgnPlanDiff(one, p, &diff));
    bool range = false, added = false, moved = false;
    size_t i;
    json_t *d;
    json_array_foreach(diff, i, d) {
        const char *path = json_string_value(json_object_get(d, "path"));
        range |= strcmp(path, "/devices/cpu:0/nodeRange") == 0;
        added |= strcmp(path, "/devices/cpu:1") == 0 && json_is_null(json_object_get(d, "a"));
        moved |= strcmp(path, "/nodes/output/device") == 0;
    }
    assert_true(range && added && moved);
    json_decref(diff);
    ok(hgnPlanDiff(p, p, &diff));
    assert_int_equal(json_array_size(diff), 0);
    json_decref(diff);
    hgnPlanFree(one);
    hgnMachineFree(&m);
    hgnPlanFree(p);
    hgnPlanItemsFree(&items);
}

static void testVirtualCpuErrors(void **state) {
    (void)state;
    HgnMachine m;
    const char *tooBig = "{\"hardwareVersion\":1,\"host\":{\"memory\":\"1GiB\"},"
                         "\"cpus\":[{\"memory\":\"768MiB\"},{\"memory\":\"512MiB\"}]}";
    expectError(hgnMachineFromHardwareJson(tooBig, strlen(tooBig), "hw.json", &m), HGN_CODE_TopologyInvalid,
                "hw.json:/cpus");
    const char *threads = "{\"hardwareVersion\":1,\"host\":{\"memory\":\"1GiB\",\"cores\":2},"
                          "\"cpus\":[{\"memory\":\"1MiB\",\"threads\":2},{\"memory\":\"1MiB\",\"threads\":1}]}";
    expectError(hgnMachineFromHardwareJson(threads, strlen(threads), "hw.json", &m), HGN_CODE_TopologyInvalid,
                "threads");
    const char *noMem = "{\"hardwareVersion\":1,\"host\":{\"memory\":\"1GiB\"},\"cpus\":[{\"threads\":1}]}";
    expectError(hgnMachineFromHardwareJson(noMem, strlen(noMem), "hw.json", &m), HGN_CODE_TopologyInvalid, "/cpus/0");
    const char *good = "{\"hardwareVersion\":1,\"host\":{\"memory\":\"1GiB\",\"cores\":4},"
                       "\"cpus\":[{\"memory\":\"256MiB\",\"threads\":3},{\"memory\":\"256MiB\"}]}";
    ok(hgnMachineFromHardwareJson(good, strlen(good), "hw.json", &m));
    assert_int_equal(m.count, 2);
    assert_string_equal(m.devices[1].id, "cpu:1");
    assert_int_equal(m.devices[0].memoryBytes, 256ull << 20);
    assert_true(m.devices[0].peakFp32 > m.devices[1].peakFp32); /* 3 threads vs 1 */
    assert_string_equal(m.linkPath[1], "memory");
    assert_true(m.linkBandwidth[1] > 0);
    hgnMachineFree(&m);
}

static void testQuantConfig(void **state) {
    (void)state;
    const char *toml = "[weights]\ndefault = \"q8_0\"\nrules = { \"token_embd.weight\" = \"f16\", \"blk.*.ffn_*\" = "
                       "\"q4_0\", \"blk.*\" = \"q5_0\" }\n[kvCache]\nformat = \"q8_0\"\n";
    HgnPlanQuantConfig qc;
    ok(hgnPlanQuantConfigParse(toml, strlen(toml), "q.toml", &qc));
    assert_true(qc.hasDefault && qc.hasKv);
    assert_int_equal(qc.nRules, 3);
    HgnWeightFormat f;
    assert_true(hgnPlanQuantConfigFormatFor(&qc, "blk.0.ffn_up.weight", 2, &f));
    assert_int_equal(f, HGN_WEIGHTS_Q4_0); /* the longest matching pattern wins */
    assert_true(hgnPlanQuantConfigFormatFor(&qc, "blk.0.attn_q.weight", 2, &f));
    assert_int_equal(f, HGN_WEIGHTS_Q5_0);
    assert_true(hgnPlanQuantConfigFormatFor(&qc, "output_norm.weight", 2, &f));
    assert_int_equal(f, HGN_WEIGHTS_Q8_0);
    assert_false(hgnPlanQuantConfigFormatFor(&qc, "output_norm.weight", 1, &f)); /* vectors keep their dtype */

    HgnPlanItems items;
    ggufItems(&qc, &items, NULL);
    assert_int_equal(items.kvFormat, HGN_WEIGHTS_Q8_0);
    assert_int_equal(items.items[0].weightBytes, 512ull * 128 * 2);
    /* blk.N: norms f32 (vectors) + attention q5_0 (22 bytes per 32) + FFN q4_0 (18 bytes per 32) */
    uint64_t attn = (128ull * 128 * 2 + 64ull * 128 * 2) / 32 * 22, ffn = 3ull * 384 * 128 / 32 * 18;
    assert_int_equal(items.items[1].weightBytes, 2ull * 128 * 4 + attn + ffn);
    assert_int_equal(items.items[1].kvBytesPerToken, 2 * 2 * 34); /* 2 × 64 elements in q8_0 blocks */
    assert_int_equal(items.weights, HGN_WEIGHTS_Q4_0);            /* the format holding most bytes */
    hgnPlanItemsFree(&items);
    hgnPlanQuantConfigFree(&qc);

    const char *json = "{\"weights\": {\"default\": \"bf16\"}}";
    ok(hgnPlanQuantConfigParse(json, strlen(json), "q.json", &qc));
    assert_int_equal(qc.weightsDefault, HGN_WEIGHTS_BF16);
    assert_false(qc.hasKv);
    hgnPlanQuantConfigFree(&qc);

    const char *unknownKey = "[weights]\ndefualt = \"q8_0\"\n";
    expectError(hgnPlanQuantConfigParse(unknownKey, strlen(unknownKey), "q.toml", &qc), HGN_CODE_InvalidConfig,
                "q.toml#/weights/defualt");
    const char *badFormat = "[weights]\nrules = { \"blk.*\" = \"q3_Q\" }\n";
    expectError(hgnPlanQuantConfigParse(badFormat, strlen(badFormat), "q.toml", &qc), HGN_CODE_IncompatibleQuantizer,
                "q.toml#/weights/rules/blk.*");
    const char *badKv = "[kvCache]\nformat = \"q4_K\"\n";
    expectError(hgnPlanQuantConfigParse(badKv, strlen(badKv), "q.toml", &qc), HGN_CODE_IncompatibleQuantizer,
                "q.toml#/kvCache/format");
    const char *wrongType = "weights = 4\n";
    expectError(hgnPlanQuantConfigParse(wrongType, strlen(wrongType), "q.toml", &qc), HGN_CODE_InvalidConfig,
                "q.toml#/weights");
    const char *syntax = "[weights]\ndefault = \"q8_0\n";
    expectError(hgnPlanQuantConfigParse(syntax, strlen(syntax), "q.toml", &qc), HGN_CODE_InvalidConfig, "q.toml:2");
    const char *badJson = "{\"weights\": }";
    expectError(hgnPlanQuantConfigParse(badJson, strlen(badJson), "q.json", &qc), HGN_CODE_InvalidConfig, "q.json:1");
    expectError(hgnPlanQuantConfigLoad("no/such/q.toml", &qc), HGN_CODE_NotFound, "no/such/q.toml");
}

/* Config-only graphs: a Mistral sliding window caps the KV (kvWindow), Mixtral's
 * routed experts cost topK of them per token, f16 weights (torch_dtype). */
static void configItems(const char *json, HgnPlanItems *items) {
    HgnHfConfig *c = NULL;
    HgnGraph *g = NULL;
    ok(hgnHfConfigParse(json, strlen(json), "/m/config.json", &c));
    ok(hgnLlmGraphFromHfConfig(c, &g));
    ok(hgnPlanItemsFromLlmGraph(g, 1024, NULL, items));
    hgnGraphFree(g);
    hgnHfConfigFree(c);
}

static void testWindowAndExperts(void **state) {
    (void)state;
    HgnPlanItems items;
    configItems("{\"architectures\":[\"MistralForCausalLM\"],\"hidden_size\":64,\"intermediate_size\":128,"
                "\"num_hidden_layers\":2,\"num_attention_heads\":4,\"num_key_value_heads\":2,\"vocab_size\":256,"
                "\"max_position_embeddings\":1024,\"sliding_window\":128,\"torch_dtype\":\"float16\"}",
                &items);
    assert_int_equal(items.count, 4);
    assert_int_equal(items.items[1].kvWindow, 128);
    assert_int_equal(items.items[2].kvWindow, 128);
    assert_int_equal(items.items[1].kvBytesPerToken, 2 * 2 * 16 * 2); /* K, V × 2 KV heads × 16 × f16 */
    /* f16 weights: q,o 64×64, k,v 32×64, gate/up/down 3 × 128×64, two norms */
    assert_int_equal(items.items[1].weightBytes, (64ull * 64 * 2 + 32ull * 64 * 2 + 3ull * 128 * 64) * 2 + 2 * 64 * 2);
    assert_int_equal(items.weights, HGN_WEIGHTS_F16);
    assert_int_equal(items.items[1].computeDtype, HGN_WEIGHTS_F16);
    hgnPlanItemsFree(&items);

    configItems("{\"architectures\":[\"MixtralForCausalLM\"],\"hidden_size\":64,\"intermediate_size\":128,"
                "\"num_hidden_layers\":2,\"num_attention_heads\":4,\"num_key_value_heads\":2,\"vocab_size\":256,"
                "\"num_local_experts\":4,\"num_experts_per_tok\":2,\"torch_dtype\":\"bfloat16\"}",
                &items);
    const HgnPlanItem *blk = &items.items[1];
    /* attention 2·(64·64·2 + 32·64·2) + router 2·4·64 + experts topK 2 × 3 × 2·128·64, + elementwise */
    double dense = 2.0 * (64 * 64 * 2 + 32 * 64 * 2) + 2.0 * 4 * 64 + 2.0 * 3 * 2 * 128 * 64;
    assert_true(blk->flopsPerToken >= dense && blk->flopsPerToken < dense * 1.05);
    /* every expert's weights are held: 4 × 3 × 128×64 bf16 */
    assert_true(blk->weightBytes > 4ull * 3 * 128 * 64 * 2);
    assert_int_equal(items.weights, HGN_WEIGHTS_BF16);
    hgnPlanItemsFree(&items);
}

static void testCalibrationAndCpuDevices(void **state) {
    (void)state;
    HgnMachine m;
    ok(hgnMachineFromHardwareFile("hardware/cpuOnly.json", &m)); /* one cpu:0, 16 GiB, 4 cores */
    double peak = m.devices[0].peakFp32;
    HgnMachineCpu cpus[] = {{"cpu:0", 1ull << 30, 3}, {"cpu:1", 1ull << 30, 1}};
    ok(hgnMachineSetCpuDevices(&m, cpus, 2, "runtime.devices"));
    assert_int_equal(m.count, 2);
    assert_string_equal(m.devices[1].id, "cpu:1");
    assert_int_equal(m.devices[1].memoryBytes, 1ull << 30);
    assert_true(m.devices[0].peakFp32 > 2.9 * m.devices[1].peakFp32 && m.devices[0].peakFp32 < peak);
    assert_string_equal(m.linkPath[1], "memory");
    HgnCalibration c = {
        .peakFp32 = 1e11, .peakFp16 = 1e11, .peakBf16 = 1e11, .peakInt8 = 1e11, .memoryBandwidth = 4e10};
    hgnMachineApplyCalibration(&m, &c);
    assert_true(m.devices[0].peakFp32 + m.devices[1].peakFp32 > 0.999e11 &&
                m.devices[0].peakFp32 + m.devices[1].peakFp32 < 1.001e11);
    assert_string_equal(m.devices[0].profileId, "calibrated");
    HgnMachineCpu twice[] = {{"cpu:0", 1, 0}, {"cpu:0", 1, 0}};
    expectError(hgnMachineSetCpuDevices(&m, twice, 2, "runtime.devices"), HGN_CODE_InvalidConfig, "twice");
    HgnMachineCpu huge[] = {{"cpu:7", 1ull << 40, 0}};
    expectError(hgnMachineSetCpuDevices(&m, huge, 1, "runtime.devices"), HGN_CODE_InvalidConfig, "exceed");
    HgnMachineCpu badId[] = {{"gpu:0", 1, 0}};
    expectError(hgnMachineSetCpuDevices(&m, badId, 1, "runtime.devices"), HGN_CODE_InvalidConfig, "runtime.devices");
    hgnMachineFree(&m);

    /* a written profile reads back; bad fields are named */
    char *text = NULL;
    snprintf(c.host, sizeof c.host, "test cpu");
    snprintf(c.measuredAt, sizeof c.measuredAt, "2026-01-01T00:00:00Z");
    ok(hgnCalibrationWriteJson(&c, &text));
    char path[] = "/tmp/hgnCalibXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    hgnFree(text);
    HgnCalibration back;
    ok(hgnCalibrationLoad(path, &back));
    assert_true(back.peakFp32 == 1e11 && back.memoryBandwidth == 4e10);
    assert_string_equal(back.host, "test cpu");
    FILE *f = fopen(path, "wb");
    fputs("{\"calibrationVersion\":1,\"peakFlops\":{\"f32\":1e9},\"memoryBandwidth\":\"fast\"}", f);
    fclose(f);
    expectError(hgnCalibrationLoad(path, &back), HGN_CODE_InvalidConfig, "#/memoryBandwidth");
    f = fopen(path, "wb");
    fputs("{\"calibrationVersion\":2}", f);
    fclose(f);
    expectError(hgnCalibrationLoad(path, &back), HGN_CODE_InvalidConfig, "#/calibrationVersion");
    unlink(path);
    expectError(hgnCalibrationLoad(path, &back), HGN_CODE_NotFound, "huginn calibrate");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testFixtureItems),
        cmocka_unit_test(testFixtureGoldenCpu),
        cmocka_unit_test(testFixtureGoldenTwoCpus),
        cmocka_unit_test(testVirtualCpuErrors),
        cmocka_unit_test(testQuantConfig),
        cmocka_unit_test(testWindowAndExperts),
        cmocka_unit_test(testCalibrationAndCpuDevices),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
