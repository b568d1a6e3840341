/* hfConfig.c — Hugging Face config.json → HgnHfConfig, with type and range
 * checks naming config.json and the field (see hfModel.h). */
#include "huginn/hfModel.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/jsonUtil.h"
#include "core/strBuf.h"
#include "formats/fmtError.h"
#include "formats/mappedFile.h"

typedef struct Ctx {
    const char *path;
    const char *prefix; /* "" or "text_config." */
    json_t *obj;        /* where hyperparameters live */
} Ctx;

static HgnStatus fieldError(const Ctx *c, const char *field, const char *fmt, ...) HGN_PRINTF(3, 4);
static HgnStatus fieldError(const Ctx *c, const char *field, const char *fmt, ...) {
    HgnBuf f, msg;
    hgnBufInit(&f);
    hgnBufInit(&msg);
    hgnBufAppendf(&f, "%s%s", c->prefix, field);
    va_list ap;
    va_start(ap, fmt);
    hgnBufAppendfV(&msg, fmt, ap);
    va_end(ap);
    HgnStatus st = hgnFmtErrorIn(HGN_CODE_ModelFormatInvalid, c->path, hgnBufStr(&f), "fix the field in config.json",
                                 "config.json field '%s' %s", hgnBufStr(&f), hgnBufStr(&msg));
    hgnBufFree(&f);
    hgnBufFree(&msg);
    return st;
}

/* First present key of a NULL-terminated alias list; *key gets its name. */
static json_t *getAny(json_t *obj, const char *const *names, const char **key) {
    for (int i = 0; names[i]; i++) {
        json_t *v = json_object_get(obj, names[i]);
        if (v) {
            *key = names[i];
            return v;
        }
    }
    *key = names[0];
    return NULL;
}

/* Integer in [min, max]. Absent or null: *out untouched, or an error when required. */
static HgnStatus getInt(const Ctx *c, const char *const *names, bool required, int64_t min, int64_t max, int64_t *out) {
    const char *key;
    json_t *v = getAny(c->obj, names, &key);
    if (!v || json_is_null(v)) {
        if (required) return fieldError(c, key, "is missing; it is required");
        return HGN_OK;
    }
    if (!json_is_integer(v)) return fieldError(c, key, "must be an integer, found %s", hgnJsonTypeName(v));
    int64_t x = (int64_t)json_integer_value(v);
    if (x < min || x > max)
        return fieldError(c, key, "is %lld, outside the accepted range [%lld, %lld]", (long long)x, (long long)min,
                          (long long)max);
    *out = x;
    return HGN_OK;
}

/* Number (integer or real) in (lo, hi) when openLo, else [lo, hi]. */
static HgnStatus getReal(const Ctx *c, const char *const *names, double lo, double hi, bool openLo, double *out) {
    const char *key;
    json_t *v = getAny(c->obj, names, &key);
    if (!v || json_is_null(v)) return HGN_OK;
    if (!json_is_number(v)) return fieldError(c, key, "must be a number, found %s", hgnJsonTypeName(v));
    double x = json_number_value(v);
    if (!isfinite(x) || x > hi || x < lo || (openLo && x == lo))
        return fieldError(c, key, "is %g, outside the accepted range %s%g, %g]", x, openLo ? "(" : "[", lo, hi);
    *out = x;
    return HGN_OK;
}

static HgnStatus getBool(const Ctx *c, const char *name, bool *out) {
    json_t *v = json_object_get(c->obj, name);
    if (!v || json_is_null(v)) return HGN_OK;
    if (!json_is_boolean(v)) return fieldError(c, name, "must be true or false, found %s", hgnJsonTypeName(v));
    *out = json_is_true(v);
    return HGN_OK;
}

static HgnStatus getString(const Ctx *c, json_t *obj, const char *name, char **out) {
    json_t *v = json_object_get(obj, name);
    if (!v || json_is_null(v)) return HGN_OK;
    if (!json_is_string(v)) return fieldError(c, name, "must be a string, found %s", hgnJsonTypeName(v));
    *out = hgnStrdup(json_string_value(v));
    if (!*out) return hgnStatusNew(HGN_CODE_OutOfMemory, c->path, NULL, "out of memory");
    return HGN_OK;
}

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

