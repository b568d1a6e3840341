/* llmBuilder.c — one HgnGraph for a decoder LLM from an HgnLlmSpec, every
 * weight mapped to its tensor in the file and checked against the shape the
 * architecture implies (see llmGraph.h; ops in docs/ir.md). */
#include <stdio.h>
#include <string.h>

#include "core/strBuf.h"
#include "huginn/llmGraph.h"

/* Roles of the weights; tensorName maps them to HF or GGUF names. */
typedef enum W {
    W_EMBED,
    W_OUT_NORM,
    W_LM_HEAD,
    W_ROPE_FREQS,
    W_ROPE_LONG, /* Phi-3 GGUF longrope factors */
    W_ROPE_SHORT,
    W_ATTN_NORM,
    W_Q,
    W_K,
    W_V,
    W_Q_BIAS,
    W_K_BIAS,
    W_V_BIAS,
    W_QKV,
    W_O,
    W_POST_ATTN_NORM, /* Gemma 2: norm of the attention output */
    W_FFN_NORM,       /* norm before the feed-forward block */
    W_POST_FFN_NORM,  /* Gemma 2 */
    W_GATE,
    W_UP,
    W_DOWN,
    W_GATE_UP,
    W_ROUTER,
    W_EXP_GATE, /* HF: one tensor per expert */
    W_EXP_UP,
    W_EXP_DOWN,
    W_EXPS_GATE, /* GGUF: experts stacked */
    W_EXPS_UP,
    W_EXPS_DOWN,
} W;

typedef struct Builder {
    HgnGraph *g;
    const HgnLlmSpec *s;
    const HgnLlmWeights *w; /* NULL: config only */
    int32_t symSeq, symCtx;
    int32_t tokens, positions;
    HgnStatus err;
    char name[128];
} Builder;

