/* runtime.h — Huginn's local runtime: loads a decoder LLM (GGUF file or
 * Hugging Face folder) directly or through a validated plan, maps its weights
 * (quantised blocks used where they lie), allocates the buffers the plan
 * sized on each device of the cpu backend, and runs the graph's nodes in
 * order on their devices with a KV cache: prefill, then one token per decode
 * step (no heap allocation in a decode step). A session (hgnSession*) adds
 * the tokenizer, sampler, stop strings, streaming and the artefacts folder
 * (outputs.jsonl, metrics.jsonl, trace.json; see docs/runtime.md). */
#ifndef HUGINN_RUNTIME_H
#define HUGINN_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "huginn/plan.h"
#include "huginn/sampler.h"
#include "huginn/status.h"
#include "huginn/tokenizer.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct HgnRuntime HgnRuntime;

typedef struct HgnRuntimeOptions {
    int32_t threads;  /* >= 1; hgnRuntimeOptionsInit: the online cores */
    int32_t nDevices; /* virtual cpu devices without a plan (default 1) */
    int64_t context;  /* KV capacity without a plan (0: min(model context, 4096)) */
    int64_t ubatch;   /* most tokens per step (0: the plan's ubatch, else 256) */
    int32_t kvDtype;  /* HgnDtype of the KV cache; -1: the graph's (GGUF f16, HF the weights' float type) */
} HgnRuntimeOptions;

void hgnRuntimeOptionsInit(HgnRuntimeOptions *opt);

/* A GGUF file or a model folder (config.json + safetensors + tokenizer.json).
 * Errors: the readers' (NotFound, TruncatedFile, …), HGN-0104 for
 * architectures the builders lack, HGN-0010 for ops the runtime lacks
 * (Mixture of Experts), HGN-0003 when buffers do not fit. */
HGN_NODISCARD HgnStatus hgnRuntimeOpen(const char *modelPath, const HgnRuntimeOptions *opt, HgnRuntime **out);
/* A validated plan: model from its header (path relative to the plan's
 * folder when not absolute), file digests checked (HGN-0002 naming the file),
 * nodes placed on the plan's devices, buffers within each device's planned
 * bytes (HGN-0003 naming the node that does not fit). */
HGN_NODISCARD HgnStatus hgnRuntimeOpenPlan(const HgnPlan *plan, const char *planPath, const HgnRuntimeOptions *opt,
                                           HgnRuntime **out);
void hgnRuntimeFree(HgnRuntime *rt);

const HgnTokenizer *hgnRuntimeTokenizer(const HgnRuntime *rt);
int64_t hgnRuntimeVocab(const HgnRuntime *rt);
int64_t hgnRuntimeContext(const HgnRuntime *rt);  /* KV capacity in tokens */
int64_t hgnRuntimePosition(const HgnRuntime *rt); /* tokens in the KV cache */
int32_t hgnRuntimeDeviceCount(const HgnRuntime *rt);
const char *hgnRuntimeModelPath(const HgnRuntime *rt);
uint64_t hgnRuntimeWeightBytes(const HgnRuntime *rt); /* bytes of weights read per token */

/* Empties the KV cache (position 0). */
void hgnRuntimeReset(HgnRuntime *rt);
/* Feeds n tokens at the current position (chunks of ubatch). logits: NULL,
 * or room for vocab floats (allLogits false: the last token's) or n × vocab
 * (allLogits true). HGN-0402 InvalidInput for an id outside the vocabulary,
 * HGN-0003 when the context would overflow. */
HGN_NODISCARD HgnStatus hgnRuntimeEval(HgnRuntime *rt, const int32_t *ids, size_t n, bool allLogits, float *logits);

/* Session state for checkpoints: the position and the filled rows of every
 * KV cache (read through the backend), little-endian, prefixed by a magic,
 * the graph digest and the KV capacity. Load refuses state from another
 * graph, capacity or cache type with HGN-0002 and a truncated or corrupt blob
 * with HGN-0002 naming the offset. */
uint64_t hgnRuntimeStateSize(const HgnRuntime *rt);
HGN_NODISCARD HgnStatus hgnRuntimeStateSave(HgnRuntime *rt, void *buf, size_t cap, size_t *written);
HGN_NODISCARD HgnStatus hgnRuntimeStateLoad(HgnRuntime *rt, const void *buf, size_t size);

/* Device loss: device `device` (drained or failed) gives up its nodes; they
 * move to the plan's fallback placement for it (without a plan: to the
 * neighbouring device) and the runtime is rebuilt in place, its KV cache
 * empty (position 0: restore state with hgnRuntimeStateLoad). *movedBytes
 * (may be NULL): the weight bytes that moved, also counted in
 * bytesTransferred. Errors: HGN-0015 for a device that does not exist,
 * HGN-0300 when the plan has no feasible fallback (or one device only),
 * HGN-0010 for a second loss; on error the runtime is unchanged. */
