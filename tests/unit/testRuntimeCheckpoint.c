/* testRuntimeCheckpoint.c — multi-device runs, checkpoints and device loss
 * on the fixture GGUF: 1, 2 and 4 virtual CPU devices give the same tokens
 * (transfers counted); a device window too small for its nodes → HGN-0003
 * naming node and device before anything runs; checkpoint files round-trip
 * and every damaged byte, truncation or allocation failure is refused
 * cleanly (HGN-0002 / HGN-0007); a run resumed from a checkpoint taken
 * mid-run gives the uninterrupted run's tokens (greedy and seeded) and one
 * from another model is refused; drained and failed devices (with and
 * without checkpoints, without a plan and through a plan's fallbacks) finish
 * with identical tokens, and impossible losses are clear errors; a run the
 * caller's stop hook ends after k tokens holds exactly k tokens and a
 * checkpoint at k from which a resumed run gives the uninterrupted tokens. */
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
#include "huginn/plan.h"
#include "huginn/runtime.h"
#include "runtime/checkpoint.h"

#define FIXTURE    HGN_TEST_DATA "/fixture/model-f32.gguf"
#define FIXTURE_ST HGN_TEST_DATA "/fixture/model.safetensors"
#define PROMPT     "once upon a time there was"
#define NTOK       40

static char tmpDir[128];

static void expectCode(HgnStatus st, HgnCode code, const char *msgHas) {
    if (!st) fail_msg("expected HGN-%04d, got success", (int)code);
    if (hgnStatusCode(st) != code)
        fail_msg("expected HGN-%04d, got HGN-%04d: %s", (int)code, (int)hgnStatusCode(st), hgnStatusMessage(st));
    if (msgHas && !strstr(hgnStatusMessage(st), msgHas))
        fail_msg("message '%s' lacks '%s'", hgnStatusMessage(st), msgHas);
    hgnStatusFree(st);
}

static HgnRuntime *openDevices(int32_t devices) {
    HgnRuntimeOptions o;
    hgnRuntimeOptionsInit(&o);
    o.threads = 2;
    o.context = 128;
    o.nDevices = devices;
    HgnRuntime *rt = NULL;
    HgnStatus st = hgnRuntimeOpen(FIXTURE, &o, &rt);
    if (st) fail_msg("%s", hgnStatusMessage(st));
    return rt;
}

static HgnGenerateOptions genOpts(bool seeded) {
    HgnGenerateOptions g;
    hgnGenerateOptionsInit(&g);
    g.maxTokens = NTOK;
    g.ignoreEos = true;
    if (seeded) {
        g.sampler.temperature = 1.0f;
        g.sampler.topK = 0;
        g.sampler.topP = 1.0f;
        g.sampler.minP = 0.0f;
        g.sampler.seed = 99;
    } else
        g.sampler.temperature = 0.0f;
    return g;
}

static void generate(HgnRuntime *rt, const HgnGenerateOptions *g, int32_t *tokens) {
    HgnGenerateResult r;
    HgnStatus st = hgnGenerate(rt, PROMPT, strlen(PROMPT), g, &r);
    if (st) fail_msg("%s at %s", hgnStatusMessage(st), hgnStatusWhere(st));
    assert_int_equal(r.nTokens, NTOK);
    memcpy(tokens, r.tokens, NTOK * sizeof *tokens);
    hgnGenerateResultFree(&r);
}

static void subdir(char *buf, size_t n, const char *name) { snprintf(buf, n, "%s/%s", tmpDir, name); }

static void testDevicesAgree(void **state) {
    (void)state;
    int32_t ref[NTOK], got[NTOK];
    for (int seeded = 0; seeded < 2; seeded++) {
        HgnGenerateOptions g = genOpts(seeded);
        int32_t devs[] = {1, 2, 4};
        for (int i = 0; i < 3; i++) {
            HgnRuntime *rt = openDevices(devs[i]);
            generate(rt, &g, i ? got : ref);
            if (i) assert_memory_equal(ref, got, sizeof ref);
            HgnRuntimeStats s;
            hgnRuntimeGetStats(rt, &s);
            if (devs[i] > 1)
                assert_true(s.bytesTransferred > 0);
            else
                assert_int_equal(s.bytesTransferred, 0);
            hgnRuntimeFree(rt);
        }
    }
}

