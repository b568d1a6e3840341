/* planBuild.c — hgnPlanCreate: fits context and batch around what the user
 * fixed, solves the placement, turns it into the plan object (ledgers,
 * nodes, edges, transfers, budgets, assertions), re-plans after the loss of
 * each device (fallbacks), and explains infeasibility with the smallest
 * change that would fit. */
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "huginn/planner.h"
#include "huginn/version.h"
#include "scheduling/placementInt.h"

#define DEFAULT_CONTEXT      4096
#define MIN_FITTED_CONTEXT   256
#define THROUGHPUT_MAX_BATCH 64

static const char *const policyNames[] = {"balanced", "locality-first", "throughput-max"};
static const char *const objectiveNames[] = {"latency", "throughput"};

bool hgnPlanPolicyFromName(const char *name, HgnPlanPolicy *out) {
    for (int i = 0; name && i < 3; i++)
        if (strcmp(name, policyNames[i]) == 0) {
            *out = (HgnPlanPolicy)i;
            return true;
        }
    return false;
}
const char *hgnPlanPolicyName(HgnPlanPolicy p) { return (unsigned)p < 3 ? policyNames[p] : "balanced"; }
bool hgnPlanObjectiveFromName(const char *name, HgnPlanObjective *out) {
    for (int i = 0; name && i < 2; i++)
        if (strcmp(name, objectiveNames[i]) == 0) {
            *out = (HgnPlanObjective)i;
            return true;
        }
    return false;
}
const char *hgnPlanObjectiveName(HgnPlanObjective o) { return (unsigned)o < 2 ? objectiveNames[o] : "latency"; }

void hgnPlanFree(HgnPlan *plan) {
    if (!plan) return;
    char **strs[] = {&plan->huginnVersion, &plan->createdAt,     &plan->topologyDigest, &plan->configHash,
                     &plan->modelId,       &plan->modelName,     &plan->modelSource,    &plan->modelPath,
                     &plan->graphDigest,   &plan->weightsFormat, &plan->kvFormat,       &plan->policy,
                     &plan->objective};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) hgnFree(*strs[i]);
    for (size_t i = 0; i < plan->nFileDigests; i++) hgnFree(plan->fileDigests[i]);
    hgnFree(plan->fileDigests);
    for (size_t i = 0; i < plan->nDevices; i++) {
        HgnPlanDevice *d = &plan->devices[i];
        hgnFree(d->id);
        hgnFree(d->name);
        hgnFree(d->kind);
        hgnFree(d->profileId);
        hgnFree(d->bottleneck);
    }
    hgnFree(plan->devices);
    for (size_t i = 0; i < plan->nNodes; i++) {
        hgnFree(plan->nodes[i].id);
        hgnFree(plan->nodes[i].op);
        hgnFree(plan->nodes[i].tier);
        for (size_t k = 0; k < plan->nodes[i].nGraphNodes; k++) hgnFree(plan->nodes[i].graphNodes[k]);
        hgnFree(plan->nodes[i].graphNodes);
    }
    hgnFree(plan->nodes);
    hgnFree(plan->edges);
    for (size_t i = 0; i < plan->nTransfers; i++) hgnFree(plan->transfers[i].link);
    hgnFree(plan->transfers);
    for (size_t i = 0; i < plan->nFallbacks; i++) {
        hgnFree(plan->fallbacks[i].ranges);
        hgnFree(plan->fallbacks[i].reason);
    }
    hgnFree(plan->fallbacks);
    hgnFree(plan->peakBytes);
    hgnFree(plan);
}

/* ---- helpers ------------------------------------------------------------------------ */

static void formatBytes(uint64_t b, char *buf, size_t size) {
    if (b >= (1ull << 30))
        snprintf(buf, size, "%.2f GiB", (double)b / (double)(1ull << 30));
    else
        snprintf(buf, size, "%.1f MiB", (double)b / (double)(1ull << 20));
}

