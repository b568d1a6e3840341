/* benchOnnx.c — import speed: parse + IR + shape inference of the largest
 * libonnx-testdata model (target < 10 ms), and of a synthetic 5,000-node
 * graph, both as ONNX bytes and built directly through the IR API. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../tests/onnxBuild.h"
#include "core/alloc.h"
#include "huginn/ir.h"
#include "huginn/onnx.h"

#define TESTDATA "/usr/share/libonnx-testdata/data"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void findLargest(char *best, size_t bestSize, off_t *bestBytes) {
    static const char *const groups[] = {"node", "pytorch-converted", "pytorch-operator", "simple"};
    for (size_t gi = 0; gi < 4; gi++) {
        char dir[512];
        snprintf(dir, sizeof dir, "%s/%s", TESTDATA, groups[gi]);
        DIR *d = opendir(dir);
        if (!d) continue;
        struct dirent *de;
        while ((de = readdir(d))) {
            char p[1024];
            struct stat sb;
            snprintf(p, sizeof p, "%s/%s/model.onnx", dir, de->d_name);
            if (de->d_name[0] != '.' && stat(p, &sb) == 0 && sb.st_size > *bestBytes) {
                *bestBytes = sb.st_size;
                snprintf(best, bestSize, "%s", p);
            }
        }
        closedir(d);
    }
}

static int check(HgnStatus st) {
    if (!st) return 0;
    char *s = hgnStatusToString(st);
    fprintf(stderr, "%s\n", s);
    hgnFree(s);
    hgnStatusFree(st);
    return 1;
}

/* x[batch,64] → 1,250 × (MatMul w[64,64] → Add b → Relu → Reshape [-1,64]) = 5,000 nodes */
static uint8_t *syntheticOnnx(int nBlocks, size_t *size) {
    Onnx__GraphProto *g = obGraph();
    int64_t xd[] = {-1, 64};
    const char *xs[] = {"batch", NULL};
    OB_PUSH(g->input, g->n_input, obValueInfo("x", 1, 2, xd, xs));
    int64_t two = 2, shape[2] = {-1, 64};
    OB_PUSH(g->initializer, g->n_initializer, obTensorI64("shape", 1, &two, 2, shape));
    static float w[64 * 64], b[64];
    char prev[32] = "x";
    for (int i = 0; i < nBlocks; i++) {
        char wn[32], bn[32], m[32], a[32], r[32], o[32], ins[96];
        snprintf(wn, sizeof wn, "w%d", i);
        snprintf(bn, sizeof bn, "b%d", i);
        for (int k = 0; k < 2; k++) {
            Onnx__TensorProto *t = obAlloc(sizeof *t);
            onnx__tensor_proto__init(t);
            t->name = obStr(k ? bn : wn);
            t->has_data_type = 1;
            t->data_type = 1;
            t->dims = obAlloc(2 * sizeof(int64_t));
            t->dims[0] = 64, t->dims[1] = 64;
            t->n_dims = k ? 1 : 2;
            t->has_raw_data = 1;
            t->raw_data.data = (uint8_t *)(k ? b : w);
            t->raw_data.len = k ? sizeof b : sizeof w;
            OB_PUSH(g->initializer, g->n_initializer, t);
        }
        snprintf(m, sizeof m, "m%d", i);
        snprintf(a, sizeof a, "a%d", i);
        snprintf(r, sizeof r, "r%d", i);
        snprintf(o, sizeof o, "o%d", i);
        snprintf(ins, sizeof ins, "%s,%s", prev, wn);
        obNode(g, "MatMul", m, ins, m);
        snprintf(ins, sizeof ins, "%s,%s", m, bn);
        obNode(g, "Add", a, ins, a);
        obNode(g, "Relu", r, a, r);
        snprintf(ins, sizeof ins, "%s,shape", r);
        obNode(g, "Reshape", o, ins, o);
        snprintf(prev, sizeof prev, "%s", o);
    }
    OB_PUSH(g->output, g->n_output, obValueInfo(prev, 1, -1, NULL, NULL));
    return obPack(g, 13, size);
}

static HgnStatus syntheticApi(int nNodes, HgnGraph **pg) {
    HgnGraph *g;
    HgnStatus st = hgnGraphCreate(&g);
    if (st) return st;
    HgnShape s = {.rank = 3};
    s.dims[0] = (HgnDim){0, hgnGraphSymbol(g, "batch")};
    s.dims[1] = (HgnDim){0, hgnGraphSymbol(g, "seq")};
    s.dims[2] = (HgnDim){4096, HGN_DIM_KNOWN};
    int32_t prev;
    st = hgnGraphAddValue(g, "x", HGN_DTYPE_F32, &s, HGN_ROLE_INPUT, &prev);
    if (!st) st = hgnGraphAddInput(g, prev);
    for (int i = 0; !st && i < nNodes; i++) {
        char name[32];
        snprintf(name, sizeof name, "t%d", i);
        int32_t v;
        if ((st = hgnGraphAddValue(g, name, HGN_DTYPE_F32, NULL, HGN_ROLE_ACTIVATION, &v))) break;
        HgnNodeSpec spec = {.op = i % 2 ? "Relu" : "Sigmoid",
                            .inputs = &prev,
                            .nInputs = 1,
                            .outputs = &v,
                            .nOutputs = 1,
                            .layer = i / 100};
        int32_t id;
        st = hgnGraphAddNode(g, &spec, &id);
        prev = v;
    }
    if (!st) st = hgnGraphAddOutput(g, prev);
    if (!st) st = hgnGraphInferShapes(g);
    if (st) {
        hgnGraphFree(g);
        return st;
    }
    *pg = g;
    return HGN_OK;
}

