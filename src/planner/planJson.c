/* planJson.c — plan.json writer and reader. The writer emits keys in schema
 * order, arrays in plan order and reals with 9 significant digits, so equal
 * plans give byte-identical files; the reader validates (validators.c)
 * before it builds the plan object. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/fileIo.h"
#include "huginn/plan.h"

#define REAL_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(9))

typedef struct Jb {
    bool failed;
} Jb;

static json_t *chk(Jb *jb, json_t *v) {
    if (!v) jb->failed = true;
    return v;
}
static void set(Jb *jb, json_t *o, const char *k, json_t *v) {
    if (!o || !v || json_object_set_new(o, k, v) != 0) jb->failed = true;
}
static void append(Jb *jb, json_t *a, json_t *v) {
    if (!a || !v || json_array_append_new(a, v) != 0) jb->failed = true;
}
static json_t *u64(Jb *jb, uint64_t v) { return chk(jb, json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v)); }
/* Reals are rounded to 9 significant digits so that a re-read plan writes the same text. */
static json_t *real(Jb *jb, double v) {
    if (!isfinite(v)) v = 0;
    char buf[40];
    snprintf(buf, sizeof buf, "%.9g", v);
    return chk(jb, json_real(strtod(buf, NULL)));
}
static json_t *str(Jb *jb, const char *s) { return chk(jb, json_string(s ? s : "")); }

