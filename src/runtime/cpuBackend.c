/* cpuBackend.c — the `cpu` backend of backend.h: N virtual devices in host
 * memory, each with one arena (a 64-byte aligned block of its window size,
 * bump-allocated, reset to a mark), its own thread pool (a share of the
 * threads), and the LLM op set run with the kernels of runtime/cpu. Mapped
 * weights are imported in place (no copy). Running a node never allocates. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "runtime/backend.h"
#include "runtime/cpu/kernels.h"
#include "runtime/threadPool.h"

typedef struct CpuDevice {
    char name[16];
    uint8_t *base; /* aligned arena start */
    void *raw;     /* what hgnMalloc returned */
    uint64_t window, used, peak, imported, copied, nodes;
    HgnThreadPool *pool;
    uint8_t *scratch;
    uint64_t scratchBytes;
} CpuDevice;

typedef struct CpuBackend {
    HgnBackend base;
    int32_t n;
    CpuDevice *dev;
} CpuBackend;

static CpuBackend *cpu(HgnBackend *b) { return (CpuBackend *)b; }
static const CpuBackend *cpuC(const HgnBackend *b) { return (const CpuBackend *)b; }

static int32_t deviceCount(const HgnBackend *b) { return cpuC(b)->n; }
static const char *deviceName(const HgnBackend *b, int32_t d) { return cpuC(b)->dev[d].name; }

static HgnStatus alloc(HgnBackend *b, int32_t d, uint64_t bytes, const char *owner, HgnDeviceBuffer *out) {
    CpuDevice *v = &cpu(b)->dev[d];
    uint64_t at = (v->used + 63) & ~(uint64_t)63;
    if (bytes > v->window || at > v->window - bytes)
        return hgnStatusNew(HGN_CODE_OverBudget, owner,
                            "plan again with a larger context budget or fewer tokens per step",
                            "%s needs %llu bytes on %s but only %llu of its %llu-byte window are free", owner,
                            (unsigned long long)bytes, v->name, (unsigned long long)(v->window - v->used),
                            (unsigned long long)v->window);
    *out = (HgnDeviceBuffer){.device = d, .bytes = bytes, .opaque = v->base + at};
    v->used = at + bytes;
    if (v->used > v->peak) v->peak = v->used;
    return HGN_OK;
}

static uint64_t mark(const HgnBackend *b, int32_t d) { return cpuC(b)->dev[d].used; }
static void resetTo(HgnBackend *b, int32_t d, uint64_t m) {
    if (m < cpu(b)->dev[d].used) cpu(b)->dev[d].used = m;
}

static HgnStatus importHost(HgnBackend *b, int32_t d, const void *host, uint64_t bytes, const char *owner,
                            HgnDeviceBuffer *out) {
    (void)owner;
    cpu(b)->dev[d].imported += bytes;
    *out = (HgnDeviceBuffer){.device = d, .bytes = bytes, .opaque = (void *)(uintptr_t)host, .imported = true};
    return HGN_OK;
}

static HgnStatus rangeError(const HgnDeviceBuffer *buf, uint64_t offset, uint64_t bytes) {
    return hgnStatusNew(HGN_CODE_InternalError, "cpuBackend", NULL,
                        "copy of %llu bytes at offset %llu outside a %llu-byte buffer", (unsigned long long)bytes,
                        (unsigned long long)offset, (unsigned long long)buf->bytes);
}

static HgnStatus copyIn(HgnBackend *b, HgnDeviceBuffer *dst, uint64_t offset, const void *src, uint64_t bytes) {
    if (offset > dst->bytes || bytes > dst->bytes - offset) return rangeError(dst, offset, bytes);
    memcpy((uint8_t *)dst->opaque + offset, src, bytes);
    cpu(b)->dev[dst->device].copied += bytes;
    return HGN_OK;
}

static HgnStatus copyOut(HgnBackend *b, const HgnDeviceBuffer *src, uint64_t offset, void *dst, uint64_t bytes) {
    if (offset > src->bytes || bytes > src->bytes - offset) return rangeError(src, offset, bytes);
    memcpy(dst, (const uint8_t *)src->opaque + offset, bytes);
    cpu(b)->dev[src->device].copied += bytes;
    return HGN_OK;
}

