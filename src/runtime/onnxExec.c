/* onnxExec.c — the ONNX graph executor: binds inputs, walks the nodes in
 * canonical order dispatching each to its operator family's kernel, frees
 * activations after their last use, and returns the graph outputs; plus the
 * shared tensor helpers of the op families. */
#include <cblas.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/onnxRuntime.h"
#include "runtime/cpu/kernels.h"
#include "runtime/onnxExec.h"

size_t oxElemSize(HgnDtype t) {
    const HgnDtypeInfo *in = hgnDtypeInfo(t);
    return in->blockSize == 1 ? in->bytesPerBlock : 0;
}

HgnStatus oxOom(void) { return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory in the ONNX executor"); }

HgnStatus oxAlloc(OxTensor *t, HgnDtype dtype, int32_t rank, const int64_t *dims) {
    oxTensorClear(t);
    if (rank < 0 || rank > HGN_MAX_RANK)
        return hgnStatusNew(HGN_CODE_ExecutionFailed, NULL, NULL, "tensor rank %d out of range", (int)rank);
    int64_t n = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0 || dims[i] > HGN_DIM_MAX)
            return hgnStatusNew(HGN_CODE_ExecutionFailed, NULL, NULL, "tensor dim %lld out of range",
                                (long long)dims[i]);
        t->dims[i] = dims[i];
        n *= dims[i];
        if (n > HGN_DIM_MAX) return hgnStatusNew(HGN_CODE_OverBudget, NULL, NULL, "tensor too large");
    }
    size_t es = oxElemSize(dtype);
    if (!es) return hgnStatusNew(HGN_CODE_UnsupportedDtype, NULL, NULL, "dtype %s not executable", hgnDtypeName(dtype));
    t->dtype = dtype;
    t->rank = rank;
    t->n = n;
    t->data = hgnCalloc((size_t)(n ? n : 1), es);
    if (!t->data) return oxOom();
    return HGN_OK;
}

void oxTensorClear(OxTensor *t) {
    hgnFree(t->data);
    memset(t, 0, sizeof *t);
}

HgnStatus oxCopy(OxTensor *dst, const OxTensor *src) {
    HgnStatus st = oxAlloc(dst, src->dtype, src->rank, src->dims);
    if (st) return st;
    if (src->n) memcpy(dst->data, src->data, (size_t)src->n * oxElemSize(src->dtype));
    return HGN_OK;
}

HgnStatus oxUnsupported(OxCtx *c, const char *fmt, ...) {
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hgnStatusNew(HGN_CODE_UnsupportedOperator, c->where, "this operator form is not executable by Huginn yet",
                        "unsupported %s: %s", c->node->op, msg);
}

HgnStatus oxFail(OxCtx *c, const char *fmt, ...) {
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hgnStatusNew(HGN_CODE_ExecutionFailed, c->where, NULL, "%s failed: %s", c->node->op, msg);
}

bool oxIsNumeric(HgnDtype t) {
    switch (t) {
    case HGN_DTYPE_F32:
    case HGN_DTYPE_F64:
    case HGN_DTYPE_I8:
    case HGN_DTYPE_I16:
    case HGN_DTYPE_I32:
    case HGN_DTYPE_I64:
    case HGN_DTYPE_U8:
    case HGN_DTYPE_U16:
    case HGN_DTYPE_U32:
    case HGN_DTYPE_U64:
    case HGN_DTYPE_BOOL:
    case HGN_DTYPE_F16:
    case HGN_DTYPE_BF16:
        return true;
    default:
        return false;
    }
}

