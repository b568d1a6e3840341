/* benchFormats.c — how long opening a big model takes when only headers are
 * read: a sparse Llama-3.1-70B-layout sharded safetensors checkpoint
 * (~141 GB apparent, 5 GB shards + index + config.json) and a sparse
 * 70B-layout Q4_K GGUF, written to $TMPDIR (or /tmp), opened N times.
 * Target: < 50 ms per open of the sharded checkpoint. Prints the figures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../tests/fixtures/llamaCheckpoint.h"
#include "huginn/gguf.h"
#include "huginn/hfModel.h"

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
    fprintf(stderr, "benchFormats: %s\n", s);
    exit(1);
}

static void report(const char *what, double *t, int n) {
    qsort(t, (size_t)n, sizeof *t, cmpDouble);
    double sum = 0;
    for (int i = 0; i < n; i++) sum += t[i];
    printf("%-44s runs %2d  min %7.3f ms  median %7.3f ms  mean %7.3f ms  max %7.3f ms\n", what, n, t[0], t[n / 2],
           sum / n, t[n - 1]);
}

static void rmrf(const char *dir) {
    char *cmd = NULL;
    if (asprintf(&cmd, "rm -rf '%s'", dir) >= 0 && system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
    free(cmd);
}

int main(int argc, char **argv) {
    int runs = argc > 1 ? atoi(argv[1]) : 20;
    if (runs < 1 || runs > 1000) runs = 20;
    const char *base = getenv("TMPDIR");
    char *dir = NULL;
    if (asprintf(&dir, "%s/hgn-benchFormats-XXXXXX", base && *base ? base : "/tmp") < 0 || !mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    /* ---- sharded safetensors, Llama-3.1-70B layout ---- */
    HgnStatus err;
    double t0 = nowMs();
    int nShards = llamaWriteCheckpoint(dir, &llama31_70b, 5000000000ull, &err);
    if (!nShards) die(err);
    char *cfg = NULL;
    if (asprintf(&cfg, "%s/config.json", dir) < 0) return 1;
    FILE *f = fopen(cfg, "w");
    fprintf(f, "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\",\"hidden_size\":8192,"
               "\"intermediate_size\":28672,\"num_hidden_layers\":80,\"num_attention_heads\":64,"
               "\"num_key_value_heads\":8,\"vocab_size\":128256,\"max_position_embeddings\":131072,"
               "\"rms_norm_eps\":1e-05,\"rope_theta\":500000.0,\"rope_scaling\":{\"factor\":8.0,"
               "\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,\"original_max_position_embeddings\":8192,"
               "\"rope_type\":\"llama3\"},\"tie_word_embeddings\":false,\"torch_dtype\":\"bfloat16\"}\n");
    fclose(f);
    double tWrite = nowMs() - t0;
    char *idx = NULL;
    if (asprintf(&idx, "%s/model.safetensors.index.json", dir) < 0) return 1;

    double *t = calloc((size_t)runs, sizeof *t);
    HgnSafetensors *s = NULL;
    uint64_t apparent = 0, tensorBytes = 0;
    size_t nTensors = 0;
    for (int i = 0; i < runs; i++) {
        double a = nowMs();
        HgnStatus st = hgnSafetensorsOpen(idx, &s);
        t[i] = nowMs() - a;
        if (st) die(st);
        apparent = hgnSafetensorsTotalFileBytes(s);
        tensorBytes = hgnSafetensorsTensorBytes(s);
        nTensors = hgnSafetensorsTensorCount(s);
        hgnSafetensorsClose(s);
    }
    printf("Llama-3.1-70B layout: %d shards, %zu tensors, %.1f GB of tensors, %.1f GB apparent on disk "
           "(written sparse in %.0f ms)\n",
           nShards, nTensors, (double)tensorBytes / 1e9, (double)apparent / 1e9, tWrite);
    report("hgnSafetensorsOpen(index.json)", t, runs);
    double median = t[runs / 2];
    for (int i = 0; i < runs; i++) {
        HgnHfModel *m = NULL;
        double a = nowMs();
        HgnStatus st = hgnHfModelOpen(dir, &m);
        t[i] = nowMs() - a;
        if (st) die(st);
        hgnHfModelClose(m);
    }
    report("hgnHfModelOpen(folder, config checked)", t, runs);
    double medianModel = t[runs / 2];

    /* ---- single-file GGUF, same layout in Q4_K ---- */
    HgnGgufWriter *w;
    if ((err = hgnGgufWriterCreate(&w))) die(err);
    /* Llama-3 tokenizer-sized metadata: 128256 tokens, 280147 merges, token types */
    enum { nVocab = 128256, nMerges = 280147 };
    char **strs = calloc(nMerges, sizeof *strs);
    int32_t *types = calloc(nVocab, sizeof *types);
    for (int i = 0; i < nMerges; i++)
        if (asprintf(&strs[i], i < nVocab ? "tok%d" : "m%d n%d", i, i / 3) < 0) return 1;
    for (int i = 0; i < nVocab; i++) types[i] = 1;
    if (!err) err = hgnGgufWriterAddString(w, "general.architecture", "llama");
    if (!err) err = hgnGgufWriterAddString(w, "tokenizer.ggml.model", "gpt2");
    if (!err) err = hgnGgufWriterAddStringArray(w, "tokenizer.ggml.tokens", (const char *const *)strs, nVocab);
    if (!err) err = hgnGgufWriterAddArray(w, "tokenizer.ggml.token_type", HGN_GGUF_INT32, types, nVocab);
    if (!err) err = hgnGgufWriterAddStringArray(w, "tokenizer.ggml.merges", (const char *const *)strs, nMerges);
    for (int i = 0; i < nMerges; i++) free(strs[i]);
    free(strs);
    free(types);
    LlamaTensor *lt;
    size_t n = llamaTensors(&llama31_70b, &lt);
    for (size_t i = 0; i < n && !err; i++) {
        char name[96];
        snprintf(name, sizeof name, "%.60s", lt[i].name);
        err = hgnGgufWriterAddTensor(w, name, lt[i].nDims == 2 ? HGN_DTYPE_Q4_K : HGN_DTYPE_F32, lt[i].nDims,
                                     lt[i].shape, NULL);
    }
    free(lt);
    char *gg = NULL;
    if (asprintf(&gg, "%s/llama-70b-q4_k.gguf", dir) < 0) return 1;
    if (err || (err = hgnGgufWriterWriteFile(w, gg))) die(err);
    hgnGgufWriterFree(w);
    HgnGgufFile *g = NULL;
    for (int i = 0; i < runs; i++) {
        double a = nowMs();
        HgnStatus st = hgnGgufOpen(gg, &g);
        t[i] = nowMs() - a;
        if (st) die(st);
        apparent = hgnGgufFileSize(g);
        nTensors = hgnGgufTensorCount(g);
        hgnGgufClose(g);
    }
    printf("Llama-3.1-70B layout GGUF Q4_K: %zu tensors, %.1f GB apparent, tokenizer metadata of 128256 tokens and "
           "280147 merges\n",
           nTensors, (double)apparent / 1e9);
    report("hgnGgufOpen(.gguf)", t, runs);

    printf("target: open sharded checkpoint < 50 ms: %s (median %.3f ms; with config check %.3f ms)\n",
           median < 50 && medianModel < 50 ? "met" : "MISSED", median, medianModel);
    rmrf(dir);
    free(t);
    free(gg);
    free(idx);
    free(cfg);
    free(dir);
    return 0;
}
