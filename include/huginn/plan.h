/* plan.h — the plan object (plan.json, schemas/plan.schema.json): header,
 * devices with their memory ledgers, placed nodes, edges, transfers, budgets,
 * assertions and fallbacks. Written byte-identically for identical inputs
 * (stable order, fixed float formatting); every plan read is validated
 * (schema, references, acyclicity, budgets, assertions vs ledger) with an HGN
 * error carrying the JSON pointer of the first violation. */
#ifndef HUGINN_PLAN_H
#define HUGINN_PLAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HGN_PLAN_VERSION 1

typedef struct HgnPlanLedger {
    uint64_t weightsBytes, kvCacheBytes, activationBytes, overheadBytes, reservedBytes, freeBytes;
    uint64_t spilledBytes; /* weights of this device's items kept on disk (cpu:0) */
} HgnPlanLedger;

typedef struct HgnPlanDevice {
    char *id; /* "gpu:0", "cpu:0" */
    char *name;
    char *kind; /* "gpu" or "cpu" */
    char *profileId;
    int32_t numaNode; /* -1 unknown */
    uint64_t memoryWindowBytes;
    HgnPlanLedger ledger;
    int64_t firstNode, lastNode;          /* node index range it runs, -1 when none */
    double decodeSeconds, prefillSeconds; /* stage times */
    char *bottleneck;
} HgnPlanDevice;

typedef struct HgnPlanNode {
    char *id;
    char *op;
    int32_t layer;
    int32_t device;   /* index into devices */
    uint64_t bytes;   /* weights */
    uint64_t kvBytes; /* KV cache at the planned context × batch */
    uint64_t activationBytes;
    double flops;         /* per token */
    double decodeSeconds; /* its share of its stage's decode step */
    char *tier;           /* "device", "host", "disk" */
    char **graphNodes;    /* graph node names it runs (LLM graphs), NULL when none */
    size_t nGraphNodes;
} HgnPlanNode;

typedef struct HgnPlanEdge {
    int32_t from, to; /* node indices */
    uint64_t bytes;   /* per token */
} HgnPlanEdge;

typedef struct HgnPlanTransfer {
    int32_t fromDevice, toDevice;
    int32_t afterNode; /* the last node before the cut */
    uint64_t bytesPerStep;
    char *link;     /* "nvlink", "pcieHost", … */
    double seconds; /* per decode step */
} HgnPlanTransfer;

typedef struct HgnPlanFallback {
    int32_t lostDevice;
    bool feasible;
    double decodeLatencyMs;
    double deltaPercent; /* vs the plan's decode latency */
    int64_t *ranges;     /* [2 × nDevices]: first, end node of each device (-1 -1 when none) */
    char *reason;        /* why it is infeasible, NULL otherwise */
} HgnPlanFallback;

typedef struct HgnPlan {
    /* header */
    int planVersion;
    char *huginnVersion, *createdAt, *topologyDigest, *configHash;
    uint64_t seed;
    char *modelId, *modelName, *modelSource, *modelPath, *graphDigest, *weightsFormat, *kvFormat;
    char **fileDigests; /* [nFileDigests] "sha256:<hex>" of the model files */
    size_t nFileDigests;
    char *policy, *objective;
    /* body */
    HgnPlanDevice *devices;
    size_t nDevices;
    HgnPlanNode *nodes;
    size_t nNodes;
    HgnPlanEdge *edges;
    size_t nEdges;
    HgnPlanTransfer *transfers;
    size_t nTransfers;
    HgnPlanFallback *fallbacks;
    size_t nFallbacks;
    /* budgets */
    uint64_t context, batch, ubatch;
    bool contextFixed, batchFixed;
    uint64_t hostMemoryBytes, diskBytes, spilledBytes;
    /* assertions */
    bool fits;
    uint64_t *peakBytes; /* [nDevices] */
    double prefillTokensPerSecond, decodeTokensPerSecond, decodeLatencyMs;
} HgnPlan;

void hgnPlanFree(HgnPlan *plan);

/* plan.json text (2-space indent, keys in schema order, floats with 6
 * significant digits, trailing newline). OUT: *out, free with hgnFree. */
HGN_NODISCARD HgnStatus hgnPlanWriteJson(const HgnPlan *plan, char **out);
HGN_NODISCARD HgnStatus hgnPlanToJson(const HgnPlan *plan, json_t **out);
/* Parses and validates (hgnPlanValidate), then builds the object.
 * Errors: HGN-0600 InvalidJson, HGN-0002 PlanSchemaViolation / HGN-0003
 * OverBudget with the JSON pointer as where. */
HGN_NODISCARD HgnStatus hgnPlanReadJson(const char *text, size_t len, const char *sourceName, HgnPlan **out);
HGN_NODISCARD HgnStatus hgnPlanReadFile(const char *path, HgnPlan **out);
/* All checks on a parsed document: schema, references (node devices,
 * edges, transfers, fallbacks), acyclicity of edges, budgets (each device's
 * ledger within its window, host RAM, disk for spilled weights), assertions
 * consistent with the ledger. Returns the first violation. */
HGN_NODISCARD HgnStatus hgnPlanValidate(const json_t *doc);

/* ---- artefacts ------------------------------------------------------------------ */

/* plan.summary.json: per device (id, kind, layers, nodes, first/last node,
 * ledger, used bytes, stage decode/prefill seconds, bottleneck), totals
 * (weights, KV, activations, spilled bytes, devices used), the predicted
 * tokens/s and latency, and the bottleneck of the step (`kind`: compute,
 * memory, disk, launch or transfer, with its device or link). Deterministic
 * text like plan.json. OUT: free with json_decref / hgnFree. */
HGN_NODISCARD HgnStatus hgnPlanSummaryToJson(const HgnPlan *plan, json_t **out);
HGN_NODISCARD HgnStatus hgnPlanSummaryWriteJson(const HgnPlan *plan, char **out);
/* Index of the device whose stage dominates a decode step (-1 when none),
 * and whether a transfer takes longer than that stage (*transfer = its index). */
int hgnPlanBottleneck(const HgnPlan *plan, int *transfer);

/* plan.dot (Graphviz): one cluster per NUMA node holding one cluster per
 * device, nodes filled with their device's colour, edges between devices
 * labelled with the bytes per step the transfer moves. OUT: free with hgnFree. */
HGN_NODISCARD HgnStatus hgnPlanWriteDot(const HgnPlan *plan, char **out);

/* Semantic differences between plans a and b: header fields (model, digests,
 * policy, objective, seed; createdAt and huginnVersion ignored), devices
 * added or removed, node ranges per device, ledger deltas, budgets,
 * assertions, nodes moved between devices. OUT: an array of
 * {"kind","path","a","b"(,"delta")} objects (empty when equivalent). */
HGN_NODISCARD HgnStatus hgnPlanDiff(const HgnPlan *a, const HgnPlan *b, json_t **out);

#ifdef __cplusplus
}
#endif
#endif