double oxGet(const OxTensor *t, int64_t i) {
    switch (t->dtype) {
    case HGN_DTYPE_F32:
        return ((const float *)t->data)[i];
    case HGN_DTYPE_F64:
        return ((const double *)t->data)[i];
    case HGN_DTYPE_I8:
        return ((const int8_t *)t->data)[i];
    case HGN_DTYPE_I16:
        return ((const int16_t *)t->data)[i];
    case HGN_DTYPE_I32:
        return ((const int32_t *)t->data)[i];
    case HGN_DTYPE_I64:
        return (double)((const int64_t *)t->data)[i];
    case HGN_DTYPE_U8:
        return ((const uint8_t *)t->data)[i];
    case HGN_DTYPE_U16:
        return ((const uint16_t *)t->data)[i];
    case HGN_DTYPE_U32:
        return ((const uint32_t *)t->data)[i];
    case HGN_DTYPE_U64:
        return (double)((const uint64_t *)t->data)[i];
    case HGN_DTYPE_BOOL:
        return ((const uint8_t *)t->data)[i] ? 1.0 : 0.0;
    case HGN_DTYPE_F16:
        return hgnF16ToF32(((const uint16_t *)t->data)[i]);
    case HGN_DTYPE_BF16:
        return hgnBf16ToF32(((const uint16_t *)t->data)[i]);
    default:
        return 0.0;
    }
}

int64_t oxGetI(const OxTensor *t, int64_t i) {
    switch (t->dtype) {
    case HGN_DTYPE_I64:
        return ((const int64_t *)t->data)[i];
    case HGN_DTYPE_U64:
        return (int64_t)((const uint64_t *)t->data)[i];
    default: {
        double v = oxGet(t, i);
        if (v != v) return 0;
        if (v >= 9.2e18) return INT64_MAX;
        if (v <= -9.2e18) return INT64_MIN;
        return (int64_t)v;
    }
    }
}

static int64_t satI(double v, double lo, double hi) {
    if (v != v) return 0;
    if (v < lo) return (int64_t)lo;
    if (v > hi) return (int64_t)hi;
    return (int64_t)v;
}

void oxSet(OxTensor *t, int64_t i, double v) {
    switch (t->dtype) {
    case HGN_DTYPE_F32:
        ((float *)t->data)[i] = (float)v;
        break;
    case HGN_DTYPE_F64:
        ((double *)t->data)[i] = v;
        break;
    case HGN_DTYPE_I8:
        ((int8_t *)t->data)[i] = (int8_t)satI(v, -128, 127);
        break;
    case HGN_DTYPE_I16:
        ((int16_t *)t->data)[i] = (int16_t)satI(v, -32768, 32767);
        break;
    case HGN_DTYPE_I32:
        ((int32_t *)t->data)[i] = (int32_t)satI(v, -2147483648.0, 2147483647.0);
        break;
    case HGN_DTYPE_I64:
        ((int64_t *)t->data)[i] = satI(v, -9.2e18, 9.2e18);
        break;
    case HGN_DTYPE_U8:
        ((uint8_t *)t->data)[i] = (uint8_t)satI(v, 0, 255);
        break;
    case HGN_DTYPE_U16:
        ((uint16_t *)t->data)[i] = (uint16_t)satI(v, 0, 65535);
        break;
    case HGN_DTYPE_U32:
        ((uint32_t *)t->data)[i] = (uint32_t)satI(v, 0, 4294967295.0);
        break;
    case HGN_DTYPE_U64:
        ((uint64_t *)t->data)[i] = (uint64_t)satI(v, 0, 9.2e18);
        break;
    case HGN_DTYPE_BOOL:
        ((uint8_t *)t->data)[i] = v != 0.0;
        break;
    case HGN_DTYPE_F16:
        ((uint16_t *)t->data)[i] = hgnF32ToF16((float)v);
        break;
    case HGN_DTYPE_BF16:
        ((uint16_t *)t->data)[i] = hgnF32ToBf16((float)v);
        break;
    default:
        break;
    }
}

HgnStatus oxNeedIn(OxCtx *c, int k) {
    if (k >= c->nIn || !c->in[k]) return oxFail(c, "input %d is missing", k);
    return HGN_OK;
}

