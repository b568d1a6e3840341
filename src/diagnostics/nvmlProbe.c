/* nvmlProbe.c — NVML loaded with dlopen: driver versions and per-GPU facts (see nvmlProbe.h).
 *
 * The declarations below restate the parts of NVIDIA's public nvml.h that
 * Huginn calls (same names, signatures, constants and struct layouts). */
#include "diagnostics/nvmlProbe.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;
typedef int nvmlEnableState_t;

enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_SUPPORTED = 3,
    NVML_ERROR_GPU_IS_LOST = 15,
    NVML_FEATURE_ENABLED = 1,
    NVML_NVLINK_MAX_LINKS = 18,
    NVML_DEVICE_NAME_V2_BUFFER_SIZE = 96,
    NVML_DEVICE_UUID_V2_BUFFER_SIZE = 96,
    NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE = 80,
    NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE = 16,
    NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE = 32,
};

typedef struct nvmlPciInfo_st {
    char busIdLegacy[NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE];
    unsigned int domain;
    unsigned int bus;
    unsigned int device;
    unsigned int pciDeviceId;
    unsigned int pciSubSystemId;
    char busId[NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE];
} nvmlPciInfo_t;

typedef struct nvmlMemory_st {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
} nvmlMemory_t;

typedef struct NvmlApi {
    void *lib;
    nvmlReturn_t (*init)(void);
    nvmlReturn_t (*shutdown)(void);
    const char *(*errorString)(nvmlReturn_t);
    nvmlReturn_t (*getCount)(unsigned int *);
    nvmlReturn_t (*getHandleByIndex)(unsigned int, nvmlDevice_t *);
    nvmlReturn_t (*getName)(nvmlDevice_t, char *, unsigned int);
    nvmlReturn_t (*getUuid)(nvmlDevice_t, char *, unsigned int);
    nvmlReturn_t (*getPciInfo)(nvmlDevice_t, nvmlPciInfo_t *);
    nvmlReturn_t (*getMemoryInfo)(nvmlDevice_t, nvmlMemory_t *);
    nvmlReturn_t (*getComputeCapability)(nvmlDevice_t, int *, int *);
    nvmlReturn_t (*getPcieGen)(nvmlDevice_t, unsigned int *);
    nvmlReturn_t (*getPcieWidth)(nvmlDevice_t, unsigned int *);
    nvmlReturn_t (*getPowerLimit)(nvmlDevice_t, unsigned int *);
    nvmlReturn_t (*getNvLinkState)(nvmlDevice_t, unsigned int, nvmlEnableState_t *);
    nvmlReturn_t (*getNvLinkRemotePci)(nvmlDevice_t, unsigned int, nvmlPciInfo_t *);
    nvmlReturn_t (*getDriverVersion)(char *, unsigned int);
    nvmlReturn_t (*getCudaDriverVersion)(int *);
} NvmlApi;

/* dlsym into a function pointer without a data→function pointer cast warning. */
#define LOAD(api, field, name) (*(void **)(&(api)->field) = dlsym((api)->lib, name))

static const char *errText(const NvmlApi *api, nvmlReturn_t rc) {
    const char *s = api->errorString ? api->errorString(rc) : NULL;
    return s ? s : "unknown NVML error";
}

/* Per-GPU query state: the first NVML_ERROR_GPU_IS_LOST marks the GPU lost. */
typedef struct GpuQuery {
    const NvmlApi *api;
    bool lost;
    nvmlReturn_t lostRc;
} GpuQuery;

static bool queryOk(GpuQuery *q, nvmlReturn_t rc) {
    if (rc == NVML_ERROR_GPU_IS_LOST) {
        q->lost = true;
        q->lostRc = rc;
    }
    return rc == NVML_SUCCESS;
}

