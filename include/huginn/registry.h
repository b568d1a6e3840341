/* registry.h — the curated model registry: open models with the figures of
 * their published config.json, kept as data in registry/models.json (compiled
 * in, schema schemas/models.schema.json) and validated on load. Used by
 * `huginn models list|show`, diagnose's recommendations and the planner.
 *
 * A registry is immutable after loading and may be shared between threads.
 * Strings in an HgnModelSpec live as long as the registry. */
#ifndef HUGINN_REGISTRY_H
#define HUGINN_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "huginn/costModel.h"
#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct HgnModelSpec {
    const char *id;              /* "llama-3.1-8b" */
    const char *name;            /* "Llama 3.1 8B" */
    const char *family;          /* "llama" */
    const char *architecture;    /* HF architectures[0]: "LlamaForCausalLM" */
    const char *source;          /* where the figures come from */
    uint64_t parameters;         /* published total parameter count */
    uint64_t maxContext;         /* max_position_embeddings */
    HgnWeightFormat nativeDtype; /* torch_dtype of the published weights */
    const char *tokenizerKind;   /* "sentencepiece", "byte-level-bpe", "tekken" */
    const char *licence;         /* SPDX-like id or the model's own licence name */
    const char *const *tags;     /* nTags strings */
    size_t nTags;
    bool explicitHeadDim; /* head_dim set in config.json, not hidden/heads */
    HgnModelDims dims;    /* layers, hiddenSize, heads, kvHeads, headDim, ffnSize, vocab, MoE, window, ... */
} HgnModelSpec;

typedef struct HgnRegistry HgnRegistry;

/* Loads the compiled-in registry/models.json. Validation failures are
 * HGN-0001 InvalidConfig whose where is "registry/models.json:/models/3/heads"
 * and whose message names the model id. OUT: *out, free with hgnRegistryFree. */
HGN_NODISCARD HgnStatus hgnRegistryLoad(HgnRegistry **out);
/* Same from a JSON text (len bytes; need not be NUL-terminated); sourceName
 * prefixes error locations. Malformed JSON is HGN-0600 InvalidJson with line:col. */
HGN_NODISCARD HgnStatus hgnRegistryLoadJson(const char *text, size_t len, const char *sourceName, HgnRegistry **out);
/* Same from a file (HGN-0011 IoError when unreadable). */
HGN_NODISCARD HgnStatus hgnRegistryLoadFile(const char *path, HgnRegistry **out);
void hgnRegistryFree(HgnRegistry *reg);

size_t hgnRegistryCount(const HgnRegistry *reg);
/* NULL past the end. */
const HgnModelSpec *hgnRegistryAt(const HgnRegistry *reg, size_t index);
/* By id, case-insensitive. NULL when unknown. */
const HgnModelSpec *hgnRegistryFind(const HgnRegistry *reg, const char *id);
bool hgnModelSpecHasTag(const HgnModelSpec *spec, const char *tag);

/* JSON renderings (OUT: *out, a new reference; HGN-0012 on allocation failure).
 * ModelToJson: the registry fields plus derived figures (active parameters,
 * bytes per token of KV at f16, weights at the native dtype).
 * ListJson: {"models":[ModelToJson...]} for `huginn models list --json`.
 * ShowJson: ModelToJson plus "memory": a table of fp16/int8/int4 weights x
 * 4k/32k/128k context (weights, KV, compute, overhead, total bytes per
 * cell; contexts beyond maxContext are marked) for `huginn models show ID --json`. */
HGN_NODISCARD HgnStatus hgnModelSpecToJson(const HgnModelSpec *spec, json_t **out);
HGN_NODISCARD HgnStatus hgnRegistryListJson(const HgnRegistry *reg, json_t **out);
HGN_NODISCARD HgnStatus hgnModelShowJson(const HgnModelSpec *spec, json_t **out);

#ifdef __cplusplus
}
#endif
#endif
