/* planItemsLlm.c — the planner's items for a decoder LLM graph (llmGraph.h):
 * one item per transformer block plus the embedding and the output head,
 * with the exact bytes of the file's tensors (or of a quantisation config's
 * formats), KV bytes per token from the kvCache values, FLOPs per token from
 * the matmul shapes (router and routed experts included) and the graph node
 * names each item runs. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/planner.h"

static HgnStatus oom(const char *what) {
    return hgnStatusNew(HGN_CODE_OutOfMemory, "planner", NULL, "cannot allocate %s", what);
}

/* Weight format of a file dtype (for the header and the arithmetic column). */
static HgnWeightFormat formatOfDtype(HgnDtype d) {
    HgnWeightFormat f;
    switch (d) {
    case HGN_DTYPE_F8_E4M3:
    case HGN_DTYPE_F8_E5M2:
        return HGN_WEIGHTS_FP8;
    case HGN_DTYPE_I8:
    case HGN_DTYPE_U8:
        return HGN_WEIGHTS_INT8;
    default:
        break;
    }
    if (hgnWeightFormatFromName(hgnDtypeName(d), &f)) return f;
    return hgnDtypeIsQuantized(d) ? HGN_WEIGHTS_Q4_K : HGN_WEIGHTS_F32;
}

static HgnWeightFormat computeOf(HgnWeightFormat f) {
    switch (f) {
    case HGN_WEIGHTS_F32:
    case HGN_WEIGHTS_BF16:
    case HGN_WEIGHTS_FP8:
    case HGN_WEIGHTS_INT8:
        return f;
    case HGN_WEIGHTS_Q8_0:
        return HGN_WEIGHTS_INT8;
    default:
        return HGN_WEIGHTS_F16; /* quantised blocks are dequantised into f16 arithmetic */
    }
}

/* Elements of a shape with every symbol bound to 1 (seq = 1, ctx = 1: per token). */
static double elementsPerToken(const HgnShape *s, const int64_t *ones, int32_t nSyms) {
    int64_t n = 0;
    HgnStatus st = hgnShapeElements(s, ones, nSyms, &n);
    if (st) {
        hgnStatusFree(st);
        return 0;
    }
    return (double)n;
}

static uint64_t bytesPerToken(const HgnValue *v, const int64_t *ones, int32_t nSyms) {
    const HgnDtypeInfo *info = hgnDtypeInfo(v->dtype);
    if (!info->blockSize) return 0;
    double n = elementsPerToken(&v->shape, ones, nSyms);
    return (uint64_t)(n / info->blockSize * info->bytesPerBlock);
}

static int64_t dimOr1(const HgnShape *s, int32_t i) {
    if (i < 0 || i >= s->rank || s->dims[i].sym != HGN_DIM_KNOWN) return 1;
    return s->dims[i].n;
}

/* Bytes of a weight as it will lie in memory: the file's, or its size in qc's format. */
static uint64_t weightBytes(const HgnValue *v, const HgnPlanQuantConfig *qc, HgnWeightFormat *fmt) {
    uint64_t file = v->bytesKnown ? v->bytes : v->dataBytes;
    *fmt = formatOfDtype(v->dtype);
    HgnWeightFormat q;
    if (!qc || !hgnPlanQuantConfigFormatFor(qc, v->name, v->shape.rank, &q)) return file;
    uint64_t cols = (uint64_t)dimOr1(&v->shape, v->shape.rank - 1), rows = 1;
    for (int32_t i = 0; i + 1 < v->shape.rank; i++) rows *= (uint64_t)dimOr1(&v->shape, i);
    *fmt = q;
    return hgnMatrixBytes((HgnWeightQuant){.format = q}, rows, cols);
}

static HgnStatus addGraphNode(HgnPlanItem *it, const char *name) {
    if ((it->nGraphNodes & (it->nGraphNodes - 1)) == 0) {
        size_t cap = it->nGraphNodes ? it->nGraphNodes * 2 : 4;
        char **n = hgnRealloc(it->graphNodes, cap * sizeof *n);
        if (!n) return oom("graph node names");
        it->graphNodes = n;
    }
    char *s = hgnStrdup(name);
    if (!s) return oom("a graph node name");
    it->graphNodes[it->nGraphNodes++] = s;
    return HGN_OK;
}

static const char *baseName(const char *path) {
    const char *s = path ? strrchr(path, '/') : NULL;
    return s ? s + 1 : path;
}

