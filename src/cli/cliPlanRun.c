/* cliPlanRun.c — `huginn plan MODEL …` and `huginn plan --check FILE`: loads
 * the model (registry spec or ONNX graph), the machine (hardware file, hwloc
 * XML or this host), builds the plan and writes plan.json. */
#include "cli/cliPlanRun.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cliMachine.h"
#include "cli/cliOutput.h"
#include "core/alloc.h"
#include "cli/cliPlanModel.h"
#include "cli/commands.h"
#include "huginn/calibrate.h"
#include "huginn/planRequest.h"
#include "huginn/planner.h"

HgnStatus cliPlanLoadMachine(CliContext *ctx, HgnMachine *m) {
    const HgnCliArgs *a = ctx->args;
    if (hgnCliArgsHas(a, "hardware")) return hgnMachineFromHardwareFile(hgnCliArgsString(a, "hardware", ""), m);
    json_t *report = NULL;
    HgnStatus st = cliCollectDiagnostics(ctx, &report);
    if (st) return st;
    st = hgnCliArgsHas(a, "topology-xml") ? hgnMachineFromTopology(json_object_get(report, "topology"), 0, m)
                                          : hgnMachineFromDiagnostics(report, m);
    json_decref(report);
    /* this host: the runtime's virtual CPU devices (runtime.devices) replace cpu:0 */
    const json_t *cpus = hgnConfigGet(ctx->config, "runtime.devices");
    if (!st && !hgnCliArgsHas(a, "topology-xml") && json_array_size(cpus) > 0) {
        size_t n = json_array_size(cpus);
        HgnMachineCpu *list = hgnCalloc(n, sizeof *list);
        if (!list) st = hgnStatusNew(HGN_CODE_OutOfMemory, "plan", NULL, "cannot allocate the CPU devices");
        for (size_t i = 0; list && i < n; i++) {
            const json_t *c = json_array_get(cpus, i);
            json_int_t mem = json_integer_value(json_object_get(c, "memoryBytes"));
            json_int_t th = json_integer_value(json_object_get(c, "threads"));
            list[i] = (HgnMachineCpu){json_string_value(json_object_get(c, "id")), mem > 0 ? (uint64_t)mem : 0,
                                      th > 0 ? (uint32_t)th : 0};
        }
        if (list) st = hgnMachineSetCpuDevices(m, list, n, "runtime.devices");
        hgnFree(list);
        if (st) hgnMachineFree(m);
    }
    /* this host: a `huginn calibrate` profile replaces the generic CPU figures */
    if (!st && !hgnCliArgsHas(a, "topology-xml")) {
        char *path = cliCalibrationPath(ctx->config);
        FILE *probe = path ? fopen(path, "rb") : NULL;
        if (probe) {
            fclose(probe);
            HgnCalibration c;
            st = hgnCalibrationLoad(path, &c);
            if (!st) hgnMachineApplyCalibration(m, &c);
            if (st) hgnMachineFree(m);
        }
        hgnFree(path);
    }
    return st;
}

static HgnStatus writeText(CliContext *ctx, const char *out, const char *text) {
    if (strcmp(out, "-") == 0) {
        fputs(text, ctx->out);
        return HGN_OK;
    }
    FILE *f = fopen(out, "wb");
    if (!f) return hgnStatusNew(HGN_CODE_IoError, out, "check the --out path", "cannot write `%s`", out);
    size_t n = strlen(text);
    bool ok = fwrite(text, 1, n, f) == n;
    ok = fclose(f) == 0 && ok;
    return ok ? HGN_OK : hgnStatusNew(HGN_CODE_IoError, out, NULL, "cannot write the plan");
}

/* OUT/plan.json → OUT/plan.summary.json (always) and OUT/plan.dot (--dot),
 * named after the plan: x.json → x.summary.json, x.dot. */
static HgnStatus writeArtefacts(CliContext *ctx, const HgnPlan *plan, const char *out, bool dot) {
    size_t n = strlen(out);
    size_t stem = n >= 5 && strcmp(out + n - 5, ".json") == 0 ? n - 5 : n;
    char *path = hgnMalloc(stem + 16);
    if (!path) return hgnStatusNew(HGN_CODE_OutOfMemory, "plan", NULL, "cannot name the artefacts");
    char *text = NULL;
    HgnStatus st = hgnPlanSummaryWriteJson(plan, &text);
    if (!st) {
        memcpy(path, out, stem);
        strcpy(path + stem, ".summary.json");
        st = writeText(ctx, path, text);
    }
    hgnFree(text);
    text = NULL;
    if (!st && dot) {
        st = hgnPlanWriteDot(plan, &text);
        memcpy(path, out, stem);
        strcpy(path + stem, ".dot");
        if (!st) st = writeText(ctx, path, text);
        hgnFree(text);
    }
    hgnFree(path);
    return st;
}