static void testWindowEnforced(void **state) {
    (void)state;
    HgnPlan *plan = NULL;
    assert_null(hgnPlanReadFile(HGN_TEST_DATA "/plans/fixture-gguf.2cpu.json", &plan));
    assert_int_equal(plan->nDevices, 2);
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(HGN_TEST_DATA), 0);
    /* as planned: runs; the second device's window shrunk below its nodes' buffers: refused before start */
    HgnRuntimeOptions o;
    hgnRuntimeOptionsInit(&o);
    o.threads = 2;
    HgnRuntime *rt = NULL;
    HgnStatus st = hgnRuntimeOpenPlan(plan, HGN_TEST_DATA "/plans/fixture-gguf.2cpu.json", &o, &rt);
    if (st) fail_msg("%s", hgnStatusMessage(st));
    /* the plan's fallbacks say no single device holds the model */
    expectCode(hgnRuntimeLoseDevice(rt, 1, NULL), HGN_CODE_PlanInfeasible, "cpu:1");
    assert_int_equal(hgnRuntimeLostDevice(rt), -1);
    float logits[512];
    int32_t ids[] = {1, 472, 320};
    assert_null(hgnRuntimeEval(rt, ids, 3, false, logits)); /* unchanged after the refusal */
    hgnRuntimeFree(rt);
    plan->devices[1].ledger.kvCacheBytes = 1024;
    plan->devices[1].ledger.activationBytes = 1024;
    plan->devices[1].ledger.overheadBytes = 0;
    st = hgnRuntimeOpenPlan(plan, HGN_TEST_DATA "/plans/fixture-gguf.2cpu.json", &o, &rt);
    assert_null(rt);
    assert_non_null(st);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_OverBudget);
    assert_non_null(strstr(hgnStatusMessage(st), "cpu:1"));
    assert_non_null(hgnStatusWhere(st)); /* the node */
    assert_non_null(strstr(hgnStatusMessage(st), hgnStatusWhere(st)));
    hgnStatusFree(st);
    assert_int_equal(chdir(cwd), 0);
    hgnPlanFree(plan);
}

static RtCheckpoint sample(void) {
    static char *stops[] = {"\n\n", "end"};
    static int32_t toks[] = {5, 6, 7};
    static uint8_t ss[] = {1, 2, 3, 4}, rs[] = {9, 8, 7, 6, 5};
    RtCheckpoint c = {.planDigest = "sha256:aa",
                      .modelDigest = "sha256:bb",
                      .maxTokens = 10,
                      .ignoreEos = 1,
                      .prompt = "hello",
                      .promptLen = 5,
                      .stop = stops,
                      .nStop = 2,
                      .nPromptTokens = 2,
                      .tokens = toks,
                      .nTokens = 3,
                      .samplerState = ss,
                      .samplerStateLen = 4,
                      .runtimeState = rs,
                      .runtimeStateLen = 5};
    hgnSamplerParamsInit(&c.sampler);
    c.sampler.seed = 42;
    return c;
}

static void testFormat(void **state) {
    (void)state;
    RtCheckpoint c = sample(), d;
    uint8_t *bytes = NULL;
    size_t len = 0;
    assert_null(rtCheckpointEncode(&c, &bytes, &len));
    assert_memory_equal(bytes, "HGNCKPT", 8);
    assert_null(rtCheckpointDecode(bytes, len, "ck", &d));
    assert_string_equal(d.planDigest, "sha256:aa");
    assert_string_equal(d.modelDigest, "sha256:bb");
    assert_string_equal(d.prompt, "hello");
    assert_int_equal(d.nStop, 2);
    assert_string_equal(d.stop[1], "end");
    assert_int_equal(d.nTokens, 3);
    assert_int_equal(d.tokens[2], 7);
    assert_int_equal(d.sampler.seed, 42);
    assert_int_equal(d.runtimeStateLen, 5);
    assert_memory_equal(d.runtimeState, c.runtimeState, 5);
    rtCheckpointFree(&d);
    /* every truncation and every flipped byte: refused (HGN-0002), never accepted */
    for (size_t n = 0; n < len; n++)
        expectCode(rtCheckpointDecode(bytes, n, "ck", &d), HGN_CODE_PlanSchemaViolation, NULL);
    for (size_t i = 0; i < len; i++) {
        bytes[i] ^= 0x21;
        HgnStatus st = rtCheckpointDecode(bytes, len, "ck", &d);
        if (!st) fail_msg("a flipped byte at %zu was accepted", i);
        assert_int_equal(hgnStatusCode(st), HGN_CODE_PlanSchemaViolation);
        hgnStatusFree(st);
        bytes[i] ^= 0x21;
    }
    bytes[8] = 9; /* another format version */
    expectCode(rtCheckpointDecode(bytes, len, "ck", &d), HGN_CODE_PlanSchemaViolation, "version 9");
    bytes[8] = 1;
    /* allocation failures: an error, no leak (ASan) */
    for (uint64_t k = 1; k < 40; k++) {
        hgnAllocFailAt(k, 0);
        HgnStatus st = rtCheckpointDecode(bytes, len, "ck", &d);
        hgnAllocFailAt(0, 0);
        if (st)
            hgnStatusFree(st);
        else
            rtCheckpointFree(&d);
    }
    hgnFree(bytes);
    /* files: written atomically, read back; a folder without one → HGN-0007 */
    char dir[256];
    subdir(dir, sizeof dir, "fmt");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    assert_int_equal(system(cmd), 0);
    expectCode(rtCheckpointRead(dir, &d), HGN_CODE_CheckpointMissing, "cannot read the checkpoint");
    assert_null(rtCheckpointWrite(dir, &c));
    assert_null(rtCheckpointRead(dir, &d));
    assert_int_equal(d.nTokens, 3);
    rtCheckpointFree(&d);
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s/checkpoint.zst.tmp", dir);
    assert_int_not_equal(access(tmp, F_OK), 0);
}

