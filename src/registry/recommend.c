/* recommend.c — rates every registry model for a machine (see
 * huginn/recommend.h): precision choice, layer packing onto GPUs, offload to
 * host RAM, a score and a reason, ordered deterministically.
 *
 * Monotonicity (more memory never removes a model from the feasible set)
 * follows from the construction: GPUs are sorted by memory, so adding a GPU
 * or memory raises every order statistic; layers are packed as contiguous
 * ranges greedily, which places the longest possible prefix of layers for
 * any bin capacities (so more capacity never places fewer); the host part
 * is the remaining suffix; and every feasibility test is "some option fits",
 * an OR of tests that are each monotone. */
#include "huginn/recommend.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"

#define DEFAULT_CONTEXT 4096
#define ATTN_CHUNK      4096
#define GIB             (1024.0 * 1024.0 * 1024.0)

/* ---- precisions ------------------------------------------------------------------- */

static const char *const precisionNames[HGN_PRECISION_COUNT] = {"fp16", "int8", "int4"};

const char *hgnPrecisionName(HgnPrecision p) {
    return (unsigned)p < (unsigned)HGN_PRECISION_COUNT ? precisionNames[p] : "unknown";
}

bool hgnPrecisionFromName(const char *name, HgnPrecision *out) {
    for (int i = 0; name && i < (int)HGN_PRECISION_COUNT; i++)
        if (strcasecmp(name, precisionNames[i]) == 0) {
            *out = (HgnPrecision)i;
            return true;
        }
    return false;
}

HgnWeightQuant hgnPrecisionQuant(HgnPrecision p) {
    HgnWeightQuant q = {.format = HGN_WEIGHTS_F16};
    if (p == HGN_PRECISION_INT8) q.format = HGN_WEIGHTS_Q8_0;
    if (p == HGN_PRECISION_INT4) q.format = HGN_WEIGHTS_Q4_0;
    return q;
}

HgnStatus hgnModelMemoryAt(const HgnModelSpec *spec, HgnPrecision p, uint64_t context, bool gpu,
                           HgnMemoryEstimate *out) {
    if (!spec || (unsigned)p >= (unsigned)HGN_PRECISION_COUNT)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "precision", NULL, "unknown model or precision");
    HgnMemoryQuery q = {.weights = hgnPrecisionQuant(p),
                        .kvFormat = HGN_WEIGHTS_F16,
                        .context = context,
                        .batch = 1,
                        .attnChunk = ATTN_CHUNK,
                        .gpu = gpu};
    return hgnMemoryEstimate(&spec->dims, &q, out);
}

const char *hgnFitVerdictName(HgnFitVerdict v) {
    switch (v) {
    case HGN_FIT_GPU:
        return "fitsGpu";
    case HGN_FIT_OFFLOAD:
        return "fitsWithOffload";
    case HGN_FIT_NONE:
        return "doesNotFit";
    }
    return "unknown";
}

/* ---- fitting one model at one precision ---------------------------------------------- */

