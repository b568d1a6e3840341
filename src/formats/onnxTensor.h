/* onnxTensor.h — ONNX TensorProto decoding shared by the model and tensor readers. */
#ifndef HGN_FORMATS_ONNXTENSOR_H
#define HGN_FORMATS_ONNXTENSOR_H

#include <protobuf-c/protobuf-c.h>

#include "huginn/onnx.h"
#include "core/arena.h"
#include "onnx/onnx.pb-c.h"

/* protobuf-c allocator routed through hgnMalloc (fault injection works). */
extern ProtobufCAllocator hgnOnnxAllocator;
/* True when an allocation through hgnOnnxAllocator failed since the last call (per thread). */
bool hgnOnnxAllocFailedReset(void);

/* Decoded tensor: data either borrowed from the message or copied into arena. */
typedef struct OnnxTensorView {
    HgnDtype dtype;
    HgnShape shape;
    int64_t elements;
    const void *data; /* NULL for strings, empty and external tensors */
    uint64_t bytes;
    const char *externalPath; /* resolved path (arena) for external data */
    uint64_t externalOffset;
} OnnxTensorView;

/* Decodes t. where names the tensor in errors ("model.onnx: initializer 'w'").
 * baseDir: folder of the model for external data (NULL: external refused). */
HgnStatus hgnOnnxTensorDecode(const Onnx__TensorProto *t, HgnArena *arena, const char *where, const char *baseDir,
                              OnnxTensorView *out);
/* Scans the top level of a protobuf message for fields running past the end:
 * TruncatedFile naming the offset; ModelFormatInvalid on bad wire types. */
HgnStatus hgnOnnxCheckWire(const uint8_t *p, size_t n, const char *source);
/* Reads a whole file into hgnMalloc'd memory (caller frees). */
HgnStatus hgnOnnxReadFile(const char *path, uint8_t **pData, size_t *pSize);

#endif
