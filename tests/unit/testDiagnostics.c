/* testDiagnostics.c — the diagnostics report: NVML scenarios through the test
 * double, driver absent or not loaded, a lost GPU, cache-root resolution and
 * disk warnings, CPU and memory parsing from fixture /proc files, text
 * rendering and allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "diagnostics/cacheDisk.h"
#include "diagnostics/hostProbe.h"
#include "huginn/diagnostics.h"
#include "testUtil.h"
#include "huginn/jsonSchema.h"

static char tmpRoot[256];

/* LeakSanitizer (clang 14) crashes in its tracer while scanning thread-local
 * storage at exit of this executable ("Tracer caught signal 11" in
 * ScanRangeForPointers) after the NVML double has been dlopened; the same
 * probes in a program without cmocka/openblas do not. Leaks are still
 * detected; only TLS is not used as a root. */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void) { return "use_tls=0"; }

static const char *doubleLib(void) {
    const char *p = getenv("HGN_NVML_DOUBLE");
    assert_non_null(p); /* set by CTest (cmake/tests.cmake) */
    return p;
}

static void writeFile(const char *dir, const char *rel, const char *text) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    char cmd[700];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
    assert_int_equal(system(cmd), 0);
    *slash = '/';
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static HgnDiagnosticsOptions baseOptions(void) {
    HgnDiagnosticsOptions o;
    memset(&o, 0, sizeof o);
    o.cacheRoot = tmpRoot;
    o.minFreeBytes = 1;
    return o;
}

static json_t *collectScenario(const char *scenario, const char *xml) {
    char path[512];
    snprintf(path, sizeof path, "%s/nvml/%s", HGN_TEST_DATA, scenario);
    setenv("HGN_NVML_SCENARIO", path, 1);
    HgnDiagnosticsOptions o = baseOptions();
    o.nvmlLibrary = doubleLib();
    char xmlPath[512];
    if (xml) {
        snprintf(xmlPath, sizeof xmlPath, "%s/topologies/%s", HGN_TEST_DATA, xml);
        o.topologyXml = xmlPath;
    }
    json_t *r = NULL;
    HgnStatus st = hgnDiagnosticsCollect(&o, &r);
    if (st) fprintf(stderr, "%s\n", hgnStatusMessage(st));
    assert_null(st);
    assert_non_null(r);
    return r;
}

static bool hasWarning(const json_t *r, const char *code) {
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(r, "warnings"), i, w) {
        if (strcmp(json_string_value(json_object_get(w, "code")), code) == 0) return true;
    }
    return false;
}

static const json_t *matrixEntry(const json_t *r, const char *a, const char *b) {
    size_t i;
    json_t *e;
    json_array_foreach(jsonAt(r, "topology.matrix.entries"), i, e) {
        if (strcmp(json_string_value(json_object_get(e, "a")), a) == 0 &&
            strcmp(json_string_value(json_object_get(e, "b")), b) == 0)
            return e;
    }
    return NULL;
}

/* ---- NVML scenarios ---------------------------------------------------------- */

static void testScenarioNone(void **state) {
    (void)state;
    json_t *r = collectScenario("none.json", NULL);
    assert_true(json_is_true(jsonAt(r, "gpuDriver.available")));
    assert_string_equal(jsonAtStr(r, "gpuDriver.nvidiaDriverVersion"), "550.54.15");
    assert_string_equal(jsonAtStr(r, "gpuDriver.cudaDriverVersion"), "12.4");
    assert_int_equal(jsonAtInt(r, "gpuDriver.cudaDriverVersionInt"), 12040);
    assert_int_equal(json_array_size(jsonAt(r, "gpus")), 0);
    assert_int_equal(json_array_size(jsonAt(r, "notes")), 0);
    json_decref(r);
}

