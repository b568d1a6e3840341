/* executor.c — loads a model (directly or through a validated plan: model
 * file digests checked, nodes placed on the plan's devices), prepares every
 * graph node for the backend (attributes parsed, RoPE tables, buffers
 * resolved), maps the weights in place, allocates the KV caches, the step
 * inputs and the activations (packed by lifetime) in each device's arena
 * within the plan's budget, and runs steps: the nodes in order on their
 * devices, with a device-to-device copy after a node whose output is read on
 * another device. A step never allocates heap memory. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "huginn/log.h"
#include "runtime/cpu/kernels.h"
#include "runtime/runtimeInt.h"

typedef struct Transfer {
    int32_t afterNode; /* -1: at the start of the step (graph inputs) */
    int32_t value, toDevice;
    int64_t cols; /* f32/i32 elements per token */
} Transfer;

struct HgnRuntime {
    RtModel model;
    HgnBackend *be;
    int32_t nDev;
    int64_t ctx, ubatch, vocab;
    int32_t nValues;
    HgnDeviceBuffer *buf; /* [nValues × nDev] */
    bool *has;            /* [nValues × nDev] */
    int32_t *home;        /* [nValues] device of the producer (-1: none) */
    int32_t *nodeDevice;  /* [graph nodes] */
    HgnExecNode *nodes;
    int32_t nNodes;
    Transfer *xfers;
    int32_t nXfers;
    float *invFreq; /* one table per rope node, [nNodes × HGN_ROPE_MAX_DIMS/2] */
    int32_t tokensVal, positionsVal, logitsVal;
    int32_t *posHost; /* [ubatch] */
    int64_t pos;
    uint64_t weightBytes;
    uint64_t *predicted; /* [nDev] */
    HgnRuntimeStats stats;
    /* for device loss: the options, the plan as JSON (NULL: opened without
     * one) and the device lost so far (-1: none) */
    HgnRuntimeOptions opt;
    char *planJson;
    int32_t lostDevice;
    char *modelDigest, *planDigest; /* computed on first use */
};

static HgnStatus oom(const char *where) { return hgnStatusNew(HGN_CODE_OutOfMemory, where, NULL, "out of memory"); }

void hgnRuntimeOptionsInit(HgnRuntimeOptions *opt) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    *opt = (HgnRuntimeOptions){.threads = n > 0 ? (int32_t)n : 1, .nDevices = 1, .kvDtype = -1};
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Elements per token of an activation [seq, cols] or [seq]. */
static int64_t colsOf(const HgnValue *v) {
    if (v->shape.rank == 2 && v->shape.dims[1].sym == HGN_DIM_KNOWN) return v->shape.dims[1].n;
    return 1;
}

static HgnDeviceBuffer *bufAt(HgnRuntime *rt, int32_t value, int32_t dev) {
    return &rt->buf[(size_t)value * (size_t)rt->nDev + (size_t)dev];
}
static bool hasBuf(const HgnRuntime *rt, int32_t value, int32_t dev) {
    return rt->has[(size_t)value * (size_t)rt->nDev + (size_t)dev];
}
static void setHas(HgnRuntime *rt, int32_t value, int32_t dev) {
    rt->has[(size_t)value * (size_t)rt->nDev + (size_t)dev] = true;
}

static HgnStatus unsupported(const HgnNode *n, const char *what) {
    return hgnStatusNew(HGN_CODE_NotImplemented, n->name, "run this model with a runtime that supports it",
                        "the local runtime does not support %s (node '%s', op %s)", what, n->name, n->op);
}

/* ---- node preparation ------------------------------------------------------------ */

static HgnStatus prepareRope(HgnRuntime *rt, const HgnNode *n, HgnExecNode *e, int32_t idx) {
    const HgnGraph *g = rt->model.graph;
    e->heads = (int32_t)hgnNodeAttrInt(n, "heads", 0);
    int64_t cols = colsOf(hgnGraphValue(g, n->inputs[0]));
    if (e->heads <= 0 || cols % e->heads) return unsupported(n, "a rope node whose heads do not divide its width");
    e->headDim = (int32_t)(cols / e->heads);
    e->ropeDims = (int32_t)hgnNodeAttrInt(n, "dims", e->headDim);
    if (e->ropeDims <= 0 || e->ropeDims > e->headDim || e->ropeDims % 2 || e->ropeDims > HGN_ROPE_MAX_DIMS)
        return unsupported(n, "this rotary dimension count");
    const char *style = hgnNodeAttrString(n, "style", "neox");
    e->ropeStyle = strcmp(style, "normal") == 0 ? HGN_ROPE_NORMAL : HGN_ROPE_NEOX;
    const char *scaling = hgnNodeAttrString(n, "scaling", "none");
    float factor = (float)hgnNodeAttrFloat(n, "factor", 1.0);
    const float *freqFactors = NULL;
    if (n->nInputs > 2 && n->inputs[2] >= 0) {
        const HgnValue *fv = hgnGraphValue(g, n->inputs[2]);
        if (fv->dtype != HGN_DTYPE_F32 || !fv->data || fv->dataBytes < (uint64_t)e->ropeDims / 2 * sizeof(float))
            return unsupported(n, "rope frequency factors that are not f32");
        freqFactors = fv->data;
    }
    float *inv = rt->invFreq + (size_t)idx * (HGN_ROPE_MAX_DIMS / 2);
    float theta = (float)hgnNodeAttrFloat(n, "theta", 10000.0);
    if (strcmp(scaling, "none") == 0 || strcmp(scaling, "llama3") == 0)
        hgnRopeInvFreq(theta, e->ropeDims, freqFactors, 1.0f, inv);
    else if (strcmp(scaling, "linear") == 0)
        hgnRopeInvFreq(theta, e->ropeDims, freqFactors, factor > 0 ? factor : 1.0f, inv);
    else
        return unsupported(n, "this rope scaling");
    if (strcmp(scaling, "llama3") == 0 && !freqFactors)
        hgnRopeLlama3Scale(inv, e->ropeDims, factor, (float)hgnNodeAttrFloat(n, "lowFreqFactor", 1.0),
                           (float)hgnNodeAttrFloat(n, "highFreqFactor", 4.0),
                           (int)hgnNodeAttrInt(n, "originalContext", 8192));
    e->invFreq = inv;
    return HGN_OK;
}