HgnStatus cliPlanRun(CliContext *ctx, const char *model, const char *format) {
    const HgnCliArgs *a = ctx->args;
    const HgnConfig *cfg = ctx->config;
    HgnPlanOptions opts = {0};
    opts.contextFixed = hgnCliArgsHas(a, "context");
    opts.batchFixed = hgnCliArgsHas(a, "batch");
    HgnPlanItems items;
    hgnPlanItemsInit(&items);
    HgnMachine machine = {0};
    HgnPlan *plan = NULL;
    HgnPlanReserve *res = NULL;
    char *text = NULL;
    HgnPlanQuantConfig qc = {0};
    HgnStatus st = HGN_OK;
    bool hasQc = hgnCliArgsHas(a, "quant-config");
    if (hasQc) st = hgnPlanQuantConfigLoad(hgnCliArgsString(a, "quant-config", ""), &qc);
    if (!st) st = cliPlanLoadItems(model, format, hasQc ? &qc : NULL, &items);
    if (!st) st = cliPlanLoadMachine(ctx, &machine);
    if (!st) {
        /* reservations: planner.reserveBytes for every device, planner.reserve."gpu:0" per device, then
         * --reserve (later entries win) */
        size_t nRes = hgnCliArgsCount(a, "reserve");
        bool contextFixed = opts.contextFixed, batchFixed = opts.batchFixed;
        st = hgnPlanOptionsFromConfig(cfg, &machine, nRes, &opts, &res);
        opts.contextFixed = contextFixed;
        opts.batchFixed = batchFixed;
        for (size_t i = 0; !st && i < nRes; i++) {
            const HgnCliArg *r = hgnCliArgsAt(a, "reserve", i);
            res[opts.nReserves++] = (HgnPlanReserve){r->device, r->size};
        }
    }
    if (!st && items.isLlm && items.maxContext && !opts.contextFixed && opts.context > items.maxContext)
        opts.context = items.maxContext;
    if (!st) st = hgnPlanCreate(&items, &machine, &opts, &plan);
    const char *out = hgnCliArgsString(a, "out", "-");
    /* to stdout, --dot prints the graph instead of the JSON */
    if (!st && strcmp(out, "-") == 0 && hgnCliArgsHas(a, "dot"))
        st = hgnPlanWriteDot(plan, &text);
    else if (!st)
        st = hgnPlanWriteJson(plan, &text);
    if (!st) st = writeText(ctx, out, text);
    if (!st && strcmp(out, "-") != 0) st = writeArtefacts(ctx, plan, out, hgnCliArgsHas(a, "dot"));
    if (!st && strcmp(out, "-") != 0) {
        if (ctx->json) {
            st = cliPrintJson(ctx,
                              json_pack("{s:s, s:b, s:I, s:I, s:f, s:f, s:f}", "plan", out, "fits", plan->fits,
                                        "context", (json_int_t)plan->context, "batch", (json_int_t)plan->batch,
                                        "decodeTokensPerSecond", plan->decodeTokensPerSecond, "prefillTokensPerSecond",
                                        plan->prefillTokensPerSecond, "decodeLatencyMs", plan->decodeLatencyMs));
        } else {
            size_t used = 0;
            for (size_t d = 0; d < plan->nDevices; d++) used += plan->devices[d].firstNode >= 0;
            fprintf(ctx->out, "%s: %zu nodes on %zu device%s, context %llu, batch %llu, %.1f tokens/s decode%s\n", out,
                    plan->nNodes, used, used == 1 ? "" : "s", (unsigned long long)plan->context,
                    (unsigned long long)plan->batch, plan->decodeTokensPerSecond,
                    plan->spilledBytes ? " (weights spill to disk)" : "");
        }
    }
    hgnFree(text);
    hgnPlanFree(plan);
    hgnMachineFree(&machine);
    hgnPlanItemsFree(&items);
    hgnFree(res);
    hgnPlanQuantConfigFree(&qc);
    return st;
}

HgnStatus cliPlanCheck(CliContext *ctx, const char *path) {
    HgnPlan *plan = NULL;
    HgnStatus st = hgnPlanReadFile(path, &plan);
    if (st) return st;
    if (ctx->json)
        st = cliPrintJson(ctx, json_pack("{s:s, s:b, s:I, s:I}", "plan", path, "valid", 1, "nodes",
                                         (json_int_t)plan->nNodes, "devices", (json_int_t)plan->nDevices));
    else
        fprintf(ctx->out, "%s: valid plan (%zu nodes, %zu devices)\n", path, plan->nNodes, plan->nDevices);
    hgnPlanFree(plan);
    return st;
}

HgnStatus cliPlanDiff(CliContext *ctx, const char *pathA, const char *pathB) {
    HgnPlan *a = NULL, *b = NULL;
    json_t *diff = NULL;
    HgnStatus st = hgnPlanReadFile(pathA, &a);
    if (!st) st = hgnPlanReadFile(pathB, &b);
    if (!st) st = hgnPlanDiff(a, b, &diff);
    if (!st && ctx->json) {
        st = cliPrintJson(ctx, json_pack("{s:s, s:s, s:b, s:O}", "a", pathA, "b", pathB, "same",
                                         json_array_size(diff) == 0, "differences", diff));
    } else if (!st) {
        if (json_array_size(diff) == 0)
            fprintf(ctx->out, "%s and %s are the same plan (creation time and version aside)\n", pathA, pathB);
        else
            fprintf(ctx->out, "%zu difference%s between %s (a) and %s (b):\n", json_array_size(diff),
                    json_array_size(diff) == 1 ? "" : "s", pathA, pathB);
        size_t i;
        json_t *d;
        json_array_foreach(diff, i, d) {
            char *va = json_dumps(json_object_get(d, "a"), JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(6));
            char *vb = json_dumps(json_object_get(d, "b"), JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(6));
            json_t *delta = json_object_get(d, "delta");
            char dbuf[48] = "";
            if (json_is_integer(delta))
                snprintf(dbuf, sizeof dbuf, " (%+lld)", (long long)json_integer_value(delta));
            else if (json_is_string(delta))
                snprintf(dbuf, sizeof dbuf, " (%s)", json_string_value(delta));
            fprintf(ctx->out, "  %-10s %s: %s -> %s%s\n", json_string_value(json_object_get(d, "kind")),
                    json_string_value(json_object_get(d, "path")), va ? va : "?", vb ? vb : "?", dbuf);
            free(va);
            free(vb);
        }
    }
    json_decref(diff);
    hgnPlanFree(a);
    hgnPlanFree(b);
    return st;
}
