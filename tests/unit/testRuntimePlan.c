/* testRuntimePlan.c — the runtime through a plan and on bad input: a plan of
 * the fixture GGUF (planner API, CPU-only machine) written, read back
 * validated and run (greedy text of the reference); a plan for another file
 * (digest) → HGN-0002 naming the file; a missing or truncated model file;
 * a plan whose device budget is too small → HGN-0003 naming a node; empty,
 * invalid UTF-8 and too-long prompts → HGN-0402; --threads 0 →
 * InvalidArgument; the artefacts folder complete after a run and never
 * complete-looking after a failed one. */
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
#include "huginn/gguf.h"
#include "huginn/llmGraph.h"
#include "huginn/planner.h"
#include "huginn/runtime.h"

#define FIXTURE HGN_TEST_DATA "/fixture/model-f32.gguf"

static char tmpDir[128];

static void expectCode(HgnStatus st, HgnCode code, const char *whereHas) {
    if (!st) fail_msg("expected HGN-%04d, got success", (int)code);
    if (hgnStatusCode(st) != code)
        fail_msg("expected HGN-%04d, got HGN-%04d: %s", (int)code, (int)hgnStatusCode(st), hgnStatusMessage(st));
    if (whereHas) {
        const char *w = hgnStatusWhere(st);
        if (!w || !strstr(w, whereHas))
            fail_msg("where '%s' lacks '%s' (%s)", w ? w : "(null)", whereHas, hgnStatusMessage(st));
    }
    hgnStatusFree(st);
}

static void copyFile(const char *from, const char *to, long truncateTo) {
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    assert_non_null(a);
    assert_non_null(b);
    char buf[65536];
    size_t n;
    long total = 0;
    while ((n = fread(buf, 1, sizeof buf, a)) > 0) {
        if (truncateTo >= 0 && total + (long)n > truncateTo) n = (size_t)(truncateTo - total);
        fwrite(buf, 1, n, b);
        total += (long)n;
        if (truncateTo >= 0 && total >= truncateTo) break;
    }
    fclose(a);
    fclose(b);
}

/* A plan of model `path` on a CPU-only machine, written to and read back from plan.json. */
static HgnPlan *makePlan(const char *path, uint64_t context) {
    HgnGgufFile *f = NULL;
    assert_null(hgnGgufOpen(path, &f));
    HgnGraph *g = NULL;
    assert_null(hgnLlmGraphFromGguf(f, &g));
    hgnGraphSetSource(g, path);
    HgnPlanItems items;
    hgnPlanItemsInit(&items);
    assert_null(hgnPlanItemsFromGraph(g, &items));
    hgnFree(items.modelSource);
    items.modelSource = hgnStrdup("gguf");
    items.isLlm = true;
    for (size_t i = 0; i < items.count; i++)
        if (strcmp(items.items[i].op, "attention") == 0) items.items[i].kvBytesPerToken = 2 * 64 * 2;
    const char *hw = "{\"hardwareVersion\":1,\"name\":\"test\",\"host\":{\"memory\":\"4GiB\",\"profile\":\"cpu-avx2\","
                     "\"cores\":2}}";
    HgnMachine m;
    assert_null(hgnMachineFromHardwareJson(hw, strlen(hw), "hw.json", &m));
    HgnPlanOptions po = {.context = context, .contextFixed = true, .createdAt = "2026-01-01T00:00:00Z"};
    HgnPlan *plan = NULL;
    HgnStatus st = hgnPlanCreate(&items, &m, &po, &plan);
    if (st) fail_msg("%s", hgnStatusMessage(st));
    char *json = NULL;
    assert_null(hgnPlanWriteJson(plan, &json));
    char planPath[256];
    snprintf(planPath, sizeof planPath, "%s/plan.json", tmpDir);
    FILE *o = fopen(planPath, "w");
    fputs(json, o);
    fclose(o);
    const char *keep = getenv("HGN_KEEP_PLAN"); /* a plan for trying the CLI by hand */
    if (keep && access(keep, F_OK) != 0 && (o = fopen(keep, "w"))) {
        fputs(json, o);
        fclose(o);
    }
    hgnFree(json);
    hgnPlanFree(plan);
    plan = NULL;
    st = hgnPlanReadFile(planPath, &plan);
    if (st) fail_msg("%s at %s", hgnStatusMessage(st), hgnStatusWhere(st));
    hgnMachineFree(&m);
    hgnPlanItemsFree(&items);
    hgnGraphFree(g);
    hgnGgufClose(f);
    return plan;
}

