/* fuzzQuantConfig.c — libFuzzer target for --quant-config files (TOML or
 * JSON): any bytes give a config or an HgnStatus; a parsed config answers
 * format lookups for arbitrary tensor names without crashing. */
#include <stddef.h>
#include <stdint.h>

#include "huginn/planner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > (1u << 16)) return 0;
    HgnPlanQuantConfig qc;
    HgnStatus st = hgnPlanQuantConfigParse((const char *)data, size, "fuzz.toml", &qc);
    if (st) {
        hgnStatusFree(st);
        return 0;
    }
    static const char *const names[] = {"blk.0.attn_q.weight", "token_embd.weight", "", "****", "a*b*c*d*e*f*g"};
    HgnWeightFormat f;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) (void)hgnPlanQuantConfigFormatFor(&qc, names[i], 2, &f);
    for (size_t i = 0; i < qc.nRules; i++) (void)hgnPlanQuantConfigFormatFor(&qc, qc.rules[i].pattern, 2, &f);
    hgnPlanQuantConfigFree(&qc);
    return 0;
}
