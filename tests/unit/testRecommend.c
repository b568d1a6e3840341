/* testRecommend.c — recommendations: a 1 x RTX 4090 + 64 GB machine runs
 * models in VRAM with reasons; property tests over 1,000+ seeded random
 * machines: more memory never removes a model from the feasible set (nor
 * from the GPU set), and the order is total, deterministic and independent
 * of the order GPUs are listed in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/deviceProfile.h"
#include "huginn/recommend.h"
#include "huginn/registry.h"

#define GIB (1ull << 30)

static HgnRegistry *reg;

static int setup(void **state) {
    (void)state;
    HgnStatus st = hgnRegistryLoad(&reg);
    if (st) hgnStatusFree(st);
    return st ? -1 : 0;
}

static int teardown(void **state) {
    (void)state;
    hgnRegistryFree(reg);
    return 0;
}

static const HgnRecommendation *findRec(const HgnRecommendation *recs, size_t n, const char *id) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(recs[i].model->id, id) == 0) return &recs[i];
    return NULL;
}

static void run(const HgnRecommendQuery *q, HgnRecommendation **recs, size_t *n) {
    HgnStatus st = hgnRecommend(reg, q, recs, n);
    if (st) print_error("%s\n", hgnStatusMessage(st));
    assert_null(st);
}

static void testRtx4090Workstation(void **state) {
    (void)state;
    assert_null(hgnDeviceProfilesLoad());
    const HgnDeviceProfile *gpu = hgnDeviceProfileMatch("NVIDIA GeForce RTX 4090", 0);
    assert_non_null(gpu);
    uint64_t mem[] = {gpu->memoryBytes};
    HgnRecommendQuery q = {.gpuMemoryBytes = mem, .nGpus = 1, .hostRamBytes = 64 * GIB};
    HgnRecommendation *recs;
    size_t n;
    run(&q, &recs, &n);
    assert_int_equal(n, hgnRegistryCount(reg) - 1); /* all but the fixture */
    assert_null(findRec(recs, n, "huginn-fixture-tiny"));
    size_t inVram = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(strlen(recs[i].reason) > 30);
        if (recs[i].verdict == HGN_FIT_GPU) inVram++;
    }
    assert_true(inVram >= 1);
    assert_int_equal(recs[0].verdict, HGN_FIT_GPU);
    /* Llama 3.1 8B at fp16 with 4k context: ~16 GB weights + 0.5 GB KV fit in 24 GB. */
    const HgnRecommendation *r = findRec(recs, n, "llama-3.1-8b");
    assert_int_equal(r->verdict, HGN_FIT_GPU);
    assert_int_equal(r->precision, HGN_PRECISION_FP16);
    assert_int_equal(r->context, 4096);
    assert_int_equal(r->need.weightBytes, 16060522496ull);
    assert_int_equal(r->need.kvCacheBytes, 2ull * 32 * 8 * 128 * 2 * 4096);
    assert_true(r->gpuBytesUsed <= 24 * GIB && r->gpuBytesUsed >= r->need.weightBytes);
    assert_non_null(strstr(r->reason, "fit in 24.00 GiB free on 1 GPU"));
    /* Qwen2.5 32B needs int4 (~17 GiB) to fit in VRAM. */
    r = findRec(recs, n, "qwen2.5-32b");
    assert_int_equal(r->verdict, HGN_FIT_GPU);
    assert_int_equal(r->precision, HGN_PRECISION_INT4);
    /* Llama 3.1 70B at int4 (~37 GiB) spills into host RAM. */
    r = findRec(recs, n, "llama-3.1-70b");
    assert_int_equal(r->verdict, HGN_FIT_OFFLOAD);
    assert_true(r->layersOnGpu > 0 && r->layersOnGpu < 80);
    assert_non_null(strstr(r->reason, "go to host RAM"));
    /* 405B does not fit at all. */
    r = findRec(recs, n, "llama-3.1-405b");
    assert_int_equal(r->verdict, HGN_FIT_NONE);
    assert_int_equal(r->precision, HGN_PRECISION_INT4);
    assert_non_null(strstr(r->reason, "needs"));

    json_t *doc = NULL;
    assert_null(hgnRecommendationsToJson(&q, recs, n, &doc));
    json_t *list = json_object_get(doc, "recommendations");
    assert_int_equal(json_array_size(list), n);
    json_t *first = json_array_get(list, 0);
    assert_int_equal(json_integer_value(json_object_get(first, "rank")), 1);
    assert_string_equal(json_string_value(json_object_get(first, "verdict")), "fitsGpu");
    assert_string_equal(json_string_value(json_object_get(first, "id")), recs[0].model->id);
    assert_non_null(json_object_get(json_object_get(first, "needBytes"), "total"));
    assert_int_equal(
        json_integer_value(json_array_get(json_object_get(json_object_get(doc, "query"), "gpuMemoryBytes"), 0)),
        (json_int_t)(24 * GIB));
    json_decref(doc);
    hgnRecommendationsFree(recs);
}

