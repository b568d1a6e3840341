/* testTopology.c — hwloc topologies → topology JSON: the DGX-2, POWER8 and
 * consumer fixtures, GPU memory from NVML, digest stability, the hwloc 3.0
 * XML rewrite, and malformed XML (HGN-0201 naming the file, never a crash). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "diagnostics/topology.h"
#include "diagnostics/topologyLoad.h"
#include "huginn/diagnostics.h"
#include "testUtil.h"

static char tmpDir[64];

static void fixture(const char *name, char *out, size_t n) {
    snprintf(out, n, "%s/topologies/%s", HGN_TEST_DATA, name);
}

static json_t *load(const char *name, const json_t *nvmlGpus) {
    char path[512];
    fixture(name, path, sizeof path);
    json_t *t = NULL;
    HgnStatus st = hgnTopologyBuild(path, nvmlGpus, &t);
    if (st) fprintf(stderr, "%s\n", hgnStatusMessage(st));
    assert_null(st);
    return t;
}

static const json_t *entry(const json_t *topo, const char *a, const char *b) {
    size_t i;
    json_t *e;
    json_array_foreach(jsonAt(topo, "matrix.entries"), i, e) {
        if (strcmp(json_string_value(json_object_get(e, "a")), a) == 0 &&
            strcmp(json_string_value(json_object_get(e, "b")), b) == 0)
            return e;
    }
    fail_msg("no matrix entry %s-%s", a, b);
    return NULL;
}

static void expectEntry(const json_t *topo, const char *a, const char *b, const char *path, long long bps,
                        const char *source) {
    const json_t *e = entry(topo, a, b);
    assert_string_equal(json_string_value(json_object_get(e, "path")), path);
    assert_int_equal(json_integer_value(json_object_get(e, "bandwidthBytesPerSec")), bps);
    assert_string_equal(json_string_value(json_object_get(e, "source")), source);
    assert_true(json_integer_value(json_object_get(e, "latencyNs")) > 0);
}

static const long long gen3x16 = 15753846169LL; /* hwloc's 15.753846 GB/s as a float */

