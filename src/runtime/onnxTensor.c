/* onnxTensor.c — ONNX tensor manipulation: Identity, Reshape, Flatten,
 * Squeeze, Unsqueeze, Transpose, Concat, Split, Slice, Gather,
 * GatherElements, GatherND, ScatterElements, ScatterND, Pad, Tile, Expand,
 * Shape, Size, ConstantOfShape, Dropout (inference), DepthToSpace,
 * SpaceToDepth. Dtype-agnostic: elements are moved as bytes. */
#include <string.h>

#include "core/alloc.h"
#include "runtime/onnxExec.h"

static HgnStatus opIdentity(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    return oxCopy(c->out[0], c->in[0]);
}

static HgnStatus opDropout(OxCtx *c) {
    HgnStatus st = opIdentity(c);
    if (st) return st;
    bool training = c->nIn > 2 && c->in[2] && c->in[2]->n && oxGet(c->in[2], 0) != 0;
    double ratio = c->nIn > 1 && c->in[1] && c->in[1]->n ? oxGet(c->in[1], 0) : 0.5;
    if (training && ratio != 0.0) return oxUnsupported(c, "training_mode=true with ratio %g (random)", ratio);
    if (c->nOut > 1 && c->out[1]) {
        if ((st = oxAlloc(c->out[1], HGN_DTYPE_BOOL, c->in[0]->rank, c->in[0]->dims))) return st;
        memset(c->out[1]->data, 1, (size_t)c->out[1]->n);
    }
    return HGN_OK;
}

static HgnStatus reshapeTo(OxCtx *c, int32_t rank, const int64_t *dims) {
    const OxTensor *x = c->in[0];
    HgnStatus st = oxAlloc(c->out[0], x->dtype, rank, dims);
    if (st) return st;
    if (c->out[0]->n != x->n)
        return oxFail(c, "element count changes (%lld -> %lld)", (long long)x->n, (long long)c->out[0]->n);
    if (x->n) memcpy(c->out[0]->data, x->data, (size_t)x->n * oxElemSize(x->dtype));
    return HGN_OK;
}

static HgnStatus opReshape(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    int64_t s[HGN_MAX_RANK + 1];
    int32_t n;
    if ((st = oxInInts(c, 1, s, HGN_MAX_RANK, &n))) return st;
    const OxTensor *x = c->in[0];
    bool allowZero = oxAttrI(c, "allowzero", 0) != 0;
    int neg = -1;
    int64_t known = 1;
    for (int i = 0; i < n; i++) {
        if (s[i] == 0 && !allowZero) {
            if (i >= x->rank) return oxFail(c, "0 at axis %d beyond input rank", i);
            s[i] = x->dims[i];
        }
        if (s[i] == -1) {
            if (neg >= 0) return oxFail(c, "two -1 dims");
            neg = i;
        } else if (s[i] < 0)
            return oxFail(c, "negative dim");
        else
            known *= s[i];
    }
    if (neg >= 0) {
        if (known == 0 || x->n % known) return oxFail(c, "cannot infer -1 dim");
        s[neg] = x->n / known;
    }
    return reshapeTo(c, n, s);
}

static HgnStatus opFlatten(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    int64_t a = oxAttrI(c, "axis", 1);
    if (a < 0) a += x->rank;
    if (a < 0 || a > x->rank) return oxFail(c, "axis out of range");
    int64_t d[2] = {1, 1};
    for (int i = 0; i < x->rank; i++) d[i < a ? 0 : 1] *= x->dims[i];
    return reshapeTo(c, 2, d);
}

static HgnStatus axesList(OxCtx *c, int k, int64_t *axes, int32_t *n) {
    *n = 0;
    if (c->opset >= 13 && c->nIn > k && c->in[k]) return oxInInts(c, k, axes, HGN_MAX_RANK, n);
    if (!oxAttrInts(c, "axes", axes, HGN_MAX_RANK, n)) *n = 0;
    return HGN_OK;
}

