/* diagnostics.h — what this machine is: OS, CPU, memory, cache disk, GPUs
 * (NVML loaded at run time) and the hardware topology (hwloc), as one JSON
 * report (schemas/diagnostics.schema.json) and as aligned text tables.
 *
 * Nothing here needs a GPU driver: without NVML the report is still complete
 * and says what was looked for. The report's "topology" object carries a
 * stable "topologyDigest" (SHA-256 of its canonical JSON) that plans record. */
#ifndef HUGINN_DIAGNOSTICS_H
#define HUGINN_DIAGNOSTICS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Free space below this at the cache root gives a "lowDiskSpace" warning. */
#define HGN_DIAGNOSTICS_DEFAULT_MIN_FREE_BYTES (20ull * 1024 * 1024 * 1024)
/* The NVML library opened when neither the option nor HUGINN_NVML_LIBRARY names one. */
#define HGN_DIAGNOSTICS_NVML_DEFAULT "libnvidia-ml.so.1"

typedef struct HgnDiagnosticsOptions {
    const char *nvmlLibrary; /* NULL: $HUGINN_NVML_LIBRARY, else HGN_DIAGNOSTICS_NVML_DEFAULT; "" skips NVML */
    const char *topologyXml; /* hwloc XML to describe instead of this machine (NULL: this machine) */
    const char *cacheRoot;   /* config cache.root; NULL: HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, HF_HOME/hub,
                                XDG_CACHE_HOME/huggingface/hub, ~/.cache/huggingface/hub */
    char *const *environ;    /* environment to read (NULL: the process environment) */
    uint64_t minFreeBytes;   /* 0: HGN_DIAGNOSTICS_DEFAULT_MIN_FREE_BYTES */
    const char *procRoot;    /* NULL: "/proc" (tests point it at fixture files) */
    const char *sysRoot;     /* NULL: "/sys" */
} HgnDiagnosticsOptions;

/* Probes the machine and builds the report (OUT: *report, a new reference).
 * opts may be NULL. A missing driver, a lost GPU or a full disk are reported
 * inside the document (gpuDriver, gpus[].state, warnings[]), not as errors.
 * Errors: HGN-0201 TopologyInvalid (topologyXml malformed, naming the file),
 * HGN-0014 NotFound (topologyXml missing), HGN-0012 OutOfMemory. */
HGN_NODISCARD HgnStatus hgnDiagnosticsCollect(const HgnDiagnosticsOptions *opts, json_t **report);

/* The topology part alone (same object as report.topology): hwloc from
 * topologyXml or this machine, GPU memory from NVML when it answers. */
HGN_NODISCARD HgnStatus hgnDiagnosticsTopology(const HgnDiagnosticsOptions *opts, json_t **topology);

/* SHA-256 (lowercase hex, 64 chars + NUL into hex) of the canonical JSON
 * (sorted keys, compact) of topology without its "topologyDigest" and
 * "source" members. HGN-0015 InvalidArgument when topology is not an object. */
HGN_NODISCARD HgnStatus hgnTopologyDigest(const json_t *topology, char hex[65]);

/* Renders a report as aligned text tables (host, CPU, memory, disk, GPUs,
 * topology summary, warnings); ANSI colours when color. OUT: *out, free with
 * hgnFree (src/core/alloc.h). Missing members print as "-". */
HGN_NODISCARD HgnStatus hgnDiagnosticsRenderText(const json_t *report, bool color, char **out);

/* Call first thing in main(), before any thread starts (it sets an environment variable unless the
 * user set it): keeps hwloc's OpenCL and GL plugins from loading. Huginn reads GPUs from NVML and the
 * PCI tree; those plugins would load the OpenCL ICD loader (which may start a GPU driver context) or
 * reach for an X display, for nothing Huginn uses. */
void hgnDiagnosticsProcessInit(void);

#ifdef __cplusplus
}
#endif
#endif