static HgnStatus prepareNode(HgnRuntime *rt, int32_t i, HgnExecNode *e) {
    const HgnGraph *g = rt->model.graph;
    const HgnNode *n = hgnGraphNode(g, i);
    memset(e, 0, sizeof *e);
    e->name = n->name;
    e->device = rt->nodeDevice[i];
    e->scale = 1.0f;
    if (n->nInputs > HGN_EXEC_MAX_IO || n->nOutputs > HGN_EXEC_MAX_IO) return unsupported(n, "this many operands");
    e->nIn = n->nInputs;
    e->nOut = n->nOutputs;
    for (int32_t k = 0; k < n->nInputs; k++) {
        if (n->inputs[k] < 0) continue;
        const HgnValue *v = hgnGraphValue(g, n->inputs[k]);
        e->inType[k] = v->dtype;
        if (v->role == HGN_ROLE_WEIGHT && v->shape.rank == 2) {
            e->inRows[k] = v->shape.dims[0].n;
            e->inCols[k] = v->shape.dims[1].n;
        } else if (v->role == HGN_ROLE_WEIGHT)
            e->inCols[k] = v->shape.rank == 1 ? v->shape.dims[0].n : 1;
        else
            e->inCols[k] = colsOf(v);
    }
    for (int32_t k = 0; k < n->nOutputs; k++) e->outCols[k] = colsOf(hgnGraphValue(g, n->outputs[k]));
    const char *op = n->op;
    if (strcmp(op, "embedding") == 0) {
        e->op = HGN_EXEC_EMBEDDING;
        e->scale = (float)hgnNodeAttrFloat(n, "scale", 1.0);
        if (!hgnMatmulSupports(e->inType[1])) return unsupported(n, "this embedding dtype");
    } else if (strcmp(op, "rmsNorm") == 0) {
        e->op = HGN_EXEC_RMS_NORM;
        e->eps = (float)hgnNodeAttrFloat(n, "eps", 1e-5);
        e->unitOffset = (float)hgnNodeAttrInt(n, "unitOffset", 0);
    } else if (strcmp(op, "matmul") == 0) {
        e->op = HGN_EXEC_MATMUL;
        if (!hgnMatmulSupports(e->inType[1])) return unsupported(n, "this weight dtype");
        const HgnValue *w = hgnGraphValue(g, n->inputs[1]);
        if (w->role != HGN_ROLE_WEIGHT || w->shape.rank != 2) return unsupported(n, "a matmul of two activations");
        if (hgnDtypeInfo(w->dtype)->blockSize > 1 && e->inCols[1] % HGN_QK)
            return unsupported(n, "a quantised matrix whose rows are not whole blocks");
    } else if (strcmp(op, "split") == 0)
        e->op = HGN_EXEC_SPLIT;
    else if (strcmp(op, "rope") == 0) {
        e->op = HGN_EXEC_ROPE;
        HgnStatus st = prepareRope(rt, n, e, i);
        if (st) return st;
    } else if (strcmp(op, "attention") == 0) {
        e->op = HGN_EXEC_ATTENTION;
        e->heads = (int32_t)hgnNodeAttrInt(n, "heads", 0);
        e->kvHeads = (int32_t)hgnNodeAttrInt(n, "kvHeads", 0);
        e->headDim = (int32_t)hgnNodeAttrInt(n, "headDim", 0);
        e->scale = (float)hgnNodeAttrFloat(n, "scale", 0);
        /* keys (pos - window, pos]; the cache keeps every position, so a window only limits what is read */
        e->window = hgnNodeAttrInt(n, "slidingWindow", 0);
        if (e->window < 0) return unsupported(n, "a negative sliding window");
        if (hgnNodeAttrFloat(n, "softcap", 0) > 0) return unsupported(n, "attention logit soft-capping");
        if (e->heads <= 0 || e->kvHeads <= 0 || e->headDim <= 0 || e->heads % e->kvHeads)
            return unsupported(n, "these attention head counts");
        if (e->scale == 0) e->scale = 1.0f / sqrtf((float)e->headDim);
        e->ctx = rt->ctx;
    } else if (strcmp(op, "silu") == 0)
        e->op = HGN_EXEC_SILU;
    else if (strcmp(op, "gelu") == 0)
        e->op = HGN_EXEC_GELU;
    else if (strcmp(op, "mul") == 0)
        e->op = HGN_EXEC_MUL;
    else if (strcmp(op, "add") == 0)
        e->op = HGN_EXEC_ADD;
    else if (strcmp(op, "softcap") == 0) {
        e->op = HGN_EXEC_SOFTCAP;
        e->cap = (float)hgnNodeAttrFloat(n, "cap", 30.0);
    } else
        return unsupported(n, "this operator (Mixture-of-Experts and ONNX graphs come later)");
    /* the node (or chain) producing the graph output may compute only the last row */
    if (n->nOutputs == 1 && n->outputs[0] == rt->logitsVal) e->lastRowOnly = true;
    return HGN_OK;
}

/* ---- device placement --------------------------------------------------------------- */

/* The device of plan node j: its own, or after the loss of rt->lostDevice
 * the plan's fallback placement (ranges of plan nodes per device). */
static int32_t planNodeDevice(const HgnRuntime *rt, const HgnPlan *plan, size_t j) {
    int32_t d = plan->nodes[j].device;
    if (rt->lostDevice < 0) return d;
    for (size_t f = 0; f < plan->nFallbacks; f++) {
        const HgnPlanFallback *fb = &plan->fallbacks[f];
        if (fb->lostDevice != rt->lostDevice || !fb->feasible || !fb->ranges) continue;
        for (size_t x = 0; x < plan->nDevices; x++)
            if (fb->ranges[2 * x] >= 0 && (int64_t)j >= fb->ranges[2 * x] && (int64_t)j <= fb->ranges[2 * x + 1])
                return (int32_t)x;
    }
    return d;
}

static void placeNodes(HgnRuntime *rt, const HgnPlan *plan) {
    const HgnGraph *g = rt->model.graph;
    int32_t nn = hgnGraphNodeCount(g), layers = 0;
    for (int32_t i = 0; i < nn; i++)
        if (hgnGraphNode(g, i)->layer + 1 > layers) layers = hgnGraphNode(g, i)->layer + 1;
    for (int32_t i = 0; i < nn; i++) {
        const HgnNode *n = hgnGraphNode(g, i);
        int32_t d = -1;
        if (plan && plan->nNodes) {
            int64_t pj = -1;
            for (size_t j = 0; j < plan->nNodes && pj < 0; j++)
                for (size_t k = 0; k < plan->nodes[j].nGraphNodes && pj < 0; k++)
                    if (plan->nodes[j].graphNodes[k] && strcmp(plan->nodes[j].graphNodes[k], n->name) == 0)
                        pj = (int64_t)j;
            for (size_t j = 0; j < plan->nNodes && pj < 0; j++)
                if (plan->nodes[j].id && strcmp(plan->nodes[j].id, n->name) == 0) pj = (int64_t)j;
            for (size_t j = 0; j < plan->nNodes && pj < 0 && n->layer >= 0; j++)
                if (plan->nodes[j].layer == n->layer) pj = (int64_t)j;
            if (pj < 0 && n->layer < 0) pj = strcmp(n->name, "embed") == 0 ? 0 : (int64_t)plan->nNodes - 1;
            if (pj >= 0) d = planNodeDevice(rt, plan, (size_t)pj);
        } else if (rt->nDev > 1 && layers > 0) {
            /* without a plan: layers split evenly, head with the last layer */
            int32_t l = n->layer >= 0 ? n->layer : (strcmp(n->name, "embed") == 0 ? 0 : layers - 1);
            d = (int32_t)((int64_t)l * rt->nDev / layers);
            /* after a loss: the lost device's layers go to its neighbour */
            if (d == rt->lostDevice) d = d > 0 ? d - 1 : d + 1;
        }
        if (d < 0 || d >= rt->nDev) d = 0;
        rt->nodeDevice[i] = d;
    }
}

/* ---- memory ----------------------------------------------------------------------------- */

typedef struct Item {
    int32_t value, device, first, last;
    uint64_t bytes, offset;
} Item;

