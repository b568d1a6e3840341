/* topology.h — the machine's topology as JSON: NUMA nodes (memory, cores),
 * the PCI tree, each GPU's NUMA node and PCIe path, NVLink/NVSwitch links,
 * and a pairwise host/GPU bandwidth and latency matrix whose entries say
 * where each figure comes from ("measured", "hwloc" or "profile"). */
#ifndef HGN_DIAGNOSTICS_TOPOLOGY_H
#define HGN_DIAGNOSTICS_TOPOLOGY_H

#include <jansson.h>

#include "huginn/status.h"

/* xmlPath NULL: this machine. nvmlGpus (borrowed, may be NULL): the GPUs NVML
 * reported, used for memory sizes and NVLink when hwloc lacks them, and —
 * for this machine only — for GPUs hwloc cannot see. OUT: *out, new object
 * with "topologyDigest" set. Errors as hgnTopologyOpen. */
HGN_NODISCARD HgnStatus hgnTopologyBuild(const char *xmlPath, const json_t *nvmlGpus, json_t **out);

#endif
