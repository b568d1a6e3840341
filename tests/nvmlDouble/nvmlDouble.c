/* nvmlDouble.c — a test double of NVIDIA's libnvidia-ml, built as a shared
 * library by the test suite and opened by the diagnostics probe with dlopen.
 *
 * It exports the NVML functions Huginn calls, with NVML's names, signatures,
 * return codes and struct layouts, and answers from a JSON scenario file
 * named by the environment variable HGN_NVML_SCENARIO, read at nvmlInit_v2:
 *
 *   {"initError": 9,                         optional: nvmlInit_v2 fails with it
 *    "driverVersion": "550.54.15", "cudaDriverVersion": 12040,
 *    "gpus": [{"name": "...", "uuid": "GPU-...", "pciBusId": "00000000:01:00.0",
 *              "memoryTotal": 25757220864, "memoryUsed": 1000000,
 *              "computeCapability": [8, 9], "pcieGeneration": 4, "pcieWidth": 16,
 *              "powerLimitMilliwatts": 450000,
 *              "nvlinks": ["00000000:07:00.0", ...],   remote bus id per active link
 *              "lost": true,                        every query: NVML_ERROR_GPU_IS_LOST
 *              "handleError": 15}]}                 nvmlDeviceGetHandleByIndex_v2 fails with it
 *
 * Test-only code: it uses the C library allocator and jansson directly. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;
typedef int nvmlEnableState_t;

typedef struct nvmlPciInfo_st {
    char busIdLegacy[16];
    unsigned int domain;
    unsigned int bus;
    unsigned int device;
    unsigned int pciDeviceId;
    unsigned int pciSubSystemId;
    char busId[32];
} nvmlPciInfo_t;

typedef struct nvmlMemory_st {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
} nvmlMemory_t;

enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_UNINITIALIZED = 1,
    NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_SUPPORTED = 3,
    NVML_ERROR_NOT_FOUND = 6,
    NVML_ERROR_INSUFFICIENT_SIZE = 7,
    NVML_ERROR_DRIVER_NOT_LOADED = 9,
    NVML_ERROR_GPU_IS_LOST = 15,
    NVML_ERROR_UNKNOWN = 999,
};

#define MAX_LINKS 18

struct nvmlDevice_st {
    json_t *spec; /* borrowed from scenario */
};

static json_t *scenario;
static struct nvmlDevice_st devices[64];
static unsigned nDevices;

/* Exported API: the prototypes keep -Wmissing-prototypes quiet. */
nvmlReturn_t nvmlInit_v2(void);
nvmlReturn_t nvmlShutdown(void);
const char *nvmlErrorString(nvmlReturn_t result);
nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length);
nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *cudaDriverVersion);
nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount);
nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device);
nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length);
nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length);
nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t *pci);
nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory);
nvmlReturn_t nvmlDeviceGetCudaComputeCapability(nvmlDevice_t device, int *major, int *minor);
nvmlReturn_t nvmlDeviceGetCurrPcieLinkGeneration(nvmlDevice_t device, unsigned int *currLinkGen);
nvmlReturn_t nvmlDeviceGetCurrPcieLinkWidth(nvmlDevice_t device, unsigned int *currLinkWidth);
nvmlReturn_t nvmlDeviceGetPowerManagementLimit(nvmlDevice_t device, unsigned int *limit);
nvmlReturn_t nvmlDeviceGetNvLinkState(nvmlDevice_t device, unsigned int link, nvmlEnableState_t *isActive);
nvmlReturn_t nvmlDeviceGetNvLinkRemotePciInfo_v2(nvmlDevice_t device, unsigned int link, nvmlPciInfo_t *pci);