const char *hgnRopeScalingTypeName(HgnRopeScalingType type) {
    static const char *const n[] = {"none", "linear", "dynamic", "yarn", "llama3", "longrope"};
    return (unsigned)type < 6 ? n[type] : "unknown";
}

static HgnStatus parseRopeScaling(const Ctx *outer, HgnHfConfig *cfg) {
    json_t *rs = json_object_get(outer->obj, "rope_scaling");
    if (!rs || json_is_null(rs)) return HGN_OK;
    if (!json_is_object(rs))
        return fieldError(outer, "rope_scaling", "must be an object or null, found %s", hgnJsonTypeName(rs));
    HgnBuf prefix;
    hgnBufInit(&prefix);
    hgnBufAppendf(&prefix, "%srope_scaling.", outer->prefix);
    if (!hgnBufOk(&prefix)) return hgnStatusNew(HGN_CODE_OutOfMemory, outer->path, NULL, "out of memory");
    Ctx c = {outer->path, hgnBufStr(&prefix), rs};
    HgnRopeScaling *r = &cfg->ropeScaling;
    HgnStatus st = HGN_OK;
    const char *key;
    json_t *t = getAny(rs, NAMES("rope_type", "type"), &key);
    if (!json_is_string(t)) {
        st = fieldError(&c, "rope_type", "must be a string naming the scaling (linear, dynamic, yarn, llama3)");
        goto done;
    }
    const char *type = json_string_value(t);
    if (strcmp(type, "default") == 0 || strcmp(type, "mrope") == 0) goto done; /* mrope: default rope in sections */
    if (strcmp(type, "linear") == 0)
        r->type = HGN_ROPE_SCALING_LINEAR;
    else if (strcmp(type, "dynamic") == 0)
        r->type = HGN_ROPE_SCALING_DYNAMIC;
    else if (strcmp(type, "yarn") == 0)
        r->type = HGN_ROPE_SCALING_YARN;
    else if (strcmp(type, "llama3") == 0)
        r->type = HGN_ROPE_SCALING_LLAMA3;
    else if (strcmp(type, "longrope") == 0 || strcmp(type, "su") == 0)
        r->type = HGN_ROPE_SCALING_LONGROPE;
    else {
        st = fieldError(&c, key, "is \"%s\"; supported: default, linear, dynamic, yarn, llama3, longrope", type);
        goto done;
    }
    if (r->type != HGN_ROPE_SCALING_LONGROPE && !json_object_get(rs, "factor")) {
        st = fieldError(&c, "factor", "is missing; %s scaling needs it", type);
        goto done;
    }
    if ((st = getReal(&c, NAMES("factor"), 0, 1e6, true, &r->factor))) goto done;
    if (r->type == HGN_ROPE_SCALING_LINEAR || r->type == HGN_ROPE_SCALING_DYNAMIC) goto done;
    if (r->type == HGN_ROPE_SCALING_LLAMA3) {
        const char *const req[] = {"low_freq_factor", "high_freq_factor", "original_max_position_embeddings"};
        for (int i = 0; i < 3; i++)
            if (!json_object_get(rs, req[i])) {
                st = fieldError(&c, req[i], "is missing; llama3 scaling needs it");
                goto done;
            }
        if ((st = getReal(&c, NAMES("low_freq_factor"), 0, 1e6, true, &r->lowFreqFactor))) goto done;
        if ((st = getReal(&c, NAMES("high_freq_factor"), 0, 1e6, true, &r->highFreqFactor))) goto done;
        if (r->highFreqFactor <= r->lowFreqFactor) {
            st = fieldError(&c, "high_freq_factor", "(%g) must be greater than low_freq_factor (%g)", r->highFreqFactor,
                            r->lowFreqFactor);
            goto done;
        }
    }
    if ((st = getInt(&c, NAMES("original_max_position_embeddings"), false, 1, INT64_C(1) << 40,
                     &r->originalMaxPositionEmbeddings)))
        goto done;
    if (r->type == HGN_ROPE_SCALING_YARN) {
        r->betaFast = 32;
        r->betaSlow = 1;
        if ((st = getReal(&c, NAMES("beta_fast"), 0, 1e6, true, &r->betaFast))) goto done;
        if ((st = getReal(&c, NAMES("beta_slow"), 0, 1e6, true, &r->betaSlow))) goto done;
    }
    if (r->type == HGN_ROPE_SCALING_YARN || r->type == HGN_ROPE_SCALING_LONGROPE)
        st = getReal(&c, NAMES("attention_factor"), 0, 1e6, true, &r->attentionFactor);
done:
    hgnBufFree(&prefix);
    return st;
}