static void testScenarioRtx4090(void **state) {
    (void)state;
    json_t *r = collectScenario("rtx4090.json", NULL);
    assert_int_equal(json_array_size(jsonAt(r, "gpus")), 1);
    assert_int_equal(jsonAtInt(r, "gpus.0.index"), 0);
    assert_string_equal(jsonAtStr(r, "gpus.0.name"), "NVIDIA GeForce RTX 4090");
    assert_string_equal(jsonAtStr(r, "gpus.0.uuid"), "GPU-5b1f0d6e-2c1a-4f7e-9a0b-4090aaaa0001");
    assert_string_equal(jsonAtStr(r, "gpus.0.pciBusId"), "0000:01:00.0");
    assert_int_equal(jsonAtInt(r, "gpus.0.memoryTotalBytes"), 25757220864LL);
    assert_int_equal(jsonAtInt(r, "gpus.0.memoryUsedBytes"), 512LL * 1024 * 1024);
    assert_int_equal(jsonAtInt(r, "gpus.0.memoryFreeBytes"), 25757220864LL - 512LL * 1024 * 1024);
    assert_string_equal(jsonAtStr(r, "gpus.0.computeCapability"), "8.9");
    assert_int_equal(jsonAtInt(r, "gpus.0.pcieGeneration"), 4);
    assert_int_equal(jsonAtInt(r, "gpus.0.pcieWidth"), 16);
    assert_float_equal(json_real_value(jsonAt(r, "gpus.0.powerLimitWatts")), 450.0, 1e-9);
    assert_string_equal(jsonAtStr(r, "gpus.0.state"), "ok");
    assert_string_equal(jsonAtStr(r, "gpus.0.source"), "nvml");
    assert_true(json_is_null(jsonAt(r, "gpus.0.nvlink")) || jsonAt(r, "gpus.0.nvlink") == NULL);
    /* the live topology lists the GPU (NVML-only here) with NVML's memory */
    assert_int_equal(json_array_size(jsonAt(r, "topology.gpus")), 1);
    assert_string_equal(jsonAtStr(r, "topology.gpus.0.memorySource"), "nvml");
    assert_int_equal(jsonAtInt(r, "topology.gpus.0.memoryBytes"), 25757220864LL);
    assert_string_equal(jsonAtStr(r, "topology.gpus.0.profileId"), "rtx-4090");
    assert_int_equal(jsonAtInt(r, "topology.gpus.0.pcieLinkBytesPerSec"), (long long)(1.969e9 * 16));
    assert_string_equal(jsonAtStr(r, "topology.gpus.0.pcieLinkSource"), "profile");
    json_decref(r);
}

static void testScenarioMixedPair(void **state) {
    (void)state;
    json_t *r = collectScenario("mixedPair.json", NULL);
    assert_int_equal(json_array_size(jsonAt(r, "gpus")), 2);
    assert_int_equal(jsonAtInt(r, "gpus.0.memoryTotalBytes"), 24LL << 30);
    assert_int_equal(jsonAtInt(r, "gpus.1.memoryTotalBytes"), 8LL << 30);
    assert_string_equal(jsonAtStr(r, "gpus.1.name"), "NVIDIA GeForce RTX 3070");
    assert_string_equal(jsonAtStr(r, "gpus.1.pciBusId"), "0000:21:00.0");
    assert_string_equal(jsonAtStr(r, "gpuDriver.cudaDriverVersion"), "12.2");
    const json_t *e = matrixEntry(r, "gpu:0", "gpu:1");
    assert_non_null(e);
    assert_string_equal(json_string_value(json_object_get(e, "path")), "pcieHost");
    /* the narrower link (Gen4 x8) bounds P2P through the host */
    assert_int_equal(json_integer_value(json_object_get(e, "bandwidthBytesPerSec")), (long long)(1.969e9 * 8));
    assert_string_equal(json_string_value(json_object_get(e, "source")), "profile");
    json_decref(r);
}

static void testScenarioH100NvSwitch(void **state) {
    (void)state;
    json_t *r = collectScenario("h100x8.json", NULL);
    assert_int_equal(json_array_size(jsonAt(r, "gpus")), 8);
    for (int i = 0; i < 8; i++) {
        char p[64];
        snprintf(p, sizeof p, "gpus.%d.nvlink.activeLinks", i);
        assert_int_equal(jsonAtInt(r, p), 18);
        snprintf(p, sizeof p, "gpus.%d.nvlink.peers", i);
        assert_int_equal(json_array_size(jsonAt(r, p)), 7);
        snprintf(p, sizeof p, "gpus.%d.nvlink.switches", i);
        assert_int_equal(json_array_size(jsonAt(r, p)), 4);
    }
    assert_string_equal(jsonAtStr(r, "gpus.3.nvlink.switches.0"), "0000:05:00.0");
    assert_int_equal(json_array_size(jsonAt(r, "topology.nvswitches")), 4);
    assert_int_equal(json_array_size(jsonAt(r, "topology.links")), 32); /* 8 GPUs × 4 switches */
    const json_t *e = matrixEntry(r, "gpu:2", "gpu:7");
    assert_non_null(e);
    assert_string_equal(json_string_value(json_object_get(e, "path")), "nvswitch");
    assert_int_equal(json_integer_value(json_object_get(e, "bandwidthBytesPerSec")), 18LL * 25000000000LL);
    assert_string_equal(json_string_value(json_object_get(e, "source")), "profile");
    assert_int_equal(jsonAtInt(r, "topology.gpus.0.nvlinkBytesPerSec"), 18LL * 25000000000LL);
    json_decref(r);
}

