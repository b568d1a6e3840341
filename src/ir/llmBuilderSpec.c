/* llmBuilderSpec.c — HgnLlmSpec from config.json (HgnHfConfig) or from GGUF
 * metadata (the `ARCH.*` keys llama.cpp writes), see llmGraph.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "huginn/llmGraph.h"

const char *hgnLlmFamilyName(HgnLlmFamily family) {
    switch (family) {
    case HGN_LLM_LLAMA:
        return "llama";
    case HGN_LLM_MISTRAL:
        return "mistral";
    case HGN_LLM_QWEN2:
        return "qwen2";
    case HGN_LLM_GEMMA:
        return "gemma";
    case HGN_LLM_GEMMA2:
        return "gemma2";
    case HGN_LLM_PHI3:
        return "phi3";
    case HGN_LLM_MIXTRAL:
        return "mixtral";
    }
    return "unknown";
}

static const char *const supportedHf = "LlamaForCausalLM, MistralForCausalLM, MixtralForCausalLM, Qwen2ForCausalLM, "
                                       "GemmaForCausalLM, Gemma2ForCausalLM, Phi3ForCausalLM";
static const char *const supportedGguf = "llama, mistral, qwen2, gemma, gemma2, phi3";

static void commonDefaults(HgnLlmSpec *s) {
    if (s->headDim <= 0 && s->nHeads > 0) s->headDim = s->hidden / s->nHeads;
    if (s->nKvHeads <= 0) s->nKvHeads = s->nHeads;
    if (s->ropeDims <= 0) s->ropeDims = s->headDim;
    if (s->attnScale <= 0 && s->headDim > 0) s->attnScale = 1.0 / sqrt((double)s->headDim);
    if (s->embedScale <= 0) s->embedScale = 1.0;
    if (!s->activation) s->activation = "silu";
    if (s->kvDtype == HGN_DTYPE_UNKNOWN) s->kvDtype = HGN_DTYPE_F16;
}

static HgnStatus checkSpec(const HgnLlmSpec *s, const char *source) {
    struct {
        const char *what;
        int64_t v;
    } req[] = {{"layers", s->nLayers},
               {"hidden size", s->hidden},
               {"attention heads", s->nHeads},
               {"head dim", s->headDim},
               {"vocabulary size", s->vocab}};
    for (size_t i = 0; i < sizeof req / sizeof req[0]; i++)
        if (req[i].v <= 0 || req[i].v > HGN_DIM_MAX)
            return hgnStatusNew(HGN_CODE_ModelFormatInvalid, source, "the model's config is incomplete",
                                "%s architecture '%s': %s is %lld", hgnLlmFamilyName(s->family), s->architecture,
                                req[i].what, (long long)req[i].v);
    /* every weight's element count must fit comfortably in 64 bits */
    int64_t q, kv, ffCols, a, b2, c;
    int64_t ffRows = s->intermediate > 0 ? s->intermediate : 1;
    if (__builtin_mul_overflow(s->nHeads, s->headDim, &q) || __builtin_mul_overflow(s->nKvHeads, s->headDim, &kv) ||
        __builtin_mul_overflow(ffRows, 2, &ffCols) || __builtin_mul_overflow(q + 2 * kv, s->hidden, &a) ||
        __builtin_mul_overflow(s->vocab, s->hidden, &b2) || __builtin_mul_overflow(ffCols, s->hidden, &c) ||
        __builtin_mul_overflow(c, s->nExperts > 0 ? s->nExperts : 1, &c) || q > HGN_DIM_MAX || a > HGN_DIM_MAX * 1024 ||
        b2 > HGN_DIM_MAX * 1024 || c > HGN_DIM_MAX * 1024)
        return hgnStatusNew(HGN_CODE_ModelFormatInvalid, source, "the model's config is implausible",
                            "%s architecture '%s': weight sizes overflow (hidden %lld, heads %lld × head dim %lld, "
                            "feed-forward %lld, vocabulary %lld)",
                            hgnLlmFamilyName(s->family), s->architecture, (long long)s->hidden, (long long)s->nHeads,
                            (long long)s->headDim, (long long)s->intermediate, (long long)s->vocab);
    if (s->nHeads % s->nKvHeads != 0)
        return hgnStatusNew(HGN_CODE_ModelFormatInvalid, source, NULL,
                            "%lld attention heads are not a multiple of %lld key/value heads", (long long)s->nHeads,
                            (long long)s->nKvHeads);
    if (s->family == HGN_LLM_MIXTRAL && (s->nExperts <= 0 || s->nExpertsUsed <= 0 || s->nExpertsUsed > s->nExperts))
        return hgnStatusNew(HGN_CODE_ModelFormatInvalid, source, NULL,
                            "mixture of experts needs 0 < top-k %lld ≤ %lld experts", (long long)s->nExpertsUsed,
                            (long long)s->nExperts);
    if (s->family != HGN_LLM_MIXTRAL && s->intermediate <= 0)
        return hgnStatusNew(HGN_CODE_ModelFormatInvalid, source, NULL, "feed-forward size is %lld",
                            (long long)s->intermediate);
    return HGN_OK;
}

