/* onnxLoss.c — ONNX loss functions: NegativeLogLikelihoodLoss and
 * SoftmaxCrossEntropyLoss (with the optional log_prob output), reductions
 * none/sum/mean, class weights and ignore_index. */
#include <math.h>
#include <string.h>

#include "runtime/onnxExec.h"

/* loss over logp [N,C,D] (D = product of the trailing dims) */
static HgnStatus nll(OxCtx *c, const float *logp, const OxTensor *x, const OxTensor *target, const OxTensor *w,
                     OxTensor *out) {
    if (x->rank < 2) return oxFail(c, "input must have rank >= 2");
    int64_t N = x->dims[0], C = x->dims[1], D = 1;
    for (int i = 2; i < x->rank; i++) D *= x->dims[i];
    if (target->n != N * D || !oxIsNumeric(target->dtype)) return oxFail(c, "target shape does not match");
    if (w && (w->dtype != HGN_DTYPE_F32 || w->n != C)) return oxFail(c, "weight must be f32 [C]");
    const char *red = hgnNodeAttrString(c->node, "reduction", "mean");
    int r = !strcmp(red, "none") ? 0 : !strcmp(red, "sum") ? 1 : !strcmp(red, "mean") ? 2 : -1;
    if (r < 0) return oxFail(c, "reduction %s", red);
    const HgnAttr *ia = hgnNodeAttr(c->node, "ignore_index");
    int64_t ignore = ia ? ia->i : INT64_MIN;
    HgnStatus st;
    if (r == 0) {
        int64_t d[HGN_MAX_RANK];
        d[0] = N;
        for (int i = 2; i < x->rank; i++) d[i - 1] = x->dims[i];
        st = oxAlloc(out, HGN_DTYPE_F32, x->rank - 1, d);
    } else
        st = oxAlloc(out, HGN_DTYPE_F32, 0, NULL);
    if (st) return st;
    float *y = out->data;
    double sum = 0, wsum = 0;
    for (int64_t n = 0; n < N; n++)
        for (int64_t k = 0; k < D; k++) {
            int64_t t = oxGetI(target, n * D + k);
            double l = 0, wt = 0;
            if (t != ignore) {
                if (t < 0 || t >= C) return oxFail(c, "target %lld out of range", (long long)t);
                wt = w ? ((const float *)w->data)[t] : 1.0;
                l = -logp[(n * C + t) * D + k] * wt;
            }
            if (r == 0) y[n * D + k] = (float)l;
            sum += l;
            wsum += wt;
        }
    if (r == 1) y[0] = (float)sum;
    if (r == 2) y[0] = (float)(wsum != 0 ? sum / wsum : 0.0);
    return HGN_OK;
}

static HgnStatus opNll(OxCtx *c) {
    HgnStatus st = oxNeedF32(c, 0);
    if (!st) st = oxNeedIn(c, 1);
    if (st) return st;
    return nll(c, c->in[0]->data, c->in[0], c->in[1], c->nIn > 2 ? c->in[2] : NULL, c->out[0]);
}

static HgnStatus opSce(OxCtx *c) {
    HgnStatus st = oxNeedF32(c, 0);
    if (!st) st = oxNeedIn(c, 1);
    if (st) return st;
    const OxTensor *x = c->in[0];
    if (x->rank < 2) return oxFail(c, "scores must have rank >= 2");
    OxTensor lp = {0};
    if ((st = oxAlloc(&lp, HGN_DTYPE_F32, x->rank, x->dims))) return st;
    int64_t N = x->dims[0], C = x->dims[1], D = 1;
    for (int i = 2; i < x->rank; i++) D *= x->dims[i];
    const float *xs = x->data;
    float *l = lp.data;
    for (int64_t n = 0; n < N; n++)
        for (int64_t k = 0; k < D; k++) {
            double mx = -INFINITY, s = 0;
            for (int64_t j = 0; j < C; j++) mx = fmax(mx, xs[(n * C + j) * D + k]);
            for (int64_t j = 0; j < C; j++) s += exp(xs[(n * C + j) * D + k] - mx);
            double ls = s > 0 ? log(s) : -INFINITY; /* C = 0: no class at all */
            for (int64_t j = 0; j < C; j++) l[(n * C + j) * D + k] = (float)(xs[(n * C + j) * D + k] - mx - ls);
        }
    st = nll(c, l, x, c->in[1], c->nIn > 2 ? c->in[2] : NULL, c->out[0]);
    if (!st && c->nOut > 1 && c->out[1]) {
        oxTensorClear(c->out[1]);
        *c->out[1] = lp;
        return HGN_OK;
    }
    oxTensorClear(&lp);
    return st;
}

const OxOp hgnOxLossOps[] = {
    {"NegativeLogLikelihoodLoss", opNll},
    {"SoftmaxCrossEntropyLoss", opSce},
    {NULL, NULL},
};