static void testDriverAbsent(void **state) {
    (void)state;
    HgnDiagnosticsOptions o = baseOptions();
    o.nvmlLibrary = "/nonexistent/libnvidia-ml.so.1";
    json_t *r = NULL;
    assert_null(hgnDiagnosticsCollect(&o, &r));
    assert_false(json_is_true(jsonAt(r, "gpuDriver.available")));
    assert_string_equal(jsonAtStr(r, "gpuDriver.library"), "/nonexistent/libnvidia-ml.so.1");
    assert_non_null(jsonAtStr(r, "gpuDriver.error"));
    assert_int_equal(json_array_size(jsonAt(r, "gpus")), 0);
    assert_non_null(strstr(jsonAtStr(r, "notes.0"), "looked for /nonexistent/libnvidia-ml.so.1"));
    /* everything else is still there */
    assert_non_null(jsonAtStr(r, "cpu.model"));
    assert_true(jsonAtInt(r, "memory.totalBytes") > 0);
    assert_true(jsonAtInt(r, "cpu.logicalCores") > 0);
    assert_non_null(jsonAtStr(r, "topology.topologyDigest"));
    json_decref(r);
}

static void testDriverNotLoaded(void **state) {
    (void)state;
    json_t *r = collectScenario("driverNotLoaded.json", NULL);
    assert_false(json_is_true(jsonAt(r, "gpuDriver.available")));
    assert_string_equal(jsonAtStr(r, "gpuDriver.error"), "Driver Not Loaded");
    assert_non_null(strstr(jsonAtStr(r, "notes.0"), "did not initialise: Driver Not Loaded"));
    assert_int_equal(json_array_size(jsonAt(r, "gpus")), 0);
    json_decref(r);
}

static void testLostGpu(void **state) {
    (void)state;
    json_t *r = collectScenario("lostGpu.json", NULL);
    assert_int_equal(json_array_size(jsonAt(r, "gpus")), 4);
    assert_string_equal(jsonAtStr(r, "gpus.0.state"), "ok");
    assert_string_equal(jsonAtStr(r, "gpus.1.state"), "lost");
    assert_string_equal(jsonAtStr(r, "gpus.1.error"), "GPU is lost");
    assert_int_equal(jsonAtInt(r, "gpus.1.index"), 1);
    assert_true(json_is_null(jsonAt(r, "gpus.1.name")));
    /* lost before a handle is even given out; any other failure is "error" */
    assert_string_equal(jsonAtStr(r, "gpus.2.state"), "lost");
    assert_true(json_is_null(jsonAt(r, "gpus.2.pciBusId")));
    assert_true(json_is_null(jsonAt(r, "gpus.2.computeCapability")));
    assert_int_equal(jsonAtInt(r, "gpus.2.memoryTotalBytes"), 0);
    assert_string_equal(jsonAtStr(r, "gpus.3.state"), "error");
    assert_string_equal(jsonAtStr(r, "gpus.3.error"), "Unknown Error");
    assert_true(hasWarning(r, "gpuQueryFailed"));
    assert_true(hasWarning(r, "gpuLost"));
    /* a lost GPU is not offered to the planner through the topology */
    assert_int_equal(json_array_size(jsonAt(r, "topology.gpus")), 1);
    json_decref(r);
}

