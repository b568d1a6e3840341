/* onnxMatmul.c — ONNX linear algebra: MatMul (numpy semantics: 1-D
 * promotion, batch broadcasting) and Gemm on OpenBLAS sgemm, Einsum (any
 * explicit or implicit equation, ellipsis included, by index loops) and Det
 * (LU with partial pivoting in double). */
#include <math.h>
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

#define EIN_MAX 26

typedef struct EinTerm {
    int n;                 /* labels incl. ellipsis dims */
    int lab[HGN_MAX_RANK]; /* label id per axis */
} EinTerm;

/* parses one term; ellipsis dims get labels 26.. (right-aligned); returns false on bad syntax */
static bool einParse(const char *s, size_t len, int rank, int *nEll, EinTerm *t) {
    t->n = 0;
    int letters = 0;
    bool ell = false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == ' ') continue;
        if (s[i] == '.') {
            if (i + 2 >= len) return false;
            if (s[i + 1] != '.' || s[i + 2] != '.' || ell) return false;
            ell = true;
            i += 2;
            continue;
        }
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) return false;
        letters++;
    }
    int ne = ell ? rank - letters : 0;
    if (ne < 0 || (!ell && letters != rank && rank >= 0)) return false;
    if (ell) {
        if (*nEll >= 0 && *nEll != ne && rank >= 0) {
            if (ne > *nEll) *nEll = ne;
        } else if (*nEll < 0)
            *nEll = ne;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] == ' ') continue;
        if (s[i] == '.') {
            for (int k = 0; k < ne; k++) {
                if (t->n >= HGN_MAX_RANK) return false;
                t->lab[t->n++] = 52 + (*nEll - ne) + k;
            }
            i += 2;
            continue;
        }
        if (t->n >= HGN_MAX_RANK) return false;
        t->lab[t->n++] = s[i] >= 'a' ? s[i] - 'a' : 26 + s[i] - 'A';
    }
    return true;
}

