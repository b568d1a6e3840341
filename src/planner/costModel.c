/* costModel.c — memory formulas of the cost model (see huginn/costModel.h and
 * docs/costModel.md): weight bytes per dtype or quantisation scheme, KV cache,
 * compute buffers and runtime overhead. Every formula names its source. */
#include "huginn/costModel.h"

#include <strings.h>

/* ---- saturating arithmetic: byte counts never wrap ------------------------ */

static uint64_t mulSat(uint64_t a, uint64_t b) {
    uint64_t r;
    return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

static uint64_t addSat(uint64_t a, uint64_t b) {
    uint64_t r;
    return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

static uint64_t ceilDiv(uint64_t a, uint64_t b) { return b == 0 ? 0 : a / b + (a % b != 0); }

static uint64_t max3(uint64_t a, uint64_t b, uint64_t c) {
    uint64_t m = a > b ? a : b;
    return m > c ? m : c;
}

/* ---- format table ----------------------------------------------------------
 * GGUF block layouts from ggml-common.h (reference [G2] in
 * /work/shared/reference/formats-and-quantization.md §1):
 *   Q8_0 {f16 d; i8 qs[32]}                       34 B / 32
 *   Q4_0 {f16 d; u8 qs[16]}                       18 B / 32
 *   Q4_1 {f16 d, m; u8 qs[16]}                    20 B / 32
 *   Q5_0 {f16 d; u8 qh[4]; u8 qs[16]}             22 B / 32
 *   Q5_1 {f16 d, m; u8 qh[4]; u8 qs[16]}          24 B / 32
 *   Q2_K {u8 scales[16]; u8 qs[64]; f16 d, dmin}  84 B / 256
 *   Q3_K {u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d}        110 B / 256
 *   Q4_K {f16 d, dmin; u8 scales[12]; u8 qs[128]}               144 B / 256
 *   Q5_K {f16 d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]}    176 B / 256
 *   Q6_K {u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d}          210 B / 256
 *   Q8_K {f32 d; i8 qs[256]; i16 bsums[16]}                     292 B / 256 */
typedef struct FormatRow {
    const char *name;
    uint32_t blockElems; /* 0: not a per-element/block format (bnb, GPTQ, AWQ) */
    uint32_t blockBytes;
    bool gguf;      /* a GGUF block quantisation: 1-D tensors stay f32 */
    bool kvCapable; /* llama.cpp accepts it as a cache type (--cache-type-k/v) */
} FormatRow;

static const FormatRow formats[HGN_WEIGHTS_COUNT] = {
    [HGN_WEIGHTS_F32] = {"f32", 1, 4, false, true},       [HGN_WEIGHTS_F16] = {"f16", 1, 2, false, true},
    [HGN_WEIGHTS_BF16] = {"bf16", 1, 2, false, true},     [HGN_WEIGHTS_FP8] = {"fp8", 1, 1, false, true},
    [HGN_WEIGHTS_Q8_0] = {"q8_0", 32, 34, true, true},    [HGN_WEIGHTS_Q4_0] = {"q4_0", 32, 18, true, true},
    [HGN_WEIGHTS_Q4_1] = {"q4_1", 32, 20, true, true},    [HGN_WEIGHTS_Q5_0] = {"q5_0", 32, 22, true, true},
    [HGN_WEIGHTS_Q5_1] = {"q5_1", 32, 24, true, true},    [HGN_WEIGHTS_Q2_K] = {"q2_K", 256, 84, true, false},
    [HGN_WEIGHTS_Q3_K] = {"q3_K", 256, 110, true, false}, [HGN_WEIGHTS_Q4_K] = {"q4_K", 256, 144, true, false},
    [HGN_WEIGHTS_Q5_K] = {"q5_K", 256, 176, true, false}, [HGN_WEIGHTS_Q6_K] = {"q6_K", 256, 210, true, false},
    [HGN_WEIGHTS_Q8_K] = {"q8_K", 256, 292, true, false}, [HGN_WEIGHTS_NF4] = {"nf4", 0, 0, false, false},
    [HGN_WEIGHTS_FP4] = {"fp4", 0, 0, false, false},      [HGN_WEIGHTS_INT8] = {"int8", 0, 0, false, false},
    [HGN_WEIGHTS_GPTQ] = {"gptq", 0, 0, false, false},    [HGN_WEIGHTS_AWQ] = {"awq", 0, 0, false, false},
};

static bool validFormat(HgnWeightFormat f) { return (unsigned)f < (unsigned)HGN_WEIGHTS_COUNT; }

const char *hgnWeightFormatName(HgnWeightFormat format) {
    return validFormat(format) ? formats[format].name : "unknown";
}

bool hgnWeightFormatFromName(const char *name, HgnWeightFormat *out) {
    if (!name) return false;
    static const struct {
        const char *alias;
        HgnWeightFormat format;
    } aliases[] = {
        {"fp32", HGN_WEIGHTS_F32},      {"float32", HGN_WEIGHTS_F32},       {"float", HGN_WEIGHTS_F32},
        {"fp16", HGN_WEIGHTS_F16},      {"float16", HGN_WEIGHTS_F16},       {"half", HGN_WEIGHTS_F16},
        {"bfloat16", HGN_WEIGHTS_BF16}, {"float8_e4m3fn", HGN_WEIGHTS_FP8}, {"e4m3", HGN_WEIGHTS_FP8},
        {"llm.int8", HGN_WEIGHTS_INT8}, {"bnb-int8", HGN_WEIGHTS_INT8},     {"bnb-nf4", HGN_WEIGHTS_NF4},
        {"bnb-fp4", HGN_WEIGHTS_FP4},
    };
    for (int i = 0; i < (int)HGN_WEIGHTS_COUNT; i++)
        if (strcasecmp(name, formats[i].name) == 0) {
            *out = (HgnWeightFormat)i;
            return true;
        }
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcasecmp(name, aliases[i].alias) == 0) {
            *out = aliases[i].format;
            return true;
        }
    return false;
}

uint32_t hgnWeightBlockElements(HgnWeightFormat format) { return validFormat(format) ? formats[format].blockElems : 0; }
uint32_t hgnWeightBlockBytes(HgnWeightFormat format) { return validFormat(format) ? formats[format].blockBytes : 0; }
bool hgnWeightFormatIsKvCapable(HgnWeightFormat format) { return validFormat(format) && formats[format].kvCapable; }

/* Bytes of a row of n elements in a per-element or GGUF block format. ggml
 * requires n to be a multiple of the block size; a partial block is counted
 * whole so that estimates never undercount. */
static uint64_t rowBytes(HgnWeightFormat f, uint64_t n) {
    const FormatRow *r = &formats[f];
    return mulSat(ceilDiv(n, r->blockElems), r->blockBytes);
}

/* ---- one weight matrix ------------------------------------------------------ */

static uint64_t bnb4Bytes(HgnWeightQuant q, uint64_t n) {
    /* bitsandbytes quantize_4bit [B1]: two 4-bit codes per byte, one fp32
     * absmax per block of 64 (blocksize), plus the 16-entry fp32 code table
     * (quant_map) saved with every weight. */
    uint64_t block = q.groupSize > 0 ? (uint64_t)q.groupSize : 64;
    uint64_t nBlocks = ceilDiv(n, block);
    uint64_t bytes = addSat(ceilDiv(n, 2), 16 * 4);
    if (!q.doubleQuant) return addSat(bytes, mulSat(nBlocks, 4));
    /* Double quantisation (compress_statistics, QLoRA §3) [B1]: absmax - mean
     * stored as uint8 with the 8-bit dynamic map (256 fp32 entries), one fp32
     * absmax per 256 first-level blocks, plus the fp32 offset. That is
     * 8/64 + 32/(64*256) = 0.127 bits per parameter instead of 0.5. */
    bytes = addSat(bytes, nBlocks);                          /* uint8 absmax */
    bytes = addSat(bytes, mulSat(ceilDiv(nBlocks, 256), 4)); /* second-level absmax */
    return addSat(bytes, 256 * 4 + 4);                       /* nested code table + offset */
}

static uint64_t gptqBytes(HgnWeightQuant q, uint64_t rows, uint64_t cols) {
    /* AutoGPTQ layout [Q2], K = in (cols), N = out (rows), b bits, group g:
     *   qweight int32 [K*b/32, N]; qzeros int32 [ceil(K/g), N*b/32];
     *   scales fp16 [ceil(K/g), N]; g_idx int32 [K]. group_size -1 = one group. */
    uint64_t b = q.bits ? q.bits : 4;
    uint64_t g = q.groupSize == 0 ? 128 : q.groupSize < 0 ? cols : (uint64_t)q.groupSize;
    uint64_t groups = ceilDiv(cols, g);
    uint64_t qweight = mulSat(mulSat(ceilDiv(mulSat(cols, b), 32), rows), 4);
    uint64_t qzeros = mulSat(mulSat(groups, ceilDiv(mulSat(rows, b), 32)), 4);
    uint64_t scales = mulSat(mulSat(groups, rows), 2);
    uint64_t gIdx = mulSat(cols, 4);
    return addSat(addSat(qweight, qzeros), addSat(scales, gIdx));
}

static uint64_t awqBytes(HgnWeightQuant q, uint64_t rows, uint64_t cols) {
    /* AutoAWQ GEMM layout [A2], K = in, N = out, 4 bits, group g (default 128):
     *   qweight int32 [K, N/8]; qzeros int32 [K/g, N/8]; scales fp16 [K/g, N]. */
    uint64_t g = q.groupSize == 0 ? 128 : q.groupSize < 0 ? cols : (uint64_t)q.groupSize;
    uint64_t groups = ceilDiv(cols, g);
    uint64_t packedCols = mulSat(ceilDiv(rows, 8), 4);
    return addSat(addSat(mulSat(cols, packedCols), mulSat(groups, packedCols)), mulSat(mulSat(groups, rows), 2));
}

uint64_t hgnMatrixBytes(HgnWeightQuant q, uint64_t rows, uint64_t cols) {
    if (!validFormat(q.format)) return 0;
    uint64_t n = mulSat(rows, cols);
    switch (q.format) {
    case HGN_WEIGHTS_FP8:
        /* e4m3: one byte per weight plus one fp32 per-tensor scale (the
         * weight_scale tensor of FP8 checkpoints, e.g. compressed-tensors). */
        return addSat(n, 4);
    case HGN_WEIGHTS_NF4:
    case HGN_WEIGHTS_FP4:
        return bnb4Bytes(q, n);
    case HGN_WEIGHTS_INT8:
        /* LLM.int8() (arXiv:2208.07339; bnb Int8Params): int8 weight plus one
         * fp32 absmax (SCB) per output row. Outlier columns are multiplied in
         * fp16 from the activations' side, not stored twice. */
        return addSat(n, mulSat(rows, 4));
    case HGN_WEIGHTS_GPTQ:
        return gptqBytes(q, rows, cols);
    case HGN_WEIGHTS_AWQ:
        return awqBytes(q, rows, cols);
    default:
        /* Plain dtypes and GGUF blocks: rows of `cols` elements; blocks run
         * along the contiguous (input) dimension [G1]. */
        return mulSat(rows, rowBytes(q.format, cols));
    }
}

double hgnWeightBitsPerParam(HgnWeightQuant q) {
    /* A 4096 x 4096 matrix stands for "large": per-tensor constants vanish. */
    const uint64_t side = 4096;
    return (double)hgnMatrixBytes(q, side, side) * 8.0 / (double)(side * side);
}

/* ---- what stays unquantised --------------------------------------------------
 * GGUF (llama.cpp quantize): every 2-D weight is quantised, including
 * token_embd and output, except the MoE router ffn_gate_inp which stays f32;
 * 1-D tensors (norms, biases) are f32.
 * bitsandbytes / GPTQ / AWQ / FP8 quantise the nn.Linear layers of the blocks
 * only: embeddings, lm_head (llm_int8_skip_modules, GPTQ/AWQ "lm_head"
 * exclusion), router and 1-D tensors stay in the 16-bit compute dtype.
 * Plain dtypes store everything at that dtype. */

static bool isPlain(HgnWeightFormat f) { return f == HGN_WEIGHTS_F32 || f == HGN_WEIGHTS_F16 || f == HGN_WEIGHTS_BF16; }

static uint64_t vectorElemBytes(HgnWeightFormat f) {
    if (f == HGN_WEIGHTS_F32 || formats[f].gguf) return 4;
    return 2;
}

/* A 2-D weight that is not a block linear layer (embedding, lm_head). */
static uint64_t edgeMatrixBytes(HgnWeightQuant q, uint64_t rows, uint64_t cols) {
    if (isPlain(q.format) || formats[q.format].gguf) return hgnMatrixBytes(q, rows, cols);
    return mulSat(mulSat(rows, cols), 2);
}

static uint64_t routerBytes(HgnWeightQuant q, uint64_t experts, uint64_t hidden) {
    uint64_t elem = formats[q.format].gguf ? 4 : isPlain(q.format) ? formats[q.format].blockBytes : 2;
    return mulSat(mulSat(experts, hidden), elem);
}

static uint64_t expertCount(const HgnModelDims *m) { return m->moeExperts ? m->moeExperts : 1; }

uint64_t hgnLayerWeightBytes(const HgnModelDims *m, HgnWeightQuant q) {
    if (!m || !validFormat(q.format)) return 0;
    uint64_t h = m->hiddenSize, qDim = (uint64_t)m->heads * m->headDim, kvDim = (uint64_t)m->kvHeads * m->headDim;
    /* Attention: q_proj [qDim, h], k_proj and v_proj [kvDim, h], o_proj [h, qDim]. */
    uint64_t bytes = hgnMatrixBytes(q, qDim, h);
    bytes = addSat(bytes, mulSat(hgnMatrixBytes(q, kvDim, h), 2));
    bytes = addSat(bytes, hgnMatrixBytes(q, h, qDim));
    /* SwiGLU/GeGLU FFN per expert: gate_proj and up_proj [ffn, h], down_proj [h, ffn]. */
    uint64_t ffn = addSat(mulSat(hgnMatrixBytes(q, m->ffnSize, h), 2), hgnMatrixBytes(q, h, m->ffnSize));
    bytes = addSat(bytes, mulSat(ffn, expertCount(m)));
    if (m->moeExperts) bytes = addSat(bytes, routerBytes(q, m->moeExperts, h)); /* router [experts, h] */
    uint64_t vec = vectorElemBytes(q.format);
    bytes = addSat(bytes, mulSat(mulSat(m->normsPerLayer, h), vec));
    if (m->qkvBias) bytes = addSat(bytes, mulSat(addSat(qDim, mulSat(kvDim, 2)), vec));
    return bytes;
}

uint64_t hgnEdgeWeightBytes(const HgnModelDims *m, HgnWeightQuant q) {
    if (!m || !validFormat(q.format)) return 0;
    uint64_t bytes = edgeMatrixBytes(q, m->vocab, m->hiddenSize); /* token embedding [vocab, h] */
    if (!m->tieEmbeddings) bytes = addSat(bytes, edgeMatrixBytes(q, m->vocab, m->hiddenSize)); /* lm_head */
    return addSat(bytes, mulSat(m->hiddenSize, vectorElemBytes(q.format)));                    /* final norm */
}

uint64_t hgnModelWeightBytes(const HgnModelDims *m, HgnWeightQuant q) {
    if (!m) return 0;
    return addSat(hgnEdgeWeightBytes(m, q), mulSat(hgnLayerWeightBytes(m, q), m->layers));
}

uint64_t hgnModelParamCount(const HgnModelDims *m) {
    if (!m) return 0;
    /* Element counts of the tensors listed above (F32 with one byte per
     * element would do the same; spelled out for clarity). */
    uint64_t h = m->hiddenSize, qDim = (uint64_t)m->heads * m->headDim, kvDim = (uint64_t)m->kvHeads * m->headDim;
    uint64_t attn = addSat(mulSat(mulSat(qDim, h), 2), mulSat(mulSat(kvDim, h), 2));
    uint64_t ffn = mulSat(mulSat(mulSat(h, m->ffnSize), 3), expertCount(m));
    uint64_t layer = addSat(attn, ffn);
    if (m->moeExperts) layer = addSat(layer, mulSat(h, m->moeExperts));
    layer = addSat(layer, mulSat(m->normsPerLayer, h));
    if (m->qkvBias) layer = addSat(layer, addSat(qDim, mulSat(kvDim, 2)));
    uint64_t edge = mulSat(mulSat(m->vocab, h), m->tieEmbeddings ? 1 : 2);
    return addSat(addSat(edge, h), mulSat(layer, m->layers));
}

uint64_t hgnModelActiveParamCount(const HgnModelDims *m) {
    if (!m) return 0;
    uint64_t total = hgnModelParamCount(m);
    if (!m->moeExperts || m->moeActiveExperts >= m->moeExperts) return total;
    /* Each token runs through moeActiveExperts of the moeExperts FFNs (Mixtral: top-2 of 8). */
    uint64_t perExpert = mulSat(mulSat((uint64_t)m->hiddenSize, m->ffnSize), 3);
    uint64_t idle = mulSat(mulSat(perExpert, m->moeExperts - m->moeActiveExperts), m->layers);
    return total - (idle < total ? idle : total);
}

/* ---- KV cache --------------------------------------------------------------- */

bool hgnLayerIsSliding(const HgnModelDims *m, uint32_t layer) {
    if (!m || m->slidingWindow == 0) return false;
    switch (m->slidingLayers) {
    case HGN_SLIDING_ALL:
        return true;
    case HGN_SLIDING_EVEN:
        return layer % 2 == 0;
    case HGN_SLIDING_ODD:
        return layer % 2 == 1;
    default:
        return false;
    }
}

uint64_t hgnLayerKvBytes(const HgnModelDims *m, uint32_t layer, HgnWeightFormat kvFormat, uint64_t tokens,
                         uint64_t batch) {
    if (!m || !hgnWeightFormatIsKvCapable(kvFormat)) return 0;
    /* K and V each hold kvHeads x headDim values per position (GQA shares
     * them across heads/kvHeads query heads). A sliding-window layer only
     * ever attends to the last `window` positions, so a ring buffer of that
     * size suffices (Mistral 7B paper §2 "Rolling Buffer Cache";
     * transformers HybridCache for Gemma 2). */
    uint64_t kept = tokens;
    if (hgnLayerIsSliding(m, layer) && kept > m->slidingWindow) kept = m->slidingWindow;
    uint64_t perToken = mulSat(rowBytes(kvFormat, (uint64_t)m->kvHeads * m->headDim), 2);
    return mulSat(mulSat(perToken, kept), batch ? batch : 1);
}

uint64_t hgnKvCacheBytes(const HgnModelDims *m, HgnWeightFormat kvFormat, uint64_t tokens, uint64_t batch) {
    if (!m) return 0;
    uint64_t total = 0;
    for (uint32_t l = 0; l < m->layers; l++) total = addSat(total, hgnLayerKvBytes(m, l, kvFormat, tokens, batch));
    return total;
}

/* ---- compute buffers ----------------------------------------------------------
 * The dominant tensors of one forward step, as llama.cpp's graph allocator
 * sizes them for the worst-case graph (n_ubatch tokens): buffers are reused
 * from layer to layer, so the peak is the residual stream plus the largest
 * of the attention, FFN and output phases. */

void hgnComputeBufferBytes(const HgnModelDims *m, const HgnComputeShape *s, HgnComputeBytes *out) {
    *out = (HgnComputeBytes){0};
    if (!m || !s) return;
    uint64_t b = s->batch ? s->batch : 1, seq = s->ubatch ? s->ubatch : 1;
    uint64_t a = s->actBytes ? s->actBytes : 4;
    uint64_t tokens = mulSat(b, seq);
    uint64_t keys = s->context ? s->context : seq;
    if (s->attnChunk && s->attnChunk < keys) keys = s->attnChunk;
    uint64_t h = m->hiddenSize, qDim = (uint64_t)m->heads * m->headDim, kvDim = (uint64_t)m->kvHeads * m->headDim;

    /* Residual stream and its normed copy, f32 (llama.cpp keeps inpL/cur in f32). */
    out->residual = mulSat(mulSat(tokens, h), 4 * 2);

    /* Attention: q, k, v projections [tokens, qDim + 2 kvDim]; the scores
     * KQ [batch, heads, seq, keys] and their softmax, both f32 (llama.cpp
     * kq / kq_soft_max; a flash-style kernel holds one `keys` block); the
     * context before o_proj [tokens, qDim]. */
    uint64_t qkv = mulSat(mulSat(tokens, addSat(qDim, mulSat(kvDim, 2))), a);
    uint64_t scores = mulSat(mulSat(mulSat(mulSat(b, m->heads), seq), keys), 4 * 2);
    uint64_t ctx = mulSat(mulSat(tokens, qDim), a);
    out->attention = addSat(addSat(qkv, scores), ctx);

    /* FFN: gate and up outputs and their product [rows, ffn]; MoE routes
     * each token to moeActiveExperts experts (rows = tokens x active) and
     * adds the router logits [tokens, experts] in f32. */
    uint64_t rows = m->moeExperts ? mulSat(tokens, m->moeActiveExperts ? m->moeActiveExperts : 1) : tokens;
    out->ffn = mulSat(mulSat(rows, m->ffnSize), mulSat(a, 3));
    if (m->moeExperts) out->ffn = addSat(out->ffn, mulSat(mulSat(tokens, m->moeExperts), 4));

    /* Logits [tokens or batch, vocab] in f32: generation needs the last
     * position of each sequence, scoring needs all. */
    out->logits = mulSat(mulSat(s->allLogits ? tokens : b, m->vocab), 4);

    out->total = addSat(out->residual, max3(out->attention, out->ffn, out->logits));
}

uint64_t hgnRuntimeOverheadBytes(bool gpu) {
    /* GPU: the CUDA context (driver, module images; PyTorch's CUDA notes
     * count it outside the caching allocator, typically 300-500 MiB on
     * Ampere/Hopper with lazy module loading) plus cuBLAS/cuBLASLt
     * workspaces (up to 32 MiB per handle on Hopper, cuBLAS docs
     * cublasSetWorkspace) and allocator slack: Huginn budgets 512 MiB.
     * Host: thread pool stacks, allocator arenas and the tokenizer: 64 MiB
     * (Huginn's own budget; measured by the executor). */
    return gpu ? 512ull << 20 : 64ull << 20;
}

/* ---- validation and the whole estimate ------------------------------------------ */

#define DIM_MAX (1u << 24)

HgnStatus hgnModelDimsCheck(const HgnModelDims *m) {
    if (!m) return hgnStatusNew(HGN_CODE_InvalidArgument, "dims", NULL, "model dimensions are missing");
    const struct {
        const char *field;
        uint32_t value;
        uint32_t min, max;
    } checks[] = {
        {"layers", m->layers, 1, 4096},
        {"hiddenSize", m->hiddenSize, 1, DIM_MAX},
        {"heads", m->heads, 1, 4096},
        {"kvHeads", m->kvHeads, 1, 4096},
        {"headDim", m->headDim, 1, 65536},
        {"ffnSize", m->ffnSize, 1, DIM_MAX},
        {"vocab", m->vocab, 1, DIM_MAX},
        {"moeExperts", m->moeExperts, 0, 4096},
        {"normsPerLayer", m->normsPerLayer, 0, 16},
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
        if (checks[i].value < checks[i].min || checks[i].value > checks[i].max)
            return hgnStatusNew(HGN_CODE_InvalidArgument, checks[i].field, NULL, "%s = %u is outside [%u, %u]",
                                checks[i].field, checks[i].value, checks[i].min, checks[i].max);
    if (m->heads % m->kvHeads != 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "kvHeads", "heads must be a multiple of kvHeads (GQA groups)",
                            "heads = %u is not a multiple of kvHeads = %u", m->heads, m->kvHeads);
    if (m->moeExperts && (m->moeActiveExperts < 1 || m->moeActiveExperts > m->moeExperts))
        return hgnStatusNew(HGN_CODE_InvalidArgument, "moeActiveExperts", NULL,
                            "moeActiveExperts = %u must be within [1, moeExperts = %u]", m->moeActiveExperts,
                            m->moeExperts);
    if (!m->moeExperts && m->moeActiveExperts)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "moeActiveExperts", "set moeExperts for a MoE model",
                            "moeActiveExperts = %u on a dense model", m->moeActiveExperts);
    if ((unsigned)m->slidingLayers > (unsigned)HGN_SLIDING_ODD)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "slidingLayers", NULL, "unknown sliding-layer pattern %d",
                            (int)m->slidingLayers);
    return HGN_OK;
}