static void testDgx2(void **state) {
    (void)state;
    json_t *t = load("nvidiaDGX2.xml", NULL);
    assert_string_equal(jsonAtStr(t, "machine"), "NVIDIA DGX-2H");
    assert_int_equal(json_array_size(jsonAt(t, "numaNodes")), 2);
    assert_int_equal(jsonAtInt(t, "numaNodes.0.memoryBytes"), 810234351616LL);
    assert_int_equal(jsonAtInt(t, "numaNodes.0.cores"), 2);
    assert_int_equal(json_array_size(jsonAt(t, "numaNodes.0.gpus")), 8);
    assert_int_equal(json_array_size(jsonAt(t, "gpus")), 16);
    for (int i = 0; i < 16; i++) {
        char p[64];
        snprintf(p, sizeof p, "gpus.%d.index", i);
        assert_int_equal(jsonAtInt(t, p), i);
        snprintf(p, sizeof p, "gpus.%d.numaNode", i);
        assert_int_equal(jsonAtInt(t, p), i < 8 ? 0 : 1);
        snprintf(p, sizeof p, "gpus.%d.name", i);
        assert_string_equal(jsonAtStr(t, p), "Tesla V100-SXM3-32GB-H");
        /* host bridge, root port, then two levels of PLX switch ports */
        snprintf(p, sizeof p, "gpus.%d.pciPath", i);
        const json_t *path = jsonAt(t, p);
        assert_int_equal(json_array_size(path), 6);
        assert_string_equal(jsonAtStr(path, "0.kind"), "hostBridge");
        assert_string_equal(jsonAtStr(path, "1.kind"), "rootPort");
        for (int h = 2; h < 6; h++) {
            char q[16];
            snprintf(q, sizeof q, "%d.kind", h);
            assert_string_equal(jsonAtStr(path, q), "switchPort");
        }
        /* no driver answered for this machine: memory comes from the device profile */
        snprintf(p, sizeof p, "gpus.%d.memorySource", i);
        assert_string_equal(jsonAtStr(t, p), "profile");
        snprintf(p, sizeof p, "gpus.%d.memoryBytes", i);
        assert_int_equal(jsonAtInt(t, p), 32LL << 30);
        snprintf(p, sizeof p, "gpus.%d.profileId", i);
        assert_string_equal(jsonAtStr(t, p), "v100-sxm3-32gb-h");
    }
    assert_string_equal(jsonAtStr(t, "gpus.0.pciBusId"), "0000:34:00.0");
    assert_string_equal(jsonAtStr(t, "gpus.0.uuid"), "GPU-d3977428-7a30-086b-2e20-5c1eeed647c6");
    assert_string_equal(jsonAtStr(t, "gpus.0.pciPath.0.busRange"), "0000:[2b-3b]");
    assert_string_equal(jsonAtStr(t, "gpus.0.pciPath.5.pciBusId"), "0000:33:00.0");
    assert_int_equal(json_array_size(jsonAt(t, "nvswitches")), 12);
    assert_int_equal(json_array_size(jsonAt(t, "links")), 96); /* 16 GPUs × 6 NVLinks into switches */
    assert_int_equal(jsonAtInt(t, "gpus.5.nvlinkBytesPerSec"), 150000000000LL);
    /* every GPU pair meets through the NVSwitches at 6 × 25 GB/s */
    expectEntry(t, "gpu:0", "gpu:1", "nvswitch", 150000000000LL, "hwloc");
    expectEntry(t, "gpu:3", "gpu:12", "nvswitch", 150000000000LL, "hwloc");
    expectEntry(t, "numa:0", "gpu:0", "pcie", gen3x16, "hwloc");
    expectEntry(t, "numa:1", "gpu:0", "pcieCrossSocket", gen3x16, "hwloc");
    expectEntry(t, "numa:1", "gpu:15", "pcie", gen3x16, "hwloc");
    assert_int_equal(json_array_size(jsonAt(t, "matrix.devices")), 18);
    assert_int_equal(json_array_size(jsonAt(t, "matrix.entries")), 2 * 16 + 16 * 15 / 2);
    assert_int_equal(strlen(jsonAtStr(t, "topologyDigest")), 64);
    assert_string_equal(jsonAtStr(t, "source.kind"), "xml");
    json_decref(t);
}

static void testPower8(void **state) {
    (void)state;
    json_t *t = load("power8gpudistances.xml", NULL);
    assert_int_equal(json_array_size(jsonAt(t, "gpus")), 4);
    assert_int_equal(json_array_size(jsonAt(t, "numaNodes")), 2);
    assert_string_equal(jsonAtStr(t, "gpus.0.name"), "Tesla P100-SXM2-16GB");
    assert_int_equal(jsonAtInt(t, "gpus.0.memoryBytes"), 16LL << 30);
    assert_string_equal(jsonAtStr(t, "gpus.0.profileId"), "p100-sxm2-16gb");
    assert_int_equal(jsonAtInt(t, "gpus.0.numaNode"), 0);
    assert_int_equal(jsonAtInt(t, "gpus.3.numaNode"), 1);
    assert_int_equal(json_array_size(jsonAt(t, "nvswitches")), 0);
    assert_int_equal(json_array_size(jsonAt(t, "links")), 6);
    /* GPU pairs on one socket share 2 NVLink 1 links; GPUs reach their CPU over NVLink too */
    expectEntry(t, "gpu:0", "gpu:1", "nvlink", 40000000000LL, "hwloc");
    expectEntry(t, "gpu:2", "gpu:3", "nvlink", 40000000000LL, "hwloc");
    expectEntry(t, "numa:0", "gpu:1", "nvlink", 40000000000LL, "hwloc");
    expectEntry(t, "numa:1", "gpu:2", "nvlink", 40000000000LL, "hwloc");
    expectEntry(t, "numa:0", "gpu:3", "pcieCrossSocket", gen3x16, "hwloc");
    expectEntry(t, "gpu:0", "gpu:2", "pcieCrossSocket", gen3x16, "hwloc");
    json_decref(t);
}