static void probeNvLinks(HgnJsonBuild *jb, GpuQuery *q, nvmlDevice_t dev, json_t *gpu) {
    const NvmlApi *api = q->api;
    if (!api->getNvLinkState) return;
    json_t *nv = hgnJbObject(jb), *links = hgnJbArray(jb);
    int active = 0;
    bool supported = false;
    for (unsigned link = 0; link < NVML_NVLINK_MAX_LINKS && !q->lost; link++) {
        nvmlEnableState_t state = 0;
        nvmlReturn_t rc = api->getNvLinkState(dev, link, &state);
        if (!queryOk(q, rc)) {
            if (rc == NVML_ERROR_INVALID_ARGUMENT || rc == NVML_ERROR_NOT_SUPPORTED) break; /* no more links */
            continue;
        }
        supported = true;
        if (state != NVML_FEATURE_ENABLED) continue;
        active++;
        json_t *l = hgnJbObject(jb);
        hgnJbSetInt(jb, l, "link", link);
        nvmlPciInfo_t pci;
        memset(&pci, 0, sizeof pci);
        char bus[16];
        if (api->getNvLinkRemotePci && queryOk(q, api->getNvLinkRemotePci(dev, link, &pci)) &&
            hgnDiagPciBusIdNormalize(pci.busId[0] ? pci.busId : pci.busIdLegacy, bus))
            hgnJbSetStr(jb, l, "remotePciBusId", bus);
        else
            hgnJbSet(jb, l, "remotePciBusId", json_null());
        hgnJbAppend(jb, links, l);
    }
    if (!supported) { /* no NVLink on this GPU (consumer cards) */
        json_decref(nv);
        json_decref(links);
        hgnJbSet(jb, gpu, "nvlink", json_null());
        return;
    }
    hgnJbSetInt(jb, nv, "activeLinks", active);
    hgnJbSet(jb, nv, "links", links);
    hgnJbSet(jb, gpu, "nvlink", nv);
}

static void probeGpu(HgnJsonBuild *jb, const NvmlApi *api, unsigned index, json_t *gpu) {
    GpuQuery q = {api, false, NVML_SUCCESS};
    hgnJbSetInt(jb, gpu, "index", index);
    hgnJbSetStr(jb, gpu, "source", "nvml");
    static const char *const nullable[] = {
        "name",           "uuid",      "pciBusId",        "memoryFreeBytes", "memoryUsedBytes", "computeCapability",
        "pcieGeneration", "pcieWidth", "powerLimitWatts", "nvlink"};
    for (size_t i = 0; i < sizeof nullable / sizeof nullable[0]; i++) hgnJbSet(jb, gpu, nullable[i], json_null());
    hgnJbSetInt(jb, gpu, "memoryTotalBytes", 0);
    hgnJbSetStr(jb, gpu, "memorySource", "unknown");
    nvmlDevice_t dev = NULL;
    nvmlReturn_t rc = api->getHandleByIndex(index, &dev);
    if (!queryOk(&q, rc)) {
        hgnJbSetStr(jb, gpu, "state", q.lost ? "lost" : "error");
        hgnJbSetStr(jb, gpu, "error", errText(api, rc));
        return;
    }
    char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE] = "";
    hgnJbSetStr(jb, gpu, "name",
                api->getName && queryOk(&q, api->getName(dev, name, sizeof name)) && name[0] ? name : NULL);
    char uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE] = "";
    hgnJbSetStr(jb, gpu, "uuid",
                api->getUuid && queryOk(&q, api->getUuid(dev, uuid, sizeof uuid)) && uuid[0] ? uuid : NULL);
    nvmlPciInfo_t pci;
    memset(&pci, 0, sizeof pci);
    char bus[16];
    bool haveBus = api->getPciInfo && queryOk(&q, api->getPciInfo(dev, &pci)) &&
                   hgnDiagPciBusIdNormalize(pci.busId[0] ? pci.busId : pci.busIdLegacy, bus);
    hgnJbSetStr(jb, gpu, "pciBusId", haveBus ? bus : NULL);
    nvmlMemory_t mem = {0, 0, 0};
    if (api->getMemoryInfo && queryOk(&q, api->getMemoryInfo(dev, &mem))) {
        hgnJbSetInt(jb, gpu, "memoryTotalBytes", (int64_t)mem.total);
        hgnJbSetInt(jb, gpu, "memoryFreeBytes", (int64_t)mem.free);
        hgnJbSetInt(jb, gpu, "memoryUsedBytes", (int64_t)mem.used);
        hgnJbSetStr(jb, gpu, "memorySource", "nvml");
    } else {
        hgnJbSetInt(jb, gpu, "memoryTotalBytes", 0);
        hgnJbSet(jb, gpu, "memoryFreeBytes", json_null());
        hgnJbSet(jb, gpu, "memoryUsedBytes", json_null());
        hgnJbSetStr(jb, gpu, "memorySource", "unknown");
    }
    int major = 0, minor = 0;
    char cc[24];
    if (api->getComputeCapability && queryOk(&q, api->getComputeCapability(dev, &major, &minor))) {
        snprintf(cc, sizeof cc, "%d.%d", major, minor);
        hgnJbSetStr(jb, gpu, "computeCapability", cc);
    } else {
        hgnJbSet(jb, gpu, "computeCapability", json_null());
    }
    unsigned gen = 0, width = 0, powerMw = 0;
    bool haveGen = api->getPcieGen && queryOk(&q, api->getPcieGen(dev, &gen));
    bool haveWidth = api->getPcieWidth && queryOk(&q, api->getPcieWidth(dev, &width));
    hgnJbSet(jb, gpu, "pcieGeneration", haveGen ? json_integer(gen) : json_null());
    hgnJbSet(jb, gpu, "pcieWidth", haveWidth ? json_integer(width) : json_null());
    bool havePower = api->getPowerLimit && queryOk(&q, api->getPowerLimit(dev, &powerMw));
    hgnJbSet(jb, gpu, "powerLimitWatts", havePower ? json_real(powerMw / 1000.0) : json_null());
    if (!q.lost) probeNvLinks(jb, &q, dev, gpu);
    hgnJbSetStr(jb, gpu, "state", q.lost ? "lost" : "ok");
    if (q.lost) hgnJbSetStr(jb, gpu, "error", errText(api, q.lostRc));
}

