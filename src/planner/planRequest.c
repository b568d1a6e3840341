/* planRequest.c — a planning request's inputs (see huginn/planRequest.h):
 * MODEL → plan items (registry specs, ONNX graphs, and local LLMs through
 * hgnLlmGraphFrom* and hgnPlanItemsFromLlmGraph) and this host's machine
 * from a diagnostics report. `huginn plan` and huginnd's POST /v1/plans
 * both call these. */
#include "huginn/planRequest.h"

#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "huginn/gguf.h"
#include "huginn/hfModel.h"
#include "huginn/llmGraph.h"
#include "huginn/onnx.h"
#include "huginn/registry.h"

static HgnStatus fromRegistry(const char *model, const HgnPlanQuantConfig *qc, HgnPlanItems *items) {
    HgnRegistry *reg = NULL;
    HgnStatus st = hgnRegistryLoad(&reg);
    if (st) return st;
    const HgnModelSpec *spec = hgnRegistryFind(reg, model);
    if (!spec) {
        hgnRegistryFree(reg);
        return hgnStatusNew(HGN_CODE_NotFound, "MODEL", "give a model file, or a registry id from `huginn models list`",
                            "`%s` is neither a file nor a registry model", model);
    }
    HgnWeightQuant q = {.format = spec->nativeDtype};
    if (qc && qc->hasDefault) q.format = qc->weightsDefault;
    st = hgnPlanItemsFromSpec(spec, q, qc && qc->hasKv ? qc->kvFormat : HGN_WEIGHTS_F16, items);
    hgnRegistryFree(reg);
    return st;
}

/* Replaces the names the graph gave with the file's. */
static HgnStatus label(HgnPlanItems *items, const char *source, const char *path, const char *name) {
    const char *slash = strrchr(path, '/');
    const char *base = slash && slash[1] ? slash + 1 : path;
    hgnFree(items->modelId);
    hgnFree(items->modelName);
    hgnFree(items->modelSource);
    hgnFree(items->modelPath);
    items->modelId = hgnStrdup(base);
    items->modelName = hgnStrdup(name && *name ? name : base);
    items->modelSource = hgnStrdup(source);
    items->modelPath = hgnStrdup(path);
    if (!items->modelId || !items->modelName || !items->modelSource || !items->modelPath)
        return hgnStatusNew(HGN_CODE_OutOfMemory, "plan", NULL, "cannot copy the model names");
    return HGN_OK;
}

static HgnStatus fromGguf(const HgnGgufFile *f, const char *path, const HgnPlanQuantConfig *qc, HgnPlanItems *items) {
    HgnLlmSpec spec;
    HgnGraph *g = NULL;
    HgnStatus st = hgnLlmSpecFromGguf(f, &spec);
    if (!st) st = hgnLlmGraphFromGguf(f, &g);
    if (!st) st = hgnPlanItemsFromLlmGraph(g, spec.contextLength > 0 ? (uint64_t)spec.contextLength : 0, qc, items);
    hgnGraphFree(g);
    char name[256] = "";
    HgnGgufString s;
    if (!st && hgnGgufFind(f, "general.name")) {
        HgnStatus ns = hgnGgufGetString(f, "general.name", &s);
        if (!ns && s.len < sizeof name) {
            memcpy(name, s.ptr, (size_t)s.len);
            name[s.len] = '\0';
        }
        hgnStatusFree(ns);
    }
    if (!st) st = label(items, "gguf", path, name);
    return st;
}

static HgnStatus fromFolder(const char *dir, const char *weightsPath, const HgnPlanQuantConfig *qc,
                            HgnPlanItems *items) {
    HgnHfModel *m = NULL;
    HgnStatus st = hgnHfModelOpen(dir, &m);
    if (st) return st;
    if (hgnHfModelGguf(m)) {
        st = fromGguf(hgnHfModelGguf(m), hgnHfModelWeightsPath(m), qc, items);
        hgnHfModelClose(m);
        return st;
    }
    const HgnHfConfig *cfg = hgnHfModelConfig(m);
    HgnLlmSpec spec;
    HgnGraph *g = NULL;
    st = hgnLlmSpecFromHfConfig(cfg, &spec);
    if (!st) st = hgnLlmGraphFromHfModel(m, &g);
    if (!st) st = hgnPlanItemsFromLlmGraph(g, spec.contextLength > 0 ? (uint64_t)spec.contextLength : 0, qc, items);
    hgnGraphFree(g);
    const char *name = cfg && cfg->nArchitectures ? cfg->architectures[0] : NULL;
    if (!st) st = label(items, "safetensors", weightsPath ? weightsPath : hgnHfModelWeightsPath(m), name);
    hgnHfModelClose(m);
    return st;
}