static HgnStatus parseDtype(const Ctx *c, HgnHfConfig *cfg) {
    const char *key;
    json_t *v = getAny(c->obj, NAMES("torch_dtype", "dtype"), &key);
    if (!v || json_is_null(v)) return HGN_OK;
    static const struct {
        const char *name;
        HgnDtype dtype;
    } map[] = {{"float32", HGN_DTYPE_F32},
               {"float16", HGN_DTYPE_F16},
               {"bfloat16", HGN_DTYPE_BF16},
               {"float64", HGN_DTYPE_F64},
               {"float8_e4m3fn", HGN_DTYPE_F8_E4M3},
               {"float8_e5m2", HGN_DTYPE_F8_E5M2},
               {"float", HGN_DTYPE_F32},
               {"half", HGN_DTYPE_F16}};
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (strncmp(s, "torch.", 6) == 0) s += 6;
        for (size_t i = 0; i < sizeof map / sizeof *map; i++)
            if (strcmp(map[i].name, s) == 0) {
                cfg->torchDtype = map[i].dtype;
                return HGN_OK;
            }
        if (strcmp(s, "auto") == 0) return HGN_OK;
        return fieldError(c, key, "is \"%s\"; expected float32, float16, bfloat16 or float64", json_string_value(v));
    }
    return fieldError(c, key, "must be a string such as \"bfloat16\", found %s", hgnJsonTypeName(v));
}

static HgnStatus parseTokenIds(const Ctx *c, HgnHfConfig *cfg) {
    HgnStatus st;
    if ((st = getInt(c, NAMES("bos_token_id"), false, 0, INT32_MAX, &cfg->bosTokenId))) return st;
    if ((st = getInt(c, NAMES("pad_token_id"), false, 0, INT32_MAX, &cfg->padTokenId))) return st;
    json_t *eos = json_object_get(c->obj, "eos_token_id");
    if (!eos || json_is_null(eos)) return HGN_OK;
    if (json_is_integer(eos)) {
        int64_t x = -1;
        if ((st = getInt(c, NAMES("eos_token_id"), false, 0, INT32_MAX, &x))) return st;
        cfg->eosTokenIds[0] = x;
        cfg->nEosTokenIds = 1;
        return HGN_OK;
    }
    if (!json_is_array(eos)) return fieldError(c, "eos_token_id", "must be an integer or a list of integers");
    size_t i;
    json_t *e;
    json_array_foreach(eos, i, e) {
        if (!json_is_integer(e) || json_integer_value(e) < 0 || json_integer_value(e) > INT32_MAX)
            return fieldError(c, "eos_token_id", "item %zu must be a non-negative integer", i);
        if (cfg->nEosTokenIds < HGN_HF_MAX_EOS) cfg->eosTokenIds[cfg->nEosTokenIds++] = json_integer_value(e);
    }
    return HGN_OK;
}

