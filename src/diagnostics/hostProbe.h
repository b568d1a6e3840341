/* hostProbe.h — the host part of the diagnostics report: OS and kernel,
 * CPU (model, sockets, cores, ISA features from cpuid or /proc/cpuinfo) and
 * memory (/proc/meminfo, huge pages). Each probe fills a caller-made object;
 * unreadable sources leave fields null rather than failing. */
#ifndef HGN_DIAGNOSTICS_HOST_PROBE_H
#define HGN_DIAGNOSTICS_HOST_PROBE_H

#include <jansson.h>
#include <stdbool.h>

#include "diagnostics/probeUtil.h"

/* host: {hostname, os, kernel, kernelVersion, arch}. */
void hgnHostProbeOs(HgnJsonBuild *jb, json_t *host);
/* cpu: {vendor, model, architecture, sockets, physicalCores, logicalCores,
 * flags[], flagsSource}. procRoot/sysRoot default to /proc and /sys; cpuid is
 * used for flags only on x86 when procRoot is the real /proc. */
void hgnHostProbeCpu(HgnJsonBuild *jb, const char *procRoot, const char *sysRoot, json_t *cpu);
/* memory: {totalBytes, availableBytes, swapTotalBytes, swapFreeBytes,
 * hugePages{total, free, pageSizeBytes}, transparentHugePages}. */
void hgnHostProbeMemory(HgnJsonBuild *jb, const char *procRoot, const char *sysRoot, json_t *memory);

/* ISA features named in /proc/cpuinfo "flags"/"Features" text, appended to
 * flags in Huginn's canonical order and spelling (avx2, fma, f16c, avx512f,
 * avx512bw, avx512_vnni, avx512_bf16, amx_tile, amx_bf16, amx_int8; neon,
 * sve, sve2, dotprod, i8mm, bf16, fp16). */
void hgnCpuFlagsFromList(HgnJsonBuild *jb, const char *list, json_t *flags);

#endif
