/* ir.h — HgnGraph, the intermediate representation every model becomes.
 *
 * A graph holds values (tensors) and nodes (operators). Every value has a
 * dtype, a shape whose dims are known integers or named symbols (batch, seq,
 * ctx…), a role, a byte size when the shape is known, its producer and
 * consumers, and a lifetime [firstUse, lastUse] in node order. Every node has
 * an op name, attributes, a layer index and placement annotations.
 *
 * Life cycle: hgnGraphCreate → add symbols, values, nodes, inputs/outputs →
 * hgnGraphFinalize (canonical topological order, links, lifetimes, bytes,
 * digest; detects cycles and dangling references) → hgnGraphInferShapes
 * (optional; re-finalizes). Values and nodes are addressed by int32 index;
 * pointers returned by accessors stay valid until the next mutating call.
 * All memory lives in arenas owned by the graph. */
#ifndef HUGINN_IR_H
#define HUGINN_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "huginn/dtype.h"
#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HGN_MAX_RANK 12
/* Largest dim Huginn accepts (2^40): shape arithmetic on two dims cannot overflow int64. */
#define HGN_DIM_MAX ((int64_t)1 << 40)

/* One dimension: known (sym == HGN_DIM_KNOWN, n >= 0) or symbolic (sym = a
 * symbol id of the graph, n ignored). */
#define HGN_DIM_KNOWN (-1)
typedef struct HgnDim {
    int64_t n;
    int32_t sym;
} HgnDim;

/* rank == -1: rank unknown (dims unused). */
typedef struct HgnShape {
    int32_t rank;
    HgnDim dims[HGN_MAX_RANK]; /* [rank], outermost first (ONNX/PyTorch order) */
} HgnShape;

typedef enum HgnValueRole {
    HGN_ROLE_ACTIVATION = 0, /* produced and consumed inside one step */
    HGN_ROLE_WEIGHT,         /* parameter loaded from the model file */
    HGN_ROLE_KV_CACHE,       /* persistent session state (capacity ctx) */
    HGN_ROLE_INPUT,          /* graph input bound by the caller */
    HGN_ROLE_OUTPUT,         /* graph output */
    HGN_ROLE_CONSTANT        /* small constant (Constant node, folded value) */
} HgnValueRole;

/* Quantisation backends a node allows (bit set). */
enum {
    HGN_QUANT_ALLOW_RTN = 1u << 0,
    HGN_QUANT_ALLOW_BNB = 1u << 1,
    HGN_QUANT_ALLOW_GPTQ = 1u << 2,
    HGN_QUANT_ALLOW_AWQ = 1u << 3,
    HGN_QUANT_ALLOW_ALL = 0xfu
};

typedef struct HgnValue {
    const char *name;
    HgnDtype dtype;
    HgnValueRole role;
    HgnShape shape;
    bool bytesKnown;  /* every dim known */
    uint64_t bytes;   /* dtype bytes × elements, when bytesKnown */
    int32_t producer; /* node index, -1 for inputs, weights, constants */
    int32_t nConsumers;
    const int32_t *consumers; /* [nConsumers] node indices, ascending; a node consuming twice appears once */
    int32_t firstUse;         /* producer index, or first consumer for inputs/weights; -1 when unused */
    int32_t lastUse;          /* last consumer; nNodes for graph outputs; -1 when unused */
    /* Payload of weights/constants (borrowed from the model or owned by the
     * graph arena), NULL when absent or external. Little-endian, packed. */
    const void *data;
    uint64_t dataBytes;
    /* Weights stored outside the model file (ONNX external data). */
    const char *externalPath; /* absolute or relative to the model folder; NULL when inline */
    uint64_t externalOffset;
    bool folded; /* data computed by constant folding during shape inference */
} HgnValue;

typedef enum HgnAttrType {
    HGN_ATTR_INT = 1,
    HGN_ATTR_FLOAT,
    HGN_ATTR_STRING,
    HGN_ATTR_INTS,
    HGN_ATTR_FLOATS,
    HGN_ATTR_STRINGS,
    HGN_ATTR_TENSOR,
    HGN_ATTR_GRAPH /* sub-graph: recorded, body not imported */
} HgnAttrType;

typedef struct HgnAttr {
    const char *name;
    HgnAttrType type;
    int64_t i;     /* INT */
    double f;      /* FLOAT */
    const char *s; /* STRING (NUL-terminated; sLen bytes may include NULs) */
    size_t sLen;
    int32_t n;                  /* element count of INTS / FLOATS / STRINGS */
    const int64_t *ints;        /* [n] */
    const float *floats;        /* [n] */
    const char *const *strings; /* [n] */
    /* TENSOR: dtype, shape (all dims known) and packed little-endian data. */
    HgnDtype tDtype;
    HgnShape tShape;
    const void *tData;
    uint64_t tBytes;
} HgnAttr;

