/* main.c — ggmlCompare: checks Huginn's ggml block quantisers and element
 * conversions (src/quantization/ggmlBlocks.c) byte for byte against ggml
 * itself, loaded at run time from a libggml-base shared library (the one
 * node-llama-cpp ships in tools/interop/node_modules).
 *
 *   ggmlCompare PATH/libggml-base.so
 *
 * Compares quantize_row_{q8_0,q4_0,q4_1}_ref, dequantize_row_{q8_0,q4_0,q4_1},
 * ggml_fp32_to_fp16_row, ggml_fp16_to_fp32_row and ggml_fp32_to_bf16_row_ref
 * on seeded random rows at many magnitudes and on edge cases (zeros, ties,
 * equal-magnitude extremes, subnormal scales, values near the fp16 limit),
 * and every fp16 bit pattern. Prints one line per function; exit 1 on any
 * difference, 2 on usage, 6 when the library or a symbol is missing. */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "quantization/ggmlBlocks.h"

typedef void (*QuantizeFn)(const float *x, void *y, int64_t k);
typedef void (*DequantizeFn)(const void *x, float *y, int64_t k);
typedef void (*ToHalfFn)(const float *x, uint16_t *y, int64_t n);
typedef void (*FromHalfFn)(const uint16_t *x, float *y, int64_t n);

