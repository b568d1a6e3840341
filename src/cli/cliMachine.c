/* cliMachine.c — diagnostics report and recommendations for the CLI (see cliMachine.h). */
#include "cli/cliMachine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cliOutput.h"
#include "cliparse/cliValue.h"
#include "core/alloc.h"
#include "huginn/diagnostics.h"

HgnStatus cliCollectDiagnostics(const CliContext *ctx, json_t **report) {
    const HgnCliArgs *a = ctx->args;
    HgnDiagnosticsOptions opts = {0};
    opts.topologyXml = hgnCliArgsString(a, "topology-xml", NULL);
    opts.nvmlLibrary = hgnCliArgsString(a, "nvml-library", NULL);
    if (ctx->config) {
        /* flag > HUGINN_NVML_LIBRARY (read by diagnostics) > configured value */
        const char *env = getenv("HUGINN_NVML_LIBRARY");
        if (!opts.nvmlLibrary && !(env && env[0])) {
            const char *lib = hgnConfigGetString(ctx->config, "diagnostics.nvmlLibrary", "");
            if (lib[0]) opts.nvmlLibrary = lib;
        }
        const char *root = hgnConfigGetString(ctx->config, "cache.root", "");
        if (root[0]) opts.cacheRoot = root;
        int64_t minFree = hgnConfigGetInt(ctx->config, "cache.minFreeBytes", 0);
        if (minFree > 0) opts.minFreeBytes = (uint64_t)minFree;
    }
    return hgnDiagnosticsCollect(&opts, report);
}

static uint64_t jsonBytes(const json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

HgnStatus cliRecommend(const CliContext *ctx, const json_t *report, const HgnRegistry *reg, HgnRecommendQuery *query,
                       uint64_t **gpuMemory, HgnRecommendation **recs, size_t *count) {
    const HgnCliArgs *a = ctx->args;
    memset(query, 0, sizeof *query);
    *gpuMemory = NULL;
    json_t *gpus = json_object_get(report, "gpus");
    size_t nGpus = json_array_size(gpus);
    uint64_t *mem = hgnCalloc(nGpus ? nGpus : 1, sizeof *mem);
    if (!mem) return hgnStatusNew(HGN_CODE_OutOfMemory, "recommendations", NULL, "cannot list GPU memory");
    size_t n = 0;
    for (size_t i = 0; i < nGpus; i++) {
        json_t *g = json_array_get(gpus, i);
        const char *state = json_string_value(json_object_get(g, "state"));
        if (state && strcmp(state, "ok") != 0) continue; /* a lost GPU holds nothing */
        uint64_t free = jsonBytes(g, "memoryFreeBytes");
        if (!free) free = jsonBytes(g, "memoryTotalBytes");
        if (free) mem[n++] = free;
    }
    query->gpuMemoryBytes = mem;
    query->nGpus = n;
    query->hostRamBytes = jsonBytes(json_object_get(report, "memory"), "availableBytes");
    query->contextTokens = (uint64_t)hgnCliArgsInt(a, "context", 0);
    if (!query->contextTokens && ctx->config)
        query->contextTokens = (uint64_t)hgnConfigGetInt(ctx->config, "planner.contextLength", 4096);
    const char *quant = hgnCliArgsString(a, "quant", "auto");
    query->quant = strcmp(quant, "fp16") == 0   ? HGN_QUANT_PREFER_FP16
                   : strcmp(quant, "int8") == 0 ? HGN_QUANT_PREFER_INT8
                   : strcmp(quant, "int4") == 0 ? HGN_QUANT_PREFER_INT4
                                                : HGN_QUANT_PREFER_AUTO;
    const char *prefer = hgnCliArgsString(a, "prefer", "balanced");
    query->perf = strcmp(prefer, "latency") == 0      ? HGN_PREFER_LATENCY
                  : strcmp(prefer, "throughput") == 0 ? HGN_PREFER_THROUGHPUT
                                                      : HGN_PREFER_BALANCED;
    HgnStatus st = hgnRecommend(reg, query, recs, count);
    if (st) {
        hgnFree(mem);
        query->gpuMemoryBytes = NULL;
        return st;
    }
    *gpuMemory = mem;
    return HGN_OK;
}

HgnStatus cliPrintRecommendations(const CliContext *ctx, const HgnRecommendation *recs, size_t count, size_t limit) {
    CliTable t;
    cliTableInit(&t, 6);
    const char *head[] = {"#", "model", "verdict", "precision", "needs", "why"};
    cliTableAdd(&t, head);
    for (size_t i = 0; i < count && i < limit; i++) {
        const HgnRecommendation *r = &recs[i];
        char rank[24], need[32];
        snprintf(rank, sizeof rank, "%zu", i + 1);
        hgnCliFormatSize(r->need.totalBytes, need, sizeof need);
        const char *row[] = {rank, r->model->id, hgnFitVerdictName(r->verdict), hgnPrecisionName(r->precision),
                             need, r->reason};
        cliTableAdd(&t, row);
    }
    HgnStatus st = cliTablePrint(ctx, &t, ctx->out);
    cliTableFree(&t);
    return st;
}
