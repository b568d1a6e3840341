/* shapeInferenceTensor.c — shape rules for operators that move or index data:
 * Reshape, Flatten, Transpose, Squeeze/Unsqueeze, Concat, Split, Slice,
 * Gather(Elements/ND), Pad, Tile, Expand, Shape, Size, ConstantOfShape,
 * Range, OneHot, NonZero, TopK, Resize/Upsample, Depth/SpaceToDepth and a few
 * data-dependent ops whose sizes become symbols; folds integer contents. */
#include "ir/shapeInferenceInt.h"

#include <math.h>
#include <string.h>

static HgnStatus unknownRank(InferCtx *c) { return outAllUnknown(c, inType(c, 0)); }

/* ---- Reshape / Flatten ----------------------------------------------------------- */
static HgnStatus reshape(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    const HgnDim *t;
    int32_t n;
    HgnDim tmp[HGN_MAX_RANK];
    if (c->opset < 5) {
        const int64_t *v;
        if (!attrInts(c, "shape", &v, &n)) return inferFail(c, "Reshape needs attribute 'shape'");
        if (n > HGN_MAX_RANK) return inferFail(c, "target rank %d is too large", n);
        for (int32_t i = 0; i < n; i++) tmp[i] = dimKnown(v[i]);
        t = tmp;
    } else if (!inInts(c, 1, &t, &n)) {
        const HgnShape *s = inShape(c, 1);
        if (s && s->rank == 1 && dimIsKnown(s->dims[0]) && s->dims[0].n <= HGN_MAX_RANK) {
            HgnShape o = {.rank = (int32_t)s->dims[0].n};
            for (int32_t i = 0; i < o.rank; i++) o.dims[i] = dimFresh(c, 0, i);
            return outSet(c, 0, inType(c, 0), &o);
        }
        return outSet(c, 0, inType(c, 0), NULL);
    }
    if (n > HGN_MAX_RANK) return inferFail(c, "target rank %d is too large", n);
    bool allowZero = attrInt(c, "allowzero", 0) != 0;
    HgnShape o = {.rank = n};
    int32_t minus = -1;
    for (int32_t i = 0; i < n; i++) {
        HgnDim d = t[i];
        if (dimIsKnown(d) && d.n == 0 && !allowZero) {
            if (!x) {
                o.dims[i] = dimFresh(c, 0, i);
                continue;
            }
            if (i >= x->rank) return inferFail(c, "target dim %d is 0 (copy) but the input has rank %d", i, x->rank);
            d = x->dims[i];
        } else if (dimIsKnown(d) && d.n == -1) {
            if (minus >= 0) return inferFail(c, "target shape has more than one -1");
            minus = i;
        } else if (dimIsKnown(d) && d.n < -1)
            return inferFail(c, "target dim %d is %lld", i, (long long)d.n);
        o.dims[i] = d;
    }
    if (minus >= 0) {
        if (!x) {
            o.dims[minus] = dimFresh(c, 0, minus);
        } else {
            /* known product of input / known product of other target dims, cancelling shared symbols */
            int32_t symIn[HGN_MAX_RANK], nIn = 0, symOut[HGN_MAX_RANK], nOut = 0;
            int64_t pIn = 1, pOut = 1;
            bool zeroIn = false;
            for (int32_t i = 0; i < x->rank; i++) {
                if (dimIsKnown(x->dims[i])) {
                    if (x->dims[i].n == 0)
                        zeroIn = true;
                    else if (!ckMul(pIn, x->dims[i].n, &pIn))
                        return inferFail(c, "input element count overflows");
                } else
                    symIn[nIn++] = x->dims[i].sym;
            }
            for (int32_t i = 0; i < n; i++) {
                if (i == minus) continue;
                if (dimIsKnown(o.dims[i])) {
                    if (!ckMul(pOut, o.dims[i].n, &pOut)) return inferFail(c, "target element count overflows");
                } else
                    symOut[nOut++] = o.dims[i].sym;
            }
            for (int32_t i = 0; i < nOut; i++)
                for (int32_t j = 0; j < nIn; j++)
                    if (symIn[j] == symOut[i]) {
                        symIn[j] = symIn[--nIn];
                        symOut[i--] = symOut[--nOut];
                        break;
                    }
            if (zeroIn)
                o.dims[minus] = dimKnown(0);
            else if (nOut == 0 && nIn == 0) {
                if (pOut == 0 || pIn % pOut != 0)
                    return inferFail(c, "cannot reshape %lld elements into a shape with %lld elements per -1 slot",
                                     (long long)pIn, (long long)pOut);
                o.dims[minus] = dimKnown(pIn / pOut);
            } else if (nOut == 0 && nIn == 1 && pIn == pOut)
                o.dims[minus] = (HgnDim){0, symIn[0]};
            else
                o.dims[minus] = dimFresh(c, 0, minus);
        }
    } else if (x) {
        int64_t a, b;
        HgnStatus s1 = hgnShapeElements(x, NULL, 0, &a), s2 = hgnShapeElements(&o, NULL, 0, &b);
        bool bad = !s1 && !s2 && a != b;
        hgnStatusFree(s1);
        hgnStatusFree(s2);
        if (bad) return inferFail(c, "cannot reshape %lld elements into %lld", (long long)a, (long long)b);
    }
    HgnStatus st = outSet(c, 0, inType(c, 0), &o);
    const HgnDim *e;
    int32_t ne;
    if (!st && inInts(c, 0, &e, &ne)) st = outInts(c, 0, e, ne);
    return st;
}

static HgnStatus flatten(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    if (!x) return unknownRank(c);
    int64_t axis = attrInt(c, "axis", 1);
    if (axis < 0) axis += x->rank;
    if (axis < 0 || axis > x->rank)
        return inferFail(c, "Flatten axis %lld is out of range for rank %d", (long long)axis, x->rank);
    HgnShape o = {.rank = 2};
    o.dims[0] = dimProduct(c, x, 0, (int)axis, 0, 0);
    o.dims[1] = dimProduct(c, x, (int)axis, x->rank, 0, 1);
    return outSet(c, 0, inType(c, 0), &o);
}

