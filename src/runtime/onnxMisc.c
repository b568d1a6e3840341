/* onnxMisc.c — ONNX operators that fit no other family: Cast, CastLike,
 * Range, TopK, NonZero, OneHot, Trilu, Resize/Upsample (nearest and
 * n-linear, separable per axis). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/onnx.h"
#include "runtime/onnxExec.h"

static HgnStatus castTo(OxCtx *c, HgnDtype to) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    if (to == HGN_DTYPE_BF16 && x->dtype != HGN_DTYPE_BF16) /* ONNX versions differ: truncation vs rounding */
        return oxUnsupported(c, "cast to bfloat16 (rounding differs between ONNX versions)");
    if (!oxIsNumeric(x->dtype) || !oxIsNumeric(to))
        return oxUnsupported(c, "cast %s -> %s", hgnDtypeName(x->dtype), hgnDtypeName(to));
    if ((st = oxAlloc(c->out[0], to, x->rank, x->dims))) return st;
    if (x->dtype == HGN_DTYPE_I64 && to == HGN_DTYPE_I64)
        memcpy(c->out[0]->data, x->data, (size_t)x->n * 8);
    else
        for (int64_t i = 0; i < x->n; i++) oxSet(c->out[0], i, oxGet(x, i));
    return HGN_OK;
}

static HgnStatus opCast(OxCtx *c) {
    HgnDtype to;
    if (!hgnOnnxDtype((int32_t)oxAttrI(c, "to", 0), &to))
        return oxUnsupported(c, "target type %lld", (long long)oxAttrI(c, "to", 0));
    return castTo(c, to);
}

static HgnStatus opCastLike(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 1);
    if (st) return st;
    return castTo(c, c->in[1]->dtype);
}

static HgnStatus opRange(OxCtx *c) {
    HgnStatus st = HGN_OK;
    for (int k = 0; k < 3 && !st; k++) st = oxNeedIn(c, k);
    if (st) return st;
    if (!oxIsNumeric(c->in[0]->dtype)) return oxUnsupported(c, "dtype");
    double s = oxGet(c->in[0], 0), l = oxGet(c->in[1], 0), d = oxGet(c->in[2], 0);
    if (d == 0) return oxFail(c, "delta is 0");
    double nf = ceil((l - s) / d);
    int64_t n = nf > 0 ? (int64_t)nf : 0;
    if ((st = oxAlloc(c->out[0], c->in[0]->dtype, 1, &n))) return st;
    for (int64_t i = 0; i < n; i++) oxSet(c->out[0], i, s + (double)i * d);
    return HGN_OK;
}

typedef struct KV {
    double v;
    int64_t i;
} KV;
static int cmpLargest(const void *a, const void *b) {
    const KV *x = a, *y = b;
    if (x->v != y->v) return x->v > y->v ? -1 : 1;
    return x->i < y->i ? -1 : 1;
}
static int cmpSmallest(const void *a, const void *b) {
    const KV *x = a, *y = b;
    if (x->v != y->v) return x->v < y->v ? -1 : 1;
    return x->i < y->i ? -1 : 1;
}

