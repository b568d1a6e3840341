/* testPlacement.c — the placement DP against exhaustive search on seeded
 * random small instances (memory-bound GPUs, host with disk spill, random
 * links, must-run-on / preferred / colocation / anti-affinity constraints,
 * both objectives, locality-first, lost devices): equal cost every time;
 * more memory never makes a feasible instance infeasible nor slower; random
 * plans always pass the validators and targeted corruptions never do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/deviceProfile.h"
#include "huginn/ir.h"
#include "huginn/planner.h"

#define MIB (1ull << 20)

static uint64_t rngState;
static uint64_t rnd(void) {
    rngState = rngState * 6364136223846793005ull + 1442695040888963407ull;
    return rngState >> 33;
}
static uint64_t rndRange(uint64_t lo, uint64_t hi) { return lo + rnd() % (hi - lo + 1); }

static void ok(HgnStatus st) {
    if (st) {
        char *s = hgnStatusToString(st);
        print_error("%s\n", s);
        hgnFree(s);
        hgnStatusFree(st);
        fail();
    }
}

static char *dupName(const char *prefix, uint64_t v) {
    char b[32];
    snprintf(b, sizeof b, "%s%llu", prefix, (unsigned long long)v);
    return hgnStrdup(b);
}

static void randomItems(HgnPlanItems *items, size_t n, size_t nGpus, bool constraints) {
    hgnPlanItemsInit(items);
    items->modelId = hgnStrdup("random");
    items->modelName = hgnStrdup("random");
    items->modelSource = hgnStrdup("graph");
    items->weights = HGN_WEIGHTS_F16;
    items->kvFormat = HGN_WEIGHTS_F16;
    items->isLlm = rnd() % 2;
    for (size_t i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "n%zu", i);
        HgnPlanItem *it;
        ok(hgnPlanItemsAppend(items, name, "op", &it));
        it->layer = (int32_t)i;
        it->weightBytes = rndRange(0, 8) * 64 * MIB;
        it->kvBytesPerToken = rndRange(0, 3) * 1024;
        it->actBytesPerToken = rndRange(0, 4) * 4096;
        it->actBytesFixed = rndRange(0, 4) * MIB;
        it->outBytesPerToken = rndRange(1, 64) * 1024;
        it->flopsPerToken = (double)rndRange(1, 1000) * 1e6;
        it->attnFlopsPerTokenKey = (double)rndRange(0, 10) * 1e3;
        it->kernels = (uint32_t)rndRange(1, 12);
        it->computeDtype = rnd() % 2 ? HGN_WEIGHTS_F16 : HGN_WEIGHTS_F32;
        if (constraints && rnd() % 8 == 0) {
            uint64_t d = rndRange(0, nGpus);
            it->mustRunOn = d == nGpus ? hgnStrdup("cpu:0") : dupName("gpu:", d);
        }
        if (constraints && rnd() % 6 == 0) {
            uint64_t d = rndRange(0, nGpus);
            it->preferredDevice = d == nGpus ? hgnStrdup("cpu:0") : dupName("gpu:", d);
        }
        if (constraints && rnd() % 6 == 0) it->colocationGroup = dupName("g", rnd() % 2);
        if (constraints && rnd() % 6 == 0) it->antiAffinitySet = dupName("a", rnd() % 2);
    }
}

static void randomMachine(HgnMachine *m, size_t nGpus) {
    char json[4096];
    size_t o = 0;
    static const char *const profiles[] = {"rtx-4090", "rtx-3090", "t4", "a100-sxm4-80gb", "l4"};
    /* random draws in statement order (argument evaluation order differs between compilers) */
    unsigned long long hostMem = rndRange(1, 24) * 128 * MIB, cores = rndRange(1, 16);
    o += (size_t)snprintf(json + o, sizeof json - o, "{\"hardwareVersion\":1,\"host\":{\"memory\":%llu,\"cores\":%llu}",
                          hostMem, cores);
    if (rnd() % 2) {
        unsigned long long disk = rndRange(0, 16) * 128 * MIB, bw = rndRange(1, 4) * 1000000000ull;
        o += (size_t)snprintf(json + o, sizeof json - o, ",\"disk\":{\"free\":%llu,\"readBandwidth\":%llu}", disk, bw);
    }
    o += (size_t)snprintf(json + o, sizeof json - o, ",\"gpus\":[");
    for (size_t g = 0; g < nGpus; g++) {
        const char *prof = profiles[rnd() % 5];
        unsigned long long mem = 512 * MIB + rndRange(0, 16) * 64 * MIB;
        o += (size_t)snprintf(json + o, sizeof json - o, "%s{\"profile\":\"%s\",\"memory\":%llu}", g ? "," : "", prof,
                              mem);
    }
    o += (size_t)snprintf(json + o, sizeof json - o, "],\"links\":[");
    bool first = true;
    for (size_t a = 0; a < nGpus; a++)
        for (size_t b = a + 1; b < nGpus; b++)
            if (rnd() % 2) {
                unsigned long long bw = rndRange(1, 100) * 1000000000ull, lat = rndRange(0, 20000);
                o += (size_t)snprintf(json + o, sizeof json - o,
                                      "%s{\"a\":\"gpu:%zu\",\"b\":\"gpu:%zu\",\"bandwidthBytesPerSec\":%llu,"
                                      "\"latencyNs\":%llu}",
                                      first ? "" : ",", a, b, bw, lat);
                first = false;
            }
    snprintf(json + o, sizeof json - o, "]}");
    ok(hgnMachineFromHardwareJson(json, strlen(json), "random", m));
}

