/* shapeInferenceInt.h — the context, helpers and rule tables shared by the
 * shapeInference*.c files (one file per operator family). */
#ifndef HGN_IR_SHAPEINFERENCEINT_H
#define HGN_IR_SHAPEINFERENCEINT_H

#include "ir/graphInt.h"

/* Longest integer tensor whose contents are tracked for folding. */
#define HGN_FOLD_MAX 64

typedef struct InferCtx {
    HgnGraph *g;
    int32_t nodeIndex;
    const HgnNode *node;
    int64_t opset;
    char where[384];
} InferCtx;

typedef HgnStatus (*InferFn)(InferCtx *c);

typedef struct InferRule {
    const char *op;
    int32_t minOpset; /* first opset this rule covers */
    InferFn fn;
} InferRule;

/* family tables, each terminated by {NULL, 0, NULL} */
extern const InferRule hgnInferElementwiseRules[];
extern const InferRule hgnInferMatmulRules[];
extern const InferRule hgnInferConvRules[];
extern const InferRule hgnInferTensorRules[];
extern const InferRule hgnInferReduceRules[];
extern const InferRule hgnInferRnnRules[];
extern const InferRule hgnInferSignalRules[];

/* ---- errors ---- */
HgnStatus inferFail(InferCtx *c, const char *fmt, ...) HGN_PRINTF(2, 3);
HgnStatus inferUnsupported(InferCtx *c, const char *what);
HgnStatus inferOom(void);

/* ---- inputs / outputs ---- */
bool inHas(const InferCtx *c, int k);
const HgnValue *inVal(const InferCtx *c, int k);
/* NULL when absent or rank unknown */
const HgnShape *inShape(const InferCtx *c, int k);
int32_t inRank(const InferCtx *c, int k); /* -1 when absent or unknown */
HgnDtype inType(const InferCtx *c, int k);
bool outHas(const InferCtx *c, int k);
int32_t outCount(const InferCtx *c);
/* Sets dtype and shape of output k (no-op when omitted); shape NULL = unknown rank. */
HgnStatus outSet(InferCtx *c, int k, HgnDtype dtype, const HgnShape *shape);
/* Sets every output to dtype with unknown rank (inputs of unknown rank). */
HgnStatus outAllUnknown(InferCtx *c, HgnDtype dtype);

/* ---- dims ---- */
static inline HgnDim dimKnown(int64_t n) { return (HgnDim){n, HGN_DIM_KNOWN}; }
static inline bool dimIsKnown(HgnDim d) { return d.sym == HGN_DIM_KNOWN; }
/* checked arithmetic: false on int64 overflow */
static inline bool ckMul(int64_t a, int64_t b, int64_t *r) { return !__builtin_mul_overflow(a, b, r); }
static inline bool ckAdd(int64_t a, int64_t b, int64_t *r) { return !__builtin_add_overflow(a, b, r); }
static inline bool ckSub(int64_t a, int64_t b, int64_t *r) { return !__builtin_sub_overflow(a, b, r); }
/* |v| <= HGN_DIM_MAX */
static inline bool inDimRange(int64_t v) { return v >= -HGN_DIM_MAX && v <= HGN_DIM_MAX; }
static inline bool dimEq(HgnDim a, HgnDim b) { return a.sym == b.sym && (a.sym != HGN_DIM_KNOWN || a.n == b.n); }
/* marks a fresh dim whose symbol could not be allocated */
#define DIM_OOM (-2)
/* A new symbol for a dim that cannot be computed ("<output>#<axis>"). */
HgnDim dimFresh(InferCtx *c, int outIdx, int axis);
/* product of dims [from, to): known, a single symbol times 1s, else fresh */
HgnDim dimProduct(InferCtx *c, const HgnShape *s, int from, int to, int outIdx, int axis);
/* axis in [-rank, rank) → [0, rank); fails otherwise */
HgnStatus normAxis(InferCtx *c, int64_t axis, int32_t rank, int32_t *out);
/* Multidirectional (numpy) broadcasting of a and b. */
HgnStatus broadcast(InferCtx *c, const HgnShape *a, const HgnShape *b, HgnShape *out);

/* ---- attributes ---- */
int64_t attrInt(const InferCtx *c, const char *name, int64_t dflt);
double attrFloat(const InferCtx *c, const char *name, double dflt);
const char *attrString(const InferCtx *c, const char *name, const char *dflt);
/* true when present as INTS; n may be 0 */
bool attrInts(const InferCtx *c, const char *name, const int64_t **v, int32_t *n);
bool attrFloats(const InferCtx *c, const char *name, const float **v, int32_t *n);

/* ---- known contents (folding) ---- */
/* Contents of integer input k (elements may be symbolic), when known. */
bool inInts(InferCtx *c, int k, const HgnDim **elts, int32_t *n);
/* Same, only when every element is a known integer; at most max. */
bool inIntsKnown(InferCtx *c, int k, int64_t *buf, int32_t max, int32_t *n);
/* Float (or integer) contents of input k converted to double; at most max. */
bool inFloats(InferCtx *c, int k, double *buf, int32_t max, int32_t *n);
/* Records contents of output k (n <= HGN_FOLD_MAX, else ignored). */
HgnStatus outInts(InferCtx *c, int k, const HgnDim *elts, int32_t n);
/* Scalar or 1-element input as int64 / double. */
bool inScalarInt(InferCtx *c, int k, int64_t *v);
bool inScalarFloat(InferCtx *c, int k, double *v);

/* Shared rule bodies */
HgnStatus inferSameAsInput0(InferCtx *c);
HgnStatus inferMatmulShape(InferCtx *c, const HgnShape *a, const HgnShape *b, HgnShape *out);
HgnStatus inferConvShape(InferCtx *c, const HgnShape *x, const HgnShape *w, HgnShape *out);

#endif
