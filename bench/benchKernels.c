/* benchKernels.c — CPU kernel throughput against the machine's limits, all in
 * one run: a STREAM-like triad (memory bandwidth), matrix-vector products
 * (decode) in GB/s of weights read at a ~1B-parameter-model shape with the
 * ratio to the triad bandwidth, and f32 matrix products (prefill) in GFLOP/s
 * for OpenBLAS (its own threads), hgnMatmul's OpenBLAS path (fixed chunks per
 * pool thread), Huginn's own f32 kernel and the quantised kernels.
 * Usage: benchKernels [maxThreads [matvec|gemm]] (default: 2 threads, or fewer
 * online CPUs; all sections). The triad always runs. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cpu/kernels.h"
#include "runtime/threadPool.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rngState = 0x9e3779b97f4a7c15ull;
static float rndUniform(void) {
    rngState ^= rngState << 13;
    rngState ^= rngState >> 7;
    rngState ^= rngState << 17;
    return (float)((rngState >> 40) & 0xffffff) / 8388608.0f - 1.0f;
}

static void *bigAlloc(size_t n) {
    void *p = NULL;
    if (posix_memalign(&p, 64, n) != 0) {
        fprintf(stderr, "benchKernels: cannot allocate %zu bytes\n", n);
        exit(1);
    }
    memset(p, 0, n); /* fault the pages in before timing */
    return p;
}

/* ---- STREAM triad ------------------------------------------------------------------ */

typedef struct Triad {
    float *a, *b, *c;
} Triad;

static void triadRange(void *ctx, int64_t begin, int64_t end, int thread) {
    Triad *t = ctx;
    for (int64_t i = begin; i < end; i++) t->a[i] = t->b[i] + 3.0f * t->c[i];
}

static double triadGBs(HgnThreadPool *pool, Triad *t, int64_t n) {
    double best = 1e30;
    for (int rep = 0; rep < 6; rep++) {
        double t0 = now();
        hgnThreadPoolFor(pool, n, 4096, triadRange, t);
        double dt = now() - t0;
        if (rep > 0 && dt < best) best = dt;
    }
    return 3.0 * (double)n * sizeof(float) / best / 1e9;
}

/* ---- matvec ------------------------------------------------------------------------------ */

static size_t rowBytesOf(HgnDtype t, int64_t cols) {
    const HgnDtypeInfo *info = hgnDtypeInfo(t);
    return (size_t)(cols / info->blockSize) * info->bytesPerBlock;
}

static void encodeRow(HgnDtype t, const float *src, int64_t cols, void *dst) {
    switch (t) {
    case HGN_DTYPE_F32:
        memcpy(dst, src, (size_t)cols * 4);
        break;
    case HGN_DTYPE_F16:
        for (int64_t c = 0; c < cols; c++) ((uint16_t *)dst)[c] = hgnF32ToF16(src[c]);
        break;
    case HGN_DTYPE_BF16:
        for (int64_t c = 0; c < cols; c++) ((uint16_t *)dst)[c] = hgnF32ToBf16(src[c]);
        break;
    case HGN_DTYPE_Q8_0:
        hgnQuantizeRowQ8_0(src, dst, cols);
        break;
    case HGN_DTYPE_Q4_0:
        hgnQuantizeRowQ4_0(src, dst, cols);
        break;
    case HGN_DTYPE_Q4_1:
        hgnQuantizeRowQ4_1(src, dst, cols);
        break;
    default:
        break;
    }
}

/* Several copies of the matrix, together well past the last-level cache, are
 * read in turn, as the layers of a model are during one decode step. */
#define WEIGHT_POOL_BYTES ((size_t)384 << 20)