HgnStatus hgnPlanItemsFromLlmGraph(const HgnGraph *g, uint64_t maxContext, const HgnPlanQuantConfig *qc,
                                   HgnPlanItems *out) {
    hgnPlanItemsInit(out);
    if (!g) return hgnStatusNew(HGN_CODE_InvalidArgument, "graph", NULL, "no graph given");
    int32_t nNodes = hgnGraphNodeCount(g), nValues = hgnGraphValueCount(g), nSyms = hgnGraphSymbolCount(g);
    int32_t nLayers = 0, firstLayerNode = -1;
    for (int32_t i = 0; i < nNodes; i++) {
        const HgnNode *n = hgnGraphNode(g, i);
        if (n->layer >= 0 && n->layer + 1 > nLayers) nLayers = n->layer + 1;
        if (n->layer >= 0 && firstLayerNode < 0) firstLayerNode = i;
    }
    if (nNodes <= 0 || nLayers == 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "graph", "build the graph with hgnLlmGraphBuild",
                            "the graph has no transformer layers to place");
    size_t nGroups = (size_t)nLayers + 2;
    HgnStatus st = HGN_OK;
    int64_t *ones = hgnMalloc(sizeof(int64_t) * (size_t)(nSyms > 0 ? nSyms : 1));
    int32_t *groupOf = hgnMalloc(sizeof(int32_t) * (size_t)nNodes);
    int32_t *counted = hgnMalloc(sizeof(int32_t) * (size_t)(nValues > 0 ? nValues : 1));
    int64_t *cross = hgnCalloc(nGroups + 1, sizeof(int64_t));
    double *wFmtBytes = hgnCalloc(HGN_WEIGHTS_COUNT, sizeof(double));
    if (!ones || !groupOf || !counted || !cross || !wFmtBytes) {
        st = oom("graph tables");
        goto done;
    }
    for (int32_t i = 0; i < nSyms; i++) ones[i] = 1;
    for (int32_t v = 0; v < nValues; v++) counted[v] = -1;
    for (int32_t i = 0; i < nNodes; i++) {
        const HgnNode *n = hgnGraphNode(g, i);
        groupOf[i] = n->layer >= 0 ? n->layer + 1 : (i < firstLayerNode ? 0 : nLayers + 1);
    }

    const char *src = hgnGraphSource(g);
    char hex[65];
    hgnGraphDigestHex(g, hex);
    out->modelId = hgnStrdup(src ? baseName(src) : "model");
    out->modelName = hgnStrdup(out->modelId ? out->modelId : "model");
    out->modelSource = hgnStrdup("graph");
    out->modelPath = src ? hgnStrdup(src) : NULL;
    out->graphDigest = hgnStrdup(hex);
    if (!out->modelId || !out->modelName || !out->modelSource || (src && !out->modelPath) || !out->graphDigest) {
        st = oom("model names");
        goto done;
    }
    out->isLlm = true;
    out->maxContext = maxContext;
    out->kvFormat = HGN_WEIGHTS_F16;
    if (qc && qc->hasKv) out->kvFormat = qc->kvFormat;

    for (size_t gi = 0; gi < nGroups; gi++) {
        char name[32];
        const char *op = "decoderLayer";
        if (gi == 0) {
            snprintf(name, sizeof name, "token_embd");
            op = "embedding";
        } else if (gi == nGroups - 1) {
            snprintf(name, sizeof name, "output");
            op = "lmHead";
        } else {
            snprintf(name, sizeof name, "blk.%zu", gi - 1);
        }
        HgnPlanItem *it;
        st = hgnPlanItemsAppend(out, name, op, &it);
        if (st) goto done;
        it->layer = gi == 0 || gi == nGroups - 1 ? -1 : (int32_t)gi - 1;
        it->kernels = 0;
    }

    /* activation bytes crossing the cut after each item: values made (or
     * first read, for inputs) in item a and last read in item b > a */
    for (int32_t v = 0; v < nValues; v++) {
        const HgnValue *val = hgnGraphValue(g, v);
        if (val->role == HGN_ROLE_WEIGHT || val->role == HGN_ROLE_CONSTANT || val->role == HGN_ROLE_KV_CACHE) continue;
        int32_t start = val->producer >= 0 ? val->producer : val->firstUse;
        if (start < 0 || val->lastUse < 0) continue;
        size_t a = (size_t)groupOf[start];
        size_t b = val->lastUse >= nNodes ? nGroups : (size_t)groupOf[val->lastUse];
        if (b <= a) continue;
        uint64_t bytes = bytesPerToken(val, ones, nSyms);
        cross[a] += (int64_t)bytes;
        cross[b] -= (int64_t)bytes;
    }

    HgnWeightFormat kvDtypeFmt = HGN_WEIGHTS_F16;
    bool kvSeen = false;
    for (int32_t i = 0; i < nNodes; i++) {
        const HgnNode *n = hgnGraphNode(g, i);
        HgnPlanItem *it = &out->items[groupOf[i]];
        st = addGraphNode(it, n->name);
        if (st) goto done;
        it->kernels++;
        uint64_t act = 0;
        HgnWeightFormat mmFmt = HGN_WEIGHTS_F32;
        const HgnValue *mmW = NULL;
        for (int32_t k = 0; k < n->nInputs; k++) {
            if (n->inputs[k] < 0) continue;
            const HgnValue *val = hgnGraphValue(g, n->inputs[k]);
            if (val->role == HGN_ROLE_WEIGHT || val->role == HGN_ROLE_CONSTANT) {
                HgnWeightFormat f;
                uint64_t b = weightBytes(val, qc, &f);
                if (counted[n->inputs[k]] != groupOf[i]) {
                    counted[n->inputs[k]] = groupOf[i];
                    it->weightBytes += b;
                    if (val->shape.rank >= 2) wFmtBytes[f] += (double)b;
                }
                if (val->shape.rank >= 2 && !mmW) {
                    mmW = val;
                    mmFmt = f;
                }
            } else if (val->role == HGN_ROLE_KV_CACHE) {
                if (counted[n->inputs[k]] != groupOf[i]) {
                    counted[n->inputs[k]] = groupOf[i];
                    if (qc && qc->hasKv) {
                        double e = elementsPerToken(&val->shape, ones, nSyms);
                        it->kvBytesPerToken += hgnMatrixBytes((HgnWeightQuant){.format = qc->kvFormat}, 1, (uint64_t)e);
                    } else {
                        it->kvBytesPerToken += bytesPerToken(val, ones, nSyms);
                    }
                    if (!kvSeen) kvDtypeFmt = formatOfDtype(val->dtype);
                    kvSeen = true;
                }
            } else {
                act += bytesPerToken(val, ones, nSyms);
            }
        }
        for (int32_t k = 0; k < n->nOutputs; k++)
            if (n->outputs[k] >= 0) act += bytesPerToken(hgnGraphValue(g, n->outputs[k]), ones, nSyms);
        if (act > it->actBytesPerToken) it->actBytesPerToken = act;

        double outElems = 0;
        for (int32_t k = 0; k < n->nOutputs; k++)
            if (n->outputs[k] >= 0) outElems += elementsPerToken(&hgnGraphValue(g, n->outputs[k])->shape, ones, nSyms);
        if ((strcmp(n->op, "matmul") == 0 || strcmp(n->op, "moeRouter") == 0) && mmW) {
            it->flopsPerToken += 2.0 * (double)dimOr1(&mmW->shape, 0) * (double)dimOr1(&mmW->shape, 1);
            it->computeDtype = computeOf(mmFmt);
        } else if (strcmp(n->op, "moeExperts") == 0) {
            double topK = (double)hgnNodeAttrInt(n, "topK", 0);
            if (topK <= 0) topK = 2;
            double ff = (double)hgnNodeAttrInt(n, "intermediate", 0);
            double d = outElems;
            it->flopsPerToken += topK * 3.0 * 2.0 * ff * d;
            if (mmW) it->computeDtype = computeOf(mmFmt);
        } else if (strcmp(n->op, "attention") == 0) {
            double heads = (double)hgnNodeAttrInt(n, "heads", 1), hd = (double)hgnNodeAttrInt(n, "headDim", 1);
            it->attnFlopsPerTokenKey += 4.0 * heads * hd;
            it->actBytesPerTokenKey += (uint64_t)heads * 8; /* f32 scores and probabilities */
            int64_t w = hgnNodeAttrInt(n, "slidingWindow", 0);
            if (w > 0) it->kvWindow = (uint64_t)w;
        } else if (strcmp(n->op, "embedding") == 0) {
            it->flopsPerToken += outElems;
            if (mmW) it->computeDtype = computeOf(mmFmt);
        } else {
            it->flopsPerToken += outElems;
        }
    }
    if (kvSeen && !(qc && qc->hasKv)) out->kvFormat = kvDtypeFmt;
    /* the weights' format: the one holding most matrix bytes */
    out->weights = HGN_WEIGHTS_F32;
    for (int f = 0; f < (int)HGN_WEIGHTS_COUNT; f++)
        if (wFmtBytes[f] > wFmtBytes[out->weights]) out->weights = (HgnWeightFormat)f;
    int64_t live = 0;
    for (size_t gi = 0; gi < nGroups; gi++) {
        live += cross[gi];
        HgnPlanItem *it = &out->items[gi];
        it->outBytesPerToken = gi + 1 == nGroups ? 4 : (live > 0 ? (uint64_t)live : 0);
        if (it->kernels == 0) it->kernels = 1;
    }
done:
    hgnFree(ones);
    hgnFree(groupOf);
    hgnFree(counted);
    hgnFree(cross);
    hgnFree(wFmtBytes);
    if (st) hgnPlanItemsFree(out);
    return st;
}
