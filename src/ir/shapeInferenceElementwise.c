/* shapeInferenceElementwise.c — shape rules for elementwise operators:
 * unary maths and activations, multidirectional-broadcast binary and
 * variadic ops, comparisons and logic, Where, Cast/CastLike, Identity,
 * Dropout, normalisations, and integer folding of these ops. */
#include "ir/shapeInferenceInt.h"

#include <string.h>

/* ---- folding of small integer tensors -------------------------------------------- */
static bool foldBinary(const char *op, HgnDim a, HgnDim b, HgnDim *out) {
    if (dimIsKnown(a) && dimIsKnown(b)) {
        int64_t x = a.n, y = b.n, r;
        if (!strcmp(op, "Add")) {
            if (!ckAdd(x, y, &r)) return false;
        } else if (!strcmp(op, "Sub")) {
            if (!ckSub(x, y, &r)) return false;
        } else if (!strcmp(op, "Mul")) {
            if (!ckMul(x, y, &r)) return false;
        } else if (!strcmp(op, "Div")) {
            if (!y || (x == INT64_MIN && y == -1)) return false;
            r = x / y;
        } else if (!strcmp(op, "Mod")) {
            if (!y || (x == INT64_MIN && y == -1)) return false;
            r = x % y;
            if (r != 0 && ((r < 0) != (y < 0))) r += y; /* fmod=0: sign of divisor */
        } else if (!strcmp(op, "Max"))
            r = x > y ? x : y;
        else if (!strcmp(op, "Min"))
            r = x < y ? x : y;
        else if (!strcmp(op, "Equal"))
            r = x == y;
        else if (!strcmp(op, "Less"))
            r = x < y;
        else if (!strcmp(op, "Greater"))
            r = x > y;
        else if (!strcmp(op, "LessOrEqual"))
            r = x <= y;
        else if (!strcmp(op, "GreaterOrEqual"))
            r = x >= y;
        else if (!strcmp(op, "And"))
            r = x && y;
        else if (!strcmp(op, "Or"))
            r = x || y;
        else
            return false;
        *out = dimKnown(r);
        return true;
    }
    /* symbolic identities */
    if ((!strcmp(op, "Add") || !strcmp(op, "Sub")) && dimIsKnown(b) && b.n == 0) return *out = a, true;
    if (!strcmp(op, "Add") && dimIsKnown(a) && a.n == 0) return *out = b, true;
    if ((!strcmp(op, "Mul") || !strcmp(op, "Div")) && dimIsKnown(b) && b.n == 1) return *out = a, true;
    if (!strcmp(op, "Mul") && dimIsKnown(a) && a.n == 1) return *out = b, true;
    if (!strcmp(op, "Equal") && dimEq(a, b)) return *out = dimKnown(1), true;
    if ((!strcmp(op, "Max") || !strcmp(op, "Min")) && dimEq(a, b)) return *out = a, true;
    return false;
}

static HgnStatus foldBinaryOutputs(InferCtx *c) {
    const HgnDim *a, *b;
    int32_t na, nb;
    if (!inInts(c, 0, &a, &na) || !inInts(c, 1, &b, &nb)) return HGN_OK;
    if (inRank(c, 0) > 1 || inRank(c, 1) > 1) return HGN_OK;
    int32_t n = na > nb ? na : nb;
    if ((na != n && na != 1) || (nb != n && nb != 1)) return HGN_OK;
    HgnDim r[HGN_FOLD_MAX];
    for (int32_t i = 0; i < n; i++) {
        HgnDim x = a[na == 1 ? 0 : i], y = b[nb == 1 ? 0 : i];
        if (!foldBinary(c->node->op, x, y, &r[i])) {
            if (!strcmp(c->node->op, "Mul") || !strcmp(c->node->op, "Add") || !strcmp(c->node->op, "Sub") ||
                !strcmp(c->node->op, "Div"))
                r[i] = dimFresh(c, 0, 100 + i); /* unknown value, e.g. batch*seq */
            else
                return HGN_OK;
        }
    }
    return outInts(c, 0, r, n);
}