static HgnStatus opSqueeze(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    int64_t axes[HGN_MAX_RANK];
    int32_t na;
    if ((st = axesList(c, 1, axes, &na))) return st;
    bool drop[HGN_MAX_RANK] = {0};
    for (int i = 0; i < na; i++) {
        int32_t a;
        if ((st = oxAxis(c, axes[i], x->rank, &a))) return st;
        if (x->dims[a] != 1) return oxFail(c, "axis %d is not 1", a);
        drop[a] = true;
    }
    int64_t d[HGN_MAX_RANK];
    int32_t r = 0;
    for (int i = 0; i < x->rank; i++)
        if (!(na ? drop[i] : x->dims[i] == 1)) d[r++] = x->dims[i];
    return reshapeTo(c, r, d);
}

static HgnStatus opUnsqueeze(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    int64_t axes[HGN_MAX_RANK];
    int32_t na;
    if ((st = axesList(c, 1, axes, &na))) return st;
    int32_t r = x->rank + na;
    if (r > HGN_MAX_RANK) return oxFail(c, "rank too large");
    bool ins[HGN_MAX_RANK] = {0};
    for (int i = 0; i < na; i++) {
        int32_t a;
        if ((st = oxAxis(c, axes[i], r, &a))) return st;
        if (ins[a]) return oxFail(c, "repeated axis");
        ins[a] = true;
    }
    int64_t d[HGN_MAX_RANK];
    for (int i = 0, j = 0; i < r; i++) d[i] = ins[i] ? 1 : x->dims[j++];
    return reshapeTo(c, r, d);
}

static HgnStatus opTranspose(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    int64_t perm[HGN_MAX_RANK];
    int32_t np;
    if (!oxAttrInts(c, "perm", perm, HGN_MAX_RANK, &np)) {
        np = x->rank;
        for (int i = 0; i < np; i++) perm[i] = np - 1 - i;
    }
    if (np != x->rank) return oxFail(c, "perm has %d entries for rank %d", np, x->rank);
    bool seen[HGN_MAX_RANK] = {0};
    int64_t d[HGN_MAX_RANK], is[HGN_MAX_RANK], ps[HGN_MAX_RANK];
    for (int i = 0; i < np; i++) {
        if (perm[i] < 0 || perm[i] >= np || seen[perm[i]]) return oxFail(c, "bad perm");
        seen[perm[i]] = true;
        d[i] = x->dims[perm[i]];
    }
    if ((st = oxAlloc(c->out[0], x->dtype, np, d))) return st;
    oxStrides(x->rank, x->dims, is);
    for (int i = 0; i < np; i++) ps[i] = is[perm[i]];
    size_t es = oxElemSize(x->dtype);
    int64_t idx[HGN_MAX_RANK] = {0}, off = 0;
    char *y = c->out[0]->data;
    const char *xs = x->data;
    for (int64_t o = 0; o < x->n; o++) {
        memcpy(y + o * es, xs + off * es, es);
        for (int i = np - 1; i >= 0; i--) {
            idx[i]++;
            off += ps[i];
            if (idx[i] < d[i]) break;
            off -= ps[i] * d[i];
            idx[i] = 0;
        }
    }
    return HGN_OK;
}

static HgnStatus opConcat(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    const OxTensor *x0 = NULL;
    for (int k = 0; k < c->nIn; k++)
        if (c->in[k] && (!x0 || c->in[k]->rank > 0)) x0 = c->in[k];
    if (!x0) return oxFail(c, "Concat has no input");
    int32_t a;
    if ((st = oxAxis(c, oxAttrI(c, "axis", 0), x0->rank, &a))) return st;
    int64_t d[HGN_MAX_RANK];
    memcpy(d, x0->dims, sizeof d);
    d[a] = 0;
    for (int k = 0; k < c->nIn; k++) {
        const OxTensor *t = c->in[k];
        if (!t) continue;
        if (t->rank != x0->rank || t->dtype != x0->dtype) return oxFail(c, "inputs differ in rank or dtype");
        for (int i = 0; i < t->rank; i++)
            if (i != a && t->dims[i] != x0->dims[i]) return oxFail(c, "inputs differ on axis %d", i);
        d[a] += t->dims[a];
    }
    if ((st = oxAlloc(c->out[0], x0->dtype, x0->rank, d))) return st;
    size_t es = oxElemSize(x0->dtype);
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < a; i++) outer *= d[i];
    for (int i = a + 1; i < x0->rank; i++) inner *= d[i];
    char *y = c->out[0]->data;
    int64_t pos = 0;
    for (int k = 0; k < c->nIn; k++) {
        const OxTensor *t = c->in[k];
        if (!t) continue;
        int64_t blk = t->dims[a] * inner;
        for (int64_t o = 0; o < outer; o++)
            memcpy(y + (o * d[a] * inner + pos) * es, (const char *)t->data + o * blk * es, (size_t)blk * es);
        pos += blk;
    }
    return HGN_OK;
}

