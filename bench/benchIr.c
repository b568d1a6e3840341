/* benchIr.c — how long building the IR of Llama-3.1-405B (126 layers) takes:
 * from config.json alone, and from a sparse sharded BF16 checkpoint (~811 GB
 * apparent, 5 GB shards + index + config.json, written to $TMPDIR or /tmp)
 * with every weight mapped to its tensor. Target: < 20 ms per build.
 * Prints the figures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/fixtures/llamaCheckpoint.h"
#include "huginn/llmGraph.h"

enum { RUNS = 15 };

static const char *config405b =
    "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\",\"hidden_size\":16384,"
    "\"intermediate_size\":53248,\"num_hidden_layers\":126,\"num_attention_heads\":128,\"num_key_value_heads\":8,"
    "\"vocab_size\":128256,\"max_position_embeddings\":131072,\"rms_norm_eps\":1e-5,\"rope_theta\":500000.0,"
    "\"rope_scaling\":{\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
    "\"original_max_position_embeddings\":8192,\"rope_type\":\"llama3\"},\"tie_word_embeddings\":false,"
    "\"torch_dtype\":\"bfloat16\"}";

static double nowMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmpDouble(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void die(HgnStatus st) {
    char *s = hgnStatusToString(st);
    fprintf(stderr, "benchIr: %s\n", s);
    exit(1);
}

static void report(const char *what, double *t, int n) {
    qsort(t, (size_t)n, sizeof *t, cmpDouble);
    double sum = 0;
    for (int i = 0; i < n; i++) sum += t[i];
    printf("%-52s runs %2d  min %7.3f ms  median %7.3f ms  mean %7.3f ms  max %7.3f ms\n", what, n, t[0], t[n / 2],
           sum / n, t[n - 1]);
}

static void describe(const HgnGraph *g) {
    HgnGraphSummary s;
    HgnStatus st = hgnGraphSummarize(g, &s);
    if (st) die(st);
    printf("  graph: %d nodes, %d values, %d weights, %.1f GB of weights\n", s.nNodes, s.nValues, s.nWeights,
           (double)s.weightBytes / 1e9);
    hgnGraphSummaryFree(&s);
}

int main(void) {
    HgnHfConfig *cfg;
    HgnStatus st = hgnHfConfigParse(config405b, strlen(config405b), "config.json", &cfg);
    if (st) die(st);
    double t[RUNS];
    HgnGraph *g = NULL;
    for (int i = 0; i < RUNS; i++) {
        hgnGraphFree(g);
        double t0 = nowMs();
        if ((st = hgnLlmGraphFromHfConfig(cfg, &g))) die(st);
        t[i] = nowMs() - t0;
    }
    report("Llama-3.1-405B IR from config.json", t, RUNS);
    describe(g);
    hgnGraphFree(g);
    hgnHfConfigFree(cfg);

    const char *base = getenv("TMPDIR");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/hgn-benchIr-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    static const LlamaShape llama31_405b = {126, 16384, 53248, 128, 8, 128256, false};
    int shards = llamaWriteCheckpoint(dir, &llama31_405b, 5000000000ull, &st);
    if (!shards) die(st);
    char path[600];
    snprintf(path, sizeof path, "%s/config.json", dir);
    FILE *f = fopen(path, "w");
    if (!f || fputs(config405b, f) == EOF || fclose(f) != 0) {
        perror(path);
        return 1;
    }
    HgnHfModel *m;
    double t0 = nowMs();
    if ((st = hgnHfModelOpen(dir, &m))) die(st);
    printf("opened the sparse checkpoint (%d shards) in %.3f ms\n", shards, nowMs() - t0);
    g = NULL;
    for (int i = 0; i < RUNS; i++) {
        hgnGraphFree(g);
        t0 = nowMs();
        if ((st = hgnLlmGraphFromHfModel(m, &g))) die(st);
        t[i] = nowMs() - t0;
    }
    report("Llama-3.1-405B IR from a sparse sharded checkpoint", t, RUNS);
    describe(g);
    hgnGraphFree(g);
    hgnHfModelClose(m);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "benchIr: could not remove %s\n", dir);
    printf("target: < 20 ms per build\n");
    return 0;
}