static uint64_t addSat(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }
static uint64_t subFloor(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

/* Host RAM Huginn may use: all but what the OS and other processes keep,
 * min(10 %, 4 GiB). Non-decreasing in ram. */
static uint64_t hostUsable(uint64_t ram) {
    uint64_t reserve = ram / 10;
    if (reserve > (4ull << 30)) reserve = 4ull << 30;
    return ram - reserve;
}

typedef struct Fit {
    bool gpu;             /* whole model on GPUs */
    bool offload;         /* GPUs + host RAM (or host RAM alone) */
    uint32_t layersOnGpu; /* of the best placement found */
    uint64_t gpuUsed, hostUsed;
    HgnMemoryEstimate need;
} Fit;

/* Greedy contiguous packing: layers in order into bins in order, moving to
 * the next bin when a layer does not fit. Returns the number of leading
 * layers placed; *placed = their bytes; *binsUsed = bins holding >= 1 layer. */
static uint32_t packPrefix(const uint64_t *caps, size_t nBins, const uint64_t *layerBytes, uint32_t nLayers,
                           uint64_t *placed, size_t *binsUsed, bool *firstUsed) {
    uint32_t i = 0;
    *placed = 0;
    *binsUsed = 0;
    *firstUsed = false;
    for (size_t b = 0; b < nBins && i < nLayers; b++) {
        uint64_t room = caps[b];
        uint32_t start = i;
        while (i < nLayers && layerBytes[i] <= room) {
            room -= layerBytes[i];
            *placed = addSat(*placed, layerBytes[i]);
            i++;
        }
        if (i > start) {
            (*binsUsed)++;
            if (b == 0) *firstUsed = true;
        }
    }
    return i;
}

static uint64_t suffixBytes(const uint64_t *layerBytes, uint32_t from, uint32_t nLayers) {
    uint64_t s = 0;
    for (uint32_t i = from; i < nLayers; i++) s = addSat(s, layerBytes[i]);
    return s;
}

/* gpus: sorted descending. layerBytes: scratch of spec->dims.layers entries. */
static HgnStatus fitAt(const HgnModelSpec *spec, HgnPrecision p, uint64_t ctx, const uint64_t *gpus, size_t nGpus,
                       uint64_t hostFree, uint64_t *layerBytes, uint64_t *caps, Fit *f) {
    *f = (Fit){0};
    HgnStatus st = hgnModelMemoryAt(spec, p, ctx, nGpus > 0, &f->need);
    if (st) return st;
    const HgnModelDims *d = &spec->dims;
    HgnWeightQuant q = hgnPrecisionQuant(p);
    uint64_t layerW = hgnLayerWeightBytes(d, q), edge = hgnEdgeWeightBytes(d, q);
    uint64_t compute = f->need.computeBytes;
    uint64_t gpuFixed = addSat(hgnRuntimeOverheadBytes(true), compute); /* per GPU that runs layers */
    uint64_t hostFixed = hgnRuntimeOverheadBytes(false);
    uint32_t n = d->layers;
    for (uint32_t i = 0; i < n; i++) layerBytes[i] = addSat(layerW, hgnLayerKvBytes(d, i, HGN_WEIGHTS_F16, ctx, 1));

    /* Option A: embedding, lm_head and final norm on the largest GPU. */
    bool edgeOnGpuValid = nGpus > 0 && gpus[0] >= addSat(gpuFixed, edge);
    uint64_t placedA = 0, hostNeedA = UINT64_MAX;
    size_t binsA = 0;
    uint32_t kA = 0;
    bool firstA = false, firstB = false;
    if (edgeOnGpuValid) {
        caps[0] = gpus[0] - gpuFixed - edge;
        for (size_t g = 1; g < nGpus; g++) caps[g] = subFloor(gpus[g], gpuFixed);
        kA = packPrefix(caps, nGpus, layerBytes, n, &placedA, &binsA, &firstA);
        hostNeedA = addSat(suffixBytes(layerBytes, kA, n), addSat(kA < n ? compute : 0, hostFixed));
        if (kA == n) {
            f->gpu = true;
            f->offload = true;
            f->layersOnGpu = n;
            /* GPU 0 runs the edge tensors even when it holds no layer. */
            size_t gpusRunning = binsA + (firstA ? 0 : 1);
            f->gpuUsed = addSat(addSat(edge, placedA), gpuFixed * (uint64_t)gpusRunning);
            f->hostUsed = hostFixed;
            return HGN_OK;
        }
    }
    /* Option B: the edge tensors stay in host RAM with the layers that do not fit. */
    for (size_t g = 0; g < nGpus; g++) caps[g] = subFloor(gpus[g], gpuFixed);
    uint64_t placedB = 0;
    size_t binsB = 0;
    uint32_t kB = packPrefix(caps, nGpus, layerBytes, n, &placedB, &binsB, &firstB);
    uint64_t hostNeedB = addSat(addSat(edge, suffixBytes(layerBytes, kB, n)), addSat(compute, hostFixed));

    bool useA = hostNeedA <= hostNeedB;
    uint64_t hostNeed = useA ? hostNeedA : hostNeedB;
    f->offload = hostNeed <= hostFree;
    f->layersOnGpu = useA ? kA : kB;
    size_t gpusRunning = useA ? binsA + (firstA ? 0 : 1) : binsB;
    (void)firstB;
    f->gpuUsed = addSat(useA ? addSat(placedA, edge) : placedB, gpuFixed * (uint64_t)gpusRunning);
    f->hostUsed = hostNeed;
    return HGN_OK;
}

/* ---- scoring ------------------------------------------------------------------------ */

static double precisionPenalty(HgnPrecision p) {
    /* In log2-parameter units: llama.cpp's Llama-3-8B scoreboard puts q8_0
     * at +0.003 and q4_0 at +0.47 perplexity over fp16 (docs/registry.md). */
    return p == HGN_PRECISION_FP16 ? 0.0 : p == HGN_PRECISION_INT8 ? 0.1 : 0.5;
}

static double scoreOf(const HgnModelSpec *spec, const HgnRecommendation *r, HgnPerfPreference perf) {
    /* Quality proxy: log2 of the parameters (geometric mean of total and
     * active for MoE), less a precision penalty. */
    double total = (double)spec->parameters;
    double active = (double)hgnModelActiveParamCount(&spec->dims);
    if (spec->dims.moeExperts) total = sqrt(total * (active > 0 ? active : total));
    double score = log2(total > 1 ? total : 1) - precisionPenalty(r->precision);
    uint64_t need = r->gpuBytesUsed + r->hostBytesUsed;
    double hostShare = need ? (double)r->hostBytesUsed / (double)need : 0.0;
    if (r->verdict == HGN_FIT_OFFLOAD) score -= (perf == HGN_PREFER_LATENCY ? 6.0 : 3.0) * hostShare;
    if (perf == HGN_PREFER_LATENCY) {
        /* Decoding reads every active weight once per token. */
        double bytes = active * hgnWeightBitsPerParam(hgnPrecisionQuant(r->precision)) / 8.0;
        score -= 0.5 * log2(1.0 + bytes / GIB);
    } else if (perf == HGN_PREFER_THROUGHPUT && r->verdict == HGN_FIT_GPU) {
        /* Spare GPU memory holds the KV cache of further sequences. */
        uint64_t perSeq = r->need.kvCacheBytes ? r->need.kvCacheBytes : 1;
        double spare = (double)subFloor(r->gpuFreeBytes, r->gpuBytesUsed);
        score += 0.25 * log2(1.0 + spare / (double)perSeq);
    }
    return score;
}

/* ---- the query ------------------------------------------------------------------------- */

static int cmpDesc(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

static int cmpRec(const void *a, const void *b) {
    const HgnRecommendation *x = a, *y = b;
    if (x->verdict != y->verdict) return x->verdict < y->verdict ? -1 : 1;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return strcmp(x->model->id, y->model->id);
}

static void describe(HgnRecommendation *r, const HgnModelSpec *spec, size_t nGpus, bool contextCapped) {
    const HgnMemoryEstimate *e = &r->need;
    const char *prec = hgnPrecisionName(r->precision);
    char capped[64] = "";
    if (contextCapped) snprintf(capped, sizeof capped, " (model maximum)");
    switch (r->verdict) {
    case HGN_FIT_GPU:
        snprintf(r->reason, sizeof r->reason,
                 "%s weights %.2f GiB + KV %.2f GiB (%llu tokens%s) + compute %.2f GiB + overhead %.2f GiB fit in "
                 "%.2f GiB free on %zu GPU%s (%.2f GiB used)",
                 prec, e->weightBytes / GIB, e->kvCacheBytes / GIB, (unsigned long long)r->context, capped,
                 e->computeBytes / GIB, e->overheadBytes / GIB, r->gpuFreeBytes / GIB, nGpus, nGpus == 1 ? "" : "s",
                 r->gpuBytesUsed / GIB);
        break;
    case HGN_FIT_OFFLOAD:
        if (nGpus == 0)
            snprintf(r->reason, sizeof r->reason,
                     "no GPU: %s model needs %.2f GiB (KV for %llu tokens%s), host RAM has %.2f GiB usable", prec,
                     r->hostBytesUsed / GIB, (unsigned long long)r->context, capped, r->hostFreeBytes / GIB);
        else
            snprintf(r->reason, sizeof r->reason,
                     "%s needs %.2f GiB: %u of %u layers fit in %.2f GiB of GPU memory, %.2f GiB go to host RAM "
                     "(%.2f GiB usable); KV for %llu tokens%s",
                     prec, e->totalBytes / GIB, r->layersOnGpu, spec->dims.layers, r->gpuFreeBytes / GIB,
                     r->hostBytesUsed / GIB, r->hostFreeBytes / GIB, (unsigned long long)r->context, capped);
        break;
    case HGN_FIT_NONE:
        snprintf(r->reason, sizeof r->reason,
                 "needs %.2f GiB at %s (KV for %llu tokens%s) but GPUs have %.2f GiB and host RAM %.2f GiB usable",
                 e->totalBytes / GIB, prec, (unsigned long long)r->context, capped, r->gpuFreeBytes / GIB,
                 r->hostFreeBytes / GIB);
        break;
    }
}

static HgnStatus checkQuery(const HgnRecommendQuery *q) {
    if (!q) return hgnStatusNew(HGN_CODE_InvalidArgument, "query", NULL, "the recommendation query is missing");
    if (q->nGpus > 1024)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "gpus", NULL, "%zu GPUs is more than 1024", q->nGpus);
    if (q->nGpus && !q->gpuMemoryBytes)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "gpus", NULL, "nGpus = %zu but no memory list", q->nGpus);
    if ((unsigned)q->quant > (unsigned)HGN_QUANT_PREFER_INT4)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "quant", "use auto, fp16, int8 or int4",
                            "unknown quantisation preference %d", (int)q->quant);
    if ((unsigned)q->perf > (unsigned)HGN_PREFER_THROUGHPUT)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "perf", "use balanced, latency or throughput",
                            "unknown performance preference %d", (int)q->perf);
    if (q->contextTokens > (1ull << 32))
        return hgnStatusNew(HGN_CODE_InvalidArgument, "context", NULL, "context %llu is above 2^32 tokens",
                            (unsigned long long)q->contextTokens);
    return HGN_OK;
}

