/* onnxNorm.c — ONNX normalisations: BatchNormalization (inference),
 * InstanceNormalization, LayerNormalization, GroupNormalization,
 * LpNormalization, MeanVarianceNormalization and LRN. */
#include <math.h>
#include <string.h>

#include "runtime/onnxExec.h"

static HgnStatus opBatchNorm(OxCtx *c) {
    HgnStatus st = HGN_OK;
    for (int k = 0; k < 5 && !st; k++) st = oxNeedF32(c, k);
    if (st) return st;
    if (oxAttrI(c, "training_mode", 0) || (c->nOut > 1 && c->out[1])) return oxUnsupported(c, "training mode");
    const OxTensor *x = c->in[0];
    if (x->rank < 2) return oxFail(c, "rank < 2");
    int64_t C = x->dims[1], S = 1;
    for (int i = 2; i < x->rank; i++) S *= x->dims[i];
    for (int k = 1; k < 5; k++)
        if (c->in[k]->n != C)
            return oxFail(c, "parameter %d has %lld values, C is %lld", k, (long long)c->in[k]->n, (long long)C);
    double eps = oxAttrF(c, "epsilon", 1e-5f);
    if ((st = oxAlloc(c->out[0], HGN_DTYPE_F32, x->rank, x->dims))) return st;
    const float *sc = c->in[1]->data, *b = c->in[2]->data, *mean = c->in[3]->data, *var = c->in[4]->data;
    const float *xs = x->data;
    float *y = c->out[0]->data;
    for (int64_t n = 0; n < x->dims[0]; n++)
        for (int64_t ch = 0; ch < C; ch++) {
            double k = sc[ch] / sqrt(var[ch] + eps), o = b[ch] - mean[ch] * k;
            int64_t base = (n * C + ch) * S;
            for (int64_t i = 0; i < S; i++) y[base + i] = (float)(xs[base + i] * k + o);
        }
    return HGN_OK;
}

/* normalise each of `groups` contiguous runs of len, then per-channel affine */
static void normRuns(const float *x, float *y, int64_t runs, int64_t len, double eps) {
    for (int64_t r = 0; r < runs; r++) {
        const float *xr = x + r * len;
        float *yr = y + r * len;
        double m = 0, v = 0;
        for (int64_t i = 0; i < len; i++) m += xr[i];
        m /= (double)len;
        for (int64_t i = 0; i < len; i++) v += (xr[i] - m) * (xr[i] - m);
        v /= (double)len;
        double inv = 1.0 / sqrt(v + eps);
        for (int64_t i = 0; i < len; i++) yr[i] = (float)((xr[i] - m) * inv);
    }
}

static HgnStatus opInstanceNorm(OxCtx *c) {
    HgnStatus st = HGN_OK;
    for (int k = 0; k < 3 && !st; k++) st = oxNeedF32(c, k);
    if (st) return st;
    const OxTensor *x = c->in[0];
    if (x->rank < 3) return oxFail(c, "rank < 3");
    int64_t C = x->dims[1], S = 1;
    for (int i = 2; i < x->rank; i++) S *= x->dims[i];
    if (c->in[1]->n != C || c->in[2]->n != C) return oxFail(c, "scale/B must have C values");
    if ((st = oxAlloc(c->out[0], HGN_DTYPE_F32, x->rank, x->dims))) return st;
    float *y = c->out[0]->data;
    normRuns(x->data, y, x->dims[0] * C, S, oxAttrF(c, "epsilon", 1e-5f));
    const float *sc = c->in[1]->data, *b = c->in[2]->data;
    for (int64_t r = 0; r < x->dims[0] * C; r++)
        for (int64_t i = 0; i < S; i++) y[r * S + i] = y[r * S + i] * sc[r % C] + b[r % C];
    return HGN_OK;
}

static HgnStatus opGroupNorm(OxCtx *c) {
    HgnStatus st = HGN_OK;
    for (int k = 0; k < 3 && !st; k++) st = oxNeedF32(c, k);
    if (st) return st;
    const OxTensor *x = c->in[0];
    int64_t G = oxAttrI(c, "num_groups", 0);
    if (x->rank < 3 || G <= 0 || x->dims[1] % G) return oxFail(c, "bad num_groups or rank");
    int64_t C = x->dims[1], S = 1;
    for (int i = 2; i < x->rank; i++) S *= x->dims[i];
    bool perChannel = c->in[1]->n == C;
    if (!perChannel && c->in[1]->n != G) return oxFail(c, "scale size");
    if ((st = oxAlloc(c->out[0], HGN_DTYPE_F32, x->rank, x->dims))) return st;
    float *y = c->out[0]->data;
    normRuns(x->data, y, x->dims[0] * G, (C / G) * S, oxAttrF(c, "epsilon", 1e-5f));
    const float *sc = c->in[1]->data, *b = c->in[2]->data;
    for (int64_t r = 0; r < x->dims[0] * C; r++) {
        int64_t ch = r % C, k = perChannel ? ch : ch / (C / G);
        for (int64_t i = 0; i < S; i++) y[r * S + i] = y[r * S + i] * sc[k] + b[k];
    }
    return HGN_OK;
}