typedef struct HgnNodeAnnotations {
    const char *deviceHint;      /* "gpu:0", NULL when free */
    const char *colocationGroup; /* nodes of one group go to one device; NULL when none */
    const char *antiAffinitySet; /* nodes of one set go to different devices; NULL when none */
    uint32_t quantBackends;      /* HGN_QUANT_ALLOW_* bits; default HGN_QUANT_ALLOW_ALL */
} HgnNodeAnnotations;

typedef struct HgnNode {
    const char *name;   /* never NULL: ONNX nodes without a name get "<op>_<index>" */
    const char *op;     /* "MatMul" */
    const char *domain; /* "" for the default ONNX domain */
    int32_t nInputs;
    const int32_t *inputs; /* [nInputs] value indices; -1 for an omitted optional input */
    int32_t nOutputs;
    const int32_t *outputs; /* [nOutputs] value indices; -1 for an omitted optional output */
    int32_t nAttrs;
    const HgnAttr *attrs;  /* [nAttrs], sorted by name after finalize */
    int32_t layer;         /* transformer block index, -1 when none */
    int32_t originalIndex; /* position in the source file */
    HgnNodeAnnotations ann;
} HgnNode;

/* Description of a node to add; arrays are copied. */
typedef struct HgnNodeSpec {
    const char *op;
    const char *name;   /* NULL: generated */
    const char *domain; /* NULL: "" */
    const int32_t *inputs;
    int32_t nInputs;
    const int32_t *outputs;
    int32_t nOutputs;
    const HgnAttr *attrs; /* deep-copied */
    int32_t nAttrs;
    int32_t layer; /* -1 when none */
} HgnNodeSpec;

typedef struct HgnGraph HgnGraph;

/* ---- construction ---------------------------------------------------------- */
HGN_NODISCARD HgnStatus hgnGraphCreate(HgnGraph **ppGraph);
void hgnGraphFree(HgnGraph *g);
/* Interns a symbol name ("batch"); returns its id (>= 0) or -1 on OOM. */
int32_t hgnGraphSymbol(HgnGraph *g, const char *name);
const char *hgnGraphSymbolName(const HgnGraph *g, int32_t sym);
int32_t hgnGraphSymbolCount(const HgnGraph *g);
/* Adds a value; names must be unique (InvalidArgument otherwise). shape may
 * be NULL (rank unknown). */
HGN_NODISCARD HgnStatus hgnGraphAddValue(HgnGraph *g, const char *name, HgnDtype dtype, const HgnShape *shape,
                                         HgnValueRole role, int32_t *pValue);
/* Index of the value called name, -1 when none. */
int32_t hgnGraphFindValue(const HgnGraph *g, const char *name);
/* Attaches a payload; copy=false borrows it (caller keeps it alive, e.g. with
 * hgnGraphKeepAlive). */
HGN_NODISCARD HgnStatus hgnGraphSetValueData(HgnGraph *g, int32_t value, const void *data, uint64_t bytes, bool copy);
HGN_NODISCARD HgnStatus hgnGraphSetValueExternal(HgnGraph *g, int32_t value, const char *path, uint64_t offset,
                                                 uint64_t bytes);
void hgnGraphSetValueShape(HgnGraph *g, int32_t value, const HgnShape *shape);
void hgnGraphSetValueRole(HgnGraph *g, int32_t value, HgnValueRole role);
HGN_NODISCARD HgnStatus hgnGraphAddNode(HgnGraph *g, const HgnNodeSpec *spec, int32_t *pNode);
HGN_NODISCARD HgnStatus hgnGraphSetAnnotations(HgnGraph *g, int32_t node, const HgnNodeAnnotations *ann);
HGN_NODISCARD HgnStatus hgnGraphAddInput(HgnGraph *g, int32_t value);
HGN_NODISCARD HgnStatus hgnGraphAddOutput(HgnGraph *g, int32_t value);
/* Opset version of an operator domain ("" = ai.onnx); 0 when unset. */
HGN_NODISCARD HgnStatus hgnGraphSetOpset(HgnGraph *g, const char *domain, int64_t version);
int64_t hgnGraphOpset(const HgnGraph *g, const char *domain);
/* The graph frees p with freeFn when it is freed (keeps borrowed data alive). */
HGN_NODISCARD HgnStatus hgnGraphKeepAlive(HgnGraph *g, void *p, void (*freeFn)(void *));
/* Name used in error messages (the model path); copied. */
void hgnGraphSetSource(HgnGraph *g, const char *source);
const char *hgnGraphSource(const HgnGraph *g);

/* Canonical form: reorders nodes topologically (Kahn; ties broken by the
 * original index), links producers/consumers, computes lifetimes, bytes and
 * the digest. Fails with ModelFormatInvalid naming a node on a cycle, a value
 * produced twice, or a value read but never produced. */
