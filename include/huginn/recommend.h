/* recommend.h — which registry models a machine can run, and how well.
 *
 * Given the GPUs' memory, host RAM, a precision preference, a context length
 * and a latency/throughput preference, every registry model gets a verdict
 * (fits in GPU memory, fits with layers offloaded to host RAM, does not fit),
 * the precision chosen, the numbers behind the verdict and a reason, and the
 * list is ordered best first. Guarantees (tested over randomised machines):
 * more memory never turns a feasible model infeasible, and the order is a
 * total, deterministic one (ties broken by id), independent of the order in
 * which GPUs are listed. The method is in docs/registry.md. */
#ifndef HUGINN_RECOMMEND_H
#define HUGINN_RECOMMEND_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "huginn/costModel.h"
#include "huginn/registry.h"
#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Weight precisions a recommendation considers, and the storage format each
 * stands for: fp16 = f16, int8 = GGUF q8_0, int4 = GGUF q4_0 (the formats
 * Huginn's kernels read where they lie). */
typedef enum HgnPrecision {
    HGN_PRECISION_FP16 = 0,
    HGN_PRECISION_INT8,
    HGN_PRECISION_INT4,
    HGN_PRECISION_COUNT
} HgnPrecision;

const char *hgnPrecisionName(HgnPrecision p); /* "fp16", "int8", "int4" */
bool hgnPrecisionFromName(const char *name, HgnPrecision *out);
HgnWeightQuant hgnPrecisionQuant(HgnPrecision p);

/* Memory one device needs to hold the whole model at precision p with an
 * f16 KV cache of `context` tokens (batch 1, 512-token prefill chunks,
 * 4096-key attention blocks). The numbers behind `models show` and the
 * recommendations. */
HGN_NODISCARD HgnStatus hgnModelMemoryAt(const HgnModelSpec *spec, HgnPrecision p, uint64_t context, bool gpu,
                                         HgnMemoryEstimate *out);

typedef enum HgnQuantPreference {
    HGN_QUANT_PREFER_AUTO = 0, /* highest precision that fits (fp16, then int8, then int4) */
    HGN_QUANT_PREFER_FP16,
    HGN_QUANT_PREFER_INT8,
    HGN_QUANT_PREFER_INT4,
} HgnQuantPreference;

typedef enum HgnPerfPreference {
    HGN_PREFER_BALANCED = 0,
    HGN_PREFER_LATENCY,    /* fewer bytes read per token, no offload */
    HGN_PREFER_THROUGHPUT, /* room for more concurrent sequences */
} HgnPerfPreference;

typedef struct HgnRecommendQuery {
    const uint64_t *gpuMemoryBytes; /* free memory of each GPU; may be NULL when nGpus = 0 */
    size_t nGpus;
    uint64_t hostRamBytes; /* RAM available to Huginn */
    HgnQuantPreference quant;
    uint64_t contextTokens; /* 0 = 4096; models with a smaller maxContext use their own */
    HgnPerfPreference perf;
} HgnRecommendQuery;

typedef enum HgnFitVerdict { HGN_FIT_GPU = 0, HGN_FIT_OFFLOAD, HGN_FIT_NONE } HgnFitVerdict;

const char *hgnFitVerdictName(HgnFitVerdict v); /* "fitsGpu", "fitsWithOffload", "doesNotFit" */

typedef struct HgnRecommendation {
    const HgnModelSpec *model; /* borrowed from the registry */
    HgnFitVerdict verdict;
    HgnPrecision precision; /* chosen (the smallest tried when nothing fits) */
    uint64_t context;       /* tokens the estimate is for */
    HgnMemoryEstimate need; /* whole model on one device at that precision */
    uint64_t gpuFreeBytes;  /* sum over GPUs */
    uint64_t hostFreeBytes;
    uint64_t gpuBytesUsed;  /* placed on GPUs by the layer packing */
    uint64_t hostBytesUsed; /* placed in host RAM */
    uint32_t layersOnGpu;
    double score; /* higher is better within a verdict */
    char reason[320];
} HgnRecommendation;

/* Rates every model of reg. OUT: *out (array of *count, caller frees with
 * hgnFree via hgnRecommendationsFree), ordered: verdict, then score
 * descending, then id. HGN-0015 for an invalid query. */
HGN_NODISCARD HgnStatus hgnRecommend(const HgnRegistry *reg, const HgnRecommendQuery *query, HgnRecommendation **out,
                                     size_t *count);
void hgnRecommendationsFree(HgnRecommendation *recs);

/* {"query":{...},"recommendations":[{"id","name","verdict","precision",
 * "context","needBytes":{...},"gpuFreeBytes",...,"reason"}]}. */
HGN_NODISCARD HgnStatus hgnRecommendationsToJson(const HgnRecommendQuery *query, const HgnRecommendation *recs,
                                                 size_t count, json_t **out);

#ifdef __cplusplus
}
#endif
#endif