static HgnStatus transpose(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    if (!x) return unknownRank(c);
    const int64_t *p;
    int32_t n;
    HgnShape o = {.rank = x->rank};
    if (attrInts(c, "perm", &p, &n)) {
        if (n != x->rank) return inferFail(c, "perm has %d entries for rank %d", n, x->rank);
        bool used[HGN_MAX_RANK] = {false};
        for (int32_t i = 0; i < n; i++) {
            int32_t a;
            HgnStatus st = normAxis(c, p[i], x->rank, &a);
            if (st) return st;
            if (used[a]) return inferFail(c, "perm repeats axis %d", a);
            used[a] = true;
            o.dims[i] = x->dims[a];
        }
    } else {
        for (int32_t i = 0; i < x->rank; i++) o.dims[i] = x->dims[x->rank - 1 - i];
    }
    return outSet(c, 0, inType(c, 0), &o);
}

/* axes from attribute (before opset 13) or input 1 */
static int axesOf(InferCtx *c, int inputIdx, int firstInputOpset, int64_t *axes, int32_t *n) {
    if (c->opset < firstInputOpset) {
        const int64_t *v;
        if (!attrInts(c, "axes", &v, n)) return 0;
        if (*n > HGN_MAX_RANK) return -1;
        memcpy(axes, v, sizeof(int64_t) * (size_t)*n);
        return 1;
    }
    if (!inHas(c, inputIdx)) return 0;
    return inIntsKnown(c, inputIdx, axes, HGN_MAX_RANK, n) ? 1 : -1;
}

static HgnStatus squeeze(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    if (!x) return unknownRank(c);
    int64_t axes[HGN_MAX_RANK];
    int32_t n = 0;
    int r = axesOf(c, 1, 13, axes, &n);
    if (r < 0) return outSet(c, 0, inType(c, 0), NULL);
    bool drop[HGN_MAX_RANK] = {false};
    if (r == 0) {
        for (int32_t i = 0; i < x->rank; i++) {
            if (!dimIsKnown(x->dims[i])) return outSet(c, 0, inType(c, 0), NULL); /* might be 1 */
            drop[i] = x->dims[i].n == 1;
        }
    } else {
        for (int32_t i = 0; i < n; i++) {
            int32_t a;
            HgnStatus st = normAxis(c, axes[i], x->rank, &a);
            if (st) return st;
            if (dimIsKnown(x->dims[a]) && x->dims[a].n != 1)
                return inferFail(c, "cannot squeeze axis %d of size %lld", a, (long long)x->dims[a].n);
            drop[a] = true;
        }
    }
    HgnShape o = {.rank = 0};
    for (int32_t i = 0; i < x->rank; i++)
        if (!drop[i]) o.dims[o.rank++] = x->dims[i];
    HgnStatus st = outSet(c, 0, inType(c, 0), &o);
    const HgnDim *e;
    int32_t ne;
    if (!st && inInts(c, 0, &e, &ne)) st = outInts(c, 0, e, ne);
    return st;
}

static HgnStatus unsqueeze(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    if (!x) return unknownRank(c);
    int64_t axes[HGN_MAX_RANK];
    int32_t n = 0;
    int r = axesOf(c, 1, 13, axes, &n);
    if (r < 0) return outSet(c, 0, inType(c, 0), NULL);
    if (r == 0) return inferFail(c, "Unsqueeze needs axes");
    int32_t rank = x->rank + n;
    if (rank > HGN_MAX_RANK) return inferFail(c, "output rank %d is too large", rank);
    bool ins[HGN_MAX_RANK] = {false};
    for (int32_t i = 0; i < n; i++) {
        int32_t a;
        HgnStatus st = normAxis(c, axes[i], rank, &a);
        if (st) return st;
        if (ins[a]) return inferFail(c, "axes repeat %d", a);
        ins[a] = true;
    }
    HgnShape o = {.rank = rank};
    for (int32_t i = 0, j = 0; i < rank; i++) o.dims[i] = ins[i] ? dimKnown(1) : x->dims[j++];
    HgnStatus st = outSet(c, 0, inType(c, 0), &o);
    const HgnDim *e;
    int32_t ne;
    if (!st && inInts(c, 0, &e, &ne)) st = outInts(c, 0, e, ne);
    return st;
}

/* ---- Concat / Split / Slice -------------------------------------------------------- */
static HgnStatus concat(InferCtx *c) {
    if (c->node->nInputs < 1) return inferFail(c, "Concat needs inputs");
    const HgnShape *s0 = NULL;
    for (int k = 0; k < c->node->nInputs && !s0; k++) s0 = inShape(c, k);
    if (!s0) return unknownRank(c);
    int32_t axis;
    HgnStatus st = normAxis(c, attrInt(c, "axis", c->opset < 4 ? 1 : 0), s0->rank, &axis);
    if (st) return st;
    HgnShape o = *s0;
    int64_t sum = 0;
    bool known = true;
    int nSym = 0;
    HgnDim sym = dimKnown(0);
    for (int k = 0; k < c->node->nInputs; k++) {
        const HgnShape *s = inShape(c, k);
        if (!s) return outSet(c, 0, inType(c, 0), NULL);
        if (s->rank != s0->rank) return inferFail(c, "Concat input %d has rank %d, expected %d", k, s->rank, s0->rank);
        for (int32_t i = 0; i < s->rank; i++) {
            if (i == axis) continue;
            if (dimIsKnown(s->dims[i]) && dimIsKnown(o.dims[i]) && s->dims[i].n != o.dims[i].n)
                return inferFail(c, "Concat input %d has %lld at axis %d, expected %lld", k, (long long)s->dims[i].n, i,
                                 (long long)o.dims[i].n);
            if (!dimIsKnown(o.dims[i]) && dimIsKnown(s->dims[i])) o.dims[i] = s->dims[i];
        }
        if (dimIsKnown(s->dims[axis])) {
            if (!ckAdd(sum, s->dims[axis].n, &sum)) return inferFail(c, "Concat output overflows");
        } else {
            known = false;
            nSym++;
            sym = s->dims[axis];
        }
    }
    o.dims[axis] = known ? dimKnown(sum) : (nSym == 1 && sum == 0 ? sym : dimFresh(c, 0, axis));
    if ((st = outSet(c, 0, inType(c, 0), &o))) return st;
    if (o.rank == 1) { /* fold */
        HgnDim r[HGN_FOLD_MAX];
        int32_t total = 0;
        for (int k = 0; k < c->node->nInputs; k++) {
            const HgnDim *e;
            int32_t n;
            if (!inInts(c, k, &e, &n) || total + n > HGN_FOLD_MAX) return HGN_OK;
            memcpy(r + total, e, sizeof(HgnDim) * (size_t)n);
            total += n;
        }
        return outInts(c, 0, r, total);
    }
    return HGN_OK;
}