static int bySizeDesc(const void *a, const void *b) {
    const Item *x = a, *y = b;
    if (x->bytes != y->bytes) return x->bytes > y->bytes ? -1 : 1;
    return x->first - y->first;
}

/* Greedy lifetime packing: each item (largest first) goes to the lowest
 * offset that overlaps no placed item alive at the same time. */
static uint64_t pack(Item *items, size_t n) {
    qsort(items, n, sizeof *items, bySizeDesc);
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t off = 0;
        bool moved = true;
        while (moved) {
            moved = false;
            for (size_t j = 0; j < i; j++) {
                if (items[j].last < items[i].first || items[i].last < items[j].first) continue;
                if (off < items[j].offset + items[j].bytes && items[j].offset < off + items[i].bytes) {
                    off = (items[j].offset + items[j].bytes + 63) & ~(uint64_t)63;
                    moved = true;
                }
            }
        }
        items[i].offset = off;
        if (off + items[i].bytes > total) total = off + items[i].bytes;
    }
    return total;
}

static uint64_t alignUp(uint64_t x) { return (x + 63) & ~(uint64_t)63; }

/* Where value v is read on device d: the last consumer on d (graph end for the output). */
static int32_t lastUseOn(const HgnRuntime *rt, const HgnValue *v, int32_t d) {
    int32_t last = -1;
    for (int32_t c = 0; c < v->nConsumers; c++)
        if (rt->nodeDevice[v->consumers[c]] == d && v->consumers[c] > last) last = v->consumers[c];
    return last;
}

/* Activation items (home copies and mirrors) for token count ub. */
static HgnStatus activationItems(HgnRuntime *rt, int64_t ub, Item **pItems, size_t *pN) {
    const HgnGraph *g = rt->model.graph;
    size_t cap = (size_t)rt->nValues * (size_t)rt->nDev, n = 0;
    Item *items = hgnCalloc(cap ? cap : 1, sizeof *items);
    if (!items) return oom("executor");
    for (int32_t vi = 0; vi < rt->nValues; vi++) {
        const HgnValue *v = hgnGraphValue(g, vi);
        if (v->role != HGN_ROLE_ACTIVATION && v->role != HGN_ROLE_OUTPUT) continue;
        if (v->producer < 0) continue;
        uint64_t bytes = alignUp((uint64_t)ub * (uint64_t)colsOf(v) * 4);
        int32_t home = rt->nodeDevice[v->producer];
        for (int32_t d = 0; d < rt->nDev; d++) {
            int32_t last = lastUseOn(rt, v, d);
            if (d == home) {
                if (vi == rt->logitsVal) last = hgnGraphNodeCount(g);
                if (last < v->producer) last = v->producer;
            } else if (last < 0)
                continue;
            items[n++] = (Item){.value = vi, .device = d, .first = v->producer, .last = last, .bytes = bytes};
        }
    }
    *pItems = items;
    *pN = n;
    return HGN_OK;
}

typedef struct DeviceNeed {
    uint64_t fixed; /* KV, inputs, converted weights, scratch */
    uint64_t act;
} DeviceNeed;

static bool isSmallWeight(const HgnValue *v) { return v->role == HGN_ROLE_WEIGHT && v->shape.rank == 1; }

static uint64_t kvElemBytes(const HgnRuntime *rt, HgnDtype t) {
    (void)rt;
    return t == HGN_DTYPE_F16 ? 2 : 4;
}

static HgnDtype kvType(const HgnValue *v, int32_t want) {
    if (want == HGN_DTYPE_F16 || want == HGN_DTYPE_F32) return (HgnDtype)want;
    return v->dtype == HGN_DTYPE_F16 ? HGN_DTYPE_F16 : HGN_DTYPE_F32;
}

/* Bytes each device's arena needs at token count ub. */
static HgnStatus computeNeeds(HgnRuntime *rt, int64_t ub, int32_t kvWant, DeviceNeed *need, Item **pItems, size_t *pN) {
    const HgnGraph *g = rt->model.graph;
    memset(need, 0, sizeof *need * (size_t)rt->nDev);
    for (int32_t vi = 0; vi < rt->nValues; vi++) {
        const HgnValue *v = hgnGraphValue(g, vi);
        for (int32_t d = 0; d < rt->nDev; d++) {
            if (lastUseOn(rt, v, d) < 0) continue;
            if (v->role == HGN_ROLE_KV_CACHE)
                need[d].fixed += alignUp((uint64_t)rt->ctx * (uint64_t)(v->shape.dims[1].n * v->shape.dims[2].n) *
                                         kvElemBytes(rt, kvType(v, kvWant)));
            else if (v->role == HGN_ROLE_INPUT)
                need[d].fixed += alignUp((uint64_t)ub * 4);
            else if (isSmallWeight(v) && v->dtype != HGN_DTYPE_F32)
                need[d].fixed += alignUp((uint64_t)v->shape.dims[0].n * 4);
        }
    }
    for (int32_t d = 0; d < rt->nDev; d++)
        need[d].fixed += alignUp(rt->be->ops->scratchBytes(rt->be, d, rt->nodes, (size_t)rt->nNodes, ub, rt->ctx));
    HgnStatus st = activationItems(rt, ub, pItems, pN);
    if (st) return st;
    for (int32_t d = 0; d < rt->nDev; d++) {
        size_t k = 0;
        Item *items = *pItems;
        /* pack each device's items contiguously: move them to the front of a temporary view */
        Item *tmp = hgnMalloc((*pN ? *pN : 1) * sizeof *tmp);
        if (!tmp) return oom("executor");
        for (size_t i = 0; i < *pN; i++)
            if (items[i].device == d) tmp[k++] = items[i];
        need[d].act = pack(tmp, k);
        size_t w = 0;
        for (size_t i = 0; i < *pN; i++)
            if (items[i].device == d) items[i] = tmp[w++];
        hgnFree(tmp);
    }
    return HGN_OK;
}

/* The node whose buffer first crosses the budget on device d. */
static const char *overrunNode(const HgnRuntime *rt, const Item *items, size_t n, int32_t d, uint64_t room) {
    const HgnGraph *g = rt->model.graph;
    int32_t best = -1;
    for (size_t i = 0; i < n; i++)
        if (items[i].device == d && items[i].offset + items[i].bytes > room && (best < 0 || items[i].first < best))
            best = items[i].first;
    if (best < 0)
        for (int32_t i = 0; i < rt->nNodes; i++)
            if (rt->nodeDevice[i] == d) return hgnGraphNode(g, i)->name;
    return best >= 0 ? hgnGraphNode(g, best)->name : "?";
}

/* The node whose fixed buffers (KV caches, inputs, converted weights, taken
 * in node order) first cross the budget on device d. */
