/* benchLog.c — throughput of the logger (JSON to a rotating file, text to
 * /dev/null, with registered secrets) and the time of one hgnConfigLoad. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "huginn/config.h"
#include "huginn/log.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void run(const char *name, const HgnLogConfig *cfg, int n) {
    HgnStatus st = hgnLogConfigure(cfg);
    if (st) {
        fprintf(stderr, "%s: configure failed\n", name);
        hgnStatusFree(st);
        return;
    }
    hgnLogContextSet("jobId", "job-0123456789");
    double t0 = now();
    for (int i = 0; i < n; i++) {
        char seq[16];
        snprintf(seq, sizeof seq, "%d", i);
        HgnLogField f[] = {{"planNodeId", "node-17"}, {"seq", seq}};
        hgnLogWrite(HGN_LOG_INFO, "bench", f, 2, "placed layer %d on gpu:%d with %d bytes", i, i % 8, i * 4096);
    }
    double dt = now() - t0;
    hgnLogContextClear();
    printf("%-34s %9.0f records/s  %6.2f us/record\n", name, n / dt, dt / n * 1e6);
}

int main(void) {
    enum { N = 200000 };
    FILE *devNull = fopen("/dev/null", "w");
    char dir[] = "/tmp/hgnBenchLogXXXXXX";
    if (!mkdtemp(dir)) return 1;
    char path[256];
    snprintf(path, sizeof path, "%s/bench.log", dir);

    HgnLogConfig cfg;
    hgnLogDefaults(&cfg);
    cfg.stream = devNull;
    cfg.format = HGN_LOG_FORMAT_TEXT;
    run("text to /dev/null", &cfg, N);
    cfg.format = HGN_LOG_FORMAT_JSON;
    run("json to /dev/null", &cfg, N);
    for (int i = 0; i < 8; i++) {
        char secret[32];
        snprintf(secret, sizeof secret, "secret-token-%d-abcdef", i);
        hgnLogAddSecret(secret);
    }
    run("json to /dev/null, 8 secrets", &cfg, N);
    cfg.filePath = path;
    cfg.fileMaxBytes = 0;
    run("+ file sink, no rotation", &cfg, N);
    cfg.fileMaxBytes = 1 << 20;
    cfg.fileKeep = 3;
    run("+ file sink, rotate at 1 MiB", &cfg, N);
    cfg.level = HGN_LOG_WARN;
    double t0 = now();
    for (int i = 0; i < N; i++) HGN_DEBUG("bench", "filtered %d", i);
    printf("%-34s %9.2f ns/record\n", "filtered out (HGN_DEBUG at warn)", (now() - t0) / N * 1e9);
    hgnLogShutdown();
    hgnLogClearSecrets();

    HgnConfigOptions o;
    memset(&o, 0, sizeof o);
    o.systemFile = "";
    o.userFile = "";
    char *env[] = {"HUGINN_PLANNER__BATCH_SIZE=4", NULL};
    o.environ = env;
    o.profile = "prod";
    enum { LOADS = 200 };
    t0 = now();
    for (int i = 0; i < LOADS; i++) {
        HgnConfig *c = NULL;
        HgnStatus st = hgnConfigLoad(&o, &c);
        if (st) {
            char *s = hgnStatusToString(st);
            fprintf(stderr, "config load failed: %s\n", s);
            hgnFree(s);
            hgnStatusFree(st);
            return 1;
        }
        hgnConfigFree(c);
    }
    printf("%-34s %9.1f us/load\n", "hgnConfigLoad (defaults+prod+env)", (now() - t0) / LOADS * 1e6);

    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) return 1;
    fclose(devNull);
    return 0;
}
