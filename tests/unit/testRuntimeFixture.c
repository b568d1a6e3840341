/* testRuntimeFixture.c — the runtime against the fixture model's PyTorch
 * reference (tests/data/fixture/reference.json): last-position logits of
 * every stored prompt (max|a−r|/max|r| ≤ 1e-4), logits at every position of
 * the `sky` prompt, 32 greedy tokens, and the held-out perplexity, from the
 * GGUF file and from the safetensors folder; a decode step performs no heap
 * allocation; Q8_0/Q4_0 conversions of the GGUF are measured for top-1
 * agreement and perplexity against F32 (figures printed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "huginn/dtype.h"
#include "huginn/gguf.h"
#include "huginn/runtime.h"
#include "huginn/safetensors.h"
#include "runtime/cpu/kernels.h"

#define FIXTURE HGN_TEST_DATA "/fixture/"

static json_t *ref;

static int32_t *idsOf(const json_t *arr, size_t *n) {
    *n = json_array_size(arr);
    int32_t *ids = malloc((*n ? *n : 1) * sizeof *ids);
    for (size_t i = 0; i < *n; i++) ids[i] = (int32_t)json_integer_value(json_array_get(arr, i));
    return ids;
}

static double relErr(const float *a, const json_t *r, size_t n) {
    double maxDiff = 0, maxRef = 0;
    for (size_t i = 0; i < n; i++) {
        double x = json_real_value(json_array_get(r, i));
        if (fabs(x) > maxRef) maxRef = fabs(x);
        if (fabs(a[i] - x) > maxDiff) maxDiff = fabs(a[i] - x);
    }
    return maxDiff / maxRef;
}

static int32_t argmax(const float *x, int64_t n) {
    int32_t best = 0;
    for (int64_t i = 1; i < n; i++)
        if (x[i] > x[best]) best = (int32_t)i;
    return best;
}

static HgnRuntime *openModel(const char *path, int threads) {
    HgnRuntimeOptions opt;
    hgnRuntimeOptionsInit(&opt);
    opt.threads = threads;
    opt.kvDtype = HGN_DTYPE_F32;
    opt.context = 512;
    opt.ubatch = 64;
    HgnRuntime *rt = NULL;
    HgnStatus st = hgnRuntimeOpen(path, &opt, &rt);
    if (st) fail_msg("%s: %s at %s", path, hgnStatusMessage(st), hgnStatusWhere(st));
    return rt;
}

/* Perplexity of the held-out window (one pass from position 0). */
static double perplexity(HgnRuntime *rt, const int32_t *ids, size_t n, float *all) {
    hgnRuntimeReset(rt);
    HgnStatus st = hgnRuntimeEval(rt, ids, n, true, all);
    if (st) fail_msg("%s", hgnStatusMessage(st));
    int64_t V = hgnRuntimeVocab(rt);
    double nll = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        const float *l = all + i * (size_t)V;
        float m = l[0];
        for (int64_t k = 1; k < V; k++) m = l[k] > m ? l[k] : m;
        double s = 0;
        for (int64_t k = 0; k < V; k++) s += exp((double)(l[k] - m));
        nll += -((double)(l[ids[i + 1]] - m) - log(s));
    }
    return exp(nll / (double)(n - 1));
}