static void testConsumer(void **state) {
    (void)state;
    json_t *t = load("consumer2gpu.xml", NULL);
    assert_int_equal(json_array_size(jsonAt(t, "numaNodes")), 1);
    assert_int_equal(jsonAtInt(t, "numaNodes.0.memoryBytes"), 64LL << 30);
    assert_int_equal(jsonAtInt(t, "numaNodes.0.cores"), 4);
    assert_int_equal(jsonAtInt(t, "numaNodes.0.pus"), 8);
    assert_int_equal(json_array_size(jsonAt(t, "gpus")), 2);
    assert_string_equal(jsonAtStr(t, "gpus.1.name"), "NVIDIA GeForce RTX 3090");
    assert_string_equal(jsonAtStr(t, "gpus.1.pciBusId"), "0000:02:00.0");
    assert_int_equal(jsonAtInt(t, "gpus.1.pcieLinkBytesPerSec"), 31507692337LL);
    assert_string_equal(jsonAtStr(t, "gpus.1.pcieLinkSource"), "hwloc");
    assert_int_equal(json_array_size(jsonAt(t, "links")), 0);
    /* the PCI tree: one host bridge, three root ports, two GPUs and a disk */
    assert_int_equal(json_array_size(jsonAt(t, "pciTree")), 1);
    assert_string_equal(jsonAtStr(t, "pciTree.0.kind"), "hostBridge");
    assert_int_equal(json_array_size(jsonAt(t, "pciTree.0.children")), 3);
    assert_string_equal(jsonAtStr(t, "pciTree.0.children.0.kind"), "rootPort");
    assert_string_equal(jsonAtStr(t, "pciTree.0.children.0.children.0.kind"), "gpu");
    assert_int_equal(jsonAtInt(t, "pciTree.0.children.1.children.0.gpuIndex"), 1);
    assert_string_equal(jsonAtStr(t, "pciTree.0.children.2.children.0.kind"), "device");
    assert_string_equal(jsonAtStr(t, "pciTree.0.children.2.children.0.classId"), "0108");
    /* two root ports of one host bridge: P2P goes through the host */
    expectEntry(t, "gpu:0", "gpu:1", "pcieHost", 31507692337LL, "hwloc");
    expectEntry(t, "numa:0", "gpu:1", "pcie", 31507692337LL, "hwloc");
    json_decref(t);
}

static void testNvmlMemoryJoinsByBusId(void **state) {
    (void)state;
    json_error_t err;
    json_t *nvml = json_loads("[{\"index\":0,\"pciBusId\":\"0000:01:00.0\",\"name\":\"NVIDIA GeForce RTX 3090\","
                              "\"memoryTotalBytes\":25769803776,\"state\":\"ok\"}]",
                              0, &err);
    assert_non_null(nvml);
    json_t *t = load("consumer2gpu.xml", nvml);
    assert_int_equal(jsonAtInt(t, "gpus.0.memoryBytes"), 25769803776LL);
    assert_string_equal(jsonAtStr(t, "gpus.0.memorySource"), "nvml");
    assert_int_equal(jsonAtInt(t, "gpus.1.memoryBytes"), 24LL << 30);
    assert_string_equal(jsonAtStr(t, "gpus.1.memorySource"), "profile");
    assert_string_equal(jsonAtStr(t, "gpus.1.profileId"), "rtx-3090");
    json_t *plain = load("consumer2gpu.xml", NULL);
    assert_string_not_equal(jsonAtStr(t, "topologyDigest"), jsonAtStr(plain, "topologyDigest"));
    json_decref(plain);
    json_decref(t);
    json_decref(nvml);
}

