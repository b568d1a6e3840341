/* shapeInference.c — the shape-inference driver: walks nodes in canonical
 * order, dispatches to the family rules, merges declared shapes, and the
 * helpers the rules share (dims, broadcasting, attributes, folded contents). */
#include "ir/shapeInferenceInt.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/strBuf.h"

#define MAX_OPSET 18

/* ---- errors ------------------------------------------------------------------- */
HgnStatus inferOom(void) { return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory in shape inference"); }

HgnStatus inferFail(InferCtx *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    HgnStatus st = hgnStatusNewV(HGN_CODE_ShapeInferenceFailed, c->where, NULL, fmt, ap);
    va_end(ap);
    return st;
}

HgnStatus inferUnsupported(InferCtx *c, const char *what) {
    return hgnStatusNew(
        HGN_CODE_UnsupportedOperator, c->where, "convert the model to supported operators or a newer Huginn",
        "unsupported operator %s%s%s (opset %lld)%s%s", *c->node->domain ? c->node->domain : "",
        *c->node->domain ? ":" : "", c->node->op, (long long)c->opset, what ? ": " : "", what ? what : "");
}

/* ---- inputs / outputs --------------------------------------------------------- */
bool inHas(const InferCtx *c, int k) { return k >= 0 && k < c->node->nInputs && c->node->inputs[k] >= 0; }
const HgnValue *inVal(const InferCtx *c, int k) { return inHas(c, k) ? &c->g->values[c->node->inputs[k]] : NULL; }
const HgnShape *inShape(const InferCtx *c, int k) {
    const HgnValue *v = inVal(c, k);
    return v && v->shape.rank >= 0 ? &v->shape : NULL;
}
int32_t inRank(const InferCtx *c, int k) {
    const HgnShape *s = inShape(c, k);
    return s ? s->rank : -1;
}
HgnDtype inType(const InferCtx *c, int k) {
    const HgnValue *v = inVal(c, k);
    return v ? v->dtype : HGN_DTYPE_UNKNOWN;
}
bool outHas(const InferCtx *c, int k) { return k >= 0 && k < c->node->nOutputs && c->node->outputs[k] >= 0; }
int32_t outCount(const InferCtx *c) { return c->node->nOutputs; }

static char *fmtShape(const InferCtx *c, const HgnShape *s, char *buf, size_t n) {
    return hgnShapeFormat(c->g, s, buf, n);
}

HgnStatus outSet(InferCtx *c, int k, HgnDtype dtype, const HgnShape *shape) {
    if (!outHas(c, k)) return HGN_OK;
    HgnValue *v = &c->g->values[c->node->outputs[k]];
    HgnShape inferred;
    if (shape)
        inferred = *shape;
    else
        inferred.rank = -1;
    for (int32_t i = 0; i < inferred.rank; i++)
        if (inferred.dims[i].sym == DIM_OOM) return inferOom();
    for (int32_t i = 0; i < inferred.rank; i++)
        if (dimIsKnown(inferred.dims[i]) && inferred.dims[i].n > HGN_DIM_MAX)
            return inferFail(c, "output '%s' would have dim %lld at axis %d (Huginn's limit is 2^40)", v->name,
                             (long long)inferred.dims[i].n, i);
    for (int32_t i = 0; i < inferred.rank; i++)
        if (dimIsKnown(inferred.dims[i]) && inferred.dims[i].n < 0)
            return inferFail(c, "output '%s' would have negative dim %lld at axis %d", v->name,
                             (long long)inferred.dims[i].n, i);
    /* merge with the declared shape (value_info / graph outputs) */
    const HgnShape *decl = &v->shape;
    if (decl->rank >= 0) {
        char a[256], b[256];
        if (inferred.rank >= 0 && inferred.rank != decl->rank)
            return inferFail(c, "output '%s': inferred shape %s contradicts the declared %s", v->name,
                             fmtShape(c, &inferred, a, sizeof a), fmtShape(c, decl, b, sizeof b));
        if (inferred.rank < 0) {
            inferred = *decl;
        } else {
            for (int32_t i = 0; i < inferred.rank; i++) {
                HgnDim di = inferred.dims[i], dd = decl->dims[i];
                if (dimIsKnown(di) && dimIsKnown(dd) && di.n != dd.n)
                    return inferFail(c, "output '%s': inferred shape %s contradicts the declared %s", v->name,
                                     fmtShape(c, &inferred, a, sizeof a), fmtShape(c, decl, b, sizeof b));
                if (!dimIsKnown(di) && (dimIsKnown(dd) || strchr(hgnGraphSymbolName(c->g, di.sym), '#')))
                    inferred.dims[i] = dd; /* declared value or a named symbol beats a fresh one */
            }
        }
    }
    if (dtype == HGN_DTYPE_UNKNOWN) dtype = v->dtype;
    v->dtype = dtype;
    v->shape = inferred;
    return HGN_OK;
}

HgnStatus outAllUnknown(InferCtx *c, HgnDtype dtype) {
    for (int k = 0; k < outCount(c); k++) {
        HgnStatus st = outSet(c, k, dtype, NULL);
        if (st) return st;
    }
    return HGN_OK;
}

HgnStatus inferSameAsInput0(InferCtx *c) {
    const HgnShape *s = inShape(c, 0);
    return outSet(c, 0, inType(c, 0), s);
}

/* ---- dims ---------------------------------------------------------------------- */
HgnDim dimFresh(InferCtx *c, int outIdx, int axis) {
    char buf[320];
    const char *nm = outHas(c, outIdx) ? c->g->values[c->node->outputs[outIdx]].name : c->node->name;
    snprintf(buf, sizeof buf, "%.280s#%d", nm, axis);
    int32_t id = hgnGraphSymbol(c->g, buf);
    if (id < 0) return (HgnDim){0, DIM_OOM}; /* outSet reports it */
    return (HgnDim){0, id};
}

HgnDim dimProduct(InferCtx *c, const HgnShape *s, int from, int to, int outIdx, int axis) {
    int64_t p = 1;
    int nSym = 0;
    HgnDim sym = dimKnown(1);
    for (int i = from; i < to; i++) {
        if (dimIsKnown(s->dims[i])) {
            if (s->dims[i].n == 0) return dimKnown(0);
            if (p > INT64_MAX / (s->dims[i].n ? s->dims[i].n : 1)) return dimFresh(c, outIdx, axis);
            p *= s->dims[i].n;
        } else {
            nSym++;
            sym = s->dims[i];
        }
    }
    if (nSym == 0) return dimKnown(p);
    if (nSym == 1 && p == 1) return sym;
    return dimFresh(c, outIdx, axis);
}

HgnStatus normAxis(InferCtx *c, int64_t axis, int32_t rank, int32_t *out) {
    if (axis < -(int64_t)rank || axis >= rank)
        return inferFail(c, "axis %lld is out of range for rank %d", (long long)axis, rank);
    *out = (int32_t)(axis < 0 ? axis + rank : axis);
    return HGN_OK;
}

HgnStatus broadcast(InferCtx *c, const HgnShape *a, const HgnShape *b, HgnShape *out) {
    int32_t r = a->rank > b->rank ? a->rank : b->rank;
    out->rank = r;
    for (int32_t i = 0; i < r; i++) {
        int32_t ia = i - (r - a->rank), ib = i - (r - b->rank);
        HgnDim da = ia >= 0 ? a->dims[ia] : dimKnown(1);
        HgnDim db = ib >= 0 ? b->dims[ib] : dimKnown(1);
        HgnDim d;
        if (dimIsKnown(da) && da.n == 1)
            d = db;
        else if (dimIsKnown(db) && db.n == 1)
            d = da;
        else if (dimIsKnown(da) && dimIsKnown(db)) {
            if (da.n != db.n) {
                char x[256], y[256];
                return inferFail(c, "shapes %s and %s cannot be broadcast (axis %d: %lld vs %lld)",
                                 fmtShape(c, a, x, sizeof x), fmtShape(c, b, y, sizeof y), i, (long long)da.n,
                                 (long long)db.n);
            }
            d = da;
        } else if (dimIsKnown(da))
            d = da; /* symbol must be 1 or equal: the known value wins */
        else if (dimIsKnown(db))
            d = db;
        else
            d = da; /* both symbolic: equal or one is 1; keep the first */
        out->dims[i] = d;
    }
    return HGN_OK;
}

/* ---- attributes ------------------------------------------------------------------ */
int64_t attrInt(const InferCtx *c, const char *name, int64_t dflt) { return hgnNodeAttrInt(c->node, name, dflt); }
double attrFloat(const InferCtx *c, const char *name, double dflt) { return hgnNodeAttrFloat(c->node, name, dflt); }
const char *attrString(const InferCtx *c, const char *name, const char *dflt) {
    return hgnNodeAttrString(c->node, name, dflt);
}
bool attrInts(const InferCtx *c, const char *name, const int64_t **v, int32_t *n) {
    const HgnAttr *a = hgnNodeAttr(c->node, name);
    if (!a || a->type != HGN_ATTR_INTS) return false;
    *v = a->ints;
    *n = a->n;
    return true;
}
bool attrFloats(const InferCtx *c, const char *name, const float **v, int32_t *n) {
    const HgnAttr *a = hgnNodeAttr(c->node, name);
    if (!a || a->type != HGN_ATTR_FLOATS) return false;
    *v = a->floats;
    *n = a->n;
    return true;
}

/* ---- known contents ---------------------------------------------------------------- */
static bool isIntType(HgnDtype t) {
    HgnDtypeKind k = hgnDtypeInfo(t)->kind;
    return k == HGN_DTYPE_KIND_S || k == HGN_DTYPE_KIND_U || k == HGN_DTYPE_KIND_B;
}

static bool elementCount(const HgnShape *s, int64_t *n) {
    if (s->rank < 0) return false;
    int64_t p = 1;
    for (int32_t i = 0; i < s->rank; i++) {
        if (!dimIsKnown(s->dims[i])) return false;
        p *= s->dims[i].n;
        if (p > HGN_FOLD_MAX * 16) return false;
    }
    *n = p;
    return true;
}

static int64_t readInt(const void *data, HgnDtype t, int64_t i) {
    switch (t) {
    case HGN_DTYPE_I64:
        return ((const int64_t *)data)[i];
    case HGN_DTYPE_I32:
        return ((const int32_t *)data)[i];
    case HGN_DTYPE_I16:
        return ((const int16_t *)data)[i];
    case HGN_DTYPE_I8:
        return ((const int8_t *)data)[i];
    case HGN_DTYPE_U64:
        return (int64_t)((const uint64_t *)data)[i];
    case HGN_DTYPE_U32:
        return ((const uint32_t *)data)[i];
    case HGN_DTYPE_U16:
        return ((const uint16_t *)data)[i];
    default:
        return ((const uint8_t *)data)[i];
    }
}

bool inInts(InferCtx *c, int k, const HgnDim **elts, int32_t *n) {
    if (!inHas(c, k)) return false;
    int32_t vi = c->node->inputs[k];
    KnownInts *kn = &c->g->known[vi];
    if (!kn->valid) {
        const HgnValue *v = &c->g->values[vi];
        int64_t cnt;
        if (!isIntType(v->dtype) || !elementCount(&v->shape, &cnt) || cnt > HGN_FOLD_MAX) return false;
        if (!v->data && (cnt != 0 || v->producer >= 0)) return false; /* an empty constant needs no data */
        if ((uint64_t)cnt * hgnDtypeInfo(v->dtype)->bytesPerBlock > v->dataBytes) return false;
        HgnDim *e = hgnArenaAlloc(&c->g->arena, sizeof(HgnDim) * (size_t)(cnt + 1));
        if (!e) return false;
        for (int64_t i = 0; i < cnt; i++) e[i] = dimKnown(readInt(v->data, v->dtype, i));
        kn->valid = true;
        kn->n = (int32_t)cnt;
        kn->elts = e;
    }
    *elts = kn->elts;
    *n = kn->n;
    return true;
}

bool inIntsKnown(InferCtx *c, int k, int64_t *buf, int32_t max, int32_t *n) {
    const HgnDim *e;
    int32_t cnt;
    if (!inInts(c, k, &e, &cnt) || cnt > max) return false;
    for (int32_t i = 0; i < cnt; i++) {
        if (!dimIsKnown(e[i])) return false;
        buf[i] = e[i].n;
    }
    *n = cnt;
    return true;
}

static float halfToFloat(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15), exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    float f;
    if (exp == 0)
        f = ldexpf((float)man, -24);
    else if (exp == 31)
        f = man ? NAN : INFINITY;
    else
        f = ldexpf((float)(man | 0x400), (int)exp - 25);
    return sign ? -f : f;
}