static HgnStatus split(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    if (!x) return unknownRank(c);
    int32_t axis;
    HgnStatus st = normAxis(c, attrInt(c, "axis", 0), x->rank, &axis);
    if (st) return st;
    int32_t nOut = outCount(c);
    int64_t sizes[256];
    int32_t n = 0;
    bool have = false;
    if (c->opset < 13) {
        const int64_t *v;
        if (attrInts(c, "split", &v, &n)) {
            if (n > 256) return inferFail(c, "too many splits");
            memcpy(sizes, v, sizeof(int64_t) * (size_t)n);
            have = true;
        } else if (c->opset < 2 && inHas(c, 1)) {
            if (!inIntsKnown(c, 1, sizes, 256, &n)) return unknownRank(c);
            have = true;
        }
    } else if (inHas(c, 1)) {
        if (!inIntsKnown(c, 1, sizes, 256, &n)) {
            for (int k = 0; k < nOut; k++) {
                HgnShape o = *x;
                o.dims[axis] = dimFresh(c, k, axis);
                if ((st = outSet(c, k, inType(c, 0), &o))) return st;
            }
            return HGN_OK;
        }
        have = true;
    }
    if (have && n != nOut) return inferFail(c, "split has %d sizes for %d outputs", n, nOut);
    HgnDim d = x->dims[axis];
    for (int k = 0; k < nOut; k++) {
        HgnShape o = *x;
        if (have)
            o.dims[axis] = dimKnown(sizes[k]);
        else if (!dimIsKnown(d))
            o.dims[axis] = dimFresh(c, k, axis);
        else {
            int64_t parts = attrInt(c, "num_outputs", nOut);
            if (parts <= 0) return inferFail(c, "num_outputs must be positive");
            int64_t chunk = (d.n + parts - 1) / parts, used;
            if (!ckMul(chunk, nOut - 1, &used)) return inferFail(c, "split sizes overflow");
            if (c->opset < 18 && d.n % nOut != 0)
                return inferFail(c, "axis %d of size %lld cannot be split evenly into %d outputs", axis, (long long)d.n,
                                 nOut);
            int64_t sz = c->opset < 18 ? d.n / nOut : (k < nOut - 1 ? chunk : d.n - used);
            o.dims[axis] = dimKnown(sz);
        }
        if ((st = outSet(c, k, inType(c, 0), &o))) return st;
    }
    if (have) {
        int64_t total = 0;
        for (int32_t i = 0; i < n; i++)
            if (sizes[i] < 0 || !ckAdd(total, sizes[i], &total)) return inferFail(c, "split sizes are invalid");
        if (dimIsKnown(d) && total != d.n)
            return inferFail(c, "split sizes add up to %lld but axis %d has %lld", (long long)total, axis,
                             (long long)d.n);
    }
    return HGN_OK;
}

