/* cmdQuantize.c — `huginn quantize MODEL --method M --out FILE`: quantise a model's weights. */
#include <string.h>
#include <sys/stat.h>

#include "cli/cliModel.h"
#include "cli/cliOutput.h"
#include "cli/commands.h"
#include "core/strBuf.h"

/* Bits each method accepts, and whether it needs calibration data. */
typedef struct MethodRule {
    const char *method;
    int defaultBits;
    unsigned bitsMask; /* bit n set: n bits accepted */
    bool calibrated;
    bool grouped; /* takes --group-size */
} MethodRule;

static const MethodRule rules[] = {
    {"rtn", 4, (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 8), false, true},
    {"nf4", 4, 1u << 4, false, true},
    {"fp4", 4, 1u << 4, false, true},
    {"int8", 8, 1u << 8, false, false},
    {"gptq", 4, (1u << 2) | (1u << 3) | (1u << 4) | (1u << 8), true, true},
    {"awq", 4, (1u << 4), true, true},
};

static void bitsList(unsigned mask, HgnBuf *b) {
    bool first = true;
    for (int n = 2; n <= 8; n++)
        if (mask & (1u << n)) {
            hgnBufAppendf(b, "%s%d", first ? "" : ", ", n);
            first = false;
        }
}

static HgnStatus checkMethod(const HgnCliArgs *a, const MethodRule *r, int *bits) {
    *bits = (int)hgnCliArgsInt(a, "bits", r->defaultBits);
    if (!(r->bitsMask & (1u << *bits))) {
        HgnBuf hint;
        hgnBufInit(&hint);
        hgnBufAppendf(&hint, "%s takes --bits ", r->method);
        bitsList(r->bitsMask, &hint);
        HgnStatus st = hgnStatusNew(HGN_CODE_UsageError, "--bits", hgnBufStr(&hint), "%s cannot quantise to %d bits",
                                    r->method, *bits);
        hgnBufFree(&hint);
        return st;
    }
    if (r->calibrated && !hgnCliArgsHas(a, "calibration"))
        return hgnStatusNew(HGN_CODE_UsageError, "--calibration", "give --calibration FILE with sample text",
                            "%s needs calibration data", r->method);
    if (!r->calibrated && hgnCliArgsHas(a, "calibration"))
        return hgnStatusNew(HGN_CODE_UsageError, "--calibration", "drop --calibration, or use gptq or awq",
                            "%s takes no calibration data", r->method);
    if (!r->grouped && hgnCliArgsHas(a, "group-size"))
        return hgnStatusNew(HGN_CODE_UsageError, "--group-size", "drop --group-size for int8",
                            "%s quantises per row and takes no --group-size", r->method);
    int64_t g = hgnCliArgsInt(a, "group-size", 128);
    if (g & (g - 1))
        return hgnStatusNew(HGN_CODE_UsageError, "--group-size", "use a power of two such as 32, 64 or 128",
                            "--group-size %lld is not a power of two", (long long)g);
    return HGN_OK;
}

static bool samePath(const char *x, const char *y) {
    struct stat sx, sy;
    if (strcmp(x, y) == 0) return true;
    return stat(x, &sx) == 0 && stat(y, &sy) == 0 && sx.st_dev == sy.st_dev && sx.st_ino == sy.st_ino;
}

HgnStatus cmdQuantize(CliContext *ctx) {
    const HgnCliArgs *a = ctx->args;
    const char *method = hgnCliArgsString(a, "method", "");
    const MethodRule *rule = NULL;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (strcmp(rules[i].method, method) == 0) rule = &rules[i];
    if (!rule) return hgnStatusNew(HGN_CODE_InternalError, "--method", NULL, "no rule for method `%s`", method);
    int bits = 0;
    const char *model = hgnCliArgsString(a, "MODEL", ""), *out = hgnCliArgsString(a, "out", "");
    const char *format = NULL;
    HgnStatus st = checkMethod(a, rule, &bits);
    if (!st) st = cliModelDetect(model, "MODEL", &format);
    if (st) return st;
    if (samePath(model, out))
        return hgnStatusNew(HGN_CODE_UsageError, "--out", "write the quantised model to a new file",
                            "--out `%s` would overwrite the input model", out);
    if (!ctx->dryRun) return cliNotBuilt(ctx, "the quantiser");
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppendf(&b, "quantise the %s model `%s` with %s to %d bits", format, model, method, bits);
    if (rule->grouped) hgnBufAppendf(&b, ", group size %lld", (long long)hgnCliArgsInt(a, "group-size", 128));
    if (hgnCliArgsHas(a, "calibration"))
        hgnBufAppendf(&b, ", calibrated on `%s`", hgnCliArgsString(a, "calibration", ""));
    hgnBufAppendf(&b, ", and write `%s`", out);
    st = cliDryRun(ctx, hgnBufStr(&b));
    hgnBufFree(&b);
    return st;
}