nvmlReturn_t nvmlInit_v2(void) {
    const char *path = getenv("HGN_NVML_SCENARIO");
    if (!path) return NVML_ERROR_DRIVER_NOT_LOADED;
    json_decref(scenario);
    scenario = json_load_file(path, 0, NULL);
    if (!scenario) return NVML_ERROR_UNKNOWN;
    json_t *initError = json_object_get(scenario, "initError");
    if (json_is_integer(initError)) {
        nvmlReturn_t rc = (nvmlReturn_t)json_integer_value(initError);
        json_decref(scenario);
        scenario = NULL;
        return rc;
    }
    json_t *gpus = json_object_get(scenario, "gpus");
    nDevices = 0;
    for (size_t i = 0; i < json_array_size(gpus) && i < 64; i++) devices[nDevices++].spec = json_array_get(gpus, i);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlShutdown(void) {
    if (!scenario) return NVML_ERROR_UNINITIALIZED;
    json_decref(scenario);
    scenario = NULL;
    nDevices = 0;
    return NVML_SUCCESS;
}

const char *nvmlErrorString(nvmlReturn_t result) {
    switch (result) {
    case NVML_SUCCESS:
        return "Success";
    case NVML_ERROR_UNINITIALIZED:
        return "Uninitialized";
    case NVML_ERROR_INVALID_ARGUMENT:
        return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED:
        return "Not Supported";
    case NVML_ERROR_DRIVER_NOT_LOADED:
        return "Driver Not Loaded";
    case NVML_ERROR_GPU_IS_LOST:
        return "GPU is lost";
    default:
        return "Unknown Error";
    }
}

static nvmlReturn_t copyString(const char *s, char *out, unsigned int length) {
    if (!out) return NVML_ERROR_INVALID_ARGUMENT;
    if (!s) return NVML_ERROR_NOT_SUPPORTED;
    if (strlen(s) + 1 > length) return NVML_ERROR_INSUFFICIENT_SIZE;
    memcpy(out, s, strlen(s) + 1);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length) {
    if (!scenario) return NVML_ERROR_UNINITIALIZED;
    return copyString(json_string_value(json_object_get(scenario, "driverVersion")), version, length);
}

nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *cudaDriverVersion) {
    if (!scenario) return NVML_ERROR_UNINITIALIZED;
    if (!cudaDriverVersion) return NVML_ERROR_INVALID_ARGUMENT;
    json_t *v = json_object_get(scenario, "cudaDriverVersion");
    if (!json_is_integer(v)) return NVML_ERROR_NOT_SUPPORTED;
    *cudaDriverVersion = (int)json_integer_value(v);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount) {
    if (!scenario) return NVML_ERROR_UNINITIALIZED;
    if (!deviceCount) return NVML_ERROR_INVALID_ARGUMENT;
    *deviceCount = nDevices;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
    if (!scenario) return NVML_ERROR_UNINITIALIZED;
    if (!device || index >= nDevices) return NVML_ERROR_INVALID_ARGUMENT;
    json_t *handleError = json_object_get(devices[index].spec, "handleError");
    if (json_is_integer(handleError)) return (nvmlReturn_t)json_integer_value(handleError);
    *device = &devices[index];
    return NVML_SUCCESS;
}

/* Common checks of a device query: initialised, valid handle, not lost. */
static nvmlReturn_t check(nvmlDevice_t device) {
    if (!scenario) return NVML_ERROR_UNINITIALIZED;
    if (!device || device < devices || device >= devices + nDevices) return NVML_ERROR_INVALID_ARGUMENT;
    if (json_is_true(json_object_get(device->spec, "lost"))) return NVML_ERROR_GPU_IS_LOST;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length) {
    nvmlReturn_t rc = check(device);
    return rc ? rc : copyString(json_string_value(json_object_get(device->spec, "name")), name, length);
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length) {
    nvmlReturn_t rc = check(device);
    return rc ? rc : copyString(json_string_value(json_object_get(device->spec, "uuid")), uuid, length);
}