static void testNvmlLibraryFromEnvironment(void **state) {
    (void)state;
    char scenario[512], lib[1024];
    snprintf(scenario, sizeof scenario, "%s/nvml/rtx4090.json", HGN_TEST_DATA);
    setenv("HGN_NVML_SCENARIO", scenario, 1);
    snprintf(lib, sizeof lib, "HUGINN_NVML_LIBRARY=%s", doubleLib());
    char *env[] = {lib, "HOME=/nonexistent-home", NULL};
    HgnDiagnosticsOptions o = baseOptions();
    o.environ = env;
    json_t *r = NULL;
    assert_null(hgnDiagnosticsCollect(&o, &r));
    assert_true(json_is_true(jsonAt(r, "gpuDriver.available")));
    assert_string_equal(jsonAtStr(r, "gpuDriver.library"), doubleLib());
    assert_int_equal(json_array_size(jsonAt(r, "gpus")), 1);
    json_decref(r);
    /* an explicit empty option disables probing */
    o.nvmlLibrary = "";
    assert_null(hgnDiagnosticsCollect(&o, &r));
    assert_false(json_is_true(jsonAt(r, "gpuDriver.available")));
    json_decref(r);
}

/* ---- cache root and disk ------------------------------------------------------ */

static void expectRoot(char *const *env, const char *option, const char *path, const char *source) {
    char *p = NULL;
    const char *src = NULL;
    assert_null(hgnCacheRootResolve(option, env, &p, &src));
    assert_string_equal(p, path);
    assert_string_equal(src, source);
    hgnFree(p);
}

static void testCacheRootResolution(void **state) {
    (void)state;
    char *all[] = {
        "HF_HUB_CACHE=/a/hub", "HUGGINGFACE_HUB_CACHE=/b/hub", "HF_HOME=/c", "XDG_CACHE_HOME=/d", "HOME=/home/u", NULL};
    expectRoot(all, "/opt/models", "/opt/models", "option");
    expectRoot(all, "~/models", "/home/u/models", "option");
    expectRoot(all, NULL, "/a/hub", "env:HF_HUB_CACHE");
    expectRoot(all + 1, NULL, "/b/hub", "env:HUGGINGFACE_HUB_CACHE");
    expectRoot(all + 2, NULL, "/c/hub", "env:HF_HOME");
    expectRoot(all + 3, NULL, "/d/huggingface/hub", "env:XDG_CACHE_HOME");
    expectRoot(all + 4, NULL, "/home/u/.cache/huggingface/hub", "env:HOME");
    char *empty[] = {"HF_HUB_CACHE=", "HOME=/h/", NULL};
    expectRoot(empty, NULL, "/h/.cache/huggingface/hub", "env:HOME");
}

static void testLowDiskWarning(void **state) {
    (void)state;
    HgnDiagnosticsOptions o = baseOptions();
    o.nvmlLibrary = "";
    o.minFreeBytes = UINT64_MAX / 4; /* above any real free space */
    json_t *r = NULL;
    assert_null(hgnDiagnosticsCollect(&o, &r));
    assert_true(hasWarning(r, "lowDiskSpace"));
    assert_string_equal(jsonAtStr(r, "disk.path"), tmpRoot);
    assert_string_equal(jsonAtStr(r, "disk.pathSource"), "option");
    assert_true(json_is_true(jsonAt(r, "disk.exists")));
    assert_true(jsonAtInt(r, "disk.freeBytes") > 0);
    assert_int_equal(jsonAtInt(r, "disk.minFreeBytes"), (long long)(UINT64_MAX / 4));
    json_decref(r);
    o.minFreeBytes = 1;
    assert_null(hgnDiagnosticsCollect(&o, &r));
    assert_false(hasWarning(r, "lowDiskSpace"));
    assert_true(json_is_true(jsonAt(r, "disk.writable")));
    assert_false(hasWarning(r, "cacheNotWritable"));
    json_decref(r);
}

static void testMissingCacheDirProbesAncestor(void **state) {
    (void)state;
    char missing[512];
    snprintf(missing, sizeof missing, "%s/not/yet/created", tmpRoot);
    HgnDiagnosticsOptions o = baseOptions();
    o.nvmlLibrary = "";
    o.cacheRoot = missing;
    json_t *r = NULL;
    assert_null(hgnDiagnosticsCollect(&o, &r));
    assert_false(json_is_true(jsonAt(r, "disk.exists")));
    assert_string_equal(jsonAtStr(r, "disk.probedPath"), tmpRoot);
    assert_true(json_is_true(jsonAt(r, "disk.writable")));
    json_decref(r);
}

static void testNotWritableWarning(void **state) {
    (void)state;
    if (geteuid() == 0) skip(); /* root may write anywhere: no way to observe the warning */
    char ro[512];
    snprintf(ro, sizeof ro, "%s/readonly", tmpRoot);
    assert_int_equal(mkdir(ro, 0555), 0);
    HgnDiagnosticsOptions o = baseOptions();
    o.nvmlLibrary = "";
    o.cacheRoot = ro;
    json_t *r = NULL;
    assert_null(hgnDiagnosticsCollect(&o, &r));
    assert_false(json_is_true(jsonAt(r, "disk.writable")));
    assert_true(hasWarning(r, "cacheNotWritable"));
    json_decref(r);
}

