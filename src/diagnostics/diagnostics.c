/* diagnostics.c — hgnDiagnosticsCollect: runs the probes and assembles the report. */
#include "huginn/diagnostics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "diagnostics/cacheDisk.h"
#include "diagnostics/hostProbe.h"
#include "diagnostics/nvmlProbe.h"
#include "diagnostics/probeUtil.h"
#include "diagnostics/topology.h"
#include "huginn/version.h"

static const char *nvmlLibraryOf(const HgnDiagnosticsOptions *opts) {
    if (opts->nvmlLibrary) return opts->nvmlLibrary;
    const char *env = hgnDiagEnvGet(opts->environ, "HUGINN_NVML_LIBRARY");
    return env ? env : HGN_DIAGNOSTICS_NVML_DEFAULT;
}

/* RFC 3339 UTC time of the report; SOURCE_DATE_EPOCH makes it reproducible. */
static void reportTime(char *const *env, char out[32]) {
    const char *sde = hgnDiagEnvGet(env, "SOURCE_DATE_EPOCH");
    char *end = NULL;
    long long v = sde ? strtoll(sde, &end, 10) : 0;
    time_t t = sde && end && *end == '\0' && v >= 0 ? (time_t)v : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Report gpus[]: NVML's when it answered; else the GPUs hwloc sees in the
 * topology (memory from profiles), so a described machine still lists them. */
static void mergeGpus(HgnJsonBuild *jb, json_t *gpus, const json_t *topology) {
    json_t *topoGpus = json_object_get(topology, "gpus");
    size_t i;
    json_t *g;
    if (json_array_size(gpus) > 0) {
        json_array_foreach(gpus, i, g) {
            const char *bus = json_string_value(json_object_get(g, "pciBusId"));
            json_t *numa = json_null();
            size_t j;
            json_t *t;
            json_array_foreach(topoGpus, j, t) {
                const char *tb = json_string_value(json_object_get(t, "pciBusId"));
                if (bus && tb && strcmp(bus, tb) == 0) numa = json_incref(json_object_get(t, "numaNode"));
            }
            hgnJbSet(jb, g, "numaNode", numa ? numa : json_null());
        }
        return;
    }
    json_array_foreach(topoGpus, i, g) {
        json_t *o = hgnJbObject(jb);
        hgnJbSet(jb, o, "index", json_incref(json_object_get(g, "index")));
        hgnJbSet(jb, o, "name", json_incref(json_object_get(g, "name")));
        hgnJbSet(jb, o, "uuid", json_incref(json_object_get(g, "uuid")));
        hgnJbSet(jb, o, "pciBusId", json_incref(json_object_get(g, "pciBusId")));
        hgnJbSet(jb, o, "memoryTotalBytes", json_incref(json_object_get(g, "memoryBytes")));
        hgnJbSet(jb, o, "memoryFreeBytes", json_null());
        hgnJbSet(jb, o, "memoryUsedBytes", json_null());
        hgnJbSet(jb, o, "memorySource", json_incref(json_object_get(g, "memorySource")));
        hgnJbSet(jb, o, "computeCapability", json_null());
        hgnJbSet(jb, o, "numaNode", json_incref(json_object_get(g, "numaNode")));
        hgnJbSetStr(jb, o, "state", "ok");
        hgnJbSetStr(jb, o, "source", "hwloc");
        hgnJbAppend(jb, gpus, o);
    }
}

static int64_t sumInts(const json_t *array, const char *key) {
    int64_t total = 0;
    size_t i;
    json_t *o;
    json_array_foreach(array, i, o) {
        json_t *v = json_object_get(o, key);
        if (json_is_integer(v) && json_integer_value(v) > 0) total += json_integer_value(v);
    }
    return total;
}

/* A described machine (--topology-xml): CPUs and memory come from the XML,
 * not from this host; what the XML cannot say is null. */
static void describeFromTopology(HgnJsonBuild *jb, const json_t *topology, json_t *host, json_t *cpu, json_t *memory) {
    const json_t *packages = json_object_get(topology, "packages");
    const json_t *numa = json_object_get(topology, "numaNodes");
    const char *machine = json_string_value(json_object_get(topology, "machine"));
    if (machine) hgnJbSetStr(jb, host, "hostname", machine);
    hgnJbSetBool(jb, host, "described", true);
    json_object_clear(cpu);
    const char *model = json_string_value(json_object_get(json_array_get(packages, 0), "model"));
    hgnJbSetStr(jb, cpu, "vendor", NULL);
    hgnJbSetStr(jb, cpu, "model", model ? model : "unknown");
    hgnJbSetStr(jb, cpu, "architecture", NULL);
    hgnJbSetInt(jb, cpu, "sockets", (int64_t)json_array_size(packages));
    hgnJbSetInt(jb, cpu, "physicalCores", sumInts(packages, "cores"));
    hgnJbSetInt(jb, cpu, "logicalCores", sumInts(numa, "pus"));
    hgnJbSetInt(jb, cpu, "availableCores", sumInts(numa, "pus"));
    hgnJbSet(jb, cpu, "flags", hgnJbArray(jb));
    hgnJbSetStr(jb, cpu, "flagsSource", "none");
    json_object_clear(memory);
    int64_t total = sumInts(numa, "memoryBytes");
    hgnJbSetInt(jb, memory, "totalBytes", total);
    hgnJbSetInt(jb, memory, "availableBytes", total); /* an idle machine: all of it */
    hgnJbSetStr(jb, memory, "source", "topology");
}

static HgnStatus collect(const HgnDiagnosticsOptions *opts, bool topologyOnly, json_t **out) {
    *out = NULL;
    HgnDiagnosticsOptions none;
    memset(&none, 0, sizeof none);
    if (!opts) opts = &none;
    HgnJsonBuild jbs = {false}, *jb = &jbs;
    json_t *warnings = hgnJbArray(jb), *notes = hgnJbArray(jb);
    json_t *driver = hgnJbObject(jb), *gpus = hgnJbArray(jb);
    if (opts->topologyXml) /* GPUs of the described machine, not of this one */
    {
        hgnJbSetBool(jb, driver, "available", false);
        hgnJbSetStr(jb, driver, "library", NULL);
        hgnJbSetStr(jb, driver, "error", "not probed: the machine is described by an hwloc XML export");
    } else
        hgnNvmlProbe(jb, nvmlLibraryOf(opts), driver, gpus, warnings, notes);

    json_t *topology = NULL;
    HgnStatus st = jb->failed ? HGN_OK : hgnTopologyBuild(opts->topologyXml, gpus, &topology);
    if (st || jb->failed || topologyOnly) {
        json_decref(warnings);
        json_decref(notes);
        json_decref(driver);
        json_decref(gpus);
        if (!st && jb->failed) st = hgnStatusNew(HGN_CODE_OutOfMemory, "diagnostics", NULL, "out of memory");
        if (st) {
            json_decref(topology);
            return st;
        }
        *out = topology;
        return HGN_OK;
    }

    json_t *report = hgnJbObject(jb);
    hgnJbSetInt(jb, report, "formatVersion", 1);
    hgnJbSetStr(jb, report, "huginnVersion", HGN_VERSION);
    char when[32];
    reportTime(opts->environ, when);
    hgnJbSetStr(jb, report, "generatedAt", when);

    json_t *host = hgnJbObject(jb);
    hgnHostProbeOs(jb, host);
    hgnJbSet(jb, report, "host", host);
    json_t *cpu = hgnJbObject(jb);
    hgnHostProbeCpu(jb, opts->procRoot, opts->sysRoot, cpu);
    hgnJbSet(jb, report, "cpu", cpu);
    json_t *memory = hgnJbObject(jb);
    hgnHostProbeMemory(jb, opts->procRoot, opts->sysRoot, memory);
    hgnJbSet(jb, report, "memory", memory);
    if (opts->topologyXml) describeFromTopology(jb, topology, host, cpu, memory);

    char *cachePath = NULL;
    const char *cacheSource = NULL;
    st = hgnCacheRootResolve(opts->cacheRoot, opts->environ, &cachePath, &cacheSource);
    if (!st) {
        json_t *disk = hgnJbObject(jb);
        hgnCacheDiskProbe(jb, cachePath, cacheSource,
                          opts->minFreeBytes ? opts->minFreeBytes : HGN_DIAGNOSTICS_DEFAULT_MIN_FREE_BYTES,
                          opts->procRoot, disk, warnings);
        hgnJbSet(jb, report, "disk", disk);
    }
    hgnFree(cachePath);

    mergeGpus(jb, gpus, topology);
    hgnJbSet(jb, report, "gpuDriver", driver);
    hgnJbSet(jb, report, "gpus", gpus);
    hgnJbSet(jb, report, "topology", topology);
    if (opts->topologyXml)
        hgnJbAppend(jb, notes, json_sprintf("topology described from %s, not from this machine", opts->topologyXml));
    hgnJbSet(jb, report, "warnings", warnings);
    hgnJbSet(jb, report, "notes", notes);
    if (!st && jb->failed) st = hgnStatusNew(HGN_CODE_OutOfMemory, "diagnostics", NULL, "out of memory");
    if (st) {
        json_decref(report);
        return st;
    }
    *out = report;
    return HGN_OK;
}

HgnStatus hgnDiagnosticsCollect(const HgnDiagnosticsOptions *opts, json_t **report) {
    return collect(opts, false, report);
}

HgnStatus hgnDiagnosticsTopology(const HgnDiagnosticsOptions *opts, json_t **topology) {
    return collect(opts, true, topology);
}
