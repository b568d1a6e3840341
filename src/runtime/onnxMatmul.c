/* onnxMatmul.c — ONNX MatMul (numpy semantics: 1-D promotion, batch
 * broadcasting) and Gemm, on OpenBLAS sgemm. */
#include <string.h>

#include "runtime/onnxExec.h"

static HgnStatus opMatMul(OxCtx *c) {
    HgnStatus st = oxNeedF32(c, 0);
    if (!st) st = oxNeedF32(c, 1);
    if (st) return st;
    const OxTensor *a = c->in[0], *b = c->in[1];
    if (a->rank < 1 || b->rank < 1) return oxFail(c, "scalar operands");
    /* promote */
    OxTensor A = *a, B = *b;
    if (A.rank == 1) {
        A.rank = 2;
        A.dims[1] = A.dims[0];
        A.dims[0] = 1;
    }
    if (B.rank == 1) {
        B.rank = 2;
        B.dims[1] = 1;
    }
    int64_t m = A.dims[A.rank - 2], k = A.dims[A.rank - 1], k2 = B.dims[B.rank - 2], n = B.dims[B.rank - 1];
    if (k != k2) return oxFail(c, "inner dims differ (%lld vs %lld)", (long long)k, (long long)k2);
    /* batch broadcast */
    OxTensor ab = A, bb = B;
    ab.rank = A.rank - 2;
    bb.rank = B.rank - 2;
    const OxTensor *ts[2] = {&ab, &bb};
    int32_t br;
    int64_t bd[HGN_MAX_RANK];
    if ((st = oxBroadcastShape(c, 2, ts, &br, bd))) return st;
    int64_t sa[HGN_MAX_RANK], sb[HGN_MAX_RANK];
    oxBroadcastStrides(&ab, br, bd, sa);
    oxBroadcastStrides(&bb, br, bd, sb);
    int64_t od[HGN_MAX_RANK];
    int32_t orank = 0;
    for (int i = 0; i < br; i++) od[orank++] = bd[i];
    if (a->rank > 1) od[orank++] = m;
    if (b->rank > 1) od[orank++] = n;
    if (orank > HGN_MAX_RANK) return oxFail(c, "rank too large");
    OxTensor *o = c->out[0];
    if ((st = oxAlloc(o, HGN_DTYPE_F32, orank, od))) return st;
    int64_t nb = 1;
    for (int i = 0; i < br; i++) nb *= bd[i];
    int64_t idx[HGN_MAX_RANK] = {0};
    for (int64_t bi = 0; bi < nb; bi++) {
        int64_t oa = 0, ob = 0;
        for (int d = 0; d < br; d++) {
            oa += idx[d] * sa[d];
            ob += idx[d] * sb[d];
        }
        oxGemm(false, false, m, n, k, 1.0f, (const float *)a->data + oa * m * k, k, (const float *)b->data + ob * k * n,
               n, 0.0f, (float *)o->data + bi * m * n, n);
        for (int d = br - 1; d >= 0; d--) {
            if (++idx[d] < bd[d]) break;
            idx[d] = 0;
        }
    }
    return HGN_OK;
}

static HgnStatus opGemm(OxCtx *c) {
    HgnStatus st = oxNeedF32(c, 0);
    if (!st) st = oxNeedF32(c, 1);
    if (st) return st;
    const OxTensor *a = c->in[0], *b = c->in[1];
    if (a->rank != 2 || b->rank != 2) return oxFail(c, "A and B must be 2-D");
    bool ta = oxAttrI(c, "transA", 0) != 0, tb = oxAttrI(c, "transB", 0) != 0;
    float alpha = oxAttrF(c, "alpha", 1.0f), beta = oxAttrF(c, "beta", 1.0f);
    int64_t m = ta ? a->dims[1] : a->dims[0], k = ta ? a->dims[0] : a->dims[1];
    int64_t k2 = tb ? b->dims[1] : b->dims[0], n = tb ? b->dims[0] : b->dims[1];
    if (k != k2) return oxFail(c, "inner dims differ");
    int64_t od[2] = {m, n};
    OxTensor *o = c->out[0];
    if ((st = oxAlloc(o, HGN_DTYPE_F32, 2, od))) return st;
    float *y = o->data;
    float bcoef = 0.0f;
    if (c->nIn > 2 && c->in[2] && beta != 0.0f) {
        if ((st = oxNeedF32(c, 2))) return st;
        const OxTensor *cc = c->in[2];
        OxTensor oshape = {.rank = 2, .dims = {m, n}};
        const OxTensor *ts[2] = {&oshape, cc};
        int32_t r;
        int64_t d[HGN_MAX_RANK];
        if ((st = oxBroadcastShape(c, 2, ts, &r, d))) return st;
        if (d[0] != m || d[1] != n) return oxFail(c, "C does not broadcast to [M,N]");
        int64_t s[HGN_MAX_RANK];
        oxBroadcastStrides(cc, 2, d, s);
        const float *cv = cc->data;
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++) y[i * n + j] = cv[i * s[0] + j * s[1]];
        bcoef = beta;
    }
    oxGemm(ta, tb, m, n, k, alpha, a->data, a->dims[1], b->data, b->dims[1], bcoef, y, n);
    return HGN_OK;
}

const OxOp hgnOxMatmulOps[] = {
    {"MatMul", opMatMul},
    {"Gemm", opGemm},
    {NULL, NULL},
};
