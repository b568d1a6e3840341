/* planItems.c — the planner's input: a chain of costed items built from a
 * registry model spec (decoder-only LLM, layer by layer through the cost
 * model's memory formulas) or from an IR graph (node by node, bytes and
 * FLOPs from shapes, cut sizes from value lifetimes). */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/planner.h"

void hgnPlanItemsInit(HgnPlanItems *items) { memset(items, 0, sizeof *items); }

static void itemFree(HgnPlanItem *it) {
    hgnFree(it->name);
    hgnFree(it->op);
    hgnFree(it->mustRunOn);
    hgnFree(it->preferredDevice);
    hgnFree(it->colocationGroup);
    hgnFree(it->antiAffinitySet);
    for (size_t i = 0; i < it->nGraphNodes; i++) hgnFree(it->graphNodes[i]);
    hgnFree(it->graphNodes);
}

void hgnPlanItemsFree(HgnPlanItems *items) {
    if (!items) return;
    for (size_t i = 0; i < items->count; i++) itemFree(&items->items[i]);
    hgnFree(items->items);
    hgnFree(items->edges);
    hgnFree(items->modelId);
    hgnFree(items->modelName);
    hgnFree(items->modelSource);
    hgnFree(items->modelPath);
    hgnFree(items->graphDigest);
    memset(items, 0, sizeof *items);
}

static HgnStatus oom(const char *what) {
    return hgnStatusNew(HGN_CODE_OutOfMemory, "planner", NULL, "cannot allocate %s", what);
}

HgnStatus hgnPlanItemsAppend(HgnPlanItems *items, const char *name, const char *op, HgnPlanItem **pItem) {
    *pItem = NULL;
    if ((items->count & (items->count - 1)) == 0) {
        size_t cap = items->count ? items->count * 2 : 8;
        HgnPlanItem *n = hgnRealloc(items->items, cap * sizeof *n);
        if (!n) return oom("plan items");
        items->items = n;
    }
    HgnPlanItem *it = &items->items[items->count];
    memset(it, 0, sizeof *it);
    it->name = hgnStrdup(name ? name : "");
    it->op = hgnStrdup(op ? op : "");
    if (!it->name || !it->op) {
        itemFree(it);
        return oom("a plan item name");
    }
    it->layer = -1;
    it->kernels = 1;
    it->computeDtype = HGN_WEIGHTS_F32;
    items->count++;
    *pItem = it;
    return HGN_OK;
}

/* ---- registry spec -------------------------------------------------------------- */

static HgnWeightFormat computeDtypeFor(HgnWeightQuant q) {
    switch (q.format) {
    case HGN_WEIGHTS_F32:
        return HGN_WEIGHTS_F32;
    case HGN_WEIGHTS_BF16:
        return HGN_WEIGHTS_BF16;
    case HGN_WEIGHTS_FP8:
        return HGN_WEIGHTS_FP8;
    case HGN_WEIGHTS_INT8:
    case HGN_WEIGHTS_Q8_0:
        return HGN_WEIGHTS_INT8;
    default:
        return HGN_WEIGHTS_F16; /* quantised weights are dequantised into f16 arithmetic */
    }
}