static const char *fixedOverrunNode(const HgnRuntime *rt, int32_t d, uint64_t budget, int32_t kvWant) {
    const HgnGraph *g = rt->model.graph;
    uint64_t used = 0;
    for (int32_t i = 0; i < rt->nNodes; i++) {
        if (rt->nodeDevice[i] != d) continue;
        const HgnNode *n = hgnGraphNode(g, i);
        for (int32_t k = 0; k < n->nInputs; k++) {
            if (n->inputs[k] < 0) continue;
            const HgnValue *v = hgnGraphValue(g, n->inputs[k]);
            bool first = true; /* counted at its first consumer on d */
            for (int32_t c = 0; c < v->nConsumers && v->consumers[c] < i; c++)
                if (rt->nodeDevice[v->consumers[c]] == d) first = false;
            if (!first) continue;
            if (v->role == HGN_ROLE_KV_CACHE)
                used += alignUp((uint64_t)rt->ctx * (uint64_t)(v->shape.dims[1].n * v->shape.dims[2].n) *
                                kvElemBytes(rt, kvType(v, kvWant)));
            else if (v->role == HGN_ROLE_INPUT)
                used += alignUp((uint64_t)rt->ubatch * 4);
            else if (isSmallWeight(v) && v->dtype != HGN_DTYPE_F32)
                used += alignUp((uint64_t)v->shape.dims[0].n * 4);
        }
        if (used > budget) return n->name;
    }
    return overrunNode(rt, NULL, 0, d, 0);
}

static HgnStatus allocate(HgnRuntime *rt, const HgnPlan *plan, const HgnRuntimeOptions *opt) {
    const HgnGraph *g = rt->model.graph;
    int64_t ub = rt->ubatch;
    DeviceNeed *need = hgnCalloc((size_t)rt->nDev, sizeof *need);
    uint64_t *window = hgnCalloc((size_t)rt->nDev, sizeof *window);
    Item *items = NULL;
    size_t nItems = 0;
    HgnStatus st = need && window ? HGN_OK : oom("executor");
    /* with a plan, the arena of each device is what the plan sized for it
     * (KV cache + activations + overhead); shrink the step until it fits */
    for (;;) {
        if (st) break;
        hgnFree(items);
        items = NULL;
        if ((st = computeNeeds(rt, ub, opt->kvDtype, need, &items, &nItems))) break;
        bool fits = true;
        for (int32_t d = 0; d < rt->nDev; d++) {
            bool used = false; /* a device the plan leaves empty needs no memory */
            for (int32_t i = 0; i < rt->nNodes && !used; i++) used = rt->nodeDevice[i] == d;
            uint64_t total = used ? need[d].fixed + need[d].act + 4096 : 0;
            if (plan && d < (int32_t)plan->nDevices) {
                const HgnPlanLedger *l = &plan->devices[d].ledger;
                uint64_t budget = l->kvCacheBytes + l->activationBytes + l->overheadBytes;
                if (rt->lostDevice >= 0 && rt->lostDevice < (int32_t)plan->nDevices && d != rt->lostDevice) {
                    /* the fallback placement: what moved brings the lost device's budget along */
                    const HgnPlanLedger *ll = &plan->devices[rt->lostDevice].ledger;
                    budget += ll->kvCacheBytes + ll->activationBytes + ll->overheadBytes;
                }
                if (total > budget) {
                    fits = false;
                    if (ub == 1) {
                        const char *node = need[d].fixed > budget
                                               ? fixedOverrunNode(rt, d, budget, opt->kvDtype)
                                               : overrunNode(rt, items, nItems, d, budget - need[d].fixed);
                        st = hgnStatusNew(
                            HGN_CODE_OverBudget, node, "plan again (a larger memory window or a shorter context)",
                            "node '%s' needs buffers past the %llu bytes the plan gives %s for KV "
                            "cache, activations and overhead (%llu needed at one token per step)",
                            node, (unsigned long long)budget, plan->devices[d].id, (unsigned long long)total);
                    }
                }
                window[d] = budget;
            } else
                window[d] = total;
        }
        if (st || fits) break;
        ub = ub / 2 > 0 ? ub / 2 : 1;
    }
    if (!st) {
        rt->ubatch = ub;
        for (int32_t d = 0; d < rt->nDev; d++)
            if (window[d] < 64) window[d] = 64;
        HgnCpuBackendOptions copt = {.nDevices = rt->nDev, .windowBytes = window, .threads = opt->threads};
        st = hgnCpuBackendCreate(&copt, &rt->be);
    }
    /* fixed buffers */
    for (int32_t vi = 0; !st && vi < rt->nValues; vi++) {
        const HgnValue *v = hgnGraphValue(g, vi);
        for (int32_t d = 0; !st && d < rt->nDev; d++) {
            if (lastUseOn(rt, v, d) < 0) continue;
            HgnDeviceBuffer *b = bufAt(rt, vi, d);
            if (v->role == HGN_ROLE_KV_CACHE) {
                HgnDtype t = kvType(v, opt->kvDtype);
                st = rt->be->ops->alloc(rt->be, d,
                                        (uint64_t)rt->ctx * (uint64_t)(v->shape.dims[1].n * v->shape.dims[2].n) *
                                            kvElemBytes(rt, t),
                                        v->name, b);
                for (int32_t c = 0; !st && c < v->nConsumers; c++) rt->nodes[v->consumers[c]].cacheType = t;
            } else if (v->role == HGN_ROLE_INPUT)
                st = rt->be->ops->alloc(rt->be, d, (uint64_t)ub * 4, v->name, b);
            else if (v->role == HGN_ROLE_WEIGHT) {
                if (!v->data)
                    st = hgnStatusNew(HGN_CODE_ModelFormatInvalid, v->name, NULL, "weight '%s' has no data", v->name);
                else if (isSmallWeight(v) && v->dtype != HGN_DTYPE_F32) {
                    int64_t n = v->shape.dims[0].n;
                    float *tmp = hgnMalloc((size_t)n * sizeof(float));
                    st = tmp ? hgnDequantizeRow(v->dtype, v->data, tmp, n) : oom(v->name);
                    if (!st) st = rt->be->ops->alloc(rt->be, d, (uint64_t)n * 4, v->name, b);
                    if (!st) st = rt->be->ops->copyIn(rt->be, b, 0, tmp, (uint64_t)n * 4);
                    hgnFree(tmp);
                } else
                    st = rt->be->ops->importHost(rt->be, d, v->data, v->dataBytes, v->name, b);
            } else
                continue;
            if (!st) setHas(rt, vi, d);
        }
    }
    for (int32_t d = 0; !st && d < rt->nDev; d++) {
        uint64_t sb = rt->be->ops->scratchBytes(rt->be, d, rt->nodes, (size_t)rt->nNodes, ub, rt->ctx);
        HgnDeviceBuffer scratch = {0};
        if (sb) st = rt->be->ops->alloc(rt->be, d, sb, "scratch", &scratch);
        if (!st) rt->be->ops->setScratch(rt->be, d, sb ? &scratch : NULL);
        HgnDeviceBuffer act = {0};
        if (!st && need[d].act) st = rt->be->ops->alloc(rt->be, d, need[d].act, "activations", &act);
        for (size_t i = 0; !st && i < nItems; i++) {
            if (items[i].device != d) continue;
            HgnDeviceBuffer *b = bufAt(rt, items[i].value, d);
            /* a sub-range of the device's activation block */
            *b = (HgnDeviceBuffer){
                .device = d, .bytes = items[i].bytes, .opaque = (uint8_t *)act.opaque + items[i].offset};
            setHas(rt, items[i].value, d);
        }
    }
    hgnFree(items);
    hgnFree(need);
    hgnFree(window);
    return st;
}

