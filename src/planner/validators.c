/* validators.c — every check a plan.json must pass before it is used:
 * schema (schemas/plan.schema.json), references (node devices, edge ends,
 * transfers, fallbacks, peakBytes keys), acyclicity of the edges, budgets
 * (each ledger within its window, host RAM, disk for spilled weights) and
 * assertions consistent with the ledger. The first violation is returned
 * with its JSON pointer as where: HGN-0002 PlanSchemaViolation, or HGN-0003
 * OverBudget for a budget that is exceeded. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/jsonSchema.h"
#include "huginn/plan.h"

static HgnStatus violation(HgnCode code, const char *hint, const char *fmtPointer, size_t i, const char *key,
                           const char *fmt, ...) HGN_PRINTF(6, 7);

static HgnStatus violation(HgnCode code, const char *hint, const char *fmtPointer, size_t i, const char *key,
                           const char *fmt, ...) {
    char where[256], msg[768];
    if (strstr(fmtPointer, "%zu"))
        snprintf(where, sizeof where, fmtPointer, i, key ? key : "");
    else
        snprintf(where, sizeof where, fmtPointer, key ? key : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hgnStatusNew(code, where, hint, "%s", msg);
}

static uint64_t ju(const json_t *o, const char *k) {
    json_int_t v = json_integer_value(json_object_get(o, k));
    return v > 0 ? (uint64_t)v : 0;
}
static uint64_t addSat(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

static HgnStatus schemaCheck(const json_t *doc) {
    static HgnSchema *schema; /* compiled once; immutable afterwards */
    static int compiled;
    if (!__atomic_load_n(&compiled, __ATOMIC_ACQUIRE)) {
        HgnSchema *s = NULL;
        HgnStatus st = hgnSchemaCompileEmbedded("schemas/plan.schema.json", &s);
        if (st) return st;
        HgnSchema *expected = NULL;
        if (!__atomic_compare_exchange_n(&schema, &expected, s, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            hgnSchemaFree(s);
        __atomic_store_n(&compiled, 1, __ATOMIC_RELEASE);
    }
    HgnSchemaViolations v = {0};
    HgnStatus st = hgnSchemaValidateAll(__atomic_load_n(&schema, __ATOMIC_ACQUIRE), doc, &v);
    if (st) return st;
    if (v.count) {
        st =
            hgnStatusNew(HGN_CODE_PlanSchemaViolation, v.items[0].instancePointer[0] ? v.items[0].instancePointer : "/",
                         "re-create the plan with `huginn plan`, or fix the field", "%s", v.items[0].message);
    }
    hgnSchemaViolationsFree(&v);
    return st;
}

/* Object id → index, for the array arr. A duplicate id is a violation. */
static HgnStatus indexIds(const json_t *arr, const char *what, json_t **out) {
    *out = json_object();
    if (!*out) return hgnStatusNew(HGN_CODE_OutOfMemory, "plan", NULL, "cannot index the plan");
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        const char *id = json_string_value(json_object_get(v, "id"));
        if (json_object_get(*out, id)) {
            json_decref(*out);
            *out = NULL;
            char fmt[48];
            snprintf(fmt, sizeof fmt, "/%s/%%zu/id%%s", what);
            return violation(HGN_CODE_PlanSchemaViolation, "ids must be unique", fmt, i, "", "`%s` is the id of two %s",
                             id, what);
        }
        if (json_object_set_new(*out, id, json_integer((json_int_t)i)) != 0) {
            json_decref(*out);
            *out = NULL;
            return hgnStatusNew(HGN_CODE_OutOfMemory, "plan", NULL, "cannot index the plan");
        }
    }
    return HGN_OK;
}

static void deviceList(const json_t *devs, char *buf, size_t size) {
    size_t used = 0, i;
    json_t *v;
    buf[0] = '\0';
    json_array_foreach(devs, i, v) {
        if (used + 48 >= size) break;
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                                 json_string_value(json_object_get(v, "id")));
    }
}

static HgnStatus badDevice(const json_t *devs, const char *pointer, size_t i, const char *key, const char *id) {
    char list[512];
    deviceList(devs, list, sizeof list);
    return violation(HGN_CODE_PlanSchemaViolation, "re-create the plan for this machine", pointer, i, key,
                     "\"%s\" is not a device of this plan (devices: %s)", id ? id : "", list);
}