static void testNetworkFilesystemWarning(void **state) {
    (void)state;
    assert_true(hgnFsTypeIsNetwork("nfs4"));
    assert_true(hgnFsTypeIsNetwork("cifs"));
    assert_true(hgnFsTypeIsNetwork("fuse.sshfs"));
    assert_false(hgnFsTypeIsNetwork("ext4"));
    assert_false(hgnFsTypeIsNetwork(NULL));
    /* a fixture mountinfo puts the cache root on NFS */
    char proc[512], line[1200];
    snprintf(proc, sizeof proc, "%s/procNfs", tmpRoot);
    snprintf(line, sizeof line,
             "22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
             "90 22 0:50 / %s rw,relatime shared:40 - nfs4 filer:/export rw,vers=4.2\n"
             "91 22 0:51 / %s/procNfs\\040x rw - tmpfs tmpfs rw\n",
             tmpRoot, tmpRoot);
    writeFile(proc, "self/mountinfo", line);
    HgnDiagnosticsOptions o = baseOptions();
    o.nvmlLibrary = "";
    o.procRoot = proc;
    json_t *r = NULL;
    assert_null(hgnDiagnosticsCollect(&o, &r));
    assert_string_equal(jsonAtStr(r, "disk.filesystem"), "nfs4");
    assert_true(json_is_true(jsonAt(r, "disk.network")));
    assert_true(hasWarning(r, "cacheOnNetworkFilesystem"));
    json_decref(r);
}

/* ---- CPU and memory from fixture files ---------------------------------------- */

static void appendX86Cpu(char *buf, size_t n, int proc, int pkg, int core) {
    size_t len = strlen(buf);
    snprintf(buf + len, n - len,
             "processor\t: %d\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\n"
             "physical id\t: %d\ncore id\t\t: %d\n"
             "flags\t\t: fpu sse4_2 avx avx2 fma f16c avx512f avx512bw avx512vl avx512_vnni avx512_bf16 "
             "amx_bf16 avx512_fp16 amx_tile amx_int8\n\n",
             proc, pkg, core);
}