HGN_NODISCARD HgnStatus hgnGraphFinalize(HgnGraph *g);

/* ---- access ------------------------------------------------------------------ */
int32_t hgnGraphValueCount(const HgnGraph *g);
int32_t hgnGraphNodeCount(const HgnGraph *g);
const HgnValue *hgnGraphValue(const HgnGraph *g, int32_t value);
const HgnNode *hgnGraphNode(const HgnGraph *g, int32_t node);
int32_t hgnGraphInputCount(const HgnGraph *g);
int32_t hgnGraphInput(const HgnGraph *g, int32_t i);
int32_t hgnGraphOutputCount(const HgnGraph *g);
int32_t hgnGraphOutput(const HgnGraph *g, int32_t i);
/* Attribute of node by name, NULL when absent. */
const HgnAttr *hgnNodeAttr(const HgnNode *node, const char *name);
int64_t hgnNodeAttrInt(const HgnNode *node, const char *name, int64_t dflt);
double hgnNodeAttrFloat(const HgnNode *node, const char *name, double dflt);
const char *hgnNodeAttrString(const HgnNode *node, const char *name, const char *dflt);

/* SHA-256 of the canonical serialisation (valid after finalize): symbols,
 * opsets, values (name, dtype, role, shape, payload size and external
 * location; payload bytes of constants, inputs and weights up to
 * HGN_DIGEST_INLINE_BYTES — larger weights are covered by the model file
 * digest, not hashed again), nodes in canonical order with sorted attributes
 * and annotations, graph inputs and outputs. */
#define HGN_DIGEST_INLINE_BYTES 4096
void hgnGraphDigest(const HgnGraph *g, uint8_t digest[32]);
/* Lower-case hex of the digest into hex (65 bytes). */
void hgnGraphDigestHex(const HgnGraph *g, char hex[65]);

/* ---- shapes ------------------------------------------------------------------ */
/* Elements of shape with symbols bound to symValues[sym] (symValues may be
 * NULL: then any symbolic dim fails). InvalidArgument on unknown rank, an
 * unbound symbol or overflow. */
HGN_NODISCARD HgnStatus hgnShapeElements(const HgnShape *shape, const int64_t *symValues, int32_t nSymValues,
                                         int64_t *pElements);
bool hgnShapeEqual(const HgnShape *a, const HgnShape *b);
/* "[batch,3,224,224]" into buf; returns buf. */
char *hgnShapeFormat(const HgnGraph *g, const HgnShape *shape, char *buf, size_t size);

/* ---- shape inference --------------------------------------------------------- */
/* Binds a graph input before inference: its shape and, optionally, its
 * contents (copied) so shapes that depend on the data (Reshape targets,
 * Slice bounds) can be computed. */
HGN_NODISCARD HgnStatus hgnGraphBindInput(HgnGraph *g, int32_t value, const HgnShape *shape, const void *data,
                                          uint64_t bytes);
/* Infers dtype and shape of every node output in order (ONNX semantics,
 * opsets 7–17), folding small integer tensors (Shape→Gather→Concat→Reshape).
 * Data-dependent dims (NonZero) become fresh symbols. Fails with
 * UnsupportedOperator "unsupported operator X (opset N)" or
 * ShapeInferenceFailed naming the node; declared shapes that contradict the
 * inferred ones fail too. Re-finalizes the graph. */
HGN_NODISCARD HgnStatus hgnGraphInferShapes(HgnGraph *g);
/* True when op (default domain) has a shape-inference rule at opset. */
bool hgnShapeInferenceSupports(const char *op, int64_t opset);

/* ---- reports ------------------------------------------------------------------ */
typedef struct HgnOpCount {
    const char *op;
    int32_t count;
} HgnOpCount;

typedef struct HgnGraphSummary {
    int32_t nNodes, nValues, nInputs, nOutputs, nWeights, nConstants, nSymbols;
    uint64_t weightBytes;   /* sum over weights with known size */
    uint64_t maxValueBytes; /* largest known activation */
    int32_t nOps;
    HgnOpCount *ops; /* [nOps], by descending count then name; owned by the summary */
} HgnGraphSummary;

HGN_NODISCARD HgnStatus hgnGraphSummarize(const HgnGraph *g, HgnGraphSummary *out);
void hgnGraphSummaryFree(HgnGraphSummary *s);
/* Full graph as JSON (symbols, values, nodes, summary, digest); caller frees with hgnFree. */
HGN_NODISCARD HgnStatus hgnIrToJson(const HgnGraph *g, bool includeValues, char **pJson);
/* Human summary: counts, ops by type, inputs/outputs with shapes; caller frees. */
HGN_NODISCARD HgnStatus hgnIrSummaryText(const HgnGraph *g, char **pText);

#ifdef __cplusplus
}
#endif
#endif