bool inFloats(InferCtx *c, int k, double *buf, int32_t max, int32_t *n) {
    const HgnValue *v = inVal(c, k);
    if (!v) return false;
    const KnownInts *kn = &c->g->known[c->node->inputs[k]];
    if (kn->valid && !isIntType(v->dtype)) { /* folded integral floats (Cast of a size) */
        if (kn->n > max) return false;
        for (int32_t i = 0; i < kn->n; i++) {
            if (!dimIsKnown(kn->elts[i])) return false;
            buf[i] = (double)kn->elts[i].n;
        }
        *n = kn->n;
        return true;
    }
    if (isIntType(v->dtype)) {
        int64_t tmp[HGN_FOLD_MAX];
        int32_t cnt;
        if (max > HGN_FOLD_MAX) max = HGN_FOLD_MAX;
        if (!inIntsKnown(c, k, tmp, max, &cnt)) return false;
        for (int32_t i = 0; i < cnt; i++) buf[i] = (double)tmp[i];
        *n = cnt;
        return true;
    }
    int64_t cnt;
    if (!v->data && v->dataBytes == 0 && elementCount(&v->shape, &cnt) && cnt == 0 && v->producer < 0) {
        *n = 0; /* empty constant */
        return true;
    }
    if (!v->data || !elementCount(&v->shape, &cnt) || cnt > max) return false;
    if ((uint64_t)cnt * hgnDtypeInfo(v->dtype)->bytesPerBlock > v->dataBytes) return false;
    for (int64_t i = 0; i < cnt; i++) {
        switch (v->dtype) {
        case HGN_DTYPE_F32:
            buf[i] = ((const float *)v->data)[i];
            break;
        case HGN_DTYPE_F64:
            buf[i] = ((const double *)v->data)[i];
            break;
        case HGN_DTYPE_F16:
            buf[i] = halfToFloat(((const uint16_t *)v->data)[i]);
            break;
        default:
            return false;
        }
    }
    *n = (int32_t)cnt;
    return true;
}

