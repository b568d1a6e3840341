/* planDiff.c — `huginn plan diff A B`: the semantic differences between two
 * plans (header fields that matter, devices, node ranges, ledgers, budgets,
 * assertions, nodes that moved), as a list of {kind, path, a, b, delta}. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/plan.h"

typedef struct Diff {
    json_t *list;
    bool failed;
} Diff;

static void add(Diff *df, const char *kind, const char *path, json_t *a, json_t *b, json_t *delta) {
    json_t *o = json_object();
    if (!o || !a || !b || json_object_set_new(o, "kind", json_string(kind)) ||
        json_object_set_new(o, "path", json_string(path)) || json_object_set_new(o, "a", a) ||
        json_object_set_new(o, "b", b) || (delta && json_object_set_new(o, "delta", delta)) ||
        json_array_append_new(df->list, o)) {
        df->failed = true;
        json_decref(o);
    }
}

static json_t *strOrNull(const char *s) { return s ? json_string(s) : json_null(); }

static void str(Diff *df, const char *kind, const char *path, const char *a, const char *b) {
    if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0)) add(df, kind, path, strOrNull(a), strOrNull(b), NULL);
}

static json_int_t ji(uint64_t v) { return v > INT64_MAX ? INT64_MAX : (json_int_t)v; }

static void u64(Diff *df, const char *kind, const char *path, uint64_t a, uint64_t b) {
    if (a != b)
        add(df, kind, path, json_integer(ji(a)), json_integer(ji(b)),
            json_integer((json_int_t)((int64_t)ji(b) - (int64_t)ji(a))));
}

/* Reals differ when they differ by more than 0.5 % (rounding noise is not a difference). */
static void real(Diff *df, const char *kind, const char *path, double a, double b) {
    double scale = fmax(fabs(a), fabs(b));
    if (scale == 0 || fabs(a - b) <= 0.005 * scale) return;
    double pct = a != 0 ? (b - a) / a * 100 : 0;
    char buf[32];
    snprintf(buf, sizeof buf, "%+.1f %%", pct);
    add(df, kind, path, json_real(a), json_real(b), json_string(buf));
}

static void boolean(Diff *df, const char *kind, const char *path, bool a, bool b) {
    if (a != b) add(df, kind, path, json_boolean(a), json_boolean(b), NULL);
}

static int findDevice(const HgnPlan *p, const char *id) {
    for (size_t d = 0; d < p->nDevices; d++)
        if (p->devices[d].id && strcmp(p->devices[d].id, id) == 0) return (int)d;
    return -1;
}

static json_t *range(const HgnPlan *p, const HgnPlanDevice *d) {
    if (d->firstNode < 0 || (size_t)d->lastNode >= p->nNodes) return json_null();
    return json_pack("[s, s]", p->nodes[d->firstNode].id, p->nodes[d->lastNode].id);
}