void hgnRecommendationsFree(HgnRecommendation *recs) { hgnFree(recs); }

HgnStatus hgnRecommend(const HgnRegistry *reg, const HgnRecommendQuery *query, HgnRecommendation **out, size_t *count) {
    *out = NULL;
    *count = 0;
    HgnStatus st = checkQuery(query);
    if (st) return st;
    size_t nModels = hgnRegistryCount(reg), nGpus = query->nGpus;
    uint32_t maxLayers = 1;
    for (size_t i = 0; i < nModels; i++)
        if (hgnRegistryAt(reg, i)->dims.layers > maxLayers) maxLayers = hgnRegistryAt(reg, i)->dims.layers;

    HgnRecommendation *recs = hgnCalloc(nModels ? nModels : 1, sizeof *recs);
    uint64_t *gpus = hgnCalloc(nGpus ? nGpus : 1, sizeof *gpus);
    uint64_t *caps = hgnCalloc(nGpus ? nGpus : 1, sizeof *caps);
    uint64_t *layerBytes = hgnCalloc(maxLayers, sizeof *layerBytes);
    if (!recs || !gpus || !caps || !layerBytes) {
        st = hgnStatusNew(HGN_CODE_OutOfMemory, "recommend", NULL, "cannot allocate recommendations");
        goto done;
    }
    uint64_t gpuFree = 0, hostFree = hostUsable(query->hostRamBytes);
    for (size_t g = 0; g < nGpus; g++) {
        gpus[g] = query->gpuMemoryBytes[g];
        gpuFree = addSat(gpuFree, gpus[g]);
    }
    qsort(gpus, nGpus, sizeof *gpus, cmpDesc);

    size_t n = 0;
    for (size_t i = 0; i < nModels; i++) {
        const HgnModelSpec *spec = hgnRegistryAt(reg, i);
        if (hgnModelSpecHasTag(spec, "fixture")) continue; /* test fixtures are not recommendations */
        uint64_t ctx = query->contextTokens ? query->contextTokens : DEFAULT_CONTEXT;
        bool capped = ctx > spec->maxContext;
        if (capped) ctx = spec->maxContext;
        HgnPrecision first = HGN_PRECISION_FP16, last = HGN_PRECISION_INT4;
        if (query->quant != HGN_QUANT_PREFER_AUTO) first = last = (HgnPrecision)(query->quant - 1);

        Fit fits[HGN_PRECISION_COUNT];
        int chosen = -1;
        HgnFitVerdict verdict = HGN_FIT_NONE;
        for (int p = (int)first; p <= (int)last; p++) {
            if ((st = fitAt(spec, (HgnPrecision)p, ctx, gpus, nGpus, hostFree, layerBytes, caps, &fits[p]))) goto done;
            if (fits[p].gpu && verdict != HGN_FIT_GPU) {
                verdict = HGN_FIT_GPU;
                chosen = p;
                break; /* highest precision that fits on GPUs */
            }
        }
        if (verdict != HGN_FIT_GPU) {
            for (int p = (int)first; p <= (int)last && chosen < 0; p++)
                if (fits[p].offload) {
                    verdict = HGN_FIT_OFFLOAD;
                    chosen = p;
                }
            if (chosen < 0) chosen = (int)last;
        }
        HgnRecommendation *r = &recs[n++];
        const Fit *f = &fits[chosen];
        r->model = spec;
        r->verdict = verdict;
        r->precision = (HgnPrecision)chosen;
        r->context = ctx;
        r->need = f->need;
        r->gpuFreeBytes = gpuFree;
        r->hostFreeBytes = hostFree;
        r->gpuBytesUsed = verdict == HGN_FIT_NONE ? 0 : f->gpuUsed;
        r->hostBytesUsed = verdict == HGN_FIT_NONE ? 0 : f->hostUsed;
        r->layersOnGpu = f->layersOnGpu;
        r->score = scoreOf(spec, r, query->perf);
        describe(r, spec, nGpus, capped);
    }
    qsort(recs, n, sizeof *recs, cmpRec);
    *out = recs;
    *count = n;
    recs = NULL;
done:
    hgnFree(recs);
    hgnFree(gpus);
    hgnFree(caps);
    hgnFree(layerBytes);
    return st;
}

