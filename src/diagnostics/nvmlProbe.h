/* nvmlProbe.h — GPUs through NVIDIA's NVML, opened with dlopen at run time
 * so that Huginn neither links against nor needs the driver. A missing
 * library or driver is a finding (driver.available = false, with what was
 * looked for), never an error; a GPU whose queries answer
 * NVML_ERROR_GPU_IS_LOST is listed with state "lost". */
#ifndef HGN_DIAGNOSTICS_NVML_PROBE_H
#define HGN_DIAGNOSTICS_NVML_PROBE_H

#include <jansson.h>

#include "diagnostics/probeUtil.h"

/* library: path or soname to dlopen (never NULL; "" means "do not probe").
 * Fills driver {available, library, nvidiaDriverVersion, cudaDriverVersion,
 * cudaDriverVersionInt, error} and appends one object per GPU to gpus
 * {index, name, uuid, pciBusId, memoryTotalBytes, memoryFreeBytes,
 * memoryUsedBytes, memorySource, computeCapability, pcieGeneration,
 * pcieWidth, powerLimitWatts, nvlink{activeLinks, links[], peers[],
 * switches[]}, state, error, source}. Warnings for lost GPUs; notes say
 * what was looked for when NVML is absent. */
void hgnNvmlProbe(HgnJsonBuild *jb, const char *library, json_t *driver, json_t *gpus, json_t *warnings, json_t *notes);

#endif
