/* fuzzConfig.c — libFuzzer target: arbitrary bytes as a --config file, and the
 * first line also as the text of a few typed environment variables. Loading
 * must end in a configuration or an HGN error, never a crash or a leak. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "huginn/config.h"
#include "huginn/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];
static void removeInput(void) { unlink(path); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/fuzzConfig-%d.toml", (int)getpid());
        atexit(removeInput);
    }
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);

    size_t lineLen = 0;
    while (lineLen < size && lineLen < 200 && data[lineLen] != '\n' && data[lineLen] != '\0') lineLen++;
    static const char *const vars[] = {"HUGINN_PLANNER__DEVICES=", "HUGINN_LOGGING__KEEP=",
                                       "HUGINN_PLANNER__SAFETY_FACTOR=", "HUGINN_PLANNER__RESERVE=", "HUGINN_PROFILE="};
    char envBuf[1][256];
    char *env[2] = {NULL};
    size_t pick = size % 5;
    snprintf(envBuf[0], sizeof envBuf[0], "%s%.*s", vars[pick], (int)lineLen, (const char *)data);
    env[0] = envBuf[0];

    HgnConfigOptions o;
    memset(&o, 0, sizeof o);
    o.systemFile = "";
    o.userFile = "";
    o.configFile = path;
    o.environ = env;
    HgnConfig *cfg = NULL;
    HgnStatus st = hgnConfigLoad(&o, &cfg);
    if (!st) {
        char *toml = NULL;
        json_t *show = NULL;
        if (!hgnConfigDumpToml(cfg, true, &toml)) hgnFree(toml);
        if (!hgnConfigShowJson(cfg, &show)) json_decref(show);
        hgnConfigFree(cfg);
    }
    hgnStatusFree(st);
    hgnStatusFree(hgnConfigValidateFile(path));
    hgnLogClearSecrets();
    return 0;
}
