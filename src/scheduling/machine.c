/* machine.c — the machine the planner places on: devices (GPUs in index
 * order, then cpu:0 for the host), their memory windows and speeds (device
 * profiles), the pairwise link matrix and the disk that takes spilled
 * weights. Built from a diagnostics topology (live or hwloc XML) or from a
 * hardware description file (schemas/hardware.schema.json). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliparse/cliValue.h"
#include "core/alloc.h"
#include "core/fileIo.h"
#include "huginn/deviceProfile.h"
#include "huginn/diagnostics.h"
#include "huginn/jsonSchema.h"
#include "huginn/planner.h"

#define CPU_BANDWIDTH_CORES 4 /* cores that saturate a typical host's memory channels */

void hgnMachineFree(HgnMachine *m) {
    if (!m) return;
    hgnFree(m->devices);
    hgnFree(m->linkBandwidth);
    hgnFree(m->linkLatency);
    hgnFree(m->linkPath);
    memset(m, 0, sizeof *m);
}

int hgnMachineFind(const HgnMachine *m, const char *id) {
    if (!m || !id) return -1;
    for (size_t i = 0; i < m->count; i++)
        if (strcmp(m->devices[i].id, id) == 0) return (int)i;
    return -1;
}

static double pcieBytesPerSec(int gen, int width) {
    static const double perLane[] = {0, 0.25e9, 0.5e9, 0.985e9, 1.969e9, 3.938e9, 7.877e9};
    if (gen < 1) gen = 4;
    if (gen > 6) gen = 6;
    if (width < 1) width = 16;
    return perLane[gen] * width;
}

static void applyProfile(HgnMachineDevice *d, const HgnDeviceProfile *p, unsigned cores) {
    snprintf(d->profileId, sizeof d->profileId, "%s", p->id);
    double mult = d->gpu ? 1.0 : (double)(cores ? cores : 1);
    d->peakFp32 = p->peakFlopsFp32 * mult;
    d->peakFp16 = p->peakFlopsFp16 * mult;
    d->peakBf16 = p->peakFlopsBf16 * mult;
    d->peakInt8 = p->peakFlopsInt8 * mult;
    d->peakFp8 = p->peakFlopsFp8 * mult;
    d->memoryBandwidth =
        d->gpu ? p->memoryBandwidth
               : p->memoryBandwidth * (cores < CPU_BANDWIDTH_CORES ? (cores ? cores : 1) : CPU_BANDWIDTH_CORES);
    d->launchSeconds = p->launchOverheadSec;
    d->hostBandwidth = d->gpu ? pcieBytesPerSec(p->pcieGen, p->pcieWidth) : 0;
}

static HgnStatus machineAlloc(HgnMachine *m, size_t count) {
    m->count = count;
    m->devices = hgnCalloc(count, sizeof *m->devices);
    m->linkBandwidth = hgnCalloc(count * count, sizeof(double));
    m->linkLatency = hgnCalloc(count * count, sizeof(double));
    m->linkPath = hgnCalloc(count * count, sizeof *m->linkPath);
    if (!m->devices || !m->linkBandwidth || !m->linkLatency || !m->linkPath) {
        hgnMachineFree(m);
        return hgnStatusNew(HGN_CODE_OutOfMemory, "machine", NULL, "cannot allocate the device table");
    }
    return HGN_OK;
}

static void setLink(HgnMachine *m, size_t a, size_t b, double bps, double latency, const char *path) {
    size_t n = m->count;
    m->linkBandwidth[a * n + b] = m->linkBandwidth[b * n + a] = bps;
    m->linkLatency[a * n + b] = m->linkLatency[b * n + a] = latency;
    snprintf(m->linkPath[a * n + b], sizeof m->linkPath[0], "%s", path);
    snprintf(m->linkPath[b * n + a], sizeof m->linkPath[0], "%s", path);
}

/* Default links: GPU↔host over its PCIe link, GPU↔GPU through the host at
 * the slower of the two links. */