static void testCpuinfoX86(void **state) {
    (void)state;
    char proc[512], sys[512];
    snprintf(proc, sizeof proc, "%s/procX86", tmpRoot);
    snprintf(sys, sizeof sys, "%s/sysEmpty", tmpRoot);
    static char cpuinfo[16384];
    cpuinfo[0] = '\0';
    int p = 0;
    for (int pkg = 0; pkg < 2; pkg++)
        for (int core = 0; core < 2; core++)
            for (int t = 0; t < 2; t++) appendX86Cpu(cpuinfo, sizeof cpuinfo, p++, pkg, core);
    writeFile(proc, "cpuinfo", cpuinfo);
    writeFile(proc, "meminfo",
              "MemTotal:       65536000 kB\nMemFree:         1000 kB\nMemAvailable:   32768000 kB\n"
              "SwapTotal:       2097148 kB\nSwapFree:        1048574 kB\nHugePages_Total:      16\n"
              "HugePages_Free:        8\nHugepagesize:       2048 kB\n");
    writeFile(sys, "kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
    writeFile(proc, "self/cgroup", "0::/system.slice/job.scope\n");
    writeFile(sys, "fs/cgroup/system.slice/job.scope/memory.max", "17179869184\n");
    HgnJsonBuild jb = {false};
    json_t *cpu = json_object(), *mem = json_object();
    hgnHostProbeCpu(&jb, proc, sys, cpu);
    hgnHostProbeMemory(&jb, proc, sys, mem);
    assert_false(jb.failed);
    assert_string_equal(jsonAtStr(cpu, "model"), "Intel(R) Xeon(R) Platinum 8480+");
    assert_string_equal(jsonAtStr(cpu, "vendor"), "GenuineIntel");
    assert_int_equal(jsonAtInt(cpu, "sockets"), 2);
    assert_int_equal(jsonAtInt(cpu, "physicalCores"), 4);
    assert_int_equal(jsonAtInt(cpu, "logicalCores"), 8);
    assert_string_equal(jsonAtStr(cpu, "flagsSource"), "cpuinfo");
    char *flags = json_dumps(jsonAt(cpu, "flags"), JSON_COMPACT);
    assert_string_equal(flags,
                        "[\"sse4_2\",\"avx\",\"avx2\",\"fma\",\"f16c\",\"avx512f\",\"avx512bw\",\"avx512vl\","
                        "\"avx512_vnni\",\"avx512_bf16\",\"avx512_fp16\",\"amx_tile\",\"amx_bf16\",\"amx_int8\"]");
    free(flags);
    assert_int_equal(jsonAtInt(mem, "totalBytes"), 65536000LL * 1024);
    assert_int_equal(jsonAtInt(mem, "availableBytes"), 32768000LL * 1024);
    assert_int_equal(jsonAtInt(mem, "swapTotalBytes"), 2097148LL * 1024);
    assert_int_equal(jsonAtInt(mem, "swapFreeBytes"), 1048574LL * 1024);
    assert_int_equal(jsonAtInt(mem, "hugePages.total"), 16);
    assert_int_equal(jsonAtInt(mem, "hugePages.free"), 8);
    assert_int_equal(jsonAtInt(mem, "hugePages.pageSizeBytes"), 2048 * 1024);
    assert_string_equal(jsonAtStr(mem, "transparentHugePages"), "madvise");
    assert_int_equal(jsonAtInt(mem, "cgroupLimitBytes"), 16LL << 30);
    assert_true(json_is_null(jsonAt(cpu, "availableCores"))); /* fixture /proc: not this process */
    json_decref(cpu);
    json_decref(mem);
}

static void testCpuinfoArm(void **state) {
    (void)state;
    char proc[512], sys[512];
    snprintf(proc, sizeof proc, "%s/procArm", tmpRoot);
    snprintf(sys, sizeof sys, "%s/sysArm", tmpRoot);
    static char cpuinfo[8192];
    cpuinfo[0] = '\0';
    for (int i = 0; i < 4; i++) {
        size_t len = strlen(cpuinfo);
        snprintf(cpuinfo + len, sizeof cpuinfo - len,
                 "processor\t: %d\nBogoMIPS\t: 50.00\n"
                 "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm "
                 "lrcpc dcpop asimddp sha512 sve i8mm bf16\n"
                 "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x1\nCPU part\t: 0xd40\n\n",
                 i);
        char rel[128], val[8];
        snprintf(rel, sizeof rel, "devices/system/cpu/cpu%d/topology/physical_package_id", i);
        writeFile(sys, rel, "0\n");
        snprintf(rel, sizeof rel, "devices/system/cpu/cpu%d/topology/core_id", i);
        snprintf(val, sizeof val, "%d\n", i);
        writeFile(sys, rel, val);
    }
    writeFile(proc, "cpuinfo", cpuinfo);
    HgnJsonBuild jb = {false};
    json_t *cpu = json_object();
    hgnHostProbeCpu(&jb, proc, sys, cpu);
    assert_false(jb.failed);
    assert_string_equal(jsonAtStr(cpu, "model"), "ARM Neoverse-V1");
    assert_string_equal(jsonAtStr(cpu, "vendor"), "ARM");
    assert_int_equal(jsonAtInt(cpu, "sockets"), 1);
    assert_int_equal(jsonAtInt(cpu, "physicalCores"), 4);
    assert_int_equal(jsonAtInt(cpu, "logicalCores"), 4);
    char *flags = json_dumps(jsonAt(cpu, "flags"), JSON_COMPACT);
    assert_string_equal(flags, "[\"neon\",\"fp16\",\"dotprod\",\"i8mm\",\"bf16\",\"sve\"]"); /* no sve2 */
    free(flags);
    json_decref(cpu);
}

static void testLiveCpuFlagsFromCpuid(void **state) {
    (void)state;
    HgnJsonBuild jb = {false};
    json_t *cpu = json_object();
    hgnHostProbeCpu(&jb, NULL, NULL, cpu);
    assert_false(jb.failed);
    assert_true(jsonAtInt(cpu, "logicalCores") >= 1);
    assert_true(jsonAtInt(cpu, "physicalCores") >= 1);
    assert_true(jsonAtInt(cpu, "physicalCores") <= jsonAtInt(cpu, "logicalCores"));
    assert_true(jsonAtInt(cpu, "availableCores") >= 1);
    assert_true(jsonAtInt(cpu, "availableCores") <= jsonAtInt(cpu, "logicalCores"));
#if defined(__x86_64__)
    assert_string_equal(jsonAtStr(cpu, "flagsSource"), "cpuid");
    /* x86-64 v1 guarantees SSE2 only; every x86 host the suite runs on has SSE4.2 */
    assert_string_equal(jsonAtStr(cpu, "flags.0"), "sse4_2");
#endif
    json_decref(cpu);
}

/* ---- rendering ------------------------------------------------------------------ */

static void testRenderText(void **state) {
    (void)state;
    json_t *r = collectScenario("lostGpu.json", NULL);
    char *text = NULL;
    assert_null(hgnDiagnosticsRenderText(r, false, &text));
    assert_non_null(strstr(text, "GPUs  (NVIDIA driver 550.54.15, CUDA 12.4)"));
    assert_non_null(strstr(text, "NVIDIA GeForce RTX 4090"));
    assert_non_null(strstr(text, "24.0 GiB"));
    assert_non_null(strstr(text, "Gen4 x16"));
    assert_non_null(strstr(text, "450 W"));
    assert_non_null(strstr(text, "lost"));
    assert_non_null(strstr(text, "Warnings"));
    assert_null(strchr(text, '\033'));
    /* the GPU table is aligned: "Name" starts where each row's name starts */
    const char *header = strstr(text, "  #  ");
    assert_non_null(header);
    const char *nameCol = strstr(header, "Name");
    const char *row = strchr(header, '\n') + 1;
    assert_int_equal(strstr(row, "NVIDIA") - row, nameCol - header);
    hgnFree(text);
    assert_null(hgnDiagnosticsRenderText(r, true, &text));
    assert_non_null(strstr(text, "\033[1mGPUs"));
    assert_non_null(strstr(text, "\033[31mlost"));
    hgnFree(text);
    json_decref(r);
    /* a bare object renders with dashes, a non-object is refused */
    json_t *emptyReport = json_object();
    assert_null(hgnDiagnosticsRenderText(emptyReport, false, &text));
    assert_non_null(strstr(text, "none found"));
    hgnFree(text);
    json_decref(emptyReport);
    json_t *arr = json_array();
    HgnStatus st = hgnDiagnosticsRenderText(arr, false, &text);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    hgnStatusFree(st);
    json_decref(arr);
}

/* ---- allocation failures ------------------------------------------------------- */

static void testAllocationFailures(void **state) {
    (void)state;
    char scenario[512], xml[512];
    snprintf(scenario, sizeof scenario, "%s/nvml/h100x8.json", HGN_TEST_DATA);
    snprintf(xml, sizeof xml, "%s/topologies/consumer2gpu.xml", HGN_TEST_DATA);
    setenv("HGN_NVML_SCENARIO", scenario, 1);
    HgnDiagnosticsOptions o = baseOptions();
    o.nvmlLibrary = doubleLib();
    o.topologyXml = xml;
    int failures = 0;
    for (uint64_t n = 1; n < 2000; n++) {
        json_t *r = NULL;
        hgnAllocFailAt(n, 0);
        HgnStatus st = hgnDiagnosticsCollect(&o, &r);
        uint64_t injected = hgnAllocInjectedFailures();
        hgnAllocFailAt(0, 0);
        if (st) {
            assert_int_equal(hgnStatusCode(st), HGN_CODE_OutOfMemory);
            assert_null(r);
            hgnStatusFree(st);
            failures++;
        } else {
            assert_non_null(r);
            char *text = NULL;
            hgnAllocFailAt(1, 1);
            st = hgnDiagnosticsRenderText(r, false, &text);
            hgnAllocFailAt(0, 0);
            assert_int_equal(hgnStatusCode(st), HGN_CODE_OutOfMemory);
            hgnStatusFree(st);
            json_decref(r);
        }
        if (injected == 0) break; /* ran past the last allocation */
    }
    assert_true(failures > 0);
}

/* ---- schema ----------------------------------------------------------------------- */

/* --topology-xml describes another machine: its CPUs, memory and GPUs, never
 * this host's, and no NVML query of this host's driver. */
static void testDescribedMachine(void **state) {
    (void)state;
    json_t *r = collectScenario("rtx4090.json", "nvidiaDGX2.xml");
    assert_string_equal(json_string_value(jsonAt(r, "cpu.model")), "Intel(R) Xeon(R) Platinum 8174 CPU @ 3.10GHz");
    assert_int_equal(jsonAtInt(r, "cpu.sockets"), 2);
    long long numaTotal =
        jsonAtInt(r, "topology.numaNodes.0.memoryBytes") + jsonAtInt(r, "topology.numaNodes.1.memoryBytes");
    assert_int_equal(jsonAtInt(r, "memory.totalBytes"), numaTotal);
    assert_string_equal(json_string_value(jsonAt(r, "memory.source")), "topology");
    assert_false(json_is_true(jsonAt(r, "gpuDriver.available")));
    assert_int_equal(json_array_size(jsonAt(r, "gpus")), 16);
    assert_string_equal(json_string_value(jsonAt(r, "gpus.15.source")), "hwloc");
    assert_string_equal(json_string_value(jsonAt(r, "host.hostname")), "NVIDIA DGX-2H");
    json_decref(r);
}

static void expectValid(const HgnSchema *schema, const json_t *doc, const char *what) {
    HgnStatus st = hgnSchemaValidate(schema, doc);
    if (st) fail_msg("%s: %s at %s", what, hgnStatusMessage(st), hgnStatusWhere(st) ? hgnStatusWhere(st) : "");
}

static void testReportsMatchSchema(void **state) {
    (void)state;
    HgnSchema *schema = NULL;
    assert_null(hgnSchemaCompileEmbedded("schemas/diagnostics.schema.json", &schema));
    static const char *scenarios[] = {"none.json",   "rtx4090.json", "mixedPair.json",
                                      "h100x8.json", "lostGpu.json", "driverNotLoaded.json"};
    static const char *xmls[] = {NULL, "nvidiaDGX2.xml", "power8gpudistances.xml", "consumer2gpu.xml"};
    for (size_t s = 0; s < sizeof scenarios / sizeof scenarios[0]; s++) {
        for (size_t x = 0; x < sizeof xmls / sizeof xmls[0]; x++) {
            json_t *r = collectScenario(scenarios[s], xmls[x]);
            expectValid(schema, r, scenarios[s]);
            json_decref(r);
        }
    }
    /* the schema is not vacuous */
    json_t *r = collectScenario("rtx4090.json", NULL);
    json_object_del(json_object_get(r, "memory"), "totalBytes");
    HgnStatus st = hgnSchemaValidate(schema, r);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_SchemaViolation);
    hgnStatusFree(st);
    json_object_set_new(json_object_get(r, "memory"), "totalBytes", json_integer(1));
    json_object_set_new(json_array_get(json_object_get(r, "gpus"), 0), "pciBusId", json_string("01:00.0"));
    st = hgnSchemaValidate(schema, r);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_SchemaViolation);
    hgnStatusFree(st);
    json_decref(r);
    hgnSchemaFree(schema);
}