static void tensorName(const Builder *b, W role, int64_t layer, int64_t expert, char *out, size_t size) {
    bool hf = b->s->naming == HGN_LLM_NAMES_HF;
    bool gemma2 = b->s->family == HGN_LLM_GEMMA2;
    const char *n = NULL;
    switch (role) {
    case W_EMBED:
        snprintf(out, size, "%s", hf ? "model.embed_tokens.weight" : "token_embd.weight");
        return;
    case W_OUT_NORM:
        snprintf(out, size, "%s", hf ? "model.norm.weight" : "output_norm.weight");
        return;
    case W_LM_HEAD:
        snprintf(out, size, "%s", hf ? "lm_head.weight" : "output.weight");
        return;
    case W_ROPE_FREQS:
        snprintf(out, size, "rope_freqs.weight");
        return;
    case W_ROPE_LONG:
        snprintf(out, size, "rope_factors_long.weight");
        return;
    case W_ROPE_SHORT:
        snprintf(out, size, "rope_factors_short.weight");
        return;
    case W_ATTN_NORM:
        n = hf ? "input_layernorm.weight" : "attn_norm.weight";
        break;
    case W_Q:
        n = hf ? "self_attn.q_proj.weight" : "attn_q.weight";
        break;
    case W_K:
        n = hf ? "self_attn.k_proj.weight" : "attn_k.weight";
        break;
    case W_V:
        n = hf ? "self_attn.v_proj.weight" : "attn_v.weight";
        break;
    case W_Q_BIAS:
        n = hf ? "self_attn.q_proj.bias" : "attn_q.bias";
        break;
    case W_K_BIAS:
        n = hf ? "self_attn.k_proj.bias" : "attn_k.bias";
        break;
    case W_V_BIAS:
        n = hf ? "self_attn.v_proj.bias" : "attn_v.bias";
        break;
    case W_QKV:
        n = hf ? "self_attn.qkv_proj.weight" : "attn_qkv.weight";
        break;
    case W_O:
        n = hf ? "self_attn.o_proj.weight" : "attn_output.weight";
        break;
    case W_POST_ATTN_NORM:
        n = hf ? "post_attention_layernorm.weight" : "post_attention_norm.weight";
        break;
    case W_FFN_NORM:
        n = hf ? (gemma2 ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight") : "ffn_norm.weight";
        break;
    case W_POST_FFN_NORM:
        n = hf ? "post_feedforward_layernorm.weight" : "post_ffw_norm.weight";
        break;
    case W_GATE:
        n = hf ? "mlp.gate_proj.weight" : "ffn_gate.weight";
        break;
    case W_UP:
        n = hf ? "mlp.up_proj.weight" : "ffn_up.weight";
        break;
    case W_DOWN:
        n = hf ? "mlp.down_proj.weight" : "ffn_down.weight";
        break;
    case W_GATE_UP:
        n = hf ? "mlp.gate_up_proj.weight" : "ffn_up.weight";
        break;
    case W_ROUTER:
        n = hf ? "block_sparse_moe.gate.weight" : "ffn_gate_inp.weight";
        break;
    case W_EXP_GATE:
    case W_EXP_UP:
    case W_EXP_DOWN:
        snprintf(out, size, "model.layers.%lld.block_sparse_moe.experts.%lld.%s.weight", (long long)layer,
                 (long long)expert,
                 role == W_EXP_GATE ? "w1"
                 : role == W_EXP_UP ? "w3"
                                    : "w2");
        return;
    case W_EXPS_GATE:
        n = "ffn_gate_exps.weight";
        break;
    case W_EXPS_UP:
        n = "ffn_up_exps.weight";
        break;
    case W_EXPS_DOWN:
        n = "ffn_down_exps.weight";
        break;
    }
    snprintf(out, size, hf ? "model.layers.%lld.%s" : "blk.%lld.%s", (long long)layer, n);
}

static const char *fmtShape(char *buf, size_t size, int rank, const int64_t *d) {
    size_t o = 0;
    buf[o++] = '[';
    for (int i = 0; i < rank && o + 24 < size; i++)
        o += (size_t)snprintf(buf + o, size - o, i ? ", %lld" : "%lld", (long long)d[i]);
    snprintf(buf + o, size - o, "]");
    return buf;
}

static HgnStatus mismatch(const Builder *b, const char *tensor, int rank, const int64_t *expect,
                          const HgnTensorView *found) {
    char e[96], f[96], where[320];
    snprintf(where, sizeof where, "%s:tensor '%s'", b->w->source ? b->w->source : "weights", tensor);
    fmtShape(e, sizeof e, rank, expect);
    if (!found)
        return hgnStatusNew(HGN_CODE_ConfigMismatch, where, "the weights do not belong to this config",
                            "%s architecture '%s' needs tensor '%s' of shape %s; the file has no such tensor",
                            hgnLlmFamilyName(b->s->family), b->s->architecture, tensor, e);
    int64_t fd[HGN_MAX_DIMS];
    for (int i = 0; i < found->nDims && i < HGN_MAX_DIMS; i++) fd[i] = found->shape[i];
    fmtShape(f, sizeof f, found->nDims, fd);
    return hgnStatusNew(HGN_CODE_ConfigMismatch, where, "the weights do not belong to this config",
                        "tensor '%s' has shape %s, expected %s for %s architecture '%s'", tensor, f, e,
                        hgnLlmFamilyName(b->s->family), b->s->architecture);
}

static void fail(Builder *b, HgnStatus st) {
    if (!b->err)
        b->err = st;
    else
        hgnStatusFree(st);
}

/* A weight value of the given shape; -1 when optional and absent, or on error (b->err). */
static int32_t weight(Builder *b, W role, int64_t layer, int64_t expert, int rank, int64_t d0, int64_t d1, int64_t d2,
                      bool optional) {
    if (b->err) return -1;
    char name[128];
    tensorName(b, role, layer, expert, name, sizeof name);
    int64_t expect[3] = {d0, d1, d2};
    HgnShape shape = {.rank = rank};
    for (int i = 0; i < rank; i++) shape.dims[i] = (HgnDim){expect[i], HGN_DIM_KNOWN};
    const HgnTensorView *t = NULL;
    HgnDtype dtype = b->s->weightDtype;
    if (role == W_ROUTER || role == W_ROPE_FREQS || role == W_ROPE_LONG || role == W_ROPE_SHORT) dtype = HGN_DTYPE_F32;
    if (b->w) {
        t = b->w->find(b->w->ctx, name);
        if (!t) {
            if (optional) return -1;
            fail(b, mismatch(b, name, rank, expect, NULL));
            return -1;
        }
        bool ok = t->nDims == rank;
        for (int i = 0; ok && i < rank; i++) ok = t->shape[i] == expect[i];
        if (!ok) {
            fail(b, mismatch(b, name, rank, expect, t));
            return -1;
        }
        dtype = t->dtype;
    } else if (optional)
        return -1;
    int32_t v = -1;
    HgnStatus st = hgnGraphAddValue(b->g, name, dtype, &shape, HGN_ROLE_WEIGHT, &v);
    if (!st && t) {
        const char *file = b->w->filePath ? b->w->filePath(b->w->ctx, t->fileIndex) : NULL;
        st = hgnGraphSetValueExternal(b->g, v, file ? file : "", t->offset, t->nBytes);
        if (!st && t->data) st = hgnGraphSetValueData(b->g, v, t->data, t->nBytes, false);
    }
    if (st) {
        fail(b, st);
        return -1;
    }
    return v;
}

/* An f32 activation [seq, cols] (cols 0: [seq]) named "L.what" or "what". */
static int32_t act(Builder *b, int64_t layer, const char *what, int64_t cols, HgnDtype dtype) {
    if (b->err) return -1;
    if (layer >= 0)
        snprintf(b->name, sizeof b->name, "l%lld.%s", (long long)layer, what);
    else
        snprintf(b->name, sizeof b->name, "%s", what);
    HgnShape shape = {.rank = cols > 0 ? 2 : 1};
    shape.dims[0] = (HgnDim){0, b->symSeq};
    if (cols > 0) shape.dims[1] = (HgnDim){cols, HGN_DIM_KNOWN};
    int32_t v = -1;
    HgnStatus st = hgnGraphAddValue(b->g, b->name, dtype, &shape, HGN_ROLE_ACTIVATION, &v);
    if (st) fail(b, st);
    return v;
}

static HgnAttr aInt(const char *name, int64_t v) { return (HgnAttr){.name = name, .type = HGN_ATTR_INT, .i = v}; }
static HgnAttr aFloat(const char *name, double v) { return (HgnAttr){.name = name, .type = HGN_ATTR_FLOAT, .f = v}; }
static HgnAttr aStr(const char *name, const char *v) {
    return (HgnAttr){.name = name, .type = HGN_ATTR_STRING, .s = v, .sLen = strlen(v)};
}

static void node(Builder *b, const char *op, int64_t layer, const char *what, const int32_t *in, int32_t nIn,
                 const int32_t *out, int32_t nOut, const HgnAttr *attrs, int32_t nAttrs) {
    if (b->err) return;
    char nm[128];
    if (layer >= 0)
        snprintf(nm, sizeof nm, "l%lld.%s", (long long)layer, what);
    else
        snprintf(nm, sizeof nm, "%s", what);
    HgnNodeSpec spec = {.op = op,
                        .name = nm,
                        .inputs = in,
                        .nInputs = nIn,
                        .outputs = out,
                        .nOutputs = nOut,
                        .attrs = attrs,
                        .nAttrs = nAttrs,
                        .layer = layer > INT32_MAX ? -1 : (int32_t)layer};
    int32_t id;
    HgnStatus st = hgnGraphAddNode(b->g, &spec, &id);
    if (st) fail(b, st);
}

/* y = op(inputs) into a new activation [seq, cols]. */
static int32_t unary(Builder *b, const char *op, int64_t layer, const char *what, const int32_t *in, int32_t nIn,
                     int64_t cols, const HgnAttr *attrs, int32_t nAttrs) {
    int32_t y = act(b, layer, what, cols, HGN_DTYPE_F32);
    node(b, op, layer, what, in, nIn, &y, 1, attrs, nAttrs);
    return y;
}

static int32_t rmsNorm(Builder *b, int64_t layer, const char *what, int32_t x, int32_t w) {
    HgnAttr at[] = {aFloat("eps", b->s->normEps), aInt("unitOffset", b->s->normUnitOffset)};
    int32_t in[] = {x, w};
    return unary(b, "rmsNorm", layer, what, in, 2, b->s->hidden, at, 2);
}

/* y = x · Wᵀ (+ bias): W is [out, in] as in the file. */
static int32_t matmul(Builder *b, int64_t layer, const char *what, int32_t x, int32_t w, int32_t bias, int64_t cols) {
    int32_t in[] = {x, w, bias};
    return unary(b, "matmul", layer, what, in, bias >= 0 ? 3 : 2, cols, NULL, 0);
}

static int32_t binary(Builder *b, const char *op, int64_t layer, const char *what, int32_t x, int32_t y) {
    int32_t in[] = {x, y};
    return unary(b, op, layer, what, in, 2, b->s->hidden, NULL, 0);
}

static void split(Builder *b, int64_t layer, const char *what, int32_t x, const int64_t *sizes,
                  const char *const *names, int32_t n, int32_t *outs) {
    for (int32_t i = 0; i < n; i++) outs[i] = act(b, layer, names[i], sizes[i], HGN_DTYPE_F32);
    HgnAttr at[] = {{.name = "sizes", .type = HGN_ATTR_INTS, .n = n, .ints = sizes}, aInt("axis", 1)};
    node(b, "split", layer, what, &x, 1, outs, n, at, 2);
}

static const char *ropeStyle(const HgnLlmSpec *s) {
    /* llama.cpp permutes Llama Q/K rows so that rotated pairs are adjacent; HF keeps rotate_half halves */
    if (s->naming == HGN_LLM_NAMES_GGUF &&
        (s->family == HGN_LLM_LLAMA || s->family == HGN_LLM_MISTRAL || s->family == HGN_LLM_MIXTRAL))
        return "normal";
    return "neox";
}

/* freqs: up to two factor tensors (rope_freqs, or Phi-3's long/short factors), -1 when absent. */
static int32_t rope(Builder *b, int64_t layer, const char *what, int32_t x, int64_t heads, const int32_t *freqs) {
    const HgnLlmSpec *s = b->s;
    const HgnRopeScaling *r = &s->ropeScaling;
    HgnAttr at[12] = {aInt("dims", s->ropeDims),
                      aFloat("factor", r->factor),
                      aFloat("highFreqFactor", r->highFreqFactor),
                      aInt("heads", heads),
                      aFloat("lowFreqFactor", r->lowFreqFactor),
                      aInt("originalContext", r->originalMaxPositionEmbeddings),
                      aStr("scaling", hgnRopeScalingTypeName(r->type)),
                      aStr("style", ropeStyle(s)),
                      aFloat("theta", s->ropeTheta)};
    int32_t nAt = 9;
    if (s->nRopeFactors > 0) {
        at[nAt++] =
            (HgnAttr){.name = "longFactor", .type = HGN_ATTR_FLOATS, .n = s->nRopeFactors, .floats = s->ropeLongFactor};
        at[nAt++] = (HgnAttr){
            .name = "shortFactor", .type = HGN_ATTR_FLOATS, .n = s->nRopeFactors, .floats = s->ropeShortFactor};
    }
    int32_t in[4] = {x, b->positions};
    int32_t n = 2;
    for (int i = 0; i < 2; i++)
        if (freqs[i] >= 0) in[n++] = freqs[i];
    return unary(b, "rope", layer, what, in, n, heads * s->headDim, at, nAt);
}

static int32_t kvCache(Builder *b, int64_t layer, const char *kv) {
    if (b->err) return -1;
    snprintf(b->name, sizeof b->name, "cache.%lld.%s", (long long)layer, kv);
    HgnShape shape = {.rank = 3};
    shape.dims[0] = (HgnDim){0, b->symCtx};
    shape.dims[1] = (HgnDim){b->s->nKvHeads, HGN_DIM_KNOWN};
    shape.dims[2] = (HgnDim){b->s->headDim, HGN_DIM_KNOWN};
    int32_t v = -1;
    HgnStatus st = hgnGraphAddValue(b->g, b->name, b->s->kvDtype, &shape, HGN_ROLE_KV_CACHE, &v);
    if (st) fail(b, st);
    return v;
}

static int32_t attentionBlock(Builder *b, int64_t l, int32_t h, const int32_t *freqs) {
    const HgnLlmSpec *s = b->s;
    int64_t qDim = s->nHeads * s->headDim, kvDim = s->nKvHeads * s->headDim;
    int32_t q, k, v;
    if (s->family == HGN_LLM_PHI3) {
        int32_t wqkv = weight(b, W_QKV, l, 0, 2, qDim + 2 * kvDim, s->hidden, 0, false);
        int32_t qkv = matmul(b, l, "qkv", h, wqkv, -1, qDim + 2 * kvDim);
        int64_t sizes[] = {qDim, kvDim, kvDim};
        const char *names[] = {"q", "k", "v"};
        int32_t outs[3];
        split(b, l, "qkvSplit", qkv, sizes, names, 3, outs);
        q = outs[0], k = outs[1], v = outs[2];
    } else {
        int32_t wq = weight(b, W_Q, l, 0, 2, qDim, s->hidden, 0, false);
        int32_t wk = weight(b, W_K, l, 0, 2, kvDim, s->hidden, 0, false);
        int32_t wv = weight(b, W_V, l, 0, 2, kvDim, s->hidden, 0, false);
        int32_t bq = -1, bk = -1, bv = -1;
        if (s->qkvBias) {
            bq = weight(b, W_Q_BIAS, l, 0, 1, qDim, 0, 0, false);
            bk = weight(b, W_K_BIAS, l, 0, 1, kvDim, 0, 0, false);
            bv = weight(b, W_V_BIAS, l, 0, 1, kvDim, 0, 0, false);
        }
        q = matmul(b, l, "q", h, wq, bq, qDim);
        k = matmul(b, l, "k", h, wk, bk, kvDim);
        v = matmul(b, l, "v", h, wv, bv, kvDim);
    }
    int32_t qr = rope(b, l, "qRope", q, s->nHeads, freqs);
    int32_t kr = rope(b, l, "kRope", k, s->nKvHeads, freqs);
    int32_t kc = kvCache(b, l, "k"), vc = kvCache(b, l, "v");
    int64_t window = s->slidingWindow;
    if (s->slidingAlternate && l % 2 == 1) window = 0;
    HgnAttr at[] = {aInt("causal", 1),
                    aInt("headDim", s->headDim),
                    aInt("heads", s->nHeads),
                    aInt("kvHeads", s->nKvHeads),
                    aFloat("scale", s->attnScale),
                    aInt("slidingWindow", window),
                    aFloat("softcap", s->attnSoftcap)};
    int32_t in[] = {qr, kr, v, kc, vc, b->positions};
    int32_t a = unary(b, "attention", l, "attn", in, 6, qDim, at, (int32_t)(sizeof at / sizeof at[0]));
    int32_t wo = weight(b, W_O, l, 0, 2, s->hidden, qDim, 0, false);
    int32_t o = matmul(b, l, "attnOut", a, wo, -1, s->hidden);
    if (s->family == HGN_LLM_GEMMA2)
        o = rmsNorm(b, l, "attnPostNorm", o, weight(b, W_POST_ATTN_NORM, l, 0, 1, s->hidden, 0, 0, false));
    return o;
}

static int32_t activation(Builder *b, int64_t l, int32_t gate) {
    int64_t ff = b->s->intermediate;
    if (strcmp(b->s->activation, "gelu") == 0) {
        HgnAttr at[] = {aStr("approximate", "tanh")};
        return unary(b, "gelu", l, "act", &gate, 1, ff, at, 1);
    }
    return unary(b, "silu", l, "act", &gate, 1, ff, NULL, 0);
}

static int32_t denseFfn(Builder *b, int64_t l, int32_t h) {
    const HgnLlmSpec *s = b->s;
    int64_t ff = s->intermediate;
    int32_t g, u;
    if (s->family == HGN_LLM_PHI3) {
        int32_t wgu = weight(b, W_GATE_UP, l, 0, 2, 2 * ff, s->hidden, 0, false);
        int32_t gu = matmul(b, l, "gateUp", h, wgu, -1, 2 * ff);
        int64_t sizes[] = {ff, ff};
        const char *names[] = {"gate", "up"};
        int32_t outs[2];
        split(b, l, "gateUpSplit", gu, sizes, names, 2, outs);
        g = outs[0], u = outs[1];
    } else {
        g = matmul(b, l, "gate", h, weight(b, W_GATE, l, 0, 2, ff, s->hidden, 0, false), -1, ff);
        u = matmul(b, l, "up", h, weight(b, W_UP, l, 0, 2, ff, s->hidden, 0, false), -1, ff);
    }
    int32_t a = activation(b, l, g);
    int32_t in[] = {a, u};
    int32_t m = unary(b, "mul", l, "gated", in, 2, ff, NULL, 0);
    return matmul(b, l, "down", m, weight(b, W_DOWN, l, 0, 2, s->hidden, ff, 0, false), -1, s->hidden);
}

static int32_t moeFfn(Builder *b, int64_t l, int32_t h) {
    const HgnLlmSpec *s = b->s;
    int64_t ff = s->intermediate, ne = s->nExperts;
    int32_t wr = weight(b, W_ROUTER, l, 0, 2, ne, s->hidden, 0, false);
    int32_t ids = act(b, l, "expertIds", s->nExpertsUsed, HGN_DTYPE_I32);
    int32_t wts = act(b, l, "expertWeights", s->nExpertsUsed, HGN_DTYPE_F32);
    HgnAttr rat[] = {aInt("experts", ne), aInt("topK", s->nExpertsUsed)};
    int32_t rin[] = {h, wr}, rout[] = {ids, wts};
    node(b, "moeRouter", l, "router", rin, 2, rout, 2, rat, 2);
    int32_t in[3 + 3 * 64];
    int32_t n = 0;
    in[n++] = h, in[n++] = ids, in[n++] = wts;
    const char *layout;
    if (s->naming == HGN_LLM_NAMES_GGUF) {
        layout = "stacked";
        in[n++] = weight(b, W_EXPS_GATE, l, 0, 3, ne, ff, s->hidden, false);
        in[n++] = weight(b, W_EXPS_UP, l, 0, 3, ne, ff, s->hidden, false);
        in[n++] = weight(b, W_EXPS_DOWN, l, 0, 3, ne, s->hidden, ff, false);
    } else {
        layout = "perExpert";
        if (ne > 64) {
            fail(b, hgnStatusNew(HGN_CODE_UnsupportedArchitecture, b->w ? b->w->source : NULL, NULL,
                                 "%lld experts per layer; at most 64 are supported", (long long)ne));
            return -1;
        }
        for (int64_t e = 0; e < ne; e++) in[n++] = weight(b, W_EXP_GATE, l, e, 2, ff, s->hidden, 0, false);
        for (int64_t e = 0; e < ne; e++) in[n++] = weight(b, W_EXP_UP, l, e, 2, ff, s->hidden, 0, false);
        for (int64_t e = 0; e < ne; e++) in[n++] = weight(b, W_EXP_DOWN, l, e, 2, s->hidden, ff, 0, false);
    }
    HgnAttr at[] = {aStr("activation", s->activation), aInt("experts", ne), aInt("intermediate", ff),
                    aStr("layout", layout), aInt("topK", s->nExpertsUsed)};
    return unary(b, "moeExperts", l, "experts", in, n, s->hidden, at, 5);
}

static void layer(Builder *b, int64_t l, int32_t *x, const int32_t *freqs) {
    const HgnLlmSpec *s = b->s;
    int32_t h = rmsNorm(b, l, "attnNorm", *x, weight(b, W_ATTN_NORM, l, 0, 1, s->hidden, 0, 0, false));
    int32_t o = attentionBlock(b, l, h, freqs);
    int32_t x1 = binary(b, "add", l, "attnResidual", *x, o);
    int32_t h2 = rmsNorm(b, l, "ffnNorm", x1, weight(b, W_FFN_NORM, l, 0, 1, s->hidden, 0, 0, false));
    int32_t f = s->family == HGN_LLM_MIXTRAL ? moeFfn(b, l, h2) : denseFfn(b, l, h2);
    if (s->family == HGN_LLM_GEMMA2)
        f = rmsNorm(b, l, "ffnPostNorm", f, weight(b, W_POST_FFN_NORM, l, 0, 1, s->hidden, 0, 0, false));
    *x = binary(b, "add", l, "ffnResidual", x1, f);
}

static HgnStatus addIo(Builder *b) {
    HgnShape seq = {.rank = 1};
    seq.dims[0] = (HgnDim){0, b->symSeq};
    HgnStatus st = hgnGraphAddValue(b->g, "tokens", HGN_DTYPE_I32, &seq, HGN_ROLE_INPUT, &b->tokens);
    if (!st) st = hgnGraphAddValue(b->g, "positions", HGN_DTYPE_I32, &seq, HGN_ROLE_INPUT, &b->positions);
    if (!st) st = hgnGraphAddInput(b->g, b->tokens);
    if (!st) st = hgnGraphAddInput(b->g, b->positions);
    return st;
}

static HgnStatus build(Builder *b) {
    const HgnLlmSpec *s = b->s;
    b->symSeq = hgnGraphSymbol(b->g, "seq");
    int32_t symPos = hgnGraphSymbol(b->g, "pos");
    b->symCtx = hgnGraphSymbol(b->g, "ctx");
    if (b->symSeq < 0 || symPos < 0 || b->symCtx < 0)
        return hgnStatusNew(HGN_CODE_OutOfMemory, "llmBuilder", NULL, "out of memory");
    HgnStatus st = addIo(b);
    if (st) return st;
    int32_t embed = weight(b, W_EMBED, -1, 0, 2, s->vocab, s->hidden, 0, false);
    HgnAttr eat[] = {aFloat("scale", s->embedScale)};
    int32_t ein[] = {b->tokens, embed};
    int32_t x = unary(b, "embedding", -1, "embed", ein, 2, s->hidden, eat, 1);
    int32_t freqs[2] = {-1, -1};
    if (s->naming == HGN_LLM_NAMES_GGUF) {
        freqs[0] = weight(b, W_ROPE_FREQS, -1, 0, 1, s->ropeDims / 2, 0, 0, true);
        if (s->family == HGN_LLM_PHI3) {
            freqs[0] = weight(b, W_ROPE_LONG, -1, 0, 1, s->ropeDims / 2, 0, 0, true);
            freqs[1] = weight(b, W_ROPE_SHORT, -1, 0, 1, s->ropeDims / 2, 0, 0, true);
        }
    }
    for (int64_t l = 0; l < s->nLayers && !b->err; l++) layer(b, l, &x, freqs);
    int32_t xn = rmsNorm(b, -1, "outNorm", x, weight(b, W_OUT_NORM, -1, 0, 1, s->hidden, 0, 0, false));
    int32_t head = embed;
    if (!s->tiedEmbeddings) head = weight(b, W_LM_HEAD, -1, 0, 2, s->vocab, s->hidden, 0, false);
    int32_t logits;
    if (s->finalSoftcap > 0) {
        int32_t raw = matmul(b, -1, "logitsRaw", xn, head, -1, s->vocab);
        HgnAttr at[] = {aFloat("cap", s->finalSoftcap)};
        logits = unary(b, "softcap", -1, "logits", &raw, 1, s->vocab, at, 1);
    } else
        logits = matmul(b, -1, "logits", xn, head, -1, s->vocab);
    if (b->err) return b->err;
    hgnGraphSetValueRole(b->g, logits, HGN_ROLE_OUTPUT);
    if ((st = hgnGraphAddOutput(b->g, logits))) return st;
    return hgnGraphFinalize(b->g);
}

HgnStatus hgnLlmGraphBuild(const HgnLlmSpec *spec, const HgnLlmWeights *weights, HgnGraph **ppGraph) {
    *ppGraph = NULL;
    if (spec->nLayers <= 0 || spec->nLayers > 100000 || spec->hidden <= 0 || spec->nHeads <= 0 || spec->nKvHeads <= 0 ||
        spec->headDim <= 0 || spec->vocab <= 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, spec->architecture, NULL,
                            "incomplete model description (layers, hidden size, heads, vocabulary)");
    Builder b = {.s = spec, .w = weights};
    HgnStatus st = hgnGraphCreate(&b.g);
    if (st) return st;
    if (weights && weights->source) hgnGraphSetSource(b.g, weights->source);
    st = build(&b);
    if (st) {
        hgnGraphFree(b.g);
        return st;
    }
    *ppGraph = b.g;
    return HGN_OK;
}

/* ---- conveniences ------------------------------------------------------------------------ */

static const HgnTensorView *ggufFind(const void *ctx, const char *name) { return hgnGgufTensorFind(ctx, name); }
static const char *baseName(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}
static const char *ggufFile(const void *ctx, int fileIndex) {
    (void)fileIndex;
    return baseName(hgnGgufPath(ctx));
}
static const HgnTensorView *stFind(const void *ctx, const char *name) { return hgnSafetensorsTensorFind(ctx, name); }
static const char *stFile(const void *ctx, int fileIndex) {
    const char *p = hgnSafetensorsFilePath(ctx, (size_t)fileIndex);
    return p ? baseName(p) : NULL;
}

HgnStatus hgnLlmGraphFromGguf(const HgnGgufFile *f, HgnGraph **ppGraph) {
    *ppGraph = NULL;
    HgnLlmSpec spec;
    HgnStatus st = hgnLlmSpecFromGguf(f, &spec);
    if (st) return st;
    HgnLlmWeights w = {.ctx = f, .find = ggufFind, .filePath = ggufFile, .source = hgnGgufPath(f)};
    return hgnLlmGraphBuild(&spec, &w, ppGraph);
}

HgnStatus hgnLlmGraphFromSafetensors(const HgnHfConfig *cfg, const HgnSafetensors *st, HgnGraph **ppGraph) {
    *ppGraph = NULL;
    HgnLlmSpec spec;
    HgnStatus err = hgnLlmSpecFromHfConfig(cfg, &spec);
    if (err) return err;
    const char *src = hgnSafetensorsIndexPath(st);
    if (!src) src = hgnSafetensorsFilePath(st, 0);
    spec.tiedEmbeddings = hgnSafetensorsTensorFind(st, "lm_head.weight") == NULL;
    HgnLlmWeights w = {.ctx = st, .find = stFind, .filePath = stFile, .source = src};
    return hgnLlmGraphBuild(&spec, &w, ppGraph);
}

HgnStatus hgnLlmGraphFromHfModel(const HgnHfModel *m, HgnGraph **ppGraph) {
    *ppGraph = NULL;
    if (hgnHfModelGguf(m)) return hgnLlmGraphFromGguf(hgnHfModelGguf(m), ppGraph);
    const HgnHfConfig *cfg = hgnHfModelConfig(m);
    if (!cfg) return hgnStatusNew(HGN_CODE_NotFound, hgnHfModelDir(m), NULL, "config.json is missing");
    return hgnLlmGraphFromSafetensors(cfg, hgnHfModelSafetensors(m), ppGraph);
}

HgnStatus hgnLlmGraphFromHfConfig(const HgnHfConfig *cfg, HgnGraph **ppGraph) {
    *ppGraph = NULL;
    HgnLlmSpec spec;
    HgnStatus st = hgnLlmSpecFromHfConfig(cfg, &spec);
    if (st) return st;
    return hgnLlmGraphBuild(&spec, NULL, ppGraph);
}
