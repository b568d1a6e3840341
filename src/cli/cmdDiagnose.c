/* cmdDiagnose.c — `huginn diagnose`: describe this machine. Until the
 * diagnostics module is wired in, the real run prints a portable host summary
 * (uname, online CPUs, MemTotal). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cli/cliOutput.h"
#include "cli/commands.h"
#include "cliparse/cliValue.h"
#include "core/strBuf.h"

/* MemTotal from /proc/meminfo, else physical pages × page size; 0 when unknown. */
static uint64_t totalMemory(void) {
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        char line[256];
        unsigned long long kib = 0;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "MemTotal: %llu kB", &kib) == 1) break;
        fclose(f);
        if (kib) return (uint64_t)kib * 1024;
    }
    long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
    return pages > 0 && pageSize > 0 ? (uint64_t)pages * (uint64_t)pageSize : 0;
}

static HgnStatus hostSummary(const CliContext *ctx) {
    struct utsname u;
    if (uname(&u) != 0)
        return hgnStatusNew(HGN_CODE_DeviceQueryFailed, "uname", NULL, "cannot read the operating system name");
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    uint64_t mem = totalMemory();
    if (ctx->json) {
        json_t *doc = json_pack("{s:{s:s, s:s, s:s, s:s}, s:{s:i}, s:{s:I}, s:{s:s}}", "host", "hostname", u.nodename,
                                "os", u.sysname, "kernel", u.release, "arch", u.machine, "cpu", "logicalCores",
                                (int)(cpus > 0 ? cpus : 0), "memory", "totalBytes", (json_int_t)mem, "gpus", "status",
                                "not probed: NVML support arrives with the diagnostics module");
        return cliPrintJson(ctx, doc);
    }
    char memText[32], osText[256], cpuText[32];
    snprintf(osText, sizeof osText, "%.60s %.100s %.60s", u.sysname, u.release, u.machine);
    snprintf(cpuText, sizeof cpuText, "%ld online", cpus > 0 ? cpus : 0L);
    hgnCliFormatSize(mem, memText, sizeof memText);
    CliTable t;
    cliTableInit(&t, 2);
    t.header = false;
    const char *rows[][2] = {{"host", u.nodename},
                             {"os", osText},
                             {"cpus", cpuText},
                             {"memory", mem ? memText : "unknown"},
                             {"gpus", "not probed (NVML support arrives with the diagnostics module)"}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) cliTableAdd(&t, rows[i]);
    HgnStatus st = cliTablePrint(ctx, &t, ctx->out);
    cliTableFree(&t);
    return st;
}

HgnStatus cmdDiagnose(CliContext *ctx) {
    const HgnCliArgs *a = ctx->args;
    const char *topology = hgnCliArgsString(a, "topology-xml", NULL);
    const char *nvml = hgnCliArgsString(a, "nvml-library", NULL);
    if (ctx->dryRun) {
        HgnBuf action;
        hgnBufInit(&action);
        if (topology)
            hgnBufAppendf(&action, "read the machine topology from the hwloc XML `%s`", topology);
        else
            hgnBufAppendf(&action, "probe this host (CPUs, memory, disks, topology through hwloc)");
        hgnBufAppendf(&action, " and query GPUs through NVML loaded from `%s`", nvml ? nvml : "libnvidia-ml.so.1");
        HgnStatus st = cliDryRun(ctx, hgnBufStr(&action));
        hgnBufFree(&action);
        return st;
    }
    if (topology) return cliNotBuilt(ctx, "topology import from hwloc XML (--topology-xml)");
    if (nvml) return cliNotBuilt(ctx, "GPU probing through NVML (--nvml-library)");
    return hostSummary(ctx);
}
