/* onnxReduce.c — ONNX reductions (ReduceSum/Mean/Max/Min/Prod/L1/L2/
 * LogSum/LogSumExp/SumSquare), ArgMax/ArgMin, and the axis-wise
 * Softmax/LogSoftmax/Hardmax/CumSum. Accumulates in double. */
#include <math.h>
#include <string.h>

#include "runtime/onnxExec.h"

enum { R_SUM, R_MEAN, R_MAX, R_MIN, R_PROD, R_L1, R_L2, R_LOGSUM, R_LOGSUMEXP, R_SUMSQ };

static HgnStatus reduce(OxCtx *c, int kind) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    if (!oxIsNumeric(x->dtype)) return oxUnsupported(c, "dtype %s", hgnDtypeName(x->dtype));
    int64_t axes[HGN_MAX_RANK];
    int32_t na = 0;
    bool axesInput = c->opset >= 18 || (kind == R_SUM && c->opset >= 13);
    if (axesInput) {
        if (c->nIn > 1 && c->in[1] && (st = oxInInts(c, 1, axes, HGN_MAX_RANK, &na))) return st;
    } else if (!oxAttrInts(c, "axes", axes, HGN_MAX_RANK, &na))
        na = 0;
    bool keep = oxAttrI(c, "keepdims", 1) != 0;
    bool red[HGN_MAX_RANK] = {0};
    if (na == 0) {
        if (oxAttrI(c, "noop_with_empty_axes", 0)) return oxCopy(c->out[0], x);
        for (int i = 0; i < x->rank; i++) red[i] = true;
    }
    for (int i = 0; i < na; i++) {
        int32_t a;
        if ((st = oxAxis(c, axes[i], x->rank, &a))) return st;
        red[a] = true;
    }
    int64_t od[HGN_MAX_RANK], kd[HGN_MAX_RANK];
    int32_t orank = 0;
    for (int i = 0; i < x->rank; i++) {
        kd[i] = red[i] ? 1 : x->dims[i];
        if (!red[i] || keep) od[orank++] = kd[i];
    }
    OxTensor *o = c->out[0];
    if ((st = oxAlloc(o, x->dtype, orank, od))) return st;
    double init = kind == R_MAX ? -INFINITY : kind == R_MIN ? INFINITY : kind == R_PROD ? 1.0 : 0.0;
    if (x->dtype != HGN_DTYPE_F32 && x->dtype != HGN_DTYPE_F64 && (kind == R_MAX || kind == R_MIN) && x->n == 0)
        return oxFail(c, "empty integer reduction");
    /* accumulate: walk x, map to output offset via kd strides */
    int64_t os[HGN_MAX_RANK];
    oxStrides(x->rank, kd, os);
    for (int i = 0; i < x->rank; i++)
        if (red[i]) os[i] = 0;
    double acc[1];
    (void)acc;
    int64_t on = o->n;
    double *buf = NULL;
    /* use output tensor only via double scratch */
    OxTensor tmp = {0};
    if ((st = oxAlloc(&tmp, HGN_DTYPE_F64, orank, od))) return st;
    buf = tmp.data;
    for (int64_t i = 0; i < on; i++) buf[i] = init;
    int64_t idx[HGN_MAX_RANK] = {0}, off = 0;
    for (int64_t i = 0; i < x->n; i++) {
        double v = oxGet(x, i), *b = &buf[off];
        switch (kind) {
        case R_SUM:
        case R_MEAN:
        case R_LOGSUM:
            *b += v;
            break;
        case R_MAX:
            *b = (v > *b || v != v) ? v : *b;
            break;
        case R_MIN:
            *b = (v < *b || v != v) ? v : *b;
            break;
        case R_PROD:
            *b *= v;
            break;
        case R_L1:
            *b += fabs(v);
            break;
        case R_L2:
        case R_SUMSQ:
            *b += v * v;
            break;
        case R_LOGSUMEXP:
            *b += exp(v);
            break;
        default:
            break;
        }
        for (int d = x->rank - 1; d >= 0; d--) {
            idx[d]++;
            off += os[d];
            if (idx[d] < x->dims[d]) break;
            off -= os[d] * x->dims[d];
            idx[d] = 0;
        }
    }
    int64_t cnt = on ? x->n / on : 0;
    for (int64_t i = 0; i < on; i++) {
        double v = buf[i];
        if (kind == R_MEAN) v = cnt ? v / (double)cnt : NAN;
        if (kind == R_L2) v = sqrt(v);
        if (kind == R_LOGSUM || kind == R_LOGSUMEXP) v = log(v);
        oxSet(o, i, v);
    }
    oxTensorClear(&tmp);
    return HGN_OK;
}