/* Operands resolved to buffers on the node's device; transfers recorded. */
static HgnStatus resolve(HgnRuntime *rt) {
    const HgnGraph *g = rt->model.graph;
    rt->xfers = hgnCalloc((size_t)rt->nValues * (size_t)rt->nDev + 1, sizeof *rt->xfers);
    if (!rt->xfers) return oom("executor");
    for (int32_t i = 0; i < rt->nNodes; i++) {
        const HgnNode *n = hgnGraphNode(g, i);
        HgnExecNode *e = &rt->nodes[i];
        for (int32_t k = 0; k < n->nInputs; k++) {
            if (n->inputs[k] < 0) continue;
            if (!hasBuf(rt, n->inputs[k], e->device))
                return hgnStatusNew(HGN_CODE_InternalError, n->name, NULL, "input %d of '%s' has no buffer", k,
                                    n->name);
            e->in[k] = bufAt(rt, n->inputs[k], e->device);
        }
        for (int32_t k = 0; k < n->nOutputs; k++) e->out[k] = bufAt(rt, n->outputs[k], e->device);
    }
    /* copies: activations read on another device after their producer, inputs at the step start */
    for (int32_t vi = 0; vi < rt->nValues; vi++) {
        const HgnValue *v = hgnGraphValue(g, vi);
        if (v->role == HGN_ROLE_WEIGHT || v->role == HGN_ROLE_KV_CACHE) continue;
        int32_t home =
            v->producer >= 0 ? rt->nodeDevice[v->producer] : (v->nConsumers ? rt->nodeDevice[v->consumers[0]] : 0);
        rt->home[vi] = home;
        for (int32_t d = 0; d < rt->nDev; d++)
            if (d != home && lastUseOn(rt, v, d) >= 0)
                rt->xfers[rt->nXfers++] =
                    (Transfer){.afterNode = v->producer, .value = vi, .toDevice = d, .cols = colsOf(v)};
    }
    return HGN_OK;
}

/* ---- open -------------------------------------------------------------------------------- */

static HgnStatus build(HgnRuntime *rt, const HgnPlan *plan, const HgnRuntimeOptions *opt) {
    const HgnGraph *g = rt->model.graph;
    rt->nValues = hgnGraphValueCount(g);
    rt->nNodes = hgnGraphNodeCount(g);
    rt->tokensVal = hgnGraphFindValue(g, "tokens");
    rt->positionsVal = hgnGraphFindValue(g, "positions");
    rt->logitsVal = hgnGraphOutputCount(g) == 1 ? hgnGraphOutput(g, 0) : -1;
    if (rt->tokensVal < 0 || rt->positionsVal < 0 || rt->logitsVal < 0)
        return hgnStatusNew(HGN_CODE_NotImplemented, rt->model.path, "run a decoder language model",
                            "the local runtime runs decoder LLM graphs (tokens, positions → logits)");
    const HgnValue *lv = hgnGraphValue(g, rt->logitsVal);
    rt->vocab = colsOf(lv);
    rt->buf = hgnCalloc((size_t)rt->nValues * (size_t)rt->nDev, sizeof *rt->buf);
    rt->has = hgnCalloc((size_t)rt->nValues * (size_t)rt->nDev, sizeof *rt->has);
    rt->home = hgnCalloc((size_t)rt->nValues, sizeof *rt->home);
    rt->nodeDevice = hgnCalloc((size_t)rt->nNodes + 1, sizeof *rt->nodeDevice);
    rt->nodes = hgnCalloc((size_t)rt->nNodes + 1, sizeof *rt->nodes);
    rt->invFreq = hgnCalloc((size_t)rt->nNodes * (HGN_ROPE_MAX_DIMS / 2) + 1, sizeof(float));
    rt->predicted = hgnCalloc((size_t)rt->nDev, sizeof *rt->predicted);
    if (!rt->buf || !rt->has || !rt->home || !rt->nodeDevice || !rt->nodes || !rt->invFreq || !rt->predicted)
        return oom("executor");
    for (int32_t vi = 0; vi < rt->nValues; vi++) {
        const HgnValue *v = hgnGraphValue(g, vi);
        if (v->role != HGN_ROLE_WEIGHT || v->nConsumers == 0) continue;
        /* bytes read per token: whole matrices, but one row of an embedding table */
        bool onlyEmbedding = true;
        for (int32_t c = 0; c < v->nConsumers; c++)
            if (strcmp(hgnGraphNode(g, v->consumers[c])->op, "embedding") != 0) onlyEmbedding = false;
        if (onlyEmbedding && v->shape.rank == 2 && v->shape.dims[0].n > 0)
            rt->weightBytes += v->dataBytes / (uint64_t)v->shape.dims[0].n;
        else
            rt->weightBytes += v->dataBytes;
    }
    placeNodes(rt, plan);
    for (int32_t i = 0; i < rt->nNodes; i++) {
        HgnStatus st = prepareNode(rt, i, &rt->nodes[i]);
        if (st) return st;
    }
    /* scratch sizes need a backend for the pool size: a probe with the real thread split */
    {
        uint64_t *w = hgnCalloc((size_t)rt->nDev, sizeof *w);
        if (!w) return oom("executor");
        for (int32_t d = 0; d < rt->nDev; d++) w[d] = 64;
        HgnCpuBackendOptions copt = {.nDevices = rt->nDev, .windowBytes = w, .threads = opt->threads};
        HgnStatus st = hgnCpuBackendCreate(&copt, &rt->be);
        hgnFree(w);
        if (st) return st;
    }
    HgnBackend *probe = rt->be;
    HgnStatus st = allocate(rt, plan, opt);
    if (rt->be == probe) rt->be = NULL;
    probe->ops->destroy(probe);
    if (st) return st;
    if ((st = resolve(rt))) return st;
    rt->posHost = hgnCalloc((size_t)rt->ubatch, sizeof *rt->posHost);
    if (!rt->posHost) return oom("executor");
    if (plan) {
        for (int32_t d = 0; d < rt->nDev && plan->peakBytes; d++) rt->predicted[d] = plan->peakBytes[d];
        rt->stats.predictedDecodeMs = plan->decodeLatencyMs;
        rt->stats.predictedDecodeTps = plan->decodeTokensPerSecond;
        rt->stats.predictedPrefillTps = plan->prefillTokensPerSecond;
    }
    return HGN_OK;
}

static HgnStatus checkOptions(const HgnRuntimeOptions *opt) {
    if (opt->threads < 1 || opt->threads > HGN_THREADPOOL_MAX_THREADS)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "threads", "use --threads 1 or more",
                            "threads must be between 1 and %d, got %d", HGN_THREADPOOL_MAX_THREADS, opt->threads);
    if (opt->nDevices < 1 || opt->nDevices > 64)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "devices", NULL, "devices must be between 1 and 64, got %d",
                            opt->nDevices);
    if (opt->context < 0 || opt->ubatch < 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "context", NULL, "context and ubatch must not be negative");
    return HGN_OK;
}

