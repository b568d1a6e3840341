/* backend.h — the device interface the executor runs plans through: devices
 * with a memory window and an arena, buffers allocated in it, copies
 * host↔device and device↔device, running one prepared node, synchronising,
 * and memory statistics. The executor only holds HgnDeviceBuffer handles and
 * never dereferences them: a CUDA backend implements the same table. The
 * `cpu` backend (cpuBackend.c) exposes N virtual devices cpu:0..N-1 in host
 * memory, each with its own window, arena and share of the threads. */
#ifndef HGN_RUNTIME_BACKEND_H
#define HGN_RUNTIME_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "huginn/dtype.h"
#include "huginn/status.h"

typedef struct HgnBackend HgnBackend;

/* A range of one device's memory. `opaque` is the backend's own address
 * (host pointer for cpu, device pointer for CUDA); only the backend reads it. */
typedef struct HgnDeviceBuffer {
    int32_t device;
    uint64_t bytes;
    void *opaque;
    bool imported; /* borrowed host memory (mapped weights), not in the arena */
} HgnDeviceBuffer;

typedef struct HgnDeviceStats {
    uint64_t windowBytes;   /* arena capacity */
    uint64_t usedBytes;     /* allocated now */
    uint64_t peakBytes;     /* highest usedBytes */
    uint64_t importedBytes; /* mapped weights used in place */
    uint64_t bytesCopied;   /* host↔device and device↔device */
    uint64_t nodesRun;
} HgnDeviceStats;

/* Operations the runtime understands (the LLM op set of docs/ir.md). */
typedef enum HgnExecOp {
    HGN_EXEC_EMBEDDING = 0,
    HGN_EXEC_RMS_NORM,
    HGN_EXEC_MATMUL,
    HGN_EXEC_SPLIT,
    HGN_EXEC_ROPE,
    HGN_EXEC_ATTENTION,
    HGN_EXEC_SILU,
    HGN_EXEC_GELU,
    HGN_EXEC_MUL,
    HGN_EXEC_ADD,
    HGN_EXEC_SOFTCAP,
} HgnExecOp;

#define HGN_EXEC_MAX_IO 8

/* One node with its operands resolved to buffers, prepared once at load
 * (attributes parsed, RoPE tables computed) and run every step with the
 * step's token count and start position. */
typedef struct HgnExecNode {
    HgnExecOp op;
    const char *name; /* graph node name, for errors */
    int32_t device;
    int32_t nIn, nOut;
    HgnDeviceBuffer *in[HGN_EXEC_MAX_IO];
    HgnDeviceBuffer *out[HGN_EXEC_MAX_IO];
    HgnDtype inType[HGN_EXEC_MAX_IO]; /* weights: their dtype; activations F32 */
    int64_t inCols[HGN_EXEC_MAX_IO];  /* row length of each operand (weights: matrix cols / elements) */
    int64_t inRows[HGN_EXEC_MAX_IO];  /* weights: rows; activations: 0 (= tokens of the step) */
    int64_t outCols[HGN_EXEC_MAX_IO];
    /* attributes */
    float eps, scale, cap, unitOffset;
    int32_t heads, kvHeads, headDim, ropeDims;
    int32_t ropeStyle;    /* HgnRopeStyle */
    const float *invFreq; /* [ropeDims/2], owned by the executor */
    HgnDtype cacheType;
    int64_t ctx;      /* KV capacity */
    int64_t window;   /* attention: sliding window in tokens, 0 = none */
    bool lastRowOnly; /* matmul producing the logits: only the last token's row when asked */
} HgnExecNode;

/* Per-step arguments. */
typedef struct HgnExecStep {
    int64_t nTokens; /* tokens of this step (rows of every activation) */
    int64_t pos0;    /* tokens already in the KV cache */
    bool allLogits;  /* logits for every token, not only the last */
} HgnExecStep;

typedef struct HgnBackendOps {
    const char *name;
    int32_t (*deviceCount)(const HgnBackend *b);
    const char *(*deviceName)(const HgnBackend *b, int32_t device);
    /* Allocates bytes (64-byte aligned) in the device arena; OverBudget naming
     * owner when the window is full. */
    HgnStatus (*alloc)(HgnBackend *b, int32_t device, uint64_t bytes, const char *owner, HgnDeviceBuffer *out);
    /* Frees the most recent allocations down to mark (arena discipline). */
    void (*resetTo)(HgnBackend *b, int32_t device, uint64_t mark);
    uint64_t (*mark)(const HgnBackend *b, int32_t device);
    /* Makes host memory (a mapped weight) usable on the device: in place when
     * the device reads host memory, else a copy into the arena. */
    HgnStatus (*importHost)(HgnBackend *b, int32_t device, const void *host, uint64_t bytes, const char *owner,
                            HgnDeviceBuffer *out);
    HgnStatus (*copyIn)(HgnBackend *b, HgnDeviceBuffer *dst, uint64_t offset, const void *src, uint64_t bytes);
    HgnStatus (*copyOut)(HgnBackend *b, const HgnDeviceBuffer *src, uint64_t offset, void *dst, uint64_t bytes);
    HgnStatus (*copyDevice)(HgnBackend *b, HgnDeviceBuffer *dst, uint64_t dstOffset, const HgnDeviceBuffer *src,
                            uint64_t srcOffset, uint64_t bytes);
    /* Scratch the device needs to run these nodes at up to maxTokens per step
     * and maxPos positions (allocated by the executor once). */
    uint64_t (*scratchBytes)(const HgnBackend *b, int32_t device, const HgnExecNode *nodes, size_t nNodes,
                             int64_t maxTokens, int64_t maxPos);
    void (*setScratch)(HgnBackend *b, int32_t device, HgnDeviceBuffer *scratch);
    /* Runs one node; must not allocate heap memory. */
    HgnStatus (*runNode)(HgnBackend *b, const HgnExecNode *node, const HgnExecStep *step);
    void (*synchronise)(HgnBackend *b, int32_t device);
    void (*stats)(const HgnBackend *b, int32_t device, HgnDeviceStats *out);
    void (*destroy)(HgnBackend *b);
} HgnBackendOps;

struct HgnBackend {
    const HgnBackendOps *ops;
};

typedef struct HgnCpuBackendOptions {
    int32_t nDevices;            /* virtual devices (>= 1) */
    const uint64_t *windowBytes; /* [nDevices] arena capacity of each */
    int32_t threads;             /* total threads, split over the devices (>= 1) */
} HgnCpuBackendOptions;

/* The cpu backend; InvalidArgument for 0 devices/threads or a zero window. */
HGN_NODISCARD HgnStatus hgnCpuBackendCreate(const HgnCpuBackendOptions *opt, HgnBackend **out);

#endif
