/* onnxConv.c — ONNX Conv (N-D, groups, dilations, auto_pad; im2col + OpenBLAS
 * sgemm), ConvTranspose (sgemm + col2im), MaxPool/AveragePool/LpPool and the
 * global pools. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "runtime/onnxExec.h"

#define MAXSP 8

typedef struct Geo {
    int ns;             /* spatial dims */
    int64_t in[MAXSP];  /* input spatial */
    int64_t k[MAXSP];   /* kernel */
    int64_t s[MAXSP];   /* strides */
    int64_t d[MAXSP];   /* dilations */
    int64_t pb[MAXSP];  /* pad begin */
    int64_t pe[MAXSP];  /* pad end */
    int64_t out[MAXSP]; /* output spatial */
} Geo;

/* Reads strides/dilations/pads/auto_pad; kernel in g->k already. ceilMode for pools. */
static HgnStatus geometry(OxCtx *c, Geo *g, bool ceilMode, bool transpose) {
    int32_t n;
    int64_t buf[2 * MAXSP];
    for (int i = 0; i < g->ns; i++) g->s[i] = g->d[i] = 1, g->pb[i] = g->pe[i] = 0;
    if (oxAttrInts(c, "strides", buf, MAXSP, &n)) {
        if (n != g->ns) return oxFail(c, "strides has %d values for %d spatial dims", n, g->ns);
        memcpy(g->s, buf, sizeof(int64_t) * (size_t)n);
    }
    if (oxAttrInts(c, "dilations", buf, MAXSP, &n)) {
        if (n != g->ns) return oxFail(c, "dilations has %d values", n);
        memcpy(g->d, buf, sizeof(int64_t) * (size_t)n);
    }
    const char *ap = hgnNodeAttrString(c->node, "auto_pad", "NOTSET");
    bool explicitPads = oxAttrInts(c, "pads", buf, 2 * MAXSP, &n);
    if (explicitPads) {
        if (n != 2 * g->ns) return oxFail(c, "pads has %d values", n);
        for (int i = 0; i < g->ns; i++) g->pb[i] = buf[i], g->pe[i] = buf[g->ns + i];
    }
    for (int i = 0; i < g->ns; i++) {
        if (g->s[i] <= 0 || g->d[i] <= 0 || g->k[i] <= 0) return oxFail(c, "non-positive stride, dilation or kernel");
        if (g->pb[i] < 0 || g->pe[i] < 0) return oxUnsupported(c, "negative pads");
    }
    if (transpose) return HGN_OK;
    for (int i = 0; i < g->ns; i++) {
        int64_t ek = (g->k[i] - 1) * g->d[i] + 1;
        if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
            int64_t o = (g->in[i] + g->s[i] - 1) / g->s[i];
            int64_t tot = (o - 1) * g->s[i] + ek - g->in[i];
            if (tot < 0) tot = 0;
            g->pb[i] = !strcmp(ap, "SAME_UPPER") ? tot / 2 : tot - tot / 2;
            g->pe[i] = tot - g->pb[i];
            g->out[i] = o;
            continue;
        }
        if (!strcmp(ap, "VALID"))
            g->pb[i] = g->pe[i] = 0;
        else if (strcmp(ap, "NOTSET"))
            return oxUnsupported(c, "auto_pad %s", ap);
        int64_t span = g->in[i] + g->pb[i] + g->pe[i] - ek;
        if (span < 0) return oxFail(c, "kernel larger than padded input");
        g->out[i] = (ceilMode ? (span + g->s[i] - 1) / g->s[i] : span / g->s[i]) + 1;
        if (ceilMode && (g->out[i] - 1) * g->s[i] >= g->in[i] + g->pb[i]) g->out[i]--;
    }
    return HGN_OK;
}

static int64_t prod(const int64_t *v, int n) {
    int64_t p = 1;
    for (int i = 0; i < n; i++) p *= v[i];
    return p;
}

