/* shapeInferenceConv.c — shape rules for convolutions and pooling: Conv,
 * ConvTranspose, ConvInteger, QLinearConv, MaxPool, AveragePool, LpPool,
 * global pools, MaxUnpool (auto_pad, pads, strides, dilations, group,
 * ceil_mode, output_padding, output_shape). */
#include "ir/shapeInferenceInt.h"

#include <string.h>

/* kernel, stride, dilation and group above 2^20 are refused: with dims <= 2^40 every product fits int64 */
#define LIMIT ((int64_t)1 << 20)

typedef struct Window {
    int32_t nSpatial;
    int64_t kernel[HGN_MAX_RANK], stride[HGN_MAX_RANK], dil[HGN_MAX_RANK];
    int64_t padBegin[HGN_MAX_RANK], padEnd[HGN_MAX_RANK];
    const char *autoPad;
    bool ceilMode;
} Window;

static HgnStatus readWindow(InferCtx *c, int32_t nSpatial, const HgnShape *w, Window *win) {
    memset(win, 0, sizeof *win);
    win->nSpatial = nSpatial;
    const int64_t *v;
    int32_t n;
    if (attrInts(c, "kernel_shape", &v, &n)) {
        if (n != nSpatial) return inferFail(c, "kernel_shape has %d entries for %d spatial axes", n, nSpatial);
        memcpy(win->kernel, v, sizeof(int64_t) * (size_t)n);
    } else if (w && w->rank == nSpatial + 2) {
        for (int32_t i = 0; i < nSpatial; i++) {
            if (!dimIsKnown(w->dims[2 + i])) return HGN_OK; /* kernel unknown: caller sees kernel 0 */
            win->kernel[i] = w->dims[2 + i].n;
        }
    } else {
        return inferFail(c, "kernel_shape is missing");
    }
    for (int32_t i = 0; i < nSpatial; i++) win->stride[i] = win->dil[i] = 1;
    if (attrInts(c, "strides", &v, &n)) {
        if (n != nSpatial) return inferFail(c, "strides has %d entries for %d spatial axes", n, nSpatial);
        memcpy(win->stride, v, sizeof(int64_t) * (size_t)n);
    }
    if (attrInts(c, "dilations", &v, &n)) {
        if (n != nSpatial) return inferFail(c, "dilations has %d entries for %d spatial axes", n, nSpatial);
        memcpy(win->dil, v, sizeof(int64_t) * (size_t)n);
    }
    if (attrInts(c, "pads", &v, &n)) {
        if (n != 2 * nSpatial) return inferFail(c, "pads has %d entries for %d spatial axes", n, nSpatial);
        for (int32_t i = 0; i < nSpatial; i++) win->padBegin[i] = v[i], win->padEnd[i] = v[nSpatial + i];
    }
    for (int32_t i = 0; i < nSpatial; i++) {
        if (win->stride[i] <= 0 || win->dil[i] <= 0 || win->kernel[i] < 0)
            return inferFail(c, "strides, dilations and kernel sizes must be positive");
        if (win->stride[i] > LIMIT || win->dil[i] > LIMIT || win->kernel[i] > LIMIT || !inDimRange(win->padBegin[i]) ||
            !inDimRange(win->padEnd[i]))
            return inferFail(c, "kernel, stride, dilation or pads out of range");
    }
    win->autoPad = attrString(c, "auto_pad", "NOTSET");
    win->ceilMode = attrInt(c, "ceil_mode", 0) != 0;
    return HGN_OK;
}

