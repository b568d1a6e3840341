/* testRuntimeFamilies.c — the runtime against PyTorch references of tiny
 * random-weight models of each LLM family it claims
 * (tests/data/families/<name>/, tools/fixtures/makeFamilies.py): Qwen2 (QKV
 * bias, theta 1e6, untied head), Mistral (sliding window 8, prompts longer
 * than the window), Llama with llama3 and with linear rope scaling. For each,
 * from the HF folder and from the GGUF: last-position logits of both prompts
 * (max|a−r|/max|r| ≤ 1e-4) and 16 greedy ids identical, prefill in one batch
 * and in small ubatches; the model's own tokenizer (tokenizer.json or the
 * GGUF vocabulary) encodes each prompt to the reference ids. */
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

#include "core/alloc.h"
#include "huginn/dtype.h"
#include "huginn/runtime.h"
#include "huginn/tokenizer.h"

#define FAMILIES HGN_TEST_DATA "/families/"

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

/* Runs every prompt of the family's reference.json through the model at path;
 * returns the worst relative logit error. */
static double checkOne(const char *family, const char *path, int64_t ubatch, HgnDtype kv) {
    char refPath[512];
    snprintf(refPath, sizeof refPath, FAMILIES "%s/reference.json", family);
    json_error_t jerr;
    json_t *ref = json_load_file(refPath, 0, &jerr);
    if (!ref) fail_msg("%s: %s", refPath, jerr.text);
    HgnRuntimeOptions opt;
    hgnRuntimeOptionsInit(&opt);
    opt.threads = 2;
    opt.kvDtype = kv;
    opt.context = 64;
    opt.ubatch = ubatch;
    HgnRuntime *rt = NULL;
    HgnStatus st = hgnRuntimeOpen(path, &opt, &rt);
    if (st) fail_msg("%s: %s at %s", path, hgnStatusMessage(st), hgnStatusWhere(st));
    int64_t V = hgnRuntimeVocab(rt);
    assert_int_equal(V, 512);
    float *logits = malloc((size_t)V * sizeof(float));
    const json_t *prompts = json_object_get(ref, "prompts");
    assert_int_equal(json_array_size(prompts), 2);
    double worst = 0;
    for (size_t p = 0; p < json_array_size(prompts); p++) {
        const json_t *pr = json_array_get(prompts, p);
        size_t n, nGreedy;
        int32_t *ids = idsOf(json_object_get(pr, "ids"), &n);
        int32_t *greedy = idsOf(json_object_get(pr, "greedyIds"), &nGreedy);
        assert_int_equal(nGreedy, 16);
        const char *text = json_string_value(json_object_get(pr, "text"));
        int32_t *enc = NULL;
        size_t nEnc = 0;
        assert_null(
            hgnTokenizerEncode(hgnRuntimeTokenizer(rt), text, strlen(text), HGN_ENCODE_ADD_SPECIAL, &enc, &nEnc));
        assert_int_equal(nEnc, n);
        assert_memory_equal(enc, ids, n * sizeof *ids);
        hgnFree(enc);
        hgnRuntimeReset(rt);
        st = hgnRuntimeEval(rt, ids, n, false, logits);
        if (st) fail_msg("%s: %s", path, hgnStatusMessage(st));
        double e = relErr(logits, json_object_get(pr, "lastLogits"), (size_t)V);
        if (e > worst) worst = e;
        if (e > 1e-4 && kv == HGN_DTYPE_F32) fail_msg("%s prompt %zu: relative logit error %g", path, p, e);
        int32_t tok = argmax(logits, V);
        for (size_t g = 0; g < nGreedy; g++) {
            if (tok != greedy[g] && kv == HGN_DTYPE_F32)
                fail_msg("%s prompt %zu greedy token %zu: %d, reference %d", path, p, g, tok, greedy[g]);
            if (g + 1 == nGreedy) break;
            tok = greedy[g]; /* follow the reference sequence */
            st = hgnRuntimeEval(rt, &tok, 1, false, logits);
            if (st) fail_msg("%s: %s", path, hgnStatusMessage(st));
            tok = argmax(logits, V);
        }
        free(ids);
        free(greedy);
    }
    free(logits);
    hgnRuntimeFree(rt);
    json_decref(ref);
    return worst;
}

static void checkFamily(const char *family) {
    char dir[512], gguf[512];
    snprintf(dir, sizeof dir, FAMILIES "%s", family);
    snprintf(gguf, sizeof gguf, FAMILIES "%s/model-f32.gguf", family);
    double e1 = checkOne(family, dir, 64, HGN_DTYPE_F32);
    double e2 = checkOne(family, gguf, 64, HGN_DTYPE_F32);
    double e3 = checkOne(family, gguf, 3, HGN_DTYPE_F32); /* prefill in ubatches of 3 */
    double e4 = checkOne(family, dir, 5, HGN_DTYPE_F16);  /* f16 cache: measured, not asserted */
    printf("%-8s max relative logit error: folder %.3g, gguf %.3g, gguf ubatch 3 %.3g; f16 KV cache %.3g\n", family, e1,
           e2, e3, e4);
    assert_true(e4 < 2e-2);
}

static void testQwen2(void **state) {
    (void)state;
    checkFamily("qwen2");
}

static void testMistralSlidingWindow(void **state) {
    (void)state;
    checkFamily("mistral");
}

static void testLlama3RopeScaling(void **state) {
    (void)state;
    checkFamily("llama3");
}

static void testLinearRopeScaling(void **state) {
    (void)state;
    checkFamily("linear");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testQwen2),
        cmocka_unit_test(testMistralSlidingWindow),
        cmocka_unit_test(testLlama3RopeScaling),
        cmocka_unit_test(testLinearRopeScaling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