static HgnStatus opSplit(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    int32_t a;
    if ((st = oxAxis(c, oxAttrI(c, "axis", 0), x->rank, &a))) return st;
    int64_t sz[OX_MAX_IO];
    int32_t ns = 0;
    if (c->nIn > 1 && c->in[1]) {
        if ((st = oxInInts(c, 1, sz, OX_MAX_IO, &ns))) return st;
    } else if (!oxAttrInts(c, "split", sz, OX_MAX_IO, &ns)) {
        ns = c->nOut;
        int64_t nos = oxAttrI(c, "num_outputs", 0);
        if (nos > 0) ns = (int32_t)nos;
        if (ns <= 0) return oxFail(c, "no outputs to split into");
        int64_t each = (x->dims[a] + ns - 1) / ns;
        for (int i = 0; i < ns; i++) {
            int64_t rem = x->dims[a] - each * i;
            sz[i] = rem < each ? (rem > 0 ? rem : 0) : each;
        }
    }
    if (ns != c->nOut) return oxFail(c, "%d split sizes for %d outputs", ns, c->nOut);
    int64_t tot = 0;
    for (int i = 0; i < ns; i++) tot += sz[i];
    if (tot != x->dims[a]) return oxFail(c, "split sizes do not sum to the axis");
    size_t es = oxElemSize(x->dtype);
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < a; i++) outer *= x->dims[i];
    for (int i = a + 1; i < x->rank; i++) inner *= x->dims[i];
    int64_t pos = 0;
    for (int k = 0; k < ns; k++) {
        int64_t d[HGN_MAX_RANK];
        memcpy(d, x->dims, sizeof d);
        d[a] = sz[k];
        if (c->out[k]) {
            if ((st = oxAlloc(c->out[k], x->dtype, x->rank, d))) return st;
            int64_t blk = sz[k] * inner;
            for (int64_t o = 0; o < outer; o++)
                memcpy((char *)c->out[k]->data + o * blk * es,
                       (const char *)x->data + (o * x->dims[a] * inner + pos) * es, (size_t)blk * es);
        }
        pos += sz[k] * inner;
    }
    return HGN_OK;
}

