/* testDeviceProfiles.c — device profiles: the compiled-in table loads with
 * sourced figures, NVML/marketing names (DGX-2 and POWER8 topologies
 * included) match with memory disambiguation, corrupted copies fail with
 * HGN-0001 naming the device and field, loading is thread-safe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/embedded.h"
#include "registry/deviceProfiles.h"

#define GIB (1ull << 30)

static void testLoadsAllProfiles(void **state) {
    (void)state;
    HgnStatus st = hgnDeviceProfilesLoad();
    assert_null(st);
    static const char *const ids[] = {"rtx-2080-ti",
                                      "rtx-3060-12gb",
                                      "rtx-3090",
                                      "rtx-4060-ti-16gb",
                                      "rtx-4090",
                                      "a10",
                                      "l4",
                                      "l40s",
                                      "t4",
                                      "v100-pcie-16gb",
                                      "v100-pcie-32gb",
                                      "v100-sxm2-16gb",
                                      "v100-sxm2-32gb",
                                      "v100-sxm3-32gb",
                                      "a100-sxm4-40gb",
                                      "a100-sxm4-80gb",
                                      "h100-pcie",
                                      "h100-sxm",
                                      "h200",
                                      "cpu-avx2",
                                      "cpu-avx512",
                                      "cpu-neon",
                                      "cpu-scalar"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        if (!hgnDeviceProfileById(ids[i])) print_error("missing %s\n", ids[i]);
        assert_non_null(hgnDeviceProfileById(ids[i]));
    }
    assert_true(hgnDeviceProfileCount() >= sizeof ids / sizeof ids[0]);
    assert_null(hgnDeviceProfileAt(hgnDeviceProfileCount()));
    assert_null(hgnDeviceProfileById("rtx-9090"));
    for (size_t i = 0; i < hgnDeviceProfileCount(); i++) {
        const HgnDeviceProfile *p = hgnDeviceProfileAt(i);
        assert_true(strlen(p->source) > 20);
        assert_true(p->memoryBandwidth > 0 && p->peakFlopsFp32 > 0);
        if (p->kind == HGN_DEVICE_GPU) {
            assert_true(p->memoryBytes >= 11 * GIB);
            assert_non_null(p->computeCapability);
            assert_true(p->peakFlopsFp16 > p->peakFlopsFp32); /* tensor cores or 2x fp16 rate */
            assert_true(p->pcieGen >= 3 && p->pcieWidth >= 8);
            assert_true(p->launchOverheadSec > 0);
        } else {
            assert_int_equal(p->memoryBytes, 0);
            assert_null(p->computeCapability);
        }
    }
    /* Published figures. */
    const HgnDeviceProfile *p = hgnDeviceProfileById("rtx-4090");
    assert_int_equal(p->memoryBytes, 24 * GIB);
    assert_true(p->memoryBandwidth == 1008e9);
    assert_true(p->peakFlopsFp32 == 82.6e12);
    assert_string_equal(p->computeCapability, "8.9");
    p = hgnDeviceProfileById("h100-sxm");
    assert_true(p->peakFlopsFp16 == 989.4e12 && p->peakFlopsFp8 == 1978.9e12);
    assert_true(p->nvlinkBandwidth == 450e9);
    assert_int_equal(p->pcieGen, 5);
    p = hgnDeviceProfileById("v100-sxm3-32gb");
    assert_true(p->peakFlopsBf16 == 0 && p->peakFlopsFp8 == 0);
    assert_string_equal(p->computeCapability, "7.0");
    assert_int_equal(hgnDeviceProfileById("rtx-4060-ti-16gb")->pcieWidth, 8);
}

typedef struct Case {
    const char *name;
    uint64_t memory;
    const char *id; /* NULL = no match */
} Case;

