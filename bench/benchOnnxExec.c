/* benchOnnxExec.c — latency of the ONNX executor on the larger
 * libonnx-testdata models: the pytorch-converted convolutions, transposed
 * convolutions, pools and MLPs, and the node RNN/GRU/LSTM models, at 1 and
 * 2 threads (OpenBLAS threads for the sgemm calls), and a transformer block
 * exported by PyTorch (tests/data/onnx/transformerBlock; run from the repository
 * root). Prints milliseconds per
 * run (best of repeated runs of test_data_set_0), the slowest first. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/alloc.h"
#include "huginn/onnx.h"
#include "huginn/onnxRuntime.h"

#define TD "/usr/share/libonnx-testdata/data"
#ifndef HGN_TRANSFORMER_DIR
#define HGN_TRANSFORMER_DIR "tests/data/onnx/transformerBlock" /* run from the repository root */
#endif

typedef struct Row {
    char name[96];
    char ops[96];
    double ms[2];
} Row;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmpRow(const void *a, const void *b) {
    double x = ((const Row *)a)->ms[0], y = ((const Row *)b)->ms[0];
    return x < y ? 1 : x > y ? -1 : 0;
}

static bool interesting(const HgnGraph *g, char *ops, size_t n) {
    static const char *const heavy[] = {"Conv", "ConvTranspose", "Gemm",    "MatMul",     "RNN",
                                        "GRU",  "LSTM",          "MaxPool", "AveragePool"};
    bool any = false;
    ops[0] = 0;
    for (size_t h = 0; h < sizeof heavy / sizeof heavy[0]; h++)
        for (int32_t i = 0; i < hgnGraphNodeCount(g); i++)
            if (!strcmp(hgnGraphNode(g, i)->op, heavy[h])) {
                size_t k = strlen(ops);
                snprintf(ops + k, n - k, "%s%s", any ? "," : "", heavy[h]);
                any = true;
                break;
            }
    return any;
}

static bool benchModel(const char *dir, const char *name, Row *row) {
    char p[1200];
    snprintf(p, sizeof p, "%s/model.onnx", dir);
    HgnGraph *g = NULL;
    HgnStatus st = hgnOnnxLoad(p, &g);
    if (st) {
        hgnStatusFree(st);
        return false;
    }
    bool ok = interesting(g, row->ops, sizeof row->ops);
    HgnOnnxTensor in[16];
    int ni = 0;
    for (; ok && ni < 16; ni++) {
        struct stat sb;
        snprintf(p, sizeof p, "%s/test_data_set_0/input_%d.pb", dir, ni);
        if (stat(p, &sb) != 0) break;
        if ((st = hgnOnnxTensorLoad(p, &in[ni]))) {
            hgnStatusFree(st);
            ok = false;
            break;
        }
    }
    for (int t = 0; t < 2 && ok; t++) {
        double best = 1e9, t0 = now();
        int reps = 0;
        while (ok && (reps < 3 || (now() - t0 < 0.3 && reps < 2000))) {
            HgnOnnxTensor *outs = NULL;
            int32_t no = 0;
            double s = now();
            st = hgnOnnxRun(g, in, ni, t + 1, &outs, &no);
            double e = now() - s;
            if (st) {
                hgnStatusFree(st);
                ok = false;
            }
            hgnOnnxTensorsFree(outs, no);
            if (e < best) best = e;
            reps++;
        }
        row->ms[t] = best * 1e3;
    }
    for (int i = 0; i < ni; i++) hgnOnnxTensorFree(&in[i]);
    hgnGraphFree(g);
    snprintf(row->name, sizeof row->name, "%.90s", name);
    return ok;
}

int main(void) {
    struct stat sb;
    if (stat(TD, &sb) != 0) {
        printf("benchOnnxExec: %s missing, nothing to measure\n", TD);
        return 0;
    }
    static Row rows[512];
    int n = 0;
    const char *folders[] = {"pytorch-converted", "node"};
    for (int f = 0; f < 2; f++) {
        char base[256];
        snprintf(base, sizeof base, "%s/%s", TD, folders[f]);
        DIR *d = opendir(base);
        if (!d) continue;
        struct dirent *e;
        while ((e = readdir(d)) && n < 512) {
            if (e->d_name[0] == '.') continue;
            if (f == 1 && strncmp(e->d_name, "test_gru", 8) && strncmp(e->d_name, "test_lstm", 9) &&
                strncmp(e->d_name, "test_rnn", 8))
                continue;
            char dir[600];
            snprintf(dir, sizeof dir, "%s/%s", base, e->d_name);
            if (benchModel(dir, e->d_name, &rows[n])) n++;
        }
        closedir(d);
    }
    /* a transformer block exported by PyTorch (tests/data/onnx/transformerBlock) */
    if (n < 512 && benchModel(HGN_TRANSFORMER_DIR, "pytorch TransformerEncoderLayer (64, 4 heads)", &rows[n])) n++;
    qsort(rows, (size_t)n, sizeof *rows, cmpRow);
    printf("%-44s %-28s %10s %10s %8s\n", "model", "heavy ops", "1 thr ms", "2 thr ms", "speedup");
    for (int i = 0; i < n; i++)
        printf("%-44s %-28s %10.3f %10.3f %7.2fx\n", rows[i].name, rows[i].ops, rows[i].ms[0], rows[i].ms[1],
               rows[i].ms[1] > 0 ? rows[i].ms[0] / rows[i].ms[1] : 0.0);
    return 0;
}
