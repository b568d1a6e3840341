/* fuzzPlanRead.c — libFuzzer target for the plan reader: any bytes are parsed
 * and validated (schema, references, acyclicity, budgets, assertions); a plan
 * that passes is written again and must read back. Every outcome is a plan
 * or an HgnStatus (no crash, no leak). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > (1u << 20)) return 0;
    HgnPlan *plan = NULL;
    HgnStatus st = hgnPlanReadJson((const char *)data, size, "fuzz.json", &plan);
    if (st) {
        hgnStatusFree(st);
        return 0;
    }
    char *text = NULL;
    st = hgnPlanWriteJson(plan, &text);
    if (!st) {
        HgnPlan *again = NULL;
        st = hgnPlanReadJson(text, strlen(text), "rewritten.json", &again);
        if (st) __builtin_trap(); /* a valid plan must survive its own writer */
        hgnPlanFree(again);
    }
    hgnStatusFree(st);
    hgnFree(text);
    hgnPlanFree(plan);
    return 0;
}