static void testBmcGraphicsIsNotAGpu(void **state) {
    (void)state;
    char src[512], dst[128];
    fixture("consumer2gpu.xml", src, sizeof src);
    FILE *f = fopen(src, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* turn the NVMe disk into an ASPEED BMC VGA controller */
    char *cls = strstr(buf, "0108 [144d:a80a]");
    assert_non_null(cls);
    memcpy(cls, "0300 [1a03:2000]", 16);
    snprintf(dst, sizeof dst, "%s/bmc.xml", tmpDir);
    f = fopen(dst, "wb");
    assert_non_null(f);
    fwrite(buf, 1, n, f);
    fclose(f);
    json_t *t = NULL;
    assert_null(hgnTopologyBuild(dst, NULL, &t));
    assert_int_equal(json_array_size(jsonAt(t, "gpus")), 2);
    assert_string_equal(jsonAtStr(t, "pciTree.0.children.2.children.0.vendorDevice"), "1a03:2000");
    assert_string_equal(jsonAtStr(t, "pciTree.0.children.2.children.0.kind"), "device");
    json_decref(t);
}

static void testLostGpuLeavesTopology(void **state) {
    (void)state;
    json_error_t err;
    json_t *nvml = json_loads("[{\"index\":0,\"pciBusId\":\"0000:01:00.0\",\"state\":\"ok\",\"memoryTotalBytes\":1},"
                              "{\"index\":1,\"pciBusId\":\"0000:02:00.0\",\"state\":\"lost\"}]",
                              0, &err);
    assert_non_null(nvml);
    json_t *t = load("consumer2gpu.xml", nvml);
    assert_int_equal(json_array_size(jsonAt(t, "gpus")), 1);
    assert_string_equal(jsonAtStr(t, "gpus.0.pciBusId"), "0000:01:00.0");
    assert_int_equal(json_array_size(jsonAt(t, "matrix.entries")), 1);
    json_decref(t);
    json_decref(nvml);
}

static void testDigestStable(void **state) {
    (void)state;
    json_t *a = load("nvidiaDGX2.xml", NULL), *b = load("nvidiaDGX2.xml", NULL);
    assert_string_equal(jsonAtStr(a, "topologyDigest"), jsonAtStr(b, "topologyDigest"));
    char hex[65];
    assert_null(hgnTopologyDigest(a, hex));
    assert_string_equal(hex, jsonAtStr(a, "topologyDigest"));
    /* the file's location is not part of the digest */
    char src[512], copy[128], cmd[800];
    fixture("nvidiaDGX2.xml", src, sizeof src);
    snprintf(copy, sizeof copy, "%s/renamed.xml", tmpDir);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", src, copy);
    assert_int_equal(system(cmd), 0);
    json_t *c = NULL;
    assert_null(hgnTopologyBuild(copy, NULL, &c));
    assert_string_equal(jsonAtStr(c, "topologyDigest"), jsonAtStr(a, "topologyDigest"));
    /* any change to the content changes it; key order does not */
    json_object_set_new(json_array_get(json_object_get(c, "numaNodes"), 0), "memoryBytes", json_integer(1));
    assert_null(hgnTopologyDigest(c, hex));
    assert_string_not_equal(hex, jsonAtStr(a, "topologyDigest"));
    json_t *reordered = json_object();
    const char *key;
    json_t *v;
    json_t *keys = json_array();
    json_object_foreach(a, key, v) { json_array_insert_new(keys, 0, json_string(key)); }
    size_t i;
    json_array_foreach(keys, i, v) {
        json_object_set(reordered, json_string_value(v), json_object_get(a, json_string_value(v)));
    }
    assert_null(hgnTopologyDigest(reordered, hex));
    assert_string_equal(hex, jsonAtStr(a, "topologyDigest"));
    json_decref(keys);
    json_decref(reordered);
    /* different machines, different digests */
    json_t *p = load("power8gpudistances.xml", NULL);
    assert_string_not_equal(jsonAtStr(p, "topologyDigest"), jsonAtStr(a, "topologyDigest"));
    json_t *arr = json_array();
    HgnStatus st = hgnTopologyDigest(arr, hex);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    hgnStatusFree(st);
    json_decref(arr);
    json_decref(p);
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

static void testXmlDowngrade(void **state) {
    (void)state;
    const char *v3 = "<?xml version=\"1.0\"?>\n<topology version=\"3.0\">\n<object type=\"OSDev\" osdev_type=\"12\"/>"
                     "<object type=\"OSDev\" osdev_type=\"16\"/><object type=\"OSDev\" osdev_type=\"1\"/>"
                     "<object type=\"OSDev\" osdev_type=\"x\"/></topology>\n";
    char *out = NULL;
    assert_null(hgnTopologyXmlDowngrade(v3, strlen(v3), &out));
    if (hwloc_get_api_version() >= 0x30000) {
        assert_null(out);
        return;
    }
    assert_non_null(out);
    assert_non_null(strstr(out, "<topology version=\"2.0\">"));
    assert_non_null(strstr(out, "osdev_type=\"1\"/><object type=\"OSDev\" osdev_type=\"2\"/>"
                                "<object type=\"OSDev\" osdev_type=\"0\"/><object type=\"OSDev\" osdev_type=\"x\"/>"));
    hgnFree(out);
    const char *v2 = "<topology version=\"2.0\"></topology>";
    assert_null(hgnTopologyXmlDowngrade(v2, strlen(v2), &out));
    assert_null(out);
    HgnStatus st = hgnTopologyXmlDowngrade("<foo/>", 6, &out);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_TopologyInvalid);
    hgnStatusFree(st);
}

static void expectInvalid(const char *name, const char *content, size_t len, HgnCode code) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpDir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len) assert_int_equal(fwrite(content, 1, len, f), len);
    fclose(f);
    json_t *t = NULL;
    HgnStatus st = hgnTopologyBuild(path, NULL, &t);
    if (!st) fail_msg("%s was accepted", name);
    assert_int_equal(hgnStatusCode(st), code);
    assert_string_equal(hgnStatusWhere(st), path);
    assert_null(t);
    hgnStatusFree(st);
    /* the whole report fails the same way */
    HgnDiagnosticsOptions o;
    memset(&o, 0, sizeof o);
    o.nvmlLibrary = "";
    o.topologyXml = path;
    o.cacheRoot = tmpDir;
    json_t *r = NULL;
    st = hgnDiagnosticsCollect(&o, &r);
    assert_int_equal(hgnStatusCode(st), code);
    assert_null(r);
    hgnStatusFree(st);
}