static void defaultLinks(HgnMachine *m) {
    size_t cpu = m->count - 1;
    for (size_t i = 0; i < cpu; i++) {
        if (!m->devices[i].gpu) continue;
        for (size_t c = 0; c < m->count; c++)
            if (!m->devices[c].gpu) setLink(m, i, c, m->devices[i].hostBandwidth, 10e-6, "pcie");
        for (size_t j = i + 1; j < cpu; j++) {
            if (!m->devices[j].gpu) continue;
            double bw = fmin(m->devices[i].hostBandwidth, m->devices[j].hostBandwidth);
            setLink(m, i, j, bw, 20e-6, "pcieHost");
        }
    }
    /* virtual CPU devices share the host's memory: a copy at the slower one's bandwidth */
    for (size_t i = 0; i < m->count; i++)
        for (size_t j = i + 1; j < m->count; j++)
            if (!m->devices[i].gpu && !m->devices[j].gpu)
                setLink(m, i, j, fmin(m->devices[i].memoryBandwidth, m->devices[j].memoryBandwidth), 1e-6, "memory");
}

static const HgnDeviceProfile *cpuProfile(const char *id) {
    const HgnDeviceProfile *p = id ? hgnDeviceProfileById(id) : NULL;
    if (p && p->kind == HGN_DEVICE_CPU) return p;
#if defined(__aarch64__)
    return hgnDeviceProfileById("cpu-neon");
#else
    return hgnDeviceProfileById("cpu-avx2");
#endif
}

static void setupCpu(HgnMachineDevice *d, const HgnDeviceProfile *p, uint64_t memory, unsigned cores) {
    snprintf(d->id, sizeof d->id, "cpu:0");
    snprintf(d->name, sizeof d->name, "host (%u cores)", cores ? cores : 1);
    d->gpu = false;
    d->numaNode = -1;
    d->memoryBytes = memory;
    d->threads = cores ? cores : 1;
    if (p) applyProfile(d, p, cores);
}

/* ---- from a diagnostics topology ----------------------------------------------- */

static int64_t jint(const json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? json_integer_value(v) : (json_is_real(v) ? (int64_t)json_real_value(v) : -1);
}