static int64_t clampI(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

static HgnStatus opSlice(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    int64_t starts[HGN_MAX_RANK], ends[HGN_MAX_RANK], axes[HGN_MAX_RANK], steps[HGN_MAX_RANK];
    int32_t n, n2, na, nst;
    if (c->opset < 10) {
        if (!oxAttrInts(c, "starts", starts, HGN_MAX_RANK, &n) || !oxAttrInts(c, "ends", ends, HGN_MAX_RANK, &n2))
            return oxFail(c, "starts/ends missing");
        if (!oxAttrInts(c, "axes", axes, HGN_MAX_RANK, &na)) na = 0;
        nst = 0;
    } else {
        if ((st = oxInInts(c, 1, starts, HGN_MAX_RANK, &n))) return st;
        if ((st = oxInInts(c, 2, ends, HGN_MAX_RANK, &n2))) return st;
        na = nst = 0;
        if (c->nIn > 3 && c->in[3] && (st = oxInInts(c, 3, axes, HGN_MAX_RANK, &na))) return st;
        if (c->nIn > 4 && c->in[4] && (st = oxInInts(c, 4, steps, HGN_MAX_RANK, &nst))) return st;
    }
    if (n != n2 || (na && na != n) || (nst && nst != n)) return oxFail(c, "starts/ends/axes/steps lengths differ");
    int64_t b[HGN_MAX_RANK], s[HGN_MAX_RANK], d[HGN_MAX_RANK];
    for (int i = 0; i < x->rank; i++) b[i] = 0, s[i] = 1, d[i] = x->dims[i];
    for (int i = 0; i < n; i++) {
        int32_t a;
        if ((st = oxAxis(c, na ? axes[i] : i, x->rank, &a))) return st;
        int64_t step = nst ? steps[i] : 1, dim = x->dims[a];
        if (step == 0) return oxFail(c, "step 0");
        int64_t st0 = starts[i], en = ends[i];
        if (st0 < 0) st0 += dim;
        if (en < 0) en += dim;
        if (step > 0) {
            st0 = clampI(st0, 0, dim);
            en = clampI(en, 0, dim);
            d[a] = en > st0 ? (en - st0 + step - 1) / step : 0;
        } else {
            st0 = clampI(st0, 0, dim - 1);
            en = clampI(en, -1, dim - 1);
            d[a] = st0 > en ? (st0 - en + (-step) - 1) / (-step) : 0;
        }
        b[a] = st0;
        s[a] = step;
    }
    if ((st = oxAlloc(c->out[0], x->dtype, x->rank, d))) return st;
    size_t es = oxElemSize(x->dtype);
    int64_t is[HGN_MAX_RANK];
    oxStrides(x->rank, x->dims, is);
    int64_t idx[HGN_MAX_RANK] = {0};
    for (int64_t o = 0; o < c->out[0]->n; o++) {
        int64_t off = 0;
        for (int i = 0; i < x->rank; i++) off += (b[i] + idx[i] * s[i]) * is[i];
        memcpy((char *)c->out[0]->data + o * es, (const char *)x->data + off * es, es);
        for (int i = x->rank - 1; i >= 0; i--) {
            if (++idx[i] < d[i]) break;
            idx[i] = 0;
        }
    }
    return HGN_OK;
}

static HgnStatus opGather(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (!st) st = oxNeedIn(c, 1);
    if (st) return st;
    const OxTensor *x = c->in[0], *ix = c->in[1];
    int32_t a;
    if ((st = oxAxis(c, oxAttrI(c, "axis", 0), x->rank, &a))) return st;
    int32_t r = x->rank - 1 + ix->rank;
    if (r > HGN_MAX_RANK) return oxFail(c, "rank too large");
    int64_t d[HGN_MAX_RANK];
    int32_t k = 0;
    for (int i = 0; i < a; i++) d[k++] = x->dims[i];
    for (int i = 0; i < ix->rank; i++) d[k++] = ix->dims[i];
    for (int i = a + 1; i < x->rank; i++) d[k++] = x->dims[i];
    if ((st = oxAlloc(c->out[0], x->dtype, r, d))) return st;
    size_t es = oxElemSize(x->dtype);
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < a; i++) outer *= x->dims[i];
    for (int i = a + 1; i < x->rank; i++) inner *= x->dims[i];
    char *y = c->out[0]->data;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < ix->n; j++) {
            int64_t v = oxGetI(ix, j);
            if (v < 0) v += x->dims[a];
            if (v < 0 || v >= x->dims[a]) return oxFail(c, "index %lld out of range", (long long)oxGetI(ix, j));
            memcpy(y + ((o * ix->n + j) * inner) * es, (const char *)x->data + ((o * x->dims[a] + v) * inner) * es,
                   (size_t)inner * es);
        }
    return HGN_OK;
}

