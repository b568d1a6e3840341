/* onnxRnn.c — ONNX recurrent layers RNN, GRU and LSTM (forward, reverse,
 * bidirectional; initial states; LSTM peepholes; GRU linear_before_reset;
 * clip; Tanh/Sigmoid/Relu activations). Input projections of the whole
 * sequence are one sgemm; each step is one sgemm per direction. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "runtime/onnxExec.h"

enum { KIND_RNN, KIND_GRU, KIND_LSTM };
enum { ACT_TANH, ACT_SIGMOID, ACT_RELU };

static float act(int a, float x) {
    switch (a) {
    case ACT_SIGMOID:
        return x >= 0 ? 1.0f / (1.0f + expf(-x)) : expf(x) / (1.0f + expf(x));
    case ACT_RELU:
        return x > 0 ? x : 0.0f;
    default:
        return tanhf(x);
    }
}

static float clipv(float x, float clip) { return clip > 0 ? (x < -clip ? -clip : (x > clip ? clip : x)) : x; }

static HgnStatus rnn(OxCtx *c, int kind) {
    HgnStatus st = HGN_OK;
    for (int k = 0; k < 3 && !st; k++) st = oxNeedF32(c, k);
    if (st) return st;
    if (oxAttrI(c, "layout", 0) != 0) return oxUnsupported(c, "layout=1");
    if (kind == KIND_LSTM && oxAttrI(c, "input_forget", 0) != 0) return oxUnsupported(c, "input_forget=1");
    const OxTensor *x = c->in[0], *w = c->in[1], *r = c->in[2];
    const OxTensor *b = c->nIn > 3 ? c->in[3] : NULL, *sl = c->nIn > 4 ? c->in[4] : NULL;
    const OxTensor *h0 = c->nIn > 5 ? c->in[5] : NULL, *c0 = kind == KIND_LSTM && c->nIn > 6 ? c->in[6] : NULL;
    const OxTensor *pp = kind == KIND_LSTM && c->nIn > 7 ? c->in[7] : NULL;
    if (x->rank != 3 || w->rank != 3 || r->rank != 3) return oxFail(c, "X, W, R must be 3-D");
    int64_t S = x->dims[0], B = x->dims[1], I = x->dims[2], H = oxAttrI(c, "hidden_size", r->dims[2]);
    int G = kind == KIND_RNN ? 1 : kind == KIND_GRU ? 3 : 4;
    const char *dir = hgnNodeAttrString(c->node, "direction", "forward");
    int nd = !strcmp(dir, "bidirectional") ? 2 : 1;
    bool reverse = !strcmp(dir, "reverse");
    if (w->dims[0] != nd || w->dims[1] != G * H || w->dims[2] != I || r->dims[1] != G * H || r->dims[2] != H)
        return oxFail(c, "W/R shapes do not match hidden_size %lld", (long long)H);
    if (sl)
        for (int64_t i = 0; i < sl->n; i++)
            if (oxGetI(sl, i) != S) return oxUnsupported(c, "sequence_lens shorter than the sequence");
    for (int k = 3; k < c->nIn && k < 8; k++)
        if (c->in[k] && k != 4 && c->in[k]->dtype != HGN_DTYPE_F32) return oxUnsupported(c, "non-f32 input %d", k);
    if (b && b->n != nd * 2 * G * H) return oxFail(c, "B shape");
    if (pp && pp->n != nd * 3 * H) return oxFail(c, "P shape");
    if ((h0 && h0->n != nd * B * H) || (c0 && c0->n != nd * B * H)) return oxFail(c, "initial state shape");
    /* activations */
    int acts[6] = {ACT_TANH, ACT_TANH, ACT_TANH, ACT_TANH, ACT_TANH, ACT_TANH};
    int na = kind == KIND_RNN ? 1 : kind == KIND_GRU ? 2 : 3;
    for (int d = 0; d < nd; d++) {
        if (kind != KIND_RNN) acts[d * na] = ACT_SIGMOID;
    }
    const HgnAttr *aa = hgnNodeAttr(c->node, "activations");
    if (aa) {
        if (aa->type != HGN_ATTR_STRINGS || aa->n != na * nd) return oxFail(c, "activations count");
        for (int i = 0; i < aa->n; i++) {
            const char *s = aa->strings[i];
            acts[i] = !strcmp(s, "Tanh")      ? ACT_TANH
                      : !strcmp(s, "Sigmoid") ? ACT_SIGMOID
                      : !strcmp(s, "Relu")    ? ACT_RELU
                                              : -1;
            if (acts[i] < 0) return oxUnsupported(c, "activation %s", s);
        }
    }
    float clip = oxAttrF(c, "clip", 0.0f);
    bool lbr = oxAttrI(c, "linear_before_reset", 0) != 0;
    OxTensor *Y = c->nOut > 0 ? c->out[0] : NULL, *Yh = c->nOut > 1 ? c->out[1] : NULL;
    OxTensor *Yc = kind == KIND_LSTM && c->nOut > 2 ? c->out[2] : NULL;
    int64_t yd[4] = {S, nd, B, H}, hd[3] = {nd, B, H};
    if (Y && (st = oxAlloc(Y, HGN_DTYPE_F32, 4, yd))) return st;
    if (Yh && (st = oxAlloc(Yh, HGN_DTYPE_F32, 3, hd))) return st;
    if (Yc && (st = oxAlloc(Yc, HGN_DTYPE_F32, 3, hd))) return st;
    int64_t GH = G * H;
    float *xw = hgnMalloc(sizeof(float) * (size_t)(S * B * GH + 1));
    float *hr = hgnMalloc(sizeof(float) * (size_t)(B * GH + 1));
    float *hcur = hgnMalloc(sizeof(float) * (size_t)(B * H + 1));
    float *ccur = hgnMalloc(sizeof(float) * (size_t)(B * H + 1));
    float *tmp = hgnMalloc(sizeof(float) * (size_t)(B * H + 1));
    float *rh = hgnMalloc(sizeof(float) * (size_t)(B * H + 1));
    if (!xw || !hr || !hcur || !ccur || !tmp || !rh) {
        st = oxOom();
        goto done;
    }
    for (int d = 0; d < nd; d++) {
        bool rev = reverse || d == 1;
        const float *W = (const float *)w->data + d * GH * I, *R = (const float *)r->data + d * GH * H;
        const float *Wb = b ? (const float *)b->data + d * 2 * GH : NULL, *Rb = Wb ? Wb + GH : NULL;
        const float *P = pp ? (const float *)pp->data + d * 3 * H : NULL;
        const int *A = acts + d * na;
        oxGemm(false, true, S * B, GH, I, 1.0f, x->data, I, W, I, 0.0f, xw, GH);
        if (Wb)
            for (int64_t i = 0; i < S * B; i++)
                for (int64_t j = 0; j < GH; j++)
                    xw[i * GH + j] += Wb[j] + (kind == KIND_GRU && lbr && j >= 2 * H ? 0.0f : Rb[j]);
        for (int64_t i = 0; i < B * H; i++) {
            hcur[i] = h0 ? ((const float *)h0->data)[d * B * H + i] : 0.0f;
            ccur[i] = c0 ? ((const float *)c0->data)[d * B * H + i] : 0.0f;
        }
        for (int64_t step = 0; step < S; step++) {
            int64_t t = rev ? S - 1 - step : step;
            const float *xt = xw + t * B * GH;
            if (kind == KIND_GRU && !lbr) {
                oxGemm(false, true, B, 2 * H, H, 1.0f, hcur, H, R, H, 0.0f, hr, GH);
            } else {
                oxGemm(false, true, B, GH, H, 1.0f, hcur, H, R, H, 0.0f, hr, GH);
            }
            if (kind == KIND_RNN) {
                for (int64_t bi = 0; bi < B; bi++)
                    for (int64_t j = 0; j < H; j++)
                        hcur[bi * H + j] = act(A[0], clipv(xt[bi * GH + j] + hr[bi * GH + j], clip));
            } else if (kind == KIND_GRU) {
                /* z, r */
                for (int64_t bi = 0; bi < B; bi++)
                    for (int64_t j = 0; j < 2 * H; j++)
                        hr[bi * GH + j] = act(A[0], clipv(xt[bi * GH + j] + hr[bi * GH + j], clip));
                if (!lbr) {
                    for (int64_t bi = 0; bi < B; bi++)
                        for (int64_t j = 0; j < H; j++) rh[bi * H + j] = hr[bi * GH + H + j] * hcur[bi * H + j];
                    oxGemm(false, true, B, H, H, 1.0f, rh, H, R + 2 * H * H, H, 0.0f, tmp, H);
                    for (int64_t bi = 0; bi < B; bi++)
                        for (int64_t j = 0; j < H; j++) {
                            float hh = act(A[1], clipv(xt[bi * GH + 2 * H + j] + tmp[bi * H + j], clip));
                            float z = hr[bi * GH + j];
                            hcur[bi * H + j] = (1.0f - z) * hh + z * hcur[bi * H + j];
                        }
                } else {
                    for (int64_t bi = 0; bi < B; bi++)
                        for (int64_t j = 0; j < H; j++) {
                            float rb = Rb ? Rb[2 * H + j] : 0.0f;
                            float hh = act(A[1], clipv(xt[bi * GH + 2 * H + j] +
                                                           hr[bi * GH + H + j] * (hr[bi * GH + 2 * H + j] + rb),
                                                       clip));
                            float z = hr[bi * GH + j];
                            hcur[bi * H + j] = (1.0f - z) * hh + z * hcur[bi * H + j];
                        }
                }
            } else {
                for (int64_t bi = 0; bi < B; bi++)
                    for (int64_t j = 0; j < H; j++) {
                        const float *g = xt + bi * GH, *h = hr + bi * GH;
                        float cp = ccur[bi * H + j];
                        float ig = act(A[0], clipv(g[j] + h[j] + (P ? P[j] * cp : 0.0f), clip));
                        float fg = act(A[0], clipv(g[2 * H + j] + h[2 * H + j] + (P ? P[2 * H + j] * cp : 0.0f), clip));
                        float cc = act(A[1], clipv(g[3 * H + j] + h[3 * H + j], clip));
                        float cn = fg * cp + ig * cc;
                        float og = act(A[0], clipv(g[H + j] + h[H + j] + (P ? P[H + j] * cn : 0.0f), clip));
                        ccur[bi * H + j] = cn;
                        hcur[bi * H + j] = og * act(A[2], cn);
                    }
            }
            if (Y) memcpy((float *)Y->data + (t * nd + d) * B * H, hcur, sizeof(float) * (size_t)(B * H));
        }
        if (Yh) memcpy((float *)Yh->data + d * B * H, hcur, sizeof(float) * (size_t)(B * H));
        if (Yc) memcpy((float *)Yc->data + d * B * H, ccur, sizeof(float) * (size_t)(B * H));
    }
done:
    hgnFree(xw);
    hgnFree(hr);
    hgnFree(hcur);
    hgnFree(ccur);
    hgnFree(tmp);
    hgnFree(rh);
    return st;
}

static HgnStatus opRnn(OxCtx *c) { return rnn(c, KIND_RNN); }
static HgnStatus opGru(OxCtx *c) { return rnn(c, KIND_GRU); }
static HgnStatus opLstm(OxCtx *c) { return rnn(c, KIND_LSTM); }

const OxOp hgnOxRnnOps[] = {
    {"RNN", opRnn},
    {"GRU", opGru},
    {"LSTM", opLstm},
    {NULL, NULL},
};