static void checkModel(const char *path, int threads) {
    HgnRuntime *rt = openModel(path, threads);
    int64_t V = hgnRuntimeVocab(rt);
    assert_int_equal(V, 512);
    float *logits = malloc((size_t)V * 256 * sizeof(float));
    const json_t *prompts = json_object_get(ref, "prompts");
    double worst = 0;
    for (size_t p = 0; p < json_array_size(prompts); p++) {
        const json_t *pr = json_array_get(prompts, p);
        size_t n, nGreedy;
        int32_t *ids = idsOf(json_object_get(pr, "ids"), &n);
        int32_t *greedy = idsOf(json_object_get(pr, "greedyIds"), &nGreedy);
        hgnRuntimeReset(rt);
        const json_t *all = json_object_get(pr, "allLogits");
        HgnStatus st = hgnRuntimeEval(rt, ids, n, all != NULL, logits);
        if (st) fail_msg("%s", hgnStatusMessage(st));
        const float *last = all ? logits + (n - 1) * (size_t)V : logits;
        double e = relErr(last, json_object_get(pr, "lastLogits"), (size_t)V);
        if (e > worst) worst = e;
        if (e > 1e-4)
            fail_msg("%s prompt '%s': relative error %g", path, json_string_value(json_object_get(pr, "name")), e);
        for (size_t i = 0; all && i < json_array_size(all); i++) {
            double ei = relErr(logits + i * (size_t)V, json_array_get(all, i), (size_t)V);
            if (ei > worst) worst = ei;
            if (ei > 1e-4) fail_msg("%s position %zu: relative error %g", path, i, ei);
        }
        /* greedy: 32 tokens, one decode step each; the decode steps do not allocate */
        int32_t tok = argmax(last, V);
        for (size_t g = 0; g < nGreedy; g++) {
            if (tok != greedy[g]) fail_msg("%s greedy token %zu: %d, reference %d", path, g, tok, greedy[g]);
            if (g + 1 == nGreedy) break;
            uint64_t before = hgnAllocCount();
            st = hgnRuntimeEval(rt, &tok, 1, false, logits);
            assert_int_equal(hgnAllocCount(), before);
            if (st) fail_msg("%s", hgnStatusMessage(st));
            tok = argmax(logits, V);
        }
        free(ids);
        free(greedy);
    }
    size_t nHeld;
    const json_t *held = json_object_get(ref, "heldout");
    int32_t *hids = idsOf(json_object_get(held, "ids"), &nHeld);
    double ppl = perplexity(rt, hids, nHeld, logits);
    double want = json_real_value(json_object_get(held, "perplexity"));
    printf("%s (%d threads): max relative logit error %.3g, held-out perplexity %.6f (reference %.6f)\n", path, threads,
           worst, ppl, want);
    assert_true(fabs(ppl - want) / want < 1e-4);
    free(hids);
    free(logits);
    hgnRuntimeFree(rt);
}

static void testGguf(void **state) {
    (void)state;
    checkModel(FIXTURE "model-f32.gguf", 1);
    checkModel(FIXTURE "model-f32.gguf", 2);
}

static void testSafetensors(void **state) {
    (void)state;
    checkModel(HGN_TEST_DATA "/fixture", 2);
}

static void testTwoDevices(void **state) {
    (void)state;
    /* the same model split over two virtual devices gives the same logits */
    HgnRuntimeOptions opt;
    hgnRuntimeOptionsInit(&opt);
    opt.threads = 2;
    opt.nDevices = 2;
    opt.kvDtype = HGN_DTYPE_F32;
    opt.context = 128;
    HgnRuntime *a = openModel(FIXTURE "model-f32.gguf", 2), *b = NULL;
    HgnStatus st = hgnRuntimeOpen(FIXTURE "model-f32.gguf", &opt, &b);
    if (st) fail_msg("%s", hgnStatusMessage(st));
    assert_int_equal(hgnRuntimeDeviceCount(b), 2);
    int32_t ids[] = {1, 300, 301, 302, 303};
    float la[512], lb[512];
    assert_null(hgnRuntimeEval(a, ids, 5, false, la));
    assert_null(hgnRuntimeEval(b, ids, 5, false, lb));
    for (int i = 0; i < 512; i++) assert_true(la[i] == lb[i]);
    /* a decode step with a transfer between devices allocates nothing either */
    int32_t next = 300;
    uint64_t before = hgnAllocCount();
    assert_null(hgnRuntimeEval(b, &next, 1, false, lb));
    assert_int_equal(hgnAllocCount(), before);
    HgnRuntimeStats s;
    hgnRuntimeGetStats(b, &s);
    assert_true(s.bytesTransferred > 0);
    hgnRuntimeFree(a);
    hgnRuntimeFree(b);
}