static void benchMatvec(int maxThreads, HgnThreadPool **pools, const double *triad) {
    static const HgnDtype types[] = {HGN_DTYPE_F16, HGN_DTYPE_BF16, HGN_DTYPE_Q8_0, HGN_DTYPE_Q4_0, HGN_DTYPE_Q4_1};
    static const int64_t shapes[][2] = {{2048, 8192}, {8192, 2048}};
    printf("\nmatvec (decode): weights read per second; ratio = GB/s / triad GB/s at the same thread count\n");
    printf("%-6s %-11s %8s %7s %9s %8s %7s\n", "type", "rows×cols", "MB", "threads", "us/call", "GB/s", "ratio");
    for (size_t si = 0; si < 2; si++) {
        int64_t rows = shapes[si][0], cols = shapes[si][1];
        float *src = malloc((size_t)cols * 4), *x = malloc((size_t)cols * 4), *y = malloc((size_t)rows * 4);
        for (int64_t c = 0; c < cols; c++) x[c] = rndUniform();
        size_t workSize = hgnMatmulWorkSize(HGN_DTYPE_Q8_0, cols, 1, 1);
        void *work = malloc(workSize);
        for (size_t ti = 0; ti < sizeof types / sizeof *types; ti++) {
            HgnDtype t = types[ti];
            size_t rb = rowBytesOf(t, cols), matBytes = rb * (size_t)rows;
            size_t copies = WEIGHT_POOL_BYTES / matBytes < 2 ? 2 : WEIGHT_POOL_BYTES / matBytes;
            uint8_t *w = bigAlloc(matBytes * copies);
            for (int64_t r = 0; r < rows; r++) {
                for (int64_t c = 0; c < cols; c++) src[c] = rndUniform();
                encodeRow(t, src, cols, w + (size_t)r * rb);
            }
            for (size_t k = 1; k < copies; k++) memcpy(w + k * matBytes, w, matBytes);
            for (int th = 1; th <= maxThreads; th++) {
                HgnThreadPool *pool = pools[th];
                for (size_t k = 0; k < copies; k++) /* warm-up pass */
                    if (hgnMatmul(pool, t, w + k * matBytes, rows, cols, x, 1, y, work, workSize, 0)) return;
                int64_t calls = 0;
                double t0 = now(), dt;
                do {
                    for (size_t k = 0; k < copies; k++, calls++)
                        if (hgnMatmul(pool, t, w + k * matBytes, rows, cols, x, 1, y, work, workSize, 0)) return;
                    dt = now() - t0;
                } while (dt < 0.6);
                double gbs = (double)matBytes * (double)calls / dt / 1e9;
                printf("%-6s %5lld×%-5lld %8.1f %7d %9.1f %8.2f %6.0f%%\n", hgnDtypeName(t), (long long)rows,
                       (long long)cols, (double)matBytes / 1048576.0, th, dt / (double)calls * 1e6, gbs,
                       100.0 * gbs / triad[th]);
            }
            free(w);
        }
        free(src);
        free(x);
        free(y);
        free(work);
    }
}

/* ---- prefill products ----------------------------------------------------------------------- */

static double timeIt(double minSeconds, int (*fn)(void *), void *ctx) {
    if (fn(ctx)) return -1; /* warm-up */
    int n = 0;
    double t0 = now(), dt;
    do {
        if (fn(ctx)) return -1;
        n++;
        dt = now() - t0;
    } while (dt < minSeconds);
    return dt / n;
}

typedef struct Gemm {
    HgnThreadPool *pool;
    int threads;
    HgnDtype t;
    const void *w;
    const float *wf, *x;
    float *y;
    int64_t m, n, k;
    void *work;
    size_t workSize;
    int flags;
} Gemm;

static int runOpenBlas(void *ctx) {
    Gemm *g = ctx;
    openblas_set_num_threads(g->threads);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)g->m, (int)g->n, (int)g->k, 1.0f, g->x, (int)g->k, g->wf,
                (int)g->k, 0.0f, g->y, (int)g->n);
    return 0;
}

static int runHuginn(void *ctx) {
    Gemm *g = ctx;
    HgnStatus st = hgnMatmul(g->pool, g->t, g->w, g->n, g->k, g->x, g->m, g->y, g->work, g->workSize, g->flags);
    if (st) {
        fprintf(stderr, "benchKernels: %s\n", hgnStatusMessage(st));
        hgnStatusFree(st);
        return 1;
    }
    return 0;
}

