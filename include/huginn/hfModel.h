/* hfModel.h — Hugging Face model folders and their config.json.
 *
 * A model folder holds config.json (+ generation_config.json), tokenizer
 * files (tokenizer.json, tokenizer.model, tokenizer_config.json) and weights:
 * model.safetensors, a sharded checkpoint (model.safetensors.index.json) or
 * a .gguf file. The hub cache layout `models--ORG--NAME/snapshots/REV/` is
 * understood too (refs/main, or another ref, names the snapshot).
 *
 * config.json is parsed into HgnHfConfig with type and range checks; a bad
 * field is HGN-0100 ModelFormatInvalid whose `where` is "PATH:FIELD"
 * (e.g. ".../config.json:rope_scaling.factor"). When the weights are opened
 * with the config, their shapes are checked against it (embedding size,
 * layer count, attention projections): a contradiction is HGN-0107
 * ConfigMismatch naming config.json, the field and the tensor. */
#ifndef HUGINN_HFMODEL_H
#define HUGINN_HFMODEL_H

#include <jansson.h>

#include "huginn/formats.h"
#include "huginn/gguf.h"
#include "huginn/safetensors.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum HgnRopeScalingType {
    HGN_ROPE_SCALING_NONE = 0, /* absent, null, "default" or "mrope" (sectioned default rope) */
    HGN_ROPE_SCALING_LINEAR,
    HGN_ROPE_SCALING_DYNAMIC,
    HGN_ROPE_SCALING_YARN,
    HGN_ROPE_SCALING_LLAMA3,
    HGN_ROPE_SCALING_LONGROPE,
} HgnRopeScalingType;

typedef struct HgnRopeScaling {
    HgnRopeScalingType type;
    double factor;                         /* all but NONE; LONGROPE: 0 when absent */
    double lowFreqFactor, highFreqFactor;  /* LLAMA3 */
    int64_t originalMaxPositionEmbeddings; /* LLAMA3 (required), YARN/LONGROPE (0 when absent) */
    double betaFast, betaSlow;             /* YARN (defaults 32 and 1) */
    double attentionFactor;                /* YARN/LONGROPE (0 when absent) */
} HgnRopeScaling;

#define HGN_HF_MAX_ARCHITECTURES 8
#define HGN_HF_MAX_EOS           8

typedef struct HgnHfConfig {
    char *path; /* the config.json it came from */
    char *architectures[HGN_HF_MAX_ARCHITECTURES];
    int nArchitectures;
    char *modelType; /* NULL when absent */
    int64_t hiddenSize;
    int64_t intermediateSize; /* 0 when absent */
    int64_t numHiddenLayers;
    int64_t numAttentionHeads;
    int64_t numKeyValueHeads; /* defaults to numAttentionHeads */
    int64_t headDim;          /* defaults to hiddenSize / numAttentionHeads */
    int64_t vocabSize;
    int64_t maxPositionEmbeddings; /* 0 when absent */
    double rmsNormEps;             /* rms_norm_eps (or layer_norm_eps); default 1e-6 */
    double ropeTheta;              /* default 10000 */
    HgnRopeScaling ropeScaling;
    int64_t slidingWindow;   /* 0: none (absent, null, or use_sliding_window false) */
    bool tieWordEmbeddings;  /* false when absent */
    HgnDtype torchDtype;     /* torch_dtype / dtype; HGN_DTYPE_INVALID when absent */
    int64_t numLocalExperts; /* num_local_experts / num_experts / n_routed_experts; 0: dense */
    int64_t numExpertsPerTok;
    bool attentionBias, mlpBias;
    char *hiddenAct;                /* NULL when absent */
    int64_t bosTokenId, padTokenId; /* -1 when absent */
    int64_t eosTokenIds[HGN_HF_MAX_EOS];
    int nEosTokenIds;
    json_t *json; /* the whole document (owned by the config) */
} HgnHfConfig;

/* Parses config.json text; path names the file in errors. */
HGN_NODISCARD HgnStatus hgnHfConfigParse(const char *text, size_t len, const char *path, HgnHfConfig **out);
HGN_NODISCARD HgnStatus hgnHfConfigLoad(const char *path, HgnHfConfig **out);
void hgnHfConfigFree(HgnHfConfig *cfg);
const char *hgnRopeScalingTypeName(HgnRopeScalingType type);

/* ---- model folders ---------------------------------------------------------- */

typedef enum HgnWeightsFormat {
    HGN_WEIGHTS_SAFETENSORS = 0,
    HGN_WEIGHTS_SAFETENSORS_SHARDED,
    HGN_WEIGHTS_GGUF,
} HgnWeightsFormat;

typedef struct HgnHfModel HgnHfModel;

/* path: a model folder, a hub cache repository folder (models--ORG--NAME,
 * its refs/main snapshot is used) or a snapshot folder. config.json is
 * required unless the weights are GGUF. */
HGN_NODISCARD HgnStatus hgnHfModelOpen(const char *path, HgnHfModel **out);
void hgnHfModelClose(HgnHfModel *m);

/* Resolves a hub cache snapshot: cacheDir/models--ORG--NAME/snapshots/HASH
 * where HASH is read from refs/REVISION (revision NULL: "main"), or is
 * revision itself when that snapshot exists. Caller frees *out with hgnFree. */
HGN_NODISCARD HgnStatus hgnHfHubResolve(const char *cacheDir, const char *repoId, const char *revision, char **out);

const char *hgnHfModelDir(const HgnHfModel *m);
const HgnHfConfig *hgnHfModelConfig(const HgnHfModel *m);      /* NULL for GGUF without config.json */
const json_t *hgnHfModelGenerationConfig(const HgnHfModel *m); /* NULL when absent */
const json_t *hgnHfModelTokenizerConfig(const HgnHfModel *m);  /* tokenizer_config.json, NULL when absent */
const char *hgnHfModelTokenizerJsonPath(const HgnHfModel *m);  /* NULL when absent */
const char *hgnHfModelTokenizerModelPath(const HgnHfModel *m); /* SentencePiece model, NULL when absent */
HgnWeightsFormat hgnHfModelWeightsFormat(const HgnHfModel *m);
const char *hgnHfModelWeightsPath(const HgnHfModel *m);     /* the file or index opened */
HgnSafetensors *hgnHfModelSafetensors(const HgnHfModel *m); /* borrowed; NULL for GGUF */
HgnGgufFile *hgnHfModelGguf(const HgnHfModel *m);           /* borrowed; NULL for safetensors */

/* The weights as tensor views, whatever the format. */
size_t hgnHfModelTensorCount(const HgnHfModel *m);
const HgnTensorView *hgnHfModelTensorAt(const HgnHfModel *m, size_t i);
const HgnTensorView *hgnHfModelTensorFind(const HgnHfModel *m, const char *name);

#ifdef __cplusplus
}
#endif
#endif