HgnStatus oxNeedF32(OxCtx *c, int k) {
    HgnStatus st = oxNeedIn(c, k);
    if (st) return st;
    if (c->in[k]->dtype != HGN_DTYPE_F32)
        return oxUnsupported(c, "input %d has dtype %s (only f32 is executed)", k, hgnDtypeName(c->in[k]->dtype));
    return HGN_OK;
}

HgnStatus oxAxis(OxCtx *c, int64_t axis, int32_t rank, int32_t *out) {
    if (axis < -rank || axis >= (rank ? rank : 1))
        return oxFail(c, "axis %lld out of range for rank %d", (long long)axis, rank);
    *out = (int32_t)(axis < 0 ? axis + rank : axis);
    return HGN_OK;
}

HgnStatus oxBroadcastShape(OxCtx *c, int nT, const OxTensor *const *ts, int32_t *rank, int64_t *dims) {
    int32_t r = 0;
    for (int i = 0; i < nT; i++)
        if (ts[i]->rank > r) r = ts[i]->rank;
    for (int d = 0; d < r; d++) dims[d] = 1;
    for (int i = 0; i < nT; i++) {
        int off = r - ts[i]->rank;
        for (int d = 0; d < ts[i]->rank; d++) {
            int64_t x = ts[i]->dims[d];
            int64_t *o = &dims[off + d];
            if (x == *o || x == 1) continue;
            if (*o == 1) {
                *o = x;
                continue;
            }
            return oxFail(c, "shapes cannot be broadcast (dim %lld vs %lld)", (long long)x, (long long)*o);
        }
    }
    *rank = r;
    return HGN_OK;
}

void oxStrides(int32_t rank, const int64_t *dims, int64_t *strides) {
    int64_t s = 1;
    for (int d = rank - 1; d >= 0; d--) {
        strides[d] = s;
        s *= dims[d];
    }
}

void oxBroadcastStrides(const OxTensor *t, int32_t rank, const int64_t *dims, int64_t *strides) {
    (void)dims;
    int64_t own[HGN_MAX_RANK];
    oxStrides(t->rank, t->dims, own);
    int off = rank - t->rank;
    for (int d = 0; d < rank; d++) {
        int k = d - off;
        strides[d] = (k < 0 || t->dims[k] == 1) ? 0 : own[k];
    }
}

bool oxAttrInts(OxCtx *c, const char *name, int64_t *buf, int32_t max, int32_t *n) {
    const HgnAttr *a = hgnNodeAttr(c->node, name);
    if (!a) return false;
    if (a->type == HGN_ATTR_INT) {
        buf[0] = a->i;
        *n = 1;
        return true;
    }
    if (a->type != HGN_ATTR_INTS || a->n > max) return false;
    for (int i = 0; i < a->n; i++) buf[i] = a->ints[i];
    *n = a->n;
    return true;
}

HgnStatus oxInInts(OxCtx *c, int k, int64_t *buf, int32_t max, int32_t *n) {
    HgnStatus st = oxNeedIn(c, k);
    if (st) return st;
    const OxTensor *t = c->in[k];
    if (t->n > max) return oxUnsupported(c, "input %d has %lld elements (at most %d)", k, (long long)t->n, max);
    if (!oxIsNumeric(t->dtype)) return oxFail(c, "input %d must be integer", k);
    for (int64_t i = 0; i < t->n; i++) buf[i] = oxGetI(t, i);
    *n = (int32_t)t->n;
    return HGN_OK;
}

float oxAttrF(OxCtx *c, const char *name, float dflt) { return (float)hgnNodeAttrFloat(c->node, name, dflt); }
int64_t oxAttrI(OxCtx *c, const char *name, int64_t dflt) { return hgnNodeAttrInt(c->node, name, dflt); }

void oxGemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
            const float *b, int64_t ldb, float beta, float *cm, int64_t ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++) cm[i * ldc + j] = beta == 0.0f ? 0.0f : beta * cm[i * ldc + j];
        return;
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, (int)m, (int)n,
                (int)k, alpha, a, (int)lda, b, (int)ldb, beta, cm, (int)ldc);
}