/* reuse (may be NULL): an open model the new runtime takes over (given back on failure) */
static HgnStatus openCommon(const char *modelPath, const HgnPlan *plan, const HgnRuntimeOptions *opt,
                            int32_t lostDevice, RtModel *reuse, HgnRuntime **out) {
    HgnRuntime *rt = hgnCalloc(1, sizeof *rt);
    if (!rt) return oom("executor");
    rt->opt = *opt;
    rt->lostDevice = lostDevice;
    HgnStatus st = plan ? hgnPlanWriteJson(plan, &rt->planJson) : HGN_OK;
    if (!st && reuse) {
        rt->model = *reuse;
        memset(reuse, 0, sizeof *reuse);
    } else if (!st)
        st = rtModelOpen(modelPath, &rt->model);
    if (!st) {
        rt->nDev = plan ? (int32_t)plan->nDevices : opt->nDevices;
        if (rt->nDev < 1) rt->nDev = 1;
        int64_t mctx = rt->model.contextLength > 0 ? rt->model.contextLength : 4096;
        rt->ctx = plan && plan->context ? (int64_t)plan->context
                                        : (opt->context ? opt->context : (mctx < 4096 ? mctx : 4096));
        rt->ubatch = opt->ubatch ? opt->ubatch : (plan && plan->ubatch ? (int64_t)plan->ubatch : 256);
        if (rt->ubatch > rt->ctx) rt->ubatch = rt->ctx;
        if (rt->ubatch < 1) rt->ubatch = 1;
        st = build(rt, plan, opt);
    }
    if (st) {
        if (reuse && rt->model.graph) {
            *reuse = rt->model;
            memset(&rt->model, 0, sizeof rt->model);
        }
        hgnRuntimeFree(rt);
        return st;
    }
    *out = rt;
    return HGN_OK;
}

HgnStatus hgnRuntimeOpen(const char *modelPath, const HgnRuntimeOptions *opt, HgnRuntime **out) {
    *out = NULL;
    HgnRuntimeOptions dflt;
    if (!opt) {
        hgnRuntimeOptionsInit(&dflt);
        opt = &dflt;
    }
    HgnStatus st = checkOptions(opt);
    if (st) return st;
    return openCommon(modelPath, NULL, opt, -1, NULL, out);
}

HgnStatus hgnRuntimeOpenPlan(const HgnPlan *plan, const char *planPath, const HgnRuntimeOptions *opt,
                             HgnRuntime **out) {
    *out = NULL;
    HgnRuntimeOptions dflt;
    if (!opt) {
        hgnRuntimeOptionsInit(&dflt);
        opt = &dflt;
    }
    HgnStatus st = checkOptions(opt);
    if (st) return st;
    if (plan->modelSource && strcmp(plan->modelSource, "onnx") == 0)
        return hgnStatusNew(HGN_CODE_NotImplemented, planPath ? planPath : "plan",
                            "run decoder LLM plans (GGUF, safetensors) for now",
                            "the local runtime does not run ONNX graphs yet");
    for (size_t d = 0; d < plan->nDevices; d++)
        if (plan->devices[d].kind && strcmp(plan->devices[d].kind, "cpu") != 0)
            return hgnStatusNew(HGN_CODE_NotImplemented, plan->devices[d].id,
                                "plan for this host's CPUs (virtual cpu devices: runtime.devices)",
                                "the plan places work on %s (%s), and the local runtime has only the cpu backend",
                                plan->devices[d].id, plan->devices[d].kind);
    if (!plan->modelPath || !plan->modelPath[0])
        return hgnStatusNew(HGN_CODE_NotFound, planPath ? planPath : "plan",
                            "plan a model file or folder: huginn plan MODEL.gguf --out plan.json",
                            "the plan names no model file (a plan made from registry figures has no weights to run)");
    /* a relative model path is relative to the current folder, else to the plan's folder */
    char *path = NULL;
    if (plan->modelPath[0] == '/' || access(plan->modelPath, F_OK) == 0 || !planPath || !strchr(planPath, '/'))
        path = hgnStrdup(plan->modelPath);
    else {
        size_t dl = (size_t)(strrchr(planPath, '/') - planPath);
        size_t n = dl + strlen(plan->modelPath) + 2;
        path = hgnMalloc(n);
        if (path) snprintf(path, n, "%.*s/%s", (int)dl, planPath, plan->modelPath);
    }
    if (!path) return oom("executor");
    if (access(path, F_OK) != 0) {
        st = hgnStatusNew(HGN_CODE_NotFound, path, "restore the model file, or plan again for the model you have",
                          "the plan's model file is missing");
        hgnFree(path);
        return st;
    }
    /* digests: the plan carries one per model file (a folder: its weights file) */
    char *digest = NULL; /* kept for checkpoints */
    if (plan->nFileDigests > 0) {
        char *file = NULL;
        struct stat sb;
        size_t pl = strlen(path);
        bool folderFile = pl > 5 && strcmp(path + pl - 5, ".json") == 0;
        if (stat(path, &sb) == 0 && (S_ISDIR(sb.st_mode) || folderFile)) {
            HgnHfModel *hf = NULL;
            st = hgnHfModelOpen(path, &hf);
            if (!st) {
                file = hgnStrdup(hgnHfModelWeightsPath(hf));
                if (!file) st = oom("executor");
            }
            hgnHfModelClose(hf);
        } else if (!(file = hgnStrdup(path)))
            st = oom("executor");
        if (!st) st = rtFileDigest(file, &digest);
        bool match = false;
        for (size_t i = 0; !st && i < plan->nFileDigests; i++)
            if (plan->fileDigests[i] && strcmp(plan->fileDigests[i], digest) == 0) match = true;
        if (!st && !match)
            st = hgnStatusNew(HGN_CODE_PlanSchemaViolation, file,
                              "plan again for this model: huginn plan MODEL --out plan.json",
                              "the model file does not match the plan: its digest is %s, the plan expects %s", digest,
                              plan->fileDigests[0]);
        hgnFree(file);
        if (st) {
            hgnFree(digest);
            hgnFree(path);
            return st;
        }
    }
    st = openCommon(path, plan, opt, -1, NULL, out);
    if (!st)
        (*out)->modelDigest = digest;
    else
        hgnFree(digest);
    hgnFree(path);
    return st;
}

void hgnRuntimeFree(HgnRuntime *rt) {
    if (!rt) return;
    if (rt->be) rt->be->ops->destroy(rt->be);
    rtModelClose(&rt->model);
    hgnFree(rt->buf);
    hgnFree(rt->has);
    hgnFree(rt->home);
    hgnFree(rt->nodeDevice);
    hgnFree(rt->nodes);
    hgnFree(rt->xfers);
    hgnFree(rt->invFreq);
    hgnFree(rt->posHost);
    hgnFree(rt->predicted);
    hgnFree(rt->planJson);
    hgnFree(rt->modelDigest);
    hgnFree(rt->planDigest);
    hgnFree(rt);
}

/* ---- running ---------------------------------------------------------------------------- */

static HgnStatus transfer(HgnRuntime *rt, const Transfer *x, int64_t nTokens) {
    HgnDeviceBuffer *src = bufAt(rt, x->value, rt->home[x->value]);
    HgnDeviceBuffer *dst = bufAt(rt, x->value, x->toDevice);
    uint64_t bytes = (uint64_t)nTokens * (uint64_t)x->cols * 4;
    rt->stats.bytesTransferred += bytes;
    return rt->be->ops->copyDevice(rt->be, dst, 0, src, 0, bytes);
}

