/* runtimeInt.h — what the runtime's files share: the loaded model (graph,
 * tokenizer, open files) and the HgnRuntime object the executor builds. */
#ifndef HGN_RUNTIME_RUNTIMEINT_H
#define HGN_RUNTIME_RUNTIMEINT_H

#include "huginn/gguf.h"
#include "huginn/hfModel.h"
#include "huginn/ir.h"
#include "huginn/runtime.h"
#include "huginn/tokenizer.h"
#include "runtime/backend.h"

typedef struct RtModel {
    char *path;        /* as opened */
    char *weightsPath; /* the file whose digest the plan carries */
    HgnGgufFile *gguf;
    HgnHfModel *hf;
    HgnGraph *graph;
    HgnTokenizer *tok;
    int64_t contextLength; /* the model's, 0 when unknown */
} RtModel;

/* Opens a GGUF file or a model folder; builds the graph and the tokenizer. */
HGN_NODISCARD HgnStatus rtModelOpen(const char *path, RtModel *m);
void rtModelClose(RtModel *m);
/* The tokenizer of a GGUF file's tokenizer.ggml.* keys. */
HGN_NODISCARD HgnStatus rtGgufTokenizer(const HgnGgufFile *f, HgnTokenizer **out);
/* "sha256:<hex>" of a file (caller frees). */
HGN_NODISCARD HgnStatus rtFileDigest(const char *path, char **out);
/* Most tokens one step evaluates (hgnRuntimeEval's chunk size). */
int64_t rtUbatch(const HgnRuntime *rt);
/* "sha256:<hex>" of len bytes (caller frees); NULL when out of memory. */
char *rtTextDigest(const char *text, size_t len);

#endif
