/* planner.h — Huginn's planner: from a chain of costed items (the layers of a
 * registry model spec, the nodes of an ONNX graph, later the LLM graph
 * builders' nodes) and a machine (devices with memory windows, a host, a
 * disk, a link matrix), the placement that minimises the predicted step time
 * under the memory budgets and constraints, and the plan object that records
 * it (plan.h).
 *
 * Pipeline: items (hgnPlanItemsFromSpec / hgnPlanItemsFromGraph or the
 * caller's own) + machine (hgnMachineFromTopology / hgnMachineFromHardware)
 * + options → hgnPlanCreate → HgnPlan → hgnPlanWriteJson. docs/planner.md
 * describes the cost model, the dynamic programme and the plan format. */
#ifndef HUGINN_PLANNER_H
#define HUGINN_PLANNER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "huginn/costModel.h"
#include "huginn/ir.h"
#include "huginn/plan.h"
#include "huginn/registry.h"
#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- items: what is placed ---------------------------------------------------- */

/* One unit of placement. Items form a chain in execution order; a cut
 * between item i and i+1 moves outBytesPerToken bytes per token and sequence
 * from the device of i to the device of i+1. Strings are owned by the list. */
typedef struct HgnPlanItem {
    char *name;                   /* "layer.17", "MatMul_4" */
    char *op;                     /* "decoderLayer", "embedding", "lmHead", an ONNX op */
    int32_t layer;                /* transformer block, -1 when none */
    uint64_t weightBytes;         /* exact bytes of its weights (scales included) */
    uint64_t kvBytesPerToken;     /* KV cache bytes per token of one sequence (0: none) */
    uint64_t kvWindow;            /* tokens kept by a sliding-window layer (0: the whole context) */
    uint64_t actBytesPerToken;    /* compute buffer bytes per token in flight (peak while it runs) */
    uint64_t actBytesPerTokenKey; /* attention-score bytes per token in flight per key attended */
    uint64_t actBytesFixed;       /* compute buffer bytes independent of the tokens in flight */
    uint64_t outBytesPerToken;    /* bytes crossing a cut right after this item, per token */
    double flopsPerToken;         /* FLOPs per token (decode; prefill multiplies by tokens) */
    double attnFlopsPerTokenKey;  /* attention FLOPs per token per key attended */
    uint32_t kernels;             /* kernel launches per step */
    HgnWeightFormat computeDtype; /* dtype of its arithmetic (peak FLOP/s column) */
    /* constraints (NULL when none): */
    char *mustRunOn;       /* device id the item must run on */
    char *preferredDevice; /* device id it should run on when that costs nothing more */
    char *colocationGroup; /* items of one group share a device */
    char *antiAffinitySet; /* items of one set use pairwise different devices */
    /* the graph nodes this item stands for (LLM graphs: every node of the
     * layer), so the executor runs exactly those on the planned device */
    char **graphNodes;
    size_t nGraphNodes;
} HgnPlanItem;

/* A data dependency between two items (graph edges); chains without an
 * edge list are joined item i → i+1. */
typedef struct HgnPlanItemEdge {
    size_t from, to;
    uint64_t bytes;
} HgnPlanItemEdge;

typedef struct HgnPlanItems {
    HgnPlanItem *items;
    size_t count;
    HgnPlanItemEdge *edges; /* NULL: a chain */
    size_t nEdges;
    /* what the items describe, copied into the plan header */
    char *modelId; /* registry id, or file name */
    char *modelName;
    char *modelSource; /* "spec" (registry figures only), "onnx", "graph" */
    char *modelPath;   /* NULL for spec-only plans */
    char *graphDigest; /* IR digest (hex) when built from a graph */
    HgnWeightFormat weights;
    HgnWeightFormat kvFormat;
    uint64_t maxContext; /* 0 when unbounded */
    bool isLlm;          /* context/batch/KV apply */
} HgnPlanItems;

void hgnPlanItemsInit(HgnPlanItems *items);
void hgnPlanItemsFree(HgnPlanItems *items);
/* Appends a zeroed item named name (copied); OUT: *pItem borrowed until the next append. */
HGN_NODISCARD HgnStatus hgnPlanItemsAppend(HgnPlanItems *items, const char *name, const char *op, HgnPlanItem **pItem);

