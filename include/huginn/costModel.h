/* costModel.h — the memory formulas of Huginn's cost model: bytes of weights
 * at any dtype or quantisation, of the KV cache, of the compute (activation)
 * buffers and of the runtime overhead. One implementation
 * (src/planner/costModel.c) used by the planner, the model registry and the
 * recommendations; docs/costModel.md gives every formula with its source.
 *
 * All functions are pure and thread-safe. Byte counts saturate at UINT64_MAX
 * instead of wrapping. */
#ifndef HUGINN_COST_MODEL_H
#define HUGINN_COST_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which layers use sliding-window attention. Gemma 2 alternates: layer i is
 * local when i is even (HF Gemma2DecoderLayer: is_sliding = not layer_idx % 2). */
typedef enum HgnSlidingLayers {
    HGN_SLIDING_NONE = 0,
    HGN_SLIDING_ALL,
    HGN_SLIDING_EVEN,
    HGN_SLIDING_ODD,
} HgnSlidingLayers;

/* The shapes of a decoder-only transformer, as in its HF config.json. */
typedef struct HgnModelDims {
    uint32_t layers;           /* num_hidden_layers */
    uint32_t hiddenSize;       /* hidden_size */
    uint32_t heads;            /* num_attention_heads */
    uint32_t kvHeads;          /* num_key_value_heads */
    uint32_t headDim;          /* head_dim (hidden_size / heads unless the config sets it) */
    uint32_t ffnSize;          /* intermediate_size (per expert for MoE) */
    uint32_t vocab;            /* vocab_size */
    uint32_t moeExperts;       /* num_local_experts; 0 for dense models */
    uint32_t moeActiveExperts; /* num_experts_per_tok; 0 for dense models */
    uint32_t slidingWindow;    /* sliding_window in tokens; 0 when none */
    HgnSlidingLayers slidingLayers;
    bool tieEmbeddings;     /* tie_word_embeddings: lm_head shares token_embd */
    bool qkvBias;           /* q/k/v projections carry a bias (Qwen2) */
    uint32_t normsPerLayer; /* RMSNorm weight vectors per block: 2 (Llama), 4 (Gemma 2) */
} HgnModelDims;

/* Weight storage formats: plain dtypes, GGUF block quantisations, and the
 * formats of bitsandbytes, GPTQ and AWQ checkpoints. */
typedef enum HgnWeightFormat {
    HGN_WEIGHTS_F32 = 0,
    HGN_WEIGHTS_F16,
    HGN_WEIGHTS_BF16,
    HGN_WEIGHTS_FP8, /* e4m3 with one fp32 scale per tensor */
    HGN_WEIGHTS_Q8_0,
    HGN_WEIGHTS_Q4_0,
    HGN_WEIGHTS_Q4_1,
    HGN_WEIGHTS_Q5_0,
    HGN_WEIGHTS_Q5_1,
    HGN_WEIGHTS_Q2_K,
    HGN_WEIGHTS_Q3_K,
    HGN_WEIGHTS_Q4_K,
    HGN_WEIGHTS_Q5_K,
    HGN_WEIGHTS_Q6_K,
    HGN_WEIGHTS_Q8_K,
    HGN_WEIGHTS_NF4,  /* bitsandbytes 4-bit NormalFloat */
    HGN_WEIGHTS_FP4,  /* bitsandbytes 4-bit float */
    HGN_WEIGHTS_INT8, /* bitsandbytes LLM.int8() */
    HGN_WEIGHTS_GPTQ, /* AutoGPTQ packing, `bits` and `groupSize` */
    HGN_WEIGHTS_AWQ,  /* AutoAWQ GEMM packing, 4 bits, `groupSize` */
    HGN_WEIGHTS_COUNT
} HgnWeightFormat;

typedef struct HgnWeightQuant {
    HgnWeightFormat format;
    uint32_t bits;     /* GPTQ: 2, 3, 4 or 8 (0 = 4); ignored otherwise */
    int32_t groupSize; /* GPTQ/AWQ group (0 = 128, -1 = one group per row); bnb block (0 = 64) */
    bool doubleQuant;  /* bitsandbytes NF4/FP4: quantise the absmax values too */
} HgnWeightQuant;

/* Canonical lower-case names: "f32", "f16", "bf16", "fp8", "q8_0", "q4_0",
 * "q4_1", "q5_0", "q5_1", "q2_K", "q3_K", "q4_K", "q5_K", "q6_K", "q8_K",
 * "nf4", "fp4", "int8", "gptq", "awq". FromName is case-insensitive and also
 * accepts "fp32", "fp16", "float16", "bfloat16", "float32", "llm.int8".
 * Returns false for an unknown name. */
const char *hgnWeightFormatName(HgnWeightFormat format);
bool hgnWeightFormatFromName(const char *name, HgnWeightFormat *out);
/* Elements per block and bytes per block (1 and the element size for plain
 * dtypes; GGUF block sizes from ggml-common.h). 0 for bnb/GPTQ/AWQ. */