static void createdAtNow(const HgnPlanOptions *opts, char out[32]) {
    if (opts->createdAt) {
        snprintf(out, 32, "%s", opts->createdAt);
        return;
    }
    time_t t = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end = NULL;
        long long v = strtoll(sde, &end, 10);
        if (end && *end == '\0' && v >= 0) t = (time_t)v;
    }
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void sha256Hex(const char *text, char hex[72]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL) != 1) len = 0;
    int o = snprintf(hex, 72, "sha256:");
    for (unsigned i = 0; i < len && i < 32; i++) o += snprintf(hex + o, (size_t)(72 - o), "%02x", md[i]);
}

/* "sha256:<hex>" of a file, streamed. */
static HgnStatus fileDigest(const char *path, char **out) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return hgnStatusNew(HGN_CODE_IoError, path, NULL, "cannot read the model file to digest it");
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char buf[1 << 16], md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    bool okDigest = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    size_t r;
    while (okDigest && (r = fread(buf, 1, sizeof buf, f)) > 0) okDigest = EVP_DigestUpdate(ctx, buf, r) == 1;
    okDigest = okDigest && !ferror(f) && EVP_DigestFinal_ex(ctx, md, &len) == 1 && len == 32;
    EVP_MD_CTX_free(ctx);
    fclose(f);
    if (!okDigest) return hgnStatusNew(HGN_CODE_IoError, path, NULL, "cannot digest the model file");
    char *hex = hgnMalloc(7 + 64 + 1);
    if (!hex) return hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "cannot store a digest");
    int o = snprintf(hex, 8, "sha256:");
    for (unsigned i = 0; i < 32; i++) o += snprintf(hex + o, 3, "%02x", md[i]);
    *out = hex;
    return HGN_OK;
}

typedef struct Fit {
    uint64_t context, batch;
} Fit;

/* Solves for one (context, batch). OUT: *pp problem and *pl placement on success. */
static HgnStatus solveAt(const HgnPlanItems *items, const HgnMachine *m, const HgnPlanOptions *opts, Fit fit,
                         HgnPlacementProblem **pp, HgnPlacement *pl) {
    HgnPlanOptions o = *opts;
    o.context = fit.context;
    o.batch = fit.batch;
    HgnStatus st = hgnPlacementProblemCreate(items, m, &o, pp);
    if (st) return st;
    st = hgnPlacementSolve(*pp, pl);
    if (st) {
        hgnPlacementProblemFree(*pp);
        *pp = NULL;
    }
    return st;
}

static bool fitsAt(const HgnPlanItems *items, const HgnMachine *m, const HgnPlanOptions *opts, Fit fit) {
    HgnPlacementProblem *p = NULL;
    HgnPlacement pl;
    HgnStatus st = solveAt(items, m, opts, fit, &p, &pl);
    if (st) {
        hgnStatusFree(st);
        return false;
    }
    hgnPlacementFree(&pl);
    hgnPlacementProblemFree(p);
    return true;
}

/* Largest context in [lo, hi] that fits, 0 when none. */
static uint64_t largestContext(const HgnPlanItems *items, const HgnMachine *m, const HgnPlanOptions *opts, uint64_t lo,
                               uint64_t hi, uint64_t batch) {
    if (!fitsAt(items, m, opts, (Fit){lo, batch})) return 0;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo + 1) / 2;
        if (fitsAt(items, m, opts, (Fit){mid, batch}))
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* The error for a model that does not fit: the ledger of what it needs
 * against what the machine has, and the smallest change. */
