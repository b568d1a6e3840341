/* benchDiagnostics.c — how long `huginn diagnose` takes: the full report on
 * this machine (hwloc live + NVML probe), the DGX-2 topology from XML, and the
 * digest alone. Prints milliseconds per call. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "huginn/diagnostics.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double timeCollect(const HgnDiagnosticsOptions *o, int n, bool topologyOnly) {
    double t0 = now();
    for (int i = 0; i < n; i++) {
        json_t *r = NULL;
        HgnStatus st = topologyOnly ? hgnDiagnosticsTopology(o, &r) : hgnDiagnosticsCollect(o, &r);
        if (st) {
            fprintf(stderr, "benchDiagnostics: %s\n", hgnStatusMessage(st));
            hgnStatusFree(st);
            return -1;
        }
        json_decref(r);
    }
    return (now() - t0) / n * 1e3;
}

int main(void) {
    HgnDiagnosticsOptions live = {0};
    printf("diagnose (this machine, full report): %.2f ms\n", timeCollect(&live, 10, false));
    HgnDiagnosticsOptions dgx = {0};
    dgx.nvmlLibrary = "";
    const char *root = getenv("HGN_SOURCE_DIR"); /* run from the repository root, or set it */
    char xml[1024];
    snprintf(xml, sizeof xml, "%s/tests/data/topologies/nvidiaDGX2.xml", root ? root : ".");
    dgx.topologyXml = xml;
    printf("topology (DGX-2 XML, 16 GPUs, 12 NVSwitches): %.2f ms\n", timeCollect(&dgx, 20, true));
    json_t *topo = NULL;
    if (hgnDiagnosticsTopology(&dgx, &topo) == HGN_OK) {
        char hex[65];
        double t0 = now();
        for (int i = 0; i < 200; i++) {
            HgnStatus st = hgnTopologyDigest(topo, hex);
            hgnStatusFree(st);
        }
        printf("topologyDigest (DGX-2): %.3f ms\n", (now() - t0) / 200 * 1e3);
        json_decref(topo);
    }
    return 0;
}
