/* placement.c — optimal chain partitioning: each device (GPUs in order, then
 * the host) runs one contiguous range of items; a dynamic programme over
 * (last device used, cut) finds the placement of least predicted step time
 * (sum of stage and transfer times for latency, the slowest stage or link
 * for throughput) under every memory window, reservation and constraint.
 * The host may spill weights to disk, paying their read each step. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "scheduling/placementInt.h"

#define STAGE_PENALTY_PS      1000000000000ll    /* locality-first: 1 s per device used (dominates any step time) */
#define PREFERENCE_PENALTY_PS 1000ll             /* 1 ns per item away from its preferred device */
#define MAX_PS                ((int64_t)1 << 60) /* times are capped here so that sums never overflow */

/* Seconds → integer picoseconds, the unit the objective is summed in (exact, associative). */
static int64_t toPs(double seconds) {
    if (!(seconds > 0)) return 0;
    double ps = seconds * 1e12;
    return ps >= (double)MAX_PS ? MAX_PS : (int64_t)llround(ps);
}

static uint64_t addSat(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }
static uint64_t mulSat(uint64_t a, uint64_t b) { return a && b > UINT64_MAX / a ? UINT64_MAX : a * b; }

static double peakFor(const HgnMachineDevice *d, HgnWeightFormat dt) {
    double p;
    switch (dt) {
    case HGN_WEIGHTS_F16:
        p = d->peakFp16;
        break;
    case HGN_WEIGHTS_BF16:
        p = d->peakBf16;
        break;
    case HGN_WEIGHTS_INT8:
        p = d->peakInt8;
        break;
    case HGN_WEIGHTS_FP8:
        p = d->peakFp8 > 0 ? d->peakFp8 : d->peakFp16;
        break;
    default:
        p = d->peakFp32;
        break;
    }
    if (p <= 0) p = d->peakFp32 > 0 ? d->peakFp32 : 1e9;
    return p;
}

static uint64_t effectiveKeys(const HgnPlanItem *it, uint64_t context) {
    return it->kvWindow && it->kvWindow < context ? it->kvWindow : context;
}

/* Roofline time of one item on one device: max(FLOPs / peak, bytes / bandwidth) + launches. */
static double itemSeconds(const HgnPlacementProblem *p, const HgnPlanItem *it, const HgnMachineDevice *d,
                          bool prefill) {
    double b = (double)p->batch, tokens = prefill ? (double)p->ubatch : 1.0;
    double keys = (double)effectiveKeys(it, p->context);
    if (prefill && keys > tokens) keys = tokens;
    double flops = b * tokens * (it->flopsPerToken + it->attnFlopsPerTokenKey * keys);
    double bytes = (double)it->weightBytes + b * (double)it->kvBytesPerToken * keys +
                   b * tokens * (double)it->actBytesPerToken + (double)it->actBytesFixed;
    double bw = d->memoryBandwidth > 0 ? d->memoryBandwidth : 1e9;
    double tc = flops / peakFor(d, it->computeDtype), tm = bytes / bw;
    return (tc > tm ? tc : tm) + it->kernels * d->launchSeconds;
}

void hgnPlacementProblemFree(HgnPlacementProblem *p) {
    if (!p) return;
    hgnFree(p->kvBytes);
    hgnFree(p->actBytes);
    hgnFree(p->decPrefix);
    hgnFree(p->decPs);
    hgnFree(p->prefPs);
    hgnFree(p->prePrefix);
    hgnFree(p->wPrefix);
    hgnFree(p->kvPrefix);
    hgnFree(p->reserved);
    hgnFree(p->overhead);
    hgnFree(p->disabled);
    hgnFree(p->mustDev);
    hgnFree(p->prefDev);
    hgnFree(p->noCut);
    hgnFree(p->minStart);
    hgnFree(p);
}

void hgnPlacementProblemDisable(HgnPlacementProblem *p, size_t device, bool disabled) {
    if (p && device < p->k) p->disabled[device] = disabled;
}