static HgnStatus copyDevice(HgnBackend *b, HgnDeviceBuffer *dst, uint64_t dOff, const HgnDeviceBuffer *src,
                            uint64_t sOff, uint64_t bytes) {
    if (dOff > dst->bytes || bytes > dst->bytes - dOff) return rangeError(dst, dOff, bytes);
    if (sOff > src->bytes || bytes > src->bytes - sOff) return rangeError(src, sOff, bytes);
    memmove((uint8_t *)dst->opaque + dOff, (const uint8_t *)src->opaque + sOff, bytes);
    cpu(b)->dev[dst->device].copied += bytes;
    return HGN_OK;
}

static uint64_t scratchBytes(const HgnBackend *b, int32_t d, const HgnExecNode *nodes, size_t nNodes, int64_t maxTokens,
                             int64_t maxPos) {
    int nt = hgnThreadPoolSize(cpuC(b)->dev[d].pool);
    uint64_t need = 0;
    for (size_t i = 0; i < nNodes; i++) {
        const HgnExecNode *n = &nodes[i];
        if (n->device != d) continue;
        uint64_t s = 0;
        if (n->op == HGN_EXEC_MATMUL)
            s = hgnMatmulWorkSize(n->inType[1], n->inCols[1], maxTokens, nt);
        else if (n->op == HGN_EXEC_ATTENTION)
            s = hgnAttentionWorkSize(nt, maxPos);
        if (s > need) need = s;
    }
    return need;
}

static void setScratch(HgnBackend *b, int32_t d, HgnDeviceBuffer *s) {
    cpu(b)->dev[d].scratch = s ? s->opaque : NULL;
    cpu(b)->dev[d].scratchBytes = s ? s->bytes : 0;
}

static float *F(const HgnDeviceBuffer *buf) { return (float *)buf->opaque; }

static void storeCache(void *cache, HgnDtype t, int64_t at, const float *src, int64_t n) {
    if (t == HGN_DTYPE_F16) {
        uint16_t *c = (uint16_t *)cache + at;
        for (int64_t i = 0; i < n; i++) c[i] = hgnF32ToF16(src[i]);
    } else
        memcpy((float *)cache + at, src, (size_t)n * sizeof(float));
}