static HgnStatus opReduceSum(OxCtx *c) { return reduce(c, R_SUM); }
static HgnStatus opReduceMean(OxCtx *c) { return reduce(c, R_MEAN); }
static HgnStatus opReduceMax(OxCtx *c) { return reduce(c, R_MAX); }
static HgnStatus opReduceMin(OxCtx *c) { return reduce(c, R_MIN); }
static HgnStatus opReduceProd(OxCtx *c) { return reduce(c, R_PROD); }
static HgnStatus opReduceL1(OxCtx *c) { return reduce(c, R_L1); }
static HgnStatus opReduceL2(OxCtx *c) { return reduce(c, R_L2); }
static HgnStatus opReduceLogSum(OxCtx *c) { return reduce(c, R_LOGSUM); }
static HgnStatus opReduceLogSumExp(OxCtx *c) { return reduce(c, R_LOGSUMEXP); }
static HgnStatus opReduceSumSquare(OxCtx *c) { return reduce(c, R_SUMSQ); }

/* outer × axis × inner decomposition */
static void split3(const OxTensor *x, int32_t a, int64_t *outer, int64_t *inner) {
    *outer = *inner = 1;
    for (int i = 0; i < a; i++) *outer *= x->dims[i];
    for (int i = a + 1; i < x->rank; i++) *inner *= x->dims[i];
}

static HgnStatus argOp(OxCtx *c, bool isMax) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    if (!oxIsNumeric(x->dtype)) return oxUnsupported(c, "dtype");
    int32_t a;
    if ((st = oxAxis(c, oxAttrI(c, "axis", 0), x->rank, &a))) return st;
    bool keep = oxAttrI(c, "keepdims", 1) != 0, last = oxAttrI(c, "select_last_index", 0) != 0;
    if (x->dims[a] == 0) return oxFail(c, "empty axis");
    int64_t od[HGN_MAX_RANK];
    int32_t r = 0;
    for (int i = 0; i < x->rank; i++)
        if (i != a || keep) od[r++] = i == a ? 1 : x->dims[i];
    if ((st = oxAlloc(c->out[0], HGN_DTYPE_I64, r, od))) return st;
    int64_t outer, inner, n = x->dims[a];
    split3(x, a, &outer, &inner);
    int64_t *y = c->out[0]->data;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t in = 0; in < inner; in++) {
            int64_t best = 0;
            double bv = oxGet(x, o * n * inner + in);
            for (int64_t j = 1; j < n; j++) {
                double v = oxGet(x, (o * n + j) * inner + in);
                if (isMax ? (v > bv || (last && v == bv)) : (v < bv || (last && v == bv))) bv = v, best = j;
            }
            y[o * inner + in] = best;
        }
    return HGN_OK;
}
static HgnStatus opArgMax(OxCtx *c) { return argOp(c, true); }
static HgnStatus opArgMin(OxCtx *c) { return argOp(c, false); }

enum { S_SOFTMAX, S_LOGSOFTMAX, S_HARDMAX };