/* A decoder-only LLM from its registry dims: embedding, one item per block
 * (weights at `weights`, KV per token at kvFormat with its window, FLOPs per
 * token from the active parameters), final norm + lm_head. */
HGN_NODISCARD HgnStatus hgnPlanItemsFromSpec(const HgnModelSpec *spec, HgnWeightQuant weights, HgnWeightFormat kvFormat,
                                             HgnPlanItems *out);
/* Every node of a finalized graph in its canonical order: weights it reads
 * first (each weight counted once, at its first consumer), FLOPs from shapes
 * (MatMul/Gemm/Conv 2·M·N·K, others one per output element), bytes crossing
 * each cut from value lifetimes. Symbolic dims are taken as 1. Annotations
 * (deviceHint, colocationGroup, antiAffinitySet) become constraints. */
HGN_NODISCARD HgnStatus hgnPlanItemsFromGraph(const HgnGraph *g, HgnPlanItems *out);

/* ---- quantisation config: what formats the weights and KV cache take ------------ */

/* One tensor-name rule: `*` matches any run of characters; the longest
 * matching pattern wins (ties: the first in the file). */
typedef struct HgnPlanQuantRule {
    char *pattern;
    HgnWeightFormat format;
} HgnPlanQuantRule;

typedef struct HgnPlanQuantConfig {
    bool hasDefault; /* weights.default: every matrix (rank >= 2) not matched by a rule */
    HgnWeightFormat weightsDefault;
    HgnPlanQuantRule *rules;
    size_t nRules;
    bool hasKv; /* kvCache.format */
    HgnWeightFormat kvFormat;
} HgnPlanQuantConfig;

/* Parses a quantisation config (TOML, or JSON when the text starts with `{`):
 *   [weights] default = "q4_K"   rules = { "*.attn_*" = "q8_0", "token_embd.weight" = "f16" }
 *   [kvCache] format = "q8_0"
 * Errors: HGN-0001 InvalidConfig (syntax with line:col; unknown key or wrong
 * type with the JSON pointer), HGN-0004 IncompatibleQuantizer (a format name
 * Huginn does not know, or a KV format that cannot hold a cache, with the
 * JSON pointer). */
HGN_NODISCARD HgnStatus hgnPlanQuantConfigParse(const char *text, size_t len, const char *sourceName,
                                                HgnPlanQuantConfig *out);
HGN_NODISCARD HgnStatus hgnPlanQuantConfigLoad(const char *path, HgnPlanQuantConfig *out);
void hgnPlanQuantConfigFree(HgnPlanQuantConfig *qc);
/* Format a tensor takes under qc; false when the file's own dtype stays
 * (always for vectors, rank < 2: norms and biases are never quantised). */
bool hgnPlanQuantConfigFormatFor(const HgnPlanQuantConfig *qc, const char *tensor, int32_t rank, HgnWeightFormat *out);

/* A decoder LLM graph (hgnLlmGraph*, symbols seq/pos/ctx) as one item per
 * layer: `token_embd` (nodes before the first layer), `blk.N` (every node of
 * layer N), `output` (final norm and logits). Weight bytes are the bytes of
 * the file's tensors each item reads (a tied lm_head counts the embedding
 * again: its device holds a copy), or those of qc's formats; KV bytes per
 * token from the layer's kvCache values (window from the attention node's
 * slidingWindow); FLOPs per token from the matmul shapes (2·out·in, experts
 * × topK); activations from the value shapes at seq = 1. maxContext is
 * taken from maxContext (the config's max positions; 0 unknown). The item
 * lists its graph node names. qc may be NULL. */
HGN_NODISCARD HgnStatus hgnPlanItemsFromLlmGraph(const HgnGraph *g, uint64_t maxContext, const HgnPlanQuantConfig *qc,
                                                 HgnPlanItems *out);

/* ---- machine: where items go ---------------------------------------------------- */