/* GatherElements / ScatterElements share the index walk */
static HgnStatus elementsOp(OxCtx *c, bool scatter) {
    HgnStatus st = HGN_OK;
    for (int k = 0; k < (scatter ? 3 : 2) && !st; k++) st = oxNeedIn(c, k);
    if (st) return st;
    const OxTensor *x = c->in[0], *ix = c->in[1];
    if (ix->rank != x->rank) return oxFail(c, "indices rank differs");
    int32_t a;
    if ((st = oxAxis(c, oxAttrI(c, "axis", 0), x->rank, &a))) return st;
    const char *red = hgnNodeAttrString(c->node, "reduction", "none");
    if (scatter && strcmp(red, "none") && strcmp(red, "add") && strcmp(red, "mul"))
        return oxUnsupported(c, "reduction %s", red);
    size_t es = oxElemSize(x->dtype);
    if (scatter && (c->in[2]->n != ix->n || c->in[2]->dtype != x->dtype))
        return oxFail(c, "updates must match indices in shape and data in dtype");
    if (scatter) {
        if ((st = oxCopy(c->out[0], x))) return st;
    } else if ((st = oxAlloc(c->out[0], x->dtype, ix->rank, ix->dims)))
        return st;
    int64_t xs[HGN_MAX_RANK], idx[HGN_MAX_RANK] = {0};
    oxStrides(x->rank, x->dims, xs);
    for (int64_t j = 0; j < ix->n; j++) {
        int64_t v = oxGetI(ix, j);
        if (v < 0) v += x->dims[a];
        if (v < 0 || v >= x->dims[a]) return oxFail(c, "index out of range");
        int64_t off = 0;
        for (int i = 0; i < x->rank; i++) {
            if (i != a && idx[i] >= x->dims[i]) return oxFail(c, "indices larger than data");
            off += (i == a ? v : idx[i]) * xs[i];
        }
        if (!scatter)
            memcpy((char *)c->out[0]->data + j * es, (const char *)x->data + off * es, es);
        else if (!strcmp(red, "none"))
            memcpy((char *)c->out[0]->data + off * es, (const char *)c->in[2]->data + j * es, es);
        else {
            double u = oxGet(c->in[2], j), o = oxGet(c->out[0], off);
            oxSet(c->out[0], off, !strcmp(red, "add") ? o + u : o * u);
        }
        for (int i = ix->rank - 1; i >= 0; i--) {
            if (++idx[i] < ix->dims[i]) break;
            idx[i] = 0;
        }
    }
    return HGN_OK;
}
static HgnStatus opGatherElements(OxCtx *c) { return elementsOp(c, false); }
static HgnStatus opScatterElements(OxCtx *c) { return elementsOp(c, true); }

static HgnStatus ndOp(OxCtx *c, bool scatter) {
    HgnStatus st = HGN_OK;
    for (int k = 0; k < (scatter ? 3 : 2) && !st; k++) st = oxNeedIn(c, k);
    if (st) return st;
    const OxTensor *x = c->in[0], *ix = c->in[1];
    int64_t bd = scatter ? 0 : oxAttrI(c, "batch_dims", 0);
    if (bd != 0) return oxUnsupported(c, "batch_dims != 0");
    if (ix->rank < 1) return oxFail(c, "indices must have rank >= 1");
    int64_t q = ix->dims[ix->rank - 1];
    if (q > x->rank) return oxFail(c, "index tuple longer than data rank");
    const char *red = scatter ? hgnNodeAttrString(c->node, "reduction", "none") : "none";
    int rk = !strcmp(red, "none")  ? 0
             : !strcmp(red, "add") ? 1
             : !strcmp(red, "mul") ? 2
             : !strcmp(red, "max") ? 3
             : !strcmp(red, "min") ? 4
                                   : -1;
    if (rk < 0) return oxUnsupported(c, "reduction %s", red);
    if (rk && !oxIsNumeric(x->dtype)) return oxUnsupported(c, "reduction on dtype %s", hgnDtypeName(x->dtype));
    size_t es = oxElemSize(x->dtype);
    int64_t inner = 1;
    for (int i = (int)q; i < x->rank; i++) inner *= x->dims[i];
    int64_t xs[HGN_MAX_RANK];
    oxStrides(x->rank, x->dims, xs);
    int64_t nt = q ? ix->n / q : 0;
    if (q == 0) return oxUnsupported(c, "empty index tuples");
    if (scatter && (c->in[2]->n != nt * inner || c->in[2]->dtype != x->dtype))
        return oxFail(c, "updates must hold one slice per index tuple");
    if (scatter) {
        if ((st = oxCopy(c->out[0], x))) return st;
    } else {
        int64_t d[HGN_MAX_RANK];
        int32_t r = 0;
        for (int i = 0; i < ix->rank - 1; i++) d[r++] = ix->dims[i];
        for (int i = (int)q; i < x->rank; i++) d[r++] = x->dims[i];
        if (r > HGN_MAX_RANK) return oxFail(c, "rank too large");
        if ((st = oxAlloc(c->out[0], x->dtype, r, d))) return st;
    }
    for (int64_t t = 0; t < nt; t++) {
        int64_t off = 0;
        for (int64_t j = 0; j < q; j++) {
            int64_t v = oxGetI(ix, t * q + j);
            if (v < 0) v += x->dims[j];
            if (v < 0 || v >= x->dims[j]) return oxFail(c, "index out of range");
            off += v * xs[j];
        }
        if (scatter && rk)
            for (int64_t e = 0; e < inner; e++) {
                double o = oxGet(c->out[0], off + e), u = oxGet(c->in[2], t * inner + e);
                oxSet(c->out[0], off + e,
                      rk == 1   ? o + u
                      : rk == 2 ? o * u
                      : rk == 3 ? (u > o ? u : o)
                                : (u < o ? u : o));
            }
        else if (scatter)
            memcpy((char *)c->out[0]->data + off * es, (const char *)c->in[2]->data + t * inner * es,
                   (size_t)inner * es);
        else
            memcpy((char *)c->out[0]->data + t * inner * es, (const char *)x->data + off * es, (size_t)inner * es);
    }
    return HGN_OK;
}
static HgnStatus opGatherND(OxCtx *c) { return ndOp(c, false); }
static HgnStatus opScatterND(OxCtx *c) { return ndOp(c, true); }