static HgnStatus runNode(HgnBackend *b, const HgnExecNode *n, const HgnExecStep *step) {
    CpuDevice *v = &cpu(b)->dev[n->device];
    v->nodes++;
    int64_t T = step->nTokens;
    switch (n->op) {
    case HGN_EXEC_EMBEDDING: {
        const int32_t *ids = (const int32_t *)n->in[0]->opaque;
        const uint8_t *table = n->in[1]->opaque;
        int64_t cols = n->inCols[1], rows = n->inRows[1];
        uint64_t rowBytes = n->in[1]->bytes / (uint64_t)rows;
        float *y = F(n->out[0]);
        for (int64_t t = 0; t < T; t++) {
            if (ids[t] < 0 || ids[t] >= rows)
                return hgnStatusNew(HGN_CODE_InvalidInput, n->name, "use token ids of this model's vocabulary",
                                    "token id %d is outside the vocabulary of %lld", ids[t], (long long)rows);
            HgnStatus st = hgnDequantizeRow(n->inType[1], table + (uint64_t)ids[t] * rowBytes, y + t * cols, cols);
            if (st) return st;
            if (n->scale != 1.0f)
                for (int64_t c = 0; c < cols; c++) y[t * cols + c] *= n->scale;
        }
        return HGN_OK;
    }
    case HGN_EXEC_RMS_NORM: {
        int64_t cols = n->inCols[0];
        const float *w = F(n->in[1]);
        if (n->unitOffset != 0.0f) {
            /* (1 + w): apply the norm without gain, then scale */
            float *y = F(n->out[0]);
            hgnRmsNorm(F(n->in[0]), NULL, n->eps, y, T, cols);
            for (int64_t t = 0; t < T; t++)
                for (int64_t c = 0; c < cols; c++) y[t * cols + c] *= w[c] + n->unitOffset;
        } else
            hgnRmsNorm(F(n->in[0]), w, n->eps, F(n->out[0]), T, cols);
        return HGN_OK;
    }
    case HGN_EXEC_MATMUL: {
        int64_t rows = n->inRows[1], cols = n->inCols[1];
        const float *x = F(n->in[0]);
        int64_t nv = T;
        if (n->lastRowOnly && !step->allLogits) {
            x += (T - 1) * cols;
            nv = 1;
        }
        float *y = F(n->out[0]);
        HgnStatus st = hgnMatmul(v->pool, n->inType[1], n->in[1]->opaque, rows, cols, x, nv, y, v->scratch,
                                 (size_t)v->scratchBytes, 0);
        if (st) return st;
        if (n->nIn > 2 && n->in[2]) {
            const float *bias = F(n->in[2]);
            for (int64_t t = 0; t < nv; t++)
                for (int64_t r = 0; r < rows; r++) y[t * rows + r] += bias[r];
        }
        return HGN_OK;
    }
    case HGN_EXEC_SPLIT: {
        int64_t cols = n->inCols[0], off = 0;
        const float *x = F(n->in[0]);
        for (int32_t o = 0; o < n->nOut; o++) {
            float *y = F(n->out[o]);
            int64_t w = n->outCols[o];
            for (int64_t t = 0; t < T; t++) memcpy(y + t * w, x + t * cols + off, (size_t)w * sizeof(float));
            off += w;
        }
        return HGN_OK;
    }
    case HGN_EXEC_ROPE: {
        float *y = F(n->out[0]);
        if (y != F(n->in[0])) memcpy(y, F(n->in[0]), (size_t)(T * n->inCols[0]) * sizeof(float));
        hgnRope(y, T, n->heads, n->headDim, n->ropeDims, step->pos0, n->invFreq, (HgnRopeStyle)n->ropeStyle);
        return HGN_OK;
    }
    case HGN_EXEC_ATTENTION: {
        /* write k, v of this step at positions pos0.. then attend */
        int64_t kvDim = (int64_t)n->kvHeads * n->headDim;
        if (step->pos0 + T > n->ctx)
            return hgnStatusNew(HGN_CODE_OverBudget, n->name, "plan a larger context",
                                "position %lld is past the KV cache capacity of %lld tokens",
                                (long long)(step->pos0 + T), (long long)n->ctx);
        storeCache(n->in[3]->opaque, n->cacheType, step->pos0 * kvDim, F(n->in[1]), T * kvDim);
        storeCache(n->in[4]->opaque, n->cacheType, step->pos0 * kvDim, F(n->in[2]), T * kvDim);
        HgnAttention a = {.nHeads = n->heads,
                          .nKvHeads = n->kvHeads,
                          .headDim = n->headDim,
                          .cacheType = n->cacheType,
                          .k = n->in[3]->opaque,
                          .v = n->in[4]->opaque,
                          .posStride = kvDim,
                          .headStride = n->headDim,
                          .scale = n->scale,
                          .window = n->window};
        return hgnAttention(v->pool, &a, F(n->in[0]), T, step->pos0, F(n->out[0]), v->scratch, (size_t)v->scratchBytes);
    }
    case HGN_EXEC_SILU:
        hgnSilu(F(n->in[0]), F(n->out[0]), T * n->inCols[0]);
        return HGN_OK;
    case HGN_EXEC_GELU: {
        const float *x = F(n->in[0]);
        float *y = F(n->out[0]);
        for (int64_t i = 0; i < T * n->inCols[0]; i++) {
            float z = x[i];
            y[i] = 0.5f * z * (1.0f + tanhf(0.7978845608f * (z + 0.044715f * z * z * z)));
        }
        return HGN_OK;
    }
    case HGN_EXEC_MUL:
    case HGN_EXEC_ADD: {
        const float *a = F(n->in[0]), *c = F(n->in[1]);
        float *y = F(n->out[0]);
        int64_t len = T * n->inCols[0];
        if (n->op == HGN_EXEC_MUL)
            for (int64_t i = 0; i < len; i++) y[i] = a[i] * c[i];
        else
            for (int64_t i = 0; i < len; i++) y[i] = a[i] + c[i];
        return HGN_OK;
    }
    case HGN_EXEC_SOFTCAP: {
        const float *x = F(n->in[0]);
        float *y = F(n->out[0]);
        int64_t rows = (n->lastRowOnly && !step->allLogits) ? 1 : T;
        for (int64_t i = 0; i < rows * n->inCols[0]; i++) y[i] = n->cap * tanhf(x[i] / n->cap);
        return HGN_OK;
    }
    }
    return hgnStatusNew(HGN_CODE_InternalError, n->name, NULL, "unknown prepared op %d", (int)n->op);
}

