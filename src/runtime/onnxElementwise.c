/* onnxElementwise.c — ONNX element-wise operators with multidirectional
 * broadcasting: arithmetic, comparisons, logic, Where, variadic
 * Sum/Mean/Max/Min, unary math and the activation functions. Values are
 * computed in double and stored in the output dtype (f32 for float
 * graphs, int64/int32 for shape arithmetic, bool for predicates). */
#include <math.h>
#include <string.h>

#include "runtime/onnxExec.h"

typedef double (*Bin)(double, double);
typedef double (*Un)(double, const double *p);

/* Iterates out = f(inputs) over the broadcast shape of nT inputs. */
typedef struct BcastIter {
    int32_t rank;
    int64_t dims[HGN_MAX_RANK];
    int64_t st[3][HGN_MAX_RANK];
} BcastIter;

static HgnStatus bcastInit(OxCtx *c, int nT, const OxTensor *const *ts, BcastIter *it) {
    HgnStatus st = oxBroadcastShape(c, nT, ts, &it->rank, it->dims);
    if (st) return st;
    for (int i = 0; i < nT; i++) oxBroadcastStrides(ts[i], it->rank, it->dims, it->st[i]);
    return HGN_OK;
}

/* offsets for flat output index walk: calls body via idx arrays */
#define BCAST_LOOP(it, nT, OFF, BODY)                                                                                  \
    do {                                                                                                               \
        int64_t idx_[HGN_MAX_RANK] = {0};                                                                              \
        int64_t OFF[3] = {0, 0, 0};                                                                                    \
        int64_t total_ = 1;                                                                                            \
        for (int d_ = 0; d_ < (it).rank; d_++) total_ *= (it).dims[d_];                                                \
        for (int64_t o_ = 0; o_ < total_; o_++) {                                                                      \
            int64_t oi = o_;                                                                                           \
            BODY;                                                                                                      \
            for (int d_ = (it).rank - 1; d_ >= 0; d_--) {                                                              \
                idx_[d_]++;                                                                                            \
                for (int t_ = 0; t_ < (nT); t_++) OFF[t_] += (it).st[t_][d_];                                          \
                if (idx_[d_] < (it).dims[d_]) break;                                                                   \
                for (int t_ = 0; t_ < (nT); t_++) OFF[t_] -= (it).st[t_][d_] * (it).dims[d_];                          \
                idx_[d_] = 0;                                                                                          \
            }                                                                                                          \
        }                                                                                                              \
    } while (0)

static bool isInt(HgnDtype t) {
    return t != HGN_DTYPE_F32 && t != HGN_DTYPE_F64 && t != HGN_DTYPE_F16 && t != HGN_DTYPE_BF16;
}

static HgnStatus binary(OxCtx *c, Bin f, bool predicate) {
    HgnStatus st = oxNeedIn(c, 0);
    if (!st) st = oxNeedIn(c, 1);
    if (st) return st;
    const OxTensor *ts[2] = {c->in[0], c->in[1]};
    if (!oxIsNumeric(ts[0]->dtype) || !oxIsNumeric(ts[1]->dtype))
        return oxUnsupported(c, "dtype %s", hgnDtypeName(ts[0]->dtype));
    BcastIter it;
    if ((st = bcastInit(c, 2, ts, &it))) return st;
    OxTensor *o = c->out[0];
    if ((st = oxAlloc(o, predicate ? HGN_DTYPE_BOOL : ts[0]->dtype, it.rank, it.dims))) return st;
    if (ts[0]->dtype == HGN_DTYPE_F32 && ts[1]->dtype == HGN_DTYPE_F32 && !predicate) {
        const float *a = ts[0]->data, *b = ts[1]->data;
        float *y = o->data;
        BCAST_LOOP(it, 2, off, y[oi] = (float)f(a[off[0]], b[off[1]]));
    } else {
        BCAST_LOOP(it, 2, off, oxSet(o, oi, f(oxGet(ts[0], off[0]), oxGet(ts[1], off[1]))));
    }
    return HGN_OK;
}