static char streamed[4096];
static size_t streamedLen;
static void collect(void *ctx, const char *text, size_t len) {
    (void)ctx;
    assert_true(streamedLen + len < sizeof streamed);
    memcpy(streamed + streamedLen, text, len);
    streamedLen += len;
    streamed[streamedLen] = 0;
}

static HgnRuntimeOptions opts(void) {
    HgnRuntimeOptions o;
    hgnRuntimeOptionsInit(&o);
    o.threads = 2;
    return o;
}

static void testPlanRun(void **state) {
    (void)state;
    HgnPlan *plan = makePlan(FIXTURE, 256);
    HgnRuntimeOptions o = opts();
    HgnRuntime *rt = NULL;
    HgnStatus st = hgnRuntimeOpenPlan(plan, "plan.json", &o, &rt);
    if (st) fail_msg("%s at %s", hgnStatusMessage(st), hgnStatusWhere(st));
    assert_int_equal(hgnRuntimeContext(rt), 256);
    HgnGenerateOptions go;
    hgnGenerateOptionsInit(&go);
    go.sampler.temperature = 0;
    go.maxTokens = 12;
    char dir[256];
    snprintf(dir, sizeof dir, "%s/artifacts", tmpDir);
    go.artifactsDir = dir;
    HgnGenerateResult r;
    const char *prompt = "what colour is the sky? the sky is";
    st = hgnGenerate(rt, prompt, strlen(prompt), &go, &r);
    if (st) fail_msg("%s", hgnStatusMessage(st));
    printf("generated: '%s' (%zu tokens, %s)\n", r.text, r.nTokens, r.stopReason);
    assert_true(strncmp(r.text, " blue. there is a blue", 22) == 0);
    assert_int_equal(r.nTokens, 12);
    hgnGenerateResultFree(&r);
    static const char *const files[] = {"summary.json", "outputs.jsonl", "metrics.jsonl", "trace.json"};
    for (size_t i = 0; i < 4; i++) {
        char p[320];
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        assert_int_equal(access(p, R_OK), 0);
        snprintf(p, sizeof p, "%s/%s.partial", dir, files[i]);
        assert_int_not_equal(access(p, F_OK), 0);
    }
    /* stop strings end the text before them; the stream never shows any part of one */
    go.stop = (const char *const[]){"garden", "the gard"};
    go.nStop = 2;
    go.maxTokens = 40;
    go.artifactsDir = NULL;
    go.onText = collect;
    streamedLen = 0;
    assert_null(hgnGenerate(rt, prompt, strlen(prompt), &go, &r));
    assert_string_equal(r.stopReason, "stop");
    assert_null(strstr(r.text, "gard"));
    assert_string_equal(streamed, r.text);
    assert_string_equal(r.text, " blue. there is a blue book in ");
    hgnGenerateResultFree(&r);
    go.onText = NULL;
    /* bad prompts */
    expectCode(hgnGenerate(rt, "", 0, &go, &r), HGN_CODE_InvalidInput, "prompt");
    expectCode(hgnGenerate(rt, "ab\xff", 3, &go, &r), HGN_CODE_InvalidInput, "prompt");
    char *longPrompt = malloc(4000);
    for (int i = 0; i < 3999; i++) longPrompt[i] = "ab c"[i % 4];
    longPrompt[3999] = 0;
    go.artifactsDir = dir;
    expectCode(hgnGenerate(rt, longPrompt, strlen(longPrompt), &go, &r), HGN_CODE_InvalidInput, "prompt");
    free(longPrompt);
    hgnRuntimeFree(rt);
    hgnPlanFree(plan);
}