HgnStatus hgnPlanItemsFromSpec(const HgnModelSpec *spec, HgnWeightQuant weights, HgnWeightFormat kvFormat,
                               HgnPlanItems *out) {
    hgnPlanItemsInit(out);
    if (!spec) return hgnStatusNew(HGN_CODE_InvalidArgument, "spec", NULL, "no model spec given");
    const HgnModelDims *m = &spec->dims;
    HgnStatus st = hgnModelDimsCheck(m);
    if (st) return hgnStatusPrefixWhere(st, spec->id);
    if (!hgnWeightFormatIsKvCapable(kvFormat))
        return hgnStatusNew(HGN_CODE_InvalidArgument, "kvFormat", "use f16, bf16, fp8 or q8_0",
                            "`%s` cannot hold a KV cache", hgnWeightFormatName(kvFormat));
    out->modelId = hgnStrdup(spec->id);
    out->modelName = hgnStrdup(spec->name ? spec->name : spec->id);
    out->modelSource = hgnStrdup("spec");
    if (!out->modelId || !out->modelName || !out->modelSource) {
        hgnPlanItemsFree(out);
        return oom("model names");
    }
    out->weights = weights.format;
    out->kvFormat = kvFormat;
    out->maxContext = spec->maxContext;
    out->isLlm = true;

    const double h = m->hiddenSize, v = m->vocab;
    const double qDim = (double)m->heads * m->headDim, kvDim = (double)m->kvHeads * m->headDim;
    const double embedParams = v * h, headParams = v * h;
    double active = (double)hgnModelActiveParamCount(m);
    double layerActive = (active - embedParams - (m->tieEmbeddings ? 0 : headParams) - h) / m->layers;
    if (layerActive < 0) layerActive = 0;
    uint64_t edgeBytes = hgnEdgeWeightBytes(m, weights);
    uint64_t embdBytes = hgnMatrixBytes(weights, m->vocab, m->hiddenSize);
    /* Embedding table stays as stored; untied lm_head and final norm make the rest. */
    if (embdBytes > edgeBytes) embdBytes = edgeBytes;
    uint64_t headBytes = edgeBytes - embdBytes;
    /* A tied lm_head reads token_embd: the head's device holds its own copy
     * (llama.cpp duplicates it when the output layer is offloaded). */
    if (m->tieEmbeddings) headBytes = embdBytes + (uint64_t)h * 4;
    HgnWeightFormat dt = computeDtypeFor(weights);
    uint64_t resid = (uint64_t)h * 4;

    HgnPlanItem *it;
    st = hgnPlanItemsAppend(out, "token_embd", "embedding", &it);
    if (st) goto fail;
    it->weightBytes = embdBytes;
    it->outBytesPerToken = resid;
    it->actBytesPerToken = resid * 2;
    it->flopsPerToken = h;
    it->computeDtype = dt;
    it->kernels = 1;

    double ffnRows = m->moeExperts ? (m->moeActiveExperts ? m->moeActiveExperts : 1) : 1;
    for (uint32_t l = 0; l < m->layers; l++) {
        char name[32];
        snprintf(name, sizeof name, "blk.%u", l);
        st = hgnPlanItemsAppend(out, name, "decoderLayer", &it);
        if (st) goto fail;
        it->layer = (int32_t)l;
        it->weightBytes = hgnLayerWeightBytes(m, weights);
        it->kvBytesPerToken = hgnLayerKvBytes(m, l, kvFormat, 1, 1);
        it->kvWindow = hgnLayerIsSliding(m, l) ? m->slidingWindow : 0;
        it->flopsPerToken = 2.0 * layerActive;
        it->attnFlopsPerTokenKey = 4.0 * qDim;
        double attn = (qDim + 2 * kvDim + qDim) * 4;
        double ffn = ffnRows * m->ffnSize * 4 * 3 + (m->moeExperts ? 4.0 * m->moeExperts : 0);
        it->actBytesPerToken = (uint64_t)(8 * h + (attn > ffn ? attn : ffn));
        it->actBytesPerTokenKey = (uint64_t)m->heads * 8;
        it->outBytesPerToken = resid;
        it->computeDtype = dt;
        it->kernels = m->moeExperts ? 16 : 12;
    }
    st = hgnPlanItemsAppend(out, "output", "lmHead", &it);
    if (st) goto fail;
    it->weightBytes = headBytes;
    it->flopsPerToken = 2.0 * v * h;
    it->actBytesPerToken = (uint64_t)(v * 4);
    it->outBytesPerToken = 4; /* the sampled token id */
    it->computeDtype = dt;
    it->kernels = 3;
    return HGN_OK;
fail:
    hgnPlanItemsFree(out);
    return st;
}

/* ---- IR graph ----------------------------------------------------------------------- */

static uint64_t valueBytes(const HgnValue *v, const int64_t *ones, int32_t nSyms) {
    if (v->bytesKnown) return v->bytes;
    if (v->dataBytes) return v->dataBytes;
    int64_t n = 0;
    HgnStatus st = hgnShapeElements(&v->shape, ones, nSyms, &n);
    if (st) {
        hgnStatusFree(st);
        return 0;
    }
    const HgnDtypeInfo *info = hgnDtypeInfo(v->dtype);
    if (!info->blockSize) return 0;
    return (uint64_t)n / info->blockSize * info->bytesPerBlock;
}