static HgnStatus softmaxOp(OxCtx *c, int kind) {
    HgnStatus st = oxNeedF32(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    int32_t a;
    if ((st = oxAxis(c, oxAttrI(c, "axis", c->opset >= 13 ? -1 : 1), x->rank, &a))) return st;
    if ((st = oxAlloc(c->out[0], HGN_DTYPE_F32, x->rank, x->dims))) return st;
    int64_t outer, inner, n;
    if (c->opset < 13) { /* coerce to 2-D [prod(<a), prod(>=a)] */
        outer = 1;
        for (int i = 0; i < a; i++) outer *= x->dims[i];
        n = outer ? x->n / outer : 0;
        inner = 1;
    } else {
        split3(x, a, &outer, &inner);
        n = x->dims[a];
    }
    const float *xs = x->data;
    float *y = c->out[0]->data;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t in = 0; in < inner; in++) {
            const float *xr = xs + o * n * inner + in;
            float *yr = y + o * n * inner + in;
            double mx = -INFINITY;
            int64_t arg = 0;
            for (int64_t j = 0; j < n; j++)
                if (xr[j * inner] > mx) mx = xr[j * inner], arg = j;
            if (kind == S_HARDMAX) {
                for (int64_t j = 0; j < n; j++) yr[j * inner] = j == arg ? 1.0f : 0.0f;
                continue;
            }
            double s = 0;
            for (int64_t j = 0; j < n; j++) s += exp(xr[j * inner] - mx);
            for (int64_t j = 0; j < n; j++)
                yr[j * inner] =
                    kind == S_SOFTMAX ? (float)(exp(xr[j * inner] - mx) / s) : (float)(xr[j * inner] - mx - log(s));
        }
    return HGN_OK;
}
static HgnStatus opSoftmax(OxCtx *c) { return softmaxOp(c, S_SOFTMAX); }
static HgnStatus opLogSoftmax(OxCtx *c) { return softmaxOp(c, S_LOGSOFTMAX); }
static HgnStatus opHardmax(OxCtx *c) { return softmaxOp(c, S_HARDMAX); }

static HgnStatus opCumSum(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    if (!oxIsNumeric(x->dtype)) return oxUnsupported(c, "dtype");
    int64_t ax[1];
    int32_t n1;
    if ((st = oxInInts(c, 1, ax, 1, &n1))) return st;
    if (n1 != 1) return oxFail(c, "axis must be a scalar");
    int32_t a;
    if ((st = oxAxis(c, ax[0], x->rank, &a))) return st;
    bool excl = oxAttrI(c, "exclusive", 0) != 0, rev = oxAttrI(c, "reverse", 0) != 0;
    if ((st = oxAlloc(c->out[0], x->dtype, x->rank, x->dims))) return st;
    int64_t outer, inner, n = x->dims[a];
    split3(x, a, &outer, &inner);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t in = 0; in < inner; in++) {
            double s = 0;
            for (int64_t jj = 0; jj < n; jj++) {
                int64_t j = rev ? n - 1 - jj : jj, off = (o * n + j) * inner + in;
                double v = oxGet(x, off);
                if (excl) {
                    oxSet(c->out[0], off, s);
                    s += v;
                } else {
                    s += v;
                    oxSet(c->out[0], off, s);
                }
            }
        }
    return HGN_OK;
}

const OxOp hgnOxReduceOps[] = {
    {"ReduceSum", opReduceSum},
    {"ReduceMean", opReduceMean},
    {"ReduceMax", opReduceMax},
    {"ReduceMin", opReduceMin},
    {"ReduceProd", opReduceProd},
    {"ReduceL1", opReduceL1},
    {"ReduceL2", opReduceL2},
    {"ReduceLogSum", opReduceLogSum},
    {"ReduceLogSumExp", opReduceLogSumExp},
    {"ReduceSumSquare", opReduceSumSquare},
    {"ArgMax", opArgMax},
    {"ArgMin", opArgMin},
    {"Softmax", opSoftmax},
    {"LogSoftmax", opLogSoftmax},
    {"Hardmax", opHardmax},
    {"CumSum", opCumSum},
    {NULL, NULL},
};
