/* benchToml.c — TOML parse and write throughput, and a linearity check: the
 * same document shape at 1x, 2x, 4x and 8x size should take proportional time
 * (one big table of keys, many [tables], and long arrays are each measured). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "huginn/toml.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void makeDoc(HgnBuf *b, const char *shape, int n) {
    hgnBufClear(b);
    if (strcmp(shape, "flat keys") == 0) {
        for (int i = 0; i < n; i++) hgnBufAppendf(b, "key%d = %d\n", i, i);
    } else if (strcmp(shape, "tables") == 0) {
        for (int i = 0; i < n; i++)
            hgnBufAppendf(b,
                          "[server.node%d]\nhost = \"10.0.%d.%d\"\nport = %d\nratio = %d.25\nup = true\n"
                          "since = 2024-01-%02dT10:00:00Z\ntags = [\"a\", \"b\", 'c']\nlimits = { cpu = 4, mem = 8 }\n",
                          i, i / 256 % 256, i % 256, 1000 + i % 5000, i, i % 28 + 1);
    } else {
        hgnBufAppendStr(b, "values = [");
        for (int i = 0; i < n; i++) hgnBufAppendf(b, "%d, \"s%d\", ", i, i);
        hgnBufAppendStr(b, "]\n");
    }
}

int main(void) {
    static const char *shapes[] = {"flat keys", "tables", "array"};
    HgnBuf b;
    hgnBufInit(&b);
    printf("%-10s %8s %10s %10s %10s %12s\n", "shape", "scale", "bytes", "parse ms", "MB/s", "dump ms");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        for (int scale = 1; scale <= 8; scale *= 2) {
            makeDoc(&b, shapes[s], 25000 * scale);
            HgnTomlValue *doc = NULL;
            double t0 = now();
            HgnStatus st = hgnTomlParse(b.data, b.len, "bench", &doc);
            double t1 = now();
            if (st) {
                fprintf(stderr, "parse failed: %s\n", hgnStatusMessage(st));
                return 1;
            }
            json_t *json = NULL;
            char *text = NULL;
            if (hgnTomlToJson(doc, &json)) return 1;
            double t2 = now();
            if (hgnTomlDumpJson(json, &text)) return 1;
            double t3 = now();
            printf("%-10s %7dx %10zu %10.1f %10.1f %12.1f\n", shapes[s], scale, b.len, (t1 - t0) * 1e3,
                   (double)b.len / (t1 - t0) / 1e6, (t3 - t2) * 1e3);
            hgnFree(text);
            json_decref(json);
            hgnTomlFree(doc);
        }
    }
    hgnBufFree(&b);
    return 0;
}