static HgnStatus opPad(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    int64_t pads[2 * HGN_MAX_RANK];
    int32_t np;
    double cv = 0.0;
    int64_t axes[HGN_MAX_RANK];
    int32_t na = 0;
    if (c->opset < 11) {
        if (!oxAttrInts(c, "pads", pads, 2 * HGN_MAX_RANK, &np)) return oxFail(c, "pads missing");
        cv = oxAttrF(c, "value", 0.0f);
    } else {
        if ((st = oxInInts(c, 1, pads, 2 * HGN_MAX_RANK, &np))) return st;
        if (c->nIn > 2 && c->in[2] && c->in[2]->n) cv = oxGet(c->in[2], 0);
        if (c->nIn > 3 && c->in[3] && (st = oxInInts(c, 3, axes, HGN_MAX_RANK, &na))) return st;
    }
    int64_t pb[HGN_MAX_RANK] = {0}, pe[HGN_MAX_RANK] = {0};
    if (na) {
        if (np != 2 * na) return oxFail(c, "pads length");
        for (int i = 0; i < na; i++) {
            int32_t a;
            if ((st = oxAxis(c, axes[i], x->rank, &a))) return st;
            pb[a] = pads[i];
            pe[a] = pads[na + i];
        }
    } else {
        if (np != 2 * x->rank) return oxFail(c, "pads has %d values for rank %d", np, x->rank);
        for (int i = 0; i < x->rank; i++) pb[i] = pads[i], pe[i] = pads[x->rank + i];
    }
    const char *mode = hgnNodeAttrString(c->node, "mode", "constant");
    int m = !strcmp(mode, "constant")  ? 0
            : !strcmp(mode, "reflect") ? 1
            : !strcmp(mode, "edge")    ? 2
            : !strcmp(mode, "wrap")    ? 3
                                       : -1;
    if (m < 0) return oxUnsupported(c, "mode %s", mode);
    int64_t d[HGN_MAX_RANK];
    for (int i = 0; i < x->rank; i++) {
        d[i] = x->dims[i] + pb[i] + pe[i];
        if (d[i] < 0) return oxFail(c, "negative output dim");
        if (m && (pb[i] < 0 || pe[i] < 0)) return oxUnsupported(c, "negative pads with mode %s", mode);
        if (m == 1 && (pb[i] >= x->dims[i] || pe[i] >= x->dims[i]) && (pb[i] || pe[i]))
            return oxUnsupported(c, "reflect pad >= dim");
        if (m && x->dims[i] == 0 && d[i]) return oxFail(c, "cannot pad an empty axis");
    }
    if ((st = oxAlloc(c->out[0], x->dtype, x->rank, d))) return st;
    size_t es = oxElemSize(x->dtype);
    int64_t xs[HGN_MAX_RANK], idx[HGN_MAX_RANK] = {0};
    oxStrides(x->rank, x->dims, xs);
    for (int64_t o = 0; o < c->out[0]->n; o++) {
        int64_t off = 0;
        bool inside = true;
        for (int i = 0; i < x->rank; i++) {
            int64_t p = idx[i] - pb[i], n = x->dims[i];
            if (p < 0 || p >= n) {
                if (m == 0)
                    inside = false;
                else if (m == 2)
                    p = p < 0 ? 0 : n - 1;
                else if (m == 3)
                    p = ((p % n) + n) % n;
                else {
                    while (p < 0 || p >= n) p = p < 0 ? -p : 2 * (n - 1) - p;
                }
            }
            off += p * xs[i];
        }
        if (inside)
            memcpy((char *)c->out[0]->data + o * es, (const char *)x->data + off * es, es);
        else
            oxSet(c->out[0], o, cv);
        for (int i = x->rank - 1; i >= 0; i--) {
            if (++idx[i] < d[i]) break;
            idx[i] = 0;
        }
    }
    return HGN_OK;
}

