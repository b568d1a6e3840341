/* cmdDiagnose.c — `huginn diagnose`: describe this machine (or the one of an
 * hwloc XML export) and recommend the registry models that fit it. */
#include <stdio.h>

#include "cli/cliMachine.h"
#include "cli/cliOutput.h"
#include "cli/commands.h"
#include "core/alloc.h"
#include "core/strBuf.h"
#include "huginn/diagnostics.h"

enum { RECOMMEND_SHOWN = 10 };

static HgnStatus addRecommendations(const CliContext *ctx, json_t *report, HgnRecommendation **recs, size_t *count) {
    HgnRegistry *reg = NULL;
    HgnStatus st = hgnRegistryLoad(&reg);
    if (st) return st;
    HgnRecommendQuery q;
    uint64_t *gpuMemory = NULL;
    st = cliRecommend(ctx, report, reg, &q, &gpuMemory, recs, count);
    json_t *doc = NULL;
    if (!st) st = hgnRecommendationsToJson(&q, *recs, *count, &doc);
    if (!st) {
        json_t *list = json_object_get(doc, "recommendations");
        /* the report keeps the best few; `models list --fits --json` has them all */
        while (json_array_size(list) > RECOMMEND_SHOWN) json_array_remove(list, json_array_size(list) - 1);
        if (json_object_set(report, "recommendedModels", list))
            st = hgnStatusNew(HGN_CODE_OutOfMemory, "diagnose", NULL, "cannot attach the recommendations");
    }
    json_decref(doc);
    hgnFree(gpuMemory);
    /* recs borrow model specs from reg: keep reg alive by leaking nothing —
     * the specs are only read below for printing, so free after use. */
    if (st) {
        hgnRecommendationsFree(*recs);
        *recs = NULL;
        *count = 0;
    }
    hgnRegistryFree(reg);
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
    json_t *report = NULL;
    HgnStatus st = cliCollectDiagnostics(ctx, &report);
    if (st) return st;
    HgnRecommendation *recs = NULL;
    size_t count = 0;
    st = addRecommendations(ctx, report, &recs, &count);
    hgnRecommendationsFree(recs); /* the report holds their JSON rendering */
    if (st) {
        json_decref(report);
        return st;
    }
    if (ctx->json) return cliPrintJson(ctx, report);
    char *text = NULL;
    st = hgnDiagnosticsRenderText(report, ctx->colorOut, &text);
    if (!st && fputs(text, ctx->out) == EOF)
        st = hgnStatusNew(HGN_CODE_IoError, "stdout", NULL, "cannot write the report");
    hgnFree(text);
    if (!st) {
        fprintf(ctx->out, "\n%sRecommended models%s (best first; `huginn models list --fits` lists all)\n",
                cliStyle(ctx, ctx->out, CLI_BOLD), cliStyle(ctx, ctx->out, CLI_RESET));
        json_t *list = json_object_get(report, "recommendedModels");
        CliTable t;
        cliTableInit(&t, 5);
        const char *head[] = {"#", "model", "verdict", "precision", "why"};
        cliTableAdd(&t, head);
        size_t i;
        json_t *r;
        json_array_foreach(list, i, r) {
            char rank[24];
            snprintf(rank, sizeof rank, "%zu", i + 1);
            const char *row[] = {
                rank, json_string_value(json_object_get(r, "id")), json_string_value(json_object_get(r, "verdict")),
                json_string_value(json_object_get(r, "precision")), json_string_value(json_object_get(r, "reason"))};
            cliTableAdd(&t, row);
        }
        st = cliTablePrint(ctx, &t, ctx->out);
        cliTableFree(&t);
    }
    json_decref(report);
    return st;
}