typedef struct HgnMachineDevice {
    char id[32]; /* "gpu:0", "cpu:0" */
    char name[128];
    char profileId[48]; /* device profile used for speed */
    bool gpu;
    int32_t numaNode;     /* -1 when unknown */
    uint64_t memoryBytes; /* the window before reservations */
    double memoryBandwidth, peakFp32, peakFp16, peakBf16, peakInt8, peakFp8;
    double launchSeconds;
    double hostBandwidth; /* bytes/s to host memory (PCIe); 0 for the host */
    uint32_t threads;     /* CPU devices: cores / threads it runs on (0 for GPUs) */
} HgnMachineDevice;

typedef struct HgnMachine {
    HgnMachineDevice *devices; /* GPUs by index, then cpu:0 last */
    size_t count;
    double *linkBandwidth; /* [count × count] bytes/s, 0 on the diagonal */
    double *linkLatency;   /* [count × count] seconds */
    char (*linkPath)[24];  /* [count × count] "nvlink", "pcieSwitch", "host" … */
    uint64_t diskBytes;    /* room for spilled weights (0: no spill) */
    double diskBandwidth;  /* bytes/s sequential read */
    char topologyDigest[65];
    char source[16]; /* "live", "xml", "hardware" */
} HgnMachine;

void hgnMachineFree(HgnMachine *m);
/* From a diagnostics topology object (hgnDiagnosticsTopology): GPUs with
 * their memory and profile, one cpu:0 with the host RAM (sum of NUMA nodes,
 * or hostMemoryBytes when > 0), the matrix for links. */
HGN_NODISCARD HgnStatus hgnMachineFromTopology(const json_t *topology, uint64_t hostMemoryBytes, HgnMachine *out);
/* From a hardware description (schemas/hardware.schema.json; JSON text of
 * len bytes). Errors: HGN-0600 InvalidJson (line:col), HGN-0201
 * TopologyInvalid with the JSON pointer of the bad field. */
HGN_NODISCARD HgnStatus hgnMachineFromHardwareJson(const char *text, size_t len, const char *sourceName,
                                                   HgnMachine *out);
HGN_NODISCARD HgnStatus hgnMachineFromHardwareFile(const char *path, HgnMachine *out);
/* One virtual CPU device of the runtime (config runtime.devices). */
typedef struct HgnMachineCpu {
    const char *id;       /* "cpu:N" */
    uint64_t memoryBytes; /* its window */
    uint32_t threads;     /* 0: an equal share of the host's */
} HgnMachineCpu;
/* Replaces the host (the last device) by n virtual CPU devices, each with
 * its window and its share of the host's speed (threads / host threads);
 * GPUs keep their host links to every one of them, the CPU devices are
 * joined by a `memory` link. Errors: HGN-0001 InvalidConfig at `where` when
 * the windows exceed the host's memory, an id repeats or is not cpu:N. */
HGN_NODISCARD HgnStatus hgnMachineSetCpuDevices(HgnMachine *m, const HgnMachineCpu *cpus, size_t n, const char *where);
/* Index of a device id, -1 when absent. */
int hgnMachineFind(const HgnMachine *m, const char *id);

/* ---- options -------------------------------------------------------------------- */

typedef enum HgnPlanPolicy {
    HGN_POLICY_BALANCED = 0,
    HGN_POLICY_LOCALITY_FIRST,
    HGN_POLICY_THROUGHPUT_MAX
} HgnPlanPolicy;
typedef enum HgnPlanObjective { HGN_OBJECTIVE_LATENCY = 0, HGN_OBJECTIVE_THROUGHPUT } HgnPlanObjective;

bool hgnPlanPolicyFromName(const char *name, HgnPlanPolicy *out);
const char *hgnPlanPolicyName(HgnPlanPolicy p);
bool hgnPlanObjectiveFromName(const char *name, HgnPlanObjective *out);
const char *hgnPlanObjectiveName(HgnPlanObjective o);

typedef struct HgnPlanReserve {
    const char *device; /* "gpu:0" */
    uint64_t bytes;
} HgnPlanReserve;

typedef struct HgnPlanOptions {
    HgnPlanPolicy policy;
    HgnPlanObjective objective;
    uint64_t context;  /* KV capacity per sequence; 0 = 4096 capped at maxContext */
    bool contextFixed; /* the user set it: never changed */
    uint64_t batch;    /* sequences; 0 = 1 */
    bool batchFixed;
    uint64_t ubatch; /* prefill chunk; 0 = min(context, 512) */
    const HgnPlanReserve *reserves;
    size_t nReserves;
    uint64_t seed;
    const char *createdAt;  /* NULL: SOURCE_DATE_EPOCH, else the current time (UTC, RFC 3339) */
    const char *configHash; /* NULL: hash of the options */
    bool noFallbacks;       /* skip the device-loss re-plans (benchmarks) */
} HgnPlanOptions;