static HgnStatus parseFields(HgnHfConfig *cfg, const char *path) {
    json_t *root = cfg->json;
    Ctx top = {path, "", root};
    HgnStatus st;
    json_t *arch = json_object_get(root, "architectures");
    if (arch && !json_is_null(arch)) {
        if (!json_is_array(arch)) return fieldError(&top, "architectures", "must be a list of strings");
        size_t i;
        json_t *a;
        json_array_foreach(arch, i, a) {
            if (!json_is_string(a)) return fieldError(&top, "architectures", "item %zu must be a string", i);
            if (cfg->nArchitectures < HGN_HF_MAX_ARCHITECTURES) {
                cfg->architectures[cfg->nArchitectures] = hgnStrdup(json_string_value(a));
                if (!cfg->architectures[cfg->nArchitectures])
                    return hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "out of memory");
                cfg->nArchitectures++;
            }
        }
    }
    if ((st = getString(&top, root, "model_type", &cfg->modelType))) return st;
    /* multimodal wrappers keep the language model in text_config */
    Ctx c = top;
    json_t *text = json_object_get(root, "text_config");
    if (json_is_object(text) && !json_object_get(root, "hidden_size") && json_object_get(text, "hidden_size")) {
        c.obj = text;
        c.prefix = "text_config.";
        if (!cfg->modelType && (st = getString(&c, text, "model_type", &cfg->modelType))) return st;
    }
    const int64_t big = INT64_C(1) << 40;
    if ((st = getInt(&c, NAMES("hidden_size", "n_embd", "d_model"), true, 1, 1 << 20, &cfg->hiddenSize))) return st;
    if ((st = getInt(&c, NAMES("num_hidden_layers", "n_layer", "num_layers"), true, 1, 100000, &cfg->numHiddenLayers)))
        return st;
    if ((st = getInt(&c, NAMES("num_attention_heads", "n_head", "num_heads"), true, 1, 1 << 16,
                     &cfg->numAttentionHeads)))
        return st;
    if ((st = getInt(&c, NAMES("vocab_size"), true, 1, INT32_MAX, &cfg->vocabSize))) return st;
    if ((st = getInt(&c, NAMES("intermediate_size", "n_inner", "ffn_dim"), false, 1, 1 << 24, &cfg->intermediateSize)))
        return st;
    cfg->numKeyValueHeads = cfg->numAttentionHeads;
    if ((st = getInt(&c, NAMES("num_key_value_heads", "num_kv_heads", "n_head_kv"), false, 1, 1 << 16,
                     &cfg->numKeyValueHeads)))
        return st;
    if (cfg->numKeyValueHeads > cfg->numAttentionHeads || cfg->numAttentionHeads % cfg->numKeyValueHeads != 0)
        return fieldError(&c, "num_key_value_heads", "is %lld; it must divide num_attention_heads (%lld)",
                          (long long)cfg->numKeyValueHeads, (long long)cfg->numAttentionHeads);
    if ((st = getInt(&c, NAMES("head_dim"), false, 1, 1 << 16, &cfg->headDim))) return st;
    if (cfg->headDim == 0) {
        if (cfg->hiddenSize % cfg->numAttentionHeads != 0)
            return fieldError(&c, "num_attention_heads",
                              "is %lld, which does not divide hidden_size %lld (and head_dim is not given)",
                              (long long)cfg->numAttentionHeads, (long long)cfg->hiddenSize);
        cfg->headDim = cfg->hiddenSize / cfg->numAttentionHeads;
    }
    if ((st = getInt(&c, NAMES("max_position_embeddings", "n_positions", "max_sequence_length"), false, 1, big,
                     &cfg->maxPositionEmbeddings)))
        return st;
    cfg->rmsNormEps = 1e-6;
    if ((st = getReal(&c, NAMES("rms_norm_eps", "layer_norm_eps", "layer_norm_epsilon"), 0, 1, true, &cfg->rmsNormEps)))
        return st;
    cfg->ropeTheta = 10000.0;
    if ((st = getReal(&c, NAMES("rope_theta"), 0, 1e12, true, &cfg->ropeTheta))) return st;
    if ((st = parseRopeScaling(&c, cfg))) return st;
    json_t *sw = json_object_get(c.obj, "sliding_window");
    if (sw && !json_is_null(sw) && !json_is_integer(sw))
        return fieldError(&c, "sliding_window", "must be an integer or null, found %s", hgnJsonTypeName(sw));
    if ((st = getInt(&c, NAMES("sliding_window"), false, 1, big, &cfg->slidingWindow))) return st;
    bool useSw = true;
    if ((st = getBool(&c, "use_sliding_window", &useSw))) return st;
    if (!useSw) cfg->slidingWindow = 0;
    if ((st = getBool(&c, "tie_word_embeddings", &cfg->tieWordEmbeddings))) return st;
    if (c.obj != root && (st = getBool(&top, "tie_word_embeddings", &cfg->tieWordEmbeddings))) return st;
    if ((st = parseDtype(&c, cfg))) return st;
    if (cfg->torchDtype == HGN_DTYPE_UNKNOWN && c.obj != root && (st = parseDtype(&top, cfg))) return st;
    if ((st = getInt(&c, NAMES("num_local_experts", "num_experts", "n_routed_experts"), false, 1, 1 << 16,
                     &cfg->numLocalExperts)))
        return st;
    if ((st = getInt(&c, NAMES("num_experts_per_tok", "moe_topk"), false, 1, 1 << 16, &cfg->numExpertsPerTok)))
        return st;
    if (cfg->numExpertsPerTok > 0 && cfg->numLocalExperts > 0 && cfg->numExpertsPerTok > cfg->numLocalExperts)
        return fieldError(&c, "num_experts_per_tok", "is %lld, more than the %lld experts",
                          (long long)cfg->numExpertsPerTok, (long long)cfg->numLocalExperts);
    if ((st = getBool(&c, "attention_bias", &cfg->attentionBias))) return st;
    if ((st = getBool(&c, "mlp_bias", &cfg->mlpBias))) return st;
    if ((st = getString(&c, c.obj, "hidden_act", &cfg->hiddenAct))) return st;
    if (!cfg->hiddenAct && (st = getString(&c, c.obj, "hidden_activation", &cfg->hiddenAct))) return st;
    return parseTokenIds(&c, cfg);
}

