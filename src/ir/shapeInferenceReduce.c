/* shapeInferenceReduce.c — shape rules for reductions (ReduceSum/Mean/Max/
 * Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare; axes as attribute or input,
 * keepdims, noop_with_empty_axes) and ArgMax/ArgMin. */
#include "ir/shapeInferenceInt.h"

#include <string.h>

static HgnStatus reduce(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    if (!x) return outSet(c, 0, inType(c, 0), NULL);
    bool keep = attrInt(c, "keepdims", 1) != 0;
    /* axes move from attribute to input: ReduceSum at 13, the others at 18 */
    int inputOpset = !strcmp(c->node->op, "ReduceSum") ? 13 : 18;
    int64_t axes[HGN_MAX_RANK];
    int32_t n = 0;
    bool haveAxes = false;
    if (c->opset < inputOpset) {
        const int64_t *v;
        if (attrInts(c, "axes", &v, &n)) {
            if (n > HGN_MAX_RANK) return inferFail(c, "too many axes");
            memcpy(axes, v, sizeof(int64_t) * (size_t)n);
            haveAxes = true;
        }
    } else if (inHas(c, 1)) {
        if (!inIntsKnown(c, 1, axes, HGN_MAX_RANK, &n)) {
            if (keep) { /* rank kept; sizes unknown */
                HgnShape o = *x;
                for (int32_t i = 0; i < o.rank; i++) o.dims[i] = dimFresh(c, 0, i);
                return outSet(c, 0, inType(c, 0), &o);
            }
            return outSet(c, 0, inType(c, 0), NULL);
        }
        haveAxes = true;
    }
    if (haveAxes && n == 0) haveAxes = false;
    if (!haveAxes && c->opset >= inputOpset && attrInt(c, "noop_with_empty_axes", 0))
        return outSet(c, 0, inType(c, 0), x);
    bool red[HGN_MAX_RANK] = {false};
    if (!haveAxes)
        for (int32_t i = 0; i < x->rank; i++) red[i] = true;
    for (int32_t i = 0; i < n && haveAxes; i++) {
        int32_t a;
        HgnStatus st = normAxis(c, axes[i], x->rank, &a);
        if (st) return st;
        red[a] = true;
    }
    HgnShape o = {.rank = 0};
    for (int32_t i = 0; i < x->rank; i++) {
        if (!red[i])
            o.dims[o.rank++] = x->dims[i];
        else if (keep)
            o.dims[o.rank++] = dimKnown(1);
    }
    return outSet(c, 0, inType(c, 0), &o);
}

static HgnStatus argReduce(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    if (!x) return outSet(c, 0, HGN_DTYPE_I64, NULL);
    int32_t axis;
    HgnStatus st = normAxis(c, attrInt(c, "axis", 0), x->rank, &axis);
    if (st) return st;
    HgnShape o = {.rank = 0};
    bool keep = attrInt(c, "keepdims", 1) != 0;
    for (int32_t i = 0; i < x->rank; i++) {
        if (i != axis)
            o.dims[o.rank++] = x->dims[i];
        else if (keep)
            o.dims[o.rank++] = dimKnown(1);
    }
    return outSet(c, 0, HGN_DTYPE_I64, &o);
}

const InferRule hgnInferReduceRules[] = {{"ReduceSum", 1, reduce},
                                         {"ReduceMean", 1, reduce},
                                         {"ReduceMax", 1, reduce},
                                         {"ReduceMin", 1, reduce},
                                         {"ReduceProd", 1, reduce},
                                         {"ReduceL1", 1, reduce},
                                         {"ReduceL2", 1, reduce},
                                         {"ReduceLogSum", 1, reduce},
                                         {"ReduceLogSumExp", 1, reduce},
                                         {"ReduceSumSquare", 1, reduce},
                                         {"ArgMax", 1, argReduce},
                                         {"ArgMin", 1, argReduce},
                                         {NULL, 0, NULL}};
