/* calibrate.c — `huginn calibrate`: measures this machine's f32 FLOP/s with
 * OpenBLAS sgemm and its memory bandwidth with a multi-threaded triad
 * (a = b + s·c, 3 × 4 bytes per element as STREAM counts it), best of a few
 * repetitions, in well under 5 s; writes and reads the local device profile
 * and applies it to the CPU devices of a machine. */
#include "huginn/calibrate.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/jsonUtil.h"

#define GEMM_N        1024
#define GEMM_REPEATS  4
#define TRIAD_ELEMS   (16u << 20) /* 16 Mi floats per array: 192 MiB in all, past the L3 of any CPU */
#define TRIAD_REPEATS 5
#define MAX_THREADS   256

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct TriadPart {
    float *a;
    const float *b, *c;
    size_t n;
} TriadPart;

static void *triadRun(void *arg) {
    TriadPart *p = arg;
    const float s = 3.0f;
    for (size_t i = 0; i < p->n; i++) p->a[i] = p->b[i] + s * p->c[i];
    return NULL;
}

static void triadFill(float *a, size_t n, float v) {
    for (size_t i = 0; i < n; i++) a[i] = v;
}

static double triad(float *a, const float *b, const float *c, size_t n, int threads) {
    if (threads < 1) threads = 1;
    pthread_t tid[MAX_THREADS];
    TriadPart parts[MAX_THREADS] = {{0}};
    size_t per = (n + (size_t)threads - 1) / (size_t)threads;
    double t0 = now();
    bool started[MAX_THREADS] = {false};
    for (int t = 0; t < threads; t++) {
        size_t lo = (size_t)t * per < n ? (size_t)t * per : n, hi = lo + per < n ? lo + per : n;
        parts[t] = (TriadPart){a + lo, b + lo, c + lo, hi - lo};
        if (t > 0) started[t] = pthread_create(&tid[t], NULL, triadRun, &parts[t]) == 0;
    }
    triadRun(&parts[0]);
    for (int t = 1; t < threads; t++) {
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            triadRun(&parts[t]); /* a thread that could not start: its part runs here */
    }
    return now() - t0;
}

static void cpuName(char *buf, size_t size) {
    snprintf(buf, size, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) != 0) continue;
        char *colon = strchr(line, ':');
        if (!colon) break;
        colon++;
        while (*colon == ' ') colon++;
        colon[strcspn(colon, "\n")] = '\0';
        snprintf(buf, size, "%s", colon);
        break;
    }
    fclose(f);
}

HgnStatus hgnCalibrateMeasure(HgnCalibration *out) {
    memset(out, 0, sizeof *out);
    double start = now();
    int threads = openblas_get_num_threads();
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1) threads = cores > 0 ? (int)cores : 1;
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    const size_t n = GEMM_N;
    float *A = hgnMalloc(n * n * sizeof(float)), *B = hgnMalloc(n * n * sizeof(float)),
          *C = hgnMalloc(n * n * sizeof(float));
    float *ta = hgnMalloc(TRIAD_ELEMS * sizeof(float)), *tb = hgnMalloc(TRIAD_ELEMS * sizeof(float)),
          *tc = hgnMalloc(TRIAD_ELEMS * sizeof(float));
    HgnStatus st = HGN_OK;
    if (!A || !B || !C || !ta || !tb || !tc) {
        st = hgnStatusNew(HGN_CODE_OutOfMemory, "calibrate", NULL, "cannot allocate the measurement buffers");
        goto done;
    }
    for (size_t i = 0; i < n * n; i++) {
        A[i] = (float)(i % 7) * 0.25f;
        B[i] = (float)(i % 5) * 0.5f;
    }
    double best = INFINITY;
    for (int r = 0; r <= GEMM_REPEATS; r++) { /* r == 0 warms up */
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0f, A, (int)n, B, (int)n, 0.0f,
                    C, (int)n);
        double t = now() - t0;
        if (r > 0 && t < best) best = t;
    }
    out->peakFp32 = 2.0 * (double)n * (double)n * (double)n / best;
    out->peakFp16 = out->peakBf16 = out->peakInt8 = out->peakFp32;
    triadFill(ta, TRIAD_ELEMS, 0);
    triadFill(tb, TRIAD_ELEMS, 1);
    triadFill(tc, TRIAD_ELEMS, 2);
    best = INFINITY;
    for (int r = 0; r <= TRIAD_REPEATS; r++) {
        double t = triad(ta, tb, tc, TRIAD_ELEMS, threads);
        if (r > 0 && t < best) best = t;
    }
    out->memoryBandwidth = 3.0 * sizeof(float) * TRIAD_ELEMS / best;
    if (!isfinite(out->peakFp32) || !isfinite(out->memoryBandwidth) || ta[TRIAD_ELEMS - 1] != 7.0f) {
        st = hgnStatusNew(HGN_CODE_InternalError, "calibrate", NULL, "the measurement gave no usable figure");
        goto done;
    }
    out->threads = threads;
    out->gemmSize = (int64_t)n;
    out->triadBytes = 3ull * sizeof(float) * TRIAD_ELEMS;
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out->measuredAt, sizeof out->measuredAt, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cpuName(out->host, sizeof out->host);
    out->seconds = now() - start;
done:
    hgnFree(A);
    hgnFree(B);
    hgnFree(C);
    hgnFree(ta);
    hgnFree(tb);
    hgnFree(tc);
    return st;
}