static HgnStatus step(HgnRuntime *rt, const int32_t *ids, int64_t n, bool allLogits, float *logits) {
    HgnExecStep s = {.nTokens = n, .pos0 = rt->pos, .allLogits = allLogits};
    if (rt->pos + n > rt->ctx)
        return hgnStatusNew(HGN_CODE_OverBudget, "context", "plan a larger context or use a shorter prompt",
                            "%lld tokens do not fit in the context of %lld (%lld already used)", (long long)n,
                            (long long)rt->ctx, (long long)rt->pos);
    for (int64_t t = 0; t < n; t++) rt->posHost[t] = (int32_t)(rt->pos + t);
    HgnBackend *be = rt->be;
    HgnStatus st = be->ops->copyIn(be, bufAt(rt, rt->tokensVal, rt->home[rt->tokensVal]), 0, ids, (uint64_t)n * 4);
    if (!st)
        st = be->ops->copyIn(be, bufAt(rt, rt->positionsVal, rt->home[rt->positionsVal]), 0, rt->posHost,
                             (uint64_t)n * 4);
    for (int32_t x = 0; !st && x < rt->nXfers; x++)
        if (rt->xfers[x].afterNode < 0) st = transfer(rt, &rt->xfers[x], n);
    int32_t nextX = 0;
    while (nextX < rt->nXfers && rt->xfers[nextX].afterNode < 0) nextX++;
    for (int32_t i = 0; !st && i < rt->nNodes; i++) {
        st = be->ops->runNode(be, &rt->nodes[i], &s);
        for (int32_t x = 0; !st && x < rt->nXfers; x++)
            if (rt->xfers[x].afterNode == i) {
                be->ops->synchronise(be, rt->nodes[i].device);
                st = transfer(rt, &rt->xfers[x], n);
            }
    }
    (void)nextX;
    if (st) return st;
    int32_t ld = rt->home[rt->logitsVal];
    be->ops->synchronise(be, ld);
    rt->pos += n;
    if (!logits) return HGN_OK;
    uint64_t rows = allLogits ? (uint64_t)n : 1;
    return be->ops->copyOut(be, bufAt(rt, rt->logitsVal, ld), 0, logits, rows * (uint64_t)rt->vocab * 4);
}

HgnStatus hgnRuntimeEval(HgnRuntime *rt, const int32_t *ids, size_t n, bool allLogits, float *logits) {
    if (n == 0) return HGN_OK;
    for (size_t i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= rt->vocab)
            return hgnStatusNew(HGN_CODE_InvalidInput, "tokens", "use token ids of this model's vocabulary",
                                "token %zu is id %d, outside the vocabulary of %lld", i, ids[i], (long long)rt->vocab);
    if (rt->pos + (int64_t)n > rt->ctx)
        return hgnStatusNew(HGN_CODE_OverBudget, "context", "plan a larger context or use a shorter prompt",
                            "%zu tokens do not fit in the context of %lld (%lld already used)", n, (long long)rt->ctx,
                            (long long)rt->pos);
    double t0 = now();
    HgnStatus st = HGN_OK;
    for (size_t done = 0; !st && done < n;) {
        int64_t chunk = (int64_t)(n - done) < rt->ubatch ? (int64_t)(n - done) : rt->ubatch;
        bool last = done + (size_t)chunk == n;
        float *dst = NULL;
        if (logits && allLogits)
            dst = logits + done * (size_t)rt->vocab;
        else if (logits && last)
            dst = logits;
        st = step(rt, ids + done, chunk, allLogits, dst);
        done += (size_t)chunk;
    }
    double dt = now() - t0;
    if (n == 1) {
        rt->stats.decodeTokens++;
        rt->stats.decodeSeconds += dt;
    } else {
        rt->stats.prefillTokens += n;
        rt->stats.prefillSeconds += dt;
    }
    return st;
}

void hgnRuntimeReset(HgnRuntime *rt) { rt->pos = 0; }

const HgnTokenizer *hgnRuntimeTokenizer(const HgnRuntime *rt) { return rt->model.tok; }
int64_t hgnRuntimeVocab(const HgnRuntime *rt) { return rt->vocab; }
int64_t hgnRuntimeContext(const HgnRuntime *rt) { return rt->ctx; }
int64_t rtUbatch(const HgnRuntime *rt) { return rt->ubatch; }
int64_t hgnRuntimePosition(const HgnRuntime *rt) { return rt->pos; }
int32_t hgnRuntimeDeviceCount(const HgnRuntime *rt) { return rt->nDev; }
const char *hgnRuntimeModelPath(const HgnRuntime *rt) { return rt->model.path; }
uint64_t hgnRuntimeWeightBytes(const HgnRuntime *rt) { return rt->weightBytes; }

void hgnRuntimeGetStats(const HgnRuntime *rt, HgnRuntimeStats *out) { *out = rt->stats; }

void hgnRuntimeGetDeviceStats(const HgnRuntime *rt, int32_t i, HgnRuntimeDeviceStats *out) {
    memset(out, 0, sizeof *out);
    if (i < 0 || i >= rt->nDev) return;
    HgnDeviceStats s;
    rt->be->ops->stats(rt->be, i, &s);
    snprintf(out->id, sizeof out->id, "%s", rt->be->ops->deviceName(rt->be, i));
    out->windowBytes = s.windowBytes;
    out->peakBytes = s.peakBytes;
    out->mappedBytes = s.importedBytes;
    out->predictedBytes = rt->predicted[i];
    out->nodesRun = s.nodesRun;
}

/* ---- session state ------------------------------------------------------------------------ */

#define STATE_MAGIC "HGNKV01\0"

/* Bytes of one cache row (all KV heads of one position) of KV value vi on device d. */
static uint64_t cacheRowBytes(const HgnRuntime *rt, int32_t vi, int32_t d) {
    return rt->buf[(size_t)vi * (size_t)rt->nDev + (size_t)d].bytes / (uint64_t)rt->ctx;
}

uint64_t hgnRuntimeStateSize(const HgnRuntime *rt) {
    uint64_t n = 8 + 32 + 8 + 8;
    for (int32_t vi = 0; vi < rt->nValues; vi++) {
        if (hgnGraphValue(rt->model.graph, vi)->role != HGN_ROLE_KV_CACHE) continue;
        for (int32_t d = 0; d < rt->nDev; d++)
            if (hasBuf(rt, vi, d)) n += 8 + (uint64_t)rt->pos * cacheRowBytes(rt, vi, d);
    }
    return n;
}