/* copies the run's checkpoint aside when the stream passes a given length */
typedef struct Grab {
    const char *from, *to;
    int calls, at;
    bool done;
} Grab;

static void grab(void *p, const char *text, size_t len) {
    (void)text;
    (void)len;
    Grab *g = p;
    if (++g->calls != g->at || g->done) return;
    char cmd[700];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp '%s/checkpoint.zst' '%s/'", g->to, g->from, g->to);
    g->done = system(cmd) == 0;
}

static void testResume(void **state) {
    (void)state;
    for (int seeded = 0; seeded < 2; seeded++)
        for (int32_t devs = 1; devs <= 2; devs++) {
            HgnRuntime *rt = openDevices(devs);
            HgnGenerateOptions g = genOpts(seeded);
            int32_t ref[NTOK], got[NTOK];
            generate(rt, &g, ref);
            char run[256], saved[256];
            subdir(run, sizeof run, seeded ? "runS" : "runG");
            subdir(saved, sizeof saved, seeded ? "savedS" : "savedG");
            Grab gr = {.from = run, .to = saved, .at = 23};
            g.artifactsDir = run;
            g.checkpointEvery = 5;
            g.onText = grab;
            g.onTextCtx = &gr;
            generate(rt, &g, got);
            assert_memory_equal(ref, got, sizeof ref);
            assert_true(gr.done);
            /* resume from the copy taken mid-run (checkpoint at 20 tokens) and from the last one (35) */
            for (int k = 0; k < 2; k++) {
                HgnGenerateOptions r;
                hgnGenerateOptionsInit(&r);
                r.resumeDir = k ? run : saved;
                HgnGenerateResult res;
                HgnStatus st = hgnGenerate(rt, "", 0, &r, &res);
                if (st) fail_msg("%s", hgnStatusMessage(st));
                assert_int_equal(res.resumedAt, k ? 35 : 20);
                assert_int_equal(res.nTokens, NTOK);
                assert_memory_equal(res.tokens, ref, sizeof ref);
                hgnGenerateResultFree(&res);
            }
            hgnRuntimeFree(rt);
            /* another model (the safetensors fixture): refused */
            if (devs == 1) {
                HgnRuntimeOptions o;
                hgnRuntimeOptionsInit(&o);
                o.threads = 2;
                o.context = 128;
                HgnRuntime *other = NULL;
                assert_null(hgnRuntimeOpen(FIXTURE_ST, &o, &other));
                HgnGenerateOptions r;
                hgnGenerateOptionsInit(&r);
                r.resumeDir = saved;
                HgnGenerateResult res;
                expectCode(hgnGenerate(other, "", 0, &r, &res), HGN_CODE_PlanSchemaViolation, "another model");
                hgnRuntimeFree(other);
            }
            char cmd[600];
            snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", run, saved);
            assert_int_equal(system(cmd), 0);
        }
}