static HgnStatus opLayerNorm(OxCtx *c) {
    HgnStatus st = oxNeedF32(c, 0);
    if (!st) st = oxNeedF32(c, 1);
    if (st) return st;
    const OxTensor *x = c->in[0], *sc = c->in[1];
    const OxTensor *b = c->nIn > 2 ? c->in[2] : NULL;
    if (b && b->dtype != HGN_DTYPE_F32) return oxUnsupported(c, "non-f32 bias");
    int32_t a;
    if ((st = oxAxis(c, oxAttrI(c, "axis", -1), x->rank, &a))) return st;
    int64_t outer = 1, len = 1;
    for (int i = 0; i < a; i++) outer *= x->dims[i];
    for (int i = a; i < x->rank; i++) len *= x->dims[i];
    if ((st = oxAlloc(c->out[0], HGN_DTYPE_F32, x->rank, x->dims))) return st;
    /* scale/bias broadcast to the normalised shape */
    OxTensor nshape = {.rank = x->rank - a};
    for (int i = a; i < x->rank; i++) nshape.dims[i - a] = x->dims[i];
    int64_t ss[HGN_MAX_RANK], bs[HGN_MAX_RANK];
    const OxTensor *ts[2] = {&nshape, sc};
    int32_t r;
    int64_t d[HGN_MAX_RANK];
    if ((st = oxBroadcastShape(c, 2, ts, &r, d))) return st;
    if (r != nshape.rank) return oxFail(c, "scale does not broadcast");
    oxBroadcastStrides(sc, r, d, ss);
    if (b) {
        const OxTensor *tb[2] = {&nshape, b};
        int32_t rb;
        int64_t db[HGN_MAX_RANK];
        if ((st = oxBroadcastShape(c, 2, tb, &rb, db))) return st;
        if (rb != r) return oxFail(c, "bias does not broadcast");
        for (int k = 0; k < r; k++)
            if (db[k] != d[k]) return oxFail(c, "bias does not broadcast");
        oxBroadcastStrides(b, r, d, bs);
    }
    for (int k = 0; k < r; k++)
        if (d[k] != nshape.dims[k]) return oxFail(c, "scale does not broadcast to the normalised shape");
    float *y = c->out[0]->data;
    double eps = oxAttrF(c, "epsilon", 1e-5f);
    const float *xs = x->data;
    OxTensor *mo = c->nOut > 1 ? c->out[1] : NULL, *io = c->nOut > 2 ? c->out[2] : NULL;
    int64_t sd[HGN_MAX_RANK];
    for (int i = 0; i < x->rank; i++) sd[i] = i < a ? x->dims[i] : 1;
    if (mo && (st = oxAlloc(mo, HGN_DTYPE_F32, x->rank, sd))) return st;
    if (io && (st = oxAlloc(io, HGN_DTYPE_F32, x->rank, sd))) return st;
    for (int64_t o = 0; o < outer; o++) {
        const float *xr = xs + o * len;
        float *yr = y + o * len;
        double m = 0, v = 0;
        for (int64_t i = 0; i < len; i++) m += xr[i];
        m /= (double)len;
        for (int64_t i = 0; i < len; i++) v += (xr[i] - m) * (xr[i] - m);
        v /= (double)len;
        double inv = 1.0 / sqrt(v + eps);
        if (mo) ((float *)mo->data)[o] = (float)m;
        if (io) ((float *)io->data)[o] = (float)inv;
        int64_t idx[HGN_MAX_RANK] = {0};
        for (int64_t i = 0; i < len; i++) {
            int64_t so = 0, bo = 0;
            for (int k = 0; k < r; k++) so += idx[k] * ss[k], bo += b ? idx[k] * bs[k] : 0;
            yr[i] =
                (float)((xr[i] - m) * inv * ((const float *)sc->data)[so] + (b ? ((const float *)b->data)[bo] : 0.0));
            for (int k = r - 1; k >= 0; k--) {
                if (++idx[k] < d[k]) break;
                idx[k] = 0;
            }
        }
    }
    return HGN_OK;
}