HgnStatus hgnHfConfigParse(const char *text, size_t len, const char *path, HgnHfConfig **out) {
    *out = NULL;
    if (!path) path = "config.json";
    HgnHfConfig *cfg = hgnCalloc(1, sizeof *cfg);
    if (!cfg) return hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "out of memory");
    cfg->torchDtype = HGN_DTYPE_UNKNOWN;
    cfg->bosTokenId = cfg->padTokenId = -1;
    cfg->path = hgnStrdup(path);
    if (!cfg->path) {
        hgnHfConfigFree(cfg);
        return hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "out of memory");
    }
    json_error_t jerr;
    cfg->json = json_loadb(text ? text : "", text ? len : 0, JSON_REJECT_DUPLICATES, &jerr);
    HgnStatus st = HGN_OK;
    if (!cfg->json) {
        char where[64];
        snprintf(where, sizeof where, "%d:%d", jerr.line, jerr.column);
        st = hgnFmtErrorIn(HGN_CODE_ModelFormatInvalid, path, where, "config.json must be valid JSON",
                           "config.json is not valid JSON: %s", jerr.text);
    } else if (!json_is_object(cfg->json)) {
        st = hgnFmtErrorIn(HGN_CODE_ModelFormatInvalid, path, NULL, NULL, "config.json must hold a JSON object");
    } else {
        st = parseFields(cfg, path);
    }
    if (st) {
        hgnHfConfigFree(cfg);
        return st;
    }
    *out = cfg;
    return HGN_OK;
}

HgnStatus hgnHfConfigLoad(const char *path, HgnHfConfig **out) {
    *out = NULL;
    HgnMappedFile m;
    HgnStatus st = hgnMappedFileOpen(path, &m);
    if (st) return st;
    st = hgnHfConfigParse((const char *)m.data, (size_t)m.size, path, out);
    hgnMappedFileClose(&m);
    return st;
}

void hgnHfConfigFree(HgnHfConfig *cfg) {
    if (!cfg) return;
    for (int i = 0; i < cfg->nArchitectures; i++) hgnFree(cfg->architectures[i]);
    hgnFree(cfg->modelType);
    hgnFree(cfg->hiddenAct);
    hgnFree(cfg->path);
    json_decref(cfg->json);
    hgnFree(cfg);
}