HgnStatus hgnMemoryEstimate(const HgnModelDims *m, const HgnMemoryQuery *q, HgnMemoryEstimate *out) {
    HgnStatus st = hgnModelDimsCheck(m);
    if (st) return st;
    if (!q || !out) return hgnStatusNew(HGN_CODE_InvalidArgument, "query", NULL, "query or result is missing");
    if (!validFormat(q->weights.format))
        return hgnStatusNew(HGN_CODE_InvalidArgument, "weights.format", NULL, "unknown weight format %d",
                            (int)q->weights.format);
    if (q->weights.format == HGN_WEIGHTS_GPTQ && q->weights.bits != 0 && q->weights.bits != 2 && q->weights.bits != 3 &&
        q->weights.bits != 4 && q->weights.bits != 8)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "weights.bits", "GPTQ packs 2, 3, 4 or 8 bits",
                            "GPTQ bits = %u is not supported", q->weights.bits);
    if (!hgnWeightFormatIsKvCapable(q->kvFormat))
        return hgnStatusNew(HGN_CODE_InvalidArgument, "kvFormat",
                            "use f16, bf16, f32, fp8, q8_0, q4_0, q4_1, q5_0 or q5_1", "%s cannot hold a KV cache",
                            hgnWeightFormatName(q->kvFormat));
    if (q->context < 1 || q->context > (1ull << 32))
        return hgnStatusNew(HGN_CODE_InvalidArgument, "context", NULL, "context = %llu is outside [1, 2^32]",
                            (unsigned long long)q->context);
    uint64_t batch = q->batch ? q->batch : 1;
    if (batch > 65536)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "batch", NULL, "batch = %llu is above 65536",
                            (unsigned long long)batch);

    out->weightBytes = hgnModelWeightBytes(m, q->weights);
    out->kvCacheBytes = hgnKvCacheBytes(m, q->kvFormat, q->context, batch);
    uint64_t ubatch = q->ubatch ? q->ubatch : (q->context < 512 ? q->context : 512);
    HgnComputeShape shape = {.batch = batch,
                             .ubatch = ubatch,
                             .context = q->context,
                             .attnChunk = q->attnChunk,
                             /* activations follow the compute dtype: f32 for f32 weights, else 16-bit */
                             .actBytes = q->weights.format == HGN_WEIGHTS_F32 ? 4 : 2};
    HgnComputeBytes cb;
    hgnComputeBufferBytes(m, &shape, &cb);
    out->computeBytes = cb.total;
    out->overheadBytes = hgnRuntimeOverheadBytes(q->gpu);
    out->totalBytes =
        addSat(addSat(out->weightBytes, out->kvCacheBytes), addSat(out->computeBytes, out->overheadBytes));
    return HGN_OK;
}