HgnStatus hgnPlanDiff(const HgnPlan *a, const HgnPlan *b, json_t **out) {
    *out = NULL;
    Diff df = {json_array(), false};
    if (!df.list) return hgnStatusNew(HGN_CODE_OutOfMemory, "plan diff", NULL, "cannot allocate the difference list");
    char path[256];
    str(&df, "header", "/header/model/id", a->modelId, b->modelId);
    str(&df, "header", "/header/model/source", a->modelSource, b->modelSource);
    str(&df, "header", "/header/model/graphDigest", a->graphDigest, b->graphDigest);
    str(&df, "header", "/header/model/weights", a->weightsFormat, b->weightsFormat);
    str(&df, "header", "/header/model/kvCache", a->kvFormat, b->kvFormat);
    str(&df, "header", "/header/topologyDigest", a->topologyDigest, b->topologyDigest);
    str(&df, "header", "/header/configHash", a->configHash, b->configHash);
    str(&df, "header", "/header/policy", a->policy, b->policy);
    str(&df, "header", "/header/objective", a->objective, b->objective);
    u64(&df, "header", "/header/seed", a->seed, b->seed);
    for (size_t d = 0; d < a->nDevices; d++)
        if (findDevice(b, a->devices[d].id) < 0) {
            snprintf(path, sizeof path, "/devices/%s", a->devices[d].id);
            add(&df, "device", path, json_string(a->devices[d].id), json_null(), NULL);
        }
    for (size_t d = 0; d < b->nDevices; d++) {
        const HgnPlanDevice *db = &b->devices[d];
        int ia = findDevice(a, db->id);
        if (ia < 0) {
            snprintf(path, sizeof path, "/devices/%s", db->id);
            add(&df, "device", path, json_null(), json_string(db->id), NULL);
            continue;
        }
        const HgnPlanDevice *da = &a->devices[ia];
        json_t *ra = range(a, da), *rb = range(b, db);
        if (!json_equal(ra, rb)) {
            snprintf(path, sizeof path, "/devices/%s/nodeRange", db->id);
            add(&df, "range", path, ra, rb, NULL);
        } else {
            json_decref(ra);
            json_decref(rb);
        }
        const struct {
            const char *name;
            uint64_t va, vb;
        } ledger[] = {
            {"memoryWindowBytes", da->memoryWindowBytes, db->memoryWindowBytes},
            {"ledger/weightsBytes", da->ledger.weightsBytes, db->ledger.weightsBytes},
            {"ledger/kvCacheBytes", da->ledger.kvCacheBytes, db->ledger.kvCacheBytes},
            {"ledger/activationBytes", da->ledger.activationBytes, db->ledger.activationBytes},
            {"ledger/overheadBytes", da->ledger.overheadBytes, db->ledger.overheadBytes},
            {"ledger/reservedBytes", da->ledger.reservedBytes, db->ledger.reservedBytes},
            {"ledger/spilledBytes", da->ledger.spilledBytes, db->ledger.spilledBytes},
            {"ledger/freeBytes", da->ledger.freeBytes, db->ledger.freeBytes},
        };
        for (size_t k = 0; k < sizeof ledger / sizeof ledger[0]; k++) {
            snprintf(path, sizeof path, "/devices/%s/%s", db->id, ledger[k].name);
            u64(&df, k == 0 ? "device" : "ledger", path, ledger[k].va, ledger[k].vb);
        }
        snprintf(path, sizeof path, "/devices/%s/decodeSeconds", db->id);
        real(&df, "time", path, da->decodeSeconds, db->decodeSeconds);
    }
    /* nodes present in both that run on another device */
    size_t moved = 0;
    for (size_t i = 0; i < b->nNodes; i++)
        for (size_t j = 0; j < a->nNodes; j++) {
            if (strcmp(a->nodes[j].id, b->nodes[i].id) != 0) continue;
            const char *da = (size_t)a->nodes[j].device < a->nDevices ? a->devices[a->nodes[j].device].id : "?";
            const char *db = (size_t)b->nodes[i].device < b->nDevices ? b->devices[b->nodes[i].device].id : "?";
            if (strcmp(da, db) != 0 && moved++ < 64) {
                snprintf(path, sizeof path, "/nodes/%s/device", b->nodes[i].id);
                add(&df, "node", path, json_string(da), json_string(db), NULL);
            }
            break;
        }
    u64(&df, "node", "/nodes/count", a->nNodes, b->nNodes);
    u64(&df, "budget", "/budgets/context", a->context, b->context);
    u64(&df, "budget", "/budgets/batch", a->batch, b->batch);
    u64(&df, "budget", "/budgets/ubatch", a->ubatch, b->ubatch);
    boolean(&df, "budget", "/budgets/contextFixed", a->contextFixed, b->contextFixed);
    u64(&df, "budget", "/budgets/hostMemoryBytes", a->hostMemoryBytes, b->hostMemoryBytes);
    u64(&df, "budget", "/budgets/diskBytes", a->diskBytes, b->diskBytes);
    u64(&df, "budget", "/budgets/spilledBytes", a->spilledBytes, b->spilledBytes);
    boolean(&df, "assertion", "/assertions/fits", a->fits, b->fits);
    real(&df, "assertion", "/assertions/decodeTokensPerSecond", a->decodeTokensPerSecond, b->decodeTokensPerSecond);
    real(&df, "assertion", "/assertions/prefillTokensPerSecond", a->prefillTokensPerSecond, b->prefillTokensPerSecond);
    real(&df, "assertion", "/assertions/decodeLatencyMs", a->decodeLatencyMs, b->decodeLatencyMs);
    u64(&df, "transfer", "/transfers/count", a->nTransfers, b->nTransfers);
    if (df.failed) {
        json_decref(df.list);
        return hgnStatusNew(HGN_CODE_OutOfMemory, "plan diff", NULL, "cannot allocate the difference list");
    }
    *out = df.list;
    return HGN_OK;
}