static HgnStatus opTopK(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    if (!oxIsNumeric(x->dtype)) return oxUnsupported(c, "dtype");
    int64_t k;
    if (c->opset < 10)
        k = oxAttrI(c, "k", -1);
    else {
        int64_t kb[1];
        int32_t n1;
        if ((st = oxInInts(c, 1, kb, 1, &n1))) return st;
        if (n1 != 1) return oxFail(c, "K must have one value");
        k = kb[0];
    }
    int32_t a;
    if ((st = oxAxis(c, oxAttrI(c, "axis", -1), x->rank, &a))) return st;
    if (k < 0 || k > x->dims[a]) return oxFail(c, "K out of range");
    bool largest = oxAttrI(c, "largest", 1) != 0;
    int64_t d[HGN_MAX_RANK];
    memcpy(d, x->dims, sizeof d);
    d[a] = k;
    if ((st = oxAlloc(c->out[0], x->dtype, x->rank, d))) return st;
    if (c->nOut > 1 && c->out[1] && (st = oxAlloc(c->out[1], HGN_DTYPE_I64, x->rank, d))) return st;
    int64_t outer = 1, inner = 1, n = x->dims[a];
    for (int i = 0; i < a; i++) outer *= x->dims[i];
    for (int i = a + 1; i < x->rank; i++) inner *= x->dims[i];
    KV *kv = hgnMalloc((size_t)(n ? n : 1) * sizeof *kv);
    if (!kv) return oxOom();
    for (int64_t o = 0; o < outer; o++)
        for (int64_t in = 0; in < inner; in++) {
            for (int64_t j = 0; j < n; j++) kv[j] = (KV){oxGet(x, (o * n + j) * inner + in), j};
            qsort(kv, (size_t)n, sizeof *kv, largest ? cmpLargest : cmpSmallest);
            for (int64_t j = 0; j < k; j++) {
                int64_t off = (o * k + j) * inner + in;
                oxSet(c->out[0], off, kv[j].v);
                if (c->nOut > 1 && c->out[1]) ((int64_t *)c->out[1]->data)[off] = kv[j].i;
            }
        }
    hgnFree(kv);
    return HGN_OK;
}

static HgnStatus opNonZero(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    if (!oxIsNumeric(x->dtype)) return oxUnsupported(c, "dtype");
    int64_t nz = 0;
    for (int64_t i = 0; i < x->n; i++) nz += oxGet(x, i) != 0;
    int64_t d[2] = {x->rank, nz};
    if ((st = oxAlloc(c->out[0], HGN_DTYPE_I64, 2, d))) return st;
    int64_t *y = c->out[0]->data, k = 0, idx[HGN_MAX_RANK] = {0};
    for (int64_t i = 0; i < x->n; i++) {
        if (oxGet(x, i) != 0) {
            for (int r = 0; r < x->rank; r++) y[r * nz + k] = idx[r];
            k++;
        }
        for (int r = x->rank - 1; r >= 0; r--) {
            if (++idx[r] < x->dims[r]) break;
            idx[r] = 0;
        }
    }
    return HGN_OK;
}

static HgnStatus opOneHot(OxCtx *c) {
    HgnStatus st = HGN_OK;
    for (int k = 0; k < 3 && !st; k++) st = oxNeedIn(c, k);
    if (st) return st;
    const OxTensor *ix = c->in[0], *vals = c->in[2];
    if (!oxIsNumeric(ix->dtype) || !oxIsNumeric(c->in[1]->dtype) || !oxIsNumeric(vals->dtype) || vals->n != 2)
        return oxUnsupported(c, "dtypes");
    int64_t depth = (int64_t)oxGet(c->in[1], 0);
    if (depth <= 0) return oxFail(c, "depth must be positive");
    int32_t r = ix->rank + 1, a;
    if ((st = oxAxis(c, oxAttrI(c, "axis", -1), r, &a))) return st;
    int64_t d[HGN_MAX_RANK];
    for (int i = 0, j = 0; i < r; i++) d[i] = i == a ? depth : ix->dims[j++];
    if ((st = oxAlloc(c->out[0], vals->dtype, r, d))) return st;
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < a; i++) outer *= d[i];
    for (int i = a + 1; i < r; i++) inner *= d[i];
    double off = oxGet(vals, 0), on = oxGet(vals, 1);
    for (int64_t i = 0; i < c->out[0]->n; i++) oxSet(c->out[0], i, off);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t in = 0; in < inner; in++) {
            int64_t v = (int64_t)oxGet(ix, o * inner + in);
            if (v < 0) v += depth;
            if (v >= 0 && v < depth) oxSet(c->out[0], (o * depth + v) * inner + in, on);
        }
    return HGN_OK;
}