HgnStatus hgnMachineFromTopology(const json_t *topo, uint64_t hostMemoryBytes, HgnMachine *out) {
    memset(out, 0, sizeof *out);
    if (!json_is_object(topo))
        return hgnStatusNew(HGN_CODE_TopologyInvalid, "topology", NULL, "the topology is not a JSON object");
    HgnStatus st = hgnDeviceProfilesLoad();
    if (st) return st;
    json_t *gpus = json_object_get(topo, "gpus"), *numa = json_object_get(topo, "numaNodes");
    size_t nGpus = json_is_array(gpus) ? json_array_size(gpus) : 0;
    st = machineAlloc(out, nGpus + 1);
    if (st) return st;
    uint64_t host = 0;
    unsigned cores = 0;
    size_t k;
    json_t *v;
    json_array_foreach(numa, k, v) {
        int64_t mb = jint(v, "memoryBytes"), c = jint(v, "cores");
        if (mb > 0) host += (uint64_t)mb;
        if (c > 0) cores += (unsigned)c;
    }
    if (hostMemoryBytes) host = hostMemoryBytes;
    json_array_foreach(gpus, k, v) {
        HgnMachineDevice *d = &out->devices[k];
        int64_t idx = jint(v, "index");
        snprintf(d->id, sizeof d->id, "gpu:%lld", (long long)(idx >= 0 ? idx : (int64_t)k));
        const char *name = json_string_value(json_object_get(v, "name"));
        snprintf(d->name, sizeof d->name, "%s", name ? name : "GPU");
        d->gpu = true;
        int64_t nn = jint(v, "numaNode");
        d->numaNode = nn >= 0 ? (int32_t)nn : -1;
        int64_t mem = jint(v, "memoryBytes");
        const char *pid = json_string_value(json_object_get(v, "profileId"));
        const HgnDeviceProfile *p = pid ? hgnDeviceProfileById(pid) : NULL;
        if (!p && name) p = hgnDeviceProfileMatch(name, mem > 0 ? (uint64_t)mem : 0);
        if (!p) {
            st = hgnStatusNew(HGN_CODE_TopologyInvalid, "topology/gpus", "add a device profile or use --hardware",
                              "GPU %s (`%s`) has no device profile, so its speed is unknown", d->id,
                              name ? name : "unnamed");
            hgnMachineFree(out);
            return st;
        }
        d->memoryBytes = mem > 0 ? (uint64_t)mem : p->memoryBytes;
        applyProfile(d, p, 1);
        int64_t up = jint(v, "pcieLinkBytesPerSec");
        if (up > 0) d->hostBandwidth = (double)up;
    }
    setupCpu(&out->devices[nGpus], cpuProfile(NULL), host, cores ? cores : 1);
    defaultLinks(out);
    json_t *entries = json_object_get(json_object_get(topo, "matrix"), "entries");
    json_array_foreach(entries, k, v) {
        const char *a = json_string_value(json_object_get(v, "a")), *b = json_string_value(json_object_get(v, "b"));
        const char *path = json_string_value(json_object_get(v, "path"));
        int64_t bps = jint(v, "bandwidthBytesPerSec"), lat = jint(v, "latencyNs");
        if (!a || !b || bps <= 0) continue;
        if (strncmp(a, "numa:", 5) == 0) a = "cpu:0";
        if (strncmp(b, "numa:", 5) == 0) b = "cpu:0";
        int ia = hgnMachineFind(out, a), ib = hgnMachineFind(out, b);
        if (ia < 0 || ib < 0 || ia == ib) continue;
        /* several NUMA nodes: keep the fastest path to the host */
        size_t cpu = out->count - 1;
        if (((size_t)ia == cpu || (size_t)ib == cpu) &&
            out->linkBandwidth[(size_t)ia * out->count + (size_t)ib] > (double)bps &&
            strcmp(out->linkPath[(size_t)ia * out->count + (size_t)ib], "pcie") != 0)
            continue;
        setLink(out, (size_t)ia, (size_t)ib, (double)bps, lat > 0 ? (double)lat * 1e-9 : 10e-6, path ? path : "pcie");
    }
    const char *digest = json_string_value(json_object_get(topo, "topologyDigest"));
    snprintf(out->topologyDigest, sizeof out->topologyDigest, "%s", digest ? digest : "");
    const char *kind = json_string_value(json_object_get(json_object_get(topo, "source"), "kind"));
    snprintf(out->source, sizeof out->source, "%s", kind ? kind : "live");
    return HGN_OK;
}

/* ---- from a hardware description -------------------------------------------------- */

static HgnStatus hwError(const char *source, const char *pointer, const char *hint, const char *fmt, const char *arg) {
    char where[512];
    snprintf(where, sizeof where, "%s:%s", source, pointer);
    return hgnStatusNew(HGN_CODE_TopologyInvalid, where, hint, fmt, arg);
}

static bool readSize(const json_t *v, uint64_t *out) {
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return true;
    }
    if (json_is_string(v)) return hgnCliParseSize(json_string_value(v), out);
    return false;
}