static void testDeviceLoss(void **state) {
    (void)state;
    struct {
        int32_t devices, kind, device, step, every;
    } cases[] = {
        {2, 1, 1, 7, 0}, {2, 2, 1, 7, 0}, {2, 2, 0, 13, 4}, {4, 2, 2, 9, 4}, {4, 1, 3, 1, 0}, {4, 2, 1, 39, 6},
    };
    for (int seeded = 0; seeded < 2; seeded++) {
        HgnRuntime *one = openDevices(1);
        HgnGenerateOptions g = genOpts(seeded);
        int32_t ref[NTOK], got[NTOK];
        generate(one, &g, ref);
        hgnRuntimeFree(one);
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            HgnRuntime *rt = openDevices(cases[c].devices);
            HgnGenerateOptions h = genOpts(seeded);
            char dir[256];
            subdir(dir, sizeof dir, "loss");
            h.artifactsDir = dir;
            h.checkpointEvery = cases[c].every;
            h.injectKind = cases[c].kind;
            h.injectDevice = cases[c].device;
            h.injectStep = cases[c].step;
            HgnGenerateResult r;
            HgnStatus st = hgnGenerate(rt, PROMPT, strlen(PROMPT), &h, &r);
            if (st) fail_msg("case %zu: %s", c, hgnStatusMessage(st));
            assert_int_equal(r.retriesDeviceLost, 1);
            assert_int_equal(r.nTokens, NTOK);
            memcpy(got, r.tokens, sizeof got);
            hgnGenerateResultFree(&r);
            if (memcmp(ref, got, sizeof ref) != 0) fail_msg("case %zu (seeded %d): tokens differ", c, seeded);
            assert_int_equal(hgnRuntimeLostDevice(rt), cases[c].device);
            HgnRuntimeDeviceStats ds;
            hgnRuntimeGetDeviceStats(rt, cases[c].device, &ds);
            assert_int_equal(ds.nodesRun, 0);
            /* a second loss is not covered by the fallbacks */
            expectCode(hgnRuntimeLoseDevice(rt, (cases[c].device + 1) % cases[c].devices, NULL),
                       HGN_CODE_NotImplemented, "already lost");
            hgnRuntimeFree(rt);
        }
    }
    HgnRuntime *rt = openDevices(1);
    expectCode(hgnRuntimeLoseDevice(rt, 0, NULL), HGN_CODE_PlanInfeasible, "one device");
    expectCode(hgnRuntimeLoseDevice(rt, 3, NULL), HGN_CODE_InvalidArgument, "does not exist");
    hgnRuntimeFree(rt);
}

/* A stop hook that says stop on its at-th call (0: never) and counts its calls. */
typedef struct StopAt {
    int calls, at;
} StopAt;

static bool stopAt(void *p) {
    StopAt *s = p;
    return ++s->calls == s->at;
}

static void resumeAndCompare(HgnRuntime *rt, const char *dir, int32_t at, const int32_t *ref) {
    HgnGenerateOptions r;
    hgnGenerateOptionsInit(&r);
    r.resumeDir = dir;
    HgnGenerateResult res;
    HgnStatus st = hgnGenerate(rt, "", 0, &r, &res);
    if (st) fail_msg("%s", hgnStatusMessage(st));
    assert_int_equal(res.resumedAt, at);
    assert_int_equal(res.nTokens, NTOK);
    assert_string_equal(res.stopReason, "length");
    assert_memory_equal(res.tokens, ref, NTOK * sizeof *ref);
    hgnGenerateResultFree(&res);
}