static HgnStatus infeasible(const HgnPlanItems *items, const HgnMachine *m, const HgnPlanOptions *opts, Fit fit,
                            HgnStatus cause) {
    HgnPlacementProblem *p = NULL;
    HgnStatus st = hgnPlacementProblemCreate(items, m,
                                             &(HgnPlanOptions){.policy = opts->policy,
                                                               .objective = opts->objective,
                                                               .context = fit.context,
                                                               .batch = fit.batch,
                                                               .ubatch = opts->ubatch,
                                                               .reserves = opts->reserves,
                                                               .nReserves = opts->nReserves},
                                             &p);
    if (st) {
        hgnStatusFree(cause);
        return st;
    }
    p->ignoreConstraints = true;
    HgnPlacement pl;
    HgnStatus relaxed = hgnPlacementSolve(p, &pl);
    if (!relaxed) {
        hgnPlacementFree(&pl);
        hgnPlacementProblemFree(p);
        hgnStatusFree(cause);
        return hgnStatusNew(HGN_CODE_PlanInfeasible, "planner",
                            "relax a must-run-on, colocation or anti-affinity constraint (the model fits without them)",
                            "the placement constraints leave no placement that fits the memory budgets");
    }
    hgnStatusFree(relaxed);
    hgnStatusFree(cause);
    uint64_t maxAct = 0, need, have = m->diskBandwidth > 0 ? m->diskBytes : 0;
    for (size_t i = 0; i < p->n; i++)
        if (p->actBytes[i] > maxAct) maxAct = p->actBytes[i];
    need = p->wPrefix[p->n] + p->kvPrefix[p->n] + maxAct + p->overhead[m->count - 1];
    for (size_t d = 0; d < m->count; d++) {
        uint64_t usable = m->devices[d].memoryBytes > p->reserved[d] + p->overhead[d]
                              ? m->devices[d].memoryBytes - p->reserved[d] - p->overhead[d]
                              : 0;
        have += usable;
    }
    char w[32], kv[32], a[32], h[32], more[32];
    formatBytes(p->wPrefix[p->n], w, sizeof w);
    formatBytes(p->kvPrefix[p->n], kv, sizeof kv);
    formatBytes(maxAct, a, sizeof a);
    formatBytes(have, h, sizeof h);
    formatBytes(need > have ? need - have : p->wPrefix[p->n] / p->n, more, sizeof more);
    hgnPlacementProblemFree(p);
    HgnBuf hint;
    hgnBufInit(&hint);
    uint64_t ctx =
        items->isLlm ? largestContext(items, m, opts, 1, fit.context > 1 ? fit.context - 1 : 1, fit.batch) : 0;
    if (ctx)
        hgnBufAppendf(&hint, "a context of %llu tokens fits (you asked for %llu); or ", (unsigned long long)ctx,
                      (unsigned long long)fit.context);
    hgnBufAppendf(&hint,
                  "add at least %s of memory (GPU, host RAM or disk for spilled weights), or use a smaller "
                  "quantisation",
                  more);
    st = hgnStatusNew(HGN_CODE_OverBudget, "planner", hgnBufStr(&hint),
                      "the model does not fit: weights %s + KV cache %s (context %llu x batch %llu) + compute "
                      "buffers %s need more than the %s this machine offers",
                      w, kv, (unsigned long long)fit.context, (unsigned long long)fit.batch, a, h);
    hgnBufFree(&hint);
    return st;
}

/* ---- assembling the plan ------------------------------------------------------------------------ */

static char *dupStr(const char *s, bool *failed) {
    char *d = hgnStrdup(s ? s : "");
    if (!d) *failed = true;
    return d;
}

typedef struct Totals {
    double decodeLatency, decodeBottleneck, prefill;
} Totals;

static Totals totalsOf(const HgnPlacementProblem *p, const HgnPlacement *pl, const HgnStageCost *stages) {
    Totals t = {0, 0, 0};
    size_t prev = SIZE_MAX;
    for (size_t d = 0; d < p->k; d++) {
        if (pl->first[d] >= pl->end[d]) continue;
        double in = prev == SIZE_MAX ? 0 : hgnCutSeconds(p, prev, d, pl->first[d], false);
        double inPre = prev == SIZE_MAX ? 0 : hgnCutSeconds(p, prev, d, pl->first[d], true);
        t.decodeLatency += in + stages[d].decodeSeconds;
        t.prefill += inPre + stages[d].prefillSeconds;
        if (in > t.decodeBottleneck) t.decodeBottleneck = in;
        if (stages[d].decodeSeconds > t.decodeBottleneck) t.decodeBottleneck = stages[d].decodeSeconds;
        prev = d;
    }
    return t;
}