static double fAdd(double a, double b) { return a + b; }
static double fSub(double a, double b) { return a - b; }
static double fMul(double a, double b) { return a * b; }
static double fDivF(double a, double b) { return a / b; }
static double fDivI(double a, double b) { return b == 0 ? 0 : trunc(a / b); }
static double fPow(double a, double b) { return pow(a, b); }
static double fMax(double a, double b) { return (a != a || b != b) ? NAN : (a > b ? a : b); }
static double fMin(double a, double b) { return (a != a || b != b) ? NAN : (a < b ? a : b); }
static double fEq(double a, double b) { return a == b; }
static double fLt(double a, double b) { return a < b; }
static double fGt(double a, double b) { return a > b; }
static double fLe(double a, double b) { return a <= b; }
static double fGe(double a, double b) { return a >= b; }
static double fAnd(double a, double b) { return a != 0 && b != 0; }
static double fOr(double a, double b) { return a != 0 || b != 0; }
static double fXor(double a, double b) { return (a != 0) != (b != 0); }
static double fFmod(double a, double b) { return fmod(a, b); }
static double fModI(double a, double b) {
    if (b == 0) return 0;
    double r = fmod(a, b);
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
}
static double fPrelu(double x, double s) { return x < 0 ? x * s : x; }

static HgnStatus opAdd(OxCtx *c) { return binary(c, fAdd, false); }
static HgnStatus opSub(OxCtx *c) { return binary(c, fSub, false); }
static HgnStatus opMul(OxCtx *c) { return binary(c, fMul, false); }
static HgnStatus opDiv(OxCtx *c) {
    if (c->nIn >= 1 && c->in[0] && isInt(c->in[0]->dtype)) return binary(c, fDivI, false);
    return binary(c, fDivF, false);
}
static HgnStatus opPow(OxCtx *c) { return binary(c, fPow, false); }
static HgnStatus opEqual(OxCtx *c) { return binary(c, fEq, true); }
static HgnStatus opLess(OxCtx *c) { return binary(c, fLt, true); }
static HgnStatus opGreater(OxCtx *c) { return binary(c, fGt, true); }
static HgnStatus opLessEq(OxCtx *c) { return binary(c, fLe, true); }
static HgnStatus opGreaterEq(OxCtx *c) { return binary(c, fGe, true); }
static HgnStatus opAnd(OxCtx *c) { return binary(c, fAnd, true); }
static HgnStatus opOr(OxCtx *c) { return binary(c, fOr, true); }
static HgnStatus opXor(OxCtx *c) { return binary(c, fXor, true); }
static HgnStatus opPrelu(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (!st) st = oxNeedIn(c, 1);
    if (st) return st;
    const OxTensor *x = c->in[0], *s = c->in[1];
    /* a per-channel slope [C] of an older exporter: broadcast along axis 1 */
    if (s->rank == 1 && x->rank >= 2 && s->n == x->dims[1] && s->n != x->dims[x->rank - 1]) {
        OxTensor view = *s;
        view.rank = x->rank - 1;
        view.dims[0] = s->n;
        for (int i = 1; i < view.rank; i++) view.dims[i] = 1;
        OxCtx sub = *c;
        sub.in[1] = &view;
        return binary(&sub, fPrelu, false);
    }
    return binary(c, fPrelu, false);
}
static HgnStatus opMod(OxCtx *c) {
    if (oxAttrI(c, "fmod", 0) || (c->in[0] && !isInt(c->in[0]->dtype))) {
        if (!oxAttrI(c, "fmod", 0)) return oxUnsupported(c, "float Mod needs fmod=1");
        return binary(c, fFmod, false);
    }
    return binary(c, fModI, false);
}