static HgnStatus checkReferences(const json_t *doc, const json_t *devIdx, const json_t *nodeIdx) {
    json_t *devs = json_object_get(doc, "devices"), *v;
    size_t i;
    json_array_foreach(json_object_get(doc, "nodes"), i, v) {
        const char *d = json_string_value(json_object_get(v, "device"));
        if (!json_object_get(devIdx, d)) return badDevice(devs, "/nodes/%zu/device", i, NULL, d);
    }
    json_array_foreach(json_object_get(doc, "edges"), i, v) {
        for (int k = 0; k < 2; k++) {
            const char *key = k ? "to" : "from";
            const char *n = json_string_value(json_object_get(v, key));
            if (!json_object_get(nodeIdx, n))
                return violation(HGN_CODE_PlanSchemaViolation, "edges join nodes of this plan", "/edges/%zu/%s", i, key,
                                 "\"%s\" is not a node of this plan", n);
        }
    }
    json_array_foreach(json_object_get(doc, "transfers"), i, v) {
        for (int k = 0; k < 2; k++) {
            const char *key = k ? "to" : "from";
            const char *d = json_string_value(json_object_get(v, key));
            if (!json_object_get(devIdx, d)) return badDevice(devs, "/transfers/%zu/%s", i, key, d);
        }
        const char *n = json_string_value(json_object_get(v, "afterNode"));
        if (!json_object_get(nodeIdx, n))
            return violation(HGN_CODE_PlanSchemaViolation, NULL, "/transfers/%zu/afterNode", i, NULL,
                             "\"%s\" is not a node of this plan", n);
    }
    json_array_foreach(json_object_get(doc, "fallbacks"), i, v) {
        const char *d = json_string_value(json_object_get(v, "lostDevice"));
        if (!json_object_get(devIdx, d)) return badDevice(devs, "/fallbacks/%zu/lostDevice", i, NULL, d);
        size_t k;
        json_t *r;
        json_array_foreach(json_object_get(v, "placement"), k, r) {
            const char *rd = json_string_value(json_object_get(r, "device"));
            char ptr[64];
            snprintf(ptr, sizeof ptr, "/fallbacks/%%zu/placement/%zu/device", k);
            if (!json_object_get(devIdx, rd)) return badDevice(devs, ptr, i, NULL, rd);
        }
    }
    json_t *peak = json_object_get(json_object_get(doc, "assertions"), "peakBytes");
    const char *key;
    json_object_foreach(peak, key, v) {
        if (!json_object_get(devIdx, key)) return badDevice(devs, "/assertions/peakBytes/%s", 0, key, key);
    }
    json_array_foreach(devs, i, v) {
        const char *id = json_string_value(json_object_get(v, "id"));
        if (!json_object_get(peak, id))
            return violation(HGN_CODE_PlanSchemaViolation, "list every device in peakBytes", "/assertions/peakBytes%s",
                             0, "", "no peak for device %s", id);
        json_t *r = json_object_get(v, "nodeRange");
        if (json_is_array(r)) {
            json_int_t a = json_integer_value(json_array_get(r, 0)), b = json_integer_value(json_array_get(r, 1));
            if (a < 0 || b < a || (size_t)b >= json_array_size(json_object_get(doc, "nodes")))
                return violation(HGN_CODE_PlanSchemaViolation, NULL, "/devices/%zu/nodeRange", i, NULL,
                                 "range [%lld, %lld] is not a range of nodes", (long long)a, (long long)b);
        }
    }
    return HGN_OK;
}

/* Kahn's algorithm over the edges; a cycle is reported at an edge on it. */
static HgnStatus checkAcyclic(const json_t *doc, const json_t *nodeIdx) {
    json_t *edges = json_object_get(doc, "edges");
    size_t n = json_array_size(json_object_get(doc, "nodes")), m = json_array_size(edges);
    size_t *indeg = hgnCalloc(n + 1, sizeof(size_t)), *start = hgnCalloc(n + 2, sizeof(size_t));
    size_t *adj = hgnMalloc(sizeof(size_t) * (m + 1)), *from = hgnMalloc(sizeof(size_t) * (m + 1));
    size_t *to = hgnMalloc(sizeof(size_t) * (m + 1)), *queue = hgnMalloc(sizeof(size_t) * (n + 1));
    HgnStatus st = HGN_OK;
    if (!indeg || !start || !adj || !from || !to || !queue) {
        st = hgnStatusNew(HGN_CODE_OutOfMemory, "plan", NULL, "cannot check the plan's edges");
        goto done;
    }
    size_t i;
    json_t *v;
    json_array_foreach(edges, i, v) {
        from[i] = (size_t)json_integer_value(json_object_get(nodeIdx, json_string_value(json_object_get(v, "from"))));
        to[i] = (size_t)json_integer_value(json_object_get(nodeIdx, json_string_value(json_object_get(v, "to"))));
        start[from[i] + 1]++;
        indeg[to[i]]++;
    }
    for (size_t x = 0; x < n; x++) start[x + 1] += start[x];
    size_t *fill = queue; /* reuse as cursor before the queue is needed */
    for (size_t x = 0; x < n; x++) fill[x] = start[x];
    for (size_t e = 0; e < m; e++) adj[fill[from[e]]++] = to[e];
    size_t head = 0, tail = 0;
    for (size_t x = 0; x < n; x++)
        if (indeg[x] == 0) queue[tail++] = x;
    while (head < tail) {
        size_t x = queue[head++];
        for (size_t e = start[x]; e < start[x + 1]; e++)
            if (--indeg[adj[e]] == 0) queue[tail++] = adj[e];
    }
    if (tail < n) {
        for (size_t e = 0; e < m; e++)
            if (indeg[to[e]] > 0 && indeg[from[e]] > 0) {
                st = violation(HGN_CODE_PlanSchemaViolation, "a plan's edges form a DAG", "/edges/%zu%s", e, "",
                               "edge %s → %s closes a cycle",
                               json_string_value(json_object_get(json_array_get(edges, e), "from")),
                               json_string_value(json_object_get(json_array_get(edges, e), "to")));
                break;
            }
        if (!st) st = hgnStatusNew(HGN_CODE_PlanSchemaViolation, "/edges", NULL, "the edges contain a cycle");
    }
done:
    hgnFree(indeg);
    hgnFree(start);
    hgnFree(adj);
    hgnFree(from);
    hgnFree(to);
    hgnFree(queue);
    return st;
}