/* col[(ci*K + kk) * P + p] for one image & group */
static void im2col(const float *x, int64_t cin, const Geo *g, float *col) {
    int64_t K = prod(g->k, g->ns), P = prod(g->out, g->ns), inSz = prod(g->in, g->ns);
    for (int64_t ci = 0; ci < cin; ci++) {
        const float *xc = x + ci * inSz;
        for (int64_t kk = 0; kk < K; kk++) {
            int64_t ki[MAXSP] = {0}, r = kk;
            for (int i = g->ns - 1; i >= 0; i--) ki[i] = r % g->k[i], r /= g->k[i];
            float *dst = col + (ci * K + kk) * P;
            int64_t oi[MAXSP] = {0};
            for (int64_t p = 0; p < P; p++) {
                int64_t off = 0;
                bool ok = true;
                for (int i = 0; i < g->ns; i++) {
                    int64_t pos = oi[i] * g->s[i] - g->pb[i] + ki[i] * g->d[i];
                    if (pos < 0 || pos >= g->in[i]) {
                        ok = false;
                        break;
                    }
                    off = off * g->in[i] + pos;
                }
                dst[p] = ok ? xc[off] : 0.0f;
                for (int i = g->ns - 1; i >= 0; i--) {
                    if (++oi[i] < g->out[i]) break;
                    oi[i] = 0;
                }
            }
        }
    }
}

static HgnStatus opConv(OxCtx *c) {
    HgnStatus st = oxNeedF32(c, 0);
    if (!st) st = oxNeedF32(c, 1);
    if (st) return st;
    const OxTensor *x = c->in[0], *w = c->in[1];
    const OxTensor *b = c->nIn > 2 ? c->in[2] : NULL;
    if (x->rank < 3 || x->rank - 2 > MAXSP || w->rank != x->rank) return oxFail(c, "bad ranks");
    Geo g = {.ns = x->rank - 2};
    int64_t N = x->dims[0], C = x->dims[1], M = w->dims[0], G = oxAttrI(c, "group", 1);
    if (G <= 0 || C % G || M % G || w->dims[1] != C / G)
        return oxFail(c, "channels do not match group %lld", (long long)G);
    for (int i = 0; i < g.ns; i++) g.in[i] = x->dims[2 + i], g.k[i] = w->dims[2 + i];
    int32_t nk;
    int64_t kbuf[MAXSP];
    if (oxAttrInts(c, "kernel_shape", kbuf, MAXSP, &nk))
        for (int i = 0; i < nk && i < g.ns; i++)
            if (kbuf[i] != g.k[i]) return oxFail(c, "kernel_shape contradicts W");
    if ((st = geometry(c, &g, false, false))) return st;
    if (b && (b->dtype != HGN_DTYPE_F32 || b->n != M)) return oxFail(c, "bias must be f32 [M]");
    int64_t od[HGN_MAX_RANK] = {N, M};
    for (int i = 0; i < g.ns; i++) od[2 + i] = g.out[i];
    OxTensor *o = c->out[0];
    if ((st = oxAlloc(o, HGN_DTYPE_F32, x->rank, od))) return st;
    int64_t K = prod(g.k, g.ns), P = prod(g.out, g.ns), inSz = prod(g.in, g.ns);
    int64_t cg = C / G, mg = M / G;
    float *col = hgnMalloc((size_t)(cg * K * P > 0 ? cg * K * P : 1) * sizeof(float));
    if (!col) return oxOom();
    for (int64_t n = 0; n < N; n++)
        for (int64_t gi = 0; gi < G; gi++) {
            const float *xg = (const float *)x->data + (n * C + gi * cg) * inSz;
            im2col(xg, cg, &g, col);
            float *y = (float *)o->data + (n * M + gi * mg) * P;
            oxGemm(false, false, mg, P, cg * K, 1.0f, (const float *)w->data + gi * mg * cg * K, cg * K, col, P, 0.0f,
                   y, P);
            if (b)
                for (int64_t m = 0; m < mg; m++) {
                    float bv = ((const float *)b->data)[gi * mg + m];
                    for (int64_t p = 0; p < P; p++) y[m * P + p] += bv;
                }
        }
    hgnFree(col);
    return HGN_OK;
}