/* Sum/Mean/Max/Min: fold pairwise into the output */
static HgnStatus variadic(OxCtx *c, Bin f, bool mean) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    OxTensor acc = {0};
    if ((st = oxCopy(&acc, c->in[0]))) return st;
    for (int k = 1; k < c->nIn && !st; k++) {
        if (!c->in[k]) continue;
        OxCtx sub = *c;
        sub.nIn = 2;
        sub.in[0] = &acc;
        sub.in[1] = c->in[k];
        OxTensor tmp = {0};
        sub.out[0] = &tmp;
        st = binary(&sub, f, false);
        oxTensorClear(&acc);
        acc = tmp;
    }
    if (st) {
        oxTensorClear(&acc);
        return st;
    }
    if (mean)
        for (int64_t i = 0; i < acc.n; i++) oxSet(&acc, i, oxGet(&acc, i) / c->nIn);
    oxTensorClear(c->out[0]);
    *c->out[0] = acc;
    return HGN_OK;
}
static HgnStatus opSum(OxCtx *c) { return variadic(c, fAdd, false); }
static HgnStatus opMean(OxCtx *c) { return variadic(c, fAdd, true); }
static HgnStatus opMax(OxCtx *c) { return variadic(c, fMax, false); }
static HgnStatus opMin(OxCtx *c) { return variadic(c, fMin, false); }

static HgnStatus opWhere(OxCtx *c) {
    HgnStatus st = HGN_OK;
    for (int k = 0; k < 3 && !st; k++) st = oxNeedIn(c, k);
    if (st) return st;
    const OxTensor *ts[3] = {c->in[0], c->in[1], c->in[2]};
    BcastIter it;
    if ((st = bcastInit(c, 3, ts, &it))) return st;
    OxTensor *o = c->out[0];
    if ((st = oxAlloc(o, ts[1]->dtype, it.rank, it.dims))) return st;
    size_t es = oxElemSize(o->dtype);
    const uint8_t *cond = ts[0]->data;
    if (ts[0]->dtype != HGN_DTYPE_BOOL) return oxFail(c, "condition must be bool");
    if (ts[1]->dtype != ts[2]->dtype) return oxFail(c, "X and Y differ in dtype");
    BCAST_LOOP(it, 3, off,
               memcpy((char *)o->data + oi * es,
                      cond[off[0]] ? (const char *)ts[1]->data + off[1] * es : (const char *)ts[2]->data + off[2] * es,
                      es));
    return HGN_OK;
}

/* ---- unary ---- */
static HgnStatus unary(OxCtx *c, Un f, const double *p, HgnDtype outType) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    if (!oxIsNumeric(x->dtype)) return oxUnsupported(c, "dtype %s", hgnDtypeName(x->dtype));
    OxTensor *o = c->out[0];
    if ((st = oxAlloc(o, outType == HGN_DTYPE_UNKNOWN ? x->dtype : outType, x->rank, x->dims))) return st;
    if (x->dtype == HGN_DTYPE_F32 && o->dtype == HGN_DTYPE_F32) {
        const float *a = x->data;
        float *y = o->data;
        for (int64_t i = 0; i < x->n; i++) y[i] = (float)f(a[i], p);
    } else {
        for (int64_t i = 0; i < x->n; i++) oxSet(o, i, f(oxGet(x, i), p));
    }
    return HGN_OK;
}

#define UNARY(name, expr)                                                                                              \
    static double u##name(double x, const double *p) {                                                                 \
        (void)p;                                                                                                       \
        return (expr);                                                                                                 \
    }                                                                                                                  \
    static HgnStatus op##name(OxCtx *c) { return unary(c, u##name, NULL, HGN_DTYPE_UNKNOWN); }

static float sigm(double x) { return (float)(x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x))); }

