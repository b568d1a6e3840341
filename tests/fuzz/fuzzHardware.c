/* fuzzHardware.c — libFuzzer target for hardware description files
 * (--hardware): any bytes give a machine or an HgnStatus with its pointer. */
#include <stddef.h>
#include <stdint.h>

#include "huginn/planner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > (1u << 16)) return 0;
    HgnMachine m;
    HgnStatus st = hgnMachineFromHardwareJson((const char *)data, size, "fuzz.json", &m);
    if (st)
        hgnStatusFree(st);
    else
        hgnMachineFree(&m);
    return 0;
}