HgnStatus hgnPlanToJson(const HgnPlan *plan, json_t **out) {
    *out = NULL;
    Jb jb = {false};
    json_t *doc = chk(&jb, json_object());
    json_t *h = chk(&jb, json_object()), *model = chk(&jb, json_object());
    set(&jb, h, "planVersion", chk(&jb, json_integer(plan->planVersion)));
    set(&jb, h, "huginnVersion", str(&jb, plan->huginnVersion));
    set(&jb, h, "createdAt", str(&jb, plan->createdAt));
    set(&jb, model, "id", str(&jb, plan->modelId));
    set(&jb, model, "name", str(&jb, plan->modelName));
    set(&jb, model, "source", str(&jb, plan->modelSource));
    if (plan->modelPath) set(&jb, model, "path", str(&jb, plan->modelPath));
    if (plan->graphDigest) set(&jb, model, "graphDigest", str(&jb, plan->graphDigest));
    json_t *digests = chk(&jb, json_array());
    for (size_t i = 0; i < plan->nFileDigests; i++) append(&jb, digests, str(&jb, plan->fileDigests[i]));
    set(&jb, model, "fileDigests", digests);
    set(&jb, model, "weights", str(&jb, plan->weightsFormat));
    set(&jb, model, "kvCache", str(&jb, plan->kvFormat));
    set(&jb, h, "model", model);
    set(&jb, h, "topologyDigest", str(&jb, plan->topologyDigest));
    set(&jb, h, "configHash", str(&jb, plan->configHash));
    set(&jb, h, "seed", u64(&jb, plan->seed));
    set(&jb, h, "policy", str(&jb, plan->policy));
    set(&jb, h, "objective", str(&jb, plan->objective));
    set(&jb, doc, "header", h);

    json_t *devs = chk(&jb, json_array());
    for (size_t i = 0; i < plan->nDevices; i++) {
        const HgnPlanDevice *d = &plan->devices[i];
        json_t *o = chk(&jb, json_object()), *l = chk(&jb, json_object());
        set(&jb, o, "id", str(&jb, d->id));
        set(&jb, o, "name", str(&jb, d->name));
        set(&jb, o, "kind", str(&jb, d->kind));
        set(&jb, o, "profileId", str(&jb, d->profileId));
        set(&jb, o, "numaNode", d->numaNode >= 0 ? chk(&jb, json_integer(d->numaNode)) : chk(&jb, json_null()));
        set(&jb, o, "memoryWindowBytes", u64(&jb, d->memoryWindowBytes));
        set(&jb, l, "weightsBytes", u64(&jb, d->ledger.weightsBytes));
        set(&jb, l, "kvCacheBytes", u64(&jb, d->ledger.kvCacheBytes));
        set(&jb, l, "activationBytes", u64(&jb, d->ledger.activationBytes));
        set(&jb, l, "overheadBytes", u64(&jb, d->ledger.overheadBytes));
        set(&jb, l, "reservedBytes", u64(&jb, d->ledger.reservedBytes));
        set(&jb, l, "freeBytes", u64(&jb, d->ledger.freeBytes));
        set(&jb, l, "spilledBytes", u64(&jb, d->ledger.spilledBytes));
        set(&jb, o, "ledger", l);
        if (d->firstNode >= 0) {
            json_t *r = chk(&jb, json_array());
            append(&jb, r, chk(&jb, json_integer(d->firstNode)));
            append(&jb, r, chk(&jb, json_integer(d->lastNode)));
            set(&jb, o, "nodeRange", r);
        } else {
            set(&jb, o, "nodeRange", chk(&jb, json_null()));
        }
        set(&jb, o, "decodeSeconds", real(&jb, d->decodeSeconds));
        set(&jb, o, "prefillSeconds", real(&jb, d->prefillSeconds));
        set(&jb, o, "bottleneck", d->bottleneck ? str(&jb, d->bottleneck) : chk(&jb, json_null()));
        append(&jb, devs, o);
    }
    set(&jb, doc, "devices", devs);

    json_t *nodes = chk(&jb, json_array());
    for (size_t i = 0; i < plan->nNodes; i++) {
        const HgnPlanNode *n = &plan->nodes[i];
        json_t *o = chk(&jb, json_object());
        set(&jb, o, "id", str(&jb, n->id));
        set(&jb, o, "op", str(&jb, n->op));
        set(&jb, o, "layer", chk(&jb, json_integer(n->layer)));
        set(&jb, o, "device", str(&jb, (size_t)n->device < plan->nDevices ? plan->devices[n->device].id : "?"));
        set(&jb, o, "bytes", u64(&jb, n->bytes));
        set(&jb, o, "flops", real(&jb, n->flops));
        set(&jb, o, "kvBytes", u64(&jb, n->kvBytes));
        set(&jb, o, "activationBytes", u64(&jb, n->activationBytes));
        set(&jb, o, "tier", str(&jb, n->tier));
        set(&jb, o, "decodeSeconds", real(&jb, n->decodeSeconds));
        if (n->nGraphNodes) {
            json_t *gn = chk(&jb, json_array());
            for (size_t k = 0; k < n->nGraphNodes; k++) append(&jb, gn, str(&jb, n->graphNodes[k]));
            set(&jb, o, "graphNodes", gn);
        }
        append(&jb, nodes, o);
    }
    set(&jb, doc, "nodes", nodes);

    json_t *edges = chk(&jb, json_array());
    for (size_t i = 0; i < plan->nEdges; i++) {
        const HgnPlanEdge *e = &plan->edges[i];
        json_t *o = chk(&jb, json_object());
        set(&jb, o, "from", str(&jb, (size_t)e->from < plan->nNodes ? plan->nodes[e->from].id : "?"));
        set(&jb, o, "to", str(&jb, (size_t)e->to < plan->nNodes ? plan->nodes[e->to].id : "?"));
        set(&jb, o, "bytes", u64(&jb, e->bytes));
        append(&jb, edges, o);
    }
    set(&jb, doc, "edges", edges);

    json_t *trs = chk(&jb, json_array());
    for (size_t i = 0; i < plan->nTransfers; i++) {
        const HgnPlanTransfer *t = &plan->transfers[i];
        json_t *o = chk(&jb, json_object());
        set(&jb, o, "from", str(&jb, plan->devices[t->fromDevice].id));
        set(&jb, o, "to", str(&jb, plan->devices[t->toDevice].id));
        set(&jb, o, "afterNode", str(&jb, plan->nodes[t->afterNode].id));
        set(&jb, o, "bytesPerStep", u64(&jb, t->bytesPerStep));
        set(&jb, o, "link", str(&jb, t->link));
        set(&jb, o, "seconds", real(&jb, t->seconds));
        append(&jb, trs, o);
    }
    set(&jb, doc, "transfers", trs);

    json_t *b = chk(&jb, json_object());
    set(&jb, b, "context", u64(&jb, plan->context));
    set(&jb, b, "contextFixed", chk(&jb, json_boolean(plan->contextFixed)));
    set(&jb, b, "batch", u64(&jb, plan->batch));
    set(&jb, b, "batchFixed", chk(&jb, json_boolean(plan->batchFixed)));
    set(&jb, b, "ubatch", u64(&jb, plan->ubatch));
    set(&jb, b, "hostMemoryBytes", u64(&jb, plan->hostMemoryBytes));
    set(&jb, b, "diskBytes", u64(&jb, plan->diskBytes));
    set(&jb, b, "spilledBytes", u64(&jb, plan->spilledBytes));
    set(&jb, doc, "budgets", b);

    json_t *a = chk(&jb, json_object()), *peak = chk(&jb, json_object());
    set(&jb, a, "fits", chk(&jb, json_boolean(plan->fits)));
    for (size_t i = 0; i < plan->nDevices; i++) set(&jb, peak, plan->devices[i].id, u64(&jb, plan->peakBytes[i]));
    set(&jb, a, "peakBytes", peak);
    set(&jb, a, "prefillTokensPerSecond", real(&jb, plan->prefillTokensPerSecond));
    set(&jb, a, "decodeTokensPerSecond", real(&jb, plan->decodeTokensPerSecond));
    set(&jb, a, "decodeLatencyMs", real(&jb, plan->decodeLatencyMs));
    set(&jb, doc, "assertions", a);

    json_t *fbs = chk(&jb, json_array());
    for (size_t i = 0; i < plan->nFallbacks; i++) {
        const HgnPlanFallback *f = &plan->fallbacks[i];
        json_t *o = chk(&jb, json_object()), *pl = chk(&jb, json_array());
        set(&jb, o, "lostDevice", str(&jb, plan->devices[f->lostDevice].id));
        set(&jb, o, "feasible", chk(&jb, json_boolean(f->feasible)));
        set(&jb, o, "decodeLatencyMs", f->feasible ? real(&jb, f->decodeLatencyMs) : chk(&jb, json_null()));
        set(&jb, o, "deltaPercent", f->feasible ? real(&jb, f->deltaPercent) : chk(&jb, json_null()));
        for (size_t d = 0; f->ranges && d < plan->nDevices; d++) {
            if (f->ranges[2 * d] < 0 || f->ranges[2 * d + 1] < 0) continue; /* an unknown node id read back */
            json_t *r = chk(&jb, json_object());
            set(&jb, r, "device", str(&jb, plan->devices[d].id));
            set(&jb, r, "firstNode", str(&jb, plan->nodes[f->ranges[2 * d]].id));
            set(&jb, r, "lastNode", str(&jb, plan->nodes[f->ranges[2 * d + 1]].id));
            append(&jb, pl, r);
        }
        set(&jb, o, "placement", pl);
        if (f->reason) set(&jb, o, "reason", str(&jb, f->reason));
        append(&jb, fbs, o);
    }
    set(&jb, doc, "fallbacks", fbs);
    if (jb.failed) {
        json_decref(doc);
        return hgnStatusNew(HGN_CODE_OutOfMemory, "plan", NULL, "cannot build the plan document");
    }
    *out = doc;
    return HGN_OK;
}