static void testBadXml(void **state) {
    (void)state;
    expectInvalid("empty.xml", "", 0, HGN_CODE_TopologyInvalid);
    expectInvalid("garbage.xml", "\x01\x02 not xml at all", 18, HGN_CODE_TopologyInvalid);
    expectInvalid("other.xml", "<?xml version=\"1.0\"?><foo><bar/></foo>", 38, HGN_CODE_TopologyInvalid);
    const char *noRoot = "<?xml version=\"1.0\"?><topology version=\"2.0\"></topology>";
    expectInvalid("noRoot.xml", noRoot, strlen(noRoot), HGN_CODE_TopologyInvalid);
    const char *badV3 = "<topology version=\"3.0\"><object type=\"Machine\" cpuset=\"zz\"><object type=\"OSDev\" "
                        "osdev_type=\"999999999999999999999\"/></object></topology>";
    expectInvalid("badV3.xml", badV3, strlen(badV3), HGN_CODE_TopologyInvalid);
    expectInvalid("nul.xml", "<topology\0version", 17, HGN_CODE_TopologyInvalid);
    /* the DGX-2 export cut in half */
    char src[512];
    fixture("nvidiaDGX2.xml", src, sizeof src);
    FILE *f = fopen(src, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    expectInvalid("truncated.xml", buf, n / 2, HGN_CODE_TopologyInvalid);
    /* a missing file is NotFound, a directory is refused */
    json_t *t = NULL;
    HgnStatus st = hgnTopologyBuild("/nonexistent/topology.xml", NULL, &t);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_NotFound);
    assert_string_equal(hgnStatusWhere(st), "/nonexistent/topology.xml");
    hgnStatusFree(st);
    st = hgnTopologyBuild(tmpDir, NULL, &t);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_TopologyInvalid);
    hgnStatusFree(st);
}