static HgnStatus opTrilu(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    if (x->rank < 2) return oxFail(c, "rank < 2");
    int64_t k = 0;
    if (c->nIn > 1 && c->in[1]) {
        if (c->in[1]->n != 1) return oxFail(c, "k must be a scalar");
        k = oxGetI(c->in[1], 0);
    }
    bool upper = oxAttrI(c, "upper", 1) != 0;
    if ((st = oxCopy(c->out[0], x))) return st;
    int64_t R = x->dims[x->rank - 2], C = x->dims[x->rank - 1], es = (int64_t)oxElemSize(x->dtype);
    int64_t mats = (R * C) != 0 ? x->n / (R * C) : 0;
    for (int64_t m = 0; m < mats; m++)
        for (int64_t i = 0; i < R; i++)
            for (int64_t j = 0; j < C; j++) {
                bool keep = upper ? j - i >= k : j - i <= k;
                if (!keep) memset((char *)c->out[0]->data + ((m * R + i) * C + j) * es, 0, (size_t)es);
            }
    return HGN_OK;
}

/* ---- Resize / Upsample ---- */
enum { CT_HALF, CT_ASYM, CT_ALIGN, CT_PYTORCH, CT_TFNN };
enum { NM_RPF, NM_RPC, NM_FLOOR, NM_CEIL };

static HgnStatus resizeAxis(OxCtx *c, const OxTensor *x, OxTensor *y, int32_t a, int64_t outLen, double outLenF,
                            double scale, int mode, int ct, int nm, double A, bool exclude) {
    bool linear = mode == 1;
    int64_t d[HGN_MAX_RANK];
    memcpy(d, x->dims, sizeof d);
    d[a] = outLen;
    HgnStatus st = oxAlloc(y, HGN_DTYPE_F32, x->rank, d);
    if (st) return st;
    int64_t outer = 1, inner = 1, n = x->dims[a];
    for (int i = 0; i < a; i++) outer *= x->dims[i];
    for (int i = a + 1; i < x->rank; i++) inner *= x->dims[i];
    const float *xs = x->data;
    float *ys = y->data;
    for (int64_t j = 0; j < outLen; j++) {
        double xo;
        switch (ct) {
        case CT_ASYM:
            xo = j / scale;
            break;
        case CT_ALIGN:
            xo = outLenF == 1.0 ? 0 : (double)j * (double)(n - 1) / (outLenF - 1.0);
            break;
        case CT_PYTORCH:
            xo = outLen > 1 ? (j + 0.5) / scale - 0.5 : 0;
            break;
        case CT_TFNN:
            xo = (j + 0.5) / scale;
            break;
        default:
            xo = (j + 0.5) / scale - 0.5;
            break;
        }
        int64_t i0, i1;
        double w;
        if (mode == 2) { /* cubic: taps floor-1 .. floor+2, edge-padded */
            double f = floor(xo), t = xo - f, cf[4];
            cf[0] = ((A * (t + 1) - 5 * A) * (t + 1) + 8 * A) * (t + 1) - 4 * A;
            cf[1] = ((A + 2) * t - (A + 3)) * t * t + 1;
            cf[2] = ((A + 2) * (1 - t) - (A + 3)) * (1 - t) * (1 - t) + 1;
            cf[3] = ((A * (2 - t) - 5 * A) * (2 - t) + 8 * A) * (2 - t) - 4 * A;
            int64_t idx[4];
            double sum = 0;
            for (int k = 0; k < 4; k++) {
                int64_t q = (int64_t)f - 1 + k;
                if (exclude && (q < 0 || q >= n)) cf[k] = 0;
                sum += cf[k];
                idx[k] = q < 0 ? 0 : (q >= n ? n - 1 : q);
            }
            if (exclude && sum != 0)
                for (int k = 0; k < 4; k++) cf[k] /= sum;
            for (int64_t o = 0; o < outer; o++) {
                float *dst = ys + (o * outLen + j) * inner;
                for (int64_t in = 0; in < inner; in++) {
                    double v = 0;
                    for (int k = 0; k < 4; k++) v += cf[k] * xs[(o * n + idx[k]) * inner + in];
                    dst[in] = (float)v;
                }
            }
            continue;
        }
        if (linear) {
            if (xo < 0) xo = 0;
            if (xo > n - 1) xo = (double)(n - 1);
            i0 = (int64_t)floor(xo);
            i1 = i0 + 1 < n ? i0 + 1 : n - 1;
            w = xo - (double)i0;
        } else {
            double r;
            switch (nm) {
            case NM_FLOOR:
                r = floor(xo);
                break;
            case NM_CEIL:
                r = ceil(xo);
                break;
            case NM_RPC:
                r = (xo - floor(xo) == 0.5) ? ceil(xo) : round(xo);
                break;
            default:
                r = (xo - floor(xo) == 0.5) ? floor(xo) : round(xo);
                break;
            }
            i0 = (int64_t)r;
            if (i0 < 0) i0 = 0;
            if (i0 > n - 1) i0 = n - 1;
            i1 = i0;
            w = 0;
        }
        for (int64_t o = 0; o < outer; o++) {
            const float *s0 = xs + (o * n + i0) * inner, *s1 = xs + (o * n + i1) * inner;
            float *dst = ys + (o * outLen + j) * inner;
            for (int64_t in = 0; in < inner; in++) dst[in] = (float)(s0[in] * (1.0 - w) + s1[in] * w);
        }
    }
    (void)c;
    return HGN_OK;
}