HgnStatus hgnPlanWriteJson(const HgnPlan *plan, char **out) {
    *out = NULL;
    json_t *doc = NULL;
    HgnStatus st = hgnPlanToJson(plan, &doc);
    if (st) return st;
    char *text = json_dumps(doc, REAL_FLAGS);
    json_decref(doc);
    if (!text) return hgnStatusNew(HGN_CODE_OutOfMemory, "plan", NULL, "cannot serialise the plan");
    size_t n = strlen(text);
    char *copy = hgnMalloc(n + 2);
    if (copy) {
        memcpy(copy, text, n);
        copy[n] = '\n';
        copy[n + 1] = '\0';
    }
    free(text);
    if (!copy) return hgnStatusNew(HGN_CODE_OutOfMemory, "plan", NULL, "cannot serialise the plan");
    *out = copy;
    return HGN_OK;
}

/* ---- reading ---------------------------------------------------------------------------- */

static char *jdup(const json_t *o, const char *k, bool *failed) {
    const char *s = json_string_value(json_object_get(o, k));
    if (!s) return NULL;
    char *d = hgnStrdup(s);
    if (!d) *failed = true;
    return d;
}
static uint64_t ju(const json_t *o, const char *k) {
    json_int_t v = json_integer_value(json_object_get(o, k));
    return v > 0 ? (uint64_t)v : 0;
}
static double jr(const json_t *o, const char *k) { return json_number_value(json_object_get(o, k)); }