bool inScalarInt(InferCtx *c, int k, int64_t *v) {
    int64_t b[1];
    int32_t n;
    if (!inIntsKnown(c, k, b, 1, &n) || n != 1) return false;
    *v = b[0];
    return true;
}

bool inScalarFloat(InferCtx *c, int k, double *v) {
    double b[1];
    int32_t n;
    if (!inFloats(c, k, b, 1, &n) || n != 1) return false;
    *v = b[0];
    return true;
}

HgnStatus outInts(InferCtx *c, int k, const HgnDim *elts, int32_t n) {
    if (!outHas(c, k) || n < 0 || n > HGN_FOLD_MAX) return HGN_OK;
    int32_t vi = c->node->outputs[k];
    HgnValue *v = &c->g->values[vi];
    HgnDtypeKind kind = hgnDtypeInfo(v->dtype)->kind;
    if (kind == HGN_DTYPE_KIND_T || kind == HGN_DTYPE_KIND_Q) return HGN_OK;
    HgnDim *e = hgnArenaAlloc(&c->g->arena, sizeof(HgnDim) * (size_t)(n + 1));
    if (!e) return inferOom();
    memcpy(e, elts, sizeof(HgnDim) * (size_t)n);
    c->g->known[vi] = (KnownInts){true, n, e};
    bool allKnown = true;
    for (int32_t i = 0; i < n; i++) allKnown = allKnown && dimIsKnown(e[i]);
    if (allKnown && (v->dtype == HGN_DTYPE_I64 || v->dtype == HGN_DTYPE_I32)) {
        size_t esz = v->dtype == HGN_DTYPE_I64 ? 8 : 4;
        uint8_t *d = hgnArenaAlloc(&c->g->arena, esz * (size_t)n + 1);
        if (!d) return inferOom();
        for (int32_t i = 0; i < n; i++) {
            if (esz == 8)
                memcpy(d + 8 * (size_t)i, &e[i].n, 8);
            else {
                int32_t t = (int32_t)e[i].n;
                memcpy(d + 4 * (size_t)i, &t, 4);
            }
        }
        v->data = d;
        v->dataBytes = esz * (uint64_t)n;
        v->folded = true;
    }
    return HGN_OK;
}