HgnStatus hgnPlanItemsLoad(const char *model, const char *format, const HgnPlanQuantConfig *qc, HgnPlanItems *items) {
    hgnPlanItemsInit(items);
    if (strcmp(format, "registry") == 0) return fromRegistry(model, qc, items);
    if (strcmp(format, "onnx") == 0) {
        HgnGraph *g = NULL;
        HgnStatus st = hgnOnnxImport(model, &g);
        if (!st) st = hgnPlanItemsFromGraph(g, items);
        hgnGraphFree(g);
        return st;
    }
    if (strcmp(format, "gguf") == 0) {
        HgnGgufFile *f = NULL;
        HgnStatus st = hgnGgufOpen(model, &f);
        if (!st) st = fromGguf(f, model, qc, items);
        hgnGgufClose(f);
        return st;
    }
    if (strcmp(format, "safetensors") == 0 || strcmp(format, "safetensors-index") == 0) {
        /* config.json lies beside the weights */
        char *dir = hgnStrdup(model);
        if (!dir) return hgnStatusNew(HGN_CODE_OutOfMemory, "plan", NULL, "cannot copy the model path");
        char *slash = strrchr(dir, '/');
        if (slash == dir)
            slash[1] = '\0';
        else if (slash)
            *slash = '\0';
        else
            strcpy(dir, ".");
        HgnStatus st = fromFolder(dir, model, qc, items);
        hgnFree(dir);
        return st;
    }
    return fromFolder(model, NULL, qc, items);
}

HgnStatus hgnPlanItemsLoadModel(const char *model, const char *what, const HgnPlanQuantConfig *qc,
                                HgnPlanItems *items) {
    hgnPlanItemsInit(items);
    const char *format = "registry";
    struct stat sb;
    if (stat(model, &sb) == 0) {
        HgnStatus st = hgnModelDetect(model, what, &format);
        if (st) return st;
    }
    return hgnPlanItemsLoad(model, format, qc, items);
}

#define NOMINAL_DISK_READ_BPS 2e9 /* NVMe sequential read assumed for the live cache disk */

HgnStatus hgnMachineFromDiagnostics(const json_t *report, HgnMachine *m) {
    HgnStatus st = hgnMachineFromTopology(json_object_get(report, "topology"), 0, m);
    if (st) return st;
    /* this host: its cache disk takes spilled weights */
    json_t *free = json_object_get(json_object_get(report, "disk"), "freeBytes");
    if (json_is_integer(free) && json_integer_value(free) > 0) {
        m->diskBytes = (uint64_t)json_integer_value(free);
        m->diskBandwidth = NOMINAL_DISK_READ_BPS;
    }
    return HGN_OK;
}

HgnStatus hgnPlanOptionsFromConfig(const HgnConfig *cfg, const HgnMachine *m, size_t extra, HgnPlanOptions *opts,
                                   HgnPlanReserve **reserves) {
    *reserves = NULL;
    *opts = (HgnPlanOptions){0};
    if (!hgnPlanPolicyFromName(hgnConfigGetString(cfg, "planner.policy", "balanced"), &opts->policy) ||
        !hgnPlanObjectiveFromName(hgnConfigGetString(cfg, "planner.objective", "latency"), &opts->objective))
        return hgnStatusNew(HGN_CODE_InvalidConfig, "planner.policy", NULL, "unknown planner policy or objective");
    opts->context = (uint64_t)hgnConfigGetInt(cfg, "planner.contextLength", 4096);
    opts->batch = (uint64_t)hgnConfigGetInt(cfg, "planner.batchSize", 1);
    HgnPlanReserve *res = hgnCalloc(m->count + extra + 1, sizeof *res);
    if (!res) return hgnStatusNew(HGN_CODE_OutOfMemory, "plan", NULL, "cannot allocate reservations");
    int64_t all = hgnConfigGetInt(cfg, "planner.reserveBytes", 0);
    const json_t *perDevice = hgnConfigGet(cfg, "planner.reserve");
    for (size_t d = 0; d < m->count; d++) {
        json_t *v = json_object_get(perDevice, m->devices[d].id);
        int64_t bytes = json_is_integer(v) ? json_integer_value(v) : all;
        res[opts->nReserves++] = (HgnPlanReserve){m->devices[d].id, bytes > 0 ? (uint64_t)bytes : 0};
    }
    opts->reserves = res;
    *reserves = res;
    return HGN_OK;
}