#define ROWS 4096
#define COLS 256 /* 8 blocks per row */

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint64_t next64(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static float uniform(void) { return (float)(next64() >> 40) * 0x1p-23f - 1.0f; }

/* Row r of the test input: random at a magnitude that sweeps 2^-30..2^15, or an edge case. */
static void makeRow(int r, float *x) {
    int kind = r % 16;
    float scale = ldexpf(1.0f, (r / 16) % 46 - 30);
    for (int j = 0; j < COLS; j++) {
        float u = uniform();
        switch (kind) {
        case 0:
            x[j] = 0.0f;
            break;
        case 1:
            x[j] = (float)((j % 16) - 8) * scale;
            break; /* exact grid, max -8 first */
        case 2:
            x[j] = (float)(8 - (j % 16)) * scale;
            break; /* max +8 first */
        case 3:
            x[j] = (j % 32 == 5) ? -scale : u * scale * 0.5f;
            break; /* one extreme */
        case 4:
            x[j] = (j % 2 ? 1.0f : -1.0f) * scale;
            break; /* equal magnitudes, both signs */
        case 5:
            x[j] = roundf(u * 254.0f) * 0.5f * scale;
            break; /* many ties at half steps */
        case 6:
            x[j] = u * 65000.0f;
            break; /* near the fp16 limit */
        case 7:
            x[j] = u * 1e-7f;
            break; /* subnormal fp16 scales */
        case 8:
            x[j] = u > 0.9f ? u * scale * 100.0f : u * scale;
            break; /* outliers */
        case 9:
            x[j] = scale;
            break; /* constant block */
        default:
            x[j] = u * scale;
            break;
        }
    }
}

static int compareQuant(const char *name, HgnDtype type, QuantizeFn q, DequantizeFn dq) {
    const uint32_t bpb = hgnDtypeInfo(type)->bytesPerBlock;
    const size_t rowBytes = (size_t)COLS / 32 * bpb;
    float *x = hgnMalloc(sizeof(float) * COLS), *ya = hgnMalloc(sizeof(float) * COLS),
          *yb = hgnMalloc(sizeof(float) * COLS);
    uint8_t *a = hgnMalloc(rowBytes), *b = hgnMalloc(rowBytes);
    long qDiff = 0, dqDiff = 0, blocks = 0;
    for (int r = 0; r < ROWS && x && ya && yb && a && b; r++) {
        makeRow(r, x);
        q(x, a, COLS);
        HgnStatus st = hgnGgmlQuantizeRow(type, x, COLS, b);
        if (st) {
            fprintf(stderr, "%s row %d: %s\n", name, r, hgnStatusMessage(st));
            hgnStatusFree(st);
            qDiff++;
            continue;
        }
        for (size_t k = 0; k < rowBytes / bpb; k++, blocks++)
            if (memcmp(a + k * bpb, b + k * bpb, bpb) != 0 && qDiff++ < 5)
                fprintf(stderr, "%s: row %d block %zu differs (ggml d=%02x%02x, huginn d=%02x%02x)\n", name, r, k,
                        a[k * bpb + 1], a[k * bpb], b[k * bpb + 1], b[k * bpb]);
        dq(a, ya, COLS);
        st = hgnGgmlDequantizeRow(type, a, COLS, yb);
        hgnStatusFree(st);
        if (memcmp(ya, yb, sizeof(float) * COLS) != 0 && dqDiff++ < 5)
            fprintf(stderr, "%s: dequantised row %d differs\n", name, r);
    }
    printf("%-5s quantize %ld blocks, %ld differ; dequantize %d rows, %ld differ\n", name, blocks, qDiff, ROWS, dqDiff);
    hgnFree(x), hgnFree(ya), hgnFree(yb), hgnFree(a), hgnFree(b);
    return qDiff || dqDiff;
}

static int compareHalf(ToHalfFn toHalf, FromHalfFn fromHalf, ToHalfFn toBf16) {
    enum { N = 1 << 20 };
    float *x = hgnMalloc(sizeof(float) * N), *back = hgnMalloc(sizeof(float) * 65536);
    uint16_t *h = hgnMalloc(sizeof(uint16_t) * N), *all = hgnMalloc(sizeof(uint16_t) * 65536);
    if (!x || !back || !h || !all) return 1;
    long toDiff = 0, fromDiff = 0, bfDiff = 0;
    for (int i = 0; i < N; i++) { /* every exponent, random mantissas, both signs, no NaN */
        uint32_t bits = (uint32_t)next64();
        if (((bits >> 23) & 0xff) == 0xff) bits &= ~(1u << 23);
        memcpy(&x[i], &bits, 4);
    }
    toHalf(x, h, N);
    for (int i = 0; i < N; i++)
        if (h[i] != hgnGgmlFp32ToFp16(x[i]) && toDiff++ < 5)
            fprintf(stderr, "fp16: %a -> ggml %04x, huginn %04x\n", (double)x[i], h[i], hgnGgmlFp32ToFp16(x[i]));
    toBf16(x, h, N);
    for (int i = 0; i < N; i++)
        if (h[i] != hgnGgmlFp32ToBf16(x[i]) && bfDiff++ < 5)
            fprintf(stderr, "bf16: %a -> ggml %04x, huginn %04x\n", (double)x[i], h[i], hgnGgmlFp32ToBf16(x[i]));
    for (uint32_t i = 0; i < 65536; i++) all[i] = (uint16_t)i;
    fromHalf(all, back, 65536);
    for (uint32_t i = 0; i < 65536; i++) {
        float mine = hgnGgmlFp16ToFp32((uint16_t)i);
        if (memcmp(&mine, &back[i], 4) != 0 && !(isnan(mine) && isnan(back[i])) && fromDiff++ < 5)
            fprintf(stderr, "fp16 %04x -> ggml %a, huginn %a\n", i, (double)back[i], (double)mine);
    }
    printf("fp16  to-half %d values, %ld differ; from-half 65536 patterns, %ld differ\n", N, toDiff, fromDiff);
    printf("bf16  to-bf16 %d values, %ld differ\n", N, bfDiff);
    hgnFree(x), hgnFree(back), hgnFree(h), hgnFree(all);
    return toDiff || fromDiff || bfDiff;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fputs("usage: ggmlCompare PATH/libggml-base.so\n", stderr);
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "ggmlCompare: HGN-0014 NotFound at %s: cannot load: %s\n", argv[1], dlerror());
        return 6;
    }
    static const char *const names[] = {"quantize_row_q8_0_ref", "quantize_row_q4_0_ref", "quantize_row_q4_1_ref",
                                        "dequantize_row_q8_0",   "dequantize_row_q4_0",   "dequantize_row_q4_1",
                                        "ggml_fp32_to_fp16_row", "ggml_fp16_to_fp32_row", "ggml_fp32_to_bf16_row_ref"};
    void *fn[9];
    for (int i = 0; i < 9; i++) {
        fn[i] = dlsym(lib, names[i]);
        if (!fn[i]) {
            fprintf(stderr, "ggmlCompare: HGN-0014 NotFound at %s: no symbol %s\n", argv[1], names[i]);
            dlclose(lib);
            return 6;
        }
    }
    /* POSIX guarantees that dlsym results convert to function pointers */
    QuantizeFn q[3];
    DequantizeFn dq[3];
    ToHalfFn toHalf, toBf16;
    FromHalfFn fromHalf;
    memcpy(q, fn, sizeof q);
    memcpy(dq, fn + 3, sizeof dq);
    memcpy(&toHalf, &fn[6], sizeof toHalf);
    memcpy(&fromHalf, &fn[7], sizeof fromHalf);
    memcpy(&toBf16, &fn[8], sizeof toBf16);
    int bad = 0;
    bad |= compareQuant("q8_0", HGN_DTYPE_Q8_0, q[0], dq[0]);
    bad |= compareQuant("q4_0", HGN_DTYPE_Q4_0, q[1], dq[1]);
    bad |= compareQuant("q4_1", HGN_DTYPE_Q4_1, q[2], dq[2]);
    bad |= compareHalf(toHalf, fromHalf, toBf16);
    dlclose(lib);
    puts(bad ? "ggmlCompare: DIFFERENCES FOUND" : "ggmlCompare: identical to ggml");
    return bad ? 1 : 0;
}