/* ---- config.json ------------------------------------------------------------------ */

static double jsonNumber(const HgnHfConfig *cfg, const char *key, double dflt) {
    json_t *v = cfg->json ? json_object_get(cfg->json, key) : NULL;
    return json_is_number(v) ? json_number_value(v) : dflt;
}

static bool familyFromHfName(const char *n, HgnLlmFamily *f) {
    static const struct {
        const char *arch, *modelType;
        HgnLlmFamily family;
    } map[] = {
        {"LlamaForCausalLM", "llama", HGN_LLM_LLAMA},       {"MistralForCausalLM", "mistral", HGN_LLM_MISTRAL},
        {"MixtralForCausalLM", "mixtral", HGN_LLM_MIXTRAL}, {"Qwen2ForCausalLM", "qwen2", HGN_LLM_QWEN2},
        {"GemmaForCausalLM", "gemma", HGN_LLM_GEMMA},       {"Gemma2ForCausalLM", "gemma2", HGN_LLM_GEMMA2},
        {"Phi3ForCausalLM", "phi3", HGN_LLM_PHI3},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(n, map[i].arch) == 0 || strcmp(n, map[i].modelType) == 0) {
            *f = map[i].family;
            return true;
        }
    return false;
}

/* rope_scaling.long_factor / short_factor: arrays of headDim/2 numbers. */
static HgnStatus longRopeFactors(const HgnHfConfig *cfg, HgnLlmSpec *s) {
    json_t *rs = cfg->json ? json_object_get(cfg->json, "rope_scaling") : NULL;
    const char *keys[] = {"long_factor", "short_factor"};
    float *dst[] = {s->ropeLongFactor, s->ropeShortFactor};
    int64_t headDim = s->headDim > 0 ? s->headDim : s->hidden / (s->nHeads > 0 ? s->nHeads : 1);
    for (int k = 0; k < 2; k++) {
        json_t *a = json_object_get(rs, keys[k]);
        if (!a) continue;
        size_t n = json_array_size(a);
        if (!json_is_array(a) || (int64_t)n * 2 != headDim || n > HGN_LLM_MAX_ROPE_FACTORS)
            return hgnStatusNew(HGN_CODE_ModelFormatInvalid, cfg->path, "one factor per rotated dimension pair",
                                "rope_scaling.%s must be an array of %lld numbers (head_dim / 2)", keys[k],
                                (long long)(headDim / 2));
        for (size_t i = 0; i < n; i++) {
            json_t *v = json_array_get(a, i);
            if (!json_is_number(v))
                return hgnStatusNew(HGN_CODE_ModelFormatInvalid, cfg->path, NULL,
                                    "rope_scaling.%s[%zu] is not a number", keys[k], i);
            dst[k][i] = (float)json_number_value(v);
        }
        s->nRopeFactors = (int32_t)n;
    }
    return HGN_OK;
}