UNARY(Abs, fabs(x))
UNARY(Neg, -x)
UNARY(Floor, floor(x))
UNARY(Ceil, ceil(x))
UNARY(Round, nearbyint(x))
UNARY(Sqrt, sqrt(x))
UNARY(Exp, exp(x))
UNARY(Log, log(x))
UNARY(Reciprocal, 1.0 / x)
UNARY(Sign, x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0))
UNARY(Sin, sin(x))
UNARY(Cos, cos(x))
UNARY(Tan, tan(x))
UNARY(Asin, asin(x))
UNARY(Acos, acos(x))
UNARY(Atan, atan(x))
UNARY(Sinh, sinh(x))
UNARY(Cosh, cosh(x))
UNARY(Asinh, asinh(x))
UNARY(Acosh, acosh(x))
UNARY(Atanh, atanh(x))
UNARY(Tanh, tanh(x))
UNARY(Erf, erf(x))
UNARY(Relu, x > 0 ? x : 0.0)
UNARY(Sigmoid, sigm(x))
UNARY(Softsign, x / (1.0 + fabs(x)))
UNARY(Softplus, x > 30 ? x : log1p(exp(x)))
UNARY(Mish, x *tanh(x > 30 ? x : log1p(exp(x))))
UNARY(HardSwish, x *fmax(0.0, fmin(1.0, x / 6.0 + 0.5)))

