/* llamaModel.h — makeModel's model description and GGUF writing: a
 * Llama-architecture GGUF v3 with seeded random weights, the llama.* keys
 * llama.cpp requires, and a byte-level BPE tokenizer (bpeVocab.h). */
#ifndef HGN_TOOLS_MAKEMODEL_LLAMAMODEL_H
#define HGN_TOOLS_MAKEMODEL_LLAMAMODEL_H

#include <stdint.h>

#include "huginn/dtype.h"
#include "huginn/status.h"

typedef struct LlamaSpec {
    uint32_t layers, dim, heads, kvHeads, ffn, vocab, ctx;
    HgnDtype type; /* of the 2-D weights: F32, F16, Q8_0 or Q4_0 (norms stay F32) */
    uint64_t seed;
    float ropeTheta, rmsEps;
} LlamaSpec;

typedef struct LlamaSummary {
    uint32_t nTensors;
    uint64_t parameters;
    uint64_t fileBytes;
} LlamaSummary;

/* Checks every field (ranges, heads divide dim, kv-heads divide heads, even
 * head size, block-size multiples for quantised types, sizes that overflow).
 * Errors are InvalidArgument whose `where` names the flag ("--heads"). */
HGN_NODISCARD HgnStatus llamaSpecValidate(const LlamaSpec *spec);

/* Writes the model to path (via PATH.partial, renamed when complete).
 * Deterministic: the same spec gives the same bytes. summary may be NULL. */
HGN_NODISCARD HgnStatus llamaModelWrite(const LlamaSpec *spec, const char *path, LlamaSummary *summary);

/* llama_ftype for general.file_type: F32 0, F16 1, Q4_0 2, Q8_0 7. */
uint32_t llamaFileType(HgnDtype type);

#endif