/* peers[] (GPU indices reachable over NVLink, directly or through a switch)
 * and switches[] (remote ends that are not GPUs), once every GPU is known. */
static void resolveNvLinkPeers(HgnJsonBuild *jb, json_t *gpus) {
    size_t n = json_array_size(gpus);
    for (size_t i = 0; i < n; i++) {
        json_t *nv = json_object_get(json_array_get(gpus, i), "nvlink");
        if (!json_is_object(nv)) continue;
        json_t *peers = hgnJbArray(jb), *switches = hgnJbArray(jb);
        json_t *links = json_object_get(nv, "links");
        size_t li;
        json_t *l;
        json_array_foreach(links, li, l) {
            const char *remote = json_string_value(json_object_get(l, "remotePciBusId"));
            if (!remote) continue;
            bool isGpu = false;
            for (size_t j = 0; j < n; j++) {
                const char *bus = json_string_value(json_object_get(json_array_get(gpus, j), "pciBusId"));
                if (bus && strcmp(bus, remote) == 0) isGpu = true;
            }
            if (isGpu) continue;
            bool known = false;
            for (size_t k = 0; k < json_array_size(switches); k++)
                known = known || strcmp(json_string_value(json_array_get(switches, k)), remote) == 0;
            if (!known) hgnJbAppend(jb, switches, json_string(remote));
        }
        for (size_t j = 0; j < n; j++) {
            if (j == i) continue;
            json_t *other = json_array_get(gpus, j);
            const char *otherBus = json_string_value(json_object_get(other, "pciBusId"));
            json_t *otherLinks = json_object_get(json_object_get(other, "nvlink"), "links");
            bool linked = false;
            json_array_foreach(links, li, l) {
                const char *remote = json_string_value(json_object_get(l, "remotePciBusId"));
                if (!remote) continue;
                if (otherBus && strcmp(remote, otherBus) == 0) linked = true;
                for (size_t k = 0; k < json_array_size(switches) && !linked; k++) {
                    if (strcmp(json_string_value(json_array_get(switches, k)), remote) != 0) continue;
                    size_t oi;
                    json_t *ol;
                    json_array_foreach(otherLinks, oi, ol) {
                        const char *r2 = json_string_value(json_object_get(ol, "remotePciBusId"));
                        if (r2 && strcmp(r2, remote) == 0) linked = true;
                    }
                }
            }
            if (linked)
                hgnJbAppend(jb, peers, json_integer((json_int_t)json_integer_value(json_object_get(other, "index"))));
        }
        hgnJbSet(jb, nv, "peers", peers);
        hgnJbSet(jb, nv, "switches", switches);
    }
}