/* ---- rules ------------------------------------------------------------------------- */
static HgnStatus unary(InferCtx *c) {
    HgnStatus st = inferSameAsInput0(c);
    if (st) return st;
    const char *op = c->node->op;
    const HgnDim *e;
    int32_t n;
    if (inInts(c, 0, &e, &n)) {
        if (!strcmp(op, "Identity")) return outInts(c, 0, e, n);
        if (!strcmp(op, "Neg") || !strcmp(op, "Abs")) {
            HgnDim r[HGN_FOLD_MAX];
            for (int32_t i = 0; i < n; i++) {
                if (!dimIsKnown(e[i]) || e[i].n == INT64_MIN) return HGN_OK;
                r[i] = dimKnown(!strcmp(op, "Neg") ? -e[i].n : (e[i].n < 0 ? -e[i].n : e[i].n));
            }
            return outInts(c, 0, r, n);
        }
    }
    return HGN_OK;
}

static HgnStatus toBool(InferCtx *c) { return outSet(c, 0, HGN_DTYPE_BOOL, inShape(c, 0)); }

/* Legacy (opset < 7) broadcasting: B broadcasts onto A; the output has A's shape. */
static bool legacyBroadcast(InferCtx *c) { return c->opset < 7; }

static HgnStatus binaryShape(InferCtx *c, HgnDtype dtype) {
    const HgnShape *a = inShape(c, 0), *b = inShape(c, 1);
    if (!inHas(c, 0) || !inHas(c, 1)) return inferFail(c, "needs two inputs");
    if (legacyBroadcast(c)) return outSet(c, 0, dtype, a);
    if (!a || !b) return outSet(c, 0, dtype, NULL);
    HgnShape o;
    HgnStatus st = broadcast(c, a, b, &o);
    if (st) return st;
    if ((st = outSet(c, 0, dtype, &o))) return st;
    return foldBinaryOutputs(c);
}

static HgnStatus binary(InferCtx *c) { return binaryShape(c, inType(c, 0)); }
static HgnStatus compare(InferCtx *c) { return binaryShape(c, HGN_DTYPE_BOOL); }

static HgnStatus prelu(InferCtx *c) {
    const HgnShape *a = inShape(c, 0), *b = inShape(c, 1);
    if (!a || !b || legacyBroadcast(c)) return outSet(c, 0, inType(c, 0), a);
    HgnShape o;
    HgnStatus st = broadcast(c, a, b, &o); /* unidirectional: slope broadcasts onto X */
    if (st) return st;
    return outSet(c, 0, inType(c, 0), &o);
}

static HgnStatus variadic(InferCtx *c) {
    if (c->node->nInputs < 1) return inferFail(c, "needs at least one input");
    HgnShape acc;
    const HgnShape *s0 = inShape(c, 0);
    if (!s0) return outSet(c, 0, inType(c, 0), NULL);
    acc = *s0;
    for (int k = 1; k < c->node->nInputs; k++) {
        const HgnShape *s = inShape(c, k);
        if (!s) return outSet(c, 0, inType(c, 0), NULL);
        if (c->opset < 8) continue; /* before opset 8 every input has the first one's shape */
        HgnShape o;
        HgnStatus st = broadcast(c, &acc, s, &o);
        if (st) return st;
        acc = o;
    }
    HgnStatus st = outSet(c, 0, inType(c, 0), &acc);
    if (st) return st;
    if (c->node->nInputs == 2 && (!strcmp(c->node->op, "Max") || !strcmp(c->node->op, "Min")))
        return foldBinaryOutputs(c);
    return HGN_OK;
}