/* ---- dispatch ---- */
static const OxOp *const families[] = {hgnOxElementwiseOps, hgnOxMatmulOps, hgnOxConvOps,
                                       hgnOxTensorOps,      hgnOxReduceOps, hgnOxNormOps,
                                       hgnOxMiscOps,        hgnOxLossOps,   hgnOxRnnOps};

static const OxOp *findOp(const char *op) {
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (const OxOp *o = families[f]; o->op; o++)
            if (!strcmp(o->op, op)) return o;
    return NULL;
}

bool hgnOnnxRunSupports(const char *op) { return findOp(op) != NULL; }

int32_t hgnOnnxRunInputCount(const HgnGraph *g) {
    int32_t n = 0;
    for (int32_t i = 0; i < hgnGraphInputCount(g); i++)
        if (!hgnGraphValue(g, hgnGraphInput(g, i))->data) n++;
    return n;
}

int32_t hgnOnnxRunInput(const HgnGraph *g, int32_t k) {
    for (int32_t i = 0; i < hgnGraphInputCount(g); i++) {
        int32_t v = hgnGraphInput(g, i);
        if (hgnGraphValue(g, v)->data) continue;
        if (k-- == 0) return v;
    }
    return -1;
}

static HgnStatus fromOnnx(OxTensor *t, const HgnOnnxTensor *src, const char *name) {
    int64_t dims[HGN_MAX_RANK];
    if (src->shape.rank < 0)
        return hgnStatusNew(HGN_CODE_InvalidInput, name, NULL, "tensor `%s` has unknown rank", name);
    for (int i = 0; i < src->shape.rank; i++) {
        if (src->shape.dims[i].sym != HGN_DIM_KNOWN)
            return hgnStatusNew(HGN_CODE_InvalidInput, name, NULL, "tensor `%s` has a symbolic dim", name);
        dims[i] = src->shape.dims[i].n;
    }
    if (!oxElemSize(src->dtype))
        return hgnStatusNew(HGN_CODE_UnsupportedDtype, name, "use numeric tensors",
                            "tensor `%s` has dtype %s, not executable", name, hgnDtypeName(src->dtype));
    HgnStatus st = oxAlloc(t, src->dtype, src->shape.rank, dims);
    if (st) return st;
    uint64_t need = (uint64_t)t->n * oxElemSize(t->dtype);
    if (need && (!src->data || src->bytes < need)) {
        oxTensorClear(t);
        return hgnStatusNew(HGN_CODE_InvalidInput, name, NULL, "tensor `%s` holds %llu bytes, its shape needs %llu",
                            name, (unsigned long long)src->bytes, (unsigned long long)need);
    }
    if (need) memcpy(t->data, src->data, need);
    return HGN_OK;
}

static HgnStatus fromValue(OxTensor *t, const HgnValue *v) {
    HgnOnnxTensor src = {.dtype = v->dtype, .shape = v->shape, .data = (void *)v->data, .bytes = v->dataBytes};
    return fromOnnx(t, &src, v->name);
}

void hgnOnnxTensorsFree(HgnOnnxTensor *t, int32_t n) {
    if (!t) return;
    for (int32_t i = 0; i < n; i++) hgnOnnxTensorFree(&t[i]);
    hgnFree(t);
}