static HgnStatus resize(OxCtx *c, bool upsample) {
    HgnStatus st = oxNeedF32(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    const char *mode = hgnNodeAttrString(c->node, "mode", "nearest");
    bool linear = !strcmp(mode, "linear") || !strcmp(mode, "bilinear");
    bool cubic = !strcmp(mode, "cubic") || !strcmp(mode, "bicubic");
    if (!linear && !cubic && strcmp(mode, "nearest")) return oxUnsupported(c, "mode %s", mode);
    double cubicA = oxAttrF(c, "cubic_coeff_a", -0.75f);
    bool exclude = oxAttrI(c, "exclude_outside", 0) != 0;
    bool v10 = upsample || c->opset < 11;
    const char *ctm = v10 ? "asymmetric" : hgnNodeAttrString(c->node, "coordinate_transformation_mode", "half_pixel");
    int ct = !strcmp(ctm, "half_pixel")             ? CT_HALF
             : !strcmp(ctm, "asymmetric")           ? CT_ASYM
             : !strcmp(ctm, "align_corners")        ? CT_ALIGN
             : !strcmp(ctm, "pytorch_half_pixel")   ? CT_PYTORCH
             : !strcmp(ctm, "tf_half_pixel_for_nn") ? CT_TFNN
                                                    : -1;
    if (ct < 0) return oxUnsupported(c, "coordinate_transformation_mode %s", ctm);
    const char *nms = v10 ? "floor" : hgnNodeAttrString(c->node, "nearest_mode", "round_prefer_floor");
    int nm = !strcmp(nms, "round_prefer_floor")  ? NM_RPF
             : !strcmp(nms, "round_prefer_ceil") ? NM_RPC
             : !strcmp(nms, "floor")             ? NM_FLOOR
             : !strcmp(nms, "ceil")              ? NM_CEIL
                                                 : -1;
    if (nm < 0) return oxUnsupported(c, "nearest_mode %s", nms);
    if (!v10 && (hgnNodeAttr(c->node, "axes") || oxAttrI(c, "antialias", 0) ||
                 strcmp(hgnNodeAttrString(c->node, "keep_aspect_ratio_policy", "stretch"), "stretch")))
        return oxUnsupported(c, "axes/antialias/keep_aspect_ratio_policy");
    double scales[HGN_MAX_RANK];
    int64_t sizes[HGN_MAX_RANK];
    bool haveSizes = false;
    if (upsample && c->opset < 9) {
        const HgnAttr *sa = hgnNodeAttr(c->node, "scales");
        if (!sa || sa->type != HGN_ATTR_FLOATS || sa->n != x->rank) return oxFail(c, "scales attribute");
        for (int i = 0; i < x->rank; i++) scales[i] = sa->floats[i];
    } else {
        int sk = v10 ? 1 : 2;
        const OxTensor *s = c->nIn > sk ? c->in[sk] : NULL;
        const OxTensor *z = !v10 && c->nIn > 3 ? c->in[3] : NULL;
        if (z && z->n) {
            if (z->n != x->rank) return oxFail(c, "sizes length");
            for (int i = 0; i < x->rank; i++)
                sizes[i] = oxGetI(z, i), scales[i] = (double)sizes[i] / (double)x->dims[i];
            haveSizes = true;
        } else if (s && s->n) {
            if (s->n != x->rank || s->dtype != HGN_DTYPE_F32) return oxFail(c, "scales length");
            for (int i = 0; i < x->rank; i++) scales[i] = ((const float *)s->data)[i];
        } else
            return oxFail(c, "neither scales nor sizes");
    }
    if (!haveSizes)
        for (int i = 0; i < x->rank; i++) {
            if (scales[i] <= 0) return oxFail(c, "non-positive scale");
            sizes[i] = (int64_t)floor((double)x->dims[i] * scales[i]);
        }
    for (int i = 0; i < x->rank; i++)
        if (x->dims[i] == 0 && sizes[i] != 0) return oxFail(c, "cannot resize an empty axis");
    OxTensor cur = {0};
    if ((st = oxCopy(&cur, x))) return st;
    for (int a = 0; a < x->rank; a++) {
        if (sizes[a] == x->dims[a] && scales[a] == 1.0) continue;
        OxTensor nxt = {0};
        st = resizeAxis(c, &cur, &nxt, a, sizes[a], haveSizes ? (double)sizes[a] : (double)x->dims[a] * scales[a],
                        scales[a],
                        cubic    ? 2
                        : linear ? 1
                                 : 0,
                        ct, nm, cubicA, exclude);
        oxTensorClear(&cur);
        if (st) return st;
        cur = nxt;
    }
    oxTensorClear(c->out[0]);
    *c->out[0] = cur;
    return HGN_OK;
}
static HgnStatus opResize(OxCtx *c) { return resize(c, false); }
static HgnStatus opUpsample(OxCtx *c) { return resize(c, true); }

static HgnStatus opEyeLike(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    if (x->rank != 2) return oxFail(c, "input must be 2-D");
    HgnDtype t = x->dtype;
    const HgnAttr *da = hgnNodeAttr(c->node, "dtype");
    if (da && !hgnOnnxDtype((int32_t)da->i, &t)) return oxUnsupported(c, "dtype %lld", (long long)da->i);
    if (!oxIsNumeric(t)) return oxUnsupported(c, "dtype %s", hgnDtypeName(t));
    if ((st = oxAlloc(c->out[0], t, 2, x->dims))) return st;
    int64_t k = oxAttrI(c, "k", 0);
    for (int64_t i = 0; i < x->dims[0]; i++)
        if (i + k >= 0 && i + k < x->dims[1]) oxSet(c->out[0], i * x->dims[1] + i + k, 1.0);
    return HGN_OK;
}

enum { W_HANN, W_HAMMING, W_BLACKMAN };

static HgnStatus window(OxCtx *c, int kind) {
    int64_t nb[1];
    int32_t n1;
    HgnStatus st = oxInInts(c, 0, nb, 1, &n1);
    if (st) return st;
    if (n1 != 1 || nb[0] < 0) return oxFail(c, "size must be a non-negative scalar");
    HgnDtype t = HGN_DTYPE_F32;
    if (!hgnOnnxDtype((int32_t)oxAttrI(c, "output_datatype", 1), &t) || !oxIsNumeric(t))
        return oxUnsupported(c, "output_datatype");
    if ((st = oxAlloc(c->out[0], t, 1, nb))) return st;
    double N = (double)nb[0], D = oxAttrI(c, "periodic", 1) ? N : N - 1;
    for (int64_t i = 0; i < nb[0]; i++) {
        double a = D > 0 ? 2.0 * M_PI * (double)i / D : 0.0, v;
        if (kind == W_HANN)
            v = 0.5 - 0.5 * cos(a);
        else if (kind == W_HAMMING)
            v = 25.0 / 46.0 - 21.0 / 46.0 * cos(a);
        else
            v = 0.42 - 0.5 * cos(a) + 0.08 * cos(2 * a);
        oxSet(c->out[0], i, v);
    }
    return HGN_OK;
}
static HgnStatus opHannWindow(OxCtx *c) { return window(c, W_HANN); }
static HgnStatus opHammingWindow(OxCtx *c) { return window(c, W_HAMMING); }
static HgnStatus opBlackmanWindow(OxCtx *c) { return window(c, W_BLACKMAN); }

static HgnStatus opCompress(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (!st) st = oxNeedIn(c, 1);
    if (st) return st;
    const OxTensor *x = c->in[0], *cond = c->in[1];
    if (!oxIsNumeric(cond->dtype)) return oxFail(c, "condition must be bool");
    const HgnAttr *aa = hgnNodeAttr(c->node, "axis");
    size_t es = oxElemSize(x->dtype);
    if (!aa) {
        int64_t n = 0;
        for (int64_t i = 0; i < x->n && i < cond->n; i++) n += oxGet(cond, i) != 0;
        if ((st = oxAlloc(c->out[0], x->dtype, 1, &n))) return st;
        int64_t k = 0;
        for (int64_t i = 0; i < x->n && i < cond->n; i++)
            if (oxGet(cond, i) != 0) memcpy((char *)c->out[0]->data + (k++) * es, (const char *)x->data + i * es, es);
        return HGN_OK;
    }
    int32_t a;
    if ((st = oxAxis(c, aa->i, x->rank, &a))) return st;
    int64_t outer = 1, inner = 1, n = x->dims[a], keep = 0;
    for (int i = 0; i < a; i++) outer *= x->dims[i];
    for (int i = a + 1; i < x->rank; i++) inner *= x->dims[i];
    for (int64_t j = 0; j < n && j < cond->n; j++) keep += oxGet(cond, j) != 0;
    int64_t d[HGN_MAX_RANK];
    memcpy(d, x->dims, sizeof d);
    d[a] = keep;
    if ((st = oxAlloc(c->out[0], x->dtype, x->rank, d))) return st;
    for (int64_t o = 0; o < outer; o++) {
        int64_t k = 0;
        for (int64_t j = 0; j < n && j < cond->n; j++)
            if (oxGet(cond, j) != 0)
                memcpy((char *)c->out[0]->data + ((o * keep + k++) * inner) * es,
                       (const char *)x->data + ((o * n + j) * inner) * es, (size_t)inner * es);
    }
    return HGN_OK;
}

static HgnStatus opReverseSequence(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (!st) st = oxNeedIn(c, 1);
    if (st) return st;
    const OxTensor *x = c->in[0], *sl = c->in[1];
    int64_t ba = oxAttrI(c, "batch_axis", 1), ta = oxAttrI(c, "time_axis", 0);
    if (x->rank < 2 || (ba != 0 && ba != 1) || (ta != 0 && ta != 1) || ba == ta) return oxFail(c, "bad axes");
    if (sl->n != x->dims[ba]) return oxFail(c, "sequence_lens must have one value per batch");
    if ((st = oxCopy(c->out[0], x))) return st;
    int64_t inner = 1;
    for (int i = 2; i < x->rank; i++) inner *= x->dims[i];
    size_t es = oxElemSize(x->dtype);
    int64_t T = x->dims[ta], B = x->dims[ba];
    for (int64_t b = 0; b < B; b++) {
        int64_t len = oxGetI(sl, b);
        if (len < 0 || len > T) return oxFail(c, "sequence length out of range");
        for (int64_t t = 0; t < len; t++) {
            int64_t src = ta == 0 ? (t * B + b) : (b * T + t),
                    dst = ta == 0 ? ((len - 1 - t) * B + b) : (b * T + len - 1 - t);
            memcpy((char *)c->out[0]->data + dst * inner * es, (const char *)x->data + src * inner * es,
                   (size_t)inner * es);
        }
    }
    return HGN_OK;
}

const OxOp hgnOxMiscOps[] = {
    {"EyeLike", opEyeLike},
    {"HannWindow", opHannWindow},
    {"HammingWindow", opHammingWindow},
    {"BlackmanWindow", opBlackmanWindow},
    {"Compress", opCompress},
    {"ReverseSequence", opReverseSequence},
    {"Cast", opCast},
    {"CastLike", opCastLike},
    {"Range", opRange},
    {"TopK", opTopK},
    {"NonZero", opNonZero},
    {"OneHot", opOneHot},
    {"Trilu", opTrilu},
    {"Resize", opResize},
    {"Upsample", opUpsample},
    {NULL, NULL},
};