static HgnStatus whereRule(InferCtx *c) {
    const HgnShape *s0 = inShape(c, 0), *s1 = inShape(c, 1), *s2 = inShape(c, 2);
    if (!s0 || !s1 || !s2) return outSet(c, 0, inType(c, 1), NULL);
    HgnShape t, o;
    HgnStatus st = broadcast(c, s0, s1, &t);
    if (!st) st = broadcast(c, &t, s2, &o);
    if (!st) st = outSet(c, 0, inType(c, 1), &o);
    if (st) return st;
    /* fold Where(cond, x, y) on small integer vectors */
    const HgnDim *cd, *x, *y;
    int32_t nc, nx, ny;
    if (o.rank <= 1 && inInts(c, 0, &cd, &nc) && inInts(c, 1, &x, &nx) && inInts(c, 2, &y, &ny)) {
        int32_t n = nc;
        if (nx > n) n = nx;
        if (ny > n) n = ny;
        if ((nc != n && nc != 1) || (nx != n && nx != 1) || (ny != n && ny != 1)) return HGN_OK;
        HgnDim r[HGN_FOLD_MAX];
        for (int32_t i = 0; i < n; i++) {
            HgnDim ci = cd[nc == 1 ? 0 : i];
            if (!dimIsKnown(ci)) return HGN_OK;
            r[i] = ci.n ? x[nx == 1 ? 0 : i] : y[ny == 1 ? 0 : i];
        }
        return outInts(c, 0, r, n);
    }
    return HGN_OK;
}

static bool onnxToDtype(int64_t t, HgnDtype *out) {
    static const HgnDtype map[] = {
        [1] = HGN_DTYPE_F32,  [2] = HGN_DTYPE_U8,    [3] = HGN_DTYPE_I8,       [4] = HGN_DTYPE_U16,
        [5] = HGN_DTYPE_I16,  [6] = HGN_DTYPE_I32,   [7] = HGN_DTYPE_I64,      [8] = HGN_DTYPE_STRING,
        [9] = HGN_DTYPE_BOOL, [10] = HGN_DTYPE_F16,  [11] = HGN_DTYPE_F64,     [12] = HGN_DTYPE_U32,
        [13] = HGN_DTYPE_U64, [16] = HGN_DTYPE_BF16, [17] = HGN_DTYPE_F8_E4M3, [19] = HGN_DTYPE_F8_E5M2,
    };
    if (t <= 0 || t >= (int64_t)(sizeof map / sizeof map[0]) || map[t] == HGN_DTYPE_UNKNOWN) return false;
    *out = map[t];
    return true;
}

static HgnStatus dtypeAttr(InferCtx *c, const char *name, HgnDtype dflt, HgnDtype *out) {
    const HgnAttr *a = hgnNodeAttr(c->node, name);
    if (!a) {
        *out = dflt;
        return HGN_OK;
    }
    if (a->type == HGN_ATTR_STRING) { /* Cast opset 6 used strings: "FLOAT" */
        static const struct {
            const char *n;
            HgnDtype t;
        } names[] = {{"FLOAT", HGN_DTYPE_F32},    {"FLOAT16", HGN_DTYPE_F16}, {"DOUBLE", HGN_DTYPE_F64},
                     {"INT8", HGN_DTYPE_I8},      {"INT16", HGN_DTYPE_I16},   {"INT32", HGN_DTYPE_I32},
                     {"INT64", HGN_DTYPE_I64},    {"UINT8", HGN_DTYPE_U8},    {"UINT16", HGN_DTYPE_U16},
                     {"UINT32", HGN_DTYPE_U32},   {"UINT64", HGN_DTYPE_U64},  {"BOOL", HGN_DTYPE_BOOL},
                     {"STRING", HGN_DTYPE_STRING}};
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (!strcmp(a->s, names[i].n)) return *out = names[i].t, HGN_OK;
        return inferFail(c, "attribute %s names unknown type '%s'", name, a->s);
    }
    if (!onnxToDtype(a->i, out)) return inferFail(c, "attribute %s names unsupported type %lld", name, (long long)a->i);
    return HGN_OK;
}