HgnStatus hgnLlmSpecFromHfConfig(const HgnHfConfig *cfg, HgnLlmSpec *out) {
    memset(out, 0, sizeof *out);
    const char *name = cfg->nArchitectures > 0 ? cfg->architectures[0] : cfg->modelType;
    if (!name)
        return hgnStatusNew(HGN_CODE_UnsupportedArchitecture, cfg->path, "config.json needs \"architectures\"",
                            "config.json names no architecture (supported: %s)", supportedHf);
    if (!familyFromHfName(name, &out->family) && !(cfg->modelType && familyFromHfName(cfg->modelType, &out->family)))
        return hgnStatusNew(HGN_CODE_UnsupportedArchitecture, cfg->path, NULL,
                            "architecture '%s' is not supported (supported: %s)", name, supportedHf);
    snprintf(out->architecture, sizeof out->architecture, "%s", name);
    HgnLlmSpec *s = out;
    s->naming = HGN_LLM_NAMES_HF;
    s->nLayers = cfg->numHiddenLayers;
    s->hidden = cfg->hiddenSize;
    s->intermediate = cfg->intermediateSize;
    s->nHeads = cfg->numAttentionHeads;
    s->nKvHeads = cfg->numKeyValueHeads;
    s->headDim = cfg->headDim;
    s->vocab = cfg->vocabSize;
    s->contextLength = cfg->maxPositionEmbeddings;
    s->normEps = cfg->rmsNormEps;
    s->ropeTheta = cfg->ropeTheta;
    s->ropeScaling = cfg->ropeScaling;
    s->slidingWindow = cfg->slidingWindow;
    s->tiedEmbeddings = cfg->tieWordEmbeddings;
    s->weightDtype = cfg->torchDtype == HGN_DTYPE_UNKNOWN ? HGN_DTYPE_BF16 : cfg->torchDtype;
    s->kvDtype = s->weightDtype == HGN_DTYPE_F32 ? HGN_DTYPE_F32 : s->weightDtype;
    switch (s->family) {
    case HGN_LLM_QWEN2:
        s->qkvBias = true;
        break;
    case HGN_LLM_MIXTRAL:
        s->nExperts = cfg->numLocalExperts;
        s->nExpertsUsed = cfg->numExpertsPerTok;
        break;
    case HGN_LLM_GEMMA2:
        s->attnSoftcap = jsonNumber(cfg, "attn_logit_softcapping", 0);
        s->finalSoftcap = jsonNumber(cfg, "final_logit_softcapping", 0);
        s->slidingAlternate = s->slidingWindow > 0;
        /* fall through */
    case HGN_LLM_GEMMA: {
        s->normUnitOffset = true;
        s->activation = "gelu";
        s->embedScale = sqrt((double)s->hidden);
        /* GemmaConfig defaults tie_word_embeddings to true; Gemma checkpoints have no lm_head */
        json_t *tie = cfg->json ? json_object_get(cfg->json, "tie_word_embeddings") : NULL;
        if (!json_is_boolean(tie)) s->tiedEmbeddings = true;
        double q = jsonNumber(cfg, "query_pre_attn_scalar", 0);
        if (q > 0) s->attnScale = 1.0 / sqrt(q);
        break;
    }
    default:
        break;
    }
    if (s->family == HGN_LLM_LLAMA && s->slidingWindow > 0) s->family = HGN_LLM_MISTRAL;
    if (s->family == HGN_LLM_QWEN2) s->slidingWindow = 0;
    if (s->ropeScaling.type == HGN_ROPE_SCALING_LONGROPE) {
        HgnStatus st = longRopeFactors(cfg, s);
        if (st) return st;
    } /* Qwen2 sets sliding_window with use_sliding_window false */
    commonDefaults(s);
    return checkSpec(s, cfg->path);
}

