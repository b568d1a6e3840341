/* onnxExec.h — internals of the ONNX graph executor: the run-time tensor
 * (OxTensor), the per-node context handed to operator kernels, and the
 * operator tables of each family (onnxElementwise.c, onnxMatmul.c,
 * onnxConv.c, onnxTensor.c, onnxReduce.c, onnxNorm.c, onnxMisc.c). Shapes are
 * computed at run time from the actual inputs. */
#ifndef HGN_RUNTIME_ONNX_EXEC_H
#define HGN_RUNTIME_ONNX_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "huginn/ir.h"
#include "huginn/status.h"

typedef struct OxTensor {
    HgnDtype dtype;
    int32_t rank;
    int64_t dims[HGN_MAX_RANK];
    int64_t n;  /* elements */
    void *data; /* owned (hgnMalloc), packed; may be NULL when n == 0 */
} OxTensor;

#define OX_MAX_IO 64

typedef struct OxCtx {
    const HgnNode *node;
    int64_t opset;
    int nIn;
    const OxTensor *in[OX_MAX_IO]; /* NULL for omitted optional inputs */
    int nOut;
    OxTensor *out[OX_MAX_IO]; /* NULL for omitted optional outputs; fill with oxAlloc */
    int nThreads;
    char where[160];
} OxCtx;

typedef HgnStatus (*OxOpFn)(OxCtx *c);
typedef struct OxOp {
    const char *op;
    OxOpFn fn;
} OxOp;

extern const OxOp hgnOxElementwiseOps[];
extern const OxOp hgnOxMatmulOps[];
extern const OxOp hgnOxConvOps[];
extern const OxOp hgnOxTensorOps[];
extern const OxOp hgnOxReduceOps[];
extern const OxOp hgnOxNormOps[];
extern const OxOp hgnOxMiscOps[];
extern const OxOp hgnOxLossOps[];
extern const OxOp hgnOxRnnOps[];

/* ---- helpers (onnxExec.c) ---- */
size_t oxElemSize(HgnDtype t);
HgnStatus oxAlloc(OxTensor *t, HgnDtype dtype, int32_t rank, const int64_t *dims);
void oxTensorClear(OxTensor *t);
HgnStatus oxCopy(OxTensor *dst, const OxTensor *src);
HgnStatus oxUnsupported(OxCtx *c, const char *fmt, ...) HGN_PRINTF(2, 3);
HgnStatus oxFail(OxCtx *c, const char *fmt, ...) HGN_PRINTF(2, 3);
HgnStatus oxOom(void);
bool oxIsNumeric(HgnDtype t);
double oxGet(const OxTensor *t, int64_t i);
void oxSet(OxTensor *t, int64_t i, double v);
int64_t oxGetI(const OxTensor *t, int64_t i);
/* requires input k present and F32 */
HgnStatus oxNeedF32(OxCtx *c, int k);
HgnStatus oxNeedIn(OxCtx *c, int k);
/* normalises axis into [0, rank) */
HgnStatus oxAxis(OxCtx *c, int64_t axis, int32_t rank, int32_t *out);
/* broadcast shape of a and b */
HgnStatus oxBroadcastShape(OxCtx *c, int nT, const OxTensor *const *ts, int32_t *rank, int64_t *dims);
/* element strides of t broadcast to (rank, dims): 0 on broadcast dims */
void oxBroadcastStrides(const OxTensor *t, int32_t rank, const int64_t *dims, int64_t *strides);
/* int list input or attribute helpers */
bool oxAttrInts(OxCtx *c, const char *name, int64_t *buf, int32_t max, int32_t *n);
HgnStatus oxInInts(OxCtx *c, int k, int64_t *buf, int32_t max, int32_t *n);
float oxAttrF(OxCtx *c, const char *name, float dflt);
int64_t oxAttrI(OxCtx *c, const char *name, int64_t dflt);
void oxStrides(int32_t rank, const int64_t *dims, int64_t *strides);

/* sgemm C[m,n] = alpha*op(A)*op(B) + beta*C, row-major (OpenBLAS) */
void oxGemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
            const float *b, int64_t ldb, float beta, float *cm, int64_t ldc);

#endif