static const Case cases[] = {
    {"NVIDIA GeForce RTX 4090", 0, "rtx-4090"},
    {"NVIDIA GeForce RTX 4090", 25757220864ull, "rtx-4090"}, /* NVML reports 24564 MiB */
    {"nvidia geforce rtx 4090", 0, "rtx-4090"},
    {"NVIDIA GeForce RTX 2080 Ti", 11 * GIB, "rtx-2080-ti"},
    {"NVIDIA GeForce RTX 3060", 12 * GIB, "rtx-3060-12gb"},
    {"NVIDIA GeForce RTX 3060", 8 * GIB, NULL}, /* the 8 GB card is another profile */
    {"NVIDIA GeForce RTX 3090", 0, "rtx-3090"},
    {"NVIDIA GeForce RTX 3090 Ti", 0, NULL},
    {"NVIDIA GeForce RTX 4060 Ti", 16 * GIB, "rtx-4060-ti-16gb"},
    {"NVIDIA GeForce RTX 4060 Ti", 8 * GIB, NULL},
    {"NVIDIA GeForce RTX 4060", 8 * GIB, NULL},
    {"NVIDIA A10", 0, "a10"},
    {"NVIDIA L4", 0, "l4"},
    {"NVIDIA L40S", 0, "l40s"},
    {"NVIDIA L40", 0, NULL},
    {"Tesla T4", 0, "t4"},
    {"Tesla V100-PCIE-16GB", 0, "v100-pcie-16gb"},
    {"Tesla V100-PCIE-32GB", 0, "v100-pcie-32gb"},
    {"Tesla V100-PCIE", 32 * GIB, "v100-pcie-32gb"},
    {"Tesla V100-PCIE", 16 * GIB, "v100-pcie-16gb"},
    {"Tesla V100-SXM2-16GB", 0, "v100-sxm2-16gb"},
    {"Tesla V100-SXM2-32GB", 0, "v100-sxm2-32gb"},
    {"Tesla V100-SXM3-32GB", 0, "v100-sxm3-32gb"},
    {"Tesla V100-SXM3-32GB", 34089730048ull, "v100-sxm3-32gb"},
    {"Tesla V100-SXM3-32GB-H", 0, "v100-sxm3-32gb-h"},
    {"Tesla P100-SXM2-16GB", 0, "p100-sxm2-16gb"},
    {"NVIDIA A100-SXM4-40GB", 0, "a100-sxm4-40gb"},
    {"NVIDIA A100-SXM4-80GB", 0, "a100-sxm4-80gb"},
    {"NVIDIA A100-PCIE-40GB", 0, "a100-pcie-40gb"},
    {"NVIDIA A100 80GB PCIe", 0, "a100-pcie-80gb"},
    {"NVIDIA A100", 85520809984ull, "a100-sxm4-80gb"},
    {"NVIDIA H100 PCIe", 0, "h100-pcie"},
    {"NVIDIA H100 80GB HBM3", 0, "h100-sxm"},
    {"NVIDIA H100 80GB HBM3", 85520809984ull, "h100-sxm"},
    {"NVIDIA H100 NVL", 0, NULL},
    {"NVIDIA H200", 150754820096ull, "h200"},
    {"cpu-avx2", 0, "cpu-avx2"},
    {"AVX512", 0, "cpu-avx512"},
    {"aarch64", 0, "cpu-neon"},
    {"AMD Radeon RX 7900 XTX", 0, NULL},
    {"", 0, NULL},
    {"----", 0, NULL},
};

static void testNameMatching(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const HgnDeviceProfile *p = hgnDeviceProfileMatch(cases[i].name, cases[i].memory);
        const char *got = p ? p->id : NULL;
        if ((got == NULL) != (cases[i].id == NULL) || (got && strcmp(got, cases[i].id) != 0))
            print_error("\"%s\" (%llu B): expected %s, got %s\n", cases[i].name, (unsigned long long)cases[i].memory,
                        cases[i].id ? cases[i].id : "none", got ? got : "none");
        if (cases[i].id) {
            assert_non_null(p);
            assert_string_equal(p->id, cases[i].id);
        } else {
            assert_null(p);
        }
    }
    assert_null(hgnDeviceProfileMatch(NULL, 0));
}

static void testCanonicalNames(void **state) {
    (void)state;
    char out[64];
    uint64_t hint;
    assert_true(hgnDeviceNameCanonical("Tesla V100-SXM3-32GB-H", out, sizeof out, &hint));
    assert_string_equal(out, "v100 sxm3 h");
    assert_int_equal(hint, 32 * GIB);
    assert_true(hgnDeviceNameCanonical("NVIDIA GeForce RTX 4060 Ti", out, sizeof out, &hint));
    assert_string_equal(out, "rtx 4060 ti");
    assert_int_equal(hint, 0);
    assert_true(hgnDeviceNameCanonical("NVIDIA A100 80GB PCIe", out, sizeof out, NULL));
    assert_string_equal(out, "a100 pcie");
    assert_false(hgnDeviceNameCanonical("NVIDIA GeForce RTX 4090", out, 5, NULL));
    char big[200];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_false(hgnDeviceNameCanonical(big, out, sizeof out, NULL));
}