HGN_NODISCARD HgnStatus hgnRuntimeLoseDevice(HgnRuntime *rt, int32_t device, uint64_t *movedBytes);
/* The device lost so far, -1 when none. */
int32_t hgnRuntimeLostDevice(const HgnRuntime *rt);
/* "sha256:…" of the model's weights file and of the plan (as written back;
 * "" without a plan), computed once; owned by the runtime. */
HGN_NODISCARD HgnStatus hgnRuntimeDigests(HgnRuntime *rt, const char **model, const char **plan);

typedef struct HgnRuntimeDeviceStats {
    char id[16];
    uint64_t windowBytes;    /* arena reserved */
    uint64_t peakBytes;      /* arena high-water mark */
    uint64_t mappedBytes;    /* weights read in place */
    uint64_t predictedBytes; /* the plan's peak for the device (0 without a plan) */
    uint64_t nodesRun;
} HgnRuntimeDeviceStats;

typedef struct HgnRuntimeStats {
    uint64_t prefillTokens, decodeTokens;
    double prefillSeconds, decodeSeconds;
    uint64_t bytesTransferred; /* between devices */
    double predictedDecodeMs;  /* from the plan (0 without) */
    double predictedPrefillTps, predictedDecodeTps;
} HgnRuntimeStats;

void hgnRuntimeGetStats(const HgnRuntime *rt, HgnRuntimeStats *out);
/* i < hgnRuntimeDeviceCount */
void hgnRuntimeGetDeviceStats(const HgnRuntime *rt, int32_t i, HgnRuntimeDeviceStats *out);

/* ---- sessions: text in, text out --------------------------------------------- */

typedef struct HgnGenerateOptions {
    int32_t maxTokens; /* new tokens (default 256) */
    HgnSamplerParams sampler;
    const char *const *stop; /* stop strings (generation ends when the text ends with one; not printed) */
    size_t nStop;
    bool ignoreEos;           /* keep going past end-of-generation tokens */
    const char *artifactsDir; /* NULL: none; else outputs.jsonl, metrics.jsonl, trace.json written there */
    /* Called with each newly completed piece of UTF-8 text (may be NULL). */
    void (*onText)(void *ctx, const char *text, size_t len);
    void *onTextCtx;
    /* Checkpoints: every checkpointEvery produced tokens (0: never; needs
     * artifactsDir), checkpoint.zst is replaced atomically in artifactsDir. */
    int32_t checkpointEvery;
    /* Resume: continue the run whose checkpoint.zst is in resumeDir; the
     * prompt, sampling parameters, stop strings and maxTokens come from the
     * checkpoint (the prompt argument may be empty). HGN-0007 when missing,
     * HGN-0002 when corrupt or made for another plan or model. */
    const char *resumeDir;
    /* Fault injection: after injectStep produced tokens, device injectDevice
     * is drained (injectKind 1: its state is moved first) or fails (2: the
     * run restores the last checkpoint, in memory). 0: none. */
    int32_t injectKind, injectDevice, injectStep;
    /* Stop hook (may be NULL): called once after every produced token and
     * between prefill chunks (prompts longer than ubatch). When it returns
     * true the run ends cleanly: HGN_OK, the partial result, stopReason
     * "stopped", and, with artifactsDir and checkpointEvery set, a checkpoint
     * at the stop (unless one was just taken there), so that resumeDir
     * continues exactly where it stopped. Its answer after the last token
     * (maxTokens, a stop string) is ignored: that run is complete. A stop
     * during prefill produces no token and no checkpoint. */
    bool (*shouldStop)(void *ctx);
    void *shouldStopCtx;
} HgnGenerateOptions;

void hgnGenerateOptionsInit(HgnGenerateOptions *opt);

typedef struct HgnGenerateResult {
    char *text; /* generated text (stop string removed) */
    int32_t *tokens;
    size_t nTokens;
    size_t nPromptTokens;
    const char *stopReason;    /* "eos", "length", "stop", "context", "stopped" (static) */
    int32_t retriesDeviceLost; /* device losses recovered from */
    int32_t resumedAt;         /* tokens the checkpoint held (0: not resumed) */
} HgnGenerateResult;

void hgnGenerateResultFree(HgnGenerateResult *r);

/* Encodes prompt (BOS as the tokenizer says), resets the cache, prefills and
 * decodes. Errors: HGN-0402 InvalidInput for an empty prompt, invalid UTF-8
 * (byte offset named) or a prompt that leaves no room in the context. */
HGN_NODISCARD HgnStatus hgnGenerate(HgnRuntime *rt, const char *prompt, size_t len, const HgnGenerateOptions *opt,
                                    HgnGenerateResult *out);

#ifdef __cplusplus
}
#endif
#endif