static void benchGemm(int maxThreads, HgnThreadPool **pools) {
    static const int64_t shapes[][3] = {
        {128, 2048, 2048}, {128, 8192, 2048}, {128, 2048, 8192}, {512, 2048, 2048}, {512, 8192, 2048}};
    printf("\nprefill products y[m×n] = x[m×k]·Wᵀ: GFLOP/s (2mnk / time); %% = of OpenBLAS at the same threads\n");
    printf("(hgn-q8_0, hgn-q4_0: f32 slices + OpenBLAS; q4_0-int8: the int8 dot kernel with q8 activations)\n");
    printf("%-16s %7s %10s %10s %6s %10s %6s %10s %10s %11s\n", "m×n×k", "threads", "openblas", "hgn-blas", "%",
           "hgn-f32", "%", "hgn-q8_0", "hgn-q4_0", "q4_0-int8");
    for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++) {
        int64_t m = shapes[si][0], n = shapes[si][1], k = shapes[si][2];
        float *wf = bigAlloc((size_t)(n * k) * 4), *x = bigAlloc((size_t)(m * k) * 4),
              *y = bigAlloc((size_t)(m * n) * 4);
        for (int64_t i = 0; i < n * k; i++) wf[i] = rndUniform();
        for (int64_t i = 0; i < m * k; i++) x[i] = rndUniform();
        uint8_t *q8 = bigAlloc(rowBytesOf(HGN_DTYPE_Q8_0, k) * (size_t)n);
        uint8_t *q4 = bigAlloc(rowBytesOf(HGN_DTYPE_Q4_0, k) * (size_t)n);
        for (int64_t r = 0; r < n; r++) {
            hgnQuantizeRowQ8_0(wf + r * k, (HgnBlockQ8_0 *)(q8 + (size_t)r * rowBytesOf(HGN_DTYPE_Q8_0, k)), k);
            hgnQuantizeRowQ4_0(wf + r * k, (HgnBlockQ4_0 *)(q4 + (size_t)r * rowBytesOf(HGN_DTYPE_Q4_0, k)), k);
        }
        size_t workSize = hgnMatmulWorkSize(HGN_DTYPE_Q8_0, k, m, maxThreads);
        void *work = bigAlloc(workSize);
        double flop = 2.0 * (double)(m * n * k) / 1e9;
        for (int th = 1; th <= maxThreads; th++) {
            Gemm g = {.pool = pools[th],
                      .threads = th,
                      .t = HGN_DTYPE_F32,
                      .w = wf,
                      .wf = wf,
                      .x = x,
                      .y = y,
                      .m = m,
                      .n = n,
                      .k = k,
                      .work = work,
                      .workSize = workSize};
            double tBlas = timeIt(0.5, runOpenBlas, &g);
            double tHgnBlas = timeIt(0.5, runHuginn, &g);
            g.flags = HGN_MATMUL_NO_BLAS;
            double tOwn = timeIt(0.5, runHuginn, &g);
            g.flags = 0;
            g.t = HGN_DTYPE_Q8_0;
            g.w = q8;
            double tQ8 = timeIt(0.5, runHuginn, &g);
            g.t = HGN_DTYPE_Q4_0;
            g.w = q4;
            double tQ4 = timeIt(0.5, runHuginn, &g);
            g.flags = HGN_MATMUL_NO_BLAS; /* the int8 dot-product kernel decode uses */
            double tQ4Int = timeIt(0.5, runHuginn, &g);
            char shape[32];
            snprintf(shape, sizeof shape, "%lld×%lld×%lld", (long long)m, (long long)n, (long long)k);
            printf("%-16s %7d %10.1f %10.1f %5.0f%% %10.1f %5.0f%% %10.1f %10.1f %11.1f\n", shape, th, flop / tBlas,
                   flop / tHgnBlas, 100.0 * tBlas / tHgnBlas, flop / tOwn, 100.0 * tBlas / tOwn, flop / tQ8, flop / tQ4,
                   flop / tQ4Int);
        }
        free(wf);
        free(x);
        free(y);
        free(q8);
        free(q4);
        free(work);
    }
}

int main(int argc, char **argv) {
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int maxThreads = argc > 1 ? atoi(argv[1]) : (online >= 2 ? 2 : 1);
    if (maxThreads < 1 || maxThreads > 64) {
        fprintf(stderr, "usage: benchKernels [maxThreads 1..64]\n");
        return 2;
    }
    const HgnCpuFeatures *f = hgnCpuFeatures();
    printf("CPU level %s (avx2 %d fma %d f16c %d avx512f %d bw %d vl %d vnni %d), %ld CPUs online\n",
           hgnCpuLevelName(hgnCpuLevel()), f->avx2, f->fma, f->f16c, f->avx512f, f->avx512bw, f->avx512vl,
           f->avx512vnni, online);
    HgnThreadPool *pools[65] = {0};
    for (int th = 1; th <= maxThreads; th++) {
        HgnStatus st = hgnThreadPoolCreate(th, &pools[th]);
        if (st) {
            fprintf(stderr, "benchKernels: %s\n", hgnStatusMessage(st));
            return 1;
        }
    }
    double triad[65] = {0};
    int64_t n = 24 << 20; /* 3 arrays of 96 MiB: far past any cache */
    Triad t = {bigAlloc((size_t)n * 4), bigAlloc((size_t)n * 4), bigAlloc((size_t)n * 4)};
    for (int64_t i = 0; i < n; i++) t.b[i] = t.c[i] = 1.0f;
    printf("\nSTREAM-like triad a = b + s·c, %lld floats per array (best of 5; bytes = 3 arrays)\n", (long long)n);
    for (int th = 1; th <= maxThreads; th++) {
        triad[th] = triadGBs(pools[th], &t, n);
        printf("  %d thread%s: %.2f GB/s\n", th, th > 1 ? "s" : "", triad[th]);
    }
    free(t.a);
    free(t.b);
    free(t.c);
    const char *only = argc > 2 ? argv[2] : "";
    if (!*only || !strcmp(only, "matvec")) benchMatvec(maxThreads, pools, triad);
    if (!*only || !strcmp(only, "gemm")) benchGemm(maxThreads, pools);
    for (int th = 1; th <= maxThreads; th++) hgnThreadPoolFree(pools[th]);
    return 0;
}