static HgnPlanOptions randomOptions(void) {
    HgnPlanOptions o = {0};
    o.policy = (HgnPlanPolicy)(rnd() % 3);
    o.objective = (HgnPlanObjective)(rnd() % 2);
    o.context = rndRange(1, 4096);
    o.batch = rndRange(1, 4);
    o.ubatch = rndRange(1, 64);
    o.createdAt = "2026-01-01T00:00:00Z";
    return o;
}

/* Solves with both methods; returns the DP cost (INFINITY when infeasible). */
static double compare(const HgnPlacementProblem *p) {
    HgnPlacement a, b;
    HgnStatus sa = hgnPlacementSolve(p, &a), sb = hgnPlacementBruteForce(p, &b);
    assert_int_equal(sa == HGN_OK, sb == HGN_OK);
    double cost = INFINITY;
    if (!sa) {
        if (a.cost != b.cost) print_error("DP %.17g vs brute force %.17g\n", a.cost, b.cost);
        assert_true(a.cost == b.cost);
        assert_true(hgnPlacementEvaluate(p, &a) == a.cost);
        cost = a.cost;
        hgnPlacementFree(&a);
        hgnPlacementFree(&b);
    } else {
        assert_true(hgnStatusCode(sa) == HGN_CODE_PlanInfeasible || hgnStatusCode(sa) == HGN_CODE_OverBudget);
        hgnStatusFree(sa);
        hgnStatusFree(sb);
    }
    return cost;
}

static void testDpEqualsBruteForce(void **state) {
    (void)state;
    rngState = 42;
    size_t feasible = 0, infeasible = 0, withLoss = 0;
    for (int round = 0; round < 600; round++) {
        size_t nGpus = rndRange(0, 3), n = rndRange(1, 7);
        HgnPlanItems items;
        HgnMachine m;
        randomItems(&items, n, nGpus, round % 2 == 1);
        randomMachine(&m, nGpus);
        HgnPlanOptions o = randomOptions();
        HgnPlacementProblem *p = NULL;
        ok(hgnPlacementProblemCreate(&items, &m, &o, &p));
        double c = compare(p);
        if (isfinite(c)) {
            feasible++;
            /* lose a device: the DP and brute force still agree */
            size_t lost = rndRange(0, m.count - 1);
            hgnPlacementProblemDisable(p, lost, true);
            (void)compare(p);
            withLoss++;
        } else {
            infeasible++;
        }
        hgnPlacementProblemFree(p);
        hgnMachineFree(&m);
        hgnPlanItemsFree(&items);
    }
    print_message("DP = brute force on %zu feasible, %zu infeasible instances, %zu with a lost device\n", feasible,
                  infeasible, withLoss);
    assert_true(feasible > 100 && infeasible > 20);
}

