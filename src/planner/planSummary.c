/* planSummary.c — plan.summary.json: the aggregates of a plan (per device
 * bytes, times and layers, totals, predicted tokens/s, the bottleneck of a
 * decode step), written beside plan.json with the same deterministic text. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/plan.h"

static double round9(double v) {
    if (!isfinite(v)) return 0;
    char buf[40];
    snprintf(buf, sizeof buf, "%.9g", v);
    return strtod(buf, NULL);
}

static json_int_t ji(uint64_t v) { return v > INT64_MAX ? INT64_MAX : (json_int_t)v; }

int hgnPlanBottleneck(const HgnPlan *plan, int *transfer) {
    int best = -1;
    double worst = -1;
    for (size_t d = 0; d < plan->nDevices; d++) {
        if (plan->devices[d].firstNode < 0) continue;
        if (plan->devices[d].decodeSeconds > worst) {
            worst = plan->devices[d].decodeSeconds;
            best = (int)d;
        }
    }
    if (transfer) {
        *transfer = -1;
        for (size_t t = 0; t < plan->nTransfers; t++)
            if (plan->transfers[t].seconds > worst) {
                worst = plan->transfers[t].seconds;
                *transfer = (int)t;
            }
    }
    return best;
}

HgnStatus hgnPlanSummaryToJson(const HgnPlan *plan, json_t **out) {
    *out = NULL;
    json_t *devs = json_array();
    bool failed = !devs;
    uint64_t w = 0, kv = 0, act = 0, over = 0, spilled = 0;
    size_t used = 0;
    for (size_t d = 0; !failed && d < plan->nDevices; d++) {
        const HgnPlanDevice *pd = &plan->devices[d];
        const HgnPlanLedger *l = &pd->ledger;
        size_t layers = 0, nodes = 0;
        for (size_t i = 0; i < plan->nNodes; i++)
            if (plan->nodes[i].device == (int32_t)d) {
                nodes++;
                layers += plan->nodes[i].layer >= 0 && (i == 0 || plan->nodes[i - 1].layer != plan->nodes[i].layer ||
                                                        plan->nodes[i - 1].device != (int32_t)d);
            }
        bool any = pd->firstNode >= 0 && (size_t)pd->lastNode < plan->nNodes;
        used += any;
        w += l->weightsBytes;
        kv += l->kvCacheBytes;
        act += l->activationBytes;
        over += l->overheadBytes;
        spilled += l->spilledBytes;
        uint64_t usedBytes = l->weightsBytes + l->kvCacheBytes + l->activationBytes + l->overheadBytes;
        json_t *o = json_pack(
            "{s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:s?}",
            "id", pd->id ? pd->id : "", "kind", pd->kind ? pd->kind : "", "name", pd->name ? pd->name : "", "layers",
            (json_int_t)layers, "nodes", (json_int_t)nodes, "memoryWindowBytes", ji(pd->memoryWindowBytes), "firstNode",
            any ? json_string(plan->nodes[pd->firstNode].id) : json_null(), "lastNode",
            any ? json_string(plan->nodes[pd->lastNode].id) : json_null(), "weightsBytes", ji(l->weightsBytes),
            "kvCacheBytes", ji(l->kvCacheBytes), "activationBytes", ji(l->activationBytes), "overheadBytes",
            ji(l->overheadBytes), "reservedBytes", ji(l->reservedBytes), "spilledBytes", ji(l->spilledBytes),
            "usedBytes", ji(usedBytes), "freeBytes", ji(l->freeBytes), "utilisation",
            round9(pd->memoryWindowBytes ? (double)usedBytes / (double)pd->memoryWindowBytes : 0), "decodeSeconds",
            round9(pd->decodeSeconds), "prefillSeconds", round9(pd->prefillSeconds), "bottleneck",
            any ? pd->bottleneck : NULL);
        if (!o || json_array_append_new(devs, o) != 0) failed = true;
    }
    int tr = -1;
    int bd = hgnPlanBottleneck(plan, &tr);
    json_t *bottleneck = NULL;
    if (!failed) {
        if (tr >= 0) {
            const HgnPlanTransfer *t = &plan->transfers[tr];
            bottleneck = json_pack("{s:s, s:s, s:s, s:s, s:f}", "kind", "transfer", "from",
                                   plan->devices[t->fromDevice].id, "to", plan->devices[t->toDevice].id, "link",
                                   t->link ? t->link : "", "seconds", round9(t->seconds));
        } else if (bd >= 0) {
            const HgnPlanDevice *pd = &plan->devices[bd];
            bottleneck = json_pack("{s:s, s:s, s:f}", "kind", pd->bottleneck ? pd->bottleneck : "compute", "device",
                                   pd->id, "seconds", round9(pd->decodeSeconds));
        } else {
            bottleneck = json_null();
        }
        if (!bottleneck) failed = true;
    }
    json_t *doc = NULL;
    if (!failed)
        doc = json_pack("{s:i, s:{s:s, s:s, s:s, s:s}, s:{s:I, s:I, s:I, s:b}, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I, "
                        "s:I, s:I}, s:{s:b, s:f, s:f, s:f}, s:o}",
                        "summaryVersion", 1, "model", "id", plan->modelId ? plan->modelId : "", "weights",
                        plan->weightsFormat ? plan->weightsFormat : "", "kvCache", plan->kvFormat ? plan->kvFormat : "",
                        "policy", plan->policy ? plan->policy : "", "budgets", "context", ji(plan->context), "batch",
                        ji(plan->batch), "ubatch", ji(plan->ubatch), "contextFixed", plan->contextFixed, "devices",
                        devs, "totals", "weightsBytes", ji(w), "kvCacheBytes", ji(kv), "activationBytes", ji(act),
                        "overheadBytes", ji(over), "spilledBytes", ji(spilled), "devicesUsed", (json_int_t)used,
                        "nodes", (json_int_t)plan->nNodes, "transfers", (json_int_t)plan->nTransfers, "predicted",
                        "fits", plan->fits, "decodeTokensPerSecond", round9(plan->decodeTokensPerSecond),
                        "prefillTokensPerSecond", round9(plan->prefillTokensPerSecond), "decodeLatencyMs",
                        round9(plan->decodeLatencyMs), "bottleneck", bottleneck);
    else {
        json_decref(devs);
        json_decref(bottleneck);
    }
    if (!doc) return hgnStatusNew(HGN_CODE_OutOfMemory, "plan", NULL, "cannot build the plan summary");
    *out = doc;
    return HGN_OK;
}

HgnStatus hgnPlanSummaryWriteJson(const HgnPlan *plan, char **out) {
    *out = NULL;
    json_t *doc = NULL;
    HgnStatus st = hgnPlanSummaryToJson(plan, &doc);
    if (st) return st;
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(9));
    json_decref(doc);
    if (!text) return hgnStatusNew(HGN_CODE_OutOfMemory, "plan", NULL, "cannot serialise the plan summary");
    size_t n = strlen(text);
    char *copy = hgnMalloc(n + 2);
    if (copy) {
        memcpy(copy, text, n);
        copy[n] = '\n';
        copy[n + 1] = '\0';
    }
    free(text);
    if (!copy) return hgnStatusNew(HGN_CODE_OutOfMemory, "plan", NULL, "cannot serialise the plan summary");
    *out = copy;
    return HGN_OK;
}