static nvmlReturn_t fillPci(const char *busId, nvmlPciInfo_t *pci) {
    unsigned dom, bus, dev, fn;
    if (!busId || sscanf(busId, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4) return NVML_ERROR_NOT_SUPPORTED;
    memset(pci, 0, sizeof *pci);
    pci->domain = dom;
    pci->bus = bus;
    pci->device = dev;
    pci->pciDeviceId = 0x268410de;
    snprintf(pci->busId, sizeof pci->busId, "%08X:%02X:%02X.%X", dom, bus, dev, fn);
    snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, "%04X:%02X:%02X.%X", dom & 0xffff, bus, dev, fn);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t *pci) {
    nvmlReturn_t rc = check(device);
    if (rc) return rc;
    if (!pci) return NVML_ERROR_INVALID_ARGUMENT;
    return fillPci(json_string_value(json_object_get(device->spec, "pciBusId")), pci);
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory) {
    nvmlReturn_t rc = check(device);
    if (rc) return rc;
    if (!memory) return NVML_ERROR_INVALID_ARGUMENT;
    json_t *total = json_object_get(device->spec, "memoryTotal");
    if (!json_is_integer(total)) return NVML_ERROR_NOT_SUPPORTED;
    memory->total = (unsigned long long)json_integer_value(total);
    memory->used = (unsigned long long)json_integer_value(json_object_get(device->spec, "memoryUsed"));
    memory->free = memory->total - memory->used;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetCudaComputeCapability(nvmlDevice_t device, int *major, int *minor) {
    nvmlReturn_t rc = check(device);
    if (rc) return rc;
    json_t *cc = json_object_get(device->spec, "computeCapability");
    if (!major || !minor) return NVML_ERROR_INVALID_ARGUMENT;
    if (json_array_size(cc) != 2) return NVML_ERROR_NOT_SUPPORTED;
    *major = (int)json_integer_value(json_array_get(cc, 0));
    *minor = (int)json_integer_value(json_array_get(cc, 1));
    return NVML_SUCCESS;
}

static nvmlReturn_t uintField(nvmlDevice_t device, const char *key, unsigned int *out) {
    nvmlReturn_t rc = check(device);
    if (rc) return rc;
    if (!out) return NVML_ERROR_INVALID_ARGUMENT;
    json_t *v = json_object_get(device->spec, key);
    if (!json_is_integer(v)) return NVML_ERROR_NOT_SUPPORTED;
    *out = (unsigned int)json_integer_value(v);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetCurrPcieLinkGeneration(nvmlDevice_t device, unsigned int *currLinkGen) {
    return uintField(device, "pcieGeneration", currLinkGen);
}

nvmlReturn_t nvmlDeviceGetCurrPcieLinkWidth(nvmlDevice_t device, unsigned int *currLinkWidth) {
    return uintField(device, "pcieWidth", currLinkWidth);
}

nvmlReturn_t nvmlDeviceGetPowerManagementLimit(nvmlDevice_t device, unsigned int *limit) {
    return uintField(device, "powerLimitMilliwatts", limit);
}

nvmlReturn_t nvmlDeviceGetNvLinkState(nvmlDevice_t device, unsigned int link, nvmlEnableState_t *isActive) {
    nvmlReturn_t rc = check(device);
    if (rc) return rc;
    if (!isActive || link >= MAX_LINKS) return NVML_ERROR_INVALID_ARGUMENT;
    json_t *links = json_object_get(device->spec, "nvlinks");
    if (!links) return NVML_ERROR_NOT_SUPPORTED; /* consumer cards: no NVLink */
    *isActive = link < json_array_size(links) ? 1 : 0;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetNvLinkRemotePciInfo_v2(nvmlDevice_t device, unsigned int link, nvmlPciInfo_t *pci) {
    nvmlReturn_t rc = check(device);
    if (rc) return rc;
    if (!pci || link >= MAX_LINKS) return NVML_ERROR_INVALID_ARGUMENT;
    json_t *links = json_object_get(device->spec, "nvlinks");
    if (link >= json_array_size(links)) return NVML_ERROR_NOT_SUPPORTED;
    return fillPci(json_string_value(json_array_get(links, link)), pci);
}