/* ---- JSON --------------------------------------------------------------------------------- */

static const char *const quantPrefNames[] = {"auto", "fp16", "int8", "int4"};
static const char *const perfPrefNames[] = {"balanced", "latency", "throughput"};

static json_t *estimateJson(const HgnMemoryEstimate *e) {
    return json_pack("{s:I,s:I,s:I,s:I,s:I}", "weights", (json_int_t)e->weightBytes, "kvCache",
                     (json_int_t)e->kvCacheBytes, "compute", (json_int_t)e->computeBytes, "overhead",
                     (json_int_t)e->overheadBytes, "total", (json_int_t)e->totalBytes);
}

HgnStatus hgnRecommendationsToJson(const HgnRecommendQuery *query, const HgnRecommendation *recs, size_t count,
                                   json_t **out) {
    *out = NULL;
    HgnStatus st = checkQuery(query);
    if (st) return st;
    json_t *gpus = json_array();
    json_t *list = json_array();
    json_t *doc = NULL;
    bool ok = gpus && list;
    for (size_t g = 0; ok && g < query->nGpus; g++)
        ok = json_array_append_new(gpus, json_integer((json_int_t)query->gpuMemoryBytes[g])) == 0;
    for (size_t i = 0; ok && i < count; i++) {
        const HgnRecommendation *r = &recs[i];
        json_t *item = json_pack(
            "{s:I,s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:I,s:I,s:I,s:I,s:i,s:i,s:f,s:s}", "rank", (json_int_t)(i + 1), "id",
            r->model->id, "name", r->model->name, "verdict", hgnFitVerdictName(r->verdict), "precision",
            hgnPrecisionName(r->precision), "format", hgnWeightFormatName(hgnPrecisionQuant(r->precision).format),
            "context", (json_int_t)r->context, "needBytes", estimateJson(&r->need), "gpuFreeBytes",
            (json_int_t)r->gpuFreeBytes, "hostFreeBytes", (json_int_t)r->hostFreeBytes, "gpuBytesUsed",
            (json_int_t)r->gpuBytesUsed, "hostBytesUsed", (json_int_t)r->hostBytesUsed, "layersOnGpu",
            (int)r->layersOnGpu, "layers", (int)r->model->dims.layers, "score", r->score, "reason", r->reason);
        ok = item && json_array_append_new(list, item) == 0;
    }
    if (ok) {
        doc = json_pack("{s:{s:o,s:I,s:s,s:s,s:I},s:o}", "query", "gpuMemoryBytes", gpus, "hostRamBytes",
                        (json_int_t)query->hostRamBytes, "quant", quantPrefNames[query->quant], "perf",
                        perfPrefNames[query->perf], "contextTokens",
                        (json_int_t)(query->contextTokens ? query->contextTokens : DEFAULT_CONTEXT), "recommendations",
                        list);
        gpus = list = NULL; /* stolen by "o", even on failure */
    }
    json_decref(gpus);
    json_decref(list);
    if (!doc) return hgnStatusNew(HGN_CODE_OutOfMemory, "recommendations", NULL, "cannot build the JSON rendering");
    *out = doc;
    return HGN_OK;
}
