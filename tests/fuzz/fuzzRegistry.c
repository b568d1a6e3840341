/* fuzzRegistry.c — libFuzzer target: arbitrary bytes as a model registry and
 * as a device table must give a registry/table or an HGN error, never a crash
 * or leak; a registry that loads must also render and rate without faults. */
#include <stddef.h>
#include <stdint.h>

#include "huginn/recommend.h"
#include "huginn/registry.h"
#include "registry/deviceProfiles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    HgnRegistry *reg = NULL;
    HgnStatus st = hgnRegistryLoadJson((const char *)data, size, "fuzz.json", &reg);
    if (!st) {
        json_t *doc = NULL;
        if (!hgnRegistryListJson(reg, &doc)) json_decref(doc);
        for (size_t i = 0; i < hgnRegistryCount(reg) && i < 4; i++)
            if (!hgnModelShowJson(hgnRegistryAt(reg, i), &doc)) json_decref(doc);
        uint64_t gpus[2] = {24ull << 30, 8ull << 30};
        HgnRecommendQuery q = {.gpuMemoryBytes = gpus, .nGpus = 2, .hostRamBytes = 64ull << 30};
        HgnRecommendation *recs = NULL;
        size_t n = 0;
        if (!hgnRecommend(reg, &q, &recs, &n)) hgnRecommendationsFree(recs);
        hgnRegistryFree(reg);
    }
    hgnStatusFree(st);

    HgnDeviceTable *table = NULL;
    st = hgnDeviceTableParse((const char *)data, size, "fuzz.json", &table);
    if (!st) {
        (void)hgnDeviceTableMatch(table, "NVIDIA GeForce RTX 4090", 0);
        hgnDeviceTableFree(table);
    }
    hgnStatusFree(st);
    return 0;
}