static HgnStatus hardwareBuild(const json_t *doc, const char *source, HgnMachine *out) {
    json_t *gpus = json_object_get(doc, "gpus"), *host = json_object_get(doc, "host"),
           *disk = json_object_get(doc, "disk");
    size_t nGpus = json_array_size(gpus);
    json_t *cpus = json_object_get(doc, "cpus");
    size_t nCpus = json_array_size(cpus) ? json_array_size(cpus) : 1;
    HgnStatus st = machineAlloc(out, nGpus + nCpus);
    if (st) return st;
    char ptr[96];
    size_t k;
    json_t *g;
    json_array_foreach(gpus, k, g) {
        HgnMachineDevice *d = &out->devices[k];
        snprintf(ptr, sizeof ptr, "/gpus/%zu/profile", k);
        const char *pid = json_string_value(json_object_get(g, "profile"));
        const HgnDeviceProfile *p = hgnDeviceProfileById(pid);
        if (!p || p->kind != HGN_DEVICE_GPU)
            return hwError(source, ptr, "see `huginn help devices` or registry/devices.json for profile ids",
                           "`%s` is not a GPU device profile", pid);
        snprintf(d->id, sizeof d->id, "gpu:%zu", k);
        const char *name = json_string_value(json_object_get(g, "name"));
        snprintf(d->name, sizeof d->name, "%s", name ? name : p->name);
        d->gpu = true;
        json_t *nn = json_object_get(g, "numaNode");
        d->numaNode = json_is_integer(nn) ? (int32_t)json_integer_value(nn) : -1;
        d->memoryBytes = p->memoryBytes;
        json_t *mem = json_object_get(g, "memory");
        snprintf(ptr, sizeof ptr, "/gpus/%zu/memory", k);
        if (mem && !readSize(mem, &d->memoryBytes))
            return hwError(source, ptr, "write bytes as an integer or a size such as \"24GiB\"", "bad size%s", "");
        applyProfile(d, p, 1);
    }
    uint64_t hostMem = 0;
    if (!readSize(json_object_get(host, "memory"), &hostMem))
        return hwError(source, "/host/memory", "write bytes as an integer or a size such as \"64GiB\"",
                       "bad or missing host memory%s", "");
    json_t *cores = json_object_get(host, "cores");
    const char *cpuId = json_string_value(json_object_get(host, "profile"));
    const HgnDeviceProfile *cp = cpuProfile(cpuId);
    if (cpuId && (!cp || strcmp(cp->id, cpuId) != 0))
        return hwError(source, "/host/profile", "use cpu-avx2, cpu-avx512, cpu-neon or cpu-scalar",
                       "`%s` is not a CPU device profile", cpuId);
    unsigned hostCores = json_is_integer(cores) ? (unsigned)json_integer_value(cores) : 1;
    json_t *bw = json_object_get(host, "memoryBandwidth");
    if (!json_array_size(cpus)) {
        setupCpu(&out->devices[nGpus], cp, hostMem, hostCores);
        if (json_is_number(bw) && json_number_value(bw) > 0)
            out->devices[nGpus].memoryBandwidth = json_number_value(bw);
    } else {
        /* virtual CPU devices cpu:0..N-1 (the runtime's), each with its own
         * memory window and threads; together within the host's memory */
        uint64_t sum = 0;
        unsigned threads = 0;
        json_t *c;
        json_array_foreach(cpus, k, c) {
            HgnMachineDevice *d = &out->devices[nGpus + k];
            uint64_t mem = 0;
            snprintf(ptr, sizeof ptr, "/cpus/%zu/memory", k);
            if (!readSize(json_object_get(c, "memory"), &mem))
                return hwError(source, ptr, "write bytes as an integer or a size such as \"8GiB\"",
                               "bad or missing memory window%s", "");
            json_t *th = json_object_get(c, "threads");
            unsigned t = json_is_integer(th) ? (unsigned)json_integer_value(th) : 1;
            setupCpu(d, cp, mem, t);
            snprintf(d->id, sizeof d->id, "cpu:%zu", k);
            snprintf(d->name, sizeof d->name, "virtual cpu %zu (%u thread%s)", k, t, t == 1 ? "" : "s");
            json_t *nn = json_object_get(c, "numaNode");
            d->numaNode = json_is_integer(nn) ? (int32_t)json_integer_value(nn) : -1;
            if (json_is_number(bw) && json_number_value(bw) > 0)
                d->memoryBandwidth = json_number_value(bw) * t / (hostCores > t ? hostCores : t);
            sum += mem;
            threads += t;
        }
        if (sum > hostMem)
            return hwError(source, "/cpus", "shrink the CPU devices' memory windows or raise host.memory",
                           "the CPU devices' windows add up to more than the host's memory%s", "");
        if (json_is_integer(cores) && threads > hostCores)
            return hwError(source, "/cpus", "give the CPU devices at most host.cores threads in all",
                           "the CPU devices use more threads than the host has cores%s", "");
    }
    defaultLinks(out);
    json_t *links = json_object_get(doc, "links"), *l;
    json_array_foreach(links, k, l) {
        const char *a = json_string_value(json_object_get(l, "a")), *b = json_string_value(json_object_get(l, "b"));
        int ia = hgnMachineFind(out, a), ib = hgnMachineFind(out, b);
        snprintf(ptr, sizeof ptr, "/links/%zu/%s", k, ia < 0 ? "a" : "b");
        if (ia < 0 || ib < 0 || ia == ib)
            return hwError(source, ptr, "links join two different devices: gpu:N or cpu:0",
                           "`%s` is not another device of this machine", ia < 0 ? a : b);
        double lat = json_number_value(json_object_get(l, "latencyNs"));
        const char *path = json_string_value(json_object_get(l, "path"));
        setLink(out, (size_t)ia, (size_t)ib, json_number_value(json_object_get(l, "bandwidthBytesPerSec")),
                lat > 0 ? lat * 1e-9 : 10e-6, path ? path : "link");
    }
    if (disk) {
        if (!readSize(json_object_get(disk, "free"), &out->diskBytes))
            return hwError(source, "/disk/free", "write bytes as an integer or a size such as \"1TiB\"",
                           "bad or missing free disk space%s", "");
        out->diskBandwidth = json_number_value(json_object_get(disk, "readBandwidth"));
    }
    snprintf(out->source, sizeof out->source, "hardware");
    return HGN_OK;
}

