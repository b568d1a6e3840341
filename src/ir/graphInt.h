/* graphInt.h — private layout of HgnGraph, shared by the ir/ sources only. */
#ifndef HGN_IR_GRAPHINT_H
#define HGN_IR_GRAPHINT_H

#include "huginn/ir.h"
#include "core/arena.h"

typedef struct KeepAlive {
    void *p;
    void (*freeFn)(void *);
} KeepAlive;

typedef struct OpsetEntry {
    const char *domain;
    int64_t version;
} OpsetEntry;

/* Small integer contents of a value known during shape inference (constant or
 * folded, possibly symbolic per element: Shape of a [batch,3] input is
 * {batch, 3}). */
typedef struct KnownInts {
    bool valid;   /* contents known */
    int32_t n;    /* elements */
    HgnDim *elts; /* [n] (arena) */
} KnownInts;

struct HgnGraph {
    HgnArena arena;
    HgnValue *values; /* [nValues] */
    int32_t nValues, capValues;
    HgnNode *nodes; /* [nNodes] */
    int32_t nNodes, capNodes;
    int32_t *inputs, nInputs, capInputs;
    int32_t *outputs, nOutputs, capOutputs;
    const char **symbols;
    int32_t nSymbols, capSymbols;
    OpsetEntry *opsets;
    int32_t nOpsets;
    KeepAlive *keep;
    int32_t nKeep;
    /* value-name hash (open addressing; slots hold index+1, 0 = empty) */
    int32_t *hash;
    uint32_t hashCap;
    KnownInts *known; /* [capValues] during shape inference, else NULL */
    char *source;
    bool finalized;
    uint8_t digest[32];
};

#endif