static void testPreferencesAndCpuOnly(void **state) {
    (void)state;
    HgnRecommendQuery q = {.hostRamBytes = 32 * GIB, .quant = HGN_QUANT_PREFER_INT4, .contextTokens = 8192};
    HgnRecommendation *recs;
    size_t n;
    run(&q, &recs, &n);
    const HgnRecommendation *r = findRec(recs, n, "smollm2-135m");
    assert_int_equal(r->verdict, HGN_FIT_OFFLOAD);
    assert_non_null(strstr(r->reason, "no GPU"));
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(recs[i].precision, HGN_PRECISION_INT4);
        assert_true(recs[i].verdict != HGN_FIT_GPU);
    }
    /* Context above a model's maximum is capped at the maximum. */
    r = findRec(recs, n, "tinyllama-1.1b-chat-v1.0");
    assert_int_equal(r->context, 2048);
    assert_non_null(strstr(r->reason, "model maximum"));
    hgnRecommendationsFree(recs);

    HgnRecommendQuery bad = {.nGpus = 2};
    HgnStatus st = hgnRecommend(reg, &bad, &recs, &n);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    hgnStatusFree(st);
    bad = (HgnRecommendQuery){.quant = (HgnQuantPreference)9};
    st = hgnRecommend(reg, &bad, &recs, &n);
    assert_string_equal(hgnStatusWhere(st), "quant");
    hgnStatusFree(st);
    assert_null(recs);
}

/* ---- property tests ------------------------------------------------------------ */

static uint64_t rngState = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void) { /* xorshift64*, seeded: the run is reproducible */
    rngState ^= rngState >> 12;
    rngState ^= rngState << 25;
    rngState ^= rngState >> 27;
    return rngState * 2685821657736338717ull;
}

static uint64_t rndBelow(uint64_t n) { return n ? rnd() % n : 0; }

#define MAX_GPUS 9

typedef struct Machine {
    uint64_t gpus[MAX_GPUS];
    size_t nGpus;
    HgnRecommendQuery q;
} Machine;

static void randomMachine(Machine *m) {
    static const uint64_t contexts[] = {0, 512, 2048, 4096, 32768, 131072, 1000000};
    m->nGpus = rndBelow(MAX_GPUS); /* 0..8 */
    for (size_t g = 0; g < m->nGpus; g++)
        m->gpus[g] = rndBelow(4) == 0 ? rndBelow(200 * GIB) : (4 + rndBelow(141)) * GIB; /* odd sizes and round ones */
    m->q = (HgnRecommendQuery){.gpuMemoryBytes = m->gpus,
                               .nGpus = m->nGpus,
                               .hostRamBytes = rndBelow(1024 * GIB),
                               .quant = (HgnQuantPreference)rndBelow(4),
                               .contextTokens = contexts[rndBelow(7)],
                               .perf = (HgnPerfPreference)rndBelow(3)};
}

static void checkOrder(const HgnRecommendation *recs, size_t n) {
    for (size_t i = 1; i < n; i++) {
        const HgnRecommendation *a = &recs[i - 1], *b = &recs[i];
        assert_true(a->verdict <= b->verdict);
        if (a->verdict == b->verdict) {
            assert_true(a->score >= b->score);
            if (a->score == b->score) assert_true(strcmp(a->model->id, b->model->id) < 0);
        }
    }
}

static void assertSameList(const HgnRecommendation *a, const HgnRecommendation *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        assert_ptr_equal(a[i].model, b[i].model);
        assert_int_equal(a[i].verdict, b[i].verdict);
        assert_int_equal(a[i].precision, b[i].precision);
        assert_true(a[i].score == b[i].score);
        assert_string_equal(a[i].reason, b[i].reason);
    }
}