/* out[idx] = x[map(idx)] with broadcast-style strides */
static HgnStatus strided(OxCtx *c, const OxTensor *x, int32_t rank, const int64_t *d, const int64_t *xs,
                         const int64_t *mod) {
    HgnStatus st = oxAlloc(c->out[0], x->dtype, rank, d);
    if (st) return st;
    size_t es = oxElemSize(x->dtype);
    int64_t idx[HGN_MAX_RANK] = {0};
    for (int64_t o = 0; o < c->out[0]->n; o++) {
        int64_t off = 0;
        for (int i = 0; i < rank; i++) off += (mod ? idx[i] % mod[i] : idx[i]) * xs[i];
        memcpy((char *)c->out[0]->data + o * es, (const char *)x->data + off * es, es);
        for (int i = rank - 1; i >= 0; i--) {
            if (++idx[i] < d[i]) break;
            idx[i] = 0;
        }
    }
    return HGN_OK;
}

static HgnStatus opTile(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    int64_t rep[HGN_MAX_RANK];
    int32_t n;
    if ((st = oxInInts(c, 1, rep, HGN_MAX_RANK, &n))) return st;
    if (n != x->rank) return oxFail(c, "repeats length differs from rank");
    int64_t d[HGN_MAX_RANK], xs[HGN_MAX_RANK];
    for (int i = 0; i < n; i++) {
        if (rep[i] < 0) return oxFail(c, "negative repeat");
        d[i] = x->dims[i] * rep[i];
    }
    oxStrides(x->rank, x->dims, xs);
    return strided(c, x, x->rank, d, xs, x->dims);
}

static HgnStatus opExpand(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    OxTensor shp = {.rank = 0};
    int32_t n;
    if ((st = oxInInts(c, 1, shp.dims, HGN_MAX_RANK, &n))) return st;
    shp.rank = n;
    const OxTensor *ts[2] = {x, &shp};
    int32_t r;
    int64_t d[HGN_MAX_RANK], xs[HGN_MAX_RANK];
    if ((st = oxBroadcastShape(c, 2, ts, &r, d))) return st;
    oxBroadcastStrides(x, r, d, xs);
    return strided(c, x, r, d, xs, NULL);
}

static HgnStatus opShape(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    int64_t s = oxAttrI(c, "start", 0), e = oxAttrI(c, "end", x->rank);
    if (s < 0) s += x->rank;
    if (e < 0) e += x->rank;
    s = clampI(s, 0, x->rank);
    e = clampI(e, 0, x->rank);
    int64_t n = e > s ? e - s : 0;
    if ((st = oxAlloc(c->out[0], HGN_DTYPE_I64, 1, &n))) return st;
    for (int64_t i = 0; i < n; i++) ((int64_t *)c->out[0]->data)[i] = x->dims[s + i];
    return HGN_OK;
}

static HgnStatus opSize(OxCtx *c) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    if ((st = oxAlloc(c->out[0], HGN_DTYPE_I64, 0, NULL))) return st;
    ((int64_t *)c->out[0]->data)[0] = c->in[0]->n;
    return HGN_OK;
}