static HgnStatus checkBudgets(const json_t *doc, const json_t *devIdx) {
    json_t *devs = json_object_get(doc, "devices"), *nodes = json_object_get(doc, "nodes"), *v;
    json_t *budgets = json_object_get(doc, "budgets"), *asserts = json_object_get(doc, "assertions");
    json_t *peak = json_object_get(asserts, "peakBytes");
    size_t nDev = json_array_size(devs), i;
    uint64_t *weights = hgnCalloc(nDev + 1, sizeof(uint64_t)), *kv = hgnCalloc(nDev + 1, sizeof(uint64_t));
    if (!weights || !kv) {
        hgnFree(weights);
        hgnFree(kv);
        return hgnStatusNew(HGN_CODE_OutOfMemory, "plan", NULL, "cannot check the budgets");
    }
    json_array_foreach(nodes, i, v) {
        json_int_t d = json_integer_value(json_object_get(devIdx, json_string_value(json_object_get(v, "device"))));
        weights[d] = addSat(weights[d], ju(v, "bytes"));
        kv[d] = addSat(kv[d], ju(v, "kvBytes"));
    }
    HgnStatus st = HGN_OK;
    uint64_t spilled = 0;
    bool haveCpu = false;
    uint64_t cpuWindows = 0; /* the host's RAM: one cpu:0, or the windows of the virtual CPU devices */
    json_array_foreach(devs, i, v) {
        json_t *l = json_object_get(v, "ledger");
        const char *id = json_string_value(json_object_get(v, "id"));
        uint64_t window = ju(v, "memoryWindowBytes");
        uint64_t w = ju(l, "weightsBytes"), k = ju(l, "kvCacheBytes"), a = ju(l, "activationBytes");
        uint64_t o = ju(l, "overheadBytes"), r = ju(l, "reservedBytes"), f = ju(l, "freeBytes"),
                 s = ju(l, "spilledBytes");
        uint64_t used = addSat(addSat(addSat(w, k), addSat(a, o)), r);
        bool cpu = strcmp(json_string_value(json_object_get(v, "kind")), "cpu") == 0;
        if (used > window) {
            st = violation(HGN_CODE_OverBudget, "re-plan with more memory, a shorter context or a smaller quantisation",
                           "/devices/%zu/ledger%s", i, "",
                           "%s needs %llu bytes (weights %llu + KV %llu + activations %llu + overhead %llu + reserved "
                           "%llu) but its window is %llu",
                           id, (unsigned long long)used, (unsigned long long)w, (unsigned long long)k,
                           (unsigned long long)a, (unsigned long long)o, (unsigned long long)r,
                           (unsigned long long)window);
            break;
        }
        if (f != window - used) {
            st = violation(HGN_CODE_PlanSchemaViolation, "freeBytes is the window minus everything in the ledger",
                           "/devices/%zu/ledger/freeBytes%s", i, "", "freeBytes is %llu, the ledger leaves %llu",
                           (unsigned long long)f, (unsigned long long)(window - used));
            break;
        }
        if (s && !cpu) {
            st = violation(HGN_CODE_PlanSchemaViolation, "only the host spills weights to disk",
                           "/devices/%zu/ledger/spilledBytes%s", i, "", "GPU %s cannot spill weights to disk", id);
            break;
        }
        if (addSat(w, s) != weights[i] || k != kv[i]) {
            st = violation(
                HGN_CODE_PlanSchemaViolation, "the ledger is the sum of the device's nodes", "/devices/%zu/ledger/%s",
                i, addSat(w, s) != weights[i] ? "weightsBytes" : "kvCacheBytes",
                "ledger of %s says weights %llu (+%llu spilled), KV %llu; its nodes hold weights %llu, KV %llu", id,
                (unsigned long long)w, (unsigned long long)s, (unsigned long long)k, (unsigned long long)weights[i],
                (unsigned long long)kv[i]);
            break;
        }
        uint64_t pk = ju(peak, id);
        if (pk != addSat(addSat(w, k), addSat(a, o))) {
            st = violation(HGN_CODE_PlanSchemaViolation, "peakBytes is weights + KV + activations + overhead",
                           "/assertions/peakBytes/%s", 0, id, "peak %llu disagrees with the ledger (%llu)",
                           (unsigned long long)pk, (unsigned long long)addSat(addSat(w, k), addSat(a, o)));
            break;
        }
        if (cpu) {
            haveCpu = true;
            cpuWindows = addSat(cpuWindows, window);
        }
        spilled = addSat(spilled, s);
    }
    hgnFree(weights);
    hgnFree(kv);
    if (!st && haveCpu && cpuWindows != ju(budgets, "hostMemoryBytes"))
        st = violation(HGN_CODE_PlanSchemaViolation, NULL, "/budgets/hostMemoryBytes%s", 0, "",
                       "host RAM budget %llu differs from the CPU devices' windows %llu",
                       (unsigned long long)ju(budgets, "hostMemoryBytes"), (unsigned long long)cpuWindows);
    if (st) return st;
    if (!haveCpu)
        return hgnStatusNew(HGN_CODE_PlanSchemaViolation, "/devices", "every plan lists the host as cpu:0",
                            "the plan has no cpu device");
    if (spilled != ju(budgets, "spilledBytes"))
        return hgnStatusNew(HGN_CODE_PlanSchemaViolation, "/budgets/spilledBytes", NULL,
                            "spilledBytes %llu differs from the ledgers' sum %llu",
                            (unsigned long long)ju(budgets, "spilledBytes"), (unsigned long long)spilled);
    if (spilled > ju(budgets, "diskBytes"))
        return hgnStatusNew(HGN_CODE_OverBudget, "/budgets/spilledBytes", "free disk space or add host memory",
                            "%llu bytes of weights spill to disk but only %llu are free", (unsigned long long)spilled,
                            (unsigned long long)ju(budgets, "diskBytes"));
    if (!json_is_true(json_object_get(asserts, "fits")))
        return hgnStatusNew(HGN_CODE_OverBudget, "/assertions/fits", NULL, "the plan says it does not fit");
    double lat = json_number_value(json_object_get(asserts, "decodeLatencyMs"));
    double tps = json_number_value(json_object_get(asserts, "decodeTokensPerSecond"));
    double batch = (double)ju(budgets, "batch");
    const char *objective = json_string_value(json_object_get(json_object_get(doc, "header"), "objective"));
    if (lat > 0 && objective && strcmp(objective, "latency") == 0) {
        double expect = batch * 1000.0 / lat;
        if (fabs(tps - expect) > 1e-6 * expect + 1e-9)
            return hgnStatusNew(HGN_CODE_PlanSchemaViolation, "/assertions/decodeTokensPerSecond", NULL,
                                "%.9g tokens/s disagrees with batch %g at %.9g ms per step (%.9g)", tps, batch, lat,
                                expect);
    }
    if (lat > 0 && tps < batch * 1000.0 / lat * (1 - 1e-6))
        return hgnStatusNew(HGN_CODE_PlanSchemaViolation, "/assertions/decodeTokensPerSecond", NULL,
                            "%.9g tokens/s is below what the step latency gives", tps);
    return HGN_OK;
}

HgnStatus hgnPlanValidate(const json_t *doc) {
    if (!json_is_object(doc)) return hgnStatusNew(HGN_CODE_PlanSchemaViolation, "/", NULL, "a plan is a JSON object");
    HgnStatus st = schemaCheck(doc);
    if (st) return st;
    json_t *devIdx = NULL, *nodeIdx = NULL;
    st = indexIds(json_object_get(doc, "devices"), "devices", &devIdx);
    if (!st) st = indexIds(json_object_get(doc, "nodes"), "nodes", &nodeIdx);
    if (!st) st = checkReferences(doc, devIdx, nodeIdx);
    if (!st) st = checkAcyclic(doc, nodeIdx);
    if (!st) st = checkBudgets(doc, devIdx);
    json_decref(devIdx);
    json_decref(nodeIdx);
    return st;
}