/* Writes a copy of the fixture GGUF with its matrices quantised to t. */
static void quantise(const char *src, const char *dst, HgnDtype t) {
    HgnGgufFile *f = NULL;
    assert_null(hgnGgufOpen(src, &f));
    HgnGgufWriter *w = NULL;
    assert_null(hgnGgufWriterCreate(&w));
    for (size_t i = 0; i < hgnGgufKvCount(f); i++) {
        const HgnGgufKv *kv = hgnGgufKvAt(f, i);
        if (strcmp(kv->key, "general.file_type") == 0) {
            assert_null(hgnGgufWriterAddU32(w, kv->key, t == HGN_DTYPE_Q8_0 ? 7 : 2));
            continue;
        }
        assert_null(hgnGgufWriterAddKv(w, kv->key, &kv->value));
    }
    void **bufs = calloc(hgnGgufTensorCount(f), sizeof *bufs);
    for (size_t i = 0; i < hgnGgufTensorCount(f); i++) {
        const HgnTensorView *tv = hgnGgufTensorAt(f, i);
        const int64_t *ne = tv->shape;
        if (tv->nDims == 2 && tv->shape[1] % 32 == 0) {
            size_t rows = (size_t)tv->shape[0], cols = (size_t)tv->shape[1];
            size_t rowBytes = cols / 32 * (t == HGN_DTYPE_Q8_0 ? sizeof(HgnBlockQ8_0) : sizeof(HgnBlockQ4_0));
            bufs[i] = malloc(rows * rowBytes);
            for (size_t r = 0; r < rows; r++) {
                const float *x = (const float *)tv->data + r * cols;
                if (t == HGN_DTYPE_Q8_0)
                    hgnQuantizeRowQ8_0(x, (HgnBlockQ8_0 *)((uint8_t *)bufs[i] + r * rowBytes), (int64_t)cols);
                else
                    hgnQuantizeRowQ4_0(x, (HgnBlockQ4_0 *)((uint8_t *)bufs[i] + r * rowBytes), (int64_t)cols);
            }
            assert_null(hgnGgufWriterAddTensor(w, tv->name, t, tv->nDims, ne, bufs[i]));
        } else
            assert_null(hgnGgufWriterAddTensor(w, tv->name, tv->dtype, tv->nDims, ne, tv->data));
    }
    assert_null(hgnGgufWriterWriteFile(w, dst));
    hgnGgufWriterFree(w);
    for (size_t i = 0; i < hgnGgufTensorCount(f); i++) free(bufs[i]);
    free(bufs);
    hgnGgufClose(f);
}

static void testQuantised(void **state) {
    (void)state;
    size_t nHeld;
    int32_t *hids = idsOf(json_object_get(json_object_get(ref, "heldout"), "ids"), &nHeld);
    HgnRuntime *f32 = openModel(FIXTURE "model-f32.gguf", 2);
    float *ref32 = malloc(512 * nHeld * sizeof(float)), *q = malloc(512 * nHeld * sizeof(float));
    double ppl32 = perplexity(f32, hids, nHeld, ref32);
    HgnDtype types[] = {HGN_DTYPE_Q8_0, HGN_DTYPE_Q4_0};
    const char *names[] = {"Q8_0", "Q4_0"};
    for (int k = 0; k < 2; k++) {
        char path[64];
        snprintf(path, sizeof path, "/tmp/hgnFixture%s.%d.gguf", names[k], (int)getpid());
        quantise(FIXTURE "model-f32.gguf", path, types[k]);
        HgnRuntime *rt = openModel(path, 2);
        double ppl = perplexity(rt, hids, nHeld, q);
        size_t agree = 0;
        for (size_t i = 0; i < nHeld; i++) agree += argmax(q + i * 512, 512) == argmax(ref32 + i * 512, 512);
        printf("%s: top-1 agreement with F32 %.2f%% over %zu positions; held-out perplexity %.4f (F32 %.4f, %+.2f%%)\n",
               names[k], 100.0 * (double)agree / (double)nHeld, nHeld, ppl, ppl32, 100.0 * (ppl / ppl32 - 1));
        assert_true((double)agree / (double)nHeld > (k == 0 ? 0.97 : 0.85));
        assert_true(ppl < ppl32 * (k == 0 ? 1.02 : 1.15));
        hgnRuntimeFree(rt);
        unlink(path);
    }
    free(ref32);
    free(q);
    free(hids);
    hgnRuntimeFree(f32);
}