static HgnStatus opEinsum(OxCtx *c) {
    const char *eq = hgnNodeAttrString(c->node, "equation", NULL);
    if (!eq) return oxFail(c, "equation missing");
    if (c->nIn < 1 || c->nIn > 8) return oxUnsupported(c, "%d operands", c->nIn);
    for (int k = 0; k < c->nIn; k++) {
        HgnStatus st = oxNeedIn(c, k);
        if (st) return st;
        if (c->in[k]->dtype != HGN_DTYPE_F32 && c->in[k]->dtype != HGN_DTYPE_F64 && c->in[k]->dtype != HGN_DTYPE_I64 &&
            c->in[k]->dtype != HGN_DTYPE_I32)
            return oxUnsupported(c, "dtype %s", hgnDtypeName(c->in[k]->dtype));
    }
    const char *arrow = strstr(eq, "->");
    size_t lhsLen = arrow ? (size_t)(arrow - eq) : strlen(eq);
    EinTerm in[8], out;
    memset(in, 0, sizeof in);
    int nEll = -1;
    const char *p = eq;
    for (int k = 0; k < c->nIn; k++) {
        const char *comma = memchr(p, ',', lhsLen - (size_t)(p - eq));
        size_t len = comma ? (size_t)(comma - p) : lhsLen - (size_t)(p - eq);
        if ((k + 1 < c->nIn) != (comma != NULL)) return oxFail(c, "equation has a different operand count");
        if (!einParse(p, len, c->in[k]->rank, &nEll, &in[k])) return oxFail(c, "cannot parse equation %s", eq);
        p = comma ? comma + 1 : p + len;
    }
    if (nEll < 0) nEll = 0;
    /* re-parse so every ellipsis is right-aligned to nEll */
    p = eq;
    for (int k = 0; k < c->nIn; k++) {
        const char *comma = memchr(p, ',', lhsLen - (size_t)(p - eq));
        size_t len = comma ? (size_t)(comma - p) : lhsLen - (size_t)(p - eq);
        int fixed = nEll;
        if (!einParse(p, len, c->in[k]->rank, &fixed, &in[k])) return oxFail(c, "cannot parse equation %s", eq);
        p = comma ? comma + 1 : p + len;
    }
    int64_t size[80];
    int count[80] = {0};
    for (int l = 0; l < 80; l++) size[l] = -1;
    for (int k = 0; k < c->nIn; k++)
        for (int a = 0; a < in[k].n; a++) {
            int l = in[k].lab[a];
            int64_t d = c->in[k]->dims[a];
            if (size[l] < 0 || size[l] == 1)
                size[l] = d > size[l] ? d : (size[l] < 0 ? d : size[l]);
            else if (d != size[l] && d != 1)
                return oxFail(c, "label sizes disagree");
            count[l]++;
        }
    if (arrow) {
        const char *o = arrow + 2;
        EinTerm fixedOut = {0};
        for (size_t i = 0; o[i]; i++) {
            if (o[i] == ' ') continue;
            if (fixedOut.n + (o[i] == '.' ? nEll : 1) > HGN_MAX_RANK) return oxFail(c, "output rank too large");
            if (o[i] == '.') {
                if (o[i + 1] != '.' || o[i + 2] != '.') return oxFail(c, "cannot parse output of %s", eq);
                for (int k = 0; k < nEll; k++) fixedOut.lab[fixedOut.n++] = 52 + k;
                i += 2;
                continue;
            }
            if (!((o[i] >= 'a' && o[i] <= 'z') || (o[i] >= 'A' && o[i] <= 'Z')))
                return oxFail(c, "cannot parse output of %s", eq);
            fixedOut.lab[fixedOut.n++] = o[i] >= 'a' ? o[i] - 'a' : 26 + o[i] - 'A';
        }
        out = fixedOut;
    } else {
        out.n = 0;
        for (int k = 0; k < nEll; k++) out.lab[out.n++] = 52 + k;
        for (int l = 0; l < 52; l++)
            if (count[l] == 1) out.lab[out.n++] = l;
    }
    bool inOut[80] = {0};
    int64_t od[HGN_MAX_RANK];
    for (int a = 0; a < out.n; a++) {
        if (size[out.lab[a]] < 0) return oxFail(c, "output label not in inputs");
        inOut[out.lab[a]] = true;
        od[a] = size[out.lab[a]];
    }
    int sumLab[80], ns = 0;
    for (int l = 0; l < 80; l++)
        if (size[l] >= 0 && !inOut[l]) sumLab[ns++] = l;
    HgnDtype ot = c->in[0]->dtype;
    HgnStatus st = oxAlloc(c->out[0], ot, out.n, od);
    if (st) return st;
    /* strides of each operand per label (summed over repeated labels: diagonals) */
    int64_t stl[8][80];
    for (int k = 0; k < c->nIn; k++) {
        int64_t s[HGN_MAX_RANK];
        oxStrides(c->in[k]->rank, c->in[k]->dims, s);
        for (int l = 0; l < 80; l++) stl[k][l] = 0;
        for (int a = 0; a < in[k].n; a++)
            if (c->in[k]->dims[a] != 1) stl[k][in[k].lab[a]] += s[a];
    }
    int64_t total = 1;
    for (int i = 0; i < ns; i++) total *= size[sumLab[i]];
    int64_t oi[HGN_MAX_RANK] = {0};
    for (int64_t o = 0; o < c->out[0]->n; o++) {
        int64_t base[8] = {0};
        for (int k = 0; k < c->nIn; k++)
            for (int a = 0; a < out.n; a++) base[k] += oi[a] * stl[k][out.lab[a]];
        double acc = 0;
        int64_t si[80] = {0};
        for (int64_t t = 0; t < total; t++) {
            double prod = 1;
            for (int k = 0; k < c->nIn; k++) {
                int64_t off = base[k];
                for (int i = 0; i < ns; i++) off += si[i] * stl[k][sumLab[i]];
                prod *= oxGet(c->in[k], off);
            }
            acc += prod;
            for (int i = ns - 1; i >= 0; i--) {
                if (++si[i] < size[sumLab[i]]) break;
                si[i] = 0;
            }
        }
        oxSet(c->out[0], o, acc);
        for (int a = out.n - 1; a >= 0; a--) {
            if (++oi[a] < od[a]) break;
            oi[a] = 0;
        }
    }
    return HGN_OK;
}

static HgnStatus opDet(OxCtx *c) {
    HgnStatus st = oxNeedF32(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    if (x->rank < 2 || x->dims[x->rank - 1] != x->dims[x->rank - 2]) return oxFail(c, "input must be [..., N, N]");
    int64_t n = x->dims[x->rank - 1];
    if (n > 64) return oxUnsupported(c, "matrices larger than 64x64");
    if ((st = oxAlloc(c->out[0], HGN_DTYPE_F32, x->rank - 2, x->dims))) return st;
    double m[64 * 64];
    for (int64_t b = 0; b < c->out[0]->n; b++) {
        for (int64_t i = 0; i < n * n; i++) m[i] = ((const float *)x->data)[b * n * n + i];
        double det = 1;
        for (int64_t col = 0; col < n; col++) {
            int64_t piv = col;
            for (int64_t r = col + 1; r < n; r++)
                if (fabs(m[r * n + col]) > fabs(m[piv * n + col])) piv = r;
            if (m[piv * n + col] == 0) {
                det = 0;
                break;
            }
            if (piv != col) {
                for (int64_t k = 0; k < n; k++) {
                    double t = m[col * n + k];
                    m[col * n + k] = m[piv * n + k];
                    m[piv * n + k] = t;
                }
                det = -det;
            }
            det *= m[col * n + col];
            for (int64_t r = col + 1; r < n; r++) {
                double f = m[r * n + col] / m[col * n + col];
                for (int64_t k = col; k < n; k++) m[r * n + k] -= f * m[col * n + k];
            }
        }
        ((float *)c->out[0]->data)[b] = (float)det;
    }
    return HGN_OK;
}

const OxOp hgnOxMatmulOps[] = {
    {"Einsum", opEinsum}, {"Det", opDet}, {"MatMul", opMatMul}, {"Gemm", opGemm}, {NULL, NULL},
};