static double valueElements(const HgnValue *v, const int64_t *ones, int32_t nSyms) {
    int64_t n = 0;
    HgnStatus st = hgnShapeElements(&v->shape, ones, nSyms, &n);
    if (st) {
        hgnStatusFree(st);
        return 1;
    }
    return (double)n;
}

static int64_t knownDim(const HgnShape *s, int32_t i) {
    if (s->rank <= 0 || i < 0 || i >= s->rank) return 1;
    return s->dims[i].sym == HGN_DIM_KNOWN ? s->dims[i].n : 1;
}

static HgnWeightFormat dtypeToCompute(HgnDtype d) {
    switch (d) {
    case HGN_DTYPE_F16:
        return HGN_WEIGHTS_F16;
    case HGN_DTYPE_BF16:
        return HGN_WEIGHTS_BF16;
    case HGN_DTYPE_I8:
    case HGN_DTYPE_U8:
        return HGN_WEIGHTS_INT8;
    case HGN_DTYPE_F8_E4M3:
    case HGN_DTYPE_F8_E5M2:
        return HGN_WEIGHTS_FP8;
    default:
        return HGN_WEIGHTS_F32;
    }
}

static double nodeFlops(const HgnGraph *g, const HgnNode *n, const int64_t *ones, int32_t nSyms) {
    double outElems = 0;
    for (int32_t k = 0; k < n->nOutputs; k++)
        if (n->outputs[k] >= 0) outElems += valueElements(hgnGraphValue(g, n->outputs[k]), ones, nSyms);
    if (outElems < 1) outElems = 1;
    if ((strcmp(n->op, "MatMul") == 0 || strcmp(n->op, "Gemm") == 0 || strcmp(n->op, "MatMulInteger") == 0) &&
        n->nInputs >= 1 && n->inputs[0] >= 0) {
        const HgnShape *a = &hgnGraphValue(g, n->inputs[0])->shape;
        int64_t k = knownDim(a, a->rank - 1);
        if (strcmp(n->op, "Gemm") == 0 && hgnNodeAttrInt(n, "transA", 0)) k = knownDim(a, a->rank - 2);
        return 2.0 * outElems * (double)(k > 0 ? k : 1);
    }
    if (strcmp(n->op, "Conv") == 0 && n->nInputs >= 2 && n->inputs[1] >= 0) {
        const HgnValue *w = hgnGraphValue(g, n->inputs[1]);
        int64_t oc = knownDim(&w->shape, 0);
        double per = valueElements(w, ones, nSyms) / (double)(oc > 0 ? oc : 1);
        return 2.0 * outElems * per;
    }
    return outElems;
}

static HgnStatus dupOpt(char **dst, const char *src) {
    if (!src) return HGN_OK;
    *dst = hgnStrdup(src);
    return *dst ? HGN_OK : oom("a constraint");
}