uint32_t hgnWeightBlockElements(HgnWeightFormat format);
uint32_t hgnWeightBlockBytes(HgnWeightFormat format);
/* True for formats a KV cache may use (f32, f16, bf16, fp8, q8_0, q4_0, q4_1, q5_0, q5_1). */
bool hgnWeightFormatIsKvCapable(HgnWeightFormat format);

/* Bytes of one 2-D weight [rows = out_features, cols = in_features] stored
 * as q, including scales, zeros, absmax and index tensors. */
uint64_t hgnMatrixBytes(HgnWeightQuant q, uint64_t rows, uint64_t cols);
/* Average bits per weight of a large matrix (for tables and logs). */
double hgnWeightBitsPerParam(HgnWeightQuant q);

/* Parameters implied by the shapes (embeddings, attention, FFN or experts
 * with router, norms, biases, untied lm_head). */
uint64_t hgnModelParamCount(const HgnModelDims *m);
/* Parameters read per token: dense parameters plus the active experts only. */
uint64_t hgnModelActiveParamCount(const HgnModelDims *m);

/* Weight bytes split the way a planner places them: one transformer block,
 * and the rest (token embedding, final norm, lm_head). Quantised formats
 * follow what their tools leave unquantised (see docs/costModel.md). */
uint64_t hgnLayerWeightBytes(const HgnModelDims *m, HgnWeightQuant q);
uint64_t hgnEdgeWeightBytes(const HgnModelDims *m, HgnWeightQuant q);
uint64_t hgnModelWeightBytes(const HgnModelDims *m, HgnWeightQuant q);

/* True when layer `layer` (0-based) uses the sliding window. */
bool hgnLayerIsSliding(const HgnModelDims *m, uint32_t layer);
/* KV cache bytes of one layer / of all layers for `tokens` positions of
 * `batch` sequences: 2 (K and V) x kvHeads x headDim x element bytes x
 * tokens, tokens capped at the window on sliding layers. kvFormat must be
 * KV-capable (else 0). */
uint64_t hgnLayerKvBytes(const HgnModelDims *m, uint32_t layer, HgnWeightFormat kvFormat, uint64_t tokens,
                         uint64_t batch);
uint64_t hgnKvCacheBytes(const HgnModelDims *m, HgnWeightFormat kvFormat, uint64_t tokens, uint64_t batch);

/* One forward step's activations. */
typedef struct HgnComputeShape {
    uint64_t batch;     /* sequences processed together (>= 1) */
    uint64_t ubatch;    /* tokens per sequence in this step: prefill chunk, 1 for decode (>= 1) */
    uint64_t context;   /* keys attended to (KV length) */
    uint64_t attnChunk; /* keys per attention-score block; 0 = the whole context at once */
    uint32_t actBytes;  /* activation element bytes: 2 (f16/bf16) or 4 (f32); 0 = 4 */
    bool allLogits;     /* logits for every token (scoring) instead of the last one per sequence */
} HgnComputeShape;

typedef struct HgnComputeBytes {
    uint64_t residual;  /* residual stream + normed copy */
    uint64_t attention; /* q, k, v, scores, context of one layer */
    uint64_t ffn;       /* gate, up, product of one layer (routed tokens for MoE) */
    uint64_t logits;    /* vocab-sized output */
    uint64_t total;     /* residual + max(attention, ffn, logits): buffers are reused across layers */
} HgnComputeBytes;

void hgnComputeBufferBytes(const HgnModelDims *m, const HgnComputeShape *s, HgnComputeBytes *out);

/* Fixed runtime overhead of one device: CUDA context and library workspaces
 * for a GPU, allocator and thread-pool state for the host. */
uint64_t hgnRuntimeOverheadBytes(bool gpu);

typedef struct HgnMemoryQuery {
    HgnWeightQuant weights;
    HgnWeightFormat kvFormat; /* KV cache element type (f16 usually) */
    uint64_t context;         /* KV capacity per sequence, tokens (>= 1) */
    uint64_t batch;           /* sequences (0 = 1) */
    uint64_t ubatch;          /* prefill chunk in tokens (0 = min(context, 512)) */
    uint64_t attnChunk;       /* keys per attention-score block (0 = whole context) */
    bool gpu;                 /* overhead of a GPU (true) or of the host (false) */
} HgnMemoryQuery;

typedef struct HgnMemoryEstimate {
    uint64_t weightBytes;
    uint64_t kvCacheBytes;
    uint64_t computeBytes;
    uint64_t overheadBytes;
    uint64_t totalBytes;
} HgnMemoryEstimate;

/* Validates dims and query (HGN-0015 InvalidArgument naming the field) and
 * fills *out with the memory one device needs to hold the whole model. */
HGN_NODISCARD HgnStatus hgnModelDimsCheck(const HgnModelDims *m);
HGN_NODISCARD HgnStatus hgnMemoryEstimate(const HgnModelDims *m, const HgnMemoryQuery *q, HgnMemoryEstimate *out);

#ifdef __cplusplus
}
#endif
#endif