static HgnStatus cast(InferCtx *c) {
    HgnDtype t;
    HgnStatus st = dtypeAttr(c, "to", HGN_DTYPE_UNKNOWN, &t);
    if (st) return st;
    if (t == HGN_DTYPE_UNKNOWN) return inferFail(c, "Cast needs attribute 'to'");
    if ((st = outSet(c, 0, t, inShape(c, 0)))) return st;
    const HgnDim *e;
    int32_t n;
    HgnDtypeKind k = hgnDtypeInfo(t)->kind;
    if ((k == HGN_DTYPE_KIND_S || k == HGN_DTYPE_KIND_U || k == HGN_DTYPE_KIND_F) && inInts(c, 0, &e, &n))
        return outInts(c, 0, e, n); /* integers stay exact through a cast to float */
    return HGN_OK;
}

static HgnStatus castLike(InferCtx *c) {
    HgnStatus st = outSet(c, 0, inType(c, 1), inShape(c, 0));
    const HgnDim *e;
    int32_t n;
    if (!st && inInts(c, 0, &e, &n)) st = outInts(c, 0, e, n);
    return st;
}

static HgnStatus dtypeFromAttr(InferCtx *c) { /* Bernoulli, RandomUniformLike, EyeLike: dtype attr or input's */
    HgnDtype t;
    HgnStatus st = dtypeAttr(c, "dtype", inType(c, 0), &t);
    if (st) return st;
    return outSet(c, 0, t, inShape(c, 0));
}

static HgnStatus dropout(InferCtx *c) {
    HgnStatus st = inferSameAsInput0(c);
    if (!st) st = outSet(c, 1, c->opset >= 10 ? HGN_DTYPE_BOOL : inType(c, 0), inShape(c, 0));
    return st;
}

static HgnStatus batchNorm(InferCtx *c) {
    HgnStatus st = inferSameAsInput0(c);
    if (st) return st;
    const HgnShape *x = inShape(c, 0);
    HgnShape ch = {.rank = 1};
    ch.dims[0] = x && x->rank >= 2 ? x->dims[1] : dimFresh(c, 1, 0);
    for (int k = 1; k < outCount(c) && !st; k++) st = outSet(c, k, inType(c, 1), &ch);
    return st;
}

static HgnStatus layerNorm(InferCtx *c) {
    HgnStatus st = inferSameAsInput0(c);
    if (st) return st;
    const HgnShape *x = inShape(c, 0);
    if (!x) return HGN_OK;
    int32_t axis;
    if ((st = normAxis(c, attrInt(c, "axis", -1), x->rank, &axis))) return st;
    HgnShape m = *x;
    for (int32_t i = axis; i < m.rank; i++) m.dims[i] = dimKnown(1);
    HgnDtype stash;
    if ((st = dtypeAttr(c, "stash_type", HGN_DTYPE_F32, &stash))) return st;
    if (!st) st = outSet(c, 1, stash, &m);
    if (!st) st = outSet(c, 2, stash, &m);
    return st;
}

static HgnStatus quantizeLinear(InferCtx *c) {
    return outSet(c, 0, inHas(c, 2) ? inType(c, 2) : HGN_DTYPE_U8, inShape(c, 0));
}
static HgnStatus dequantizeLinear(InferCtx *c) { return outSet(c, 0, HGN_DTYPE_F32, inShape(c, 0)); }
static HgnStatus dynamicQuantizeLinear(InferCtx *c) {
    HgnShape scalar = {.rank = 0};
    HgnStatus st = outSet(c, 0, HGN_DTYPE_U8, inShape(c, 0));
    if (!st) st = outSet(c, 1, HGN_DTYPE_F32, &scalar);
    if (!st) st = outSet(c, 2, HGN_DTYPE_U8, &scalar);
    return st;
}

static HgnStatus lossRule(InferCtx *c) { /* NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss */
    const char *red = attrString(c, "reduction", "mean");
    HgnShape scalar = {.rank = 0};
    HgnStatus st;
    if (!strcmp(red, "none"))
        st = outSet(c, 0, inType(c, 0), inShape(c, 1));
    else
        st = outSet(c, 0, inType(c, 0), &scalar);
    if (!st) st = outSet(c, 1, inType(c, 0), inShape(c, 0)); /* log_prob */
    return st;
}

