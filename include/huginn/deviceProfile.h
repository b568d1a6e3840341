/* deviceProfile.h — device profiles: the published figures of GPU and CPU
 * models (memory, bandwidth, peak FLOP/s per dtype, links) kept as data in
 * registry/devices.json (compiled in) and used by diagnostics (GPU memory
 * when no driver answers) and by the planner's cost model. */
#ifndef HUGINN_DEVICE_PROFILE_H
#define HUGINN_DEVICE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum HgnDeviceKind { HGN_DEVICE_GPU, HGN_DEVICE_CPU } HgnDeviceKind;

typedef struct HgnDeviceProfile {
    const char *id;              /* "rtx-4090", "h100-sxm", "cpu-avx2" */
    const char *name;            /* "NVIDIA GeForce RTX 4090" */
    HgnDeviceKind kind;
    uint64_t memoryBytes;        /* 0 for CPU profiles (host RAM is measured) */
    double memoryBandwidth;      /* bytes/s */
    double peakFlopsFp32;        /* FLOP/s, dense */
    double peakFlopsFp16;
    double peakFlopsBf16;
    double peakFlopsInt8;        /* OP/s */
    double peakFlopsFp8;         /* 0 when unsupported */
    int pcieGen, pcieWidth;      /* host link */
    double nvlinkBandwidth;      /* bytes/s per direction, all links; 0 if none */
    double launchOverheadSec;    /* fixed cost per kernel launch */
    const char *computeCapability; /* "8.9"; NULL for CPUs */
    const char *source;          /* where the figures come from */
} HgnDeviceProfile;

/* Loads the compiled-in table once (thread-safe); validation failures are
 * HGN-0001 naming the entry. */
HGN_NODISCARD HgnStatus hgnDeviceProfilesLoad(void);
/* Number of profiles and access by index (NULL past the end). */
size_t hgnDeviceProfileCount(void);
const HgnDeviceProfile *hgnDeviceProfileAt(size_t index);
/* By id ("rtx-4090"). NULL when unknown. */
const HgnDeviceProfile *hgnDeviceProfileById(const char *id);
/* Best match for a marketing/NVML name such as "NVIDIA GeForce RTX 4090" or
 * "Tesla V100-SXM3-32GB" (case-insensitive, memory size disambiguates when
 * memoryBytes > 0). NULL when nothing matches. */
const HgnDeviceProfile *hgnDeviceProfileMatch(const char *name, uint64_t memoryBytes);

#ifdef __cplusplus
}
#endif
#endif