static HgnStatus opLpNorm(OxCtx *c) {
    HgnStatus st = oxNeedF32(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    int32_t a;
    if ((st = oxAxis(c, oxAttrI(c, "axis", -1), x->rank, &a))) return st;
    int64_t p = oxAttrI(c, "p", 2);
    if (p != 1 && p != 2) return oxFail(c, "p must be 1 or 2");
    if ((st = oxAlloc(c->out[0], HGN_DTYPE_F32, x->rank, x->dims))) return st;
    int64_t outer = 1, inner = 1, n = x->dims[a];
    for (int i = 0; i < a; i++) outer *= x->dims[i];
    for (int i = a + 1; i < x->rank; i++) inner *= x->dims[i];
    const float *xs = x->data;
    float *y = c->out[0]->data;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t in = 0; in < inner; in++) {
            double s = 0;
            for (int64_t j = 0; j < n; j++) {
                double v = xs[(o * n + j) * inner + in];
                s += p == 1 ? fabs(v) : v * v;
            }
            if (p == 2) s = sqrt(s);
            for (int64_t j = 0; j < n; j++) {
                int64_t off = (o * n + j) * inner + in;
                y[off] = s == 0 ? 0.0f : (float)(xs[off] / s);
            }
        }
    return HGN_OK;
}

static HgnStatus opMvn(OxCtx *c) {
    HgnStatus st = oxNeedF32(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    int64_t axes[HGN_MAX_RANK] = {0, 2, 3};
    int32_t na = 3;
    if (!oxAttrInts(c, "axes", axes, HGN_MAX_RANK, &na)) na = 3;
    bool red[HGN_MAX_RANK] = {0};
    for (int i = 0; i < na; i++) {
        int32_t a;
        if ((st = oxAxis(c, axes[i], x->rank, &a))) return st;
        red[a] = true;
    }
    if ((st = oxAlloc(c->out[0], HGN_DTYPE_F32, x->rank, x->dims))) return st;
    int64_t kd[HGN_MAX_RANK], os[HGN_MAX_RANK];
    for (int i = 0; i < x->rank; i++) kd[i] = red[i] ? 1 : x->dims[i];
    oxStrides(x->rank, kd, os);
    int64_t nk = 1;
    for (int i = 0; i < x->rank; i++) nk *= kd[i];
    OxTensor stats = {0};
    int64_t sd[1] = {2 * nk};
    if ((st = oxAlloc(&stats, HGN_DTYPE_F64, 1, sd))) return st;
    double *m = stats.data, *v = m + nk;
    const float *xs = x->data;
    int64_t cnt = nk ? x->n / nk : 0;
    for (int pass = 0; pass < 3; pass++) {
        int64_t idx[HGN_MAX_RANK] = {0};
        for (int64_t i = 0; i < x->n; i++) {
            int64_t off = 0;
            for (int d = 0; d < x->rank; d++) off += red[d] ? 0 : idx[d] * os[d];
            if (pass == 0)
                m[off] += xs[i];
            else if (pass == 1)
                v[off] += (xs[i] - m[off]) * (xs[i] - m[off]);
            else
                ((float *)c->out[0]->data)[i] = (float)((xs[i] - m[off]) / (sqrt(v[off]) + 1e-9));
            for (int d = x->rank - 1; d >= 0; d--) {
                if (++idx[d] < x->dims[d]) break;
                idx[d] = 0;
            }
        }
        for (int64_t k = 0; k < nk; k++) {
            if (pass == 0) m[k] /= (double)cnt;
            if (pass == 1) v[k] /= (double)cnt;
        }
    }
    oxTensorClear(&stats);
    return HGN_OK;
}

static HgnStatus opLrn(OxCtx *c) {
    HgnStatus st = oxNeedF32(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    if (x->rank < 3) return oxFail(c, "rank < 3");
    int64_t size = oxAttrI(c, "size", 0);
    if (size <= 0) return oxFail(c, "size must be positive");
    double alpha = oxAttrF(c, "alpha", 1e-4f), beta = oxAttrF(c, "beta", 0.75f), bias = oxAttrF(c, "bias", 1.0f);
    if ((st = oxAlloc(c->out[0], HGN_DTYPE_F32, x->rank, x->dims))) return st;
    int64_t C = x->dims[1], S = 1;
    for (int i = 2; i < x->rank; i++) S *= x->dims[i];
    const float *xs = x->data;
    float *y = c->out[0]->data;
    int64_t lo = (size - 1) / 2, hi = (size - 1) - lo;
    for (int64_t n = 0; n < x->dims[0]; n++)
        for (int64_t ch = 0; ch < C; ch++)
            for (int64_t s = 0; s < S; s++) {
                double sq = 0;
                for (int64_t j = ch - lo; j <= ch + hi; j++)
                    if (j >= 0 && j < C) {
                        double v = xs[(n * C + j) * S + s];
                        sq += v * v;
                    }
                int64_t off = (n * C + ch) * S + s;
                y[off] = (float)(xs[off] / pow(bias + alpha / (double)size * sq, beta));
            }
    return HGN_OK;
}

const OxOp hgnOxNormOps[] = {
    {"BatchNormalization", opBatchNorm},
    {"InstanceNormalization", opInstanceNorm},
    {"GroupNormalization", opGroupNorm},
    {"LayerNormalization", opLayerNorm},
    {"LpNormalization", opLpNorm},
    {"MeanVarianceNormalization", opMvn},
    {"LRN", opLrn},
    {NULL, NULL},
};