static HgnStatus fillFallbacks(HgnPlan *plan, HgnPlacementProblem *p, const HgnPlacement *pl, double latency) {
    size_t used = 0;
    for (size_t d = 0; d < p->k; d++) used += pl->first[d] < pl->end[d];
    plan->fallbacks = hgnCalloc(used ? used : 1, sizeof *plan->fallbacks);
    if (!plan->fallbacks) return hgnStatusNew(HGN_CODE_OutOfMemory, "planner", NULL, "cannot allocate fallbacks");
    HgnStageCost *stages = hgnCalloc(p->k, sizeof *stages);
    if (!stages) return hgnStatusNew(HGN_CODE_OutOfMemory, "planner", NULL, "cannot allocate fallbacks");
    for (size_t d = 0; d < p->k; d++) {
        if (pl->first[d] >= pl->end[d]) continue;
        HgnPlanFallback *f = &plan->fallbacks[plan->nFallbacks++];
        f->lostDevice = (int32_t)d;
        f->ranges = hgnMalloc(sizeof(int64_t) * 2 * p->k);
        if (!f->ranges) {
            hgnFree(stages);
            return hgnStatusNew(HGN_CODE_OutOfMemory, "planner", NULL, "cannot allocate fallbacks");
        }
        for (size_t x = 0; x < 2 * p->k; x++) f->ranges[x] = -1;
        hgnPlacementProblemDisable(p, d, true);
        HgnPlacement alt;
        HgnStatus st = hgnPlacementSolve(p, &alt);
        hgnPlacementProblemDisable(p, d, false);
        if (st) {
            f->feasible = false;
            char why[200];
            snprintf(why, sizeof why, "without %s the model does not fit the remaining devices",
                     p->machine->devices[d].id);
            hgnStatusFree(st);
            f->reason = hgnStrdup(why);
            if (!f->reason) {
                hgnFree(stages);
                return hgnStatusNew(HGN_CODE_OutOfMemory, "planner", NULL, "cannot allocate fallbacks");
            }
            continue;
        }
        hgnPlacementStages(p, &alt, stages);
        Totals t = totalsOf(p, &alt, stages);
        f->feasible = true;
        f->decodeLatencyMs = t.decodeLatency * 1e3;
        f->deltaPercent = latency > 0 ? (t.decodeLatency * 1e3 - latency) / latency * 100.0 : 0;
        for (size_t x = 0; x < p->k; x++)
            if (alt.first[x] < alt.end[x]) {
                f->ranges[2 * x] = (int64_t)alt.first[x];
                f->ranges[2 * x + 1] = (int64_t)alt.end[x] - 1;
            }
        hgnPlacementFree(&alt);
    }
    hgnFree(stages);
    return HGN_OK;
}