static double uLeaky(double x, const double *p) { return x < 0 ? x * p[0] : x; }
static double uElu(double x, const double *p) { return x < 0 ? p[0] * (exp(x) - 1.0) : x; }
static double uSelu(double x, const double *p) { return x <= 0 ? p[1] * (p[0] * exp(x) - p[0]) : p[1] * x; }
static double uCelu(double x, const double *p) { return fmax(0.0, x) + fmin(0.0, p[0] * (exp(x / p[0]) - 1.0)); }
static double uHardSigmoid(double x, const double *p) { return fmax(0.0, fmin(1.0, p[0] * x + p[1])); }
static double uThresholded(double x, const double *p) { return x > p[0] ? x : 0.0; }
static double uClip(double x, const double *p) { return x < p[0] ? p[0] : (x > p[1] ? p[1] : x); }
static double uNot(double x, const double *p) {
    (void)p;
    return x == 0;
}
static double uIsNaN(double x, const double *p) {
    (void)p;
    return x != x;
}
static double uIsInf(double x, const double *p) { return isinf(x) && ((x > 0 && p[0] != 0) || (x < 0 && p[1] != 0)); }
static double uGelu(double x, const double *p) {
    if (p[0] != 0) return 0.5 * x * (1.0 + tanh(sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
    return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
}

static HgnStatus opLeakyRelu(OxCtx *c) {
    double p[1] = {oxAttrF(c, "alpha", 0.01f)};
    return unary(c, uLeaky, p, HGN_DTYPE_UNKNOWN);
}
static HgnStatus opElu(OxCtx *c) {
    double p[1] = {oxAttrF(c, "alpha", 1.0f)};
    return unary(c, uElu, p, HGN_DTYPE_UNKNOWN);
}
static HgnStatus opSelu(OxCtx *c) {
    double p[2] = {oxAttrF(c, "alpha", 1.67326319217681884765625f), oxAttrF(c, "gamma", 1.05070102214813232421875f)};
    return unary(c, uSelu, p, HGN_DTYPE_UNKNOWN);
}
static HgnStatus opCelu(OxCtx *c) {
    double p[1] = {oxAttrF(c, "alpha", 1.0f)};
    return unary(c, uCelu, p, HGN_DTYPE_UNKNOWN);
}
static HgnStatus opHardSigmoid(OxCtx *c) {
    double p[2] = {oxAttrF(c, "alpha", 0.2f), oxAttrF(c, "beta", 0.5f)};
    return unary(c, uHardSigmoid, p, HGN_DTYPE_UNKNOWN);
}
static HgnStatus opThresholdedRelu(OxCtx *c) {
    double p[1] = {oxAttrF(c, "alpha", 1.0f)};
    return unary(c, uThresholded, p, HGN_DTYPE_UNKNOWN);
}
static HgnStatus opGelu(OxCtx *c) {
    const char *a = hgnNodeAttrString(c->node, "approximate", "none");
    double p[1] = {strcmp(a, "tanh") == 0};
    return unary(c, uGelu, p, HGN_DTYPE_UNKNOWN);
}
static HgnStatus opClip(OxCtx *c) {
    double p[2] = {-INFINITY, INFINITY};
    if (c->opset < 11) {
        p[0] = oxAttrF(c, "min", -INFINITY);
        p[1] = oxAttrF(c, "max", INFINITY);
    } else {
        if (c->nIn > 1 && c->in[1]) {
            if (c->in[1]->n != 1) return oxFail(c, "min must be a scalar");
            p[0] = oxGet(c->in[1], 0);
        }
        if (c->nIn > 2 && c->in[2]) {
            if (c->in[2]->n != 1) return oxFail(c, "max must be a scalar");
            p[1] = oxGet(c->in[2], 0);
        }
    }
    return unary(c, uClip, p, HGN_DTYPE_UNKNOWN);
}
static double uShrink(double x, const double *p) { return x < -p[0] ? x + p[1] : (x > p[0] ? x - p[1] : 0.0); }
static HgnStatus opShrink(OxCtx *c) {
    double p[2] = {oxAttrF(c, "lambd", 0.5f), oxAttrF(c, "bias", 0.0f)};
    return unary(c, uShrink, p, HGN_DTYPE_UNKNOWN);
}
static HgnStatus opNot(OxCtx *c) { return unary(c, uNot, NULL, HGN_DTYPE_BOOL); }
static HgnStatus opIsNaN(OxCtx *c) { return unary(c, uIsNaN, NULL, HGN_DTYPE_BOOL); }
static HgnStatus opIsInf(OxCtx *c) {
    double p[2] = {(double)oxAttrI(c, "detect_positive", 1), (double)oxAttrI(c, "detect_negative", 1)};
    return unary(c, uIsInf, p, HGN_DTYPE_BOOL);
}

const OxOp hgnOxElementwiseOps[] = {
    {"Add", opAdd},
    {"Sub", opSub},
    {"Mul", opMul},
    {"Div", opDiv},
    {"Pow", opPow},
    {"Mod", opMod},
    {"Equal", opEqual},
    {"Less", opLess},
    {"Greater", opGreater},
    {"LessOrEqual", opLessEq},
    {"GreaterOrEqual", opGreaterEq},
    {"And", opAnd},
    {"Or", opOr},
    {"Xor", opXor},
    {"PRelu", opPrelu},
    {"Sum", opSum},
    {"Mean", opMean},
    {"Max", opMax},
    {"Min", opMin},
    {"Where", opWhere},
    {"Abs", opAbs},
    {"Neg", opNeg},
    {"Floor", opFloor},
    {"Ceil", opCeil},
    {"Round", opRound},
    {"Sqrt", opSqrt},
    {"Exp", opExp},
    {"Log", opLog},
    {"Reciprocal", opReciprocal},
    {"Sign", opSign},
    {"Sin", opSin},
    {"Cos", opCos},
    {"Tan", opTan},
    {"Asin", opAsin},
    {"Acos", opAcos},
    {"Atan", opAtan},
    {"Sinh", opSinh},
    {"Cosh", opCosh},
    {"Asinh", opAsinh},
    {"Acosh", opAcosh},
    {"Atanh", opAtanh},
    {"Tanh", opTanh},
    {"Erf", opErf},
    {"Relu", opRelu},
    {"Sigmoid", opSigmoid},
    {"Softsign", opSoftsign},
    {"Softplus", opSoftplus},
    {"Mish", opMish},
    {"HardSwish", opHardSwish},
    {"LeakyRelu", opLeakyRelu},
    {"Elu", opElu},
    {"Selu", opSelu},
    {"Celu", opCelu},
    {"HardSigmoid", opHardSigmoid},
    {"ThresholdedRelu", opThresholdedRelu},
    {"Gelu", opGelu},
    {"Clip", opClip},
    {"Not", opNot},
    {"Shrink", opShrink},
    {"IsNaN", opIsNaN},
    {"IsInf", opIsInf},
    {NULL, NULL},
};