static void testMoreMemoryNeverHurts(void **state) {
    (void)state;
    rngState = 7;
    size_t checked = 0;
    for (int round = 0; round < 400; round++) {
        size_t nGpus = rndRange(1, 3), n = rndRange(2, 12);
        HgnPlanItems items;
        HgnMachine m;
        randomItems(&items, n, nGpus, false);
        randomMachine(&m, nGpus);
        HgnPlanOptions o = randomOptions();
        HgnPlacementProblem *p = NULL;
        HgnPlacement pl;
        ok(hgnPlacementProblemCreate(&items, &m, &o, &p));
        HgnStatus st = hgnPlacementSolve(p, &pl);
        if (st) {
            hgnStatusFree(st);
        } else {
            double before = pl.cost;
            hgnPlacementFree(&pl);
            size_t d = rndRange(0, m.count - 1);
            m.devices[d].memoryBytes += rndRange(1, 1024) * MIB;
            if (rnd() % 2) m.diskBytes += rndRange(1, 1024) * MIB;
            HgnPlacementProblem *q = NULL;
            ok(hgnPlacementProblemCreate(&items, &m, &o, &q));
            ok(hgnPlacementSolve(q, &pl));
            assert_true(pl.cost <= before);
            hgnPlacementFree(&pl);
            hgnPlacementProblemFree(q);
            checked++;
        }
        hgnPlacementProblemFree(p);
        hgnMachineFree(&m);
        hgnPlanItemsFree(&items);
    }
    assert_true(checked > 100);
}

static void testConstraintsHold(void **state) {
    (void)state;
    HgnPlanItems items;
    hgnPlanItemsInit(&items);
    items.modelId = hgnStrdup("c");
    items.modelName = hgnStrdup("c");
    items.modelSource = hgnStrdup("graph");
    for (int i = 0; i < 6; i++) {
        char name[8];
        snprintf(name, sizeof name, "n%d", i);
        HgnPlanItem *it;
        ok(hgnPlanItemsAppend(&items, name, "op", &it));
        it->weightBytes = 64 * MIB;
        it->flopsPerToken = 1e6;
        it->outBytesPerToken = 1024;
    }
    HgnMachine m;
    const char *hw = "{\"hardwareVersion\":1,\"host\":{\"memory\":\"8GiB\"},\"gpus\":[{\"profile\":\"rtx-4090\"},"
                     "{\"profile\":\"rtx-4090\"}]}";
    ok(hgnMachineFromHardwareJson(hw, strlen(hw), "hw", &m));
    HgnPlanOptions o = {0};
    o.createdAt = "2026-01-01T00:00:00Z";
    /* anti-affinity n1/n4 and must-run-on n5 → cpu:0 */
    items.items[1].antiAffinitySet = hgnStrdup("s");
    items.items[4].antiAffinitySet = hgnStrdup("s");
    items.items[5].mustRunOn = hgnStrdup("cpu:0");
    HgnPlan *plan = NULL;
    ok(hgnPlanCreate(&items, &m, &o, &plan));
    assert_int_not_equal(plan->nodes[1].device, plan->nodes[4].device);
    assert_string_equal(plan->devices[plan->nodes[5].device].id, "cpu:0");
    hgnPlanFree(plan);
    /* colocation n0..n3 */
    items.items[0].colocationGroup = hgnStrdup("g");
    items.items[3].colocationGroup = hgnStrdup("g");
    ok(hgnPlanCreate(&items, &m, &o, &plan));
    for (int i = 1; i <= 3; i++) assert_int_equal(plan->nodes[i].device, plan->nodes[0].device);
    hgnPlanFree(plan);
    /* colocation n0..n4 contradicts anti-affinity n1/n4: HGN-0300 */
    hgnFree(items.items[3].colocationGroup);
    items.items[3].colocationGroup = NULL;
    items.items[4].colocationGroup = hgnStrdup("g");
    HgnStatus st = hgnPlanCreate(&items, &m, &o, &plan);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_PlanInfeasible);
    assert_non_null(strstr(hgnStatusHint(st), "constraint"));
    hgnStatusFree(st);
    /* an unknown device is named with the machine's devices */
    hgnFree(items.items[4].colocationGroup);
    items.items[4].colocationGroup = NULL;
    items.items[2].mustRunOn = hgnStrdup("gpu:7");
    st = hgnPlanCreate(&items, &m, &o, &plan);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_PlanInfeasible);
    assert_non_null(strstr(hgnStatusMessage(st), "gpu:0, gpu:1, cpu:0"));
    hgnStatusFree(st);
    hgnMachineFree(&m);
    hgnPlanItemsFree(&items);
}