static int64_t clampI(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* ONNX Slice on one axis of size dim: returns the output length. */
static int64_t sliceLen(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t *pStart) {
    if (step == 0) return 0;
    /* dim <= 2^40: adding it to a negative index cannot overflow */
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    if (step > 0) {
        start = clampI(start, 0, dim);
        end = clampI(end, 0, dim);
    } else {
        start = clampI(start, 0, dim - 1);
        end = clampI(end, -1, dim - 1);
    }
    if (pStart) *pStart = start;
    /* start and end are clamped into [-1, dim]: differences fit; the step may be huge */
    int64_t diff = step > 0 ? end - start : start - end;
    uint64_t ustep = step > 0 ? (uint64_t)step : (uint64_t)(-(step + 1)) + 1u;
    return diff > 0 ? (int64_t)(((uint64_t)diff - 1u) / ustep + 1u) : 0;
}

static HgnStatus slice(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    if (!x) return unknownRank(c);
    int64_t starts[HGN_MAX_RANK], ends[HGN_MAX_RANK], axes[HGN_MAX_RANK], steps[HGN_MAX_RANK];
    int32_t ns, ne, na = -1, nst = -1;
    if (c->opset < 10) {
        const int64_t *v;
        if (!attrInts(c, "starts", &v, &ns) || ns > HGN_MAX_RANK) return inferFail(c, "Slice needs 'starts'");
        memcpy(starts, v, sizeof(int64_t) * (size_t)ns);
        if (!attrInts(c, "ends", &v, &ne) || ne > HGN_MAX_RANK) return inferFail(c, "Slice needs 'ends'");
        memcpy(ends, v, sizeof(int64_t) * (size_t)ne);
        if (attrInts(c, "axes", &v, &na)) {
            if (na > HGN_MAX_RANK) return inferFail(c, "too many axes");
            memcpy(axes, v, sizeof(int64_t) * (size_t)na);
        }
    } else {
        bool ok = inIntsKnown(c, 1, starts, HGN_MAX_RANK, &ns) && inIntsKnown(c, 2, ends, HGN_MAX_RANK, &ne);
        if (ok && inHas(c, 3)) ok = inIntsKnown(c, 3, axes, HGN_MAX_RANK, &na);
        if (ok && inHas(c, 4)) ok = inIntsKnown(c, 4, steps, HGN_MAX_RANK, &nst);
        if (!ok) {
            HgnShape o = *x;
            for (int32_t i = 0; i < o.rank; i++) o.dims[i] = dimFresh(c, 0, i);
            return outSet(c, 0, inType(c, 0), &o);
        }
    }
    if (ns != ne) return inferFail(c, "starts has %d entries but ends has %d", ns, ne);
    if (na < 0) {
        na = ns;
        for (int32_t i = 0; i < na; i++) axes[i] = i;
    }
    if (nst < 0) {
        nst = ns;
        for (int32_t i = 0; i < nst; i++) steps[i] = 1;
    }
    if (na != ns || nst != ns) return inferFail(c, "starts, ends, axes and steps must have equal lengths");
    HgnShape o = *x;
    int64_t fStart = 0, fStep = 1;
    for (int32_t i = 0; i < ns; i++) {
        int32_t a;
        HgnStatus st = normAxis(c, axes[i], x->rank, &a);
        if (st) return st;
        if (steps[i] == 0) return inferFail(c, "Slice step is 0");
        HgnDim d = x->dims[a];
        if (dimIsKnown(d)) {
            o.dims[a] = dimKnown(sliceLen(d.n, starts[i], ends[i], steps[i], &fStart));
            fStep = steps[i];
        } else if (starts[i] == 0 && steps[i] == 1 && ends[i] >= INT32_MAX)
            o.dims[a] = d;
        else
            o.dims[a] = dimFresh(c, 0, a);
    }
    HgnStatus st = outSet(c, 0, inType(c, 0), &o);
    const HgnDim *e;
    int32_t n;
    if (!st && x->rank == 1 && dimIsKnown(o.dims[0]) && inInts(c, 0, &e, &n)) {
        HgnDim r[HGN_FOLD_MAX];
        for (int64_t i = 0; i < o.dims[0].n && i < HGN_FOLD_MAX; i++) {
            int64_t src, off;
            if (!ckMul(i, fStep, &off) || !ckAdd(fStart, off, &src) || src < 0 || src >= n) return HGN_OK;
            r[i] = e[src];
        }
        st = outInts(c, 0, r, (int32_t)o.dims[0].n);
    }
    return st;
}

/* ---- Gather family ------------------------------------------------------------------- */
static HgnStatus gather(InferCtx *c) {
    const HgnShape *x = inShape(c, 0), *idx = inShape(c, 1);
    if (!x || !idx) return unknownRank(c);
    int32_t axis;
    HgnStatus st = normAxis(c, attrInt(c, "axis", 0), x->rank, &axis);
    if (st) return st;
    int32_t r = x->rank - 1 + idx->rank;
    if (r > HGN_MAX_RANK) return inferFail(c, "output rank %d is too large", r);
    HgnShape o = {.rank = 0};
    for (int32_t i = 0; i < axis; i++) o.dims[o.rank++] = x->dims[i];
    for (int32_t i = 0; i < idx->rank; i++) o.dims[o.rank++] = idx->dims[i];
    for (int32_t i = axis + 1; i < x->rank; i++) o.dims[o.rank++] = x->dims[i];
    if ((st = outSet(c, 0, inType(c, 0), &o))) return st;
    const HgnDim *e;
    int32_t n;
    int64_t ids[HGN_FOLD_MAX];
    int32_t ni;
    if (x->rank == 1 && inInts(c, 0, &e, &n) && inIntsKnown(c, 1, ids, HGN_FOLD_MAX, &ni)) {
        HgnDim res[HGN_FOLD_MAX];
        for (int32_t i = 0; i < ni; i++) {
            int64_t j = ids[i] < 0 ? ids[i] + n : ids[i];
            if (j < 0 || j >= n) return inferFail(c, "Gather index %lld is out of range [0,%d)", (long long)ids[i], n);
            res[i] = e[j];
        }
        return outInts(c, 0, res, ni);
    }
    return HGN_OK;
}

static HgnStatus gatherElements(InferCtx *c) { return outSet(c, 0, inType(c, 0), inShape(c, 1)); }

static HgnStatus gatherNd(InferCtx *c) {
    const HgnShape *x = inShape(c, 0), *idx = inShape(c, 1);
    if (!x || !idx || idx->rank < 1 || !dimIsKnown(idx->dims[idx->rank - 1])) return unknownRank(c);
    int64_t b = attrInt(c, "batch_dims", 0), last = idx->dims[idx->rank - 1].n;
    if (b < 0 || b > x->rank || last > x->rank || b + last > x->rank)
        return inferFail(c, "GatherND index depth %lld exceeds data rank %d", (long long)last, x->rank);
    HgnShape o = {.rank = 0};
    for (int32_t i = 0; i < idx->rank - 1; i++) o.dims[o.rank++] = idx->dims[i];
    for (int64_t i = b + last; i < x->rank; i++) {
        if (o.rank >= HGN_MAX_RANK) return inferFail(c, "output rank too large");
        o.dims[o.rank++] = x->dims[i];
    }
    return outSet(c, 0, inType(c, 0), &o);
}

/* ---- Pad / Tile / Expand ---------------------------------------------------------------- */
static HgnStatus pad(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    if (!x) return unknownRank(c);
    int64_t pads[2 * HGN_MAX_RANK], axes[HGN_MAX_RANK];
    int32_t n, na = -1;
    if (c->opset < 11) {
        const int64_t *v;
        if (!attrInts(c, c->opset < 2 ? "paddings" : "pads", &v, &n) || n > 2 * HGN_MAX_RANK)
            return inferFail(c, "Pad needs 'pads'");
        memcpy(pads, v, sizeof(int64_t) * (size_t)n);
    } else if (!inIntsKnown(c, 1, pads, 2 * HGN_MAX_RANK, &n)) {
        HgnShape o = *x;
        for (int32_t i = 0; i < o.rank; i++) o.dims[i] = dimFresh(c, 0, i);
        return outSet(c, 0, inType(c, 0), &o);
    }
    if (c->opset >= 18 && inHas(c, 3) && !inIntsKnown(c, 3, axes, HGN_MAX_RANK, &na)) return unknownRank(c);
    if (na < 0) {
        na = x->rank;
        for (int32_t i = 0; i < na; i++) axes[i] = i;
    }
    if (n != 2 * na) return inferFail(c, "pads has %d entries for %d axes", n, na);
    HgnShape o = *x;
    for (int32_t i = 0; i < na; i++) {
        int32_t a;
        HgnStatus st = normAxis(c, axes[i], x->rank, &a);
        if (st) return st;
        if (!inDimRange(pads[i]) || !inDimRange(pads[na + i])) return inferFail(c, "pads are out of range");
        int64_t add = pads[i] + pads[na + i];
        if (dimIsKnown(x->dims[a])) {
            if (x->dims[a].n + add < 0) return inferFail(c, "pads make axis %d negative", a);
            o.dims[a] = dimKnown(x->dims[a].n + add);
        } else if (add != 0)
            o.dims[a] = dimFresh(c, 0, a);
    }
    return outSet(c, 0, inType(c, 0), &o);
}

static HgnStatus tile(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    if (!x) return unknownRank(c);
    int64_t rep[HGN_MAX_RANK];
    int32_t n;
    HgnShape o = *x;
    if (!inIntsKnown(c, 1, rep, HGN_MAX_RANK, &n)) {
        for (int32_t i = 0; i < o.rank; i++) o.dims[i] = dimFresh(c, 0, i);
        return outSet(c, 0, inType(c, 0), &o);
    }
    if (n != x->rank) return inferFail(c, "repeats has %d entries for rank %d", n, x->rank);
    for (int32_t i = 0; i < n; i++) {
        if (rep[i] < 0) return inferFail(c, "repeats must be non-negative");
        int64_t prod;
        if (dimIsKnown(x->dims[i])) {
            if (!ckMul(x->dims[i].n, rep[i], &prod)) return inferFail(c, "Tile output overflows");
            o.dims[i] = dimKnown(prod);
        } else if (rep[i] != 1)
            o.dims[i] = rep[i] == 0 ? dimKnown(0) : dimFresh(c, 0, i);
    }
    return outSet(c, 0, inType(c, 0), &o);
}

static HgnStatus expand(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    const HgnDim *e;
    int32_t n;
    if (!x) return unknownRank(c);
    if (!inInts(c, 1, &e, &n)) {
        const HgnShape *s = inShape(c, 1);
        if (s && s->rank == 1 && dimIsKnown(s->dims[0]) && s->dims[0].n <= HGN_MAX_RANK) {
            int32_t r = (int32_t)s->dims[0].n > x->rank ? (int32_t)s->dims[0].n : x->rank;
            HgnShape o = {.rank = r};
            for (int32_t i = 0; i < r; i++) o.dims[i] = dimFresh(c, 0, i);
            return outSet(c, 0, inType(c, 0), &o);
        }
        return unknownRank(c);
    }
    if (n > HGN_MAX_RANK) return inferFail(c, "shape has %d entries", n);
    HgnShape t = {.rank = n};
    memcpy(t.dims, e, sizeof(HgnDim) * (size_t)n);
    HgnShape o;
    HgnStatus st = broadcast(c, x, &t, &o);
    if (st) return st;
    return outSet(c, 0, inType(c, 0), &o);
}

/* ---- Shape / Size / ConstantOfShape / Range ------------------------------------------------ */
static HgnStatus shapeOp(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    if (!x) {
        HgnShape o = {.rank = 1};
        o.dims[0] = dimFresh(c, 0, 0);
        return outSet(c, 0, HGN_DTYPE_I64, &o);
    }
    int64_t start = attrInt(c, "start", 0), end = attrInt(c, "end", x->rank);
    if (start < 0) start += x->rank;
    if (end < 0) end += x->rank;
    start = clampI(start, 0, x->rank);
    end = clampI(end, 0, x->rank);
    int32_t len = end > start ? (int32_t)(end - start) : 0;
    HgnShape o = {.rank = 1};
    o.dims[0] = dimKnown(len);
    HgnStatus st = outSet(c, 0, HGN_DTYPE_I64, &o);
    if (!st) st = outInts(c, 0, x->dims + start, len);
    return st;
}

static HgnStatus sizeOp(InferCtx *c) {
    HgnShape o = {.rank = 0};
    HgnStatus st = outSet(c, 0, HGN_DTYPE_I64, &o);
    const HgnShape *x = inShape(c, 0);
    if (!st && x) {
        HgnDim d = dimProduct(c, x, 0, x->rank, 0, 0);
        st = outInts(c, 0, &d, 1);
    }
    return st;
}

static HgnStatus constantOfShape(InferCtx *c) {
    const HgnAttr *v = hgnNodeAttr(c->node, "value");
    HgnDtype t = v && v->type == HGN_ATTR_TENSOR ? v->tDtype : HGN_DTYPE_F32;
    const HgnDim *e;
    int32_t n;
    if (!inInts(c, 0, &e, &n)) {
        const HgnShape *s = inShape(c, 0);
        if (s && s->rank == 1 && dimIsKnown(s->dims[0]) && s->dims[0].n <= HGN_MAX_RANK) {
            HgnShape o = {.rank = (int32_t)s->dims[0].n};
            for (int32_t i = 0; i < o.rank; i++) o.dims[i] = dimFresh(c, 0, i);
            return outSet(c, 0, t, &o);
        }
        return outSet(c, 0, t, NULL);
    }
    if (n > HGN_MAX_RANK) return inferFail(c, "shape has %d entries", n);
    HgnShape o = {.rank = n};
    for (int32_t i = 0; i < n; i++) {
        if (dimIsKnown(e[i]) && e[i].n < 0) return inferFail(c, "shape entry %d is negative", i);
        o.dims[i] = e[i];
    }
    HgnStatus st = outSet(c, 0, t, &o);
    if (st || n != 1 || !dimIsKnown(e[0]) || e[0].n > HGN_FOLD_MAX) return st;
    int64_t fill = 0;
    if (v && v->tData && v->tBytes >= 1) {
        if (t == HGN_DTYPE_I64 && v->tBytes >= 8)
            memcpy(&fill, v->tData, 8);
        else if (t == HGN_DTYPE_I32 && v->tBytes >= 4) {
            int32_t f32;
            memcpy(&f32, v->tData, 4);
            fill = f32;
        } else
            return st;
    }
    HgnDim r[HGN_FOLD_MAX];
    for (int64_t i = 0; i < e[0].n; i++) r[i] = dimKnown(fill);
    return outInts(c, 0, r, (int32_t)e[0].n);
}

static HgnStatus range(InferCtx *c) {
    double s, l, d;
    HgnShape o = {.rank = 1};
    HgnDtype t = inType(c, 0);
    if (inScalarFloat(c, 0, &s) && inScalarFloat(c, 1, &l) && inScalarFloat(c, 2, &d)) {
        if (d == 0) return inferFail(c, "Range delta is 0");
        double cnt = ceil((l - s) / d);
        if (!(cnt <= (double)HGN_DIM_MAX)) return inferFail(c, "Range would have %g elements", cnt);
        int64_t n = cnt > 0 ? (int64_t)cnt : 0;
        o.dims[0] = dimKnown(n);
        HgnStatus st = outSet(c, 0, t, &o);
        if (!st && n <= HGN_FOLD_MAX && hgnDtypeInfo(t)->kind == HGN_DTYPE_KIND_S && s > -9e15 && s < 9e15 &&
            d > -9e15 && d < 9e15) {
            HgnDim r[HGN_FOLD_MAX];
            for (int64_t i = 0; i < n; i++) r[i] = dimKnown((int64_t)s + i * (int64_t)d);
            st = outInts(c, 0, r, (int32_t)n);
        }
        return st;
    }
    o.dims[0] = dimFresh(c, 0, 0);
    return outSet(c, 0, t, &o);
}

/* ---- OneHot / NonZero / TopK / Compress / Unique ---------------------------------------------- */
static HgnStatus oneHot(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    if (!x) return outSet(c, 0, inType(c, 2), NULL);
    if (x->rank + 1 > HGN_MAX_RANK) return inferFail(c, "output rank too large");
    int32_t axis;
    HgnStatus st = normAxis(c, attrInt(c, "axis", -1), x->rank + 1, &axis);
    if (st) return st;
    double depth;
    bool knownDepth = inScalarFloat(c, 1, &depth);
    if (knownDepth && !(depth >= 0 && depth <= (double)HGN_DIM_MAX)) return inferFail(c, "OneHot depth %g", depth);
    HgnDim dd = knownDepth ? dimKnown((int64_t)depth) : dimFresh(c, 0, axis);
    HgnShape o = {.rank = x->rank + 1};
    for (int32_t i = 0, j = 0; i < o.rank; i++) o.dims[i] = i == axis ? dd : x->dims[j++];
    return outSet(c, 0, inType(c, 2), &o);
}

static HgnStatus nonZero(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    HgnShape o = {.rank = 2};
    o.dims[0] = x ? dimKnown(x->rank) : dimFresh(c, 0, 0);
    o.dims[1] = dimFresh(c, 0, 1); /* data-dependent */
    return outSet(c, 0, HGN_DTYPE_I64, &o);
}

static HgnStatus topK(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    if (!x) {
        HgnStatus st = outSet(c, 0, inType(c, 0), NULL);
        return st ? st : outSet(c, 1, HGN_DTYPE_I64, NULL);
    }
    int32_t axis;
    HgnStatus st = normAxis(c, attrInt(c, "axis", -1), x->rank, &axis);
    if (st) return st;
    int64_t k;
    HgnShape o = *x;
    if (c->opset < 10) {
        k = attrInt(c, "k", -1);
        o.dims[axis] = k >= 0 ? dimKnown(k) : dimFresh(c, 0, axis);
    } else
        o.dims[axis] = inScalarInt(c, 1, &k) ? dimKnown(k) : dimFresh(c, 0, axis);
    if (dimIsKnown(o.dims[axis]) && dimIsKnown(x->dims[axis]) && o.dims[axis].n > x->dims[axis].n)
        return inferFail(c, "TopK k=%lld exceeds axis size %lld", (long long)o.dims[axis].n,
                         (long long)x->dims[axis].n);
    if ((st = outSet(c, 0, inType(c, 0), &o))) return st;
    return outSet(c, 1, HGN_DTYPE_I64, &o);
}

static HgnStatus compress(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    if (!x) return unknownRank(c);
    const HgnAttr *a = hgnNodeAttr(c->node, "axis");
    HgnShape o;
    if (!a) {
        o.rank = 1;
        o.dims[0] = dimFresh(c, 0, 0);
    } else {
        int32_t axis;
        HgnStatus st = normAxis(c, a->i, x->rank, &axis);
        if (st) return st;
        o = *x;
        o.dims[axis] = dimFresh(c, 0, axis);
    }
    return outSet(c, 0, inType(c, 0), &o);
}

static HgnStatus unique(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    const HgnAttr *a = hgnNodeAttr(c->node, "axis");
    HgnShape y, v1 = {.rank = 1};
    v1.dims[0] = dimFresh(c, 0, a ? 99 : 0);
    if (!a || !x) {
        y = v1;
    } else {
        int32_t axis;
        HgnStatus st = normAxis(c, a->i, x->rank, &axis);
        if (st) return st;
        y = *x;
        y.dims[axis] = v1.dims[0];
    }
    HgnShape inv = {.rank = 1};
    inv.dims[0] = x && !a ? dimProduct(c, x, 0, x->rank, 2, 0) : (x && a ? x->dims[0] : dimFresh(c, 2, 0));
    if (x && a) {
        int32_t axis;
        HgnStatus st = normAxis(c, a->i, x->rank, &axis);
        if (st) return st;
        inv.dims[0] = x->dims[axis];
    }
    HgnStatus st = outSet(c, 0, inType(c, 0), &y);
    if (!st) st = outSet(c, 1, HGN_DTYPE_I64, &v1);
    if (!st) st = outSet(c, 2, HGN_DTYPE_I64, &inv);
    if (!st) st = outSet(c, 3, HGN_DTYPE_I64, &v1);
    return st;
}

/* ---- Resize / Upsample / DepthToSpace ------------------------------------------------------- */
static HgnStatus resizeWith(InferCtx *c, const double *scales, int32_t nScales, const int64_t *sizes, int32_t nSizes) {
    const HgnShape *x = inShape(c, 0);
    if (!x) return unknownRank(c);
    HgnShape o = *x;
    int64_t axes[HGN_MAX_RANK];
    int32_t na = x->rank;
    const int64_t *av;
    int32_t an;
    if (c->opset >= 18 && attrInts(c, "axes", &av, &an)) {
        na = an;
        for (int32_t i = 0; i < an; i++) {
            int32_t a;
            HgnStatus st = normAxis(c, av[i], x->rank, &a);
            if (st) return st;
            axes[i] = a;
        }
    } else
        for (int32_t i = 0; i < na; i++) axes[i] = i;
    if (sizes) {
        if (nSizes != na) return inferFail(c, "sizes has %d entries for %d axes", nSizes, na);
        for (int32_t i = 0; i < na; i++) o.dims[axes[i]] = dimKnown(sizes[i]);
    } else if (scales) {
        if (nScales != na) return inferFail(c, "scales has %d entries for %d axes", nScales, na);
        for (int32_t i = 0; i < na; i++) {
            HgnDim d = x->dims[axes[i]];
            if (!(scales[i] > 0)) return inferFail(c, "scale %g must be positive", scales[i]);
            double sized = dimIsKnown(d) ? floor((double)d.n * scales[i] + 1e-9) : 0;
            if (!(sized <= (double)HGN_DIM_MAX)) return inferFail(c, "scale %g is too large", scales[i]);
            if (dimIsKnown(d))
                o.dims[axes[i]] = dimKnown((int64_t)sized);
            else if (scales[i] != 1.0)
                o.dims[axes[i]] = dimFresh(c, 0, (int)axes[i]);
        }
    } else {
        for (int32_t i = 0; i < o.rank; i++) o.dims[i] = dimFresh(c, 0, i);
    }
    return outSet(c, 0, inType(c, 0), &o);
}

static HgnStatus resize(InferCtx *c) {
    double scales[HGN_MAX_RANK];
    int64_t sizes[HGN_MAX_RANK];
    int32_t ns = 0, nz = 0;
    if (c->opset < 11) { /* X, scales */
        if (inFloats(c, 1, scales, HGN_MAX_RANK, &ns)) return resizeWith(c, scales, ns, NULL, 0);
        return resizeWith(c, NULL, 0, NULL, 0);
    }
    /* X, roi, scales, sizes (roi and scales optional from opset 13) */
    if (inHas(c, 3) && inIntsKnown(c, 3, sizes, HGN_MAX_RANK, &nz) && nz > 0) return resizeWith(c, NULL, 0, sizes, nz);
    if (inHas(c, 2) && inFloats(c, 2, scales, HGN_MAX_RANK, &ns) && ns > 0) return resizeWith(c, scales, ns, NULL, 0);
    return resizeWith(c, NULL, 0, NULL, 0);
}

static HgnStatus upsample(InferCtx *c) {
    double scales[HGN_MAX_RANK];
    int32_t ns;
    const float *fv;
    if (c->opset < 9 && attrFloats(c, "scales", &fv, &ns)) {
        if (ns > HGN_MAX_RANK) return inferFail(c, "too many scales");
        for (int32_t i = 0; i < ns; i++) scales[i] = fv[i];
        return resizeWith(c, scales, ns, NULL, 0);
    }
    if (c->opset < 9) {
        double h = attrFloat(c, "height_scale", 1), w = attrFloat(c, "width_scale", 1);
        int32_t r = inRank(c, 0);
        if (r != 4) return unknownRank(c);
        double s4[4] = {1, 1, h, w};
        return resizeWith(c, s4, 4, NULL, 0);
    }
    if (inFloats(c, 1, scales, HGN_MAX_RANK, &ns)) return resizeWith(c, scales, ns, NULL, 0);
    return resizeWith(c, NULL, 0, NULL, 0);
}

static HgnStatus depthSpace(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    if (!x) return unknownRank(c);
    if (x->rank != 4) return inferFail(c, "%s needs a 4-D input", c->node->op);
    int64_t b = attrInt(c, "blocksize", 0);
    if (b <= 0 || b > (1 << 20)) return inferFail(c, "blocksize %lld is out of range", (long long)b);
    bool toSpace = !strcmp(c->node->op, "DepthToSpace");
    HgnShape o = *x;
    HgnDim ch = x->dims[1], h = x->dims[2], w = x->dims[3];
    if (toSpace) {
        o.dims[1] = dimIsKnown(ch) ? dimKnown(ch.n / (b * b)) : dimFresh(c, 0, 1);
        o.dims[2] = dimIsKnown(h) ? dimKnown(h.n * b) : dimFresh(c, 0, 2);
        o.dims[3] = dimIsKnown(w) ? dimKnown(w.n * b) : dimFresh(c, 0, 3);
    } else {
        int64_t cb = 0; /* h, w * b fit: dims <= 2^40, b <= 2^20 */
        if (dimIsKnown(ch) && !ckMul(ch.n, b * b, &cb)) return inferFail(c, "SpaceToDepth output overflows");
        o.dims[1] = dimIsKnown(ch) ? dimKnown(cb) : dimFresh(c, 0, 1);
        o.dims[2] = dimIsKnown(h) ? dimKnown(h.n / b) : dimFresh(c, 0, 2);
        o.dims[3] = dimIsKnown(w) ? dimKnown(w.n / b) : dimFresh(c, 0, 3);
    }
    return outSet(c, 0, inType(c, 0), &o);
}

static HgnStatus det(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    if (!x) return unknownRank(c);
    if (x->rank < 2) return inferFail(c, "Det needs rank >= 2");
    HgnShape o = *x;
    o.rank -= 2;
    return outSet(c, 0, inType(c, 0), &o);
}

static HgnStatus gridSample(InferCtx *c) {
    const HgnShape *x = inShape(c, 0), *g = inShape(c, 1);
    if (!x || !g) return unknownRank(c);
    if (g->rank != x->rank) return inferFail(c, "grid rank %d differs from input rank %d", g->rank, x->rank);
    HgnShape o = {.rank = x->rank};
    o.dims[0] = x->dims[0];
    o.dims[1] = x->dims[1];
    for (int32_t i = 2; i < x->rank; i++) o.dims[i] = g->dims[i - 1];
    return outSet(c, 0, inType(c, 0), &o);
}

static HgnStatus roiAlign(InferCtx *c) {
    const HgnShape *x = inShape(c, 0), *r = inShape(c, 1);
    HgnShape o = {.rank = 4};
    o.dims[0] = r && r->rank == 2 ? r->dims[0] : dimFresh(c, 0, 0);
    o.dims[1] = x && x->rank == 4 ? x->dims[1] : dimFresh(c, 0, 1);
    o.dims[2] = dimKnown(attrInt(c, "output_height", 1));
    o.dims[3] = dimKnown(attrInt(c, "output_width", 1));
    return outSet(c, 0, inType(c, 0), &o);
}

static HgnStatus nonMaxSuppression(InferCtx *c) {
    HgnShape o = {.rank = 2};
    o.dims[0] = dimFresh(c, 0, 0);
    o.dims[1] = dimKnown(3);
    return outSet(c, 0, HGN_DTYPE_I64, &o);
}

static HgnStatus windowFn(InferCtx *c) { /* HannWindow, HammingWindow, BlackmanWindow */
    HgnDtype t = HGN_DTYPE_F32;
    int64_t odt = attrInt(c, "output_datatype", 1);
    static const HgnDtype map[] = {
        [1] = HGN_DTYPE_F32, [10] = HGN_DTYPE_F16, [11] = HGN_DTYPE_F64, [16] = HGN_DTYPE_BF16};
    if (odt > 0 && odt < (int64_t)(sizeof map / sizeof map[0]) && map[odt] != HGN_DTYPE_UNKNOWN) t = map[odt];
    int64_t n;
    HgnShape o = {.rank = 1};
    o.dims[0] = inScalarInt(c, 0, &n) ? dimKnown(n) : dimFresh(c, 0, 0);
    return outSet(c, 0, t, &o);
}

/* Constant nodes the ONNX reader did not turn into values (graphs built in code) */
static HgnStatus constant(InferCtx *c) {
    const HgnAttr *v = hgnNodeAttr(c->node, "value");
    if (v && v->type == HGN_ATTR_TENSOR) return outSet(c, 0, v->tDtype, &v->tShape);
    HgnShape scalar = {.rank = 0}, vec = {.rank = 1};
    if ((v = hgnNodeAttr(c->node, "value_float"))) return outSet(c, 0, HGN_DTYPE_F32, &scalar);
    if ((v = hgnNodeAttr(c->node, "value_int"))) return outSet(c, 0, HGN_DTYPE_I64, &scalar);
    if ((v = hgnNodeAttr(c->node, "value_floats"))) {
        vec.dims[0] = dimKnown(v->n);
        return outSet(c, 0, HGN_DTYPE_F32, &vec);
    }
    if ((v = hgnNodeAttr(c->node, "value_ints"))) {
        vec.dims[0] = dimKnown(v->n);
        HgnStatus st = outSet(c, 0, HGN_DTYPE_I64, &vec);
        if (!st && v->type == HGN_ATTR_INTS && v->n <= HGN_FOLD_MAX) {
            HgnDim e[HGN_FOLD_MAX];
            for (int32_t i = 0; i < v->n; i++) e[i] = dimKnown(v->ints[i]);
            st = outInts(c, 0, e, v->n);
        }
        return st;
    }
    return inferUnsupported(c, "Constant without a value, value_float(s) or value_int(s) attribute");
}

const InferRule hgnInferTensorRules[] = {{"Constant", 1, constant},
                                         {"Reshape", 1, reshape},
                                         {"Flatten", 1, flatten},
                                         {"Transpose", 1, transpose},
                                         {"Squeeze", 1, squeeze},
                                         {"Unsqueeze", 1, unsqueeze},
                                         {"Concat", 1, concat},
                                         {"Split", 1, split},
                                         {"Slice", 1, slice},
                                         {"Gather", 1, gather},
                                         {"GatherElements", 11, gatherElements},
                                         {"GatherND", 11, gatherNd},
                                         {"Pad", 1, pad},
                                         {"Tile", 6, tile},
                                         {"Expand", 8, expand},
                                         {"Shape", 1, shapeOp},
                                         {"Size", 1, sizeOp},
                                         {"ConstantOfShape", 9, constantOfShape},
                                         {"Range", 11, range},
                                         {"OneHot", 9, oneHot},
                                         {"NonZero", 9, nonZero},
                                         {"TopK", 1, topK},
                                         {"Compress", 9, compress},
                                         {"Unique", 11, unique},
                                         {"Resize", 10, resize},
                                         {"Upsample", 7, upsample},
                                         {"DepthToSpace", 1, depthSpace},
                                         {"SpaceToDepth", 1, depthSpace},
                                         {"Det", 11, det},
                                         {"GridSample", 16, gridSample},
                                         {"RoiAlign", 10, roiAlign},
                                         {"NonMaxSuppression", 10, nonMaxSuppression},
                                         {"HannWindow", 17, windowFn},
                                         {"HammingWindow", 17, windowFn},
                                         {"BlackmanWindow", 17, windowFn},
                                         {NULL, 0, NULL}};
