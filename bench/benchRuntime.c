/* benchRuntime.c — the local runtime on a ~1B-parameter Llama GGUF written by
 * tools/makeModel (into /tmp, at bench time) in F16, Q8_0 and Q4_0, at 1 and
 * 2 threads, against this machine's limits measured in the same run:
 *  - decode tokens/s and the ratio decode ÷ (triad bandwidth ÷ weight bytes
 *    read per token) (target ≥ 70 % for Q8_0/Q4_0);
 *  - prefill tokens/s and the ratio to OpenBLAS sgemm on the same shapes
 *    (every matrix of the model, M = prompt tokens) (target ≥ 60 %);
 *  - peak memory and decode step latency against a plan of the model for a
 *    CPU-only machine (planner API; targets ±10 % and ±20 %).
 * Usage: benchRuntime [--quick] [--threads N] [--keep] (default: 1 and 2
 * threads; --quick: a ~125M model). The makeModel binary is looked up next to
 * this program. */
#include <cblas.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "huginn/calibrate.h"
#include "huginn/gguf.h"
#include "huginn/llmGraph.h"
#include "huginn/planner.h"
#include "huginn/runtime.h"
#include "runtime/threadPool.h"

void openblas_set_num_threads(int n);

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, HgnStatus st) {
    fprintf(stderr, "benchRuntime: %s: %s (%s)\n", what, st ? hgnStatusMessage(st) : "failed",
            st && hgnStatusWhere(st) ? hgnStatusWhere(st) : "");
    exit(1);
}

/* ---- triad ------------------------------------------------------------------------------ */

typedef struct Triad {
    float *a, *b, *c;
} Triad;

static void triadRange(void *ctx, int64_t begin, int64_t end, int thread) {
    (void)thread;
    Triad *t = ctx;
    for (int64_t i = begin; i < end; i++) t->a[i] = t->b[i] + 3.0f * t->c[i];
}

static double triadGBs(int threads) {
    int64_t n = 48 << 20; /* 3 × 192 MiB */
    Triad t = {malloc((size_t)n * 4), malloc((size_t)n * 4), malloc((size_t)n * 4)};
    if (!t.a || !t.b || !t.c) die("triad arrays", NULL);
    memset(t.a, 0, (size_t)n * 4), memset(t.b, 1, (size_t)n * 4), memset(t.c, 2, (size_t)n * 4);
    HgnThreadPool *pool = NULL;
    HgnStatus st = hgnThreadPoolCreate(threads, &pool);
    if (st) die("thread pool", st);
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        hgnThreadPoolFor(pool, n, 4096, triadRange, &t);
        double dt = now() - t0;
        if (rep > 0 && dt < best) best = dt;
    }
    hgnThreadPoolFree(pool);
    free(t.a), free(t.b), free(t.c);
    return 3.0 * 4.0 * (double)n / best / 1e9;
}

/* ---- the model ---------------------------------------------------------------------- */

typedef struct Shape {
    int layers, dim, heads, kvHeads, ffn, vocab;
} Shape;

static void makeModel(const char *self, const Shape *s, const char *type, const char *out) {
    char exe[PATH_MAX], dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", self);
    snprintf(exe, sizeof exe, "%s/makeModel", dirname(dir));
    if (access(out, R_OK) == 0) return; /* kept from an earlier run (--keep) */
    char cmd[2 * PATH_MAX];
    snprintf(cmd, sizeof cmd,
             "'%s' --layers %d --dim %d --heads %d --kv-heads %d --ffn %d --vocab %d --ctx 2048 --type %s --seed 1 "
             "--quiet --out '%s'",
             exe, s->layers, s->dim, s->heads, s->kvHeads, s->ffn, s->vocab, type, out);
    double t0 = now();
    if (system(cmd) != 0) {
        fprintf(stderr, "benchRuntime: `%s` failed\n", cmd);
        exit(1);
    }
    printf("  wrote %s (%s) in %.1f s\n", out, type, now() - t0);
}

/* sgemm rate (GFLOP/s) over one layer's matrices (f32) with M = tokens:
 * the products prefill computes, at the thread count given. */
