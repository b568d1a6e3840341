/* llmGraph.h — decoder LLM families as HgnGraph: a description of the
 * architecture (HgnLlmSpec) read from config.json or GGUF metadata, and a
 * builder that emits one graph per model, mapped tensor by tensor to the file.
 *
 * Families: Llama 1/2/3 (rope scaling incl. llama3), Mistral (sliding window),
 * Qwen2 (QKV bias), Gemma and Gemma 2 (embedding scaling, GeGLU, pre/post
 * norms, logit softcapping, alternating sliding window), Phi-3 (fused qkv and
 * gate_up projections), Mixtral (router + experts, top-k).
 *
 * The graph has symbols `seq` (tokens of this step), `pos` (tokens already in
 * the cache) and `ctx` (cache capacity): prefill binds seq = prompt length,
 * pos = 0; decode binds seq = 1, pos = n. Inputs `tokens` [seq] and
 * `positions` [seq] (i32); output `logits` [seq, vocab] (f32); per layer two
 * KV cache values `cache.N.k` / `cache.N.v` [ctx, nKvHeads, headDim] with role
 * kvCache. Ops and their attributes are documented in docs/ir.md.
 *
 * Weight values are named like the tensors of the file and carry the
 * tensor's dtype, shape and bytes; with a file, `data` points into its
 * mapping (borrowed: keep the file open while the graph is used) and
 * `externalPath`/`externalOffset` give the file (relative to the model
 * folder) and the byte offset. Errors: HGN-0104 UnsupportedArchitecture
 * naming the architecture; HGN-0107 ConfigMismatch naming the file, the
 * tensor and the expected vs found shape (or that it is missing). */
#ifndef HUGINN_LLMGRAPH_H
#define HUGINN_LLMGRAPH_H

#include "huginn/gguf.h"
#include "huginn/hfModel.h"
#include "huginn/ir.h"
#include "huginn/safetensors.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum HgnLlmFamily {
    HGN_LLM_LLAMA = 0,
    HGN_LLM_MISTRAL,
    HGN_LLM_QWEN2,
    HGN_LLM_GEMMA,
    HGN_LLM_GEMMA2,
    HGN_LLM_PHI3,
    HGN_LLM_MIXTRAL,
} HgnLlmFamily;

/* Which tensor names the file uses. */
typedef enum HgnLlmNaming {
    HGN_LLM_NAMES_HF = 0, /* model.layers.N.self_attn.q_proj.weight */
    HGN_LLM_NAMES_GGUF,   /* blk.N.attn_q.weight */
} HgnLlmNaming;

#define HGN_LLM_MAX_ROPE_FACTORS 256

typedef struct HgnLlmSpec {
    HgnLlmFamily family;
    HgnLlmNaming naming;
    char architecture[64]; /* as the file names it: "LlamaForCausalLM", "llama" */
    int64_t nLayers, hidden, intermediate;
    int64_t nHeads, nKvHeads, headDim;
    int64_t vocab;
    int64_t contextLength; /* max positions; 0 when unknown */
    double normEps;
    double ropeTheta;
    int64_t ropeDims; /* rotated dims per head (headDim unless partial) */
    HgnRopeScaling ropeScaling;
    /* LONGROPE (Phi-3): per-dimension factors from config.json rope_scaling
     * long_factor / short_factor (GGUF: rope_factors_long/short tensors instead) */
    int32_t nRopeFactors; /* 0, or ropeDims / 2 */
    float ropeLongFactor[HGN_LLM_MAX_ROPE_FACTORS], ropeShortFactor[HGN_LLM_MAX_ROPE_FACTORS];
    int64_t slidingWindow;  /* 0: none */
    bool slidingAlternate;  /* Gemma 2: only even layers use the window */
    bool tiedEmbeddings;    /* lm head = embedding matrix */
    bool qkvBias;           /* Qwen2 */
    bool normUnitOffset;    /* Gemma (HF): rmsNorm scales by (1 + w) */
    int64_t nExperts;       /* 0: dense */
    int64_t nExpertsUsed;   /* top-k */
    double attnSoftcap;     /* 0: none (Gemma 2: 50) */
    double finalSoftcap;    /* 0: none (Gemma 2: 30) */
    double attnScale;       /* softmax scale (1/sqrt(headDim) unless the family says otherwise) */
    double embedScale;      /* 1, or sqrt(hidden) for Gemma */
    const char *activation; /* "silu" or "gelu" (tanh approximation) */
    HgnDtype weightDtype;   /* dtype of weights when built without a file */
    HgnDtype kvDtype;       /* KV cache element type */
} HgnLlmSpec;

const char *hgnLlmFamilyName(HgnLlmFamily family); /* "llama", "mistral", … */

/* Architecture from config.json (architectures[0] / model_type). HGN-0104 for
 * anything else, naming it; HGN-0100 for fields out of range. */
HGN_NODISCARD HgnStatus hgnLlmSpecFromHfConfig(const HgnHfConfig *cfg, HgnLlmSpec *out);
/* Architecture from GGUF metadata (general.architecture and its keys). */
HGN_NODISCARD HgnStatus hgnLlmSpecFromGguf(const HgnGgufFile *f, HgnLlmSpec *out);

/* Where the weights are: a tensor lookup and the files' paths. */
typedef struct HgnLlmWeights {
    const void *ctx;
    const HgnTensorView *(*find)(const void *ctx, const char *name);
    const char *(*filePath)(const void *ctx, int fileIndex); /* relative to the model folder */
    const char *source;                                      /* file named in errors */
} HgnLlmWeights;

/* Builds and finalizes the graph. weights NULL: shapes from the spec, dtype
 * weightDtype, no data (planning from config.json only). */
HGN_NODISCARD HgnStatus hgnLlmGraphBuild(const HgnLlmSpec *spec, const HgnLlmWeights *weights, HgnGraph **ppGraph);
/* Conveniences: spec from the file, weights from it. */
HGN_NODISCARD HgnStatus hgnLlmGraphFromGguf(const HgnGgufFile *f, HgnGraph **ppGraph);
HGN_NODISCARD HgnStatus hgnLlmGraphFromSafetensors(const HgnHfConfig *cfg, const HgnSafetensors *st,
                                                   HgnGraph **ppGraph);
HGN_NODISCARD HgnStatus hgnLlmGraphFromHfModel(const HgnHfModel *m, HgnGraph **ppGraph);
HGN_NODISCARD HgnStatus hgnLlmGraphFromHfConfig(const HgnHfConfig *cfg, HgnGraph **ppGraph);

#ifdef __cplusplus
}
#endif
#endif