/* Index of id in arr's objects (by "id"), -1 when absent. Lookups go through a
 * hash object built once. */
static int64_t lookup(const json_t *index, const char *id) {
    json_t *v = id ? json_object_get(index, id) : NULL;
    return v ? json_integer_value(v) : -1;
}

static json_t *indexOf(const json_t *arr) {
    json_t *idx = json_object();
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        const char *id = json_string_value(json_object_get(v, "id"));
        if (idx && id) json_object_set_new(idx, id, json_integer((json_int_t)i));
    }
    return idx;
}

static HgnStatus buildPlan(const json_t *doc, HgnPlan **out) {
    HgnPlan *p = hgnCalloc(1, sizeof *p);
    if (!p) return hgnStatusNew(HGN_CODE_OutOfMemory, "plan", NULL, "cannot allocate the plan");
    bool failed = false;
    json_t *h = json_object_get(doc, "header"), *model = json_object_get(h, "model");
    p->planVersion = (int)json_integer_value(json_object_get(h, "planVersion"));
    p->huginnVersion = jdup(h, "huginnVersion", &failed);
    p->createdAt = jdup(h, "createdAt", &failed);
    p->topologyDigest = jdup(h, "topologyDigest", &failed);
    p->configHash = jdup(h, "configHash", &failed);
    p->seed = ju(h, "seed");
    p->policy = jdup(h, "policy", &failed);
    p->objective = jdup(h, "objective", &failed);
    p->modelId = jdup(model, "id", &failed);
    p->modelName = jdup(model, "name", &failed);
    p->modelSource = jdup(model, "source", &failed);
    p->modelPath = jdup(model, "path", &failed);
    p->graphDigest = jdup(model, "graphDigest", &failed);
    p->weightsFormat = jdup(model, "weights", &failed);
    p->kvFormat = jdup(model, "kvCache", &failed);
    json_t *fd = json_object_get(model, "fileDigests"), *v;
    size_t i;
    p->fileDigests = hgnCalloc(json_array_size(fd) + 1, sizeof(char *));
    if (!p->fileDigests) failed = true;
    json_array_foreach(fd, i, v) {
        if (failed) break;
        p->fileDigests[i] = hgnStrdup(json_string_value(v));
        if (!p->fileDigests[i]) failed = true;
        p->nFileDigests = i + 1;
    }
    json_t *devs = json_object_get(doc, "devices"), *nodes = json_object_get(doc, "nodes");
    json_t *devIdx = indexOf(devs), *nodeIdx = indexOf(nodes);
    if (!devIdx || !nodeIdx) failed = true;
    p->nDevices = json_array_size(devs);
    p->devices = hgnCalloc(p->nDevices + 1, sizeof *p->devices);
    p->peakBytes = hgnCalloc(p->nDevices + 1, sizeof(uint64_t));
    if (!p->devices || !p->peakBytes) {
        failed = true;
        p->nDevices = 0;
    }
    json_t *peak = json_object_get(json_object_get(doc, "assertions"), "peakBytes");
    json_array_foreach(devs, i, v) {
        if (failed) break;
        HgnPlanDevice *d = &p->devices[i];
        d->id = jdup(v, "id", &failed);
        d->name = jdup(v, "name", &failed);
        d->kind = jdup(v, "kind", &failed);
        d->profileId = jdup(v, "profileId", &failed);
        d->bottleneck = jdup(v, "bottleneck", &failed);
        json_t *nn = json_object_get(v, "numaNode");
        d->numaNode = json_is_integer(nn) ? (int32_t)json_integer_value(nn) : -1;
        d->memoryWindowBytes = ju(v, "memoryWindowBytes");
        json_t *l = json_object_get(v, "ledger");
        d->ledger = (HgnPlanLedger){ju(l, "weightsBytes"),  ju(l, "kvCacheBytes"),  ju(l, "activationBytes"),
                                    ju(l, "overheadBytes"), ju(l, "reservedBytes"), ju(l, "freeBytes"),
                                    ju(l, "spilledBytes")};
        json_t *r = json_object_get(v, "nodeRange");
        d->firstNode = json_is_array(r) ? json_integer_value(json_array_get(r, 0)) : -1;
        d->lastNode = json_is_array(r) ? json_integer_value(json_array_get(r, 1)) : -1;
        d->decodeSeconds = jr(v, "decodeSeconds");
        d->prefillSeconds = jr(v, "prefillSeconds");
        json_int_t pk = json_integer_value(json_object_get(peak, d->id ? d->id : ""));
        p->peakBytes[i] = pk > 0 ? (uint64_t)pk : 0;
    }
    p->nNodes = json_array_size(nodes);
    p->nodes = hgnCalloc(p->nNodes + 1, sizeof *p->nodes);
    if (!p->nodes) {
        failed = true;
        p->nNodes = 0;
    }
    json_array_foreach(nodes, i, v) {
        if (failed) break;
        HgnPlanNode *n = &p->nodes[i];
        n->id = jdup(v, "id", &failed);
        n->op = jdup(v, "op", &failed);
        n->tier = jdup(v, "tier", &failed);
        n->layer = (int32_t)json_integer_value(json_object_get(v, "layer"));
        n->device = (int32_t)lookup(devIdx, json_string_value(json_object_get(v, "device")));
        n->bytes = ju(v, "bytes");
        n->flops = jr(v, "flops");
        n->kvBytes = ju(v, "kvBytes");
        n->activationBytes = ju(v, "activationBytes");
        n->decodeSeconds = jr(v, "decodeSeconds");
        json_t *gn = json_object_get(v, "graphNodes");
        if (json_array_size(gn)) {
            n->graphNodes = hgnCalloc(json_array_size(gn), sizeof(char *));
            if (!n->graphNodes) failed = true;
            for (size_t k = 0; n->graphNodes && k < json_array_size(gn); k++) {
                const char *gs = json_string_value(json_array_get(gn, k));
                n->graphNodes[k] = hgnStrdup(gs ? gs : "");
                if (!n->graphNodes[k]) failed = true;
                n->nGraphNodes++;
            }
        }
    }
    json_t *edges = json_object_get(doc, "edges");
    p->nEdges = json_array_size(edges);
    p->edges = hgnCalloc(p->nEdges + 1, sizeof *p->edges);
    if (!p->edges) failed = true;
    json_array_foreach(edges, i, v) {
        if (failed) break;
        p->edges[i] =
            (HgnPlanEdge){(int32_t)lookup(nodeIdx, json_string_value(json_object_get(v, "from"))),
                          (int32_t)lookup(nodeIdx, json_string_value(json_object_get(v, "to"))), ju(v, "bytes")};
    }
    json_t *trs = json_object_get(doc, "transfers");
    p->transfers = hgnCalloc(json_array_size(trs) + 1, sizeof *p->transfers);
    if (!p->transfers) failed = true;
    json_array_foreach(trs, i, v) {
        if (failed) break;
        HgnPlanTransfer *t = &p->transfers[i];
        t->fromDevice = (int32_t)lookup(devIdx, json_string_value(json_object_get(v, "from")));
        t->toDevice = (int32_t)lookup(devIdx, json_string_value(json_object_get(v, "to")));
        t->afterNode = (int32_t)lookup(nodeIdx, json_string_value(json_object_get(v, "afterNode")));
        t->bytesPerStep = ju(v, "bytesPerStep");
        t->link = jdup(v, "link", &failed);
        t->seconds = jr(v, "seconds");
        p->nTransfers = i + 1;
    }
    json_t *b = json_object_get(doc, "budgets");
    p->context = ju(b, "context");
    p->batch = ju(b, "batch");
    p->ubatch = ju(b, "ubatch");
    p->contextFixed = json_is_true(json_object_get(b, "contextFixed"));
    p->batchFixed = json_is_true(json_object_get(b, "batchFixed"));
    p->hostMemoryBytes = ju(b, "hostMemoryBytes");
    p->diskBytes = ju(b, "diskBytes");
    p->spilledBytes = ju(b, "spilledBytes");
    json_t *a = json_object_get(doc, "assertions");
    p->fits = json_is_true(json_object_get(a, "fits"));
    p->prefillTokensPerSecond = jr(a, "prefillTokensPerSecond");
    p->decodeTokensPerSecond = jr(a, "decodeTokensPerSecond");
    p->decodeLatencyMs = jr(a, "decodeLatencyMs");
    json_t *fbs = json_object_get(doc, "fallbacks");
    p->fallbacks = hgnCalloc(json_array_size(fbs) + 1, sizeof *p->fallbacks);
    if (!p->fallbacks) failed = true;
    json_array_foreach(fbs, i, v) {
        if (failed) break;
        HgnPlanFallback *f = &p->fallbacks[i];
        p->nFallbacks = i + 1;
        f->lostDevice = (int32_t)lookup(devIdx, json_string_value(json_object_get(v, "lostDevice")));
        f->feasible = json_is_true(json_object_get(v, "feasible"));
        f->decodeLatencyMs = jr(v, "decodeLatencyMs");
        f->deltaPercent = jr(v, "deltaPercent");
        f->reason = jdup(v, "reason", &failed);
        f->ranges = hgnMalloc(sizeof(int64_t) * 2 * (p->nDevices + 1));
        if (!f->ranges) {
            failed = true;
            break;
        }
        for (size_t x = 0; x < 2 * p->nDevices; x++) f->ranges[x] = -1;
        size_t k;
        json_t *r;
        json_array_foreach(json_object_get(v, "placement"), k, r) {
            int64_t d = lookup(devIdx, json_string_value(json_object_get(r, "device")));
            if (d < 0) continue;
            f->ranges[2 * d] = lookup(nodeIdx, json_string_value(json_object_get(r, "firstNode")));
            f->ranges[2 * d + 1] = lookup(nodeIdx, json_string_value(json_object_get(r, "lastNode")));
        }
    }
    json_decref(devIdx);
    json_decref(nodeIdx);
    if (failed) {
        hgnPlanFree(p);
        return hgnStatusNew(HGN_CODE_OutOfMemory, "plan", NULL, "cannot allocate the plan");
    }
    *out = p;
    return HGN_OK;
}

