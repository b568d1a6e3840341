/* fuzzTopologyXml.c — libFuzzer target for Huginn's own parsing in the
 * diagnostics module: the hwloc 3.0→2.0 XML rewrite, PCI bus id
 * normalisation and the /proc/cpuinfo feature-list reader. (hwloc parses the
 * XML itself; the unit tests feed it malformed files.) The rewrite must keep
 * every byte outside the rewritten attributes. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "diagnostics/hostProbe.h"
#include "diagnostics/probeUtil.h"
#include "diagnostics/topologyLoad.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    size_t len = strlen(text);

    char *out = NULL;
    HgnStatus st = hgnTopologyXmlDowngrade(text, len, &out);
    if (st) {
        if (out) __builtin_trap();
        hgnStatusFree(st);
    } else if (out) {
        /* the document still starts the same way up to the version attribute */
        const char *tag = strstr(text, "<topology");
        if (!tag || strncmp(out, text, (size_t)(tag - text)) != 0) __builtin_trap();
        if (!strstr(out, "version=\"2.0\"")) __builtin_trap();
        hgnFree(out);
    }

    char bus[16];
    if (hgnDiagPciBusIdNormalize(text, bus)) {
        if (strlen(bus) != 12 || bus[4] != ':' || bus[7] != ':' || bus[10] != '.') __builtin_trap();
        char again[16];
        if (!hgnDiagPciBusIdNormalize(bus, again) || strcmp(bus, again) != 0) __builtin_trap();
    }

    HgnJsonBuild jb = {false};
    json_t *flags = json_array();
    hgnCpuFlagsFromList(&jb, text, flags);
    if (!jb.failed && json_array_size(flags) > 22) __builtin_trap();
    json_decref(flags);
    free(text);
    return 0;
}