/* Copies the fixture folder with every tensor as BF16 or F16 (config.json,
 * tokenizer files as they are) into dir. */
static void halfFolder(const char *dir, HgnDtype t) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp " HGN_TEST_DATA "/fixture/*.json '%s'/", dir, dir);
    assert_int_equal(system(cmd), 0);
    HgnSafetensors *st = NULL;
    assert_null(hgnSafetensorsOpen(FIXTURE "model.safetensors", &st));
    HgnSafetensorsWriter *w = NULL;
    assert_null(hgnSafetensorsWriterCreate(&w));
    size_t n = hgnSafetensorsTensorCount(st);
    uint16_t **bufs = calloc(n, sizeof *bufs);
    for (size_t i = 0; i < n; i++) {
        const HgnTensorView *tv = hgnSafetensorsTensorAt(st, i);
        bufs[i] = malloc((size_t)tv->nElements * 2);
        for (int64_t k = 0; k < tv->nElements; k++) {
            float x = ((const float *)tv->data)[k];
            bufs[i][k] = t == HGN_DTYPE_BF16 ? hgnF32ToBf16(x) : hgnF32ToF16(x);
        }
        assert_null(hgnSafetensorsWriterAddTensor(w, tv->name, t, tv->nDims, tv->shape, bufs[i]));
    }
    snprintf(cmd, sizeof cmd, "%s/model.safetensors", dir);
    assert_null(hgnSafetensorsWriterWriteFile(w, cmd));
    hgnSafetensorsWriterFree(w);
    for (size_t i = 0; i < n; i++) free(bufs[i]);
    free(bufs);
    hgnSafetensorsClose(st);
}

/* Half-precision safetensors folders run and stay close to F32. */
static void testHalfSafetensors(void **state) {
    (void)state;
    size_t nHeld;
    int32_t *hids = idsOf(json_object_get(json_object_get(ref, "heldout"), "ids"), &nHeld);
    HgnRuntime *f32 = openModel(FIXTURE "model-f32.gguf", 2);
    float *ref32 = malloc(512 * nHeld * sizeof(float)), *q = malloc(512 * nHeld * sizeof(float));
    double ppl32 = perplexity(f32, hids, nHeld, ref32);
    HgnDtype types[] = {HGN_DTYPE_BF16, HGN_DTYPE_F16};
    const char *names[] = {"BF16", "F16"};
    for (int k = 0; k < 2; k++) {
        char dir[64], cmd[96];
        snprintf(dir, sizeof dir, "/tmp/hgnFixture%s.%d", names[k], (int)getpid());
        halfFolder(dir, types[k]);
        HgnRuntime *rt = openModel(dir, 2);
        double ppl = perplexity(rt, hids, nHeld, q);
        size_t agree = 0;
        for (size_t i = 0; i < nHeld; i++) agree += argmax(q + i * 512, 512) == argmax(ref32 + i * 512, 512);
        printf("safetensors %s: top-1 agreement with F32 %.2f%%; held-out perplexity %.4f (F32 %.4f)\n", names[k],
               100.0 * (double)agree / (double)nHeld, ppl, ppl32);
        assert_true((double)agree / (double)nHeld > 0.97);
        assert_true(fabs(ppl / ppl32 - 1) < 0.01);
        hgnRuntimeFree(rt);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
    }
    free(ref32);
    free(q);
    free(hids);
    hgnRuntimeFree(f32);
}

static int setup(void **state) {
    (void)state;
    json_error_t err;
    ref = json_load_file(FIXTURE "reference.json", 0, &err);
    return ref ? 0 : -1;
}
static int teardown(void **state) {
    (void)state;
    json_decref(ref);
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(testGguf), cmocka_unit_test(testSafetensors),
                                       cmocka_unit_test(testTwoDevices), cmocka_unit_test(testQuantised),
                                       cmocka_unit_test(testHalfSafetensors)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