/* Every GPU model named in the real hwloc topologies the project ships (DGX-2:
 * "Tesla V100-SXM3-32GB-H"; POWER8: "Tesla P100-SXM2-16GB") matches. Uses the
 * copies in tests/data when present, else the names as literals. */
static void testTopologyGpuNames(void **state) {
    (void)state;
    static const char *const files[] = {"/topologies/nvidiaDGX2.xml", "/topologies/power8gpudistances.xml"};
    static const char *const literal[] = {"Tesla V100-SXM3-32GB-H", "Tesla P100-SXM2-16GB"};
    static const char *const expect[] = {"v100-sxm3-32gb-h", "p100-sxm2-16gb"};
    for (size_t f = 0; f < 2; f++) {
        char path[1024];
        snprintf(path, sizeof path, "%s%s", HGN_TEST_DATA, files[f]);
        FILE *fp = fopen(path, "r");
        int seen = 0;
        if (fp) {
            char line[4096];
            while (fgets(line, sizeof line, fp)) {
                const char *k = strstr(line, "name=\"GPUModel\" value=\"");
                if (!k) continue;
                k += strlen("name=\"GPUModel\" value=\"");
                char model[128];
                size_t n = strcspn(k, "\"");
                assert_true(n < sizeof model);
                memcpy(model, k, n);
                model[n] = '\0';
                const HgnDeviceProfile *p = hgnDeviceProfileMatch(model, 0);
                assert_non_null(p);
                assert_string_equal(p->id, expect[f]);
                seen++;
            }
            fclose(fp);
            assert_true(seen > 0);
        }
        const HgnDeviceProfile *p = hgnDeviceProfileMatch(literal[f], 0);
        assert_non_null(p);
        assert_string_equal(p->id, expect[f]);
    }
}

/* ---- corrupted copies ------------------------------------------------------------ */

typedef struct Corruption {
    size_t index;
    const char *field;     /* may contain one '/' for peakFlops members */
    const char *valueJson; /* NULL = delete */
    const char *pointer;
    const char *inMessage;
} Corruption;

static const Corruption corruptions[] = {
    {0, "memoryBytes", "\"11GB\"", "/devices/0/memoryBytes", "must be an integer"},
    {1, "memoryBandwidth", NULL, "/devices/1/memoryBandwidth", "is missing"},
    {2, "kind", "\"tpu\"", "/devices/2/kind", "not one of: gpu, cpu"},
    {3, "aliases", "[\"RTX 4060 Ti\"]", "/devices/3/aliases/0", "not canonical; write \"rtx 4060 ti\""},
    {4, "peakFlops/fp16", "-1", "/devices/4/peakFlops/fp16", "must be a number in [0, 1e18]"},
    {5, "peakFlops/fp4", "1", "/devices/5/peakFlops/fp4", "unknown rate"},
    {6, "computeCapability", "null", "/devices/6/computeCapability", "needs its compute capability"},
    {7, "id", "\"rtx-4090\"", "/devices/7/id", "already used by devices[4]"},
    {8, "pcieGen", "9", "/devices/8/pcieGen", "outside [0, 7]"},
    {9, "colour", "1", "/devices/9/colour", "unknown field"},
};