/* ---- GGUF -------------------------------------------------------------------------- */

typedef struct Meta {
    const HgnGgufFile *f;
    const char *arch;
    HgnStatus st;
} Meta;

/* ARCH.key as an integer; dflt when absent (required: error when absent). */
static int64_t metaInt(Meta *m, const char *key, int64_t dflt, bool required) {
    if (m->st) return dflt;
    char k[128];
    snprintf(k, sizeof k, "%s.%s", m->arch, key);
    if (!hgnGgufFind(m->f, k)) {
        if (required)
            m->st = hgnStatusNew(HGN_CODE_ModelFormatInvalid, hgnGgufPath(m->f), "the GGUF converter left it out",
                                 "metadata key '%s' is missing", k);
        return dflt;
    }
    int64_t v = 0;
    m->st = hgnGgufGetI64(m->f, k, &v);
    return v;
}

static double metaFloat(Meta *m, const char *key, double dflt) {
    if (m->st) return dflt;
    char k[128];
    snprintf(k, sizeof k, "%s.%s", m->arch, key);
    if (!hgnGgufFind(m->f, k)) return dflt;
    double v = dflt;
    m->st = hgnGgufGetF64(m->f, k, &v);
    return v;
}

static HgnStatus ggufRopeScaling(Meta *m, HgnLlmSpec *s) {
    char k[128];
    snprintf(k, sizeof k, "%s.rope.scaling.type", m->arch);
    HgnGgufString t = {0};
    if (hgnGgufFind(m->f, k)) {
        HgnStatus st = hgnGgufGetString(m->f, k, &t);
        if (st) return st;
    }
    s->ropeScaling.type = HGN_ROPE_SCALING_NONE;
    if (t.len == 6 && memcmp(t.ptr, "linear", 6) == 0) s->ropeScaling.type = HGN_ROPE_SCALING_LINEAR;
    if (t.len == 4 && memcmp(t.ptr, "yarn", 4) == 0) s->ropeScaling.type = HGN_ROPE_SCALING_YARN;
    if (t.len == 8 && memcmp(t.ptr, "longrope", 8) == 0) s->ropeScaling.type = HGN_ROPE_SCALING_LONGROPE;
    s->ropeScaling.factor = metaFloat(m, "rope.scaling.factor", 0);
    s->ropeScaling.originalMaxPositionEmbeddings = metaInt(m, "rope.scaling.original_context_length", 0, false);
    /* llama.cpp stores Llama 3 scaling as the rope_freqs.weight tensor of per-dimension factors */
    if (hgnGgufTensorFind(m->f, "rope_freqs.weight") && s->ropeScaling.type == HGN_ROPE_SCALING_NONE)
        s->ropeScaling.type = HGN_ROPE_SCALING_LLAMA3;
    if (s->ropeScaling.type == HGN_ROPE_SCALING_NONE && s->ropeScaling.factor > 1)
        s->ropeScaling.type = HGN_ROPE_SCALING_LINEAR;
    return m->st;
}