static int setup(void **state) {
    (void)state;
    snprintf(tmpRoot, sizeof tmpRoot, "/tmp/hgnDiagXXXXXX");
    if (!mkdtemp(tmpRoot)) return -1;
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[700];
    snprintf(cmd, sizeof cmd, "chmod -R u+w '%s' && rm -rf '%s'", tmpRoot, tmpRoot);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testScenarioNone),
        cmocka_unit_test(testScenarioRtx4090),
        cmocka_unit_test(testScenarioMixedPair),
        cmocka_unit_test(testScenarioH100NvSwitch),
        cmocka_unit_test(testDriverAbsent),
        cmocka_unit_test(testDriverNotLoaded),
        cmocka_unit_test(testLostGpu),
        cmocka_unit_test(testNvmlLibraryFromEnvironment),
        cmocka_unit_test(testCacheRootResolution),
        cmocka_unit_test(testLowDiskWarning),
        cmocka_unit_test(testMissingCacheDirProbesAncestor),
        cmocka_unit_test(testNotWritableWarning),
        cmocka_unit_test(testNetworkFilesystemWarning),
        cmocka_unit_test(testCpuinfoX86),
        cmocka_unit_test(testCpuinfoArm),
        cmocka_unit_test(testLiveCpuFlagsFromCpuid),
        cmocka_unit_test(testRenderText),
        cmocka_unit_test(testAllocationFailures),
        cmocka_unit_test(testReportsMatchSchema),
        cmocka_unit_test(testDescribedMachine),
    };
    return cmocka_run_group_tests_name("diagnostics", tests, setup, teardown);
}