HgnStatus hgnOnnxRun(const HgnGraph *g, const HgnOnnxTensor *inputs, int32_t nInputs, int nThreads,
                     HgnOnnxTensor **pOutputs, int32_t *pNOutputs) {
    *pOutputs = NULL;
    *pNOutputs = 0;
    int32_t nv = hgnGraphValueCount(g);
    OxTensor *vals = hgnCalloc((size_t)nv + 1, sizeof *vals);
    bool *have = hgnCalloc((size_t)nv + 1, sizeof *have);
    bool *isOut = hgnCalloc((size_t)nv + 1, sizeof *isOut);
    HgnStatus st = HGN_OK;
    if (!vals || !have || !isOut) {
        st = oxOom();
        goto done;
    }
    for (int32_t i = 0; i < hgnGraphOutputCount(g); i++) isOut[hgnGraphOutput(g, i)] = true;
    /* bind inputs */
    int32_t nRun = hgnOnnxRunInputCount(g);
    bool *used = hgnCalloc((size_t)nInputs + 1, sizeof *used);
    if (!used) {
        st = oxOom();
        goto done;
    }
    for (int32_t k = 0; k < nRun && !st; k++) {
        int32_t v = hgnOnnxRunInput(g, k);
        const HgnValue *val = hgnGraphValue(g, v);
        int32_t pick = -1;
        for (int32_t j = 0; j < nInputs && pick < 0; j++)
            if (!used[j] && inputs[j].name && !strcmp(inputs[j].name, val->name)) pick = j;
        if (pick < 0 && k < nInputs && !used[k] &&
            (!inputs[k].name || !*inputs[k].name || hgnGraphFindValue(g, inputs[k].name) < 0))
            pick = k;
        if (pick < 0) continue; /* left unbound: an omitted optional input (kernels reject required ones) */
        used[pick] = true;
        /* bfloat16 tensor files read as u16 bit patterns */
        bool bf16Bits = inputs[pick].dtype == HGN_DTYPE_U16 && val->dtype == HGN_DTYPE_BF16;
        if (inputs[pick].dtype != val->dtype && val->dtype != HGN_DTYPE_UNKNOWN && !bf16Bits) {
            st = hgnStatusNew(HGN_CODE_InvalidInput, val->name, NULL, "input `%s` is %s, the graph expects %s",
                              val->name, hgnDtypeName(inputs[pick].dtype), hgnDtypeName(val->dtype));
            break;
        }
        st = fromOnnx(&vals[v], &inputs[pick], val->name);
        if (!st && bf16Bits) vals[v].dtype = HGN_DTYPE_BF16;
        have[v] = !st;
    }
    hgnFree(used);
    if (st) goto done;
    for (int32_t v = 0; v < nv && !st; v++) {
        const HgnValue *val = hgnGraphValue(g, v);
        if (have[v] || !val->data) continue;
        st = fromValue(&vals[v], val);
        have[v] = !st;
    }
    if (st) goto done;
    for (int32_t v = 0; v < nv; v++) {
        const HgnValue *val = hgnGraphValue(g, v);
        if (!have[v] && val->producer < 0 && val->externalPath) {
            st = hgnStatusNew(HGN_CODE_UnsupportedOperator, val->name, "inline the weights",
                              "weight `%s` is stored as external data, which the ONNX executor does not read",
                              val->name);
            goto done;
        }
    }
    int64_t opset = hgnGraphOpset(g, "");
    /* the sgemm calls of this run use the run's threads */
    int blasThreads = nThreads > 0 ? nThreads : 1;
    if (openblas_get_num_threads() != blasThreads) openblas_set_num_threads(blasThreads);
    for (int32_t i = 0; i < hgnGraphNodeCount(g) && !st; i++) {
        const HgnNode *node = hgnGraphNode(g, i);
        OxCtx c = {.node = node, .opset = opset, .nThreads = nThreads > 0 ? nThreads : 1};
        snprintf(c.where, sizeof c.where, "node %s (%s)", node->name, node->op);
        const OxOp *op = *node->domain ? NULL : findOp(node->op);
        if (!op) {
            st = hgnStatusNew(HGN_CODE_UnsupportedOperator, c.where, "the ONNX executor has no kernel for it",
                              "unsupported operator %s%s%s (opset %lld)", *node->domain ? node->domain : "",
                              *node->domain ? "." : "", node->op, (long long)opset);
            break;
        }
        if (node->nInputs > OX_MAX_IO || node->nOutputs > OX_MAX_IO) {
            st = oxUnsupported(&c, "more than %d inputs or outputs", OX_MAX_IO);
            break;
        }
        c.nIn = node->nInputs;
        for (int k = 0; k < node->nInputs; k++) {
            int32_t v = node->inputs[k];
            if (v < 0) continue;
            if (!have[v] && hgnGraphValue(g, v)->producer < 0) continue; /* unbound optional graph input */
            if (!have[v]) {
                st = hgnStatusNew(HGN_CODE_ExecutionFailed, c.where, NULL, "input `%s` was never computed",
                                  hgnGraphValue(g, v)->name);
                break;
            }
            c.in[k] = &vals[v];
        }
        if (st) break;
        c.nOut = node->nOutputs;
        for (int k = 0; k < node->nOutputs; k++)
            if (node->outputs[k] >= 0) c.out[k] = &vals[node->outputs[k]];
        st = op->fn(&c);
        if (st) break;
        for (int k = 0; k < node->nOutputs; k++) {
            int32_t v = node->outputs[k];
            if (v < 0) continue;
            if (!vals[v].data) {
                st = hgnStatusNew(HGN_CODE_InternalError, c.where, NULL, "output %d was not produced", k);
                break;
            }
            have[v] = true;
        }
        /* free dead activations */
        for (int k = 0; k < node->nInputs && !st; k++) {
            int32_t v = node->inputs[k];
            if (v < 0 || isOut[v]) continue;
            const HgnValue *val = hgnGraphValue(g, v);
            if (val->lastUse == i) {
                oxTensorClear(&vals[v]);
                have[v] = false;
            }
        }
    }
    if (st) goto done;
    int32_t no = hgnGraphOutputCount(g);
    HgnOnnxTensor *outs = hgnCalloc((size_t)no + 1, sizeof *outs);
    if (!outs) {
        st = oxOom();
        goto done;
    }
    for (int32_t i = 0; i < no; i++) {
        int32_t v = hgnGraphOutput(g, i);
        OxTensor *t = &vals[v];
        if (!have[v]) {
            st = hgnStatusNew(HGN_CODE_ExecutionFailed, hgnGraphValue(g, v)->name, NULL,
                              "graph output `%s` was not computed", hgnGraphValue(g, v)->name);
            hgnOnnxTensorsFree(outs, no);
            goto done;
        }
        outs[i].name = hgnStrdup(hgnGraphValue(g, v)->name);
        outs[i].dtype = t->dtype;
        outs[i].shape.rank = t->rank;
        for (int d = 0; d < t->rank; d++) outs[i].shape.dims[d] = (HgnDim){t->dims[d], HGN_DIM_KNOWN};
        outs[i].bytes = (uint64_t)t->n * oxElemSize(t->dtype);
        if (isOut[v] && hgnGraphValue(g, v)->producer >= 0) {
            /* move when no later output aliases the same value */
            bool later = false;
            for (int32_t j = i + 1; j < no; j++) later = later || hgnGraphOutput(g, j) == v;
            if (!later) {
                outs[i].data = t->data;
                t->data = NULL;
                have[v] = false;
                if (!outs[i].name) st = oxOom();
                continue;
            }
        }
        outs[i].data = hgnMalloc(outs[i].bytes ? outs[i].bytes : 1);
        if (!outs[i].data || !outs[i].name) {
            st = oxOom();
            hgnOnnxTensorsFree(outs, no);
            goto done;
        }
        if (outs[i].bytes) memcpy(outs[i].data, t->data, outs[i].bytes);
    }
    if (st) {
        hgnOnnxTensorsFree(outs, no);
        goto done;
    }
    *pOutputs = outs;
    *pNOutputs = no;
done:
    if (vals)
        for (int32_t v = 0; v < nv; v++) hgnFree(vals[v].data);
    hgnFree(vals);
    hgnFree(have);
    hgnFree(isOut);
    return st;
}