int main(void) {
    char path[1024] = "";
    off_t bytes = 0;
    findLargest(path, sizeof path, &bytes);
    if (!*path) {
        printf("SKIP largest-model import: %s is missing\n", TESTDATA);
    } else {
        int iters = 2000;
        double best = 1e9, total = 0;
        int nodes = 0;
        for (int i = 0; i < iters; i++) {
            HgnGraph *g = NULL;
            double t0 = now();
            if (check(hgnOnnxImport(path, &g))) return 1;
            double dt = now() - t0;
            nodes = hgnGraphNodeCount(g);
            hgnGraphFree(g);
            total += dt;
            if (dt < best) best = dt;
        }
        printf("import %s (%lld bytes, %d nodes): mean %.3f ms, best %.3f ms (target < 10 ms) %s\n", path,
               (long long)bytes, nodes, total / iters * 1e3, best * 1e3, total / iters < 0.010 ? "OK" : "SLOW");
    }
    if (*path) { /* every model of the test data, once */
        static const char *const groups[] = {"node", "pytorch-converted", "pytorch-operator", "simple"};
        int nModels = 0, nOk = 0, maxNodes = 0;
        double t0 = now(), worst = 0;
        char worstName[600] = "";
        for (size_t gi = 0; gi < 4; gi++) {
            char dir[512];
            snprintf(dir, sizeof dir, "%s/%s", TESTDATA, groups[gi]);
            DIR *d = opendir(dir);
            if (!d) continue;
            struct dirent *de;
            while ((de = readdir(d))) {
                if (de->d_name[0] == '.') continue;
                char p[1024];
                snprintf(p, sizeof p, "%s/%s/model.onnx", dir, de->d_name);
                HgnGraph *g = NULL;
                double t1 = now();
                HgnStatus st = hgnOnnxImport(p, &g);
                double dt = now() - t1;
                if (dt > worst) worst = dt, snprintf(worstName, sizeof worstName, "%s", de->d_name);
                nModels++;
                if (!st) {
                    nOk++;
                    if (hgnGraphNodeCount(g) > maxNodes) maxNodes = hgnGraphNodeCount(g);
                }
                hgnStatusFree(st);
                hgnGraphFree(g);
            }
            closedir(d);
        }
        double all = now() - t0;
        printf("all %d test models (%d imported with shapes, up to %d nodes): %.1f ms total, %.3f ms mean, slowest "
               "%.3f ms (%s)\n",
               nModels, nOk, maxNodes, all * 1e3, all / nModels * 1e3, worst * 1e3, worstName);
    }
    size_t size;
    uint8_t *buf = syntheticOnnx(1250, &size);
    {
        double bestParse = 1e9;
        for (int i = 0; i < 5; i++) {
            HgnGraph *g = NULL;
            double t0 = now();
            if (check(hgnOnnxLoadBuffer(buf, size, "synthetic.onnx", NULL, &g))) return 1;
            double dt = now() - t0;
            hgnGraphFree(g);
            if (dt < bestParse) bestParse = dt;
        }
        printf("synthetic ONNX parse + IR (no shape inference) best %.2f ms\n", bestParse * 1e3);
    }
    double best = 1e9;
    int nodes = 0;
    for (int i = 0; i < 5; i++) {
        HgnGraph *g = NULL;
        double t0 = now();
        if (check(hgnOnnxLoadBuffer(buf, size, "synthetic.onnx", NULL, &g))) return 1;
        if (check(hgnGraphInferShapes(g))) return 1;
        double dt = now() - t0;
        nodes = hgnGraphNodeCount(g);
        char s[128];
        const HgnValue *out = hgnGraphValue(g, hgnGraphOutput(g, 0));
        if (i == 0) printf("synthetic output %s %s\n", out->name, hgnShapeFormat(g, &out->shape, s, sizeof s));
        hgnGraphFree(g);
        if (dt < best) best = dt;
    }
    printf("synthetic ONNX %d nodes (%zu bytes): parse + IR + shape inference best %.2f ms (%.2f us/node)\n", nodes,
           size, best * 1e3, best * 1e6 / nodes);
    obFreeAll();
    best = 1e9;
    for (int i = 0; i < 5; i++) {
        HgnGraph *g = NULL;
        double t0 = now();
        if (check(syntheticApi(5000, &g))) return 1;
        double dt = now() - t0;
        hgnGraphFree(g);
        if (dt < best) best = dt;
    }
    printf("synthetic IR API 5000 nodes: build + finalize + shape inference + re-finalize best %.2f ms\n", best * 1e3);
    return 0;
}
