/* registryJson.c — JSON renderings of registry models for
 * `huginn models list --json` and `huginn models show ID --json` (see
 * huginn/registry.h): the registry fields, derived figures and a memory table
 * at fp16/int8/int4 x 4k/32k/128k context. */
#include <stdio.h>

#include "huginn/recommend.h"
#include "huginn/registry.h"

static const char *slidingName(HgnSlidingLayers s) {
    switch (s) {
    case HGN_SLIDING_ALL:
        return "all";
    case HGN_SLIDING_EVEN:
        return "even";
    case HGN_SLIDING_ODD:
        return "odd";
    default:
        return "none";
    }
}

static HgnStatus oom(const char *what) {
    return hgnStatusNew(HGN_CODE_OutOfMemory, what, NULL, "cannot build the JSON rendering");
}

HgnStatus hgnModelSpecToJson(const HgnModelSpec *spec, json_t **out) {
    *out = NULL;
    if (!spec) return hgnStatusNew(HGN_CODE_InvalidArgument, "model", NULL, "no model given");
    const HgnModelDims *d = &spec->dims;
    json_t *tags = json_array();
    for (size_t i = 0; tags && i < spec->nTags; i++)
        if (json_array_append_new(tags, json_string(spec->tags[i]))) {
            json_decref(tags);
            tags = NULL;
        }
    if (!tags) return oom(spec->id);
    HgnWeightQuant native = {.format = spec->nativeDtype};
    json_t *o = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:I,s:s,s:i,s:i,s:o,s:s,s:s,s:s,s:o,s:b,s:b,s:i,"
        "s:b}",
        "id", spec->id, "name", spec->name, "family", spec->family, "architecture", spec->architecture, "source",
        spec->source, "parameters", (json_int_t)spec->parameters, "activeParameters",
        (json_int_t)hgnModelActiveParamCount(d), "layers", (int)d->layers, "hiddenSize", (int)d->hiddenSize, "heads",
        (int)d->heads, "kvHeads", (int)d->kvHeads, "headDim", (int)d->headDim, "ffnSize", (int)d->ffnSize, "vocab",
        (int)d->vocab, "maxContext", (json_int_t)spec->maxContext, "nativeDtype",
        hgnWeightFormatName(spec->nativeDtype), "moeExperts", (int)d->moeExperts, "moeActiveExperts",
        (int)d->moeActiveExperts, "slidingWindow", d->slidingWindow ? json_integer(d->slidingWindow) : json_null(),
        "slidingWindowLayers", slidingName(d->slidingLayers), "tokenizerKind", spec->tokenizerKind, "licence",
        spec->licence, "tags", tags, "tieEmbeddings", (int)d->tieEmbeddings, "qkvBias", (int)d->qkvBias,
        "normsPerLayer", (int)d->normsPerLayer, "explicitHeadDim", (int)spec->explicitHeadDim);
    if (!o) return oom(spec->id);
    /* Derived: KV bytes per token at f16 (full-attention layers), weights at the native dtype. */
    HgnModelDims full = *d;
    full.slidingWindow = 0;
    full.slidingLayers = HGN_SLIDING_NONE;
    if (json_object_set_new(o, "kvBytesPerTokenF16",
                            json_integer((json_int_t)hgnKvCacheBytes(&full, HGN_WEIGHTS_F16, 1, 1))) ||
        json_object_set_new(o, "nativeWeightBytes", json_integer((json_int_t)hgnModelWeightBytes(d, native)))) {
        json_decref(o);
        return oom(spec->id);
    }
    *out = o;
    return HGN_OK;
}

HgnStatus hgnRegistryListJson(const HgnRegistry *reg, json_t **out) {
    *out = NULL;
    json_t *list = json_array();
    if (!list) return oom("models");
    for (size_t i = 0; i < hgnRegistryCount(reg); i++) {
        json_t *m;
        HgnStatus st = hgnModelSpecToJson(hgnRegistryAt(reg, i), &m);
        if (!st && json_array_append_new(list, m)) st = oom("models");
        if (st) {
            json_decref(list);
            return st;
        }
    }
    json_t *doc = json_pack("{s:o}", "models", list);
    if (!doc) return oom("models");
    *out = doc;
    return HGN_OK;
}

HgnStatus hgnModelShowJson(const HgnModelSpec *spec, json_t **out) {
    static const uint64_t contexts[] = {4096, 32768, 131072};
    json_t *o;
    HgnStatus st = hgnModelSpecToJson(spec, &o);
    if (st) return st;
    json_t *table = json_array();
    if (!table || json_object_set_new(o, "memory", table)) {
        json_decref(o);
        return oom(spec->id);
    }
    for (int p = 0; p < (int)HGN_PRECISION_COUNT; p++) {
        HgnWeightQuant q = hgnPrecisionQuant((HgnPrecision)p);
        for (size_t c = 0; c < sizeof contexts / sizeof contexts[0]; c++) {
            HgnMemoryEstimate e;
            if ((st = hgnModelMemoryAt(spec, (HgnPrecision)p, contexts[c], true, &e))) {
                json_decref(o);
                return st;
            }
            json_t *cell =
                json_pack("{s:s,s:s,s:f,s:I,s:b,s:I,s:I,s:I,s:I,s:I}", "precision", hgnPrecisionName((HgnPrecision)p),
                          "format", hgnWeightFormatName(q.format), "bitsPerWeight", hgnWeightBitsPerParam(q), "context",
                          (json_int_t)contexts[c], "exceedsMaxContext", contexts[c] > spec->maxContext, "weightBytes",
                          (json_int_t)e.weightBytes, "kvCacheBytes", (json_int_t)e.kvCacheBytes, "computeBytes",
                          (json_int_t)e.computeBytes, "overheadBytes", (json_int_t)e.overheadBytes, "totalBytes",
                          (json_int_t)e.totalBytes);
            if (!cell || json_array_append_new(table, cell)) {
                json_decref(o);
                return oom(spec->id);
            }
        }
    }
    *out = o;
    return HGN_OK;
}