static HgnStatus assemble(const HgnPlanItems *items, const HgnMachine *m, const HgnPlanOptions *opts,
                          HgnPlacementProblem *p, const HgnPlacement *pl, Fit fit, bool contextFitted, HgnPlan **out) {
    HgnPlan *plan = hgnCalloc(1, sizeof *plan);
    HgnStageCost *stages = hgnCalloc(m->count, sizeof *stages);
    if (!plan || !stages) {
        hgnFree(plan);
        hgnFree(stages);
        return hgnStatusNew(HGN_CODE_OutOfMemory, "planner", NULL, "cannot allocate the plan");
    }
    bool failed = false;
    hgnPlacementStages(p, pl, stages);
    Totals tot = totalsOf(p, pl, stages);

    char when[32], hash[72];
    createdAtNow(opts, when);
    plan->planVersion = HGN_PLAN_VERSION;
    plan->huginnVersion = dupStr(HGN_VERSION, &failed);
    plan->createdAt = dupStr(when, &failed);
    plan->topologyDigest = dupStr(m->topologyDigest[0] ? m->topologyDigest : "none", &failed);
    plan->seed = opts->seed;
    plan->modelId = dupStr(items->modelId, &failed);
    plan->modelName = dupStr(items->modelName, &failed);
    plan->modelSource = dupStr(items->modelSource, &failed);
    plan->modelPath = items->modelPath ? dupStr(items->modelPath, &failed) : NULL;
    plan->graphDigest = items->graphDigest ? dupStr(items->graphDigest, &failed) : NULL;
    plan->weightsFormat = dupStr(hgnWeightFormatName(items->weights), &failed);
    plan->kvFormat = dupStr(hgnWeightFormatName(items->kvFormat), &failed);
    plan->policy = dupStr(hgnPlanPolicyName(opts->policy), &failed);
    plan->objective = dupStr(hgnPlanObjectiveName(p->objective), &failed);
    HgnBuf cfg;
    hgnBufInit(&cfg);
    hgnBufAppendf(&cfg, "policy=%s;objective=%s;context=%llu/%d;batch=%llu/%d;ubatch=%llu;seed=%llu",
                  hgnPlanPolicyName(opts->policy), hgnPlanObjectiveName(opts->objective),
                  (unsigned long long)opts->context, opts->contextFixed, (unsigned long long)opts->batch,
                  opts->batchFixed, (unsigned long long)opts->ubatch, (unsigned long long)opts->seed);
    for (size_t r = 0; r < opts->nReserves; r++)
        hgnBufAppendf(&cfg, ";reserve=%s:%llu", opts->reserves[r].device, (unsigned long long)opts->reserves[r].bytes);
    sha256Hex(hgnBufStr(&cfg), hash);
    hgnBufFree(&cfg);
    plan->configHash = dupStr(opts->configHash ? opts->configHash : hash, &failed);

    plan->nDevices = m->count;
    plan->devices = hgnCalloc(m->count, sizeof *plan->devices);
    plan->peakBytes = hgnCalloc(m->count, sizeof(uint64_t));
    plan->nNodes = items->count;
    plan->nodes = hgnCalloc(items->count, sizeof *plan->nodes);
    plan->nEdges = items->edges ? items->nEdges : (items->count > 0 ? items->count - 1 : 0);
    plan->edges = hgnCalloc(plan->nEdges ? plan->nEdges : 1, sizeof *plan->edges);
    plan->transfers = hgnCalloc(m->count, sizeof *plan->transfers);
    if (!plan->devices || !plan->peakBytes || !plan->nodes || !plan->edges || !plan->transfers) failed = true;
    if (failed) goto oom;

    size_t prev = SIZE_MAX;
    for (size_t d = 0; d < m->count; d++) {
        const HgnMachineDevice *md = &m->devices[d];
        HgnPlanDevice *pd = &plan->devices[d];
        HgnStageCost *s = &stages[d];
        pd->id = dupStr(md->id, &failed);
        pd->name = dupStr(md->name, &failed);
        pd->kind = dupStr(md->gpu ? "gpu" : "cpu", &failed);
        pd->profileId = dupStr(md->profileId, &failed);
        pd->numaNode = md->numaNode;
        pd->memoryWindowBytes = md->memoryBytes;
        HgnPlanLedger *l = &pd->ledger;
        l->weightsBytes = s->weightsBytes - s->spilledBytes;
        l->kvCacheBytes = s->kvBytes;
        l->activationBytes = s->activationBytes;
        l->overheadBytes = s->overheadBytes;
        l->reservedBytes = s->reservedBytes;
        l->spilledBytes = s->spilledBytes;
        uint64_t used = l->weightsBytes + l->kvCacheBytes + l->activationBytes + l->overheadBytes + l->reservedBytes;
        l->freeBytes = md->memoryBytes > used ? md->memoryBytes - used : 0;
        plan->peakBytes[d] = l->weightsBytes + l->kvCacheBytes + l->activationBytes + l->overheadBytes;
        pd->decodeSeconds = s->decodeSeconds;
        pd->prefillSeconds = s->prefillSeconds;
        pd->bottleneck = s->bottleneck ? dupStr(s->bottleneck, &failed) : NULL;
        pd->firstNode = pd->lastNode = -1;
        if (pl->first[d] < pl->end[d]) {
            pd->firstNode = (int64_t)pl->first[d];
            pd->lastNode = (int64_t)pl->end[d] - 1;
            plan->spilledBytes += s->spilledBytes;
            if (prev != SIZE_MAX) {
                HgnPlanTransfer *t = &plan->transfers[plan->nTransfers++];
                t->fromDevice = (int32_t)prev;
                t->toDevice = (int32_t)d;
                t->afterNode = (int32_t)pl->first[d] - 1;
                t->bytesPerStep = items->items[pl->first[d] - 1].outBytesPerToken * p->batch;
                t->link = dupStr(m->linkPath[prev * m->count + d], &failed);
                t->seconds = hgnCutSeconds(p, prev, d, pl->first[d], false);
            }
            /* nodes of this range, the last ones on disk when the host spills */
            uint64_t toSpill = s->spilledBytes;
            for (size_t x = pl->end[d]; x-- > pl->first[d];) {
                const HgnPlanItem *it = &items->items[x];
                HgnPlanNode *nd = &plan->nodes[x];
                nd->device = (int32_t)d;
                const char *tier = md->gpu ? "device" : "host";
                if (toSpill > 0 && it->weightBytes > 0) {
                    tier = "disk";
                    toSpill = toSpill > it->weightBytes ? toSpill - it->weightBytes : 0;
                }
                nd->tier = dupStr(tier, &failed);
                nd->decodeSeconds = p->decPrefix[d * (p->n + 1) + x + 1] - p->decPrefix[d * (p->n + 1) + x];
            }
            prev = d;
        }
    }
    for (size_t x = 0; x < items->count; x++) {
        const HgnPlanItem *it = &items->items[x];
        HgnPlanNode *nd = &plan->nodes[x];
        nd->id = dupStr(it->name, &failed);
        nd->op = dupStr(it->op, &failed);
        nd->layer = it->layer;
        nd->bytes = it->weightBytes;
        nd->kvBytes = p->kvBytes[x];
        nd->activationBytes = p->actBytes[x];
        nd->flops = it->flopsPerToken;
        if (it->nGraphNodes) {
            nd->graphNodes = hgnCalloc(it->nGraphNodes, sizeof(char *));
            if (!nd->graphNodes) failed = true;
            for (size_t k = 0; nd->graphNodes && k < it->nGraphNodes; k++) {
                nd->graphNodes[k] = dupStr(it->graphNodes[k], &failed);
                nd->nGraphNodes++;
            }
        }
    }
    if (items->edges) {
        for (size_t e = 0; e < items->nEdges; e++)
            plan->edges[e] =
                (HgnPlanEdge){(int32_t)items->edges[e].from, (int32_t)items->edges[e].to, items->edges[e].bytes};
    } else {
        for (size_t e = 0; e + 1 < items->count; e++)
            plan->edges[e] = (HgnPlanEdge){(int32_t)e, (int32_t)e + 1, items->items[e].outBytesPerToken};
    }
    if (failed) goto oom;
    if (items->modelPath && strcmp(items->modelSource ? items->modelSource : "", "spec") != 0) {
        /* model files that exist are recorded by digest; a path that is only a label is not */
        FILE *probe = fopen(items->modelPath, "rb");
        if (probe) {
            fclose(probe);
            plan->fileDigests = hgnCalloc(1, sizeof(char *));
            if (!plan->fileDigests) goto oom;
            HgnStatus st = fileDigest(items->modelPath, &plan->fileDigests[0]);
            if (st) {
                hgnFree(stages);
                hgnPlanFree(plan);
                return st;
            }
            plan->nFileDigests = 1;
        }
    }

    plan->context = fit.context;
    plan->batch = fit.batch;
    plan->ubatch = p->ubatch;
    plan->contextFixed = opts->contextFixed;
    plan->batchFixed = opts->batchFixed;
    (void)contextFitted;
    plan->hostMemoryBytes = 0;
    for (size_t d = 0; d < m->count; d++)
        if (!m->devices[d].gpu) plan->hostMemoryBytes += m->devices[d].memoryBytes;
    plan->diskBytes = m->diskBytes;
    plan->fits = true;
    plan->decodeLatencyMs = tot.decodeLatency * 1e3;
    double perStep = p->objective == HGN_OBJECTIVE_THROUGHPUT ? tot.decodeBottleneck : tot.decodeLatency;
    plan->decodeTokensPerSecond = perStep > 0 ? (double)p->batch / perStep : 0;
    plan->prefillTokensPerSecond = tot.prefill > 0 ? (double)(p->batch * p->ubatch) / tot.prefill : 0;
    hgnFree(stages);
    stages = NULL;
    if (!opts->noFallbacks) {
        HgnStatus st = fillFallbacks(plan, p, pl, plan->decodeLatencyMs);
        if (st) {
            hgnPlanFree(plan);
            return st;
        }
    }
    *out = plan;
    return HGN_OK;
oom:
    hgnFree(stages);
    hgnPlanFree(plan);
    return hgnStatusNew(HGN_CODE_OutOfMemory, "planner", NULL, "cannot allocate the plan");
}