static void synchronise(HgnBackend *b, int32_t d) { (void)b, (void)d; /* kernels return when done */ }

static void stats(const HgnBackend *b, int32_t d, HgnDeviceStats *out) {
    const CpuDevice *v = &cpuC(b)->dev[d];
    *out = (HgnDeviceStats){.windowBytes = v->window,
                            .usedBytes = v->used,
                            .peakBytes = v->peak,
                            .importedBytes = v->imported,
                            .bytesCopied = v->copied,
                            .nodesRun = v->nodes};
}

static void destroy(HgnBackend *b) {
    if (!b) return;
    CpuBackend *c = cpu(b);
    for (int32_t i = 0; i < c->n; i++) {
        hgnThreadPoolFree(c->dev[i].pool);
        hgnFree(c->dev[i].raw);
    }
    hgnFree(c->dev);
    hgnFree(c);
}

static const HgnBackendOps cpuOps = {.name = "cpu",
                                     .deviceCount = deviceCount,
                                     .deviceName = deviceName,
                                     .alloc = alloc,
                                     .resetTo = resetTo,
                                     .mark = mark,
                                     .importHost = importHost,
                                     .copyIn = copyIn,
                                     .copyOut = copyOut,
                                     .copyDevice = copyDevice,
                                     .scratchBytes = scratchBytes,
                                     .setScratch = setScratch,
                                     .runNode = runNode,
                                     .synchronise = synchronise,
                                     .stats = stats,
                                     .destroy = destroy};

HgnStatus hgnCpuBackendCreate(const HgnCpuBackendOptions *opt, HgnBackend **out) {
    *out = NULL;
    if (!opt || opt->nDevices < 1 || opt->threads < 1 || !opt->windowBytes)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "cpuBackend", "give at least one device and one thread",
                            "a cpu backend needs >= 1 device and >= 1 thread");
    CpuBackend *c = hgnCalloc(1, sizeof *c);
    if (!c) return hgnStatusNew(HGN_CODE_OutOfMemory, "cpuBackend", NULL, "out of memory");
    c->base.ops = &cpuOps;
    c->dev = hgnCalloc((size_t)opt->nDevices, sizeof *c->dev);
    if (!c->dev) {
        hgnFree(c);
        return hgnStatusNew(HGN_CODE_OutOfMemory, "cpuBackend", NULL, "out of memory");
    }
    c->n = opt->nDevices;
    HgnStatus st = HGN_OK;
    for (int32_t i = 0; i < c->n && !st; i++) {
        CpuDevice *v = &c->dev[i];
        snprintf(v->name, sizeof v->name, "cpu:%d", (int)i);
        v->window = opt->windowBytes[i];
        if (v->window == 0) {
            st = hgnStatusNew(HGN_CODE_InvalidArgument, v->name, NULL, "device %s has an empty memory window", v->name);
            break;
        }
        v->raw = hgnMalloc((size_t)v->window + 64);
        if (!v->raw) {
            st = hgnStatusNew(HGN_CODE_OutOfMemory, v->name, "plan for less memory",
                              "cannot reserve the %llu-byte window of %s", (unsigned long long)v->window, v->name);
            break;
        }
        v->base = (uint8_t *)(((uintptr_t)v->raw + 63) & ~(uintptr_t)63);
        int share = opt->threads / c->n + (i < opt->threads % c->n ? 1 : 0);
        if (share < 1) share = 1;
        st = hgnThreadPoolCreate(share, &v->pool);
    }
    if (st) {
        destroy(&c->base);
        return st;
    }
    *out = &c->base;
    return HGN_OK;
}