static double sgemmGflops(const Shape *s, int tokens, int threads) {
    int64_t kv = (int64_t)s->dim / s->heads * s->kvHeads;
    int64_t shapes[][2] = {{s->dim, s->dim}, {kv, s->dim},     {kv, s->dim},    {s->dim, s->dim},
                           {s->ffn, s->dim}, {s->ffn, s->dim}, {s->dim, s->ffn}};
    size_t maxW = (size_t)s->ffn * (size_t)s->dim, maxV = (size_t)tokens * (size_t)s->ffn;
    float *w = calloc(maxW, 4), *x = calloc(maxV, 4), *y = calloc(maxV, 4);
    if (!w || !x || !y) die("sgemm buffers", NULL);
    for (size_t i = 0; i < maxW; i++) w[i] = (float)(i % 7) * 0.01f;
    openblas_set_num_threads(threads);
    double best = 0;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now(), f = 0;
        for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
            int64_t n = shapes[k][0], kk = shapes[k][1];
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, tokens, (int)n, (int)kk, 1.0f, x, (int)kk, w, (int)kk,
                        0.0f, y, (int)n);
            f += 2.0 * tokens * (double)n * (double)kk;
        }
        double r = f / (now() - t0) / 1e9;
        if (r > best) best = r;
    }
    free(w), free(x), free(y);
    return best;
}

/* ---- plan prediction -------------------------------------------------------------------- */

static HgnPlan *planFor(const char *path, int threads, uint64_t context, const HgnCalibration *cal) {
    HgnGgufFile *f = NULL;
    HgnStatus st = hgnGgufOpen(path, &f);
    if (st) die("open for planning", st);
    HgnGraph *g = NULL;
    if ((st = hgnLlmGraphFromGguf(f, &g))) die("graph", st);
    hgnGraphSetSource(g, path);
    HgnPlanItems items;
    hgnPlanItemsInit(&items);
    if ((st = hgnPlanItemsFromGraph(g, &items))) die("plan items", st);
    items.isLlm = true;
    char hw[256];
    snprintf(hw, sizeof hw,
             "{\"hardwareVersion\":1,\"name\":\"bench\",\"host\":{\"memory\":\"16GiB\",\"profile\":\"cpu-avx2\","
             "\"cores\":%d}}",
             threads);
    HgnMachine m;
    if ((st = hgnMachineFromHardwareJson(hw, strlen(hw), "bench", &m))) die("machine", st);
    if (cal) hgnMachineApplyCalibration(&m, cal);
    HgnPlanOptions po = {.context = context, .contextFixed = true, .ubatch = 64, .noFallbacks = true};
    HgnPlan *plan = NULL;
    st = hgnPlanCreate(&items, &m, &po, &plan);
    hgnMachineFree(&m);
    hgnPlanItemsFree(&items);
    hgnGraphFree(g);
    hgnGgufClose(f);
    if (st) {
        printf("  (no plan: %s)\n", hgnStatusMessage(st));
        hgnStatusFree(st);
        return NULL;
    }
    return plan;
}

/* ---- runs ---------------------------------------------------------------------------------- */