HgnStatus hgnMachineFromHardwareJson(const char *text, size_t len, const char *sourceName, HgnMachine *out) {
    memset(out, 0, sizeof *out);
    const char *source = sourceName ? sourceName : "hardware";
    HgnStatus st = hgnDeviceProfilesLoad();
    if (st) return st;
    json_error_t jerr;
    json_t *doc = json_loadb(text ? text : "", text ? len : 0, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        char where[512];
        snprintf(where, sizeof where, "%s:%d:%d", source, jerr.line, jerr.column);
        return hgnStatusNew(HGN_CODE_InvalidJson, where, "fix the JSON syntax", "%s", jerr.text);
    }
    HgnSchema *schema = NULL;
    st = hgnSchemaCompileEmbedded("schemas/hardware.schema.json", &schema);
    if (!st) {
        st = hgnSchemaValidate(schema, doc);
        if (st) {
            char where[512];
            snprintf(where, sizeof where, "%s:%s", source, hgnStatusWhere(st) ? hgnStatusWhere(st) : "");
            st = hgnStatusWrap(st, HGN_CODE_TopologyInvalid, where, "see docs/planner.md for the hardware format",
                               "the hardware description does not match schemas/hardware.schema.json");
        }
    }
    hgnSchemaFree(schema);
    if (!st) st = hardwareBuild(doc, source, out);
    if (!st) {
        /* the digest of a hardware file is that of its canonical JSON */
        char hex[65] = "";
        st = hgnTopologyDigest(doc, hex);
        snprintf(out->topologyDigest, sizeof out->topologyDigest, "%s", hex);
    }
    json_decref(doc);
    if (st) hgnMachineFree(out);
    return st;
}

HgnStatus hgnMachineFromHardwareFile(const char *path, HgnMachine *out) {
    memset(out, 0, sizeof *out);
    HgnBuf text;
    hgnBufInit(&text);
    HgnStatus st =
        hgnFileReadAll(path, (uint64_t)16 << 20, "the hardware description", "check the --hardware path", &text);
    if (!st) st = hgnMachineFromHardwareJson(hgnBufStr(&text), text.len, path, out);
    hgnBufFree(&text);
    return st;
}

