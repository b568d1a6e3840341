/* tokenizerCheck.h — is the tokenizer of a model there, and does its size fit
 * the model's vocabulary? (tokenizer.json, tokenizer.model, GGUF vocab.)
 *
 * Rule: a model may pad its embedding beyond the tokenizer (for efficient
 * matmul shapes: Qwen2.5 has 151,665 tokens and 151,936 rows; Phi-3 32,011
 * and 32,064), never the other way round, and never by more than
 * HGN_TOKENIZER_MAX_PADDING rows. Llama 3 (128,000 + 256 special = 128,256)
 * and Gemma (256,000) match exactly. */
#ifndef HUGINN_TOKENIZERCHECK_H
#define HUGINN_TOKENIZERCHECK_H

#include "huginn/gguf.h"
#include "huginn/hfModel.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct HgnTokenizerInfo {
    const char *kind; /* "tokenizer.json", "tokenizer.model", "gguf", NULL when none */
    char path[4096];  /* the file read */
    int64_t size;     /* tokens (highest id + 1) */
    char model[32];   /* tokenizer.json model.type / tokenizer.ggml.model ("BPE", "llama"…); "" when unknown */
} HgnTokenizerInfo;

/* The tokenizer may be smaller than the embedding (padded for efficiency),
 * never larger: vocab − HGN_TOKENIZER_MAX_PADDING ≤ size ≤ vocab. */
#define HGN_TOKENIZER_MAX_PADDING 1024

/* Finds the tokenizer of a model folder (tokenizer.json, else
 * tokenizer.model, else the GGUF vocabulary), counts its tokens into *info
 * and checks them against vocab (the config's vocab_size or embedding rows;
 * ≤ 0 skips the check). HGN-0108 TokenizerMismatch when none is found or the
 * size breaks the rule, naming the file and both sizes. */
HGN_NODISCARD HgnStatus hgnTokenizerCheck(const HgnHfModel *m, int64_t vocab, HgnTokenizerInfo *info);
/* Same for a folder holding tokenizer.json or tokenizer.model (no GGUF). */
HGN_NODISCARD HgnStatus hgnTokenizerCheckDir(const char *dir, int64_t vocab, HgnTokenizerInfo *info);
/* Same for a lone GGUF file (tokenizer.ggml.tokens). */
HGN_NODISCARD HgnStatus hgnTokenizerCheckGguf(const HgnGgufFile *f, int64_t vocab, HgnTokenizerInfo *info);

#ifdef __cplusplus
}
#endif
#endif