const InferRule hgnInferElementwiseRules[] = {
    /* unary maths and activations: same shape and type */
    {"Abs", 1, unary},
    {"Neg", 1, unary},
    {"Exp", 1, unary},
    {"Log", 1, unary},
    {"Sqrt", 1, unary},
    {"Relu", 1, unary},
    {"Sigmoid", 1, unary},
    {"Tanh", 1, unary},
    {"Erf", 1, unary},
    {"Ceil", 1, unary},
    {"Floor", 1, unary},
    {"Round", 1, unary},
    {"Reciprocal", 1, unary},
    {"Sign", 1, unary},
    {"Sin", 1, unary},
    {"Cos", 1, unary},
    {"Tan", 1, unary},
    {"Asin", 1, unary},
    {"Acos", 1, unary},
    {"Atan", 1, unary},
    {"Sinh", 1, unary},
    {"Cosh", 1, unary},
    {"Asinh", 1, unary},
    {"Acosh", 1, unary},
    {"Atanh", 1, unary},
    {"LeakyRelu", 1, unary},
    {"Elu", 1, unary},
    {"Selu", 1, unary},
    {"HardSigmoid", 1, unary},
    {"HardSwish", 1, unary},
    {"Softplus", 1, unary},
    {"Softsign", 1, unary},
    {"Celu", 1, unary},
    {"ThresholdedRelu", 1, unary},
    {"Shrink", 1, unary},
    {"Gelu", 1, unary},
    {"Mish", 1, unary},
    {"Clip", 1, unary},
    {"Identity", 1, unary},
    {"Softmax", 1, unary},
    {"LogSoftmax", 1, unary},
    {"Hardmax", 1, unary},
    {"LRN", 1, unary},
    {"MeanVarianceNormalization", 1, unary},
    {"InstanceNormalization", 1, unary},
    {"LpNormalization", 1, unary},
    {"Trilu", 1, unary},
    {"CumSum", 1, unary},
    {"ReverseSequence", 1, unary},
    {"Scatter", 1, unary},
    {"ScatterElements", 1, unary},
    {"ScatterND", 1, unary},
    {"Not", 1, unary},
    {"BitwiseNot", 1, unary},
    {"IsNaN", 1, toBool},
    {"IsInf", 1, toBool},
    /* broadcasting binary */
    {"Add", 1, binary},
    {"Sub", 1, binary},
    {"Mul", 1, binary},
    {"Div", 1, binary},
    {"Pow", 1, binary},
    {"Mod", 1, binary},
    {"BitShift", 1, binary},
    {"BitwiseAnd", 1, binary},
    {"BitwiseOr", 1, binary},
    {"BitwiseXor", 1, binary},
    {"PRelu", 1, prelu},
    {"And", 1, compare},
    {"Or", 1, compare},
    {"Xor", 1, compare},
    {"Equal", 1, compare},
    {"Less", 1, compare},
    {"Greater", 1, compare},
    {"LessOrEqual", 1, compare},
    {"GreaterOrEqual", 1, compare},
    {"Max", 1, variadic},
    {"Min", 1, variadic},
    {"Sum", 1, variadic},
    {"Mean", 1, variadic},
    {"Where", 9, whereRule},
    {"Cast", 1, cast},
    {"CastLike", 15, castLike},
    {"Bernoulli", 15, dtypeFromAttr},
    {"RandomUniformLike", 1, dtypeFromAttr},
    {"RandomNormalLike", 1, dtypeFromAttr},
    {"EyeLike", 9, dtypeFromAttr},
    {"Dropout", 1, dropout},
    {"BatchNormalization", 1, batchNorm},
    {"LayerNormalization", 17, layerNorm},
    {"QuantizeLinear", 10, quantizeLinear},
    {"DequantizeLinear", 10, dequantizeLinear},
    {"DynamicQuantizeLinear", 11, dynamicQuantizeLinear},
    {"NegativeLogLikelihoodLoss", 12, lossRule},
    {"SoftmaxCrossEntropyLoss", 12, lossRule},
    {NULL, 0, NULL}};