static void testWrongModel(void **state) {
    (void)state;
    char copy[256], planPath[256];
    snprintf(copy, sizeof copy, "%s/model.gguf", tmpDir);
    snprintf(planPath, sizeof planPath, "%s/plan.json", tmpDir);
    copyFile(FIXTURE, copy, -1);
    HgnPlan *plan = makePlan(copy, 128);
    HgnRuntimeOptions o = opts();
    HgnRuntime *rt = NULL;
    /* another file in its place: digest mismatch names the file */
    FILE *f = fopen(copy, "r+b");
    fseek(f, -4, SEEK_END);
    fputc(0x42, f);
    fclose(f);
    expectCode(hgnRuntimeOpenPlan(plan, planPath, &o, &rt), HGN_CODE_PlanSchemaViolation, "model.gguf");
    /* truncated */
    copyFile(FIXTURE, copy, 100000);
    expectCode(hgnRuntimeOpenPlan(plan, planPath, &o, &rt), HGN_CODE_PlanSchemaViolation, "model.gguf");
    expectCode(hgnRuntimeOpen(copy, &o, &rt), HGN_CODE_TruncatedFile, "model.gguf");
    /* missing */
    unlink(copy);
    expectCode(hgnRuntimeOpenPlan(plan, planPath, &o, &rt), HGN_CODE_NotFound, "model.gguf");
    expectCode(hgnRuntimeOpen(copy, &o, &rt), HGN_CODE_NotFound, "model.gguf");
    hgnPlanFree(plan);
}

static void testBudget(void **state) {
    (void)state;
    HgnPlan *plan = makePlan(FIXTURE, 128);
    HgnRuntimeOptions o = opts();
    HgnRuntime *rt = NULL;
    plan->devices[0].ledger.activationBytes = 0;
    plan->devices[0].ledger.overheadBytes = 0;
    plan->devices[0].ledger.kvCacheBytes = 100000;
    HgnStatus st = hgnRuntimeOpenPlan(plan, "plan.json", &o, &rt);
    assert_non_null(st);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_OverBudget);
    printf("budget error: %s at %s\n", hgnStatusMessage(st), hgnStatusWhere(st));
    assert_non_null(strstr(hgnStatusMessage(st), "node '"));
    hgnStatusFree(st);
    hgnPlanFree(plan);
}

static void testOptions(void **state) {
    (void)state;
    HgnRuntimeOptions o = opts();
    HgnRuntime *rt = NULL;
    o.threads = 0;
    expectCode(hgnRuntimeOpen(FIXTURE, &o, &rt), HGN_CODE_InvalidArgument, "threads");
    o = opts();
    o.context = 8;
    assert_null(hgnRuntimeOpen(FIXTURE, &o, &rt));
    int32_t ids[9] = {1, 300, 300, 300, 300, 300, 300, 300, 300};
    expectCode(hgnRuntimeEval(rt, ids, 9, false, NULL), HGN_CODE_OverBudget, "context");
    ids[1] = 9999;
    expectCode(hgnRuntimeEval(rt, ids, 2, false, NULL), HGN_CODE_InvalidInput, "tokens");
    hgnRuntimeFree(rt);
}

/* Every allocation of opening the fixture and generating a few tokens fails
 * in turn: each gives an error (OutOfMemory or the reader's), never a crash
 * or a leak (ASan). */
