/* cliExplain.c — `huginn explain plan.json`: why each split point lies where
 * it does (bytes or speed), what did not fit on the GPUs and where it went,
 * the bottleneck of a decode step, the cost of moving each split by one or
 * two items (hgnPlanSplitAlternatives) and the three changes that would help
 * most (more memory on a device, a smaller quantisation, a shorter context,
 * a smaller KV cache), each measured by re-planning the model on the machine
 * (--hardware / --topology-xml / this host). Without the model or with
 * another machine, the parts that need a re-plan are skipped with a note. */
#include "cli/cliExplain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cliModel.h"
#include "cli/cliOutput.h"
#include "cli/cliPlanModel.h"
#include "cli/cliPlanRun.h"
#include "core/alloc.h"
#include "core/strBuf.h"
#include "huginn/planner.h"

static void fmtBytes(uint64_t v, char *buf, size_t size) {
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double x = (double)v;
    int u = 0;
    while (x >= 1024 && u < 4) {
        x /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%llu B", (unsigned long long)v);
    else
        snprintf(buf, size, "%.1f %s", x, units[u]);
}

/* What a re-plan needs: the model's items, the machine and the plan's options. */
typedef struct Replan {
    HgnPlanItems items;
    HgnMachine machine;
    HgnPlanOptions opts;
    HgnPlanReserve *reserves;
    bool ok;
    char note[256];
} Replan;

static const char *formatOf(const HgnPlan *plan, const char **path) {
    *path = plan->modelPath;
    if (plan->modelSource && strcmp(plan->modelSource, "spec") == 0) {
        *path = plan->modelId;
        return "registry";
    }
    const char *format = NULL;
    if (!plan->modelPath) return NULL;
    HgnStatus st = cliModelDetect(plan->modelPath, "model", &format);
    if (st) {
        hgnStatusFree(st);
        return NULL;
    }
    return format;
}

/* Items as the plan costed them: its node bytes and KV (a quant config may have changed them). */
static bool alignItems(Replan *r, const HgnPlan *plan) {
    if (r->items.count != plan->nNodes) return false;
    for (size_t i = 0; i < plan->nNodes; i++) {
        HgnPlanItem *it = &r->items.items[i];
        if (strcmp(it->name, plan->nodes[i].id) != 0) return false;
        it->weightBytes = plan->nodes[i].bytes;
        uint64_t tokens = it->kvWindow && it->kvWindow < plan->context ? it->kvWindow : plan->context;
        uint64_t per = tokens * (plan->batch ? plan->batch : 1);
        if (per) it->kvBytesPerToken = plan->nodes[i].kvBytes / per;
    }
    HgnWeightFormat f;
    if (plan->weightsFormat && hgnWeightFormatFromName(plan->weightsFormat, &f)) r->items.weights = f;
    if (plan->kvFormat && hgnWeightFormatFromName(plan->kvFormat, &f)) r->items.kvFormat = f;
    return true;
}

static void replanInit(CliContext *ctx, const HgnPlan *plan, Replan *r) {
    memset(r, 0, sizeof *r);
    hgnPlanItemsInit(&r->items);
    const char *path = NULL, *format = formatOf(plan, &path);
    if (!format) {
        snprintf(r->note, sizeof r->note, "the model `%s` is not readable here: alternatives and changes skipped",
                 plan->modelPath ? plan->modelPath : plan->modelId);
        return;
    }
    HgnStatus st = cliPlanLoadItems(path, format, NULL, &r->items);
    if (!st) st = cliPlanLoadMachine(ctx, &r->machine);
    if (st) {
        snprintf(r->note, sizeof r->note, "cannot re-plan (%s): alternatives and changes skipped",
                 hgnStatusMessage(st));
        hgnStatusFree(st);
        return;
    }
    bool same = r->machine.count == plan->nDevices;
    for (size_t d = 0; same && d < plan->nDevices; d++)
        same = strcmp(r->machine.devices[d].id, plan->devices[d].id) == 0 &&
               r->machine.devices[d].memoryBytes == plan->devices[d].memoryWindowBytes;
    if (!same) {
        snprintf(r->note, sizeof r->note,
                 "the plan was made for another machine: give the --hardware or --topology-xml it was made for to "
                 "price alternatives and changes");
        return;
    }
    if (!alignItems(r, plan)) {
        snprintf(r->note, sizeof r->note, "the model's nodes differ from the plan's: alternatives and changes skipped");
        return;
    }
    hgnPlanPolicyFromName(plan->policy, &r->opts.policy);
    hgnPlanObjectiveFromName(plan->objective, &r->opts.objective);
    r->opts.context = plan->context;
    r->opts.contextFixed = true;
    r->opts.batch = plan->batch;
    r->opts.batchFixed = true;
    r->opts.ubatch = plan->ubatch;
    r->opts.seed = plan->seed;
    r->opts.createdAt = plan->createdAt;
    r->opts.configHash = plan->configHash;
    r->opts.noFallbacks = true;
    r->reserves = hgnCalloc(plan->nDevices + 1, sizeof *r->reserves);
    if (!r->reserves) {
        snprintf(r->note, sizeof r->note, "out of memory");
        return;
    }
    for (size_t d = 0; d < plan->nDevices; d++)
        r->reserves[d] = (HgnPlanReserve){plan->devices[d].id, plan->devices[d].ledger.reservedBytes};
    r->opts.reserves = r->reserves;
    r->opts.nReserves = plan->nDevices;
    r->ok = true;
}

static void replanFree(Replan *r) {
    hgnPlanItemsFree(&r->items);
    hgnMachineFree(&r->machine);
    hgnFree(r->reserves);
}

/* Re-plans with a change; returns decode tokens/s, 0 when it does not fit. */
static double replanRate(const HgnPlanItems *items, const HgnMachine *m, const HgnPlanOptions *opts) {
    HgnPlan *p = NULL;
    HgnStatus st = hgnPlanCreate(items, m, opts, &p);
    double rate = st ? 0 : p->decodeTokensPerSecond;
    hgnStatusFree(st);
    hgnPlanFree(p);
    return rate;
}

static json_t *suggestion(const char *change, const char *detail, double rate, double base) {
    return json_pack("{s:s, s:s, s:b, s:f, s:f}", "change", change, "detail", detail, "fits", rate > 0,
                     "decodeTokensPerSecond", rate, "deltaPercent", base > 0 && rate > 0 ? (rate / base - 1) * 100 : 0);
}

static HgnWeightFormat smallerFormat(HgnWeightFormat f, bool *any) {
    *any = true;
    switch (f) {
    case HGN_WEIGHTS_F32:
        return HGN_WEIGHTS_F16;
    case HGN_WEIGHTS_F16:
    case HGN_WEIGHTS_BF16:
        return HGN_WEIGHTS_Q8_0;
    case HGN_WEIGHTS_Q8_0:
    case HGN_WEIGHTS_INT8:
    case HGN_WEIGHTS_FP8:
    case HGN_WEIGHTS_Q6_K:
    case HGN_WEIGHTS_Q5_K:
    case HGN_WEIGHTS_Q5_0:
    case HGN_WEIGHTS_Q5_1:
        return HGN_WEIGHTS_Q4_K;
    default:
        *any = false;
        return f;
    }
}

static int bySpeed(const void *a, const void *b) {
    double x = json_real_value(json_object_get(*(json_t *const *)a, "decodeTokensPerSecond"));
    double y = json_real_value(json_object_get(*(json_t *const *)b, "decodeTokensPerSecond"));
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The candidate changes, each re-planned, best three first. */
static json_t *suggestions(const HgnPlan *plan, Replan *r, double base) {
    json_t *all[4];
    size_t n = 0;
    char detail[256];
    /* more memory: the used device with the least room left (the one holding the split back) */
    int tight = -1;
    for (size_t d = 0; d < plan->nDevices; d++)
        if (plan->devices[d].firstNode >= 0 &&
            (tight < 0 || plan->devices[d].ledger.freeBytes < plan->devices[tight].ledger.freeBytes))
            tight = (int)d;
    bool offloaded = false;
    for (size_t i = 0; i < plan->nNodes; i++)
        if (plan->nodes[i].tier && strcmp(plan->nodes[i].tier, "device") != 0) offloaded = true;
    if (offloaded)
        for (size_t d = 0; d < plan->nDevices; d++)
            if (plan->devices[d].kind && strcmp(plan->devices[d].kind, "gpu") == 0) tight = (int)d;
    if (tight >= 0) {
        HgnMachineDevice *dev = &r->machine.devices[tight];
        uint64_t old = dev->memoryBytes, add = old / 2 > plan->spilledBytes ? old / 2 : plan->spilledBytes;
        dev->memoryBytes = old + add;
        double rate = replanRate(&r->items, &r->machine, &r->opts);
        dev->memoryBytes = old;
        char a[32];
        fmtBytes(add, a, sizeof a);
        snprintf(detail, sizeof detail, "%s more memory on %s", a, plan->devices[tight].id);
        all[n++] = suggestion("memory", detail, rate, base);
    }
    /* a smaller quantisation of the weights */
    bool any = false;
    HgnWeightFormat to = smallerFormat(r->items.weights, &any);
    if (any) {
        double ratio = hgnWeightBitsPerParam((HgnWeightQuant){.format = to}) /
                       hgnWeightBitsPerParam((HgnWeightQuant){.format = r->items.weights});
        uint64_t *saved = hgnCalloc(r->items.count + 1, sizeof(uint64_t));
        HgnWeightFormat *dts = hgnCalloc(r->items.count + 1, sizeof *dts);
        if (saved && dts) {
            for (size_t i = 0; i < r->items.count; i++) {
                saved[i] = r->items.items[i].weightBytes;
                dts[i] = r->items.items[i].computeDtype;
                r->items.items[i].weightBytes = (uint64_t)llround((double)saved[i] * ratio);
                if (to == HGN_WEIGHTS_F16 || dts[i] == HGN_WEIGHTS_F32)
                    r->items.items[i].computeDtype = HGN_WEIGHTS_F16;
            }
            double rate = replanRate(&r->items, &r->machine, &r->opts);
            for (size_t i = 0; i < r->items.count; i++) {
                r->items.items[i].weightBytes = saved[i];
                r->items.items[i].computeDtype = dts[i];
            }
            snprintf(detail, sizeof detail, "weights %s instead of %s (--quant-config with default = \"%s\")",
                     hgnWeightFormatName(to), hgnWeightFormatName(r->items.weights), hgnWeightFormatName(to));
            all[n++] = suggestion("quantisation", detail, rate, base);
        }
        hgnFree(saved);
        hgnFree(dts);
    }
    if (r->items.isLlm && plan->context > 1) {
        uint64_t old = r->opts.context;
        r->opts.context = old / 2;
        double rate = replanRate(&r->items, &r->machine, &r->opts);
        r->opts.context = old;
        snprintf(detail, sizeof detail, "context %llu instead of %llu (--context %llu)", (unsigned long long)(old / 2),
                 (unsigned long long)old, (unsigned long long)(old / 2));
        all[n++] = suggestion("context", detail, rate, base);
    }
    if (r->items.isLlm && (r->items.kvFormat == HGN_WEIGHTS_F32 || r->items.kvFormat == HGN_WEIGHTS_F16 ||
                           r->items.kvFormat == HGN_WEIGHTS_BF16)) {
        double ratio = hgnWeightBitsPerParam((HgnWeightQuant){.format = HGN_WEIGHTS_Q8_0}) /
                       hgnWeightBitsPerParam((HgnWeightQuant){.format = r->items.kvFormat});
        uint64_t *saved = hgnCalloc(r->items.count + 1, sizeof(uint64_t));
        if (saved) {
            for (size_t i = 0; i < r->items.count; i++) {
                saved[i] = r->items.items[i].kvBytesPerToken;
                r->items.items[i].kvBytesPerToken = (uint64_t)llround((double)saved[i] * ratio);
            }
            double rate = replanRate(&r->items, &r->machine, &r->opts);
            for (size_t i = 0; i < r->items.count; i++) r->items.items[i].kvBytesPerToken = saved[i];
            snprintf(detail, sizeof detail, "KV cache q8_0 instead of %s ([kvCache] format = \"q8_0\")",
                     hgnWeightFormatName(r->items.kvFormat));
            all[n++] = suggestion("kvCache", detail, rate, base);
        }
        hgnFree(saved);
    }
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) ok += all[i] != NULL;
    json_t *list = json_array();
    qsort(all, n, sizeof all[0], bySpeed);
    for (size_t i = 0; i < n; i++) {
        if (list && all[i] && json_array_size(list) < 3) json_array_append(list, all[i]);
        json_decref(all[i]);
    }
    (void)ok;
    return list;
}

static json_t *splitPoints(const HgnPlan *plan, Replan *r) {
    json_t *list = json_array();
    double baseSeconds = plan->decodeLatencyMs / 1000;
    for (size_t t = 0; list && t < plan->nTransfers; t++) {
        const HgnPlanTransfer *tr = &plan->transfers[t];
        const HgnPlanDevice *from = &plan->devices[tr->fromDevice], *to = &plan->devices[tr->toDevice];
        size_t next = (size_t)tr->afterNode + 1;
        uint64_t nextBytes = next < plan->nNodes ? plan->nodes[next].bytes + plan->nodes[next].kvBytes : 0;
        char reason[256], fb[32], nb[32];
        fmtBytes(from->ledger.freeBytes, fb, sizeof fb);
        fmtBytes(nextBytes, nb, sizeof nb);
        if (from->ledger.freeBytes < nextBytes)
            snprintf(reason, sizeof reason, "bytes: %s is full (%s free, %s needs %s)", from->id, fb,
                     next < plan->nNodes ? plan->nodes[next].id : "the next node", nb);
        else
            snprintf(reason, sizeof reason,
                     "speed: %s has room (%s free) but this split gives the least predicted step time", from->id, fb);
        json_t *alts = json_array();
        if (r->ok && alts) {
            int *offs = NULL;
            double *deltas = NULL;
            size_t cnt = 0;
            HgnStatus st = hgnPlanSplitAlternatives(&r->items, &r->machine, &r->opts, (size_t)tr->fromDevice, 2, &offs,
                                                    &deltas, &cnt);
            for (size_t k = 0; !st && k < cnt; k++) {
                /* offset < 0: the last |offset| items of `from` move to `to`; > 0: the first items of `to` move back */
                int64_t lo = offs[k] < 0 ? tr->afterNode + 1 + offs[k] : tr->afterNode + 1;
                int64_t hi = offs[k] < 0 ? tr->afterNode : tr->afterNode + offs[k];
                if (lo < 0 || hi >= (int64_t)plan->nNodes) continue;
                const char *dev = offs[k] < 0 ? to->id : from->id;
                json_t *o = json_pack("{s:i, s:s, s:s, s:s}", "offset", offs[k], "firstNode", plan->nodes[lo].id,
                                      "lastNode", plan->nodes[hi].id, "device", dev);
                if (!o) continue;
                if (isfinite(deltas[k]))
                    json_object_set_new(o, "deltaPercent",
                                        json_real(baseSeconds > 0 ? deltas[k] / baseSeconds * 100 : 0));
                else
                    json_object_set_new(o, "deltaPercent", json_null());
                json_array_append_new(alts, o);
            }
            hgnStatusFree(st);
            hgnFree(offs);
            hgnFree(deltas);
        }
        json_array_append_new(list,
                              json_pack("{s:s, s:s, s:s, s:I, s:s, s:f, s:s, s:o}", "afterNode",
                                        plan->nodes[tr->afterNode].id, "from", from->id, "to", to->id, "bytesPerStep",
                                        (json_int_t)tr->bytesPerStep, "link", tr->link ? tr->link : "", "seconds",
                                        tr->seconds, "reason", reason, "alternatives", alts ? alts : json_array()));
    }
    return list;
}

/* Runs of nodes not on a GPU while the machine has GPUs, and runs on disk. */
static json_t *displaced(const HgnPlan *plan) {
    json_t *list = json_array();
    bool gpus = false;
    for (size_t d = 0; d < plan->nDevices; d++)
        gpus |= plan->devices[d].kind && strcmp(plan->devices[d].kind, "gpu") == 0;
    for (size_t i = 0; list && i < plan->nNodes;) {
        const char *tier = plan->nodes[i].tier ? plan->nodes[i].tier : "device";
        bool off = strcmp(tier, "disk") == 0 || (gpus && strcmp(tier, "host") == 0);
        size_t j = i + 1;
        while (j < plan->nNodes && plan->nodes[j].device == plan->nodes[i].device &&
               strcmp(plan->nodes[j].tier ? plan->nodes[j].tier : "device", tier) == 0)
            j++;
        if (off) {
            uint64_t bytes = 0;
            for (size_t k = i; k < j; k++) bytes += plan->nodes[k].bytes + plan->nodes[k].kvBytes;
            json_array_append_new(
                list, json_pack("{s:s, s:s, s:s, s:s, s:I, s:s}", "firstNode", plan->nodes[i].id, "lastNode",
                                plan->nodes[j - 1].id, "device", plan->devices[plan->nodes[i].device].id, "tier", tier,
                                "bytes", (json_int_t)bytes, "reason",
                                strcmp(tier, "disk") == 0 ? "host RAM is full: weights are read from disk every step"
                                                          : "the GPUs are full: these run on the host"));
        }
        i = j;
    }
    return list;
}

static json_t *bottleneckOf(const HgnPlan *plan) {
    int tr = -1, d = hgnPlanBottleneck(plan, &tr);
    if (tr >= 0) {
        const HgnPlanTransfer *t = &plan->transfers[tr];
        const char *link = t->link ? t->link : "";
        const char *kind = strstr(link, "nvlink") ? "NVLink" : strncmp(link, "pcie", 4) == 0 ? "PCIe" : link;
        return json_pack("{s:s, s:s, s:s, s:s, s:f}", "kind", "transfer", "link", kind, "from",
                         plan->devices[t->fromDevice].id, "to", plan->devices[t->toDevice].id, "seconds", t->seconds);
    }
    if (d < 0) return json_null();
    const char *b = plan->devices[d].bottleneck ? plan->devices[d].bottleneck : "compute";
    const char *words = strcmp(b, "memory") == 0   ? "memory bandwidth"
                        : strcmp(b, "disk") == 0   ? "disk reads of spilled weights"
                        : strcmp(b, "launch") == 0 ? "kernel launches"
                                                   : "compute";
    return json_pack("{s:s, s:s, s:s, s:f, s:f}", "kind", b, "what", words, "device", plan->devices[d].id, "seconds",
                     plan->devices[d].decodeSeconds, "sharePercent",
                     plan->decodeLatencyMs > 0 ? plan->devices[d].decodeSeconds / (plan->decodeLatencyMs / 1000) * 100
                                               : 0);
}

static void printText(CliContext *ctx, const HgnPlan *plan, const json_t *doc) {
    FILE *o = ctx->out;
    fprintf(o, "%s: %s on %zu device(s), context %llu, batch %llu: %.1f tokens/s decode, %.3f ms per token\n",
            json_string_value(json_object_get(doc, "plan")), plan->modelId, plan->nDevices,
            (unsigned long long)plan->context, (unsigned long long)plan->batch, plan->decodeTokensPerSecond,
            plan->decodeLatencyMs);
    fprintf(o, "\nDevices:\n");
    for (size_t d = 0; d < plan->nDevices; d++) {
        const HgnPlanDevice *pd = &plan->devices[d];
        char w[32], kv[32], fr[32];
        fmtBytes(pd->ledger.weightsBytes, w, sizeof w);
        fmtBytes(pd->ledger.kvCacheBytes, kv, sizeof kv);
        fmtBytes(pd->ledger.freeBytes, fr, sizeof fr);
        if (pd->firstNode < 0)
            fprintf(o, "  %-7s unused (%s free)\n", pd->id, fr);
        else
            fprintf(o, "  %-7s %s … %s: weights %s, KV %s, %s free; %.3f ms per decode step (%s-bound)\n", pd->id,
                    plan->nodes[pd->firstNode].id, plan->nodes[pd->lastNode].id, w, kv, fr, pd->decodeSeconds * 1000,
                    pd->bottleneck ? pd->bottleneck : "compute");
    }
    size_t i;
    json_t *v;
    json_t *splits = json_object_get(doc, "splits");
    fprintf(o, "\nSplit points:%s\n", json_array_size(splits) ? "" : " none (one device runs everything)");
    json_array_foreach(splits, i, v) {
        char b[32];
        fmtBytes((uint64_t)json_integer_value(json_object_get(v, "bytesPerStep")), b, sizeof b);
        fprintf(o, "  after %s: %s → %s over %s (%s per step)\n    why: %s\n",
                json_string_value(json_object_get(v, "afterNode")), json_string_value(json_object_get(v, "from")),
                json_string_value(json_object_get(v, "to")), json_string_value(json_object_get(v, "link")), b,
                json_string_value(json_object_get(v, "reason")));
        size_t k;
        json_t *a;
        json_array_foreach(json_object_get(v, "alternatives"), k, a) {
            const char *f = json_string_value(json_object_get(a, "firstNode")),
                       *l = json_string_value(json_object_get(a, "lastNode"));
            json_t *dp = json_object_get(a, "deltaPercent");
            char range[160];
            if (strcmp(f, l) == 0)
                snprintf(range, sizeof range, "%s", f);
            else
                snprintf(range, sizeof range, "%s–%s", f, l);
            if (json_is_number(dp))
                fprintf(o, "    %s on %s: %+.1f %% decode latency\n", range,
                        json_string_value(json_object_get(a, "device")), json_number_value(dp));
            else
                fprintf(o, "    %s on %s: does not fit\n", range, json_string_value(json_object_get(a, "device")));
        }
    }
    json_t *disp = json_object_get(doc, "displaced");
    fprintf(o, "\nDid not fit where it ran best:%s\n", json_array_size(disp) ? "" : " nothing (everything fits)");
    json_array_foreach(disp, i, v) {
        char b[32];
        fmtBytes((uint64_t)json_integer_value(json_object_get(v, "bytes")), b, sizeof b);
        fprintf(o, "  %s … %s (%s) on %s (%s): %s\n", json_string_value(json_object_get(v, "firstNode")),
                json_string_value(json_object_get(v, "lastNode")), b, json_string_value(json_object_get(v, "device")),
                json_string_value(json_object_get(v, "tier")), json_string_value(json_object_get(v, "reason")));
    }
    json_t *bn = json_object_get(doc, "bottleneck");
    if (json_is_object(bn)) {
        if (strcmp(json_string_value(json_object_get(bn, "kind")), "transfer") == 0)
            fprintf(o, "\nBottleneck: the %s transfer %s → %s (%.3f ms per step)\n",
                    json_string_value(json_object_get(bn, "link")), json_string_value(json_object_get(bn, "from")),
                    json_string_value(json_object_get(bn, "to")),
                    json_number_value(json_object_get(bn, "seconds")) * 1000);
        else
            fprintf(o, "\nBottleneck: %s on %s (%.0f %% of a decode step)\n",
                    json_string_value(json_object_get(bn, "what")), json_string_value(json_object_get(bn, "device")),
                    json_number_value(json_object_get(bn, "sharePercent")));
    }
    json_t *sug = json_object_get(doc, "changes");
    if (json_is_array(sug)) {
        fprintf(o, "\nChanges that would help most (each re-planned):\n");
        json_array_foreach(sug, i, v) {
            if (json_is_true(json_object_get(v, "fits")))
                fprintf(o, "  %zu. %s: %.1f tokens/s (%+.1f %%)\n", i + 1,
                        json_string_value(json_object_get(v, "detail")),
                        json_number_value(json_object_get(v, "decodeTokensPerSecond")),
                        json_number_value(json_object_get(v, "deltaPercent")));
            else
                fprintf(o, "  %zu. %s: does not fit\n", i + 1, json_string_value(json_object_get(v, "detail")));
        }
    }
    json_t *note = json_object_get(doc, "note");
    if (json_is_string(note)) fprintf(o, "\nNote: %s\n", json_string_value(note));
}

HgnStatus cliExplain(CliContext *ctx, const char *path) {
    HgnPlan *plan = NULL;
    HgnStatus st = hgnPlanReadFile(path, &plan);
    if (st) return st;
    Replan r;
    replanInit(ctx, plan, &r);
    double base = plan->decodeTokensPerSecond;
    json_t *doc =
        json_pack("{s:s, s:s, s:f, s:f, s:o, s:o, s:o}", "plan", path, "model", plan->modelId, "decodeTokensPerSecond",
                  plan->decodeTokensPerSecond, "decodeLatencyMs", plan->decodeLatencyMs, "splits",
                  splitPoints(plan, &r), "displaced", displaced(plan), "bottleneck", bottleneckOf(plan));
    if (doc && r.ok) {
        json_object_set_new(doc, "changes", suggestions(plan, &r, base));
    } else if (doc) {
        json_object_set_new(doc, "note", json_string(r.note));
    }
    if (!doc) st = hgnStatusNew(HGN_CODE_OutOfMemory, "explain", NULL, "cannot build the explanation");
    if (!st && ctx->json)
        st = cliPrintJson(ctx, json_incref(doc));
    else if (!st)
        printText(ctx, plan, doc);
    json_decref(doc);
    replanFree(&r);
    hgnPlanFree(plan);
    return st;
}