HgnStatus hgnRuntimeStateSave(HgnRuntime *rt, void *buf, size_t cap, size_t *written) {
    uint64_t need = hgnRuntimeStateSize(rt);
    if (cap < need)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "state", "size the buffer with hgnRuntimeStateSize",
                            "the state needs %llu bytes, the buffer holds %zu", (unsigned long long)need, cap);
    uint8_t *p = buf;
    memcpy(p, STATE_MAGIC, 8);
    hgnGraphDigest(rt->model.graph, p + 8);
    uint64_t pos = (uint64_t)rt->pos, ctx = (uint64_t)rt->ctx;
    memcpy(p + 40, &pos, 8);
    memcpy(p + 48, &ctx, 8);
    size_t at = 56;
    for (int32_t vi = 0; vi < rt->nValues; vi++) {
        if (hgnGraphValue(rt->model.graph, vi)->role != HGN_ROLE_KV_CACHE) continue;
        for (int32_t d = 0; d < rt->nDev; d++) {
            if (!hasBuf(rt, vi, d)) continue;
            uint64_t row = cacheRowBytes(rt, vi, d), bytes = pos * row;
            memcpy(p + at, &row, 8);
            at += 8;
            rt->be->ops->synchronise(rt->be, d);
            HgnStatus st = rt->be->ops->copyOut(rt->be, bufAt(rt, vi, d), 0, p + at, bytes);
            if (st) return st;
            at += (size_t)bytes;
        }
    }
    *written = at;
    return HGN_OK;
}

static HgnStatus stateError(size_t offset, const char *what) {
    char where[64];
    snprintf(where, sizeof where, "state:offset %zu", offset);
    return hgnStatusNew(HGN_CODE_PlanSchemaViolation, where, "resume with the plan and model the state was saved from",
                        "the saved session state %s", what);
}

HgnStatus hgnRuntimeStateLoad(HgnRuntime *rt, const void *buf, size_t size) {
    const uint8_t *p = buf;
    if (size < 56 || memcmp(p, STATE_MAGIC, 8) != 0) return stateError(0, "is not Huginn session state");
    uint8_t digest[32];
    hgnGraphDigest(rt->model.graph, digest);
    if (memcmp(p + 8, digest, 32) != 0) return stateError(8, "was saved for another model graph");
    uint64_t pos, ctx;
    memcpy(&pos, p + 40, 8);
    memcpy(&ctx, p + 48, 8);
    if (ctx != (uint64_t)rt->ctx || pos > ctx) return stateError(40, "was saved for another context size");
    size_t at = 56;
    /* check every record before touching the caches */
    for (int pass = 0; pass < 2; pass++) {
        at = 56;
        for (int32_t vi = 0; vi < rt->nValues; vi++) {
            if (hgnGraphValue(rt->model.graph, vi)->role != HGN_ROLE_KV_CACHE) continue;
            for (int32_t d = 0; d < rt->nDev; d++) {
                if (!hasBuf(rt, vi, d)) continue;
                uint64_t row, want = cacheRowBytes(rt, vi, d);
                if (size - at < 8) return stateError(at, "is truncated");
                memcpy(&row, p + at, 8);
                if (row != want) return stateError(at, "was saved with another KV cache layout or type");
                at += 8;
                uint64_t bytes = pos * row;
                if (size - at < bytes) return stateError(at, "is truncated");
                if (pass == 1) {
                    HgnStatus st = rt->be->ops->copyIn(rt->be, bufAt(rt, vi, d), 0, p + at, bytes);
                    if (st) return st;
                }
                at += (size_t)bytes;
            }
        }
        if (at != size) return stateError(at, "has trailing bytes");
    }
    rt->pos = (int64_t)pos;
    return HGN_OK;
}

/* ---- device loss ------------------------------------------------------------------------ */

HgnStatus hgnRuntimeLoseDevice(HgnRuntime *rt, int32_t device, uint64_t *movedBytes) {
    if (movedBytes) *movedBytes = 0;
    if (device < 0 || device >= rt->nDev)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "device", "name a device of the plan (cpu:0 …)",
                            "device %d does not exist (the runtime has %d)", device, rt->nDev);
    if (rt->nDev < 2)
        return hgnStatusNew(HGN_CODE_PlanInfeasible, "device", "plan for two or more devices",
                            "the runtime has one device; nothing can take over its work");
    if (rt->lostDevice >= 0)
        return hgnStatusNew(HGN_CODE_NotImplemented, "device", "restart the run on a fresh plan",
                            "cpu:%d is already lost; the plan's fallbacks cover the loss of one device",
                            rt->lostDevice);
    HgnPlan *plan = NULL;
    HgnStatus st = HGN_OK;
    if (rt->planJson) {
        if ((st = hgnPlanReadJson(rt->planJson, strlen(rt->planJson), "plan", &plan))) return st;
        const HgnPlanFallback *fb = NULL;
        for (size_t f = 0; f < plan->nFallbacks; f++)
            if (plan->fallbacks[f].lostDevice == device) fb = &plan->fallbacks[f];
        bool used = false;
        for (int32_t i = 0; i < rt->nNodes; i++) used = used || rt->nodeDevice[i] == device;
        if (used && (!fb || !fb->feasible)) {
            st = hgnStatusNew(HGN_CODE_PlanInfeasible, plan->devices[device].id,
                              "plan with more memory on the other devices",
                              "the plan has no feasible fallback for %s%s%s", plan->devices[device].id,
                              fb && fb->reason ? ": " : "", fb && fb->reason ? fb->reason : "");
            hgnPlanFree(plan);
            return st;
        }
    }
    /* bytes that move: the weights of the nodes the lost device ran */
    uint64_t moved = 0;
    const HgnGraph *g = rt->model.graph;
    for (int32_t vi = 0; vi < rt->nValues; vi++) {
        const HgnValue *v = hgnGraphValue(g, vi);
        if (v->role != HGN_ROLE_WEIGHT) continue;
        for (int32_t c = 0; c < v->nConsumers; c++)
            if (rt->nodeDevice[v->consumers[c]] == device) {
                moved += v->dataBytes;
                break;
            }
    }
    HgnRuntime *nrt = NULL;
    /* the model (graph, tokenizer, mapped weights) stays: only placement and buffers change */
    st = openCommon(rt->model.path, plan, &rt->opt, device, &rt->model, &nrt);
    hgnPlanFree(plan);
    if (st) return st;
    /* the new runtime takes the old one's place; counters carry on */
    nrt->stats = rt->stats;
    HgnRuntime tmp = *rt;
    *rt = *nrt;
    *nrt = tmp;
    rt->modelDigest = nrt->modelDigest;
    rt->planDigest = nrt->planDigest;
    nrt->modelDigest = nrt->planDigest = NULL;
    hgnRuntimeFree(nrt);
    rt->stats.bytesTransferred += moved;
    if (movedBytes) *movedBytes = moved;
    HGN_INFO("runtime", "cpu:%d lost: its nodes moved to the fallback placement (%llu weight bytes)", device,
             (unsigned long long)moved);
    return HGN_OK;
}

int32_t hgnRuntimeLostDevice(const HgnRuntime *rt) { return rt->lostDevice; }

HgnStatus hgnRuntimeDigests(HgnRuntime *rt, const char **model, const char **plan) {
    HgnStatus st = HGN_OK;
    if (!rt->modelDigest &&
        (st = rtFileDigest(rt->model.weightsPath ? rt->model.weightsPath : rt->model.path, &rt->modelDigest)))
        return st;
    if (!rt->planDigest) {
        rt->planDigest = rt->planJson ? rtTextDigest(rt->planJson, strlen(rt->planJson)) : hgnStrdup("");
        if (!rt->planDigest) return oom("executor");
    }
    *model = rt->modelDigest;
    *plan = rt->planDigest;
    return HGN_OK;
}