static void testCorruptedCopies(void **state) {
    (void)state;
    size_t size;
    const unsigned char *text = hgnEmbeddedGet("registry/devices.json", &size);
    assert_non_null(text);
    for (size_t i = 0; i < sizeof corruptions / sizeof corruptions[0]; i++) {
        const Corruption *c = &corruptions[i];
        json_error_t err;
        json_t *doc = json_loadb((const char *)text, size, 0, &err);
        json_t *entry = json_array_get(json_object_get(doc, "devices"), c->index);
        char *id = hgnStrdup(json_string_value(json_object_get(entry, "id")));
        json_t *target = entry;
        const char *key = c->field;
        const char *slash = strchr(c->field, '/');
        if (slash) {
            char parent[64];
            memcpy(parent, c->field, (size_t)(slash - c->field));
            parent[slash - c->field] = '\0';
            target = json_object_get(entry, parent);
            key = slash + 1;
        }
        if (c->valueJson)
            json_object_set_new(target, key, json_loads(c->valueJson, JSON_DECODE_ANY, &err));
        else
            json_object_del(target, key);
        char *dumped = json_dumps(doc, 0);
        HgnDeviceTable *t = NULL;
        HgnStatus st = hgnDeviceTableParse(dumped, strlen(dumped), "registry/devices.json", &t);
        assert_null(t);
        char where[256];
        snprintf(where, sizeof where, "registry/devices.json:%s", c->pointer);
        if (!st || strcmp(hgnStatusWhere(st), where) || !strstr(hgnStatusMessage(st), c->inMessage))
            print_error("case %zu: %s at %s\n", i, st ? hgnStatusMessage(st) : "ok", st ? hgnStatusWhere(st) : "");
        assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidConfig);
        assert_string_equal(hgnStatusWhere(st), where);
        assert_non_null(strstr(hgnStatusMessage(st), c->inMessage));
        assert_non_null(strstr(hgnStatusMessage(st), strcmp(c->field, "id") ? id : "rtx-4090"));
        hgnStatusFree(st);
        free(dumped);
        hgnFree(id);
        json_decref(doc);
    }
    HgnDeviceTable *t = NULL;
    HgnStatus st = hgnDeviceTableParse("{\"formatVersion\":1,\"devices\":[", 30, "d.json", &t);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidJson);
    hgnStatusFree(st);
    st = hgnDeviceTableParse("{\"formatVersion\":1,\"devices\":[]}", 32, "d.json", &t);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidConfig);
    assert_string_equal(hgnStatusWhere(st), "d.json:/devices");
    hgnStatusFree(st);
    /* A private table parses and matches on its own. */
    assert_null(hgnDeviceTableParse((const char *)text, size, "registry/devices.json", &t));
    assert_int_equal(hgnDeviceTableCount(t), hgnDeviceProfileCount());
    assert_string_equal(hgnDeviceTableMatch(t, "Tesla T4", 0)->id, "t4");
    hgnDeviceTableFree(t);
}

static void testAllocationFailures(void **state) {
    (void)state;
    size_t size;
    const unsigned char *text = hgnEmbeddedGet("registry/devices.json", &size);
    int failures = 0;
    for (uint64_t n = 1; n < 50; n++) {
        HgnDeviceTable *t = NULL;
        hgnAllocFailAt(n, 1);
        HgnStatus st = hgnDeviceTableParse((const char *)text, size, "registry/devices.json", &t);
        hgnAllocFailAt(0, 0);
        if (!st) {
            hgnDeviceTableFree(t);
            break;
        }
        failures++;
        assert_int_equal(hgnStatusCode(st), HGN_CODE_OutOfMemory);
        hgnStatusFree(st);
    }
    assert_true(failures >= 2);
}

static void *matchInThread(void *arg) {
    (void)arg;
    const HgnDeviceProfile *last = NULL;
    for (int i = 0; i < 200; i++) last = hgnDeviceProfileMatch("Tesla V100-SXM3-32GB", 0);
    return (void *)last;
}

static void testConcurrentUse(void **state) {
    (void)state;
    pthread_t threads[8];
    for (int i = 0; i < 8; i++) assert_int_equal(pthread_create(&threads[i], NULL, matchInThread, NULL), 0);
    const HgnDeviceProfile *expect = hgnDeviceProfileById("v100-sxm3-32gb");
    for (int i = 0; i < 8; i++) {
        void *ret;
        assert_int_equal(pthread_join(threads[i], &ret), 0);
        assert_ptr_equal(ret, expect);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testConcurrentUse), /* first: the table loads under contention */
        cmocka_unit_test(testLoadsAllProfiles), cmocka_unit_test(testNameMatching),
        cmocka_unit_test(testCanonicalNames),   cmocka_unit_test(testTopologyGpuNames),
        cmocka_unit_test(testCorruptedCopies),  cmocka_unit_test(testAllocationFailures),
    };
    return cmocka_run_group_tests_name("deviceProfiles", tests, NULL, NULL);
}