HgnStatus hgnMachineSetCpuDevices(HgnMachine *m, const HgnMachineCpu *cpus, size_t n, const char *where) {
    if (n == 0) return HGN_OK;
    size_t host = m->count - 1, nGpus = host;
    const HgnMachineDevice *h = &m->devices[host];
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        const char *id = cpus[i].id ? cpus[i].id : "";
        char *end = NULL;
        if (strncmp(id, "cpu:", 4) != 0 || !id[4] || (strtoul(id + 4, &end, 10), *end != '\0') ||
            strlen(id) >= sizeof m->devices[0].id)
            return hgnStatusNew(HGN_CODE_InvalidConfig, where, "name the CPU devices cpu:0, cpu:1, …",
                                "`%s` is not a CPU device id", id);
        for (size_t j = 0; j < i; j++)
            if (strcmp(cpus[j].id, id) == 0)
                return hgnStatusNew(HGN_CODE_InvalidConfig, where, "give each CPU device once",
                                    "CPU device `%s` appears twice", id);
        sum += cpus[i].memoryBytes;
    }
    if (sum > h->memoryBytes)
        return hgnStatusNew(HGN_CODE_InvalidConfig, where, "shrink the CPU devices' windows to the host's memory",
                            "the CPU devices' windows (%llu bytes) exceed the host's memory (%llu bytes)",
                            (unsigned long long)sum, (unsigned long long)h->memoryBytes);
    HgnMachine nm = {0};
    HgnStatus st = machineAlloc(&nm, nGpus + n);
    if (st) return st;
    for (size_t i = 0; i < nGpus; i++) {
        nm.devices[i] = m->devices[i];
        for (size_t j = 0; j < nGpus; j++) {
            nm.linkBandwidth[i * nm.count + j] = m->linkBandwidth[i * m->count + j];
            nm.linkLatency[i * nm.count + j] = m->linkLatency[i * m->count + j];
            memcpy(nm.linkPath[i * nm.count + j], m->linkPath[i * m->count + j], sizeof nm.linkPath[0]);
        }
    }
    uint32_t hostThreads = h->threads ? h->threads : 1;
    for (size_t k = 0; k < n; k++) {
        HgnMachineDevice *d = &nm.devices[nGpus + k];
        *d = *h;
        uint32_t t = cpus[k].threads ? cpus[k].threads : (uint32_t)(hostThreads / n ? hostThreads / n : 1);
        double share = (double)t / hostThreads;
        snprintf(d->id, sizeof d->id, "%s", cpus[k].id);
        snprintf(d->name, sizeof d->name, "virtual %s (%u thread%s)", cpus[k].id, t, t == 1 ? "" : "s");
        d->memoryBytes = cpus[k].memoryBytes;
        d->threads = t;
        d->peakFp32 *= share;
        d->peakFp16 *= share;
        d->peakBf16 *= share;
        d->peakInt8 *= share;
        d->peakFp8 *= share;
        double bwShare = (double)(t < CPU_BANDWIDTH_CORES ? t : CPU_BANDWIDTH_CORES) /
                         (double)(hostThreads < CPU_BANDWIDTH_CORES ? hostThreads : CPU_BANDWIDTH_CORES);
        d->memoryBandwidth *= bwShare > 1 ? 1 : bwShare;
        for (size_t g = 0; g < nGpus; g++)
            setLink(&nm, g, nGpus + k, m->linkBandwidth[g * m->count + host], m->linkLatency[g * m->count + host],
                    m->linkPath[g * m->count + host]);
    }
    for (size_t a = nGpus; a < nm.count; a++)
        for (size_t b = a + 1; b < nm.count; b++)
            setLink(&nm, a, b, fmin(nm.devices[a].memoryBandwidth, nm.devices[b].memoryBandwidth), 1e-6, "memory");
    nm.diskBytes = m->diskBytes;
    nm.diskBandwidth = m->diskBandwidth;
    memcpy(nm.topologyDigest, m->topologyDigest, sizeof nm.topologyDigest);
    memcpy(nm.source, m->source, sizeof nm.source);
    hgnMachineFree(m);
    *m = nm;
    return HGN_OK;
}