static void runOne(const char *path, const char *type, const Shape *s, int threads, double bw, int prompt, int decode) {
    HgnRuntimeOptions o;
    hgnRuntimeOptionsInit(&o);
    o.threads = threads;
    o.context = prompt + decode + 8;
    o.ubatch = prompt;
    o.kvDtype = HGN_DTYPE_F16;
    HgnRuntime *rt = NULL;
    double t0 = now();
    HgnStatus st = hgnRuntimeOpen(path, &o, &rt);
    if (st) die(path, st);
    double load = now() - t0;
    int32_t *ids = malloc((size_t)prompt * sizeof *ids);
    for (int i = 0; i < prompt; i++) ids[i] = 300 + (i * 37) % 200;
    float *logits = malloc((size_t)hgnRuntimeVocab(rt) * sizeof(float));
    /* warm: page the weights in (first touch of the mapping) */
    if ((st = hgnRuntimeEval(rt, ids, 1, false, logits))) die("warm-up", st);
    hgnRuntimeReset(rt);
    t0 = now();
    if ((st = hgnRuntimeEval(rt, ids, (size_t)prompt, false, logits))) die("prefill", st);
    double pre = now() - t0;
    int32_t tok = 300;
    double best = 1e30;
    t0 = now();
    for (int i = 0; i < decode; i++) {
        double s0 = now();
        if ((st = hgnRuntimeEval(rt, &tok, 1, false, logits))) die("decode", st);
        double ds = now() - s0;
        if (ds < best) best = ds;
        tok = 300 + (tok * 7) % 200;
    }
    double dec = now() - t0;
    double preTps = prompt / pre, decTps = decode / dec;
    uint64_t wb = hgnRuntimeWeightBytes(rt);
    double limit = bw * 1e9 / (double)wb;
    double params = 0;
    {
        int64_t kv = (int64_t)s->dim / s->heads * s->kvHeads;
        /* prefill products: every layer for every token, the lm head for the last token only */
        params = (double)s->layers * ((double)s->dim * s->dim * 2 + 2.0 * kv * s->dim + 3.0 * s->ffn * s->dim) +
                 (double)s->vocab * s->dim / prompt;
    }
    double sg = sgemmGflops(s, prompt, threads);
    double preGflops = 2.0 * params * prompt / pre / 1e9;
    HgnRuntimeDeviceStats ds;
    hgnRuntimeGetDeviceStats(rt, 0, &ds);
    uint64_t peak = ds.peakBytes + ds.mappedBytes;
    printf("  %-5s %dT  load %.1fs  prefill %6.1f tok/s (%5.1f GFLOP/s = %3.0f%% of sgemm %5.1f)  decode %6.2f tok/s "
           "= %3.0f%% of bandwidth limit %.2f tok/s (%.2f GB/token); best step %.1f ms = %3.0f%%\n",
           type, threads, load, preTps, preGflops, 100 * preGflops / sg, sg, decTps, 100 * decTps / limit, limit,
           (double)wb / 1e9, best * 1e3, 100 / best / limit);
    /* predictions from the generic CPU profile, then calibrated with this run's triad and sgemm figures */
    HgnCalibration cal = {.peakFp32 = sg * 1e9,
                          .peakFp16 = sg * 1e9,
                          .peakBf16 = sg * 1e9,
                          .peakInt8 = sg * 1e9,
                          .memoryBandwidth = bw * 1e9,
                          .threads = threads};
    for (int c = 0; c < 2; c++) {
        HgnPlan *plan = planFor(path, threads, (uint64_t)o.context, c ? &cal : NULL);
        if (!plan) continue;
        double predMs = plan->decodeLatencyMs, measMs = 1e3 * dec / decode;
        double predPeak = plan->peakBytes ? (double)plan->peakBytes[0] : 0;
        printf(
            "        plan (%s): decode step %.1f ms predicted vs %.1f ms measured (%+.0f%%, best step %+.0f%%); peak "
            "memory %.0f MiB predicted vs %.0f MiB measured (arena %.0f MiB + mapped weights %.0f MiB) (%+.0f%%)\n",
            c ? "calibrated" : "generic CPU profile", predMs, measMs, 100 * (measMs / predMs - 1),
            100 * (best * 1e3 / predMs - 1), predPeak / 1048576, (double)peak / 1048576, (double)ds.peakBytes / 1048576,
            (double)ds.mappedBytes / 1048576, predPeak > 0 ? 100 * ((double)peak / predPeak - 1) : 0.0);
        hgnPlanFree(plan);
    }
    free(ids);
    free(logits);
    hgnRuntimeFree(rt);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    bool quick = false, keep = false;
    int onlyThreads = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else if (strcmp(argv[i], "--keep") == 0)
            keep = true;
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            onlyThreads = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: benchRuntime [--quick] [--threads N] [--keep]\n");
            return 2;
        }
    }
    /* ~1.1B parameters: Llama-3.2-1B-like width with a 32k vocabulary */
    Shape big = {16, 2048, 32, 8, 8192, 32000}, small = {12, 768, 12, 4, 2048, 32000};
    const Shape *s = quick ? &small : &big;
    int prompt = 64, decode = quick ? 32 : 16;
    const char *types[] = {"f16", "q8_0", "q4_0"};
    printf("benchRuntime: %s model (%d layers, dim %d, ffn %d, vocab %d), prompt %d tokens, %d decode steps\n",
           quick ? "small" : "~1.1B", s->layers, s->dim, s->ffn, s->vocab, prompt, decode);
    for (int th = 1; th <= 2; th++) {
        if (onlyThreads && th != onlyThreads) continue;
        double bw = triadGBs(th);
        printf("threads %d: triad bandwidth %.1f GB/s\n", th, bw);
        for (size_t k = 0; k < 3; k++) {
            char path[256];
            snprintf(path, sizeof path, "/tmp/hgnBench-%s-%s.gguf", quick ? "small" : "1b", types[k]);
            makeModel(argv[0], s, types[k], path);
            runOne(path, types[k], s, th, bw, prompt, decode);
            if (!keep && th == 2) unlink(path);
        }
    }
    return 0;
}
