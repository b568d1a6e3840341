/* cmdCalibrate.c — `huginn calibrate`: measures this machine (hgnCalibrateMeasure)
 * and writes the local device profile that `huginn plan` uses for this host's
 * CPU devices (planner.calibrationFile, default CACHE/calibration.json). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cliOutput.h"
#include "cli/commands.h"
#include "core/alloc.h"
#include "core/strBuf.h"
#include "huginn/calibrate.h"

char *cliCalibrationPath(const HgnConfig *cfg) {
    const char *set = hgnConfigGetString(cfg, "planner.calibrationFile", "");
    if (set && *set) return hgnStrdup(set);
    HgnBuf b;
    hgnBufInit(&b);
    const char *root = hgnConfigGetString(cfg, "cache.root", "");
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (root && *root)
        hgnBufAppendf(&b, "%s/calibration.json", root);
    else if (xdg && *xdg)
        hgnBufAppendf(&b, "%s/huginn/calibration.json", xdg);
    else if (home && *home)
        hgnBufAppendf(&b, "%s/.cache/huginn/calibration.json", home);
    else
        hgnBufAppendStr(&b, "huginn-calibration.json");
    return hgnBufOk(&b) ? hgnBufDetach(&b) : NULL;
}

/* mkdir -p of path's folder */
static void makeParents(const char *path) {
    char *p = hgnStrdup(path);
    if (!p) return;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) break;
        *s = '/';
    }
    hgnFree(p);
}

HgnStatus cmdCalibrate(CliContext *ctx) {
    const HgnCliArgs *a = ctx->args;
    char *path = hgnCliArgsHas(a, "out") ? hgnStrdup(hgnCliArgsString(a, "out", "")) : cliCalibrationPath(ctx->config);
    if (!path) return hgnStatusNew(HGN_CODE_OutOfMemory, "calibrate", NULL, "cannot name the profile");
    if (ctx->dryRun) {
        HgnBuf b;
        hgnBufInit(&b);
        hgnBufAppendf(&b, "measure this machine's FLOP/s (sgemm) and memory bandwidth (triad) and write them to %s",
                      path);
        HgnStatus st = cliDryRun(ctx, hgnBufStr(&b));
        hgnBufFree(&b);
        hgnFree(path);
        return st;
    }
    HgnCalibration c;
    char *text = NULL;
    HgnStatus st = hgnCalibrateMeasure(&c);
    if (!st) st = hgnCalibrationWriteJson(&c, &text);
    if (!st && strcmp(path, "-") == 0) {
        fputs(text, ctx->out);
    } else if (!st) {
        makeParents(path);
        FILE *f = fopen(path, "wb");
        size_t n = strlen(text);
        bool okW = f && fwrite(text, 1, n, f) == n;
        if (f) okW = fclose(f) == 0 && okW;
        if (!okW)
            st = hgnStatusNew(HGN_CODE_IoError, path, "check the --out path (or planner.calibrationFile)",
                              "cannot write the calibration profile");
    }
    if (!st && strcmp(path, "-") != 0) {
        if (ctx->json)
            st = cliPrintJson(ctx, json_pack("{s:s, s:f, s:f, s:i, s:f}", "profile", path, "peakFlopsF32", c.peakFp32,
                                             "memoryBandwidth", c.memoryBandwidth, "threads", c.threads, "seconds",
                                             c.seconds));
        else
            fprintf(ctx->out, "%s: f32 %.1f GFLOP/s (sgemm %lld³, %d threads), memory %.1f GB/s (triad), %.2f s\n",
                    path, c.peakFp32 / 1e9, (long long)c.gemmSize, c.threads, c.memoryBandwidth / 1e9, c.seconds);
    }
    hgnFree(text);
    hgnFree(path);
    return st;
}