static void testReportFromXml(void **state) {
    (void)state;
    char path[512];
    fixture("nvidiaDGX2.xml", path, sizeof path);
    HgnDiagnosticsOptions o;
    memset(&o, 0, sizeof o);
    o.nvmlLibrary = "/nonexistent/libnvidia-ml.so.1";
    o.topologyXml = path;
    o.cacheRoot = tmpDir;
    json_t *r = NULL;
    assert_null(hgnDiagnosticsCollect(&o, &r));
    /* without a driver the described machine's GPUs are listed from hwloc */
    assert_int_equal(json_array_size(jsonAt(r, "gpus")), 16);
    assert_string_equal(jsonAtStr(r, "gpus.9.source"), "hwloc");
    assert_int_equal(jsonAtInt(r, "gpus.9.numaNode"), 1);
    json_t *topo = NULL;
    assert_null(hgnDiagnosticsTopology(&o, &topo));
    assert_string_equal(jsonAtStr(topo, "topologyDigest"), jsonAtStr(r, "topology.topologyDigest"));
    char *text = NULL;
    assert_null(hgnDiagnosticsRenderText(r, false, &text));
    assert_non_null(strstr(text, "16 GPU(s), 12 NVSwitch(es)"));
    assert_non_null(strstr(text, "GPU↔GPU nvswitch  120 pair(s), ≥ 150.0 GB/s (hwloc)"));
    assert_non_null(strstr(text, "Machine"));
    hgnFree(text);
    json_decref(topo);
    json_decref(r);
}

static void testLiveTopology(void **state) {
    (void)state;
    json_t *t = NULL;
    assert_null(hgnTopologyBuild(NULL, NULL, &t));
    assert_string_equal(jsonAtStr(t, "source.kind"), "live");
    assert_true(json_array_size(jsonAt(t, "numaNodes")) >= 1);
    assert_true(jsonAtInt(t, "numaNodes.0.pus") >= 1);
    json_t *again = NULL;
    assert_null(hgnTopologyBuild(NULL, NULL, &again));
    assert_int_equal(json_array_size(jsonAt(again, "pciTree")), json_array_size(jsonAt(t, "pciTree")));
    json_decref(again);
    json_decref(t);
}

static void testTopologyAllocationFailures(void **state) {
    (void)state;
    char path[512];
    fixture("power8gpudistances.xml", path, sizeof path);
    int failures = 0;
    for (uint64_t n = 1; n < 1000; n++) {
        json_t *t = NULL;
        hgnAllocFailAt(n, 0);
        HgnStatus st = hgnTopologyBuild(path, NULL, &t);
        uint64_t injected = hgnAllocInjectedFailures();
        hgnAllocFailAt(0, 0);
        if (st) {
            assert_int_equal(hgnStatusCode(st), HGN_CODE_OutOfMemory);
            assert_null(t);
            failures++;
        }
        hgnStatusFree(st);
        json_decref(t);
        if (injected == 0) break;
    }
    assert_true(failures > 0);
}

static int setup(void **state) {
    (void)state;
    snprintf(tmpDir, sizeof tmpDir, "/tmp/hgnTopoXXXXXX");
    return mkdtemp(tmpDir) ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpDir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testDgx2),
        cmocka_unit_test(testPower8),
        cmocka_unit_test(testConsumer),
        cmocka_unit_test(testNvmlMemoryJoinsByBusId),
        cmocka_unit_test(testBmcGraphicsIsNotAGpu),
        cmocka_unit_test(testLostGpuLeavesTopology),
        cmocka_unit_test(testDigestStable),
        cmocka_unit_test(testXmlDowngrade),
        cmocka_unit_test(testBadXml),
        cmocka_unit_test(testReportFromXml),
        cmocka_unit_test(testLiveTopology),
        cmocka_unit_test(testTopologyAllocationFailures),
    };
    return cmocka_run_group_tests_name("topology", tests, setup, teardown);
}