HgnStatus hgnPlanItemsFromGraph(const HgnGraph *g, HgnPlanItems *out) {
    hgnPlanItemsInit(out);
    if (!g) return hgnStatusNew(HGN_CODE_InvalidArgument, "graph", NULL, "no graph given");
    int32_t nNodes = hgnGraphNodeCount(g), nValues = hgnGraphValueCount(g), nSyms = hgnGraphSymbolCount(g);
    if (nNodes <= 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "graph", "give a model with at least one operator",
                            "the graph has no nodes to place");
    HgnStatus st = HGN_OK;
    int64_t *ones = hgnMalloc(sizeof(int64_t) * (size_t)(nSyms > 0 ? nSyms : 1));
    int64_t *cross = hgnCalloc((size_t)nNodes + 1, sizeof(int64_t));
    if (!ones || !cross) {
        st = oom("graph tables");
        goto done;
    }
    for (int32_t i = 0; i < nSyms; i++) ones[i] = 1;
    const char *src = hgnGraphSource(g);
    const char *base = src ? strrchr(src, '/') : NULL;
    char hex[65];
    hgnGraphDigestHex(g, hex);
    out->modelId = hgnStrdup(base ? base + 1 : (src ? src : "graph"));
    out->modelName = hgnStrdup(out->modelId ? out->modelId : "graph");
    out->modelSource = hgnStrdup("onnx");
    out->modelPath = src ? hgnStrdup(src) : NULL;
    out->graphDigest = hgnStrdup(hex);
    if (!out->modelId || !out->modelName || !out->modelSource || (src && !out->modelPath) || !out->graphDigest) {
        st = oom("model names");
        goto done;
    }
    out->weights = HGN_WEIGHTS_F32;
    out->kvFormat = HGN_WEIGHTS_F16;

    /* bytes live across the cut after node c: values produced (or first
     * read) at or before c and read after it */
    for (int32_t v = 0; v < nValues; v++) {
        const HgnValue *val = hgnGraphValue(g, v);
        if (val->role == HGN_ROLE_WEIGHT || val->role == HGN_ROLE_CONSTANT) continue;
        int32_t start = val->producer >= 0 ? val->producer : val->firstUse;
        int32_t end = val->lastUse;
        if (start < 0 || end <= start) continue;
        if (end > nNodes) end = nNodes;
        uint64_t b = valueBytes(val, ones, nSyms);
        cross[start] += (int64_t)b;
        cross[end] -= (int64_t)b;
    }
    int64_t live = 0;
    for (int32_t i = 0; i < nNodes; i++) {
        const HgnNode *n = hgnGraphNode(g, i);
        HgnPlanItem *it;
        st = hgnPlanItemsAppend(out, n->name, n->op, &it);
        if (st) goto done;
        it->layer = n->layer;
        uint64_t act = 0;
        HgnDtype dt = HGN_DTYPE_F32;
        for (int32_t k = 0; k < n->nInputs; k++) {
            if (n->inputs[k] < 0) continue;
            const HgnValue *val = hgnGraphValue(g, n->inputs[k]);
            uint64_t b = valueBytes(val, ones, nSyms);
            if (val->role == HGN_ROLE_WEIGHT || val->role == HGN_ROLE_CONSTANT) {
                if (val->firstUse == i) it->weightBytes += b;
            } else {
                act += b;
            }
        }
        for (int32_t k = 0; k < n->nOutputs; k++) {
            if (n->outputs[k] < 0) continue;
            const HgnValue *val = hgnGraphValue(g, n->outputs[k]);
            act += valueBytes(val, ones, nSyms);
            if (k == 0) dt = val->dtype;
        }
        it->actBytesFixed = act;
        it->flopsPerToken = nodeFlops(g, n, ones, nSyms);
        it->computeDtype = dtypeToCompute(dt);
        live += cross[i];
        it->outBytesPerToken = live > 0 ? (uint64_t)live : 0;
        st = dupOpt(&it->mustRunOn, n->ann.deviceHint);
        if (!st) st = dupOpt(&it->colocationGroup, n->ann.colocationGroup);
        if (!st) st = dupOpt(&it->antiAffinitySet, n->ann.antiAffinitySet);
        if (st) goto done;
    }
    /* data edges producer → consumer */
    size_t nEdges = 0;
    for (int32_t v = 0; v < nValues; v++) {
        const HgnValue *val = hgnGraphValue(g, v);
        if (val->producer >= 0) nEdges += (size_t)val->nConsumers;
    }
    out->edges = hgnCalloc(nEdges ? nEdges : 1, sizeof *out->edges);
    if (!out->edges) {
        st = oom("graph edges");
        goto done;
    }
    for (int32_t v = 0; v < nValues; v++) {
        const HgnValue *val = hgnGraphValue(g, v);
        if (val->producer < 0) continue;
        uint64_t b = valueBytes(val, ones, nSyms);
        for (int32_t c = 0; c < val->nConsumers; c++) {
            if (val->consumers[c] == val->producer) continue;
            out->edges[out->nEdges++] = (HgnPlanItemEdge){(size_t)val->producer, (size_t)val->consumers[c], b};
        }
    }
done:
    hgnFree(ones);
    hgnFree(cross);
    if (st) hgnPlanItemsFree(out);
    return st;
}