HgnStatus hgnCalibrationWriteJson(const HgnCalibration *c, char **out) {
    *out = NULL;
    json_t *doc =
        json_pack("{s:i, s:s, s:s, s:s, s:i, s:{s:f, s:f, s:f, s:f}, s:f, s:{s:I, s:I, s:f}}", "calibrationVersion",
                  HGN_CALIBRATION_VERSION, "kind", "cpu", "host", c->host, "measuredAt", c->measuredAt, "threads",
                  c->threads, "peakFlops", "f32", c->peakFp32, "f16", c->peakFp16, "bf16", c->peakBf16, "int8",
                  c->peakInt8, "memoryBandwidth", c->memoryBandwidth, "method", "gemmSize", (json_int_t)c->gemmSize,
                  "triadBytes", (json_int_t)c->triadBytes, "seconds", c->seconds);
    char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(doc);
    if (!text) return hgnStatusNew(HGN_CODE_OutOfMemory, "calibrate", NULL, "cannot serialise the profile");
    size_t n = strlen(text);
    *out = hgnMalloc(n + 2);
    if (*out) {
        memcpy(*out, text, n);
        (*out)[n] = '\n';
        (*out)[n + 1] = '\0';
    }
    free(text);
    return *out ? HGN_OK : hgnStatusNew(HGN_CODE_OutOfMemory, "calibrate", NULL, "cannot serialise the profile");
}

static HgnStatus field(const char *path, const char *pointer, const char *msg) {
    char where[1200];
    snprintf(where, sizeof where, "%s#%s", path, pointer);
    return hgnStatusNew(HGN_CODE_InvalidConfig, where, "re-run `huginn calibrate` to rewrite the profile", "%s", msg);
}

static HgnStatus positive(const json_t *o, const char *key, const char *path, const char *pointer, double *out) {
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v) || !(json_number_value(v) > 0) || !isfinite(json_number_value(v)))
        return field(path, pointer, "expected a positive number");
    *out = json_number_value(v);
    return HGN_OK;
}

HgnStatus hgnCalibrationLoad(const char *path, HgnCalibration *out) {
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return hgnStatusNew(errno == ENOENT ? HGN_CODE_NotFound : HGN_CODE_IoError, path,
                            "run `huginn calibrate` to measure this machine", "cannot open the calibration profile");
    char buf[65536];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    json_t *doc = NULL;
    HgnStatus st = hgnJsonParseDoc(buf, len, path, &doc);
    if (st) return st;
    json_t *ver = json_object_get(doc, "calibrationVersion");
    json_t *peak = json_object_get(doc, "peakFlops");
    if (!json_is_object(doc))
        st = field(path, "", "expected an object");
    else if (!json_is_integer(ver) || json_integer_value(ver) != HGN_CALIBRATION_VERSION)
        st = field(path, "/calibrationVersion", "expected calibrationVersion 1");
    else if (!json_is_object(peak))
        st = field(path, "/peakFlops", "expected an object of FLOP/s per dtype");
    if (!st) st = positive(peak, "f32", path, "/peakFlops/f32", &out->peakFp32);
    if (!st) st = positive(doc, "memoryBandwidth", path, "/memoryBandwidth", &out->memoryBandwidth);
    if (!st) {
        out->peakFp16 = out->peakBf16 = out->peakInt8 = out->peakFp32;
        double v;
        HgnStatus s2;
        if ((s2 = positive(peak, "f16", path, "", &v)) == HGN_OK) out->peakFp16 = v;
        hgnStatusFree(s2);
        if ((s2 = positive(peak, "bf16", path, "", &v)) == HGN_OK) out->peakBf16 = v;
        hgnStatusFree(s2);
        if ((s2 = positive(peak, "int8", path, "", &v)) == HGN_OK) out->peakInt8 = v;
        hgnStatusFree(s2);
        json_t *th = json_object_get(doc, "threads");
        out->threads = json_is_integer(th) ? (int)json_integer_value(th) : 0;
        const char *host = json_string_value(json_object_get(doc, "host"));
        snprintf(out->host, sizeof out->host, "%s", host ? host : "");
        const char *at = json_string_value(json_object_get(doc, "measuredAt"));
        snprintf(out->measuredAt, sizeof out->measuredAt, "%s", at ? at : "");
    }
    json_decref(doc);
    return st;
}

void hgnMachineApplyCalibration(HgnMachine *m, const HgnCalibration *c) {
    double peak = 0, bw = 0;
    for (size_t d = 0; d < m->count; d++)
        if (!m->devices[d].gpu) {
            peak += m->devices[d].peakFp32;
            bw += m->devices[d].memoryBandwidth;
        }
    for (size_t d = 0; d < m->count; d++) {
        HgnMachineDevice *dev = &m->devices[d];
        if (dev->gpu) continue;
        double sp = peak > 0 ? dev->peakFp32 / peak : 1, sb = bw > 0 ? dev->memoryBandwidth / bw : 1;
        dev->peakFp32 = c->peakFp32 * sp;
        dev->peakFp16 = c->peakFp16 * sp;
        dev->peakBf16 = c->peakBf16 * sp;
        dev->peakInt8 = c->peakInt8 * sp;
        dev->peakFp8 = c->peakFp16 * sp;
        dev->memoryBandwidth = c->memoryBandwidth * sb;
        snprintf(dev->profileId, sizeof dev->profileId, "calibrated");
    }
}