static void testMoreMemoryNeverRemovesAModel(void **state) {
    (void)state;
    size_t grew = 0;
    for (int iter = 0; iter < 1200; iter++) {
        Machine m;
        randomMachine(&m);
        HgnRecommendation *before, *after;
        size_t nb, na;
        run(&m.q, &before, &nb);
        checkOrder(before, nb);

        Machine more = m;
        more.q.gpuMemoryBytes = more.gpus;
        switch (rndBelow(4)) {
        case 0: /* add a GPU */
            if (more.nGpus < MAX_GPUS) more.gpus[more.nGpus++] = rndBelow(96 * GIB);
            more.q.nGpus = more.nGpus;
            break;
        case 1: /* grow one GPU */
            if (more.nGpus) more.gpus[rndBelow(more.nGpus)] += rndBelow(64 * GIB) + 1;
            break;
        case 2: /* more host RAM */
            more.q.hostRamBytes += rndBelow(256 * GIB) + 1;
            break;
        default: /* everything a little larger */
            for (size_t g = 0; g < more.nGpus; g++) more.gpus[g] += rndBelow(8 * GIB);
            more.q.hostRamBytes += rndBelow(16 * GIB);
            break;
        }
        run(&more.q, &after, &na);
        assert_int_equal(na, nb);
        for (size_t i = 0; i < nb; i++) {
            const HgnRecommendation *b = &before[i];
            const HgnRecommendation *a = findRec(after, na, b->model->id);
            assert_non_null(a);
            if (b->verdict != HGN_FIT_NONE && a->verdict == HGN_FIT_NONE)
                print_error("iter %d: %s became infeasible: %s -> %s\n", iter, b->model->id, b->reason, a->reason);
            assert_false(b->verdict != HGN_FIT_NONE && a->verdict == HGN_FIT_NONE);
            if (b->verdict == HGN_FIT_GPU) assert_int_equal(a->verdict, HGN_FIT_GPU);
            if (a->verdict < b->verdict) grew++;
        }
        hgnRecommendationsFree(before);
        hgnRecommendationsFree(after);
    }
    assert_true(grew > 100); /* the perturbations do change verdicts: the test can fail */
}

static void testOrderIsStable(void **state) {
    (void)state;
    for (int iter = 0; iter < 1000; iter++) {
        Machine m;
        randomMachine(&m);
        HgnRecommendation *a, *b, *c;
        size_t na, nb, nc;
        run(&m.q, &a, &na);
        run(&m.q, &b, &nb);
        assert_int_equal(na, nb);
        assertSameList(a, b, na);
        /* Reverse and rotate the GPU list: same answer. */
        Machine p = m;
        p.q.gpuMemoryBytes = p.gpus;
        for (size_t g = 0; g < p.nGpus; g++) p.gpus[g] = m.gpus[(g + 1 + (size_t)iter) % m.nGpus];
        for (size_t g = 0; g < p.nGpus / 2; g++) {
            uint64_t t = p.gpus[g];
            p.gpus[g] = p.gpus[p.nGpus - 1 - g];
            p.gpus[p.nGpus - 1 - g] = t;
        }
        run(&p.q, &c, &nc);
        assertSameList(a, c, na);
        checkOrder(a, na);
        hgnRecommendationsFree(a);
        hgnRecommendationsFree(b);
        hgnRecommendationsFree(c);
    }
}

static void testAllocationFailures(void **state) {
    (void)state;
    uint64_t mem[] = {24 * GIB, 12 * GIB};
    HgnRecommendQuery q = {.gpuMemoryBytes = mem, .nGpus = 2, .hostRamBytes = 64 * GIB};
    for (uint64_t k = 1; k <= 4; k++) {
        HgnRecommendation *recs = NULL;
        size_t n = 0;
        hgnAllocFailAt(k, 0);
        HgnStatus st = hgnRecommend(reg, &q, &recs, &n);
        hgnAllocFailAt(0, 0);
        assert_int_equal(hgnStatusCode(st), HGN_CODE_OutOfMemory);
        assert_null(recs);
        hgnStatusFree(st);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testRtx4090Workstation),           cmocka_unit_test(testPreferencesAndCpuOnly),
        cmocka_unit_test(testMoreMemoryNeverRemovesAModel), cmocka_unit_test(testOrderIsStable),
        cmocka_unit_test(testAllocationFailures),
    };
    return cmocka_run_group_tests_name("recommend", tests, setup, teardown);
}
