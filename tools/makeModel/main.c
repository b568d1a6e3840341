/* main.c — makeModel: writes a Llama-architecture GGUF v3 with seeded random
 * weights and a byte-level BPE tokenizer, for benchmarks and llama.cpp
 * interoperability tests at any size.
 *
 *   makeModel --out FILE [--layers N] [--dim N] [--heads N] [--kv-heads N] [--ffn N] [--vocab N]
 *             [--ctx N] [--type f32|f16|q8_0|q4_0] [--seed N] [--rope-theta X] [--rms-eps X] [--quiet]
 *
 * Errors are HGN errors on stderr with the exit status of their code. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "llamaModel.h"

static const char usage[] =
    "usage: makeModel --out FILE [options]\n"
    "Writes a Llama-architecture GGUF v3 with seeded random weights and a byte-level BPE tokenizer.\n"
    "  --layers N      transformer blocks (default 2)\n"
    "  --dim N         model width (default 128)\n"
    "  --heads N       attention heads; must divide --dim, head size even (default 4)\n"
    "  --kv-heads N    key/value heads; must divide --heads (default: --heads)\n"
    "  --ffn N         feed-forward width (default 384)\n"
    "  --vocab N       vocabulary size, at least 260 (default 512)\n"
    "  --ctx N         context length (default 2048)\n"
    "  --type T        f32, f16, q8_0 or q4_0 for the matrices; q8_0/q4_0 need --dim and --ffn multiples of 32\n"
    "                  (default f32; norms are always f32)\n"
    "  --seed N        random seed (default 0); the same flags give the same bytes\n"
    "  --rope-theta X  RoPE base (default 10000)\n"
    "  --rms-eps X     RMSNorm epsilon (default 1e-5)\n"
    "  --quiet         print nothing on success\n";

static int fail(HgnStatus st) {
    char *s = hgnStatusToString(st);
    fprintf(stderr, "makeModel: %s\n", s ? s : hgnStatusMessage(st));
    hgnFree(s);
    int rc = hgnCodeExitStatus(hgnStatusCode(st));
    hgnStatusFree(st);
    return rc;
}

static HgnStatus usageError(const char *flag, const char *fmt, const char *value) {
    return hgnStatusNew(HGN_CODE_UsageError, flag, "run makeModel --help", fmt, value);
}

static HgnStatus parseU64(const char *flag, const char *text, uint64_t max, uint64_t *out) {
    char *end = NULL;
    errno = 0;
    if (!text || !*text || *text == '-' || *text == '+')
        return usageError(flag, "expected a non-negative integer, got '%s'", text ? text : "");
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end) return usageError(flag, "expected a non-negative integer, got '%s'", text);
    if (v > max)
        return hgnStatusNew(HGN_CODE_InvalidArgument, flag, "run makeModel --help for the ranges",
                            "%s is too large (max %llu)", text, (unsigned long long)max);
    *out = v;
    return HGN_OK;
}

static HgnStatus parseU32(const char *flag, const char *text, uint32_t *out) {
    uint64_t v;
    HgnStatus st = parseU64(flag, text, UINT32_MAX, &v);
    if (!st) *out = (uint32_t)v;
    return st;
}

static HgnStatus parseFloat(const char *flag, const char *text, float *out) {
    char *end = NULL;
    errno = 0;
    float v = text && *text ? strtof(text, &end) : 0.0f;
    if (!text || !*text || errno || *end) return usageError(flag, "expected a number, got '%s'", text ? text : "");
    *out = v;
    return HGN_OK;
}

static HgnStatus parseType(const char *text, HgnDtype *out) {
    static const struct {
        const char *name;
        HgnDtype type;
    } types[] = {{"f32", HGN_DTYPE_F32}, {"f16", HGN_DTYPE_F16}, {"q8_0", HGN_DTYPE_Q8_0}, {"q4_0", HGN_DTYPE_Q4_0}};
    for (size_t i = 0; text && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(text, types[i].name) == 0) {
            *out = types[i].type;
            return HGN_OK;
        }
    return hgnStatusNew(HGN_CODE_UsageError, "--type", "use f32, f16, q8_0 or q4_0", "unknown weight type '%s'",
                        text ? text : "");
}

int main(int argc, char **argv) {
    LlamaSpec spec = {.layers = 2,
                      .dim = 128,
                      .heads = 4,
                      .kvHeads = 0,
                      .ffn = 384,
                      .vocab = 512,
                      .ctx = 2048,
                      .type = HGN_DTYPE_F32,
                      .seed = 0,
                      .ropeTheta = 10000.0f,
                      .rmsEps = 1e-5f};
    const char *out = NULL;
    bool quiet = false, kvGiven = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        if (strcmp(arg, "--quiet") == 0) {
            quiet = true;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0) return fail(usageError(arg, "unexpected argument '%s'", arg));
        /* --flag VALUE or --flag=VALUE */
        char flag[32];
        const char *eq = strchr(arg, '='), *value;
        size_t flagLen = eq ? (size_t)(eq - arg) : strlen(arg);
        if (flagLen >= sizeof flag) return fail(usageError(arg, "unknown option '%s'", arg));
        memcpy(flag, arg, flagLen);
        flag[flagLen] = '\0';
        if (eq)
            value = eq + 1;
        else if (i + 1 < argc)
            value = argv[++i];
        else
            return fail(usageError(flag, "option %s needs a value", flag));
        HgnStatus st;
        uint64_t seed;
        if (strcmp(flag, "--out") == 0)
            st = *value ? (out = value, HGN_OK) : usageError(flag, "%s", "empty path");
        else if (strcmp(flag, "--layers") == 0)
            st = parseU32(flag, value, &spec.layers);
        else if (strcmp(flag, "--dim") == 0)
            st = parseU32(flag, value, &spec.dim);
        else if (strcmp(flag, "--heads") == 0)
            st = parseU32(flag, value, &spec.heads);
        else if (strcmp(flag, "--kv-heads") == 0)
            st = parseU32(flag, value, &spec.kvHeads), kvGiven = true;
        else if (strcmp(flag, "--ffn") == 0)
            st = parseU32(flag, value, &spec.ffn);
        else if (strcmp(flag, "--vocab") == 0)
            st = parseU32(flag, value, &spec.vocab);
        else if (strcmp(flag, "--ctx") == 0)
            st = parseU32(flag, value, &spec.ctx);
        else if (strcmp(flag, "--type") == 0)
            st = parseType(value, &spec.type);
        else if (strcmp(flag, "--seed") == 0)
            st = parseU64(flag, value, UINT64_MAX, &seed), spec.seed = st ? 0 : seed;
        else if (strcmp(flag, "--rope-theta") == 0)
            st = parseFloat(flag, value, &spec.ropeTheta);
        else if (strcmp(flag, "--rms-eps") == 0)
            st = parseFloat(flag, value, &spec.rmsEps);
        else
            st = usageError(flag, "unknown option '%s'", flag);
        if (st) return fail(st);
    }
    if (!out) return fail(hgnStatusNew(HGN_CODE_UsageError, "--out", "run makeModel --help", "--out FILE is required"));
    if (!kvGiven) spec.kvHeads = spec.heads;
    HgnStatus st = llamaSpecValidate(&spec);
    if (st) return fail(st);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    LlamaSummary sum = {0};
    if ((st = llamaModelWrite(&spec, out, &sum))) return fail(st);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!quiet)
        printf("makeModel: wrote %s: %u tensors, %llu parameters, %llu bytes, %s, %.2f s\n", out, sum.nTensors,
               (unsigned long long)sum.parameters, (unsigned long long)sum.fileBytes, hgnDtypeName(spec.type),
               (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
    return 0;
}