static HgnStatus opConvTranspose(OxCtx *c) {
    HgnStatus st = oxNeedF32(c, 0);
    if (!st) st = oxNeedF32(c, 1);
    if (st) return st;
    const OxTensor *x = c->in[0], *w = c->in[1];
    const OxTensor *b = c->nIn > 2 ? c->in[2] : NULL;
    if (x->rank < 3 || x->rank - 2 > MAXSP || w->rank != x->rank) return oxFail(c, "bad ranks");
    Geo g = {.ns = x->rank - 2};
    int64_t N = x->dims[0], C = x->dims[1], G = oxAttrI(c, "group", 1);
    if (G <= 0 || C % G || w->dims[0] != C) return oxFail(c, "channels do not match");
    int64_t mg = w->dims[1], M = mg * G;
    for (int i = 0; i < g.ns; i++) g.in[i] = x->dims[2 + i], g.k[i] = w->dims[2 + i];
    if ((st = geometry(c, &g, false, true))) return st;
    int64_t opad[MAXSP] = {0}, oshape[MAXSP], buf[2 * MAXSP];
    int32_t n1;
    if (oxAttrInts(c, "output_padding", buf, MAXSP, &n1)) {
        if (n1 != g.ns) return oxFail(c, "output_padding size");
        memcpy(opad, buf, sizeof(int64_t) * (size_t)n1);
    }
    const char *ap = hgnNodeAttrString(c->node, "auto_pad", "NOTSET");
    bool haveOs = oxAttrInts(c, "output_shape", buf, 2 * MAXSP, &n1);
    if (haveOs) {
        if (n1 != g.ns && n1 != g.ns + 2) return oxFail(c, "output_shape size");
        for (int i = 0; i < g.ns; i++) oshape[i] = buf[n1 - g.ns + i];
    }
    for (int i = 0; i < g.ns; i++) {
        int64_t ek = (g.k[i] - 1) * g.d[i] + 1;
        int64_t full = g.s[i] * (g.in[i] - 1) + opad[i] + ek;
        if (haveOs || !strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
            int64_t want = haveOs ? oshape[i] : g.in[i] * g.s[i];
            int64_t tot = full - want;
            if (tot < 0) return oxUnsupported(c, "output_shape larger than the full output");
            bool lower = !strcmp(ap, "SAME_LOWER");
            g.pb[i] = lower ? tot - tot / 2 : tot / 2;
            g.pe[i] = tot - g.pb[i];
        } else if (!strcmp(ap, "VALID")) {
            g.pb[i] = g.pe[i] = 0;
        } else if (strcmp(ap, "NOTSET"))
            return oxUnsupported(c, "auto_pad %s", ap);
        g.out[i] = full - g.pb[i] - g.pe[i];
        if (g.out[i] <= 0) return oxFail(c, "empty output");
    }
    if (b && (b->dtype != HGN_DTYPE_F32 || b->n != M)) return oxFail(c, "bias must be f32 [M]");
    int64_t od[HGN_MAX_RANK] = {N, M};
    for (int i = 0; i < g.ns; i++) od[2 + i] = g.out[i];
    OxTensor *o = c->out[0];
    if ((st = oxAlloc(o, HGN_DTYPE_F32, x->rank, od))) return st;
    int64_t K = prod(g.k, g.ns), P = prod(g.in, g.ns), outSz = prod(g.out, g.ns), cg = C / G;
    float *col = hgnMalloc((size_t)(mg * K * P > 0 ? mg * K * P : 1) * sizeof(float));
    if (!col) return oxOom();
    for (int64_t n = 0; n < N; n++)
        for (int64_t gi = 0; gi < G; gi++) {
            /* col[mg*K, P] = W_g^T [mg*K, cg] * X_g [cg, P] */
            oxGemm(true, false, mg * K, P, cg, 1.0f, (const float *)w->data + gi * cg * mg * K, mg * K,
                   (const float *)x->data + (n * C + gi * cg) * P, P, 0.0f, col, P);
            float *y = (float *)o->data + (n * M + gi * mg) * outSz;
            for (int64_t m = 0; m < mg; m++)
                for (int64_t kk = 0; kk < K; kk++) {
                    int64_t ki[MAXSP] = {0}, r = kk;
                    for (int i = g.ns - 1; i >= 0; i--) ki[i] = r % g.k[i], r /= g.k[i];
                    const float *src = col + (m * K + kk) * P;
                    int64_t ii[MAXSP] = {0};
                    for (int64_t p = 0; p < P; p++) {
                        int64_t off = 0;
                        bool ok = true;
                        for (int i = 0; i < g.ns; i++) {
                            int64_t pos = ii[i] * g.s[i] - g.pb[i] + ki[i] * g.d[i];
                            if (pos < 0 || pos >= g.out[i]) {
                                ok = false;
                                break;
                            }
                            off = off * g.out[i] + pos;
                        }
                        if (ok) y[m * outSz + off] += src[p];
                        for (int i = g.ns - 1; i >= 0; i--) {
                            if (++ii[i] < g.in[i]) break;
                            ii[i] = 0;
                        }
                    }
                }
            if (b)
                for (int64_t m = 0; m < mg; m++)
                    for (int64_t p = 0; p < outSz; p++) y[m * outSz + p] += ((const float *)b->data)[gi * mg + m];
        }
    hgnFree(col);
    return HGN_OK;
}