/* ---- the placement problem (exposed for tests, explain and diff) ---------------- */

/* A placement: for each device in machine order, the half-open item range it
 * runs ([first, end), empty when first == end); items past every GPU range
 * run on cpu:0. */
typedef struct HgnPlacement {
    size_t nDevices;
    size_t *first; /* [nDevices] */
    size_t *end;   /* [nDevices] */
    double cost;   /* objective value (seconds per step, lower is better) */
} HgnPlacement;

typedef struct HgnPlacementProblem HgnPlacementProblem;

/* Prepares the problem (prefix sums, constraint tables). The items and
 * machine are borrowed and must outlive it. */
HGN_NODISCARD HgnStatus hgnPlacementProblemCreate(const HgnPlanItems *items, const HgnMachine *machine,
                                                  const HgnPlanOptions *opts, HgnPlacementProblem **out);
void hgnPlacementProblemFree(HgnPlacementProblem *p);
/* Excludes a device (device loss; re-plans). */
void hgnPlacementProblemDisable(HgnPlacementProblem *p, size_t device, bool disabled);
/* Cost of a placement under the problem's objective; +INFINITY when it breaks
 * a budget or a constraint. */
double hgnPlacementEvaluate(const HgnPlacementProblem *p, const HgnPlacement *pl);
/* Optimal placement by dynamic programming over (device, cut). Errors:
 * HGN-0003 OverBudget when the items do not fit in all memory plus disk,
 * HGN-0300 PlanInfeasible when constraints forbid every placement. */
HGN_NODISCARD HgnStatus hgnPlacementSolve(const HgnPlacementProblem *p, HgnPlacement *out);
/* Exhaustive search over all placements (tests; exponential). */
HGN_NODISCARD HgnStatus hgnPlacementBruteForce(const HgnPlacementProblem *p, HgnPlacement *out);
HGN_NODISCARD HgnStatus hgnPlacementInit(HgnPlacement *pl, size_t nDevices);
void hgnPlacementFree(HgnPlacement *pl);

/* Per-device figures of a placement. */
typedef struct HgnStageCost {
    uint64_t weightsBytes, kvBytes, activationBytes, overheadBytes, reservedBytes, windowBytes;
    uint64_t spilledBytes;    /* weights read from disk each step (cpu:0 only) */
    double decodeSeconds;     /* one decode step of this stage (all sequences) */
    double prefillSeconds;    /* one prefill chunk of this stage */
    double transferInSeconds; /* activations arriving from the previous stage per decode step */
    const char *bottleneck;   /* "compute", "memory", "disk", "launch" */
} HgnStageCost;

/* Fills stages[nDevices] for pl (zeros for empty stages). */
void hgnPlacementStages(const HgnPlacementProblem *p, const HgnPlacement *pl, HgnStageCost *stages);

/* ---- planning -------------------------------------------------------------------- */

/* Plans items on machine. On failure the status says what did not fit, the
 * ledger and the smallest change that would (more memory on a device, a
 * shorter context when it is not fixed). OUT: *out, free with hgnPlanFree. */
HGN_NODISCARD HgnStatus hgnPlanCreate(const HgnPlanItems *items, const HgnMachine *machine, const HgnPlanOptions *opts,
                                      HgnPlan **out);

/* The cost of moving one split point by ±1..±span items, for explain:
 * alternatives[k] is the placement cost delta (seconds, +INFINITY when it
 * does not fit) of moving the boundary after device `device`'s range by
 * offsets[k]. OUT: arrays of count entries, free with hgnFree. */
HGN_NODISCARD HgnStatus hgnPlanSplitAlternatives(const HgnPlanItems *items, const HgnMachine *machine,
                                                 const HgnPlanOptions *opts, size_t device, int span, int **offsets,
                                                 double **deltas, size_t *count);

#ifdef __cplusplus
}
#endif
#endif