HgnStatus hgnPlanCreate(const HgnPlanItems *items, const HgnMachine *machine, const HgnPlanOptions *opts,
                        HgnPlan **out) {
    *out = NULL;
    if (!items || !machine || !opts)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "planner", NULL, "hgnPlanCreate needs items, machine, options");
    Fit fit = {1, 1};
    if (items->isLlm) {
        uint64_t maxCtx = items->maxContext ? items->maxContext : UINT64_MAX;
        fit.context = opts->context ? opts->context : (DEFAULT_CONTEXT < maxCtx ? DEFAULT_CONTEXT : maxCtx);
        if (fit.context > maxCtx)
            return hgnStatusNew(HGN_CODE_PlanInfeasible, "--context", "choose a context up to the model's maximum",
                                "context %llu exceeds the model's maximum of %llu tokens",
                                (unsigned long long)fit.context, (unsigned long long)maxCtx);
        fit.batch = opts->batch ? opts->batch : 1;
    }
    HgnPlacementProblem *p = NULL;
    HgnPlacement pl;
    bool contextFitted = false;
    HgnStatus st = solveAt(items, machine, opts, fit, &p, &pl);
    if (st && items->isLlm && !opts->contextFixed &&
        (hgnStatusCode(st) == HGN_CODE_OverBudget || hgnStatusCode(st) == HGN_CODE_PlanInfeasible)) {
        /* the context was not fixed: fit the largest that works (never below MIN_FITTED_CONTEXT) */
        uint64_t lo = MIN_FITTED_CONTEXT < fit.context ? MIN_FITTED_CONTEXT : 1;
        uint64_t c = largestContext(items, machine, opts, lo, fit.context - 1, fit.batch);
        if (c) {
            hgnStatusFree(st);
            fit.context = c;
            contextFitted = true;
            st = solveAt(items, machine, opts, fit, &p, &pl);
        }
    }
    if (st) {
        HgnCode code = hgnStatusCode(st);
        if (code == HGN_CODE_OverBudget || code == HGN_CODE_PlanInfeasible) {
            if (strcmp(hgnStatusWhere(st) ? hgnStatusWhere(st) : "", "planner") != 0) return st; /* bad device id */
            return infeasible(items, machine, opts, fit, st);
        }
        return st;
    }
    if (opts->policy == HGN_POLICY_THROUGHPUT_MAX && items->isLlm && !opts->batchFixed) {
        /* grow the batch while the decode throughput grows and it still fits */
        double bestRate = (double)fit.batch / pl.cost;
        for (uint64_t b = fit.batch * 2; b <= THROUGHPUT_MAX_BATCH; b *= 2) {
            HgnPlacementProblem *p2 = NULL;
            HgnPlacement pl2;
            HgnStatus s2 = solveAt(items, machine, opts, (Fit){fit.context, b}, &p2, &pl2);
            if (s2) {
                hgnStatusFree(s2);
                break;
            }
            double rate = (double)b / pl2.cost;
            if (rate <= bestRate) {
                hgnPlacementFree(&pl2);
                hgnPlacementProblemFree(p2);
                break;
            }
            bestRate = rate;
            hgnPlacementFree(&pl);
            hgnPlacementProblemFree(p);
            pl = pl2;
            p = p2;
            fit.batch = b;
        }
    }
    st = assemble(items, machine, opts, p, &pl, fit, contextFitted, out);
    hgnPlacementFree(&pl);
    hgnPlacementProblemFree(p);
    return st;
}