HgnStatus hgnLlmSpecFromGguf(const HgnGgufFile *f, HgnLlmSpec *out) {
    memset(out, 0, sizeof *out);
    const char *path = hgnGgufPath(f);
    HgnGgufString a;
    HgnStatus st = hgnGgufGetString(f, "general.architecture", &a);
    if (st) return hgnStatusWrap(st, HGN_CODE_UnsupportedArchitecture, path, NULL, "GGUF names no architecture");
    snprintf(out->architecture, sizeof out->architecture, "%.*s", (int)(a.len < 63 ? a.len : 63), a.ptr);
    HgnLlmSpec *s = out;
    const char *arch = s->architecture;
    if (strcmp(arch, "llama") == 0)
        s->family = HGN_LLM_LLAMA;
    else if (strcmp(arch, "mistral") == 0)
        s->family = HGN_LLM_MISTRAL;
    else if (strcmp(arch, "qwen2") == 0)
        s->family = HGN_LLM_QWEN2;
    else if (strcmp(arch, "gemma") == 0)
        s->family = HGN_LLM_GEMMA;
    else if (strcmp(arch, "gemma2") == 0)
        s->family = HGN_LLM_GEMMA2;
    else if (strcmp(arch, "phi3") == 0)
        s->family = HGN_LLM_PHI3;
    else
        return hgnStatusNew(HGN_CODE_UnsupportedArchitecture, path, NULL,
                            "GGUF architecture '%s' is not supported (supported: %s)", arch, supportedGguf);
    s->naming = HGN_LLM_NAMES_GGUF;
    Meta m = {f, arch, HGN_OK};
    s->contextLength = metaInt(&m, "context_length", 0, false);
    s->hidden = metaInt(&m, "embedding_length", 0, true);
    s->nLayers = metaInt(&m, "block_count", 0, true);
    s->intermediate = metaInt(&m, "feed_forward_length", 0, true);
    s->nHeads = metaInt(&m, "attention.head_count", 0, true);
    s->nKvHeads = metaInt(&m, "attention.head_count_kv", 0, false);
    s->headDim = metaInt(&m, "attention.key_length", 0, false);
    s->ropeDims = metaInt(&m, "rope.dimension_count", 0, false);
    s->normEps = metaFloat(&m, "attention.layer_norm_rms_epsilon", 1e-5);
    s->ropeTheta = metaFloat(&m, "rope.freq_base", 10000.0);
    s->slidingWindow = metaInt(&m, "attention.sliding_window", 0, false);
    s->nExperts = metaInt(&m, "expert_count", 0, false);
    s->nExpertsUsed = metaInt(&m, "expert_used_count", 0, false);
    s->attnSoftcap = metaFloat(&m, "attn_logit_softcapping", 0);
    s->finalSoftcap = metaFloat(&m, "final_logit_softcapping", 0);
    s->vocab = metaInt(&m, "vocab_size", 0, false);
    if (m.st) return m.st;
    if ((st = ggufRopeScaling(&m, s))) return st;
    if (s->vocab <= 0) {
        const HgnGgufValue *tok = hgnGgufFind(f, "tokenizer.ggml.tokens");
        const HgnTensorView *e = hgnGgufTensorFind(f, "token_embd.weight");
        if (e && e->nDims == 2)
            s->vocab = e->shape[0];
        else if (tok && tok->type == HGN_GGUF_ARRAY)
            s->vocab = (int64_t)tok->arr.count;
    }
    s->tiedEmbeddings = !hgnGgufTensorFind(f, "output.weight");
    s->weightDtype = HGN_DTYPE_F16;
    s->kvDtype = HGN_DTYPE_F16;
    if (s->nExperts > 0 && (s->family == HGN_LLM_LLAMA || s->family == HGN_LLM_MISTRAL)) s->family = HGN_LLM_MIXTRAL;
    if (s->family == HGN_LLM_LLAMA && s->slidingWindow > 0) s->family = HGN_LLM_MISTRAL;
    if (s->family == HGN_LLM_QWEN2) s->qkvBias = true;
    if (s->family == HGN_LLM_GEMMA || s->family == HGN_LLM_GEMMA2) {
        s->activation = "gelu";
        s->embedScale = sqrt((double)s->hidden);
        /* convert_hf_to_gguf.py stores Gemma norm weights as w + 1: no unit offset here */
        if (s->family == HGN_LLM_GEMMA2) {
            s->slidingAlternate = s->slidingWindow > 0;
            /* llama.cpp: Gemma 2 27B (46 layers) scales queries by hidden/heads, the others by head dim */
            if (s->nLayers == 46 && s->nHeads > 0) s->attnScale = 1.0 / sqrt((double)s->hidden / (double)s->nHeads);
        }
    }
    commonDefaults(s);
    return checkSpec(s, path);
}
