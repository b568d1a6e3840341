/* cliPlanModel.c — MODEL → plan items (see cliPlanModel.h): registry specs,
 * ONNX graphs, and local LLMs through hgnLlmGraphFrom* and
 * hgnPlanItemsFromLlmGraph. */
#include "cli/cliPlanModel.h"

#include <string.h>

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

HgnStatus cliPlanLoadItems(const char *model, const char *format, const HgnPlanQuantConfig *qc, HgnPlanItems *items) {
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