static void testAllocFailures(void **state) {
    (void)state;
    HgnRuntimeOptions o = opts();
    o.context = 64;
    o.threads = 1;
    HgnGenerateOptions go;
    hgnGenerateOptionsInit(&go);
    go.sampler.temperature = 0;
    go.maxTokens = 3;
    uint64_t before = hgnAllocCount();
    HgnRuntime *rt = NULL;
    HgnGenerateResult r;
    assert_null(hgnRuntimeOpen(FIXTURE, &o, &rt));
    assert_null(hgnGenerate(rt, "the sky", 7, &go, &r));
    hgnGenerateResultFree(&r);
    hgnRuntimeFree(rt);
    uint64_t total = hgnAllocCount() - before;
    /* every allocation up to 200, then a sample of the rest */
    size_t failures = 0;
    for (uint64_t n = 1; n <= total; n += n < 200 ? 1 : 53) {
        hgnAllocFailAt(n, 0);
        rt = NULL;
        HgnStatus st = hgnRuntimeOpen(FIXTURE, &o, &rt);
        if (!st) st = hgnGenerate(rt, "the sky", 7, &go, &r);
        if (!st) hgnGenerateResultFree(&r);
        hgnRuntimeFree(rt);
        hgnAllocFailAt(0, 0);
        if (st) failures++;
        hgnStatusFree(st);
    }
    printf("allocation failures: %llu allocations, %zu injected runs failed cleanly\n", (unsigned long long)total,
           failures);
    assert_true(failures > 0);
}

/* Session state saved after the prompt and loaded again continues with the
 * same tokens, on one device and on two; state of another context, a
 * truncated or foreign blob are refused. */
static void greedy(HgnRuntime *rt, float *logits, int32_t *out, int n) {
    for (int i = 0; i < n; i++) {
        int32_t best = 0;
        for (int32_t k = 1; k < 512; k++)
            if (logits[k] > logits[best]) best = k;
        out[i] = best;
        assert_null(hgnRuntimeEval(rt, &best, 1, false, logits));
    }
}

static void testState(void **state) {
    (void)state;
    for (int devices = 1; devices <= 2; devices++) {
        HgnRuntimeOptions o = opts();
        o.context = 64;
        o.nDevices = devices;
        HgnRuntime *rt = NULL, *other = NULL;
        assert_null(hgnRuntimeOpen(FIXTURE, &o, &rt));
        int32_t ids[] = {1, 472, 320, 378, 61};
        float logits[512], saved[512];
        assert_null(hgnRuntimeEval(rt, ids, 5, false, logits));
        memcpy(saved, logits, sizeof saved);
        size_t size = (size_t)hgnRuntimeStateSize(rt), written = 0;
        uint8_t *blob = malloc(size);
        assert_null(hgnRuntimeStateSave(rt, blob, size, &written));
        assert_int_equal(written, size);
        int32_t a[6], b[6];
        greedy(rt, logits, a, 6);
        assert_null(hgnRuntimeStateLoad(rt, blob, size));
        assert_int_equal(hgnRuntimePosition(rt), 5);
        memcpy(logits, saved, sizeof saved);
        greedy(rt, logits, b, 6);
        assert_memory_equal(a, b, sizeof a);
        expectCode(hgnRuntimeStateLoad(rt, blob, size - 3), HGN_CODE_PlanSchemaViolation, "state");
        blob[0] ^= 1;
        expectCode(hgnRuntimeStateLoad(rt, blob, size), HGN_CODE_PlanSchemaViolation, "state:offset 0");
        blob[0] ^= 1;
        o.context = 32;
        assert_null(hgnRuntimeOpen(FIXTURE, &o, &other));
        expectCode(hgnRuntimeStateLoad(other, blob, size), HGN_CODE_PlanSchemaViolation, "state");
        hgnRuntimeFree(other);
        free(blob);
        hgnRuntimeFree(rt);
    }
}

static int setup(void **state) {
    (void)state;
    snprintf(tmpDir, sizeof tmpDir, "/tmp/hgnRuntimePlanXXXXXX");
    return mkdtemp(tmpDir) ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpDir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(testPlanRun),       cmocka_unit_test(testWrongModel),
                                       cmocka_unit_test(testBudget),        cmocka_unit_test(testOptions),
                                       cmocka_unit_test(testAllocFailures), cmocka_unit_test(testState)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