/* ---- rule table ----------------------------------------------------------------------- */
static const InferRule *const families[] = {hgnInferElementwiseRules, hgnInferMatmulRules, hgnInferConvRules,
                                            hgnInferTensorRules,      hgnInferReduceRules, hgnInferRnnRules,
                                            hgnInferSignalRules};
#define RULE_HASH 1024
static const InferRule *ruleHash[RULE_HASH];
static pthread_once_t ruleOnce = PTHREAD_ONCE_INIT;

static uint32_t opHash(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static void buildRuleHash(void) {
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (const InferRule *r = families[f]; r->op; r++) {
            uint32_t h = opHash(r->op) & (RULE_HASH - 1);
            while (ruleHash[h]) h = (h + 1) & (RULE_HASH - 1);
            ruleHash[h] = r;
        }
}

static const InferRule *findRule(const char *op) {
    pthread_once(&ruleOnce, buildRuleHash);
    uint32_t h = opHash(op) & (RULE_HASH - 1);
    while (ruleHash[h]) {
        if (strcmp(ruleHash[h]->op, op) == 0) return ruleHash[h];
        h = (h + 1) & (RULE_HASH - 1);
    }
    return NULL;
}

bool hgnShapeInferenceSupports(const char *op, int64_t opset) {
    const InferRule *r = findRule(op);
    return r && opset >= r->minOpset && opset <= MAX_OPSET;
}

HgnStatus hgnGraphBindInput(HgnGraph *g, int32_t value, const HgnShape *shape, const void *data, uint64_t bytes) {
    if (value < 0 || value >= g->nValues)
        return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "no value %d", value);
    HgnValue *v = &g->values[value];
    if (v->role != HGN_ROLE_INPUT)
        return hgnStatusNew(HGN_CODE_InvalidArgument, hgnGraphSource(g), NULL, "'%s' is not a graph input", v->name);
    if (shape) {
        for (int32_t i = 0; i < shape->rank; i++)
            if (shape->dims[i].sym == HGN_DIM_KNOWN && (shape->dims[i].n < 0 || shape->dims[i].n > HGN_DIM_MAX))
                return hgnStatusNew(HGN_CODE_InvalidArgument, hgnGraphSource(g), NULL,
                                    "input '%s' dim %d is %lld (0..2^40 allowed)", v->name, i,
                                    (long long)shape->dims[i].n);
        hgnGraphSetValueShape(g, value, shape);
    }
    if (data) return hgnGraphSetValueData(g, value, data, bytes, true);
    return HGN_OK;
}

