/* onnx.h — ONNX model and tensor reader: ModelProto → HgnGraph.
 *
 * Initializers (raw_data or typed fields) become weights whose payload stays
 * in the parsed model (owned by the graph); external data is checked (file
 * inside the model's folder, range inside the file) and recorded, not read.
 * Constant nodes become constant values. Declared shapes (inputs, outputs,
 * value_info) are kept; hgnGraphInferShapes computes the rest. */
#ifndef HUGINN_ONNX_H
#define HUGINN_ONNX_H

#include <stddef.h>
#include <stdint.h>

#include "huginn/ir.h"
#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads the model at path and finalizes the graph (no shape inference).
 * Errors: IoError/NotFound (file), TruncatedFile, ModelFormatInvalid (bad
 * protobuf, bad tensor, cycle, dangling value; names the node),
 * UnsupportedDtype, PermissionDenied (external data outside the folder). */
HGN_NODISCARD HgnStatus hgnOnnxLoad(const char *path, HgnGraph **ppGraph);
/* Same from memory; source names the model in errors, baseDir (may be NULL:
 * external data then refused) is where external data files are looked up. */
HGN_NODISCARD HgnStatus hgnOnnxLoadBuffer(const void *data, size_t size, const char *source, const char *baseDir,
                                          HgnGraph **ppGraph);
/* Loads, then runs shape inference. */
HGN_NODISCARD HgnStatus hgnOnnxImport(const char *path, HgnGraph **ppGraph);

/* One serialized TensorProto (the test_data_set_N/input_K.pb files). */
typedef struct HgnOnnxTensor {
    char *name; /* may be "" */
    HgnDtype dtype;
    HgnShape shape;
    void *data; /* packed little-endian; NULL for strings and empty tensors */
    uint64_t bytes;
} HgnOnnxTensor;

HGN_NODISCARD HgnStatus hgnOnnxTensorLoad(const char *path, HgnOnnxTensor *out);
void hgnOnnxTensorFree(HgnOnnxTensor *t);

/* Maps an ONNX TensorProto.DataType to HgnDtype; false when Huginn has none. */
bool hgnOnnxDtype(int32_t onnxType, HgnDtype *out);

#ifdef __cplusplus
}
#endif
#endif