static HgnStatus unknownDevice(const HgnMachine *m, const char *where, const char *what, const char *id) {
    char list[256] = "";
    size_t used = 0;
    for (size_t d = 0; d < m->count && used + 40 < sizeof list; d++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", d ? ", " : "", m->devices[d].id);
    return hgnStatusNew(HGN_CODE_PlanInfeasible, where, "name a device of this machine",
                        "%s `%s` is not a device of this machine (devices: %s)", what, id, list);
}

/* Distinct-name index of s among names[0..*count), appending it when new. */
static size_t nameIndex(const char **names, size_t *count, const char *s) {
    for (size_t i = 0; i < *count; i++)
        if (strcmp(names[i], s) == 0) return i;
    names[*count] = s;
    return (*count)++;
}

static HgnStatus buildConstraints(HgnPlacementProblem *p) {
    size_t n = p->n;
    const HgnPlanItem *it = p->items->items;
    for (size_t i = 0; i < n; i++) {
        p->mustDev[i] = p->prefDev[i] = -1;
        if (it[i].mustRunOn) {
            p->mustDev[i] = hgnMachineFind(p->machine, it[i].mustRunOn);
            if (p->mustDev[i] < 0) return unknownDevice(p->machine, it[i].name, "must-run-on device", it[i].mustRunOn);
        }
        if (it[i].preferredDevice) {
            p->prefDev[i] = hgnMachineFind(p->machine, it[i].preferredDevice);
            if (p->prefDev[i] < 0)
                return unknownDevice(p->machine, it[i].name, "preferred device", it[i].preferredDevice);
        }
    }
    const char **names = hgnCalloc(n ? n : 1, sizeof *names);
    size_t *first = hgnMalloc(sizeof(size_t) * (n ? n : 1)), *last = hgnMalloc(sizeof(size_t) * (n ? n : 1));
    if (!names || !first || !last) {
        hgnFree(names);
        hgnFree(first);
        hgnFree(last);
        return hgnStatusNew(HGN_CODE_OutOfMemory, "planner", NULL, "cannot allocate constraint tables");
    }
    /* colocation: no cut strictly inside a group's span */
    size_t nNames = 0;
    for (size_t i = 0; i < n; i++) {
        if (!it[i].colocationGroup) continue;
        size_t before = nNames;
        size_t g = nameIndex(names, &nNames, it[i].colocationGroup);
        if (nNames > before) first[g] = i;
        last[g] = i;
    }
    for (size_t g = 0; g < nNames; g++)
        for (size_t c = first[g] + 1; c <= last[g]; c++) p->noCut[c] = true;
    /* anti-affinity: a segment never holds two members of one set */
    nNames = 0;
    size_t ms = 0;
    p->minStart[0] = 0;
    for (size_t j = 1; j <= n; j++) {
        const HgnPlanItem *x = &it[j - 1];
        if (x->antiAffinitySet) {
            size_t before = nNames;
            size_t s = nameIndex(names, &nNames, x->antiAffinitySet);
            if (s < before && last[s] + 1 > ms) ms = last[s] + 1;
            last[s] = j - 1;
        }
        p->minStart[j] = ms;
    }
    hgnFree(names);
    hgnFree(first);
    hgnFree(last);
    return HGN_OK;
}

HgnStatus hgnPlacementProblemCreate(const HgnPlanItems *items, const HgnMachine *machine, const HgnPlanOptions *opts,
                                    HgnPlacementProblem **out) {
    *out = NULL;
    if (!items || !machine || !opts || machine->count == 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "planner", NULL, "placement needs items, a machine and options");
    if (items->count == 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "planner", NULL, "there is nothing to place (no items)");
    HgnPlacementProblem *p = hgnCalloc(1, sizeof *p);
    if (!p) return hgnStatusNew(HGN_CODE_OutOfMemory, "planner", NULL, "cannot allocate the placement problem");
    size_t n = items->count, k = machine->count;
    p->items = items;
    p->machine = machine;
    p->n = n;
    p->k = k;
    p->objective = opts->policy == HGN_POLICY_THROUGHPUT_MAX ? HGN_OBJECTIVE_THROUGHPUT : opts->objective;
    p->localityFirst = opts->policy == HGN_POLICY_LOCALITY_FIRST;
    if (p->localityFirst) p->objective = HGN_OBJECTIVE_LATENCY;
    p->batch = items->isLlm && opts->batch ? opts->batch : 1;
    p->context = items->isLlm ? (opts->context ? opts->context : 4096) : 0;
    p->ubatch = items->isLlm ? (opts->ubatch ? opts->ubatch : (p->context < 512 ? p->context : 512)) : 1;
    if (p->ubatch == 0) p->ubatch = 1;
    p->kvBytes = hgnCalloc(n, sizeof(uint64_t));
    p->actBytes = hgnCalloc(n, sizeof(uint64_t));
    p->decPrefix = hgnCalloc(k * (n + 1), sizeof(double));
    p->prePrefix = hgnCalloc(k * (n + 1), sizeof(double));
    p->decPs = hgnCalloc(k * (n + 1), sizeof(int64_t));
    p->prefPs = hgnCalloc(k * (n + 1), sizeof(int64_t));
    p->wPrefix = hgnCalloc(n + 1, sizeof(uint64_t));
    p->kvPrefix = hgnCalloc(n + 1, sizeof(uint64_t));
    p->reserved = hgnCalloc(k, sizeof(uint64_t));
    p->overhead = hgnCalloc(k, sizeof(uint64_t));
    p->disabled = hgnCalloc(k, sizeof(bool));
    p->mustDev = hgnCalloc(n, sizeof(int));
    p->prefDev = hgnCalloc(n, sizeof(int));
    p->noCut = hgnCalloc(n + 1, sizeof(bool));
    p->minStart = hgnCalloc(n + 1, sizeof(size_t));
    if (!p->kvBytes || !p->actBytes || !p->decPrefix || !p->prePrefix || !p->decPs || !p->prefPs || !p->wPrefix ||
        !p->kvPrefix || !p->reserved || !p->overhead || !p->disabled || !p->mustDev || !p->prefDev || !p->noCut ||
        !p->minStart) {
        hgnPlacementProblemFree(p);
        return hgnStatusNew(HGN_CODE_OutOfMemory, "planner", NULL, "cannot allocate the placement tables");
    }
    uint64_t tokens = mulSat(p->batch, p->ubatch);
    for (size_t i = 0; i < n; i++) {
        const HgnPlanItem *it = &items->items[i];
        uint64_t keys = effectiveKeys(it, p->context);
        p->kvBytes[i] = mulSat(mulSat(it->kvBytesPerToken, keys), p->batch);
        p->actBytes[i] =
            addSat(it->actBytesFixed,
                   mulSat(tokens, addSat(it->actBytesPerToken, mulSat(it->actBytesPerTokenKey, keys ? keys : 1))));
        p->wPrefix[i + 1] = addSat(p->wPrefix[i], it->weightBytes);
        p->kvPrefix[i + 1] = addSat(p->kvPrefix[i], p->kvBytes[i]);
    }
    for (size_t d = 0; d < k; d++) {
        const HgnMachineDevice *dev = &machine->devices[d];
        p->overhead[d] = hgnRuntimeOverheadBytes(dev->gpu);
        double *dp = &p->decPrefix[d * (n + 1)], *pp = &p->prePrefix[d * (n + 1)];
        int64_t *ip = &p->decPs[d * (n + 1)];
        for (size_t i = 0; i < n; i++) {
            double t = itemSeconds(p, &items->items[i], dev, false);
            dp[i + 1] = dp[i] + t;
            ip[i + 1] = ip[i] + toPs(t);
            pp[i + 1] = pp[i] + itemSeconds(p, &items->items[i], dev, true);
        }
    }
    for (size_t r = 0; r < opts->nReserves; r++) {
        int d = hgnMachineFind(machine, opts->reserves[r].device);
        if (d < 0) {
            HgnStatus st = unknownDevice(machine, "--reserve", "reserved device", opts->reserves[r].device);
            hgnPlacementProblemFree(p);
            return st;
        }
        p->reserved[d] = opts->reserves[r].bytes;
    }
    HgnStatus st = buildConstraints(p);
    if (st) {
        hgnPlacementProblemFree(p);
        return st;
    }
    for (size_t d = 0; d < k; d++) {
        int64_t *pf = &p->prefPs[d * (n + 1)];
        for (size_t i = 0; i < n; i++)
            pf[i + 1] = pf[i] + (p->prefDev[i] >= 0 && (size_t)p->prefDev[i] != d ? PREFERENCE_PENALTY_PS : 0);
    }
    *out = p;
    return HGN_OK;
}

bool hgnSegmentFits(const HgnPlacementProblem *p, size_t d, size_t i, size_t j, uint64_t maxAct, uint64_t *spill) {
    const HgnMachineDevice *dev = &p->machine->devices[d];
    uint64_t weights = p->wPrefix[j] - p->wPrefix[i], kv = p->kvPrefix[j] - p->kvPrefix[i];
    uint64_t total = addSat(addSat(addSat(weights, kv), addSat(maxAct, p->overhead[d])), p->reserved[d]);
    *spill = 0;
    if (total <= dev->memoryBytes) return true;
    /* only the host spills, and only weights, onto the disk */
    uint64_t over = total - dev->memoryBytes;
    if (dev->gpu || d + 1 != p->machine->count || over > weights || over > p->machine->diskBytes ||
        p->machine->diskBandwidth <= 0)
        return false;
    *spill = over;
    return true;
}

bool hgnSegmentCost(const HgnPlacementProblem *p, size_t d, size_t i, size_t j, uint64_t maxAct, SegmentCost *out) {
    size_t n = p->n;
    memset(out, 0, sizeof *out);
    out->weights = p->wPrefix[j] - p->wPrefix[i];
    out->kv = p->kvPrefix[j] - p->kvPrefix[i];
    out->act = maxAct;
    out->overhead = p->overhead[d];
    out->reserved = p->reserved[d];
    out->total = addSat(addSat(addSat(out->weights, out->kv), addSat(out->act, out->overhead)), out->reserved);
    out->decode = p->decPrefix[d * (n + 1) + j] - p->decPrefix[d * (n + 1) + i];
    out->prefill = p->prePrefix[d * (n + 1) + j] - p->prePrefix[d * (n + 1) + i];
    if (!hgnSegmentFits(p, d, i, j, maxAct, &out->spilled)) return false;
    int64_t c = p->decPs[d * (n + 1) + j] - p->decPs[d * (n + 1) + i];
    if (out->spilled) {
        double t = (double)out->spilled / p->machine->diskBandwidth;
        out->decode += t;
        out->prefill += t;
        c += toPs(t);
    }
    if (!p->ignoreConstraints) c += p->prefPs[d * (n + 1) + j] - p->prefPs[d * (n + 1) + i];
    if (p->localityFirst) c += STAGE_PENALTY_PS;
    out->costPs = c;
    return true;
}

double hgnCutSeconds(const HgnPlacementProblem *p, size_t a, size_t b, size_t c, bool prefill) {
    if (c == 0 || a == b) return 0;
    const HgnMachine *m = p->machine;
    double bytes =
        (double)p->items->items[c - 1].outBytesPerToken * (double)p->batch * (prefill ? (double)p->ubatch : 1.0);
    double bw = m->linkBandwidth[a * m->count + b];
    if (bw <= 0) bw = 1e9;
    return m->linkLatency[a * m->count + b] + bytes / bw;
}

static int64_t cutPs(const HgnPlacementProblem *p, size_t a, size_t b, size_t c) {
    return toPs(hgnCutSeconds(p, a, b, c, false));
}

static int64_t combine(const HgnPlacementProblem *p, int64_t a, int64_t b) {
    if (a == HGN_COST_INF || b == HGN_COST_INF) return HGN_COST_INF;
    return p->objective == HGN_OBJECTIVE_THROUGHPUT ? (a > b ? a : b) : a + b;
}

static double toSeconds(int64_t ps) { return ps == HGN_COST_INF ? INFINITY : (double)ps * 1e-12; }

/* Whether a segment [i, j) may run on d as far as the constraints go. */
static bool segmentAllowed(const HgnPlacementProblem *p, size_t d, size_t i, size_t j) {
    if (p->ignoreConstraints) return true;
    if (i < p->minStart[j]) return false;
    if (i > 0 && p->noCut[i]) return false;
    if (j < p->n && p->noCut[j]) return false;
    for (size_t x = i; x < j; x++)
        if (p->mustDev[x] >= 0 && (size_t)p->mustDev[x] != d) return false;
    return true;
}

static int64_t evaluatePs(const HgnPlacementProblem *p, const HgnPlacement *pl) {
    if (!p || !pl || pl->nDevices != p->k) return HGN_COST_INF;
    int64_t acc = 0;
    size_t pos = 0, prev = SIZE_MAX;
    for (size_t d = 0; d < p->k; d++) {
        size_t i = pl->first[d], j = pl->end[d];
        if (i == j) continue;
        if (i != pos || j < i || j > p->n || p->disabled[d]) return HGN_COST_INF;
        if (!segmentAllowed(p, d, i, j)) return HGN_COST_INF;
        uint64_t maxAct = 0;
        for (size_t x = i; x < j; x++)
            if (p->actBytes[x] > maxAct) maxAct = p->actBytes[x];
        SegmentCost sc;
        if (!hgnSegmentCost(p, d, i, j, maxAct, &sc)) return HGN_COST_INF;
        int64_t g = prev == SIZE_MAX ? 0 : combine(p, acc, cutPs(p, prev, d, i));
        acc = combine(p, g, sc.costPs);
        prev = d;
        pos = j;
    }
    return pos == p->n ? acc : HGN_COST_INF;
}

double hgnPlacementEvaluate(const HgnPlacementProblem *p, const HgnPlacement *pl) {
    return toSeconds(evaluatePs(p, pl));
}

HgnStatus hgnPlacementInit(HgnPlacement *pl, size_t nDevices) {
    memset(pl, 0, sizeof *pl);
    pl->first = hgnCalloc(nDevices ? nDevices : 1, sizeof(size_t));
    pl->end = hgnCalloc(nDevices ? nDevices : 1, sizeof(size_t));
    if (!pl->first || !pl->end) {
        hgnPlacementFree(pl);
        return hgnStatusNew(HGN_CODE_OutOfMemory, "planner", NULL, "cannot allocate a placement");
    }
    pl->nDevices = nDevices;
    pl->cost = INFINITY;
    return HGN_OK;
}

void hgnPlacementFree(HgnPlacement *pl) {
    if (!pl) return;
    hgnFree(pl->first);
    hgnFree(pl->end);
    memset(pl, 0, sizeof *pl);
}

static HgnStatus noPlacement(const HgnPlacementProblem *p) {
    return hgnStatusNew(p->ignoreConstraints ? HGN_CODE_OverBudget : HGN_CODE_PlanInfeasible, "planner", NULL,
                        "no placement fits");
}

/* Scratch of the solver. */
typedef struct Dp {
    int64_t *f, *g, *key;
    size_t *fromI, *fromD, *gFrom, *dqMin, *dqAct, *dqAct2;
} Dp;

static void relax(const HgnPlacementProblem *p, Dp *t, size_t d, size_t i, size_t j, int64_t c) {
    size_t w = p->n + 1;
    if (c < t->f[d * w + j]) {
        t->f[d * w + j] = c;
        t->fromI[d * w + j] = i;
        t->fromD[d * w + j] = t->gFrom[i];
    }
}

/* Sum objective: f[d][j] = min over feasible i of g[i] + T[j] - T[i] (+ spill on the host). The feasible
 * starts of j form a window [lo, j) whose lower end never decreases (memory, must-run-on and anti-affinity
 * only get harder for longer segments), and the starts that spill nothing a window [nsLo, j): a monotone
 * deque keeps the best g[i] - T[i] of the latter, the spilling starts are priced one by one. O(n) per
 * device without spill. Integer picoseconds make T[j] + (g[i] - T[i]) equal g[i] + (T[j] - T[i]). */
static void sweepSum(const HgnPlacementProblem *p, Dp *t, size_t d) {
    size_t n = p->n, w = n + 1;
    const int64_t *T = &p->decPs[d * w], *P = &p->prefPs[d * w];
    bool usePref = !p->ignoreConstraints;
    int64_t stage = p->localityFirst ? STAGE_PENALTY_PS : 0;
    size_t lo = 0, nsLo = 0, lastBad = 0; /* lastBad: 1 + last item that may not run on d */
    size_t mh = 0, mt = 0, ah = 0, at = 0, bh = 0, bt = 0;
    for (size_t j = 1; j <= n; j++) {
        size_t x = j - 1;
        if (!p->ignoreConstraints && p->mustDev[x] >= 0 && (size_t)p->mustDev[x] != d) lastBad = j;
        /* candidate start i = j - 1 */
        t->key[x] = t->g[x] == HGN_COST_INF ? HGN_COST_INF : t->g[x] - T[x] - (usePref ? P[x] : 0);
        while (mt > mh && t->key[t->dqMin[mt - 1]] >= t->key[x]) mt--;
        t->dqMin[mt++] = x;
        while (at > ah && p->actBytes[t->dqAct[at - 1]] <= p->actBytes[x]) at--;
        t->dqAct[at++] = x;
        while (bt > bh && p->actBytes[t->dqAct2[bt - 1]] <= p->actBytes[x]) bt--;
        t->dqAct2[bt++] = x;
        /* lowest feasible start */
        size_t minLo = lastBad;
        if (!p->ignoreConstraints && p->minStart[j] > minLo) minLo = p->minStart[j];
        if (lo < minLo) lo = minLo;
        for (;;) {
            while (ah < at && t->dqAct[ah] < lo) ah++;
            if (lo >= j) break;
            uint64_t spill;
            if (hgnSegmentFits(p, d, lo, j, p->actBytes[t->dqAct[ah]], &spill)) break;
            lo++;
        }
        if (nsLo < lo) nsLo = lo;
        for (;;) {
            while (bh < bt && t->dqAct2[bh] < nsLo) bh++;
            if (nsLo >= j) break;
            uint64_t spill;
            if (hgnSegmentFits(p, d, nsLo, j, p->actBytes[t->dqAct2[bh]], &spill) && spill == 0) break;
            nsLo++;
        }
        while (mh < mt && t->dqMin[mh] < nsLo) mh++;
        if (lo >= j) continue;
        if (!p->ignoreConstraints && j < n && p->noCut[j]) continue;
        if (mh < mt && t->key[t->dqMin[mh]] != HGN_COST_INF) {
            size_t i = t->dqMin[mh];
            relax(p, t, d, i, j, t->key[i] + T[j] + (usePref ? P[j] : 0) + stage);
        }
        /* starts whose segment spills: priced one by one (host only) */
        uint64_t maxAct = 0, tailMax = bh < bt ? p->actBytes[t->dqAct2[bh]] : 0; /* tailMax: over [nsLo, j) */
        for (size_t i = nsLo; i-- > lo;) {
            if (p->actBytes[i] > maxAct) maxAct = p->actBytes[i];
            if (t->g[i] == HGN_COST_INF) continue;
            uint64_t segMax = maxAct > tailMax ? maxAct : tailMax;
            SegmentCost sc;
            if (hgnSegmentCost(p, d, i, j, segMax, &sc)) relax(p, t, d, i, j, combine(p, t->g[i], sc.costPs));
        }
    }
}

/* Throughput objective (max of stages and links): every (i, j) pair, longest first until it stops fitting. */
static void sweepMax(const HgnPlacementProblem *p, Dp *t, size_t d) {
    size_t n = p->n;
    for (size_t i = 0; i < n; i++) {
        if (t->g[i] == HGN_COST_INF) continue;
        uint64_t maxAct = 0;
        for (size_t j = i + 1; j <= n; j++) {
            const size_t x = j - 1;
            if (!p->ignoreConstraints) {
                if (p->mustDev[x] >= 0 && (size_t)p->mustDev[x] != d) break;
                if (i < p->minStart[j]) break;
            }
            if (p->actBytes[x] > maxAct) maxAct = p->actBytes[x];
            if (!p->ignoreConstraints && j < n && p->noCut[j]) continue;
            SegmentCost sc;
            /* weights and KV only grow (and the host's spill with them): nothing longer fits either */
            if (!hgnSegmentCost(p, d, i, j, maxAct, &sc)) break;
            relax(p, t, d, i, j, combine(p, t->g[i], sc.costPs));
        }
    }
}

HgnStatus hgnPlacementSolve(const HgnPlacementProblem *p, HgnPlacement *out) {
    size_t n = p->n, k = p->k, w = n + 1;
    HgnStatus st = hgnPlacementInit(out, k);
    if (st) return st;
    Dp t;
    t.f = hgnMalloc(sizeof(int64_t) * k * w);
    t.g = hgnMalloc(sizeof(int64_t) * w);
    t.key = hgnMalloc(sizeof(int64_t) * w);
    t.fromI = hgnMalloc(sizeof(size_t) * k * w);
    t.fromD = hgnMalloc(sizeof(size_t) * k * w);
    t.gFrom = hgnMalloc(sizeof(size_t) * w);
    t.dqMin = hgnMalloc(sizeof(size_t) * w);
    t.dqAct = hgnMalloc(sizeof(size_t) * w);
    t.dqAct2 = hgnMalloc(sizeof(size_t) * w);
    if (!t.f || !t.g || !t.key || !t.fromI || !t.fromD || !t.gFrom || !t.dqMin || !t.dqAct || !t.dqAct2) {
        st = hgnStatusNew(HGN_CODE_OutOfMemory, "planner", NULL, "cannot allocate the DP tables");
        goto done;
    }
    for (size_t x = 0; x < k * w; x++) t.f[x] = HGN_COST_INF;
    for (size_t d = 0; d < k; d++) {
        if (p->disabled[d]) continue;
        /* g[i]: best cost of [0, i) followed by a cut into d */
        t.g[0] = 0;
        t.gFrom[0] = SIZE_MAX;
        for (size_t i = 1; i < n; i++) {
            t.g[i] = HGN_COST_INF;
            t.gFrom[i] = SIZE_MAX;
            if (!p->ignoreConstraints && p->noCut[i]) continue;
            for (size_t e = 0; e < d; e++) {
                int64_t fe = t.f[e * w + i];
                if (fe == HGN_COST_INF) continue;
                int64_t c = combine(p, fe, cutPs(p, e, d, i));
                if (c < t.g[i]) {
                    t.g[i] = c;
                    t.gFrom[i] = e;
                }
            }
        }
        if (p->objective == HGN_OBJECTIVE_THROUGHPUT)
            sweepMax(p, &t, d);
        else
            sweepSum(p, &t, d);
    }
    size_t best = SIZE_MAX;
    int64_t bestCost = HGN_COST_INF;
    for (size_t d = 0; d < k; d++)
        if (t.f[d * w + n] < bestCost) {
            bestCost = t.f[d * w + n];
            best = d;
        }
    if (best == SIZE_MAX) {
        st = noPlacement(p);
        goto done;
    }
    size_t j = n, d = best;
    while (d != SIZE_MAX) {
        size_t i = t.fromI[d * w + j], prevD = t.fromD[d * w + j];
        out->first[d] = i;
        out->end[d] = j;
        j = i;
        d = prevD;
    }
    /* empty devices: an empty range at the position where the chain passes them */
    size_t pos = 0;
    for (size_t x = 0; x < k; x++) {
        if (out->end[x] > out->first[x]) {
            pos = out->end[x];
        } else {
            out->first[x] = out->end[x] = pos;
        }
    }
    out->cost = toSeconds(bestCost);
done:
    hgnFree(t.f);
    hgnFree(t.g);
    hgnFree(t.key);
    hgnFree(t.fromI);
    hgnFree(t.fromD);
    hgnFree(t.gFrom);
    hgnFree(t.dqMin);
    hgnFree(t.dqAct);
    hgnFree(t.dqAct2);
    if (st) hgnPlacementFree(out);
    return st;
}

/* ---- exhaustive search (tests) -------------------------------------------------------- */

static void bruteRec(const HgnPlacementProblem *p, HgnPlacement *cur, HgnPlacement *best, size_t d, size_t pos) {
    if (d == p->k) {
        if (pos != p->n) return;
        double c = hgnPlacementEvaluate(p, cur);
        if (c < best->cost) {
            best->cost = c;
            memcpy(best->first, cur->first, p->k * sizeof(size_t));
            memcpy(best->end, cur->end, p->k * sizeof(size_t));
        }
        return;
    }
    cur->first[d] = cur->end[d] = pos; /* empty */
    bruteRec(p, cur, best, d + 1, pos);
    if (p->disabled[d]) return;
    for (size_t j = pos + 1; j <= p->n; j++) {
        cur->first[d] = pos;
        cur->end[d] = j;
        bruteRec(p, cur, best, d + 1, j);
    }
    cur->first[d] = cur->end[d] = pos;
}

HgnStatus hgnPlacementBruteForce(const HgnPlacementProblem *p, HgnPlacement *out) {
    HgnStatus st = hgnPlacementInit(out, p->k);
    if (st) return st;
    HgnPlacement cur;
    st = hgnPlacementInit(&cur, p->k);
    if (st) {
        hgnPlacementFree(out);
        return st;
    }
    bruteRec(p, &cur, out, 0, 0);
    hgnPlacementFree(&cur);
    if (out->cost == INFINITY) {
        hgnPlacementFree(out);
        return noPlacement(p);
    }
    return HGN_OK;
}

void hgnPlacementStages(const HgnPlacementProblem *p, const HgnPlacement *pl, HgnStageCost *stages) {
    size_t prev = SIZE_MAX;
    for (size_t d = 0; d < p->k; d++) {
        HgnStageCost *s = &stages[d];
        memset(s, 0, sizeof *s);
        s->windowBytes = p->machine->devices[d].memoryBytes;
        s->reservedBytes = p->reserved[d];
        size_t i = pl->first[d], j = pl->end[d];
        if (i >= j) continue;
        uint64_t maxAct = 0;
        for (size_t x = i; x < j; x++)
            if (p->actBytes[x] > maxAct) maxAct = p->actBytes[x];
        SegmentCost sc;
        (void)hgnSegmentCost(p, d, i, j, maxAct, &sc);
        s->weightsBytes = sc.weights;
        s->kvBytes = sc.kv;
        s->activationBytes = sc.act;
        s->overheadBytes = sc.overhead;
        s->spilledBytes = sc.spilled;
        s->decodeSeconds = sc.decode;
        s->prefillSeconds = sc.prefill;
        s->transferInSeconds = prev == SIZE_MAX ? 0 : hgnCutSeconds(p, prev, d, i, false);
        /* bottleneck: what dominates the stage */
        const HgnMachineDevice *dev = &p->machine->devices[d];
        double flops = 0, bytes = 0, launch = 0;
        for (size_t x = i; x < j; x++) {
            const HgnPlanItem *it = &p->items->items[x];
            double keys = (double)effectiveKeys(it, p->context);
            flops += (double)p->batch * (it->flopsPerToken + it->attnFlopsPerTokenKey * keys) /
                     peakFor(dev, it->computeDtype);
            launch += it->kernels * dev->launchSeconds;
        }
        bytes = ((double)sc.weights - (double)sc.spilled + (double)sc.kv) /
                (dev->memoryBandwidth > 0 ? dev->memoryBandwidth : 1e9);
        double disk = sc.spilled ? (double)sc.spilled / p->machine->diskBandwidth : 0;
        s->bottleneck = disk > bytes && disk > flops
                            ? "disk"
                            : (launch > bytes && launch > flops ? "launch" : (flops > bytes ? "compute" : "memory"));
        prev = d;
    }
}