HgnStatus hgnPlanSplitAlternatives(const HgnPlanItems *items, const HgnMachine *machine, const HgnPlanOptions *opts,
                                   size_t device, int span, int **offsets, double **deltas, size_t *count) {
    *offsets = NULL;
    *deltas = NULL;
    *count = 0;
    if (span < 1) span = 1;
    HgnPlacementProblem *p = NULL;
    HgnPlacement pl;
    Fit fit = {items->isLlm ? (opts->context ? opts->context : DEFAULT_CONTEXT) : 1, opts->batch ? opts->batch : 1};
    HgnStatus st = solveAt(items, machine, opts, fit, &p, &pl);
    if (st) return st;
    if (device >= p->k || pl.first[device] >= pl.end[device]) {
        hgnPlacementFree(&pl);
        hgnPlacementProblemFree(p);
        return hgnStatusNew(HGN_CODE_InvalidArgument, "device", NULL, "device %zu runs no range in this plan", device);
    }
    size_t next = device + 1;
    while (next < p->k && pl.first[next] >= pl.end[next]) next++;
    *offsets = hgnCalloc((size_t)span * 2, sizeof(int));
    *deltas = hgnCalloc((size_t)span * 2, sizeof(double));
    if (!*offsets || !*deltas) {
        hgnFree(*offsets);
        hgnFree(*deltas);
        *offsets = NULL;
        *deltas = NULL;
        hgnPlacementFree(&pl);
        hgnPlacementProblemFree(p);
        return hgnStatusNew(HGN_CODE_OutOfMemory, "planner", NULL, "cannot allocate alternatives");
    }
    double base = pl.cost;
    size_t e0 = pl.end[device];
    for (int off = -span; off <= span; off++) {
        if (off == 0) continue;
        double c = INFINITY;
        if (next < p->k && (int64_t)e0 + off > (int64_t)pl.first[device] && (int64_t)e0 + off < (int64_t)pl.end[next]) {
            pl.end[device] = (size_t)((int64_t)e0 + off);
            pl.first[next] = pl.end[device];
            for (size_t x = device + 1; x < next; x++) pl.first[x] = pl.end[x] = pl.end[device];
            c = hgnPlacementEvaluate(p, &pl) - base;
            pl.end[device] = e0;
            pl.first[next] = e0;
            for (size_t x = device + 1; x < next; x++) pl.first[x] = pl.end[x] = e0;
        }
        (*offsets)[*count] = off;
        (*deltas)[*count] = c;
        (*count)++;
    }
    hgnPlacementFree(&pl);
    hgnPlacementProblemFree(p);
    return HGN_OK;
}