static HgnStatus opConstantOfShape(OxCtx *c) {
    int64_t d[HGN_MAX_RANK];
    int32_t n;
    HgnStatus st = oxInInts(c, 0, d, HGN_MAX_RANK, &n);
    if (st) return st;
    const HgnAttr *v = hgnNodeAttr(c->node, "value");
    HgnDtype t = v && v->type == HGN_ATTR_TENSOR ? v->tDtype : HGN_DTYPE_F32;
    if ((st = oxAlloc(c->out[0], t, n, d))) return st;
    size_t es = oxElemSize(t);
    if (v && v->type == HGN_ATTR_TENSOR && v->tData && v->tBytes >= es)
        for (int64_t i = 0; i < c->out[0]->n; i++) memcpy((char *)c->out[0]->data + i * es, v->tData, es);
    return HGN_OK;
}

static HgnStatus spaceDepth(OxCtx *c, bool toDepth) {
    HgnStatus st = oxNeedIn(c, 0);
    if (st) return st;
    const OxTensor *x = c->in[0];
    if (x->rank != 4) return oxFail(c, "input must be 4-D");
    int64_t b = oxAttrI(c, "blocksize", 0);
    if (b <= 0) return oxFail(c, "blocksize must be positive");
    bool crd = !strcmp(hgnNodeAttrString(c->node, "mode", "DCR"), "CRD");
    int64_t N = x->dims[0], C = x->dims[1], H = x->dims[2], W = x->dims[3];
    /* express both as a 6-D transpose of a reshaped view */
    int64_t vd[6], perm[6], od[4];
    if (toDepth) {
        if (H % b || W % b) return oxFail(c, "H and W must be multiples of blocksize");
        int64_t v[6] = {N, C, H / b, b, W / b, b}, p[6] = {0, 3, 5, 1, 2, 4};
        memcpy(vd, v, sizeof v), memcpy(perm, p, sizeof p);
        od[0] = N, od[1] = C * b * b, od[2] = H / b, od[3] = W / b;
    } else {
        if (C % (b * b)) return oxFail(c, "C must be a multiple of blocksize^2");
        if (crd) {
            int64_t v[6] = {N, C / (b * b), b, b, H, W}, p[6] = {0, 1, 4, 2, 5, 3};
            memcpy(vd, v, sizeof v), memcpy(perm, p, sizeof p);
        } else {
            int64_t v[6] = {N, b, b, C / (b * b), H, W}, p[6] = {0, 3, 4, 1, 5, 2};
            memcpy(vd, v, sizeof v), memcpy(perm, p, sizeof p);
        }
        od[0] = N, od[1] = C / (b * b), od[2] = H * b, od[3] = W * b;
    }
    int64_t vs[6], ps[6], td[6];
    oxStrides(6, vd, vs);
    for (int i = 0; i < 6; i++) ps[i] = vs[perm[i]], td[i] = vd[perm[i]];
    OxTensor view = *x;
    if ((st = strided(c, &view, 6, td, ps, NULL))) return st;
    c->out[0]->rank = 4;
    memcpy(c->out[0]->dims, od, sizeof od);
    return HGN_OK;
}
static HgnStatus opDepthToSpace(OxCtx *c) { return spaceDepth(c, false); }
static HgnStatus opSpaceToDepth(OxCtx *c) { return spaceDepth(c, true); }

const OxOp hgnOxTensorOps[] = {
    {"Identity", opIdentity},
    {"Dropout", opDropout},
    {"Reshape", opReshape},
    {"Flatten", opFlatten},
    {"Squeeze", opSqueeze},
    {"Unsqueeze", opUnsqueeze},
    {"Transpose", opTranspose},
    {"Concat", opConcat},
    {"Split", opSplit},
    {"Slice", opSlice},
    {"Gather", opGather},
    {"GatherElements", opGatherElements},
    {"ScatterElements", opScatterElements},
    {"Scatter", opScatterElements},
    {"GatherND", opGatherND},
    {"ScatterND", opScatterND},
    {"Pad", opPad},
    {"Tile", opTile},
    {"Expand", opExpand},
    {"Shape", opShape},
    {"Size", opSize},
    {"ConstantOfShape", opConstantOfShape},
    {"DepthToSpace", opDepthToSpace},
    {"SpaceToDepth", opSpaceToDepth},
    {NULL, NULL},
};