void hgnNvmlProbe(HgnJsonBuild *jb, const char *library, json_t *driver, json_t *gpus, json_t *warnings,
                  json_t *notes) {
    hgnJbSetStr(jb, driver, "library", library[0] ? library : NULL);
    hgnJbSetBool(jb, driver, "available", false);
    hgnJbSet(jb, driver, "nvidiaDriverVersion", json_null());
    hgnJbSet(jb, driver, "cudaDriverVersion", json_null());
    hgnJbSet(jb, driver, "cudaDriverVersionInt", json_null());
    if (!library[0]) {
        hgnJbSetStr(jb, driver, "error", "NVML probing disabled");
        return;
    }
    NvmlApi api;
    memset(&api, 0, sizeof api);
    dlerror();
    api.lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!api.lib) {
        const char *why = dlerror();
        hgnJbSetStr(jb, driver, "error", why ? why : "dlopen failed");
        hgnJbAppend(jb, notes,
                    json_sprintf("no NVIDIA driver found: looked for %s (set HUGINN_NVML_LIBRARY to its path if it "
                                 "is installed elsewhere); GPUs are not reported",
                                 library));
        return;
    }
    LOAD(&api, init, "nvmlInit_v2");
    LOAD(&api, shutdown, "nvmlShutdown");
    LOAD(&api, errorString, "nvmlErrorString");
    LOAD(&api, getCount, "nvmlDeviceGetCount_v2");
    LOAD(&api, getHandleByIndex, "nvmlDeviceGetHandleByIndex_v2");
    LOAD(&api, getName, "nvmlDeviceGetName");
    LOAD(&api, getUuid, "nvmlDeviceGetUUID");
    LOAD(&api, getPciInfo, "nvmlDeviceGetPciInfo_v3");
    LOAD(&api, getMemoryInfo, "nvmlDeviceGetMemoryInfo");
    LOAD(&api, getComputeCapability, "nvmlDeviceGetCudaComputeCapability");
    LOAD(&api, getPcieGen, "nvmlDeviceGetCurrPcieLinkGeneration");
    LOAD(&api, getPcieWidth, "nvmlDeviceGetCurrPcieLinkWidth");
    LOAD(&api, getPowerLimit, "nvmlDeviceGetPowerManagementLimit");
    LOAD(&api, getNvLinkState, "nvmlDeviceGetNvLinkState");
    LOAD(&api, getNvLinkRemotePci, "nvmlDeviceGetNvLinkRemotePciInfo_v2");
    LOAD(&api, getDriverVersion, "nvmlSystemGetDriverVersion");
    LOAD(&api, getCudaDriverVersion, "nvmlSystemGetCudaDriverVersion");
    if (!api.init || !api.shutdown || !api.getCount || !api.getHandleByIndex) {
        hgnJbSetStr(jb, driver, "error", "the library lacks nvmlInit_v2/nvmlDeviceGetCount_v2 (NVML too old?)");
        hgnJbAppend(jb, notes, json_sprintf("%s is not a usable NVML library; GPUs are not reported", library));
        dlclose(api.lib);
        return;
    }
    nvmlReturn_t rc = api.init();
    if (rc != NVML_SUCCESS) {
        hgnJbSetStr(jb, driver, "error", errText(&api, rc));
        hgnJbAppend(jb, notes,
                    json_sprintf("NVML (%s) is installed but did not initialise: %s; GPUs are not reported", library,
                                 errText(&api, rc)));
        dlclose(api.lib);
        return;
    }
    hgnJbSetBool(jb, driver, "available", true);
    hgnJbSet(jb, driver, "error", json_null());
    char version[NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE] = "";
    if (api.getDriverVersion && api.getDriverVersion(version, sizeof version) == NVML_SUCCESS && version[0])
        hgnJbSetStr(jb, driver, "nvidiaDriverVersion", version);
    int cuda = 0;
    if (api.getCudaDriverVersion && api.getCudaDriverVersion(&cuda) == NVML_SUCCESS && cuda > 0) {
        char cudaText[32];
        snprintf(cudaText, sizeof cudaText, "%d.%d", cuda / 1000, (cuda % 1000) / 10);
        hgnJbSetStr(jb, driver, "cudaDriverVersion", cudaText);
        hgnJbSetInt(jb, driver, "cudaDriverVersionInt", cuda);
    }
    unsigned count = 0;
    rc = api.getCount(&count);
    if (rc != NVML_SUCCESS) {
        hgnJbSetStr(jb, driver, "error", errText(&api, rc));
        count = 0;
    }
    for (unsigned i = 0; i < count && i < 1024; i++) {
        json_t *gpu = hgnJbObject(jb);
        probeGpu(jb, &api, i, gpu);
        const char *state = json_string_value(json_object_get(gpu, "state"));
        const char *bus = json_string_value(json_object_get(gpu, "pciBusId"));
        const char *why = json_string_value(json_object_get(gpu, "error"));
        if (state && strcmp(state, "ok") != 0)
            hgnJbWarn(jb, warnings, strcmp(state, "lost") == 0 ? "gpuLost" : "gpuQueryFailed",
                      "GPU %u%s%s is not answering (%s); it is left out of plans", i, bus ? " at " : "", bus ? bus : "",
                      why ? why : "unknown error");
        hgnJbAppend(jb, gpus, gpu);
    }
    resolveNvLinkPeers(jb, gpus);
    api.shutdown();
    dlclose(api.lib);
}