enum { POOL_MAX, POOL_AVG, POOL_LP };

static HgnStatus pool(OxCtx *c, int kind) {
    HgnStatus st = oxNeedF32(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    if (x->rank < 3 || x->rank - 2 > MAXSP) return oxFail(c, "bad rank");
    OxTensor *ind = kind == POOL_MAX && c->nOut > 1 ? c->out[1] : NULL;
    Geo g = {.ns = x->rank - 2};
    int32_t nk;
    if (!oxAttrInts(c, "kernel_shape", g.k, MAXSP, &nk) || nk != g.ns) return oxFail(c, "kernel_shape missing");
    for (int i = 0; i < g.ns; i++) g.in[i] = x->dims[2 + i];
    if (kind == POOL_MAX && oxAttrI(c, "storage_order", 0)) return oxUnsupported(c, "storage_order");
    if ((st = geometry(c, &g, oxAttrI(c, "ceil_mode", 0) != 0, false))) return st;
    bool incl = oxAttrI(c, "count_include_pad", 0) != 0;
    double p = (double)oxAttrI(c, "p", 2);
    int64_t od[HGN_MAX_RANK] = {x->dims[0], x->dims[1]};
    for (int i = 0; i < g.ns; i++) od[2 + i] = g.out[i];
    OxTensor *o = c->out[0];
    if ((st = oxAlloc(o, HGN_DTYPE_F32, x->rank, od))) return st;
    if (ind && (st = oxAlloc(ind, HGN_DTYPE_I64, x->rank, od))) return st;
    int64_t K = prod(g.k, g.ns), P = prod(g.out, g.ns), inSz = prod(g.in, g.ns), NC = x->dims[0] * x->dims[1];
    for (int64_t nc = 0; nc < NC; nc++) {
        const float *xc = (const float *)x->data + nc * inSz;
        float *y = (float *)o->data + nc * P;
        int64_t oi[MAXSP] = {0};
        for (int64_t q = 0; q < P; q++) {
            double acc = kind == POOL_MAX ? -INFINITY : 0.0;
            int64_t cnt = 0, cntPad = 0, arg = 0;
            for (int64_t kk = 0; kk < K; kk++) {
                int64_t r = kk, off = 0, pos[MAXSP] = {0};
                bool ok = true, inPad = true;
                for (int i = g.ns - 1; i >= 0; i--) {
                    int64_t ki = r % g.k[i];
                    r /= g.k[i];
                    pos[i] = oi[i] * g.s[i] - g.pb[i] + ki * g.d[i];
                    if (pos[i] < 0 || pos[i] >= g.in[i]) ok = false;
                    if (pos[i] >= g.in[i] + g.pe[i]) inPad = false;
                }
                if (inPad) cntPad++;
                if (!ok) continue;
                for (int i = 0; i < g.ns; i++) off = off * g.in[i] + pos[i];
                double v = xc[off];
                if (kind == POOL_MAX) {
                    if (v > acc) acc = v, arg = nc * inSz + off;
                } else if (kind == POOL_AVG)
                    acc += v;
                else
                    acc += pow(fabs(v), p);
                cnt++;
            }
            if (kind == POOL_AVG) acc = (incl ? cntPad : cnt) ? acc / (double)(incl ? cntPad : cnt) : 0.0;
            if (kind == POOL_LP) acc = pow(acc, 1.0 / p);
            y[q] = (float)acc;
            if (ind) ((int64_t *)ind->data)[nc * P + q] = arg;
            for (int i = g.ns - 1; i >= 0; i--) {
                if (++oi[i] < g.out[i]) break;
                oi[i] = 0;
            }
        }
    }
    return HGN_OK;
}

static HgnStatus opMaxPool(OxCtx *c) { return pool(c, POOL_MAX); }
static HgnStatus opAveragePool(OxCtx *c) { return pool(c, POOL_AVG); }
static HgnStatus opLpPool(OxCtx *c) { return pool(c, POOL_LP); }

static HgnStatus globalPool(OxCtx *c, int kind) {
    HgnStatus st = oxNeedF32(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    if (x->rank < 2) return oxFail(c, "bad rank");
    int64_t od[HGN_MAX_RANK];
    for (int i = 0; i < x->rank; i++) od[i] = i < 2 ? x->dims[i] : 1;
    OxTensor *o = c->out[0];
    if ((st = oxAlloc(o, HGN_DTYPE_F32, x->rank, od))) return st;
    int64_t NC = x->dims[0] * x->dims[1], S = NC ? x->n / NC : 0;
    double p = (double)oxAttrI(c, "p", 2);
    for (int64_t i = 0; i < NC; i++) {
        const float *xc = (const float *)x->data + i * S;
        double acc = kind == POOL_MAX ? -INFINITY : 0.0;
        for (int64_t j = 0; j < S; j++) {
            if (kind == POOL_MAX)
                acc = xc[j] > acc ? xc[j] : acc;
            else if (kind == POOL_AVG)
                acc += xc[j];
            else
                acc += pow(fabs(xc[j]), p);
        }
        if (kind == POOL_AVG) acc /= (double)S;
        if (kind == POOL_LP) acc = pow(acc, 1.0 / p);
        ((float *)o->data)[i] = (float)acc;
    }
    return HGN_OK;
}
static HgnStatus opGlobalMaxPool(OxCtx *c) { return globalPool(c, POOL_MAX); }
static HgnStatus opGlobalAveragePool(OxCtx *c) { return globalPool(c, POOL_AVG); }
static HgnStatus opGlobalLpPool(OxCtx *c) { return globalPool(c, POOL_LP); }

/* ---- GridSample (4-D) ---- */
static double gsReflect(double x, double lo, double hi) {
    double rng = hi - lo;
    if (rng <= 0) return lo;
    if (x < lo) {
        double dx = lo - x, n = floor(dx / rng), r = dx - n * rng;
        return fmod(n, 2.0) == 0 ? lo + r : hi - r;
    }
    if (x > hi) {
        double dx = x - hi, n = floor(dx / rng), r = dx - n * rng;
        return fmod(n, 2.0) == 0 ? hi - r : lo + r;
    }
    return x;
}

typedef struct GsCtx {
    const float *img;
    int64_t H, W;
    int pad; /* 0 zeros, 1 border, 2 reflection */
    double bx[2], by[2];
} GsCtx;

static double gsPixel(const GsCtx *g, int64_t r, int64_t col) {
    if (g->pad == 0) return (r >= 0 && r < g->H && col >= 0 && col < g->W) ? g->img[r * g->W + col] : 0.0;
    if (g->pad == 2) {
        r = (int64_t)gsReflect((double)r, g->by[0], g->by[1]);
        col = (int64_t)gsReflect((double)col, g->bx[0], g->bx[1]);
    }
    r = r < 0 ? 0 : (r >= g->H ? g->H - 1 : r);
    col = col < 0 ? 0 : (col >= g->W ? g->W - 1 : col);
    return g->img[r * g->W + col];
}

static void cubicCoeffs(double t, double *cf) {
    const double A = -0.75;
    cf[0] = ((A * (t + 1) - 5 * A) * (t + 1) + 8 * A) * (t + 1) - 4 * A;
    cf[1] = ((A + 2) * t - (A + 3)) * t * t + 1;
    cf[2] = ((A + 2) * (1 - t) - (A + 3)) * (1 - t) * (1 - t) + 1;
    cf[3] = ((A * (2 - t) - 5 * A) * (2 - t) + 8 * A) * (2 - t) - 4 * A;
}

static HgnStatus opGridSample(OxCtx *c) {
    HgnStatus st = oxNeedF32(c, 0);
    if (!st) st = oxNeedF32(c, 1);
    if (st) return st;
    const OxTensor *x = c->in[0], *grid = c->in[1];
    if (x->rank != 4 || grid->rank != 4 || grid->dims[3] != 2 || grid->dims[0] != x->dims[0])
        return oxUnsupported(c, "only 4-D inputs with a [N,Ho,Wo,2] grid");
    const char *mode = hgnNodeAttrString(c->node, "mode", "bilinear");
    const char *pm = hgnNodeAttrString(c->node, "padding_mode", "zeros");
    int m = !strcmp(mode, "bilinear") || !strcmp(mode, "linear") ? 0
            : !strcmp(mode, "nearest")                           ? 1
            : !strcmp(mode, "bicubic") || !strcmp(mode, "cubic") ? 2
                                                                 : -1;
    int pad = !strcmp(pm, "zeros") ? 0 : !strcmp(pm, "border") ? 1 : !strcmp(pm, "reflection") ? 2 : -1;
    if (m < 0 || pad < 0) return oxUnsupported(c, "mode %s / padding_mode %s", mode, pm);
    bool ac = oxAttrI(c, "align_corners", 0) != 0;
    int64_t N = x->dims[0], C = x->dims[1], H = x->dims[2], W = x->dims[3], Ho = grid->dims[1], Wo = grid->dims[2];
    int64_t od[4] = {N, C, Ho, Wo};
    if ((st = oxAlloc(c->out[0], HGN_DTYPE_F32, 4, od))) return st;
    if (H == 0 || W == 0) return oxFail(c, "empty input");
    GsCtx g = {.H = H, .W = W, .pad = pad};
    g.bx[0] = ac ? 0 : -0.5, g.bx[1] = ac ? (double)W - 1 : (double)W - 0.5;
    g.by[0] = ac ? 0 : -0.5, g.by[1] = ac ? (double)H - 1 : (double)H - 0.5;
    const float *gr = grid->data;
    float *y = c->out[0]->data;
    for (int64_t n = 0; n < N; n++)
        for (int64_t ch = 0; ch < C; ch++) {
            g.img = (const float *)x->data + (n * C + ch) * H * W;
            for (int64_t oy = 0; oy < Ho; oy++)
                for (int64_t ox = 0; ox < Wo; ox++) {
                    const float *gp = gr + ((n * Ho + oy) * Wo + ox) * 2;
                    double gx = ac ? (gp[0] + 1) / 2.0 * (double)(W - 1) : ((gp[0] + 1) * (double)W - 1) / 2.0;
                    double gy = ac ? (gp[1] + 1) / 2.0 * (double)(H - 1) : ((gp[1] + 1) * (double)H - 1) / 2.0;
                    double v;
                    if (m == 1) {
                        gx = nearbyint(gx), gy = nearbyint(gy);
                        if (pad == 1) {
                            gx = gx < 0 ? 0 : (gx > W - 1 ? (double)(W - 1) : gx);
                            gy = gy < 0 ? 0 : (gy > H - 1 ? (double)(H - 1) : gy);
                        } else if (pad == 2) {
                            gx = gsReflect(gx, g.bx[0], g.bx[1]);
                            gy = gsReflect(gy, g.by[0], g.by[1]);
                        }
                        v = gsPixel(&g, (int64_t)gy, (int64_t)gx);
                    } else {
                        if (pad == 1) {
                            gx = gx < 0 ? 0 : (gx > W - 1 ? (double)(W - 1) : gx);
                            gy = gy < 0 ? 0 : (gy > H - 1 ? (double)(H - 1) : gy);
                        } else if (pad == 2) {
                            gx = gsReflect(gx, g.bx[0], g.bx[1]);
                            gy = gsReflect(gy, g.by[0], g.by[1]);
                        }
                        if (m == 0) {
                            int64_t x1 = (int64_t)floor(gx), y1 = (int64_t)floor(gy);
                            double dx = gx - (double)x1, dy = gy - (double)y1;
                            v = (1 - dy) * ((1 - dx) * gsPixel(&g, y1, x1) + dx * gsPixel(&g, y1, x1 + 1)) +
                                dy * ((1 - dx) * gsPixel(&g, y1 + 1, x1) + dx * gsPixel(&g, y1 + 1, x1 + 1));
                        } else {
                            int64_t x0 = (int64_t)floor(gx) - 1, y0 = (int64_t)floor(gy) - 1;
                            double cx[4], cy[4];
                            cubicCoeffs(gx - floor(gx), cx);
                            cubicCoeffs(gy - floor(gy), cy);
                            v = 0;
                            for (int i = 0; i < 4; i++) {
                                double row = 0;
                                for (int j = 0; j < 4; j++) row += cx[j] * gsPixel(&g, y0 + i, x0 + j);
                                v += cy[i] * row;
                            }
                        }
                    }
                    y[((n * C + ch) * Ho + oy) * Wo + ox] = (float)v;
                }
        }
    return HGN_OK;
}

const OxOp hgnOxConvOps[] = {
    {"GridSample", opGridSample},       {"Conv", opConv},
    {"ConvTranspose", opConvTranspose}, {"MaxPool", opMaxPool},
    {"AveragePool", opAveragePool},     {"LpPool", opLpPool},
    {"GlobalMaxPool", opGlobalMaxPool}, {"GlobalAveragePool", opGlobalAveragePool},
    {"GlobalLpPool", opGlobalLpPool},   {NULL, NULL},
};
