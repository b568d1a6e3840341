/* benchPlanner.c — planner timings against the targets:
 * Llama-3.1-405B on the 16-GPU DGX-2 topology (< 100 ms, with and without the
 * 16 device-loss re-plans), a 5,000-node ONNX-style graph (< 100 ms), and
 * writing + reading + validating the 405B plan (< 50 ms). Prints
 * milliseconds per call (median of several runs). Run from the repository
 * root or set HGN_SOURCE_DIR. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "huginn/diagnostics.h"
#include "huginn/planner.h"
#include "huginn/registry.h"

#define RUNS 9

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmpDouble(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmpDouble);
    return v[n / 2];
}

static int check(HgnStatus st, const char *what) {
    if (!st) return 0;
    fprintf(stderr, "benchPlanner: %s: %s\n", what, hgnStatusMessage(st));
    hgnStatusFree(st);
    return 1;
}

/* A chain of 2,500 MatMul + Relu pairs over [1, 1024] activations with [1024, 1024] f32 weights. */
static HgnStatus buildGraph(HgnGraph **out) {
    HgnGraph *g = NULL;
    HgnStatus st = hgnGraphCreate(&g);
    if (st) return st;
    HgnShape act = {.rank = 2, .dims = {{1, HGN_DIM_KNOWN}, {1024, HGN_DIM_KNOWN}}};
    HgnShape w = {.rank = 2, .dims = {{1024, HGN_DIM_KNOWN}, {1024, HGN_DIM_KNOWN}}};
    int32_t cur;
    st = hgnGraphAddValue(g, "x", HGN_DTYPE_F32, &act, HGN_ROLE_INPUT, &cur);
    if (!st) st = hgnGraphAddInput(g, cur);
    char name[64];
    for (int i = 0; i < 2500 && !st; i++) {
        int32_t wv, mm, rl, node;
        snprintf(name, sizeof name, "w%d", i);
        st = hgnGraphAddValue(g, name, HGN_DTYPE_F32, &w, HGN_ROLE_WEIGHT, &wv);
        snprintf(name, sizeof name, "mm%d", i);
        if (!st) st = hgnGraphAddValue(g, name, HGN_DTYPE_F32, &act, HGN_ROLE_ACTIVATION, &mm);
        snprintf(name, sizeof name, "relu%d", i);
        if (!st) st = hgnGraphAddValue(g, name, HGN_DTYPE_F32, &act, HGN_ROLE_ACTIVATION, &rl);
        if (st) break;
        int32_t in[2] = {cur, wv};
        HgnNodeSpec mmSpec = {.op = "MatMul", .inputs = in, .nInputs = 2, .outputs = &mm, .nOutputs = 1, .layer = -1};
        st = hgnGraphAddNode(g, &mmSpec, &node);
        HgnNodeSpec rlSpec = {.op = "Relu", .inputs = &mm, .nInputs = 1, .outputs = &rl, .nOutputs = 1, .layer = -1};
        if (!st) st = hgnGraphAddNode(g, &rlSpec, &node);
        cur = rl;
    }
    if (!st) st = hgnGraphAddOutput(g, cur);
    if (!st) st = hgnGraphFinalize(g);
    if (st) {
        hgnGraphFree(g);
        return st;
    }
    *out = g;
    return HGN_OK;
}

int main(void) {
    const char *root = getenv("HGN_SOURCE_DIR");
    char path[1024];
    HgnRegistry *reg = NULL;
    if (check(hgnRegistryLoad(&reg), "registry")) return 1;
    const HgnModelSpec *spec = hgnRegistryFind(reg, "llama-3.1-405b");
    HgnDiagnosticsOptions dopts = {0};
    dopts.nvmlLibrary = "";
    snprintf(path, sizeof path, "%s/tests/data/topologies/nvidiaDGX2.xml", root ? root : ".");
    dopts.topologyXml = path;
    json_t *topo = NULL;
    if (check(hgnDiagnosticsTopology(&dopts, &topo), "DGX-2 topology")) return 1;
    HgnMachine dgx;
    if (check(hgnMachineFromTopology(topo, 0, &dgx), "machine")) return 1;
    json_decref(topo);

    HgnPlanOptions o = {0};
    o.context = 4096;
    o.contextFixed = true;
    o.createdAt = "2026-01-01T00:00:00Z";
    double t[RUNS];
    HgnPlan *plan = NULL;
    for (int mode = 0; mode < 2; mode++) {
        o.noFallbacks = mode == 0;
        for (int r = 0; r < RUNS; r++) {
            double t0 = now();
            HgnPlanItems items;
            if (check(
                    hgnPlanItemsFromSpec(spec, (HgnWeightQuant){.format = spec->nativeDtype}, HGN_WEIGHTS_F16, &items),
                    "items"))
                return 1;
            hgnPlanFree(plan);
            plan = NULL;
            if (check(hgnPlanCreate(&items, &dgx, &o, &plan), "plan 405B")) return 1;
            hgnPlanItemsFree(&items);
            t[r] = (now() - t0) * 1e3;
        }
        printf("plan Llama-3.1-405B on DGX-2 (16 GPUs + host, %s): %.2f ms (target < 100 ms)\n",
               mode == 0 ? "placement only" : "with 17 device-loss re-plans", median(t, RUNS));
    }

    for (int r = 0; r < RUNS; r++) {
        double t0 = now();
        char *text = NULL;
        HgnPlan *back = NULL;
        if (check(hgnPlanWriteJson(plan, &text), "write")) return 1;
        if (check(hgnPlanReadJson(text, strlen(text), "plan.json", &back), "read")) return 1;
        t[r] = (now() - t0) * 1e3;
        if (r == 0) printf("405B plan.json: %zu bytes, %zu nodes\n", strlen(text), plan->nNodes);
        hgnFree(text);
        hgnPlanFree(back);
    }
    printf("write + read + validate the 405B plan: %.2f ms (target < 50 ms)\n", median(t, RUNS));
    hgnPlanFree(plan);

    HgnGraph *g = NULL;
    if (check(buildGraph(&g), "graph")) return 1;
    HgnMachine m;
    snprintf(path, sizeof path, "%s/tests/data/hardware/twoGpus64gNvme.json", root ? root : ".");
    if (check(hgnMachineFromHardwareFile(path, &m), "hardware")) return 1;
    for (int mode = 0; mode < 2; mode++) {
        o.noFallbacks = mode == 0;
        for (int r = 0; r < RUNS; r++) {
            double t0 = now();
            HgnPlanItems items;
            if (check(hgnPlanItemsFromGraph(g, &items), "graph items")) return 1;
            HgnPlan *p = NULL;
            if (check(hgnPlanCreate(&items, &m, &o, &p), "plan graph")) return 1;
            t[r] = (now() - t0) * 1e3;
            if (r == 0 && mode == 0) printf("5,000-node graph: %zu nodes, %zu edges\n", p->nNodes, p->nEdges);
            hgnPlanFree(p);
            hgnPlanItemsFree(&items);
        }
        printf("plan a 5,000-node graph on 2 GPUs + host (%s): %.2f ms (target < 100 ms)\n",
               mode == 0 ? "placement only" : "with device-loss re-plans", median(t, RUNS));
    }
    hgnGraphFree(g);
    hgnMachineFree(&m);
    hgnMachineFree(&dgx);
    hgnRegistryFree(reg);
    return 0;
}