/* Random plans pass every validator; corrupting one invariant never does. */
static void testRandomPlansAgainstValidators(void **state) {
    (void)state;
    rngState = 99;
    size_t plans = 0;
    for (int round = 0; round < 300; round++) {
        size_t nGpus = rndRange(0, 3), n = rndRange(1, 16);
        HgnPlanItems items;
        HgnMachine m;
        randomItems(&items, n, nGpus, round % 3 == 0);
        randomMachine(&m, nGpus);
        HgnPlanOptions o = randomOptions();
        o.contextFixed = rnd() % 2;
        HgnPlan *plan = NULL;
        HgnStatus st = hgnPlanCreate(&items, &m, &o, &plan);
        if (st) {
            HgnCode c = hgnStatusCode(st);
            assert_true(c == HGN_CODE_OverBudget || c == HGN_CODE_PlanInfeasible);
            hgnStatusFree(st);
        } else {
            plans++;
            if (o.contextFixed && items.isLlm) assert_int_equal(plan->context, o.context);
            char *text = NULL;
            ok(hgnPlanWriteJson(plan, &text));
            json_t *doc = json_loads(text, 0, NULL);
            assert_non_null(doc);
            ok(hgnPlanValidate(doc));
            /* one corruption of a random kind */
            json_t *nodes = json_object_get(doc, "nodes"), *devs = json_object_get(doc, "devices");
            size_t ni = rnd() % json_array_size(nodes), di = rnd() % json_array_size(devs);
            json_t *ledger = json_object_get(json_array_get(devs, di), "ledger");
            switch (rnd() % 5) {
            case 0:
                json_object_set_new(json_array_get(nodes, ni), "device", json_string("gpu:99"));
                break;
            case 1:
                json_object_set_new(ledger, "freeBytes",
                                    json_integer(json_integer_value(json_object_get(ledger, "freeBytes")) + 1));
                break;
            case 2:
                json_object_set_new(
                    json_array_get(nodes, ni), "bytes",
                    json_integer(json_integer_value(json_object_get(json_array_get(nodes, ni), "bytes")) + 1));
                break;
            case 3:
                json_object_set_new(json_object_get(doc, "assertions"), "fits", json_false());
                break;
            default:
                json_array_append_new(json_object_get(doc, "edges"),
                                      json_pack("{s:s, s:s, s:i}", "from", "n0", "to", "n0", "bytes", 1));
                break;
            }
            st = hgnPlanValidate(doc);
            assert_non_null(st);
            assert_true(hgnStatusCode(st) == HGN_CODE_PlanSchemaViolation || hgnStatusCode(st) == HGN_CODE_OverBudget);
            assert_non_null(hgnStatusWhere(st));
            assert_int_equal(hgnStatusWhere(st)[0], '/');
            hgnStatusFree(st);
            json_decref(doc);
            hgnFree(text);
            hgnPlanFree(plan);
        }
        hgnMachineFree(&m);
        hgnPlanItemsFree(&items);
    }
    assert_true(plans > 100);
}

/* Random DAGs built with the IR API (weights, fan-out, annotations) on random machines: every plan
 * passes the validators, its edges are the graph's data edges, and failures are budget errors. */