static void testStopHook(void **state) {
    (void)state;
    for (int seeded = 0; seeded < 2; seeded++) {
        HgnRuntime *rt = openDevices(seeded ? 2 : 1);
        HgnGenerateOptions g = genOpts(seeded);
        int32_t ref[NTOK];
        generate(rt, &g, ref);
        /* stop after k tokens: k between checkpoints, on a checkpoint, the first token */
        int32_t ks[] = {7, 10, 1};
        for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
            char dir[256];
            subdir(dir, sizeof dir, "stop");
            HgnGenerateOptions h = genOpts(seeded);
            StopAt sa = {0, ks[i]};
            h.artifactsDir = dir;
            h.checkpointEvery = 5;
            h.shouldStop = stopAt;
            h.shouldStopCtx = &sa;
            HgnGenerateResult r;
            HgnStatus st = hgnGenerate(rt, PROMPT, strlen(PROMPT), &h, &r);
            if (st) fail_msg("%s", hgnStatusMessage(st));
            assert_int_equal(sa.calls, ks[i]); /* asked once per produced token, never again after stop */
            assert_int_equal(r.nTokens, ks[i]);
            assert_string_equal(r.stopReason, "stopped");
            assert_memory_equal(r.tokens, ref, (size_t)ks[i] * sizeof *ref);
            hgnGenerateResultFree(&r);
            RtCheckpoint ck;
            assert_null(rtCheckpointRead(dir, &ck));
            assert_int_equal(ck.nTokens, ks[i]); /* the checkpoint is at the stop */
            rtCheckpointFree(&ck);
            if (ks[i] == 7) {
                /* resume, stop again 6 tokens later (at 13), resume to the end */
                HgnGenerateOptions again;
                hgnGenerateOptionsInit(&again);
                again.resumeDir = dir;
                again.artifactsDir = dir;
                again.checkpointEvery = 5;
                StopAt sb = {0, 6};
                again.shouldStop = stopAt;
                again.shouldStopCtx = &sb;
                st = hgnGenerate(rt, "", 0, &again, &r);
                if (st) fail_msg("%s", hgnStatusMessage(st));
                assert_int_equal(r.resumedAt, 7);
                assert_int_equal(r.nTokens, 13);
                assert_string_equal(r.stopReason, "stopped");
                hgnGenerateResultFree(&r);
                resumeAndCompare(rt, dir, 13, ref);
            } else {
                resumeAndCompare(rt, dir, ks[i], ref);
            }
            char cmd[300];
            snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
            assert_int_equal(system(cmd), 0);
        }
        /* the hook's answer after the last token is moot: the run is complete */
        HgnGenerateOptions h = genOpts(seeded);
        StopAt last = {0, NTOK};
        h.shouldStop = stopAt;
        h.shouldStopCtx = &last;
        HgnGenerateResult r;
        assert_null(hgnGenerate(rt, PROMPT, strlen(PROMPT), &h, &r));
        assert_int_equal(last.calls, NTOK);
        assert_int_equal(r.nTokens, NTOK);
        assert_string_equal(r.stopReason, "length");
        hgnGenerateResultFree(&r);
        /* without checkpoints: a clean stop, no checkpoint file */
        char dir[256];
        subdir(dir, sizeof dir, "stopNoCk");
        h = genOpts(seeded);
        StopAt three = {0, 3};
        h.artifactsDir = dir;
        h.shouldStop = stopAt;
        h.shouldStopCtx = &three;
        assert_null(hgnGenerate(rt, PROMPT, strlen(PROMPT), &h, &r));
        assert_int_equal(r.nTokens, 3);
        assert_string_equal(r.stopReason, "stopped");
        hgnGenerateResultFree(&r);
        char ckPath[300];
        snprintf(ckPath, sizeof ckPath, "%s/checkpoint.zst", dir);
        assert_int_not_equal(access(ckPath, F_OK), 0);
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
        hgnRuntimeFree(rt);
    }
    /* chunked prefill (ubatch 2): asked between chunks; never stopping changes nothing, stopping there
     * produces no token */
    HgnRuntimeOptions o;
    hgnRuntimeOptionsInit(&o);
    o.threads = 2;
    o.context = 128;
    o.ubatch = 2;
    HgnRuntime *rt = NULL;
    assert_null(hgnRuntimeOpen(FIXTURE, &o, &rt));
    HgnGenerateOptions g = genOpts(false);
    int32_t ref[NTOK];
    generate(rt, &g, ref);
    StopAt never = {0, 0};
    g.shouldStop = stopAt;
    g.shouldStopCtx = &never;
    HgnGenerateResult r;
    assert_null(hgnGenerate(rt, PROMPT, strlen(PROMPT), &g, &r));
    assert_int_equal(r.nTokens, NTOK);
    assert_memory_equal(r.tokens, ref, sizeof ref);
    assert_true(never.calls > NTOK); /* the tokens and the gaps between prompt chunks */
    size_t prompt = r.nPromptTokens;
    hgnGenerateResultFree(&r);
    assert_int_equal(never.calls, NTOK + (int)((prompt + 1) / 2) - 1);
    StopAt first = {0, 1};
    g.shouldStopCtx = &first;
    assert_null(hgnGenerate(rt, PROMPT, strlen(PROMPT), &g, &r));
    assert_int_equal(r.nTokens, 0);
    assert_string_equal(r.stopReason, "stopped");
    assert_string_equal(r.text, "");
    hgnGenerateResultFree(&r);
    hgnRuntimeFree(rt);
}

static int setup(void **state) {
    (void)state;
    snprintf(tmpDir, sizeof tmpDir, "/tmp/hgnCheckpointXXXXXX");
    return mkdtemp(tmpDir) ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpDir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(testDevicesAgree), cmocka_unit_test(testWindowEnforced),
                                       cmocka_unit_test(testFormat),       cmocka_unit_test(testResume),
                                       cmocka_unit_test(testDeviceLoss),   cmocka_unit_test(testStopHook)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