static HgnStatus inferNode(HgnGraph *g, int32_t i) {
    const HgnNode *n = &g->nodes[i];
    InferCtx c = {g, i, n, hgnGraphOpset(g, n->domain), {0}};
    if (c.opset == 0 && !*n->domain) c.opset = MAX_OPSET; /* graphs built in code: current semantics */
    snprintf(c.where, sizeof c.where, "%s: node '%s' (%s)", hgnGraphSource(g), n->name, n->op);
    const InferRule *r = *n->domain ? NULL : findRule(n->op);
    if (!r || c.opset < r->minOpset || c.opset > MAX_OPSET) return inferUnsupported(&c, NULL);
    /* errors are heap objects that copy c.where; nothing returned points into c */
    // cppcheck-suppress returnDanglingLifetime
    return r->fn(&c);
}

HgnStatus hgnGraphInferShapes(HgnGraph *g) {
    HgnStatus st = HGN_OK;
    if (!g->finalized && (st = hgnGraphFinalize(g))) return st;
    g->known = hgnCalloc((size_t)g->nValues + 1, sizeof(KnownInts));
    if (!g->known) return inferOom();
    for (int32_t i = 0; i < g->nNodes && !st; i++) st = inferNode(g, i);
    hgnFree(g->known);
    g->known = NULL;
    if (st) return st;
    return hgnGraphFinalize(g);
}