static int64_t ceilDiv(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
static int64_t floorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/* Output size of one spatial axis of a sliding window. */
static HgnStatus windowOut(InferCtx *c, const Window *w, int32_t i, HgnDim in, HgnDim *out, int axis) {
    if (!dimIsKnown(in) || w->kernel[i] == 0) {
        *out = dimFresh(c, 0, axis);
        return HGN_OK;
    }
    int64_t eff = (w->kernel[i] - 1) * w->dil[i] + 1, s = w->stride[i], x = in.n;
    int64_t o;
    if (!strcmp(w->autoPad, "SAME_UPPER") || !strcmp(w->autoPad, "SAME_LOWER"))
        o = ceilDiv(x, s);
    else if (!strcmp(w->autoPad, "VALID"))
        o = ceilDiv(x - eff + 1, s);
    else if (!strcmp(w->autoPad, "NOTSET") || !*w->autoPad) {
        int64_t span = x + w->padBegin[i] + w->padEnd[i] - eff;
        o = (w->ceilMode ? ceilDiv(span, s) : floorDiv(span, s)) + 1;
        /* the last window must start inside the input or the left padding */
        if (w->ceilMode && (o - 1) * s >= x + w->padBegin[i]) o--;
    } else
        return inferFail(c, "unknown auto_pad '%s'", w->autoPad);
    if (o < 0)
        return inferFail(c, "window (kernel %lld, dilation %lld) is larger than the padded input %lld",
                         (long long)w->kernel[i], (long long)w->dil[i], (long long)x);
    *out = dimKnown(o);
    return HGN_OK;
}

HgnStatus inferConvShape(InferCtx *c, const HgnShape *x, const HgnShape *w, HgnShape *out) {
    if (x->rank < 3) return inferFail(c, "Conv input must have rank >= 3 (got %d)", x->rank);
    if (w->rank != x->rank) return inferFail(c, "Conv weight rank %d differs from input rank %d", w->rank, x->rank);
    int64_t group = attrInt(c, "group", 1);
    if (group <= 0 || group > LIMIT) return inferFail(c, "group must be in 1..2^20");
    if (dimIsKnown(x->dims[1]) && dimIsKnown(w->dims[1]) && x->dims[1].n != w->dims[1].n * group)
        return inferFail(c, "input has %lld channels but weight expects %lld × group %lld", (long long)x->dims[1].n,
                         (long long)w->dims[1].n, (long long)group);
    Window win;
    HgnStatus st = readWindow(c, x->rank - 2, w, &win);
    if (st) return st;
    out->rank = x->rank;
    out->dims[0] = x->dims[0];
    out->dims[1] = w->dims[0];
    for (int32_t i = 0; i < win.nSpatial; i++)
        if ((st = windowOut(c, &win, i, x->dims[2 + i], &out->dims[2 + i], 2 + i))) return st;
    return HGN_OK;
}

static HgnStatus conv(InferCtx *c) {
    const HgnShape *x = inShape(c, 0), *w = inShape(c, 1);
    HgnDtype t = !strcmp(c->node->op, "ConvInteger") ? HGN_DTYPE_I32 : inType(c, 0);
    if (!x || !w) return outSet(c, 0, t, NULL);
    HgnShape o;
    HgnStatus st = inferConvShape(c, x, w, &o);
    if (st) return st;
    return outSet(c, 0, t, &o);
}

static HgnStatus qlinearConv(InferCtx *c) { /* x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B */
    const HgnShape *x = inShape(c, 0), *w = inShape(c, 3);
    HgnDtype t = inHas(c, 7) ? inType(c, 7) : HGN_DTYPE_U8;
    if (!x || !w) return outSet(c, 0, t, NULL);
    HgnShape o;
    HgnStatus st = inferConvShape(c, x, w, &o);
    if (st) return st;
    return outSet(c, 0, t, &o);
}

static HgnStatus convTranspose(InferCtx *c) {
    const HgnShape *x = inShape(c, 0), *w = inShape(c, 1);
    if (!x || !w) return outSet(c, 0, inType(c, 0), NULL);
    if (x->rank < 3 || w->rank != x->rank)
        return inferFail(c, "ConvTranspose needs input and weight of equal rank >= 3");
    int32_t ns = x->rank - 2;
    Window win;
    HgnStatus st = readWindow(c, ns, w, &win);
    if (st) return st;
    int64_t group = attrInt(c, "group", 1);
    if (group <= 0 || group > LIMIT) return inferFail(c, "group must be in 1..2^20");
    HgnShape o = {.rank = x->rank};
    o.dims[0] = x->dims[0];
    o.dims[1] = dimIsKnown(w->dims[1]) ? dimKnown(w->dims[1].n * group) : dimFresh(c, 0, 1);
    const int64_t *v;
    int32_t n;
    int64_t outPad[HGN_MAX_RANK] = {0};
    if (attrInts(c, "output_padding", &v, &n)) {
        if (n != ns) return inferFail(c, "output_padding has %d entries for %d spatial axes", n, ns);
        memcpy(outPad, v, sizeof(int64_t) * (size_t)n);
        for (int32_t i = 0; i < n; i++)
            if (!inDimRange(outPad[i])) return inferFail(c, "output_padding out of range");
    }
    if (attrInts(c, "output_shape", &v, &n)) {
        if (n != ns && n != x->rank) return inferFail(c, "output_shape has %d entries for %d spatial axes", n, ns);
        for (int32_t i = 0; i < ns; i++) o.dims[2 + i] = dimKnown(v[n - ns + i]); /* outSet checks the range */
        return outSet(c, 0, inType(c, 0), &o);
    }
    for (int32_t i = 0; i < ns; i++) {
        HgnDim in = x->dims[2 + i];
        if (!dimIsKnown(in) || win.kernel[i] == 0) {
            o.dims[2 + i] = dimFresh(c, 0, 2 + i);
            continue;
        }
        int64_t s = win.stride[i], eff = (win.kernel[i] - 1) * win.dil[i] + 1;
        int64_t d; /* s <= 2^20 and in <= 2^40: products fit; sums are checked */
        if (!strcmp(win.autoPad, "SAME_UPPER") || !strcmp(win.autoPad, "SAME_LOWER"))
            d = in.n * s;
        else if (!ckAdd(s * (in.n - 1), outPad[i] - win.padBegin[i] - win.padEnd[i], &d) || !ckAdd(d, eff, &d))
            return inferFail(c, "ConvTranspose output overflows");
        o.dims[2 + i] = dimKnown(d);
    }
    return outSet(c, 0, inType(c, 0), &o);
}

static HgnStatus pool(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    if (!x) return outAllUnknown(c, inType(c, 0));
    if (x->rank < 3) return inferFail(c, "pooling input must have rank >= 3 (got %d)", x->rank);
    Window win;
    HgnStatus st = readWindow(c, x->rank - 2, NULL, &win);
    if (st) return st;
    HgnShape o = {.rank = x->rank};
    o.dims[0] = x->dims[0];
    o.dims[1] = x->dims[1];
    for (int32_t i = 0; i < win.nSpatial; i++)
        if ((st = windowOut(c, &win, i, x->dims[2 + i], &o.dims[2 + i], 2 + i))) return st;
    if ((st = outSet(c, 0, inType(c, 0), &o))) return st;
    return outSet(c, 1, HGN_DTYPE_I64, &o); /* MaxPool Indices */
}

static HgnStatus globalPool(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    if (!x) return outSet(c, 0, inType(c, 0), NULL);
    if (x->rank < 2) return inferFail(c, "global pooling input must have rank >= 2");
    HgnShape o = *x;
    for (int32_t i = 2; i < o.rank; i++) o.dims[i] = dimKnown(1);
    return outSet(c, 0, inType(c, 0), &o);
}

static HgnStatus maxUnpool(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    if (!x) return outSet(c, 0, inType(c, 0), NULL);
    int64_t os[HGN_MAX_RANK];
    int32_t n;
    HgnShape o = {.rank = x->rank};
    if (inHas(c, 2)) {
        if (inIntsKnown(c, 2, os, HGN_MAX_RANK, &n) && n == x->rank) {
            for (int32_t i = 0; i < n; i++) o.dims[i] = dimKnown(os[i]);
        } else {
            for (int32_t i = 0; i < x->rank; i++) o.dims[i] = dimFresh(c, 0, i);
        }
        return outSet(c, 0, inType(c, 0), &o);
    }
    Window win;
    HgnStatus st = readWindow(c, x->rank - 2, NULL, &win);
    if (st) return st;
    o.dims[0] = x->dims[0];
    o.dims[1] = x->dims[1];
    for (int32_t i = 0; i < win.nSpatial; i++) {
        HgnDim in = x->dims[2 + i];
        o.dims[2 + i] = dimIsKnown(in)
                            ? dimKnown((in.n - 1) * win.stride[i] + win.kernel[i] - win.padBegin[i] - win.padEnd[i])
                            : dimFresh(c, 0, 2 + i);
    }
    return outSet(c, 0, inType(c, 0), &o);
}

const InferRule hgnInferConvRules[] = {{"Conv", 1, conv},
                                       {"ConvInteger", 10, conv},
                                       {"QLinearConv", 10, qlinearConv},
                                       {"ConvTranspose", 1, convTranspose},
                                       {"MaxPool", 1, pool},
                                       {"AveragePool", 1, pool},
                                       {"LpPool", 1, pool},
                                       {"GlobalAveragePool", 1, globalPool},
                                       {"GlobalMaxPool", 1, globalPool},
                                       {"GlobalLpPool", 1, globalPool},
                                       {"MaxUnpool", 9, maxUnpool},
                                       {NULL, 0, NULL}};
