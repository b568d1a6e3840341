/* onnxRuntime.h — executes an ONNX graph (HgnGraph from hgnOnnxLoad) on the
 * CPU in float32 (int64/int32/bool where operators need them), and reads and
 * writes tensors as ONNX TensorProto (.pb) or NumPy (.npy) files. Operators
 * or attribute combinations the executor does not implement fail with
 * HGN UnsupportedOperator naming the node; nothing is ever guessed. */
#ifndef HUGINN_ONNX_RUNTIME_H
#define HUGINN_ONNX_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "huginn/ir.h"
#include "huginn/onnx.h"
#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Graph inputs the caller binds: inputs without an initializer payload. */
int32_t hgnOnnxRunInputCount(const HgnGraph *g);
int32_t hgnOnnxRunInput(const HgnGraph *g, int32_t i);

/* Runs g once. inputs are matched to the run inputs by name (tensor name
 * non-empty and equal), else by position. On success *pOutputs holds
 * hgnGraphOutputCount(g) tensors (free with hgnOnnxTensorsFree) named after
 * the graph outputs. nThreads <= 0: 1. Errors: InvalidInput (missing input,
 * dtype/rank mismatch), UnsupportedOperator, ExecutionFailed. */
HGN_NODISCARD HgnStatus hgnOnnxRun(const HgnGraph *g, const HgnOnnxTensor *inputs, int32_t nInputs, int nThreads,
                                   HgnOnnxTensor **pOutputs, int32_t *pNOutputs);
void hgnOnnxTensorsFree(HgnOnnxTensor *t, int32_t n);
/* True when the executor has a kernel for op (default domain). */
bool hgnOnnxRunSupports(const char *op);

/* .npy (format 1.0/2.0/3.0, little-endian, C order; f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1). */
HGN_NODISCARD HgnStatus hgnNpyLoad(const char *path, HgnOnnxTensor *out);
HGN_NODISCARD HgnStatus hgnNpySave(const char *path, const HgnOnnxTensor *t);
/* Serialized TensorProto (dims, data_type, name, raw_data). */
HGN_NODISCARD HgnStatus hgnOnnxTensorSave(const char *path, const HgnOnnxTensor *t);

#ifdef __cplusplus
}
#endif
#endif