static void testRandomGraphs(void **state) {
    (void)state;
    rngState = 2024;
    size_t plans = 0;
    for (int round = 0; round < 200; round++) {
        HgnGraph *g = NULL;
        ok(hgnGraphCreate(&g));
        int32_t vals[64], nVals = 0, v;
        HgnShape sh = {.rank = 2, .dims = {{1, HGN_DIM_KNOWN}, {256, HGN_DIM_KNOWN}}};
        ok(hgnGraphAddValue(g, "in", HGN_DTYPE_F32, &sh, HGN_ROLE_INPUT, &v));
        ok(hgnGraphAddInput(g, v));
        vals[nVals++] = v;
        int nNodes = (int)rndRange(1, 30);
        size_t nGpus = rndRange(0, 3);
        for (int i = 0; i < nNodes; i++) {
            char name[32];
            int32_t in[3], nIn = 0, out;
            in[nIn++] = vals[rnd() % (uint64_t)nVals];
            if (rnd() % 2) in[nIn++] = vals[rnd() % (uint64_t)nVals];
            if (rnd() % 2) {
                HgnShape ws = {.rank = 2,
                               .dims = {{(int64_t)rndRange(1, 64) * 1024, HGN_DIM_KNOWN}, {256, HGN_DIM_KNOWN}}};
                snprintf(name, sizeof name, "w%d", i);
                ok(hgnGraphAddValue(g, name, HGN_DTYPE_F16, &ws, HGN_ROLE_WEIGHT, &in[nIn++]));
            }
            HgnShape os = {.rank = 2, .dims = {{(int64_t)rndRange(1, 8), HGN_DIM_KNOWN}, {256, HGN_DIM_KNOWN}}};
            snprintf(name, sizeof name, "v%d", i);
            ok(hgnGraphAddValue(g, name, HGN_DTYPE_F32, &os, HGN_ROLE_ACTIVATION, &out));
            HgnNodeSpec spec = {.op = rnd() % 2 ? "MatMul" : "Add",
                                .inputs = in,
                                .nInputs = nIn,
                                .outputs = &out,
                                .nOutputs = 1,
                                .layer = i};
            int32_t node;
            ok(hgnGraphAddNode(g, &spec, &node));
            if (rnd() % 10 == 0) {
                HgnNodeAnnotations ann = {.quantBackends = HGN_QUANT_ALLOW_ALL};
                char dev[16];
                snprintf(dev, sizeof dev, "gpu:%llu", (unsigned long long)rndRange(0, nGpus));
                if (rnd() % 2) ann.deviceHint = rnd() % 2 ? "cpu:0" : dev;
                if (rnd() % 2) ann.colocationGroup = "c";
                if (rnd() % 2) ann.antiAffinitySet = "a";
                ok(hgnGraphSetAnnotations(g, node, &ann));
            }
            if (nVals < 64) vals[nVals++] = out;
        }
        ok(hgnGraphAddOutput(g, vals[nVals - 1]));
        ok(hgnGraphFinalize(g));
        HgnPlanItems items;
        ok(hgnPlanItemsFromGraph(g, &items));
        assert_int_equal(items.count, (size_t)hgnGraphNodeCount(g));
        HgnMachine m;
        randomMachine(&m, nGpus);
        HgnPlanOptions o = randomOptions();
        HgnPlan *plan = NULL;
        HgnStatus st = hgnPlanCreate(&items, &m, &o, &plan);
        if (st) {
            HgnCode c = hgnStatusCode(st);
            assert_true(c == HGN_CODE_OverBudget || c == HGN_CODE_PlanInfeasible);
            hgnStatusFree(st);
        } else {
            plans++;
            assert_int_equal(plan->nEdges, items.nEdges);
            for (size_t e = 0; e < plan->nEdges; e++) assert_true(plan->edges[e].from < plan->edges[e].to);
            char *text = NULL;
            ok(hgnPlanWriteJson(plan, &text));
            HgnPlan *back = NULL;
            ok(hgnPlanReadJson(text, strlen(text), "random.json", &back));
            hgnPlanFree(back);
            hgnFree(text);
            hgnPlanFree(plan);
        }
        hgnMachineFree(&m);
        hgnPlanItemsFree(&items);
        hgnGraphFree(g);
    }
    print_message("%zu random graphs planned and validated\n", plans);
    assert_true(plans > 50);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testDpEqualsBruteForce), cmocka_unit_test(testMoreMemoryNeverHurts),
        cmocka_unit_test(testConstraintsHold),    cmocka_unit_test(testRandomPlansAgainstValidators),
        cmocka_unit_test(testRandomGraphs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