HgnStatus hgnPlanReadJson(const char *text, size_t len, const char *sourceName, HgnPlan **out) {
    *out = NULL;
    const char *source = sourceName ? sourceName : "plan.json";
    json_error_t jerr;
    json_t *doc = json_loadb(text ? text : "", text ? len : 0, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        char where[512];
        snprintf(where, sizeof where, "%s:%d:%d", source, jerr.line, jerr.column);
        return hgnStatusNew(HGN_CODE_InvalidJson, where, "fix the JSON syntax or re-create the plan", "%s", jerr.text);
    }
    HgnStatus st = hgnPlanValidate(doc);
    if (st) {
        char where[600];
        snprintf(where, sizeof where, "%s:%s", source, hgnStatusWhere(st) ? hgnStatusWhere(st) : "");
        st = hgnStatusSetWhere(st, where);
    }
    if (!st) st = buildPlan(doc, out);
    json_decref(doc);
    return st;
}

HgnStatus hgnPlanReadFile(const char *path, HgnPlan **out) {
    *out = NULL;
    HgnBuf text;
    hgnBufInit(&text);
    HgnStatus st = hgnFileReadAll(path, (uint64_t)1 << 30, "the plan", "check the plan path", &text);
    if (!st) st = hgnPlanReadJson(hgnBufStr(&text), text.len, path, out);
    hgnBufFree(&text);
    return st;
}
