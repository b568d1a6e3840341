/* placementInt.h — the placement problem's private tables, shared by the
 * solver (placement.c) and the plan builder (src/planner/planBuild.c). */
#ifndef HGN_SCHEDULING_PLACEMENTINT_H
#define HGN_SCHEDULING_PLACEMENTINT_H

#include "huginn/planner.h"

struct HgnPlacementProblem {
    const HgnPlanItems *items;
    const HgnMachine *machine;
    size_t n, k;
    HgnPlanObjective objective;
    bool localityFirst;
    bool ignoreConstraints; /* diagnosis: is it memory or the constraints? */
    uint64_t context, batch, ubatch;
    uint64_t *kvBytes;  /* [n] at context × batch */
    uint64_t *actBytes; /* [n] peak compute buffers */
    double *decPrefix;  /* [k × (n+1)] decode seconds prefix per device */
    int64_t *decPs;     /* [k × (n+1)] the same in integer picoseconds: the objective's exact arithmetic */
    int64_t *prefPs;    /* [k × (n+1)] prefix of preference penalties per device (ps) */
    double *prePrefix;  /* [k × (n+1)] prefill-chunk seconds prefix per device */
    uint64_t *wPrefix;  /* [n+1] */
    uint64_t *kvPrefix; /* [n+1] */
    uint64_t *reserved; /* [k] */
    uint64_t *overhead; /* [k] */
    bool *disabled;     /* [k] */
    int *mustDev;       /* [n] */
    int *prefDev;       /* [n] */
    bool *noCut;        /* [n+1]: no cut before item c */
    size_t *minStart;   /* [n+1] */
};

/* Memory and time of items [i, j) on device d with the peak compute buffer
 * maxAct. Returns false when it does not fit. */
typedef struct SegmentCost {
    uint64_t weights, kv, act, overhead, reserved, total, spilled;
    double decode, prefill;
    int64_t costPs; /* objective contribution, integer picoseconds (sums are exact and associative) */
} SegmentCost;

#define HGN_COST_INF INT64_MAX

bool hgnSegmentCost(const HgnPlacementProblem *p, size_t d, size_t i, size_t j, uint64_t maxAct, SegmentCost *out);
/* Seconds to move the activations at the cut before item c from a to b (decode step / prefill chunk). */
double hgnCutSeconds(const HgnPlacementProblem *p, size_t a, size_t b, size_t c, bool prefill);
/* Memory of items [i, j) on d with compute buffer maxAct: fits the window (GPU) or fits with weights spilled
 * to the disk (host). *spill gets the bytes that go to disk. */
bool hgnSegmentFits(const HgnPlacementProblem *p, size_t d, size_t i, size_t j, uint64_t maxAct, uint64_t *spill);

#endif
